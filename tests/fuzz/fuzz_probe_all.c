/* The whole chained probe output: probe_split_sections + probe_parse_all. */
#include <stddef.h>
static void parse(const char *text, char *err, size_t errlen);
#define FUZZ_PROBE_PARSER parse
#include "fuzz_probe.h"

static void parse(const char *text, char *err, size_t errlen)
{
	size_t n = 0;
	probe_section *s = probe_split_sections(text, &n);
	free(s);
	guest_probe p;
	model_guest_probe_init(&p);
	(void)probe_parse_all(text, &p);
	model_guest_probe_done(&p);
}
