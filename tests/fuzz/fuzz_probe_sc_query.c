/* `sc query <svc>` output; run twice on one svc_facts, as sc query and sc qc share it. */
#include <stddef.h>
static void parse(const char *text, char *err, size_t errlen);
#define FUZZ_PROBE_PARSER parse
#include "fuzz_probe.h"

static void parse(const char *text, char *err, size_t errlen)
{
	svc_facts s;
	memset(&s, 0, sizeof s);
	(void)probe_parse_sc_query(text, &s, err, errlen);
	(void)probe_parse_sc_query(text, &s, err, errlen);
	free(s.raw_state);
}
