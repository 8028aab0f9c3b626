/* Tasks: every task of this session, running first, with progress bars. Fix and snaptest post
 * their tasks here through the job API (tui/jobs.h). */
#include "tui/draw.h"
#include "tui/term.h"
#include "util/xalloc.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>

static const char *state_name(task_state s)
{
	switch (s) {
	case TASK_QUEUED: return "queued";
	case TASK_RUNNING: return "running";
	case TASK_DONE: return "done";
	case TASK_FAILED: return "failed";
	case TASK_CANCELLED: return "cancelled";
	default: return "?";
	}
}

/* Newest first; the list is short (one session). */
static ui_task *nth(ui *u, size_t i)
{
	return &u->tasks[u->n_tasks - 1 - i];
}

static void tasks_draw(view *v, ui *u, int y, int h, int w)
{
	draw_fill(y, 0, w, term_attr(TE_HEADER));
	int bar_w = w >= 120 ? 20 : 10;
	int x = 0;
	draw_text(y, x, 10, "STATE", term_attr(TE_HEADER), ALIGN_LEFT), x += 11;
	draw_text(y, x, bar_w + 5, "PROGRESS", term_attr(TE_HEADER), ALIGN_LEFT), x += bar_w + 6;
	draw_text(y, x, 8, "TIME", term_attr(TE_HEADER), ALIGN_LEFT), x += 9;
	draw_text(y, x, w - x, "TASK / NOW / ERROR", term_attr(TE_HEADER), ALIGN_LEFT);
	v->list.height = h - 1 > 0 ? h - 1 : 1;
	listw_set_count(&v->list, u->n_tasks);
	time_t now = time(NULL);
	for (int r = 0; r < h - 1; r++) {
		int row = y + 1 + r;
		size_t i = v->list.top + (size_t)r;
		draw_fill(row, 0, w, A_NORMAL);
		if (i >= u->n_tasks) {
			if (i == 0)
				draw_str(row, 2, w - 2, "no tasks yet: a scan (:scan), fixes and test snapshots show up here", term_attr(TE_DIM));
			continue;
		}
		ui_task *t = nth(u, i);
		bool cur = i == v->list.cursor;
		attr_t base = cur ? term_attr(TE_CURSOR) : A_NORMAL;
		draw_fill(row, 0, w, base);
		term_elem se = t->state == TASK_DONE ? TE_READY : t->state == TASK_FAILED ? TE_MANUAL
			     : t->state == TASK_CANCELLED ? TE_NA : TE_FIXABLE;
		char buf[512];
		x = 0;
		if (t->state == TASK_RUNNING)
			snprintf(buf, sizeof buf, "%s %s", term_glyph()->spinner[u->spin % 4], state_name(t->state));
		else
			snprintf(buf, sizeof buf, "%s", state_name(t->state));
		draw_text(row, x, 10, buf, base | term_attr(se), ALIGN_LEFT), x += 11;
		if (t->total > 0) {
			draw_bar(row, x, bar_w, t->done, t->total, term_attr(TE_BAR_DONE), term_attr(TE_BAR_TODO));
			snprintf(buf, sizeof buf, "%3d%%", (int)(100L * t->done / t->total));
		} else {
			draw_bar(row, x, bar_w, t->state == TASK_DONE, 1, term_attr(TE_BAR_DONE), term_attr(TE_BAR_TODO));
			snprintf(buf, sizeof buf, "%s", t->state == TASK_DONE ? "100%" : "");
		}
		draw_text(row, x + bar_w + 1, 4, buf, base, ALIGN_RIGHT), x += bar_w + 6;
		long secs = (long)((t->ended ? t->ended : now) - t->started);
		snprintf(buf, sizeof buf, "%ld:%02ld", secs / 60, secs % 60);
		draw_text(row, x, 8, buf, base, ALIGN_LEFT), x += 9;
		snprintf(buf, sizeof buf, "%s%s%s%s%s", t->title, t->vm ? " " : "", t->vm ? t->vm : "",
			 t->error ? ": " : t->what ? ": " : "", t->error ? t->error : t->what ? t->what : "");
		draw_text(row, x, w - x, buf, base | (t->error ? term_attr(TE_MSG_ERROR) : 0), ALIGN_LEFT);
	}
}

static unsigned tasks_request(view *v, ui *u, action a)
{
	listw_set_count(&v->list, u->n_tasks);
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	return VR_UNHANDLED;
}

static void tasks_status(view *v, ui *u, char *buf, size_t n)
{
	size_t running = 0;
	for (size_t i = 0; i < u->n_tasks; i++)
		running += u->tasks[i].state == TASK_RUNNING;
	snprintf(buf, n, "%zu tasks, %zu running", u->n_tasks, running);
}

static const view_ops tasks_ops = {
	.name = "tasks",
	.keys = KMV_TASKS,
	.draw = tasks_draw,
	.request = tasks_request,
	.status = tasks_status,
};

view *tasks_view_new(void)
{
	return view_new(&tasks_ops, "Tasks", NULL);
}
