#include "frontend/args.h"

#include <string.h>

cmd_arg cmd_shared_arg(const char *cmd, conn_opts *conn, int argc, char **argv, int *i,
		       void (*usage)(FILE *out))
{
	const char *a = argv[*i];
	if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		usage(stdout);
		return CMD_ARG_HELP;
	}
	if (!conn)
		return CMD_ARG_OTHER;
	char msg[256];
	int r = conn_opts_parse_arg(conn, argc, argv, i, msg, sizeof msg);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", cmd, msg);
		return CMD_ARG_ERROR;
	}
	return r > 0 ? CMD_ARG_TAKEN : CMD_ARG_OTHER;
}

const char *cmd_option_value(const char *cmd, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: %s needs a value\n", cmd, argv[*i]);
		return NULL;
	}
	return argv[++*i];
}
