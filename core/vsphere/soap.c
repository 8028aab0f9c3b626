#include "vsphere/soap.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/timing.h"
#include "util/xalloc.h"
#include "vsphere/http.h"


static const char env_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
	" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
	" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
static const char env_tail[] = "</soapenv:Body></soapenv:Envelope>";

void vs_soap_envelope(strbuf *out, const char *body)
{
	strbuf_adds(out, env_head);
	strbuf_adds(out, body);
	strbuf_adds(out, env_tail);
}

void vs_soap_add_moref(strbuf *sb, const char *elem, const char *type, const char *value)
{
	strbuf_addf(sb, "<%s type=\"", elem);
	strbuf_add_xml(sb, type);
	strbuf_adds(sb, "\">");
	strbuf_add_xml(sb, value);
	strbuf_addf(sb, "</%s>", elem);
}

void vs_soap_add_text(strbuf *sb, const char *elem, const char *value)
{
	strbuf_addf(sb, "<%s>", elem);
	strbuf_add_xml(sb, value);
	strbuf_addf(sb, "</%s>", elem);
}

/* ---- faults ---- */

/* The method element's name at the start of a body, for messages ("RetrievePropertiesEx"). */
static void method_name(const char *body, char *out, size_t n)
{
	const char *p = strchr(body, '<');
	size_t len = p ? strcspn(p + 1, " />\t\r\n") : 0;
	if (len >= n)
		len = n - 1;
	if (len)
		memcpy(out, p + 1, len);
	out[len] = '\0';
	if (!len)
		snprintf(out, n, "request");
}

/* Methods that only read: safe to send again when the first try got no answer, or a
 * 502/503/504. Everything else changes something and is sent exactly once. */
static bool method_is_read(const char *method)
{
	static const char *const prefixes[] = {
		"Retrieve", "ContinueRetrieve", "CancelRetrieve", "WaitForUpdates", "CheckForUpdates",
		"Query", "ListProcessesInGuest", "CurrentTime", "SessionIsActive", "Fetch",
	};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (!strncmp(method, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Length of the well-formed UTF-8 sequence at p (at most `left` bytes) encoding a printable
 * code point (not C0/C1 controls, no overlong form, no surrogate), or 0. */
static size_t printable_utf8(const unsigned char *p, size_t left)
{
	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	size_t n = p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
	if (!n || n > left)
		return 0;
	uint32_t cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[n] || cp < 0xa0 || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		return 0;
	return n;
}

/* First readable line of an HTML or text body: the <title> when there is one, else text with
 * tags stripped, whitespace collapsed, at most 120 bytes. */
static void body_excerpt(const char *body, size_t len, char *out, size_t n)
{
	const char *start = body, *end = body + len;
	const char *t = memmem(body, len, "<title>", 7);
	if (t) {
		const char *te = memmem(t + 7, (size_t)(end - t - 7), "</title>", 8);
		if (te) {
			start = t + 7;
			end = te;
		}
	}
	size_t o = 0;
	bool tag = false, space = true;
	for (const char *p = start; p < end && o + 1 < n && o < 120; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '<') {
			tag = true;
			continue;
		}
		if (tag) {
			if (ch == '>') {
				tag = false;
				if (!space) {
					out[o++] = ' ';
					space = true;
				}
			}
			continue;
		}
		if (isspace(ch) || ch < 0x20) {
			if (!space)
				out[o++] = ' ';
			space = true;
			continue;
		}
		/* The server's bytes reach a terminal: controls and broken UTF-8 become '?'. */
		size_t k = printable_utf8((const unsigned char *)p, (size_t)(end - p));
		if (k == 0 || o + k >= n || o + k > 120) {
			if (k > 1)
				break; /* a character that does not fit: stop before it, not inside it */
			out[o++] = '?';
		} else {
			memcpy(out + o, p, k);
			o += k;
			p += k - 1;
		}
		space = false;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static void set_fault_type(vs_error *err, const char *type)
{
	if (err)
		snprintf(err->fault, sizeof err->fault, "%s", type);
}

/* Parses soapenv:Fault; 1 when found (err filled), 0 when the body is no SOAP fault. */
static int parse_fault(const char *body, size_t len, const char *method, const char *server,
		       vs_error *err)
{
	vs_error perr;
	vs_error_clear(&perr);
	xmlTextReaderPtr r = vs_xml_reader_new(body, len, &perr);
	if (!r)
		return 0;
	char *faultstring = NULL, *type = NULL;
	bool found = false;
	while (vs_xml_read(r, &perr) == 1) {
		if (!vs_xml_is(r, "Fault"))
			continue;
		found = true;
		int depth = xmlTextReaderDepth(r);
		while (vs_xml_next_child(r, depth, &perr) == 1) {
			if (vs_xml_is(r, "faultstring")) {
				free(faultstring);
				faultstring = vs_xml_text(r);
			} else if (vs_xml_is(r, "detail")) {
				int dd = xmlTextReaderDepth(r);
				if (vs_xml_next_child(r, dd, &perr) == 1 && !type) {
					char xt[128];
					if (*vs_xml_xsi_type(r, xt, sizeof xt)) {
						type = xstrdup(xt);
					} else {
						const char *n = vs_xml_name(r);
						size_t l = strlen(n);
						if (l > 5 && strcmp(n + l - 5, "Fault") == 0)
							l -= 5;
						type = xstrndup(n, l);
					}
					vs_xml_skip(r);
				}
				while (vs_xml_next_child(r, dd, &perr) == 1)
					vs_xml_skip(r);
			} else {
				vs_xml_skip(r);
			}
		}
		break;
	}
	xmlFreeTextReader(r);
	if (!found) {
		free(faultstring);
		free(type);
		return 0;
	}
	const char *msg = faultstring && *faultstring ? faultstring : "no message";
	size_t ml = strlen(msg);
	const char *dot = ml && (msg[ml - 1] == '.' || msg[ml - 1] == '!') ? "" : ".";
	vs_error_kind kind = type && strcmp(type, "InvalidLogin") == 0 ? VS_ERR_LOGIN : VS_ERR_FAULT;
	vs_fail(err, kind, "%s on %s failed: %s%s%s%s%s", method, server, msg,
		type ? " (" : "", type ? type : "", type ? ")" : "", dot);
	set_fault_type(err, type ? type : "");
	free(faultstring);
	free(type);
	return 1;
}

int vs_soap_decode_fault(const char *body, size_t len, long http_status, const char *method,
			 const char *server, vs_error *err)
{
	if (err)
		err->fault[0] = '\0';
	if (len && parse_fault(body, len, method, server, err))
		return -1;
	char excerpt[160];
	body_excerpt(body, len, excerpt, sizeof excerpt);
	if (http_status == 200)
		return vs_fail(err, VS_ERR_PARSE,
			       "%s on %s returned something that is not a SOAP response%s%s.",
			       method, server, *excerpt ? ": " : "", excerpt);
	if (http_status == 502 || http_status == 503 || http_status == 504)
		return vs_fail(err, VS_ERR_NETWORK,
			       "%s on %s got HTTP %ld%s%s: the vCenter service is unavailable "
			       "(starting, restarting or overloaded); try again later.", method, server,
			       http_status, *excerpt ? ": " : "", excerpt);
	return vs_fail(err, VS_ERR_NETWORK,
		       "%s on %s got HTTP %ld instead of a SOAP response%s%s; is this the vSphere "
		       "SDK URL?", method, server, http_status, *excerpt ? ": " : "", excerpt);
}

/* ---- call ---- */

/* Sends the request; the response (any HTTP status) lands in resp. */
typedef struct {
	vs_chunk_fn fn;
	void *arg;
	bool failed;
} stream_to;

static int fetch_once(vs_conn *c, const char *body, unsigned flags, const char *method,
		      long *status, strbuf *resp, stream_to *st, vs_error *err)
{
	vs_session *s = c->s;
	size_t hl = sizeof env_head - 1, bl = strlen(body), tl = sizeof env_tail - 1;
	size_t n = hl + bl + tl;
	secret *sec = NULL;
	char *req;
	/* One exact allocation: growing a buffer would leave copies of a secret behind. */
	if (flags & VS_SOAP_SECRET) {
		sec = secret_new(n);
		req = secret_data(sec);
	} else {
		req = xmalloc(n + 1);
	}
	memcpy(req, env_head, hl);
	memcpy(req + hl, body, bl);
	memcpy(req + hl + bl, env_tail, tl + 1);

	*status = 0;
	int rc;
	if (st)
		rc = vs_http_request_stream(c, s->url, req, n, method_is_read(method), VS_MAX_RESPONSE,
					    method, st->fn, st->arg, status, resp, &st->failed, err);
	else
		rc = vs_http_request(c, s->url, req, n, method_is_read(method), VS_MAX_RESPONSE,
				     method, status, resp, err);
	if (sec)
		secret_release(sec);
	else
		free(req);
	return rc;
}

/* A fault for a non-200 status, else the reader handed to on_response. */
static int handle_response(vs_conn *c, const char *method, long status, const strbuf *resp,
			   vs_response_fn on_response, void *ctx, vs_error *err)
{
	vs_session *s = c->s;
	if (status != 200)
		return vs_soap_decode_fault(resp->buf, resp->len, status, method, s->server, err);
	if (!on_response)
		return 0;
	xmlTextReaderPtr r = vs_xml_reader_new(resp->buf, resp->len, err);
	if (!r)
		return -1;
	double t0 = timing_now(), c0 = timing_thread_cpu();
	int rc = on_response(r, ctx, err) < 0 ? -1 : 0;
	timing_add(TIMING_PARSE, timing_now() - t0);
	timing_add(TIMING_PARSE_CPU, timing_thread_cpu() - c0);
	if (rc < 0 && err && err->kind == VS_OK)
		vs_fail(err, VS_ERR_PARSE, "%s on %s: cannot read the response.", method, s->server);
	xmlFreeTextReader(r);
	return rc;
}

/* How often, and after how long, a read answered 502/503/504 (a vCenter restarting its
 * services, a load balancer without a backend) is asked again. Writes are never resent. */
#define READ_RETRIES 3
#define READ_RETRY_BASE_MS 500

/* One call, retried on 502-504 for reads. keep (may be NULL): the HTTP 200 body is left there
 * unparsed, in a buffer the caller reuses from call to call, instead of going to on_response. */
static int call_once(vs_conn *c, const char *body, unsigned flags, const char *method,
		     vs_response_fn on_response, void *ctx, strbuf *keep, stream_to *st,
		     vs_error *err)
{
	strbuf own;
	strbuf_init(&own);   /* unused (nothing allocated) when the caller keeps the body */
	strbuf *resp = keep ? keep : &own;
	long status = 0;
	int rc;
	for (int attempt = 0;; attempt++) {
		rc = fetch_once(c, body, flags, method, &status, resp, st, err);
		bool unavailable = rc == 0 && (status == 502 || status == 503 || status == 504);
		if (!unavailable || attempt == READ_RETRIES || !method_is_read(method))
			break;
		unsigned gen = atomic_load(&c->s->cancel_gen);
		struct timespec ts = { 0, (long)READ_RETRY_BASE_MS * 1000000L << attempt };
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		nanosleep(&ts, NULL);
		if (atomic_load(&c->s->cancel_gen) != gen) {
			rc = vs_fail(err, VS_ERR_CANCELLED, "%s on %s was cancelled.", method, c->s->server);
			break;
		}
	}
	if (rc == 0 && st && status == 200)
		rc = 0;   /* the body went to the stream as it came */
	else if (rc == 0)
		rc = handle_response(c, method, status, resp, keep ? NULL : on_response, ctx, err);
	strbuf_done(&own);
	return rc;
}

int vs_soap_fetch(vs_conn *c, const char *body, long *status, strbuf *resp, vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	vs_error_clear(err);
	char method[64];
	method_name(body, method, sizeof method);
	return fetch_once(c, body, 0, method, status, resp, NULL, err);
}

int vs_soap_handle(vs_conn *c, const char *body, long status, const strbuf *resp,
		   vs_response_fn on_response, void *ctx, vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	vs_error_clear(err);
	char method[64];
	method_name(body, method, sizeof method);
	return handle_response(c, method, status, resp, on_response, ctx, err);
}

/* A call with one re-login when the session expired (idle timeout, vCenter restart). */
static int call(vs_conn *c, const char *body, unsigned flags, vs_response_fn on_response,
		void *ctx, strbuf *keep, stream_to *st, vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	vs_error_clear(err);
	char method[64];
	method_name(body, method, sizeof method);
	unsigned gen = vs_session_login_gen(c->s);
	int rc = call_once(c, body, flags, method, on_response, ctx, keep, st, err);
	if (rc == 0 || (st && st->failed) || strcmp(err->fault, "NotAuthenticated") != 0 ||
	    (flags & VS_SOAP_NO_RELOGIN) || !c->s->password)
		return rc;
	vs_error_clear(err);
	if (vs_session_relogin(c, gen, err) < 0)
		return -1;
	rc = call_once(c, body, flags, method, on_response, ctx, keep, st, err);
	if (rc < 0 && strcmp(err->fault, "NotAuthenticated") == 0)
		err->kind = VS_ERR_LOGIN;
	return rc;
}

int vs_soap_call_ex(vs_conn *c, const char *body, unsigned flags, vs_response_fn on_response,
		    void *ctx, vs_error *err)
{
	return call(c, body, flags, on_response, ctx, NULL, NULL, err);
}

int vs_soap_call_raw(vs_conn *c, const char *body, strbuf *resp, vs_error *err)
{
	return call(c, body, 0, NULL, NULL, resp, NULL, err);
}

int vs_soap_call(vs_conn *c, const char *body, vs_response_fn on_response, void *ctx,
		 vs_error *err)
{
	return vs_soap_call_ex(c, body, 0, on_response, ctx, err);
}

int vs_soap_call_stream(vs_conn *c, const char *body, vs_chunk_fn fn, void *arg, vs_error *err)
{
	stream_to st = { .fn = fn, .arg = arg };
	strbuf resp;
	strbuf_init(&resp);   /* a fault's body, never the streamed one */
	int rc = call(c, body, 0, NULL, NULL, &resp, &st, err);
	strbuf_done(&resp);
	return rc;
}
