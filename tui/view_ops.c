#include "tui/view_ops.h"
#include "util/xalloc.h"

#include <stdlib.h>

view *view_new(const view_ops *ops, const char *title, void *priv)
{
	view *v = xcalloc(1, sizeof *v);
	v->ops = ops;
	v->title = title;
	v->priv = priv;
	return v;
}

void view_free(view *v)
{
	if (!v)
		return;
	if (v->ops->free)
		v->ops->free(v);
	free(v);
}
