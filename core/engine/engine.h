/* engine: what every run that changes VMs does around its work, for the CLI and the console
 * alike: settle what earlier runs left in the journal against what vCenter says now. */
#ifndef QUIESCENT_ENGINE_H
#define QUIESCENT_ENGINE_H

#include <stddef.h>

#include "store/store.h"
#include "vsphere/session.h"

/* Tasks of vcenter the journal says are queued or running although nobody follows them (the
 * run that started them ended or died): each is read from vCenter and recorded as it ended,
 * or as an error "vCenter no longer knows this task" when vCenter forgot it; tasks still
 * running in vCenter, and those a live process follows, are left alone. Returns how many were
 * settled, or -1 with msg (vCenter or the history failed; the next run tries again). */
int engine_settle_tasks(vs_session *s, store *db, const char *vcenter, char *msg, size_t n);

#endif
