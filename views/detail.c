/* VM detail: every fact with where it came from and when, the verdict, the findings with
 * evidence and fix, the last tests and fixes from history. Rebuilt when the VM changes (live
 * updates land here too); the history is read by a quiet job, never on the UI thread. */
#include "proof/proof.h"
#include "rules/rules.h"
#include "store/store.h"
#include "tui/draw.h"
#include "tui/jobs.h"
#include "tui/term.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "views/lines.h"
#include "views/view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many past tests and fixes the detail lists. */
#define DETAIL_HISTORY_MAX 8

typedef enum { HIST_NONE, HIST_LOADING, HIST_LOADED, HIST_FAILED } hist_state;

typedef struct {
	char *moref;
	unsigned vc;            /* its vCenter (fleet_vm.vc) */
	vlines lines;
	unsigned long built_gen;
	int built_w;
	hist_state hist;
	unsigned hist_token;          /* the load whose answer is awaited */
	store_history_entry *hist_e;
	size_t hist_n;
	char *hist_error;
} detail;

/* A history load: what the job reads (arg) and what it answers (posted to the UI). */
typedef struct {
	char *db_path, *vcenter, *moref;
	unsigned token;
	store_history_entry *e;
	size_t n;
	char *error;
} hist_load;

static void hist_load_free(void *p)
{
	hist_load *l = p;
	if (!l)
		return;
	free(l->db_path);
	free(l->vcenter);
	free(l->moref);
	store_history_list_free(l->e, l->n);
	free(l->error);
	free(l);
}

static void addf(detail *d, int w, term_elem e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void addf(detail *d, int w, term_elem e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	vlines_wrap_keep(&d->lines, e, 0, 26, w, s);
	free(s);
}

static void fact(detail *d, int w, const char *label, const char *value, const char *source)
{
	/* a longer label (a VSS writer's name) is written whole and pushes its value right */
	addf(d, w, TE_NORMAL, "  %-22s %s  [%s]", label, value && *value ? value : "-", source);
}

static const char *when(time_t t, char *buf, size_t n)
{
	if (!t)
		return "never";
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

/* A writer's last error as vssadmin and the test result say it. */
static const char *writer_error_words(writer_error e)
{
	switch (e) {
	case WRITER_ERR_NONE: return "No error";
	case WRITER_ERR_RETRYABLE: return "Retryable error";
	case WRITER_ERR_NON_RETRYABLE: return "Non-retryable error";
	case WRITER_ERR_TIMEOUT: return "Timed out";
	case WRITER_ERR_OTHER: return "another error";
	default: return "unknown";
	}
}

static const char *tri_text(tri t, const char *yes, const char *no)
{
	return t == TRI_YES ? yes : t == TRI_NO ? no : "unknown";
}

static void svc(detail *d, int w, const char *label, const svc_facts *s, const char *src)
{
	char v[128];
	if (s->installed == TRI_NO)
		snprintf(v, sizeof v, "not installed");
	else if (s->installed == TRI_UNKNOWN && s->state == SVC_STATE_UNKNOWN)
		snprintf(v, sizeof v, "unknown");
	else
		snprintf(v, sizeof v, "%s, start %s", model_svc_state_name(s->state), model_svc_start_name(s->start));
	fact(d, w, label, v, src);
}

static void history_lines(detail *d, ui *u, int w, const char *name);

static void build(detail *d, ui *u, int w)
{
	vlines_clear(&d->lines);
	const fleet_vm *vm = fleet_get_in(&u->fl, d->vc, d->moref);
	if (!vm) {
		addf(d, w, TE_DIM, "This VM is no longer in the inventory (%s).", d->moref ? d->moref : "?");
		return;
	}
	const vm_facts *f = &vm->f;
	const verdict *v = &vm->v;
	char t1[32], t2[32], buf[256];
	char inv_src[80];
	snprintf(inv_src, sizeof inv_src, "vCenter, %s", when(vm->inventory_at, t1, sizeof t1));

	addf(d, w, TE_SECTION, "%s  (%s on %s%s)", f->name ? f->name : f->moref, f->moref,
	     ui_vcenter_name(u, vm->vc), f->is_template ? ", template" : "");
	if (vm->unreachable)
		addf(d, w, TE_SEV_ERROR, "  status unknown: vCenter %s cannot be reached (%s); the facts below "
		     "are its last", ui_vcenter_name(u, vm->vc),
		     ui_vcenter_down(u, vm->vc) ? ui_vcenter_down(u, vm->vc) : "connection lost");
	addf(d, w, TE_SECTION, "Verdict");
	addf(d, w, TE_NORMAL, "  status %s, best level %s, predicted %s, OS family %s (rules run %s)",
	     model_status_name(v->status), model_level_name(v->best), model_level_name(v->predicted),
	     model_os_family_name(v->family), when(vm->evaluated_at, t2, sizeof t2));
	if (f->connection_state)
		addf(d, w, TE_SEV_ERROR, "  The VM's host is %s in vCenter: these facts are not current.",
		     f->connection_state);
	if (f->facts_error)
		addf(d, w, TE_SEV_ERROR, "  vCenter could not give every fact: %s", f->facts_error_text ? f->facts_error_text : "?");
	/* the evidence beside the prediction: what the last test snapshot showed */
	vm_proof pr;
	proof_evaluate(f, v, time(NULL), 0, &pr);
	addf(d, w, pr.state == PROOF_FAILED ? TE_SEV_ERROR : pr.state == PROOF_PROVEN ? TE_READY : TE_NORMAL,
	     "  proof %s: %s", proof_state_name(pr.state), pr.reason);
	if (f->last_test.id) {
		const vm_last_test *t = &f->last_test;
		addf(d, w, TE_NORMAL, "  last test %s: %s, achieved %s%s%s", when(t->at, t1, sizeof t1),
		     t->failed ? "failed" : "success", model_level_name(t->achieved),
		     t->method ? " with " : "", t->method ? t->method : "");
		for (size_t i = 0; i < t->n_changes; i++)
			addf(d, w, TE_DIM, "    changed since: %s", t->changes[i]);
	}

	addf(d, w, TE_NORMAL, "%s", "");
	addf(d, w, TE_SECTION, "Findings (%zu)", v->n_findings);
	if (!v->n_findings)
		addf(d, w, TE_DIM, "  none: nothing stands between this VM and its best level");
	for (size_t i = 0; i < v->n_findings; i++) {
		const finding *fi = &v->findings[i];
		term_elem e = fi->sev == SEVERITY_ERROR ? TE_SEV_ERROR : fi->sev == SEVERITY_WARN ? TE_SEV_WARN : TE_SEV_INFO;
		char t[200];
		addf(d, w, e, "  %s %-5s cap %-11s fix %-6s %s", fi->rule, model_severity_name(fi->sev),
		     model_level_name(fi->cap), model_fix_name(fi->fix), fleet_finding_title(fi, t, sizeof t));
		if (fi->message) { /* whole, however long */
			char *m = xasprintf("      %s", fi->message);
			vlines_wrap_keep(&d->lines, TE_NORMAL, 0, 6, w, m);
			free(m);
		}
		if (fi->evidence) {
			char *s = xasprintf("      evidence: %s", fi->evidence);
			vlines_wrap_keep(&d->lines, TE_DIM, 0, 16, w, s);
			free(s);
		}
	}

	addf(d, w, TE_NORMAL, "%s", "");
	addf(d, w, TE_SECTION, "vCenter properties (last change %s)", when(vm->inventory_at, t1, sizeof t1));
	fact(d, w, "power", model_power_name(f->power), "runtime.powerState");
	fact(d, w, "boot time", f->boot_time ? when(f->boot_time, t2, sizeof t2) : "-", "runtime.bootTime");
	fact(d, w, "guest OS (config)", f->config_guest_full_name ? f->config_guest_full_name : f->config_guest_id, "config.guestFullName");
	fact(d, w, "guest OS (guest)", f->guest_full_name ? f->guest_full_name : f->guest_id, "guest.guestFullName");
	if (f->guest_build) {
		snprintf(buf, sizeof buf, "%d.%d", f->guest_build, f->guest_build_revision);
		fact(d, w, "Windows build", buf, "guest");
	}
	fact(d, w, "VMware Tools", model_tools_status_name(f->tools), "guest.toolsRunningStatus");
	fact(d, w, "Tools version", model_tools_version_format(f->tools_version, t2), "guest.toolsVersion");
	fact(d, w, "Tools version status", model_tools_version_status_name(f->tools_version_status), "guest.toolsVersionStatus2");
	snprintf(buf, sizeof buf, "vmx-%d", f->hw_version);
	fact(d, w, "hardware version", f->hw_version ? buf : "-", "config.version");
	snprintf(buf, sizeof buf, "%s", f->enable_uuid_raw ? f->enable_uuid_raw : "(absent)");
	fact(d, w, "disk.EnableUUID", buf, "config.extraConfig");
	snprintf(buf, sizeof buf, "%d", f->snapshot_count);
	fact(d, w, "snapshots", f->snapshot_count < 0 ? "unknown" : buf, "snapshot");
	snprintf(buf, sizeof buf, "%d controllers, %d units used", f->n_scsi_controllers, f->scsi_units_used);
	fact(d, w, "SCSI", buf, "config.hardware.device");
	for (size_t i = 0; i < f->n_disks; i++) {
		const vm_disk *dk = &f->disks[i];
		snprintf(buf, sizeof buf, "%s %d:%d %s %lld GB", model_controller_name(dk->controller), dk->bus,
			 dk->unit, model_disk_mode_name(dk->mode), (long long)(dk->capacity_kb / 1048576));
		fact(d, w, dk->label ? dk->label : "disk", buf, "config.hardware.device");
	}
	for (size_t i = 0; i < f->n_volumes; i++) {
		const vm_volume *vo = &f->volumes[i];
		snprintf(buf, sizeof buf, "%.1f of %.1f GiB free", vo->free_bytes / 1073741824.0,
			 vo->capacity_bytes / 1073741824.0);
		fact(d, w, vo->path ? vo->path : "volume", buf, "guest.disk");
	}
	if (f->tools_upgrade_running)
		fact(d, w, "Tools upgrade", "running", "TaskManager.recentTask");
	(void)inv_src;

	const guest_probe *p = &f->probe;
	addf(d, w, TE_NORMAL, "%s", "");
	const char *src = p->state == PROBE_STALE ? "history" : "guest probe";
	addf(d, w, TE_SECTION, "Guest probe: %s%s%s", model_probe_state_name(p->state),
	     p->at ? (p->state == PROBE_STALE ? ", last seen " : ", at ") : "", p->at ? when(p->at, t1, sizeof t1) : "");
	if (p->error && p->state != PROBE_OK)
		addf(d, w, TE_DIM, "  %s", p->error);
	if (p->state == PROBE_OK || p->state == PROBE_STALE) {
		svc(d, w, "vmvss (VSS provider)", &p->vmvss, src);
		svc(d, w, "LGTO_Sync (sync drv)", &p->lgto_sync, src);
		svc(d, w, "VSS service", &p->vss, src);
		fact(d, w, "tools.conf app quiesce", tri_text(p->disable_app_quiescing, "disabled", "allowed"), src);
		fact(d, w, "tools.conf enableVSS", p->enable_vss == TRI_UNKNOWN ? "not set" : tri_text(p->enable_vss, "true", "false"), src);
		fact(d, w, "dynamic disks", tri_text(p->dynamic_disks, "yes", "no"), src);
		fact(d, w, "Storage Spaces", tri_text(p->storage_spaces, "yes", "no"), src);
		for (size_t i = 0; i < p->n_writers; i++) {
			const vss_writer *wr = &p->writers[i];
			snprintf(buf, sizeof buf, "%s, last error %s", model_writer_state_name(wr->state),
				 writer_error_words(wr->last_error));
			fact(d, w, wr->name ? wr->name : "writer", buf, src);
		}
	}

	addf(d, w, TE_NORMAL, "%s", "");
	addf(d, w, TE_SECTION, "History");
	if (f->enable_uuid_set_at)
		fact(d, w, "disk.EnableUUID set", when(f->enable_uuid_set_at, t1, sizeof t1), "history (fix journal)");
	fact(d, w, "last scan", vm->scanned ? when(u->fl.scanned_at, t2, sizeof t2) : "not yet", "this session");
	history_lines(d, u, w, f->name ? f->name : f->moref);
}

/* The last tests and fixes, newest first, as the history keeps them. */
static void history_lines(detail *d, ui *u, int w, const char *name)
{
	char t[32];
	addf(d, w, TE_SECTION, "Last tests and fixes%s%s", u->db_path ? " in " : "",
	     u->db_path ? u->db_path : "");
	switch (d->hist) {
	case HIST_NONE:
		addf(d, w, TE_DIM, "  no history file (--history-file or QUIESCENT_DB): nothing recorded");
		return;
	case HIST_LOADING:
		addf(d, w, TE_DIM, "  reading the history...");
		return;
	case HIST_FAILED:
		addf(d, w, TE_SEV_ERROR, "  the history cannot be read: %s", d->hist_error ? d->hist_error : "?");
		return;
	case HIST_LOADED:
		break;
	}
	if (!d->hist_n) {
		addf(d, w, TE_DIM, "  none: no fix or test snapshot of this VM is recorded");
		return;
	}
	for (size_t i = 0; i < d->hist_n; i++) {
		const store_history_entry *e = &d->hist_e[i];
		const char *o = e->outcome;
		term_elem el = !strcmp(o, "success") || !strcmp(o, "fixed") ? TE_READY
			     : !strcmp(o, "failed") || !strcmp(o, "error") || !strcmp(o, "rolled_back") ? TE_SEV_ERROR
			     : TE_NORMAL;
		char *s = xasprintf("  %s  %-4s %s", when(e->at, t, sizeof t),
				    e->kind == STORE_HISTORY_FIX ? "fix" : "test", e->summary ? e->summary : "");
		vlines_wrap_keep(&d->lines, el, 0, 28, w, s);
		free(s);
	}
	addf(d, w, TE_DIM, "  :history %s shows every record, Enter opens one", name);
}

static void hist_job(job *j, void *arg)
{
	hist_load *l = arg;
	char err[512] = "";
	store *s = store_open(l->db_path, err, sizeof err);
	hist_load *out = xcalloc(1, sizeof *out);
	out->moref = xstrdup(l->moref);
	out->token = l->token;
	store_history_filter f = { .kinds = STORE_HISTORY_FIX | STORE_HISTORY_SNAPTEST,
				   .vcenter = l->vcenter, .moref = l->moref,
				   .limit = DETAIL_HISTORY_MAX };
	if (!s || store_history_list(s, &f, &out->e, &out->n, err, sizeof err) < 0)
		out->error = xstrdup(err[0] ? err : "unknown error");
	store_close(s);
	job_post_call(j, detail_view_history_loaded, out, hist_load_free);
}

void detail_view_history_loaded(ui *u, void *data)
{
	hist_load *l = data;
	detail *d = u->v_detail->priv;
	if (l->token == d->hist_token && d->moref && !strcmp(l->moref, d->moref)) {
		store_history_list_free(d->hist_e, d->hist_n);
		free(d->hist_error);
		d->hist_e = l->e;
		d->hist_n = l->n;
		d->hist_error = l->error;
		d->hist = l->error ? HIST_FAILED : HIST_LOADED;
		l->e = NULL;
		l->n = 0;
		l->error = NULL;
		d->built_gen = (unsigned long)-1;
		u->dirty = true;
	}
	hist_load_free(l);
}

void detail_view_reload_history(view *v, ui *u)
{
	detail *d = v->priv;
	if (!d->moref)
		return;
	if (!u->db_path) {
		d->hist = HIST_NONE;
		return;
	}
	hist_load *l = xcalloc(1, sizeof *l);
	l->db_path = xstrdup(u->db_path);
	l->vcenter = xstrdup(ui_vcenter_name(u, d->vc));
	l->moref = xstrdup(d->moref);
	l->token = ++d->hist_token;
	if (d->hist != HIST_LOADED)
		d->hist = HIST_LOADING;   /* a reload keeps showing the old list until it lands */
	d->built_gen = (unsigned long)-1;
	if (job_start_flags(u, "history", NULL, JOB_QUIET, hist_job, l, hist_load_free) < 0) {
		d->hist = HIST_FAILED;
		xstrset(&d->hist_error, "could not start a thread");
	}
}

static void detail_draw(view *v, ui *u, int y, int h, int w)
{
	detail *d = v->priv;
	if (d->built_gen != u->fl.gen || d->built_w != w || !d->lines.n) {
		build(d, u, w);
		d->built_gen = u->fl.gen;
		d->built_w = w;
	}
	v->list.height = h;
	listw_set_count(&v->list, d->lines.n);
	for (int r = 0; r < h; r++) {
		size_t i = v->list.top + (size_t)r;
		if (i < d->lines.n)
			draw_text(y + r, 0, w, d->lines.v[i].text, term_attr(d->lines.v[i].e), ALIGN_LEFT);
		else
			draw_fill(y + r, 0, w, A_NORMAL);
	}
}

static unsigned detail_request(view *v, ui *u, action a)
{
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	return VR_UNHANDLED;
}

static void detail_status(view *v, ui *u, char *buf, size_t n)
{
	detail *d = v->priv;
	size_t h = v->list.height > 0 ? (size_t)v->list.height : 1;
	snprintf(buf, n, "%s  lines %zu-%zu/%zu", d->moref ? d->moref : "", d->lines.n ? v->list.top + 1 : 0,
		 v->list.top + h < d->lines.n ? v->list.top + h : d->lines.n, d->lines.n);
}

static void detail_free(view *v)
{
	detail *d = v->priv;
	vlines_free(&d->lines);
	free(d->moref);
	store_history_list_free(d->hist_e, d->hist_n);
	free(d->hist_error);
	free(d);
}

/* A fix or test of this session ended: it may have written this VM's history. */
static void detail_task_ended(view *v, ui *u, const ui_task *t)
{
	if (ui_top(u) == v && u->scan_task != t->id)
		detail_view_reload_history(v, u);
}

static const view_ops detail_ops = {
	.name = "detail",
	.keys = KMV_DETAIL,
	.draw = detail_draw,
	.request = detail_request,
	.status = detail_status,
	.free = detail_free,
	.task_ended = detail_task_ended,
};

void detail_view_show(view *v, ui *u, unsigned vc, const char *moref)
{
	detail *d = v->priv;
	if (!d->moref || strcmp(d->moref, moref) != 0 || d->vc != vc) {
		store_history_list_free(d->hist_e, d->hist_n);
		d->hist_e = NULL;
		d->hist_n = 0;
		d->hist = HIST_NONE;
	}
	xstrset(&d->moref, moref);
	d->vc = vc;
	d->built_gen = (unsigned long)-1;
	v->list.top = 0;
	detail_view_reload_history(v, u);
}

view *detail_view_new(void)
{
	detail *d = xcalloc(1, sizeof *d);
	view *v = view_new(&detail_ops, "VM detail", d);
	v->list.no_cursor = true;
	return v;
}
