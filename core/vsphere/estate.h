/* estate: where each VM lives, resolved in memory from the inventory's containers.
 *
 * The scan's one RetrievePropertiesEx (and the watcher's filter) reads, beside the VMs' own
 * properties, "parent" and "runtime.host" of every VM and "name" and "parent" of every Folder,
 * Datacenter, ComputeResource / ClusterComputeResource and HostSystem in the same view. estate
 * keeps those links (moref -> type, name, parent) and resolves a VM's location: its folder's
 * inventory path ("/DC0/vm/Production/SQL"), its datacenter, its cluster (NULL on a standalone
 * host) and its host's name. Objects may arrive in any order; resolve once they are all in.
 * Names are interned (few distinct strings over 50,000 VMs). Not thread-safe. */
#ifndef QUIESCENT_ESTATE_H
#define QUIESCENT_ESTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "vsphere/propcol.h"

typedef struct estate estate;

estate *estate_new(void);
void estate_free(estate *e);

/* The container types and their paths (name, parent), and the VM's own two (parent,
 * runtime.host), for the view and the property filter. */
const vs_prop_spec *estate_container_specs(size_t *n);
const char *const *estate_container_types(size_t *n);
bool estate_vm_path(const char *prop);
/* Whether objects of type obj_type are containers estate keeps. */
bool estate_is_container(const char *obj_type);

/* The session's root folder (the top of every folder path; not in any view). */
void estate_set_root(estate *e, const char *root_folder);
/* A property of a container ("name", "parent") or of a VM ("parent", "runtime.host"):
 * value is the text (a name or a moref), NULL when unset. */
void estate_set(estate *e, const char *obj_type, const char *moref, const char *prop,
		const char *value);
/* The object left the inventory. */
void estate_forget(estate *e, const char *moref);

/* Sets f->folder, datacenter, cluster, host from what is known (NULL what is not). Returns
 * true when any of them changed. */
bool estate_resolve(const estate *e, vm_facts *f);

#endif
