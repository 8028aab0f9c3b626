/* Unit tests for core/fix/fix_plan: every fix kind, power states, the hard power-off option,
 * Tools methods, guest credentials, manual-only VMs, the rule filter, step order and the
 * downtime estimate. Pure: facts and verdicts are built by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fix/fix_plan.h"
#include "model/model.h"
#include "store/store.h"
#include "util/xalloc.h"

typedef struct {
	vm_facts f;
	verdict v;
} vm;

/* A VM as the scan gives it, before its findings are added. */
static vm vm_make(const char *name, power_state p, tools_status t)
{
	vm x;
	model_vm_facts_init(&x.f);
	model_verdict_init(&x.v);
	x.f.moref = xstrdup("vm-42");
	x.f.name = xstrdup(name);
	x.f.power = p;
	x.f.tools = t;
	return x;
}

static void vm_done(vm *x)
{
	model_vm_facts_done(&x->f);
	model_verdict_done(&x->v);
}

static void add(vm *x, const char *rule, severity sev, fix_kind fix)
{
	model_verdict_add(&x->v, rule, sev, LEVEL_FILESYSTEM, fix, "message", "evidence on the VM");
}

static fix_plan_opts opts(void)
{
	fix_plan_opts o = { .have_guest_creds = true, .tools_method = FIX_TOOLS_UPGRADE };
	return o;
}

/* Plans the one VM (o NULL: the default options: a guest login, Tools by upgrade). */
static void plan1(vm *x, const fix_plan_opts *o, fix_plan *p)
{
	fix_plan_opts d = opts();
	fix_plan_build(&x->f, &x->v, 1, o ? o : &d, p);
}

/* The step kinds of the only VM, as "a,b,c" (static storage: the next call overwrites). */
static const char *kinds(const fix_plan *p)
{
	static char buf[512];
	buf[0] = '\0';
	if (!p->n_vms)
		return buf;
	const fix_vm_plan *v = &p->vms[0];
	for (size_t i = 0; i < v->n_steps; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "",
			 fix_step_kind_name(v->steps[i].kind));
	return buf;
}

/* plan1, then its step kinds. */
static const char *plan_kinds(vm *x, const fix_plan_opts *o, fix_plan *p)
{
	plan1(x, o, p);
	return kinds(p);
}

static void test_r07_running(void **state)
{
	(void)state;
	vm x = vm_make("sql-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	fix_plan p;
	plan1(&x, NULL, &p);
	assert_int_equal(p.n_vms, 1);
	assert_string_equal(kinds(&p),
			    "shutdown_guest,set_enable_uuid,power_on,wait_tools,verify");
	const fix_vm_plan *v = &p.vms[0];
	assert_int_equal(v->original_power, POWER_ON);
	assert_string_equal(v->steps[0].rule, "R07");
	assert_false(v->steps[0].restore);
	assert_false(v->steps[1].restore);
	assert_true(v->steps[2].restore);
	assert_true(v->steps[3].restore);
	assert_true(v->steps[4].restore);
	assert_string_equal(v->steps[1].arg, "TRUE");
	fix_timing t = fix_timing_default();
	assert_int_equal(v->downtime_s, t.guest_shutdown + t.reconfig + t.power_on + t.tools_start);
	assert_true(v->duration_s >= v->downtime_s);
	assert_int_equal(v->n_unfixed, 0);
	assert_non_null(strstr(v->steps[0].description, "300 s"));
	assert_null(strstr(v->steps[0].description, "power off"));
	assert_int_equal(p.opts.shutdown_timeout_s, 300);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_r07_powered_off(void **state)
{
	(void)state;
	vm x = vm_make("off-01", POWER_OFF, TOOLS_NOT_RUNNING);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	add(&x, "R20", SEVERITY_INFO, FIX_NONE);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p), "set_enable_uuid,verify");
	assert_int_equal(p.vms[0].downtime_s, 0);
	assert_int_equal(p.vms[0].n_unfixed, 0);
	assert_false(p.vms[0].reprobe);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_r07_tools_down(void **state)
{
	(void)state;
	vm x = vm_make("down-01", POWER_ON, TOOLS_NOT_RUNNING);
	add(&x, "R02", SEVERITY_ERROR, FIX_GUIDED);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	fix_plan_opts o = opts();
	fix_plan p;
	plan1(&x, &o, &p);
	/* Without --hard-power-off nothing may pull the power. */
	assert_string_equal(kinds(&p), "");
	assert_int_equal(p.vms[0].n_unfixed, 2);
	assert_string_equal(p.vms[0].unfixed[1].rule, "R07");
	assert_non_null(strstr(p.vms[0].unfixed[1].reason, "--hard-power-off"));
	fix_plan_done(&p);

	o.hard_power_off = true;
	plan1(&x, &o, &p);
	/* No waiting for Tools that were not running before. */
	assert_string_equal(kinds(&p), "power_off,set_enable_uuid,power_on,verify");
	fix_timing t = fix_timing_default();
	assert_int_equal(p.vms[0].downtime_s, t.power_off + t.reconfig + t.power_on);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_hard_power_off_fallback_described(void **state)
{
	(void)state;
	vm x = vm_make("sql-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	fix_plan_opts o = opts();
	o.hard_power_off = true;
	o.shutdown_timeout_s = 45;
	fix_plan p;
	plan1(&x, &o, &p);
	/* Tools run: still a clean shutdown first, power off only as the fallback. */
	assert_int_equal(p.vms[0].steps[0].kind, FIX_STEP_SHUTDOWN_GUEST);
	assert_non_null(strstr(p.vms[0].steps[0].description, "45 s"));
	assert_non_null(strstr(p.vms[0].steps[0].description, "power off"));
	assert_true(p.opts.hard_power_off);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_r07_suspended(void **state)
{
	(void)state;
	vm x = vm_make("susp-01", POWER_SUSPENDED, TOOLS_NOT_RUNNING);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	fix_plan_opts o = opts();
	o.hard_power_off = true;
	fix_plan p;
	plan1(&x, &o, &p);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "suspended"));
	fix_plan_done(&p);
	vm_done(&x);
}

/* A leftover of an interrupted run (R26) is recovery's, never a plan step; a pending restart
 * (R24) is the operator's to schedule. */
static void test_r26_and_r24_not_planned(void **state)
{
	(void)state;
	vm x = vm_make("left-01", POWER_OFF, TOOLS_NOT_RUNNING);
	add(&x, "R26", SEVERITY_ERROR, FIX_AUTO);
	add(&x, "R24", SEVERITY_WARN, FIX_GUIDED);
	fix_plan p;
	plan1(&x, NULL, &p);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_int_equal(p.vms[0].n_unfixed, 2);
	assert_string_equal(p.vms[0].unfixed[0].rule, "R26");
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "quiescent recover"));
	assert_string_equal(p.vms[0].unfixed[1].rule, "R24");
	assert_non_null(strstr(p.vms[0].unfixed[1].reason, "guided"));
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_r08_power_cycle(void **state)
{
	(void)state;
	vm x = vm_make("cyc-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R08", SEVERITY_WARN, FIX_AUTO);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p), "shutdown_guest,power_on,wait_tools,verify");
	assert_string_equal(p.vms[0].steps[0].rule, "R08");
	fix_plan_done(&p);
	vm_done(&x);
}

/* R07 and R08 on one running VM: one power cycle, its shutdown serving R07 (the error). */
static void test_r07_with_r08_one_cycle(void **state)
{
	(void)state;
	vm x = vm_make("cyc-02", POWER_ON, TOOLS_RUNNING);
	add(&x, "R08", SEVERITY_WARN, FIX_AUTO);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p),
			    "shutdown_guest,set_enable_uuid,power_on,wait_tools,verify");
	assert_string_equal(p.vms[0].steps[0].rule, "R07");
	assert_string_equal(p.vms[0].steps[1].rule, "R07");
	assert_string_equal(p.vms[0].steps[2].rule, "");
	assert_int_equal(p.vms[0].n_unfixed, 0);
	fix_plan_done(&p);
	vm_done(&x);
}

/* Info findings other than R23 are context, not unfixed work; a rule id this version does not
 * know (a newer one's history) is never planned: its message is the instructions. */
static void test_info_context_and_unknown_rule(void **state)
{
	(void)state;
	vm x = vm_make("new-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R21", SEVERITY_INFO, FIX_MANUAL);
	add(&x, "R99", SEVERITY_ERROR, FIX_AUTO);
	fix_plan p;
	plan1(&x, NULL, &p);
	assert_int_equal(p.n_vms, 1);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_int_equal(p.vms[0].n_unfixed, 1);
	assert_string_equal(p.vms[0].unfixed[0].rule, "R99");
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "guided"));
	assert_string_equal(p.vms[0].unfixed[0].instructions,
			    "new-01: message (found: evidence on the VM)");
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_r03_upgrade(void **state)
{
	(void)state;
	vm x = vm_make("old-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R03", SEVERITY_ERROR, FIX_AUTO);
	add(&x, "R23", SEVERITY_INFO, FIX_AUTO);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p), "upgrade_tools,wait_tools,verify");
	assert_string_equal(p.vms[0].steps[0].arg, "/S /v\"/qn REBOOT=R\"");
	assert_int_equal(p.vms[0].downtime_s, 0);
	fix_plan_done(&p);
	/* Off: Tools cannot be upgraded, it says why. */
	x.f.power = POWER_OFF;
	plan1(&x, NULL, &p);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_int_equal(p.vms[0].n_unfixed, 2);
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "not powered on"));
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_r23_alone(void **state)
{
	(void)state;
	vm x = vm_make("old-02", POWER_ON, TOOLS_RUNNING);
	add(&x, "R23", SEVERITY_INFO, FIX_AUTO);
	add(&x, "R21", SEVERITY_INFO, FIX_MANUAL);   /* info: context only */
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p), "upgrade_tools,wait_tools,verify");
	assert_int_equal(p.vms[0].n_unfixed, 0);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_tools_modify_upgrade(void **state)
{
	(void)state;
	vm x = vm_make("lgto-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R04", SEVERITY_ERROR, FIX_GUIDED);
	add(&x, "R05", SEVERITY_ERROR, FIX_GUIDED);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p), "upgrade_tools,wait_tools,verify");
	assert_string_equal(p.vms[0].steps[0].arg, "/S /v\"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync\"");
	assert_non_null(strstr(p.vms[0].steps[0].description, "ADDLOCAL=VSS REMOVE=Sync"));
	assert_true(p.vms[0].reprobe);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_tools_modify_r06(void **state)
{
	(void)state;
	vm x = vm_make("xp-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R06", SEVERITY_ERROR, FIX_GUIDED);
	fix_plan p;
	plan1(&x, NULL, &p);
	assert_string_equal(p.vms[0].steps[0].arg, "/S /v\"/qn REBOOT=R ADDLOCAL=Sync\"");
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_tools_modify_guest(void **state)
{
	(void)state;
	vm x = vm_make("novss-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R04", SEVERITY_ERROR, FIX_GUIDED);
	fix_plan_opts o = opts();
	o.tools_method = FIX_TOOLS_GUEST;
	fix_plan p;
	assert_string_equal(plan_kinds(&x, &o, &p),
			    "mount_tools_installer,guest_tools_setup,unmount_tools_installer,wait_tools,verify");
	assert_true(p.vms[0].steps[2].restore);   /* unmounted even after a failed setup */
	assert_non_null(strstr(p.vms[0].steps[1].arg, "setup64.exe /S /v\"/qn REBOOT=R ADDLOCAL=VSS\""));
	fix_plan_done(&p);
	/* Through the guest needs a guest login. */
	o.have_guest_creds = false;
	plan1(&x, &o, &p);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "guest credentials"));
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_tools_modify_by_hand(void **state)
{
	(void)state;
	vm x = vm_make("lgto-02", POWER_ON, TOOLS_RUNNING);
	add(&x, "R05", SEVERITY_ERROR, FIX_GUIDED);
	fix_plan_opts o = opts();
	o.tools_method = FIX_TOOLS_BY_HAND;
	fix_plan p;
	plan1(&x, &o, &p);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_int_equal(p.vms[0].n_unfixed, 1);
	const char *ins = p.vms[0].unfixed[0].instructions;
	assert_non_null(strstr(ins, "lgto-02"));
	assert_non_null(strstr(ins, "Modify"));
	assert_non_null(strstr(ins, "disable the sync driver"));
	assert_non_null(strstr(ins, "REMOVE=Sync"));
	assert_int_equal(p.vms[0].unfixed[0].fix, FIX_GUIDED);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_r15(void **state)
{
	(void)state;
	vm x = vm_make("vssoff-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R15", SEVERITY_ERROR, FIX_AUTO);
	fix_plan_opts o = opts();
	fix_plan p;
	assert_string_equal(plan_kinds(&x, &o, &p), "guest_command,verify");
	assert_string_equal(p.vms[0].steps[0].arg, "sc config VSS start= demand");
	assert_true(p.vms[0].reprobe);
	assert_int_equal(p.vms[0].downtime_s, 0);
	fix_plan_done(&p);
	o.have_guest_creds = false;
	plan1(&x, &o, &p);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "--guest-user"));
	fix_plan_done(&p);
	vm_done(&x);
}

static void add_writer(vm *x, const char *name, writer_state st, writer_error e)
{
	guest_probe *g = &x->f.probe;
	g->writers = xrealloc(g->writers, (g->n_writers + 1) * sizeof *g->writers);
	g->writers[g->n_writers++] = (vss_writer){ xstrdup(name), xstrdup("{id}"), xstrdup("{i}"), st,
						   xstrdup("[x]"), e, xstrdup("err") };
}

static void test_r16_writer_service(void **state)
{
	(void)state;
	vm x = vm_make("badwriter-01", POWER_ON, TOOLS_RUNNING);
	x.f.probe.state = PROBE_OK;
	add_writer(&x, "System Writer", WRITER_STABLE, WRITER_ERR_NONE);
	add_writer(&x, "SqlServerWriter", WRITER_FAILED, WRITER_ERR_NON_RETRYABLE);
	add(&x, "R16", SEVERITY_ERROR, FIX_GUIDED);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p), "guest_command,verify");
	/* No /y: a service with dependents makes net stop refuse rather than strand them. */
	assert_string_equal(p.vms[0].steps[0].arg, "net stop \"SQLWriter\" & net start \"SQLWriter\"");
	assert_non_null(strstr(p.vms[0].steps[0].description, "SqlServerWriter"));
	assert_non_null(strstr(p.vms[0].steps[0].description, "down ~5 s"));
	assert_int_equal(p.vms[0].steps[0].expected_s, 10);
	assert_int_equal(p.vms[0].service_outage_s, 5);
	assert_int_equal(p.vms[0].downtime_s, 0); /* the VM stays up */
	assert_int_equal(p.vms[0].n_unfixed, 0);
	fix_plan_done(&p);
	/* A writer whose service is unknown: exact instructions instead. */
	add_writer(&x, "Acme Writer", WRITER_FAILED, WRITER_ERR_TIMEOUT);
	plan1(&x, NULL, &p);
	assert_int_equal(p.vms[0].n_steps, 2);
	assert_int_equal(p.vms[0].n_unfixed, 1);
	assert_non_null(strstr(p.vms[0].unfixed[0].instructions, "vssadmin list writers"));
	fix_plan_done(&p);
	vm_done(&x);
}

/* Disruptive restarts are guided with their impact and outage, never steps: Exchange's writer
 * (MSExchangeRepl since 2013, the Information Store on 2010), a DC's NTDS, DHCP, a cluster. */
static void test_r16_disruptive_guided(void **state)
{
	(void)state;
	static const struct {
		const char *writer, *service, *impact;
	} cases[] = {
		{ "Microsoft Exchange Writer", "MSExchangeRepl", "dismounts every mailbox database" },
		{ "NTDS", "NTDS", "domain controller" },
		{ "Dhcp Jet Writer", "DHCPServer", "leases" },
		{ "Cluster Database", "ClusSvc", "fail over" },
		{ "Task Scheduler Writer", "Schedule", "cannot be stopped" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		vm x = vm_make("srv-01", POWER_ON, TOOLS_RUNNING);
		x.f.probe.state = PROBE_OK;
		add_writer(&x, cases[i].writer, WRITER_FAILED, WRITER_ERR_RETRYABLE);
		add(&x, "R16", SEVERITY_ERROR, FIX_GUIDED);
		fix_plan p;
		plan1(&x, NULL, &p);
		for (size_t s = 0; s < p.vms[0].n_steps; s++)
			assert_true(p.vms[0].steps[s].kind != FIX_STEP_GUEST_COMMAND);
		assert_int_equal(p.vms[0].n_unfixed, 1);
		const char *why = p.vms[0].unfixed[0].reason;
		assert_non_null(strstr(why, "guided"));
		assert_non_null(strstr(why, cases[i].service));
		assert_non_null(strstr(why, cases[i].impact));
		fix_plan_done(&p);
		vm_done(&x);
	}
}

static void test_r18_tools_conf(void **state)
{
	(void)state;
	vm x = vm_make("conf-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R18", SEVERITY_ERROR, FIX_GUIDED);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p), "guest_command,verify");
	assert_non_null(strstr(p.vms[0].steps[0].arg, "tools.conf"));
	assert_non_null(strstr(p.vms[0].steps[0].arg, "disableAppQuiescing"));
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_manual_only(void **state)
{
	(void)state;
	vm x = vm_make("ide-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R09", SEVERITY_ERROR, FIX_MANUAL);
	add(&x, "R14", SEVERITY_WARN, FIX_MANUAL);
	add(&x, "R20", SEVERITY_INFO, FIX_NONE);
	fix_plan p;
	plan1(&x, NULL, &p);
	assert_int_equal(p.n_vms, 1);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_int_equal(p.vms[0].n_unfixed, 2);
	assert_int_equal(fix_plan_vms_with_steps(&p), 0);
	assert_string_equal(p.vms[0].unfixed[0].rule, "R09");
	assert_non_null(strstr(p.vms[0].unfixed[0].instructions, "ide-01: Move every IDE disk to a SCSI controller, boot disk last"));
	assert_non_null(strstr(p.vms[0].unfixed[0].instructions, "evidence on the VM"));
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "manual"));
	assert_int_equal(p.vms[0].unfixed[0].fix, FIX_MANUAL);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_rule_filter(void **state)
{
	(void)state;
	vm x = vm_make("both-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	add(&x, "R15", SEVERITY_ERROR, FIX_AUTO);
	fix_plan_opts o = opts();
	const char *rules[] = { "r15" };   /* case-insensitive */
	o.rules = rules;
	o.n_rules = 1;
	fix_plan p;
	assert_string_equal(plan_kinds(&x, &o, &p), "guest_command,verify");
	assert_int_equal(p.vms[0].n_unfixed, 1);
	assert_string_equal(p.vms[0].unfixed[0].rule, "R07");
	assert_non_null(strstr(p.vms[0].unfixed[0].reason, "not selected"));
	assert_null(p.opts.rules);
	fix_plan_done(&p);
	/* Nothing selected: no steps, and the plan says what it leaves. */
	const char *r03[] = { "R03" };
	o.rules = r03;
	plan1(&x, &o, &p);
	assert_int_equal(p.vms[0].n_steps, 0);
	assert_int_equal(p.vms[0].n_unfixed, 2);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_order_tools_then_cycle(void **state)
{
	(void)state;
	vm x = vm_make("all-01", POWER_ON, TOOLS_RUNNING);
	add(&x, "R03", SEVERITY_ERROR, FIX_AUTO);
	add(&x, "R07", SEVERITY_ERROR, FIX_AUTO);
	add(&x, "R15", SEVERITY_ERROR, FIX_AUTO);
	fix_plan p;
	assert_string_equal(plan_kinds(&x, NULL, &p),
			    "guest_command,upgrade_tools,wait_tools,shutdown_guest,set_enable_uuid,"
			    "power_on,wait_tools,verify");
	fix_timing t = fix_timing_default();
	assert_int_equal(p.vms[0].downtime_s, t.guest_shutdown + t.reconfig + t.power_on + t.tools_start);
	fix_plan_done(&p);
	vm_done(&x);
}

static void test_ready_vms_left_out(void **state)
{
	(void)state;
	vm xs[3] = { vm_make("ready-01", POWER_ON, TOOLS_RUNNING),
		     vm_make("fix-01", POWER_ON, TOOLS_RUNNING),
		     vm_make("info-01", POWER_OFF, TOOLS_NOT_RUNNING) };
	add(&xs[1], "R07", SEVERITY_ERROR, FIX_AUTO);
	add(&xs[2], "R20", SEVERITY_INFO, FIX_NONE);
	vm_facts f[3] = { xs[0].f, xs[1].f, xs[2].f };
	verdict v[3] = { xs[0].v, xs[1].v, xs[2].v };
	fix_plan_opts o = opts();
	fix_plan p;
	fix_plan_build(f, v, 3, &o, &p);
	assert_int_equal(p.n_vms, 1);
	assert_string_equal(p.vms[0].name, "fix-01");
	assert_int_equal(fix_plan_step_count(&p), 5);
	fix_plan_done(&p);
	for (int i = 0; i < 3; i++)
		vm_done(&xs[i]);
}

static void test_names(void **state)
{
	(void)state;
	/* The journal kind R08's history query looks for. */
	assert_string_equal(fix_step_kind_name(FIX_STEP_SET_ENABLE_UUID), STORE_STEP_SET_ENABLE_UUID);
	assert_string_equal(fix_step_kind_name(FIX_STEP_COUNT), "unknown");
	assert_true(fix_step_powers_off(FIX_STEP_SHUTDOWN_GUEST));
	assert_true(fix_step_powers_off(FIX_STEP_POWER_OFF));
	assert_false(fix_step_powers_off(FIX_STEP_POWER_ON));
	fix_tools_method m;
	assert_true(fix_tools_method_parse("by-hand", &m));
	assert_int_equal(m, FIX_TOOLS_BY_HAND);
	assert_false(fix_tools_method_parse("bogus", &m));
	assert_false(fix_tools_method_parse(NULL, &m));
	char *s = fix_installer_options("VSS", "Sync");
	assert_string_equal(s, "/S /v\"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync\"");
	free(s);
	s = fix_installer_options(NULL, "");
	assert_string_equal(s, "/S /v\"/qn REBOOT=R\"");
	free(s);
	/* R24: removing the loaded sync driver under REBOOT=R leaves a restart pending */
	assert_true(fix_installer_removes_driver("/S /v\"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync\""));
	assert_true(fix_installer_removes_driver("/S /v\"/qn REMOVE=VSS,sync\""));
	assert_true(fix_installer_removes_driver("remove=\"ALL\""));
	assert_false(fix_installer_removes_driver("/S /v\"/qn REBOOT=R ADDLOCAL=VSS,Sync\""));
	assert_false(fix_installer_removes_driver("/S /v\"/qn REBOOT=R REMOVE=VSS\""));
	assert_false(fix_installer_removes_driver("/S /v\"/qn REMOVE=Synchro\""));
	assert_false(fix_installer_removes_driver("REMOVE="));
	assert_false(fix_installer_removes_driver(NULL));
}

static void test_empty(void **state)
{
	(void)state;
	fix_plan_opts o = opts();
	fix_plan p;
	fix_plan_build(NULL, NULL, 0, &o, &p);
	assert_int_equal(p.n_vms, 0);
	assert_int_equal(fix_plan_step_count(&p), 0);
	fix_plan_done(&p);
	fix_plan_done(&p);   /* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r07_running),
		cmocka_unit_test(test_r07_powered_off),
		cmocka_unit_test(test_r07_tools_down),
		cmocka_unit_test(test_hard_power_off_fallback_described),
		cmocka_unit_test(test_r07_suspended),
		cmocka_unit_test(test_r08_power_cycle),
		cmocka_unit_test(test_r07_with_r08_one_cycle),
		cmocka_unit_test(test_info_context_and_unknown_rule),
		cmocka_unit_test(test_r26_and_r24_not_planned),
		cmocka_unit_test(test_r03_upgrade),
		cmocka_unit_test(test_r23_alone),
		cmocka_unit_test(test_tools_modify_upgrade),
		cmocka_unit_test(test_tools_modify_r06),
		cmocka_unit_test(test_tools_modify_guest),
		cmocka_unit_test(test_tools_modify_by_hand),
		cmocka_unit_test(test_r15),
		cmocka_unit_test(test_r16_writer_service),
		cmocka_unit_test(test_r16_disruptive_guided),
		cmocka_unit_test(test_r18_tools_conf),
		cmocka_unit_test(test_manual_only),
		cmocka_unit_test(test_rule_filter),
		cmocka_unit_test(test_order_tools_then_cycle),
		cmocka_unit_test(test_ready_vms_left_out),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
