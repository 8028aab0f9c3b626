#include "tui/prompt.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/term.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

static unsigned char inbuf[512];
static size_t in_head, in_tail;
static bool active;
static char prefix;
static char prompt_text[4];
static char *hist_path;
static char matches_text[1024];
static bool have_matches;
static prompt_complete_fn complete_cb;
static prompt_done_fn done_cb;
static prompt_change_fn change_cb;
static void *cb_ctx;
static FILE *devnull;
/* completion candidates for the current Tab */
static char **cands;
static size_t cand_i;

static int my_getc(FILE *f)
{
	(void)f;
	if (in_head == in_tail)
		return EOF;
	return inbuf[in_head++];
}

static int my_input_available(void)
{
	return in_head != in_tail;
}

static void my_redisplay(void) { /* drawn by prompt_draw in the next frame */ }
static void my_prep(int meta) { (void)meta; }
static void my_deprep(void) {}

static void free_cands(void)
{
	if (!cands)
		return;
	for (size_t i = 0; cands[i]; i++)
		free(cands[i]);
	free(cands);
	cands = NULL;
}

static char *generator(const char *text, int state)
{
	if (!state)
		cand_i = 0;
	size_t len = strlen(text);
	while (cands && cands[cand_i]) {
		const char *c = cands[cand_i++];
		if (!strncmp(c, text, len))
			return xstrdup(c);
	}
	return NULL;
}

static char **attempt(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	free_cands();
	/* which word is being completed, and the command word before it */
	char *before = xstrndup(rl_line_buffer, (size_t)start);
	char *save = NULL, *cmd = NULL;
	int index = 0;
	for (char *w = strtok_r(before, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!index)
			cmd = w;
		index++;
	}
	if (complete_cb)
		cands = complete_cb(cb_ctx, prefix == ':' ? (index ? cmd : NULL) : "filter",
				    prefix == ':' ? index : index + 1, text);
	free(before);
	return rl_completion_matches(text, generator);
}

static void display_matches(char **matches, int num, int max)
{
	(void)max;
	size_t off = (size_t)snprintf(matches_text, sizeof matches_text, "%d matches:", num);
	for (int i = 1; i <= num && off < sizeof matches_text; i++)
		off += (size_t)snprintf(matches_text + off, sizeof matches_text - off, " %s", matches[i]);
	have_matches = true;
}

static void on_line(char *line)
{
	char p = prefix;
	rl_callback_handler_remove();
	active = false;
	if (line && *line && p == ':') {
		HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
		if (!last || strcmp(last->line, line))
			add_history(line);
	}
	if (done_cb)
		done_cb(cb_ctx, p, line);
	free(line);
}

static char *default_history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (state && *state)
		return xasprintf("%s/quiescent/history", state);
	if (home && *home)
		return xasprintf("%s/.local/state/quiescent/history", home);
	return NULL;
}

static void mkdir_parents(const char *path)
{
	char *dir = xstrdup(path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
	free(dir);
}

void prompt_setup(const char *history_path, prompt_complete_fn complete, prompt_done_fn done,
		  prompt_change_fn change, void *ctx)
{
	complete_cb = complete;
	done_cb = done;
	change_cb = change;
	cb_ctx = ctx;
	devnull = fopen("/dev/null", "w");
	rl_readline_name = "quiescent";
	rl_instream = stdin;
	rl_outstream = devnull ? devnull : stdout;
	rl_getc_function = my_getc;
	rl_input_available_hook = my_input_available;
	rl_redisplay_function = my_redisplay;
	rl_prep_term_function = my_prep;
	rl_deprep_term_function = my_deprep;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_attempted_completion_function = attempt;
	rl_completion_display_matches_hook = display_matches;
	rl_initialize();
	rl_variable_bind("show-all-if-ambiguous", "on");
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("horizontal-scroll-mode", "on");
	using_history();
	stifle_history(1000);
	hist_path = history_path ? xstrdup(history_path) : default_history_path();
	if (hist_path)
		read_history(hist_path);
}

void prompt_teardown(void)
{
	if (hist_path && history_length > 0) {
		mkdir_parents(hist_path);
		char *tmp = xasprintf("%s.tmp%ld", hist_path, (long)getpid());
		/* Created private: write_history uses 0666 & ~umask, and a chmod after the rename
		 * would leave the typed commands readable by others in between. */
		mode_t old_mask = umask(077);
		int wrc = write_history(tmp);
		umask(old_mask);
		if (wrc == 0 && rename(tmp, hist_path) == 0)
			chmod(hist_path, 0600);
		else
			unlink(tmp);
		free(tmp);
	}
	if (active)
		rl_callback_handler_remove();
	active = false;
	free_cands();
	free(hist_path);
	hist_path = NULL;
	if (devnull)
		fclose(devnull);
	devnull = NULL;
}

void prompt_open(char p, const char *initial)
{
	prefix = p;
	prompt_text[0] = p;
	prompt_text[1] = '\0';
	in_head = in_tail = 0;
	have_matches = false;
	active = true;
	rl_callback_handler_install(prompt_text, on_line);
	if (initial && *initial) {
		rl_insert_text(initial);
		rl_point = rl_end;
	}
}

bool prompt_active(void)
{
	return active;
}

const char *prompt_matches(void)
{
	return active && have_matches ? matches_text : NULL;
}

static void push(const char *bytes, size_t n)
{
	if (in_tail + n > sizeof inbuf) {
		memmove(inbuf, inbuf + in_head, in_tail - in_head);
		in_tail -= in_head;
		in_head = 0;
	}
	if (in_tail + n > sizeof inbuf)
		return;
	memcpy(inbuf + in_tail, bytes, n);
	in_tail += n;
}

void prompt_key(int key)
{
	if (!active)
		return;
	have_matches = false; /* the candidates stay on the screen until the next key */
	if (key == KM_KEY_ESC || key == KM_CTRL('c') || key == KM_CTRL('g')) {
		char p = prefix;
		rl_callback_handler_remove();
		active = false;
		if (done_cb)
			done_cb(cb_ctx, p, NULL);
		return;
	}
	/* Backspace on an empty line closes it, as in vim and less */
	if (key == KM_KEY_BACKSPACE && rl_end == 0) {
		prompt_key(KM_KEY_ESC);
		return;
	}
	char b[8];
	size_t n = 0;
	switch (key) {
	case KM_KEY_UP: memcpy(b, "\033[A", n = 3); break;
	case KM_KEY_DOWN: memcpy(b, "\033[B", n = 3); break;
	case KM_KEY_RIGHT: memcpy(b, "\033[C", n = 3); break;
	case KM_KEY_LEFT: memcpy(b, "\033[D", n = 3); break;
	case KM_KEY_HOME: memcpy(b, "\033[H", n = 3); break;
	case KM_KEY_END: memcpy(b, "\033[F", n = 3); break;
	case KM_KEY_DEL: memcpy(b, "\033[3~", n = 4); break;
	case KM_KEY_ENTER: b[0] = '\r', n = 1; break;
	default:
		if (key < 0)
			return;
		if (key < 0x80) {
			b[0] = (char)key, n = 1;
		} else if (key < 0x800) {
			b[0] = (char)(0xc0 | (key >> 6)), b[1] = (char)(0x80 | (key & 0x3f)), n = 2;
		} else if (key < 0x10000) {
			b[0] = (char)(0xe0 | (key >> 12)), b[1] = (char)(0x80 | ((key >> 6) & 0x3f));
			b[2] = (char)(0x80 | (key & 0x3f)), n = 3;
		} else if (key < 0x110000) {
			b[0] = (char)(0xf0 | (key >> 18)), b[1] = (char)(0x80 | ((key >> 12) & 0x3f));
			b[2] = (char)(0x80 | ((key >> 6) & 0x3f)), b[3] = (char)(0x80 | (key & 0x3f)), n = 4;
		} else {
			return; /* function keys mean nothing on the line */
		}
	}
	push(b, n);
	char p = prefix;
	while (active && in_head != in_tail)
		rl_callback_read_char();
	if (active && change_cb)
		change_cb(cb_ctx, p, rl_line_buffer);
}

void prompt_draw(int y, int w)
{
	if (!active)
		return;
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	/* scroll horizontally so the cursor stays visible */
	char *head = xstrndup(line, (size_t)rl_point);
	int cur = 1 + draw_width(head);
	free(head);
	int shift = 0;
	if (cur >= w - 1)
		shift = cur - (w - 2);
	draw_fill(y, 0, w, term_attr(TE_PROMPT));
	char p[2] = { prefix, 0 };
	draw_str(y, 0, 1, p, term_attr(TE_PROMPT));
	/* skip `shift` columns of text */
	const char *s = line;
	int skipped = 0;
	while (*s && skipped < shift - 1) {
		s++;
		while ((*s & 0xc0) == 0x80)
			s++;
		skipped++;
	}
	draw_str(y, 1, w - 1, s, A_NORMAL);
	move(y, cur - shift < w ? cur - shift : w - 1);
}
