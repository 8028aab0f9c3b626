#include "vsphere/http.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/timing.h"
#include "util/xalloc.h"
#include "vsphere/known_hosts.h"

/* Bytes per second below which a transfer counts as stalled (a hostile server dripping a byte
 * a second must not hold us forever); idle waits shorter than timeout_s are fine. */
#define LOW_SPEED_BYTES 100L

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void vs_http_global_init(void)
{
	pthread_once(&global_once, global_init_once);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
	vs_session *s = ctx;
	pthread_mutex_lock(&s->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
	vs_session *s = ctx;
	pthread_mutex_unlock(&s->share_mu[data]);
}

int vs_http_share_init(vs_session *s)
{
	vs_http_global_init();
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->share_mu[i], NULL);
	s->share = curl_share_init();
	if (!s->share)
		return -1;
	curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	return 0;
}

void vs_http_share_done(vs_session *s)
{
	if (s->share)
		curl_share_cleanup(s->share);
	s->share = NULL;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->share_mu[i]);
}

/* Runs inside the TLS handshake, before a single byte of the request is sent: this is where a
 * pinned thumbprint is decided (design.md), not afterwards from CURLINFO_CERTINFO. */
static int verify_cert(X509_STORE_CTX *store, void *arg)
{
	vs_conn *c = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(store);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!leaf || !X509_digest(leaf, EVP_sha256(), md, &mdlen)) {
		X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	vs_thumbprint_format(md, mdlen, c->seen256, sizeof c->seen256);
	memcpy(c->seen, c->seen256, sizeof c->seen);
	pthread_mutex_lock(&c->s->mu);
	memcpy(c->s->thumbprint, c->seen256, sizeof c->s->thumbprint);
	pthread_mutex_unlock(&c->s->mu);

	if (c->probe) {
		c->probe_trusted = X509_verify_cert(store) == 1;
		return 1;
	}
	if (!c->pin_now)
		return X509_verify_cert(store);   /* libcurl's normal path; it checks the host */

	/* govc's known_hosts holds SHA-1 thumbprints: compare in the pin's algorithm. */
	if (strlen(c->pin_now) == 59) {
		if (!X509_digest(leaf, EVP_sha1(), md, &mdlen))
			return 0;
		vs_thumbprint_format(md, mdlen, c->seen, sizeof c->seen);
	}
	if (strcmp(c->seen, c->pin_now) == 0)
		return 1;
	c->pin_mismatch = true;
	X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
	return 0;
}

static CURLcode ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	SSL_CTX_set_cert_verify_callback((SSL_CTX *)sslctx, verify_cert, arg);
	return CURLE_OK;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
	vs_conn *c = arg;
	size_t n = size * nmemb;
	if (c->sink && !c->sink_state) {
		long st = 0;
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &st);
		c->sink_state = st == 200 ? 1 : 2;
	}
	if (c->sink && c->sink_state == 1) {
		if (c->streamed + n > c->max_bytes) {
			c->too_big = true;
			return 0;
		}
		c->streamed += n;
		if (c->sink(c->sink_arg, data, n, c->sink_err) < 0) {
			c->sink_failed = true;
			return 0;   /* CURLE_WRITE_ERROR: the consumer said why in sink_err */
		}
		return n;
	}
	if (c->out->len + n > c->max_bytes) {
		c->too_big = true;
		return 0;   /* CURLE_WRITE_ERROR ends the transfer */
	}
	strbuf_add(c->out, data, n);
	return n;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	vs_conn *c = arg;
	return atomic_load(&c->s->cancel_gen) != c->cancel_gen;
}

int vs_http_conn_init(vs_conn *c, vs_error *err)
{
	vs_session *s = c->s;
	c->curl = curl_easy_init();
	if (!c->curl)
		return vs_fail(err, VS_ERR_NETWORK, "Cannot create an HTTP handle (libcurl).");
	CURL *h = c->curl;
	int t = s->timeout_s > 0 ? s->timeout_s : 60;
	curl_easy_setopt(h, CURLOPT_SHARE, s->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");   /* cookie engine on, shared */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "quiescent");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)t);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)t);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
	curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
	/* The trust store to load when a request needs one: --ca-file, else libcurl's built-in
	 * defaults, which are read here because setting NULL later is the only way to skip them. */
	char *def = NULL;
	if (s->ca_file)
		c->ca_info = xstrdup(s->ca_file);
	else if (curl_easy_getinfo(h, CURLINFO_CAINFO, &def) == CURLE_OK && def)
		c->ca_info = xstrdup(def);
	def = NULL;
	if (curl_easy_getinfo(h, CURLINFO_CAPATH, &def) == CURLE_OK && def)
		c->ca_path = xstrdup(def);
	c->soap_headers = curl_slist_append(NULL, "Content-Type: text/xml; charset=utf-8");
	char *action = xasprintf("SOAPAction: \"urn:vim25/%s\"",
				 s->api_version[0] ? s->api_version : "6.5");
	c->soap_headers = curl_slist_append(c->soap_headers, action);
	c->soap_headers = curl_slist_append(c->soap_headers, "Expect:");
	free(action);
	return 0;
}

void vs_http_conn_done(vs_conn *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->soap_headers);
	free(c->ca_info);
	free(c->ca_path);
	c->ca_info = c->ca_path = NULL;
	c->curl = NULL;
	c->soap_headers = NULL;
}

/* "https://name:port/x" -> host part "name:port" (malloc'ed), NULL when malformed. */
static char *url_hostport(const char *url)
{
	if (strncasecmp(url, "https://", 8) != 0)
		return NULL;
	const char *p = url + 8;
	size_t n = strcspn(p, "/?#");
	return n ? xstrndup(p, n) : NULL;
}

int vs_url_parse(const char *in, char **url, char **base, char **server, char **host)
{
	const char *rest = in;
	if (strstr(in, "://")) {
		if (strncasecmp(in, "https://", 8) != 0)
			return -1;
		rest = in + 8;
	}
	/* govc accepts user@ in the URL; credentials never come from here. */
	const char *at = strchr(rest, '@');
	const char *slash = strchr(rest, '/');
	if (at && (!slash || at < slash))
		rest = at + 1;
	size_t n = strcspn(rest, "/?#");
	if (!n)
		return -1;
	char *hp = xstrndup(rest, n);
	const char *path = rest + n;
	if (url)
		*url = xasprintf("https://%s%s", hp, *path == '/' && path[1] ? path : "/sdk");
	if (base)
		*base = xasprintf("https://%s", hp);
	if (host) {
		const char *end;
		if (hp[0] == '[') {
			end = strchr(hp, ']');
			end = end ? end + 1 : hp + n;
		} else {
			end = strchr(hp, ':');
			if (!end)
				end = hp + n;
		}
		*host = xstrndup(hp, (size_t)(end - hp));
	}
	if (server)
		*server = hp;
	else
		free(hp);
	return 0;
}

static int fail_curl(vs_conn *c, CURLcode rc, const char *hostport, const char *what,
		     vs_error *err)
{
	vs_session *s = c->s;
	const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
	if (c->pin_mismatch)
		return vs_fail(err, VS_ERR_TLS,
			       "The certificate of %s has fingerprint %s, not the pinned %s: refusing "
			       "to send anything (if the certificate was replaced on purpose, check "
			       "and update the thumbprint).", hostport, c->seen, c->pin_now);
	switch (rc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return vs_fail(err, VS_ERR_CANCELLED, "%s on %s was cancelled.", what, hostport);
	case CURLE_OPERATION_TIMEDOUT:
		return vs_fail(err, VS_ERR_TIMEOUT,
			       "%s on %s made no progress for %d s (%s); check the server and the "
			       "network.", what, hostport, s->timeout_s > 0 ? s->timeout_s : 60,
			       detail);
	case CURLE_WRITE_ERROR:
		if (c->too_big)
			return vs_fail(err, VS_ERR_PARSE,
				       "%s on %s returned more than %zu bytes; refusing a response "
				       "that large.", what, hostport, c->max_bytes);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		/* The handshake broke before any certificate came (a reset, a peer gone): the
		 * network failed, not trust, and a run waits that out (vs_error_transient). */
		if (rc == CURLE_SSL_CONNECT_ERROR && !c->seen256[0] && !c->seen[0])
			return vs_fail(err, VS_ERR_NETWORK, "TLS with %s failed: %s.", hostport, detail);
		if (c->seen256[0])
			return vs_fail(err, VS_ERR_TLS,
				       "The certificate of %s is not trusted (%s); its SHA-256 "
				       "fingerprint is %s: after checking it, pin it with "
				       "--thumbprint, or give --ca-file.", hostport, detail, c->seen256);
		return vs_fail(err, VS_ERR_TLS, "TLS with %s failed: %s.", hostport, detail);
	default:
		break;
	}
	return vs_fail(err, VS_ERR_NETWORK, "%s on %s failed: %s.", what, hostport, detail);
}

int vs_http_request(vs_conn *c, const char *url, const char *post, size_t post_len,
		    bool may_resend, size_t max_bytes, const char *what, long *status, strbuf *out,
		    vs_error *err)
{
	vs_session *s = c->s;
	CURL *h = c->curl;
	char *hostport = url_hostport(url);
	if (!hostport)
		return vs_fail(err, VS_ERR_USAGE, "Not an https URL: %s.", url);

	/* The pin belongs to the session's host; another host (an ESXi transfer URL) gets the
	 * CA store unless the operator chose insecure. */
	bool same_host = strcasecmp(hostport, s->server) == 0;
	c->pin_now = s->pin[0] && same_host ? s->pin : NULL;
	c->pin_mismatch = false;
	c->seen[0] = c->seen256[0] = '\0';
	c->errbuf[0] = '\0';
	c->out = out;
	c->max_bytes = max_bytes;
	c->too_big = false;
	c->sink_state = 0;
	c->sink_failed = false;
	c->streamed = 0;
	c->cancel_gen = atomic_load(&s->cancel_gen);
	strbuf_reset(out);

	long verify = s->insecure ? 0L : 1L;
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify);
	/* A pinned thumbprint (or --insecure) decides alone: the CA store would be parsed for
	 * nothing, ~150 certificates per connection (5 per scan). A trust probe needs it. */
	bool need_ca = !s->insecure && (!c->pin_now || c->probe);
	curl_easy_setopt(h, CURLOPT_CAINFO, need_ca ? c->ca_info : NULL);
	curl_easy_setopt(h, CURLOPT_CAPATH, need_ca ? c->ca_path : NULL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s->insecure || c->pin_now ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (post) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);   /* not copied: may be a secret */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post_len);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->soap_headers);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	}
	/* libcurl silently sends a request again when a reused connection turns out dead before
	 * any answer: harmless for a read, a second reconfigure or snapshot for a write. A fresh
	 * connection is never "reused", so nothing is resent behind our back. */
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, may_resend ? 0L : 1L);
	int t = s->timeout_s > 0 ? s->timeout_s : 60;
	/* A backstop beyond the no-progress bound, for a server answering just fast enough. */
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(t * 10 > 600 ? t * 10 : 600));

	CURLcode rc = curl_easy_perform(h);
	/* Never leave a pointer to the (possibly wiped) body in the handle. */
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
	c->out = NULL;
	int ret = 0;
	if (c->sink_failed)
		ret = -1;   /* err was filled by the sink */
	else if (rc != CURLE_OK)
		ret = fail_curl(c, rc, hostport, what, err);
	else
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (timing_enabled()) {
		curl_off_t st = 0, tot = 0;
		curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME_T, &st);
		curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &tot);
		timing_add(TIMING_NET_WAIT, (double)st / 1e6);
		timing_add(TIMING_NET_BODY, (double)(tot - st) / 1e6);
	}
	free(hostport);
	return ret;
}

int vs_http_request_stream(vs_conn *c, const char *url, const char *post, size_t post_len,
			   bool may_resend, size_t max_bytes, const char *what,
			   int (*sink)(void *arg, const char *data, size_t n, vs_error *err),
			   void *sink_arg, long *status, strbuf *out, bool *sink_failed,
			   vs_error *err)
{
	c->sink = sink;
	c->sink_arg = sink_arg;
	c->sink_err = err;
	int rc = vs_http_request(c, url, post, post_len, may_resend, max_bytes, what, status, out,
				 err);
	*sink_failed = c->sink_failed;
	c->sink = NULL;
	c->sink_arg = NULL;
	c->sink_err = NULL;
	c->sink_state = 0;
	return rc;
}
