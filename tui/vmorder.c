#include "tui/vmorder.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_ID UINT32_MAX

/* Open addressing over ids 0..n-1 of some table (a dict's texts, the combinations): slot
 * holds an id or NO_ID; size is 0 or a power of two kept over twice the ids. */
typedef struct {
	uint32_t *slot;
	size_t size;
} id_slots;

/* The distinct values of one string column, each with its rank under the column's collation
 * (values equal under it share a rank; an unknown value ranks after them all). */
typedef struct {
	int (*cmp)(const char *, const char *);
	char **s;              /* by id */
	size_t n, cap;
	uint32_t *rank;        /* by id, for the first n_ranked ids */
	size_t n_ranked, rank_cap;
	id_slots index;        /* the ids by their text's hash */
} dict;

/* One VM's keys, worked out when it changes, and what the filter matches it against: a
 * filter pass after churn reads these rows and the names' arena, both dense, instead of every
 * VM's facts and findings scattered over the heap. What a filter pass reads comes first,
 * together; whether the filter shows a row is in a byte array of its own (vmorder.shown):
 * at 50,000 VMs the passes over the rows are bound by memory, not by instructions. */
typedef struct {
	uint64_t rules;        /* bit n: a finding of rule Rnn (among the first VMORDER_MAX_RULES) */
	uint32_t shared;       /* its shared texts' combination: id in vmorder.combos */
	uint32_t name_at;      /* the name's offset in the names' arena */
	bool odd_rules;        /* a rule id not of the form Rnn, n < 64: the filter reads the VM */
	bool marked;
	uint8_t status;        /* vm_status */
	uint32_t name_rank;    /* its place in name order (name, moref, vCenter) */
	uint32_t name_group;   /* the same for names equal but for case */
	uint32_t os_full;      /* the guest's full OS name: id in os_full */
	uint32_t k[VMO_NKEYS]; /* numbers biased to unsigned order; strings: the dict id */
} row;

/* The texts a filter term's shared part reads (filter_shared_open), as dict ids: rows alike
 * share one, so a filter's shared part is worked out once per combination, not once per row. */
enum { SH_OS_FULL, SH_OS, SH_STATUS, SH_POWER, SH_PREDICTED, SH_FOLDER, SH_DC, SH_CLUSTER, SH_HOST,
       SH_VCENTER, SH_N };
typedef struct {
	uint32_t id[SH_N];
} combo;

struct vmorder {
	dict dicts[VMO_NKEYS]; /* the string columns' */
	dict os_full;          /* the guests' full OS names (the filter's os:, not a column) */
	char *names;           /* the VMs' names, each once, NUL-terminated (rows point in) */
	size_t names_len, names_cap, names_dead; /* dead: bytes of names no row points to */
	char rule_ids[64][4];  /* "R00".."R63": the rule ids a row's bits stand for */
	row *rows;             /* parallel to fleet.vms */
	size_t n_rows, rows_cap;
	bool *shown;           /* by row: the filter matches it */
	bool *pending;         /* by row, scratch: already taken in this update */
	size_t shown_cap, pending_cap;
	uint32_t *by_name;     /* row numbers in name order */
	size_t by_name_cap;
	const fleet_vm **names_tmp;
	size_t names_tmp_cap;
	uint64_t *ord, *tmp;   /* the order: (column key << 32 | name rank), ascending */
	size_t n_ord, ord_cap, tmp_cap;
	uint64_t *gone, *come; /* an update's keys leaving and entering the order */
	size_t gone_cap, come_cap;
	size_t *touched;
	size_t touched_cap;
	unsigned long journal_pos;
	bool fresh, resort, refilter;
	vmorder_key key;
	int dir;
	const vm_filter *flt;
	filter_memo *memo;     /* one update's filter answers for shared texts */
	/* The shared texts' combinations the rows have (reset when every row is keyed again),
	 * and what each decides under the filter (filter_shared_open), worked out when first
	 * needed (combo_pass equal to pass: a combination's texts never change, so that holds
	 * until the filter does). */
	combo *combos;
	size_t n_combos, combos_cap;
	id_slots combo_index;  /* the combinations by their hash */
	uint64_t *combo_hits;
	unsigned long *combo_pass;
	size_t combo_hits_cap, combo_pass_cap;
	unsigned long pass;    /* bumped when the filter changes */
	bool parts;            /* the filter is matched by parts (filter_match_open) */
	const char *rule_id_ptrs[64];
	uint64_t masks[FILTER_MAX_PART_TERMS]; /* per term: which of rule_ids it matches */
	vmorder_vcenter_fn vc_name;
	const void *vc_ctx;
};

static bool is_text(vmorder_key k)
{
	return k == VMO_OS || k == VMO_DATACENTER || k == VMO_CLUSTER || k == VMO_HOST ||
	       k == VMO_FOLDER || k == VMO_FINDING || k == VMO_VCENTER;
}

static size_t hash_text(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* ---- the ids' index (id_slots) ---- */

static void slots_clear(id_slots *t)
{
	for (size_t i = 0; i < t->size; i++)
		t->slot[i] = NO_ID;
}

static void slots_put(id_slots *t, size_t hash, uint32_t id)
{
	size_t h = hash & (t->size - 1);
	while (t->slot[h] != NO_ID)
		h = (h + 1) & (t->size - 1);
	t->slot[h] = id;
}

/* Indexes id n-1, just appended to its table; over half full, the index is built again twice
 * as big from every id's hash. */
static void slots_added(id_slots *t, size_t n, size_t (*hash_of)(const void *table, uint32_t id),
			const void *table)
{
	if (n * 2 <= t->size) {
		slots_put(t, hash_of(table, (uint32_t)(n - 1)), (uint32_t)(n - 1));
		return;
	}
	t->size = t->size ? t->size * 2 : 64;
	free(t->slot);
	t->slot = xmalloc(t->size * sizeof *t->slot);
	slots_clear(t);
	for (size_t id = 0; id < n; id++)
		slots_put(t, hash_of(table, (uint32_t)id), (uint32_t)id);
}

/* ---- dictionaries ---- */

static void dict_done(dict *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->s[i]);
	free(d->s);
	free(d->rank);
	free(d->index.slot);
}

static size_t dict_hash_of(const void *table, uint32_t id)
{
	return hash_text(((const dict *)table)->s[id]);
}

/* The id of s (a new one for a value not seen before); NO_ID for NULL (not known). */
static uint32_t dict_id(dict *d, const char *s)
{
	if (!s)
		return NO_ID;
	const id_slots *t = &d->index;
	for (size_t h = hash_text(s) & (t->size - 1); t->size && t->slot[h] != NO_ID; h = (h + 1) & (t->size - 1))
		if (!strcmp(d->s[t->slot[h]], s))
			return t->slot[h];
	d->s = xgrow(d->s, &d->cap, d->n + 1, sizeof *d->s);
	d->s[d->n++] = xstrdup(s);
	slots_added(&d->index, d->n, dict_hash_of, d);
	return (uint32_t)(d->n - 1);
}

static const dict *sorting_dict; /* qsort has no context argument in C11 (UI thread only) */

static int by_dict_text(const void *a, const void *b)
{
	return sorting_dict->cmp(sorting_dict->s[*(const uint32_t *)a], sorting_dict->s[*(const uint32_t *)b]);
}

/* Ranks every value (after new ones came). A few distinct values: cheap. */
static void dict_rank_all(dict *d)
{
	if (d->n_ranked == d->n)
		return;
	uint32_t *ids = xcalloc(d->n ? d->n : 1, sizeof *ids);
	for (size_t i = 0; i < d->n; i++)
		ids[i] = (uint32_t)i;
	sorting_dict = d;
	qsort(ids, d->n, sizeof *ids, by_dict_text);
	d->rank = xgrow(d->rank, &d->rank_cap, d->n + 1, sizeof *d->rank);
	uint32_t r = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (i && d->cmp(d->s[ids[i - 1]], d->s[ids[i]]))
			r++;
		d->rank[ids[i]] = r;
	}
	d->n_ranked = d->n;
	free(ids);
}

static uint32_t dict_rank(const dict *d, uint32_t id)
{
	return id < d->n_ranked ? d->rank[id] : (uint32_t)d->n_ranked; /* not known: last */
}

/* ---- keys of one VM ---- */

static int status_rank(vm_status s) /* those that need someone first */
{
	switch (s) {
	case STATUS_MANUAL: return 0;
	case STATUS_FIXABLE: return 1;
	case STATUS_UNKNOWN: return 2;
	case STATUS_READY: return 3;
	default: return 4;
	}
}

static uint32_t biased(int x) /* signed order as unsigned order */
{
	return (uint32_t)x ^ 0x80000000u;
}

static const char *text_of(const vmorder *o, const fleet_vm *vm, vmorder_key k)
{
	switch (k) {
	case VMO_OS: return fleet_os_text(vm);
	case VMO_DATACENTER: return vm->f.datacenter;
	case VMO_CLUSTER: return vm->f.cluster;
	case VMO_HOST: return vm->f.host;
	case VMO_FOLDER: return vm->f.folder;
	case VMO_FINDING: return vm->v.n_findings ? vm->v.findings[0].rule : NULL;
	case VMO_VCENTER: return o->vc_name ? o->vc_name(o->vc_ctx, vm->vc) : NULL;
	default: return NULL;
	}
}

void vmorder_subject(const vmorder *o, const fleet_vm *vm, filter_subject *s,
		     const char *rules[VMORDER_MAX_RULES])
{
	size_t n_rules = 0;
	for (size_t i = 0; i < vm->v.n_findings && n_rules < VMORDER_MAX_RULES; i++)
		rules[n_rules++] = vm->v.findings[i].rule;
	s->name = vm->f.name ? vm->f.name : "";
	s->os = vm->f.guest_full_name ? vm->f.guest_full_name : vm->f.config_guest_full_name;
	s->os_family = fleet_os_text(vm);
	s->status = model_status_name(vm->v.status);
	s->power = model_power_short(vm->f.power);
	s->predicted = model_level_name(vm->v.predicted);
	s->rules = rules;
	s->n_rules = n_rules;
	s->marked = vm->marked;
	s->folder = vm->f.folder;
	s->datacenter = vm->f.datacenter;
	s->cluster = vm->f.cluster;
	s->host = vm->f.host;
	s->vcenter = text_of(o, vm, VMO_VCENTER);
}

static const char *dict_text(const dict *d, uint32_t id)
{
	return id == NO_ID ? NULL : d->s[id];
}

/* The number of the lowest bit set in b (not 0): a de Bruijn sequence's multiple names it. */
static unsigned lowest_bit(uint64_t b)
{
	static const unsigned char at[64] = {
		0, 1, 2, 53, 3, 7, 54, 27, 4, 38, 41, 8, 34, 55, 48, 28, 62, 5, 39, 46, 44, 42, 22, 9,
		24, 35, 59, 56, 49, 18, 29, 11, 63, 52, 6, 26, 37, 40, 33, 47, 61, 45, 43, 21, 23, 58,
		17, 10, 51, 25, 36, 32, 60, 20, 57, 16, 50, 31, 19, 15, 30, 14, 13, 12,
	};
	return at[((b & (~b + 1)) * 0x022FDD63CC95386Dull) >> 58];
}

/* ---- combinations of shared texts ---- */

static size_t hash_combo(const combo *c)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < SH_N; i++)
		h = (h ^ c->id[i]) * 0x9E3779B97F4A7C15ull;
	return (size_t)(h ^ h >> 29);
}

static size_t combo_hash_of(const void *table, uint32_t id)
{
	return hash_combo(&((const combo *)table)[id]);
}

static uint32_t combo_id(vmorder *o, const combo *c)
{
	const id_slots *t = &o->combo_index;
	for (size_t h = hash_combo(c) & (t->size - 1); t->size && t->slot[h] != NO_ID; h = (h + 1) & (t->size - 1))
		if (!memcmp(&o->combos[t->slot[h]], c, sizeof *c))
			return t->slot[h];
	o->combos = xgrow(o->combos, &o->combos_cap, o->n_combos + 1, sizeof *o->combos);
	o->combo_hits = xgrow(o->combo_hits, &o->combo_hits_cap, o->n_combos + 1, sizeof *o->combo_hits);
	o->combo_pass = xgrow(o->combo_pass, &o->combo_pass_cap, o->n_combos + 1, sizeof *o->combo_pass);
	o->combos[o->n_combos] = *c;
	o->combo_pass[o->n_combos] = 0; /* not worked out under any filter yet */
	o->n_combos++;
	slots_added(&o->combo_index, o->n_combos, combo_hash_of, o->combos);
	return (uint32_t)(o->n_combos - 1);
}

static combo combo_of(const row *r)
{
	combo c;
	c.id[SH_OS_FULL] = r->os_full;
	c.id[SH_OS] = r->k[VMO_OS];
	c.id[SH_STATUS] = r->status;
	c.id[SH_POWER] = r->k[VMO_POWER];
	c.id[SH_PREDICTED] = r->k[VMO_PREDICTED];
	c.id[SH_FOLDER] = r->k[VMO_FOLDER];
	c.id[SH_DC] = r->k[VMO_DATACENTER];
	c.id[SH_CLUSTER] = r->k[VMO_CLUSTER];
	c.id[SH_HOST] = r->k[VMO_HOST];
	c.id[SH_VCENTER] = r->k[VMO_VCENTER];
	return c;
}

/* The shared texts of a combination (the name, rule ids and mark left empty). */
static void combo_subject(const vmorder *o, const combo *c, filter_subject *s)
{
	memset(s, 0, sizeof *s);
	s->name = "";
	s->os = dict_text(&o->os_full, c->id[SH_OS_FULL]);
	s->os_family = dict_text(&o->dicts[VMO_OS], c->id[SH_OS]);
	s->status = model_status_name((vm_status)c->id[SH_STATUS]);
	s->power = model_power_short((power_state)(int)(c->id[SH_POWER] ^ 0x80000000u));
	s->predicted = model_level_name((quiesce_level)(int)(c->id[SH_PREDICTED] ^ 0x80000000u));
	s->folder = dict_text(&o->dicts[VMO_FOLDER], c->id[SH_FOLDER]);
	s->datacenter = dict_text(&o->dicts[VMO_DATACENTER], c->id[SH_DC]);
	s->cluster = dict_text(&o->dicts[VMO_CLUSTER], c->id[SH_CLUSTER]);
	s->host = dict_text(&o->dicts[VMO_HOST], c->id[SH_HOST]);
	s->vcenter = dict_text(&o->dicts[VMO_VCENTER], c->id[SH_VCENTER]);
}

/* What combination id decides under the filter, worked out once per filter. */
static uint64_t combo_open(vmorder *o, uint32_t id)
{
	if (o->combo_pass[id] != o->pass) {
		filter_subject s;
		combo_subject(o, &o->combos[id], &s);
		o->combo_hits[id] = filter_shared_open(o->flt, &s);
		o->combo_pass[id] = o->pass;
	}
	return o->combo_hits[id];
}

/* The filter's answer for row i from the row alone (and the dicts' texts, a few distinct
 * ones: stable addresses for the memo); the VM itself only for an odd rule id. */
static bool row_shown(vmorder *o, const fleet *fl, size_t i)
{
	if (!o->flt)
		return true;
	const row *r = &o->rows[i];
	filter_subject s;
	const char *rules[VMORDER_MAX_RULES];
	if (r->odd_rules) {
		vmorder_subject(o, fl->vms[i], &s, rules);
		return filter_match_memo(o->flt, &s, o->memo);
	}
	if (o->parts) { /* the shared part per combination, rule ids as bits: the name alone read */
		uint64_t open = combo_open(o, r->shared);
		if (!open || open == FILTER_REJECTED) /* the shared texts decided (most rows) */
			return !open;
		return filter_match_open(o->flt, open, o->names + r->name_at, r->rules, o->masks,
					 r->marked);
	}
	size_t n_rules = 0;
	for (uint64_t b = r->rules; b; b &= b - 1)
		rules[n_rules++] = o->rule_ids[lowest_bit(b)];
	combo_subject(o, &o->combos[r->shared], &s);
	s.name = o->names + r->name_at;
	s.rules = rules;
	s.n_rules = n_rules;
	s.marked = r->marked;
	return filter_match_memo(o->flt, &s, o->memo);
}

/* The row's name in the arena: kept when it did not change (had_name: the row holds one). */
static void set_name(vmorder *o, row *r, const char *name, bool had_name)
{
	if (had_name) {
		if (!strcmp(o->names + r->name_at, name))
			return;
		o->names_dead += strlen(o->names + r->name_at) + 1;
	}
	size_t len = strlen(name) + 1;
	o->names = xgrow(o->names, &o->names_cap, o->names_len + len, 1);
	memcpy(o->names + o->names_len, name, len);
	r->name_at = (uint32_t)o->names_len;
	o->names_len += len;
}

/* After renames most of the arena may be names no row holds: copied afresh when over half. */
static void compact_names(vmorder *o)
{
	if (o->names_dead < 4096 || o->names_dead * 2 < o->names_len)
		return;
	size_t live = 1;
	for (size_t i = 0; i < o->n_rows; i++)
		live += strlen(o->names + o->rows[i].name_at) + 1;
	char *fresh = xmalloc(live);
	size_t at = 0;
	for (size_t i = 0; i < o->n_rows; i++) {
		const char *name = o->names + o->rows[i].name_at;
		size_t len = strlen(name) + 1;
		memcpy(fresh + at, name, len);
		o->rows[i].name_at = (uint32_t)at;
		at += len;
	}
	free(o->names);
	o->names = fresh;
	o->names_cap = live;
	o->names_len = at;
	o->names_dead = 0;
}

/* What the filter matches, kept in the row (see row). */
static void subject_row(vmorder *o, const fleet_vm *vm, row *r, bool had_name)
{
	set_name(o, r, vm->f.name ? vm->f.name : "", had_name);
	r->os_full = dict_id(&o->os_full, vm->f.guest_full_name ? vm->f.guest_full_name
								 : vm->f.config_guest_full_name);
	r->status = (uint8_t)vm->v.status;
	r->marked = vm->marked;
	r->rules = 0;
	r->odd_rules = false;
	for (size_t j = 0; j < vm->v.n_findings && j < VMORDER_MAX_RULES; j++) {
		const char *id = vm->v.findings[j].rule;
		bool rnn = id[0] == 'R' && id[1] >= '0' && id[1] <= '9' && id[2] >= '0' && id[2] <= '9' &&
			   !id[3];
		unsigned n = rnn ? (unsigned)(id[1] - '0') * 10 + (unsigned)(id[2] - '0') : 64;
		if (n < 64) {
			r->rules |= (uint64_t)1 << n;
		} else {
			r->odd_rules = true;
		}
	}
}

static void key_row(vmorder *o, const fleet *fl, size_t i, bool had_name)
{
	const fleet_vm *vm = fl->vms[i];
	row *r = &o->rows[i];
	r->k[VMO_NAME] = 0;
	r->k[VMO_POWER] = biased((int)vm->f.power);
	r->k[VMO_TOOLS] = biased(vm->f.tools_version);
	r->k[VMO_BEST] = biased((int)vm->v.best);
	r->k[VMO_PREDICTED] = biased((int)vm->v.predicted);
	r->k[VMO_STATUS] = (uint32_t)status_rank(vm->v.status);
	time_t at = vm->f.last_test.at;
	r->k[VMO_TEST] = at <= 0 ? 0 : (uint64_t)at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
	for (int k = 0; k < VMO_NKEYS; k++)
		if (is_text((vmorder_key)k))
			r->k[k] = dict_id(&o->dicts[k], text_of(o, vm, (vmorder_key)k));
	subject_row(o, vm, r, had_name);
	combo c = combo_of(r);
	r->shared = combo_id(o, &c);
	o->shown[i] = row_shown(o, fl, i);
}

/* ---- name order ---- */

static int name_cmp(const fleet_vm *a, const fleet_vm *b)
{
	int r = strcasecmp(a->f.name ? a->f.name : "", b->f.name ? b->f.name : "");
	if (r)
		return r;
	r = strcmp(a->f.moref ? a->f.moref : "", b->f.moref ? b->f.moref : "");
	if (r)
		return r;
	return (a->vc > b->vc) - (a->vc < b->vc);
}

static int by_name(const void *a, const void *b)
{
	return name_cmp(*(const fleet_vm *const *)a, *(const fleet_vm *const *)b);
}

static bool same_name_group(const fleet_vm *a, const fleet_vm *b)
{
	return !strcasecmp(a->f.name ? a->f.name : "", b->f.name ? b->f.name : "");
}

static void rank_names(vmorder *o, const fleet *fl)
{
	o->names_tmp = xgrow(o->names_tmp, &o->names_tmp_cap, fl->n + 1, sizeof *o->names_tmp);
	for (size_t i = 0; i < fl->n; i++)
		o->names_tmp[i] = fl->vms[i];
	qsort(o->names_tmp, fl->n, sizeof *o->names_tmp, by_name);
	o->by_name = xgrow(o->by_name, &o->by_name_cap, fl->n + 1, sizeof *o->by_name);
	uint32_t group = 0;
	for (size_t r = 0; r < fl->n; r++) {
		size_t i = o->names_tmp[r]->index;
		if (r && !same_name_group(o->names_tmp[r - 1], o->names_tmp[r]))
			group++;
		o->by_name[r] = (uint32_t)i;
		o->rows[i].name_rank = (uint32_t)r;
		o->rows[i].name_group = group;
	}
	free(o->names_tmp); /* needed again only when names change */
	o->names_tmp = NULL;
	o->names_tmp_cap = 0;
}

/* After VM i changed: is it still between its neighbours in name order, in the same groups? */
static bool name_still_ranked(const vmorder *o, const fleet *fl, size_t i)
{
	const row *r = &o->rows[i];
	const fleet_vm *vm = fl->vms[i];
	if (r->name_rank > 0) {
		size_t p = o->by_name[r->name_rank - 1];
		if (name_cmp(fl->vms[p], vm) >= 0 ||
		    same_name_group(fl->vms[p], vm) != (o->rows[p].name_group == r->name_group))
			return false;
	}
	if (r->name_rank + 1 < fl->n) {
		size_t q = o->by_name[r->name_rank + 1];
		if (name_cmp(vm, fl->vms[q]) >= 0 ||
		    same_name_group(vm, fl->vms[q]) != (o->rows[q].name_group == r->name_group))
			return false;
	}
	return true;
}

/* ---- the order ---- */

static uint64_t key_of(const vmorder *o, size_t i)
{
	const row *r = &o->rows[i];
	uint32_t v;
	if (o->key == VMO_NAME)
		v = o->dir > 0 ? 0 : UINT32_MAX - r->name_group; /* equal names: moref ascending still */
	else {
		v = is_text(o->key) ? dict_rank(&o->dicts[o->key], r->k[o->key]) : r->k[o->key];
		if (o->dir < 0)
			v = UINT32_MAX - v;
	}
	return (uint64_t)v << 32 | r->name_rank;
}

/* LSD radix sort, a byte a pass; bytes every key has alike (most: a column has a few values,
 * name ranks need two or three bytes) are neither counted nor passed over. */
static void radix_sort(uint64_t **a, uint64_t **tmp, size_t n)
{
	static size_t count[8][256];
	if (!n)
		return;
	uint64_t all_and = UINT64_MAX, all_or = 0;
	for (size_t i = 0; i < n; i++) {
		all_and &= (*a)[i];
		all_or |= (*a)[i];
	}
	uint64_t differ = all_and ^ all_or;
	int passes[8] = { 0 }, n_passes = 0;
	for (int p = 0; p < 8; p++)
		if ((differ >> (8 * p)) & 0xff)
			passes[n_passes++] = p;
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < n_passes; k++)
			count[passes[k]][((*a)[i] >> (8 * passes[k])) & 0xff]++;
	for (int k = 0; k < n_passes; k++) {
		int p = passes[k];
		size_t at = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = count[p][b];
			count[p][b] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t x = (*a)[i];
			(*tmp)[count[p][(x >> (8 * p)) & 0xff]++] = x;
		}
		uint64_t *t = *a;
		*a = *tmp;
		*tmp = t;
	}
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void grow_order(vmorder *o, size_t n)
{
	/* ord and tmp swap places: both keep the larger capacity */
	if (n + 1 > o->ord_cap || n + 1 > o->tmp_cap) {
		size_t cap = o->ord_cap > o->tmp_cap ? o->ord_cap : o->tmp_cap;
		while (cap < n + 1)
			cap = cap ? cap * 2 : 1024;
		o->ord = xrealloc(o->ord, cap * sizeof *o->ord);
		o->tmp = xrealloc(o->tmp, cap * sizeof *o->tmp);
		o->ord_cap = o->tmp_cap = cap;
	}
}

static void build_order(vmorder *o)
{
	grow_order(o, o->n_rows);
	if (is_text(o->key))
		dict_rank_all(&o->dicts[o->key]);
	o->n_ord = 0;
	for (size_t i = 0; i < o->n_rows; i++)
		if (o->shown[i])
			o->ord[o->n_ord++] = key_of(o, i);
	radix_sort(&o->ord, &o->tmp, o->n_ord);
}

/* The sorted keys that left (all in ord) out, the sorted keys that came in: one pass. */
static void merge_order(vmorder *o, size_t n_gone, size_t n_come)
{
	if (n_gone > 1)   /* the lists are NULL until first needed, and qsort takes no NULL */
		qsort(o->gone, n_gone, sizeof *o->gone, by_u64);
	if (n_come > 1)
		qsort(o->come, n_come, sizeof *o->come, by_u64);
	grow_order(o, o->n_ord + n_come);
	size_t g = 0, c = 0, w = 0;
	for (size_t i = 0; i < o->n_ord; i++) {
		uint64_t x = o->ord[i];
		while (g < n_gone && o->gone[g] < x)
			g++;
		if (g < n_gone && o->gone[g] == x) {
			g++;
			continue;
		}
		while (c < n_come && o->come[c] < x)
			o->tmp[w++] = o->come[c++];
		o->tmp[w++] = x;
	}
	while (c < n_come)
		o->tmp[w++] = o->come[c++];
	uint64_t *t = o->ord;
	o->ord = o->tmp;
	o->tmp = t;
	o->n_ord = w;
}

bool vmorder_update(vmorder *o, const fleet *fl)
{
	const size_t *changed;
	size_t n_changed;
	bool all = !fleet_journal_read(fl, &o->journal_pos, &changed, &n_changed) || o->fresh ||
		   fl->n < o->n_rows;
	size_t known = all ? 0 : o->n_rows;
	if (!all && !n_changed && fl->n == o->n_rows && !o->resort && !o->refilter)
		return false;
	o->rows = xgrow(o->rows, &o->rows_cap, fl->n + 1, sizeof *o->rows);
	o->shown = xgrow(o->shown, &o->shown_cap, fl->n + 1, sizeof *o->shown);
	o->pending = xgrow(o->pending, &o->pending_cap, fl->n + 1, sizeof *o->pending);
	if (all) { /* every row is keyed afresh below */
		o->names_len = o->names_dead = 0;
		o->n_combos = 0;
		slots_clear(&o->combo_index);
	}
	filter_memo_next_pass(o->memo); /* texts may have been freed since the last update */
	bool names_stale = known < fl->n;
	bool resort = o->resort || o->refilter || all;
	size_t n_gone = 0, n_touched = 0;
	/* the changed VMs: the keys they had leave the order */
	for (size_t j = 0; !all && j < n_changed; j++) {
		size_t i = changed[j];
		if (i >= known || o->pending[i])
			continue; /* new VMs are keyed below */
		o->pending[i] = true;
		o->touched = xgrow(o->touched, &o->touched_cap, n_touched + 1, sizeof *o->touched);
		o->touched[n_touched++] = i;
		if (o->shown[i]) {
			o->gone = xgrow(o->gone, &o->gone_cap, n_gone + 1, sizeof *o->gone);
			o->gone[n_gone++] = key_of(o, i);
		}
		size_t ranked = is_text(o->key) ? o->dicts[o->key].n : 0;
		key_row(o, fl, i, true);
		if (is_text(o->key) && o->dicts[o->key].n != ranked)
			resort = true; /* a value not seen before: the column's ranks move */
		if (!names_stale && !name_still_ranked(o, fl, i))
			names_stale = true;
	}
	bool refilter = o->refilter && !all;
	for (size_t i = known; i < fl->n; i++) {
		o->pending[i] = false;
		key_row(o, fl, i, false);
	}
	o->n_rows = fl->n;
	if (refilter) /* the VMs keyed above were filtered with the new filter already */
		for (size_t i = 0; i < known; i++)
			if (!o->pending[i])
				o->shown[i] = row_shown(o, fl, i);
	compact_names(o);
	if (names_stale) {
		rank_names(o, fl);
		resort = true;
	}
	if (resort) {
		build_order(o);
	} else {
		size_t n_come = 0;
		o->come = xgrow(o->come, &o->come_cap, n_touched + 1, sizeof *o->come);
		for (size_t j = 0; j < n_touched; j++)
			if (o->shown[o->touched[j]])
				o->come[n_come++] = key_of(o, o->touched[j]);
		merge_order(o, n_gone, n_come);
	}
	for (size_t j = 0; j < n_touched; j++)
		o->pending[o->touched[j]] = false;
	o->fresh = o->resort = o->refilter = false;
	return true;
}

/* ---- the rest of the interface ---- */

vmorder *vmorder_new(void)
{
	vmorder *o = xcalloc(1, sizeof *o);
	for (int k = 0; k < VMO_NKEYS; k++)
		o->dicts[k].cmp = k == VMO_OS || k == VMO_FINDING ? strcmp : strcasecmp;
	o->os_full.cmp = strcmp;
	for (int n = 0; n < 64; n++) {
		o->rule_ids[n][0] = 'R';
		o->rule_ids[n][1] = (char)('0' + n / 10);
		o->rule_ids[n][2] = (char)('0' + n % 10);
		o->rule_ids[n][3] = '\0';
		o->rule_id_ptrs[n] = o->rule_ids[n];
	}
	o->pass = 1;
	o->key = VMO_NAME;
	o->dir = 1;
	o->fresh = true;
	o->memo = filter_memo_new();
	return o;
}

void vmorder_free(vmorder *o)
{
	if (!o)
		return;
	for (int k = 0; k < VMO_NKEYS; k++)
		dict_done(&o->dicts[k]);
	dict_done(&o->os_full);
	free(o->names);
	free(o->rows);
	free(o->shown);
	free(o->pending);
	free(o->by_name);
	free(o->names_tmp);
	free(o->ord);
	free(o->tmp);
	free(o->gone);
	free(o->come);
	free(o->touched);
	free(o->combos);
	free(o->combo_index.slot);
	free(o->combo_hits);
	free(o->combo_pass);
	filter_memo_free(o->memo);
	free(o);
}

void vmorder_reset(vmorder *o)
{
	o->fresh = true;
	o->n_rows = o->n_ord = 0;
}

void vmorder_set_vcenter_names(vmorder *o, vmorder_vcenter_fn fn, const void *ctx)
{
	if (o->vc_name != fn || o->vc_ctx != ctx)
		o->fresh = true;
	o->vc_name = fn;
	o->vc_ctx = ctx;
}

void vmorder_set_sort(vmorder *o, vmorder_key key, int dir)
{
	if (key != o->key || dir != o->dir)
		o->resort = true;
	o->key = key;
	o->dir = dir;
}

void vmorder_set_filter(vmorder *o, const vm_filter *f)
{
	o->flt = f;
	o->refilter = true;
	o->pass++; /* the combinations' shared bits were the old filter's */
	o->parts = filter_parts_ok(f);
	if (o->parts)
		filter_rule_bits(f, o->rule_id_ptrs, 64, o->masks);
}

size_t vmorder_count(const vmorder *o)
{
	return o->n_ord;
}

fleet_vm *vmorder_at(const vmorder *o, const fleet *fl, size_t i)
{
	return fl->vms[o->by_name[(uint32_t)o->ord[i]]];
}

size_t vmorder_find(const vmorder *o, const fleet_vm *vm)
{
	if (vm->index >= o->n_rows || !o->shown[vm->index])
		return (size_t)-1;
	uint64_t k = key_of(o, vm->index);
	size_t lo = 0, hi = o->n_ord;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (o->ord[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < o->n_ord && o->ord[lo] == k ? lo : (size_t)-1;
}
