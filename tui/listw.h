/* listw: the one list widget every table uses: cursor, scroll offset, page height. Items are
 * kept by the view; the view remembers the cursor's item by its stable id (the moref) and puts
 * the cursor back on it after a refresh (listw_set), so live updates never make it jump. */
#ifndef QUIESCENT_TUI_LISTW_H
#define QUIESCENT_TUI_LISTW_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/actions.h"

typedef struct {
	size_t n;       /* items */
	size_t cursor;
	size_t top;     /* first item shown */
	int height;     /* rows shown (set by the view at draw time) */
	bool no_cursor; /* text views: scrolling moves `top`, there is no cursor line */
} listw;

/* Sets the number of items and keeps cursor and top inside. */
void listw_set_count(listw *l, size_t n);
void listw_set(listw *l, size_t cursor);
/* Movement actions (move-up/down, pages, first/last). True when a was one. */
bool listw_request(listw *l, action a);
/* Scrolls so the cursor is visible. */
void listw_fit(listw *l);

#endif
