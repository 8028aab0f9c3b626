#include "tui/listw.h"

void listw_fit(listw *l)
{
	size_t h = l->height > 0 ? (size_t)l->height : 1;
	if (l->no_cursor) {
		size_t max_top = l->n > h ? l->n - h : 0;
		if (l->top > max_top)
			l->top = max_top;
		l->cursor = l->top;
		return;
	}
	if (l->n == 0) {
		l->cursor = l->top = 0;
		return;
	}
	if (l->cursor >= l->n)
		l->cursor = l->n - 1;
	if (l->cursor < l->top)
		l->top = l->cursor;
	if (l->cursor >= l->top + h)
		l->top = l->cursor - h + 1;
	if (l->top + h > l->n)
		l->top = l->n > h ? l->n - h : 0;
}

void listw_set_count(listw *l, size_t n)
{
	l->n = n;
	listw_fit(l);
}

void listw_set(listw *l, size_t cursor)
{
	if (l->no_cursor)
		l->top = cursor;
	else
		l->cursor = cursor;
	listw_fit(l);
}

static void move_by(listw *l, long delta)
{
	size_t *p = l->no_cursor ? &l->top : &l->cursor;
	if (delta < 0 && (size_t)-delta > *p)
		*p = 0;
	else
		*p = (size_t)((long)*p + delta);
	if (!l->no_cursor && l->n && *p >= l->n)
		*p = l->n - 1;
	listw_fit(l);
}

bool listw_request(listw *l, action a)
{
	long page = l->height > 1 ? l->height - 1 : 1;
	switch (a) {
	case ACTION_MOVE_UP: move_by(l, -1); return true;
	case ACTION_MOVE_DOWN: move_by(l, 1); return true;
	case ACTION_PAGE_UP: move_by(l, -page); return true;
	case ACTION_PAGE_DOWN: move_by(l, page); return true;
	case ACTION_HALF_PAGE_UP: move_by(l, -(page + 1) / 2); return true;
	case ACTION_HALF_PAGE_DOWN: move_by(l, (page + 1) / 2); return true;
	case ACTION_FIRST: listw_set(l, 0); return true;
	case ACTION_LAST: listw_set(l, l->n ? l->n - 1 : 0); return true;
	default: return false;
	}
}
