/* Property-collector pages: vs_retrieve (RetrievePropertiesEx + ContinueRetrievePropertiesEx
 * paging, missingSet) with the streaming reader, or (bit 16 of the first byte) vs_retrieve_stream
 * with the SAX2 push parser, vs_retrieve_object and vs_view_create over canned responses. The
 * first byte picks the call; the rest is the responses, FUZZ_PAGE_SEP between them. */
#include "fuzz_transport.h"

static unsigned n_cb;

static int on_prop(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		   vs_error *err)
{
	fz_consume(val, n_cb++);
	return 0;
}

static int on_missing(void *ctx, const char *moref, const char *path, const char *fault,
		      const char *message, vs_error *err)
{
	return n_cb++ % 7 == 6 ? vs_fail(err, VS_ERR_USAGE, "consumer gave up") : 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	vs_propcol_set_transport(&fz_transport);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *const paths[] = { "name", "config.extraConfig", "runtime.powerState" };
	unsigned mode = data[0] % 3;
	fz_split(data + 1, size - 1);
	n_cb = 0;
	vs_error err;
	vs_error_clear(&err);
	char view[VS_MOREF_MAX];
	switch (mode) {
	case 0:
		if (data[0] & 16) {
			vs_val_sink sink = fz_val_sink;
			sink.on_missing = (data[0] & 8) ? on_missing : NULL;
			vs_prop_spec spec = { "VirtualMachine", paths, 3 };
			vs_view_filter filter = { .view_moref = "session[x]y", .specs = &spec, .n_specs = 1 };
			(void)vs_retrieve_stream(NULL, &filter, 1, 2, true, &sink, NULL, &err);
		} else {
			(void)vs_retrieve(NULL, "session[x]y", "VirtualMachine", paths, 3, 2, on_prop,
					  (data[0] & 8) ? on_missing : NULL, NULL, &err);
		}
		break;
	case 1:
		(void)vs_retrieve_object(NULL, "VirtualMachine", "vm-42", paths, 3, on_prop, NULL,
					 &err);
		break;
	default:
		(void)vs_view_create(NULL, "VirtualMachine", view, sizeof view, &err);
		break;
	}
	return 0;
}
