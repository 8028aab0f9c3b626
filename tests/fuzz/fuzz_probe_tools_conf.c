/* tools.conf as `type` prints it. */
#include <stddef.h>
static void parse(const char *text, char *err, size_t errlen);
#define FUZZ_PROBE_PARSER parse
#include "fuzz_probe.h"

static void parse(const char *text, char *err, size_t errlen)
{
	tri a = TRI_UNKNOWN, b = TRI_UNKNOWN;
	(void)probe_parse_tools_conf(text, &a, &b, err, errlen);
}
