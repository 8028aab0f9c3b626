/* fix_exec: runs a fix plan. VMs in parallel on a bounded pool of pthread workers (each with
 * its own vs_conn and its own history connection), the steps of one VM in order, every step
 * journaled in the history before it acts and when it has (task, result, before/after values).
 *
 * Never lose a VM: a VM that we shut down or powered off is powered back on whatever happens to
 * the steps after it (restore steps run after a failure and after a stop request); a shutdown
 * that timed out is watched for a grace period so a guest that goes down late comes back up.
 * A failure on one VM never stops the others.
 *
 * Stop (Ctrl-C), through *opts.stop, which the caller may raise from a signal handler:
 *   1: start no new VM; VMs in flight finish their steps;
 *   2: VMs in flight skip their remaining fix steps and only restore (roll back) and verify.
 * A journal write that fails mid-run stops it the same way as 2 (summary.journal_lost): the
 * journal is the plan, and a change it does not hold could not be recovered. */
#ifndef QUIESCENT_FIX_EXEC_H
#define QUIESCENT_FIX_EXEC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fix/fix_plan.h"
#include "model/model.h"
#include "store/store.h"
#include "vsphere/session.h"

#define FIX_DEFAULT_CONCURRENCY 4
#define FIX_MAX_CONCURRENCY 64
#define FIX_DEFAULT_NETWORK_GRACE 300

typedef enum {
	FIX_OUT_FIXED,     /* every step done, verification says the findings it fixed are gone */
	FIX_OUT_PARTIAL,   /* fixed what it could; findings that need a person remain */
	FIX_OUT_FAILED,    /* a step failed or verification found a fixed finding still there */
	FIX_OUT_MANUAL,    /* nothing to do automatically: instructions only */
	FIX_OUT_SKIPPED,   /* not started (stop request, power state changed since the plan) */
} fix_outcome;

const char *fix_outcome_name(fix_outcome o);   /* "fixed", "partial", ... as in history */

typedef enum {
	FIX_EV_VM_BEGIN,
	FIX_EV_STEP_BEGIN,
	FIX_EV_STEP_PROGRESS,  /* a task's progress changed */
	FIX_EV_STEP_END,
	FIX_EV_VM_END,
} fix_event_kind;

/* Progress for the console's tasks view. Called on worker threads (possibly several at once):
 * copy what you need and post it to your own queue. Pointers live for the call only. */
typedef struct {
	fix_event_kind kind;
	size_t vm;                  /* index into plan->vms */
	const char *vm_name;
	size_t step;                /* index into that VM's steps (STEP_*) */
	fix_step_kind step_kind;
	const char *description;
	const char *task;           /* the step's vSphere task, NULL none */
	int progress;               /* 0..100, -1 unknown */
	store_step_state state;     /* STEP_END: DONE, FAILED, SKIPPED or ROLLED_BACK */
	fix_outcome outcome;        /* VM_END */
	const char *message;        /* STEP_END: result or error; VM_END: the VM's sentence */
} fix_event;

typedef void (*fix_event_fn)(const fix_event *ev, void *ctx);

typedef struct {
	const char *db_path;        /* the history: each worker opens its own connection */
	const char *vcenter;        /* history key (scan_server_key) */
	int64_t connection_id;      /* connections row of this session */
	int64_t scan_id;            /* the scan the plan comes from, 0 none */
	int concurrency;            /* VMs at once; <= 0: FIX_DEFAULT_CONCURRENCY */
	const char *guest_user;     /* guest login for guest steps and re-probes (NULL: none) */
	const char *guest_password;
	atomic_int *stop;            /* may be NULL; see above */
	fix_event_fn on_event;      /* may be NULL */
	void *ctx;
	int tools_timeout_s;        /* waiting for Tools to run (<= 0: 600) */
	int task_timeout_s;         /* one vSphere task (<= 0: 1800) */
	int grace_s;                /* after a shutdown timeout, watch this long (<= 0: 120) */
	int network_grace_s;        /* vCenter unreachable this long in a row before a read or
				     * a request counts as failed (<= 0: FIX_DEFAULT_NETWORK_GRACE) */
} fix_exec_opts;

typedef struct {
	fix_outcome outcome;
	char message[512];          /* one sentence: what happened */
	power_state final_power;
	vm_status status;           /* after verification (STATUS_UNKNOWN when not verified) */
	bool verified;
	bool busy;                  /* skipped: another live process holds the VM (message says who) */
	time_t started_at, ended_at;
} fix_vm_result;

typedef struct {
	int64_t plan_id;
	fix_vm_result *vms;         /* parallel to plan->vms */
	size_t n;
	store_plan_state state;     /* DONE, FAILED or CANCELLED */
	double elapsed_s;
	bool history_failed;        /* fix_execute's -1 came from the history, not from vCenter */
	bool journal_lost;          /* a journal write failed mid-run: stopped as a stop request */
	char journal_why[300];      /* the first failed write, one clause */
} fix_summary;

void fix_summary_done(fix_summary *s);
/* True when every VM was fixed and verified ready (the CLI's exit 0). */
bool fix_summary_all_ready(const fix_summary *s);

/* Records the plan in history (state confirmed), then runs it. Returns 0 when it ran (see
 * out for each VM), -1 with msg when it could not start (history). out is always filled
 * enough for fix_summary_done. */
int fix_execute(vs_session *s, const fix_plan *plan, const fix_exec_opts *opts,
		fix_summary *out, char *msg, size_t msglen);

/* ---- recovery (fix_recover.c) ---- */

typedef struct {
	int64_t plan_id;
	size_t n_vms;
	size_t powered_on;          /* VMs we had powered off and powered back on now */
	size_t still_off;           /* VMs that should run but could not be powered on */
	size_t verified_ready;
	bool owned_elsewhere;       /* a live process runs it: left alone (msg says who) */
	size_t held;                /* VMs left alone: another live process holds them now */
	char message[512];
} fix_recovery;

/* Plans of vcenter that a killed quiescent left running. Returns how many ids (at most max),
 * -1 with msg. */
int fix_recover_find(store *db, const char *vcenter, int64_t *ids, size_t max, char *msg,
		     size_t msglen);

/* Finishes one interrupted plan, unless a live process owns it (-1, owned_elsewhere, msg names
 * it); a dead owner's plan is taken over first. Its VMs are recovered in parallel (at most
 * opts->concurrency at once), each named in an event: steps found running are closed (set_enable_uuid as done when
 * vCenter shows the value), planned ones skipped, VMs that we had taken down and that were on
 * are powered on again (journaled as new steps), then every VM is verified. The plan ends
 * 'interrupted'. Returns 0 or -1 with msg (nothing could be read). */
int fix_recover_plan(vs_session *s, store *db, const fix_exec_opts *opts, int64_t plan_id,
		     fix_recovery *out, char *msg, size_t msglen);

/* What fix_recover_all says about one plan: rc 0 recovered (r says how), -1 not (msg says why;
 * r->owned_elsewhere: a live process runs it and it was left alone). */
typedef void (*fix_recover_report_fn)(void *ctx, int64_t plan_id, int rc, const fix_recovery *r,
				      const char *msg);

/* The one recovery loop of both front ends: every plan of ids in turn (fix_recover_plan),
 * each reported. Returns how many could not be made safe (not recovered, or a VM still off);
 * plans a live process owns do not count. */
int fix_recover_all(vs_session *s, store *db, const fix_exec_opts *opts, const int64_t *ids,
		    size_t n, fix_recover_report_fn report, void *ctx);

#endif
