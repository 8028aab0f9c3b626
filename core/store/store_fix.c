/* Fix plans and the step journal: every action is in history before and after it runs, so
 * a killed quiescent leaves steps in 'running' that the next start can finish or undo. */
#include "store/store_internal.h"

#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const plan_state_names[] = {
	[STORE_PLAN_PLANNED] = "planned", [STORE_PLAN_CONFIRMED] = "confirmed",
	[STORE_PLAN_RUNNING] = "running", [STORE_PLAN_DONE] = "done",
	[STORE_PLAN_FAILED] = "failed", [STORE_PLAN_CANCELLED] = "cancelled",
	[STORE_PLAN_INTERRUPTED] = "interrupted",
};

static const char *const step_state_names[] = {
	[STORE_STEP_PLANNED] = "planned", [STORE_STEP_RUNNING] = "running",
	[STORE_STEP_DONE] = "done", [STORE_STEP_FAILED] = "failed",
	[STORE_STEP_ROLLED_BACK] = "rolled_back", [STORE_STEP_SKIPPED] = "skipped",
};

static const char *const task_state_names[] = {
	[STORE_TASK_QUEUED] = "queued", [STORE_TASK_RUNNING] = "running",
	[STORE_TASK_SUCCESS] = "success", [STORE_TASK_ERROR] = "error",
};

#define NAME(table, v) \
	((unsigned)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[(v)] : "unknown")

const char *store_plan_state_name(store_plan_state st) { return NAME(plan_state_names, st); }
const char *store_step_state_name(store_step_state st) { return NAME(step_state_names, st); }

/* ---- plans ---- */

static const char sql_plan_insert[] =
	"INSERT INTO plans (connection_id, scan_id, created_at, updated_at, options_json, state)"
	" VALUES (?1, ?2, ?3, ?3, ?4, 'planned')";

int64_t store_plan_create(store *s, int64_t connection_id, int64_t scan_id, time_t at,
			  const char *options_json, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_plan_insert, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, connection_id);
	store_bind_opt_int(st, 2, scan_id);
	sqlite3_bind_int64(st, 3, (int64_t)at);
	store_bind_text(st, 4, options_json);
	if (store_exec_stmt(s, st, err, errlen, "cannot record the plan") != 0)
		return -1;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	/* Owned from its first moment: nobody may take it for a dead run's. */
	if (store_owner_stamp(s, "plans", id, err, errlen) < 0)
		return -1;
	return id;
}

static const char sql_plan_recovered[] = "UPDATE plans SET recovered_at = ?2 WHERE id = ?1";

int store_plan_set_recovered(store *s, int64_t plan_id, time_t at, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_plan_recovered, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	sqlite3_bind_int64(st, 2, (int64_t)at);
	return store_exec_stmt(s, st, err, errlen, "cannot record the plan's recovery");
}

static const char sql_plan_state[] =
	"UPDATE plans SET state = ?2, updated_at = ?3 WHERE id = ?1";

/* An UPDATE that must hit exactly one row: a missing id is a bug worth reporting. */
static int update_one(store *s, sqlite3_stmt *st, int64_t id, char *err, size_t errlen,
		      const char *what, const char *thing)
{
	if (store_exec_stmt(s, st, err, errlen, what) != 0)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return errbuf_set(err, errlen, "%s: no %s %lld in the history %s", what, thing,
				  (long long)id, s->path);
	return 0;
}

int store_plan_set_state(store *s, int64_t plan_id, store_plan_state stt, time_t at,
			 char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_plan_state, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	store_bind_text(st, 2, store_plan_state_name(stt));
	sqlite3_bind_int64(st, 3, (int64_t)at);
	return update_one(s, st, plan_id, err, errlen, "cannot record the plan's state", "plan");
}

static const char sql_plan_vm_insert[] =
	"INSERT INTO plan_vms (plan_id, moref, name, original_power) VALUES (?1, ?2, ?3, ?4)";

int64_t store_plan_vm_add(store *s, int64_t plan_id, const char *moref, const char *name,
			  power_state original_power, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_plan_vm_insert, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	store_bind_text(st, 2, moref);
	store_bind_text(st, 3, name ? name : moref);
	store_bind_text(st, 4, model_power_name(original_power));
	if (store_exec_stmt(s, st, err, errlen, "cannot record a VM of the plan") != 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static const char sql_plan_vm_outcome[] =
	"UPDATE plan_vms SET outcome = ?2, message = ?3 WHERE id = ?1";

int store_plan_vm_set_outcome(store *s, int64_t plan_vm_id, const char *outcome,
			      const char *message, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_plan_vm_outcome, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, plan_vm_id);
	store_bind_text(st, 2, outcome);
	store_bind_text(st, 3, message);
	return update_one(s, st, plan_vm_id, err, errlen, "cannot record a VM's outcome", "plan VM");
}

/* ---- steps ---- */

static const char sql_step_insert[] =
	"INSERT INTO steps (plan_vm_id, seq, kind, rule, description, state)"
	" VALUES (?1, ?2, ?3, ?4, ?5, 'planned')";

int64_t store_step_add(store *s, int64_t plan_vm_id, const store_step_def *def,
		       char *err, size_t errlen)
{
	if (!def->kind)
		return errbuf_set(err, errlen, "a step needs a kind to be recorded");
	sqlite3_stmt *st = store_stmt(s, sql_step_insert, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, plan_vm_id);
	sqlite3_bind_int(st, 2, def->seq);
	store_bind_text(st, 3, def->kind);
	store_bind_text(st, 4, def->rule);
	store_bind_text(st, 5, def->description);
	if (store_exec_stmt(s, st, err, errlen, "cannot record a step of the plan") != 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

/* Only a planned step can start: a step found running was interrupted and needs recovery,
 * not a second run. */
static const char sql_step_begin[] =
	"UPDATE steps SET state = 'running', started_at = ?2, before_value = ?3,"
	" original_power_state = ?4 WHERE id = ?1 AND state = 'planned'";

int store_step_begin(store *s, int64_t step_id, time_t at, const char *before_value,
		     power_state original_power, char *err, size_t errlen)
{
	if (store_require_no_tx(s, err, errlen, "the start of a step") != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_step_begin, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, step_id);
	sqlite3_bind_int64(st, 2, (int64_t)at);
	store_bind_text(st, 3, before_value);
	store_bind_text(st, 4, model_power_name(original_power));
	return update_one(s, st, step_id, err, errlen, "cannot journal the start of a step",
			  "planned step");
}

static const char sql_step_task[] = "UPDATE steps SET task_moref = ?2 WHERE id = ?1";

int store_step_set_task(store *s, int64_t step_id, const char *task_moref, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_step_task, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, step_id);
	store_bind_text(st, 2, task_moref);
	return update_one(s, st, step_id, err, errlen, "cannot journal a step's task", "step");
}

static const char sql_step_end[] =
	"UPDATE steps SET state = ?2, ended_at = ?3, result = ?4, error = ?5, after_value = ?6"
	" WHERE id = ?1";

int store_step_end(store *s, int64_t step_id, store_step_state stt, time_t at, const char *result,
		   const char *error, const char *after_value, char *err, size_t errlen)
{
	if (stt != STORE_STEP_DONE && stt != STORE_STEP_FAILED && stt != STORE_STEP_ROLLED_BACK &&
	    stt != STORE_STEP_SKIPPED)
		return errbuf_set(err, errlen, "a step cannot end in state %s",
				  store_step_state_name(stt));
	if (store_require_no_tx(s, err, errlen, "the end of a step") != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_step_end, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, step_id);
	store_bind_text(st, 2, store_step_state_name(stt));
	sqlite3_bind_int64(st, 3, (int64_t)at);
	store_bind_text(st, 4, result);
	store_bind_text(st, 5, error);
	store_bind_text(st, 6, after_value);
	return update_one(s, st, step_id, err, errlen, "cannot journal the end of a step", "step");
}

static const char sql_step_state[] = "SELECT state FROM steps WHERE id = ?1";

int store_step_get_state(store *s, int64_t step_id, store_step_state *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_step_state, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, step_id);
	int rc = store_step_one(s, st, err, errlen, "cannot read a step");
	if (rc <= 0)
		return rc;
	const char *name = (const char *)sqlite3_column_text(st, 0);
	for (size_t i = 0; i < sizeof step_state_names / sizeof step_state_names[0]; i++)
		if (name && strcmp(name, step_state_names[i]) == 0)
			*out = (store_step_state)i;
	sqlite3_reset(st);
	return 1;
}

/* ---- tasks ---- */

static const char sql_task_upsert[] =
	"INSERT INTO tasks (connection_id, moref, vm, kind, state, progress, started_at, ended_at,"
	" error, step_id, snaptest_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	" ON CONFLICT (connection_id, moref) DO UPDATE SET"
	" vm = coalesce(excluded.vm, vm), kind = excluded.kind, state = excluded.state,"
	" progress = coalesce(excluded.progress, progress),"
	" started_at = coalesce(excluded.started_at, started_at),"
	" ended_at = coalesce(excluded.ended_at, ended_at),"
	" error = coalesce(excluded.error, error),"
	" step_id = coalesce(excluded.step_id, step_id),"
	" snaptest_id = coalesce(excluded.snaptest_id, snaptest_id)"
	" RETURNING id";

int64_t store_task_record(store *s, int64_t connection_id, const store_task *t,
			  char *err, size_t errlen)
{
	if (!t->moref || !t->kind)
		return errbuf_set(err, errlen, "a task needs a managed object id and a kind");
	sqlite3_stmt *st = store_stmt(s, sql_task_upsert, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, connection_id);
	store_bind_text(st, 2, t->moref);
	store_bind_text(st, 3, t->vm);
	store_bind_text(st, 4, t->kind);
	store_bind_text(st, 5, NAME(task_state_names, t->state));
	if (t->progress >= 0)
		sqlite3_bind_int(st, 6, t->progress);
	store_bind_opt_int(st, 7, (int64_t)t->started_at);
	store_bind_opt_int(st, 8, (int64_t)t->ended_at);
	store_bind_text(st, 9, t->error);
	store_bind_opt_int(st, 10, t->step_id);
	store_bind_opt_int(st, 11, t->snaptest_id);
	int64_t id = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		store_fail(s, err, errlen, "cannot record a task");
	sqlite3_reset(st);
	return id;
}

/* Tasks the journal says are queued or running, with whether the fix step or the test that
 * started them is still unfinished and the lock of its owner. */
static const char sql_tasks_open[] =
	"SELECT t.id, t.connection_id, t.moref, t.vm, t.kind,"
	" CASE WHEN t.snaptest_id IS NOT NULL THEN"
	"  (SELECT state IN ('created', 'running') FROM snaptests WHERE id = t.snaptest_id)"
	"  WHEN t.step_id IS NOT NULL THEN (SELECT p.state IN ('confirmed', 'running') FROM steps s"
	"  JOIN plan_vms v ON v.id = s.plan_vm_id JOIN plans p ON p.id = v.plan_id"
	"  WHERE s.id = t.step_id) ELSE 0 END,"
	" CASE WHEN t.snaptest_id IS NOT NULL THEN"
	"  (SELECT owner_lock FROM snaptests WHERE id = t.snaptest_id)"
	"  WHEN t.step_id IS NOT NULL THEN (SELECT p.owner_lock FROM steps s"
	"  JOIN plan_vms v ON v.id = s.plan_vm_id JOIN plans p ON p.id = v.plan_id"
	"  WHERE s.id = t.step_id) END"
	" FROM tasks t JOIN connections c ON c.id = t.connection_id"
	" WHERE c.server = ?1 COLLATE NOCASE AND t.state IN ('queued', 'running') ORDER BY t.id";

int store_tasks_unsettled(store *s, const char *vcenter, store_task_ref *refs, size_t max,
			  char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_tasks_open, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	size_t n = 0;
	int rc;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool mine, open = sqlite3_column_int(st, 5) != 0;
		if (open && store_owner_lock_alive((const char *)sqlite3_column_text(st, 6), &mine))
			continue;   /* its process lives and still works on it: it is theirs */
		store_task_ref *r = &refs[n++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->connection_id = sqlite3_column_int64(st, 1);
		const char *m = (const char *)sqlite3_column_text(st, 2);
		const char *vm = (const char *)sqlite3_column_text(st, 3);
		const char *k = (const char *)sqlite3_column_text(st, 4);
		snprintf(r->moref, sizeof r->moref, "%s", m ? m : "");
		snprintf(r->vm, sizeof r->vm, "%s", vm ? vm : "");
		snprintf(r->kind, sizeof r->kind, "%s", k ? k : "");
	}
	if (n < max && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return store_fail(s, err, errlen, "cannot read the tasks left running");
	}
	sqlite3_reset(st);
	return (int)n;
}

/* ---- recovery ---- */

/* Unfinished: left running (or confirmed) by its process, or stopped with VMs perhaps not
 * back and not recovered since. Those whose owner still lives are not unfinished: they run. */
static const char sql_plans_unfinished[] =
	"SELECT p.id, p.owner_lock FROM plans p JOIN connections c ON c.id = p.connection_id"
	" WHERE c.server = ?1 AND (p.state IN ('running','confirmed')"
	"  OR (p.state = 'interrupted' AND p.recovered_at IS NULL)) ORDER BY p.id";

/* The ids of the plans sql selects (id, owner_lock) whose owner is alive (alive) or gone. A
 * plan this process runs itself is never "live elsewhere". */
static int plans_by_owner(store *s, const char *sql, const char *vcenter, bool alive,
			  int64_t *ids, size_t max, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool self;
		bool lives = store_owner_lock_alive((const char *)sqlite3_column_text(st, 1), &self);
		if (n < max && (alive ? lives && !self : !lives))
			ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, err, errlen, what);   /* before the reset, which clears the message */
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return (int)n;
}

int store_plans_unfinished(store *s, const char *vcenter, int64_t *ids, size_t max,
			   char *err, size_t errlen)
{
	return plans_by_owner(s, sql_plans_unfinished, vcenter, false, ids, max,
			      "cannot look for unfinished fix plans", err, errlen);
}

/* ... and an interrupted plan a live recoverer adopted */
static const char sql_plans_live[] =
	"SELECT p.id, p.owner_lock FROM plans p JOIN connections c ON c.id = p.connection_id"
	" WHERE c.server = ?1 AND (p.state IN ('running','confirmed')"
	"  OR (p.state = 'interrupted' AND p.recovered_at IS NULL)) ORDER BY p.id";

int store_plans_live(store *s, const char *vcenter, int64_t *ids, size_t max, char *err,
		     size_t errlen)
{
	return plans_by_owner(s, sql_plans_live, vcenter, true, ids, max,
			      "cannot look for running fix plans", err, errlen);
}

static const char sql_journal_vms[] =
	"SELECT id, moref, name, original_power, coalesce(outcome, '') FROM plan_vms"
	" WHERE plan_id = ?1 ORDER BY id";
static const char sql_journal_steps[] =
	"SELECT id, seq, kind, coalesce(rule, ''), state, coalesce(task_moref, ''),"
	" coalesce(started_at, 0), coalesce(ended_at, 0) FROM steps WHERE plan_vm_id = ?1"
	" ORDER BY seq";

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	snprintf(dst, n, "%s", v ? v : "");
}

void store_plan_journal_free(store_journal_vm *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].steps);
	free(v);
}

int store_plan_journal(store *s, int64_t plan_id, store_journal_vm **out, size_t *n,
		       char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_journal_vms, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	store_journal_vm *vms = NULL;
	size_t nv = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vms = xgrow(vms, &cap, nv + 1, sizeof *vms);
		store_journal_vm *v = &vms[nv++];
		memset(v, 0, sizeof *v);
		v->id = sqlite3_column_int64(st, 0);
		copy_col(v->moref, sizeof v->moref, st, 1);
		copy_col(v->name, sizeof v->name, st, 2);
		const char *pw = (const char *)sqlite3_column_text(st, 3);
		v->original_power = POWER_UNKNOWN;
		if (pw)
			model_power_parse(pw, &v->original_power);
		copy_col(v->outcome, sizeof v->outcome, st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_plan_journal_free(vms, nv);
		return store_fail(s, err, errlen, "cannot read the plan's VMs");
	}
	for (size_t i = 0; i < nv; i++) {
		st = store_stmt(s, sql_journal_steps, err, errlen);
		if (!st) {
			store_plan_journal_free(vms, nv);
			return -1;
		}
		sqlite3_bind_int64(st, 1, vms[i].id);
		size_t scap = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			vms[i].steps = xgrow(vms[i].steps, &scap, vms[i].n_steps + 1, sizeof *vms[i].steps);
			store_journal_step *j = &vms[i].steps[vms[i].n_steps++];
			memset(j, 0, sizeof *j);
			j->id = sqlite3_column_int64(st, 0);
			j->seq = sqlite3_column_int(st, 1);
			copy_col(j->kind, sizeof j->kind, st, 2);
			copy_col(j->rule, sizeof j->rule, st, 3);
			const char *name = (const char *)sqlite3_column_text(st, 4);
			for (size_t k = 0; k < sizeof step_state_names / sizeof step_state_names[0]; k++)
				if (name && !strcmp(name, step_state_names[k]))
					j->state = (store_step_state)k;
			copy_col(j->task_moref, sizeof j->task_moref, st, 5);
			j->started_at = (time_t)sqlite3_column_int64(st, 6);
			j->ended_at = (time_t)sqlite3_column_int64(st, 7);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			store_plan_journal_free(vms, nv);
			return store_fail(s, err, errlen, "cannot read the plan's steps");
		}
	}
	*out = vms;
	*n = nv;
	return 0;
}
