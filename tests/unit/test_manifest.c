/* Unit tests of core/snaptest/manifest: manifests of both kinds built here with libzip (the
 * lab's layout: backup.xml plus one <writer id>.xml per writer), and hostile ones: truncated
 * zips, bad XML, DOCTYPE and entities, zip bombs, too many entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "snaptest/manifest.h"
#include "util/xalloc.h"

typedef struct {
	const char *name;
	const char *body;     /* NULL: `size` zero bytes (compressible: bombs) */
	size_t size;
} entry;

/* Builds a zip in memory; returns it malloc'ed. */
static char *build_zip(const entry *e, size_t n, size_t *len)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	assert_non_null(src);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(z);
	for (size_t i = 0; i < n; i++) {
		size_t sz = e[i].body ? strlen(e[i].body) : e[i].size;
		/* libzip frees non-empty buffers it was given; an empty entry needs none. */
		void *data = sz == 0 ? NULL : e[i].body ? xstrdup(e[i].body) : xcalloc(1, sz);
		zip_source_t *s = zip_source_buffer(z, data, sz, sz != 0);
		assert_non_null(s);
		zip_int64_t idx = zip_file_add(z, e[i].name, s, ZIP_FL_ENC_UTF_8);
		assert_true(idx >= 0);
		zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9);
	}
	assert_int_equal(zip_close(z), 0);
	assert_int_equal(zip_source_open(src), 0);
	zip_source_seek(src, 0, SEEK_END);
	zip_int64_t size = zip_source_tell(src);
	zip_source_seek(src, 0, SEEK_SET);
	char *buf = xmalloc((size_t)size + 1);
	assert_int_equal(zip_source_read(src, buf, (zip_uint64_t)size), size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	*len = (size_t)size;
	return buf;
}

static const char BCD_APP[] =
	"<?xml version=\"1.0\"?>\r\n<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.2\" "
	"bootableSystemStateBackup=\"yes\" selectComponents=\"yes\" backupType=\"copy\" partialFileSupport=\"no\" "
	"snapshotSetId=\"{11111111-2222-4333-8444-555555555555}\">\r\n"
	"<WRITER_COMPONENTS writerId=\"{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\" instanceId=\"{0001}\" instanceName=\"SqlServerWriter\">\r\n"
	"<COMPONENT logicalPath=\"SQL01\" componentName=\"master\" componentType=\"database\" backupSucceeded=\"yes\"/>\r\n"
	"<COMPONENT logicalPath=\"SQL01\" componentName=\"Sales\" componentType=\"database\" backupSucceeded=\"yes\"/>\r\n"
	"</WRITER_COMPONENTS>\r\n"
	"<WRITER_COMPONENTS writerId=\"{afbab4a2-367d-4d15-a586-71dbb18f8485}\" instanceId=\"{0002}\" instanceName=\"Registry Writer\">\r\n"
	"<COMPONENT logicalPath=\"\" componentName=\"Registry\" componentType=\"database\"/>\r\n"
	"</WRITER_COMPONENTS>\r\n"
	"<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"{11111111-2222-4333-8444-555555555555}\" context=\"0\"/>\r\n"
	"</BACKUP_COMPONENTS>\r\n";

static const char MD_SQL[] =
	"<?xml version=\"1.0\"?>\r\n<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" version=\"1.1\">\r\n"
	"<IDENTIFICATION writerId=\"{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\" instanceId=\"{0001}\" "
	"friendlyName=\"SqlServerWriter\" usage=\"USER_DATA\" dataSource=\"TRANSACTION_DB\"/>\r\n"
	"<BACKUP_LOCATIONS><DATABASE logicalPath=\"SQL01\" componentName=\"master\"/></BACKUP_LOCATIONS>\r\n"
	"</WRITER_METADATA>\r\n";

static const char MD_REG[] =
	"<?xml version=\"1.0\"?>\r\n<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" version=\"1.1\">\r\n"
	"<IDENTIFICATION writerId=\"{afbab4a2-367d-4d15-a586-71dbb18f8485}\" instanceId=\"{0002}\" "
	"friendlyName=\"Registry Writer\" usage=\"BOOTABLE_SYSTEM_STATE\" dataSource=\"OTHER\"/>\r\n"
	"</WRITER_METADATA>\r\n";

/* A writer with a metadata document but no components in backup.xml. */
static const char MD_WMI[] =
	"<?xml version=\"1.0\"?><WRITER_METADATA><IDENTIFICATION writerId=\"{a6ad56c2-b509-4e6c-bb19-49d8f43532f0}\" "
	"instanceId=\"{0003}\" friendlyName=\"WMI Writer\" usage=\"SYSTEM_SERVICE\" dataSource=\"OTHER\"/></WRITER_METADATA>";

static const char BCD_FS[] =
	"<?xml version=\"1.0\"?>\r\n<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.2\" "
	"bootableSystemStateBackup=\"no\" selectComponents=\"no\" backupType=\"FULL\" partialFileSupport=\"yes\" "
	"snapshotSetId=\"{9}\">\r\n<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"{9}\" context=\"29\"/>\r\n</BACKUP_COMPONENTS>\r\n";

static int parse(const entry *e, size_t n, snaptest_manifest *m, char *err, size_t errlen)
{
	size_t len;
	char *zip = build_zip(e, n, &len);
	int rc = snaptest_manifest_parse(zip, len, m, err, errlen);
	free(zip);
	return rc;
}

static void test_application(void **state)
{
	(void)state;
	entry e[] = {
		{ "backup.xml", BCD_APP, 0 },
		{ "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a.xml", MD_SQL, 0 },
		{ "afbab4a2-367d-4d15-a586-71dbb18f8485.xml", MD_REG, 0 },
		{ "a6ad56c2-b509-4e6c-bb19-49d8f43532f0.xml", MD_WMI, 0 },
	};
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	char err[256];
	assert_int_equal(parse(e, 4, &m, err, sizeof err), 0);
	assert_int_equal(m.level, LEVEL_APPLICATION);
	assert_string_equal(m.backup_type, "copy");
	assert_int_equal(m.select_components, TRI_YES);
	assert_int_equal(m.bootable_system_state, TRI_YES);
	assert_int_equal(m.partial_file_support, TRI_NO);
	assert_string_equal(m.snapshot_set_id, "{11111111-2222-4333-8444-555555555555}");
	assert_string_equal(m.context, "0");
	assert_int_equal(m.n_metadata_docs, 3);
	assert_int_equal(m.n_writers, 3);
	snaptest_writer *sql = &m.writers[0];
	assert_string_equal(sql->name, "SqlServerWriter");
	assert_string_equal(sql->id, "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}");
	assert_string_equal(sql->instance_id, "{0001}");
	assert_string_equal(sql->usage, "USER_DATA");
	assert_string_equal(sql->data_source, "TRANSACTION_DB");
	assert_true(sql->has_metadata);
	assert_int_equal(sql->n_components, 2);
	assert_string_equal(sql->components[1].name, "Sales");
	assert_string_equal(sql->components[1].logical_path, "SQL01");
	assert_string_equal(sql->components[1].type, "database");
	assert_string_equal(m.writers[1].usage, "BOOTABLE_SYSTEM_STATE");
	assert_string_equal(m.writers[1].components[0].logical_path, "");
	assert_string_equal(m.writers[2].name, "WMI Writer");
	assert_int_equal(m.writers[2].n_components, 0);
	char *j = snaptest_components_json(sql);
	assert_string_equal(j, "[{\"logical_path\":\"SQL01\",\"name\":\"master\",\"type\":\"database\"},"
			       "{\"logical_path\":\"SQL01\",\"name\":\"Sales\",\"type\":\"database\"}]");
	free(j);
	snaptest_manifest_done(&m);
	assert_int_equal(m.n_writers, 0);
}

static void test_filesystem(void **state)
{
	(void)state;
	entry e[] = { { "backup.xml", BCD_FS, 0 } };
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	char err[256];
	assert_int_equal(parse(e, 1, &m, err, sizeof err), 0);
	assert_int_equal(m.level, LEVEL_FILESYSTEM);
	assert_string_equal(m.backup_type, "full");
	assert_int_equal(m.partial_file_support, TRI_YES);
	assert_string_equal(m.context, "29");
	assert_int_equal(m.n_writers, 0);
	snaptest_manifest_done(&m);
}

/* Documents may come before backup.xml in the archive: the order does not matter. */
static void test_order_and_case(void **state)
{
	(void)state;
	entry e[] = { { "a65faa63.xml", MD_SQL, 0 }, { "BACKUP.XML", BCD_APP, 0 } };
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	char err[256];
	assert_int_equal(parse(e, 2, &m, err, sizeof err), 0);
	assert_int_equal(m.level, LEVEL_APPLICATION);
	assert_int_equal(m.n_writers, 2);
	assert_true(m.writers[0].has_metadata);
	assert_false(m.writers[1].has_metadata);
	assert_null(m.writers[1].usage);
	snaptest_manifest_done(&m);
}

static void expect_fail(const entry *e, size_t n, const char *needle)
{
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	char err[256] = "";
	assert_int_equal(parse(e, n, &m, err, sizeof err), -1);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
	assert_int_equal(m.n_writers, 0);
	assert_null(m.backup_type);
	snaptest_manifest_done(&m);
}

static void test_truncated(void **state)
{
	(void)state;
	entry e[] = { { "backup.xml", BCD_APP, 0 }, { "x.xml", MD_SQL, 0 } };
	size_t len;
	char *zip = build_zip(e, 2, &len);
	char err[256];
	/* Every prefix fails cleanly (no crash, no leak, no partial result). */
	for (size_t cut = 0; cut < len; cut++) {
		snaptest_manifest m;
		snaptest_manifest_init(&m);
		assert_int_equal(snaptest_manifest_parse(zip, cut, &m, err, sizeof err), -1);
		assert_int_equal(m.n_writers, 0);
		snaptest_manifest_done(&m);
	}
	/* A flipped byte in the compressed data: the CRC or inflate catches it. */
	zip[40] ^= 0x5a;
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	assert_int_equal(snaptest_manifest_parse(zip, len, &m, err, sizeof err), -1);
	snaptest_manifest_done(&m);
	free(zip);
	snaptest_manifest_init(&m);
	assert_int_equal(snaptest_manifest_parse("not a zip at all", 16, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a zip"));
	assert_int_equal(snaptest_manifest_parse(NULL, 0, &m, err, sizeof err), -1);
}

static void test_bad_xml(void **state)
{
	(void)state;
	entry bad_bcd[] = { { "backup.xml", "<BACKUP_COMPONENTS backupType=\"copy\"><WRITER_COMPONENTS", 0 } };
	expect_fail(bad_bcd, 1, "not well-formed");
	entry bad_md[] = { { "backup.xml", BCD_APP, 0 }, { "w.xml", "<WRITER_METADATA><IDENT", 0 } };
	expect_fail(bad_md, 2, "w.xml");
	entry wrong_root[] = { { "backup.xml", "<html/>", 0 } };
	expect_fail(wrong_root, 1, "not a Backup Components Document");
	entry no_ident[] = { { "backup.xml", BCD_APP, 0 }, { "w.xml", "<WRITER_METADATA/>", 0 } };
	expect_fail(no_ident, 2, "no writer IDENTIFICATION");
	entry empty[] = { { "backup.xml", "", 0 } };
	expect_fail(empty, 1, "backup.xml");
	entry none[] = { { "w.xml", MD_SQL, 0 } };
	expect_fail(none, 1, "no backup.xml");
	entry twice[] = { { "backup.xml", BCD_APP, 0 }, { "a.xml", MD_SQL, 0 }, { "b.xml", MD_SQL, 0 } };
	expect_fail(twice, 3, "second time");
	entry no_id[] = { { "backup.xml", "<BACKUP_COMPONENTS><WRITER_COMPONENTS/></BACKUP_COMPONENTS>", 0 } };
	expect_fail(no_id, 1, "without writerId");
}

static void test_doctype_entities(void **state)
{
	(void)state;
	entry laughs[] = { { "backup.xml",
			     "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
			     "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
			     "<BACKUP_COMPONENTS backupType=\"&lol2;\"/>", 0 } };
	expect_fail(laughs, 1, "DOCTYPE");
	entry xxe[] = { { "backup.xml", BCD_FS, 0 }, { "w.xml",
			  "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
			  "<WRITER_METADATA><IDENTIFICATION writerId=\"&e;\"/></WRITER_METADATA>", 0 } };
	expect_fail(xxe, 2, "DOCTYPE");
	/* An undeclared entity reference without a DOCTYPE is not well-formed. */
	entry undeclared[] = { { "backup.xml", "<BACKUP_COMPONENTS>&e;</BACKUP_COMPONENTS>", 0 } };
	expect_fail(undeclared, 1, "backup.xml");
	/* Deep nesting is bounded. */
	char deep[2000] = "<BACKUP_COMPONENTS>";
	for (int i = 0; i < 60; i++)
		strcat(deep, "<a>");
	for (int i = 0; i < 60; i++)
		strcat(deep, "</a>");
	strcat(deep, "</BACKUP_COMPONENTS>");
	entry deepe[] = { { "backup.xml", deep, 0 } };
	expect_fail(deepe, 1, "deeper");
}

static void test_zip_bomb(void **state)
{
	(void)state;
	/* One entry far larger than allowed, compressed to a few KiB. */
	entry one[] = { { "backup.xml", BCD_APP, 0 }, { "bomb.xml", NULL, SNAPTEST_MANIFEST_MAX_ENTRY + 4096 } };
	size_t len;
	char *zip = build_zip(one, 2, &len);
	assert_true(len < 64 * 1024);
	free(zip);
	expect_fail(one, 2, "larger than");
	/* Many entries each under the limit, together over the total. */
	entry many[12];
	char names[12][24];   /* "w%d.xml" of any int: gcc -O1 checks the bound */
	many[0] = (entry){ "backup.xml", BCD_APP, 0 };
	for (int i = 1; i < 12; i++) {
		snprintf(names[i], sizeof names[i], "w%d.xml", i);
		many[i] = (entry){ names[i], NULL, SNAPTEST_MANIFEST_MAX_ENTRY - 1 };
	}
	expect_fail(many, 12, "add up to more than");
}

static void test_too_many_entries(void **state)
{
	(void)state;
	size_t n = SNAPTEST_MANIFEST_MAX_ENTRIES + 2;
	entry *e = xcalloc(n, sizeof *e);
	char (*names)[16] = xcalloc(n, sizeof *names);
	e[0] = (entry){ "backup.xml", BCD_FS, 0 };
	for (size_t i = 1; i < n; i++) {
		snprintf(names[i], sizeof names[i], "f%zu.txt", i);
		e[i] = (entry){ names[i], "x", 0 };
	}
	expect_fail(e, n, "entries, more than");
	free(e);
	free(names);
}

/* Files that are not XML documents still mean more than backup.xml: application, unread. */
static void test_other_files(void **state)
{
	(void)state;
	entry e[] = { { "backup.xml", BCD_FS, 0 }, { "dir/", "", 0 }, { "notes.bin", "\x01\x02", 0 } };
	snaptest_manifest m;
	snaptest_manifest_init(&m);
	char err[256];
	assert_int_equal(parse(e, 3, &m, err, sizeof err), 0);
	assert_int_equal(m.level, LEVEL_APPLICATION);
	assert_int_equal(m.n_metadata_docs, 0);
	snaptest_manifest_done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_application),
		cmocka_unit_test(test_filesystem),
		cmocka_unit_test(test_order_and_case),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_xml),
		cmocka_unit_test(test_doctype_entities),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_other_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
