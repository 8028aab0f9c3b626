/* store_support: what the store and history unit tests share: a private temporary directory
 * for history.db, opening it (failing the test with the store's sentence), and reading one
 * number back through a separate connection, as another process would. */
#ifndef QUIESCENT_TEST_STORE_SUPPORT_H
#define QUIESCENT_TEST_STORE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Makes /tmp/quiescent-test-<tag>-XXXXXX into dir and "<dir>/history.db" into path. 0 or -1. */
int test_tmp_db(const char *tag, char *dir, size_t dir_n, char *path, size_t path_n);
/* Removes dir and everything below it. */
void test_rm_tree(const char *dir);
/* store_open that fails the running test (printing why) instead of returning NULL. */
store *test_store_open(const char *path);
/* The first column of the first row of sql, on a read-only connection of its own; -1: no row. */
int64_t test_query_i64(const char *path, const char *sql);

#endif
