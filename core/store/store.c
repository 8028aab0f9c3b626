/* store: open, check, migrate, transactions, the statement cache; events and messages. */
#include "store/store_internal.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/monoclock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

static void forget_clean_close(const char *path);

int store_fail(store *s, char *err, size_t errlen, const char *what)
{
	int code = sqlite3_errcode(s->db) & 0xff;
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
		forget_clean_close(s->path);   /* the next open checks the whole file */
		return errbuf_set(err, errlen, "%s: the history %s is damaged (%s); move it aside or "
				  "restore a backup, or use --db", what, s->path, sqlite3_errmsg(s->db));
	}
	if (code == SQLITE_READONLY)
		return errbuf_set(err, errlen, "%s: the history %s cannot be written (%s: read-only "
				  "media or no write permission); use --db for a writable place", what,
				  s->path, sqlite3_errmsg(s->db));
	return errbuf_set(err, errlen, "%s in the history %s: %s", what, s->path,
			  sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_stmt(store *s, const char *sql, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n_stmts; i++) {
		if (s->stmts[i].sql == sql) {
			sqlite3_reset(s->stmts[i].stmt);
			sqlite3_clear_bindings(s->stmts[i].stmt);
			return s->stmts[i].stmt;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_fail(s, err, errlen, "cannot prepare a query");
		return NULL;
	}
	s->stmts = xgrow(s->stmts, &s->cap_stmts, s->n_stmts + 1, sizeof *s->stmts);
	s->stmts[s->n_stmts].sql = sql;
	s->stmts[s->n_stmts].stmt = st;
	s->n_stmts++;
	return st;
}

int store_exec_stmt(store *s, sqlite3_stmt *st, char *err, size_t errlen, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, err, errlen, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int store_step_one(store *s, sqlite3_stmt *st, char *err, size_t errlen, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		store_fail(s, err, errlen, what);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void store_bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int store_require_no_tx(store *s, char *err, size_t errlen, const char *what)
{
	if (!s->in_tx)
		return 0;
	return errbuf_set(err, errlen,
			  "%s must be durable at once, but a transaction is open on the history %s",
			  what, s->path);
}

/* ---- opening ---- */

/* mkdir -p of the parent of path; directories we create are 0700 (history is private). */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			rc = errbuf_set(err, errlen, "cannot create the directory %s for the history: %s",
					dir, strerror(errno));
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return rc;
}

/* Creates the file 0600 before SQLite does: SQLite would use 0644 minus the umask, and its
 * -wal and -shm files copy the database's mode. Sets *created when we made it. */
static int ensure_file(const char *path, bool *created, char *err, size_t errlen)
{
	struct stat st;
	*created = false;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return errbuf_set(err, errlen, "the history %s is not a regular file", path);
		return 0;
	}
	if (errno != ENOENT)
		return errbuf_set(err, errlen, "cannot open the history %s: %s", path, strerror(errno));
	/* its directory exists: lock_opening made it */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST) /* another quiescent made it just now */
			return 0;
		return errbuf_set(err, errlen, "cannot create the history %s: %s", path, strerror(errno));
	}
	close(fd);
	*created = true;
	return 0;
}

/* Opening (creation, check, WAL switch, migrations) is one at a time per directory, between
 * processes and threads alike: two first opens of a new file otherwise race to switch it to
 * WAL, one gets "database is locked" (SQLite's busy handler does not cover that switch), and
 * its clean-up unlinked the file under the other. The lock is an flock on the directory, never
 * on the database: closing any descriptor of the database would drop every POSIX lock this
 * process holds on it, SQLite's included. flock: each open() is its own lock owner, so threads
 * of one process exclude each other too. Returns the fd holding the lock, or -1 with err. */
static int lock_opening(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *dir = !slash ? xstrdup(".") : slash == path ? xstrdup("/")
		  : xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {   /* a first start: the directories are made 0700 */
		if (make_parent_dirs(path, err, errlen) != 0) {
			free(dir);
			return -1;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0) {
		errbuf_set(err, errlen, "cannot open the directory of the history %s: %s", path,
			   strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	for (int waited_ms = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited_ms += 20) {
		if (errno != EWOULDBLOCK || waited_ms >= BUSY_TIMEOUT_MS) {
			int e = errno;
			close(fd);
			return errbuf_set(err, errlen, "the history %s is being opened by another quiescent "
					  "for more than %d s (%s); try again", path, BUSY_TIMEOUT_MS / 1000,
					  strerror(e));
		}
		monoclock_sleep(0.020);
	}
	return fd;
}

static void unlock_opening(int fd)
{
	if (fd >= 0)
		close(fd);   /* closing the description releases the flock */
}

/* A single-row single-column integer query. */
static int query_int(store *s, const char *sql, int *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- the integrity check, and when it can be skipped ----
 * quick_check reads the whole file: a year of history made every start slower (0.15 s at
 * 125 MB). A file exactly as a clean close of ours left it (same device, inode, size, mtime
 * and ctime, no -wal beside it: nobody wrote since) was checked when it was opened and has had
 * only SQLite's writes since, so it is not checked again. The stamp lives in PATH-checked; a
 * damaged page met later (store_fail) removes it, so the next open checks the whole file. */

static bool wal_exists(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	bool yes = access(wal, F_OK) == 0;
	free(wal);
	return yes;
}

static bool file_stamp(const char *path, char *buf, size_t n)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	/* ctime too: a write that puts size and mtime back (touch -d) cannot put ctime back */
	snprintf(buf, n, "%ju %ju %jd %jd.%09ld %jd.%09ld\n", (uintmax_t)st.st_dev,
		 (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
		 (long)st.st_mtim.tv_nsec, (intmax_t)st.st_ctim.tv_sec, (long)st.st_ctim.tv_nsec);
	return true;
}

static bool unchanged_since_clean_close(const char *path)
{
	char now[160], was[160] = "";
	if (wal_exists(path) || !file_stamp(path, now, sizeof now))
		return false;
	char *side = xasprintf("%s-checked", path);
	int fd = open(side, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(side);
	if (fd < 0)
		return false;
	ssize_t k = read(fd, was, sizeof was - 1);
	close(fd);
	if (k <= 0)
		return false;
	was[k] = '\0';
	return strcmp(now, was) == 0;
}

static void forget_clean_close(const char *path)
{
	char *side = xasprintf("%s-checked", path);
	unlink(side);
	free(side);
}

/* After the last connection closed (SQLite checkpointed and removed the -wal). */
static void remember_clean_close(const char *path)
{
	char stamp[160];
	if (wal_exists(path) || !file_stamp(path, stamp, sizeof stamp))
		return;   /* another connection is still open: its close records it */
	char *side = xasprintf("%s-checked", path);
	char *tmp = xasprintf("%s-checked.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	bool ok = fd >= 0 && write(fd, stamp, strlen(stamp)) == (ssize_t)strlen(stamp);
	if (fd >= 0)
		close(fd);
	if (!ok || rename(tmp, side) != 0)
		unlink(tmp);
	free(tmp);
	free(side);
}

/* PRAGMA quick_check before any write, so a damaged file is reported, not made worse. */
static int check_integrity(store *s, char *err, size_t errlen)
{
	if (unchanged_since_clean_close(s->path))
		return 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int code = sqlite3_errcode(s->db);
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
			errbuf_set(err, errlen,
				   "the history %s is not a usable SQLite database (%s); it was left "
				   "untouched: move it aside or restore a backup, or use --db",
				   s->path, sqlite3_errmsg(s->db));
		else
			store_fail(s, err, errlen, "cannot check the integrity");
		sqlite3_finalize(st);
		return -1;
	}
	const char *first = (const char *)sqlite3_column_text(st, 0);
	if (first && strcmp(first, "ok") == 0) {
		sqlite3_finalize(st);
		return 0;
	}
	/* one sentence: drop SQLite's "*** in database main ***" banner line */
	const char *nl = first ? strchr(first, '\n') : NULL;
	if (first && strncmp(first, "***", 3) == 0 && nl)
		first = nl + 1;
	errbuf_set(err, errlen,
		   "the history %s is damaged (integrity check: %s); it was left untouched: "
		   "move it aside or restore a backup, or use --db",
		   s->path, first ? first : "no answer");
	sqlite3_finalize(st);
	return -1;
}

static int exec_sql(store *s, const char *sql, char *err, size_t errlen, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, errlen, what);
	return 0;
}

/* Every missing step in ONE transaction, each with its user_version bump: the file is at its
 * old version or at this build's, never in between, so after a failure, a kill or a full disk
 * at any point the build that wrote it still opens it (SQLite rolls the rest back). */
static int migrate(store *s, const char *const *migrations, size_t n, char *err, size_t errlen)
{
	if (exec_sql(s, "BEGIN IMMEDIATE", err, errlen, "cannot lock for the schema upgrade") != 0)
		return -1;
	/* read again under the lock: another process may have migrated meanwhile */
	int from;
	if (query_int(s, "PRAGMA user_version", &from) != 0) {
		store_fail(s, err, errlen, "cannot read the schema version");
		goto fail;
	}
	for (int v = from; (size_t)v < n; v++) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, bump, NULL, NULL, NULL) != SQLITE_OK) {
			errbuf_set(err, errlen,
				   "upgrading the history %s from schema %d to %d failed: %s; "
				   "it was left at schema %d",
				   s->path, v, v + 1, sqlite3_errmsg(s->db), from);
			goto fail;
		}
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		/* SQLite writes the converted pages here (a full disk shows now) */
		errbuf_set(err, errlen,
			   "upgrading the history %s from schema %d to %zu failed at the commit: %s; "
			   "it was left at schema %d", s->path, from, n, sqlite3_errmsg(s->db), from);
		goto fail;
	}
	s->version = (size_t)from > n ? from : (int)n;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Why this process cannot write the history or the files SQLite and we put beside it (-wal,
 * -shm, -checked): an errno (EROFS: read-only media), or 0 when it can (or the place does not
 * exist yet: it is made). */
static int unwritable(const char *path)
{
	if (access(path, W_OK) != 0 && errno != ENOENT)
		return errno;
	const char *slash = strrchr(path, '/');
	char *dir = !slash ? xstrdup(".") : slash == path ? xstrdup("/")
		  : xstrndup(path, (size_t)(slash - path));
	int e = access(dir, W_OK) != 0 && errno != ENOENT ? errno : 0;
	free(dir);
	return e;
}

store *store_open_with(const char *path, const char *const *migrations, size_t n,
		       char *err, size_t errlen)
{
	bool created;
	if (!path || !*path) {
		errbuf_set(err, errlen, "no path for the history database (use --db or QUIESCENT_DB)");
		return NULL;
	}
	int ro = unwritable(path);
	if (ro) {
		errbuf_set(err, errlen, "the history %s cannot be written where it is (%s): quiescent "
			   "records every scan, fix and test in it; use --db for a writable place "
			   "(history and report can still read it)", path, strerror(ro));
		return NULL;
	}
	int lock = lock_opening(path, err, errlen);
	if (lock < 0)
		return NULL;
	if (ensure_file(path, &created, err, errlen) != 0) {
		unlock_opening(lock);
		return NULL;
	}
	store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	/* no CREATE flag: the file exists (we made it 0600); NOFOLLOW: no symlink tricks */
	int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		if (s->db)
			store_fail(s, err, errlen, "cannot open");
		else
			errbuf_set(err, errlen, "cannot open the history %s: out of memory", path);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/* before the migrations: converting a version 2 history hashes its rows in SQL */
	if (store_hash_register(s->db) != 0 || store_history_register_sql(s->db) != 0) {
		store_fail(s, err, errlen, "cannot register the store's SQL functions");
		goto fail;
	}

	if (check_integrity(s, err, errlen) != 0)
		goto fail;
	int v;
	if (query_int(s, "PRAGMA user_version", &v) != 0) {
		store_fail(s, err, errlen, "cannot read the schema version");
		goto fail;
	}
	if (v < 0 || (size_t)v > n) {
		errbuf_set(err, errlen,
			   "the history %s has schema %d, newer than this quiescent knows (%zu): "
			   "upgrade quiescent or use another --db; the file was not changed",
			   path, v, n);
		goto fail;
	}
	if (exec_sql(s, "PRAGMA foreign_keys = ON", err, errlen, "cannot enable foreign keys") != 0)
		goto fail;
	/* WAL: readers (the console) never block the writer (a cron scan). FULL: a journal
	 * entry survives a power cut, not only a killed process. */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		store_fail(s, err, errlen, "cannot switch to WAL mode");
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	if (exec_sql(s, "PRAGMA synchronous = FULL", err, errlen, "cannot set synchronous") != 0)
		goto fail;
	/* Statement journals (each INSERT inside a scan's transaction has one) live in memory: in
	 * a temporary file a scan of 10,000 VMs wrote up to 300 MB to them. */
	if (exec_sql(s, "PRAGMA temp_store = MEMORY", err, errlen, "cannot set temp_store") != 0)
		goto fail;
	if (migrate(s, migrations, n, err, errlen) != 0)
		goto fail;
	unlock_opening(lock);
	return s;

fail:
	sqlite3_close(s->db);
	s->db = NULL;
	struct stat made;
	/* only a file still as empty as we made it: one SQLite wrote to is history now */
	if (created && stat(path, &made) == 0 && made.st_size == 0) {
		/* only the empty file we made a moment ago, and its companions */
		char *aux = xasprintf("%s-wal", path);
		unlink(aux);
		free(aux);
		aux = xasprintf("%s-shm", path);
		unlink(aux);
		free(aux);
		unlink(path);
	}
	free(s->path);
	free(s);
	unlock_opening(lock);
	return NULL;
}

store *store_open(const char *path, char *err, size_t errlen)
{
	return store_open_with(path, store_migrations, store_n_migrations, err, errlen);
}

/* "file:PATH?immutable=1" with PATH's URI-special characters escaped. */
static char *immutable_uri(const char *path)
{
	strbuf b;
	strbuf_init(&b);
	strbuf_adds(&b, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			strbuf_addf(&b, "%%%02X", (unsigned char)*p);
		else
			strbuf_addc(&b, *p);
	}
	strbuf_adds(&b, "?immutable=1");
	return strbuf_detach(&b, NULL);
}

store *store_open_read(const char *path, char *err, size_t errlen)
{
	if (!path || !*path || !unwritable(path))
		return store_open(path, err, errlen);
	/* Read-only media: nobody can write it, so SQLite may read it without locks or -shm. */
	struct stat st;
	if (stat(path, &st) != 0) {
		errbuf_set(err, errlen, "there is no history at %s: %s", path, strerror(errno));
		return NULL;
	}
	if (wal_exists(path)) {
		errbuf_set(err, errlen, "the history %s was not closed cleanly and its -wal cannot be "
			   "applied where it is (read-only); copy its directory to a writable place and "
			   "read it there", path);
		return NULL;
	}
	store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->read_only = true;
	char *uri = immutable_uri(path);
	int rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				 SQLITE_OPEN_NOFOLLOW, NULL);
	free(uri);
	int v = -1;
	if (rc != SQLITE_OK) {
		if (s->db)
			store_fail(s, err, errlen, "cannot open");
		else
			errbuf_set(err, errlen, "cannot open the history %s: out of memory", path);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (store_hash_register(s->db) != 0 || store_history_register_sql(s->db) != 0) {
		store_fail(s, err, errlen, "cannot register the store's SQL functions");
		goto fail;
	}
	if (check_integrity(s, err, errlen) != 0)
		goto fail;
	if (query_int(s, "PRAGMA user_version", &v) != 0) {
		store_fail(s, err, errlen, "cannot read the schema version");
		goto fail;
	}
	if (v != STORE_SCHEMA_VERSION) {
		errbuf_set(err, errlen, "the history %s has schema %d and this quiescent reads %d; it "
			   "cannot be %s where it is (read-only): copy it to a writable place", path, v,
			   STORE_SCHEMA_VERSION, v < STORE_SCHEMA_VERSION ? "upgraded" : "read");
		goto fail;
	}
	s->version = v;
	return s;
fail:
	sqlite3_close(s->db);
	free(s->path);
	free(s);
	return NULL;
}

void store_close(store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		store_rollback(s);
	for (size_t i = 0; i < s->n_stmts; i++)
		sqlite3_finalize(s->stmts[i].stmt);
	free(s->stmts);
	free(s->scan_vcenter);
	/* optimize may ANALYZE a table that grew tenfold: bounded, not a read of a big history */
	if (!s->read_only)
		sqlite3_exec(s->db, "PRAGMA analysis_limit = 400; PRAGMA optimize", NULL, NULL, NULL);
	/* every store here passed check_integrity when it was opened */
	if (sqlite3_close(s->db) == SQLITE_OK && !s->read_only)
		remember_clean_close(s->path);
	free(s->path);
	free(s);
}

void store_checkpoint_at_close(store *s)
{
	sqlite3_wal_autocheckpoint(s->db, 0);
}

const char *store_default_path(char *buf, size_t n)
{
	const char *env = getenv("QUIESCENT_DB");
	int k;
	if (env && *env) {
		k = snprintf(buf, n, "%s", env);
	} else if ((env = getenv("XDG_DATA_HOME")) && env[0] == '/') {
		/* the XDG spec says relative values are to be ignored */
		k = snprintf(buf, n, "%s/quiescent/history.db", env);
	} else if ((env = getenv("HOME")) && *env) {
		k = snprintf(buf, n, "%s/.local/share/quiescent/history.db", env);
	} else {
		return NULL;
	}
	if (k < 0 || (size_t)k >= n)
		return NULL;
	return buf;
}

int store_schema_version(store *s)
{
	return s->version;
}

const char *store_path(const store *s)
{
	return s->path;
}

/* ---- transactions ---- */

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

int store_begin(store *s, char *err, size_t errlen)
{
	if (s->in_tx)
		return errbuf_set(err, errlen, "a transaction is already open on the history %s", s->path);
	sqlite3_stmt *st = store_stmt(s, sql_begin, err, errlen);
	if (!st || store_exec_stmt(s, st, err, errlen, "cannot start a transaction") != 0)
		return -1;
	s->in_tx = true;
	return 0;
}

int store_commit(store *s, char *err, size_t errlen)
{
	if (!s->in_tx)
		return errbuf_set(err, errlen, "no transaction is open on the history %s", s->path);
	sqlite3_stmt *st = store_stmt(s, sql_commit, err, errlen);
	if (!st || store_exec_stmt(s, st, err, errlen, "cannot commit") != 0) {
		store_rollback(s);
		return -1;
	}
	s->in_tx = false;
	store_scan_forget(s);
	return 0;
}

void store_rollback(store *s)
{
	if (!s->in_tx)
		return;
	/* not through the cache: ROLLBACK must work even when preparing fails */
	sqlite3_exec(s->db, sql_rollback, NULL, NULL, NULL);
	s->in_tx = false;
	store_scan_forget(s);
}

bool store_in_transaction(const store *s)
{
	return s->in_tx;
}

/* ---- events and messages ---- */

static const char sql_event[] =
	"INSERT OR IGNORE INTO events (connection_id, event_key, vm, at, type, user, message)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int store_event_add(store *s, int64_t connection_id, int64_t key, const char *vm, time_t at,
		    const char *type, const char *user, const char *message, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_event, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, connection_id);
	sqlite3_bind_int64(st, 2, key);
	store_bind_text(st, 3, vm);
	sqlite3_bind_int64(st, 4, (int64_t)at);
	store_bind_text(st, 5, type ? type : "Event");
	store_bind_text(st, 6, user);
	store_bind_text(st, 7, message);
	return store_exec_stmt(s, st, err, errlen, "cannot record an event");
}

static const char sql_message[] =
	"INSERT INTO messages (at, level, source, vm, text) VALUES (?1, ?2, ?3, ?4, ?5)";

int store_message_add(store *s, time_t at, const char *level, const char *source, const char *vm,
		      const char *text, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_message, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)at);
	store_bind_text(st, 2, level);
	store_bind_text(st, 3, source);
	store_bind_text(st, 4, vm);
	store_bind_text(st, 5, text ? text : "");
	return store_exec_stmt(s, st, err, errlen, "cannot record a message");
}
