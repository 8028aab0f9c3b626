/* errbuf: filling a caller-owned error buffer (char *err, size_t errlen), the house style for
 * errors that are one sentence for the user. */
#ifndef QUIESCENT_UTIL_ERRBUF_H
#define QUIESCENT_UTIL_ERRBUF_H

#include <stddef.h>

/* Writes the sentence into err (cut to errlen; nothing when err is NULL or errlen 0). Returns
 * -1, so a failing function can end with `return errbuf_set(err, errlen, ...)`. */
int errbuf_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
