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

int test_tmp_db(const char *tag, char *dir, size_t dir_n, char *path, size_t path_n)
{
	snprintf(dir, dir_n, "/tmp/quiescent-test-%s-XXXXXX", tag);
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, path_n, "%s/history.db", dir);
	return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void test_rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
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
