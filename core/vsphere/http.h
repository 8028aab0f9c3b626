/* http: the transport under soap, guest file transfer and datastore access (internal to
 * core/vsphere; other modules use soap.h, guest.h, datastore.h).
 *
 * The session's state and each connection's curl handle are defined here so the vsphere files
 * share them; nothing outside core/vsphere includes this header. */
#ifndef QUIESCENT_VS_HTTP_H
#define QUIESCENT_VS_HTTP_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "util/strbuf.h"
#include "util/secret.h"
#include "vsphere/session.h"

#define VS_MAX_RESPONSE ((size_t)64 << 20)   /* one SOAP response; a page is far smaller */
#define VS_THUMB_LEN 100                     /* "AB:CD:.." of SHA-256 with NUL */

typedef struct vs_guest_cred vs_guest_cred;   /* guest_login.c */

struct vs_session {
	char *url;          /* https://host[:port]/sdk */
	char *base;         /* https://host[:port] */
	char *server;       /* host[:port] as given */
	char *host;         /* host alone (for the '*' of guest transfer URLs) */
	char *user;
	secret *password;
	char pin[VS_THUMB_LEN];   /* normalised pin, empty when none: it always decides */
	char *pin_source;         /* where the pin came from ("--thumbprint", "FILE"), for messages */
	char *ca_file;
	bool insecure;
	int timeout_s;
	char api_version[32];
	char api_type[32];
	vs_service_content sc;

	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
	pthread_mutex_t mu;       /* thumbprint (taken inside handshakes: never hold it longer) */
	pthread_mutex_t login_mu; /* one re-login at a time */
	char thumbprint[VS_THUMB_LEN];
	atomic_uint login_gen;    /* bumped by every successful Login */
	atomic_uint cancel_gen;   /* bumped by vs_session_cancel */
	atomic_ullong guest_calls; /* Guest Operations requests sent (guest.c), for the probe rate */
	bool logged_in;
	pthread_mutex_t guest_mu;     /* the guest login circuit breaker (guest_login.c) */
	pthread_cond_t guest_cv;
	vs_guest_cred *guest_creds;
};

struct vs_conn {
	vs_session *s;
	CURL *curl;
	struct curl_slist *soap_headers;
	char errbuf[CURL_ERROR_SIZE];
	unsigned cancel_gen;      /* cancel_gen when the current request began */
	/* Filled during the TLS handshake by the verify callback. */
	const char *pin_now;      /* pin applying to the current request's host, or NULL */
	const char *pin_from;     /* where pin_now came from, for messages */
	char req_pin[VS_THUMB_LEN];   /* a per-request pin (vs_http_get_pinned), normalised */
	char seen[VS_THUMB_LEN];  /* the leaf's fingerprint, in the pin's algorithm */
	char seen256[VS_THUMB_LEN];
	bool pin_mismatch;
	int cert_verdict;         /* 0 not seen, 1 accepted (pin or CA), -1 refused */
	bool probe;               /* vs_probe_certificate: record trust, never fail */
	int probe_trusted;
	char *ca_info, *ca_path;  /* the trust store when one is needed (NULL: libcurl's none) */
	/* Response accounting. */
	strbuf *out;
	size_t max_bytes;
	bool too_big;
	/* Streaming (vs_http_request_stream): an HTTP 200 body goes to sink as it arrives. */
	int (*sink)(void *arg, const char *data, size_t n, vs_error *err);
	void *sink_arg;
	vs_error *sink_err;
	int sink_state;           /* 0 status not looked at yet, 1 streaming, 2 kept in out */
	bool sink_failed;
	size_t streamed;
};

/* Process-wide libcurl and libxml2 initialisation (idempotent, thread-safe); main() calls it
 * first so that libxml2 sees the main thread as its own. */
void vs_http_global_init(void);
/* Share handle with its locks; 0 or -1. */
int vs_http_share_init(vs_session *s);
void vs_http_share_done(vs_session *s);
/* Sets up c->curl for the session's TLS rules. */
int vs_http_conn_init(vs_conn *c, vs_error *err);
void vs_http_conn_done(vs_conn *c);

/* One request. post == NULL: GET, else a SOAP POST of post_len bytes. may_resend: false for
 * a request that changes something (it then goes on a fresh connection, which libcurl never
 * resends). The body goes to out (reset first), at most max_bytes. Returns 0 with *status
 * set for any HTTP answer, -1 with err filled when there was none (kind NETWORK, TLS,
 * TIMEOUT, CANCELLED). `what` names the request in messages ("Login", "GET of vm/x.zip"). */
int vs_http_request(vs_conn *c, const char *url, const char *post, size_t post_len,
		    bool may_resend, size_t max_bytes, const char *what, long *status, strbuf *out,
		    vs_error *err);

/* A GET to another host than the session's (an ESXi host's guest file transfer URL) whose
 * certificate must have the SHA-256 (or SHA-1) thumbprint `pin`, checked inside the handshake
 * and again before the request on a reused connection, exactly like the session's own pin;
 * --insecure changes nothing here. pin == NULL behaves as vs_http_request. */
int vs_http_get_pinned(vs_conn *c, const char *url, const char *pin, size_t max_bytes,
		       const char *what, long *status, strbuf *out, vs_error *err);

/* vs_http_request whose HTTP 200 body goes to sink piece by piece as it arrives (out gets
 * any other status's body, for the fault). A sink returning -1 (after filling err) ends the
 * transfer: the result is then -1 with *sink_failed set. max_bytes bounds the streamed bytes. */
int vs_http_request_stream(vs_conn *c, const char *url, const char *post, size_t post_len,
			   bool may_resend, size_t max_bytes, const char *what,
			   int (*sink)(void *arg, const char *data, size_t n, vs_error *err),
			   void *sink_arg, long *status, strbuf *out, bool *sink_failed,
			   vs_error *err);

/* Logs in again after NotAuthenticated, unless another thread already did since login_gen was
 * `seen_gen` (defined in session.c). 0 or -1 with err (kind LOGIN). */
int vs_session_relogin(vs_conn *c, unsigned seen_gen, vs_error *err);
unsigned vs_session_login_gen(vs_session *s);

/* Sets s->url, base, server (host[:port]) and host from a server URL or name (util/url.h; any
 * userinfo is dropped here). 0 or -1 with err (kind USAGE). */
int vs_session_set_url(vs_session *s, const char *in, vs_error *err);

#endif
