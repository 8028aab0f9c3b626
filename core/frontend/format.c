#include "frontend/format.h"

#include <string.h>

int scan_format_parse(const char *s, scan_format *out)
{
	static const char *const names[] = { "table", "json", "csv", "csv-findings" };
	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*out = (scan_format)i;
			return 1;
		}
	}
	return 0;
}
