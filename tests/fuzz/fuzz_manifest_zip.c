/* snaptest_manifest_parse: the vss-manifest zip as downloaded from the datastore (entry count,
 * per-entry and total uncompressed bounds, then backup.xml and the writer documents). */
#include <assert.h>

#include "fuzz.h"
#include "snaptest/manifest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	char err[256];
	if (snaptest_manifest_parse(data, size, &m, err, sizeof err) == 0) {
		assert(m.n_entries <= SNAPTEST_MANIFEST_MAX_ENTRIES);
		for (size_t i = 0; i < m.n_writers; i++)
			free(snaptest_components_json(&m.writers[i]));
	} else {
		assert(m.n_writers == 0 && m.writers == NULL);
	}
	snaptest_manifest_done(&m);
	return 0;
}
