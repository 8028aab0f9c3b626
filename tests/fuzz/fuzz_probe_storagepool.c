/* Get-StoragePool | Format-Table output. */
#include <stddef.h>
static void parse(const char *text, char *err, size_t errlen);
#define FUZZ_PROBE_PARSER parse
#include "fuzz_probe.h"

static void parse(const char *text, char *err, size_t errlen)
{
	tri spaces = TRI_UNKNOWN;
	char *evidence = NULL;
	(void)probe_parse_storage_pools(text, &spaces, &evidence, err, errlen);
	free(evidence);
}
