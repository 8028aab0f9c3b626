/* vs_soap_decode_fault: what a server answers with a non-200 status (a SOAP fault, an HTML
 * error page, garbage). The sentence must always be one bounded line. */
#include <assert.h>

#include "fuzz.h"
#include "vsphere/soap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 500, 503, 200, 404 };
	long status = statuses[size % 4];
	vs_error err;
	vs_error_clear(&err);
	int rc = vs_soap_decode_fault((const char *)data, size, status, "RetrievePropertiesEx",
				      "vc01.example.com", &err);
	assert(rc == -1);
	assert(err.kind != VS_OK);
	assert(memchr(err.message, '\0', sizeof err.message));
	assert(memchr(err.fault, '\0', sizeof err.fault));
	return 0;
}
