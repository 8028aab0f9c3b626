#include "util/url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/secret.h"
#include "util/xalloc.h"

/* The pieces of `in` as offsets, before anything is copied or decoded. */
typedef struct {
	const char *auth;      /* authority start (after "https://" when present) */
	const char *auth_end;  /* first '/', '?' or '#' after auth, or the end */
	const char *at;        /* the last '@' inside the authority, or NULL */
} url_span;

static int split(const char *in, url_span *sp)
{
	const char *scheme = strstr(in, "://");
	const char *first_sep = in + strcspn(in, "/?#");
	if (scheme && scheme < first_sep) {
		if (scheme - in != 5 || strncasecmp(in, "https", 5) != 0)
			return -1;
		sp->auth = scheme + 3;
	} else {
		sp->auth = in;
	}
	sp->auth_end = sp->auth + strcspn(sp->auth, "/?#");
	sp->at = NULL;
	for (const char *p = sp->auth; p < sp->auth_end; p++)
		if (*p == '@')
			sp->at = p;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes [p, end) into out (room for end - p + 1 bytes); -1 on a bad escape or %00. */
static int pct_decode(const char *p, const char *end, char *out)
{
	size_t o = 0;
	while (p < end) {
		if (*p != '%') {
			out[o++] = *p++;
			continue;
		}
		int hi = end - p < 3 ? -1 : hexval(p[1]);
		int lo = end - p < 3 ? -1 : hexval(p[2]);
		if (hi < 0 || lo < 0)
			return -1;
		char c = (char)(hi * 16 + lo);
		if (!c)
			return -1;
		out[o++] = c;
		p += 3;
	}
	out[o] = '\0';
	return 0;
}

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Checks host[:port] in [p, end) and fills host, port. */
static int parse_hostport(const char *p, const char *end, url_parts *u)
{
	const char *host_end, *port_at = NULL;
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close || close == p + 1)
			return -1;
		for (const char *q = p + 1; q < close; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
				return -1;
		u->host = xstrndup(p + 1, (size_t)(close - p - 1));
		host_end = close + 1;
		if (host_end < end) {
			if (*host_end != ':')
				return -1;
			port_at = host_end + 1;
		}
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		host_end = colon ? colon : end;
		if (host_end == p)
			return -1;
		for (const char *q = p; q < host_end; q++)
			if (!host_char(*q))
				return -1;
		u->host = xstrndup(p, (size_t)(host_end - p));
		if (colon)
			port_at = colon + 1;
	}
	u->port = 443;
	if (port_at) {
		long v = 0;
		if (port_at == end || end - port_at > 5)
			return -1;
		for (const char *q = port_at; q < end; q++) {
			if (!isdigit((unsigned char)*q))
				return -1;
			v = v * 10 + (*q - '0');
		}
		if (v < 1 || v > 65535)
			return -1;
		u->port = (int)v;
	}
	return 0;
}

int url_host_span(const char *url, size_t *off, size_t *len)
{
	url_span sp;
	if (!url || strncasecmp(url, "https://", 8) != 0 || split(url, &sp) < 0)
		return -1;
	const char *h = sp.at ? sp.at + 1 : sp.auth;
	const char *end;
	if (*h == '[') {
		end = memchr(h, ']', (size_t)(sp.auth_end - h));
		if (!end)
			return -1;
		end++;
	} else {
		end = memchr(h, ':', (size_t)(sp.auth_end - h));
		if (!end)
			end = sp.auth_end;
	}
	if (end == h)
		return -1;
	*off = (size_t)(h - url);
	*len = (size_t)(end - h);
	return 0;
}

int url_parse(const char *in, url_parts *u, char *msg, size_t n)
{
	memset(u, 0, sizeof *u);
	url_span sp;
	if (!in || !*in) {
		snprintf(msg, n, "no server given");
		return -1;
	}
	if (split(in, &sp) < 0) {
		snprintf(msg, n, "the server URL must be https:// (or a bare host name)");
		return -1;
	}
	const char *hp = sp.at ? sp.at + 1 : sp.auth;
	if (sp.at) {
		const char *colon = memchr(sp.auth, ':', (size_t)(sp.at - sp.auth));
		const char *user_end = colon ? colon : sp.at;
		char *user = xmalloc((size_t)(user_end - sp.auth) + 1);
		int bad = pct_decode(sp.auth, user_end, user);
		if (!bad && *user)
			u->user = user;
		else
			free(user);
		if (!bad && colon) {
			size_t cap = (size_t)(sp.at - colon);
			secret *sec = secret_new(cap + 1);
			u->password = secret_data(sec);
			bad = pct_decode(colon + 1, sp.at, u->password);
		}
		if (bad) {
			snprintf(msg, n, "the user name or password in the server URL has a '%%' that is "
				 "not followed by two hex digits (write '%%' itself as %%25)");
			return -1;
		}
	}
	if (parse_hostport(hp, sp.auth_end, u) < 0) {
		snprintf(msg, n, "the server URL does not name a valid host[:port] (an IPv6 address "
			 "goes in brackets; a '/', '?' or '#' in a password is written %%2F, %%3F, %%23)");
		return -1;
	}
	u->hostport = xstrndup(hp, (size_t)(sp.auth_end - hp));
	const char *path = sp.auth_end;
	u->path = *path == '/' && path[1] ? xstrdup(path) : xstrdup("/sdk");
	u->base = xasprintf("https://%s", u->hostport);
	u->url = xasprintf("%s%s", u->base, u->path);
	return 0;
}

void url_parts_done(url_parts *u)
{
	free(u->user);
	secret_free(u->password);
	free(u->host);
	free(u->hostport);
	free(u->path);
	free(u->url);
	free(u->base);
	memset(u, 0, sizeof *u);
}

char *url_server_key(const char *in)
{
	url_parts u;
	char msg[256];
	char *key = NULL;
	if (url_parse(in, &u, msg, sizeof msg) == 0) {
		key = u.hostport;
		u.hostport = NULL;
	}
	url_parts_done(&u);
	return key;
}

char *url_redacted(const char *in)
{
	url_parts u;
	char msg[256];
	char *out = url_parse(in, &u, msg, sizeof msg) == 0 ? xstrdup(u.url)
			: xstrdup("(an unreadable server URL)");
	url_parts_done(&u);
	return out;
}

/* host and port of a key, for comparing: "user@" dropped, brackets kept, port 443 default. */
static void endpoint_of(const char *key, const char **host, size_t *host_len, long *port)
{
	const char *at = strrchr(key, '@');
	const char *p = at ? at + 1 : key;
	const char *colon;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		colon = close && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strchr(p, ':');
	}
	*host = p;
	*host_len = colon ? (size_t)(colon - p) : strlen(p);
	*port = colon ? strtol(colon + 1, NULL, 10) : 443;
}

bool url_same_endpoint(const char *a, const char *b)
{
	const char *ha, *hb;
	size_t la, lb;
	long pa, pb;
	endpoint_of(a, &ha, &la, &pa);
	endpoint_of(b, &hb, &lb, &pb);
	return la == lb && pa == pb && strncasecmp(ha, hb, la) == 0;
}

int url_password_span(const char *in, size_t *off, size_t *len)
{
	url_span sp;
	if (!in || split(in, &sp) < 0 || !sp.at)
		return -1;
	const char *colon = memchr(sp.auth, ':', (size_t)(sp.at - sp.auth));
	if (!colon)
		return -1;
	*off = (size_t)(colon + 1 - in);
	*len = (size_t)(sp.at - colon - 1);
	return 0;
}
