/* console: `quiescent` without a sub-command: its options, the questions that must be asked
 * before curses starts (password, certificate trust), and the composition of the console:
 * the ui, its screens (views/registry.h), the session, then the main loop (tui/loop.c). */
#include "tui/console.h"

#include "frontend/args.h"
#include "frontend/conn.h"
#include "frontend/exit_codes.h"
#include "scan/scan.h"
#include "store/store.h"
#include "tui/commands.h"
#include "tui/loop.h"
#include "tui/prompt.h"
#include "tui/quitguard.h"
#include "tui/reprobe.h"
#include "tui/session.h"
#include "tui/term.h"
#include "tui/ui.h"
#include "tui/vcenters.h"
#include "util/timefmt.h"
#include "util/xalloc.h"
#include "views/view.h"
#include "vsphere/known_hosts.h"

#include <errno.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- options ---- */

typedef struct {
	conn_opts conn;
	char *keymap;
	bool readonly;
	bool no_probe;
	long reprobe_age_s;     /* 0: no background re-probe */
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
		     "  --reprobe-age AGE     probe guest facts older than AGE again in the\n"
		     "                        background (default 1h; off: only on :scan)\n"
		     "  --db PATH             history database (env QUIESCENT_DB)\n"
		     "  --history-file PATH   the : command line's history (default\n"
		     "                        $XDG_STATE_HOME/quiescent/history)\n"
		     "  --colors auto|256|8|none   colours (NO_COLOR in the environment: none)\n"
		     "  --ascii               ASCII glyphs only (automatic when the locale is not UTF-8)\n"
		     "  --mouse               click and wheel support\n"
		     "  -h, --help            this text\n",
		conn_opts_help());
}

/* One of the console's own options (frontend/args.h's cmd_own_arg_fn). */
static int own_arg(void *opts, const char *a, int argc, char **argv, int *i)
{
	console_opts *o = opts;
	if (!strcmp(a, "--readonly") || !strcmp(a, "--read-only")) {
		o->readonly = true;
	} else if (!strcmp(a, "--no-probe")) {
		o->no_probe = true;
	} else if (!strcmp(a, "--reprobe-age")) {
		const char *v = cmd_option_value("quiescent", argc, argv, i);
		if (!v)
			return -1;
		if (!strcmp(v, "off")) {
			o->reprobe_age_s = 0;
		} else if (!time_parse_age(v, &o->reprobe_age_s) || o->reprobe_age_s <= 0) {
			fprintf(stderr, "quiescent: --reprobe-age takes an age such as 30m, 6h, 1d, "
				"seconds or off, not '%s'\n", v);
			return -1;
		}
	} else if (!strcmp(a, "--ascii")) {
		o->term.ascii = true;
	} else if (!strcmp(a, "--mouse")) {
		o->term.mouse = true;
	} else if (!strcmp(a, "--keymap") || !strcmp(a, "--db") || !strcmp(a, "--colors") ||
		   !strcmp(a, "--history-file")) {
		const char *v = cmd_option_value("quiescent", argc, argv, i);
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
	return 0;
}

static int parse(int argc, char **argv, console_opts *o)
{
	return cmd_parse_args("quiescent", &o->conn, argc, argv, usage, own_arg, o);
}

/* Trust on first use, before curses: an unknown certificate is shown by its SHA-256
 * fingerprint and remembered in known_hosts when the operator says yes. */
static int tofu(conn_opts *all, size_t k)
{
	conn_opts one;
	conn_opts_for_server(all, k, &one);
	conn_opts *o = &one;
	if (o->insecure)
		return 0;
	char *host = scan_server_key(o->server);   /* url.c's key, as everywhere */
	char pinned[128];
	const char *from;
	if (vs_known_hosts_pin(o->thumbprint, o->known_hosts, host, pinned, sizeof pinned, &from) > 0) {
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
	if (k == 0) /* the others are pinned by known_hosts only */
		xstrset(&all->thumbprint, thumb);
	free(host);
	return 0;
}

/* ---- the screens ---- */

void ui_views_new(ui *u)
{
#define UI_VIEW_NEW(id, field, name, ctor) u->views[VIEW_##id] = ctor();
	VIEWS_LIST(UI_VIEW_NEW)
#undef UI_VIEW_NEW
	u->stack[0] = u->views[VIEW_VMS];
	u->depth = 1;
}

/* ---- entry ---- */

/* One malloc arena for all the console's threads. With glibc's arena per thread, a scan's
 * facts live in the scan thread's arena; when the watcher's copies replace them (every VM within
 * minutes of churn, and every full sync), the holes they leave stay in an arena no thread
 * allocates from, while the watcher's arena grows by as much: at 50,016 VMs 55-62 MB free but
 * held, RSS 140-177 MB (issue 18). Sharing one arena, the new copies fill those holes. The
 * console's threads mostly wait on the network, so the shared arena's lock costs little. */
static void one_malloc_arena(void)
{
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, 1);
#endif
}

int console_main(int argc, char **argv)
{
	one_malloc_arena(); /* before any thread starts */
	setlocale(LC_ALL, "");
	console_opts o;
	memset(&o, 0, sizeof o);
	o.reprobe_age_s = REPROBE_AGE_DEFAULT_S;
	conn_opts_init(&o.conn);
	o.conn.several_servers = true;
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
	for (size_t k = 0; k < conn_opts_server_count(&o.conn); k++) {
		if (tofu(&o.conn, k) < 0) {
			rc = CLI_EXIT_CONNECT;
			goto out;
		}
	}
	fprintf(stderr, "quiescent: connecting to %s...\n", o.conn.server);
	vs_error err;
	vs_error_clear(&err);
	vs_session *s = conn_open(&o.conn, &err);
	if (!s && conn_opts_server_count(&o.conn) == 1) {
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
	u.conn = &o.conn;
	u.readonly = o.readonly;
	u.probe = !o.no_probe;
	u.reprobe_age_s = (int)o.reprobe_age_s;
	char dbbuf[4096];
	const char *db = o.db ? o.db : store_default_path(dbbuf, sizeof dbbuf);
	u.db_path = xstrdup(db);
	u.km = keymap_new();
	ui_views_new(&u);
	ui_load_keymaps(&u, o.keymap);

	int end = 0;
	if (term_init(&o.term) < 0) {
		fprintf(stderr, "quiescent: cannot start the terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		rc = CLI_EXIT_USAGE;
	} else {
		commands_prompt_setup(&u, o.history);
		char note[512];
		if (conn_trust_note(&o.conn, note, sizeof note))
			ui_message(&u, LOG_WARN, "%s", note);
		if (!o.conn.guest_user && !guest_logins_count(o.conn.guest_logins) && u.probe)
			ui_message(&u, LOG_INFO, "no guest credentials (--guest-user, GOVC_GUEST_LOGIN): guest facts come from history");
		if (s) {
			session_start(&u, s);
		} else {
			session_start_later(&u, err.message); /* the others go on without it */
		}
		vcenters_start(&u);
		if (s)
			actions_startup_check(&u, 0);
		end = loop_run(&u);
		prompt_teardown();
		term_done();
		quitguard_leave_if_asked(&u);
		rc = CLI_EXIT_OK;
	}
	/* teardown: stop the watcher, cancel and join the jobs, log out */
	if (end > 0)
		fprintf(stderr, "quiescent: %s: stopping the console\n", strsignal(end));
	session_stop(&u);
	ui_jobs_stop(&u);
	session_free_all(&u);
	ui_done(&u);
	msgq_done(&u.q);
out:
	free(o.keymap);
	free(o.db);
	free(o.history);
	conn_opts_done(&o.conn);
	return rc;
}

