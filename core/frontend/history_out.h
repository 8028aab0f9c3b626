/* history_out: the history read back, as text for people (table), JSON and CSV; shared by
 * `quiescent history`, `quiescent report` and the console's history view. Everything is
 * appended to a caller's strbuf, so nothing half-written reaches stdout on error. Times are
 * printed in UTC (util/timefmt.h). */
#ifndef QUIESCENT_FRONTEND_HISTORY_OUT_H
#define QUIESCENT_FRONTEND_HISTORY_OUT_H

#include <time.h>

#include "frontend/format.h"
#include "store/store.h"
#include "util/json.h"
#include "util/strbuf.h"

/* The timeline. JSON: {"records":[{"kind","at","vcenter","vm","moref","outcome","summary",
 * "id","details":{...}}]}; CSV: kind,at,vcenter,vm,moref,outcome,id,summary. */
void history_list_output(strbuf *out, const store_history_entry *e, size_t n, scan_format fmt);
/* The same, a row at a time, for a timeline too long to hold (store_history_each): begin, a
 * row per entry, end. The table's VM column is vm_width wide (4..32). The caller may write out
 * and empty `out` between rows. */
typedef struct {
	strbuf *out;
	scan_format fmt;
	int vm_width;
	size_t rows;
	json_writer w;
} history_list_writer;
void history_list_begin(history_list_writer *lw, strbuf *out, scan_format fmt, int vm_width);
void history_list_row(history_list_writer *lw, const store_history_entry *e);
void history_list_end(history_list_writer *lw);

/* One stored record: JSON {"kind","id", <the record's columns>, <table>: [..]}; table:
 * "key: value" lines, then each table. CSV: table,row,column,value. */
void history_record_output(strbuf *out, const store_history_record *r, scan_format fmt);

/* "disk.EnableUUID: absent -> TRUE (fix #12, 2026-11-22 10:04)", in people's words: Tools
 * versions decoded ("VMware Tools: 11.3.5 -> 12.1.5"), times as dates, writers by name. */
void history_fact_change_text(strbuf *out, const store_fact_change *c);
/* Changes that only repeat another one or say nothing to a person (a writer's GUIDs, the
 * probe's error text, counters derived from the disks): left out of tables and reports,
 * kept in JSON and CSV. */
bool history_fact_is_noise(const char *fact);
/* What a fix step did, in words ("disk.EnableUUID set", "guest shut down"); the kind itself
 * when it is not known. */
const char *history_step_words(const char *kind);
const char *history_diff_change_name(store_diff_change c); /* "same", "changed", ... */

/* The diff of two scans; `all` also lists VMs that did not change. */
void history_diff_output(strbuf *out, const store_scan_diff *d, scan_format fmt, bool all);

/* Counts per status per scan. */
void history_trends_output(strbuf *out, const store_trend_point *p, size_t n, scan_format fmt);

/* Appends s escaped for HTML text and attribute values. */
void history_html_escape(strbuf *out, const char *s);
/* The trend as an inline SVG stacked bar chart (no script, no external reference). */
void history_trends_svg(strbuf *out, const store_trend_point *p, size_t n, int width, int height);

#endif
