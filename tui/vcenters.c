/* vcenters: the console's vCenters after the first: login with backoff, watcher, scans, and
 * what the list shows while one is down. */
#include "tui/vcenters.h"

#include "frontend/conn.h"
#include "scan/scan.h"
#include "tui/jobs.h"
#include "tui/session.h"
#include "tui/taskwatch.h"
#include "tui/watcher.h"
#include "util/secret.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define LOGIN_BACKOFF_MIN_S 2
#define LOGIN_BACKOFF_MAX_S 30

const char *ui_vcenter_name(const ui *u, unsigned vc)
{
	if (vc == 0)
		return u->server ? u->server : "?";
	return vc <= u->n_more ? u->more[vc - 1].server : "?";
}

const char *ui_vcenter_down(const ui *u, unsigned vc)
{
	if (vc == 0)
		return u->down;
	return vc <= u->n_more ? u->more[vc - 1].down : NULL;
}

vs_session *ui_vcenter_session(const ui *u, unsigned vc)
{
	if (vc == 0)
		return u->session;
	return vc <= u->n_more ? u->more[vc - 1].session : NULL;
}

const char *ui_vcenter_url(const ui *u, unsigned vc)
{
	if (vc == 0)
		return u->conn->server;
	return vc <= u->n_more ? u->more[vc - 1].url : NULL;
}

ui_vc_tasks *ui_vcenter_tasks(ui *u, unsigned vc)
{
	if (vc == 0)
		return &u->vct;
	return vc <= u->n_more ? &u->more[vc - 1].vct : NULL;
}

unsigned ui_vcenter_count(const ui *u)
{
	return 1 + (unsigned)u->n_more;
}

void ui_vc_tasks_clear(ui_vc_tasks *t)
{
	vs_task_results_free(t->tasks, t->n);
	t->tasks = NULL;
	t->n = 0;
	t->at = 0;
	free(t->error);
	t->error = NULL;
}

void ui_vc_tasks_watch(ui *u, bool active)
{
	for (unsigned vc = 0; vc < ui_vcenter_count(u); vc++)
		taskwatch_set_active(ui_vcenter_tasks(u, vc)->watch, active);
}

bool ui_vms_actionable(ui *u, fleet_vm *const *vms, size_t n, const char *what, unsigned *vc)
{
	*vc = n ? vms[0]->vc : 0;
	for (size_t i = 1; i < n; i++) {
		if (vms[i]->vc == *vc)
			continue;
		/* one job, one session, one journal: the operator chooses which vCenter goes first */
		ui_message(u, LOG_ERROR, "cannot %s VMs of two vCenters at once (%s on %s, %s on %s): a %s runs "
			   "on one vCenter; mark the VMs of one (filter vc:NAME) and the others after it", what,
			   vms[0]->f.name ? vms[0]->f.name : vms[0]->f.moref, ui_vcenter_name(u, *vc),
			   vms[i]->f.name ? vms[i]->f.name : vms[i]->f.moref, ui_vcenter_name(u, vms[i]->vc), what);
		return false;
	}
	/* the first vCenter keeps its own way of saying it is down (the job's connection error) */
	if (*vc == 0 || ui_vcenter_session(u, *vc))
		return true;
	const char *down = ui_vcenter_down(u, *vc);
	ui_message(u, LOG_ERROR, "cannot %s %s: its vCenter %s is not logged in yet%s%s; try again once it is", what,
		   vms[0]->f.name ? vms[0]->f.name : vms[0]->f.moref, ui_vcenter_name(u, *vc),
		   down ? ": " : "", down ? down : "");
	return false;
}

/* ---- login, on a job thread ---- */

typedef struct {
	conn_opts opts;          /* a copy: the job outlives nothing of the ui's */
	unsigned vc;
} login_args;

static void login_args_free(void *p)
{
	login_args *a = p;
	conn_opts_done(&a->opts);
	free(a);
}

/* What the login found, for the UI thread. */
typedef struct {
	unsigned vc;
	vs_session *s;           /* NULL: failed, why */
	char *why;
} login_result;

static void login_result_free(void *p)
{
	login_result *r = p;
	vs_session_free(r->s);
	free(r->why);
	free(r);
}

static void start_watch_and_scan(ui *u, ui_vcenter *v, unsigned vc)
{
	v->watch_synced = false;
	v->watch = watcher_start(v->session, &u->q, vc);
	if (!v->watch)
		ui_message(u, LOG_ERROR, "could not start the live watcher of %s: its changes will need :scan",
			   v->server);
	vcenters_scan(u, 0);
}

static void set_down(ui *u, unsigned vc, const char *why)
{
	char **down = vc ? &u->more[vc - 1].down : &u->down;
	bool was_down = *down != NULL;
	if (!why) {
		free(*down);
		*down = NULL;
		if (was_down)
			fleet_set_unreachable(&u->fl, vc, false, time(NULL));
	} else {
		xstrset(down, why);
		fleet_set_unreachable(&u->fl, vc, true, time(NULL));
	}
	fleet_recount(&u->fl);
	u->dirty = true;
}

static void login_done(ui *u, void *data)
{
	login_result *r = data;
	ui_vcenter *v = &u->more[r->vc - 1];
	v->login_task = 0;
	if (!r->s) {
		time_t now = time(NULL);
		/* said once per reason: a retry that fails the same way stays quiet */
		if (!v->down || strcmp(v->down, r->why))
			ui_message(u, LOG_WARN, "vCenter %s cannot be reached: %s (trying again every %d s at "
				   "most; the other vCenters go on)", v->server, r->why, LOGIN_BACKOFF_MAX_S);
		set_down(u, r->vc, r->why);
		v->login_at = now + v->login_backoff;
		v->login_backoff = v->login_backoff * 2 > LOGIN_BACKOFF_MAX_S ? LOGIN_BACKOFF_MAX_S
									 : v->login_backoff * 2;
		login_result_free(r);
		return;
	}
	v->session = r->s;
	r->s = NULL;
	ui_message(u, LOG_INFO, "connected to %s as %s", v->server, vs_session_user(v->session));
	set_down(u, r->vc, NULL);
	login_result_free(r);
	unsigned vc = (unsigned)(v - u->more) + 1;
	start_watch_and_scan(u, v, vc);
	session_vcenter_started(u, vc); /* its tasks reader, its interrupted fixes and leftovers */
}

static void login_job(job *j, void *arg)
{
	login_args *a = arg;
	vs_error err;
	vs_error_clear(&err);
	login_result *r = xcalloc(1, sizeof *r);
	r->vc = a->vc;
	r->s = conn_open(&a->opts, &err);
	if (!r->s)
		r->why = xstrdup(err.message);
	job_post_call(j, login_done, r, login_result_free);
}

static void start_login(ui *u, unsigned vc)
{
	ui_vcenter *v = &u->more[vc - 1];
	conn_opts one;
	conn_opts_for_server(u->conn, vc, &one);
	login_args *a = xcalloc(1, sizeof *a);
	conn_opts_init(&a->opts);
	a->vc = vc;
	a->opts.server = xstrdup(one.server);
	a->opts.user = xstrdup(one.user);
	a->opts.password = secret_dup(one.password);
	a->opts.ca_file = xstrdup(one.ca_file);
	a->opts.known_hosts = xstrdup(one.known_hosts);
	a->opts.insecure = one.insecure;
	a->opts.quiet_notes = true;
	a->opts.pin_advice = xstrdup("add it to known_hosts (quiescent --server it alone asks)");
	char title[300];
	snprintf(title, sizeof title, "connect %s", v->server);
	int id = job_start_on(u, NULL, title, NULL, JOB_QUIET, login_job, a, login_args_free);
	v->login_task = id > 0 ? id : 0;
	if (id < 0) /* no thread now: the tick tries again */
		v->login_at = time(NULL) + v->login_backoff;
}

void vcenters_start(ui *u)
{
	size_t n = u->conn->n_more_servers;
	if (!n)
		return;
	u->more = xcalloc(n, sizeof *u->more);
	u->n_more = n;
	for (size_t k = 0; k < n; k++) {
		ui_vcenter *v = &u->more[k];
		v->url = xstrdup(u->conn->more_servers[k]);
		v->server = scan_server_key(v->url);
		v->login_backoff = LOGIN_BACKOFF_MIN_S;
		start_login(u, (unsigned)k + 1);
	}
}

void vcenters_tick(ui *u, time_t now)
{
	for (size_t k = 0; k < u->n_more; k++) {
		ui_vcenter *v = &u->more[k];
		if (!v->session && !v->login_task && v->login_at && now >= v->login_at)
			start_login(u, (unsigned)k + 1);
	}
}

void vcenters_scan(ui *u, int probe_max_age_s)
{
	for (size_t k = 0; k < u->n_more; k++) {
		ui_vcenter *v = &u->more[k];
		if (!v->session || v->scan_task)
			continue;
		scan_job_args *a = xcalloc(1, sizeof *a);
		a->vc = (unsigned)k + 1;
		a->vcenter = xstrdup(v->url);
		a->probe = u->probe;
		a->probe_max_age_s = probe_max_age_s;
		a->guest_user = xstrdup(u->conn->guest_user);
		a->guest_password = u->conn->guest_password ? secret_dup(u->conn->guest_password) : NULL;
		a->guest_logins = u->conn->guest_logins;
		a->db_path = xstrdup(u->db_path);
		char title[300];
		snprintf(title, sizeof title, "scan %s", v->server);
		int id = job_start_on(u, v->session, title, NULL, 0, scan_job, a, scan_job_args_free);
		v->scan_task = id > 0 ? id : 0;
	}
}

void vcenters_conn(ui *u, const msg *m)
{
	if (m->vc == 0)
		u->conn_ok = m->conn_ok;
	if (m->vc > u->n_more)
		return;
	const char *name = ui_vcenter_name(u, m->vc);
	if (m->conn_ok) {
		ui_message(u, LOG_INFO, "%s: %s", name, m->text);
		set_down(u, m->vc, NULL);
		return;
	}
	ui_message(u, LOG_WARN, "%s: %s; its VMs show unknown until it is back", name, m->text);
	set_down(u, m->vc, m->text);
}

bool vcenters_task_ended(ui *u, int task_id)
{
	for (size_t k = 0; k < u->n_more; k++) {
		if (u->more[k].scan_task && u->more[k].scan_task == task_id) {
			u->more[k].scan_task = 0;
			fleet_end_probing(&u->fl, (unsigned)k + 1);
			return true;
		}
	}
	return false;
}

bool vcenters_synced(const ui *u, unsigned vc)
{
	if (vc == 0)
		return u->watch_synced;
	return vc <= u->n_more && u->more[vc - 1].watch_synced;
}

void vcenters_set_synced(ui *u, unsigned vc)
{
	if (vc == 0)
		u->watch_synced = true;
	else if (vc <= u->n_more)
		u->more[vc - 1].watch_synced = true;
}

void vcenters_stop(ui *u)
{
	for (size_t k = 0; k < u->n_more; k++) {
		watcher_stop(u->more[k].watch);
		u->more[k].watch = NULL;
		taskwatch_stop(u->more[k].vct.watch);
		u->more[k].vct.watch = NULL;
	}
}

void vcenters_free(ui *u)
{
	for (size_t k = 0; k < u->n_more; k++) {
		ui_vcenter *v = &u->more[k];
		ui_vc_tasks_clear(&v->vct);
		vs_session_free(v->session);
		free(v->url);
		free(v->server);
		free(v->down);
	}
	free(u->more);
	u->more = NULL;
	u->n_more = 0;
	free(u->down);
	u->down = NULL;
}
