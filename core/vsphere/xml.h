/* xml: the one reader of vSphere's XML (SOAP responses, property values, faults), over
 * libxml2's streaming xmlTextReader: no tree, nothing copied that is not asked for.
 *
 * Safety: a document with a DOCTYPE is refused before parsing, entities are never expanded
 * nor accepted, the network is never used, nesting is bounded (VS_XML_MAX_DEPTH), and
 * libxml2's own messages are kept off stderr (the console's screen).
 *
 * Element functions are called with the reader on a start element and leave it on that
 * element's last node (its end element, or itself when empty), so the next read gives what
 * follows it. Children are walked either by depth (vs_xml_next_child, for handlers that give
 * an error sentence) or by an iterator (vs_xml_iter, for value parsers that skip what they do
 * not know); both are the same walk. */
#ifndef QUIESCENT_VS_XML_H
#define QUIESCENT_VS_XML_H

#include <libxml/xmlreader.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"
#include "vsphere/vs_error.h"

#define VS_XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define VS_XML_MAX_DEPTH 64

/* A streaming reader over len bytes (not copied: keep them alive). NULL with err
 * (VS_ERR_PARSE) on refusal. Free with xmlFreeTextReader. */
xmlTextReaderPtr vs_xml_reader_new(const char *buf, size_t len, vs_error *err);
/* xmlTextReaderRead that also enforces VS_XML_MAX_DEPTH and refuses entity references:
 * 1 on a node, 0 at the end, -1 with err (VS_ERR_PARSE; err may be NULL). */
int vs_xml_read(xmlTextReaderPtr r, vs_error *err);
/* Reads up to the first element inside soapenv:Body (the "...Response" element): 1 there, -1
 * with err when the document has none. */
int vs_xml_enter_body(xmlTextReaderPtr r, vs_error *err);

/* A SOAP response's <returnval> elements, what most methods answer: enters the body and calls
 * fn with the reader on each one (other children are skipped). fn reads it (or not: what it
 * leaves unread is passed over) and returns 0, or -1 with err. 0, or -1 with err. */
typedef int (*vs_xml_element_fn)(xmlTextReaderPtr r, void *arg, vs_error *err);
int vs_xml_each_returnval(xmlTextReaderPtr r, vs_xml_element_fn fn, void *arg, vs_error *err);

/* The local name of the current node ("" when none). */
const char *vs_xml_name(xmlTextReaderPtr r);
/* True when the current node is the start of an element named `name`. */
bool vs_xml_is(xmlTextReaderPtr r, const char *name);
/* The xsi:type of the current element without its namespace prefix, in buf ("" when none). */
const char *vs_xml_xsi_type(xmlTextReaderPtr r, char *buf, size_t n);

/* The text of the element the reader is on (its own text nodes), in scratch (reused, no
 * allocation once grown); NULL when not on an element or on malformed XML. */
const char *vs_xml_text_buf(xmlTextReaderPtr r, strbuf *scratch);
/* The same, malloc'ed (caller frees). */
char *vs_xml_text(xmlTextReaderPtr r);
/* Consumes the element's subtree: 0, or -1 on malformed XML. */
int vs_xml_skip(xmlTextReaderPtr r);

/* Walks the children of the element at `depth` (the current node is that element, or one of
 * its children already consumed): 1 on the next child element, 0 after the parent's end,
 * -1 with err. Stops on an empty parent at once. */
int vs_xml_next_child(xmlTextReaderPtr r, int depth, vs_error *err);

/* Iterates the child elements of the element the reader is on. */
typedef struct {
	xmlTextReaderPtr r;
	int depth;      /* depth of the parent */
	bool done;
	bool moved;     /* the reader is already on the next node (after a skip) */
	bool failed;    /* sticky: the XML broke inside the parent */
} vs_xml_iter;

void vs_xml_iter_init(vs_xml_iter *it, xmlTextReaderPtr r);
/* 1: on the next child element; 0: the parent ended; -1: malformed XML. Children the caller
 * neither skipped nor fully read are finished automatically. */
int vs_xml_iter_next(vs_xml_iter *it);
/* Skips the current child's subtree (xmlTextReaderNext). */
void vs_xml_iter_skip(vs_xml_iter *it);

#endif
