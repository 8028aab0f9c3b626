/* cmd_common: what every sub-command (and the console's command line) does the same way:
 * the shared options, the history file it records into, its lists of names. */
#ifndef QUIESCENT_CMD_COMMON_H
#define QUIESCENT_CMD_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "cli/conn.h"
#include "engine/engine.h"
#include "store/store.h"

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

/* The value of the option at argv[*i], advancing *i; NULL after printing "OPT needs a value". */
const char *cmd_option_value(const char *cmd, int argc, char **argv, int *i);

/* Opens the history at db_opt (--db), else at the default path. On failure prints one
 * sentence and returns NULL: commands that change VMs refuse to run without their journal. */
store *cmd_open_history(const char *cmd, const char *db_opt);
/* The same for commands that only read it: a history on read-only media is read as it is. */
store *cmd_open_history_read(const char *cmd, const char *db_opt);
/* The engine of a fix, a test or a recovery over the history at db_opt (--db) or the default
 * path; o->db_path is set here. On failure prints one sentence and returns NULL. */
engine *cmd_open_engine(const char *cmd, const char *db_opt, engine_opts *o);
/* Settles the tasks earlier runs left 'running' in the journal (engine_settle), saying how
 * many; a failure is a warning (the next run tries again). */
void cmd_settle_tasks(const char *cmd, engine *e);
/* snaptest --cleanup-orphans with a connection already complete (quiescent recover's second
 * half: the password was read once, and taken out of the environment). conn is borrowed. */
int cmd_snaptest_cleanup(const conn_opts *conn, const char *db_opt, int network_grace_s,
			 int task_timeout_s);

/* An age such as "7d", "12h", "90m", "30s" or plain seconds into *seconds (> 0); false when it
 * is not one. cmd_format_age says it back ("7 days", "12 h"; a static buffer: main thread). */
bool cmd_parse_age(const char *s, long *seconds);
const char *cmd_format_age(long seconds);

/* A VM name as an fnmatch glob that matches only itself (heap). */
char *cmd_glob_escape(const char *name);

/* A growable list of owned strings (--vm GLOB..., --rule R...). */
void cmd_strings_add(char ***v, size_t *n, const char *s);
void cmd_strings_free(char **v, size_t n);

#endif
