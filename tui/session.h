/* session: starting the console on a vCenter session, and :connect. UI thread. */
#ifndef QUIESCENT_TUI_SESSION_H
#define QUIESCENT_TUI_SESSION_H

#include "tui/ui.h"
#include "vsphere/session.h"

/* Takes s over: starts the live watcher, the vCenter tasks reader and a scan. */
void session_start(ui *u, vs_session *s);
/* :connect [SERVER [THUMBPRINT]]: logs in on a job thread with the same credentials (bare: the
 * current server again), then drops everything of the old session and starts on the new one.
 * The old session is kept until exit (jobs may still hold it). */
void session_connect(ui *u, int argc, char **argv);
/* The first vCenter could not log in at the start while others were given: the console runs
 * on with them, shows it down with why, and logs in to it again in the background with
 * backoff (session_tick); once in, everything starts as session_start does. */
void session_start_later(ui *u, const char *why);
/* Once a second: that login, when it is due. */
void session_tick(ui *u, time_t now);
/* Another vCenter (vc >= 1) logged in (tui/vcenters.c): what the screens own starts for it
 * here, in the composition root: its Tasks-view reader and the check of its history for
 * interrupted fixes and leftover test snapshots. */
void session_vcenter_started(ui *u, unsigned vc);
/* Stops the watcher and the tasks reader. */
void session_stop(ui *u);
/* Frees the session and those :connect replaced (after the jobs were joined). */
void session_free_all(ui *u);

#endif
