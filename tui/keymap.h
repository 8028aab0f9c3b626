/* keymap: which key sequence runs which action, per view, with a generic fallback.
 *
 * The syntax is one command per line, the same the `:` line accepts (`:bind vms x mark`):
 *     # comment
 *     bind VIEW KEYS ACTION      e.g.  bind generic <C-d> half-page-down,  bind vms gg first
 *     unbind VIEW KEYS           hides a generic binding in one view, or removes one
 * KEYS is one to four keys written together: a character (`j`, `/`, `?`), `^X` or `<C-x>` for
 * Ctrl, or a name in angle brackets (<Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End>
 * <Enter> <Esc> <Tab> <Backspace> <Space> <Del> <Ins> <F1>..<F12> <lt> <gt>).
 *
 * Keys are plain ints, independent of curses: Unicode code points, control codes 1..31 and 127,
 * and the KM_KEY_* values below for the special keys (tui/term.c translates ncurses codes).
 * Nothing here draws or reads the terminal, so it is unit-tested with plain strings. */
#ifndef QUIESCENT_TUI_KEYMAP_H
#define QUIESCENT_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/actions.h"
#include "views/registry.h"

#define KM_MAX_SEQ 4

enum {
	KM_KEY_BASE = 0x110000, /* beyond Unicode */
	KM_KEY_UP, KM_KEY_DOWN, KM_KEY_LEFT, KM_KEY_RIGHT, KM_KEY_PGUP, KM_KEY_PGDN,
	KM_KEY_HOME, KM_KEY_END, KM_KEY_DEL, KM_KEY_INS, KM_KEY_BTAB,
	KM_KEY_F0 = KM_KEY_BASE + 0x100, /* KM_KEY_F0 + n is Fn */
	KM_KEY_ENTER = 13, KM_KEY_ESC = 27, KM_KEY_TAB = 9, KM_KEY_BACKSPACE = 127, KM_KEY_SPACE = ' ',
};
#define KM_CTRL(c) ((c) & 0x1f)

/* Views that have their own table: "generic" applies in every view, then one per screen of
 * views/registry.h. */
typedef enum {
	KMV_GENERIC,
#define KEYMAP_VIEW_ENUM(id, field, name, ctor) KMV_##id,
	VIEWS_LIST(KEYMAP_VIEW_ENUM)
#undef KEYMAP_VIEW_ENUM
	KMV_COUNT
} keymap_view;

typedef struct keymap keymap;

keymap *keymap_new(void);
void keymap_free(keymap *km);
/* Removes every binding. */
void keymap_clear(keymap *km);

/* "vms" -> KMV_VMS; -1 when unknown. */
int keymap_view_by_name(const char *name);
const char *keymap_view_name(keymap_view v);

/* Parses a KEYS word into keys[0..return). -1 with err filled on a bad spec. */
int keymap_parse_keys(const char *spec, int *keys, int max, char *err, size_t errlen);
/* The spec of one key ("j", "<C-d>", "<PgDn>") into buf; returns buf. */
const char *keymap_key_name(int key, char *buf, size_t n);

/* Binds (ACTION_NONE: hides the generic binding in that view). Replaces an equal sequence. */
void keymap_bind(keymap *km, keymap_view v, const int *keys, int n, action a);
/* Runs one line of keymap syntax: bind/unbind, blank or comment. 0, or -1 with err filled
 * (no file:line prefix: the caller adds it). */
int keymap_exec(keymap *km, const char *line, char *err, size_t errlen);

/* Called with "file:line: message" for each bad line. */
typedef void (*keymap_error_fn)(void *ctx, const char *message);
/* Loads text line by line; bad lines are reported and skipped, loading goes on.
 * Returns the number of bad lines. */
int keymap_load_string(keymap *km, const char *text, const char *filename, keymap_error_fn on_error,
		       void *ctx);
/* Same from a file; -1 (reported through on_error) when it cannot be read. */
int keymap_load_file(keymap *km, const char *path, keymap_error_fn on_error, void *ctx);

/* Key sequence resolution: feed keys one by one. */
typedef struct {
	int keys[KM_MAX_SEQ];
	int n;
} keymap_state;
typedef enum { KM_NONE, KM_PENDING, KM_ACTION } keymap_result;
/* KM_ACTION with *out set; KM_PENDING when the keys so far start a longer binding; KM_NONE when
 * nothing is bound (the state is reset; a pending prefix that does not continue is dropped and
 * the key is tried on its own). View bindings win over generic ones. */
keymap_result keymap_feed(const keymap *km, keymap_view v, keymap_state *st, int key, action *out);
/* The action bound to exactly this sequence in view v (or generic), ACTION_NONE if none. */
action keymap_lookup(const keymap *km, keymap_view v, const int *keys, int n);

/* "j, <Down>": the keys running action a in view v (view bindings, then generic ones not
 * hidden), comma separated, into buf. Returns the number of sequences. */
size_t keymap_keys_for(const keymap *km, keymap_view v, action a, char *buf, size_t n);

#endif
