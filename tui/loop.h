/* loop: the console's main loop (poll, signals, worker messages, keys, one redraw a turn). */
#ifndef QUIESCENT_TUI_LOOP_H
#define QUIESCENT_TUI_LOOP_H

#include "tui/ui.h"

/* Runs until the operator quits (0), a SIGTERM or SIGHUP arrives (the signal's number: it is
 * acted on within one loop turn in every state), or the terminal goes away (-1). Installs the
 * signal handlers (SIGWINCH, SIGINT cancels the running work, SIGTERM, SIGHUP; SIGPIPE ignored).
 * QUIESCENT_LATENCY_LOG=FILE logs key-to-redraw times for `make bench`. */
int loop_run(ui *u);

#endif
