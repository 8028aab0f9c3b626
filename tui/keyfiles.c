/* keyfiles: where the console's keymaps come from: the built-in ones (keymaps/NAME.keys compiled
 * in), the installed directory, a path, and the user's own keys file, read in that order. */
#include "tui/ui.h"
#include "util/config_path.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void keymap_error(void *ctx, const char *message)
{
	ui_message(ctx, LOG_ERROR, "%s", message);
}

static char *user_keys_path(void)
{
	return config_path("keys");
}

/* Keymaps installed beside the binary: make install puts keymaps/ there (-D from the Makefile). */
#ifndef QUIESCENT_KEYMAPDIR
#define QUIESCENT_KEYMAPDIR "/usr/local/share/quiescent/keymaps"
#endif

/* True, with *path (malloc'ed), when QUIESCENT_KEYMAPDIR has NAME.keys. */
static bool keymap_dir_file(const char *name, char **path)
{
	char *p = xasprintf("%s/%s.keys", QUIESCENT_KEYMAPDIR, name);
	if (access(p, R_OK) == 0) {
		*path = p;
		return true;
	}
	free(p);
	return false;
}

int ui_load_keymaps(ui *u, const char *name)
{
	char *shared = NULL;
	keymap_clear(u->km);
	keymap_load_string(u->km, ui_builtin_keymap("default"), "keymaps/default.keys", keymap_error, u);
	int rc = 0;
	if (name && strcmp(name, "default")) {
		const char *builtin = strchr(name, '/') ? NULL : ui_builtin_keymap(name);
		if (builtin) {
			char label[128];
			snprintf(label, sizeof label, "keymaps/%s.keys", name);
			keymap_load_string(u->km, builtin, label, keymap_error, u);
		} else if (!strchr(name, '/') && keymap_dir_file(name, &shared)) {
			rc = keymap_load_file(u->km, shared, keymap_error, u) < 0 ? -1 : 0;
		} else if (keymap_load_file(u->km, name, keymap_error, u) < 0) {
			rc = -1;
		}
	}
	free(shared);
	char *user = user_keys_path();
	if (user && access(user, F_OK) == 0)
		keymap_load_file(u->km, user, keymap_error, u);
	free(user);
	xstrset(&u->keymap_name, name ? name : "default");
	u->kst.n = 0;
	return rc;
}

