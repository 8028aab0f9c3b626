/* history_gen: the history bench's year of scans (tests/bench/history_bench.py).
 *
 *   history_gen DB SCAN_ID DAYS CHANGES_PER_DAY
 *
 * Reads every VM of the stored scan SCAN_ID (a real scan of the lab by build/quiescent), then
 * writes DAYS more daily scans of the same VMs through the store's own API, one connection
 * and one transaction each, as a daily cron scan would: CHANGES_PER_DAY VMs (chosen by a
 * fixed pseudo-random sequence) come back changed each day (rebooted: a new boot time; every
 * other one also with one snapshot more), the rest as they were. Prints the seconds spent.
 *
 *   history_gen DB prune KEEP_DAYS
 *
 * What a daily scan with the retention setting `keep KEEP_DAYS` deletes once its scan is
 * stored (store_history_prune), on the day after the newest scan: prints the seconds it took,
 * the CPU seconds, and the scans and stored VM states it deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "store/store.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int prune(const char *db, long keep_days)
{
	char err[1024] = "";
	store *s = store_open(db, err, sizeof err);
	if (!s) {
		fprintf(stderr, "history_gen: %s\n", err);
		return 1;
	}
	store_trend_point *t;
	size_t n;
	if (store_history_trends(s, &(store_history_filter){ 0 }, &t, &n, err, sizeof err) != 0 || !n) {
		fprintf(stderr, "history_gen: no scans: %s\n", err);
		return 1;
	}
	time_t now = t[n - 1].at + 86400;
	free(t);
	store_vacuum_stats st;
	double start = now_s(), cpu = cpu_s();
	if (store_history_prune(s, now - (time_t)keep_days * 86400,
				now - (time_t)(keep_days > 365 ? keep_days : 365) * 86400, &st, err,
				sizeof err) != 0) {
		fprintf(stderr, "history_gen: %s\n", err);
		return 1;
	}
	printf("%.2f %.2f %lld %lld\n", now_s() - start, cpu_s() - cpu, (long long)st.scans,
	       (long long)st.states);
	store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[2], "prune"))
		return prune(argv[1], atol(argv[3]));
	if (argc != 5) {
		fprintf(stderr, "usage: history_gen DB SCAN_ID DAYS CHANGES_PER_DAY\n");
		return 2;
	}
	char err[1024] = "";
	int64_t scan = strtoll(argv[2], NULL, 10);
	int days = atoi(argv[3]), changes = atoi(argv[4]);
	store *s = store_open(argv[1], err, sizeof err);
	if (!s) {
		fprintf(stderr, "history_gen: %s\n", err);
		return 1;
	}
	store_history_record r;
	if (store_history_record_get(s, STORE_HISTORY_SCAN, scan, 0, &r, err, sizeof err) != 1) {
		fprintf(stderr, "history_gen: no scan %lld: %s\n", (long long)scan, err);
		return 1;
	}
	const store_htable *rec = store_history_table(&r, "record");
	const store_htable *vms = store_history_table(&r, "vms");
	char *vcenter = strdup(store_htable_get(rec, 0, "vcenter"));
	time_t t0 = (time_t)strtoll(store_htable_get(rec, 0, "started_at"), NULL, 10);
	size_t n = vms->n_rows;
	vm_facts *facts = calloc(n, sizeof *facts);
	verdict *verdicts = calloc(n, sizeof *verdicts);
	for (size_t i = 0; i < n; i++) {
		model_vm_facts_init(&facts[i]);
		model_verdict_init(&verdicts[i]);
		if (store_scan_vm_get(s, scan, store_htable_get(vms, i, "moref"), &facts[i],
				      &verdicts[i], err, sizeof err) != 1) {
			fprintf(stderr, "history_gen: %s\n", err);
			return 1;
		}
	}
	store_history_record_done(&r);

	double start = now_s();
	unsigned long long rng = 0x9e3779b97f4a7c15ULL;
	for (int d = 1; d <= days; d++) {
		for (int c = 0; c < changes && n; c++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			vm_facts *f = &facts[(rng >> 33) % n];
			f->boot_time = t0 + (time_t)d * 86400 - 3600;
			if (c % 2 && f->snapshot_count >= 0)
				f->snapshot_count++;
		}
		store_connection_info ci = { .server = vcenter, .user = "bench", .api_version = "8.0",
					     .at = t0 + (time_t)d * 86400 };
		int64_t conn;
		int64_t id = store_scan_begin_connected(s, &ci, "{\"probe\":false}", &conn, err,
							sizeof err);
		if (id < 0) {
			fprintf(stderr, "history_gen: %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			if (store_scan_add_vm(s, id, &facts[i], &verdicts[i], err, sizeof err) != 0) {
				fprintf(stderr, "history_gen: %s\n", err);
				return 1;
			}
		if (store_scan_commit(s, id, ci.at + 60, err, sizeof err) != 0 ||
		    store_connection_end(s, conn, ci.at + 61, err, sizeof err) != 0) {
			fprintf(stderr, "history_gen: %s\n", err);
			return 1;
		}
	}
	double took = now_s() - start;
	for (size_t i = 0; i < n; i++) {
		model_vm_facts_done(&facts[i]);
		model_verdict_done(&verdicts[i]);
	}
	free(facts);
	free(verdicts);
	free(vcenter);
	store_close(s);
	printf("%.1f\n", took);
	return 0;
}
