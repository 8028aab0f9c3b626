/* The console's live model (tui/fleet.c): early rows of a running scan, the probing mark, and
 * how a finding is named in the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../tui/fleet.c"

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
		cmocka_unit_test(test_a_warning_is_not_named_by_the_error_title),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
