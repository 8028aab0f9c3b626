/* The report's data (the estate now, its proof, the period's trend and changes) and its JSON
 * and CSV forms; report_html.c and report_md.c write HTML and Markdown from the same data. */
#include "frontend/history_out.h"
#include "cli/report_internal.h"
#include "cli/scan_output.h"
#include "rules/rules.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/timefmt.h"

#include <fnmatch.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_DEFAULT_PERIOD ((time_t)30 * 86400)
#define REPORT_MAX_ENTRIES 2000

bool report_format_parse(const char *s, report_format *out)
{
	static const char *const names[] = { "html", "csv", "json", "md" };
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (report_format)i;
			return true;
		}
	return false;
}

/* ---- loading ---- */

static void data_done(report_data *d)
{
	for (size_t i = 0; i < d->n_vms; i++) {
		model_vm_facts_done(&d->vms[i].f);
		model_verdict_done(&d->vms[i].v);
	}
	free(d->vms);
	for (int k = 0; k < REPORT_BY_COUNT; k++) {
		for (size_t i = 0; i < d->n_by[k]; i++)
			free(d->by[k][i].name);
		free(d->by[k]);
	}
	free(d->problems);
	free(d->unproven);
	free(d->trend);
	free(d->all_trend);
	if (d->have_period)
		store_scan_diff_done(&d->period);
	if (d->have_diff)
		store_scan_diff_done(&d->diff);
	if (d->have_scan)
		store_history_record_done(&d->scan);
	store_history_list_free(d->fixes, d->n_fixes);
	store_history_list_free(d->tests, d->n_tests);
}

static bool in_scope(const report_opts *o, const vm_facts *f)
{
	if (o->vm_glob && *o->vm_glob &&
	    !((f->name && !fnmatch(o->vm_glob, f->name, 0)) ||
	      (f->moref && !fnmatch(o->vm_glob, f->moref, 0))))
		return false;
	if (o->folder_glob && *o->folder_glob &&
	    fnmatch(o->folder_glob, f->folder ? f->folder : "", 0))
		return false;
	return true;
}

static report_vm *find_vm(report_data *d, const char *moref)
{
	for (size_t i = 0; moref && i < d->n_vms; i++)
		if (d->vms[i].f.moref && !strcmp(d->vms[i].f.moref, moref))
			return &d->vms[i];
	return NULL;
}

static int cmp_vm_moref(const void *a, const void *b)
{
	const report_vm *x = a, *y = b;
	return strcmp(x->f.moref ? x->f.moref : "", y->f.moref ? y->f.moref : "");
}

/* A partial scan after the last full one has the newest facts of its VMs. d->vms is sorted by
 * moref here: each rescanned VM is found by bisection, not by a walk of the estate. */
static int apply_scan(store *s, report_data *d, int64_t id, char *err, size_t errlen)
{
	vm_facts *v;
	size_t n;
	if (store_scan_facts_all(s, id, &v, &n, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		report_vm key = { .f.moref = v[i].moref };
		report_vm *r = v[i].moref && d->n_vms
				       ? bsearch(&key, d->vms, d->n_vms, sizeof *d->vms, cmp_vm_moref)
				       : NULL;
		if (r) {
			model_vm_facts_done(&r->f);
			r->f = v[i];
		} else {
			model_vm_facts_done(&v[i]);
		}
	}
	free(v);
	return 0;
}

static int cmp_vm_name(const void *a, const void *b)
{
	const report_vm *x = a, *y = b;
	int c = strcmp(x->f.name ? x->f.name : "", y->f.name ? y->f.name : "");
	return c ? c : strcmp(x->f.moref ? x->f.moref : "", y->f.moref ? y->f.moref : "");
}

static void count_group(report_data *d, int k, const char *name, const report_vm *r)
{
	if (!name || !*name)
		return;
	report_group *g = NULL;
	for (size_t i = 0; i < d->n_by[k] && !g; i++)
		if (!strcmp(d->by[k][i].name, name))
			g = &d->by[k][i];
	if (!g) {
		d->by[k] = xrealloc(d->by[k], (d->n_by[k] + 1) * sizeof *d->by[k]);
		g = &d->by[k][d->n_by[k]++];
		memset(g, 0, sizeof *g);
		g->name = xstrdup(name);
	}
	g->vms++;
	g->proven += r->p.state == PROOF_PROVEN;
	g->predicted += r->p.state == PROOF_PREDICTED;
	g->failed += r->p.state == PROOF_FAILED;
	g->not_ready += r->v.status != STATUS_READY;
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const report_group *)a)->name, ((const report_group *)b)->name);
}

/* Failing proof first, then the statuses that need work: manual, fixable, unknown. */
static int problem_rank(const report_vm *r)
{
	if (r->p.state == PROOF_FAILED)
		return 0;
	switch (r->v.status) {
	case STATUS_MANUAL: return 1;
	case STATUS_FIXABLE: return 2;
	case STATUS_UNKNOWN: return 3;
	default: return -1;
	}
}

static void judge(report_data *d)
{
	for (size_t i = 0; i < d->n_vms; i++) {
		report_vm *r = &d->vms[i];
		rules_evaluate(&r->f, d->now, &r->v);
		proof_evaluate(&r->f, &r->v, d->now, d->o.max_proof_age, &r->p);
		switch (r->v.status) {
		case STATUS_READY: d->ready++; break;
		case STATUS_FIXABLE: d->fixable++; break;
		case STATUS_MANUAL: d->manual++; break;
		case STATUS_UNKNOWN: d->unknown++; break;
		case STATUS_NA: d->na++; break;
		}
		if (r->v.status == STATUS_NA)
			continue;
		d->windows++;
		d->proven += r->p.state == PROOF_PROVEN;
		d->predicted += r->p.state == PROOF_PREDICTED;
		d->failed += r->p.state == PROOF_FAILED;
		count_group(d, REPORT_BY_DATACENTER, r->f.datacenter, r);
		count_group(d, REPORT_BY_CLUSTER, r->f.cluster, r);
		count_group(d, REPORT_BY_FOLDER, r->f.folder, r);
	}
	for (int k = 0; k < REPORT_BY_COUNT; k++)
		if (d->n_by[k])
			qsort(d->by[k], d->n_by[k], sizeof *d->by[k], cmp_group);
	d->problems = xcalloc(d->n_vms + 1, sizeof *d->problems);
	d->unproven = xcalloc(d->n_vms + 1, sizeof *d->unproven);
	for (int rank = 0; rank <= 3; rank++)
		for (size_t i = 0; i < d->n_vms; i++)
			if (problem_rank(&d->vms[i]) == rank)
				d->problems[d->n_problems++] = i;
	for (size_t i = 0; i < d->n_vms; i++)
		if (d->vms[i].v.status == STATUS_READY && d->vms[i].p.state == PROOF_PREDICTED)
			d->unproven[d->n_unproven++] = i;
}

static bool scoped(const report_data *d)
{
	return (d->o.vm_glob && *d->o.vm_glob) || (d->o.folder_glob && *d->o.folder_glob);
}

/* Fixes and tests of the period, of the VMs in scope. */
static int load_entries(store *s, report_data *d, store_history_kind kind,
			store_history_entry **out, size_t *n, char *err, size_t errlen)
{
	store_history_filter f = { .kinds = kind, .vcenter = d->vcenter, .since = d->o.since,
				   .vm_glob = d->o.vm_glob, .limit = REPORT_MAX_ENTRIES };
	if (store_history_list(s, &f, out, n, err, errlen) != 0)
		return -1;
	if (!scoped(d) || !d->last_scan)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		store_history_entry *e = &(*out)[i];
		if (find_vm(d, e->moref)) {
			(*out)[k++] = *e;
		} else {
			free(e->summary);
			free(e->details_json);
		}
	}
	*n = k;
	return 0;
}

static int load(store *s, report_data *d, char *err, size_t errlen)
{
	/* every scan of the vCenter, scoped counts: the period's trend and its first full scan */
	store_history_filter tf = { .vcenter = d->o.vcenter, .vm_glob = d->o.vm_glob,
				    .folder_glob = d->o.folder_glob };
	if (store_history_trends(s, &tf, &d->all_trend, &d->n_all_trend, err, errlen) != 0)
		return -1;
	/* the vCenter: the one asked for, else that of the newest full scan */
	size_t last = (size_t)-1;
	for (size_t i = d->n_all_trend; i-- > 0 && last == (size_t)-1;)
		if (!d->all_trend[i].partial)
			last = i;
	if (last == (size_t)-1 && d->n_all_trend)
		last = d->n_all_trend - 1;
	if (last != (size_t)-1) {
		const store_trend_point *p = &d->all_trend[last];
		snprintf(d->vcenter, sizeof d->vcenter, "%s", p->vcenter);
		d->last_scan = p->scan_id;
		d->last_at = p->at;
	} else if (d->o.vcenter) {
		snprintf(d->vcenter, sizeof d->vcenter, "%s", d->o.vcenter);
	}
	/* the estate now: the last full scan, then the partial rescans after it */
	if (d->last_scan) {
		vm_facts *v;
		size_t n;
		if (store_scan_facts_all(s, d->last_scan, &v, &n, err, errlen) != 0)
			return -1;
		d->vms = xcalloc(n + 1, sizeof *d->vms);
		for (size_t i = 0; i < n; i++) {
			if (!in_scope(&d->o, &v[i])) {
				model_vm_facts_done(&v[i]);
				continue;
			}
			report_vm *r = &d->vms[d->n_vms++];
			r->f = v[i];
			model_verdict_init(&r->v);
		}
		free(v);
		if (d->n_vms)
			qsort(d->vms, d->n_vms, sizeof *d->vms, cmp_vm_moref);
		for (size_t i = last + 1; i < d->n_all_trend; i++)
			if (!strcasecmp(d->all_trend[i].vcenter, d->vcenter) &&
			    apply_scan(s, d, d->all_trend[i].scan_id, err, errlen) != 0)
				return -1;
		for (size_t i = 0; i < d->n_vms; i++)
			proof_settle_history(s, d->vcenter, &d->vms[i].f);
		if (d->n_vms)
			qsort(d->vms, d->n_vms, sizeof *d->vms, cmp_vm_name);
	}
	judge(d);

	/* the period: its scans, and what changed from its first full scan to the last */
	int64_t base = 0;
	for (size_t i = 0; i < d->n_all_trend; i++) {
		const store_trend_point *p = &d->all_trend[i];
		if (strcasecmp(p->vcenter, d->vcenter))
			continue;
		if (p->at >= d->o.since) {
			d->trend = xrealloc(d->trend, (d->n_trend + 1) * sizeof *d->trend);
			d->trend[d->n_trend++] = *p;
		}
		if (p->partial || p->scan_id == d->last_scan)
			continue;
		/* the newest full scan before the period, else its first one */
		if (p->at < d->o.since || !base) {
			base = p->scan_id;
			d->have_before = true;
			d->ready_before = p->ready;
			d->total_before = p->total;
			d->before_at = p->at;
		}
	}
	if (base && d->last_scan && base != d->last_scan) {
		if (store_history_diff(s, base, d->last_scan, d->o.vm_glob, &d->period, err, errlen) != 0)
			return -1;
		d->have_period = true;
	} else {
		d->have_before = false;
	}
	if (load_entries(s, d, STORE_HISTORY_FIX, &d->fixes, &d->n_fixes, err, errlen) != 0 ||
	    load_entries(s, d, STORE_HISTORY_SNAPTEST, &d->tests, &d->n_tests, err, errlen) != 0)
		return -1;

	/* the first report's members: only the JSON has them (the last scan's record alone is
	 * every VM's row and finding again) */
	if (!d->json_members)
		return 0;
	if (d->last_scan) {
		int k = store_history_record_get(s, STORE_HISTORY_SCAN, d->last_scan, 0, &d->scan, err,
						 errlen);
		if (k < 0)
			return -1;
		d->have_scan = k > 0;
	}
	int64_t a = 0, b = 0;
	int k = store_history_last_two_scans(s, d->vcenter[0] ? d->vcenter : NULL, &a, &b, err, errlen);
	if (k < 0)
		return -1;
	if (k > 0) {
		if (store_history_diff(s, a, b, d->o.vm_glob, &d->diff, err, errlen) != 0)
			return -1;
		d->have_diff = true;
	}
	return 0;
}

/* ---- words shared by the formats ---- */

const finding *report_problem(const report_vm *r)
{
	for (size_t i = 0; i < r->v.n_findings; i++)
		if (rules_finding_is(&r->v.findings[i], RULE_R25))
			return &r->v.findings[i];
	for (size_t i = 0; i < r->v.n_findings; i++)
		if (r->v.findings[i].sev == SEVERITY_ERROR)
			return &r->v.findings[i];
	for (size_t i = 0; i < r->v.n_findings; i++)
		if (r->v.findings[i].sev == SEVERITY_WARN)
			return &r->v.findings[i];
	return r->v.n_findings ? &r->v.findings[0] : NULL;
}

void report_next_action(strbuf *out, const report_vm *r)
{
	const char *name = r->f.name ? r->f.name : r->f.moref;
	const finding *f = report_problem(r);
	const rule_info *ri = f ? rules_find(f->rule) : NULL;
	if (r->p.state == PROOF_FAILED) {
		const vm_last_test *t = &r->f.last_test;
		const finding *fixable = NULL;
		for (size_t i = 0; i < r->v.n_findings && !fixable; i++)
			if (r->v.findings[i].sev == SEVERITY_ERROR && !rules_finding_is(&r->v.findings[i], RULE_R25) &&
			    r->v.findings[i].fix != FIX_MANUAL && r->v.findings[i].fix != FIX_NONE)
				fixable = &r->v.findings[i];
		if (fixable)
			strbuf_addf(out, "quiescent fix --vm '%s' --rule %s --apply (%s), then", name,
				    fixable->rule, t->bad_writer ? t->bad_writer : fixable->rule);
		else if (t->bad_writer)
			strbuf_addf(out, "Fix the writer %s (restart its service), then", t->bad_writer);
		else if (t->fault)
			strbuf_addf(out, "Read the test's fault (%s), fix its cause, then", t->fault);
		else
			strbuf_adds(out, "Read the test's events (quiescent history), fix the cause, then");
		strbuf_addf(out, " test again: quiescent snaptest '%s'", name);
		return;
	}
	if (r->v.status == STATUS_UNKNOWN) {
		strbuf_addf(out, "Give quiescent guest credentials for this VM (--guest-user), then "
				 "scan it: quiescent scan --vm '%s'", name);
		return;
	}
	if (!f) {
		strbuf_addf(out, "Scan again: quiescent scan --vm '%s'", name);
		return;
	}
	switch (f->fix) {
	case FIX_AUTO:
		strbuf_addf(out, "quiescent fix --vm '%s' --rule %s --apply (%s)", name, f->rule,
			    ri ? ri->title : f->rule);
		break;
	case FIX_GUIDED:
		strbuf_addf(out, "quiescent fix --vm '%s' --rule %s --plan, then follow the guided "
				 "steps (%s)", name, f->rule, ri ? ri->title : f->rule);
		break;
	case FIX_MANUAL:
	case FIX_NONE:
		strbuf_adds(out, ri ? ri->remediation : f->message);
		break;
	}
}

bool report_fact_shown(const store_fact_change *c)
{
	return !history_fact_is_noise(c->fact);
}

/* The steps of a fix from the timeline's details, in words, then who and when. */
void report_fix_words(strbuf *out, const store_history_entry *e)
{
	char tb[32];
	json_value *doc = json_parse(e->details_json, strlen(e->details_json), NULL, 0);
	const json_value *steps = doc ? json_get(doc, "steps") : NULL;
	size_t done = 0;
	time_t last = 0;
	for (size_t i = 0; steps && steps->type == JSON_ARRAY && i < steps->n; i++) {
		const json_value *st = &steps->items[i];
		const char *state = json_get_string(st, "state");
		if (!state || strcmp(state, "done"))
			continue;
		strbuf_adds(out, done++ ? ", " : "");
		strbuf_adds(out, history_step_words(json_get_string(st, "kind")));
		int64_t at;
		if (json_get_int(st, "ended_at", &at) && at > last)
			last = (time_t)at;
	}
	const char *msg = doc ? json_get_string(doc, "message") : NULL;
	if (!done)
		strbuf_adds(out, "nothing done");
	strbuf_addf(out, " by quiescent on %s: %s", time_local(last ? last : e->at, tb,
								      sizeof tb), e->outcome);
	if (msg && *msg)
		strbuf_addf(out, " (%s)", msg);
	json_free(doc);
}

void report_test_words(strbuf *out, const store_history_entry *e)
{
	json_value *doc = json_parse(e->details_json, strlen(e->details_json), NULL, 0);
	const char *pred = doc ? json_get_string(doc, "predicted_level") : NULL;
	const char *ach = doc ? json_get_string(doc, "achieved_level") : NULL;
	const char *method = doc ? json_get_string(doc, "method") : NULL;
	const json_value *writers = doc ? json_get(doc, "writers") : NULL;
	const json_value *fault = doc ? json_get(doc, "fault") : NULL;
	size_t in_manifest = 0;
	for (size_t i = 0; writers && writers->type == JSON_ARRAY && i < writers->n; i++) {
		const char *phase = json_get_string(&writers->items[i], "phase");
		in_manifest += phase && !strcmp(phase, "manifest");
	}
	strbuf_addf(out, "%s: achieved %s", e->outcome, ach ? ach : "nothing");
	if (pred)
		strbuf_addf(out, ", %s %s", ach && !strcmp(ach, pred) ? "as predicted" : "predicted",
			    ach && !strcmp(ach, pred) ? "" : pred);
	while (out->len && out->buf[out->len - 1] == ' ')
		out->buf[--out->len] = '\0';
	strbuf_addf(out, "; %zu writer%s in the manifest", in_manifest, in_manifest == 1 ? "" : "s");
	if (method)
		strbuf_addf(out, "; %s", method);
	const char *fm = fault && fault->type == JSON_OBJECT ? json_get_string(fault, "message") : NULL;
	if (fm)
		strbuf_addf(out, "; %s", fm);
	/* what an auditor must not miss: a snapshot left on the VM, a backup type that may have
	 * truncated application logs */
	const char *state = doc ? json_get_string(doc, "state") : NULL;
	const char *bt = doc ? json_get_string(doc, "backup_type") : NULL;
	if (state && !strcmp(state, "kept"))
		strbuf_adds(out, "; test snapshot KEPT on the VM (--keep)");
	else if (state && !strcmp(state, "orphan"))
		strbuf_adds(out, "; test snapshot LEFT on the VM: quiescent snaptest --cleanup-orphans");
	if (bt && *bt && strcasecmp(bt, "copy") && strcmp(bt, "5"))
		strbuf_addf(out, "; backup type %s: may have truncated application logs", bt);
	json_free(doc);
}

/* ---- JSON ---- */

static void json_groups(json_writer *w, const report_data *d)
{
	static const char *const keys[] = { "datacenter", "cluster", "folder" };
	json_key(w, "by");
	json_object_begin(w);
	for (int k = 0; k < REPORT_BY_COUNT; k++) {
		json_key(w, keys[k]);
		json_array_begin(w);
		for (size_t i = 0; i < d->n_by[k]; i++) {
			const report_group *g = &d->by[k][i];
			json_object_begin(w);
			json_kv_string(w, "name", g->name);
			json_kv_int(w, "vms", g->vms);
			json_kv_int(w, "proven", g->proven);
			json_kv_int(w, "predicted", g->predicted);
			json_kv_int(w, "failed", g->failed);
			json_kv_int(w, "not_ready", g->not_ready);
			json_object_end(w);
		}
		json_array_end(w);
	}
	json_object_end(w);
}

static void json_trend_point(json_writer *w, const store_trend_point *p)
{
	json_object_begin(w);
	json_kv_int(w, "scan_id", p->scan_id);
	json_kv_time(w, "at", p->at);
	json_kv_int(w, "ready", p->ready);
	json_kv_int(w, "fixable", p->fixable);
	json_kv_int(w, "manual", p->manual);
	json_kv_int(w, "unknown", p->unknown);
	json_kv_int(w, "na", p->na);
	json_kv_int(w, "total", p->total);
	json_object_end(w);
}

static void json_vm_words(json_writer *w, const report_data *d, strbuf *tmp)
{
	json_key(w, "period_changes");
	json_array_begin(w);
	for (size_t i = 0; d->have_period && i < d->period.n_vms; i++) {
		const store_diff_vm *v = &d->period.vms[i];
		if (v->change == STORE_DIFF_SAME)
			continue;
		json_object_begin(w);
		json_kv_string(w, "vm", v->name);
		json_kv_string(w, "change", history_diff_change_name(v->change));
		json_kv_string(w, "status_before", *v->status_a ? v->status_a : NULL);
		json_kv_string(w, "status_after", *v->status_b ? v->status_b : NULL);
		json_key(w, "facts");
		json_array_begin(w);
		for (size_t k = 0; k < v->n_facts; k++) {
			if (!report_fact_shown(&v->facts[k]))
				continue;
			strbuf_reset(tmp);
			history_fact_change_text(tmp, &v->facts[k]);
			json_string(w, tmp->buf);
		}
		json_array_end(w);
		json_object_end(w);
	}
	json_array_end(w);
	json_key(w, "fixes_in_words");
	json_array_begin(w);
	for (size_t i = 0; i < d->n_fixes; i++) {
		strbuf_reset(tmp);
		report_fix_words(tmp, &d->fixes[i]);
		json_object_begin(w);
		json_kv_string(w, "vm", d->fixes[i].vm);
		json_kv_time(w, "at", d->fixes[i].at);
		json_kv_string(w, "text", tmp->buf);
		json_object_end(w);
	}
	json_array_end(w);
}

static void json_doc(strbuf *o, const report_data *d)
{
	strbuf part, tmp;
	strbuf_init(&part);
	strbuf_init(&tmp);
	json_writer w;
	json_writer_init(&w, o, true);
	json_object_begin(&w);
	json_kv_time(&w, "generated_at", d->now);
	json_kv_string(&w, "vcenter", d->vcenter[0] ? d->vcenter : NULL);
	json_key(&w, "scope");
	json_object_begin(&w);
	json_kv_time(&w, "since", d->o.since);
	json_kv_string(&w, "vm", d->o.vm_glob);
	json_kv_string(&w, "folder", d->o.folder_glob);
	json_kv_int(&w, "max_proof_age_days", d->o.max_proof_age / 86400);
	json_kv_int(&w, "last_full_scan", d->last_scan);
	json_kv_time(&w, "last_full_scan_at", d->last_at);
	json_object_end(&w);

	json_key(&w, "headline");
	json_object_begin(&w);
	json_kv_int(&w, "vms", (int64_t)d->n_vms);
	json_kv_int(&w, "windows", d->windows);
	json_kv_int(&w, "proven", d->proven);
	json_kv_int(&w, "predicted", d->predicted);
	json_kv_int(&w, "failed", d->failed);
	json_kv_int(&w, "ready", d->ready);
	json_kv_int(&w, "fixable", d->fixable);
	json_kv_int(&w, "manual", d->manual);
	json_kv_int(&w, "unknown", d->unknown);
	json_kv_int(&w, "na", d->na);
	json_kv_int(&w, "problems", (int64_t)d->n_problems);
	json_key(&w, "ready_before");
	if (d->have_before) {
		json_object_begin(&w);
		json_kv_time(&w, "at", d->before_at);
		json_kv_int(&w, "ready", d->ready_before);
		json_kv_int(&w, "total", d->total_before);
		json_object_end(&w);
	} else {
		json_null(&w);
	}
	json_object_end(&w);
	json_groups(&w, d);

	json_key(&w, "problems");
	json_array_begin(&w);
	for (size_t i = 0; i < d->n_problems; i++) {
		const report_vm *r = &d->vms[d->problems[i]];
		const finding *f = report_problem(r);
		strbuf_reset(&tmp);
		report_next_action(&tmp, r);
		json_object_begin(&w);
		json_kv_string(&w, "name", r->f.name);
		json_kv_string(&w, "moref", r->f.moref);
		json_kv_string(&w, "status", model_status_name(r->v.status));
		json_kv_string(&w, "proof", proof_state_name(r->p.state));
		json_kv_string(&w, "rule", f ? f->rule : NULL);
		json_kv_string(&w, "problem", f ? f->message : NULL);
		json_kv_string(&w, "next_action", tmp.buf);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_key(&w, "unproven");
	json_array_begin(&w);
	for (size_t i = 0; i < d->n_unproven; i++) {
		const report_vm *r = &d->vms[d->unproven[i]];
		json_object_begin(&w);
		json_kv_string(&w, "name", r->f.name);
		json_kv_string(&w, "reason", r->p.reason);
		json_object_end(&w);
	}
	json_array_end(&w);

	json_key(&w, "trend_full");
	json_array_begin(&w);
	for (size_t i = 0; i < d->n_trend; i++)
		if (!d->trend[i].partial)
			json_trend_point(&w, &d->trend[i]);
	json_array_end(&w);
	json_key(&w, "trend_partial");
	json_array_begin(&w);
	for (size_t i = 0; i < d->n_trend; i++)
		if (d->trend[i].partial)
			json_trend_point(&w, &d->trend[i]);
	json_array_end(&w);
	json_vm_words(&w, d, &tmp);

	json_key(&w, "estate");
	json_array_begin(&w);
	for (size_t i = 0; i < d->n_vms; i++) {
		const report_vm *r = &d->vms[i];
		const finding *f = report_problem(r);
		json_object_begin(&w);
		json_kv_string(&w, "name", r->f.name);
		json_kv_string(&w, "moref", r->f.moref);
		json_kv_string(&w, "datacenter", r->f.datacenter);
		json_kv_string(&w, "cluster", r->f.cluster);
		json_kv_string(&w, "folder", r->f.folder);
		json_kv_string(&w, "os_family", model_os_family_name(r->v.family));
		json_kv_string(&w, "status", model_status_name(r->v.status));
		json_kv_string(&w, "best_level", model_level_name(r->v.best));
		json_kv_string(&w, "predicted_level", model_level_name(r->v.predicted));
		json_kv_string(&w, "top_rule", f ? f->rule : NULL);
		json_key(&w, "proof");
		scan_proof_json(&w, &r->f, &r->p, d->o.max_proof_age);
		json_object_end(&w);
	}
	json_array_end(&w);

	/* the first report's members, unchanged */
	json_key(&w, "last_scan");
	if (d->have_scan) {
		strbuf_reset(&part);
		history_record_output(&part, &d->scan, SCAN_FORMAT_JSON);
		json_raw(&w, part.buf);
	} else {
		json_null(&w);
	}
	json_key(&w, "changes");
	if (d->have_diff) {
		strbuf_reset(&part);
		history_diff_output(&part, &d->diff, SCAN_FORMAT_JSON, false);
		json_raw(&w, part.buf);
	} else {
		json_null(&w);
	}
	strbuf_reset(&part);
	history_list_output(&part, d->fixes, d->n_fixes, SCAN_FORMAT_JSON);
	json_key(&w, "fixes");
	json_raw(&w, part.buf);
	strbuf_reset(&part);
	history_list_output(&part, d->tests, d->n_tests, SCAN_FORMAT_JSON);
	json_key(&w, "snaptests");
	json_raw(&w, part.buf);
	strbuf_reset(&part);
	history_trends_output(&part, d->trend, d->n_trend, SCAN_FORMAT_JSON);
	json_key(&w, "trends");
	json_raw(&w, part.buf);
	json_object_end(&w);
	strbuf_addc(o, '\n');
	strbuf_done(&part);
	strbuf_done(&tmp);
}

/* ---- CSV: section,id,at,vm,outcome,summary ---- */

static void csv_row(strbuf *o, const char *section, int64_t id, time_t at, const char *vm,
		    const char *outcome, const char *summary)
{
	char tb[32], ib[32] = "";
	if (id)
		snprintf(ib, sizeof ib, "%lld", (long long)id);
	strbuf_add_csv_field(o, section, false);
	strbuf_add_csv_field(o, ib, false);
	strbuf_add_csv_field(o, at ? time_iso(at, tb, sizeof tb, "-") : "", false);
	strbuf_add_csv_field(o, vm ? vm : "", false);
	strbuf_add_csv_field(o, outcome ? outcome : "", false);
	strbuf_add_csv_field(o, summary ? summary : "", true);
}

static void csv_doc(strbuf *o, const report_data *d)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(o, "section,id,at,vm,outcome,summary\r\n");
	strbuf_addf(&sb, "%d Windows VMs: %d proven, %d predicted, %d failed; %d ready, %d fixable, "
			 "%d manual, %d unknown; %zu VMs in all", d->windows, d->proven, d->predicted,
		    d->failed, d->ready, d->fixable, d->manual, d->unknown, d->n_vms);
	csv_row(o, "headline", d->last_scan, d->last_at, "", "", sb.buf);
	for (size_t i = 0; i < d->n_vms; i++) {
		const report_vm *r = &d->vms[i];
		const finding *f = report_problem(r);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s, predicted %s of %s; proof %s (%s)%s%s",
			    model_status_name(r->v.status), model_level_name(r->v.predicted),
			    model_level_name(r->v.best), proof_state_name(r->p.state), r->p.reason,
			    f ? "; " : "", f ? f->rule : "");
		if (problem_rank(r) >= 0) {
			strbuf_adds(&sb, "; next: ");
			report_next_action(&sb, r);
		}
		csv_row(o, "scan", d->last_scan, d->last_at, r->f.name, model_status_name(r->v.status),
			sb.buf);
	}
	for (size_t i = 0; i < d->n_fixes; i++) {
		strbuf_reset(&sb);
		report_fix_words(&sb, &d->fixes[i]);
		csv_row(o, "fix", d->fixes[i].id, d->fixes[i].at, d->fixes[i].vm, d->fixes[i].outcome,
			sb.buf);
	}
	for (size_t i = 0; i < d->n_tests; i++) {
		strbuf_reset(&sb);
		report_test_words(&sb, &d->tests[i]);
		csv_row(o, "snaptest", d->tests[i].id, d->tests[i].at, d->tests[i].vm,
			d->tests[i].outcome, sb.buf);
	}
	for (size_t i = 0; i < d->n_trend; i++) {
		const store_trend_point *p = &d->trend[i];
		strbuf_reset(&sb);
		strbuf_addf(&sb, "ready %d, fixable %d, manual %d, unknown %d, n/a %d%s", p->ready,
			    p->fixable, p->manual, p->unknown, p->na,
			    p->partial ? " (partial rescan: only its VMs)" : "");
		csv_row(o, p->partial ? "rescan" : "trend", p->scan_id, p->at, "", "", sb.buf);
	}
	strbuf_done(&sb);
}

int report_build(store *s, const report_opts *opts, report_format fmt, time_t now, strbuf *out,
		 char *err, size_t errlen)
{
	report_data d;
	memset(&d, 0, sizeof d);
	if (opts)
		d.o = *opts;
	d.now = now;
	if (!d.o.since)
		d.o.since = now > REPORT_DEFAULT_PERIOD ? now - REPORT_DEFAULT_PERIOD : 1;
	if (!d.o.max_proof_age)
		d.o.max_proof_age = PROOF_MAX_AGE_DEFAULT;
	d.json_members = fmt == REPORT_JSON;
	int rc = load(s, &d, err, errlen);
	if (rc == 0) {
		switch (fmt) {
		case REPORT_HTML: report_html(out, &d); break;
		case REPORT_JSON: json_doc(out, &d); break;
		case REPORT_CSV: csv_doc(out, &d); break;
		case REPORT_MD: report_md(out, &d); break;
		}
	}
	data_done(&d);
	return rc;
}
