/* known_hosts: pinned server thumbprints in govc's file format.
 *
 * One `host thumbprint` pair per line (host is "name" or "name:port" as in the URL, thumbprint
 * hex bytes separated by ':'); '#' lines and blank lines are ignored. govc writes SHA-1
 * thumbprints, quiescent SHA-256: both are accepted when pinning (told apart by length). */
#ifndef QUIESCENT_VS_KNOWN_HOSTS_H
#define QUIESCENT_VS_KNOWN_HOSTS_H

#include <stddef.h>

#include "vsphere/vs_error.h"

/* Looks up `host` ("name:port" first, then "name" without the port). Returns 1 and copies the
 * thumbprint into buf when found, 0 when not found or the file does not exist, -1 on a read
 * error or a thumbprint too long for buf. */
int vs_known_hosts_lookup(const char *path, const char *host, char *buf, size_t n);

/* The pin that decides for the server key `host` (util/url.c's host[:port]): an explicit
 * thumbprint first (*from = "--thumbprint"), else the entry for host in the known_hosts file
 * at path (*from = path; NULL path: none). 1 with the pin copied into buf, 0 when nothing is
 * pinned, -1 when the file cannot be read. The one place that decides it: the connection
 * (frontend/conn.c), the session (session.c) and the console's first-use question ask here. */
int vs_known_hosts_pin(const char *thumbprint, const char *path, const char *host, char *buf,
		       size_t n, const char **from);

/* Adds or replaces the line for `host`, atomically (temp file, fsync, rename), mode 0600.
 * The parent directory is created (0700) when missing. 0 or -1 with err filled. */
int vs_known_hosts_add(const char *path, const char *host, const char *thumbprint, vs_error *err);

/* Thumbprint helpers: normalises "ab cd:EF.." / "abcdef.." to "AB:CD:EF:.."; returns the number
 * of bytes (20 for SHA-1, 32 for SHA-256) or -1 when it is not hex of one of those sizes. */
int vs_thumbprint_normalize(const char *in, char *out, size_t n);
/* Formats `len` digest bytes as "AB:CD:..". out needs 3 * len bytes. */
void vs_thumbprint_format(const unsigned char *md, size_t len, char *out, size_t n);

#endif
