/* Unit tests for core/store against real SQLite files in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "util/xalloc.h"

#include "store_support.h"

typedef struct {
	test_db db;
} fixture;

static int setup(void **state)
{
	return test_db_fixture_setup(state, "store", sizeof(fixture));
}

#define teardown test_db_fixture_teardown

/* ---- helpers ---- */

static char *query_text(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *v = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Another process's write (as sqlite3 in a shell would do it). */
static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static char *read_file_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void write_file_bytes(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static int64_t add_connection(store *s, const char *server, time_t at)
{
	char err[256] = "";
	store_connection_info ci = {
		.server = server, .user = "administrator@vsphere.local", .api_version = "8.0.3.0",
		.product = "VMware vCenter Server 8.0.3", .thumbprint = "AB:CD", .at = at,
	};
	int64_t id = store_connection_begin(s, &ci, err, sizeof err);
	assert_true(id > 0);
	return id;
}

/* A Windows 2016 VM with disks, volumes, a probe with writers: every kind of fact. */
static void make_facts(vm_facts *f, const char *moref, const char *name, probe_state ps,
		       time_t probe_at, const char *writer)
{
	model_vm_facts_init(f);
	f->moref = xstrdup(moref);
	f->name = xstrdup(name);
	f->folder = xstrdup("/DC1/vm/SQL");
	f->config_guest_id = xstrdup("windows9Server64Guest");
	f->config_guest_full_name = xstrdup("Microsoft Windows Server 2016 or later (64-bit)");
	f->hw_version = 19;
	f->enable_uuid = TRI_NO;
	f->enable_uuid_raw = xstrdup("false");
	f->n_disks = 2;
	f->disks = xcalloc(2, sizeof *f->disks);
	f->disks[0] = (vm_disk){ xstrdup("Hard disk 1"), CTRL_PVSCSI, 0, 0, DISK_PERSISTENT, 41943040 };
	f->disks[1] = (vm_disk){ xstrdup("Hard disk \"2\"\n"), CTRL_IDE, 1, 1,
				 DISK_INDEPENDENT_PERSISTENT, 1048576 };
	f->n_scsi_controllers = 1;
	f->scsi_units_used = 1;
	f->power = POWER_ON;
	f->boot_time = 1795300000;
	f->guest_id = xstrdup("windows2019srv_64Guest");
	f->guest_full_name = xstrdup("Microsoft Windows Server 2019 (64-bit)");
	f->guest_build = 17763;
	f->tools = TOOLS_RUNNING;
	f->tools_version_status = TOOLS_VS_CURRENT;
	f->tools_version = 12389; /* 12.3.5 */
	f->n_volumes = 1;
	f->volumes = xcalloc(1, sizeof *f->volumes);
	f->volumes[0] = (vm_volume){ xstrdup("C:\\"), 107374182400LL, 5368709120LL };
	f->snapshot_count = 3;
	f->tools_upgrade_running = true;
	f->enable_uuid_set_at = 1795200000;

	guest_probe *p = &f->probe;
	p->state = ps;
	p->at = probe_at;
	p->error = ps == PROBE_OK ? NULL : xstrdup("Guest Operations are unavailable");
	if (ps == PROBE_OK) {
		p->vmvss = (svc_facts){ TRI_YES, SVC_STATE_RUNNING, SVC_START_AUTO, xstrdup("4  RUNNING") };
		p->lgto_sync = (svc_facts){ TRI_NO, SVC_STATE_UNKNOWN, SVC_START_UNKNOWN, NULL };
		p->vss = (svc_facts){ TRI_YES, SVC_STATE_STOPPED, SVC_START_DEMAND, xstrdup("1  STOPPED") };
		p->writers_known = TRI_YES;
		p->n_writers = 1;
		p->writers = xcalloc(1, sizeof *p->writers);
		p->writers[0] = (vss_writer){ xstrdup(writer), xstrdup("{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}"),
					      xstrdup("{instance-1}"), WRITER_FAILED, xstrdup("[8] Failed"),
					      WRITER_ERR_TIMEOUT, xstrdup("Timed out") };
		p->disable_app_quiescing = TRI_NO;
		p->enable_vss = TRI_UNKNOWN;
		p->tools_conf_read = true;
		p->dynamic_disks = TRI_NO;
		p->storage_spaces = TRI_YES;
		p->storage_spaces_evidence = xstrdup("Get-StoragePool: Pool1");
	}
}

static void make_verdict(verdict *v)
{
	model_verdict_init(v);
	v->family = OS_WIN2019;
	v->best = LEVEL_APPLICATION;
	v->predicted = LEVEL_FAIL;
	v->status = STATUS_MANUAL;
	model_verdict_add(v, "R07", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_AUTO,
			  "disk.EnableUUID is not TRUE: set it (needs a power cycle).",
			  "disk.EnableUUID is false");
	model_verdict_add(v, "R09", SEVERITY_ERROR, LEVEL_FILESYSTEM, FIX_MANUAL,
			  "Hard disk 2 is on an IDE controller.", NULL);
	model_verdict_add(v, "R14", SEVERITY_WARN, LEVEL_NONE, FIX_MANUAL,
			  "Hard disk 2 is independent.", "mode independent_persistent");
}

static int64_t scan_one(store *s, int64_t conn, time_t at, const vm_facts *f, const verdict *v)
{
	char err[256] = "";
	int64_t scan = store_scan_begin(s, conn, at, "{\"probe\":true}", err, sizeof err);
	assert_true(scan > 0);
	assert_int_equal(store_scan_add_vm(s, scan, f, v, err, sizeof err), 0);
	assert_int_equal(store_scan_commit(s, scan, at + 5, err, sizeof err), 0);
	return scan;
}

/* ---- open, create, paths ---- */

static void test_open_creates_private_file(void **state)
{
	fixture *fx = *state;
	char path[256], sub[200];
	struct stat st;
	snprintf(sub, sizeof sub, "%s/a/b", fx->db.dir);
	snprintf(path, sizeof path, "%s/history.db", sub);

	store *s = test_store_open(path);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_string_equal(store_path(s), path);
	add_connection(s, "vc01.example.com", 1000); /* a write makes the -wal file */

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(sub, sizeof sub, "%s/a", fx->db.dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char checked[300];
	snprintf(checked, sizeof checked, "%s-checked", path);
	assert_int_equal(stat(checked, &st), -1);   /* open: nothing to vouch for yet */
	store_close(s);
	/* The clean close stamps the file as it left it (the next open skips quick_check). */
	assert_int_equal(stat(wal, &st), -1);
	assert_int_equal(stat(checked, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	size_t stamp_len;
	char *stamp = read_file_bytes(checked, &stamp_len);
	assert_int_equal(stat(path, &st), 0);
	char want[160];
	snprintf(want, sizeof want, "%ju %ju %jd ", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
		 (intmax_t)st.st_size);
	assert_true(stamp_len > strlen(want) && memcmp(stamp, want, strlen(want)) == 0);
	free(stamp);

	assert_int_equal(test_query_i64(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	char *mode = query_text(path, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 15);
	assert_int_equal(test_query_i64(path, "SELECT count(*) FROM connections"), 1);
}

static void test_reopen_idempotent(void **state)
{
	fixture *fx = *state;
	store *s = test_store_open(fx->db.path);
	add_connection(s, "vc01", 1000);
	store_close(s);
	char *schema1 = query_text(fx->db.path, "SELECT group_concat(sql, ';') FROM sqlite_master");
	for (int i = 0; i < 3; i++) {
		s = test_store_open(fx->db.path);
		assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
		/* foreign keys are on: a scan of a connection that does not exist is refused */
		char err[256] = "";
		assert_int_equal(store_scan_begin(s, 999, 1, NULL, err, sizeof err), -1);
		assert_non_null(strstr(err, "FOREIGN KEY constraint failed"));
		assert_false(store_in_transaction(s));
		store_close(s);
	}
	char *schema2 = query_text(fx->db.path, "SELECT group_concat(sql, ';') FROM sqlite_master");
	assert_string_equal(schema1, schema2);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM connections"), 1);
	free(schema1);
	free(schema2);
}

static void test_default_path(void **state)
{
	char buf[256];
	setenv("QUIESCENT_DB", "/srv/q.db", 1);
	setenv("XDG_DATA_HOME", "/xdg", 1);
	setenv("HOME", "/home/op", 1);
	assert_string_equal(store_default_path(buf, sizeof buf), "/srv/q.db");
	unsetenv("QUIESCENT_DB");
	assert_string_equal(store_default_path(buf, sizeof buf), "/xdg/quiescent/history.db");
	setenv("XDG_DATA_HOME", "relative", 1); /* ignored, as the XDG spec says */
	assert_string_equal(store_default_path(buf, sizeof buf),
			    "/home/op/.local/share/quiescent/history.db");
	unsetenv("XDG_DATA_HOME");
	assert_string_equal(store_default_path(buf, sizeof buf),
			    "/home/op/.local/share/quiescent/history.db");
	assert_null(store_default_path(buf, 10)); /* does not fit */
	unsetenv("HOME");
	assert_null(store_default_path(buf, sizeof buf));
}

static void test_open_errors(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	assert_null(store_open("", err, sizeof err));
	assert_string_equal(err, "no path for the history database (use --db or QUIESCENT_DB)");
	/* a directory is not a history file */
	assert_null(store_open(fx->db.dir, err, sizeof err));
	char want[256];
	snprintf(want, sizeof want, "the history %s is not a regular file", fx->db.dir);
	assert_string_equal(err, want);
}

/* ---- migrations ---- */

static void test_migrate_from_v0_empty_file(void **state)
{
	fixture *fx = *state;
	write_file_bytes(fx->db.path, "", 0); /* an empty file is a SQLite database at version 0 */
	store *s = test_store_open(fx->db.path);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM sqlite_master WHERE name = 'steps'"), 1);
}

/* Every real migration, then artificial ones past it (the list as the next build would have
 * it). Written generically so a new schema version needs no change here. */
static void test_migrate_forward_and_refuse_newer(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	enum { N = STORE_SCHEMA_VERSION };
	store *s = test_store_open(fx->db.path);
	add_connection(s, "vc01", 1000);
	store_close(s);

	/* a failing step leaves the file at the old version, data intact */
	const char *bad[N + 1];
	for (size_t i = 0; i < N; i++)
		bad[i] = store_migrations[i];
	bad[N] = "CREATE TABLE connections (x)";
	assert_null(store_open_with(fx->db.path, bad, N + 1, err, sizeof err));
	char want[512];
	snprintf(want, sizeof want, "from schema %d to %d failed: table connections already exists",
		 N, N + 1);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof want, "left at schema %d", N);
	assert_non_null(strstr(err, want));
	assert_int_equal(test_query_i64(fx->db.path, "PRAGMA user_version"), N);

	/* an artificial next step applies to the current file, once */
	const char *next[N + 1];
	for (size_t i = 0; i < N; i++)
		next[i] = store_migrations[i];
	next[N] = "ALTER TABLE connections ADD COLUMN note TEXT;"
		  "UPDATE connections SET note = 'migrated';";
	s = store_open_with(fx->db.path, next, N + 1, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), N + 1);
	store_close(s);
	s = store_open_with(fx->db.path, next, N + 1, err, sizeof err);
	assert_non_null(s);
	store_close(s);
	char *note = query_text(fx->db.path, "SELECT note FROM connections");
	assert_string_equal(note, "migrated");
	free(note);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM connections"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "PRAGMA user_version"), N + 1);

	/* this build refuses the newer file and does not touch it */
	size_t n1, n2;
	char *before = read_file_bytes(fx->db.path, &n1);
	assert_null(store_open(fx->db.path, err, sizeof err));
	snprintf(want, sizeof want,
		 "the history %s has schema %d, newer than this quiescent knows (%d): upgrade "
		 "quiescent or use another --db; the file was not changed", fx->db.path, N + 1, N);
	assert_string_equal(err, want);
	char *after = read_file_bytes(fx->db.path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);
}

/* ---- damaged files ---- */

static void test_garbage_file_untouched(void **state)
{
	fixture *fx = *state;
	char garbage[8192];
	for (size_t i = 0; i < sizeof garbage; i++)
		garbage[i] = (char)(i * 7 + 3);
	write_file_bytes(fx->db.path, garbage, sizeof garbage);
	chmod(fx->db.path, 0644);

	char err[512] = "";
	assert_null(store_open(fx->db.path, err, sizeof err));
	char want[512];
	snprintf(want, sizeof want,
		 "the history %s is not a usable SQLite database (file is not a database); it "
		 "was left untouched: move it aside or restore a backup, or use --db", fx->db.path);
	assert_string_equal(err, want);

	size_t n;
	char *after = read_file_bytes(fx->db.path, &n);
	assert_int_equal(n, sizeof garbage);
	assert_memory_equal(after, garbage, sizeof garbage);
	free(after);
	struct stat st;
	assert_int_equal(stat(fx->db.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	char aux[256];
	snprintf(aux, sizeof aux, "%s-wal", fx->db.path);
	assert_int_equal(stat(aux, &st), -1);
	snprintf(aux, sizeof aux, "%s-shm", fx->db.path);
	assert_int_equal(stat(aux, &st), -1);
}

/* Two first opens of a new file at once (the console's scan and start-up check do it): both
 * succeed and the file stays. They used to race to switch it to WAL: one failed with
 * "database is locked" and its clean-up unlinked the file under the other. */
typedef struct {
	const char *path;
	store *s;
	char err[512];
} opener;

static void *open_it(void *arg)
{
	opener *o = arg;
	o->s = store_open(o->path, o->err, sizeof o->err);
	return NULL;
}

static void test_first_opens_at_once(void **state)
{
	fixture *fx = *state;
	for (int i = 0; i < 40; i++) {
		char path[200];
		snprintf(path, sizeof path, "%s/race-%d.db", fx->db.dir, i);
		opener a = { .path = path }, b = { .path = path };
		pthread_t ta, tb;
		assert_int_equal(pthread_create(&ta, NULL, open_it, &a), 0);
		assert_int_equal(pthread_create(&tb, NULL, open_it, &b), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		if (!a.s || !b.s)
			fail_msg("open %d: %s%s", i, a.s ? "" : a.err, b.s ? "" : b.err);
		store_close(a.s);
		store_close(b.s);
		assert_int_equal(test_query_i64(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	}
}

static void test_corrupt_database_untouched(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01", 1000);
	for (int i = 0; i < 300; i++)
		assert_int_equal(store_message_add(s, 1000 + i, "info", "test", "vm-1",
						   "a sentence long enough to fill several pages of the "
						   "messages table quickly", err, sizeof err), 0);
	(void)conn;
	store_close(s); /* last close checkpoints: everything is in the main file */

	size_t n;
	char *bytes = read_file_bytes(fx->db.path, &n);
	assert_true(n >= 4096 * 6);
	struct stat clean;
	assert_int_equal(stat(fx->db.path, &clean), 0);
	/* smash the header of the last b-tree page (the messages data), keep the file
	 * header valid so SQLite opens it and only the check can tell */
	memset(bytes + n - 4096, 0x5A, 200);
	write_file_bytes(fx->db.path, bytes, n);
	/* Bit rot that keeps size and mtime (F14): the clean-close stamp must not vouch for it. */
	struct timespec times[2] = { clean.st_atim, clean.st_mtim };
	assert_int_equal(utimensat(AT_FDCWD, fx->db.path, times, 0), 0);
	struct stat rotten;
	assert_int_equal(stat(fx->db.path, &rotten), 0);
	assert_int_equal(rotten.st_size, clean.st_size);
	assert_int_equal(rotten.st_mtim.tv_nsec, clean.st_mtim.tv_nsec);

	assert_null(store_open(fx->db.path, err, sizeof err));
	assert_non_null(strstr(err, fx->db.path));
	char want[512];
	snprintf(want, sizeof want, "the history %s is damaged (integrity check: Page %zu: "
		 "btreeInitPage() returns error code 11); it was left untouched: move it aside "
		 "or restore a backup, or use --db", fx->db.path, n / 4096);
	assert_string_equal(err, want);
	size_t n2;
	char *after = read_file_bytes(fx->db.path, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(bytes, after, n);
	free(bytes);
	free(after);
}

/* ---- scans ---- */

static void test_scan_round_trip(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01.example.com", 1795300000);
	vm_facts f, g;
	verdict v, w;
	make_facts(&f, "vm-42", "sql-prod-01", PROBE_OK, 1795340000, "SqlServerWriter");
	make_verdict(&v);
	int64_t scan = scan_one(s, conn, 1795341600, &f, &v);

	assert_int_equal(test_query_i64(fx->db.path, "SELECT n_vms FROM scans"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT finished_at FROM scans"), 1795341605);
	char *t = query_text(fx->db.path, "SELECT name || '|' || power || '|' || os_family || '|' ||"
				       " tools_status || '|' || tools_version || '|' || best || '|' ||"
				       " predicted || '|' || status || '|' || probe_state || '|' ||"
				       " probe_at || '|' || enable_uuid || '|' || snapshot_count"
				       " FROM scan_vms JOIN vm_states ON vm_states.id = state_id");
	assert_string_equal(t, "sql-prod-01|poweredOn|win2019|running|12389|application|fail|"
			       "manual|ok|1795340000|false|3");
	free(t);
	t = query_text(fx->db.path, "SELECT group_concat(rule || ':' || severity || ':' || cap || ':' ||"
				 " fix, ' ') FROM (SELECT * FROM findings ORDER BY seq)");
	assert_string_equal(t, "R07:error:filesystem:auto R09:error:filesystem:manual "
			       "R14:warn:none:manual");
	free(t);

	model_vm_facts_init(&g);
	model_verdict_init(&w);
	assert_int_equal(store_scan_vm_get(s, scan, "vm-42", &g, &w, err, sizeof err), 1);
	/* every fact back */
	assert_string_equal(g.moref, "vm-42");
	assert_string_equal(g.name, "sql-prod-01");
	assert_string_equal(g.folder, "/DC1/vm/SQL");
	assert_false(g.is_template);
	assert_string_equal(g.config_guest_id, "windows9Server64Guest");
	assert_int_equal(g.hw_version, 19);
	assert_int_equal(g.enable_uuid, TRI_NO);
	assert_string_equal(g.enable_uuid_raw, "false");
	assert_int_equal(g.n_disks, 2);
	assert_string_equal(g.disks[1].label, "Hard disk \"2\"\n");
	assert_int_equal(g.disks[1].controller, CTRL_IDE);
	assert_int_equal(g.disks[1].bus, 1);
	assert_int_equal(g.disks[1].unit, 1);
	assert_int_equal(g.disks[1].mode, DISK_INDEPENDENT_PERSISTENT);
	assert_int_equal(g.disks[0].capacity_kb, 41943040);
	assert_int_equal(g.n_scsi_controllers, 1);
	assert_int_equal(g.scsi_units_used, 1);
	assert_int_equal(g.power, POWER_ON);
	assert_int_equal(g.boot_time, 1795300000);
	assert_string_equal(g.guest_full_name, "Microsoft Windows Server 2019 (64-bit)");
	assert_int_equal(g.guest_build, 17763);
	assert_int_equal(g.tools, TOOLS_RUNNING);
	assert_int_equal(g.tools_version_status, TOOLS_VS_CURRENT);
	assert_int_equal(g.tools_version, 12389);
	assert_int_equal(g.n_volumes, 1);
	assert_string_equal(g.volumes[0].path, "C:\\");
	assert_true(g.volumes[0].capacity_bytes == 107374182400LL);
	assert_true(g.volumes[0].free_bytes == 5368709120LL);
	assert_int_equal(g.snapshot_count, 3);
	assert_true(g.tools_upgrade_running);
	assert_int_equal(g.enable_uuid_set_at, 1795200000);
	assert_int_equal(g.probe.state, PROBE_OK);
	assert_int_equal(g.probe.at, 1795340000);
	assert_null(g.probe.error);
	assert_int_equal(g.probe.vmvss.installed, TRI_YES);
	assert_int_equal(g.probe.vmvss.state, SVC_STATE_RUNNING);
	assert_int_equal(g.probe.vmvss.start, SVC_START_AUTO);
	assert_string_equal(g.probe.vmvss.raw_state, "4  RUNNING");
	assert_int_equal(g.probe.lgto_sync.installed, TRI_NO);
	assert_int_equal(g.probe.vss.start, SVC_START_DEMAND);
	assert_int_equal(g.probe.writers_known, TRI_YES);
	assert_int_equal(g.probe.n_writers, 1);
	assert_string_equal(g.probe.writers[0].name, "SqlServerWriter");
	assert_string_equal(g.probe.writers[0].id, "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}");
	assert_int_equal(g.probe.writers[0].state, WRITER_FAILED);
	assert_int_equal(g.probe.writers[0].last_error, WRITER_ERR_TIMEOUT);
	assert_string_equal(g.probe.writers[0].last_error_text, "Timed out");
	assert_int_equal(g.probe.disable_app_quiescing, TRI_NO);
	assert_int_equal(g.probe.enable_vss, TRI_UNKNOWN);
	assert_true(g.probe.tools_conf_read);
	assert_int_equal(g.probe.storage_spaces, TRI_YES);
	assert_string_equal(g.probe.storage_spaces_evidence, "Get-StoragePool: Pool1");
	assert_null(g.probe.dynamic_disks_evidence);
	/* and the verdict */
	assert_int_equal(w.family, OS_WIN2019);
	assert_int_equal(w.best, LEVEL_APPLICATION);
	assert_int_equal(w.predicted, LEVEL_FAIL);
	assert_int_equal(w.status, STATUS_MANUAL);
	assert_int_equal(w.n_findings, 3);
	assert_string_equal(w.findings[0].rule, "R07");
	assert_int_equal(w.findings[0].fix, FIX_AUTO);
	assert_string_equal(w.findings[0].evidence, "disk.EnableUUID is false");
	assert_string_equal(w.findings[1].rule, "R09");
	assert_null(w.findings[1].evidence);
	assert_int_equal(w.findings[2].sev, SEVERITY_WARN);
	assert_int_equal(w.findings[2].cap, LEVEL_NONE);

	assert_int_equal(store_scan_vm_get(s, scan, "vm-404", &g, &w, err, sizeof err), 0);
	model_vm_facts_done(&g);
	model_verdict_done(&w);
	model_vm_facts_done(&f);
	model_verdict_done(&v);
	store_close(s);
}

static void test_last_probe(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t c1 = add_connection(s, "vc01.example.com", 1000);
	int64_t c2 = add_connection(s, "vc02.example.com", 1000);
	vm_facts f;
	verdict v;
	make_verdict(&v);

	make_facts(&f, "vm-42", "sql", PROBE_OK, 2000, "OldWriter");
	scan_one(s, c1, 2000, &f, &v);
	model_vm_facts_done(&f);
	make_facts(&f, "vm-42", "sql", PROBE_OK, 3000, "NewWriter");
	scan_one(s, c1, 3000, &f, &v);
	model_vm_facts_done(&f);
	/* later scans: unavailable, then a stale copy: neither counts as a probe */
	make_facts(&f, "vm-42", "sql", PROBE_UNAVAILABLE, 4000, NULL);
	scan_one(s, c1, 4000, &f, &v);
	model_vm_facts_done(&f);
	make_facts(&f, "vm-42", "sql", PROBE_OK, 5000, "StaleWriter");
	f.probe.state = PROBE_STALE;
	scan_one(s, c1, 5000, &f, &v);
	model_vm_facts_done(&f);
	/* the same moref on another vCenter is another VM */
	make_facts(&f, "vm-42", "other", PROBE_OK, 9000, "OtherVcWriter");
	scan_one(s, c2, 9000, &f, &v);
	model_vm_facts_done(&f);

	guest_probe p;
	model_guest_probe_init(&p);
	assert_int_equal(store_last_probe(s, "vc01.example.com", "vm-42", &p, err, sizeof err), 1);
	assert_int_equal(p.state, PROBE_OK);
	assert_int_equal(p.at, 3000);
	assert_int_equal(p.n_writers, 1);
	assert_string_equal(p.writers[0].name, "NewWriter");
	assert_string_equal(p.vmvss.raw_state, "4  RUNNING");
	/* host names are case-insensitive; the old contents of p are released */
	assert_int_equal(store_last_probe(s, "VC02.example.com", "vm-42", &p, err, sizeof err), 1);
	assert_string_equal(p.writers[0].name, "OtherVcWriter");
	assert_int_equal(store_last_probe(s, "vc01.example.com", "vm-43", &p, err, sizeof err), 0);
	assert_int_equal(store_last_probe(s, "vc03", "vm-42", &p, err, sizeof err), 0);
	model_guest_probe_done(&p);
	model_verdict_done(&v);
	store_close(s);
}

static void test_scan_abort_leaves_nothing(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01", 1000);
	vm_facts f;
	verdict v;
	make_facts(&f, "vm-1", "a", PROBE_OK, 1000, "W");
	make_verdict(&v);

	int64_t scan = store_scan_begin(s, conn, 2000, NULL, err, sizeof err);
	assert_true(scan > 0);
	assert_true(store_in_transaction(s));
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), 0);
	/* a second VM with the same moref fails, the same facts or others; the first VM stays */
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot record a scanned VM"));
	assert_non_null(strstr(err, "vm-1 is already in scan"));
	free(f.name);
	f.name = xstrdup("renamed");
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "vm-1 is already in scan"));
	free(f.name);
	f.name = xstrdup("a");
	/* a scan cannot start inside another */
	assert_int_equal(store_scan_begin(s, conn, 2001, NULL, err, sizeof err), -1);
	/* the open scan is invisible to others */
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 0);
	store_scan_abort(s, scan);
	assert_false(store_in_transaction(s));
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scan_vms"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM findings"), 0);
	/* adding to an aborted scan is refused */
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), -1);
	char want[300];
	snprintf(want, sizeof want, "scan %lld is not open for writing in the history %s",
		 (long long)scan, fx->db.path);
	assert_string_equal(err, want);

	/* a scan open when the store is closed (the process ends mid-scan) leaves nothing */
	scan = store_scan_begin(s, conn, 3000, NULL, err, sizeof err);
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), 0);
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scan_vms"), 0);

	/* the VM that failed within a committed scan left no half rows */
	s = test_store_open(fx->db.path);
	scan = store_scan_begin(s, conn, 4000, NULL, err, sizeof err);
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), 0);
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), -1);
	free(f.name);
	f.name = xstrdup("renamed"); /* another state, the same moref */
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), -1);
	free(f.name);
	f.name = xstrdup("a");
	assert_int_equal(store_scan_commit(s, scan, 4001, err, sizeof err), 0);
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT n_vms FROM scans"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM vm_states"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM findings"), 3);

	/* a VM whose findings fail after its row went in: the row is taken out again */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->db.path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER refuse_r99 BEFORE INSERT ON findings"
					  " WHEN NEW.rule = 'R99' BEGIN SELECT RAISE(ABORT, 'injected');"
					  " END", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = test_store_open(fx->db.path);
	scan = store_scan_begin(s, conn, 5000, NULL, err, sizeof err);
	model_verdict_add(&v, "R99", SEVERITY_INFO, LEVEL_NONE, FIX_NONE, "refused", NULL);
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot record a finding"));
	assert_non_null(strstr(err, "injected"));
	assert_true(store_in_transaction(s));
	free(f.moref);
	f.moref = xstrdup("vm-2");
	model_verdict_done(&v);
	make_verdict(&v);
	assert_int_equal(store_scan_add_vm(s, scan, &f, &v, err, sizeof err), 0);
	assert_int_equal(store_scan_commit(s, scan, 5001, err, sizeof err), 0);
	store_close(s);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT group_concat(moref) FROM scan_vms"
		 " JOIN vm_states ON vm_states.id = state_id WHERE scan_id = %lld", (long long)scan);
	char *morefs = query_text(fx->db.path, sql);
	assert_string_equal(morefs, "vm-2");
	free(morefs);
	snprintf(sql, sizeof sql, "SELECT n_vms FROM scans WHERE id = %lld", (long long)scan);
	assert_int_equal(test_query_i64(fx->db.path, sql), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM findings"), 6);
	model_vm_facts_done(&f);
	model_verdict_done(&v);
}

/* ---- fix journal ---- */

static void test_step_journal(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01.example.com", 1000);

	/* a plan appears whole */
	assert_int_equal(store_begin(s, err, sizeof err), 0);
	int64_t plan = store_plan_create(s, conn, 0, 2000, "{\"concurrency\":4}", err, sizeof err);
	assert_true(plan > 0);
	int64_t pvm = store_plan_vm_add(s, plan, "vm-42", "sql-prod-01", POWER_ON, err, sizeof err);
	assert_true(pvm > 0);
	const store_step_def defs[] = {
		{ 1, "shutdown_guest", "R07", "Shut down the guest" },
		{ 2, STORE_STEP_SET_ENABLE_UUID, "R07", "Set disk.EnableUUID=TRUE" },
		{ 3, "power_on", "R07", "Power on" },
	};
	int64_t steps[3];
	for (int i = 0; i < 3; i++) {
		steps[i] = store_step_add(s, pvm, &defs[i], err, sizeof err);
		assert_true(steps[i] > 0);
	}
	/* the journal refuses to write inside a transaction: it would not be durable */
	assert_int_equal(store_step_begin(s, steps[0], 2100, "poweredOn", POWER_ON, err, sizeof err), -1);
	char want[300];
	snprintf(want, sizeof want, "the start of a step must be durable at once, but a "
		 "transaction is open on the history %s", fx->db.path);
	assert_string_equal(err, want);
	assert_int_equal(store_commit(s, err, sizeof err), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM steps WHERE state = 'planned'"), 3);

	assert_int_equal(store_plan_set_state(s, plan, STORE_PLAN_RUNNING, 2050, err, sizeof err), 0);
	assert_int_equal(store_step_begin(s, steps[0], 2100, "poweredOn", POWER_ON, err, sizeof err), 0);
	/* visible to another process at once */
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM steps WHERE state = 'running'"), 1);
	/* a running step cannot start again */
	assert_int_equal(store_step_begin(s, steps[0], 2101, NULL, POWER_ON, err, sizeof err), -1);
	assert_non_null(strstr(err, "no planned step"));
	assert_int_equal(store_step_set_task(s, steps[0], "task-101", err, sizeof err), 0);
	store_task t = { .moref = "task-101", .vm = "vm-42", .kind = "VirtualMachine.shutdownGuest",
			 .state = STORE_TASK_RUNNING, .progress = 10, .started_at = 2100,
			 .step_id = steps[0] };
	int64_t task = store_task_record(s, conn, &t, err, sizeof err);
	assert_true(task > 0);
	t.state = STORE_TASK_SUCCESS;
	t.progress = 100;
	t.ended_at = 2130;
	t.started_at = 0; /* unknown now: the recorded value stays */
	t.step_id = 0;
	assert_int_equal(store_task_record(s, conn, &t, err, sizeof err), task);
	char *row = query_text(fx->db.path, "SELECT state || '|' || progress || '|' || started_at || '|'"
					 " || ended_at || '|' || step_id FROM tasks");
	char rwant[64];
	snprintf(rwant, sizeof rwant, "success|100|2100|2130|%lld", (long long)steps[0]);
	assert_string_equal(row, rwant);
	free(row);
	assert_int_equal(store_step_end(s, steps[0], STORE_STEP_DONE, 2130, "poweredOff", NULL,
					"poweredOff", err, sizeof err), 0);

	assert_int_equal(store_step_begin(s, steps[1], 2140, "absent", POWER_OFF, err, sizeof err), 0);
	assert_int_equal(store_step_end(s, steps[1], STORE_STEP_DONE, 2150, "reconfigured", NULL,
					"TRUE", err, sizeof err), 0);
	assert_int_equal(store_step_begin(s, steps[2], 2160, "poweredOff", POWER_ON, err, sizeof err), 0);
	assert_int_equal(store_step_end(s, steps[2], STORE_STEP_FAILED, 2170, NULL,
					"InvalidPowerState: the VM is in an invalid state", NULL,
					err, sizeof err), 0);
	assert_int_equal(store_step_end(s, steps[2], STORE_STEP_RUNNING, 2170, NULL, NULL, NULL,
					err, sizeof err), -1);
	assert_string_equal(err, "a step cannot end in state running");

	store_step_state stt;
	assert_int_equal(store_step_get_state(s, steps[0], &stt, err, sizeof err), 1);
	assert_int_equal(stt, STORE_STEP_DONE);
	assert_int_equal(store_step_get_state(s, steps[2], &stt, err, sizeof err), 1);
	assert_int_equal(stt, STORE_STEP_FAILED);
	assert_int_equal(store_step_get_state(s, 9999, &stt, err, sizeof err), 0);
	row = query_text(fx->db.path, "SELECT before_value || '|' || after_value || '|' ||"
				   " original_power_state || '|' || started_at || '|' || ended_at ||"
				   " '|' || task_moref FROM steps WHERE seq = 1");
	assert_string_equal(row, "poweredOn|poweredOff|poweredOn|2100|2130|task-101");
	free(row);

	assert_int_equal(store_plan_vm_set_outcome(s, pvm, "partial", "powered back on by hand",
						   err, sizeof err), 0);
	assert_int_equal(store_plan_set_state(s, plan, STORE_PLAN_FAILED, 2200, err, sizeof err), 0);
	assert_int_equal(store_plan_set_state(s, 777, STORE_PLAN_DONE, 2200, err, sizeof err), -1);
	row = query_text(fx->db.path, "SELECT state || '|' || updated_at FROM plans");
	assert_string_equal(row, "failed|2200");
	free(row);

	/* R08's input: when our fix set disk.EnableUUID */
	time_t at = 0;
	assert_int_equal(store_enable_uuid_set_at(s, "VC01.example.com", "vm-42", &at, err, sizeof err), 1);
	assert_int_equal(at, 2150);
	assert_int_equal(store_enable_uuid_set_at(s, "vc01.example.com", "vm-43", &at, err, sizeof err), 0);
	assert_int_equal(store_enable_uuid_set_at(s, "vc02", "vm-42", &at, err, sizeof err), 0);
	/* --probe-max-age's input: the last done step of any kind (the failed one does not count) */
	assert_int_equal(store_last_fix_step_at(s, "VC01.example.com", "vm-42", &at, err, sizeof err), 1);
	assert_int_equal(at, 2150);
	assert_int_equal(store_last_fix_step_at(s, "vc01.example.com", "vm-43", &at, err, sizeof err), 0);
	assert_int_equal(at, 0);
	assert_int_equal(store_last_fix_step_at(s, "vc02", "vm-42", &at, err, sizeof err), 0);
	store_close(s);
}

/* ---- test snapshots ---- */

static void test_snaptest_records(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01.example.com", 1000);
	store_snaptest_def def = {
		.moref = "vm-42", .vm_name = "sql-prod-01",
		.snapshot_name = "quiescent-test-20261122T100000Z",
		.spec_json = "{\"vssBackupType\":5,\"timeout\":15}",
		.method = "CreateSnapshotEx_Task", .predicted = LEVEL_APPLICATION, .at = 1795341600,
	};
	assert_int_equal(store_begin(s, err, sizeof err), 0);
	assert_int_equal(store_snaptest_create(s, conn, &def, err, sizeof err), -1);
	store_rollback(s);
	int64_t id = store_snaptest_create(s, conn, &def, err, sizeof err);
	assert_true(id > 0);
	def.snapshot_name = "quiescent-test-other";
	int64_t id2 = store_snaptest_create(s, conn, &def, err, sizeof err);

	store_snaptest_ref refs[4];
	/* Ours and we live: running, not unfinished. */
	assert_int_equal(store_snaptest_unfinished(s, "vc01.example.com", refs, 4, err, sizeof err), 0);
	/* As if a process that died had made them (its lock file is gone). */
	exec_sql(fx->db.path, "UPDATE snaptests SET owner_lock = '/nonexistent/dead.lock'");
	assert_int_equal(store_snaptest_unfinished(s, "vc01.example.com", refs, 4, err, sizeof err), 2);
	assert_int_equal(refs[0].id, id);
	assert_string_equal(refs[0].moref, "vm-42");
	assert_string_equal(refs[0].vm_name, "sql-prod-01");
	assert_string_equal(refs[0].snapshot_name, "quiescent-test-20261122T100000Z");
	assert_int_equal(refs[0].state, STORE_SNAPTEST_CREATED);
	assert_int_equal(store_snaptest_unfinished(s, "vc01.example.com", refs, 1, err, sizeof err), 1);
	assert_int_equal(store_snaptest_unfinished(s, "vc09", refs, 4, err, sizeof err), 0);

	assert_int_equal(store_snaptest_set_running(s, id, "task-7", err, sizeof err), 0);
	assert_int_equal(store_snaptest_set_running(s, id, "task-7", err, sizeof err), -1);
	assert_int_equal(store_snaptest_unfinished(s, "vc01.example.com", refs, 4, err, sizeof err), 2);
	assert_int_equal(refs[0].state, STORE_SNAPTEST_RUNNING);
	assert_int_equal(store_snaptest_event_add(s, id, 1795341601, "task", "progress 40%", err, sizeof err), 0);
	assert_int_equal(store_snaptest_event_add(s, id, 1795341602, "event",
						  "Creating a quiesced snapshot of sql-prod-01", err, sizeof err), 0);
	store_writer_result wr = {
		.phase = "manifest", .name = "SqlServerWriter", .writer_id = "{a65faa63}",
		.instance_id = "{i-1}", .usage = "USER_DATA", .data_source = "TRANSACTION_DB",
		.components_json = "[{\"logical_path\":\"SQL01\",\"name\":\"master\",\"type\":\"database\"}]",
	};
	assert_int_equal(store_writer_result_add(s, id, &wr, err, sizeof err), 0);
	store_writer_result after = { .phase = "after", .name = "SqlServerWriter",
				      .state = "stable", .last_error = "No error" };
	assert_int_equal(store_writer_result_add(s, id, &after, err, sizeof err), 0);
	store_writer_result badphase = { .phase = "during", .name = "X" };
	assert_int_equal(store_writer_result_add(s, id, &badphase, err, sizeof err), -1);
	assert_non_null(strstr(err, "CHECK constraint failed"));

	static const unsigned char zip[] = { 'P', 'K', 3, 4, 0, 0xff, 0, 'z' };
	store_snaptest_result r = {
		.state = STORE_SNAPTEST_REMOVED, .result = "success", .achieved = LEVEL_APPLICATION,
		.snapshot_moref = "snapshot-9", .duration_ms = 41250,
		.manifest_file = "sql-prod-01-vss_manifests1.zip", .manifest = zip,
		.manifest_len = sizeof zip, .backup_type = "copy", .snapshot_removed = true,
		.ended_at = 1795341642,
	};
	assert_int_equal(store_snaptest_finish(s, id, &r, err, sizeof err), 0);
	r.state = STORE_SNAPTEST_RUNNING;
	assert_int_equal(store_snaptest_finish(s, id, &r, err, sizeof err), -1);
	assert_string_equal(err, "a test snapshot cannot finish in state running");
	assert_int_equal(store_snaptest_unfinished(s, "vc01.example.com", refs, 4, err, sizeof err), 1);
	assert_int_equal(refs[0].id, id2);
	store_close(s);

	char *row = query_text(fx->db.path, "SELECT state || '|' || result || '|' || predicted || '|' ||"
					 " achieved || '|' || snapshot_moref || '|' || task_moref ||"
					 " '|' || duration_ms || '|' || snapshot_removed || '|' ||"
					 " hex(manifest) || '|' || backup_type FROM snaptests WHERE id = 1");
	assert_string_equal(row, "removed|success|application|application|snapshot-9|task-7|41250|1|"
				 "504B030400FF007A|copy");
	free(row);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM snaptest_events WHERE snaptest_id = 1"), 2);
	row = query_text(fx->db.path, "SELECT group_concat(phase || ':' || name || ':' ||"
				   " coalesce(usage, '-') || ':' || coalesce(state, '-'), ' ')"
				   " FROM writer_results");
	assert_string_equal(row, "manifest:SqlServerWriter:USER_DATA:- after:SqlServerWriter:-:stable");
	free(row);
}

/* ---- one VM, one live worker: the claim ---- */

/* What a racer does at the start signal: claim vm-42 by a test (kind 0) or a plan (kind 1). */
static int race_claim(const char *path, int64_t conn, int kind, int go, int result, int hold)
{
	char err[512] = "";
	store *s = store_open(path, err, sizeof err);
	if (!s)
		return 2;
	int64_t plan_vm = 0;
	if (kind == 1) {   /* the plan is made and running before the start, as fix_execute does */
		int64_t plan = store_plan_create(s, conn, 0, 2000, NULL, err, sizeof err);
		plan_vm = plan > 0 ? store_plan_vm_add(s, plan, "vm-42", "sql", POWER_ON, err,
							sizeof err) : -1;
		if (plan_vm < 0 || store_plan_set_state(s, plan, STORE_PLAN_RUNNING, 2001, err,
							 sizeof err) < 0)
			return 2;
	}
	char c = 'r';
	if (write(result, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 2;
	store_owner who;
	int rc;
	if (kind == 0) {
		store_snaptest_def def = { .moref = "vm-42", .vm_name = "sql", .snapshot_name = "t",
					   .method = "CreateSnapshotEx_Task", .at = 2000, .busy = &who };
		int64_t id = store_snaptest_create(s, conn, &def, err, sizeof err);
		rc = id > 0 ? 1 : id == 0 ? 0 : -1;
	} else {
		rc = store_vm_claim(s, STORE_CLAIM_PLAN_VM, plan_vm, &who, err, sizeof err);
	}
	c = rc == 1 ? 'W' : rc == 0 && who.alive && who.pid != getpid() ? 'B' : 'E';
	if (c == 'E')
		fprintf(stderr, "racer %d: %s\n", kind, err);
	if (write(result, &c, 1) != 1)
		return 2;
	while (read(hold, &c, 1) > 0)   /* alive, holding what it won, until the parent says */
		;
	store_close(s);
	return 0;
}

/* Two processes start on one VM at the same instant (a test and a fix): exactly one gets it,
 * the other is told who has it; the claim ends with its owner or with its row. */
static void test_vm_claim_race(void **state)
{
	fixture *fx = *state;
	char err[512] = "", sql[200];
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01.example.com", 1000);
	store_close(s);
	int wins[2] = { 0, 0 };
	for (int round = 0; round < 12; round++) {
		int go[2], result[2][2], hold[2];
		pid_t pid[2];
		assert_int_equal(pipe(go), 0);
		assert_int_equal(pipe(hold), 0);
		for (int k = 0; k < 2; k++) {
			assert_int_equal(pipe(result[k]), 0);
			pid[k] = fork();
			assert_true(pid[k] >= 0);
			if (pid[k] == 0) {
				close(go[1]);
				close(hold[1]);
				close(result[k][0]);
				/* in turn, so neither always starts first */
				_exit(race_claim(fx->db.path, conn, (k + round) % 2, go[0], result[k][1],
						 hold[0]));
			}
			close(result[k][1]);
		}
		close(go[0]);
		close(hold[0]);
		char c;
		for (int k = 0; k < 2; k++)
			assert_int_equal(read(result[k][0], &c, 1), 1);   /* both ready */
		assert_int_equal(write(go[1], "gg", 2), 2);
		char got[2];
		for (int k = 0; k < 2; k++)
			assert_int_equal(read(result[k][0], &got[k], 1), 1);
		assert_true((got[0] == 'W' && got[1] == 'B') || (got[0] == 'B' && got[1] == 'W'));
		wins[(got[0] == 'W' ? round : round + 1) % 2]++;
		close(hold[1]);
		close(go[1]);
		for (int k = 0; k < 2; k++) {
			int status;
			close(result[k][0]);
			assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
			assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
	}
	printf("claim race: 12 rounds, the test won %d, the fix won %d, never both\n", wins[0],
	       wins[1]);

	/* Both racers are dead: their claims are void, ours holds; our own second claim too. */
	s = test_store_open(fx->db.path);
	store_snaptest_def def = { .moref = "vm-42", .vm_name = "sql", .snapshot_name = "mine",
				   .method = "CreateSnapshotEx_Task", .at = 3000 };
	int64_t id = store_snaptest_create(s, conn, &def, err, sizeof err);
	assert_true(id > 0);
	int64_t plan = store_plan_create(s, conn, 0, 3000, NULL, err, sizeof err);
	int64_t pv = store_plan_vm_add(s, plan, "vm-42", "sql", POWER_ON, err, sizeof err);
	assert_int_equal(store_plan_set_state(s, plan, STORE_PLAN_RUNNING, 3001, err, sizeof err), 0);
	assert_int_equal(store_vm_claim(s, STORE_CLAIM_PLAN_VM, pv, NULL, err, sizeof err), 1);
	/* ours already: the running test keeps it */
	snprintf(sql, sizeof sql, "SELECT row_id FROM vm_claims WHERE kind = 'snaptest'");
	assert_int_equal(test_query_i64(fx->db.path, sql), id);
	/* once the test ends, the fix takes it */
	store_snaptest_result res = { .state = STORE_SNAPTEST_REMOVED, .result = "success",
				      .ended_at = 3100 };
	assert_int_equal(store_snaptest_finish(s, id, &res, err, sizeof err), 0);
	assert_int_equal(store_vm_claim(s, STORE_CLAIM_PLAN_VM, pv, NULL, err, sizeof err), 1);
	snprintf(sql, sizeof sql, "SELECT row_id FROM vm_claims WHERE kind = 'plan_vm'");
	assert_int_equal(test_query_i64(fx->db.path, sql), pv);
	/* One row per VM, however many claimed it; a row that does not exist is not claimed. */
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM vm_claims"), 1);
	assert_int_equal(store_vm_claim(s, STORE_CLAIM_PLAN_VM, 999999, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "999999"));
	store_close(s);
}

/* The planner's side of a claim at plan start: a plan of two VMs claimed in one transaction,
 * then released when go says; told through result ('r' claimed, 'd' released). */
static int plan_claimer(const char *path, int64_t conn, int go, int result, int hold)
{
	char err[512] = "", c;
	store *s = store_open(path, err, sizeof err);
	if (!s)
		return 2;
	int64_t plan = store_plan_create(s, conn, 0, 4000, NULL, err, sizeof err);
	int64_t a = store_plan_vm_add(s, plan, "vm-41", "web", POWER_ON, err, sizeof err);
	int64_t b = store_plan_vm_add(s, plan, "vm-42", "sql", POWER_ON, err, sizeof err);
	if (a < 0 || b < 0 || store_plan_set_state(s, plan, STORE_PLAN_RUNNING, 4001, err,
						    sizeof err) < 0)
		return 2;
	if (store_begin(s, err, sizeof err) < 0 ||
	    store_vm_claim(s, STORE_CLAIM_PLAN_VM, a, NULL, err, sizeof err) != 1 ||
	    store_vm_claim(s, STORE_CLAIM_PLAN_VM, b, NULL, err, sizeof err) != 1 ||
	    store_commit(s, err, sizeof err) < 0)
		return 2;
	if (write(result, "r", 1) != 1 || read(go, &c, 1) != 1)
		return 2;
	if (store_plan_release_claims(s, plan, err, sizeof err) < 0 || write(result, "d", 1) != 1)
		return 2;
	while (read(hold, &c, 1) > 0)   /* alive, its plan unfinished, until the parent says */
		;
	store_close(s);
	return 0;
}

/* A fix claims every VM of its plan at once: a test of the VM it has not reached yet is refused
 * while the planner lives; released, the VM is free although the planner still runs. */
static void test_plan_claims_at_start(void **state)
{
	fixture *fx = *state;
	char err[512] = "", c;
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01.example.com", 1000);
	store_close(s);   /* the child opens its own; nothing of ours crosses the fork */
	int go[2], result[2], hold[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(result), 0);
	assert_int_equal(pipe(hold), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		close(result[0]);
		close(hold[1]);
		_exit(plan_claimer(fx->db.path, conn, go[0], result[1], hold[0]));
	}
	close(go[0]);
	close(result[1]);
	close(hold[0]);
	s = test_store_open(fx->db.path);
	assert_int_equal(read(result[0], &c, 1), 1);
	assert_int_equal(c, 'r');
	store_owner who;
	store_snaptest_def def = { .moref = "vm-42", .vm_name = "sql", .snapshot_name = "t1",
				   .method = "CreateSnapshotEx_Task", .at = 4002, .busy = &who };
	assert_int_equal(store_snaptest_create(s, conn, &def, err, sizeof err), 0);
	assert_true(who.alive);
	assert_int_equal(who.pid, pid);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM vm_claims"), 2);
	/* Only asking (a plan printed): the same answer, nothing claimed. */
	memset(&who, 0, sizeof who);
	assert_int_equal(store_vm_holder(s, "VC01.example.com", "vm-41", &who, err, sizeof err), 1);
	assert_int_equal(who.pid, pid);
	assert_int_equal(store_vm_holder(s, "vc01.example.com", "vm-43", &who, err, sizeof err), 0);
	assert_int_equal(store_vm_holder(s, "vc02", "vm-41", &who, err, sizeof err), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(result[0], &c, 1), 1);
	assert_int_equal(c, 'd');
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM vm_claims"), 0);
	assert_int_equal(store_vm_holder(s, "vc01.example.com", "vm-41", &who, err, sizeof err), 0);
	def.snapshot_name = "t2";
	int64_t id = store_snaptest_create(s, conn, &def, err, sizeof err);
	assert_true(id > 0);
	/* our own test: not another process's */
	assert_int_equal(store_vm_holder(s, "vc01.example.com", "vm-42", &who, err, sizeof err), 0);
	/* A release touches only its own plan's rows: the test's claim stays. */
	assert_int_equal(store_plan_release_claims(s, test_query_i64(fx->db.path, "SELECT id FROM plans"),
						   err, sizeof err), 0);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT row_id FROM vm_claims"), id);
	close(hold[1]);
	close(go[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(result[0]);
	store_close(s);
}

/* Tasks left 'running': listed for settling once nobody follows them (the test ended, or its
 * process died); a live owner's running test keeps its task. */
static void test_tasks_unsettled(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01.example.com", 1000);
	store_snaptest_def def = { .moref = "vm-1", .vm_name = "a", .snapshot_name = "t1",
				   .method = "CreateSnapshotEx_Task", .at = 2000 };
	int64_t live = store_snaptest_create(s, conn, &def, err, sizeof err);
	def.moref = "vm-2";
	int64_t ended = store_snaptest_create(s, conn, &def, err, sizeof err);
	assert_true(live > 0 && ended > 0);
	store_snaptest_result res = { .state = STORE_SNAPTEST_REMOVED, .result = "error",
				      .ended_at = 2100 };
	assert_int_equal(store_snaptest_finish(s, ended, &res, err, sizeof err), 0);
	store_task t = { .moref = "task-1", .vm = "vm-1", .kind = "CreateSnapshotEx_Task",
			 .state = STORE_TASK_RUNNING, .progress = 10, .started_at = 2000,
			 .snaptest_id = live };
	assert_true(store_task_record(s, conn, &t, err, sizeof err) > 0);
	t.moref = "task-2";
	t.vm = "vm-2";
	t.snaptest_id = ended;
	assert_true(store_task_record(s, conn, &t, err, sizeof err) > 0);
	t.moref = "task-3";
	t.state = STORE_TASK_SUCCESS;
	assert_true(store_task_record(s, conn, &t, err, sizeof err) > 0);

	store_task_ref refs[4];
	/* ours and running: only the ended test's task */
	assert_int_equal(store_tasks_unsettled(s, "VC01.example.com", refs, 4, err, sizeof err), 1);
	assert_string_equal(refs[0].moref, "task-2");
	assert_string_equal(refs[0].vm, "vm-2");
	assert_int_equal(refs[0].connection_id, conn);
	/* its process died: its task is nobody's now */
	exec_sql(fx->db.path, "UPDATE snaptests SET owner_lock = '/nonexistent/dead.lock'");
	assert_int_equal(store_tasks_unsettled(s, "vc01.example.com", refs, 4, err, sizeof err), 2);
	assert_int_equal(store_tasks_unsettled(s, "vc01.example.com", refs, 1, err, sizeof err), 1);
	assert_int_equal(store_tasks_unsettled(s, "vc09", refs, 4, err, sizeof err), 0);
	/* settled: recorded as it ended, no longer listed */
	store_task done = { .moref = "task-2", .kind = "CreateSnapshotEx_Task",
			    .state = STORE_TASK_ERROR, .progress = -1, .ended_at = 2200,
			    .error = "vCenter no longer knows this task" };
	assert_true(store_task_record(s, conn, &done, err, sizeof err) > 0);
	assert_int_equal(store_tasks_unsettled(s, "vc01.example.com", refs, 4, err, sizeof err), 1);
	assert_string_equal(refs[0].moref, "task-1");
	assert_int_equal(test_query_i64(fx->db.path, "SELECT snaptest_id FROM tasks WHERE moref = 'task-2'"),
			 ended);
	store_close(s);
}

/* ---- who runs a plan ---- */

/* A child process that holds an exclusive flock on lock until *release is closed. */
static pid_t hold_lock(const char *lock, int *release)
{
	int ready[2], hold[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		int fd = open(lock, O_RDWR | O_CREAT, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		char c = 'r';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*release = hold[1];
	return pid;
}

/* The store a test holds open while it forks helpers: each child exits with its copy of the
 * heap, and valgrind's leak check there must see the store referenced, not lost. */
static store *volatile open_across_forks;   /* volatile: the store must happen */

static void test_run_ownership(void **state)
{
	fixture *fx = *state;
	char err[512] = "", sql[1024];
	store *s = test_store_open(fx->db.path);
	open_across_forks = s;
	int64_t conn = add_connection(s, "vc01.example.com", 1000);
	int64_t plan = store_plan_create(s, conn, 0, 2000, NULL, err, sizeof err);
	assert_true(plan > 0);
	assert_int_equal(store_plan_set_state(s, plan, STORE_PLAN_RUNNING, 2001, err, sizeof err), 0);
	/* Stamped with this process at once. */
	snprintf(sql, sizeof sql, "SELECT owner_pid FROM plans WHERE id = %lld", (long long)plan);
	assert_int_equal(test_query_i64(fx->db.path, sql), getpid());
	store_owner o;
	assert_int_equal(store_owner_of(s, "plans", plan, &o, err, sizeof err), 0);
	assert_true(o.alive && o.is_self);
	int64_t ids[4];
	assert_int_equal(store_plans_unfinished(s, "vc01.example.com", ids, 4, err, sizeof err), 0);
	assert_int_equal(store_plans_live(s, "vc01.example.com", ids, 4, err, sizeof err), 0);

	/* Another live process owns it: listed as live, never unfinished, never adopted. */
	char lock[256];
	snprintf(lock, sizeof lock, "%s/other.lock", fx->db.dir);
	int release;
	pid_t child = hold_lock(lock, &release);
	snprintf(sql, sizeof sql, "UPDATE plans SET owner_lock = '%s', owner_pid = %ld,"
		 " owner_host = 'elsewhere' WHERE id = %lld", lock, (long)child, (long long)plan);
	exec_sql(fx->db.path, sql);
	assert_int_equal(store_plans_unfinished(s, "vc01.example.com", ids, 4, err, sizeof err), 0);
	assert_int_equal(store_plans_live(s, "vc01.example.com", ids, 4, err, sizeof err), 1);
	assert_int_equal(store_owner_adopt(s, "plans", plan, &o, err, sizeof err), 0);
	assert_true(o.alive && !o.is_self);
	assert_int_equal(o.pid, child);
	assert_string_equal(o.host, "elsewhere");
	char who[400];
	store_owner_describe(&o, who, sizeof who);
	assert_non_null(strstr(who, "elsewhere"));

	/* It dies: the OS drops its lock; the plan is unfinished and adopted by us. */
	close(release);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(store_plans_unfinished(s, "vc01.example.com", ids, 4, err, sizeof err), 1);
	assert_int_equal(store_owner_adopt(s, "plans", plan, &o, err, sizeof err), 1);
	snprintf(sql, sizeof sql, "SELECT owner_pid FROM plans WHERE id = %lld", (long long)plan);
	assert_int_equal(test_query_i64(fx->db.path, sql), getpid());
	assert_int_equal(access(lock, F_OK), -1);   /* the dead owner's file is gone */
	assert_int_equal(store_plans_unfinished(s, "vc01.example.com", ids, 4, err, sizeof err), 0);

	/* Interrupted with a VM perhaps off: unfinished once its owner is gone, until recovered. */
	assert_int_equal(store_plan_set_state(s, plan, STORE_PLAN_INTERRUPTED, 2002, err, sizeof err), 0);
	exec_sql(fx->db.path, "UPDATE plans SET owner_lock = NULL");
	assert_int_equal(store_plans_unfinished(s, "vc01.example.com", ids, 4, err, sizeof err), 1);

	/* A live recoverer adopted it: live, not unfinished, and its VMs held whatever their
	 * outcome (a test of one is refused, naming it) until the plan is recovered. */
	int64_t pv = store_plan_vm_add(s, plan, "vm-77", "app", POWER_ON, err, sizeof err);
	assert_true(pv > 0);
	assert_int_equal(store_plan_vm_set_outcome(s, pv, "failed", "interrupted", err, sizeof err), 0);
	assert_int_equal(store_vm_claim(s, STORE_CLAIM_PLAN_VM, pv, NULL, err, sizeof err), 1);
	child = hold_lock(lock, &release);
	snprintf(sql, sizeof sql, "UPDATE plans SET owner_lock = '%s', owner_pid = %ld,"
		 " owner_host = 'recoverer' WHERE id = %lld", lock, (long)child, (long long)plan);
	exec_sql(fx->db.path, sql);
	assert_int_equal(store_plans_unfinished(s, "vc01.example.com", ids, 4, err, sizeof err), 0);
	assert_int_equal(store_plans_live(s, "vc01.example.com", ids, 4, err, sizeof err), 1);
	store_owner busy;
	store_snaptest_def def = { .moref = "vm-77", .vm_name = "app", .snapshot_name = "t",
				   .method = "CreateSnapshotEx_Task", .at = 2002, .busy = &busy };
	assert_int_equal(store_snaptest_create(s, conn, &def, err, sizeof err), 0);
	assert_true(busy.alive);
	assert_int_equal(busy.pid, child);
	assert_int_equal(store_plan_set_recovered(s, plan, 2003, err, sizeof err), 0);
	assert_int_equal(store_plans_unfinished(s, "vc01.example.com", ids, 4, err, sizeof err), 0);
	assert_int_equal(store_plans_live(s, "vc01.example.com", ids, 4, err, sizeof err), 0);
	def.snapshot_name = "t2";
	assert_true(store_snaptest_create(s, conn, &def, err, sizeof err) > 0);   /* recovered: free */
	close(release);
	assert_int_equal(waitpid(child, &status, 0), child);
	store_close(s);
}

static void test_events_and_messages(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *s = test_store_open(fx->db.path);
	int64_t conn = add_connection(s, "vc01", 1000);
	assert_int_equal(store_event_add(s, conn, 501, "vm-42", 1100, "VmReconfiguredEvent",
					 "VSPHERE.LOCAL\\admin", "Reconfigured sql-prod-01", err, sizeof err), 0);
	/* the same event seen twice (live tail + query) is kept once */
	assert_int_equal(store_event_add(s, conn, 501, "vm-42", 1100, "VmReconfiguredEvent",
					 NULL, "Reconfigured sql-prod-01", err, sizeof err), 0);
	assert_int_equal(store_message_add(s, 1200, "error", "fix", "vm-42",
					   "Shutting down sql-prod-01 timed out.", err, sizeof err), 0);
	assert_int_equal(store_message_add(s, 1200, "fatal", "fix", NULL, "x", err, sizeof err), -1);
	store_close(s);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM events"), 1);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM messages"), 1);
}

/* ---- two connections ---- */

typedef struct {
	store *s;
	int64_t scan;
} holder;

static void *commit_later(void *arg)
{
	holder *h = arg;
	char err[256];
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	assert_int_equal(store_scan_commit(h->s, h->scan, 10, err, sizeof err), 0);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_two_connections(void **state)
{
	fixture *fx = *state;
	char err[512] = "";
	store *a = test_store_open(fx->db.path);
	store *b = test_store_open(fx->db.path); /* the console and a cron scan */
	int64_t conn = add_connection(a, "vc01", 1000);
	vm_facts f;
	verdict v;
	make_facts(&f, "vm-1", "a", PROBE_OK, 500, "W");
	make_verdict(&v);
	scan_one(b, conn, 600, &f, &v);

	holder h = { a, 0 };
	h.scan = store_scan_begin(a, conn, 700, NULL, err, sizeof err);
	assert_true(h.scan > 0);
	assert_int_equal(store_scan_add_vm(a, h.scan, &f, &v, err, sizeof err), 0);

	/* WAL: b reads while a holds the write lock */
	guest_probe p;
	model_guest_probe_init(&p);
	assert_int_equal(store_last_probe(b, "vc01", "vm-1", &p, err, sizeof err), 1);
	assert_int_equal(p.at, 500);
	model_guest_probe_done(&p);

	/* b's write waits for a's commit (busy timeout) instead of failing */
	pthread_t th;
	double t0 = now_s();
	assert_int_equal(pthread_create(&th, NULL, commit_later, &h), 0);
	assert_true(add_connection(b, "vc02", 800) > 0);
	double waited = now_s() - t0;
	pthread_join(th, NULL);
	assert_true(waited >= 0.2);
	assert_true(waited < 5.0);
	store_close(a);
	store_close(b);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM scans"), 2);
	assert_int_equal(test_query_i64(fx->db.path, "SELECT count(*) FROM connections"), 2);
	model_vm_facts_done(&f);
	model_verdict_done(&v);
}

/* ---- facts_json ---- */

static void test_facts_json_versions(void **state)
{
	char err[256] = "";
	vm_facts f;
	model_vm_facts_init(&f);
	/* an older, smaller document reads with the rest unknown */
	assert_int_equal(store_facts_from_json("{\"format\":1,\"moref\":\"vm-7\",\"power\":\"poweredOff\","
					       "\"tools\":\"bogus\",\"future_member\":[1,2]}",
					       &f, err, sizeof err), 0);
	assert_string_equal(f.moref, "vm-7");
	assert_int_equal(f.power, POWER_OFF);
	assert_int_equal(f.tools, TOOLS_UNKNOWN);
	assert_int_equal(f.snapshot_count, -1);
	assert_int_equal(f.probe.state, PROBE_NOT_RUN);
	assert_int_equal(store_facts_from_json("{\"format\":2}", &f, err, sizeof err), -1);
	assert_string_equal(err, "stored facts have format 2, this quiescent reads up to 1: upgrade it");
	assert_int_equal(store_facts_from_json("{\"moref\":\"x\"}", &f, err, sizeof err), -1);
	assert_string_equal(err, "stored facts have no format version");
	assert_int_equal(store_facts_from_json("{\"format\":1", &f, err, sizeof err), -1);
	assert_string_equal(err, "stored facts are not valid JSON (offset 11: ',' or '}' expected)");
	model_vm_facts_done(&f);

	/* the document starts with its format and is compact */
	strbuf sb;
	strbuf_init(&sb);
	make_facts(&f, "vm-1", "n", PROBE_NOT_CONFIGURED, 0, NULL);
	f.tools_upgrade_running = false;
	f.enable_uuid_set_at = 0;
	f.enable_uuid = TRI_UNKNOWN;
	free(f.enable_uuid_raw);
	f.enable_uuid_raw = NULL;
	store_facts_to_json(&sb, &f);
	assert_memory_equal(sb.buf, "{\"format\":1,\"moref\":\"vm-1\",\"name\":\"n\",", 38);
	assert_null(strchr(sb.buf, '\n'));
	vm_facts g;
	model_vm_facts_init(&g);
	assert_int_equal(store_facts_from_json(sb.buf, &g, err, sizeof err), 0);
	assert_int_equal(g.probe.state, PROBE_NOT_CONFIGURED);
	assert_string_equal(g.probe.error, "Guest Operations are unavailable");
	assert_int_equal(g.probe.at, 0);
	assert_int_equal(g.probe.n_writers, 0);
	/* what a probe that never ran leaves at its default is not written, and reads back
	 * as that default */
	assert_non_null(strstr(sb.buf, "\"probe\":{\"state\":\"not_configured\",\"error\":"));
	assert_null(strstr(sb.buf, "vmvss"));
	assert_null(strstr(sb.buf, "writers"));
	assert_null(strstr(sb.buf, "unknown"));
	assert_null(strstr(sb.buf, "false"));
	assert_null(strstr(sb.buf, "null"));
	assert_int_equal(g.probe.vmvss.installed, TRI_UNKNOWN);
	assert_int_equal(g.probe.vmvss.state, SVC_STATE_UNKNOWN);
	assert_null(g.probe.vmvss.raw_state);
	assert_int_equal(g.probe.writers_known, TRI_UNKNOWN);
	assert_int_equal(g.probe.enable_vss, TRI_UNKNOWN);
	assert_false(g.probe.tools_conf_read);
	assert_false(g.is_template);
	assert_false(g.tools_upgrade_running);
	assert_int_equal(g.enable_uuid_set_at, 0);
	model_vm_facts_done(&g);
	model_vm_facts_done(&f);
	strbuf_done(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_private_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_opens_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v0_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_forward_and_refuse_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_file_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_database_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_abort_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snaptest_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_ownership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_claim_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_claims_at_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_unsettled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_and_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
		cmocka_unit_test(test_facts_json_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
