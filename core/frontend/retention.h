/* retention: the history's retention default, from the config file
 * $XDG_CONFIG_HOME/quiescent/retention (~/.config/quiescent/retention): a daily scan from cron
 * then keeps the history bounded by itself, and `history --keep DAYS` takes its proof days
 * from it. The file, one setting a line, '#' comments:
 *   keep 180          scans (and the rest of the history) older than 180 days go
 *   keep-proof 730    fixes and test snapshots are kept 730 days (default: the longer of
 *                     keep and 365: the proof outlives the scans) */
#ifndef QUIESCENT_FRONTEND_RETENTION_H
#define QUIESCENT_FRONTEND_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "store/store.h"

/* The proof (fix plans, test snapshots) is kept at least this long unless told otherwise. */
#define RETENTION_PROOF_DAYS_MIN 365
#define RETENTION_DAYS_MAX 36500

typedef struct {
	long keep_days;        /* 0: no default retention */
	long keep_proof_days;  /* 0: not set (the longer of keep_days and 365) */
	char *path;            /* the file it came from (NULL: none) */
} retention_conf;

/* The file's path: $XDG_CONFIG_HOME/quiescent/retention, else ~/.config/...; NULL when
 * neither variable is set. malloc'ed. */
char *retention_default_path(void);

/* Reads path (NULL: retention_default_path()). A missing file is no retention (0). A bad
 * line: -1 and one sentence naming the file and the line. */
int retention_load(const char *path, retention_conf *out, char *err, size_t errlen);
void retention_done(retention_conf *c);

/* The proof's days for keep_days: the file's keep-proof if set, else the longer of
 * keep_days and RETENTION_PROOF_DAYS_MIN. */
long retention_proof_days(const retention_conf *c, long keep_days);

/* After a scan was stored: deletes what the file's keep and keep-proof put out of the
 * history (no VACUUM: the next scans reuse the freed pages; `history --keep` compacts).
 * 0 with nothing to do or done, -1 with err. */
int retention_apply(store *db, const retention_conf *c, time_t now, char *err, size_t errlen);

#endif
