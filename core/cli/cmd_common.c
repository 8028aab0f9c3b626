#include "cli/cmd_common.h"
#include "engine/engine.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

cmd_arg cmd_shared_arg(const char *cmd, conn_opts *conn, int argc, char **argv, int *i,
		       void (*usage)(FILE *out))
{
	const char *a = argv[*i];
	if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		usage(stdout);
		return CMD_ARG_HELP;
	}
	if (!conn)
		return CMD_ARG_OTHER;
	char msg[256];
	int r = conn_opts_parse_arg(conn, argc, argv, i, msg, sizeof msg);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", cmd, msg);
		return CMD_ARG_ERROR;
	}
	return r > 0 ? CMD_ARG_TAKEN : CMD_ARG_OTHER;
}

const char *cmd_option_value(const char *cmd, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: %s needs a value\n", cmd, argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static store *open_history(const char *cmd, const char *db_opt, bool read_only)
{
	char pathbuf[4096], msg[1024];
	const char *path = db_opt ? db_opt : store_default_path(pathbuf, sizeof pathbuf);
	if (!path) {
		fprintf(stderr, "%s: no place for the history: set --db, QUIESCENT_DB or HOME\n", cmd);
		return NULL;
	}
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

bool cmd_parse_age(const char *s, long *seconds)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return false;
	long unit = 1;
	if (*end == 'd')
		unit = 86400;
	else if (*end == 'h')
		unit = 3600;
	else if (*end == 'm')
		unit = 60;
	else if (*end == 's' || *end == '\0')
		unit = 1;
	else
		return false;
	if (*end && end[1])
		return false;
	if (v > LONG_MAX / unit)
		return false;
	*seconds = v * unit;
	return true;
}

const char *cmd_format_age(long seconds)
{
	static char buf[48];
	if (seconds >= 2 * 86400 && seconds % 86400 != 0)
		snprintf(buf, sizeof buf, "%ld days", seconds / 86400);   /* an age, not a limit */
	else if (seconds >= 2 * 3600 && seconds % 3600 != 0 && seconds < 2 * 86400)
		snprintf(buf, sizeof buf, "%ld h", seconds / 3600);
	else if (seconds % 86400 == 0)
		snprintf(buf, sizeof buf, "%ld day%s", seconds / 86400, seconds == 86400 ? "" : "s");
	else if (seconds % 3600 == 0)
		snprintf(buf, sizeof buf, "%ld h", seconds / 3600);
	else if (seconds % 60 == 0)
		snprintf(buf, sizeof buf, "%ld min", seconds / 60);
	else
		snprintf(buf, sizeof buf, "%ld s", seconds);
	return buf;
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

engine *cmd_open_engine(const char *cmd, const char *db_opt, engine_opts *o)
{
	char pathbuf[4096], msg[1024];
	const char *path = db_opt ? db_opt : store_default_path(pathbuf, sizeof pathbuf);
	if (!path) {
		fprintf(stderr, "%s: no place for the history: set --db, QUIESCENT_DB or HOME\n", cmd);
		return NULL;
	}
	o->db_path = path;
	engine *e = engine_open(o, msg, sizeof msg);
	o->db_path = NULL;   /* pathbuf ends here; the engine keeps its own */
	if (!e)
		fprintf(stderr, "%s: %s\n", cmd, msg);
	return e;
}
