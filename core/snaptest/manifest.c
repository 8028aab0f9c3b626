/* The VSS manifest zip: bounded unzip from memory, then each XML document streamed. */
#include "snaptest/manifest.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "util/json.h"
#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/errbuf.h"

void snaptest_manifest_init(snaptest_manifest *m)
{
	memset(m, 0, sizeof *m);
	m->level = LEVEL_NONE;
}

static void writer_done(snaptest_writer *w)
{
	free(w->name);
	free(w->id);
	free(w->instance_id);
	free(w->usage);
	free(w->data_source);
	for (size_t i = 0; i < w->n_components; i++) {
		free(w->components[i].logical_path);
		free(w->components[i].name);
		free(w->components[i].type);
	}
	free(w->components);
}

void snaptest_manifest_done(snaptest_manifest *m)
{
	free(m->backup_type);
	free(m->snapshot_set_id);
	free(m->context);
	for (size_t i = 0; i < m->n_writers; i++)
		writer_done(&m->writers[i]);
	free(m->writers);
	snaptest_manifest_init(m);
}

/* ---- XML ---- */

/* Attribute value (malloc'ed) or NULL; control characters never reach a terminal or JSON raw. */
static char *attr(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *s = text_clean((const char *)v);   /* C0, C1 and broken UTF-8: util/text.h */
	xmlFree(v);
	return s;
}

static tri attr_yes_no(xmlTextReaderPtr r, const char *name)
{
	char *v = attr(r, name);
	tri t = TRI_UNKNOWN;
	if (v && (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1")))
		t = TRI_YES;
	else if (v && (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0")))
		t = TRI_NO;
	free(v);
	return t;
}

static bool is_elem(xmlTextReaderPtr r, const char *name)
{
	const xmlChar *n = xmlTextReaderConstLocalName(r);
	return xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && n &&
	       !strcmp((const char *)n, name);
}

static xmlTextReaderPtr reader_new(const char *buf, size_t len)
{
	/* A DOCTYPE is refused before libxml2 sees it (the reader re-checks for UTF-16). */
	if (memmem(buf, len, "<!DOCTYPE", 9) || memmem(buf, len, "<!ENTITY", 8))
		return NULL;
	/* No NOENT, no DTDLOAD, no DTDATTR: entities stay references, which we refuse. */
	return xmlReaderForMemory(buf, (int)len, NULL, NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					  XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA);
}

/* One read with our refusals: 1 on a node, 0 at the end, -1 with err. */
static int xread(xmlTextReaderPtr r, const char *doc, char *err, size_t errlen)
{
	int k = xmlTextReaderRead(r);
	if (k < 0)
		return errbuf_set(err, errlen, "%s is not well-formed XML", doc);
	if (k == 0)
		return 0;
	switch (xmlTextReaderNodeType(r)) {
	case XML_READER_TYPE_DOCUMENT_TYPE:
		return errbuf_set(err, errlen, "%s has a DOCTYPE, which a VSS document never has (refused)", doc);
	case XML_READER_TYPE_ENTITY_REFERENCE:
	case XML_READER_TYPE_ENTITY:
		return errbuf_set(err, errlen, "%s uses an entity, which a VSS document never does (refused)", doc);
	default:
		break;
	}
	if (xmlTextReaderDepth(r) > SNAPTEST_MANIFEST_MAX_DEPTH)
		return errbuf_set(err, errlen, "%s is nested deeper than %d levels", doc, SNAPTEST_MANIFEST_MAX_DEPTH);
	return 1;
}

static snaptest_writer *find_writer(snaptest_manifest *m, const char *id, const char *instance)
{
	for (size_t i = 0; i < m->n_writers; i++) {
		snaptest_writer *w = &m->writers[i];
		if (w->id && id && !strcasecmp(w->id, id) &&
		    (!instance || !w->instance_id || !strcasecmp(w->instance_id, instance)))
			return w;
	}
	return NULL;
}

static snaptest_writer *add_writer(snaptest_manifest *m, char *id, char *instance)
{
	m->writers = xrealloc(m->writers, (m->n_writers + 1) * sizeof *m->writers);
	snaptest_writer *w = &m->writers[m->n_writers++];
	memset(w, 0, sizeof *w);
	w->id = id;
	w->instance_id = instance;
	return w;
}

static void lower(char *s)
{
	for (; s && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int parse_bcd(const char *buf, size_t len, snaptest_manifest *m, char *err, size_t errlen)
{
	xmlTextReaderPtr r = reader_new(buf, len);
	if (!r)
		return errbuf_set(err, errlen, "backup.xml has a DOCTYPE, which a VSS document never has (refused)");
	int k, rc = -1;
	bool root = false;
	snaptest_writer *cur = NULL;
	int cur_depth = -1;
	while ((k = xread(r, "backup.xml", err, errlen)) == 1) {
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		int depth = xmlTextReaderDepth(r);
		if (depth == 0) {
			if (!is_elem(r, "BACKUP_COMPONENTS")) {
				errbuf_set(err, errlen, "backup.xml is not a Backup Components Document (root <%s>)",
				     (const char *)xmlTextReaderConstLocalName(r));
				goto out;
			}
			root = true;
			m->backup_type = attr(r, "backupType");
			lower(m->backup_type);
			m->select_components = attr_yes_no(r, "selectComponents");
			m->bootable_system_state = attr_yes_no(r, "bootableSystemStateBackup");
			m->partial_file_support = attr_yes_no(r, "partialFileSupport");
			m->snapshot_set_id = attr(r, "snapshotSetId");
			continue;
		}
		if (depth <= cur_depth)
			cur = NULL;
		if (depth == 1 && is_elem(r, "WRITER_COMPONENTS")) {
			char *id = attr(r, "writerId");
			char *inst = attr(r, "instanceId");
			if (!id) {
				free(inst);
				errbuf_set(err, errlen, "backup.xml has a WRITER_COMPONENTS without writerId");
				goto out;
			}
			cur = find_writer(m, id, inst);
			if (cur) {
				free(id);
				free(inst);
			} else {
				cur = add_writer(m, id, inst);
			}
			if (!cur->name)
				cur->name = attr(r, "instanceName");
			cur_depth = depth;
		} else if (depth == 2 && cur && is_elem(r, "COMPONENT")) {
			cur->components = xrealloc(cur->components,
						   (cur->n_components + 1) * sizeof *cur->components);
			snaptest_component *c = &cur->components[cur->n_components++];
			c->logical_path = attr(r, "logicalPath");
			c->name = attr(r, "componentName");
			c->type = attr(r, "componentType");
			if (!c->logical_path)
				c->logical_path = xstrdup("");
			if (!c->name)
				c->name = xstrdup("");
		} else if (depth == 1 && is_elem(r, "SNAPSHOT_SET_DESCRIPTION") && !m->context) {
			m->context = attr(r, "context");
			if (!m->snapshot_set_id)
				m->snapshot_set_id = attr(r, "snapshotSetId");
		}
	}
	if (k < 0)
		goto out;
	if (!root) {
		errbuf_set(err, errlen, "backup.xml is empty");
		goto out;
	}
	rc = 0;
out:
	xmlFreeTextReader(r);
	return rc;
}

static int parse_metadata(const char *name, const char *buf, size_t len, snaptest_manifest *m,
			  char *err, size_t errlen)
{
	xmlTextReaderPtr r = reader_new(buf, len);
	if (!r)
		return errbuf_set(err, errlen, "%s has a DOCTYPE, which a VSS document never has (refused)", name);
	int k, rc = -1;
	bool root = false, ident = false;
	while ((k = xread(r, name, err, errlen)) == 1) {
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		int depth = xmlTextReaderDepth(r);
		if (depth == 0) {
			if (!is_elem(r, "WRITER_METADATA")) {
				errbuf_set(err, errlen, "%s is not a writer metadata document (root <%s>)", name,
				     (const char *)xmlTextReaderConstLocalName(r));
				goto out;
			}
			root = true;
		} else if (depth == 1 && is_elem(r, "IDENTIFICATION") && !ident) {
			ident = true;
			char *id = attr(r, "writerId");
			char *inst = attr(r, "instanceId");
			if (!id) {
				free(inst);
				errbuf_set(err, errlen, "%s has no writerId", name);
				goto out;
			}
			snaptest_writer *w = find_writer(m, id, inst);
			if (w && w->has_metadata) {
				free(id);
				free(inst);
				errbuf_set(err, errlen, "%s describes writer %s a second time", name, w->id);
				goto out;
			}
			if (w) {
				free(id);
				if (!w->instance_id)
					w->instance_id = inst;
				else
					free(inst);
			} else {
				w = add_writer(m, id, inst);
			}
			char *friendly = attr(r, "friendlyName");
			if (friendly) {
				free(w->name);
				w->name = friendly;
			}
			w->usage = attr(r, "usage");
			w->data_source = attr(r, "dataSource");
			w->has_metadata = true;
		}
	}
	if (k < 0)
		goto out;
	if (!root || !ident) {
		errbuf_set(err, errlen, "%s has no writer IDENTIFICATION", name);
		goto out;
	}
	m->n_metadata_docs++;
	rc = 0;
out:
	xmlFreeTextReader(r);
	return rc;
}

/* ---- zip ---- */

/* Reads entry i whole, refusing more than `limit` bytes whatever its header says. */
static int read_entry(zip_t *z, zip_uint64_t i, const char *name, size_t limit, char **out,
		      size_t *outlen, char *err, size_t errlen)
{
	zip_file_t *f = zip_fopen_index(z, i, 0);
	if (!f)
		return errbuf_set(err, errlen, "%s cannot be extracted from the manifest: %s", name,
			    zip_strerror(z));
	size_t cap = 64 * 1024, len = 0;
	char *buf = xmalloc(cap + 1);
	int rc = 0;
	for (;;) {
		if (len == cap) {
			if (cap > limit) {
				rc = errbuf_set(err, errlen, "%s is larger than %zu bytes uncompressed (refused)",
					  name, limit);
				break;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		zip_int64_t n = zip_fread(f, buf + len, cap - len);
		if (n < 0) {
			rc = errbuf_set(err, errlen, "%s is damaged in the manifest: %s", name,
				  zip_file_strerror(f));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > limit) {
			rc = errbuf_set(err, errlen, "%s is larger than %zu bytes uncompressed (refused)",
				  name, limit);
			break;
		}
	}
	zip_fclose(f);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcasecmp(s + n - k, suffix);
}

static bool is_backup_xml(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	return !strcasecmp(base, "backup.xml");
}

int snaptest_manifest_parse(const void *data, size_t len, snaptest_manifest *m,
			    char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!data || len == 0)
		return errbuf_set(err, errlen, "the manifest is empty");
	if (len > SNAPTEST_MANIFEST_MAX_ZIP)
		return errbuf_set(err, errlen, "the manifest is larger than %zu bytes (refused)",
			    SNAPTEST_MANIFEST_MAX_ZIP);
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	if (!src) {
		zip_error_fini(&ze);
		return errbuf_set(err, errlen, "the manifest cannot be opened");
	}
	/* ZIP_CHECKCONS: a truncated archive fails here rather than half-read. */
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (!z) {
		errbuf_set(err, errlen, "the manifest is not a zip file (truncated or damaged: %s)",
		     zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return -1;
	}
	zip_error_fini(&ze);

	int rc = -1;
	zip_int64_t count = zip_get_num_entries(z, 0);
	if (count < 0 || count > SNAPTEST_MANIFEST_MAX_ENTRIES) {
		errbuf_set(err, errlen, "the manifest has %lld entries, more than the %d allowed (refused)",
		     (long long)count, SNAPTEST_MANIFEST_MAX_ENTRIES);
		goto out;
	}
	m->n_entries = (size_t)count;
	/* backup.xml first, so writer documents join the writers it names. */
	zip_int64_t bcd = -1;
	for (zip_int64_t i = 0; i < count; i++) {
		const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
		if (name && is_backup_xml(name)) {
			if (bcd >= 0) {
				errbuf_set(err, errlen, "the manifest has two backup.xml");
				goto out;
			}
			bcd = i;
		}
	}
	if (bcd < 0) {
		errbuf_set(err, errlen, "the manifest has no backup.xml");
		goto out;
	}
	/* Everything is read (bounded) before anything is parsed, so the total bound holds
	 * whatever the documents contain. */
	size_t total = 0, others = 0, n_docs = 0;
	char **bufs = xcalloc((size_t)count + 1, sizeof *bufs);
	size_t *lens = xcalloc((size_t)count + 1, sizeof *lens);
	const char **names = xcalloc((size_t)count + 1, sizeof *names);
	for (zip_int64_t pass = 0; pass <= count; pass++) {
		zip_int64_t i = pass == 0 ? bcd : pass - 1;
		if (pass > 0 && i == bcd)
			continue;
		const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
		if (!name) {
			errbuf_set(err, errlen, "the manifest has an entry without a name");
			goto free_docs;
		}
		if (name[0] && name[strlen(name) - 1] == '/')
			continue;   /* a directory */
		if (pass > 0)
			others++;
		if (pass > 0 && !ends_with_ci(name, ".xml"))
			continue;   /* not a VSS document: counted, not read */
		size_t limit = SNAPTEST_MANIFEST_MAX_ENTRY;
		if (SNAPTEST_MANIFEST_MAX_TOTAL - total < limit)
			limit = SNAPTEST_MANIFEST_MAX_TOTAL - total;
		names[n_docs] = pass == 0 ? "backup.xml" : name;
		if (read_entry(z, (zip_uint64_t)i, names[n_docs], limit, &bufs[n_docs], &lens[n_docs],
			       err, errlen) < 0) {
			if (limit < SNAPTEST_MANIFEST_MAX_ENTRY && err && strstr(err, "larger than"))
				errbuf_set(err, errlen, "the manifest's entries add up to more than %zu bytes uncompressed (refused)",
				     SNAPTEST_MANIFEST_MAX_TOTAL);
			goto free_docs;
		}
		total += lens[n_docs++];
	}
	for (size_t d = 0; d < n_docs; d++) {
		int prc = d == 0 ? parse_bcd(bufs[d], lens[d], m, err, errlen)
				 : parse_metadata(names[d], bufs[d], lens[d], m, err, errlen);
		if (prc < 0)
			goto free_docs;
	}
	rc = 0;
free_docs:
	for (size_t d = 0; d <= (size_t)count; d++)
		free(bufs[d]);
	free(bufs);
	free(lens);
	free(names);
	if (rc < 0)
		goto out;
	m->level = others > 0 ? LEVEL_APPLICATION : LEVEL_FILESYSTEM;
out:
	zip_close(z);   /* read-only: discards; frees the source */
	if (rc < 0)
		snaptest_manifest_done(m);
	return rc;
}

char *snaptest_components_json(const snaptest_writer *w)
{
	strbuf sb;
	strbuf_init(&sb);
	json_writer j;
	json_writer_init(&j, &sb, false);
	json_array_begin(&j);
	for (size_t i = 0; i < w->n_components; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "logical_path", w->components[i].logical_path);
		json_kv_string(&j, "name", w->components[i].name);
		json_kv_string(&j, "type", w->components[i].type);
		json_object_end(&j);
	}
	json_array_end(&j);
	return strbuf_detach(&sb, NULL);
}
