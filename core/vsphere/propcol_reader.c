/* propcol_reader: the envelope pieces that the responses read with the streaming reader
 * (vsphere/xml.h; propcol_retrieve.c, propcol_updates.c) share: finding <returnval>, handing a
 * <val> to its consumer, reading a missingSet. */
#include "vsphere/propcol_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- envelope pieces of reader-parsed responses ---- */

/* Moves to the <returnval> of a response: 1 found, 0 the response has none, -1 bad XML. */
int vs_pc_find_returnval(xmlTextReaderPtr r)
{
	int ret;
	while ((ret = xmlTextReaderRead(r)) == 1) {
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && vs_xml_is(r, "returnval"))
			return 1;
	}
	return ret;
}

/* Calls the consumer with the reader on <val>, then makes sure the value is passed over. */
int vs_pc_deliver_val(vs_xml_iter *it, int (*fn)(void *, xmlTextReaderPtr, vs_error *),
		       void *arg, vs_error *err)
{
	int depth = xmlTextReaderDepth(it->r);
	if (fn(arg, it->r, err) < 0)
		return -1;
	if (xmlTextReaderDepth(it->r) == depth &&
	    xmlTextReaderNodeType(it->r) == XML_READER_TYPE_ELEMENT)
		vs_xml_iter_skip(it); /* untouched: skip it whole */
	return 0;
}

/* missingSet: <path>, <fault><fault xsi:type="NoPermission">..</fault><localizedMessage>..
 * </localizedMessage></fault>. Fills path, fault type and message. */
int vs_pc_parse_missing(xmlTextReaderPtr r, strbuf *path, char *fault, size_t n_fault,
			 strbuf *message, strbuf *scratch)
{
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	strbuf_reset(path);
	strbuf_reset(message);
	fault[0] = '\0';
	int ret;
	while ((ret = vs_xml_iter_next(&it)) == 1) {
		if (vs_xml_is(r, "path")) {
			const char *t = vs_xml_text_buf(r, scratch);
			if (!t)
				return -1;
			strbuf_adds(path, t);
		} else if (vs_xml_is(r, "fault")) {
			vs_xml_iter in;
			vs_xml_iter_init(&in, r);
			while ((ret = vs_xml_iter_next(&in)) == 1) {
				if (vs_xml_is(r, "fault")) {
					vs_xml_xsi_type(r, fault, n_fault);
					vs_xml_iter_skip(&in);
				} else if (vs_xml_is(r, "localizedMessage")) {
					const char *t = vs_xml_text_buf(r, scratch);
					if (!t)
						return -1;
					strbuf_adds(message, t);
				} else {
					vs_xml_iter_skip(&in);
				}
			}
			if (ret < 0)
				return -1;
		} else {
			vs_xml_iter_skip(&it);
		}
	}
	return ret;
}
