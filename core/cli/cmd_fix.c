/* quiescent fix: scan the chosen VMs, plan their fixes, and (with --apply) run the plan with
 * bounded concurrency, journaled in history; a plan a killed run left behind is recovered
 * first (--recover, or a prompt on a terminal). */
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "frontend/conn.h"
#include "cli/stop.h"
#include "fix/fix_exec.h"
#include "fix/fix_plan.h"
#include "rules/rules.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "quiescent fix"

typedef enum { FMT_TABLE, FMT_JSON } fix_format;

typedef struct {
	conn_opts conn;
	char **globs;
	size_t n_globs;
	char **rules;
	size_t n_rules;
	bool apply, plan_only, yes, recover, hard_power_off;
	int concurrency;
	int shutdown_timeout_s;
	int network_grace_s;
	int task_timeout_s;
	fix_tools_method tools_method;
	fix_format format;
	char *db;
} fix_opts;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: quiescent fix [OPTIONS] --vm GLOB... [--plan | --apply [--yes]]\n\n"
		"Scans the VMs, plans the fixes of their findings (per VM: ordered steps, expected\n"
		"downtime, what will not be fixed and what a person must do), prints the plan and,\n"
		"with --apply, runs it: VMs in parallel, every step journaled in the history, every\n"
		"VM returned to its power state, each one verified afterwards.\n\n%s\n"
		"Fix:\n"
		"  --vm GLOB             VMs whose name matches (repeatable; required)\n"
		"  --rule RID            only fix findings of this rule, e.g. R07 (repeatable)\n"
		"  --plan                print the plan only (default)\n"
		"  --apply               run the plan (asks on a terminal unless --yes)\n"
		"  -y, --yes             do not ask (needed without a terminal)\n"
		"  --concurrency N       VMs fixed at once (default %d, at most %d)\n"
		"  --hard-power-off      allow PowerOffVM_Task when Tools are down or a guest\n"
		"                        shutdown times out (default: never pull the power)\n"
		"  --shutdown-timeout S  seconds a guest shutdown may take (default 300)\n"
		"  --task-timeout S      seconds one vSphere task may take before quiescent asks\n"
		"                        vCenter to cancel it and says the VM's state (default 1800)\n"
		"  --network-grace S     seconds vCenter may be unreachable before a step fails\n"
		"                        (default %d); VMs we took down are never given up\n"
		"  --tools-method M      R04-R06 Tools modify: upgrade (UpgradeTools_Task with\n"
		"                        installerOptions, default), guest (installer + setup via\n"
		"                        Guest Operations) or by-hand (instructions only)\n"
		"  --recover             finish fixes that a stopped or killed quiescent left\n"
		"                        (power their VMs back on in parallel, verify), then go on;\n"
		"                        `quiescent recover` is the same; a fix another running\n"
		"                        quiescent owns is left alone, naming its host and pid\n"
		"  --format FMT          table (default) or json\n"
		"  --db PATH             history database (env QUIESCENT_DB)\n"
		"  -h, --help            this text\n\n"
		"Ctrl-C once: no new VM starts, VMs in flight finish; twice, or SIGTERM, SIGHUP or\n"
		"a closed output: VMs in flight skip their remaining steps and are powered back on.\n\n"
		"Exit codes: 0 everything fixed and verified ready, 1 something is not, 2 usage\n"
		"error, 3 connection, TLS or login failure, 6 stopped and every VM back in its\n"
		"power state, 7 stopped and some VM could NOT be brought back (run quiescent\n"
		"recover), 8 the history cannot be opened or written (no journal, no fix),\n"
		"9 a VM was left alone: another running quiescent holds it (try later).\n",
		conn_opts_help(), FIX_DEFAULT_CONCURRENCY, FIX_MAX_CONCURRENCY, FIX_DEFAULT_NETWORK_GRACE);
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse(int argc, char **argv, fix_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		cmd_arg shared = cmd_shared_arg(CMD, &o->conn, argc, argv, &i, usage);
		if (shared == CMD_ARG_ERROR || shared == CMD_ARG_HELP)
			return shared == CMD_ARG_HELP ? 1 : -1;
		if (shared == CMD_ARG_TAKEN)
			continue;
		if (!strcmp(a, "--plan")) {
			o->plan_only = true;
		} else if (!strcmp(a, "--apply")) {
			o->apply = true;
		} else if (!strcmp(a, "--yes") || !strcmp(a, "-y")) {
			o->yes = true;
		} else if (!strcmp(a, "--recover")) {
			o->recover = true;
		} else if (!strcmp(a, "--hard-power-off")) {
			o->hard_power_off = true;
		} else if (!strcmp(a, "--vm") || !strcmp(a, "--rule") || !strcmp(a, "--format") ||
			   !strcmp(a, "--db") || !strcmp(a, "--concurrency") ||
			   !strcmp(a, "--shutdown-timeout") || !strcmp(a, "--tools-method") ||
			   !strcmp(a, "--network-grace") || !strcmp(a, "--task-timeout")) {
			const char *v = cmd_option_value(CMD, argc, argv, &i);
			if (!v)
				return -1;
			if (!strcmp(a, "--vm")) {
				cmd_strings_add(&o->globs, &o->n_globs, v);
			} else if (!strcmp(a, "--rule")) {
				const rule_info *ri = rules_find(v);
				if (!ri) {
					fprintf(stderr, "quiescent fix: unknown rule '%s' (%s to %s; "
						"quiescent rules lists them)\n", v, rules_id_name(0),
						rules_id_name(RULE_COUNT - 1));
					return -1;
				}
				cmd_strings_add(&o->rules, &o->n_rules, ri->id);
			} else if (!strcmp(a, "--format")) {
				if (!strcmp(v, "table"))
					o->format = FMT_TABLE;
				else if (!strcmp(v, "json"))
					o->format = FMT_JSON;
				else {
					fprintf(stderr, "quiescent fix: unknown format '%s' (table or json)\n", v);
					return -1;
				}
			} else if (!strcmp(a, "--concurrency")) {
				if (parse_int(v, 1, FIX_MAX_CONCURRENCY, &o->concurrency) < 0) {
					fprintf(stderr, "quiescent fix: --concurrency takes a number from 1 to %d\n",
						FIX_MAX_CONCURRENCY);
					return -1;
				}
			} else if (!strcmp(a, "--shutdown-timeout")) {
				if (parse_int(v, 1, 86400, &o->shutdown_timeout_s) < 0) {
					fprintf(stderr, "quiescent fix: --shutdown-timeout takes seconds (1 to 86400)\n");
					return -1;
				}
			} else if (!strcmp(a, "--network-grace") || !strcmp(a, "--task-timeout")) {
				int *to = a[2] == 'n' ? &o->network_grace_s : &o->task_timeout_s;
				if (parse_int(v, 1, 86400, to) < 0) {
					fprintf(stderr, "quiescent fix: %s takes seconds (1 to 86400)\n", a);
					return -1;
				}
			} else if (!strcmp(a, "--tools-method")) {
				if (!fix_tools_method_parse(v, &o->tools_method)) {
					fprintf(stderr, "quiescent fix: unknown Tools method '%s' (upgrade, guest or by-hand)\n", v);
					return -1;
				}
			} else {
				xstrset(&o->db, v);
			}
		} else {
			fprintf(stderr, "quiescent fix: unknown option '%s' (see quiescent fix --help)\n", a);
			return -1;
		}
	}
	if (o->apply && o->plan_only) {
		fprintf(stderr, "quiescent fix: --plan and --apply exclude each other\n");
		return -1;
	}
	if (!o->n_globs && !o->recover) {
		fprintf(stderr, "quiescent fix: name the VMs to fix with --vm GLOB (see quiescent fix --help)\n");
		return -1;
	}
	return 0;
}

/* ---- output ---- */

static void add_duration(strbuf *sb, int s)
{
	if (s >= 60)
		strbuf_addf(sb, "%dm%02ds", s / 60, s % 60);
	else
		strbuf_addf(sb, "%ds", s);
}

static void plan_table(strbuf *sb, const fix_plan *p, const char *vcenter)
{
	strbuf_addf(sb, "Plan for %zu VM(s) on %s: %zu with steps (%zu steps); hard power-off %s, "
			"shutdown timeout %d s, Tools method %s\n",
		    p->n_vms, vcenter, fix_plan_vms_with_steps(p), fix_plan_step_count(p),
		    p->opts.hard_power_off ? "allowed" : "not allowed", p->opts.shutdown_timeout_s,
		    fix_tools_method_name(p->opts.tools_method));
	if (!p->n_vms)
		strbuf_adds(sb, "Nothing to fix.\n");
	for (size_t i = 0; i < p->n_vms; i++) {
		const fix_vm_plan *v = &p->vms[i];
		strbuf_addf(sb, "\n%s (%s, %s)", v->name, v->moref, model_power_name(v->original_power));
		if (v->n_steps) {
			strbuf_adds(sb, ": downtime ~");
			add_duration(sb, v->downtime_s);
			if (v->service_outage_s) {
				strbuf_adds(sb, ", services restarted down ~");
				add_duration(sb, v->service_outage_s);
			}
			strbuf_adds(sb, ", ~");
			add_duration(sb, v->duration_s);
			strbuf_adds(sb, " in all");
		}
		strbuf_addc(sb, '\n');
		for (size_t j = 0; j < v->n_steps; j++)
			strbuf_addf(sb, "  %2zu. %-5s %s\n", j + 1,
				    v->steps[j].rule[0] ? v->steps[j].rule : "", v->steps[j].description);
		if (v->n_unfixed)
			strbuf_adds(sb, "  not fixed:\n");
		for (size_t j = 0; j < v->n_unfixed; j++)
			strbuf_addf(sb, "    %s (%s): %s.\n      %s\n", v->unfixed[j].rule,
				    model_fix_name(v->unfixed[j].fix), v->unfixed[j].reason,
				    v->unfixed[j].instructions);
	}
}

static void plan_json(json_writer *w, const fix_plan *p)
{
	json_key(w, "plan");
	json_object_begin(w);
	json_kv_bool(w, "hard_power_off", p->opts.hard_power_off);
	json_kv_int(w, "shutdown_timeout_s", p->opts.shutdown_timeout_s);
	json_kv_string(w, "tools_method", fix_tools_method_name(p->opts.tools_method));
	json_key(w, "vms");
	json_array_begin(w);
	for (size_t i = 0; i < p->n_vms; i++) {
		const fix_vm_plan *v = &p->vms[i];
		json_object_begin(w);
		json_kv_string(w, "name", v->name);
		json_kv_string(w, "moref", v->moref);
		json_kv_string(w, "power_state", model_power_name(v->original_power));
		json_kv_int(w, "expected_downtime_s", v->downtime_s);
		json_kv_int(w, "expected_service_outage_s", v->service_outage_s);
		json_kv_int(w, "expected_duration_s", v->duration_s);
		json_key(w, "steps");
		json_array_begin(w);
		for (size_t j = 0; j < v->n_steps; j++) {
			const fix_step *s = &v->steps[j];
			json_object_begin(w);
			json_kv_int(w, "seq", (int64_t)j + 1);
			json_kv_string(w, "kind", fix_step_kind_name(s->kind));
			json_kv_string(w, "rule", s->rule[0] ? s->rule : NULL);
			json_kv_string(w, "description", s->description);
			if (s->arg)
				json_kv_string(w, "arg", s->arg);
			json_kv_bool(w, "restore", s->restore);
			json_object_end(w);
		}
		json_array_end(w);
		json_key(w, "not_fixed");
		json_array_begin(w);
		for (size_t j = 0; j < v->n_unfixed; j++) {
			json_object_begin(w);
			json_kv_string(w, "rule", v->unfixed[j].rule);
			json_kv_string(w, "fix", model_fix_name(v->unfixed[j].fix));
			json_kv_string(w, "reason", v->unfixed[j].reason);
			json_kv_string(w, "instructions", v->unfixed[j].instructions);
			json_object_end(w);
		}
		json_array_end(w);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

static void summary_table(strbuf *sb, const fix_plan *p, const fix_summary *s)
{
	strbuf_addf(sb, "\nResult of plan %lld (%s, %.1f s):\n", (long long)s->plan_id,
		    store_plan_state_name(s->state), s->elapsed_s);
	for (size_t i = 0; i < p->n_vms; i++)
		strbuf_addf(sb, "  %-24s %-8s %-10s %-8s %s\n", p->vms[i].name,
			    fix_outcome_name(s->vms[i].outcome), model_power_name(s->vms[i].final_power),
			    s->vms[i].verified ? model_status_name(s->vms[i].status) : "-",
			    s->vms[i].message);
}

static void summary_json(json_writer *w, const fix_plan *p, const fix_summary *s)
{
	json_key(w, "result");
	json_object_begin(w);
	json_kv_int(w, "plan_id", s->plan_id);
	json_kv_string(w, "state", store_plan_state_name(s->state));
	json_key(w, "elapsed_s");
	json_double(w, s->elapsed_s);
	json_key(w, "vms");
	json_array_begin(w);
	for (size_t i = 0; i < p->n_vms; i++) {
		const fix_vm_result *r = &s->vms[i];
		json_object_begin(w);
		json_kv_string(w, "name", p->vms[i].name);
		json_kv_string(w, "moref", p->vms[i].moref);
		json_kv_string(w, "outcome", fix_outcome_name(r->outcome));
		json_kv_string(w, "power_state_before", model_power_name(p->vms[i].original_power));
		json_kv_string(w, "power_state_after", model_power_name(r->final_power));
		json_kv_string(w, "status", r->verified ? model_status_name(r->status) : NULL);
		json_kv_string(w, "message", r->message);
		json_kv_time(w, "started_at", r->started_at);
		json_kv_time(w, "ended_at", r->ended_at);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

/* ---- progress, signals, questions ---- */

static const cli_stop_messages stop_messages = {
	.cmd = CMD,
	.at_level1 = "stopping: no new VM starts; VMs in flight finish (Ctrl-C again to roll them "
		     "back)",
	.at_level2 = "stopping safely: no new VM starts; VMs in flight skip their remaining steps "
		     "and are brought back to their power state",
};

static void on_event(const fix_event *ev, void *ctx)
{
	(void)ctx;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char ts[16];
	strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	/* One fprintf per line: stdio locks the stream, so lines of workers never interleave. */
	int w = 0;
	switch (ev->kind) {
	case FIX_EV_STEP_BEGIN:
		w = fprintf(stderr, "%s %s: %s ...\n", ts, ev->vm_name, fix_step_kind_name(ev->step_kind));
		break;
	case FIX_EV_STEP_END:
		w = fprintf(stderr, "%s %s: %s %s%s%s%s\n", ts, ev->vm_name, fix_step_kind_name(ev->step_kind),
			store_step_state_name(ev->state), ev->message && *ev->message ? " (" : "",
			ev->message ? ev->message : "", ev->message && *ev->message ? ")" : "");
		break;
	case FIX_EV_VM_END:
		w = fprintf(stderr, "%s %s: %s: %s\n", ts, ev->vm_name,
			ev->step_kind == FIX_STEP_VERIFY && ev->state == STORE_STEP_PLANNED ? "recovered"
											  : fix_outcome_name(ev->outcome),
			ev->message ? ev->message : "");
		break;
	default:
		break;
	}
	cli_stop_check_write(stderr, w < 0);
}

/* Asks on the terminal; false without one or on anything but y/yes. */
static bool ask(const char *question)
{
	if (!isatty(STDIN_FILENO))
		return false;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char line[32];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return !strcmp(line, "y\n") || !strcmp(line, "yes\n") || !strcmp(line, "Y\n");
}

/* Says which plans other live processes run now: they are theirs, not ours to recover.
 * Returns how many. */
static int say_live(store *db, const char *vcenter)
{
	int64_t ids[16];
	char msg[512];
	int n = store_plans_live(db, vcenter, ids, 16, msg, sizeof msg);
	for (int i = 0; i < n; i++) {
		store_owner o;
		char who[400];
		if (store_owner_of(db, "plans", ids[i], &o, msg, sizeof msg) < 0)
			continue;
		store_owner_describe(&o, who, sizeof who);
		fprintf(stderr, "quiescent fix: plan %lld is being run by %s; left alone\n",
			(long long)ids[i], who);
	}
	return n > 0 ? n : 0;
}

static void say_recovery(void *ctx, int64_t plan_id, int rc, const fix_recovery *r, const char *msg)
{
	bool *busy = ctx;
	*busy |= r->owned_elsewhere || r->held > 0;
	if (rc == 0)
		fprintf(stderr, "quiescent fix: recovered %s\n", r->message);
	else if (r->owned_elsewhere)
		fprintf(stderr, "quiescent fix: %s\n", msg);
	else
		fprintf(stderr, "quiescent fix: recovering plan %lld failed: %s\n", (long long)plan_id, msg);
}

/* Offers to finish interrupted plans; *refuse when the operator (or no terminal) says no,
 * *busy when a plan or a VM was left alone for a live owner. */
static int recover_all(engine *e, const char *vcenter, const fix_exec_opts *eo,
		       const fix_opts *o, bool *refuse, bool *busy)
{
	int64_t ids[16];
	char msg[512];
	if (o->recover && say_live(engine_store(e), vcenter) > 0)
		*busy = true;
	int n = engine_recover_find(e, ids, 16, msg, sizeof msg);
	*refuse = false;
	if (n < 0) {
		fprintf(stderr, "quiescent fix: %s\n", msg);
		return -1;
	}
	if (n == 0) {
		if (o->recover && !o->n_globs)
			fprintf(stderr, "quiescent fix: nothing to recover on %s\n", vcenter);
		return 0;
	}
	bool go = o->recover;
	if (!go && o->apply) {
		char q[300];
		snprintf(q, sizeof q, "An earlier fix on %s was interrupted (plan %lld%s). Finish it now "
			 "(power its VMs back on, verify them)?", vcenter, (long long)ids[0],
			 n > 1 ? " and others" : "");
		go = ask(q);
	}
	if (!go && !o->apply) {
		/* Printing a plan changes nothing: say it, do not block it. */
		fprintf(stderr, "quiescent fix: warning: an earlier fix on %s was interrupted (plan %lld); "
			"run quiescent recover (fix --recover) before applying a new one.\n", vcenter, (long long)ids[0]);
		return 0;
	}
	if (!go) {
		fprintf(stderr, "quiescent fix: an earlier fix on %s was interrupted (plan %lld) and may "
			"have left VMs powered off; run quiescent recover (fix --recover) to power them back on "
			"and verify them before a new fix starts.\n", vcenter, (long long)ids[0]);
		*refuse = true;
		return 0;
	}
	return engine_recover(e, eo, ids, (size_t)n, say_recovery, busy) ? 1 : 0;
}

/* The plan's entry for the VM, NULL when the plan leaves it alone. */
static const fix_vm_plan *plan_vm_of(const fix_plan *p, const char *moref)
{
	for (size_t i = 0; i < p->n_vms; i++)
		if (!strcmp(p->vms[i].moref, moref))
			return &p->vms[i];
	return NULL;
}

/* Names the VMs not ready that another live process changes now and that this run will not
 * touch (no step, or the plan only printed): their state is that run's, half done, and the
 * answer is "later" (busy), not "not ready". The VMs this run applies steps to are checked
 * when each is claimed. */
static bool say_held(store *db, const char *vcenter, const scan_result *r, const fix_plan *plan,
		     bool apply)
{
	bool held = false;
	for (size_t i = 0; i < r->n; i++) {
		if (r->verdicts[i].status == STATUS_READY || r->verdicts[i].status == STATUS_NA)
			continue;
		const fix_vm_plan *pv = plan_vm_of(plan, r->facts[i].moref);
		if (apply && pv && pv->n_steps > 0)
			continue;
		store_owner who;
		char msg[512], desc[400];
		int h = store_vm_holder(db, vcenter, r->facts[i].moref, &who, msg, sizeof msg);
		if (h < 0)
			fprintf(stderr, "quiescent fix: %s\n", msg);
		if (h <= 0)
			continue;
		store_owner_describe(&who, desc, sizeof desc);
		fprintf(stderr, "quiescent fix: %s is being changed by %s; left alone (run again when "
			"that ends)\n", r->facts[i].name ? r->facts[i].name : r->facts[i].moref, desc);
		held = true;
	}
	return held;
}

/* After a stop: 6 when every VM that was on is on again, else 7 naming the ones that are not. */
static int stopped_exit(const fix_plan *p, const fix_summary *sum)
{
	size_t off = 0;
	for (size_t i = 0; i < p->n_vms; i++) {
		if (p->vms[i].original_power != POWER_ON || sum->vms[i].final_power == POWER_ON)
			continue;
		off++;
		fprintf(stderr, "quiescent fix: %s was %s and is %s: run quiescent recover\n",
			p->vms[i].name, model_power_name(p->vms[i].original_power),
			model_power_name(sum->vms[i].final_power));
	}
	const char *why = *cli_stop_level() ? cli_stop_reason_name(cli_stop_why())
					     : "vCenter could not be reached or a VM did not come back";
	if (off) {
		fprintf(stderr, "quiescent fix: stopped (%s); %zu VM(s) could NOT be brought back to "
			"their power state (plan %lld)\n", why, off, (long long)sum->plan_id);
		return CLI_EXIT_STOPPED_UNSAFE;
	}
	fprintf(stderr, "quiescent fix: stopped (%s); every VM is back in its power state (plan "
		"%lld)\n", why, (long long)sum->plan_id);
	return CLI_EXIT_STOPPED_SAFE;
}

/* A journal write failed mid-fix and the executor stopped as on a stop request: one sentence
 * naming the history and where the VMs stand; exit 8 either way (what failed is the history). */
static int journal_lost_exit(const fix_plan *p, const fix_summary *sum, const char *path)
{
	strbuf off;
	strbuf_init(&off);
	for (size_t i = 0; i < p->n_vms; i++)
		if (p->vms[i].original_power == POWER_ON && sum->vms[i].final_power != POWER_ON)
			strbuf_addf(&off, "%s%s (%s)", off.len ? ", " : "", p->vms[i].name,
				    model_power_name(sum->vms[i].final_power));
	if (off.len)
		fprintf(stderr, "quiescent fix: the history %s could not be written mid-fix (%s), so "
			"the fix stopped; these VMs were on and are NOT on again: %s: run quiescent "
			"recover once the history is writable\n", path, sum->journal_why, off.buf);
	else
		fprintf(stderr, "quiescent fix: the history %s could not be written mid-fix (%s), so "
			"the fix stopped and every VM is back in its power state\n", path,
			sum->journal_why);
	strbuf_done(&off);
	return CLI_EXIT_HISTORY;
}

static int run(fix_opts *o)
{
	char msg[512];
	int rc;
	/* The journal is what makes a fix safe: no history, no fix. */
	engine *e = cmd_start_engine(CMD, &o->conn, true, o->db, o->network_grace_s,
				     o->task_timeout_s, &rc);
	if (!e)
		return rc;
	store *db = engine_store(e);
	rc = CLI_EXIT_CONNECT;
	vs_error err;
	vs_error_clear(&err);
	scan_result result = { 0 };
	fix_plan plan;
	fix_plan_init(&plan);
	fix_summary sum = { 0 };
	char *vcenter = scan_server_key(o->conn.server);
	bool stop_installed = false;
	vs_session *s = conn_open(&o->conn, &err);
	if (!s) {
		fprintf(stderr, "quiescent fix: %s\n", err.message);
		goto out;
	}
	if (engine_attach(e, s, vcenter, msg, sizeof msg) < 0) {
		fprintf(stderr, "quiescent fix: %s\n", msg);
		rc = CLI_EXIT_HISTORY;
		goto out;
	}
	cli_stop_install(&stop_messages);
	stop_installed = true;
	fix_exec_opts eo = engine_fix_opts(e);
	eo.concurrency = o->concurrency;
	eo.on_event = on_event;

	bool refuse = false, busy = false;
	int rec = recover_all(e, vcenter, &eo, o, &refuse, &busy);
	if (rec >= 0)
		cmd_settle_tasks(CMD, e);
	if (rec < 0 || refuse) {
		rc = rec < 0 ? CLI_EXIT_HISTORY : CLI_EXIT_NOT_READY;   /* -1: the journal unread */
		goto out;
	}
	if (!o->n_globs) {
		rc = cmd_exit_busy(rec ? CLI_EXIT_NOT_READY : CLI_EXIT_OK, busy);
		goto out;
	}

	scan_spec spec = {
		.globs = (const char *const *)o->globs, .n_globs = o->n_globs,
		.probe = o->conn.guest_user && o->conn.guest_password,
		.guest_user = o->conn.guest_user, .guest_password = o->conn.guest_password,
	};
	size_t bad = 0;
	switch (scan_run(s, db, o->conn.server, &spec, NULL, NULL, &result, &bad, &err, msg, sizeof msg)) {
	case SCAN_ERR_VCENTER:
		fprintf(stderr, "quiescent fix: reading the inventory of %s failed: %s\n", vcenter, err.message);
		goto out;
	case SCAN_ERR_NO_MATCH:
		fprintf(stderr, "quiescent fix: no VM matches '%s'\n", o->globs[bad]);
		rc = CLI_EXIT_USAGE;
		goto out;
	case SCAN_ERR_STORE:
		fprintf(stderr, "quiescent fix: the scan was not stored in %s: %s\n", store_path(db), msg);
		rc = CLI_EXIT_HISTORY;
		goto out;
	case SCAN_OK:
		break;
	}
	engine_set_scan(e, result.scan_id);
	fix_plan_opts po = {
		.rules = (const char *const *)o->rules, .n_rules = o->n_rules,
		.hard_power_off = o->hard_power_off, .shutdown_timeout_s = o->shutdown_timeout_s,
		.tools_method = o->tools_method, .have_guest_creds = spec.probe,
	};
	fix_plan_build(result.facts, result.verdicts, result.n, &po, &plan);

	strbuf sb;
	strbuf_init(&sb);
	json_writer jw;
	if (o->format == FMT_TABLE) {
		plan_table(&sb, &plan, vcenter);
		/* Nobody reads the plan any more (| head): stop before changing anything. */
		bool lost = fwrite(sb.buf, 1, sb.len, stdout) != sb.len;
		lost |= fflush(stdout) != 0;
		cli_stop_check_write(stdout, lost);
		strbuf_reset(&sb);
	}
	bool others_ready = true;   /* scanned VMs the plan leaves alone */
	for (size_t i = 0; i < result.n; i++)
		if (!plan_vm_of(&plan, result.facts[i].moref))
			others_ready &= result.verdicts[i].status == STATUS_READY ||
					result.verdicts[i].status == STATUS_NA;
	bool apply = o->apply && fix_plan_vms_with_steps(&plan) > 0;
	busy |= say_held(db, vcenter, &result, &plan, apply);
	if (apply && *cli_stop_level()) {
		fprintf(stderr, "quiescent fix: stopped (%s) before any VM was changed\n",
			cli_stop_reason_name(cli_stop_why()));
		rc = CLI_EXIT_STOPPED_SAFE;
		strbuf_done(&sb);
		goto out;
	}
	if (apply && !o->yes) {
		char q[200];
		snprintf(q, sizeof q, "Apply this plan to %zu VM(s)?", fix_plan_vms_with_steps(&plan));
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "quiescent fix: --apply without a terminal needs --yes\n");
			rc = CLI_EXIT_USAGE;
			strbuf_done(&sb);
			goto out;
		}
		if (!ask(q)) {
			fprintf(stderr, "quiescent fix: nothing done\n");
			/* A stop while asking (the terminal went away) is a stop: nothing changed. */
			rc = *cli_stop_level() ? CLI_EXIT_STOPPED_SAFE : CLI_EXIT_NOT_READY;
			strbuf_done(&sb);
			goto out;
		}
	}
	if (apply) {
		if (engine_fix(e, &plan, &eo, &sum, msg, sizeof msg) < 0) {
			fprintf(stderr, "quiescent fix: the fix could not start: %s\n", msg);
			rc = sum.history_failed ? CLI_EXIT_HISTORY : CLI_EXIT_NOT_READY;
			strbuf_done(&sb);
			goto out;
		}
		rc = fix_summary_all_ready(&sum) && others_ready ? CLI_EXIT_OK : CLI_EXIT_NOT_READY;
		for (size_t i = 0; i < sum.n; i++)
			busy |= sum.vms[i].busy;
		rc = cmd_exit_busy(rc, busy);
		if (sum.journal_lost)
			rc = journal_lost_exit(&plan, &sum, store_path(db));
		else if (*cli_stop_level() || sum.state == STORE_PLAN_INTERRUPTED)
			rc = stopped_exit(&plan, &sum);
	} else {
		rc = cmd_exit_busy(plan.n_vms == 0 && others_ready ? CLI_EXIT_OK : CLI_EXIT_NOT_READY,
				   busy);
	}
	if (o->format == FMT_TABLE) {
		if (apply)
			summary_table(&sb, &plan, &sum);
	} else {
		json_writer_init(&jw, &sb, true);
		json_object_begin(&jw);
		json_kv_string(&jw, "vcenter", vcenter);
		plan_json(&jw, &plan);
		if (apply)
			summary_json(&jw, &plan, &sum);
		json_object_end(&jw);
		strbuf_addc(&sb, '\n');
	}
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_done(&sb);
	if (fflush(stdout) != 0 && !*cli_stop_level()) {
		fprintf(stderr, "quiescent fix: writing the result failed\n");
		rc = CLI_EXIT_NOT_READY;
	}
out:
	if (stop_installed)
		cli_stop_uninstall();
	fix_summary_done(&sum);
	fix_plan_done(&plan);
	scan_result_done(&result);
	engine_close(e);   /* before the session its connection row names */
	vs_session_free(s);
	free(vcenter);
	return rc;
}

static void recover_usage(FILE *out)
{
	fprintf(out,
		"usage: quiescent recover [OPTIONS]\n\n"
		"Brings back the VMs of every fix that a stopped or killed quiescent left (powers\n"
		"them on in parallel, waits for Tools, verifies them, naming each VM), then removes\n"
		"the test snapshots an interrupted snaptest left; what another running quiescent\n"
		"owns is left alone. The same as quiescent fix --recover followed by quiescent\n"
		"snaptest --cleanup-orphans.\n\n%s\n"
		"Recover:\n"
		"  --concurrency N       VMs brought back at once (default %d, at most %d)\n"
		"  --task-timeout S      seconds one power-on may take (default 600)\n"
		"  --network-grace S     seconds vCenter may be unreachable (default %d)\n"
		"  --db PATH             history database (env QUIESCENT_DB)\n"
		"  -h, --help            this text\n\n"
		"Exit codes: 0 every VM that was on is on again and no test snapshot is left,\n"
		"1 not, 2 usage error, 3 connection, TLS or login failure, 7 a test snapshot\n"
		"could NOT be removed, 8 the history cannot be opened, read or written, 9 a\n"
		"plan, VM or test snapshot was left alone: another running quiescent holds it.\n",
		conn_opts_help(), FIX_DEFAULT_CONCURRENCY, FIX_MAX_CONCURRENCY, FIX_DEFAULT_NETWORK_GRACE);
}

/* fix, or (orphans_too) quiescent recover: everything a stop or a kill left, under the name an
 * operator looks for (and that scan's exit 7 names): fix --recover, then snaptest
 * --cleanup-orphans on the same connection and options. */
static int fix_main(int argc, char **argv, bool orphans_too)
{
	fix_opts o = { .format = FMT_TABLE, .tools_method = FIX_TOOLS_UPGRADE };
	conn_opts_init(&o.conn);
	int rc;
	int p = parse(argc, argv, &o);
	if (p != 0) {
		rc = p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	} else {
		conn_opts_from_env(&o.conn);
		rc = run(&o);
		if (orphans_too && rc != CLI_EXIT_USAGE && rc != CLI_EXIT_CONNECT &&
		    rc != CLI_EXIT_HISTORY) {
			int rc2 = cmd_snaptest_cleanup(&o.conn, o.db, o.network_grace_s, o.task_timeout_s);
			/* a leftover that remains outranks all; otherwise the first thing wrong */
			if (rc2 == CLI_EXIT_STOPPED_UNSAFE || rc == CLI_EXIT_OK)
				rc = rc2;
		}
	}
	cmd_strings_free(o.globs, o.n_globs);
	cmd_strings_free(o.rules, o.n_rules);
	free(o.db);
	conn_opts_done(&o.conn);
	return rc;
}

int cmd_recover(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			recover_usage(stdout);
			return CLI_EXIT_OK;
		}
	char **v = xcalloc((size_t)argc + 2, sizeof *v);
	v[0] = argv[0];
	v[1] = (char *)"--recover";
	for (int i = 1; i < argc; i++)
		v[i + 1] = argv[i];
	int rc = fix_main(argc + 1, v, true);
	free(v);
	return rc;
}

int cmd_fix(int argc, char **argv)
{
	return fix_main(argc, argv, false);
}
