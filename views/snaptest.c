/* The test snapshot screen: an options dialog (context, backup type with its warning, timeout,
 * keep), then snaptest_run_many on a job (one test at a time per ESXi host) with a live view:
 * a progress bar and the elapsed time per VM, the task's and the VM's events streaming as they
 * happen, and at the end per VM the level achieved against the one predicted with the
 * explanation, the manifest's writers with their components, the writers' state afterwards
 * and whether the test snapshot was removed.
 *
 * Also the start-up question about test snapshots a killed quiescent left behind: one question
 * per vCenter (each found once it logged in), handled on that vCenter's session. */
#include "engine/engine.h"
#include "rules/rules.h"
#include "snaptest/snaptest.h"
#include "store/store.h"
#include "tui/draw.h"
#include "tui/jobs.h"
#include "tui/term.h"
#include "util/secret.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "views/lines.h"
#include "views/view.h"
#include "util/monoclock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVENTS 5000
#define MAX_BARS 4

typedef enum { SP_EMPTY, SP_OPTIONS, SP_RUNNING, SP_DONE, SP_ORPHANS, SP_CLEANING } sphase;

static const char *const contexts[] = { "ctx_auto", "ctx_backup", "ctx_file_share_backup" };
static const int backup_types[] = { SNAPTEST_BT_COPY, SNAPTEST_BT_FULL, SNAPTEST_BT_INCREMENTAL,
				    SNAPTEST_BT_DIFFERENTIAL, SNAPTEST_BT_LOG };

typedef struct {
	char *name, *moref;
	quiesce_level predicted;
	int progress;            /* 0..100 */
	double elapsed;
	char *now;               /* what it does now */
	bool done;
	int task_id;             /* its own Tasks row when several VMs are tested */
} tvm;

typedef struct {
	double elapsed;
	char *vm;
	char *text;
	snaptest_event_kind kind;
} evline;

typedef struct {
	sphase ph;
	sphase after_orphans;    /* where the orphan question returns to */
	tvm *vms;
	size_t n;
	unsigned vc;             /* their vCenter: the test runs on its session, recorded under its key */
	int ctx_idx, bt_idx, timeout_min;
	bool keep;
	evline *ev;
	size_t n_ev, cap_ev;
	snaptest_outcome *outs;  /* n, when done */
	unsigned gen;
	int task_id;
	time_t started, ended;
	store_snaptest_ref *orphans;   /* of every vCenter found so far; asked about by vCenter */
	unsigned *orphan_vcs;          /* parallel: each one's vCenter; orphan_vcs[0] is asked about */
	size_t n_orphans;
	char *orphan_result;
	vlines lines;
	bool follow;             /* keep the newest line in view */
	bool jump_result;        /* show the result section once it is there */
	char *last_stem;         /* the last progress line without its percentage */
} snap_view;

static snap_view *priv(ui *u)
{
	return u->v_snaptest->priv;
}

static const char *ctx_short(const char *c)
{
	return !strncmp(c, "ctx_", 4) ? c + 4 : c;
}

static void spec_of(const snap_view *p, snaptest_spec *s)
{
	snaptest_spec_init(s);
	s->context = contexts[p->ctx_idx];
	s->backup_type = backup_types[p->bt_idx];
	s->timeout_min = p->timeout_min;
	s->keep = p->keep;
}

static void clear_run(snap_view *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->vms[i].name);
		free(p->vms[i].moref);
		free(p->vms[i].now);
		if (p->outs)
			snaptest_outcome_done(&p->outs[i]);
	}
	free(p->outs);
	p->outs = NULL;
	free(p->vms);
	p->vms = NULL;
	p->n = 0;
	for (size_t i = 0; i < p->n_ev; i++) {
		free(p->ev[i].vm);
		free(p->ev[i].text);
	}
	p->n_ev = 0;
	free(p->last_stem);
	p->last_stem = NULL;
}

static bool busy(const snap_view *p)
{
	return p->ph == SP_RUNNING || p->ph == SP_CLEANING;
}

void snaptest_view_show(ui *u, const char *vm_name)
{
	snap_view *p = priv(u);
	if (busy(p) || p->ph == SP_ORPHANS) {
		ui_push(u, u->v_snaptest);
		if (busy(p))
			ui_message(u, LOG_INFO, "a test is running: its view is shown");
		return;
	}
	fleet_vm **pick = xcalloc(u->fl.n + 1, sizeof *pick);
	size_t n = 0;
	if (vm_name) {
		/* the first vCenter's VM of that name first when several vCenters have one */
		for (int pass = 0; pass < 2 && !n; pass++)
			for (size_t i = 0; i < u->fl.n && !n; i++)
				if (u->fl.vms[i]->f.name && !strcmp(u->fl.vms[i]->f.name, vm_name) &&
				    (pass || u->fl.vms[i]->vc == 0))
					pick[n++] = u->fl.vms[i];
		if (!n) {
			free(pick);
			ui_message(u, LOG_ERROR, "no VM named '%s'", vm_name);
			return;
		}
	} else {
		for (size_t i = 0; i < u->fl.n; i++)
			if (u->fl.vms[i]->marked)
				pick[n++] = u->fl.vms[i];
		if (!n) {
			fleet_vm *vm = vms_view_current(u->v_vms, u);
			if (vm)
				pick[n++] = vm;
		}
	}
	if (!n) {
		free(pick);
		ui_message(u, LOG_INFO, "no VM to test: put the cursor on one or mark several");
		return;
	}
	unsigned vc = 0;
	if (!ui_vms_actionable(u, pick, n, "test", &vc)) {
		free(pick);
		return;
	}
	clear_run(p);
	p->vc = vc;
	p->vms = xcalloc(n, sizeof *p->vms);
	p->n = n;
	for (size_t i = 0; i < n; i++) {
		p->vms[i].name = xstrdup(pick[i]->f.name ? pick[i]->f.name : pick[i]->f.moref);
		p->vms[i].moref = xstrdup(pick[i]->f.moref);
		p->vms[i].predicted = rules_predicted_by_facts(&pick[i]->v);
	}
	free(pick);
	p->ph = SP_OPTIONS;
	u->v_snaptest->list.top = 0;
	ui_push(u, u->v_snaptest);
}

/* ---- the job ---- */

typedef struct {
	vm_facts *facts;
	verdict *verdicts;
	size_t n;
	snaptest_spec spec;
	unsigned gen;
	int *task_ids;
	char *db_path, *vcenter, *guest_user, *guest_password;
	job *j;
	pthread_mutex_t mu;
	double t0;                /* when the run started (monotonic s): one clock for every VM */
	size_t n_done;            /* tests ended, under mu */
	/* orphans */
	unsigned vc;              /* their vCenter */
	store_snaptest_ref *refs;
	size_t n_refs;
	bool remove;
} snap_args;

static void snap_args_free(void *arg)
{
	snap_args *a = arg;
	for (size_t i = 0; i < a->n; i++) {
		model_vm_facts_done(&a->facts[i]);
		model_verdict_done(&a->verdicts[i]);
	}
	free(a->facts);
	free(a->verdicts);
	free(a->task_ids);
	free(a->db_path);
	free(a->vcenter);
	free(a->guest_user);
	secret_free(a->guest_password);
	free(a->refs);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static snap_args *snap_args_new(ui *u, unsigned vc)
{
	snap_args *a = xcalloc(1, sizeof *a);
	pthread_mutex_init(&a->mu, NULL);
	a->db_path = xstrdup(u->db_path);
	a->vcenter = xstrdup(vc ? ui_vcenter_name(u, vc) : u->server);
	a->guest_user = xstrdup(u->conn->guest_user);
	a->guest_password = u->conn->guest_password ? secret_dup(u->conn->guest_password) : NULL;
	return a;
}

typedef struct {
	unsigned gen;
	snaptest_event_kind kind;
	double elapsed;
	int progress;
	char *vm;
	char *text;
} sev_copy;

static void sev_free(void *d)
{
	sev_copy *e = d;
	free(e->vm);
	free(e->text);
	free(e);
}

static void sev_apply(ui *u, void *d)
{
	sev_copy *e = d;
	snap_view *p = priv(u);
	if (e->gen != p->gen) {
		sev_free(e);
		return;
	}
	tvm *t = NULL;
	for (size_t i = 0; i < p->n && !t; i++)
		if (e->vm && !strcmp(p->vms[i].name, e->vm))
			t = &p->vms[i];
	if (t) {
		t->elapsed = e->elapsed;
		if (e->kind == SNAPTEST_EV_PROGRESS && e->progress >= 0)
			t->progress = e->progress > 100 ? 100 : e->progress;
		if (e->kind == SNAPTEST_EV_DONE) {
			t->done = true;
			t->progress = 100;
		}
		if (e->kind == SNAPTEST_EV_START || e->kind == SNAPTEST_EV_PROGRESS || e->kind == SNAPTEST_EV_NOTE)
			xstrset(&t->now, e->text);
	}
	if (e->kind == SNAPTEST_EV_PROGRESS) { /* one line per task state, not per percent */
		const char *sp = e->text ? strrchr(e->text, ' ') : NULL;
		char *stem = xstrndup(e->text ? e->text : "", sp ? (size_t)(sp - e->text) : strlen(e->text ? e->text : ""));
		bool same = p->last_stem && !strcmp(p->last_stem, stem);
		free(p->last_stem);
		p->last_stem = stem;
		if (same) {
			sev_free(e);
			return;
		}
	}
	if (p->n_ev < MAX_EVENTS) {
		p->ev = xgrow(p->ev, &p->cap_ev, p->n_ev + 1, sizeof *p->ev);
		p->ev[p->n_ev++] = (evline){ .elapsed = e->elapsed, .vm = e->vm, .text = e->text, .kind = e->kind };
		e->vm = NULL;
		e->text = NULL;
	}
	sev_free(e);
}

/* Test threads (the core serialises nothing: the queue does). */
static void on_event(void *ctx, const snaptest_event *ev)
{
	snap_args *a = ctx;
	sev_copy *e = xcalloc(1, sizeof *e);
	e->gen = a->gen;
	e->kind = ev->kind;
	/* several VMs: times since the run started, so their lines interleave in order; one VM:
	 * the test's own clock */
	e->elapsed = a->n > 1 ? monoclock_now() - a->t0 : ev->elapsed_s;
	e->progress = ev->progress;
	e->vm = xstrdup(ev->vm);
	if (ev->kind == SNAPTEST_EV_DONE && ev->outcome)
		e->text = xasprintf("%s%s%s", ev->outcome->result, ev->text && *ev->text ? ": " : "",
				    ev->text ? ev->text : "");
	else
		e->text = xstrdup(ev->text ? ev->text : "");
	job_post_call(a->j, sev_apply, e, sev_free);
	size_t i = 0;
	while (i < a->n && !(a->facts[i].name && ev->vm && !strcmp(a->facts[i].name, ev->vm)))
		i++;
	if (ev->kind != SNAPTEST_EV_PROGRESS && ev->kind != SNAPTEST_EV_START && ev->kind != SNAPTEST_EV_DONE)
		return;
	int pr = ev->kind == SNAPTEST_EV_DONE ? 100 : ev->progress < 0 ? 0 : ev->progress;
	if (a->n == 1) {
		pthread_mutex_lock(&a->mu);
		job_progress(a->j, pr, 100, "%s", ev->kind == SNAPTEST_EV_DONE && ev->outcome ? ev->outcome->result
											   : ev->text ? ev->text : "");
		pthread_mutex_unlock(&a->mu);
	} else if (i < a->n && a->task_ids[i]) {
		bool done = ev->kind == SNAPTEST_EV_DONE;
		if (done) { /* the run's own row and the title move too */
			pthread_mutex_lock(&a->mu);
			a->n_done++;
			job_progress(a->j, (int)(a->n_done * 100 / a->n), 100, "%zu of %zu tests done", a->n_done, a->n);
			pthread_mutex_unlock(&a->mu);
		}
		bool ok = done && ev->outcome && snaptest_outcome_ok(ev->outcome);
		job_post_task(a->j, a->task_ids[i], done ? (ok ? TASK_DONE : TASK_FAILED) : TASK_RUNNING, pr, 100,
			      done && ev->outcome ? ev->outcome->result : ev->text,
			      done && !ok && ev->outcome ? ev->outcome->fault : NULL, done);
	}
}

typedef struct {
	unsigned gen;
	snaptest_outcome *outs;
	size_t n;
} outs_copy;

static void outs_free(void *d)
{
	outs_copy *c = d;
	for (size_t i = 0; i < c->n; i++)
		snaptest_outcome_done(&c->outs[i]);
	free(c->outs);
	free(c);
}

/* The test's result as the VM's last test: a failed test must not leave the VM green. */
static void apply_to_fleet(ui *u, unsigned vc, const snaptest_outcome *o, time_t now)
{
	if (!o->moref || !o->result || (strcmp(o->result, "success") && strcmp(o->result, "failed")))
		return;
	fleet_vm *vm = fleet_get_in(&u->fl, vc, o->moref);
	if (!vm)
		return;
	vm_last_test t;
	model_last_test_init(&t);
	t.id = o->history_id > 0 ? o->history_id : -1;
	t.at = now - (time_t)o->duration_s;
	t.ended_at = now;
	t.method = o->method;
	t.failed = !strcmp(o->result, "failed");
	t.predicted = o->predicted;
	t.achieved = o->achieved;
	t.fault = o->fault;
	t.compared = true; /* judged against the facts the test was predicted from */
	char *bad = NULL;
	for (size_t i = 0; i < o->n_writers_after && !bad; i++)
		if (o->writers_after[i].failed)
			bad = xasprintf("%s: %s", o->writers_after[i].name, o->writers_after[i].last_error);
	t.bad_writer = bad;
	char **names = o->manifest.n_writers ? xcalloc(o->manifest.n_writers, sizeof *names) : NULL;
	for (size_t i = 0; i < o->manifest.n_writers; i++)
		names[i] = o->manifest.writers[i].name;
	t.writers = names;
	t.n_writers = o->manifest.n_writers;
	fleet_apply_test(&u->fl, vm, &t, now); /* copies */
	free(names);
	free(bad);
}

static void outs_apply(ui *u, void *d)
{
	outs_copy *c = d;
	snap_view *p = priv(u);
	if (c->gen != p->gen || c->n != p->n) {
		outs_free(c);
		return;
	}
	p->outs = c->outs;
	c->outs = NULL;
	c->n = 0;
	p->ph = SP_DONE;
	p->ended = time(NULL);
	p->jump_result = true;
	size_t ok = 0;
	for (size_t i = 0; i < p->n; i++) {
		ok += snaptest_outcome_ok(&p->outs[i]);
		p->vms[i].done = true;
		apply_to_fleet(u, p->vc, &p->outs[i], p->ended);
	}
	if (p->n == 1) {
		const snaptest_outcome *o = &p->outs[0];
		ui_message(u, ok ? LOG_INFO : LOG_WARN, "test of %s: %s, achieved %s (predicted %s), snapshot removed: %s",
			   o->vm ? o->vm : p->vms[0].name, o->result ? o->result : "?",
			   o->achieved == LEVEL_NONE ? "unknown" : model_level_name(o->achieved),
			   model_level_name(o->predicted), o->snapshot_removed ? "yes" : "no");
	} else {
		ui_message(u, ok == p->n ? LOG_INFO : LOG_WARN, "tests done: %zu of %zu at their predicted level", ok, p->n);
	}
	outs_free(c);
}

static void snap_job(job *j, void *arg)
{
	snap_args *a = arg;
	a->j = j;
	char why[512] = "";
	/* Without history a crash could leave a snapshot nobody knows about: refuse. The engine
	 * records the tests as the CLI's do (core/engine). */
	engine_opts eo = { .db_path = a->db_path, .guest_user = a->guest_user,
			   .guest_password = a->guest_password, .stop = job_stop_flag(j) };
	engine *e = engine_open(&eo, why, sizeof why);
	if (e && engine_attach(e, job_session(j), a->vcenter, why, sizeof why) < 0) {
		engine_close(e);
		e = NULL;
	}
	if (!e) {
		job_fail(j, "the test needs the history (to record the snapshot before it exists): %s", why);
		outs_copy *c = xcalloc(1, sizeof *c);
		c->gen = a->gen;
		c->n = a->n;
		c->outs = xcalloc(a->n, sizeof *c->outs);
		for (size_t i = 0; i < a->n; i++) {
			snaptest_outcome_init(&c->outs[i]);
			c->outs[i].vm = xstrdup(a->facts[i].name);
			c->outs[i].result = xstrdup("error");
			c->outs[i].fault = xasprintf("the history cannot record the test: %s", why);
		}
		job_post_call(j, outs_apply, c, outs_free);
		return;
	}
	snaptest_env env = engine_snaptest_env(e);
	env.on_event = on_event;
	env.ctx = a;
	const vm_facts **fs = xcalloc(a->n, sizeof *fs);
	const verdict **vs = xcalloc(a->n, sizeof *vs);
	for (size_t i = 0; i < a->n; i++) {
		fs[i] = &a->facts[i];
		vs[i] = &a->verdicts[i];
	}
	outs_copy *c = xcalloc(1, sizeof *c);
	c->gen = a->gen;
	c->n = a->n;
	c->outs = xcalloc(a->n, sizeof *c->outs);
	job_progress(j, 0, 100, "starting");
	a->t0 = monoclock_now();
	engine_snaptest(e, &env, fs, vs, a->n, &a->spec, 0, c->outs);
	free(fs);
	free(vs);
	engine_close(e);
	strbuf sb;
	strbuf_init(&sb);
	size_t bad = 0;
	for (size_t i = 0; i < a->n; i++) {
		const snaptest_outcome *o = &c->outs[i];
		if (snaptest_outcome_ok(o))
			continue;
		bad++;
		if (sb.len < 600)
			strbuf_addf(&sb, "%s%s: %s%s%s", sb.len ? "; " : "", o->vm ? o->vm : a->facts[i].name,
				    o->result ? o->result : "?", o->fault ? ": " : "", o->fault ? o->fault : "");
	}
	job_post_call(j, outs_apply, c, outs_free);
	if (bad && !job_cancelled(j))
		job_fail(j, "%s", sb.buf);
	else if (!bad)
		job_progress(j, 100, 100, "%zu test%s at the predicted level", a->n, a->n == 1 ? "" : "s");
	strbuf_done(&sb);
}

static void start_test(ui *u, snap_view *p)
{
	if (!u->db_path) {
		ui_message(u, LOG_ERROR, "a test needs the history to record its snapshot: set --db or QUIESCENT_DB");
		return;
	}
	snap_args *a = snap_args_new(u, p->vc);
	a->facts = xcalloc(p->n, sizeof *a->facts);
	a->verdicts = xcalloc(p->n, sizeof *a->verdicts);
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++) {
		fleet_vm *vm = fleet_get_in(&u->fl, p->vc, p->vms[i].moref);
		if (!vm)
			continue;
		model_vm_facts_copy(&a->facts[n], &vm->f);
		model_verdict_copy(&a->verdicts[n], &vm->v);
		n++;
	}
	a->n = n;
	if (n != p->n) {
		snap_args_free(a);
		ui_message(u, LOG_ERROR, "a VM to test has left the inventory; choose again");
		p->ph = SP_EMPTY;
		return;
	}
	spec_of(p, &a->spec);
	char why[256];
	if (snaptest_spec_check(&a->spec, why, sizeof why) < 0) {
		snap_args_free(a);
		ui_message(u, LOG_ERROR, "%s", why);
		return;
	}
	p->gen++;
	a->gen = p->gen;
	a->task_ids = xcalloc(n + 1, sizeof *a->task_ids);
	for (size_t i = 0; i < n; i++) {
		p->vms[i].progress = 0;
		p->vms[i].done = false;
		if (n > 1)
			a->task_ids[i] = p->vms[i].task_id = ui_task_add(u, "snaptest", p->vms[i].name, TASK_QUEUED);
	}
	char title[64];
	snprintf(title, sizeof title, n == 1 ? "snaptest" : "snaptest of %zu VMs", n);
	int id = job_start_on(u, ui_vcenter_session(u, p->vc), title, n == 1 ? p->vms[0].name : NULL,
			      JOB_SOFT_CANCEL, snap_job, a, snap_args_free);
	if (id < 0)
		return;
	p->task_id = id;
	p->ph = SP_RUNNING;
	p->started = time(NULL);
	p->ended = 0;
	p->follow = true;
	ui_message(u, LOG_INFO, "test snapshot of %s started (Ctrl-C cancels it; the snapshot is still removed)",
		   n == 1 ? p->vms[0].name : "the marked VMs");
}

/* ---- orphans ---- */

typedef struct {
	unsigned vc;
	char *text;
} orph_copy;

static void orph_free(void *d)
{
	orph_copy *c = d;
	free(c->text);
	free(c);
}

static void orphans_drop_vc(snap_view *p, unsigned vc);
static void orphans_ask_next(ui *u, snap_view *p);

static void orph_apply(ui *u, void *d)
{
	orph_copy *c = d;
	snap_view *p = priv(u);
	char *text = u->n_more ? xasprintf("%s: %s", ui_vcenter_name(u, c->vc), c->text) : xstrdup(c->text);
	xstrset(&p->orphan_result, text);
	free(text);
	p->ph = p->after_orphans;
	orphans_drop_vc(p, c->vc);
	orph_free(c);
	orphans_ask_next(u, p); /* another vCenter's leftovers, when there are */
}

static void orphan_job(job *j, void *arg)
{
	snap_args *a = arg;
	char why[512] = "";
	engine_opts eo = { .db_path = a->db_path, .stop = job_stop_flag(j) };
	engine *e = engine_open(&eo, why, sizeof why);
	orph_copy *c = xcalloc(1, sizeof *c);
	c->vc = a->vc;
	vs_conn *conn = e ? job_conn(j) : NULL;
	if (!e || !conn) {
		c->text = xasprintf("the leftover test snapshots were not handled: %s", e ? "no connection" : why);
		if (!e)
			job_fail(j, "%s", c->text);
		job_post_call(j, orph_apply, c, orph_free);
		engine_close(e);
		return;
	}
	strbuf sb;
	strbuf_init(&sb);
	size_t bad = 0;
	for (size_t i = 0; i < a->n_refs; i++) {
		job_progress(j, (int)i, (int)a->n_refs, "%s %s", a->remove ? "removing" : "recording", a->refs[i].snapshot_name);
		bool found = false;
		char note[512];
		int rc = engine_cleanup_orphan(e, conn, &a->refs[i], a->remove, &found, note, sizeof note);
		bad += rc < 0;
		job_log(j, rc < 0 ? LOG_ERROR : LOG_INFO, "%s", note);
		strbuf_addf(&sb, "%s%s", sb.len ? " " : "", note);
	}
	c->text = strbuf_detach(&sb, NULL);
	if (bad)
		job_fail(j, "%zu of %zu leftover test snapshots could not be handled", bad, a->n_refs);
	else
		job_progress(j, (int)a->n_refs, (int)a->n_refs, "%zu handled", a->n_refs);
	job_post_call(j, orph_apply, c, orph_free);
	engine_close(e);
}

/* Forgets vCenter vc's leftovers (handled, or left for the next start). */
static void orphans_drop_vc(snap_view *p, unsigned vc)
{
	size_t k = 0;
	for (size_t i = 0; i < p->n_orphans; i++) {
		if (p->orphan_vcs[i] == vc)
			continue;
		p->orphans[k] = p->orphans[i];
		p->orphan_vcs[k++] = p->orphan_vcs[i];
	}
	p->n_orphans = k;
}

/* Those of orphan_vcs[0]'s vCenter: how many, and the first of them at out (at most max). */
static size_t orphans_of_first(const snap_view *p, const store_snaptest_ref **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_orphans; i++)
		if (p->orphan_vcs[i] == p->orphan_vcs[0]) {
			if (out && n < max)
				out[n] = &p->orphans[i];
			n++;
		}
	return n;
}

/* Asks about the next vCenter's leftovers unless a test or a clean-up runs (its end asks). */
static void orphans_ask_next(ui *u, snap_view *p)
{
	if (!p->n_orphans || busy(p) || p->ph == SP_ORPHANS)
		return;
	p->after_orphans = p->ph;
	p->ph = SP_ORPHANS;
	ui_push(u, u->v_snaptest);
}

static void handle_orphans(ui *u, snap_view *p, bool remove)
{
	unsigned vc = p->orphan_vcs[0];
	snap_args *a = snap_args_new(u, vc); /* recorded under its vCenter, removed on its session */
	a->vc = vc;
	a->refs = xcalloc(p->n_orphans, sizeof *a->refs);
	for (size_t i = 0; i < p->n_orphans; i++)
		if (p->orphan_vcs[i] == vc)
			a->refs[a->n_refs++] = p->orphans[i];
	a->remove = remove;
	char title[300];
	snprintf(title, sizeof title, "%s leftover test snapshots%s%s", remove ? "remove" : "record",
		 u->n_more ? " on " : "", u->n_more ? ui_vcenter_name(u, vc) : "");
	int id = job_start_on(u, ui_vcenter_session(u, vc), title, NULL, JOB_SOFT_CANCEL, orphan_job, a,
			      snap_args_free);
	if (id < 0)
		return;
	p->task_id = id;
	p->ph = SP_CLEANING;
}

void snaptest_view_forget_orphans(ui *u, unsigned vc)
{
	snap_view *p = priv(u);
	if (p->ph == SP_CLEANING && p->n_orphans && p->orphan_vcs[0] == vc)
		return; /* their clean-up runs: its end drops them */
	if (p->ph == SP_ORPHANS && p->n_orphans && p->orphan_vcs[0] == vc)
		p->ph = p->after_orphans;
	orphans_drop_vc(p, vc);
	orphans_ask_next(u, p); /* another vCenter's, when there are */
}

void snaptest_view_offer_orphans(ui *u, unsigned vc, const store_snaptest_ref *refs, size_t n)
{
	snap_view *p = priv(u);
	if (!n)
		return;
	if (u->readonly || p->ph == SP_RUNNING) {
		ui_message(u, LOG_WARN, "%zu test snapshot%s from an interrupted run on %s may still exist (%s); %s", n,
			   n == 1 ? "" : "s", ui_vcenter_name(u, vc), refs[0].snapshot_name,
			   u->readonly ? "start without --readonly to remove them" : "the next start asks again");
		return;
	}
	orphans_drop_vc(p, vc); /* found again: this list is the newer */
	p->orphans = xrealloc(p->orphans, (p->n_orphans + n) * sizeof *p->orphans);
	p->orphan_vcs = xrealloc(p->orphan_vcs, (p->n_orphans + n) * sizeof *p->orphan_vcs);
	for (size_t i = 0; i < n; i++) {
		p->orphans[p->n_orphans] = refs[i];
		p->orphan_vcs[p->n_orphans++] = vc;
	}
	orphans_ask_next(u, p);
}

/* ---- drawing ---- */

static const char *level_text(quiesce_level l)
{
	return l == LEVEL_NONE ? "unknown" : model_level_name(l);
}

static void add_outcome(vlines *L, const snaptest_outcome *o, const char *name, int w)
{
	bool ok = snaptest_outcome_ok(o);
	vlines_add(L, ok ? TE_READY : TE_MANUAL, "%s: %s%s%s in %.1f s", o->vm ? o->vm : name, o->result ? o->result : "?",
		   o->method ? " with " : "", o->method ? o->method : "", o->duration_s);
	if (!o->explanation || strncmp(o->explanation, "predicted", 9))
		vlines_add(L, o->achieved == o->predicted ? TE_NORMAL : TE_SEV_WARN, "  predicted %s, achieved %s",
			   level_text(o->predicted), level_text(o->achieved));
	if (o->fault) {
		char *f = xasprintf("fault: %s%s%s", o->fault_type ? o->fault_type : "", o->fault_type ? ": " : "", o->fault);
		vlines_wrap(L, TE_MSG_ERROR, 2, 4, w, f);
		free(f);
	}
	/* a refused test's explanation is its fault again: said once (trial 22) */
	if (o->explanation && !(o->fault && (strstr(o->explanation, o->fault) || strstr(o->fault, o->explanation))))
		vlines_wrap(L, o->achieved == o->predicted ? TE_NORMAL : TE_SEV_WARN, 2, 2, w, o->explanation);
	/* the writer column as wide as the longest name ("Shadow Copy Optimization Writer") */
	int ww = 28;
	if (o->has_manifest)
		for (size_t i = 0; i < o->manifest.n_writers; i++)
			if (o->manifest.writers[i].name && draw_width(o->manifest.writers[i].name) > ww)
				ww = draw_width(o->manifest.writers[i].name);
	for (size_t i = 0; i < o->n_writers_after; i++)
		if (o->writers_after[i].name && draw_width(o->writers_after[i].name) > ww)
			ww = draw_width(o->writers_after[i].name);
	if (ww > 40)
		ww = 40;
	if (o->has_manifest) {
		const snaptest_manifest *m = &o->manifest;
		vlines_add(L, TE_NORMAL, "  manifest %s (%s backup, %zu writer%s)", o->manifest_file ? o->manifest_file : "?",
			   m->backup_type ? m->backup_type : "?", m->n_writers, m->n_writers == 1 ? "" : "s");
		if (m->n_writers) /* no header over an empty table */
			vlines_add(L, TE_HEADER, "  %-*s %-22s %-14s %s", ww, "WRITER", "USAGE", "DATA SOURCE", "COMPONENTS");
		for (size_t i = 0; i < m->n_writers; i++) {
			const snaptest_writer *wr = &m->writers[i];
			strbuf sb;
			strbuf_init(&sb);
			for (size_t k = 0; k < wr->n_components; k++)
				strbuf_addf(&sb, "%s%s", k ? ", " : "", wr->components[k].name ? wr->components[k].name : "?");
			vlines_add(L, TE_NORMAL, "  %-*s %-22s %-14s %s", ww, wr->name && *wr->name ? wr->name : "?",
				   wr->usage ? wr->usage : "-", wr->data_source ? wr->data_source : "-",
				   sb.len ? sb.buf : "-");
			strbuf_done(&sb);
		}
	} else if (o->method) {
		vlines_add(L, TE_DIM, "  no VSS manifest: %s", o->achieved == LEVEL_CRASH ? "crash-consistent only" : "none found");
	}
	if (o->n_writers_after) {
		vlines_add(L, TE_HEADER, "  %-*s %-24s %s", ww, "WRITERS AFTER THE TEST", "STATE", "LAST ERROR");
		for (size_t i = 0; i < o->n_writers_after; i++) {
			const snaptest_writer_state *ws = &o->writers_after[i];
			vlines_add(L, ws->failed ? TE_MSG_ERROR : TE_NORMAL, "  %-*s %-24s %s", ww, ws->name ? ws->name : "?",
				   ws->state ? ws->state : "?", ws->last_error ? ws->last_error : "");
		}
	} else if (o->writers_after_error && o->method) {
		char *t = xasprintf("writers after the test: %s", o->writers_after_error);
		vlines_wrap(L, TE_DIM, 2, 4, w, t);
		free(t);
	}
	if (o->method || o->snapshot_name)
		vlines_add(L, o->snapshot_removed || o->kept || !o->snapshot_moref ? TE_NORMAL : TE_MSG_ERROR,
			   "  test snapshot %s: snapshot removed: %s", o->snapshot_name ? o->snapshot_name : "?",
			   o->snapshot_removed ? "yes" : o->kept ? "no (kept on purpose)"
			   : o->snapshot_moref ? "NO" : "no (never created)");
	vlines_add(L, TE_NORMAL, " ");
}

static void build_lines(snap_view *p, ui *u, int w)
{
	vlines *L = &p->lines;
	vlines_clear(L);
	if (p->ph == SP_OPTIONS) {
		snaptest_spec s;
		spec_of(p, &s);
		if (p->n == 1)
			vlines_add(L, TE_SECTION, "Quiesced test snapshot of %s (predicted %s)", p->vms[0].name,
				   level_text(p->vms[0].predicted));
		else
			vlines_add(L, TE_SECTION, "Quiesced test snapshots of %zu VMs (one at a time per host)", p->n);
		vlines_add(L, TE_NORMAL, " ");
		vlines_add(L, TE_NORMAL, "  [c]    VSS context    %-18s (auto, backup, file_share_backup)", ctx_short(s.context));
		vlines_add(L, TE_NORMAL, "  [b]    backup type    %-18s (copy, full, incremental, differential, log)",
			   snaptest_backup_type_name(s.backup_type));
		char tbuf[32];
		snprintf(tbuf, sizeof tbuf, "%d minutes", s.timeout_min);
		vlines_add(L, TE_NORMAL, "  [+/-]  timeout        %-18s (%d..%d)", tbuf, SNAPTEST_TIMEOUT_MIN,
			   SNAPTEST_TIMEOUT_MAX);
		vlines_add(L, TE_NORMAL, "  [k]    keep           %s", s.keep ? "yes: the test snapshot is kept on purpose"
									   : "no: the test snapshot is removed afterwards");
		vlines_add(L, TE_NORMAL, " ");
		const char *warn = snaptest_backup_type_warning(s.backup_type);
		if (warn) {
			char *x = xasprintf("Warning: backup type %s: %s", snaptest_backup_type_name(s.backup_type), warn);
			vlines_wrap(L, TE_MSG_WARN, 2, 2, w, x);
			free(x);
			vlines_add(L, TE_NORMAL, " ");
		}
		vlines_wrap(L, TE_DIM, 2, 2, w, "Memory is never included. The VM is stunned briefly while the snapshot is "
			    "taken and again when it is removed.");
		vlines_add(L, TE_NORMAL, " ");
		char keys[120];
		ui_hints(u, KMV_SNAPTEST, keys, sizeof keys, ACTION_APPLY, "start the test", ACTION_BACK, "cancel",
			 ACTION_NONE);
		vlines_add(L, TE_KEY, "  %s", keys);
		return;
	}
	if (p->ph == SP_EMPTY && !p->n) {
		vlines_add(L, TE_DIM, "  No test yet: t on a VM (or on marked VMs), or :snaptest VM.");
		if (p->orphan_result)
			vlines_wrap(L, TE_NORMAL, 2, 2, w, p->orphan_result);
		return;
	}
	if (p->n_ev)
		vlines_add(L, TE_SECTION, "Events");
	for (size_t i = 0; i < p->n_ev; i++) {
		const evline *e = &p->ev[i];
		int s = (int)e->elapsed;
		char pre[128];
		snprintf(pre, sizeof pre, "%3d:%02d.%d %s%s", s / 60, s % 60, (int)((e->elapsed - s) * 10),
			 p->n > 1 ? e->vm : "", p->n > 1 ? " " : "");
		const char *kind = e->kind == SNAPTEST_EV_EVENT ? "event: " : e->kind == SNAPTEST_EV_WARN ? "warning: "
				 : e->kind == SNAPTEST_EV_DONE ? "done: " : "";
		char *line = xasprintf("%s %s%s", pre, kind, e->text ? e->text : "");
		term_elem el = e->kind == SNAPTEST_EV_WARN ? TE_MSG_WARN : e->kind == SNAPTEST_EV_EVENT ? TE_NORMAL
			     : e->kind == SNAPTEST_EV_DONE ? TE_SECTION : TE_DIM;
		vlines_wrap(L, el, 0, 11, w, line);
		free(line);
	}
	if (p->ph == SP_DONE && p->outs) {
		vlines_add(L, TE_NORMAL, " ");
		vlines_add(L, TE_SECTION, "Result");
		if (p->n > 1) { /* the answer first, the details after */
			size_t ok = 0;
			for (size_t i = 0; i < p->n; i++)
				ok += snaptest_outcome_ok(&p->outs[i]);
			vlines_add(L, ok == p->n ? TE_READY : TE_MANUAL, "%zu of %zu VMs reached the predicted level%s",
				   ok, p->n, ok == p->n ? "" : ": the others are below");
		}
		for (size_t i = 0; i < p->n; i++)
			add_outcome(L, &p->outs[i], p->vms[i].name, w);
	}
	if (p->orphan_result) {
		vlines_add(L, TE_NORMAL, " ");
		vlines_wrap(L, TE_DIM, 2, 2, w, p->orphan_result);
	}
}

static int header_rows(const snap_view *p)
{
	if (p->ph == SP_OPTIONS || !p->n)
		return 0;
	return 2 + (int)(p->n < MAX_BARS ? p->n : MAX_BARS);
}

static void draw_header(snap_view *p, ui *u, int y, int w)
{
	snaptest_spec s;
	spec_of(p, &s);
	draw_fill(y, 0, w, A_NORMAL);
	char buf[512];
	long secs = p->started ? (long)((p->ended ? p->ended : time(NULL)) - p->started) : 0;
	const ui_task *t = ui_task_get(u, p->task_id);
	bool stopping = p->ph == SP_RUNNING && t && t->job && *job_stop_flag(t->job);
	snprintf(buf, sizeof buf, "Test snapshot: context %s, backup type %s, timeout %d min, %s  %s %ld:%02ld%s",
		 ctx_short(s.context), snaptest_backup_type_name(s.backup_type), s.timeout_min,
		 s.keep ? "kept" : "removed after", p->ph == SP_RUNNING ? "running" : p->ph == SP_DONE ? "done" : "",
		 secs / 60, secs % 60, stopping ? "  CANCELLING (cleanup still runs)" : "");
	draw_str(y, 0, w, buf, term_attr(stopping ? TE_MSG_WARN : TE_SECTION));
	int bar_w = w >= 120 ? 30 : 20;
	for (size_t i = 0; i < p->n && (int)i < MAX_BARS; i++) {
		const tvm *v = &p->vms[i];
		int row = y + 1 + (int)i;
		draw_fill(row, 0, w, A_NORMAL);
		int x = draw_text(row, 0, 18, v->name, A_BOLD, ALIGN_LEFT) + 1;
		draw_str(row, x, 1, "[", A_NORMAL);
		draw_bar(row, x + 1, bar_w, v->progress, 100, term_attr(TE_BAR_DONE), term_attr(TE_BAR_TODO));
		x += bar_w + 1;
		int vs = (int)v->elapsed;
		const snaptest_outcome *o = p->outs && i < p->n ? &p->outs[i] : NULL;
		snprintf(buf, sizeof buf, "] %3d%% %2d:%02d  %s", v->progress, vs / 60, vs % 60,
			 o ? (o->result ? o->result : "?") : v->now ? v->now : (p->ph == SP_RUNNING ? "waiting" : ""));
		draw_str(row, x, w - x, buf, o ? term_attr(snaptest_outcome_ok(o) ? TE_READY : TE_MANUAL) : A_NORMAL);
	}
	if (p->n > MAX_BARS) {
		size_t done = 0;
		for (size_t i = 0; i < p->n; i++)
			done += p->vms[i].done;
		snprintf(buf, sizeof buf, "... and %zu more (%zu of %zu done; Tasks view: 2)", p->n - MAX_BARS, done, p->n);
		draw_fill(y + 1 + MAX_BARS, 0, w, A_NORMAL);
		draw_str(y + 1 + MAX_BARS - 1, w / 2, w / 2, buf, term_attr(TE_DIM));
	}
	draw_fill(y + header_rows(p) - 1, 0, w, A_NORMAL);
}

static void snap_draw(view *v, ui *u, int y, int h, int w)
{
	snap_view *p = v->priv;
	build_lines(p, u, w - 1);
	int hr = header_rows(p);
	if (hr >= h)
		hr = 0;
	if (hr)
		draw_header(p, u, y, w);
	int body = h - hr;
	v->list.no_cursor = true;
	v->list.height = body > 0 ? body : 1;
	size_t prev_n = v->list.n;
	bool at_end = v->list.top + (size_t)v->list.height >= prev_n;
	listw_set_count(&v->list, p->lines.n);
	if (p->follow && at_end && p->lines.n > (size_t)v->list.height)
		listw_set(&v->list, p->lines.n - (size_t)v->list.height);
	if (p->jump_result) {
		p->jump_result = false;
		for (size_t i = 0; i < p->lines.n; i++)
			if (!strcmp(p->lines.v[i].text, "Result")) {
				listw_set(&v->list, i);
				break;
			}
	}
	vlines_draw(&p->lines, v->list.top, y + hr, body, w);
	if (p->ph == SP_ORPHANS) {
		strbuf sb;
		strbuf_init(&sb);
		const store_snaptest_ref *shown[4];
		size_t n = orphans_of_first(p, shown, 4);
		unsigned vc = p->orphan_vcs[0];
		strbuf_addf(&sb, "An interrupted run on %s left %zu test snapshot%s behind: ", ui_vcenter_name(u, vc), n,
			    n == 1 ? "" : "s");
		for (size_t i = 0; i < n && i < 4; i++) {
			/* The name now, else the one the test began with: the scan may not have read it yet. */
			fleet_vm *vm = fleet_get_in(&u->fl, vc, shown[i]->moref);
			const char *name = vm && vm->f.name ? vm->f.name
					   : shown[i]->vm_name[0] ? shown[i]->vm_name : shown[i]->moref;
			strbuf_addf(&sb, "%s%s on %s", i ? ", " : "", shown[i]->snapshot_name, name);
		}
		if (n > 4)
			strbuf_addf(&sb, " and %zu more", n - 4);
		strbuf_adds(&sb, n == 1 ? ". Remove it now?" : ". Remove them now?");
		char keys[120];
		vlines_dialog(y, h, w, "Leftover test snapshots", sb.buf,
			      ui_hints(u, KMV_SNAPTEST, keys, sizeof keys, ACTION_YES, "remove", ACTION_NO,
				       "leave them", ACTION_BACK, "ask later", ACTION_NONE));
		strbuf_done(&sb);
	}
}

/* ---- keys ---- */

static unsigned snap_request(view *v, ui *u, action a)
{
	snap_view *p = v->priv;
	if (p->ph == SP_ORPHANS) {
		switch (a) {
		case ACTION_YES:
		case ACTION_NO:
			handle_orphans(u, p, a == ACTION_YES);
			return VR_REDRAW;
		case ACTION_BACK:
		case ACTION_QUIT:
			p->ph = p->after_orphans;
			ui_message(u, LOG_INFO, "the leftover test snapshots on %s were left as they are; the next start "
				   "asks again", ui_vcenter_name(u, p->orphan_vcs[0]));
			orphans_drop_vc(p, p->orphan_vcs[0]);
			ui_pop(u);
			orphans_ask_next(u, p);
			return VR_REDRAW;
		case ACTION_HELP:
		case ACTION_REDRAW:
			return VR_UNHANDLED;
		default:
			ui_message(u, LOG_INFO, "answer the question: y, n or Esc");
			return VR_REDRAW;
		}
	}
	if (listw_request(&v->list, a)) {
		p->follow = v->list.top + (size_t)v->list.height >= v->list.n;
		return VR_REDRAW;
	}
	bool opt = p->ph == SP_OPTIONS;
	switch (a) {
	case ACTION_CANCEL: {
		const ui_task *t = busy(p) ? ui_task_get(u, p->task_id) : NULL;
		if (!t || !t->job)
			return VR_UNHANDLED;
		job_cancel(u, t->job);
		ui_message(u, LOG_WARN, "cancelling the test: the snapshot task is cancelled and the test snapshot removed");
		return VR_REDRAW;
	}
	case ACTION_BACK:
		if (opt) {
			p->ph = SP_EMPTY;
			clear_run(p);
			ui_message(u, LOG_INFO, "no test taken");
		}
		return VR_UNHANDLED;
	case ACTION_APPLY:
	case ACTION_OPEN:
		if (opt)
			start_test(u, p);
		return VR_REDRAW;
	case ACTION_OPT_CONTEXT:
	case ACTION_OPT_BACKUP_TYPE:
	case ACTION_OPT_MORE:
	case ACTION_OPT_LESS:
	case ACTION_OPT_KEEP:
		if (!opt) {
			ui_message(u, LOG_INFO, "options are set before a test (t on a VM)");
			return VR_REDRAW;
		}
		if (a == ACTION_OPT_CONTEXT)
			p->ctx_idx = (p->ctx_idx + 1) % 3;
		else if (a == ACTION_OPT_BACKUP_TYPE) {
			p->bt_idx = (p->bt_idx + 1) % 5;
			const char *warn = snaptest_backup_type_warning(backup_types[p->bt_idx]);
			if (warn)
				ui_message(u, LOG_WARN, "backup type %s: %s", snaptest_backup_type_name(backup_types[p->bt_idx]), warn);
		} else if (a == ACTION_OPT_KEEP)
			p->keep = !p->keep;
		else {
			int t = p->timeout_min + (a == ACTION_OPT_MORE ? 5 : -5);
			p->timeout_min = t < SNAPTEST_TIMEOUT_MIN ? SNAPTEST_TIMEOUT_MIN : t > SNAPTEST_TIMEOUT_MAX
				       ? SNAPTEST_TIMEOUT_MAX : t;
		}
		return VR_REDRAW;
	case ACTION_YES:
	case ACTION_NO:
		return VR_NONE;
	default:
		return VR_UNHANDLED;
	}
}

static void snap_status(view *v, ui *u, char *buf, size_t n)
{
	snap_view *p = v->priv;
	char what[160];
	switch (p->ph) {
	case SP_OPTIONS:
		if (u->readonly) {
			snprintf(what, sizeof what, "read-only: shown, never run");
			break;
		}
		ui_hints(u, KMV_SNAPTEST, what, sizeof what, ACTION_APPLY, "start", ACTION_OPT_CONTEXT, "context",
			 ACTION_OPT_BACKUP_TYPE, "type", ACTION_OPT_MORE, "longer", ACTION_OPT_KEEP, "keep", ACTION_NONE);
		break;
	case SP_RUNNING:
		snprintf(what, sizeof what, "running  ");
		ui_hints(u, KMV_SNAPTEST, what + 9, sizeof what - 9, ACTION_CANCEL, "cancel", ACTION_NONE);
		break;
	case SP_ORPHANS:
		ui_hints(u, KMV_SNAPTEST, what, sizeof what, ACTION_YES, "remove", ACTION_NO, "leave",
			 ACTION_BACK, "ask later", ACTION_NONE);
		break;
	default:
		snprintf(what, sizeof what, "%s", p->ph == SP_EMPTY ? "no test" : p->ph == SP_DONE ? "done" : "cleaning up");
		break;
	}
	snprintf(buf, n, "%s  line %zu/%zu", what, p->lines.n ? v->list.top + 1 : 0, p->lines.n);
}

static void snap_free(view *v)
{
	snap_view *p = v->priv;
	clear_run(p);
	free(p->ev);
	free(p->orphans);
	free(p->orphan_vcs);
	free(p->orphan_result);
	vlines_free(&p->lines);
	free(p);
}

static const view_ops snap_ops = {
	.name = "snaptest",
	.keys = KMV_SNAPTEST,
	.draw = snap_draw,
	.request = snap_request,
	.status = snap_status,
	.free = snap_free,
};

view *snaptest_view_new(void)
{
	snap_view *p = xcalloc(1, sizeof *p);
	p->timeout_min = SNAPTEST_TIMEOUT_DEFAULT;
	return view_new(&snap_ops, "Test snapshot", p);
}
