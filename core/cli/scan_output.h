/* scan_output: a scan's result in the three formats of `quiescent scan`: an 80-column table
 * for people, the JSON contract of quiescing-rules.md, and CSV (one row per finding). */
#ifndef QUIESCENT_SCAN_OUTPUT_H
#define QUIESCENT_SCAN_OUTPUT_H

#include <stdio.h>
#include <time.h>

#include "model/model.h"
#include "scan/scan.h"
#include "util/strbuf.h"



typedef enum { SCAN_FORMAT_TABLE, SCAN_FORMAT_JSON, SCAN_FORMAT_CSV } scan_format;

/* "table", "json", "csv" -> format; false on anything else. */
int scan_format_parse(const char *s, scan_format *out);

/* Appends the whole output to out (so nothing half-written reaches stdout on error). The table
 * uses `width` terminal columns (at least 80). */
void scan_output(strbuf *out, const scan_result *r, scan_format fmt, int width);

/* The leftovers of interrupted quiescent runs (R26 findings), one line naming them and one
 * line per finding ("  NAME: evidence"); nothing when there are none. The table ends with it;
 * `scan` writes it to stderr for json and csv, so nobody misses it and stdout stays parseable. */
void scan_output_leftovers(strbuf *out, const scan_result *r);

/* The OS the operator recognises: guest.guestFullName, else config.guestFullName, else ids. */
const char *scan_guest_os(const vm_facts *f);

#endif
