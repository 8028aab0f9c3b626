/* engine: the one object through which both front ends (the CLI's fix, snaptest and recover,
 * and the console's jobs) change VMs. It holds what every such run shares and must record the
 * same way whoever starts it: the history (the journal; a run that cannot record does not
 * start), the session's connection row, the scan the work was planned from, the guest login,
 * the stop flag and the network and task bounds. fix_execute, fix_recover_all and
 * snaptest_run_many get their options from it, so a fix from the console stores its scan id as
 * one from the CLI does, and a next run first settles what earlier runs left in the journal.
 *
 * One engine per run (per job in the console); not shared between threads (the fix and the
 * test open their own history connections per worker). engine_fix, engine_recover*,
 * engine_snaptest and engine_settle need engine_attach first; engine_cleanup_orphan does not. */
#ifndef QUIESCENT_ENGINE_H
#define QUIESCENT_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fix/fix_exec.h"
#include "snaptest/snaptest.h"
#include "store/store.h"
#include "vsphere/session.h"

typedef struct {
	const char *db_path;          /* the history (required) */
	const char *guest_user;       /* guest login for guest steps and re-probes; NULL: none */
	const char *guest_password;
	atomic_int *stop;             /* may be NULL: the caller's stop (Ctrl-C, a job's cancel) */
	int network_grace_s;          /* <= 0: each engine part's default */
	int task_timeout_s;           /* <= 0: each engine part's default */
} engine_opts;

typedef struct engine engine;

/* Opens the history (before vCenter is touched: without its journal nothing starts). The
 * strings of o but db_path must outlive the engine. NULL with msg: the history cannot be
 * opened. */
engine *engine_open(const engine_opts *o, char *msg, size_t n);
/* Records the session as a connection of vcenter (the history key, scan_server_key). 0, or -1
 * with msg (the history cannot record it). s and vcenter must outlive the engine. */
int engine_attach(engine *e, vs_session *s, const char *vcenter, char *msg, size_t n);
/* The scan the coming fixes were planned from (0: none). */
void engine_set_scan(engine *e, int64_t scan_id);
/* Ends the connection row and closes the history. NULL is fine. */
void engine_close(engine *e);

store *engine_store(engine *e);
int64_t engine_connection(const engine *e);

/* The fix options the engine owns (history, vCenter, connection, scan, guest login, stop,
 * bounds); the caller adds its own (concurrency, events, Tools timeout). */
fix_exec_opts engine_fix_opts(const engine *e);
/* fix_execute with eo's engine-owned fields taken from the engine. */
int engine_fix(engine *e, const fix_plan *plan, const fix_exec_opts *eo, fix_summary *out,
	       char *msg, size_t n);
/* Plans of this vCenter a stopped or killed run left to recover (fix_recover_find). */
int engine_recover_find(engine *e, int64_t *ids, size_t max, char *msg, size_t n);
/* fix_recover_all with eo's engine-owned fields taken from the engine. */
int engine_recover(engine *e, const fix_exec_opts *eo, const int64_t *ids, size_t n,
		   fix_recover_report_fn report, void *ctx);

/* The test environment the engine owns; the caller adds its events. */
snaptest_env engine_snaptest_env(const engine *e);
/* snaptest_run_many with env's engine-owned fields taken from the engine. */
void engine_snaptest(engine *e, const snaptest_env *env, const vm_facts *const *f,
		     const verdict *const *v, size_t n, const snaptest_spec *spec, int parallel,
		     snaptest_outcome *outs);
/* One leftover test snapshot of an interrupted test (snaptest_orphan_cleanup_bounded with the
 * engine's bounds). */
int engine_cleanup_orphan(engine *e, vs_conn *c, const store_snaptest_ref *ref, bool remove,
			  bool *found, char *msg, size_t n);

/* Tasks of vcenter the journal says are queued or running although nobody follows them (the
 * run that started them ended or died): each is read from vCenter and recorded as it ended,
 * or as an error "vCenter no longer knows this task" when vCenter forgot it; tasks still
 * running in vCenter, and those a live process follows, are left alone. Returns how many were
 * settled, or -1 with msg (vCenter or the history failed; the next run tries again). */
int engine_settle_tasks(vs_session *s, store *db, const char *vcenter, char *msg, size_t n);
/* The same for the engine's session and vCenter. */
int engine_settle(engine *e, char *msg, size_t n);

#endif
