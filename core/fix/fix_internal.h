/* fix_internal: what the executor and recovery share; not for callers outside core/fix. */
#ifndef QUIESCENT_FIX_INTERNAL_H
#define QUIESCENT_FIX_INTERNAL_H

#include "fix/fix_exec.h"
#include "vsphere/task.h"

#include <stdatomic.h>

/* The journal of a run: once a write to it fails, the run stops as if Ctrl-C had been pressed
 * twice (no new VM, no more fix steps, restore steps still run), because a change that is
 * not in the journal cannot be recovered. Shared by the workers; the first failure is kept. */
typedef struct {
	atomic_int lost;
	char why[300];
} fix_journal;

/* One worker's world: its connection, its history connection, the options. */
typedef struct {
	fix_journal *journal;       /* may be NULL (recovery) */
	vs_conn *c;
	store *db;
	const fix_exec_opts *o;
	int64_t step_id;            /* the step being run, for task records */
	const char *vm_moref;
	/* progress relay for task waits */
	void (*on_progress)(void *pctx, const vs_task_result *r);
	void *pctx;
} fix_ctx;

/* Checks a journal write's result (rc < 0: why says what failed): a failure stops the run
 * (see fix_journal). Returns rc. */
int fix_journal_check(fix_ctx *x, int rc, const char *why);

/* Re-reads a VM's facts through inventory's one mapping (inventory_apply_change): every
 * inventory property (all) or only power and Tools state. f is initialised here. */
int fix_read_facts(fix_ctx *x, const char *moref, bool all, vm_facts *f, vs_error *err);

/* Polls until the VM's power state is `want` (0), timeout (-1, TIMEOUT), or a stop at level
 * >= stop_level (-1, CANCELLED; 0 never). *now gets the last state seen. */
int fix_wait_power(fix_ctx *x, const char *moref, power_state want, int timeout_s,
		   int stop_level, power_state *now, vs_error *err);
/* Polls until Tools run. */
int fix_wait_tools(fix_ctx *x, const char *moref, int timeout_s, vs_error *err);
/* Waits for a task, recording it in history (tasks table) at start and end. */
int fix_wait_task(fix_ctx *x, const char *task, const char *kind, int timeout_s,
		  vs_task_result *out, vs_error *err);
/* Power on and wait for the task (InvalidPowerState because it is already on counts as done). */
int fix_power_on(fix_ctx *x, const char *moref, char *task, size_t n, vs_error *err);

/* Verification: facts re-read (re-probe when asked and possible, else the last probe from
 * history), rules evaluated now. f and v are initialised here; the caller frees them. */
int fix_verify_vm(fix_ctx *x, const char *moref, bool reprobe, vm_facts *f, verdict *v,
		  vs_error *err);

/* A failure that may pass (vs_error_transient) is waited out: sleeps with backoff and returns
 * true while the grace (opts->network_grace_s) since *lost_since (0: now starts it) lasts. */
bool fix_wait_out_network(const fix_ctx *x, const vs_error *err, time_t *lost_since, int *round);

/* Milliseconds between polls: short first, backing off to 1 s. */
int fix_poll_ms(int round);
void fix_sleep_ms(int ms);

#endif
