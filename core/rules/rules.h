/* rules: the readiness engine. Facts in, verdict out: OS family, best and predicted quiescing
 * level, status, findings (R01..R26 of quiescing-rules.md; R24-R26 read history through
 * the facts' marks, which the scan fills). Pure functions: no I/O, no clock
 * (the caller passes `now`), no globals but the constant rule table, safe from any thread.
 *
 * RULES_LIST is the one description of every rule. rules.c evaluates exactly these ids, the
 * docs generator and `--format json` enumerate them through rules_table(), so the reference
 * cannot drift from the code. */
#ifndef QUIESCENT_RULES_H
#define QUIESCENT_RULES_H

#include "model/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* X(id, severity, cap, fix, scope, title, cap_note, remediation)
 * severity/cap: those of the main condition (rules.c emits it with exactly these); cap is the
 * worst one when it depends on facts, cap_note says how (NULL when fixed), and only those
 * variants name their severity and cap in the code. remediation ends every finding's message. */
#define RULES_LIST(X)                                                                              \
	X(R01, SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED, "Windows",                                  \
	  "VMware Tools is not installed", NULL,                                                   \
	  "Mount the VMware Tools installer in the VM and install Tools with the VSS feature; "     \
	  "quiescent guides you through it.")                                                      \
	X(R02, SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED, "Windows, powered on",                      \
	  "VMware Tools is installed but not running", NULL,                                       \
	  "Restart the VMware Tools service in the guest (net start VMTools) and check that "      \
	  "vCenter reports Tools running.")                                                        \
	X(R03, SEVERITY_ERROR, LEVEL_FAIL, FIX_AUTO, "Windows",                                    \
	  "VMware Tools is too old (guestToolsTooOld, or Windows 2016+ with Tools < 10.1.0)", NULL, \
	  "Upgrade VMware Tools (UpgradeTools_Task); quiescent can do it after confirmation.")     \
	X(R04, SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED, "Windows Vista/2003 and later, guest probe",  \
	  "the VMware Snapshot Provider service (vmvss) is not installed",                         \
	  "filesystem if the sync driver is present, else fail",                                   \
	  "Modify the VMware Tools installation and add the VSS feature "                          \
	  "(setup64.exe /S /v\"/qn REBOOT=R ADDLOCAL=VSS\").")                                     \
	X(R05, SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_GUIDED,                                       \
	  "Windows Vista/2003 and later, guest probe",                                             \
	  "the legacy sync driver (LGTO_Sync) is installed and not disabled", NULL,                \
	  "Modify the VMware Tools installation and remove the Sync feature (REMOVE=Sync), so the " \
	  "VMware VSS component does the quiescing.")                                              \
	X(R06, SEVERITY_ERROR, LEVEL_CRASH, FIX_GUIDED, "Windows 2000/XP, guest probe",             \
	  "no sync driver (LGTO_Sync)", NULL,                                                      \
	  "Modify the VMware Tools installation and add the Sync feature (ADDLOCAL=Sync).")        \
	X(R07, SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_AUTO, "Windows Server 2008 and later",         \
	  "disk.EnableUUID is not TRUE", NULL,                                                     \
	  "Shut the guest down (or power off), set disk.EnableUUID = TRUE in the VM's advanced "    \
	  "configuration and restore the power state; quiescent can do it after confirmation.")   \
	X(R08, SEVERITY_WARN, LEVEL_FILESYSTEM, FIX_AUTO, "Windows Server 2008 and later, running", \
	  "disk.EnableUUID was set while the VM ran and it has not been power-cycled since", NULL, \
	  "Power-cycle the VM (a guest restart is not enough) so the setting takes effect; "       \
	  "quiescent can do it after confirmation.")                                               \
	X(R09, SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL, "Windows Vista/2003 and later",        \
	  "a virtual disk is on an IDE controller", NULL,                                          \
	  "Move every IDE disk to a SCSI controller, boot disk last: 1. with Windows running, add "  \
	  "a SCSI controller (VMware Paravirtual, or LSI Logic SAS) with a small new disk on it "   \
	  "and check in Device Manager that Windows loaded its driver (PVSCSI's comes with VMware "\
	  "Tools) - without it a moved boot disk stops at INACCESSIBLE_BOOT_DEVICE; 2. shut the "  \
	  "guest down; 3. in Edit Settings set each disk's Virtual Device Node to SCSI (n:m), and " \
	  "the boot order to the boot disk; 4. power on, check every volume, then remove the "     \
	  "small disk.")                                                                           \
	X(R10, SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL, "Windows Vista/2003 and later",        \
	  "a virtual disk is on a SATA or NVMe controller",                                        \
	  "NVMe is allowed on Windows 2022 build >= 20348.2582 and 2025 build >= 26100.7171",      \
	  "For NVMe, update Windows Server 2022/2025 to a build that supports NVMe quiescing. "     \
	  "Otherwise move the disk to a SCSI controller, boot disk last: with Windows running, "   \
	  "add a SCSI controller (VMware Paravirtual or LSI Logic SAS) with a small new disk and "  \
	  "check that Windows loaded its driver - a boot disk moved before that stops at "         \
	  "INACCESSIBLE_BOOT_DEVICE; then shut down, set each disk's Virtual Device Node to SCSI " \
	  "in Edit Settings, power on and check every volume.")                                    \
	X(R11, SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL, "Windows Server 2008 and later",       \
	  "fewer free SCSI slots than virtual disks", NULL,                                        \
	  "Add a SCSI controller so there is a free SCSI slot for every virtual disk "             \
	  "(15 usable units per controller).")                                                     \
	X(R12, SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL,                                       \
	  "Windows Vista/2003 and later, guest probe", "dynamic disks in the guest", NULL,         \
	  "Convert the dynamic disks to basic disks. Warning: Windows' own conversion (Disk "       \
	  "Management or diskpart 'convert basic') needs the disk empty - it deletes every volume "\
	  "on it - so move or back up the data first and restore it afterwards (a dynamic system " \
	  "disk cannot be converted by Windows at all); or accept file-system quiescing for this " \
	  "VM.")                                                                                   \
	X(R13, SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL, "Windows Server 2016 and later, guest probe", \
	  "Storage Spaces in the guest", NULL,                                                     \
	  "Use file-system quiescing for this VM: choose it in the backup job's quiescing (or "    \
	  "'application-consistent' off) for this VM; application quiescing does not support "     \
	  "Storage Spaces.")                                                                       \
	X(R14, SEVERITY_WARN, LEVEL_NONE, FIX_MANUAL, "all VMs",                                   \
	  "an independent disk: it is in no snapshot", NULL,                                       \
	  "Change the disk mode to dependent if the disk must be protected by snapshots.")        \
	X(R15, SEVERITY_ERROR, LEVEL_FAIL, FIX_AUTO, "Windows Vista/2003 and later, guest probe",   \
	  "the Volume Shadow Copy service (VSS) is disabled", NULL,                                \
	  "Set the VSS service start type to Manual (sc config VSS start= demand); quiescent can " \
	  "do it through Guest Operations.")                                                       \
	X(R16, SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED, "Windows Vista/2003 and later, guest probe",  \
	  "a VSS writer is not stable, or its last error is Non-retryable or Timed out",           \
	  "a writer with only a Retryable (or other) last error: warn, no cap",                    \
	  "Restart the service that owns the writer, then re-check with vssadmin list writers.")   \
	X(R17, SEVERITY_ERROR, LEVEL_FAIL, FIX_MANUAL, "all VMs",                                  \
	  "32 snapshots (the maximum): a test snapshot is impossible",                             \
	  "more than 20 snapshots: warn (performance risk), no cap",                               \
	  "Consolidate the VM or delete old snapshots.")                                           \
	X(R18, SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED, "Windows Vista/2003 and later, guest probe", \
	  "tools.conf disables application quiescing or VSS",                                      \
	  "filesystem for vss.disableAppQuiescing = true (application-level guests only); "        \
	  "enableVSS = false: fail without a sync driver, else filesystem",                        \
	  "Edit C:\\ProgramData\\VMware\\VMware Tools\\tools.conf: in [vmbackup] remove "          \
	  "vss.disableAppQuiescing = true and enableVSS = false, then restart VMware Tools; "      \
	  "quiescent can do it through Guest Operations.")                                         \
	X(R19, SEVERITY_WARN, LEVEL_NONE, FIX_MANUAL, "all VMs",                                   \
	  "a guest volume has less than 10% or less than 1 GiB free", NULL,                        \
	  "Free space on the volume: shadow copies need room while the snapshot is taken.")        \
	X(R20, SEVERITY_INFO, LEVEL_NONE, FIX_NONE, "all VMs but templates",                       \
	  "the VM is powered off or suspended", NULL,                                              \
	  "Quiescing applies to running VMs; the guest facts shown are the last ones seen.")       \
	X(R21, SEVERITY_INFO, LEVEL_NONE, FIX_MANUAL, "Windows but templates",                     \
	  "guest facts unknown: no guest credentials, login refused, or Guest Operations unavailable", \
	  NULL,                                                                                    \
	  "Configure (or correct) guest credentials for this VM and make sure VMware Tools runs, " \
	  "so quiescent can probe the guest.")                                                     \
	X(R22, SEVERITY_WARN, LEVEL_NONE, FIX_NONE, "Windows",                                     \
	  "a VMware Tools upgrade task is running on this VM", NULL,                               \
	  "Wait for the upgrade task to finish, then scan again.")                                 \
	X(R23, SEVERITY_INFO, LEVEL_NONE, FIX_AUTO, "Windows",                                     \
	  "VMware Tools older than 10.1.0: no CreateSnapshotEx_Task, tests use CreateSnapshot_Task " \
	  "(VSS_BT_COPY only)", NULL,                                                              \
	  "Upgrade VMware Tools to 10.1.0 or later (UpgradeTools_Task); quiescent can do it after " \
	  "confirmation.")                                                                         \
	X(R24, SEVERITY_WARN, LEVEL_FILESYSTEM, FIX_GUIDED, "Windows, powered on or suspended",     \
	  "a change quiescent made needs a guest restart that has not happened yet (Tools modify " \
	  "exit 3010 or REBOOT=R; bootTime older than the change)", NULL,                          \
	  "Restart the guest at a planned time (a restart from Windows is enough); the finding "   \
	  "goes once runtime.bootTime is later than the change.")                                  \
	X(R25, SEVERITY_ERROR, LEVEL_FAIL, FIX_GUIDED, "Windows but templates, history",           \
	  "the last test snapshot failed, or achieved less than the level predicted now",          \
	  "the level the test achieved (fail if it failed); none once a fix of the VM ended after " \
	  "the test",                                                                              \
	  "Read the failing writer's finding or the test's fault, fix it, then test again "        \
	  "(quiescent snaptest VM).")                                                \
	X(R26, SEVERITY_ERROR, LEVEL_FAIL, FIX_AUTO, "all VMs but templates",                      \
	  "an interrupted quiescent run left this VM powered off, or left a quiescent test "       \
	  "snapshot on it",                                                                        \
	  "fail for a left test snapshot; none for a VM left powered off",                         \
	  "Run quiescent recover: it powers back on the VMs quiescent took down and removes its "  \
	  "test snapshots, naming each VM (quiescent fix --recover and quiescent snaptest "        \
	  "--cleanup-orphans do each half).")

typedef enum {
#define RULES_ENUM(id, ...) RULE_##id,
	RULES_LIST(RULES_ENUM)
#undef RULES_ENUM
	RULE_COUNT
} rule_id;

typedef struct {
	const char *id;           /* "R07" */
	severity sev;
	quiesce_level cap;        /* LEVEL_NONE: no cap */
	fix_kind fix;
	const char *scope;        /* which VMs it is evaluated for */
	const char *title;        /* the condition, one line */
	const char *cap_note;     /* NULL, or how severity/cap vary with the facts */
	const char *remediation;  /* what to do */
} rule_info;

/* The rule table, in id order; *n gets RULE_COUNT. Static storage, never freed. */
const rule_info *rules_table(size_t *n);
/* The rule with this id ("R07"), NULL when there is none. */
const rule_info *rules_find(const char *id);
/* Findings keep the contract's string ("R07", as stored and printed); code that decides by
 * rule converts it once and compares the enum, so a misspelt id does not compile. RULE_COUNT
 * when the string names no rule (a row a newer version wrote, say). */
rule_id rules_id_of(const char *id);
/* The contract string of an id ("R07"); "" for RULE_COUNT or anything out of range. */
const char *rules_id_name(rule_id id);
/* Whether a finding is of rule id; whether a verdict has a finding of it. */
bool rules_finding_is(const finding *f, rule_id id);
bool rules_verdict_has(const verdict *v, rule_id id);

/* OS family: from guest.guestId, else config.guestId, else the full name (guest, then config);
 * Windows Server 2008/2012/2016+ refined by guest_build and guest.guestFullName. */
os_family rules_os_family(const vm_facts *f);
/* Best level per the VDDK table: application, filesystem or crash. */
quiesce_level rules_best_level(os_family fam);
bool rules_is_windows(os_family fam);
/* Quiesced through the VMware VSS component: Vista and later desktops, 2003 and later servers. */
bool rules_is_vss_family(os_family fam);

/* R25's condition: the VM's last test snapshot failed or achieved less than predicted, and
 * no fix of the VM ended after that test. */
bool rules_test_fell_short(const vm_facts *f, quiesce_level predicted);

/* The level the VM's facts allow: the predicted level without R25's cap. What a new test
 * snapshot is expected to show (a test must not be judged by the failure of the one before). */
quiesce_level rules_predicted_by_facts(const verdict *v);

/* Evaluates every rule. `out` must have been initialised (model_verdict_init); its previous
 * contents are released first. Findings are sorted: severity (error first), then rule id.
 * `now` only ages history in messages (R21), so equal inputs give equal verdicts. */
void rules_evaluate(const vm_facts *f, time_t now, verdict *out);

#endif
