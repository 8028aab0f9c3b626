#include "cli/cmd_common.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

store *cmd_open_history(const char *cmd, const char *db_opt)
{
	char pathbuf[4096], msg[1024];
	const char *path = db_opt ? db_opt : store_default_path(pathbuf, sizeof pathbuf);
	if (!path) {
		fprintf(stderr, "%s: no place for the history: set --db, QUIESCENT_DB or HOME\n", cmd);
		return NULL;
	}
	store *db = store_open(path, msg, sizeof msg);
	if (!db)
		fprintf(stderr, "%s: %s\n", cmd, msg);
	return db;
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
