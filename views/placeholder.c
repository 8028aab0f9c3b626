/* The places for the screens whose issues are still open (fix, snaptest, history): registered,
 * reachable by their keys and commands, and honest that they are not there yet. */
#include "tui/draw.h"
#include "tui/term.h"
#include "util/xalloc.h"
#include "views/view.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
	view_ops ops;
	char *text;
} placeholder;

static void ph_draw(view *v, ui *u, int y, int h, int w)
{
	placeholder *p = v->priv;
	for (int r = 0; r < h; r++)
		draw_fill(y + r, 0, w, A_NORMAL);
	draw_str(y + 1, 2, w - 4, v->title, term_attr(TE_SECTION));
	draw_str(y + 3, 2, w - 4, p->text, A_NORMAL);
	draw_str(y + 5, 2, w - 4, "Esc or q goes back.", term_attr(TE_DIM));
}

static unsigned ph_request(view *v, ui *u, action a)
{
	return VR_UNHANDLED;
}

static void ph_status(view *v, ui *u, char *buf, size_t n)
{
	snprintf(buf, n, "not available yet");
}

static void ph_free(view *v)
{
	placeholder *p = v->priv;
	free(p->text);
	free(p);
}

view *placeholder_view_new(const char *name, keymap_view keys, const char *title, const char *text)
{
	placeholder *p = xcalloc(1, sizeof *p);
	p->ops = (view_ops){ .name = name, .keys = keys, .draw = ph_draw, .request = ph_request,
			     .status = ph_status, .free = ph_free };
	p->text = xstrdup(text);
	return view_new(&p->ops, title, p);
}
