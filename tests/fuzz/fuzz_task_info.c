/* vs_task_parse_info: a TaskInfo <val> (state, progress, result, error fault and message). */
#include <assert.h>

#include "fuzz.h"
#include "vsphere/soap.h"
#include "vsphere/task.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vs_error err;
	vs_error_clear(&err);
	xmlTextReaderPtr r = vs_xml_reader_new((const char *)data, size, &err);
	if (!r)
		return 0;
	int rc;
	while ((rc = vs_xml_read(r, &err)) == 1 && xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
		;
	if (rc == 1) {
		vs_task_result t;
		memset(&t, 0, sizeof t);
		(void)vs_task_parse_info(r, &t, &err);
		assert(memchr(t.message, '\0', sizeof t.message));
		assert(t.progress >= -1 && t.progress <= 100);
		vs_task_result_done(&t);
	}
	xmlFreeTextReader(r);
	return 0;
}
