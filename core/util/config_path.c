#include "util/config_path.h"
#include "util/xalloc.h"

#include <stdlib.h>

char *config_path(const char *name)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		return xasprintf("%s/quiescent/%s", xdg, name);
	if (home && *home)
		return xasprintf("%s/.config/quiescent/%s", home, name);
	return NULL;
}
