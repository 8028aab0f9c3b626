/* store_internal: what the store_*.c files share; not for callers outside core/store
 * (tests may include it to drive migrations). */
#ifndef QUIESCENT_STORE_INTERNAL_H
#define QUIESCENT_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

typedef struct {
	const char *sql;        /* identity: the address of a static string */
	sqlite3_stmt *stmt;
} store_cached_stmt;

struct store {
	sqlite3 *db;
	char *path;
	int version;
	bool in_tx;
	int64_t scan_id;        /* the scan whose transaction is open, 0 none */
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
int store_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Steps st to the end (an INSERT/UPDATE); 0 or -1 with err. Resets st. */
int store_exec_stmt(store *s, sqlite3_stmt *st, char *err, size_t errlen, const char *what);
/* Steps a query that yields at most one row: 1 with st on the row (the caller reads it, then
 * resets st), 0 for no row, -1 with err (what failed) on an error; st is reset unless 1. */
int store_step_one(store *s, sqlite3_stmt *st, char *err, size_t errlen, const char *what);
/* Binds NULL for a NULL string, text otherwise. */
void store_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Binds NULL for 0 (unknown time or absent id). */
void store_bind_opt_int(sqlite3_stmt *st, int i, int64_t v);
/* For functions that must be durable when they return. */
/* Whether the process behind a row's owner_lock lives (store_owner.c); NULL/"" = no owner
 * recorded, a run older than owners: dead. */
bool store_owner_lock_alive(const char *lock, bool *is_self);

int store_require_no_tx(store *s, char *err, size_t errlen, const char *what);


#endif
