/* vmorder: the VM list's order (the VMs the filter shows, sorted by one column), kept up to
 * date from the fleet's change journal instead of rebuilt whole on every live change.
 *
 * Each VM's sort keys are worked out once, when it changes: numbers as they are, strings as
 * their rank among the column's distinct values (collated once per distinct value, not once
 * per comparison), and the tie-break (name, then moref) as its rank in name order. The order
 * is an array of 64-bit keys (column key, name rank). After churn only the changed VMs are
 * keyed and filtered again and merged back in one pass: no string compared for the others,
 * no allocation once the arrays have grown. A new sort column is one radix sort of the keys;
 * a new filter one pass of the filter over the rows: what it matches (the name, in one arena;
 * rule ids as bits; the mark; the shared texts as ids of the column dictionaries) is kept in
 * the rows when a VM changes, so the pass never reads the VMs' facts and findings, scattered
 * over the heap after churn. Curses-free (unit-tested).
 *
 * The order is the one the list always had: the column ascending or descending, ties by name
 * ascending (case-insensitively), then by moref; a location, finding or last test nobody
 * knows sorts after the known ones ascending. Last-test times are keyed as seconds from
 * 1970 to 2106 (earlier ones as 1970). */
#ifndef QUIESCENT_TUI_VMORDER_H
#define QUIESCENT_TUI_VMORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/filter.h"
#include "tui/fleet.h"

/* The columns the list sorts by. */
typedef enum {
	VMO_NAME, VMO_POWER, VMO_OS, VMO_TOOLS, VMO_BEST, VMO_PREDICTED, VMO_STATUS, VMO_TEST,
	VMO_DATACENTER, VMO_CLUSTER, VMO_HOST, VMO_FOLDER, VMO_FINDING, VMO_VCENTER, VMO_NKEYS
} vmorder_key;

/* The name of vCenter vc as the list shows it (the VCENTER column and the filter's vcenter:). */
typedef const char *(*vmorder_vcenter_fn)(const void *ctx, unsigned vc);

typedef struct vmorder vmorder;

vmorder *vmorder_new(void);
void vmorder_free(vmorder *o);
/* The fleet was replaced (or emptied): everything is worked out again on the next update. */
void vmorder_reset(vmorder *o);
void vmorder_set_vcenter_names(vmorder *o, vmorder_vcenter_fn fn, const void *ctx);
/* dir: 1 ascending, -1 descending. Takes effect on the next update. */
void vmorder_set_sort(vmorder *o, vmorder_key key, int dir);
/* The filter (NULL: every VM), owned by the caller and kept alive while it is set. */
void vmorder_set_filter(vmorder *o, const vm_filter *f);
/* Brings the order up to date with fl. True when it may have changed. */
bool vmorder_update(vmorder *o, const fleet *fl);
size_t vmorder_count(const vmorder *o);
/* The i-th VM shown (i < vmorder_count). */
fleet_vm *vmorder_at(const vmorder *o, const fleet *fl, size_t i);
/* Where vm is in the order (a binary search); (size_t)-1 when the filter hides it. */
size_t vmorder_find(const vmorder *o, const fleet_vm *vm);
/* What the filter matches a VM against (the texts the list shows); its rule ids point into
 * rules (the first VMORDER_MAX_RULES findings'). */
#define VMORDER_MAX_RULES 32
void vmorder_subject(const vmorder *o, const fleet_vm *vm, filter_subject *s,
		     const char *rules[VMORDER_MAX_RULES]);

#endif
