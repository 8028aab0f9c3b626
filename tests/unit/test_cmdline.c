/* The `:` command line: word splitting and command resolution by unique prefix (tui/command.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/command.h"

static void test_resolve_exact_and_unique_prefix(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(command_resolve("scan", err, sizeof err), CMD_SCAN);
	assert_int_equal(command_resolve("sc", err, sizeof err), CMD_SCAN);
	assert_int_equal(command_resolve("so", err, sizeof err), CMD_SORT);
	assert_int_equal(command_resolve("filt", err, sizeof err), CMD_FILTER);
	assert_int_equal(command_resolve("fi", err, sizeof err), CMD_NONE); /* filter, fix */
	assert_int_equal(command_resolve("q", err, sizeof err), CMD_QUIT);
	assert_int_equal(command_resolve("mes", err, sizeof err), CMD_MESSAGES);
	assert_int_equal(command_resolve("mark", err, sizeof err), CMD_MARK); /* exact beats prefix */
	assert_int_equal(command_resolve("k", err, sizeof err), CMD_KEYMAP);
	assert_int_equal(command_resolve("con", err, sizeof err), CMD_CONNECT);
	assert_int_equal(command_resolve("snap", err, sizeof err), CMD_SNAPTEST);
	assert_int_equal(command_resolve("hi", err, sizeof err), CMD_HISTORY);
}

static void test_ambiguous_lists_candidates(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(command_resolve("s", err, sizeof err), CMD_NONE);
	assert_string_equal(err, "ambiguous command 's': scan, sort, snaptest");
	assert_int_equal(command_resolve("m", err, sizeof err), CMD_NONE);
	assert_string_equal(err, "ambiguous command 'm': mark, messages");
	assert_int_equal(command_resolve("xyz", err, sizeof err), CMD_NONE);
	assert_string_equal(err, "unknown command 'xyz' (see :help)");
	assert_int_equal(command_resolve("", err, sizeof err), CMD_NONE);
}

static void test_split_quotes_and_escapes(void **state)
{
	(void)state;
	char *argv[8];
	char err[128];
	int n = command_split("  mark 'sql prod*'  \"a\\\"b\" c\\ d  ", argv, 8, err, sizeof err);
	assert_int_equal(n, 4);
	assert_string_equal(argv[0], "mark");
	assert_string_equal(argv[1], "sql prod*");
	assert_string_equal(argv[2], "a\"b");
	assert_string_equal(argv[3], "c d");
	command_free_words(argv, n);
	assert_int_equal(command_split("", argv, 8, err, sizeof err), 0);
	assert_int_equal(command_split("   \t ", argv, 8, err, sizeof err), 0);
	assert_int_equal(command_split("open 'x", argv, 8, err, sizeof err), -1);
	assert_string_equal(err, "unterminated ' quote");
	assert_int_equal(command_split("a b c", argv, 2, err, sizeof err), -1);
	n = command_split("''", argv, 8, err, sizeof err);
	assert_int_equal(n, 1);
	assert_string_equal(argv[0], "");
	command_free_words(argv, n);
}

static void test_table_is_consistent(void **state)
{
	(void)state;
	char err[256];
	for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
		const command_info *ci = command_get((command_id)c);
		assert_non_null(ci);
		assert_int_equal(command_resolve(ci->name, err, sizeof err), c);
	}
	assert_null(command_get(CMD_NONE));
	assert_null(command_get(CMD_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_exact_and_unique_prefix),
		cmocka_unit_test(test_ambiguous_lists_candidates),
		cmocka_unit_test(test_split_quotes_and_escapes),
		cmocka_unit_test(test_table_is_consistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
