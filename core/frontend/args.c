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

int cmd_parse_args(const char *cmd, conn_opts *conn, int argc, char **argv,
		   void (*usage)(FILE *out), cmd_own_arg_fn own, void *opts)
{
	for (int i = 1; i < argc; i++) {
		switch (cmd_shared_arg(cmd, conn, argc, argv, &i, usage)) {
		case CMD_ARG_TAKEN:
			continue;
		case CMD_ARG_HELP:
			return 1;
		case CMD_ARG_ERROR:
			return -1;
		case CMD_ARG_OTHER:
			break;
		}
		if (own(opts, argv[i], argc, argv, &i) < 0)
			return -1;
	}
	return 0;
}
