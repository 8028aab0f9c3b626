/* cmd_common: what every sub-command does the same way: the history file it records into, its
 * lists of names (the options the console shares with them: frontend/args.h). */
#ifndef QUIESCENT_CMD_COMMON_H
#define QUIESCENT_CMD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "engine/engine.h"
#include "frontend/args.h"
#include "frontend/conn.h"
#include "store/store.h"

/* Opens the history at db_opt (--db), else at the default path. On failure prints one
 * sentence and returns NULL: commands that change VMs refuse to run without their journal. */
store *cmd_open_history(const char *cmd, const char *db_opt);
/* The same for commands that only read it: a history on read-only media is read as it is. */
store *cmd_open_history_read(const char *cmd, const char *db_opt);
/* What fix and snaptest do first: the connection options completed (exit 2 when they cannot
 * be), then the engine on the history (exit 8 without it: no journal, no change to a VM).
 * NULL after one sentence on stderr, with *exit_code set. */
engine *cmd_start_engine(const char *cmd, conn_opts *conn, bool need_guest, const char *db_opt,
			 int network_grace_s, int task_timeout_s, int *exit_code);
/* Settles the tasks earlier runs left 'running' in the journal (engine_settle), saying how
 * many; a failure is a warning (the next run tries again). */
void cmd_settle_tasks(const char *cmd, engine *e);
/* snaptest --cleanup-orphans with a connection already complete (quiescent recover's second
 * half: the password was read once, and taken out of the environment). conn is borrowed. */
int cmd_snaptest_cleanup(const conn_opts *conn, const char *db_opt, int network_grace_s,
			 int task_timeout_s);

/* rc, or 9 (CLI_EXIT_BUSY) when something was left alone for a live owner and rc says no
 * more than ready, not ready or not proven. */
int cmd_exit_busy(int rc, bool busy);

/* A VM name as an fnmatch glob that matches only itself (heap). */
char *cmd_glob_escape(const char *name);

/* A growable list of owned strings (--vm GLOB..., --rule R...). */
void cmd_strings_add(char ***v, size_t *n, const char *s);
void cmd_strings_free(char **v, size_t n);

#endif
