/* cli: the headless sub-commands (scan, fix, snaptest, history, ...) for cron and scripts. Their
 * exit codes are the contract's (frontend/exit_codes.h, shared with the console). */
#ifndef QUIESCENT_CLI_H
#define QUIESCENT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "frontend/exit_codes.h"

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
