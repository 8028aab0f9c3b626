/* vSphere reads for test snapshots, streamed with propcol's reader helpers. */
#include "snaptest/snaptest_vs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "vsphere/inventory.h"
#include "vsphere/propcol.h"
#include "vsphere/soap.h"
#include "util/timefmt.h"

/* ---- snapshot tree ---- */

typedef struct {
	snaptest_vs_snap *v;
	size_t n, cap;
} snaps_ctx;

/* A flat walk: a tree node is a rootSnapshotList/childSnapshotList element; its fields are its
 * direct children and come before its childSnapshotList (schema order). */
static int on_snapshot(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr r,
		       vs_error *err)
{
	snaps_ctx *s = ctx;
	if (xmlTextReaderIsEmptyElement(r) == 1)
		return 0;
	int base = xmlTextReaderDepth(r);
	int stack_depth[64], stack_idx[64], top = 0;
	strbuf sb;
	strbuf_init(&sb);
	int rc = 0;
	for (;;) {
		if (xmlTextReaderRead(r) != 1) {
			rc = vs_fail(err, VS_ERR_PARSE, "The snapshot tree of %s is malformed.", moref);
			break;
		}
		int type = xmlTextReaderNodeType(r), d = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_END_ELEMENT && d == base)
			break;
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		while (top > 0 && stack_depth[top - 1] >= d)
			top--;
		if (vs_xml_is(r, "rootSnapshotList") || vs_xml_is(r, "childSnapshotList")) {
			if (top == 64) {
				rc = vs_fail(err, VS_ERR_PARSE, "The snapshot tree of %s is too deep.", moref);
				break;
			}
			s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
			memset(&s->v[s->n], 0, sizeof s->v[s->n]);
			stack_depth[top] = d;
			stack_idx[top++] = (int)s->n++;
			continue;
		}
		if (top == 0 || stack_depth[top - 1] != d - 1)
			continue;
		snaptest_vs_snap *node = &s->v[stack_idx[top - 1]];
		char *field = vs_xml_is(r, "snapshot") ? node->moref
			    : vs_xml_is(r, "name") ? node->name
			    : vs_xml_is(r, "backupManifest") ? node->backup_manifest : NULL;
		size_t cap = field == node->moref ? sizeof node->moref
			   : field == node->name ? sizeof node->name : sizeof node->backup_manifest;
		if (field) {
			const char *t = vs_xml_text_buf(r, &sb);
			if (!t) {
				rc = vs_fail(err, VS_ERR_PARSE, "The snapshot tree of %s is malformed.", moref);
				break;
			}
			snprintf(field, cap, "%s", t);
		}
	}
	strbuf_done(&sb);
	return rc;
}

int snaptest_vs_snapshots(vs_conn *c, const char *vm, snaptest_vs_snap **out, size_t *n,
			  vs_error *err)
{
	static const char *const paths[] = { "snapshot" };
	snaps_ctx s = { 0 };
	int rc = vs_retrieve_object(c, "VirtualMachine", vm, paths, 1, on_snapshot, &s, err);
	if (rc < 0) {
		free(s.v);
		s.v = NULL;
		s.n = 0;
	}
	*out = s.v;
	*n = s.n;
	return rc;
}

/* ---- layoutEx.file ---- */

typedef struct {
	char **v;
	size_t n, cap;
} strs_ctx;

static int on_layout(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr r,
		     vs_error *err)
{
	strs_ctx *s = ctx;
	if (xmlTextReaderIsEmptyElement(r) == 1)
		return 0;
	int base = xmlTextReaderDepth(r);
	strbuf sb;
	strbuf_init(&sb);
	int rc = 0;
	for (;;) {
		if (xmlTextReaderRead(r) != 1) {
			rc = vs_fail(err, VS_ERR_PARSE, "The file layout of %s is malformed.", moref);
			break;
		}
		int type = xmlTextReaderNodeType(r), d = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_END_ELEMENT && d == base)
			break;
		if (type == XML_READER_TYPE_ELEMENT && d == base + 2 && vs_xml_is(r, "name")) {
			const char *t = vs_xml_text_buf(r, &sb);
			if (!t) {
				rc = vs_fail(err, VS_ERR_PARSE, "The file layout of %s is malformed.", moref);
				break;
			}
			s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
			s->v[s->n++] = xstrdup(t);
		}
	}
	strbuf_done(&sb);
	return rc;
}

void snaptest_vs_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int snaptest_vs_layout_files(vs_conn *c, const char *vm, char ***out, size_t *n, vs_error *err)
{
	static const char *const paths[] = { "layoutEx.file" };
	strs_ctx s = { 0 };
	int rc = vs_retrieve_object(c, "VirtualMachine", vm, paths, 1, on_layout, &s, err);
	if (rc < 0) {
		snaptest_vs_strings_free(s.v, s.n);
		s.v = NULL;
		s.n = 0;
	}
	*out = s.v;
	*n = s.n;
	return rc;
}

/* ---- datacenter ---- */

typedef struct {
	char name[256];
	char parent[128];
	char parent_type[64];
} obj_ctx;

static int on_obj(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr r, vs_error *err)
{
	obj_ctx *o = ctx;
	strbuf sb;
	strbuf_init(&sb);
	if (!strcmp(prop, "parent")) {
		xmlChar *t = xmlTextReaderGetAttribute(r, (const xmlChar *)"type");
		snprintf(o->parent_type, sizeof o->parent_type, "%s", t ? (const char *)t : "");
		xmlFree(t);
	}
	const char *v = vs_xml_text_buf(r, &sb);
	int rc = 0;
	if (!v) {
		rc = vs_fail(err, VS_ERR_PARSE, "The parent of %s is malformed.", moref);
	} else {
		/* A truncated name or moref would address another object: refuse it. */
		bool parent = !strcmp(prop, "parent");
		size_t cap = parent ? sizeof o->parent : sizeof o->name;
		if ((size_t)snprintf(parent ? o->parent : o->name, cap, "%s", v) >= cap)
			rc = vs_fail(err, VS_ERR_PARSE, "The %s of %s is too long (%zu bytes).",
				     parent ? "parent" : "name", moref, strlen(v));
	}
	strbuf_done(&sb);
	return rc;
}

int snaptest_vs_datacenter(vs_conn *c, const char *vm, char *buf, size_t n, vs_error *err)
{
	static const char *const paths[] = { "name", "parent" };
	char type[64] = "VirtualMachine", cur[128];
	snprintf(cur, sizeof cur, "%s", vm);
	/* Built from the datacenter up: each folder above it is prepended. A path that does not
	 * fit buf is an error, never a truncation (it would name another datacenter). */
	strbuf path, tmp;
	strbuf_init(&path);
	strbuf_init(&tmp);
	bool in_dc = false;
	int rc = 0;
	for (int hops = 0; hops < 64; hops++) {
		obj_ctx o = { .name = "" };
		if (vs_retrieve_object(c, type, cur, paths, 2, on_obj, &o, err) < 0) {
			rc = -1;
			goto out;
		}
		if (!strcmp(type, "Datacenter"))
			in_dc = true;
		if (in_dc && o.parent[0]) {   /* the root folder (no parent) is not in the path */
			strbuf_reset(&tmp);
			strbuf_adds(&tmp, o.name);
			if (path.len) {
				strbuf_addc(&tmp, '/');
				strbuf_add(&tmp, path.buf, path.len);
			}
			strbuf_reset(&path);
			strbuf_add(&path, tmp.buf, tmp.len);
		}
		if (!o.parent[0])
			break;
		snprintf(cur, sizeof cur, "%s", o.parent);
		snprintf(type, sizeof type, "%s", o.parent_type[0] ? o.parent_type : "Folder");
	}
	if (!in_dc || !path.len)
		rc = vs_fail(err, VS_ERR_PARSE, "The datacenter of %s was not found.", vm);
	else if (path.len >= n)
		rc = vs_fail(err, VS_ERR_PARSE, "The datacenter path of %s is too long (%zu bytes).",
			     vm, path.len);
	else
		memcpy(buf, path.buf, path.len + 1);
out:
	strbuf_done(&path);
	strbuf_done(&tmp);
	return rc;
}

/* ---- events ---- */

typedef struct {
	snaptest_vs_event *v;
	size_t n, cap;
	int64_t min_key;
} events_ctx;

static int on_events(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	events_ctx *e = arg;
	if (vs_xml_enter_body(r, err) < 0)
		return -1;
	int d = xmlTextReaderDepth(r), k;
	while ((k = vs_xml_next_child(r, d, err)) == 1) {
		if (!vs_xml_is(r, "returnval")) {
			vs_xml_skip(r);
			continue;
		}
		snaptest_vs_event ev = { .key = -1 };
		char t[sizeof ev.type];
		snprintf(ev.type, sizeof ev.type, "%s", *vs_xml_xsi_type(r, t, sizeof t) ? t : "Event");
		int d2 = xmlTextReaderDepth(r), k2;
		while ((k2 = vs_xml_next_child(r, d2, err)) == 1) {
			bool key = vs_xml_is(r, "key"), at = vs_xml_is(r, "createdTime"),
			     msg = vs_xml_is(r, "fullFormattedMessage");
			if (!key && !at && !msg) {
				vs_xml_skip(r);
				continue;
			}
			char *v = vs_xml_text(r);
			if (!v)
				return vs_fail(err, VS_ERR_PARSE, "An event from the server is malformed.");
			if (key)
				ev.key = strtoll(v, NULL, 10);
			else if (at)
				ev.at = time_parse_xsd(v);
			else
				snprintf(ev.message, sizeof ev.message, "%s", v);
			text_clean_inplace(ev.message);   /* server text: one line, no escapes */
			free(v);
		}
		if (k2 < 0)
			return -1;
		if (ev.key > e->min_key) {
			e->v = xgrow(e->v, &e->cap, e->n + 1, sizeof *e->v);
			e->v[e->n++] = ev;
		}
	}
	return k < 0 ? -1 : 0;
}

static int by_key(const void *a, const void *b)
{
	int64_t x = ((const snaptest_vs_event *)a)->key, y = ((const snaptest_vs_event *)b)->key;
	return x < y ? -1 : x > y;
}

int snaptest_vs_events(vs_conn *c, const char *vm, time_t since, int64_t min_key,
		       snaptest_vs_event **out, size_t *n, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, "<QueryEvents xmlns=\"urn:vim25\">");
	vs_soap_add_moref(&sb, "_this", "EventManager", vs_propcol_content(c)->event_manager);
	strbuf_adds(&sb, "<filter><entity>");
	vs_soap_add_moref(&sb, "entity", "VirtualMachine", vm);
	strbuf_adds(&sb, "<recursion>self</recursion></entity>");
	if (since > 0) {
		char ts[TIME_TEXT_MAX];
		strbuf_addf(&sb, "<time><beginTime>%s</beginTime></time>",
			    time_iso(since, ts, sizeof ts, ""));
	}
	strbuf_adds(&sb, "</filter></QueryEvents>");
	events_ctx e = { .min_key = min_key };
	int rc = vs_soap_call(c, sb.buf, on_events, &e, err);
	strbuf_done(&sb);
	if (rc < 0) {
		free(e.v);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (e.n > 1)
		qsort(e.v, e.n, sizeof *e.v, by_key);
	*out = e.v;
	*n = e.n;
	return 0;
}
