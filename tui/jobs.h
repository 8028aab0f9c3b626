/* jobs: network work off the UI thread. A job is a function run on its own pthread with its
 * own vs_conn; it reports through the message queue as a task of the Tasks view (progress,
 * state, error). This is the place fix and snaptest post into.
 *
 *     static void work(job *j, void *arg) {
 *         vs_conn *c = job_conn(j);            // NULL when the session is gone: job_fail
 *         job_progress(j, 1, 3, "powering off %s", name);
 *         if (job_cancelled(j)) return;        // Ctrl-C: stop between steps
 *         ...
 *     }
 *     job_start(u, "fix", "sql-01", work, arg, free);
 *
 * The job's thread never touches curses or the ui; everything it owns it frees. */
#ifndef QUIESCENT_TUI_JOBS_H
#define QUIESCENT_TUI_JOBS_H

#include "probe/guest_logins.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "tui/msgq.h"
#include "tui/ui.h"
#include "vsphere/session.h"

typedef void (*job_fn)(job *j, void *arg);

/* Starts fn(arg) on a new thread; free_arg (may be NULL) is called on arg when it ends.
 * Returns the task id (> 0), or -1 with a message shown. UI thread. */
int job_start(ui *u, const char *title, const char *vm, job_fn fn, void *arg,
	      void (*free_arg)(void *));
/* Same, for jobs that stop cooperatively (JOB_SOFT_CANCEL: fix, snaptest): job_cancel then
 * raises the job's stop level (job_stop_flag: 1, then 2) and never cancels the session's
 * in-flight requests, which would cut a power-on or a snapshot removal short. */
#define JOB_SOFT_CANCEL 1u
/* A short read that feeds a view (the detail's history): no row in the Tasks view, no
 * session needed (job_conn then fails); its failure is only logged. */
#define JOB_QUIET 2u
int job_start_flags(ui *u, const char *title, const char *vm, unsigned flags, job_fn fn, void *arg,
		    void (*free_arg)(void *));
/* Same, on another vCenter's session (tui/vcenters.c); NULL with JOB_QUIET: none. */
int job_start_on(ui *u, vs_session *session, const char *title, const char *vm, unsigned flags,
		 job_fn fn, void *arg, void (*free_arg)(void *));
/* Asks the job to stop: job_cancelled() turns true, and in-flight requests of the session are
 * cancelled (they fail VS_ERR_CANCELLED); a JOB_SOFT_CANCEL job's stop level rises instead.
 * UI thread. */
void job_cancel(ui *u, job *j);
/* The stop level a JOB_SOFT_CANCEL job hands to core (fix_exec_opts.stop, snaptest_env.cancel):
 * valid until the job is reaped. Any thread reads it; job_cancel raises it. */
atomic_int *job_stop_flag(job *j);
/* A JOB_SOFT_CANCEL job: it changes VMs (fix, snaptest, recovery). */
bool job_changes_vms(const job *j);
/* Raises its stop level to 2 at once: VMs back on, snapshots removed, then it ends. UI thread. */
void job_stop_safely(job *j);
/* A task row of its own for one part of a job (a VM of a fix), in state st; its progress comes
 * from job_post_task. Returns its id. UI thread. */
int ui_task_add(ui *u, const char *title, const char *vm, task_state st);
/* Joins the thread and frees the job (the UI does it on the job's last message). */
void job_reap(job *j);

/* Job thread side. */
vs_conn *job_conn(job *j);            /* created on first use; NULL on failure (job_fail done) */
vs_session *job_session(job *j);
msgq *job_queue(job *j);
bool job_cancelled(const job *j);
void job_progress(job *j, int done, int total, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void job_log(job *j, log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Progress of a row made by ui_task_add (finished: its end, in state st). Job thread. */
void job_post_task(job *j, int task_id, task_state st, int done, int total, const char *what,
		   const char *error, bool finished);
/* Has call(ui, data) run on the UI thread (data passes to it; free_data frees it if the
 * message is never delivered). Job thread. */
void job_post_call(job *j, void (*call)(ui *u, void *data), void *data, void (*free_data)(void *));
/* Marks the task failed with this sentence (also logged). */
void job_fail(job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The scan job (inventory, guest probe, history, rules, stored). */
typedef struct {
	unsigned vc;          /* which vCenter of the console (fleet_vm.vc) */
	char *vcenter;        /* history key */
	char *guest_user;     /* NULL: no probe */
	char *guest_password; /* secret */
	bool probe;
	int probe_max_age_s;  /* > 0: reuse guest facts younger than this (a background re-probe) */
	char *db_path;        /* NULL: no history */
	const guest_logins *guest_logins;   /* the console's, alive for the whole run */
} scan_job_args;
void scan_job(job *j, void *arg);
void scan_job_args_free(void *arg);

#endif
