#include "tui/keymap.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	keymap_view view;
	int keys[KM_MAX_SEQ];
	int n;
	action act; /* ACTION_NONE: hidden */
} binding;

struct keymap {
	binding *b;
	size_t n, cap;
};

static const char *const view_names[] = {
	"generic",
#define KEYMAP_VIEW_NAME(id, field, name, ctor) name,
	VIEWS_LIST(KEYMAP_VIEW_NAME)
#undef KEYMAP_VIEW_NAME
};

static const struct {
	const char *name;
	int key;
} key_names[] = {
	{ "Up", KM_KEY_UP }, { "Down", KM_KEY_DOWN }, { "Left", KM_KEY_LEFT },
	{ "Right", KM_KEY_RIGHT }, { "PgUp", KM_KEY_PGUP }, { "PageUp", KM_KEY_PGUP },
	{ "PgDn", KM_KEY_PGDN }, { "PageDown", KM_KEY_PGDN }, { "Home", KM_KEY_HOME },
	{ "End", KM_KEY_END }, { "Del", KM_KEY_DEL }, { "Delete", KM_KEY_DEL },
	{ "Ins", KM_KEY_INS }, { "Insert", KM_KEY_INS }, { "BTab", KM_KEY_BTAB },
	{ "S-Tab", KM_KEY_BTAB }, { "Enter", KM_KEY_ENTER }, { "Return", KM_KEY_ENTER },
	{ "Esc", KM_KEY_ESC }, { "Escape", KM_KEY_ESC }, { "Tab", KM_KEY_TAB },
	{ "Backspace", KM_KEY_BACKSPACE }, { "BS", KM_KEY_BACKSPACE }, { "Space", ' ' },
	{ "lt", '<' }, { "gt", '>' }, { "Hash", '#' },
};

keymap *keymap_new(void)
{
	return xcalloc(1, sizeof(keymap));
}

void keymap_free(keymap *km)
{
	if (!km)
		return;
	free(km->b);
	free(km);
}

void keymap_clear(keymap *km)
{
	km->n = 0;
}

int keymap_view_by_name(const char *name)
{
	for (int v = 0; v < KMV_COUNT; v++)
		if (!strcmp(view_names[v], name))
			return v;
	return -1;
}

const char *keymap_view_name(keymap_view v)
{
	return v >= 0 && v < KMV_COUNT ? view_names[v] : "?";
}

/* One UTF-8 character at s into *cp; its length, or -1 when malformed. */
static int utf8_decode(const char *s, int *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	int len, c;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	} else if ((u[0] & 0xe0) == 0xc0) {
		len = 2, c = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		len = 3, c = u[0] & 0x0f;
	} else if ((u[0] & 0xf8) == 0xf0) {
		len = 4, c = u[0] & 0x07;
	} else {
		return -1;
	}
	for (int i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (u[i] & 0x3f);
	}
	*cp = c;
	return len;
}

static int ctrl_of(int c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 1;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 1;
	if (c == '[')
		return 27;
	if (c == '@' || c == ' ')
		return 0;
	return -1;
}

int keymap_parse_keys(const char *spec, int *keys, int max, char *err, size_t errlen)
{
	int n = 0;
	const char *p = spec;
	if (!*p) {
		snprintf(err, errlen, "no key given");
		return -1;
	}
	while (*p) {
		int key;
		if (*p == '<' && p[1] && strchr(p + 1, '>') && strchr(p + 1, '>') > p + 1) {
			const char *end = strchr(p + 1, '>');
			char name[32];
			size_t len = (size_t)(end - p - 1);
			if (len >= sizeof name) {
				snprintf(err, errlen, "unknown key <%.*s>", (int)len, p + 1);
				return -1;
			}
			memcpy(name, p + 1, len);
			name[len] = '\0';
			key = -1;
			if ((!strncasecmp(name, "C-", 2) || !strncasecmp(name, "Ctrl-", 5)) &&
			    strlen(strchr(name, '-') + 1) == 1) {
				key = ctrl_of(strchr(name, '-')[1]);
			} else if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '0' && name[1] <= '9') {
				char *e;
				long f = strtol(name + 1, &e, 10);
				if (!*e && f >= 1 && f <= 12)
					key = KM_KEY_F0 + (int)f;
			} else {
				for (size_t k = 0; k < sizeof key_names / sizeof key_names[0]; k++)
					if (!strcasecmp(key_names[k].name, name))
						key = key_names[k].key;
			}
			if (key < 0) {
				snprintf(err, errlen, "unknown key <%s>", name);
				return -1;
			}
			p = end + 1;
		} else if (*p == '^' && p[1]) {
			key = ctrl_of(p[1]);
			if (key < 0) {
				snprintf(err, errlen, "no control key ^%c", p[1]);
				return -1;
			}
			p += 2;
		} else {
			int len = utf8_decode(p, &key);
			if (len < 0) {
				snprintf(err, errlen, "key spec '%s' is not valid UTF-8", spec);
				return -1;
			}
			p += len;
		}
		if (key == 0) {
			snprintf(err, errlen, "the NUL key cannot be bound");
			return -1;
		}
		if (n >= max) {
			snprintf(err, errlen, "key sequence '%s' is longer than %d keys", spec, max);
			return -1;
		}
		keys[n++] = key;
	}
	return n;
}

const char *keymap_key_name(int key, char *buf, size_t n)
{
	if (key >= KM_KEY_F0 + 1 && key <= KM_KEY_F0 + 12) {
		snprintf(buf, n, "<F%d>", key - KM_KEY_F0);
		return buf;
	}
	static const int preferred[] = { KM_KEY_UP, KM_KEY_DOWN, KM_KEY_LEFT, KM_KEY_RIGHT,
					 KM_KEY_PGUP, KM_KEY_PGDN, KM_KEY_HOME, KM_KEY_END,
					 KM_KEY_DEL, KM_KEY_INS, KM_KEY_BTAB, KM_KEY_ENTER,
					 KM_KEY_ESC, KM_KEY_TAB, KM_KEY_BACKSPACE, ' ', '<', '>' };
	for (size_t i = 0; i < sizeof preferred / sizeof preferred[0]; i++) {
		if (preferred[i] != key)
			continue;
		for (size_t k = 0; k < sizeof key_names / sizeof key_names[0]; k++) {
			if (key_names[k].key == key) {
				snprintf(buf, n, "<%s>", key_names[k].name);
				return buf;
			}
		}
	}
	if (key >= 1 && key < 32) {
		snprintf(buf, n, "<C-%c>", 'a' + key - 1);
	} else if (key < 0x80) {
		snprintf(buf, n, "%c", key);
	} else if (key < 0x110000) {
		char u[5] = { 0 };
		if (key < 0x800) {
			u[0] = (char)(0xc0 | (key >> 6)), u[1] = (char)(0x80 | (key & 0x3f));
		} else if (key < 0x10000) {
			u[0] = (char)(0xe0 | (key >> 12)), u[1] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[2] = (char)(0x80 | (key & 0x3f));
		} else {
			u[0] = (char)(0xf0 | (key >> 18)), u[1] = (char)(0x80 | ((key >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((key >> 6) & 0x3f)), u[3] = (char)(0x80 | (key & 0x3f));
		}
		snprintf(buf, n, "%s", u);
	} else {
		snprintf(buf, n, "<key-%d>", key);
	}
	return buf;
}

static bool seq_eq(const binding *b, const int *keys, int n)
{
	return b->n == n && !memcmp(b->keys, keys, (size_t)n * sizeof *keys);
}

void keymap_bind(keymap *km, keymap_view v, const int *keys, int n, action a)
{
	if (n < 1 || n > KM_MAX_SEQ)
		return;
	for (size_t i = 0; i < km->n; i++) {
		if (km->b[i].view == v && seq_eq(&km->b[i], keys, n)) {
			km->b[i].act = a;
			return;
		}
	}
	km->b = xgrow(km->b, &km->cap, km->n + 1, sizeof *km->b);
	binding *b = &km->b[km->n++];
	memset(b, 0, sizeof *b);
	b->view = v;
	memcpy(b->keys, keys, (size_t)n * sizeof *keys);
	b->n = n;
	b->act = a;
}

/* Splits line into at most max words (whitespace separated; no quoting in keymap syntax). */
static int split_words(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		w[n++] = t;
	}
	return n;
}

int keymap_exec(keymap *km, const char *line, char *err, size_t errlen)
{
	const char *p = line + strspn(line, " \t");
	if (!*p || *p == '#' || *p == '\n' || *p == '\r')
		return 0;
	char *copy = xstrdup(p);
	char *w[5] = { NULL };
	int n = split_words(copy, w, 4);
	int rc = -1;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (!strcmp(w[0], "bind")) {
		if (n != 4) {
			snprintf(err, errlen, "usage: bind VIEW KEYS ACTION");
			goto out;
		}
	} else if (!strcmp(w[0], "unbind")) {
		if (n != 3) {
			snprintf(err, errlen, "usage: unbind VIEW KEYS");
			goto out;
		}
	} else {
		snprintf(err, errlen, "unknown command '%s' (bind or unbind)", w[0]);
		goto out;
	}
	int v = keymap_view_by_name(w[1]);
	if (v < 0) {
		snprintf(err, errlen, "unknown view '%s' (generic, vms, detail, tasks, messages, help, fix, snaptest, history)", w[1]);
		goto out;
	}
	int keys[KM_MAX_SEQ];
	int nk = keymap_parse_keys(w[2], keys, KM_MAX_SEQ, err, errlen);
	if (nk < 0)
		goto out;
	action a = ACTION_NONE;
	if (n == 4) {
		a = action_by_name(w[3]);
		if (a == ACTION_NONE) {
			snprintf(err, errlen, "unknown action '%s' (see the help screen, ?)", w[3]);
			goto out;
		}
	}
	keymap_bind(km, (keymap_view)v, keys, nk, a);
	rc = 0;
out:
	free(copy);
	return rc;
}

int keymap_load_string(keymap *km, const char *text, const char *filename, keymap_error_fn on_error,
		       void *ctx)
{
	int bad = 0, lineno = 0;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, len);
		char err[256];
		lineno++;
		if (keymap_exec(km, line, err, sizeof err) < 0) {
			bad++;
			if (on_error) {
				char msg[600];
				snprintf(msg, sizeof msg, "%s:%d: %s", filename, lineno, err);
				on_error(ctx, msg);
			}
		}
		free(line);
		p += len;
		if (*p)
			p++;
	}
	return bad;
}

int keymap_load_file(keymap *km, const char *path, keymap_error_fn on_error, void *ctx)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (on_error) {
			char msg[600];
			snprintf(msg, sizeof msg, "%s: cannot read: %s", path, strerror(errno));
			on_error(ctx, msg);
		}
		return -1;
	}
	char *text = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		text = xgrow(text, &cap, len + got + 1, 1);
		memcpy(text + len, chunk, got);
		len += got;
	}
	fclose(f);
	text = xgrow(text, &cap, len + 1, 1);
	text[len] = '\0';
	int bad = keymap_load_string(km, text, path, on_error, ctx);
	free(text);
	return bad;
}

static const binding *find_exact(const keymap *km, keymap_view v, const int *keys, int n)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->b[i].view == v && seq_eq(&km->b[i], keys, n))
			return &km->b[i];
	return NULL;
}

action keymap_lookup(const keymap *km, keymap_view v, const int *keys, int n)
{
	const binding *b = find_exact(km, v, keys, n);
	if (b)
		return b->act;
	if (v != KMV_GENERIC && (b = find_exact(km, KMV_GENERIC, keys, n)))
		return b->act;
	return ACTION_NONE;
}

static bool has_longer(const keymap *km, keymap_view v, const int *keys, int n)
{
	for (size_t i = 0; i < km->n; i++) {
		const binding *b = &km->b[i];
		if ((b->view == v || b->view == KMV_GENERIC) && b->n > n && b->act != ACTION_NONE &&
		    !memcmp(b->keys, keys, (size_t)n * sizeof *keys))
			return true;
	}
	return false;
}

keymap_result keymap_feed(const keymap *km, keymap_view v, keymap_state *st, int key, action *out)
{
	if (st->n >= KM_MAX_SEQ)
		st->n = 0;
	st->keys[st->n++] = key;
	action a = keymap_lookup(km, v, st->keys, st->n);
	if (a != ACTION_NONE) {
		st->n = 0;
		*out = a;
		return KM_ACTION;
	}
	if (has_longer(km, v, st->keys, st->n))
		return KM_PENDING;
	bool was_pending = st->n > 1;
	st->n = 0;
	if (was_pending)
		return keymap_feed(km, v, st, key, out);
	return KM_NONE;
}

static void seq_name(const binding *b, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int k = 0; k < b->n; k++) {
		char one[32];
		keymap_key_name(b->keys[k], one, sizeof one);
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s", one);
		if (len >= n)
			break;
	}
}

size_t keymap_keys_for(const keymap *km, keymap_view v, action a, char *buf, size_t n)
{
	size_t count = 0, len = 0;
	if (n)
		buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		keymap_view pv = pass == 0 ? v : KMV_GENERIC;
		if (pass == 1 && v == KMV_GENERIC)
			break;
		for (size_t i = 0; i < km->n; i++) {
			const binding *b = &km->b[i];
			if (b->view != pv || b->act != a)
				continue;
			/* a generic binding hidden or rebound in this view does not run `a` here */
			if (pass == 1 && find_exact(km, v, b->keys, b->n))
				continue;
			char name[64];
			seq_name(b, name, sizeof name);
			if (len < n)
				len += (size_t)snprintf(buf + len, n - len, "%s%s", count ? ", " : "", name);
			count++;
		}
	}
	return count;
}
