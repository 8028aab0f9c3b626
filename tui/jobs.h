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

#include <stdbool.h>

#include "tui/msgq.h"
#include "tui/ui.h"
#include "vsphere/session.h"

typedef void (*job_fn)(job *j, void *arg);

/* Starts fn(arg) on a new thread; free_arg (may be NULL) is called on arg when it ends.
 * Returns the task id (> 0), or -1 with a message shown. UI thread. */
int job_start(ui *u, const char *title, const char *vm, job_fn fn, void *arg,
	      void (*free_arg)(void *));
/* Asks the job to stop: job_cancelled() turns true, and in-flight requests of the session are
 * cancelled (they fail VS_ERR_CANCELLED). UI thread. */
void job_cancel(ui *u, job *j);
/* Joins the thread and frees the job (the UI does it on the job's last message). */
void job_reap(job *j);

/* Job thread side. */
vs_conn *job_conn(job *j);            /* created on first use; NULL on failure (job_fail done) */
vs_session *job_session(job *j);
msgq *job_queue(job *j);
bool job_cancelled(const job *j);
void job_progress(job *j, int done, int total, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void job_log(job *j, log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Marks the task failed with this sentence (also logged). */
void job_fail(job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The scan job (inventory, guest probe, history, rules, stored). */
typedef struct {
	char *vcenter;        /* history key */
	char *guest_user;     /* NULL: no probe */
	char *guest_password; /* secret */
	bool probe;
	char *db_path;        /* NULL: no history */
} scan_job_args;
void scan_job(job *j, void *arg);
void scan_job_args_free(void *arg);

#endif
