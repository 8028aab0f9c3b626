#include "vsphere/xml.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- the document ---- */

static void quiet_errors(void *arg, const char *msg, xmlParserSeverities sev,
			 xmlTextReaderLocatorPtr loc)
{
	/* Errors surface as a failed read; libxml2 must not print into the curses screen. */
}

/* vSphere never sends a DTD: refuse any document whose prolog has one. */
static bool has_doctype(const char *p, size_t len)
{
	const char *end = p + len;
	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p != '<' || p + 1 >= end)
			return false;
		if (p[1] == '?') {
			const char *q = memmem(p, (size_t)(end - p), "?>", 2);
			if (!q)
				return false;
			p = q + 2;
		} else if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			const char *q = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
			if (!q)
				return false;
			p = q + 3;
		} else {
			return p[1] == '!';   /* <!DOCTYPE (or any other declaration) */
		}
	}
	return false;
}

xmlTextReaderPtr vs_xml_reader_new(const char *buf, size_t len, vs_error *err)
{
	if (len > (size_t)0x7fffffff) {
		vs_fail(err, VS_ERR_PARSE, "The response is too large to parse.");
		return NULL;
	}
	if (has_doctype(buf, len)) {
		vs_fail(err, VS_ERR_PARSE,
			"The server sent an XML document with a DTD, which vSphere never does; "
			"refusing to parse it.");
		return NULL;
	}
	xmlTextReaderPtr r = xmlReaderForMemory(buf, (int)len, NULL, NULL,
						XML_PARSE_NONET | XML_PARSE_NOERROR |
						XML_PARSE_NOWARNING);
	if (!r) {
		vs_fail(err, VS_ERR_PARSE, "Cannot parse the response (not XML).");
		return NULL;
	}
	xmlTextReaderSetErrorHandler(r, quiet_errors, NULL);
	return r;
}

int vs_xml_read(xmlTextReaderPtr r, vs_error *err)
{
	int rc = xmlTextReaderRead(r);
	if (rc < 0)
		return vs_fail(err, VS_ERR_PARSE, "The response is not well-formed XML.");
	if (rc == 0)
		return 0;
	switch (xmlTextReaderNodeType(r)) {
	case XML_READER_TYPE_DOCUMENT_TYPE:
	case XML_READER_TYPE_ENTITY_REFERENCE:
	case XML_READER_TYPE_ENTITY:
		return vs_fail(err, VS_ERR_PARSE, "The response uses XML entities; refusing it.");
	default:
		break;
	}
	if (xmlTextReaderDepth(r) > VS_XML_MAX_DEPTH)
		return vs_fail(err, VS_ERR_PARSE,
			       "The response nests deeper than %d levels; refusing it.",
			       VS_XML_MAX_DEPTH);
	return 1;
}

/* ---- where the reader is ---- */

const char *vs_xml_name(xmlTextReaderPtr r)
{
	const xmlChar *n = xmlTextReaderConstLocalName(r);
	return n ? (const char *)n : "";
}

bool vs_xml_is(xmlTextReaderPtr r, const char *name)
{
	return xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
	       strcmp(vs_xml_name(r), name) == 0;
}

const char *vs_xml_xsi_type(xmlTextReaderPtr r, char *buf, size_t n)
{
	buf[0] = '\0';
	if (xmlTextReaderMoveToAttributeNs(r, BAD_CAST "type", BAD_CAST VS_XSI_NS) != 1)
		return buf;
	const char *v = (const char *)xmlTextReaderConstValue(r);
	if (v) {
		const char *colon = strrchr(v, ':');   /* "xsd:string": the local part */
		snprintf(buf, n, "%s", colon ? colon + 1 : v);
	}
	xmlTextReaderMoveToElement(r);
	return buf;
}

/* ---- reading an element ---- */

const char *vs_xml_text_buf(xmlTextReaderPtr r, strbuf *sb)
{
	strbuf_reset(sb);
	if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
		return NULL;
	if (xmlTextReaderIsEmptyElement(r) == 1)
		return sb->buf;
	int depth = xmlTextReaderDepth(r);
	while (vs_xml_read(r, NULL) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r) == depth)
			return sb->buf;
		if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
		     type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		     type == XML_READER_TYPE_WHITESPACE) && xmlTextReaderDepth(r) == depth + 1) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			if (v)
				strbuf_adds(sb, v);
		}
	}
	return NULL;
}

char *vs_xml_text(xmlTextReaderPtr r)
{
	strbuf sb;
	strbuf_init(&sb);
	if (!vs_xml_text_buf(r, &sb)) {
		strbuf_done(&sb);
		return NULL;
	}
	return sb.cap ? strbuf_detach(&sb, NULL) : xstrdup("");   /* no text: nothing grown */
}

int vs_xml_skip(xmlTextReaderPtr r)
{
	if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || xmlTextReaderIsEmptyElement(r))
		return 0;
	int depth = xmlTextReaderDepth(r);
	for (;;) {
		if (vs_xml_read(r, NULL) <= 0)
			return -1;
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_END_ELEMENT &&
		    xmlTextReaderDepth(r) == depth)
			return 0;
	}
}

/* ---- walking the children of an element ---- */

/* The one walk: from the node the reader is on (examined first when `here`: a skip already
 * moved onto it), the next child element of the element at `depth` (1), or its end (0), or
 * malformed XML (-1 with err). Deeper nodes are what a child's reader left unread. */
static int next_child_from(xmlTextReaderPtr r, int depth, bool here, vs_error *err)
{
	for (;;) {
		if (!here) {
			int rc = vs_xml_read(r, err);
			if (rc < 0)
				return -1;
			if (rc == 0)
				return vs_fail(err, VS_ERR_PARSE,
					       "The response ends in the middle of an element.");
		}
		here = false;
		int type = xmlTextReaderNodeType(r);
		int d = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_END_ELEMENT && d <= depth)
			return 0;
		if (type == XML_READER_TYPE_ELEMENT && d == depth + 1)
			return 1;
	}
}

int vs_xml_next_child(xmlTextReaderPtr r, int depth, vs_error *err)
{
	if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && xmlTextReaderDepth(r) == depth &&
	    xmlTextReaderIsEmptyElement(r))
		return 0;
	return next_child_from(r, depth, false, err);
}

void vs_xml_iter_init(vs_xml_iter *it, xmlTextReaderPtr r)
{
	it->r = r;
	it->depth = xmlTextReaderDepth(r);
	it->done = xmlTextReaderIsEmptyElement(r) == 1;
	it->moved = false;
	it->failed = false;
}

int vs_xml_iter_next(vs_xml_iter *it)
{
	if (it->failed)
		return -1;
	if (it->done)
		return 0;
	int rc = next_child_from(it->r, it->depth, it->moved, NULL);
	it->moved = false;
	if (rc < 0)
		it->failed = true;   /* EOF inside an element is malformed too */
	else if (rc == 0)
		it->done = true;
	return rc;
}

void vs_xml_iter_skip(vs_xml_iter *it)
{
	if (xmlTextReaderNext(it->r) == 1)
		it->moved = true;
	else
		it->failed = true;   /* EOF or bad XML inside the parent: reported by _next */
}

/* ---- SOAP ---- */

int vs_xml_enter_body(xmlTextReaderPtr r, vs_error *err)
{
	bool in_body = false;
	for (;;) {
		int rc = vs_xml_read(r, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return vs_fail(err, VS_ERR_PARSE, "The response has no SOAP body.");
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		if (!in_body) {
			in_body = strcmp(vs_xml_name(r), "Body") == 0;
			if (in_body && xmlTextReaderIsEmptyElement(r))
				return vs_fail(err, VS_ERR_PARSE, "The response has an empty SOAP body.");
			continue;
		}
		return 1;
	}
}

int vs_xml_each_returnval(xmlTextReaderPtr r, vs_xml_element_fn fn, void *arg, vs_error *err)
{
	if (vs_xml_enter_body(r, err) < 0)
		return -1;
	int depth = xmlTextReaderDepth(r);
	int n;
	while ((n = vs_xml_next_child(r, depth, err)) == 1) {
		if (!vs_xml_is(r, "returnval")) {
			if (vs_xml_skip(r) < 0)
				return vs_fail(err, VS_ERR_PARSE, "The response is not well-formed XML.");
			continue;
		}
		if (fn(r, arg, err) < 0)
			return -1;
	}
	return n < 0 ? -1 : 0;
}
