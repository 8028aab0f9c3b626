/* Keymap parsing and key-sequence resolution (tui/keymap.c), and that the shipped keymaps parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/actions.h"
#include "tui/keymap.h"

static int errors;
static char last_error[700];

static void on_error(void *ctx, const char *m)
{
	(void)ctx;
	errors++;
	snprintf(last_error, sizeof last_error, "%s", m);
}

static void test_parse_keys(void **state)
{
	(void)state;
	int k[KM_MAX_SEQ];
	char err[128];
	assert_int_equal(keymap_parse_keys("j", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], 'j');
	assert_int_equal(keymap_parse_keys("gg", k, KM_MAX_SEQ, err, sizeof err), 2);
	assert_int_equal(k[1], 'g');
	assert_int_equal(keymap_parse_keys("<C-d>", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], 4);
	assert_int_equal(keymap_parse_keys("^U", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], 21);
	assert_int_equal(keymap_parse_keys("<PgDn>", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], KM_KEY_PGDN);
	assert_int_equal(keymap_parse_keys("<space>", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], ' ');
	assert_int_equal(keymap_parse_keys("<F5>", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], KM_KEY_F0 + 5);
	assert_int_equal(keymap_parse_keys("<lt>", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], '<');
	assert_int_equal(keymap_parse_keys("<", k, KM_MAX_SEQ, err, sizeof err), 1); /* a lone < */
	assert_int_equal(keymap_parse_keys("\xc3\xa9", k, KM_MAX_SEQ, err, sizeof err), 1);
	assert_int_equal(k[0], 0xe9);
	assert_int_equal(keymap_parse_keys("<Nope>", k, KM_MAX_SEQ, err, sizeof err), -1);
	assert_string_equal(err, "unknown key <Nope>");
	assert_int_equal(keymap_parse_keys("abcde", k, KM_MAX_SEQ, err, sizeof err), -1);
	assert_int_equal(keymap_parse_keys("\xff", k, KM_MAX_SEQ, err, sizeof err), -1);
}

static void test_key_names_round_trip(void **state)
{
	(void)state;
	static const char *const specs[] = { "j", "<C-d>", "<PgDn>", "<Space>", "<F12>", "<lt>", "<Enter>", "<Esc>" };
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		int k[KM_MAX_SEQ], k2[KM_MAX_SEQ];
		char err[128], name[32];
		assert_int_equal(keymap_parse_keys(specs[i], k, KM_MAX_SEQ, err, sizeof err), 1);
		keymap_key_name(k[0], name, sizeof name);
		assert_int_equal(keymap_parse_keys(name, k2, KM_MAX_SEQ, err, sizeof err), 1);
		assert_int_equal(k[0], k2[0]);
	}
}

static void test_exec_errors_name_the_problem(void **state)
{
	(void)state;
	keymap *km = keymap_new();
	char err[256];
	assert_int_equal(keymap_exec(km, "  # comment", err, sizeof err), 0);
	assert_int_equal(keymap_exec(km, "   ", err, sizeof err), 0);
	assert_int_equal(keymap_exec(km, "bind vms x", err, sizeof err), -1);
	assert_string_equal(err, "usage: bind VIEW KEYS ACTION");
	assert_int_equal(keymap_exec(km, "bind nowhere x mark", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown view 'nowhere'"));
	assert_int_equal(keymap_exec(km, "bind vms x frob", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown action 'frob'"));
	assert_int_equal(keymap_exec(km, "set x", err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown command 'set'"));
	keymap_free(km);
}

static void test_load_goes_on_after_errors(void **state)
{
	(void)state;
	keymap *km = keymap_new();
	errors = 0;
	int bad = keymap_load_string(km, "bind vms x mark\nbind vms y nothing\n\nbind generic q quit\n",
				     "my.keys", on_error, NULL);
	assert_int_equal(bad, 1);
	assert_int_equal(errors, 1);
	assert_string_equal(last_error, "my.keys:2: unknown action 'nothing' (see the help screen, ?)");
	int x = 'x', q = 'q';
	assert_int_equal(keymap_lookup(km, KMV_VMS, &x, 1), ACTION_MARK);
	assert_int_equal(keymap_lookup(km, KMV_VMS, &q, 1), ACTION_QUIT);
	assert_int_equal(keymap_load_file(km, "/nonexistent/keys", on_error, NULL), -1);
	assert_non_null(strstr(last_error, "/nonexistent/keys: cannot read"));
	keymap_free(km);
}

static void test_view_overrides_generic_and_unbind_hides(void **state)
{
	(void)state;
	keymap *km = keymap_new();
	char err[128];
	assert_int_equal(keymap_exec(km, "bind generic q quit", err, sizeof err), 0);
	assert_int_equal(keymap_exec(km, "bind help q back", err, sizeof err), 0);
	assert_int_equal(keymap_exec(km, "unbind detail q", err, sizeof err), 0);
	int q = 'q';
	assert_int_equal(keymap_lookup(km, KMV_VMS, &q, 1), ACTION_QUIT);
	assert_int_equal(keymap_lookup(km, KMV_HELP, &q, 1), ACTION_BACK);
	assert_int_equal(keymap_lookup(km, KMV_DETAIL, &q, 1), ACTION_NONE);
	char keys[64];
	assert_int_equal(keymap_keys_for(km, KMV_DETAIL, ACTION_QUIT, keys, sizeof keys), 0);
	assert_int_equal(keymap_keys_for(km, KMV_VMS, ACTION_QUIT, keys, sizeof keys), 1);
	assert_string_equal(keys, "q");
	/* rebinding replaces */
	assert_int_equal(keymap_exec(km, "bind generic q help", err, sizeof err), 0);
	assert_int_equal(keymap_lookup(km, KMV_VMS, &q, 1), ACTION_HELP);
	keymap_free(km);
}

static void test_sequences(void **state)
{
	(void)state;
	keymap *km = keymap_new();
	char err[128];
	keymap_exec(km, "bind generic gg first", err, sizeof err);
	keymap_exec(km, "bind generic G last", err, sizeof err);
	keymap_exec(km, "bind generic j move-down", err, sizeof err);
	keymap_state st = { .n = 0 };
	action a = ACTION_NONE;
	assert_int_equal(keymap_feed(km, KMV_VMS, &st, 'g', &a), KM_PENDING);
	assert_int_equal(keymap_feed(km, KMV_VMS, &st, 'g', &a), KM_ACTION);
	assert_int_equal(a, ACTION_FIRST);
	assert_int_equal(st.n, 0);
	/* a prefix that does not continue: the key is tried on its own */
	assert_int_equal(keymap_feed(km, KMV_VMS, &st, 'g', &a), KM_PENDING);
	assert_int_equal(keymap_feed(km, KMV_VMS, &st, 'j', &a), KM_ACTION);
	assert_int_equal(a, ACTION_MOVE_DOWN);
	assert_int_equal(keymap_feed(km, KMV_VMS, &st, 'z', &a), KM_NONE);
	assert_int_equal(st.n, 0);
	keymap_free(km);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_shipped_keymaps_parse_cleanly(void **state)
{
	(void)state;
	static const char *const files[] = { "keymaps/default.keys", "keymaps/vi.keys" };
	keymap *km = keymap_new();
	for (size_t i = 0; i < 2; i++) {
		char *text = slurp(files[i]);
		if (!text) /* the suites run from the source tree: a missing keymap is a failure */
			fail_msg("cannot read %s", files[i]);
		errors = 0;
		assert_int_equal(keymap_load_string(km, text, files[i], on_error, NULL), 0);
	}
	/* the keys */
	static const struct { const char *keys; keymap_view v; action a; } want[] = {
		{ "<Up>", KMV_VMS, ACTION_MOVE_UP }, { "<PgDn>", KMV_VMS, ACTION_PAGE_DOWN },
		{ "<Home>", KMV_VMS, ACTION_FIRST }, { "<Enter>", KMV_VMS, ACTION_OPEN },
		{ "<Esc>", KMV_DETAIL, ACTION_BACK }, { "q", KMV_VMS, ACTION_QUIT },
		{ "?", KMV_VMS, ACTION_HELP }, { "/", KMV_VMS, ACTION_FILTER },
		{ ":", KMV_TASKS, ACTION_PROMPT }, { "<Space>", KMV_VMS, ACTION_MARK },
		{ "j", KMV_VMS, ACTION_MOVE_DOWN }, { "k", KMV_HELP, ACTION_MOVE_UP },
		{ "gg", KMV_VMS, ACTION_FIRST }, { "G", KMV_VMS, ACTION_LAST },
		{ "<C-d>", KMV_VMS, ACTION_HALF_PAGE_DOWN }, { "<C-u>", KMV_VMS, ACTION_HALF_PAGE_UP },
		{ "n", KMV_VMS, ACTION_NEXT_PROBLEM }, { "N", KMV_VMS, ACTION_PREV_PROBLEM },
		{ "h", KMV_DETAIL, ACTION_BACK }, { "l", KMV_VMS, ACTION_OPEN },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int k[KM_MAX_SEQ];
		char err[64];
		int n = keymap_parse_keys(want[i].keys, k, KM_MAX_SEQ, err, sizeof err);
		assert_true(n > 0);
		assert_int_equal(keymap_lookup(km, want[i].v, k, n), want[i].a);
	}
	keymap_free(km);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_keys),
		cmocka_unit_test(test_key_names_round_trip),
		cmocka_unit_test(test_exec_errors_name_the_problem),
		cmocka_unit_test(test_load_goes_on_after_errors),
		cmocka_unit_test(test_view_overrides_generic_and_unbind_hides),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_shipped_keymaps_parse_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
