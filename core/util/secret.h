/* secret: memory for passwords and the request bodies that carry them.
 *
 * A secret lives in its own mmap'ed, mlock'ed region (never swapped, excluded from core dumps
 * with MADV_DONTDUMP) and is wiped with explicit_bzero before it is unmapped. While any secret
 * is alive the process is marked non-dumpable (prctl PR_SET_DUMPABLE 0), so neither a core file
 * nor ptrace by the same user can read it; the previous setting comes back with the last free. */
#ifndef QUIESCENT_SECRET_H
#define QUIESCENT_SECRET_H

#include <stddef.h>

typedef struct secret secret;

/* A zeroed region of at least `cap` bytes. Aborts on out of memory like xmalloc. mlock failing
 * (RLIMIT_MEMLOCK) is tolerated: the region is still wiped and excluded from dumps. */
secret *secret_new(size_t cap);
secret *secret_copy(const char *s);   /* NUL-terminated copy */
void secret_release(secret *sec);       /* wipes; NULL is fine */
char *secret_data(secret *sec);
size_t secret_len(const secret *sec);
size_t secret_cap(const secret *sec);

/* Appending, for building a request body around a secret without realloc leaving copies behind:
 * the region never moves; returns -1 (and appends nothing) when `s` does not fit. */
int secret_add(secret *sec, const char *s);
int secret_add_xml(secret *sec, const char *s);   /* XML-escaped */
/* Shortens to len bytes, wiping the rest (a Backspace in a hidden prompt). */
void secret_truncate(secret *sec, size_t len);
/* Bytes the XML escaping of s takes (for sizing). */
size_t secret_xml_escaped_len(const char *s);

/* The same memory behind a plain char *: for passwords handed around as strings. */
/* Copy of s in secret memory; NULL in, NULL out. Free with secret_free. */
char *secret_dup(const char *s);
/* Wipes and frees a string from secret_dup, secret_prompt or secret_from_env. NULL is fine. */
void secret_free(char *s);
/* Prompts on /dev/tty with echo off and returns the line read (without newline), or NULL when
 * there is no terminal or the read failed. A signal that ends the process while it waits
 * (Ctrl-C, hang-up) first puts the terminal's echo back. */
char *secret_prompt(const char *prompt);
/* Reads an environment variable into a secret and removes it from the environment so child
 * processes never inherit it. NULL when unset. */
char *secret_from_env(const char *name);

#endif
