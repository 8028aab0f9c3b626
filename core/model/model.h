/* model: what quiescent knows about a VM (facts), what the rules conclude (verdict).
 *
 * Facts come from three places: vCenter properties (inventory), the guest probe (Guest
 * Operations), and history (the last probe of a VM that is now off). Every fact that can be
 * missing is a tri-state or an explicit UNKNOWN enumerator, so the rules can tell "absent"
 * from "not known". Strings are heap-allocated and owned by the struct that holds them;
 * model_vm_facts_done() frees them all. */
#ifndef QUIESCENT_MODEL_H
#define QUIESCENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef enum { TRI_UNKNOWN = 0, TRI_NO, TRI_YES } tri;

/* Ordered from worst to best, so "min" combines caps. */
typedef enum {
	LEVEL_NONE = -1, /* "no cap" in a finding */
	LEVEL_FAIL = 0,
	LEVEL_CRASH,
	LEVEL_FILESYSTEM,
	LEVEL_APPLICATION,
} quiesce_level;

typedef enum {
	STATUS_READY,
	STATUS_FIXABLE,
	STATUS_MANUAL,
	STATUS_UNKNOWN,
	STATUS_NA,
} vm_status;

typedef enum { SEVERITY_INFO, SEVERITY_WARN, SEVERITY_ERROR } severity;
typedef enum { FIX_NONE, FIX_AUTO, FIX_GUIDED, FIX_MANUAL } fix_kind;

typedef enum { POWER_UNKNOWN, POWER_ON, POWER_OFF, POWER_SUSPENDED } power_state;

/* guest.toolsRunningStatus plus "not installed" from toolsVersionStatus2. */
typedef enum {
	TOOLS_UNKNOWN,
	TOOLS_RUNNING,
	TOOLS_NOT_RUNNING,
	TOOLS_NOT_INSTALLED,
} tools_status;

/* guest.toolsVersionStatus2 */
typedef enum {
	TOOLS_VS_UNKNOWN,
	TOOLS_VS_NOT_INSTALLED,
	TOOLS_VS_CURRENT,
	TOOLS_VS_NEED_UPGRADE,
	TOOLS_VS_SUPPORTED_OLD,
	TOOLS_VS_SUPPORTED_NEW,
	TOOLS_VS_TOO_OLD,
	TOOLS_VS_TOO_NEW,
	TOOLS_VS_BLACKLISTED,
	TOOLS_VS_UNMANAGED,
} tools_version_status;

/* OS families of the best-level table in quiescing-rules.md. */
typedef enum {
	OS_OTHER,     /* not Windows: crash */
	OS_WIN2000,
	OS_WINXP,
	OS_WINDESKTOP, /* Vista, 7, 8, 8.1, 10, 11 */
	OS_WIN2003,
	OS_WIN2008,
	OS_WIN2008R2,
	OS_WIN2012,
	OS_WIN2012R2,
	OS_WIN2016,
	OS_WIN2019,
	OS_WIN2022,
	OS_WIN2025,
} os_family;

typedef enum {
	CTRL_UNKNOWN,
	CTRL_PVSCSI,
	CTRL_LSILOGIC,
	CTRL_LSILOGIC_SAS,
	CTRL_BUSLOGIC,
	CTRL_IDE,
	CTRL_SATA,
	CTRL_NVME,
} controller_kind;

typedef enum {
	DISK_PERSISTENT,
	DISK_INDEPENDENT_PERSISTENT,
	DISK_INDEPENDENT_NONPERSISTENT,
	DISK_OTHER_MODE, /* nonpersistent, undoable, append: rare, reported as is */
} disk_mode;

typedef struct {
	char *label;            /* "Hard disk 1" */
	controller_kind controller;
	int bus;                /* controller bus number */
	int unit;               /* unit number on that controller */
	disk_mode mode;
	int64_t capacity_kb;
} vm_disk;

typedef struct {
	char *path;             /* "C:\\" */
	int64_t capacity_bytes;
	int64_t free_bytes;
} vm_volume;

/* A Windows service as `sc query` / `sc qc` report it. */
typedef enum { SVC_START_UNKNOWN, SVC_START_BOOT, SVC_START_SYSTEM, SVC_START_AUTO,
	       SVC_START_DEMAND, SVC_START_DISABLED } svc_start;
typedef enum { SVC_STATE_UNKNOWN, SVC_STATE_STOPPED, SVC_STATE_START_PENDING,
	       SVC_STATE_STOP_PENDING, SVC_STATE_RUNNING, SVC_STATE_CONTINUE_PENDING,
	       SVC_STATE_PAUSE_PENDING, SVC_STATE_PAUSED } svc_state;

typedef struct {
	tri installed;          /* TRI_NO when sc says 1060 "does not exist" */
	svc_state state;
	svc_start start;
	char *raw_state;        /* evidence: "4  RUNNING" */
} svc_facts;

typedef enum { WRITER_STATE_UNKNOWN, WRITER_STABLE, WRITER_WAITING_FOR_COMPLETION,
	       WRITER_FAILED, WRITER_OTHER } writer_state;
typedef enum { WRITER_ERR_UNKNOWN, WRITER_ERR_NONE, WRITER_ERR_RETRYABLE,
	       WRITER_ERR_NON_RETRYABLE, WRITER_ERR_TIMEOUT, WRITER_ERR_OTHER } writer_error;

typedef struct {
	char *name;             /* 'SqlServerWriter' */
	char *id;               /* {a65faa63-...} */
	char *instance_id;
	writer_state state;
	char *state_text;       /* "[1] Stable" as vssadmin printed it */
	writer_error last_error;
	char *last_error_text;  /* "No error" */
} vss_writer;

typedef enum {
	PROBE_NOT_RUN,          /* no probe attempted in this scan (e.g. --no-probe, VM off) */
	PROBE_OK,
	PROBE_NOT_CONFIGURED,   /* no guest credentials */
	PROBE_LOGIN_FAILED,     /* InvalidGuestLogin */
	PROBE_UNAVAILABLE,      /* GuestOperationsUnavailable, Tools down, timeout, ... */
	PROBE_STALE,            /* facts below come from history */
	PROBE_NOT_ELEVATED,     /* the guest account lacks a right: vssadmin or sc refused it (an
				 * administrator without an elevated token, UAC remote restrictions) */
} probe_state;

/* What only the guest knows (guest probe); valid when probe.state is OK or STALE. */
typedef struct {
	probe_state state;
	time_t at;              /* when these facts were seen (0: never) */
	char *error;            /* why not OK, one sentence */
	svc_facts vmvss;        /* VMware Snapshot Provider */
	svc_facts lgto_sync;    /* legacy sync driver */
	svc_facts vss;          /* Volume Shadow Copy service */
	vss_writer *writers;
	size_t n_writers;
	tri writers_known;      /* vssadmin ran and was parsed */
	tri disable_app_quiescing; /* tools.conf [vmbackup] vss.disableAppQuiescing */
	tri enable_vss;            /* tools.conf [vmbackup] enableVSS (TRI_UNKNOWN: not set) */
	bool tools_conf_read;
	tri dynamic_disks;
	tri storage_spaces;
	char *dynamic_disks_evidence;
	char *storage_spaces_evidence;
	bool access_denied;     /* vssadmin or sc refused the account (set by probe_parse_all) */
} guest_probe;

/* The VM's last finished test snapshot, from history (R25 and the proof). Tests cancelled or
 * interrupted before a result do not count. */
typedef struct {
	int64_t id;                /* snaptests.id; 0: never tested */
	time_t at;                 /* when the test started */
	time_t ended_at;           /* when it ended, 0 unknown */
	char *method;              /* "CreateSnapshotEx_Task", may be NULL */
	bool failed;               /* the quiesced snapshot failed */
	quiesce_level predicted;   /* what the rules predicted when the test ran */
	quiesce_level achieved;    /* LEVEL_NONE: not known */
	char *fault;               /* "ApplicationQuiesceFault: ...", may be NULL */
	char *bad_writer;          /* a writer found failed after the test ("SqlServerWriter:
				    * Non-retryable error"), may be NULL */
	char **writers;            /* writer names of the test's manifest */
	size_t n_writers;
	/* Facts that decide quiescing and changed since the test, in people's words ("VMware
	 * Tools 11.3.5 -> 12.1.5"); compared with the VM's last scan before the test. */
	char **changes;
	size_t n_changes;
	bool compared;             /* the facts at the test's time were found and compared */
} vm_last_test;
/* The prefix of every test snapshot quiescent takes ("quiescent-test-20261122T100000Z"). */
#define MODEL_TEST_SNAPSHOT_PREFIX "quiescent-test-"

/* A test snapshot of ours (a snaptest row in history) that vCenter showed on the VM. */
typedef struct {
	char *name;             /* "quiescent-test-20261122T100000Z" */
	int64_t snaptest_id;    /* the test in history */
	time_t created_at;
	char *state;            /* the test's state in history: "running", "removed", "orphan"... */
} vm_our_snapshot;

/* What quiescent's own history says it left on a VM (R24, R26). The scan fills it from the
 * history (scan_history_marks), so the rules stay pure; it travels with the facts through
 * copies and live updates. All zero: nothing left. */
typedef struct {
	/* R26 power: our latest fix of this VM began a shutdown or power-off of a VM that was
	 * on and recorded no power-on after it (the rule checks the VM is off now). */
	int64_t off_plan_id;    /* 0: none */
	char *off_step;         /* "shutdown_guest" or "power_off" */
	time_t off_at;          /* when that step began */
	char *off_plan_state;   /* the plan's state: "running", "failed", "interrupted"... */
	/* R26 snapshots: tests of ours whose snapshot the tree showed at the scan; the rule
	 * keeps those still in test_snapshots (the tree as it is now). */
	vm_our_snapshot *snapshots;
	size_t n_snapshots;
	/* R24: the latest fix step on this VM that left a guest restart pending. */
	int64_t restart_plan_id; /* 0: none */
	char *restart_step;     /* "guest_tools_setup", "upgrade_tools" */
	time_t restart_at;      /* when that step ended: a boot before it did not finish it */
	char *restart_why;      /* "setup exit code 3010" */
} vm_history_marks;

typedef struct {
	/* identity */
	char *moref;            /* "vm-42" */
	char *name;
	char *folder;           /* inventory path of the parent folder, may be NULL */
	/* Where the VM lives (NULL: not known): the datacenter's and the cluster's names (cluster
	 * NULL for a standalone host), the ESXi host's inventory name. */
	char *datacenter;
	char *cluster;
	char *host;
	bool is_template;
	bool facts_error;       /* vCenter could not give this VM's facts (see facts_error_text) */
	char *facts_error_text;
	/* runtime.connectionState when it is not "connected" (host gone: "disconnected",
	 * "orphaned", "inaccessible", "invalid"): vCenter's facts are then not current. NULL:
	 * connected or not known. */
	char *connection_state;

	/* vCenter: config.* */
	char *config_guest_id;       /* config.guestId */
	char *config_guest_full_name;/* config.guestFullName */
	int hw_version;              /* config.version "vmx-13" -> 13, 0 unknown */
	tri enable_uuid;             /* config.extraConfig disk.EnableUUID TRUE (case-insensitive) */
	char *enable_uuid_raw;       /* the raw value, NULL when absent */
	vm_disk *disks;
	size_t n_disks;
	int n_scsi_controllers;
	int scsi_units_used;         /* devices attached to SCSI controllers */

	/* vCenter: runtime.* */
	power_state power;
	time_t boot_time;            /* runtime.bootTime, 0 unknown */

	/* vCenter: guest.* */
	char *guest_id;              /* guest.guestId */
	char *guest_full_name;       /* guest.guestFullName */
	int guest_build;             /* Windows build from the guest, 0 unknown */
	int guest_build_revision;    /* its UBR (20348.2582 -> 2582), 0 unknown (R10 NVMe) */
	tools_status tools;
	tools_version_status tools_version_status;
	int tools_version;           /* encoded major<<10|minor<<5|patch, 0 unknown */
	vm_volume *volumes;          /* guest.disk */
	size_t n_volumes;

	/* vCenter: snapshot, tasks */
	int snapshot_count;          /* -1 unknown */
	char **test_snapshots;       /* names in the snapshot tree that start with
				      * MODEL_TEST_SNAPSHOT_PREFIX (R26) */
	size_t n_test_snapshots;
	bool tools_upgrade_running;  /* R22: a Tools upgrade task runs on this VM */

	/* Everything above is what vCenter says (the console's watcher mirrors those bytes
	 * only: a field vCenter gives goes above this line); below, history and the guest. */
	/* history/events: when disk.EnableUUID was last set by reconfigure (0 unknown) */
	time_t enable_uuid_set_at;

	guest_probe probe;

	/* history: the last test snapshot (R25, proof) and when a fix of ours of this VM last
	 * ended (a done step; 0 none) */
	vm_last_test last_test;
	time_t fixed_at;
	vm_history_marks marks;      /* history: what our own runs left (R24, R26) */
} vm_facts;

typedef struct {
	char rule[4];           /* "R07" */
	severity sev;
	quiesce_level cap;      /* LEVEL_NONE: no cap */
	fix_kind fix;
	char *message;          /* what is wrong, what to do: one or two sentences */
	char *evidence;         /* the fact that shows it: "disk.EnableUUID is absent" */
} finding;

typedef struct {
	os_family family;
	quiesce_level best;
	quiesce_level predicted;
	vm_status status;
	finding *findings;      /* ordered: errors first, then warn, then info; by rule id within */
	size_t n_findings;
	bool packed;            /* the findings' evidence lies in the findings' own block
				 * (model_verdict_pack): freed with it */
} verdict;

/* Names as the JSON contract spells them. */
const char *model_level_name(quiesce_level l);     /* "application", ... "none" */
const char *model_status_name(vm_status s);        /* "ready", "fixable", ... "n/a" */
const char *model_severity_name(severity s);       /* "error", "warn", "info" */
const char *model_fix_name(fix_kind f);            /* "auto", "guided", "manual", "none" */
const char *model_power_name(power_state p);       /* "poweredOn", "poweredOff", "suspended", "unknown" */
const char *model_tools_status_name(tools_status t); /* "running", "notRunning", "notInstalled", "unknown" */
const char *model_probe_state_name(probe_state p); /* "ok", "not_configured", ... */
const char *model_os_family_name(os_family f);     /* "win2016", "windesktop", "other", ... */
const char *model_controller_name(controller_kind c); /* "pvscsi", "ide", ... as in the lab scenario */
const char *model_disk_mode_name(disk_mode m);     /* "persistent", "independent_persistent", ... */
const char *model_svc_start_name(svc_start s);     /* "auto", "demand", "disabled", ... */
const char *model_writer_state_name(writer_state s);  /* "stable", "failed", ... */
const char *model_writer_error_name(writer_error e);  /* "none", "retryable", ... */

const char *model_svc_state_name(svc_state s);     /* "running", "stopped", ... */
const char *model_tools_version_status_name(tools_version_status s); /* "guestToolsTooOld", ... */

/* Short names for people, in table columns (the CLI's table, the console's VM list), the same
 * everywhere; not a contract (JSON and CSV use the names above). */
const char *model_level_short(quiesce_level l);    /* "app", "fs", "crash", "fail", "-" */
const char *model_power_short(power_state p);      /* "on", "off", "sus", "?" */
/* Tools as a column shows them: "none", "stopped", "?" (status unknown: never a version that
 * could pass for running), else the version ("12.1.5", "unmanaged") or "running". */
const char *model_tools_text(tools_status t, int version, char buf[16]);

/* Parse the names above back (history, config, lab). Return false on an unknown name (and
 * leave *out alone); names are matched exactly, as the *_name functions spell them. */
bool model_level_parse(const char *s, quiesce_level *out);
bool model_status_parse(const char *s, vm_status *out);
bool model_severity_parse(const char *s, severity *out);
bool model_fix_parse(const char *s, fix_kind *out);
bool model_power_parse(const char *s, power_state *out);
bool model_tools_status_parse(const char *s, tools_status *out);
bool model_probe_state_parse(const char *s, probe_state *out);
bool model_os_family_parse(const char *s, os_family *out);
bool model_controller_parse(const char *s, controller_kind *out);
bool model_disk_mode_parse(const char *s, disk_mode *out);
bool model_svc_start_parse(const char *s, svc_start *out);
bool model_svc_state_parse(const char *s, svc_state *out);
bool model_writer_state_parse(const char *s, writer_state *out);
bool model_writer_error_parse(const char *s, writer_error *out);
bool model_tools_version_status_parse(const char *s, tools_version_status *out);

/* Tools version: encode "11.3.5" -> 11*1024+3*32+5 = 11365; format 11365 -> "11.3.5"
 * (2147483647 -> "unmanaged"). buf must hold 16 bytes.
 * encode returns -1 when a part is out of range (major < 0, minor or patch outside 0..31).
 * format gives "unknown" for 0 or a negative value and returns buf.
 * parse reads "11.3.5" (or "11.3", "11") into *out; false on anything else. */
#define MODEL_TOOLS_VERSION_UNMANAGED 2147483647
#define MODEL_TOOLS_VERSION_10_1_0 10272 /* CreateSnapshotEx_Task, Windows 2016 support */
int model_tools_version_encode(int major, int minor, int patch);
const char *model_tools_version_format(int encoded, char buf[16]);
bool model_tools_version_parse(const char *s, int *out);

/* Interned strings (intern.c): one shared, read-only copy per distinct value, kept for the
 * process's life. The fields that repeat across a fleet may hold one (folder, datacenter,
 * cluster, host, connection_state, config_guest_id, config_guest_full_name, enable_uuid_raw,
 * guest_id, guest_full_name, disk labels, volume paths; a finding's message): they are set
 * with model_str_set (or hold a malloc'ed string of their own) and released with
 * model_str_free, never with free(). */
const char *model_intern(const char *s);        /* NULL in, NULL out */
void model_str_set(char **dst, const char *s);  /* *dst released, then the interned s */
void model_str_free(char *s);                   /* free() unless interned */

void model_vm_facts_init(vm_facts *f);
void model_vm_facts_done(vm_facts *f);
void model_guest_probe_init(guest_probe *p);
void model_guest_probe_done(guest_probe *p);
/* Deep copy (for handing facts between threads); the fields that may be interned are the
 * interned copies (immutable, shared). */
void model_vm_facts_copy(vm_facts *dst, const vm_facts *src);
void model_guest_probe_copy(guest_probe *dst, const guest_probe *src);
void model_last_test_init(vm_last_test *t);
void model_last_test_done(vm_last_test *t);  /* t is left initialised (never tested) */
void model_last_test_copy(vm_last_test *dst, const vm_last_test *src);
/* Appends a copy of s to a list of strings. */
void model_strv_push(char ***v, size_t *n, const char *s);
void model_history_marks_init(vm_history_marks *m);
void model_history_marks_done(vm_history_marks *m);
void model_history_marks_copy(vm_history_marks *dst, const vm_history_marks *src);
/* Appends one of our test snapshots to m (strings copied). */
void model_history_marks_add_snapshot(vm_history_marks *m, const char *name, int64_t snaptest_id,
				      time_t created_at, const char *state);
/* Appends a name to f's test_snapshots (copied). */
void model_vm_facts_add_test_snapshot(vm_facts *f, const char *name);

void model_verdict_init(verdict *v);
void model_verdict_done(verdict *v);  /* frees the findings; v is left initialised */
void model_verdict_copy(verdict *dst, const verdict *src); /* dst: uninitialised or done */
/* Moves the findings and their evidence into one block (a verdict kept long, as the console's
 * fleet keeps one per VM: one allocation instead of one per finding and per evidence). A
 * packed verdict is read, copied and freed like any other; adding to it unpacks it first. */
void model_verdict_pack(verdict *v);
/* Appends a finding; message and evidence are copied (NULL allowed). */
void model_verdict_add(verdict *v, const char *rule, severity sev, quiesce_level cap,
		       fix_kind fix, const char *message, const char *evidence);

#endif
