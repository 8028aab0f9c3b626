/* WaitForUpdatesEx: vs_wait_updates (the streaming reader) or, with bit 16 of the first byte,
 * vs_wait_updates_stream (the SAX2 push parser) over canned update sets (truncated sets are
 * followed, so several responses may be consumed; FUZZ_PAGE_SEP separates them), and
 * vs_updates_create's CreatePropertyCollector / CreateFilter responses. */
#include "fuzz_transport.h"

static unsigned n_cb;

static int on_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		     vs_change_op op, xmlTextReaderPtr val, vs_error *err)
{
	if (!prop)
		return 0;
	if (val)
		fz_consume(val, n_cb);
	n_cb++;
	return 0;
}

static int on_missing(void *ctx, const char *moref, const char *path, const char *fault,
		      const char *message, vs_error *err)
{
	return 0;
}

static int on_object(void *ctx, const char *obj_type, const char *moref, vs_obj_kind kind,
		     vs_error *err)
{
	return 0;
}

static int on_sax_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
			 vs_change_op op, bool has_val, vs_error *err)
{
	n_cb++;
	return has_val && n_cb % 3 != 2;
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
	unsigned mode = data[0] % 2;
	fz_split(data + 1, size - 1);
	n_cb = 0;
	vs_error err;
	vs_error_clear(&err);
	vs_updates u;
	memset(&u, 0, sizeof u);
	if (mode == 0) {
		strcpy(u.collector, "session[x]pc");
		strcpy(u.filter, "session[x]f");
		char version[256] = "";
		if (data[0] & 16) {
			vs_update_sink sink = { .object = on_object, .change = on_sax_change,
						.val = fz_val_sink };
			sink.val.on_missing = (data[0] & 8) ? on_missing : NULL;
			(void)vs_wait_updates_stream(NULL, &u, version, version, sizeof version, 0,
						     &sink, NULL, &err);
		} else {
			(void)vs_wait_updates(NULL, &u, version, version, sizeof version, 0,
					      on_change, (data[0] & 8) ? on_missing : NULL, NULL,
					      &err);
		}
	} else {
		(void)vs_updates_create(NULL, "session[x]view", "VirtualMachine", paths, 3, &u, &err);
	}
	return 0;
}
