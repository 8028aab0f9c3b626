/* term: every curses setup and teardown of the console in one place, the colour themes, the
 * glyph set (UTF-8 or ASCII), key translation, and the crash hook that restores the terminal
 * before anything is printed. stderr is captured into a pipe while curses runs, so a library's
 * stray message lands in the message log instead of over the screen. */
#ifndef QUIESCENT_TUI_TERM_H
#define QUIESCENT_TUI_TERM_H

#include <stdbool.h>
#include <curses.h>

/* Named UI elements; each theme maps them to attributes. */
#define TERM_ELEMS(X) X(NORMAL) X(TITLE) X(SUMMARY) X(HEADER) X(CURSOR) X(MARK) X(DIM) \
	X(READY) X(FIXABLE) X(MANUAL) X(UNKNOWN) X(NA) X(SEV_ERROR) X(SEV_WARN) X(SEV_INFO) \
	X(STATUSLINE) X(MSG_INFO) X(MSG_WARN) X(MSG_ERROR) X(READONLY) X(PROMPT) X(CHANGED) \
	X(BAR_DONE) X(BAR_TODO) X(SECTION) X(KEY)
typedef enum {
#define TERM_ELEM_ENUM(id) TE_##id,
	TERM_ELEMS(TERM_ELEM_ENUM)
#undef TERM_ELEM_ENUM
	TE_COUNT
} term_elem;

typedef enum { TERM_COLORS_AUTO, TERM_COLORS_NONE, TERM_COLORS_8, TERM_COLORS_256 } term_colors;

typedef struct {
	term_colors colors;  /* AUTO: from the terminal; NO_COLOR in the environment forces NONE */
	bool mouse;
	bool ascii;          /* force ASCII glyphs (also when the locale is not UTF-8) */
} term_opts;

/* Glyphs with an ASCII fallback. */
typedef struct {
	const char *mark;     /* "●" / "*" */
	const char *bar_full; /* "█" / "#" */
	const char *bar_empty;/* "░" / "." */
	const char *up;       /* "▲" / "^" */
	const char *down;     /* "▼" / "v" */
	const char *ellipsis; /* "…" / "~" */
	const char *sep;      /* "│" / "|" */
	const char *spinner[4];
} term_glyphs;

/* Starts curses (after the pre-curses prompts). Captures stderr into a pipe whose read end
 * term_stderr_fd() gives (the main loop polls it). Installs the crash handlers. */
int term_init(const term_opts *o);
/* Ends curses, restores stderr. Safe to call twice. */
void term_done(void);
bool term_active(void);
/* Prints msg on the real stderr after restoring the terminal, then exits with code. */
void term_fatal(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

int term_stderr_fd(void);      /* -1 when not capturing */
/* Reads captured stderr; calls fn for each complete line. */
void term_read_stderr(void (*fn)(void *ctx, const char *line), void *ctx);

attr_t term_attr(term_elem e);
const term_glyphs *term_glyph(void);
bool term_utf8(void);
int term_color_count(void);    /* 0 (none), 8, 256 */

/* The current size, after SIGWINCH: asks the kernel and tells curses (never pushes a
 * KEY_RESIZE; a KEY_RESIZE that curses returns anyway only asks for a redraw). */
void term_resize(void);

/* A key from wget_wch (ret is its return value) as a keymap key (tui/keymap.h); -1 for none,
 * -2 for KEY_RESIZE, -3 for a mouse event (term_mouse gives it). */
int term_translate_key(int ret, wint_t ch);
typedef struct {
	int y, x;
	bool click, wheel_up, wheel_down;
} term_mouse_event;
bool term_mouse(term_mouse_event *ev);

#endif
