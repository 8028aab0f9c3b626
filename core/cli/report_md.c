/* The report in Markdown: the sections of the HTML, as tables and lists, for wikis and
 * tickets that take Markdown. */
#include "frontend/history_out.h"
#include "cli/report_internal.h"
#include "rules/rules.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>

/* Text from the inventory and the guest in Markdown: no line breaks, '|' escaped for tables,
 * and no markup a renderer would act on (HTML, emphasis, code, links). */
static void md(strbuf *o, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '\n': case '\r': strbuf_addc(o, ' '); break;
		case '<': strbuf_adds(o, "&lt;"); break;
		case '>': strbuf_adds(o, "&gt;"); break;
		case '&': strbuf_adds(o, "&amp;"); break;
		case '|': case '*': case '_': case '`': case '[': case ']': case '\\':
			strbuf_addc(o, '\\');
			strbuf_addc(o, *s);
			break;
		default: strbuf_addc(o, *s); break;
		}
	}
}

void report_md(strbuf *o, const report_data *d)
{
	char tb[32], ib[32];
	strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(o, "# Quiescing proof report\n\n");
	strbuf_addf(o, "vCenter %s; generated %s", d->vcenter[0] ? d->vcenter : "-",
		    time_local(d->now, tb, sizeof tb));
	strbuf_addf(o, " (%s)", time_iso(d->now, ib, sizeof ib, "-"));
	strbuf_addf(o, "; period since %s.\n\n", time_local(d->o.since, tb, sizeof tb));
	strbuf_addf(o, "## Headline\n\n**%d of %d Windows VMs proven** by a test snapshot, %d "
		       "predicted by the rules only, **%d failing**. Ready: %d of %d",
		    d->proven, d->windows, d->predicted, d->failed, d->ready, d->windows);
	if (d->have_before)
		strbuf_addf(o, " (%d on %s)", d->ready_before,
			    time_local(d->before_at, tb, sizeof tb));
	strbuf_adds(o, ".\n\n");
	static const char *const titles[] = { "Datacenter", "Cluster", "Folder" };
	for (int k = 0; k < REPORT_BY_COUNT; k++) {
		if (!d->n_by[k])
			continue;
		strbuf_addf(o, "| %s | VMs | proven | predicted | failing | not ready |\n"
			       "|---|---:|---:|---:|---:|---:|\n", titles[k]);
		for (size_t i = 0; i < d->n_by[k]; i++) {
			const report_group *g = &d->by[k][i];
			strbuf_adds(o, "| ");
			md(o, g->name);
			strbuf_addf(o, " | %d | %d | %d | %d | %d |\n", g->vms, g->proven, g->predicted,
				    g->failed, g->not_ready);
		}
		strbuf_addc(o, '\n');
	}
	strbuf_addf(o, "## Open problems (%zu)\n\n", d->n_problems);
	if (d->n_problems)
		strbuf_adds(o, "| VM | Status | Proof | Problem | Next action |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < d->n_problems; i++) {
		const report_vm *r = &d->vms[d->problems[i]];
		const finding *f = report_problem(r);
		strbuf_adds(o, "| ");
		md(o, r->f.name);
		strbuf_addf(o, " | %s | %s | ", model_status_name(r->v.status),
			    proof_state_name(r->p.state));
		if (f) {
			strbuf_addf(o, "%s: ", f->rule);
			md(o, f->message);
		}
		strbuf_adds(o, " | ");
		strbuf_reset(&sb);
		report_next_action(&sb, r);
		md(o, sb.buf);
		strbuf_adds(o, " |\n");
	}
	if (!d->n_problems)
		strbuf_adds(o, "None.\n");
	strbuf_addf(o, "\n## Ready but not proven (%zu)\n\n", d->n_unproven);
	for (size_t i = 0; i < d->n_unproven; i++) {
		const report_vm *r = &d->vms[d->unproven[i]];
		strbuf_adds(o, "- ");
		md(o, r->f.name);
		strbuf_addf(o, ": %s; `quiescent snaptest '%s'`\n", r->p.reason, r->f.name);
	}
	strbuf_adds(o, "\n## Readiness over time (full scans)\n\n| When | Scan | ready | fixable | "
		       "manual | unknown | n/a | total |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
	size_t partial = 0;
	for (size_t i = 0; i < d->n_trend; i++) {
		const store_trend_point *p = &d->trend[i];
		if (p->partial) {
			partial++;
			continue;
		}
		strbuf_addf(o, "| %s | #%lld | %d | %d | %d | %d | %d | %d |\n",
			    time_local(p->at, tb, sizeof tb), (long long)p->scan_id, p->ready,
			    p->fixable, p->manual, p->unknown, p->na, p->total);
	}
	strbuf_addf(o, "\n%zu partial rescan%s (of a fix or a test) in the period: not totals.\n",
		    partial, partial == 1 ? "" : "s");
	strbuf_adds(o, "\n## What changed in the period\n\n");
	size_t shown = 0;
	for (size_t i = 0; d->have_period && i < d->period.n_vms; i++) {
		const store_diff_vm *v = &d->period.vms[i];
		if (v->change == STORE_DIFF_SAME)
			continue;
		shown++;
		strbuf_adds(o, "- **");
		md(o, v->name);
		strbuf_adds(o, "**");
		if (v->change == STORE_DIFF_ADDED)
			strbuf_adds(o, ": new VM");
		else if (v->change == STORE_DIFF_REMOVED)
			strbuf_adds(o, ": no longer in the last scan");
		else if (strcmp(v->status_a, v->status_b))
			strbuf_addf(o, ": %s -> %s", v->status_a, v->status_b);
		strbuf_addc(o, '\n');
		for (size_t k = 0; k < v->n_facts; k++) {
			if (!report_fact_shown(&v->facts[k]))
				continue;
			strbuf_reset(&sb);
			history_fact_change_text(&sb, &v->facts[k]);
			strbuf_adds(o, "  - ");
			md(o, sb.buf);
			strbuf_addc(o, '\n');
		}
	}
	for (size_t i = 0; i < d->n_fixes; i++) {
		strbuf_reset(&sb);
		report_fix_words(&sb, &d->fixes[i]);
		strbuf_adds(o, "- ");
		md(o, d->fixes[i].vm);
		strbuf_adds(o, ": ");
		md(o, sb.buf);
		strbuf_addc(o, '\n');
		shown++;
	}
	for (size_t i = 0; i < d->n_tests; i++) {
		strbuf_reset(&sb);
		report_test_words(&sb, &d->tests[i]);
		strbuf_adds(o, "- ");
		md(o, d->tests[i].vm);
		strbuf_addf(o, ": test snapshot on %s, ", time_local(d->tests[i].at, tb, sizeof tb));
		md(o, sb.buf);
		strbuf_addc(o, '\n');
		shown++;
	}
	if (!shown)
		strbuf_adds(o, "Nothing changed.\n");
	strbuf_addf(o, "\n## All VMs (%zu)\n\n| VM | Status | Predicted | Proof | Last test | Top "
		       "finding |\n|---|---|---|---|---|---|\n", d->n_vms);
	for (size_t i = 0; i < d->n_vms; i++) {
		const report_vm *r = &d->vms[i];
		const finding *f = report_problem(r);
		char cell[32];
		strbuf_adds(o, "| ");
		md(o, r->f.name);
		strbuf_addf(o, " | %s | %s | %s | %s | ", model_status_name(r->v.status),
			    model_level_name(r->v.predicted), proof_state_name(r->p.state),
			    proof_cell(&r->f, &r->p, cell));
		if (f) {
			const rule_info *ri = rules_find(f->rule);
			strbuf_addf(o, "%s ", f->rule);
			md(o, ri ? ri->title : f->message);
		}
		strbuf_adds(o, " |\n");
	}
	strbuf_done(&sb);
}
