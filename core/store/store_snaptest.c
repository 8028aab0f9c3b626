/* Test snapshots: recorded before CreateSnapshot is called, so a crash leaves a row that
 * names the snapshot to clean up; finished with the outcome, the manifest and the writers. */
#include "store/store_internal.h"

#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const snaptest_state_names[] = {
	[STORE_SNAPTEST_CREATED] = "created", [STORE_SNAPTEST_RUNNING] = "running",
	[STORE_SNAPTEST_REMOVED] = "removed", [STORE_SNAPTEST_KEPT] = "kept",
	[STORE_SNAPTEST_ORPHAN] = "orphan",
};

const char *store_snaptest_state_name(store_snaptest_state st)
{
	if ((unsigned)st >= sizeof snaptest_state_names / sizeof snaptest_state_names[0])
		return "unknown";
	return snaptest_state_names[st];
}

static const char sql_create[] =
	"INSERT INTO snaptests (connection_id, moref, vm_name, snapshot_name, spec_json, method,"
	" state, predicted, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'created', ?7, ?8)";

int64_t store_snaptest_create(store *s, int64_t connection_id, const store_snaptest_def *def,
			      char *err, size_t errlen)
{
	if (!def->moref || !def->snapshot_name)
		return errbuf_set(err, errlen, "a test snapshot needs a VM and a snapshot name");
	if (store_require_no_tx(s, err, errlen, "the record of a test snapshot") != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s, sql_create, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, connection_id);
	store_bind_text(st, 2, def->moref);
	store_bind_text(st, 3, def->vm_name ? def->vm_name : def->moref);
	store_bind_text(st, 4, def->snapshot_name);
	store_bind_text(st, 5, def->spec_json ? def->spec_json : "{}");
	store_bind_text(st, 6, def->method);
	store_bind_text(st, 7, model_level_name(def->predicted));
	sqlite3_bind_int64(st, 8, (int64_t)def->at);
	if (store_begin(s, err, errlen) < 0)
		return -1;
	/* The row and its owner appear together: nobody may take a live test for a dead one. */
	if (store_exec_stmt(s, st, err, errlen, "cannot record the test snapshot") != 0)
		goto fail;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	if (store_owner_stamp(s, "snaptests", id, err, errlen) < 0)
		goto fail;
	int claimed = store_vm_claim(s, STORE_CLAIM_SNAPTEST, id, def->busy, err, errlen);
	if (claimed == 0) {
		store_rollback(s);   /* another process tests or fixes it: no trace of ours */
		return 0;
	}
	if (claimed < 0 || store_commit(s, err, errlen) < 0)
		goto fail;
	return id;
fail:
	store_rollback(s);
	return -1;
}

static const char sql_running[] =
	"UPDATE snaptests SET state = 'running', task_moref = ?2 WHERE id = ?1 AND state = 'created'";

int store_snaptest_set_running(store *s, int64_t id, const char *task_moref, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_running, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, task_moref);
	if (store_exec_stmt(s, st, err, errlen, "cannot record the test snapshot's task") != 0)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return errbuf_set(err, errlen, "no test snapshot %lld waiting to run in the history %s",
				  (long long)id, s->path);
	return 0;
}

static const char sql_method[] = "UPDATE snaptests SET method = ?2 WHERE id = ?1";

int store_snaptest_set_method(store *s, int64_t id, const char *method, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_method, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, method);
	return store_exec_stmt(s, st, err, errlen, "cannot record the test snapshot's method");
}

static const char sql_finish[] =
	"UPDATE snaptests SET state = ?2, result = ?3, achieved = ?4,"
	" snapshot_moref = coalesce(?5, snapshot_moref), fault_type = ?6, fault = ?7,"
	" duration_ms = ?8, manifest_file = ?9, manifest = ?10, backup_type = ?11,"
	" snapshot_removed = ?12, ended_at = ?13 WHERE id = ?1";

int store_snaptest_finish(store *s, int64_t id, const store_snaptest_result *r, char *err, size_t errlen)
{
	if (r->state != STORE_SNAPTEST_REMOVED && r->state != STORE_SNAPTEST_KEPT &&
	    r->state != STORE_SNAPTEST_ORPHAN)
		return errbuf_set(err, errlen, "a test snapshot cannot finish in state %s",
				  store_snaptest_state_name(r->state));
	sqlite3_stmt *st = store_stmt(s, sql_finish, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, store_snaptest_state_name(r->state));
	store_bind_text(st, 3, r->result);
	if (r->achieved != LEVEL_NONE)
		store_bind_text(st, 4, model_level_name(r->achieved));
	store_bind_text(st, 5, r->snapshot_moref);
	store_bind_text(st, 6, r->fault_type);
	store_bind_text(st, 7, r->fault);
	sqlite3_bind_int64(st, 8, r->duration_ms);
	store_bind_text(st, 9, r->manifest_file);
	if (r->manifest)
		sqlite3_bind_blob64(st, 10, r->manifest, r->manifest_len, SQLITE_STATIC);
	store_bind_text(st, 11, r->backup_type);
	sqlite3_bind_int(st, 12, r->snapshot_removed);
	store_bind_opt_int(st, 13, (int64_t)r->ended_at);
	if (store_exec_stmt(s, st, err, errlen, "cannot record the test snapshot's result") != 0)
		return -1;
	if (sqlite3_changes(s->db) != 1)
		return errbuf_set(err, errlen, "no test snapshot %lld in the history %s",
				  (long long)id, s->path);
	return 0;
}

static const char sql_event[] =
	"INSERT INTO snaptest_events (snaptest_id, at, kind, message) VALUES (?1, ?2, ?3, ?4)";

int store_snaptest_event_add(store *s, int64_t id, time_t at, const char *kind,
			     const char *message, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_event, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (int64_t)at);
	store_bind_text(st, 3, kind ? kind : "note");
	store_bind_text(st, 4, message ? message : "");
	return store_exec_stmt(s, st, err, errlen, "cannot record a test snapshot event");
}

static const char sql_writer[] =
	"INSERT INTO writer_results (snaptest_id, phase, name, writer_id, instance_id, usage,"
	" data_source, components_json, state, last_error)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

int store_writer_result_add(store *s, int64_t snaptest_id, const store_writer_result *w,
			    char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_writer, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, snaptest_id);
	store_bind_text(st, 2, w->phase);
	store_bind_text(st, 3, w->name ? w->name : "");
	store_bind_text(st, 4, w->writer_id);
	store_bind_text(st, 5, w->instance_id);
	store_bind_text(st, 6, w->usage);
	store_bind_text(st, 7, w->data_source);
	store_bind_text(st, 8, w->components_json);
	store_bind_text(st, 9, w->state);
	store_bind_text(st, 10, w->last_error);
	return store_exec_stmt(s, st, err, errlen, "cannot record a writer result");
}

static const char sql_unfinished[] =
	"SELECT t.id, t.moref, t.snapshot_name, t.state, t.task_moref, t.owner_lock, t.vm_name"
	" FROM snaptests t"
	" JOIN connections c ON c.id = t.connection_id"
	" WHERE t.state IN ('created', 'running', 'orphan') AND c.server = ?1 COLLATE NOCASE"
	" ORDER BY t.id";

/* live: list the tests another live process runs, else those nobody alive owns. */
static int list_tests(store *s, const char *vcenter, bool live, store_snaptest_ref *out,
		      size_t max, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_unfinished, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	size_t n = 0;
	int rc = SQLITE_DONE;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool self;
		bool alive = store_owner_lock_alive((const char *)sqlite3_column_text(st, 5), &self);
		if (live ? !alive || self : alive)
			continue;
		store_snaptest_ref *r = &out[n++];
		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->moref, sizeof r->moref, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(r->snapshot_name, sizeof r->snapshot_name, "%s",
			 (const char *)sqlite3_column_text(st, 2));
		const char *state = (const char *)sqlite3_column_text(st, 3);
		r->state = !state ? STORE_SNAPTEST_CREATED
			   : strcmp(state, "running") == 0 ? STORE_SNAPTEST_RUNNING
			   : strcmp(state, "orphan") == 0 ? STORE_SNAPTEST_ORPHAN : STORE_SNAPTEST_CREATED;
		const char *name = (const char *)sqlite3_column_text(st, 6);
		snprintf(r->vm_name, sizeof r->vm_name, "%s", name ? name : "");
		const char *task = (const char *)sqlite3_column_text(st, 4);
		snprintf(r->task_moref, sizeof r->task_moref, "%s", task ? task : "");
	}
	if (n < max && rc != SQLITE_DONE) {
		store_fail(s, err, errlen, "cannot read unfinished test snapshots");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return (int)n;
}

/* ---- the last test of a VM (R25, proof) ---- */

static const char sql_last_test[] =
	"SELECT t.id, t.created_at, t.ended_at, t.method, t.result, t.predicted, t.achieved,"
	" t.fault_type, t.fault FROM snaptests t INDEXED BY snaptests_moref"
	" WHERE t.moref = ?2 AND t.result IN ('success', 'failed') AND t.task_moref IS NOT NULL"
	" AND EXISTS (SELECT 1 FROM connections c WHERE c.id = t.connection_id"
	"  AND c.server = ?1 COLLATE NOCASE)"
	" ORDER BY t.created_at DESC, t.id DESC LIMIT 1";
static const char sql_test_writers[] =
	"SELECT phase, name, state, last_error FROM writer_results WHERE snaptest_id = ?1"
	" ORDER BY id";
/* The VM's facts in the newest scan before the test: the scans newest first (in the index's
 * order, so nothing is sorted), each probed for the VM's few states; the first hit ends it,
 * usually in the first scan. Driven from the states, every state met every earlier scan and
 * all of it was sorted: 3.4 ms of CPU a tested VM after a year of daily scans, which the scan
 * and the report pay for every tested VM. */
static const char sql_facts_before[] =
	"SELECT v.facts_json FROM scans sc INDEXED BY scans_started"
	" CROSS JOIN vm_states v INDEXED BY vm_states_moref"
	" CROSS JOIN scan_vms m ON m.scan_id = sc.id AND m.state_id = v.id"
	" WHERE v.moref = ?2 AND v.vcenter = ?1 AND sc.started_at <= ?3"
	" AND sc.finished_at IS NOT NULL ORDER BY sc.started_at DESC, sc.id DESC LIMIT 1";

static const char *text_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* A writer the test's after-check saw failed: not stable, or an error worse than retryable. */
static bool writer_bad(const char *state, const char *last_error)
{
	static const char *const harmless[] = { "No error", "none", "Retryable error", "retryable" };
	if (state && *state && strcmp(state, "stable") != 0)
		return true;
	if (!last_error || !*last_error)
		return false;
	for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++)
		if (!strcasecmp(last_error, harmless[i]))
			return false;
	return true;
}

static int read_test_writers(store *s, vm_last_test *t, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_test_writers, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, t->id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *phase = text_col(st, 0), *name = text_col(st, 1);
		if (phase && !strcmp(phase, "manifest")) {
			model_strv_push(&t->writers, &t->n_writers, name);
		} else if (!t->bad_writer && writer_bad(text_col(st, 2), text_col(st, 3))) {
			const char *le = text_col(st, 3), *state = text_col(st, 2);
			t->bad_writer = xasprintf("%s: %s", name ? name : "a writer",
						  le && *le && strcasecmp(le, "No error") ? le
						  : state ? state : "failed");
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read the writers of a test snapshot");
	return 0;
}

int store_last_test(store *s, const char *vcenter, const char *moref, vm_last_test *t,
		    vm_facts *then, bool *have_then, char *err, size_t errlen)
{
	model_last_test_done(t);
	if (have_then)
		*have_then = false;
	sqlite3_stmt *st = store_stmt(s, sql_last_test, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	store_bind_text(st, 2, moref);
	int rc = store_step_one(s, st, err, errlen, "cannot read the last test snapshot");
	if (rc <= 0)
		return rc;
	t->id = sqlite3_column_int64(st, 0);
	t->at = (time_t)sqlite3_column_int64(st, 1);
	t->ended_at = (time_t)sqlite3_column_int64(st, 2);
	t->method = xstrdup(text_col(st, 3));
	const char *result = text_col(st, 4);
	t->failed = result && !strcmp(result, "failed");
	model_level_parse(text_col(st, 5), &t->predicted);
	model_level_parse(text_col(st, 6), &t->achieved);
	const char *ft = text_col(st, 7), *fm = text_col(st, 8);
	if (ft && fm)
		t->fault = xasprintf("%s: %s", ft, fm);
	else if (ft || fm)
		t->fault = xstrdup(ft ? ft : fm);
	sqlite3_reset(st);
	if (read_test_writers(s, t, err, errlen) != 0)
		return -1;
	if (!then)
		return 1;
	st = store_stmt(s, sql_facts_before, err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 1, vcenter);
	store_bind_text(st, 2, moref);
	sqlite3_bind_int64(st, 3, (int64_t)t->at);
	rc = store_step_one(s, st, err, errlen, "cannot read the facts of a tested VM");
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 1;
	char *json = xstrdup(text_col(st, 0));
	sqlite3_reset(st);
	rc = store_facts_from_json(json, then, err, errlen);
	free(json);
	if (rc != 0)
		return -1;
	if (have_then)
		*have_then = true;
	return 1;
}

int store_snaptest_unfinished(store *s, const char *vcenter, store_snaptest_ref *out, size_t max,
			      char *err, size_t errlen)
{
	return list_tests(s, vcenter, false, out, max, err, errlen);
}

int store_snaptest_live(store *s, const char *vcenter, store_snaptest_ref *out, size_t max,
			char *err, size_t errlen)
{
	return list_tests(s, vcenter, true, out, max, err, errlen);
}
