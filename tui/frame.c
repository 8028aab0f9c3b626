/* frame: the screen around the views: the title bar (who, where, the running task), the body
 * (the top view draws it), the status line (the view's state, marks, keys, help) and the
 * message line (or the `:` prompt, with Tab's candidates above it). */
#include "tui/frame.h"

#include "tui/draw.h"
#include "tui/prompt.h"
#include "tui/term.h"
#include "tui/view_ops.h"

#include <stdio.h>
#include <string.h>

static void draw_title(ui *u, int w)
{
	draw_fill(0, 0, w, term_attr(TE_TITLE));
	char buf[512], more[96] = "";
	size_t down = 0;
	for (size_t k = 0; k < u->n_more; k++)
		down += u->more[k].down != NULL;
	if (u->n_more)
		snprintf(more, sizeof more, " +%zu vCenter%s", u->n_more, u->n_more == 1 ? "" : "s");
	snprintf(buf, sizeof buf, " quiescent  %s@%s%s  %zu VMs", u->conn->user ? u->conn->user : "?",
		 u->server ? u->server : "?", more, u->fl.n);
	int x = draw_str(0, 0, w, buf, term_attr(TE_TITLE));
	/* the running task, with a spinner */
	ui_task *running = NULL;
	for (size_t i = u->n_tasks; i-- > 0;)
		if (u->tasks[i].job && !u->tasks[i].quiet) {
			running = &u->tasks[i];
			break;
		}
	char right[300] = "";
	bool lost = !u->conn_ok || down;
	if (!u->conn_ok)
		snprintf(right, sizeof right, "! connection lost, reconnecting ");
	else if (down == 1)
		for (size_t k = 0; k < u->n_more; k++) {
			if (u->more[k].down)
				snprintf(right, sizeof right, "! %s down, its VMs unknown ", u->more[k].server);
		}
	else if (down)
		snprintf(right, sizeof right, "! %zu vCenters down, their VMs unknown ", down);
	else if (running)
		snprintf(right, sizeof right, "%s %s%s%s ", term_glyph()->spinner[u->spin % 4], running->title,
			 running->what ? ": " : "", running->what ? running->what : "");
	int rw = draw_width(right);
	if (rw > w - x - 2)
		rw = w - x - 2;
	if (rw > 0)
		draw_text(0, w - rw, rw, right, term_attr(lost ? TE_READONLY : TE_TITLE), ALIGN_RIGHT);
}

static void draw_status(ui *u, int y, int w)
{
	view *v = ui_top(u);
	attr_t a = term_attr(TE_STATUSLINE);
	draw_fill(y, 0, w, a);
	char st[256] = "";
	v->ops->status(v, u, st, sizeof st);
	char buf[512];
	snprintf(buf, sizeof buf, " [%s] %s", v->title, st);
	int x = draw_str(y, 0, w, buf, a);
	char right[256];
	size_t off = 0;
	right[0] = '\0';
	if (u->kst.n) {
		off += (size_t)snprintf(right + off, sizeof right - off, "keys: ");
		for (int i = 0; i < u->kst.n; i++) {
			char k[32];
			off += (size_t)snprintf(right + off, sizeof right - off, "%s", keymap_key_name(u->kst.keys[i], k, sizeof k));
		}
		off += (size_t)snprintf(right + off, sizeof right - off, "  ");
	}
	if (u->fl.n_marked)
		off += (size_t)snprintf(right + off, sizeof right - off, "marked %zu  ", u->fl.n_marked);
	if (u->keymap_name && strcmp(u->keymap_name, "default"))
		off += (size_t)snprintf(right + off, sizeof right - off, "keys:%s  ", u->keymap_name);
	char help[32];
	ui_key_hint(u, v->ops->keys, ACTION_HELP, ":help", help, sizeof help);
	snprintf(right + off, sizeof right - off, "%s help ", help);
	int rw = draw_width(right);
	int ro = u->readonly ? 10 : 0;
	if (x + rw + ro + 1 < w) {
		draw_str(y, w - rw - ro, rw, right, a);
		if (u->readonly)
			draw_str(y, w - ro, ro, " READONLY ", term_attr(TE_READONLY));
	} else if (u->readonly && x + ro < w) {
		draw_str(y, w - ro, ro, " READONLY ", term_attr(TE_READONLY));
	}
}

static void draw_msgline(ui *u, int y, int w)
{
	if (prompt_active()) {
		prompt_draw(y, w);
		return;
	}
	draw_fill(y, 0, w, A_NORMAL);
	if (u->msgline) {
		term_elem e = u->msg_level == LOG_ERROR || u->msg_level == LOG_STDERR ? TE_MSG_ERROR
			      : u->msg_level == LOG_WARN ? TE_MSG_WARN : TE_NORMAL;
		draw_str(y, 0, w, u->msgline, term_attr(e));
	}
}

void frame_draw(ui *u)
{
	int h = LINES, w = COLS;
	erase();
	if (h < 6 || w < 30) {
		draw_str(0, 0, w, "terminal too small for quiescent (80x24 or more)", A_BOLD);
		refresh();
		return;
	}
	draw_title(u, w);
	view *v = ui_top(u);
	v->ops->draw(v, u, FRAME_BODY_TOP, h - 3, w);
	const char *matches = prompt_active() ? prompt_matches() : NULL;
	if (matches) /* Tab's candidates, above the line being edited */
		draw_str(h - 2, 0, w, matches, term_attr(TE_MSG_INFO) | A_BOLD);
	else
		draw_status(u, h - 2, w);
	draw_msgline(u, h - 1, w);
	curs_set(prompt_active() ? 1 : 0);
	if (!prompt_active())
		move(h - 1, w - 1);
	else
		prompt_draw(h - 1, w);
	refresh();
}

