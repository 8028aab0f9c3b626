/* Names for shell completion: the VMs of the latest scan of every vCenter in the history. */
#include "store/store_internal.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char sql_last_scan_names[] =
	"SELECT DISTINCT v.name FROM scan_vms m JOIN vm_states v ON v.id = m.state_id"
	" WHERE m.scan_id IN (SELECT max(s.id) FROM scans s"
	"                     JOIN connections c ON c.id = s.connection_id"
	"                     WHERE s.finished_at IS NOT NULL"
	"                     GROUP BY lower(c.server))"
	" ORDER BY v.name";

int store_last_scan_vm_names(store *s, const char *prefix, char ***out, size_t *n,
			     char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql_last_scan_names, err, errlen);
	if (!st)
		return -1;
	size_t plen = prefix ? strlen(prefix) : 0;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!name || (plen && strncmp(name, prefix, plen)))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = xstrdup(name);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_names_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_fail(s, err, errlen, "cannot read the VM names of the last scan");
	}
	return 0;
}

void store_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
