/* Unit tests for the report's data on a real SQLite history: the estate is the last full scan
 * with newer partial rescans applied, judged now (rules and proof); the headline counts and
 * the groups by datacenter, cluster and folder; problems failing first; the trend's full scans
 * apart from partial rescans; the --vm and --folder scopes; and every format built from it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "cli/scan_output.h"
#include "model/model.h"
#include "rules/rules.h"
#include "store/store.h"
#include "store_support.h"
#include "util/json.h"
#include "util/xalloc.h"

static const time_t T0 = 1795334400; /* 2026-11-22T08:00:00Z */
#define DAY ((time_t)86400)

static void vm(vm_facts *f, const char *moref, const char *name, const char *dc,
	       const char *cluster, const char *folder, bool uuid, bool ide)
{
	model_vm_facts_init(f);
	xstrset(&f->moref, moref);
	xstrset(&f->name, name);
	xstrset(&f->datacenter, dc);
	xstrset(&f->cluster, cluster);
	xstrset(&f->folder, folder);
	xstrset(&f->guest_id, "windows2019srv_64Guest");
	xstrset(&f->guest_full_name, "Microsoft Windows Server 2019 (64-bit)");
	f->guest_build = 17763;
	f->enable_uuid = uuid ? TRI_YES : TRI_NO;
	if (uuid)
		xstrset(&f->enable_uuid_raw, "TRUE");
	f->n_scsi_controllers = ide ? 0 : 1;
	f->disks = xcalloc(1, sizeof *f->disks);
	f->disks[0] = (vm_disk){ xstrdup("Hard disk 1"), ide ? CTRL_IDE : CTRL_PVSCSI, 0, 0,
				 DISK_PERSISTENT, 1 << 20 };
	f->n_disks = 1;
	f->scsi_units_used = ide ? 0 : 1;
	f->power = POWER_ON;
	f->tools = TOOLS_RUNNING;
	f->tools_version_status = TOOLS_VS_CURRENT;
	f->tools_version = model_tools_version_encode(12, 1, 5);
	f->snapshot_count = 0;
	guest_probe *p = &f->probe;
	p->state = PROBE_OK;
	p->at = T0;
	p->vmvss = (svc_facts){ TRI_YES, SVC_STATE_RUNNING, SVC_START_AUTO, NULL };
	p->lgto_sync = (svc_facts){ TRI_NO, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL };
	p->vss = (svc_facts){ TRI_YES, SVC_STATE_STOPPED, SVC_START_DEMAND, NULL };
	p->writers_known = TRI_YES;
	p->disable_app_quiescing = TRI_NO;
	p->dynamic_disks = TRI_NO;
	p->storage_spaces = TRI_NO;
}

static void scan(store *s, int64_t conn, time_t at, const char *opts, vm_facts *v, size_t n)
{
	char err[256];
	int64_t id = store_scan_begin(s, conn, at, opts, err, sizeof err);
	assert_true(id > 0);
	for (size_t i = 0; i < n; i++) {
		verdict d;
		model_verdict_init(&d);
		rules_evaluate(&v[i], at, &d);
		assert_int_equal(store_scan_add_vm(s, id, &v[i], &d, err, sizeof err), 0);
		model_verdict_done(&d);
	}
	assert_int_equal(store_scan_commit(s, id, at + 5, err, sizeof err), 0);
}

static void test_snap(store *s, int64_t conn, time_t at, const char *moref, const char *name,
		      const char *result, quiesce_level achieved)
{
	char err[256];
	store_snaptest_def def = { .moref = moref, .vm_name = name, .snapshot_name = "quiescent-test",
				   .method = "CreateSnapshotEx_Task", .predicted = LEVEL_APPLICATION,
				   .at = at };
	int64_t id = store_snaptest_create(s, conn, &def, err, sizeof err);
	assert_true(id > 0);
	assert_int_equal(store_snaptest_set_running(s, id, "task-9", err, sizeof err), 0);
	store_snaptest_result r = { .state = STORE_SNAPTEST_REMOVED, .result = result,
				    .achieved = achieved, .snapshot_removed = true, .ended_at = at + 20 };
	assert_int_equal(store_snaptest_finish(s, id, &r, err, sizeof err), 0);
}

typedef struct {
	test_db db;
} fixture;

/* Four VMs in two datacenters; a full scan 10 days ago and one 1 day ago; a good test of
 * crm-01, a failed test of erp-01 (with its partial rescan before it), an IDE VM. */
static int setup(void **state)
{
	if (test_db_fixture_setup(state, "report", sizeof(fixture)) < 0)
		return -1;
	fixture *fx = *state;
	store *s = test_store_open(fx->db.path);
	char err[256];
	store_connection_info ci = { .server = "vc01", .user = "u", .api_version = "8.0", .at = T0 - 20 * DAY };
	int64_t conn = store_connection_begin(s, &ci, err, sizeof err);
	vm_facts v[4];
	vm(&v[0], "vm-1", "app-crm-01", "DC-East", "Prod", "Production/CRM", true, false);
	vm(&v[1], "vm-2", "sql-erp-prod-01", "DC-East", "Prod", "Production/SQL", true, false);
	vm(&v[2], "vm-3", "dc-branch-office-01", "DC-West", NULL, "Branch", false, false);
	vm(&v[3], "vm-4", "file-archive-ide-01", "DC-West", NULL, "Branch", true, true);
	scan(s, conn, T0 - 10 * DAY, "{\"vm\":[],\"probe\":true}", v, 4);
	scan(s, conn, T0 - 2 * DAY, "{\"vm\":[\"app-crm-01\"],\"probe\":true}", v, 1);
	test_snap(s, conn, T0 - 2 * DAY + 60, "vm-1", "app-crm-01", "success", LEVEL_APPLICATION);
	scan(s, conn, T0 - DAY, "{\"vm\":[],\"probe\":true}", v, 4);
	scan(s, conn, T0 - DAY / 2, "{\"vm\":[\"sql-erp-prod-01\"],\"probe\":true}", &v[1], 1);
	test_snap(s, conn, T0 - DAY / 2 + 60, "vm-2", "sql-erp-prod-01", "failed", LEVEL_NONE);
	for (int i = 0; i < 4; i++)
		model_vm_facts_done(&v[i]);
	store_close(s);
	return 0;
}

#define teardown test_db_fixture_teardown

static json_value *report_json(const char *path, const report_opts *o)
{
	char err[256] = "";
	store *s = test_store_open(path);
	strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(report_build(s, o, REPORT_JSON, T0, &sb, err, sizeof err), 0);
	json_value *doc = json_parse(sb.buf, sb.len, err, sizeof err);
	if (!doc)
		fail_msg("report JSON: %s", err);
	strbuf_done(&sb);
	store_close(s);
	return doc;
}

static int64_t num(const json_value *o, const char *key)
{
	int64_t v = -1;
	assert_true(json_get_int(o, key, &v));
	return v;
}

static void test_headline_and_groups(void **state)
{
	fixture *fx = *state;
	json_value *doc = report_json(fx->db.path, NULL);
	const json_value *h = json_get(doc, "headline");
	assert_int_equal(num(h, "windows"), 4);
	assert_int_equal(num(h, "proven"), 1);
	assert_int_equal(num(h, "failed"), 1);
	assert_int_equal(num(h, "predicted"), 2);
	assert_int_equal(num(h, "ready"), 1);   /* crm-01; erp-01 failed, dc-branch R07, ide R09 */
	assert_int_equal(num(h, "problems"), 3);
	const json_value *p = json_get(doc, "problems");
	assert_string_equal(json_get_string(&p->items[0], "name"), "sql-erp-prod-01");
	assert_string_equal(json_get_string(&p->items[0], "rule"), "R25");
	assert_string_equal(json_get_string(&p->items[1], "name"), "file-archive-ide-01");
	assert_string_equal(json_get_string(&p->items[2], "name"), "dc-branch-office-01");
	assert_non_null(strstr(json_get_string(&p->items[2], "next_action"),
			       "quiescent fix --vm 'dc-branch-office-01' --rule R07 --apply"));
	const json_value *dcs = json_get(json_get(doc, "by"), "datacenter");
	assert_int_equal(dcs->n, 2);
	assert_string_equal(json_get_string(&dcs->items[0], "name"), "DC-East");
	assert_int_equal(num(&dcs->items[0], "proven"), 1);
	assert_int_equal(num(&dcs->items[0], "failed"), 1);
	assert_int_equal(num(&dcs->items[1], "not_ready"), 2);
	assert_int_equal(json_get(json_get(doc, "by"), "cluster")->n, 1);
	assert_int_equal(json_get(json_get(doc, "by"), "folder")->n, 3);
	/* two full scans and two partial rescans, never mixed */
	assert_int_equal(json_get(doc, "trend_full")->n, 2);
	assert_int_equal(json_get(doc, "trend_partial")->n, 2);
	assert_int_equal(num(&json_get(doc, "trend_partial")->items[0], "total"), 1);
	const json_value *before = json_get(h, "ready_before");
	assert_int_equal(num(before, "ready"), 2); /* crm-01 and erp-01, ten days ago */
	json_free(doc);
}

static void test_scopes(void **state)
{
	fixture *fx = *state;
	report_opts o = { .folder_glob = "Branch" };
	json_value *doc = report_json(fx->db.path, &o);
	const json_value *estate = json_get(doc, "estate");
	assert_int_equal(estate->n, 2);
	assert_string_equal(json_get_string(&estate->items[0], "name"), "dc-branch-office-01");
	assert_int_equal(num(json_get(doc, "headline"), "proven"), 0);
	/* the trend counts the scope's VMs only */
	const json_value *full = json_get(doc, "trend_full");
	assert_int_equal(full->n, 2);
	for (size_t i = 0; i < full->n; i++)
		assert_int_equal(num(&full->items[i], "total"), 2);
	json_free(doc);
	o = (report_opts){ .vm_glob = "*-prod-*" };
	doc = report_json(fx->db.path, &o);
	assert_int_equal(json_get(doc, "estate")->n, 1);
	assert_int_equal(num(json_get(doc, "headline"), "failed"), 1);
	assert_int_equal(json_get(doc, "snaptests")->type, JSON_OBJECT);
	assert_int_equal(json_get(json_get(doc, "snaptests"), "records")->n, 1);
	json_free(doc);
	/* a one-day proof age: the good test of two days ago only predicts */
	o = (report_opts){ .max_proof_age = DAY };
	doc = report_json(fx->db.path, &o);
	assert_int_equal(num(json_get(doc, "headline"), "proven"), 0);
	json_free(doc);
	/* the period: since 5 days ago, one full scan in it, the one before is the baseline */
	o = (report_opts){ .since = T0 - 5 * DAY };
	doc = report_json(fx->db.path, &o);
	assert_int_equal(json_get(doc, "trend_full")->n, 1);
	assert_int_equal(num(json_get(json_get(doc, "headline"), "ready_before"), "ready"), 2);
	json_free(doc);
}

static void test_every_format(void **state)
{
	fixture *fx = *state;
	char err[256] = "";
	store *s = test_store_open(fx->db.path);
	strbuf sb;
	strbuf_init(&sb);
	assert_int_equal(report_build(s, NULL, REPORT_HTML, T0, &sb, err, sizeof err), 0);
	assert_non_null(strstr(sb.buf, "<b data-figure=\"proven\">1</b>"));
	assert_non_null(strstr(sb.buf, "<td class=\"vm\">sql-erp-prod-01</td>"));
	assert_non_null(strstr(sb.buf, "@page{size:A4 landscape"));
	assert_non_null(strstr(sb.buf, "class=\"partial\""));
	assert_null(strstr(sb.buf, "<script"));
	/* names inside sentences stay on one line too */
	assert_non_null(strstr(sb.buf, "quiescent snaptest &#39;<span class=\"nm\">sql-erp-prod-01</span>&#39;"));
	strbuf_reset(&sb);
	assert_int_equal(report_build(s, NULL, REPORT_MD, T0, &sb, err, sizeof err), 0);
	assert_true(!strncmp(sb.buf, "# Quiescing proof report\n", 25));
	assert_non_null(strstr(sb.buf, "**1 of 4 Windows VMs proven**"));
	strbuf_reset(&sb);
	assert_int_equal(report_build(s, NULL, REPORT_CSV, T0, &sb, err, sizeof err), 0);
	assert_non_null(strstr(sb.buf, "\r\nheadline,"));
	assert_non_null(strstr(sb.buf, "\r\nrescan,"));
	strbuf_done(&sb);
	store_close(s);
}

/* A scan's output spilled to a file as it is formatted (quiescent scan at 10,000 VMs) is
 * byte for byte the output held whole, in every format, the spill taken many times. */
static void test_scan_output_spill(void **state)
{
	(void)state;
	scan_result r = { .vcenter = xstrdup("vc01.example.com"), .scanned_at = 1795300000 };
	r.n = 1500;
	r.facts = xcalloc(r.n, sizeof *r.facts);
	r.verdicts = xcalloc(r.n, sizeof *r.verdicts);
	for (size_t i = 0; i < r.n; i++) {
		vm_facts *f = &r.facts[i];
		model_vm_facts_init(f);
		f->moref = xasprintf("vm-%zu", i);
		f->name = xasprintf("app-%05zu", i);
		model_str_set(&f->guest_full_name, "Microsoft Windows Server 2022 (64-bit)");
		f->power = POWER_ON;
		model_verdict_init(&r.verdicts[i]);
		rules_evaluate(f, r.scanned_at, &r.verdicts[i]);
	}
	static const scan_format formats[] = { SCAN_FORMAT_TABLE, SCAN_FORMAT_JSON,
					       SCAN_FORMAT_CSV, SCAN_FORMAT_CSV_FINDINGS };
	for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
		strbuf whole, rest;
		strbuf_init(&whole);
		strbuf_init(&rest);
		scan_output(&whole, &r, formats[k], 0, NULL);
		FILE *fp = tmpfile();
		assert_non_null(fp);
		scan_output(&rest, &r, formats[k], 0, fp);
		assert_true(rest.len < whole.len / 2); /* most of it went out early */
		fwrite(rest.buf, 1, rest.len, fp);
		long n = ftell(fp);
		assert_int_equal((size_t)n, whole.len);
		char *got = xmalloc((size_t)n);
		rewind(fp);
		assert_int_equal(fread(got, 1, (size_t)n, fp), (size_t)n);
		assert_memory_equal(got, whole.buf, whole.len);
		free(got);
		fclose(fp);
		strbuf_done(&whole);
		strbuf_done(&rest);
	}
	scan_result_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headline_and_groups),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_every_format),
		cmocka_unit_test(test_scan_output_spill),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
