/* quiescent snaptest: quiesced test snapshots of VMs, live-tailed, compared with the rules'
 * prediction, removed afterwards, everything in history. */
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "frontend/conn.h"
#include "cli/stop.h"
#include "scan/scan.h"
#include "snaptest/snaptest.h"
#include "store/store.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ORPHANS_MAX 256

#define CMD "quiescent snaptest"

typedef struct {
	conn_opts conn;
	char **vms;
	size_t n_vms;
	snaptest_spec spec;
	int parallel;
	int network_grace_s;
	int task_timeout_s;
	bool json;
	bool cleanup_orphans;
	char *db;
} snap_opts;

/* Any stop: the tests notice, cancel their tasks, wait for them to end and remove what they
 * made; tests not started yet are not started. */
static const cli_stop_messages stop_messages = {
	.cmd = CMD,
	.at_level1 = "stopping safely: snapshot tasks are cancelled and test snapshots removed",
	.at_level2 = "stopping safely: snapshot tasks are cancelled and test snapshots removed",
};

static void usage(FILE *out)
{
	fprintf(out, "usage: quiescent snaptest [OPTIONS] VM...\n\n"
		     "Takes a quiesced test snapshot of each VM the way a backup product does, shows\n"
		     "the task and the VM's events as they happen, reads the VSS manifest, compares the\n"
		     "level achieved with the one predicted, and removes the test snapshot.\n\n%s\n"
		     "Snapshot test:\n"
		     "  --context CTX         auto (default), backup or file_share_backup\n"
		     "  --backup-type TYPE    copy (default), full, incremental, differential or log\n"
		     "                        (anything but copy may truncate application logs)\n"
		     "  --timeout MIN         quiesce timeout in minutes, 5..240 (default 15)\n"
		     "  --keep                keep the test snapshot (it is removed by default)\n"
		     "  --parallel N          up to N tests at once (default: one per ESXi host)\n"
		     "  --cleanup-orphans     remove test snapshots an interrupted run left behind\n"
		     "                        (waiting for a creating task that still runs); with\n"
		     "                        no VM named it only cleans up\n"
		     "  --task-timeout S      seconds the removal of a test snapshot may take before\n"
		     "                        quiescent asks vCenter to cancel it (default 1800)\n"
		     "  --network-grace S     seconds vCenter may be unreachable before quiescent\n"
		     "                        stops waiting for a task (default 300)\n"
		     "  --format FMT          table (default, with a live tail) or json\n"
		     "  --db PATH             history database (env QUIESCENT_DB)\n"
		     "  -h, --help            this text\n\n"
		     "Exit codes: 0 every test succeeded at its predicted level, 1 otherwise,\n"
		     "2 usage error, 3 connection, TLS or login failure, 6 stopped (signal, closed\n"
		     "output) and every test snapshot removed, 7 a test snapshot could NOT be\n"
		     "removed (or may exist: vCenter could not say), 8 the history cannot record\n"
		     "the tests (a full disk, read-only media, a damaged file), 4 a snapshot was\n"
		     "taken but what it achieved could not be read, 9 a VM was not tested (or a\n"
		     "test snapshot not cleaned up): another running quiescent holds it.\n",
		conn_opts_help());
}

static int parse(int argc, char **argv, snap_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		cmd_arg shared = cmd_shared_arg(CMD, &o->conn, argc, argv, &i, usage);
		if (shared == CMD_ARG_ERROR || shared == CMD_ARG_HELP)
			return shared == CMD_ARG_HELP ? 1 : -1;
		if (shared == CMD_ARG_TAKEN)
			continue;
		if (!strcmp(a, "--keep")) {
			o->spec.keep = true;
		} else if (!strcmp(a, "--cleanup-orphans")) {
			o->cleanup_orphans = true;
		} else if (!strcmp(a, "--context") || !strcmp(a, "--backup-type") ||
			   !strcmp(a, "--timeout") || !strcmp(a, "--parallel") ||
			   !strcmp(a, "--format") || !strcmp(a, "--db") ||
			   !strcmp(a, "--network-grace") || !strcmp(a, "--task-timeout")) {
			const char *v = cmd_option_value(CMD, argc, argv, &i);
			if (!v)
				return -1;
			char *end = NULL;
			if (!strcmp(a, "--context")) {
				if (!(o->spec.context = snaptest_context_parse(v))) {
					fprintf(stderr, "quiescent snaptest: unknown context '%s' (auto, backup or file_share_backup)\n", v);
					return -1;
				}
			} else if (!strcmp(a, "--backup-type")) {
				if (!(o->spec.backup_type = snaptest_backup_type_parse(v))) {
					fprintf(stderr, "quiescent snaptest: unknown backup type '%s' (copy, full, incremental, differential or log)\n", v);
					return -1;
				}
			} else if (!strcmp(a, "--timeout")) {
				long t = strtol(v, &end, 10);
				if (!*v || *end || t < SNAPTEST_TIMEOUT_MIN || t > SNAPTEST_TIMEOUT_MAX) {
					fprintf(stderr, "quiescent snaptest: the quiesce timeout must be from %d to %d minutes, not '%s'\n",
						SNAPTEST_TIMEOUT_MIN, SNAPTEST_TIMEOUT_MAX, v);
					return -1;
				}
				o->spec.timeout_min = (int)t;
			} else if (!strcmp(a, "--parallel")) {
				long p = strtol(v, &end, 10);
				if (!*v || *end || p < 1 || p > 64) {
					fprintf(stderr, "quiescent snaptest: --parallel needs a number from 1 to 64, not '%s'\n", v);
					return -1;
				}
				o->parallel = (int)p;
			} else if (!strcmp(a, "--network-grace") || !strcmp(a, "--task-timeout")) {
				long t = strtol(v, &end, 10);
				if (!*v || *end || t < 1 || t > 86400) {
					fprintf(stderr, "quiescent snaptest: %s takes seconds (1 to 86400), not '%s'\n", a, v);
					return -1;
				}
				*(a[2] == 'n' ? &o->network_grace_s : &o->task_timeout_s) = (int)t;
			} else if (!strcmp(a, "--format")) {
				if (strcmp(v, "table") && strcmp(v, "json")) {
					fprintf(stderr, "quiescent snaptest: unknown format '%s' (table or json)\n", v);
					return -1;
				}
				o->json = !strcmp(v, "json");
			} else {
				xstrset(&o->db, v);
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "quiescent snaptest: unknown option '%s' (see quiescent snaptest --help)\n", a);
			return -1;
		} else {
			o->vms = xrealloc(o->vms, (o->n_vms + 1) * sizeof *o->vms);
			o->vms[o->n_vms++] = xstrdup(a);
		}
	}
	if (!o->n_vms && !o->cleanup_orphans) {
		fprintf(stderr, "quiescent snaptest: name at least one VM to test, or only clean up with "
			"--cleanup-orphans (see quiescent snaptest --help)\n");
		return -1;
	}
	return 0;
}

/* ---- live tail ---- */

typedef struct {
	FILE *out;
	pthread_mutex_t mu;
} tail;

static void on_event(void *ctx, const snaptest_event *ev)
{
	tail *t = ctx;
	pthread_mutex_lock(&t->mu);
	switch (ev->kind) {
	case SNAPTEST_EV_PROGRESS: {
		int p = ev->progress < 0 ? 0 : ev->progress > 100 ? 100 : ev->progress;
		char bar[21];
		memset(bar, '#', (size_t)p / 5);
		memset(bar + p / 5, '.', 20 - (size_t)p / 5);
		bar[20] = '\0';
		fprintf(t->out, "%-20s %6.1fs [%s] %s\n", ev->vm, ev->elapsed_s, bar, ev->text);
		break;
	}
	case SNAPTEST_EV_EVENT:
		fprintf(t->out, "%-20s %6.1fs event: %s\n", ev->vm, ev->elapsed_s, ev->text);
		break;
	case SNAPTEST_EV_WARN:
		fprintf(t->out, "%-20s %6.1fs warning: %s\n", ev->vm, ev->elapsed_s, ev->text);
		break;
	case SNAPTEST_EV_DONE:
		fprintf(t->out, "%-20s %6.1fs done: %s: %s\n", ev->vm, ev->elapsed_s,
			ev->outcome->result, ev->text ? ev->text : "");
		break;
	default:
		fprintf(t->out, "%-20s %6.1fs %s\n", ev->vm, ev->elapsed_s, ev->text);
		break;
	}
	cli_stop_check_write(t->out, fflush(t->out) != 0 || ferror(t->out));
	pthread_mutex_unlock(&t->mu);
}

/* ---- output ---- */

static void json_level(json_writer *w, const char *key, quiesce_level l)
{
	json_key(w, key);
	if (l == LEVEL_NONE)
		json_null(w);
	else
		json_string(w, model_level_name(l));
}

static void json_kv_tri(json_writer *w, const char *key, tri v)
{
	json_key(w, key);
	if (v == TRI_UNKNOWN)
		json_null(w);
	else
		json_bool(w, v == TRI_YES);
}

static void json_outcome(json_writer *w, const snaptest_outcome *o)
{
	json_object_begin(w);
	json_kv_string(w, "vm", o->vm);
	json_kv_string(w, "method", o->method);
	json_level(w, "predicted_level", o->predicted);
	json_level(w, "achieved_level", o->achieved);
	/* why achieved_level is null although the snapshot was taken (null: it is not) */
	json_kv_string(w, "achieved_unknown", o->achieved_unknown);
	json_kv_string(w, "result", o->result);
	json_key(w, "fault");
	if (o->fault || o->fault_type) {
		json_object_begin(w);
		json_kv_string(w, "type", o->fault_type);
		json_kv_string(w, "message", o->fault);
		json_object_end(w);
	} else {
		json_null(w);
	}
	char d[32];
	snprintf(d, sizeof d, "%.1f", o->duration_s);   /* tenths: no 2.3999999 in scripts */
	json_key(w, "duration_s");
	json_raw(w, d);
	json_key(w, "manifest");
	if (o->has_manifest) {
		json_object_begin(w);
		json_kv_string(w, "file", o->manifest_file);
		json_kv_string(w, "backup_type", o->manifest.backup_type);
		json_key(w, "writers");
		json_array_begin(w);
		for (size_t i = 0; i < o->manifest.n_writers; i++) {
			const snaptest_writer *mw = &o->manifest.writers[i];
			json_object_begin(w);
			json_kv_string(w, "name", mw->name);
			json_kv_string(w, "id", mw->id);
			json_kv_string(w, "instance_id", mw->instance_id);
			json_kv_string(w, "usage", mw->usage);
			json_kv_string(w, "data_source", mw->data_source);
			json_key(w, "components");
			json_array_begin(w);
			for (size_t k = 0; k < mw->n_components; k++)
				json_string(w, mw->components[k].name);
			json_array_end(w);
			json_object_end(w);
		}
		json_array_end(w);
		json_object_end(w);
	} else {
		json_null(w);
	}
	json_key(w, "writers_after");
	json_array_begin(w);
	for (size_t i = 0; i < o->n_writers_after; i++) {
		json_object_begin(w);
		json_kv_string(w, "name", o->writers_after[i].name);
		json_kv_string(w, "state", o->writers_after[i].state);
		json_kv_string(w, "last_error", o->writers_after[i].last_error);
		json_object_end(w);
	}
	json_array_end(w);
	/* snapshot_removed: kept for scripts; null when nothing was (known to be) created. */
	json_key(w, "snapshot_removed");
	if (o->snapshot_created == TRI_YES)
		json_bool(w, o->snapshot_removed);
	else
		json_null(w);
	json_key(w, "snapshot");
	json_object_begin(w);
	json_kv_string(w, "name", o->snapshot_name);
	json_kv_tri(w, "created", o->snapshot_created);
	json_kv_tri(w, "removed", snaptest_outcome_removed(o));
	json_kv_bool(w, "kept", o->kept);
	json_object_end(w);
	json_object_end(w);
}

static void table_outcome(strbuf *sb, const snaptest_outcome *o)
{
	strbuf_addf(sb, "\n%s: %s", o->vm, o->result);
	if (o->method)
		strbuf_addf(sb, " with %s", o->method);
	strbuf_addf(sb, " in %.1fs\n", o->duration_s);
	strbuf_addf(sb, "  predicted %s, achieved %s\n", model_level_name(o->predicted),
		    o->achieved == LEVEL_NONE ? "unknown" : model_level_name(o->achieved));
	if (o->fault)
		strbuf_addf(sb, "  fault: %s%s%s\n", o->fault_type ? o->fault_type : "",
			    o->fault_type ? ": " : "", o->fault);
	if (o->explanation)
		strbuf_addf(sb, "  %s\n", o->explanation);
	if (o->has_manifest) {
		strbuf_addf(sb, "  manifest %s (%s backup, %zu writers)\n", o->manifest_file,
			    o->manifest.backup_type ? o->manifest.backup_type : "?", o->manifest.n_writers);
		for (size_t i = 0; i < o->manifest.n_writers; i++) {
			const snaptest_writer *w = &o->manifest.writers[i];
			strbuf_addf(sb, "    %-32s %-22s %-16s %zu component%s\n", w->name ? w->name : "",
				    w->usage ? w->usage : "-", w->data_source ? w->data_source : "-",
				    w->n_components, w->n_components == 1 ? "" : "s");
		}
	}
	if (o->n_writers_after) {
		strbuf_adds(sb, "  writers after the test:\n");
		for (size_t i = 0; i < o->n_writers_after; i++)
			strbuf_addf(sb, "    %-32s %-24s %s\n", o->writers_after[i].name,
				    o->writers_after[i].state, o->writers_after[i].last_error);
	} else if (o->writers_after_error && o->method) {
		strbuf_addf(sb, "  writers after the test: %s\n", o->writers_after_error);
	}
	if (o->method)
		strbuf_addf(sb, "  test snapshot %s: %s\n", o->snapshot_name,
			    o->snapshot_removed ? "removed" : o->kept ? "kept (--keep)"
			    : o->snapshot_created == TRI_YES ? "NOT removed"
			    : o->snapshot_created == TRI_NO ? "never created"
			    : "not known whether vCenter created it (it is offered for clean-up "
			      "until it is known)");
}

/* ---- orphans ---- */

static bool ask(const char *q)
{
	fprintf(stderr, "%s [y/N] ", q);
	fflush(stderr);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* 0 to go on, CLI_EXIT_* to stop; *busy when a live test's snapshot was left alone. */
static int handle_orphans(snap_opts *o, engine *e, vs_session *s, const char *vcenter, bool *busy)
{
	store *db = engine_store(e);
	store_snaptest_ref refs[ORPHANS_MAX];
	char msg[512];
	/* Tests other live processes run are theirs: say so, never touch them. */
	int live = o->cleanup_orphans ? store_snaptest_live(db, vcenter, refs, 16, msg, sizeof msg) : 0;
	*busy = live > 0;
	for (int i = 0; i < live; i++) {
		store_owner ow;
		char who[400];
		if (store_owner_of(db, "snaptests", refs[i].id, &ow, msg, sizeof msg) < 0)
			continue;
		store_owner_describe(&ow, who, sizeof who);
		char vm[200];
		snaptest_ref_vm(&refs[i], vm, sizeof vm);
		fprintf(stderr, "quiescent snaptest: the test snapshot %s of %s is being taken by %s; "
			"left alone\n", refs[i].snapshot_name, vm, who);
	}
	int n = store_snaptest_unfinished(db, vcenter, refs, ORPHANS_MAX, msg, sizeof msg);
	if (n < 0) {
		fprintf(stderr, "quiescent snaptest: %s\n", msg);
		return CLI_EXIT_HISTORY;
	}
	if (n == 0) {
		if (o->cleanup_orphans && !o->n_vms)
			fprintf(stderr, "quiescent snaptest: no test snapshot of ours is left behind on %s\n",
				vcenter);
		return 0;
	}
	bool interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
	char vm[200];
	snaptest_ref_vm(&refs[0], vm, sizeof vm);
	if (!o->cleanup_orphans && !interactive) {
		fprintf(stderr, "quiescent snaptest: %d test snapshot%s from an interrupted run may still "
			"exist (%s on %s%s); run again with --cleanup-orphans to remove %s first, or on a "
			"terminal to be asked\n", n, n == 1 ? "" : "s", refs[0].snapshot_name,
			vm, n > 1 ? ", ..." : "", n == 1 ? "it" : "them");
		return CLI_EXIT_USAGE;
	}
	vs_error err;
	vs_error_clear(&err);
	vs_conn *c = vs_conn_new(s, &err);
	if (!c) {
		fprintf(stderr, "quiescent snaptest: %s\n", err.message);
		return CLI_EXIT_CONNECT;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		bool remove = true;
		if (!o->cleanup_orphans) {
			char q[400];
			snaptest_ref_vm(&refs[i], vm, sizeof vm);
			snprintf(q, sizeof q, "An interrupted run left test snapshot %s on %s. Remove it?",
				 refs[i].snapshot_name, vm);
			remove = ask(q);
		}
		bool found;
		if (engine_cleanup_orphan(e, c, &refs[i], remove, &found, msg, sizeof msg) < 0) {
			fprintf(stderr, "quiescent snaptest: %s\n", msg);
			rc = CLI_EXIT_STOPPED_UNSAFE;   /* a leftover remains */
		} else {
			fprintf(stderr, "quiescent snaptest: %s\n", msg);
		}
	}
	vs_conn_free(c);
	return rc;
}

static int run(snap_opts *o)
{
	char msg[512];
	int rc;
	bool guest = o->conn.guest_user != NULL;
	/* Without history a crash could leave a snapshot nobody knows about: refuse. */
	engine *e = cmd_start_engine(CMD, &o->conn, guest, o->db,
				     o->network_grace_s, o->task_timeout_s, &rc);
	if (!e)
		return rc;
	store *db = engine_store(e);
	rc = CLI_EXIT_CONNECT;
	vs_error err;
	vs_error_clear(&err);
	scan_result sr = { 0 };
	char **globs = NULL;
	snaptest_outcome *outs = NULL;
	size_t n_outs = 0;
	char *vcenter = scan_server_key(o->conn.server ? o->conn.server : "");
	bool stop_installed = false;
	vs_session *s = conn_open(&o->conn, &err);
	if (!s) {
		fprintf(stderr, "quiescent snaptest: %s\n", err.message);
		goto out;
	}
	if (engine_attach(e, s, vcenter, msg, sizeof msg) < 0) {
		fprintf(stderr, "quiescent snaptest: the history %s cannot record the tests: %s\n",
			store_path(db), msg);
		rc = CLI_EXIT_HISTORY;
		goto out;
	}
	cli_stop_install(&stop_messages);
	stop_installed = true;
	bool busy = false;
	if ((rc = handle_orphans(o, e, s, vcenter, &busy)) != 0)
		goto out;
	cmd_settle_tasks(CMD, e);
	if (!o->n_vms) {
		rc = cmd_exit_busy(rc, busy);
		goto out;   /* --cleanup-orphans alone: clean up, take no new snapshot */
	}
	if (*cli_stop_level()) {
		fprintf(stderr, "quiescent snaptest: stopped (%s) before any test started\n",
			cli_stop_reason_name(cli_stop_why()));
		rc = CLI_EXIT_STOPPED_SAFE;
		goto out;
	}

	globs = xcalloc(o->n_vms, sizeof *globs);
	for (size_t i = 0; i < o->n_vms; i++)
		globs[i] = cmd_glob_escape(o->vms[i]);
	scan_spec spec = { .globs = (const char *const *)globs, .n_globs = o->n_vms, .probe = guest,
			   .guest_user = o->conn.guest_user, .guest_password = o->conn.guest_password };
	size_t bad = 0;
	switch (scan_run(s, db, o->conn.server, &spec, NULL, NULL, &sr, &bad, &err, msg, sizeof msg)) {
	case SCAN_ERR_VCENTER:
		fprintf(stderr, "quiescent snaptest: reading the inventory of %s failed: %s\n", vcenter, err.message);
		rc = CLI_EXIT_CONNECT;
		goto out;
	case SCAN_ERR_NO_MATCH:
		fprintf(stderr, "quiescent snaptest: no VM named '%s' on %s\n", o->vms[bad], vcenter);
		rc = CLI_EXIT_USAGE;
		goto out;
	case SCAN_ERR_STORE:
		fprintf(stderr, "quiescent snaptest: the history %s cannot record the tests: %s\n", store_path(db), msg);
		rc = CLI_EXIT_HISTORY;
		goto out;
	case SCAN_OK:
		break;
	}
	const vm_facts **fs = xcalloc(o->n_vms, sizeof *fs);
	const verdict **vs = xcalloc(o->n_vms, sizeof *vs);
	for (size_t i = 0; i < o->n_vms; i++)
		for (size_t j = 0; j < sr.n && !fs[i]; j++)
			if (sr.facts[j].name && !strcmp(sr.facts[j].name, o->vms[i])) {
				fs[i] = &sr.facts[j];
				vs[i] = &sr.verdicts[j];
			}
	const char *warn = snaptest_backup_type_warning(o->spec.backup_type);
	if (warn)
		fprintf(stderr, "quiescent snaptest: warning: backup type %s: %s\n",
			snaptest_backup_type_name(o->spec.backup_type), warn);

	tail t = { .out = o->json ? stderr : stdout };
	pthread_mutex_init(&t.mu, NULL);
	snaptest_env env = engine_snaptest_env(e);
	env.on_event = on_event;
	env.ctx = &t;
	outs = xcalloc(o->n_vms, sizeof *outs);
	n_outs = o->n_vms;
	engine_snaptest(e, &env, fs, vs, o->n_vms, &o->spec, o->parallel, outs);
	pthread_mutex_destroy(&t.mu);
	free(fs);
	free(vs);

	rc = CLI_EXIT_OK;
	strbuf sb;
	strbuf_init(&sb);
	if (o->json) {
		json_writer w;
		json_writer_init(&w, &sb, true);
		json_object_begin(&w);
		json_kv_string(&w, "vcenter", vcenter);
		json_key(&w, "tests");
		json_array_begin(&w);
		for (size_t i = 0; i < n_outs; i++)
			json_outcome(&w, &outs[i]);
		json_array_end(&w);
		json_object_end(&w);
		strbuf_addc(&sb, '\n');
	} else {
		for (size_t i = 0; i < n_outs; i++)
			table_outcome(&sb, &outs[i]);
	}
	/* A level that could not be read is not proven, not "not ready"; a known miss outranks it */
	for (size_t i = 0; i < n_outs; i++)
		if (!snaptest_outcome_ok(&outs[i]) && outs[i].achieved_unknown && rc == CLI_EXIT_OK)
			rc = CLI_EXIT_NOT_PROVEN;
	for (size_t i = 0; i < n_outs; i++)
		if (!snaptest_outcome_ok(&outs[i]) && !outs[i].achieved_unknown && !outs[i].busy)
			rc = CLI_EXIT_NOT_READY;
	for (size_t i = 0; i < n_outs; i++)
		busy |= outs[i].busy;
	rc = cmd_exit_busy(rc, busy);
	for (size_t i = 0; i < n_outs; i++)
		if (outs[i].history_failed)
			rc = CLI_EXIT_HISTORY;   /* not tested because it could not be recorded */
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_done(&sb);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_NOT_READY;
	/* A test snapshot left behind (or perhaps left: its creation is not known) outranks
	 * every other result: nobody may read this run as clean. */
	size_t left = 0;
	for (size_t i = 0; i < n_outs; i++) {
		if (outs[i].kept || !outs[i].method || snaptest_outcome_removed(&outs[i]) == TRI_YES ||
		    outs[i].snapshot_created == TRI_NO)
			continue;
		left++;
		fprintf(stderr, "quiescent snaptest: the test snapshot %s of %s %s; run quiescent "
			"snaptest --cleanup-orphans\n", outs[i].snapshot_name, outs[i].vm,
			outs[i].snapshot_created == TRI_YES ? "was NOT removed"
			: "may exist (vCenter could not say)");
	}
	if (*cli_stop_level()) {
		fprintf(stderr, "quiescent snaptest: stopped (%s); %s\n",
			cli_stop_reason_name(cli_stop_why()),
			left ? "a test snapshot could NOT be removed" : "every test snapshot was removed");
		rc = left ? CLI_EXIT_STOPPED_UNSAFE : CLI_EXIT_STOPPED_SAFE;
	} else if (left) {
		rc = CLI_EXIT_STOPPED_UNSAFE;
	}
	/* The history failed mid-test: the test stopped as on a stop request. What failed is the
	 * history, so its code, with where the snapshots stand. */
	for (size_t i = 0; i < n_outs; i++) {
		if (!outs[i].history_lost)
			continue;
		fprintf(stderr, "quiescent snaptest: the history %s could not be written mid-test (%s), "
			"so the test of %s stopped; %s\n", store_path(db), outs[i].history_lost_why,
			outs[i].vm, left ? "a test snapshot could NOT be removed: run quiescent snaptest "
			"--cleanup-orphans once the history is writable" : "its test snapshot was removed");
		rc = CLI_EXIT_HISTORY;
	}
out:
	if (stop_installed)
		cli_stop_uninstall();
	for (size_t i = 0; i < n_outs; i++)
		snaptest_outcome_done(&outs[i]);
	free(outs);
	for (size_t i = 0; globs && i < o->n_vms; i++)
		free(globs[i]);
	free(globs);
	free(vcenter);
	scan_result_done(&sr);
	engine_close(e);   /* before the session its connection row names */
	vs_session_free(s);
	return rc;
}

int cmd_snaptest_cleanup(const conn_opts *conn, const char *db_opt, int network_grace_s,
			 int task_timeout_s)
{
	snap_opts o = { .conn = *conn, .cleanup_orphans = true, .db = (char *)db_opt,
			.network_grace_s = network_grace_s, .task_timeout_s = task_timeout_s };
	snaptest_spec_init(&o.spec);
	return run(&o);   /* o.conn and o.db stay the caller's */
}

int cmd_snaptest(int argc, char **argv)
{
	snap_opts o = { .parallel = 0 };
	snaptest_spec_init(&o.spec);
	conn_opts_init(&o.conn);
	int rc;
	int p = parse(argc, argv, &o);
	if (p != 0) {
		rc = p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	} else {
		conn_opts_from_env(&o.conn);
		rc = run(&o);
	}
	for (size_t i = 0; i < o.n_vms; i++)
		free(o.vms[i]);
	free(o.vms);
	free(o.db);
	conn_opts_done(&o.conn);
	return rc;
}
