/* format: the output formats of --format (scan, history, report) and the console's exports. */
#ifndef QUIESCENT_FRONTEND_FORMAT_H
#define QUIESCENT_FRONTEND_FORMAT_H

typedef enum { SCAN_FORMAT_TABLE, SCAN_FORMAT_JSON, SCAN_FORMAT_CSV,
	       SCAN_FORMAT_CSV_FINDINGS } scan_format;

/* "table", "json", "csv", "csv-findings" -> format; false on anything else. */
int scan_format_parse(const char *s, scan_format *out);

#endif
