/* inventory_apply_change: property values -> vm_facts, the one mapping the scan and the live
 * updates share. The input is a sequence of values (FUZZ_PAGE_SEP between them), each one
 * byte choosing the property path from inventory_paths() and then the <val> document; all are
 * applied to the same facts, so replacing a fact is exercised too (leaks show). Then the same
 * values go through the scan itself (inventory_scan: the SAX2 push parser's events) as one
 * page of one VM. */
#include "fuzz_transport.h"
#include "vsphere/inventory.h"
#include "util/timefmt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	vs_propcol_set_transport(&fz_transport);
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
	/* The same values as one RetrievePropertiesEx page of one VM, through the scan. */
	static const char view[] =
		"<Envelope><Body><CreateContainerViewResponse><returnval type=\"ContainerView\">"
		"session[x]v</returnval></CreateContainerViewResponse></Body></Envelope>";
	strbuf page;
	strbuf_init(&page);
	strbuf_adds(&page, "<Envelope xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
		    "<Body><RetrievePropertiesExResponse><returnval><objects><obj "
		    "type=\"VirtualMachine\">vm-42</obj>");
	for (size_t i = 0; i < fz_n; i++) {
		if (fz_len[i] < 2)
			continue;
		strbuf_addf(&page, "<propSet><name>%s</name>",
			    paths[(unsigned char)fz_page[i][0] % n_paths]);
		strbuf_add(&page, fz_page[i] + 1, fz_len[i] - 1);
		strbuf_adds(&page, "</propSet>");
	}
	strbuf_adds(&page, "</objects></returnval></RetrievePropertiesExResponse></Body>"
		    "</Envelope>");
	fz_page[0] = fz_page[1] = view;   /* the VMs' view, the containers' view */
	fz_len[0] = fz_len[1] = sizeof view - 1;
	fz_page[2] = page.buf;
	fz_len[2] = page.len;
	fz_n = 3;
	fz_pos = 0;
	vm_facts *v = NULL;
	size_t n_vms = 0;
	vs_error err;
	vs_error_clear(&err);
	if (inventory_scan(NULL, NULL, 0, NULL, &v, &n_vms, &err) == 0)
		inventory_free(v, n_vms);
	strbuf_done(&page);
	if (size && size < 256) {
		char *s = fuzz_cstr(data, size);
		(void)time_parse_xsd(s);
		(void)inventory_enable_uuid_value(s);
		free(s);
	}
	model_vm_facts_done(&f);
	return 0;
}
