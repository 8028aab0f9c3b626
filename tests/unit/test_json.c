/* Unit tests for core/util/json: the writer's escaping and layout, the reader's strictness
 * and limits, and a round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static char *write_string(const char *s, size_t n)
{
	strbuf sb;
	json_writer w;
	strbuf_init(&sb);
	json_writer_init(&w, &sb, false);
	json_string_n(&w, s, n);
	assert_true(json_writer_done(&w));
	return strbuf_detach(&sb, NULL);
}

static void check_escape(const char *in, size_t n, const char *want)
{
	char *got = write_string(in, n);
	assert_string_equal(got, want);
	free(got);
}

static void test_escape_basic(void **state)
{
	check_escape("plain", 5, "\"plain\"");
	check_escape("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	check_escape("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	check_escape("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	check_escape("nul\0here", 8, "\"nul\\u0000here\"");
	check_escape("C:\\Windows", 10, "\"C:\\\\Windows\"");
}

static void test_escape_utf8(void **state)
{
	/* valid 2-, 3- and 4-byte sequences pass through unchanged */
	check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* a lone continuation byte, a truncated sequence, an overlong '/', a surrogate,
	 * beyond U+10FFFF, 0xFF: each bad byte becomes U+FFFD */
	check_escape("a\x80z", 3, "\"a\xef\xbf\xbdz\"");
	check_escape("a\xe2\x82", 3, "\"a\xef\xbf\xbd\xef\xbf\xbd\"");
	check_escape("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	check_escape("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	check_escape("\xf4\x90\x80\x80", 4,
		     "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	check_escape("\xff", 1, "\"\xef\xbf\xbd\"");
}

static void test_writer_compact(void **state)
{
	strbuf sb;
	json_writer w;
	strbuf_init(&sb);
	json_writer_init(&w, &sb, false);
	json_object_begin(&w);
	json_kv_string(&w, "vcenter", "vc01");
	json_kv_time(&w, "scanned_at", 1795341600); /* 2026-11-22T10:00:00Z */
	json_kv_time(&w, "never", 0);
	json_key(&w, "vms");
	json_array_begin(&w);
	json_object_begin(&w);
	json_kv_int(&w, "n", -42);
	json_kv_bool(&w, "ok", true);
	json_key(&w, "none");
	json_null(&w);
	json_key(&w, "d");
	json_double(&w, 1.5);
	json_key(&w, "empty");
	json_array_begin(&w);
	json_array_end(&w);
	json_key(&w, "raw");
	json_raw(&w, "{\"a\":1}");
	json_kv_string(&w, "nullstr", NULL);
	json_object_end(&w);
	json_int(&w, INT64_MIN);
	json_array_end(&w);
	json_object_end(&w);
	assert_true(json_writer_done(&w));
	assert_string_equal(sb.buf,
		"{\"vcenter\":\"vc01\",\"scanned_at\":\"2026-11-22T10:00:00Z\",\"never\":null,"
		"\"vms\":[{\"n\":-42,\"ok\":true,\"none\":null,\"d\":1.5,\"empty\":[],"
		"\"raw\":{\"a\":1},\"nullstr\":null},-9223372036854775808]}");
	strbuf_done(&sb);
}

static void test_writer_pretty(void **state)
{
	strbuf sb;
	json_writer w;
	strbuf_init(&sb);
	json_writer_init(&w, &sb, true);
	json_object_begin(&w);
	json_kv_string(&w, "a", "x");
	json_key(&w, "b");
	json_array_begin(&w);
	json_int(&w, 1);
	json_int(&w, 2);
	json_array_end(&w);
	json_key(&w, "c");
	json_object_begin(&w);
	json_object_end(&w);
	json_object_end(&w);
	assert_string_equal(sb.buf,
		"{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": {}\n}");
	strbuf_done(&sb);
}

static void test_writer_double_special(void **state)
{
	strbuf sb;
	json_writer w;
	strbuf_init(&sb);
	json_writer_init(&w, &sb, false);
	json_array_begin(&w);
	json_double(&w, 0.25);
	json_double(&w, 1.0 / 0.0);
	json_double(&w, -3);
	json_array_end(&w);
	assert_string_equal(sb.buf, "[0.25,null,-3]");
	strbuf_done(&sb);
}

static json_value *parse(const char *s)
{
	char err[128] = "";
	json_value *v = json_parse(s, strlen(s), err, sizeof err);
	if (!v)
		print_message("parse error: %s\n", err);
	return v;
}

static void expect_error(const char *s, const char *want)
{
	char err[128] = "";
	json_value *v = json_parse(s, strlen(s), err, sizeof err);
	assert_null(v);
	assert_string_equal(err, want);
}

static void test_reader_values(void **state)
{
	json_value *v = parse(" {\"s\":\"a\\u00e9\\ud83d\\ude00\\n\\/\",\"i\":-12,\"big\":9223372036854775807,"
			      "\"f\":2.5e1,\"t\":true,\"fa\":false,\"n\":null,\"a\":[1,[2],{}],"
			      "\"z\":\"x\\u0000y\"} ");
	assert_non_null(v);
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->n, 9);
	assert_string_equal(json_get_string(v, "s"), "a\xc3\xa9\xf0\x9f\x98\x80\n/");
	int64_t i;
	assert_true(json_get_int(v, "i", &i));
	assert_int_equal(i, -12);
	assert_true(json_get_int(v, "big", &i));
	assert_true(i == INT64_MAX);
	const json_value *f = json_get(v, "f");
	assert_int_equal(f->type, JSON_NUMBER);
	assert_false(f->is_int);
	assert_true(f->num == 25.0);
	assert_false(json_get_int(v, "f", &i));
	bool b = false;
	assert_true(json_get_bool(v, "t", &b));
	assert_true(b);
	assert_true(json_get_bool(v, "fa", &b));
	assert_false(b);
	assert_int_equal(json_get(v, "n")->type, JSON_NULL);
	const json_value *a = json_get(v, "a");
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->n, 3);
	assert_int_equal(a->items[1].type, JSON_ARRAY);
	assert_int_equal(a->items[1].items[0].i, 2);
	assert_int_equal(a->items[2].type, JSON_OBJECT);
	const json_value *z = json_get(v, "z");
	assert_int_equal(z->len, 3);
	assert_memory_equal(z->str, "x\0y", 3);
	assert_null(json_get(v, "missing"));
	assert_null(json_get_string(v, "i")); /* wrong type */
	json_free(v);

	/* an integer too big for int64 is still a number */
	v = parse("[18446744073709551616]");
	assert_non_null(v);
	assert_false(v->items[0].is_int);
	assert_true(v->items[0].num == 18446744073709551616.0);
	json_free(v);
}

static void test_reader_errors(void **state)
{
	expect_error("", "offset 0: value expected");
	expect_error("{\"a\":1,}", "offset 7: member name expected");
	expect_error("[1,]", "offset 3: invalid number");
	expect_error("[1 2]", "offset 3: ',' or ']' expected");
	expect_error("{\"a\" 1}", "offset 5: ':' expected");
	expect_error("\"abc", "offset 4: unterminated string");
	expect_error("\"a\tb\"", "offset 2: control character in string");
	expect_error("\"\\x\"", "offset 2: invalid escape \\x");
	expect_error("\"\\ud800\"", "offset 7: lone high surrogate");
	expect_error("\"\\udc00\"", "offset 7: lone low surrogate");
	expect_error("\"\\u12g4\"", "offset 6: bad hex digit in \\u escape");
	expect_error("\"\xc3\x28\"", "offset 1: invalid UTF-8 in string");
	expect_error("01", "offset 1: trailing characters after the value");
	expect_error("1.", "offset 2: digit expected after '.'");
	expect_error("1e+", "offset 3: digit expected in exponent");
	expect_error("tru", "offset 0: invalid literal");
	expect_error("nulll", "offset 4: trailing characters after the value");
	expect_error("{} x", "offset 3: trailing characters after the value");
	expect_error("// c\n1", "offset 0: invalid number");
}

static void test_reader_depth(void **state)
{
	char buf[2 * (JSON_MAX_DEPTH + 1) + 1];
	/* exactly JSON_MAX_DEPTH nested arrays parse */
	memset(buf, '[', JSON_MAX_DEPTH);
	memset(buf + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	buf[2 * JSON_MAX_DEPTH] = '\0';
	json_value *v = parse(buf);
	assert_non_null(v);
	json_free(v);
	/* one more is refused, without recursing further */
	memset(buf, '[', JSON_MAX_DEPTH + 1);
	memset(buf + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
	buf[2 * (JSON_MAX_DEPTH + 1)] = '\0';
	expect_error(buf, "offset 64: nesting deeper than 64");
	/* a deep unterminated input (fuzz-style) fails cleanly */
	char *deep = malloc(100001);
	memset(deep, '[', 100000);
	deep[100000] = '\0';
	char err[128];
	assert_null(json_parse(deep, 100000, err, sizeof err));
	free(deep);
}

static void test_round_trip(void **state)
{
	/* strings with every escape class survive writer -> reader unchanged */
	static const char *const samples[] = {
		"", "plain", "quote \" backslash \\ slash /", "\x01\x02\x1f\x7f",
		"tab\tnl\ncr\r", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"Microsoft Windows Server 2016 or later (64-bit)", "C:\\ProgramData\\VMware",
	};
	strbuf sb;
	json_writer w;
	strbuf_init(&sb);
	json_writer_init(&w, &sb, true);
	json_object_begin(&w);
	json_key(&w, "strings");
	json_array_begin(&w);
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
		json_string(&w, samples[i]);
	json_array_end(&w);
	json_kv_int(&w, "max", INT64_MAX);
	json_kv_int(&w, "min", INT64_MIN);
	json_kv_bool(&w, "flag", true);
	json_object_end(&w);

	json_value *v = parse(sb.buf);
	assert_non_null(v);
	const json_value *a = json_get(v, "strings");
	assert_int_equal(a->n, sizeof samples / sizeof samples[0]);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->items[i].type, JSON_STRING);
		assert_string_equal(a->items[i].str, samples[i]);
	}
	int64_t i64;
	assert_true(json_get_int(v, "max", &i64));
	assert_true(i64 == INT64_MAX);
	assert_true(json_get_int(v, "min", &i64));
	assert_true(i64 == INT64_MIN);
	json_free(v);

	/* invalid UTF-8 written becomes U+FFFD, which reads back as such */
	char *s = write_string("x\xffy", 3);
	v = parse(s);
	assert_string_equal(v->str, "x\xef\xbf\xbdy");
	json_free(v);
	free(s);
	strbuf_done(&sb);
}

/* strbuf_addf formats into the room there is, and again when that was too little. */
static void test_strbuf_addf(void **state)
{
	(void)state;
	strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s", "");
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int round = 0; round < 3; round++) {
		size_t before = sb.len;
		strbuf_addf(&sb, "<%d:%s>", round, round == 1 ? big : "y");
		assert_int_equal(sb.len - before, round == 1 ? 1003 : 5);
		assert_int_equal(strlen(sb.buf), sb.len);
	}
	assert_memory_equal(sb.buf, "<0:y><1:xxx", 11);
	assert_string_equal(sb.buf + sb.len - 10, "xxxx><2:y>");
	strbuf_done(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_basic),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_writer_compact),
		cmocka_unit_test(test_writer_pretty),
		cmocka_unit_test(test_writer_double_special),
		cmocka_unit_test(test_reader_values),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_reader_depth),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_strbuf_addf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
