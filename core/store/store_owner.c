/* Who runs a plan or a test: a live process, proven by a lock the OS drops at its death.
 *
 * Each process that starts a plan or a test takes, once, an exclusive flock on its own file in
 * "<history>.runs/" ("<host>-<pid>-<since>.lock") and keeps it until it exits. Its rows carry
 * that file's name with host, pid and start time. Another process asks the file: locked means
 * the owner lives (hands off, and say who it is); lockable or gone means it died. A dead run is
 * adopted (its owner columns set to us, compare-and-swap on the old lock name) before anybody
 * acts on it, so two recoverers never both act. */
#include "store/store_internal.h"
#include "util/timefmt.h"

#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t self_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char history[4096];     /* the history the lock belongs to */
	char lock[4608];
	char host[256];
	int64_t pid;
	time_t since;
	int fd;
	bool held;
} self = { .fd = -1 };

static void drop_self_lock(void)
{
	/* A clean exit leaves no file; a death leaves one that anybody can lock. */
	if (self.held)
		unlink(self.lock);
}

/* Takes this process's lock for the history at s->path (once). 0, or -1 with err. */
static int self_acquire(store *s, char *err, size_t errlen)
{
	pthread_mutex_lock(&self_mu);
	if (self.held && !strcmp(self.history, s->path)) {
		pthread_mutex_unlock(&self_mu);
		return 0;
	}
	/* Absolute: another process, started elsewhere, opens the name the row carries. */
	char dir[4200], cwd[2048] = "";
	if (s->path[0] != '/' && !getcwd(cwd, sizeof cwd)) {
		pthread_mutex_unlock(&self_mu);
		return errbuf_set(err, errlen, "cannot tell where the history %s is: %s", s->path,
				  strerror(errno));
	}
	snprintf(dir, sizeof dir, "%s%s%.2000s.runs", cwd, cwd[0] ? "/" : "", s->path);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		pthread_mutex_unlock(&self_mu);
		return errbuf_set(err, errlen, "cannot create %s, where a running fix or test proves "
				  "it is alive: %s", dir, strerror(e));
	}
	char host[256] = "";
	if (gethostname(host, sizeof host) < 0 || !host[0])
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (char *p = host; *p; p++)
		if (*p == '/')
			*p = '_';
	time_t now = time(NULL);
	char lock[4608];
	snprintf(lock, sizeof lock, "%s/%s-%ld-%lld.lock", dir, host, (long)getpid(), (long long)now);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		pthread_mutex_unlock(&self_mu);
		return errbuf_set(err, errlen, "cannot take the run lock %s: %s", lock, strerror(e));
	}
	if (self.held) {   /* another history in the same process: the old lock stays held */
		drop_self_lock();
	} else {
		atexit(drop_self_lock);
	}
	snprintf(self.history, sizeof self.history, "%s", s->path);
	snprintf(self.lock, sizeof self.lock, "%s", lock);
	snprintf(self.host, sizeof self.host, "%s", host);
	self.pid = (int64_t)getpid();
	self.since = now;
	self.fd = fd;
	self.held = true;
	pthread_mutex_unlock(&self_mu);
	return 0;
}

/* The UPDATE that names this process (its lock taken) as the owner of row id, where `cond`
 * (SQL after "WHERE id = ?1") holds: prepared, ?1..?5 bound; the caller binds what cond adds. */
static sqlite3_stmt *claim_stmt(store *s, const char *table, int64_t id, const char *cond,
				char *err, size_t errlen)
{
	char sql[300];
	snprintf(sql, sizeof sql, "UPDATE %s SET owner_host = ?2, owner_pid = ?3, owner_since = ?4,"
		 " owner_lock = ?5 WHERE id = ?1%s", table, cond);
	sqlite3_stmt *st = store_stmt(s, sql, err, errlen);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, self.host);
	sqlite3_bind_int64(st, 3, self.pid);
	sqlite3_bind_int64(st, 4, (int64_t)self.since);
	store_bind_text(st, 5, self.lock);
	return st;
}

int store_owner_stamp(store *s, const char *table, int64_t id, char *err, size_t errlen)
{
	if (self_acquire(s, err, errlen) < 0)
		return -1;
	sqlite3_stmt *st = claim_stmt(s, table, id, "", err, errlen);
	return st ? store_exec_stmt(s, st, err, errlen, "cannot record who runs it") : -1;
}

/* Is the process behind lock alive? */
bool store_owner_lock_alive(const char *lock, bool *is_self)
{
	*is_self = false;
	if (!lock || !*lock)
		return false;   /* written before owners were recorded: its process is long gone */
	pthread_mutex_lock(&self_mu);
	bool mine = self.held && !strcmp(self.lock, lock);
	pthread_mutex_unlock(&self_mu);
	if (mine) {
		*is_self = true;
		return true;
	}
	int fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;   /* removed at its owner's exit */
	bool alive = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);   /* also drops our shared lock when we got it */
	return alive;
}

static int read_owner(store *s, const char *table, int64_t id, store_owner *o, char *lock,
		      size_t lockn, char *err, size_t errlen)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT owner_host, owner_pid, owner_since, owner_lock FROM %s"
		 " WHERE id = ?1", table);
	sqlite3_stmt *st = store_stmt(s, sql, err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	memset(o, 0, sizeof *o);
	lock[0] = '\0';
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		snprintf(o->host, sizeof o->host, "%s", h ? h : "");
		o->pid = sqlite3_column_int64(st, 1);
		o->since = (time_t)sqlite3_column_int64(st, 2);
		const char *l = (const char *)sqlite3_column_text(st, 3);
		snprintf(lock, lockn, "%s", l ? l : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? errbuf_set(err, errlen, "no %s row %lld in the history %s",
						      table, (long long)id, s->path)
					 : store_fail(s, err, errlen, "cannot read who runs it");
	o->alive = store_owner_lock_alive(lock, &o->is_self);
	return 0;
}

int store_owner_of(store *s, const char *table, int64_t id, store_owner *o, char *err,
		   size_t errlen)
{
	char lock[4608];
	return read_owner(s, table, id, o, lock, sizeof lock, err, errlen);
}

int store_owner_adopt(store *s, const char *table, int64_t id, store_owner *prev, char *err,
		      size_t errlen)
{
	char lock[4608];
	if (read_owner(s, table, id, prev, lock, sizeof lock, err, errlen) < 0)
		return -1;
	if (prev->alive)
		return prev->is_self ? 1 : 0;
	if (self_acquire(s, err, errlen) < 0)
		return -1;
	/* compare-and-swap: only while the row still names the dead owner we read */
	sqlite3_stmt *st = claim_stmt(s, table, id, " AND owner_lock IS ?6", err, errlen);
	if (!st)
		return -1;
	store_bind_text(st, 6, lock[0] ? lock : NULL);
	if (store_exec_stmt(s, st, err, errlen, "cannot take over the interrupted run") != 0)
		return -1;
	if (sqlite3_changes(s->db) == 1) {
		if (lock[0])
			unlink(lock);   /* its process is dead; its rows now name us */
		return 1;
	}
	/* Somebody adopted it between our look and our update: it is theirs. */
	if (read_owner(s, table, id, prev, lock, sizeof lock, err, errlen) < 0)
		return -1;
	return prev->alive ? 0 : errbuf_set(err, errlen, "the run %lld changed owner while we "
					    "looked; try again", (long long)id);
}

/* ---- the VM claim: at most one live plan VM or test per VM ----
 *
 * vm_claims names, per VM, the plan VM or test that last claimed it. The claim holds while
 * that row is unfinished and its owner's run lock is held; otherwise anybody may take it. The
 * look and the take happen in one BEGIN IMMEDIATE transaction, so of two processes that claim
 * one VM at the same moment exactly one wins (the other waits for the write lock, then sees
 * the winner). */

static const char *const claim_kind_names[] = {
	[STORE_CLAIM_PLAN_VM] = "plan_vm", [STORE_CLAIM_SNAPTEST] = "snaptest",
};

/* The VM (server, moref) a plan VM or a test is about. */
static const char *const sql_claim_target[] = {
	[STORE_CLAIM_PLAN_VM] = "SELECT c.server, v.moref FROM plan_vms v"
		" JOIN plans p ON p.id = v.plan_id JOIN connections c ON c.id = p.connection_id"
		" WHERE v.id = ?1",
	[STORE_CLAIM_SNAPTEST] = "SELECT c.server, t.moref FROM snaptests t"
		" JOIN connections c ON c.id = t.connection_id WHERE t.id = ?1",
};

/* The owner of a claim's row while that row is unfinished (no row: finished, claim void). A
 * plan VM is unfinished while its plan runs, and, whatever its outcome, while its plan is
 * interrupted and not yet recovered: the recoverer that adopted the plan holds its VMs. */
static const char *const sql_claim_holder[] = {
	[STORE_CLAIM_PLAN_VM] = "SELECT p.owner_host, p.owner_pid, p.owner_since, p.owner_lock"
		" FROM plan_vms v JOIN plans p ON p.id = v.plan_id WHERE v.id = ?1"
		" AND ((v.outcome IS NULL AND p.state IN ('confirmed', 'running'))"
		"  OR (p.state = 'interrupted' AND p.recovered_at IS NULL))",
	[STORE_CLAIM_SNAPTEST] = "SELECT owner_host, owner_pid, owner_since, owner_lock"
		" FROM snaptests WHERE id = ?1 AND state IN ('created', 'running')",
};

static const char sql_claim_read[] =
	"SELECT kind, row_id FROM vm_claims WHERE server = ?1 AND moref = ?2";
static const char sql_claim_write[] =
	"INSERT INTO vm_claims (server, moref, kind, row_id, claimed_at) VALUES (?1, ?2, ?3, ?4, ?5)"
	" ON CONFLICT (server, moref) DO UPDATE SET kind = excluded.kind, row_id = excluded.row_id,"
	" claimed_at = excluded.claimed_at";

/* Is the claim (kind, row_id) held? 1 by another live process (who says which), 2 by this
 * process's own unfinished work, 0 not (finished, or its owner died), -1. */
static int claim_held(store *s, const char *kind, int64_t row_id, store_owner *who, char *err,
		      size_t errlen)
{
	int k = !strcmp(kind, "snaptest") ? STORE_CLAIM_SNAPTEST
		: !strcmp(kind, "plan_vm") ? STORE_CLAIM_PLAN_VM : -1;
	if (k < 0)
		return 0;   /* a kind this build does not know: a newer build's, long void */
	sqlite3_stmt *st = store_stmt(s, sql_claim_holder[k], err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, row_id);
	int rc = sqlite3_step(st), held = 0;
	if (rc == SQLITE_ROW) {
		bool mine;
		const char *lock = (const char *)sqlite3_column_text(st, 3);
		bool alive = store_owner_lock_alive(lock, &mine);
		if (alive && mine)
			held = 2;
		if (alive && !mine) {
			memset(who, 0, sizeof *who);
			const char *h = (const char *)sqlite3_column_text(st, 0);
			snprintf(who->host, sizeof who->host, "%s", h ? h : "");
			who->pid = sqlite3_column_int64(st, 1);
			who->since = (time_t)sqlite3_column_int64(st, 2);
			who->alive = true;
			held = 1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read who works on the VM");
	return held;
}

/* Who holds the VM's claim: as claim_held, 0 when it has none. */
static int vm_holder(store *s, const char *server, const char *moref, store_owner *who,
		     char *err, size_t errlen)
{
	sqlite3_stmt *rd = store_stmt(s, sql_claim_read, err, errlen);
	if (!rd)
		return -1;
	store_bind_text(rd, 1, server);
	store_bind_text(rd, 2, moref);
	int rc = sqlite3_step(rd);
	char *kind = rc == SQLITE_ROW ? xstrdup((const char *)sqlite3_column_text(rd, 0)) : NULL;
	int64_t row_id = rc == SQLITE_ROW ? sqlite3_column_int64(rd, 1) : 0;
	sqlite3_reset(rd);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, errlen, "cannot read the VM's claim");
	if (!kind)
		return 0;
	int h = claim_held(s, kind, row_id, who, err, errlen);
	free(kind);
	return h;
}

/* Inside the caller's transaction: 1 claimed, 0 held by who, -1. */
static int claim_in_tx(store *s, store_claim_kind kind, int64_t row_id, store_owner *who,
		       char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, sql_claim_target[kind], err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, row_id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE
			? errbuf_set(err, errlen, "no %s %lld with a vCenter in the history %s",
				     claim_kind_names[kind], (long long)row_id, s->path)
			: store_fail(s, err, errlen, "cannot read which VM to claim");
	}
	char *server = xstrdup((const char *)sqlite3_column_text(st, 0));
	char *moref = xstrdup((const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);

	int res = -1;
	int h = vm_holder(s, server, moref, who, err, errlen);
	if (h == 2) {
		res = 1;   /* our own work has it: it stays named, so it holds while that runs */
		goto out;
	}
	if (h != 0) {
		res = h < 0 ? -1 : 0;
		goto out;
	}
	sqlite3_stmt *wr = store_stmt(s, sql_claim_write, err, errlen);
	if (!wr)
		goto out;
	store_bind_text(wr, 1, server);
	store_bind_text(wr, 2, moref);
	store_bind_text(wr, 3, claim_kind_names[kind]);
	sqlite3_bind_int64(wr, 4, row_id);
	sqlite3_bind_int64(wr, 5, (int64_t)time(NULL));
	if (store_exec_stmt(s, wr, err, errlen, "cannot record the claim on the VM") == 0)
		res = 1;
out:
	free(server);
	free(moref);
	return res;
}

int store_vm_claim(store *s, store_claim_kind kind, int64_t row_id, store_owner *who, char *err,
		   size_t errlen)
{
	store_owner none;
	if (!who)
		who = &none;
	if (s->in_tx)
		return claim_in_tx(s, kind, row_id, who, err, errlen);
	if (store_begin(s, err, errlen) < 0)
		return -1;
	int rc = claim_in_tx(s, kind, row_id, who, err, errlen);
	if (rc != 1) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err, errlen) < 0 ? -1 : 1;
}

int store_vm_holder(store *s, const char *server, const char *moref, store_owner *who, char *err,
		    size_t errlen)
{
	int h = vm_holder(s, server, moref, who, err, errlen);
	return h == 2 ? 0 : h;   /* this process's own work is not another's */
}

int store_plan_release_claims(store *s, int64_t plan_id, char *err, size_t errlen)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM vm_claims WHERE kind = 'plan_vm' AND row_id"
				      " IN (SELECT id FROM plan_vms WHERE plan_id = ?1)", err, errlen);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, plan_id);
	return store_exec_stmt(s, st, err, errlen, "cannot release the plan's VMs");
}

void store_owner_describe(const store_owner *o, char *buf, size_t n)
{
	char when[TIME_TEXT_MAX];
	snprintf(buf, n, "%s, pid %lld on %s since %s", o->is_self ? "this quiescent" :
		 "another quiescent", (long long)o->pid, o->host[0] ? o->host : "an unknown host",
		 time_iso(o->since, when, sizeof when, "?"));
}
