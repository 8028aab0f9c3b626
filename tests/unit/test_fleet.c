/* The console's live model (tui/fleet.h): the moref index, live changes that keep the scan's
 * probe and history facts and re-run the rules, scan results, early rows of a running scan and
 * the probing mark, marks and counts, a finished test, and how a finding is named in the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"
#include "tui/fleet.h"
#include "util/xalloc.h"

static vm_facts facts(const char *moref, const char *name, probe_state ps)
{
	vm_facts f;
	model_vm_facts_init(&f);
	f.moref = xstrdup(moref);
	f.name = xstrdup(name);
	f.power = POWER_ON;
	f.probe.state = ps;
	return f;
}

static bool has_rule(const fleet_vm *vm, const char *rule)
{
	for (size_t i = 0; i < vm->v.n_findings; i++)
		if (!strcmp(vm->v.findings[i].rule, rule))
			return true;
	return false;
}

/* A Windows Server 2019 VM as vCenter sends it. */
static vm_facts windows(const char *moref, const char *name, power_state power)
{
	vm_facts f = facts(moref, name, PROBE_NOT_RUN);
	f.config_guest_id = xstrdup("windows2019srv_64Guest");
	f.guest_id = xstrdup("windows2019srv_64Guest");
	f.power = power;
	f.enable_uuid = TRI_YES;
	return f;
}

static void test_the_index_finds_every_vm_through_growth_and_removal(void **state)
{
	(void)state;
	fleet fl;
	fleet_init(&fl);
	char moref[32], name[32];
	for (int i = 0; i < 300; i++) {   /* past several rebuilds of the index */
		snprintf(moref, sizeof moref, "vm-%d", i);
		snprintf(name, sizeof name, "web-%03d", i);
		vm_facts f = facts(moref, name, PROBE_NOT_RUN);
		fleet_update_inventory(&fl, 0, &f, 100);
	}
	assert_int_equal(fl.n, 300);
	for (int i = 0; i < 300; i++) {
		snprintf(moref, sizeof moref, "vm-%d", i);
		snprintf(name, sizeof name, "web-%03d", i);
		fleet_vm *vm = fleet_get(&fl, moref);
		assert_non_null(vm);
		assert_string_equal(vm->f.name, name);
	}
	assert_null(fleet_get(&fl, "vm-300"));
	assert_null(fleet_get(&fl, NULL));
	/* the same moref again is the same VM, not a second row */
	vm_facts again = facts("vm-7", "web-007-renamed", PROBE_NOT_RUN);
	fleet_update_inventory(&fl, 0, &again, 101);
	assert_int_equal(fl.n, 300);
	assert_string_equal(fleet_get(&fl, "vm-7")->f.name, "web-007-renamed");

	fleet_set_mark(&fl, fleet_get(&fl, "vm-10"), true);
	fleet_set_mark(&fl, fleet_get(&fl, "vm-11"), true);
	unsigned long gen = fl.gen;
	for (int i = 0; i < 300; i += 2) {   /* every even VM leaves, vm-10 (marked) among them */
		snprintf(moref, sizeof moref, "vm-%d", i);
		fleet_remove(&fl, 0, moref);
	}
	fleet_remove(&fl, 0, "vm-10");          /* gone already: nothing happens */
	assert_true(fl.gen > gen);
	assert_int_equal(fl.n, 150);
	assert_int_equal(fl.n_marked, 1);
	for (int i = 0; i < 300; i++) {
		snprintf(moref, sizeof moref, "vm-%d", i);
		if (i % 2)
			assert_non_null(fleet_get(&fl, moref));
		else
			assert_null(fleet_get(&fl, moref));
	}
	fleet_done(&fl);
	assert_int_equal(fl.n, 0);
}

static void test_a_live_change_keeps_the_probe_and_history_and_reruns_the_rules(void **state)
{
	(void)state;
	fleet fl;
	fleet_init(&fl);
	vm_facts f = windows("vm-1", "sql-01", POWER_ON);
	f.probe.state = PROBE_OK;
	f.last_test.id = 42;
	f.fixed_at = 90;
	fleet_vm *vm = fleet_apply_scan(&fl, 0, &f, 100, false);
	assert_true(vm->scanned);
	assert_false(has_rule(vm, "R20"));

	/* the watcher: the VM was powered off behind our back, and vCenter knows no probe */
	f = windows("vm-1", "sql-01", POWER_OFF);
	unsigned long gen = fl.gen;
	vm = fleet_update_inventory(&fl, 0, &f, 200);
	assert_int_equal(vm->f.power, POWER_OFF);
	assert_int_equal(vm->f.probe.state, PROBE_OK);   /* the scan's facts stay */
	assert_int_equal(vm->f.last_test.id, 42);
	assert_int_equal(vm->f.fixed_at, 90);
	assert_true(has_rule(vm, "R20"));                /* the rules ran on the new facts */
	assert_int_equal(vm->evaluated_at, 200);
	assert_int_equal(vm->changed_at, 200);
	assert_int_equal(vm->inventory_at, 200);
	assert_true(fl.gen > gen);
	assert_null(f.moref);                            /* moved in, left empty */

	/* on again: the finding goes */
	f = windows("vm-1", "sql-01", POWER_ON);
	vm = fleet_update_inventory(&fl, 0, &f, 300);
	assert_false(has_rule(vm, "R20"));
	fleet_done(&fl);
}

static void test_a_scan_result_keeps_newer_live_inventory_only_when_asked(void **state)
{
	(void)state;
	fleet fl;
	fleet_init(&fl);
	vm_facts f = windows("vm-1", "sql-01", POWER_OFF);   /* live: off */
	fleet_vm *vm = fleet_update_inventory(&fl, 0, &f, 100);
	fleet_set_mark(&fl, vm, true);

	/* a scan that read the VM while it was still on */
	f = windows("vm-1", "sql-01", POWER_ON);
	f.probe.state = PROBE_OK;
	vm = fleet_apply_scan(&fl, 0, &f, 110, true);
	assert_int_equal(vm->f.power, POWER_OFF);   /* the live state wins */
	assert_int_equal(vm->f.probe.state, PROBE_OK);
	assert_true(vm->marked);

	f = windows("vm-1", "sql-01", POWER_ON);
	vm = fleet_apply_scan(&fl, 0, &f, 120, false);
	assert_int_equal(vm->f.power, POWER_ON);    /* the scan's whole facts */
	assert_int_equal(vm->f.probe.state, PROBE_NOT_RUN);
	assert_true(vm->marked);                    /* a mark survives either way */
	assert_int_equal(fl.n_marked, 1);
	fleet_done(&fl);
}

static void test_marks_and_counts(void **state)
{
	(void)state;
	fleet fl;
	fleet_init(&fl);
	vm_facts f = windows("vm-1", "sql-01", POWER_OFF);
	fleet_vm *a = fleet_update_inventory(&fl, 0, &f, 100);
	f = windows("vm-2", "sql-02", POWER_OFF);
	fleet_vm *b = fleet_update_inventory(&fl, 0, &f, 100);
	f = facts("vm-3", "web-linux", PROBE_NOT_RUN);
	f.config_guest_id = xstrdup("rhel8_64Guest");
	f.guest_id = xstrdup("rhel8_64Guest");
	fleet_vm *c = fleet_update_inventory(&fl, 0, &f, 100);

	fleet_set_mark(&fl, a, true);
	fleet_set_mark(&fl, a, true);   /* twice is once */
	fleet_set_mark(&fl, b, true);
	assert_int_equal(fl.n_marked, 2);
	fleet_set_mark(&fl, b, false);
	fleet_set_mark(&fl, b, false);
	assert_int_equal(fl.n_marked, 1);
	fleet_clear_marks(&fl);
	assert_int_equal(fl.n_marked, 0);
	assert_false(a->marked);

	fleet_set_mark(&fl, c, true);
	fleet_recount(&fl);
	assert_int_equal(fl.n_marked, 1);
	assert_int_equal(c->v.status, STATUS_NA);   /* not Windows: nothing to quiesce */
	assert_int_equal(a->v.status, b->v.status);
	assert_true(a->v.status != STATUS_READY);   /* off and never probed: not proven */
	assert_int_equal(fl.by_status[STATUS_NA], 1);
	assert_int_equal(fl.by_status[a->v.status], 2);
	size_t levels = 0;
	for (size_t i = 0; i <= LEVEL_APPLICATION; i++)
		levels += fl.by_level[i];
	assert_int_equal(levels, 2);                /* Windows VMs only */
	assert_string_equal(fleet_os_text(a), "win2019");
	assert_string_equal(fleet_os_text(c), "rhel8_64Guest");
	fleet_done(&fl);
}

static void test_a_finished_test_is_the_vms_last_test_at_once(void **state)
{
	(void)state;
	fleet fl;
	fleet_init(&fl);
	vm_facts f = windows("vm-1", "sql-01", POWER_ON);
	fleet_vm *vm = fleet_apply_scan(&fl, 0, &f, 100, false);
	vm_last_test t;
	model_last_test_init(&t);
	t.id = 7;
	t.at = 150;
	t.failed = true;
	t.fault = xstrdup("ApplicationQuiesceFault: SqlServerWriter failed");
	unsigned long gen = fl.gen;
	fleet_apply_test(&fl, vm, &t, 160);
	model_last_test_done(&t);           /* the fleet keeps its own copy */
	assert_int_equal(vm->f.last_test.id, 7);
	assert_true(vm->f.last_test.failed);
	assert_string_equal(vm->f.last_test.fault, "ApplicationQuiesceFault: SqlServerWriter failed");
	assert_true(has_rule(vm, "R25"));   /* the failed test is a finding now, not at the next scan */
	assert_int_equal(vm->evaluated_at, 160);
	assert_true(fl.gen > gen);
	fleet_done(&fl);
}

static void test_rows_appear_and_keep_their_facts_while_probing(void **state)
{
	(void)state;
	fleet fl;
	fleet_init(&fl);
	vm_facts f = facts("vm-1", "sql-01", PROBE_NOT_RUN);
	fleet_vm *vm = fleet_apply_row(&fl, 0, &f, true, 100, false);
	assert_int_equal(fl.n, 1);
	assert_true(vm->probing);
	assert_string_equal(vm->f.name, "sql-01");

	/* its probe ended: the result replaces the row, probing ends */
	f = facts("vm-1", "sql-01", PROBE_OK);
	vm = fleet_apply_row(&fl, 0, &f, false, 101, false);
	assert_false(vm->probing);
	assert_int_equal(vm->f.probe.state, PROBE_OK);

	/* a rescan: while its probe runs, the VM keeps the good facts it has */
	f = facts("vm-1", "sql-01", PROBE_NOT_RUN);
	unsigned long gen = fl.gen;
	vm = fleet_apply_row(&fl, 0, &f, true, 200, false);
	assert_true(vm->probing);
	assert_int_equal(vm->f.probe.state, PROBE_OK);
	assert_true(fl.gen > gen);

	/* the scan ended (cancelled): nothing is left probing */
	fleet_end_probing(&fl, 0);
	assert_false(vm->probing);

	/* the whole result ends probing too */
	f = facts("vm-1", "sql-01", PROBE_NOT_RUN);
	fleet_apply_row(&fl, 0, &f, true, 300, false);
	f = facts("vm-1", "sql-01", PROBE_OK);
	vm = fleet_apply_scan(&fl, 0, &f, 301, false);
	assert_false(vm->probing);
	fleet_done(&fl);
}

/* Two vCenters: the same moref is two VMs; each vCenter's rows, probing, removal and
 * reachability are its own, and a VM of a lost vCenter is unknown whatever it was. */
static void test_vcenters_are_kept_apart(void **state)
{
	(void)state;
	fleet fl;
	fleet_init(&fl);
	vm_facts f = facts("vm-1", "sql-a", PROBE_NOT_RUN);
	fleet_vm *a = fleet_apply_row(&fl, 0, &f, true, 100, false);
	f = facts("vm-1", "sql-b", PROBE_NOT_RUN);
	fleet_vm *b = fleet_apply_row(&fl, 1, &f, true, 100, false);
	assert_int_equal(fl.n, 2);
	assert_ptr_equal(fleet_get(&fl, "vm-1"), a);
	assert_ptr_equal(fleet_get_in(&fl, 1, "vm-1"), b);
	assert_null(fleet_get_in(&fl, 2, "vm-1"));
	assert_int_equal(b->vc, 1);

	fleet_end_probing(&fl, 1); /* B's scan ended, A's runs on */
	assert_true(a->probing);
	assert_false(b->probing);

	f = facts("vm-1", "sql-b", PROBE_OK);
	f.config_guest_id = xstrdup("ubuntu64Guest"); /* a Linux VM: n/a, a status of its own */
	f.guest_id = xstrdup("ubuntu64Guest");
	b = fleet_update_inventory(&fl, 1, &f, 110);
	vm_status before = b->v.status;
	assert_int_equal(before, STATUS_NA);
	unsigned long gen = fl.gen;
	fleet_set_unreachable(&fl, 1, true, 120);
	assert_true(b->unreachable);
	assert_false(a->unreachable);
	assert_int_equal(b->v.status, STATUS_UNKNOWN);
	assert_true(fl.gen > gen);
	/* a live change while lost does not make it known again */
	f = facts("vm-1", "sql-b", PROBE_OK);
	f.config_guest_id = xstrdup("ubuntu64Guest");
	f.guest_id = xstrdup("ubuntu64Guest");
	b = fleet_update_inventory(&fl, 1, &f, 125);
	assert_int_equal(b->v.status, STATUS_UNKNOWN);
	fleet_set_unreachable(&fl, 1, false, 130);
	assert_int_equal(b->v.status, before);

	/* the background re-probe counts good guest facts older than its age, on powered-on
	 * VMs that are reachable and not being probed */
	b->f.probe.state = PROBE_OK;
	b->f.probe.at = 50;
	assert_int_equal(fleet_count_probed_before(&fl, 60), 1);
	assert_int_equal(fleet_count_probed_before(&fl, 50), 0);
	fleet_set_unreachable(&fl, 1, true, 140);
	assert_int_equal(fleet_count_probed_before(&fl, 60), 0);
	fleet_set_unreachable(&fl, 1, false, 141);
	b->f.power = POWER_OFF;
	assert_int_equal(fleet_count_probed_before(&fl, 60), 0);

	fleet_remove(&fl, 1, "vm-1");
	assert_int_equal(fl.n, 1);
	assert_ptr_equal(fleet_get(&fl, "vm-1"), a);
	assert_null(fleet_get_in(&fl, 1, "vm-1"));
	fleet_done(&fl);
}

static void test_a_warning_is_not_named_by_the_error_title(void **state)
{
	(void)state;
	char buf[200];
	finding err = { .rule = "R17", .sev = SEVERITY_ERROR, .message = "The VM has the maximum.",
			.evidence = "32 snapshots (maximum 32)" };
	finding warn = { .rule = "R17", .sev = SEVERITY_WARN,
			 .message = "The VM has many snapshots, which slows it down.",
			 .evidence = "24 snapshots (more than 20)" };
	const rule_info *ri = rules_find("R17");
	assert_non_null(ri);
	assert_string_equal(fleet_finding_title(&err, buf, sizeof buf), ri->title);
	assert_string_equal(fleet_finding_title(&warn, buf, sizeof buf), "24 snapshots (more than 20)");
	/* no evidence: the first sentence of its message ("tools.conf" is not a sentence end) */
	finding w2 = { .rule = "R16", .sev = SEVERITY_WARN,
		       .message = "A writer in tools.conf reported an error. Run the test again." };
	assert_string_equal(fleet_finding_title(&w2, buf, sizeof buf), "A writer in tools.conf reported an error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_appear_and_keep_their_facts_while_probing),
		cmocka_unit_test(test_vcenters_are_kept_apart),
		cmocka_unit_test(test_a_warning_is_not_named_by_the_error_title),
		cmocka_unit_test(test_the_index_finds_every_vm_through_growth_and_removal),
		cmocka_unit_test(test_a_live_change_keeps_the_probe_and_history_and_reruns_the_rules),
		cmocka_unit_test(test_a_scan_result_keeps_newer_live_inventory_only_when_asked),
		cmocka_unit_test(test_marks_and_counts),
		cmocka_unit_test(test_a_finished_test_is_the_vms_last_test_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
