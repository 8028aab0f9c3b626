#include "tui/term.h"
#include "tui/keymap.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static bool active;
static int saved_stderr = -1;
static int err_pipe = -1;
static char err_buf[4096];
static size_t err_len;
static attr_t attrs[TE_COUNT];
static int ncolors;
static bool utf8;

static const term_glyphs glyphs_utf8 = {
	.mark = "\u25cf", .bar_full = "\u2588", .bar_empty = "\u2591", .up = "\u25b2",
	.down = "\u25bc", .ellipsis = "\u2026", .sep = "\u2502",
	.spinner = { "\u280b", "\u2819", "\u2838", "\u2834" },
};
static const term_glyphs glyphs_ascii = {
	.mark = "*", .bar_full = "#", .bar_empty = ".", .up = "^", .down = "v", .ellipsis = "~",
	.sep = "|", .spinner = { "|", "/", "-", "\\" },
};

bool term_active(void) { return active; }
bool term_utf8(void) { return utf8; }
int term_color_count(void) { return ncolors; }
const term_glyphs *term_glyph(void) { return utf8 ? &glyphs_utf8 : &glyphs_ascii; }
attr_t term_attr(term_elem e) { return e >= 0 && e < TE_COUNT ? attrs[e] : A_NORMAL; }
int term_stderr_fd(void) { return err_pipe; }

static void restore_stderr(void)
{
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

/* Crash: put the terminal back first, then let the default action happen (core dump). */
static void on_crash(int sig)
{
	if (active) {
		endwin();
		active = false;
	}
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
	static const char msg[] = "\nquiescent: the console crashed (fatal signal); the terminal was restored\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static void capture_stderr(void)
{
	int p[2];
	if (pipe(p) < 0)
		return;
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		close(p[0]);
		close(p[1]);
		if (saved_stderr >= 0)
			close(saved_stderr);
		saved_stderr = -1;
		return;
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(saved_stderr, F_SETFD, FD_CLOEXEC);
	/* a writer must never block the program: a full pipe drops the text instead */
	fcntl(STDERR_FILENO, F_SETFL, fcntl(STDERR_FILENO, F_GETFL) | O_NONBLOCK);
	err_pipe = p[0];
	setvbuf(stderr, NULL, _IOLBF, 0);
}

void term_read_stderr(void (*fn)(void *ctx, const char *line), void *ctx)
{
	if (err_pipe < 0)
		return;
	for (;;) {
		ssize_t got = read(err_pipe, err_buf + err_len, sizeof err_buf - 1 - err_len);
		if (got <= 0)
			break;
		err_len += (size_t)got;
		err_buf[err_len] = '\0';
		char *start = err_buf, *nl;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			if (*start)
				fn(ctx, start);
			start = nl + 1;
		}
		err_len = strlen(start);
		memmove(err_buf, start, err_len + 1);
		if (err_len == sizeof err_buf - 1) { /* a line longer than the buffer */
			fn(ctx, err_buf);
			err_len = 0;
		}
	}
}

enum { P_TITLE = 1, P_READY, P_FIXABLE, P_MANUAL, P_UNKNOWN, P_NA, P_STATUS, P_ERROR, P_WARN,
       P_READONLY, P_SECTION, P_KEY, P_MARK, P_INFO };

static void setup_colors(term_colors want)
{
	const char *nc = getenv("NO_COLOR");
	if ((nc && *nc) || want == TERM_COLORS_NONE || !has_colors()) {
		ncolors = 0;
	} else {
		start_color();
		use_default_colors();
		ncolors = (want == TERM_COLORS_8 || COLORS < 256) ? 8 : 256;
	}
	for (int i = 0; i < TE_COUNT; i++)
		attrs[i] = A_NORMAL;
	attrs[TE_CURSOR] = A_REVERSE;
	attrs[TE_HEADER] = A_BOLD | A_UNDERLINE;
	attrs[TE_DIM] = A_DIM;
	attrs[TE_PROMPT] = A_BOLD;
	attrs[TE_CHANGED] = A_BOLD;
	if (ncolors == 0) {
		attrs[TE_TITLE] = A_REVERSE | A_BOLD;
		attrs[TE_STATUSLINE] = A_REVERSE;
		attrs[TE_MARK] = A_BOLD;
		attrs[TE_FIXABLE] = A_BOLD;
		attrs[TE_MANUAL] = A_BOLD | A_UNDERLINE;
		attrs[TE_UNKNOWN] = A_DIM;
		attrs[TE_NA] = A_DIM;
		attrs[TE_SEV_ERROR] = A_BOLD;
		attrs[TE_MSG_ERROR] = A_BOLD;
		attrs[TE_MSG_WARN] = A_BOLD;
		attrs[TE_READONLY] = A_REVERSE | A_BOLD;
		attrs[TE_BAR_DONE] = A_BOLD;
		attrs[TE_BAR_TODO] = A_DIM;
		attrs[TE_SECTION] = A_BOLD;
		attrs[TE_KEY] = A_BOLD;
		return;
	}
	bool c256 = ncolors == 256;
	init_pair(P_TITLE, c256 ? 231 : COLOR_WHITE, c256 ? 24 : COLOR_BLUE);
	init_pair(P_READY, c256 ? 78 : COLOR_GREEN, -1);
	init_pair(P_FIXABLE, c256 ? 214 : COLOR_YELLOW, -1);
	init_pair(P_MANUAL, c256 ? 203 : COLOR_RED, -1);
	init_pair(P_UNKNOWN, c256 ? 75 : COLOR_CYAN, -1);
	init_pair(P_NA, c256 ? 245 : COLOR_WHITE, -1);
	init_pair(P_STATUS, c256 ? 252 : COLOR_BLACK, c256 ? 237 : COLOR_WHITE);
	init_pair(P_ERROR, c256 ? 196 : COLOR_RED, -1);
	init_pair(P_WARN, c256 ? 220 : COLOR_YELLOW, -1);
	init_pair(P_READONLY, COLOR_WHITE, COLOR_RED);
	init_pair(P_SECTION, c256 ? 111 : COLOR_BLUE, -1);
	init_pair(P_KEY, c256 ? 179 : COLOR_YELLOW, -1);
	init_pair(P_MARK, c256 ? 213 : COLOR_MAGENTA, -1);
	init_pair(P_INFO, c256 ? 152 : COLOR_CYAN, -1);
	attrs[TE_TITLE] = COLOR_PAIR(P_TITLE) | A_BOLD;
	attrs[TE_READY] = COLOR_PAIR(P_READY);
	attrs[TE_FIXABLE] = COLOR_PAIR(P_FIXABLE);
	attrs[TE_MANUAL] = COLOR_PAIR(P_MANUAL);
	attrs[TE_UNKNOWN] = COLOR_PAIR(P_UNKNOWN);
	attrs[TE_NA] = COLOR_PAIR(P_NA) | (c256 ? 0 : A_DIM);
	attrs[TE_SEV_ERROR] = COLOR_PAIR(P_ERROR) | A_BOLD;
	attrs[TE_SEV_WARN] = COLOR_PAIR(P_WARN);
	attrs[TE_SEV_INFO] = COLOR_PAIR(P_INFO);
	attrs[TE_STATUSLINE] = COLOR_PAIR(P_STATUS);
	attrs[TE_MSG_INFO] = COLOR_PAIR(P_INFO);
	attrs[TE_MSG_WARN] = COLOR_PAIR(P_WARN) | A_BOLD;
	attrs[TE_MSG_ERROR] = COLOR_PAIR(P_ERROR) | A_BOLD;
	attrs[TE_READONLY] = COLOR_PAIR(P_READONLY) | A_BOLD;
	attrs[TE_BAR_DONE] = COLOR_PAIR(P_READY);
	attrs[TE_BAR_TODO] = COLOR_PAIR(P_NA);
	attrs[TE_SECTION] = COLOR_PAIR(P_SECTION) | A_BOLD;
	attrs[TE_KEY] = COLOR_PAIR(P_KEY) | A_BOLD;
	attrs[TE_MARK] = COLOR_PAIR(P_MARK) | A_BOLD;
	attrs[TE_SUMMARY] = A_NORMAL;
}

int term_init(const term_opts *o)
{
	const char *cs = nl_langinfo(CODESET);
	utf8 = !o->ascii && cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	install_crash_handlers();
	capture_stderr();
	if (!initscr()) {
		restore_stderr();
		return -1;
	}
	active = true;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	setup_colors(o->colors);
	/* double clicks too: term_mouse hands them back as two clicks */
	if (o->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON1_TRIPLE_CLICKED |
			  BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	return 0;
}

void term_done(void)
{
	if (active) {
		endwin();
		active = false;
	}
	restore_stderr();
	if (err_pipe >= 0) {
		close(err_pipe);
		err_pipe = -1;
	}
}

void term_fatal(int code, const char *fmt, ...)
{
	term_done();
	va_list ap;
	va_start(ap, fmt);
	fputs("quiescent: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

/* resize_term, not resizeterm: resizeterm also pushes a KEY_RESIZE into curses' input fifo,
 * and calling it again while get_wch hands that KEY_RESIZE back (ncurses 6.4) leaves the fifo
 * returning KEY_RESIZE forever: the first key after a resize spun the main loop at 100% CPU.
 * The console learns of resizes from SIGWINCH alone, so it needs no KEY_RESIZE. */
void term_resize(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
	    (ws.ws_row != LINES || ws.ws_col != COLS)) {
		resize_term(ws.ws_row, ws.ws_col);
		clearok(curscr, TRUE); /* what the terminal shows after a resize is unknown */
	}
}

int term_translate_key(int ret, wint_t ch)
{
	if (ret == ERR)
		return -1;
	if (ret == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return KM_KEY_UP;
		case KEY_DOWN: return KM_KEY_DOWN;
		case KEY_LEFT: return KM_KEY_LEFT;
		case KEY_RIGHT: return KM_KEY_RIGHT;
		case KEY_PPAGE: return KM_KEY_PGUP;
		case KEY_NPAGE: return KM_KEY_PGDN;
		case KEY_HOME: return KM_KEY_HOME;
		case KEY_END: return KM_KEY_END;
		case KEY_DC: return KM_KEY_DEL;
		case KEY_IC: return KM_KEY_INS;
		case KEY_BTAB: return KM_KEY_BTAB;
		case KEY_ENTER: return KM_KEY_ENTER;
		case KEY_BACKSPACE: return KM_KEY_BACKSPACE;
		case KEY_RESIZE: return -2;
		case KEY_MOUSE: return -3;
		default:
			if (ch >= (wint_t)KEY_F(1) && ch <= (wint_t)KEY_F(12))
				return KM_KEY_F0 + (int)(ch - KEY_F0);
			return -1;
		}
	}
	if (ch == '\n' || ch == '\r')
		return KM_KEY_ENTER;
	if (ch == 8)
		return KM_KEY_BACKSPACE;
	return (int)ch;
}

bool term_mouse(term_mouse_event *ev)
{
	MEVENT me;
	if (getmouse(&me) != OK)
		return false;
	memset(ev, 0, sizeof *ev);
	ev->y = me.y;
	ev->x = me.x;
	ev->click = me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED | BUTTON1_TRIPLE_CLICKED);
	ev->wheel_up = me.bstate & BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
	ev->wheel_down = me.bstate & BUTTON5_PRESSED;
#endif
	/* ncurses folds a quick second click into one double-click event: this one is the first
	 * click, the second comes back as the next event, so a double click selects and opens. */
	if (me.bstate & (BUTTON1_DOUBLE_CLICKED | BUTTON1_TRIPLE_CLICKED)) {
		me.bstate = BUTTON1_CLICKED;
		ungetmouse(&me);
	}
	return true;
}
