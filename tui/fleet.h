/* fleet: the console's live model of every VM: facts, verdict, mark, keyed by moref.
 *
 * Owned by the UI thread only (workers send facts through the message queue). Curses-free.
 * Inventory facts come from the watcher (WaitForUpdatesEx) and the scan; guest-probe facts
 * only from the scan: a live change replaces the vCenter part of a VM's facts, keeps its probe
 * facts, and re-runs the rules for that VM. Every change bumps `gen` so views rebuild their
 * sorted, filtered orders lazily (once per frame, not once per change), and names the VM in
 * the change journal so a view can redo just the rows that changed (tui/vmorder.h). */
#ifndef QUIESCENT_TUI_FLEET_H
#define QUIESCENT_TUI_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model/model.h"

typedef struct {
	vm_facts f;
	verdict v;
	unsigned vc;           /* which vCenter: 0 the first --server (actions work there), then
				* the others in order (ui.more); a moref is unique only within one */
	bool unreachable;      /* its vCenter cannot be reached now: status unknown, whatever its
				* last facts said */
	bool marked;
	bool scanned;          /* probe facts and history came from a scan */
	bool seen;             /* scratch: present in a full sync */
	bool probing;          /* the running scan's guest probe of it has not ended yet */
	time_t inventory_at;   /* when vCenter last sent this VM's properties */
	time_t evaluated_at;   /* when the rules last ran */
	time_t changed_at;     /* last live change (for highlighting) */
	size_t index;          /* its position in fleet.vms (kept by the fleet) */
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
	/* The change journal: positions (in vms) of the VMs changed since entry number
	 * journal_base, oldest first, a VM once per change. Entry numbers only grow; a reader
	 * keeps the number it read up to. When a VM leaves (positions move) or every VM
	 * changes, the journal starts again past a gap, so a reader behind it knows to redo all;
	 * when it is full, its older half is dropped (a reader that far behind redoes all). */
	size_t *journal;
	size_t n_journal, journal_cap;
	unsigned long journal_base;
	time_t scanned_at;     /* the last scan that completed (0: none yet) */
	int64_t scan_id;       /* its history row (0: not stored): the scan a fix comes from */
} fleet;

void fleet_init(fleet *fl);
void fleet_done(fleet *fl);

/* The VM of vCenter vc with this moref, or NULL. fleet_get: of the first vCenter. */
fleet_vm *fleet_get_in(const fleet *fl, unsigned vc, const char *moref);
fleet_vm *fleet_get(const fleet *fl, const char *moref);

/* Facts of one VM from vCenter vc (f is moved into the fleet and left empty). Probe facts and
 * history-derived facts of a known VM are kept. Rules re-run. Returns the VM. */
fleet_vm *fleet_update_inventory(fleet *fl, unsigned vc, vm_facts *f, time_t now);
/* A scan result (moved in): probe facts and history facts replace the VM's; inventory facts
 * too when keep_live_inventory is false or the VM is new. The verdict is recomputed. */
fleet_vm *fleet_apply_scan(fleet *fl, unsigned vc, vm_facts *f, time_t now, bool keep_live_inventory);
/* An early row of a running scan (moved in, as scan_vm_fn gives it): a new VM appears at once;
 * a known one gets the row's probe facts, except while its probe runs (probing) when it keeps
 * the guest facts it has. The verdict is recomputed. */
fleet_vm *fleet_apply_row(fleet *fl, unsigned vc, vm_facts *f, bool probing, time_t now,
			   bool keep_live_inventory);
/* vCenter vc's scan ended (done, failed or cancelled): none of its VMs is probing any more. */
void fleet_end_probing(fleet *fl, unsigned vc);
/* vCenter vc was lost (true) or is back (false): its VMs stay in the list, their status
 * unknown while it is lost (never ready from facts that may have changed). */
void fleet_set_unreachable(fleet *fl, unsigned vc, bool unreachable, time_t now);
void fleet_remove(fleet *fl, unsigned vc, const char *moref);
/* A test snapshot of vm just ended: its result becomes the VM's last test (R25, the last-test
 * column) at once, without waiting for the next scan. */
void fleet_apply_test(fleet *fl, fleet_vm *vm, const vm_last_test *t, time_t now);
void fleet_set_mark(fleet *fl, fleet_vm *vm, bool on);
void fleet_clear_marks(fleet *fl);
/* How many powered-on VMs have guest facts from a probe that ended before `before` (a good
 * one: this session's or one from the history); those the background re-probe refreshes. */
size_t fleet_count_probed_before(const fleet *fl, time_t before);
/* The journal for a reader that has read up to entry number *pos: true with the positions of
 * the VMs changed since (*changed, *n; repeats possible) and *pos moved to the end; false when
 * the reader is too far behind (VMs left, or the entries were dropped): it must look at every
 * VM, and *pos is moved to the end likewise. */
bool fleet_journal_read(const fleet *fl, unsigned long *pos, const size_t **changed, size_t *n);
/* Recounts by_status / by_level / n_marked (after a batch). */
void fleet_recount(fleet *fl);

/* One line naming a finding: its rule's title when the finding is the rule's main condition;
 * for a variant of another severity (R17's "more than 20 snapshots" warning beside the error
 * "32 snapshots") the finding's own evidence, else the first sentence of its message, so a
 * warning never carries the error's title. Returns buf or static storage. */
const char *fleet_finding_title(const finding *f, char *buf, size_t n);

/* Short texts the list and the filter share. */
const char *fleet_os_text(const fleet_vm *vm); /* family name, or the guest's full name for other */

#endif
