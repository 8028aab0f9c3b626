#include "vsphere/datastore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/http.h"

/* Percent-encodes everything but RFC 3986 unreserved characters (and '/' when keep_slash). */
static void add_escaped(strbuf *sb, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~' || (keep_slash && ch == '/')) {
			strbuf_addc(sb, (char)ch);
		} else {
			strbuf_addc(sb, '%');
			strbuf_addc(sb, hex[ch >> 4]);
			strbuf_addc(sb, hex[ch & 15]);
		}
	}
}

/* "[ds] a/b" -> ds, "a/b"; -1 when malformed. */
static int split_ds_path(const char *in, const char **ds, size_t *ds_len, const char **path)
{
	if (in[0] != '[')
		return -1;
	const char *end = strchr(in, ']');
	if (!end || end == in + 1)
		return -1;
	*ds = in + 1;
	*ds_len = (size_t)(end - in - 1);
	const char *p = end + 1;
	while (*p == ' ')
		p++;
	while (*p == '/')
		p++;
	if (!*p)
		return -1;
	*path = p;
	return 0;
}

char *vs_datastore_url(const char *base, const char *datacenter_path, const char *ds_path)
{
	const char *ds, *path;
	size_t ds_len;
	if (split_ds_path(ds_path, &ds, &ds_len, &path) < 0)
		return NULL;
	strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, base);
	strbuf_adds(&sb, "/folder/");
	add_escaped(&sb, path, strlen(path), true);
	strbuf_adds(&sb, "?dcPath=");
	add_escaped(&sb, datacenter_path, strlen(datacenter_path), false);
	strbuf_adds(&sb, "&dsName=");
	add_escaped(&sb, ds, ds_len, false);
	return strbuf_detach(&sb, NULL);
}

int vs_datastore_get(vs_conn *c, const char *datacenter_path, const char *ds_path,
		     size_t max_bytes, char **data, size_t *len, vs_error *err)
{
	vs_session *s = c->s;
	*data = NULL;
	if (len)
		*len = 0;
	char *url = vs_datastore_url(s->base, datacenter_path, ds_path);
	if (!url)
		return vs_fail(err, VS_ERR_USAGE, "\"%.200s\" is not a datastore path like "
			       "\"[datastore1] vm/file\".", ds_path);
	char *what = xasprintf("Downloading %.200s", ds_path);
	strbuf body;
	strbuf_init(&body);
	long status = 0;
	int rc = -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		unsigned gen = vs_session_login_gen(s);
		if (vs_http_request(c, url, NULL, 0, true, max_bytes, what, &status, &body, err) < 0)
			goto out;
		/* The cookie expired: log in again once, as soap does on NotAuthenticated. */
		if (status != 401 || attempt || !s->password)
			break;
		if (vs_session_relogin(c, gen, err) < 0)
			goto out;
	}
	if (status == 200) {
		*data = strbuf_detach(&body, len);
		rc = 0;
	} else if (status == 404) {
		vs_fail(err, VS_ERR_FAULT, "The file %.200s was not found (datacenter %.100s, "
			"HTTP 404).", ds_path, datacenter_path);
		if (err)
			snprintf(err->fault, sizeof err->fault, "FileNotFound");
	} else if (status == 401 || status == 403) {
		vs_fail(err, VS_ERR_LOGIN, "%s from %s was refused (HTTP %ld): the user may lack "
			"the Datastore.Browse privilege.", what, s->server, status);
	} else {
		vs_fail(err, VS_ERR_NETWORK, "%s from %s failed with HTTP %ld.", what, s->server,
			status);
	}
out:
	strbuf_done(&body);
	free(what);
	free(url);
	return rc;
}
