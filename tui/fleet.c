#include "tui/fleet.h"
#include "rules/rules.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY SIZE_MAX

void fleet_init(fleet *fl)
{
	memset(fl, 0, sizeof *fl);
}

static void vm_free(fleet_vm *vm)
{
	model_vm_facts_done(&vm->f);
	model_verdict_done(&vm->v);
	free(vm);
}

void fleet_done(fleet *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		vm_free(fl->vms[i]);
	free(fl->vms);
	free(fl->slots);
	free(fl->journal);
	unsigned long next = fl->journal_base + fl->n_journal + 1; /* a reader of the old fleet redoes all */
	fleet_init(fl);
	fl->journal_base = next;
}

/* Enough for a few seconds of heavy churn between two frames. */
#define JOURNAL_MIN 4096

static void journal_add(fleet *fl, const fleet_vm *vm)
{
	size_t cap = JOURNAL_MIN > fl->n / 2 ? JOURNAL_MIN : fl->n / 2;
	if (fl->n_journal >= cap) { /* drop the older half: a reader that far behind redoes all */
		size_t drop = fl->n_journal / 2;
		memmove(fl->journal, fl->journal + drop, (fl->n_journal - drop) * sizeof *fl->journal);
		fl->n_journal -= drop;
		fl->journal_base += drop;
	}
	fl->journal = xgrow(fl->journal, &fl->journal_cap, fl->n_journal + 1, sizeof *fl->journal);
	fl->journal[fl->n_journal++] = vm->index;
}

/* Positions moved, or every VM changed: readers redo all (the gap tells them). */
static void journal_restart(fleet *fl)
{
	fl->journal_base += fl->n_journal + 1;
	fl->n_journal = 0;
}

bool fleet_journal_read(const fleet *fl, unsigned long *pos, const size_t **changed, size_t *n)
{
	unsigned long end = fl->journal_base + fl->n_journal;
	bool ok = *pos >= fl->journal_base && *pos <= end;
	*changed = ok ? fl->journal + (*pos - fl->journal_base) : NULL;
	*n = ok ? end - *pos : 0;
	*pos = end;
	return ok;
}

/* One VM changed: views redo its row. */
static void changed(fleet *fl, const fleet_vm *vm)
{
	journal_add(fl, vm);
	fl->gen++;
}

static size_t hash(unsigned vc, const char *s)
{
	size_t h = 1469598103934665603ull ^ vc;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void index_rebuild(fleet *fl, size_t want)
{
	size_t n = 64;
	while (n < want * 2)
		n *= 2;
	free(fl->slots);
	fl->slots = xmalloc(n * sizeof *fl->slots);
	for (size_t i = 0; i < n; i++)
		fl->slots[i] = EMPTY;
	fl->n_slots = n;
	for (size_t i = 0; i < fl->n; i++) {
		size_t h = hash(fl->vms[i]->vc, fl->vms[i]->f.moref) & (n - 1);
		while (fl->slots[h] != EMPTY)
			h = (h + 1) & (n - 1);
		fl->slots[h] = i;
	}
}

static size_t find_slot(const fleet *fl, unsigned vc, const char *moref)
{
	if (!fl->n_slots || !moref)
		return EMPTY;
	size_t h = hash(vc, moref) & (fl->n_slots - 1);
	while (fl->slots[h] != EMPTY) {
		const fleet_vm *vm = fl->vms[fl->slots[h]];
		if (vm->vc == vc && !strcmp(vm->f.moref, moref))
			return h;
		h = (h + 1) & (fl->n_slots - 1);
	}
	return EMPTY;
}

fleet_vm *fleet_get_in(const fleet *fl, unsigned vc, const char *moref)
{
	size_t s = find_slot(fl, vc, moref);
	return s == EMPTY ? NULL : fl->vms[fl->slots[s]];
}

fleet_vm *fleet_get(const fleet *fl, const char *moref)
{
	return fleet_get_in(fl, 0, moref);
}

static fleet_vm *add(fleet *fl, unsigned vc, vm_facts *f)
{
	fleet_vm *vm = xcalloc(1, sizeof *vm);
	vm->vc = vc;
	vm->f = *f;
	model_vm_facts_init(f);
	model_verdict_init(&vm->v);
	fl->vms = xgrow(fl->vms, &fl->cap, fl->n + 1, sizeof *fl->vms);
	vm->index = fl->n;
	fl->vms[fl->n++] = vm;
	if (fl->n * 2 > fl->n_slots) {
		index_rebuild(fl, fl->n);
	} else {
		size_t h = hash(vc, vm->f.moref) & (fl->n_slots - 1);
		while (fl->slots[h] != EMPTY)
			h = (h + 1) & (fl->n_slots - 1);
		fl->slots[h] = fl->n - 1;
	}
	return vm;
}

static void evaluate(fleet_vm *vm, time_t now)
{
	rules_evaluate(&vm->f, now, &vm->v);
	model_verdict_pack(&vm->v); /* kept until the VM changes: one block, not one per text */
	if (vm->unreachable) /* its facts may be stale: never shown as ready */
		vm->v.status = STATUS_UNKNOWN;
	vm->evaluated_at = now;
}

/* Moves what only a scan knows (probe, history) from src to dst. */
static void take_scan_facts(vm_facts *dst, vm_facts *src)
{
	guest_probe tmp = dst->probe;
	dst->probe = src->probe;
	src->probe = tmp;
	dst->enable_uuid_set_at = src->enable_uuid_set_at;
	vm_last_test t = dst->last_test;
	dst->last_test = src->last_test;
	src->last_test = t;
	dst->fixed_at = src->fixed_at;
	vm_history_marks marks = dst->marks; /* what our runs left (R24, R26) */
	dst->marks = src->marks;
	src->marks = marks;
}

void fleet_apply_test(fleet *fl, fleet_vm *vm, const vm_last_test *t, time_t now)
{
	model_last_test_done(&vm->f.last_test);
	model_last_test_copy(&vm->f.last_test, t);
	evaluate(vm, now);
	vm->changed_at = now;
	changed(fl, vm);
}

fleet_vm *fleet_update_inventory(fleet *fl, unsigned vc, vm_facts *f, time_t now)
{
	fleet_vm *vm = fleet_get_in(fl, vc, f->moref);
	if (!vm) {
		vm = add(fl, vc, f);
	} else {
		take_scan_facts(f, &vm->f); /* the new facts get the old probe facts */
		model_vm_facts_done(&vm->f);
		vm->f = *f;
		model_vm_facts_init(f);
		vm->changed_at = now;
	}
	vm->inventory_at = now;
	evaluate(vm, now);
	changed(fl, vm);
	return vm;
}

fleet_vm *fleet_apply_scan(fleet *fl, unsigned vc, vm_facts *f, time_t now, bool keep_live_inventory)
{
	fleet_vm *vm = fleet_get_in(fl, vc, f->moref);
	if (!vm) {
		vm = add(fl, vc, f);
		vm->inventory_at = now;
	} else if (keep_live_inventory && vm->inventory_at) {
		take_scan_facts(&vm->f, f);
		model_vm_facts_done(f);
	} else {
		bool marked = vm->marked;
		model_vm_facts_done(&vm->f);
		vm->f = *f;
		model_vm_facts_init(f);
		vm->marked = marked;
		vm->inventory_at = now;
	}
	vm->scanned = true;
	vm->probing = false;
	evaluate(vm, now);
	changed(fl, vm);
	return vm;
}

fleet_vm *fleet_apply_row(fleet *fl, unsigned vc, vm_facts *f, bool probing, time_t now,
			   bool keep_live_inventory)
{
	fleet_vm *vm = fleet_get_in(fl, vc, f->moref);
	if (vm && probing && (vm->f.probe.state == PROBE_OK || vm->f.probe.state == PROBE_STALE)) {
		model_vm_facts_done(f); /* what it shows stays until its probe ends */
		model_vm_facts_init(f);
		vm->probing = true;
		changed(fl, vm);
		return vm;
	}
	vm = fleet_apply_scan(fl, vc, f, now, keep_live_inventory);
	vm->probing = probing; /* the journal has it already (fleet_apply_scan) */
	return vm;
}

void fleet_end_probing(fleet *fl, unsigned vc)
{
	for (size_t i = 0; i < fl->n; i++)
		if (fl->vms[i]->probing && fl->vms[i]->vc == vc) {
			fl->vms[i]->probing = false;
			changed(fl, fl->vms[i]);
		}
}

void fleet_set_unreachable(fleet *fl, unsigned vc, bool unreachable, time_t now)
{
	for (size_t i = 0; i < fl->n; i++) {
		fleet_vm *vm = fl->vms[i];
		if (vm->vc != vc || vm->unreachable == unreachable)
			continue;
		vm->unreachable = unreachable;
		evaluate(vm, now);
		changed(fl, vm);
	}
}

void fleet_remove(fleet *fl, unsigned vc, const char *moref)
{
	size_t s = find_slot(fl, vc, moref);
	if (s == EMPTY)
		return;
	size_t i = fl->slots[s];
	if (fl->vms[i]->marked)
		fl->n_marked--;
	vm_free(fl->vms[i]);
	fl->vms[i] = fl->vms[--fl->n];
	if (i < fl->n)
		fl->vms[i]->index = i;
	index_rebuild(fl, fl->n);
	journal_restart(fl); /* a position moved */
	fl->gen++;
}

void fleet_set_mark(fleet *fl, fleet_vm *vm, bool on)
{
	if (vm->marked == on)
		return;
	vm->marked = on;
	fl->n_marked += on ? 1 : (size_t)-1;
	changed(fl, vm); /* the filter's `marked` word */
}

void fleet_clear_marks(fleet *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		fl->vms[i]->marked = false;
	fl->n_marked = 0;
	journal_restart(fl);
	fl->gen++;
}

size_t fleet_count_probed_before(const fleet *fl, time_t before)
{
	size_t n = 0;
	for (size_t i = 0; i < fl->n; i++) {
		const fleet_vm *vm = fl->vms[i];
		const guest_probe *p = &vm->f.probe;
		n += vm->f.power == POWER_ON && !vm->probing && !vm->unreachable &&
		     (p->state == PROBE_OK || p->state == PROBE_STALE) && p->at > 0 && p->at < before;
	}
	return n;
}

void fleet_recount(fleet *fl)
{
	memset(fl->by_status, 0, sizeof fl->by_status);
	memset(fl->by_level, 0, sizeof fl->by_level);
	fl->n_marked = 0;
	for (size_t i = 0; i < fl->n; i++) {
		const fleet_vm *vm = fl->vms[i];
		if (vm->v.status <= STATUS_NA)
			fl->by_status[vm->v.status]++;
		if (vm->v.status != STATUS_NA && vm->v.predicted >= LEVEL_FAIL && vm->v.predicted <= LEVEL_APPLICATION)
			fl->by_level[vm->v.predicted]++;
		if (vm->marked)
			fl->n_marked++;
	}
}

const char *fleet_finding_title(const finding *f, char *buf, size_t n)
{
	const rule_info *ri = rules_find(f->rule);
	if (ri && ri->sev == f->sev)
		return ri->title;
	if (f->evidence && *f->evidence && strlen(f->evidence) <= 80)
		return f->evidence;
	const char *m = f->message ? f->message : ri ? ri->title : "";
	size_t len = strcspn(m, ".");
	while (m[len] == '.' && m[len + 1] && m[len + 1] != ' ') /* "2.0", "tools.conf" */
		len += 1 + strcspn(m + len + 1, ".");
	snprintf(buf, n, "%.*s", (int)len, m);
	return buf;
}

const char *fleet_os_text(const fleet_vm *vm)
{
	if (vm->v.family != OS_OTHER)
		return model_os_family_name(vm->v.family);
	if (vm->f.guest_id && *vm->f.guest_id)
		return vm->f.guest_id;
	if (vm->f.config_guest_id && *vm->f.config_guest_id)
		return vm->f.config_guest_id;
	return "other";
}
