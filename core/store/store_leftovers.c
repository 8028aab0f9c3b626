/* What our own runs left on VMs, read from the journal and the test snapshots: the history
 * half of R24 (a guest restart still pending) and R26 (a VM left off, a test snapshot left
 * behind). The other half, what vCenter shows now, is the scan's facts; the rules join them. */
#include "store/store_internal.h"

#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_restart_set[] =
	"UPDATE steps SET restart_needed = ?2 WHERE id = ?1";

int store_step_set_restart_needed(store *s, int64_t step_id, const char *why, char *err,
				  size_t errlen)
{
	if (store_require_no_tx(s, err, errlen, "a pending guest restart") != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_restart_set, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, step_id);
	store_bind_text(st, 2, why && *why ? why : "restart needed");
	if (store_exec_stmt(s, st, err, errlen, "cannot journal a pending guest restart") != 0)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return errbuf_set(err, errlen, "cannot journal a pending guest restart: no step %lld "
				  "in the history %s", (long long)step_id, s->path);
	return 0;
}

/* A power-off we began on a VM that was on, with no power-on of ours after it. "Brought back"
 * is a done (or rolled-back) power_on step of the same plan, or a later plan of the VM that
 * found it on or powered it on. Rows come oldest first per VM: the last one wins. A plan
 * still running in a live process (its owner_lock held, store_owner.c) is not left off: that
 * process brings the VM back (or says it could not). */
static const char sql_left_off[] =
	"SELECT pv.moref, p.id, p.state, st.kind, st.started_at,"
	" CASE WHEN p.state IN ('running', 'confirmed') THEN p.owner_lock END"
	" FROM steps st"
	" JOIN plan_vms pv ON pv.id = st.plan_vm_id"
	" JOIN plans p ON p.id = pv.plan_id"
	" JOIN connections c ON c.id = p.connection_id"
	" WHERE st.kind IN ('shutdown_guest', 'power_off') AND st.started_at IS NOT NULL"
	" AND c.server = ?1 COLLATE NOCASE AND pv.original_power = 'poweredOn'"
	" AND NOT EXISTS (SELECT 1 FROM steps up WHERE up.plan_vm_id = pv.id"
	"  AND up.kind = 'power_on' AND up.state IN ('done', 'rolled_back'))"
	" AND NOT EXISTS (SELECT 1 FROM plan_vms later"
	"  JOIN plans lp ON lp.id = later.plan_id JOIN connections lc ON lc.id = lp.connection_id"
	"  WHERE later.moref = pv.moref AND later.id > pv.id AND lc.server = ?1 COLLATE NOCASE"
	"  AND (later.original_power = 'poweredOn' OR EXISTS (SELECT 1 FROM steps lu"
	"   WHERE lu.plan_vm_id = later.id AND lu.kind = 'power_on'"
	"   AND lu.state IN ('done', 'rolled_back'))))"
	" ORDER BY pv.moref, pv.id, st.started_at";

static const char sql_restart[] =
	"SELECT pv.moref, p.id, st.kind, coalesce(st.ended_at, st.started_at), st.restart_needed"
	" FROM steps st INDEXED BY steps_restart"
	" JOIN plan_vms pv ON pv.id = st.plan_vm_id"
	" JOIN plans p ON p.id = pv.plan_id"
	" JOIN connections c ON c.id = p.connection_id"
	" WHERE st.restart_needed IS NOT NULL AND c.server = ?1 COLLATE NOCASE"
	" ORDER BY pv.moref, coalesce(st.ended_at, st.started_at), st.id";

void store_vm_marks_free(store_vm_marks *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		model_history_marks_done(&m[i].marks);
	free(m);
}

static int by_moref(const void *a, const void *b)
{
	return strcmp(((const store_vm_marks *)a)->moref, ((const store_vm_marks *)b)->moref);
}

const store_vm_marks *store_vm_marks_find(const store_vm_marks *m, size_t n, const char *moref)
{
	if (!m || !n || !moref)
		return NULL;
	store_vm_marks key = {0};
	snprintf(key.moref, sizeof key.moref, "%s", moref);
	return bsearch(&key, m, n, sizeof *m, by_moref);
}

typedef struct {
	store_vm_marks *v;
	size_t n, cap;
} marks_list;

/* The entry of moref, appended when new. Each query yields its rows sorted by moref (SQLite
 * compares text as strcmp does), so the entries of an earlier query (the first `sorted`) are
 * found by bisection and a row of this query can only match the last entry appended. */
static vm_history_marks *entry(marks_list *l, size_t sorted, const char *moref)
{
	const store_vm_marks *hit = store_vm_marks_find(l->v, sorted, moref);
	if (hit)
		return &l->v[hit - l->v].marks;
	if (l->n > sorted && !strcmp(l->v[l->n - 1].moref, moref))
		return &l->v[l->n - 1].marks;
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	store_vm_marks *e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	snprintf(e->moref, sizeof e->moref, "%s", moref);
	model_history_marks_init(&e->marks);
	return &e->marks;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? v : "";
}

int store_vm_marks_load(store *s, const char *vcenter, store_vm_marks **out, size_t *n,
			char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	marks_list l = { 0 };
	sqlite3_stmt *st = store_stmt(s, sql_left_off, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool self;
		if (store_owner_lock_alive((const char *)sqlite3_column_text(st, 5), &self)) {
			/* in progress: the last row wins, so it also clears an older plan's mark */
			if (l.n && !strcmp(l.v[l.n - 1].moref, col(st, 0))) {
				vm_history_marks *m = &l.v[l.n - 1].marks;
				m->off_plan_id = 0;
				m->off_at = 0;
				xstrset(&m->off_plan_state, NULL);
				xstrset(&m->off_step, NULL);
			}
			continue;
		}
		vm_history_marks *m = entry(&l, 0, col(st, 0));
		m->off_plan_id = sqlite3_column_int64(st, 1);
		xstrset(&m->off_plan_state, col(st, 2));
		xstrset(&m->off_step, col(st, 3));
		m->off_at = (time_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_vm_marks_free(l.v, l.n);
		return store_fail(s, err, errlen, "cannot read the VMs our fixes left powered off");
	}
	st = store_stmt(s, sql_restart, err, errlen);
	if (!st) {
		store_vm_marks_free(l.v, l.n);
		return -1;
	}
	store_bind_text(st, 1, vcenter);
	size_t sorted = l.n;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vm_history_marks *m = entry(&l, sorted, col(st, 0));
		m->restart_plan_id = sqlite3_column_int64(st, 1);
		xstrset(&m->restart_step, col(st, 2));
		m->restart_at = (time_t)sqlite3_column_int64(st, 3);
		xstrset(&m->restart_why, col(st, 4));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_vm_marks_free(l.v, l.n);
		return store_fail(s, err, errlen, "cannot read the guest restarts our fixes left pending");
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, by_moref);
	*out = l.v;
	*n = l.n;
	return 0;
}

static const char sql_our_snapshot[] =
	"SELECT t.id, t.created_at, t.state,"
	" CASE WHEN t.state IN ('created', 'running') THEN t.owner_lock END"
	" FROM snaptests t INDEXED BY snaptests_moref"
	" JOIN connections c ON c.id = t.connection_id"
	" WHERE t.moref = ?2 AND t.snapshot_name = ?3 AND c.server = ?1 COLLATE NOCASE"
	" ORDER BY t.id DESC LIMIT 1";

int store_vm_our_snapshots(store *s, const char *vcenter, const char *moref,
			   const char *const *names, size_t n_names, vm_history_marks *marks,
			   char *err, size_t errlen)
{
	int added = 0;
	for (size_t i = 0; i < n_names; i++) {
		sqlite3_stmt *st = store_stmt(s, sql_our_snapshot, err, errlen);
		if (!st)
			return -1;
		store_bind_text(st, 1, vcenter);
		store_bind_text(st, 2, moref);
		store_bind_text(st, 3, names[i]);
		int rc = store_step_one(s, st, err, errlen, "cannot read the test snapshots we took");
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		int64_t id = sqlite3_column_int64(st, 0);
		time_t at = (time_t)sqlite3_column_int64(st, 1);
		char state[32];
		snprintf(state, sizeof state, "%s", col(st, 2));
		bool self;
		bool live = store_owner_lock_alive((const char *)sqlite3_column_text(st, 3), &self);
		sqlite3_reset(st);
		/* kept on purpose (--keep): not a leftover; nor is a test a live process runs now */
		if (!strcmp(state, "kept") || live)
			continue;
		model_history_marks_add_snapshot(marks, names[i], id, at, state);
		added++;
	}
	return added;
}
