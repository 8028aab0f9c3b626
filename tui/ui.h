/* ui: the console's state, owned by the UI thread (the only thread that draws), and the
 * services views use: messages, the view stack, tasks (tui/ui.c), actions and commands
 * (tui/commands.c), keymap files (tui/keyfiles.c), sessions (tui/session.c). */
#ifndef QUIESCENT_TUI_UI_H
#define QUIESCENT_TUI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "frontend/conn.h"
#include "tui/fleet.h"
#include "tui/keymap.h"
#include "tui/msgq.h"
#include "views/registry.h"
#include "vsphere/session.h"
#include "vsphere/task.h"

typedef struct view view;
typedef struct job job;
typedef struct watcher watcher;
typedef struct taskwatch taskwatch;

typedef struct {
	int id;
	char *title;
	char *vm;            /* VM name, NULL for fleet-wide tasks */
	task_state state;
	int done, total;
	char *what;          /* what it does now */
	char *error;
	time_t started, ended;
	job *job;            /* while its thread runs */
	bool quiet;          /* JOB_QUIET: not in the Tasks view, dropped when it ends */
} ui_task;

typedef struct {
	time_t at;
	log_level level;
	char *text;
} ui_logline;

/* One vCenter's recent tasks (every user's, every object), read by its own taskwatch while
 * the Tasks view shows (tui/taskwatch.c). */
typedef struct {
	taskwatch *watch;
	vs_task_result *tasks;      /* the last read */
	size_t n;
	time_t at;                  /* when it was read; 0: not yet */
	char *error;                /* why the last read failed, NULL when it did not */
} ui_vc_tasks;

/* A vCenter after the first (--server repeated): its own login, session, watcher and scans,
 * so one that is down or slow never holds up the others (tui/vcenters.c). Its VMs are in
 * the one fleet with fleet_vm.vc = its index + 1. */
typedef struct {
	char *url;                  /* as given, without userinfo: what its login uses */
	char *server;               /* host[:port]: the column, the filter word, the history key */
	vs_session *session;        /* NULL until it logged in */
	watcher *watch;
	bool watch_synced;
	char *down;                 /* why it cannot be reached now; NULL when it can */
	int login_task;             /* its login job while it runs, else 0 */
	time_t login_at;            /* when to try logging in again (while it has no session) */
	int login_backoff;          /* seconds before the next try */
	int scan_task;              /* its running scan, else 0 */
	ui_vc_tasks vct;            /* its recent tasks, for the Tasks view */
} ui_vcenter;

#define UI_MAX_VIEWS 16

/* The screens of views/registry.h: VIEW_VMS, ... */
typedef enum {
#define UI_VIEW_ENUM(id, field, name, ctor) VIEW_##id,
	VIEWS_LIST(UI_VIEW_ENUM)
#undef UI_VIEW_ENUM
	VIEW_COUNT
} view_id;

typedef struct ui {
	fleet fl;
	msgq q;

	keymap *km;
	char *keymap_name;          /* "default", "vi" or a path */
	keymap_state kst;

	conn_opts *conn;            /* options as given: --server..., the password (secret) */
	vs_session *session;
	char *server;               /* host[:port], the history key */
	bool conn_ok;
	bool readonly;
	bool probe;                 /* run the guest probe in scans */
	int reprobe_age_s;          /* guest facts older than this are probed again in the
				     * background (tui/reprobe.c); 0: never */
	time_t scan_started_at;     /* when the last scan of the first vCenter started */
	char *db_path;              /* history; NULL: none */
	watcher *watch;
	ui_vc_tasks vct;            /* the first vCenter's recent tasks (the others': more[k].vct) */
	vs_session **retired;       /* sessions replaced by :connect, freed at exit */
	size_t n_retired;
	char *down;                 /* why the first vCenter cannot be reached now, or NULL */
	/* The first vCenter could not log in at the start (the others could go on): it is
	 * tried again in the background (tui/session.c, session_tick). */
	int relogin_task;           /* that login job while it runs, else 0 */
	time_t relogin_at;          /* when to try again; 0: not waiting to */
	int relogin_backoff;
	ui_vcenter *more;           /* the other vCenters (fleet_vm.vc 1..n_more) */
	size_t n_more;

	ui_task *tasks;
	size_t n_tasks, cap_tasks;
	int next_task_id;
	int scan_task;              /* the running scan's task id, 0 when none */
	bool scan_result_in;        /* its result is applied ("scan done"): only its job's closing
	                             * (the history's WAL checkpoint, the connection) is left */

	ui_logline *log;
	size_t n_log, cap_log;
	char *msgline;              /* shown in the message line until the next key or message */
	log_level msg_level;

	view *stack[UI_MAX_VIEWS];
	int depth;
	/* every screen, made once (ui_views_new): by id, or by name as u->v_vms, u->v_fix... */
	union {
		view *views[VIEW_COUNT];
		struct {
#define UI_VIEW_FIELD(id, field, name, ctor) view *v_##field;
			VIEWS_LIST(UI_VIEW_FIELD)
#undef UI_VIEW_FIELD
		};
	};

	bool watch_synced;          /* the watcher's first full set arrived (live facts win) */
	bool quit;
	bool dirty;                 /* redraw at the end of this loop turn */
	unsigned spin;              /* spinner frame */
	unsigned long drawn_gen;    /* fleet gen at the last summary count */
} ui;

/* Adds to the message log and shows it in the message line. */
void ui_message(ui *u, log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void ui_push(ui *u, view *v);   /* shows v on top (moves it up when already in the stack) */
void ui_pop(ui *u);             /* never pops the VM list */
view *ui_top(const ui *u);

/* Runs an action in the current view (the view first, then the generic handler). */
void ui_action(ui *u, action a);
/* Runs one `:` command line. */
void ui_command(ui *u, const char *line);

/* Makes every screen of views/registry.h and puts the VM list at the bottom of the stack
 * (in tui/console.c, the composition root: it knows the constructors); frees them. */
void ui_views_new(ui *u);
void ui_views_free(ui *u);

/* Shows the detail of this VM (of the first vCenter); ui_open_detail_in: of vCenter vc. */
void ui_open_detail(ui *u, const char *moref);
void ui_open_detail_in(ui *u, unsigned vc, const char *moref);
/* vCenter vc's host[:port] ("?" before the first is known), and why it cannot be reached
 * now (NULL: it can). tui/vcenters.c */
const char *ui_vcenter_name(const ui *u, unsigned vc);
const char *ui_vcenter_down(const ui *u, unsigned vc);
/* vCenter vc's session (NULL while it is not logged in) and its --server as given (what a
 * scan of it takes; the history key is ui_vcenter_name). tui/vcenters.c */
vs_session *ui_vcenter_session(const ui *u, unsigned vc);
/* vCenter vc's recent tasks (NULL past the last vCenter); ui_vc_tasks_clear forgets a list
 * (its session ended), and ui_vc_tasks_watch turns reading on or off for every vCenter.
 * tui/vcenters.c */
ui_vc_tasks *ui_vcenter_tasks(ui *u, unsigned vc);
void ui_vc_tasks_clear(ui_vc_tasks *t);
void ui_vc_tasks_watch(ui *u, bool active);
/* The number of vCenters: the first and the others (1 + n_more). */
unsigned ui_vcenter_count(const ui *u);
const char *ui_vcenter_url(const ui *u, unsigned vc);
/* A fix or a test snapshot runs on one vCenter's session, with its journal under that
 * vCenter's key: true with *vc = the vCenter of these n VMs when they are all on the same one
 * and it is logged in; else false with a message saying why (what: "fix", "test"). */
bool ui_vms_actionable(ui *u, fleet_vm *const *vms, size_t n, const char *what, unsigned *vc);
/* Starts a scan unless one runs. 0, or -1 with a message shown. */
int ui_start_scan(ui *u);
/* The same, reusing guest facts younger than probe_max_age_s (> 0): a background re-probe. */
int ui_start_scan_aged(ui *u, int probe_max_age_s);
/* A scan of the first vCenter runs whose result the operator has not seen yet: another is
 * refused. Once "scan done" shows, a new one may start while the old job closes. */
bool ui_scan_running(const ui *u);
/* Whether any task is running. */
bool ui_busy(const ui *u);
ui_task *ui_task_get(ui *u, int id);
/* Removes a task row (a quiet job's, when it ends). */
void ui_task_drop(ui *u, ui_task *t);
/* Cancels every running task (Ctrl-C, SIGINT) and says so. */
void ui_cancel_running(ui *u);
/* Frees the tasks, the message log and what the ui owns of the session (after the jobs were
 * joined: ui_jobs_stop). */
void ui_jobs_stop(ui *u);
void ui_done(ui *u);

/* Loads the keymaps: the built-in default, then NAME (built in, installed NAME.keys, or a
 * PATH), then the user's keys file. Bad lines are reported as messages. 0, or -1 when NAME
 * cannot be read. (tui/keyfiles.c) */
int ui_load_keymaps(ui *u, const char *name);
/* The first key bound to action a in view v's table under the keymap in force ("a", "<Enter>"),
 * into buf; fallback when nothing is bound. Returns buf. For key hints in views: they follow
 * :bind and --keymap. */
const char *ui_key_hint(const ui *u, keymap_view kv, action a, const char *fallback, char *buf, size_t n);
/* "a: run  h: hard power-off": (action, label) pairs ended by ACTION_NONE, each with the first
 * key bound to it in view kv under the keymap in force; unbound actions are left out. */
const char *ui_hints(const ui *u, keymap_view kv, char *buf, size_t n, ...);

/* The keymap files compiled into the binary (build/gen/keymaps.c). */
const char *ui_builtin_keymap(const char *name);

#endif
