/* cli: the headless sub-commands (scan, and later fix, snaptest, history) for cron and scripts.
 * Exit codes are the contract's: 0 all ready, 1 done but not all ready, 2 usage, 3 connection,
 * TLS or login failure, 6 stopped and made safe, 7 something not safe (leftovers), 8 the history
 * cannot be opened, read or written. */
#ifndef QUIESCENT_CLI_H
#define QUIESCENT_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_NOT_READY = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_CONNECT = 3,
	CLI_EXIT_NOT_PROVEN = 4,        /* some VM judged ready from stale or no guest facts */
	CLI_EXIT_GUEST_LOGIN = 5,       /* a guest login was refused: the rest were not tried */
	/* fix, snaptest, recover stopped (a signal, a lost terminal or output, a network lost past
	 * its grace) and everything made safe: every VM in its power state, no test snapshot. */
	CLI_EXIT_STOPPED_SAFE = 6,
	/* Something is NOT safe: a stop could not bring a VM back or remove a test snapshot, or
	 * (scan) an interrupted run of ours left one that is still there (an R26 finding). One
	 * meaning, two names: what the operator must do is the same (recover, cleanup-orphans). */
	CLI_EXIT_STOPPED_UNSAFE = 7,
	CLI_EXIT_LEFTOVERS = CLI_EXIT_STOPPED_UNSAFE,
	/* The history (SQLite) could not be opened, read or written: full disk, read-only media,
	 * a damaged file. Its own code, so a cron job never reads it as "not ready". */
	CLI_EXIT_HISTORY = 8,
};

/* True when argv names a sub-command or a global flag (--help, --version) the CLI answers. */
bool cli_handles(int argc, char **argv);
/* Runs the sub-command argv[1]; returns the exit code. */
int cli_main(int argc, char **argv);
void cli_usage(FILE *out);
/* The list of commands, `quiescent COMMAND --help`, --version and the exit codes. */
void cli_commands_usage(FILE *out);

/* One command per file (cmd_*.c). argv[0] is the command name. */
int cmd_scan(int argc, char **argv);
int cmd_snaptest(int argc, char **argv);
int cmd_fix(int argc, char **argv);
int cmd_recover(int argc, char **argv);   /* fix --recover */
int cmd_rules(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_complete(int argc, char **argv); /* hidden: shell completion helper */

#endif
