/* The remediation planner: pure, see fix_plan.h. */
#include "fix/fix_plan.h"
#include "fix/fix_writers.h"

#include "rules/rules.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const step_names[FIX_STEP_COUNT] = {
	[FIX_STEP_GUEST_COMMAND] = "guest_command",
	[FIX_STEP_UPGRADE_TOOLS] = "upgrade_tools",
	[FIX_STEP_MOUNT_INSTALLER] = "mount_tools_installer",
	[FIX_STEP_GUEST_SETUP] = "guest_tools_setup",
	[FIX_STEP_UNMOUNT_INSTALLER] = "unmount_tools_installer",
	[FIX_STEP_WAIT_TOOLS] = "wait_tools",
	[FIX_STEP_SHUTDOWN_GUEST] = "shutdown_guest",
	[FIX_STEP_POWER_OFF] = "power_off",
	/* The journal kind R08 history looks for (STORE_STEP_SET_ENABLE_UUID). */
	[FIX_STEP_SET_ENABLE_UUID] = "set_enable_uuid",
	[FIX_STEP_POWER_ON] = "power_on",
	[FIX_STEP_VERIFY] = "verify",
};

const char *fix_step_kind_name(fix_step_kind k)
{
	return (unsigned)k < FIX_STEP_COUNT ? step_names[k] : "unknown";
}

bool fix_step_powers_off(fix_step_kind k)
{
	return k == FIX_STEP_SHUTDOWN_GUEST || k == FIX_STEP_POWER_OFF;
}

static const char *const method_names[] = {
	[FIX_TOOLS_UPGRADE] = "upgrade", [FIX_TOOLS_GUEST] = "guest", [FIX_TOOLS_BY_HAND] = "by-hand",
};

const char *fix_tools_method_name(fix_tools_method m)
{
	return (unsigned)m < 3 ? method_names[m] : "unknown";
}

bool fix_tools_method_parse(const char *s, fix_tools_method *out)
{
	for (unsigned i = 0; i < 3; i++)
		if (s && !strcmp(s, method_names[i])) {
			*out = (fix_tools_method)i;
			return true;
		}
	return false;
}

fix_timing fix_timing_default(void)
{
	return (fix_timing){ .guest_shutdown = 60, .power_off = 5, .reconfig = 5, .power_on = 10,
			     .tools_start = 60, .tools_upgrade = 180 };
}

void fix_plan_init(fix_plan *p)
{
	memset(p, 0, sizeof *p);
}

static void vm_plan_done(fix_vm_plan *v)
{
	for (size_t i = 0; i < v->n_steps; i++) {
		free(v->steps[i].description);
		free(v->steps[i].arg);
		free(v->steps[i].service);
	}
	for (size_t i = 0; i < v->n_unfixed; i++) {
		free(v->unfixed[i].reason);
		free(v->unfixed[i].instructions);
	}
	free(v->steps);
	free(v->unfixed);
	free(v->moref);
	free(v->name);
}

void fix_plan_done(fix_plan *p)
{
	for (size_t i = 0; i < p->n_vms; i++)
		vm_plan_done(&p->vms[i]);
	free(p->vms);
	fix_plan_init(p);
}

bool fix_plan_rule_selected(const fix_plan_opts *opts, const char *rule)
{
	if (!opts->n_rules)
		return true;
	for (size_t i = 0; i < opts->n_rules; i++)
		if (opts->rules[i] && !strcasecmp(opts->rules[i], rule))
			return true;
	return false;
}

char *fix_installer_options(const char *add, const char *remove)
{
	strbuf sb;
	strbuf_init(&sb);
	/* REBOOT=R: the installer must never reboot a production guest on its own; our own power
	 * cycle (or the next maintenance) completes what needs a reboot. */
	strbuf_adds(&sb, "/S /v\"/qn REBOOT=R");
	if (add && *add)
		strbuf_addf(&sb, " ADDLOCAL=%s", add);
	if (remove && *remove)
		strbuf_addf(&sb, " REMOVE=%s", remove);
	strbuf_addc(&sb, '"');
	return strbuf_detach(&sb, NULL);
}

bool fix_installer_removes_driver(const char *opts)
{
	for (const char *p = opts; p && (p = strcasestr(p, "REMOVE=")); ) {
		p += strlen("REMOVE=");
		if (*p == '"')
			p++;
		/* a comma list up to a space or quote: "Sync", "VSS,Sync", "ALL" */
		size_t n = strcspn(p, " \"");
		for (const char *q = p; q < p + n;) {
			size_t l = strcspn(q, ",");
			if (l > (size_t)(p + n - q))
				l = (size_t)(p + n - q);
			if ((l == 4 && !strncasecmp(q, "Sync", 4)) || (l == 3 && !strncasecmp(q, "ALL", 3)))
				return true;
			q += l + 1;
		}
		p += n;
	}
	return false;
}

size_t fix_plan_step_count(const fix_plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_vms; i++)
		n += p->vms[i].n_steps;
	return n;
}

size_t fix_plan_vms_with_steps(const fix_plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_vms; i++)
		n += p->vms[i].n_steps > 0;
	return n;
}

/* ---- building one VM's plan ---- */

typedef struct {
	const vm_facts *f;
	const fix_plan_opts *o;
	fix_timing t;
	fix_vm_plan *v;
	size_t cap_steps, cap_unfixed;
} builder;

static fix_step *add_step(builder *b, fix_step_kind kind, rule_id rule, bool restore,
			  int expected_s, char *arg, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static fix_step *add_step(builder *b, fix_step_kind kind, rule_id rule, bool restore,
			  int expected_s, char *arg, const char *fmt, ...)
{
	fix_vm_plan *v = b->v;
	v->steps = xgrow(v->steps, &b->cap_steps, v->n_steps + 1, sizeof *v->steps);
	fix_step *s = &v->steps[v->n_steps++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	snprintf(s->rule, sizeof s->rule, "%s", rules_id_name(rule));
	s->restore = restore;
	s->expected_s = expected_s;
	s->arg = arg;
	strbuf sb;
	strbuf_init(&sb);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	s->description = strbuf_detach(&sb, NULL);
	v->duration_s += expected_s;
	return s;
}

static void add_unfixed(builder *b, const finding *fd, const char *reason, const char *instructions)
{
	fix_vm_plan *v = b->v;
	v->unfixed = xgrow(v->unfixed, &b->cap_unfixed, v->n_unfixed + 1, sizeof *v->unfixed);
	fix_unfixed *u = &v->unfixed[v->n_unfixed++];
	snprintf(u->rule, sizeof u->rule, "%s", fd->rule);
	u->fix = fd->fix;
	u->reason = xstrdup(reason);
	u->instructions = xstrdup(instructions);
}

/* The instructions for a finding: the rule's remediation, with the evidence on this VM. */
static char *instructions_for(const builder *b, const finding *fd)
{
	const rule_info *ri = rules_find(fd->rule);
	strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "%s: %s", b->f->name ? b->f->name : b->f->moref,
		    ri ? ri->remediation : fd->message ? fd->message : fd->rule);
	if (fd->evidence && *fd->evidence)
		strbuf_addf(&sb, " (found: %s)", fd->evidence);
	return strbuf_detach(&sb, NULL);
}

static void unfixed_std(builder *b, const finding *fd, const char *reason)
{
	char *ins = instructions_for(b, fd);
	add_unfixed(b, fd, reason, ins);
	free(ins);
}

static bool writer_bad(const vss_writer *w)
{
	return w->state == WRITER_FAILED || w->state == WRITER_WAITING_FOR_COMPLETION ||
	       w->state == WRITER_OTHER || w->last_error == WRITER_ERR_NON_RETRYABLE ||
	       w->last_error == WRITER_ERR_TIMEOUT;
}

/* Why guest-side work cannot run now, NULL when it can. */
static const char *guest_blocker(const builder *b, bool need_login)
{
	if (b->f->power != POWER_ON)
		return "the VM is not powered on: power it on, scan again and re-plan";
	if (b->f->tools != TOOLS_RUNNING)
		return "VMware Tools is not running: start it (R02) and re-plan";
	if (b->f->tools_upgrade_running)
		return "a VMware Tools upgrade is running on this VM (R22): wait for it and re-plan";
	if (need_login && !b->o->have_guest_creds)
		return "no guest credentials: give --guest-user (and its password) to fix this through "
		       "Guest Operations";
	return NULL;
}

static const char *const tools_conf_path = "C:\\ProgramData\\VMware\\VMware Tools\\tools.conf";

/* The id a step serves when it serves none (restore and verify steps). */
#define NO_RULE RULE_COUNT

/* What one VM's findings ask for: decided for every finding first, then the steps are emitted
 * in the fixed order of fix_plan.h. */
typedef struct {
	bool uuid;                   /* set disk.EnableUUID (R07) */
	bool cycle;                  /* power the guest down and up again (R07 on, R08) */
	bool tools_upgrade;          /* UpgradeTools_Task (R03, R23) */
	bool tools_modify;           /* add or remove Tools features (R04-R06) */
	char add[32], rem[32];       /* the features, comma lists */
	rule_id tools_rule;          /* the rule the Tools steps serve: the first that asked */
	rule_id cycle_rule;          /* the rule the power-off serves: R07, else R08 */
	const finding *guest_fix[RULE_COUNT]; /* R15, R16, R18 chosen for guest commands */
} plan_wants;

/* A rule's planner: decides whether the finding can be fixed now and records what it needs in
 * w, or records it unfixed with the reason. */
typedef void (*rule_planner)(builder *b, const finding *fd, rule_id id, plan_wants *w);

static void add_tools_rule(plan_wants *w, rule_id id)
{
	if (w->tools_rule == NO_RULE)
		w->tools_rule = id;
}

static void plan_enable_uuid(builder *b, const finding *fd, rule_id id, plan_wants *w)
{
	(void)id;
	const vm_facts *f = b->f;
	if (f->power == POWER_SUSPENDED) {
		unfixed_std(b, fd, "the VM is suspended: resume or power it off, then re-plan");
	} else if (f->power == POWER_ON && f->tools != TOOLS_RUNNING && !b->o->hard_power_off) {
		unfixed_std(b, fd, "VMware Tools is not running, so the guest cannot be shut "
				   "down cleanly: allow a hard power-off (--hard-power-off) or "
				   "start Tools (R02) first");
	} else if (f->power == POWER_UNKNOWN) {
		unfixed_std(b, fd, "the VM's power state is unknown: scan again");
	} else {
		w->uuid = true;
		w->cycle = f->power == POWER_ON;
		w->cycle_rule = RULE_R07;
	}
}

static void plan_power_cycle(builder *b, const finding *fd, rule_id id, plan_wants *w)
{
	const vm_facts *f = b->f;
	if (f->power != POWER_ON) {
		unfixed_std(b, fd, "the VM is not running: it reads disk.EnableUUID at its "
				   "next power-on, nothing to do now");
	} else if (f->tools != TOOLS_RUNNING && !b->o->hard_power_off) {
		unfixed_std(b, fd, "VMware Tools is not running, so the guest cannot be shut "
				   "down cleanly: allow a hard power-off (--hard-power-off)");
	} else {
		w->cycle = true;
		if (w->cycle_rule == NO_RULE)
			w->cycle_rule = id;
	}
}

static void plan_tools_upgrade(builder *b, const finding *fd, rule_id id, plan_wants *w)
{
	const char *blk = guest_blocker(b, false);
	if (blk) {
		unfixed_std(b, fd, blk);
		return;
	}
	w->tools_upgrade = true;
	add_tools_rule(w, id);
}

/* The Tools feature each of R04-R06 adds or removes, and how the Programs and Features dialog
 * names the one it adds. */
static const struct {
	const char *add, *add_label, *remove;
} tools_features[RULE_COUNT] = {
	[RULE_R04] = { "VSS", "Volume Shadow Copy Services Support", NULL },
	[RULE_R05] = { NULL, NULL, "Sync" },
	[RULE_R06] = { "Sync", "the legacy sync driver (Sync)", NULL },
};

static void add_feature(char *list, size_t n, const char *feature)
{
	if (feature && !strstr(list, feature))
		snprintf(list + strlen(list), n - strlen(list), "%s%s", *list ? "," : "", feature);
}

/* By hand (--tools-method by-hand): the Programs and Features steps for this VM. */
static void plan_tools_feature_by_hand(builder *b, const finding *fd, rule_id id)
{
	const char *add = tools_features[id].add, *rem = tools_features[id].remove;
	char *ins = xasprintf(
		"%s: in the VM's console open Control Panel > Programs and Features, "
		"select VMware Tools, Change, Modify; %s%s%s; finish, and restart the "
		"guest when convenient. Then run quiescent scan to verify. "
		"(Silent form: setup64.exe /S /v\"/qn REBOOT=R%s%s%s%s\")",
		b->f->name ? b->f->name : b->f->moref,
		add ? "enable the feature " : "", add ? tools_features[id].add_label : "",
		rem ? "disable the sync driver feature (Sync)" : "",
		add ? " ADDLOCAL=" : "", add ? add : "", rem ? " REMOVE=" : "", rem ? rem : "");
	add_unfixed(b, fd, "guided by hand (--tools-method by-hand): follow the steps", ins);
	free(ins);
}

static void plan_tools_feature(builder *b, const finding *fd, rule_id id, plan_wants *w)
{
	if (b->o->tools_method == FIX_TOOLS_BY_HAND) {
		plan_tools_feature_by_hand(b, fd, id);
		return;
	}
	const char *blk = guest_blocker(b, b->o->tools_method == FIX_TOOLS_GUEST);
	if (blk) {
		unfixed_std(b, fd, blk);
		return;
	}
	add_feature(w->add, sizeof w->add, tools_features[id].add);
	add_feature(w->rem, sizeof w->rem, tools_features[id].remove);
	add_tools_rule(w, id);
	w->tools_modify = true;
}

/* R15, R16, R18: commands through Guest Operations. */
static void plan_guest_fix(builder *b, const finding *fd, rule_id id, plan_wants *w)
{
	const char *blk = guest_blocker(b, true);
	if (blk)
		unfixed_std(b, fd, blk);
	else
		w->guest_fix[id] = fd;
}

static void plan_by_recovery(builder *b, const finding *fd, rule_id id, plan_wants *w)
{
	(void)id;
	(void)w;
	unfixed_std(b, fd, "left by an interrupted run: quiescent recover puts it right, "
			   "not a fix plan");
}

/* The rules the planner knows how to fix (or, R26, where to send). A fixable rule without a
 * planner (R01, R02, any guided fix without an automatic path) gets instructions. info_too: an
 * info finding that still has an automatic fix (other info findings are context). */
static const struct {
	rule_planner plan;
	bool info_too;
} rule_planners[RULE_COUNT] = {
	[RULE_R03] = { plan_tools_upgrade, false },
	[RULE_R04] = { plan_tools_feature, false },
	[RULE_R05] = { plan_tools_feature, false },
	[RULE_R06] = { plan_tools_feature, false },
	[RULE_R07] = { plan_enable_uuid, false },
	[RULE_R08] = { plan_power_cycle, false },
	[RULE_R15] = { plan_guest_fix, false },
	[RULE_R16] = { plan_guest_fix, false },
	[RULE_R18] = { plan_guest_fix, false },
	[RULE_R23] = { plan_tools_upgrade, true },
	[RULE_R26] = { plan_by_recovery, false },
};

/* One finding: skipped (context, nothing to fix), unfixed with its reason, or handed to its
 * rule's planner. */
static void plan_finding(builder *b, const finding *fd, plan_wants *w)
{
	rule_id id = rules_id_of(fd->rule);
	bool known = id != NO_RULE;
	if (fd->sev == SEVERITY_INFO && !(known && rule_planners[id].info_too))
		return;
	if (fd->fix == FIX_NONE)
		return;
	if (!fix_plan_rule_selected(b->o, fd->rule)) {
		unfixed_std(b, fd, "not selected (--rule)");
		return;
	}
	if (fd->fix == FIX_MANUAL) {
		unfixed_std(b, fd, "manual fix: quiescent does not change this; a person must");
		return;
	}
	if (known && rule_planners[id].plan)
		rule_planners[id].plan(b, fd, id, w);
	else
		unfixed_std(b, fd, "guided: follow the instructions, then scan again to verify");
}

/* R16: one restart per distinct owning service of the writers that are not stable. Only
 * restarts that interrupt nothing the server is for run by themselves, and without /y: a
 * service with dependents makes net stop refuse, so no dependent is left stopped. Disruptive
 * restarts (and a DC's NTDS) are guided, their impact stated. */
static void emit_writer_restarts(builder *b, const finding *r16)
{
	const vm_facts *f = b->f;
	char done[8][64];
	size_t n_done = 0, n_auto = 0;
	strbuf guided;
	strbuf_init(&guided);
	for (size_t i = 0; i < f->probe.n_writers; i++) {
		const vss_writer *w = &f->probe.writers[i];
		if (!writer_bad(w))
			continue;
		const fix_writer_owner *ow = fix_writer_owner_of(w->name);
		if (!ow) {
			strbuf_addf(&guided, "%sthe service hosting the writer %s is not known: "
				    "find it (vssadmin list writers, then the writer's documentation), "
				    "restart it in the guest when that is safe", guided.len ? "; " : "",
				    w->name);
			continue;
		}
		bool seen = false;
		for (size_t j = 0; j < n_done; j++)
			seen |= !strcmp(done[j], ow->service);
		if (seen || n_done == 8)
			continue;
		snprintf(done[n_done++], sizeof done[0], "%s", ow->service);
		if (ow->disruptive) {
			strbuf_addf(&guided, "%swriter %s: restarting %s (%s) is not done "
				    "automatically: %s", guided.len ? "; " : "", w->name,
				    ow->display, ow->service, ow->impact);
			if (ow->outage_s)
				strbuf_addf(&guided, "; expected outage ~%d s (net stop \"%s\", then "
					    "net start \"%s\" and every dependent service it stopped)",
					    ow->outage_s, ow->service, ow->service);
			continue;
		}
		fix_step *st = add_step(b, FIX_STEP_GUEST_COMMAND, RULE_R16, false, ow->outage_s + 5,
					xasprintf("net stop \"%s\" & net start \"%s\"", ow->service,
						  ow->service),
					"Restart the service %s (%s) that hosts the writer %s, unless "
					"it is disabled; it is down ~%d s: %s", ow->display,
					ow->service, w->name, ow->outage_s, ow->impact);
		st->service = xstrdup(ow->service);
		b->v->service_outage_s += ow->outage_s;
		n_auto++;
	}
	if (guided.len || !n_auto) {
		char *ins = instructions_for(b, r16);
		char *why = xasprintf("guided: %s; then scan again",
				      guided.len ? guided.buf : "no failed writer is listed");
		add_unfixed(b, r16, why, ins);
		free(why);
		free(ins);
	}
	strbuf_done(&guided);
}

/* 1. guest commands */
static void emit_guest_commands(builder *b, const plan_wants *w)
{
	if (w->guest_fix[RULE_R15])
		add_step(b, FIX_STEP_GUEST_COMMAND, RULE_R15, false, 2,
			 xstrdup("sc config VSS start= demand"),
			 "Set the Volume Shadow Copy service to start on demand (sc config VSS start= demand)");
	if (w->guest_fix[RULE_R16])
		emit_writer_restarts(b, w->guest_fix[RULE_R16]);
	if (w->guest_fix[RULE_R18])
		add_step(b, FIX_STEP_GUEST_COMMAND, RULE_R18, false, 5,
			 xasprintf("powershell -NoProfile -NonInteractive -Command \"$p='%s'; "
				   "(Get-Content $p) | Where-Object { $_ -notmatch "
				   "'^\\s*(vss\\.disableAppQuiescing\\s*=\\s*(true|1|yes)|enableVSS\\s*=\\s*(false|0|no))\\s*$' } "
				   "| Set-Content $p\"", tools_conf_path),
			 "Edit %s: remove vss.disableAppQuiescing = true and enableVSS = false from "
			 "[vmbackup] (Tools re-reads the file)", tools_conf_path);
}

/* 2. Tools upgrade / modify */
static void emit_tools(builder *b, const plan_wants *w)
{
	const fix_timing *t = &b->t;
	rule_id rule = w->tools_rule;
	if (w->tools_modify && b->o->tools_method == FIX_TOOLS_GUEST) {
		char *opts = fix_installer_options(w->add, w->rem);
		add_step(b, FIX_STEP_MOUNT_INSTALLER, rule, false, 2, NULL,
			 "Mount the VMware Tools installer (MountToolsInstaller)");
		/* The CD's drive letter is not known in advance: run the first setup64.exe found
		 * and end with its exit code; none found (the installer did not reach the guest)
		 * must fail, not pass as exit 0. setup64.exe is a GUI program: cmd /c waits for it
		 * only through start /wait. Every msiexec option goes inside /v"...": setup64
		 * hands only that string to msiexec. */
		add_step(b, FIX_STEP_GUEST_SETUP, rule, false, t->tools_upgrade,
			 xasprintf("(for %%d in (D E F G H I J K L M N O P Q R S T U V W X Y Z) do @if exist "
				   "%%d:\\setup64.exe (start \"\" /wait %%d:\\setup64.exe %s & exit /b)) & echo setup64.exe "
				   "was not found on any drive of the guest: the VMware Tools installer is not "
				   "mounted & exit /b 2", opts),
			 "Run the Tools setup in modify mode in the guest: setup64.exe %s", opts);
		add_step(b, FIX_STEP_UNMOUNT_INSTALLER, rule, true, 1, NULL,
			 "Unmount the VMware Tools installer");
		add_step(b, FIX_STEP_WAIT_TOOLS, rule, false, t->tools_start, NULL,
			 "Wait for VMware Tools to run again");
		free(opts);
	} else if (w->tools_modify || w->tools_upgrade) {
		char *opts = fix_installer_options(w->add, w->rem);
		add_step(b, FIX_STEP_UPGRADE_TOOLS, rule, false, t->tools_upgrade, xstrdup(opts),
			 "%s VMware Tools (UpgradeTools_Task, installerOptions %s)",
			 w->tools_modify ? (w->tools_upgrade ? "Upgrade and modify" : "Modify") : "Upgrade",
			 opts);
		add_step(b, FIX_STEP_WAIT_TOOLS, rule, false, t->tools_start, NULL,
			 "Wait for VMware Tools to run again");
		free(opts);
	}
}

/* 3. power cycle and disk.EnableUUID */
static void emit_power_cycle(builder *b, const plan_wants *w)
{
	const vm_facts *f = b->f;
	const fix_timing *t = &b->t;
	bool tools_work = w->tools_modify || w->tools_upgrade;
	if (w->cycle) {
		fix_vm_plan *v = b->v;
		int down0 = v->duration_s;
		if (f->tools == TOOLS_RUNNING || tools_work)
			add_step(b, FIX_STEP_SHUTDOWN_GUEST, w->cycle_rule, false, t->guest_shutdown, NULL,
				 "Shut the guest down (ShutdownGuest) and wait up to %d s for poweredOff%s",
				 b->o->shutdown_timeout_s > 0 ? b->o->shutdown_timeout_s : 300,
				 b->o->hard_power_off ? ", then power off (--hard-power-off)" : "");
		else
			add_step(b, FIX_STEP_POWER_OFF, w->cycle_rule, false, t->power_off, NULL,
				 "Power off (VMware Tools is not running; --hard-power-off)");
		if (w->uuid)
			add_step(b, FIX_STEP_SET_ENABLE_UUID, RULE_R07, false, t->reconfig, xstrdup("TRUE"),
				 "Set disk.EnableUUID = TRUE (ReconfigVM_Task, extraConfig)");
		add_step(b, FIX_STEP_POWER_ON, NO_RULE, true, t->power_on, NULL,
			 "Power on again (the VM was on)");
		/* Tools that did not run before will not start by themselves after the boot. */
		if (f->tools == TOOLS_RUNNING || tools_work)
			add_step(b, FIX_STEP_WAIT_TOOLS, NO_RULE, true, t->tools_start, NULL,
				 "Wait for VMware Tools to run");
		v->downtime_s = v->duration_s - down0;
	} else if (w->uuid) {
		add_step(b, FIX_STEP_SET_ENABLE_UUID, RULE_R07, false, t->reconfig, xstrdup("TRUE"),
			 "Set disk.EnableUUID = TRUE (ReconfigVM_Task, extraConfig; the VM is off, no "
			 "power change)");
	}
}

/* 4. verification */
static void emit_verify(builder *b, const verdict *vd, const plan_wants *w)
{
	if (!b->v->n_steps)
		return;
	b->v->reprobe = b->o->have_guest_creds && b->f->power == POWER_ON &&
			(w->guest_fix[RULE_R15] || w->guest_fix[RULE_R16] || w->guest_fix[RULE_R18] ||
			 w->tools_modify || w->tools_upgrade || rules_verdict_has(vd, RULE_R04) ||
			 rules_verdict_has(vd, RULE_R05));
	add_step(b, FIX_STEP_VERIFY, NO_RULE, true, b->v->reprobe ? 5 : 1, NULL,
		 "Verify: re-read the VM's facts%s and check the fixed findings are gone",
		 b->v->reprobe ? ", re-probe the guest," : "");
}

static void plan_vm(builder *b, const verdict *vd)
{
	plan_wants w = { .cycle_rule = NO_RULE, .tools_rule = NO_RULE };
	for (size_t i = 0; i < vd->n_findings; i++)
		plan_finding(b, &vd->findings[i], &w);
	emit_guest_commands(b, &w);
	emit_tools(b, &w);
	emit_power_cycle(b, &w);
	emit_verify(b, vd, &w);
}

void fix_plan_build(const vm_facts *facts, const verdict *verdicts, size_t n,
		    const fix_plan_opts *opts, fix_plan *out)
{
	fix_plan_init(out);
	out->opts = *opts;
	out->opts.rules = NULL;
	fix_timing zero = { 0 };
	builder b = { .o = opts, .t = opts->timing };
	if (!memcmp(&b.t, &zero, sizeof zero))
		b.t = fix_timing_default();
	out->opts.timing = b.t;
	if (out->opts.shutdown_timeout_s <= 0)
		out->opts.shutdown_timeout_s = 300;
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		fix_vm_plan v = { 0 };
		v.moref = xstrdup(facts[i].moref);
		v.name = xstrdup(facts[i].name ? facts[i].name : facts[i].moref);
		v.original_power = facts[i].power;
		b.f = &facts[i];
		b.v = &v;
		b.cap_steps = b.cap_unfixed = 0;
		plan_vm(&b, &verdicts[i]);
		if (!v.n_steps && !v.n_unfixed) {
			vm_plan_done(&v);
			continue;
		}
		out->vms = xgrow(out->vms, &cap, out->n_vms + 1, sizeof *out->vms);
		out->vms[out->n_vms++] = v;
	}
}
