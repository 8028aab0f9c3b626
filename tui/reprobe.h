/* reprobe: guest facts refreshed in the background by their age. The console shows the last
 * good probe of each VM at once (from this session or the history); once some are older than
 * --reprobe-age, a scan that probes only those starts by itself. UI thread. */
#ifndef QUIESCENT_TUI_REPROBE_H
#define QUIESCENT_TUI_REPROBE_H

#include <time.h>

#include "tui/ui.h"

#define REPROBE_AGE_DEFAULT_S 3600

/* Once a second: starts that scan when it is due (facts older than u->reprobe_age_s, none
 * running, the last one at least half the age ago, no fix or test changing VMs). */
void reprobe_tick(ui *u, time_t now);

#endif
