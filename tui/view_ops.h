/* view_ops: what the frame knows of a screen: a struct plus a constant table of operations
 * (tig's view_ops, htop's PanelClass). Handlers return VR_* flags and never draw: drawing
 * happens once per loop turn in draw(). The frame (tui/frame.c, tui/loop.c, tui/ui.c) calls
 * only these; the screens themselves live in views/ and are listed in views/registry.h. */
#ifndef QUIESCENT_TUI_VIEW_OPS_H
#define QUIESCENT_TUI_VIEW_OPS_H

#include <stddef.h>

#include "tui/keymap.h"
#include "tui/listw.h"
#include "tui/ui.h"

/* view_ops.flags */
#define VF_LIVE 1u      /* redraw every second while shown (durations, change highlights) */
#define VF_VC_TASKS 2u  /* shows vCenter's recent tasks: tui/taskwatch reads them while shown */
#define VF_CLICK_OPENS 4u /* a click on the cursor's row opens it (the VM list) */

enum {
	VR_NONE = 0,
	VR_REDRAW = 1,     /* something changed: draw */
	VR_UNHANDLED = 2,  /* not this view's action: the generic handler gets it */
};

typedef struct view_ops {
	const char *name;                 /* "vms" */
	keymap_view keys;                 /* its keymap table */
	/* draws the view's body in rows [y, y+h) of width w */
	void (*draw)(view *v, ui *u, int y, int h, int w);
	unsigned (*request)(view *v, ui *u, action a);
	/* short state for the status line ("12/24  sort:name") into buf */
	void (*status)(view *v, ui *u, char *buf, size_t n);
	void (*open)(view *v, ui *u);     /* may be NULL: called when shown */
	/* may be NULL: a task ended (a fix or test may have written history this view shows) */
	void (*task_ended)(view *v, ui *u, const ui_task *t);
	int header_rows;                  /* body rows above the list's first item (mouse clicks) */
	/* may be NULL: a click on the column titles (the last header row) at column x */
	void (*header_click)(view *v, ui *u, int x);
	unsigned flags;                   /* VF_* */
	void (*free)(view *v);            /* may be NULL: frees priv */
} view_ops;

struct view {
	const view_ops *ops;
	const char *title;
	listw list;
	void *priv;
};

view *view_new(const view_ops *ops, const char *title, void *priv);
void view_free(view *v);

#endif
