/* The action table (tui/actions.c): names resolve both ways, flags, no duplicate names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tui/actions.h"

static void test_every_action_resolves_by_name(void **state)
{
	(void)state;
	for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
		const action_info *ai = action_get((action)a);
		assert_non_null(ai);
		assert_int_equal(ai->id, a);
		assert_int_equal(action_by_name(ai->name), a);
		assert_true(strlen(ai->help) > 5);
		for (int b = a + 1; b < ACTION_COUNT; b++)
			assert_string_not_equal(ai->name, action_get((action)b)->name);
	}
}

static void test_unknown_and_out_of_range(void **state)
{
	(void)state;
	assert_int_equal(action_by_name("frobnicate"), ACTION_NONE);
	assert_int_equal(action_by_name(NULL), ACTION_NONE);
	assert_int_equal(action_by_name("Move-Up"), ACTION_NONE); /* exact names */
	assert_null(action_get(ACTION_NONE));
	assert_null(action_get(ACTION_COUNT));
}

static void test_vm_changing_actions_are_flagged(void **state)
{
	(void)state;
	assert_true(action_changes_vms(ACTION_APPLY));
	/* showing a plan or the test options changes nothing: --readonly refuses only apply */
	assert_false(action_changes_vms(ACTION_FIX));
	assert_false(action_changes_vms(ACTION_SNAPTEST));
	assert_false(action_changes_vms(ACTION_HISTORY));
	assert_false(action_changes_vms(ACTION_RESCAN));
	assert_false(action_changes_vms(ACTION_MARK));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_action_resolves_by_name),
		cmocka_unit_test(test_unknown_and_out_of_range),
		cmocka_unit_test(test_vm_changing_actions_are_flagged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
