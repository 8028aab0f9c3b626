/* Unit tests for core/util/timefmt, the one reader and writer of times and ages: a person's
 * times and vSphere's xsd:dateTime through one ISO 8601 parser, ages for every option that
 * takes one, and the formats written (the parsers' cases of old stay in test_history.c and
 * test_inventory.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

#define T0 ((time_t)1795341840) /* 2026-11-22T10:04:00Z */

static void test_age(void **state)
{
	(void)state;
	static const struct { const char *in; long s; } good[] = {
		{ "0", 0 }, { "90", 90 }, { "45s", 45 }, { "30m", 1800 }, { "12h", 43200 },
		{ "7d", 604800 }, { "2w", 1209600 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		long s = -1;
		assert_true(time_parse_age(good[i].in, &s));
		assert_int_equal(s, good[i].s);
	}
	static const char *const bad[] = { "", "d", "7x", "7dd", "-3d", "+3d", " 3d", "3 d", "1.5h",
					   "99999999999999999999", "9223372036854775807w" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		long s = 42;
		assert_false(time_parse_age(bad[i], &s));
		assert_int_equal(s, 42);
	}
	assert_false(time_parse_age(NULL, &(long){ 0 }));
}

static void test_age_text(void **state)
{
	(void)state;
	char b[TIME_TEXT_MAX];
	assert_string_equal(time_age_text(86400, b, sizeof b), "1 day");
	assert_string_equal(time_age_text(7 * 86400, b, sizeof b), "7 days");
	assert_string_equal(time_age_text(3 * 86400 + 5, b, sizeof b), "3 days");
	assert_string_equal(time_age_text(12 * 3600, b, sizeof b), "12 h");
	assert_string_equal(time_age_text(5 * 3600 + 7, b, sizeof b), "5 h");
	assert_string_equal(time_age_text(90 * 60, b, sizeof b), "90 min");
	assert_string_equal(time_age_text(45, b, sizeof b), "45 s");
}

static void test_user_times(void **state)
{
	(void)state;
	time_t t;
	/* the xsd forms a person may paste, fraction and all */
	assert_int_equal(time_parse_user("2026-11-22T10:04:00.5Z", T0, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(time_parse_user("2026-11-22T10:04Z", T0, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(time_parse_user("2026-11-22T24:00", T0, &t), 0);
	assert_int_equal(t, T0 - (10 * 3600 + 4 * 60) + 86400);
	assert_int_equal(time_parse_user("90s", T0, &t), 0);
	assert_int_equal(t, T0 - 90);
	static const char *const bad[] = { "1795341840", "1969-12-31", "2026-11-22T24:01",
					   "@-5", "@+5", "2026-11-22T10:04+15:00", "99999999999w" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(time_parse_user(bad[i], T0, &t), -1);
}

static void test_xsd(void **state)
{
	(void)state;
	assert_int_equal(time_parse_xsd("2026-11-22T10:04:00Z"), T0);
	assert_int_equal(time_parse_xsd("2026-11-22T10:04:00.123+00:00"), T0);
	assert_int_equal(time_parse_xsd("2026-11-22T10:04Z"), -1);     /* seconds required */
	assert_int_equal(time_parse_xsd("2026-11-22"), -1);            /* a time required */
	assert_int_equal(time_parse_xsd(NULL), -1);
}

static void test_formats(void **state)
{
	(void)state;
	char b[TIME_TEXT_MAX];
	assert_string_equal(time_iso(T0, b, sizeof b, "-"), "2026-11-22T10:04:00Z");
	assert_string_equal(time_iso(0, b, sizeof b, "-"), "-");
	assert_null(time_iso(0, b, sizeof b, NULL));
	assert_null(time_iso(T0, b, 5, NULL));                         /* no room: none */
	assert_string_equal(time_short(T0, b, sizeof b), "2026-11-22 10:04");
	assert_string_equal(time_short(0, b, sizeof b), "-");
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(time_local(T0 - 20 * 86400, b, sizeof b), "2 Nov 2026 10:04");
	assert_string_equal(time_local(0, b, sizeof b), "-");
	/* written and read back: the same instant */
	time_t t;
	assert_int_equal(time_parse_user(time_iso(T0, b, sizeof b, "-"), 0, &t), 0);
	assert_int_equal(t, T0);
	assert_int_equal(time_parse_xsd(time_iso(T0 + 1, b, sizeof b, "-")), T0 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_age_text),
		cmocka_unit_test(test_user_times),
		cmocka_unit_test(test_xsd),
		cmocka_unit_test(test_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
