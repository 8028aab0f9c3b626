/* `sc qc <svc>` output, after `sc query` filled the same facts (installed must agree). */
#include <stddef.h>
static void parse(const char *text, char *err, size_t errlen);
#define FUZZ_PROBE_PARSER parse
#include "fuzz_probe.h"

static void parse(const char *text, char *err, size_t errlen)
{
	svc_facts s;
	memset(&s, 0, sizeof s);
	(void)probe_parse_sc_qc(text, &s, err, errlen);
	(void)probe_parse_sc_query(text, &s, err, errlen);
	(void)probe_parse_sc_qc(text, &s, err, errlen);
	free(s.raw_state);
}
