/* The report as one HTML file: inline CSS and SVG, no script, no link, nothing fetched.
 * Figures carry data-figure attributes so a test (or a tool) reads them without parsing
 * prose. VM names never break: they sit in nowrap spans, also inside sentences. */
#include "frontend/history_out.h"
#include "cli/report_internal.h"
#include "rules/rules.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
	"@page{size:A4 landscape;margin:10mm}"
	"*{box-sizing:border-box}"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"color:#1b1b1b;background:#fff;margin:24px auto;max-width:1232px;padding:0 12px}"
	"h1{font-size:24px;margin:0 0 4px}"
	"h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #ddd;padding-bottom:3px;"
	"break-after:avoid}"
	"h3{font-size:15px;margin:16px 0 6px;break-after:avoid}"
	".meta{color:#555;margin:2px 0}"
	".lead{font-size:17px;margin:10px 0}"
	".figures{display:flex;gap:12px;flex-wrap:wrap;margin:10px 0}"
	".fig{border:1px solid #ddd;border-radius:6px;padding:6px 16px;min-width:130px}"
	".fig b{display:block;font-size:28px;line-height:1.2}"
	".proven b,.ok{color:#2e7d32}.predicted b{color:#8a5a00}.failed b,.bad{color:#c62828}"
	"table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}"
	"th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;"
	"overflow-wrap:break-word}"
	"th{background:#f3f3f3}"
	"thead{display:table-header-group}"
	"tr{break-inside:avoid}"
	"td.n,th.n{text-align:right;white-space:nowrap}"
	".nm,td.vm{white-space:nowrap;hyphens:none;word-break:keep-all}"
	".s-ready{color:#2e7d32}.s-fixable{color:#8a5a00}.s-manual,.s-failed{color:#c62828}"
	".s-unknown,.s-na{color:#616161}"
	"code{font:12px ui-monospace,'DejaVu Sans Mono',monospace;background:#f6f6f6;"
	"padding:0 2px}"
	"ul{margin:2px 0;padding-left:18px}"
	"svg{max-width:100%;height:auto}"
	".legend span{margin-right:14px}"
	"@media print{body{margin:0;max-width:none;font-size:11px}table{font-size:10px}"
	".fig b{font-size:22px}h2{margin-top:16px}}";

static void h(strbuf *o, const char *s)
{
	history_html_escape(o, s ? s : "");
}

/* Escapes text, with every occurrence of name kept on one line. */
static void h_names(strbuf *o, const char *text, const char *name)
{
	size_t k = name ? strlen(name) : 0;
	const char *p = text ? text : "";
	while (k && *p) {
		const char *hit = strstr(p, name);
		if (!hit)
			break;
		strbuf tmp;
		strbuf_init(&tmp);
		strbuf_add(&tmp, p, (size_t)(hit - p));
		h(o, tmp.buf);
		strbuf_done(&tmp);
		strbuf_adds(o, "<span class=\"nm\">");
		h(o, name);
		strbuf_adds(o, "</span>");
		p = hit + k;
	}
	h(o, p);
}

/* <time> with the local time shown and the ISO time in the attribute and tooltip. */
static void when(strbuf *o, time_t t)
{
	char iso[32], loc[32];
	if (!t) {
		strbuf_adds(o, "-");
		return;
	}
	time_iso(t, iso, sizeof iso, "-");
	strbuf_addf(o, "<time datetime=\"%s\" title=\"%s\">%s</time>", iso, iso,
		    time_local(t, loc, sizeof loc));
}

static const char *status_class(vm_status s)
{
	switch (s) {
	case STATUS_READY: return "s-ready";
	case STATUS_FIXABLE: return "s-fixable";
	case STATUS_MANUAL: return "s-manual";
	case STATUS_UNKNOWN: return "s-unknown";
	case STATUS_NA: break;
	}
	return "s-na";
}

static void vm_cell(strbuf *o, const char *name)
{
	strbuf_adds(o, "<td class=\"vm\">");
	h(o, name);
	strbuf_adds(o, "</td>");
}

static void figure(strbuf *o, const char *cls, const char *key, int n, const char *label)
{
	strbuf_addf(o, "<div class=\"fig %s\"><b data-figure=\"%s\">%d</b>%s</div>\n", cls, key, n,
		    label);
}

static void headline(strbuf *o, const report_data *d)
{
	strbuf_adds(o, "<section id=\"headline\">\n<h2>Headline</h2>\n<p class=\"lead\">");
	strbuf_addf(o, "<b>%d</b> of <b>%d</b> Windows VMs are <b>proven</b> by a test snapshot; "
		       "%d are predicted by the rules only; <b>%d</b> failing.", d->proven,
		    d->windows, d->predicted, d->failed);
	strbuf_addf(o, " Ready: %d of %d", d->ready, d->windows);
	if (d->have_before) {
		strbuf_addf(o, " (%s from %d on ", d->ready > d->ready_before ? "up"
						 : d->ready < d->ready_before ? "down" : "unchanged",
			    d->ready_before);
		when(o, d->before_at);
		strbuf_adds(o, ")");
	}
	strbuf_adds(o, ".</p>\n<div class=\"figures\">\n");
	figure(o, "proven", "proven", d->proven, "proven");
	figure(o, "predicted", "predicted", d->predicted, "predicted only");
	figure(o, "failed", "failed", d->failed, "failing");
	figure(o, "", "windows", d->windows, "Windows VMs");
	figure(o, "", "ready", d->ready, "ready");
	figure(o, "", "problems", (int)d->n_problems, "open problems");
	strbuf_adds(o, "</div>\n");
	static const char *const titles[] = { "Datacenter", "Cluster", "Folder" };
	for (int k = 0; k < REPORT_BY_COUNT; k++) {
		if (!d->n_by[k])
			continue;
		strbuf_addf(o, "<h3>By %s</h3>\n<table class=\"by\">\n<thead><tr><th>%s</th>"
			       "<th class=\"n\">Windows VMs</th><th class=\"n\">proven</th>"
			       "<th class=\"n\">predicted</th><th class=\"n\">failing</th>"
			       "<th class=\"n\">not ready</th></tr></thead>\n<tbody>\n",
			    k == REPORT_BY_FOLDER ? "folder" : k == REPORT_BY_CLUSTER ? "cluster"
										: "datacenter",
			    titles[k]);
		for (size_t i = 0; i < d->n_by[k]; i++) {
			const report_group *g = &d->by[k][i];
			strbuf_adds(o, "<tr>");
			vm_cell(o, g->name);
			strbuf_addf(o, "<td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d"
				       "</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n",
				    g->vms, g->proven, g->predicted, g->failed, g->not_ready);
		}
		strbuf_adds(o, "</tbody>\n</table>\n");
	}
	strbuf_adds(o, "</section>\n");
}

static void problems(strbuf *o, const report_data *d)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(o, "<section id=\"problems\">\n<h2>Open problems (<span data-figure=\"problems-"
		       "listed\">%zu</span>)</h2>\n", d->n_problems);
	if (!d->n_problems)
		strbuf_adds(o, "<p class=\"ok\">None: every Windows VM in scope is ready and no test "
			       "failed.</p>\n");
	else
		strbuf_adds(o, "<table>\n<thead><tr><th>VM</th><th>Status</th><th>Proof</th>"
			       "<th>Problem</th><th>Next action</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_problems; i++) {
		const report_vm *r = &d->vms[d->problems[i]];
		const finding *f = report_problem(r);
		strbuf_adds(o, "<tr>");
		vm_cell(o, r->f.name);
		strbuf_addf(o, "<td class=\"%s\">%s</td><td class=\"%s\">%s</td><td>",
			    status_class(r->v.status), model_status_name(r->v.status),
			    r->p.state == PROOF_FAILED ? "s-failed" : "", proof_state_name(r->p.state));
		if (f) {
			strbuf_addf(o, "<b>%s</b> ", f->rule);
			h_names(o, f->message, r->f.name);
		}
		strbuf_adds(o, "</td><td>");
		strbuf_reset(&sb);
		report_next_action(&sb, r);
		h_names(o, sb.buf, r->f.name);
		strbuf_adds(o, "</td></tr>\n");
	}
	if (d->n_problems)
		strbuf_adds(o, "</tbody>\n</table>\n");
	strbuf_addf(o, "<h3>Ready, but not proven by a test (%zu)</h3>\n", d->n_unproven);
	if (d->n_unproven)
		strbuf_adds(o, "<table>\n<thead><tr><th>VM</th><th>Why only predicted</th>"
			       "<th>Next action</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_unproven; i++) {
		const report_vm *r = &d->vms[d->unproven[i]];
		strbuf_adds(o, "<tr>");
		vm_cell(o, r->f.name);
		strbuf_adds(o, "<td>");
		h(o, r->p.reason);
		for (size_t k = 0; k < r->f.last_test.n_changes && k < 4; k++) {
			strbuf_adds(o, k ? "; " : ": ");
			h(o, r->f.last_test.changes[k]);
		}
		strbuf_adds(o, "</td><td><code>quiescent snaptest <span class=\"nm\">'");
		h(o, r->f.name);
		strbuf_adds(o, "'</span></code></td></tr>\n");
	}
	if (d->n_unproven)
		strbuf_adds(o, "</tbody>\n</table>\n");
	strbuf_adds(o, "</section>\n");
	strbuf_done(&sb);
}

/* Full scans as lines (ready and total), partial rescans as marks of their own on the axis:
 * a rescan of 3 VMs is not a total. */
static void trend_svg(strbuf *o, const report_data *d)
{
	const int W = 1000, H = 230, left = 44, right = 150, top = 12, bottom = 34;
	int pw = W - left - right, ph = H - top - bottom;
	time_t t0 = 0, t1 = 0;
	int max = 1;
	for (size_t i = 0; i < d->n_trend; i++) {
		const store_trend_point *p = &d->trend[i];
		if (!t0 || p->at < t0)
			t0 = p->at;
		if (p->at > t1)
			t1 = p->at;
		if (!p->partial && p->total > max)
			max = p->total;
	}
	strbuf_addf(o, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		       "aria-label=\"Ready VMs per full scan\">\n", W, H, W, H);
	strbuf_addf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
		       "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
		    left, top + ph, left + pw, top + ph, left, top, left, top + ph);
	strbuf_addf(o, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%d</text>"
		       "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">0</text>\n",
		    left - 4, top + 10, max, left - 4, top + ph);
#define XOF(t) (t1 > t0 ? left + (double)((t) - t0) * pw / (double)(t1 - t0) : left + pw / 2.0)
#define YOF(v) (top + ph - (double)(v) * ph / max)
	static const struct { const char *name, *color; } lines[] = {
		{ "total", "#9e9e9e" }, { "ready", "#2e7d32" },
	};
	for (int l = 0; l < 2; l++) {
		strbuf_addf(o, "<polyline class=\"line-%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
			       "points=\"", lines[l].name, lines[l].color);
		for (size_t i = 0; i < d->n_trend; i++)
			if (!d->trend[i].partial)
				strbuf_addf(o, "%.1f,%.1f ", XOF(d->trend[i].at),
					    YOF(l ? d->trend[i].ready : d->trend[i].total));
		strbuf_adds(o, "\"/>\n");
	}
	char tb[32];
	for (size_t i = 0; i < d->n_trend; i++) {
		const store_trend_point *p = &d->trend[i];
		double x = XOF(p->at);
		if (p->partial) {
			strbuf_addf(o, "<path class=\"partial\" d=\"M%.1f %d l-4 8 h8 z\" fill=\"#90a4ae\">"
				       "<title>partial rescan #%lld (%s): %d VMs, %d ready</title></path>\n",
				    x, top + ph + 2, (long long)p->scan_id,
				    time_local(p->at, tb, sizeof tb), p->total, p->ready);
			continue;
		}
		strbuf_addf(o, "<circle class=\"full\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#2e7d32\">"
			       "<title>scan #%lld (%s): %d ready of %d</title></circle>\n",
			    x, YOF(p->ready), (long long)p->scan_id, time_local(p->at, tb, sizeof tb),
			    p->ready, p->total);
	}
	if (d->n_trend) {
		strbuf_addf(o, "<text x=\"%d\" y=\"%d\" font-size=\"11\">", left, H - 4);
		strbuf_adds(o, time_local(t0, tb, sizeof tb));
		strbuf_addf(o, "</text><text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">",
			    left + pw, H - 4);
		strbuf_adds(o, time_local(t1, tb, sizeof tb));
		strbuf_adds(o, "</text>\n");
	}
	int lx = W - right + 14;
	strbuf_addf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#2e7d32\" stroke-width=\"2\"/>"
		       "<text x=\"%d\" y=\"%d\" font-size=\"12\">ready</text>\n"
		       "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9e9e9e\" stroke-width=\"2\"/>"
		       "<text x=\"%d\" y=\"%d\" font-size=\"12\">VMs scanned</text>\n"
		       "<path d=\"M%d %d l-4 8 h8 z\" fill=\"#90a4ae\"/>"
		       "<text x=\"%d\" y=\"%d\" font-size=\"12\">partial rescan</text>\n",
		    lx, top + 8, lx + 18, top + 8, lx + 24, top + 12,
		    lx, top + 28, lx + 18, top + 28, lx + 24, top + 32,
		    lx + 9, top + 42, lx + 24, top + 52);
#undef XOF
#undef YOF
	strbuf_adds(o, "</svg>\n");
}

static void trend(strbuf *o, const report_data *d)
{
	size_t full = 0, partial = 0;
	for (size_t i = 0; i < d->n_trend; i++) {
		full += !d->trend[i].partial;
		partial += d->trend[i].partial;
	}
	strbuf_addf(o, "<section id=\"trend\">\n<h2>Readiness over time</h2>\n<p class=\"meta\">"
		       "<span data-figure=\"full-scans\">%zu</span> full scans in the period; "
		       "<span data-figure=\"partial-scans\">%zu</span> partial rescans (of a fix or a "
		       "test: only their VMs, shown as marks, not totals).</p>\n", full, partial);
	if (!d->n_trend) {
		strbuf_adds(o, "<p>No scan in the period.</p>\n</section>\n");
		return;
	}
	trend_svg(o, d);
	strbuf_adds(o, "<table>\n<thead><tr><th>Full scan</th><th>When</th><th class=\"n\">ready</th>"
		       "<th class=\"n\">fixable</th><th class=\"n\">manual</th><th class=\"n\">unknown"
		       "</th><th class=\"n\">n/a</th><th class=\"n\">VMs</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_trend; i++) {
		const store_trend_point *p = &d->trend[i];
		if (p->partial)
			continue;
		strbuf_addf(o, "<tr><td>#%lld</td><td>", (long long)p->scan_id);
		when(o, p->at);
		strbuf_addf(o, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
			       "<td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n",
			    p->ready, p->fixable, p->manual, p->unknown, p->na, p->total);
	}
	strbuf_adds(o, "</tbody>\n</table>\n</section>\n");
}

static void changes(strbuf *o, const report_data *d)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(o, "<section id=\"changes\">\n<h2>What changed since ");
	when(o, d->o.since);
	strbuf_adds(o, "</h2>\n");
	if (d->have_period)
		strbuf_addf(o, "<p class=\"meta\">Full scan #%lld compared with #%lld.</p>\n",
			    (long long)d->period.scan_a, (long long)d->period.scan_b);
	size_t shown = 0;
	for (size_t i = 0; d->have_period && i < d->period.n_vms; i++) {
		const store_diff_vm *v = &d->period.vms[i];
		if (v->change == STORE_DIFF_SAME)
			continue;
		if (!shown++)
			strbuf_adds(o, "<table>\n<thead><tr><th>VM</th><th>Status</th><th>What changed"
				       "</th></tr></thead>\n<tbody>\n");
		strbuf_adds(o, "<tr>");
		vm_cell(o, v->name);
		strbuf_adds(o, "<td>");
		if (v->change == STORE_DIFF_ADDED)
			strbuf_adds(o, "new VM");
		else if (v->change == STORE_DIFF_REMOVED)
			strbuf_adds(o, "no longer scanned");
		else if (strcmp(v->status_a, v->status_b))
			strbuf_addf(o, "%s &rarr; %s", v->status_a, v->status_b);
		else
			h(o, v->status_b);
		strbuf_adds(o, "</td><td><ul>");
		for (size_t k = 0; k < v->n_gone; k++) {
			strbuf_adds(o, "<li class=\"ok\">resolved: ");
			h(o, v->gone[k]);
			strbuf_adds(o, "</li>");
		}
		for (size_t k = 0; k < v->n_appeared; k++) {
			strbuf_adds(o, "<li class=\"bad\">new: ");
			h(o, v->appeared[k]);
			strbuf_adds(o, "</li>");
		}
		for (size_t k = 0; k < v->n_facts; k++) {
			if (!report_fact_shown(&v->facts[k]))
				continue;
			strbuf_reset(&sb);
			history_fact_change_text(&sb, &v->facts[k]);
			strbuf_adds(o, "<li>");
			h(o, sb.buf);
			strbuf_adds(o, "</li>");
		}
		strbuf_adds(o, "</ul></td></tr>\n");
	}
	if (shown)
		strbuf_adds(o, "</tbody>\n</table>\n");
	else
		strbuf_adds(o, "<p>No VM changed between full scans in the period.</p>\n");

	strbuf_addf(o, "<h3>Fixes (%zu)</h3>\n", d->n_fixes);
	if (d->n_fixes)
		strbuf_adds(o, "<table>\n<thead><tr><th>When</th><th>VM</th><th>What quiescent did"
			       "</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_fixes; i++) {
		strbuf_adds(o, "<tr><td>");
		when(o, d->fixes[i].at);
		strbuf_adds(o, "</td>");
		vm_cell(o, d->fixes[i].vm);
		strbuf_adds(o, "<td>");
		strbuf_reset(&sb);
		report_fix_words(&sb, &d->fixes[i]);
		h(o, sb.buf);
		strbuf_adds(o, "</td></tr>\n");
	}
	if (d->n_fixes)
		strbuf_adds(o, "</tbody>\n</table>\n");
	strbuf_addf(o, "<h3>Test snapshots (%zu)</h3>\n", d->n_tests);
	if (d->n_tests)
		strbuf_adds(o, "<table>\n<thead><tr><th>When</th><th>VM</th><th>Result</th></tr>"
			       "</thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_tests; i++) {
		const store_history_entry *e = &d->tests[i];
		strbuf_adds(o, "<tr><td>");
		when(o, e->at);
		strbuf_adds(o, "</td>");
		vm_cell(o, e->vm);
		strbuf_addf(o, "<td class=\"%s\">", strcmp(e->outcome, "success") ? "bad" : "");
		strbuf_reset(&sb);
		report_test_words(&sb, e);
		h(o, sb.buf);
		strbuf_adds(o, "</td></tr>\n");
	}
	if (d->n_tests)
		strbuf_adds(o, "</tbody>\n</table>\n");
	strbuf_adds(o, "</section>\n");
	strbuf_done(&sb);
}

static void location(strbuf *o, const vm_facts *f)
{
	const char *parts[] = { f->datacenter, f->cluster, f->folder };
	bool any = false;
	for (int i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i])
			continue;
		strbuf_adds(o, any ? " / " : "");
		h(o, parts[i]);
		any = true;
	}
	if (!any)
		strbuf_adds(o, "-");
}

static void all_vms(strbuf *o, const report_data *d)
{
	char cell[32];
	strbuf_addf(o, "<section id=\"vms\">\n<h2>All VMs (<span data-figure=\"vms\">%zu</span>)</h2>\n",
		    d->n_vms);
	strbuf_adds(o, "<table id=\"vm-table\">\n<thead><tr><th>VM</th><th>Location</th><th>Guest OS"
		       "</th><th>Status</th><th>Predicted</th><th>Proof</th><th>Last test</th>"
		       "<th>Top finding</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_vms; i++) {
		const report_vm *r = &d->vms[i];
		const finding *f = report_problem(r);
		strbuf_adds(o, "<tr>");
		vm_cell(o, r->f.name);
		strbuf_adds(o, "<td>");
		location(o, &r->f);
		strbuf_adds(o, "</td><td>");
		h(o, model_os_family_name(r->v.family));
		strbuf_addf(o, "</td><td class=\"%s\">%s</td><td>%s</td><td class=\"%s\" title=\"",
			    status_class(r->v.status), model_status_name(r->v.status),
			    model_level_name(r->v.predicted),
			    r->p.state == PROOF_FAILED ? "s-failed" : r->p.state == PROOF_PROVEN ? "s-ready" : "");
		h(o, r->p.reason);
		strbuf_addf(o, "\">%s</td><td class=\"nm\">", proof_state_name(r->p.state));
		h(o, proof_cell(&r->f, &r->p, cell));
		strbuf_adds(o, "</td><td>");
		if (f) {
			const rule_info *ri = rules_find(f->rule);
			strbuf_addf(o, "<b>%s</b> ", f->rule);
			h(o, ri ? ri->title : f->message);
		}
		strbuf_adds(o, "</td></tr>\n");
	}
	strbuf_adds(o, "</tbody>\n</table>\n</section>\n");
}

void report_html(strbuf *o, const report_data *d)
{
	strbuf_adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<title>quiescent proof report</title>\n<style>");
	strbuf_adds(o, css);
	strbuf_adds(o, "</style>\n</head>\n<body>\n<h1>Quiescing proof report</h1>\n<p class=\"meta\">");
	strbuf_adds(o, "vCenter <b>");
	h(o, d->vcenter[0] ? d->vcenter : "-");
	strbuf_adds(o, "</b>; last full scan ");
	if (d->last_scan) {
		strbuf_addf(o, "#%lld on ", (long long)d->last_scan);
		when(o, d->last_at);
	} else {
		strbuf_adds(o, "none");
	}
	strbuf_adds(o, "; generated ");
	when(o, d->now);
	strbuf_addf(o, " by quiescent from its history. A VM is <b>proven</b> when its last test "
		       "snapshot achieved the level predicted now, nothing that decides quiescing "
		       "changed since and the test is at most %lld days old.</p>\n",
		    (long long)(d->o.max_proof_age / 86400));
	if ((d->o.vm_glob && *d->o.vm_glob) || (d->o.folder_glob && *d->o.folder_glob)) {
		strbuf_adds(o, "<p class=\"meta\">Scope:");
		if (d->o.vm_glob && *d->o.vm_glob) {
			strbuf_adds(o, " VMs <code>");
			h(o, d->o.vm_glob);
			strbuf_adds(o, "</code>");
		}
		if (d->o.folder_glob && *d->o.folder_glob) {
			strbuf_adds(o, " folder <code>");
			h(o, d->o.folder_glob);
			strbuf_adds(o, "</code>");
		}
		strbuf_adds(o, ".</p>\n");
	}
	headline(o, d);
	problems(o, d);
	trend(o, d);
	changes(o, d);
	all_vms(o, d);
	strbuf_adds(o, "</body>\n</html>\n");
}
