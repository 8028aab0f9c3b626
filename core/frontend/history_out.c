#include "frontend/history_out.h"
#include "model/model.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the timeline ---- */

void history_list_begin(history_list_writer *lw, strbuf *out, scan_format fmt, int vm_width)
{
	memset(lw, 0, sizeof *lw);
	lw->out = out;
	lw->fmt = fmt;
	lw->vm_width = vm_width < 4 ? 4 : vm_width > 32 ? 32 : vm_width;
	if (fmt == SCAN_FORMAT_JSON) {
		json_writer_init(&lw->w, out, true);
		json_object_begin(&lw->w);
		json_key(&lw->w, "records");
		json_array_begin(&lw->w);
	} else if (fmt == SCAN_FORMAT_CSV) {
		strbuf_adds(out, "kind,at,vcenter,vm,moref,outcome,id,summary\r\n");
	} else {
		strbuf_addf(out, "%-16s  %-17s  %-8s  %-6s  %-*s  %s\n", "AT (UTC)", "LOCAL", "KIND",
			    "ID", lw->vm_width, "VM", "WHAT");
	}
}

void history_list_row(history_list_writer *lw, const store_history_entry *e)
{
	char t[32], id[32], lt[32];
	strbuf *out = lw->out;
	lw->rows++;
	if (lw->fmt == SCAN_FORMAT_JSON) {
		json_writer *w = &lw->w;
		json_object_begin(w);
		json_kv_string(w, "kind", store_history_kind_name(e->kind));
		json_kv_time(w, "at", e->at);
		json_kv_string(w, "vcenter", e->vcenter);
		json_kv_string(w, "vm", e->vm);
		json_kv_string(w, "moref", e->moref);
		json_kv_string(w, "outcome", e->outcome);
		json_kv_int(w, "id", e->id);
		json_kv_string(w, "summary", e->summary);
		json_key(w, "details");
		json_raw(w, e->details_json);
		json_object_end(w);
		return;
	}
	if (lw->fmt == SCAN_FORMAT_CSV) {
		snprintf(id, sizeof id, "%lld", (long long)e->id);
		strbuf_add_csv_field(out, store_history_kind_name(e->kind), false);
		strbuf_add_csv_field(out, time_iso(e->at, t, sizeof t, "-"), false);
		strbuf_add_csv_field(out, e->vcenter, false);
		strbuf_add_csv_field(out, e->vm, false);
		strbuf_add_csv_field(out, e->moref, false);
		strbuf_add_csv_field(out, e->outcome, false);
		strbuf_add_csv_field(out, id, false);
		strbuf_add_csv_field(out, e->summary, true);
		return;
	}
	char *vm = text_clean(e->vm), *summary = text_clean(e->summary);   /* util/text.h */
	int wvm = lw->vm_width;
	strbuf_addf(out, "%-16s  %-17s  %-8s  %-6lld  %-*.*s  %s\n",
		    time_short(e->at, t, sizeof t), time_local(e->at, lt, sizeof lt),
		    store_history_kind_name(e->kind), (long long)e->id, wvm, wvm, vm,
		    summary ? summary : "");
	free(vm);
	free(summary);
}

void history_list_end(history_list_writer *lw)
{
	if (lw->fmt == SCAN_FORMAT_JSON) {
		json_array_end(&lw->w);
		json_object_end(&lw->w);
		strbuf_addc(lw->out, '\n');
	} else if (lw->fmt != SCAN_FORMAT_CSV && !lw->rows) {
		strbuf_adds(lw->out, "(no history matches)\n");
	}
}

void history_list_output(strbuf *out, const store_history_entry *e, size_t n, scan_format fmt)
{
	size_t wvm = 4;
	for (size_t i = 0; i < n; i++)
		if (strlen(e[i].vm) > wvm)
			wvm = strlen(e[i].vm);
	history_list_writer lw;
	history_list_begin(&lw, out, fmt, wvm > 32 ? 32 : (int)wvm);
	for (size_t i = 0; i < n; i++)
		history_list_row(&lw, &e[i]);
	history_list_end(&lw);
}

/* ---- records ---- */

static void json_cell(json_writer *w, const store_hcell *c)
{
	switch (c->type) {
	case STORE_HCELL_NULL:
		json_null(w);
		break;
	case STORE_HCELL_INT:
		json_int(w, strtoll(c->text, NULL, 10));
		break;
	case STORE_HCELL_TIME:
		json_time(w, (time_t)strtoll(c->text, NULL, 10));
		break;
	case STORE_HCELL_JSON: {
		/* only what parses is inserted raw: a stored document is not trusted blindly */
		json_value *v = json_parse(c->text, strlen(c->text), NULL, 0);
		if (v)
			json_raw(w, c->text);
		else
			json_string(w, c->text);
		json_free(v);
		break;
	}
	case STORE_HCELL_TEXT:
		json_string(w, c->text);
		break;
	}
}

static const char *cell_text(const store_hcell *c, char *buf, size_t n)
{
	if (c->type == STORE_HCELL_NULL)
		return "-";
	if (c->type == STORE_HCELL_TIME)
		return time_iso((time_t)strtoll(c->text, NULL, 10), buf, n, "-");
	return c->text;
}

static void json_table_rows(json_writer *w, const store_htable *t)
{
	json_array_begin(w);
	for (size_t r = 0; r < t->n_rows; r++) {
		json_object_begin(w);
		for (size_t c = 0; c < t->n_cols; c++) {
			json_key(w, t->cols[c]);
			json_cell(w, &t->cells[r * t->n_cols + c]);
		}
		json_object_end(w);
	}
	json_array_end(w);
}

/* Columns too long for a table line are printed under it. */
static bool long_col(const char *name)
{
	return strstr(name, "_json") || !strcmp(name, "message") || !strcmp(name, "description") ||
	       !strcmp(name, "evidence") || !strcmp(name, "result") || !strcmp(name, "error");
}

static void text_table(strbuf *out, const store_htable *t)
{
	char tb[32];
	strbuf_addf(out, "\n%s (%zu)\n", t->name, t->n_rows);
	for (size_t r = 0; r < t->n_rows; r++) {
		strbuf_adds(out, "  ");
		bool first = true;
		for (size_t c = 0; c < t->n_cols; c++) {
			const store_hcell *cell = &t->cells[r * t->n_cols + c];
			if (long_col(t->cols[c]) || cell->type == STORE_HCELL_NULL ||
			    !strcmp(t->cols[c], "before_value") || !strcmp(t->cols[c], "after_value"))
				continue;
			/* for people: the Tools version decoded (CSV and JSON keep the number) */
			char tv[16];
			const char *text = !strcmp(t->cols[c], "tools_version") && cell->type == STORE_HCELL_INT
					   ? model_tools_version_format(atoi(cell->text), tv)
					   : cell_text(cell, tb, sizeof tb);
			strbuf_addf(out, "%s%s=%s", first ? "" : "  ", t->cols[c], text);
			first = false;
		}
		strbuf_addc(out, '\n');
		/* a step's change, on its own line so it is never cut off */
		const char *before = store_htable_get(t, r, "before_value");
		const char *after = store_htable_get(t, r, "after_value");
		if (before || after)
			strbuf_addf(out, "    value: %s -> %s\n", before ? before : "-", after ? after : "-");
		for (size_t c = 0; c < t->n_cols; c++) {
			const store_hcell *cell = &t->cells[r * t->n_cols + c];
			if (!long_col(t->cols[c]) || cell->type == STORE_HCELL_NULL ||
			    strstr(t->cols[c], "facts_json"))
				continue;
			strbuf_addf(out, "    %s: %s\n", t->cols[c], cell->text);
		}
	}
}

void history_record_output(strbuf *out, const store_history_record *r, scan_format fmt)
{
	char tb[32], rb[32];
	if (!r->n_tables)
		return;
	const store_htable *head = &r->tables[0];
	if (fmt == SCAN_FORMAT_JSON) {
		json_writer w;
		json_writer_init(&w, out, true);
		json_object_begin(&w);
		json_kv_string(&w, "kind", store_history_kind_name(r->kind));
		for (size_t c = 0; c < head->n_cols; c++) {
			json_key(&w, head->cols[c]);
			json_cell(&w, &head->cells[c]);
		}
		for (size_t i = 1; i < r->n_tables; i++) {
			json_key(&w, r->tables[i].name);
			json_table_rows(&w, &r->tables[i]);
		}
		json_object_end(&w);
		strbuf_addc(out, '\n');
		return;
	}
	if (fmt == SCAN_FORMAT_CSV) {
		strbuf_adds(out, "table,row,column,value\r\n");
		for (size_t i = 0; i < r->n_tables; i++) {
			const store_htable *t = &r->tables[i];
			for (size_t row = 0; row < t->n_rows; row++)
				for (size_t c = 0; c < t->n_cols; c++) {
					const store_hcell *cell = &t->cells[row * t->n_cols + c];
					snprintf(rb, sizeof rb, "%zu", row + 1);
					strbuf_add_csv_field(out, t->name, false);
					strbuf_add_csv_field(out, rb, false);
					strbuf_add_csv_field(out, t->cols[c], false);
					strbuf_add_csv_field(out, cell->type == STORE_HCELL_NULL ? ""
							  : cell_text(cell, tb, sizeof tb), true);
				}
		}
		return;
	}
	strbuf_addf(out, "%s #%lld\n", store_history_kind_name(r->kind), (long long)r->id);
	for (size_t c = 0; c < head->n_cols; c++)
		strbuf_addf(out, "  %-20s %s\n", head->cols[c], cell_text(&head->cells[c], tb, sizeof tb));
	for (size_t i = 1; i < r->n_tables; i++)
		text_table(out, &r->tables[i]);
}

/* ---- diff ---- */

const char *history_diff_change_name(store_diff_change c)
{
	switch (c) {
	case STORE_DIFF_SAME: return "same";
	case STORE_DIFF_CHANGED: return "changed";
	case STORE_DIFF_ADDED: return "added";
	case STORE_DIFF_REMOVED: return "removed";
	}
	return "unknown";
}

const char *history_step_words(const char *kind)
{
	static const struct { const char *kind, *words; } steps[] = {
		{ "shutdown_guest", "guest shut down" },
		{ "power_off", "powered off" },
		{ "set_enable_uuid", "disk.EnableUUID set" },
		{ "power_on", "powered on again" },
		{ "upgrade_tools", "VMware Tools upgraded" },
		{ "wait_tools", "VMware Tools running again" },
		{ "mount_installer", "Tools installer mounted" },
		{ "guest_setup", "Tools setup run in the guest" },
		{ "unmount_installer", "Tools installer unmounted" },
		{ "guest_command", "command run in the guest" },
		{ "verify", "verified" },
	};
	for (size_t i = 0; kind && i < sizeof steps / sizeof steps[0]; i++)
		if (!strcmp(kind, steps[i].kind))
			return steps[i].words;
	return kind ? kind : "?";
}

bool history_fact_is_noise(const char *fact)
{
	static const char *const exact[] = { "probe.writers_known", "probe.error", "scsi_units_used",
					     "probe.tools_conf_read", "tools_version_status" };
	static const char *const suffix[] = { "].id", "].instance_id", "].bus", "].unit",
					      "_evidence" };
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (!strcmp(fact, exact[i]))
			return true;
	size_t n = strlen(fact);
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		size_t k = strlen(suffix[i]);
		if (n >= k && !strcmp(fact + n - k, suffix[i]))
			return true;
	}
	return false;
}

/* A value in words: Tools versions decoded, Unix times as dates, bytes in GiB. */
static void value_words(strbuf *out, const char *fact, const char *v)
{
	char buf[32];
	size_t n = strlen(fact);
	if (!strcmp(v, "absent")) {
		strbuf_adds(out, v);
	} else if (!strcmp(fact, "tools_version")) {
		strbuf_adds(out, model_tools_version_format(atoi(v), buf));
	} else if (!strcmp(fact, "boot_time") || (n > 3 && !strcmp(fact + n - 3, "_at"))) {
		strbuf_adds(out, time_local((time_t)strtoll(v, NULL, 10), buf, sizeof buf));
	} else if (n > 6 && !strcmp(fact + n - 6, "_bytes")) {
		strbuf_addf(out, "%.1f GiB", (double)strtoll(v, NULL, 10) / (1024.0 * 1024 * 1024));
	} else if (n > 12 && !strcmp(fact + n - 12, "].capacity_kb")) {
		strbuf_addf(out, "%.1f GiB", (double)strtoll(v, NULL, 10) / (1024.0 * 1024));
	} else {
		strbuf_adds(out, v);
	}
}

/* The fact's name in words: the vSphere or Windows name an administrator knows. */
static void fact_words(strbuf *out, const char *fact)
{
	static const struct { const char *prefix, *words; } names[] = {
		{ "tools_version", "VMware Tools" },
		{ "tools", "VMware Tools status" },
		{ "boot_time", "boot time" },
		{ "power", "power" },
		{ "snapshot_count", "snapshots" },
		{ "n_scsi_controllers", "SCSI controllers" },
		{ "hw_version", "virtual hardware version" },
		{ "guest_full_name", "guest OS" },
		{ "guest_build", "Windows build" },
		{ "probe.state", "guest probe" },
		{ "probe.vmvss.", "VMware Snapshot Provider (vmvss) " },
		{ "probe.lgto_sync.", "sync driver (LGTO_Sync) " },
		{ "probe.vss.", "Volume Shadow Copy service " },
		{ "probe.disable_app_quiescing", "tools.conf vss.disableAppQuiescing" },
		{ "probe.enable_vss", "tools.conf enableVSS" },
		{ "probe.dynamic_disks", "dynamic disks" },
		{ "probe.storage_spaces", "Storage Spaces" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t k = strlen(names[i].prefix);
		bool prefix = names[i].prefix[k - 1] == '.';
		if (prefix ? !strncmp(fact, names[i].prefix, k) : !strcmp(fact, names[i].prefix)) {
			strbuf_adds(out, names[i].words);
			if (prefix)
				strbuf_adds(out, fact + k); /* "start", "installed" */
			return;
		}
	}
	/* "probe.writers[SqlServerWriter].state" -> "writer SqlServerWriter state";
	 * "disks[Hard disk 1].controller" -> "Hard disk 1 controller" */
	const char *open = strchr(fact, '['), *close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		if (!strncmp(fact, "probe.writers[", 14))
			strbuf_adds(out, "writer ");
		else if (!strncmp(fact, "volumes[", 8))
			strbuf_adds(out, "volume ");
		strbuf_add(out, open + 1, (size_t)(close - open - 1));
		if (close[1] == '.') {
			strbuf_addc(out, ' ');
			const char *leaf = close + 2;
			strbuf_adds(out, !strcmp(leaf, "free_bytes") ? "free"
					 : !strcmp(leaf, "capacity_bytes") || !strcmp(leaf, "capacity_kb")
						 ? "size" : !strcmp(leaf, "last_error") ? "last error" : leaf);
		}
		return;
	}
	strbuf_adds(out, fact);
}

void history_fact_change_text(strbuf *out, const store_fact_change *c)
{
	char tb[32];
	fact_words(out, c->fact);
	strbuf_adds(out, ": ");
	value_words(out, c->fact, c->before);
	strbuf_adds(out, " -> ");
	value_words(out, c->fact, c->after);
	if (c->fix_plan_id)
		strbuf_addf(out, " (fix #%lld, %s)", (long long)c->fix_plan_id,
			    time_short(c->fix_at, tb, sizeof tb));
}

static void json_before_after(json_writer *w, const char *key, const char *a, const char *b)
{
	json_key(w, key);
	json_object_begin(w);
	json_kv_string(w, "before", *a ? a : NULL);
	json_kv_string(w, "after", *b ? b : NULL);
	json_object_end(w);
}

/* One side of a comparison: {"id", "at", "vcenter"} under key. */
static void json_scan_ref(json_writer *w, const char *key, int64_t id, time_t at,
			  const char *vcenter)
{
	json_key(w, key);
	json_object_begin(w);
	json_kv_int(w, "id", id);
	json_kv_time(w, "at", at);
	json_kv_string(w, "vcenter", vcenter);
	json_object_end(w);
}

void history_diff_output(strbuf *out, const store_scan_diff *d, scan_format fmt, bool all)
{
	char ta[32], tb[32];
	if (fmt == SCAN_FORMAT_JSON) {
		json_writer w;
		json_writer_init(&w, out, true);
		json_object_begin(&w);
		json_scan_ref(&w, "scan_a", d->scan_a, d->at_a, d->vcenter_a);
		json_scan_ref(&w, "scan_b", d->scan_b, d->at_b, d->vcenter_b);
		json_key(&w, "vms");
		json_array_begin(&w);
		for (size_t i = 0; i < d->n_vms; i++) {
			const store_diff_vm *v = &d->vms[i];
			if (!all && v->change == STORE_DIFF_SAME)
				continue;
			json_object_begin(&w);
			json_kv_string(&w, "vm", v->name);
			json_kv_string(&w, "moref", v->moref);
			json_kv_string(&w, "change", history_diff_change_name(v->change));
			json_before_after(&w, "status", v->status_a, v->status_b);
			json_before_after(&w, "predicted_level", v->predicted_a, v->predicted_b);
			json_key(&w, "findings_appeared");
			json_array_begin(&w);
			for (size_t k = 0; k < v->n_appeared; k++)
				json_string(&w, v->appeared[k]);
			json_array_end(&w);
			json_key(&w, "findings_gone");
			json_array_begin(&w);
			for (size_t k = 0; k < v->n_gone; k++)
				json_string(&w, v->gone[k]);
			json_array_end(&w);
			json_key(&w, "facts");
			json_array_begin(&w);
			for (size_t k = 0; k < v->n_facts; k++) {
				const store_fact_change *c = &v->facts[k];
				json_object_begin(&w);
				json_kv_string(&w, "fact", c->fact);
				json_kv_string(&w, "before", c->before);
				json_kv_string(&w, "after", c->after);
				json_key(&w, "fix");
				if (c->fix_plan_id) {
					json_object_begin(&w);
					json_kv_int(&w, "plan_id", c->fix_plan_id);
					json_kv_int(&w, "step_id", c->fix_step_id);
					json_kv_string(&w, "step", c->fix_step);
					json_kv_time(&w, "at", c->fix_at);
					json_object_end(&w);
				} else {
					json_null(&w);
				}
				json_object_end(&w);
			}
			json_array_end(&w);
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
		strbuf_addc(out, '\n');
		return;
	}
	if (fmt == SCAN_FORMAT_CSV) {
		strbuf_adds(out, "vm,moref,change,what,before,after,fix_plan,fix_at\r\n");
		for (size_t i = 0; i < d->n_vms; i++) {
			const store_diff_vm *v = &d->vms[i];
			if (!all && v->change == STORE_DIFF_SAME)
				continue;
			const char *ch = history_diff_change_name(v->change);
#define ROW(what, a, b, plan, at) do { \
		strbuf_add_csv_field(out, v->name, false); strbuf_add_csv_field(out, v->moref, false); \
		strbuf_add_csv_field(out, ch, false); strbuf_add_csv_field(out, what, false); \
		strbuf_add_csv_field(out, a, false); strbuf_add_csv_field(out, b, false); \
		strbuf_add_csv_field(out, plan, false); strbuf_add_csv_field(out, at, true); } while (0)
			ROW("status", v->status_a, v->status_b, "", "");
			ROW("predicted_level", v->predicted_a, v->predicted_b, "", "");
			for (size_t k = 0; k < v->n_appeared; k++)
				ROW("finding", "", v->appeared[k], "", "");
			for (size_t k = 0; k < v->n_gone; k++)
				ROW("finding", v->gone[k], "", "", "");
			for (size_t k = 0; k < v->n_facts; k++) {
				const store_fact_change *c = &v->facts[k];
				char plan[32] = "";
				if (c->fix_plan_id)
					snprintf(plan, sizeof plan, "%lld", (long long)c->fix_plan_id);
				ROW(c->fact, c->before, c->after, plan,
				    c->fix_plan_id ? time_iso(c->fix_at, ta, sizeof ta, "-") : "");
			}
#undef ROW
		}
		return;
	}
	char la[32], lb[32];
	strbuf_addf(out, "scan #%lld (%s UTC, %s local, %s) -> scan #%lld (%s UTC, %s local, %s)\n",
		    (long long)d->scan_a, time_short(d->at_a, ta, sizeof ta),
		    time_local(d->at_a, la, sizeof la), d->vcenter_a, (long long)d->scan_b,
		    time_short(d->at_b, tb, sizeof tb), time_local(d->at_b, lb, sizeof lb),
		    d->vcenter_b);
	size_t shown = 0;
	for (size_t i = 0; i < d->n_vms; i++) {
		const store_diff_vm *v = &d->vms[i];
		if (!all && v->change == STORE_DIFF_SAME)
			continue;
		shown++;
		strbuf_addf(out, "\n%s (%s): ", v->name, v->moref);
		if (v->change == STORE_DIFF_ADDED) {
			strbuf_addf(out, "new, %s, predicted %s\n", v->status_b, v->predicted_b);
			continue;
		}
		if (v->change == STORE_DIFF_REMOVED) {
			strbuf_addf(out, "not in the second scan (was %s)\n", v->status_a);
			continue;
		}
		if (strcmp(v->status_a, v->status_b))
			strbuf_addf(out, "%s -> %s", v->status_a, v->status_b);
		else
			strbuf_addf(out, "%s", v->status_b);
		if (strcmp(v->predicted_a, v->predicted_b))
			strbuf_addf(out, ", predicted %s -> %s", v->predicted_a, v->predicted_b);
		strbuf_addc(out, '\n');
		for (size_t k = 0; k < v->n_gone; k++)
			strbuf_addf(out, "  - %s\n", v->gone[k]);
		for (size_t k = 0; k < v->n_appeared; k++)
			strbuf_addf(out, "  + %s\n", v->appeared[k]);
		for (size_t k = 0; k < v->n_facts; k++) {
			if (history_fact_is_noise(v->facts[k].fact))
				continue;
			strbuf_adds(out, "  ~ ");
			history_fact_change_text(out, &v->facts[k]);
			strbuf_addc(out, '\n');
		}
	}
	if (!shown)
		strbuf_adds(out, "\nno VM changed\n");
}

/* ---- trends ---- */

void history_trends_output(strbuf *out, const store_trend_point *p, size_t n, scan_format fmt)
{
	char t[32];
	if (fmt == SCAN_FORMAT_JSON) {
		json_writer w;
		json_writer_init(&w, out, true);
		json_object_begin(&w);
		json_key(&w, "trends");
		json_array_begin(&w);
		for (size_t i = 0; i < n; i++) {
			json_object_begin(&w);
			json_kv_int(&w, "scan_id", p[i].scan_id);
			json_kv_time(&w, "at", p[i].at);
			json_kv_string(&w, "vcenter", p[i].vcenter);
			json_kv_bool(&w, "partial", p[i].partial);
			json_kv_int(&w, "ready", p[i].ready);
			json_kv_int(&w, "fixable", p[i].fixable);
			json_kv_int(&w, "manual", p[i].manual);
			json_kv_int(&w, "unknown", p[i].unknown);
			json_kv_int(&w, "n/a", p[i].na);
			json_kv_int(&w, "total", p[i].total);
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
		strbuf_addc(out, '\n');
		return;
	}
	if (fmt == SCAN_FORMAT_CSV) {
		strbuf_adds(out, "scan_id,at,vcenter,partial,ready,fixable,manual,unknown,n/a,total\r\n");
		for (size_t i = 0; i < n; i++)
			strbuf_addf(out, "%lld,%s,%s,%d,%d,%d,%d,%d,%d,%d\r\n", (long long)p[i].scan_id,
				    time_iso(p[i].at, t, sizeof t, "-"), p[i].vcenter, p[i].partial,
				    p[i].ready, p[i].fixable, p[i].manual, p[i].unknown, p[i].na,
				    p[i].total);
		return;
	}
	strbuf_addf(out, "%-16s  %-6s  %5s  %7s  %6s  %7s  %4s  %5s\n", "SCAN (UTC)", "ID", "READY",
		    "FIXABLE", "MANUAL", "UNKNOWN", "N/A", "TOTAL");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%-16s  %-6lld  %5d  %7d  %6d  %7d  %4d  %5d%s\n",
			    time_short(p[i].at, t, sizeof t), (long long)p[i].scan_id,
			    p[i].ready, p[i].fixable, p[i].manual, p[i].unknown, p[i].na, p[i].total,
			    p[i].partial ? "  (partial)" : "");
}

void history_html_escape(strbuf *out, const char *s)
{
	char *clean = text_clean(s);   /* controls and broken UTF-8 first (util/text.h) */
	for (s = clean; s && *s; s++) {
		switch (*s) {
		case '&': strbuf_adds(out, "&amp;"); break;
		case '<': strbuf_adds(out, "&lt;"); break;
		case '>': strbuf_adds(out, "&gt;"); break;
		case '"': strbuf_adds(out, "&quot;"); break;
		case '\'': strbuf_adds(out, "&#39;"); break;
		default: strbuf_addc(out, *s); break;
		}
	}
	free(clean);
}

void history_trends_svg(strbuf *out, const store_trend_point *p, size_t n, int width, int height)
{
	static const struct { const char *name, *color; } st[] = {
		{ "ready", "#2e7d32" }, { "fixable", "#f9a825" }, { "manual", "#c62828" },
		{ "unknown", "#757575" }, { "n/a", "#b0bec5" },
	};
	int max = 1;
	for (size_t i = 0; i < n; i++)
		if (p[i].total > max)
			max = p[i].total;
	const int left = 40, bottom = 40, top = 10, legend = 120;
	int plot_w = width - left - legend, plot_h = height - top - bottom;
	strbuf_addf(out, "<svg width=\"%d\" height=\"%d\" "
		    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Readiness per scan\">\n",
		    width, height, width, height);
	strbuf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
		    left, top + plot_h, left + plot_w, top + plot_h);
	strbuf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
		    left, top, left, top + plot_h);
	strbuf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%d</text>\n",
		    left - 4, top + 10, max);
	strbuf_addf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">0</text>\n",
		    left - 4, top + plot_h);
	double slot = n ? (double)plot_w / (double)n : plot_w;
	double bw = slot * 0.7;
	for (size_t i = 0; i < n; i++) {
		int counts[5] = { p[i].ready, p[i].fixable, p[i].manual, p[i].unknown, p[i].na };
		double x = left + slot * (double)i + (slot - bw) / 2;
		double y = top + plot_h;
		for (int k = 0; k < 5; k++) {
			double h = (double)counts[k] * plot_h / max;
			if (counts[k] <= 0)
				continue;
			y -= h;
			strbuf_addf(out, "<rect class=\"bar-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				    "height=\"%.1f\" fill=\"%s\"><title>scan #%lld: %d %s</title></rect>\n",
				    k == 4 ? "na" : st[k].name, x, y, bw, h, st[k].color,
				    (long long)p[i].scan_id, counts[k], st[k].name);
		}
		strbuf_addf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">"
			    "#%lld</text>\n", x + bw / 2, top + plot_h + 14, (long long)p[i].scan_id);
	}
	for (int k = 0; k < 5; k++) {
		int lx = width - legend + 10, ly = top + 10 + k * 18;
		strbuf_addf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			    "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
			    lx, ly - 10, st[k].color, lx + 18, ly, st[k].name);
	}
	strbuf_adds(out, "</svg>\n");
}
