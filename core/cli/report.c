#include "cli/report.h"
#include "cli/history_out.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_TREND_SCANS 30

bool report_format_parse(const char *s, report_format *out)
{
	static const char *const names[] = { "html", "csv", "json" };
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, names[i])) {
			*out = (report_format)i;
			return true;
		}
	return false;
}

typedef struct {
	store_history_record scan;   /* the last scan; n_tables 0: none */
	bool have_scan, have_diff;
	store_scan_diff diff;        /* the last scan against the one before */
	store_history_entry *fixes, *tests;
	size_t n_fixes, n_tests;
	store_trend_point *trend;
	size_t n_trend;
} report_data;

static void data_done(report_data *d)
{
	if (d->have_scan)
		store_history_record_done(&d->scan);
	if (d->have_diff)
		store_scan_diff_done(&d->diff);
	store_history_list_free(d->fixes, d->n_fixes);
	store_history_list_free(d->tests, d->n_tests);
	free(d->trend);
}

static int load(store *s, const char *vcenter, report_data *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	store_history_filter f = { .vcenter = vcenter, .limit = REPORT_TREND_SCANS };
	if (store_history_trends(s, &f, &d->trend, &d->n_trend, err, errlen) != 0)
		return -1;
	/* "the last scan" is the newest full one: a fix or a test scans only its own VMs */
	int64_t last = 0, a = 0, b = 0;
	for (size_t i = d->n_trend; i-- > 0 && !last;)
		if (!d->trend[i].partial)
			last = d->trend[i].scan_id;
	if (!last && d->n_trend)
		last = d->trend[d->n_trend - 1].scan_id;
	if (last) {
		int k = store_history_record_get(s, STORE_HISTORY_SCAN, last, 0, &d->scan, err, errlen);
		if (k < 0)
			return -1;
		d->have_scan = k > 0;
	}
	int k = store_history_last_two_scans(s, vcenter, &a, &b, err, errlen);
	if (k < 0)
		return -1;
	if (k > 0) {
		if (store_history_diff(s, a, b, NULL, &d->diff, err, errlen) != 0)
			return -1;
		d->have_diff = true;
	}
	f = (store_history_filter){ .kinds = STORE_HISTORY_FIX, .vcenter = vcenter, .limit = 500 };
	if (store_history_list(s, &f, &d->fixes, &d->n_fixes, err, errlen) != 0)
		return -1;
	f.kinds = STORE_HISTORY_SNAPTEST;
	return store_history_list(s, &f, &d->tests, &d->n_tests, err, errlen);
}

/* ---- HTML ---- */

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em;"
	"color:#1b1b1b;background:#fff}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;"
	"border-bottom:2px solid #ddd;padding-bottom:.2em}"
	".meta{color:#555}"
	"table{border-collapse:collapse;width:100%;font-size:.92em}"
	"th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
	"th{background:#f3f3f3}"
	".tiles{display:flex;gap:1em;flex-wrap:wrap}"
	".tile{border:1px solid #ddd;border-radius:6px;padding:.6em 1.2em;min-width:7em}"
	".tile b{display:block;font-size:1.8em}"
	".s-ready{color:#2e7d32}.s-fixable{color:#b26a00}.s-manual{color:#c62828}"
	".s-unknown{color:#616161}.s-na{color:#78909c}"
	".ok{color:#2e7d32}.bad{color:#c62828}"
	"ul{margin:.2em 0;padding-left:1.2em}"
	"@media print{body{margin:0}}";

static void h(strbuf *o, const char *s)
{
	history_html_escape(o, s ? s : "");
}

static const char *status_class(const char *st)
{
	if (!st)
		return "s-unknown";
	if (!strcmp(st, "n/a"))
		return "s-na";
	if (!strcmp(st, "ready") || !strcmp(st, "fixable") || !strcmp(st, "manual"))
		return !strcmp(st, "ready") ? "s-ready" : !strcmp(st, "fixable") ? "s-fixable" : "s-manual";
	return "s-unknown";
}

static void html_scan(strbuf *o, const report_data *d)
{
	char tb[32];
	strbuf_adds(o, "<h2 id=\"last-scan\">Last scan</h2>\n");
	if (!d->have_scan) {
		strbuf_adds(o, "<p>No scan in the history yet.</p>\n");
		return;
	}
	const store_htable *head = store_history_table(&d->scan, "record");
	const store_htable *vms = store_history_table(&d->scan, "vms");
	const store_htable *fnd = store_history_table(&d->scan, "findings");
	const char *started = store_htable_get(head, 0, "started_at");
	strbuf_adds(o, "<p class=\"meta\">Scan #");
	h(o, store_htable_get(head, 0, "scan_id"));
	strbuf_adds(o, " of ");
	h(o, store_htable_get(head, 0, "vcenter"));
	strbuf_addf(o, " at %s: %zu VMs.</p>\n",
		    history_short_time(started ? (time_t)strtoll(started, NULL, 10) : 0, tb, sizeof tb),
		    vms ? vms->n_rows : 0);
	static const char *const statuses[] = { "ready", "fixable", "manual", "unknown", "n/a" };
	strbuf_adds(o, "<div class=\"tiles\">\n");
	for (size_t k = 0; k < 5; k++) {
		int c = 0;
		for (size_t r = 0; vms && r < vms->n_rows; r++) {
			const char *st = store_htable_get(vms, r, "status");
			c += st && !strcmp(st, statuses[k]);
		}
		strbuf_addf(o, "<div class=\"tile %s\"><b>%d</b>%s</div>\n", status_class(statuses[k]),
			    c, statuses[k]);
	}
	strbuf_adds(o, "</div>\n<table>\n<thead><tr><th>VM</th><th>Power</th><th>Guest OS</th>"
		       "<th>Status</th><th>Best level</th><th>Predicted level</th><th>Findings</th>"
		       "</tr></thead>\n<tbody>\n");
	/* both tables are sorted by VM name: the findings are walked once beside the VMs, not
	 * once per VM (10,000 VMs made that a hundred million comparisons) */
	size_t first = 0;
	for (size_t r = 0; vms && r < vms->n_rows; r++) {
		const char *name = store_htable_get(vms, r, "name");
		const char *st = store_htable_get(vms, r, "status");
		while (name && fnd && first < fnd->n_rows) {
			const char *vm = store_htable_get(fnd, first, "vm");
			if (vm && strcmp(vm, name) >= 0)
				break;
			first++;
		}
		strbuf_adds(o, "<tr><td>");
		h(o, name);
		strbuf_adds(o, "</td><td>");
		h(o, store_htable_get(vms, r, "power_state"));
		strbuf_adds(o, "</td><td>");
		h(o, store_htable_get(vms, r, "guest_os"));
		strbuf_addf(o, "</td><td class=\"%s\">", status_class(st));
		h(o, st);
		strbuf_adds(o, "</td><td>");
		h(o, store_htable_get(vms, r, "best_level"));
		strbuf_adds(o, "</td><td>");
		h(o, store_htable_get(vms, r, "predicted_level"));
		strbuf_adds(o, "</td><td>");
		bool any = false;
		for (size_t k = first; name && fnd && k < fnd->n_rows; k++) {
			const char *vm = store_htable_get(fnd, k, "vm");
			if (!vm || strcmp(vm, name))
				break;
			strbuf_adds(o, any ? "" : "<ul>");
			any = true;
			strbuf_adds(o, "<li><b>");
			h(o, store_htable_get(fnd, k, "rule"));
			strbuf_adds(o, "</b> ");
			h(o, store_htable_get(fnd, k, "severity"));
			strbuf_adds(o, ": ");
			h(o, store_htable_get(fnd, k, "message"));
			strbuf_adds(o, "</li>");
		}
		strbuf_adds(o, any ? "</ul>" : "none");
		strbuf_adds(o, "</td></tr>\n");
	}
	strbuf_adds(o, "</tbody>\n</table>\n");
}

static void html_diff(strbuf *o, const report_data *d)
{
	char ta[32], tb[32];
	strbuf_adds(o, "<h2 id=\"changes\">Changes since the previous scan</h2>\n");
	if (!d->have_diff) {
		strbuf_adds(o, "<p>Only one scan: nothing to compare yet.</p>\n");
		return;
	}
	strbuf_addf(o, "<p class=\"meta\">Scan #%lld (%s) compared with scan #%lld (%s).</p>\n",
		    (long long)d->diff.scan_a, history_short_time(d->diff.at_a, ta, sizeof ta),
		    (long long)d->diff.scan_b, history_short_time(d->diff.at_b, tb, sizeof tb));
	size_t shown = 0;
	strbuf strb;
	strbuf_init(&strb);
	for (size_t i = 0; i < d->diff.n_vms; i++) {
		const store_diff_vm *v = &d->diff.vms[i];
		if (v->change == STORE_DIFF_SAME)
			continue;
		if (!shown++)
			strbuf_adds(o, "<table>\n<thead><tr><th>VM</th><th>Status</th><th>Predicted level"
				       "</th><th>What changed</th></tr></thead>\n<tbody>\n");
		strbuf_adds(o, "<tr><td>");
		h(o, v->name);
		strbuf_adds(o, "</td><td>");
		h(o, *v->status_a ? v->status_a : "(none)");
		strbuf_adds(o, " &rarr; ");
		h(o, *v->status_b ? v->status_b : "(none)");
		strbuf_adds(o, "</td><td>");
		h(o, *v->predicted_a ? v->predicted_a : "(none)");
		strbuf_adds(o, " &rarr; ");
		h(o, *v->predicted_b ? v->predicted_b : "(none)");
		strbuf_adds(o, "</td><td><ul>");
		if (v->change == STORE_DIFF_ADDED)
			strbuf_adds(o, "<li>new VM</li>");
		if (v->change == STORE_DIFF_REMOVED)
			strbuf_adds(o, "<li>not in the last scan</li>");
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
			strbuf_reset(&strb);
			history_fact_change_text(&strb, &v->facts[k]);
			strbuf_adds(o, "<li>");
			h(o, strb.buf);
			strbuf_adds(o, "</li>");
		}
		strbuf_adds(o, "</ul></td></tr>\n");
	}
	strbuf_done(&strb);
	strbuf_adds(o, shown ? "</tbody>\n</table>\n" : "<p>No VM changed.</p>\n");
}

static void html_entries(strbuf *o, const char *id, const char *title, const char *none,
			 const store_history_entry *e, size_t n)
{
	char tb[32];
	strbuf_addf(o, "<h2 id=\"%s\">%s</h2>\n", id, title);
	if (!n) {
		strbuf_addf(o, "<p>%s</p>\n", none);
		return;
	}
	strbuf_adds(o, "<table>\n<thead><tr><th>When (UTC)</th><th>#</th><th>VM</th><th>Outcome</th>"
		       "<th>Details</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(o, "<tr><td>%s</td><td>%lld</td><td>",
			    history_short_time(e[i].at, tb, sizeof tb), (long long)e[i].id);
		h(o, e[i].vm);
		strbuf_adds(o, "</td><td>");
		h(o, e[i].outcome);
		strbuf_adds(o, "</td><td>");
		h(o, e[i].summary);
		strbuf_adds(o, "</td></tr>\n");
	}
	strbuf_adds(o, "</tbody>\n</table>\n");
}

static void html_trend(strbuf *o, const report_data *d)
{
	char tb[32];
	strbuf_adds(o, "<h2 id=\"trend\">Readiness over time</h2>\n");
	if (!d->n_trend) {
		strbuf_adds(o, "<p>No scan in the history yet.</p>\n");
		return;
	}
	strbuf_addf(o, "<p class=\"meta\">VMs per status in the last %zu scans.</p>\n", d->n_trend);
	history_trends_svg(o, d->trend, d->n_trend, 900, 260);
	strbuf_adds(o, "<table>\n<thead><tr><th>Scan</th><th>When (UTC)</th><th>ready</th>"
		       "<th>fixable</th><th>manual</th><th>unknown</th><th>n/a</th><th>total</th>"
		       "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < d->n_trend; i++) {
		const store_trend_point *p = &d->trend[i];
		strbuf_addf(o, "<tr><td>#%lld%s</td><td>%s</td><td>%d</td><td>%d</td><td>%d</td>"
			    "<td>%d</td><td>%d</td><td>%d</td></tr>\n", (long long)p->scan_id,
			    p->partial ? " (partial)" : "", history_short_time(p->at, tb, sizeof tb),
			    p->ready, p->fixable, p->manual, p->unknown, p->na, p->total);
	}
	strbuf_adds(o, "</tbody>\n</table>\n");
}

static void html(strbuf *o, const report_data *d, time_t now)
{
	char tb[32];
	strbuf_adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<title>quiescent report</title>\n<style>");
	strbuf_adds(o, css);
	strbuf_adds(o, "</style>\n</head>\n<body>\n<h1>Quiescing readiness report</h1>\n");
	strbuf_addf(o, "<p class=\"meta\">Generated by quiescent at %s (UTC) from the history of "
		       "scans, fixes and test snapshots.</p>\n", history_short_time(now, tb, sizeof tb));
	html_scan(o, d);
	html_diff(o, d);
	html_entries(o, "fixes", "Fixes", "No fix in the history.", d->fixes, d->n_fixes);
	html_entries(o, "tests", "Test snapshots", "No test snapshot in the history.", d->tests,
		     d->n_tests);
	html_trend(o, d);
	strbuf_adds(o, "</body>\n</html>\n");
}

/* ---- JSON and CSV ---- */

static void json_doc(strbuf *o, const report_data *d, time_t now)
{
	strbuf part;
	strbuf_init(&part);
	json_writer w;
	json_writer_init(&w, o, true);
	json_object_begin(&w);
	json_kv_time(&w, "generated_at", now);
	json_key(&w, "last_scan");
	if (d->have_scan) {
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
}

static void csv_doc(strbuf *o, const report_data *d)
{
	char tb[32], id[32], sum[256];
	strbuf_adds(o, "section,id,at,vm,outcome,summary\r\n");
	const store_htable *head = d->have_scan ? store_history_table(&d->scan, "record") : NULL;
	const store_htable *vms = d->have_scan ? store_history_table(&d->scan, "vms") : NULL;
	const char *started = store_htable_get(head, 0, "started_at");
	for (size_t r = 0; vms && r < vms->n_rows; r++) {
		snprintf(sum, sizeof sum, "predicted %s of %s, %s finding(s)",
			 store_htable_get(vms, r, "predicted_level"), store_htable_get(vms, r, "best_level"),
			 store_htable_get(vms, r, "n_findings"));
		strbuf_add_csv_field(o, "scan", false);
		strbuf_add_csv_field(o, store_htable_get(head, 0, "scan_id"), false);
		strbuf_add_csv_field(o, history_iso_time(started ? (time_t)strtoll(started, NULL, 10) : 0,
						      tb, sizeof tb), false);
		strbuf_add_csv_field(o, store_htable_get(vms, r, "name"), false);
		strbuf_add_csv_field(o, store_htable_get(vms, r, "status"), false);
		strbuf_add_csv_field(o, sum, true);
	}
	const store_history_entry *lists[] = { d->fixes, d->tests };
	size_t ns[] = { d->n_fixes, d->n_tests };
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < ns[l]; i++) {
			const store_history_entry *e = &lists[l][i];
			snprintf(id, sizeof id, "%lld", (long long)e->id);
			strbuf_add_csv_field(o, store_history_kind_name(e->kind), false);
			strbuf_add_csv_field(o, id, false);
			strbuf_add_csv_field(o, history_iso_time(e->at, tb, sizeof tb), false);
			strbuf_add_csv_field(o, e->vm, false);
			strbuf_add_csv_field(o, e->outcome, false);
			strbuf_add_csv_field(o, e->summary, true);
		}
	for (size_t i = 0; i < d->n_trend; i++) {
		const store_trend_point *p = &d->trend[i];
		snprintf(id, sizeof id, "%lld", (long long)p->scan_id);
		snprintf(sum, sizeof sum, "ready %d, fixable %d, manual %d, unknown %d, n/a %d%s",
			 p->ready, p->fixable, p->manual, p->unknown, p->na,
			 p->partial ? " (partial scan)" : "");
		strbuf_add_csv_field(o, "trend", false);
		strbuf_add_csv_field(o, id, false);
		strbuf_add_csv_field(o, history_iso_time(p->at, tb, sizeof tb), false);
		strbuf_add_csv_field(o, "", false);
		strbuf_add_csv_field(o, "", false);
		strbuf_add_csv_field(o, sum, true);
	}
}

int report_build(store *s, const char *vcenter, report_format fmt, time_t now, strbuf *out,
		 char *err, size_t errlen)
{
	report_data d;
	int rc = load(s, vcenter, &d, err, errlen);
	if (rc == 0) {
		if (fmt == REPORT_HTML)
			html(out, &d, now);
		else if (fmt == REPORT_JSON)
			json_doc(out, &d, now);
		else
			csv_doc(out, &d);
	}
	data_done(&d);
	return rc;
}
