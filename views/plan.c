/* The fix plan: the marked VMs' (or the cursor VM's) ordered steps, expected downtime, what
 * will not be fixed and what a person must do; options changed on the screen re-plan at once;
 * `a` asks (an explicit `y` runs it), then fix_execute runs on a job and every fix_event
 * comes back here and to the Tasks view (a row per VM). Ctrl-C: first no new VM starts,
 * second the VMs in flight skip their remaining steps and only restore power. At the end a
 * summary per VM and a re-scan of those VMs (their rows update).
 *
 * Also the start-up question: a fix a killed quiescent left unfinished is offered for
 * recovery (power its VMs back on, verify), as `quiescent fix --recover` does, for every
 * vCenter once it has logged in: one question per vCenter, the recovery on its session. */
#include "engine/engine.h"
#include "frontend/conn.h"
#include "fix/fix_exec.h"
#include "fix/fix_plan.h"
#include "scan/scan.h"
#include "store/store.h"
#include "tui/draw.h"
#include "tui/jobs.h"
#include "tui/term.h"
#include "tui/vcenters.h"
#include "util/secret.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "views/lines.h"
#include "views/view.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_MAX 16
#define ORPHANS_MAX 64

typedef enum {
	PH_EMPTY,        /* nothing planned yet */
	PH_REVIEW,       /* the plan, options changeable */
	PH_CONFIRM,      /* the question before running */
	PH_RUNNING,
	PH_DONE,
	PH_RECOVER_ASK,  /* start-up: finish an interrupted fix? */
	PH_RECOVERING,
} phase;

typedef struct {
	char mark;       /* ' ' planned, '>' running, 'x' done, '!' failed, '-' skipped, '<' rolled back */
	int progress;    /* -1 unknown */
	char *message;
} step_st;

typedef struct {
	int task_id;     /* its Tasks-view row, 0 none */
	bool begun, ended;
	step_st *steps;
	fix_outcome outcome;
	char *message;
} vm_st;

/* The interrupted fixes the start-up check found on one vCenter's journal. */
typedef struct {
	unsigned vc;
	int64_t ids[REC_MAX];
	int n;
	char *vms;               /* the VMs of its plans, named in the question */
	bool asked;              /* declined once: offered again by f on its VMs */
} rec_found;

typedef struct {
	phase ph;
	char **morefs;           /* the VMs asked for, all of vCenter vc */
	unsigned vc;             /* the fix runs on its session, journaled under its key */
	size_t n_morefs;
	fix_plan_opts opts;
	int concurrency;
	fix_plan plan;
	vm_st *st;               /* parallel to plan.vms */
	unsigned gen;            /* run generation: events of an older run are dropped */
	int task_id;             /* the fix job's row */
	time_t started, ended;
	fix_summary sum;
	bool have_sum;
	bool rescanned;
	/* recovery: rec[0] is the one asked about or recovering */
	rec_found *rec;
	size_t n_rec;
	char *rec_result;
	vlines lines;
	int width;
} plan_view;

static plan_view *priv(ui *u)
{
	return u->v_fix->priv;
}

/* ---- building the plan ---- */

static void st_free(plan_view *p)
{
	for (size_t i = 0; p->st && i < p->plan.n_vms; i++) {
		for (size_t k = 0; k < p->plan.vms[i].n_steps; k++)
			free(p->st[i].steps[k].message);
		free(p->st[i].steps);
		free(p->st[i].message);
	}
	free(p->st);
	p->st = NULL;
}

static void replan(plan_view *p, ui *u)
{
	st_free(p);
	fix_plan_done(&p->plan);
	fix_plan_init(&p->plan);
	vm_facts *fa = xcalloc(p->n_morefs + 1, sizeof *fa);
	verdict *va = xcalloc(p->n_morefs + 1, sizeof *va);
	size_t n = 0;
	for (size_t i = 0; i < p->n_morefs; i++) {
		fleet_vm *vm = fleet_get_in(&u->fl, p->vc, p->morefs[i]);
		if (!vm)
			continue; /* gone from the inventory */
		fa[n] = vm->f;    /* shallow: fix_plan_build copies what it keeps */
		va[n] = vm->v;
		n++;
	}
	p->opts.have_guest_creds = u->conn->guest_user && u->conn->guest_password;
	fix_plan_build(fa, va, n, &p->opts, &p->plan);
	free(fa);
	free(va);
	p->st = xcalloc(p->plan.n_vms + 1, sizeof *p->st);
	for (size_t i = 0; i < p->plan.n_vms; i++) {
		p->st[i].steps = xcalloc(p->plan.vms[i].n_steps + 1, sizeof *p->st[i].steps);
		for (size_t k = 0; k < p->plan.vms[i].n_steps; k++) {
			p->st[i].steps[k].mark = ' ';
			p->st[i].steps[k].progress = -1;
		}
	}
	if (p->have_sum) {
		fix_summary_done(&p->sum);
		p->have_sum = false;
	}
	p->rescanned = false;
	p->gen++; /* whatever an earlier run still posts is about another plan */
	u->v_fix->list.top = 0;
}

static bool running(const plan_view *p)
{
	return p->ph == PH_RUNNING || p->ph == PH_RECOVERING;
}

/* ---- the interrupted fixes found at start-up, one entry per vCenter ---- */

static int rec_index(const plan_view *p, unsigned vc)
{
	for (size_t i = 0; i < p->n_rec; i++)
		if (p->rec[i].vc == vc)
			return (int)i;
	return -1;
}

static void rec_drop(plan_view *p, size_t i)
{
	free(p->rec[i].vms);
	memmove(&p->rec[i], &p->rec[i + 1], (p->n_rec - i - 1) * sizeof *p->rec);
	p->n_rec--;
}

/* Asks about entry i (moved to the front: the question and the recovery read rec[0]). */
static void rec_ask(ui *u, plan_view *p, size_t i)
{
	if (i) {
		rec_found r = p->rec[i];
		memmove(&p->rec[1], &p->rec[0], i * sizeof *p->rec);
		p->rec[0] = r;
	}
	p->ph = PH_RECOVER_ASK;
	ui_push(u, u->v_fix);
}

/* The next vCenter's interrupted fix not asked about yet, unless the screen is busy with a
 * question or a run (then f offers it). */
static void rec_ask_next(ui *u, plan_view *p)
{
	if (u->readonly || running(p) || p->ph == PH_CONFIRM || p->ph == PH_RECOVER_ASK)
		return;
	for (size_t i = 0; i < p->n_rec; i++)
		if (!p->rec[i].asked) {
			rec_ask(u, p, i);
			return;
		}
}

void plan_view_show(ui *u)
{
	plan_view *p = priv(u);
	if (running(p) || p->ph == PH_CONFIRM || p->ph == PH_RECOVER_ASK) {
		ui_push(u, u->v_fix);
		return;
	}
	size_t n = 0;
	fleet_vm **pick = xcalloc(u->fl.n + 1, sizeof *pick);
	for (size_t i = 0; i < u->fl.n; i++)
		if (u->fl.vms[i]->marked)
			pick[n++] = u->fl.vms[i];
	if (!n) {
		fleet_vm *vm = vms_view_current(u->v_vms, u);
		if (vm)
			pick[n++] = vm;
	}
	unsigned vc = 0;
	if (!n && p->n_rec) { /* nothing chosen: the interrupted fix is what there is to do */
		free(pick);
		rec_ask(u, p, 0);
		return;
	}
	if (!ui_vms_actionable(u, pick, n, "fix", &vc)) {
		free(pick);
		return;
	}
	int r = rec_index(p, vc);
	if (r >= 0) { /* as the CLI: an interrupted fix is finished before a new one on its vCenter */
		free(pick);
		rec_ask(u, p, (size_t)r);
		return;
	}
	char **morefs = xcalloc(n + 1, sizeof *morefs);
	for (size_t i = 0; i < n; i++)
		morefs[i] = xstrdup(pick[i]->f.moref);
	free(pick);
	if (!n) {
		free(morefs);
		ui_message(u, LOG_INFO, "no VM to fix: mark VMs (Space) or put the cursor on one");
		return;
	}
	for (size_t i = 0; i < p->n_morefs; i++)
		free(p->morefs[i]);
	free(p->morefs);
	p->morefs = morefs;
	p->n_morefs = n;
	p->vc = vc;
	replan(p, u);
	p->ph = PH_REVIEW;
	free(p->rec_result); /* a recovery's result is not this plan's */
	p->rec_result = NULL;
	ui_push(u, u->v_fix);
	size_t with = fix_plan_vms_with_steps(&p->plan);
	ui_message(u, LOG_INFO, "plan for %zu VM%s: %zu with steps; a runs it (asks first)", n, n == 1 ? "" : "s",
		   with);
}

/* ---- the job ---- */

typedef struct {
	const fix_plan *plan;    /* the view's: never changed while the job runs */
	unsigned gen;
	int *task_ids;           /* per plan VM, 0: none */
	bool *ended;
	size_t n;
	unsigned vc;             /* which vCenter (ui.more; 0: the first) */
	char *db_path, *vcenter, *server, *guest_user, *guest_password;
	bool probe;
	int concurrency;
	int64_t scan_id;         /* the scan the plan comes from (history), 0 none */
	pthread_mutex_t mu;
	job *j;
	int vms_total, vms_done;
	int64_t rec_ids[REC_MAX];  /* recovery job */
	int n_rec;
} fix_args;

static void fix_args_free(void *arg)
{
	fix_args *a = arg;
	free(a->task_ids);
	free(a->ended);
	free(a->db_path);
	free(a->vcenter);
	free(a->server);
	free(a->guest_user);
	secret_free(a->guest_password);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* What a job of vCenter vc needs: its key for the journal and history, its --server for the
 * re-scan. */
static fix_args *fix_args_new(ui *u, unsigned vc)
{
	fix_args *a = xcalloc(1, sizeof *a);
	pthread_mutex_init(&a->mu, NULL);
	a->vc = vc;
	a->db_path = xstrdup(u->db_path);
	a->vcenter = xstrdup(vc ? ui_vcenter_name(u, vc) : u->server);
	a->scan_id = vc ? 0 : u->fl.scan_id; /* scans of the others are not linked to fixes */
	a->server = xstrdup(ui_vcenter_url(u, vc));
	a->guest_user = xstrdup(u->conn->guest_user);
	a->guest_password = u->conn->guest_password ? secret_dup(u->conn->guest_password) : NULL;
	a->probe = u->probe && a->guest_user && a->guest_password;
	return a;
}

typedef struct {
	unsigned gen;
	fix_event_kind kind;
	size_t vm, step;
	int progress;
	store_step_state state;
	fix_outcome outcome;
	char *message;
} ev_copy;

static void ev_free(void *d)
{
	ev_copy *e = d;
	free(e->message);
	free(e);
}

static char step_mark(store_step_state s)
{
	switch (s) {
	case STORE_STEP_DONE: return 'x';
	case STORE_STEP_FAILED: return '!';
	case STORE_STEP_SKIPPED: return '-';
	case STORE_STEP_ROLLED_BACK: return '<';
	default: return '>';
	}
}

/* UI thread: one fix_event into the view's live status. */
static void ev_apply(ui *u, void *d)
{
	ev_copy *e = d;
	plan_view *p = priv(u);
	if (e->gen != p->gen || e->vm >= p->plan.n_vms || !p->st) {
		ev_free(e);
		return;
	}
	vm_st *s = &p->st[e->vm];
	const fix_vm_plan *vp = &p->plan.vms[e->vm];
	switch (e->kind) {
	case FIX_EV_VM_BEGIN:
		s->begun = true;
		break;
	case FIX_EV_STEP_BEGIN:
	case FIX_EV_STEP_PROGRESS:
		if (e->step < vp->n_steps) {
			s->steps[e->step].mark = '>';
			s->steps[e->step].progress = e->progress;
		}
		break;
	case FIX_EV_STEP_END:
		if (e->step < vp->n_steps) {
			s->steps[e->step].mark = step_mark(e->state);
			s->steps[e->step].progress = -1;
			xstrset(&s->steps[e->step].message, e->message && *e->message ? e->message : NULL);
		}
		break;
	case FIX_EV_VM_END:
		s->ended = true;
		s->outcome = e->outcome;
		xstrset(&s->message, e->message);
		ui_message(u, e->outcome == FIX_OUT_FAILED ? LOG_ERROR : LOG_INFO, "fix %s: %s: %s", vp->name,
			   fix_outcome_name(e->outcome), e->message ? e->message : "");
		break;
	}
	ev_free(e);
}

static task_state outcome_task_state(fix_outcome o)
{
	switch (o) {
	case FIX_OUT_FAILED: return TASK_FAILED;
	case FIX_OUT_SKIPPED: return TASK_CANCELLED;
	default: return TASK_DONE;
	}
}

/* Worker threads of fix_execute (several at once). */
static void on_event(const fix_event *ev, void *ctx)
{
	fix_args *a = ctx;
	ev_copy *e = xcalloc(1, sizeof *e);
	e->gen = a->gen;
	e->kind = ev->kind;
	e->vm = ev->vm;
	e->step = ev->step;
	e->progress = ev->progress;
	e->state = ev->state;
	e->outcome = ev->outcome;
	e->message = xstrdup(ev->message);
	job_post_call(a->j, ev_apply, e, ev_free);
	if (!a->plan || ev->vm >= a->n || !a->task_ids[ev->vm])
		return;
	int id = a->task_ids[ev->vm];
	const fix_vm_plan *vp = &a->plan->vms[ev->vm];
	int total = (int)vp->n_steps * 100;
	int k = (int)ev->step + 1, n = (int)vp->n_steps;
	int pr = ev->progress < 0 ? 0 : ev->progress > 100 ? 100 : ev->progress;
	switch (ev->kind) {
	case FIX_EV_VM_BEGIN:
		job_post_task(a->j, id, TASK_RUNNING, 0, total, "starting", NULL, false);
		break;
	case FIX_EV_STEP_BEGIN:
	case FIX_EV_STEP_PROGRESS: {
		char what[300];
		if (ev->progress >= 0)
			snprintf(what, sizeof what, "step %d/%d %s %d%%", k, n, fix_step_kind_name(ev->step_kind), pr);
		else
			snprintf(what, sizeof what, "step %d/%d %s", k, n, fix_step_kind_name(ev->step_kind));
		job_post_task(a->j, id, TASK_RUNNING, (int)ev->step * 100 + pr, total, what, NULL, false);
		break;
	}
	case FIX_EV_STEP_END: {
		char what[600];
		snprintf(what, sizeof what, "step %d/%d %s %s", k, n, fix_step_kind_name(ev->step_kind),
			 store_step_state_name(ev->state));
		job_post_task(a->j, id, TASK_RUNNING, k * 100, total, what, NULL, false);
		break;
	}
	case FIX_EV_VM_END: {
		pthread_mutex_lock(&a->mu);
		a->ended[ev->vm] = true;
		a->vms_done++;
		job_progress(a->j, a->vms_done, a->vms_total, "%d of %d VM%s done", a->vms_done, a->vms_total,
			     a->vms_total == 1 ? "" : "s");
		pthread_mutex_unlock(&a->mu);
		bool bad = ev->outcome == FIX_OUT_FAILED;
		job_post_task(a->j, id, outcome_task_state(ev->outcome), total, total, fix_outcome_name(ev->outcome),
			      bad ? ev->message : NULL, true);
		break;
	}
	}
}

typedef struct {
	unsigned gen;
	fix_summary sum;
	char *error;     /* the fix could not start */
	bool rescanned;
} done_copy;

static void done_free(void *d)
{
	done_copy *c = d;
	fix_summary_done(&c->sum);
	free(c->error);
	free(c);
}

static void done_apply(ui *u, void *d)
{
	done_copy *c = d;
	plan_view *p = priv(u);
	if (c->gen != p->gen) {
		done_free(c);
		return;
	}
	if (c->rescanned) {
		p->rescanned = true;
		done_free(c);
		return;
	}
	p->ph = PH_DONE;
	p->ended = time(NULL);
	if (c->error) {
		ui_message(u, LOG_ERROR, "the fix could not start: %s", c->error);
	} else {
		if (p->have_sum)
			fix_summary_done(&p->sum);
		p->sum = c->sum;
		memset(&c->sum, 0, sizeof c->sum);
		p->have_sum = true;
		size_t cnt[FIX_OUT_SKIPPED + 1] = { 0 };
		for (size_t i = 0; i < p->sum.n && i < p->plan.n_vms; i++) {
			cnt[p->sum.vms[i].outcome]++;
			p->st[i].outcome = p->sum.vms[i].outcome;
			if (!p->st[i].ended)
				xstrset(&p->st[i].message, p->sum.vms[i].message);
			p->st[i].ended = true;
		}
		ui_message(u, cnt[FIX_OUT_FAILED] ? LOG_WARN : LOG_INFO,
			   "fix %s: %zu fixed, %zu partial, %zu failed, %zu manual, %zu skipped (plan %lld, %.1f s)",
			   store_plan_state_name(p->sum.state), cnt[FIX_OUT_FIXED], cnt[FIX_OUT_PARTIAL],
			   cnt[FIX_OUT_FAILED], cnt[FIX_OUT_MANUAL], cnt[FIX_OUT_SKIPPED], (long long)p->sum.plan_id,
			   p->sum.elapsed_s);
		if (p->sum.journal_lost)   /* the fix stopped as on a stop request: say why */
			ui_message(u, LOG_ERROR, "the history could not be written mid-fix (%s), so the "
				   "fix stopped; the VMs it powered off were powered on again (see each "
				   "VM's line)", p->sum.journal_why);
	}
	done_free(c);
}

static char *glob_escape(const char *s)
{
	strbuf sb;
	strbuf_init(&sb);
	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			strbuf_addc(&sb, '\\');
		strbuf_addc(&sb, *s);
	}
	return strbuf_detach(&sb, NULL);
}

/* The fixed VMs scanned again, so their rows (and the detail) show what is true now. */
static void rescan(job *j, store *db, fix_args *a, char **globs, size_t n)
{
	scan_spec spec = { .globs = (const char *const *)globs, .n_globs = n, .probe = a->probe,
			   .guest_user = a->guest_user, .guest_password = a->guest_password };
	scan_result r;
	memset(&r, 0, sizeof r);
	vs_error err;
	vs_error_clear(&err);
	char why[512] = "";
	size_t bad = 0;
	job_progress(j, a->vms_total, a->vms_total, "scanning the %zu VM%s again", n, n == 1 ? "" : "s");
	scan_status st = scan_run(job_session(j), db, a->server, &spec, NULL, NULL, &r, &bad, &err, why, sizeof why);
	if (st == SCAN_OK || st == SCAN_ERR_STORE) {
		msg *m = msg_new(MSG_SCAN_DONE);
		m->vc = a->vc;
		m->facts = r.facts;
		m->verdicts = r.verdicts;
		m->n = r.n;
		m->at = r.scanned_at;
		r.facts = NULL;
		r.verdicts = NULL;
		r.n = 0;
		msgq_post(job_queue(j), m);
	} else {
		job_log(j, LOG_WARN, "the re-scan after the fix failed: %s", st == SCAN_ERR_VCENTER ? err.message : why);
	}
	scan_result_done(&r);
	done_copy *c = xcalloc(1, sizeof *c);
	c->gen = a->gen;
	c->rescanned = true;
	job_post_call(j, done_apply, c, done_free);
}

/* The job's engine (core/engine): the journal, this session's connection row, the scan the
 * plan comes from and the options a fix or a recovery records the same way as the CLI's; tasks
 * earlier runs left running are settled first. */
static engine *open_engine(job *j, fix_args *a, char *why, size_t n)
{
	engine_opts eo = { .db_path = a->db_path, .guest_user = a->guest_user,
			   .guest_password = a->guest_password, .stop = job_stop_flag(j) };
	engine *e = engine_open(&eo, why, n);
	if (!e)
		return NULL;
	if (engine_attach(e, job_session(j), a->vcenter, why, n) < 0) {
		engine_close(e);
		return NULL;
	}
	engine_set_scan(e, a->scan_id);
	char note[512];
	int k = engine_settle(e, note, sizeof note);
	if (k < 0)
		job_log(j, LOG_WARN, "%s; the next run tries again", note);
	else if (k > 0)
		job_log(j, LOG_INFO, "%d task%s that an earlier run left running: recorded as vCenter "
			"says %s ended", k, k == 1 ? "" : "s", k == 1 ? "it" : "they");
	return e;
}

static void fix_job(job *j, void *arg)
{
	fix_args *a = arg;
	a->j = j;
	char why[512] = "";
	engine *e = open_engine(j, a, why, sizeof why);
	store *db = e ? engine_store(e) : NULL;
	done_copy *c = xcalloc(1, sizeof *c);
	c->gen = a->gen;
	if (!e) {
		c->error = xasprintf("the history (the fix's journal) cannot be written: %s", why);
		job_fail(j, "%s", c->error);
		job_post_call(j, done_apply, c, done_free);
		for (size_t i = 0; i < a->n; i++)
			if (a->task_ids[i])
				job_post_task(j, a->task_ids[i], TASK_CANCELLED, 0, 0, "not started", NULL, true);
		return;
	}
	fix_exec_opts eo = engine_fix_opts(e);
	eo.concurrency = a->concurrency;
	eo.on_event = on_event;
	eo.ctx = a;
	job_progress(j, 0, a->vms_total, "0 of %d VM%s done", a->vms_total, a->vms_total == 1 ? "" : "s");
	if (engine_fix(e, a->plan, &eo, &c->sum, why, sizeof why) < 0) {
		c->error = xstrdup(why);
		job_fail(j, "the fix could not start: %s", why);
	}
	/* rows of VMs that never started (stop) or only had instructions */
	for (size_t i = 0; i < a->n; i++) {
		pthread_mutex_lock(&a->mu);
		bool ended = a->ended[i];
		pthread_mutex_unlock(&a->mu);
		if (!a->task_ids[i] || ended)
			continue;
		fix_outcome o = i < c->sum.n ? c->sum.vms[i].outcome : FIX_OUT_SKIPPED;
		job_post_task(j, a->task_ids[i], outcome_task_state(o), 0, 0, fix_outcome_name(o),
			      i < c->sum.n ? c->sum.vms[i].message : NULL, true);
	}
	size_t failed = 0, by_outcome[FIX_OUT_SKIPPED + 1] = { 0 };
	for (size_t i = 0; i < c->sum.n; i++) {
		failed += c->sum.vms[i].outcome == FIX_OUT_FAILED;
		if (c->sum.vms[i].outcome <= FIX_OUT_SKIPPED)
			by_outcome[c->sum.vms[i].outcome]++;
	}
	bool started = !c->error;
	/* after done_apply the view may plan anew (freeing the plan): copy the names first */
	size_t n = a->plan->n_vms;
	char **globs = xcalloc(n + 1, sizeof *globs);
	for (size_t i = 0; i < n; i++)
		globs[i] = glob_escape(a->plan->vms[i].name);
	a->plan = NULL;
	job_post_call(j, done_apply, c, done_free);
	if (started) {
		rescan(j, db, a, globs, n);
		if (failed)
			job_fail(j, "%zu of %d VMs were not fixed (see the plan screen)", failed, a->vms_total);
		else { /* what happened, counted: "5 skipped" must not read as done (trial 21) */
			static const struct { fix_outcome o; const char *what; } parts[] = {
				{ FIX_OUT_FIXED, "fixed" }, { FIX_OUT_PARTIAL, "partly fixed" },
				{ FIX_OUT_MANUAL, "need a person" }, { FIX_OUT_SKIPPED, "skipped" },
			};
			char what[200] = "";
			size_t off = 0;
			for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
				if (by_outcome[parts[k].o] && off < sizeof what)
					off += (size_t)snprintf(what + off, sizeof what - off, "%s%zu %s", off ? ", " : "",
								by_outcome[parts[k].o], parts[k].what);
			job_progress(j, a->vms_total, a->vms_total, "%s; scanned again", off ? what : "nothing to do");
		}
	}
	for (size_t i = 0; i < n; i++)
		free(globs[i]);
	free(globs);
	engine_close(e);
}

static void start_fix(ui *u, plan_view *p)
{
	if (!u->db_path) {
		ui_message(u, LOG_ERROR, "a fix needs the history for its journal: set --db or QUIESCENT_DB");
		p->ph = PH_REVIEW;
		return;
	}
	p->gen++;
	fix_args *a = fix_args_new(u, p->vc);
	a->plan = &p->plan;
	a->gen = p->gen;
	a->n = p->plan.n_vms;
	a->task_ids = xcalloc(a->n + 1, sizeof *a->task_ids);
	a->ended = xcalloc(a->n + 1, sizeof *a->ended);
	a->concurrency = p->concurrency;
	for (size_t i = 0; i < a->n; i++) {
		if (!p->plan.vms[i].n_steps)
			continue;
		a->task_ids[i] = ui_task_add(u, "fix", p->plan.vms[i].name, TASK_QUEUED);
		p->st[i].task_id = a->task_ids[i];
		a->vms_total++;
	}
	int *ids = xcalloc(a->n + 1, sizeof *ids);
	memcpy(ids, a->task_ids, a->n * sizeof *ids);
	size_t n = a->n;
	char title[64];
	snprintf(title, sizeof title, "fix of %d VM%s", a->vms_total, a->vms_total == 1 ? "" : "s");
	int id = job_start_on(u, ui_vcenter_session(u, p->vc), title, NULL, JOB_SOFT_CANCEL, fix_job, a,
			      fix_args_free);
	if (id < 0) {
		for (size_t i = 0; i < n; i++) {
			ui_task *t = ids[i] ? ui_task_get(u, ids[i]) : NULL;
			if (t) {
				t->state = TASK_CANCELLED;
				t->ended = time(NULL);
			}
		}
		p->ph = PH_REVIEW;
		free(ids);
		return;
	}
	free(ids);
	p->task_id = id;
	p->ph = PH_RUNNING;
	p->started = time(NULL);
	p->ended = 0;
	ui_message(u, LOG_INFO, "fix started: Ctrl-C stops starting VMs, twice skips the rest and restores power");
}

/* ---- recovery ---- */

typedef struct {
	unsigned vc;
	char *text;
	bool ok;
} rec_copy;

static void rec_free(void *d)
{
	rec_copy *c = d;
	free(c->text);
	free(c);
}

static void rec_apply(ui *u, void *d)
{
	rec_copy *c = d;
	plan_view *p = priv(u);
	char *text = u->n_more ? xasprintf("%s: %s", ui_vcenter_name(u, c->vc), c->text) : xstrdup(c->text);
	xstrset(&p->rec_result, text);
	if (p->ph == PH_RECOVERING && p->n_rec) /* the one recovered is rec[0] (nothing asks meanwhile) */
		rec_drop(p, 0);
	p->ph = PH_DONE;
	p->ended = time(NULL);
	ui_message(u, c->ok ? LOG_INFO : LOG_WARN, "%s", text);
	free(text);
	/* power states and verdicts as they are now, on the vCenter recovered */
	if (c->vc == 0)
		ui_start_scan(u);
	else
		vcenters_scan(u, 0);
	rec_free(c);
	rec_ask_next(u, p);
}

static void rec_event(const fix_event *ev, void *ctx)
{
	fix_args *a = ctx;
	if (ev->kind == FIX_EV_VM_END)
		job_log(a->j, LOG_INFO, "recovery %s: %s", ev->vm_name, ev->message ? ev->message : "");
}

/* One plan's recovery, in the sentence the console shows. */
static void rec_report(void *ctx, int64_t plan_id, int rc, const fix_recovery *r, const char *why)
{
	strbuf *sb = ctx;
	if (rc == 0)
		strbuf_addf(sb, "%srecovered %s", sb->len ? "; " : "", r->message);
	else if (r->owned_elsewhere)
		strbuf_addf(sb, "%s%s", sb->len ? "; " : "", why);
	else
		strbuf_addf(sb, "%splan %lld could not be recovered: %s", sb->len ? "; " : "",
			    (long long)plan_id, why);
}

static void recover_job(job *j, void *arg)
{
	fix_args *a = arg;
	a->j = j;
	char why[512] = "";
	engine *e = open_engine(j, a, why, sizeof why);
	rec_copy *c = xcalloc(1, sizeof *c);
	c->vc = a->vc;
	if (!e) {
		c->text = xasprintf("the interrupted fix could not be finished: the history cannot be written: %s", why);
		job_fail(j, "%s", c->text);
		job_post_call(j, rec_apply, c, rec_free);
		return;
	}
	fix_exec_opts eo = engine_fix_opts(e);
	eo.on_event = rec_event;
	eo.ctx = a;
	strbuf sb;
	strbuf_init(&sb);
	job_progress(j, 0, a->n_rec, "finishing %d plan%s", a->n_rec, a->n_rec == 1 ? "" : "s");
	int bad = engine_recover(e, &eo, a->rec_ids, (size_t)a->n_rec, rec_report, &sb);
	c->ok = !bad;
	c->text = strbuf_detach(&sb, NULL);
	if (bad)
		job_fail(j, "%s", c->text);
	else
		job_progress(j, a->n_rec, a->n_rec, "done");
	job_post_call(j, rec_apply, c, rec_free);
	engine_close(e);
}

static void start_recovery(ui *u, plan_view *p)
{
	const rec_found *r = &p->rec[0];
	fix_args *a = fix_args_new(u, r->vc); /* its journal, its session */
	a->n_rec = r->n;
	memcpy(a->rec_ids, r->ids, sizeof a->rec_ids);
	char title[300];
	snprintf(title, sizeof title, "fix recovery%s%s", u->n_more ? " on " : "",
		 u->n_more ? ui_vcenter_name(u, r->vc) : "");
	int id = job_start_on(u, ui_vcenter_session(u, r->vc), title, NULL, JOB_SOFT_CANCEL, recover_job, a,
			      fix_args_free);
	if (id < 0) {
		p->ph = PH_RECOVER_ASK;
		return;
	}
	p->task_id = id;
	p->ph = PH_RECOVERING;
	p->started = time(NULL);
}

/* ---- start-up check ---- */

typedef struct {
	unsigned vc;
	int64_t ids[REC_MAX];
	int n_ids;
	char *vms;               /* "a, b and 3 more" */
	store_snaptest_ref refs[ORPHANS_MAX];
	int n_refs;
} startup_copy;

static void startup_copy_free(void *d)
{
	startup_copy *c = d;
	free(c->vms);
	free(c);
}

/* The VMs of the interrupted plans, for the question (an operator decides on names). */
static char *plan_vm_names(store *db, const int64_t *ids, int n)
{
	strbuf sb;
	strbuf_init(&sb);
	size_t shown = 0, more = 0;
	for (int i = 0; i < n; i++) {
		store_journal_vm *v = NULL;
		size_t nv = 0;
		if (store_plan_journal(db, ids[i], &v, &nv, NULL, 0) < 0)
			continue;
		for (size_t k = 0; k < nv; k++) {
			if (shown < 8)
				strbuf_addf(&sb, "%s%s", shown++ ? ", " : "", v[k].name);
			else
				more++;
		}
		store_plan_journal_free(v, nv);
	}
	if (more)
		strbuf_addf(&sb, " and %zu more", more);
	return strbuf_detach(&sb, NULL);
}

static void startup_apply(ui *u, void *d)
{
	startup_copy *c = d;
	if (c->n_refs > 0)
		snaptest_view_offer_orphans(u, c->vc, c->refs, (size_t)c->n_refs);
	plan_view *p = priv(u);
	int r = rec_index(p, c->vc);
	/* the one being recovered stays as it is: its job says how it ended */
	if (c->n_ids > 0 && !(r == 0 && p->ph == PH_RECOVERING)) {
		if (r < 0) {
			p->rec = xrealloc(p->rec, (p->n_rec + 1) * sizeof *p->rec);
			r = (int)p->n_rec++;
		} else {
			free(p->rec[r].vms);
		}
		rec_found *f = &p->rec[r];
		memset(f, 0, sizeof *f);
		f->vc = c->vc;
		memcpy(f->ids, c->ids, sizeof f->ids);
		f->n = c->n_ids;
		f->vms = c->vms;
		c->vms = NULL;
		if (u->readonly) {
			ui_message(u, LOG_WARN, "an earlier fix on %s was interrupted (plan %lld) and may have left VMs "
				   "powered off; start without --readonly to finish it, or run quiescent fix --recover "
				   "--server %s", ui_vcenter_name(u, c->vc), (long long)c->ids[0],
				   ui_vcenter_name(u, c->vc));
		} else if (r != 0 || p->ph != PH_RECOVER_ASK) {
			rec_ask_next(u, p);
			if (p->ph != PH_RECOVER_ASK || p->rec[0].vc != c->vc)
				ui_message(u, LOG_WARN, "an earlier fix on %s was interrupted (plan %lld): f on its VMs "
					   "offers to finish it", ui_vcenter_name(u, c->vc), (long long)c->ids[0]);
		}
	}
	startup_copy_free(c);
}

static void startup_job(job *j, void *arg)
{
	fix_args *a = arg;
	char why[512] = "";
	store *db = store_open(a->db_path, why, sizeof why);
	if (!db) {
		job_log(j, LOG_WARN, "history not available (%s): no check for interrupted fixes or tests", why);
		return;
	}
	startup_copy *c = xcalloc(1, sizeof *c);
	c->vc = a->vc;
	c->n_ids = fix_recover_find(db, a->vcenter, c->ids, REC_MAX, why, sizeof why);
	if (c->n_ids < 0) {
		job_log(j, LOG_WARN, "looking for interrupted fixes failed: %s", why);
		c->n_ids = 0;
	}
	if (c->n_ids > 0)
		c->vms = plan_vm_names(db, c->ids, c->n_ids);
	c->n_refs = store_snaptest_unfinished(db, a->vcenter, c->refs, ORPHANS_MAX, why, sizeof why);
	if (c->n_refs < 0) {
		job_log(j, LOG_WARN, "looking for interrupted tests failed: %s", why);
		c->n_refs = 0;
	}
	store_close(db);
	job_progress(j, 1, 1, "%d interrupted fix%s, %d interrupted test%s", c->n_ids, c->n_ids == 1 ? "" : "es",
		     c->n_refs, c->n_refs == 1 ? "" : "s");
	if (c->n_ids || c->n_refs)
		job_post_call(j, startup_apply, c, startup_copy_free);
	else
		startup_copy_free(c);
}

void actions_vcenter_replaced(ui *u, unsigned vc)
{
	plan_view *p = priv(u);
	for (size_t i = p->n_rec; i-- > 0;) {
		if (p->rec[i].vc != vc || (i == 0 && p->ph == PH_RECOVERING))
			continue; /* a recovery running keeps its entry until its job ends */
		if (i == 0 && p->ph == PH_RECOVER_ASK)
			p->ph = PH_EMPTY;
		rec_drop(p, i);
	}
	snaptest_view_forget_orphans(u, vc);
}

void actions_startup_check(ui *u, unsigned vc)
{
	if (!u->db_path || (vc == 0 && !u->server) || !ui_vcenter_session(u, vc))
		return;
	char title[300];
	snprintf(title, sizeof title, "history check%s%s", u->n_more ? " of " : "", u->n_more ? ui_vcenter_name(u, vc) : "");
	job_start_on(u, ui_vcenter_session(u, vc), title, NULL, 0, startup_job, fix_args_new(u, vc), fix_args_free);
}

/* ---- drawing ---- */

static void add_duration(strbuf *sb, int s)
{
	if (s >= 60)
		strbuf_addf(sb, "%dm%02ds", s / 60, s % 60);
	else
		strbuf_addf(sb, "%ds", s);
}

static const char *vm_state_text(const plan_view *p, size_t i, char *buf, size_t n)
{
	const vm_st *s = &p->st[i];
	const fix_vm_plan *vp = &p->plan.vms[i];
	if (s->ended)
		return fix_outcome_name(s->outcome);
	if (!s->begun)
		return p->ph == PH_RUNNING && vp->n_steps ? "queued" : "";
	for (size_t k = 0; k < vp->n_steps; k++)
		if (s->steps[k].mark == '>') {
			snprintf(buf, n, "running %zu/%zu", k + 1, vp->n_steps);
			return buf;
		}
	return "running";
}

static term_elem outcome_elem(fix_outcome o)
{
	switch (o) {
	case FIX_OUT_FIXED: return TE_READY;
	case FIX_OUT_PARTIAL: return TE_FIXABLE;
	case FIX_OUT_FAILED: return TE_MANUAL;
	default: return TE_DIM;
	}
}

/* The Tools version a VM runs now, for the upgrade note. */
static const char *tools_now(ui *u, unsigned vc, const char *moref, char buf[16])
{
	const fleet_vm *vm = fleet_get_in(&u->fl, vc, moref);
	if (!vm || !vm->f.tools_version)
		return "unknown";
	return model_tools_version_format(vm->f.tools_version, buf);
}

static void build_lines(plan_view *p, ui *u, int w)
{
	vlines *L = &p->lines;
	vlines_clear(L);
	if (p->ph == PH_RECOVER_ASK || p->ph == PH_RECOVERING || (p->ph == PH_DONE && p->rec_result)) {
		vlines_add(L, TE_SECTION, "Interrupted fix");
		vlines_add(L, TE_NORMAL, " ");
		char t[512];
		const rec_found *r = p->n_rec && p->ph != PH_DONE ? &p->rec[0] : NULL;
		if (r)
			snprintf(t, sizeof t, "An earlier quiescent on %s was stopped in the middle of a fix (plan "
				 "%lld%s). Finishing it closes its journal, powers back on the VMs it had taken down, "
				 "and verifies them.", ui_vcenter_name(u, r->vc), (long long)r->ids[0],
				 r->n > 1 ? " and others" : "");
		vlines_wrap(L, TE_NORMAL, 2, 2, w, r ? t : "");
		if (p->ph == PH_RECOVERING)
			vlines_add(L, TE_FIXABLE, "  finishing the interrupted fix...");
		if (p->ph == PH_DONE && p->rec_result)
			vlines_wrap(L, TE_NORMAL, 2, 4, w, p->rec_result);
		return;
	}
	if (p->ph == PH_EMPTY) {
		vlines_add(L, TE_DIM, "  No plan yet: mark VMs in the list (Space) and press f, or :fix.");
		return;
	}
	const fix_plan *pl = &p->plan;
	strbuf sb;
	strbuf_init(&sb);
	int downtime = 0;
	for (size_t i = 0; i < pl->n_vms; i++)
		if (pl->vms[i].downtime_s > downtime)
			downtime = pl->vms[i].downtime_s;
	strbuf_addf(&sb, "Fix plan: %zu VM%s, %zu with steps (%zu steps)", p->n_morefs, p->n_morefs == 1 ? "" : "s",
		    fix_plan_vms_with_steps(pl), fix_plan_step_count(pl));
	if (downtime) {
		strbuf_adds(&sb, ", downtime up to ~");
		add_duration(&sb, downtime);
		strbuf_adds(&sb, " per VM");
	}
	vlines_add(L, TE_SECTION, "%s", sb.buf);
	strbuf_reset(&sb);
	bool edit = p->ph == PH_REVIEW;
	vlines_add(L, edit ? TE_NORMAL : TE_DIM, "%s hard power-off: %-3s  %s Tools method: %-8s  %s concurrency: %d",
		   edit ? "[h]" : "", pl->opts.hard_power_off ? "yes" : "no", edit ? "[m]" : "",
		   fix_tools_method_name(pl->opts.tools_method), edit ? "[+/-]" : "", p->concurrency);
	if (p->ph == PH_RUNNING || p->ph == PH_DONE) {
		long secs = (long)((p->ended ? p->ended : time(NULL)) - p->started);
		const ui_task *t = ui_task_get(u, p->task_id);
		const char *stop = "";
		if (p->ph == PH_RUNNING && t && t->job) {
			sig_atomic_t lv = *job_stop_flag(t->job);
			stop = lv >= 2 ? "  ROLLING BACK: remaining steps skipped, power restored"
			       : lv == 1 ? "  STOPPING: no new VM starts (Ctrl-C again rolls back)" : "";
		}
		if (p->ph == PH_RUNNING)
			vlines_add(L, *stop ? TE_MSG_WARN : TE_FIXABLE, "running %ld:%02ld%s", secs / 60, secs % 60,
				   *stop ? stop : "  (Ctrl-C: stop starting VMs)");
		else if (p->have_sum)
			vlines_add(L, TE_SECTION, "Result of plan %lld: %s in %.1f s%s", (long long)p->sum.plan_id,
				   store_plan_state_name(p->sum.state), p->sum.elapsed_s,
				   p->rescanned ? "; the VMs were scanned again" : "; scanning the VMs again...");
		else
			vlines_add(L, TE_MANUAL, "the fix did not run (see the messages: 3)");
	}
	vlines_add(L, TE_NORMAL, " ");
	if (!pl->n_vms)
		vlines_wrap(L, TE_DIM, 2, 2, w, "Nothing to fix: the VMs chosen are ready, not Windows, or have no "
			    "finding of the rules selected.");
	for (size_t i = 0; i < pl->n_vms; i++) {
		const fix_vm_plan *v = &pl->vms[i];
		const vm_st *s = &p->st[i];
		strbuf_addf(&sb, "%s (%s, %s)", v->name, v->moref, model_power_name(v->original_power));
		if (v->n_steps) {
			strbuf_adds(&sb, ": downtime ~");
			add_duration(&sb, v->downtime_s);
			strbuf_adds(&sb, ", ~");
			add_duration(&sb, v->duration_s);
			strbuf_adds(&sb, " in all");
		} else {
			strbuf_adds(&sb, ": nothing automatic");
		}
		char buf[64];
		const char *state = vm_state_text(p, i, buf, sizeof buf);
		if (*state) {
			int pad = w - 2 - draw_width(sb.buf) - (int)strlen(state);
			strbuf_addf(&sb, "%*s%s", pad > 1 ? pad : 1, "", state);
		}
		vlines_add(L, s->ended ? outcome_elem(s->outcome) : TE_HEADER, "%s", sb.buf);
		strbuf_reset(&sb);
		for (size_t k = 0; k < v->n_steps; k++) {
			const step_st *ss = &s->steps[k];
			char mark[16];
			if (ss->mark == '>' && ss->progress >= 0)
				snprintf(mark, sizeof mark, "%3d%%", ss->progress);
			else
				snprintf(mark, sizeof mark, "[%c] ", ss->mark);
			term_elem e = ss->mark == 'x' ? TE_READY : ss->mark == '!' ? TE_MANUAL
				      : ss->mark == '>' ? TE_FIXABLE : ss->mark == ' ' ? TE_NORMAL : TE_DIM;
			char *line = xasprintf("%2zu. %-4s%s", k + 1, v->steps[k].rule[0] ? v->steps[k].rule : "",
					       v->steps[k].description);
			char *full = xasprintf("%s %s", mark, line);
			vlines_wrap(L, e, 2, 16, w, full);
			free(line);
			free(full);
			if (ss->message && (ss->mark == '!' || ss->mark == '-' || ss->mark == '<'))
				vlines_wrap(L, ss->mark == '!' ? TE_MSG_ERROR : TE_DIM, 16, 16, w, ss->message);
			if (v->steps[k].kind == FIX_STEP_UPGRADE_TOOLS && ss->mark == ' ') {
				/* what the step name does not say (operator trial 27) */
				char tv[16];
				char *note = xasprintf("also upgrades VMware Tools to the version the ESXi host bundles "
						       "(now %s); reinstalling the network driver can drop the guest's "
						       "network for a few seconds", tools_now(u, p->vc, v->moref, tv));
				vlines_wrap(L, TE_SEV_WARN, 16, 16, w, note);
				free(note);
			}
		}
		if (v->n_unfixed)
			vlines_add(L, TE_SEV_WARN, "  not fixed here:");
		for (size_t k = 0; k < v->n_unfixed; k++) {
			char *line = xasprintf("%s (%s): %s.", v->unfixed[k].rule, model_fix_name(v->unfixed[k].fix),
					       v->unfixed[k].reason);
			vlines_wrap(L, TE_NORMAL, 4, 6, w, line);
			free(line);
			vlines_wrap(L, TE_DIM, 6, 6, w, v->unfixed[k].instructions);
		}
		if (s->ended && s->message && *s->message) {
			char *line = xasprintf("=> %s: %s", fix_outcome_name(s->outcome), s->message);
			vlines_wrap(L, outcome_elem(s->outcome), 2, 5, w, line);
			free(line);
		}
		if (p->have_sum && i < p->sum.n) {
			const fix_vm_result *r = &p->sum.vms[i];
			fleet_vm *now = fleet_get_in(&u->fl, p->vc, v->moref);
			vlines_add(L, TE_DIM, "   power %s -> %s, verified %s, status now %s",
				   model_power_name(v->original_power), model_power_name(r->final_power),
				   r->verified ? model_status_name(r->status) : "no",
				   now ? model_status_name(now->v.status) : "?");
		}
		vlines_add(L, TE_NORMAL, " ");
	}
	strbuf_done(&sb);
}

static void plan_draw(view *v, ui *u, int y, int h, int w)
{
	plan_view *p = v->priv;
	build_lines(p, u, w - 1);
	v->list.no_cursor = true;
	v->list.height = h > 0 ? h : 1;
	listw_set_count(&v->list, p->lines.n);
	vlines_draw(&p->lines, v->list.top, y, h, w);
	if (p->ph == PH_CONFIRM) {
		size_t with = fix_plan_vms_with_steps(&p->plan), down = 0;
		int downtime = 0;
		for (size_t i = 0; i < p->plan.n_vms; i++) {
			const fix_vm_plan *vp = &p->plan.vms[i];
			bool off = false;
			for (size_t k = 0; k < vp->n_steps; k++)
				off |= fix_step_powers_off(vp->steps[k].kind);
			down += off;
			if (vp->downtime_s > downtime)
				downtime = vp->downtime_s;
		}
		char text[600];
		snprintf(text, sizeof text, "%zu VM%s%s%s will be changed; %zu of them shut down and powered back on "
			 "(downtime up to ~%d s each). Hard power-off %s, Tools method %s, %d at a time. Every step is "
			 "journaled in %s.", with, with == 1 ? "" : "s", u->n_more ? " on " : "",
			 u->n_more ? ui_vcenter_name(u, p->vc) : "", down, downtime,
			 p->plan.opts.hard_power_off ? "allowed" : "not allowed",
			 fix_tools_method_name(p->plan.opts.tools_method), p->concurrency,
			 u->db_path ? u->db_path : "the history");
		char keys[120];
		vlines_dialog(y, h, w, "Run this plan?", text,
			      ui_hints(u, KMV_FIX, keys, sizeof keys, ACTION_YES, "run it", ACTION_NO, "do not",
				       ACTION_BACK, "do not", ACTION_NONE));
	} else if (p->ph == PH_RECOVER_ASK && p->n_rec) {
		const rec_found *r = &p->rec[0];
		char text[900];
		snprintf(text, sizeof text, "An earlier fix on %s was interrupted (plan %lld%s; VMs: %.400s). Finish "
			 "it now: power its VMs back on and verify them?", ui_vcenter_name(u, r->vc),
			 (long long)r->ids[0], r->n > 1 ? " and others" : "", r->vms && *r->vms ? r->vms : "?");
		char keys[120];
		vlines_dialog(y, h, w, "Finish the interrupted fix?", text,
			      ui_hints(u, KMV_FIX, keys, sizeof keys, ACTION_YES, "finish it", ACTION_NO, "not now",
				       ACTION_BACK, "not now", ACTION_NONE));
	}
}

/* ---- keys ---- */

static unsigned plan_request(view *v, ui *u, action a)
{
	plan_view *p = v->priv;
	if (p->ph == PH_CONFIRM || p->ph == PH_RECOVER_ASK) {
		bool rec = p->ph == PH_RECOVER_ASK;
		switch (a) {
		case ACTION_YES:
			if (rec && p->n_rec)
				start_recovery(u, p);
			else
				start_fix(u, p);
			return VR_REDRAW;
		case ACTION_NO:
		case ACTION_BACK:
		case ACTION_QUIT:
			if (rec) {
				p->ph = PH_EMPTY;
				if (p->n_rec)
					p->rec[0].asked = true;
				ui_message(u, LOG_WARN, "the interrupted fix on %s was left as it is: VMs it powered off may "
					   "still be off; f on its VMs (or quiescent fix --recover) offers it again",
					   p->n_rec ? ui_vcenter_name(u, p->rec[0].vc) : "?");
				ui_pop(u);
				rec_ask_next(u, p); /* another vCenter's, when there is one */
			} else {
				p->ph = PH_REVIEW;
				ui_message(u, LOG_INFO, "nothing done: the plan was not run");
			}
			return VR_REDRAW;
		case ACTION_HELP:
		case ACTION_REDRAW:
			return VR_UNHANDLED;
		default:
			ui_message(u, LOG_INFO, "answer the question: y or n");
			return VR_REDRAW;
		}
	}
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	bool edit = p->ph == PH_REVIEW;
	switch (a) {
	case ACTION_CANCEL: {
		const ui_task *t = running(p) ? ui_task_get(u, p->task_id) : NULL;
		if (!t || !t->job)
			return VR_UNHANDLED;
		job_cancel(u, t->job);
		sig_atomic_t lv = *job_stop_flag(t->job);
		ui_message(u, LOG_WARN, lv >= 2 ? "rolling back: VMs in flight skip their remaining steps and are powered "
						  "back on"
						: "stopping: no new VM starts; VMs in flight finish (Ctrl-C again rolls them back)");
		return VR_REDRAW;
	}
	case ACTION_APPLY:
		if (!edit) {
			ui_message(u, LOG_INFO, running(p) ? "the fix is running (Ctrl-C stops it)"
							   : "press f in the VM list for a new plan");
			return VR_REDRAW;
		}
		if (!fix_plan_vms_with_steps(&p->plan)) {
			ui_message(u, LOG_INFO, "nothing to run: no VM in this plan has an automatic step");
			return VR_REDRAW;
		}
		p->ph = PH_CONFIRM;
		return VR_REDRAW;
	case ACTION_YES:
	case ACTION_NO:
		return VR_NONE;
	case ACTION_OPT_HARD_POWER_OFF:
	case ACTION_OPT_TOOLS_METHOD:
	case ACTION_OPT_MORE:
	case ACTION_OPT_LESS:
		if (!edit) {
			ui_message(u, LOG_INFO, "options change only before the plan runs");
			return VR_REDRAW;
		}
		if (a == ACTION_OPT_HARD_POWER_OFF)
			p->opts.hard_power_off = !p->opts.hard_power_off;
		else if (a == ACTION_OPT_TOOLS_METHOD)
			p->opts.tools_method = (fix_tools_method)((p->opts.tools_method + 1) % (FIX_TOOLS_BY_HAND + 1));
		else if (a == ACTION_OPT_MORE && p->concurrency < FIX_MAX_CONCURRENCY)
			p->concurrency++;
		else if (a == ACTION_OPT_LESS && p->concurrency > 1)
			p->concurrency--;
		if (a == ACTION_OPT_HARD_POWER_OFF || a == ACTION_OPT_TOOLS_METHOD)
			replan(p, u);
		return VR_REDRAW;
	default:
		return VR_UNHANDLED;
	}
}

static void plan_status(view *v, ui *u, char *buf, size_t n)
{
	plan_view *p = v->priv;
	char what[160];
	switch (p->ph) {
	case PH_REVIEW:
		if (u->readonly) {
			snprintf(what, sizeof what, "read-only: shown, never run");
			break;
		}
		ui_hints(u, KMV_FIX, what, sizeof what, ACTION_APPLY, "run", ACTION_OPT_HARD_POWER_OFF, "hard off",
			 ACTION_OPT_TOOLS_METHOD, "method", ACTION_OPT_MORE, "more", ACTION_OPT_LESS, "fewer", ACTION_NONE);
		break;
	case PH_CONFIRM:
		ui_hints(u, KMV_FIX, what, sizeof what, ACTION_YES, "run", ACTION_NO, "do not", ACTION_NONE);
		break;
	case PH_RUNNING:
		snprintf(what, sizeof what, "running  ");
		ui_hints(u, KMV_FIX, what + 9, sizeof what - 9, ACTION_CANCEL, "stop", ACTION_NONE);
		break;
	case PH_RECOVER_ASK:
		ui_hints(u, KMV_FIX, what, sizeof what, ACTION_YES, "finish it", ACTION_NO, "not now", ACTION_NONE);
		break;
	default:
		snprintf(what, sizeof what, "%s", p->ph == PH_EMPTY ? "no plan" : p->ph == PH_DONE ? "done" : "recovering");
		break;
	}
	snprintf(buf, n, "%s  line %zu/%zu", what, p->lines.n ? v->list.top + 1 : 0, p->lines.n);
}

static void plan_free(view *v)
{
	plan_view *p = v->priv;
	st_free(p);
	fix_plan_done(&p->plan);
	if (p->have_sum)
		fix_summary_done(&p->sum);
	for (size_t i = 0; i < p->n_morefs; i++)
		free(p->morefs[i]);
	free(p->morefs);
	free(p->rec_result);
	for (size_t i = 0; i < p->n_rec; i++)
		free(p->rec[i].vms);
	free(p->rec);
	vlines_free(&p->lines);
	free(p);
}

static const view_ops plan_ops = {
	.name = "fix",
	.keys = KMV_FIX,
	.draw = plan_draw,
	.request = plan_request,
	.status = plan_status,
	.free = plan_free,
};

view *plan_view_new(void)
{
	plan_view *p = xcalloc(1, sizeof *p);
	fix_plan_init(&p->plan);
	p->opts.tools_method = FIX_TOOLS_UPGRADE;
	p->concurrency = FIX_DEFAULT_CONCURRENCY;
	return view_new(&plan_ops, "Fix plan", p);
}
