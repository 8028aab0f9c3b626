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

/* Longest text kept from one value. vSphere caps names at 80 characters (240 escaped);
 * longer values (guestinfo blobs) are only scanned, never kept whole. */
#define TEXT_MAX 1024

/* Text of the element the reader is on, truncated to n-1 bytes (the rest is read and dropped,
 * so a huge value costs no memory); NULL on malformed XML. Leaves the reader on the element's
 * end (or on itself when empty). */
static const char *text(xmlTextReaderPtr r, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	if (xmlTextReaderIsEmptyElement(r) == 1)
		return buf;
	int depth = xmlTextReaderDepth(r);
	while (xmlTextReaderRead(r) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r) == depth)
			return buf;
		if (type != XML_READER_TYPE_TEXT && type != XML_READER_TYPE_CDATA &&
		    type != XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
			continue;
		const char *v = (const char *)xmlTextReaderConstValue(r);
		size_t vl = v ? strlen(v) : 0;
		if (vl > n - 1 - len)
			vl = n - 1 - len;
		if (vl)   /* memcpy from NULL is undefined even for 0 bytes */
			memcpy(buf + len, v, vl);
		len += vl;
		buf[len] = '\0';
	}
	return NULL;
}

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

/* ---- exported helpers ---- */

static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

time_t inventory_parse_datetime(const char *s)
{
	const char *p = s;
	struct tm tm = { 0 };
	int y = digits(&p, 4);
	if (y < 0 || *p++ != '-')
		return -1;
	int mo = digits(&p, 2);
	if (mo < 1 || mo > 12 || *p++ != '-')
		return -1;
	int d = digits(&p, 2);
	if (d < 1 || d > 31 || *p++ != 'T')
		return -1;
	int h = digits(&p, 2);
	if (h < 0 || h > 24 || *p++ != ':')
		return -1;
	int mi = digits(&p, 2);
	if (mi < 0 || mi > 59 || *p++ != ':')
		return -1;
	int sec = digits(&p, 2);
	if (sec < 0 || sec > 60)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh = digits(&p, 2);
		if (oh < 0 || oh > 14 || *p++ != ':')
			return -1;
		int om = digits(&p, 2);
		if (om < 0 || om > 59)
			return -1;
		off = sign * (oh * 3600L + om * 60L);
	} /* no zone: UTC, as vSphere means it */
	if (*p)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	return t == (time_t)-1 ? -1 : t - off;
}

tri inventory_enable_uuid_value(const char *raw)
{
	return raw && strcasecmp(raw, "true") == 0 ? TRI_YES : TRI_NO;
}

/* ---- value parsers: one per property; r == NULL means unset ---- */

static void set_str(char **dst, xmlTextReaderPtr r, const char *t)
{
	xstrset(dst, r ? t : NULL);
}

/* Most properties are one text value. */
static int read_scalar(xmlTextReaderPtr r, char *buf)
{
	if (r && !text(r, buf, TEXT_MAX))
		return -1;
	return 0;
}

static int p_template(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	f->is_template = r && (strcmp(buf, "true") == 0 || strcmp(buf, "1") == 0);
	return 0;
}

static int p_config_version(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	f->hw_version = r && strncmp(buf, "vmx-", 4) == 0 ? to_int(buf + 4, 0) : 0;
	if (f->hw_version < 0)
		f->hw_version = 0;
	return 0;
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

/* ArrayOfOptionValue: <OptionValue xsi:type="OptionValue"><key>..</key><value
 * xsi:type="xsd:string">..</value></OptionValue>. Only the keys we need are read; vmx keys are
 * case-insensitive, so is the match. */
static int p_extra_config(vm_facts *f, xmlTextReaderPtr r)
{
	xstrset(&f->enable_uuid_raw, NULL);
	f->enable_uuid = TRI_NO; /* absent */
	f->guest_build = 0;
	if (!r)
		return 0;
	int os_build = 0, detailed = 0;
	char key[256], buf[TEXT_MAX];
	vs_rd_iter it, ov;
	vs_rd_iter_init(&it, r);
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		vs_rd_iter_init(&ov, r);
		key[0] = '\0';
		while ((ret = vs_rd_iter_next(&ov)) == 1) {
			if (vs_rd_is(r, "key")) {
				if (!text(r, key, sizeof key))
					return -1;
			} else if (vs_rd_is(r, "value") &&
				   (strcasecmp(key, "disk.EnableUUID") == 0 ||
				    strcasecmp(key, "guestinfo.os.build") == 0 ||
				    strcasecmp(key, "guestinfo.detailed.data") == 0)) {
				if (!text(r, buf, sizeof buf))
					return -1;
				if (strcasecmp(key, "disk.EnableUUID") == 0) {
					xstrset(&f->enable_uuid_raw, buf);
					f->enable_uuid = inventory_enable_uuid_value(buf);
				} else if (strcasecmp(key, "guestinfo.os.build") == 0) {
					os_build = to_int(buf, 0);
				} else {
					detailed = detailed_build(buf);
				}
			} else {
				vs_rd_iter_skip(&ov);
			}
		}
		if (ret < 0)
			return -1;
	}
	if (ret < 0)
		return -1;
	f->guest_build = os_build > 0 ? os_build : detailed > 0 ? detailed : 0;
	return 0;
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

/* One <VirtualDevice xsi:type="...">: key, deviceInfo.label, backing.diskMode, controllerKey,
 * unitNumber, capacityInKB/capacityInBytes, busNumber. */
static int parse_device(xmlTextReaderPtr r, dev_scan *d)
{
	char type[64], buf[TEXT_MAX];
	vs_rd_xsi_type(r, type, sizeof type);
	controller_kind kind = CTRL_UNKNOWN;
	for (size_t i = 0; i < sizeof ctrl_types / sizeof ctrl_types[0]; i++)
		if (strcmp(type, ctrl_types[i].xsi) == 0)
			kind = ctrl_types[i].kind;
	bool disk = strcmp(type, "VirtualDisk") == 0;
	int64_t key = -1, ctrl_key = -1, unit = -1, bus = -1, cap_kb = -1, cap_bytes = -1;
	disk_mode mode = DISK_OTHER_MODE;
	char label[128] = "";

	vs_rd_iter it, in;
	vs_rd_iter_init(&it, r);
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		const char *n = (const char *)xmlTextReaderConstLocalName(r);
		int64_t *num = strcmp(n, "key") == 0 ? &key
			     : strcmp(n, "controllerKey") == 0 ? &ctrl_key
			     : strcmp(n, "unitNumber") == 0 ? &unit
			     : strcmp(n, "busNumber") == 0 ? &bus
			     : disk && strcmp(n, "capacityInKB") == 0 ? &cap_kb
			     : disk && strcmp(n, "capacityInBytes") == 0 ? &cap_bytes : NULL;
		if (num) {
			int64_t v;
			if (!text(r, buf, sizeof buf))
				return -1;
			if (to_i64(buf, &v) && v >= 0 && v <= INT64_MAX / 2)
				*num = v;
		} else if (disk && (strcmp(n, "deviceInfo") == 0 || strcmp(n, "backing") == 0)) {
			bool info = n[0] == 'd';
			vs_rd_iter_init(&in, r);
			while ((ret = vs_rd_iter_next(&in)) == 1) {
				if (info && vs_rd_is(r, "label")) {
					if (!text(r, label, sizeof label))
						return -1;
				} else if (!info && vs_rd_is(r, "diskMode")) {
					if (!text(r, buf, sizeof buf))
						return -1;
					mode = parse_disk_mode(buf);
				} else {
					vs_rd_iter_skip(&in);
				}
			}
			if (ret < 0)
				return -1;
		} else {
			vs_rd_iter_skip(&it);
		}
	}
	if (ret < 0)
		return -1;
	if (key > INT32_MAX || ctrl_key > INT32_MAX || unit > INT32_MAX || bus > INT32_MAX)
		return 0; /* nonsense numbers: not a device we can place */
	if (kind != CTRL_UNKNOWN)
		push_ctrl(d, (ctrl_info){ .key = (int)key, .kind = kind, .bus = (int)bus });
	if (ctrl_key >= 0)
		push_key(d, (int)ctrl_key);
	if (disk) {
		d->disks = xgrow(d->disks, &d->cap_disks, d->n_disks + 1, sizeof *d->disks);
		d->disks[d->n_disks++] = (vm_disk){
			.label = label[0] ? xstrdup(label) : NULL,
			.controller = CTRL_UNKNOWN,
			.bus = (int)ctrl_key, /* resolved once every controller is known */
			.unit = (int)unit,
			.mode = mode,
			.capacity_kb = cap_kb >= 0 ? cap_kb : cap_bytes >= 0 ? cap_bytes / 1024 : 0,
		};
	}
	return 0;
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
		free(disks[i].label);
	free(disks);
}

/* ArrayOfVirtualDevice. Devices name their controller by key, and a controller may come
 * after its devices, so links are resolved at the end. */
static int p_devices(vm_facts *f, xmlTextReaderPtr r)
{
	free_disks(f->disks, f->n_disks);
	f->disks = NULL;
	f->n_disks = 0;
	f->n_scsi_controllers = 0;
	f->scsi_units_used = 0;
	if (!r)
		return 0;
	dev_scan d = { .n_ctrls = 0 };
	d.ctrls = d.ctrl_stack;
	d.cap_ctrls = sizeof d.ctrl_stack / sizeof d.ctrl_stack[0];
	d.keys = d.key_stack;
	d.cap_keys = sizeof d.key_stack / sizeof d.key_stack[0];

	vs_rd_iter it;
	vs_rd_iter_init(&it, r);
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1)
		if (parse_device(r, &d) < 0) {
			ret = -1;
			break;
		}
	if (ret == 0) {
		for (size_t i = 0; i < d.n_ctrls; i++)
			f->n_scsi_controllers += is_scsi(d.ctrls[i].kind);
		for (size_t i = 0; i < d.n_keys; i++) {
			const ctrl_info *c = find_ctrl(&d, d.keys[i]);
			f->scsi_units_used += c && is_scsi(c->kind);
		}
		for (size_t i = 0; i < d.n_disks; i++) {
			const ctrl_info *c = find_ctrl(&d, d.disks[i].bus);
			d.disks[i].controller = c ? c->kind : CTRL_UNKNOWN;
			d.disks[i].bus = c ? c->bus : -1;
		}
		/* exact size: 10,000 VMs are kept at once */
		f->disks = d.n_disks ? xrealloc(d.disks, d.n_disks * sizeof *d.disks) : NULL;
		f->n_disks = d.n_disks;
		if (!d.n_disks)
			free(d.disks);
	} else {
		free_disks(d.disks, d.n_disks);
	}
	if (d.ctrls != d.ctrl_stack)
		free(d.ctrls);
	if (d.keys != d.key_stack)
		free(d.keys);
	return ret;
}

static int p_power(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	f->power = !r ? POWER_UNKNOWN
		 : strcmp(buf, "poweredOn") == 0 ? POWER_ON
		 : strcmp(buf, "poweredOff") == 0 ? POWER_OFF
		 : strcmp(buf, "suspended") == 0 ? POWER_SUSPENDED : POWER_UNKNOWN;
	return 0;
}

/* Only a state other than "connected" is kept: it means the facts are not current. */
static int p_connection_state(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	xstrset(&f->connection_state, r && strcmp(buf, "connected") != 0 ? buf : NULL);
	return 0;
}

static int p_boot_time(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	time_t t = r ? inventory_parse_datetime(buf) : 0;
	f->boot_time = t > 0 ? t : 0;
	return 0;
}

/* tools mixes two properties that change independently and arrive in any order: running
 * wins, "not installed" (toolsVersionStatus2) beats "not running". */
static int p_tools_running(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	bool not_installed = f->tools_version_status == TOOLS_VS_NOT_INSTALLED;
	if (r && (strcmp(buf, "guestToolsRunning") == 0 ||
		  strcmp(buf, "guestToolsExecutingScripts") == 0))
		f->tools = TOOLS_RUNNING;
	else if (not_installed)
		f->tools = TOOLS_NOT_INSTALLED;
	else if (r && strcmp(buf, "guestToolsNotRunning") == 0)
		f->tools = TOOLS_NOT_RUNNING;
	else
		f->tools = TOOLS_UNKNOWN;
	return 0;
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

static int p_tools_version_status(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	f->tools_version_status = TOOLS_VS_UNKNOWN;
	for (size_t i = 0; r && i < sizeof tools_vs_names / sizeof tools_vs_names[0]; i++)
		if (strcmp(buf, tools_vs_names[i].name) == 0)
			f->tools_version_status = tools_vs_names[i].status;
	if (f->tools_version_status == TOOLS_VS_NOT_INSTALLED && f->tools != TOOLS_RUNNING)
		f->tools = TOOLS_NOT_INSTALLED;
	else if (f->tools_version_status != TOOLS_VS_NOT_INSTALLED &&
		 f->tools == TOOLS_NOT_INSTALLED)
		f->tools = TOOLS_NOT_RUNNING; /* installed now; running status follows if it changed */
	return 0;
}

/* guest.toolsVersion is a string: "11333" (major<<10 | minor<<5 | patch). */
static int p_tools_version(vm_facts *f, xmlTextReaderPtr r)
{
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	int v = r ? to_int(buf, 0) : 0;
	f->tools_version = v > 0 ? v : 0;
	return 0;
}

static void free_volumes(vm_volume *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* ArrayOfGuestDiskInfo: diskPath, capacity, freeSpace (bytes). */
static int p_guest_disk(vm_facts *f, xmlTextReaderPtr r)
{
	free_volumes(f->volumes, f->n_volumes);
	f->volumes = NULL;
	f->n_volumes = 0;
	if (!r)
		return 0;
	vm_volume *vols = NULL;
	size_t n = 0, cap = 0;
	char buf[TEXT_MAX];
	vs_rd_iter it, in;
	vs_rd_iter_init(&it, r);
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		vols = xgrow(vols, &cap, n + 1, sizeof *vols);
		vm_volume *v = &vols[n++];
		*v = (vm_volume){ .capacity_bytes = -1, .free_bytes = -1 };
		vs_rd_iter_init(&in, r);
		while ((ret = vs_rd_iter_next(&in)) == 1) {
			bool path = vs_rd_is(r, "diskPath"), capa = vs_rd_is(r, "capacity");
			if (path || capa || vs_rd_is(r, "freeSpace")) {
				if (!text(r, buf, sizeof buf))
					break;
				int64_t x = -1;
				if (path)
					xstrset(&v->path, buf);
				else if (to_i64(buf, &x) && capa)
					v->capacity_bytes = x;
				else if (to_i64(buf, &x))
					v->free_bytes = x;
			} else {
				vs_rd_iter_skip(&in);
			}
		}
		if (ret != 0)
			break;
	}
	if (ret != 0) {
		free_volumes(vols, n);
		return -1;
	}
	f->volumes = n ? xrealloc(vols, n * sizeof *vols) : NULL;
	f->n_volumes = n;
	if (!n)
		free(vols);
	return 0;
}

static void clear_test_snapshots(vm_facts *f)
{
	for (size_t i = 0; i < f->n_test_snapshots; i++)
		free(f->test_snapshots[i]);
	free(f->test_snapshots);
	f->test_snapshots = NULL;
	f->n_test_snapshots = 0;
}

/* VirtualMachineSnapshotInfo: every snapshot is one rootSnapshotList or childSnapshotList
 * tree node, at any depth. A node's own <name> comes before its children, so a name one
 * level below the last node opened is that node's; the names of quiescent's test snapshots
 * are kept (R26 checks them against the history). */
static int p_snapshot(vm_facts *f, xmlTextReaderPtr r)
{
	f->snapshot_count = 0;
	clear_test_snapshots(f);
	if (!r || xmlTextReaderIsEmptyElement(r) == 1)
		return 0;
	int depth = xmlTextReaderDepth(r), count = 0, node_depth = -1;
	char buf[TEXT_MAX];
	for (;;) {
		if (xmlTextReaderRead(r) != 1) {
			clear_test_snapshots(f);
			return -1;
		}
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r) == depth)
			break;
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (vs_rd_is(r, "childSnapshotList") || vs_rd_is(r, "rootSnapshotList")) {
			count++;
			node_depth = xmlTextReaderDepth(r);
		} else if (node_depth >= 0 && xmlTextReaderDepth(r) == node_depth + 1 &&
			   vs_rd_is(r, "name")) {
			if (!text(r, buf, sizeof buf)) {
				clear_test_snapshots(f);
				return -1;
			}
			if (!strncmp(buf, MODEL_TEST_SNAPSHOT_PREFIX, strlen(MODEL_TEST_SNAPSHOT_PREFIX)))
				model_vm_facts_add_test_snapshot(f, buf);
		}
	}
	f->snapshot_count = count;
	return 0;
}

/* One row per property: a parser, or (apply NULL) a plain string stored at str_field. */
typedef struct {
	const char *path;
	int (*apply)(vm_facts *f, xmlTextReaderPtr r);
	size_t str_field;
} prop_map;

#define STRING_PROP(path, field) { path, NULL, offsetof(vm_facts, field) }

static const prop_map props[] = {
	STRING_PROP("name", name),
	{ "config.template", p_template, 0 },
	STRING_PROP("config.guestId", config_guest_id),
	STRING_PROP("config.guestFullName", config_guest_full_name),
	{ "config.version", p_config_version, 0 },
	{ "config.extraConfig", p_extra_config, 0 },
	{ "config.hardware.device", p_devices, 0 },
	{ "runtime.powerState", p_power, 0 },
	{ "runtime.connectionState", p_connection_state, 0 },
	{ "runtime.bootTime", p_boot_time, 0 },
	{ "guest.toolsVersionStatus2", p_tools_version_status, 0 },
	{ "guest.toolsRunningStatus", p_tools_running, 0 },
	{ "guest.toolsVersion", p_tools_version, 0 },
	STRING_PROP("guest.guestId", guest_id),
	STRING_PROP("guest.guestFullName", guest_full_name),
	{ "guest.disk", p_guest_disk, 0 },
	{ "snapshot", p_snapshot, 0 },
};
#define N_PROPS (sizeof props / sizeof props[0])

static int apply_prop(const prop_map *p, vm_facts *f, xmlTextReaderPtr r)
{
	if (p->apply)
		return p->apply(f, r);
	char buf[TEXT_MAX];
	if (read_scalar(r, buf) < 0)
		return -1;
	set_str((char **)((char *)f + p->str_field), r, buf);
	return 0;
}

/* The paths alone, for property filters: derived from props once, so the two cannot differ. */
static const char *prop_paths[N_PROPS];
static pthread_once_t prop_paths_once = PTHREAD_ONCE_INIT;

static void fill_prop_paths(void)
{
	for (size_t i = 0; i < N_PROPS; i++)
		prop_paths[i] = props[i].path;
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
		if (strcmp(props[i].path, path) == 0)
			return &props[i];
	return NULL;
}

int inventory_apply_change(vm_facts *f, const char *prop, xmlTextReaderPtr val)
{
	const prop_map *p = find_prop(prop);
	if (!p)
		return 0;
	if (apply_prop(p, f, val) == 0)
		return 0;
	apply_prop(p, f, NULL); /* never half a value */
	return -1;
}

void inventory_facts_begin(vm_facts *f, const char *moref)
{
	model_vm_facts_init(f);
	f->moref = xstrdup(moref);
	for (size_t i = 0; i < N_PROPS; i++)
		apply_prop(&props[i], f, NULL);
}

void inventory_apply_missing(vm_facts *f, const char *prop, const char *fault,
			     const char *message)
{
	const prop_map *p = find_prop(prop);
	if (p)
		apply_prop(p, f, NULL);
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
} scan_ctx;

/* A complete VM (owned by the caller): kept if a glob matches its name, else freed. */
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
	if (keep && s->on_vm) {
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

static int scan_prop(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		     vs_error *err)
{
	vm_facts *f = scan_vm(ctx, moref);
	if (inventory_apply_change(f, prop, val) < 0)
		return vs_fail(err, VS_ERR_PARSE, "The value of %s of VM %s is malformed XML.",
			       prop, moref);
	return 0;
}

static int scan_missing(void *ctx, const char *moref, const char *path, const char *fault,
			const char *message, vs_error *err)
{
	inventory_apply_missing(scan_vm(ctx, moref), path, fault, message);
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

/* Pages are parsed on worker threads (vs_retrieve_pages), each into its own scan_ctx with no
 * globs; the globs, their counts and on_vm are applied to the VMs of each page in page order,
 * on the calling thread. */
static void *page_begin(void *ctx)
{
	return xcalloc(1, sizeof(scan_ctx));
}

static int page_end(void *ctx, void *page, vs_error *err)
{
	scan_ctx *s = ctx, *p = page;
	scan_close(p);
	for (size_t i = 0; i < p->n; i++)
		scan_keep(s, &p->v[i]);
	free(p->v);
	free(p);
	return 0;
}

static void page_drop(void *ctx, void *page)
{
	scan_ctx *p = page;
	if (p->open)
		model_vm_facts_done(&p->v[p->n]);
	inventory_free(p->v, p->n);
	free(p);
}

static const vs_page_sink page_sink = {
	.page_begin = page_begin,
	.on_prop = scan_prop,
	.on_missing = scan_missing,
	.page_end = page_end,
	.page_drop = page_drop,
};

/* One retrieval over a ContainerView of every VM into s; on failure nothing is kept. */
static int retrieve_all(vs_conn *c, scan_ctx *s, vs_error *err)
{
	if (s->matches)
		memset(s->matches, 0, s->n_globs * sizeof *s->matches);
	char view[VS_MOREF_MAX];
	if (vs_view_create(c, "VirtualMachine", view, sizeof view, err) < 0)
		return -1;
	size_t n_paths;
	const char *const *paths = inventory_paths(&n_paths);
	int ret = vs_retrieve_pages(c, view, "VirtualMachine", paths, n_paths,
				    INVENTORY_PAGE_SIZE, &page_sink, s, err);
	vs_error ignored;
	vs_error_clear(&ignored);
	vs_view_destroy(c, view, &ignored); /* the session's end frees it anyway */
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
	scan_close(s);
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
