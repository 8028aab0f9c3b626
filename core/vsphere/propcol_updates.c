/* propcol_updates: a PropertyFilter on its own collector and WaitForUpdatesEx, each value
 * handed to the consumer with the streaming reader on its <val> (updates are small). */
#include "vsphere/propcol_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- live changes ---- */

int vs_updates_create(vs_conn *c, const char *view_moref, const char *type,
		      const char *const *paths, size_t n_paths, vs_updates *u, vs_error *err)
{
	vs_prop_spec one = { type, paths, n_paths };
	return vs_updates_create_specs(c, view_moref, &one, 1, u, err);
}

int vs_updates_create_specs(vs_conn *c, const char *view_moref, const vs_prop_spec *specs,
			    size_t n_specs, vs_updates *u, vs_error *err)
{
	memset(u, 0, sizeof *u);
	strbuf sb;
	strbuf_init(&sb);
	vs_pc_begin_method(&sb, "CreatePropertyCollector", "PropertyCollector",
			   vs_propcol_content(c)->property_collector);
	if (vs_pc_simple_call(c, &sb, "CreatePropertyCollector", u->collector,
			      sizeof u->collector, err) < 0)
		return -1;

	strbuf_init(&sb);
	vs_pc_begin_method(&sb, "CreateFilter", "PropertyCollector", u->collector);
	strbuf_adds(&sb, "<spec>");
	vs_pc_filter_specs(&sb, "ContainerView", view_moref, "view", specs, n_specs);
	strbuf_adds(&sb, "</spec><partialUpdates>false</partialUpdates>");
	if (vs_pc_simple_call(c, &sb, "CreateFilter", u->filter, sizeof u->filter, err) < 0) {
		vs_error ignored;
		vs_updates_destroy(c, u, &ignored);
		return -1;
	}
	return 0;
}

int vs_updates_destroy(vs_conn *c, vs_updates *u, vs_error *err)
{
	int ret = 0;
	strbuf sb;
	if (u->filter[0]) {
		strbuf_init(&sb);
		vs_pc_begin_method(&sb, "DestroyPropertyFilter", "PropertyFilter", u->filter);
		ret = vs_pc_simple_call(c, &sb, "DestroyPropertyFilter", NULL, 0, err);
		u->filter[0] = '\0';
	}
	if (u->collector[0]) {
		vs_error e2;
		vs_error_clear(&e2);
		strbuf_init(&sb);
		vs_pc_begin_method(&sb, "DestroyPropertyCollector", "PropertyCollector", u->collector);
		if (vs_pc_simple_call(c, &sb, "DestroyPropertyCollector", NULL, 0, &e2) < 0 && ret == 0) {
			if (err)
				*err = e2;
			ret = -1;
		}
		u->collector[0] = '\0';
	}
	return ret;
}

int vs_updates_cancel(vs_conn *c, const vs_updates *u, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	vs_pc_begin_method(&sb, "CancelWaitForUpdates", "PropertyCollector", u->collector);
	return vs_pc_simple_call(c, &sb, "CancelWaitForUpdates", NULL, 0, err);
}

typedef struct {
	vs_update_fn on_change;
	vs_missing_fn on_missing;
	void *ctx;
	strbuf version;
	bool have_version;
	bool truncated;
	int n_objects;
	/* the objectSet being read */
	vs_obj_kind kind;
	bool have_kind;
	bool announced;
	vs_change_op op;
	strbuf moref;
	strbuf name;
	strbuf message;
	strbuf scratch;
} wait_ctx;

int vs_pc_parse_kind(const char *s, vs_obj_kind *k)
{
	if (strcmp(s, "modify") == 0)
		*k = VS_OBJ_MODIFY;
	else if (strcmp(s, "enter") == 0)
		*k = VS_OBJ_ENTER;
	else if (strcmp(s, "leave") == 0)
		*k = VS_OBJ_LEAVE;
	else
		return -1;
	return 0;
}

int vs_pc_parse_op(const char *s, vs_change_op *op)
{
	if (strcmp(s, "assign") == 0)
		*op = VS_OP_ASSIGN;
	else if (strcmp(s, "add") == 0)
		*op = VS_OP_ADD;
	else if (strcmp(s, "remove") == 0)
		*op = VS_OP_REMOVE;
	else if (strcmp(s, "indirectRemove") == 0)
		*op = VS_OP_INDIRECT_REMOVE;
	else
		return -1;
	return 0;
}

/* The object header goes out once kind and obj are both known, before its first change. */
static int announce(wait_ctx *w, vs_error *err)
{
	if (w->announced)
		return 0;
	if (!w->have_kind || !w->moref.len)
		return vs_pc_malformed(err, "WaitForUpdatesEx");
	w->announced = true;
	w->n_objects++;
	return w->on_change(w->ctx, w->moref.buf, w->kind, NULL, VS_OP_ASSIGN, NULL, err);
}

static int call_on_change(void *arg, xmlTextReaderPtr r, vs_error *err)
{
	wait_ctx *w = arg;
	return w->on_change(w->ctx, w->moref.buf, w->kind, w->name.buf, w->op, r, err);
}

static int parse_change(xmlTextReaderPtr r, wait_ctx *w, vs_error *err)
{
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	strbuf_reset(&w->name);
	w->op = VS_OP_ASSIGN;
	bool had_val = false;
	int ret;
	while ((ret = vs_xml_iter_next(&it)) == 1) {
		if (vs_xml_is(r, "name") || vs_xml_is(r, "op")) {
			bool is_name = vs_xml_is(r, "name");
			const char *t = vs_xml_text_buf(r, &w->scratch);
			if (!t)
				return vs_pc_malformed(err, "WaitForUpdatesEx");
			if (is_name)
				strbuf_adds(&w->name, t);
			else if (vs_pc_parse_op(t, &w->op) < 0)
				return vs_pc_malformed(err, "WaitForUpdatesEx");
		} else if (vs_xml_is(r, "val")) {
			if (!w->name.len)
				return vs_pc_malformed(err, "WaitForUpdatesEx");
			had_val = true;
			if (vs_pc_deliver_val(&it, call_on_change, w, err) < 0)
				return -1;
		} else {
			vs_xml_iter_skip(&it);
		}
	}
	if (ret < 0 || !w->name.len)
		return vs_pc_malformed(err, "WaitForUpdatesEx");
	if (!had_val)
		return w->on_change(w->ctx, w->moref.buf, w->kind, w->name.buf, w->op, NULL, err);
	return 0;
}

static int parse_object_update(xmlTextReaderPtr r, wait_ctx *w, vs_error *err)
{
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	w->have_kind = false;
	w->announced = false;
	strbuf_reset(&w->moref);
	int ret;
	while ((ret = vs_xml_iter_next(&it)) == 1) {
		if (vs_xml_is(r, "kind") || vs_xml_is(r, "obj")) {
			bool is_kind = vs_xml_is(r, "kind");
			const char *t = vs_xml_text_buf(r, &w->scratch);
			if (!t)
				return vs_pc_malformed(err, "WaitForUpdatesEx");
			if (!is_kind) {
				strbuf_adds(&w->moref, t);
			} else if (vs_pc_parse_kind(t, &w->kind) < 0) {
				return vs_pc_malformed(err, "WaitForUpdatesEx");
			} else {
				w->have_kind = true;
			}
		} else if (vs_xml_is(r, "changeSet")) {
			if (announce(w, err) < 0 || parse_change(r, w, err) < 0)
				return -1;
		} else if (vs_xml_is(r, "missingSet")) {
			char fault[64];
			if (announce(w, err) < 0)
				return -1;
			if (vs_pc_parse_missing(r, &w->name, fault, sizeof fault, &w->message,
					  &w->scratch) < 0)
				return vs_pc_malformed(err, "WaitForUpdatesEx");
			if (w->on_missing && w->on_missing(w->ctx, w->moref.buf, w->name.buf, fault,
							   w->message.buf, err) < 0)
				return -1;
		} else {
			vs_xml_iter_skip(&it);
		}
	}
	if (ret < 0)
		return vs_pc_malformed(err, "WaitForUpdatesEx");
	return announce(w, err); /* leave, or enter/modify without changes */
}

static int on_wait_response(xmlTextReaderPtr r, void *ctx, vs_error *err)
{
	wait_ctx *w = ctx;
	w->truncated = false;
	w->have_version = false;
	int ret = vs_pc_find_returnval(r);
	if (ret == 0)
		return 0; /* maxWaitSeconds passed without changes */
	if (ret < 0)
		return vs_pc_malformed(err, "WaitForUpdatesEx");
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	while ((ret = vs_xml_iter_next(&it)) == 1) {
		if (vs_xml_is(r, "version") || vs_xml_is(r, "truncated")) {
			bool is_version = vs_xml_is(r, "version");
			const char *t = vs_xml_text_buf(r, &w->scratch);
			if (!t)
				return vs_pc_malformed(err, "WaitForUpdatesEx");
			if (is_version) {
				strbuf_reset(&w->version);
				strbuf_adds(&w->version, t);
				w->have_version = true;
			} else {
				w->truncated = strcmp(t, "true") == 0 || strcmp(t, "1") == 0;
			}
		} else if (vs_xml_is(r, "filterSet")) {
			vs_xml_iter fs;
			vs_xml_iter_init(&fs, r);
			while ((ret = vs_xml_iter_next(&fs)) == 1) {
				if (vs_xml_is(r, "objectSet")) {
					if (parse_object_update(r, w, err) < 0)
						return -1;
				} else {
					vs_xml_iter_skip(&fs);
				}
			}
			if (ret < 0)
				return vs_pc_malformed(err, "WaitForUpdatesEx");
		} else {
			vs_xml_iter_skip(&it);
		}
	}
	if (ret < 0 || !w->have_version)
		return vs_pc_malformed(err, "WaitForUpdatesEx");
	return 0;
}

static void wait_body(strbuf *sb, const vs_updates *u, const char *version, int wait)
{
	strbuf_reset(sb);
	vs_pc_begin_method(sb, "WaitForUpdatesEx", "PropertyCollector", u->collector);
	if (*version)
		vs_soap_add_text(sb, "version", version);
	strbuf_adds(sb, "<options>");
	if (wait >= 0)
		strbuf_addf(sb, "<maxWaitSeconds>%d</maxWaitSeconds>", wait);
	if (u->max_object_updates > 0)
		strbuf_addf(sb, "<maxObjectUpdates>%d</maxObjectUpdates>", u->max_object_updates);
	strbuf_adds(sb, "</options></WaitForUpdatesEx>");
}

int vs_wait_updates(vs_conn *c, const vs_updates *u, const char *version_in, char *version_out,
		    size_t n, int max_wait_s, vs_update_fn on_change, vs_missing_fn on_missing,
		    void *ctx, vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	wait_ctx w = { .on_change = on_change, .on_missing = on_missing, .ctx = ctx };
	strbuf_init(&w.version);
	strbuf_init(&w.moref);
	strbuf_init(&w.name);
	strbuf_init(&w.message);
	strbuf_init(&w.scratch);
	strbuf_adds(&w.version, version_in ? version_in : "");

	strbuf sb;
	strbuf_init(&sb);
	int ret;
	do {
		/* The rest of a truncated set is ready now: do not wait for it. */
		wait_body(&sb, u, w.version.buf, w.truncated ? 0 : max_wait_s);
		ret = vs_pc_call(c, sb.buf, on_wait_response, &w, err);
	} while (ret == 0 && w.truncated);

	if (ret == 0) {
		if (w.version.len >= n) {
			ret = vs_fail(err, VS_ERR_PARSE, "WaitForUpdatesEx returned a version "
				      "longer than %zu bytes.", n);
		} else {
			memmove(version_out, w.version.buf, w.version.len + 1);
			ret = w.n_objects;
		}
	}
	strbuf_done(&sb);
	strbuf_done(&w.version);
	strbuf_done(&w.moref);
	strbuf_done(&w.name);
	strbuf_done(&w.message);
	strbuf_done(&w.scratch);
	return ret;
}

/* ---- the same with the SAX2 push parser ---- */

/* Pieces the test seam's canned responses are fed in (see propcol_pages.c). */
#define SEAM_PIECE 509

static int feed_piece(void *arg, const char *data, size_t n, vs_error *err)
{
	return vs_sax_page_feed(arg, data, n, err);
}

int vs_wait_updates_stream(vs_conn *c, const vs_updates *u, const char *version_in,
			   char *version_out, size_t n, int max_wait_s, const vs_update_sink *sink,
			   void *ctx, vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	vs_error_clear(err);
	vs_sax_page *sp = vs_sax_updates_new(sink, ctx);
	strbuf sb, version, scratch;
	strbuf_init(&sb);
	strbuf_init(&version);
	strbuf_init(&scratch);
	strbuf_adds(&version, version_in ? version_in : "");
	const vs_propcol_transport *seam = vs_pc_seam();
	bool truncated = false;
	int ret, total = 0;
	do {
		wait_body(&sb, u, version.buf, truncated ? 0 : max_wait_s);
		ret = vs_sax_page_begin(sp, "WaitForUpdatesEx", err);
		if (ret == 0 && seam) {
			ret = seam->fetch(c, sb.buf, &scratch, err);
			for (size_t o = 0; ret == 0 && o < scratch.len; o += SEAM_PIECE)
				ret = feed_piece(sp, scratch.buf + o, scratch.len - o < SEAM_PIECE
						 ? scratch.len - o : SEAM_PIECE, err);
		} else if (ret == 0) {
			ret = vs_soap_call_stream(c, sb.buf, feed_piece, sp, err);
		}
		if (ret == 0)
			ret = vs_sax_page_finish(sp, err);
		const char *v;
		int n_objects = 0;
		truncated = false;
		if (ret == 0 && vs_sax_updates_result(sp, &v, &truncated, &n_objects)) {
			strbuf_reset(&version);
			strbuf_adds(&version, v);
		}
		total += n_objects;
	} while (ret == 0 && truncated);

	if (ret == 0) {
		if (version.len >= n) {
			ret = vs_fail(err, VS_ERR_PARSE, "WaitForUpdatesEx returned a version "
				      "longer than %zu bytes.", n);
		} else {
			memmove(version_out, version.buf, version.len + 1);
			ret = total;
		}
	}
	vs_sax_page_free(sp);
	strbuf_done(&sb);
	strbuf_done(&version);
	strbuf_done(&scratch);
	return ret;
}
