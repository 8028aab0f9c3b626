/* scan: the scan pipeline shared by `quiescent scan` and the console: inventory, guest probe,
 * facts from history (stale probes, fix times, the last test snapshot), rules, and the whole scan
 * written to history in one transaction. */
#ifndef QUIESCENT_SCAN_H
#define QUIESCENT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/model.h"
#include "probe/guest_logins.h"
#include "store/store.h"
#include "vsphere/session.h"

#define SCAN_PROBE_TIMEOUT_S 120

/* Early rows for the console (called one at a time, on scanning threads, with the ctx given to
 * scan_run): a VM as the inventory brought it, with the last good probe from history marked
 * stale (probing: its probe is about to run), then again as soon as its probe ended. f is the
 * scan's: copy what you keep. Its verdict comes only with the whole result. */
typedef void (*scan_vm_fn)(void *ctx, const vm_facts *f, bool probing);

typedef struct {
	const char *const *globs;   /* fnmatch name globs; none: every VM */
	size_t n_globs;
	bool probe;                 /* run the guest probe */
	const char *guest_user;     /* NULL: no guest credentials */
	const char *guest_password;
	const guest_logins *guest_logins;   /* per-VM accounts (probe/guest_logins.h), or NULL */
	int probe_concurrency;      /* probes at once in all; 0: PROBE_TOTAL */
	int probe_per_host;         /* probes at once on one ESXi host; 0: PROBE_PER_HOST */
	int probe_timeout_s;        /* 0: SCAN_PROBE_TIMEOUT_S */
	scan_vm_fn on_vm;           /* NULL: no early rows */
	int probe_max_age_s;        /* > 0: reuse a good probe younger than this (no fix since) */
	/* Several vCenters: a glob may match on another one. Non-NULL: n_globs flags, set for
	 * each glob that matched here, and a glob matching nothing is no error (the caller judges
	 * over every vCenter). */
	bool *glob_hits;
} scan_spec;

typedef enum { SCAN_PHASE_INVENTORY, SCAN_PHASE_PROBE, SCAN_PHASE_RULES, SCAN_PHASE_STORE } scan_phase;
/* Progress for the console (called on a scanning thread; SCAN_PHASE_PROBE each time a probe
 * ends, with how many of the probed VMs are done). */
typedef void (*scan_progress_fn)(void *ctx, scan_phase phase, size_t done, size_t total);

/* What the guest probe of one scan cost (issue 18: probes per minute, calls per probe). */
typedef struct {
	size_t probed;           /* guests probed by this scan (whatever the outcome) */
	size_t reused;           /* guests whose recent probe was used as it was (--probe-max-age) */
	double seconds;          /* wall time of the probe phase */
	unsigned long long guest_calls;   /* Guest Operations requests it sent */
	size_t concurrency;      /* probes it ran at once in all, at most (the pool's threads) */
} scan_probe_stats;

typedef struct {
	char *vcenter;           /* host[:port]: the history key and the JSON "vcenter" */
	time_t scanned_at;
	vm_facts *facts;         /* n VMs sorted by name, verdicts parallel */
	verdict *verdicts;
	size_t n;
	int64_t scan_id;         /* in history */
	time_t max_proof_age;    /* the outputs' proof: older tests only predict (0: 30 days) */
	scan_probe_stats probes;
} scan_result;

typedef enum {
	SCAN_OK = 0,
	SCAN_ERR_VCENTER,        /* reading the inventory failed: err */
	SCAN_ERR_NO_MATCH,       /* a glob matched nothing: *bad_glob is its index */
	SCAN_ERR_STORE,          /* the result could not be stored: msg */
} scan_status;

/* The history key of a server given as URL or host ("https://vc01:443/sdk" -> "vc01:443"). */
char *scan_server_key(const char *server);

/* Runs the pipeline on session s (one connection of its own plus the probe's). db may be
 * NULL (nothing stored, no history used). out is filled on SCAN_OK and must be released
 * with scan_result_done whatever the status. */
scan_status scan_run(vs_session *s, store *db, const char *server, const scan_spec *spec,
		     scan_progress_fn progress, void *ctx, scan_result *out, size_t *bad_glob,
		     vs_error *err, char *msg, size_t msglen);

void scan_result_done(scan_result *r);

/* Exit status of a scan for the CLI contract: true when every VM is ready or n/a. */
bool scan_all_ready(const scan_result *r);

/* Guest facts count as proof for this long by default (--max-probe-age). */
#define SCAN_MAX_PROBE_AGE_S (7 * 86400)
/* Whether VM i was judged ready without proof: no guest probe of this scan and none in history
 * younger than max_age_s (a stale one older, or none at all). */
bool scan_vm_unproven(const scan_result *r, size_t i, time_t max_age_s);
/* How many VMs of r were judged that way. */
size_t scan_count_unproven(const scan_result *r, time_t max_age_s);

/* Guest facts for a VM the probe did not reach: the last good probe in history (stale), else
 * why they are unknown. Never leaves PROBE_NOT_RUN. Used again on live changes. */
void scan_settle_probe(store *db, const char *vcenter, vm_facts *f, bool probing, bool have_creds);

/* What our own runs left on f (R24, R26): f's entry in marks (from store_vm_marks_load; may
 * be NULL), and the tests of ours behind the test snapshots vCenter shows on it. f->marks is
 * replaced. 0, or -1 with msg (the history could not be read). */
int scan_settle_marks(store *db, const char *vcenter, const store_vm_marks *marks, size_t n_marks,
		      vm_facts *f, char *msg, size_t msglen);
/* The same for one VM, loading the marks itself (a fix's verification). */
int scan_settle_marks_one(store *db, const char *vcenter, vm_facts *f, char *msg, size_t msglen);

/* The VMs of a scan that an interrupted run of ours left something on (an R26 finding). */
size_t scan_leftover_count(const scan_result *r);

#endif
