#include "vsphere/http.h"

#include <libxml/parser.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/timing.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "vsphere/known_hosts.h"

/* Bytes per second below which a transfer counts as stalled (a hostile server dripping a byte
 * a second must not hold us forever); idle waits shorter than timeout_s are fine. */
#define LOW_SPEED_BYTES 100L

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/* libcurl's and libxml2's process-wide set-up, once, before any worker thread parses: libxml2
 * 2.9 initialises itself lazily and without a lock, so two threads' first parses raced (a
 * leaked global mutex under LeakSanitizer, and its globals half-built for the loser). */
static void global_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
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
	/* Never CURL_LOCK_DATA_CONNECT: libcurl does not support one connection cache for easy
	 * handles on concurrent threads (its KNOWN_BUGS "A shared connection cache is not
	 * thread-safe"; a returned connection is touched unlocked, and every thread closes the
	 * oldest through the cache's one closure handle), and the probe pool's 40 threads churn
	 * it with a fresh connection per guest write. The probe bench's SIGSEGV (caught under
	 * gdb): a pointer in a guest's VSS writer list overwritten with a CLOCK_MONOTONIC second
	 * count from the probe phase, the stamp libcurl writes on a connection it hands back.
	 * Each vs_conn keeps its own connections; new ones resume the shared TLS session. */
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

/* The leaf's fingerprint in the pin's algorithm (govc's known_hosts holds SHA-1 ones) into
 * c->seen, and its SHA-256 into c->seen256; false when it cannot be computed. */
static bool fingerprint(vs_conn *c, X509 *leaf)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!leaf || !X509_digest(leaf, EVP_sha256(), md, &mdlen))
		return false;
	vs_thumbprint_format(md, mdlen, c->seen256, sizeof c->seen256);
	memcpy(c->seen, c->seen256, sizeof c->seen);
	if (c->pin_now && strlen(c->pin_now) == 59) {
		if (!X509_digest(leaf, EVP_sha1(), md, &mdlen))
			return false;
		vs_thumbprint_format(md, mdlen, c->seen, sizeof c->seen);
	}
	return true;
}

/* Runs inside the TLS handshake, before a single byte of the request is sent: this is where a
 * pinned thumbprint is decided (design.md), not afterwards from CURLINFO_CERTINFO. A pin is
 * the whole verdict: the CA store and --insecure have no say where one applies. */
static int verify_cert(X509_STORE_CTX *store, void *arg)
{
	vs_conn *c = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(store);
	if (!fingerprint(c, leaf)) {
		c->cert_verdict = -1;
		X509_STORE_CTX_set_error(store, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	pthread_mutex_lock(&c->s->mu);
	memcpy(c->s->thumbprint, c->seen256, sizeof c->s->thumbprint);
	pthread_mutex_unlock(&c->s->mu);

	if (c->probe) {
		c->probe_trusted = X509_verify_cert(store) == 1;
		return 1;
	}
	if (!c->pin_now) {
		int ok = X509_verify_cert(store);   /* libcurl's normal path; it checks the host */
		c->cert_verdict = ok == 1 ? 1 : -1;
		return ok;
	}
	if (strcmp(c->seen, c->pin_now) == 0) {
		c->cert_verdict = 1;
		return 1;
	}
	c->pin_mismatch = true;
	c->cert_verdict = -1;
	X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
	return 0;
}

/* Runs after the connection is ready and before the request's first byte, also on a reused
 * connection or a resumed TLS session, where no handshake ran for this request: the peer's
 * certificate is checked against the pin again, so no path skips it. */
static int before_request(void *arg, char *primary_ip, char *local_ip, int primary_port,
			  int local_port)
{
	vs_conn *c = arg;
	if (!c->pin_now)
		return CURL_PREREQFUNC_OK;
	struct curl_tlssessioninfo *info = NULL;
	if (curl_easy_getinfo(c->curl, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || !info ||
	    info->backend != CURLSSLBACKEND_OPENSSL || !info->internals) {
		c->pin_mismatch = true;
		return CURL_PREREQFUNC_ABORT;
	}
	X509 *leaf = SSL_get0_peer_certificate((SSL *)info->internals);
	if (fingerprint(c, leaf) && strcmp(c->seen, c->pin_now) == 0)
		return CURL_PREREQFUNC_OK;
	c->pin_mismatch = true;
	return CURL_PREREQFUNC_ABORT;
}

static CURLcode ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	vs_conn *c = arg;
	SSL_CTX_set_cert_verify_callback((SSL_CTX *)sslctx, verify_cert, arg);
	/* A refused pin must end the handshake whatever libcurl was told about verification. */
	if (c->pin_now)
		SSL_CTX_set_verify((SSL_CTX *)sslctx, SSL_VERIFY_PEER, NULL);
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
	/* One thread's handle needs one idle connection to vCenter and one to an ESXi host (a
	 * guest file transfer), not libcurl's 5: 40 probe workers would keep 200 open. */
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 2L);
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
	curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, before_request);
	curl_easy_setopt(h, CURLOPT_PREREQDATA, c);
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

/* Does libcurl's or OpenSSL's error text contain one of words (any case)? */
static bool says_any(const char *detail, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasestr(detail, words[i]))
			return true;
	return false;
}

/* OpenSSL's words for a handshake that failed on the protocol version or the algorithms, not on
 * the certificate (a TLS 1.0/1.1-only server, no shared cipher, a legacy signature). */
static bool protocol_trouble(const char *detail)
{
	static const char *const words[] = {
		"unsupported protocol", "wrong version number", "no protocols available",
		"protocol version", "version too low", "cipher", "sigalg", "signature algorithm",
		"handshake failure", "inappropriate fallback", "dh key too small",
		"unsafe legacy renegotiation",
	};
	return says_any(detail, words, sizeof words / sizeof words[0]);
}

/* OpenSSL's and libcurl's words for a connection that broke under the handshake (a reset, a
 * peer gone): the network, never the certificate, which fails as "certificate verify failed". */
static bool transport_trouble(const char *detail)
{
	static const char *const words[] = {
		"connection reset", "recv failure", "send failure", "ssl_error_syscall",
		"unexpected eof", "broken pipe", "connection refused",
	};
	return says_any(detail, words, sizeof words / sizeof words[0]);
}

/* A failed handshake (or the name check right after it): no request byte was sent. */
static int fail_tls(vs_conn *c, const char *hostport, const char *detail, vs_error *err)
{
	if (c->seen256[0] && (strcasestr(detail, "subject name") || strcasestr(detail, "host name")))
		return vs_fail(err, VS_ERR_TLS,
			       "The certificate of %s was issued for another name (%s); its SHA-256 "
			       "fingerprint is %s: connect with the name the certificate carries, or "
			       "after checking the fingerprint pin it with --thumbprint. Nothing was "
			       "sent.", hostport, detail, c->seen256);
	bool protocol = protocol_trouble(detail);
	if ((c->cert_verdict == 1 || c->cert_verdict == 0) && protocol)
		return vs_fail(err, VS_ERR_TLS,
			       "The TLS handshake with %s failed on the protocol, not on the "
			       "certificate%s (%s): the server offers no protocol version or cipher "
			       "that quiescent accepts (TLS 1.2 or later with current ciphers); "
			       "update the server's TLS settings. Nothing was sent.", hostport,
			       c->cert_verdict == 1 ? ", which was accepted" : "", detail);
	if (c->cert_verdict == 1)
		return vs_fail(err, VS_ERR_TLS,
			       "The TLS handshake with %s failed after its certificate was accepted "
			       "(%s). Nothing was sent.", hostport, detail);
	if (c->seen256[0])
		return vs_fail(err, VS_ERR_TLS,
			       "The certificate of %s is not trusted (%s); its SHA-256 fingerprint "
			       "is %s: after checking it, pin it with --thumbprint, or give "
			       "--ca-file. Nothing was sent.", hostport, detail, c->seen256);
	return vs_fail(err, VS_ERR_TLS, "TLS with %s failed: %s. Nothing was sent.", hostport,
		       detail);
}

static int fail_curl(vs_conn *c, CURLcode rc, const char *hostport, const char *what,
		     vs_error *err)
{
	vs_session *s = c->s;
	const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
	if (c->pin_mismatch) {
		if (!c->seen[0])
			return vs_fail(err, VS_ERR_TLS,
				       "The certificate of %s could not be checked against the pinned "
				       "%s (from %s); the connection was closed before any request was "
				       "sent.", hostport, c->pin_now, c->pin_from);
		return vs_fail(err, VS_ERR_TLS,
			       "The certificate of %s has fingerprint %s, not the pinned %s (from "
			       "%s); the connection was closed before any request was sent (if the "
			       "certificate was replaced on purpose, check it and update the pin).",
			       hostport, c->seen, c->pin_now, c->pin_from);
	}
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
		/* The handshake broke under us (a reset, a peer gone), not on the protocol or the
		 * certificate: the network failed, not trust, and a run waits that out
		 * (vs_error_transient). A pin that did not match was said above. */
		if (transport_trouble(detail) && !protocol_trouble(detail))
			return vs_fail(err, VS_ERR_NETWORK, "The connection to %s broke during the "
				       "TLS handshake (%s). Nothing was sent.", hostport, detail);
		return fail_tls(c, hostport, detail, err);
	default:
		break;
	}
	return vs_fail(err, VS_ERR_NETWORK, "%s on %s failed: %s.", what, hostport, detail);
}

/* One request; pin, when not NULL, is the caller's normalised pin for this URL's host. */
static int request(vs_conn *c, const char *url, const char *pin, const char *pin_from,
		   const char *post, size_t post_len, bool may_resend, size_t max_bytes,
		   const char *what, long *status, strbuf *out, vs_error *err)
{
	vs_session *s = c->s;
	CURL *h = c->curl;
	url_parts u;
	char msg[256];
	if (url_parse(url, &u, msg, sizeof msg) < 0) {
		url_parts_done(&u);
		return vs_fail(err, VS_ERR_USAGE, "%s cannot be sent: %s.", what, msg);
	}
	const char *hostport = u.hostport;

	/* The session's pin belongs to the session's host; another host (an ESXi transfer URL)
	 * is pinned by its caller, else gets the CA store unless the operator chose insecure. */
	c->pin_now = pin;
	c->pin_from = pin_from;
	if (!pin && s->pin[0] && url_same_endpoint(hostport, s->server)) {
		c->pin_now = s->pin;
		c->pin_from = s->pin_source ? s->pin_source : "the session";
	}
	c->pin_mismatch = false;
	c->cert_verdict = 0;
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

	/* A pin decides alone (the verify callback): peer verification stays on so a refusal
	 * ends the handshake, the CA store is not even loaded (~150 certificates per connection)
	 * and the name is not checked. --insecure relaxes only where nothing is pinned. */
	bool insecure = s->insecure && !c->pin_now;
	bool need_ca = !insecure && (!c->pin_now || c->probe);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_CAINFO, need_ca ? c->ca_info : NULL);
	curl_easy_setopt(h, CURLOPT_CAPATH, need_ca ? c->ca_path : NULL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, insecure || c->pin_now ? 0L : 2L);
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
	url_parts_done(&u);
	return ret;
}

int vs_http_request(vs_conn *c, const char *url, const char *post, size_t post_len,
		    bool may_resend, size_t max_bytes, const char *what, long *status, strbuf *out,
		    vs_error *err)
{
	return request(c, url, NULL, NULL, post, post_len, may_resend, max_bytes, what, status,
		       out, err);
}

int vs_http_get_pinned(vs_conn *c, const char *url, const char *pin, size_t max_bytes,
		       const char *what, long *status, strbuf *out, vs_error *err)
{
	if (!pin)
		return vs_http_request(c, url, NULL, 0, true, max_bytes, what, status, out, err);
	if (vs_thumbprint_normalize(pin, c->req_pin, sizeof c->req_pin) < 0)
		return vs_fail(err, VS_ERR_USAGE, "%s cannot be checked: the host's thumbprint "
			       "\"%.100s\" is not a SHA-256 (or SHA-1) fingerprint.", what, pin);
	return request(c, url, c->req_pin, "the host's certificate thumbprint", NULL, 0, true,
		       max_bytes, what, status, out, err);
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
