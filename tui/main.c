/* The program entry: sub-commands go to the headless CLI; no sub-command opens the console. */
#include <stdio.h>

#include "cli/cli.h"
#include "tui/console.h"

int main(int argc, char **argv)
{
	if (cli_handles(argc, argv))
		return cli_main(argc, argv);
	if (argc >= 2 && argv[1][0] != '-') {
		fprintf(stderr, "quiescent: unknown command '%s' (see quiescent --help)\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	return console_main(argc, argv);
}
