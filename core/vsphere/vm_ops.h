/* vm_ops: starting the VM operations quiescent performs. Each *_Task function returns at once
 * with the task's moref in `task` (VS_MOREF_MAX bytes suffice); follow it with vs_task_wait.
 * ShutdownGuest and the Tools installer calls are no tasks: they return when vCenter accepted
 * the request. All return 0, or -1 with err (a fault keeps its type, e.g. InvalidPowerState,
 * ToolsUnavailable). */
#ifndef QUIESCENT_VS_VM_OPS_H
#define QUIESCENT_VS_VM_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "vsphere/session.h"

int vs_vm_power_on(vs_conn *c, const char *vm, char *task, size_t n, vs_error *err);
int vs_vm_power_off(vs_conn *c, const char *vm, char *task, size_t n, vs_error *err);
int vs_vm_shutdown_guest(vs_conn *c, const char *vm, vs_error *err);

/* ReconfigVM_Task with spec.extraConfig = keys[i]=values[i]; an empty value removes the key
 * (vSphere's own convention). */
int vs_vm_set_extra_config(vs_conn *c, const char *vm, const char *const *keys,
			   const char *const *values, size_t count, char *task, size_t n,
			   vs_error *err);

/* VirtualMachineWindowsQuiesceSpec. */
typedef struct {
	int timeout_min;             /* quiesce timeout in minutes, 0: server default */
	int vss_backup_type;         /* VSS_BACKUP_TYPE: 1 full, 2 incremental, 5 copy ... */
	bool vss_bootable_system_state;
	bool vss_partial_file_support;
	const char *vss_backup_context;   /* "ctx_auto", "ctx_backup", "ctx_file_share_backup" */
} vs_windows_quiesce;

/* CreateSnapshotEx_Task with a Windows quiesce spec (NULL: no quiescing). */
int vs_vm_create_snapshot_ex(vs_conn *c, const char *vm, const char *name, const char *description,
			     bool memory, const vs_windows_quiesce *q, char *task, size_t n,
			     vs_error *err);
/* CreateSnapshot_Task (the fallback for servers without CreateSnapshotEx_Task). */
int vs_vm_create_snapshot(vs_conn *c, const char *vm, const char *name, const char *description,
			  bool memory, bool quiesce, char *task, size_t n, vs_error *err);
/* RemoveSnapshot_Task on a VirtualMachineSnapshot moref. */
int vs_snapshot_remove(vs_conn *c, const char *snapshot, bool remove_children, bool consolidate,
		       char *task, size_t n, vs_error *err);
/* UpgradeTools_Task, installer_options e.g. "/S /v \"/qn ADDLOCAL=VSS\"" (NULL: none). */
int vs_vm_upgrade_tools(vs_conn *c, const char *vm, const char *installer_options, char *task,
			size_t n, vs_error *err);
int vs_vm_mount_tools_installer(vs_conn *c, const char *vm, vs_error *err);
int vs_vm_unmount_tools_installer(vs_conn *c, const char *vm, vs_error *err);

/* Any method whose answer is one moref (`<returnval type="Task">task-12</returnval>`):
 * `body` is the method element. Exposed for the rarer tasks (RemoveAllSnapshots_Task...). */
int vs_call_returning_moref(vs_conn *c, const char *body, char *out, size_t n, vs_error *err);

#endif
