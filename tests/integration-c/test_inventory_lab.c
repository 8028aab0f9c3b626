/* Integration tests of propcol + inventory over real HTTPS against the lab (build/quiescent-lab,
 * or QUIESCENT_LAB): facts as the scenario says, paging with a small page size, and
 * WaitForUpdatesEx seeing a power change made through another connection, a tools upgrade seen
 * as running (R22). A lab that is not built or does not start fails the group. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab_support.h"
#include "vsphere/inventory.h"
#include "vsphere/propcol.h"
#include "vsphere/session.h"
#include "vsphere/task.h"
#include "vsphere/vm_ops.h"

#define USER "administrator@vsphere.local"
#define PASSWORD "inv-Lab-pw"
#define N_BULK 23

static const char scenario[] =
	"{\"vcenter\": {\"user\": \"" USER "\", \"password\": \"" PASSWORD "\"},"
	"\"timing_ms\": {\"power_on\": 50, \"guest_shutdown\": 50, \"tools_start\": 50,"
	" \"tools_upgrade\": 3000},"
	"\"vms\": ["
	"{\"name\": \"win-ok\", \"guest_id\": \"windows9Server64Guest\", \"guest_build\": 17763,"
	" \"hw_version\": 14, \"extra_config\": {\"disk.EnableUUID\": \"TRUE\"},"
	" \"disks\": [{\"controller\": \"pvscsi\", \"bus\": 0, \"unit\": 0, \"gb\": 60},"
	"  {\"controller\": \"lsilogic-sas\", \"bus\": 1, \"unit\": 2, \"gb\": 10,"
	"   \"mode\": \"independent_persistent\"}],"
	" \"snapshots\": 2, \"tools\": {\"status\": \"running\", \"version\": \"11.3.5\"}},"
	"{\"name\": \"win-ide\", \"guest_id\": \"windows9Server64Guest\", \"power\": \"poweredOff\","
	" \"extra_config\": {\"disk.EnableUUID\": \"false\"},"
	" \"disks\": [{\"controller\": \"ide\", \"bus\": 0, \"unit\": 0, \"gb\": 20},"
	"  {\"controller\": \"sata\", \"bus\": 0, \"unit\": 1, \"gb\": 20},"
	"  {\"controller\": \"nvme\", \"bus\": 0, \"unit\": 0, \"gb\": 20,"
	"   \"mode\": \"independent_nonpersistent\"}],"
	" \"tools\": {\"status\": \"notInstalled\"}},"
	"{\"name\": \"bulk\", \"count\": 23}]}";

static lab the_lab;

static int setup_lab(void **state)
{
	return lab_start(&the_lab, scenario, 60);
}

static int teardown_lab(void **state)
{
	lab_stop(&the_lab);
	return 0;
}

static vs_session *connect_lab(void)
{
	vs_error e;
	vs_connect_opts o = { .url = the_lab.url, .user = USER, .password = PASSWORD,
			      .thumbprint = the_lab.thumbprint, .timeout_s = 30 };
	vs_session *s = vs_session_connect(&o, &e);
	if (!s)
		fail_msg("connect: %s", e.message);
	return s;
}

static const vm_facts *find(const vm_facts *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	fail_msg("no VM %s", name);
	return NULL;
}

static const vm_disk *disk_on(const vm_facts *f, controller_kind k)
{
	for (size_t i = 0; i < f->n_disks; i++)
		if (f->disks[i].controller == k)
			return &f->disks[i];
	fail_msg("%s: no disk on %d", f->name, k);
	return NULL;
}

static void test_scan_facts(void **state)
{
	vs_session *s = connect_lab();
	vs_error e;
	vs_conn *c = vs_conn_new(s, &e);
	const char *globs[] = { "win-*", "bulk-00?", "no-such-vm*" };
	size_t counts[3];
	vm_facts *v;
	size_t n;
	assert_int_equal(inventory_scan(c, globs, 3, counts, &v, &n, &e), 0);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 9); /* bulk-001 .. bulk-009 */
	assert_int_equal(counts[2], 0);
	assert_int_equal(n, 11);

	const vm_facts *ok = find(v, n, "win-ok");
	assert_false(ok->facts_error);
	assert_int_equal(ok->power, POWER_ON);
	assert_true(ok->boot_time > 0);
	assert_int_equal(ok->hw_version, 14);
	assert_string_equal(ok->config_guest_id, "windows9Server64Guest");
	assert_int_equal(ok->enable_uuid, TRI_YES);
	assert_int_equal(ok->guest_build, 17763);
	assert_int_equal(ok->tools, TOOLS_RUNNING);
	assert_int_equal(ok->tools_version, 11 * 1024 + 3 * 32 + 5);
	assert_int_equal(ok->snapshot_count, 2);
	assert_int_equal(ok->n_disks, 2);
	assert_int_equal(ok->n_scsi_controllers, 2);
	assert_true(ok->scsi_units_used >= 2);
	const vm_disk *d = disk_on(ok, CTRL_PVSCSI);
	assert_int_equal(d->bus, 0);
	assert_int_equal(d->unit, 0);
	assert_int_equal(d->mode, DISK_PERSISTENT);
	assert_int_equal(d->capacity_kb, 60LL * 1024 * 1024);
	d = disk_on(ok, CTRL_LSILOGIC_SAS);
	assert_int_equal(d->bus, 1);
	assert_int_equal(d->unit, 2);
	assert_int_equal(d->mode, DISK_INDEPENDENT_PERSISTENT);
	assert_true(ok->n_volumes >= 1);

	const vm_facts *ide = find(v, n, "win-ide");
	assert_int_equal(ide->power, POWER_OFF);
	assert_int_equal(ide->enable_uuid, TRI_NO);
	assert_string_equal(ide->enable_uuid_raw, "false");
	assert_int_equal(ide->tools, TOOLS_NOT_INSTALLED);
	assert_int_equal(ide->snapshot_count, 0);
	assert_int_equal(ide->n_disks, 3);
	assert_int_equal(disk_on(ide, CTRL_IDE)->unit, 0);
	assert_int_equal(disk_on(ide, CTRL_SATA)->unit, 1);
	assert_int_equal(disk_on(ide, CTRL_NVME)->mode, DISK_INDEPENDENT_NONPERSISTENT);
	assert_int_equal(ide->n_scsi_controllers, 0);

	assert_int_equal(inventory_running_tools_upgrades(c, v, n, &e), 0);
	for (size_t i = 0; i < n; i++)
		assert_false(v[i].tools_upgrade_running);
	inventory_free(v, n);
	vs_conn_free(c);
	vs_session_free(s);
}

static int count_names(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		       vs_error *err)
{
	if (strcmp(prop, "name") == 0)
		(*(int *)ctx)++;
	return 0;
}

static void test_paging_small_pages(void **state)
{
	vs_session *s = connect_lab();
	vs_error e;
	vs_conn *c = vs_conn_new(s, &e);
	char view[VS_MOREF_MAX];
	assert_int_equal(vs_view_create(c, "VirtualMachine", view, sizeof view, &e), 0);
	size_t n_paths;
	const char *const *paths = inventory_paths(&n_paths);
	int names = 0;
	assert_int_equal(vs_retrieve(c, view, "VirtualMachine", paths, n_paths, 4, count_names,
				     NULL, &names, &e), 0);
	assert_int_equal(names, 2 + N_BULK); /* every VM, whether or not the server pages */
	assert_int_equal(vs_view_destroy(c, view, &e), 0);
	vs_conn_free(c);
	vs_session_free(s);
}

typedef struct {
	char moref[64];
	vm_facts f;
	bool entered, saw_power;
	power_state power;
} watch;

static int on_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		     vs_change_op op, xmlTextReaderPtr val, vs_error *err)
{
	watch *w = ctx;
	if (strcmp(moref, w->moref) != 0)
		return 0;
	if (!prop) {
		if (kind == VS_OBJ_ENTER) {
			model_vm_facts_done(&w->f);
			inventory_facts_begin(&w->f, moref);
			w->entered = true;
		}
		return 0;
	}
	if (inventory_apply_change(&w->f, prop, val) < 0)
		return vs_fail(err, VS_ERR_PARSE, "bad %s", prop);
	if (strcmp(prop, "runtime.powerState") == 0) {
		w->saw_power = true;
		w->power = w->f.power;
	}
	return 0;
}

static void power(vs_conn *c, const char *vm, bool on)
{
	vs_error e;
	char task[VS_MOREF_MAX];
	int rc = on ? vs_vm_power_on(c, vm, task, sizeof task, &e)
		    : vs_vm_power_off(c, vm, task, sizeof task, &e);
	if (rc == 0)
		rc = vs_task_wait(c, task, 60, NULL, NULL, NULL, &e);
	if (rc < 0)
		fail_msg("power %s: %s", on ? "on" : "off", e.message);
}

static void test_live_power_change(void **state)
{
	vs_session *s = connect_lab();
	vs_error e;
	vs_conn *c = vs_conn_new(s, &e);
	vm_facts *v;
	size_t n;
	const char *globs[] = { "win-ok" };
	assert_int_equal(inventory_scan(c, globs, 1, NULL, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	watch w = { .power = POWER_UNKNOWN };
	model_vm_facts_init(&w.f);
	snprintf(w.moref, sizeof w.moref, "%s", v[0].moref);
	inventory_free(v, n);

	char view[VS_MOREF_MAX];
	assert_int_equal(vs_view_create(c, "VirtualMachine", view, sizeof view, &e), 0);
	size_t n_paths;
	const char *const *paths = inventory_paths(&n_paths);
	vs_updates u;
	assert_int_equal(vs_updates_create(c, view, "VirtualMachine", paths, n_paths, &u, &e), 0);
	char version[256] = "";
	/* the first wait delivers the current state as "enter", through the same mapping */
	assert_true(vs_wait_updates(c, &u, version, version, sizeof version, 10, on_change, NULL,
				    &w, &e) >= 1);
	assert_true(w.entered);
	assert_int_equal(w.f.power, POWER_ON);
	assert_int_equal(w.f.enable_uuid, TRI_YES);
	assert_int_equal(w.f.snapshot_count, 2);

	/* another connection (another session, as another operator would) powers it off */
	vs_session *s2 = connect_lab();
	vs_conn *c2 = vs_conn_new(s2, &e);
	power(c2, w.moref, false);
	w.saw_power = false;
	time_t deadline = time(NULL) + 30;
	while (w.power != POWER_OFF && time(NULL) < deadline)
		assert_true(vs_wait_updates(c, &u, version, version, sizeof version, 5, on_change,
					    NULL, &w, &e) >= 0);
	assert_true(w.saw_power);
	assert_int_equal(w.f.power, POWER_OFF);
	power(c2, w.moref, true);
	while (w.power != POWER_ON && time(NULL) < deadline)
		assert_true(vs_wait_updates(c, &u, version, version, sizeof version, 5, on_change,
					    NULL, &w, &e) >= 0);
	assert_int_equal(w.f.power, POWER_ON);

	assert_int_equal(vs_updates_destroy(c, &u, &e), 0);
	assert_int_equal(vs_view_destroy(c, view, &e), 0);
	model_vm_facts_done(&w.f);
	vs_conn_free(c2);
	vs_session_free(s2);
	vs_conn_free(c);
	vs_session_free(s);
}

static void test_tools_upgrade_task_seen(void **state)
{
	vs_session *s = connect_lab();
	vs_error e;
	vs_conn *c = vs_conn_new(s, &e);
	vm_facts *v;
	size_t n;
	const char *globs[] = { "win-ok" };
	assert_int_equal(inventory_scan(c, globs, 1, NULL, &v, &n, &e), 0);
	char task[VS_MOREF_MAX];
	if (vs_vm_upgrade_tools(c, v[0].moref, NULL, task, sizeof task, &e) < 0)
		fail_msg("UpgradeTools_Task: %s", e.message);
	assert_int_equal(inventory_running_tools_upgrades(c, v, n, &e), 0);
	assert_true(v[0].tools_upgrade_running);
	assert_int_equal(vs_task_wait(c, task, 60, NULL, NULL, NULL, &e), 0);
	/* The finished task stays among vCenter's recent tasks, with its entity and times. */
	vs_task_result *recent;
	size_t n_recent;
	assert_int_equal(vs_recent_tasks(c, &recent, &n_recent, &e), 0);
	const vs_task_result *mine = NULL;
	for (size_t i = 0; i < n_recent; i++)
		if (strcmp(recent[i].task, task) == 0)
			mine = &recent[i];
	assert_non_null(mine);
	assert_string_equal(mine->description_id, "VirtualMachine.upgradeTools");
	assert_string_equal(mine->entity, v[0].moref);
	assert_int_equal(mine->state, VS_TASK_SUCCESS);
	assert_true(mine->started_at > 0 && mine->ended_at >= mine->started_at);
	vs_task_results_free(recent, n_recent);
	assert_int_equal(inventory_running_tools_upgrades(c, v, n, &e), 0);
	assert_false(v[0].tools_upgrade_running);
	inventory_free(v, n);
	vs_conn_free(c);
	vs_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_facts),
		cmocka_unit_test(test_paging_small_pages),
		cmocka_unit_test(test_live_power_change),
		cmocka_unit_test(test_tools_upgrade_task_seen),
	};
	int failed = cmocka_run_group_tests(tests, setup_lab, teardown_lab);
	xmlCleanupParser();
	return failed;
}
