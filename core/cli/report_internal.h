/* report_internal: what report.c reads from the history and judges, shared with the HTML
 * writer (report_html.c). */
#ifndef QUIESCENT_REPORT_INTERNAL_H
#define QUIESCENT_REPORT_INTERNAL_H

#include "cli/report.h"
#include "model/model.h"
#include "proof/proof.h"

typedef struct {
	vm_facts f;
	verdict v;
	vm_proof p;
} report_vm;

/* VMs per datacenter, cluster or folder. */
typedef struct {
	char *name;
	int vms, proven, predicted, failed, not_ready;
} report_group;

enum { REPORT_BY_DATACENTER, REPORT_BY_CLUSTER, REPORT_BY_FOLDER, REPORT_BY_COUNT };

typedef struct {
	report_opts o;              /* since and max_proof_age filled in */
	time_t now;
	char vcenter[256];
	int64_t last_scan;          /* the newest full scan (0: none) */
	time_t last_at;
	report_vm *vms;             /* in scope, by name */
	size_t n_vms;
	/* the headline: proof counts are of Windows VMs (status other than n/a) */
	int windows, proven, predicted, failed, ready, fixable, manual, unknown, na;
	bool have_before;           /* ready in the first full scan of the period */
	int ready_before, total_before;
	time_t before_at;
	report_group *by[REPORT_BY_COUNT];
	size_t n_by[REPORT_BY_COUNT];
	size_t *problems, n_problems;   /* indexes into vms: failing first */
	size_t *unproven, n_unproven;   /* ready, but only predicted */
	store_trend_point *trend;   /* scans of the period, oldest first */
	size_t n_trend;
	bool have_period;           /* the period's first full scan -> the last one */
	store_scan_diff period;
	store_history_entry *fixes, *tests;  /* of the period, in scope, newest first */
	size_t n_fixes, n_tests;
	/* members of the first JSON report, kept for its readers (read for JSON only) */
	bool json_members;
	bool have_scan, have_diff;
	store_history_record scan;
	store_scan_diff diff;
	store_trend_point *all_trend;
	size_t n_all_trend;
} report_data;

/* The first error (or warning) finding: what the problem is. */
const finding *report_problem(const report_vm *r);
/* The exact next action for a VM with a problem, one sentence with the command. */
void report_next_action(strbuf *out, const report_vm *r);
/* A fix's VM in words: "guest shut down, disk.EnableUUID set, powered on again, verified by
 * quiescent on 2 Dec 2026 10:04: fixed". */
void report_fix_words(strbuf *out, const store_history_entry *e);
/* A test in words: "application, as predicted; 11 writers in the manifest". */
void report_test_words(strbuf *out, const store_history_entry *e);
/* Whether a diff line is worth a person's time (not noise). */
bool report_fact_shown(const store_fact_change *c);

void report_html(strbuf *o, const report_data *d);
void report_md(strbuf *o, const report_data *d);

#endif
