/* propcol_retrieve: RetrievePropertiesEx for small results (one object, a container's few
 * properties), every value handed to the consumer with the streaming reader on its <val>, and
 * the pages continued until the token runs out. Big inventories go through propcol_pages.c. */
#include "vsphere/propcol_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- RetrievePropertiesEx read with the streaming reader (small results) ---- */

typedef struct {
	vs_prop_fn on_prop;
	vs_missing_fn on_missing;
	void *ctx;
	const char *method;
	strbuf token;     /* empty: no more pages */
	strbuf moref;
	strbuf name;
	strbuf message;
	strbuf scratch;
} retrieve_ctx;

static int call_on_prop(void *arg, xmlTextReaderPtr r, vs_error *err)
{
	retrieve_ctx *rc = arg;
	return rc->on_prop(rc->ctx, rc->moref.buf, rc->name.buf, r, err);
}

static int parse_object(xmlTextReaderPtr r, retrieve_ctx *rc, vs_error *err)
{
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	strbuf_reset(&rc->moref);
	int ret;
	while ((ret = vs_xml_iter_next(&it)) == 1) {
		if (vs_xml_is(r, "obj")) {
			const char *t = vs_xml_text_buf(r, &rc->scratch);
			if (!t)
				return vs_pc_malformed(err, rc->method);
			strbuf_adds(&rc->moref, t);
		} else if (vs_xml_is(r, "propSet")) {
			if (!rc->moref.len)
				return vs_pc_malformed(err, rc->method); /* obj comes first */
			vs_xml_iter ps;
			vs_xml_iter_init(&ps, r);
			strbuf_reset(&rc->name);
			while ((ret = vs_xml_iter_next(&ps)) == 1) {
				if (vs_xml_is(r, "name")) {
					const char *t = vs_xml_text_buf(r, &rc->scratch);
					if (!t)
						return vs_pc_malformed(err, rc->method);
					strbuf_reset(&rc->name);
					strbuf_adds(&rc->name, t);
				} else if (vs_xml_is(r, "val") && rc->name.len) {
					if (vs_pc_deliver_val(&ps, call_on_prop, rc, err) < 0)
						return -1;
				} else {
					vs_xml_iter_skip(&ps);
				}
			}
			if (ret < 0)
				return vs_pc_malformed(err, rc->method);
		} else if (vs_xml_is(r, "missingSet")) {
			char fault[64];
			if (!rc->moref.len ||
			    vs_pc_parse_missing(r, &rc->name, fault, sizeof fault, &rc->message,
					  &rc->scratch) < 0)
				return vs_pc_malformed(err, rc->method);
			if (rc->on_missing &&
			    rc->on_missing(rc->ctx, rc->moref.buf, rc->name.buf, fault,
					   rc->message.buf, err) < 0)
				return -1;
		} else {
			vs_xml_iter_skip(&it);
		}
	}
	if (ret < 0)
		return vs_pc_malformed(err, rc->method);
	return 0;
}

static int on_retrieve_page(xmlTextReaderPtr r, void *ctx, vs_error *err)
{
	retrieve_ctx *rc = ctx;
	strbuf_reset(&rc->token);
	int ret = vs_pc_find_returnval(r);
	if (ret == 0)
		return 0; /* no objects at all */
	if (ret < 0)
		return vs_pc_malformed(err, rc->method);
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	while ((ret = vs_xml_iter_next(&it)) == 1) {
		if (vs_xml_is(r, "objects")) {
			if (parse_object(r, rc, err) < 0)
				return -1;
		} else if (vs_xml_is(r, "token")) {
			const char *t = vs_xml_text_buf(r, &rc->scratch);
			if (!t)
				return vs_pc_malformed(err, rc->method);
			strbuf_adds(&rc->token, t);
		} else {
			vs_xml_iter_skip(&it);
		}
	}
	if (ret < 0)
		return vs_pc_malformed(err, rc->method);
	return 0;
}

static int retrieve(vs_conn *c, const char *root_type, const char *root_moref,
		    const char *traverse_path, const char *type, const char *const *paths,
		    size_t n_paths, int page_size, vs_prop_fn on_prop, vs_missing_fn on_missing,
		    void *ctx, vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	const char *pc = vs_propcol_content(c)->property_collector;
	retrieve_ctx rc = { .on_prop = on_prop, .on_missing = on_missing, .ctx = ctx,
			    .method = "RetrievePropertiesEx" };
	strbuf_init(&rc.token);
	strbuf_init(&rc.moref);
	strbuf_init(&rc.name);
	strbuf_init(&rc.message);
	strbuf_init(&rc.scratch);

	strbuf sb;
	strbuf_init(&sb);
	vs_pc_retrieve_body(&sb, pc, root_type, root_moref, traverse_path, type, paths, n_paths,
			    page_size);
	int ret = vs_pc_call(c, sb.buf, on_retrieve_page, &rc, err);
	strbuf prev;
	strbuf_init(&prev);
	while (ret == 0 && rc.token.len) {
		if (strcmp(prev.buf, rc.token.buf) == 0) { /* a server looping on one page */
			ret = vs_fail(err, VS_ERR_PARSE, "ContinueRetrievePropertiesEx returned its "
				      "token \"%s\" again.", rc.token.buf);
			break;
		}
		strbuf_reset(&prev);
		strbuf_adds(&prev, rc.token.buf);
		vs_pc_continue_body(&sb, pc, rc.token.buf);
		rc.method = "ContinueRetrievePropertiesEx";
		ret = vs_pc_call(c, sb.buf, on_retrieve_page, &rc, err);
	}
	/* A consumer or parse failure mid-way leaves the rest of the result on the server, under
	 * the token the failed page carried: release it (best effort). */
	if (ret < 0 && rc.token.len && err->kind != VS_ERR_NETWORK && err->kind != VS_ERR_CANCELLED)
		vs_pc_cancel_retrieve(c, pc, rc.token.buf);
	strbuf_done(&prev);
	strbuf_done(&sb);
	strbuf_done(&rc.token);
	strbuf_done(&rc.moref);
	strbuf_done(&rc.name);
	strbuf_done(&rc.message);
	strbuf_done(&rc.scratch);
	return ret;
}

int vs_retrieve(vs_conn *c, const char *view_moref, const char *type, const char *const *paths,
		size_t n_paths, int page_size, vs_prop_fn on_prop, vs_missing_fn on_missing,
		void *ctx, vs_error *err)
{
	return retrieve(c, "ContainerView", view_moref, "view", type, paths, n_paths, page_size,
			on_prop, on_missing, ctx, err);
}

int vs_retrieve_traverse(vs_conn *c, const char *root_type, const char *root_moref,
			 const char *traverse_path, const char *type, const char *const *paths,
			 size_t n_paths, int page_size, vs_prop_fn on_prop, vs_missing_fn on_missing,
			 void *ctx, vs_error *err)
{
	return retrieve(c, root_type, root_moref, traverse_path, type, paths, n_paths, page_size,
			on_prop, on_missing, ctx, err);
}

static int object_missing(void *ctx, const char *moref, const char *path, const char *fault,
			  const char *message, vs_error *err)
{
	vs_fail(err, VS_ERR_FAULT, "vCenter could not read %s of %s: %s%s%s.", path, moref,
		fault[0] ? fault : "unknown fault", message[0] ? ": " : "", message);
	snprintf(err->fault, sizeof err->fault, "%s", fault);
	return -1;
}

int vs_retrieve_object(vs_conn *c, const char *type, const char *moref, const char *const *paths,
		       size_t n_paths, vs_prop_fn on_prop, void *ctx, vs_error *err)
{
	return retrieve(c, type, moref, NULL, type, paths, n_paths, 0, on_prop, object_missing,
			ctx, err);
}
