/* datastore: reading a file from a datastore over vSphere's HTTP file interface
 * (https://host/folder/<path>?dcPath=<datacenter>&dsName=<datastore>), with the session cookie
 * and the session's TLS rules. */
#ifndef QUIESCENT_VS_DATASTORE_H
#define QUIESCENT_VS_DATASTORE_H

#include <stddef.h>

#include "vsphere/session.h"

/* ds_path is "[datastore1] vm/file.zip"; datacenter_path the datacenter's inventory path
 * ("DC0", "Europe/DC1"). *data (malloc'ed, NUL-terminated past *len) gets at most max_bytes.
 * 0, or -1 with err: a missing file is VS_ERR_FAULT with fault "FileNotFound" and a sentence
 * naming the file; an expired session is logged in again once. */
int vs_datastore_get(vs_conn *c, const char *datacenter_path, const char *ds_path,
		     size_t max_bytes, char **data, size_t *len, vs_error *err);

/* The URL for a datastore path (malloc'ed), NULL when ds_path is not "[ds] path" (test seam). */
char *vs_datastore_url(const char *base, const char *datacenter_path, const char *ds_path);

#endif
