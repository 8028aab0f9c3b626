/* The program entry, above both front ends (the one file that includes both): sub-commands go to
 * the headless CLI; no sub-command opens the console. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tui/console.h"
#include "vsphere/http.h"

int main(int argc, char **argv)
{
	/* libcurl and libxml2 are set up here, in the main thread, before any worker starts:
	 * libxml2 2.9 takes the first thread that touches it for the main one. */
	vs_http_global_init();
	/* quiescent --help: the console's options, then the headless commands. */
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
		char *help[] = { argv[0], "--help", NULL };
		int rc = console_main(2, help);
		printf("\n");
		cli_commands_usage(stdout);
		return rc;
	}
	if (cli_handles(argc, argv))
		return cli_main(argc, argv);
	if (argc >= 2 && argv[1][0] != '-') {
		fprintf(stderr, "quiescent: unknown command '%s' (see quiescent --help)\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	return console_main(argc, argv);
}
