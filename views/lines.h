/* lines: a list of text lines with an element colour each, built by a view before it draws
 * (word-wrapped to the screen's width) and drawn as a scrolled window of it. The plan and
 * snaptest screens use it for their long, live, mixed content. UI thread only. */
#ifndef QUIESCENT_VIEWS_LINES_H
#define QUIESCENT_VIEWS_LINES_H

#include <stddef.h>

#include "tui/term.h"

typedef struct {
	char *text;
	term_elem e;
} text_line;

typedef struct {
	text_line *v;
	size_t n, cap;
} vlines;

void vlines_clear(vlines *l);   /* empties; keeps the storage */
void vlines_free(vlines *l);
void vlines_add(vlines *l, term_elem e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds text word-wrapped to width display columns (wcwidth: a wide character takes two); the
 * first line is indented by first, the others by rest; a word wider than a line is cut. Runs
 * of spaces become one, leading spaces go (prose). */
void vlines_wrap(vlines *l, term_elem e, int first, int rest, int width, const char *text);
/* The same wrapper keeping the text's own spaces inside a line (aligned columns). */
void vlines_wrap_keep(vlines *l, term_elem e, int first, int rest, int width, const char *text);
/* Draws lines [top, top+h) in rows [y, y+h) of width w (blank rows past the end). */
void vlines_draw(const vlines *l, size_t top, int y, int h, int w);
/* A dialog box centred in rows [y, y+h): title, then text wrapped, then the keys line. */
void vlines_dialog(int y, int h, int w, const char *title, const char *text, const char *keys);

#endif
