/* url: the one parser of server URLs (connection, known_hosts key, history key, reports).
 *
 * Accepts what govc accepts in --server and GOVC_URL: "vc01", "vc01:8443", "[::1]:443",
 * "https://vc01/sdk", and any of them with "user:password@" in front. Userinfo ends at the LAST
 * '@' of the authority (an SSO user "administrator@vsphere.local" may stand raw), the user and
 * the password end at the first ':', and both are percent-decoded ("%40" is '@'). The password
 * goes straight into secret memory. Nothing else ever carries userinfo: url, base and hostport
 * are built without it, and error messages never repeat the input. */
#ifndef QUIESCENT_UTIL_URL_H
#define QUIESCENT_UTIL_URL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *user;      /* percent-decoded; NULL when the URL names none */
	char *password;  /* percent-decoded, secret memory (secret_free); NULL when none */
	char *host;      /* "vc01", "::1" (no brackets) */
	char *hostport;  /* "vc01", "vc01:8443", "[::1]:8443": as given, the known_hosts key */
	int port;        /* 443 when not given */
	char *path;      /* "/sdk" when the URL has none; a query string stays in it */
	char *url;       /* "https://" hostport path: the URL without userinfo */
	char *base;      /* "https://" hostport */
} url_parts;

/* Parses `in`; 0, or -1 with msg filled (a sentence that never repeats the input). Only https
 * is accepted ("http://..." is refused). Free with url_parts_done (also after a failure). */
int url_parse(const char *in, url_parts *u, char *msg, size_t n);
void url_parts_done(url_parts *u);

/* host[:port] of a server URL or name, without userinfo (the history's and known_hosts' key);
 * NULL when it does not parse. */
char *url_server_key(const char *in);
/* The URL without userinfo, for messages; "(an unreadable server URL)" when it does not parse. */
char *url_redacted(const char *in);
/* Whether two host[:port] keys name the same endpoint: host compared without case, a missing
 * port is 443, any "user@" in front (keys written by older versions) is ignored. */
bool url_same_endpoint(const char *a, const char *b);

/* Where the host of an https:// URL stands inside it, for rewriting the host in place (a guest
 * transfer URL's '*' or ESXi name): *off and *len bound the host, an IPv6 literal with its
 * brackets; userinfo (to the last '@') is skipped, what follows (":port/path?query") is left
 * as written. 0, or -1 when url is not https:// or has no host. */
int url_host_span(const char *url, size_t *off, size_t *len);

/* Where the userinfo's password sits inside `in` (offset and length, percent-encoded as
 * written): 0 when there is one, -1 when none. For wiping it from argv in place. */
int url_password_span(const char *in, size_t *off, size_t *len);

#endif
