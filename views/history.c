/* History: the timeline of scans (one line per VM), fixes and test snapshots, newest first,
 * with a small readiness chart; Enter opens the stored record as it was, c compares two scans
 * (the marked one, or the two newest), T shows the trend table, K cycles the kind, / edits the
 * filter (:history VM kind=.. outcome=.. since=.. until=..). Reads the history file only, and
 * always on a quiet job: the UI thread never waits for SQLite (a diff of 10,000 VMs takes time). */
#include "frontend/history_out.h"
#include "tui/jobs.h"
#include "tui/draw.h"
#include "tui/prompt.h"
#include "tui/term.h"
#include "util/xalloc.h"
#include "views/lines.h"
#include "views/view.h"
#include "util/timefmt.h"

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
	unsigned token;                 /* the read whose answer is awaited; older ones are dropped */
	bool reading;                   /* a read runs: the screen says so */
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

/* ---- reads, on a quiet job ---- */

typedef enum { HQ_LIST, HQ_RECORD, HQ_DIFF } hq_kind;

/* One read of the history: the question (filled on the UI thread), the answer (filled by the
 * job), then handed back to the UI thread whole. */
typedef struct {
	hq_kind kind;
	unsigned token;
	char *db_path;
	/* HQ_LIST */
	unsigned kinds;
	char *vm_glob, *outcome;
	time_t since, until;
	/* HQ_RECORD */
	store_history_kind rkind;
	int64_t id, item_id;
	char *vm;
	/* HQ_DIFF: a, b (0 and 0: the last two scans) */
	int64_t a, b;
	/* the answer */
	char *error;                    /* NULL: it worked */
	bool info;                      /* error is news, not a failure */
	store_history_entry *e;
	size_t n;
	store_trend_point *trend;
	size_t n_trend;
	char *title, *text;
} hq;

static void hq_free(void *p)
{
	hq *q = p;
	if (!q)
		return;
	free(q->db_path);
	free(q->vm_glob);
	free(q->outcome);
	free(q->vm);
	free(q->error);
	store_history_list_free(q->e, q->n);
	free(q->trend);
	free(q->title);
	free(q->text);
	free(q);
}

/* The newest records the list holds: a year of daily scans of a large estate is millions of
 * rows, which nobody scrolls; past this the status line says to narrow the view. */
#define HISTORY_VIEW_MAX 20000

static void hq_read(hq *q)
{
	char err[512];
	store *s = store_open(q->db_path, err, sizeof err);
	if (!s) {
		q->error = xstrdup(err);
		return;
	}
	if (q->kind == HQ_LIST) {
		store_history_filter f = { .kinds = q->kinds, .vm_glob = q->vm_glob, .outcome = q->outcome,
					   .since = q->since, .until = q->until,
					   .limit = HISTORY_VIEW_MAX };
		if (store_history_list(s, &f, &q->e, &q->n, err, sizeof err) != 0)
			q->error = xstrdup(err);
		store_history_filter tf = { .since = q->since, .until = q->until, .limit = 200 };
		if (!q->error && store_history_trends(s, &tf, &q->trend, &q->n_trend, err, sizeof err) != 0)
			q->error = xstrdup(err);
	} else if (q->kind == HQ_RECORD) {
		store_history_record r;
		int k = store_history_record_get(s, q->rkind, q->id, q->item_id, &r, err, sizeof err);
		if (k <= 0) {
			q->error = xstrdup(k < 0 ? err : "that record is no longer in the history");
		} else {
			strbuf sb;
			strbuf_init(&sb);
			history_record_output(&sb, &r, SCAN_FORMAT_TABLE);
			if (r.manifest_len)
				strbuf_addf(&sb, "\nstored manifest: %zu bytes (quiescent history --show snaptest:%lld "
					    "--format json)\n", r.manifest_len, (long long)r.id);
			q->title = xasprintf("%s #%lld: %s (as stored; Esc goes back)",
					     store_history_kind_name(q->rkind), (long long)q->id, q->vm);
			q->text = xstrdup(sb.buf);
			strbuf_done(&sb);
			store_history_record_done(&r);
		}
	} else {
		int k = 1;
		if (!q->a || !q->b)
			k = store_history_last_two_scans(s, NULL, &q->a, &q->b, err, sizeof err);
		store_scan_diff d;
		if (k <= 0) {
			q->info = k == 0;
			q->error = xstrdup(k < 0 ? err : "fewer than two scans in the history: nothing to compare");
		} else if (store_history_diff(s, q->a, q->b, q->vm_glob, &d, err, sizeof err) != 0) {
			q->error = xstrdup(err);
		} else {
			strbuf sb;
			strbuf_init(&sb);
			history_diff_output(&sb, &d, SCAN_FORMAT_TABLE, false);
			q->title = xasprintf("Compare scan #%lld with scan #%lld (Esc goes back)", (long long)q->a,
					     (long long)q->b);
			q->text = xstrdup(sb.buf);
			strbuf_done(&sb);
			store_scan_diff_done(&d);
		}
	}
	store_close(s);
}

static void set_text(hist *h, const char *title, const char *text);

/* UI thread: the answer of a read (dropped when a newer one was asked for). */
static void hq_apply(ui *u, void *data)
{
	hq *q = data;
	hist *h = u->v_history->priv;
	if (q->token != h->token) {
		hq_free(q);
		return;
	}
	h->reading = false;
	if (q->error) {
		ui_message(u, q->info ? LOG_INFO : LOG_ERROR, "%s", q->error);
	} else if (q->kind == HQ_LIST) {
		store_history_list_free(h->e, h->n);
		free(h->trend);
		h->e = q->e;
		h->n = q->n;
		h->trend = q->trend;
		h->n_trend = q->n_trend;
		q->e = NULL;
		q->n = 0;
		q->trend = NULL;
		listw_set_count(&u->v_history->list, h->n);
	} else {
		set_text(h, q->title, q->text);
	}
	u->dirty = true;
	hq_free(q);
}

static void hq_job(job *j, void *arg)
{
	hq *q = arg;
	hq_read(q);
	job_post_call(j, hq_apply, q, hq_free);
}

/* Starts a read; its answer replaces what the view shows. q is taken over. */
static void hq_start(view *v, ui *u, hq *q)
{
	hist *h = v->priv;
	if (!u->db_path) {
		ui_message(u, LOG_ERROR, "no history file (--db or QUIESCENT_DB)");
		hq_free(q);
		return;
	}
	q->db_path = xstrdup(u->db_path);
	q->token = ++h->token;
	h->reading = true;
	/* the job frees nothing: the answer (q itself) goes to hq_apply, or hq_free if undelivered */
	if (job_start_flags(u, "history", NULL, JOB_QUIET, hq_job, q, NULL) < 0) {
		h->reading = false;
		hq_free(q);
	}
}

static void reload(view *v, ui *u)
{
	hist *h = v->priv;
	h->loaded = true;
	hq *q = xcalloc(1, sizeof *q);
	q->kind = HQ_LIST;
	q->kinds = h->kinds;
	q->vm_glob = xstrdup(h->vm_glob);
	q->outcome = xstrdup(h->outcome);
	q->since = h->since;
	q->until = h->until;
	hq_start(v, u, q);
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

/* The readiness chart: one column per full scan (the newest that fit; a scan limited with --vm
 * would read as a collapse), its height the share of ready VMs, CHART_ROWS rows high, with its
 * scale; the last line says the numbers of the newest full scan. */
static void draw_chart(hist *h, int y, int w)
{
	for (int r = 0; r < CHART_ROWS + 1; r++)
		draw_fill(y + r, 0, w, A_NORMAL);
	int x0 = 14;
	draw_str(y, 0, x0, "Ready share", term_attr(TE_SECTION));
	draw_str(y + 1, 0, x0, "per full scan", term_attr(TE_DIM));
	size_t n_full = 0;
	for (size_t i = 0; i < h->n_trend; i++)
		n_full += !h->trend[i].partial;
	if (!n_full) {
		draw_str(y, x0, w - x0, "no full scan in the history yet", term_attr(TE_DIM));
		return;
	}
	draw_str(y, x0, 5, "100%", term_attr(TE_DIM));
	draw_str(y + CHART_ROWS - 1, x0, 5, "  0%", term_attr(TE_DIM));
	x0 += 5;
	int cols = (w - x0 - 2) / 2;
	size_t skip = n_full > (size_t)cols ? n_full - (size_t)cols : 0;
	const store_trend_point *last = NULL;
	int x = x0;
	for (size_t i = 0; i < h->n_trend; i++) {
		const store_trend_point *p = &h->trend[i];
		if (p->partial)
			continue;
		last = p;
		if (skip) {
			skip--;
			continue;
		}
		int filled = p->total ? (p->ready * CHART_ROWS * 2 + p->total) / (p->total * 2) : 0;
		if (p->total && p->ready && !filled)
			filled = 1;
		for (int r = 0; r < CHART_ROWS; r++) {
			bool on = CHART_ROWS - r <= filled;
			draw_str(y + r, x, 1, on ? term_glyph()->bar_full : term_glyph()->bar_empty,
				 term_attr(on ? TE_READY : TE_DIM));
		}
		x += 2;
	}
	if (!last)
		return;
	char buf[200], tb[32];
	snprintf(buf, sizeof buf, "newest full scan #%lld %s: ready %d, fixable %d, manual %d, unknown %d, "
		 "n/a %d of %d", (long long)last->scan_id, time_short(last->at, tb, sizeof tb),
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

/* The cursor's line when its WHAT is cut: whole, wrapped, under the list (as the message log
 * does); returns the rows it took, 0 when it fits. */
static int draw_whole(view *v, hist *h, int y, int height, int w, int what_x)
{
	if (v->list.cursor >= h->n || height < 10)
		return 0;
	const store_history_entry *e = &h->e[v->list.cursor];
	if (draw_width(e->summary) <= w - what_x)
		return 0;
	vlines l = { 0 };
	vlines_wrap(&l, TE_NORMAL, 2, 2, w - 2, e->summary);
	int rows = (int)l.n < 4 ? (int)l.n : 4;
	draw_fill(y + height - rows - 1, 0, w, term_attr(TE_HEADER));
	draw_str(y + height - rows - 1, 1, w - 1, "the whole line", term_attr(TE_HEADER));
	vlines_draw(&l, 0, y + height - rows, rows, w);
	vlines_free(&l);
	return rows + 1;
}

static void hist_draw(view *v, ui *u, int y, int height, int w)
{
	hist *h = v->priv;
	if (!h->loaded)
		reload(v, u); /* starts the read; the answer comes as a message */
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
	int wvm = w >= 100 ? 24 : 16;
	bool local = w >= 130; /* the local time beside UTC where the summary keeps its room */
	height -= draw_whole(v, h, y, height, w, 16 + 2 + (local ? 19 : 0) + 8 + 2 + wvm + 2);
	draw_fill(y, 0, w, term_attr(TE_HEADER));
	char buf[512], tb[32], lt[32];
	snprintf(buf, sizeof buf, "%-16s  %s%-8s  %-*s  %s", "AT (UTC)",
		 local ? "LOCAL              " : "", "KIND", wvm, "VM", "WHAT");
	draw_str(y, 0, w, buf, term_attr(TE_HEADER));
	v->list.height = height - 1 > 0 ? height - 1 : 1;
	listw_set_count(&v->list, h->n);
	listw_fit(&v->list); /* the cursor stays above its whole line */
	for (int r = 0; r < height - 1; r++) {
		int row = y + 1 + r;
		size_t i = v->list.top + (size_t)r;
		draw_fill(row, 0, w, A_NORMAL);
		if (i >= h->n) {
			if (i == 0)
				draw_str(row, 2, w - 2, h->reading ? "reading the history..."
					 : "no history matches (scans, fixes and tests appear here; "
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
			snprintf(lcol, sizeof lcol, "%-17s  ", time_local(e->at, lt, sizeof lt));
		snprintf(buf, sizeof buf, "%-16s%s %s%-8s  ", time_short(e->at, tb, sizeof tb),
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
	hq *q = xcalloc(1, sizeof *q);
	q->kind = HQ_RECORD;
	q->rkind = e->kind;
	q->id = e->id;
	q->item_id = e->kind == STORE_HISTORY_SNAPTEST ? 0 : e->item_id;
	q->vm = xstrdup(e->vm);
	hq_start(v, u, q);
}

static void compare(view *v, ui *u)
{
	hist *h = v->priv;
	hq *q = xcalloc(1, sizeof *q);
	q->kind = HQ_DIFF;
	q->vm_glob = xstrdup(h->vm_glob);
	const store_history_entry *e = v->list.cursor < h->n ? &h->e[v->list.cursor] : NULL;
	if (h->marked_scan && e && e->kind == STORE_HISTORY_SCAN && e->id != h->marked_scan) {
		q->a = h->marked_scan < e->id ? h->marked_scan : e->id;
		q->b = h->marked_scan < e->id ? e->id : h->marked_scan;
	}
	hq_start(v, u, q);
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
			strbuf_addf(&sb, " since=%s", time_iso(h->since, tb, sizeof tb, "-"));
		if (h->until)
			strbuf_addf(&sb, " until=%s", time_iso(h->until, tb, sizeof tb, "-"));
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
	snprintf(buf, n, "%s%zu records%s  kind:%s%s%s%s%s%s", h->reading ? "reading...  " : "", h->n,
		 h->n >= HISTORY_VIEW_MAX ? " (the newest: narrow with :history VM since=T kind=K)" : "",
		 kind_label(h->kinds),
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
		} else if (!strncmp(a, "since=", 6) && time_parse_user(a + 6, now, &since) == 0) {
		} else if (!strncmp(a, "until=", 6) && time_parse_user(a + 6, now, &until) == 0) {
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
