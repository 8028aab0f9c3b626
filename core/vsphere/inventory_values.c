/* inventory_values: one property value of a VM -> vm_facts, the one mapping the scan (SAX
 * events from propcol_sax), the live updates and the re-reads (the streaming reader, walked
 * into the same events) share. A value is read as events (start, text, end of elements below
 * <val>) into an inventory_val, then applied whole at its end: a value broken off is never
 * half applied (the fact is left unset). */
#include "vsphere/inventory.h"

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"
#include "vsphere/estate.h"
#include "vsphere/propcol.h"
#include "util/timefmt.h"

/* Longest text kept from one value. vSphere caps names at 80 characters (240 escaped);
 * longer values (guestinfo blobs) are only scanned, never kept whole. */
#define TEXT_MAX 1024
#define NAME_MAX_LEN 48   /* element names remembered for depths 0-2 */

/* Integer of a whole string; false when it is not one. */
static bool to_i64(const char *s, int64_t *out)
{
	char *end;
	if (!s || !*s)
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

static int to_int(const char *s, int dflt)
{
	int64_t v;
	if (!to_i64(s, &v) || v < INT32_MIN || v > INT32_MAX)
		return dflt;
	return (int)v;
}

/* strcmp(a, b) == 0 for the element and property names of the hot path, most of which differ
 * from the candidate in their first byte: that byte is compared before a call is made. */
static inline bool same(const char *a, const char *b)
{
	return a[0] == b[0] && strcmp(a, b) == 0;
}

/* ---- exported helpers ---- */

tri inventory_enable_uuid_value(const char *raw)
{
	return raw && strcasecmp(raw, "true") == 0 ? TRI_YES : TRI_NO;
}


/* buildNumber='20348' inside guestinfo.detailed.data (what Tools 11.2+ publish). */
static int detailed_build(const char *s)
{
	const char *p = strstr(s, "buildNumber='");
	char num[16];
	if (!p)
		return 0;
	p += strlen("buildNumber='");
	size_t len = strcspn(p, "'");
	if (len >= sizeof num)
		return 0;
	memcpy(num, p, len);
	num[len] = '\0';
	return to_int(num, 0);
}


/* Device list scratch: stack first, heap only for unusual VMs. */
typedef struct {
	int key;
	controller_kind kind;
	int bus;
} ctrl_info;

typedef struct {
	const char *xsi;
	controller_kind kind;
} ctrl_type;

static const ctrl_type ctrl_types[] = {
	{ "ParaVirtualSCSIController", CTRL_PVSCSI },
	{ "VirtualLsiLogicController", CTRL_LSILOGIC },
	{ "VirtualLsiLogicSASController", CTRL_LSILOGIC_SAS },
	{ "VirtualBusLogicController", CTRL_BUSLOGIC },
	{ "VirtualIDEController", CTRL_IDE },
	{ "VirtualAHCIController", CTRL_SATA },
	{ "VirtualSATAController", CTRL_SATA },
	{ "VirtualNVMEController", CTRL_NVME },
};

static bool is_scsi(controller_kind k)
{
	return k == CTRL_PVSCSI || k == CTRL_LSILOGIC || k == CTRL_LSILOGIC_SAS ||
	       k == CTRL_BUSLOGIC;
}

typedef struct {
	ctrl_info ctrl_stack[16];
	ctrl_info *ctrls;
	size_t n_ctrls, cap_ctrls;
	int key_stack[64];  /* controllerKey of every attached device */
	int *keys;
	size_t n_keys, cap_keys;
	vm_disk *disks;     /* bus holds the controller key until resolved */
	size_t n_disks, cap_disks;
} dev_scan;

static void push_ctrl(dev_scan *d, ctrl_info c)
{
	if (d->n_ctrls == d->cap_ctrls) {
		size_t cap = d->cap_ctrls * 2;
		ctrl_info *n = xmalloc(cap * sizeof *n);
		memcpy(n, d->ctrls, d->n_ctrls * sizeof *n);
		if (d->ctrls != d->ctrl_stack)
			free(d->ctrls);
		d->ctrls = n;
		d->cap_ctrls = cap;
	}
	d->ctrls[d->n_ctrls++] = c;
}

static void push_key(dev_scan *d, int key)
{
	if (d->n_keys == d->cap_keys) {
		size_t cap = d->cap_keys * 2;
		int *n = xmalloc(cap * sizeof *n);
		memcpy(n, d->keys, d->n_keys * sizeof *n);
		if (d->keys != d->key_stack)
			free(d->keys);
		d->keys = n;
		d->cap_keys = cap;
	}
	d->keys[d->n_keys++] = key;
}

static disk_mode parse_disk_mode(const char *s)
{
	if (strcmp(s, "persistent") == 0)
		return DISK_PERSISTENT;
	if (strcmp(s, "independent_persistent") == 0)
		return DISK_INDEPENDENT_PERSISTENT;
	if (strcmp(s, "independent_nonpersistent") == 0)
		return DISK_INDEPENDENT_NONPERSISTENT;
	return DISK_OTHER_MODE;
}


static const ctrl_info *find_ctrl(const dev_scan *d, int key)
{
	for (size_t i = 0; i < d->n_ctrls; i++)
		if (d->ctrls[i].key == key)
			return &d->ctrls[i];
	return NULL;
}

static void free_disks(vm_disk *disks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		model_str_free(disks[i].label);
	free(disks);
}


static const struct {
	const char *name;
	tools_version_status status;
} tools_vs_names[] = {
	{ "guestToolsNotInstalled", TOOLS_VS_NOT_INSTALLED },
	{ "guestToolsCurrent", TOOLS_VS_CURRENT },
	{ "guestToolsNeedUpgrade", TOOLS_VS_NEED_UPGRADE },
	{ "guestToolsSupportedOld", TOOLS_VS_SUPPORTED_OLD },
	{ "guestToolsSupportedNew", TOOLS_VS_SUPPORTED_NEW },
	{ "guestToolsTooOld", TOOLS_VS_TOO_OLD },
	{ "guestToolsTooNew", TOOLS_VS_TOO_NEW },
	{ "guestToolsBlacklisted", TOOLS_VS_BLACKLISTED },
	{ "guestToolsUnmanaged", TOOLS_VS_UNMANAGED },
};


static void free_volumes(vm_volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		model_str_free(v[i].path);
	free(v);
}


/* ---- the properties ---- */

typedef enum { V_SCALAR, V_EXTRA_CONFIG, V_DEVICES, V_GUEST_DISK, V_SNAPSHOT } val_kind;

/* One row per property: a scalar's apply (text, or NULL when unset), or a plain string kept at
 * str_field (apply NULL), or a structured value of kind. */
typedef struct {
	const char *path;
	val_kind kind;
	void (*apply)(vm_facts *f, const char *t);
	size_t str_field;
} prop_map;

static void s_template(vm_facts *f, const char *t)
{
	f->is_template = t && (strcmp(t, "true") == 0 || strcmp(t, "1") == 0);
}

static void s_config_version(vm_facts *f, const char *t)
{
	f->hw_version = t && strncmp(t, "vmx-", 4) == 0 ? to_int(t + 4, 0) : 0;
	if (f->hw_version < 0)
		f->hw_version = 0;
}

static void s_power(vm_facts *f, const char *t)
{
	f->power = !t ? POWER_UNKNOWN
		 : strcmp(t, "poweredOn") == 0 ? POWER_ON
		 : strcmp(t, "poweredOff") == 0 ? POWER_OFF
		 : strcmp(t, "suspended") == 0 ? POWER_SUSPENDED : POWER_UNKNOWN;
}

/* The name is the VM's own: not interned like the other strings. */
static void s_name(vm_facts *f, const char *t)
{
	xstrset(&f->name, t);
}

/* Only a state other than "connected" is kept: it means the facts are not current. */
static void s_connection_state(vm_facts *f, const char *t)
{
	model_str_set(&f->connection_state, t && strcmp(t, "connected") != 0 ? t : NULL);
}

static void s_boot_time(vm_facts *f, const char *t)
{
	time_t v = t ? time_parse_xsd(t) : 0;
	f->boot_time = v > 0 ? v : 0;
}

/* tools mixes two properties that change independently and arrive in any order: running
 * wins, "not installed" (toolsVersionStatus2) beats "not running". */
static void s_tools_running(vm_facts *f, const char *t)
{
	bool not_installed = f->tools_version_status == TOOLS_VS_NOT_INSTALLED;
	if (t && (strcmp(t, "guestToolsRunning") == 0 ||
		  strcmp(t, "guestToolsExecutingScripts") == 0))
		f->tools = TOOLS_RUNNING;
	else if (not_installed)
		f->tools = TOOLS_NOT_INSTALLED;
	else if (t && strcmp(t, "guestToolsNotRunning") == 0)
		f->tools = TOOLS_NOT_RUNNING;
	else
		f->tools = TOOLS_UNKNOWN;
}

static void s_tools_version_status(vm_facts *f, const char *t)
{
	f->tools_version_status = TOOLS_VS_UNKNOWN;
	for (size_t i = 0; t && i < sizeof tools_vs_names / sizeof tools_vs_names[0]; i++)
		if (strcmp(t, tools_vs_names[i].name) == 0)
			f->tools_version_status = tools_vs_names[i].status;
	if (f->tools_version_status == TOOLS_VS_NOT_INSTALLED && f->tools != TOOLS_RUNNING)
		f->tools = TOOLS_NOT_INSTALLED;
	else if (f->tools_version_status != TOOLS_VS_NOT_INSTALLED &&
		 f->tools == TOOLS_NOT_INSTALLED)
		f->tools = TOOLS_NOT_RUNNING; /* installed now; running status follows if it changed */
}

/* guest.toolsVersion is a string: "11333" (major<<10 | minor<<5 | patch). */
static void s_tools_version(vm_facts *f, const char *t)
{
	int v = t ? to_int(t, 0) : 0;
	f->tools_version = v > 0 ? v : 0;
}

/* A string every VM of a fleet shares with many others: interned (model_str_set). */
#define STRING_PROP(path, field) { path, V_SCALAR, NULL, offsetof(vm_facts, field) }
#define SCALAR_PROP(path, fn) { path, V_SCALAR, fn, 0 }
#define VALUE_PROP(path, kind) { path, kind, NULL, 0 }

static const prop_map props[] = {
	SCALAR_PROP("name", s_name),
	SCALAR_PROP("config.template", s_template),
	STRING_PROP("config.guestId", config_guest_id),
	STRING_PROP("config.guestFullName", config_guest_full_name),
	SCALAR_PROP("config.version", s_config_version),
	VALUE_PROP("config.extraConfig", V_EXTRA_CONFIG),
	VALUE_PROP("config.hardware.device", V_DEVICES),
	SCALAR_PROP("runtime.powerState", s_power),
	SCALAR_PROP("runtime.connectionState", s_connection_state),
	SCALAR_PROP("runtime.bootTime", s_boot_time),
	SCALAR_PROP("guest.toolsVersionStatus2", s_tools_version_status),
	SCALAR_PROP("guest.toolsRunningStatus", s_tools_running),
	SCALAR_PROP("guest.toolsVersion", s_tools_version),
	STRING_PROP("guest.guestId", guest_id),
	STRING_PROP("guest.guestFullName", guest_full_name),
	VALUE_PROP("guest.disk", V_GUEST_DISK),
	VALUE_PROP("snapshot", V_SNAPSHOT),
};
#define N_PROPS (sizeof props / sizeof props[0])

/* The property unset (absent, assigned nothing, removed). */
static void unset(const prop_map *p, vm_facts *f)
{
	switch (p->kind) {
	case V_SCALAR:
		if (p->apply)
			p->apply(f, NULL);
		else
			model_str_set((char **)((char *)f + p->str_field), NULL);
		break;
	case V_EXTRA_CONFIG:
		model_str_set(&f->enable_uuid_raw, NULL);
		f->enable_uuid = TRI_NO; /* absent */
		f->guest_build = 0;
		break;
	case V_DEVICES:
		free_disks(f->disks, f->n_disks);
		f->disks = NULL;
		f->n_disks = 0;
		f->n_scsi_controllers = 0;
		f->scsi_units_used = 0;
		break;
	case V_GUEST_DISK:
		free_volumes(f->volumes, f->n_volumes);
		f->volumes = NULL;
		f->n_volumes = 0;
		break;
	case V_SNAPSHOT:
		f->snapshot_count = 0;
		for (size_t i = 0; i < f->n_test_snapshots; i++)
			free(f->test_snapshots[i]);
		free(f->test_snapshots);
		f->test_snapshots = NULL;
		f->n_test_snapshots = 0;
		break;
	}
}

/* The paths alone, for property filters: derived from props once, so the two cannot differ;
 * the VM's spec adds the estate's two, and the containers' specs follow. */
static const char *prop_paths[N_PROPS + 2];
static vs_prop_spec all_specs[5];
static const char *view_types[5];
static pthread_once_t prop_paths_once = PTHREAD_ONCE_INIT;

static void fill_prop_paths(void)
{
	for (size_t i = 0; i < N_PROPS; i++)
		prop_paths[i] = props[i].path;
	prop_paths[N_PROPS] = "parent";
	prop_paths[N_PROPS + 1] = "runtime.host";
	all_specs[0] = (vs_prop_spec){ "VirtualMachine", prop_paths, N_PROPS + 2 };
	view_types[0] = "VirtualMachine";
	size_t n;
	const vs_prop_spec *c = estate_container_specs(&n);
	const char *const *t = estate_container_types(&n);
	for (size_t i = 0; i < n && i < 4; i++) {
		all_specs[1 + i] = c[i];
		view_types[1 + i] = t[i];
	}
}

const vs_prop_spec *inventory_specs(size_t *n)
{
	pthread_once(&prop_paths_once, fill_prop_paths);
	*n = sizeof all_specs / sizeof all_specs[0];
	return all_specs;
}

const char *const *inventory_view_types(size_t *n)
{
	pthread_once(&prop_paths_once, fill_prop_paths);
	*n = sizeof view_types / sizeof view_types[0];
	return view_types;
}

const char *const *inventory_paths(size_t *n)
{
	pthread_once(&prop_paths_once, fill_prop_paths);
	*n = N_PROPS;
	return prop_paths;
}

static const prop_map *find_prop(const char *path)
{
	for (size_t i = 0; i < N_PROPS; i++)
		if (same(props[i].path, path))
			return &props[i];
	return NULL;
}

/* ---- a value as events ---- */

struct inventory_val {
	vm_facts *f;
	const prop_map *p;          /* NULL: no value open (or one for the estate) */
	/* a value for the estate instead: a container's name or parent, a VM's parent or host */
	estate *e;
	char e_type[32], e_moref[128], e_prop[16];
	char text[TEXT_MAX];        /* text since the last start (a leaf's whole text) */
	size_t len;
	char names[3][NAME_MAX_LEN]; /* open elements at depths 0-2 */
	/* config.extraConfig */
	char key[256];
	bool have_uuid;
	char uuid_raw[TEXT_MAX];
	int os_build, detailed;
	/* config.hardware.device: the device being read, then all */
	char dev_type[64];
	bool dev_disk;              /* dev_type is VirtualDisk */
	int64_t key_, ctrl_key, unit, bus, cap_kb, cap_bytes;
	disk_mode mode;
	char label[128];
	dev_scan d;
	/* guest.disk */
	vm_volume *vols;
	size_t n_vols, cap_vols;
	/* snapshot: the count, and the names of quiescent's test snapshots (R26 checks them
	 * against the history) */
	int snapshots;
	int snap_node_depth;        /* depth of the last tree node opened, -1 before one */
	char **tsnaps;
	size_t n_tsnaps, cap_tsnaps;
};

inventory_val *inventory_val_new(void)
{
	return xcalloc(1, sizeof(inventory_val));
}

static void dev_scan_reset(dev_scan *d)
{
	if (d->ctrls && d->ctrls != d->ctrl_stack)
		free(d->ctrls);
	if (d->keys && d->keys != d->key_stack)
		free(d->keys);
	free_disks(d->disks, d->n_disks);
	d->ctrls = d->ctrl_stack;
	d->cap_ctrls = sizeof d->ctrl_stack / sizeof d->ctrl_stack[0];
	d->n_ctrls = 0;
	d->keys = d->key_stack;
	d->cap_keys = sizeof d->key_stack / sizeof d->key_stack[0];
	d->n_keys = 0;
	d->disks = NULL;
	d->n_disks = d->cap_disks = 0;
}

/* Forgets whatever a value left half read. */
static void val_clear(inventory_val *v)
{
	dev_scan_reset(&v->d);
	free_volumes(v->vols, v->n_vols);
	v->vols = NULL;
	v->n_vols = v->cap_vols = 0;
	for (size_t i = 0; i < v->n_tsnaps; i++)
		free(v->tsnaps[i]);
	free(v->tsnaps);
	v->tsnaps = NULL;
	v->n_tsnaps = v->cap_tsnaps = 0;
	v->p = NULL;
	v->f = NULL;
	v->e = NULL;
}

void inventory_val_free(inventory_val *v)
{
	if (!v)
		return;
	val_clear(v);
	free(v);
}

bool inventory_val_begin_any(inventory_val *v, estate *e, const char *obj_type,
			     const char *moref, vm_facts *f, const char *prop)
{
	bool vm = !*obj_type || !strcmp(obj_type, "VirtualMachine");
	if (vm && !estate_vm_path(prop))
		return inventory_val_begin(v, f, prop);
	val_clear(v);
	if (!e || (!vm && strcmp(prop, "name") && strcmp(prop, "parent")) ||
	    strlen(moref) >= sizeof v->e_moref || strlen(obj_type) >= sizeof v->e_type)
		return false;
	v->e = e;
	snprintf(v->e_type, sizeof v->e_type, "%s", vm ? "VirtualMachine" : obj_type);
	snprintf(v->e_moref, sizeof v->e_moref, "%s", moref);
	snprintf(v->e_prop, sizeof v->e_prop, "%s", prop);
	v->len = 0;
	v->text[0] = '\0';
	return true;
}

bool inventory_val_begin(inventory_val *v, vm_facts *f, const char *prop)
{
	val_clear(v);
	const prop_map *p = find_prop(prop);
	if (!p)
		return false;
	v->f = f;
	v->p = p;
	v->len = 0;
	v->text[0] = '\0';
	v->key[0] = '\0';
	v->have_uuid = false;
	v->os_build = v->detailed = 0;
	v->snapshots = 0;
	v->snap_node_depth = -1;
	return true;
}

static void copy_text(const inventory_val *v, char *out, size_t n)
{
	size_t len = v->len < n - 1 ? v->len : n - 1;
	memcpy(out, v->text, len);
	out[len] = '\0';
}

static void device_begin(inventory_val *v, const char *xsi_type)
{
	snprintf(v->dev_type, sizeof v->dev_type, "%s", xsi_type);
	v->dev_disk = strcmp(xsi_type, "VirtualDisk") == 0;
	v->key_ = v->ctrl_key = v->unit = v->bus = v->cap_kb = v->cap_bytes = -1;
	v->mode = DISK_OTHER_MODE;
	v->label[0] = '\0';
}

/* One <VirtualDevice xsi:type="...">, complete: a controller, a disk, or only its
 * controllerKey (every attached device uses a unit of its controller). */
static void device_end(inventory_val *v)
{
	dev_scan *d = &v->d;
	controller_kind kind = CTRL_UNKNOWN;
	for (size_t i = 0; i < sizeof ctrl_types / sizeof ctrl_types[0]; i++)
		if (strcmp(v->dev_type, ctrl_types[i].xsi) == 0)
			kind = ctrl_types[i].kind;
	bool disk = v->dev_disk;
	if (v->key_ > INT32_MAX || v->ctrl_key > INT32_MAX || v->unit > INT32_MAX ||
	    v->bus > INT32_MAX)
		return; /* nonsense numbers: not a device we can place */
	if (kind != CTRL_UNKNOWN)
		push_ctrl(d, (ctrl_info){ .key = (int)v->key_, .kind = kind, .bus = (int)v->bus });
	if (v->ctrl_key >= 0)
		push_key(d, (int)v->ctrl_key);
	if (disk) {
		d->disks = xgrow(d->disks, &d->cap_disks, d->n_disks + 1, sizeof *d->disks);
		d->disks[d->n_disks++] = (vm_disk){
			.label = v->label[0] ? (char *)model_intern(v->label) : NULL,
			.controller = CTRL_UNKNOWN,
			.bus = (int)v->ctrl_key, /* resolved once every controller is known */
			.unit = (int)v->unit,
			.mode = v->mode,
			.capacity_kb = v->cap_kb >= 0 ? v->cap_kb
				     : v->cap_bytes >= 0 ? v->cap_bytes / 1024 : 0,
		};
	}
}

/* A leaf of a device (depth 2, or 3 under deviceInfo/backing). */
static void device_leaf(inventory_val *v, int depth, const char *n)
{
	bool disk = v->dev_disk;
	if (depth == 3) {
		if (disk && same(v->names[2], "deviceInfo") && same(n, "label"))
			copy_text(v, v->label, sizeof v->label);
		else if (disk && same(v->names[2], "backing") && same(n, "diskMode"))
			v->mode = parse_disk_mode(v->text);
		return;
	}
	int64_t *num = same(n, "key") ? &v->key_
		     : same(n, "controllerKey") ? &v->ctrl_key
		     : same(n, "unitNumber") ? &v->unit
		     : same(n, "busNumber") ? &v->bus
		     : disk && same(n, "capacityInKB") ? &v->cap_kb
		     : disk && same(n, "capacityInBytes") ? &v->cap_bytes : NULL;
	int64_t x;
	if (num && to_i64(v->text, &x) && x >= 0 && x <= INT64_MAX / 2)
		*num = x;
}

/* ArrayOfOptionValue: <OptionValue><key>..</key><value xsi:type="xsd:string">..</value>.
 * Only the keys we need are read; vmx keys are case-insensitive, so is the match. */
static void extra_leaf(inventory_val *v, const char *n)
{
	if (same(n, "key")) {
		copy_text(v, v->key, sizeof v->key);
	} else if (same(n, "value")) {
		if (strcasecmp(v->key, "disk.EnableUUID") == 0) {
			copy_text(v, v->uuid_raw, sizeof v->uuid_raw);
			v->have_uuid = true;
		} else if (strcasecmp(v->key, "guestinfo.os.build") == 0) {
			v->os_build = to_int(v->text, 0);
		} else if (strcasecmp(v->key, "guestinfo.detailed.data") == 0) {
			v->detailed = detailed_build(v->text);
		}
	}
}

/* ArrayOfGuestDiskInfo: diskPath, capacity, freeSpace (bytes). */
static void disk_leaf(inventory_val *v, const char *n)
{
	if (!v->n_vols)
		return;
	vm_volume *vol = &v->vols[v->n_vols - 1];
	int64_t x = -1;
	if (same(n, "diskPath"))
		model_str_set(&vol->path, v->text);
	else if (same(n, "capacity") && to_i64(v->text, &x))
		vol->capacity_bytes = x;
	else if (same(n, "freeSpace") && to_i64(v->text, &x))
		vol->free_bytes = x;
}

void inventory_val_start(inventory_val *v, int depth, const char *name, const char *xsi_type)
{
	if (v->e && depth == 0)
		v->len = 0;
	if (!v->p)
		return;
	v->len = 0;
	v->text[0] = '\0';
	if (depth >= 0 && depth < 3) { /* a copy per element: no snprintf on this path */
		size_t len = strnlen(name, NAME_MAX_LEN - 1);
		memcpy(v->names[depth], name, len);
		v->names[depth][len] = '\0';
	}
	switch (v->p->kind) {
	case V_EXTRA_CONFIG:
		if (depth == 1)
			v->key[0] = '\0';
		break;
	case V_DEVICES:
		if (depth == 1)
			device_begin(v, xsi_type);
		break;
	case V_GUEST_DISK:
		if (depth == 1) {
			v->vols = xgrow(v->vols, &v->cap_vols, v->n_vols + 1, sizeof *v->vols);
			v->vols[v->n_vols++] = (vm_volume){ .capacity_bytes = -1, .free_bytes = -1 };
		}
		break;
	case V_SNAPSHOT:
		/* every snapshot is one rootSnapshotList or childSnapshotList node, at any depth */
		if (depth >= 1 && (same(name, "rootSnapshotList") ||
				   same(name, "childSnapshotList"))) {
			v->snapshots++;
			v->snap_node_depth = depth;
		}
		break;
	default:
		break;
	}
}

void inventory_val_text(inventory_val *v, const char *s, size_t n)
{
	if (!v->p && !v->e)
		return;
	size_t room = TEXT_MAX - 1 - v->len;
	if (n > room)
		n = room; /* the rest is read and dropped: a huge value costs no memory */
	memcpy(v->text + v->len, s, n);
	v->len += n;
	v->text[v->len] = '\0';
}

void inventory_val_end(inventory_val *v, int depth, const char *name)
{
	if (!v->p) {
		if (v->e && depth > 0)
			v->len = 0; /* only the text directly inside <val> is a name or moref */
		return;
	}
	switch (v->p->kind) {
	case V_EXTRA_CONFIG:
		if (depth == 2)
			extra_leaf(v, name);
		break;
	case V_DEVICES:
		if (depth == 1)
			device_end(v);
		else if (depth == 2 || depth == 3)
			device_leaf(v, depth, name);
		break;
	case V_GUEST_DISK:
		if (depth == 2)
			disk_leaf(v, name);
		break;
	case V_SNAPSHOT:
		/* a node's own <name> comes before its children: one level below the last node
		 * opened, it is that node's */
		if (v->snap_node_depth >= 0 && depth == v->snap_node_depth + 1 && same(name, "name") &&
		    !strncmp(v->text, MODEL_TEST_SNAPSHOT_PREFIX, strlen(MODEL_TEST_SNAPSHOT_PREFIX))) {
			v->tsnaps = xgrow(v->tsnaps, &v->cap_tsnaps, v->n_tsnaps + 1, sizeof *v->tsnaps);
			v->tsnaps[v->n_tsnaps++] = xstrdup(v->text);
		}
		break;
	default:
		break;
	}
	if (depth > 0)
		v->len = 0; /* text after a child is not the parent's leaf text */
}

static void finish_devices(inventory_val *v, vm_facts *f)
{
	dev_scan *d = &v->d;
	for (size_t i = 0; i < d->n_ctrls; i++)
		f->n_scsi_controllers += is_scsi(d->ctrls[i].kind);
	for (size_t i = 0; i < d->n_keys; i++) {
		const ctrl_info *c = find_ctrl(d, d->keys[i]);
		f->scsi_units_used += c && is_scsi(c->kind);
	}
	for (size_t i = 0; i < d->n_disks; i++) {
		const ctrl_info *c = find_ctrl(d, d->disks[i].bus);
		d->disks[i].controller = c ? c->kind : CTRL_UNKNOWN;
		d->disks[i].bus = c ? c->bus : -1;
	}
	/* exact size: 50,000 VMs are kept at once */
	f->disks = d->n_disks ? xrealloc(d->disks, d->n_disks * sizeof *d->disks) : NULL;
	f->n_disks = d->n_disks;
	if (!d->n_disks)
		free(d->disks);
	d->disks = NULL;
	d->n_disks = d->cap_disks = 0;
}

void inventory_val_finish(inventory_val *v)
{
	const prop_map *p = v->p;
	vm_facts *f = v->f;
	if (v->e) {
		estate_set(v->e, v->e_type, v->e_moref, v->e_prop, v->text);
		val_clear(v);
		return;
	}
	if (!p)
		return;
	unset(p, f);
	switch (p->kind) {
	case V_SCALAR:
		if (p->apply)
			p->apply(f, v->text);
		else
			model_str_set((char **)((char *)f + p->str_field), v->text);
		break;
	case V_EXTRA_CONFIG:
		if (v->have_uuid) {
			model_str_set(&f->enable_uuid_raw, v->uuid_raw);
			f->enable_uuid = inventory_enable_uuid_value(v->uuid_raw);
		}
		f->guest_build = v->os_build > 0 ? v->os_build : v->detailed > 0 ? v->detailed : 0;
		break;
	case V_DEVICES:
		finish_devices(v, f);
		break;
	case V_GUEST_DISK:
		f->volumes = v->n_vols ? xrealloc(v->vols, v->n_vols * sizeof *v->vols) : NULL;
		f->n_volumes = v->n_vols;
		if (!v->n_vols)
			free(v->vols);
		v->vols = NULL;
		v->n_vols = v->cap_vols = 0;
		break;
	case V_SNAPSHOT:
		f->snapshot_count = v->snapshots;
		for (size_t i = 0; i < v->n_tsnaps; i++)
			model_vm_facts_add_test_snapshot(f, v->tsnaps[i]);
		break;
	}
	val_clear(v);
}

void inventory_val_abort(inventory_val *v)
{
	if (v->e)
		estate_set(v->e, v->e_type, v->e_moref, v->e_prop, NULL);
	if (v->p)
		unset(v->p, v->f); /* never half a value */
	val_clear(v);
}

/* ---- the same events from the streaming reader ---- */

static void reader_start(inventory_val *v, xmlTextReaderPtr r, int depth)
{
	char type[64];
	vs_xml_xsi_type(r, type, sizeof type);
	const char *n = (const char *)xmlTextReaderConstLocalName(r);
	inventory_val_start(v, depth, n ? n : "", type);
}

/* Walks the <val> the reader is on to its end element; -1 on malformed XML. */
static int reader_walk(inventory_val *v, xmlTextReaderPtr r)
{
	int base = xmlTextReaderDepth(r);
	reader_start(v, r, 0);
	if (xmlTextReaderIsEmptyElement(r) == 1) {
		inventory_val_end(v, 0, "val");
		return 0;
	}
	for (;;) {
		if (xmlTextReaderRead(r) != 1)
			return -1; /* EOF inside the value is malformed too */
		int depth = xmlTextReaderDepth(r) - base;
		const char *n = (const char *)xmlTextReaderConstLocalName(r);
		switch (xmlTextReaderNodeType(r)) {
		case XML_READER_TYPE_ELEMENT:
			reader_start(v, r, depth);
			if (xmlTextReaderIsEmptyElement(r) == 1)
				inventory_val_end(v, depth, n ? n : "");
			break;
		case XML_READER_TYPE_END_ELEMENT:
			inventory_val_end(v, depth, n ? n : "");
			if (depth <= 0)
				return 0;
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
		case XML_READER_TYPE_WHITESPACE: {
			const char *t = (const char *)xmlTextReaderConstValue(r);
			if (t)
				inventory_val_text(v, t, strlen(t));
			break;
		}
		default:
			break;
		}
	}
}

int inventory_apply_change(vm_facts *f, const char *prop, xmlTextReaderPtr val)
{
	const prop_map *p = find_prop(prop);
	if (!p)
		return 0;
	if (!val) {
		unset(p, f);
		return 0;
	}
	inventory_val v;
	memset(&v, 0, sizeof v);
	inventory_val_begin(&v, f, prop);
	if (reader_walk(&v, val) < 0) {
		inventory_val_abort(&v);
		return -1;
	}
	inventory_val_finish(&v);
	return 0;
}

void inventory_facts_begin(vm_facts *f, const char *moref)
{
	model_vm_facts_init(f);
	f->moref = xstrdup(moref);
	for (size_t i = 0; i < N_PROPS; i++)
		unset(&props[i], f);
}

void inventory_apply_missing(vm_facts *f, const char *prop, const char *fault,
			     const char *message)
{
	const prop_map *p = find_prop(prop);
	if (p)
		unset(p, f);
	/* Unset and unknown differ for these: "no snapshot" is not "could not count". */
	if (strcmp(prop, "snapshot") == 0)
		f->snapshot_count = -1;
	else if (strcmp(prop, "config.extraConfig") == 0)
		f->enable_uuid = TRI_UNKNOWN;
	f->facts_error = true;
	char *old = f->facts_error_text;
	f->facts_error_text = xasprintf("%s%s%s: %s%s%s", old ? old : "", old ? "; " : "", prop,
					fault && fault[0] ? fault : "not readable",
					message && message[0] ? ": " : "", message ? message : "");
	free(old);
}
