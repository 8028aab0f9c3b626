#include "tui/draw.h"
#include "tui/term.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Decodes the next character of s (locale encoding); '?' for garbage. Returns bytes used. */
static size_t next_char(const char *s, wchar_t *wc, int *w)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t len = mbrtowc(wc, s, MB_CUR_MAX, &st);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		*wc = L'?';
		*w = 1;
		return 1;
	}
	*w = wcwidth(*wc);
	if (*w < 0) {
		*wc = L'?';
		*w = 1;
	}
	return len;
}

int draw_width(const char *s)
{
	int total = 0;
	while (s && *s) {
		wchar_t wc;
		int w;
		s += next_char(s, &wc, &w);
		total += w;
	}
	return total;
}

size_t draw_fit(const char *s, int cols)
{
	size_t bytes = 0;
	int used = 0;
	while (s && s[bytes]) {
		wchar_t wc;
		int w;
		size_t len = next_char(s + bytes, &wc, &w);
		if (used + w > cols)
			break;
		used += w;
		bytes += len;
	}
	return bytes;
}

static int put(int y, int x, int max, const char *s, attr_t attr, bool ellipsis)
{
	if (max <= 0)
		return 0;
	int used = 0;
	int full = draw_width(s);
	bool cut = full > max;
	int room = cut && ellipsis ? max - 1 : max;
	attrset(attr);
	move(y, x);
	while (s && *s) {
		wchar_t wc[2] = { 0, 0 };
		int w;
		size_t len = next_char(s, &wc[0], &w);
		if (used + w > room)
			break;
		if (w > 0)
			addnwstr(wc, 1);
		used += w;
		s += len;
	}
	if (cut && ellipsis) {
		const char *e = term_glyph()->ellipsis;
		wchar_t wc[2] = { 0, 0 };
		int w;
		next_char(e, &wc[0], &w);
		addnwstr(wc, 1);
		used += 1;
	}
	return used;
}

int draw_str(int y, int x, int max, const char *s, attr_t attr)
{
	return put(y, x, max, s, attr, true);
}

void draw_fill(int y, int x, int width, attr_t attr)
{
	if (width <= 0)
		return;
	attrset(attr);
	mvhline(y, x, ' ', width);
}

int draw_text(int y, int x, int width, const char *s, attr_t attr, draw_align align)
{
	if (width <= 0)
		return 0;
	int w = draw_width(s);
	if (align == ALIGN_RIGHT && w < width) {
		draw_fill(y, x, width - w, attr);
		put(y, x + width - w, w, s, attr, true);
		return width;
	}
	int used = put(y, x, width, s, attr, true);
	draw_fill(y, x + used, width - used, attr);
	return width;
}

void draw_bar(int y, int x, int width, long done, long total, attr_t full, attr_t empty)
{
	if (width <= 0)
		return;
	int n = total > 0 ? (int)((done * width + total / 2) / total) : 0;
	if (n > width)
		n = width;
	const term_glyphs *g = term_glyph();
	for (int i = 0; i < width; i++)
		put(y, x + i, 1, i < n ? g->bar_full : g->bar_empty, i < n ? full : empty, false);
}
