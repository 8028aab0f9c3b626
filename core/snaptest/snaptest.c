/* One quiesced test snapshot, start to cleanup; several on a small worker pool. */
#include "snaptest/snaptest.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "probe/probe_parse.h"
#include "rules/rules.h"
#include "snaptest/snaptest_vs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/datastore.h"
#include "vsphere/guest.h"
#include "vsphere/propcol.h"
#include "vsphere/task.h"
#include "vsphere/vm_ops.h"

/* ---- spec ---- */

void snaptest_spec_init(snaptest_spec *s)
{
	*s = (snaptest_spec){
		.context = "ctx_auto",
		.backup_type = SNAPTEST_BT_COPY,
		.bootable_system_state = true,
		.partial_file_support = false,
		.timeout_min = SNAPTEST_TIMEOUT_DEFAULT,
	};
}

const char *snaptest_context_parse(const char *s)
{
	static const char *const ctx[] = { "ctx_auto", "ctx_backup", "ctx_file_share_backup" };
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(s, ctx[i]) || !strcmp(s, ctx[i] + 4))
			return ctx[i];
	return NULL;
}

static const char *const bt_names[] = { [1] = "full", "incremental", "differential", "log", "copy" };

int snaptest_backup_type_parse(const char *s)
{
	for (int i = 1; i <= 5; i++)
		if (!strcasecmp(s, bt_names[i]))
			return i;
	return 0;
}

const char *snaptest_backup_type_name(int t)
{
	return t >= 1 && t <= 5 ? bt_names[t] : "unknown";
}

const char *snaptest_backup_type_warning(int t)
{
	if (t == SNAPTEST_BT_COPY)
		return NULL;
	if (t == SNAPTEST_BT_FULL || t == SNAPTEST_BT_LOG)
		return "this is not a COPY backup: VSS writers treat it as a real backup, and "
		       "applications such as SQL Server and Exchange may truncate their logs, which "
		       "breaks the log chain of your backup product";
	return "this is not a COPY backup: VSS writers record it in their backup history, which "
	       "can change what your backup product's next incremental or differential contains";
}

int snaptest_spec_check(const snaptest_spec *s, char *msg, size_t n)
{
	if (s->timeout_min < SNAPTEST_TIMEOUT_MIN || s->timeout_min > SNAPTEST_TIMEOUT_MAX) {
		snprintf(msg, n, "the quiesce timeout must be from %d to %d minutes, not %d",
			 SNAPTEST_TIMEOUT_MIN, SNAPTEST_TIMEOUT_MAX, s->timeout_min);
		return -1;
	}
	if (!s->context || !snaptest_context_parse(s->context)) {
		snprintf(msg, n, "the VSS backup context must be auto, backup or file_share_backup");
		return -1;
	}
	if (s->backup_type < 1 || s->backup_type > 5) {
		snprintf(msg, n, "the VSS backup type must be copy, full, incremental, differential or log");
		return -1;
	}
	return 0;
}

void snaptest_name(time_t at, char *buf, size_t n)
{
	struct tm tm;
	gmtime_r(&at, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, n, SNAPTEST_NAME_PREFIX "%s", ts);
}

/* ---- outcome ---- */

void snaptest_outcome_init(snaptest_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->predicted = LEVEL_NONE;
	o->achieved = LEVEL_NONE;
	snaptest_manifest_init(&o->manifest);
}

void snaptest_outcome_done(snaptest_outcome *o)
{
	free(o->vm);
	free(o->moref);
	free(o->method);
	free(o->result);
	free(o->fault_type);
	free(o->fault);
	free(o->snapshot_name);
	free(o->snapshot_moref);
	free(o->manifest_file);
	snaptest_manifest_done(&o->manifest);
	for (size_t i = 0; i < o->n_writers_after; i++) {
		free(o->writers_after[i].name);
		free(o->writers_after[i].state);
		free(o->writers_after[i].last_error);
	}
	free(o->writers_after);
	free(o->writers_after_error);
	free(o->explanation);
	free(o->achieved_unknown);
	snaptest_outcome_init(o);
}

tri snaptest_outcome_removed(const snaptest_outcome *o)
{
	if (o->snapshot_created != TRI_YES)
		return TRI_UNKNOWN;
	return o->snapshot_removed ? TRI_YES : TRI_NO;
}

bool snaptest_outcome_ok(const snaptest_outcome *o)
{
	return o->result && !strcmp(o->result, "success") && o->achieved == o->predicted;
}

/* ---- one test ---- */

typedef struct {
	const snaptest_env *env;
	vs_conn *c;
	store *db;
	snaptest_outcome *o;
	struct timespec t0;
	time_t started;
	int64_t max_event_key;
	bool create_unknown;   /* the snapshot request's answer was lost, its task not found */
	bool create_adopted;   /* ... and its task was found among the recent ones */
	bool create_ended;     /* the creating task's end was seen (or it never started) */
} run;

static int grace_s(const snaptest_env *env)
{
	return env->network_grace_s > 0 ? env->network_grace_s : 300;
}

static int removal_timeout_s(const snaptest_env *env)
{
	return env->task_timeout_s > 0 ? env->task_timeout_s : 1800;
}

static void sleep_backoff(int round)
{
	int ms = round < 4 ? 500 << round : 10000;   /* 0.5, 1, 2, 4, then 10 s */
	usleep((useconds_t)(ms > 10000 ? 10000 : ms) * 1000);
}

static double elapsed(const run *r)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->t0.tv_sec) + (double)(now.tv_nsec - r->t0.tv_nsec) / 1e9;
}

/* A journal write's result: a failure stops the test as a stop request would (the journal is
 * the plan: a snapshot it does not know of could be left behind). The first failure is kept. */
static void journal_check(run *r, int rc, const char *why)
{
	if (rc >= 0 || r->o->history_lost)
		return;
	r->o->history_lost = true;
	snprintf(r->o->history_lost_why, sizeof r->o->history_lost_why, "%s",
		 why && why[0] ? why : "a write failed");
}

/* Delivers one line to the callback and, once the test is recorded, to history. */
static void emit(run *r, snaptest_event_kind kind, int progress, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void emit(run *r, snaptest_event_kind kind, int progress, const char *fmt, ...)
{
	char text[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	time_t now = time(NULL);
	if (r->db && r->o->history_id > 0) {
		const char *k = kind == SNAPTEST_EV_PROGRESS ? "task" : kind == SNAPTEST_EV_EVENT ? "event" : "note";
		char err[300] = "";
		journal_check(r, store_snaptest_event_add(r->db, r->o->history_id, now, k, text, err,
							  sizeof err) < 0 ? -1 : 0, err);
	}
	if (r->env->on_event) {
		snaptest_event ev = { .vm = r->o->vm, .kind = kind, .at = now, .elapsed_s = elapsed(r),
				      .progress = progress, .text = text };
		r->env->on_event(r->env->ctx, &ev);
	}
}

static bool cancelled(const run *r)
{
	return (r->env->cancel && *r->env->cancel) || r->o->history_lost;
}

/* A read vCenter did not answer (the network, a timeout) is asked again with backoff while the
 * grace since *lost_since (0: starts now) lasts and nobody asked to stop: a cut waited out must
 * not change the test's verdict. False: give up (err says why). */
static bool read_again(run *r, const vs_error *err, time_t *lost_since, int *round)
{
	if (!vs_error_transient(err) || cancelled(r))
		return false;
	time_t now = time(NULL);
	if (!*lost_since)
		*lost_since = now;
	else if (now - *lost_since >= grace_s(r->env))
		return false;
	sleep_backoff((*round)++);
	return true;
}

static void set_fault(snaptest_outcome *o, const char *type, const char *msg)
{
	xstrset(&o->fault_type, type && *type ? type : NULL);
	xstrset(&o->fault, msg);
}

static void poll_events(run *r)
{
	snaptest_vs_event *ev = NULL;
	size_t n = 0;
	vs_error err;
	vs_error_clear(&err);
	if (snaptest_vs_events(r->c, r->o->moref, r->started - 1, r->max_event_key, &ev, &n, &err) < 0)
		return;   /* events are context: a failed read never fails the test */
	for (size_t i = 0; i < n; i++) {
		if (ev[i].key > r->max_event_key)
			r->max_event_key = ev[i].key;
		if (ev[i].at && ev[i].at < r->started - 1)
			continue;
		emit(r, SNAPTEST_EV_EVENT, -1, "%s: %s", ev[i].type, ev[i].message);
	}
	free(ev);
}

static void baseline_events(run *r)
{
	snaptest_vs_event *ev = NULL;
	size_t n = 0;
	vs_error err;
	vs_error_clear(&err);
	if (snaptest_vs_events(r->c, r->o->moref, 0, -1, &ev, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			if (ev[i].key > r->max_event_key)
				r->max_event_key = ev[i].key;
	free(ev);
}

static const char *task_state_name(vs_task_state s)
{
	switch (s) {
	case VS_TASK_QUEUED: return "queued";
	case VS_TASK_RUNNING: return "running";
	case VS_TASK_SUCCESS: return "success";
	default: return "error";
	}
}

/* Polls the task and the VM's events until the task ends. 0 with *res filled, or -1 (the
 * task could not be read, or the deadline passed). */
static int watch_task(run *r, const char *task, int deadline_s, vs_task_result *res, vs_error *err)
{
	int last_progress = -2;
	vs_task_state last_state = (vs_task_state)-1;
	bool cancel_sent = false;
	int poll_ms = r->env->poll_ms > 0 ? r->env->poll_ms : 300;
	struct timespec lost_since = { 0 };
	int lost_round = 0;
	for (;;) {
		vs_task_result_done(res);
		memset(res, 0, sizeof *res);
		if (vs_task_info(r->c, task, res, err) < 0) {
			/* vCenter unreachable: the task goes on there; wait it out for the grace
			 * period, since only its end says whether the snapshot exists. */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (!vs_error_transient(err))
				return -1;
			if (!lost_since.tv_sec) {
				lost_since = now;
				emit(r, SNAPTEST_EV_WARN, -1, "vCenter cannot be reached (%s); waiting up "
				     "to %d s for it to answer", err->message, grace_s(r->env));
			} else if (now.tv_sec - lost_since.tv_sec >= grace_s(r->env)) {
				return -1;
			}
			sleep_backoff(lost_round++);
			continue;
		}
		if (lost_since.tv_sec)
			emit(r, SNAPTEST_EV_NOTE, -1, "vCenter answers again");
		lost_since.tv_sec = 0;
		lost_round = 0;
		if (res->progress != last_progress || res->state != last_state) {
			last_progress = res->progress;
			last_state = res->state;
			emit(r, SNAPTEST_EV_PROGRESS, res->progress, "task %s %s%s%d%%", task,
			     task_state_name(res->state), " ", res->progress < 0 ? 0 : res->progress);
		}
		poll_events(r);
		if (res->state == VS_TASK_SUCCESS || res->state == VS_TASK_ERROR)
			return 0;
		if (cancelled(r) && !cancel_sent) {
			cancel_sent = true;
			vs_error ce;
			vs_error_clear(&ce);
			if (vs_task_cancel(r->c, task, &ce) < 0)
				emit(r, SNAPTEST_EV_NOTE, -1, "interrupted: the snapshot task cannot be "
				     "cancelled (%s); waiting for it to end so the snapshot can be removed",
				     ce.message);
			else
				emit(r, SNAPTEST_EV_NOTE, -1, "interrupted: cancelling the snapshot task");
		}
		if (elapsed(r) > deadline_s)
			return vs_fail(err, VS_ERR_TIMEOUT, "The snapshot task %s did not end within %d s.",
				       task, deadline_s);
		usleep((useconds_t)poll_ms * 1000);
	}
}

static bool is_unsupported(const vs_error *e)
{
	return e->kind == VS_ERR_FAULT &&
	       (!strcmp(e->fault, "MethodNotFound") || !strcmp(e->fault, "NotSupported") ||
		!strcmp(e->fault, "NotImplemented"));
}

static bool api_at_least_65(vs_session *s)
{
	const char *v = vs_session_api_version(s);
	int major = 0, minor = 0;
	if (!v || sscanf(v, "%d.%d", &major, &minor) < 1)
		return true;   /* unknown: try Ex, fall back on its fault */
	return major > 6 || (major == 6 && minor >= 5);
}

static bool is_windows(os_family f)
{
	return f != OS_OTHER;
}

static char *spec_json(const snaptest_spec *s, const char *method)
{
	strbuf sb;
	strbuf_init(&sb);
	json_writer w;
	json_writer_init(&w, &sb, false);
	json_object_begin(&w);
	json_kv_string(&w, "method", method);
	json_kv_string(&w, "context", s->context);
	json_kv_string(&w, "backup_type", snaptest_backup_type_name(s->backup_type));
	json_kv_bool(&w, "bootable_system_state", s->bootable_system_state);
	json_kv_bool(&w, "partial_file_support", s->partial_file_support);
	json_kv_int(&w, "timeout_min", s->timeout_min);
	json_kv_bool(&w, "memory", false);
	json_kv_bool(&w, "keep", s->keep);
	json_object_end(&w);
	return strbuf_detach(&sb, NULL);
}

/* One try at the manifest of the new snapshot: its backupManifest, else a *vss_manifests* file
 * of layoutEx.file that was not there before. 0: found and downloaded (*zip) or known to be
 * absent (o->manifest_file NULL); -1: a read failed (err), nothing kept. */
static int fetch_manifest_once(run *r, char **before, size_t n_before, char **zip,
			       size_t *zip_len, vs_error *err)
{
	snaptest_outcome *o = r->o;
	char manifest[256] = "";
	snaptest_vs_snap *snaps = NULL;
	size_t ns = 0;
	if (snaptest_vs_snapshots(r->c, o->moref, &snaps, &ns, err) < 0)
		return -1;
	for (size_t i = 0; i < ns; i++)
		if (o->snapshot_moref && !strcmp(snaps[i].moref, o->snapshot_moref))
			snprintf(manifest, sizeof manifest, "%s", snaps[i].backup_manifest);
	free(snaps);
	char **files = NULL;
	size_t nf = 0;
	if (snaptest_vs_layout_files(r->c, o->moref, &files, &nf, err) < 0)
		return -1;
	const char *found = NULL;
	for (size_t i = 0; i < nf && !found; i++) {
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : strchr(files[i], ']') ? strchr(files[i], ']') + 2 : files[i];
		if (manifest[0] && !strcmp(base, manifest)) {
			found = files[i];
		} else if (!manifest[0] && strstr(base, "vss_manifests")) {
			bool old = false;
			for (size_t j = 0; j < n_before && !old; j++)
				old = !strcmp(before[j], files[i]);
			if (!old)
				found = files[i];
		}
	}
	if (!found) {
		if (manifest[0])
			emit(r, SNAPTEST_EV_WARN, -1, "the snapshot names the manifest %s, but the "
			     "VM's file layout does not list it", manifest);
		else
			emit(r, SNAPTEST_EV_NOTE, -1, "no VSS manifest: the guest was not quiesced with VSS");
		snaptest_vs_strings_free(files, nf);
		return 0;
	}
	char *file = xstrdup(found);
	snaptest_vs_strings_free(files, nf);
	char dc[512];
	if (snaptest_vs_datacenter(r->c, o->moref, dc, sizeof dc, err) < 0 ||
	    vs_datastore_get(r->c, dc, file, SNAPTEST_MANIFEST_MAX_ZIP, zip, zip_len, err) < 0) {
		free(file);
		return -1;
	}
	free(o->manifest_file);
	o->manifest_file = file;
	return 0;
}

/* Reads the manifest through a network cut of up to the grace and parses it. A read that
 * still fails leaves what the snapshot achieved unknown (o->achieved_unknown), never a level. */
static void fetch_manifest(run *r, char **before, size_t n_before, char **zip, size_t *zip_len)
{
	snaptest_outcome *o = r->o;
	vs_error err;
	time_t lost = 0;
	int round = 0;
	for (;;) {
		vs_error_clear(&err);
		if (fetch_manifest_once(r, before, n_before, zip, zip_len, &err) == 0)
			break;
		if (!read_again(r, &err, &lost, &round)) {
			char m[600];
			snprintf(m, sizeof m, "the snapshot's VSS manifest could not be read: %s",
				 err.message);
			xstrset(&o->achieved_unknown, m);
			emit(r, SNAPTEST_EV_WARN, -1, "%s", m);
			return;
		}
	}
	if (!o->manifest_file)
		return;
	char perr[256];
	if (snaptest_manifest_parse(*zip, *zip_len, &o->manifest, perr, sizeof perr) < 0) {
		emit(r, SNAPTEST_EV_WARN, -1, "the manifest %s cannot be read: %s", o->manifest_file, perr);
		return;
	}
	o->has_manifest = true;
	emit(r, SNAPTEST_EV_NOTE, -1, "manifest %s: %s backup, %zu writer document%s",
	     o->manifest_file, o->manifest.backup_type ? o->manifest.backup_type : "unknown",
	     o->manifest.n_metadata_docs, o->manifest.n_metadata_docs == 1 ? "" : "s");
}

static void writers_after(run *r, const vm_facts *f)
{
	snaptest_outcome *o = r->o;
	const snaptest_env *env = r->env;
	if (!env->guest_user || !env->guest_password) {
		xstrset(&o->writers_after_error, "no guest credentials: writers not read");
		return;
	}
	if (f->tools != TOOLS_RUNNING) {
		xstrset(&o->writers_after_error, "VMware Tools is not running: writers not read");
		return;
	}
	char *out = NULL;
	size_t len = 0;
	int code = 0;
	vs_error err;
	time_t lost = 0;
	int round = 0;
	int rc;
	/* vssadmin list writers only reads: run again once a cut is over */
	do {
		vs_error_clear(&err);
		rc = vs_guest_run(r->c, o->moref, env->guest_user, env->guest_password,
				  "vssadmin list writers", 120, &out, &len, &code, &err);
	} while (rc < 0 && read_again(r, &err, &lost, &round));
	if (rc < 0) {
		char m[600];
		snprintf(m, sizeof m, "vssadmin list writers failed: %s", err.message);
		xstrset(&o->writers_after_error, m);
		return;
	}
	vss_writer *w = NULL;
	size_t n = 0;
	char perr[256];
	if (!probe_parse_vssadmin_writers(out, &w, &n, perr, sizeof perr)) {
		char m[400];
		snprintf(m, sizeof m, "vssadmin list writers: %s", perr);
		xstrset(&o->writers_after_error, m);
		free(out);
		return;
	}
	free(out);
	o->writers_after = xcalloc(n ? n : 1, sizeof *o->writers_after);
	o->n_writers_after = n;
	for (size_t i = 0; i < n; i++) {
		snaptest_writer_state *s = &o->writers_after[i];
		s->name = xstrdup(w[i].name ? w[i].name : "");
		s->state = xstrdup(model_writer_state_name(w[i].state));
		s->last_error = xstrdup(w[i].last_error_text ? w[i].last_error_text
							     : model_writer_error_name(w[i].last_error));
		s->failed = w[i].state != WRITER_STABLE ||
			    (w[i].last_error != WRITER_ERR_NONE && w[i].last_error != WRITER_ERR_RETRYABLE);
		if (s->failed)
			emit(r, SNAPTEST_EV_WARN, -1, "writer %s is %s, last error: %s", s->name,
			     w[i].state_text ? w[i].state_text : s->state, s->last_error);
	}
	probe_writers_free(w, n);
}

static int find_by_name(vs_conn *c, const char *vm, const char *name, char *moref, size_t n,
			vs_error *err)
{
	snaptest_vs_snap *snaps = NULL;
	size_t ns = 0;
	if (snaptest_vs_snapshots(c, vm, &snaps, &ns, err) < 0)
		return -1;
	int found = 0;
	for (size_t i = 0; i < ns && !found; i++)
		if (!strcmp(snaps[i].name, name)) {
			snprintf(moref, n, "%s", snaps[i].moref);
			found = 1;
		}
	free(snaps);
	return found;
}

/* find_by_name through a network cut of up to grace_s. */
static int find_by_name_grace(vs_conn *c, const char *vm, const char *name, char *moref,
			      size_t n, int grace, vs_error *err)
{
	time_t first = 0;
	for (int round = 0;; round++) {
		int k = find_by_name(c, vm, name, moref, n, err);
		if (k >= 0 || !vs_error_transient(err))
			return k;
		if (!first)
			first = time(NULL);
		else if (time(NULL) - first >= grace)
			return -1;
		sleep_backoff(round);
	}
}

/* Removes the snapshot snap (named name) of vm and waits for it. A lost answer is not a
 * failure yet: the snapshot tree says whether the removal ran. 0 removed, -1 not (err). */
static int remove_snapshot_tries(vs_conn *c, const char *vm, const char *name, const char *snap,
				 int timeout_s, int grace, int tries, vs_error *err)
{
	char task[VS_MOREF_MAX] = "";
	int rc = vs_snapshot_remove(c, snap, false, true, task, sizeof task, err);
	if (rc == 0) {
		vs_task_result res;
		rc = vs_task_wait_grace(c, task, timeout_s, grace, NULL, NULL, &res, err);
		if (rc < 0 && err->kind == VS_ERR_TIMEOUT && res.state != VS_TASK_SUCCESS &&
		    res.state != VS_TASK_ERROR) {
			/* Bounded: ask vCenter to cancel the hung removal; the snapshot stays. */
			vs_error ce;
			vs_error_clear(&ce);
			bool asked = vs_task_cancel(c, task, &ce) == 0;
			vs_fail(err, VS_ERR_TIMEOUT, "the removal %s did not end within %d s; %s; the "
				"snapshot %s is still there", task, timeout_s,
				asked ? "vCenter was asked to cancel it" : "it could not be cancelled",
				name);
		}
		vs_task_result_done(&res);
		if (rc == 0)
			return 0;
	}
	if (!vs_error_transient(err))
		return -1;
	/* The answer was lost: if the removal runs, its task is among vCenter's recent ones
	 * (the newest snapshot removal on this VM); wait for it, then the tree says. */
	vs_error e2;
	vs_error_clear(&e2);
	vs_task_result *t = NULL;
	size_t nt = 0;
	time_t first = 0;
	for (int round = 0; vs_recent_tasks(c, &t, &nt, &e2) < 0; round++) {
		if (!vs_error_transient(&e2) || (first && time(NULL) - first >= grace))
			break;
		if (!first)
			first = time(NULL);
		sleep_backoff(round);
	}
	const vs_task_result *best = NULL;
	for (size_t i = 0; i < nt; i++) {
		const char *d = t[i].description_id;
		if ((!strcmp(t[i].entity, vm) || !strcmp(t[i].entity, snap)) &&
		    strcasestr(d, "remove") && strcasestr(d, "snapshot") &&
		    (!best || t[i].queued_at >= best->queued_at))
			best = &t[i];
	}
	bool asked = best != NULL;
	if (best) {
		vs_task_result res;
		vs_task_wait_grace(c, best->task, timeout_s, grace, NULL, NULL, &res, &e2);
		vs_task_result_done(&res);
	}
	vs_task_results_free(t, nt);
	char still[VS_MOREF_MAX];
	vs_error_clear(&e2);
	int k = find_by_name_grace(c, vm, name, still, sizeof still, grace, &e2);
	if (k == 0)
		return 0;
	/* vCenter answers again, the snapshot is there and no removal of it ever reached vCenter:
	 * the request was lost on its way, so send it again. */
	if (k == 1 && !asked && tries > 1)
		return remove_snapshot_tries(c, vm, name, still, timeout_s, grace, tries - 1, err);
	return -1;
}

static int remove_snapshot(vs_conn *c, const char *vm, const char *name, const char *snap,
			   int timeout_s, int grace, vs_error *err)
{
	return remove_snapshot_tries(c, vm, name, snap, timeout_s, grace, 2, err);
}

static void cleanup(run *r, const snaptest_spec *spec)
{
	snaptest_outcome *o = r->o;
	vs_error err;
	vs_error_clear(&err);
	char snap[VS_MOREF_MAX] = "";
	if (o->snapshot_moref) {
		snprintf(snap, sizeof snap, "%s", o->snapshot_moref);
		o->snapshot_created = TRI_YES;
	} else {
		/* A failed or interrupted task may still have left the snapshot: look it up. */
		int k = find_by_name_grace(r->c, o->moref, o->snapshot_name, snap, sizeof snap,
					   grace_s(r->env), &err);
		if (k < 0) {
			o->snapshot_created = TRI_UNKNOWN;
			emit(r, SNAPTEST_EV_WARN, -1, "cannot check whether %s was left behind: %s",
			     o->snapshot_name, err.message);
			return;
		}
		if (k == 0) {
			/* Not there: never made, unless its task may still make it. */
			o->snapshot_created = r->create_ended ? TRI_NO : TRI_UNKNOWN;
			return;
		}
		xstrset(&o->snapshot_moref, snap);
		o->snapshot_created = TRI_YES;
	}
	if (spec->keep && !o->history_lost) {   /* a kept snapshot the history lost is a leftover */
		o->kept = true;
		emit(r, SNAPTEST_EV_NOTE, -1, "test snapshot %s kept (--keep)", o->snapshot_name);
		return;
	}
	emit(r, SNAPTEST_EV_NOTE, -1, "removing test snapshot %s", o->snapshot_name);
	if (remove_snapshot(r->c, o->moref, o->snapshot_name, snap, removal_timeout_s(r->env),
			    grace_s(r->env), &err) < 0) {
		emit(r, SNAPTEST_EV_WARN, -1, "the test snapshot %s of %s was NOT removed: %s; remove "
		     "it in the vSphere Client (Snapshots > Manage)", o->snapshot_name, o->vm, err.message);
		return;
	}
	o->snapshot_removed = true;
	emit(r, SNAPTEST_EV_NOTE, -1, "test snapshot %s removed", o->snapshot_name);
}

static void record_end(run *r)
{
	snaptest_outcome *o = r->o;
	if (!r->db || o->history_id <= 0)
		return;
	char err[256];
	for (size_t i = 0; o->has_manifest && i < o->manifest.n_writers; i++) {
		const snaptest_writer *w = &o->manifest.writers[i];
		char *cj = snaptest_components_json(w);
		store_writer_result wr = { .phase = "manifest", .name = w->name, .writer_id = w->id,
					   .instance_id = w->instance_id, .usage = w->usage,
					   .data_source = w->data_source, .components_json = cj };
		journal_check(r, store_writer_result_add(r->db, o->history_id, &wr, err, sizeof err) < 0
				 ? -1 : 0, err);
		free(cj);
	}
	for (size_t i = 0; i < o->n_writers_after; i++) {
		store_writer_result wr = { .phase = "after", .name = o->writers_after[i].name,
					   .state = o->writers_after[i].state,
					   .last_error = o->writers_after[i].last_error };
		journal_check(r, store_writer_result_add(r->db, o->history_id, &wr, err, sizeof err) < 0
				 ? -1 : 0, err);
	}
}

static void finish_record(run *r, const void *zip, size_t zip_len)
{
	snaptest_outcome *o = r->o;
	if (!r->db || o->history_id <= 0)
		return;
	char err[256];
	store_snaptest_result res = {
		.state = o->kept ? STORE_SNAPTEST_KEPT : STORE_SNAPTEST_REMOVED,
		.result = o->result,
		.achieved = o->achieved,
		.snapshot_moref = o->snapshot_moref,
		.fault_type = o->fault_type,
		.fault = o->fault,
		.duration_ms = (int64_t)(o->duration_s * 1000),
		.manifest_file = o->manifest_file,
		.manifest = zip,
		.manifest_len = zip_len,
		.backup_type = o->has_manifest ? o->manifest.backup_type : NULL,
		.snapshot_removed = o->snapshot_removed,
		.ended_at = time(NULL),
	};
	/* A snapshot that could not be removed stays an orphan: the next start offers it again.
	 * So does one whose request may have run unseen: it may still appear. */
	if ((o->snapshot_moref && !o->snapshot_removed && !o->kept) ||
	    (o->method && o->snapshot_created == TRI_UNKNOWN))
		res.state = STORE_SNAPTEST_ORPHAN;
	if (store_snaptest_finish(r->db, o->history_id, &res, err, sizeof err) < 0) {
		journal_check(r, -1, err);
		emit(r, SNAPTEST_EV_WARN, -1, "the test's result was not stored: %s", err);
	}
}

/* The snapshot request reached vCenter but its answer was lost (the connection dropped, or
 * it timed out). Resending could take a second snapshot, so look among vCenter's recent tasks
 * for the one it started: the newest snapshot creation on this VM queued since the run began
 * (two minutes of clock skew allowed). Found: its moref in task, 1; not among them (the
 * request never ran): 0; the tasks cannot be read: -1. */
static int find_lost_create(run *r, char *task, size_t n)
{
	vs_error err;
	vs_error_clear(&err);
	vs_task_result *t = NULL;
	size_t nt = 0;
	if (vs_recent_tasks(r->c, &t, &nt, &err) < 0) {
		emit(r, SNAPTEST_EV_WARN, -1, "vCenter's recent tasks cannot be read: %s", err.message);
		return -1;
	}
	const vs_task_result *best = NULL;
	for (size_t i = 0; i < nt; i++) {
		const vs_task_result *c = &t[i];
		if (strcmp(c->entity, r->o->moref) != 0 ||
		    strncmp(c->description_id, "VirtualMachine.createSnapshot", 29) != 0 ||
		    (c->queued_at && c->queued_at < r->started - 120))
			continue;
		if (!best || c->queued_at > best->queued_at)
			best = c;
	}
	if (best)
		snprintf(task, n, "%s", best->task);
	vs_task_results_free(t, nt);
	return best != NULL;
}

static void refuse(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(run *r, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	xstrset(&r->o->result, "refused");
	set_fault(r->o, NULL, m);
}

/* ---- one test, in its phases ---- */

/* What makes a test impossible or unrecordable, checked before anything is asked of vCenter:
 * true when the outcome is settled (refused, or an error) and the test must not start. */
static bool refused_before_start(run *r, const vm_facts *f)
{
	snaptest_outcome *o = r->o;
	if (f->power != POWER_ON) {
		refuse(r, "%s is %s: quiescing needs a running guest; power it on to test it.",
		       o->vm, f->power == POWER_SUSPENDED ? "suspended" : "powered off");
		return true;
	}
	if (f->snapshot_count >= SNAPTEST_MAX_SNAPSHOTS) {
		refuse(r, "%s already has %d snapshots, the maximum: a test snapshot is impossible; "
		       "consolidate or delete old snapshots first.", o->vm, f->snapshot_count);
		return true;
	}
	vs_error err;
	vs_error_clear(&err);
	r->c = vs_conn_new(r->env->session, &err);
	if (!r->c) {
		xstrset(&o->result, "error");
		set_fault(o, NULL, err.message);
		return true;
	}
	char serr[256];
	if (r->env->db_path && !(r->db = store_open(r->env->db_path, serr, sizeof serr))) {
		/* Unrecorded, a crash could leave a snapshot nobody knows about: refuse. */
		xstrset(&o->result, "error");
		o->history_failed = true;
		char m[512];
		snprintf(m, sizeof m, "the test of %s was not started because the history cannot "
			 "record it: %s", o->vm, serr);
		set_fault(o, NULL, m);
		return true;
	}
	return false;
}

/* CreateSnapshotEx_Task needs API 6.5 and, on Windows, Tools 10.1.0; else why says why not. */
static bool can_use_ex(const snaptest_env *env, const vm_facts *f, const verdict *v, char *why,
		       size_t n)
{
	why[0] = '\0';
	if (!api_at_least_65(env->session)) {
		snprintf(why, n, "the server's API %s is older than 6.5",
			 vs_session_api_version(env->session));
		return false;
	}
	if (is_windows(v->family) && f->tools_version > 0 &&
	    f->tools_version < MODEL_TOOLS_VERSION_10_1_0) {
		char tv[16];
		snprintf(why, n, "VMware Tools %s is older than 10.1.0",
			 model_tools_version_format(f->tools_version, tv));
		return false;
	}
	return true;
}

/* Records the test (and claims its VM) before the snapshot exists: true when it may go on;
 * false when the outcome is settled (another process has the VM, or no record). */
static bool recorded(run *r, const snaptest_spec *spec)
{
	snaptest_outcome *o = r->o;
	if (!r->db)
		return true;
	char serr[256];
	char *sj = spec_json(spec, o->method);
	store_owner busy;
	store_snaptest_def def = { .moref = o->moref, .vm_name = o->vm,
				   .snapshot_name = o->snapshot_name, .spec_json = sj,
				   .method = o->method, .predicted = o->predicted, .at = r->started,
				   .busy = &busy };
	int64_t id = store_snaptest_create(r->db, r->env->connection_id, &def, serr, sizeof serr);
	free(sj);
	if (id == 0) {
		char who[400];
		store_owner_describe(&busy, who, sizeof who);
		refuse(r, "%s is being fixed or tested by %s: not tested now, to leave it alone.",
		       o->vm, who);
		o->busy = true;
		return false;
	}
	if (id < 0) {
		xstrset(&o->result, "error");
		o->history_failed = true;
		char m[512];
		snprintf(m, sizeof m, "the test of %s was not started because the history cannot "
			 "record it: %s", o->vm, serr);
		set_fault(o, NULL, m);
		return false;
	}
	o->history_id = id;
	return true;
}

/* Asks for the snapshot (Ex, or the legacy call when Ex is unavailable or refused). A lost
 * answer is followed through the task it started, when vCenter lists one. 0 with task, or -1
 * with err. */
static int request_snapshot(run *r, const snaptest_spec *spec, bool use_ex, char *task,
			    size_t tn, vs_error *err)
{
	snaptest_outcome *o = r->o;
	const char *desc = "quiescent test snapshot (removed after the test)";
	int crc = -1;
	if (use_ex) {
		vs_windows_quiesce q = {
			.timeout_min = spec->timeout_min,
			.vss_backup_type = spec->backup_type,
			.vss_bootable_system_state = spec->bootable_system_state,
			.vss_partial_file_support = spec->partial_file_support,
			.vss_backup_context = spec->context,
		};
		crc = vs_vm_create_snapshot_ex(r->c, o->moref, o->snapshot_name, desc, false, &q, task,
					       tn, err);
		if (crc < 0 && is_unsupported(err)) {
			emit(r, SNAPTEST_EV_NOTE, -1, "the server refused CreateSnapshotEx_Task (%s: %s); "
			     "falling back to CreateSnapshot_Task(quiesce), which takes a VSS_BT_COPY "
			     "snapshot with default settings", err->fault, err->message);
			xstrset(&o->method, SNAPTEST_METHOD_LEGACY);
			char jerr[300] = "";
			if (r->db)
				journal_check(r, store_snaptest_set_method(r->db, o->history_id, o->method,
									   jerr, sizeof jerr), jerr);
			use_ex = false;
		}
	}
	if (!use_ex) {
		vs_error_clear(err);
		crc = vs_vm_create_snapshot(r->c, o->moref, o->snapshot_name, desc, false, true, task,
					    tn, err);
	}
	if (crc < 0 && (err->kind == VS_ERR_NETWORK || err->kind == VS_ERR_TIMEOUT)) {
		int found = find_lost_create(r, task, tn);
		r->create_unknown = found < 0;
		if (found == 1) {
			emit(r, SNAPTEST_EV_NOTE, -1, "the answer to the snapshot request was lost (%s); "
			     "following its task %s instead of asking again", err->message, task);
			vs_error_clear(err);
			r->create_adopted = true;
			crc = 0;
		}
	}
	return crc;
}

/* The creating task in the journal: running now, or as it ended. */
static void journal_task(run *r, const char *task, const vs_task_result *res)
{
	snaptest_outcome *o = r->o;
	if (!r->db)
		return;
	char e[700] = "";
	store_task t = { .moref = task, .vm = o->moref, .kind = o->method,
			 .state = STORE_TASK_RUNNING, .progress = 0, .started_at = r->started,
			 .snaptest_id = o->history_id };
	if (res) {
		if (res->state == VS_TASK_ERROR)
			snprintf(e, sizeof e, "%s: %s", res->fault, res->message);
		t.state = res->state == VS_TASK_SUCCESS ? STORE_TASK_SUCCESS : STORE_TASK_ERROR;
		t.progress = res->progress;
		t.ended_at = time(NULL);
		t.error = e[0] ? e : NULL;
	}
	char err[300] = "";
	journal_check(r, store_task_record(r->db, r->env->connection_id, &t, err, sizeof err) < 0
			 ? -1 : 0, err);
}

/* What the ended creating task means for the test: success (with its manifest) or not. */
static void judge_create(run *r, vs_task_result *res, char **before, size_t n_before,
			 char **zip, size_t *zip_len)
{
	snaptest_outcome *o = r->o;
	vs_error err;
	vs_error_clear(&err);
	if (res->state == VS_TASK_SUCCESS && r->create_adopted) {
		/* A task found, not returned: it is ours only if it made our snapshot. */
		char snap[VS_MOREF_MAX] = "";
		int k = find_by_name_grace(r->c, o->moref, o->snapshot_name, snap, sizeof snap,
					   grace_s(r->env), &err);
		if (k != 1) {
			xstrset(&o->result, "error");
			set_fault(o, NULL, k < 0 ? err.message : "the answer to the snapshot request was "
				  "lost and the task found in its place did not make this test's snapshot");
			return;
		}
		snprintf(res->result_moref, sizeof res->result_moref, "%s", snap);
	}
	if (res->state == VS_TASK_SUCCESS) {
		if (res->result_moref[0])
			xstrset(&o->snapshot_moref, res->result_moref);
		emit(r, SNAPTEST_EV_NOTE, -1, "snapshot %s created", o->snapshot_name);
		fetch_manifest(r, before, n_before, zip, zip_len);
		o->achieved = o->has_manifest ? o->manifest.level
			    : o->manifest_file || o->achieved_unknown ? LEVEL_NONE : LEVEL_CRASH;
		xstrset(&o->result, cancelled(r) ? "cancelled" : "success");
		if (cancelled(r))
			set_fault(o, NULL, "interrupted (Ctrl-C) after the snapshot was taken");
	} else if (cancelled(r) || !strcmp(res->fault, "RequestCanceled")) {
		xstrset(&o->result, "cancelled");
		set_fault(o, res->fault, res->message[0] ? res->message : "interrupted (Ctrl-C)");
	} else {
		xstrset(&o->result, "failed");
		o->achieved = LEVEL_FAIL;
		set_fault(o, res->fault, res->message);
		emit(r, SNAPTEST_EV_WARN, -1, "the snapshot failed: %s: %s", res->fault, res->message);
	}
}

/* Takes the snapshot and follows it to its end; the outcome says what happened. */
static void take_snapshot(run *r, const vm_facts *f, const snaptest_spec *spec, bool use_ex,
			  char **zip, size_t *zip_len)
{
	snaptest_outcome *o = r->o;
	vs_error err;
	vs_error_clear(&err);
	char **before = NULL;
	size_t n_before = 0;
	if (snaptest_vs_layout_files(r->c, o->moref, &before, &n_before, &err) < 0)
		vs_error_clear(&err);
	baseline_events(r);

	char task[VS_MOREF_MAX] = "";
	vs_task_result res = { 0 };
	if (request_snapshot(r, spec, use_ex, task, sizeof task, &err) < 0) {
		r->create_ended = !r->create_unknown;   /* refused, or not among vCenter's tasks */
		xstrset(&o->result, "failed");
		set_fault(o, err.fault, err.message);
		o->achieved = LEVEL_FAIL;
		emit(r, SNAPTEST_EV_WARN, -1, "the snapshot was not started: %s", err.message);
	} else {
		char jerr[300] = "";
		if (r->db)
			journal_check(r, store_snaptest_set_running(r->db, o->history_id, task, jerr,
								    sizeof jerr), jerr);
		journal_task(r, task, NULL);
		int deadline = spec->timeout_min * 60 + 300;
		if (watch_task(r, task, deadline, &res, &err) < 0) {
			xstrset(&o->result, cancelled(r) ? "cancelled" : "error");
			set_fault(o, err.fault, err.message);
		} else {
			r->create_ended = true;
			journal_task(r, task, &res);
			judge_create(r, &res, before, n_before, zip, zip_len);
		}
	}
	snaptest_vs_strings_free(before, n_before);
	vs_task_result_done(&res);
	/* Writers right after the quiesce (before removal, which does not touch VSS). */
	if (!cancelled(r))
		writers_after(r, f);
	else
		xstrset(&o->writers_after_error, "interrupted: writers not read");
}

static void report_done(run *r, const char *text, int progress)
{
	const snaptest_env *env = r->env;
	if (!env->on_event)
		return;
	snaptest_event ev = { .vm = r->o->vm, .kind = SNAPTEST_EV_DONE, .at = time(NULL),
			      .elapsed_s = r->o->duration_s, .progress = progress, .text = text,
			      .outcome = r->o };
	env->on_event(env->ctx, &ev);
}

int snaptest_run_one(const snaptest_env *env, const vm_facts *f, const verdict *v,
		     const snaptest_spec *spec, snaptest_outcome *o)
{
	snaptest_outcome_init(o);
	o->vm = xstrdup(f->name ? f->name : f->moref);
	o->moref = xstrdup(f->moref);
	/* judged by what the facts allow, not by the last test's failure (R25) */
	o->predicted = rules_predicted_by_facts(v);
	run r = { .env = env, .o = o, .max_event_key = -1 };
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	r.started = time(NULL);
	char name[64];
	snaptest_name(r.started, name, sizeof name);
	o->snapshot_name = xstrdup(name);

	char why_legacy[256];
	bool use_ex = false;
	bool go = !refused_before_start(&r, f);
	if (go) {
		use_ex = can_use_ex(env, f, v, why_legacy, sizeof why_legacy);
		xstrset(&o->method, use_ex ? SNAPTEST_METHOD_EX : SNAPTEST_METHOD_LEGACY);
		go = recorded(&r, spec);
	}
	if (!go) {
		o->snapshot_created = TRI_NO;   /* nothing was asked of vCenter */
		o->duration_s = elapsed(&r);
		xstrset(&o->explanation, o->fault);
		store_close(r.db);
		vs_conn_free(r.c);
		report_done(&r, o->fault, 0);
		return strcmp(o->result, "refused") ? -1 : 0;
	}
	emit(&r, SNAPTEST_EV_START, 0, "testing %s with %s (predicted: %s)", o->vm, o->method,
	     model_level_name(o->predicted));
	if (!use_ex)
		emit(&r, SNAPTEST_EV_NOTE, -1, "%s: CreateSnapshotEx_Task is unavailable, using "
		     "CreateSnapshot_Task(quiesce) instead (VSS_BT_COPY, default context and timeout)",
		     why_legacy);
	const char *warn = snaptest_backup_type_warning(spec->backup_type);
	if (warn && use_ex)
		emit(&r, SNAPTEST_EV_WARN, -1, "backup type %s: %s",
		     snaptest_backup_type_name(spec->backup_type), warn);

	char *zip = NULL;
	size_t zip_len = 0;
	take_snapshot(&r, f, spec, use_ex, &zip, &zip_len);
	cleanup(&r, spec);
	poll_events(&r);
	o->duration_s = elapsed(&r);
	o->explanation = snaptest_explain(f, v, o);
	record_end(&r);
	finish_record(&r, zip, zip_len);
	free(zip);
	store_close(r.db);
	vs_conn_free(r.c);
	report_done(&r, o->explanation, 100);
	return 0;
}

/* ---- explanation ---- */

char *snaptest_explain(const vm_facts *f, const verdict *v, const snaptest_outcome *o)
{
	const char *p = model_level_name(o->predicted), *a = model_level_name(o->achieved);
	if (!o->result || !strcmp(o->result, "refused") || !strcmp(o->result, "error"))
		return xstrdup(o->fault ? o->fault : "the test did not run");
	if (!strcmp(o->result, "cancelled"))
		return xasprintf("predicted %s, not known: the test was interrupted%s.", p,
				 o->snapshot_removed ? " and its snapshot removed" : "");
	if (o->achieved_unknown)
		return xasprintf("predicted %s, not known: %s.", p, o->achieved_unknown);
	strbuf sb;
	strbuf_init(&sb);
	if (o->achieved == o->predicted) {
		strbuf_addf(&sb, "predicted %s, achieved %s: as the rules said", p, a);
		if (o->achieved == LEVEL_FAIL && o->fault_type)
			strbuf_addf(&sb, " (%s)", o->fault_type);
		strbuf_adds(&sb, ".");
		return strbuf_detach(&sb, NULL);
	}
	strbuf_addf(&sb, "predicted %s, achieved %s: ", p, a);
	const char *failed_writer = NULL;
	for (size_t i = 0; i < o->n_writers_after; i++)
		if (o->writers_after[i].failed) {
			failed_writer = o->writers_after[i].name;
			break;
		}
	if (o->achieved == LEVEL_FAIL && failed_writer) {
		strbuf_addf(&sb, "the VSS writer %s failed during the quiesce; restart its service "
			    "and test again", failed_writer);
	} else if (o->achieved == LEVEL_FAIL && o->fault_type && !strcmp(o->fault_type, "Timedout")) {
		strbuf_adds(&sb, "the quiesce timed out; a writer took too long to freeze");
	} else if (o->achieved < o->predicted && o->predicted == LEVEL_APPLICATION &&
		   o->achieved == LEVEL_FILESYSTEM && f->enable_uuid == TRI_YES && !rules_verdict_has(v, RULE_R08) &&
		   f->enable_uuid_set_at == 0) {
		strbuf_adds(&sb, "disk.EnableUUID is set but the VM may not have been power-cycled "
			    "since it was set (vCenter does not say when); power-cycle it and test again");
	} else if (o->achieved < o->predicted && f->probe.state != PROBE_OK) {
		strbuf_addf(&sb, "the guest's facts were %s (%s), so the prediction could not see what "
			    "held the guest back; configure guest credentials and scan again",
			    f->probe.state == PROBE_STALE ? "from an older probe" : "unknown",
			    model_probe_state_name(f->probe.state));
	} else if (o->achieved < o->predicted) {
		strbuf_addf(&sb, "something the rules do not check held the guest back%s%s%s",
			    o->fault ? " (" : "", o->fault ? o->fault : "", o->fault ? ")" : "");
	} else {
		strbuf_adds(&sb, "better than the rules predicted: a finding that capped the level "
			    "did not hold in the guest (stale facts, or fixed since the scan)");
	}
	strbuf_adds(&sb, ".");
	return strbuf_detach(&sb, NULL);
}

/* ---- several VMs ---- */

typedef struct {
	const snaptest_env *env;
	const vm_facts *const *f;
	const verdict *const *v;
	size_t n;
	const snaptest_spec *spec;
	snaptest_outcome *outs;
	char **hosts;          /* per VM, NULL when not grouped */
	bool *taken;
	bool *host_busy;       /* parallel to hosts: index of the first VM with that host */
	pthread_mutex_t mu;
	pthread_cond_t cv;
} pool;

static int on_host(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr r, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	const char *t = vs_xml_text_buf(r, &sb);
	if (t)
		*(char **)ctx = xstrdup(t);
	strbuf_done(&sb);
	return 0;
}

static size_t host_slot(const pool *p, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (p->hosts[j] && p->hosts[i] && !strcmp(p->hosts[j], p->hosts[i]))
			return j;
	return i;
}

static void *worker(void *arg)
{
	pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t pick = p->n;
		for (;;) {
			bool left = false;
			for (size_t i = 0; i < p->n && pick == p->n; i++) {
				if (p->taken[i])
					continue;
				left = true;
				if (!p->hosts || !p->host_busy[host_slot(p, i)])
					pick = i;
			}
			if (pick < p->n || !left)
				break;
			pthread_cond_wait(&p->cv, &p->mu);
		}
		if (pick == p->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		p->taken[pick] = true;
		if (p->hosts)
			p->host_busy[host_slot(p, pick)] = true;
		pthread_mutex_unlock(&p->mu);

		if (p->env->cancel && *p->env->cancel) {
			/* Ctrl-C: the VMs not started yet are not tested. */
			snaptest_outcome *o = &p->outs[pick];
			snaptest_outcome_init(o);
			o->vm = xstrdup(p->f[pick]->name);
			o->moref = xstrdup(p->f[pick]->moref);
			o->predicted = rules_predicted_by_facts(p->v[pick]);
			o->result = xstrdup("cancelled");
			o->fault = xstrdup("stopped before this VM's test started");
			o->snapshot_created = TRI_NO;
			o->explanation = xstrdup(o->fault);
		} else {
			snaptest_run_one(p->env, p->f[pick], p->v[pick], p->spec, &p->outs[pick]);
		}

		pthread_mutex_lock(&p->mu);
		if (p->hosts)
			p->host_busy[host_slot(p, pick)] = false;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

void snaptest_run_many(const snaptest_env *env, const vm_facts *const *f, const verdict *const *v,
		       size_t n, const snaptest_spec *spec, int parallel, snaptest_outcome *outs)
{
	if (n == 0)
		return;
	pool p = { .env = env, .f = f, .v = v, .n = n, .spec = spec, .outs = outs };
	p.taken = xcalloc(n, sizeof *p.taken);
	size_t workers = parallel > 0 ? (size_t)parallel : 1;
	if (parallel <= 0 && n > 1) {
		/* One test per host at a time: group by runtime.host (unknown: its own group). */
		p.hosts = xcalloc(n, sizeof *p.hosts);
		p.host_busy = xcalloc(n, sizeof *p.host_busy);
		vs_error err;
		vs_error_clear(&err);
		vs_conn *c = vs_conn_new(env->session, &err);
		static const char *const paths[] = { "runtime.host" };
		workers = 0;
		for (size_t i = 0; c && i < n; i++) {
			vs_retrieve_object(c, "VirtualMachine", f[i]->moref, paths, 1, on_host,
					   &p.hosts[i], &err);
			if (host_slot(&p, i) == i)
				workers++;
		}
		vs_conn_free(c);
		if (workers == 0)
			workers = 1;
	}
	if (workers > n)
		workers = n;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	pthread_t *th = xcalloc(workers, sizeof *th);
	size_t started = 0;
	for (size_t i = 0; i < workers; i++)
		if (pthread_create(&th[i], NULL, worker, &p) == 0)
			started++;
	if (started == 0)
		worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	if (p.hosts)
		for (size_t i = 0; i < n; i++)
			free(p.hosts[i]);
	free(p.hosts);
	free(p.host_busy);
	free(p.taken);
}

/* ---- orphans ---- */

int snaptest_orphan_cleanup(vs_conn *c, store *db, const store_snaptest_ref *ref, bool remove,
			    bool *found, char *msg, size_t n)
{
	return snaptest_orphan_cleanup_bounded(c, db, ref, remove, 0, 0, found, msg, n);
}

void snaptest_ref_vm(const store_snaptest_ref *ref, char *buf, size_t n)
{
	if (ref->vm_name[0] && strcmp(ref->vm_name, ref->moref))
		snprintf(buf, n, "%s (%s)", ref->vm_name, ref->moref);
	else
		snprintf(buf, n, "%s", ref->moref);
}

int snaptest_orphan_cleanup_bounded(vs_conn *c, store *db, const store_snaptest_ref *ref,
				    bool remove, int grace, int task_timeout, bool *found, char *msg,
				    size_t n)
{
	if (grace <= 0)
		grace = 300;
	if (task_timeout <= 0)
		task_timeout = 1800;
	vs_error err;
	vs_error_clear(&err);
	char vm[200];
	snaptest_ref_vm(ref, vm, sizeof vm);
	char snap[VS_MOREF_MAX] = "";
	*found = false;
	/* Hands off a live test; a dead one is taken over first, so two clean-ups never race. */
	if (db) {
		store_owner prev;
		char serr[256];
		int a = store_owner_adopt(db, "snaptests", ref->id, &prev, serr, sizeof serr);
		if (a < 0) {
			snprintf(msg, n, "%s", serr);
			return -1;
		}
		if (a == 0) {
			char who[400];
			store_owner_describe(&prev, who, sizeof who);
			snprintf(msg, n, "the test snapshot %s of %s belongs to a test that %s is running: "
				 "left alone", ref->snapshot_name, vm, who);
			return 0;
		}
	}
	/* The creating task may still run (its process died mid-quiesce): the snapshot appears
	 * when it ends, so wait for that before looking. */
	if (ref->task_moref[0]) {
		vs_task_result tr;
		int rc = vs_task_wait_grace(c, ref->task_moref, SNAPTEST_TIMEOUT_MAX * 60 + 300, grace,
					    NULL, NULL, &tr, &err);
		/* A fault: the task failed, or is gone from vCenter; either way it has ended. */
		bool unreadable = rc < 0 && err.kind != VS_ERR_FAULT;
		vs_task_result_done(&tr);
		if (unreadable) {
			snprintf(msg, n, "the task %s that creates %s on %s cannot be followed: %s; "
				 "the leftover is offered again next time", ref->task_moref,
				 ref->snapshot_name, vm, err.message);
			return -1;
		}
		vs_error_clear(&err);
	}
	int k = find_by_name_grace(c, ref->moref, ref->snapshot_name, snap, sizeof snap, grace, &err);
	bool vm_gone = k < 0 && !strcmp(err.fault, "ManagedObjectNotFound");
	if (k < 0 && !vm_gone) {
		snprintf(msg, n, "the snapshots of %s cannot be read: %s", vm, err.message);
		return -1;
	}
	*found = k == 1;
	store_snaptest_result res = { .state = STORE_SNAPTEST_REMOVED, .result = "interrupted",
				      .achieved = LEVEL_NONE, .ended_at = time(NULL) };
	if (*found && !remove) {
		res.state = STORE_SNAPTEST_ORPHAN;
		res.snapshot_moref = snap;
		snprintf(msg, n, "left %s on %s as it is (remove it in the vSphere Client)",
			 ref->snapshot_name, vm);
	} else if (*found) {
		res.snapshot_moref = snap;
		if (remove_snapshot(c, ref->moref, ref->snapshot_name, snap, task_timeout, grace, &err) < 0) {
			snprintf(msg, n, "the leftover test snapshot %s of %s cannot be removed: %s",
				 ref->snapshot_name, vm, err.message);
			return -1;
		}
		res.snapshot_removed = true;
		snprintf(msg, n, "removed the leftover test snapshot %s of %s", ref->snapshot_name, vm);
	} else {
		snprintf(msg, n, "%s of %s no longer exists%s: nothing to remove", ref->snapshot_name,
			 vm, vm_gone ? " (the VM is gone)" : "");
	}
	char serr[256];
	if (db && store_snaptest_finish(db, ref->id, &res, serr, sizeof serr) < 0) {
		snprintf(msg, n, "%s", serr);
		return -1;
	}
	return 0;
}
