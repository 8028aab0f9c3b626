#include "vsphere/inventory.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/propcol.h"
#include "vsphere/task.h"

/* ---- scan ---- */

typedef struct {
	const char *const *globs;
	size_t n_globs;
	size_t *matches;
	vm_facts *v;
	size_t n, cap;
	bool open; /* v[n] is the VM being read */
	inventory_vm_fn on_vm; /* set: kept VMs go there, not into v */
	void *on_vm_ctx;
	inventory_val *val;    /* the value being read */
	estate *estate;        /* where the VMs live */
	vm_facts *held;        /* on_vm: kept VMs whose location is not complete yet */
	size_t n_held, cap_held;
} scan_ctx;

/* A complete VM (owned by the caller): kept if a glob matches its name, else freed. With
 * on_vm, it goes there as soon as its location resolves (objects come in any order: a VM
 * whose folder or host is not in yet waits for the end of the retrieval). */
static void scan_keep(scan_ctx *s, vm_facts *f)
{
	bool keep = s->n_globs == 0;
	for (size_t i = 0; i < s->n_globs; i++) {
		if (f->name && fnmatch(s->globs[i], f->name, 0) == 0) {
			keep = true;
			if (s->matches)
				s->matches[i]++;
		}
	}
	if (keep && s->on_vm && !estate_complete(s->estate, f->moref)) {
		s->held = xgrow(s->held, &s->cap_held, s->n_held + 1, sizeof *s->held);
		s->held[s->n_held++] = *f;
	} else if (keep && s->on_vm) {
		estate_resolve(s->estate, f);
		s->on_vm(s->on_vm_ctx, f); /* ownership moves */
	} else if (keep) {
		if (f != &s->v[s->n]) {
			s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
			s->v[s->n] = *f;
		}
		s->n++;
	} else {
		model_vm_facts_done(f);
	}
}

/* The VM being read is complete: keep it if a glob matches its name. */
static void scan_close(scan_ctx *s)
{
	if (!s->open)
		return;
	s->open = false;
	scan_keep(s, &s->v[s->n]); /* the slot is reused when it is not kept */
}

/* Properties of one object arrive together: a new moref means the previous VM is done. */
static vm_facts *scan_vm(scan_ctx *s, const char *moref)
{
	if (s->open && strcmp(s->v[s->n].moref, moref) == 0)
		return &s->v[s->n];
	scan_close(s);
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
	inventory_facts_begin(&s->v[s->n], moref);
	s->open = true;
	return &s->v[s->n];
}

static bool is_vm(const char *obj_type)
{
	return !*obj_type || !strcmp(obj_type, "VirtualMachine");
}

/* The scan's sink: values arrive as SAX events (vs_retrieve_stream), a VM's into its facts,
 * the containers' into the estate. */
static int scan_begin(void *ctx, const char *obj_type, const char *moref, const char *prop,
		      vs_error *err)
{
	scan_ctx *s = ctx;
	vm_facts *f = is_vm(obj_type) ? scan_vm(s, moref) : NULL;
	return inventory_val_begin_any(s->val, s->estate, obj_type, moref, f, prop) ? 1 : 0;
}

static void scan_start(void *ctx, int depth, const char *name, const char *xsi_type)
{
	inventory_val_start(((scan_ctx *)ctx)->val, depth, name, xsi_type);
}

static void scan_text(void *ctx, const char *t, size_t n)
{
	inventory_val_text(((scan_ctx *)ctx)->val, t, n);
}

static void scan_end(void *ctx, int depth, const char *name)
{
	inventory_val_end(((scan_ctx *)ctx)->val, depth, name);
}

static int scan_finish(void *ctx, vs_error *err)
{
	inventory_val_finish(((scan_ctx *)ctx)->val);
	return 0;
}

static void scan_abort(void *ctx)
{
	inventory_val_abort(((scan_ctx *)ctx)->val);
}

/* A container whose name or parent is not readable leaves the VMs under it without that
 * part of their location (NULL: not known), which is what estate resolves to. */
static int scan_missing(void *ctx, const char *obj_type, const char *moref, const char *path,
			const char *fault, const char *message, vs_error *err)
{
	if (is_vm(obj_type) && !estate_vm_path(path))
		inventory_apply_missing(scan_vm(ctx, moref), path, fault, message);
	else if (is_vm(obj_type))
		scan_vm(ctx, moref);
	return 0;
}

int inventory_compare_by_name(const vm_facts *x, const vm_facts *y)
{
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : strcmp(x->moref, y->moref);
}

static int by_name(const void *a, const void *b)
{
	return inventory_compare_by_name(a, b);
}

void inventory_free(vm_facts *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		model_vm_facts_done(&v[i]);
	free(v);
}

static const vs_val_sink scan_sink = {
	.begin = scan_begin,
	.start = scan_start,
	.text = scan_text,
	.end = scan_end,
	.finish = scan_finish,
	.abort = scan_abort,
	.on_missing_typed = scan_missing,
};

/* One retrieval over a ContainerView of every VM and container into s, then every kept VM's
 * location resolved; on failure nothing is kept. */
static int retrieve_all(vs_conn *c, scan_ctx *s, vs_error *err)
{
	if (s->matches)
		memset(s->matches, 0, s->n_globs * sizeof *s->matches);
	/* Two views, the containers' filter first: VMs then find their location known as they
	 * complete, and go on at once (inventory_scan_each). */
	char vm_view[VS_MOREF_MAX], c_view[VS_MOREF_MAX];
	size_t n_types, n_specs;
	const char *const *types = estate_container_types(&n_types);
	const vs_prop_spec *specs = inventory_specs(&n_specs);
	if (vs_view_create(c, "VirtualMachine", vm_view, sizeof vm_view, err) < 0)
		return -1;
	vs_error ignored;
	vs_error_clear(&ignored);
	if (vs_view_create_types(c, types, n_types, c_view, sizeof c_view, err) < 0) {
		vs_view_destroy(c, vm_view, &ignored);
		return -1;
	}
	vs_view_filter filters[] = {
		{ c_view, specs + 1, n_specs - 1 },   /* the containers' specs follow the VM's */
		{ vm_view, specs, 1 },
	};
	s->val = inventory_val_new();
	s->estate = estate_new();
	estate_set_root(s->estate, vs_propcol_content(c)->root_folder);
	int ret = vs_retrieve_stream(c, filters, 2, INVENTORY_PAGE_SIZE, &scan_sink, s, err);
	inventory_val_free(s->val);
	s->val = NULL;
	/* the session's end frees them anyway */
	vs_view_destroy(c, c_view, &ignored);
	vs_view_destroy(c, vm_view, &ignored);
	if (ret == 0)
		scan_close(s);
	for (size_t i = 0; i < s->n_held; i++) { /* everything is in now */
		if (ret == 0) {
			estate_resolve(s->estate, &s->held[i]);
			s->on_vm(s->on_vm_ctx, &s->held[i]);
		} else {
			model_vm_facts_done(&s->held[i]);
		}
	}
	free(s->held);
	s->held = NULL;
	s->n_held = 0;
	for (size_t i = 0; ret == 0 && i < s->n; i++)
		estate_resolve(s->estate, &s->v[i]);
	estate_free(s->estate);
	s->estate = NULL;
	if (ret < 0) {
		if (s->open)
			model_vm_facts_done(&s->v[s->n]);
		inventory_free(s->v, s->n);
		s->v = NULL;
		s->n = 0;
		if (s->matches)
			memset(s->matches, 0, s->n_globs * sizeof *s->matches);
		return -1;
	}
	return 0;
}

int inventory_scan_each(vs_conn *c, const char *const *name_globs, size_t n_globs,
			size_t *glob_matches, inventory_vm_fn on_vm, void *ctx, vs_error *err)
{
	scan_ctx s = { .globs = name_globs, .n_globs = n_globs, .matches = glob_matches,
		       .on_vm = on_vm, .on_vm_ctx = ctx };
	int ret = retrieve_all(c, &s, err);
	free(s.v);
	return ret;
}

int inventory_scan(vs_conn *c, const char *const *name_globs, size_t n_globs,
		   size_t *glob_matches, vm_facts **out, size_t *n_out, vs_error *err)
{
	*out = NULL;
	*n_out = 0;
	scan_ctx s = { .globs = name_globs, .n_globs = n_globs, .matches = glob_matches };
	if (retrieve_all(c, &s, err) < 0)
		return -1;
	if (s.n) {
		qsort(s.v, s.n, sizeof *s.v, by_name);
		s.v = xrealloc(s.v, s.n * sizeof *s.v);
	} else {
		free(s.v);
		s.v = NULL;
	}
	*out = s.v;
	*n_out = s.n;
	return 0;
}

/* ---- R22: running Tools upgrades ---- */

static bool upgrade_in_flight(const vs_task_result *t)
{
	return t->entity[0] && strcmp(t->description_id, "VirtualMachine.upgradeTools") == 0 &&
	       (t->state == VS_TASK_RUNNING || t->state == VS_TASK_QUEUED);
}

int inventory_read_tools_upgrades(vs_conn *c, inventory_upgrades *u, vs_error *err)
{
	memset(u, 0, sizeof *u);
	vs_task_result *t = NULL;
	size_t n = 0;
	if (vs_recent_tasks(c, &t, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (upgrade_in_flight(&t[i])) {
			u->morefs = xgrow(u->morefs, &u->cap, u->n + 1, sizeof *u->morefs);
			u->morefs[u->n++] = xstrdup(t[i].entity);
		}
	vs_task_results_free(t, n);
	return 0;
}

int inventory_running_tools_upgrades(vs_conn *c, vm_facts *v, size_t n, vs_error *err)
{
	inventory_upgrades u;
	for (size_t i = 0; i < n; i++)
		v[i].tools_upgrade_running = false;
	if (inventory_read_tools_upgrades(c, &u, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i].tools_upgrade_running = inventory_upgrades_has(&u, v[i].moref);
	inventory_upgrades_done(&u);
	return 0;
}

bool inventory_upgrades_has(const inventory_upgrades *u, const char *moref)
{
	for (size_t i = 0; moref && i < u->n; i++)
		if (strcmp(u->morefs[i], moref) == 0)
			return true;
	return false;
}

void inventory_upgrades_done(inventory_upgrades *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->morefs[i]);
	free(u->morefs);
	memset(u, 0, sizeof *u);
}
