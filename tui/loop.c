/* loop: the console's main loop: poll on the terminal, the workers' wake pipe and captured
 * stderr; signals (they only set flags and wake the pipe); messages from workers applied to the
 * fleet and the tasks; keys and mouse to actions; one redraw per turn. */
#include "tui/loop.h"

#include "tui/frame.h"
#include "tui/jobs.h"
#include "tui/prompt.h"
#include "tui/quitguard.h"
#include "tui/reprobe.h"
#include "tui/session.h"
#include "tui/taskwatch.h"
#include "tui/term.h"
#include "tui/vcenters.h"
#include "tui/view_ops.h"
#include "util/xalloc.h"
#include "vsphere/guest_login.h"
#include "util/monoclock.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_KEYS_PER_TURN 256

static volatile sig_atomic_t got_winch, got_int, got_term;
static msgq *signal_q;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else if (sig == SIGINT)
		got_int = 1;
	else
		got_term = sig;
	if (signal_q)
		msgq_wake(signal_q);
}

/* A piece of a watcher's full set (tui/watcher.c posts it in pieces, in order): this vCenter's
 * VMs not in any piece have left it. */
static void apply_full_sync(ui *u, msg *m)
{
	if (m->sync_first)
		for (size_t i = 0; i < u->fl.n; i++)
			if (u->fl.vms[i]->vc == m->vc)
				u->fl.vms[i]->seen = false;
	time_t now = time(NULL);
	for (size_t i = 0; i < m->n; i++)
		fleet_update_inventory(&u->fl, m->vc, &m->facts[i], now)->seen = true;
	if (!m->sync_last)
		return;
	for (size_t i = u->fl.n; i-- > 0;) /* only this vCenter's VMs can have left it */
		if (!u->fl.vms[i]->seen && u->fl.vms[i]->vc == m->vc)
			fleet_remove(&u->fl, m->vc, u->fl.vms[i]->f.moref);
	vcenters_set_synced(u, m->vc);
}

/* The guest login circuit breaker (vsphere/guest_login.h) of vCenter vc's session tripped (each
 * session has its own): one line, naming the vCenter when there are several, and the way out. */
static void guest_login_banner(ui *u, unsigned vc)
{
	char user[128], vm[64];
	unsigned not_tried = 0;
	vs_session *s = ui_vcenter_session(u, vc);
	if (!s || !vs_session_guest_login_refused(s, user, sizeof user, vm, sizeof vm, &not_tried))
		return;
	fleet_vm *fv = fleet_get_in(&u->fl, vc, vm);
	const char *name = fv && fv->f.name ? fv->f.name : vm;
	ui_message(u, LOG_ERROR, "guest login %s refused by VM %s%s%s; not tried on %u other VM%s%s (an "
		   "account lockout is worse): type :guest-login to enter it again", user, name,
		   u->n_more ? " on " : "", u->n_more ? ui_vcenter_name(u, vc) : "", not_tried,
		   not_tried == 1 ? "" : "s", u->n_more ? " there" : "");
}

/* A scan's or a full sync's facts were built on a worker thread and the facts they replace are
 * freed here: tens of MB at 50,000 VMs, whose whole free pages glibc keeps until trimmed (the
 * console shares one arena, tui/console.c, so the rest is reused). Given back once such a
 * batch is applied (rare; a few milliseconds), and once a minute while live changes come. */
#define GIVE_BACK_EVERY_S 60

static void give_back_freed_memory(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
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
			fleet_apply_scan(&u->fl, m->vc, &m->facts[i], now, vcenters_synced(u, m->vc));
		if (m->vc == 0) { /* the scan a fix comes from: fixes work on the first vCenter */
			u->fl.scanned_at = m->at;
			u->fl.scan_id = m->scan_id;
			/* "scan done" is on the screen from here: R must start a new scan, not
			 * be refused while the old job still closes its history */
			if (u->scan_task) {
				u->scan_result_in = true;
				fleet_end_probing(&u->fl, 0);
			}
		}
		fleet_recount(&u->fl);
		if (u->n_more)
			ui_message(u, LOG_INFO, "scan of %s done: %zu VMs; in all %zu VMs: %zu ready, %zu fixable, "
				   "%zu manual, %zu unknown, %zu n/a", ui_vcenter_name(u, m->vc), m->n, u->fl.n,
				   u->fl.by_status[STATUS_READY], u->fl.by_status[STATUS_FIXABLE],
				   u->fl.by_status[STATUS_MANUAL], u->fl.by_status[STATUS_UNKNOWN],
				   u->fl.by_status[STATUS_NA]);
		else
			ui_message(u, LOG_INFO, "scan done: %zu VMs: %zu ready, %zu fixable, %zu manual, %zu unknown, %zu n/a",
				   u->fl.n, u->fl.by_status[STATUS_READY], u->fl.by_status[STATUS_FIXABLE],
				   u->fl.by_status[STATUS_MANUAL], u->fl.by_status[STATUS_UNKNOWN], u->fl.by_status[STATUS_NA]);
		guest_login_banner(u, m->vc);
		break;
	case MSG_SCAN_ROWS:
		for (size_t i = 0; i < m->n; i++)
			fleet_apply_row(&u->fl, m->vc, &m->facts[i], m->probing[i], now, vcenters_synced(u, m->vc));
		fleet_recount(&u->fl);
		break;
	case MSG_VM_UPDATE:
		if (m->full_sync) {
			apply_full_sync(u, m);
		} else {
			for (size_t i = 0; i < m->n; i++) {
				fleet_vm *vm = fleet_update_inventory(&u->fl, m->vc, &m->facts[i], now);
				if (m->n > 3)
					continue;
				const char *name = vm->f.name ? vm->f.name : vm->f.moref;
				const guest_probe *p = &vm->f.probe;
				if ((p->state == PROBE_OK || p->state == PROBE_STALE) && p->at && vm->f.boot_time > p->at)
					/* the guest restarted since it was probed (a fix's power cycle): a verdict
					 * from those facts would contradict the fix's own verification (trial 21) */
					ui_message(u, LOG_INFO, "%s changed: %s; its guest facts are from before it started "
						   "(the next scan reads them again)", name, model_power_name(vm->f.power));
				else
					ui_message(u, LOG_INFO, "%s changed: %s, %s, %s", name, model_power_name(vm->f.power),
						   model_status_name(vm->v.status), model_level_name(vm->v.predicted));
			}
		}
		break;
	case MSG_VM_GONE:
		for (size_t i = 0; i < m->n; i++)
			fleet_remove(&u->fl, m->vc, m->morefs[i]);
		break;
	case MSG_CONN:
		vcenters_conn(u, m);
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
				ui_task_drop(u, t);
				break;
			}
			/* a fix or test that ended may have written history a view shows (the
			 * scan is still u->scan_task here) */
			for (int v = 0; v < VIEW_COUNT; v++)
				if (u->views[v]->ops->task_ended)
					u->views[v]->ops->task_ended(u->views[v], u, t);
			if (t->state != TASK_FAILED)
				t->state = m->state;
			t->ended = now;
			if (t->id == u->scan_task) {
				u->scan_task = 0;
				u->scan_result_in = false;
				fleet_end_probing(&u->fl, 0); /* done, failed or cancelled */
			} else {
				vcenters_task_ended(u, t->id);
			}
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
		int first = FRAME_BODY_TOP + v->ops->header_rows;
		if (ev.y == first - 1 && v->ops->header_rows && v->ops->header_click)
			v->ops->header_click(v, u, ev.x);
		if (ev.y >= first && ev.y < LINES - 2 && !v->list.no_cursor) {
			size_t idx = v->list.top + (size_t)(ev.y - first);
			if (idx < v->list.n) {
				if (idx == v->list.cursor && (v->ops->flags & VF_CLICK_OPENS))
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
		prompt_key(key); /* Tab's candidates: the frame draws prompt_matches() */
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
			ui_cancel_running(u);
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

int loop_run(ui *u)
{
	signal_q = &u->q;
	const char *lat = getenv("QUIESCENT_LATENCY_LOG");
	if (lat && *lat)
		latency_log = fopen(lat, "w");
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
	int end = 0;
	u->dirty = true;
	while (!u->quit && !end) {
		double key_at = 0;
		int keys = 0;
		if (u->dirty) {
			frame_draw(u);
			u->dirty = false;
		}
		ui_vc_tasks_watch(u, ui_top(u)->ops->flags & VF_VC_TASKS);
		struct pollfd fds[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = u->q.fds[0], .events = POLLIN },
			{ .fd = term_stderr_fd(), .events = POLLIN },
		};
		int timeout = ui_busy(u) ? 150 : 1000;
		int rc = poll(fds, fds[2].fd >= 0 ? 3 : 2, timeout);
		if (rc < 0 && errno != EINTR) {
			end = -1;
			break;
		}
		if (got_term) {
			end = got_term;
			break;
		}
		if (got_winch) {
			got_winch = 0;
			term_resize();
			u->dirty = true;
		}
		if (got_int) { /* SIGINT from outside (the terminal sends Ctrl-C as a key in raw mode) */
			got_int = 0;
			ui_cancel_running(u);
		}
		if (rc > 0 && (fds[1].revents & POLLIN)) {
			msgq_drain_pipe(&u->q);
			bool big = false;
			for (msg *m = msgq_take(&u->q); m;) {
				msg *next = m->next;
				big |= m->kind == MSG_SCAN_DONE || (m->kind == MSG_VM_UPDATE && m->full_sync && m->sync_last);
				apply(u, m);
				msg_free(m);
				m = next;
			}
			static double given_back_at;
			double now_s = monoclock_now();
			if (big || now_s - given_back_at >= GIVE_BACK_EVERY_S) {
				give_back_freed_memory();
				given_back_at = now_s;
			}
		}
		if (rc > 0 && fds[2].fd >= 0 && (fds[2].revents & POLLIN))
			term_read_stderr(on_stderr_line, u);
		if (rc > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (fds[0].revents & (POLLHUP | POLLERR) && !(fds[0].revents & POLLIN)) {
				end = -1; /* the terminal went away */
				break;
			}
			key_at = monoclock_now() * 1e3;
			wint_t ch;
			int ret;
			/* at most a burst of keys per turn: signals and messages are looked at between
			 * bursts whatever curses hands back */
			for (int n = 0; n < MAX_KEYS_PER_TURN && !got_term && (ret = get_wch(&ch)) != ERR; n++) {
				int key = term_translate_key(ret, ch);
				if (key == -2) {
					u->dirty = true; /* curses resized already; term_resize must not run again */
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
		if (now != last_tick) {
			vcenters_tick(u, now);
			session_tick(u, now);
			reprobe_tick(u, now);
		}
		if (now != last_tick || ui_busy(u)) {
			last_tick = now;
			u->spin++;
			if (ui_busy(u) || (ui_top(u)->ops->flags & VF_LIVE))
				u->dirty = true; /* spinner, durations, change highlights */
		}
		if (keys && latency_log) {
			frame_draw(u);
			u->dirty = false;
			fprintf(latency_log, "%.3f %d\n", monoclock_now() * 1e3 - key_at, keys);
			fflush(latency_log);
		}
	}
	if (!end && got_term)
		end = got_term;
	signal_q = NULL;
	if (latency_log)
		fclose(latency_log);
	latency_log = NULL;
	return end;
}

