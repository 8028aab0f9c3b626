#include "tui/watcher.h"
#include "util/intern.h"
#include "util/xalloc.h"
#include "vsphere/inventory.h"
#include "vsphere/propcol.h"
#include "util/monoclock.h"

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_S 20

/* The mirror keeps what vCenter says of a VM: the part of vm_facts before the history and
 * guest facts (enable_uuid_set_at on, which neither inventory nor estate writes), 232 of its
 * 592 bytes; at 50,000 VMs the rest would be 18 MB of empty guest probes and histories. The
 * bytes are a vm_facts's own, loaded into a whole one (model_vm_facts_init's tail) to be read
 * or changed: the VM whose changes are being read is held loaded (watcher.cur). */
#define VC_PART offsetof(vm_facts, enable_uuid_set_at)

typedef struct {
	unsigned char part[VC_PART];
	bool changed;
} mirror_vm;

/* Objects per WaitForUpdatesEx answer (WaitOptions.maxObjectUpdates), like a scan page. */
#define WATCH_PIECE INVENTORY_PAGE_SIZE

/* VMs' copies per message to the UI (about 600 KB). */
#define POST_PIECE 1000

struct watcher {
	pthread_t thread;
	vs_session *s;
	msgq *q;
	unsigned vc;             /* which vCenter of the console: every message says it */
	atomic_bool stop;
	vs_conn *conn;
	vs_updates u;
	pthread_mutex_t lock;    /* guards `u` and `conn` for watcher_stop's cancel */
	bool have_updates;
	mirror_vm *vms;
	size_t n, cap;
	vm_facts cur;            /* vms[cur_at] loaded, being changed (its bytes there are stale) */
	size_t cur_at;           /* SIZE_MAX: none loaded */
	size_t *slots;           /* moref -> position in vms (open addressing; SIZE_MAX: empty) */
	size_t n_slots;
	size_t *dirty;           /* positions of the VMs changed since the last post, once each */
	size_t n_dirty, cap_dirty;
	bool dirty_all;          /* positions moved (a VM left): post looks at every VM */
	char **gone;
	size_t n_gone, cap_gone;
	size_t last;             /* index of the object being delivered (its properties follow) */
	bool full;               /* delivering the initial state: every object is new */
	inventory_val *val;      /* the property value being read */
	estate *estate;          /* folders, datacenters, clusters, hosts: where VMs live */
	bool estate_dirty;       /* a container changed: every VM's location is resolved again */
	char obj_type[32];       /* of the object being delivered */
	const char *dump;        /* QUIESCENT_WATCH_DUMP: the mirror's power states, for load tests */
	bool dump_dirty;
	time_t dump_at;
};

/* A whole vm_facts of m's bytes (sharing m's strings: read it, or store it back). */
static void mirror_load(const mirror_vm *m, vm_facts *f)
{
	model_vm_facts_init(f);
	memcpy(f, m->part, VC_PART);
}

static void mirror_store(mirror_vm *m, const vm_facts *f)
{
	memcpy(m->part, f, VC_PART);
}

static const char *mirror_moref(const mirror_vm *m)
{
	char *moref;
	memcpy(&moref, m->part + offsetof(vm_facts, moref), sizeof moref);
	return moref;
}

/* The loaded VM's changes stored back in the mirror. */
static void unload(watcher *w)
{
	if (w->cur_at == SIZE_MAX)
		return;
	mirror_store(&w->vms[w->cur_at], &w->cur);
	w->cur_at = SIZE_MAX;
}

/* vms[i] loaded to be changed (the one loaded before stored back). */
static vm_facts *load(watcher *w, size_t i)
{
	if (w->cur_at != i) {
		unload(w);
		mirror_load(&w->vms[i], &w->cur);
		w->cur_at = i;
	}
	return &w->cur;
}

/* Frees what m holds. */
static void mirror_free(mirror_vm *m)
{
	vm_facts f;
	mirror_load(m, &f);
	model_vm_facts_done(&f);
}

static void index_put(watcher *w, size_t i)
{
	size_t h = intern_hash(mirror_moref(&w->vms[i])) & (w->n_slots - 1);
	while (w->slots[h] != SIZE_MAX)
		h = (h + 1) & (w->n_slots - 1);
	w->slots[h] = i;
}

/* The moref index of the mirror, sized for want VMs (a change then finds its VM in O(1), not by
 * comparing every moref: 50,000 VMs churning would make that the watcher's main cost). */
static void index_rebuild(watcher *w, size_t want)
{
	size_t n = 64;
	while (n < want * 2)
		n *= 2;
	free(w->slots);
	w->slots = xmalloc(n * sizeof *w->slots);
	for (size_t i = 0; i < n; i++)
		w->slots[i] = SIZE_MAX;
	w->n_slots = n;
	for (size_t i = 0; i < w->n; i++)
		index_put(w, i);
}

static mirror_vm *find(watcher *w, const char *moref)
{
	if (w->last < w->n && !strcmp(mirror_moref(&w->vms[w->last]), moref))
		return &w->vms[w->last];
	if (w->full || !w->n_slots)
		return NULL; /* the initial state: each object comes once */
	for (size_t h = intern_hash(moref) & (w->n_slots - 1); w->slots[h] != SIZE_MAX;
	     h = (h + 1) & (w->n_slots - 1)) {
		if (!strcmp(mirror_moref(&w->vms[w->slots[h]]), moref)) {
			w->last = w->slots[h];
			return &w->vms[w->last];
		}
	}
	return NULL;
}

/* m changed: the next post sends it. */
static void mark_changed(watcher *w, mirror_vm *m)
{
	if (m->changed)
		return;
	m->changed = true;
	w->dirty = xgrow(w->dirty, &w->cap_dirty, w->n_dirty + 1, sizeof *w->dirty);
	w->dirty[w->n_dirty++] = (size_t)(m - w->vms);
}

static bool is_vm(const char *obj_type)
{
	return !*obj_type || !strcmp(obj_type, "VirtualMachine");
}

/* An object entered, changed or left (its changes follow). */
static int on_object(void *ctx, const char *obj_type, const char *moref, vs_obj_kind kind,
		     vs_error *err)
{
	watcher *w = ctx;
	unload(w); /* the last object's changes are all in */
	snprintf(w->obj_type, sizeof w->obj_type, "%s", obj_type);
	if (!is_vm(obj_type)) {
		if (kind == VS_OBJ_LEAVE)
			estate_forget(w->estate, moref);
		w->estate_dirty = true;
		return 0;
	}
	mirror_vm *m = find(w, moref);
	if (kind == VS_OBJ_LEAVE) {
		estate_forget(w->estate, moref);
		if (m) {
			mirror_free(m);
			*m = w->vms[--w->n];
			w->last = (size_t)-1;
			index_rebuild(w, w->n);
			w->dirty_all = true; /* a position moved */
		}
		w->gone = xgrow(w->gone, &w->cap_gone, w->n_gone + 1, sizeof *w->gone);
		w->gone[w->n_gone++] = xstrdup(moref);
		return 0;
	}
	if (!m) {
		w->vms = xgrow(w->vms, &w->cap, w->n + 1, sizeof *w->vms);
		m = &w->vms[w->n++];
		memset(m, 0, sizeof *m);
		vm_facts f;
		inventory_facts_begin(&f, moref);
		mirror_store(m, &f); /* the rest is model_vm_facts_init's: nothing allocated */
		w->last = w->n - 1;
		if (w->n * 2 > w->n_slots)
			index_rebuild(w, w->n);
		else
			index_put(w, w->n - 1);
	}
	mark_changed(w, m);
	return 0;
}

/* A property changed: its value comes as events into inventory's one mapping. */
static int on_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		     vs_change_op op, bool has_val, vs_error *err)
{
	watcher *w = ctx;
	bool vm = is_vm(w->obj_type);
	mirror_vm *m = vm ? find(w, moref) : NULL;
	if (vm && !m)
		return 0;
	vm_facts *f = NULL;
	if (m) {
		mark_changed(w, m);
		f = load(w, (size_t)(m - w->vms)); /* held until the next object: a value's parse
						    * writes into it when it ends */
	} else {
		w->estate_dirty = true;
	}
	bool removed = op == VS_OP_REMOVE || op == VS_OP_INDIRECT_REMOVE;
	if (!has_val || removed) {
		if (f && !estate_vm_path(prop))
			inventory_apply_change(f, prop, NULL);
		else
			estate_set(w->estate, vm ? "VirtualMachine" : w->obj_type, moref, prop, NULL);
		return 0;
	}
	return inventory_val_begin_any(w->val, w->estate, w->obj_type, moref, f, prop) ? 1 : 0;
}

static void on_val_start(void *ctx, int depth, const char *name, const char *xsi_type)
{
	inventory_val_start(((watcher *)ctx)->val, depth, name, xsi_type);
}

static void on_val_text(void *ctx, const char *t, size_t n)
{
	inventory_val_text(((watcher *)ctx)->val, t, n);
}

static void on_val_end(void *ctx, int depth, const char *name)
{
	inventory_val_end(((watcher *)ctx)->val, depth, name);
}

static int on_val_finish(void *ctx, vs_error *err)
{
	inventory_val_finish(((watcher *)ctx)->val);
	return 0;
}

static void on_val_abort(void *ctx)
{
	inventory_val_abort(((watcher *)ctx)->val);
}

static int on_missing(void *ctx, const char *moref, const char *path, const char *fault,
		      const char *message, vs_error *err)
{
	watcher *w = ctx;
	mirror_vm *m = find(w, moref);
	if (m) {
		inventory_apply_missing(load(w, (size_t)(m - w->vms)), path, fault, message);
		mark_changed(w, m);
	}
	return 0;
}

static const vs_update_sink update_sink = {
	.object = on_object,
	.change = on_change,
	.val = {
		.start = on_val_start,
		.text = on_val_text,
		.end = on_val_end,
		.finish = on_val_finish,
		.abort = on_val_abort,
		.on_missing = on_missing,
	},
};

static void post_changes(watcher *w, bool full)
{
	/* Locations: of the VMs that changed (a move), or of all when a container changed. When
	 * neither a container changed nor a VM left, the changed VMs are those of the dirty list:
	 * a post costs the changes, not the fleet. */
	unload(w);
	bool all = w->estate_dirty || w->dirty_all;
	size_t n_look = all ? w->n : w->n_dirty;
	for (size_t k = 0; k < n_look; k++) {
		size_t i = all ? k : w->dirty[k];
		if (!w->estate_dirty && !w->vms[i].changed)
			continue;
		vm_facts f;
		mirror_load(&w->vms[i], &f);
		if (estate_resolve(w->estate, &f)) {
			mirror_store(&w->vms[i], &f);
			w->vms[i].changed = true;
		}
	}
	w->estate_dirty = false;
	size_t n = 0;
	for (size_t k = 0; k < n_look; k++)
		n += w->vms[all ? k : w->dirty[k]].changed;
	/* Posted in pieces of at most POST_PIECE copies, each once the UI has taken the one before:
	 * a full sync of 50,000 VMs in one message was 30 MB of copies beside the fleet they
	 * replace (issue 18's RSS spike); in pieces the copies cost a piece and the fleet's facts
	 * are replaced as they come. The pieces are near equal, so a big post has no piece of 3
	 * or fewer (the UI names the VMs of a post that small). */
	size_t pieces = (n + POST_PIECE - 1) / POST_PIECE, k = 0;
	for (size_t p = 0; p < pieces && !atomic_load(&w->stop); p++) {
		size_t want = n / pieces + (p < n % pieces);
		msg *m = msg_new(MSG_VM_UPDATE);
		m->vc = w->vc;
		m->facts = xcalloc(want, sizeof *m->facts);
		m->full_sync = full;
		m->sync_first = full && p == 0;
		m->sync_last = full && p == pieces - 1;
		for (; k < n_look && m->n < want; k++) {
			size_t i = all ? k : w->dirty[k];
			if (!w->vms[i].changed)
				continue;
			vm_facts f;
			mirror_load(&w->vms[i], &f);
			model_vm_facts_copy(&m->facts[m->n++], &f);
			w->vms[i].changed = false;
		}
		msgq_wait_facts_below(w->q, 1, &w->stop);
		msgq_post(w->q, m);
	}
	for (; k < n_look; k++) /* stopped between pieces: nothing more goes out */
		w->vms[all ? k : w->dirty[k]].changed = false;
	w->n_dirty = 0;
	w->dirty_all = false;
	if (w->n_gone) {
		msg *m = msg_new(MSG_VM_GONE);
		m->vc = w->vc;
		m->morefs = w->gone;
		m->n = w->n_gone;
		w->gone = NULL;
		w->n_gone = w->cap_gone = 0;
		msgq_post(w->q, m);
	}
}

/* QUIESCENT_WATCH_DUMP=FILE (load tests): "moref power name" per VM of the mirror the console
 * is fed from, replaced atomically at most once a second, and after a quiet wait. */
static void dump_mirror(watcher *w, bool quiet)
{
	time_t now = time(NULL);
	if (!w->dump || (!quiet && (!w->dump_dirty || now - w->dump_at < 1)))
		return;
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", w->dump);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	unload(w);
	for (size_t i = 0; i < w->n; i++) {
		vm_facts vm;
		mirror_load(&w->vms[i], &vm);
		fprintf(f, "%s %s %s\n", vm.moref, model_power_name(vm.power), vm.name ? vm.name : "");
	}
	if (fclose(f) == 0 && rename(tmp, w->dump) == 0) {
		w->dump_dirty = false;
		w->dump_at = now;
	}
}

static void conn_state(watcher *w, bool ok, const char *text)
{
	msg *m = msg_new(MSG_CONN);
	m->vc = w->vc;
	m->conn_ok = ok;
	m->text = xstrdup(text);
	msgq_post(w->q, m);
}

static void nap(watcher *w, int seconds)
{
	for (int i = 0; i < seconds * 10 && !atomic_load(&w->stop); i++) {
		monoclock_sleep(0.1);
	}
}

/* Creates view + filter. 0 or -1 with err. */
static int setup(watcher *w, char *view, size_t vn, vs_error *err)
{
	size_t n_types, n_specs;
	const char *const *types = inventory_view_types(&n_types);
	const vs_prop_spec *specs = inventory_specs(&n_specs);
	if (!w->conn && !(w->conn = vs_conn_new(w->s, err)))
		return -1;
	if (vs_view_create_types(w->conn, types, n_types, view, vn, err) < 0)
		return -1;
	vs_updates u;
	memset(&u, 0, sizeof u);
	if (vs_updates_create_specs(w->conn, view, specs, n_specs, &u, err) < 0)
		return -1;
	estate_free(w->estate); /* a fresh watch: the full state comes again */
	w->estate = estate_new();
	estate_set_root(w->estate, vs_propcol_content(w->conn)->root_folder);
	/* The first answer is every VM: in pieces, it never sits whole in memory. */
	u.max_object_updates = WATCH_PIECE;
	pthread_mutex_lock(&w->lock);
	w->u = u;
	w->have_updates = true;
	pthread_mutex_unlock(&w->lock);
	/* a fresh watch starts with the full state: forget the old mirror */
	unload(w);
	for (size_t i = 0; i < w->n; i++)
		mirror_free(&w->vms[i]);
	w->n = 0;
	w->n_dirty = 0;
	w->dirty_all = false;
	index_rebuild(w, 0);
	return 0;
}

static void *run(void *p)
{
	watcher *w = p;
	char view[VS_MOREF_MAX] = "";
	char version[256] = "";
	bool lost = false;
	int backoff = 1;
	while (!atomic_load(&w->stop)) {
		vs_error err;
		vs_error_clear(&err);
		if (!w->have_updates) {
			if (lost && vs_session_keepalive(w->conn, &err) < 0) {
				nap(w, backoff);
				backoff = backoff < 16 ? backoff * 2 : 30;
				continue;
			}
			if (setup(w, view, sizeof view, &err) < 0) {
				if (atomic_load(&w->stop))
					break;
				if (!lost)
					conn_state(w, false, err.message);
				lost = true;
				nap(w, backoff);
				backoff = backoff < 16 ? backoff * 2 : 30;
				continue;
			}
			if (lost)
				conn_state(w, true, "reconnected: following live changes again");
			lost = false;
			backoff = 1;
			version[0] = '\0';
		}
		bool full = version[0] == '\0';
		w->full = full;
		w->last = (size_t)-1;
		int rc = vs_wait_updates_stream(w->conn, &w->u, version, version, sizeof version,
						WAIT_S, &update_sink, w, &err);
		if (atomic_load(&w->stop))
			break;
		if (rc >= 0) {
			bool quiet = !w->n_dirty;
			w->dump_dirty |= !quiet;
			post_changes(w, full);
			dump_mirror(w, quiet);
			continue;
		}
		post_changes(w, full); /* what arrived before the failure */
		if (err.kind == VS_ERR_CANCELLED)
			continue;      /* Ctrl-C cancelled another operation: keep watching */
		/* the session or the network broke: say so, then log in again and re-create */
		char text[700];
		snprintf(text, sizeof text, "connection lost (%s); reconnecting", err.message);
		conn_state(w, false, text);
		lost = true;
		pthread_mutex_lock(&w->lock);
		w->have_updates = false;
		pthread_mutex_unlock(&w->lock);
		nap(w, backoff);
	}
	return NULL;
}

watcher *watcher_start(vs_session *s, msgq *q, unsigned vc)
{
	watcher *w = xcalloc(1, sizeof *w);
	w->s = s;
	w->q = q;
	w->vc = vc;
	w->cur_at = SIZE_MAX;
	w->dump = getenv("QUIESCENT_WATCH_DUMP");
	atomic_init(&w->stop, false);
	pthread_mutex_init(&w->lock, NULL);
	w->val = inventory_val_new();
	w->estate = estate_new();
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		inventory_val_free(w->val);
		estate_free(w->estate);
		free(w);
		return NULL;
	}
	return w;
}

void watcher_stop(watcher *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	vs_session_cancel(w->s);
	pthread_join(w->thread, NULL);
	if (w->have_updates && w->conn) {
		vs_error err;
		vs_error_clear(&err);
		vs_updates_destroy(w->conn, &w->u, &err);
	}
	vs_conn_free(w->conn);
	unload(w);
	for (size_t i = 0; i < w->n; i++)
		mirror_free(&w->vms[i]);
	free(w->vms);
	free(w->slots);
	free(w->dirty);
	for (size_t i = 0; i < w->n_gone; i++)
		free(w->gone[i]);
	free(w->gone);
	inventory_val_free(w->val);
	estate_free(w->estate);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
