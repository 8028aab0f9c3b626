/* xalloc: allocation that cannot fail. Out of memory is not a condition quiescent can
 * recover from sensibly, so these abort with a message instead of returning NULL. */
#ifndef QUIESCENT_XALLOC_H
#define QUIESCENT_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
/* Grows an array of `*cap` items of `size` bytes so it holds at least `need`. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);          /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Replaces *dst with a copy of src, freeing the old value. */
void xstrset(char **dst, const char *src);

#endif
