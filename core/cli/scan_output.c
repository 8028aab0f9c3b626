#include "cli/scan_output.h"
#include "rules/rules.h"
#include "util/json.h"

#include <string.h>

int scan_format_parse(const char *s, scan_format *out)
{
	static const char *const names[] = { "table", "json", "csv" };
	for (int i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*out = (scan_format)i;
			return 1;
		}
	}
	return 0;
}

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

static const char *short_level(quiesce_level l)
{
	switch (l) {
	case LEVEL_APPLICATION: return "app";
	case LEVEL_FILESYSTEM: return "fs";
	case LEVEL_CRASH: return "crash";
	case LEVEL_FAIL: return "fail";
	case LEVEL_NONE: break;
	}
	return "-";
}

static const char *short_power(power_state p)
{
	switch (p) {
	case POWER_ON: return "on";
	case POWER_OFF: return "off";
	case POWER_SUSPENDED: return "sus";
	case POWER_UNKNOWN: break;
	}
	return "?";
}

static const char *tools_text(const vm_facts *f, char buf[16])
{
	switch (f->tools) {
	case TOOLS_NOT_INSTALLED: return "none";
	case TOOLS_NOT_RUNNING: return "stopped";
	case TOOLS_UNKNOWN: return "?";
	case TOOLS_RUNNING: break;
	}
	return f->tools_version ? model_tools_version_format(f->tools_version, buf) : "running";
}

/* Appends s cut to width bytes (ASCII '~' marks the cut), padded when pad is set. */
static void add_cell(strbuf *out, const char *s, size_t width, int pad)
{
	size_t len = strlen(s);
	if (len > width) {
		strbuf_add(out, s, width - 1);
		strbuf_addc(out, '~');
	} else {
		strbuf_adds(out, s);
		if (pad)
			for (size_t i = len; i < width; i++)
				strbuf_addc(out, ' ');
	}
}

/* The finding an operator should read first: findings are sorted errors first. */
static const finding *top_finding(const verdict *v)
{
	for (size_t i = 0; i < v->n_findings; i++)
		if (v->findings[i].sev != SEVERITY_INFO || i + 1 == v->n_findings)
			return &v->findings[i];
	return v->n_findings ? &v->findings[0] : NULL;
}

static void add_gap(strbuf *out)
{
	strbuf_addc(out, ' ');
}

/* One line per VM. The fixed columns take 44 of 80; the name and the top finding share
 * what is left, and grow when the terminal is wider. */
static void output_table(strbuf *out, const scan_result *r, int columns)
{
	size_t width = columns > 80 ? (size_t)columns : 80;
	size_t flex = width - 44;
	size_t name_w = flex / 2 < 17 ? 17 : flex / 2 > 40 ? 40 : flex / 2;
	size_t finding_w = flex - name_w - 1;
	add_cell(out, "NAME", name_w, 1);
	strbuf_adds(out, " PWR OS         TOOLS   BEST  PRED  STATUS  FINDING\n");
	size_t count[STATUS_NA + 1] = { 0 };
	for (size_t i = 0; i < r->n; i++) {
		const vm_facts *f = &r->facts[i];
		const verdict *v = &r->verdicts[i];
		char tv[16];
		count[v->status]++;
		add_cell(out, f->name ? f->name : f->moref, name_w, 1);
		add_gap(out);
		add_cell(out, short_power(f->power), 3, 1);
		add_gap(out);
		add_cell(out, model_os_family_name(v->family), 10, 1);
		add_gap(out);
		add_cell(out, tools_text(f, tv), 7, 1);
		add_gap(out);
		add_cell(out, short_level(v->best), 5, 1);
		add_gap(out);
		add_cell(out, short_level(v->predicted), 5, 1);
		add_gap(out);
		add_cell(out, model_status_name(v->status), 7, 1);
		add_gap(out);
		const finding *top = top_finding(v);
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
	}
	strbuf_addf(out, "\n%zu VM%s: %zu ready, %zu fixable, %zu manual, %zu unknown, %zu n/a\n",
		    r->n, r->n == 1 ? "" : "s", count[STATUS_READY], count[STATUS_FIXABLE],
		    count[STATUS_MANUAL], count[STATUS_UNKNOWN], count[STATUS_NA]);
}

static void output_json(strbuf *out, const scan_result *r)
{
	json_writer w;
	json_writer_init(&w, out, true);
	json_object_begin(&w);
	json_kv_string(&w, "vcenter", r->vcenter);
	json_kv_time(&w, "scanned_at", r->scanned_at);
	json_key(&w, "vms");
	json_array_begin(&w);
	for (size_t i = 0; i < r->n; i++) {
		const vm_facts *f = &r->facts[i];
		const verdict *v = &r->verdicts[i];
		char tv[16];
		json_object_begin(&w);
		json_kv_string(&w, "name", f->name);
		json_kv_string(&w, "moref", f->moref);
		/* where it lives (null: not known; cluster null on a standalone host) */
		json_kv_string(&w, "datacenter", f->datacenter);
		json_kv_string(&w, "cluster", f->cluster);
		json_kv_string(&w, "host", f->host);
		json_kv_string(&w, "folder", f->folder);
		json_kv_string(&w, "power_state", model_power_name(f->power));
		json_kv_string(&w, "guest_os", scan_guest_os(f));
		json_kv_string(&w, "os_family", model_os_family_name(v->family));
		json_key(&w, "tools");
		json_object_begin(&w);
		json_kv_string(&w, "status", model_tools_status_name(f->tools));
		json_kv_string(&w, "version", f->tools_version ? model_tools_version_format(f->tools_version, tv) : NULL);
		json_object_end(&w);
		json_kv_string(&w, "best_level", model_level_name(v->best));
		json_kv_string(&w, "predicted_level", model_level_name(v->predicted));
		json_kv_string(&w, "status", model_status_name(v->status));
		json_key(&w, "probe");
		json_object_begin(&w);
		/* A probe not run in this scan and without history is "not_configured" when there
		 * are no guest credentials, else "unavailable": the contract has no other name. */
		json_kv_string(&w, "state", model_probe_state_name(f->probe.state));
		json_kv_time(&w, "at", f->probe.at);
		if (f->probe.error)
			json_kv_string(&w, "error", f->probe.error);
		json_object_end(&w);
		if (f->facts_error)
			json_kv_string(&w, "facts_error", f->facts_error_text);
		if (f->connection_state)
			json_kv_string(&w, "connection_state", f->connection_state);
		json_key(&w, "findings");
		json_array_begin(&w);
		for (size_t k = 0; k < v->n_findings; k++) {
			const finding *fd = &v->findings[k];
			json_object_begin(&w);
			json_kv_string(&w, "rule", fd->rule);
			json_kv_string(&w, "severity", model_severity_name(fd->sev));
			json_kv_string(&w, "cap", model_level_name(fd->cap));
			json_kv_string(&w, "message", fd->message);
			json_kv_string(&w, "evidence", fd->evidence);
			json_kv_string(&w, "fix", model_fix_name(fd->fix));
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	strbuf_addc(out, '\n');
}

/* "2026-11-22T10:00:00Z" as in the JSON; "" for an unknown time. */
static const char *iso_time(time_t t, char buf[32])
{
	struct tm tm;
	if (!t || !gmtime_r(&t, &tm))
		return "";
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static void output_csv(strbuf *out, const scan_result *r)
{
	strbuf_adds(out, "vcenter,scanned_at,name,moref,power_state,guest_os,os_family,tools_status,"
			 "tools_version,best_level,predicted_level,status,probe_state,probe_at,"
			 "rule,severity,cap,fix,message,evidence\r\n");
	for (size_t i = 0; i < r->n; i++) {
		const vm_facts *f = &r->facts[i];
		const verdict *v = &r->verdicts[i];
		size_t rows = v->n_findings ? v->n_findings : 1;
		for (size_t k = 0; k < rows; k++) {
			const finding *fd = v->n_findings ? &v->findings[k] : NULL;
			char tv[16];
			char scanned[32], probed[32];
			strbuf_add_csv_field(out, r->vcenter, 0);
			strbuf_add_csv_field(out, iso_time(r->scanned_at, scanned), 0);
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
			strbuf_add_csv_field(out, iso_time(f->probe.at, probed), 0);
			strbuf_add_csv_field(out, fd ? fd->rule : "", 0);
			strbuf_add_csv_field(out, fd ? model_severity_name(fd->sev) : "", 0);
			strbuf_add_csv_field(out, fd ? model_level_name(fd->cap) : "", 0);
			strbuf_add_csv_field(out, fd ? model_fix_name(fd->fix) : "", 0);
			strbuf_add_csv_field(out, fd ? fd->message : "", 0);
			strbuf_add_csv_field(out, fd ? fd->evidence : "", 1);
		}
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
			if (!strcmp(v->findings[k].rule, "R26"))
				strbuf_addf(out, "  %s: %s\n",
					    r->facts[i].name ? r->facts[i].name : r->facts[i].moref,
					    v->findings[k].evidence ? v->findings[k].evidence : "");
	}
}

void scan_output(strbuf *out, const scan_result *r, scan_format fmt, int width)
{
	switch (fmt) {
	case SCAN_FORMAT_TABLE:
		output_table(out, r, width);
		scan_output_leftovers(out, r);
		break;
	case SCAN_FORMAT_JSON: output_json(out, r); break;
	case SCAN_FORMAT_CSV: output_csv(out, r); break;
	}
}
