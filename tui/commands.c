/* commands: what the operator asks for: the generic actions (keys a view leaves to the frame),
 * the `:` commands, their Tab completion and the prompt's callbacks. This is where the console
 * reaches into particular screens (views/view.h services); the frame itself does not. */
#include "tui/commands.h"

#include "rules/rules.h"
#include "tui/command.h"
#include "tui/jobs.h"
#include "tui/prompt.h"
#include "tui/quitguard.h"
#include "tui/session.h"
#include "tui/term.h"
#include "util/secret.h"
#include "util/xalloc.h"
#include "views/view.h"
#include "vsphere/guest_login.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ui_open_detail_in(ui *u, unsigned vc, const char *moref)
{
	detail_view_show(u->v_detail, u, vc, moref);
	ui_push(u, u->v_detail);
}

void ui_open_detail(ui *u, const char *moref)
{
	ui_open_detail_in(u, 0, moref);
}

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

/* :guest-login [USER]: the password is asked on a hidden line (prompt_open_secret). */
static char *guest_login_user;

static void cmd_guest_login(ui *u, int argc, char **argv)
{
	const char *user = argc > 1 ? argv[1] : u->conn->guest_user;
	if (argc > 2 || !user) {
		ui_message(u, LOG_ERROR, "usage: :guest-login USER (no guest user is set yet)");
		return;
	}
	xstrset(&guest_login_user, user);
	char label[160];
	snprintf(label, sizeof label, "Guest password for %s (hidden; Esc cancels): ", user);
	prompt_open_secret(label);
}

static void guest_login_done(ui *u, const char *password)
{
	if (!password || !guest_login_user) {
		ui_message(u, LOG_INFO, "guest login unchanged");
		return;
	}
	xstrset(&u->conn->guest_user, guest_login_user);
	secret_free(u->conn->guest_password);
	u->conn->guest_password = secret_dup(password);
	for (unsigned vc = 0; vc < ui_vcenter_count(u); vc++) /* every vCenter's breaker */
		if (ui_vcenter_session(u, vc))
			vs_session_guest_login_forget(ui_vcenter_session(u, vc));
	ui_message(u, LOG_INFO, "guest login %s set: scanning again", guest_login_user);
	free(guest_login_user);
	guest_login_user = NULL;
	if (ui_start_scan(u) == 0)
		ui_message(u, LOG_INFO, "scanning %s", u->server);
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
	case CMD_GROUP:
		if (argc != 2)
			ui_message(u, LOG_ERROR, "usage: :group datacenter|cluster|host|folder|none");
		else if (vms_view_group(u->v_vms, argv[1], err, sizeof err) < 0)
			ui_message(u, LOG_ERROR, "%s", err);
		else {
			ui_push(u, u->v_vms);
			if (strcasecmp(argv[1], "none"))
				ui_message(u, LOG_INFO, "ready VMs counted by %s", argv[1]);
			else
				ui_message(u, LOG_INFO, "grouping off");
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
			ui_open_detail_in(u, vm->vc, vm->f.moref);
		break;
	}
	case CMD_CONNECT:
		session_connect(u, argc, argv);
		break;
	case CMD_GUEST_LOGIN:
		cmd_guest_login(u, argc, argv);
		break;
	case CMD_KEYMAP:
		if (argc != 2)
			ui_message(u, LOG_ERROR, "usage: :keymap default|vi|PATH");
		else if (ui_load_keymaps(u, argv[1]) == 0)
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
		plan_view_show(u); /* under --readonly it shows; running it (apply) is refused */
		break;
	case CMD_SNAPTEST:
		if (argc > 2)
			ui_message(u, LOG_ERROR, "usage: :snaptest [VM] (mark VMs to test several)");
		else
			snaptest_view_show(u, argc == 2 ? argv[1] : NULL);
		break;
	case CMD_HISTORY: history_view_command(u, argc, argv); break;
	case CMD_RULES: {
		const rule_info *ri = argc == 2 ? rules_find(argv[1]) : NULL;
		if (argc == 2 && !ri && strlen(argv[1]) == 3) {
			char up[4] = { (char)(argv[1][0] == 'r' ? 'R' : argv[1][0]), argv[1][1], argv[1][2], '\0' };
			ri = rules_find(up);
		}
		size_t nr = 0;
		rules_table(&nr);
		if (argc != 2)
			ui_message(u, LOG_ERROR, "usage: :rules RULE (e.g. R07; quiescent rules lists them all)");
		else if (!ri)
			ui_message(u, LOG_ERROR, "no rule '%s' (R01 to R%02zu)", argv[1], nr);
		else { /* logged, and shown whole in the message log (the message line cuts it) */
			ui_message(u, LOG_INFO, "%s (%s, %s%s, fix %s, %s): %s.%s%s What to do: %s", ri->id,
				   model_severity_name(ri->sev), ri->cap == LEVEL_NONE ? "no cap" : "caps at ",
				   ri->cap == LEVEL_NONE ? "" : model_level_name(ri->cap), model_fix_name(ri->fix), ri->scope,
				   ri->title, ri->cap_note ? " " : "", ri->cap_note ? ri->cap_note : "", ri->remediation);
			ui_push(u, u->v_messages);
		}
		break;
	}
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
	case CC_RULE: {
		size_t nr = 0;
		const rule_info *t = rules_table(&nr);
		for (size_t i = 0; i < nr; i++)
			add_cand(&v, &n, &cap, t[i].id);
		break;
	}
	case CC_GROUP:
		if (word_index == 1) {
			static const char *const g[] = { "datacenter", "cluster", "host", "folder", "none" };
			for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
				add_cand(&v, &n, &cap, g[i]);
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
	if (prefix == PROMPT_SECRET) {
		guest_login_done(u, line);
		return;
	}
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
	case ACTION_CANCEL: ui_cancel_running(u); break;
	case ACTION_REDRAW: clearok(curscr, TRUE); break;
	case ACTION_FIX: plan_view_show(u); break;
	case ACTION_SNAPTEST: snaptest_view_show(u, NULL); break;
	case ACTION_HISTORY: history_view_show_vm(u); break;
	case ACTION_GUIDE: checklist_view_show(u); break;
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

void commands_prompt_setup(ui *u, const char *history_path)
{
	prompt_setup(history_path, complete, prompt_done, prompt_change, u);
}
