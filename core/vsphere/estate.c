#include "vsphere/estate.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/intern.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* How far up a parent chain is followed: deeper means a loop (or a hostile server). */
#define MAX_DEPTH 64

typedef enum { K_NONE, K_VM, K_FOLDER, K_DATACENTER, K_CLUSTER, K_COMPUTE, K_HOST, K_ROOT } kind;

typedef struct {
	const char *moref;   /* interned; NULL: free slot */
	unsigned char kind;  /* K_NONE: forgotten */
	const char *name;    /* interned, containers only */
	const char *parent;  /* interned moref */
	const char *host;    /* interned moref, VMs only */
} entry;

struct estate {
	intern_table *strings;
	entry *slots;
	size_t cap, n;
	/* The inventory is read over several connections at once: their VMs' parents and hosts
	 * come in from several threads. Held by every public function, never across calls. */
	pthread_mutex_t mu;
};

/* const: a lookup changes nothing of the estate, but its lock is taken all the same. */
static void lock(const estate *e)
{
	pthread_mutex_lock((pthread_mutex_t *)&e->mu);
}

static void unlock(const estate *e)
{
	pthread_mutex_unlock((pthread_mutex_t *)&e->mu);
}

static const char *const container_paths[] = { "name", "parent" };
static const vs_prop_spec container_specs[] = {
	{ "Folder", container_paths, 2 },
	{ "Datacenter", container_paths, 2 },
	{ "ComputeResource", container_paths, 2 },   /* ClusterComputeResource too */
	{ "HostSystem", container_paths, 2 },
};
static const char *const container_types[] = {
	"Folder", "Datacenter", "ComputeResource", "HostSystem"
};

const vs_prop_spec *estate_container_specs(size_t *n)
{
	*n = sizeof container_specs / sizeof container_specs[0];
	return container_specs;
}

const char *const *estate_container_types(size_t *n)
{
	*n = sizeof container_types / sizeof container_types[0];
	return container_types;
}

bool estate_vm_path(const char *prop)
{
	return strcmp(prop, "parent") == 0 || strcmp(prop, "runtime.host") == 0;
}

static kind kind_of(const char *type)
{
	return !strcmp(type, "VirtualMachine") ? K_VM
	     : !strcmp(type, "Folder") ? K_FOLDER
	     : !strcmp(type, "Datacenter") ? K_DATACENTER
	     : !strcmp(type, "ClusterComputeResource") ? K_CLUSTER
	     : !strcmp(type, "ComputeResource") ? K_COMPUTE
	     : !strcmp(type, "HostSystem") ? K_HOST : K_NONE;
}

bool estate_is_container(const char *obj_type)
{
	kind k = kind_of(obj_type);
	return k != K_NONE && k != K_VM;
}

estate *estate_new(void)
{
	estate *e = xcalloc(1, sizeof *e);
	e->strings = intern_new();
	e->cap = 256;
	e->slots = xcalloc(e->cap, sizeof *e->slots);
	pthread_mutex_init(&e->mu, NULL);
	return e;
}

void estate_free(estate *e)
{
	if (!e)
		return;
	intern_free(e->strings);
	free(e->slots);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

static entry *find(const estate *e, const char *moref)
{
	if (!moref)
		return NULL;
	size_t i = intern_hash(moref) & (e->cap - 1);
	while (e->slots[i].moref) {
		if (strcmp(e->slots[i].moref, moref) == 0)
			return e->slots[i].kind == K_NONE ? NULL : &e->slots[i];
		i = (i + 1) & (e->cap - 1);
	}
	return NULL;
}

static void grow(estate *e)
{
	size_t cap = e->cap * 2;
	entry *slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < e->cap; i++) {
		if (!e->slots[i].moref)
			continue;
		size_t j = intern_hash(e->slots[i].moref) & (cap - 1);
		while (slots[j].moref)
			j = (j + 1) & (cap - 1);
		slots[j] = e->slots[i];
	}
	free(e->slots);
	e->slots = slots;
	e->cap = cap;
}

/* The entry of moref, made (of kind k) when there is none; a forgotten one comes back. */
static entry *get(estate *e, const char *moref, kind k)
{
	size_t i = intern_hash(moref) & (e->cap - 1);
	while (e->slots[i].moref) {
		if (strcmp(e->slots[i].moref, moref) == 0) {
			if (e->slots[i].kind == K_NONE)
				e->slots[i].kind = (unsigned char)k;
			return &e->slots[i];
		}
		i = (i + 1) & (e->cap - 1);
	}
	e->slots[i] = (entry){ .moref = intern(e->strings, moref), .kind = (unsigned char)k };
	entry *made = &e->slots[i];
	if (++e->n * 2 > e->cap) {
		grow(e);
		made = find(e, moref);
	}
	return made;
}

void estate_set_root(estate *e, const char *root_folder)
{
	lock(e);
	get(e, root_folder, K_ROOT)->kind = K_ROOT;
	unlock(e);
}

void estate_set(estate *e, const char *obj_type, const char *moref, const char *prop,
		const char *value)
{
	kind k = kind_of(obj_type);
	if (k == K_NONE || !moref || !*moref)
		return;
	lock(e);
	entry *en = get(e, moref, k);
	en->kind = (unsigned char)k;
	const char *v = value && *value ? intern(e->strings, value) : NULL;
	if (!strcmp(prop, "name") && k != K_VM)
		en->name = v;
	else if (!strcmp(prop, "parent"))
		en->parent = v;
	else if (!strcmp(prop, "runtime.host") && k == K_VM)
		en->host = v;
	unlock(e);
}

void estate_forget(estate *e, const char *moref)
{
	lock(e);
	entry *en = find(e, moref);
	if (en && en->kind != K_ROOT) {
		en->kind = K_NONE;
		en->name = en->parent = en->host = NULL;
	}
	unlock(e);
}

/* Walks up from a VM's parent folder: the path's names top first into names, the datacenter
 * met on the way; true when the walk reached the root folder. */
static bool folder_chain(const estate *e, const entry *vm, const char **names, size_t *n,
			 const char **dc)
{
	*n = 0;
	*dc = NULL;
	const entry *at = find(e, vm->parent);
	while (at && *n < MAX_DEPTH) {
		if (at->kind == K_ROOT)
			return true;
		if (at->kind != K_FOLDER && at->kind != K_DATACENTER)
			return false;
		if (at->kind == K_DATACENTER && !*dc)
			*dc = at->name;
		names[(*n)++] = at->name ? at->name : "";
		at = find(e, at->parent);
	}
	return false;
}

/* Replaces *dst with s (interned: a fleet has few folders, datacenters, clusters and hosts)
 * when they differ; true when it changed. */
static bool set_if(char **dst, const char *s)
{
	if ((!*dst && !s) || (*dst && s && !strcmp(*dst, s)))
		return false;
	model_str_set(dst, s);
	return true;
}

bool estate_resolve(const estate *e, vm_facts *f)
{
	lock(e);
	const entry *vm = find(e, f->moref);
	const char *names[MAX_DEPTH], *dc = NULL;
	size_t n = 0;
	char *path = NULL;
	if (vm && vm->parent && folder_chain(e, vm, names, &n, &dc)) {
		strbuf sb;
		strbuf_init(&sb);
		for (size_t i = n; i-- > 0;) {
			strbuf_addc(&sb, '/');
			strbuf_adds(&sb, names[i]);
		}
		path = strbuf_detach(&sb, NULL);
	} else {
		dc = NULL;
	}
	const entry *h = vm ? find(e, vm->host) : NULL;
	const entry *cr = h ? find(e, h->parent) : NULL;
	bool changed = set_if(&f->folder, path);
	changed |= set_if(&f->datacenter, dc);
	changed |= set_if(&f->host, h ? h->name : NULL);
	changed |= set_if(&f->cluster, cr && cr->kind == K_CLUSTER ? cr->name : NULL);
	unlock(e);
	free(path);
	return changed;
}
