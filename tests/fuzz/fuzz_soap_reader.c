/* The SOAP response reader: vs_xml_reader_new (DOCTYPE refusal, no entities, no network),
 * vs_xml_enter_body and a walk of the whole body with vs_xml_next_child / vs_xml_text /
 * vs_xml_skip / vs_xml_xsi_type, as every response handler does. */
#include <stdlib.h>

#include "fuzz.h"
#include "vsphere/soap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	return 0;
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
			if (level < 80)
				walk(r, xmlTextReaderDepth(r), level + 1, err);
			else if (vs_xml_skip(r) < 0)
				return;
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
