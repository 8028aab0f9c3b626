/* Unit tests for core/model: names and parsers (the JSON contract spells them), tools
 * version encoding, deep copy and release of facts and verdicts (run under valgrind). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/xalloc.h"

/* ---- names: every value and its exact spelling, then the parser back ---- */

typedef struct {
	int value;
	const char *name;
} name_row;

#define ROWS(x) (sizeof(x) / sizeof((x)[0]))

static const name_row level_rows[] = {
	{LEVEL_NONE, "none"},   {LEVEL_FAIL, "fail"},         {LEVEL_CRASH, "crash"},
	{LEVEL_FILESYSTEM, "filesystem"}, {LEVEL_APPLICATION, "application"},
};
static const name_row status_rows[] = {
	{STATUS_READY, "ready"},     {STATUS_FIXABLE, "fixable"}, {STATUS_MANUAL, "manual"},
	{STATUS_UNKNOWN, "unknown"}, {STATUS_NA, "n/a"},
};
static const name_row severity_rows[] = {
	{SEVERITY_INFO, "info"}, {SEVERITY_WARN, "warn"}, {SEVERITY_ERROR, "error"},
};
static const name_row fix_rows[] = {
	{FIX_NONE, "none"}, {FIX_AUTO, "auto"}, {FIX_GUIDED, "guided"}, {FIX_MANUAL, "manual"},
};
static const name_row power_rows[] = {
	{POWER_UNKNOWN, "unknown"}, {POWER_ON, "poweredOn"}, {POWER_OFF, "poweredOff"},
	{POWER_SUSPENDED, "suspended"},
};
static const name_row tools_rows[] = {
	{TOOLS_UNKNOWN, "unknown"}, {TOOLS_RUNNING, "running"}, {TOOLS_NOT_RUNNING, "notRunning"},
	{TOOLS_NOT_INSTALLED, "notInstalled"},
};
static const name_row probe_rows[] = {
	{PROBE_NOT_RUN, "not_run"},         {PROBE_OK, "ok"},
	{PROBE_NOT_CONFIGURED, "not_configured"}, {PROBE_LOGIN_FAILED, "login_failed"},
	{PROBE_UNAVAILABLE, "unavailable"}, {PROBE_STALE, "stale"},
	{PROBE_NOT_ELEVATED, "not_elevated"},
};
static const name_row family_rows[] = {
	{OS_OTHER, "other"},         {OS_WIN2000, "win2000"},     {OS_WINXP, "winxp"},
	{OS_WINDESKTOP, "windesktop"}, {OS_WIN2003, "win2003"},   {OS_WIN2008, "win2008"},
	{OS_WIN2008R2, "win2008r2"}, {OS_WIN2012, "win2012"},     {OS_WIN2012R2, "win2012r2"},
	{OS_WIN2016, "win2016"},     {OS_WIN2019, "win2019"},     {OS_WIN2022, "win2022"},
	{OS_WIN2025, "win2025"},
};
static const name_row controller_rows[] = {
	{CTRL_UNKNOWN, "unknown"}, {CTRL_PVSCSI, "pvscsi"}, {CTRL_LSILOGIC, "lsilogic"},
	{CTRL_LSILOGIC_SAS, "lsilogic-sas"}, {CTRL_BUSLOGIC, "buslogic"}, {CTRL_IDE, "ide"},
	{CTRL_SATA, "sata"}, {CTRL_NVME, "nvme"},
};
static const name_row disk_mode_rows[] = {
	{DISK_PERSISTENT, "persistent"},
	{DISK_INDEPENDENT_PERSISTENT, "independent_persistent"},
	{DISK_INDEPENDENT_NONPERSISTENT, "independent_nonpersistent"},
	{DISK_OTHER_MODE, "other"},
};
static const name_row svc_start_rows[] = {
	{SVC_START_UNKNOWN, "unknown"}, {SVC_START_BOOT, "boot"},     {SVC_START_SYSTEM, "system"},
	{SVC_START_AUTO, "auto"},       {SVC_START_DEMAND, "demand"}, {SVC_START_DISABLED, "disabled"},
};
static const name_row svc_state_rows[] = {
	{SVC_STATE_UNKNOWN, "unknown"},
	{SVC_STATE_STOPPED, "stopped"},
	{SVC_STATE_START_PENDING, "start_pending"},
	{SVC_STATE_STOP_PENDING, "stop_pending"},
	{SVC_STATE_RUNNING, "running"},
	{SVC_STATE_CONTINUE_PENDING, "continue_pending"},
	{SVC_STATE_PAUSE_PENDING, "pause_pending"},
	{SVC_STATE_PAUSED, "paused"},
};
static const name_row writer_state_rows[] = {
	{WRITER_STATE_UNKNOWN, "unknown"}, {WRITER_STABLE, "stable"},
	{WRITER_WAITING_FOR_COMPLETION, "waiting_for_completion"}, {WRITER_FAILED, "failed"},
	{WRITER_OTHER, "other"},
};
static const name_row writer_error_rows[] = {
	{WRITER_ERR_UNKNOWN, "unknown"},   {WRITER_ERR_NONE, "none"},
	{WRITER_ERR_RETRYABLE, "retryable"}, {WRITER_ERR_NON_RETRYABLE, "non_retryable"},
	{WRITER_ERR_TIMEOUT, "timeout"},   {WRITER_ERR_OTHER, "other"},
};
static const name_row tvs_rows[] = {
	{TOOLS_VS_UNKNOWN, "unknown"},
	{TOOLS_VS_NOT_INSTALLED, "guestToolsNotInstalled"},
	{TOOLS_VS_CURRENT, "guestToolsCurrent"},
	{TOOLS_VS_NEED_UPGRADE, "guestToolsNeedUpgrade"},
	{TOOLS_VS_SUPPORTED_OLD, "guestToolsSupportedOld"},
	{TOOLS_VS_SUPPORTED_NEW, "guestToolsSupportedNew"},
	{TOOLS_VS_TOO_OLD, "guestToolsTooOld"},
	{TOOLS_VS_TOO_NEW, "guestToolsTooNew"},
	{TOOLS_VS_BLACKLISTED, "guestToolsBlacklisted"},
	{TOOLS_VS_UNMANAGED, "guestToolsUnmanaged"},
};

/* Adapters so one loop checks every enum: name(v), parse(s, &v). */
#define ADAPT(what, type)                                                            \
	static const char *what##_name_i(int v) { return model_##what##_name((type)v); } \
	static bool what##_parse_i(const char *s, int *out)                          \
	{                                                                            \
		type t = (type)12345;                                                \
		bool ok = model_##what##_parse(s, &t);                               \
		*out = (int)t;                                                       \
		return ok;                                                           \
	}
ADAPT(level, quiesce_level)
ADAPT(status, vm_status)
ADAPT(severity, severity)
ADAPT(fix, fix_kind)
ADAPT(power, power_state)
ADAPT(tools_status, tools_status)
ADAPT(probe_state, probe_state)
ADAPT(os_family, os_family)
ADAPT(controller, controller_kind)
ADAPT(disk_mode, disk_mode)
ADAPT(svc_start, svc_start)
ADAPT(svc_state, svc_state)
ADAPT(writer_state, writer_state)
ADAPT(writer_error, writer_error)
ADAPT(tools_version_status, tools_version_status)

typedef struct {
	const char *what;
	const name_row *rows;
	size_t n;
	const char *(*name)(int);
	bool (*parse)(const char *, int *);
	int out_of_range;
} name_case;

#define NC(what, rows, oor) {#what, rows, ROWS(rows), what##_name_i, what##_parse_i, oor}
static const name_case name_cases[] = {
	NC(level, level_rows, 4),
	NC(status, status_rows, 5),
	NC(severity, severity_rows, 3),
	NC(fix, fix_rows, 4),
	NC(power, power_rows, 4),
	NC(tools_status, tools_rows, 4),
	NC(probe_state, probe_rows, 7),
	NC(os_family, family_rows, 13),
	NC(controller, controller_rows, 8),
	NC(disk_mode, disk_mode_rows, 4),
	NC(svc_start, svc_start_rows, 6),
	NC(svc_state, svc_state_rows, 8),
	NC(writer_state, writer_state_rows, 5),
	NC(writer_error, writer_error_rows, 6),
	NC(tools_version_status, tvs_rows, 10),
};

static void test_names(void **state)
{
	(void)state;
	for (size_t c = 0; c < ROWS(name_cases); c++) {
		const name_case *nc = &name_cases[c];
		for (size_t i = 0; i < nc->n; i++) {
			const char *got = nc->name(nc->rows[i].value);
			if (strcmp(got, nc->rows[i].name) != 0)
				fail_msg("%s(%d) = \"%s\", want \"%s\"", nc->what, nc->rows[i].value, got,
					 nc->rows[i].name);
			int back = -99;
			if (!nc->parse(nc->rows[i].name, &back))
				fail_msg("%s parse(\"%s\") failed", nc->what, nc->rows[i].name);
			assert_int_equal(back, nc->rows[i].value);
		}
		/* out of range values never crash and read "unknown" */
		assert_string_equal(nc->name(nc->out_of_range), "unknown");
		assert_string_equal(nc->name(-7), "unknown");
	}
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "Application", "READY", " ready", "ready ", "na",
					  "n/a/", "applications", "warning", "UNKNOWN"};
	for (size_t c = 0; c < ROWS(name_cases); c++) {
		int v = 4242;
		assert_false(name_cases[c].parse(NULL, &v));
		for (size_t i = 0; i < ROWS(bad); i++) {
			/* "unknown" exists in several tables: only the exact lower-case spelling */
			if (!name_cases[c].parse(bad[i], &v))
				continue;
			fail_msg("%s accepted \"%s\"", name_cases[c].what, bad[i]);
		}
	}
	/* a failed parse leaves the output alone */
	quiesce_level l = LEVEL_CRASH;
	assert_false(model_level_parse("bogus", &l));
	assert_int_equal(l, LEVEL_CRASH);
	vm_status s = STATUS_MANUAL;
	assert_false(model_status_parse("nope", &s));
	assert_int_equal(s, STATUS_MANUAL);
	assert_true(model_status_parse("n/a", &s));
	assert_int_equal(s, STATUS_NA);
	assert_true(model_level_parse("none", &l));
	assert_int_equal(l, LEVEL_NONE);
}

/* ---- tools version ---- */

typedef struct {
	int major, minor, patch;
	int encoded;
	const char *text;
} tv_row;

static const tv_row tv_rows[] = {
	{10, 1, 0, 10272, "10.1.0"}, {11, 0, 0, 11264, "11.0.0"}, {12, 0, 0, 12288, "12.0.0"},
	{10, 0, 0, 10240, "10.0.0"}, {11, 3, 5, 11365, "11.3.5"}, {12, 1, 5, 12325, "12.1.5"},
	{10, 0, 12, 10252, "10.0.12"}, {9, 10, 0, 9536, "9.10.0"}, {12, 3, 5, 12389, "12.3.5"},
	{0, 0, 1, 1, "0.0.1"},       {1, 31, 31, 2047, "1.31.31"}, {13, 0, 0, 13312, "13.0.0"},
};

static void test_tools_version_encode(void **state)
{
	(void)state;
	char buf[16];
	for (size_t i = 0; i < ROWS(tv_rows); i++) {
		const tv_row *r = &tv_rows[i];
		assert_int_equal(model_tools_version_encode(r->major, r->minor, r->patch), r->encoded);
		assert_string_equal(model_tools_version_format(r->encoded, buf), r->text);
		int back = 0;
		assert_true(model_tools_version_parse(r->text, &back));
		assert_int_equal(back, r->encoded);
	}
	assert_int_equal(MODEL_TOOLS_VERSION_10_1_0, 10272);
	assert_int_equal(MODEL_TOOLS_VERSION_UNMANAGED, 2147483647);
}

static void test_tools_version_edges(void **state)
{
	(void)state;
	char buf[16];
	assert_string_equal(model_tools_version_format(2147483647, buf), "unmanaged");
	assert_string_equal(model_tools_version_format(0, buf), "unknown");
	assert_string_equal(model_tools_version_format(-5, buf), "unknown");
	/* the returned pointer is the caller's buffer */
	assert_ptr_equal(model_tools_version_format(10272, buf), buf);

	assert_int_equal(model_tools_version_encode(10, 32, 0), -1);
	assert_int_equal(model_tools_version_encode(10, 0, 32), -1);
	assert_int_equal(model_tools_version_encode(-1, 0, 0), -1);
	assert_int_equal(model_tools_version_encode(10, -1, 0), -1);
	assert_int_equal(model_tools_version_encode(10, 0, -1), -1);
	assert_int_equal(model_tools_version_encode(1 << 20, 0, 0), -1);
	assert_int_equal(model_tools_version_encode(0, 0, 0), 0);

	int v = 0;
	assert_true(model_tools_version_parse("unmanaged", &v));
	assert_int_equal(v, 2147483647);
	assert_true(model_tools_version_parse("10.1", &v));
	assert_int_equal(v, 10272);
	assert_true(model_tools_version_parse("12", &v));
	assert_int_equal(v, 12288);
	static const char *const bad[] = {"", "a.b.c", "11.", "11.3.5.1", "11.32.0", "11.0.32",
					  "-1", "11..3", " 11", "11.3.5 ", "11,3", "99999999.0.0",
					  ".1.0", "Unmanaged"};
	for (size_t i = 0; i < ROWS(bad); i++) {
		v = 777;
		if (model_tools_version_parse(bad[i], &v))
			fail_msg("parsed \"%s\" as %d", bad[i], v);
		assert_int_equal(v, 777);
	}
	assert_false(model_tools_version_parse(NULL, &v));
}

/* ---- facts: init, deep copy, done ---- */

static void fill_svc(svc_facts *s, const char *raw)
{
	s->installed = TRI_YES;
	s->state = SVC_STATE_RUNNING;
	s->start = SVC_START_AUTO;
	s->raw_state = xstrdup(raw);
}

static void fill_facts(vm_facts *f)
{
	f->moref = xstrdup("vm-42");
	f->name = xstrdup("sql-prod-01");
	f->folder = xstrdup("Production/SQL");
	f->facts_error_text = xstrdup("none really");
	f->config_guest_id = xstrdup("windows9Server64Guest");
	f->config_guest_full_name = xstrdup("Microsoft Windows Server 2016 or later (64-bit)");
	f->hw_version = 13;
	f->enable_uuid = TRI_YES;
	f->enable_uuid_raw = xstrdup("TRUE");
	f->n_disks = 2;
	f->disks = xcalloc(2, sizeof(*f->disks));
	f->disks[0] = (vm_disk){xstrdup("Hard disk 1"), CTRL_PVSCSI, 0, 0, DISK_PERSISTENT, 1};
	f->disks[1] = (vm_disk){xstrdup("Hard disk 2"), CTRL_IDE, 0, 1, DISK_INDEPENDENT_PERSISTENT, 2};
	f->n_scsi_controllers = 1;
	f->scsi_units_used = 1;
	f->power = POWER_ON;
	f->boot_time = 1000;
	f->guest_id = xstrdup("windows9Server64Guest");
	f->guest_full_name = xstrdup("Microsoft Windows Server 2019 Datacenter");
	f->guest_build = 17763;
	f->guest_build_revision = 5458;
	f->tools = TOOLS_RUNNING;
	f->tools_version_status = TOOLS_VS_CURRENT;
	f->tools_version = 12389;
	f->n_volumes = 1;
	f->volumes = xcalloc(1, sizeof(*f->volumes));
	f->volumes[0] = (vm_volume){xstrdup("C:\\"), 60, 20};
	f->snapshot_count = 3;
	f->enable_uuid_set_at = 900;
	guest_probe *p = &f->probe;
	p->state = PROBE_OK;
	p->at = 1234;
	p->error = xstrdup("nothing");
	fill_svc(&p->vmvss, "4  RUNNING");
	fill_svc(&p->lgto_sync, "1  STOPPED");
	fill_svc(&p->vss, "4  RUNNING");
	p->n_writers = 2;
	p->writers = xcalloc(2, sizeof(*p->writers));
	p->writers[0] = (vss_writer){xstrdup("SqlServerWriter"), xstrdup("{a65faa63}"), xstrdup("{i1}"),
				     WRITER_FAILED, xstrdup("[9] Failed"), WRITER_ERR_NON_RETRYABLE,
				     xstrdup("Non-retryable error")};
	p->writers[1] = (vss_writer){xstrdup("System Writer"), NULL, NULL, WRITER_STABLE, NULL,
				     WRITER_ERR_NONE, NULL};
	p->writers_known = TRI_YES;
	p->disable_app_quiescing = TRI_NO;
	p->enable_vss = TRI_YES;
	p->tools_conf_read = true;
	p->dynamic_disks = TRI_YES;
	p->storage_spaces = TRI_NO;
	p->dynamic_disks_evidence = xstrdup("Disk 1 Dyn");
	p->storage_spaces_evidence = xstrdup("no pools");
}

static void test_facts_init(void **state)
{
	(void)state;
	vm_facts f;
	memset(&f, 0x5a, sizeof(f));
	model_vm_facts_init(&f);
	assert_null(f.moref);
	assert_null(f.disks);
	assert_int_equal(f.n_disks, 0);
	assert_int_equal(f.snapshot_count, -1);
	assert_int_equal(f.enable_uuid, TRI_UNKNOWN);
	assert_int_equal(f.power, POWER_UNKNOWN);
	assert_int_equal(f.tools, TOOLS_UNKNOWN);
	assert_int_equal(f.tools_version, 0);
	assert_int_equal(f.guest_build_revision, 0);
	assert_int_equal(f.probe.state, PROBE_NOT_RUN);
	assert_int_equal(f.probe.vmvss.installed, TRI_UNKNOWN);
	assert_null(f.probe.writers);
	assert_false(f.is_template);
	model_vm_facts_done(&f);
	/* done leaves it initialised: done twice is safe */
	assert_int_equal(f.snapshot_count, -1);
	model_vm_facts_done(&f);
}

static void test_facts_copy(void **state)
{
	(void)state;
	vm_facts a, b;
	model_vm_facts_init(&a);
	fill_facts(&a);
	model_vm_facts_copy(&b, &a);

	assert_string_equal(b.moref, "vm-42");
	assert_ptr_not_equal(b.moref, a.moref);
	assert_string_equal(b.folder, "Production/SQL");
	assert_string_equal(b.enable_uuid_raw, "TRUE");
	assert_int_equal(b.n_disks, 2);
	assert_ptr_not_equal(b.disks, a.disks);
	assert_string_equal(b.disks[1].label, "Hard disk 2");
	assert_ptr_not_equal(b.disks[1].label, a.disks[1].label);
	assert_ptr_equal(b.disks[1].label, model_intern("Hard disk 2")); /* a fleet's: shared */
	assert_int_equal(b.disks[1].controller, CTRL_IDE);
	assert_int_equal(b.disks[1].mode, DISK_INDEPENDENT_PERSISTENT);
	assert_int_equal(b.guest_build_revision, 5458);
	assert_string_equal(b.volumes[0].path, "C:\\");
	assert_ptr_not_equal(b.volumes, a.volumes);
	assert_int_equal(b.probe.state, PROBE_OK);
	assert_string_equal(b.probe.vmvss.raw_state, "4  RUNNING");
	assert_ptr_not_equal(b.probe.vmvss.raw_state, a.probe.vmvss.raw_state);
	assert_string_equal(b.probe.lgto_sync.raw_state, "1  STOPPED");
	assert_int_equal(b.probe.n_writers, 2);
	assert_ptr_not_equal(b.probe.writers, a.probe.writers);
	assert_string_equal(b.probe.writers[0].name, "SqlServerWriter");
	assert_string_equal(b.probe.writers[0].last_error_text, "Non-retryable error");
	assert_null(b.probe.writers[1].id);
	assert_string_equal(b.probe.dynamic_disks_evidence, "Disk 1 Dyn");

	/* the copy outlives the original */
	model_vm_facts_done(&a);
	assert_string_equal(b.probe.writers[0].state_text, "[9] Failed");
	assert_string_equal(b.guest_full_name, "Microsoft Windows Server 2019 Datacenter");
	model_vm_facts_done(&b);
	assert_null(b.moref);
}

static void test_facts_copy_empty(void **state)
{
	(void)state;
	vm_facts a, b;
	model_vm_facts_init(&a);
	model_vm_facts_copy(&b, &a);
	assert_null(b.disks);
	assert_null(b.volumes);
	assert_null(b.probe.writers);
	assert_int_equal(b.snapshot_count, -1);
	model_vm_facts_done(&b);
	model_vm_facts_done(&a);
}

static void test_probe_copy(void **state)
{
	(void)state;
	vm_facts a;
	guest_probe p;
	model_vm_facts_init(&a);
	fill_facts(&a);
	model_guest_probe_copy(&p, &a.probe);
	model_vm_facts_done(&a);
	assert_string_equal(p.writers[0].id, "{a65faa63}");
	assert_string_equal(p.error, "nothing");
	assert_int_equal(p.dynamic_disks, TRI_YES);
	model_guest_probe_done(&p);
	assert_int_equal(p.state, PROBE_NOT_RUN);
	assert_null(p.writers);
	assert_int_equal(p.n_writers, 0);
}

/* ---- verdict ---- */

static void test_verdict(void **state)
{
	(void)state;
	verdict v, w;
	model_verdict_init(&v);
	assert_int_equal(v.n_findings, 0);
	assert_null(v.findings);
	assert_int_equal(v.status, STATUS_NA);
	model_verdict_add(&v, "R07", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_AUTO, "msg one",
			  "disk.EnableUUID is absent");
	model_verdict_add(&v, "R20", SEVERITY_INFO, LEVEL_NONE, FIX_NONE, NULL, NULL);
	assert_int_equal(v.n_findings, 2);
	assert_string_equal(v.findings[0].rule, "R07");
	assert_int_equal(v.findings[0].sev, SEVERITY_ERROR);
	assert_int_equal(v.findings[0].cap, LEVEL_FILESYSTEM);
	assert_int_equal(v.findings[0].fix, FIX_AUTO);
	assert_string_equal(v.findings[0].message, "msg one");
	assert_string_equal(v.findings[0].evidence, "disk.EnableUUID is absent");
	assert_null(v.findings[1].message);
	assert_string_equal(v.findings[1].rule, "R20");
	/* over-long ids are cut to fit, never overflow */
	model_verdict_add(&v, "R123456", SEVERITY_WARN, LEVEL_NONE, FIX_NONE, "x", "y");
	assert_string_equal(v.findings[2].rule, "R12");

	v.best = LEVEL_APPLICATION;
	v.predicted = LEVEL_FILESYSTEM;
	v.status = STATUS_FIXABLE;
	model_verdict_copy(&w, &v);
	model_verdict_done(&v);
	assert_int_equal(v.n_findings, 0);
	assert_null(v.findings);
	assert_int_equal(w.n_findings, 3);
	assert_string_equal(w.findings[0].evidence, "disk.EnableUUID is absent");
	assert_int_equal(w.predicted, LEVEL_FILESYSTEM);
	assert_int_equal(w.status, STATUS_FIXABLE);
	model_verdict_done(&w);
	model_verdict_done(&w);
}

/* The short names of table columns: one spelling for the CLI's table and the console. */
/* A packed verdict (the console's fleet keeps its verdicts so) reads, copies, grows and
 * frees like any other (valgrind: nothing leaked, nothing freed twice). */
static void test_verdict_pack(void **state)
{
	(void)state;
	verdict v, w;
	model_verdict_init(&v);
	model_verdict_pack(&v); /* nothing to pack */
	assert_false(v.packed);
	model_verdict_add(&v, "R07", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_AUTO, "msg one",
			  "disk.EnableUUID is absent");
	model_verdict_add(&v, "R20", SEVERITY_INFO, LEVEL_NONE, FIX_NONE, NULL, NULL);
	model_verdict_add(&v, "R17", SEVERITY_WARN, LEVEL_NONE, FIX_GUIDED, "many", "32 snapshots");
	model_verdict_pack(&v);
	assert_true(v.packed);
	model_verdict_pack(&v); /* twice: the same */
	assert_int_equal(v.n_findings, 3);
	assert_string_equal(v.findings[0].rule, "R07");
	assert_string_equal(v.findings[0].evidence, "disk.EnableUUID is absent");
	assert_string_equal(v.findings[0].message, "msg one");
	assert_null(v.findings[1].evidence);
	assert_string_equal(v.findings[2].evidence, "32 snapshots");
	model_verdict_copy(&w, &v);
	assert_false(w.packed);
	assert_string_equal(w.findings[2].evidence, "32 snapshots");
	assert_ptr_not_equal(w.findings[2].evidence, v.findings[2].evidence);
	model_verdict_add(&v, "R25", SEVERITY_WARN, LEVEL_NONE, FIX_NONE, "late", "added after");
	assert_false(v.packed);
	assert_int_equal(v.n_findings, 4);
	assert_string_equal(v.findings[0].evidence, "disk.EnableUUID is absent");
	assert_string_equal(v.findings[3].evidence, "added after");
	model_verdict_pack(&v);
	model_verdict_done(&v);
	assert_int_equal(v.n_findings, 0);
	assert_false(v.packed);
	model_verdict_done(&w);
}

static void test_short_names(void **state)
{
	(void)state;
	assert_string_equal(model_level_short(LEVEL_APPLICATION), "app");
	assert_string_equal(model_level_short(LEVEL_FILESYSTEM), "fs");
	assert_string_equal(model_level_short(LEVEL_CRASH), "crash");
	assert_string_equal(model_level_short(LEVEL_FAIL), "fail");
	assert_string_equal(model_level_short(LEVEL_NONE), "-");
	assert_string_equal(model_power_short(POWER_ON), "on");
	assert_string_equal(model_power_short(POWER_OFF), "off");
	assert_string_equal(model_power_short(POWER_SUSPENDED), "sus");
	assert_string_equal(model_power_short(POWER_UNKNOWN), "?");
	char b[16];
	int v = model_tools_version_encode(12, 1, 5);
	assert_string_equal(model_tools_text(TOOLS_RUNNING, v, b), "12.1.5");
	assert_string_equal(model_tools_text(TOOLS_RUNNING, 0, b), "running");
	assert_string_equal(model_tools_text(TOOLS_NOT_RUNNING, v, b), "stopped");
	assert_string_equal(model_tools_text(TOOLS_NOT_INSTALLED, 0, b), "none");
	assert_string_equal(model_tools_text(TOOLS_UNKNOWN, v, b), "?");   /* never passes for running */
}

/* Interned strings: one shared copy per value; the facts' fields may hold either kind and
 * release both alike (under valgrind and ASan a wrong free or a leak here fails the run). */
static void test_intern(void **state)
{
	(void)state;
	char a[] = "Microsoft Windows Server 2022 (64-bit)", b[sizeof a];
	memcpy(b, a, sizeof a);
	const char *x = model_intern(a), *y = model_intern(b);
	assert_ptr_equal(x, y);          /* one copy for equal texts */
	assert_ptr_not_equal(x, a);      /* the caller's buffer is not kept */
	assert_string_equal(x, a);
	assert_null(model_intern(NULL));
	assert_ptr_not_equal(model_intern("Hard disk 1"), x);

	vm_facts f;
	model_vm_facts_init(&f);
	f.guest_full_name = xstrdup(a);  /* a malloc'ed value of its own (history readback) */
	model_str_set(&f.guest_full_name, a);
	assert_ptr_equal(f.guest_full_name, x);
	model_str_set(&f.guest_full_name, a); /* the same value again: kept */
	assert_ptr_equal(f.guest_full_name, x);
	f.datacenter = xstrdup("DC0");   /* equal to an interned text, yet its own: freed */
	model_intern("DC0");
	f.host = (char *)model_intern("esx-01");
	model_vm_facts_done(&f);         /* frees the owned ones, keeps the shared ones */
	assert_string_equal(model_intern("esx-01"), "esx-01");
	assert_ptr_equal(model_intern(b), x);

	verdict v, w;
	model_verdict_init(&v);
	model_verdict_add(&v, "R21", SEVERITY_INFO, LEVEL_NONE, FIX_NONE, a, "probe not_run");
	model_verdict_copy(&w, &v);
	assert_ptr_equal(v.findings[0].message, x); /* messages repeat over a fleet: shared */
	assert_ptr_equal(w.findings[0].message, x);
	assert_ptr_not_equal(w.findings[0].evidence, v.findings[0].evidence);
	model_verdict_done(&v);
	model_verdict_done(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_short_names),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_tools_version_encode),
		cmocka_unit_test(test_tools_version_edges),
		cmocka_unit_test(test_facts_init),
		cmocka_unit_test(test_facts_copy),
		cmocka_unit_test(test_facts_copy_empty),
		cmocka_unit_test(test_probe_copy),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_verdict_pack),
		cmocka_unit_test(test_intern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
