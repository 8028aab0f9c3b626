/* stop: every way a headless command that changes VMs (fix, snaptest) can be told to stop,
 * turned into one stop level the engine reads:
 *   SIGINT once                    -> 1: start no new VM; VMs in flight finish;
 *   SIGINT twice, SIGTERM, SIGHUP,
 *   output lost (EPIPE/EIO)        -> 2: VMs in flight skip their remaining changes, are
 *                                        brought back to their power state, test snapshots are
 *                                        removed (after their task ended).
 * The handlers only set the level and write one byte to a self-pipe; a reporter thread says
 * what happens next on stderr. SIGPIPE is ignored for good, so a closed pipe is a write error
 * (seen by cli_stop_check_write), never a death. */
#ifndef QUIESCENT_CLI_STOP_H
#define QUIESCENT_CLI_STOP_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"   /* CLI_EXIT_STOPPED_SAFE, CLI_EXIT_STOPPED_UNSAFE */

typedef enum {
	CLI_STOP_NONE,
	CLI_STOP_SIGINT,
	CLI_STOP_SIGTERM,
	CLI_STOP_SIGHUP,
	CLI_STOP_OUTPUT_LOST,   /* our stdout/stderr reader went away (EPIPE) or the tty (EIO) */
} cli_stop_reason;

/* What the reporter says when the level rises. */
typedef struct {
	const char *cmd;        /* "quiescent fix" */
	const char *at_level1;  /* after a first Ctrl-C */
	const char *at_level2;  /* after a second Ctrl-C or any other stop */
} cli_stop_messages;

/* Installs the handlers (not for a signal that is ignored, as under nohup) and the reporter. */
void cli_stop_install(const cli_stop_messages *m);
/* Puts the previous handlers back and ends the reporter. */
void cli_stop_uninstall(void);

/* The level the engine reads (0, 1 or 2), from any thread. */
atomic_int *cli_stop_level(void);
cli_stop_reason cli_stop_why(void);
/* "SIGTERM", "SIGHUP", "Ctrl-C", "the output was closed" */
const char *cli_stop_reason_name(cli_stop_reason r);

/* Ignores SIGPIPE for the whole process (main calls it first thing). */
void cli_stop_ignore_sigpipe(void);

/* After a write to f (rc is what fprintf/fflush/fwrite returned, negative or short = failed):
 * EPIPE or EIO means our reader is gone, so stop at level 2. Returns rc. */
int cli_stop_check_write(FILE *f, int failed);

#endif
