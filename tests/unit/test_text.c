/* Unit tests for core/util/text: the one escaping rule for C0/C1 controls and invalid UTF-8,
 * in plain text (tables, CSV, messages) and in JSON, and its users: CSV fields, vs_fail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/text.h"
#include "vsphere/vs_error.h"

static void plain(const char *in, const char *want)
{
	char *got = text_clean(in);
	assert_string_equal(got, want);
	assert_true(strlen(got) <= strlen(in));
	assert_true(text_is_clean(got));
	free(got);
}

static void json(const char *in, const char *want)
{
	strbuf sb;
	strbuf_init(&sb);
	text_escape(&sb, in, strlen(in), TEXT_JSON);
	assert_string_equal(sb.buf, want);
	strbuf_done(&sb);
}

static void test_plain(void **state)
{
	plain("web-01", "web-01");
	plain("caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80");
	plain("a\x1b[31mred", "a?[31mred");          /* ESC */
	plain("a\xc2\x9b" "31mred", "a?31mred");      /* U+009B, the 8-bit CSI */
	plain("bell\x07", "bell?");
	plain("del\x7f", "del?");
	plain("line one\nline two\r\n", "line one line two  ");
	plain("tab\there", "tab here");
	plain("bad \xff\xfe utf8", "bad ?? utf8");
	plain("overlong \xc0\xaf", "overlong ??");
	plain("surrogate \xed\xa0\x80", "surrogate ???");
	plain("cut \xe6\x9d", "cut ??");
	assert_false(text_is_clean("x\xc2\x85"));   /* NEL, a C1 control */
	assert_true(text_is_clean("\xc2\xa0"));     /* NBSP is printable */
	char buf[] = "fault\nstring\xc2\x9b";
	text_clean_inplace(buf);
	assert_string_equal(buf, "fault string?");
}

static void test_json(void **state)
{
	json("plain", "plain");
	json("q\"b\\", "q\\\"b\\\\");
	json("a\xc2\x9b" "b", "a\\u009bb");
	json("esc\x1b", "esc\\u001b");
	json("nl\n", "nl\\n");
	json("bad\xff", "bad\xef\xbf\xbd");
	json("\xc3\xa9", "\xc3\xa9");
}

static void test_json_doc(void **state)
{
	strbuf sb;
	strbuf_init(&sb);
	const char *doc = "{\"a\": \"x\xc2\x9by\",\n \"b\": [1, \"\\u001b\", \"\xc3\xa9\xff\"]}";
	text_escape(&sb, doc, strlen(doc), TEXT_JSON_DOC);
	assert_string_equal(sb.buf, "{\"a\": \"x\\u009by\",\n \"b\": [1, \"\\u001b\", \"\xc3\xa9\xef\xbf\xbd\"]}");
	strbuf_done(&sb);
}

static void test_users(void **state)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_add_csv_field(&sb, "vm\xc2\x9b" "2J", false);
	strbuf_add_csv_field(&sb, "two\nlines", true);
	assert_string_equal(sb.buf, "vm?2J,two lines\r\n");
	strbuf_done(&sb);
	vs_error e;
	vs_error_clear(&e);
	vs_fail(&e, VS_ERR_FAULT, "The server said: %s.", "first line\nsecond\x1b]0;title\x07");
	assert_string_equal(e.message, "The server said: first line second?]0;title?.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_doc),
		cmocka_unit_test(test_users),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
