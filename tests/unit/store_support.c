#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "store_support.h"

int test_db_make(test_db *db, const char *tag)
{
	snprintf(db->dir, sizeof db->dir, "/tmp/quiescent-test-%s-XXXXXX", tag);
	if (!mkdtemp(db->dir))
		return -1;
	snprintf(db->path, sizeof db->path, "%s/history.db", db->dir);
	return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void test_db_remove(test_db *db)
{
	nftw(db->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int test_db_fixture_setup(void **state, const char *tag, size_t size)
{
	test_db *db = calloc(1, size);
	if (!db || test_db_make(db, tag) < 0) {
		free(db);
		return -1;
	}
	*state = db;
	return 0;
}

int test_db_fixture_teardown(void **state)
{
	test_db_remove(*state);
	free(*state);
	return 0;
}

store *test_store_open(const char *path)
{
	char err[512] = "";
	store *s = store_open(path, err, sizeof err);
	if (!s)
		print_message("store_open: %s\n", err);
	assert_non_null(s);
	return s;
}

int64_t test_query_i64(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}
