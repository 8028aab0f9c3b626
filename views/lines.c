#include "views/lines.h"

#include "tui/draw.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vlines_clear(vlines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	l->n = 0;
}

void vlines_free(vlines *l)
{
	vlines_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

static void push(vlines *l, term_elem e, char *text)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = (text_line){ .text = text, .e = e };
}

void vlines_add(vlines *l, term_elem e, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = xstrdup("?");
	va_end(ap);
	push(l, e, text);
}

void vlines_wrap(vlines *l, term_elem e, int first, int rest, int width, const char *text)
{
	if (!text)
		text = "";
	int indent = first;
	char *line = NULL;
	size_t len = 0, cap = 0;
	int used = 0;
	const char *p = text;
	bool any = false;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t wl = strcspn(p, " ");
		char *word = xstrndup(p, wl);
		int ww = draw_width(word);
		if (used && indent + used + 1 + ww > width) {
			push(l, e, xasprintf("%*s%s", indent, "", line ? line : ""));
			any = true;
			indent = rest;
			len = 0;
			used = 0;
		}
		line = xgrow(line, &cap, len + wl + 2, 1);
		if (used)
			line[len++] = ' ', used++;
		memcpy(line + len, word, wl);
		len += wl;
		line[len] = '\0';
		used += ww;
		free(word);
		p += wl;
	}
	if (used || !any)
		push(l, e, xasprintf("%*s%s", indent, "", used && line ? line : ""));
	free(line);
}

void vlines_draw(const vlines *l, size_t top, int y, int h, int w)
{
	for (int r = 0; r < h; r++) {
		size_t i = top + (size_t)r;
		draw_fill(y + r, 0, w, A_NORMAL);
		if (i < l->n)
			draw_str(y + r, 0, w, l->v[i].text, term_attr(l->v[i].e));
	}
}

void vlines_dialog(int y, int h, int w, const char *title, const char *text, const char *keys)
{
	int bw = w - 8 < 70 ? w - 8 : 70;
	if (bw < 20)
		bw = w;
	vlines body = { 0 };
	vlines_wrap(&body, TE_NORMAL, 2, 2, bw - 2, text);
	int bh = (int)body.n + 4;
	if (bh > h)
		bh = h;
	int x = (w - bw) / 2;
	int top = y + (h - bh) / 2;
	attr_t a = term_attr(TE_STATUSLINE);
	/* a blank margin around the box, so the text below never runs into the dialog's (without
	 * colours the box is only its text) */
	int mx = x >= 2 ? x - 2 : 0, mw = bw + (x - mx) * 2;
	if (mx + mw > w)
		mw = w - mx;
	for (int r = top > y ? top - 1 : top; r <= top + bh && r < y + h; r++)
		draw_fill(r, mx, mw, A_NORMAL);
	for (int r = 0; r < bh; r++)
		draw_fill(top + r, x, bw, a);
	char t[256];
	snprintf(t, sizeof t, " %s ", title);
	draw_str(top, x + 1, bw - 2, t, a | A_BOLD);
	for (size_t i = 0; i < body.n && (int)i + 2 < bh - 1; i++)
		draw_str(top + 1 + (int)i, x, bw, body.v[i].text, a);
	draw_str(top + bh - 1, x + 2, bw - 4, keys, a | A_BOLD);
	vlines_free(&body);
}
