/* History read back: the timeline (scans, fixes, tests), stored records as they were, the
 * diff of two scans with fact changes linked to the fix step that made them, trends, and
 * retention. Only retention writes. */
#include "store/store_internal.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int i)
{
	const char *v = col(st, i);
	snprintf(dst, n, "%s", v ? v : "");
}

static void bind_opt_time(sqlite3_stmt *st, int i, time_t t)
{
	if (t)
		sqlite3_bind_int64(st, i, (int64_t)t);
	else
		sqlite3_bind_null(st, i);
}

static bool vm_matches(const char *glob, const char *name, const char *moref)
{
	if (!glob || !*glob)
		return true;
	return (name && fnmatch(glob, name, 0) == 0) || (moref && fnmatch(glob, moref, 0) == 0);
}

static void sql_glob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *pattern = (const char *)sqlite3_value_text(argv[0]);
	const char *text = (const char *)sqlite3_value_text(argv[1]);
	sqlite3_result_int(ctx, pattern && text && fnmatch(pattern, text, 0) == 0);
}

int store_history_register_sql(sqlite3 *db)
{
	return sqlite3_create_function(db, "quiescent_glob", 2,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				       sql_glob, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

const char *store_history_kind_name(store_history_kind k)
{
	switch (k) {
	case STORE_HISTORY_SCAN: return "scan";
	case STORE_HISTORY_FIX: return "fix";
	case STORE_HISTORY_SNAPTEST: return "snaptest";
	}
	return "unknown";
}

bool store_history_kind_parse(const char *s, store_history_kind *out)
{
	static const store_history_kind all[] = { STORE_HISTORY_SCAN, STORE_HISTORY_FIX,
						  STORE_HISTORY_SNAPTEST };
	for (size_t i = 0; s && i < 3; i++)
		if (!strcmp(s, store_history_kind_name(all[i]))) {
			*out = all[i];
			return true;
		}
	return false;
}

/* ---- the timeline ---- */

/* ?1 since, ?2 until, ?3 outcome, ?4 vcenter, ?5 kinds (bits), ?6 moref, ?7 VM glob (name or
 * moref), ?8 limit (-1 none). One row per VM and event, newest first (at the same second the
 * later scan, plan or test first), a scan's VMs by name (column 11; NULL for the others: an
 * unchanged VM is the same state, so state ids no longer tell scans apart). SCAN_FROM joins
 * scans sc, scan_vms m and vm_states v. */
#define SQL_TIMELINE(SCAN_FROM, VM_V, VM_PV, VM_T) \
	"SELECT 1, sc.id, v.id, sc.started_at AS at, " SCAN_SERVER ", v.moref, v.name, v.status," \
	" printf('%s: predicted %s of %s, %d finding%s', v.status, v.predicted, v.best," \
	"  v.n_findings, CASE v.n_findings WHEN 1 THEN '' ELSE 's' END)," \
	" json_object('scan_id', sc.id, 'status', v.status, 'best_level', v.best," \
	"  'predicted_level', v.predicted, 'power_state', v.power, 'tools', v.tools_status," \
	"  'probe', v.probe_state, 'findings'," \
	"  json((SELECT json_group_array(rule) FROM" \
	"   (SELECT f.rule FROM findings f WHERE f.state_id = v.id ORDER BY f.seq))))," \
	" v.name" \
	" FROM " SCAN_FROM \
	" WHERE (?5 & 1) != 0 AND (?1 IS NULL OR sc.started_at >= ?1)" \
	" AND (?2 IS NULL OR sc.started_at <= ?2) AND (?3 IS NULL OR v.status = ?3)" \
	" AND (?4 IS NULL OR " SCAN_SERVER " = ?4 COLLATE NOCASE) AND " VM_V \
	" UNION ALL " \
	"SELECT 2, p.id, pv.id, p.created_at, c.server, pv.moref, pv.name," \
	" coalesce(pv.outcome, p.state)," \
	" printf('%s, fix #%d: %s', coalesce(pv.outcome, p.state), p.id," \
	"  coalesce((SELECT group_concat(CASE WHEN instr(coalesce(description, ''), ' (') > 1" \
	"   THEN substr(description, 1, instr(description, ' (') - 1)" \
	"   ELSE coalesce(nullif(description, ''), kind) END || ': ' || state, '; ') FROM" \
	"   (SELECT kind, description, state FROM steps WHERE plan_vm_id = pv.id ORDER BY seq))," \
	"   'nothing quiescent could run'))," \
	" json_object('plan_id', p.id, 'plan_state', p.state, 'outcome', pv.outcome," \
	"  'message', pv.message, 'original_power', pv.original_power, 'steps'," \
	"  json((SELECT json_group_array(json_object('seq', seq, 'kind', kind, 'rule', rule," \
	"   'state', state, 'before', before_value, 'after', after_value, 'error', error," \
	"   'ended_at', ended_at)) FROM" \
	"   (SELECT * FROM steps WHERE plan_vm_id = pv.id ORDER BY seq)))), NULL" \
	" FROM plan_vms pv JOIN plans p ON p.id = pv.plan_id" \
	" JOIN connections c ON c.id = p.connection_id" \
	" WHERE (?5 & 2) != 0 AND (?1 IS NULL OR p.created_at >= ?1)" \
	" AND (?2 IS NULL OR p.created_at <= ?2) AND (?3 IS NULL OR coalesce(pv.outcome, p.state) = ?3)" \
	" AND (?4 IS NULL OR c.server = ?4 COLLATE NOCASE) AND " VM_PV \
	" UNION ALL " \
	"SELECT 4, t.id, t.id, t.created_at, c.server, t.moref, t.vm_name," \
	" coalesce(t.result, t.state)," \
	" printf('%s: predicted %s, achieved %s (%s)%s', coalesce(t.result, t.state)," \
	"  coalesce(t.predicted, '?'), coalesce(t.achieved, '?'), coalesce(t.method, '?')," \
	"  CASE WHEN t.fault_type IS NULL THEN '' ELSE ', ' || t.fault_type END)," \
	" json_object('snaptest_id', t.id, 'state', t.state, 'method', t.method," \
	"  'predicted_level', t.predicted, 'achieved_level', t.achieved, 'result', t.result," \
	"  'fault', json(CASE WHEN t.fault_type IS NULL AND t.fault IS NULL THEN NULL" \
	"   ELSE json_object('type', t.fault_type, 'message', t.fault) END)," \
	"  'duration_ms', t.duration_ms, 'snapshot_name', t.snapshot_name," \
	"  'snapshot_removed', json(CASE t.snapshot_removed WHEN 1 THEN 'true' ELSE 'false' END)," \
	"  'manifest_file', t.manifest_file, 'backup_type', t.backup_type, 'writers'," \
	"  json((SELECT json_group_array(json_object('phase', phase, 'name', name," \
	"   'state', state, 'last_error', last_error)) FROM" \
	"   (SELECT * FROM writer_results WHERE snaptest_id = t.id ORDER BY id)))), NULL" \
	" FROM snaptests t JOIN connections c ON c.id = t.connection_id" \
	" WHERE (?5 & 4) != 0 AND (?1 IS NULL OR t.created_at >= ?1)" \
	" AND (?2 IS NULL OR t.created_at <= ?2) AND (?3 IS NULL OR coalesce(t.result, t.state) = ?3)" \
	" AND (?4 IS NULL OR c.server = ?4 COLLATE NOCASE) AND " VM_T \
	" ORDER BY at DESC, 1, 2 DESC, 11, 3 DESC LIMIT ?8"

#define GLOB(NAME, MOREF) \
	"(?7 IS NULL OR quiescent_glob(?7, " NAME ") OR quiescent_glob(?7, " MOREF "))"
/* A scan's vCenter, looked up by its key for each row: SQLite's statistics of connections are
 * those of the day it was first analysed (one row), and trusting them it read every
 * connection for every row of a join. */
#define SCAN_SERVER "(SELECT server FROM connections WHERE id = sc.connection_id)"
/* The scans (by time), then each one's VMs; left to itself, SQLite read every state first. */
#define SCANS_FIRST \
	"scans sc CROSS JOIN scan_vms m CROSS JOIN vm_states v" \
	" ON m.scan_id = sc.id AND v.id = m.state_id"
/* A VM's few states first, then each scan, whose list (keyed by scan and state) is probed:
 * the cost follows the VM's history, not the whole history's. */
#define STATES_FIRST(INDEX) \
	"vm_states v INDEXED BY " INDEX " CROSS JOIN scans sc CROSS JOIN scan_vms m" \
	" ON m.scan_id = sc.id AND m.state_id = v.id"

/* No VM named: newest first through the scans. A moref: "moref = ?6" alone lets SQLite use
 * the moref indexes (an OR with "?6 IS NULL" would scan every row). A glob: every state's
 * name and moref are matched once in the small vm_states_name index (tens of thousands in a
 * year; the states themselves, with their facts, are read only for a match), then its scans. */
static const char sql_timeline[] = SQL_TIMELINE(SCANS_FIRST, "1", "1", "1");
static const char sql_timeline_vm[] = SQL_TIMELINE(
	STATES_FIRST("vm_states_moref"), "v.moref = ?6 AND " GLOB("v.name", "v.moref"),
	"pv.moref = ?6 AND " GLOB("pv.name", "pv.moref"),
	"t.moref = ?6 AND " GLOB("t.vm_name", "t.moref"));
static const char sql_timeline_glob[] = SQL_TIMELINE(
	STATES_FIRST("vm_states_name"), GLOB("v.name", "v.moref"), GLOB("pv.name", "pv.moref"),
	GLOB("t.vm_name", "t.moref"));

/* The start time of the k-th newest scan (k from 0) the filter can show. */
static const char sql_nth_scan[] =
	"SELECT sc.started_at FROM scans sc JOIN connections c ON c.id = sc.connection_id"
	" WHERE (?1 IS NULL OR c.server = ?1 COLLATE NOCASE) AND (?2 IS NULL OR sc.started_at <= ?2)"
	" ORDER BY sc.started_at DESC, sc.id DESC LIMIT 1 OFFSET ?3";

void store_history_list_free(store_history_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].summary);
		free(e[i].details_json);
	}
	free(e);
}

/* Runs the timeline query once between since and *until (NULL: open), handing each row to fn
 * (its strings borrowed from the statement). A non-zero return of fn stops the walk and is
 * returned; -1 on a read error. */
static int timeline_walk(store *s, const store_history_filter *f, time_t since,
			 const time_t *until, store_history_fn fn, void *ctx, char *err,
			 size_t errlen)
{
	bool one_vm = f->moref && *f->moref, glob = f->vm_glob && *f->vm_glob;
	sqlite3_stmt *st = store_stmt(s, one_vm ? sql_timeline_vm : glob ? sql_timeline_glob
						: sql_timeline, err, errlen);
	if (!st)
		return -1;
	bind_opt_time(st, 1, since);
	if (until)
		sqlite3_bind_int64(st, 2, (int64_t)*until);
	else
		sqlite3_bind_null(st, 2);
	store_bind_text(st, 3, f->outcome && *f->outcome ? f->outcome : NULL);
	store_bind_text(st, 4, f->vcenter && *f->vcenter ? f->vcenter : NULL);
	sqlite3_bind_int(st, 5, (int)(f->kinds ? f->kinds : STORE_HISTORY_ALL));
	store_bind_text(st, 6, one_vm ? f->moref : NULL);
	store_bind_text(st, 7, glob ? f->vm_glob : NULL);
	sqlite3_bind_int64(st, 8, f->limit ? (int64_t)f->limit : -1);
	int rc, stop = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_history_entry e = {
			.kind = (store_history_kind)sqlite3_column_int(st, 0),
			.id = sqlite3_column_int64(st, 1),
			.item_id = sqlite3_column_int64(st, 2),
			.at = (time_t)sqlite3_column_int64(st, 3),
			/* Borrowed until the next step; the callback copies what it keeps. */
			.summary = (char *)(col(st, 8) ? col(st, 8) : ""),
			.details_json = (char *)(col(st, 9) ? col(st, 9) : "{}"),
		};
		copy_col(e.vcenter, sizeof e.vcenter, st, 4);
		copy_col(e.moref, sizeof e.moref, st, 5);
		copy_col(e.vm, sizeof e.vm, st, 6);
		copy_col(e.outcome, sizeof e.outcome, st, 7);
		if ((stop = fn(&e, ctx)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read the timeline");
	return 0;
}

typedef struct {
	store_history_entry *v;
	size_t n, cap;
} entry_list;

static int collect(const store_history_entry *e, void *ctx)
{
	entry_list *l = ctx;
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	store_history_entry *c = &l->v[l->n++];
	*c = *e;
	c->summary = xstrdup(e->summary);
	c->details_json = xstrdup(e->details_json);
	return 0;
}

/* Runs the timeline query once with since as the lower bound, into a malloc'ed array. */
static int timeline_query(store *s, const store_history_filter *f, time_t since,
			  store_history_entry **out, size_t *n, char *err, size_t errlen)
{
	entry_list l = { 0 };
	const time_t *until = f->until ? &f->until : NULL;
	if (timeline_walk(s, f, since, until, collect, &l, err, errlen) != 0) {
		store_history_list_free(l.v, l.n);
		return -1;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

/* The k-th newest scan's start (0 none) no later than until (0: open): a lower bound for the
 * timeline's newest entries. */
static int nth_scan_time(store *s, const store_history_filter *f, time_t until, int64_t k,
			 time_t *at, char *err, size_t errlen)
{
	*at = 0;
	sqlite3_stmt *st = store_stmt(s, sql_nth_scan, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, f->vcenter && *f->vcenter ? f->vcenter : NULL);
	bind_opt_time(st, 2, until);
	sqlite3_bind_int64(st, 3, k);
	int rc = store_step_one(s, st, err, errlen, "cannot read the timeline");
	if (rc == 1) {
		*at = (time_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return rc < 0 ? -1 : 0;
}

int store_history_list(store *s, const store_history_filter *f, store_history_entry **out,
		       size_t *n, char *err, size_t errlen)
{
	static const store_history_filter none;
	if (!f)
		f = &none;
	*out = NULL;
	*n = 0;
	bool by_vm = (f->moref && *f->moref) || (f->vm_glob && *f->vm_glob);
	if (!f->limit || by_vm)
		return timeline_query(s, f, f->since, out, n, err, errlen);
	/* The newest N entries of the whole history: every VM of every scan is a candidate (a
	 * year of daily scans of 10,000 VMs is 3.65 million), so the query is first bounded to
	 * the newest scan's time, then the newest 2, 4, ... scans' until N entries are found.
	 * Whatever lies before the bound is older than all that was found, so once N are found
	 * they are the newest N. */
	for (int64_t k = 0;; k = k ? 2 * k + 1 : 1) {
		time_t bound;
		if (nth_scan_time(s, f, f->until, k, &bound, err, errlen) != 0)
			return -1;
		if (!bound || bound <= f->since)
			return timeline_query(s, f, f->since, out, n, err, errlen);
		if (timeline_query(s, f, bound, out, n, err, errlen) != 0)
			return -1;
		if (*n >= f->limit)
			return 0;
		store_history_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
}

int store_history_each(store *s, const store_history_filter *f, store_history_fn fn, void *ctx,
		       char *err, size_t errlen)
{
	static const store_history_filter none;
	if (!f)
		f = &none;
	bool by_vm = (f->moref && *f->moref) || (f->vm_glob && *f->vm_glob);
	if (f->limit || by_vm) {
		/* Bounded by the limit or by one VM's (or a glob's) history: read whole. */
		store_history_entry *e;
		size_t n;
		if (store_history_list(s, f, &e, &n, err, errlen) != 0)
			return -1;
		int rc = 0;
		for (size_t i = 0; i < n && !rc; i++)
			rc = fn(&e[i], ctx);
		store_history_list_free(e, n);
		return rc;
	}
	/* The whole history, newest first, one scan time at a time: each window holds the
	 * entries from a scan's start up to the previous window, so SQLite sorts one scan's VMs
	 * (and the fixes and tests beside them) at a time instead of the whole year, and
	 * nothing is kept here. The windows are disjoint and in order, so their concatenation
	 * is the single query's order. */
	time_t upper = f->until;
	bool open = !f->until;
	for (;;) {
		time_t t;
		if (nth_scan_time(s, f, open ? 0 : upper, 0, &t, err, errlen) != 0)
			return -1;
		bool last = !t || t <= f->since;
		int rc = timeline_walk(s, f, last ? f->since : t, open ? NULL : &upper, fn, ctx,
				       err, errlen);
		if (rc != 0 || last)
			return rc;
		upper = t - 1;
		open = false;
	}
}

int store_history_name_width(store *s, size_t *out, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT max(coalesce((SELECT max(length(CAST(name AS BLOB))) FROM vm_states), 0),"
		" coalesce((SELECT max(length(CAST(name AS BLOB))) FROM plan_vms), 0),"
		" coalesce((SELECT max(length(CAST(vm_name AS BLOB))) FROM snaptests), 0))";
	*out = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err, errlen);
	if (!st)
		return -1;
	int rc = store_step_one(s, st, err, errlen, "cannot read the timeline");
	if (rc == 1) {
		*out = (size_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return rc < 0 ? -1 : 0;
}

/* ---- records ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static void htable_done(store_htable *t)
{
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i].text);
	for (size_t i = 0; i < t->n_cols; i++)
		free(t->cols[i]);
	free(t->cells);
	free(t->cols);
	free(t->name);
}

/* Runs sql with ?1 = id, ?2 = item and appends its rows as table name. */
static int add_table(store *s, store_history_record *r, const char *name, const char *sql,
		     int64_t id, int64_t item, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, item);
	r->tables = xrealloc(r->tables, (r->n_tables + 1) * sizeof *r->tables);
	store_htable *t = &r->tables[r->n_tables++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	t->n_cols = (size_t)sqlite3_column_count(st);
	t->cols = xcalloc(t->n_cols, sizeof *t->cols);
	for (size_t c = 0; c < t->n_cols; c++)
		t->cols[c] = xstrdup(sqlite3_column_name(st, (int)c));
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t->cells = xgrow(t->cells, &cap, (t->n_rows + 1) * t->n_cols, sizeof *t->cells);
		store_hcell *row = &t->cells[t->n_rows * t->n_cols];
		for (size_t c = 0; c < t->n_cols; c++) {
			int type = sqlite3_column_type(st, (int)c);
			row[c].text = NULL;
			row[c].type = STORE_HCELL_NULL;
			if (type == SQLITE_NULL)
				continue;
			row[c].text = xstrdup(col(st, (int)c));
			if (type == SQLITE_INTEGER)
				row[c].type = ends_with(t->cols[c], "_at") || !strcmp(t->cols[c], "at")
					      ? STORE_HCELL_TIME : STORE_HCELL_INT;
			else if (ends_with(t->cols[c], "_json"))
				row[c].type = STORE_HCELL_JSON;
			else
				row[c].type = STORE_HCELL_TEXT;
		}
		t->n_rows++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read a stored record");
	return 0;
}

static const char sql_rec_scan[] =
	"SELECT sc.id AS scan_id, c.server AS vcenter, sc.started_at AS started_at,"
	" sc.finished_at AS finished_at, sc.n_vms AS n_vms, sc.options_json AS options_json"
	" FROM scans sc JOIN connections c ON c.id = sc.connection_id WHERE sc.id = ?1";
/* scan_vm_id names the VM within the scan (its state's id: --show scan:ID:ITEM). */
static const char sql_rec_scan_vms[] =
	"SELECT v.id AS scan_vm_id, v.moref AS moref, v.name AS name, v.folder AS folder,"
	" v.is_template AS is_template, v.power AS power_state, v.guest_os AS guest_os,"
	" v.os_family AS os_family, v.tools_status AS tools, v.tools_version AS tools_version,"
	" v.enable_uuid AS enable_uuid, v.snapshot_count AS snapshot_count,"
	" v.best AS best_level, v.predicted AS predicted_level, v.status AS status,"
	" v.n_findings AS n_findings, v.facts_error AS facts_error,"
	" v.probe_state AS probe_state, v.probe_at AS probe_at, v.probe_error AS probe_error,"
	" v.facts_json AS facts_json FROM scan_vms m JOIN vm_states v ON v.id = m.state_id"
	" WHERE m.scan_id = ?1 AND (?2 = 0 OR v.id = ?2) ORDER BY v.name, v.moref";
static const char sql_rec_scan_findings[] =
	"SELECT v.name AS vm, f.seq AS seq, f.rule AS rule, f.severity AS severity, f.cap AS cap,"
	" f.fix AS fix, f.message AS message, f.evidence AS evidence FROM scan_vms m"
	" JOIN vm_states v ON v.id = m.state_id JOIN findings f ON f.state_id = v.id"
	" WHERE m.scan_id = ?1 AND (?2 = 0 OR v.id = ?2) ORDER BY v.name, v.moref, f.seq";

static const char sql_rec_plan[] =
	"SELECT p.id AS plan_id, c.server AS vcenter, p.state AS state,"
	" p.created_at AS created_at, p.updated_at AS updated_at, p.scan_id AS scan_id,"
	" p.options_json AS options_json FROM plans p JOIN connections c ON c.id = p.connection_id"
	" WHERE p.id = ?1";
static const char sql_rec_plan_vms[] =
	"SELECT id AS plan_vm_id, moref, name, original_power, outcome, message FROM plan_vms"
	" WHERE plan_id = ?1 AND (?2 = 0 OR id = ?2) ORDER BY id";
static const char sql_rec_plan_steps[] =
	"SELECT pv.name AS vm, s.seq AS seq, s.kind AS kind, s.rule AS rule,"
	" s.description AS description, s.state AS state, s.started_at AS started_at,"
	" s.ended_at AS ended_at, s.before_value AS before_value, s.after_value AS after_value,"
	" s.result AS result, s.error AS error, s.original_power_state AS original_power_state,"
	" s.restart_needed AS restart_needed, s.task_moref AS task, t.state AS task_state,"
	" t.progress AS task_progress,"
	" t.error AS task_error FROM steps s JOIN plan_vms pv ON pv.id = s.plan_vm_id"
	" LEFT JOIN tasks t ON t.id = (SELECT max(id) FROM tasks WHERE step_id = s.id)"
	" WHERE pv.plan_id = ?1 AND (?2 = 0 OR pv.id = ?2) ORDER BY pv.id, s.seq";
static const char sql_rec_plan_tasks[] =
	"SELECT t.moref AS task, pv.name AS vm, s.seq AS step, t.kind AS kind, t.state AS state,"
	" t.progress AS progress, t.started_at AS started_at, t.ended_at AS ended_at,"
	" t.error AS error FROM tasks t JOIN steps s ON s.id = t.step_id"
	" JOIN plan_vms pv ON pv.id = s.plan_vm_id WHERE pv.plan_id = ?1 AND (?2 = 0 OR pv.id = ?2)"
	" ORDER BY t.id";

static const char sql_rec_test[] =
	"SELECT t.id AS snaptest_id, c.server AS vcenter, t.moref AS moref, t.vm_name AS vm,"
	" t.snapshot_name AS snapshot_name, t.snapshot_moref AS snapshot_moref,"
	" t.method AS method, t.state AS state, t.predicted AS predicted_level,"
	" t.achieved AS achieved_level, t.result AS result, t.fault_type AS fault_type,"
	" t.fault AS fault, t.task_moref AS task, t.created_at AS created_at,"
	" t.ended_at AS ended_at, t.duration_ms AS duration_ms, t.manifest_file AS manifest_file,"
	" length(t.manifest) AS manifest_bytes, t.backup_type AS backup_type,"
	" t.snapshot_removed AS snapshot_removed, t.spec_json AS spec_json"
	" FROM snaptests t JOIN connections c ON c.id = t.connection_id WHERE t.id = ?1";
static const char sql_rec_test_events[] =
	"SELECT at, kind, message FROM snaptest_events WHERE snaptest_id = ?1 ORDER BY id";
static const char sql_rec_test_writers[] =
	"SELECT phase, name, writer_id, instance_id, usage, data_source, components_json, state,"
	" last_error FROM writer_results WHERE snaptest_id = ?1 ORDER BY id";
static const char sql_rec_test_tasks[] =
	"SELECT moref AS task, kind, state, progress, started_at, ended_at, error FROM tasks"
	" WHERE snaptest_id = ?1 ORDER BY id";
static const char sql_rec_manifest[] = "SELECT manifest FROM snaptests WHERE id = ?1";

void store_history_record_done(store_history_record *r)
{
	for (size_t i = 0; i < r->n_tables; i++)
		htable_done(&r->tables[i]);
	free(r->tables);
	free(r->manifest);
	memset(r, 0, sizeof *r);
}

int store_history_record_get(store *s, store_history_kind kind, int64_t id, int64_t item_id,
			     store_history_record *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->id = id;
	r->item_id = item_id;
	int rc = 0;
	switch (kind) {
	case STORE_HISTORY_SCAN:
		rc = add_table(s, r, "record", sql_rec_scan, id, 0, err, errlen);
		if (rc == 0 && r->tables[0].n_rows == 0)
			break;
		if (rc == 0)
			rc = add_table(s, r, "vms", sql_rec_scan_vms, id, item_id, err, errlen);
		if (rc == 0)
			rc = add_table(s, r, "findings", sql_rec_scan_findings, id, item_id, err, errlen);
		break;
	case STORE_HISTORY_FIX:
		rc = add_table(s, r, "record", sql_rec_plan, id, 0, err, errlen);
		if (rc == 0 && r->tables[0].n_rows == 0)
			break;
		if (rc == 0)
			rc = add_table(s, r, "vms", sql_rec_plan_vms, id, item_id, err, errlen);
		if (rc == 0)
			rc = add_table(s, r, "steps", sql_rec_plan_steps, id, item_id, err, errlen);
		if (rc == 0)
			rc = add_table(s, r, "tasks", sql_rec_plan_tasks, id, item_id, err, errlen);
		break;
	case STORE_HISTORY_SNAPTEST:
		rc = add_table(s, r, "record", sql_rec_test, id, 0, err, errlen);
		if (rc == 0 && r->tables[0].n_rows == 0)
			break;
		if (rc == 0)
			rc = add_table(s, r, "events", sql_rec_test_events, id, 0, err, errlen);
		if (rc == 0)
			rc = add_table(s, r, "writers", sql_rec_test_writers, id, 0, err, errlen);
		if (rc == 0)
			rc = add_table(s, r, "tasks", sql_rec_test_tasks, id, 0, err, errlen);
		if (rc == 0) {
			sqlite3_stmt *st = store_stmt(s, sql_rec_manifest, err, errlen);
			if (!st) {
				rc = -1;
				break;
			}
			sqlite3_bind_int64(st, 1, id);
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
				r->manifest_len = (size_t)sqlite3_column_bytes(st, 0);
				r->manifest = xmalloc(r->manifest_len ? r->manifest_len : 1);
				memcpy(r->manifest, sqlite3_column_blob(st, 0), r->manifest_len);
			}
			sqlite3_reset(st);
		}
		break;
	default:
		return errbuf_set(err, errlen, "no such kind of history record (%d)", (int)kind);
	}
	if (rc != 0) {
		store_history_record_done(r);
		return -1;
	}
	if (r->n_tables == 0 || r->tables[0].n_rows == 0) {
		store_history_record_done(r);
		return 0;
	}
	return 1;
}

const store_htable *store_history_table(const store_history_record *r, const char *name)
{
	for (size_t i = 0; i < r->n_tables; i++)
		if (!strcmp(r->tables[i].name, name))
			return &r->tables[i];
	return NULL;
}

const char *store_htable_get(const store_htable *t, size_t row, const char *name)
{
	if (!t || row >= t->n_rows)
		return NULL;
	for (size_t c = 0; c < t->n_cols; c++)
		if (!strcmp(t->cols[c], name))
			return t->cells[row * t->n_cols + c].text;
	return NULL;
}

/* ---- diff ---- */

#define SQL_PARTIAL(alias) \
	"(CASE WHEN json_valid(" alias ".options_json) THEN coalesce(json_array_length(" \
	alias ".options_json, '$.vm'), 0) ELSE 0 END > 0)"

/* ?2 = 1: only full scans (not limited with --vm) */
static const char sql_last_two[] =
	"SELECT sc.id FROM scans sc JOIN connections c ON c.id = sc.connection_id"
	" WHERE c.server = coalesce(?1, (SELECT c2.server FROM scans s2"
	"  JOIN connections c2 ON c2.id = s2.connection_id"
	"  ORDER BY s2.started_at DESC, s2.id DESC LIMIT 1)) COLLATE NOCASE"
	" AND (?2 = 0 OR NOT " SQL_PARTIAL("sc") ")"
	" ORDER BY sc.started_at DESC, sc.id DESC LIMIT 2";

int store_history_last_two_scans(store *s, const char *vcenter, int64_t *a, int64_t *b,
				 char *err, size_t errlen)
{
	/* full scans first: a fix or a test scans only its own VMs, and comparing with such a
	 * scan would show every other VM as gone */
	for (int full = 1; full >= 0; full--) {
		sqlite3_stmt *st = store_stmt(s, sql_last_two, err, errlen);
		if (!st)
			return -1;
		store_bind_text(st, 1, vcenter);
		sqlite3_bind_int(st, 2, full);
		int64_t ids[2];
		int n = 0, rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			ids[n++] = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return store_fail(s, err, errlen, "cannot find the last scans");
		if (n == 2) {
			*a = ids[1];
			*b = ids[0];
			return 1;
		}
	}
	return 0;
}

typedef struct {
	const char *key, *value;   /* in the side's text */
} fact_kv;

typedef struct {
	int64_t id;
	char moref[64], name[256], status[16], predicted[16];
	strbuf text;     /* every fact's key and value, NUL-terminated, one allocation */
	fact_kv *facts;
	size_t n_facts;
	char **findings;
	size_t n_findings;
	bool loaded;     /* facts and findings read */
} diff_side;

typedef struct {
	int64_t id;
	time_t started, finished;
	char vcenter[256];
	diff_side *vms;
	size_t n;
} diff_scan;

/* A flattened document's facts as offsets into one text while it grows; pointers after. */
typedef struct {
	strbuf *text;
	size_t *off;     /* key, value, key, value... */
	size_t n, cap;
} fact_list;

static void add_fact(fact_list *l, const char *key, const char *value)
{
	l->off = xgrow(l->off, &l->cap, 2 * (l->n + 1), sizeof *l->off);
	l->off[2 * l->n] = l->text->len;
	strbuf_add(l->text, key, strlen(key) + 1);
	l->off[2 * l->n + 1] = l->text->len;
	strbuf_add(l->text, value, strlen(value) + 1);
	l->n++;
}

/* Members that repeat another one, or change on every scan without meaning anything. */
static bool skip_fact(const char *path, const char *leaf)
{
	static const char *const paths[] = { "format", "moref", "enable_uuid", "enable_uuid_set_at",
					     "probe.at" };
	static const char *const leaves[] = { "raw_state", "state_text", "last_error_text" };
	/* called for every leaf of every changed VM's two documents: the first letter first */
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (path[0] == paths[i][0] && !strcmp(path, paths[i]))
			return true;
	for (size_t i = 0; leaf && i < sizeof leaves / sizeof leaves[0]; i++)
		if (leaf[0] == leaves[i][0] && !strcmp(leaf, leaves[i]))
			return true;
	return false;
}

/* Display names: the vSphere name an admin knows where there is one. */
static const char *fact_display(const char *path)
{
	if (!strcmp(path, "enable_uuid_raw"))
		return "disk.EnableUUID";
	return path;
}

/* "%lld" without printf's machinery: a document has dozens of numbers */
static const char *int_text(int64_t i, char *buf, size_t n)
{
	uint64_t u = i < 0 ? -(uint64_t)i : (uint64_t)i;
	char *p = buf + n - 1;
	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u && p > buf + 1);
	if (i < 0)
		*--p = '-';
	return p;
}

static void flatten(const json_value *v, strbuf *path, const char *leaf, fact_list *out)
{
	size_t mark = path->len;
	switch (v->type) {
	case JSON_NULL:
		return; /* absent */
	case JSON_OBJECT:
		for (size_t i = 0; i < v->n; i++) {
			if (path->len)
				strbuf_addc(path, '.');
			strbuf_adds(path, v->keys[i]);
			flatten(&v->items[i], path, v->keys[i], out);
			path->len = mark;
			path->buf[mark] = '\0';
		}
		return;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->n; i++) {
			/* name array members by their label, name or path, so a new disk in front
			 * does not look like every disk changed */
			const json_value *it = &v->items[i];
			const char *id = json_get_string(it, "label");
			if (!id)
				id = json_get_string(it, "name");
			if (!id)
				id = json_get_string(it, "path");
			if (id) {
				strbuf_addc(path, '[');
				strbuf_adds(path, id);
				strbuf_addc(path, ']');
			} else {
				strbuf_addf(path, "[%zu]", i);
			}
			flatten(it, path, leaf, out);
			path->len = mark;
			path->buf[mark] = '\0';
		}
		return;
	default:
		break;
	}
	if (skip_fact(path->buf, leaf))
		return;
	/* Defaults are absent from documents written since they were left out (store_facts.c):
	 * an older document's "unknown" and false must compare equal to that absence. */
	if ((v->type == JSON_STRING && !strcmp(v->str, "unknown")) ||
	    (v->type == JSON_BOOL && !v->b))
		return;
	char buf[64];
	const char *val = buf;
	if (v->type == JSON_STRING)
		val = v->str;
	else if (v->type == JSON_BOOL)
		val = v->b ? "true" : "false";
	else if (v->is_int)
		val = int_text(v->i, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "%g", v->num);
	add_fact(out, fact_display(path->buf), val);
}

/* By key, equal keys kept in document order (as glibc's merge sort kept them). A document
 * has a few dozen facts: sorted in place by insertion they cost less than qsort's merge
 * through a temporary buffer and a comparison through a pointer (-0.08 G instructions of the
 * report on the bench's year). */
static void sort_facts(fact_kv *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		fact_kv x = v[i];
		size_t j = i;
		while (j > 0 && strcmp(v[j - 1].key, x.key) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void side_done(diff_side *d)
{
	strbuf_done(&d->text);
	free(d->facts);
	for (size_t i = 0; i < d->n_findings; i++)
		free(d->findings[i]);
	free(d->findings);
}

static void scan_done(diff_scan *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		side_done(&sc->vms[i]);
	free(sc->vms);
}

static const char sql_diff_scan[] =
	"SELECT sc.started_at, coalesce(sc.finished_at, sc.started_at), c.server FROM scans sc"
	" JOIN connections c ON c.id = sc.connection_id WHERE sc.id = ?1";
static const char sql_diff_vms[] =
	"SELECT v.id, v.moref, v.name, v.status, v.predicted FROM scan_vms m"
	" JOIN vm_states v ON v.id = m.state_id WHERE m.scan_id = ?1 ORDER BY v.moref";
static const char sql_diff_facts[] = "SELECT facts_json FROM vm_states WHERE id = ?1";
static const char sql_diff_findings[] =
	"SELECT rule || ' ' || severity || ': ' || message FROM findings WHERE state_id = ?1"
	" ORDER BY seq";

/* The scan's VMs, sorted by moref; facts and findings are read only for the VMs whose state
 * differs between the two scans (load_details): an unchanged VM is the same state. */
static int load_scan(store *s, int64_t id, const char *glob, diff_scan *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->id = id;
	sqlite3_stmt *st = store_stmt(s, sql_diff_scan, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->started = (time_t)sqlite3_column_int64(st, 0);
		out->finished = (time_t)sqlite3_column_int64(st, 1);
		copy_col(out->vcenter, sizeof out->vcenter, st, 2);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return errbuf_set(err, errlen, "there is no scan %lld in the history %s",
				  (long long)id, s->path);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, errlen, "cannot read a scan");

	st = store_stmt(s, sql_diff_vms, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!vm_matches(glob, col(st, 2), col(st, 1)))
			continue;
		out->vms = xgrow(out->vms, &cap, out->n + 1, sizeof *out->vms);
		diff_side *d = &out->vms[out->n++];
		memset(d, 0, sizeof *d);
		strbuf_init(&d->text);
		d->id = sqlite3_column_int64(st, 0);
		copy_col(d->moref, sizeof d->moref, st, 1);
		copy_col(d->name, sizeof d->name, st, 2);
		copy_col(d->status, sizeof d->status, st, 3);
		copy_col(d->predicted, sizeof d->predicted, st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read a scan's VMs");
	return 0;
}

/* The flattened facts and the findings of one VM's state. */
static int load_details(store *s, diff_side *d, char *err, size_t errlen)
{
	if (d->loaded)
		return 0;
	d->loaded = true;
	sqlite3_stmt *st = store_stmt(s, sql_diff_facts, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, d->id);
	int rc = store_step_one(s, st, err, errlen, "cannot read a scanned VM's facts");
	if (rc < 0)
		return -1;
	const char *json = rc ? col(st, 0) : NULL;
	json_value *doc = json ? json_parse(json, strlen(json), NULL, 0) : NULL;
	if (rc)
		sqlite3_reset(st);
	if (doc) {
		strbuf path;
		strbuf_init(&path);
		fact_list l = { .text = &d->text };
		flatten(doc, &path, NULL, &l);
		strbuf_done(&path);
		json_free(doc);
		d->facts = xcalloc(l.n + 1, sizeof *d->facts);
		for (size_t i = 0; i < l.n; i++) {
			d->facts[i].key = d->text.buf + l.off[2 * i];
			d->facts[i].value = d->text.buf + l.off[2 * i + 1];
		}
		d->n_facts = l.n;
		free(l.off);
		sort_facts(d->facts, d->n_facts);
	}

	st = store_stmt(s, sql_diff_findings, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, d->id);
	size_t fcap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d->findings = xgrow(d->findings, &fcap, d->n_findings + 1, sizeof *d->findings);
		d->findings[d->n_findings++] = xstrdup(col(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read a scan's findings");
	return 0;
}

/* sc->vms is sorted by moref (the query's order) */
static diff_side *find_side(const diff_scan *sc, const char *moref)
{
	size_t lo = 0, hi = sc->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sc->vms[mid].moref, moref);
		if (!c)
			return &sc->vms[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool has_str(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Which fix step kinds can explain a change of this fact. */
static bool step_explains(const char *fact, const char *kind)
{
	if (!strcmp(fact, "disk.EnableUUID"))
		return !strcmp(kind, STORE_STEP_SET_ENABLE_UUID);
	if (!strcmp(fact, "power") || !strcmp(fact, "boot_time"))
		return !strcmp(kind, "power_on") || !strcmp(kind, "power_off") ||
		       !strcmp(kind, "shutdown_guest");
	if (!strcmp(fact, "tools") || !strncmp(fact, "tools_version", 13) ||
	    !strcmp(fact, "tools_upgrade_running"))
		return !strcmp(kind, "upgrade_tools") || !strcmp(kind, "guest_setup") ||
		       !strcmp(kind, "wait_tools");
	if (!strncmp(fact, "probe.", 6))
		return !strcmp(kind, "guest_command") || !strcmp(kind, "guest_setup") ||
		       !strcmp(kind, "upgrade_tools");
	return false;
}

/* Done fix steps of that VM between the two scans, newest first: from the VM's plan entries,
 * the plan's vCenter read by rowid (STORE_SQL_PLAN_SERVER), once per changed VM. */
static const char sql_diff_steps[] =
	"SELECT st.id, pv.plan_id, st.kind, st.ended_at"
	" FROM plan_vms pv INDEXED BY plan_vms_moref JOIN steps st ON st.plan_vm_id = pv.id"
	" WHERE pv.moref = ?1 AND st.state = 'done' AND st.ended_at >= ?3 AND st.ended_at <= ?4"
	" AND " STORE_SQL_PLAN_SERVER("pv.plan_id") " = ?2 COLLATE NOCASE"
	" ORDER BY st.ended_at DESC, st.id DESC";

static int link_fixes(store *s, const char *vcenter, const char *moref, time_t from, time_t to,
		      store_diff_vm *vm, char *err, size_t errlen)
{
	if (!vm->n_facts)
		return 0;
	sqlite3_stmt *st = store_stmt(s, sql_diff_steps, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, moref);
	store_bind_text(st, 2, vcenter);
	sqlite3_bind_int64(st, 3, (int64_t)from);
	sqlite3_bind_int64(st, 4, (int64_t)to);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = col(st, 2);
		for (size_t i = 0; kind && i < vm->n_facts; i++) {
			store_fact_change *c = &vm->facts[i];
			if (c->fix_step_id || !step_explains(c->fact, kind))
				continue;
			c->fix_step_id = sqlite3_column_int64(st, 0);
			c->fix_plan_id = sqlite3_column_int64(st, 1);
			snprintf(c->fix_step, sizeof c->fix_step, "%s", kind);
			c->fix_at = (time_t)sqlite3_column_int64(st, 3);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read the fix steps between the scans");
	return 0;
}

static void add_change(store_diff_vm *vm, size_t *cap, const char *fact, const char *before,
		       const char *after)
{
	vm->facts = xgrow(vm->facts, cap, vm->n_facts + 1, sizeof *vm->facts);
	store_fact_change *c = &vm->facts[vm->n_facts++];
	memset(c, 0, sizeof *c);
	c->fact = xstrdup(fact);
	c->before = xstrdup(before ? before : "absent");
	c->after = xstrdup(after ? after : "absent");
}

static void diff_facts(const diff_side *a, const diff_side *b, store_diff_vm *vm)
{
	size_t i = 0, j = 0, cap = 0;
	while (i < a->n_facts || j < b->n_facts) {
		int c = i >= a->n_facts ? 1 : j >= b->n_facts ? -1
					   : strcmp(a->facts[i].key, b->facts[j].key);
		if (c < 0) {
			add_change(vm, &cap, a->facts[i].key, a->facts[i].value, NULL);
			i++;
		} else if (c > 0) {
			add_change(vm, &cap, b->facts[j].key, NULL, b->facts[j].value);
			j++;
		} else {
			if (strcmp(a->facts[i].value, b->facts[j].value) != 0)
				add_change(vm, &cap, a->facts[i].key, a->facts[i].value, b->facts[j].value);
			i++;
			j++;
		}
	}
}

static void push_str(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

static int cmp_diff_vm(const void *a, const void *b)
{
	const store_diff_vm *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->moref, y->moref);
}

void store_scan_diff_done(store_scan_diff *d)
{
	for (size_t i = 0; i < d->n_vms; i++) {
		store_diff_vm *v = &d->vms[i];
		for (size_t k = 0; k < v->n_appeared; k++)
			free(v->appeared[k]);
		for (size_t k = 0; k < v->n_gone; k++)
			free(v->gone[k]);
		free(v->appeared);
		free(v->gone);
		for (size_t k = 0; k < v->n_facts; k++) {
			free(v->facts[k].fact);
			free(v->facts[k].before);
			free(v->facts[k].after);
		}
		free(v->facts);
	}
	free(d->vms);
	memset(d, 0, sizeof *d);
}

int store_history_diff(store *s, int64_t a, int64_t b, const char *vm_glob, store_scan_diff *d,
		       char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	diff_scan sa, sb;
	int rc = load_scan(s, a, vm_glob, &sa, err, errlen);
	if (rc == 0)
		rc = load_scan(s, b, vm_glob, &sb, err, errlen);
	else
		memset(&sb, 0, sizeof sb);
	if (rc != 0)
		goto out;
	d->scan_a = a;
	d->scan_b = b;
	d->at_a = sa.started;
	d->at_b = sb.started;
	snprintf(d->vcenter_a, sizeof d->vcenter_a, "%s", sa.vcenter);
	snprintf(d->vcenter_b, sizeof d->vcenter_b, "%s", sb.vcenter);
	size_t cap = 0;
	/* every VM of a, then those only in b */
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		const diff_scan *from = pass ? &sb : &sa;
		for (size_t i = 0; i < from->n && rc == 0; i++) {
			diff_side *x = pass ? NULL : &from->vms[i];
			diff_side *y = pass ? &from->vms[i] : find_side(&sb, from->vms[i].moref);
			if (pass && find_side(&sa, y->moref))
				continue;
			d->vms = xgrow(d->vms, &cap, d->n_vms + 1, sizeof *d->vms);
			store_diff_vm *vm = &d->vms[d->n_vms++];
			memset(vm, 0, sizeof *vm);
			const diff_side *any = y ? y : x;
			snprintf(vm->moref, sizeof vm->moref, "%s", any->moref);
			snprintf(vm->name, sizeof vm->name, "%s", any->name);
			if (x) {
				snprintf(vm->status_a, sizeof vm->status_a, "%s", x->status);
				snprintf(vm->predicted_a, sizeof vm->predicted_a, "%s", x->predicted);
			}
			if (y) {
				snprintf(vm->status_b, sizeof vm->status_b, "%s", y->status);
				snprintf(vm->predicted_b, sizeof vm->predicted_b, "%s", y->predicted);
			}
			if (!x) {
				vm->change = STORE_DIFF_ADDED;
				continue;
			}
			if (!y) {
				vm->change = STORE_DIFF_REMOVED;
				continue;
			}
			if (x->id == y->id) { /* the same stored state: nothing changed */
				vm->change = STORE_DIFF_SAME;
				continue;
			}
			if (load_details(s, x, err, errlen) != 0 || load_details(s, y, err, errlen) != 0) {
				rc = -1;
				break;
			}
			for (size_t k = 0; k < y->n_findings; k++)
				if (!has_str(x->findings, x->n_findings, y->findings[k]))
					push_str(&vm->appeared, &vm->n_appeared, y->findings[k]);
			for (size_t k = 0; k < x->n_findings; k++)
				if (!has_str(y->findings, y->n_findings, x->findings[k]))
					push_str(&vm->gone, &vm->n_gone, x->findings[k]);
			diff_facts(x, y, vm);
			bool moved = strcmp(x->status, y->status) || strcmp(x->predicted, y->predicted);
			vm->change = moved || vm->n_appeared || vm->n_gone || vm->n_facts
				     ? STORE_DIFF_CHANGED : STORE_DIFF_SAME;
			if (!strcasecmp(sa.vcenter, sb.vcenter))
				rc = link_fixes(s, sb.vcenter, vm->moref, sa.started, sb.finished, vm,
						err, errlen);
		}
	}
	if (rc == 0)
		qsort(d->vms, d->n_vms, sizeof *d->vms, cmp_diff_vm);
	else
		store_scan_diff_done(d);
out:
	scan_done(&sa);
	scan_done(&sb);
	return rc;
}

/* ---- trends ---- */

/* One row per scan: the counts were set when it was committed. */
static const char sql_trends[] =
	"SELECT sc.id, sc.started_at, c.server,"
	" " SQL_PARTIAL("sc") ","
	" sc.n_ready, sc.n_fixable, sc.n_manual, sc.n_unknown, sc.n_na, sc.n_vms"
	" FROM scans sc JOIN connections c ON c.id = sc.connection_id"
	" WHERE (?1 IS NULL OR sc.started_at >= ?1) AND (?2 IS NULL OR sc.started_at <= ?2)"
	" AND (?3 IS NULL OR c.server = ?3 COLLATE NOCASE)"
	" ORDER BY sc.started_at DESC, sc.id DESC LIMIT ?4";
/* A scope (VM or folder glob) counts the scan's states that fall in it. */
static const char sql_trends_scoped[] =
	"SELECT sc.id, sc.started_at, c.server,"
	" " SQL_PARTIAL("sc") ","
	" coalesce(sum(v.status = 'ready'), 0), coalesce(sum(v.status = 'fixable'), 0),"
	" coalesce(sum(v.status = 'manual'), 0), coalesce(sum(v.status = 'unknown'), 0),"
	" coalesce(sum(v.status = 'n/a'), 0), count(v.id)"
	" FROM scans sc JOIN connections c ON c.id = sc.connection_id"
	" LEFT JOIN scan_vms m ON m.scan_id = sc.id"
	" LEFT JOIN vm_states v ON v.id = m.state_id"
	"  AND (?5 IS NULL OR v.name GLOB ?5 OR v.moref GLOB ?5)"
	"  AND (?6 IS NULL OR coalesce(v.folder, '') GLOB ?6)"
	" WHERE (?1 IS NULL OR sc.started_at >= ?1) AND (?2 IS NULL OR sc.started_at <= ?2)"
	" AND (?3 IS NULL OR c.server = ?3 COLLATE NOCASE)"
	" GROUP BY sc.id ORDER BY sc.started_at DESC, sc.id DESC LIMIT ?4";

int store_history_trends(store *s, const store_history_filter *f, store_trend_point **out,
			 size_t *n, char *err, size_t errlen)
{
	static const store_history_filter none;
	if (!f)
		f = &none;
	*out = NULL;
	*n = 0;
	bool scoped = (f->vm_glob && *f->vm_glob) || (f->folder_glob && *f->folder_glob);
	sqlite3_stmt *st = store_stmt(s, scoped ? sql_trends_scoped : sql_trends, err, errlen);
	if (!st)
		return -1;
	bind_opt_time(st, 1, f->since);
	bind_opt_time(st, 2, f->until);
	store_bind_text(st, 3, f->vcenter && *f->vcenter ? f->vcenter : NULL);
	sqlite3_bind_int64(st, 4, f->limit ? (int64_t)f->limit : -1);
	if (scoped) {
		store_bind_text(st, 5, f->vm_glob && *f->vm_glob ? f->vm_glob : NULL);
		store_bind_text(st, 6, f->folder_glob && *f->folder_glob ? f->folder_glob : NULL);
	}
	store_trend_point *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xgrow(v, &cap, nv + 1, sizeof *v);
		store_trend_point *p = &v[nv++];
		memset(p, 0, sizeof *p);
		p->scan_id = sqlite3_column_int64(st, 0);
		p->at = (time_t)sqlite3_column_int64(st, 1);
		copy_col(p->vcenter, sizeof p->vcenter, st, 2);
		p->partial = sqlite3_column_int(st, 3) != 0;
		p->ready = sqlite3_column_int(st, 4);
		p->fixable = sqlite3_column_int(st, 5);
		p->manual = sqlite3_column_int(st, 6);
		p->unknown = sqlite3_column_int(st, 7);
		p->na = sqlite3_column_int(st, 8);
		p->total = sqlite3_column_int(st, 9);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(s, err, errlen, "cannot read the trends");
	}
	/* oldest first */
	for (size_t i = 0; i < nv / 2; i++) {
		store_trend_point t = v[i];
		v[i] = v[nv - 1 - i];
		v[nv - 1 - i] = t;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* ---- retention ---- */

static const char sql_del_scans[] =
	"DELETE FROM scans WHERE started_at < ?1 AND id NOT IN"
	" (SELECT id FROM (SELECT sc.id, row_number() OVER (PARTITION BY lower(c.server)"
	"  ORDER BY sc.started_at DESC, sc.id DESC) AS rn FROM scans sc"
	"  JOIN connections c ON c.id = sc.connection_id) WHERE rn = 1)";
/* Stored VM states no scan refers to any more (and their findings, by cascade). NOT IN reads
 * scan_vms once into a temporary index: scan_vms is keyed by scan, not by state. */
static const char sql_del_states[] =
	"DELETE FROM vm_states WHERE id NOT IN (SELECT state_id FROM scan_vms)";
static const char sql_del_plans[] =
	"DELETE FROM plans WHERE updated_at < ?1 AND state NOT IN ('running', 'confirmed')"
	" AND NOT (state = 'interrupted' AND recovered_at IS NULL)";
static const char sql_del_tests[] =
	"DELETE FROM snaptests WHERE created_at < ?1 AND state NOT IN ('created', 'running')";
static const char sql_del_tasks[] =
	"DELETE FROM tasks WHERE coalesce(ended_at, started_at, 0) < ?1 AND step_id IS NULL"
	" AND snaptest_id IS NULL";
static const char sql_del_events[] = "DELETE FROM events WHERE at < ?1";
static const char sql_del_messages[] = "DELETE FROM messages WHERE at < ?1";
static const char sql_del_conns[] =
	"DELETE FROM connections WHERE coalesce(ended_at, started_at) < ?1"
	" AND NOT EXISTS (SELECT 1 FROM scans WHERE connection_id = connections.id)"
	" AND NOT EXISTS (SELECT 1 FROM plans WHERE connection_id = connections.id)"
	" AND NOT EXISTS (SELECT 1 FROM snaptests WHERE connection_id = connections.id)"
	" AND NOT EXISTS (SELECT 1 FROM tasks WHERE connection_id = connections.id)"
	" AND NOT EXISTS (SELECT 1 FROM events WHERE connection_id = connections.id)";

static int64_t file_bytes(store *s)
{
	int64_t size = 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT page_count * page_size FROM pragma_page_count(),"
				      " pragma_page_size()", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			size = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return size;
}

/* The deletes of retention in one transaction. thorough: also states no scan refers to when
 * no scan went (a pass over every scan's list; the explicit `history --keep` does it). */
static int prune(store *s, time_t cutoff, time_t proof_cutoff, bool thorough,
		 store_vacuum_stats *stats, char *err, size_t errlen)
{
	/* the proof (fix plans, test snapshots) by its own cutoff, the rest by cutoff */
	static const char *const steps[] = { sql_del_scans, sql_del_states, sql_del_plans,
					     sql_del_tests, sql_del_tasks, sql_del_events,
					     sql_del_messages, sql_del_conns };
	store_vacuum_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	int64_t *counts[] = { &stats->scans, &stats->states, &stats->plans, &stats->snaptests,
			      &stats->tasks, &stats->events, &stats->messages, &stats->connections };
	stats->bytes_before = file_bytes(s);
	if (store_begin(s, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (steps[i] == sql_del_states && !thorough && !stats->scans)
			continue;   /* no scan went: no state lost its last reference */
		sqlite3_stmt *st = store_stmt(s, steps[i], err, errlen);
		if (!st)
			goto fail;
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_int64(st, 1, steps[i] == sql_del_plans || steps[i] == sql_del_tests
					   ? (int64_t)proof_cutoff : (int64_t)cutoff);
		if (store_exec_stmt(s, st, err, errlen, "cannot delete old history") != 0)
			goto fail;
		*counts[i] = sqlite3_changes(s->db);
	}
	if (store_commit(s, err, errlen) != 0)
		return -1;
	stats->bytes_after = stats->bytes_before;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int store_history_prune(store *s, time_t cutoff, time_t proof_cutoff,
			store_vacuum_stats *stats, char *err, size_t errlen)
{
	return prune(s, cutoff, proof_cutoff, false, stats, err, errlen);
}

int store_history_vacuum(store *s, time_t cutoff, time_t proof_cutoff,
			 store_vacuum_stats *stats, char *err, size_t errlen)
{
	store_vacuum_stats local;
	if (!stats)
		stats = &local;
	if (prune(s, cutoff, proof_cutoff, true, stats, err, errlen) != 0)
		return -1;
	/* outside the transaction: VACUUM rewrites the file, then the WAL is folded in */
	if (sqlite3_exec(s->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, errlen, "the old rows were deleted but VACUUM failed");
	sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	stats->bytes_after = file_bytes(s);
	return 0;
}
