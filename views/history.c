/* History: the timeline of scans (one line per VM), fixes and test snapshots, newest first,
 * with a small readiness chart; Enter opens the stored record as it was, c compares two scans
 * (the marked one, or the two newest), T shows the trend table, K cycles the kind, / edits the
 * filter (:history VM kind=.. outcome=.. since=.. until=..). Reads the history file only. */
#include "cli/history_out.h"
#include "tui/draw.h"
#include "tui/prompt.h"
#include "tui/term.h"
#include "util/xalloc.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_ROWS 3

typedef struct {
	char *vm_glob, *outcome;
	time_t since, until;
	unsigned kinds;                 /* 0: all */
	store_history_entry *e;
	size_t n;
	store_trend_point *trend;
	size_t n_trend;
	int64_t marked_scan;            /* the scan to compare with, 0 none */
	bool text_mode;                 /* a record, a diff or the trend table is shown */
	char *text_title;
	char **lines;
	size_t n_lines;
	listw text;                     /* scrolling of the text */
	bool loaded;
} hist;

static void free_lines(hist *h)
{
	for (size_t i = 0; i < h->n_lines; i++)
		free(h->lines[i]);
	free(h->lines);
	h->lines = NULL;
	h->n_lines = 0;
	free(h->text_title);
	h->text_title = NULL;
}

static void set_text(hist *h, const char *title, const char *text)
{
	free_lines(h);
	h->text_title = xstrdup(title);
	size_t cap = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		h->lines = xgrow(h->lines, &cap, h->n_lines + 1, sizeof *h->lines);
		h->lines[h->n_lines++] = xstrndup(p, len);
		p += len;
		if (*p == '\n')
			p++;
	}
	h->text = (listw){ .no_cursor = true };
	h->text_mode = true;
}

static store *open_db(ui *u)
{
	char err[512];
	if (!u->db_path) {
		ui_message(u, LOG_ERROR, "no history file (--db or QUIESCENT_DB)");
		return NULL;
	}
	store *s = store_open(u->db_path, err, sizeof err);
	if (!s)
		ui_message(u, LOG_ERROR, "%s", err);
	return s;
}

static void reload(view *v, ui *u)
{
	hist *h = v->priv;
	char err[512];
	store *s = open_db(u);
	h->loaded = true;
	if (!s)
		return;
	store_history_filter f = { .kinds = h->kinds, .vm_glob = h->vm_glob, .outcome = h->outcome,
				   .since = h->since, .until = h->until };
	store_history_list_free(h->e, h->n);
	h->e = NULL;
	h->n = 0;
	if (store_history_list(s, &f, &h->e, &h->n, err, sizeof err) != 0)
		ui_message(u, LOG_ERROR, "%s", err);
	free(h->trend);
	h->trend = NULL;
	h->n_trend = 0;
	store_history_filter tf = { .since = h->since, .until = h->until, .limit = 200 };
	if (store_history_trends(s, &tf, &h->trend, &h->n_trend, err, sizeof err) != 0)
		ui_message(u, LOG_ERROR, "%s", err);
	store_close(s);
	listw_set_count(&v->list, h->n);
}

static const char *kind_label(unsigned kinds)
{
	switch (kinds) {
	case STORE_HISTORY_SCAN: return "scans";
	case STORE_HISTORY_FIX: return "fixes";
	case STORE_HISTORY_SNAPTEST: return "tests";
	default: return "all";
	}
}

static term_elem outcome_elem(const char *o)
{
	if (!strcmp(o, "ready") || !strcmp(o, "fixed") || !strcmp(o, "success"))
		return TE_READY;
	if (!strcmp(o, "fixable") || !strcmp(o, "partial") || !strcmp(o, "running"))
		return TE_FIXABLE;
	if (!strcmp(o, "manual") || !strcmp(o, "failed") || !strcmp(o, "orphan"))
		return TE_MANUAL;
	if (!strcmp(o, "n/a") || !strcmp(o, "skipped") || !strcmp(o, "cancelled"))
		return TE_NA;
	return TE_UNKNOWN;
}

/* The readiness chart: one column per scan (the newest that fit), its height the share of
 * ready VMs, CHART_ROWS rows high; the last line says the numbers of the newest scan. */
static void draw_chart(hist *h, int y, int w)
{
	for (int r = 0; r < CHART_ROWS + 1; r++)
		draw_fill(y + r, 0, w, A_NORMAL);
	int x0 = 14;
	draw_str(y, 0, x0, "Ready share", term_attr(TE_SECTION));
	draw_str(y + 1, 0, x0, "per scan", term_attr(TE_DIM));
	if (!h->n_trend) {
		draw_str(y, x0, w - x0, "no scan in the history yet", term_attr(TE_DIM));
		return;
	}
	int cols = (w - x0 - 2) / 2;
	size_t first = h->n_trend > (size_t)cols ? h->n_trend - (size_t)cols : 0;
	for (size_t i = first; i < h->n_trend; i++) {
		const store_trend_point *p = &h->trend[i];
		int x = x0 + 2 * (int)(i - first);
		int filled = p->total ? (p->ready * CHART_ROWS * 2 + p->total) / (p->total * 2) : 0;
		if (p->total && p->ready && !filled)
			filled = 1;
		for (int r = 0; r < CHART_ROWS; r++) {
			bool on = CHART_ROWS - r <= filled;
			draw_str(y + r, x, 1, on ? term_glyph()->bar_full : term_glyph()->bar_empty,
				 term_attr(on ? TE_READY : TE_DIM));
		}
	}
	const store_trend_point *last = &h->trend[h->n_trend - 1];
	char buf[160], tb[32];
	snprintf(buf, sizeof buf, "newest scan #%lld %s: ready %d, fixable %d, manual %d, unknown %d, "
		 "n/a %d of %d", (long long)last->scan_id, history_short_time(last->at, tb, sizeof tb),
		 last->ready, last->fixable, last->manual, last->unknown, last->na, last->total);
	draw_str(y + CHART_ROWS, 0, w, buf, term_attr(TE_DIM));
}

static void draw_text_mode(view *v, hist *h, int y, int height, int w)
{
	draw_fill(y, 0, w, term_attr(TE_HEADER));
	draw_str(y, 0, w, h->text_title, term_attr(TE_HEADER));
	h->text.height = height - 1 > 0 ? height - 1 : 1;
	listw_set_count(&h->text, h->n_lines);
	for (int r = 0; r < height - 1; r++) {
		size_t i = h->text.top + (size_t)r;
		draw_fill(y + 1 + r, 0, w, A_NORMAL);
		if (i >= h->n_lines)
			continue;
		const char *l = h->lines[i];
		attr_t a = A_NORMAL;
		if (l[0] && l[0] != ' ')
			a = term_attr(TE_SECTION);
		else if (!strncmp(l, "  + ", 4))
			a = term_attr(TE_MANUAL);
		else if (!strncmp(l, "  - ", 4))
			a = term_attr(TE_READY);
		else if (!strncmp(l, "  ~ ", 4))
			a = term_attr(TE_CHANGED);
		draw_text(y + 1 + r, 0, w, l, a, ALIGN_LEFT);
	}
}

static void hist_draw(view *v, ui *u, int y, int height, int w)
{
	hist *h = v->priv;
	if (!h->loaded)
		reload(v, u);
	if (h->text_mode) {
		draw_text_mode(v, h, y, height, w);
		return;
	}
	int chart = height >= 12 ? CHART_ROWS + 2 : 0;
	if (chart) {
		draw_chart(h, y, w);
		draw_fill(y + chart - 1, 0, w, A_NORMAL);
	}
	y += chart;
	height -= chart;
	draw_fill(y, 0, w, term_attr(TE_HEADER));
	int wvm = w >= 100 ? 24 : 16;
	bool local = w >= 130; /* the local time beside UTC where the summary keeps its room */
	char buf[512], tb[32], lt[32];
	snprintf(buf, sizeof buf, "%-16s  %s%-8s  %-*s  %s", "AT (UTC)",
		 local ? "LOCAL              " : "", "KIND", wvm, "VM", "WHAT");
	draw_str(y, 0, w, buf, term_attr(TE_HEADER));
	v->list.height = height - 1 > 0 ? height - 1 : 1;
	listw_set_count(&v->list, h->n);
	for (int r = 0; r < height - 1; r++) {
		int row = y + 1 + r;
		size_t i = v->list.top + (size_t)r;
		draw_fill(row, 0, w, A_NORMAL);
		if (i >= h->n) {
			if (i == 0)
				draw_str(row, 2, w - 2, "no history matches (scans, fixes and tests appear here; "
					 "/ changes the filter)", term_attr(TE_DIM));
			continue;
		}
		const store_history_entry *e = &h->e[i];
		bool cur = i == v->list.cursor;
		attr_t base = cur ? term_attr(TE_CURSOR) : A_NORMAL;
		draw_fill(row, 0, w, base);
		bool marked = e->kind == STORE_HISTORY_SCAN && e->id == h->marked_scan;
		char lcol[40] = "";
		if (local)
			snprintf(lcol, sizeof lcol, "%-17s  ", history_local_time(e->at, lt, sizeof lt));
		snprintf(buf, sizeof buf, "%-16s%s %s%-8s  ", history_short_time(e->at, tb, sizeof tb),
			 marked ? "*" : " ", lcol, store_history_kind_name(e->kind));
		int x = draw_str(row, 0, w, buf, base | (marked ? term_attr(TE_MARK) : 0));
		x += draw_text(row, x, wvm, e->vm, base, ALIGN_LEFT);
		x += draw_str(row, x, w - x, "  ", base);
		const char *colon = strchr(e->summary, ':');
		size_t olen = colon ? (size_t)(colon - e->summary) : 0;
		if (olen && olen < 32) {
			snprintf(buf, sizeof buf, "%.*s", (int)olen, e->summary);
			x += draw_str(row, x, w - x, buf, base | term_attr(outcome_elem(e->outcome)));
			draw_text(row, x, w - x, colon, base, ALIGN_LEFT);
		} else {
			draw_text(row, x, w - x, e->summary, base, ALIGN_LEFT);
		}
	}
}

static void open_record(view *v, ui *u)
{
	hist *h = v->priv;
	if (v->list.cursor >= h->n)
		return;
	const store_history_entry *e = &h->e[v->list.cursor];
	store *s = open_db(u);
	if (!s)
		return;
	char err[512];
	store_history_record r;
	int k = store_history_record_get(s, e->kind, e->id, e->kind == STORE_HISTORY_SNAPTEST ? 0 : e->item_id,
					 &r, err, sizeof err);
	store_close(s);
	if (k <= 0) {
		ui_message(u, LOG_ERROR, "%s", k < 0 ? err : "that record is no longer in the history");
		return;
	}
	strbuf sb;
	strbuf_init(&sb);
	history_record_output(&sb, &r, SCAN_FORMAT_TABLE);
	if (r.manifest_len)
		strbuf_addf(&sb, "\nstored manifest: %zu bytes (quiescent history --show snaptest:%lld "
			    "--format json)\n", r.manifest_len, (long long)r.id);
	char title[300];
	snprintf(title, sizeof title, "%s #%lld: %s (as stored; Esc goes back)",
		 store_history_kind_name(e->kind), (long long)e->id, e->vm);
	set_text(h, title, sb.buf);
	strbuf_done(&sb);
	store_history_record_done(&r);
}

static void compare(view *v, ui *u)
{
	hist *h = v->priv;
	int64_t a = 0, b = 0;
	char err[512];
	store *s = open_db(u);
	if (!s)
		return;
	const store_history_entry *e = v->list.cursor < h->n ? &h->e[v->list.cursor] : NULL;
	if (h->marked_scan && e && e->kind == STORE_HISTORY_SCAN && e->id != h->marked_scan) {
		a = h->marked_scan < e->id ? h->marked_scan : e->id;
		b = h->marked_scan < e->id ? e->id : h->marked_scan;
	} else {
		int k = store_history_last_two_scans(s, NULL, &a, &b, err, sizeof err);
		if (k <= 0) {
			ui_message(u, k < 0 ? LOG_ERROR : LOG_INFO, "%s",
				   k < 0 ? err : "fewer than two scans in the history: nothing to compare");
			store_close(s);
			return;
		}
	}
	store_scan_diff d;
	if (store_history_diff(s, a, b, h->vm_glob, &d, err, sizeof err) != 0) {
		ui_message(u, LOG_ERROR, "%s", err);
		store_close(s);
		return;
	}
	store_close(s);
	strbuf sb;
	strbuf_init(&sb);
	history_diff_output(&sb, &d, SCAN_FORMAT_TABLE, false);
	char title[128];
	snprintf(title, sizeof title, "Compare scan #%lld with scan #%lld (Esc goes back)",
		 (long long)a, (long long)b);
	set_text(h, title, sb.buf);
	strbuf_done(&sb);
	store_scan_diff_done(&d);
}

static void show_trends(view *v, ui *u)
{
	hist *h = v->priv;
	strbuf sb;
	strbuf_init(&sb);
	history_trends_output(&sb, h->trend, h->n_trend, SCAN_FORMAT_TABLE);
	set_text(h, "Readiness per scan, oldest first (Esc goes back)", sb.buf);
	strbuf_done(&sb);
}

static unsigned hist_request(view *v, ui *u, action a)
{
	hist *h = v->priv;
	if (h->text_mode) {
		listw_set_count(&h->text, h->n_lines);
		if (listw_request(&h->text, a))
			return VR_REDRAW;
		if (a == ACTION_BACK) {
			h->text_mode = false;
			free_lines(h);
			return VR_REDRAW;
		}
		return VR_UNHANDLED;
	}
	listw_set_count(&v->list, h->n);
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	switch (a) {
	case ACTION_OPEN:
		open_record(v, u);
		return VR_REDRAW;
	case ACTION_MARK: {
		const store_history_entry *e = v->list.cursor < h->n ? &h->e[v->list.cursor] : NULL;
		if (!e || e->kind != STORE_HISTORY_SCAN) {
			ui_message(u, LOG_INFO, "mark a scan line to compare it (c) with another");
			return VR_REDRAW;
		}
		h->marked_scan = h->marked_scan == e->id ? 0 : e->id;
		if (h->marked_scan)
			ui_message(u, LOG_INFO, "scan #%lld marked: c on another scan compares them",
				   (long long)e->id);
		return VR_REDRAW;
	}
	case ACTION_COMPARE:
		compare(v, u);
		return VR_REDRAW;
	case ACTION_TRENDS:
		show_trends(v, u);
		return VR_REDRAW;
	case ACTION_NEXT_KIND:
		h->kinds = h->kinds == 0 ? STORE_HISTORY_SCAN : h->kinds == STORE_HISTORY_SCAN
			   ? STORE_HISTORY_FIX : h->kinds == STORE_HISTORY_FIX ? STORE_HISTORY_SNAPTEST : 0;
		reload(v, u);
		return VR_REDRAW;
	case ACTION_RESCAN:
		reload(v, u);
		return VR_REDRAW;
	case ACTION_FILTER: {
		strbuf sb;
		strbuf_init(&sb);
		strbuf_adds(&sb, "history");
		if (h->vm_glob)
			strbuf_addf(&sb, " %s", h->vm_glob);
		if (h->kinds)
			strbuf_addf(&sb, " kind=%s", store_history_kind_name((store_history_kind)h->kinds));
		if (h->outcome)
			strbuf_addf(&sb, " outcome=%s", h->outcome);
		char tb[32];
		if (h->since)
			strbuf_addf(&sb, " since=%s", history_iso_time(h->since, tb, sizeof tb));
		if (h->until)
			strbuf_addf(&sb, " until=%s", history_iso_time(h->until, tb, sizeof tb));
		strbuf_addc(&sb, ' ');
		prompt_open(':', sb.buf);
		strbuf_done(&sb);
		return VR_REDRAW;
	}
	case ACTION_FILTER_CLEAR:
		free(h->vm_glob);
		free(h->outcome);
		h->vm_glob = h->outcome = NULL;
		h->kinds = 0;
		h->since = h->until = 0;
		reload(v, u);
		return VR_REDRAW;
	default:
		return VR_UNHANDLED;
	}
}

static void hist_status(view *v, ui *u, char *buf, size_t n)
{
	hist *h = v->priv;
	if (h->text_mode) {
		snprintf(buf, n, "%zu lines", h->n_lines);
		return;
	}
	char mark[40] = "";
	if (h->marked_scan)
		snprintf(mark, sizeof mark, "  marked scan #%lld", (long long)h->marked_scan);
	snprintf(buf, n, "%zu records  kind:%s%s%s%s%s%s", h->n, kind_label(h->kinds),
		 h->vm_glob ? "  vm:" : "", h->vm_glob ? h->vm_glob : "",
		 h->outcome ? "  outcome:" : "", h->outcome ? h->outcome : "", mark);
}

static void hist_open(view *v, ui *u)
{
	reload(v, u);
}

static void hist_free(view *v)
{
	hist *h = v->priv;
	free_lines(h);
	store_history_list_free(h->e, h->n);
	free(h->trend);
	free(h->vm_glob);
	free(h->outcome);
	free(h);
}

static const view_ops hist_ops = {
	.name = "history",
	.keys = KMV_HISTORY,
	.draw = hist_draw,
	.request = hist_request,
	.status = hist_status,
	.open = hist_open,
	.free = hist_free,
};

view *history_view_new(void)
{
	return view_new(&hist_ops, "History", xcalloc(1, sizeof(hist)));
}

void history_view_command(ui *u, int argc, char **argv)
{
	view *v = u->v_history;
	hist *h = v->priv;
	char *glob = NULL, *outcome = NULL;
	unsigned kinds = 0;
	time_t since = 0, until = 0, now = time(NULL);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		store_history_kind k;
		if (!strncmp(a, "kind=", 5) && store_history_kind_parse(a + 5, &k)) {
			kinds = (unsigned)k;
		} else if (!strncmp(a, "outcome=", 8) && a[8]) {
			xstrset(&outcome, a + 8);
		} else if (!strncmp(a, "since=", 6) && history_parse_time(a + 6, now, &since) == 0) {
		} else if (!strncmp(a, "until=", 6) && history_parse_time(a + 6, now, &until) == 0) {
		} else if (!strchr(a, '=') && !glob) {
			glob = xstrdup(a);
		} else {
			ui_message(u, LOG_ERROR, "usage: :history [VM-GLOB] [kind=scan|fix|snaptest] "
				   "[outcome=WORD] [since=T] [until=T] (T: 2026-11-22, 7d, 12h)");
			free(glob);
			free(outcome);
			return;
		}
	}
	free(h->vm_glob);
	free(h->outcome);
	h->vm_glob = glob;
	h->outcome = outcome;
	h->kinds = kinds;
	h->since = since;
	h->until = until;
	h->text_mode = false;
	free_lines(h);
	v->list.cursor = v->list.top = 0;
	ui_push(u, v);
	reload(v, u);
}

void history_view_show_vm(ui *u)
{
	view *top = ui_top(u);
	fleet_vm *fv = top == u->v_vms || top == u->v_detail ? vms_view_current(u->v_vms, u) : NULL;
	char *argv[2] = { "history", fv && fv->f.name ? fv->f.name : NULL };
	history_view_command(u, argv[1] ? 2 : 1, argv);
}
