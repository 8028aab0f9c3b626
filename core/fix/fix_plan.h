/* fix_plan: the remediation planner. Findings in, per-VM ordered steps out: what quiescent
 * will do, in which order, the expected downtime, and what it will not fix (with the exact
 * instructions a person needs). Pure: no I/O, no clock, safe from any thread, so every fix
 * kind is unit-tested without a network (tests/unit/test_fix_plan.c).
 *
 * Order of the steps of one VM (each one only when a finding asks for it):
 *   guest commands (R15) -> Tools upgrade/modify (R03, R23, R04-R06) -> wait for Tools ->
 *   shut down (R07, R08) -> set disk.EnableUUID (R07) -> power on -> wait for Tools -> verify.
 * Guest and Tools work comes first because it needs the VM running; the power cycle last
 * also completes whatever the Tools installer left for the next boot (REBOOT=R). */
#ifndef QUIESCENT_FIX_PLAN_H
#define QUIESCENT_FIX_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/* Step kinds; fix_step_kind_name gives the journal's kind ("set_enable_uuid" is the one
 * R08 history looks for: STORE_STEP_SET_ENABLE_UUID). */
typedef enum {
	FIX_STEP_GUEST_COMMAND,     /* a command through Guest Operations (sc config VSS ...) */
	FIX_STEP_UPGRADE_TOOLS,     /* UpgradeTools_Task, installer_options may modify features */
	FIX_STEP_MOUNT_INSTALLER,   /* MountToolsInstaller */
	FIX_STEP_GUEST_SETUP,       /* Tools setup in modify mode, through Guest Operations */
	FIX_STEP_UNMOUNT_INSTALLER, /* UnmountToolsInstaller (also run after a failed setup) */
	FIX_STEP_WAIT_TOOLS,        /* guest.toolsRunningStatus is guestToolsRunning */
	FIX_STEP_SHUTDOWN_GUEST,    /* ShutdownGuest, wait for poweredOff (fallback: power off) */
	FIX_STEP_POWER_OFF,         /* PowerOffVM_Task (hard) */
	FIX_STEP_SET_ENABLE_UUID,   /* ReconfigVM_Task extraConfig disk.EnableUUID = TRUE */
	FIX_STEP_POWER_ON,          /* PowerOnVM_Task: restores a VM that was on */
	FIX_STEP_VERIFY,            /* re-read the facts (and re-probe), rules say the finding is gone */
	FIX_STEP_COUNT
} fix_step_kind;

const char *fix_step_kind_name(fix_step_kind k);   /* "shutdown_guest", "set_enable_uuid", ... */
/* Whether the step is one that brings the VM down (restore power whatever happens next). */
bool fix_step_powers_off(fix_step_kind k);

/* How R04/R05/R06 (Tools features) are fixed. */
typedef enum {
	FIX_TOOLS_UPGRADE,   /* automatic: UpgradeTools_Task with installerOptions (default) */
	FIX_TOOLS_GUEST,     /* mount the installer, run setup in modify mode via Guest Operations */
	FIX_TOOLS_BY_HAND,   /* list the interactive steps; nothing attempted */
} fix_tools_method;

const char *fix_tools_method_name(fix_tools_method m);       /* "upgrade", "guest", "by-hand" */
bool fix_tools_method_parse(const char *s, fix_tools_method *out);

/* Typical durations for the downtime estimate (seconds). */
typedef struct {
	int guest_shutdown;
	int power_off;
	int reconfig;
	int power_on;
	int tools_start;
	int tools_upgrade;
} fix_timing;

/* vCenter-like defaults (shutdown 60 s, power on 10 s, Tools start 60 s, upgrade 180 s ...). */
fix_timing fix_timing_default(void);

typedef struct {
	const char *const *rules;   /* only findings of these rule ids ("R07"); none: all */
	size_t n_rules;
	bool hard_power_off;        /* allow PowerOffVM_Task (Tools down, or shutdown timeout) */
	int shutdown_timeout_s;     /* how long a guest shutdown may take (<= 0: 300) */
	fix_tools_method tools_method;
	bool have_guest_creds;      /* guest steps (R15, setup, re-probe) need a guest login */
	fix_timing timing;          /* all 0: fix_timing_default() */
} fix_plan_opts;

typedef struct {
	fix_step_kind kind;
	char rule[4];               /* the finding it serves, "" for restore/verify steps */
	char *description;          /* one sentence for the plan view */
	char *arg;                  /* kind-specific: command, installer options; may be NULL */
	char *service;              /* a guest command that restarts this service (R16): run only
				     * when the service is not disabled, or it would stay down */
	bool restore;               /* a restore step: runs even after a failure or Ctrl-C */
	int expected_s;             /* typical duration */
} fix_step;

/* A finding that the plan does not fix (manual, not selected, not possible now). */
typedef struct {
	char rule[4];
	fix_kind fix;
	char *reason;               /* why it is not fixed: "manual fix", "the VM is powered off" */
	char *instructions;         /* exactly what a person must do on this VM */
} fix_unfixed;

typedef struct {
	char *moref;
	char *name;
	power_state original_power;
	fix_step *steps;
	size_t n_steps;
	fix_unfixed *unfixed;
	size_t n_unfixed;
	int downtime_s;             /* expected guest downtime (0: no outage) */
	int service_outage_s;       /* expected outage of the guest services it restarts (R16) */
	int duration_s;             /* expected time of all steps */
	bool reprobe;               /* verification must re-probe the guest */
} fix_vm_plan;

typedef struct {
	fix_vm_plan *vms;           /* VMs with at least one step or unfixed finding, input order */
	size_t n_vms;
	fix_plan_opts opts;         /* as used; opts.rules is not kept (NULL) */
} fix_plan;

void fix_plan_init(fix_plan *p);
void fix_plan_done(fix_plan *p);

/* Plans the fixes of n VMs (facts and verdicts parallel, as scan_run gives them). Never fails:
 * what cannot be done is an unfixed entry with its reason. */
void fix_plan_build(const vm_facts *facts, const verdict *verdicts, size_t n,
		    const fix_plan_opts *opts, fix_plan *out);

/* Whether a rule id was asked for (always true without a filter). */
bool fix_plan_rule_selected(const fix_plan_opts *opts, const char *rule);

/* The installerOptions for a Tools modify: `/S /v"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync"`
 * (malloc'ed; add/remove may be NULL). */
char *fix_installer_options(const char *add, const char *remove);

/* Whether installer options remove the legacy sync driver (REMOVE=Sync or REMOVE=ALL, any
 * case): a loaded kernel driver stays until the next boot, and REBOOT=R held that boot back,
 * so the step leaves a guest restart pending (R24). */
bool fix_installer_removes_driver(const char *opts);

/* Totals of a plan. */
size_t fix_plan_step_count(const fix_plan *p);
size_t fix_plan_vms_with_steps(const fix_plan *p);

#endif
