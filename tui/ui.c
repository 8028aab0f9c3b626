/* ui: the frame's services: the message log and line, the view stack, the task registry. */
#include "tui/ui.h"

#include "tui/jobs.h"
#include "tui/vcenters.h"
#include "tui/view_ops.h"
#include "util/secret.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UI_MAX_LOG 2000

void ui_message(ui *u, log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	if (u->n_log == UI_MAX_LOG) {
		free(u->log[0].text);
		memmove(u->log, u->log + 1, (u->n_log - 1) * sizeof *u->log);
		u->n_log--;
	}
	u->log = xgrow(u->log, &u->cap_log, u->n_log + 1, sizeof *u->log);
	u->log[u->n_log++] = (ui_logline){ .at = time(NULL), .level = level, .text = xstrdup(text) };
	free(u->msgline);
	u->msgline = text;
	u->msg_level = level;
	u->dirty = true;
}

view *ui_top(const ui *u)
{
	return u->stack[u->depth - 1];
}

void ui_push(ui *u, view *v)
{
	for (int i = 0; i < u->depth; i++) {
		if (u->stack[i] == v) {
			memmove(&u->stack[i], &u->stack[i + 1], (size_t)(u->depth - i - 1) * sizeof *u->stack);
			u->depth--;
			break;
		}
	}
	if (u->depth == UI_MAX_VIEWS) {
		memmove(&u->stack[1], &u->stack[2], (size_t)(u->depth - 2) * sizeof *u->stack);
		u->depth--;
	}
	u->stack[u->depth++] = v;
	if (v->ops->open)
		v->ops->open(v, u);
	u->kst.n = 0;
	u->dirty = true;
}

void ui_pop(ui *u)
{
	if (u->depth > 1)
		u->depth--;
	u->kst.n = 0;
	u->dirty = true;
}

ui_task *ui_task_get(ui *u, int id)
{
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].id == id)
			return &u->tasks[i];
	return NULL;
}

bool ui_busy(const ui *u)
{
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].job)
			return true;
	return false;
}

int ui_start_scan(ui *u)
{
	return ui_start_scan_aged(u, 0);
}

bool ui_scan_running(const ui *u)
{
	return u->scan_task && !u->scan_result_in;
}

int ui_start_scan_aged(ui *u, int probe_max_age_s)
{
	vcenters_scan(u, probe_max_age_s); /* the other vCenters, each on its own */
	if (!u->session && u->relogin_at) {
		ui_message(u, LOG_WARN, "%s cannot be reached yet (%s): scanning the other vCenters",
			   u->server ? u->server : "?", u->down ? u->down : "not connected");
		return -1;
	}
	if (ui_scan_running(u)) {
		ui_message(u, LOG_INFO, "a scan is already running (Ctrl-C cancels it)");
		return -1;
	}
	scan_job_args *a = xcalloc(1, sizeof *a);
	a->probe_max_age_s = probe_max_age_s;
	a->vcenter = xstrdup(u->conn->server);
	a->probe = u->probe;
	a->guest_user = xstrdup(u->conn->guest_user);
	a->guest_password = u->conn->guest_password ? secret_dup(u->conn->guest_password) : NULL;
	a->guest_logins = u->conn->guest_logins;
	a->db_path = xstrdup(u->db_path);
	int id = job_start(u, "scan", NULL, scan_job, a, scan_job_args_free);
	if (id < 0)
		return -1;
	u->scan_task = id; /* the old one, if it is still closing, ends as a plain task */
	u->scan_result_in = false;
	u->scan_started_at = time(NULL);
	return 0;
}

void ui_cancel_running(ui *u)
{
	size_t n = 0;
	for (size_t i = 0; i < u->n_tasks; i++) {
		/* A scan whose result is in only closes its history and connection: nothing to stop. */
		if (u->scan_task && u->tasks[i].id == u->scan_task && u->scan_result_in)
			continue;
		if (u->tasks[i].job) {
			job_cancel(u, u->tasks[i].job);
			n++;
		}
	}
	if (n)
		ui_message(u, LOG_WARN, "cancelling %zu running operation%s", n, n == 1 ? "" : "s");
	else
		ui_message(u, LOG_INFO, "nothing is running (q quits)");
}

static void task_free(ui_task *t)
{
	free(t->title);
	free(t->vm);
	free(t->what);
	free(t->error);
}

void ui_task_drop(ui *u, ui_task *t)
{
	task_free(t);
	size_t i = (size_t)(t - u->tasks);
	memmove(t, t + 1, (u->n_tasks - i - 1) * sizeof *t);
	u->n_tasks--;
}

void ui_jobs_stop(ui *u)
{
	for (size_t i = 0; i < u->n_tasks; i++) {
		if (u->tasks[i].job) {
			/* Fixes and tests end safely (VMs back on, snapshots removed) before we go. */
			if (job_changes_vms(u->tasks[i].job))
				job_stop_safely(u->tasks[i].job);
			else
				job_cancel(u, u->tasks[i].job);
			job_reap(u->tasks[i].job);
			u->tasks[i].job = NULL;
		}
	}
}

void ui_done(ui *u)
{
	for (size_t i = 0; i < u->n_tasks; i++)
		task_free(&u->tasks[i]);
	free(u->tasks);
	for (size_t i = 0; i < u->n_log; i++)
		free(u->log[i].text);
	free(u->log);
	free(u->msgline);
	free(u->server);
	free(u->db_path);
	free(u->keymap_name);
	ui_views_free(u);
	keymap_free(u->km);
	fleet_done(&u->fl);
}

void ui_views_free(ui *u)
{
	for (int i = 0; i < VIEW_COUNT; i++) {
		view_free(u->views[i]);
		u->views[i] = NULL;
	}
}

/* "<Enter>" -> "Enter", "<C-c>" -> "Ctrl-C": how a hint writes a key. */
static void key_for_people(char *k)
{
	size_t n = strlen(k);
	if (n > 2 && k[0] == '<' && k[n - 1] == '>') {
		memmove(k, k + 1, n - 2);
		k[n - 2] = '\0';
		if (k[0] == 'C' && k[1] == '-' && k[2] && !k[3]) {
			char c = k[2];
			snprintf(k, 8, "Ctrl-%c", c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
		} else if (!strcmp(k, "lt") || !strcmp(k, "gt")) {
			snprintf(k, 3, "%s", k[0] == 'l' ? "<" : ">");
		}
	}
}

const char *ui_key_hint(const ui *u, keymap_view kv, action a, const char *fallback, char *buf, size_t n)
{
	if (!keymap_keys_for(u->km, kv, a, buf, n))
		snprintf(buf, n, "%s", fallback);
	char *comma = strchr(buf, ',');
	if (comma)
		*comma = '\0';
	if (n >= 8)
		key_for_people(buf);
	return buf;
}

const char *ui_hints(const ui *u, keymap_view kv, char *buf, size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	size_t off = 0;
	buf[0] = '\0';
	for (;;) {
		int a = va_arg(ap, int);
		if (a == ACTION_NONE)
			break;
		const char *label = va_arg(ap, const char *);
		char k[32];
		if (!keymap_keys_for(u->km, kv, (action)a, k, sizeof k))
			continue; /* unbound: no hint rather than a wrong one */
		char *comma = strchr(k, ',');
		if (comma)
			*comma = '\0';
		key_for_people(k);
		if (off < n)
			off += (size_t)snprintf(buf + off, n - off, "%s%s: %s", off ? "  " : "", k, label);
	}
	va_end(ap);
	return buf;
}
