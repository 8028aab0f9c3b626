/* draw: text into the curses screen by display width (wcwidth), never by bytes. Invalid or
 * unprintable bytes show as '?', so a VM name in any encoding cannot break the layout. */
#ifndef QUIESCENT_TUI_DRAW_H
#define QUIESCENT_TUI_DRAW_H

#include <curses.h>
#include <stddef.h>

typedef enum { ALIGN_LEFT, ALIGN_RIGHT } draw_align;

/* Display width of a UTF-8 (locale) string. */
int draw_width(const char *s);
/* How many bytes of s, whole characters, fit `cols` display columns. */
size_t draw_fit(const char *s, int cols);
/* Draws s at (y, x) in exactly `width` columns: truncated with an ellipsis, padded with blanks.
 * Returns width. */
int draw_text(int y, int x, int width, const char *s, attr_t attr, draw_align align);
/* Like draw_text without padding: returns the columns used. */
int draw_str(int y, int x, int max, const char *s, attr_t attr);
/* Fills columns [x, x+width) of line y with blanks in attr. */
void draw_fill(int y, int x, int width, attr_t attr);
/* A bar of `width` cells, done/total full. */
void draw_bar(int y, int x, int width, long done, long total, attr_t full, attr_t empty);

#endif
