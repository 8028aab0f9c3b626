/* The remediation executor: see fix_exec.h. */
#include "fix/fix_internal.h"

#include "probe/guest_text.h"
#include "probe/probe.h"
#include "probe/probe_parse.h"
#include "rules/rules.h"
#include "scan/scan.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/guest.h"
#include "vsphere/inventory.h"
#include "vsphere/propcol.h"
#include "vsphere/vm_ops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const outcome_names[] = {
	[FIX_OUT_FIXED] = "fixed", [FIX_OUT_PARTIAL] = "partial", [FIX_OUT_FAILED] = "failed",
	[FIX_OUT_MANUAL] = "manual", [FIX_OUT_SKIPPED] = "skipped",
};

const char *fix_outcome_name(fix_outcome o)
{
	return (unsigned)o <= FIX_OUT_SKIPPED ? outcome_names[o] : "unknown";
}

void fix_summary_done(fix_summary *s)
{
	free(s->vms);
	memset(s, 0, sizeof *s);
}

bool fix_summary_all_ready(const fix_summary *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->vms[i].outcome != FIX_OUT_FIXED || !s->vms[i].verified ||
		    (s->vms[i].status != STATUS_READY && s->vms[i].status != STATUS_NA))
			return false;
	return s->state != STORE_PLAN_CANCELLED;
}

/* ---- shared helpers (fix_internal.h) ---- */

int fix_poll_ms(int round)
{
	/* 100 ms for the first seconds (lab and short tasks), then 1 s: a few hundred workers'
	 * worth of polls stays light on vCenter. */
	return round < 40 ? 100 : round < 60 ? 250 : 1000;
}

void fix_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		;
}

static int stop_level(const fix_ctx *x)
{
	int asked = x->o->stop ? (int)*x->o->stop : 0;
	return x->journal && atomic_load(&x->journal->lost) ? 2 : asked;
}

int fix_journal_check(fix_ctx *x, int rc, const char *why)
{
	if (rc >= 0 || !x->journal)
		return rc;
	if (atomic_exchange(&x->journal->lost, 1) == 0)
		snprintf(x->journal->why, sizeof x->journal->why, "%s",
			 why && why[0] ? why : "a write failed");
	return rc;
}

bool fix_wait_out_network(const fix_ctx *x, const vs_error *err, time_t *lost_since, int *round)
{
	if (!vs_error_transient(err))
		return false;
	int grace = x->o->network_grace_s > 0 ? x->o->network_grace_s : FIX_DEFAULT_NETWORK_GRACE;
	time_t now = time(NULL);
	if (!*lost_since)
		*lost_since = now;
	else if (now - *lost_since >= grace)
		return false;
	int ms = *round < 5 ? 250 << *round : 5000;   /* 0.25, 0.5, 1, 2, 4, then 5 s */
	(*round)++;
	fix_sleep_ms(ms > 5000 ? 5000 : ms);
	return true;
}

static int on_prop(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		   vs_error *err)
{
	(void)moref;
	(void)err;
	inventory_apply_change(ctx, prop, val);
	return 0;
}

int fix_read_facts(fix_ctx *x, const char *moref, bool all, vm_facts *f, vs_error *err)
{
	static const char *const state_paths[] = {
		"name", "runtime.powerState", "guest.toolsRunningStatus", "guest.toolsVersionStatus2",
		"guest.toolsVersion", "config.extraConfig",
	};
	size_t n;
	const char *const *paths = inventory_paths(&n);
	if (!all) {
		paths = state_paths;
		n = sizeof state_paths / sizeof state_paths[0];
	}
	/* A lost network is waited out: a VM we took down must not be given up on because
	 * vCenter did not answer for a while. */
	time_t lost = 0;
	int round = 0;
	for (;;) {
		inventory_facts_begin(f, moref);
		if (vs_retrieve_object(x->c, "VirtualMachine", moref, paths, n, on_prop, f, err) == 0)
			return 0;
		if (!fix_wait_out_network(x, err, &lost, &round))
			return -1;
		model_vm_facts_done(f);
	}
}

int fix_wait_power(fix_ctx *x, const char *moref, power_state want, int timeout_s,
		   int stop_at, power_state *now, vs_error *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int round = 0;; round++) {
		vm_facts f;
		if (fix_read_facts(x, moref, false, &f, err) < 0) {
			model_vm_facts_done(&f);
			return -1;
		}
		*now = f.power;
		model_vm_facts_done(&f);
		if (*now == want)
			return 0;
		if (stop_at > 0 && stop_level(x) >= stop_at)
			return vs_fail(err, VS_ERR_CANCELLED, "stopped waiting for %s", model_power_name(want));
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= timeout_s)
			return vs_fail(err, VS_ERR_TIMEOUT, "the VM was not %s after %d s (it is %s)",
				       model_power_name(want), timeout_s, model_power_name(*now));
		fix_sleep_ms(fix_poll_ms(round));
	}
}

int fix_wait_tools(fix_ctx *x, const char *moref, int timeout_s, vs_error *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int round = 0;; round++) {
		vm_facts f;
		if (fix_read_facts(x, moref, false, &f, err) < 0) {
			model_vm_facts_done(&f);
			return -1;
		}
		tools_status ts = f.tools;
		power_state ps = f.power;
		model_vm_facts_done(&f);
		if (ts == TOOLS_RUNNING)
			return 0;
		if (ps != POWER_ON)
			return vs_fail(err, VS_ERR_USAGE, "the VM is %s, so VMware Tools cannot start",
				       model_power_name(ps));
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= timeout_s)
			return vs_fail(err, VS_ERR_TIMEOUT, "VMware Tools was not running after %d s (%s)",
				       timeout_s, model_tools_status_name(ts));
		fix_sleep_ms(fix_poll_ms(round));
	}
}

static store_task_state task_state(vs_task_state s)
{
	switch (s) {
	case VS_TASK_QUEUED: return STORE_TASK_QUEUED;
	case VS_TASK_RUNNING: return STORE_TASK_RUNNING;
	case VS_TASK_SUCCESS: return STORE_TASK_SUCCESS;
	default: return STORE_TASK_ERROR;
	}
}

static void record_task(fix_ctx *x, const char *task, const char *kind, const vs_task_result *r,
			time_t started, time_t ended)
{
	char msg[600] = "";
	if (r && r->state == VS_TASK_ERROR)
		snprintf(msg, sizeof msg, "%s: %s", r->fault, r->message);
	store_task t = {
		.moref = task, .vm = x->vm_moref, .kind = kind,
		.state = r ? task_state(r->state) : STORE_TASK_RUNNING,
		.progress = r ? r->progress : -1, .started_at = started, .ended_at = ended,
		.error = msg[0] ? msg : NULL, .step_id = x->step_id,
	};
	char err[300] = "";
	if (x->db)
		fix_journal_check(x, store_task_record(x->db, x->o->connection_id, &t, err,
						       sizeof err) < 0 ? -1 : 0, err);
}

/* stoppable: a fix step's task (not a restore step's): at stop level 2 (Ctrl-C twice) stop
 * waiting, ask vCenter to cancel it, and let the restore steps run (a hung task must not hold
 * a powered-off VM). A restore task (a power-on) is waited for even then, but when the stop
 * came while it ran, only STOP_RESTORE_GRACE_S more: a power-on still running then is hung,
 * and the operator who pressed Ctrl-C twice gets the way out of the task timeout (the VM is
 * named as off, exit 7, quiescent recover) instead of waiting for --task-timeout. */
#define STOP_RESTORE_GRACE_S 30
static int wait_task(fix_ctx *x, const char *task, const char *kind, int timeout_s, bool stoppable,
		     vs_task_result *out, vs_error *err)
{
	/* Our own poll loop rather than vs_task_wait: its 250 ms..2 s back-off costs a second per
	 * step on short tasks, which is most of a power cycle in the lab; see fix_poll_ms. */
	time_t started = time(NULL);
	record_task(x, task, kind, NULL, started, 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int last_progress = -2;
	memset(out, 0, sizeof *out);
	time_t lost = 0;
	int lost_round = 0;
	bool stop_grace_armed = stop_level(x) < 2;
	for (int round = 0;; round++) {
		vs_task_result_done(out);
		memset(out, 0, sizeof *out);
		if (vs_task_info(x->c, task, out, err) < 0) {
			if (fix_wait_out_network(x, err, &lost, &lost_round))
				continue;
			return -1;
		}
		lost = 0;
		lost_round = 0;
		if (out->progress != last_progress && x->on_progress)
			x->on_progress(x->pctx, out);
		last_progress = out->progress;
		if (out->state == VS_TASK_SUCCESS || out->state == VS_TASK_ERROR) {
			record_task(x, task, kind, out, started, time(NULL));
			if (out->state == VS_TASK_SUCCESS)
				return 0;
			vs_fail(err, VS_ERR_FAULT, "%s failed: %s%s%s%s", kind,
				out->message[0] ? out->message : "no reason given",
				out->fault[0] ? " (" : "", out->fault, out->fault[0] ? ")" : "");
			snprintf(err->fault, sizeof err->fault, "%s", out->fault);
			return -1;
		}
		if (stoppable && stop_level(x) >= 2) {
			vs_error ce;
			vs_error_clear(&ce);
			bool asked = vs_task_cancel(x->c, task, &ce) == 0;
			return vs_fail(err, VS_ERR_CANCELLED, "%s (%s): stopped waiting (stop requested); %s",
				       kind, task, asked ? "cancel requested in vCenter"
				       : "it goes on in vCenter");
		}
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (stop_grace_armed && stop_level(x) >= 2) {
			stop_grace_armed = false;   /* once */
			int bound = (int)(t.tv_sec - t0.tv_sec) + STOP_RESTORE_GRACE_S;
			if (timeout_s <= 0 || bound < timeout_s)
				timeout_s = bound;
		}
		if (timeout_s > 0 && t.tv_sec - t0.tv_sec >= timeout_s) {
			/* Bounded: ask vCenter to cancel it, and say where the VM stands. */
			vs_error ce;
			vs_error_clear(&ce);
			bool asked = vs_task_cancel(x->c, task, &ce) == 0;
			vm_facts f;
			power_state now = POWER_UNKNOWN;
			if (x->vm_moref && fix_read_facts(x, x->vm_moref, false, &f, &ce) == 0)
				now = f.power;
			if (x->vm_moref)
				model_vm_facts_done(&f);
			return vs_fail(err, VS_ERR_TIMEOUT, "%s (%s) did not finish within %d s; %s; the "
				       "VM is %s", kind, task, timeout_s,
				       asked ? "vCenter was asked to cancel it"
					     : "vCenter cannot cancel it, so it goes on there",
				       model_power_name(now));
		}
		fix_sleep_ms(fix_poll_ms(round));
	}
}

int fix_wait_task(fix_ctx *x, const char *task, const char *kind, int timeout_s,
		  vs_task_result *out, vs_error *err)
{
	return wait_task(x, task, kind, timeout_s, false, out, err);
}

/* One vSphere task's bound: the option, else QUIESCENT_FIX_TASK_TIMEOUT (seconds), else by
 * kind: a Tools upgrade may take half an hour, a power operation or a reconfigure ten minutes
 * is already far past anything healthy (and a VM may be off meanwhile). */
static int task_timeout(const fix_exec_opts *o, const char *kind)
{
	if (o->task_timeout_s > 0)
		return o->task_timeout_s;
	const char *e = getenv("QUIESCENT_FIX_TASK_TIMEOUT");
	char *end;
	long v = e ? strtol(e, &end, 10) : 0;
	if (e && *e && !*end && v > 0 && v <= 86400)
		return (int)v;
	return !strcmp(kind, "VirtualMachine.upgradeTools") ? 1800 : 600;
}

int fix_power_on(fix_ctx *x, const char *moref, char *task, size_t n, vs_error *err)
{
	task[0] = '\0';
	time_t lost = 0;
	int round = 0;
	while (vs_vm_power_on(x->c, moref, task, n, err) < 0) {
		/* The request may have run with its answer lost: vCenter's power state says. */
		if (!fix_wait_out_network(x, err, &lost, &round))
			return -1;
		vm_facts f;
		vs_error e2;
		vs_error_clear(&e2);
		int rr = fix_read_facts(x, moref, false, &f, &e2);
		power_state now = f.power;
		model_vm_facts_done(&f);
		if (rr == 0 && now == POWER_ON) {
			vs_error_clear(err);
			return 0;
		}
	}
	char jerr[300] = "";
	if (x->db && x->step_id)
		fix_journal_check(x, store_step_set_task(x->db, x->step_id, task, jerr, sizeof jerr),
				  jerr);
	vs_task_result r;
	int rc = fix_wait_task(x, task, "VirtualMachine.powerOn",
			       task_timeout(x->o, "VirtualMachine.powerOn"), &r, err);
	vs_task_result_done(&r);
	return rc;
}

int fix_verify_vm(fix_ctx *x, const char *moref, bool reprobe, vm_facts *f, verdict *v,
		  vs_error *err)
{
	model_verdict_init(v);
	if (fix_read_facts(x, moref, true, f, err) < 0)
		return -1;
	bool creds = x->o->guest_user && x->o->guest_password;
	if (reprobe && creds && probe_applicable(f))
		probe_vm(x->c, f, x->o->guest_user, x->o->guest_password, 120, &f->probe);
	/* Without a new probe the last one in history stands (the scan's rule). */
	scan_settle_probe(x->db, x->o->vcenter, f, reprobe, creds);
	time_t set_at;
	if (x->db && store_enable_uuid_set_at(x->db, x->o->vcenter, moref, &set_at, NULL, 0) == 1)
		f->enable_uuid_set_at = set_at;
	scan_settle_marks_one(x->db, x->o->vcenter, f, NULL, 0); /* R24 after a restart-needing step */
	rules_evaluate(f, time(NULL), v);
	return 0;
}

/* The step's task moref in the journal as soon as it is known. */
static void journal_task(fix_ctx *x, const char *task)
{
	char err[300] = "";
	fix_journal_check(x, store_step_set_task(x->db, x->step_id, task, err, sizeof err), err);
}

/* ---- the executor ---- */

typedef struct {
	const fix_plan *plan;
	const fix_exec_opts *o;
	vs_session *s;
	int64_t *vm_ids;            /* plan_vms ids, parallel to plan->vms */
	int64_t **step_ids;         /* per VM, per step */
	fix_vm_result *res;
	atomic_size_t next;
	fix_journal journal;
	char **busy;                /* per VM: who held it when the plan began (dropped), or NULL */
} exec_shared;

typedef struct {
	exec_shared *sh;
	fix_ctx x;
	size_t vm;
	size_t step;
	const fix_step *st;
} worker;

static void emit(worker *w, fix_event_kind kind, const char *task, int progress,
		 store_step_state state, fix_outcome outcome, const char *message)
{
	const fix_exec_opts *o = w->sh->o;
	if (!o->on_event)
		return;
	const fix_vm_plan *vp = &w->sh->plan->vms[w->vm];
	fix_event ev = {
		.kind = kind, .vm = w->vm, .vm_name = vp->name, .step = w->step,
		.step_kind = w->st ? w->st->kind : FIX_STEP_VERIFY,
		.description = w->st ? w->st->description : NULL, .task = task,
		.progress = progress, .state = state, .outcome = outcome, .message = message,
	};
	o->on_event(&ev, o->ctx);
}

static void relay_progress(void *pctx, const vs_task_result *r)
{
	worker *w = pctx;
	emit(w, FIX_EV_STEP_PROGRESS, r->task, r->progress, STORE_STEP_RUNNING, FIX_OUT_FIXED, NULL);
}

/* What happened to the VM so far: drives which restore steps run. */
typedef struct {
	bool failed;          /* a fix step failed */
	bool asked_down;      /* ShutdownGuest accepted or power off started */
	bool down;            /* we saw it powered off */
	bool powered_on;      /* our power-on succeeded */
	bool mounted;         /* the Tools installer is mounted by us */
	bool skipped_rest;    /* stop level 2 */
	char restart_why[80]; /* the step just run left a guest restart pending (R24): why */
	bool restart_pending; /* verification still sees R24: the result must say so */
	char first_error[400];
	power_state power;
	vm_facts before;      /* facts at the start */
} vm_state;

static void set_error(vm_state *vs, const char *what, const char *why)
{
	if (!vs->first_error[0])
		snprintf(vs->first_error, sizeof vs->first_error, "%.60s: %.330s", what, why);
}

static const char *uuid_value(const vm_facts *f)
{
	return f->enable_uuid_raw ? f->enable_uuid_raw : "(absent)";
}

/* msiexec's exit codes that setup64.exe passes on (Windows Installer error codes). */
static const char *msi_exit_meaning(int code)
{
	switch (code) {
	case 1602: return "the installation was cancelled";
	case 1603: return "a fatal error during installation: run the setup in the guest's console "
			  "to see why";
	case 1618: return "another installation is already in progress in the guest: let it finish, "
			  "then fix again";
	case 1619: case 1620: return "the installer package could not be opened: is the Tools ISO "
				     "complete?";
	case 1638: return "another version of VMware Tools is installed: upgrade Tools first (R03)";
	case 1639: return "invalid installer command line";
	default: return NULL;
	}
}

/* Before a restart of a service: a disabled one would be stopped and never start again, its
 * writers gone with it, so it is left alone. 0: go on; -1 (err set): disabled, not
 * installed, or its configuration cannot be read. */
static int service_disabled(worker *w, const char *vm, const char *service, char *after,
			    size_t an, vs_error *err)
{
	const fix_exec_opts *o = w->sh->o;
	fix_ctx *x = &w->x;
	char *cmd = xasprintf("sc qc \"%s\"", service);
	char *output = NULL;
	int code = -1;
	int rc = probe_guest_run(x->c, vm, o->guest_user, o->guest_password, cmd, 60, &output,
				 &code, err);
	free(cmd);
	if (rc < 0) {
		free(output);
		return -1;
	}
	svc_facts f;
	char perr[200];
	memset(&f, 0, sizeof f);
	bool ok = probe_parse_sc_qc(output ? output : "", &f, perr, sizeof perr);
	free(output);
	if (!ok) {
		return vs_fail(err, VS_ERR_PARSE, "the configuration of the service %s cannot be read "
			       "(sc qc: %s); it was not restarted", service, perr);
	}
	if (f.installed == TRI_NO) {
		return vs_fail(err, VS_ERR_FAULT, "the service %s is not installed in the guest; "
			       "nothing was restarted", service);
	}
	if (f.start == SVC_START_DISABLED) {
		snprintf(after, an, "%s disabled: not restarted", service);
		return vs_fail(err, VS_ERR_FAULT, "the service %s is disabled: a restart would stop it "
			       "for good, so it was left running as it is; enable it (sc config \"%s\" "
			       "start= demand), then fix again", service, service);
	}
	return 0;
}

/* A request whose answer was lost may have started a task: the newest unfinished one on the VM
 * whose descriptionId contains `kind` (vCenter: VirtualMachine.reconfigure; some servers name it
 * after the method) among vCenter's recent tasks is waited for (bounded), so what is read next
 * is its outcome, not a moment in the middle of it. */
static void follow_lost_task(fix_ctx *x, const char *vm, const char *kind, int timeout_s)
{
	vs_task_result *t = NULL;
	size_t nt = 0;
	vs_error e;
	vs_error_clear(&e);
	if (vs_recent_tasks(x->c, &t, &nt, &e) < 0)
		return;
	const vs_task_result *best = NULL;
	for (size_t i = 0; i < nt; i++)
		if (!strcmp(t[i].entity, vm) && strcasestr(t[i].description_id, kind) &&
		    (t[i].state == VS_TASK_QUEUED || t[i].state == VS_TASK_RUNNING) &&
		    (!best || t[i].queued_at >= best->queued_at))
			best = &t[i];
	if (best) {
		vs_task_result r;
		int grace = x->o->network_grace_s > 0 ? x->o->network_grace_s : FIX_DEFAULT_NETWORK_GRACE;
		vs_task_wait_grace(x->c, best->task, timeout_s, grace, NULL, NULL, &r, &e);
		vs_task_result_done(&r);
	}
	vs_task_results_free(t, nt);
}

/* ---- the steps: one function per kind, each 0 done, -1 failed (why in o->err), 1 skipped ---- */

/* Where a step reports: the task it started, its result and the value after it. */
typedef struct {
	char *task;
	size_t tn;
	char *result;
	size_t rn;
	char *after;
	size_t an;
	vs_error *err;
} step_out;

static const char *step_vm(const worker *w)
{
	return w->sh->plan->vms[w->vm].moref;
}

static int tools_timeout(const worker *w)
{
	return w->sh->o->tools_timeout_s > 0 ? w->sh->o->tools_timeout_s : 600;
}

static int step_guest_command(worker *w, vm_state *vs, step_out *o)
{
	(void)vs;
	fix_ctx *x = &w->x;
	const fix_step *st = w->st;
	const char *vm = step_vm(w);
	char *output = NULL;
	int code = -1;
	if (!w->sh->o->guest_user || !w->sh->o->guest_password)
		return vs_fail(o->err, VS_ERR_USAGE, "no guest credentials for Guest Operations");
	if (st->service && service_disabled(w, vm, st->service, o->after, o->an, o->err) < 0)
		return -1;
	int rc = probe_guest_run(x->c, vm, w->sh->o->guest_user, w->sh->o->guest_password,
				 st->arg, 120, &output, &code, o->err);
	/* The network went away under the command (its answer, or the output, lost): wait it out
	 * within the grace and run the command again, once. The guest commands a fix runs by
	 * itself set a configuration or start a service, so a second run changes nothing more;
	 * the disruptive restarts are guided, never run from here. */
	time_t lost = 0;
	int round = 0;
	bool rerun = false;
	while (rc < 0 && !rerun && stop_level(x) == 0 && fix_wait_out_network(x, o->err, &lost, &round)) {
		vs_error probe_err;
		vs_error_clear(&probe_err);
		vm_facts f;
		if (fix_read_facts(x, vm, false, &f, &probe_err) < 0) {   /* vCenter not back yet */
			model_vm_facts_done(&f);
			continue;
		}
		model_vm_facts_done(&f);
		free(output);
		output = NULL;
		rerun = true;
		vs_error_clear(o->err);
		rc = probe_guest_run(x->c, vm, w->sh->o->guest_user, w->sh->o->guest_password,
				     st->arg, 120, &output, &code, o->err);
	}
	if (rc == 0) {
		/* The first non-empty line is the answer ("[SC] ChangeServiceConfig SUCCESS"). */
		const char *p = output ? output : "";
		while (*p == '\r' || *p == '\n' || *p == ' ')
			p++;
		snprintf(o->after, o->an, "exit %d%s%.*s", code, *p ? ": " : "",
			 (int)strcspn(p, "\r\n"), p);
		probe_utf8_trim(o->after);
		snprintf(o->result, o->rn, "%s%s", o->after,
			 rerun ? " (run again after the network came back)" : "");
		if (code != 0) {
			char said[300];
			probe_command_said(output, said, sizeof said);
			rc = vs_fail(o->err, VS_ERR_FAULT, "the guest command ended with exit code %d: %s",
				     code, said);
		}
	}
	free(output);
	return rc;
}

static int step_upgrade_tools(worker *w, vm_state *vs, step_out *o)
{
	fix_ctx *x = &w->x;
	const fix_step *st = w->st;
	const char *vm = step_vm(w);
	if (vs_vm_upgrade_tools(x->c, vm, st->arg, o->task, o->tn, o->err) < 0)
		return -1;
	journal_task(x, o->task);
	vs_task_result r;
	int rc = wait_task(x, o->task, "VirtualMachine.upgradeTools",
			   task_timeout(w->sh->o, "VirtualMachine.upgradeTools"), true, &r, o->err);
	vs_task_result_done(&r);
	if (rc == 0) {
		vm_facts f;
		if (fix_read_facts(x, vm, false, &f, o->err) == 0) {
			char ver[16];
			snprintf(o->after, o->an, "Tools %s %s",
				 model_tools_version_format(f.tools_version, ver),
				 model_tools_status_name(f.tools));
		}
		model_vm_facts_done(&f);
		snprintf(o->result, o->rn, "UpgradeTools_Task succeeded");
		if (fix_installer_removes_driver(st->arg))
			snprintf(vs->restart_why, sizeof vs->restart_why,
				 "the sync driver was removed with REBOOT=R");
	}
	return rc;
}

static int step_mount_installer(worker *w, vm_state *vs, step_out *o)
{
	if (vs_vm_mount_tools_installer(w->x.c, step_vm(w), o->err) < 0)
		return -1;
	vs->mounted = true;
	snprintf(o->after, o->an, "installer mounted");
	return 0;
}

static int step_unmount_installer(worker *w, vm_state *vs, step_out *o)
{
	if (!vs->mounted)
		return 1;
	if (vs_vm_unmount_tools_installer(w->x.c, step_vm(w), o->err) < 0)
		return -1;
	vs->mounted = false;
	snprintf(o->after, o->an, "installer unmounted");
	return 0;
}

static int step_guest_setup(worker *w, vm_state *vs, step_out *o)
{
	fix_ctx *x = &w->x;
	char *output = NULL;
	int code = -1;
	if (!w->sh->o->guest_user || !w->sh->o->guest_password)
		return vs_fail(o->err, VS_ERR_USAGE, "no guest credentials for Guest Operations");
	int rc = probe_guest_run(x->c, step_vm(w), w->sh->o->guest_user, w->sh->o->guest_password,
				 w->st->arg, tools_timeout(w), &output, &code, o->err);
	if (rc == 0) {
		snprintf(o->after, o->an, "exit %d", code);
		if (code == 3010) { /* done; REBOOT=R held back the reboot it wants */
			snprintf(o->result, o->rn, "setup exit code 3010: done, the guest needs a "
				 "restart to finish it");
			snprintf(vs->restart_why, sizeof vs->restart_why, "setup exit code 3010");
		} else
			snprintf(o->result, o->rn, "setup exit code %d", code);
	}
	if (rc == 0 && code != 0 && code != 3010) {
		char said[300];
		const char *why = msi_exit_meaning(code);
		if (!why) {
			probe_command_said(output, said, sizeof said);
			why = said;
		}
		rc = vs_fail(o->err, VS_ERR_FAULT, "the VMware Tools setup in the guest ended with "
			     "exit code %d: %s", code, why);
	}
	free(output);
	return rc;
}

static int step_wait_tools(worker *w, vm_state *vs, step_out *o)
{
	if (w->st->restore && !vs->powered_on)
		return 1;
	if (fix_wait_tools(&w->x, step_vm(w), tools_timeout(w), o->err) < 0)
		return -1;
	snprintf(o->after, o->an, "toolsRunning");
	return 0;
}

static int step_power_off(worker *w, vm_state *vs, step_out *o)
{
	fix_ctx *x = &w->x;
	const char *vm = step_vm(w);
	vs_error_clear(o->err);
	if (vs_vm_power_off(x->c, vm, o->task, o->tn, o->err) < 0) {
		vs->asked_down |= vs_error_transient(o->err);   /* it may have run */
		return -1;
	}
	vs->asked_down = true;
	journal_task(x, o->task);
	vs_task_result r;
	int rc = wait_task(x, o->task, "VirtualMachine.powerOff",
			   task_timeout(w->sh->o, "VirtualMachine.powerOff"), true, &r, o->err);
	vs_task_result_done(&r);
	if (rc < 0) {
		/* Already off (a late guest shutdown) is what we wanted. */
		power_state now = POWER_UNKNOWN;
		vs_error e2;
		if (fix_wait_power(x, vm, POWER_OFF, 0, 0, &now, &e2) != 0)
			return -1;
		vs_error_clear(o->err);
	}
	vs->down = true;
	snprintf(o->after, o->an, "poweredOff");
	if (!o->result[0])
		snprintf(o->result, o->rn, "powered off");
	return 0;
}

/* ShutdownGuest, waited out across a lost network; powered off when that is allowed and the
 * guest refuses or takes too long. */
static int step_shutdown_guest(worker *w, vm_state *vs, step_out *o)
{
	fix_ctx *x = &w->x;
	const fix_plan_opts *po = &w->sh->plan->opts;
	const char *vm = step_vm(w);
	power_state now = POWER_UNKNOWN;
	time_t lost = 0;
	int round = 0;
	int src;
	while ((src = vs_vm_shutdown_guest(x->c, vm, o->err)) < 0 && vs_error_transient(o->err)) {
		/* An answer lost on the way back: the guest may be going down, so the restore
		 * steps must watch it. Once vCenter answers again, ask again unless it is already
		 * off (a second request to a guest going down is harmless). */
		vs->asked_down = true;
		if (!fix_wait_out_network(x, o->err, &lost, &round))
			return -1;
		vm_facts f;
		vs_error e2;
		vs_error_clear(&e2);
		int rr = fix_read_facts(x, vm, false, &f, &e2);
		now = f.power;
		model_vm_facts_done(&f);
		if (rr == 0 && now == POWER_OFF)
			break;
	}
	if (src < 0 && vs->asked_down) {
		vs_error_clear(o->err);   /* an earlier request may have landed: watch below */
	} else if (src < 0) {
		/* Tools stopped since the plan: power off when allowed. */
		if (!po->hard_power_off)
			return -1;
		snprintf(o->result, o->rn, "ShutdownGuest refused (%.200s); powered off "
			 "(--hard-power-off)", o->err->fault[0] ? o->err->fault : o->err->message);
		return step_power_off(w, vs, o);
	}
	vs->asked_down = true;
	if (fix_wait_power(x, vm, POWER_OFF, po->shutdown_timeout_s, 0, &now, o->err) == 0) {
		vs->down = true;
		snprintf(o->after, o->an, "poweredOff");
		snprintf(o->result, o->rn, "guest shut down");
		return 0;
	}
	if (o->err->kind != VS_ERR_TIMEOUT || !po->hard_power_off)
		return -1;
	snprintf(o->result, o->rn, "guest shutdown timed out after %d s; powered off "
		 "(--hard-power-off)", po->shutdown_timeout_s);
	return step_power_off(w, vs, o);
}

/* A reconfigure whose ending we did not see as usual (its answer lost, or a stop while it
 * ran): vCenter's value decides, and the journal never reads "failed" for a value vCenter
 * shows set. 0 with o->result saying how, else -1 with o->err as it was. */
static int uuid_set_after_all(fix_ctx *x, const char *vm, step_out *o, const char *how)
{
	vm_facts f;
	vs_error e2;
	vs_error_clear(&e2);
	bool set = fix_read_facts(x, vm, false, &f, &e2) == 0 && f.enable_uuid == TRI_YES;
	snprintf(o->after, o->an, "%s", set ? uuid_value(&f) : "");
	model_vm_facts_done(&f);
	if (!set)
		return -1;
	vs_error_clear(o->err);
	snprintf(o->result, o->rn, "%s; vCenter shows the value set", how);
	return 0;
}

static int step_set_enable_uuid(worker *w, vm_state *vs, step_out *o)
{
	(void)vs;
	fix_ctx *x = &w->x;
	const fix_step *st = w->st;
	const char *vm = step_vm(w);
	const char *keys[] = { "disk.EnableUUID" };
	const char *vals[] = { st->arg ? st->arg : "TRUE" };
	vm_facts f;
	if (vs_vm_set_extra_config(x->c, vm, keys, vals, 1, o->task, o->tn, o->err) < 0) {
		/* The answer may have been lost after it ran: vCenter's value says. The journal
		 * must never read "failed" for a change vCenter shows made. */
		if (!vs_error_transient(o->err))
			return -1;
		follow_lost_task(x, vm, "reconfig", task_timeout(w->sh->o, "VirtualMachine.reconfigure"));
		return uuid_set_after_all(x, vm, o, "the answer to ReconfigVM_Task was lost");
	}
	journal_task(x, o->task);
	vs_task_result r;
	int rc = wait_task(x, o->task, "VirtualMachine.reconfigure",
			   task_timeout(w->sh->o, "VirtualMachine.reconfigure"), true, &r, o->err);
	vs_task_result_done(&r);
	if (rc < 0 && o->err->kind == VS_ERR_CANCELLED) {
		/* Stopped while the reconfigure ran: vCenter rarely honours the cancel of so short a
		 * task, so follow it to its end (briefly) and journal what vCenter shows, never
		 * "failed" for a value it set. */
		vs_error e2;
		vs_error_clear(&e2);
		rc = wait_task(x, o->task, "VirtualMachine.reconfigure", STOP_RESTORE_GRACE_S, false,
			       &r, &e2);
		vs_task_result_done(&r);
		if (rc < 0)
			return -1;
		return uuid_set_after_all(x, vm, o, "stopped while ReconfigVM_Task ran; it ended");
	}
	if (rc < 0)
		return -1;
	if (fix_read_facts(x, vm, false, &f, o->err) < 0) {
		model_vm_facts_done(&f);
		return -1;
	}
	snprintf(o->after, o->an, "%s", uuid_value(&f));
	bool ok = f.enable_uuid == TRI_YES;
	model_vm_facts_done(&f);
	if (!ok)
		return vs_fail(o->err, VS_ERR_FAULT, "the reconfigure succeeded but disk.EnableUUID "
			       "reads %s", o->after);
	snprintf(o->result, o->rn, "ReconfigVM_Task succeeded");
	return 0;
}

/* Brings back a VM we asked down, after watching a shutdown that may still land. */
static int step_power_on(worker *w, vm_state *vs, step_out *o)
{
	fix_ctx *x = &w->x;
	const char *vm = step_vm(w);
	if (!vs->asked_down)
		return 1;
	power_state now = POWER_UNKNOWN;
	if (!vs->down) {
		/* A shutdown we asked for may still land: watch it for the grace period and bring
		 * the VM back if it goes down, so it ends as it began. */
		int grace = w->sh->o->grace_s > 0 ? w->sh->o->grace_s : 120;
		if (fix_wait_power(x, vm, POWER_OFF, grace, 0, &now, o->err) < 0) {
			if (now == POWER_ON) {
				vs_error_clear(o->err);
				snprintf(o->result, o->rn, "the VM stayed powered on");
				snprintf(o->after, o->an, "poweredOn");
				return 0;
			}
			return -1;
		}
		vs->down = true;
	}
	if (fix_power_on(x, vm, o->task, o->tn, o->err) < 0) {
		vs_error e2;
		if (fix_wait_power(x, vm, POWER_ON, 0, 0, &now, &e2) != 0)
			return -1;
		vs_error_clear(o->err);
	}
	vs->powered_on = true;
	vs->down = false;
	snprintf(o->after, o->an, "poweredOn");
	snprintf(o->result, o->rn, "powered on");
	return 0;
}

typedef int (*step_fn)(worker *w, vm_state *vs, step_out *o);

/* FIX_STEP_VERIFY is not run here: verify() below is the last step of every VM. */
static const step_fn step_fns[FIX_STEP_COUNT] = {
	[FIX_STEP_GUEST_COMMAND] = step_guest_command,
	[FIX_STEP_UPGRADE_TOOLS] = step_upgrade_tools,
	[FIX_STEP_MOUNT_INSTALLER] = step_mount_installer,
	[FIX_STEP_UNMOUNT_INSTALLER] = step_unmount_installer,
	[FIX_STEP_GUEST_SETUP] = step_guest_setup,
	[FIX_STEP_WAIT_TOOLS] = step_wait_tools,
	[FIX_STEP_SHUTDOWN_GUEST] = step_shutdown_guest,
	[FIX_STEP_POWER_OFF] = step_power_off,
	[FIX_STEP_SET_ENABLE_UUID] = step_set_enable_uuid,
	[FIX_STEP_POWER_ON] = step_power_on,
};

/* Runs one step; fills result/after. Returns 0 done, -1 failed (why in err), 1 skipped. */
static int run_step(worker *w, vm_state *vs, char *task, size_t tn, char *result, size_t rn,
		    char *after, size_t an, vs_error *err)
{
	step_out o = { .task = task, .tn = tn, .result = result, .rn = rn, .after = after,
		       .an = an, .err = err };
	unsigned k = (unsigned)w->st->kind;
	if (k >= FIX_STEP_COUNT || !step_fns[k])
		return vs_fail(err, VS_ERR_USAGE, "unknown step");
	return step_fns[k](w, vs, &o);
}

/* Verification: the rules the steps served are gone. */
static fix_outcome verify(worker *w, vm_state *vs, fix_vm_result *res, char *after, size_t an,
			  vs_error *err)
{
	const fix_vm_plan *vp = &w->sh->plan->vms[w->vm];
	vm_facts f;
	verdict v;
	if (fix_verify_vm(&w->x, vp->moref, vp->reprobe, &f, &v, err) < 0) {
		model_vm_facts_done(&f);
		model_verdict_done(&v);
		return FIX_OUT_FAILED;
	}
	res->verified = true;
	res->status = v.status;
	res->final_power = f.power;
	strbuf remain;
	strbuf_init(&remain);
	bool served[RULE_COUNT] = { false }; /* by the plan's steps */
	for (size_t j = 0; j < vp->n_steps; j++) {
		rule_id id = rules_id_of(vp->steps[j].rule);
		if (id != RULE_COUNT)
			served[id] = true;
	}
	for (size_t i = 0; i < v.n_findings; i++) {
		rule_id id = rules_id_of(v.findings[i].rule);
		if (id != RULE_COUNT && served[id])
			strbuf_addf(&remain, "%s%s", remain.len ? "," : "", v.findings[i].rule);
	}
	snprintf(after, an, "status %s, level %s%s%s", model_status_name(v.status),
		 model_level_name(v.predicted), remain.len ? ", still: " : "", remain.buf);
	for (size_t i = 0; i < v.n_findings; i++)
		vs->restart_pending |= rules_finding_is(&v.findings[i], RULE_R24);
	fix_outcome out = FIX_OUT_FIXED;
	if (remain.len) {
		out = FIX_OUT_FAILED;
		set_error(vs, "verification", "the findings are still there");
	}
	strbuf_done(&remain);
	model_vm_facts_done(&f);
	model_verdict_done(&v);
	return out;
}

static void run_vm(worker *w)
{
	exec_shared *sh = w->sh;
	const fix_vm_plan *vp = &sh->plan->vms[w->vm];
	fix_vm_result *res = &sh->res[w->vm];
	fix_ctx *x = &w->x;
	x->vm_moref = vp->moref;
	res->started_at = time(NULL);
	res->status = STATUS_UNKNOWN;
	w->st = NULL;
	w->step = 0;
	emit(w, FIX_EV_VM_BEGIN, NULL, -1, STORE_STEP_PLANNED, FIX_OUT_FIXED, NULL);

	vm_state vs = { 0 };
	vs_error err;
	vs_error_clear(&err);
	bool have_before = fix_read_facts(x, vp->moref, false, &vs.before, &err) == 0;
	fix_outcome outcome = FIX_OUT_FIXED;
	if (!have_before) {
		set_error(&vs, "reading the VM", err.message);
		outcome = FIX_OUT_FAILED;
		vs.failed = true;
	} else if (vs.before.power != vp->original_power) {
		snprintf(vs.first_error, sizeof vs.first_error,
			 "its power state changed since the plan (was %s, now %s): plan again",
			 model_power_name(vp->original_power), model_power_name(vs.before.power));
		outcome = FIX_OUT_SKIPPED;
		vs.failed = true;
	}
	res->final_power = have_before ? vs.before.power : POWER_UNKNOWN;

	for (size_t i = 0; i < vp->n_steps; i++) {
		const fix_step *st = &vp->steps[i];
		w->st = st;
		w->step = i;
		int64_t sid = sh->step_ids[w->vm][i];
		x->step_id = sid;
		if (outcome == FIX_OUT_SKIPPED || !have_before) {
			store_step_end(x->db, sid, STORE_STEP_SKIPPED, time(NULL), NULL, vs.first_error,
				       NULL, NULL, 0);
			emit(w, FIX_EV_STEP_END, NULL, -1, STORE_STEP_SKIPPED, outcome, vs.first_error);
			continue;
		}
		if (!st->restore && !vs.failed && stop_level(x) >= 2)
			vs.skipped_rest = true;
		if (!st->restore && (vs.failed || vs.skipped_rest)) {
			const char *why = vs.failed ? "not run: an earlier step failed" : "not run: stopped";
			store_step_end(x->db, sid, STORE_STEP_SKIPPED, time(NULL), NULL, why, NULL, NULL, 0);
			emit(w, FIX_EV_STEP_END, NULL, -1, STORE_STEP_SKIPPED, outcome, why);
			continue;
		}
		/* before value */
		char before[256] = "";
		switch (st->kind) {
		case FIX_STEP_SET_ENABLE_UUID:
			snprintf(before, sizeof before, "%s", uuid_value(&vs.before));
			break;
		case FIX_STEP_UPGRADE_TOOLS: {
			char ver[16];
			snprintf(before, sizeof before, "Tools %s %s",
				 model_tools_version_format(vs.before.tools_version, ver),
				 model_tools_status_name(vs.before.tools));
			break;
		}
		case FIX_STEP_GUEST_COMMAND:
		case FIX_STEP_GUEST_SETUP:
			snprintf(before, sizeof before, "%.250s", st->arg ? st->arg : "");
			break;
		default:
			snprintf(before, sizeof before, "%s",
				 model_power_name(vs.down ? POWER_OFF : vs.before.power));
		}
		char sentence[300];
		if (store_step_begin(x->db, sid, time(NULL), before, vp->original_power, sentence,
				     sizeof sentence) < 0) {
			/* No journal, no action: an unrecorded power-off is how a VM gets lost. */
			fix_journal_check(x, -1, sentence);
			set_error(&vs, "journal", sentence);
			vs.failed = true;
			outcome = FIX_OUT_FAILED;
			if (!st->restore)
				continue;
		}
		emit(w, FIX_EV_STEP_BEGIN, NULL, -1, STORE_STEP_RUNNING, outcome, NULL);
		char task[VS_MOREF_MAX] = "", result[300] = "", after[300] = "";
		vs_error_clear(&err);
		int rc;
		if (st->kind == FIX_STEP_VERIFY) {
			fix_outcome vo = verify(w, &vs, res, after, sizeof after, &err);
			rc = res->verified ? 0 : -1;
			if (vo == FIX_OUT_FAILED && res->verified)
				snprintf(result, sizeof result, "findings remain");
			else if (res->verified)
				snprintf(result, sizeof result, "verified");
			if (vo == FIX_OUT_FAILED)
				outcome = FIX_OUT_FAILED;
		} else {
			rc = run_step(w, &vs, task, sizeof task, result, sizeof result, after,
				      sizeof after, &err);
		}
		store_step_state end = rc == 0 ? STORE_STEP_DONE : rc > 0 ? STORE_STEP_SKIPPED
									: STORE_STEP_FAILED;
		/* A restore step after a failure undoes the fix attempt: rolled back. */
		if (rc == 0 && st->restore && st->kind == FIX_STEP_POWER_ON && (vs.failed || vs.skipped_rest))
			end = STORE_STEP_ROLLED_BACK;
		const char *emsg = rc < 0 ? err.message : rc > 0 ? "not needed" : NULL;
		char jerr[300] = "";
		fix_journal_check(x, store_step_end(x->db, sid, end, time(NULL), result[0] ? result : NULL,
						    emsg, after[0] ? after : NULL, jerr, sizeof jerr), jerr);
		if (rc == 0 && vs.restart_why[0]) /* R24 compares it with the next bootTime */
			fix_journal_check(x, store_step_set_restart_needed(x->db, sid, vs.restart_why, jerr,
									   sizeof jerr), jerr);
		vs.restart_why[0] = '\0';
		emit(w, FIX_EV_STEP_END, task[0] ? task : NULL, -1, end, outcome,
		     rc < 0 ? err.message : result);
		if (rc < 0 && st->kind != FIX_STEP_VERIFY) {
			set_error(&vs, fix_step_kind_name(st->kind), err.message);
			vs.failed = true;
			outcome = FIX_OUT_FAILED;
		} else if (rc < 0) {
			set_error(&vs, "verification", err.message);
			outcome = FIX_OUT_FAILED;
		}
	}

	if (outcome == FIX_OUT_FIXED && vs.skipped_rest) {
		outcome = FIX_OUT_FAILED;
		set_error(&vs, "stopped", "remaining steps were not run (stopped)");
	}
	if (outcome == FIX_OUT_FIXED && vp->n_unfixed)
		outcome = FIX_OUT_PARTIAL;
	/* Is it as it was? A VM that was on must be on: say so loudly when not. */
	if (vs.asked_down && have_before) {
		/* Not read is not known: never report the power state from before we acted. */
		vm_facts f;
		res->final_power = fix_read_facts(x, vp->moref, false, &f, &err) == 0 ? f.power
										  : POWER_UNKNOWN;
		model_vm_facts_done(&f);
	}
	res->outcome = outcome;
	if (outcome == FIX_OUT_FIXED)
		snprintf(res->message, sizeof res->message, "fixed and verified (%s)",
			 model_status_name(res->status));
	else if (outcome == FIX_OUT_PARTIAL)
		snprintf(res->message, sizeof res->message,
			 "fixed what could be fixed; %zu finding(s) need a person", vp->n_unfixed);
	else if (outcome == FIX_OUT_SKIPPED)
		snprintf(res->message, sizeof res->message, "not started: %s", vs.first_error);
	else
		snprintf(res->message, sizeof res->message, "%s", vs.first_error[0] ? vs.first_error
										  : "failed");
	/* Not "fixed and verified" while the change waits for a restart. */
	if (vs.restart_pending && outcome == FIX_OUT_FIXED)
		snprintf(res->message, sizeof res->message, "fixed");
	if (vs.restart_pending && (outcome == FIX_OUT_FIXED || outcome == FIX_OUT_PARTIAL)) {
		size_t l = strlen(res->message);
		snprintf(res->message + l, sizeof res->message - l, "; RESTART PENDING: the guest "
			 "must restart to finish the change (R24)");
	}
	if (vp->original_power == POWER_ON && res->final_power != POWER_ON) {
		size_t l = strlen(res->message);
		snprintf(res->message + l, sizeof res->message - l,
			 "; WARNING: the VM is %s and was poweredOn: power it on", model_power_name(res->final_power));
	}
	res->ended_at = time(NULL);
	char jerr[300] = "";
	fix_journal_check(x, store_plan_vm_set_outcome(x->db, sh->vm_ids[w->vm],
						       fix_outcome_name(outcome), res->message, jerr,
						       sizeof jerr), jerr);
	w->st = NULL;
	emit(w, FIX_EV_VM_END, NULL, -1, STORE_STEP_DONE, outcome, res->message);
	model_vm_facts_done(&vs.before);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	exec_shared *sh = w->sh;
	for (;;) {
		size_t i = atomic_fetch_add(&sh->next, 1);
		if (i >= sh->plan->n_vms)
			break;
		const fix_vm_plan *vp = &sh->plan->vms[i];
		if (!vp->n_steps)
			continue;   /* manual-only VMs were settled before the workers started */
		if (sh->busy[i]) {   /* settled in the plan's transaction: another run has it */
			sh->res[i].outcome = FIX_OUT_SKIPPED;
			sh->res[i].busy = true;
			snprintf(sh->res[i].message, sizeof sh->res[i].message, "not started: %s",
				 sh->busy[i]);
			continue;
		}
		if (stop_level(&w->x) >= 1) {
			bool lost = atomic_load(&sh->journal.lost);
			sh->res[i].outcome = FIX_OUT_SKIPPED;
			snprintf(sh->res[i].message, sizeof sh->res[i].message, "not started: %s",
				 lost ? "the history could not be written" : "stopped");
			for (size_t j = 0; j < vp->n_steps; j++)
				store_step_end(w->x.db, sh->step_ids[i][j], STORE_STEP_SKIPPED, time(NULL), NULL,
					       "not run: stopped", NULL, NULL, 0);
			store_plan_vm_set_outcome(w->x.db, sh->vm_ids[i], "skipped", sh->res[i].message,
						  NULL, 0);
			continue;
		}
		w->vm = i;
		run_vm(w);
	}
	return NULL;
}

static char *plan_options_json(const fix_plan *p)
{
	strbuf sb;
	strbuf_init(&sb);
	json_writer jw;
	json_writer_init(&jw, &sb, false);
	json_object_begin(&jw);
	json_kv_bool(&jw, "hard_power_off", p->opts.hard_power_off);
	json_kv_int(&jw, "shutdown_timeout_s", p->opts.shutdown_timeout_s);
	json_kv_string(&jw, "tools_method", fix_tools_method_name(p->opts.tools_method));
	json_object_end(&jw);
	return strbuf_detach(&sb, NULL);
}

/* The plan, its VMs and steps, in one transaction so it appears whole. Returns the plan id. */
static int64_t record_plan(store *db, const fix_plan *plan, const fix_exec_opts *o,
			   exec_shared *sh, char *msg, size_t msglen)
{
	if (store_begin(db, msg, msglen) < 0)
		return -1;
	char *opts = plan_options_json(plan);
	int64_t id = store_plan_create(db, o->connection_id, o->scan_id, time(NULL), opts, msg, msglen);
	free(opts);
	if (id < 0)
		goto fail;
	for (size_t i = 0; i < plan->n_vms; i++) {
		const fix_vm_plan *vp = &plan->vms[i];
		sh->vm_ids[i] = store_plan_vm_add(db, id, vp->moref, vp->name, vp->original_power, msg,
						  msglen);
		if (sh->vm_ids[i] < 0)
			goto fail;
		sh->step_ids[i] = xcalloc(vp->n_steps ? vp->n_steps : 1, sizeof **sh->step_ids);
		for (size_t j = 0; j < vp->n_steps; j++) {
			store_step_def def = { .seq = (int)j + 1, .kind = fix_step_kind_name(vp->steps[j].kind),
					       .rule = vp->steps[j].rule[0] ? vp->steps[j].rule : NULL,
					       .description = vp->steps[j].description };
			if ((sh->step_ids[i][j] = store_step_add(db, sh->vm_ids[i], &def, msg, msglen)) < 0)
				goto fail;
		}
		if (!vp->n_steps && store_plan_vm_set_outcome(db, sh->vm_ids[i], "manual",
							       "nothing attempted: instructions only",
							       msg, msglen) < 0)
			goto fail;
	}
	/* Every VM the plan changes is claimed now, in this transaction, so no test or other fix
	 * can start on one between the plan and the moment a worker reaches it. A VM another live
	 * run holds is dropped from the plan, its owner named; the rest go on. */
	for (size_t i = 0; i < plan->n_vms; i++) {
		const fix_vm_plan *vp = &plan->vms[i];
		if (!vp->n_steps)
			continue;
		store_owner who;
		int c = store_vm_claim(db, STORE_CLAIM_PLAN_VM, sh->vm_ids[i], &who, msg, msglen);
		if (c < 0)
			goto fail;
		if (c == 1)
			continue;
		char desc[400];
		store_owner_describe(&who, desc, sizeof desc);
		sh->busy[i] = xasprintf("%.300s is changing this VM now; left alone", desc);
		char why[512];
		snprintf(why, sizeof why, "not started: %s", sh->busy[i]);
		if (store_plan_vm_set_outcome(db, sh->vm_ids[i], "skipped", why, msg, msglen) < 0)
			goto fail;
	}
	if (store_plan_set_state(db, id, STORE_PLAN_CONFIRMED, time(NULL), msg, msglen) < 0)
		goto fail;
	if (store_commit(db, msg, msglen) < 0)
		goto fail;
	/* A step's end is durable on its own (no transaction): the dropped VMs' steps now. */
	for (size_t i = 0; i < plan->n_vms; i++)
		for (size_t j = 0; sh->busy[i] && j < plan->vms[i].n_steps; j++)
			if (store_step_end(db, sh->step_ids[i][j], STORE_STEP_SKIPPED, time(NULL), NULL,
					   sh->busy[i], NULL, msg, msglen) < 0)
				return -1;
	return id;
fail:
	store_rollback(db);
	return -1;
}

int fix_execute(vs_session *s, const fix_plan *plan, const fix_exec_opts *o, fix_summary *out,
		char *msg, size_t msglen)
{
	memset(out, 0, sizeof *out);
	out->n = plan->n_vms;
	out->vms = xcalloc(plan->n_vms ? plan->n_vms : 1, sizeof *out->vms);
	for (size_t i = 0; i < plan->n_vms; i++) {
		out->vms[i].outcome = plan->vms[i].n_steps ? FIX_OUT_SKIPPED : FIX_OUT_MANUAL;
		out->vms[i].final_power = plan->vms[i].original_power;
		out->vms[i].status = STATUS_UNKNOWN;
		snprintf(out->vms[i].message, sizeof out->vms[i].message, "%s",
			 plan->vms[i].n_steps ? "not started" : "nothing attempted: instructions only");
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	store *db = store_open(o->db_path, msg, msglen);
	if (!db) {
		out->history_failed = true;
		return -1;
	}
	exec_shared sh = { .plan = plan, .o = o, .s = s, .res = out->vms };
	atomic_init(&sh.journal.lost, 0);
	size_t nv = plan->n_vms ? plan->n_vms : 1;
	sh.vm_ids = xcalloc(nv, sizeof *sh.vm_ids);
	sh.step_ids = xcalloc(nv, sizeof *sh.step_ids);
	sh.busy = xcalloc(nv, sizeof *sh.busy);
	atomic_init(&sh.next, 0);
	int rc = -1;
	int nw = o->concurrency > 0 ? o->concurrency : FIX_DEFAULT_CONCURRENCY;
	if (nw > FIX_MAX_CONCURRENCY)
		nw = FIX_MAX_CONCURRENCY;
	size_t with_steps = fix_plan_vms_with_steps(plan);
	if ((size_t)nw > with_steps)
		nw = with_steps ? (int)with_steps : 1;
	worker *ws = xcalloc((size_t)nw, sizeof *ws);
	pthread_t *th = xcalloc((size_t)nw, sizeof *th);
	bool *started = xcalloc((size_t)nw, sizeof *started);

	out->plan_id = record_plan(db, plan, o, &sh, msg, msglen);
	out->history_failed = out->plan_id < 0 ||
		store_plan_set_state(db, out->plan_id, STORE_PLAN_RUNNING, time(NULL), msg, msglen) < 0;
	if (out->history_failed)
		goto out;
	/* Workers: each its own vs_conn and history connection (neither is shared between
	 * threads). A worker that cannot get either does not start; the others carry the load. */
	int running = 0;
	for (int i = 0; i < nw; i++) {
		ws[i].sh = &sh;
		ws[i].x.o = o;
		ws[i].x.journal = &sh.journal;
		ws[i].x.on_progress = relay_progress;
		ws[i].x.pctx = &ws[i];
		vs_error err;
		vs_error_clear(&err);
		ws[i].x.c = vs_conn_new(s, &err);
		char m2[256];
		ws[i].x.db = ws[i].x.c ? store_open(o->db_path, m2, sizeof m2) : NULL;
		if (!ws[i].x.c || !ws[i].x.db) {
			snprintf(msg, msglen, "a worker could not start: %s",
				 ws[i].x.c ? m2 : err.message);
			out->history_failed = ws[i].x.c != NULL;
			continue;
		}
		if (pthread_create(&th[i], NULL, worker_main, &ws[i]) == 0) {
			started[i] = true;
			running++;
		}
	}
	if (!running) {
		store_plan_set_state(db, out->plan_id, STORE_PLAN_FAILED, time(NULL), NULL, 0);
		goto out;
	}
	for (int i = 0; i < nw; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	bool all_fixed = true;
	for (size_t i = 0; i < plan->n_vms; i++)
		all_fixed &= out->vms[i].outcome == FIX_OUT_FIXED;
	/* A VM that was on and is not may be ours to bring back: the plan stays recoverable
	 * (interrupted), never failed or cancelled, so the next run or `recover` sees it. */
	bool all_back = true;
	for (size_t i = 0; i < plan->n_vms; i++)
		all_back &= plan->vms[i].original_power != POWER_ON ||
			    out->vms[i].final_power == POWER_ON;
	out->journal_lost = atomic_load(&sh.journal.lost);
	if (out->journal_lost)
		snprintf(out->journal_why, sizeof out->journal_why, "%s", sh.journal.why);
	out->state = !all_back ? STORE_PLAN_INTERRUPTED
		     : (o->stop && *o->stop) || out->journal_lost ? STORE_PLAN_CANCELLED
		     : all_fixed ? STORE_PLAN_DONE : STORE_PLAN_FAILED;
	store_plan_set_state(db, out->plan_id, out->state, time(NULL), msg, msglen);
	/* The run is over: its VMs are free for the next one (a plan left interrupted is
	 * recover's, which claims them again). */
	store_plan_release_claims(db, out->plan_id, NULL, 0);
	msg[0] = '\0';
	rc = 0;
out:
	for (int i = 0; i < nw; i++) {
		store_close(ws[i].x.db);
		vs_conn_free(ws[i].x.c);
	}
	free(ws);
	free(th);
	free(started);
	store_close(db);
	free(sh.vm_ids);
	for (size_t i = 0; i < plan->n_vms; i++) {
		free(sh.step_ids[i]);
		free(sh.busy[i]);
	}
	free(sh.step_ids);
	free(sh.busy);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}
