/* inventory: every mapped fact from canned RetrievePropertiesEx / WaitForUpdatesEx responses,
 * name globs, missing properties, R22 tasks, and a parse-speed/memory benchmark
 * (QUIESCENT_BENCH=1 runs it at 10,000 VMs and prints the numbers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include "vs_fake_transport.h"
#include "rules/rules.h"
#include "vsphere/inventory.h"
#include "vsphere/task.h"
#include "util/timefmt.h"

#define BOOT_0815 ((time_t)1795162530) /* 2026-11-20T08:15:30Z */

static void expect_scan_pages(void)
{
	fake_expect("CreateContainerView|<type>VirtualMachine</type>", "create_view.xml");
	fake_expect("CreateContainerView|<type>Folder</type>", "create_view.xml");
	/* the containers and the list of VMs first, then the VMs listed */
	fake_expect("RetrievePropertiesEx|<type>Folder</type>|<type>ContainerView</type>"
		    "<pathSet>view</pathSet>", "retrieve_vm_list.xml");
	fake_expect("RetrievePropertiesEx|<pathSet>config.hardware.device</pathSet>|"
		    "<pathSet>guest.disk</pathSet>|<pathSet>snapshot</pathSet>|"
		    "<obj type=\"VirtualMachine\">vm-42</obj>|<obj type=\"VirtualMachine\">vm-47</obj>|"
		    "<maxObjects>", "retrieve_page1.xml");
	fake_expect("ContinueRetrievePropertiesEx|<token>1</token>", "retrieve_page2.xml");
	fake_expect("ContinueRetrievePropertiesEx|<token>2</token>", "retrieve_page3.xml");
	fake_expect("DestroyView|session[1f561484", "void_response.xml");
	fake_expect("DestroyView|session[1f561484", "void_response.xml");
}

static const vm_facts *find(const vm_facts *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].name && strcmp(v[i].name, name) == 0)
			return &v[i];
	fail_msg("no VM %s", name);
	return NULL;
}

static void assert_disk(const vm_disk *d, const char *label, controller_kind ctrl, int bus,
			int unit, disk_mode mode, int64_t kb)
{
	assert_string_equal(d->label, label);
	assert_int_equal(d->controller, ctrl);
	assert_int_equal(d->bus, bus);
	assert_int_equal(d->unit, unit);
	assert_int_equal(d->mode, mode);
	assert_int_equal(d->capacity_kb, kb);
}

static void test_scan_all_facts(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vm_facts *v;
	size_t n;
	expect_scan_pages();
	assert_int_equal(inventory_scan(NULL, NULL, 0, NULL, &v, &n, &err), 0);
	assert_int_equal(fake_pos, fake_n);
	assert_int_equal(n, 6);
	/* sorted by name */
	const char *order[] = { "app-01", "sql-prod-01", "sql-prod-02", "sql-test-01",
				"tmpl-win2019", "web-01" };
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i].name, order[i]);

	const vm_facts *f = find(v, n, "sql-prod-01");
	assert_string_equal(f->moref, "vm-42");
	assert_false(f->is_template);
	assert_false(f->facts_error);
	assert_null(f->facts_error_text);
	assert_string_equal(f->config_guest_id, "windows2019srvNext_64Guest");
	assert_string_equal(f->config_guest_full_name, "Microsoft Windows Server 2022 (64-bit)");
	assert_int_equal(f->hw_version, 19);
	assert_int_equal(f->enable_uuid, TRI_YES);
	assert_string_equal(f->enable_uuid_raw, "True");
	assert_int_equal(f->guest_build, 20348); /* guestinfo.os.build beats detailed data */
	assert_int_equal(f->n_scsi_controllers, 2);
	assert_int_equal(f->scsi_units_used, 4); /* 3 on pvscsi (2 disks + CD), 1 on lsisas */
	assert_int_equal(f->n_disks, 6);
	assert_disk(&f->disks[0], "Hard disk 1", CTRL_PVSCSI, 0, 0, DISK_PERSISTENT, 62914560);
	assert_disk(&f->disks[1], "Hard disk 2", CTRL_PVSCSI, 0, 1, DISK_INDEPENDENT_PERSISTENT,
		    104857600);
	assert_disk(&f->disks[2], "Hard disk 3", CTRL_LSILOGIC_SAS, 1, 0, DISK_PERSISTENT,
		    1048576); /* from capacityInBytes */
	assert_disk(&f->disks[3], "Hard disk 4", CTRL_IDE, 0, 0, DISK_INDEPENDENT_NONPERSISTENT,
		    8388608);
	assert_disk(&f->disks[4], "Hard disk 5", CTRL_SATA, 0, 0, DISK_PERSISTENT, 4194304);
	assert_disk(&f->disks[5], "Hard disk 6", CTRL_NVME, 2, 3, DISK_OTHER_MODE, 2097152);
	assert_int_equal(f->power, POWER_ON);
	assert_int_equal(f->boot_time, BOOT_0815);
	assert_string_equal(f->guest_id, "windows2019srvNext_64Guest");
	assert_string_equal(f->guest_full_name, "Microsoft Windows Server 2022 (64-bit)");
	assert_int_equal(f->tools, TOOLS_RUNNING);
	assert_int_equal(f->tools_version, 11365);
	assert_int_equal(f->tools_version, 11 * 1024 + 3 * 32 + 5); /* 11.3.5 */
	assert_int_equal(f->tools_version_status, TOOLS_VS_CURRENT);
	assert_int_equal(f->n_volumes, 2);
	assert_string_equal(f->volumes[0].path, "C:\\");
	assert_int_equal(f->volumes[0].capacity_bytes, 64422408192LL);
	assert_int_equal(f->volumes[0].free_bytes, 21474836480LL);
	assert_string_equal(f->volumes[1].path, "D:\\SQL Data & Logs\\");
	assert_int_equal(f->volumes[1].capacity_bytes, 107373129728LL);
	assert_int_equal(f->volumes[1].free_bytes, 536870912);
	assert_int_equal(f->snapshot_count, 5); /* nested: 2 roots, 3 children */
	assert_false(f->tools_upgrade_running);

	f = find(v, n, "web-01");
	assert_string_equal(f->moref, "vm-43");
	assert_int_equal(f->hw_version, 13);
	assert_int_equal(f->enable_uuid, TRI_NO); /* "FALSE", key in another case */
	assert_string_equal(f->enable_uuid_raw, "FALSE");
	assert_int_equal(f->guest_build, 14393); /* guestinfo.detailed.data */
	assert_int_equal(f->n_scsi_controllers, 2); /* lsilogic + buslogic */
	assert_int_equal(f->scsi_units_used, 1);
	assert_int_equal(f->n_disks, 1);
	assert_disk(&f->disks[0], "Hard disk 1", CTRL_LSILOGIC, 0, 0, DISK_PERSISTENT, 41943040);
	assert_int_equal(f->power, POWER_OFF);
	assert_int_equal(f->boot_time, BOOT_0815); /* +02:00 */
	assert_int_equal(f->tools, TOOLS_NOT_INSTALLED);
	assert_int_equal(f->tools_version_status, TOOLS_VS_NOT_INSTALLED);
	assert_int_equal(f->tools_version, 0);
	assert_int_equal(f->n_volumes, 0);
	assert_null(f->volumes);
	assert_int_equal(f->snapshot_count, 0); /* unset: no snapshot */
	assert_null(f->guest_id);

	f = find(v, n, "tmpl-win2019");
	assert_true(f->is_template);
	assert_true(f->facts_error);
	assert_string_equal(f->facts_error_text,
		"config.hardware.device: NoPermission: Permission to perform this operation was "
		"denied.; config.extraConfig: NoPermission: Permission to perform this operation "
		"was denied.; snapshot: SystemError");
	assert_int_equal(f->enable_uuid, TRI_UNKNOWN); /* unreadable, not absent */
	assert_null(f->enable_uuid_raw);
	assert_int_equal(f->snapshot_count, -1);
	assert_int_equal(f->n_disks, 0);
	assert_int_equal(f->power, POWER_OFF);
	assert_int_equal(f->tools, TOOLS_UNKNOWN);
	assert_int_equal(f->hw_version, 0);

	f = find(v, n, "sql-prod-02");
	assert_int_equal(f->enable_uuid, TRI_YES);
	assert_string_equal(f->enable_uuid_raw, "true");
	assert_int_equal(f->power, POWER_SUSPENDED);
	assert_int_equal(f->tools, TOOLS_RUNNING); /* executing scripts */
	assert_int_equal(f->tools_version, 10272); /* 10.1.0 */
	assert_int_equal(f->tools_version_status, TOOLS_VS_TOO_OLD);
	assert_int_equal(f->boot_time, BOOT_0815); /* .5-05:00 */

	f = find(v, n, "app-01");
	assert_int_equal(f->enable_uuid, TRI_NO); /* absent ("disk.EnableUUIDx" is another key) */
	assert_null(f->enable_uuid_raw);
	assert_int_equal(f->tools_version, 2147483647);
	assert_int_equal(f->tools_version_status, TOOLS_VS_UNMANAGED);
	assert_string_equal(f->guest_id, "ubuntu64Guest");
	assert_int_equal(f->snapshot_count, 1);

	f = find(v, n, "sql-test-01");
	assert_int_equal(f->enable_uuid, TRI_YES); /* DISK.ENABLEUUID = TRUE */
	assert_int_equal(f->power, POWER_UNKNOWN);
	assert_int_equal(f->tools, TOOLS_UNKNOWN);
	assert_int_equal(f->boot_time, 0);
	assert_int_equal(f->snapshot_count, 0);
	assert_int_equal(f->guest_build, 0);
	inventory_free(v, n);
}

static void test_scan_globs(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vm_facts *v;
	size_t n;
	const char *globs[] = { "sql-*", "nomatch*", "web-0?", "*-01" };
	size_t counts[4] = { 9, 9, 9, 9 };
	expect_scan_pages();
	assert_int_equal(inventory_scan(NULL, globs, 4, counts, &v, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(counts[0], 3);
	assert_int_equal(counts[1], 0);
	assert_int_equal(counts[2], 1);
	assert_int_equal(counts[3], 4); /* app-01, sql-prod-01, sql-test-01, web-01 */
	assert_string_equal(v[0].name, "app-01");
	assert_string_equal(v[4].name, "web-01");
	inventory_free(v, n);
}

static void test_scan_view_fault(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vm_facts *v = (vm_facts *)1;
	size_t n = 7;
	fake_expect_fault("CreateContainerView", "NoPermission");
	assert_int_equal(inventory_scan(NULL, NULL, 0, NULL, &v, &n, &err), -1);
	assert_string_equal(err.fault, "NoPermission");
	assert_null(v);
	assert_int_equal(n, 0);
}

static void test_scan_malformed(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vm_facts *v;
	size_t n;
	size_t counts[1];
	const char *globs[] = { "*" };
	fake_expect("CreateContainerView", "create_view.xml");
	fake_expect("CreateContainerView", "create_view.xml");
	fake_expect("RetrievePropertiesEx", "retrieve_vm_list.xml");
	fake_expect("RetrievePropertiesEx", "retrieve_page1.xml");
	fake_expect("ContinueRetrievePropertiesEx", "retrieve_truncated.xml");
	fake_expect("CancelRetrievePropertiesEx|<token>7</token>", "void_response.xml");
	fake_expect("DestroyView", "void_response.xml");
	fake_expect("DestroyView", "void_response.xml");
	assert_int_equal(inventory_scan(NULL, globs, 1, counts, &v, &n, &err), -1);
	assert_int_equal(err.kind, VS_ERR_PARSE);
	assert_int_equal(fake_pos, fake_n); /* view destroyed even so */
	assert_null(v);
	assert_int_equal(counts[0], 0);
}

/* A console-like consumer of WaitForUpdatesEx: the same mapping as the scan. */
typedef struct {
	vm_facts vms[8];
	size_t n;
} live;

static vm_facts *live_find(live *l, const char *moref)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->vms[i].moref, moref) == 0)
			return &l->vms[i];
	return NULL;
}

static int live_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		       vs_change_op op, xmlTextReaderPtr val, vs_error *err)
{
	live *l = ctx;
	vm_facts *f = live_find(l, moref);
	if (!prop) {
		if (kind == VS_OBJ_ENTER && !f)
			inventory_facts_begin(&l->vms[l->n++], moref);
		else if (kind == VS_OBJ_LEAVE && f) {
			model_vm_facts_done(f);
			*f = l->vms[--l->n];
		}
		return 0;
	}
	assert_non_null(f);
	return inventory_apply_change(f, prop, op == VS_OP_ASSIGN ? val : NULL);
}

static int live_missing(void *ctx, const char *moref, const char *path, const char *fault,
			const char *message, vs_error *err)
{
	inventory_apply_missing(live_find(ctx, moref), path, fault, message);
	return 0;
}

/* The same consumer fed by the SAX2 push parser (vs_wait_updates_stream), as the console is. */
static bool live_sax;
static inventory_val *live_val;

static int live_object(void *ctx, const char *obj_type, const char *moref, vs_obj_kind kind,
		       vs_error *err)
{
	return live_change(ctx, moref, kind, NULL, VS_OP_ASSIGN, NULL, err);
}

static int live_change_events(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
			      vs_change_op op, bool has_val, vs_error *err)
{
	vm_facts *f = live_find(ctx, moref);
	assert_non_null(f);
	if (!has_val || op != VS_OP_ASSIGN)
		return inventory_apply_change(f, prop, NULL);
	return inventory_val_begin(live_val, f, prop) ? 1 : 0;
}

static void live_start(void *ctx, int depth, const char *name, const char *xsi_type)
{
	inventory_val_start(live_val, depth, name, xsi_type);
}

static void live_text(void *ctx, const char *t, size_t n)
{
	inventory_val_text(live_val, t, n);
}

static void live_end(void *ctx, int depth, const char *name)
{
	inventory_val_end(live_val, depth, name);
}

static int live_finish(void *ctx, vs_error *err)
{
	inventory_val_finish(live_val);
	return 0;
}

static void live_abort(void *ctx)
{
	inventory_val_abort(live_val);
}

static const vs_update_sink live_sink = {
	.object = live_object,
	.change = live_change_events,
	.val = { .start = live_start, .text = live_text, .end = live_end, .finish = live_finish,
		 .abort = live_abort, .on_missing = live_missing },
};

static int live_wait(vs_updates *u, const char *in, char *out, size_t n, live *l, vs_error *err)
{
	if (live_sax)
		return vs_wait_updates_stream(NULL, u, in, out, n, 10, &live_sink, l, err);
	return vs_wait_updates(NULL, u, in, out, n, 10, live_change, live_missing, l, err);
}

static void test_live_updates(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	live l = { .n = 0 };
	vs_updates u = { .collector = "pc-2" };
	char version[32];
	size_t n_paths;
	const char *const *paths = inventory_paths(&n_paths);
	assert_int_equal(n_paths, 17);
	assert_string_equal(paths[0], "name");

	fake_expect("WaitForUpdatesEx", "wait_enter_truncated.xml");
	fake_expect("<version>1_1</version>", "wait_enter_rest.xml");
	assert_int_equal(live_wait(&u, "", version, sizeof version, &l, &err), 2);
	assert_int_equal(l.n, 2);
	vm_facts *sql = live_find(&l, "vm-42");
	assert_string_equal(sql->name, "sql-prod-01");
	assert_int_equal(sql->power, POWER_ON);
	assert_int_equal(sql->enable_uuid, TRI_NO);
	assert_string_equal(sql->enable_uuid_raw, "FALSE");
	assert_int_equal(sql->snapshot_count, 0);
	vm_facts *web = live_find(&l, "vm-43");
	assert_true(web->facts_error);
	assert_non_null(strstr(web->facts_error_text, "config.hardware.device: NoPermission"));

	/* give vm-42 a guest disk first, so the indirectRemove has something to remove */
	static const char disk_xml[] =
		"<val xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Array"
		"OfGuestDiskInfo\"><GuestDiskInfo><diskPath>C:\\</diskPath><capacity>100"
		"</capacity><freeSpace>5</freeSpace></GuestDiskInfo></val>";
	xmlTextReaderPtr r = xmlReaderForMemory(disk_xml, sizeof disk_xml - 1, NULL, NULL, 0);
	assert_int_equal(xmlTextReaderRead(r), 1);
	assert_int_equal(inventory_apply_change(sql, "guest.disk", r), 0);
	xmlFreeTextReader(r);
	assert_int_equal(sql->n_volumes, 1);
	assert_int_equal(sql->volumes[0].free_bytes, 5);

	fake_expect("<version>1</version>", "wait_modify.xml");
	assert_int_equal(live_wait(&u, version, version, sizeof version, &l, &err), 3);
	assert_string_equal(version, "2");
	sql = live_find(&l, "vm-42");
	assert_int_equal(sql->power, POWER_OFF);
	assert_int_equal(sql->enable_uuid, TRI_YES);
	assert_string_equal(sql->enable_uuid_raw, "TRUE");
	assert_int_equal(sql->snapshot_count, 1);
	assert_int_equal(sql->n_volumes, 0);
	assert_null(live_find(&l, "vm-43")); /* left */
	assert_string_equal(live_find(&l, "vm-48")->name, "new-vm");
	for (size_t i = 0; i < l.n; i++)
		model_vm_facts_done(&l.vms[i]);
}

static void test_live_updates_sax(void **state)
{
	live_sax = true;
	live_val = inventory_val_new();
	test_live_updates(state);
	inventory_val_free(live_val);
	live_val = NULL;
	live_sax = false;
}

/* The estate: VMs first, their containers after them (any order is allowed), a clustered
 * host and a standalone one, nested folders under a datacenter inside a folder. */
#define OBJ(type, moref, props) "<objects><obj type=\"" type "\">" moref "</obj>" props "</objects>"
#define PROP(name, val) "<propSet><name>" name "</name><val>" val "</val></propSet>"
#define VM_LIST(morefs) "<objects><obj type=\"ContainerView\">session[1]v</obj><propSet><name>view" \
	"</name><val xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" " \
	"xsi:type=\"ArrayOfManagedObjectReference\">" morefs "</val></propSet></objects>"
#define VM_REF(moref) "<ManagedObjectReference type=\"VirtualMachine\">" moref "</ManagedObjectReference>"

/* The first answer: every container, and the list of VMs. */
static const char estate_page[] =
	"<Envelope><Body><RetrievePropertiesExResponse><returnval>"
	OBJ("Folder", "group-v9", PROP("name", "SQL") PROP("parent", "group-v8"))
	OBJ("Folder", "group-v8", PROP("name", "Production") PROP("parent", "group-v3"))
	OBJ("Folder", "group-v3", PROP("name", "vm") PROP("parent", "datacenter-2"))
	OBJ("Datacenter", "datacenter-2", PROP("name", "DC Paris") PROP("parent", "group-f1"))
	OBJ("Folder", "group-f1", PROP("name", "Europe") PROP("parent", "group-d1"))
	OBJ("ClusterComputeResource", "domain-c5", PROP("name", "Cluster A")
	    PROP("parent", "group-h4"))
	OBJ("HostSystem", "host-1", PROP("name", "esx-01.example.com") PROP("parent", "domain-c5"))
	OBJ("ComputeResource", "domain-s6", PROP("name", "esx-07") PROP("parent", "group-h4"))
	OBJ("HostSystem", "host-7", PROP("name", "esx-07.example.com") PROP("parent", "domain-s6"))
	"<objects><obj type=\"Folder\">group-h4</obj><missingSet><path>name</path><fault><fault "
	"xsi:type=\"NoPermission\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"
	"</fault></missingSet></objects>"
	VM_LIST(VM_REF("vm-1") VM_REF("vm-2") VM_REF("vm-3") VM_REF("vm-4"))
	"</returnval></RetrievePropertiesExResponse></Body></Envelope>";

/* Then the VMs listed. */
static const char estate_vms_page[] =
	"<Envelope><Body><RetrievePropertiesExResponse><returnval>"
	OBJ("VirtualMachine", "vm-1", PROP("name", "sql-01") PROP("parent", "group-v9")
	    PROP("runtime.host", "host-1"))
	OBJ("VirtualMachine", "vm-2", PROP("name", "edge-01") PROP("parent", "group-v3")
	    PROP("runtime.host", "host-7"))
	OBJ("VirtualMachine", "vm-3", PROP("name", "orphan-01") PROP("parent", "group-v404"))
	/* deleted since it was listed: reported missing (reportMissingObjectsInResults), dropped */
	"<objects><obj type=\"VirtualMachine\">vm-4</obj><missingSet><path></path><fault><fault "
	"xsi:type=\"ManagedObjectNotFound\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"
	"</fault></missingSet></objects>"
	"</returnval></RetrievePropertiesExResponse></Body></Envelope>";

static void expect_estate_scan(void)
{
	fake_expect("CreateContainerView|<type>VirtualMachine</type><recursive>", "create_view.xml");
	fake_expect("CreateContainerView|<type>Folder</type><type>Datacenter</type>"
		    "<type>ComputeResource</type><type>HostSystem</type><recursive>", "create_view.xml");
	/* the containers' filter first, the VM view's list second */
	fake_expect("RetrievePropertiesEx|<specSet><propSet><type>Folder</type><pathSet>name"
		    "</pathSet><pathSet>parent</pathSet></propSet><propSet><type>Datacenter</type>|"
		    "<type>HostSystem</type>|</specSet><specSet><propSet><type>ContainerView</type>"
		    "<pathSet>view</pathSet></propSet><objectSet><obj type=\"ContainerView\">", NULL);
	fake_steps[fake_n - 1].xml = estate_page;
	fake_steps[fake_n - 1].xml_len = sizeof estate_page - 1;
	fake_expect("RetrievePropertiesEx|<specSet><propSet><type>VirtualMachine</type>|"
		    "<pathSet>parent</pathSet><pathSet>runtime.host</pathSet></propSet><objectSet>"
		    "<obj type=\"VirtualMachine\">vm-1</obj><skip>false</skip></objectSet>|vm-4</obj>|"
		    "<reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet>", NULL);
	fake_steps[fake_n - 1].xml = estate_vms_page;
	fake_steps[fake_n - 1].xml_len = sizeof estate_vms_page - 1;
	fake_expect("DestroyView", "void_response.xml");
	fake_expect("DestroyView", "void_response.xml");
}

static void assert_estate(const vm_facts *v, size_t n)
{
	assert_int_equal(n, 3);
	const vm_facts *sql = find(v, n, "sql-01"), *edge = find(v, n, "edge-01"),
		       *orphan = find(v, n, "orphan-01");
	assert_string_equal(sql->folder, "/Europe/DC Paris/vm/Production/SQL");
	assert_string_equal(sql->datacenter, "DC Paris");
	assert_string_equal(sql->cluster, "Cluster A");
	assert_string_equal(sql->host, "esx-01.example.com");
	assert_string_equal(edge->folder, "/Europe/DC Paris/vm");
	assert_string_equal(edge->datacenter, "DC Paris");
	assert_null(edge->cluster); /* a standalone host */
	assert_string_equal(edge->host, "esx-07.example.com");
	assert_null(orphan->folder); /* its folder never came: unknown, not guessed */
	assert_null(orphan->datacenter);
	assert_null(orphan->host);
	assert_false(sql->facts_error); /* the host folder's unreadable name is no VM's fault */
	/* names shared by VMs are one interned copy, not one each */
	assert_ptr_equal(sql->datacenter, edge->datacenter);
	assert_ptr_equal(sql->datacenter, model_intern("DC Paris"));
}

static void test_scan_estate(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vm_facts *v;
	size_t n;
	expect_estate_scan();
	assert_int_equal(inventory_scan(NULL, NULL, 0, NULL, &v, &n, &err), 0);
	assert_estate(v, n);
	inventory_free(v, n);
}

typedef struct {
	vm_facts v[4];
	size_t n;
} handed;

static void hand_over(void *ctx, vm_facts *f)
{
	handed *h = ctx;
	h->v[h->n++] = *f;
}

/* inventory_scan_each hands each VM over with its location, the containers having come first. */
static void test_scan_each_estate(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	handed h = { .n = 0 };
	expect_estate_scan();
	assert_int_equal(inventory_scan_each(NULL, NULL, 0, NULL, hand_over, &h, &err), 0);
	assert_estate(h.v, h.n);
	for (size_t i = 0; i < h.n; i++)
		model_vm_facts_done(&h.v[i]);
}

/* Live moves: the watcher's way (vs_wait_updates_stream into inventory_val_begin_any and an
 * estate, locations resolved after each answer): a VM moved to another folder and host, and a
 * folder renamed, change the VMs' locations. */
typedef struct {
	vm_facts vm;
	bool have_vm;
	estate *e;
	inventory_val *val;
	char type[32];
} mover;

static int mv_object(void *ctx, const char *obj_type, const char *moref, vs_obj_kind kind,
		     vs_error *err)
{
	mover *m = ctx;
	snprintf(m->type, sizeof m->type, "%s", obj_type);
	if (!strcmp(obj_type, "VirtualMachine") && !m->have_vm) {
		inventory_facts_begin(&m->vm, moref);
		m->have_vm = true;
	}
	return 0;
}

static int mv_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		     vs_change_op op, bool has_val, vs_error *err)
{
	mover *m = ctx;
	bool vm = !strcmp(m->type, "VirtualMachine");
	if (!has_val) {
		estate_set(m->e, m->type, moref, prop, NULL);
		return 0;
	}
	return inventory_val_begin_any(m->val, m->e, m->type, moref, vm ? &m->vm : NULL, prop);
}

static void mv_start(void *ctx, int depth, const char *name, const char *xsi_type)
{
	inventory_val_start(((mover *)ctx)->val, depth, name, xsi_type);
}

static void mv_text(void *ctx, const char *t, size_t n)
{
	inventory_val_text(((mover *)ctx)->val, t, n);
}

static void mv_end(void *ctx, int depth, const char *name)
{
	inventory_val_end(((mover *)ctx)->val, depth, name);
}

static int mv_finish(void *ctx, vs_error *err)
{
	inventory_val_finish(((mover *)ctx)->val);
	return 0;
}

#define UPD(body) "<Envelope><Body><WaitForUpdatesExResponse><returnval>" body \
	"</returnval></WaitForUpdatesExResponse></Body></Envelope>"
#define OSET(kind, type, moref, changes) "<objectSet><kind>" kind "</kind><obj type=\"" type \
	"\">" moref "</obj>" changes "</objectSet>"
#define CHG(name, val) "<changeSet><name>" name "</name><op>assign</op><val>" val "</val>" \
	"</changeSet>"
static const char move_enter[] = UPD("<version>1</version><filterSet>"
	OSET("enter", "VirtualMachine", "vm-1", CHG("name", "sql-01") CHG("parent", "group-v9")
	     CHG("runtime.host", "host-1"))
	OSET("enter", "Folder", "group-v9", CHG("name", "SQL") CHG("parent", "group-v3"))
	OSET("enter", "Folder", "group-v8", CHG("name", "Web") CHG("parent", "group-v3"))
	OSET("enter", "Folder", "group-v3", CHG("name", "vm") CHG("parent", "datacenter-2"))
	OSET("enter", "Datacenter", "datacenter-2", CHG("name", "DC0") CHG("parent", "group-d1"))
	OSET("enter", "ClusterComputeResource", "domain-c5", CHG("name", "C1")
	     CHG("parent", "group-h4"))
	OSET("enter", "HostSystem", "host-1", CHG("name", "esx-01") CHG("parent", "domain-c5"))
	OSET("enter", "ComputeResource", "domain-s6", CHG("name", "esx-07")
	     CHG("parent", "group-h4"))
	OSET("enter", "HostSystem", "host-7", CHG("name", "esx-07") CHG("parent", "domain-s6"))
	"</filterSet>");
static const char move_vm[] = UPD("<version>2</version><filterSet>"
	OSET("modify", "VirtualMachine", "vm-1", CHG("parent", "group-v8")
	     CHG("runtime.host", "host-7"))
	"</filterSet>");
static const char rename_folder[] = UPD("<version>3</version><filterSet>"
	OSET("modify", "Folder", "group-v8", CHG("name", "Frontends"))
	"</filterSet>");

static void test_live_move(void **state)
{
	mover m = { .have_vm = false };
	m.e = estate_new();
	m.val = inventory_val_new();
	estate_set_root(m.e, "group-d1");
	vs_update_sink sink = { .object = mv_object, .change = mv_change,
				.val = { .start = mv_start, .text = mv_text, .end = mv_end,
					 .finish = mv_finish } };
	vs_updates u = { .collector = "pc-2" };
	char version[16];
	vs_error err;
	vs_error_clear(&err);
	fake_expect_xml("WaitForUpdatesEx", move_enter, sizeof move_enter - 1);
	fake_expect_xml("<version>1</version>", move_vm, sizeof move_vm - 1);
	fake_expect_xml("<version>2</version>", rename_folder, sizeof rename_folder - 1);
	assert_int_equal(vs_wait_updates_stream(NULL, &u, "", version, sizeof version, 0, &sink, &m,
						&err), 9);
	assert_true(estate_resolve(m.e, &m.vm));
	assert_string_equal(m.vm.folder, "/DC0/vm/SQL");
	assert_string_equal(m.vm.cluster, "C1");
	assert_string_equal(m.vm.host, "esx-01");
	assert_int_equal(vs_wait_updates_stream(NULL, &u, version, version, sizeof version, 0,
						&sink, &m, &err), 1);
	assert_true(estate_resolve(m.e, &m.vm));
	assert_string_equal(m.vm.folder, "/DC0/vm/Web");
	assert_null(m.vm.cluster); /* now on a standalone host */
	assert_string_equal(m.vm.host, "esx-07");
	assert_string_equal(m.vm.datacenter, "DC0");
	assert_int_equal(vs_wait_updates_stream(NULL, &u, version, version, sizeof version, 0,
						&sink, &m, &err), 1);
	assert_true(estate_resolve(m.e, &m.vm));
	assert_string_equal(m.vm.folder, "/DC0/vm/Frontends");
	assert_false(estate_resolve(m.e, &m.vm)); /* nothing moved since */
	model_vm_facts_done(&m.vm);
	inventory_val_free(m.val);
	estate_free(m.e);
}

static void test_enable_uuid_values(void **state)
{
	assert_int_equal(inventory_enable_uuid_value("TRUE"), TRI_YES);
	assert_int_equal(inventory_enable_uuid_value("True"), TRI_YES);
	assert_int_equal(inventory_enable_uuid_value("true"), TRI_YES);
	assert_int_equal(inventory_enable_uuid_value("tRuE"), TRI_YES);
	assert_int_equal(inventory_enable_uuid_value("FALSE"), TRI_NO);
	assert_int_equal(inventory_enable_uuid_value("1"), TRI_NO); /* vSphere wants TRUE */
	assert_int_equal(inventory_enable_uuid_value(" true"), TRI_NO);
	assert_int_equal(inventory_enable_uuid_value(""), TRI_NO);
	assert_int_equal(inventory_enable_uuid_value(NULL), TRI_NO);
}

static void test_parse_datetime(void **state)
{
	assert_int_equal(time_parse_xsd("2026-11-20T08:15:30Z"), BOOT_0815);
	assert_int_equal(time_parse_xsd("2026-11-20T08:15:30.999999999Z"), BOOT_0815);
	assert_int_equal(time_parse_xsd("2026-11-20T08:15:30"), BOOT_0815);
	assert_int_equal(time_parse_xsd("2026-11-20T09:45:30+01:30"), BOOT_0815);
	assert_int_equal(time_parse_xsd("2026-11-19T23:15:30-09:00"), BOOT_0815);
	assert_int_equal(time_parse_xsd("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(time_parse_xsd("2024-02-29T00:00:00Z"), 1709164800);
	assert_int_equal(time_parse_xsd(""), -1);
	assert_int_equal(time_parse_xsd("2026-11-20"), -1);
	assert_int_equal(time_parse_xsd("2026-13-20T08:15:30Z"), -1);
	assert_int_equal(time_parse_xsd("2026-11-20T08:15:30.Z"), -1);
	assert_int_equal(time_parse_xsd("2026-11-20T08:15:30Zjunk"), -1);
	assert_int_equal(time_parse_xsd("2026-11-20 08:15:30Z"), -1);
	assert_int_equal(time_parse_xsd("2026-11-20T08:15:30+0100"), -1);
}

/* Applies <val>xml</val> of one property. */
static int apply_xml(vm_facts *f, const char *prop, const char *inner)
{
	char xml[16384];
	snprintf(xml, sizeof xml, "<val xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
		 "%s</val>", inner);
	xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)strlen(xml), NULL, NULL, 0);
	xmlTextReaderSetErrorHandler(r, fake_quiet, NULL);
	assert_int_equal(xmlTextReaderRead(r), 1);
	int ret = inventory_apply_change(f, prop, r);
	xmlFreeTextReader(r);
	return ret;
}

static void test_tools_status_any_order(void **state)
{
	vm_facts f;
	inventory_facts_begin(&f, "vm-1");
	assert_int_equal(f.tools, TOOLS_UNKNOWN);
	apply_xml(&f, "guest.toolsVersionStatus2", "guestToolsNotInstalled");
	assert_int_equal(f.tools, TOOLS_NOT_INSTALLED);
	apply_xml(&f, "guest.toolsRunningStatus", "guestToolsNotRunning");
	assert_int_equal(f.tools, TOOLS_NOT_INSTALLED);
	/* installed and started: the two changes in either order */
	apply_xml(&f, "guest.toolsRunningStatus", "guestToolsRunning");
	assert_int_equal(f.tools, TOOLS_RUNNING);
	apply_xml(&f, "guest.toolsVersionStatus2", "guestToolsCurrent");
	assert_int_equal(f.tools, TOOLS_RUNNING);
	apply_xml(&f, "guest.toolsVersionStatus2", "guestToolsNotInstalled"); /* uninstall... */
	assert_int_equal(f.tools, TOOLS_RUNNING); /* ...still running until it stops */
	apply_xml(&f, "guest.toolsRunningStatus", "guestToolsNotRunning");
	assert_int_equal(f.tools, TOOLS_NOT_INSTALLED);
	apply_xml(&f, "guest.toolsVersionStatus2", "guestToolsNeedUpgrade");
	assert_int_equal(f.tools, TOOLS_NOT_RUNNING);
	assert_int_equal(f.tools_version_status, TOOLS_VS_NEED_UPGRADE);
	apply_xml(&f, "guest.toolsVersionStatus2", "guestToolsFromTheFuture");
	assert_int_equal(f.tools_version_status, TOOLS_VS_UNKNOWN);
	assert_int_equal(inventory_apply_change(&f, "guest.toolsRunningStatus", NULL), 0);
	assert_int_equal(f.tools, TOOLS_UNKNOWN);
	model_vm_facts_done(&f);
}

/* The snapshot tree: every node counts; only the names of quiescent's test snapshots are
 * kept, at any depth, never a name that only starts like one or a child's mistaken for its
 * parent's. A new tree replaces the names; no tree clears them. */
static void test_test_snapshot_names(void **state)
{
	(void)state;
	vm_facts f;
	inventory_facts_begin(&f, "vm-1");
	assert_int_equal(apply_xml(&f, "snapshot",
		"<currentSnapshot>snapshot-3</currentSnapshot>"
		"<rootSnapshotList><snapshot>snapshot-1</snapshot><vm>vm-1</vm><name>pre-patch-1</name>"
		"<description>quiescent-test-not-a-name</description><id>1</id>"
		"<createTime>2026-11-22T08:00:00Z</createTime><state>poweredOn</state>"
		"<quiesced>false</quiesced>"
		"<childSnapshotList><snapshot>snapshot-2</snapshot><vm>vm-1</vm>"
		"<name>quiescent-test-20261122T090000Z</name><id>2</id>"
		"<createTime>2026-11-22T09:00:00Z</createTime><state>poweredOn</state>"
		"<quiesced>true</quiesced>"
		"<childSnapshotList><snapshot>snapshot-3</snapshot><vm>vm-1</vm>"
		"<name>quiescent-test-20261122T100000Z</name><id>3</id>"
		"<createTime>2026-11-22T10:00:00Z</createTime><state>poweredOn</state>"
		"<quiesced>true</quiesced></childSnapshotList>"
		"</childSnapshotList></rootSnapshotList>"
		"<rootSnapshotList><snapshot>snapshot-4</snapshot><vm>vm-1</vm><name>quiescent-test</name>"
		"<id>4</id><createTime>2026-11-22T11:00:00Z</createTime><state>poweredOff</state>"
		"<quiesced>false</quiesced></rootSnapshotList>"), 0);
	assert_int_equal(f.snapshot_count, 4);
	assert_int_equal(f.n_test_snapshots, 2);
	assert_string_equal(f.test_snapshots[0], "quiescent-test-20261122T090000Z");
	assert_string_equal(f.test_snapshots[1], "quiescent-test-20261122T100000Z");

	vm_facts copy;
	model_vm_facts_copy(&copy, &f);
	assert_int_equal(copy.n_test_snapshots, 2);
	assert_string_equal(copy.test_snapshots[1], "quiescent-test-20261122T100000Z");
	model_vm_facts_done(&copy);

	assert_int_equal(apply_xml(&f, "snapshot",
		"<rootSnapshotList><snapshot>snapshot-1</snapshot><vm>vm-1</vm><name>pre-patch-1</name>"
		"<id>1</id><createTime>2026-11-22T08:00:00Z</createTime><state>poweredOn</state>"
		"<quiesced>false</quiesced></rootSnapshotList>"), 0);
	assert_int_equal(f.snapshot_count, 1);
	assert_int_equal(f.n_test_snapshots, 0);
	assert_null(f.test_snapshots);
	assert_int_equal(apply_xml(&f, "snapshot",
		"<rootSnapshotList><name>quiescent-test-20261122T090000Z</name></rootSnapshotList>"), 0);
	assert_int_equal(f.n_test_snapshots, 1);
	assert_int_equal(inventory_apply_change(&f, "snapshot", NULL), 0);
	assert_int_equal(f.snapshot_count, 0);
	assert_int_equal(f.n_test_snapshots, 0);
	model_vm_facts_done(&f);
}

/* A VM whose host vCenter lost keeps its last facts: the state says they are not current,
 * and the rules then give no verdict but unknown. */
static void test_connection_state(void **state)
{
	vm_facts f;
	inventory_facts_begin(&f, "vm-1");
	assert_null(f.connection_state);
	apply_xml(&f, "runtime.connectionState", "inaccessible");
	assert_string_equal(f.connection_state, "inaccessible");
	verdict v;
	model_verdict_init(&v);
	rules_evaluate(&f, 0, &v);
	assert_int_equal(v.status, STATUS_UNKNOWN);
	assert_int_equal(v.n_findings, 0);
	apply_xml(&f, "runtime.connectionState", "connected");
	assert_null(f.connection_state);
	apply_xml(&f, "runtime.connectionState", "orphaned");
	assert_int_equal(inventory_apply_change(&f, "runtime.connectionState", NULL), 0);
	assert_null(f.connection_state);
	model_verdict_done(&v);
	model_vm_facts_done(&f);
}

static void test_value_edge_cases(void **state)
{
	vm_facts f;
	inventory_facts_begin(&f, "vm-1");
	/* unknown properties are ignored, the known ones parse what they can */
	assert_int_equal(apply_xml(&f, "config.cpuAllocation", "<x>1</x>"), 0);
	assert_int_equal(apply_xml(&f, "config.version", "vmx-abc"), 0);
	assert_int_equal(f.hw_version, 0);
	assert_int_equal(apply_xml(&f, "guest.toolsVersion", "11.3.5"), 0);
	assert_int_equal(f.tools_version, 0);
	assert_int_equal(apply_xml(&f, "runtime.bootTime", "yesterday"), 0);
	assert_int_equal(f.boot_time, 0);
	assert_int_equal(apply_xml(&f, "runtime.powerState", "poweredSideways"), 0);
	assert_int_equal(f.power, POWER_UNKNOWN);
	assert_int_equal(apply_xml(&f, "config.template", "true"), 0);
	assert_true(f.is_template);
	/* a disk whose controller is not listed */
	assert_int_equal(apply_xml(&f, "config.hardware.device",
		"<VirtualDevice xsi:type=\"VirtualDisk\"><key>2000</key><backing><diskMode>"
		"persistent</diskMode></backing><controllerKey>1000</controllerKey><unitNumber>0"
		"</unitNumber><capacityInKB>10</capacityInKB></VirtualDevice>"), 0);
	assert_int_equal(f.n_disks, 1);
	assert_null(f.disks[0].label);
	assert_int_equal(f.disks[0].controller, CTRL_UNKNOWN);
	assert_int_equal(f.disks[0].bus, -1);
	assert_int_equal(f.scsi_units_used, 0);
	/* a huge value is truncated, never kept whole */
	char big[1500];
	memset(big, 'n', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(apply_xml(&f, "name", big), 0);
	assert_int_equal(strlen(f.name), 1023);
	/* broken XML inside a value: an error, and the fact is not half-set (valid entries
	 * first, so the reader meets the error while the value is being read) */
	strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 100; i++)
		strbuf_adds(&sb, "<GuestDiskInfo><diskPath>C:\\</diskPath><capacity>1</capacity>"
			    "</GuestDiskInfo>");
	strbuf_adds(&sb, "<GuestDiskInfo><diskPath>C:\\</diskPath><capacity>1</capa>"
		    "</GuestDiskInfo>");
	assert_int_equal(apply_xml(&f, "guest.disk", sb.buf), -1);
	strbuf_done(&sb);
	assert_int_equal(f.n_volumes, 0);
	assert_null(f.volumes);
	model_vm_facts_done(&f);
}

/* A VM with many devices: the scratch arrays grow past their stack storage. */
static void test_many_devices(void **state)
{
	strbuf sb;
	strbuf_init(&sb);
	for (int c = 0; c < 20; c++)
		strbuf_addf(&sb, "<VirtualDevice xsi:type=\"ParaVirtualSCSIController\"><key>%d</key>"
			    "<busNumber>%d</busNumber></VirtualDevice>", 1000 + c, c);
	for (int d = 0; d < 100; d++)
		strbuf_addf(&sb, "<VirtualDevice xsi:type=\"VirtualDisk\"><key>%d</key><deviceInfo>"
			    "<label>Hard disk %d</label></deviceInfo><backing><diskMode>persistent"
			    "</diskMode></backing><controllerKey>%d</controllerKey><unitNumber>%d"
			    "</unitNumber><capacityInKB>1</capacityInKB></VirtualDevice>",
			    2000 + d, d + 1, 1000 + d % 20, d / 20);
	char xml[65536];
	snprintf(xml, sizeof xml, "<val xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
		 "%s</val>", sb.buf);
	xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)strlen(xml), NULL, NULL, 0);
	assert_int_equal(xmlTextReaderRead(r), 1);
	vm_facts f;
	inventory_facts_begin(&f, "vm-1");
	assert_int_equal(inventory_apply_change(&f, "config.hardware.device", r), 0);
	xmlFreeTextReader(r);
	assert_int_equal(f.n_scsi_controllers, 20);
	assert_int_equal(f.scsi_units_used, 100);
	assert_int_equal(f.n_disks, 100);
	assert_string_equal(f.disks[99].label, "Hard disk 100");
	assert_int_equal(f.disks[99].bus, 19);
	assert_int_equal(f.disks[99].unit, 4);
	model_vm_facts_done(&f);
	strbuf_done(&sb);
}

static void test_tools_upgrades(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vm_facts v[4];
	const char *morefs[] = { "vm-42", "vm-43", "vm-45", "vm-46" };
	for (int i = 0; i < 4; i++) {
		inventory_facts_begin(&v[i], morefs[i]);
		v[i].tools_upgrade_running = true; /* stale flags are cleared */
	}
	fake_expect("<propSet><type>Task</type><pathSet>info</pathSet></propSet>|<obj type=\""
		    "TaskManager\">TaskManager</obj>|<path>recentTask</path>", "recent_tasks_info.xml");
	assert_int_equal(inventory_running_tools_upgrades(NULL, v, 4, &err), 0);
	assert_true(v[0].tools_upgrade_running);  /* running */
	assert_false(v[1].tools_upgrade_running); /* success: done */
	assert_false(v[2].tools_upgrade_running); /* another task */
	assert_true(v[3].tools_upgrade_running);  /* queued */
	/* The same read as a list: each task's info whole; the vanished task-105 is left out. */
	fake_expect("<propSet><type>Task</type><pathSet>info</pathSet></propSet>",
		    "recent_tasks_info.xml");
	vs_task_result *t;
	size_t nt;
	assert_int_equal(vs_recent_tasks(NULL, &t, &nt, &err), 0);
	assert_int_equal(nt, 4);
	assert_string_equal(t[0].task, "task-101");
	assert_string_equal(t[0].entity, "vm-42");
	assert_string_equal(t[0].entity_name, "sql-vm-42");
	assert_string_equal(t[0].user, "VSPHERE.LOCAL\\Administrator");
	assert_int_equal(t[0].progress, 40);
	assert_int_equal(t[0].state, VS_TASK_RUNNING);
	assert_int_equal(t[0].started_at, 1714557601);
	assert_int_equal(t[1].state, VS_TASK_SUCCESS);
	assert_string_equal(t[2].description_id, "VirtualMachine.powerOn");
	vs_task_results_free(t, nt);
	fake_expect_fault("RetrievePropertiesEx", "NoPermission");
	assert_int_equal(inventory_running_tools_upgrades(NULL, v, 4, &err), -1);
	for (int i = 0; i < 4; i++)
		model_vm_facts_done(&v[i]);
}

/* ---- benchmark: a synthetic inventory of realistic VMs (sql-prod-01's shape) ---- */

typedef struct {
	char *tmpl_head, *tmpl_tail; /* the <objects> of vm-42 split around its moref */
	int n_vms, page, per_page, pages;
	strbuf page_buf;
	size_t bytes;
} bench;

/* The envelope around every bench answer's <returnval> content. */
static const char bench_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope "
	"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http:"
	"//www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-"
	"instance\"><soapenv:Body><RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>";
static const char bench_tail[] =
	"</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";

static const char *bench_page(void *arg, size_t *len)
{
	bench *b = arg;
	strbuf_reset(&b->page_buf);
	strbuf_adds(&b->page_buf, bench_head);
	if (b->page + 1 < b->pages)
		strbuf_addf(&b->page_buf, "<token>%d</token>", b->page + 1);
	for (int i = 0; i < b->per_page; i++) {
		int vm = b->page * b->per_page + i;
		if (vm >= b->n_vms)
			break;
		/* moref and name differ per VM; the rest is sql-prod-01 */
		strbuf_adds(&b->page_buf, b->tmpl_head); /* no printf: 12 KB per VM */
		strbuf_addf(&b->page_buf, "vm-%d", 1000 + vm);
		strbuf_adds(&b->page_buf, b->tmpl_tail);
	}
	strbuf_adds(&b->page_buf, bench_tail);
	b->page++;
	b->bytes += b->page_buf.len;
	*len = b->page_buf.len;
	return b->page_buf.buf;
}

/* The first answer: the list of the VMs bench_page then gives. */
static const char *bench_list(void *arg, size_t *len)
{
	bench *b = arg;
	strbuf_reset(&b->page_buf);
	strbuf_adds(&b->page_buf, bench_head);
	strbuf_adds(&b->page_buf, "<objects><obj type=\"ContainerView\">v</obj><propSet>"
		    "<name>view</name><val xsi:type=\"ArrayOfManagedObjectReference\">");
	for (int vm = 0; vm < b->n_vms; vm++)
		strbuf_addf(&b->page_buf, "<ManagedObjectReference type=\"VirtualMachine\">vm-%d"
			    "</ManagedObjectReference>", 1000 + vm);
	strbuf_adds(&b->page_buf, "</val></propSet></objects>");
	strbuf_adds(&b->page_buf, bench_tail);
	*len = b->page_buf.len;
	return b->page_buf.buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_bench_scan(void **state)
{
	bool full = getenv("QUIESCENT_BENCH") != NULL;
	size_t len;
	char *page1 = fake_load("retrieve_page1.xml", &len);
	assert_non_null(page1);
	char *start = strstr(page1, "<objects>"), *end = strstr(page1, "</objects>");
	char *mo = strstr(start, "vm-42");
	bench b = { .n_vms = full ? 10000 : 1000, .per_page = INVENTORY_PAGE_SIZE };
	b.pages = (b.n_vms + b.per_page - 1) / b.per_page;
	b.tmpl_head = strndup(start, (size_t)(mo - start));
	b.tmpl_tail = strndup(mo + 5, (size_t)(end + strlen("</objects>") - (mo + 5)));
	strbuf_init(&b.page_buf);

	fake_expect("CreateContainerView", "create_view.xml");
	fake_expect("CreateContainerView", "create_view.xml");
	fake_expect_gen("RetrievePropertiesEx", bench_list, &b);
	for (int p = 0; p < b.pages; p++)
		fake_expect_gen(p ? "ContinueRetrievePropertiesEx" : "RetrievePropertiesEx",
				bench_page, &b);
	fake_expect("DestroyView", "void_response.xml");
	fake_expect("DestroyView", "void_response.xml");

	struct mallinfo2 before = mallinfo2();
	vs_error err;
	vs_error_clear(&err);
	vm_facts *v;
	size_t n;
	double t0 = now_s();
	assert_int_equal(inventory_scan(NULL, NULL, 0, NULL, &v, &n, &err), 0);
	double dt = now_s() - t0;
	struct mallinfo2 after = mallinfo2();
	assert_int_equal(n, (size_t)b.n_vms);
	assert_int_equal(v[n - 1].n_disks, 6);
	assert_int_equal(v[n - 1].snapshot_count, 5);
	size_t kept = after.uordblks > before.uordblks ? after.uordblks - before.uordblks : 0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	if (full || getenv("QUIESCENT_BENCH_PRINT"))
		printf("bench: %d VMs, %zu pages, %.1f MB of XML in %.3f s: %.1f MB/s, "
		       "%.1f us/VM; facts kept: %zu bytes/VM (sizeof vm_facts %zu); "
		       "peak RSS %ld MB\n", b.n_vms, (size_t)b.pages, b.bytes / 1e6, dt,
		       b.bytes / 1e6 / dt, dt * 1e6 / b.n_vms, kept / n, sizeof(vm_facts),
		       ru.ru_maxrss / 1024);
	inventory_free(v, n);
	strbuf_done(&b.page_buf);
	free(b.tmpl_head);
	free(b.tmpl_tail);
	free(page1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_all_facts, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_scan_globs, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_scan_view_fault, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_scan_malformed, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_scan_estate, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_scan_each_estate, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_live_move, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_live_updates, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_live_updates_sax, fake_setup, fake_teardown),
		cmocka_unit_test(test_enable_uuid_values),
		cmocka_unit_test(test_parse_datetime),
		cmocka_unit_test(test_tools_status_any_order),
		cmocka_unit_test(test_value_edge_cases),
		cmocka_unit_test(test_connection_state),
		cmocka_unit_test(test_test_snapshot_names),
		cmocka_unit_test(test_many_devices),
		cmocka_unit_test_setup_teardown(test_tools_upgrades, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_bench_scan, fake_setup, fake_teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return failed;
}
