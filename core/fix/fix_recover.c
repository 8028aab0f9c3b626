/* Recovery of a plan a killed quiescent left running: see fix_exec.h. The journal says what
 * was started; vCenter says where each VM is now; we bring back what we took down. */
#include "fix/fix_internal.h"

#include "util/xalloc.h"
#include "vsphere/propcol.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fix_recover_find(store *db, const char *vcenter, int64_t *ids, size_t max, char *msg,
		     size_t msglen)
{
	return store_plans_unfinished(db, vcenter, ids, max, msg, msglen);
}

static bool kind_is(const store_journal_step *j, fix_step_kind k)
{
	return !strcmp(j->kind, fix_step_kind_name(k));
}

/* A new journaled step appended to the VM's steps (recovery's own actions are history too). */
static int64_t add_recovery_step(fix_ctx *x, store_journal_vm *v, fix_step_kind kind,
				 const char *description, const char *before)
{
	int seq = v->n_steps ? v->steps[v->n_steps - 1].seq + 1 : 1;
	store_step_def def = { .seq = seq, .kind = fix_step_kind_name(kind), .description = description };
	int64_t id = store_step_add(x->db, v->id, &def, NULL, 0);
	if (id < 0)
		return -1;
	/* Keep seq growing if we add another one for this VM. */
	v->steps = xrealloc(v->steps, (v->n_steps + 1) * sizeof *v->steps);
	memset(&v->steps[v->n_steps], 0, sizeof v->steps[0]);
	v->steps[v->n_steps].seq = seq;
	v->n_steps++;
	if (store_step_begin(x->db, id, time(NULL), before, v->original_power, NULL, 0) < 0)
		return -1;
	x->step_id = id;
	return id;
}

/* Claims the VM for the recovery (store_vm_claim): false, with line saying why, when another
 * live run works on it now or the claim cannot be recorded; then the VM is left alone, and
 * when the dead run had begun a step on it the plan stays to recover (counted as not back). */
static bool claim_for_recovery(fix_ctx *x, store_journal_vm *v, fix_recovery *out, char *line,
			       size_t ln)
{
	store_owner who;
	char err[300] = "";
	int c = store_vm_claim(x->db, STORE_CLAIM_PLAN_VM, v->id, &who, err, sizeof err);
	if (c == 1)
		return true;
	char desc[400];
	if (c == 0) {
		store_owner_describe(&who, desc, sizeof desc);
		out->held++;
	}
	char *why = xasprintf("%s: left alone: %s%s; run quiescent recover again later", v->name,
			      c == 0 ? desc : err, c == 0 ? " is working on this VM now" : "");
	snprintf(line, ln, "%s", why);
	free(why);
	/* Not back, as far as we know, only if the dead run began a step on it. */
	bool touched = false;
	for (size_t i = 0; i < v->n_steps; i++)
		touched |= v->steps[i].state != STORE_STEP_PLANNED;
	out->still_off += touched && v->original_power == POWER_ON;
	/* Never begun: the dead run's steps end skipped (the journal only; the VM is not ours). */
	for (size_t i = 0; !touched && i < v->n_steps; i++)
		store_step_end(x->db, v->steps[i].id, STORE_STEP_SKIPPED, time(NULL), NULL,
			       "not run: quiescent stopped before this step", NULL, NULL, 0);
	return false;
}

static void recover_vm(fix_ctx *x, store_journal_vm *v, fix_recovery *out, char *line, size_t ln)
{
	x->vm_moref = v->moref;
	if (!claim_for_recovery(x, v, out, line, ln))
		return;
	bool went_down = false, came_up = false, shutdown_open = false;
	vs_error err;
	vs_error_clear(&err);
	/* Close what the dead run left open. */
	for (size_t i = 0; i < v->n_steps; i++) {
		store_journal_step *j = &v->steps[i];
		/* A shutdown that failed may still have run (its answer lost with the network):
		 * any begun one counts; vCenter's power state decides below. */
		if ((kind_is(j, FIX_STEP_SHUTDOWN_GUEST) || kind_is(j, FIX_STEP_POWER_OFF)) &&
		    (j->state == STORE_STEP_RUNNING || j->state == STORE_STEP_DONE ||
		     j->state == STORE_STEP_FAILED))
			went_down = true;
		if (kind_is(j, FIX_STEP_POWER_ON) &&
		    (j->state == STORE_STEP_DONE || j->state == STORE_STEP_ROLLED_BACK))
			came_up = true;
		if (kind_is(j, FIX_STEP_SHUTDOWN_GUEST) && j->state == STORE_STEP_RUNNING)
			shutdown_open = true;
		if (j->state == STORE_STEP_PLANNED) {
			store_step_end(x->db, j->id, STORE_STEP_SKIPPED, time(NULL), NULL,
				       "not run: quiescent stopped before this step", NULL, NULL, 0);
		} else if (j->state == STORE_STEP_RUNNING) {
			store_step_state st = STORE_STEP_FAILED;
			char after[128] = "";
			if (kind_is(j, FIX_STEP_SET_ENABLE_UUID)) {
				vm_facts f;
				if (fix_read_facts(x, v->moref, false, &f, &err) == 0 && f.enable_uuid == TRI_YES)
					st = STORE_STEP_DONE;
				snprintf(after, sizeof after, "%s", f.enable_uuid_raw ? f.enable_uuid_raw : "(absent)");
				model_vm_facts_done(&f);
			} else if (kind_is(j, FIX_STEP_POWER_ON)) {
				vm_facts f;
				if (fix_read_facts(x, v->moref, false, &f, &err) == 0 && f.power == POWER_ON) {
					st = STORE_STEP_DONE;
					came_up = true;
				}
				model_vm_facts_done(&f);
			}
			store_step_end(x->db, j->id, st, time(NULL),
				       st == STORE_STEP_DONE ? "found done at recovery" : NULL,
				       st == STORE_STEP_DONE ? NULL : "interrupted: quiescent stopped while "
								      "this step ran",
				       after[0] ? after : NULL, NULL, 0);
		}
	}
	/* Bring back a VM that was on and that we took down. */
	vm_facts f;
	power_state now = POWER_UNKNOWN;
	if (fix_read_facts(x, v->moref, false, &f, &err) == 0)
		now = f.power;
	model_vm_facts_done(&f);
	bool powered = false;
	if (v->original_power == POWER_ON && went_down && !came_up && now == POWER_ON && shutdown_open) {
		/* A guest shutdown asked for by the dead run may still land: watch it, so the VM
		 * does not go down after we looked. */
		int grace = x->o->grace_s > 0 ? x->o->grace_s : 120;
		if (fix_wait_power(x, v->moref, POWER_OFF, grace, 0, &now, &err) < 0)
			vs_error_clear(&err);
	}
	if (v->original_power == POWER_ON && went_down && !came_up && now != POWER_ON) {
		char task[VS_MOREF_MAX];
		if (add_recovery_step(x, v, FIX_STEP_POWER_ON, "Recovery: power on again (the VM was "
				      "on when the interrupted fix began)", model_power_name(now)) > 0) {
			int rc = fix_power_on(x, v->moref, task, sizeof task, &err);
			store_step_end(x->db, x->step_id, rc == 0 ? STORE_STEP_ROLLED_BACK : STORE_STEP_FAILED,
				       time(NULL), rc == 0 ? "powered on by recovery" : NULL,
				       rc == 0 ? NULL : err.message, rc == 0 ? "poweredOn" : NULL, NULL, 0);
			if (rc == 0) {
				powered = true;
				out->powered_on++;
				int64_t wid = add_recovery_step(x, v, FIX_STEP_WAIT_TOOLS,
								"Recovery: wait for VMware Tools", "poweredOn");
				int tr = fix_wait_tools(x, v->moref, x->o->tools_timeout_s > 0 ? x->o->tools_timeout_s
											      : 600, &err);
				if (wid > 0)
					store_step_end(x->db, wid, tr == 0 ? STORE_STEP_DONE : STORE_STEP_FAILED,
						       time(NULL), NULL, tr == 0 ? NULL : err.message,
						       tr == 0 ? "toolsRunning" : NULL, NULL, 0);
			} else {
				out->still_off++;
			}
		}
	}
	/* The dead run's own power-on landed (maybe after its death): the guest may still be
	 * booting, so let Tools come up before judging it (else a false "fix again"). */
	if (!powered && came_up && now == POWER_ON) {
		vs_error te;
		vs_error_clear(&te);
		fix_wait_tools(x, v->moref, x->o->tools_timeout_s > 0 ? x->o->tools_timeout_s : 600, &te);
	}
	/* Verify what the VM is now. */
	verdict vd;
	vm_facts vf;
	char after[200] = "not verified";
	int64_t vid = add_recovery_step(x, v, FIX_STEP_VERIFY, "Recovery: verify", NULL);
	bool ok = fix_verify_vm(x, v->moref, false, &vf, &vd, &err) == 0;
	if (ok)
		snprintf(after, sizeof after, "status %s, %s", model_status_name(vd.status),
			 model_power_name(vf.power));
	if (vid > 0)
		store_step_end(x->db, vid, ok ? STORE_STEP_DONE : STORE_STEP_FAILED, time(NULL),
			       ok ? "verified" : NULL, ok ? NULL : err.message, after, NULL, 0);
	bool ready = ok && vd.status == STATUS_READY;
	out->verified_ready += ready;
	if (ok && v->original_power == POWER_ON && vf.power != POWER_ON)
		out->still_off += !powered;
	snprintf(line, ln, "%.150s: %s%.199s", v->name, powered ? "powered on again; " : "", after);
	if (!v->outcome[0] || !strcmp(v->outcome, "skipped"))
		store_plan_vm_set_outcome(x->db, v->id, ready ? "fixed" : "failed",
					  ready ? "interrupted; verified ready at recovery"
						: "interrupted; not ready at recovery: fix again", NULL, 0);
	model_vm_facts_done(&vf);
	model_verdict_done(&vd);
}

typedef struct {
	const fix_exec_opts *o;
	vs_session *s;
	store_journal_vm *vms;
	size_t n;
	atomic_size_t next;
	pthread_mutex_t mu;
	fix_recovery *out;
} recover_pool;

static void *recover_worker(void *arg)
{
	recover_pool *p = arg;
	vs_error err;
	vs_error_clear(&err);
	char m[256];
	fix_ctx x = { .o = p->o };
	x.c = vs_conn_new(p->s, &err);
	x.db = x.c ? store_open(p->o->db_path, m, sizeof m) : NULL;
	if (!x.c || !x.db) {
		vs_conn_free(x.c);
		return NULL;   /* the other workers (at least the caller's) carry the VMs */
	}
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		fix_recovery mine = { 0 };
		char line[400];
		recover_vm(&x, &p->vms[i], &mine, line, sizeof line);
		pthread_mutex_lock(&p->mu);
		p->out->powered_on += mine.powered_on;
		p->out->still_off += mine.still_off;
		p->out->verified_ready += mine.verified_ready;
		p->out->held += mine.held;
		pthread_mutex_unlock(&p->mu);
		if (p->o->on_event) {
			fix_event ev = { .kind = FIX_EV_VM_END, .vm = i, .vm_name = p->vms[i].name,
					 .step_kind = FIX_STEP_VERIFY, .progress = -1, .message = line };
			p->o->on_event(&ev, p->o->ctx);
		}
	}
	store_close(x.db);
	vs_conn_free(x.c);
	return NULL;
}

int fix_recover_all(vs_session *s, store *db, const fix_exec_opts *opts, const int64_t *ids,
		    size_t n, fix_recover_report_fn report, void *ctx)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		fix_recovery r;
		char msg[512] = "";
		int rc = fix_recover_plan(s, db, opts, ids[i], &r, msg, sizeof msg);
		if (rc < 0)
			bad += !r.owned_elsewhere;
		else
			bad += r.still_off > 0;
		if (report)
			report(ctx, ids[i], rc, &r, msg);
	}
	return bad;
}

/* Is plan_id still one to recover (not finished, no live owner)? */
static int still_unfinished(store *db, const char *vcenter, int64_t plan_id, char *msg,
			    size_t msglen)
{
	int64_t ids[256];
	int n = store_plans_unfinished(db, vcenter, ids, 256, msg, msglen);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (ids[i] == plan_id)
			return 1;
	return 0;
}

int fix_recover_plan(vs_session *s, store *db, const fix_exec_opts *opts, int64_t plan_id,
		     fix_recovery *out, char *msg, size_t msglen)
{
	memset(out, 0, sizeof *out);
	out->plan_id = plan_id;
	/* Hands off a live run; take a dead one over before acting, so a second recoverer
	 * started at the same time finds it owned and leaves it alone. */
	if (opts->vcenter) {
		int u = still_unfinished(db, opts->vcenter, plan_id, msg, msglen);
		if (u < 0)
			return -1;
		if (u == 0) {
			store_owner live;
			char who[400];
			if (store_owner_of(db, "plans", plan_id, &live, msg, msglen) < 0)
				return -1;
			out->owned_elsewhere = live.alive;
			store_owner_describe(&live, who, sizeof who);
			snprintf(msg, msglen, "plan %lld %s%s: left alone", (long long)plan_id,
				 live.alive ? "is being run by " : "needs no recovery",
				 live.alive ? who : "");
			return -1;
		}
	}
	store_owner prev;
	int a = store_owner_adopt(db, "plans", plan_id, &prev, msg, msglen);
	if (a < 0)
		return -1;
	if (a == 0) {
		char who[400];
		store_owner_describe(&prev, who, sizeof who);
		out->owned_elsewhere = true;
		snprintf(msg, msglen, "plan %lld is being run by %s: left alone", (long long)plan_id, who);
		return -1;
	}
	store_journal_vm *vms = NULL;
	size_t n = 0;
	if (store_plan_journal(db, plan_id, &vms, &n, msg, msglen) < 0)
		return -1;
	out->n_vms = n;
	/* VMs in parallel (bounded): a shutdown that never landed costs its grace per VM. */
	recover_pool p = { .o = opts, .s = s, .vms = vms, .n = n, .out = out };
	atomic_init(&p.next, 0);
	pthread_mutex_init(&p.mu, NULL);
	int nw = opts->concurrency > 0 ? opts->concurrency : FIX_DEFAULT_CONCURRENCY;
	if (nw > FIX_MAX_CONCURRENCY)
		nw = FIX_MAX_CONCURRENCY;
	if ((size_t)nw > n)
		nw = n ? (int)n : 1;
	pthread_t *th = xcalloc((size_t)nw, sizeof *th);
	int started = 0;
	for (int i = 1; i < nw; i++)
		if (pthread_create(&th[started], NULL, recover_worker, &p) == 0)
			started++;
	recover_worker(&p);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&p.mu);
	if (atomic_load(&p.next) < n) {
		snprintf(msg, msglen, "plan %lld: no connection to vCenter or the history could be "
			 "opened to recover it", (long long)plan_id);
		store_plan_journal_free(vms, n);
		return -1;
	}
	store_plan_set_state(db, plan_id, STORE_PLAN_INTERRUPTED, time(NULL), NULL, 0);
	store_plan_release_claims(db, plan_id, NULL, 0);
	/* Recovered only when no VM that was on is still off: else it is offered again. */
	if (!out->still_off)
		store_plan_set_recovered(db, plan_id, time(NULL), NULL, 0);
	snprintf(out->message, sizeof out->message,
		 "plan %lld: %zu VM(s), %zu powered on again, %zu verified ready%s",
		 (long long)plan_id, n, out->powered_on, out->verified_ready,
		 out->still_off ? ", SOME VMs THAT WERE ON ARE STILL OFF" : "");
	store_plan_journal_free(vms, n);
	return 0;
}
