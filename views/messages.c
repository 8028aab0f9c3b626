/* Messages: the scrollable log of everything the message line showed, and captured stderr.
 * A message too long for its row is shown whole, wrapped, under the list while the cursor is
 * on it. */
#include "tui/draw.h"
#include "tui/term.h"
#include "views/lines.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>

#define PREFIX_W 16   /* "HH:MM:SS level  " */
#define WHOLE_MAX 6   /* rows at most for the whole message */

/* Rows the cursor's message takes whole under the list (a rule included); 0 when it fits. */
static int draw_whole(view *v, ui *u, int y, int h, int w)
{
	if (v->list.cursor >= u->n_log || h < 8)
		return 0;
	const char *text = u->log[v->list.cursor].text;
	if (draw_width(text) <= w - PREFIX_W)
		return 0;
	vlines l = { 0 };
	vlines_wrap(&l, TE_NORMAL, 2, 2, w - 2, text);
	int rows = (int)l.n < WHOLE_MAX ? (int)l.n : WHOLE_MAX;
	draw_fill(y + h - rows - 1, 0, w, term_attr(TE_HEADER));
	draw_str(y + h - rows - 1, 1, w - 1, "the whole message", term_attr(TE_HEADER));
	vlines_draw(&l, 0, y + h - rows, rows, w);
	vlines_free(&l);
	return rows + 1;
}

static void messages_draw(view *v, ui *u, int y, int h, int w)
{
	h -= draw_whole(v, u, y, h, w);
	v->list.height = h;
	listw_set_count(&v->list, u->n_log);
	listw_fit(&v->list);   /* the cursor stays above the whole message */
	for (int r = 0; r < h; r++) {
		size_t i = v->list.top + (size_t)r;
		if (i >= u->n_log) {
			draw_fill(y + r, 0, w, A_NORMAL);
			continue;
		}
		const ui_logline *l = &u->log[i];
		char ts[16], buf[64];
		struct tm tm;
		localtime_r(&l->at, &tm);
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
		static const char *const lv[] = { "info", "warn", "error", "stderr" };
		snprintf(buf, sizeof buf, "%s %-6s ", ts, lv[l->level]);
		attr_t a = i == v->list.cursor ? term_attr(TE_CURSOR) : A_NORMAL;
		term_elem e = l->level == LOG_ERROR || l->level == LOG_STDERR ? TE_MSG_ERROR
			      : l->level == LOG_WARN ? TE_MSG_WARN : TE_DIM;
		int x = draw_str(y + r, 0, w, buf, a | term_attr(e));
		draw_text(y + r, x, w - x, l->text, a, ALIGN_LEFT);
	}
}

static unsigned messages_request(view *v, ui *u, action a)
{
	listw_set_count(&v->list, u->n_log);
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	return VR_UNHANDLED;
}

static void messages_status(view *v, ui *u, char *buf, size_t n)
{
	snprintf(buf, n, "%zu/%zu messages", u->n_log ? v->list.cursor + 1 : 0, u->n_log);
}

static void messages_open(view *v, ui *u)
{
	listw_set_count(&v->list, u->n_log);
	listw_set(&v->list, u->n_log ? u->n_log - 1 : 0);
}

static const view_ops messages_ops = {
	.name = "messages",
	.keys = KMV_MESSAGES,
	.draw = messages_draw,
	.request = messages_request,
	.status = messages_status,
	.open = messages_open,
};

view *messages_view_new(void)
{
	return view_new(&messages_ops, "Messages", NULL);
}
