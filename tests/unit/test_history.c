/* Unit tests for the history (core/store/store_history.c, core/frontend/history_out.c, report.c)
 * against real SQLite files: timeline and filters, stored records, the diff of two scans with
 * fact changes linked to fix steps, trends, retention, migrations from every earlier schema
 * version, two processes writing at once, and a writer SIGKILLed mid-transaction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontend/history_out.h"
#include "frontend/retention.h"
#include "cli/report.h"
#include "model/model.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "util/json.h"
#include "util/xalloc.h"

#include "store_support.h"
#include "util/timefmt.h"

#define T0 1795305600 /* 2026-11-22T00:00:00Z: the fixture's rows are at T0 + n */

typedef struct {
	test_db db;
	int64_t conn, scan1, scan2, plan, plan_vm, test;
} fixture;


static int setup(void **state)
{
	return test_db_fixture_setup(state, "history", sizeof(fixture));
}

#define teardown test_db_fixture_teardown

/* ---- the fixture: scan, fix, scan, test ---- */

static void add_vm(store *s, int64_t scan, const char *moref, const char *name, power_state pw,
		   const char *uuid, vm_status status, quiesce_level pred, bool r07, bool r09)
{
	char err[256] = "";
	vm_facts f;
	verdict v;
	model_vm_facts_init(&f);
	f.moref = xstrdup(moref);
	f.name = xstrdup(name);
	f.config_guest_id = xstrdup("windows9Server64Guest");
	f.power = pw;
	f.tools = TOOLS_RUNNING;
	f.tools_version = 12389;
	f.enable_uuid = uuid ? TRI_YES : TRI_NO;
	f.enable_uuid_raw = xstrdup(uuid);
	f.boot_time = pw == POWER_ON ? T0 - 1000 : 0;
	f.snapshot_count = 0;
	model_verdict_init(&v);
	v.family = OS_WIN2016;
	v.best = LEVEL_APPLICATION;
	v.predicted = pred;
	v.status = status;
	if (r07)
		model_verdict_add(&v, "R07", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_AUTO,
				  "disk.EnableUUID is not TRUE", "absent");
	if (r09)
		model_verdict_add(&v, "R09", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL,
				  "Hard disk 1 is on an IDE controller", NULL);
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), 0);
	model_vm_facts_done(&f);
	model_verdict_done(&v);
}

static void build_fixture(fixture *fx)
{
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	store_connection_info ci = { .server = "vc01.example.com", .user = "admin", .at = T0 };
	fx->conn = store_connection_begin(s, &ci, err, sizeof err);
	assert_true(fx->conn > 0);

	fx->scan1 = store_scan_begin(s, fx->conn, T0 + 10, "{\"vm\":[],\"probe\":true}", err, sizeof err);
	add_vm(s, fx->scan1, "vm-1", "sql-01", POWER_ON, NULL, STATUS_FIXABLE, LEVEL_FILESYSTEM, true, false);
	add_vm(s, fx->scan1, "vm-2", "web-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
	add_vm(s, fx->scan1, "vm-3", "old-ide", POWER_OFF, "TRUE", STATUS_MANUAL, LEVEL_FILESYSTEM, false, true);
	assert_int_equal(store_scan_commit(s, fx->scan1, T0 + 12, err, sizeof err), 0);

	/* the fix of sql-01: shutdown, set disk.EnableUUID, power on */
	assert_int_equal(store_begin(s, err, sizeof err), 0);
	fx->plan = store_plan_create(s, fx->conn, fx->scan1, T0 + 100, "{\"concurrency\":4}", err, sizeof err);
	fx->plan_vm = store_plan_vm_add(s, fx->plan, "vm-1", "sql-01", POWER_ON, err, sizeof err);
	static const store_step_def defs[] = {
		{ 1, "shutdown_guest", "R07", "Shut the guest down" },
		{ 2, STORE_STEP_SET_ENABLE_UUID, "R07", "Set disk.EnableUUID = TRUE" },
		{ 3, "power_on", NULL, "Power on again" },
	};
	int64_t steps[3];
	for (int i = 0; i < 3; i++)
		steps[i] = store_step_add(s, fx->plan_vm, &defs[i], err, sizeof err);
	assert_int_equal(store_commit(s, err, sizeof err), 0);
	assert_int_equal(store_plan_set_state(s, fx->plan, STORE_PLAN_RUNNING, T0 + 101, err, sizeof err), 0);
	static const char *const before[] = { "poweredOn", "(absent)", "poweredOff" };
	static const char *const after[] = { "poweredOff", "TRUE", "poweredOn" };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_step_begin(s, steps[i], T0 + 110 + i * 10, before[i], POWER_ON, err, sizeof err), 0);
		store_task t = { .moref = i == 1 ? "task-77" : NULL, .vm = "vm-1",
				 .kind = "VirtualMachine.reconfigure", .state = STORE_TASK_SUCCESS,
				 .progress = 100, .started_at = T0 + 111, .ended_at = T0 + 112,
				 .step_id = steps[i] };
		if (t.moref) {
			assert_true(store_task_record(s, fx->conn, &t, err, sizeof err) > 0);
			assert_int_equal(store_step_set_task(s, steps[i], "task-77", err, sizeof err), 0);
		}
		assert_int_equal(store_step_end(s, steps[i], STORE_STEP_DONE, T0 + 115 + i * 10, "ok", NULL,
						after[i], err, sizeof err), 0);
	}
	assert_int_equal(store_plan_vm_set_outcome(s, fx->plan_vm, "fixed", "fixed and verified", err, sizeof err), 0);
	assert_int_equal(store_plan_set_state(s, fx->plan, STORE_PLAN_DONE, T0 + 150, err, sizeof err), 0);

	fx->scan2 = store_scan_begin(s, fx->conn, T0 + 200, "{\"vm\":[],\"probe\":true}", err, sizeof err);
	add_vm(s, fx->scan2, "vm-1", "sql-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
	add_vm(s, fx->scan2, "vm-2", "web-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
	add_vm(s, fx->scan2, "vm-4", "new-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
	assert_int_equal(store_scan_commit(s, fx->scan2, T0 + 205, err, sizeof err), 0);

	store_snaptest_def td = { .moref = "vm-2", .vm_name = "web-01",
				  .snapshot_name = "quiescent-test-1", .spec_json = "{\"keep\":false}",
				  .method = "CreateSnapshotEx_Task", .predicted = LEVEL_APPLICATION,
				  .at = T0 + 300 };
	fx->test = store_snaptest_create(s, fx->conn, &td, err, sizeof err);
	assert_true(fx->test > 0);
	assert_int_equal(store_snaptest_set_running(s, fx->test, "task-90", err, sizeof err), 0);
	assert_int_equal(store_snaptest_event_add(s, fx->test, T0 + 301, "task", "task-90 running 50%", err, sizeof err), 0);
	assert_int_equal(store_snaptest_event_add(s, fx->test, T0 + 302, "note", "snapshot removed", err, sizeof err), 0);
	store_writer_result w = { .phase = "manifest", .name = "SqlServerWriter", .writer_id = "{a65f}",
				  .usage = "USER_DATA", .components_json = "[{\"name\":\"master\"}]" };
	assert_int_equal(store_writer_result_add(s, fx->test, &w, err, sizeof err), 0);
	store_snaptest_result r = { .state = STORE_SNAPTEST_REMOVED, .result = "success",
				    .achieved = LEVEL_APPLICATION, .duration_ms = 1234,
				    .manifest_file = "web-01-vss_manifests1.zip", .manifest = "PK\x03\x04zip",
				    .manifest_len = 7, .backup_type = "copy", .snapshot_removed = true,
				    .ended_at = T0 + 303 };
	assert_int_equal(store_snaptest_finish(s, fx->test, &r, err, sizeof err), 0);
	store_close(s);
}

static int setup_fixture(void **state)
{
	if (setup(state) != 0)
		return -1;
	build_fixture(*state);
	return 0;
}

/* ---- timeline ---- */

static size_t list(store *s, const store_history_filter *f, store_history_entry **e)
{
	char err[256] = "";
	size_t n = 0;
	assert_int_equal(store_history_list(s, f, e, &n, err, sizeof err), 0);
	return n;
}

/* --limit N reads the newest scans first and widens until N entries are found: the same
 * entries, in the same order, as the first N of the whole timeline, for every N and filter. */
static void test_timeline_limit_windows(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	/* a third scan of one VM after the test, so the newest scan holds fewer than most N */
	int64_t scan3 = store_scan_begin(s, fx->conn, T0 + 400, NULL, err, sizeof err);
	add_vm(s, scan3, "vm-1", "sql-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
	assert_int_equal(store_scan_commit(s, scan3, T0 + 401, err, sizeof err), 0);
	/* and one more in the same second, the VM unchanged (the same stored state): the later
	 * scan still comes first */
	int64_t scan4 = store_scan_begin(s, fx->conn, T0 + 400, NULL, err, sizeof err);
	add_vm(s, scan4, "vm-1", "sql-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
	assert_int_equal(store_scan_commit(s, scan4, T0 + 401, err, sizeof err), 0);
	store_history_entry *top;
	size_t n_top = list(s, &(store_history_filter){ .limit = 2 }, &top);
	assert_int_equal(n_top, 2);
	assert_int_equal(top[0].id, scan4);
	assert_int_equal(top[1].id, scan3);
	assert_int_equal(top[0].item_id, top[1].item_id);
	store_history_list_free(top, n_top);
	static const store_history_filter filters[] = {
		{ 0 }, { .kinds = STORE_HISTORY_SCAN }, { .outcome = "ready" },
		{ .vcenter = "VC01.example.com" }, { .vm_glob = "*-01" }, { .since = T0 + 100 },
	};
	for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++) {
		store_history_entry *all, *some;
		size_t n_all = list(s, &filters[k], &all);
		assert_true(n_all > 0);
		for (size_t lim = 1; lim <= n_all + 1; lim++) {
			store_history_filter f = filters[k];
			f.limit = lim;
			size_t n = list(s, &f, &some);
			assert_int_equal(n, lim < n_all ? lim : n_all);
			for (size_t i = 0; i < n; i++) {
				assert_int_equal(some[i].kind, all[i].kind);
				assert_int_equal(some[i].id, all[i].id);
				assert_int_equal(some[i].item_id, all[i].item_id);
				assert_string_equal(some[i].summary, all[i].summary);
			}
			store_history_list_free(some, n);
		}
		store_history_list_free(all, n_all);
	}
	store_close(s);
}

typedef struct {
	store_history_entry *v;
	size_t n, cap, stop_after;
} walked;

static int walk_one(const store_history_entry *e, void *ctx)
{
	walked *w = ctx;
	w->v = xgrow(w->v, &w->cap, w->n + 1, sizeof *w->v);
	w->v[w->n] = *e;
	w->v[w->n].summary = xstrdup(e->summary);
	w->v[w->n].details_json = xstrdup(e->details_json);
	w->n++;
	return w->stop_after && w->n == w->stop_after ? 7 : 0;
}

/* The unlimited timeline streamed one scan time at a time (store_history_each) is the whole
 * timeline of store_history_list, entry for entry, in the same order, under every filter,
 * including fixes and tests newer than the newest scan and between scans, and two scans in
 * the same second. A callback's non-zero return stops the walk and comes back. */
static void test_timeline_each(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	for (int k = 0; k < 2; k++) {
		int64_t sc = store_scan_begin(s, fx->conn, T0 + 400, NULL, err, sizeof err);
		add_vm(s, sc, "vm-1", "sql-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
		add_vm(s, sc, "vm-2", "web-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
		assert_int_equal(store_scan_commit(s, sc, T0 + 401, err, sizeof err), 0);
	}
	static const store_history_filter filters[] = {
		{ 0 }, { .kinds = STORE_HISTORY_SCAN }, { .kinds = STORE_HISTORY_FIX | STORE_HISTORY_SNAPTEST },
		{ .outcome = "ready" }, { .vcenter = "VC01.example.com" }, { .vcenter = "vc02" },
		{ .vm_glob = "*-01" }, { .since = T0 + 100 }, { .until = T0 + 250 },
		{ .since = T0 + 11, .until = T0 + 399 }, { .since = T0 + 400, .until = T0 + 400 },
		{ .limit = 3 },
	};
	for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++) {
		store_history_entry *all;
		size_t n_all = list(s, &filters[k], &all);
		walked w = { 0 };
		assert_int_equal(store_history_each(s, &filters[k], walk_one, &w, err, sizeof err), 0);
		assert_int_equal(w.n, n_all);
		for (size_t i = 0; i < n_all; i++) {
			assert_int_equal(w.v[i].kind, all[i].kind);
			assert_int_equal(w.v[i].id, all[i].id);
			assert_int_equal(w.v[i].item_id, all[i].item_id);
			assert_int_equal(w.v[i].at, all[i].at);
			assert_string_equal(w.v[i].vm, all[i].vm);
			assert_string_equal(w.v[i].summary, all[i].summary);
			assert_string_equal(w.v[i].details_json, all[i].details_json);
		}
		store_history_list_free(w.v, w.n);
		store_history_list_free(all, n_all);
	}
	walked w = { .stop_after = 3 };
	assert_int_equal(store_history_each(s, NULL, walk_one, &w, err, sizeof err), 7);
	assert_int_equal(w.n, 3);
	store_history_list_free(w.v, w.n);
	size_t width = 0;
	assert_int_equal(store_history_name_width(s, &width, err, sizeof err), 0);
	assert_int_equal(width, strlen("old-ide")); /* the longest name ever stored */
	store_close(s);
}

static void test_timeline_filters(void **state)
{
	fixture *fx = *state;
	store *s = test_store_open(fx->db.path);
	store_history_entry *e;
	size_t n = list(s, NULL, &e);
	assert_int_equal(n, 3 + 1 + 3 + 1); /* 6 scanned VMs, 1 fix VM, 1 test */
	assert_int_equal(e[0].kind, STORE_HISTORY_SNAPTEST); /* newest first */
	assert_string_equal(e[0].vm, "web-01");
	assert_string_equal(e[0].outcome, "success");
	assert_int_equal(e[n - 1].kind, STORE_HISTORY_SCAN);
	assert_int_equal(e[n - 1].at, T0 + 10);
	json_value *d = json_parse(e[0].details_json, strlen(e[0].details_json), NULL, 0);
	assert_non_null(d);
	assert_string_equal(json_get_string(d, "achieved_level"), "application");
	assert_non_null(json_get(d, "writers"));
	json_free(d);
	store_history_list_free(e, n);

	store_history_filter f = { .kinds = STORE_HISTORY_FIX };
	n = list(s, &f, &e);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].outcome, "fixed");
	assert_int_equal(e[0].id, fx->plan);
	/* the steps as the plan printed them */
	assert_non_null(strstr(e[0].summary, "Shut the guest down: done; Set disk.EnableUUID = TRUE: done"));
	d = json_parse(e[0].details_json, strlen(e[0].details_json), NULL, 0);
	const json_value *steps = json_get(d, "steps");
	assert_non_null(steps);
	assert_int_equal(steps->n, 3);
	assert_string_equal(json_get_string(&steps->items[1], "before"), "(absent)");
	assert_string_equal(json_get_string(&steps->items[1], "after"), "TRUE");
	json_free(d);
	store_history_list_free(e, n);

	f = (store_history_filter){ .vm_glob = "sql-*" };
	n = list(s, &f, &e);
	assert_int_equal(n, 3); /* two scans and the fix */
	store_history_list_free(e, n);
	f = (store_history_filter){ .vm_glob = "vm-3" }; /* morefs match too */
	n = list(s, &f, &e);
	assert_int_equal(n, 1);
	store_history_list_free(e, n);

	/* One VM exactly (the console's detail): its fix and test, not a glob's neighbours. */
	f = (store_history_filter){ .moref = "vm-1", .kinds = STORE_HISTORY_FIX | STORE_HISTORY_SNAPTEST };
	n = list(s, &f, &e);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].kind, STORE_HISTORY_FIX);
	store_history_list_free(e, n);
	f = (store_history_filter){ .moref = "vm-2", .vcenter = "vc01.example.com" };
	n = list(s, &f, &e);
	assert_int_equal(n, 3); /* the test and two scans */
	assert_int_equal(e[0].kind, STORE_HISTORY_SNAPTEST);
	store_history_list_free(e, n);
	f = (store_history_filter){ .moref = "vm-" };
	n = list(s, &f, &e);
	assert_int_equal(n, 0);
	store_history_list_free(e, n);

	f = (store_history_filter){ .kinds = STORE_HISTORY_SCAN, .outcome = "ready" };
	n = list(s, &f, &e);
	assert_int_equal(n, 4);
	store_history_list_free(e, n);

	f = (store_history_filter){ .since = T0 + 100, .until = T0 + 250 };
	n = list(s, &f, &e);
	assert_int_equal(n, 4); /* fix + scan 2 */
	store_history_list_free(e, n);

	f = (store_history_filter){ .limit = 2, .vcenter = "VC01.example.com" };
	n = list(s, &f, &e);
	assert_int_equal(n, 2);
	store_history_list_free(e, n);
	f = (store_history_filter){ .vcenter = "vc02" };
	n = list(s, &f, &e);
	assert_int_equal(n, 0);
	store_history_list_free(e, n);
	store_close(s);
}

/* ---- records ---- */

static void test_records(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	store_history_record r;

	assert_int_equal(store_history_record_get(s, STORE_HISTORY_SCAN, fx->scan1, 0, &r, err, sizeof err), 1);
	const store_htable *vms = store_history_table(&r, "vms");
	const store_htable *fnd = store_history_table(&r, "findings");
	assert_int_equal(vms->n_rows, 3);
	assert_int_equal(fnd->n_rows, 2);
	assert_string_equal(store_htable_get(fnd, 0, "vm"), "old-ide");
	assert_string_equal(store_htable_get(fnd, 0, "rule"), "R09");
	assert_string_equal(store_htable_get(fnd, 1, "rule"), "R07");
	assert_string_equal(store_htable_get(vms, 1, "name"), "sql-01");
	assert_null(store_htable_get(vms, 1, "enable_uuid")); /* absent */
	store_history_record_done(&r);

	/* one VM of the scan: its findings as they were */
	int64_t vm1 = test_query_i64(fx->db.path, "SELECT id FROM vm_states WHERE moref = 'vm-1' ORDER BY id LIMIT 1");
	assert_int_equal(store_history_record_get(s, STORE_HISTORY_SCAN, fx->scan1, vm1, &r, err, sizeof err), 1);
	assert_int_equal(store_history_table(&r, "vms")->n_rows, 1);
	assert_int_equal(store_history_table(&r, "findings")->n_rows, 1);
	strbuf sb;
	strbuf_init(&sb);
	history_record_output(&sb, &r, SCAN_FORMAT_JSON);
	json_value *doc = json_parse(sb.buf, sb.len, err, sizeof err);
	assert_non_null(doc);
	assert_string_equal(json_get_string(doc, "kind"), "scan");
	assert_string_equal(json_get_string(doc, "started_at"), "2026-11-22T00:00:10Z");
	const json_value *jv = json_get(doc, "vms");
	assert_non_null(json_get(&jv->items[0], "facts_json")); /* inserted as JSON */
	assert_int_equal(json_get(&jv->items[0], "facts_json")->type, JSON_OBJECT);
	json_free(doc);
	store_history_record_done(&r);

	assert_int_equal(store_history_record_get(s, STORE_HISTORY_FIX, fx->plan, 0, &r, err, sizeof err), 1);
	const store_htable *steps = store_history_table(&r, "steps");
	assert_int_equal(steps->n_rows, 3);
	assert_string_equal(store_htable_get(steps, 1, "kind"), STORE_STEP_SET_ENABLE_UUID);
	assert_string_equal(store_htable_get(steps, 1, "before_value"), "(absent)");
	assert_string_equal(store_htable_get(steps, 1, "after_value"), "TRUE");
	assert_string_equal(store_htable_get(steps, 1, "task"), "task-77");
	assert_string_equal(store_htable_get(steps, 1, "task_state"), "success");
	assert_null(store_htable_get(steps, 0, "task_state"));
	bool has_restart = false; /* the column is there (R24), empty: no restart pending */
	for (size_t c = 0; c < steps->n_cols; c++)
		has_restart |= !strcmp(steps->cols[c], "restart_needed");
	assert_true(has_restart);
	assert_null(store_htable_get(steps, 1, "restart_needed"));
	assert_int_equal(store_history_table(&r, "tasks")->n_rows, 1);
	assert_string_equal(store_htable_get(store_history_table(&r, "record"), 0, "state"), "done");
	strbuf_reset(&sb);
	history_record_output(&sb, &r, SCAN_FORMAT_TABLE);
	assert_non_null(strstr(sb.buf, "    value: (absent) -> TRUE\n"));
	store_history_record_done(&r);

	assert_int_equal(store_history_record_get(s, STORE_HISTORY_SNAPTEST, fx->test, 0, &r, err, sizeof err), 1);
	assert_int_equal(store_history_table(&r, "events")->n_rows, 2);
	assert_int_equal(store_history_table(&r, "writers")->n_rows, 1);
	assert_int_equal(r.manifest_len, 7);
	assert_memory_equal(r.manifest, "PK\x03\x04zip", 7);
	assert_string_equal(store_htable_get(store_history_table(&r, "record"), 0, "manifest_bytes"), "7");
	strbuf_reset(&sb);
	history_record_output(&sb, &r, SCAN_FORMAT_CSV);
	assert_non_null(strstr(sb.buf, "writers,1,components_json,\"[{\"\"name\"\":\"\"master\"\"}]\""));
	store_history_record_done(&r);
	strbuf_done(&sb);

	assert_int_equal(store_history_record_get(s, STORE_HISTORY_SNAPTEST, 999, 0, &r, err, sizeof err), 0);
	assert_int_equal(store_history_record_get(s, STORE_HISTORY_FIX, 999, 0, &r, err, sizeof err), 0);
	store_close(s);
}

/* ---- diff ---- */

static const store_diff_vm *diff_vm(const store_scan_diff *d, const char *name)
{
	for (size_t i = 0; i < d->n_vms; i++)
		if (!strcmp(d->vms[i].name, name))
			return &d->vms[i];
	return NULL;
}

/* A document written before defaults were left out: the same facts, spelled out. The VM's
 * state in that scan becomes a state of its own (the later scan keeps the newer document), as
 * in a history converted from version 2, where the two texts were stored apart. */
static void spell_out_defaults(const char *path, int64_t scan, const char *name)
{
	char *q = sqlite3_mprintf("SELECT v.id FROM scan_vms m JOIN vm_states v ON v.id = m.state_id"
				  " WHERE m.scan_id = %lld AND v.name = %Q", (long long)scan, name);
	int64_t old = test_query_i64(path, q);
	sqlite3_free(q);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *sql = sqlite3_mprintf(
		"INSERT INTO vm_states SELECT NULL, randomblob(32), vcenter, moref, name, folder,"
		" is_template, power, guest_os, os_family, tools_status, tools_version, enable_uuid,"
		" snapshot_count, best, predicted, status, n_findings, facts_error, probe_state, probe_at,"
		" probe_error, json_set(facts_json,"
		" '$.is_template', json('false'), '$.facts_error_text', NULL,"
		" '$.tools_upgrade_running', json('false'), '$.enable_uuid_set_at', 0,"
		" '$.probe.error', NULL, '$.probe.writers_known', 'unknown', '$.probe.writers', json('[]'),"
		" '$.probe.vmvss', json('{\"installed\":\"unknown\",\"state\":\"unknown\","
		"\"start\":\"unknown\",\"raw_state\":null}'),"
		" '$.probe.tools_conf_read', json('false'), '$.probe.enable_vss', 'unknown')"
		" FROM vm_states WHERE id = %lld;"
		"INSERT INTO findings (state_id, seq, rule, severity, cap, fix, message, evidence)"
		" SELECT (SELECT max(id) FROM vm_states), seq, rule, severity, cap, fix, message, evidence"
		" FROM findings WHERE state_id = %lld;"
		"UPDATE scan_vms SET state_id = (SELECT max(id) FROM vm_states)"
		" WHERE scan_id = %lld AND state_id = %lld;",
		(long long)old, (long long)old, (long long)scan, (long long)old);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_free(sql);
	sqlite3_close(db);
	/* the two scans now hold two texts of the VM's facts */
	q = sqlite3_mprintf("SELECT count(DISTINCT v.facts_json) FROM scan_vms m"
			    " JOIN vm_states v ON v.id = m.state_id WHERE v.name = %Q", name);
	assert_int_equal(test_query_i64(path, q), 2);
	sqlite3_free(q);
}

static void test_diff(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	/* an older document and a newer one with the same facts are the same */
	spell_out_defaults(fx->db.path, fx->scan1, "web-01");
	store *s = test_store_open(fx->db.path);
	int64_t a, b;
	assert_int_equal(store_history_last_two_scans(s, NULL, &a, &b, err, sizeof err), 1);
	assert_int_equal(a, fx->scan1);
	assert_int_equal(b, fx->scan2);

	store_scan_diff d;
	assert_int_equal(store_history_diff(s, a, b, NULL, &d, err, sizeof err), 0);
	assert_int_equal(d.n_vms, 4);
	const store_diff_vm *v = diff_vm(&d, "sql-01");
	assert_int_equal(v->change, STORE_DIFF_CHANGED);
	assert_string_equal(v->status_a, "fixable");
	assert_string_equal(v->status_b, "ready");
	assert_string_equal(v->predicted_a, "filesystem");
	assert_string_equal(v->predicted_b, "application");
	assert_int_equal(v->n_gone, 1);
	assert_string_equal(v->gone[0], "R07 error: disk.EnableUUID is not TRUE");
	assert_int_equal(v->n_appeared, 0);
	assert_int_equal(v->n_facts, 1);
	assert_string_equal(v->facts[0].fact, "disk.EnableUUID");
	assert_string_equal(v->facts[0].before, "absent");
	assert_string_equal(v->facts[0].after, "TRUE");
	assert_int_equal(v->facts[0].fix_plan_id, fx->plan);
	assert_string_equal(v->facts[0].fix_step, STORE_STEP_SET_ENABLE_UUID);
	assert_int_equal(v->facts[0].fix_at, T0 + 125);
	strbuf sb;
	strbuf_init(&sb);
	history_fact_change_text(&sb, &v->facts[0]);
	char want[128];
	snprintf(want, sizeof want, "disk.EnableUUID: absent -> TRUE (fix #%lld, 2026-11-22 00:02)",
		 (long long)fx->plan);
	assert_string_equal(sb.buf, want);

	assert_int_equal(diff_vm(&d, "web-01")->change, STORE_DIFF_SAME);
	assert_int_equal(diff_vm(&d, "new-01")->change, STORE_DIFF_ADDED);
	assert_int_equal(diff_vm(&d, "old-ide")->change, STORE_DIFF_REMOVED);

	strbuf_reset(&sb);
	history_diff_output(&sb, &d, SCAN_FORMAT_TABLE, false);
	assert_non_null(strstr(sb.buf, "sql-01 (vm-1): fixable -> ready, predicted filesystem -> application"));
	assert_non_null(strstr(sb.buf, "  - R07 error: disk.EnableUUID is not TRUE\n"));
	assert_non_null(strstr(sb.buf, want));
	assert_null(strstr(sb.buf, "web-01"));
	strbuf_reset(&sb);
	history_diff_output(&sb, &d, SCAN_FORMAT_JSON, true);
	json_value *doc = json_parse(sb.buf, sb.len, err, sizeof err);
	assert_non_null(doc);
	assert_int_equal(json_get(doc, "vms")->n, 4);
	json_free(doc);
	strbuf_reset(&sb);
	history_diff_output(&sb, &d, SCAN_FORMAT_CSV, false);
	assert_non_null(strstr(sb.buf, "sql-01,vm-1,changed,disk.EnableUUID,absent,TRUE,"));
	store_scan_diff_done(&d);

	/* the other way round: the fix did not happen between them, so nothing is linked */
	assert_int_equal(store_history_diff(s, b, a, "sql-*", &d, err, sizeof err), 0);
	assert_int_equal(d.n_vms, 1);
	assert_int_equal(d.vms[0].facts[0].fix_plan_id, 0);
	store_scan_diff_done(&d);

	assert_int_equal(store_history_diff(s, a, 999, NULL, &d, err, sizeof err), -1);
	assert_non_null(strstr(err, "there is no scan 999"));
	strbuf_done(&sb);
	store_close(s);
}

/* ---- trends ---- */

static void test_trends(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	store_trend_point *p;
	size_t n;
	assert_int_equal(store_history_trends(s, NULL, &p, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].scan_id, fx->scan1); /* oldest first */
	assert_int_equal(p[0].ready, 1);
	assert_int_equal(p[0].fixable, 1);
	assert_int_equal(p[0].manual, 1);
	assert_int_equal(p[0].total, 3);
	assert_false(p[0].partial);
	assert_int_equal(p[1].ready, 3);
	assert_int_equal(p[1].fixable, 0);
	strbuf sb;
	strbuf_init(&sb);
	history_trends_svg(&sb, p, n, 600, 200);
	assert_non_null(strstr(sb.buf, "<svg"));
	assert_non_null(strstr(sb.buf, "class=\"bar-ready\""));
	strbuf_reset(&sb);
	history_trends_output(&sb, p, n, SCAN_FORMAT_CSV);
	assert_non_null(strstr(sb.buf, "scan_id,at,vcenter,partial,ready,fixable,manual,unknown,n/a,total\r\n"));
	strbuf_done(&sb);
	free(p);
	store_history_filter f = { .limit = 1 };
	assert_int_equal(store_history_trends(s, &f, &p, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].scan_id, fx->scan2); /* the newest */
	free(p);
	store_close(s);
}

/* ---- outputs and the report ---- */

static void test_outputs_and_report(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	store_history_entry *e;
	size_t n = list(s, NULL, &e);
	strbuf sb;
	strbuf_init(&sb);
	history_list_output(&sb, e, n, SCAN_FORMAT_JSON);
	json_value *doc = json_parse(sb.buf, sb.len, err, sizeof err);
	assert_non_null(doc);
	const json_value *recs = json_get(doc, "records");
	assert_int_equal(recs->n, n);
	for (size_t i = 0; i < recs->n; i++) {
		assert_non_null(json_get_string(&recs->items[i], "kind"));
		assert_non_null(json_get_string(&recs->items[i], "at"));
		assert_non_null(json_get_string(&recs->items[i], "vm"));
		assert_int_equal(json_get(&recs->items[i], "details")->type, JSON_OBJECT);
	}
	json_free(doc);
	strbuf_reset(&sb);
	history_list_output(&sb, e, n, SCAN_FORMAT_CSV);
	static const char csv_head[] =
		"kind,at,vcenter,vm,moref,outcome,id,summary\r\nsnaptest,2026-11-22T00:05:00Z,";
	assert_memory_equal(sb.buf, csv_head, sizeof csv_head - 1);
	strbuf_reset(&sb);
	history_list_output(&sb, e, n, SCAN_FORMAT_TABLE);
	assert_non_null(strstr(sb.buf, "2026-11-22 00:05  "));
	assert_non_null(strstr(sb.buf, "  snaptest  "));
	store_history_list_free(e, n);

	strbuf_reset(&sb);
	assert_int_equal(report_build(s, NULL, REPORT_HTML, T0 + 400, &sb, err, sizeof err), 0);
	assert_true(!strncmp(sb.buf, "<!DOCTYPE html>", 15));
	assert_non_null(strstr(sb.buf, "<svg"));
	assert_non_null(strstr(sb.buf, "disk.EnableUUID: absent -&gt; TRUE (fix #"));
	assert_null(strstr(sb.buf, "http://"));
	assert_null(strstr(sb.buf, "https://"));
	assert_null(strstr(sb.buf, "<script"));
	assert_null(strstr(sb.buf, "src="));
	strbuf_reset(&sb);
	assert_int_equal(report_build(s, NULL, REPORT_JSON, T0 + 400, &sb, err, sizeof err), 0);
	doc = json_parse(sb.buf, sb.len, err, sizeof err);
	assert_non_null(doc);
	assert_int_equal(json_get(json_get(doc, "fixes"), "records")->n, 1);
	assert_int_equal(json_get(json_get(doc, "trends"), "trends")->n, 2);
	json_free(doc);
	strbuf_reset(&sb);
	assert_int_equal(report_build(s, NULL, REPORT_CSV, T0 + 400, &sb, err, sizeof err), 0);
	assert_non_null(strstr(sb.buf, "\r\nfix,"));
	assert_non_null(strstr(sb.buf, "\r\ntrend,"));
	strbuf_done(&sb);
	store_close(s);
}

static void test_parse_time(void **state)
{
	time_t now = T0, t;
	assert_int_equal(time_parse_user("7d", now, &t), 0);
	assert_int_equal(t, T0 - 7 * 86400);
	assert_int_equal(time_parse_user("12h", now, &t), 0);
	assert_int_equal(t, T0 - 12 * 3600);
	assert_int_equal(time_parse_user("2w", now, &t), 0);
	assert_int_equal(t, T0 - 14 * 86400);
	assert_int_equal(time_parse_user("now", now, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(time_parse_user("@1795300000", now, &t), 0);
	assert_int_equal(t, 1795300000);
	assert_int_equal(time_parse_user("2026-11-22", now, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(time_parse_user("2026-11-22T10:04:00Z", now, &t), 0);
	char buf[32];
	assert_string_equal(time_iso(t, buf, sizeof buf, "-"), "2026-11-22T10:04:00Z");
	assert_int_equal(time_parse_user("2026-11-22 10:04", now, &t), 0);
	assert_string_equal(time_iso(t, buf, sizeof buf, "-"), "2026-11-22T10:04:00Z");
	assert_int_equal(time_parse_user("2026-11-22T12:04+02:00", now, &t), 0);
	assert_string_equal(time_iso(t, buf, sizeof buf, "-"), "2026-11-22T10:04:00Z");
	static const char *const bad[] = { "", "7x", "d", "2026-13-01", "2026-11-22T25:00",
					   "2026-11-22Tx", "yesterday", "@", "-3d", "2026-11-22Z1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(time_parse_user(bad[i], now, &t), -1);
}

/* ---- retention ---- */

static void test_vacuum(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	/* an unfinished plan (recovery needs it) and old events and messages */
	int64_t p2 = store_plan_create(s, fx->conn, 0, T0 + 5, NULL, err, sizeof err);
	assert_int_equal(store_plan_set_state(s, p2, STORE_PLAN_RUNNING, T0 + 6, err, sizeof err), 0);
	assert_int_equal(store_event_add(s, fx->conn, 1, "vm-1", T0 + 1, "VmReconfiguredEvent", "admin", "x", err, sizeof err), 0);
	assert_int_equal(store_message_add(s, T0 + 1, "info", "test", NULL, "old", err, sizeof err), 0);
	assert_int_equal(store_message_add(s, T0 + 500, "info", "test", NULL, "new", err, sizeof err), 0);

	/* keep everything from T0 + 150 on: scan 1, the fix (updated T0 + 150 - kept: not older),
	 * old event and message go */
	store_vacuum_stats st;
	assert_int_equal(store_history_vacuum(s, T0 + 150, T0 + 150, &st, err, sizeof err), 0);
	assert_int_equal(st.scans, 1);
	/* scan 1's states of sql-01 and old-ide went with it; web-01's, unchanged in scan 2, stays */
	assert_int_equal(st.states, 2);
	assert_int_equal(st.plans, 0);
	assert_int_equal(st.snaptests, 0);
	assert_int_equal(st.events, 1);
	assert_int_equal(st.messages, 1);
	assert_int_equal(st.connections, 0);
	assert_true(st.bytes_after > 0);
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scan_vms"), 3);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM vm_states"), 3);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM vm_states WHERE id NOT IN"
					" (SELECT state_id FROM scan_vms)"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM findings"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT scan_id IS NULL FROM plans WHERE id = 1"), 1);

	/* everything old: the newest scan and the running plan stay, with their connection */
	s = test_store_open(fx->db.path);
	/* the proof is kept longer: everything else is old, the fix and the test are not yet */
	assert_int_equal(store_history_vacuum(s, T0 + 100000, T0, &st, err, sizeof err), 0);
	assert_int_equal(st.plans, 0);
	assert_int_equal(st.snaptests, 0);
	assert_int_equal(st.states, 0);
	assert_int_equal(st.messages, 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM steps"), 3);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM snaptest_events"), 2);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM tasks WHERE step_id IS NOT NULL"), 1);
	assert_int_equal(store_history_vacuum(s, T0 + 100000, T0 + 100000, &st, err, sizeof err), 0);
	assert_int_equal(st.scans, 0);
	assert_int_equal(st.plans, 1);
	assert_int_equal(st.snaptests, 1);
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM plans WHERE state = 'running'"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM steps"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM tasks"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM snaptest_events"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM connections"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	s = test_store_open(fx->db.path); /* integrity check on open */
	store_close(s);
}

/* The retention settings file (frontend/retention.c): what it accepts, the sentence for what
 * it does not, and what a scan then deletes (store_history_prune, no VACUUM). */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_retention_settings(void **state)
{
	fixture *fx = *state;
	char err[768] = "", path[192], want[512];
	snprintf(path, sizeof path, "%s/retention", fx->db.dir);
	retention_conf c;
	/* none: no default retention */
	assert_int_equal(retention_load(path, &c, err, sizeof err), 0);
	assert_int_equal(c.keep_days, 0);
	assert_int_equal(retention_apply(NULL, &c, T0, err, sizeof err), 0);
	retention_done(&c);
	static const struct { const char *text; int line; } bad[] = {
		{ "keep\n", 1 }, { "keep 0\n", 1 }, { "# ok\nkeep 30 days\n", 2 },
		{ "keep 30\nkeep-proof x\n", 2 }, { "keep 36501\n", 1 }, { "kep 30\n", 1 },
		{ "keep -3\n", 1 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(path, bad[i].text);
		assert_int_equal(retention_load(path, &c, err, sizeof err), -1);
		snprintf(want, sizeof want, "the retention settings %s, line %d: expected 'keep DAYS' "
			 "or 'keep-proof DAYS' (1 to 36500 days)", path, bad[i].line);
		assert_string_equal(err, want);
		assert_int_equal(c.keep_days, 0);
	}
	/* the default path, unreadable (a symlink loop): the sentence names it (it is freed after) */
	char cfg[192], loop[256];
	snprintf(cfg, sizeof cfg, "%s/cfg", fx->db.dir);
	snprintf(loop, sizeof loop, "%s/quiescent", cfg);
	assert_int_equal(mkdir(cfg, 0700), 0);
	assert_int_equal(mkdir(loop, 0700), 0);
	snprintf(loop, sizeof loop, "%s/quiescent/retention", cfg);
	assert_int_equal(symlink(loop, loop), 0);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	assert_int_equal(retention_load(NULL, &c, err, sizeof err), -1);
	unsetenv("XDG_CONFIG_HOME");
	snprintf(want, sizeof want, "cannot read the retention settings %s: %s", loop, strerror(ELOOP));
	assert_string_equal(err, want);
	assert_null(c.path);
	unlink(loop);

	write_text(path, "keep-proof 30\n");
	assert_int_equal(retention_load(path, &c, err, sizeof err), -1);
	snprintf(want, sizeof want, "the retention settings %s give keep-proof without keep DAYS", path);
	assert_string_equal(err, want);

	/* the proof outlives the scans: a year at least unless keep-proof says otherwise */
	write_text(path, "# scans a day\n  keep 1   # comment\n\nkeep-proof 3\n");
	assert_int_equal(retention_load(path, &c, err, sizeof err), 0);
	assert_int_equal(c.keep_days, 1);
	assert_int_equal(retention_proof_days(&c, 1), 3);
	retention_conf plain = { .keep_days = 30 };
	assert_int_equal(retention_proof_days(&plain, 30), 365);
	assert_int_equal(retention_proof_days(&plain, 400), 400);

	/* a day after T0 + 150: scan 1 goes (scan 2 and the fix and test, three days, stay) */
	store *s = test_store_open(fx->db.path);
	assert_int_equal(retention_apply(s, &c, T0 + 150 + 86400, err, sizeof err), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM vm_states WHERE id NOT IN"
					" (SELECT state_id FROM scan_vms)"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM plans"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM snaptests"), 1);
	/* three days later the proof goes too; the newest scan of a vCenter never does */
	assert_int_equal(retention_apply(s, &c, T0 + 1000 + 3 * 86400, err, sizeof err), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM plans"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM snaptests"), 0);
	store_close(s);
	retention_done(&c);
}

/* ---- migrations: from every earlier version to this one ---- */

static void check_current_schema(const char *path)
{
	assert_int_equal(test_query_i64(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	static const char *const indexes[] = { "plans_created", "plans_connection", "plans_scan",
					       "snaptests_created", "snaptests_connection",
					       "tasks_started", "events_at", "vm_states_moref",
					       "vm_states_name", "vm_states_probe_ok", "findings_rule" };
	for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '%s'",
			 indexes[i]);
		assert_int_equal(test_query_i64(path, sql), 1);
	}
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* v4: who runs a plan or a test */
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM pragma_table_info('plans')"
					      " WHERE name IN ('owner_host', 'owner_pid', 'owner_since',"
					      " 'owner_lock', 'recovered_at')"), 5);
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM pragma_table_info('snaptests')"
					      " WHERE name IN ('owner_host', 'owner_pid', 'owner_since',"
					      " 'owner_lock')"), 4);
	/* version 3: the VM rows of a scan are references to stored states */
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
					" ('v3_hash', 'findings_v3', 'scan_vms_v3')"), 0);
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM pragma_table_info('scan_vms')"), 2);
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM scan_vms WHERE state_id NOT IN"
					" (SELECT id FROM vm_states)"), 0);
}

static void test_migrate_from_v0(void **state)
{
	fixture *fx = *state;
	FILE *f = fopen(fx->db.path, "w"); /* an empty file: version 0 */
	fclose(f);
	store *s = test_store_open(fx->db.path);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	check_current_schema(fx->db.path);
}

static void test_migrate_from_v1_with_data(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	/* a v1 file as the previous build wrote it */
	store *s = store_open_with(fx->db.path, store_migrations, 1, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), 1);
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM sqlite_master WHERE name = 'plans_created'"), 0);
	/* with data in every table a history query reads */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->db.path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO connections VALUES (1, 'vc01', 'admin', '7.0', NULL, NULL, NULL, 100, 200);"
		"INSERT INTO scans VALUES (1, 1, 110, 120, '{\"vm\":[]}', 1);"
		"INSERT INTO scan_vms (id, scan_id, moref, name, power, os_family, tools_status, best,"
		" predicted, status, n_findings, probe_state, facts_json) VALUES (1, 1, 'vm-1', 'a',"
		" 'poweredOn', 'win2016', 'running', 'application', 'filesystem', 'fixable', 1, 'ok',"
		" '{\"format\":1,\"moref\":\"vm-1\"}');"
		"INSERT INTO findings VALUES (1, 1, 1, 'R07', 'error', 'filesystem', 'auto', 'm', NULL);"
		"INSERT INTO plans VALUES (1, 1, 1, 130, 140, NULL, 'done');"
		"INSERT INTO plan_vms VALUES (1, 1, 'vm-1', 'a', 'poweredOn', 'fixed', NULL);"
		"INSERT INTO steps (id, plan_vm_id, seq, kind, state, ended_at, before_value, after_value)"
		" VALUES (1, 1, 1, 'set_enable_uuid', 'done', 135, '(absent)', 'TRUE');"
		"INSERT INTO snaptests (id, connection_id, moref, vm_name, snapshot_name, spec_json,"
		" state, created_at, result) VALUES (1, 1, 'vm-1', 'a', 's', '{}', 'removed', 150, 'success');",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	s = test_store_open(fx->db.path); /* migrates 1 -> 2 */
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_history_entry *e;
	size_t n = list(s, NULL, &e);
	assert_int_equal(n, 3);
	assert_int_equal(e[0].kind, STORE_HISTORY_SNAPTEST);
	assert_int_equal(e[2].kind, STORE_HISTORY_SCAN);
	store_history_list_free(e, n);
	store_close(s);
	check_current_schema(fx->db.path);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM steps WHERE after_value = 'TRUE'"), 1);
}

static void test_migrate_from_v2_owners(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = store_open_with(fx->db.path, store_migrations, 2, err, sizeof err);
	assert_non_null(s);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->db.path, &db), SQLITE_OK);
	/* v2: a plan recovered (interrupted), one a dead process left running, a test likewise */
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO connections VALUES (1, 'vc01', 'admin', '7.0', NULL, NULL, NULL, 100, 200);"
		"INSERT INTO plans VALUES (1, 1, NULL, 130, 140, NULL, 'interrupted');"
		"INSERT INTO plans VALUES (2, 1, NULL, 150, 160, NULL, 'running');"
		"INSERT INTO snaptests (id, connection_id, moref, vm_name, snapshot_name, spec_json,"
		" state, created_at) VALUES (1, 1, 'vm-1', 'a', 's', '{}', 'running', 170);",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = test_store_open(fx->db.path); /* migrates 2 -> 4 */
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	/* The interrupted plan was recovered before v4; the running one, owned by nobody alive
	 * (no owner recorded), is to recover; so is the test. */
	assert_int_equal(test_query_i64(fx->db.path, "SELECT recovered_at FROM plans WHERE id = 1"), 140);
	int64_t ids[4];
	assert_int_equal(store_plans_unfinished(s, "vc01", ids, 4, err, sizeof err), 1);
	assert_int_equal(ids[0], 2);
	store_snaptest_ref refs[2];
	assert_int_equal(store_snaptest_unfinished(s, "vc01", refs, 2, err, sizeof err), 1);
	store_close(s);
	check_current_schema(fx->db.path);
}

/* ---- v2 -> v3: scans by content ---- */

/* Every VM of every scan with all it stored, one line each, in the v2 shape (one row per VM
 * per scan) and in the v3 shape (scan_vms -> vm_states): a conversion must not change it. */
#define DUMP_COLS(SCAN, FKEY) \
	"SELECT group_concat(line, char(10)) FROM (SELECT quote(" SCAN ") || '|' ||" \
	" quote(v.moref) || quote(v.name) || quote(v.folder) || quote(v.is_template) ||" \
	" quote(v.power) || quote(v.guest_os) || quote(v.os_family) || quote(v.tools_status) ||" \
	" quote(v.tools_version) || quote(v.enable_uuid) || quote(v.snapshot_count) ||" \
	" quote(v.best) || quote(v.predicted) || quote(v.status) || quote(v.n_findings) ||" \
	" quote(v.facts_error) || quote(v.probe_state) || quote(v.probe_at) ||" \
	" quote(v.probe_error) || quote(v.facts_json) || '|' || coalesce((SELECT" \
	" group_concat(quote(seq) || quote(rule) || quote(severity) || quote(cap) || quote(fix) ||" \
	" quote(message) || quote(evidence), ';') FROM (SELECT * FROM findings f" \
	" WHERE f." FKEY " = v.id ORDER BY seq)), '') AS line"
static const char dump_v2[] = DUMP_COLS("v.scan_id", "scan_vm_id")
	" FROM scan_vms v ORDER BY v.scan_id, v.moref)";
static const char dump_v3[] = DUMP_COLS("m.scan_id", "state_id")
	" FROM scan_vms m JOIN vm_states v ON v.id = m.state_id ORDER BY m.scan_id, v.moref)";

static char *query_str(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *v = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_non_null(v);
	return v;
}

/* A version 2 history at dst holding what the fixture at src holds, one row per VM per scan
 * as version 2 wrote it. */
static void write_v2_copy(const char *src, const char *dst)
{
	char err[512] = "";
	store *s = store_open_with(dst, store_migrations, 2, err, sizeof err);
	assert_non_null(s);
	store_close(s);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dst, &db), SQLITE_OK);
	char *sql = sqlite3_mprintf(
		"ATTACH %Q AS a;"
		"INSERT INTO connections SELECT * FROM a.connections;"
		"INSERT INTO scans (id, connection_id, started_at, finished_at, options_json, n_vms)"
		" SELECT id, connection_id, started_at, finished_at, options_json, n_vms FROM a.scans;"
		"INSERT INTO scan_vms (scan_id, moref, name, folder, is_template, power, guest_os,"
		" os_family, tools_status, tools_version, enable_uuid, snapshot_count, best, predicted,"
		" status, n_findings, facts_error, probe_state, probe_at, probe_error, facts_json)"
		" SELECT m.scan_id, v.moref, v.name, v.folder, v.is_template, v.power, v.guest_os,"
		" v.os_family, v.tools_status, v.tools_version, v.enable_uuid, v.snapshot_count, v.best,"
		" v.predicted, v.status, v.n_findings, v.facts_error, v.probe_state, v.probe_at,"
		" v.probe_error, v.facts_json FROM a.scan_vms m JOIN a.vm_states v ON v.id = m.state_id"
		" ORDER BY m.scan_id, v.moref;"
		"INSERT INTO findings (scan_vm_id, seq, rule, severity, cap, fix, message, evidence)"
		" SELECT sv.id, f.seq, f.rule, f.severity, f.cap, f.fix, f.message, f.evidence"
		" FROM scan_vms sv JOIN a.scan_vms m ON m.scan_id = sv.scan_id"
		" JOIN a.vm_states v ON v.id = m.state_id AND v.moref = sv.moref"
		" JOIN a.findings f ON f.state_id = v.id ORDER BY sv.id, f.seq;"
		"DETACH a;", src);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	sqlite3_close(db);
}

static const char sql_hashes[] = "SELECT group_concat(h, ',') FROM"
				 " (SELECT hex(hash) AS h FROM vm_states ORDER BY h)";

static void test_migrate_v2_by_content(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	char v2[192];
	snprintf(v2, sizeof v2, "%s/v2.db", fx->db.dir);
	write_v2_copy(fx->db.path, v2);
	assert_int_equal(test_query_i64(v2, "PRAGMA user_version"), 2);
	assert_int_equal(test_query_i64(v2, "SELECT count(*) FROM scan_vms"), 6);
	char *before = query_str(v2, dump_v2);

	store *s = test_store_open(v2); /* converts 2 -> 3 */
	store_close(s);
	check_current_schema(v2);
	char *after = query_str(v2, dump_v3);
	assert_string_equal(before, after);
	/* web-01 was the same in both scans: one state for the two */
	assert_int_equal(test_query_i64(v2, "SELECT count(*) FROM scan_vms"), 6);
	assert_int_equal(test_query_i64(v2, "SELECT count(*) FROM vm_states"), 5);
	/* SQL hashed the old rows exactly as the write path hashes a VM */
	char *h_written = query_str(fx->db.path, sql_hashes), *h_converted = query_str(v2, sql_hashes);
	assert_string_equal(h_written, h_converted);
	free(h_written);
	free(h_converted);
	/* the counts per status of every scan, as the write path sets them at commit */
	static const char counts[] = "SELECT group_concat(c, ' ') FROM (SELECT id || ':' || n_ready ||"
				     " n_fixable || n_manual || n_unknown || n_na || '/' || n_vms AS c"
				     " FROM scans ORDER BY id)";
	char *c_written = query_str(fx->db.path, counts), *c_converted = query_str(v2, counts);
	assert_string_equal(c_written, c_converted);
	assert_string_equal(c_written, "1:11100/3 2:30000/3");
	free(c_written);
	free(c_converted);

	/* so a rescan that finds the VMs unchanged adds no state */
	s = test_store_open(v2);
	int64_t scan3 = store_scan_begin(s, fx->conn, T0 + 300, NULL, err, sizeof err);
	add_vm(s, scan3, "vm-1", "sql-01", POWER_ON, "TRUE", STATUS_READY, LEVEL_APPLICATION, false, false);
	add_vm(s, scan3, "vm-3", "old-ide", POWER_OFF, "TRUE", STATUS_MANUAL, LEVEL_FILESYSTEM, false, true);
	assert_int_equal(store_scan_commit(s, scan3, T0 + 301, err, sizeof err), 0);
	store_history_entry *e;
	size_t n = list(s, &(store_history_filter){ .moref = "vm-3" }, &e);
	assert_int_equal(n, 2); /* in scan 1 and scan 3 */
	store_history_list_free(e, n);
	store_close(s);
	assert_int_equal(test_query_i64(v2, "SELECT count(*) FROM vm_states"), 5);
	assert_int_equal(test_query_i64(v2, "SELECT count(*) FROM scan_vms"), 8);
	free(before);
	free(after);
}

/* A conversion that fails or is killed half-way leaves the version 2 file as it was. */
static int hang_fd = -1;

static void sql_hang(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	if (write(hang_fd, "x", 1) != 1)
		_exit(3);
	for (;;)
		pause(); /* inside the conversion's transaction, until SIGKILL */
	sqlite3_result_null(ctx);
}

static int register_hang(sqlite3 *db, char **msg, const void *api)
{
	(void)msg;
	(void)api;
	return sqlite3_create_function(db, "test_hang", 0, SQLITE_UTF8, NULL, sql_hang, NULL, NULL);
}

/* This build's migrations with `tail` appended to the last step: a failure or a hang after
 * every step before it ran, inside the one transaction they all share. */
static const char **migrations_ending_with(const char *tail, char **last)
{
	const char **migs = xcalloc(STORE_SCHEMA_VERSION, sizeof *migs);
	for (size_t i = 0; i < STORE_SCHEMA_VERSION; i++)
		migs[i] = store_migrations[i];
	*last = xasprintf("%s %s", store_migrations[STORE_SCHEMA_VERSION - 1], tail);
	migs[STORE_SCHEMA_VERSION - 1] = *last;
	return migs;
}

/* The file is the version 2 history it was: the old build opens it as its own (its
 * migrations, no refusal as newer, its integrity check), every row reads as before. */
static void check_still_v2(const char *path, const char *before)
{
	char err[512] = "";
	assert_int_equal(test_query_i64(path, "PRAGMA user_version"), 2);
	store *old = store_open_with(path, store_migrations, 2, err, sizeof err);
	if (!old)
		fail_msg("the version 2 build cannot open it: %s", err);
	assert_int_equal(store_schema_version(old), 2);
	store_close(old);
	char *now = query_str(path, dump_v2);
	assert_string_equal(before, now);
	free(now);
}

/* The new build opens it, converts it, and reads every VM of every scan as before. */
static void check_converts(const char *path, const char *before)
{
	store *s = test_store_open(path);
	store_history_entry *e;
	size_t n = list(s, &(store_history_filter){ 0 }, &e);
	assert_true(n >= 6); /* the timeline reads the converted scans (and the rest) */
	store_history_list_free(e, n);
	store_close(s);
	check_current_schema(path);
	char *now = query_str(path, dump_v3);
	assert_string_equal(before, now);
	free(now);
}

static void test_migrate_v2_interrupted(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	char v2[192];
	snprintf(v2, sizeof v2, "%s/v2.db", fx->db.dir);
	write_v2_copy(fx->db.path, v2);
	char *before = query_str(v2, dump_v2);

	/* a failure at the very end of the last step (every table already rebuilt) */
	char *failing;
	const char **migs = migrations_ending_with("SELECT no_such_function();", &failing);
	assert_null(store_open_with(v2, migs, STORE_SCHEMA_VERSION, err, sizeof err));
	char want[128];
	snprintf(want, sizeof want, "from schema %d to %d failed", STORE_SCHEMA_VERSION - 1,
		 STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "it was left at schema 2"));
	free(failing);
	free(migs);
	check_still_v2(v2, before);

	/* killed in the middle of it */
	char *hanging;
	migs = migrations_ending_with("SELECT test_hang();", &hanging);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		hang_fd = fds[1];
		sqlite3_auto_extension((void (*)(void))register_hang);
		store_open_with(v2, migs, STORE_SCHEMA_VERSION, err, sizeof err);
		_exit(2); /* not reached: the conversion hangs until killed */
	}
	close(fds[1]);
	char c;
	assert_int_equal(read(fds[0], &c, 1), 1); /* the child is inside the conversion */
	close(fds[0]);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	free(hanging);
	free(migs);
	check_still_v2(v2, before);

	/* and the next start converts it */
	check_converts(v2, before);
	free(before);
}

/* The disk fills up during the conversion: a child process opens the version 2 file with
 * its file size limit (RLIMIT_FSIZE) at `limit` bytes, so the kernel refuses the writes past
 * it (a short write, then EFBIG, where a full disk gives ENOSPC: SQLite says "disk I/O error"
 * instead of "database or disk is full", and rolls back alike). Returns 0 converted, 1 refused
 * (err says why). */
static int open_with_size_limit(const char *path, long limit, char *err, size_t errlen)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails instead of killing */
		struct rlimit rl = { .rlim_cur = (rlim_t)limit, .rlim_max = (rlim_t)limit };
		char msg[512] = "";
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		store *s = store_open(path, msg, sizeof msg);
		if (s)
			store_close(s);
		ssize_t k = write(fds[1], msg, strlen(msg));
		_exit(k < 0 ? 3 : s ? 0 : 1);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t k;
	while (got + 1 < errlen && (k = read(fds[0], err + got, errlen - 1 - got)) > 0)
		got += (size_t)k;
	err[got] = '\0';
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) <= 1);
	return WEXITSTATUS(status);
}

/* Every size the disk could fill up at, from nothing to enough: each time the version 2 file
 * stays usable by the old build, until the conversion fits and the new build reads it. */
static void test_migrate_v2_disk_full(void **state)
{
	fixture *fx = *state;
	char v2[192];
	snprintf(v2, sizeof v2, "%s/v2.db", fx->db.dir);
	write_v2_copy(fx->db.path, v2);
	char *before = query_str(v2, dump_v2);
	int failed_in_upgrade = 0;
	long limit = 0;
	for (;; limit += 3000) { /* not a page multiple: writes are cut in the middle too */
		assert_true(limit < 16L << 20);
		char err[1024];
		if (open_with_size_limit(v2, limit, err, sizeof err) == 0)
			break;
		assert_non_null(strstr(err, v2)); /* one sentence naming the history */
		if (strstr(err, "upgrading the history")) {
			failed_in_upgrade++;
			assert_non_null(strstr(err, "it was left at schema 2"));
		}
		check_still_v2(v2, before);
	}
	/* the disk filled up inside the conversion's commit, not only before it */
	assert_true(failed_in_upgrade >= 2);
	check_converts(v2, before);
	free(before);
}

/* ---- two processes, and a killed writer ---- */

#define ROUNDS 40
#define VMS_PER_SCAN 20

/* One scan of VMS_PER_SCAN VMs in one transaction, through our store code. */
static int write_scan(store *s, int64_t conn, int tag)
{
	char err[512] = "";
	int64_t scan = store_scan_begin(s, conn, T0 + tag, NULL, err, sizeof err);
	if (scan < 0) {
		fprintf(stderr, "child %d: %s\n", tag, err);
		return -1;
	}
	for (int i = 0; i < VMS_PER_SCAN; i++) {
		vm_facts f;
		verdict v;
		model_vm_facts_init(&f);
		model_verdict_init(&v);
		f.moref = xasprintf("vm-%d", i);
		f.name = xasprintf("p%d-%d", tag, i);
		v.status = STATUS_READY;
		int rc = store_scan_add_vm(s, scan, &f, &v, err, sizeof err);
		model_vm_facts_done(&f);
		model_verdict_done(&v);
		if (rc != 0) {
			store_scan_abort(s, scan);
			return -1;
		}
	}
	return store_scan_commit(s, scan, T0 + tag, err, sizeof err);
}

/* A child process: opens its own store and writes `rounds` scans (forever when 0). */
static void child_writer(const char *path, int id, int rounds, int ready_fd)
{
	char err[512] = "";
	store *s = store_open(path, err, sizeof err);
	if (!s) {
		fprintf(stderr, "child %d: %s\n", id, err);
		_exit(2);
	}
	store_connection_info ci = { .server = "vc01", .user = "u", .at = T0 };
	int64_t conn = store_connection_begin(s, &ci, err, sizeof err);
	if (conn < 0)
		_exit(3);
	if (ready_fd >= 0) {
		/* open a transaction, write half a scan, tell the parent, and wait to be killed */
		int64_t scan = store_scan_begin(s, conn, T0, NULL, err, sizeof err);
		for (int i = 0; i < VMS_PER_SCAN / 2; i++) {
			vm_facts f;
			verdict v;
			model_vm_facts_init(&f);
			model_verdict_init(&v);
			f.moref = xasprintf("vm-%d", i);
			f.name = xasprintf("half-%d", i);
			store_scan_add_vm(s, scan, &f, &v, err, sizeof err);
			model_vm_facts_done(&f);
			model_verdict_done(&v);
		}
		if (write(ready_fd, "x", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	for (int r = 0; rounds == 0 || r < rounds; r++)
		if (write_scan(s, conn, id * 1000 + r) != 0)
			_exit(1);
	store_close(s);
	_exit(0);
}

static void test_two_processes_write(void **state)
{
	fixture *fx = *state;
	store_close(test_store_open(fx->db.path)); /* created and migrated once */
	pid_t pid[2];
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0)
			child_writer(fx->db.path, i + 1, ROUNDS, -1);
	}
	for (int i = 0; i < 2; i++) {
		int st;
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 2 * ROUNDS);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scan_vms"), 2 * ROUNDS * VMS_PER_SCAN);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans WHERE n_vms != 20"), 0);
	store_close(test_store_open(fx->db.path)); /* quick_check */
}

static void test_killed_writer_mid_transaction(void **state)
{
	fixture *fx = *state;
	build_fixture(fx);
	int64_t scans = test_query_i64(fx->db.path, "SELECT count(*) FROM scans");
	int64_t vms = test_query_i64(fx->db.path, "SELECT count(*) FROM scan_vms");

	/* 1: killed with a transaction open (half a scan written, not committed) */
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		child_writer(fx->db.path, 9, 0, pfd[1]);
	}
	close(pfd[1]);
	char c;
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	store *s = test_store_open(fx->db.path); /* integrity check passes, the lock is free again */
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), scans);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scan_vms"), vms);

	/* 2: killed at a random moment of a stream of scans: every scan is whole */
	for (int round = 0; round < 3; round++) {
		int64_t before = test_query_i64(fx->db.path, "SELECT count(*) FROM scans");
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child_writer(fx->db.path, 20 + round, 0, -1);
		/* the stream has committed a scan (bounded: slow under valgrind), then a moment more */
		for (int i = 0; i < 1200; i++) {
			if (test_query_i64(fx->db.path, "SELECT count(*) FROM scans") > before)
				break;
			usleep(50000);
		}
		usleep(20000 + 35000 * round);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		s = test_store_open(fx->db.path);
		store_close(s);
		assert_int_equal(test_query_i64(fx->db.path,
			"SELECT count(*) FROM scans sc WHERE sc.n_vms !="
			" (SELECT count(*) FROM scan_vms v WHERE v.scan_id = sc.id)"), 0);
		assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans WHERE finished_at IS NULL"), 0);
	}
	assert_true(test_query_i64(fx->db.path, "SELECT count(*) FROM scans") > scans);
	char err[256];
	s = test_store_open(fx->db.path);
	store_history_entry *e;
	size_t n;
	assert_int_equal(store_history_list(s, NULL, &e, &n, err, sizeof err), 0);
	store_history_list_free(e, n);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timeline_filters, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_limit_windows, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_timeline_each, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_diff, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_trends, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_outputs_and_report, setup_fixture, teardown),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test_setup_teardown(test_vacuum, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_retention_settings, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1_with_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v2_owners, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2_by_content, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2_interrupted, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v2_disk_full, setup_fixture, teardown),
		cmocka_unit_test_setup_teardown(test_two_processes_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer_mid_transaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
