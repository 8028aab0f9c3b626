/* intern: one copy of each distinct string. Facts repeat few strings over many VMs (folder
 * and host names, morefs of containers): a table hands out one shared copy of each, valid
 * until the table is freed. Not thread-safe: one owner. */
#ifndef QUIESCENT_INTERN_H
#define QUIESCENT_INTERN_H

#include <stddef.h>

typedef struct intern_table intern_table;

intern_table *intern_new(void);
void intern_free(intern_table *t);
/* The table's copy of s (NULL for NULL). */
const char *intern(intern_table *t, const char *s);
/* The table's copy of s, NULL when it has none (nothing is added). */
const char *intern_lookup(const intern_table *t, const char *s);
/* How many distinct strings it holds. */
size_t intern_count(const intern_table *t);

/* FNV-1a of a string, for the tables built on this one. */
size_t intern_hash(const char *s);

#endif
