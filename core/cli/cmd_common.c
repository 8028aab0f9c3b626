#include "cli/cmd_common.h"
#include "cli/stop.h"
#include "frontend/exit_codes.h"
#include "engine/engine.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* --db, else the default place; NULL after one sentence when there is none. */
static const char *history_path(const char *cmd, const char *db_opt, char *buf, size_t n)
{
	const char *path = db_opt ? db_opt : store_default_path(buf, n);
	if (!path)
		fprintf(stderr, "%s: no place for the history: set --db, QUIESCENT_DB or HOME\n", cmd);
	return path;
}

static store *open_history(const char *cmd, const char *db_opt, bool read_only)
{
	char pathbuf[4096], msg[1024];
	const char *path = history_path(cmd, db_opt, pathbuf, sizeof pathbuf);
	if (!path)
		return NULL;
	store *db = read_only ? store_open_read(path, msg, sizeof msg)
			      : store_open(path, msg, sizeof msg);
	if (!db)
		fprintf(stderr, "%s: %s\n", cmd, msg);
	return db;
}

store *cmd_open_history(const char *cmd, const char *db_opt)
{
	return open_history(cmd, db_opt, false);
}

store *cmd_open_history_read(const char *cmd, const char *db_opt)
{
	return open_history(cmd, db_opt, true);
}

void cmd_strings_add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

void cmd_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char *cmd_glob_escape(const char *name)
{
	strbuf sb;
	strbuf_init(&sb);
	for (; *name; name++) {
		if (strchr("*?[]\\", *name))
			strbuf_addc(&sb, '\\');
		strbuf_addc(&sb, *name);
	}
	return strbuf_detach(&sb, NULL);
}

void cmd_settle_tasks(const char *cmd, engine *e)
{
	char msg[1024];
	int k = engine_settle(e, msg, sizeof msg);
	if (k < 0)
		fprintf(stderr, "%s: warning: %s; the next run tries again\n", cmd, msg);
	else if (k > 0)
		fprintf(stderr, "%s: %d task%s that an earlier run left running: recorded as "
			"vCenter says %s ended\n", cmd, k, k == 1 ? "" : "s", k == 1 ? "it" : "they");
}

/* The engine over the history at db_opt (--db) or the default path; o->db_path is set here.
 * NULL after one sentence on stderr. */
static engine *open_engine(const char *cmd, const char *db_opt, engine_opts *o)
{
	char pathbuf[4096], msg[1024];
	const char *path = history_path(cmd, db_opt, pathbuf, sizeof pathbuf);
	if (!path)
		return NULL;
	o->db_path = path;
	engine *e = engine_open(o, msg, sizeof msg);
	o->db_path = NULL;   /* pathbuf ends here; the engine keeps its own */
	if (!e)
		fprintf(stderr, "%s: %s\n", cmd, msg);
	return e;
}

engine *cmd_start_engine(const char *cmd, conn_opts *conn, bool need_guest, const char *db_opt,
			 int network_grace_s, int task_timeout_s, int *exit_code)
{
	char msg[512];
	if (conn_opts_complete(conn, need_guest, msg, sizeof msg) < 0) {
		fprintf(stderr, "%s: %s\n", cmd, msg);
		*exit_code = CLI_EXIT_USAGE;
		return NULL;
	}
	engine_opts eopts = { .guest_user = conn->guest_user,
			      .guest_password = conn->guest_password, .stop = cli_stop_level(),
			      .network_grace_s = network_grace_s, .task_timeout_s = task_timeout_s };
	engine *e = open_engine(cmd, db_opt, &eopts);
	*exit_code = e ? CLI_EXIT_OK : CLI_EXIT_HISTORY;
	return e;
}

int cmd_exit_busy(int rc, bool busy)
{
	if (busy && (rc == CLI_EXIT_OK || rc == CLI_EXIT_NOT_READY || rc == CLI_EXIT_NOT_PROVEN))
		return CLI_EXIT_BUSY;
	return rc;
}
