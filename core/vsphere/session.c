#include "vsphere/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/url.h"
#include "util/xalloc.h"
#include "vsphere/guest_login.h"
#include "vsphere/http.h"
#include "vsphere/known_hosts.h"
#include "vsphere/propcol.h"
#include "vsphere/soap.h"

#define STR_SET(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

const char *vs_session_api_version(const vs_session *s) { return s->api_version; }
const char *vs_session_server(const vs_session *s) { return s->server; }
const char *vs_session_user(const vs_session *s) { return s->user; }
const char *vs_session_api_type(const vs_session *s) { return s->api_type; }
const vs_service_content *vs_session_content(const vs_session *s) { return &s->sc; }
vs_session *vs_conn_session(vs_conn *c) { return c->s; }

const char *vs_session_thumbprint(const vs_session *s)
{
	/* Written only during handshakes; a session that exists has finished its first one. */
	return s->thumbprint;
}

unsigned vs_session_login_gen(vs_session *s)
{
	return atomic_load(&s->login_gen);
}

unsigned long long vs_session_guest_calls(vs_session *s)
{
	return atomic_load(&s->guest_calls);
}

void vs_session_cancel(vs_session *s)
{
	atomic_fetch_add(&s->cancel_gen, 1);
}

vs_conn *vs_conn_new(vs_session *s, vs_error *err)
{
	vs_conn *c = xcalloc(1, sizeof *c);
	c->s = s;
	if (vs_http_conn_init(c, err) < 0) {
		vs_conn_free(c);
		return NULL;
	}
	return c;
}

void vs_conn_free(vs_conn *c)
{
	if (!c)
		return;
	vs_http_conn_done(c);
	free(c);
}

static vs_session *session_alloc(void)
{
	vs_session *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->login_mu, NULL);
	pthread_mutex_init(&s->guest_mu, NULL);
	pthread_cond_init(&s->guest_cv, NULL);
	atomic_init(&s->login_gen, 0);
	atomic_init(&s->cancel_gen, 0);
	return s;
}

static void session_release(vs_session *s)
{
	vs_http_share_done(s);
	secret_release(s->password);
	free(s->url);
	free(s->base);
	free(s->server);
	free(s->host);
	free(s->user);
	free(s->ca_file);
	free(s->pin_source);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->login_mu);
	vs_guest_login_done(s);
	pthread_mutex_destroy(&s->guest_mu);
	pthread_cond_destroy(&s->guest_cv);
	free(s);
}

/* ---- RetrieveServiceContent ---- */

static int on_service_content(xmlTextReaderPtr r, void *ctx, vs_error *err)
{
	vs_session *s = ctx;
	if (vs_xml_enter_body(r, err) < 0)
		return -1;
	int d = xmlTextReaderDepth(r);
	if (vs_xml_next_child(r, d, err) != 1 || !vs_xml_is(r, "returnval"))
		return vs_fail(err, VS_ERR_PARSE, "RetrieveServiceContent on %s returned no content.",
			       s->server);
	struct { const char *name; char *dst; } map[] = {
		{ "rootFolder", s->sc.root_folder },
		{ "propertyCollector", s->sc.property_collector },
		{ "viewManager", s->sc.view_manager },
		{ "sessionManager", s->sc.session_manager },
		{ "eventManager", s->sc.event_manager },
		{ "taskManager", s->sc.task_manager },
		{ "guestOperationsManager", s->sc.guest_operations_manager },
		{ "fileManager", s->sc.file_manager },
	};
	int rd = xmlTextReaderDepth(r);
	int n;
	while ((n = vs_xml_next_child(r, rd, err)) == 1) {
		bool done = false;
		for (size_t i = 0; i < sizeof map / sizeof map[0] && !done; i++) {
			if (!vs_xml_is(r, map[i].name))
				continue;
			char *t = vs_xml_text(r);
			snprintf(map[i].dst, sizeof s->sc.root_folder, "%s", t ? t : "");
			free(t);
			done = true;
		}
		if (done)
			continue;
		if (!vs_xml_is(r, "about")) {
			vs_xml_skip(r);
			continue;
		}
		int ad = xmlTextReaderDepth(r);
		while ((n = vs_xml_next_child(r, ad, err)) == 1) {
			char *t = NULL;
			if (vs_xml_is(r, "apiVersion") && (t = vs_xml_text(r)))
				STR_SET(s->api_version, t);
			else if (vs_xml_is(r, "apiType") && (t = vs_xml_text(r)))
				STR_SET(s->api_type, t);
			else
				vs_xml_skip(r);
			free(t);
		}
		if (n < 0)
			return -1;
	}
	if (n < 0)
		return -1;
	if (!s->sc.property_collector[0] || !s->sc.session_manager[0] || !s->api_version[0])
		return vs_fail(err, VS_ERR_PARSE,
			       "%s answered RetrieveServiceContent without the session manager, "
			       "property collector or API version: is it a vSphere endpoint?",
			       s->server);
	return 0;
}

/* ---- Login ---- */

static int login(vs_conn *c, vs_error *err)
{
	vs_session *s = c->s;
	const char *pw = secret_data(s->password);
	strbuf head;
	strbuf_init(&head);
	strbuf_adds(&head, "<Login xmlns=\"urn:vim25\">");
	vs_soap_add_moref(&head, "_this", "SessionManager", s->sc.session_manager);
	vs_soap_add_text(&head, "userName", s->user);
	static const char tail[] = "</password></Login>";
	secret *body = secret_new(head.len + 10 + secret_xml_escaped_len(pw) + sizeof tail);
	secret_add(body, head.buf);
	secret_add(body, "<password>");
	secret_add_xml(body, pw);
	secret_add(body, tail);
	strbuf_done(&head);
	int rc = vs_soap_call_ex(c, secret_data(body), VS_SOAP_SECRET | VS_SOAP_NO_RELOGIN,
				 NULL, NULL, err);
	secret_release(body);
	if (rc < 0) {
		/* A server could echo what it was sent: never let the password through. */
		if (*pw && err && strstr(err->message, pw))
			vs_fail(err, err->kind, "Login to %s as %s failed.", s->server, s->user);
		if (err && strcmp(err->fault, "InvalidLogin") == 0)
			vs_fail(err, VS_ERR_LOGIN,
				"Login to %s as %s was refused: wrong user name or password.",
				s->server, s->user);
		return -1;
	}
	atomic_fetch_add(&s->login_gen, 1);
	s->logged_in = true;
	return 0;
}

int vs_session_relogin(vs_conn *c, unsigned seen_gen, vs_error *err)
{
	vs_session *s = c->s;
	pthread_mutex_lock(&s->login_mu);
	int rc = 0;
	if (atomic_load(&s->login_gen) == seen_gen) {
		rc = login(c, err);
		if (rc < 0 && err->kind == VS_ERR_FAULT)
			err->kind = VS_ERR_LOGIN;
	}
	pthread_mutex_unlock(&s->login_mu);
	return rc;
}

/* ---- GuestOperationsManager's managers ---- */

static int on_guest_mgr(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
			vs_error *err)
{
	vs_session *s = ctx;
	char *t = vs_xml_text(val);
	if (!t)
		return vs_fail(err, VS_ERR_PARSE, "Cannot read GuestOperationsManager.%s.", prop);
	if (strcmp(prop, "processManager") == 0)
		STR_SET(s->sc.process_manager, t);
	else if (strcmp(prop, "fileManager") == 0)
		STR_SET(s->sc.guest_file_manager, t);
	free(t);
	return 0;
}

static int read_guest_managers(vs_conn *c, vs_error *err)
{
	vs_session *s = c->s;
	if (!s->sc.guest_operations_manager[0])
		return 0;
	static const char *const paths[] = { "processManager", "fileManager" };
	return vs_retrieve_object(c, "GuestOperationsManager", s->sc.guest_operations_manager,
				  paths, 2, on_guest_mgr, s, err);
}

/* ---- connect ---- */

int vs_session_set_url(vs_session *s, const char *in, vs_error *err)
{
	url_parts u;
	char msg[256];
	if (url_parse(in, &u, msg, sizeof msg) < 0) {
		url_parts_done(&u);
		return vs_fail(err, VS_ERR_USAGE, "Cannot use that server: %s.", msg);
	}
	s->url = u.url;
	s->base = u.base;
	s->server = u.hostport;
	/* The '*' of guest transfer URLs is replaced by this: an IPv6 address keeps brackets. */
	s->host = strchr(u.host, ':') ? xasprintf("[%s]", u.host) : xstrdup(u.host);
	u.url = u.base = u.hostport = NULL;
	url_parts_done(&u);
	return 0;
}

/* The pin, when there is one, decides alone, whatever --insecure says: an explicit thumbprint
 * first, else the known_hosts entry for host[:port]. */
static int setup_trust(vs_session *s, const vs_connect_opts *o, vs_error *err)
{
	s->insecure = o->insecure;
	s->ca_file = xstrdup(o->ca_file);
	char found[VS_THUMB_LEN + 128];
	const char *source = NULL;
	int k = vs_known_hosts_pin(o->thumbprint, o->known_hosts, s->server, found, sizeof found,
				   &source);
	if (k < 0)
		return vs_fail(err, VS_ERR_USAGE, "Cannot read the known hosts file %s.",
			       o->known_hosts);
	const char *pin = k > 0 ? found : NULL;
	if (pin && vs_thumbprint_normalize(pin, s->pin, sizeof s->pin) < 0)
		return vs_fail(err, VS_ERR_USAGE,
			       "The thumbprint \"%.100s\" for %s (from %s) is not a SHA-256 (or SHA-1) "
			       "fingerprint in hex.", pin, s->server, source);
	if (pin)
		s->pin_source = xstrdup(o->pin_source ? o->pin_source : source);
	return 0;
}

vs_session *vs_session_connect(const vs_connect_opts *o, vs_error *err)
{
	if (err)
		vs_error_clear(err);
	if (!o || !o->url || !*o->url || !o->user || !o->password) {
		vs_fail(err, VS_ERR_USAGE, "A server, a user and a password are needed to connect.");
		return NULL;
	}
	vs_session *s = session_alloc();
	if (vs_session_set_url(s, o->url, err) < 0) {
		session_release(s);
		return NULL;
	}
	s->user = xstrdup(o->user);
	s->password = secret_copy(o->password);
	s->timeout_s = o->timeout_s > 0 ? o->timeout_s : 60;
	vs_conn *c = NULL;
	if (setup_trust(s, o, err) < 0)
		goto fail;
	if (vs_http_share_init(s) < 0) {
		vs_fail(err, VS_ERR_NETWORK, "Cannot set up HTTP sharing (libcurl).");
		goto fail;
	}
	c = vs_conn_new(s, err);
	if (!c)
		goto fail;
	strbuf body;
	strbuf_init(&body);
	strbuf_adds(&body, "<RetrieveServiceContent xmlns=\"urn:vim25\">");
	vs_soap_add_moref(&body, "_this", "ServiceInstance", "ServiceInstance");
	strbuf_adds(&body, "</RetrieveServiceContent>");
	int rc = vs_soap_call_ex(c, body.buf, VS_SOAP_NO_RELOGIN, on_service_content, s, err);
	strbuf_done(&body);
	if (rc < 0)
		goto fail;
	/* Later requests carry the negotiated version in SOAPAction. */
	vs_conn_free(c);
	c = vs_conn_new(s, err);
	if (!c || login(c, err) < 0 || read_guest_managers(c, err) < 0)
		goto fail;
	vs_conn_free(c);
	return s;
fail:
	vs_conn_free(c);
	vs_session_free(s);
	return NULL;
}

void vs_session_free(vs_session *s)
{
	if (!s)
		return;
	if (s->logged_in && s->share) {
		vs_error e;
		vs_conn *c = vs_conn_new(s, &e);
		if (c) {
			strbuf body;
			strbuf_init(&body);
			strbuf_adds(&body, "<Logout xmlns=\"urn:vim25\">");
			vs_soap_add_moref(&body, "_this", "SessionManager", s->sc.session_manager);
			strbuf_adds(&body, "</Logout>");
			vs_soap_call_ex(c, body.buf, VS_SOAP_NO_RELOGIN, NULL, NULL, &e);
			strbuf_done(&body);
			vs_conn_free(c);
		}
	}
	session_release(s);
}

/* ---- keepalive ---- */

static int on_current_session(void *ctx, const char *moref, const char *prop,
			      xmlTextReaderPtr val, vs_error *err)
{
	*(bool *)ctx = true;
	return 0;
}

int vs_session_keepalive(vs_conn *c, vs_error *err)
{
	/* currentSession is unset once the server dropped us; reading it also resets the idle
	 * timer. NotAuthenticated on the read itself is re-logged-in by soap. */
	static const char *const paths[] = { "currentSession" };
	bool active = false;
	unsigned gen = vs_session_login_gen(c->s);
	if (vs_retrieve_object(c, "SessionManager", c->s->sc.session_manager, paths, 1,
			       on_current_session, &active, err) < 0)
		return -1;
	if (active)
		return 0;
	return vs_session_relogin(c, gen, err);
}

/* ---- certificate probe ---- */

int vs_probe_certificate(const char *url, const char *ca_file, char *thumbprint, size_t n,
			 bool *trusted, vs_error *err)
{
	if (err)
		vs_error_clear(err);
	vs_session *s = session_alloc();
	int rc = -1;
	vs_conn *c = NULL;
	if (vs_session_set_url(s, url, err) < 0)
		goto out;
	s->ca_file = xstrdup(ca_file);
	s->timeout_s = 30;
	if (vs_http_share_init(s) < 0 || !(c = vs_conn_new(s, err)))
		goto out;
	c->probe = true;
	c->probe_trusted = 0;
	curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
	strbuf out;
	strbuf_init(&out);
	long status = 0;
	vs_error e;
	vs_error_clear(&e);
	int hr = vs_http_request(c, s->url, NULL, 0, true, 0, "The certificate probe", &status, &out, &e);
	strbuf_done(&out);
	if (!c->seen256[0]) {
		if (err)
			*err = e;
		goto out;
	}
	/* A handshake that failed after the certificate was seen is the host name check. */
	*trusted = hr == 0 && c->probe_trusted;
	snprintf(thumbprint, n, "%s", c->seen256);
	rc = 0;
out:
	vs_conn_free(c);
	session_release(s);
	return rc;
}
