/* Help: generated from the action table, the keymap in force and the command table, so it can
 * never drift from the code. */
#include "tui/command.h"
#include "tui/draw.h"
#include "tui/term.h"
#include "util/xalloc.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char **lines;
	term_elem *elems;
	size_t n, cap, ecap;
	keymap_view for_view;
} help;

static void add(help *h, term_elem e, char *text)
{
	h->lines = xgrow(h->lines, &h->cap, h->n + 1, sizeof *h->lines);
	h->elems = xgrow(h->elems, &h->ecap, h->n + 1, sizeof *h->elems);
	h->lines[h->n] = text;
	h->elems[h->n++] = e;
}

static void help_clear(help *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->lines[i]);
	h->n = 0;
}

static void build(help *h, ui *u)
{
	help_clear(h);
	add(h, TE_SECTION, xasprintf("Keys (keymap %s, view %s)%s", u->keymap_name ? u->keymap_name : "default",
				     keymap_view_name(h->for_view), u->readonly ? "  -- read-only: VM-changing actions are off" : ""));
	const char *group = "";
	for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
		const action_info *ai = action_get((action)a);
		if (strcmp(group, ai->group)) {
			group = ai->group;
			add(h, TE_NORMAL, xstrdup(""));
			add(h, TE_SECTION, xasprintf("  %s", group));
		}
		char keys[128];
		if (!keymap_keys_for(u->km, h->for_view, (action)a, keys, sizeof keys)) {
			/* not bound here: where it is ("a in fix"), so the help teaches every screen */
			snprintf(keys, sizeof keys, "-");
			for (int kv = KMV_GENERIC + 1; kv < KMV_COUNT; kv++) {
				char k[96];
				if (kv != (int)h->for_view && keymap_keys_for(u->km, (keymap_view)kv, (action)a, k, sizeof k)) {
					snprintf(keys, sizeof keys, "%.60s in %s", k, keymap_view_name((keymap_view)kv));
					break;
				}
			}
		}
		add(h, TE_NORMAL, xasprintf("    %-20s %-15s %s%s", keys, ai->name, ai->help,
					   (ai->flags & ACTF_CHANGES_VMS) && u->readonly ? " (off: --readonly)" : ""));
	}
	add(h, TE_NORMAL, xstrdup(""));
	add(h, TE_SECTION, xstrdup("Commands (: then a unique prefix; Tab completes commands and VM names)"));
	for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
		const command_info *ci = command_get((command_id)c);
		char head[64];
		snprintf(head, sizeof head, ":%s %s", ci->name, ci->args);
		add(h, TE_NORMAL, xasprintf("    %-36s %s", head, ci->help));
	}
	add(h, TE_NORMAL, xstrdup(""));
	add(h, TE_SECTION, xstrdup("The VM list"));
	static const char *const legend[] = {
		"    BEST           the best quiescing level this VM's OS and Tools could reach",
		"    PRED           the level a backup would get today (predicted from the findings)",
		"      app          application-consistent: VSS writers flush their data (SQL, Exchange, AD)",
		"      fs           file-system consistent: disks flushed, applications not told",
		"      crash        crash-consistent only: as if the power were cut",
		"      fail         a quiesced snapshot would fail",
		"    STATUS",
		"      ready        nothing stands between the VM and its best level",
		"      fixable      quiescent can fix what is wrong (f)",
		"      manual       a person must change something (the detail says what; c: checklist)",
		"      unknown      facts are missing (guest not probed, VM off): not judged ready",
		"      n/a          not a Windows guest: VSS does not apply",
		"      probing      its guest probe is running; the row shows the last facts known",
		"    TOP FINDING    the most severe finding (rule id, then what it is); Enter shows all",
		"    DC CLUSTER HOST FOLDER   where the VM lives, when vCenter says (wide terminals)",
		"    The summary bar counts VMs per status and per predicted level (:group cluster: per cluster).",
		"    quiescent rules lists every rule (R01..) with what it means and what to do.",
	};
	for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++)
		add(h, TE_NORMAL, xstrdup(legend[i]));
	add(h, TE_NORMAL, xstrdup(""));
	add(h, TE_SECTION, xstrdup("Filter (/): words must all match"));
	static const char *const filter_help[] = {
		"    R07            VMs with a finding of rule R07",
		"    !ready         VMs whose status is not ready (ready fixable manual unknown n/a)",
		"    sql            name, OS, status or rule id containing 'sql'",
		"    ^sql-.*01$     a regex (any of ^$*+?[](){}|\\ makes a word a regex; re:X forces it)",
		"    os:2019 power:off level:fs name:X status:X rule:X marked",
		"    folder:Prod* cluster:X host:X dc:X   where the VM lives (a glob with * ? [)",
	};
	for (size_t i = 0; i < sizeof filter_help / sizeof filter_help[0]; i++)
		add(h, TE_NORMAL, xstrdup(filter_help[i]));
	add(h, TE_NORMAL, xstrdup(""));
	add(h, TE_DIM, xstrdup("  Keymaps: --keymap NAME|PATH, $XDG_CONFIG_HOME/quiescent/keys; syntax: bind VIEW KEYS ACTION"));
}

static void help_draw(view *v, ui *u, int y, int hgt, int w)
{
	help *h = v->priv;
	if (!h->n)
		build(h, u);
	v->list.height = hgt;
	listw_set_count(&v->list, h->n);
	for (int r = 0; r < hgt; r++) {
		size_t i = v->list.top + (size_t)r;
		if (i < h->n)
			draw_text(y + r, 0, w, h->lines[i], term_attr(h->elems[i]), ALIGN_LEFT);
		else
			draw_fill(y + r, 0, w, A_NORMAL);
	}
}

static unsigned help_request(view *v, ui *u, action a)
{
	if (listw_request(&v->list, a))
		return VR_REDRAW;
	return VR_UNHANDLED;
}

static void help_status(view *v, ui *u, char *buf, size_t n)
{
	help *h = v->priv;
	snprintf(buf, n, "line %zu/%zu", v->list.top + 1, h->n);
}

static void help_open(view *v, ui *u)
{
	help *h = v->priv;
	/* the keys of the view below */
	h->for_view = KMV_VMS;
	for (int i = u->depth - 1; i >= 0; i--) {
		if (u->stack[i] != v) {
			h->for_view = u->stack[i]->ops->keys;
			break;
		}
	}
	help_clear(h);
	v->list.top = 0;
}

static void help_free(view *v)
{
	help *h = v->priv;
	help_clear(h);
	free(h->lines);
	free(h->elems);
	free(h);
}

static const view_ops help_ops = {
	.name = "help",
	.keys = KMV_HELP,
	.draw = help_draw,
	.request = help_request,
	.status = help_status,
	.open = help_open,
	.free = help_free,
};

view *help_view_new(void)
{
	view *v = view_new(&help_ops, "Help", xcalloc(1, sizeof(help)));
	v->list.no_cursor = true;
	return v;
}
