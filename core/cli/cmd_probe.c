/* quiescent probe VM [--save DIR]: the guest probe of one VM, what it read, and with --save
 * every raw output (the bytes the guest wrote, and exit codes) beside what was parsed, for a
 * bug report; tests/tools/capture-to-raw-outputs.py turns such a folder into the lab's
 * guest.raw_outputs so the lab replays the guest. */
#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "frontend/conn.h"
#include "probe/probe.h"
#include "probe/probe_decode.h"
#include "store/store.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/guest.h"
#include "vsphere/inventory.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CMD "quiescent probe"
#define PROBE_TIMEOUT_S 300
#define EXIT_GUEST_LOGIN 5 /* the guest refused the credentials (quiescent.1) */

typedef struct {
	conn_opts conn;
	char *vm;
	char *save;
} probe_opts;

static void usage(FILE *out)
{
	fprintf(out, "usage: quiescent probe VM [--save DIR] [OPTIONS]\n\n"
		     "Runs the guest probe on one VM (docs/guest-probe.md) and prints what it read.\n\n%s\n"
		     "Probe:\n"
		     "  --save DIR            keep every raw output for a bug report: probe.out (the\n"
		     "                        probe's bytes as the guest wrote them), each command of the\n"
		     "                        probe run alone (NN-name.out), exit codes, parsed.json and\n"
		     "                        manifest.json; DIR must be new or empty. No password is saved.\n"
		     "  -h, --help            this text\n\n"
		     "Exit codes: 0 the probe read everything, 1 it ran but something is unknown or\n"
		     "refused, 2 usage error, 3 connection, TLS or login failure, 5 guest credentials\n"
		     "refused.\n",
		conn_opts_help());
}

/* One option of this command's own (frontend/args.h's cmd_own_arg_fn). */
static int own_arg(void *opts, const char *a, int argc, char **argv, int *i)
{
	probe_opts *o = opts;
	if (!strcmp(a, "--save")) {
		const char *v = cmd_option_value(CMD, argc, argv, i);
		if (!v)
			return -1;
		xstrset(&o->save, v);
	} else if (a[0] == '-' && a[1]) {
		fprintf(stderr, CMD ": unknown option '%s' (see " CMD " --help)\n", a);
		return -1;
	} else if (o->vm) {
		fprintf(stderr, CMD ": one VM at a time ('%s' and '%s')\n", o->vm, a);
		return -1;
	} else {
		o->vm = xstrdup(a);
	}
	return 0;
}

static int parse(int argc, char **argv, probe_opts *o)
{
	int rc = cmd_parse_args(CMD, &o->conn, argc, argv, usage, own_arg, o);
	if (rc != 0)
		return rc;
	if (!o->vm) {
		fprintf(stderr, CMD ": which VM? (" CMD " VM [--save DIR])\n");
		return -1;
	}
	return 0;
}

/* DIR new (created 0700) or an empty directory; false with one sentence otherwise. */
static bool prepare_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0)
		return true;
	if (errno != EEXIST) {
		fprintf(stderr, CMD ": cannot create %s: %s\n", dir, strerror(errno));
		return false;
	}
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, CMD ": %s exists and cannot be read: %s\n", dir, strerror(errno));
		return false;
	}
	struct dirent *e;
	bool empty = true;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	if (!empty)
		fprintf(stderr, CMD ": %s is not empty: give a new or empty directory\n", dir);
	return empty;
}

static bool write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(data, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, CMD ": cannot write %s: %s\n", path, strerror(errno));
	free(path);
	return ok;
}

/* "sc query vmvss" -> "sc-query-vmvss" */
static char *slug(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '-';
	return d;
}

/* Runs each command of the probe alone and records its bytes and exit code in dir; the
 * manifest lists them. A command that cannot run is recorded with its error. */
static bool save_steps(vs_conn *c, const vm_facts *f, const probe_opts *o, json_writer *m)
{
	size_t n;
	const probe_step *st = probe_steps(&n);
	bool ok = true;
	json_key(m, "commands");
	json_array_begin(m);
	for (size_t i = 0; i < n && ok; i++) {
		char *text = NULL, *sl = slug(st[i].section);
		size_t len = 0;
		int code = 0;
		vs_error err;
		vs_error_clear(&err);
		char *file = xasprintf("%02zu-%s.out", i + 1, sl);
		json_object_begin(m);
		json_kv_string(m, "section", st[i].section);
		json_kv_string(m, "command", st[i].command);
		if (vs_guest_run(c, f->moref, o->conn.guest_user, o->conn.guest_password, st[i].command,
				 PROBE_TIMEOUT_S, &text, &len, &code, &err) == 0) {
			ok = write_file(o->save, file, text ? text : "", len);
			json_kv_string(m, "file", file);
			json_kv_int(m, "exit_code", code);
		} else {
			json_kv_string(m, "error", err.message);
		}
		json_object_end(m);
		free(text);
		free(file);
		free(sl);
	}
	json_array_end(m);
	return ok;
}

static void print_summary(const vm_facts *f, int cp)
{
	const guest_probe *p = &f->probe;
	printf("%s: probe %s", f->name, model_probe_state_name(p->state));
	if (cp)
		printf(", code page %d", cp);
	printf("\n");
	if (p->state == PROBE_OK) {
		printf("  writers: %zu listed%s\n", p->n_writers,
		       p->writers_known == TRI_YES ? "" : " (unknown)");
		for (size_t i = 0; i < p->n_writers; i++)
			if (p->writers[i].state != WRITER_STABLE ||
			    p->writers[i].last_error != WRITER_ERR_NONE)
				printf("    %s: %s, %s\n", p->writers[i].name, p->writers[i].state_text,
				       p->writers[i].last_error_text);
	}
	if (p->error)
		printf("  %s\n", p->error);
}

static int run(probe_opts *o)
{
	char msg[512];
	if (conn_opts_complete(&o->conn, true, msg, sizeof msg) < 0) {
		fprintf(stderr, CMD ": %s\n", msg);
		return CLI_EXIT_USAGE;
	}
	if (!o->conn.guest_user || !o->conn.guest_password) {
		fprintf(stderr, CMD ": the probe needs guest credentials (--guest-user, "
				"GOVC_GUEST_LOGIN)\n");
		return CLI_EXIT_USAGE;
	}
	if (o->save && !prepare_dir(o->save))
		return CLI_EXIT_USAGE;

	int rc = CLI_EXIT_CONNECT;
	vs_error err;
	vs_error_clear(&err);
	vm_facts *vms = NULL;
	size_t n = 0;
	vs_conn *c = NULL;
	vs_session *s = conn_open(&o->conn, &err);
	if (!s) {
		fprintf(stderr, CMD ": %s\n", err.message);
		return rc;
	}
	c = vs_conn_new(s, &err);
	char *glob = cmd_glob_escape(o->vm);
	const char *globs[1] = { glob };
	if (!c || inventory_scan(c, globs, 1, NULL, &vms, &n, &err) != 0) {
		fprintf(stderr, CMD ": reading the inventory failed: %s\n", err.message);
		goto out;
	}
	rc = CLI_EXIT_NOT_READY;
	if (n != 1) {
		fprintf(stderr, CMD ": %s VM is named '%s'\n", n ? "more than one" : "no", o->vm);
		goto out;
	}
	vm_facts *f = &vms[0];
	if (!probe_applicable(f)) {
		fprintf(stderr, CMD ": %s cannot be probed now: it needs to be a Windows guest, "
				"powered on, with VMware Tools running\n", f->name);
		goto out;
	}

	char *raw = NULL;
	size_t len = 0;
	int code = 0;
	model_guest_probe_done(&f->probe);
	model_guest_probe_init(&f->probe);
	f->probe.at = time(NULL);
	if (vs_guest_run(c, f->moref, o->conn.guest_user, o->conn.guest_password, probe_command(),
			 PROBE_TIMEOUT_S, &raw, &len, &code, &err) != 0) {
		bool refused = !strcmp(err.fault, "InvalidGuestLogin");
		fprintf(stderr, CMD ": the guest probe of %s failed: %s\n", f->name, err.message);
		rc = refused ? EXIT_GUEST_LOGIN : CLI_EXIT_NOT_READY;
		goto out;
	}
	int cp = probe_code_page(raw ? raw : "", len);
	probe_parse_raw(raw ? raw : "", len, o->conn.guest_user, &f->probe);
	print_summary(f, cp);
	rc = f->probe.state == PROBE_OK && !f->probe.error ? CLI_EXIT_OK : CLI_EXIT_NOT_READY;

	if (o->save) {
		strbuf doc, facts;
		strbuf_init(&doc);
		strbuf_init(&facts);
		json_writer m;
		json_writer_init(&m, &doc, true);
		json_object_begin(&m);
		json_kv_string(&m, "vm", f->name);
		json_kv_string(&m, "moref", f->moref);
		json_kv_int(&m, "code_page", cp);
		json_kv_string(&m, "probe_file", "probe.out");
		json_kv_int(&m, "probe_exit_code", code);
		json_kv_string(&m, "probe_command", probe_command());
		bool ok = write_file(o->save, "probe.out", raw ? raw : "", len) &&
			  save_steps(c, f, o, &m);
		json_object_end(&m);
		store_facts_to_json(&facts, f);
		strbuf_addc(&doc, '\n');
		strbuf_addc(&facts, '\n');
		ok = ok && write_file(o->save, "manifest.json", doc.buf, doc.len) &&
		     write_file(o->save, "parsed.json", facts.buf, facts.len);
		if (ok)
			printf("saved in %s\n", o->save);
		else
			rc = CLI_EXIT_NOT_READY;
		strbuf_done(&doc);
		strbuf_done(&facts);
	}
	free(raw);
out:
	free(glob);
	inventory_free(vms, n);
	vs_conn_free(c);
	vs_session_free(s);
	return rc;
}

int cmd_probe(int argc, char **argv)
{
	probe_opts o = { 0 };
	conn_opts_init(&o.conn);
	int rc;
	int p = parse(argc, argv, &o);
	if (p != 0) {
		rc = p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	} else {
		conn_opts_from_env(&o.conn);
		rc = run(&o);
	}
	free(o.vm);
	free(o.save);
	conn_opts_done(&o.conn);
	return rc;
}
