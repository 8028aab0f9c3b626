/* The VM list: one row per VM, the summary bar, sort, filter, marks. */
#include "proof/proof.h"
#include "rules/rules.h"
#include "tui/draw.h"
#include "tui/filter.h"
#include "tui/term.h"
#include "tui/vmorder.h"
#include "util/xalloc.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { COL_MARK, COL_NAME, COL_POWER, COL_OS, COL_TOOLS, COL_BEST, COL_PRED, COL_STATUS,
	       COL_TEST, COL_DC, COL_CLUSTER, COL_HOST, COL_FOLDER, COL_FINDING, COL_VCENTER, NCOLS } column;

static const struct {
	const char *name;   /* for :sort */
	const char *title;
	int width;          /* fixed width; 0: flexible */
	int min;
	int drop;           /* dropped first when the terminal is narrow: higher drops earlier */
} cols[NCOLS] = {
	[COL_MARK] = { "mark", "", 1, 1, 0 },
	[COL_NAME] = { "name", "NAME", 0, 16, 0 },
	[COL_POWER] = { "power", "POWER", 5, 5, 4 },
	[COL_OS] = { "os", "OS", 10, 10, 6 },
	[COL_TOOLS] = { "tools", "TOOLS", 8, 8, 7 },
	[COL_BEST] = { "best", "BEST", 5, 5, 5 },
	[COL_PRED] = { "predicted", "PRED", 5, 5, 2 },
	[COL_STATUS] = { "status", "STATUS", 7, 7, 1 },
	[COL_TEST] = { "test", "LAST TEST", 12, 12, 8 }, /* a tie with CLUSTER: TEST drops first */
	/* where the VM lives: shown when the terminal is wide and some VM has the fact */
	[COL_DC] = { "datacenter", "DC", 10, 10, 9 },
	[COL_CLUSTER] = { "cluster", "CLUSTER", 12, 12, 8 },
	[COL_HOST] = { "host", "HOST", 14, 14, 10 },
	[COL_FOLDER] = { "folder", "FOLDER", 18, 18, 11 },
	[COL_FINDING] = { "finding", "TOP FINDING", 0, 18, 3 },
	/* drawn right after NAME (column_order), shown with several vCenters only */
	[COL_VCENTER] = { "vcenter", "VCENTER", 16, 16, 4 },
};

/* Left to right on the screen (the enum keeps the older columns' numbers). */
static const column column_order[NCOLS] = { COL_MARK, COL_NAME, COL_VCENTER, COL_POWER, COL_OS,
					    COL_TOOLS, COL_BEST, COL_PRED, COL_STATUS, COL_TEST,
					    COL_DC, COL_CLUSTER, COL_HOST, COL_FOLDER, COL_FINDING };

/* The order's key of each sortable column. */
static const vmorder_key sort_key[NCOLS] = {
	[COL_NAME] = VMO_NAME, [COL_POWER] = VMO_POWER, [COL_OS] = VMO_OS, [COL_TOOLS] = VMO_TOOLS,
	[COL_BEST] = VMO_BEST, [COL_PRED] = VMO_PREDICTED, [COL_STATUS] = VMO_STATUS,
	[COL_TEST] = VMO_TEST, [COL_DC] = VMO_DATACENTER, [COL_CLUSTER] = VMO_CLUSTER,
	[COL_HOST] = VMO_HOST, [COL_FOLDER] = VMO_FOLDER, [COL_FINDING] = VMO_FINDING,
	[COL_VCENTER] = VMO_VCENTER,
};

static const char *const column_names[] = { "name", "power", "os", "tools", "best", "predicted",
					    "status", "test", "datacenter", "cluster", "host", "folder", "finding",
					    "vcenter", NULL };

/* The ui whose vCenter names the VCENTER column shows (set by the UI thread before sorting
 * and drawing). */
static const ui *names_ui;

static const char *vcenter_name(const void *u, unsigned vc)
{
	return ui_vcenter_name(u, vc);
}

/* The location columns, and :group's keys. */
static const char *location_of(const fleet_vm *vm, column c)
{
	switch (c) {
	case COL_VCENTER: return names_ui ? ui_vcenter_name(names_ui, vm->vc) : NULL;
	case COL_DC: return vm->f.datacenter;
	case COL_CLUSTER: return vm->f.cluster;
	case COL_HOST: return vm->f.host;
	case COL_FOLDER: return vm->f.folder;
	default: return NULL;
	}
}

/* A folder path cut to width keeps its end, the folder's own name: "…vm/Production/SQL". */
static const char *path_tail(const char *path, int width, char *buf, size_t size)
{
	if (width < 2 || draw_width(path) <= width)
		return path;
	const char *t = path;
	while (*t && draw_width(t) > width - 1)
		do
			t++;
		while ((*t & 0xC0) == 0x80); /* whole UTF-8 characters */
	snprintf(buf, size, "%s%s", term_glyph()->ellipsis, t);
	return buf;
}

static bool is_location(column c)
{
	return c == COL_DC || c == COL_CLUSTER || c == COL_HOST || c == COL_FOLDER || c == COL_VCENTER;
}

typedef struct {
	vmorder *order;        /* filtered and sorted, kept up to date by the rows that changed */
	size_t n;              /* rows shown */
	vm_filter *flt;
	column sort;
	int dir;               /* 1 ascending, -1 descending */
	char *cursor_id;       /* moref under the cursor, kept across rebuilds */
	unsigned cursor_vc;    /* ... of this vCenter */
	char *anchor_id;       /* the last VM marked by hand (range marks) */
	unsigned anchor_vc;
	int x[NCOLS], w[NCOLS];
	bool shown[NCOLS];
	int layout_w;
	column group;          /* :group: a location column, COL_MARK for none */
} vms;

const char *const *vms_view_columns(void)
{
	return column_names;
}

static term_elem status_elem(vm_status s)
{
	switch (s) {
	case STATUS_READY: return TE_READY;
	case STATUS_FIXABLE: return TE_FIXABLE;
	case STATUS_MANUAL: return TE_MANUAL;
	case STATUS_UNKNOWN: return TE_UNKNOWN;
	default: return TE_NA;
	}
}

/* The first finding worth a column: errors and warnings first (findings are ordered). */
static const finding *top_finding(const fleet_vm *vm)
{
	return vm->v.n_findings ? &vm->v.findings[0] : NULL;
}

/* The i-th row shown. */
static fleet_vm *row_at(const vms *p, const ui *u, size_t i)
{
	return vmorder_at(p->order, &u->fl, i);
}

static void rebuild(view *v, ui *u)
{
	vms *p = v->priv;
	names_ui = u;
	vmorder_set_vcenter_names(p->order, vcenter_name, u);
	if (!vmorder_update(p->order, &u->fl))
		return;
	p->n = vmorder_count(p->order);
	listw_set_count(&v->list, p->n);
	const fleet_vm *cur = p->cursor_id ? fleet_get_in(&u->fl, p->cursor_vc, p->cursor_id) : NULL;
	size_t at = cur ? vmorder_find(p->order, cur) : (size_t)-1;
	if (at != (size_t)-1)
		listw_set(&v->list, at);
}

void vms_view_forget(view *v)
{
	vms *p = v->priv;
	free(p->cursor_id);
	free(p->anchor_id);
	p->cursor_id = p->anchor_id = NULL;
	v->list.cursor = v->list.top = 0;
	/* the rows were the fleet's that was just freed */
	p->n = 0;
	vmorder_reset(p->order);
}

static void remember_cursor(view *v, const ui *u)
{
	vms *p = v->priv;
	const fleet_vm *vm = v->list.cursor < p->n ? row_at(p, u, v->list.cursor) : NULL;
	xstrset(&p->cursor_id, vm ? vm->f.moref : NULL);
	p->cursor_vc = vm ? vm->vc : 0;
}

fleet_vm *vms_view_current(view *v, ui *u)
{
	vms *p = v->priv;
	rebuild(v, u);
	return v->list.cursor < p->n ? row_at(p, u, v->list.cursor) : NULL;
}

const char *vms_view_filter(view *v)
{
	vms *p = v->priv;
	return p->flt ? filter_text(p->flt) : "";
}

int vms_view_set_filter(view *v, ui *u, const char *expr, char *err, size_t errlen)
{
	vms *p = v->priv;
	vm_filter *f = NULL;
	if (expr && *expr && !(f = filter_compile(expr, err, errlen)))
		return -1;
	vmorder_set_filter(p->order, f);
	filter_free(p->flt);
	p->flt = f;
	rebuild(v, u);
	remember_cursor(v, u);
	return 0;
}

int vms_view_sort(view *v, ui *u, const char *column_name, int dir, char *err, size_t errlen)
{
	vms *p = v->priv;
	int found = -1, matches = 0;
	for (int c = COL_NAME; c < NCOLS; c++) {
		if (!strcasecmp(cols[c].name, column_name)) {
			found = c, matches = 1;
			break;
		}
		if (!strncasecmp(cols[c].name, column_name, strlen(column_name)))
			found = c, matches++;
	}
	if (matches != 1 || !*column_name) {
		snprintf(err, errlen, "%s column '%s' (name, power, os, tools, best, predicted, status, "
			 "test, datacenter, cluster, host, folder, finding, vcenter)",
			 matches > 1 ? "ambiguous" : "unknown", column_name);
		return -1;
	}
	p->sort = (column)found;
	if (dir)
		p->dir = dir;
	vmorder_set_sort(p->order, sort_key[p->sort], p->dir);
	rebuild(v, u);
	return 0;
}

int vms_view_group(view *v, const char *column_name, char *err, size_t errlen)
{
	vms *p = v->priv;
	if (!column_name || !strcasecmp(column_name, "none")) {
		p->group = COL_MARK;
		return 0;
	}
	for (int c = COL_NAME; c < NCOLS; c++) {
		if (is_location((column)c) && !strncasecmp(cols[c].name, column_name, strlen(column_name)) &&
		    *column_name) {
			p->group = (column)c;
			return 0;
		}
	}
	snprintf(err, errlen, "cannot group by '%s' (datacenter, cluster, host, folder, vcenter or none)",
		 column_name);
	return -1;
}

size_t vms_view_mark_filtered(view *v, ui *u)
{
	vms *p = v->priv;
	rebuild(v, u);
	size_t n = p->n;
	for (size_t i = 0; i < n; i++) /* marks change no row's place (rebuild follows them) */
		fleet_set_mark(&u->fl, row_at(p, u, i), true);
	return n;
}

static void layout(vms *p, const ui *u, int w)
{
	int longest = 4;
	for (size_t i = 0; i < u->fl.n && i < 2000; i++) {
		int nw = draw_width(u->fl.vms[i]->f.name ? u->fl.vms[i]->f.name : "");
		if (nw > longest)
			longest = nw;
	}
	for (int c = 0; c < NCOLS; c++)
		p->shown[c] = true;
	/* a location column shows only when some VM has that fact (vCenter may not give it) */
	for (int c = COL_DC; c <= COL_FOLDER; c++) {
		bool any = false;
		for (size_t i = 0; i < u->fl.n && !any; i++)
			any = location_of(u->fl.vms[i], (column)c) != NULL;
		p->shown[c] = any;
	}
	p->shown[COL_VCENTER] = u->n_more > 0;
	/* the last test only where the top finding keeps its room */
	p->shown[COL_TEST] = w >= 120;
	for (;;) {
		int need = 0, gaps = 0;
		for (int c = 0; c < NCOLS; c++) {
			if (!p->shown[c])
				continue;
			need += cols[c].width ? cols[c].width : cols[c].min;
			gaps++;
		}
		need += gaps - 1;
		if (need <= w)
			break;
		int worst = -1;
		for (int c = 0; c < NCOLS; c++)
			if (p->shown[c] && cols[c].drop > 0 && (worst < 0 || cols[c].drop > cols[worst].drop))
				worst = c;
		if (worst < 0)
			break;
		p->shown[worst] = false;
	}
	int fixed = 0, gaps = 0;
	for (int c = 0; c < NCOLS; c++) {
		if (!p->shown[c])
			continue;
		gaps++;
		fixed += cols[c].width;
	}
	int flex = w - fixed - (gaps - 1);
	int name_w = longest < cols[COL_NAME].min ? cols[COL_NAME].min : longest;
	if (name_w > 40)
		name_w = 40;
	int find_w = flex - name_w;
	if (p->shown[COL_FINDING] && find_w < cols[COL_FINDING].min) {
		find_w = cols[COL_FINDING].min;
		name_w = flex - find_w;
	}
	if (!p->shown[COL_FINDING])
		name_w = flex;
	if (name_w < cols[COL_NAME].min)
		name_w = cols[COL_NAME].min;
	int x = 0;
	for (int k = 0; k < NCOLS; k++) {
		column c = column_order[k];
		if (!p->shown[c])
			continue;
		p->x[c] = x;
		p->w[c] = cols[c].width ? cols[c].width : c == COL_NAME ? name_w : find_w;
		if (x + p->w[c] > w)
			p->w[c] = w - x > 0 ? w - x : 0;
		x += p->w[c] + 1;
	}
	p->layout_w = w;
}

static int by_group_key(const void *a, const void *b)
{
	const char *ka = *(const char *const *)a, *kb = *(const char *const *)b;
	return strcasecmp(ka, kb);
}

/* :group: per value of the column, how many of its VMs are ready, those with the most VMs not
 * ready first ("prod-a 12/20 ready"), as many as fit. */
static void draw_groups(ui *u, column group, int y, int x, int w)
{
	typedef struct { const char *key; size_t ready, total; } grp;
	size_t n = u->fl.n;
	const char **keys = xcalloc(n ? n : 1, sizeof *keys);
	names_ui = u;
	for (size_t i = 0; i < n; i++) {
		const char *k = location_of(u->fl.vms[i], group);
		keys[i] = k ? k : "-";
	}
	qsort(keys, n, sizeof *keys, by_group_key);
	grp *g = xcalloc(n ? n : 1, sizeof *g);
	size_t ng = 0;
	for (size_t i = 0; i < n; i++)
		if (!ng || strcasecmp(g[ng - 1].key, keys[i]))
			g[ng++].key = keys[i];
	for (size_t i = 0; i < n; i++) {
		const fleet_vm *vm = u->fl.vms[i];
		const char *k = location_of(vm, group);
		grp key = { .key = k ? k : "-" };
		grp *hit = bsearch(&key, g, ng, sizeof *g, by_group_key);
		if (hit) {
			hit->total++;
			hit->ready += vm->v.status == STATUS_READY || vm->v.status == STATUS_NA;
		}
	}
	/* most VMs not ready first, then by name */
	for (size_t i = 1; i < ng; i++)
		for (size_t j = i; j > 0 && g[j].total - g[j].ready > g[j - 1].total - g[j - 1].ready; j--) {
			grp t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	char buf[128];
	snprintf(buf, sizeof buf, "by %s:", cols[group].name);
	x += draw_str(y, x, w - x, buf, term_attr(TE_DIM)) + 1;
	for (size_t i = 0; i < ng && x < w; i++) {
		snprintf(buf, sizeof buf, "%s %zu/%zu", g[i].key, g[i].ready, g[i].total);
		if (x + draw_width(buf) > w) {
			draw_str(y, x, w - x, term_glyph()->ellipsis, term_attr(TE_DIM));
			break;
		}
		x += draw_str(y, x, w - x, buf, term_attr(g[i].ready == g[i].total ? TE_READY : TE_FIXABLE)) + 2;
	}
	free(g);
	free(keys);
}

static void draw_summary(ui *u, column group, int y, int w)
{
	static const struct { vm_status s; const char *name; term_elem e; } st[] = {
		{ STATUS_READY, "ready", TE_READY }, { STATUS_FIXABLE, "fixable", TE_FIXABLE },
		{ STATUS_MANUAL, "manual", TE_MANUAL }, { STATUS_UNKNOWN, "unknown", TE_UNKNOWN },
		{ STATUS_NA, "n/a", TE_NA },
	};
	static const quiesce_level lv[] = { LEVEL_APPLICATION, LEVEL_FILESYSTEM, LEVEL_CRASH,
					    LEVEL_FAIL };
	if (u->drawn_gen != u->fl.gen) {
		fleet_recount(&u->fl);
		u->drawn_gen = u->fl.gen;
	}
	draw_fill(y, 0, w, term_attr(TE_SUMMARY));
	int x = 0;
	char buf[64];
	for (size_t i = 0; i < sizeof st / sizeof st[0] && x < w; i++) {
		snprintf(buf, sizeof buf, "%s %zu", st[i].name, u->fl.by_status[st[i].s]);
		x += draw_str(y, x, w - x, buf, term_attr(st[i].e) | A_BOLD) + 2;
	}
	if (x + 2 < w)
		x += draw_str(y, x, w - x, term_glyph()->sep, term_attr(TE_DIM)) + 1;
	if (group != COL_MARK) {
		draw_groups(u, group, y, x, w);
		return;
	}
	for (size_t i = 0; i < sizeof lv / sizeof lv[0] && x < w; i++) {
		snprintf(buf, sizeof buf, "%s %zu", model_level_short(lv[i]), u->fl.by_level[lv[i]]);
		x += draw_str(y, x, w - x, buf, A_NORMAL) + 1;
	}
	/* the bar: one cell per share of each status */
	int bw = w - x - 3;
	if (bw > 30)
		bw = 30;
	size_t total = u->fl.n;
	if (bw >= 8 && total) {
		x++;
		draw_str(y, x++, 1, "[", A_NORMAL);
		int used = 0;
		for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
			int cells = (int)((u->fl.by_status[st[i].s] * (size_t)bw + total / 2) / total);
			if (used + cells > bw)
				cells = bw - used;
			for (int k = 0; k < cells; k++)
				draw_str(y, x + used + k, 1, term_glyph()->bar_full, term_attr(st[i].e));
			used += cells;
		}
		for (; used < bw; used++)
			draw_str(y, x + used, 1, term_glyph()->bar_empty, term_attr(TE_DIM));
		draw_str(y, x + bw, 1, "]", A_NORMAL);
	}
}

static void vms_draw(view *v, ui *u, int y, int h, int w)
{
	vms *p = v->priv;
	rebuild(v, u);
	if (p->layout_w != w || !(u->fl.gen % 64))
		layout(p, u, w);
	draw_summary(u, p->group, y, w);
	/* header */
	draw_fill(y + 1, 0, w, term_attr(TE_HEADER));
	for (int c = 0; c < NCOLS; c++) {
		if (!p->shown[c])
			continue;
		char title[32];
		int tw = p->w[c];
		if (c == (int)p->sort && tw > 1 && draw_width(cols[c].title) >= tw)
			tw--; /* the title gives way to the sort arrow: "POWE▲", not "POWE…" */
		snprintf(title, sizeof title, "%.*s%s", tw, cols[c].title,
			 c == (int)p->sort ? (p->dir > 0 ? term_glyph()->up : term_glyph()->down) : "");
		draw_text(y + 1, p->x[c], p->w[c], title, term_attr(TE_HEADER), ALIGN_LEFT);
	}
	int body = h - 2;
	v->list.height = body > 0 ? body : 1;
	listw_fit(&v->list);
	time_t now = time(NULL);
	for (int r = 0; r < body; r++) {
		size_t i = v->list.top + (size_t)r;
		int row = y + 2 + r;
		if (i >= p->n) {
			draw_fill(row, 0, w, A_NORMAL);
			if (i == 0 && r == 0)
				draw_str(row, 2, w - 2, u->fl.n ? "no VM matches the filter (Esc or :filter clears it)"
						     : (u->scan_task ? "reading the inventory..." : "no VMs"), term_attr(TE_DIM));
			continue;
		}
		const fleet_vm *vm = row_at(p, u, i);
		bool cur = i == v->list.cursor;
		attr_t base = cur ? term_attr(TE_CURSOR) : A_NORMAL;
		attr_t st = term_attr(status_elem(vm->v.status));
		draw_fill(row, 0, w, base);
		char buf[64], tail[128]; /* tail: a cut folder path, up to 4 bytes a column */
		for (int c = 0; c < NCOLS; c++) {
			if (!p->shown[c])
				continue;
			const char *text = "";
			attr_t a = base;
			switch (c) {
			case COL_MARK:
				text = vm->marked ? term_glyph()->mark : " ";
				a = base | term_attr(TE_MARK);
				break;
			case COL_NAME:
				text = vm->f.name ? vm->f.name : vm->f.moref;
				if (vm->changed_at && now - vm->changed_at < 3)
					a |= term_attr(TE_CHANGED);
				break;
			case COL_POWER: text = model_power_short(vm->f.power); break;
			case COL_OS: text = fleet_os_text(vm); break;
			case COL_TOOLS: text = model_tools_text(vm->f.tools, vm->f.tools_version, buf); break;
			case COL_BEST: text = model_level_short(vm->v.best); break;
			case COL_PRED: text = model_level_short(vm->v.predicted); break;
			case COL_DC:
			case COL_CLUSTER:
			case COL_HOST:
			case COL_FOLDER:
			case COL_VCENTER:
				text = location_of(vm, (column)c);
				if (!text)
					text = "-";
				else if (c == COL_FOLDER)
					text = path_tail(text, p->w[c], tail, sizeof tail);
				break;
			case COL_STATUS:
				/* its probe runs: the status shown is the one of the guest facts it has */
				text = vm->probing ? "probing" : model_status_name(vm->v.status);
				a = base | (vm->probing ? term_attr(TE_DIM) : st);
				break;
			case COL_TEST: {
				vm_proof pr;
				proof_evaluate(&vm->f, &vm->v, now, 0, &pr);
				text = proof_cell(&vm->f, &pr, buf);
				a = base | (pr.state == PROOF_FAILED ? term_attr(TE_SEV_ERROR)
					    : pr.state == PROOF_PROVEN ? term_attr(TE_READY) : term_attr(TE_DIM));
				break;
			}
			case COL_FINDING: {
				const finding *f = top_finding(vm);
				if (vm->unreachable) { /* why it is unknown comes first */
					snprintf(buf, sizeof buf, "vCenter %s cannot be reached",
						 ui_vcenter_name(u, vm->vc));
					text = buf;
					a = base | term_attr(TE_SEV_WARN);
				} else if (f) {
					char t[200];
					snprintf(buf, sizeof buf, "%s %s", f->rule, fleet_finding_title(f, t, sizeof t));
					text = buf;
					a = base | (f->sev == SEVERITY_ERROR ? term_attr(TE_SEV_ERROR) & ~A_BOLD
						    : f->sev == SEVERITY_WARN ? term_attr(TE_SEV_WARN) : term_attr(TE_DIM));
				}
				if (vm->f.facts_error && !f)
					text = "facts could not be read";
				break;
			}
			default: break;
			}
			draw_text(row, p->x[c], p->w[c], text, a, ALIGN_LEFT);
		}
	}
}

static void toggle_mark(view *v, ui *u)
{
	vms *p = v->priv;
	if (v->list.cursor >= p->n)
		return;
	fleet_vm *vm = row_at(p, u, v->list.cursor);
	fleet_set_mark(&u->fl, vm, !vm->marked); /* the order follows it (the filter's `marked`) */
	xstrset(&p->anchor_id, vm->f.moref);
	p->anchor_vc = vm->vc;
	listw_request(&v->list, ACTION_MOVE_DOWN);
}

static size_t find_pos(const vms *p, const ui *u, unsigned vc, const char *moref)
{
	const fleet_vm *vm = moref ? fleet_get_in(&u->fl, vc, moref) : NULL;
	return vm ? vmorder_find(p->order, vm) : (size_t)-1;
}

static void mark_range(view *v, ui *u)
{
	vms *p = v->priv;
	rebuild(v, u);
	size_t a = find_pos(p, u, p->anchor_vc, p->anchor_id);
	size_t b = v->list.cursor;
	if (a == (size_t)-1 || b >= p->n) {
		ui_message(u, LOG_INFO, "mark a VM first (space), then move and mark the range");
		return;
	}
	if (a > b) {
		size_t t = a;
		a = b, b = t;
	}
	for (size_t i = a; i <= b; i++)
		fleet_set_mark(&u->fl, row_at(p, u, i), true);
	ui_message(u, LOG_INFO, "marked %zu VMs (%zu marked in all)", b - a + 1, u->fl.n_marked);
}

static bool is_problem(const fleet_vm *vm)
{
	return vm->v.status == STATUS_FIXABLE || vm->v.status == STATUS_MANUAL || vm->v.status == STATUS_UNKNOWN;
}

static unsigned vms_request(view *v, ui *u, action a)
{
	vms *p = v->priv;
	rebuild(v, u);
	if (listw_request(&v->list, a)) {
		remember_cursor(v, u);
		return VR_REDRAW;
	}
	switch (a) {
	case ACTION_OPEN:
		if (v->list.cursor < p->n)
			ui_open_detail_in(u, row_at(p, u, v->list.cursor)->vc, row_at(p, u, v->list.cursor)->f.moref);
		return VR_REDRAW;
	case ACTION_MARK:
		toggle_mark(v, u);
		remember_cursor(v, u);
		return VR_REDRAW;
	case ACTION_MARK_RANGE:
		mark_range(v, u);
		return VR_REDRAW;
	case ACTION_MARK_ALL: {
		size_t n = vms_view_mark_filtered(v, u);
		ui_message(u, LOG_INFO, "marked the %zu VMs shown (%zu marked in all)", n, u->fl.n_marked);
		return VR_REDRAW;
	}
	case ACTION_MARK_CLEAR:
		fleet_clear_marks(&u->fl);
		ui_message(u, LOG_INFO, "marks cleared");
		return VR_REDRAW;
	case ACTION_SORT_NEXT:
	case ACTION_SORT_PREV: {
		int c = (int)p->sort;
		for (int tries = 0; tries < NCOLS; tries++) { /* the columns on the screen only */
			c += a == ACTION_SORT_NEXT ? 1 : -1;
			if (c >= NCOLS)
				c = COL_NAME;
			if (c < COL_NAME)
				c = NCOLS - 1;
			if (!p->layout_w || p->shown[c])
				break;
		}
		p->sort = (column)c;
		vmorder_set_sort(p->order, sort_key[p->sort], p->dir);
		rebuild(v, u);
		ui_message(u, LOG_INFO, "sorted by %s", cols[c].name);
		return VR_REDRAW;
	}
	case ACTION_SORT_REVERSE:
		p->dir = -p->dir;
		vmorder_set_sort(p->order, sort_key[p->sort], p->dir);
		rebuild(v, u);
		return VR_REDRAW;
	case ACTION_FILTER_CLEAR:
	case ACTION_BACK:
		if (!p->flt)
			return VR_NONE;
		vms_view_set_filter(v, u, NULL, NULL, 0);
		ui_message(u, LOG_INFO, "filter removed");
		return VR_REDRAW;
	case ACTION_NEXT_PROBLEM:
	case ACTION_PREV_PROBLEM: {
		long step = a == ACTION_NEXT_PROBLEM ? 1 : -1;
		for (long i = (long)v->list.cursor + step; i >= 0 && i < (long)p->n; i += step) {
			if (is_problem(row_at(p, u, (size_t)i))) {
				listw_set(&v->list, (size_t)i);
				remember_cursor(v, u);
				return VR_REDRAW;
			}
		}
		ui_message(u, LOG_INFO, "no %s VM that is not ready", step > 0 ? "later" : "earlier");
		return VR_REDRAW;
	}
	default:
		return VR_UNHANDLED;
	}
}

static void vms_status(view *v, ui *u, char *buf, size_t n)
{
	vms *p = v->priv;
	rebuild(v, u);
	size_t off = (size_t)snprintf(buf, n, "%zu/%zu", p->n ? v->list.cursor + 1 : 0, p->n);
	if (p->n != u->fl.n && off < n)
		off += (size_t)snprintf(buf + off, n - off, " of %zu", u->fl.n);
	if (off < n)
		off += (size_t)snprintf(buf + off, n - off, "  sort:%s%s", cols[p->sort].name,
					p->dir > 0 ? term_glyph()->up : term_glyph()->down);
	if (p->flt && off < n)
		snprintf(buf + off, n - off, "  /%s", filter_text(p->flt));
}

static void vms_free(view *v)
{
	vms *p = v->priv;
	filter_free(p->flt);
	vmorder_free(p->order);
	free(p->cursor_id);
	free(p->anchor_id);
	free(p);
}

/* A click on a column title sorts by it; a second click on the same one reverses. */
static void vms_header_click(view *v, ui *u, int x)
{
	vms *p = v->priv;
	for (int c = COL_NAME; c < NCOLS; c++) {
		if (!p->shown[c] || x < p->x[c] || x >= p->x[c] + p->w[c] + 1)
			continue;
		if ((column)c == p->sort)
			p->dir = -p->dir;
		else
			p->sort = (column)c;
		vmorder_set_sort(p->order, sort_key[p->sort], p->dir);
		rebuild(v, u);
		ui_message(u, LOG_INFO, "sorted by %s", cols[c].name);
		return;
	}
}

static const view_ops vms_ops = {
	.name = "vms",
	.keys = KMV_VMS,
	.draw = vms_draw,
	.request = vms_request,
	.status = vms_status,
	.free = vms_free,
	.header_rows = 2,
	.header_click = vms_header_click,
	.flags = VF_LIVE | VF_CLICK_OPENS,
};

view *vms_view_new(void)
{
	vms *p = xcalloc(1, sizeof *p);
	p->order = vmorder_new();
	p->sort = COL_NAME;
	p->dir = 1;
	return view_new(&vms_ops, "VMs", p);
}
