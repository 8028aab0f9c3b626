/* Checklist: the guided steps for the findings no quiescent command fixes by itself - VMware
 * Tools to install (R01) or start (R02), the Tools features to modify by hand (R04 add VSS
 * support, R05 remove the legacy sync driver) - for one VM. The operator does the steps in
 * the vSphere Client and the guest, presses d, and quiescent scans again: a group is ticked
 * off only when that re-scan (with its guest probe, for R04/R05) no longer shows the finding;
 * otherwise it says what it still sees or why it could not look. The one step quiescent can
 * do itself, mounting the Tools installer for R01 (m), runs as a task and is ticked off when
 * vCenter's MountToolsInstaller succeeded. */
#include "model/model.h"
#include "rules/rules.h"
#include "tui/draw.h"
#include "tui/jobs.h"
#include "tui/vcenters.h"
#include "vsphere/vm_ops.h"
#include "util/xalloc.h"
#include "views/lines.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum {
	CK_TODO,        /* not re-checked since the checklist opened */
	CK_CHECKING,    /* the re-scan runs */
	CK_DONE,        /* the re-scan no longer shows the finding */
	CK_STILL,       /* the re-scan still shows it */
	CK_UNCHECKED,   /* the re-scan could not tell (no probe, scan did not reach the VM) */
} ck_state;

/* What a person does for one rule, in order, and what the re-check looks for. */
typedef struct {
	rule_id rule;
	const char *goal;
	bool needs_probe;       /* only the guest probe can show it gone */
	const char *steps[4];
} guide;

static const guide guides[] = {
	{ RULE_R01, "VMware Tools installed and running", false,
	  { "In the vSphere Client select the VM, then Actions > Guest OS > Install VMware Tools: "
	    "vCenter mounts the Tools installer as a CD drive in the guest.",
	    "In the guest's console, as an administrator, run setup64.exe from that drive; choose "
	    "Typical, or Custom with Volume Shadow Copy Services Support selected.",
	    "Restart the guest when the installer asks, then unmount the installer (Actions > "
	    "Guest OS > Unmount VMware Tools Installer).",
	    NULL } },
	{ RULE_R02, "the VMware Tools service running", false,
	  { "In the guest, start the service VMware Tools (VMTools): services.msc, or an elevated "
	    "prompt: net start VMTools.",
	    "Set its startup type to Automatic so it runs after the next boot too "
	    "(sc config VMTools start= auto).",
	    "If it stops again, read the Application event log (source VMware Tools) and repair "
	    "Tools: Programs and Features > VMware Tools > Repair.",
	    NULL } },
	{ RULE_R04, "the VMware Snapshot Provider (vmvss) installed", true,
	  { "In the guest: Control Panel > Programs and Features > VMware Tools > Change > Modify.",
	    "Under VMware Device Drivers select Volume Shadow Copy Services Support (This feature "
	    "will be installed); finish.",
	    "Restart the guest when the installer asks. (f can do the same modify through "
	    "UpgradeTools or Guest Operations.)",
	    NULL } },
	{ RULE_R05, "the legacy sync driver (LGTO_Sync) removed", true,
	  { "In the guest: Control Panel > Programs and Features > VMware Tools > Change > Modify.",
	    "Under VMware Device Drivers set SYNC Driver to This feature will not be available; "
	    "finish.",
	    "Restart the guest: the driver stays loaded until then. (f can do the same modify.)",
	    NULL } },
};
#define N_GUIDES (sizeof guides / sizeof guides[0])

typedef struct {
	const guide *g;
	ck_state state;
	char *note;             /* what the re-check saw */
} group;

typedef struct {
	char *moref, *name;
	unsigned vc;            /* the VM's vCenter: the mount and the re-check go there */
	group groups[N_GUIDES];
	size_t n;
	int scan_task;          /* the re-scan's task id, 0 when none runs */
	int mount_task;         /* the installer mount's task id, 0 when none runs */
	bool mounted;           /* vCenter mounted the installer (R01 step 1 done) */
	char *mount_error;
	time_t asked_at;        /* when the operator said done */
	vlines lines;
} checklist;

static const finding *vm_finding(const fleet_vm *fv, rule_id rule)
{
	for (size_t i = 0; fv && i < fv->v.n_findings; i++)
		if (rules_finding_is(&fv->v.findings[i], rule))
			return &fv->v.findings[i];
	return NULL;
}

static void forget(checklist *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->groups[i].note);
	c->n = 0;
	c->scan_task = 0;
	c->mount_task = 0;
	c->mounted = false;
	free(c->mount_error);
	c->mount_error = NULL;
}

static const char *state_box(ck_state s)
{
	switch (s) {
	case CK_DONE: return "[x]";
	case CK_STILL: return "[!]";
	case CK_UNCHECKED: return "[?]";
	case CK_CHECKING: return "[~]";
	case CK_TODO: break;
	}
	return "[ ]";
}

static void build(checklist *c, ui *u, int w)
{
	vlines *L = &c->lines;
	vlines_clear(L);
	char text[400], hint[16], mount_hint[80];
	snprintf(text, sizeof text, "%s: the steps for what quiescent does not fix by itself. Do "
		 "them, then press %s: quiescent scans again and ticks off each one the scan shows done.",
		 c->name ? c->name : "?", ui_key_hint(u, KMV_CHECKLIST, ACTION_RECHECK, "d", hint, sizeof hint));
	if (u->readonly)
		snprintf(mount_hint, sizeof mount_hint, "read-only console: mount it in the vSphere Client");
	else
		snprintf(mount_hint, sizeof mount_hint, "quiescent can do this step: press %s",
			 ui_key_hint(u, KMV_CHECKLIST, ACTION_MOUNT_INSTALLER, "m", hint, sizeof hint));
	vlines_wrap(L, TE_NORMAL, 1, 1, w, text);
	vlines_add(L, TE_NORMAL, " ");
	for (size_t i = 0; i < c->n; i++) {
		const group *g = &c->groups[i];
		term_elem e = g->state == CK_DONE ? TE_READY : g->state == CK_STILL ? TE_SEV_ERROR
			      : g->state == CK_UNCHECKED ? TE_SEV_WARN : TE_SECTION;
		vlines_add(L, e, " %s %s: %s", state_box(g->state), rules_id_name(g->g->rule),
			   g->g->goal);
		for (size_t k = 0; k < 4 && g->g->steps[k]; k++) {
			bool mount_step = g->g->rule == RULE_R01 && k == 0;
			bool ticked = g->state == CK_DONE || (mount_step && c->mounted);
			snprintf(text, sizeof text, "%s %zu. %s", ticked ? "[x]" : "[ ]", k + 1,
				 g->g->steps[k]);
			vlines_wrap(L, ticked ? TE_DIM : TE_NORMAL, 5, 12, w, text);
			if (mount_step && g->state != CK_DONE) {
				snprintf(text, sizeof text, "%s", c->mount_task ? "mounting the installer..."
					 : c->mounted ? "the installer is mounted (MountToolsInstaller succeeded)"
					 : c->mount_error ? c->mount_error : mount_hint);
				vlines_wrap(L, c->mount_error && !c->mount_task ? TE_SEV_WARN : TE_DIM, 12, 12,
					    w, text);
			}
		}
		const char *check = g->state == CK_CHECKING ? "re-checking: a scan runs"
				    : g->note ? g->note
				    : g->g->needs_probe ? "re-check: the next scan's guest probe"
				    : "re-check: the next scan";
		vlines_wrap(L, g->state == CK_DONE ? TE_READY : TE_DIM, 9, 9, w, check);
		vlines_add(L, TE_NORMAL, " ");
	}
}

static void checklist_draw(view *v, ui *u, int y, int h, int w)
{
	checklist *c = v->priv;
	build(c, u, w - 1);
	v->list.no_cursor = true;
	v->list.height = h > 0 ? h : 1;
	listw_set_count(&v->list, c->lines.n);
	vlines_draw(&c->lines, v->list.top, y, h, w);
}

/* The running scan of vCenter vc (ui_start_scan starts one on each logged-in vCenter), or 0. */
static int vc_scan_task(const ui *u, unsigned vc)
{
	if (vc == 0)
		return u->scan_task;
	return vc <= u->n_more ? u->more[vc - 1].scan_task : 0;
}

static void recheck(checklist *c, ui *u)
{
	if (c->scan_task) {
		ui_message(u, LOG_INFO, "the re-check of %s is running", c->name);
		return;
	}
	/* the first vCenter's scan whose result is in only closes its history: a new one may start */
	if (c->vc ? vc_scan_task(u, c->vc) != 0 : ui_scan_running(u)) {
		/* its guest probes may have run before the steps were done: not evidence */
		ui_message(u, LOG_INFO, "a scan is running: press d again when it ends to re-check %s",
			   c->name);
		return;
	}
	time_t asked = time(NULL);
	if (c->vc)
		vcenters_scan(u, 0); /* the first's scan (ui_start_scan) is not needed, nor its refusal */
	else if (ui_start_scan(u) < 0)
		return; /* ui_start_scan said why */
	c->scan_task = vc_scan_task(u, c->vc);
	if (!c->scan_task) {
		ui_message(u, LOG_WARN, "%s cannot be scanned now (not logged in): press d again once it is",
			   ui_vcenter_name(u, c->vc));
		return;
	}
	c->asked_at = asked;
	for (size_t i = 0; i < c->n; i++)
		if (c->groups[i].state != CK_DONE)
			c->groups[i].state = CK_CHECKING;
	ui_message(u, LOG_INFO, "re-checking %s: scanning %s", c->name, ui_vcenter_name(u, c->vc));
}

typedef struct {
	char *moref, *name;
} mount_arg;

static void mount_arg_free(void *p)
{
	mount_arg *m = p;
	free(m->moref);
	free(m->name);
	free(m);
}

static void mount_job(job *j, void *p)
{
	mount_arg *m = p;
	vs_conn *conn = job_conn(j);
	if (!conn)
		return;
	job_progress(j, 0, 1, "mounting the VMware Tools installer on %s", m->name);
	vs_error err;
	vs_error_clear(&err);
	if (vs_vm_mount_tools_installer(conn, m->moref, &err) < 0) {
		job_fail(j, "the VMware Tools installer could not be mounted on %s: %s", m->name,
			 err.message);
		return;
	}
	job_progress(j, 1, 1, "the VMware Tools installer is mounted on %s", m->name);
}

static void mount_installer(checklist *c, ui *u)
{
	bool r01 = false;
	for (size_t i = 0; i < c->n; i++)
		r01 |= c->groups[i].g->rule == RULE_R01 && c->groups[i].state != CK_DONE;
	if (!r01) {
		ui_message(u, LOG_INFO, "%s needs no Tools installer: mounting is a step of R01 only",
			   c->name);
		return;
	}
	if (c->mount_task || c->mounted)
		return;
	mount_arg *m = xcalloc(1, sizeof *m);
	m->moref = xstrdup(c->moref);
	m->name = xstrdup(c->name);
	int id = job_start_on(u, ui_vcenter_session(u, c->vc), "mount Tools installer", c->name, 0, mount_job, m,
			      mount_arg_free);
	if (id > 0) {
		c->mount_task = id;
		free(c->mount_error);
		c->mount_error = NULL;
	}
}

static unsigned checklist_request(view *v, ui *u, action a)
{
	checklist *c = v->priv;
	if (a == ACTION_RECHECK) {
		recheck(c, u);
		return VR_REDRAW;
	}
	if (a == ACTION_MOUNT_INSTALLER) {
		mount_installer(c, u);
		return VR_REDRAW;
	}
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	return VR_UNHANDLED;
}

/* The re-scan ended: each group's finding gone, still there, or not looked at. */
static void checklist_task_ended(view *v, ui *u, const ui_task *t)
{
	checklist *c = v->priv;
	if (c->mount_task && t->id == c->mount_task) {
		c->mount_task = 0;
		c->mounted = !t->error;
		if (t->error)
			xstrset(&c->mount_error, t->error);
		u->dirty = true;
		return;
	}
	if (!c->scan_task || t->id != c->scan_task)
		return;
	c->scan_task = 0;
	fleet_vm *fv = fleet_get_in(&u->fl, c->vc, c->moref);
	size_t done = 0;
	for (size_t i = 0; i < c->n; i++) {
		group *g = &c->groups[i];
		if (g->state == CK_DONE) {
			done++;
			continue;
		}
		const finding *f = vm_finding(fv, g->g->rule);
		free(g->note);
		g->note = NULL;
		if (!fv) {
			g->state = CK_UNCHECKED;
			g->note = xstrdup("not re-checked: the VM is no longer in the inventory");
		} else if (t->error || fv->evaluated_at < c->asked_at) {
			g->state = CK_UNCHECKED;
			g->note = xasprintf("not re-checked: the scan did not reach this VM%s%s",
					    t->error ? ": " : "", t->error ? t->error : "");
		} else if (g->g->needs_probe && !f &&
			   (fv->f.probe.state != PROBE_OK || fv->f.probe.at < c->asked_at)) {
			g->state = CK_UNCHECKED;
			g->note = xasprintf("not re-checked: the guest probe did not run (%s)",
					    fv->f.probe.error ? fv->f.probe.error
					    : u->probe ? "no fresh guest facts"
					    : "the console runs without guest credentials");
		} else if (f) {
			g->state = CK_STILL;
			g->note = xasprintf("still shown: %s", f->evidence ? f->evidence : f->message);
		} else {
			g->state = CK_DONE;
			g->note = xasprintf("done: the scan no longer shows %s", rules_id_name(g->g->rule));
			done++;
		}
	}
	ui_message(u, done == c->n ? LOG_INFO : LOG_WARN, "%s: %zu of %zu checklist item%s done",
		   c->name, done, c->n, c->n == 1 ? "" : "s");
	u->dirty = true;
}

static void checklist_status(view *v, ui *u, char *buf, size_t n)
{
	(void)u;
	checklist *c = v->priv;
	size_t done = 0;
	for (size_t i = 0; i < c->n; i++)
		done += c->groups[i].state == CK_DONE;
	snprintf(buf, n, "%s  %zu/%zu done%s", c->name ? c->name : "", done, c->n,
		 c->scan_task ? "  re-checking" : "");
}

static void checklist_free(view *v)
{
	checklist *c = v->priv;
	forget(c);
	vlines_free(&c->lines);
	free(c->moref);
	free(c->name);
	free(c);
}

static const view_ops checklist_ops = {
	.name = "checklist",
	.keys = KMV_CHECKLIST,
	.draw = checklist_draw,
	.request = checklist_request,
	.status = checklist_status,
	.task_ended = checklist_task_ended,
	.free = checklist_free,
};

view *checklist_view_new(void)
{
	return view_new(&checklist_ops, "Checklist", xcalloc(1, sizeof(checklist)));
}

void checklist_view_show(ui *u)
{
	view *top = ui_top(u);
	fleet_vm *fv = top == u->v_vms || top == u->v_detail ? vms_view_current(u->v_vms, u) : NULL;
	if (top == u->v_checklist)
		return;
	if (!fv) {
		ui_message(u, LOG_WARN, "no VM under the cursor");
		return;
	}
	checklist *c = u->v_checklist->priv;
	bool same = c->moref && c->vc == fv->vc && !strcmp(c->moref, fv->f.moref);
	if ((c->scan_task || c->mount_task) && c->moref && !same) {
		ui_message(u, LOG_WARN, "the checklist of %s is busy (re-check or mount): wait for it",
			   c->name);
		return;
	}
	if (!same) {
		forget(c);
		c->vc = fv->vc;
		xstrset(&c->moref, fv->f.moref);
		xstrset(&c->name, fv->f.name ? fv->f.name : fv->f.moref);
	}
	/* The VM's guided findings now; an item of this VM already ticked off or re-checked
	 * keeps what its re-check said (a ticked one stays listed after its finding went). */
	group now[N_GUIDES];
	size_t n = 0;
	for (size_t g = 0; g < N_GUIDES; g++) {
		group *old = NULL;
		for (size_t i = 0; i < c->n && !old; i++)
			if (c->groups[i].g == &guides[g])
				old = &c->groups[i];
		if (old && (old->state == CK_DONE || vm_finding(fv, guides[g].rule))) {
			now[n++] = *old;
			old->note = NULL;
		} else if (vm_finding(fv, guides[g].rule)) {
			now[n++] = (group){ .g = &guides[g], .state = CK_TODO };
		}
	}
	for (size_t i = 0; i < c->n; i++)
		free(c->groups[i].note);
	memcpy(c->groups, now, n * sizeof *now);
	c->n = n;
	if (!c->n) {
		ui_message(u, LOG_INFO, "%s has no finding a checklist guides (R01, R02, R04, R05)",
			   c->name);
		return;
	}
	u->v_checklist->list.top = 0;
	ui_push(u, u->v_checklist);
}
