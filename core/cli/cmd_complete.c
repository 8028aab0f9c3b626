/* quiescent complete: hidden helper of the bash completion (dist/quiescent.bash).
 * `quiescent complete vms [--db PATH] [PREFIX]` prints the VM names of the latest scan of every
 * vCenter in the history, one a line. It never creates a history and never prompts: without a
 * history it prints nothing. */
#include "cli/cli.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int complete_vms(int argc, char **argv)
{
	const char *db = NULL, *prefix = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (!strncmp(argv[i], "--db=", 5))
			db = argv[i] + 5;
		else
			prefix = argv[i];
	}
	char buf[4096];
	const char *path = db ? db : store_default_path(buf, sizeof buf);
	if (!path || access(path, R_OK) != 0)
		return CLI_EXIT_OK;
	char err[512];
	store *s = store_open(path, err, sizeof err);
	if (!s) {
		fprintf(stderr, "quiescent complete: %s\n", err);
		return CLI_EXIT_NOT_READY;
	}
	char **names;
	size_t n;
	int rc = CLI_EXIT_OK;
	if (store_last_scan_vm_names(s, prefix, &names, &n, err, sizeof err) != 0) {
		fprintf(stderr, "quiescent complete: %s\n", err);
		rc = CLI_EXIT_NOT_READY;
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", names[i]);
		store_names_free(names, n);
	}
	store_close(s);
	return rc;
}

int cmd_complete(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "vms"))
		return complete_vms(argc, argv);
	fprintf(stderr, "usage: quiescent complete vms [--db PATH] [PREFIX]\n");
	return CLI_EXIT_USAGE;
}
