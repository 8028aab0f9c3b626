/* report: one self-contained document about the estate for change tickets and managers: the
 * last scan, what changed since the one before, the fixes and test snapshots, and the trend.
 * HTML has inline CSS and an inline SVG chart: no script, no external asset or link. */
#ifndef QUIESCENT_REPORT_H
#define QUIESCENT_REPORT_H

#include <time.h>

#include "store/store.h"
#include "util/strbuf.h"

typedef enum { REPORT_HTML, REPORT_CSV, REPORT_JSON } report_format;

/* "html", "csv", "json" -> format; false on anything else. */
bool report_format_parse(const char *s, report_format *out);

/* Appends the report of the history in s (vcenter: NULL for all) to out; now is printed as
 * the generation time. 0, or -1 with err. */
int report_build(store *s, const char *vcenter, report_format fmt, time_t now, strbuf *out,
		 char *err, size_t errlen);

#endif
