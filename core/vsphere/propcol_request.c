/* propcol_request: PropertyCollector request bodies, simple calls (views, cancel) and the
 * transport seam unit tests and fuzzers serve canned responses through. */
#include "vsphere/propcol_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- transport (with a seam for unit tests) ---- */

static const vs_propcol_transport *transport;

void vs_propcol_set_transport(const vs_propcol_transport *t)
{
	transport = t;
}

int vs_pc_call(vs_conn *c, const char *body, vs_response_fn fn, void *ctx, vs_error *err)
{
	if (transport)
		return transport->call(c, body, fn, ctx, err);
	return vs_soap_call(c, body, fn, ctx, err);
}

const vs_propcol_transport *vs_pc_seam(void)
{
	return transport;
}

const vs_service_content *vs_propcol_content(vs_conn *c)
{
	if (transport)
		return transport->content(c);
	return vs_session_content(vs_conn_session(c));
}

/* Copies the element's text into out (n bytes); -1 when malformed or too long. */
static int text_into(xmlTextReaderPtr r, strbuf *scratch, char *out, size_t n)
{
	const char *t = vs_xml_text_buf(r, scratch);
	if (!t || strlen(t) >= n)
		return -1;
	memcpy(out, t, strlen(t) + 1);
	return 0;
}

int vs_pc_malformed(vs_error *err, const char *method)
{
	return vs_fail(err, VS_ERR_PARSE, "The response to %s is not what the vSphere API "
		       "promises (malformed or truncated XML).", method);
}

/* ---- request bodies ---- */

void vs_pc_begin_method(strbuf *sb, const char *method, const char *this_type,
			 const char *this_moref)
{
	strbuf_addf(sb, "<%s xmlns=\"urn:vim25\">", method);
	vs_soap_add_moref(sb, "_this", this_type, this_moref);
}

/* PropertyFilterSpec content; traverse_path NULL: the root object itself. Element order is
 * the WSDL's: vCenter's deserializer is strict about it. */
void vs_pc_filter_spec(strbuf *sb, const char *root_type, const char *root_moref,
			    const char *traverse_path, const char *type,
			    const char *const *paths, size_t n_paths)
{
	vs_prop_spec one = { type, paths, n_paths };
	vs_pc_filter_specs(sb, root_type, root_moref, traverse_path, &one, 1);
}

static void prop_sets(strbuf *sb, const vs_prop_spec *specs, size_t n_specs)
{
	for (size_t s = 0; s < n_specs; s++) {
		strbuf_adds(sb, "<propSet>");
		vs_soap_add_text(sb, "type", specs[s].type);
		for (size_t i = 0; i < specs[s].n_paths; i++)
			vs_soap_add_text(sb, "pathSet", specs[s].paths[i]);
		strbuf_adds(sb, "</propSet>");
	}
}

void vs_pc_filter_specs(strbuf *sb, const char *root_type, const char *root_moref,
			const char *traverse_path, const vs_prop_spec *specs, size_t n_specs)
{
	prop_sets(sb, specs, n_specs);
	strbuf_adds(sb, "<objectSet>");
	vs_soap_add_moref(sb, "obj", root_type, root_moref);
	if (traverse_path) {
		strbuf_adds(sb, "<skip>true</skip><selectSet xmlns:xsi=\"" VS_PC_XSI_NS
			    "\" xsi:type=\"TraversalSpec\"><name>traverse</name>");
		vs_soap_add_text(sb, "type", root_type);
		vs_soap_add_text(sb, "path", traverse_path);
		strbuf_adds(sb, "<skip>false</skip></selectSet>");
	} else {
		strbuf_adds(sb, "<skip>false</skip>");
	}
	strbuf_adds(sb, "</objectSet>");
}

/* ---- simple calls: a moref in, maybe a moref out ---- */

typedef struct {
	char *out;
	size_t n;
	const char *method;
	strbuf scratch;
} moref_result;

static int on_moref_result(xmlTextReaderPtr r, void *ctx, vs_error *err)
{
	moref_result *m = ctx;
	if (vs_pc_find_returnval(r) != 1 || text_into(r, &m->scratch, m->out, m->n) < 0 || !m->out[0])
		return vs_pc_malformed(err, m->method);
	return 0;
}

/* Calls a method whose body is ready in sb; with out, expects a moref back. */
int vs_pc_simple_call(vs_conn *c, strbuf *sb, const char *method, char *out, size_t n,
		       vs_error *err)
{
	strbuf_addf(sb, "</%s>", method);
	moref_result m = { .out = out, .n = n, .method = method };
	strbuf_init(&m.scratch);
	int ret = vs_pc_call(c, sb->buf, out ? on_moref_result : NULL, &m, err);
	strbuf_done(&m.scratch);
	strbuf_done(sb);
	return ret;
}

int vs_view_create(vs_conn *c, const char *type, char *view_out, size_t n, vs_error *err)
{
	return vs_view_create_types(c, &type, 1, view_out, n, err);
}

int vs_view_create_types(vs_conn *c, const char *const *types, size_t n_types, char *view_out,
			 size_t n, vs_error *err)
{
	const vs_service_content *sc = vs_propcol_content(c);
	strbuf sb;
	strbuf_init(&sb);
	vs_pc_begin_method(&sb, "CreateContainerView", "ViewManager", sc->view_manager);
	vs_soap_add_moref(&sb, "container", "Folder", sc->root_folder);
	for (size_t i = 0; i < n_types; i++)
		vs_soap_add_text(&sb, "type", types[i]);
	strbuf_adds(&sb, "<recursive>true</recursive>");
	return vs_pc_simple_call(c, &sb, "CreateContainerView", view_out, n, err);
}

int vs_view_destroy(vs_conn *c, const char *view_moref, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	vs_pc_begin_method(&sb, "DestroyView", "ContainerView", view_moref);
	return vs_pc_simple_call(c, &sb, "DestroyView", NULL, 0, err);
}
void vs_pc_continue_body(strbuf *sb, const char *pc, const char *token)
{
	strbuf_reset(sb);
	vs_pc_begin_method(sb, "ContinueRetrievePropertiesEx", "PropertyCollector", pc);
	vs_soap_add_text(sb, "token", token);
	strbuf_adds(sb, "</ContinueRetrievePropertiesEx>");
}
void vs_pc_cancel_retrieve(vs_conn *c, const char *pc, const char *token)
{
	strbuf sb;
	vs_error ignored;
	strbuf_init(&sb);
	vs_pc_begin_method(&sb, "CancelRetrievePropertiesEx", "PropertyCollector", pc);
	vs_soap_add_text(&sb, "token", token);
	vs_error_clear(&ignored);
	vs_pc_simple_call(c, &sb, "CancelRetrievePropertiesEx", NULL, 0, &ignored);
}

void vs_pc_retrieve_body(strbuf *sb, const char *pc, const char *root_type,
			 const char *root_moref, const char *traverse_path, const char *type,
			 const char *const *paths, size_t n_paths, int page_size)
{
	vs_prop_spec one = { type, paths, n_paths };
	vs_pc_retrieve_body_specs(sb, pc, root_type, root_moref, traverse_path, &one, 1, page_size);
}

void vs_pc_retrieve_body_specs(strbuf *sb, const char *pc, const char *root_type,
			       const char *root_moref, const char *traverse_path,
			       const vs_prop_spec *specs, size_t n_specs, int page_size)
{
	strbuf_reset(sb);
	vs_pc_begin_method(sb, "RetrievePropertiesEx", "PropertyCollector", pc);
	strbuf_adds(sb, "<specSet>");
	vs_pc_filter_specs(sb, root_type, root_moref, traverse_path, specs, n_specs);
	strbuf_adds(sb, "</specSet><options>");
	if (page_size > 0)
		strbuf_addf(sb, "<maxObjects>%d</maxObjects>", page_size);
	strbuf_adds(sb, "</options></RetrievePropertiesEx>");
}

/* A filter's content for listed objects: its propSets, then one objectSet per object. */
static void objects_spec(strbuf *sb, const vs_view_filter *f)
{
	prop_sets(sb, f->specs, f->n_specs);
	for (size_t i = 0; i < f->n_objs; i++) {
		strbuf_adds(sb, "<objectSet>");
		vs_soap_add_moref(sb, "obj", f->obj_type, f->objs[i]);
		strbuf_adds(sb, "<skip>false</skip></objectSet>");
	}
	/* An object deleted since it was listed is reported as missing, not a fault for all. */
	strbuf_adds(sb, "<reportMissingObjectsInResults>true</reportMissingObjectsInResults>");
}

void vs_pc_retrieve_body_views(strbuf *sb, const char *pc, const vs_view_filter *filters,
			       size_t n_filters, int page_size)
{
	strbuf_reset(sb);
	vs_pc_begin_method(sb, "RetrievePropertiesEx", "PropertyCollector", pc);
	for (size_t i = 0; i < n_filters; i++) {
		strbuf_adds(sb, "<specSet>");
		if (filters[i].n_objs)
			objects_spec(sb, &filters[i]);
		else
			vs_pc_filter_specs(sb, "ContainerView", filters[i].view_moref, "view",
					   filters[i].specs, filters[i].n_specs);
		strbuf_adds(sb, "</specSet>");
	}
	strbuf_adds(sb, "<options>");
	if (page_size > 0)
		strbuf_addf(sb, "<maxObjects>%d</maxObjects>", page_size);
	strbuf_adds(sb, "</options></RetrievePropertiesEx>");
}
