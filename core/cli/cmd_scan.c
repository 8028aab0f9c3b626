/* quiescent scan: inventory, guest probe, rules; the result printed and stored in history. */
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "frontend/conn.h"
#include "frontend/retention.h"
#include "cli/scan_output.h"
#include "probe/probe.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/timing.h"
#include "util/xalloc.h"
#include "vsphere/guest_login.h"
#include "util/timefmt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CMD "quiescent scan"

typedef struct {
	conn_opts conn;
	char **globs;
	size_t n_globs;
	bool no_probe;
	int probe_total, probe_per_host, probe_max_age_s;
	bool wide;
	time_t max_proof_age;
	scan_format format;
	char *db;
	long max_probe_age_s;   /* 0: SCAN_MAX_PROBE_AGE_S */
	retention_conf retention;   /* the config file's default (frontend/retention.h) */
} scan_opts;

static void usage(FILE *out)
{
	fprintf(out, "usage: quiescent scan [OPTIONS]\n\n"
		     "Reads every VM's facts from vCenter, probes Windows guests, applies the readiness\n"
		     "rules, prints the result and stores it in the history.\n\n%s\n"
		     "Scan:\n"
		     "  --vm GLOB             only VMs whose name matches (repeatable)\n"
		     "  --no-probe            do not run the guest probe (use the last one in history)\n"
		     "  --probe-concurrency N guest probes at once in all (default %d, or the per-host\n"
		     "                        bound times the hosts when more, up to %d)\n"
		     "  --probe-per-host N    guest probes at once on one ESXi host (default %d)\n"
		     "  --probe-max-age AGE   speed: reuse a guest's last good probe younger than AGE\n"
		     "                        (30m, 6h, 1d; no fix of ours since) instead of probing\n"
		     "                        it again\n"
		     "  --reprobe             probe every guest, whatever --probe-max-age says\n"
		     "  --max-probe-age AGE   trust: guest facts older than AGE prove nothing (exit 4;\n"
		     "                        default 7d; 30d, 12h, 90m, or seconds)\n"
		     "  --format FMT          table (default), json, csv or csv-findings\n"
		     "                        (csv: one row per VM; csv-findings: one per finding)\n"
		     "  --wide                the table with whole names and findings on a terminal\n"
		     "                        (always so when stdout is not a terminal)\n"
		     "  --max-proof-age DAYS  a test older than this only predicts (default 30)\n"
		     "  --db PATH             history database (env QUIESCENT_DB)\n"
		     "  -h, --help            this text\n\n"
		     "Exit codes: 0 all ready (or n/a), 1 something not ready, 2 usage error,\n"
		     "3 connection, TLS or login failure, 4 not proven (a VM judged ready from guest\n"
		     "facts older than --max-probe-age or from none), 5 a guest login was refused (the\n"
		     "other VMs were not tried with it), 7 an interrupted quiescent run left a VM\n"
		     "powered off or a test snapshot behind (R26; named on the last lines, or on\n"
		     "stderr for json and csv), 8 the scan could not be stored in the history (a\n"
		     "full disk, read-only media, a damaged file): nothing was printed; or the\n"
		     "retention settings' deletes failed after it was stored and printed.\n",
		conn_opts_help(), PROBE_TOTAL, PROBE_TOTAL_MAX, PROBE_PER_HOST);
}

static bool parse_count(const char *v, long *out)
{
	char *end;
	*out = strtol(v, &end, 10);
	return end != v && !*end && *out >= 1 && *out <= 1000;
}

/* --probe-max-age: 90 (seconds), 30m, 6h, 1d, 2w; at most a year */
static bool parse_probe_age(const char *v, long *out)
{
	return time_parse_age(v, out) && *out <= 366L * 86400;
}

/* One option of this command's own (frontend/args.h's cmd_own_arg_fn). */
static int own_arg(void *opts, const char *a, int argc, char **argv, int *i)
{
	scan_opts *o = opts;
	if (!strcmp(a, "--no-probe")) {
		o->no_probe = true;
	} else if (!strcmp(a, "--max-probe-age")) {
		const char *v = cmd_option_value(CMD, argc, argv, i);
		if (!v)
			return -1;
		if (!time_parse_age(v, &o->max_probe_age_s) || o->max_probe_age_s <= 0) {
			fprintf(stderr, "quiescent scan: --max-probe-age takes an age such as 7d, 12h, "
				"90m or seconds, not '%s'\n", v);
			return -1;
		}
	} else if (!strcmp(a, "--reprobe")) {
		o->probe_max_age_s = -1;
	} else if (!strcmp(a, "--probe-concurrency") || !strcmp(a, "--probe-per-host") ||
		   !strcmp(a, "--probe-max-age")) {
		const char *v = cmd_option_value(CMD, argc, argv, i);
		if (!v)
			return -1;
		long n = 0;
		bool ok = !strcmp(a, "--probe-max-age") ? parse_probe_age(v, &n)
						       : parse_count(v, &n);
		if (!ok) {
			fprintf(stderr, "quiescent scan: %s needs %s, not '%s'\n", a,
				!strcmp(a, "--probe-max-age") ? "an age (30m, 6h, 1d)"
							      : "a number from 1 to 1000", v);
			return -1;
		}
		if (!strcmp(a, "--probe-concurrency"))
			o->probe_total = (int)n;
		else if (!strcmp(a, "--probe-per-host"))
			o->probe_per_host = (int)n;
		else if (o->probe_max_age_s >= 0) /* --reprobe wins */
			o->probe_max_age_s = (int)n;
	} else if (!strcmp(a, "--wide")) {
		o->wide = true;
	} else if (!strcmp(a, "--max-proof-age")) {
		const char *v = cmd_option_value(CMD, argc, argv, i);
		if (!v)
			return -1;
		char *end;
		long days = strtol(v, &end, 10);
		if (end == v || *end || days < 1 || days > 3650) {
			fprintf(stderr, "quiescent scan: --max-proof-age takes a number of days from 1 "
					"to 3650, not '%s'\n", v);
			return -1;
		}
		o->max_proof_age = (time_t)days * 86400;
	} else if (!strcmp(a, "--vm") || !strcmp(a, "--format") || !strcmp(a, "--db")) {
		const char *v = cmd_option_value(CMD, argc, argv, i);
		if (!v)
			return -1;
		if (!strcmp(a, "--vm")) {
			cmd_strings_add(&o->globs, &o->n_globs, v);
		} else if (!strcmp(a, "--format")) {
			if (!scan_format_parse(v, &o->format)) {
				fprintf(stderr, "quiescent scan: unknown format '%s' (table, json, csv or "
						"csv-findings)\n", v);
				return -1;
			}
		} else {
			xstrset(&o->db, v);
		}
	} else {
		fprintf(stderr, "quiescent scan: unknown option '%s' (see quiescent scan --help)\n", a);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, scan_opts *o)
{
	return cmd_parse_args(CMD, &o->conn, argc, argv, usage, own_arg, o);
}

/* Columns of the terminal stdout goes to; 0 (no limit: whole names and findings) for pipes
 * and files, so scripts and mails read every finding. */
static int terminal_width(void)
{
	struct winsize ws;
	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 80;
}

/* What nothing after the scan waits for runs beside formatting and writing the result: the
 * logout (a network round trip), the configured retention, and closing the history (copying
 * the scan from the WAL into the database). All belong to this thread from its start. */
typedef struct {
	vs_session *s;
	store *db;
	const retention_conf *retention;
	char error[768];   /* why the retention failed; "": it did not */
} finish_work;

static void *finish_run(void *arg)
{
	finish_work *w = arg;
	vs_session_free(w->s);
	retention_apply(w->db, w->retention, time(NULL), w->error, sizeof w->error);
	store_close(w->db);
	return NULL;
}

/* A guest login the circuit breaker stopped (vsphere/guest_login.h), asked of the session. */
typedef struct {
	bool refused;
	char user[128], vm[64];
	unsigned not_tried;
} login_refusal;

/* The exit code of one vCenter's result and the sentences beside it on stderr (not proven,
 * stale facts, a refused guest login, leftovers); on: "" or "vCENTER: " before each. */
static int judge(const scan_opts *o, const scan_result *result, const login_refusal *lr,
		 const char *on)
{
	int rc = scan_all_ready(result) ? CLI_EXIT_OK : CLI_EXIT_NOT_READY;
	time_t max_age = o->max_probe_age_s > 0 ? o->max_probe_age_s : SCAN_MAX_PROBE_AGE_S;
	size_t unproven = scan_count_unproven(result, max_age);
	if (unproven) {
		size_t shown = 0;
		strbuf names;
		strbuf_init(&names);
		time_t oldest = 0;
		for (size_t i = 0; i < result->n; i++) {
			if (!scan_vm_unproven(result, i, max_age))
				continue;
			const vm_facts *f = &result->facts[i];
			if (f->probe.state == PROBE_STALE && f->probe.at > 0 &&
			    (!oldest || f->probe.at < oldest))
				oldest = f->probe.at;
			if (shown < 5)
				strbuf_addf(&names, "%s%s", shown++ ? ", " : "", f->name ? f->name : f->moref);
		}
		char age[80] = "", oldest_age[48], limit[48];
		if (oldest)
			snprintf(age, sizeof age, ", the oldest %s old",
				 time_age_text(result->scanned_at - oldest > 0 ? result->scanned_at - oldest
						: 1, oldest_age, sizeof oldest_age));
		time_age_text(max_age, limit, sizeof limit);
		fprintf(stderr, "quiescent scan: %snot proven: %zu VM%s judged ready from guest facts older "
			"than %s%s, or from none (%s%s); probe them with guest credentials (--guest-user)\n",
			on, unproven, unproven == 1 ? " was" : "s were", limit, age,
			names.buf ? names.buf : "", unproven > shown ? ", ..." : "");
		strbuf_done(&names);
		rc = CLI_EXIT_NOT_PROVEN;
	}
	/* Stale facts are always counted, also those young enough to stand as proof. */
	size_t stale = 0;
	time_t stale_oldest = 0;
	for (size_t i = 0; i < result->n; i++) {
		const guest_probe *p = &result->facts[i].probe;
		if (p->state != PROBE_STALE || scan_vm_unproven(result, i, max_age))
			continue;
		stale++;
		if (p->at > 0 && (!stale_oldest || p->at < stale_oldest))
			stale_oldest = p->at;
	}
	char stale_age[48];
	if (stale)
		fprintf(stderr, "quiescent scan: %snote: %zu VM%s judged from an earlier guest probe, not "
			"this scan's (the oldest %s old, within --max-probe-age)\n", on, stale,
			stale == 1 ? " was" : "s were",
			time_age_text(stale_oldest && result->scanned_at > stale_oldest
				      ? result->scanned_at - stale_oldest : 1, stale_age, sizeof stale_age));
	if (lr->refused) {
		const char *name = lr->vm;
		for (size_t i = 0; i < result->n; i++)
			if (result->facts[i].moref && !strcmp(result->facts[i].moref, lr->vm) &&
			    result->facts[i].name)
				name = result->facts[i].name;
		fprintf(stderr, "quiescent scan: %sthe guest login %s was refused by VM %s; to keep the "
			"account from being locked out it was not tried on the other %u VM%s: check "
			"that account's password (--guest-user, or the guest logins file)\n", on, lr->user, name,
			lr->not_tried, lr->not_tried == 1 ? "" : "s");
		rc = CLI_EXIT_GUEST_LOGIN;
	}
	if (scan_leftover_count(result)) {
		/* the table carries it; beside json and csv it goes to stderr */
		if (o->format != SCAN_FORMAT_TABLE) {
			strbuf lb;
			strbuf_init(&lb);
			scan_output_leftovers(&lb, result);
			fprintf(stderr, "quiescent scan: %s%s", on, lb.buf);
			strbuf_done(&lb);
		}
		rc = CLI_EXIT_LEFTOVERS;
	}
	return rc;
}

/* ---- several vCenters: one thread each, one output ---- */

/* One vCenter of a scan over several: its own connection and history handle, on its own
 * thread, so one that is down or slow holds up only its own part. */
typedef struct {
	const scan_opts *o;
	conn_opts conn;          /* o->conn for this server (a view) */
	const char *db_path;
	bool *glob_hits;         /* o->n_globs */
	scan_result result;
	char error[600];         /* why it was not scanned; "": scanned */
	int rc;                  /* its exit code when not scanned */
	login_refusal lr;
} vc_scan;

static void *vc_scan_run(void *arg)
{
	vc_scan *v = arg;
	const scan_opts *o = v->o;
	char msg[512];
	vs_error err;
	vs_error_clear(&err);
	memset(&v->result, 0, sizeof v->result);
	store *db = store_open(v->db_path, msg, sizeof msg);
	if (!db) {
		snprintf(v->error, sizeof v->error, "its scan cannot be stored in the history: %s", msg);
		v->rc = CLI_EXIT_HISTORY;
		goto failed;
	}
	vs_session *s = conn_open(&v->conn, &err);
	if (!s) {
		snprintf(v->error, sizeof v->error, "%s", err.message);
		v->rc = CLI_EXIT_CONNECT;
		store_close(db);
		goto failed;
	}
	scan_spec spec = {
		.globs = (const char *const *)o->globs,
		.n_globs = o->n_globs,
		.probe = !o->no_probe,
		.guest_user = o->conn.guest_user,
		.guest_password = o->conn.guest_password,
		.guest_logins = o->conn.guest_logins,
		.probe_concurrency = o->probe_total,
		.probe_per_host = o->probe_per_host,
		.probe_max_age_s = o->probe_max_age_s > 0 ? o->probe_max_age_s : 0,
		.glob_hits = v->glob_hits,
	};
	scan_status st = scan_run(s, db, v->conn.server, &spec, NULL, NULL, &v->result, NULL, &err,
				  msg, sizeof msg);
	if (st == SCAN_OK)
		v->lr.refused = vs_session_guest_login_refused(s, v->lr.user, sizeof v->lr.user, v->lr.vm,
							       sizeof v->lr.vm, &v->lr.not_tried);
	else if (st == SCAN_ERR_STORE)
		snprintf(v->error, sizeof v->error, "the scan was not stored in %s: %s", v->db_path, msg);
	else
		snprintf(v->error, sizeof v->error, "reading its inventory failed: %s", err.message);
	v->rc = st == SCAN_ERR_STORE ? CLI_EXIT_HISTORY : CLI_EXIT_CONNECT;
	vs_session_free(s);
	store_close(db);
	if (st == SCAN_OK)
		return NULL;
failed:
	/* the output still names it: no VM, and why */
	scan_result_done(&v->result);
	memset(&v->result, 0, sizeof v->result);
	v->result.vcenter = scan_server_key(v->conn.server);
	v->result.scanned_at = time(NULL);
	return NULL;
}

/* The worst of two exit codes of a scan: leftovers first (the first promise), then a scan
 * that could not be stored, a vCenter not scanned, a refused guest login, not proven, not
 * ready. */
static int worst_exit(int a, int b)
{
	static const int order[] = { CLI_EXIT_OK, CLI_EXIT_NOT_READY, CLI_EXIT_NOT_PROVEN,
				     CLI_EXIT_GUEST_LOGIN, CLI_EXIT_CONNECT, CLI_EXIT_USAGE,
				     CLI_EXIT_HISTORY, CLI_EXIT_LEFTOVERS };
	size_t ra = 0, rb = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (order[i] == a)
			ra = i;
		if (order[i] == b)
			rb = i;
	}
	return ra >= rb ? a : b;
}

static int run_many(scan_opts *o, store *db)
{
	size_t n = conn_opts_server_count(&o->conn);
	vc_scan *vcs = xcalloc(n, sizeof *vcs);
	pthread_t *threads = xcalloc(n, sizeof *threads);
	bool *started = xcalloc(n, sizeof *started);
	for (size_t k = 0; k < n; k++) {
		vc_scan *v = &vcs[k];
		v->o = o;
		conn_opts_for_server(&o->conn, k, &v->conn);
		v->db_path = store_path(db);
		v->glob_hits = o->n_globs ? xcalloc(o->n_globs, sizeof *v->glob_hits) : NULL;
		started[k] = pthread_create(&threads[k], NULL, vc_scan_run, v) == 0;
		if (!started[k])
			vc_scan_run(v); /* no thread: in turn, the same work */
	}
	for (size_t k = 0; k < n; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
	timing_mark("every vCenter scanned");

	int rc = CLI_EXIT_OK;
	/* a glob is wrong when no vCenter that was read has a VM it matches */
	bool all_read = true;
	for (size_t k = 0; k < n; k++)
		all_read = all_read && !vcs[k].error[0];
	for (size_t g = 0; g < o->n_globs && all_read; g++) {
		bool hit = false;
		for (size_t k = 0; k < n; k++)
			hit = hit || vcs[k].glob_hits[g];
		if (!hit) {
			fprintf(stderr, "quiescent scan: no VM matches '%s' on any of the %zu vCenters\n",
				o->globs[g], n);
			rc = CLI_EXIT_USAGE;
			goto out;
		}
	}
	scan_part *parts = xcalloc(n, sizeof *parts);
	for (size_t k = 0; k < n; k++) {
		vcs[k].result.max_proof_age = o->max_proof_age;
		parts[k].r = &vcs[k].result;
		parts[k].error = vcs[k].error[0] ? vcs[k].error : NULL;
	}
	strbuf sb;
	strbuf_init(&sb);
	scan_output_many(&sb, parts, n, o->format, o->wide ? 0 : terminal_width(), stdout);
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_done(&sb);
	free(parts);
	for (size_t k = 0; k < n; k++) {
		vc_scan *v = &vcs[k];
		if (v->error[0]) {
			fprintf(stderr, "quiescent scan: vCenter %s was not scanned: %s\n",
				v->result.vcenter, v->error);
			rc = worst_exit(rc, v->rc);
			continue;
		}
		char on[300];
		snprintf(on, sizeof on, "%s: ", v->result.vcenter);
		rc = worst_exit(rc, judge(o, &v->result, &v->lr, on));
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "quiescent scan: writing the result failed\n");
		rc = worst_exit(rc, CLI_EXIT_NOT_READY);
	}
out:
	for (size_t k = 0; k < n; k++) {
		scan_result_done(&vcs[k].result);
		free(vcs[k].glob_hits);
	}
	free(vcs);
	free(threads);
	free(started);
	return rc;
}

static int run(scan_opts *o)
{
	char msg[512];
	bool probing = !o->no_probe;
	if (conn_opts_complete(&o->conn, probing, msg, sizeof msg) < 0) {
		fprintf(stderr, "quiescent scan: %s\n", msg);
		return CLI_EXIT_USAGE;
	}
	/* History first: a scan that cannot be recorded is refused before touching vCenter. */
	timing_mark("start");
	store *db = cmd_open_history(CMD, o->db);
	if (!db)
		return CLI_EXIT_HISTORY;
	store_checkpoint_at_close(db);
	if (conn_opts_server_count(&o->conn) > 1) {
		int rc = run_many(o, db);
		if (retention_apply(db, &o->retention, time(NULL), msg, sizeof msg) != 0) {
			fprintf(stderr, "quiescent scan: %s\n", msg);
			rc = worst_exit(rc, CLI_EXIT_HISTORY);
		}
		store_close(db);
		return rc;
	}

	int rc = CLI_EXIT_CONNECT;
	vs_error err;
	vs_error_clear(&err);
	scan_result result = { 0 };
	timing_mark("open history");
	vs_session *s = conn_open(&o->conn, &err);
	if (!s) {
		fprintf(stderr, "quiescent scan: %s\n", err.message);
		goto out;
	}
	timing_mark("connect+login");
	scan_spec spec = {
		.globs = (const char *const *)o->globs,
		.n_globs = o->n_globs,
		.probe = probing,
		.guest_user = o->conn.guest_user,
		.guest_password = o->conn.guest_password,
		.guest_logins = o->conn.guest_logins,
		.probe_concurrency = o->probe_total,
		.probe_per_host = o->probe_per_host,
		.probe_max_age_s = o->probe_max_age_s > 0 ? o->probe_max_age_s : 0,
	};
	size_t bad = 0;
	switch (scan_run(s, db, o->conn.server, &spec, NULL, NULL, &result, &bad, &err, msg, sizeof msg)) {
	case SCAN_ERR_VCENTER:
		fprintf(stderr, "quiescent scan: reading the inventory of %s failed: %s\n", result.vcenter, err.message);
		goto out;
	case SCAN_ERR_NO_MATCH:
		fprintf(stderr, "quiescent scan: no VM matches '%s'\n", o->globs[bad]);
		rc = CLI_EXIT_USAGE;
		goto out;
	case SCAN_ERR_STORE:
		fprintf(stderr, "quiescent scan: the scan was not stored in %s: %s\n", store_path(db), msg);
		rc = CLI_EXIT_HISTORY;
		goto out;
	case SCAN_OK:
		break;
	}
	/* Asked before the session goes to the finisher thread. */
	login_refusal lr = { 0 };
	lr.refused = vs_session_guest_login_refused(s, lr.user, sizeof lr.user, lr.vm, sizeof lr.vm,
						    &lr.not_tried);
	pthread_t finisher;
	finish_work fw = { .s = s, .db = db, .retention = &o->retention };
	if (pthread_create(&finisher, NULL, finish_run, &fw) == 0)
		s = NULL, db = NULL;

	strbuf sb;
	strbuf_init(&sb);
	result.max_proof_age = o->max_proof_age;
	scan_output(&sb, &result, o->format, o->wide ? 0 : terminal_width(), stdout);
	timing_mark("format output");
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_done(&sb);
	rc = judge(o, &result, &lr, "");
	if (fflush(stdout) != 0) {
		fprintf(stderr, "quiescent scan: writing the result failed\n");
		rc = CLI_EXIT_NOT_READY;
	}
	timing_mark("write output");
	if (!s) {
		pthread_join(finisher, NULL);
		timing_mark("logout, history closed");
	} else {
		/* no thread to be had: the retention here (the rest goes at out) */
		retention_apply(db, &o->retention, time(NULL), fw.error, sizeof fw.error);
	}
	if (fw.error[0]) {
		/* the scan is stored and printed; the history is not thinned as configured */
		fprintf(stderr, "quiescent scan: %s\n", fw.error);
		rc = worst_exit(rc, CLI_EXIT_HISTORY);
	}
out:
	scan_result_done(&result);
	vs_session_free(s);
	store_close(db);
	timing_mark("end");
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	scan_opts o = { .format = SCAN_FORMAT_TABLE };
	conn_opts_init(&o.conn);
	o.conn.several_servers = true;
	int rc;
	char msg[768];
	int p = parse(argc, argv, &o);
	if (p != 0) {
		rc = p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	} else if (retention_load(NULL, &o.retention, msg, sizeof msg) != 0) {
		fprintf(stderr, "quiescent scan: %s\n", msg);
		rc = CLI_EXIT_USAGE;
	} else {
		conn_opts_from_env(&o.conn);
		rc = run(&o);
	}
	retention_done(&o.retention);
	cmd_strings_free(o.globs, o.n_globs);
	free(o.db);
	conn_opts_done(&o.conn);
	return rc;
}
