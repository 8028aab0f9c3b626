/* session: the console's vCenter session: starting on one (the live watcher, the vCenter
 * tasks reader, the first scan) and :connect, which logs in on a job thread and switches the
 * whole console over on the UI thread. */
#include "tui/session.h"

#include "frontend/conn.h"
#include "scan/scan.h"
#include "tui/jobs.h"
#include "tui/taskwatch.h"
#include "tui/vcenters.h"
#include "tui/watcher.h"
#include "util/secret.h"
#include "util/xalloc.h"
#include "views/view.h"

#include <stdlib.h>
#include <string.h>

void session_start(ui *u, vs_session *s)
{
	u->session = s;
	u->conn_ok = true;
	free(u->server);
	u->server = scan_server_key(vs_session_server(s));
	u->watch_synced = false;
	u->watch = watcher_start(s, &u->q, 0);
	if (!u->watch)
		ui_message(u, LOG_ERROR, "could not start the live watcher thread: changes will need :scan");
	u->vct.watch = taskwatch_start(s, 0, &u->q, tasks_view_vc_tasks);
	if (!u->vct.watch)
		ui_message(u, LOG_ERROR, "could not start the thread reading vCenter's tasks: the Tasks "
			   "view shows this session's only");
	ui_start_scan(u);
}

typedef struct {
	conn_opts opts;
} connect_args;

static void connect_args_free(void *p)
{
	connect_args *a = p;
	conn_opts_done(&a->opts);
	free(a);
}

/* A :connect that logged in: the new session and what reaches it again (bare :connect). */
typedef struct {
	vs_session *s;
	char *server, *thumbprint;
} connected_args;

static void connected_args_free(void *p)
{
	connected_args *c = p;
	vs_session_free(c->s);
	free(c->server);
	free(c->thumbprint);
	free(c);
}

/* UI thread: drops everything of the old session and starts on the new one. */
static void switch_session(ui *u, void *data)
{
	connected_args *c = data;
	watcher_stop(u->watch);
	u->watch = NULL;
	taskwatch_stop(u->vct.watch);
	u->vct.watch = NULL;
	ui_vc_tasks_clear(&u->vct);
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].job)
			job_cancel(u, u->tasks[i].job);
	/* the first vCenter's VMs go; the other vCenters' stay (they are not replaced) */
	for (size_t i = u->fl.n; i-- > 0;)
		if (u->fl.vms[i]->vc == 0)
			fleet_remove(&u->fl, 0, u->fl.vms[i]->f.moref);
	fleet_recount(&u->fl);
	free(u->down);
	u->down = NULL;
	vms_view_forget(u->v_vms);
	u->scan_task = 0;
	u->scan_result_in = false;
	/* jobs still running hold the old session: it is freed at exit, after them */
	u->retired = xrealloc(u->retired, (u->n_retired + 1) * sizeof *u->retired);
	u->retired[u->n_retired++] = u->session;
	/* a bare :connect logs in again to this server, not the one of the start */
	xstrset(&u->conn->server, c->server);
	xstrset(&u->conn->thumbprint, c->thumbprint);
	ui_message(u, LOG_INFO, "connected to %s as %s", vs_session_server(c->s), vs_session_user(c->s));
	vs_session *s = c->s;
	c->s = NULL;
	connected_args_free(c);
	actions_vcenter_replaced(u, 0);
	session_start(u, s);
	actions_startup_check(u, 0); /* the new vCenter's own interrupted fixes and leftovers */
}

static void connect_job(job *j, void *arg)
{
	connect_args *a = arg;
	vs_error err;
	vs_error_clear(&err);
	job_progress(j, 0, 1, "connecting to %s", a->opts.server);
	vs_session *s = conn_open(&a->opts, &err);
	if (!s) {
		job_fail(j, "connecting to %s failed: %s", a->opts.server, err.message);
		return;
	}
	connected_args *c = xcalloc(1, sizeof *c);
	c->s = s;
	c->server = xstrdup(a->opts.server);
	c->thumbprint = xstrdup(a->opts.thumbprint);
	job_post_call(j, switch_session, c, connected_args_free);
	job_progress(j, 1, 1, "connected");
}

/* :connect [SERVER [THUMBPRINT]]: the same credentials; bare, the current server again. */
void session_connect(ui *u, int argc, char **argv)
{
	if (argc > 3) {
		ui_message(u, LOG_ERROR, "usage: :connect [SERVER [THUMBPRINT]]");
		return;
	}
	connect_args *a = xcalloc(1, sizeof *a);
	conn_opts_init(&a->opts);
	conn_opts *c = u->conn;
	conn_opts_set_server(&a->opts, argc > 1 ? argv[1] : c->server);
	if (!a->opts.user)
		a->opts.user = xstrdup(c->user);
	if (!a->opts.password)
		a->opts.password = secret_dup(c->password);
	a->opts.quiet_notes = true;
	a->opts.thumbprint = xstrdup(argc > 2 ? argv[2] : argc > 1 ? NULL : c->thumbprint);
	a->opts.ca_file = xstrdup(c->ca_file);
	a->opts.known_hosts = xstrdup(c->known_hosts);
	a->opts.insecure = c->insecure;
	a->opts.pin_advice = xasprintf("run :connect %s", a->opts.server);
	job_start(u, "connect", NULL, connect_job, a, connect_args_free);
}

/* ---- the first vCenter down at the start ---- */

#define RELOGIN_BACKOFF_MIN_S 2
#define RELOGIN_BACKOFF_MAX_S 30

typedef struct {
	vs_session *s;          /* NULL: failed, why */
	char *why;
} relogin_result;

static void relogin_result_free(void *p)
{
	relogin_result *r = p;
	vs_session_free(r->s);
	free(r->why);
	free(r);
}

static void relogin_done(ui *u, void *data)
{
	relogin_result *r = data;
	u->relogin_task = 0;
	if (u->session) { /* a :connect got there first: it stands */
		u->relogin_at = 0;
		relogin_result_free(r);
		return;
	}
	if (!r->s) {
		if (!u->down || strcmp(u->down, r->why))
			ui_message(u, LOG_WARN, "vCenter %s cannot be reached: %s (trying again every %d s at "
				   "most; the other vCenters go on)", u->server, r->why, RELOGIN_BACKOFF_MAX_S);
		xstrset(&u->down, r->why);
		u->relogin_at = time(NULL) + u->relogin_backoff;
		u->relogin_backoff = u->relogin_backoff * 2 > RELOGIN_BACKOFF_MAX_S ? RELOGIN_BACKOFF_MAX_S
										 : u->relogin_backoff * 2;
		relogin_result_free(r);
		return;
	}
	vs_session *s = r->s;
	r->s = NULL;
	relogin_result_free(r);
	u->relogin_at = 0;
	free(u->down);
	u->down = NULL;
	ui_message(u, LOG_INFO, "connected to %s as %s", vs_session_server(s), vs_session_user(s));
	session_start(u, s);
	actions_startup_check(u, 0);
}

static void relogin_job(job *j, void *arg)
{
	connect_args *a = arg;
	vs_error err;
	vs_error_clear(&err);
	relogin_result *r = xcalloc(1, sizeof *r);
	r->s = conn_open(&a->opts, &err);
	if (!r->s)
		r->why = xstrdup(err.message);
	job_post_call(j, relogin_done, r, relogin_result_free);
}

void session_start_later(ui *u, const char *why)
{
	free(u->server);
	u->server = scan_server_key(u->conn->server);
	u->conn_ok = false;
	xstrset(&u->down, why);
	u->relogin_backoff = RELOGIN_BACKOFF_MIN_S;
	u->relogin_at = time(NULL) + u->relogin_backoff;
	ui_message(u, LOG_WARN, "vCenter %s cannot be reached: %s (trying again every %d s at most; "
		   "the other vCenters go on)", u->server, why, RELOGIN_BACKOFF_MAX_S);
}

void session_tick(ui *u, time_t now)
{
	if (u->session || u->relogin_task || !u->relogin_at || now < u->relogin_at)
		return;
	connect_args *a = xcalloc(1, sizeof *a);
	conn_opts_init(&a->opts);
	conn_opts *c = u->conn;
	a->opts.server = xstrdup(c->server);
	a->opts.user = xstrdup(c->user);
	a->opts.password = secret_dup(c->password);
	a->opts.thumbprint = xstrdup(c->thumbprint);
	a->opts.ca_file = xstrdup(c->ca_file);
	a->opts.known_hosts = xstrdup(c->known_hosts);
	a->opts.insecure = c->insecure;
	a->opts.quiet_notes = true;
	a->opts.pin_advice = xasprintf("run :connect %s", c->server);
	char title[300];
	snprintf(title, sizeof title, "connect %s", u->server);
	int id = job_start_on(u, NULL, title, NULL, JOB_QUIET, relogin_job, a, connect_args_free);
	u->relogin_task = id > 0 ? id : 0;
	if (id < 0)
		u->relogin_at = now + u->relogin_backoff;
}

void session_vcenter_started(ui *u, unsigned vc)
{
	ui_vc_tasks *t = ui_vcenter_tasks(u, vc);
	if (vc && t && !t->watch) {
		t->watch = taskwatch_start(ui_vcenter_session(u, vc), vc, &u->q, tasks_view_vc_tasks);
		if (!t->watch)
			ui_message(u, LOG_ERROR, "could not start the thread reading %s's tasks: the Tasks view "
				   "shows the others'", ui_vcenter_name(u, vc));
	}
	actions_startup_check(u, vc);
}

void session_stop(ui *u)
{
	watcher_stop(u->watch);
	u->watch = NULL;
	vcenters_stop(u);
	taskwatch_stop(u->vct.watch);
	u->vct.watch = NULL;
	ui_vc_tasks_clear(&u->vct);
}

void session_free_all(ui *u)
{
	vs_session_free(u->session);
	u->session = NULL;
	for (size_t i = 0; i < u->n_retired; i++)
		vs_session_free(u->retired[i]);
	free(u->retired);
	u->retired = NULL;
	u->n_retired = 0;
	vcenters_free(u);
}
