#include "scan/scan.h"
#include "probe/probe.h"
#include "rules/rules.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *scan_server_key(const char *server)
{
	const char *p = strstr(server, "://");
	p = p ? p + 3 : server;
	return xstrndup(p, strcspn(p, "/"));
}

void scan_settle_probe(store *db, const char *vcenter, vm_facts *f, bool probing, bool have_creds)
{
	if (f->probe.state == PROBE_OK)
		return;
	/* A refused login is news the operator must see, not hidden behind old facts. */
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

static char *options_json(const scan_spec *spec)
{
	strbuf sb;
	strbuf_init(&sb);
	json_writer w;
	json_writer_init(&w, &sb, false);
	json_object_begin(&w);
	json_key(&w, "vm");
	json_array_begin(&w);
	for (size_t i = 0; i < spec->n_globs; i++)
		json_string(&w, spec->globs[i]);
	json_array_end(&w);
	json_kv_bool(&w, "probe", spec->probe);
	json_object_end(&w);
	return strbuf_detach(&sb, NULL);
}

static int store_result(store *db, vs_session *s, const scan_spec *spec, scan_result *r,
			char *msg, size_t msglen)
{
	store_connection_info ci = {
		.server = r->vcenter,
		.user = vs_session_user(s),
		.api_version = vs_session_api_version(s),
		.thumbprint = vs_session_thumbprint(s),
		.at = r->scanned_at,
	};
	int64_t conn_id = store_connection_begin(db, &ci, msg, msglen);
	if (conn_id < 0)
		return -1;
	char *opts = options_json(spec);
	int64_t scan_id = store_scan_begin(db, conn_id, r->scanned_at, opts, msg, msglen);
	free(opts);
	if (scan_id < 0)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		if (store_scan_add_vm(db, scan_id, &r->facts[i], &r->verdicts[i], msg, msglen) < 0) {
			store_scan_abort(db, scan_id);
			return -1;
		}
	}
	if (store_scan_commit(db, scan_id, time(NULL), msg, msglen) < 0)
		return -1;
	r->scan_id = scan_id;
	return store_connection_end(db, conn_id, time(NULL), msg, msglen);
}

scan_status scan_run(vs_session *s, store *db, const char *server, const scan_spec *spec,
		     scan_progress_fn progress, void *ctx, scan_result *out, size_t *bad_glob,
		     vs_error *err, char *msg, size_t msglen)
{
	memset(out, 0, sizeof *out);
	out->vcenter = scan_server_key(server);
	out->scanned_at = time(NULL);
	if (progress)
		progress(ctx, SCAN_PHASE_INVENTORY, 0, 0);

	size_t *matches = spec->n_globs ? xcalloc(spec->n_globs, sizeof *matches) : NULL;
	vs_conn *c = vs_conn_new(s, err);
	int rc = c ? inventory_scan(c, spec->globs, spec->n_globs, matches, &out->facts, &out->n, err) : -1;
	if (rc == 0) {
		/* R22 is a hint: a failure to read recent tasks must not fail the scan. */
		vs_error ignored;
		vs_error_clear(&ignored);
		inventory_running_tools_upgrades(c, out->facts, out->n, &ignored);
	}
	vs_conn_free(c);
	if (rc < 0) {
		free(matches);
		return SCAN_ERR_VCENTER;
	}
	for (size_t g = 0; g < spec->n_globs; g++) {
		if (!matches[g]) {
			if (bad_glob)
				*bad_glob = g;
			free(matches);
			return SCAN_ERR_NO_MATCH;
		}
	}
	free(matches);

	bool have_creds = spec->guest_user && spec->guest_password;
	if (spec->probe && have_creds) {
		if (progress)
			progress(ctx, SCAN_PHASE_PROBE, 0, out->n);
		probe_many(s, out->facts, out->n, spec->guest_user, spec->guest_password,
			   spec->probe_concurrency ? spec->probe_concurrency : SCAN_PROBE_CONCURRENCY,
			   spec->probe_timeout_s ? spec->probe_timeout_s : SCAN_PROBE_TIMEOUT_S);
	}

	if (progress)
		progress(ctx, SCAN_PHASE_RULES, 0, out->n);
	out->verdicts = xcalloc(out->n ? out->n : 1, sizeof *out->verdicts);
	for (size_t i = 0; i < out->n; i++) {
		vm_facts *f = &out->facts[i];
		scan_settle_probe(db, out->vcenter, f, spec->probe, have_creds);
		time_t set_at;
		if (db && store_enable_uuid_set_at(db, out->vcenter, f->moref, &set_at, NULL, 0) == 1)
			f->enable_uuid_set_at = set_at;
		model_verdict_init(&out->verdicts[i]);
		rules_evaluate(f, out->scanned_at, &out->verdicts[i]);
	}

	if (db) {
		if (progress)
			progress(ctx, SCAN_PHASE_STORE, 0, out->n);
		if (store_result(db, s, spec, out, msg, msglen) < 0)
			return SCAN_ERR_STORE;
	}
	return SCAN_OK;
}

void scan_result_done(scan_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		model_vm_facts_done(&r->facts[i]);
		if (r->verdicts)
			model_verdict_done(&r->verdicts[i]);
	}
	free(r->facts);
	free(r->verdicts);
	free(r->vcenter);
	memset(r, 0, sizeof *r);
}

bool scan_all_ready(const scan_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->verdicts[i].status != STATUS_READY && r->verdicts[i].status != STATUS_NA)
			return false;
	return true;
}
