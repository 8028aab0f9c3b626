/* fleet: the console's live model of every VM: facts, verdict, mark, keyed by moref.
 *
 * Owned by the UI thread only (workers send facts through the message queue). Curses-free.
 * Inventory facts come from the watcher (WaitForUpdatesEx) and the scan; guest-probe facts
 * only from the scan: a live change replaces the vCenter part of a VM's facts, keeps its probe
 * facts, and re-runs the rules for that VM. Every change bumps `gen` so views rebuild their
 * sorted, filtered orders lazily (once per frame, not once per change). */
#ifndef QUIESCENT_TUI_FLEET_H
#define QUIESCENT_TUI_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model/model.h"

typedef struct {
	vm_facts f;
	verdict v;
	bool marked;
	bool scanned;          /* probe facts and history came from a scan */
	bool seen;             /* scratch: present in a full sync */
	time_t inventory_at;   /* when vCenter last sent this VM's properties */
	time_t evaluated_at;   /* when the rules last ran */
	time_t changed_at;     /* last live change (for highlighting) */
	const char *rules[32]; /* rule ids of the findings, for the filter */
	size_t n_rules;
} fleet_vm;

typedef struct {
	fleet_vm **vms;        /* in arrival order; views sort their own orders */
	size_t n, cap;
	size_t *slots;         /* open-addressing index: moref -> position (SIZE_MAX: empty) */
	size_t n_slots;
	unsigned long gen;
	size_t n_marked;
	size_t by_status[STATUS_NA + 1];
	size_t by_level[LEVEL_APPLICATION + 1]; /* predicted level of Windows VMs */
	time_t scanned_at;     /* the last scan that completed (0: none yet) */
	int64_t scan_id;       /* its history row (0: not stored): the scan a fix comes from */
} fleet;

void fleet_init(fleet *fl);
void fleet_done(fleet *fl);

fleet_vm *fleet_get(const fleet *fl, const char *moref);

/* Facts of one VM from vCenter (f is moved into the fleet and left empty). Probe facts and
 * history-derived facts of a known VM are kept. Rules re-run. Returns the VM. */
fleet_vm *fleet_update_inventory(fleet *fl, vm_facts *f, time_t now);
/* A scan result (moved in): probe facts and history facts replace the VM's; inventory facts
 * too when keep_live_inventory is false or the VM is new. The verdict is recomputed. */
fleet_vm *fleet_apply_scan(fleet *fl, vm_facts *f, time_t now, bool keep_live_inventory);
void fleet_remove(fleet *fl, const char *moref);
void fleet_set_mark(fleet *fl, fleet_vm *vm, bool on);
void fleet_clear_marks(fleet *fl);
/* Recounts by_status / by_level / n_marked (after a batch). */
void fleet_recount(fleet *fl);

/* Short texts the list and the filter share. */
const char *fleet_power_text(power_state p); /* "on", "off", "susp", "?" */
const char *fleet_os_text(const fleet_vm *vm); /* family name, or the guest's full name for other */

#endif
