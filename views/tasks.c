/* Tasks: every task of this session, newest first, with progress bars; below them each
 * vCenter's recent tasks (every user's) on its VMs in the list, under a heading naming it when
 * there are several, read by tui/taskwatch (one per vCenter) while this view is shown. Fix and snaptest post their tasks here through the job API (tui/jobs.h). */
#include "tui/draw.h"
#include "tui/taskwatch.h"
#include "tui/term.h"
#include "util/xalloc.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* One row of the view: a task of this session, a vCenter's heading, or a task of vCenter vc. */
typedef struct {
	enum { ROW_SESSION, ROW_VC_HEAD, ROW_VC } kind;
	unsigned vc;
	size_t i;
	size_t n_vc;     /* ROW_VC_HEAD: how many of its tasks are listed */
} task_row;

typedef struct {
	task_row *rows;
	size_t n, cap;
	size_t n_session, n_vc;
} tasks_priv;

static bool vc_active(const vs_task_result *t)
{
	return t->state == VS_TASK_RUNNING || t->state == VS_TASK_QUEUED;
}

static const vs_task_result *vc_sort_base;

/* Running first, then the newest. */
static int by_activity(const void *a, const void *b)
{
	const vs_task_result *x = &vc_sort_base[((const task_row *)a)->i];
	const vs_task_result *y = &vc_sort_base[((const task_row *)b)->i];
	if (vc_active(x) != vc_active(y))
		return vc_active(x) ? -1 : 1;
	time_t tx = x->queued_at ? x->queued_at : x->started_at;
	time_t ty = y->queued_at ? y->queued_at : y->started_at;
	return tx < ty ? 1 : tx > ty ? -1 : strcmp(x->task, y->task);
}

/* Session tasks (quiet ones left out), newest first; then vCenter's on the VMs listed. */
static void build_rows(tasks_priv *p, ui *u)
{
	p->n = p->n_session = p->n_vc = 0;
	for (size_t i = u->n_tasks; i-- > 0;) {
		if (u->tasks[i].quiet)
			continue;
		p->rows = xgrow(p->rows, &p->cap, p->n + 1, sizeof *p->rows);
		p->rows[p->n++] = (task_row){ ROW_SESSION, 0, i, 0 };
		p->n_session++;
	}
	/* every vCenter with a reader (logged in), in --server order */
	for (unsigned vc = 0; vc < ui_vcenter_count(u); vc++) {
		const ui_vc_tasks *t = ui_vcenter_tasks(u, vc);
		if (!t->watch)
			continue;
		p->rows = xgrow(p->rows, &p->cap, p->n + 1, sizeof *p->rows);
		size_t head = p->n;
		p->rows[p->n++] = (task_row){ ROW_VC_HEAD, vc, 0, 0 };
		size_t first = p->n;
		for (size_t i = 0; i < t->n; i++) {
			if (!fleet_get_in(&u->fl, vc, t->tasks[i].entity))
				continue;
			p->rows = xgrow(p->rows, &p->cap, p->n + 1, sizeof *p->rows);
			p->rows[p->n++] = (task_row){ ROW_VC, vc, i, 0 };
		}
		p->rows[head].n_vc = p->n - first;
		p->n_vc += p->n - first;
		vc_sort_base = t->tasks;
		qsort(p->rows + first, p->n - first, sizeof *p->rows, by_activity);
	}
}

/* vCenter's descriptionId in words, for the common ones. */
static const char *vc_task_name(const char *id)
{
	static const struct { const char *id, *name; } names[] = {
		{ "VirtualMachine.powerOn", "Power on" },
		{ "VirtualMachine.powerOff", "Power off" },
		{ "VirtualMachine.reset", "Reset" },
		{ "VirtualMachine.suspend", "Suspend" },
		{ "VirtualMachine.reconfigure", "Reconfigure" },
		{ "VirtualMachine.reconfigVm", "Reconfigure" },   /* govmomi's simulator's id */
		{ "VirtualMachine.createSnapshot", "Create snapshot" },
		{ "VirtualMachine.createSnapshotEx", "Create snapshot" },
		{ "VirtualMachine.removeSnapshot", "Remove snapshot" },
		{ "VirtualMachineSnapshot.remove", "Remove snapshot" },
		{ "VirtualMachine.removeAllSnapshots", "Remove all snapshots" },
		{ "VirtualMachine.consolidateDisks", "Consolidate disks" },
		{ "VirtualMachine.upgradeTools", "Upgrade VMware Tools" },
		{ "VirtualMachine.mountToolsInstaller", "Mount Tools installer" },
		{ "VirtualMachine.relocate", "Migrate" },
		{ "VirtualMachine.clone", "Clone" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(id, names[i].id))
			return names[i].name;
	const char *dot = strrchr(id, '.');
	return dot && dot[1] ? dot + 1 : id[0] ? id : "task";
}

static const char *vc_state_name(const vs_task_result *t)
{
	switch (t->state) {
	case VS_TASK_QUEUED: return "queued";
	case VS_TASK_RUNNING: return "running";
	case VS_TASK_SUCCESS: return "done";
	case VS_TASK_ERROR: return t->cancelled ? "cancelled" : "failed";
	}
	return "?";
}

/* The columns every row shares: state, progress bar (done of total; pct < 0: no figure),
 * time (secs < 0: unknown). Returns the x after them. */
static int draw_common(ui *u, int row, int bar_w, attr_t base, term_elem se, const char *state,
		       bool running, long done, long total, int pct, long secs)
{
	char buf[64];
	int x = 0;
	if (running)
		snprintf(buf, sizeof buf, "%s %s", term_glyph()->spinner[u->spin % 4], state);
	else
		snprintf(buf, sizeof buf, "%s", state);
	draw_text(row, x, 10, buf, base | term_attr(se), ALIGN_LEFT), x += 11;
	draw_bar(row, x, bar_w, done, total > 0 ? total : 1, term_attr(TE_BAR_DONE), term_attr(TE_BAR_TODO));
	if (pct >= 0)
		snprintf(buf, sizeof buf, "%3d%%", pct);
	else
		buf[0] = '\0';
	draw_text(row, x + bar_w + 1, 4, buf, base, ALIGN_RIGHT), x += bar_w + 6;
	if (secs >= 0)
		snprintf(buf, sizeof buf, "%ld:%02ld", secs / 60, secs % 60);
	else
		snprintf(buf, sizeof buf, "-");
	draw_text(row, x, 8, buf, base, ALIGN_LEFT), x += 9;
	return x;
}

static void draw_session(ui *u, const ui_task *t, int row, int w, int bar_w, attr_t base, time_t now)
{
	term_elem se = t->state == TASK_DONE ? TE_READY : t->state == TASK_FAILED ? TE_MANUAL
		     : t->state == TASK_CANCELLED ? TE_NA : TE_FIXABLE;
	/* without a total the bar only says whether it is done */
	bool known = t->total > 0;
	int pct = known ? (int)(100L * t->done / t->total) : t->state == TASK_DONE ? 100 : -1;
	int x = draw_common(u, row, bar_w, base, se, state_name(t->state), t->state == TASK_RUNNING,
			    known ? t->done : t->state == TASK_DONE, known ? t->total : 1, pct,
			    (long)((t->ended ? t->ended : now) - t->started));
	char buf[512];
	snprintf(buf, sizeof buf, "%s%s%s%s%s", t->title, t->vm ? " " : "", t->vm ? t->vm : "",
		 t->error ? ": " : t->what ? ": " : "", t->error ? t->error : t->what ? t->what : "");
	draw_text(row, x, w - x, buf, base | (t->error ? term_attr(TE_MSG_ERROR) : 0), ALIGN_LEFT);
}

static void draw_vc(ui *u, unsigned vc, const vs_task_result *t, int row, int w, int bar_w, attr_t base)
{
	term_elem se = t->state == VS_TASK_SUCCESS ? TE_READY : t->state == VS_TASK_ERROR
		     ? (t->cancelled ? TE_NA : TE_MANUAL) : TE_FIXABLE;
	time_t end = t->ended_at ? t->ended_at : ui_vcenter_tasks(u, vc)->at;
	long secs = t->started_at && end >= t->started_at ? (long)(end - t->started_at) : -1;
	int done = t->state == VS_TASK_SUCCESS ? 100 : t->progress > 0 ? t->progress : 0;
	int x = draw_common(u, row, bar_w, base, se, vc_state_name(t), t->state == VS_TASK_RUNNING,
			    done, 100, t->state == VS_TASK_QUEUED || (t->state == VS_TASK_RUNNING &&
			    t->progress < 0) ? -1 : done, secs);
	const fleet_vm *vm = fleet_get_in(&u->fl, vc, t->entity);
	const char *name = vm && vm->f.name ? vm->f.name : t->entity_name[0] ? t->entity_name : t->entity;
	char buf[1024];
	snprintf(buf, sizeof buf, "%s %s%s%s%s%s", vc_task_name(t->description_id), name,
		 t->user[0] ? " by " : "", t->user, t->message[0] ? ": " : "", t->message);
	draw_text(row, x, w - x, buf, base | (t->state == VS_TASK_ERROR && !t->cancelled
					      ? term_attr(TE_MSG_ERROR) : 0), ALIGN_LEFT);
}

/* "vCenter's recent tasks on these VMs ..." alone; "vc02:443's recent tasks on its VMs ..." when
 * there are several. */
static void draw_vc_head(ui *u, const task_row *rw, int row, int w, attr_t base)
{
	const ui_vc_tasks *vt = ui_vcenter_tasks(u, rw->vc);
	char buf[800], t[16], who[300];
	if (u->n_more)
		snprintf(who, sizeof who, "%s's recent tasks on its VMs", ui_vcenter_name(u, rw->vc));
	else
		snprintf(who, sizeof who, "vCenter's recent tasks on these VMs");
	if (vt->at) {
		struct tm tm;
		localtime_r(&vt->at, &tm);
		strftime(t, sizeof t, "%H:%M:%S", &tm);
	}
	if (vt->error)
		snprintf(buf, sizeof buf, "%s cannot be read: %s", who, vt->error);
	else if (!vt->at)
		snprintf(buf, sizeof buf, "%s: reading...", who);
	else
		snprintf(buf, sizeof buf, "%s, every user's (%zu, read %s)%s", who, rw->n_vc, t, rw->n_vc ? "" : ": none");
	draw_fill(row, 0, w, base);
	draw_text(row, 0, w, buf, base | term_attr(vt->error ? TE_MSG_ERROR : TE_SECTION), ALIGN_LEFT);
}

static void tasks_draw(view *v, ui *u, int y, int h, int w)
{
	tasks_priv *p = v->priv;
	build_rows(p, u);
	draw_fill(y, 0, w, term_attr(TE_HEADER));
	int bar_w = w >= 120 ? 20 : 10;
	int x = 0;
	draw_text(y, x, 10, "STATE", term_attr(TE_HEADER), ALIGN_LEFT), x += 11;
	draw_text(y, x, bar_w + 5, "PROGRESS", term_attr(TE_HEADER), ALIGN_LEFT), x += bar_w + 6;
	draw_text(y, x, 8, "TIME", term_attr(TE_HEADER), ALIGN_LEFT), x += 9;
	draw_text(y, x, w - x, "TASK / NOW / ERROR", term_attr(TE_HEADER), ALIGN_LEFT);
	v->list.height = h - 1 > 0 ? h - 1 : 1;
	listw_set_count(&v->list, p->n);
	time_t now = time(NULL);
	for (int r = 0; r < h - 1; r++) {
		int rowy = y + 1 + r;
		size_t i = v->list.top + (size_t)r;
		draw_fill(rowy, 0, w, A_NORMAL);
		if (i >= p->n)
			continue;
		attr_t base = i == v->list.cursor ? term_attr(TE_CURSOR) : A_NORMAL;
		draw_fill(rowy, 0, w, base);
		const task_row *rw = &p->rows[i];
		if (rw->kind == ROW_SESSION)
			draw_session(u, &u->tasks[rw->i], rowy, w, bar_w, base, now);
		else if (rw->kind == ROW_VC)
			draw_vc(u, rw->vc, &ui_vcenter_tasks(u, rw->vc)->tasks[rw->i], rowy, w, bar_w, base);
		else
			draw_vc_head(u, rw, rowy, w, base);
	}
	if (!p->n_session && h > 2 + (int)p->n)
		draw_str(y + 1 + (int)p->n + 1, 2, w - 2, "no tasks of this session yet: a scan (:scan), "
			 "fixes and test snapshots show up here", term_attr(TE_DIM));
}

static unsigned tasks_request(view *v, ui *u, action a)
{
	tasks_priv *p = v->priv;
	build_rows(p, u);
	listw_set_count(&v->list, p->n);
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	return VR_UNHANDLED;
}

static void tasks_status(view *v, ui *u, char *buf, size_t n)
{
	tasks_priv *p = v->priv;
	size_t running = 0, vc_running = 0;
	for (size_t i = 0; i < u->n_tasks; i++)
		running += !u->tasks[i].quiet && u->tasks[i].state == TASK_RUNNING;
	for (size_t i = 0; i < p->n; i++)
		vc_running += p->rows[i].kind == ROW_VC &&
			      vc_active(&ui_vcenter_tasks(u, p->rows[i].vc)->tasks[p->rows[i].i]);
	snprintf(buf, n, "%zu tasks, %zu running; vCenter: %zu recent, %zu running", p->n_session,
		 running, p->n_vc, vc_running);
}

static void tasks_free(view *v)
{
	tasks_priv *p = v->priv;
	free(p->rows);
	free(p);
}

void tasks_view_vc_tasks(ui *u, void *list)
{
	taskwatch_list *l = list;
	ui_vc_tasks *t = ui_vcenter_tasks(u, l->vc);
	if (!t || !t->watch) { /* its reader was stopped (:connect) after this read */
		taskwatch_list_free(l);
		return;
	}
	free(t->error);
	t->error = l->error;   /* a failed read keeps the last list, marked stale */
	l->error = NULL;
	if (!t->error) {
		vs_task_results_free(t->tasks, t->n);
		t->tasks = l->tasks;
		t->n = l->n;
		l->tasks = NULL;
		l->n = 0;
	}
	t->at = l->at;
	taskwatch_list_free(l);
	u->dirty = true;
}

static const view_ops tasks_ops = {
	.name = "tasks",
	.keys = KMV_TASKS,
	.draw = tasks_draw,
	.request = tasks_request,
	.status = tasks_status,
	.free = tasks_free,
	.header_rows = 1,
	.flags = VF_LIVE | VF_VC_TASKS,
};

view *tasks_view_new(void)
{
	return view_new(&tasks_ops, "Tasks", xcalloc(1, sizeof(tasks_priv)));
}
