/* The `:` command line: command_split (quotes, escapes, word limit) and command_resolve. */
#include <assert.h>

#include "fuzz.h"
#include "tui/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size);
	char *argv[16];
	char err[256];
	int argc = command_split(line, argv, 16, err, sizeof err);
	assert(argc <= 16);
	if (argc > 0) {
		(void)command_resolve(argv[0], err, sizeof err);
		command_free_words(argv, argc);
	}
	free(line);
	return 0;
}
