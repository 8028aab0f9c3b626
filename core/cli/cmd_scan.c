/* quiescent scan: inventory, guest probe, rules; the result printed and stored in history. */
#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/scan_output.h"
#include "probe/probe.h"
#include "rules/rules.h"
#include "store/store.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PROBE_CONCURRENCY 8
#define PROBE_TIMEOUT_S 120

typedef struct {
	conn_opts conn;
	char **globs;
	size_t n_globs;
	bool no_probe;
	scan_format format;
	char *db;
} scan_opts;

static void usage(FILE *out)
{
	fprintf(out, "usage: quiescent scan [OPTIONS]\n\n"
		     "Reads every VM's facts from vCenter, probes Windows guests, applies the readiness\n"
		     "rules, prints the result and stores it in the history.\n\n%s\n"
		     "Scan:\n"
		     "  --vm GLOB             only VMs whose name matches (repeatable)\n"
		     "  --no-probe            do not run the guest probe (use the last one in history)\n"
		     "  --format FMT          table (default), json or csv\n"
		     "  --db PATH             history database (env QUIESCENT_DB)\n"
		     "  -h, --help            this text\n\n"
		     "Exit codes: 0 all ready (or n/a), 1 something not ready, 2 usage error,\n"
		     "3 connection, TLS or login failure.\n",
		conn_opts_help());
}

static int parse(int argc, char **argv, scan_opts *o)
{
	char msg[256];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r = conn_opts_parse_arg(&o->conn, argc, argv, &i, msg, sizeof msg);
		if (r < 0) {
			fprintf(stderr, "quiescent scan: %s\n", msg);
			return -1;
		}
		if (r > 0)
			continue;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--no-probe")) {
			o->no_probe = true;
		} else if (!strcmp(a, "--vm") || !strcmp(a, "--format") || !strcmp(a, "--db")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "quiescent scan: %s needs a value\n", a);
				return -1;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--vm")) {
				o->globs = xrealloc(o->globs, (o->n_globs + 1) * sizeof *o->globs);
				o->globs[o->n_globs++] = xstrdup(v);
			} else if (!strcmp(a, "--format")) {
				if (!scan_format_parse(v, &o->format)) {
					fprintf(stderr, "quiescent scan: unknown format '%s' (table, json or csv)\n", v);
					return -1;
				}
			} else {
				xstrset(&o->db, v);
			}
		} else {
			fprintf(stderr, "quiescent scan: unknown option '%s' (see quiescent scan --help)\n", a);
			return -1;
		}
	}
	return 0;
}

/* host[:port] of the server, the key of this vCenter in history and the JSON "vcenter". */
static char *server_key(const char *server)
{
	const char *p = strstr(server, "://");
	p = p ? p + 3 : server;
	return xstrndup(p, strcspn(p, "/"));
}

/* Guest facts for VMs the probe did not reach: the last good probe from history (stale), or
 * the reason they are unknown. Never leaves PROBE_NOT_RUN: the contract has no such state. */
static void settle_probe(store *db, const char *vcenter, vm_facts *f, bool probing, bool have_creds)
{
	if (f->probe.state == PROBE_OK)
		return;
	if (db && f->probe.state != PROBE_LOGIN_FAILED) {
		guest_probe old;
		model_guest_probe_init(&old);
		if (store_last_probe(db, vcenter, f->moref, &old, NULL, 0) == 1) {
			model_guest_probe_done(&f->probe);
			f->probe = old;
			f->probe.state = PROBE_STALE;
			return;
		}
		model_guest_probe_done(&old);
	}
	if (f->probe.state != PROBE_NOT_RUN)
		return;
	if (!probing || !have_creds) {
		f->probe.state = PROBE_NOT_CONFIGURED;
		xstrset(&f->probe.error, !probing ? "the guest probe was not asked for (--no-probe)"
						  : "no guest credentials (--guest-user, GOVC_GUEST_LOGIN)");
		return;
	}
	f->probe.state = PROBE_UNAVAILABLE;
	const char *why = f->power != POWER_ON ? "the VM is not powered on"
			  : f->tools != TOOLS_RUNNING ? "VMware Tools is not running"
						      : "not a Windows guest";
	free(f->probe.error);
	f->probe.error = xasprintf("guest probe of %s not possible: %s", f->name, why);
}

/* Columns of the terminal stdout goes to; 80 for pipes and files, so scripts see one layout. */
static int terminal_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 80;
}

static char *options_json(const scan_opts *o)
{
	strbuf sb;
	strbuf_init(&sb);
	json_writer w;
	json_writer_init(&w, &sb, false);
	json_object_begin(&w);
	json_key(&w, "vm");
	json_array_begin(&w);
	for (size_t i = 0; i < o->n_globs; i++)
		json_string(&w, o->globs[i]);
	json_array_end(&w);
	json_kv_bool(&w, "probe", !o->no_probe);
	json_object_end(&w);
	return strbuf_detach(&sb, NULL);
}

static int store_scan(store *db, const scan_opts *o, vs_session *s, const char *vcenter,
		      time_t at, vm_facts *vms, verdict *vs, size_t n, char *err, size_t errlen)
{
	store_connection_info ci = {
		.server = vcenter,
		.user = vs_session_user(s),
		.api_version = vs_session_api_version(s),
		.thumbprint = vs_session_thumbprint(s),
		.at = at,
	};
	int64_t conn_id = store_connection_begin(db, &ci, err, errlen);
	if (conn_id < 0)
		return -1;
	char *opts = options_json(o);
	int64_t scan_id = store_scan_begin(db, conn_id, at, opts, err, errlen);
	free(opts);
	if (scan_id < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (store_scan_add_vm(db, scan_id, &vms[i], &vs[i], err, errlen) < 0) {
			store_scan_abort(db, scan_id);
			return -1;
		}
	}
	if (store_scan_commit(db, scan_id, time(NULL), err, errlen) < 0)
		return -1;
	return store_connection_end(db, conn_id, time(NULL), err, errlen);
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
	char pathbuf[4096];
	const char *path = o->db ? o->db : store_default_path(pathbuf, sizeof pathbuf);
	if (!path) {
		fprintf(stderr, "quiescent scan: no place for the history: set --db, QUIESCENT_DB or HOME\n");
		return CLI_EXIT_USAGE;
	}
	store *db = store_open(path, msg, sizeof msg);
	if (!db) {
		fprintf(stderr, "quiescent scan: %s\n", msg);
		return CLI_EXIT_USAGE;
	}

	int rc = CLI_EXIT_CONNECT;
	vs_error err;
	vs_error_clear(&err);
	vm_facts *vms = NULL;
	verdict *vs = NULL;
	size_t n = 0;
	size_t *matches = o->n_globs ? xcalloc(o->n_globs, sizeof *matches) : NULL;
	char *vcenter = server_key(o->conn.server);
	time_t at = time(NULL);
	vs_conn *c = NULL;
	vs_session *s = conn_open(&o->conn, &err);
	if (!s) {
		fprintf(stderr, "quiescent scan: %s\n", err.message);
		goto out;
	}
	c = vs_conn_new(s, &err);
	if (!c || inventory_scan(c, (const char *const *)o->globs, o->n_globs, matches, &vms, &n, &err) < 0) {
		fprintf(stderr, "quiescent scan: reading the inventory of %s failed: %s\n", vcenter, err.message);
		goto out;
	}
	for (size_t g = 0; g < o->n_globs; g++) {
		if (!matches[g]) {
			fprintf(stderr, "quiescent scan: no VM matches '%s'\n", o->globs[g]);
			rc = CLI_EXIT_USAGE;
			goto out;
		}
	}
	bool have_creds = o->conn.guest_user && o->conn.guest_password;
	if (probing && have_creds)
		probe_many(s, vms, n, o->conn.guest_user, o->conn.guest_password, PROBE_CONCURRENCY,
			   PROBE_TIMEOUT_S);
	vs = xcalloc(n ? n : 1, sizeof *vs);
	for (size_t i = 0; i < n; i++) {
		settle_probe(db, vcenter, &vms[i], probing, have_creds);
		time_t set_at;
		if (store_enable_uuid_set_at(db, vcenter, vms[i].moref, &set_at, NULL, 0) == 1)
			vms[i].enable_uuid_set_at = set_at;
		model_verdict_init(&vs[i]);
		rules_evaluate(&vms[i], at, &vs[i]);
	}
	if (store_scan(db, o, s, vcenter, at, vms, vs, n, msg, sizeof msg) < 0) {
		fprintf(stderr, "quiescent scan: the scan was not stored in %s: %s\n", path, msg);
		rc = CLI_EXIT_NOT_READY;
		goto out;
	}

	strbuf sb;
	strbuf_init(&sb);
	scan_result result = { .vcenter = vcenter, .scanned_at = at, .facts = vms, .verdicts = vs,
			       .n = n, .width = terminal_width() };
	scan_output(&sb, &result, o->format);
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_done(&sb);
	rc = CLI_EXIT_OK;
	for (size_t i = 0; i < n; i++)
		if (vs[i].status != STATUS_READY && vs[i].status != STATUS_NA)
			rc = CLI_EXIT_NOT_READY;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "quiescent scan: writing the result failed\n");
		rc = CLI_EXIT_NOT_READY;
	}
out:
	for (size_t i = 0; i < n; i++) {
		model_vm_facts_done(&vms[i]);
		if (vs)
			model_verdict_done(&vs[i]);
	}
	free(vms);
	free(vs);
	free(matches);
	free(vcenter);
	vs_conn_free(c);
	vs_session_free(s);
	store_close(db);
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	scan_opts o = { .format = SCAN_FORMAT_TABLE };
	conn_opts_init(&o.conn);
	int rc;
	int p = parse(argc, argv, &o);
	if (p != 0) {
		rc = p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	} else {
		conn_opts_from_env(&o.conn);
		rc = run(&o);
	}
	for (size_t i = 0; i < o.n_globs; i++)
		free(o.globs[i]);
	free(o.globs);
	free(o.db);
	conn_opts_done(&o.conn);
	return rc;
}
