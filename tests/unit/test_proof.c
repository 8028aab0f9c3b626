/* Unit tests for core/proof: the three evidence states (proven, predicted, failed) with every
 * reason, "changed since the test" from the decisive facts only, the console's cell, and the
 * history's share read back from a real SQLite file (store_last_test, store_vm_fix_times,
 * proof_settle_history) after a scan, a test and a fix were recorded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "proof/proof.h"
#include "rules/rules.h"
#include "store/store.h"
#include "store_support.h"
#include "util/xalloc.h"

static const time_t NOW = 1795334400 + 3 * 3600; /* 2026-11-22T11:00:00Z */
#define DAY ((time_t)86400)

/* A Windows Server 2019 VM ready for application quiescing, probed. */
static void base(vm_facts *f)
{
	model_vm_facts_init(f);
	xstrset(&f->moref, "vm-42");
	xstrset(&f->name, "sql-prod-01");
	xstrset(&f->guest_id, "windows2019srv_64Guest");
	xstrset(&f->guest_full_name, "Microsoft Windows Server 2019 (64-bit)");
	f->guest_build = 17763;
	f->enable_uuid = TRI_YES;
	xstrset(&f->enable_uuid_raw, "TRUE");
	f->n_scsi_controllers = 1;
	f->disks = xcalloc(1, sizeof *f->disks);
	f->disks[0] = (vm_disk){ xstrdup("Hard disk 1"), CTRL_PVSCSI, 0, 0, DISK_PERSISTENT, 1 << 20 };
	f->n_disks = 1;
	f->scsi_units_used = 1;
	f->power = POWER_ON;
	f->tools = TOOLS_RUNNING;
	f->tools_version_status = TOOLS_VS_CURRENT;
	f->tools_version = model_tools_version_encode(11, 3, 5);
	f->snapshot_count = 0;
	guest_probe *p = &f->probe;
	p->state = PROBE_OK;
	p->at = NOW - 60;
	p->vmvss = (svc_facts){ TRI_YES, SVC_STATE_RUNNING, SVC_START_AUTO, NULL };
	p->lgto_sync = (svc_facts){ TRI_NO, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL };
	p->vss = (svc_facts){ TRI_YES, SVC_STATE_STOPPED, SVC_START_DEMAND, NULL };
	p->writers = xcalloc(1, sizeof *p->writers);
	p->writers[0] = (vss_writer){ xstrdup("SqlServerWriter"), xstrdup("{a65faa63}"), NULL,
				      WRITER_STABLE, xstrdup("[1] Stable"), WRITER_ERR_NONE,
				      xstrdup("No error") };
	p->n_writers = 1;
	p->writers_known = TRI_YES;
	p->disable_app_quiescing = TRI_NO;
	p->dynamic_disks = TRI_NO;
	p->storage_spaces = TRI_NO;
}

static void tested(vm_facts *f, time_t at, bool failed, quiesce_level achieved, bool compared)
{
	vm_last_test *t = &f->last_test;
	t->id = 12;
	t->at = at;
	t->ended_at = at + 30;
	xstrset(&t->method, "CreateSnapshotEx_Task");
	t->failed = failed;
	t->predicted = LEVEL_APPLICATION;
	t->achieved = achieved;
	t->compared = compared;
	model_strv_push(&t->writers, &t->n_writers, "SqlServerWriter");
}

static proof_state judge(const vm_facts *f, time_t max_age, vm_proof *p)
{
	verdict v;
	model_verdict_init(&v);
	rules_evaluate(f, NOW, &v);
	proof_evaluate(f, &v, NOW, max_age, p);
	model_verdict_done(&v);
	return p->state;
}

static void test_never_tested(void **state)
{
	(void)state;
	vm_facts f;
	base(&f);
	vm_proof p;
	assert_int_equal(judge(&f, 0, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "never tested");
	assert_int_equal(p.age, -1);
	char cell[32];
	assert_string_equal(proof_cell(&f, &p, cell), "never tested");
	model_vm_facts_done(&f);
}

static void test_proven(void **state)
{
	(void)state;
	vm_facts f;
	base(&f);
	tested(&f, NOW - 2 * DAY, false, LEVEL_APPLICATION, true);
	vm_proof p;
	assert_int_equal(judge(&f, 0, &p), PROOF_PROVEN);
	assert_int_equal(p.age, 2 * DAY);
	char cell[32];
	assert_string_equal(proof_cell(&f, &p, cell), "ok 2d");
	/* a copy keeps the test (the console hands facts between threads) */
	vm_facts c;
	model_vm_facts_copy(&c, &f);
	assert_int_equal(judge(&c, 0, &p), PROOF_PROVEN);
	assert_string_equal(c.last_test.writers[0], "SqlServerWriter");
	model_vm_facts_done(&c);
	model_vm_facts_done(&f);
}

static void test_failed(void **state)
{
	(void)state;
	vm_facts f;
	base(&f);
	tested(&f, NOW - 3 * 3600, true, LEVEL_NONE, true);
	vm_proof p;
	assert_int_equal(judge(&f, 0, &p), PROOF_FAILED);
	assert_string_equal(p.reason, "the test snapshot failed");
	char cell[32];
	assert_string_equal(proof_cell(&f, &p, cell), "FAILED 3h");
	/* R25 caps the prediction, but the next test is judged by what the facts allow */
	verdict v;
	model_verdict_init(&v);
	rules_evaluate(&f, NOW, &v);
	assert_int_equal(v.predicted, LEVEL_FAIL);
	assert_int_equal(rules_predicted_by_facts(&v), LEVEL_APPLICATION);
	model_verdict_done(&v);
	/* a fix that ended after the failed test: only a prediction until the next test */
	f.fixed_at = NOW - 3600;
	assert_int_equal(judge(&f, 0, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "fixed since the failed test");
	assert_string_equal(proof_cell(&f, &p, cell), "fixed 3h");
	model_vm_facts_done(&f);
}

static void test_achieved_less(void **state)
{
	(void)state;
	vm_facts f;
	base(&f);
	tested(&f, NOW - DAY, false, LEVEL_FILESYSTEM, true);
	vm_proof p;
	assert_int_equal(judge(&f, 0, &p), PROOF_FAILED);
	assert_string_equal(p.reason, "the test achieved less than predicted");
	model_vm_facts_done(&f);
}

static void test_changed_since(void **state)
{
	(void)state;
	vm_facts f;
	base(&f);
	tested(&f, NOW - DAY, false, LEVEL_APPLICATION, true);
	model_strv_push(&f.last_test.changes, &f.last_test.n_changes, "VMware Tools 11.3.5 -> 12.1.5");
	vm_proof p;
	assert_int_equal(judge(&f, 0, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "changed since the test");
	char cell[32];
	assert_string_equal(proof_cell(&f, &p, cell), "changed 1d");
	model_vm_facts_done(&f);
}

static void test_too_old_and_not_compared(void **state)
{
	(void)state;
	vm_facts f;
	base(&f);
	tested(&f, NOW - 31 * DAY, false, LEVEL_APPLICATION, true);
	vm_proof p;
	assert_int_equal(judge(&f, 0, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "older than the maximum proof age");
	assert_int_equal(judge(&f, 40 * DAY, &p), PROOF_PROVEN);
	f.last_test.compared = false;
	assert_int_equal(judge(&f, 40 * DAY, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "the facts at the test's time are not in the history");
	/* guest facts unknown now (no probe, no history): never proven */
	f.last_test.compared = true;
	model_guest_probe_done(&f.probe);
	f.probe.state = PROBE_NOT_CONFIGURED;
	assert_int_equal(judge(&f, 40 * DAY, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "guest facts unknown now");
	model_vm_facts_done(&f);
}

static void assert_changes(const vm_facts *then, const vm_facts *now, const char *want)
{
	char **v = NULL;
	size_t n = 0;
	proof_fact_changes(then, now, &v, &n);
	char got[1024] = "";
	for (size_t i = 0; i < n; i++) {
		strncat(got, i ? " | " : "", sizeof got - strlen(got) - 1);
		strncat(got, v[i], sizeof got - strlen(got) - 1);
		free(v[i]);
	}
	free(v);
	if (strcmp(got, want))
		fail_msg("changes\n  got  \"%s\"\n  want \"%s\"", got, want);
}

static void test_fact_changes(void **state)
{
	(void)state;
	vm_facts a, b;
	base(&a);
	base(&b);
	assert_changes(&a, &b, "");
	/* not decisive: power, boot time, probe time, and Tools not running on a VM that is off */
	b.power = POWER_OFF;
	b.tools = TOOLS_NOT_RUNNING;
	b.boot_time = NOW;
	b.probe.at = NOW;
	assert_changes(&a, &b, "");
	b.power = POWER_ON;
	assert_changes(&a, &b, "VMware Tools running -> notRunning");
	b.tools = TOOLS_NOT_INSTALLED;
	b.power = POWER_OFF;
	assert_changes(&a, &b, "VMware Tools running -> notInstalled");
	/* unknown on one side is not a change */
	b.probe.state = PROBE_NOT_CONFIGURED;
	b.probe.writers[0].state = WRITER_FAILED;
	b.tools = TOOLS_UNKNOWN;
	b.tools_version = 0;
	assert_changes(&a, &b, "");
	model_vm_facts_done(&b);
	base(&b);
	b.tools_version = model_tools_version_encode(12, 1, 5);
	b.enable_uuid = TRI_NO;
	free(b.enable_uuid_raw);
	b.enable_uuid_raw = NULL;
	b.disks[0].controller = CTRL_SATA;
	b.probe.writers[0].state = WRITER_FAILED;
	b.probe.writers[0].last_error = WRITER_ERR_NON_RETRYABLE;
	xstrset(&b.probe.writers[0].last_error_text, "Non-retryable error");
	b.probe.vss.start = SVC_START_DISABLED;
	b.probe.dynamic_disks = TRI_YES;
	assert_changes(&a, &b,
		       "VMware Tools 11.3.5 -> 12.1.5 | disk.EnableUUID TRUE -> absent | "
		       "Hard disk 1 moved from pvscsi to sata | Volume Shadow Copy service demand -> "
		       "disabled | writer SqlServerWriter stable -> failed (Non-retryable error) | "
		       "dynamic disks no -> yes");
	model_vm_facts_done(&a);
	model_vm_facts_done(&b);
}

/* ---- from a real history ---- */

static int64_t record_scan(store *s, int64_t conn, time_t at, const vm_facts *f)
{
	char err[256];
	verdict v;
	model_verdict_init(&v);
	rules_evaluate(f, at, &v);
	int64_t id = store_scan_begin(s, conn, at, NULL, err, sizeof err);
	assert_true(id > 0);
	assert_int_equal(store_scan_add_vm(s, id, f, &v, err, sizeof err), 0);
	assert_int_equal(store_scan_commit(s, id, at + 5, err, sizeof err), 0);
	model_verdict_done(&v);
	return id;
}

static int64_t record_test(store *s, int64_t conn, time_t at, const char *result,
			   quiesce_level achieved, const char *writer_after_error)
{
	char err[256];
	store_snaptest_def def = { .moref = "vm-42", .vm_name = "sql-prod-01",
				   .snapshot_name = "quiescent-test", .method = "CreateSnapshotEx_Task",
				   .predicted = LEVEL_APPLICATION, .at = at };
	int64_t id = store_snaptest_create(s, conn, &def, err, sizeof err);
	assert_true(id > 0);
	assert_int_equal(store_snaptest_set_running(s, id, "task-9", err, sizeof err), 0);
	store_writer_result w = { .phase = "manifest", .name = "SqlServerWriter" };
	assert_int_equal(store_writer_result_add(s, id, &w, err, sizeof err), 0);
	store_writer_result after = { .phase = "after", .name = "SqlServerWriter",
				      .state = writer_after_error ? "failed" : "stable",
				      .last_error = writer_after_error ? writer_after_error : "No error" };
	assert_int_equal(store_writer_result_add(s, id, &after, err, sizeof err), 0);
	store_snaptest_result r = { .state = STORE_SNAPTEST_REMOVED, .result = result,
				    .achieved = achieved, .snapshot_removed = true, .ended_at = at + 30,
				    .fault_type = writer_after_error ? "ApplicationQuiesceFault" : NULL };
	assert_int_equal(store_snaptest_finish(s, id, &r, err, sizeof err), 0);
	return id;
}

static void test_from_history(void **state)
{
	(void)state;
	char err[256];
	test_db db;
	assert_int_equal(test_db_make(&db, "proof"), 0);
	store *s = test_store_open(db.path);
	store_connection_info ci = { .server = "vc01", .user = "u", .api_version = "8.0", .at = NOW - 10 * DAY };
	int64_t conn = store_connection_begin(s, &ci, err, sizeof err);
	assert_true(conn > 0);

	vm_facts now;
	base(&now);
	proof_settle_history(s, "vc01", &now);
	assert_int_equal(now.last_test.id, 0);

	/* the scan a test is predicted from, then a good test */
	vm_facts then;
	base(&then);
	record_scan(s, conn, NOW - 5 * DAY, &then);
	int64_t good = record_test(s, conn, NOW - 5 * DAY + 60, "success", LEVEL_APPLICATION, NULL);
	/* a cancelled test proves nothing and is not the last test */
	record_test(s, conn, NOW - 4 * DAY, "cancelled", LEVEL_NONE, NULL);
	/* nor does a request that never reached vCenter (failed, but no snapshot task ran) */
	store_snaptest_def lost = { .moref = "vm-42", .vm_name = "sql-prod-01",
				    .snapshot_name = "quiescent-lost", .method = "CreateSnapshotEx_Task",
				    .predicted = LEVEL_APPLICATION, .at = NOW - 4 * DAY + 60 };
	int64_t lost_id = store_snaptest_create(s, conn, &lost, err, sizeof err);
	store_snaptest_result lr = { .state = STORE_SNAPTEST_REMOVED, .result = "failed",
				     .achieved = LEVEL_FAIL, .ended_at = NOW - 4 * DAY + 61,
				     .fault = "connection reset" };
	assert_int_equal(store_snaptest_finish(s, lost_id, &lr, err, sizeof err), 0);
	proof_settle_history(s, "VC01", &now);
	assert_int_equal(now.last_test.id, good);
	assert_true(now.last_test.compared);
	assert_int_equal(now.last_test.n_changes, 0);
	assert_int_equal(now.last_test.n_writers, 1);
	assert_string_equal(now.last_test.writers[0], "SqlServerWriter");
	assert_null(now.last_test.bad_writer);
	vm_proof p;
	assert_int_equal(judge(&now, 0, &p), PROOF_PROVEN);

	/* Tools upgraded since the test: changed since */
	now.tools_version = model_tools_version_encode(12, 1, 5);
	proof_settle_history(s, "vc01", &now);
	assert_int_equal(now.last_test.n_changes, 1);
	assert_string_equal(now.last_test.changes[0], "VMware Tools 11.3.5 -> 12.1.5");
	assert_int_equal(judge(&now, 0, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "changed since the test");

	/* a newer scan, then a failed test: failed, R25 names the writer */
	record_scan(s, conn, NOW - 2 * DAY, &now);
	int64_t bad = record_test(s, conn, NOW - 2 * DAY + 60, "failed", LEVEL_NONE,
				  "Non-retryable error");
	proof_settle_history(s, "vc01", &now);
	assert_int_equal(now.last_test.id, bad);
	assert_true(now.last_test.failed);
	assert_string_equal(now.last_test.bad_writer, "SqlServerWriter: Non-retryable error");
	assert_string_equal(now.last_test.fault, "ApplicationQuiesceFault");
	assert_int_equal(now.last_test.n_changes, 0);
	assert_int_equal(judge(&now, 0, &p), PROOF_FAILED);
	verdict v;
	model_verdict_init(&v);
	rules_evaluate(&now, NOW, &v);
	assert_int_equal(v.status, STATUS_FIXABLE);
	assert_int_equal(v.predicted, LEVEL_FAIL);
	assert_string_equal(v.findings[0].rule, "R25");
	assert_non_null(strstr(v.findings[0].message, "SqlServerWriter: Non-retryable error"));

	/* a fix step done after the failed test: R25 is gone, the proof only predicts */
	int64_t plan = store_plan_create(s, conn, 0, NOW - DAY, NULL, err, sizeof err);
	assert_true(plan > 0);
	int64_t pv = store_plan_vm_add(s, plan, "vm-42", "sql-prod-01", POWER_ON, err, sizeof err);
	store_step_def sd = { .seq = 1, .kind = "guest_command", .rule = "R16",
			      .description = "restart the writer's service" };
	int64_t step = store_step_add(s, pv, &sd, err, sizeof err);
	assert_true(step > 0);
	assert_int_equal(store_step_begin(s, step, NOW - DAY, NULL, POWER_ON, err, sizeof err), 0);
	assert_int_equal(store_step_end(s, step, STORE_STEP_DONE, NOW - DAY + 20, "ok", NULL, NULL,
					err, sizeof err), 0);
	proof_settle_history(s, "vc01", &now);
	assert_int_equal(now.fixed_at, NOW - DAY + 20);
	assert_int_equal(now.enable_uuid_set_at, 0);
	rules_evaluate(&now, NOW, &v);
	assert_int_equal(v.status, STATUS_READY);
	assert_int_equal(judge(&now, 0, &p), PROOF_PREDICTED);
	assert_string_equal(p.reason, "fixed since the failed test");
	model_verdict_done(&v);

	/* another vCenter's VM with the same moref has no test */
	vm_facts other;
	base(&other);
	proof_settle_history(s, "vc02", &other);
	assert_int_equal(other.last_test.id, 0);
	model_vm_facts_done(&other);

	model_vm_facts_done(&then);
	model_vm_facts_done(&now);
	store_close(s);
	test_db_remove(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_tested),
		cmocka_unit_test(test_proven),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_achieved_less),
		cmocka_unit_test(test_changed_since),
		cmocka_unit_test(test_too_old_and_not_compared),
		cmocka_unit_test(test_fact_changes),
		cmocka_unit_test(test_from_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
