/* manifest: the VSS manifest zip (`<vm>-vss_manifests<N>.zip`) a quiesced snapshot leaves in
 * the VM's snapshot directory, parsed into what VSS actually did.
 *
 * Inside: `backup.xml`, the Backup Components Document (BACKUP_COMPONENTS with backupType,
 * selectComponents, bootableSystemStateBackup, partialFileSupport, snapshotSetId; children
 * WRITER_COMPONENTS writerId instanceId [instanceName] holding COMPONENT logicalPath
 * componentName componentType), and for application quiescing one writer metadata document
 * per writer (WRITER_METADATA / IDENTIFICATION writerId instanceId friendlyName usage
 * dataSource). Only backup.xml: file-system quiescing; writer documents too: application.
 *
 * The zip comes from a guest we do not control: it is opened from memory (never written to
 * disk), bounded (entries, size per entry and in total, whatever the headers claim), and its
 * XML read with libxml2's streaming reader without network, entities or DTD (a DOCTYPE is
 * refused outright). Pure: no I/O, no vSphere. */
#ifndef QUIESCENT_SNAPTEST_MANIFEST_H
#define QUIESCENT_SNAPTEST_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

#define SNAPTEST_MANIFEST_MAX_ZIP ((size_t)16 << 20)     /* the zip as downloaded */
#define SNAPTEST_MANIFEST_MAX_ENTRIES 512                /* a real one has 10 to 40 */
#define SNAPTEST_MANIFEST_MAX_ENTRY ((size_t)8 << 20)    /* uncompressed, per entry */
#define SNAPTEST_MANIFEST_MAX_TOTAL ((size_t)64 << 20)   /* uncompressed, all entries */
#define SNAPTEST_MANIFEST_MAX_DEPTH 32                   /* XML nesting */

typedef struct {
	char *logical_path;   /* "" when the writer has none */
	char *name;           /* componentName */
	char *type;           /* componentType: "database", "filegroup" */
} snaptest_component;

typedef struct {
	char *name;           /* friendlyName (metadata), else instanceName (backup.xml), else "" */
	char *id;             /* writerId "{a65f...}" */
	char *instance_id;
	char *usage;          /* metadata usage, NULL without a metadata document */
	char *data_source;    /* metadata dataSource, NULL without one */
	snaptest_component *components;   /* from backup.xml's WRITER_COMPONENTS */
	size_t n_components;
	bool has_metadata;    /* a WRITER_METADATA document was in the zip */
} snaptest_writer;

typedef struct {
	char *backup_type;        /* lowercase as written: "copy", "full", ... */
	tri select_components;
	tri bootable_system_state;
	tri partial_file_support;
	char *snapshot_set_id;
	char *context;            /* SNAPSHOT_SET_DESCRIPTION context, as written; may be NULL */
	snaptest_writer *writers; /* in order of appearance: backup.xml first, then documents */
	size_t n_writers;
	size_t n_metadata_docs;
	size_t n_entries;
	quiesce_level level;      /* APPLICATION (writer documents) or FILESYSTEM (backup.xml only) */
} snaptest_manifest;

void snaptest_manifest_init(snaptest_manifest *m);
void snaptest_manifest_done(snaptest_manifest *m);   /* frees; m is left initialised */

/* Parses the zip in data[0..len). Returns 0, or -1 with one clause in err (no final period),
 * e.g. "the manifest is not a zip file (truncated or damaged)"; on -1 *m is left initialised
 * and empty. m must be initialised. */
int snaptest_manifest_parse(const void *data, size_t len, snaptest_manifest *m,
			    char *err, size_t errlen);

/* The components of w as JSON [{"logical_path":..,"name":..,"type":..}] (malloc'ed). */
char *snaptest_components_json(const snaptest_writer *w);

#endif
