/* soap: one SOAP request/response over a vs_conn.
 *
 * The caller writes the body of the method element (everything inside soapenv:Body), the
 * transport adds the envelope, the vim25 namespace, the negotiated version (SOAPAction
 * "urn:vim25/<apiVersion>"), sends it, bounds the response size, and on HTTP 500 decodes the
 * SOAP fault into err (kind VS_ERR_FAULT, fault type, message). On success the response
 * is handed to `on_response` as a libxml2 streaming reader (xmlTextReader over the received
 * bytes, XML_PARSE_NONET, no entity expansion, no DTD loading) positioned before the first
 * node: the handler reads what it needs and returns 0, or -1 after filling err
 * (usually VS_ERR_PARSE). NotAuthenticated triggers one transparent re-login and retry. */
#ifndef QUIESCENT_VS_SOAP_H
#define QUIESCENT_VS_SOAP_H

#include <libxml/xmlreader.h>

#include "util/strbuf.h"
#include "vsphere/session.h"
#include "vsphere/xml.h"   /* the reader a response handler reads with */

typedef int (*vs_response_fn)(xmlTextReaderPtr reader, void *ctx, vs_error *err);

/* body: e.g. "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">
 * propertyCollector</_this>...</RetrievePropertiesEx>". on_response may be NULL. */
int vs_soap_call(vs_conn *c, const char *body, vs_response_fn on_response, void *ctx,
		 vs_error *err);

/* vs_soap_call with flags: VS_SOAP_SECRET builds the envelope in locked memory and wipes it
 * after sending (Login, guest operations carrying a password); VS_SOAP_NO_RELOGIN never
 * re-logs in (Login and Logout themselves). */
enum { VS_SOAP_SECRET = 1, VS_SOAP_NO_RELOGIN = 2 };
int vs_soap_call_ex(vs_conn *c, const char *body, unsigned flags, vs_response_fn on_response,
		    void *ctx, vs_error *err);

/* vs_soap_call in two halves, for fetching one request ahead on another connection while
 * the previous response is parsed: vs_soap_fetch sends the request (no re-login, no secret)
 * and leaves the response with its HTTP status in resp (reset first): 0, or -1 with err when
 * there was no HTTP answer. vs_soap_handle then does what vs_soap_call does with an answer:
 * a fault for a non-200 status, else the reader (same safety rules) handed to on_response.
 * A caller that gets anything but status 200 should simply make the call with vs_soap_call
 * (which re-logs in on NotAuthenticated). */
int vs_soap_fetch(vs_conn *c, const char *body, long *status, strbuf *resp, vs_error *err);
int vs_soap_handle(vs_conn *c, const char *body, long status, const strbuf *resp,
		   vs_response_fn on_response, void *ctx, vs_error *err);

/* vs_soap_call that keeps the HTTP 200 body in resp (reset first) instead of parsing it, for a
 * caller that parses elsewhere (another thread) with vs_xml_reader_new; everything else as
 * vs_soap_call: faults decoded, one re-login on NotAuthenticated, reads retried on 502-504. */
int vs_soap_call_raw(vs_conn *c, const char *body, strbuf *resp, vs_error *err);

/* vs_soap_call whose HTTP 200 body is handed to fn piece by piece as it arrives (for a push
 * parser), never kept whole; anything else is as vs_soap_call (faults decoded from non-200
 * answers, one re-login on NotAuthenticated, reads retried on 502-504: nothing has reached fn
 * then). fn returns 0, or -1 after filling err, which ends the transfer; the call then returns
 * -1 with that err. A transfer broken off after some pieces returns -1 (kind NETWORK): fn
 * has seen part of the body only. */
typedef int (*vs_chunk_fn)(void *arg, const char *data, size_t n, vs_error *err);
int vs_soap_call_stream(vs_conn *c, const char *body, vs_chunk_fn fn, void *arg, vs_error *err);

/* The whole request for a body (exposed for tests): the envelope with the soapenv, xsd and
 * xsi namespaces declared, so bodies may use xsi:type. */
void vs_soap_envelope(strbuf *out, const char *body);

/* Turns a non-200 response into err: a SOAP fault gives kind FAULT (LOGIN for InvalidLogin),
 * the fault type (detail's xsi:type, else its element name less "Fault") and its faultstring;
 * anything else (an HTML error page) one sentence with the HTTP status. `method` and `server`
 * name the request in the sentence. Always returns -1. */
int vs_soap_decode_fault(const char *body, size_t len, long http_status, const char *method,
			 const char *server, vs_error *err);

/* Helpers for writing bodies: <name type="T">moref</name> with XML escaping. */
void vs_soap_add_moref(strbuf *sb, const char *elem, const char *type, const char *value);
void vs_soap_add_text(strbuf *sb, const char *elem, const char *value);

#endif
