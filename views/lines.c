#include "views/lines.h"

#include "tui/draw.h"
#include "util/strbuf.h"
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
	va_list ap;
	va_start(ap, fmt);
	push(l, e, xvasprintf(fmt, ap));
	va_end(ap);
}

/* A line being filled: its text and display columns, its indent, the lines made so far. */
typedef struct {
	vlines *l;
	term_elem e;
	int indent, rest, width;
	strbuf text;
	int used;
	bool pushed;
} filling;

static int room_of(const filling *f)
{
	int room = f->width - f->indent;
	return room < 20 ? 20 : room;   /* narrower is unreadable: draw clips the rest */
}

static void flush(filling *f)
{
	push(f->l, f->e, xasprintf("%*s%s", f->indent, "", f->text.buf));
	strbuf_reset(&f->text);
	f->used = 0;
	f->indent = f->rest;
	f->pushed = true;
}

/* The one word-wrapper: fills lines word by word by display width (wcwidth, as tui/draw.c
 * draws), breaks at spaces (the space at a break is dropped), cuts a word wider than a line.
 * keep: the text's own spaces stay inside a line (aligned columns, leading blanks); else a run
 * of spaces is one and leading spaces go (prose). */
static void wrap(vlines *l, term_elem e, int first, int rest, int width, const char *text,
		 bool keep)
{
	filling f = { .l = l, .e = e, .indent = first, .rest = rest, .width = width };
	strbuf_init(&f.text);
	const char *p = text ? text : "";
	for (;;) {
		size_t sl = strspn(p, " ");
		const char *w = p + sl;
		if (!*w)
			break;   /* trailing spaces: nothing to show */
		size_t wl = strcspn(w, " ");
		char *word = xstrndup(w, wl);
		int ww = draw_width(word);
		int sep = keep ? (int)sl : f.used ? 1 : 0;
		if (f.used && f.used + sep + ww > room_of(&f)) {
			flush(&f);
			sep = 0;
		}
		for (int i = 0; i < sep; i++)
			strbuf_addc(&f.text, ' ');
		f.used += sep;
		const char *q = word;
		while (f.used + ww > room_of(&f)) {   /* wider than what is left: cut it */
			size_t fit = draw_fit(q, room_of(&f) - f.used);
			if (!fit && !f.used)
				fit = draw_fit(q, 2);   /* a wide character in a one-column room */
			strbuf_add(&f.text, q, fit);
			flush(&f);
			q += fit;
			ww = draw_width(q);
		}
		strbuf_adds(&f.text, q);
		f.used += ww;
		free(word);
		p = w + wl;
	}
	if (f.used || !f.pushed)
		flush(&f);
	strbuf_done(&f.text);
}

void vlines_wrap(vlines *l, term_elem e, int first, int rest, int width, const char *text)
{
	wrap(l, e, first, rest, width, text, false);
}

void vlines_wrap_keep(vlines *l, term_elem e, int first, int rest, int width, const char *text)
{
	wrap(l, e, first, rest, width, text, true);
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
