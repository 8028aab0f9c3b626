/* Unit tests for core/rules: every rule firing and not firing, caps combining by minimum,
 * every OS family of the best-level table, every status, exact evidence strings, non-Windows
 * and template behaviour. Table-driven: a case is a base VM, up to four mutations, and the
 * exact verdict expected (family, best, predicted, status, findings in order, one evidence). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "rules/rules.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define ROWS(x) (sizeof(x) / sizeof((x)[0]))
#define GIB (INT64_C(1) << 30)
#define MIB (INT64_C(1) << 20)

static const time_t T_BOOT = 1795334400;      /* 2026-11-22T08:00:00Z */
static const time_t NOW = 1795334400 + 3 * 3600; /* 2026-11-22T11:00:00Z */

/* ---- building facts ---- */

static void add_disk(vm_facts *f, const char *label, controller_kind c, int bus, int unit,
		     disk_mode mode)
{
	f->disks = xrealloc(f->disks, (f->n_disks + 1) * sizeof(*f->disks));
	f->disks[f->n_disks++] = (vm_disk){xstrdup(label), c, bus, unit, mode, 40 * 1024 * 1024};
	if (c == CTRL_PVSCSI || c == CTRL_LSILOGIC || c == CTRL_LSILOGIC_SAS || c == CTRL_BUSLOGIC)
		f->scsi_units_used++;
}

static void add_volume(vm_facts *f, const char *path, int64_t cap, int64_t free_bytes)
{
	f->volumes = xrealloc(f->volumes, (f->n_volumes + 1) * sizeof(*f->volumes));
	f->volumes[f->n_volumes++] = (vm_volume){xstrdup(path), cap, free_bytes};
}

static void add_writer(vm_facts *f, const char *name, writer_state st, const char *st_text,
		       writer_error err, const char *err_text)
{
	guest_probe *p = &f->probe;
	p->writers = xrealloc(p->writers, (p->n_writers + 1) * sizeof(*p->writers));
	p->writers[p->n_writers++] = (vss_writer){xstrdup(name), xstrdup("{id}"), xstrdup("{inst}"),
						  st, xstrdup(st_text), err, xstrdup(err_text)};
	p->writers_known = TRI_YES;
}

static void set_svc(svc_facts *s, tri installed, svc_state st, svc_start start, const char *raw)
{
	s->installed = installed;
	s->state = st;
	s->start = start;
	xstrset(&s->raw_state, raw);
}

static void clear_disks(vm_facts *f)
{
	for (size_t i = 0; i < f->n_disks; i++)
		free(f->disks[i].label);
	free(f->disks);
	f->disks = NULL;
	f->n_disks = 0;
	f->scsi_units_used = 0;
}

static void clear_volumes(vm_facts *f)
{
	for (size_t i = 0; i < f->n_volumes; i++)
		free(f->volumes[i].path);
	free(f->volumes);
	f->volumes = NULL;
	f->n_volumes = 0;
}

/* A Windows Server 2016 VM that is ready for application quiescing. */
static void base_2016(vm_facts *f)
{
	xstrset(&f->moref, "vm-42");
	xstrset(&f->name, "sql-prod-01");
	xstrset(&f->config_guest_id, "windows9Server64Guest");
	xstrset(&f->config_guest_full_name, "Microsoft Windows Server 2016 or later (64-bit)");
	xstrset(&f->guest_id, "windows9Server64Guest");
	xstrset(&f->guest_full_name, "Microsoft Windows Server 2016 or later (64-bit)");
	f->guest_build = 14393;
	f->hw_version = 13;
	f->enable_uuid = TRI_YES;
	xstrset(&f->enable_uuid_raw, "TRUE");
	f->n_scsi_controllers = 1;
	add_disk(f, "Hard disk 1", CTRL_PVSCSI, 0, 0, DISK_PERSISTENT);
	f->power = POWER_ON;
	f->boot_time = T_BOOT;
	f->tools = TOOLS_RUNNING;
	f->tools_version_status = TOOLS_VS_CURRENT;
	f->tools_version = 12389; /* 12.3.5 */
	add_volume(f, "C:\\", 60 * GIB, 20 * GIB);
	f->snapshot_count = 0;
	guest_probe *p = &f->probe;
	p->state = PROBE_OK;
	p->at = NOW - 60;
	set_svc(&p->vmvss, TRI_YES, SVC_STATE_RUNNING, SVC_START_AUTO, "4  RUNNING");
	set_svc(&p->lgto_sync, TRI_NO, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL);
	set_svc(&p->vss, TRI_YES, SVC_STATE_STOPPED, SVC_START_DEMAND, "1  STOPPED");
	add_writer(f, "System Writer", WRITER_STABLE, "[1] Stable", WRITER_ERR_NONE, "No error");
	add_writer(f, "SqlServerWriter", WRITER_STABLE, "[1] Stable", WRITER_ERR_NONE, "No error");
	p->disable_app_quiescing = TRI_NO;
	p->enable_vss = TRI_UNKNOWN;
	p->tools_conf_read = true;
	p->dynamic_disks = TRI_NO;
	p->storage_spaces = TRI_NO;
}

static void set_ids(vm_facts *f, const char *id, const char *full, int build, int rev)
{
	xstrset(&f->config_guest_id, id);
	xstrset(&f->guest_id, id);
	xstrset(&f->config_guest_full_name, full);
	xstrset(&f->guest_full_name, full);
	f->guest_build = build;
	f->guest_build_revision = rev;
}

/* Windows XP with the sync driver, Tools 10.0.12 (the last for XP): filesystem, ready. */
static void base_xp(vm_facts *f)
{
	base_2016(f);
	set_ids(f, "winXPProGuest", "Microsoft Windows XP Professional (32-bit)", 2600, 0);
	f->enable_uuid = TRI_NO;
	free(f->enable_uuid_raw);
	f->enable_uuid_raw = NULL;
	f->tools_version = 10252; /* 10.0.12 */
	set_svc(&f->probe.vmvss, TRI_NO, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL);
	set_svc(&f->probe.lgto_sync, TRI_YES, SVC_STATE_RUNNING, SVC_START_SYSTEM, "4  RUNNING");
}

static void base_2000(vm_facts *f)
{
	base_xp(f);
	set_ids(f, "win2000ServGuest", "Microsoft Windows 2000 Server", 2195, 0);
}

/* Windows 10 without disk.EnableUUID (not needed for file-system quiescing): ready. */
static void base_desktop(vm_facts *f)
{
	base_2016(f);
	set_ids(f, "windows9_64Guest", "Microsoft Windows 10 (64-bit)", 19045, 0);
	f->enable_uuid = TRI_NO;
	free(f->enable_uuid_raw);
	f->enable_uuid_raw = NULL;
}

static void base_2003(vm_facts *f)
{
	base_2016(f);
	set_ids(f, "winNetEnterprise64Guest", "Microsoft Windows Server 2003, Enterprise Edition (64-bit)",
		3790, 0);
	f->enable_uuid = TRI_NO;
	free(f->enable_uuid_raw);
	f->enable_uuid_raw = NULL;
}

static void base_2008(vm_facts *f) { base_2016(f); set_ids(f, "winLonghorn64Guest", "Microsoft Windows Server 2008 (64-bit)", 6003, 0); }
static void base_2008r2(vm_facts *f) { base_2016(f); set_ids(f, "windows7Server64Guest", "Microsoft Windows Server 2008 R2 (64-bit)", 7601, 0); }
static void base_2012(vm_facts *f) { base_2016(f); set_ids(f, "windows8Server64Guest", "Microsoft Windows Server 2012 (64-bit)", 9200, 0); }
static void base_2012r2(vm_facts *f) { base_2016(f); set_ids(f, "windows8Server64Guest", "Microsoft Windows Server 2012 (64-bit)", 9600, 0); }
static void base_2019(vm_facts *f) { base_2016(f); set_ids(f, "windows2019srv_64Guest", "Microsoft Windows Server 2019 (64-bit)", 17763, 0); }
static void base_2022(vm_facts *f) { base_2016(f); set_ids(f, "windows2019srvNext_64Guest", "Microsoft Windows Server 2022 (64-bit)", 20348, 2582); }
static void base_2025(vm_facts *f) { base_2016(f); set_ids(f, "windows2022srvNext_64Guest", "Microsoft Windows Server 2025 (64-bit)", 26100, 7171); }

/* Ubuntu with open-vm-tools, no guest probe: crash, n/a. */
static void base_linux(vm_facts *f)
{
	base_2016(f);
	set_ids(f, "ubuntu64Guest", "Ubuntu Linux (64-bit)", 0, 0);
	f->enable_uuid = TRI_NO;
	free(f->enable_uuid_raw);
	f->enable_uuid_raw = NULL;
	f->tools_version = MODEL_TOOLS_VERSION_UNMANAGED;
	f->tools_version_status = TOOLS_VS_UNMANAGED;
	clear_volumes(f);
	add_volume(f, "/", 40 * GIB, 30 * GIB);
	model_guest_probe_done(&f->probe);
}

typedef void (*mutator)(vm_facts *);
#define MUT(name) static void name(vm_facts *f)

/* tools */
MUT(m_tools_not_installed) { f->tools = TOOLS_NOT_INSTALLED; f->tools_version_status = TOOLS_VS_NOT_INSTALLED; f->tools_version = 0; }
MUT(m_tools_status_not_installed) { f->tools = TOOLS_NOT_INSTALLED; f->tools_version_status = TOOLS_VS_UNKNOWN; }
MUT(m_tvs_not_installed) { f->tools = TOOLS_UNKNOWN; f->tools_version_status = TOOLS_VS_NOT_INSTALLED; }
MUT(m_tools_not_running) { f->tools = TOOLS_NOT_RUNNING; }
MUT(m_tvs_too_old) { f->tools_version_status = TOOLS_VS_TOO_OLD; }
MUT(m_tools_10_0_0) { f->tools_version = 10240; f->tools_version_status = TOOLS_VS_NEED_UPGRADE; }
MUT(m_tools_10_1_0) { f->tools_version = 10272; }
MUT(m_tools_unmanaged) { f->tools_version = MODEL_TOOLS_VERSION_UNMANAGED; f->tools_version_status = TOOLS_VS_UNMANAGED; }
MUT(m_tools_version_unknown) { f->tools_version = 0; f->tools_version_status = TOOLS_VS_UNKNOWN; }
MUT(m_upgrade_running) { f->tools_upgrade_running = true; }
/* history: the last test snapshot (R25) */
static void set_test(vm_facts *f, bool failed, quiesce_level achieved)
{
	vm_last_test *t = &f->last_test;
	model_last_test_done(t);
	t->id = 7;
	t->at = NOW - 2 * 3600;
	t->ended_at = NOW - 2 * 3600 + 40;
	xstrset(&t->method, "CreateSnapshotEx_Task");
	t->failed = failed;
	t->predicted = LEVEL_APPLICATION;
	t->achieved = achieved;
	if (failed) {
		xstrset(&t->fault, "ApplicationQuiesceFault: Failed to quiesce the virtual machine.");
		xstrset(&t->bad_writer, "SqlServerWriter: Non-retryable error");
	}
}
MUT(m_test_failed) { set_test(f, true, LEVEL_NONE); }
MUT(m_test_fs) { set_test(f, false, LEVEL_FILESYSTEM); }
MUT(m_test_app) { set_test(f, false, LEVEL_APPLICATION); }
MUT(m_fixed_after_test) { f->fixed_at = NOW - 600; }
MUT(m_fixed_before_test) { f->fixed_at = NOW - 3 * 3600; }
/* power */
MUT(m_power_off) { f->power = POWER_OFF; f->boot_time = 0; }
MUT(m_suspended) { f->power = POWER_SUSPENDED; }
MUT(m_power_unknown) { f->power = POWER_UNKNOWN; }
MUT(m_template) { f->is_template = true; f->power = POWER_OFF; f->boot_time = 0; }
MUT(m_facts_error) { f->facts_error = true; xstrset(&f->facts_error_text, "NoPermission"); f->enable_uuid = TRI_UNKNOWN; }
/* guest probe */
MUT(m_probe_not_run) { f->probe.state = PROBE_NOT_RUN; }
MUT(m_probe_not_configured) { f->probe.state = PROBE_NOT_CONFIGURED; xstrset(&f->probe.error, "no guest credentials configured"); }
MUT(m_probe_login_failed) { f->probe.state = PROBE_LOGIN_FAILED; xstrset(&f->probe.error, "InvalidGuestLogin"); }
MUT(m_probe_unavailable) { f->probe.state = PROBE_UNAVAILABLE; xstrset(&f->probe.error, "GuestOperationsUnavailable"); }
MUT(m_probe_stale) { f->probe.state = PROBE_STALE; f->probe.at = T_BOOT; xstrset(&f->probe.error, "InvalidGuestLogin"); }
MUT(m_probe_stale_no_time) { f->probe.state = PROBE_STALE; f->probe.at = 0; }
MUT(m_probe_stale_10min) { f->probe.state = PROBE_STALE; f->probe.at = NOW - 600; }
MUT(m_probe_stale_3days) { f->probe.state = PROBE_STALE; f->probe.at = NOW - 3 * 86400 - 5; }
MUT(m_vmvss_missing) { set_svc(&f->probe.vmvss, TRI_NO, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL); }
MUT(m_vmvss_unknown) { set_svc(&f->probe.vmvss, TRI_UNKNOWN, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL); }
MUT(m_sync_running) { set_svc(&f->probe.lgto_sync, TRI_YES, SVC_STATE_RUNNING, SVC_START_SYSTEM, "4  RUNNING"); }
MUT(m_sync_disabled) { set_svc(&f->probe.lgto_sync, TRI_YES, SVC_STATE_STOPPED, SVC_START_DISABLED, "1  STOPPED"); }
MUT(m_sync_missing) { set_svc(&f->probe.lgto_sync, TRI_NO, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL); }
MUT(m_sync_unknown) { set_svc(&f->probe.lgto_sync, TRI_UNKNOWN, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL); }
MUT(m_sync_raw_only) { set_svc(&f->probe.lgto_sync, TRI_YES, SVC_STATE_UNKNOWN, SVC_START_SYSTEM, "  4   RUNNING "); }
MUT(m_sync_bare) { set_svc(&f->probe.lgto_sync, TRI_YES, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL); }
MUT(m_vss_disabled) { set_svc(&f->probe.vss, TRI_YES, SVC_STATE_STOPPED, SVC_START_DISABLED, "1  STOPPED"); }
MUT(m_vss_disabled_no_state) { set_svc(&f->probe.vss, TRI_YES, SVC_STATE_UNKNOWN, SVC_START_DISABLED, NULL); }
MUT(m_vss_auto) { set_svc(&f->probe.vss, TRI_YES, SVC_STATE_RUNNING, SVC_START_AUTO, "4  RUNNING"); }
MUT(m_dynamic) { f->probe.dynamic_disks = TRI_YES; xstrset(&f->probe.dynamic_disks_evidence, "Disk 1 is dynamic"); }
MUT(m_dynamic_no_text) { f->probe.dynamic_disks = TRI_YES; }
MUT(m_dynamic_unknown) { f->probe.dynamic_disks = TRI_UNKNOWN; }
MUT(m_storage_spaces) { f->probe.storage_spaces = TRI_YES; xstrset(&f->probe.storage_spaces_evidence, "storage pool 'Pool1'"); }
MUT(m_storage_spaces_no_text) { f->probe.storage_spaces = TRI_YES; }
MUT(m_writer_failed) { add_writer(f, "SqlServerWriter", WRITER_FAILED, "[9] Failed", WRITER_ERR_NON_RETRYABLE, "Non-retryable error"); }
MUT(m_writer_failed2) { add_writer(f, "NTDS", WRITER_FAILED, "[8] Failed", WRITER_ERR_TIMEOUT, "Timed out"); }
MUT(m_writer_waiting) { add_writer(f, "Exchange Writer", WRITER_WAITING_FOR_COMPLETION, "[5] Waiting for completion", WRITER_ERR_NONE, "No error"); }
MUT(m_writer_timeout) { add_writer(f, "SqlServerWriter", WRITER_STABLE, "[1] Stable", WRITER_ERR_TIMEOUT, "Timed out"); }
MUT(m_writer_retryable) { add_writer(f, "WMI Writer", WRITER_STABLE, "[1] Stable", WRITER_ERR_RETRYABLE, "Retryable error"); }
MUT(m_writer_other_error) { add_writer(f, "WMI Writer", WRITER_STABLE, "[1] Stable", WRITER_ERR_OTHER, "Inconsistent shadow copy"); }
MUT(m_writer_other_state) { add_writer(f, "ASR Writer", WRITER_OTHER, "[2] Waiting for freeze", WRITER_ERR_NONE, "No error"); }
MUT(m_writer_unknown) { add_writer(f, "Odd Writer", WRITER_STATE_UNKNOWN, NULL, WRITER_ERR_UNKNOWN, NULL); }
MUT(m_writer_failed_no_text) { add_writer(f, "SqlServerWriter", WRITER_FAILED, NULL, WRITER_ERR_NON_RETRYABLE, NULL); }
MUT(m_disable_app) { f->probe.disable_app_quiescing = TRI_YES; }
MUT(m_enable_vss_false) { f->probe.enable_vss = TRI_NO; }
MUT(m_enable_vss_true) { f->probe.enable_vss = TRI_YES; }
/* extraConfig */
MUT(m_uuid_absent) { f->enable_uuid = TRI_NO; free(f->enable_uuid_raw); f->enable_uuid_raw = NULL; }
MUT(m_uuid_false) { f->enable_uuid = TRI_NO; xstrset(&f->enable_uuid_raw, "FALSE"); }
MUT(m_uuid_lower_true) { f->enable_uuid = TRI_YES; xstrset(&f->enable_uuid_raw, "true"); }
MUT(m_uuid_raw_true_tri_no) { f->enable_uuid = TRI_NO; xstrset(&f->enable_uuid_raw, "True"); }
MUT(m_uuid_unknown) { f->enable_uuid = TRI_UNKNOWN; free(f->enable_uuid_raw); f->enable_uuid_raw = NULL; }
MUT(m_uuid_raw_zero) { f->enable_uuid = TRI_UNKNOWN; xstrset(&f->enable_uuid_raw, "0"); }
MUT(m_uuid_set_after_boot) { f->enable_uuid_set_at = T_BOOT + 3600; }
MUT(m_uuid_set_before_boot) { f->enable_uuid_set_at = T_BOOT - 86400; }
MUT(m_uuid_set_at_boot) { f->enable_uuid_set_at = T_BOOT; }
MUT(m_boot_unknown) { f->boot_time = 0; }
/* history marks (R24, R26) */
MUT(m_restart_after_boot)
{
	f->marks.restart_plan_id = 4;
	xstrset(&f->marks.restart_step, "guest_tools_setup");
	xstrset(&f->marks.restart_why, "setup exit code 3010");
	f->marks.restart_at = T_BOOT + 3600;
}
MUT(m_restart_before_boot)
{
	m_restart_after_boot(f);
	f->marks.restart_at = T_BOOT - 60;
}
MUT(m_restart_at_boot) { m_restart_after_boot(f); f->marks.restart_at = T_BOOT; }
MUT(m_test_snapshot_in_tree) { model_vm_facts_add_test_snapshot(f, "quiescent-test-20261122T090000Z"); }
MUT(m_other_test_snapshot_in_tree) { model_vm_facts_add_test_snapshot(f, "quiescent-test-20261101T000000Z"); }
MUT(m_our_snapshot)
{
	model_history_marks_add_snapshot(&f->marks, "quiescent-test-20261122T090000Z", 12, T_BOOT + 3600,
					 "running");
}
MUT(m_our_snapshot2)
{
	model_history_marks_add_snapshot(&f->marks, "quiescent-test-20261101T000000Z", 3, T_BOOT - 86400,
					 "removed");
}
MUT(m_left_off)
{
	f->marks.off_plan_id = 7;
	xstrset(&f->marks.off_step, "shutdown_guest");
	xstrset(&f->marks.off_plan_state, "running");
	f->marks.off_at = T_BOOT + 3600;
}
MUT(m_left_off_now_off) { m_left_off(f); m_power_off(f); }
/* disks and controllers */
MUT(m_ide_disk) { add_disk(f, "Hard disk 2", CTRL_IDE, 0, 1, DISK_PERSISTENT); }
MUT(m_ide_disk2) { add_disk(f, "Hard disk 3", CTRL_IDE, 1, 0, DISK_PERSISTENT); }
MUT(m_ide_disk_no_label) { add_disk(f, NULL, CTRL_IDE, 0, 1, DISK_PERSISTENT); }
MUT(m_sata_disk) { add_disk(f, "Hard disk 2", CTRL_SATA, 0, 0, DISK_PERSISTENT); }
MUT(m_nvme_disk) { add_disk(f, "Hard disk 2", CTRL_NVME, 0, 0, DISK_PERSISTENT); }
MUT(m_nvme_disk3) { add_disk(f, "Hard disk 3", CTRL_NVME, 0, 0, DISK_PERSISTENT); }
MUT(m_rev_2581) { f->guest_build_revision = 2581; }
MUT(m_rev_0) { f->guest_build_revision = 0; }
MUT(m_rev_7170) { f->guest_build_revision = 7170; }
MUT(m_build_unknown) { f->guest_build = 0; f->guest_build_revision = 0; }
MUT(m_build_26200) { f->guest_build = 26200; f->guest_build_revision = 1; }
MUT(m_build_25398) { f->guest_build = 25398; f->guest_build_revision = 1; }
MUT(m_scsi_second_disk_full) { add_disk(f, "Hard disk 2", CTRL_PVSCSI, 0, 1, DISK_PERSISTENT); f->scsi_units_used = 14; }
MUT(m_scsi_second_disk_13) { add_disk(f, "Hard disk 2", CTRL_PVSCSI, 0, 1, DISK_PERSISTENT); f->scsi_units_used = 13; }
MUT(m_scsi_two_ctrl_29) { add_disk(f, "Hard disk 2", CTRL_PVSCSI, 1, 0, DISK_PERSISTENT); f->n_scsi_controllers = 2; f->scsi_units_used = 29; }
MUT(m_scsi_overused) { f->scsi_units_used = 20; }
MUT(m_no_scsi_nvme_only) { clear_disks(f); f->n_scsi_controllers = 0; add_disk(f, "Hard disk 1", CTRL_NVME, 0, 0, DISK_PERSISTENT); }
MUT(m_no_disks) { clear_disks(f); f->scsi_units_used = 15; }
MUT(m_independent_persistent) { add_disk(f, "Hard disk 2", CTRL_PVSCSI, 0, 1, DISK_INDEPENDENT_PERSISTENT); }
MUT(m_independent_nonpersistent) { add_disk(f, "Hard disk 3", CTRL_PVSCSI, 0, 2, DISK_INDEPENDENT_NONPERSISTENT); }
MUT(m_other_mode) { add_disk(f, "Hard disk 2", CTRL_PVSCSI, 0, 1, DISK_OTHER_MODE); }
/* snapshots */
MUT(m_snap_32) { f->snapshot_count = 32; }
MUT(m_snap_33) { f->snapshot_count = 33; }
MUT(m_snap_31) { f->snapshot_count = 31; }
MUT(m_snap_21) { f->snapshot_count = 21; }
MUT(m_snap_20) { f->snapshot_count = 20; }
MUT(m_snap_unknown) { f->snapshot_count = -1; }
/* guest volumes */
MUT(m_vol_half_gib) { clear_volumes(f); add_volume(f, "C:\\", 60 * GIB, GIB / 2); }
MUT(m_vol_9pct) { add_volume(f, "D:\\", 100 * GIB, 9 * GIB); }
MUT(m_vol_10pct) { add_volume(f, "D:\\", 100 * GIB, 10 * GIB); }
MUT(m_vol_900mib) { add_volume(f, "E:\\", 5 * GIB, 900 * MIB); }
MUT(m_vol_1gib) { add_volume(f, "E:\\", 5 * GIB, GIB); }
MUT(m_vol_zero_cap) { add_volume(f, "F:\\", 0, 0); }
MUT(m_vol_root_low) { clear_volumes(f); add_volume(f, "/boot", GIB / 2, 100 * MIB); }
/* everything that would be wrong on Windows, on a non-Windows VM */
MUT(m_everything_bad)
{
	m_uuid_absent(f);
	m_ide_disk(f);
	m_sata_disk(f);
	m_independent_persistent(f);
	m_tools_not_running(f);
	m_tvs_too_old(f);
	m_snap_21(f);
	m_vol_root_low(f);
	m_upgrade_running(f);
	f->n_scsi_controllers = 0;
}
MUT(m_nt4) { set_ids(f, "winNTGuest", "Microsoft Windows NT", 1381, 0); }
MUT(m_linux_probe_stale_bad) { m_probe_stale(f); m_vmvss_missing(f); m_vss_disabled(f); m_writer_failed(f); m_dynamic(f); m_enable_vss_false(f); }

/* ---- the table ---- */

typedef struct {
	const char *name;
	void (*base)(vm_facts *);
	mutator mut[4];
	os_family fam;
	quiesce_level best, predicted;
	vm_status status;
	const char *findings;  /* "rule:severity:cap" in verdict order, ", " between */
	const char *ev_rule;   /* evidence of the first finding with this rule... */
	const char *evidence;  /* ...must be exactly this */
} rcase;

#define APP LEVEL_APPLICATION
#define FS LEVEL_FILESYSTEM
#define CRASH LEVEL_CRASH
#define FAIL LEVEL_FAIL
#define W16 OS_WIN2016
#define M(...) .mut = {__VA_ARGS__}

static const rcase cases[] = {
	/* ready baselines, one per family */
	{"2016 ready", base_2016, {0}, W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2003 ready", base_2003, {0}, OS_WIN2003, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2008 ready", base_2008, {0}, OS_WIN2008, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2008 R2 ready", base_2008r2, {0}, OS_WIN2008R2, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2012 ready", base_2012, {0}, OS_WIN2012, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2012 R2 ready", base_2012r2, {0}, OS_WIN2012R2, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2019 ready", base_2019, {0}, OS_WIN2019, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2022 ready", base_2022, {0}, OS_WIN2022, APP, APP, STATUS_READY, "", NULL, NULL},
	{"2025 ready", base_2025, {0}, OS_WIN2025, APP, APP, STATUS_READY, "", NULL, NULL},
	{"desktop ready", base_desktop, {0}, OS_WINDESKTOP, FS, FS, STATUS_READY, "", NULL, NULL},
	{"XP ready (sync driver)", base_xp, {0}, OS_WINXP, FS, FS, STATUS_READY, "R23:info:none",
	 "R23", "toolsVersion 10252 (10.0.12) < 10272 (10.1.0)"},
	{"2000 ready (sync driver)", base_2000, {0}, OS_WIN2000, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},
	{"linux n/a", base_linux, {0}, OS_OTHER, CRASH, CRASH, STATUS_NA, "", NULL, NULL},

	/* R01 (a person installs Tools: manual, not fixable) */
	{"R01 tools not installed", base_2016, M(m_tools_not_installed), W16, APP, FAIL, STATUS_MANUAL,
	 "R01:error:fail", "R01", "guest.toolsVersionStatus2 = guestToolsNotInstalled"},
	{"R01 from running status only", base_2016, M(m_tools_status_not_installed), W16, APP, FAIL, STATUS_MANUAL,
	 "R01:error:fail", "R01", "VMware Tools status: notInstalled"},
	{"R01 from version status only", base_2016, M(m_tvs_not_installed), W16, APP, FAIL, STATUS_MANUAL,
	 "R01:error:fail", "R01", "guest.toolsVersionStatus2 = guestToolsNotInstalled"},
	{"R01 hides R03/R23 of an old version", base_2016, M(m_tools_10_0_0, m_tools_not_installed), W16, APP, FAIL,
	 STATUS_MANUAL, "R01:error:fail", NULL, NULL},
	{"R01 powered off too", base_2016, M(m_tools_not_installed, m_power_off), W16, APP, FAIL, STATUS_MANUAL,
	 "R01:error:fail, R20:info:none", NULL, NULL},
	{"R01 on desktop", base_desktop, M(m_tools_not_installed), OS_WINDESKTOP, FS, FAIL, STATUS_MANUAL,
	 "R01:error:fail", NULL, NULL},
	{"R01 on XP", base_xp, M(m_tools_not_installed), OS_WINXP, FS, FAIL, STATUS_MANUAL, "R01:error:fail", NULL, NULL},

	/* R02 (a person starts Tools: manual, not fixable) */
	{"R02 not running, on", base_2016, M(m_tools_not_running), W16, APP, FAIL, STATUS_MANUAL,
	 "R02:error:fail", "R02", "VM poweredOn, VMware Tools notRunning"},
	{"R02 not when off", base_2016, M(m_tools_not_running, m_power_off), W16, APP, APP, STATUS_READY,
	 "R20:info:none", NULL, NULL},
	{"R02 not when suspended", base_2016, M(m_tools_not_running, m_suspended), W16, APP, APP, STATUS_READY,
	 "R20:info:none", NULL, NULL},
	{"R02 not when power unknown", base_2016, M(m_tools_not_running, m_power_unknown), W16, APP, APP,
	 STATUS_READY, "", NULL, NULL},
	{"R02 on 2003", base_2003, M(m_tools_not_running), OS_WIN2003, APP, FAIL, STATUS_MANUAL, "R02:error:fail", NULL, NULL},

	/* R03 and R23 */
	{"R03 guestToolsTooOld", base_2016, M(m_tvs_too_old), W16, APP, FAIL, STATUS_FIXABLE,
	 "R03:error:fail", "R03", "guest.toolsVersionStatus2 = guestToolsTooOld"},
	{"R03 2016 with 10.0.0", base_2016, M(m_tools_10_0_0), W16, APP, FAIL, STATUS_FIXABLE,
	 "R03:error:fail, R23:info:none", "R03", "toolsVersion 10240 (10.0.0) < 10272 (10.1.0)"},
	{"R03 both reasons", base_2016, M(m_tools_10_0_0, m_tvs_too_old), W16, APP, FAIL, STATUS_FIXABLE,
	 "R03:error:fail, R23:info:none", "R03",
	 "guest.toolsVersionStatus2 = guestToolsTooOld; toolsVersion 10240 (10.0.0) < 10272 (10.1.0)"},
	{"R03 2019 with 10.0.0", base_2019, M(m_tools_10_0_0), OS_WIN2019, APP, FAIL, STATUS_FIXABLE,
	 "R03:error:fail, R23:info:none", NULL, NULL},
	{"R03 2025 with 10.0.0", base_2025, M(m_tools_10_0_0), OS_WIN2025, APP, FAIL, STATUS_FIXABLE,
	 "R03:error:fail, R23:info:none", NULL, NULL},
	{"R03 not at 10.1.0 exactly", base_2016, M(m_tools_10_1_0), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R03 unmanaged is not old", base_2016, M(m_tools_unmanaged), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R03 unknown version is not old", base_2016, M(m_tools_version_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R23 only on 2012 R2 with 10.0.0", base_2012r2, M(m_tools_10_0_0), OS_WIN2012R2, APP, APP, STATUS_READY,
	 "R23:info:none", "R23", "toolsVersion 10240 (10.0.0) < 10272 (10.1.0)"},
	{"R03 guestToolsTooOld on 2012 R2", base_2012r2, M(m_tvs_too_old), OS_WIN2012R2, APP, FAIL, STATUS_FIXABLE,
	 "R03:error:fail", NULL, NULL},
	{"R23 only on desktop", base_desktop, M(m_tools_10_0_0), OS_WINDESKTOP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},
	{"R03 tooOld on XP", base_xp, M(m_tvs_too_old), OS_WINXP, FS, FAIL, STATUS_FIXABLE,
	 "R03:error:fail, R23:info:none", NULL, NULL},

	/* R04 */
	{"R04 vmvss missing, no sync", base_2016, M(m_vmvss_missing), W16, APP, FAIL, STATUS_FIXABLE,
	 "R04:error:fail", "R04", "service vmvss is not installed"},
	{"R04 vmvss missing, sync present", base_2016, M(m_vmvss_missing, m_sync_running), W16, APP, FS, STATUS_FIXABLE,
	 "R04:error:filesystem, R05:error:filesystem", "R04",
	 "service vmvss is not installed; LGTO_Sync: STATE 4 RUNNING, START_TYPE 1 SYSTEM_START"},
	{"R04 vmvss missing, sync disabled", base_2016, M(m_vmvss_missing, m_sync_disabled), W16, APP, FAIL,
	 STATUS_FIXABLE, "R04:error:fail", NULL, NULL},
	{"R04 vmvss missing, sync unknown", base_2016, M(m_vmvss_missing, m_sync_unknown), W16, APP, FAIL,
	 STATUS_FIXABLE, "R04:error:fail", NULL, NULL},
	{"R04 not when vmvss unknown", base_2016, M(m_vmvss_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R04 not without probe", base_2016, M(m_vmvss_missing, m_probe_not_configured), W16, APP, APP,
	 STATUS_UNKNOWN, "R21:info:none", NULL, NULL},
	{"R04 from history", base_2016, M(m_vmvss_missing, m_probe_stale), W16, APP, FAIL, STATUS_FIXABLE,
	 "R04:error:fail, R21:info:none", NULL, NULL},
	{"R04 desktop", base_desktop, M(m_vmvss_missing), OS_WINDESKTOP, FS, FAIL, STATUS_FIXABLE, "R04:error:fail", NULL, NULL},
	{"R04 2003", base_2003, M(m_vmvss_missing), OS_WIN2003, APP, FAIL, STATUS_FIXABLE, "R04:error:fail", NULL, NULL},
	{"R04 not on XP", base_xp, M(m_vmvss_missing), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},

	/* R05 */
	{"R05 sync running", base_2016, M(m_sync_running), W16, APP, FS, STATUS_FIXABLE, "R05:error:filesystem",
	 "R05", "LGTO_Sync: STATE 4 RUNNING, START_TYPE 1 SYSTEM_START"},
	{"R05 raw state only", base_2016, M(m_sync_raw_only), W16, APP, FS, STATUS_FIXABLE, "R05:error:filesystem",
	 "R05", "LGTO_Sync: STATE 4 RUNNING, START_TYPE 1 SYSTEM_START"},
	{"R05 installed, nothing else known", base_2016, M(m_sync_bare), W16, APP, FS, STATUS_FIXABLE,
	 "R05:error:filesystem", "R05", "LGTO_Sync: installed"},
	{"R05 not when disabled", base_2016, M(m_sync_disabled), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R05 not when unknown", base_2016, M(m_sync_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R05 desktop", base_desktop, M(m_sync_running), OS_WINDESKTOP, FS, FS, STATUS_FIXABLE, "R05:error:filesystem", NULL, NULL},
	{"R05 not without probe", base_2016, M(m_sync_running, m_probe_unavailable), W16, APP, APP, STATUS_UNKNOWN,
	 "R21:info:none", NULL, NULL},

	/* R06 */
	{"R06 XP without sync", base_xp, M(m_sync_missing), OS_WINXP, FS, CRASH, STATUS_FIXABLE,
	 "R06:error:crash, R23:info:none", "R06", "service LGTO_Sync is not installed"},
	{"R06 XP sync disabled", base_xp, M(m_sync_disabled), OS_WINXP, FS, CRASH, STATUS_FIXABLE,
	 "R06:error:crash, R23:info:none", "R06", "LGTO_Sync: STATE 1 STOPPED, START_TYPE 4 DISABLED"},
	{"R06 not when sync unknown", base_xp, M(m_sync_unknown), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},
	{"R06 2000 without sync", base_2000, M(m_sync_missing), OS_WIN2000, FS, CRASH, STATUS_FIXABLE,
	 "R06:error:crash, R23:info:none", NULL, NULL},
	{"R06 not without probe", base_xp, M(m_sync_missing, m_probe_not_configured), OS_WINXP, FS, FS, STATUS_UNKNOWN,
	 "R21:info:none, R23:info:none", NULL, NULL},
	{"R06 not on desktop", base_desktop, M(m_sync_missing), OS_WINDESKTOP, FS, FS, STATUS_READY, "", NULL, NULL},
	{"R06 not on 2016", base_2016, M(m_sync_missing), W16, APP, APP, STATUS_READY, "", NULL, NULL},

	/* R07 */
	{"R07 absent", base_2016, M(m_uuid_absent), W16, APP, FS, STATUS_FIXABLE, "R07:error:filesystem",
	 "R07", "disk.EnableUUID is absent"},
	{"R07 FALSE", base_2016, M(m_uuid_false), W16, APP, FS, STATUS_FIXABLE, "R07:error:filesystem",
	 "R07", "disk.EnableUUID = FALSE"},
	{"R07 raw 0, tri unknown", base_2016, M(m_uuid_raw_zero), W16, APP, FS, STATUS_FIXABLE, "R07:error:filesystem",
	 "R07", "disk.EnableUUID = 0"},
	{"R07 not for lower-case true", base_2016, M(m_uuid_lower_true), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R07 raw value decides", base_2016, M(m_uuid_raw_true_tri_no), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R07 not when unknown", base_2016, M(m_uuid_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R07 2008", base_2008, M(m_uuid_absent), OS_WIN2008, APP, FS, STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R07 2008 R2", base_2008r2, M(m_uuid_absent), OS_WIN2008R2, APP, FS, STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R07 2012", base_2012, M(m_uuid_absent), OS_WIN2012, APP, FS, STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R07 2012 R2", base_2012r2, M(m_uuid_absent), OS_WIN2012R2, APP, FS, STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R07 2019", base_2019, M(m_uuid_false), OS_WIN2019, APP, FS, STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R07 2022", base_2022, M(m_uuid_absent), OS_WIN2022, APP, FS, STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R07 2025", base_2025, M(m_uuid_absent), OS_WIN2025, APP, FS, STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R07 not on 2003", base_2003, M(m_uuid_absent), OS_WIN2003, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R07 not on desktop", base_desktop, M(m_uuid_false), OS_WINDESKTOP, FS, FS, STATUS_READY, "", NULL, NULL},
	{"R07 not on XP", base_xp, M(m_uuid_false), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},
	{"R07 needs no probe", base_2016, M(m_uuid_absent, m_probe_not_run), W16, APP, FS, STATUS_FIXABLE,
	 "R07:error:filesystem, R21:info:none", NULL, NULL},

	/* R08 */
	{"R08 set after boot", base_2016, M(m_uuid_set_after_boot), W16, APP, FS, STATUS_FIXABLE, "R08:warn:filesystem",
	 "R08", "disk.EnableUUID set at 2026-11-22T09:00:00Z, after runtime.bootTime 2026-11-22T08:00:00Z"},
	{"R08 set before boot", base_2016, M(m_uuid_set_before_boot), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R08 set at boot time", base_2016, M(m_uuid_set_at_boot), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R08 boot time unknown", base_2016, M(m_uuid_set_after_boot, m_boot_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R08 powered off", base_2016, M(m_uuid_set_after_boot, m_power_off), W16, APP, APP, STATUS_READY, "R20:info:none", NULL, NULL},
	{"R08 suspended", base_2016, M(m_uuid_set_after_boot, m_suspended), W16, APP, FS, STATUS_FIXABLE,
	 "R08:warn:filesystem, R20:info:none", NULL, NULL},
	{"R08 not when EnableUUID absent", base_2016, M(m_uuid_set_after_boot, m_uuid_absent), W16, APP, FS,
	 STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R08 not on 2003", base_2003, M(m_uuid_lower_true, m_uuid_set_after_boot), OS_WIN2003, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R08 with unknown probe stays unknown", base_2016, M(m_uuid_set_after_boot, m_probe_not_configured), W16, APP, FS,
	 STATUS_UNKNOWN, "R08:warn:filesystem, R21:info:none", NULL, NULL},
	{"R08 2012", base_2012, M(m_uuid_set_after_boot), OS_WIN2012, APP, FS, STATUS_FIXABLE, "R08:warn:filesystem", NULL, NULL},

	/* R09 */
	{"R09 IDE disk", base_2016, M(m_ide_disk), W16, APP, FS, STATUS_MANUAL, "R09:error:filesystem",
	 "R09", "Hard disk 2, IDE 0:1"},
	{"R09 two IDE disks", base_2016, M(m_ide_disk, m_ide_disk2), W16, APP, FS, STATUS_MANUAL, "R09:error:filesystem",
	 "R09", "Hard disk 2, IDE 0:1; Hard disk 3, IDE 1:0"},
	{"R09 unlabelled disk", base_2016, M(m_ide_disk_no_label), W16, APP, FS, STATUS_MANUAL, "R09:error:filesystem",
	 "R09", "Hard disk 2, IDE 0:1"},
	{"R09 desktop (error at best level)", base_desktop, M(m_ide_disk), OS_WINDESKTOP, FS, FS, STATUS_MANUAL,
	 "R09:error:filesystem", NULL, NULL},
	{"R09 2003", base_2003, M(m_ide_disk), OS_WIN2003, APP, FS, STATUS_MANUAL, "R09:error:filesystem", NULL, NULL},
	{"R09 not on XP (sync driver)", base_xp, M(m_ide_disk), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},
	{"R09 needs no probe", base_2016, M(m_ide_disk, m_probe_login_failed), W16, APP, FS, STATUS_MANUAL,
	 "R09:error:filesystem, R21:info:none", NULL, NULL},

	/* R10 */
	{"R10 SATA", base_2016, M(m_sata_disk), W16, APP, FS, STATUS_MANUAL, "R10:error:filesystem",
	 "R10", "Hard disk 2, SATA 0:0"},
	{"R10 NVMe on 2016", base_2016, M(m_nvme_disk), W16, APP, FS, STATUS_MANUAL, "R10:error:filesystem",
	 "R10", "Hard disk 2, NVMe 0:0"},
	{"R10 SATA and NVMe", base_2016, M(m_sata_disk, m_nvme_disk3), W16, APP, FS, STATUS_MANUAL, "R10:error:filesystem",
	 "R10", "Hard disk 2, SATA 0:0; Hard disk 3, NVMe 0:0"},
	{"R10 NVMe 2022 at 20348.2582", base_2022, M(m_nvme_disk), OS_WIN2022, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R10 NVMe 2022 at 20348.2581", base_2022, M(m_nvme_disk, m_rev_2581), OS_WIN2022, APP, FS, STATUS_MANUAL,
	 "R10:error:filesystem", "R10", "Hard disk 2, NVMe 0:0; guest build 20348.2581 < 20348.2582"},
	{"R10 NVMe 2022 revision unknown", base_2022, M(m_nvme_disk, m_rev_0), OS_WIN2022, APP, FS, STATUS_MANUAL,
	 "R10:error:filesystem", "R10", "Hard disk 2, NVMe 0:0; guest build 20348 < 20348.2582"},
	{"R10 NVMe 2022 build unknown", base_2022, M(m_nvme_disk, m_build_unknown), OS_WIN2022, APP, FS, STATUS_MANUAL,
	 "R10:error:filesystem", "R10", "Hard disk 2, NVMe 0:0; guest build unknown < 20348.2582"},
	{"R10 NVMe 2022 later build", base_2022, M(m_nvme_disk, m_build_25398), OS_WIN2022, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R10 NVMe 2025 at 26100.7171", base_2025, M(m_nvme_disk), OS_WIN2025, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R10 NVMe 2025 at 26100.7170", base_2025, M(m_nvme_disk, m_rev_7170), OS_WIN2025, APP, FS, STATUS_MANUAL,
	 "R10:error:filesystem", "R10", "Hard disk 2, NVMe 0:0; guest build 26100.7170 < 26100.7171"},
	{"R10 NVMe 2025 later build", base_2025, M(m_nvme_disk, m_build_26200), OS_WIN2025, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R10 NVMe 2019", base_2019, M(m_nvme_disk), OS_WIN2019, APP, FS, STATUS_MANUAL, "R10:error:filesystem",
	 "R10", "Hard disk 2, NVMe 0:0"},
	{"R10 SATA 2022 good build", base_2022, M(m_sata_disk), OS_WIN2022, APP, FS, STATUS_MANUAL, "R10:error:filesystem",
	 "R10", "Hard disk 2, SATA 0:0"},
	{"R09 and R10", base_2016, M(m_ide_disk2, m_sata_disk), W16, APP, FS, STATUS_MANUAL,
	 "R09:error:filesystem, R10:error:filesystem", "R09", "Hard disk 3, IDE 1:0"},
	{"R10 desktop", base_desktop, M(m_nvme_disk), OS_WINDESKTOP, FS, FS, STATUS_MANUAL, "R10:error:filesystem", NULL, NULL},
	{"R10 not on XP", base_xp, M(m_sata_disk), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},

	/* R11 */
	{"R11 1 free slot for 2 disks", base_2016, M(m_scsi_second_disk_full), W16, APP, FS, STATUS_MANUAL,
	 "R11:error:filesystem", "R11", "1 SCSI controller: 15 usable units, 14 in use, 1 free for 2 disks"},
	{"R11 2 free slots for 2 disks", base_2016, M(m_scsi_second_disk_13), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R11 two controllers", base_2016, M(m_scsi_two_ctrl_29), W16, APP, FS, STATUS_MANUAL, "R11:error:filesystem",
	 "R11", "2 SCSI controllers: 30 usable units, 29 in use, 1 free for 2 disks"},
	{"R11 over-used units", base_2016, M(m_scsi_overused), W16, APP, FS, STATUS_MANUAL, "R11:error:filesystem",
	 "R11", "1 SCSI controller: 15 usable units, 20 in use, 0 free for 1 disk"},
	{"R11 no SCSI controller", base_2022, M(m_no_scsi_nvme_only), OS_WIN2022, APP, FS, STATUS_MANUAL,
	 "R11:error:filesystem", "R11", "0 SCSI controllers: 0 usable units, 0 in use, 0 free for 1 disk"},
	{"R11 no disks", base_2016, M(m_no_disks), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R11 not on 2003", base_2003, M(m_scsi_second_disk_full), OS_WIN2003, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R11 not on desktop", base_desktop, M(m_scsi_second_disk_full), OS_WINDESKTOP, FS, FS, STATUS_READY, "", NULL, NULL},
	{"R11 2008", base_2008, M(m_scsi_overused), OS_WIN2008, APP, FS, STATUS_MANUAL, "R11:error:filesystem", NULL, NULL},

	/* R12 */
	{"R12 dynamic disks", base_2016, M(m_dynamic), W16, APP, FS, STATUS_MANUAL, "R12:error:filesystem",
	 "R12", "Disk 1 is dynamic"},
	{"R12 without probe text", base_2016, M(m_dynamic_no_text), W16, APP, FS, STATUS_MANUAL, "R12:error:filesystem",
	 "R12", "dynamic disks present"},
	{"R12 not when unknown", base_2016, M(m_dynamic_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R12 not without probe", base_2016, M(m_dynamic, m_probe_not_configured), W16, APP, APP, STATUS_UNKNOWN,
	 "R21:info:none", NULL, NULL},
	{"R12 desktop", base_desktop, M(m_dynamic), OS_WINDESKTOP, FS, FS, STATUS_MANUAL, "R12:error:filesystem", NULL, NULL},
	{"R12 not on XP", base_xp, M(m_dynamic), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},

	/* R13 */
	{"R13 Storage Spaces 2016", base_2016, M(m_storage_spaces), W16, APP, FS, STATUS_MANUAL, "R13:error:filesystem",
	 "R13", "storage pool 'Pool1'"},
	{"R13 without probe text", base_2025, M(m_storage_spaces_no_text), OS_WIN2025, APP, FS, STATUS_MANUAL,
	 "R13:error:filesystem", "R13", "Storage Spaces present"},
	{"R13 not on 2012 R2", base_2012r2, M(m_storage_spaces), OS_WIN2012R2, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R13 not on desktop", base_desktop, M(m_storage_spaces), OS_WINDESKTOP, FS, FS, STATUS_READY, "", NULL, NULL},
	{"R13 not without probe", base_2016, M(m_storage_spaces, m_probe_login_failed), W16, APP, APP, STATUS_UNKNOWN,
	 "R21:info:none", NULL, NULL},

	/* R14 */
	{"R14 independent persistent", base_2016, M(m_independent_persistent), W16, APP, APP, STATUS_READY,
	 "R14:warn:none", "R14", "Hard disk 2 is independent_persistent"},
	{"R14 independent nonpersistent", base_2016, M(m_independent_nonpersistent), W16, APP, APP, STATUS_READY,
	 "R14:warn:none", "R14", "Hard disk 3 is independent_nonpersistent"},
	{"R14 both", base_2016, M(m_independent_persistent, m_independent_nonpersistent), W16, APP, APP, STATUS_READY,
	 "R14:warn:none", "R14", "Hard disk 2 is independent_persistent; Hard disk 3 is independent_nonpersistent"},
	{"R14 not other modes", base_2016, M(m_other_mode), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R14 on linux", base_linux, M(m_independent_persistent), OS_OTHER, CRASH, CRASH, STATUS_NA, "R14:warn:none", NULL, NULL},
	{"R14 on XP", base_xp, M(m_independent_persistent), OS_WINXP, FS, FS, STATUS_READY, "R14:warn:none, R23:info:none", NULL, NULL},

	/* R15 */
	{"R15 VSS disabled", base_2016, M(m_vss_disabled), W16, APP, FAIL, STATUS_FIXABLE, "R15:error:fail",
	 "R15", "VSS: STATE 1 STOPPED, START_TYPE 4 DISABLED"},
	{"R15 state unknown", base_2016, M(m_vss_disabled_no_state), W16, APP, FAIL, STATUS_FIXABLE, "R15:error:fail",
	 "R15", "VSS: START_TYPE 4 DISABLED"},
	{"R15 not for auto", base_2016, M(m_vss_auto), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R15 from history", base_2016, M(m_vss_disabled, m_probe_stale), W16, APP, FAIL, STATUS_FIXABLE,
	 "R15:error:fail, R21:info:none", NULL, NULL},
	{"R15 not without probe", base_2016, M(m_vss_disabled, m_probe_not_run), W16, APP, APP, STATUS_UNKNOWN,
	 "R21:info:none", NULL, NULL},
	{"R15 desktop", base_desktop, M(m_vss_disabled), OS_WINDESKTOP, FS, FAIL, STATUS_FIXABLE, "R15:error:fail", NULL, NULL},
	{"R15 not on XP", base_xp, M(m_vss_disabled), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},

	/* R16 */
	{"R16 failed, non-retryable", base_2016, M(m_writer_failed), W16, APP, FAIL, STATUS_FIXABLE, "R16:error:fail",
	 "R16", "VSS writer 'SqlServerWriter': [9] Failed, Non-retryable error"},
	{"R16 waiting for completion", base_2016, M(m_writer_waiting), W16, APP, FAIL, STATUS_FIXABLE, "R16:error:fail",
	 "R16", "VSS writer 'Exchange Writer': [5] Waiting for completion, No error"},
	{"R16 stable but timed out", base_2016, M(m_writer_timeout), W16, APP, FAIL, STATUS_FIXABLE, "R16:error:fail",
	 "R16", "VSS writer 'SqlServerWriter': [1] Stable, Timed out"},
	{"R16 other state", base_2016, M(m_writer_other_state), W16, APP, FAIL, STATUS_FIXABLE, "R16:error:fail",
	 "R16", "VSS writer 'ASR Writer': [2] Waiting for freeze, No error"},
	{"R16 retryable: warn", base_2016, M(m_writer_retryable), W16, APP, APP, STATUS_READY, "R16:warn:none",
	 "R16", "VSS writer 'WMI Writer': [1] Stable, Retryable error"},
	{"R16 other error: warn", base_2016, M(m_writer_other_error), W16, APP, APP, STATUS_READY, "R16:warn:none",
	 "R16", "VSS writer 'WMI Writer': [1] Stable, Inconsistent shadow copy"},
	{"R16 error and warn", base_2016, M(m_writer_retryable, m_writer_failed), W16, APP, FAIL, STATUS_FIXABLE,
	 "R16:error:fail, R16:warn:none", "R16", "VSS writer 'SqlServerWriter': [9] Failed, Non-retryable error"},
	{"R16 two failed writers", base_2016, M(m_writer_failed, m_writer_failed2), W16, APP, FAIL, STATUS_FIXABLE,
	 "R16:error:fail", "R16",
	 "VSS writer 'SqlServerWriter': [9] Failed, Non-retryable error; VSS writer 'NTDS': [8] Failed, Timed out"},
	{"R16 texts from the enums", base_2016, M(m_writer_failed_no_text), W16, APP, FAIL, STATUS_FIXABLE,
	 "R16:error:fail", "R16", "VSS writer 'SqlServerWriter': Failed, Non-retryable error"},
	{"R16 not for unknown state", base_2016, M(m_writer_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R16 not without probe", base_2016, M(m_writer_failed, m_probe_unavailable), W16, APP, APP, STATUS_UNKNOWN,
	 "R21:info:none", NULL, NULL},
	{"R16 desktop", base_desktop, M(m_writer_failed), OS_WINDESKTOP, FS, FAIL, STATUS_FIXABLE, "R16:error:fail", NULL, NULL},
	{"R16 not on XP", base_xp, M(m_writer_failed), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},

	/* R17 */
	{"R17 32 snapshots", base_2016, M(m_snap_32), W16, APP, FAIL, STATUS_MANUAL, "R17:error:fail",
	 "R17", "32 snapshots (maximum 32)"},
	{"R17 33 snapshots", base_2016, M(m_snap_33), W16, APP, FAIL, STATUS_MANUAL, "R17:error:fail",
	 "R17", "33 snapshots (maximum 32)"},
	{"R17 31 snapshots: warn", base_2016, M(m_snap_31), W16, APP, APP, STATUS_READY, "R17:warn:none",
	 "R17", "31 snapshots (more than 20)"},
	{"R17 21 snapshots: warn", base_2016, M(m_snap_21), W16, APP, APP, STATUS_READY, "R17:warn:none",
	 "R17", "21 snapshots (more than 20)"},
	{"R17 20 snapshots", base_2016, M(m_snap_20), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R17 count unknown", base_2016, M(m_snap_unknown), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R17 linux 32", base_linux, M(m_snap_32), OS_OTHER, CRASH, FAIL, STATUS_NA, "R17:error:fail", NULL, NULL},
	{"R17 linux 21", base_linux, M(m_snap_21), OS_OTHER, CRASH, CRASH, STATUS_NA, "R17:warn:none", NULL, NULL},

	/* R18 */
	{"R18 disableAppQuiescing", base_2016, M(m_disable_app), W16, APP, FS, STATUS_FIXABLE, "R18:error:filesystem",
	 "R18", "tools.conf [vmbackup] vss.disableAppQuiescing = true"},
	{"R18 enableVSS false, no sync", base_2016, M(m_enable_vss_false), W16, APP, FAIL, STATUS_FIXABLE, "R18:error:fail",
	 "R18", "tools.conf [vmbackup] enableVSS = false"},
	{"R18 enableVSS false, sync", base_2016, M(m_enable_vss_false, m_sync_running), W16, APP, FS, STATUS_FIXABLE,
	 "R05:error:filesystem, R18:error:filesystem", "R18", "tools.conf [vmbackup] enableVSS = false"},
	{"R18 both settings", base_2016, M(m_disable_app, m_enable_vss_false), W16, APP, FAIL, STATUS_FIXABLE,
	 "R18:error:fail", "R18",
	 "tools.conf [vmbackup] vss.disableAppQuiescing = true; tools.conf [vmbackup] enableVSS = false"},
	{"R18 both settings, sync", base_2016, M(m_disable_app, m_enable_vss_false, m_sync_running), W16, APP, FS,
	 STATUS_FIXABLE, "R05:error:filesystem, R18:error:filesystem", NULL, NULL},
	{"R18 not for enableVSS true", base_2016, M(m_enable_vss_true), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R18 desktop ignores disableAppQuiescing", base_desktop, M(m_disable_app), OS_WINDESKTOP, FS, FS, STATUS_READY,
	 "", NULL, NULL},
	{"R18 desktop enableVSS false", base_desktop, M(m_enable_vss_false), OS_WINDESKTOP, FS, FAIL, STATUS_FIXABLE,
	 "R18:error:fail", NULL, NULL},
	{"R18 2003", base_2003, M(m_disable_app), OS_WIN2003, APP, FS, STATUS_FIXABLE, "R18:error:filesystem", NULL, NULL},
	{"R18 not on XP", base_xp, M(m_enable_vss_false), OS_WINXP, FS, FS, STATUS_READY, "R23:info:none", NULL, NULL},
	{"R18 not without probe", base_2016, M(m_disable_app, m_probe_unavailable), W16, APP, APP, STATUS_UNKNOWN,
	 "R21:info:none", NULL, NULL},

	/* R19 */
	{"R19 0.5 GiB free", base_2016, M(m_vol_half_gib), W16, APP, APP, STATUS_READY, "R19:warn:none",
	 "R19", "C:\\ 0.5 GiB free of 60 GiB (0.8%)"},
	{"R19 9% free", base_2016, M(m_vol_9pct), W16, APP, APP, STATUS_READY, "R19:warn:none",
	 "R19", "D:\\ 9 GiB free of 100 GiB (9.0%)"},
	{"R19 10% free", base_2016, M(m_vol_10pct), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R19 under 1 GiB, 17.6%", base_2016, M(m_vol_900mib), W16, APP, APP, STATUS_READY, "R19:warn:none",
	 "R19", "E:\\ 0.9 GiB free of 5 GiB (17.6%)"},
	{"R19 exactly 1 GiB, 20%", base_2016, M(m_vol_1gib), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R19 zero capacity skipped", base_2016, M(m_vol_zero_cap), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R19 two volumes", base_2016, M(m_vol_half_gib, m_vol_9pct), W16, APP, APP, STATUS_READY, "R19:warn:none",
	 "R19", "C:\\ 0.5 GiB free of 60 GiB (0.8%); D:\\ 9 GiB free of 100 GiB (9.0%)"},
	{"R19 linux", base_linux, M(m_vol_root_low), OS_OTHER, CRASH, CRASH, STATUS_NA, "R19:warn:none",
	 "R19", "/boot 0.1 GiB free of 0.5 GiB (19.5%)"},

	/* R20 */
	{"R20 powered off", base_2016, M(m_power_off), W16, APP, APP, STATUS_READY, "R20:info:none",
	 "R20", "runtime.powerState = poweredOff"},
	{"R20 suspended", base_2016, M(m_suspended), W16, APP, APP, STATUS_READY, "R20:info:none",
	 "R20", "runtime.powerState = suspended"},
	{"R20 off without history", base_2016, M(m_power_off, m_probe_not_run), W16, APP, APP, STATUS_UNKNOWN,
	 "R20:info:none, R21:info:none", NULL, NULL},
	{"R20 off with history", base_2016, M(m_power_off, m_probe_stale), W16, APP, APP, STATUS_READY,
	 "R20:info:none, R21:info:none", NULL, NULL},
	{"R20 linux", base_linux, M(m_power_off), OS_OTHER, CRASH, CRASH, STATUS_NA, "R20:info:none", NULL, NULL},
	{"R20 not for templates", base_2016, M(m_template), W16, APP, APP, STATUS_NA, "", NULL, NULL},

	/* R21 */
	{"R21 not run", base_2016, M(m_probe_not_run), W16, APP, APP, STATUS_UNKNOWN, "R21:info:none",
	 "R21", "probe not_run"},
	{"R21 not configured", base_2016, M(m_probe_not_configured), W16, APP, APP, STATUS_UNKNOWN, "R21:info:none",
	 "R21", "probe not_configured: no guest credentials configured"},
	{"R21 login failed", base_2016, M(m_probe_login_failed), W16, APP, APP, STATUS_UNKNOWN, "R21:info:none",
	 "R21", "probe login_failed: InvalidGuestLogin"},
	{"R21 unavailable", base_2016, M(m_probe_unavailable), W16, APP, APP, STATUS_UNKNOWN, "R21:info:none",
	 "R21", "probe unavailable: GuestOperationsUnavailable"},
	{"R21 stale", base_2016, M(m_probe_stale), W16, APP, APP, STATUS_READY, "R21:info:none",
	 "R21", "probe stale: InvalidGuestLogin; facts seen 2026-11-22T08:00:00Z, 3 h ago"},
	{"R21 stale, time unknown", base_2016, M(m_probe_stale_no_time), W16, APP, APP, STATUS_READY, "R21:info:none",
	 "R21", "probe stale; facts seen at an unknown time"},
	{"R21 stale 10 min", base_2016, M(m_probe_stale_10min), W16, APP, APP, STATUS_READY, "R21:info:none",
	 "R21", "probe stale; facts seen 2026-11-22T10:50:00Z, 10 min ago"},
	{"R21 stale 3 days", base_2016, M(m_probe_stale_3days), W16, APP, APP, STATUS_READY, "R21:info:none",
	 "R21", "probe stale; facts seen 2026-11-19T10:59:55Z, 3 days ago"},
	{"R21 desktop", base_desktop, M(m_probe_not_configured), OS_WINDESKTOP, FS, FS, STATUS_UNKNOWN, "R21:info:none", NULL, NULL},
	{"R21 2003", base_2003, M(m_probe_not_configured), OS_WIN2003, APP, APP, STATUS_UNKNOWN, "R21:info:none", NULL, NULL},
	{"R21 not on linux", base_linux, M(m_probe_not_configured), OS_OTHER, CRASH, CRASH, STATUS_NA, "", NULL, NULL},
	{"R21 not on templates", base_2016, M(m_template, m_probe_not_run), W16, APP, APP, STATUS_NA, "", NULL, NULL},

	/* R25 */
	{"R25 failed test", base_2016, M(m_test_failed), W16, APP, FAIL, STATUS_FIXABLE, "R25:error:fail",
	 "R25", "snaptest #7 at 2026-11-22T09:00:00Z with CreateSnapshotEx_Task: failed, predicted "
	 "application, achieved none; ApplicationQuiesceFault: Failed to quiesce the virtual machine.; "
	 "after the test SqlServerWriter: Non-retryable error"},
	{"R25 failed test, fixed before it", base_2016, M(m_test_failed, m_fixed_before_test), W16, APP,
	 FAIL, STATUS_FIXABLE, "R25:error:fail", NULL, NULL},
	{"R25 failed test, fixed since", base_2016, M(m_test_failed, m_fixed_after_test), W16, APP, APP,
	 STATUS_READY, "", NULL, NULL},
	{"R25 achieved less", base_2016, M(m_test_fs), W16, APP, FS, STATUS_FIXABLE, "R25:error:filesystem",
	 "R25", "snaptest #7 at 2026-11-22T09:00:00Z with CreateSnapshotEx_Task: success, predicted "
	 "application, achieved filesystem"},
	{"R25 achieved what is predicted", base_2016, M(m_test_app), W16, APP, APP, STATUS_READY, "", NULL,
	 NULL},
	{"R25 achieved what a lower prediction says", base_2016, M(m_test_fs, m_uuid_absent), W16, APP, FS,
	 STATUS_FIXABLE, "R07:error:filesystem", NULL, NULL},
	{"R25 with another error", base_2016, M(m_test_failed, m_uuid_absent), W16, APP, FAIL,
	 STATUS_FIXABLE, "R07:error:filesystem, R25:error:fail", NULL, NULL},
	{"R25 not on linux", base_linux, M(m_test_failed), OS_OTHER, CRASH, CRASH, STATUS_NA,
	 "", NULL, NULL},

	/* R22 */
	{"R22 upgrade running", base_2016, M(m_upgrade_running), W16, APP, APP, STATUS_READY, "R22:warn:none",
	 "R22", "a Tools upgrade task is running"},
	{"R22 not on linux", base_linux, M(m_upgrade_running), OS_OTHER, CRASH, CRASH, STATUS_NA, "", NULL, NULL},

	/* R24 */
	{"R24 restart pending", base_2016, M(m_restart_after_boot), W16, APP, FS, STATUS_FIXABLE, "R24:warn:filesystem",
	 "R24", "fix plan 4, step guest_tools_setup ended 2026-11-22T09:00:00Z (setup exit code 3010); "
		"runtime.bootTime 2026-11-22T08:00:00Z is older"},
	{"R24 restarted since", base_2016, M(m_restart_before_boot), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R24 restarted at the change", base_2016, M(m_restart_at_boot), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R24 boot time unknown keeps it", base_2016, M(m_restart_after_boot, m_boot_unknown), W16, APP, FS,
	 STATUS_FIXABLE, "R24:warn:filesystem", "R24",
	 "fix plan 4, step guest_tools_setup ended 2026-11-22T09:00:00Z (setup exit code 3010); "
	 "runtime.bootTime unknown"},
	{"R24 not on a powered-off VM (the power-on finishes it)", base_2016, M(m_restart_after_boot, m_power_off), W16,
	 APP, APP, STATUS_READY, "R20:info:none", NULL, NULL},
	{"R24 suspended", base_2016, M(m_restart_after_boot, m_suspended), W16, APP, FS, STATUS_FIXABLE,
	 "R24:warn:filesystem, R20:info:none", NULL, NULL},
	{"R24 not on linux", base_linux, M(m_restart_after_boot), OS_OTHER, CRASH, CRASH, STATUS_NA, "", NULL, NULL},
	{"R24 with R05 caps once", base_2016, M(m_restart_after_boot, m_sync_running), W16, APP, FS, STATUS_FIXABLE,
	 "R05:error:filesystem, R24:warn:filesystem", NULL, NULL},

	/* R26: leftovers of our interrupted runs */
	{"R26 test snapshot left", base_2016, M(m_our_snapshot, m_test_snapshot_in_tree), W16, APP, FAIL,
	 STATUS_FIXABLE, "R26:error:fail", "R26",
	 "test snapshot quiescent-test-20261122T090000Z (test 12, taken 2026-11-22T09:00:00Z, recorded running) "
	 "is in vCenter's snapshot tree"},
	{"R26 recorded removed but still there", base_2016, M(m_our_snapshot2, m_other_test_snapshot_in_tree), W16, APP,
	 FAIL, STATUS_FIXABLE, "R26:error:fail", "R26",
	 "test snapshot quiescent-test-20261101T000000Z (test 3, taken 2026-11-21T08:00:00Z, recorded removed) "
	 "is in vCenter's snapshot tree"},
	{"R26 two snapshots, one finding", base_2016,
	 M(m_our_snapshot, m_our_snapshot2, m_test_snapshot_in_tree, m_other_test_snapshot_in_tree), W16, APP, FAIL,
	 STATUS_FIXABLE, "R26:error:fail", NULL, NULL},
	{"R26 not when the tree no longer has it", base_2016, M(m_our_snapshot), W16, APP, APP, STATUS_READY, "",
	 NULL, NULL},
	{"R26 not for a snapshot not in our history", base_2016, M(m_test_snapshot_in_tree), W16, APP, APP,
	 STATUS_READY, "", NULL, NULL},
	{"R26 not for another of our snapshots' names", base_2016, M(m_our_snapshot, m_other_test_snapshot_in_tree),
	 W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R26 VM left off", base_2016, M(m_left_off_now_off), W16, APP, APP, STATUS_FIXABLE,
	 "R26:error:none, R20:info:none", "R26",
	 "fix plan 7 (running): step shutdown_guest began 2026-11-22T09:00:00Z on a poweredOn VM, no power-on "
	 "recorded since; runtime.powerState = poweredOff"},
	{"R26 not when the VM is on again", base_2016, M(m_left_off), W16, APP, APP, STATUS_READY, "", NULL, NULL},
	{"R26 not when suspended", base_2016, M(m_left_off, m_suspended), W16, APP, APP, STATUS_READY,
	 "R20:info:none", NULL, NULL},
	{"R26 power and snapshot", base_2016, M(m_left_off_now_off, m_our_snapshot, m_test_snapshot_in_tree), W16, APP,
	 FAIL, STATUS_FIXABLE, "R26:error:fail, R26:error:none, R20:info:none", NULL, NULL},
	{"R26 on linux too (n/a)", base_linux, M(m_left_off_now_off, m_our_snapshot, m_test_snapshot_in_tree),
	 OS_OTHER, CRASH, FAIL, STATUS_NA, "R26:error:fail, R26:error:none, R20:info:none", NULL, NULL},
	{"R26 not on a template", base_2016, M(m_left_off_now_off, m_template), W16, APP, APP, STATUS_NA, "",
	 NULL, NULL},
	{"R26 with a manual error stays manual", base_2016, M(m_left_off_now_off, m_ide_disk), W16, APP, FS,
	 STATUS_MANUAL, "R26:error:none, R09:error:filesystem, R20:info:none", NULL, NULL},
	/* a fix killed after its shutdown, before its reconfigure: R26 says why it is off */
	{"R26 leads the error its fix did not finish", base_2016, M(m_left_off_now_off, m_uuid_absent), W16, APP,
	 FS, STATUS_FIXABLE, "R26:error:none, R07:error:filesystem, R20:info:none", NULL, NULL},
	{"R26 not with a facts error", base_2016, M(m_left_off_now_off, m_facts_error), W16, APP, APP, STATUS_UNKNOWN,
	 "", NULL, NULL},

	/* statuses */
	{"fixable: auto and guided", base_2016, M(m_uuid_absent, m_vmvss_missing), W16, APP, FAIL, STATUS_FIXABLE,
	 "R04:error:fail, R07:error:filesystem", NULL, NULL},
	{"manual wins over auto", base_2016, M(m_uuid_absent, m_ide_disk), W16, APP, FS, STATUS_MANUAL,
	 "R07:error:filesystem, R09:error:filesystem", NULL, NULL},
	{"manual wins over guided", base_2016, M(m_writer_failed, m_snap_32), W16, APP, FAIL, STATUS_MANUAL,
	 "R16:error:fail, R17:error:fail", NULL, NULL},
	{"a manual warn does not make it manual", base_2016, M(m_uuid_absent, m_independent_persistent), W16, APP, FS,
	 STATUS_FIXABLE, "R07:error:filesystem, R14:warn:none", NULL, NULL},
	{"errors beat unknown", base_2016, M(m_uuid_absent, m_probe_not_configured), W16, APP, FS, STATUS_FIXABLE,
	 "R07:error:filesystem, R21:info:none", NULL, NULL},
	{"manual error beats unknown", base_2016, M(m_snap_32, m_probe_not_configured), W16, APP, FAIL, STATUS_MANUAL,
	 "R17:error:fail, R21:info:none", NULL, NULL},
	{"warnings and infos stay ready", base_2016, M(m_snap_21, m_vol_half_gib, m_upgrade_running, m_power_off), W16,
	 APP, APP, STATUS_READY, "R17:warn:none, R19:warn:none, R22:warn:none, R20:info:none", NULL, NULL},
	{"template keeps findings, n/a", base_2016, M(m_template, m_uuid_absent), W16, APP, FS, STATUS_NA,
	 "R07:error:filesystem", NULL, NULL},
	{"facts error: unknown, no findings", base_2016, M(m_facts_error, m_uuid_absent), W16, APP, APP, STATUS_UNKNOWN,
	 "", NULL, NULL},
	{"facts error, nothing known", base_linux, M(m_facts_error), OS_OTHER, CRASH, CRASH, STATUS_UNKNOWN, "", NULL, NULL},
	{"facts error on a template", base_2016, M(m_facts_error, m_template), W16, APP, APP, STATUS_NA, "", NULL, NULL},

	/* non-Windows: only R14, R17, R19, R20 */
	{"linux: only R14 R17 R19 R20", base_linux, M(m_everything_bad, m_power_off), OS_OTHER, CRASH, CRASH, STATUS_NA,
	 "R14:warn:none, R17:warn:none, R19:warn:none, R20:info:none", NULL, NULL},
	{"linux: probe rules never", base_linux, M(m_linux_probe_stale_bad, m_tools_not_installed), OS_OTHER, CRASH, CRASH,
	 STATUS_NA, "", NULL, NULL},
	{"NT4 is not Windows for the rules", base_2016, M(m_nt4, m_uuid_absent), OS_OTHER, CRASH, CRASH, STATUS_NA, "", NULL, NULL},

	/* caps combine by minimum */
	{"cap fs + fs", base_2016, M(m_uuid_absent, m_dynamic), W16, APP, FS, STATUS_MANUAL,
	 "R07:error:filesystem, R12:error:filesystem", NULL, NULL},
	{"cap fs + fail", base_2016, M(m_uuid_absent, m_vss_disabled), W16, APP, FAIL, STATUS_FIXABLE,
	 "R07:error:filesystem, R15:error:fail", NULL, NULL},
	{"cap fail + fs (order)", base_2016, M(m_vss_disabled, m_uuid_absent), W16, APP, FAIL, STATUS_FIXABLE,
	 "R07:error:filesystem, R15:error:fail", NULL, NULL},
	{"cap none + fs", base_2016, M(m_independent_persistent, m_uuid_absent), W16, APP, FS, STATUS_FIXABLE,
	 "R07:error:filesystem, R14:warn:none", NULL, NULL},
	{"cap fail + fail", base_2016, M(m_vss_disabled, m_snap_32), W16, APP, FAIL, STATUS_MANUAL,
	 "R15:error:fail, R17:error:fail", NULL, NULL},
	{"cap warn fs + error fs", base_2016, M(m_uuid_set_after_boot, m_ide_disk), W16, APP, FS, STATUS_MANUAL,
	 "R09:error:filesystem, R08:warn:filesystem", NULL, NULL},
	{"cap crash + fail", base_xp, M(m_sync_missing, m_snap_32), OS_WINXP, FS, FAIL, STATUS_MANUAL,
	 "R06:error:crash, R17:error:fail, R23:info:none", NULL, NULL},
	{"cap crash + none", base_xp, M(m_sync_missing, m_vol_half_gib), OS_WINXP, FS, CRASH, STATUS_FIXABLE,
	 "R06:error:crash, R19:warn:none, R23:info:none", NULL, NULL},
	{"cap crash + fail (tools)", base_2000, M(m_sync_missing, m_tools_not_running), OS_WIN2000, FS, FAIL,
	 STATUS_MANUAL, "R02:error:fail, R06:error:crash, R23:info:none", NULL, NULL},
	{"cap fs + fs + fail", base_2016, M(m_uuid_absent, m_dynamic, m_writer_failed), W16, APP, FAIL, STATUS_MANUAL,
	 "R07:error:filesystem, R12:error:filesystem, R16:error:fail", NULL, NULL},
	{"cap none + none + fs", base_2016, M(m_independent_persistent, m_vol_half_gib, m_sync_running), W16, APP, FS,
	 STATUS_FIXABLE, "R05:error:filesystem, R14:warn:none, R19:warn:none", NULL, NULL},
	{"cap fs(R04 with sync) + fs(R05) + fail(R15)", base_2016, M(m_vmvss_missing, m_sync_running, m_vss_disabled), W16,
	 APP, FAIL, STATUS_FIXABLE, "R04:error:filesystem, R05:error:filesystem, R15:error:fail", NULL, NULL},
	{"cap desktop fs + fail", base_desktop, M(m_vss_disabled, m_ide_disk), OS_WINDESKTOP, FS, FAIL, STATUS_MANUAL,
	 "R09:error:filesystem, R15:error:fail", NULL, NULL},
	{"cap linux crash + fail", base_linux, M(m_snap_32, m_vol_root_low), OS_OTHER, CRASH, FAIL, STATUS_NA,
	 "R17:error:fail, R19:warn:none", NULL, NULL},
	{"cap four at once", base_2016, M(m_uuid_absent, m_tools_not_running, m_ide_disk, m_snap_21), W16, APP, FAIL,
	 STATUS_MANUAL, "R02:error:fail, R07:error:filesystem, R09:error:filesystem, R17:warn:none", NULL, NULL},

	/* sorting: severity desc, then rule id */
	{"sorted findings", base_2016, M(m_tools_10_0_0, m_independent_persistent, m_uuid_absent, m_upgrade_running), W16,
	 APP, FAIL, STATUS_FIXABLE,
	 "R03:error:fail, R07:error:filesystem, R14:warn:none, R22:warn:none, R23:info:none", NULL, NULL},
};

/* "R07:error:filesystem, R14:warn:none" */
static char *findings_string(const verdict *v)
{
	strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < v->n_findings; i++) {
		const finding *x = &v->findings[i];
		strbuf_addf(&sb, "%s%s:%s:%s", i ? ", " : "", x->rule, model_severity_name(x->sev),
			    model_level_name(x->cap));
	}
	return strbuf_detach(&sb, NULL);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* What every finding must satisfy, whatever the case. */
static void check_finding_shape(const char *name, const finding *x)
{
	const rule_info *ri = rules_find(x->rule);
	if (!ri)
		fail_msg("%s: finding with unknown rule '%s'", name, x->rule);
	if (x->fix != ri->fix)
		fail_msg("%s: %s fix %s, table says %s", name, x->rule, model_fix_name(x->fix),
			 model_fix_name(ri->fix));
	if (!x->message || !ends_with(x->message, ri->remediation) ||
	    strlen(x->message) <= strlen(ri->remediation) + 10)
		fail_msg("%s: %s message does not state the problem and the remediation: %s", name,
			 x->rule, x->message ? x->message : "(null)");
	if (!x->evidence || !*x->evidence)
		fail_msg("%s: %s has no evidence", name, x->rule);
	/* the main severity is the table's; R16/R17 also have a warn form without cap */
	if (x->sev != ri->sev &&
	    !((x->rule[1] == '1' && (x->rule[2] == '6' || x->rule[2] == '7')) && x->sev == SEVERITY_WARN &&
	      x->cap == LEVEL_NONE))
		fail_msg("%s: %s severity %s, table says %s", name, x->rule, model_severity_name(x->sev),
			 model_severity_name(ri->sev));
	/* a cap never goes below the table's worst case */
	if (x->cap != LEVEL_NONE && x->cap < ri->cap)
		fail_msg("%s: %s cap %s below the table's %s", name, x->rule, model_level_name(x->cap),
			 model_level_name(ri->cap));
}

static void build_case(const rcase *c, vm_facts *f)
{
	model_vm_facts_init(f);
	c->base(f);
	for (size_t m = 0; m < ROWS(c->mut) && c->mut[m]; m++)
		c->mut[m](f);
}

static void run_case(const rcase *c)
{
	vm_facts f;
	verdict v;
	build_case(c, &f);
	model_verdict_init(&v);
	rules_evaluate(&f, NOW, &v);

	char *got = findings_string(&v);
	if (strcmp(got, c->findings) != 0)
		fail_msg("%s: findings\n  got  \"%s\"\n  want \"%s\"", c->name, got, c->findings);
	free(got);
	if (v.family != c->fam)
		fail_msg("%s: family %s, want %s", c->name, model_os_family_name(v.family),
			 model_os_family_name(c->fam));
	if (v.best != c->best)
		fail_msg("%s: best %s, want %s", c->name, model_level_name(v.best), model_level_name(c->best));
	if (v.predicted != c->predicted)
		fail_msg("%s: predicted %s, want %s", c->name, model_level_name(v.predicted),
			 model_level_name(c->predicted));
	if (v.status != c->status)
		fail_msg("%s: status %s, want %s", c->name, model_status_name(v.status),
			 model_status_name(c->status));
	for (size_t i = 0; i < v.n_findings; i++)
		check_finding_shape(c->name, &v.findings[i]);
	if (c->ev_rule) {
		const finding *hit = NULL;
		for (size_t i = 0; i < v.n_findings && !hit; i++)
			if (strcmp(v.findings[i].rule, c->ev_rule) == 0)
				hit = &v.findings[i];
		if (!hit)
			fail_msg("%s: no %s finding for the evidence check", c->name, c->ev_rule);
		if (strcmp(hit->evidence, c->evidence) != 0)
			fail_msg("%s: %s evidence\n  got  \"%s\"\n  want \"%s\"", c->name, c->ev_rule,
				 hit->evidence, c->evidence);
	}
	model_verdict_done(&v);
	model_vm_facts_done(&f);
}

/* one cmocka test per case, so a failure names it and the others still run */
static void test_rule_case(void **state)
{
	run_case(*state);
}

/* Every rule id fires in at least one case and is absent in at least one Windows case. */
static void test_every_rule_covered(void **state)
{
	(void)state;
	bool fired[RULE_COUNT] = {false};
	size_t n_rules = 0;
	const rule_info *table = rules_table(&n_rules);
	for (size_t i = 0; i < ROWS(cases); i++)
		for (size_t r = 0; r < n_rules; r++)
			if (strstr(cases[i].findings, table[r].id))
				fired[r] = true;
	for (size_t r = 0; r < n_rules; r++)
		if (!fired[r])
			fail_msg("no case fires %s", table[r].id);
	/* and every status, family of the table and level appears as an expectation */
	bool status_seen[5] = {false}, fam_seen[OS_WIN2025 + 1] = {false}, pred_seen[4] = {false};
	for (size_t i = 0; i < ROWS(cases); i++) {
		status_seen[cases[i].status] = true;
		fam_seen[cases[i].fam] = true;
		pred_seen[cases[i].predicted] = true;
	}
	for (size_t s = 0; s < 5; s++)
		assert_true(status_seen[s]);
	for (size_t s = 0; s <= OS_WIN2025; s++)
		assert_true(fam_seen[s]);
	for (size_t s = 0; s < 4; s++)
		assert_true(pred_seen[s]);
}

/* ---- the rule table is the contract ---- */

static const struct {
	const char *id;
	severity sev;
	quiesce_level cap;
	fix_kind fix;
} contract[] = {
	{"R01", SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED},
	{"R02", SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED},
	{"R03", SEVERITY_ERROR, LEVEL_FAIL, FIX_AUTO},
	{"R04", SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED},
	{"R05", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_GUIDED},
	{"R06", SEVERITY_ERROR, LEVEL_CRASH, FIX_GUIDED},
	{"R07", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_AUTO},
	{"R08", SEVERITY_WARN, LEVEL_FILESYSTEM, FIX_AUTO},
	{"R09", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL},
	{"R10", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL},
	{"R11", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL},
	{"R12", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL},
	{"R13", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL},
	{"R14", SEVERITY_WARN, LEVEL_NONE, FIX_MANUAL},
	{"R15", SEVERITY_ERROR, LEVEL_FAIL, FIX_AUTO},
	{"R16", SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED},
	{"R17", SEVERITY_ERROR, LEVEL_FAIL, FIX_MANUAL},
	{"R18", SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED},
	{"R19", SEVERITY_WARN, LEVEL_NONE, FIX_MANUAL},
	{"R20", SEVERITY_INFO, LEVEL_NONE, FIX_NONE},
	{"R21", SEVERITY_INFO, LEVEL_NONE, FIX_MANUAL},
	{"R22", SEVERITY_WARN, LEVEL_NONE, FIX_NONE},
	{"R23", SEVERITY_INFO, LEVEL_NONE, FIX_AUTO},
	{"R24", SEVERITY_WARN, LEVEL_FILESYSTEM, FIX_GUIDED},
	{"R25", SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED},
	{"R26", SEVERITY_ERROR, LEVEL_FAIL, FIX_AUTO},
};

static void test_rules_table(void **state)
{
	(void)state;
	size_t n = 0;
	const rule_info *t = rules_table(&n);
	assert_int_equal(n, ROWS(contract));
	assert_int_equal(RULE_COUNT, ROWS(contract));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(t[i].id, contract[i].id);
		if (t[i].sev != contract[i].sev || t[i].cap != contract[i].cap || t[i].fix != contract[i].fix)
			fail_msg("%s: %s/%s/%s", t[i].id, model_severity_name(t[i].sev),
				 model_level_name(t[i].cap), model_fix_name(t[i].fix));
		assert_non_null(t[i].scope);
		assert_true(strlen(t[i].title) > 10);
		assert_true(strlen(t[i].remediation) > 10);
		assert_ptr_equal(rules_find(contract[i].id), &t[i]);
	}
	assert_string_equal(t[RULE_R07].id, "R07");
	assert_string_equal(t[RULE_R23].id, "R23");
	assert_non_null(t[RULE_R04].cap_note);
	assert_non_null(t[RULE_R10].cap_note);
	assert_non_null(t[RULE_R16].cap_note);
	assert_non_null(t[RULE_R17].cap_note);
	assert_non_null(t[RULE_R18].cap_note);
	assert_null(t[RULE_R07].cap_note);
	assert_string_equal(t[RULE_R25].id, "R25");
	assert_non_null(t[RULE_R25].cap_note);
	assert_string_equal(t[RULE_R26].id, "R26");
	assert_non_null(t[RULE_R26].cap_note);
	assert_null(rules_find("R99"));
	assert_null(rules_find("R00"));
	assert_null(rules_find("r07"));
	assert_null(rules_find(""));
	assert_null(rules_find(NULL));
	assert_ptr_equal(rules_table(NULL), t);
}

/* The enum and the contract strings map one to one; what names no rule maps to RULE_COUNT. */
static void test_rule_ids(void **state)
{
	(void)state;
	for (size_t i = 0; i < ROWS(contract); i++) {
		assert_int_equal(rules_id_of(contract[i].id), i);
		assert_string_equal(rules_id_name((rule_id)i), contract[i].id);
	}
	assert_int_equal(rules_id_of("R99"), RULE_COUNT);
	assert_int_equal(rules_id_of("r07"), RULE_COUNT);
	assert_int_equal(rules_id_of(""), RULE_COUNT);
	assert_int_equal(rules_id_of(NULL), RULE_COUNT);
	assert_string_equal(rules_id_name(RULE_COUNT), "");
	assert_string_equal(rules_id_name((rule_id)-1), "");

	verdict v;
	model_verdict_init(&v);
	model_verdict_add(&v, "R08", SEVERITY_WARN, LEVEL_FILESYSTEM, FIX_AUTO, "m", NULL);
	model_verdict_add(&v, "R99", SEVERITY_INFO, LEVEL_NONE, FIX_NONE, "m", NULL);
	assert_true(rules_finding_is(&v.findings[0], RULE_R08));
	assert_false(rules_finding_is(&v.findings[0], RULE_R07));
	assert_false(rules_finding_is(&v.findings[1], RULE_COUNT));
	assert_true(rules_verdict_has(&v, RULE_R08));
	assert_false(rules_verdict_has(&v, RULE_R07));
	assert_false(rules_verdict_has(&v, RULE_COUNT));
	model_verdict_done(&v);
	assert_false(rules_verdict_has(&v, RULE_R08));
}

/* ---- OS family ---- */

typedef struct {
	const char *guest_id, *config_id, *guest_full, *config_full;
	int build;
	os_family fam;
} fam_row;

static const fam_row fam_rows[] = {
	/* every guestId of the table */
	{"win2000ProGuest", NULL, NULL, NULL, 0, OS_WIN2000},
	{"win2000ServGuest", NULL, NULL, NULL, 0, OS_WIN2000},
	{"win2000AdvServGuest", NULL, NULL, NULL, 0, OS_WIN2000},
	{"winXPHomeGuest", NULL, NULL, NULL, 0, OS_WINXP},
	{"winXPProGuest", NULL, NULL, NULL, 0, OS_WINXP},
	{"winXPPro64Guest", NULL, NULL, NULL, 0, OS_WINXP},
	{"winNetWebGuest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winNetStandardGuest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winNetEnterpriseGuest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winNetDatacenterGuest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winNetBusinessGuest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winNetStandard64Guest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winNetEnterprise64Guest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winNetDatacenter64Guest", NULL, NULL, NULL, 0, OS_WIN2003},
	{"winVistaGuest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"winVista64Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows7Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows7_64Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows8Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows8_64Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows9Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows9_64Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows11_64Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"windows12_64Guest", NULL, NULL, NULL, 0, OS_WINDESKTOP},
	{"winLonghornGuest", NULL, NULL, NULL, 0, OS_WIN2008},
	{"winLonghorn64Guest", NULL, NULL, NULL, 0, OS_WIN2008},
	{"windows7Server64Guest", NULL, NULL, NULL, 0, OS_WIN2008R2},
	{"windows8Server64Guest", NULL, NULL, NULL, 0, OS_WIN2012},
	{"windows9Server64Guest", NULL, NULL, NULL, 0, OS_WIN2016},
	{"windows2019srv_64Guest", NULL, NULL, NULL, 0, OS_WIN2019},
	{"windows2019srvNext_64Guest", NULL, NULL, NULL, 0, OS_WIN2022},
	{"windows2022srvNext_64Guest", NULL, NULL, NULL, 0, OS_WIN2025},
	/* Windows without a provider, and other systems */
	{"win31Guest", NULL, NULL, NULL, 0, OS_OTHER},
	{"win95Guest", NULL, NULL, NULL, 0, OS_OTHER},
	{"win98Guest", NULL, NULL, NULL, 0, OS_OTHER},
	{"winMeGuest", NULL, NULL, NULL, 0, OS_OTHER},
	{"winNTGuest", NULL, NULL, NULL, 0, OS_OTHER},
	{"ubuntu64Guest", NULL, NULL, NULL, 0, OS_OTHER},
	{"rhel9_64Guest", NULL, NULL, NULL, 0, OS_OTHER},
	{"otherGuest", NULL, NULL, NULL, 0, OS_OTHER},
	{"otherGuest64", NULL, NULL, NULL, 0, OS_OTHER},
	{"darwin64Guest", NULL, NULL, NULL, 0, OS_OTHER},
	{"freebsd13_64Guest", NULL, NULL, NULL, 0, OS_OTHER},
	{NULL, NULL, NULL, NULL, 0, OS_OTHER},
	{"", "", "", "", 0, OS_OTHER},
	/* "Windows Server 2016 or later" refined by build */
	{"windows9Server64Guest", NULL, NULL, NULL, 14393, OS_WIN2016},
	{"windows9Server64Guest", NULL, NULL, NULL, 17763, OS_WIN2019},
	{"windows9Server64Guest", NULL, NULL, NULL, 20348, OS_WIN2022},
	{"windows9Server64Guest", NULL, NULL, NULL, 26100, OS_WIN2025},
	{"windows9Server64Guest", NULL, NULL, NULL, 25398, OS_WIN2022},
	{"windows9Server64Guest", NULL, NULL, NULL, 9600, OS_WIN2016}, /* bogus build: stays */
	/* ... and by the guest's full name */
	{"windows9Server64Guest", NULL, "Microsoft Windows Server 2016 or later (64-bit)", NULL, 0, OS_WIN2016},
	{"windows9Server64Guest", NULL, "Microsoft Windows Server 2016 Standard", NULL, 0, OS_WIN2016},
	{"windows9Server64Guest", NULL, "Microsoft Windows Server 2019 Standard", NULL, 0, OS_WIN2019},
	{"windows9Server64Guest", NULL, "Microsoft Windows Server 2022 Datacenter", NULL, 0, OS_WIN2022},
	{"windows9Server64Guest", NULL, "Microsoft Windows Server 2025 Datacenter", NULL, 0, OS_WIN2025},
	{"windows9Server64Guest", NULL, "Microsoft Windows Server 2022 Datacenter", NULL, 17763, OS_WIN2019},
	{"windows9Server64Guest", NULL, "Microsoft Windows Server 2012 R2", NULL, 0, OS_WIN2016},
	{"windows2019srv_64Guest", NULL, NULL, NULL, 20348, OS_WIN2022},
	{"windows2022srvNext_64Guest", NULL, NULL, NULL, 17763, OS_WIN2019},
	/* 2012 / 2012 R2 share a guestId */
	{"windows8Server64Guest", NULL, NULL, NULL, 9200, OS_WIN2012},
	{"windows8Server64Guest", NULL, NULL, NULL, 9600, OS_WIN2012R2},
	{"windows8Server64Guest", NULL, "Microsoft Windows Server 2012 R2 Standard", NULL, 0, OS_WIN2012R2},
	{"windows8Server64Guest", NULL, "Microsoft Windows Server 2012 Datacenter", NULL, 0, OS_WIN2012},
	{"windows8Server64Guest", NULL, NULL, "Microsoft Windows Server 2012 (64-bit)", 0, OS_WIN2012},
	/* 2008 / 2008 R2 */
	{"winLonghorn64Guest", NULL, NULL, NULL, 7601, OS_WIN2008R2},
	{"winLonghorn64Guest", NULL, NULL, NULL, 6002, OS_WIN2008},
	{"windows7Server64Guest", NULL, NULL, NULL, 6003, OS_WIN2008},
	{"windows7Server64Guest", NULL, "Microsoft Windows Server 2008 R2 Enterprise", NULL, 0, OS_WIN2008R2},
	{"winLonghorn64Guest", NULL, "Microsoft Windows Server 2008 R2 Enterprise", NULL, 0, OS_WIN2008R2},
	{"winLonghorn64Guest", NULL, NULL, NULL, 17763, OS_WIN2008}, /* other generation: ignored */
	/* sources in order: guest.guestId, config.guestId, full names */
	{NULL, "windows8Server64Guest", NULL, NULL, 0, OS_WIN2012},
	{"", "winXPProGuest", NULL, NULL, 0, OS_WINXP},
	{"ubuntu64Guest", "windows9Server64Guest", NULL, NULL, 0, OS_OTHER},
	{"windows9Server64Guest", "ubuntu64Guest", NULL, NULL, 0, OS_WIN2016},
	{"windowsHyperVGuest", "windows8Server64Guest", NULL, NULL, 0, OS_WIN2012},
	{"windowsHyperVGuest", NULL, "Microsoft Windows Server 2012 R2 Standard", NULL, 0, OS_WIN2012R2},
	{NULL, "windows9Server64Guest", "Microsoft Windows Server 2019 Standard", NULL, 0, OS_WIN2019},
	{NULL, "windows9Server64Guest", NULL, NULL, 20348, OS_WIN2022},
	/* full-name fallback */
	{NULL, NULL, "Microsoft Windows Server 2012 R2 Standard", NULL, 0, OS_WIN2012R2},
	{NULL, NULL, NULL, "Microsoft Windows Server 2012 R2 (64-bit)", 0, OS_WIN2012R2},
	{NULL, NULL, NULL, "Microsoft Windows Server 2012 (64-bit)", 0, OS_WIN2012},
	{NULL, NULL, NULL, "Microsoft Windows Server 2008 R2 (64-bit)", 0, OS_WIN2008R2},
	{NULL, NULL, NULL, "Microsoft Windows Server 2008 (64-bit)", 0, OS_WIN2008},
	{NULL, NULL, NULL, "Microsoft Windows Server 2003 Standard (64-bit)", 0, OS_WIN2003},
	{NULL, NULL, NULL, "Microsoft Windows 2000 Server", 0, OS_WIN2000},
	{NULL, NULL, NULL, "Microsoft Windows XP Professional (32-bit)", 0, OS_WINXP},
	{NULL, NULL, NULL, "Microsoft Windows Vista (64-bit)", 0, OS_WINDESKTOP},
	{NULL, NULL, NULL, "Microsoft Windows 7 (64-bit)", 0, OS_WINDESKTOP},
	{NULL, NULL, NULL, "Microsoft Windows 8.x (64-bit)", 0, OS_WINDESKTOP},
	{NULL, NULL, NULL, "Microsoft Windows 10 (64-bit)", 0, OS_WINDESKTOP},
	{NULL, NULL, NULL, "Microsoft Windows 11 (64-bit)", 0, OS_WINDESKTOP},
	{NULL, NULL, NULL, "Microsoft Windows Server 2016 or later (64-bit)", 0, OS_WIN2016},
	{NULL, NULL, NULL, "Microsoft Windows Server 2016 or later (64-bit)", 20348, OS_WIN2022},
	{NULL, NULL, NULL, "Microsoft Windows Server 2019 (64-bit)", 0, OS_WIN2019},
	{NULL, NULL, NULL, "Microsoft Windows Server 2022 (64-bit)", 0, OS_WIN2022},
	{NULL, NULL, NULL, "Microsoft Windows Server 2025 (64-bit)", 0, OS_WIN2025},
	{NULL, NULL, "Microsoft Windows Server 2022 Datacenter",
	 "Microsoft Windows Server 2016 or later (64-bit)", 0, OS_WIN2022},
	{NULL, NULL, "microsoft windows server 2019 standard", NULL, 0, OS_WIN2019},
	{NULL, NULL, NULL, "Microsoft Windows 10 Enterprise LTSC 2019 (64-bit)", 0, OS_WINDESKTOP},
	{NULL, NULL, NULL, "Microsoft Windows 2000 Advanced Server", 0, OS_WIN2000},
	{NULL, NULL, NULL, "Microsoft Windows XP Professional x64 Edition", 0, OS_WINXP},
	{NULL, NULL, NULL, "Microsoft Windows Storage Server 2016", 0, OS_WIN2016},
	{NULL, NULL, NULL, "Microsoft Windows Small Business Server 2011", 0, OS_WIN2008R2},
	{NULL, NULL, NULL, "Microsoft Windows Server", 0, OS_OTHER},
	{"windows9Server64Guest", NULL, "Microsoft Windows 10 Enterprise LTSC 2019", NULL, 0, OS_WIN2016},
	{NULL, NULL, NULL, "Microsoft Windows NT", 0, OS_OTHER},
	{NULL, NULL, NULL, "Microsoft Windows 98", 0, OS_OTHER},
	{NULL, NULL, NULL, "Ubuntu Linux (64-bit)", 0, OS_OTHER},
	{NULL, NULL, "Other 3.x or later Linux (64-bit)", "Microsoft Windows 10 (64-bit)", 0, OS_OTHER},
};

static void test_os_family(void **state)
{
	(void)state;
	for (size_t i = 0; i < ROWS(fam_rows); i++) {
		const fam_row *r = &fam_rows[i];
		vm_facts f;
		model_vm_facts_init(&f);
		f.guest_id = xstrdup(r->guest_id);
		f.config_guest_id = xstrdup(r->config_id);
		f.guest_full_name = xstrdup(r->guest_full);
		f.config_guest_full_name = xstrdup(r->config_full);
		f.guest_build = r->build;
		os_family got = rules_os_family(&f);
		if (got != r->fam)
			fail_msg("row %zu (%s / %s / %s / %s / %d): %s, want %s", i,
				 r->guest_id ? r->guest_id : "-", r->config_id ? r->config_id : "-",
				 r->guest_full ? r->guest_full : "-", r->config_full ? r->config_full : "-",
				 r->build, model_os_family_name(got), model_os_family_name(r->fam));
		model_vm_facts_done(&f);
	}
}

static void test_best_level(void **state)
{
	(void)state;
	static const struct {
		os_family fam;
		quiesce_level best;
		bool windows, vss;
	} rows[] = {
		{OS_OTHER, LEVEL_CRASH, false, false},
		{OS_WIN2000, LEVEL_FILESYSTEM, true, false},
		{OS_WINXP, LEVEL_FILESYSTEM, true, false},
		{OS_WINDESKTOP, LEVEL_FILESYSTEM, true, true},
		{OS_WIN2003, LEVEL_APPLICATION, true, true},
		{OS_WIN2008, LEVEL_APPLICATION, true, true},
		{OS_WIN2008R2, LEVEL_APPLICATION, true, true},
		{OS_WIN2012, LEVEL_APPLICATION, true, true},
		{OS_WIN2012R2, LEVEL_APPLICATION, true, true},
		{OS_WIN2016, LEVEL_APPLICATION, true, true},
		{OS_WIN2019, LEVEL_APPLICATION, true, true},
		{OS_WIN2022, LEVEL_APPLICATION, true, true},
		{OS_WIN2025, LEVEL_APPLICATION, true, true},
	};
	for (size_t i = 0; i < ROWS(rows); i++) {
		assert_int_equal(rules_best_level(rows[i].fam), rows[i].best);
		assert_int_equal(rules_is_windows(rows[i].fam), rows[i].windows);
		assert_int_equal(rules_is_vss_family(rows[i].fam), rows[i].vss);
	}
	assert_int_equal(rules_best_level((os_family)99), LEVEL_CRASH);
	assert_false(rules_is_windows((os_family)99));
	/* the order that makes "lowest cap" a plain minimum */
	assert_true(LEVEL_FAIL < LEVEL_CRASH);
	assert_true(LEVEL_CRASH < LEVEL_FILESYSTEM);
	assert_true(LEVEL_FILESYSTEM < LEVEL_APPLICATION);
}

/* Re-evaluating into a used verdict releases the old findings and gives the same answer;
 * evaluating a copy of the facts gives the same answer (pure). */
static void test_reuse_and_determinism(void **state)
{
	(void)state;
	vm_facts f, g;
	verdict v, w;
	model_vm_facts_init(&f);
	base_2016(&f);
	m_uuid_absent(&f);
	m_ide_disk(&f);
	m_writer_failed(&f);
	m_vol_half_gib(&f);
	model_verdict_init(&v);
	model_verdict_init(&w);
	rules_evaluate(&f, NOW, &v);
	char *first = findings_string(&v);
	rules_evaluate(&f, NOW, &v);
	char *second = findings_string(&v);
	assert_string_equal(first, second);
	assert_string_equal(first, "R07:error:filesystem, R09:error:filesystem, R16:error:fail, R19:warn:none");

	model_vm_facts_copy(&g, &f);
	model_vm_facts_done(&f);
	rules_evaluate(&g, NOW, &w);
	char *third = findings_string(&w);
	assert_string_equal(first, third);
	for (size_t i = 0; i < v.n_findings; i++) {
		assert_string_equal(v.findings[i].message, w.findings[i].message);
		assert_string_equal(v.findings[i].evidence, w.findings[i].evidence);
	}
	assert_int_equal(w.status, STATUS_MANUAL);
	assert_int_equal(w.predicted, LEVEL_FAIL);

	/* a ready VM evaluated into the same verdict ends with no findings */
	vm_facts r;
	model_vm_facts_init(&r);
	base_2016(&r);
	rules_evaluate(&r, NOW, &w);
	assert_int_equal(w.n_findings, 0);
	assert_null(w.findings);
	assert_int_equal(w.status, STATUS_READY);

	free(first);
	free(second);
	free(third);
	model_verdict_done(&v);
	model_verdict_done(&w);
	model_vm_facts_done(&g);
	model_vm_facts_done(&r);
}

/* Messages say what is wrong and what to do; spot-check a few exact ones. */
static void test_messages(void **state)
{
	(void)state;
	vm_facts f;
	verdict v;
	model_vm_facts_init(&f);
	base_2016(&f);
	m_uuid_absent(&f);
	model_verdict_init(&v);
	rules_evaluate(&f, NOW, &v);
	assert_int_equal(v.n_findings, 1);
	assert_string_equal(v.findings[0].message,
			    "disk.EnableUUID is not TRUE, so Windows cannot take application-consistent "
			    "shadow copies of the virtual disks. Shut the guest down (or power off), set "
			    "disk.EnableUUID = TRUE in the VM's advanced configuration and restore the power "
			    "state; quiescent can do it after confirmation.");
	model_verdict_done(&v);
	model_vm_facts_done(&f);

	model_vm_facts_init(&f);
	base_2016(&f);
	m_vmvss_missing(&f);
	m_sync_running(&f);
	rules_evaluate(&f, NOW, &v);
	assert_int_equal(v.n_findings, 2);
	assert_true(strstr(v.findings[0].message, "only the legacy sync driver") != NULL);
	assert_true(strstr(v.findings[0].message, "ADDLOCAL=VSS") != NULL);
	assert_true(strstr(v.findings[1].message, "REMOVE=Sync") != NULL);
	model_verdict_done(&v);
	model_vm_facts_done(&f);
}

int main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_rules_table),
		cmocka_unit_test(test_rule_ids),
		cmocka_unit_test(test_best_level),
		cmocka_unit_test(test_os_family),
		cmocka_unit_test(test_every_rule_covered),
		cmocka_unit_test(test_reuse_and_determinism),
		cmocka_unit_test(test_messages),
	};
	size_t n = ROWS(fixed) + ROWS(cases);
	struct CMUnitTest *tests = xcalloc(n, sizeof(*tests));
	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < ROWS(cases); i++) {
		struct CMUnitTest *t = &tests[ROWS(fixed) + i];
		t->name = cases[i].name;
		t->test_func = test_rule_case;
		t->initial_state = (void *)&cases[i];
	}
	int rc = _cmocka_run_group_tests("rules", tests, n, NULL, NULL);
	free(tests);
	return rc;
}
