/* watcher: one thread following the inventory live with WaitForUpdatesEx on a PropertyFilter
 * over a ContainerView of every VM (inventory_paths()). It keeps a mirror of each VM's
 * vCenter facts (through inventory_apply_change, the one mapping the scan uses too) and posts
 * the facts of every VM that changed, as one MSG_VM_UPDATE per update set; VMs that left come
 * as MSG_VM_GONE. When the session is lost it says so (MSG_CONN), retries with backoff,
 * logs in again and re-creates the watch (a full sync follows). */
#ifndef QUIESCENT_TUI_WATCHER_H
#define QUIESCENT_TUI_WATCHER_H

#include "tui/msgq.h"
#include "vsphere/session.h"

typedef struct watcher watcher;

/* Starts the thread for the console's vCenter vc (its messages carry it). NULL when it could
 * not start (errno). */
watcher *watcher_start(vs_session *s, msgq *q, unsigned vc);
/* Stops and joins it (cancels its wait on the session). NULL is fine. */
void watcher_stop(watcher *w);

#endif
