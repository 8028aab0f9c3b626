/* store: the SQLite history of everything quiescent saw and did (docs/store.md).
 *
 * One `store` is one SQLite connection with its cache of prepared statements. It is not
 * shared between threads: each thread that writes history opens its own (WAL and a 5 s busy
 * timeout make several connections, and several quiescent processes, work side by side).
 *
 * Every function that can fail returns 0 (or an id > 0, or 1 for "found") on success and -1
 * with one sentence in the caller's err buffer (err may be NULL). Strings passed in are
 * copied by SQLite; nothing the caller passes is kept. Times are Unix seconds (UTC).
 *
 * Enumerations are stored as the contract names of model.h (model_*_name), as text, so the
 * database is readable with the sqlite3 shell and by tools outside quiescent. */
#ifndef QUIESCENT_STORE_H
#define QUIESCENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/model.h"
#include "util/strbuf.h"

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 6
/* Version of the facts_json document (its "format" member). */
#define STORE_FACTS_FORMAT 1

typedef struct store store;

/* ---- open, close, transactions (store.c) ---- */

/* Opens (creating if needed) the history at path. A new file is created mode 0600, missing
 * parent directories 0700. The file is checked with PRAGMA quick_check before anything is
 * written: a damaged or foreign file is refused with a clear error and left byte for byte as
 * it was. Then the schema is migrated forward to STORE_SCHEMA_VERSION (each step in its own
 * transaction); a file written by a newer quiescent is refused. NULL on error. */
store *store_open(const char *path, char *err, size_t errlen);
void store_close(store *s);   /* NULL is fine; rolls back an open transaction */
/* For a command that closes the store right after its one big write: commits no longer copy
 * the WAL into the database (a checkpoint); the close does it, which the command can run
 * beside its other last work. */
void store_checkpoint_at_close(store *s);

/* The default history path into buf: $QUIESCENT_DB, else $XDG_DATA_HOME/quiescent/history.db,
 * else $HOME/.local/share/quiescent/history.db. NULL when none applies or it does not fit. */
const char *store_default_path(char *buf, size_t n);

/* For reading only (history, report): store_open, or, when the history sits on read-only media
 * or cannot be written by this process, the file as it is (no lock, no migration; it must have
 * this build's schema and no -wal left by an unclean close). NULL with err. */
store *store_open_read(const char *path, char *err, size_t errlen);
/* The schema version of the open file (== STORE_SCHEMA_VERSION after store_open). */
int store_schema_version(store *s);
const char *store_path(const store *s);

/* One explicit transaction at a time per store (BEGIN IMMEDIATE: the write lock is taken
 * up front, so a busy database waits here, not in the middle). */
int store_begin(store *s, char *err, size_t errlen);
int store_commit(store *s, char *err, size_t errlen);
void store_rollback(store *s);
bool store_in_transaction(const store *s);

/* ---- connections and scans (store_scan.c) ---- */

typedef struct {
	const char *server;        /* host[:port] as normalised by the caller: the history key */
	const char *user;          /* never the password: that is not stored anywhere */
	const char *api_version;   /* about.apiVersion */
	const char *product;       /* about.fullName, may be NULL */
	const char *instance_uuid; /* about.instanceUuid, may be NULL */
	const char *thumbprint;    /* SHA-256 of the server certificate, may be NULL */
	time_t at;
} store_connection_info;

/* Records a session with a vCenter/ESXi. Returns the connection id, -1 on error. */
int64_t store_connection_begin(store *s, const store_connection_info *ci, char *err, size_t errlen);
int store_connection_end(store *s, int64_t connection_id, time_t at, char *err, size_t errlen);

/* A scan is written in one transaction: store_scan_begin opens it, store_scan_add_vm adds
 * each VM (facts, verdict, findings, probe result), store_scan_commit makes it visible,
 * store_scan_abort throws all of it away. options_json (may be NULL) records how the scan ran
 * ({"vm":["sql-*"],"probe":false}). Returns the scan id, -1 on error. */
int64_t store_scan_begin(store *s, int64_t connection_id, time_t at, const char *options_json,
			 char *err, size_t errlen);
/* store_connection_begin and store_scan_begin in one go, the connection row inside the
 * scan's transaction: an aborted scan leaves neither behind. *connection_id gets the
 * connection's id (for store_connection_end after the commit). */
int64_t store_scan_begin_connected(store *s, const store_connection_info *ci,
				   const char *options_json, int64_t *connection_id,
				   char *err, size_t errlen);
int store_scan_add_vm(store *s, int64_t scan_id, const vm_facts *f, const verdict *v,
		      char *err, size_t errlen);
int store_scan_commit(store *s, int64_t scan_id, time_t finished_at, char *err, size_t errlen);
void store_scan_abort(store *s, int64_t scan_id);

/* The most recent probe of vcenter's VM moref whose state was OK (stale copies are not
 * counted, so facts never look newer than they are). Fills *out (initialised by the caller;
 * its old contents are released) with the probe as it was: state PROBE_OK and its time;
 * the caller marks it PROBE_STALE. Returns 1 found, 0 none, -1 error. */
int store_last_probe(store *s, const char *vcenter, const char *moref, guest_probe *out,
		     char *err, size_t errlen);

/* When a fix of ours last set disk.EnableUUID on that VM: the end time of the latest done
 * step of kind STORE_STEP_SET_ENABLE_UUID (R08). Returns 1 found, 0 none, -1 error. */
int store_enable_uuid_set_at(store *s, const char *vcenter, const char *moref, time_t *out,
			     char *err, size_t errlen);

/* When a fix step of ours last ended (done) on that VM, any kind: a guest probe older than
 * that no longer says how the guest is (--probe-max-age). Returns 1 found, 0 none, -1 error. */
int store_last_fix_step_at(store *s, const char *vcenter, const char *moref, time_t *out,
			   char *err, size_t errlen);

/* When fixes of ours last touched that VM: *uuid_set_at as store_enable_uuid_set_at, *fixed_at
 * the end of its latest done step of any kind (0 when none), in one query. 0 or -1. */
int store_vm_fix_times(store *s, const char *vcenter, const char *moref, time_t *uuid_set_at,
		       time_t *fixed_at, char *err, size_t errlen);

/* The VM's last test snapshot with a result ("success" or "failed") whose snapshot task ran
 * (cancelled and interrupted tests, and requests that never reached vCenter, prove nothing)
 * into *t (initialised by the caller; old contents released): time,
 * method, levels, fault, the manifest's writers, a writer found failed after it. Its
 * `changes` are left empty. When then is not NULL it gets the VM's facts from its newest scan
 * that started no later than the test (the facts the test was predicted from) and *have_then
 * says whether there was one. Returns 1 found, 0 never tested, -1 error. */
int store_last_test(store *s, const char *vcenter, const char *moref, vm_last_test *t,
		    vm_facts *then, bool *have_then, char *err, size_t errlen);

/* Reads one VM of a stored scan back: facts from facts_json and the verdict with its
 * findings (either pointer may be NULL). Both must be initialised; old contents are
 * released. Returns 1 found, 0 none, -1 error. */
int store_scan_vm_get(store *s, int64_t scan_id, const char *moref, vm_facts *f, verdict *v,
		      char *err, size_t errlen);

/* Every VM of a stored scan, its facts read back from facts_json (by name). *out is malloc'ed;
 * release each with model_vm_facts_done, then free(*out). 0 or -1. */
int store_scan_facts_all(store *s, int64_t scan_id, vm_facts **out, size_t *n, char *err,
			 size_t errlen);

/* ---- facts_json (store_facts.c) ---- */

/* Appends the versioned facts document ({"format":1,...}) of f to out. */
void store_facts_to_json(strbuf *out, const vm_facts *f);
/* Parses a facts document back into f (initialised by the caller; old contents released).
 * Members missing from the document stay unknown, so older formats read fine. */
int store_facts_from_json(const char *json, vm_facts *f, char *err, size_t errlen);
/* Reads only the "probe" member of a facts document into p (initialised; released first). */
int store_probe_from_json(const char *json, guest_probe *p, char *err, size_t errlen);

/* ---- fix plans, the step journal and tasks (store_fix.c) ---- */

typedef enum {
	STORE_PLAN_PLANNED,     /* shown, not confirmed */
	STORE_PLAN_CONFIRMED,
	STORE_PLAN_RUNNING,
	STORE_PLAN_DONE,
	STORE_PLAN_FAILED,      /* finished, some VM not fixed */
	STORE_PLAN_CANCELLED,   /* Ctrl-C or the operator declined */
	STORE_PLAN_INTERRUPTED, /* stopped with VMs perhaps not back (recoverable), or found
				 * with a dead owner and recovered (recovered_at set) */
} store_plan_state;

typedef enum {
	STORE_STEP_PLANNED,
	STORE_STEP_RUNNING,
	STORE_STEP_DONE,
	STORE_STEP_FAILED,
	STORE_STEP_ROLLED_BACK,
	STORE_STEP_SKIPPED,     /* not run: an earlier step failed, or cancelled */
} store_step_state;

/* The step kind whose completion means "disk.EnableUUID was set by us" (R08). */
#define STORE_STEP_SET_ENABLE_UUID "set_enable_uuid"

const char *store_plan_state_name(store_plan_state st);  /* "planned", ... */
const char *store_step_state_name(store_step_state st);  /* "planned", "rolled_back", ... */

/* A plan and its VMs and steps are usually created inside store_begin/store_commit so a
 * plan appears whole. Returns the id, -1 on error. scan_id may be 0 (none). */
int64_t store_plan_create(store *s, int64_t connection_id, int64_t scan_id, time_t at,
			  const char *options_json, char *err, size_t errlen);
int store_plan_set_state(store *s, int64_t plan_id, store_plan_state st, time_t at,
			 char *err, size_t errlen);
int64_t store_plan_vm_add(store *s, int64_t plan_id, const char *moref, const char *name,
			  power_state original_power, char *err, size_t errlen);
/* outcome: "fixed", "partial", "failed", "manual", "skipped"; message: one sentence. */
int store_plan_vm_set_outcome(store *s, int64_t plan_vm_id, const char *outcome,
			      const char *message, char *err, size_t errlen);

typedef struct {
	int seq;                   /* order within the VM, from 1 */
	const char *kind;          /* "shutdown_guest", STORE_STEP_SET_ENABLE_UUID, "power_on", ... */
	const char *rule;          /* the finding it fixes ("R07"), may be NULL */
	const char *description;   /* what it will do, for the plan view */
} store_step_def;

int64_t store_step_add(store *s, int64_t plan_vm_id, const store_step_def *def,
		       char *err, size_t errlen);
/* The journal: store_step_begin before the step acts, store_step_end when it has. Both are
 * durable when they return, so they refuse to run inside an open transaction. */
int store_step_begin(store *s, int64_t step_id, time_t at, const char *before_value,
		     power_state original_power, char *err, size_t errlen);
int store_step_set_task(store *s, int64_t step_id, const char *task_moref, char *err, size_t errlen);
/* st is DONE, FAILED, ROLLED_BACK or SKIPPED; result/error/after_value may be NULL. */
int store_step_end(store *s, int64_t step_id, store_step_state st, time_t at, const char *result,
		   const char *error, const char *after_value, char *err, size_t errlen);
/* The step's current state, for tests and recovery. Returns 1 found, 0 none, -1 error. */
int store_step_get_state(store *s, int64_t step_id, store_step_state *out, char *err, size_t errlen);

typedef enum {
	STORE_TASK_QUEUED,
	STORE_TASK_RUNNING,
	STORE_TASK_SUCCESS,
	STORE_TASK_ERROR,
} store_task_state;

typedef struct {
	const char *moref;         /* "task-123" */
	const char *vm;            /* VM moref, may be NULL */
	const char *kind;          /* descriptionId or method: "VirtualMachine.reconfigure" */
	store_task_state state;
	int progress;              /* 0..100, -1 unknown */
	time_t started_at, ended_at; /* 0 unknown */
	const char *error;         /* fault type: message, may be NULL */
	int64_t step_id;           /* the step that started it, 0 none */
	int64_t snaptest_id;       /* the test that started it, 0 none */
} store_task;

/* Inserts or updates the task (keyed by connection and moref). Returns its row id. */
int64_t store_task_record(store *s, int64_t connection_id, const store_task *t,
			  char *err, size_t errlen);

/* A task the journal left queued or running. */
typedef struct {
	int64_t id, connection_id;
	char moref[128];
	char vm[64];               /* "" when none */
	char kind[128];
} store_task_ref;
/* Tasks of vcenter the journal says are queued or running although nobody follows them: the
 * step or test that started them is finished, or its process died (a live owner's are left
 * out). Fills at most max; returns how many, or -1 with err. */
int store_tasks_unsettled(store *s, const char *vcenter, store_task_ref *refs, size_t max,
			  char *err, size_t errlen);

/* Recovery: the journal of a plan read back. */
typedef struct {
	int64_t id;                /* step id */
	int seq;
	char kind[40];
	char rule[4];
	store_step_state state;
	char task_moref[128];      /* "" none */
	time_t started_at, ended_at; /* 0 unknown */
} store_journal_step;

typedef struct {
	int64_t id;                /* plan VM id */
	char moref[64];
	char name[256];
	power_state original_power;
	char outcome[16];          /* "" not set */
	store_journal_step *steps; /* by seq */
	size_t n_steps;
} store_journal_vm;

/* Plans of vcenter (host[:port]) to recover: left 'running' or 'confirmed' by a process that
 * is dead (quiescent died while fixing), or 'interrupted' by a stop that could not bring every
 * VM back and not recovered since. Plans whose owner lives are not listed. Fills at most max
 * ids, oldest first; returns how many, -1 on error. */
int store_plans_unfinished(store *s, const char *vcenter, int64_t *ids, size_t max,
			   char *err, size_t errlen);
/* Every VM of the plan with its steps (*out malloc'ed: store_plan_journal_free). 0 or -1. */
int store_plan_journal(store *s, int64_t plan_id, store_journal_vm **out, size_t *n,
		       char *err, size_t errlen);
void store_plan_journal_free(store_journal_vm *v, size_t n);

/* Plans of vcenter that another live process is running now (not this one). */
int store_plans_live(store *s, const char *vcenter, int64_t *ids, size_t max, char *err,
		     size_t errlen);
/* Marks an interrupted plan as recovered: every VM was brought back, so nobody need offer it
 * again (an interrupted plan without this mark is offered by store_plans_unfinished). */
int store_plan_set_recovered(store *s, int64_t plan_id, time_t at, char *err, size_t errlen);

/* ---- who runs a plan or a test (store_owner.c) ---- */

/* The process that owns a plan or a test, and whether it lives. */
typedef struct {
	char host[256];
	int64_t pid;
	time_t since;      /* when the owner took its run lock */
	bool alive;        /* its run lock is held: hands off */
	bool is_self;      /* ... by this very process */
} store_owner;

/* table: "plans" or "snaptests". Stamps the row with this process as its owner (taking the
 * process's run lock beside the history first). store_plan_create and store_snaptest_create
 * call it. 0, or -1 with err. */
int store_owner_stamp(store *s, const char *table, int64_t id, char *err, size_t errlen);
/* Who owns the row, and whether that process is alive. 0 or -1. */
int store_owner_of(store *s, const char *table, int64_t id, store_owner *o, char *err,
		   size_t errlen);
/* Takes a run over before acting on it: 1 when it is now ours (its owner was dead, or it was
 * ours already), 0 when a live process owns it (prev says which), -1 with err. */
int store_owner_adopt(store *s, const char *table, int64_t id, store_owner *prev, char *err,
		      size_t errlen);
/* What claims a VM: a plan's VM (plan_vms id) or a test (snaptests id). */
typedef enum { STORE_CLAIM_PLAN_VM, STORE_CLAIM_SNAPTEST } store_claim_kind;
/* Claims the row's VM for it, atomically (BEGIN IMMEDIATE; inside the caller's transaction when
 * one is open): 1 claimed; 0 when another live process holds it with an unfinished plan VM or
 * test (who says which process; who may be NULL); -1 with err. Finished or dead owners'
 * claims are taken over; this process's own unfinished claim is kept (1: it is ours already:
 * it holds while that first work runs; a second work of ours on the VM does not renew it). */
int store_vm_claim(store *s, store_claim_kind kind, int64_t row_id, store_owner *who, char *err,
		   size_t errlen);
/* Whether another live process works on the VM (server as the connection names it): 1 (who
 * says which process), 0 (nobody, or this process), -1 with err. Reads only: a claim is taken
 * with store_vm_claim. */
int store_vm_holder(store *s, const char *server, const char *moref, store_owner *who, char *err,
		    size_t errlen);
/* Ends the claims a plan's VMs hold (its run is over): only rows that still name one of its
 * VMs; a claim another run took since is not touched. 0 or -1 with err. */
int store_plan_release_claims(store *s, int64_t plan_id, char *err, size_t errlen);
/* "another quiescent, pid 4242 on host1 since 2026-12-03 03:40:00Z" */
void store_owner_describe(const store_owner *o, char *buf, size_t n);

/* ---- test snapshots (store_snaptest.c) ---- */

typedef enum {
	STORE_SNAPTEST_CREATED,  /* recorded, CreateSnapshot not yet answered */
	STORE_SNAPTEST_RUNNING,  /* the snapshot task runs */
	STORE_SNAPTEST_REMOVED,  /* done and the test snapshot is gone */
	STORE_SNAPTEST_KEPT,     /* done, snapshot kept on purpose (--keep) */
	STORE_SNAPTEST_ORPHAN,   /* found unfinished at start-up: a snapshot may be left behind */
} store_snaptest_state;

const char *store_snaptest_state_name(store_snaptest_state st);

typedef struct {
	const char *moref;
	const char *vm_name;
	const char *snapshot_name; /* "quiescent-test-20261122T100000Z" */
	const char *spec_json;     /* the quiesce spec as asked */
	const char *method;        /* "CreateSnapshotEx_Task" or "CreateSnapshot_Task" */
	quiesce_level predicted;
	time_t at;
	store_owner *busy;         /* may be NULL; filled when 0 is returned */
} store_snaptest_def;

/* Recorded before the snapshot is created (durable: refuses inside a transaction), claiming
 * the VM in the same transaction (store_vm_claim). Returns the id; 0 when another live
 * process works on the VM (nothing recorded; def->busy says who); -1 on error. */
int64_t store_snaptest_create(store *s, int64_t connection_id, const store_snaptest_def *def,
			      char *err, size_t errlen);
int store_snaptest_set_running(store *s, int64_t id, const char *task_moref, char *err, size_t errlen);
/* The method actually used, when it changed after the record (a fallback to
 * CreateSnapshot_Task because the server refused CreateSnapshotEx_Task). */
int store_snaptest_set_method(store *s, int64_t id, const char *method, char *err, size_t errlen);

typedef struct {
	store_snaptest_state state;  /* REMOVED, KEPT or ORPHAN */
	const char *result;          /* "success", "failed", "cancelled" */
	quiesce_level achieved;      /* LEVEL_NONE: not known */
	const char *snapshot_moref;  /* may be NULL */
	const char *fault_type;      /* "ApplicationQuiesceFault", may be NULL */
	const char *fault;           /* the fault message, may be NULL */
	int64_t duration_ms;
	const char *manifest_file;   /* name in the snapshot directory, may be NULL */
	const void *manifest;        /* the zip as downloaded, may be NULL */
	size_t manifest_len;
	const char *backup_type;     /* from backup.xml, may be NULL */
	bool snapshot_removed;
	time_t ended_at;
} store_snaptest_result;

int store_snaptest_finish(store *s, int64_t id, const store_snaptest_result *r, char *err, size_t errlen);
/* kind: "task" (progress/state), "event" (a vCenter event), "note" (ours). */
int store_snaptest_event_add(store *s, int64_t id, time_t at, const char *kind,
			     const char *message, char *err, size_t errlen);

typedef struct {
	const char *phase;           /* "manifest" (from the test's manifest) or "after" (vssadmin) */
	const char *name;
	const char *writer_id;
	const char *instance_id;
	const char *usage;           /* manifest: usage type */
	const char *data_source;     /* manifest: data source type */
	const char *components_json; /* manifest: [{"logical_path":..,"name":..,"type":..}] */
	const char *state;           /* after: writer state name */
	const char *last_error;      /* after: last error text */
} store_writer_result;

int store_writer_result_add(store *s, int64_t snaptest_id, const store_writer_result *w,
			    char *err, size_t errlen);

typedef struct {
	int64_t id;
	char moref[64];
	char vm_name[128];           /* the VM's name when the test began */
	char snapshot_name[128];
	store_snaptest_state state;
	char task_moref[64];         /* the creating task, "" when not known */
} store_snaptest_ref;

/* Tests of vcenter left CREATED or RUNNING (a crash mid-test) or ORPHAN (the removal of the
 * test snapshot failed, or whether it was created is not known): candidates for orphan
 * cleanup, offered again until it succeeds. Tests whose owner process lives are not listed
 * (they run). Fills at most max entries; returns how many, -1 on error. */
int store_snaptest_unfinished(store *s, const char *vcenter, store_snaptest_ref *out, size_t max,
			      char *err, size_t errlen);
/* Tests of vcenter that another live process runs now (hands off). */
int store_snaptest_live(store *s, const char *vcenter, store_snaptest_ref *out, size_t max,
			char *err, size_t errlen);

/* ---- what our own runs left on VMs (store_leftovers.c): the facts of R24 and R26 ---- */

/* Journals that a step (already ended) left a guest restart pending; why is one phrase
 * ("setup exit code 3010"). Durable when it returns (refuses inside a transaction). */
int store_step_set_restart_needed(store *s, int64_t step_id, const char *why, char *err,
				  size_t errlen);

/* The history marks of one VM (moref) of a vCenter. */
typedef struct {
	char moref[64];
	vm_history_marks marks;
} store_vm_marks;

/* Every VM of vcenter that our fixes left with something pending, sorted by moref:
 * - off_*: the latest fix that began a shutdown or power-off of the VM while it was on and
 *   journalled no power-on after it in that plan, unless a later plan of the VM found it on
 *   or powered it on;
 * - restart_*: the latest step that left a guest restart pending.
 * Snapshots are not here (store_vm_our_snapshots). *out is malloc'ed (store_vm_marks_free).
 * 0 or -1. */
int store_vm_marks_load(store *s, const char *vcenter, store_vm_marks **out, size_t *n,
			char *err, size_t errlen);
void store_vm_marks_free(store_vm_marks *m, size_t n);
/* The entry of moref in a loaded list, NULL when it has none. */
const store_vm_marks *store_vm_marks_find(const store_vm_marks *m, size_t n, const char *moref);

/* For the test snapshots vCenter shows on the VM (names), the tests of ours that took them
 * (the newest test of each name, unless it was kept on purpose with --keep): appended to
 * marks->snapshots. Returns how many were appended, -1 on error. */
int store_vm_our_snapshots(store *s, const char *vcenter, const char *moref,
			   const char *const *names, size_t n_names, vm_history_marks *marks,
			   char *err, size_t errlen);

/* ---- events and messages (store.c) ---- */

/* A vCenter event about a VM (key: the event's key, unique per connection; duplicates are
 * ignored). */
int store_event_add(store *s, int64_t connection_id, int64_t key, const char *vm, time_t at,
		    const char *type, const char *user, const char *message, char *err, size_t errlen);
/* A sentence shown to the operator ("info", "warn", "error"), with its source and VM. */
int store_message_add(store *s, time_t at, const char *level, const char *source, const char *vm,
		      const char *text, char *err, size_t errlen);

/* ---- history: the timeline, stored records, diffs, trends, retention (store_history.c) ----
 * Readers only (retention aside): they never change what they read. Strings in the results
 * are owned by the result and released by its _free/_done function. */

typedef enum {
	STORE_HISTORY_SCAN = 1,     /* one VM in one scan */
	STORE_HISTORY_FIX = 2,      /* one VM of a fix plan */
	STORE_HISTORY_SNAPTEST = 4, /* one test snapshot */
} store_history_kind;
#define STORE_HISTORY_ALL 7

const char *store_history_kind_name(store_history_kind k);  /* "scan", "fix", "snaptest" */
bool store_history_kind_parse(const char *s, store_history_kind *out);

typedef struct {
	unsigned kinds;             /* STORE_HISTORY_* bits; 0: every kind */
	const char *vm_glob;        /* fnmatch(3) on the VM name or moref; NULL: every VM */
	const char *outcome;        /* scan: status; fix: outcome (else plan state); snaptest:
				     * result (else state); NULL: any */
	const char *vcenter;        /* NULL: every vCenter (compared case-insensitively) */
	const char *moref;          /* exactly this VM (with vcenter: one VM of one vCenter), by
				     * index; NULL: every VM */
	time_t since, until;        /* inclusive bounds; 0: open */
	size_t limit;               /* the newest at most this many; 0: all */
	const char *folder_glob;    /* trends only: VMs whose folder path matches (SQLite GLOB) */
} store_history_filter;

typedef struct {
	store_history_kind kind;
	int64_t id;                 /* scans.id, plans.id or snaptests.id */
	int64_t item_id;            /* scan_vms.id, plan_vms.id or snaptests.id */
	time_t at;                  /* scan start, plan creation, test creation */
	char vcenter[256];
	char moref[64];
	char vm[256];
	char outcome[32];           /* "fixable", "fixed", "success", ... */
	char *summary;              /* one line for tables and the console */
	char *details_json;         /* a JSON object: the kind's details */
} store_history_entry;

/* The timeline, newest first. *out is malloc'ed (store_history_list_free). 0 or -1. */
int store_history_list(store *s, const store_history_filter *f, store_history_entry **out,
		       size_t *n, char *err, size_t errlen);
void store_history_list_free(store_history_entry *e, size_t n);
/* The same timeline handed to fn one entry at a time, newest first, without holding it in
 * memory: a year of daily scans of 10,000 VMs is millions of entries. The entry and its
 * strings are valid only during the call. A non-zero return of fn stops the walk and is
 * returned; 0 when every entry was handed over, -1 (err set) when the history could not be
 * read (possibly after some entries were handed over). */
typedef int (*store_history_fn)(const store_history_entry *e, void *ctx);
int store_history_each(store *s, const store_history_filter *f, store_history_fn fn, void *ctx,
		       char *err, size_t errlen);
/* The longest VM name (in bytes) anywhere in the history: a column width known before a
 * streamed timeline is read. 0 or -1. */
int store_history_name_width(store *s, size_t *out, char *err, size_t errlen);

/* A stored record as it was, as named tables: tables[0] is "record" (one row: the scan,
 * plan or test itself); then scan: "vms", "findings"; fix: "vms", "steps" (with the task
 * of each step and the values before/after), "tasks"; snaptest: "events", "writers",
 * "tasks". Column names are the JSON keys; a column named at or *_at holds a time, *_json a
 * JSON document. */
typedef enum {
	STORE_HCELL_NULL,
	STORE_HCELL_INT,
	STORE_HCELL_TEXT,
	STORE_HCELL_TIME,           /* Unix seconds in text */
	STORE_HCELL_JSON,           /* a JSON document */
} store_hcell_type;

typedef struct {
	store_hcell_type type;
	char *text;                 /* NULL for STORE_HCELL_NULL */
} store_hcell;

typedef struct {
	char *name;
	char **cols;
	size_t n_cols, n_rows;
	store_hcell *cells;         /* row-major: cells[row * n_cols + col] */
} store_htable;

typedef struct {
	store_history_kind kind;
	int64_t id, item_id;
	store_htable *tables;
	size_t n_tables;
	void *manifest;             /* snaptest: the vss-manifest zip as stored, NULL none */
	size_t manifest_len;
} store_history_record;

/* Reads record id of kind; item_id narrows a scan or a fix to one VM (scan_vms.id,
 * plan_vms.id; 0: every VM). r is overwritten (release it with store_history_record_done).
 * Returns 1 found, 0 none, -1 error. */
int store_history_record_get(store *s, store_history_kind kind, int64_t id, int64_t item_id,
			     store_history_record *r, char *err, size_t errlen);
void store_history_record_done(store_history_record *r);
/* The table called name, NULL when the record has none. */
const store_htable *store_history_table(const store_history_record *r, const char *name);
/* The cell's text (NULL for null) by column name in row; NULL when there is no such column. */
const char *store_htable_get(const store_htable *t, size_t row, const char *col);

/* What changed between two scans, VM by VM (keyed by moref). */
typedef enum {
	STORE_DIFF_SAME,            /* in both, nothing the diff looks at changed */
	STORE_DIFF_CHANGED,
	STORE_DIFF_ADDED,           /* only in the second scan */
	STORE_DIFF_REMOVED,         /* only in the first scan (gone, or not in a partial scan) */
} store_diff_change;

typedef struct {
	char *fact;                 /* "disk.EnableUUID", "power", "probe.vss.start", ... */
	char *before, *after;       /* "absent" when the fact was not there */
	int64_t fix_plan_id;        /* the fix whose done step made this change; 0 none */
	int64_t fix_step_id;
	char fix_step[40];          /* the step's kind */
	time_t fix_at;              /* when that step ended */
} store_fact_change;

typedef struct {
	char moref[64];
	char name[256];
	store_diff_change change;
	char status_a[16], status_b[16];         /* "" when not in that scan */
	char predicted_a[16], predicted_b[16];
	char **appeared, **gone;                 /* findings: "R07 error: message" */
	size_t n_appeared, n_gone;
	store_fact_change *facts;
	size_t n_facts;
} store_diff_vm;

typedef struct {
	int64_t scan_a, scan_b;
	time_t at_a, at_b;
	char vcenter_a[256], vcenter_b[256];
	store_diff_vm *vms;         /* by name */
	size_t n_vms;
} store_scan_diff;

/* The two newest full scans (not limited with --vm, as the scans of a fix or a test are) of
 * vcenter (NULL: the vCenter of the newest scan); the two newest scans of any kind when there
 * are fewer than two full ones. *a older, *b newer. Returns 1 found, 0 fewer than two scans,
 * -1 error. */
int store_history_last_two_scans(store *s, const char *vcenter, int64_t *a, int64_t *b,
				 char *err, size_t errlen);
/* Compares scan a (before) with scan b (after); vm_glob (may be NULL) limits the VMs.
 * d is overwritten (store_scan_diff_done). Fact changes are linked to the done fix step
 * that explains them (same vCenter and VM, ended between the two scans). 0 or -1. */
int store_history_diff(store *s, int64_t a, int64_t b, const char *vm_glob, store_scan_diff *d,
		       char *err, size_t errlen);
void store_scan_diff_done(store_scan_diff *d);

/* Readiness of the estate over time: counts per status per scan, oldest first. Uses the
 * filter's vcenter, since, until and limit (the newest limit scans); vm_glob and folder_glob
 * (SQLite GLOB: * ? [..], case-sensitive) count only the VMs they match. */
typedef struct {
	int64_t scan_id;
	time_t at;
	char vcenter[256];
	bool partial;               /* the scan was limited with --vm */
	int ready, fixable, manual, unknown, na, total;
} store_trend_point;

int store_history_trends(store *s, const store_history_filter *f, store_trend_point **out,
			 size_t *n, char *err, size_t errlen);

/* Retention: deletes, in one transaction, what is older than cutoff: scans (but never the
 * newest scan of a vCenter) and the stored VM states no remaining scan refers to, tasks no
 * kept step or test refers to, events and messages, then connections left with nothing; and
 * what is older than proof_cutoff (usually earlier: the proof is kept longer): finished
 * plans and finished test snapshots. Then VACUUM. Unfinished plans and tests are kept:
 * recovery needs them. stats (may be NULL) counts the rows deleted. 0 or -1. */
typedef struct {
	int64_t scans, states, plans, snaptests, tasks, events, messages, connections;
	int64_t bytes_before, bytes_after;
} store_vacuum_stats;

int store_history_vacuum(store *s, time_t cutoff, time_t proof_cutoff,
			 store_vacuum_stats *stats, char *err, size_t errlen);
/* The same deletes without the VACUUM (the freed pages are reused by the next scans): the
 * retention default a scan applies after storing (frontend/retention.h). Cheap when nothing
 * is old enough. */
int store_history_prune(store *s, time_t cutoff, time_t proof_cutoff,
			store_vacuum_stats *stats, char *err, size_t errlen);

/* ---- shell completion (store_names.c) ---- */

/* Names of the VMs in the latest committed scan of every vCenter in the history, sorted,
 * only those starting with prefix (NULL or "": all). *out is malloc'ed: store_names_free. */
int store_last_scan_vm_names(store *s, const char *prefix, char ***out, size_t *n,
			     char *err, size_t errlen);
void store_names_free(char **names, size_t n);

#endif
