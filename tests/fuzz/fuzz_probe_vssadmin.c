/* `vssadmin list writers` output. */
#include <assert.h>
#include <stddef.h>
static void parse(const char *text, char *err, size_t errlen);
#define FUZZ_PROBE_PARSER parse
#include "fuzz_probe.h"

static void parse(const char *text, char *err, size_t errlen)
{
	vss_writer *w = NULL;
	size_t n = 99;
	bool ok = probe_parse_vssadmin_writers(text, &w, &n, err, errlen);
	assert(ok ? (w != NULL && n > 0 && n <= PROBE_MAX_WRITERS) : (w == NULL && n == 0));
	probe_writers_free(w, n);
}
