/* The one XML reader (vsphere/xml.h): vs_xml_reader_new (DOCTYPE refusal, no entities, no
 * network), vs_xml_enter_body and a walk of the whole body that mixes its two ways of walking
 * children (vs_xml_next_child by depth, vs_xml_iter) with vs_xml_text / vs_xml_text_buf /
 * vs_xml_skip / vs_xml_iter_skip / vs_xml_xsi_type, as the response handlers and the property
 * value parsers do. */
#include <stdlib.h>

#include "fuzz.h"
#include "vsphere/soap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	return 0;
}

static void walk(xmlTextReaderPtr r, int depth, int level, vs_error *err);

/* The iterator's walk of the element the reader is on. */
static void iter_walk(xmlTextReaderPtr r, int level, strbuf *scratch)
{
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	unsigned n = 0;
	while (vs_xml_iter_next(&it) == 1) {
		switch ((n++ + (unsigned)level) % 3) {
		case 0:
			(void)vs_xml_text_buf(r, scratch);
			break;
		case 1:
			vs_xml_iter_skip(&it);
			break;
		default:
			if (level < 80)
				iter_walk(r, level + 1, scratch);
			break;
		}
	}
}

static void walk(xmlTextReaderPtr r, int depth, int level, vs_error *err)
{
	int rc;
	unsigned n = 0;
	while ((rc = vs_xml_next_child(r, depth, err)) == 1) {
		char type[64];
		vs_xml_xsi_type(r, type, sizeof type);
		switch ((n++ + (unsigned)level) % 3) {
		case 0:
			free(vs_xml_text(r));
			break;
		case 1:
			if (vs_xml_skip(r) < 0)
				return;
			break;
		default:
			if (level >= 80) {
				if (vs_xml_skip(r) < 0)
					return;
			} else if (level % 2) {
				strbuf scratch;
				strbuf_init(&scratch);
				iter_walk(r, level + 1, &scratch);
				strbuf_done(&scratch);
			} else {
				walk(r, xmlTextReaderDepth(r), level + 1, err);
			}
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vs_error err;
	vs_error_clear(&err);
	xmlTextReaderPtr r = vs_xml_reader_new((const char *)data, size, &err);
	if (!r)
		return 0;
	if (vs_xml_enter_body(r, &err) == 1) {
		(void)vs_xml_is(r, "RetrievePropertiesExResponse");
		walk(r, xmlTextReaderDepth(r), 0, &err);
	}
	xmlFreeTextReader(r);
	return 0;
}
