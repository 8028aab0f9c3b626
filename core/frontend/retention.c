/* The retention default from the config file (see retention.h). */
#include "frontend/retention.h"
#include "util/config_path.h"
#include "util/errbuf.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *retention_default_path(void)
{
	return config_path("retention");
}

/* "  keep 180  # comment" -> key "keep", days 180; false when the line is not key + days */
static bool parse_line(char *line, const char **key, long *days)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *save = NULL;
	*key = strtok_r(line, " \t\r\n", &save);
	if (!*key)
		return true;   /* blank or comment only */
	char *value = strtok_r(NULL, " \t\r\n", &save);
	if (!value || strtok_r(NULL, " \t\r\n", &save))
		return false;
	char *end;
	errno = 0;
	*days = strtol(value, &end, 10);
	return !errno && *end == '\0' && *days >= 1 && *days <= RETENTION_DAYS_MAX;
}

int retention_load(const char *path, retention_conf *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char *own = path ? NULL : retention_default_path();
	if (!path)
		path = own;
	if (!path)
		return 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno, rc = 0;
		if (e != ENOENT && e != ENOTDIR)   /* no file: no settings */
			rc = errbuf_set(err, errlen, "cannot read the retention settings %s: %s", path,
					strerror(e));
		free(own);   /* path may be own: freed only after the sentence names it */
		return rc;
	}
	char line[256];
	int n = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		const char *key;
		long days = 0;
		bool whole = strchr(line, '\n') || feof(f);
		if (!whole || !parse_line(line, &key, &days) ||
		    (key && strcmp(key, "keep") && strcmp(key, "keep-proof"))) {
			rc = errbuf_set(err, errlen, "the retention settings %s, line %d: expected "
					"'keep DAYS' or 'keep-proof DAYS' (1 to %d days)", path, n,
					RETENTION_DAYS_MAX);
			break;
		}
		if (key && !strcmp(key, "keep"))
			out->keep_days = days;
		else if (key)
			out->keep_proof_days = days;
	}
	if (!rc && ferror(f))
		rc = errbuf_set(err, errlen, "cannot read the retention settings %s", path);
	fclose(f);
	if (!rc && out->keep_proof_days && !out->keep_days)
		rc = errbuf_set(err, errlen, "the retention settings %s give keep-proof without keep "
				"DAYS", path);
	if (rc) {
		free(own);
		memset(out, 0, sizeof *out);
		return -1;
	}
	out->path = own ? own : xstrdup(path);
	return 0;
}

void retention_done(retention_conf *c)
{
	free(c->path);
	memset(c, 0, sizeof *c);
}

long retention_proof_days(const retention_conf *c, long keep_days)
{
	if (c && c->keep_proof_days)
		return c->keep_proof_days;
	return keep_days > RETENTION_PROOF_DAYS_MIN ? keep_days : RETENTION_PROOF_DAYS_MIN;
}

int retention_apply(store *db, const retention_conf *c, time_t now, char *err, size_t errlen)
{
	if (!c || c->keep_days <= 0)
		return 0;
	time_t cutoff = now - (time_t)c->keep_days * 86400;
	time_t proof_cutoff = now - (time_t)retention_proof_days(c, c->keep_days) * 86400;
	char msg[512] = "";
	if (store_history_prune(db, cutoff, proof_cutoff, NULL, msg, sizeof msg) != 0)
		return errbuf_set(err, errlen, "the retention of %s (keep %ld days) failed: %s",
				  c->path, c->keep_days, msg);
	return 0;
}
