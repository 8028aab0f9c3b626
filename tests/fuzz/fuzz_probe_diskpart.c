/* `echo list disk | diskpart` output. */
#include <stddef.h>
static void parse(const char *text, char *err, size_t errlen);
#define FUZZ_PROBE_PARSER parse
#include "fuzz_probe.h"

static void parse(const char *text, char *err, size_t errlen)
{
	tri dyn = TRI_UNKNOWN;
	char *evidence = NULL;
	(void)probe_parse_diskpart(text, &dyn, &evidence, err, errlen);
	free(evidence);
}
