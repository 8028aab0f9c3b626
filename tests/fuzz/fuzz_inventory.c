/* inventory_apply_change: property values -> vm_facts, the one mapping the scan and the live
 * updates share. The input is a sequence of values (FUZZ_PAGE_SEP between them), each one
 * byte choosing the property path from inventory_paths() and then the <val> document; all are
 * applied to the same facts, so replacing a fact is exercised too (leaks show). */
#include "fuzz_transport.h"
#include "vsphere/inventory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n_paths;
	const char *const *paths = inventory_paths(&n_paths);
	fz_split(data, size);
	vm_facts f;
	inventory_facts_begin(&f, "vm-42");
	for (size_t i = 0; i < fz_n; i++) {
		if (fz_len[i] < 1)
			continue;
		const char *path = paths[(unsigned char)fz_page[i][0] % n_paths];
		if (fz_len[i] == 1) {
			(void)inventory_apply_change(&f, path, NULL);
			continue;
		}
		vs_error err;
		vs_error_clear(&err);
		xmlTextReaderPtr r = vs_xml_reader_new(fz_page[i] + 1, fz_len[i] - 1, &err);
		if (!r)
			continue;
		int rc;
		while ((rc = vs_xml_read(r, &err)) == 1 &&
		       xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			;
		if (rc == 1)
			(void)inventory_apply_change(&f, path, r);
		xmlFreeTextReader(r);
	}
	if (size && size < 256) {
		char *s = fuzz_cstr(data, size);
		(void)inventory_parse_datetime(s);
		(void)inventory_enable_uuid_value(s);
		free(s);
	}
	model_vm_facts_done(&f);
	return 0;
}
