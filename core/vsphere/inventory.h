/* inventory: the VirtualMachine properties the readiness rules need, read into vm_facts.
 *
 * One mapping (inventory_apply_change) turns a property value into facts; the initial scan
 * (RetrievePropertiesEx over a ContainerView) and live changes (WaitForUpdatesEx "enter" and
 * "modify") both go through it, so they cannot disagree. Values are parsed straight from the
 * libxml2 stream: the scan's pages with the SAX2 push parser as they arrive, the updates and
 * re-reads with the streaming reader (inventory_values.c). A property vCenter leaves out is unset (no snapshots, no extraConfig entry),
 * which differs from a property it could not read (missingSet: facts_error, shown unknown). */
#ifndef QUIESCENT_INVENTORY_H
#define QUIESCENT_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/xmlreader.h>

#include "model/model.h"
#include "vsphere/estate.h"
#include "vsphere/session.h"

/* The property paths inventory reads (for vs_retrieve / vs_updates_create). */
const char *const *inventory_paths(size_t *n);

/* What one retrieval (or one property filter) reads: the VMs' properties (inventory_paths()
 * and the estate's parent and runtime.host) and the containers' names and parents, over a
 * view of inventory_view_types(). */
const vs_prop_spec *inventory_specs(size_t *n);
const char *const *inventory_view_types(size_t *n);

/* Objects per RetrievePropertiesEx page: bounds the response held in memory at once. */
#define INVENTORY_PAGE_SIZE 250

/* The VMs are read in up to this many slices at once, each over its own connection
 * (inventory_set_streams: 1 reads them in one retrieval, as most clients do). */
#define INVENTORY_STREAMS 2
#define INVENTORY_STREAMS_MAX 8
void inventory_set_streams(int n);

/* Every VM (templates included) whose name matches one of the fnmatch(3) globs (all VMs when
 * n_globs is 0), sorted by name then moref. A VM whose name vCenter could not read has
 * name NULL (kept only without globs; facts_error says why). tools_upgrade_running is not
 * set here: call inventory_running_tools_upgrades after. glob_matches (n_globs counters, may be NULL) gets
 * how many VMs each glob matched, so the caller can name the globs that matched nothing.
 * *out is an array of *n_out facts owned by the caller: inventory_free(). Returns 0 or -1. */
int inventory_scan(vs_conn *c, const char *const *name_globs, size_t n_globs,
		   size_t *glob_matches, vm_facts **out, size_t *n_out, vs_error *err);
/* model_vm_facts_done on each, then free the array. */
void inventory_free(vm_facts *v, size_t n);

/* inventory_scan without the array: each matching VM goes to on_vm as soon as its properties
 * are complete (unsorted), so the caller can work on it while the next pages arrive. on_vm is
 * called from the threads reading the slices, one call at a time. It takes ownership of *f
 * (copy the struct; the slot is reused). glob_matches as for inventory_scan. Returns 0 or -1
 * (VMs already handed over stay the caller's). */
typedef void (*inventory_vm_fn)(void *ctx, vm_facts *f);
int inventory_scan_each(vs_conn *c, const char *const *name_globs, size_t n_globs,
			size_t *glob_matches, inventory_vm_fn on_vm, void *ctx, vs_error *err);
/* The order of inventory_scan: name (NULL as ""), then moref. */
int inventory_compare_by_name(const vm_facts *a, const vm_facts *b);

/* Starts facts for a newly seen VM: init, moref, and every inventory property unset. */
void inventory_facts_begin(vm_facts *f, const char *moref);

/* Applies one property of inventory_paths(): val is the reader on its <val> element, or NULL
 * when the property is unset (absent, assigned nothing, removed). Unknown paths are ignored.
 * Returns 0, or -1 when the value is malformed XML (the fact is then left unknown). */
int inventory_apply_change(vm_facts *f, const char *prop, xmlTextReaderPtr val_or_NULL);

/* The same mapping fed as events (vs_val_sink, from the SAX page parser): begin a value of
 * prop for f (false: not a property inventory maps; ignore its events), the events of the
 * value (depth 0 is <val>), then finish (applies it whole) or abort (the XML broke inside it:
 * the fact is left unset). One inventory_val reads one value at a time. */
typedef struct inventory_val inventory_val;
inventory_val *inventory_val_new(void);
void inventory_val_free(inventory_val *v);
bool inventory_val_begin(inventory_val *v, vm_facts *f, const char *prop);
/* The same for any object of inventory_specs(): a VM's own properties go to f, its parent and
 * host and the containers' names and parents to the estate (e may be NULL: those ignored). */
bool inventory_val_begin_any(inventory_val *v, estate *e, const char *obj_type,
			     const char *moref, vm_facts *f, const char *prop);
void inventory_val_start(inventory_val *v, int depth, const char *name, const char *xsi_type);
void inventory_val_text(inventory_val *v, const char *s, size_t n);
void inventory_val_end(inventory_val *v, int depth, const char *name);
void inventory_val_finish(inventory_val *v);
void inventory_val_abort(inventory_val *v);

/* A property vCenter could not read (missingSet): the fact stays unknown and the VM carries
 * facts_error with why ("config.hardware.device: NoPermission: ..."). */
void inventory_apply_missing(vm_facts *f, const char *prop, const char *fault,
			     const char *message);

/* R22: sets tools_upgrade_running on the VMs (of v) that TaskManager.recentTask shows a
 * running or queued "VirtualMachine.upgradeTools" task on, clears it on the others. */
int inventory_running_tools_upgrades(vs_conn *c, vm_facts *v, size_t n, vs_error *err);

/* The same read before the VMs are known (for inventory_scan_each): the morefs of the VMs with
 * a running or queued "VirtualMachine.upgradeTools" task. Free with inventory_upgrades_done. */
typedef struct {
	char **morefs;
	size_t n, cap;
} inventory_upgrades;
int inventory_read_tools_upgrades(vs_conn *c, inventory_upgrades *u, vs_error *err);
bool inventory_upgrades_has(const inventory_upgrades *u, const char *moref);
void inventory_upgrades_done(inventory_upgrades *u);

/* Helpers exposed for tests and other parsers. */
/* disk.EnableUUID value -> TRI_YES for "true" in any case, TRI_NO otherwise or when NULL. */
tri inventory_enable_uuid_value(const char *raw);

#endif
