/* snaptest_vs: the vSphere reads a test snapshot needs beyond core/vsphere's calls: the
 * snapshot tree (names, morefs, backupManifest), layoutEx.file, the VM's datacenter path and
 * config.files.snapshotDirectory, and the VM's events (QueryEvents). Internal to snaptest. */
#ifndef QUIESCENT_SNAPTEST_VS_H
#define QUIESCENT_SNAPTEST_VS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vsphere/session.h"

typedef struct {
	char moref[128];
	char name[256];
	char backup_manifest[256];   /* "" when none */
} snaptest_vs_snap;

/* Every snapshot of the VM (a heap array in *out, free() it; NULL when none). 0 or -1. */
int snaptest_vs_snapshots(vs_conn *c, const char *vm, snaptest_vs_snap **out, size_t *n,
			  vs_error *err);

/* layoutEx.file names ("[ds] dir/file") as a heap array of heap strings; free with
 * snaptest_vs_strings_free. 0 or -1. */
int snaptest_vs_layout_files(vs_conn *c, const char *vm, char ***out, size_t *n, vs_error *err);
void snaptest_vs_strings_free(char **v, size_t n);

/* The inventory path of the VM's datacenter ("DC0", "Europe/DC1") into buf. 0 or -1. */
int snaptest_vs_datacenter(vs_conn *c, const char *vm, char *buf, size_t n, vs_error *err);

typedef struct {
	int64_t key;
	time_t at;
	char type[64];          /* "VmMessageErrorEvent" */
	char message[512];      /* fullFormattedMessage */
} snaptest_vs_event;

/* The VM's latest events with a key above min_key (oldest first, heap array). 0 or -1. */
int snaptest_vs_events(vs_conn *c, const char *vm, time_t since, int64_t min_key,
		       snaptest_vs_event **out, size_t *n, vs_error *err);

#endif
