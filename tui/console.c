/* The console: options, pre-curses prompts, the main loop (poll on the terminal, the wake pipe
 * and captured stderr), message handling, the frame (title, status and message lines), and the
 * generic actions and the `:` commands. */
#include "tui/console.h"

#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "cli/conn.h"
#include "scan/scan.h"
#include "store/store.h"
#include "tui/command.h"
#include "tui/draw.h"
#include "tui/jobs.h"
#include "tui/prompt.h"
#include "tui/quitguard.h"
#include "tui/term.h"
#include "tui/ui.h"
#include "tui/taskwatch.h"
#include "tui/watcher.h"
#include "util/secret.h"
#include "util/xalloc.h"
#include "views/view.h"
#include "vsphere/known_hosts.h"

#include <errno.h>
#include <fnmatch.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UI_MAX_LOG 2000

static volatile sig_atomic_t got_winch, got_int, got_term;
static msgq *signal_q;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else if (sig == SIGINT)
		got_int = 1;
	else
		got_term = 1;
	if (signal_q)
		msgq_wake(signal_q);
}

/* ---- options ---- */

typedef struct {
	conn_opts conn;
	char *keymap;
	bool readonly;
	bool no_probe;
	char *db;
	char *history;
	term_opts term;
} console_opts;

static void usage(FILE *out)
{
	fprintf(out, "usage: quiescent [OPTIONS]             the console\n"
		     "       quiescent COMMAND [OPTIONS]     headless (scan, fix, snaptest, history, ...)\n\n"
		     "The console shows every VM's readiness for quiesced snapshots, live.\n\n%s\n"
		     "Console:\n"
		     "  --keymap NAME|PATH    keys: default, vi, or a keymap file (also read:\n"
		     "                        $XDG_CONFIG_HOME/quiescent/keys)\n"
		     "  --readonly, --read-only  refuse every action that changes a VM\n"
		     "  --no-probe            do not run the guest probe (use the last one in history)\n"
		     "  --db PATH             history database (env QUIESCENT_DB)\n"
		     "  --history-file PATH   the : command line's history (default\n"
		     "                        $XDG_STATE_HOME/quiescent/history)\n"
		     "  --colors auto|256|8|none   colours (NO_COLOR in the environment: none)\n"
		     "  --ascii               ASCII glyphs only (automatic when the locale is not UTF-8)\n"
		     "  --mouse               click and wheel support\n"
		     "  -h, --help            this text\n",
		conn_opts_help());
}

static int parse(int argc, char **argv, console_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		cmd_arg shared = cmd_shared_arg("quiescent", &o->conn, argc, argv, &i, usage);
		if (shared == CMD_ARG_ERROR || shared == CMD_ARG_HELP)
			return shared == CMD_ARG_HELP ? 1 : -1;
		if (shared == CMD_ARG_TAKEN)
			continue;
		if (!strcmp(a, "--readonly") || !strcmp(a, "--read-only")) {
			o->readonly = true;
		} else if (!strcmp(a, "--no-probe")) {
			o->no_probe = true;
		} else if (!strcmp(a, "--ascii")) {
			o->term.ascii = true;
		} else if (!strcmp(a, "--mouse")) {
			o->term.mouse = true;
		} else if (!strcmp(a, "--keymap") || !strcmp(a, "--db") || !strcmp(a, "--colors") ||
			   !strcmp(a, "--history-file")) {
			const char *v = cmd_option_value("quiescent", argc, argv, &i);
			if (!v)
				return -1;
			if (!strcmp(a, "--keymap")) {
				xstrset(&o->keymap, v);
			} else if (!strcmp(a, "--db")) {
				xstrset(&o->db, v);
			} else if (!strcmp(a, "--history-file")) {
				xstrset(&o->history, v);
			} else if (!strcmp(v, "auto")) {
				o->term.colors = TERM_COLORS_AUTO;
			} else if (!strcmp(v, "256")) {
				o->term.colors = TERM_COLORS_256;
			} else if (!strcmp(v, "8")) {
				o->term.colors = TERM_COLORS_8;
			} else if (!strcmp(v, "none") || !strcmp(v, "0")) {
				o->term.colors = TERM_COLORS_NONE;
			} else {
				fprintf(stderr, "quiescent: --colors takes auto, 256, 8 or none\n");
				return -1;
			}
		} else {
			fprintf(stderr, "quiescent: unknown option '%s' (see quiescent --help)\n", a);
			return -1;
		}
	}
	return 0;
}

static char *host_of(const char *server)
{
	return scan_server_key(server);
}

/* Trust on first use, before curses: an unknown certificate is shown by its SHA-256
 * fingerprint and remembered in known_hosts when the operator says yes. */
static int tofu(conn_opts *o)
{
	if (o->thumbprint || o->insecure)
		return 0;
	char *host = host_of(o->server);
	char pinned[128];
	if (o->known_hosts && vs_known_hosts_lookup(o->known_hosts, host, pinned, sizeof pinned) == 1) {
		free(host);
		return 0;
	}
	char thumb[128];
	bool trusted = false;
	vs_error err;
	vs_error_clear(&err);
	if (vs_probe_certificate(o->server, o->ca_file, thumb, sizeof thumb, &trusted, &err) < 0 || trusted) {
		free(host); /* unreachable or trusted by the CA store: conn_open says the rest */
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		free(host);
		return 0; /* conn_open explains how to pin it */
	}
	fprintf(stderr, "The certificate of %s is not trusted by the system CA store.\n"
			"Its SHA-256 fingerprint is\n  %s\n"
			"Compare it with the one your vCenter shows. Trust it and remember it in %s? [y/N] ",
		host, thumb, o->known_hosts ? o->known_hosts : "(no known_hosts file)");
	fflush(stderr);
	char answer[16] = "";
	if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
		fprintf(stderr, "quiescent: not connecting to an untrusted server\n");
		free(host);
		return -1;
	}
	if (o->known_hosts && vs_known_hosts_add(o->known_hosts, host, thumb, &err) < 0)
		fprintf(stderr, "quiescent: warning: could not remember it: %s\n", err.message);
	xstrset(&o->thumbprint, thumb);
	free(host);
	return 0;
}

/* ---- messages and views ---- */

void ui_message(ui *u, log_level level, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = xstrdup("?");
	va_end(ap);
	if (u->n_log == UI_MAX_LOG) {
		free(u->log[0].text);
		memmove(u->log, u->log + 1, (u->n_log - 1) * sizeof *u->log);
		u->n_log--;
	}
	u->log = xgrow(u->log, &u->cap_log, u->n_log + 1, sizeof *u->log);
	u->log[u->n_log++] = (ui_logline){ .at = time(NULL), .level = level, .text = xstrdup(text) };
	free(u->msgline);
	u->msgline = text;
	u->msg_level = level;
	u->dirty = true;
}

view *ui_top(const ui *u)
{
	return u->stack[u->depth - 1];
}

void ui_push(ui *u, view *v)
{
	for (int i = 0; i < u->depth; i++) {
		if (u->stack[i] == v) {
			memmove(&u->stack[i], &u->stack[i + 1], (size_t)(u->depth - i - 1) * sizeof *u->stack);
			u->depth--;
			break;
		}
	}
	if (u->depth == UI_MAX_VIEWS) {
		memmove(&u->stack[1], &u->stack[2], (size_t)(u->depth - 2) * sizeof *u->stack);
		u->depth--;
	}
	u->stack[u->depth++] = v;
	if (v->ops->open)
		v->ops->open(v, u);
	u->kst.n = 0;
	u->dirty = true;
}

void ui_pop(ui *u)
{
	if (u->depth > 1)
		u->depth--;
	u->kst.n = 0;
	u->dirty = true;
}

void ui_open_detail(ui *u, const char *moref)
{
	detail_view_show(u->v_detail, u, moref);
	ui_push(u, u->v_detail);
}

ui_task *ui_task_get(ui *u, int id)
{
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].id == id)
			return &u->tasks[i];
	return NULL;
}

bool ui_busy(const ui *u)
{
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].job)
			return true;
	return false;
}

int ui_start_scan(ui *u)
{
	if (u->scan_task) {
		ui_message(u, LOG_INFO, "a scan is already running (Ctrl-C cancels it)");
		return -1;
	}
	scan_job_args *a = xcalloc(1, sizeof *a);
	a->vcenter = xstrdup(u->conn->server);
	a->probe = u->probe;
	a->guest_user = xstrdup(u->conn->guest_user);
	a->guest_password = u->conn->guest_password ? secret_dup(u->conn->guest_password) : NULL;
	a->db_path = xstrdup(u->db_path);
	int id = job_start(u, "scan", NULL, scan_job, a, scan_job_args_free);
	if (id < 0)
		return -1;
	u->scan_task = id;
	return 0;
}

/* ---- keymaps ---- */

static void keymap_error(void *ctx, const char *message)
{
	ui_message(ctx, LOG_ERROR, "%s", message);
}

static char *user_keys_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		return xasprintf("%s/quiescent/keys", xdg);
	if (home && *home)
		return xasprintf("%s/.config/quiescent/keys", home);
	return NULL;
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

/* default, then NAME (built in, else NAME.keys in QUIESCENT_KEYMAPDIR) or PATH, then the
 * user's file. */
static int load_keymaps(ui *u, const char *name)
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

/* ---- commands ---- */

static fleet_vm *vm_by_name(ui *u, const char *name)
{
	for (size_t i = 0; i < u->fl.n; i++)
		if (u->fl.vms[i]->f.name && !strcmp(u->fl.vms[i]->f.name, name))
			return u->fl.vms[i];
	return fleet_get(&u->fl, name);
}

static void cmd_mark(ui *u, int argc, char **argv, bool on)
{
	if (argc < 2) {
		ui_message(u, LOG_ERROR, "usage: :%s %s", argv[0], on ? "all|none|filtered|GLOB..." : "GLOB...");
		return;
	}
	size_t n = 0;
	if (on && argc == 2 && !strcmp(argv[1], "none")) {
		fleet_clear_marks(&u->fl);
		ui_message(u, LOG_INFO, "marks cleared");
		return;
	}
	if (on && argc == 2 && !strcmp(argv[1], "filtered")) {
		n = vms_view_mark_filtered(u->v_vms, u);
	} else {
		for (size_t i = 0; i < u->fl.n; i++) {
			fleet_vm *vm = u->fl.vms[i];
			bool hit = on && argc == 2 && !strcmp(argv[1], "all");
			for (int g = 1; g < argc && !hit; g++)
				hit = vm->f.name && fnmatch(argv[g], vm->f.name, 0) == 0;
			if (hit) {
				fleet_set_mark(&u->fl, vm, on);
				n++;
			}
		}
	}
	ui_message(u, n ? LOG_INFO : LOG_WARN, "%s %zu VMs (%zu marked in all)", on ? "marked" : "unmarked", n,
		   u->fl.n_marked);
}

typedef struct {
	conn_opts opts;
} connect_args;

static void connect_args_free(void *p)
{
	connect_args *a = p;
	conn_opts_done(&a->opts);
	free(a);
}

/* A :connect that logged in: the new session and what reaches it again (bare :connect). */
typedef struct {
	vs_session *s;
	char *server, *thumbprint;
} connected_args;

static void connected_args_free(void *p)
{
	connected_args *c = p;
	vs_session_free(c->s);
	free(c->server);
	free(c->thumbprint);
	free(c);
}

static void start_session(ui *u, vs_session *s);

/* UI thread: drops everything of the old session and starts on the new one. */
static void switch_session(ui *u, void *data)
{
	connected_args *c = data;
	watcher_stop(u->watch);
	u->watch = NULL;
	taskwatch_stop(u->taskwatch);
	u->taskwatch = NULL;
	tasks_view_vc_tasks(u, NULL);
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].job)
			job_cancel(u, u->tasks[i].job);
	fleet_done(&u->fl);
	fleet_init(&u->fl);
	vms_view_forget(u->v_vms);
	u->scan_task = 0;
	/* jobs still running hold the old session: it is freed at exit, after them */
	u->retired = xrealloc(u->retired, (u->n_retired + 1) * sizeof *u->retired);
	u->retired[u->n_retired++] = u->session;
	/* a bare :connect logs in again to this server, not the one of the start */
	xstrset(&u->conn->server, c->server);
	xstrset(&u->conn->thumbprint, c->thumbprint);
	ui_message(u, LOG_INFO, "connected to %s as %s", vs_session_server(c->s), vs_session_user(c->s));
	vs_session *s = c->s;
	c->s = NULL;
	connected_args_free(c);
	start_session(u, s);
}

static void connect_job(job *j, void *arg)
{
	connect_args *a = arg;
	vs_error err;
	vs_error_clear(&err);
	job_progress(j, 0, 1, "connecting to %s", a->opts.server);
	vs_session *s = conn_open(&a->opts, &err);
	if (!s) {
		job_fail(j, "connecting to %s failed: %s", a->opts.server, err.message);
		return;
	}
	connected_args *c = xcalloc(1, sizeof *c);
	c->s = s;
	c->server = xstrdup(a->opts.server);
	c->thumbprint = xstrdup(a->opts.thumbprint);
	job_post_call(j, switch_session, c, connected_args_free);
	job_progress(j, 1, 1, "connected");
}

/* :connect [SERVER [THUMBPRINT]]: the same credentials; bare, the current server again. */
static void cmd_connect(ui *u, int argc, char **argv)
{
	if (argc > 3) {
		ui_message(u, LOG_ERROR, "usage: :connect [SERVER [THUMBPRINT]]");
		return;
	}
	connect_args *a = xcalloc(1, sizeof *a);
	conn_opts_init(&a->opts);
	conn_opts *c = u->conn;
	a->opts.server = xstrdup(argc > 1 ? argv[1] : c->server);
	a->opts.user = xstrdup(c->user);
	a->opts.password = secret_dup(c->password);
	a->opts.thumbprint = xstrdup(argc > 2 ? argv[2] : argc > 1 ? NULL : c->thumbprint);
	a->opts.ca_file = xstrdup(c->ca_file);
	a->opts.known_hosts = xstrdup(c->known_hosts);
	a->opts.insecure = c->insecure;
	a->opts.pin_advice = xasprintf("run :connect %s", a->opts.server);
	job_start(u, "connect", NULL, connect_job, a, connect_args_free);
}

void ui_command(ui *u, const char *line)
{
	char *argv[64];
	char err[512];
	int argc = command_split(line, argv, 64, err, sizeof err);
	if (argc < 0) {
		ui_message(u, LOG_ERROR, "%s", err);
		return;
	}
	if (argc == 0)
		return;
	command_id id = command_resolve(argv[0], err, sizeof err);
	switch (id) {
	case CMD_NONE:
		ui_message(u, LOG_ERROR, "%s", err);
		break;
	case CMD_SCAN:
		if (ui_start_scan(u) == 0)
			ui_message(u, LOG_INFO, "scanning %s", u->server);
		break;
	case CMD_FILTER: {
		const char *rest = line + strspn(line, " \t");
		rest += strcspn(rest, " \t");
		rest += strspn(rest, " \t");
		if (vms_view_set_filter(u->v_vms, u, rest, err, sizeof err) < 0)
			ui_message(u, LOG_ERROR, "%s", err);
		else
			ui_push(u, u->v_vms);
		break;
	}
	case CMD_SORT:
		if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "asc") && strcmp(argv[2], "desc"))) {
			ui_message(u, LOG_ERROR, "usage: :sort COLUMN [asc|desc]");
		} else if (vms_view_sort(u->v_vms, u, argv[1], argc == 3 ? (!strcmp(argv[2], "asc") ? 1 : -1) : 0,
					 err, sizeof err) < 0) {
			ui_message(u, LOG_ERROR, "%s", err);
		} else {
			ui_push(u, u->v_vms);
			ui_message(u, LOG_INFO, "sorted by %s", argv[1]);
		}
		break;
	case CMD_MARK:
	case CMD_UNMARK:
		cmd_mark(u, argc, argv, id == CMD_MARK);
		break;
	case CMD_OPEN: {
		fleet_vm *vm = argc == 2 ? vm_by_name(u, argv[1]) : NULL;
		if (argc != 2)
			ui_message(u, LOG_ERROR, "usage: :open VM");
		else if (!vm)
			ui_message(u, LOG_ERROR, "no VM named '%s'", argv[1]);
		else
			ui_open_detail(u, vm->f.moref);
		break;
	}
	case CMD_CONNECT:
		cmd_connect(u, argc, argv);
		break;
	case CMD_KEYMAP:
		if (argc != 2)
			ui_message(u, LOG_ERROR, "usage: :keymap default|vi|PATH");
		else if (load_keymaps(u, argv[1]) == 0)
			ui_message(u, LOG_INFO, "keymap %s loaded", argv[1]);
		break;
	case CMD_BIND:
	case CMD_UNBIND: {
		const char *p = line + strspn(line, " \t");
		char *norm = xasprintf("%s%s", id == CMD_BIND ? "bind" : "unbind", p + strcspn(p, " \t"));
		if (keymap_exec(u->km, norm, err, sizeof err) < 0)
			ui_message(u, LOG_ERROR, "%s", err);
		else
			ui_message(u, LOG_INFO, "%s", norm);
		free(norm);
		break;
	}
	case CMD_MESSAGES: ui_push(u, u->v_messages); break;
	case CMD_TASKS: ui_push(u, u->v_tasks); break;
	case CMD_HELP: ui_push(u, u->v_help); break;
	case CMD_FIX:
		if (u->readonly)
			ui_message(u, LOG_WARN, "read-only console (--readonly): fix is refused");
		else
			plan_view_show(u);
		break;
	case CMD_SNAPTEST:
		if (u->readonly)
			ui_message(u, LOG_WARN, "read-only console (--readonly): snaptest is refused");
		else if (argc > 2)
			ui_message(u, LOG_ERROR, "usage: :snaptest [VM] (mark VMs to test several)");
		else
			snaptest_view_show(u, argc == 2 ? argv[1] : NULL);
		break;
	case CMD_HISTORY: history_view_command(u, argc, argv); break;
	case CMD_QUIT: u->quit = quitguard_quit(u); break;
	default: break;
	}
	command_free_words(argv, argc);
	u->dirty = true;
}

/* ---- completion ---- */

static void add_cand(char ***v, size_t *n, size_t *cap, const char *s)
{
	*v = xgrow(*v, cap, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

static char **complete(void *ctx, const char *command, int word_index, const char *text)
{
	ui *u = ctx;
	char **v = NULL;
	size_t n = 0, cap = 0;
	if (!command) {
		for (int c = CMD_NONE + 1; c < CMD_COUNT; c++)
			add_cand(&v, &n, &cap, command_get((command_id)c)->name);
		return v;
	}
	char err[256];
	command_id id = command_resolve(command, err, sizeof err);
	const command_info *ci = command_get(id);
	if (!ci)
		return NULL;
	switch (ci->completes) {
	case CC_VM:
		if (id == CMD_MARK) {
			add_cand(&v, &n, &cap, "all");
			add_cand(&v, &n, &cap, "none");
			add_cand(&v, &n, &cap, "filtered");
		}
		if (id == CMD_FILTER) {
			static const char *const st[] = { "ready", "fixable", "manual", "unknown", "n/a", "!ready", "marked" };
			for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
				add_cand(&v, &n, &cap, st[i]);
		}
		for (size_t i = 0; i < u->fl.n; i++)
			if (u->fl.vms[i]->f.name && !strncmp(u->fl.vms[i]->f.name, text, strlen(text)))
				add_cand(&v, &n, &cap, u->fl.vms[i]->f.name);
		break;
	case CC_COLUMN:
		if (word_index == 1)
			for (const char *const *c = vms_view_columns(); *c; c++)
				add_cand(&v, &n, &cap, *c);
		else {
			add_cand(&v, &n, &cap, "asc");
			add_cand(&v, &n, &cap, "desc");
		}
		break;
	case CC_KEYMAP:
		add_cand(&v, &n, &cap, "default");
		add_cand(&v, &n, &cap, "vi");
		break;
	case CC_VIEW_KEYS:
		if (word_index == 1)
			for (int k = 0; k < KMV_COUNT; k++)
				add_cand(&v, &n, &cap, keymap_view_name((keymap_view)k));
		else if (word_index == 3)
			for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
				add_cand(&v, &n, &cap, action_get((action)a)->name);
		break;
	default:
		break;
	}
	return v;
}

static char *filter_before_prompt;

static void prompt_done(void *ctx, char prefix, const char *line)
{
	ui *u = ctx;
	u->dirty = true;
	if (prefix == '/') {
		char err[256];
		if (!line) { /* Esc: put the filter back as it was */
			vms_view_set_filter(u->v_vms, u, filter_before_prompt, err, sizeof err);
		} else if (vms_view_set_filter(u->v_vms, u, line, err, sizeof err) < 0) {
			ui_message(u, LOG_ERROR, "%s", err);
		} else if (*line) {
			ui_message(u, LOG_INFO, "filter /%s", line);
		}
		free(filter_before_prompt);
		filter_before_prompt = NULL;
		return;
	}
	if (line)
		ui_command(u, line);
}

static void prompt_change(void *ctx, char prefix, const char *line)
{
	ui *u = ctx;
	if (prefix != '/')
		return;
	char err[256];
	/* live filtering: a half-typed regex simply does not apply yet */
	vms_view_set_filter(u->v_vms, u, line, err, sizeof err);
}

/* ---- actions ---- */

static void cancel_running(ui *u)
{
	size_t n = 0;
	for (size_t i = 0; i < u->n_tasks; i++) {
		if (u->tasks[i].job) {
			job_cancel(u, u->tasks[i].job);
			n++;
		}
	}
	if (n)
		ui_message(u, LOG_WARN, "cancelling %zu running operation%s", n, n == 1 ? "" : "s");
	else
		ui_message(u, LOG_INFO, "nothing is running (q quits)");
}

void ui_action(ui *u, action a)
{
	const action_info *ai = action_get(a);
	if (!ai)
		return;
	if (u->readonly && action_changes_vms(a)) {
		ui_message(u, LOG_WARN, "read-only console (--readonly): %s is refused", ai->name);
		return;
	}
	if (a != ACTION_QUIT)
		quitguard_other(u, a);
	view *v = ui_top(u);
	unsigned r = v->ops->request(v, u, a);
	if (!(r & VR_UNHANDLED)) {
		u->dirty = true;
		return;
	}
	u->dirty = true;
	switch (a) {
	case ACTION_BACK:
		ui_pop(u);
		break;
	case ACTION_QUIT:
		if (u->depth > 1)
			ui_pop(u);
		else if (quitguard_quit(u))   /* fixes and tests are stopped safely first */
			u->quit = true;
		break;
	case ACTION_HELP:
		if (v == u->v_help)
			ui_pop(u);
		else
			ui_push(u, u->v_help);
		break;
	case ACTION_PROMPT:
		prompt_open(':', NULL);
		break;
	case ACTION_FILTER:
		ui_push(u, u->v_vms);
		xstrset(&filter_before_prompt, vms_view_filter(u->v_vms));
		prompt_open('/', vms_view_filter(u->v_vms));
		break;
	case ACTION_FILTER_CLEAR:
		vms_view_set_filter(u->v_vms, u, NULL, NULL, 0);
		break;
	case ACTION_VIEW_VMS:
		while (u->depth > 1)
			ui_pop(u);
		break;
	case ACTION_VIEW_TASKS: ui_push(u, u->v_tasks); break;
	case ACTION_VIEW_MESSAGES: ui_push(u, u->v_messages); break;
	case ACTION_RESCAN:
		if (ui_start_scan(u) == 0)
			ui_message(u, LOG_INFO, "scanning %s", u->server);
		break;
	case ACTION_CANCEL: cancel_running(u); break;
	case ACTION_REDRAW: clearok(curscr, TRUE); break;
	case ACTION_FIX: plan_view_show(u); break;
	case ACTION_SNAPTEST: snaptest_view_show(u, NULL); break;
	case ACTION_HISTORY: history_view_show_vm(u); break;
	case ACTION_OPEN:
	case ACTION_NEXT_PROBLEM:
	case ACTION_PREV_PROBLEM:
	case ACTION_SORT_NEXT:
	case ACTION_SORT_PREV:
	case ACTION_SORT_REVERSE:
	case ACTION_MARK:
	case ACTION_MARK_RANGE:
	case ACTION_MARK_ALL:
	case ACTION_MARK_CLEAR:
		if (v != u->v_vms) { /* list actions from another view act on the list */
			ui_push(u, u->v_vms);
			ui_action(u, a);
		}
		break;
	default:
		break;
	}
}

/* ---- messages from workers ---- */

static void apply_full_sync(ui *u, msg *m)
{
	for (size_t i = 0; i < u->fl.n; i++)
		u->fl.vms[i]->seen = false;
	time_t now = time(NULL);
	for (size_t i = 0; i < m->n; i++)
		fleet_update_inventory(&u->fl, &m->facts[i], now)->seen = true;
	for (size_t i = u->fl.n; i-- > 0;)
		if (!u->fl.vms[i]->seen)
			fleet_remove(&u->fl, u->fl.vms[i]->f.moref);
}

static bool watch_synced;

static void start_session(ui *u, vs_session *s)
{
	u->session = s;
	u->conn_ok = true;
	free(u->server);
	u->server = scan_server_key(vs_session_server(s));
	watch_synced = false;
	u->watch = watcher_start(s, &u->q);
	if (!u->watch)
		ui_message(u, LOG_ERROR, "could not start the live watcher thread: changes will need :scan");
	u->taskwatch = taskwatch_start(s, &u->q, tasks_view_vc_tasks);
	if (!u->taskwatch)
		ui_message(u, LOG_ERROR, "could not start the thread reading vCenter's tasks: the Tasks "
			   "view shows this session's only");
	ui_start_scan(u);
}

static void apply(ui *u, msg *m)
{
	time_t now = time(NULL);
	switch (m->kind) {
	case MSG_LOG:
		ui_message(u, m->level, "%s", m->text);
		break;
	case MSG_SCAN_DONE:
		for (size_t i = 0; i < m->n; i++)
			fleet_apply_scan(&u->fl, &m->facts[i], now, watch_synced);
		u->fl.scanned_at = m->at;
		u->fl.scan_id = m->scan_id;
		fleet_recount(&u->fl);
		ui_message(u, LOG_INFO, "scan done: %zu VMs: %zu ready, %zu fixable, %zu manual, %zu unknown, %zu n/a",
			   u->fl.n, u->fl.by_status[STATUS_READY], u->fl.by_status[STATUS_FIXABLE],
			   u->fl.by_status[STATUS_MANUAL], u->fl.by_status[STATUS_UNKNOWN], u->fl.by_status[STATUS_NA]);
		break;
	case MSG_VM_UPDATE:
		if (m->full_sync) {
			apply_full_sync(u, m);
			watch_synced = true;
		} else {
			for (size_t i = 0; i < m->n; i++) {
				fleet_vm *vm = fleet_update_inventory(&u->fl, &m->facts[i], now);
				if (m->n <= 3)
					ui_message(u, LOG_INFO, "%s changed: %s, %s, %s", vm->f.name ? vm->f.name : vm->f.moref,
						   model_power_name(vm->f.power), model_status_name(vm->v.status),
						   model_level_name(vm->v.predicted));
			}
		}
		break;
	case MSG_VM_GONE:
		for (size_t i = 0; i < m->n; i++)
			fleet_remove(&u->fl, m->morefs[i]);
		break;
	case MSG_CONN:
		u->conn_ok = m->conn_ok;
		ui_message(u, m->conn_ok ? LOG_INFO : LOG_WARN, "%s", m->text);
		break;
	case MSG_TASK: {
		ui_task *t = ui_task_get(u, m->task_id);
		if (!t)
			break;
		if (m->finished) {
			if (t->job)
				job_reap(t->job);
			t->job = NULL;
			if (t->quiet) { /* nobody shows it: drop the row */
				free(t->title);
				free(t->vm);
				free(t->what);
				free(t->error);
				size_t i = (size_t)(t - u->tasks);
				memmove(t, t + 1, (u->n_tasks - i - 1) * sizeof *t);
				u->n_tasks--;
				break;
			}
			/* a fix or test that ended may have written this VM's history */
			if (ui_top(u) == u->v_detail && u->scan_task != t->id)
				detail_view_reload_history(u->v_detail, u);
			if (t->state != TASK_FAILED)
				t->state = m->state;
			t->ended = now;
			if (t->id == u->scan_task)
				u->scan_task = 0;
			if (m->state == TASK_CANCELLED)
				ui_message(u, LOG_WARN, "%s cancelled", t->title);
			break;
		}
		t->state = m->state;
		t->done = m->done;
		t->total = m->total;
		if (m->text)
			xstrset(&t->what, m->text);
		if (m->error)
			xstrset(&t->error, m->error);
		break;
	}
	case MSG_CALL:
		if (m->call) {
			void *data = m->data;
			m->data = NULL; /* the call owns it now */
			m->call(u, data);
		}
		break;
	}
	u->dirty = true;
}

/* ---- the frame ---- */

static void draw_title(ui *u, int w)
{
	draw_fill(0, 0, w, term_attr(TE_TITLE));
	char buf[512];
	snprintf(buf, sizeof buf, " quiescent  %s@%s  %zu VMs", u->conn->user ? u->conn->user : "?",
		 u->server ? u->server : "?", u->fl.n);
	int x = draw_str(0, 0, w, buf, term_attr(TE_TITLE));
	/* the running task, with a spinner */
	ui_task *running = NULL;
	for (size_t i = u->n_tasks; i-- > 0;)
		if (u->tasks[i].job && !u->tasks[i].quiet) {
			running = &u->tasks[i];
			break;
		}
	char right[300] = "";
	if (!u->conn_ok)
		snprintf(right, sizeof right, "! connection lost, reconnecting ");
	else if (running)
		snprintf(right, sizeof right, "%s %s%s%s ", term_glyph()->spinner[u->spin % 4], running->title,
			 running->what ? ": " : "", running->what ? running->what : "");
	int rw = draw_width(right);
	if (rw > w - x - 2)
		rw = w - x - 2;
	if (rw > 0)
		draw_text(0, w - rw, rw, right, term_attr(u->conn_ok ? TE_TITLE : TE_READONLY), ALIGN_RIGHT);
}

static void draw_status(ui *u, int y, int w)
{
	view *v = ui_top(u);
	attr_t a = term_attr(TE_STATUSLINE);
	draw_fill(y, 0, w, a);
	char st[256] = "";
	v->ops->status(v, u, st, sizeof st);
	char buf[512];
	snprintf(buf, sizeof buf, " [%s] %s", v->title, st);
	int x = draw_str(y, 0, w, buf, a);
	char right[256];
	size_t off = 0;
	right[0] = '\0';
	if (u->kst.n) {
		off += (size_t)snprintf(right + off, sizeof right - off, "keys: ");
		for (int i = 0; i < u->kst.n; i++) {
			char k[32];
			off += (size_t)snprintf(right + off, sizeof right - off, "%s", keymap_key_name(u->kst.keys[i], k, sizeof k));
		}
		off += (size_t)snprintf(right + off, sizeof right - off, "  ");
	}
	if (u->fl.n_marked)
		off += (size_t)snprintf(right + off, sizeof right - off, "marked %zu  ", u->fl.n_marked);
	if (u->keymap_name && strcmp(u->keymap_name, "default"))
		off += (size_t)snprintf(right + off, sizeof right - off, "keys:%s  ", u->keymap_name);
	char help[32];
	if (!keymap_keys_for(u->km, v->ops->keys, ACTION_HELP, help, sizeof help))
		snprintf(help, sizeof help, ":help");
	char *comma = strchr(help, ',');
	if (comma)
		*comma = '\0';
	snprintf(right + off, sizeof right - off, "%s help ", help);
	int rw = draw_width(right);
	int ro = u->readonly ? 10 : 0;
	if (x + rw + ro + 1 < w) {
		draw_str(y, w - rw - ro, rw, right, a);
		if (u->readonly)
			draw_str(y, w - ro, ro, " READONLY ", term_attr(TE_READONLY));
	} else if (u->readonly && x + ro < w) {
		draw_str(y, w - ro, ro, " READONLY ", term_attr(TE_READONLY));
	}
}

static void draw_msgline(ui *u, int y, int w)
{
	if (prompt_active()) {
		prompt_draw(y, w);
		return;
	}
	draw_fill(y, 0, w, A_NORMAL);
	if (u->msgline) {
		term_elem e = u->msg_level == LOG_ERROR || u->msg_level == LOG_STDERR ? TE_MSG_ERROR
			      : u->msg_level == LOG_WARN ? TE_MSG_WARN : TE_NORMAL;
		draw_str(y, 0, w, u->msgline, term_attr(e));
	}
}

static void draw_all(ui *u)
{
	int h = LINES, w = COLS;
	erase();
	if (h < 6 || w < 30) {
		draw_str(0, 0, w, "terminal too small for quiescent (80x24 or more)", A_BOLD);
		refresh();
		return;
	}
	draw_title(u, w);
	view *v = ui_top(u);
	v->ops->draw(v, u, 1, h - 3, w);
	draw_status(u, h - 2, w);
	draw_msgline(u, h - 1, w);
	curs_set(prompt_active() ? 1 : 0);
	if (!prompt_active())
		move(h - 1, w - 1);
	else
		prompt_draw(h - 1, w);
	refresh();
}

/* ---- input ---- */

static void handle_mouse(ui *u)
{
	term_mouse_event ev;
	if (!term_mouse(&ev))
		return;
	view *v = ui_top(u);
	if (ev.wheel_up) {
		for (int i = 0; i < 3; i++)
			ui_action(u, ACTION_MOVE_UP);
	} else if (ev.wheel_down) {
		for (int i = 0; i < 3; i++)
			ui_action(u, ACTION_MOVE_DOWN);
	} else if (ev.click) {
		int first = v == u->v_vms ? 3 : v == u->v_tasks ? 2 : 1;
		if (ev.y >= first && ev.y < LINES - 2 && !v->list.no_cursor) {
			size_t idx = v->list.top + (size_t)(ev.y - first);
			if (idx < v->list.n) {
				if (idx == v->list.cursor && v == u->v_vms)
					ui_action(u, ACTION_OPEN);
				else {
					long delta = (long)idx - (long)v->list.cursor;
					action a = delta > 0 ? ACTION_MOVE_DOWN : ACTION_MOVE_UP;
					for (long i = 0; i < labs(delta); i++)
						ui_action(u, a);
				}
			}
		}
	}
	u->dirty = true;
}

static void handle_key(ui *u, int key)
{
	u->dirty = true;
	if (prompt_active()) {
		prompt_key(key);
		const char *mt = prompt_matches();
		if (mt) {
			free(u->msgline);
			u->msgline = xstrdup(mt);
			u->msg_level = LOG_INFO;
		}
		return;
	}
	if (u->msgline && u->msg_level != LOG_ERROR) {
		free(u->msgline);
		u->msgline = NULL;
	}
	if (quitguard_key(u, key))
		return;
	action a = ACTION_NONE;
	view *v = ui_top(u);
	keymap_result r = keymap_feed(u->km, v->ops->keys, &u->kst, key, &a);
	if (r == KM_ACTION) {
		if (u->msgline && u->msg_level == LOG_ERROR) {
			free(u->msgline);
			u->msgline = NULL;
		}
		ui_action(u, a);
	} else if (r == KM_NONE) {
		if (key == KM_CTRL('c')) { /* Ctrl-C always cancels, whatever the keymap says */
			cancel_running(u);
			return;
		}
		char name[32];
		ui_message(u, LOG_INFO, "%s is not bound here (%s for help)", keymap_key_name(key, name, sizeof name), "?");
	}
}

static void on_stderr_line(void *ctx, const char *line)
{
	ui_message(ctx, LOG_STDERR, "%s", line);
}

/* key-to-redraw latency for `make bench` (QUIESCENT_LATENCY_LOG=FILE) */
static FILE *latency_log;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void main_loop(ui *u)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	time_t last_tick = 0;
	u->dirty = true;
	while (!u->quit) {
		double key_at = 0;
		int keys = 0;
		if (u->dirty) {
			draw_all(u);
			u->dirty = false;
		}
		taskwatch_set_active(u->taskwatch, ui_top(u) == u->v_tasks);
		struct pollfd fds[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = u->q.fds[0], .events = POLLIN },
			{ .fd = term_stderr_fd(), .events = POLLIN },
		};
		int timeout = ui_busy(u) ? 150 : 1000;
		int rc = poll(fds, fds[2].fd >= 0 ? 3 : 2, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (got_term)
			break;
		if (got_winch) {
			got_winch = 0;
			term_resize();
			u->dirty = true;
		}
		if (got_int) { /* SIGINT from outside (the terminal sends Ctrl-C as a key in raw mode) */
			got_int = 0;
			cancel_running(u);
		}
		if (rc > 0 && (fds[1].revents & POLLIN)) {
			msgq_drain_pipe(&u->q);
			for (msg *m = msgq_take(&u->q); m;) {
				msg *next = m->next;
				apply(u, m);
				msg_free(m);
				m = next;
			}
		}
		if (rc > 0 && fds[2].fd >= 0 && (fds[2].revents & POLLIN))
			term_read_stderr(on_stderr_line, u);
		if (rc > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (fds[0].revents & (POLLHUP | POLLERR) && !(fds[0].revents & POLLIN))
				break; /* the terminal went away */
			key_at = now_ms();
			wint_t ch;
			int ret;
			while ((ret = get_wch(&ch)) != ERR) {
				int key = term_translate_key(ret, ch);
				if (key == -2) {
					term_resize();
					u->dirty = true;
				} else if (key == -3) {
					handle_mouse(u);
				} else if (key >= 0) {
					handle_key(u, key);
					keys++;
				}
				if (u->quit)
					break;
			}
		}
		if (quitguard_ready(u))
			break;   /* q, q: every fix and test ended safely */
		time_t now = time(NULL);
		if (now != last_tick || ui_busy(u)) {
			last_tick = now;
			u->spin++;
			if (ui_busy(u) || ui_top(u) == u->v_tasks || ui_top(u) == u->v_vms)
				u->dirty = true; /* spinner, durations, change highlights */
		}
		if (keys && latency_log) {
			draw_all(u);
			u->dirty = false;
			fprintf(latency_log, "%.3f %d\n", now_ms() - key_at, keys);
			fflush(latency_log);
		}
	}
}

/* ---- entry ---- */

int console_main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	console_opts o;
	memset(&o, 0, sizeof o);
	conn_opts_init(&o.conn);
	int p = parse(argc, argv, &o);
	if (p != 0) {
		conn_opts_done(&o.conn);
		return p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	conn_opts_from_env(&o.conn);
	int rc = CLI_EXIT_USAGE;
	char why[512];
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		fprintf(stderr, "quiescent: the console needs a terminal; for scripts use 'quiescent scan' (see --help)\n");
		goto out;
	}
	if (conn_opts_complete(&o.conn, !o.no_probe, why, sizeof why) < 0) {
		fprintf(stderr, "quiescent: %s\n", why);
		goto out;
	}
	if (tofu(&o.conn) < 0) {
		rc = CLI_EXIT_CONNECT;
		goto out;
	}
	fprintf(stderr, "quiescent: connecting to %s...\n", o.conn.server);
	vs_error err;
	vs_error_clear(&err);
	vs_session *s = conn_open(&o.conn, &err);
	if (!s) {
		fprintf(stderr, "quiescent: %s\n", err.message);
		rc = CLI_EXIT_CONNECT;
		goto out;
	}

	ui u;
	memset(&u, 0, sizeof u);
	fleet_init(&u.fl);
	if (msgq_init(&u.q) < 0) {
		fprintf(stderr, "quiescent: no pipe: %s\n", strerror(errno));
		vs_session_free(s);
		goto out;
	}
	signal_q = &u.q;
	u.conn = &o.conn;
	u.readonly = o.readonly;
	u.probe = !o.no_probe;
	char dbbuf[4096];
	const char *db = o.db ? o.db : store_default_path(dbbuf, sizeof dbbuf);
	u.db_path = xstrdup(db);
	u.km = keymap_new();
	u.v_vms = vms_view_new();
	u.v_detail = detail_view_new();
	u.v_tasks = tasks_view_new();
	u.v_messages = messages_view_new();
	u.v_help = help_view_new();
	u.v_fix = plan_view_new();
	u.v_snaptest = snaptest_view_new();
	u.v_history = history_view_new();
	u.stack[u.depth++] = u.v_vms;
	load_keymaps(&u, o.keymap);
	const char *lat = getenv("QUIESCENT_LATENCY_LOG");
	if (lat && *lat)
		latency_log = fopen(lat, "w");

	if (term_init(&o.term) < 0) {
		fprintf(stderr, "quiescent: cannot start the terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		rc = CLI_EXIT_USAGE;
	} else {
		prompt_setup(o.history, complete, prompt_done, prompt_change, &u);
		if (o.conn.insecure)
			ui_message(&u, LOG_WARN, "--insecure: the certificate of %s is not verified", o.conn.server);
		if (!o.conn.guest_user && u.probe)
			ui_message(&u, LOG_INFO, "no guest credentials (--guest-user, GOVC_GUEST_LOGIN): guest facts come from history");
		start_session(&u, s);
		actions_startup_check(&u);
		main_loop(&u);
		prompt_teardown();
		term_done();
		quitguard_leave_if_asked(&u);
		rc = CLI_EXIT_OK;
	}
	/* teardown: stop the watcher, cancel and join the jobs, log out */
	signal_q = NULL;
	watcher_stop(u.watch);
	taskwatch_stop(u.taskwatch);
	tasks_view_vc_tasks(&u, NULL);
	for (size_t i = 0; i < u.n_tasks; i++) {
		if (u.tasks[i].job) {
			/* Fixes and tests end safely (VMs back on, snapshots removed) before we go. */
			if (job_changes_vms(u.tasks[i].job))
				job_stop_safely(u.tasks[i].job);
			else
				job_cancel(&u, u.tasks[i].job);
			job_reap(u.tasks[i].job);
		}
		free(u.tasks[i].title);
		free(u.tasks[i].vm);
		free(u.tasks[i].what);
		free(u.tasks[i].error);
	}
	free(u.tasks);
	vs_session_free(u.session);
	for (size_t i = 0; i < u.n_retired; i++)
		vs_session_free(u.retired[i]);
	free(u.retired);
	if (latency_log)
		fclose(latency_log);
	for (size_t i = 0; i < u.n_log; i++)
		free(u.log[i].text);
	free(u.log);
	free(u.msgline);
	free(u.server);
	free(u.db_path);
	free(u.keymap_name);
	view *all[] = { u.v_vms, u.v_detail, u.v_tasks, u.v_messages, u.v_help, u.v_fix, u.v_snaptest, u.v_history };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		view_free(all[i]);
	keymap_free(u.km);
	fleet_done(&u.fl);
	msgq_done(&u.q);
out:
	free(o.keymap);
	free(o.db);
	free(o.history);
	conn_opts_done(&o.conn);
	return rc;
}
