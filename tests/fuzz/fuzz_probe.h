/* One guest-output parser per harness: FUZZ_PROBE_PARSER picks it (see fuzz_probe_*.c). */
#include "fuzz.h"
#include "probe/probe_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > PROBE_MAX_TEXT + 16)
		return 0;
	char *text = fuzz_cstr(data, size);
	char err[256];
	FUZZ_PROBE_PARSER(text, err, sizeof err);
	free(text);
	return 0;
}
