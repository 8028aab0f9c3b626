/* The VM list's order (tui/vmorder.h), kept up to date from the fleet's change journal: after
 * every kind of change (churn that moves VMs, renames, new and removed VMs, new values of the
 * sorted column, marks under a `marked` filter) it must be exactly the order a full sort with
 * the list's comparison gives, for every column in both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/vmorder.h"
#include "util/xalloc.h"

/* ---- the list's comparison, written out plainly: what the order must equal ---- */

static int status_rank(vm_status s)
{
	static const int rank[] = { [STATUS_MANUAL] = 0, [STATUS_FIXABLE] = 1, [STATUS_UNKNOWN] = 2,
				    [STATUS_READY] = 3, [STATUS_NA] = 4 };
	return rank[s];
}

static const char *vc_names[] = { "vc-a.example", "VC-B.example" };

static const char *vcenter_name(const void *ctx, unsigned vc)
{
	(void)ctx;
	return vc_names[vc];
}

static const char *text(const fleet_vm *vm, vmorder_key k)
{
	switch (k) {
	case VMO_OS: return fleet_os_text(vm);
	case VMO_DATACENTER: return vm->f.datacenter;
	case VMO_CLUSTER: return vm->f.cluster;
	case VMO_HOST: return vm->f.host;
	case VMO_FOLDER: return vm->f.folder;
	case VMO_FINDING: return vm->v.n_findings ? vm->v.findings[0].rule : NULL;
	case VMO_VCENTER: return vcenter_name(NULL, vm->vc);
	default: return NULL;
	}
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int column_cmp(const fleet_vm *a, const fleet_vm *b, vmorder_key k)
{
	switch (k) {
	case VMO_POWER: return CMP((int)a->f.power, (int)b->f.power);
	case VMO_TOOLS: return CMP(a->f.tools_version, b->f.tools_version);
	case VMO_BEST: return CMP((int)a->v.best, (int)b->v.best);
	case VMO_PREDICTED: return CMP((int)a->v.predicted, (int)b->v.predicted);
	case VMO_STATUS: return CMP(status_rank(a->v.status), status_rank(b->v.status));
	case VMO_TEST: return CMP(a->f.last_test.at, b->f.last_test.at);
	case VMO_NAME: return 0;
	default: {
		const char *x = text(a, k), *y = text(b, k);
		if (!x || !y)
			return (x == NULL) - (y == NULL); /* not known: last */
		return k == VMO_OS || k == VMO_FINDING ? strcmp(x, y) : strcasecmp(x, y);
	}
	}
}

static vmorder_key ref_key;
static int ref_dir;

static int ref_cmp(const void *pa, const void *pb)
{
	const fleet_vm *a = *(fleet_vm *const *)pa, *b = *(fleet_vm *const *)pb;
	int r = column_cmp(a, b, ref_key) * ref_dir;
	if (r)
		return r;
	r = strcasecmp(a->f.name ? a->f.name : "", b->f.name ? b->f.name : "");
	if (ref_key == VMO_NAME)
		r *= ref_dir;
	if (r)
		return r;
	r = strcmp(a->f.moref, b->f.moref);
	return r ? r : CMP(a->vc, b->vc);
}

/* The order equals the reference sort of the VMs the filter shows; every VM is found where
 * it is, and a hidden one is not found. */
static void assert_order(vmorder *o, fleet *fl, const vm_filter *flt, vmorder_key k, int dir)
{
	vmorder_update(o, fl);
	fleet_vm **want = xcalloc(fl->n + 1, sizeof *want);
	size_t n = 0;
	for (size_t i = 0; i < fl->n; i++) {
		filter_subject s;
		const char *rules[VMORDER_MAX_RULES];
		vmorder_subject(o, fl->vms[i], &s, rules);
		if (!flt || filter_match(flt, &s))
			want[n++] = fl->vms[i];
		else
			assert_true(vmorder_find(o, fl->vms[i]) == (size_t)-1);
	}
	ref_key = k;
	ref_dir = dir;
	qsort(want, n, sizeof *want, ref_cmp);
	assert_int_equal(vmorder_count(o), n);
	for (size_t i = 0; i < n; i++) {
		if (vmorder_at(o, fl, i) != want[i])
			fail_msg("column %d dir %d: row %zu is %s (%s, power %d), want %s (%s, power %d)", (int)k, dir, i,
				 vmorder_at(o, fl, i)->f.name, vmorder_at(o, fl, i)->f.moref, vmorder_at(o, fl, i)->f.power,
				 want[i]->f.name, want[i]->f.moref, want[i]->f.power);
		assert_int_equal(vmorder_find(o, want[i]), i);
	}
	free(want);
}

/* ---- a fleet of varied VMs ---- */

static unsigned long seed = 12345;

static unsigned rnd(unsigned n)
{
	seed = seed * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(seed >> 33) % n;
}

static const char *const guests[] = { "windows2019srv_64Guest", "windows9Server64Guest",
				      "windows8Server64Guest", "ubuntu64Guest", "winXPProGuest",
				      "otherGuest64", NULL };
static const char *const folders[] = { "/DC0/vm/Production/SQL", "/DC0/vm/production/sql",
				       "/DC0/vm/Test", "/DC1/vm", NULL };
static const char *const places[] = { "alpha", "Alpha", "beta", "gamma", NULL };

static char *maybe(const char *const *from, unsigned n)
{
	const char *s = from[rnd(n)];
	return s ? xstrdup(s) : NULL;
}

/* VM number i of vCenter vc, with facts drawn at random (names repeat but for case). */
static void vm_update(fleet *fl, unsigned vc, int i, const char *name, time_t now)
{
	vm_facts f;
	model_vm_facts_init(&f);
	char moref[32], nm[64];
	snprintf(moref, sizeof moref, "vm-%d", i);
	if (!name) {
		static const char *const stems[] = { "sql", "SQL", "web", "app", "Db" };
		snprintf(nm, sizeof nm, "%s-%03d", stems[rnd(5)], rnd(40));
		name = nm;
	}
	f.moref = xstrdup(moref);
	f.name = rnd(50) ? xstrdup(name) : NULL;
	f.power = (power_state)rnd(4);
	f.config_guest_id = maybe(guests, 7);
	f.guest_id = f.config_guest_id ? xstrdup(f.config_guest_id) : NULL;
	f.tools_version = rnd(3) ? (int)rnd(13000) : 0;
	f.enable_uuid = (tri)rnd(3);
	f.folder = maybe(folders, 5);
	f.datacenter = maybe(places, 5);
	f.cluster = maybe(places, 5);
	f.host = maybe(places, 5);
	f.last_test.at = rnd(3) ? (time_t)rnd(5) * 1000 : 0;
	fleet_update_inventory(fl, vc, &f, now);
	model_vm_facts_done(&f);
}

static void make_fleet(fleet *fl, int n)
{
	fleet_init(fl);
	for (int i = 0; i < n; i++)
		vm_update(fl, (unsigned)(i % 7 == 0), i, NULL, 100);
}

static void test_every_column_both_ways_is_the_full_sort(void **state)
{
	(void)state;
	fleet fl;
	make_fleet(&fl, 400);
	vmorder *o = vmorder_new();
	vmorder_set_vcenter_names(o, vcenter_name, NULL);
	for (int k = 0; k < VMO_NKEYS; k++)
		for (int dir = 1; dir >= -1; dir -= 2) {
			vmorder_set_sort(o, (vmorder_key)k, dir);
			assert_order(o, &fl, NULL, (vmorder_key)k, dir);
		}
	vmorder_free(o);
	fleet_done(&fl);
}

/* Churn: a few VMs at a time change power, OS, tools, place and test, which moves them. */
static void test_churn_that_moves_vms_keeps_the_order_exact(void **state)
{
	(void)state;
	fleet fl;
	make_fleet(&fl, 300);
	vmorder *o = vmorder_new();
	vmorder_set_vcenter_names(o, vcenter_name, NULL);
	static const vmorder_key keys[] = { VMO_POWER, VMO_STATUS, VMO_FOLDER, VMO_FINDING, VMO_NAME,
					    VMO_TEST, VMO_OS, VMO_TOOLS };
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		int dir = k % 2 ? -1 : 1;
		vmorder_set_sort(o, keys[k], dir);
		assert_order(o, &fl, NULL, keys[k], dir);
		for (int round = 0; round < 20; round++) {
			int changes = 1 + (int)rnd(8);
			for (int c = 0; c < changes; c++) {
				const fleet_vm *vm = fl.vms[rnd((unsigned)fl.n)];
				char moref[32];
				snprintf(moref, sizeof moref, "%s", vm->f.moref);
				/* the same name (a live change), now and then twice in a batch */
				vm_update(&fl, vm->vc, atoi(moref + 3), vm->f.name ? vm->f.name : "x", 200);
			}
			assert_order(o, &fl, NULL, keys[k], dir);
		}
	}
	vmorder_free(o);
	fleet_done(&fl);
}

static void test_renames_new_and_removed_vms_and_new_values(void **state)
{
	(void)state;
	fleet fl;
	make_fleet(&fl, 200);
	vmorder *o = vmorder_new();
	vmorder_set_vcenter_names(o, vcenter_name, NULL);
	vmorder_set_sort(o, VMO_FOLDER, 1);
	assert_order(o, &fl, NULL, VMO_FOLDER, 1);
	/* a rename that moves a VM to the front of name order, and one that only changes case */
	vm_update(&fl, fl.vms[5]->vc, atoi(fl.vms[5]->f.moref + 3), "aaa-first", 300);
	assert_order(o, &fl, NULL, VMO_FOLDER, 1);
	vmorder_set_sort(o, VMO_NAME, -1);
	assert_order(o, &fl, NULL, VMO_NAME, -1);
	vm_update(&fl, fl.vms[6]->vc, atoi(fl.vms[6]->f.moref + 3), "AAA-FIRST", 300);
	assert_order(o, &fl, NULL, VMO_NAME, -1);
	/* new VMs, then a folder nobody had: it sorts among the others */
	for (int i = 200; i < 230; i++)
		vm_update(&fl, 0, i, NULL, 300);
	assert_order(o, &fl, NULL, VMO_NAME, -1);
	vmorder_set_sort(o, VMO_FOLDER, -1);
	assert_order(o, &fl, NULL, VMO_FOLDER, -1);
	fleet_vm *vm = fl.vms[17];
	free(vm->f.folder);
	vm->f.folder = xstrdup("/DC0/vm/Middle");
	vm_last_test t;
	model_last_test_copy(&t, &vm->f.last_test);
	fleet_apply_test(&fl, vm, &t, 300); /* a change the journal records */
	model_last_test_done(&t);
	assert_order(o, &fl, NULL, VMO_FOLDER, -1);
	/* VMs leave (positions move) */
	for (int i = 0; i < 230; i += 9) {
		char moref[32];
		snprintf(moref, sizeof moref, "vm-%d", i);
		fleet_remove(&fl, (unsigned)(i % 7 == 0 && i < 200), moref);
	}
	assert_order(o, &fl, NULL, VMO_FOLDER, -1);
	/* a new fleet after a reset */
	fleet_done(&fl);
	make_fleet(&fl, 50);
	vmorder_reset(o);
	assert_order(o, &fl, NULL, VMO_FOLDER, -1);
	vmorder_free(o);
	fleet_done(&fl);
}

static void test_the_filter_follows_changes_and_marks(void **state)
{
	(void)state;
	fleet fl;
	make_fleet(&fl, 300);
	vmorder *o = vmorder_new();
	vmorder_set_vcenter_names(o, vcenter_name, NULL);
	char err[256];
	vm_filter *f = filter_compile("sql !off", err, sizeof err);
	assert_non_null(f);
	vmorder_set_filter(o, f);
	vmorder_set_sort(o, VMO_POWER, 1);
	assert_order(o, &fl, f, VMO_POWER, 1);
	for (int round = 0; round < 30; round++) { /* power flips show and hide VMs */
		const fleet_vm *vm = fl.vms[rnd((unsigned)fl.n)];
		vm_update(&fl, vm->vc, atoi(vm->f.moref + 3), vm->f.name ? vm->f.name : "sql", 400);
		assert_order(o, &fl, f, VMO_POWER, 1);
	}
	vm_filter *m = filter_compile("marked", err, sizeof err);
	vmorder_set_filter(o, m);
	filter_free(f);
	assert_order(o, &fl, m, VMO_POWER, 1);
	fleet_set_mark(&fl, fl.vms[3], true);
	fleet_set_mark(&fl, fl.vms[30], true);
	assert_order(o, &fl, m, VMO_POWER, 1);
	assert_int_equal(vmorder_count(o), 2);
	fleet_set_mark(&fl, fl.vms[3], false);
	assert_order(o, &fl, m, VMO_POWER, 1);
	fleet_clear_marks(&fl);
	assert_order(o, &fl, m, VMO_POWER, 1);
	assert_int_equal(vmorder_count(o), 0);
	vmorder_set_filter(o, NULL);
	filter_free(m);
	assert_order(o, &fl, NULL, VMO_POWER, 1);
	vmorder_free(o);
	fleet_done(&fl);
}

/* A reader that falls far behind (more changes than the journal keeps) still ends exact. */
static void test_a_reader_far_behind_the_journal_redoes_all(void **state)
{
	(void)state;
	fleet fl;
	make_fleet(&fl, 100);
	vmorder *o = vmorder_new();
	vmorder_set_sort(o, VMO_TOOLS, 1);
	assert_order(o, &fl, NULL, VMO_TOOLS, 1);
	for (int i = 0; i < 10000; i++) { /* past the journal's bound */
		const fleet_vm *vm = fl.vms[rnd((unsigned)fl.n)];
		vm_update(&fl, vm->vc, atoi(vm->f.moref + 3), vm->f.name ? vm->f.name : "x", 500);
	}
	unsigned long pos = 0;
	const size_t *changed;
	size_t n;
	assert_false(fleet_journal_read(&fl, &pos, &changed, &n));
	assert_true(fleet_journal_read(&fl, &pos, &changed, &n));
	assert_int_equal(n, 0);
	assert_order(o, &fl, NULL, VMO_TOOLS, 1);
	vmorder_free(o);
	fleet_done(&fl);
}

/* The filter reads each VM's name, rule ids and texts from the order's own rows: every field
 * and kind of word answers as over the VM itself, through renames that leave most of the
 * rows' name store unused (it is compacted) and power and place changes. */
static void test_every_filter_field_from_the_rows_through_renames(void **state)
{
	(void)state;
	fleet fl;
	make_fleet(&fl, 300);
	vmorder *o = vmorder_new();
	vmorder_set_vcenter_names(o, vcenter_name, NULL);
	vmorder_set_sort(o, VMO_NAME, 1);
	static const char *const exprs[] = {
		"sql", "name:db-0", "R0", "R07", "rule:R25", "!R07 !R01", "os:2019", "win",
		"ready", "!unknown", "status:fixable", "power:on", "level:app", "folder:Prod*",
		"folder:sql", "dc:alpha", "cluster:BETA", "host:gam", "vcenter:vc-b", "^sql-0[0-9]+$",
		"re:^web", "marked", "sql !off R07",
		/* a filter's parts (shared texts once per combination, rule ids as bits): */
		"!sql", "r2", "!r0 db", "!win power:off", "!marked 0", "name:1 !rule:R07",
	};
	char err[256];
	for (int round = 0; round < 60; round++) {
		const char *expr = exprs[(size_t)round % (sizeof exprs / sizeof exprs[0])];
		vm_filter *f = filter_compile(expr, err, sizeof err);
		if (!f)
			fail_msg("%s: %s", expr, err);
		vmorder_set_filter(o, f);
		assert_order(o, &fl, f, VMO_NAME, 1);
		for (int c = 0; c < 20; c++) { /* renames, and the other facts drawn afresh */
			const fleet_vm *vm = fl.vms[rnd((unsigned)fl.n)];
			vm_update(&fl, vm->vc, atoi(vm->f.moref + 3), NULL, 600);
		}
		fleet_set_mark(&fl, fl.vms[rnd((unsigned)fl.n)], true);
		assert_order(o, &fl, f, VMO_NAME, 1);
		vmorder_set_filter(o, NULL);
		filter_free(f);
	}
	assert_order(o, &fl, NULL, VMO_NAME, 1);
	/* rule ids the rows' bits do not hold: the filter reads those VMs themselves */
	fleet_vm *odd[2] = { NULL, NULL };
	for (size_t i = 0; i < fl.n && !odd[1]; i++)
		if (fl.vms[i]->v.n_findings)
			odd[odd[0] ? 1 : 0] = fl.vms[i];
	assert_non_null(odd[1]);
	snprintf(odd[0]->v.findings[0].rule, sizeof odd[0]->v.findings[0].rule, "R70");
	snprintf(odd[1]->v.findings[0].rule, sizeof odd[1]->v.findings[0].rule, "X1");
	fleet_set_mark(&fl, odd[0], !odd[0]->marked); /* changes the journal records */
	fleet_set_mark(&fl, odd[1], !odd[1]->marked);
	static const char *const odd_exprs[] = { "R70", "x1", "rule:X1" };
	for (size_t k = 0; k < 3; k++) {
		vm_filter *f = filter_compile(odd_exprs[k], err, sizeof err);
		assert_non_null(f);
		vmorder_set_filter(o, f);
		assert_order(o, &fl, f, VMO_NAME, 1);
		assert_true(vmorder_count(o) >= 1);
		vmorder_set_filter(o, NULL);
		filter_free(f);
	}
	vmorder_free(o);
	fleet_done(&fl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_column_both_ways_is_the_full_sort),
		cmocka_unit_test(test_churn_that_moves_vms_keeps_the_order_exact),
		cmocka_unit_test(test_renames_new_and_removed_vms_and_new_values),
		cmocka_unit_test(test_the_filter_follows_changes_and_marks),
		cmocka_unit_test(test_a_reader_far_behind_the_journal_redoes_all),
		cmocka_unit_test(test_every_filter_field_from_the_rows_through_renames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
