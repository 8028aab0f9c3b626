/* The console's scan: core/scan's pipeline on a job thread, the result posted to the UI. */
#include "scan/scan.h"
#include "store/store.h"
#include "tui/jobs.h"
#include "util/secret.h"
#include "util/xalloc.h"
#include "util/monoclock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Early rows go to the UI in batches: at most ROWS_BATCH a message, at least every
 * ROWS_EVERY_MS while the inventory arrives; each probe result at once (probes are slow). */
#define ROWS_BATCH 256
#define ROWS_EVERY_MS 100

typedef struct {
	job *j;
	msg *m;               /* the batch being filled */
	size_t cap;
	double posted_ms;
	bool probe_phase;
	unsigned vc;
} scan_rows;

static void rows_flush(scan_rows *r)
{
	if (!r->m)
		return;
	msgq_post(job_queue(r->j), r->m);
	r->m = NULL;
	r->cap = 0;
	r->posted_ms = monoclock_now() * 1e3;
}

/* scan_vm_fn: one call at a time (core/scan serialises them). */
static void on_row(void *ctx, const vm_facts *f, bool probing)
{
	scan_rows *r = ctx;
	if (!r->m) {
		r->m = msg_new(MSG_SCAN_ROWS);
		r->m->vc = r->vc;
		r->cap = 0;
	}
	msg *m = r->m;
	if (m->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		m->facts = xrealloc(m->facts, r->cap * sizeof *m->facts);
		m->probing = xrealloc(m->probing, r->cap * sizeof *m->probing);
	}
	model_vm_facts_copy(&m->facts[m->n], f);
	m->probing[m->n++] = probing;
	if (r->probe_phase || m->n >= ROWS_BATCH || monoclock_now() * 1e3 - r->posted_ms >= ROWS_EVERY_MS)
		rows_flush(r);
}

static void progress(void *ctx, scan_phase phase, size_t done, size_t total)
{
	scan_rows *r = ctx;
	if (phase != SCAN_PHASE_INVENTORY && !r->probe_phase) {
		r->probe_phase = true; /* every inventory row is out before the counter moves */
		rows_flush(r);
	}
	static const char *const what[] = { "reading the inventory", "probing guests", "applying the rules",
					     "storing the scan in history" };
	job_progress(r->j, (int)done, (int)total, "%s (%zu/%zu)", what[phase], done, total);
}

void scan_job(job *j, void *arg)
{
	scan_job_args *a = arg;
	char why[512] = "";
	store *db = NULL;
	if (a->db_path) {
		db = store_open(a->db_path, why, sizeof why);
		if (!db)
			job_log(j, LOG_WARN, "history not available (%s): scanning without it", why);
	}
	scan_spec spec = {
		.probe = a->probe && ((a->guest_user && a->guest_password) ||
				      guest_logins_count(a->guest_logins)),
		.guest_user = a->guest_user,
		.guest_password = a->guest_password,
		.guest_logins = a->guest_logins,
		.on_vm = on_row,
		.probe_max_age_s = a->probe_max_age_s,
	};
	scan_rows rows = { .j = j, .posted_ms = monoclock_now() * 1e3, .vc = a->vc };
	scan_result r;
	memset(&r, 0, sizeof r);
	vs_error err;
	vs_error_clear(&err);
	job_progress(j, 0, 0, "reading the inventory");
	scan_status st = scan_run(job_session(j), db, a->vcenter, &spec, progress, &rows, &r, NULL, &err,
				  why, sizeof why);
	rows_flush(&rows); /* before the result: the result's rows replace them */
	if (job_cancelled(j)) {
		job_log(j, LOG_INFO, "scan cancelled");
	} else if (st == SCAN_ERR_VCENTER) {
		job_fail(j, "scan of %s failed: %s", a->vcenter, err.message);
	} else if (st == SCAN_ERR_STORE || st == SCAN_OK) {
		if (st == SCAN_ERR_STORE)
			job_log(j, LOG_WARN, "the scan was not stored in history: %s", why);
		msg *m = msg_new(MSG_SCAN_DONE);
		m->vc = a->vc;
		m->facts = r.facts;
		m->verdicts = r.verdicts;
		m->n = r.n;
		m->at = r.scanned_at;
		m->scan_id = st == SCAN_OK ? r.scan_id : 0;
		r.facts = NULL;
		r.verdicts = NULL;
		r.n = 0;
		size_t n_vms = m->n;   /* m belongs to the UI thread once posted (it may be freed) */
		msgq_post(job_queue(j), m);
		job_progress(j, 1, 1, "%zu VMs", n_vms);
	} else {
		job_fail(j, "scan failed: %s", why);
	}
	scan_result_done(&r);
	store_close(db);
}

void scan_job_args_free(void *arg)
{
	scan_job_args *a = arg;
	if (!a)
		return;
	free(a->vcenter);
	free(a->guest_user);
	secret_free(a->guest_password);
	free(a->db_path);
	free(a);
}
