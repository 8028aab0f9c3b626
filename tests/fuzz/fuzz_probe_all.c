/* The whole chained probe output: probe_split_sections + probe_parse_all, and the same bytes
 * as a guest's raw output (code page from its chcp section, iconv, then the parse); the same
 * bytes as a fix command's output (probe/guest_text: decoded, then summed up). */
#include <stddef.h>
#include <string.h>

#include "probe/guest_text.h"
#include "probe/probe.h"
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
	model_guest_probe_init(&p);
	probe_parse_raw(text, strlen(text), "fuzz", &p);
	model_guest_probe_done(&p);
	char *out = probe_guest_output(text, strlen(text), NULL);
	char said[64];
	probe_command_said(out, said, sizeof said);
	probe_command_said(text, said, sizeof said);
	free(out);
}
