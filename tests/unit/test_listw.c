/* The list widget every table uses (tui/listw.h): the cursor stays on an item and inside the
 * list, the page scrolls to show it, and text views scroll without a cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/listw.h"

static listw list_of(size_t n, int height)
{
	listw l = { .height = height };
	listw_set_count(&l, n);
	return l;
}

/* The cursor is shown: it lies on the page [top, top + height). */
static void assert_cursor_on_page(const listw *l)
{
	assert_true(l->cursor >= l->top);
	assert_true(l->cursor < l->top + (size_t)l->height);
}

static void test_an_empty_list_keeps_everything_at_zero(void **state)
{
	(void)state;
	listw l = list_of(0, 10);
	assert_int_equal(l.cursor, 0);
	assert_int_equal(l.top, 0);
	static const action moves[] = { ACTION_MOVE_DOWN, ACTION_PAGE_DOWN, ACTION_LAST,
					ACTION_MOVE_UP, ACTION_HALF_PAGE_DOWN };
	for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
		assert_true(listw_request(&l, moves[i]));
		assert_int_equal(l.cursor, 0);
		assert_int_equal(l.top, 0);
	}
}

static void test_moves_stop_at_both_ends(void **state)
{
	(void)state;
	listw l = list_of(3, 10);
	listw_request(&l, ACTION_MOVE_UP);
	assert_int_equal(l.cursor, 0);
	listw_request(&l, ACTION_MOVE_DOWN);
	listw_request(&l, ACTION_MOVE_DOWN);
	assert_int_equal(l.cursor, 2);
	listw_request(&l, ACTION_MOVE_DOWN);
	assert_int_equal(l.cursor, 2);
	listw_request(&l, ACTION_PAGE_DOWN);
	assert_int_equal(l.cursor, 2);
	listw_request(&l, ACTION_PAGE_UP);
	assert_int_equal(l.cursor, 0);
	assert_int_equal(l.top, 0);
}

static void test_pages_move_by_a_page_less_one_line_and_keep_the_cursor_shown(void **state)
{
	(void)state;
	listw l = list_of(100, 10);
	listw_request(&l, ACTION_PAGE_DOWN);
	assert_int_equal(l.cursor, 9);     /* one line of the old page stays in view */
	assert_cursor_on_page(&l);
	listw_request(&l, ACTION_PAGE_DOWN);
	assert_int_equal(l.cursor, 18);
	assert_cursor_on_page(&l);
	listw_request(&l, ACTION_HALF_PAGE_DOWN);
	assert_int_equal(l.cursor, 23);
	assert_cursor_on_page(&l);
	listw_request(&l, ACTION_HALF_PAGE_UP);
	listw_request(&l, ACTION_PAGE_UP);
	assert_int_equal(l.cursor, 9);
	assert_cursor_on_page(&l);
	listw_request(&l, ACTION_LAST);
	assert_int_equal(l.cursor, 99);
	assert_int_equal(l.top, 90);       /* the last page is full, not one line */
	listw_request(&l, ACTION_FIRST);
	assert_int_equal(l.cursor, 0);
	assert_int_equal(l.top, 0);
}

static void test_moving_down_scrolls_one_line_at_the_bottom_edge(void **state)
{
	(void)state;
	listw l = list_of(50, 5);
	for (int i = 0; i < 4; i++)
		listw_request(&l, ACTION_MOVE_DOWN);
	assert_int_equal(l.cursor, 4);
	assert_int_equal(l.top, 0);
	listw_request(&l, ACTION_MOVE_DOWN);
	assert_int_equal(l.cursor, 5);
	assert_int_equal(l.top, 1);
	listw_set(&l, 20);                 /* the view put the cursor back on its item */
	assert_cursor_on_page(&l);
	listw_set(&l, 2);
	assert_int_equal(l.top, 2);        /* scrolled up just enough */
}

static void test_a_shrinking_list_pulls_cursor_and_page_back_inside(void **state)
{
	(void)state;
	listw l = list_of(100, 10);
	listw_set(&l, 95);
	listw_set_count(&l, 40);
	assert_int_equal(l.cursor, 39);
	assert_int_equal(l.top, 30);
	listw_set_count(&l, 4);            /* fewer items than rows: no empty lines above them */
	assert_int_equal(l.cursor, 3);
	assert_int_equal(l.top, 0);
	listw_set_count(&l, 0);
	assert_int_equal(l.cursor, 0);
	assert_int_equal(l.top, 0);
}

static void test_a_new_height_keeps_the_cursor_shown(void **state)
{
	(void)state;
	listw l = list_of(100, 30);
	listw_set(&l, 25);
	assert_int_equal(l.top, 0);
	l.height = 10;                     /* the terminal got smaller */
	listw_fit(&l);
	assert_int_equal(l.cursor, 25);
	assert_cursor_on_page(&l);
	l.height = 0;                      /* no room at all: one line is shown */
	listw_fit(&l);
	assert_int_equal(l.top, 25);
}

static void test_text_views_scroll_the_page_not_a_cursor(void **state)
{
	(void)state;
	listw l = { .height = 10, .no_cursor = true };
	listw_set_count(&l, 25);
	listw_request(&l, ACTION_MOVE_DOWN);
	assert_int_equal(l.top, 1);
	assert_int_equal(l.cursor, l.top);
	listw_request(&l, ACTION_PAGE_DOWN);
	assert_int_equal(l.top, 10);
	listw_request(&l, ACTION_PAGE_DOWN);
	assert_int_equal(l.top, 15);       /* the last page is full: 15..24 */
	listw_request(&l, ACTION_LAST);
	assert_int_equal(l.top, 15);
	listw_request(&l, ACTION_FIRST);
	assert_int_equal(l.top, 0);
	listw_set_count(&l, 5);            /* shorter than the page: nothing to scroll */
	listw_request(&l, ACTION_PAGE_DOWN);
	assert_int_equal(l.top, 0);
}

static void test_other_actions_are_not_the_lists(void **state)
{
	(void)state;
	listw l = list_of(20, 5);
	listw_set(&l, 7);
	listw before = l;
	static const action others[] = { ACTION_NONE, ACTION_MARK, ACTION_QUIT, ACTION_RESCAN };
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		assert_false(listw_request(&l, others[i]));
		assert_int_equal(l.cursor, before.cursor);
		assert_int_equal(l.top, before.top);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_empty_list_keeps_everything_at_zero),
		cmocka_unit_test(test_moves_stop_at_both_ends),
		cmocka_unit_test(test_pages_move_by_a_page_less_one_line_and_keep_the_cursor_shown),
		cmocka_unit_test(test_moving_down_scrolls_one_line_at_the_bottom_edge),
		cmocka_unit_test(test_a_shrinking_list_pulls_cursor_and_page_back_inside),
		cmocka_unit_test(test_a_new_height_keeps_the_cursor_shown),
		cmocka_unit_test(test_text_views_scroll_the_page_not_a_cursor),
		cmocka_unit_test(test_other_actions_are_not_the_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
