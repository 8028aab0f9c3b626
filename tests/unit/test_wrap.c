/* Unit tests for the console's one word-wrapper (views/lines.c vlines_wrap/vlines_wrap_keep):
 * lines measured by display width (wcwidth), so wide characters never overflow the screen;
 * indents; prose spacing or kept columns; words wider than a line cut. Curses is linked but
 * never started: wrapping does not draw. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "../../tui/draw.c"
#include "../../tui/term.c"
#include "../../views/lines.c"

static void each_fits(const vlines *l, int width)
{
	for (size_t i = 0; i < l->n; i++)
		assert_true(draw_width(l->v[i].text) <= width);
}

static void test_prose(void **state)
{
	(void)state;
	vlines l = { 0 };
	vlines_wrap(&l, TE_NORMAL, 2, 4, 30, "  one two  three four five six seven eight nine ten");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].text, "  one two three four five six");
	assert_string_equal(l.v[1].text, "    seven eight nine ten");
	each_fits(&l, 30);
	vlines_clear(&l);
	vlines_wrap(&l, TE_NORMAL, 2, 2, 30, "");
	assert_int_equal(l.n, 1);   /* an empty text is one blank line */
	assert_string_equal(l.v[0].text, "  ");
	vlines_free(&l);
}

static void test_keep_columns(void **state)
{
	(void)state;
	vlines l = { 0 };
	vlines_wrap_keep(&l, TE_NORMAL, 0, 26, 50,
			 "  disk.EnableUUID         TRUE  [vCenter] and a long tail of words after");
	assert_string_equal(l.v[0].text, "  disk.EnableUUID         TRUE  [vCenter] and a");
	assert_string_equal(l.v[1].text, "                          long tail of words after");
	each_fits(&l, 50);
	vlines_free(&l);
}

/* Wide characters take two columns: a line of them holds half as many. */
static void test_wide(void **state)
{
	(void)state;
	vlines l = { 0 };
	/* 24 CJK characters in words of 4 (8 columns each) */
	vlines_wrap(&l, TE_NORMAL, 0, 0, 20,
		    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x96\x87 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x96\x87 "
		    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x96\x87 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x96\x87");
	assert_int_equal(l.n, 2);
	assert_int_equal(draw_width(l.v[0].text), 17);   /* two words and a space */
	each_fits(&l, 20);
	vlines_free(&l);
}

static void test_long_word_cut(void **state)
{
	(void)state;
	vlines l = { 0 };
	char word[61];
	memset(word, 'x', 60);
	word[60] = '\0';
	vlines_wrap(&l, TE_NORMAL, 0, 2, 22, word);
	each_fits(&l, 22);
	size_t total = 0;
	for (size_t i = 0; i < l.n; i++)
		total += strspn(l.v[i].text + (i ? 2 : 0), "x");
	assert_int_equal(total, 60);   /* all of it shown, none past the edge */
	vlines_free(&l);
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		fprintf(stderr, "test_wrap: no C.UTF-8 locale, so no display widths to test\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prose),
		cmocka_unit_test(test_keep_columns),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_long_word_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
