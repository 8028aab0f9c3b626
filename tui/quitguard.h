/* quitguard: q while a fix or a test snapshot runs. Quitting then would leave VMs powered off
 * or a snapshot behind until the jobs end, with nothing on the screen. So the first q asks:
 *   q again  stop the work safely (every fix and test at stop level 2: VMs in flight powered
 *            back on, test snapshots removed after their task ended), show the Tasks view,
 *            and quit by itself once nothing runs any more;
 *   w        wait for the work to end as planned, then quit by itself;
 *   L        leave it running in vCenter and quit now (as a kill would: the journal stays,
 *            and quiescent recover / snaptest --cleanup-orphans finish it later);
 *   Esc      (or any other action) keep working. */
#ifndef QUIESCENT_TUI_QUITGUARD_H
#define QUIESCENT_TUI_QUITGUARD_H

#include <stdbool.h>

#include "tui/ui.h"

/* ACTION_QUIT at the top of the view stack: true when the console may quit now. UI thread. */
bool quitguard_quit(ui *u);
/* A raw key while the question is asked: w and L are its answers (true: taken). */
bool quitguard_key(ui *u, int key);
/* After the terminal is restored: when L was chosen, say what is left running and end the
 * process at once, without waiting for (or stopping) the jobs. Returns otherwise. */
void quitguard_leave_if_asked(ui *u);
/* Any other action: a pending question is dropped. */
void quitguard_other(ui *u, action a);
/* Each loop turn: true when a safe stop was asked and nothing that changes VMs runs any
 * more (quit now). */
bool quitguard_ready(ui *u);

#endif
