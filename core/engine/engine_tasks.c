/* Tasks the journal left running: settled from what vCenter says now.
 *
 * A run that loses vCenter in the middle of a task (the network, vCenter restarted, the run
 * killed) ends with the task's row still 'running'. Nobody follows it any more, so every next
 * run on that vCenter asks vCenter about it once: ended tasks get their real end; a task vCenter
 * no longer knows (it restarted, or the task aged out of its memory) is closed as an error that
 * says so, never left 'running'; a task still running in vCenter is left as it is. */
#include "engine/engine.h"

#include "vsphere/task.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SETTLE_MAX 64   /* per run; the rest are settled by the next one */

static store_task_state from_vs(vs_task_state s)
{
	switch (s) {
	case VS_TASK_QUEUED: return STORE_TASK_QUEUED;
	case VS_TASK_RUNNING: return STORE_TASK_RUNNING;
	case VS_TASK_SUCCESS: return STORE_TASK_SUCCESS;
	case VS_TASK_ERROR: break;
	}
	return STORE_TASK_ERROR;
}

/* Settles one row: 1 settled, 0 still running in vCenter, -1 vCenter could not be asked. */
static int settle_one(vs_conn *c, store *db, const store_task_ref *t, char *msg, size_t n)
{
	vs_task_result tr;
	memset(&tr, 0, sizeof tr);
	vs_error err;
	vs_error_clear(&err);
	store_task row = { .moref = t->moref, .vm = t->vm[0] ? t->vm : NULL, .kind = t->kind,
			   .progress = -1, .ended_at = time(NULL) };
	char why[700] = "";
	if (vs_task_info(c, t->moref, &tr, &err) == 0) {
		row.state = from_vs(tr.state);
		if (row.state == STORE_TASK_QUEUED || row.state == STORE_TASK_RUNNING) {
			vs_task_result_done(&tr);
			return 0;   /* vCenter still runs it: the truth, left as it is */
		}
		row.progress = tr.progress;
		if (tr.ended_at)
			row.ended_at = tr.ended_at;
		if (row.state == STORE_TASK_ERROR)
			snprintf(why, sizeof why, "%s: %s", tr.fault, tr.message);
	} else if (!strcmp(err.fault, "ManagedObjectNotFound")) {
		row.state = STORE_TASK_ERROR;
		snprintf(why, sizeof why, "vCenter no longer knows this task (it was restarted, or the "
			 "task aged out): how it ended is not known");
	} else {
		snprintf(msg, n, "the task %s left running by an earlier run cannot be read: %s",
			 t->moref, err.message);
		vs_task_result_done(&tr);
		return -1;
	}
	vs_task_result_done(&tr);
	row.error = why[0] ? why : NULL;
	if (store_task_record(db, t->connection_id, &row, msg, n) < 0)
		return -1;
	return 1;
}

int engine_settle_tasks(vs_session *s, store *db, const char *vcenter, char *msg, size_t n)
{
	store_task_ref refs[SETTLE_MAX];
	int k = store_tasks_unsettled(db, vcenter, refs, SETTLE_MAX, msg, n);
	if (k <= 0)
		return k;
	vs_error err;
	vs_error_clear(&err);
	vs_conn *c = vs_conn_new(s, &err);
	if (!c) {
		snprintf(msg, n, "%s", err.message);
		return -1;
	}
	int settled = 0;
	for (int i = 0; i < k && settled >= 0; i++) {
		int rc = settle_one(c, db, &refs[i], msg, n);
		settled = rc < 0 ? -1 : settled + rc;   /* a failure: the next run tries again */
	}
	vs_conn_free(c);
	return settled;
}
