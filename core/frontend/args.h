/* args: the command-line options every front end reads the same way (the headless commands and
 * the console): the connection options, -h/--help, an option's value. */
#ifndef QUIESCENT_FRONTEND_ARGS_H
#define QUIESCENT_FRONTEND_ARGS_H

#include <stdio.h>

#include "frontend/conn.h"

typedef enum {
	CMD_ARG_OTHER,   /* not a shared option: the command's own parser goes on */
	CMD_ARG_TAKEN,   /* consumed (with its value) */
	CMD_ARG_HELP,    /* -h/--help: usage printed on stdout */
	CMD_ARG_ERROR,   /* one sentence printed on stderr */
} cmd_arg;

/* Looks at argv[*i] for the options every command shares: the connection options (when conn
 * is not NULL) and -h/--help. `cmd` names the command in messages ("quiescent scan"). */
cmd_arg cmd_shared_arg(const char *cmd, conn_opts *conn, int argc, char **argv, int *i,
		       void (*usage)(FILE *out));

/* A command's own option at argv[*i] (a, not a shared one): takes it and its value (advancing
 * *i) and returns 0, or prints one sentence and returns -1. */
typedef int (*cmd_own_arg_fn)(void *opts, const char *a, int argc, char **argv, int *i);

/* The option loop of every command: argv[1..] in order, the shared options and -h/--help
 * taken by cmd_shared_arg, every other one handed to own. 0 when all were read, 1 after
 * --help (usage printed), -1 after an error (printed). */
int cmd_parse_args(const char *cmd, conn_opts *conn, int argc, char **argv,
		   void (*usage)(FILE *out), cmd_own_arg_fn own, void *opts);

/* The value of the option at argv[*i], advancing *i; NULL after printing "OPT needs a value". */
const char *cmd_option_value(const char *cmd, int argc, char **argv, int *i);

#endif
