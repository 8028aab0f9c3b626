/* The VSS documents inside the manifest zip, without the zip around them (so the fuzzer spends
 * its time on the XML): the first byte picks backup.xml (the Backup Components Document) or a
 * writer metadata document; a metadata document is parsed after a fixed backup.xml so it can
 * join its writer. manifest.c is included for its static parsers. */
#include "fuzz.h"
#include "snaptest/manifest.c"

static const char bcd[] =
	"<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.2\" "
	"bootableSystemStateBackup=\"yes\" selectComponents=\"yes\" backupType=\"copy\" "
	"partialFileSupport=\"yes\" snapshotSetId=\"{1}\"><WRITER_COMPONENTS "
	"instanceId=\"{a}\" writerId=\"{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\"><COMPONENT "
	"logicalPath=\"SQL\" componentName=\"master\" componentType=\"database\"/>"
	"</WRITER_COMPONENTS></BACKUP_COMPONENTS>";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_xml_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	char err[256];
	if (data[0] & 1) {
		if (parse_bcd(bcd, sizeof bcd - 1, &m, err, sizeof err) == 0)
			(void)parse_metadata("writer1.xml", doc, len, &m, err, sizeof err);
	} else {
		(void)parse_bcd(doc, len, &m, err, sizeof err);
	}
	for (size_t i = 0; i < m.n_writers; i++)
		free(snaptest_components_json(&m.writers[i]));
	snaptest_manifest_done(&m);
	return 0;
}
