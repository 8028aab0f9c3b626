/* report: one self-contained document an auditor accepts, from the history only: a headline
 * (VMs proven by a test snapshot, predicted by the rules only, failing; by datacenter,
 * cluster and folder when known), the open problems with the exact next action, readiness
 * over time from full scans (partial rescans of a fix or a test are points of their own
 * kind), what changed in the period in people's words, then every VM.
 * HTML has inline CSS and an inline SVG chart: no script, no external asset or link; it reads
 * at 1280 px and prints on A4 landscape without breaking a VM name. */
#ifndef QUIESCENT_REPORT_H
#define QUIESCENT_REPORT_H

#include <time.h>

#include "store/store.h"
#include "util/strbuf.h"

typedef enum { REPORT_HTML, REPORT_CSV, REPORT_JSON, REPORT_MD } report_format;

/* "html", "csv", "json", "md" -> format; false on anything else. */
bool report_format_parse(const char *s, report_format *out);

typedef struct {
	const char *vcenter;        /* NULL: the vCenter of the newest full scan */
	time_t since;               /* the period's start; 0: 30 days before now */
	const char *vm_glob;        /* fnmatch on the VM name or moref; NULL: every VM */
	const char *folder_glob;    /* fnmatch on the VM's folder path; NULL: every folder */
	time_t max_proof_age;       /* a test older than this only predicts; 0: 30 days */
} report_opts;

/* Appends the report of the history in s to out; now is the generation time and the clock
 * of every age. opts may be NULL (everything, defaults). 0, or -1 with err. */
int report_build(store *s, const report_opts *opts, report_format fmt, time_t now, strbuf *out,
		 char *err, size_t errlen);

#endif
