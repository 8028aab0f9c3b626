/* store_internal: what the store_*.c files share; not for callers outside core/store
 * (tests may include it to drive migrations). */
#ifndef QUIESCENT_STORE_INTERNAL_H
#define QUIESCENT_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"
#include "util/errbuf.h"

typedef struct {
	const char *sql;        /* identity: the address of a static string */
	sqlite3_stmt *stmt;
} store_cached_stmt;

struct store {
	sqlite3 *db;
	char *path;
	int version;
	bool in_tx;
	bool read_only;         /* opened as it is on read-only media: no writes, no stamp */
	int64_t scan_id;        /* the scan whose transaction is open, 0 none */
	char *scan_vcenter;     /* that scan's vCenter (connections.server), NULL none */
	store_cached_stmt *stmts;
	size_t n_stmts, cap_stmts;
};

/* The migration steps: migration i brings user_version i to i + 1. */
extern const char *const store_migrations[];
extern const size_t store_n_migrations;

/* store_open with another list of migrations (tests simulate newer schemas). */
store *store_open_with(const char *path, const char *const *migrations, size_t n,
		       char *err, size_t errlen);

/* The cached prepared statement for sql (a static string: cached by address), reset and
 * with bindings cleared. NULL with err filled on error. */
sqlite3_stmt *store_stmt(store *s, const char *sql, char *err, size_t errlen);
/* Fills err with what, the SQLite message and the path; returns -1. */
int store_fail(store *s, char *err, size_t errlen, const char *what);
/* Steps st to the end (an INSERT/UPDATE); 0 or -1 with err. Resets st. */
int store_exec_stmt(store *s, sqlite3_stmt *st, char *err, size_t errlen, const char *what);
/* Steps a query that yields at most one row: 1 with st on the row (the caller reads it, then
 * resets st), 0 for no row, -1 with err (what failed) on an error; st is reset unless 1. */
int store_step_one(store *s, sqlite3_stmt *st, char *err, size_t errlen, const char *what);
/* Binds NULL for a NULL string, text otherwise. */
void store_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Binds NULL for 0 (unknown time or absent id). */
void store_bind_opt_int(sqlite3_stmt *st, int i, int64_t v);
/* The open scan is over (committed or rolled back): forgets its id and vCenter. */
void store_scan_forget(store *s);
/* For functions that must be durable when they return. */
/* Whether the process behind a row's owner_lock lives (store_owner.c); NULL/"" = no owner
 * recorded, a run older than owners: dead. */
bool store_owner_lock_alive(const char *lock, bool *is_self);

int store_require_no_tx(store *s, char *err, size_t errlen, const char *what);

/* The vCenter of a plan, as an SQL expression of the plan's id: two rowid look-ups, whatever
 * the statistics say. A join of plans and connections let SQLite walk every connection (one
 * per scan) when sqlite_stat1 was older than the history; per VM, that cost seconds. */
#define STORE_SQL_PLAN_SERVER(plan_id) \
	"(SELECT c.server FROM connections c WHERE c.id =" \
	" (SELECT p.connection_id FROM plans p WHERE p.id = " plan_id "))"

/* ---- content hashes (store_hash.c) ---- */

#define STORE_HASH_LEN 32  /* SHA-256 */

/* The canonical encoding of a list of values, appended to a buffer, then hashed. The SQL
 * functions quiescent_hash(v, ...) and quiescent_hash_agg(seq, v, ...) (rows hashed in seq
 * order) encode SQL values the same way, so SQL and C agree on every hash. */
void store_hash_add_null(strbuf *b);
void store_hash_add_int(strbuf *b, int64_t v);
void store_hash_add_text(strbuf *b, const char *s);   /* NULL: as store_hash_add_null */
void store_hash_add_blob(strbuf *b, const void *p, size_t n);
void store_hash_digest(const void *data, size_t n, unsigned char out[STORE_HASH_LEN]);
/* Registers quiescent_hash and quiescent_hash_agg on db; 0 or -1. */
int store_hash_register(sqlite3 *db);
/* Registers quiescent_glob(pattern, text) (fnmatch: the timeline's --vm) on db; 0 or -1. */
int store_history_register_sql(sqlite3 *db);

#endif
