/* The VM list's order (tui/vmorder) on 50,000 lab-shaped VMs, for instruction counts
 * (valgrind --tool=callgrind build/bench/console_rows PHASE): the console bench's scenario
 * names, guests and folders x 2084, then one phase of what a key or a frame costs:
 *   none    the set-up alone (subtract it)
 *   sort    the 14 sort columns, one after the other (200 keys of `>` cycle through them)
 *   churn   20 frames, each after 500 power flips (1 % a second of 50,000)
 *   filter  typing "win2019 R07 !ready " a key at a time, a new filter each key
 *   churnfilter  the churn's 20 frames (names and findings then lie scattered), then the
 *           filter's keys (subtract churn)
 * Prints what it did; the counts come from callgrind. */
#include "rules/rules.h"
#include "tui/filter.h"
#include "tui/fleet.h"
#include "tui/vmorder.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *guest, *folder;
} kinds[] = {
	{ "ready-2019", "windows2019srv_64Guest", "/DC0/vm/Production/SQL" },
	{ "no-uuid-2016", "windows9Server64Guest", "/DC0/vm" },
	{ "uuid-false-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "lgto-2012r2", "windows8Server64Guest", "/DC0/vm" },
	{ "novss-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "ide-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "sata-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "toolsdown-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "notools-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "web-linux", "ubuntu64Guest", "/DC0/vm" },
	{ "off-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "nologin-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "badwriter-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "vssoff-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "toolsconf-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "dyndisk-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "snaps32-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "oldtools-2016", "windows9Server64Guest", "/DC0/vm" },
	{ "xp-nosync", "winXPProGuest", "/DC0/vm" },
	{ "desk-win10", "windows9_64Guest", "/DC0/vm" },
	{ "lowspace-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "indep-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "manydisks-2019", "windows2019srv_64Guest", "/DC0/vm" },
	{ "spaces-2022", "windows2019srvNext_64Guest", "/DC0/vm" },
};
#define KINDS (sizeof kinds / sizeof kinds[0])
#define SCALE 2084

static void update(fleet *fl, size_t k, int j, power_state power, time_t now)
{
	vm_facts f;
	model_vm_facts_init(&f);
	char s[64];
	snprintf(s, sizeof s, "vm-%zu", k * SCALE + (size_t)j);
	f.moref = xstrdup(s);
	snprintf(s, sizeof s, "%s-%04d", kinds[k].name, j);
	f.name = xstrdup(s);
	f.power = power;
	model_str_set(&f.config_guest_id, kinds[k].guest);
	model_str_set(&f.guest_id, kinds[k].guest);
	model_str_set(&f.folder, kinds[k].folder);
	model_str_set(&f.datacenter, "DC0");
	model_str_set(&f.cluster, "cluster0");
	model_str_set(&f.host, "esx-01.lab");
	f.tools_version = 12352;
	f.enable_uuid = k % 3 ? TRI_YES : TRI_NO;
	fleet_update_inventory(fl, 0, &f, now);
	model_vm_facts_done(&f);
}

int main(int argc, char **argv)
{
	const char *phase = argc > 1 ? argv[1] : "none";
	fleet fl;
	fleet_init(&fl);
	for (size_t k = 0; k < KINDS; k++)
		for (int j = 1; j <= SCALE; j++)
			update(&fl, k, j, k == 10 ? POWER_OFF : POWER_ON, 100);
	vmorder *o = vmorder_new();
	vmorder_update(o, &fl);
	unsigned long seed = 1;
	if (!strcmp(phase, "sort")) {
		for (int k = 1; k <= VMO_NKEYS; k++) {
			vmorder_set_sort(o, (vmorder_key)(k % VMO_NKEYS), 1);
			vmorder_update(o, &fl);
		}
	} else if (!strcmp(phase, "churn") || !strcmp(phase, "churnfilter")) {
		vmorder_set_sort(o, VMO_STATUS, 1);
		vmorder_update(o, &fl);
		for (int frame = 0; frame < 20; frame++) {
			for (int c = 0; c < 500; c++) {
				seed = seed * 6364136223846793005ul + 1442695040888963407ul;
				size_t i = (size_t)(seed >> 33) % fl.n;
				const fleet_vm *vm = fl.vms[i];
				update(&fl, i / SCALE, (int)(i % SCALE) + 1,
				       vm->f.power == POWER_ON ? POWER_OFF : POWER_ON, 200 + frame);
			}
			vmorder_update(o, &fl);
		}
	}
	if (!strcmp(phase, "filter") || !strcmp(phase, "churnfilter")) {
		const char *text = "win2019 R07 !ready ";
		char expr[64], err[256];
		vm_filter *f = NULL;
		for (size_t n = 1; n <= strlen(text); n++) {
			snprintf(expr, sizeof expr, "%.*s", (int)n, text);
			vm_filter *g = filter_compile(expr, err, sizeof err);
			if (!g)
				continue; /* a half-typed word ("!") does not apply yet */
			vmorder_set_filter(o, g);
			filter_free(f);
			f = g;
			vmorder_update(o, &fl);
		}
		vmorder_set_filter(o, NULL);
		filter_free(f);
	}
	printf("%s: %zu VMs, %zu shown\n", phase, fl.n, vmorder_count(o));
	vmorder_free(o);
	fleet_done(&fl);
	return 0;
}
