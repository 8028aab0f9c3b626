#include "util/intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Open addressing, linear probing, kept at most half full. */
struct intern_table {
	char **slots;
	size_t cap, n;
};

size_t intern_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

intern_table *intern_new(void)
{
	intern_table *t = xcalloc(1, sizeof *t);
	t->cap = 64;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	return t;
}

void intern_free(intern_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	free(t);
}

static void grow(intern_table *t)
{
	size_t cap = t->cap * 2;
	char **slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		size_t j = intern_hash(t->slots[i]) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

const char *intern(intern_table *t, const char *s)
{
	if (!s)
		return NULL;
	size_t i = intern_hash(s) & (t->cap - 1);
	while (t->slots[i]) {
		if (strcmp(t->slots[i], s) == 0)
			return t->slots[i];
		i = (i + 1) & (t->cap - 1);
	}
	t->slots[i] = xstrdup(s);
	const char *kept = t->slots[i];
	if (++t->n * 2 > t->cap)
		grow(t);
	return kept;
}

const char *intern_lookup(const intern_table *t, const char *s)
{
	if (!s)
		return NULL;
	size_t i = intern_hash(s) & (t->cap - 1);
	for (; t->slots[i]; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slots[i], s) == 0)
			return t->slots[i];
	return NULL;
}

size_t intern_count(const intern_table *t)
{
	return t->n;
}
