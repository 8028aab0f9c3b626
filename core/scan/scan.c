#include "scan/scan.h"
#include "probe/probe.h"
#include "proof/proof.h"
#include "rules/rules.h"
#include "util/json.h"
#include "util/monoclock.h"
#include "util/strbuf.h"
#include "util/timing.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "vsphere/inventory.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *scan_server_key(const char *server)
{
	char *key = url_server_key(server);
	/* Never the raw text: it may carry userinfo. Connecting fails on it anyway. */
	return key ? key : xstrdup("(an unreadable server URL)");
}

void scan_settle_probe(store *db, const char *vcenter, vm_facts *f, bool probing, bool have_creds)
{
	if (f->probe.state == PROBE_OK)
		return;
	/* A refused login or account is news the operator must see, not hidden behind old facts. */
	if (db && f->probe.state != PROBE_LOGIN_FAILED && f->probe.state != PROBE_NOT_ELEVATED) {
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

int scan_settle_marks(store *db, const char *vcenter, const store_vm_marks *marks, size_t n_marks,
		      vm_facts *f, char *msg, size_t msglen)
{
	model_history_marks_done(&f->marks);
	const store_vm_marks *m = store_vm_marks_find(marks, n_marks, f->moref);
	if (m)
		model_history_marks_copy(&f->marks, &m->marks);
	if (!db || !f->n_test_snapshots)
		return 0;
	return store_vm_our_snapshots(db, vcenter, f->moref, (const char *const *)f->test_snapshots,
				      f->n_test_snapshots, &f->marks, msg, msglen) < 0 ? -1 : 0;
}

int scan_settle_marks_one(store *db, const char *vcenter, vm_facts *f, char *msg, size_t msglen)
{
	if (!db)
		return 0;
	store_vm_marks *m = NULL;
	size_t n = 0;
	if (store_vm_marks_load(db, vcenter, &m, &n, msg, msglen) < 0)
		return -1;
	int rc = scan_settle_marks(db, vcenter, m, n, f, msg, msglen);
	store_vm_marks_free(m, n);
	return rc;
}

size_t scan_leftover_count(const scan_result *r)
{
	size_t n = 0;
	for (size_t i = 0; r->verdicts && i < r->n; i++)
		for (size_t k = 0; k < r->verdicts[i].n_findings; k++)
			if (rules_finding_is(&r->verdicts[i].findings[k], RULE_R26)) {
				n++;
				break;
			}
	return n;
}

static int by_name_facts(const void *a, const void *b)
{
	return inventory_compare_by_name(a, b);
}

static bool scan_has_guest_logins(const scan_spec *spec)
{
	return (spec->guest_user && spec->guest_password) || guest_logins_count(spec->guest_logins);
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
	timing_mark("store rows");
	if (store_scan_commit(db, scan_id, time(NULL), msg, msglen) < 0)
		return -1;
	timing_mark("store commit");
	r->scan_id = scan_id;
	return store_connection_end(db, conn_id, time(NULL), msg, msglen);
}

/* ---- the streaming path (no guest probe) ----
 *
 * Without a probe a VM's verdict depends on its own facts, the recent tasks and history
 * only, so each VM is settled, judged and written into the scan's (one) transaction by a worker
 * thread while the main thread reads the next pages from vCenter: the SQLite work overlaps
 * the network and the XML parsing instead of following them. The recent tasks (R22) are read
 * before the inventory for that. Rows go into the history in vCenter's order; readers order
 * by name. Nothing is committed unless the whole scan succeeds. */

typedef struct {
	vm_facts f;
	verdict v;
} scan_item;

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	vm_facts *queue;          /* handed over by the reader, under mu */
	size_t qn, qcap;
	bool finished;            /* the reader is done, under mu */
	/* the worker's (the main thread's after the join) */
	store *db;
	vs_session *s;
	const scan_spec *spec;
	scan_result *out;
	const inventory_upgrades *upgrades;
	void *ctx;                /* scan_run's, for spec->on_vm */
	bool have_creds;
	scan_item *items;
	size_t n, cap;
	int64_t conn_id, scan_id; /* scan_id > 0: the transaction is open */
	bool store_failed;
	char msg[512];
	const store_vm_marks *marks; /* what our runs left, by moref (R24, R26) */
	size_t n_marks;
	bool marks_failed;
	char marks_msg[512];
} scan_pipe;

static void pipe_begin_store(scan_pipe *p)
{
	if (!p->db || p->store_failed || p->scan_id > 0)
		return;
	store_connection_info ci = {
		.server = p->out->vcenter,
		.user = vs_session_user(p->s),
		.api_version = vs_session_api_version(p->s),
		.thumbprint = vs_session_thumbprint(p->s),
		.at = p->out->scanned_at,
	};
	char *opts = options_json(p->spec);
	p->scan_id = store_scan_begin_connected(p->db, &ci, opts, &p->conn_id, p->msg,
						sizeof p->msg);
	free(opts);
	if (p->scan_id < 0) {
		p->scan_id = 0;
		p->store_failed = true;
	}
}

/* Settles, judges and stores one VM (the worker's side). */
static void pipe_process(scan_pipe *p, vm_facts *f)
{
	p->items = xgrow(p->items, &p->cap, p->n + 1, sizeof *p->items);
	scan_item *it = &p->items[p->n++];
	it->f = *f;
	f = &it->f;
	f->tools_upgrade_running = inventory_upgrades_has(p->upgrades, f->moref);
	scan_settle_probe(p->db, p->out->vcenter, f, p->spec->probe, p->have_creds);
	proof_settle_history(p->db, p->out->vcenter, f);
	if (!p->marks_failed && scan_settle_marks(p->db, p->out->vcenter, p->marks, p->n_marks, f,
						  p->marks_msg, sizeof p->marks_msg) < 0)
		p->marks_failed = true;
	model_verdict_init(&it->v);
	rules_evaluate(f, p->out->scanned_at, &it->v);
	if (p->spec->on_vm)
		p->spec->on_vm(p->ctx, f, false);
	if (!p->db)
		return;
	pipe_begin_store(p);
	if (p->store_failed)
		return;
	if (store_scan_add_vm(p->db, p->scan_id, f, &it->v, p->msg, sizeof p->msg) < 0) {
		store_scan_abort(p->db, p->scan_id);
		p->scan_id = 0;
		p->store_failed = true;
	}
}

/* VMs the reader hands over per wake-up of the worker. The worker is faster than the parse
 * and used to be woken for every VM: at 50,000 VMs the futex wake-ups and context switches
 * were ~5% of the scan's CPU. A page brings 250 VMs at once, so rows still come page by page;
 * the last VMs go when the reader finishes. */
#define PIPE_BATCH 64

static void *pipe_worker(void *arg)
{
	scan_pipe *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->qn < PIPE_BATCH && !p->finished)
			pthread_cond_wait(&p->cv, &p->mu);
		vm_facts *batch = p->queue;
		size_t n = p->qn;
		p->queue = NULL;
		p->qn = p->qcap = 0;
		bool done = p->finished;
		pthread_mutex_unlock(&p->mu);
		for (size_t i = 0; i < n; i++)
			pipe_process(p, &batch[i]);
		free(batch);
		if (done && !n)
			return NULL;
	}
}

/* inventory_vm_fn: the reader's side. */
static void pipe_push(void *ctx, vm_facts *f)
{
	scan_pipe *p = ctx;
	pthread_mutex_lock(&p->mu);
	p->queue = xgrow(p->queue, &p->qcap, p->qn + 1, sizeof *p->queue);
	p->queue[p->qn++] = *f;
	if (p->qn == PIPE_BATCH)
		pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static int by_item_name(const void *a, const void *b)
{
	return inventory_compare_by_name(&((const scan_item *)a)->f, &((const scan_item *)b)->f);
}

/* The items' facts moved down over the array itself, which is then shrunk to them: 10,000
 * facts are 6 MB, not to be copied aside while the items are still held. A facts struct is
 * smaller than an item, so each lands below every item not yet moved (the verdicts must have
 * been taken out before). NULL when there are none. */
static vm_facts *items_to_facts(scan_item *items, size_t n)
{
	_Static_assert(offsetof(scan_item, f) == 0, "the facts lead an item");
	if (!n) {
		free(items);
		return NULL;
	}
	vm_facts *facts = (vm_facts *)(void *)items;
	for (size_t i = 0; i < n; i++)
		memmove(&facts[i], &items[i].f, sizeof *facts);
	return xrealloc(facts, n * sizeof *facts);
}

static void pipe_free_items(scan_pipe *p, bool verdicts)
{
	for (size_t i = 0; i < p->n; i++) {
		model_vm_facts_done(&p->items[i].f);
		if (verdicts)
			model_verdict_done(&p->items[i].v);
	}
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

static scan_status scan_run_streaming(vs_session *s, store *db, const scan_spec *spec,
				      scan_progress_fn progress, void *ctx, scan_result *out,
				      size_t *bad_glob, vs_error *err, char *msg, size_t msglen)
{
	size_t *matches = spec->n_globs ? xcalloc(spec->n_globs, sizeof *matches) : NULL;
	scan_pipe p = { .db = db, .s = s, .spec = spec, .out = out, .ctx = ctx,
			.have_creds = scan_has_guest_logins(spec) };
	inventory_upgrades upgrades = { 0 };
	p.upgrades = &upgrades;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);

	/* What our runs left is read before the inventory: it decides R24 and R26 of each VM
	 * as it streams by, and a scan that cannot read it must not say there is nothing. */
	store_vm_marks *marks = NULL;
	size_t n_marks = 0;
	if (db && store_vm_marks_load(db, out->vcenter, &marks, &n_marks, msg, msglen) < 0) {
		free(matches);
		pthread_mutex_destroy(&p.mu);
		pthread_cond_destroy(&p.cv);
		return SCAN_ERR_STORE;
	}
	p.marks = marks;
	p.n_marks = n_marks;

	int rc = -1;
	vs_conn *c = vs_conn_new(s, err);
	if (c) {
		/* R22 is a hint: a failure to read recent tasks must not fail the scan. */
		vs_error ignored;
		vs_error_clear(&ignored);
		inventory_read_tools_upgrades(c, &upgrades, &ignored);
		timing_mark("recent tasks");
		pthread_t worker;
		bool threaded = pthread_create(&worker, NULL, pipe_worker, &p) == 0;
		rc = inventory_scan_each(c, spec->globs, spec->n_globs, matches, pipe_push, &p, err);
		timing_mark("inventory read");
		pthread_mutex_lock(&p.mu);
		p.finished = true;
		pthread_cond_signal(&p.cv);
		pthread_mutex_unlock(&p.mu);
		if (threaded)
			pthread_join(worker, NULL);
		else
			pipe_worker(&p); /* no thread: the same work, after the reading */
	}
	vs_conn_free(c);
	inventory_upgrades_done(&upgrades);
	store_vm_marks_free(marks, n_marks);
	p.marks = NULL;
	p.n_marks = 0;
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	timing_mark("inventory+rules+rows");
	timing_report("inventory");

	scan_status st = SCAN_OK;
	if (rc < 0) {
		st = SCAN_ERR_VCENTER;
		pipe_free_items(&p, true);
	} else if (spec->glob_hits) {
		for (size_t g = 0; g < spec->n_globs; g++)
			spec->glob_hits[g] = matches[g];
	} else {
		for (size_t g = 0; g < spec->n_globs; g++) {
			if (!matches[g]) {
				if (bad_glob)
					*bad_glob = g;
				st = SCAN_ERR_NO_MATCH;
				break;
			}
		}
	}
	free(matches);
	if (st != SCAN_OK) {
		if (p.scan_id > 0)
			store_scan_abort(db, p.scan_id);
		if (p.n) { /* as the other path: the facts, no verdicts */
			out->facts = xcalloc(p.n, sizeof *out->facts);
			for (size_t i = 0; i < p.n; i++) {
				model_verdict_done(&p.items[i].v);
				out->facts[i] = p.items[i].f;
			}
			qsort(out->facts, p.n, sizeof *out->facts, by_name_facts);
			out->n = p.n;
			free(p.items);
		}
		return st;
	}

	if (p.n)
		qsort(p.items, p.n, sizeof *p.items, by_item_name);
	out->n = p.n;
	out->verdicts = xcalloc(p.n ? p.n : 1, sizeof *out->verdicts);
	for (size_t i = 0; i < p.n; i++)
		out->verdicts[i] = p.items[i].v;
	out->facts = items_to_facts(p.items, p.n);
	p.items = NULL;
	if (progress) {
		progress(ctx, SCAN_PHASE_RULES, 0, out->n);
		if (db)
			progress(ctx, SCAN_PHASE_STORE, 0, out->n);
	}
	if (p.marks_failed) {
		if (p.scan_id > 0)
			store_scan_abort(db, p.scan_id);
		snprintf(msg, msglen, "%s", p.marks_msg);
		return SCAN_ERR_STORE;
	}
	if (!db)
		return SCAN_OK;
	pipe_begin_store(&p); /* no VM at all: the scan is still recorded */
	if (p.store_failed) {
		snprintf(msg, msglen, "%s", p.msg);
		return SCAN_ERR_STORE;
	}
	if (store_scan_commit(db, p.scan_id, time(NULL), msg, msglen) < 0)
		return SCAN_ERR_STORE;
	timing_mark("store commit");
	out->scan_id = p.scan_id;
	if (store_connection_end(db, p.conn_id, time(NULL), msg, msglen) < 0)
		return SCAN_ERR_STORE;
	return SCAN_OK;
}

/* ---- early rows (spec->on_vm): the console shows VMs as the pages arrive and fills their
 * guest facts in as each probe ends, instead of a blank list until the whole scan is done ---- */

typedef struct {
	const scan_spec *spec;
	void *ctx;
	store *db;
	const char *vcenter;
	scan_progress_fn progress;
	pthread_mutex_t mu;       /* one on_vm call at a time; the probe workers run at once */
	vm_facts *v;              /* the inventory, as it arrives */
	size_t n, cap;
	vm_facts *facts;          /* the sorted result the probes write */
	size_t to_probe, probed;
} early_rows;

/* inventory_vm_fn: keeps the VM and shows it at once, with its last probe from history. */
static void early_inventory(void *arg, vm_facts *f)
{
	early_rows *e = arg;
	e->v = xgrow(e->v, &e->cap, e->n + 1, sizeof *e->v);
	vm_facts *kept = &e->v[e->n++];
	*kept = *f;
	vm_facts row;
	model_vm_facts_copy(&row, kept);
	bool probing = e->spec->probe && probe_applicable(&row);
	if (probing) { /* the last good probe stands in, marked stale, until this one ends */
		guest_probe old;
		model_guest_probe_init(&old);
		if (e->db && store_last_probe(e->db, e->vcenter, row.moref, &old, NULL, 0) == 1) {
			model_guest_probe_done(&row.probe);
			row.probe = old;
			row.probe.state = PROBE_STALE;
		} else {
			model_guest_probe_done(&old);
		}
	} else {
		scan_settle_probe(e->db, e->vcenter, &row, e->spec->probe,
				  e->spec->guest_user && e->spec->guest_password);
	}
	e->spec->on_vm(e->ctx, &row, probing);
	model_vm_facts_done(&row);
}

/* probe_limits.done: one VM's probe ended (on a probe worker). */
static void early_probed(void *arg, size_t i)
{
	early_rows *e = arg;
	pthread_mutex_lock(&e->mu);
	e->probed++;
	if (e->spec->on_vm)
		e->spec->on_vm(e->ctx, &e->facts[i], false);
	if (e->progress)
		e->progress(e->ctx, SCAN_PHASE_PROBE, e->probed, e->to_probe);
	pthread_mutex_unlock(&e->mu);
}

/* --probe-max-age: a guest whose last good probe is younger than max_age_s, with no fix step
 * of ours ended on it since, is not probed again: that probe is used as it was (state ok, its
 * own time). Returns the skip flags for probe_many (NULL: probe every guest). */
static bool *reuse_recent_probes(store *db, const char *vcenter, vm_facts *vms, size_t n,
				 int max_age_s, time_t now)
{
	if (!db || max_age_s <= 0 || !n)
		return NULL;
	bool *skip = xcalloc(n, sizeof *skip);
	for (size_t i = 0; i < n; i++) {
		vm_facts *f = &vms[i];
		if (!probe_applicable(f))
			continue;
		guest_probe old;
		model_guest_probe_init(&old);
		time_t changed = 0;
		if (store_last_probe(db, vcenter, f->moref, &old, NULL, 0) == 1 &&
		    old.at > now - max_age_s &&
		    store_last_fix_step_at(db, vcenter, f->moref, &changed, NULL, 0) >= 0 &&
		    changed < old.at) {
			model_guest_probe_done(&f->probe);
			f->probe = old;
			f->probe.state = PROBE_OK;
			skip[i] = true;
			continue;
		}
		model_guest_probe_done(&old);
	}
	return skip;
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

	bool have_creds = scan_has_guest_logins(spec);
	if (!(spec->probe && have_creds))
		return scan_run_streaming(s, db, spec, progress, ctx, out, bad_glob, err, msg,
					  msglen);

	size_t *matches = spec->n_globs ? xcalloc(spec->n_globs, sizeof *matches) : NULL;
	vs_conn *c = vs_conn_new(s, err);
	int rc;
	early_rows e = { .spec = spec, .ctx = ctx, .db = db, .vcenter = out->vcenter, .progress = progress };
	pthread_mutex_init(&e.mu, NULL);
	if (c && spec->on_vm) { /* rows as the pages arrive, then sorted as inventory_scan sorts */
		rc = inventory_scan_each(c, spec->globs, spec->n_globs, matches, early_inventory, &e, err);
		out->facts = e.v;
		out->n = e.n;
		if (out->n)
			qsort(out->facts, out->n, sizeof *out->facts, by_name_facts);
	} else {
		rc = c ? inventory_scan(c, spec->globs, spec->n_globs, matches, &out->facts, &out->n, err) : -1;
	}
	if (rc == 0) {
		/* R22 is a hint: a failure to read recent tasks must not fail the scan. */
		vs_error ignored;
		vs_error_clear(&ignored);
		inventory_running_tools_upgrades(c, out->facts, out->n, &ignored);
	}
	vs_conn_free(c);
	timing_mark("inventory");
	timing_report("inventory");
	if (rc < 0) {
		free(matches);
		pthread_mutex_destroy(&e.mu);
		return SCAN_ERR_VCENTER;
	}
	for (size_t g = 0; g < spec->n_globs; g++) {
		if (spec->glob_hits) {
			spec->glob_hits[g] = matches[g];
		} else if (!matches[g]) {
			if (bad_glob)
				*bad_glob = g;
			free(matches);
			pthread_mutex_destroy(&e.mu);
			return SCAN_ERR_NO_MATCH;
		}
	}
	free(matches);

	if (spec->probe && have_creds) {
		if (progress)
			progress(ctx, SCAN_PHASE_PROBE, 0, out->n);
		bool *skip = reuse_recent_probes(db, out->vcenter, out->facts, out->n,
						 spec->probe_max_age_s, out->scanned_at);
		e.facts = out->facts;
		for (size_t i = 0; i < out->n; i++) {
			e.to_probe += probe_applicable(&out->facts[i]) && !(skip && skip[i]);
			out->probes.reused += skip && skip[i];
		}
		double probe_start = monoclock_now();
		unsigned long long calls_before = vs_session_guest_calls(s);
		/* the inventory may not say each VM's host: ask for runtime.host (cheap) */
		vs_error ignored;
		vs_error_clear(&ignored);
		vs_conn *hc = vs_conn_new(s, &ignored);
		char **host_keys = hc ? probe_host_keys(hc, out->facts, out->n, &ignored) : NULL;
		vs_conn_free(hc);
		probe_limits lim = { .total = spec->probe_concurrency, .per_host = spec->probe_per_host,
				     .timeout_s = spec->probe_timeout_s ? spec->probe_timeout_s
									: SCAN_PROBE_TIMEOUT_S,
				     .skip = skip, .host_keys = host_keys,
				     .done = early_probed, .ctx = &e,
				     .logins = spec->guest_logins };
		out->probes.concurrency = probe_many(s, out->facts, out->n, spec->guest_user,
						     spec->guest_password, &lim);
		out->probes.probed = e.to_probe;
		out->probes.seconds = monoclock_now() - probe_start;
		out->probes.guest_calls = vs_session_guest_calls(s) - calls_before;
		probe_host_keys_free(host_keys, out->n);
		free(skip);
	}
	pthread_mutex_destroy(&e.mu);

	if (progress)
		progress(ctx, SCAN_PHASE_RULES, 0, out->n);
	store_vm_marks *marks = NULL;
	size_t n_marks = 0;
	if (db && store_vm_marks_load(db, out->vcenter, &marks, &n_marks, msg, msglen) < 0)
		return SCAN_ERR_STORE;
	out->verdicts = xcalloc(out->n ? out->n : 1, sizeof *out->verdicts);
	bool marks_failed = false;
	for (size_t i = 0; i < out->n; i++) {
		vm_facts *f = &out->facts[i];
		scan_settle_probe(db, out->vcenter, f, spec->probe, have_creds);
		proof_settle_history(db, out->vcenter, f);
		if (!marks_failed &&
		    scan_settle_marks(db, out->vcenter, marks, n_marks, f, msg, msglen) < 0)
			marks_failed = true;
		model_verdict_init(&out->verdicts[i]);
		rules_evaluate(f, out->scanned_at, &out->verdicts[i]);
	}
	store_vm_marks_free(marks, n_marks);
	if (marks_failed)
		return SCAN_ERR_STORE;

	timing_mark("rules+history lookups");
	if (db) {
		if (progress)
			progress(ctx, SCAN_PHASE_STORE, 0, out->n);
		if (store_result(db, s, spec, out, msg, msglen) < 0)
			return SCAN_ERR_STORE;
		timing_mark("store");
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

bool scan_vm_unproven(const scan_result *r, size_t i, time_t max_age_s)
{
	const guest_probe *p = &r->facts[i].probe;
	if (r->verdicts[i].status != STATUS_READY || p->state == PROBE_OK)
		return false;
	/* A VM the probe does not apply to (not Windows) is judged from vCenter's facts alone. */
	if (r->verdicts[i].family == OS_OTHER)
		return false;
	if (p->state == PROBE_STALE && p->at > 0 && r->scanned_at - p->at <= max_age_s)
		return false;
	return true;
}

size_t scan_count_unproven(const scan_result *r, time_t max_age_s)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += scan_vm_unproven(r, i, max_age_s);
	return n;
}

bool scan_all_ready(const scan_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->verdicts[i].status != STATUS_READY && r->verdicts[i].status != STATUS_NA)
			return false;
	return true;
}
