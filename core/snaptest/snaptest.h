/* snaptest: a quiesced test snapshot taken the way a backup product takes it, watched live,
 * its VSS manifest read, compared with the rules' prediction, and the snapshot removed.
 *
 * One test: refuse (powered off, 32 snapshots) -> record in history (before anything exists
 * in vCenter, so a crash leaves a row naming the snapshot) -> CreateSnapshotEx_Task with a
 * Windows quiesce spec, or CreateSnapshot_Task(quiesce) where Ex is unavailable -> poll the
 * task and the VM's events, each delivered to the callback and stored -> on success the
 * manifest (backupManifest, else the new *vss_manifests* of layoutEx.file) downloaded,
 * stored and parsed -> `vssadmin list writers` when guest credentials are given -> remove
 * the snapshot (always, even after a failure or a cancel, unless keep) -> record the end.
 *
 * Threads: snaptest_run_many runs tests on worker threads, each with its own vs_conn and its
 * own store connection; the callback is called on those threads (the caller serialises). */
#ifndef QUIESCENT_SNAPTEST_H
#define QUIESCENT_SNAPTEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/model.h"
#include "snaptest/manifest.h"
#include "store/store.h"
#include "vsphere/session.h"

#define SNAPTEST_MAX_SNAPSHOTS 32
#define SNAPTEST_TIMEOUT_MIN 5
#define SNAPTEST_TIMEOUT_MAX 240
#define SNAPTEST_TIMEOUT_DEFAULT 15
#define SNAPTEST_NAME_PREFIX "quiescent-test-"
#define SNAPTEST_METHOD_EX "CreateSnapshotEx_Task"
#define SNAPTEST_METHOD_LEGACY "CreateSnapshot_Task"

/* VSS_BACKUP_TYPE */
enum { SNAPTEST_BT_FULL = 1, SNAPTEST_BT_INCREMENTAL, SNAPTEST_BT_DIFFERENTIAL, SNAPTEST_BT_LOG,
       SNAPTEST_BT_COPY };

typedef struct {
	const char *context;        /* "ctx_auto" (default), "ctx_backup", "ctx_file_share_backup" */
	int backup_type;            /* SNAPTEST_BT_*, default COPY (logs are never truncated) */
	bool bootable_system_state; /* default true */
	bool partial_file_support;  /* default false */
	int timeout_min;            /* 5..240, default 15 */
	bool keep;                  /* keep the test snapshot on purpose */
} snaptest_spec;

void snaptest_spec_init(snaptest_spec *s);
/* 0, or -1 with one sentence in msg (timeout out of range, unknown context...). */
int snaptest_spec_check(const snaptest_spec *s, char *msg, size_t n);
/* "auto"|"ctx_auto" -> "ctx_auto", ...; NULL when unknown. */
const char *snaptest_context_parse(const char *s);
/* "copy" -> 5 ...; 0 when unknown. */
int snaptest_backup_type_parse(const char *s);
const char *snaptest_backup_type_name(int t);   /* 5 -> "copy", "unknown" */
/* The sentence warning about a backup type other than COPY, NULL for COPY. */
const char *snaptest_backup_type_warning(int t);
/* "quiescent-test-20261122T100000Z" into buf (at least 32 bytes). */
void snaptest_name(time_t at, char *buf, size_t n);

typedef enum {
	SNAPTEST_EV_START,     /* text: what is being done */
	SNAPTEST_EV_PROGRESS,  /* progress: 0..100, text: task state */
	SNAPTEST_EV_EVENT,     /* a vCenter event of the VM: text */
	SNAPTEST_EV_NOTE,      /* ours: fallback, manifest found, snapshot removed... */
	SNAPTEST_EV_WARN,      /* a warning sentence */
	SNAPTEST_EV_DONE,      /* outcome is set */
} snaptest_event_kind;

typedef struct snaptest_outcome snaptest_outcome;

typedef struct {
	const char *vm;
	snaptest_event_kind kind;
	time_t at;
	double elapsed_s;          /* since the test started */
	int progress;              /* PROGRESS: 0..100, -1 unknown */
	const char *text;
	const snaptest_outcome *outcome;   /* DONE only */
} snaptest_event;

typedef void (*snaptest_event_fn)(void *ctx, const snaptest_event *ev);

typedef struct {
	char *name;
	char *state;               /* model_writer_state_name */
	char *last_error;          /* as vssadmin printed it */
	bool failed;               /* not stable, or a last error other than none/retryable */
} snaptest_writer_state;

struct snaptest_outcome {
	char *vm;
	char *moref;
	char *method;              /* SNAPTEST_METHOD_EX / _LEGACY, NULL when refused */
	quiesce_level predicted;
	quiesce_level achieved;    /* LEVEL_NONE: not known (refused, cancelled, error) */
	char *result;              /* "success", "failed", "cancelled", "refused", "error" */
	char *fault_type;          /* NULL on success */
	char *fault;               /* the sentence */
	double duration_s;
	char *snapshot_name;
	char *snapshot_moref;
	tri snapshot_created;      /* YES: it exists or existed; NO: never made; UNKNOWN: vCenter
				    * could not say (the task's end was not seen) */
	bool snapshot_removed;
	bool kept;
	bool history_failed;       /* not started: the history could not record it */
	bool busy;                 /* refused: another live process holds the VM (fault names it) */
	bool history_lost;         /* a journal write failed mid-test: stopped as on a stop request
				    * (its snapshot removed); history_lost_why says which write */
	char history_lost_why[300];
	char *manifest_file;       /* "[ds] dir/vm-vss_manifests1.zip" */
	bool has_manifest;
	snaptest_manifest manifest;
	snaptest_writer_state *writers_after;
	size_t n_writers_after;
	char *writers_after_error; /* why writers_after is empty (no credentials, failed...) */
	char *explanation;         /* achieved vs predicted, one or two sentences */
	/* The snapshot was taken but what it achieved could not be read (vCenter unreachable past
	 * the grace, or the manifest's file not readable): achieved is LEVEL_NONE, the verdict is
	 * not proven rather than "not ready"; the sentence says why. */
	char *achieved_unknown;
	int64_t history_id;        /* 0: not recorded */
};

void snaptest_outcome_init(snaptest_outcome *o);
void snaptest_outcome_done(snaptest_outcome *o);
/* Whether the test snapshot is gone: UNKNOWN when nothing was (known to be) created. */
tri snaptest_outcome_removed(const snaptest_outcome *o);
/* True when the test succeeded at the predicted level (the CLI's exit 0). */
bool snaptest_outcome_ok(const snaptest_outcome *o);

typedef struct {
	vs_session *session;
	const char *vcenter;          /* the history key (scan_server_key) */
	const char *db_path;          /* each worker opens its own store; NULL: nothing stored */
	int64_t connection_id;        /* the history's connection row */
	const char *guest_user;       /* NULL: no vssadmin after the test */
	const char *guest_password;
	atomic_int *cancel;           /* set (Ctrl-C): the task is cancelled, cleanup still runs */
	snaptest_event_fn on_event;   /* may be NULL */
	void *ctx;
	int poll_ms;                  /* 0: 300 */
	int network_grace_s;          /* how long vCenter may be unreachable (0: 300 s) */
	int task_timeout_s;           /* bound of the removal task (0: 1800 s) */
} snaptest_env;

/* One test of the VM described by f, whose verdict is v. out is initialised here. Returns 0
 * when the test ran (whatever its result), -1 when it could not start (out->fault says why). */
int snaptest_run_one(const snaptest_env *env, const vm_facts *f, const verdict *v,
		     const snaptest_spec *spec, snaptest_outcome *out);

/* n tests. parallel <= 0: one at a time per ESXi host (snapshots stun VMs; hosts are read
 * from runtime.host), else up to `parallel` at once. outs[n] are initialised here. */
void snaptest_run_many(const snaptest_env *env, const vm_facts *const *f, const verdict *const *v,
		       size_t n, const snaptest_spec *spec, int parallel, snaptest_outcome *outs);

/* ---- orphans: tests a crash left unfinished ---- */

/* The VM of a leftover as people know it: "name (moref)", the moref alone when the name was
 * not recorded. The name is the one the test began with; the moref finds the VM. */
void snaptest_ref_vm(const store_snaptest_ref *ref, char *buf, size_t n);

/* A test a live process still runs is left alone (0, msg says whose). A dead one is taken
 * over; a creating task that still runs is waited for (its end makes the snapshot). Then it
 * looks the orphan's snapshot up (by name on its VM) and removes it when remove is true
 * (else the row is marked orphan, the snapshot left as it is). The row is finished either
 * way. *found tells whether the snapshot still existed. msg gets one sentence. 0 or -1. */
int snaptest_orphan_cleanup(vs_conn *c, store *db, const store_snaptest_ref *ref, bool remove,
			    bool *found, char *msg, size_t n);
/* The same with the bounds given: grace for a lost network (<= 0: 300 s), task_timeout for
 * the removal (<= 0: 1800 s). */
int snaptest_orphan_cleanup_bounded(vs_conn *c, store *db, const store_snaptest_ref *ref,
				    bool remove, int grace, int task_timeout, bool *found, char *msg,
				    size_t n);

/* The explanation sentence of achieved vs predicted (malloc'ed); exposed for tests. */
char *snaptest_explain(const vm_facts *f, const verdict *v, const snaptest_outcome *o);

#endif
