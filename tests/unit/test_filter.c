/* The `/` filter language (tui/filter.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/filter.h"

static const char *const r07[] = { "R07", "R21" };
static const filter_subject sql = {
	.name = "sql-prod-01", .os = "Microsoft Windows Server 2019 (64-bit)", .os_family = "win2019",
	.status = "fixable", .power = "on", .predicted = "filesystem", .rules = r07, .n_rules = 2,
};
static const filter_subject web = {
	.name = "web-linux", .os = "Ubuntu Linux (64-bit)", .os_family = "other", .status = "n/a",
	.power = "off", .predicted = "crash", .rules = NULL, .n_rules = 0, .marked = true,
};
static const filter_subject ready = {
	.name = "dc-01", .os = NULL, .os_family = "win2022", .status = "ready", .power = "on",
	.predicted = "application",
};
static const filter_subject placed = {
	.name = "sql-erp-01", .os_family = "win2022", .status = "ready", .power = "on",
	.predicted = "application", .folder = "/DC-Paris/vm/Production/SQL", .datacenter = "DC-Paris",
	.cluster = "prod-a", .host = "esx-07.example.com", .vcenter = "vc-paris.example.com:443",
};

static bool m(const char *expr, const filter_subject *s)
{
	char err[256];
	vm_filter *f = filter_compile(expr, err, sizeof err);
	if (!f)
		fail_msg("'%s' did not compile: %s", expr, err);
	bool r = filter_match(f, s);
	filter_free(f);
	return r;
}

static void test_substring_any_field(void **state)
{
	(void)state;
	assert_true(m("", &sql));
	assert_true(m("sql", &sql));
	assert_true(m("SQL", &sql));          /* case-insensitive */
	assert_true(m("2019", &sql));         /* OS text */
	assert_true(m("ubuntu", &web));
	assert_false(m("sql", &web));
	assert_true(m("prod 2019", &sql));    /* AND */
	assert_false(m("prod linux", &sql));
}

static void test_location_words(void **state)
{
	(void)state;
	assert_true(m("folder:Prod*", &placed));       /* a glob over a tail that starts at a folder */
	assert_true(m("folder:production/sql", &placed));
	assert_true(m("folder:SQL", &placed));          /* no glob character: a substring */
	assert_true(m("folder:roduction", &placed));
	assert_false(m("folder:Infra*", &placed));
	assert_true(m("folder:SQL*", &placed));         /* the last folder is a tail too */
	assert_false(m("folder:QL*", &placed));         /* a glob starts at a folder, never mid-name */
	assert_false(m("folder:Production?", &placed)); /* and is anchored at its end */
	assert_true(m("folder:*/SQL", &placed));
	assert_true(m("folder:/DC-Paris/vm/*", &placed));
	assert_true(m("cluster:prod-a", &placed));
	assert_true(m("cluster:prod-?", &placed));
	assert_false(m("cluster:prod-b", &placed));
	assert_true(m("host:esx-07", &placed));
	assert_true(m("dc:paris", &placed));
	assert_true(m("datacenter:DC-*", &placed));
	assert_true(m("!cluster:prod-b", &placed));
	assert_true(m("Production", &placed));          /* plain words look at the location too */
	assert_true(m("cluster:prod-a ready", &placed));
	/* its vCenter: vcenter: or vc:, a glob or a part; plain words do not look at it */
	assert_true(m("vcenter:vc-paris", &placed));
	assert_true(m("vc:vc-paris.example.com:443", &placed));
	assert_true(m("vc:vc-p*", &placed));
	assert_false(m("vc:vc-lyon", &placed));
	assert_true(m("!vc:vc-lyon", &placed));
	assert_false(m("vc-paris", &placed));
	assert_false(m("vc:vc-paris", &sql));
	/* a VM whose location is not known (yet) matches no location word */
	assert_false(m("folder:*", &sql));
	assert_false(m("cluster:prod", &sql));
	assert_true(m("!cluster:prod", &sql));
	char err[256];
	assert_null(filter_compile("rack:12", err, sizeof err));
	assert_non_null(strstr(err, "cluster:"));
}

static void test_rule_ids_and_statuses(void **state)
{
	(void)state;
	assert_true(m("R07", &sql));
	assert_true(m("r07", &sql));
	assert_false(m("R07", &web));
	assert_false(m("R0", &web));
	assert_true(m("R0", &sql));           /* not a rule id: substring of R07 */
	assert_true(m("fixable", &sql));
	assert_false(m("ready", &sql));
	assert_true(m("ready", &ready));
	assert_true(m("!ready", &sql));
	assert_false(m("!ready", &ready));
	assert_true(m("n/a", &web));
	assert_true(m("!R07", &web));
}

static void test_fields(void **state)
{
	(void)state;
	assert_true(m("name:sql", &sql));
	assert_false(m("name:2019", &sql));
	assert_true(m("os:2019", &sql));
	assert_true(m("os:win2022", &ready));
	assert_true(m("power:off", &web));
	assert_false(m("power:off", &sql));
	assert_true(m("level:file", &sql));
	assert_true(m("rule:R21", &sql));
	assert_true(m("status:ready", &ready));
	assert_false(m("status:read", &ready)); /* statuses are matched exactly */
	assert_true(m("marked", &web));
	assert_false(m("marked", &sql));
}

static void test_regex(void **state)
{
	(void)state;
	assert_true(m("^sql-.*01$", &sql));
	assert_false(m("^prod", &sql));
	assert_true(m("^(web|dc)-", &web));
	assert_true(m("re:sql", &sql));
	assert_true(m("name:^dc", &ready));
	assert_true(m("!^web", &sql));
	assert_true(m("R0[0-9]", &sql));
	assert_false(m("R1[0-9]", &sql));
}

/* Found by tests/fuzz/fuzz_filter: glibc's regcomp copies a subtree per stacked quantifier,
 * so "\a+++...+" took gigabytes. Such patterns are refused before regcomp; ordinary ones pass. */
static void test_regex_complexity_bounded(void **state)
{
	(void)state;
	char err[256];
	char pat[64];
	memset(pat, '+', sizeof pat - 1);
	pat[0] = 'x';
	pat[sizeof pat - 1] = '\0';
	assert_null(filter_compile(pat, err, sizeof err));
	assert_non_null(strstr(err, "too complex"));
	assert_null(filter_compile("re:((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)", err, sizeof err));
	assert_null(filter_compile("re:(a{1000}){1000}", err, sizeof err));
	/* stacked quantifiers: undefined in POSIX, minutes in glibc's matcher (fuzz_filter) */
	assert_null(filter_compile("re:^(wub||dc)+++++++a", err, sizeof err));
	assert_null(filter_compile("re:a+*", err, sizeof err));
	char longpat[400];
	memset(longpat, 'a', sizeof longpat - 1);
	longpat[0] = '^';
	longpat[sizeof longpat - 1] = '\0';
	assert_null(filter_compile(longpat, err, sizeof err));
	static const char *const fine[] = { "^sql-.*01$", "re:(web|app|db)-[0-9]+", "a+b*c?d{2,5}",
					     "re:.*a.*b.*c.*d.*e.*f.*g.*h", "re:[[:alpha:]]{1,8}[)]+" };
	for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
		vm_filter *f = filter_compile(fine[i], err, sizeof err);
		assert_non_null(f);
		filter_free(f);
	}
}

static void test_errors(void **state)
{
	(void)state;
	char err[256];
	assert_null(filter_compile("re:[", err, sizeof err));
	assert_non_null(strstr(err, "bad regex '['"));
	assert_null(filter_compile("colour:red", err, sizeof err));
	assert_non_null(strstr(err, "unknown filter field"));
	assert_null(filter_compile("name:", err, sizeof err));
	assert_null(filter_compile("!", err, sizeof err));
	vm_filter *f = filter_compile("a  b", err, sizeof err);
	assert_non_null(f);
	assert_string_equal(filter_text(f), "a  b");
	filter_free(f);
	assert_true(filter_match(NULL, &sql));
}

/* A pass with the memo answers as filter_match does, for every expression over subjects that
 * share their texts (as a fleet's interned ones do) and one whose texts are its own; a text
 * at the same address with another content is read again after filter_memo_next_pass. */
static void test_the_memo_of_a_pass_answers_as_without(void **state)
{
	(void)state;
	static const char *const exprs[] = { "win", "WIN2019 !ready", "os:ubuntu", "status:ready",
					     "folder:Prod*", "dc:paris cluster:prod", "power:off",
					     "level:app", "host:esx-07", "vc:paris", "R07", "sql",
					     "^sql-.*01$", "!on", "marked", "windows server" };
	const filter_subject *subjects[] = { &sql, &web, &ready, &placed, &sql, &placed, &web };
	filter_memo *memo = filter_memo_new();
	char err[256];
	for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
		vm_filter *f = filter_compile(exprs[e], err, sizeof err);
		assert_non_null(f);
		filter_memo_next_pass(memo);
		for (int round = 0; round < 2; round++) /* the second round answers from the memo */
			for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
				assert_int_equal(filter_match_memo(f, subjects[i], memo),
						 filter_match(f, subjects[i]));
		filter_free(f);
	}
	/* more terms than the memo keeps answers for: matched without it, the same answers */
	char many[1024] = "";
	for (int i = 0; i < 70; i++)
		strcat(many, i % 2 ? "sql " : "!off ");
	vm_filter *big = filter_compile(many, err, sizeof err);
	assert_non_null(big);
	filter_memo_next_pass(memo);
	for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
		assert_int_equal(filter_match_memo(big, subjects[i], memo), filter_match(big, subjects[i]));
	filter_free(big);
	/* one buffer, two contents: each pass reads it afresh */
	char os[64];
	filter_subject s = sql;
	s.os = os;
	vm_filter *f = filter_compile("ubuntu", err, sizeof err);
	snprintf(os, sizeof os, "Ubuntu Linux (64-bit)");
	filter_memo_next_pass(memo);
	assert_true(filter_match_memo(f, &s, memo));
	snprintf(os, sizeof os, "Microsoft Windows Server 2019 (64-bit)");
	filter_memo_next_pass(memo);
	assert_false(filter_match_memo(f, &s, memo));
	filter_free(f);
	filter_memo_free(memo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_substring_any_field),
		cmocka_unit_test(test_rule_ids_and_statuses),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_location_words),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_regex_complexity_bounded),
		cmocka_unit_test(test_the_memo_of_a_pass_answers_as_without),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
