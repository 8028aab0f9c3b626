/* store_support: what the store and history unit tests share: a private temporary directory
 * for history.db, opening it (failing the test with the store's sentence), and reading one
 * number back through a separate connection, as another process would. */
#ifndef QUIESCENT_TEST_STORE_SUPPORT_H
#define QUIESCENT_TEST_STORE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A private history.db: /tmp/quiescent-test-<tag>-XXXXXX/history.db. */
typedef struct {
	char dir[64];
	char path[128];
} test_db;

/* Makes db's directory (the database itself is created by whoever opens it). 0 or -1. */
int test_db_make(test_db *db, const char *tag);
/* Removes db's directory and everything in it. */
void test_db_remove(test_db *db);
/* The cmocka set-up of a fixture whose first member is a test_db: *state gets `size` zeroed
 * bytes with the test_db made. The tear-down removes it and frees the fixture. */
int test_db_fixture_setup(void **state, const char *tag, size_t size);
int test_db_fixture_teardown(void **state);
/* store_open that fails the running test (printing why) instead of returning NULL. */
store *test_store_open(const char *path);
/* The first column of the first row of sql, on a read-only connection of its own; -1: no row. */
int64_t test_query_i64(const char *path, const char *sql);

#endif
