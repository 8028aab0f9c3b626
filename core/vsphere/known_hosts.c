#include "vsphere/known_hosts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "util/url.h"
#include "util/xalloc.h"

int vs_thumbprint_normalize(const char *in, char *out, size_t n)
{
	unsigned char md[64];
	size_t len = 0;
	int half = -1;
	for (const char *p = in; *p; p++) {
		if (*p == ':' || *p == ' ' || *p == '-')
			continue;
		if (!isxdigit((unsigned char)*p))
			return -1;
		int v = isdigit((unsigned char)*p) ? *p - '0' : toupper((unsigned char)*p) - 'A' + 10;
		if (half < 0) {
			half = v;
		} else {
			if (len == sizeof md)
				return -1;
			md[len++] = (unsigned char)(half << 4 | v);
			half = -1;
		}
	}
	if (half >= 0 || (len != 20 && len != 32) || n < len * 3)
		return -1;
	vs_thumbprint_format(md, len, out, n);
	return (int)len;
}

void vs_thumbprint_format(const unsigned char *md, size_t len, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < len && o + 3 <= n; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	if (n)
		out[o < n ? o : n - 1] = '\0';
}

/* "user@name:port" (older versions wrote what the URL carried) -> "name:port". */
static const char *without_userinfo(const char *key)
{
	const char *at = strrchr(key, '@');
	return at ? at + 1 : key;
}

/* A key without a port, written by older versions, pinned that host on any port. */
static bool portless_match(const char *key, const char *host)
{
	key = without_userinfo(key);
	if (key[0] == '[' ? strstr(key, "]:") != NULL : strchr(key, ':') != NULL)
		return false;
	size_t n = strlen(key);
	return strncasecmp(key, host, n) == 0 && host[n] == ':';
}

/* Splits a line into host and thumbprint in place; 0 when it is a comment or malformed. */
static int split_line(char *line, char **host, char **thumb)
{
	char *save = NULL;
	*host = strtok_r(line, " \t\r\n", &save);
	if (!*host || **host == '#')
		return 0;
	*thumb = strtok_r(NULL, " \t\r\n", &save);
	return *thumb != NULL;
}

/* exact: the same endpoint (port 443 when none); else a portless older key for any port. The
 * matched key is copied to key_out (n_key bytes). */
static int lookup_one(FILE *f, const char *host, bool exact, char *buf, size_t n, char *key_out,
		      size_t n_key)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	rewind(f);
	while (getline(&line, &cap, f) >= 0) {
		char *h, *t;
		if (!split_line(line, &h, &t))
			continue;
		if (exact ? !url_same_endpoint(h, host) : !portless_match(h, host))
			continue;
		if (strlen(t) >= n) {
			rc = -1;
		} else {
			memcpy(buf, t, strlen(t) + 1);
			snprintf(key_out, n_key, "%s", h);
			rc = 1;
		}
		break;
	}
	free(line);
	return rc;
}

int vs_known_hosts_lookup(const char *path, const char *host, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	host = without_userinfo(host);
	char key[512];
	int rc = lookup_one(f, host, true, buf, n, key, sizeof key);
	if (rc == 0)
		rc = lookup_one(f, host, false, buf, n, key, sizeof key);
	if (rc == 0 && ferror(f))
		rc = -1;
	fclose(f);
	/* Older versions wrote "user:password@host" keys: the line is rewritten without it. */
	if (rc == 1 && strchr(key, '@')) {
		vs_error e;
		vs_known_hosts_add(path, without_userinfo(key), buf, &e);
	}
	return rc;
}

int vs_known_hosts_pin(const char *thumbprint, const char *path, const char *host, char *buf,
		       size_t n, const char **from)
{
	if (thumbprint) {
		snprintf(buf, n, "%s", thumbprint);   /* a cut one fails to normalise, loudly */
		*from = "--thumbprint";
		return 1;
	}
	if (!path || !host)
		return 0;
	int k = vs_known_hosts_lookup(path, host, buf, n);
	if (k > 0)
		*from = path;
	return k;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int vs_known_hosts_add(const char *path, const char *host, const char *thumbprint,
		       vs_error *err)
{
	host = without_userinfo(host);
	if (!*host || strpbrk(host, " \t\r\n") || !*thumbprint || strpbrk(thumbprint, " \t\r\n"))
		return vs_fail(err, VS_ERR_USAGE, "Cannot add \"%s\" to %s: bad host or thumbprint.",
			       host, path);
	strbuf sb;
	strbuf_init(&sb);
	FILE *f = fopen(path, "re");
	if (f) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t got;
		while ((got = getline(&line, &cap, f)) >= 0) {
			char *copy = xstrndup(line, (size_t)got);
			char *h, *t;
			/* Every key for the same endpoint goes, older forms too ("user@host"). */
			bool same = split_line(copy, &h, &t) && url_same_endpoint(h, host);
			free(copy);
			if (same)
				continue;   /* replaced by the new line below */
			strbuf_add(&sb, line, (size_t)got);
			if (got && line[got - 1] != '\n')
				strbuf_addc(&sb, '\n');
		}
		free(line);
		fclose(f);
	} else if (errno != ENOENT) {
		strbuf_done(&sb);
		return vs_fail(err, VS_ERR_USAGE, "Cannot read %s: %s.", path, strerror(errno));
	}
	strbuf_addf(&sb, "%s %s\n", host, thumbprint);

	char *dircopy = xstrdup(path);
	char *dir = dirname(dircopy);
	/* mkdir -p: on a fresh account even ~/.config may be missing. Directories we create are
	 * 0700, like the history's. */
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(dir, 0700);
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		free(dircopy);
		strbuf_done(&sb);
		return vs_fail(err, VS_ERR_USAGE, "Cannot create %s: %s.", dir, strerror(e));
	}
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	int rc = -1;
	if (fd < 0) {
		vs_fail(err, VS_ERR_USAGE, "Cannot write %s: %s.", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) < 0 || write_all(fd, sb.buf, sb.len) < 0 || fsync(fd) < 0) {
		vs_fail(err, VS_ERR_USAGE, "Cannot write %s: %s.", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		vs_fail(err, VS_ERR_USAGE, "Cannot replace %s: %s.", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* The rename itself must reach the disk too. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(tmp);
	free(dircopy);
	strbuf_done(&sb);
	return rc;
}
