/* The console's live model (tui/fleet.c): early rows of a running scan, the probing mark, and
 * how a finding is named in the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
