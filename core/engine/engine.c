/* engine: the history, the connection and the options every VM-changing run shares, handed to
 * the fix, the recovery and the test alike (see engine.h). */
#include "engine/engine.h"

#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct engine {
	engine_opts o;
	store *db;
	vs_session *session;
	const char *vcenter;
	int64_t connection_id;   /* 0 until attached */
	int64_t scan_id;
};

engine *engine_open(const engine_opts *o, char *msg, size_t n)
{
	store *db = store_open(o->db_path, msg, n);
	if (!db)
		return NULL;
	engine *e = xcalloc(1, sizeof *e);
	e->o = *o;
	e->o.db_path = store_path(db);   /* the caller's string may be a buffer of its own */
	e->db = db;
	return e;
}

int engine_attach(engine *e, vs_session *s, const char *vcenter, char *msg, size_t n)
{
	store_connection_info ci = { .server = vcenter, .user = vs_session_user(s),
				     .api_version = vs_session_api_version(s),
				     .thumbprint = vs_session_thumbprint(s), .at = time(NULL) };
	int64_t id = store_connection_begin(e->db, &ci, msg, n);
	if (id < 0)
		return -1;
	e->session = s;
	e->vcenter = vcenter;
	e->connection_id = id;
	return 0;
}

void engine_set_scan(engine *e, int64_t scan_id)
{
	e->scan_id = scan_id;
}

void engine_close(engine *e)
{
	if (!e)
		return;
	if (e->connection_id > 0)
		store_connection_end(e->db, e->connection_id, time(NULL), NULL, 0);
	store_close(e->db);
	free(e);
}

store *engine_store(engine *e)
{
	return e->db;
}

int64_t engine_connection(const engine *e)
{
	return e->connection_id;
}

/* The engine's fields over the caller's: one place decides what a run records. */
static void own_fix_fields(const engine *e, fix_exec_opts *eo)
{
	eo->db_path = store_path(e->db);
	eo->vcenter = e->vcenter;
	eo->connection_id = e->connection_id;
	eo->scan_id = e->scan_id;
	eo->guest_user = e->o.guest_user;
	eo->guest_password = e->o.guest_password;
	eo->stop = e->o.stop;
	eo->network_grace_s = e->o.network_grace_s;
	eo->task_timeout_s = e->o.task_timeout_s;
}

fix_exec_opts engine_fix_opts(const engine *e)
{
	fix_exec_opts eo = { 0 };
	own_fix_fields(e, &eo);
	return eo;
}

int engine_fix(engine *e, const fix_plan *plan, const fix_exec_opts *eo, fix_summary *out,
	       char *msg, size_t n)
{
	fix_exec_opts o = *eo;
	own_fix_fields(e, &o);
	return fix_execute(e->session, plan, &o, out, msg, n);
}

int engine_recover_find(engine *e, int64_t *ids, size_t max, char *msg, size_t n)
{
	return fix_recover_find(e->db, e->vcenter, ids, max, msg, n);
}

int engine_recover(engine *e, const fix_exec_opts *eo, const int64_t *ids, size_t n,
		   fix_recover_report_fn report, void *ctx)
{
	fix_exec_opts o = *eo;
	own_fix_fields(e, &o);
	return fix_recover_all(e->session, e->db, &o, ids, n, report, ctx);
}

static void own_snaptest_fields(const engine *e, snaptest_env *env)
{
	env->session = e->session;
	env->vcenter = e->vcenter;
	env->db_path = store_path(e->db);
	env->connection_id = e->connection_id;
	env->guest_user = e->o.guest_user;
	env->guest_password = e->o.guest_password;
	env->cancel = e->o.stop;
	env->network_grace_s = e->o.network_grace_s;
	env->task_timeout_s = e->o.task_timeout_s;
}

snaptest_env engine_snaptest_env(const engine *e)
{
	snaptest_env env = { 0 };
	own_snaptest_fields(e, &env);
	return env;
}

void engine_snaptest(engine *e, const snaptest_env *env, const vm_facts *const *f,
		     const verdict *const *v, size_t n, const snaptest_spec *spec, int parallel,
		     snaptest_outcome *outs)
{
	snaptest_env x = *env;
	own_snaptest_fields(e, &x);
	snaptest_run_many(&x, f, v, n, spec, parallel, outs);
}

int engine_cleanup_orphan(engine *e, vs_conn *c, const store_snaptest_ref *ref, bool remove,
			  bool *found, char *msg, size_t n)
{
	return snaptest_orphan_cleanup_bounded(c, e->db, ref, remove, e->o.network_grace_s,
					       e->o.task_timeout_s, found, msg, n);
}

int engine_settle(engine *e, char *msg, size_t n)
{
	if (!e->session) {
		snprintf(msg, n, "the tasks left running were not settled: no vCenter session yet");
		return -1;
	}
	return engine_settle_tasks(e->session, e->db, e->vcenter, msg, n);
}
