/* vcenters: the console's other vCenters (--server repeated). Each logs in on a job of its
 * own (tried again with backoff while it is down), then gets its own watcher and scans, so
 * one that is down, slow or killed never holds up the others or empties the list: its VMs
 * stay, shown unknown with the reason, until it is back. UI thread. */
#ifndef QUIESCENT_TUI_VCENTERS_H
#define QUIESCENT_TUI_VCENTERS_H

#include "tui/msgq.h"
#include "tui/ui.h"

/* Makes the list from u->conn's more_servers and starts their logins. */
void vcenters_start(ui *u);
/* Once a second: logins due again for those still down. */
void vcenters_tick(ui *u, time_t now);
/* Starts a scan on every logged-in one without one running (with the first's :scan). */
void vcenters_scan(ui *u, int probe_max_age_s);
/* A MSG_CONN of vCenter m->vc (0 too): its down state and its VMs' reachability. */
void vcenters_conn(ui *u, const msg *m);
/* Task id ended: when it was one of their scans, it is over (its VMs no longer probing).
 * true when it was. */
bool vcenters_task_ended(ui *u, int task_id);
/* Whether vCenter vc's live watcher has sent its first full set (live facts win). */
bool vcenters_synced(const ui *u, unsigned vc);
void vcenters_set_synced(ui *u, unsigned vc);
/* Stops their watchers (before the jobs are joined); frees everything (after). */
void vcenters_stop(ui *u);
void vcenters_free(ui *u);

#endif
