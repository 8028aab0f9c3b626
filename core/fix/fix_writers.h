/* fix_writers: which Windows service hosts each VSS writer admins meet, and what restarting it
 * costs - the data behind R16's fix. A restart that interrupts what the server is for
 * (mailboxes, a domain controller, DHCP leases, web sites, a cluster node) is disruptive: the
 * plan guides it, stating the impact, and never runs it by itself. */
#ifndef QUIESCENT_FIX_WRITERS_H
#define QUIESCENT_FIX_WRITERS_H

#include <stdbool.h>

typedef struct {
	const char *writer;     /* as vssadmin names it (writer names are not localised) */
	const char *service;    /* service name for net stop/start */
	const char *display;    /* the service's display name, as the Services console shows it */
	bool disruptive;        /* a restart interrupts the server's job: guided only */
	int outage_s;           /* expected time the service is down during a restart */
	const char *impact;     /* what a restart does, in the operator's words */
} fix_writer_owner;

/* The owner of a writer (case-insensitive name), NULL when the writer is not known. */
const fix_writer_owner *fix_writer_owner_of(const char *writer);

#endif
