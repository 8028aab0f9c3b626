/* Unit tests for the history half of R24 and R26 (core/store/store_leftovers.c) and the scan's
 * join of it with the facts (scan_settle_marks), against real SQLite files: which fix left a
 * VM off, which step left a restart pending, which test snapshots in the tree are ours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "model/model.h"
#include "rules/rules.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/xalloc.h"

#include "store_support.h"

typedef struct {
	test_db db;
	store *s;
	int64_t conn;
} fixture;

static int64_t add_connection(store *s, const char *server, time_t at)
{
	char err[256] = "";
	store_connection_info ci = { .server = server, .user = "administrator@vsphere.local",
				     .api_version = "8.0.3.0", .at = at };
	int64_t id = store_connection_begin(s, &ci, err, sizeof err);
	assert_true(id > 0);
	return id;
}

static int setup(void **state)
{
	if (test_db_fixture_setup(state, "leftovers", sizeof(fixture)) < 0)
		return -1;
	fixture *fx = *state;
	fx->s = test_store_open(fx->db.path);
	fx->conn = add_connection(fx->s, "vc01.example.com", 1000);
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	store_close(fx->s);
	return test_db_fixture_teardown(state);
}

/* One step of a journal as a test writes it: kind, then the state it ends in ("running"
 * leaves it begun, "planned" untouched, "skipped" ended without a start). */
typedef struct {
	const char *kind;
	const char *state;
} jstep;

/* A plan of one VM with these steps, begun at `at` + seq, ended at `at` + seq + 1. Returns
 * the step ids in ids (n of them). */
static int64_t add_plan(fixture *fx, int64_t conn, const char *moref, power_state original,
			store_plan_state plan_state, const jstep *steps, size_t n, time_t at,
			int64_t *ids)
{
	char err[512] = "";
	store *s = fx->s;
	assert_int_equal(store_begin(s, err, sizeof err), 0);
	int64_t plan = store_plan_create(s, conn, 0, at, NULL, err, sizeof err);
	assert_true(plan > 0);
	int64_t pvm = store_plan_vm_add(s, plan, moref, moref, original, err, sizeof err);
	assert_true(pvm > 0);
	for (size_t i = 0; i < n; i++) {
		store_step_def def = { .seq = (int)i + 1, .kind = steps[i].kind };
		ids[i] = store_step_add(s, pvm, &def, err, sizeof err);
		assert_true(ids[i] > 0);
	}
	assert_int_equal(store_commit(s, err, sizeof err), 0);
	for (size_t i = 0; i < n; i++) {
		const char *st = steps[i].state;
		if (!strcmp(st, "planned"))
			continue;
		if (!strcmp(st, "skipped")) { /* as the executor does: never begun */
			assert_int_equal(store_step_end(s, ids[i], STORE_STEP_SKIPPED, at, NULL,
							"not run", NULL, err, sizeof err), 0);
			continue;
		}
		assert_int_equal(store_step_begin(s, ids[i], at + (time_t)i + 1, NULL, original, err,
						  sizeof err), 0);
		if (!strcmp(st, "running"))
			continue;
		store_step_state end = !strcmp(st, "done") ? STORE_STEP_DONE
				       : !strcmp(st, "failed") ? STORE_STEP_FAILED
				       : !strcmp(st, "rolled_back") ? STORE_STEP_ROLLED_BACK
								    : STORE_STEP_SKIPPED;
		assert_int_equal(store_step_end(s, ids[i], end, at + (time_t)i + 2, NULL, NULL, NULL,
						err, sizeof err), 0);
	}
	assert_int_equal(store_plan_set_state(s, plan, plan_state, at + 100, err, sizeof err), 0);
	return plan;
}

/* The runs these tests journal stand for killed processes: their owner is gone (this
 * process, which wrote them, stamped itself as the owner: store_owner.c). */
static void owners_gone(fixture *fx)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->db.path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "UPDATE plans SET owner_lock = NULL;"
				      "UPDATE snaptests SET owner_lock = NULL;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static const store_vm_marks *load_find(fixture *fx, const char *vcenter, const char *moref,
				       store_vm_marks **all, size_t *n)
{
	char err[512] = "";
	owners_gone(fx);
	assert_int_equal(store_vm_marks_load(fx->s, vcenter, all, n, err, sizeof err), 0);
	return store_vm_marks_find(*all, *n, moref);
}

/* Killed in the guest shutdown (the plan stays running): the VM is marked left off, with the
 * plan, its state, the step and when it began; a done power-on of the same plan clears it. */
static void test_left_off_by_a_killed_fix(void **state)
{
	fixture *fx = *state;
	int64_t ids[4];
	const jstep killed[] = { { "shutdown_guest", "running" }, { "set_enable_uuid", "planned" },
				 { "power_on", "planned" } };
	int64_t plan = add_plan(fx, fx->conn, "vm-42", POWER_ON, STORE_PLAN_RUNNING, killed, 3, 5000, ids);
	const jstep fine[] = { { "shutdown_guest", "done" }, { "set_enable_uuid", "done" },
			       { "power_on", "done" } };
	add_plan(fx, fx->conn, "vm-43", POWER_ON, STORE_PLAN_DONE, fine, 3, 5000, ids);
	/* F1: the cut made the plan 'failed' with the power-on failed: still left off */
	const jstep cut[] = { { "shutdown_guest", "failed" }, { "set_enable_uuid", "skipped" },
			      { "power_on", "failed" } };
	int64_t plan3 = add_plan(fx, fx->conn, "vm-44", POWER_ON, STORE_PLAN_FAILED, cut, 3, 5000, ids);
	/* a VM that was off when planned is never "left off" by us */
	const jstep off[] = { { "set_enable_uuid", "done" } };
	add_plan(fx, fx->conn, "vm-45", POWER_OFF, STORE_PLAN_DONE, off, 1, 5000, ids);
	/* a rollback power-on after a failure brought it back */
	const jstep rolled[] = { { "shutdown_guest", "done" }, { "set_enable_uuid", "failed" },
				 { "power_on", "rolled_back" } };
	add_plan(fx, fx->conn, "vm-46", POWER_ON, STORE_PLAN_FAILED, rolled, 3, 5000, ids);
	/* a shutdown that never started (stopped before it) took nothing down */
	const jstep never[] = { { "shutdown_guest", "skipped" }, { "power_on", "skipped" } };
	add_plan(fx, fx->conn, "vm-47", POWER_ON, STORE_PLAN_CANCELLED, never, 2, 5000, ids);

	store_vm_marks *all;
	size_t n;
	const store_vm_marks *m = load_find(fx, "VC01.example.com", "vm-42", &all, &n);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].moref, "vm-42");
	assert_string_equal(all[1].moref, "vm-44");
	assert_non_null(m);
	assert_int_equal(m->marks.off_plan_id, plan);
	assert_string_equal(m->marks.off_step, "shutdown_guest");
	assert_string_equal(m->marks.off_plan_state, "running");
	assert_int_equal(m->marks.off_at, 5001);
	assert_int_equal(m->marks.restart_plan_id, 0);
	m = store_vm_marks_find(all, n, "vm-44");
	assert_int_equal(m->marks.off_plan_id, plan3);
	assert_string_equal(m->marks.off_plan_state, "failed");
	assert_null(store_vm_marks_find(all, n, "vm-43"));
	assert_null(store_vm_marks_find(all, n, "vm-45"));
	assert_null(store_vm_marks_find(all, n, "vm-46"));
	assert_null(store_vm_marks_find(all, n, "vm-47"));
	store_vm_marks_free(all, n);

	/* another vCenter's history is not this one's */
	assert_null(load_find(fx, "vc02.example.com", "vm-42", &all, &n));
	assert_int_equal(n, 0);
	store_vm_marks_free(all, n);

	/* recovery journals its own power-on in the same plan: cleared */
	char err[512] = "";
	store_step_def def = { .seq = 4, .kind = "power_on" };
	int64_t pvm = test_query_i64(fx->db.path, "SELECT id FROM plan_vms WHERE moref = 'vm-42'");
	int64_t rec = store_step_add(fx->s, pvm, &def, err, sizeof err);
	assert_int_equal(store_step_begin(fx->s, rec, 6000, "poweredOff", POWER_ON, err, sizeof err), 0);
	assert_int_equal(store_step_end(fx->s, rec, STORE_STEP_ROLLED_BACK, 6005, "powered on by recovery",
					NULL, "poweredOn", err, sizeof err), 0);
	assert_null(load_find(fx, "vc01.example.com", "vm-42", &all, &n));
	assert_int_equal(n, 1);
	store_vm_marks_free(all, n);
}

/* A later plan of the VM decides whether it came back: one that found it on (or powered it
 * on) clears the mark; one that found it off (a second fix of the VM we left off) does not. */
static void test_left_off_and_later_plans(void **state)
{
	fixture *fx = *state;
	int64_t ids[3];
	const jstep killed[] = { { "shutdown_guest", "done" }, { "set_enable_uuid", "running" },
				 { "power_on", "planned" } };
	int64_t plan = add_plan(fx, fx->conn, "vm-42", POWER_ON, STORE_PLAN_RUNNING, killed, 3, 5000, ids);
	const jstep second_fix_while_off[] = { { "set_enable_uuid", "done" } };
	add_plan(fx, fx->conn, "vm-42", POWER_OFF, STORE_PLAN_DONE, second_fix_while_off, 1, 7000, ids);
	store_vm_marks *all;
	size_t n;
	const store_vm_marks *m = load_find(fx, "vc01.example.com", "vm-42", &all, &n);
	assert_non_null(m);
	assert_int_equal(m->marks.off_plan_id, plan);
	assert_string_equal(m->marks.off_step, "shutdown_guest");
	store_vm_marks_free(all, n);

	const jstep found_on[] = { { "guest_command", "done" } };
	add_plan(fx, fx->conn, "vm-42", POWER_ON, STORE_PLAN_DONE, found_on, 1, 8000, ids);
	assert_null(load_find(fx, "vc01.example.com", "vm-42", &all, &n));
	store_vm_marks_free(all, n);

	/* the newest of two fixes that left it off is the one named */
	const jstep again[] = { { "power_off", "done" }, { "power_on", "failed" } };
	int64_t plan4 = add_plan(fx, fx->conn, "vm-42", POWER_ON, STORE_PLAN_FAILED, again, 2, 9000, ids);
	m = load_find(fx, "vc01.example.com", "vm-42", &all, &n);
	assert_non_null(m);
	assert_int_equal(m->marks.off_plan_id, plan4);
	assert_string_equal(m->marks.off_step, "power_off");
	assert_int_equal(m->marks.off_at, 9001);
	store_vm_marks_free(all, n);
}

/* R24's input: the latest step that left a restart pending, with why and when it ended. */
static void test_restart_needed(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	int64_t ids[4];
	const jstep setup_steps[] = { { "mount_tools_installer", "done" }, { "guest_tools_setup", "done" },
				      { "unmount_tools_installer", "done" } };
	int64_t plan = add_plan(fx, fx->conn, "vm-42", POWER_ON, STORE_PLAN_DONE, setup_steps, 3, 5000, ids);
	/* inside a transaction it would not be durable: refused */
	assert_int_equal(store_begin(fx->s, err, sizeof err), 0);
	assert_int_equal(store_step_set_restart_needed(fx->s, ids[1], "setup exit code 3010", err,
						       sizeof err), -1);
	store_rollback(fx->s);
	assert_int_equal(store_step_set_restart_needed(fx->s, ids[1], "setup exit code 3010", err,
						       sizeof err), 0);
	assert_int_equal(store_step_set_restart_needed(fx->s, 99999, "x", err, sizeof err), -1);
	assert_non_null(strstr(err, "no step 99999"));
	const jstep upgrade[] = { { "upgrade_tools", "done" } };
	int64_t other = add_plan(fx, fx->conn, "vm-50", POWER_ON, STORE_PLAN_DONE, upgrade, 1, 4000, ids + 3);
	assert_int_equal(store_step_set_restart_needed(fx->s, ids[3], NULL, err, sizeof err), 0);

	store_vm_marks *all;
	size_t n;
	const store_vm_marks *m = load_find(fx, "vc01.example.com", "vm-42", &all, &n);
	assert_int_equal(n, 2);
	assert_non_null(m);
	assert_int_equal(m->marks.restart_plan_id, plan);
	assert_string_equal(m->marks.restart_step, "guest_tools_setup");
	assert_string_equal(m->marks.restart_why, "setup exit code 3010");
	assert_int_equal(m->marks.restart_at, 5003);
	assert_int_equal(m->marks.off_plan_id, 0);
	m = store_vm_marks_find(all, n, "vm-50");
	assert_int_equal(m->marks.restart_plan_id, other);
	assert_string_equal(m->marks.restart_why, "restart needed");
	store_vm_marks_free(all, n);

	/* a VM both left off and with a restart pending is one entry with both */
	const jstep killed[] = { { "shutdown_guest", "running" } };
	int64_t plan3 = add_plan(fx, fx->conn, "vm-50", POWER_ON, STORE_PLAN_RUNNING, killed, 1, 6000, ids);
	m = load_find(fx, "vc01.example.com", "vm-50", &all, &n);
	assert_int_equal(n, 2);
	assert_int_equal(m->marks.off_plan_id, plan3);
	assert_int_equal(m->marks.restart_plan_id, other);
	store_vm_marks_free(all, n);
}

static int64_t add_test(fixture *fx, const char *moref, const char *name, time_t at)
{
	char err[512] = "";
	store_snaptest_def def = { .moref = moref, .vm_name = moref, .snapshot_name = name,
				   .spec_json = "{}", .method = "CreateSnapshotEx_Task",
				   .predicted = LEVEL_APPLICATION, .at = at };
	int64_t id = store_snaptest_create(fx->s, fx->conn, &def, err, sizeof err);
	assert_true(id > 0);
	return id;
}

static void finish_test(fixture *fx, int64_t id, store_snaptest_state st, bool removed)
{
	char err[512] = "";
	store_snaptest_result r = { .state = st, .result = "success", .achieved = LEVEL_NONE,
				    .snapshot_removed = removed, .ended_at = 9000 };
	assert_int_equal(store_snaptest_finish(fx->s, id, &r, err, sizeof err), 0);
}

/* Names in the tree are matched against our tests: running (killed), removed-but-there (the
 * F2/F3 cases), orphan; kept on purpose is not a leftover; a name we never took is not ours. */
static void test_our_snapshots_in_the_tree(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	int64_t running = add_test(fx, "vm-42", "quiescent-test-20261122T090000Z", 5000);
	int64_t removed = add_test(fx, "vm-42", "quiescent-test-20261122T100000Z", 6000);
	finish_test(fx, removed, STORE_SNAPTEST_REMOVED, false);
	int64_t kept = add_test(fx, "vm-42", "quiescent-test-20261122T110000Z", 7000);
	finish_test(fx, kept, STORE_SNAPTEST_KEPT, false);
	add_test(fx, "vm-43", "quiescent-test-20261122T120000Z", 8000); /* another VM's */

	const char *names[] = { "quiescent-test-20261122T090000Z", "quiescent-test-20261122T100000Z",
				"quiescent-test-20261122T110000Z", "quiescent-test-20261122T120000Z",
				"quiescent-test-19990101T000000Z" };
	vm_history_marks m;
	model_history_marks_init(&m);
	owners_gone(fx);
	assert_int_equal(store_vm_our_snapshots(fx->s, "VC01.EXAMPLE.COM", "vm-42", names, 5, &m, err,
						sizeof err), 2);
	assert_int_equal(m.n_snapshots, 2);
	assert_string_equal(m.snapshots[0].name, "quiescent-test-20261122T090000Z");
	assert_int_equal(m.snapshots[0].snaptest_id, running);
	assert_int_equal(m.snapshots[0].created_at, 5000);
	assert_string_equal(m.snapshots[0].state, "created");
	assert_string_equal(m.snapshots[1].name, "quiescent-test-20261122T100000Z");
	assert_int_equal(m.snapshots[1].snaptest_id, removed);
	assert_string_equal(m.snapshots[1].state, "removed");
	model_history_marks_done(&m);
	assert_int_equal(store_vm_our_snapshots(fx->s, "vc02", "vm-42", names, 5, &m, err, sizeof err), 0);
	assert_int_equal(m.n_snapshots, 0);
	model_history_marks_done(&m);
}

/* The scan's join: facts get the VM's marks and their snapshots; the rules then give R26
 * while vCenter shows the leftover, and drop it when the live tree or power changes. */
static void test_scan_settle_marks(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	int64_t ids[3];
	const jstep killed[] = { { "shutdown_guest", "running" }, { "power_on", "planned" } };
	add_plan(fx, fx->conn, "vm-42", POWER_ON, STORE_PLAN_RUNNING, killed, 2, 5000, ids);
	add_test(fx, "vm-42", "quiescent-test-20261122T090000Z", 5000);

	vm_facts f;
	model_vm_facts_init(&f);
	xstrset(&f.moref, "vm-42");
	xstrset(&f.name, "app-crm-01");
	xstrset(&f.guest_id, "ubuntu64Guest");
	f.power = POWER_OFF;
	f.snapshot_count = 1;
	model_vm_facts_add_test_snapshot(&f, "quiescent-test-20261122T090000Z");
	owners_gone(fx);
	assert_int_equal(scan_settle_marks_one(fx->s, "vc01.example.com", &f, err, sizeof err), 0);
	assert_int_equal(f.marks.n_snapshots, 1);
	assert_true(f.marks.off_plan_id > 0);
	verdict v;
	model_verdict_init(&v);
	rules_evaluate(&f, 9000, &v);
	size_t r26 = 0;
	for (size_t i = 0; i < v.n_findings; i++)
		r26 += !strcmp(v.findings[i].rule, "R26");
	assert_int_equal(r26, 2);
	assert_int_equal(v.predicted, LEVEL_FAIL);

	/* settling again replaces, never doubles */
	owners_gone(fx);
	assert_int_equal(scan_settle_marks_one(fx->s, "vc01.example.com", &f, err, sizeof err), 0);
	assert_int_equal(f.marks.n_snapshots, 1);

	/* a copy (the console's) carries the marks; live changes then decide */
	vm_facts live;
	model_vm_facts_copy(&live, &f);
	assert_int_equal(live.marks.n_snapshots, 1);
	assert_string_equal(live.marks.off_step, "shutdown_guest");
	for (size_t i = 0; i < live.n_test_snapshots; i++)
		free(live.test_snapshots[i]);
	free(live.test_snapshots);
	live.test_snapshots = NULL;
	live.n_test_snapshots = 0;
	live.power = POWER_ON;
	rules_evaluate(&live, 9000, &v);
	for (size_t i = 0; i < v.n_findings; i++)
		assert_string_not_equal(v.findings[i].rule, "R26");
	model_vm_facts_done(&live);
	model_verdict_done(&v);
	model_vm_facts_done(&f);
}

/* A fix that runs now, in a live process (here: this one), has not left its VM off: R26 is
 * for what a stopped run left, so a scan during a live fix reports nothing. Its owner gone, it
 * is left off. */
static void test_live_fix_is_not_left_off(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	int64_t ids[2];
	const jstep running[] = { { "shutdown_guest", "running" }, { "power_on", "planned" } };
	add_plan(fx, fx->conn, "vm-60", POWER_ON, STORE_PLAN_RUNNING, running, 2, 5000, ids);
	store_vm_marks *all;
	size_t n;
	assert_int_equal(store_vm_marks_load(fx->s, "vc01.example.com", &all, &n, err, sizeof err), 0);
	const store_vm_marks *m = store_vm_marks_find(all, n, "vm-60");
	assert_true(!m || m->marks.off_plan_id == 0);
	store_vm_marks_free(all, n);
	m = load_find(fx, "vc01.example.com", "vm-60", &all, &n);
	assert_non_null(m);
	assert_true(m->marks.off_plan_id > 0);
	store_vm_marks_free(all, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_left_off_by_a_killed_fix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_left_off_and_later_plans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_needed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_our_snapshots_in_the_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_settle_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_fix_is_not_left_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
