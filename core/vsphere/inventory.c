#include "vsphere/inventory.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/propcol.h"
#include "vsphere/task.h"

/* ---- scan ---- */

/* The inventory is read in two steps. First one retrieval (over the main connection) reads
 * every container's name and parent, and the list of VMs (the VM view's own "view"), so the
 * estate is whole before any VM comes. Then the VMs, split into up to inventory_streams
 * slices read at once, each over its own connection: vCenter answers concurrent retrievals
 * in parallel, so the scan waits for the slowest slice rather than for the sum of them. */

/* What the slices share: the kept VMs and the glob counters under mu, the estate (whole
 * before the first VM; it locks itself), and whether a slice failed. */
typedef struct {
	const char *const *globs;
	size_t n_globs;
	size_t *matches;
	vm_facts *v;
	size_t n, cap;
	inventory_vm_fn on_vm; /* set: kept VMs go there, not into v */
	void *on_vm_ctx;
	estate *estate;        /* where the VMs live */
	pthread_mutex_t mu;
	atomic_bool failed;    /* a slice failed: the others stop at their next value */
} scan_ctx;

/* One retrieval's reading state: the value being read, the VM being built. */
typedef struct {
	scan_ctx *s;
	inventory_val *val;
	vm_facts cur;
	bool open;             /* cur is the VM being read */
	/* the first step's list of VMs (the view's "view" value) */
	bool in_list, list_missing;
	int list_depth;
	strbuf item;
	char **list;
	size_t n_list, cap_list;
	/* a slice's retrieval */
	vs_conn *c;
	vs_view_filter filter;
	int rc;
	bool fetch_ahead;      /* the only slice: the next page is fetched while this one is parsed */
	bool stopped;          /* stopped because another slice failed */
	vs_error err;
} scan_part;

static int n_streams = INVENTORY_STREAMS;

void inventory_set_streams(int n)
{
	n_streams = n < 1 ? 1 : n > INVENTORY_STREAMS_MAX ? INVENTORY_STREAMS_MAX : n;
}

/* A complete VM (owned by the caller), under s->mu: kept if a glob matches its name, with
 * its location (the estate is whole by then), else freed. With on_vm, it goes there at once. */
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
	if (keep)
		estate_resolve(s->estate, f);
	if (keep && s->on_vm) {
		s->on_vm(s->on_vm_ctx, f); /* ownership moves */
	} else if (keep) {
		s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
		s->v[s->n++] = *f;
	} else {
		model_vm_facts_done(f);
	}
}

/* The VM being read is complete. */
static void scan_close(scan_part *p)
{
	if (!p->open)
		return;
	p->open = false;
	pthread_mutex_lock(&p->s->mu);
	scan_keep(p->s, &p->cur);
	pthread_mutex_unlock(&p->s->mu);
}

/* Properties of one object arrive together: a new moref means the previous VM is done. */
static vm_facts *scan_vm(scan_part *p, const char *moref)
{
	if (p->open && strcmp(p->cur.moref, moref) == 0)
		return &p->cur;
	scan_close(p);
	inventory_facts_begin(&p->cur, moref);
	p->open = true;
	return &p->cur;
}

static bool is_vm(const char *obj_type)
{
	return !*obj_type || !strcmp(obj_type, "VirtualMachine");
}

/* The scan's sink: values arrive as SAX events (vs_retrieve_stream), a VM's into its facts,
 * the containers' into the estate, the VM view's list into p->list. */
static int scan_begin(void *ctx, const char *obj_type, const char *moref, const char *prop,
		      vs_error *err)
{
	scan_part *p = ctx;

	if (!strcmp(obj_type, "ContainerView")) {
		p->in_list = !strcmp(prop, "view");
		p->list_depth = -1;
		return p->in_list ? 1 : 0;
	}
	if (atomic_load_explicit(&p->s->failed, memory_order_relaxed)) {
		p->stopped = true;
		return vs_fail(err, VS_ERR_CANCELLED, "Another part of the inventory could not be read.");
	}
	vm_facts *f = is_vm(obj_type) ? scan_vm(p, moref) : NULL;
	return inventory_val_begin_any(p->val, p->s->estate, obj_type, moref, f, prop) ? 1 : 0;
}

static void scan_start(void *ctx, int depth, const char *name, const char *xsi_type)
{
	scan_part *p = ctx;
	if (!p->in_list) {
		inventory_val_start(p->val, depth, name, xsi_type);
		return;
	}
	p->list_depth = depth;
	if (depth == 1)
		strbuf_reset(&p->item);
}

static void scan_text(void *ctx, const char *t, size_t n)
{
	scan_part *p = ctx;
	if (!p->in_list)
		inventory_val_text(p->val, t, n);
	else if (p->list_depth == 1)
		strbuf_add(&p->item, t, n);
}

static void scan_end(void *ctx, int depth, const char *name)
{
	scan_part *p = ctx;
	if (!p->in_list) {
		inventory_val_end(p->val, depth, name);
		return;
	}
	if (depth == 1 && p->item.len) {
		p->list = xgrow(p->list, &p->cap_list, p->n_list + 1, sizeof *p->list);
		p->list[p->n_list++] = xstrdup(p->item.buf);
	}
	p->list_depth = depth - 1;
}

static int scan_finish(void *ctx, vs_error *err)
{
	scan_part *p = ctx;
	if (p->in_list)
		p->in_list = false;
	else
		inventory_val_finish(p->val);
	return 0;
}

static void scan_abort(void *ctx)
{
	scan_part *p = ctx;
	if (p->in_list)
		p->in_list = false;
	else
		inventory_val_abort(p->val);
}

/* A container whose name or parent is not readable leaves the VMs under it without that
 * part of their location (NULL: not known), which is what estate resolves to. */
static int scan_missing(void *ctx, const char *obj_type, const char *moref, const char *path,
			const char *fault, const char *message, vs_error *err)
{
	scan_part *p = ctx;
	if (!strcmp(obj_type, "ContainerView")) {
		p->list_missing = true;
	} else if (is_vm(obj_type) && !strcmp(fault, "ManagedObjectNotFound")) {
		/* deleted since the list was read: gone, not unknown */
		if (p->open && !strcmp(p->cur.moref, moref)) {
			model_vm_facts_done(&p->cur);
			p->open = false;
		}
	} else if (is_vm(obj_type) && !estate_vm_path(path)) {
		inventory_apply_missing(scan_vm(p, moref), path, fault, message);
	} else if (is_vm(obj_type)) {
		scan_vm(p, moref);
	}
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

static void part_init(scan_part *p, scan_ctx *s)
{
	memset(p, 0, sizeof *p);
	p->s = s;
	p->val = inventory_val_new();
	strbuf_init(&p->item);
	vs_error_clear(&p->err);
}

static void part_done(scan_part *p)
{
	if (p->open)
		model_vm_facts_done(&p->cur);
	inventory_val_free(p->val);
	strbuf_done(&p->item);
	for (size_t i = 0; i < p->n_list; i++)
		free(p->list[i]);
	free(p->list);
}

/* One slice's retrieval (a thread's body, or called in place for a single slice). */
static void *read_slice(void *arg)
{
	scan_part *p = arg;
	p->rc = vs_retrieve_stream(p->c, &p->filter, 1, INVENTORY_PAGE_SIZE, p->fetch_ahead,
				   &scan_sink, p, &p->err);
	if (p->rc == 0)
		scan_close(p);
	if (p->rc < 0)
		atomic_store(&p->s->failed, true);
	return NULL;
}

/* The VMs listed, in up to n_streams slices read at once. 0, or -1 with err (the first
 * slice's own failure, not a slice stopped because of it). */
static int read_vms(vs_conn *c, scan_ctx *s, char **list, size_t n, vs_error *err)
{
	static const char *const vm_type = "VirtualMachine";
	const vs_prop_spec *specs = inventory_specs(&(size_t){ 0 });
	size_t pages = (n + INVENTORY_PAGE_SIZE - 1) / INVENTORY_PAGE_SIZE;
	size_t k = pages < (size_t)n_streams ? pages : (size_t)n_streams;
	if (k == 0)
		return 0;
	if (!c)
		k = 1;   /* the unit tests' canned transport: one connection, one sequence */
	scan_part *parts = xcalloc(k, sizeof *parts);
	pthread_t *threads = xcalloc(k, sizeof *threads);
	bool *started = xcalloc(k, sizeof *started);
	for (size_t i = 0; i < k; i++) {
		scan_part *p = &parts[i];
		part_init(p, s);
		size_t from = n * i / k, to = n * (i + 1) / k;
		p->filter = (vs_view_filter){ .specs = specs, .n_specs = 1, .obj_type = vm_type,
					      .objs = (const char *const *)list + from,
					      .n_objs = to - from };
		p->fetch_ahead = k == 1;
		p->c = i == 0 ? c : vs_conn_new(vs_conn_session(c), &p->err);
		if (i > 0 && !p->c) {
			p->rc = -1;
			atomic_store(&s->failed, true);   /* the slices already started stop */
			continue;
		}
		if (i > 0)
			started[i] = pthread_create(&threads[i], NULL, read_slice, p) == 0;
		if (i > 0 && !started[i])
			read_slice(p);   /* no thread: in turn, after the others */
	}
	read_slice(&parts[0]);
	for (size_t i = 0; i < k; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
	/* the failure to tell: a slice's own, before one that only stopped because of it */
	const vs_error *why = NULL;
	for (size_t i = 0; i < k && !why; i++)
		if (parts[i].rc < 0 && !parts[i].stopped)
			why = &parts[i].err;
	for (size_t i = 0; i < k && !why; i++)
		if (parts[i].rc < 0)
			why = &parts[i].err;
	int ret = why ? -1 : 0;
	if (why && err)
		*err = *why;
	for (size_t i = 0; i < k; i++) {
		if (i > 0 && parts[i].c)
			vs_conn_free(parts[i].c);
		part_done(&parts[i]);
	}
	free(parts);
	free(threads);
	free(started);
	return ret;
}

/* The containers and the list of VMs in one retrieval, then the VMs; every kept VM's
 * location resolved; on failure nothing is kept. */
static int retrieve_all(vs_conn *c, scan_ctx *s, vs_error *err)
{
	if (s->matches)
		memset(s->matches, 0, s->n_globs * sizeof *s->matches);
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
	static const char *const view_path[] = { "view" };
	static const vs_prop_spec view_spec = { "ContainerView", view_path, 1 };
	const char *const vm_views[] = { vm_view };
	vs_view_filter filters[] = {
		{ .view_moref = c_view, .specs = specs + 1, .n_specs = n_specs - 1 },
		{ .specs = &view_spec, .n_specs = 1, .obj_type = "ContainerView", .objs = vm_views,
		  .n_objs = 1 },
	};
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->failed, false);
	s->estate = estate_new();
	estate_set_root(s->estate, vs_propcol_content(c)->root_folder);
	scan_part first;
	part_init(&first, s);
	int ret = vs_retrieve_stream(c, filters, 2, INVENTORY_PAGE_SIZE, true, &scan_sink, &first,
				     err);
	if (ret == 0)
		scan_close(&first);   /* VMs only come here from a server that ignores the filter */
	if (ret == 0 && first.list_missing)
		ret = vs_fail(err, VS_ERR_FAULT, "vCenter did not say which VMs there are (the "
			      "view of every VM could not be read).");
	if (ret == 0)
		ret = read_vms(c, s, first.list, first.n_list, err);
	part_done(&first);
	/* the session's end frees them anyway */
	vs_view_destroy(c, c_view, &ignored);
	vs_view_destroy(c, vm_view, &ignored);
	estate_free(s->estate);
	s->estate = NULL;
	pthread_mutex_destroy(&s->mu);
	if (ret < 0) {
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
