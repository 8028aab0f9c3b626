#include "cli/scan_output.h"
#include "proof/proof.h"
#include "rules/rules.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *scan_guest_os(const vm_facts *f)
{
	if (f->guest_full_name && *f->guest_full_name)
		return f->guest_full_name;
	if (f->config_guest_full_name && *f->config_guest_full_name)
		return f->config_guest_full_name;
	if (f->guest_id && *f->guest_id)
		return f->guest_id;
	return f->config_guest_id ? f->config_guest_id : "";
}

/* Appends s cut to width bytes (ASCII '~' marks the cut), padded when pad is set. */
static void add_cell(strbuf *out, const char *s, size_t width, int pad)
{
	char *clean = text_is_clean(s) ? NULL : text_clean(s);   /* util/text.h */
	if (clean)
		s = clean;
	size_t len = strlen(s);
	if (len > width) {
		size_t cut = width - 1;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;   /* never half a character: that would be invalid UTF-8 */
		strbuf_add(out, s, cut);
		strbuf_addc(out, '~');
		for (size_t i = cut + 1; i < width && pad; i++)
			strbuf_addc(out, ' ');
	} else {
		strbuf_adds(out, s);
		if (pad)
			for (size_t i = len; i < width; i++)
				strbuf_addc(out, ' ');
	}
	free(clean);
}

/* The finding an operator should read first: findings are sorted errors first. */
const finding *scan_top_finding(const verdict *v)
{
	for (size_t i = 0; i < v->n_findings; i++)
		if (v->findings[i].sev != SEVERITY_INFO || i + 1 == v->n_findings)
			return &v->findings[i];
	return v->n_findings ? &v->findings[0] : NULL;
}

/* With a spill file, what is formatted goes out past this size: 10,000 VMs are 17 MB of JSON,
 * the largest allocation of a scan if held whole. */
#define SPILL_BYTES (64u * 1024u)

static void spill_maybe(strbuf *out, FILE *spill)
{
	if (spill && out->len >= SPILL_BYTES) {
		fwrite(out->buf, 1, out->len, spill);
		strbuf_reset(out);
	}
}

static void add_gap(strbuf *out)
{
	strbuf_addc(out, ' ');
}

static size_t max_name_len(const scan_result *r)
{
	size_t m = 4;
	for (size_t i = 0; i < r->n; i++) {
		const char *n = r->facts[i].name ? r->facts[i].name : r->facts[i].moref;
		size_t k = n ? strlen(n) : 0;
		m = k > m ? k : m;
	}
	return m;
}

/* The guest probe's rate, by the clock of the probe phase: what hostd's one-at-a-time Guest
 * Operations per host leave of the pool (issue 18). */
static double probes_per_minute(const scan_probe_stats *p)
{
	return p->seconds > 0 ? (double)p->probed * 60.0 / p->seconds : 0;
}

static double calls_per_probe(const scan_probe_stats *p)
{
	return p->probed ? (double)p->guest_calls / (double)p->probed : 0;
}

/* "probes: 1000 in 134.2 s (447 per minute, 4.0 Guest Operations calls each); 12 reused ..."
 * (nothing when the scan neither probed nor reused a probe) */
static void add_probe_rate(strbuf *out, const scan_probe_stats *p)
{
	if (!p->probed && !p->reused)
		return;
	strbuf_adds(out, "probes: ");
	if (p->probed)
		strbuf_addf(out, "%zu in %.1f s (%.0f per minute, %.1f Guest Operations calls each)",
			    p->probed, p->seconds, probes_per_minute(p), calls_per_probe(p));
	if (p->reused)
		strbuf_addf(out, "%s%zu reused, younger than --probe-max-age", p->probed ? "; " : "",
			    p->reused);
	strbuf_addc(out, '\n');
}

static void json_probe_rate(json_writer *w, const scan_probe_stats *p)
{
	json_key(w, "probes");
	json_object_begin(w);
	json_kv_int(w, "probed", (int64_t)p->probed);
	json_kv_int(w, "reused", (int64_t)p->reused);
	json_key(w, "seconds");
	json_double(w, p->seconds);
	json_key(w, "per_minute");
	json_double(w, probes_per_minute(p));
	json_kv_int(w, "guest_calls", (int64_t)p->guest_calls);
	json_kv_int(w, "concurrency", (int64_t)p->concurrency);
	json_key(w, "calls_per_probe");
	json_double(w, calls_per_probe(p));
	json_object_end(w);
}

/* One line per VM. On a terminal the fixed columns take 44 of 80 (57 with the last-test
 * column, shown from 110 columns); the name and the top finding share what is left. Without
 * a width (a pipe, a file, --wide) names and findings are whole, with the last test. */
static void output_table(strbuf *out, const scan_result *r, int columns, FILE *spill)
{
	bool unbounded = columns <= 0;
	size_t width = columns > 80 ? (size_t)columns : 80;
	bool last_test = unbounded || width >= 110;
	size_t flex = width - (last_test ? 57 : 44);
	size_t name_w = flex / 2 < 17 ? 17 : flex / 2 > 40 ? 40 : flex / 2;
	size_t finding_w = flex - name_w - 1;
	if (unbounded) {
		name_w = max_name_len(r);
		finding_w = (size_t)-1 / 2;
	}
	add_cell(out, "NAME", name_w, 1);
	strbuf_adds(out, " PWR OS         TOOLS   BEST  PRED  STATUS  ");
	strbuf_adds(out, last_test ? "LAST TEST    FINDING\n" : "FINDING\n");
	size_t count[STATUS_NA + 1] = { 0 };
	size_t proof_count[3] = { 0 };
	for (size_t i = 0; i < r->n; i++) {
		const vm_facts *f = &r->facts[i];
		const verdict *v = &r->verdicts[i];
		char tv[16], cell[32];
		vm_proof pr;
		proof_evaluate(f, v, r->scanned_at, r->max_proof_age, &pr);
		count[v->status]++;
		proof_count[pr.state]++;
		add_cell(out, f->name ? f->name : f->moref, name_w, 1);
		add_gap(out);
		add_cell(out, model_power_short(f->power), 3, 1);
		add_gap(out);
		add_cell(out, model_os_family_name(v->family), 10, 1);
		add_gap(out);
		add_cell(out, model_tools_text(f->tools, f->tools_version, tv), 7, 1);
		add_gap(out);
		add_cell(out, model_level_short(v->best), 5, 1);
		add_gap(out);
		add_cell(out, model_level_short(v->predicted), 5, 1);
		add_gap(out);
		add_cell(out, model_status_name(v->status), 7, 1);
		add_gap(out);
		if (last_test) {
			add_cell(out, proof_cell(f, &pr, cell), 12, 1);
			add_gap(out);
		}
		const finding *top = scan_top_finding(v);
		if (top) {
			const rule_info *ri = rules_find(top->rule);
			strbuf sb;
			strbuf_init(&sb);
			strbuf_addf(&sb, "%s %s", top->rule, ri ? ri->title : top->message);
			add_cell(out, sb.buf, finding_w, 0);
			strbuf_done(&sb);
		}
		while (out->len && out->buf[out->len - 1] == ' ')
			out->buf[--out->len] = '\0';
		strbuf_addc(out, '\n');
		spill_maybe(out, spill);
	}
	strbuf_addf(out, "\n%zu VM%s: %zu ready, %zu fixable, %zu manual, %zu unknown, %zu n/a\n",
		    r->n, r->n == 1 ? "" : "s", count[STATUS_READY], count[STATUS_FIXABLE],
		    count[STATUS_MANUAL], count[STATUS_UNKNOWN], count[STATUS_NA]);
	strbuf_addf(out, "proof: %zu proven, %zu predicted, %zu failed\n", proof_count[PROOF_PROVEN],
		    proof_count[PROOF_PREDICTED], proof_count[PROOF_FAILED]);
	add_probe_rate(out, &r->probes);
}

void scan_proof_json(json_writer *w, const vm_facts *f, const vm_proof *p, time_t max_age)
{
	const vm_last_test *t = &f->last_test;
	json_object_begin(w);
	json_kv_string(w, "state", proof_state_name(p->state));
	json_kv_string(w, "reason", p->reason);
	json_kv_int(w, "max_age_days", (max_age ? max_age : PROOF_MAX_AGE_DEFAULT) / 86400);
	json_key(w, "last_test");
	if (!t->id) {
		json_null(w);
		json_object_end(w);
		return;
	}
	json_object_begin(w);
	json_kv_int(w, "id", t->id);
	json_kv_time(w, "at", t->at);
	json_kv_time(w, "ended_at", t->ended_at);
	json_kv_int(w, "age_seconds", p->age);
	json_kv_string(w, "method", t->method);
	json_kv_string(w, "result", t->failed ? "failed" : "success");
	json_kv_string(w, "predicted_level", model_level_name(t->predicted));
	json_kv_string(w, "achieved_level", model_level_name(t->achieved));
	json_kv_string(w, "fault", t->fault);
	json_kv_string(w, "failed_writer", t->bad_writer);
	json_key(w, "writers");
	json_array_begin(w);
	for (size_t i = 0; i < t->n_writers; i++)
		json_string(w, t->writers[i]);
	json_array_end(w);
	json_kv_bool(w, "facts_compared", t->compared);
	json_key(w, "changed_since");
	json_array_begin(w);
	for (size_t i = 0; i < t->n_changes; i++)
		json_string(w, t->changes[i]);
	json_array_end(w);
	json_kv_time(w, "fixed_at", f->fixed_at);
	json_object_end(w);
	json_object_end(w);
}

/* One VM of the JSON contract's "vms". */
static void output_json_vm(json_writer *w, const scan_result *r, size_t i)
{
	const vm_facts *f = &r->facts[i];
	const verdict *v = &r->verdicts[i];
	char tv[16];
	json_object_begin(w);
	json_kv_string(w, "name", f->name);
	json_kv_string(w, "moref", f->moref);
	json_kv_string(w, "vcenter", r->vcenter);
	/* where it lives (null: not known; cluster null on a standalone host) */
	json_kv_string(w, "datacenter", f->datacenter);
	json_kv_string(w, "cluster", f->cluster);
	json_kv_string(w, "host", f->host);
	json_kv_string(w, "folder", f->folder);
	json_kv_string(w, "power_state", model_power_name(f->power));
	json_kv_string(w, "guest_os", scan_guest_os(f));
	json_kv_string(w, "os_family", model_os_family_name(v->family));
	json_key(w, "tools");
	json_object_begin(w);
	json_kv_string(w, "status", model_tools_status_name(f->tools));
	json_kv_string(w, "version", f->tools_version ? model_tools_version_format(f->tools_version, tv) : NULL);
	json_object_end(w);
	json_kv_string(w, "best_level", model_level_name(v->best));
	json_kv_string(w, "predicted_level", model_level_name(v->predicted));
	json_kv_string(w, "status", model_status_name(v->status));
	json_key(w, "probe");
	json_object_begin(w);
	/* A probe not run in this scan and without history is "not_configured" when there
	 * are no guest credentials, else "unavailable": the contract has no other name. */
	json_kv_string(w, "state", model_probe_state_name(f->probe.state));
	json_kv_time(w, "at", f->probe.at);
	if (f->probe.error)
		json_kv_string(w, "error", f->probe.error);
	json_object_end(w);
	if (f->facts_error)
		json_kv_string(w, "facts_error", f->facts_error_text);
	if (f->connection_state)
		json_kv_string(w, "connection_state", f->connection_state);
	vm_proof pr;
	proof_evaluate(f, v, r->scanned_at, r->max_proof_age, &pr);
	json_key(w, "proof");
	scan_proof_json(w, f, &pr, r->max_proof_age);
	json_key(w, "findings");
	json_array_begin(w);
	for (size_t k = 0; k < v->n_findings; k++) {
		const finding *fd = &v->findings[k];
		json_object_begin(w);
		json_kv_string(w, "rule", fd->rule);
		json_kv_string(w, "severity", model_severity_name(fd->sev));
		json_kv_string(w, "cap", model_level_name(fd->cap));
		json_kv_string(w, "message", fd->message);
		json_kv_string(w, "evidence", fd->evidence);
		json_kv_string(w, "fix", model_fix_name(fd->fix));
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

/* The top level names the first vCenter (as before several could be scanned); "vcenters"
 * says of each whether it was scanned and why not; every VM names its own. */
static void output_json(strbuf *out, const scan_part *parts, size_t n_parts, FILE *spill)
{
	json_writer w;
	json_writer_init(&w, out, true);
	json_object_begin(&w);
	json_kv_string(&w, "vcenter", parts[0].r->vcenter);
	json_kv_time(&w, "scanned_at", parts[0].r->scanned_at);
	json_key(&w, "vcenters");
	json_array_begin(&w);
	for (size_t p = 0; p < n_parts; p++) {
		json_object_begin(&w);
		json_kv_string(&w, "vcenter", parts[p].r->vcenter);
		json_kv_bool(&w, "scanned", !parts[p].error);
		json_kv_time(&w, "scanned_at", parts[p].error ? 0 : parts[p].r->scanned_at);
		json_kv_string(&w, "error", parts[p].error);
		if (!parts[p].error)
			json_probe_rate(&w, &parts[p].r->probes);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_key(&w, "vms");
	json_array_begin(&w);
	for (size_t p = 0; p < n_parts; p++)
		for (size_t i = 0; i < parts[p].r->n; i++) {
			output_json_vm(&w, parts[p].r, i);
			spill_maybe(out, spill);
		}
	json_array_end(&w);
	json_object_end(&w);
	strbuf_addc(out, '\n');
}

/* The columns every CSV row starts with (those of the first CSV, in its order): who the VM is
 * and what is predicted. The location and the proof come last, so old readers keep theirs. */
static const char csv_vm_header[] =
	"vcenter,scanned_at,name,moref,power_state,guest_os,os_family,tools_status,tools_version,"
	"best_level,predicted_level,status,probe_state,probe_at";
static const char csv_tail_header[] =
	"datacenter,cluster,folder,proof,last_test_at,last_test_achieved";

static void csv_vm_fields(strbuf *out, const scan_result *r, const vm_facts *f, const verdict *v)
{
	char tv[16], scanned[32], probed[32];
	strbuf_add_csv_field(out, r->vcenter, 0);
	strbuf_add_csv_field(out, time_iso(r->scanned_at, scanned, sizeof scanned, ""), 0);
	strbuf_add_csv_field(out, f->name, 0);
	strbuf_add_csv_field(out, f->moref, 0);
	strbuf_add_csv_field(out, model_power_name(f->power), 0);
	strbuf_add_csv_field(out, scan_guest_os(f), 0);
	strbuf_add_csv_field(out, model_os_family_name(v->family), 0);
	strbuf_add_csv_field(out, model_tools_status_name(f->tools), 0);
	strbuf_add_csv_field(out, f->tools_version ? model_tools_version_format(f->tools_version, tv) : "", 0);
	strbuf_add_csv_field(out, model_level_name(v->best), 0);
	strbuf_add_csv_field(out, model_level_name(v->predicted), 0);
	strbuf_add_csv_field(out, model_status_name(v->status), 0);
	strbuf_add_csv_field(out, model_probe_state_name(f->probe.state), 0);
	strbuf_add_csv_field(out, time_iso(f->probe.at, probed, sizeof probed, ""), 0);
}

static void csv_tail_fields(strbuf *out, const scan_result *r, const vm_facts *f, const verdict *v)
{
	char tested[32];
	vm_proof pr;
	proof_evaluate(f, v, r->scanned_at, r->max_proof_age, &pr);
	strbuf_add_csv_field(out, f->datacenter ? f->datacenter : "", 0);
	strbuf_add_csv_field(out, f->cluster ? f->cluster : "", 0);
	strbuf_add_csv_field(out, f->folder ? f->folder : "", 0);
	strbuf_add_csv_field(out, proof_state_name(pr.state), 0);
	strbuf_add_csv_field(out, f->last_test.id ? time_iso(f->last_test.at, tested, sizeof tested, "")
					       : "", 0);
	strbuf_add_csv_field(out, !f->last_test.id ? "" : f->last_test.failed ? "failed"
				  : model_level_name(f->last_test.achieved), 1);
}

/* One row per VM: its top finding, the counts by severity and every rule id. */
static void output_csv(strbuf *out, const scan_result *r, FILE *spill)
{
	strbuf rules;
	strbuf_init(&rules);
	for (size_t i = 0; i < r->n; i++) {
		const vm_facts *f = &r->facts[i];
		const verdict *v = &r->verdicts[i];
		const finding *top = scan_top_finding(v);
		size_t sev[SEVERITY_ERROR + 1] = { 0 };
		strbuf_reset(&rules);
		for (size_t k = 0; k < v->n_findings; k++) {
			sev[v->findings[k].sev]++;
			strbuf_addf(&rules, "%s%s", k ? ";" : "", v->findings[k].rule);
		}
		char n[3][24];
		for (int k = 0; k < 3; k++)
			snprintf(n[k], sizeof n[k], "%zu", sev[SEVERITY_ERROR - k]);
		csv_vm_fields(out, r, f, v);
		strbuf_add_csv_field(out, top ? top->rule : "", 0);
		strbuf_add_csv_field(out, top ? model_severity_name(top->sev) : "", 0);
		strbuf_add_csv_field(out, top ? top->message : "", 0);
		strbuf_add_csv_field(out, n[0], 0);
		strbuf_add_csv_field(out, n[1], 0);
		strbuf_add_csv_field(out, n[2], 0);
		strbuf_add_csv_field(out, rules.buf ? rules.buf : "", 0);
		csv_tail_fields(out, r, f, v);
		spill_maybe(out, spill);
	}
	strbuf_done(&rules);
}

/* One row per finding (a VM without findings: one row with empty finding columns): the
 * columns of the first CSV, then the location and the proof. */
static void output_csv_findings(strbuf *out, const scan_result *r, FILE *spill)
{
	for (size_t i = 0; i < r->n; i++) {
		const vm_facts *f = &r->facts[i];
		const verdict *v = &r->verdicts[i];
		size_t rows = v->n_findings ? v->n_findings : 1;
		for (size_t k = 0; k < rows; k++) {
			const finding *fd = v->n_findings ? &v->findings[k] : NULL;
			csv_vm_fields(out, r, f, v);
			strbuf_add_csv_field(out, fd ? fd->rule : "", 0);
			strbuf_add_csv_field(out, fd ? model_severity_name(fd->sev) : "", 0);
			strbuf_add_csv_field(out, fd ? model_level_name(fd->cap) : "", 0);
			strbuf_add_csv_field(out, fd ? model_fix_name(fd->fix) : "", 0);
			strbuf_add_csv_field(out, fd ? fd->message : "", 0);
			strbuf_add_csv_field(out, fd ? fd->evidence : "", 0);
			csv_tail_fields(out, r, f, v);
		}
		spill_maybe(out, spill);
	}
}

void scan_output_leftovers(strbuf *out, const scan_result *r)
{
	size_t n = scan_leftover_count(r);
	if (!n)
		return;
	strbuf_addf(out, "LEFTOVERS of interrupted quiescent runs (R26) on %zu VM%s: run quiescent "
		    "recover\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < r->n; i++) {
		const verdict *v = &r->verdicts[i];
		for (size_t k = 0; k < v->n_findings; k++)
			if (rules_finding_is(&v->findings[k], RULE_R26))
				strbuf_addf(out, "  %s: %s\n",
					    r->facts[i].name ? r->facts[i].name : r->facts[i].moref,
					    v->findings[k].evidence ? v->findings[k].evidence : "");
	}
}

void scan_output_many(strbuf *out, const scan_part *parts, size_t n, scan_format fmt, int width,
		      FILE *spill)
{
	if (!n)
		return;
	switch (fmt) {
	case SCAN_FORMAT_TABLE:
		for (size_t p = 0; p < n; p++) {
			const scan_result *r = parts[p].r;
			if (n > 1)
				strbuf_addf(out, "%svCenter %s%s%s\n", p ? "\n" : "", r->vcenter,
					    parts[p].error ? ": not scanned: " : "",
					    parts[p].error ? parts[p].error : "");
			if (parts[p].error)
				continue;
			output_table(out, r, width, spill);
			scan_output_leftovers(out, r);
		}
		break;
	case SCAN_FORMAT_JSON: output_json(out, parts, n, spill); break;
	case SCAN_FORMAT_CSV:
	case SCAN_FORMAT_CSV_FINDINGS:
		/* one header; the failed vCenters are said on stderr (their rows would be empty) */
		if (fmt == SCAN_FORMAT_CSV)
			strbuf_addf(out, "%s,top_rule,top_severity,top_message,errors,warnings,infos,"
				    "rules,%s\r\n", csv_vm_header, csv_tail_header);
		else
			strbuf_addf(out, "%s,rule,severity,cap,fix,message,evidence,%s\r\n",
				    csv_vm_header, csv_tail_header);
		for (size_t p = 0; p < n; p++) {
			if (parts[p].error)
				continue;
			if (fmt == SCAN_FORMAT_CSV)
				output_csv(out, parts[p].r, spill);
			else
				output_csv_findings(out, parts[p].r, spill);
		}
		break;
	}
}

void scan_output(strbuf *out, const scan_result *r, scan_format fmt, int width, FILE *spill)
{
	scan_part part = { .r = r };
	scan_output_many(out, &part, 1, fmt, width, spill);
}
