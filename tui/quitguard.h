/* quitguard: q while a fix or a test snapshot runs. Quitting then would leave VMs powered off
 * or a snapshot behind until the jobs end, with nothing on the screen. So the first q asks;
 * a second q stops the work safely (every fix and test at stop level 2: VMs in flight are
 * powered back on, test snapshots removed after their task ended), shows the Tasks view, and
 * the console quits by itself once nothing runs any more. Esc (or any other action) keeps
 * working. */
#ifndef QUIESCENT_TUI_QUITGUARD_H
#define QUIESCENT_TUI_QUITGUARD_H

#include <stdbool.h>

#include "tui/ui.h"

/* ACTION_QUIT at the top of the view stack: true when the console may quit now. UI thread. */
bool quitguard_quit(ui *u);
/* Any other action: a pending question is dropped. */
void quitguard_other(ui *u);
/* Each loop turn: true when a safe stop was asked and nothing that changes VMs runs any
 * more (quit now). */
bool quitguard_ready(ui *u);

#endif
