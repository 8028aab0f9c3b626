/* propcol_internal: what the propcol modules share (nothing outside core/vsphere/propcol*.c
 * includes this). propcol_request.c builds request bodies and owns the test seam;
 * propcol_reader.c holds the envelope pieces of the responses read with the streaming reader
 * (vsphere/xml.h); propcol_retrieve.c parses small responses with it; propcol_sax.c parses inventory pages with
 * the SAX2 push parser; propcol_pages.c pages through them; propcol_updates.c follows changes. */
#ifndef QUIESCENT_VS_PROPCOL_INTERNAL_H
#define QUIESCENT_VS_PROPCOL_INTERNAL_H

#include "vsphere/propcol.h"

#define VS_PC_XSI_NS VS_XSI_NS

/* The call through the test seam when one is set, else vs_soap_call. */
int vs_pc_call(vs_conn *c, const char *body, vs_response_fn fn, void *ctx, vs_error *err);
/* The seam's raw response for body (HTTP 200 bytes into resp); NULL when no seam is set. */
const vs_propcol_transport *vs_pc_seam(void);

/* Request bodies. Element order is the WSDL's: vCenter's deserializer is strict about it. */
void vs_pc_begin_method(strbuf *sb, const char *method, const char *this_type,
			const char *this_moref);
/* PropertyFilterSpec content; traverse_path NULL: the root object itself. */
void vs_pc_filter_spec(strbuf *sb, const char *root_type, const char *root_moref,
		       const char *traverse_path, const char *type, const char *const *paths,
		       size_t n_paths);
/* The same with one propSet per spec (several object types in one filter). */
void vs_pc_filter_specs(strbuf *sb, const char *root_type, const char *root_moref,
			const char *traverse_path, const vs_prop_spec *specs, size_t n_specs);
/* The whole RetrievePropertiesEx body (page_size <= 0: the server's default). */
void vs_pc_retrieve_body(strbuf *sb, const char *pc, const char *root_type,
			 const char *root_moref, const char *traverse_path, const char *type,
			 const char *const *paths, size_t n_paths, int page_size);
void vs_pc_retrieve_body_specs(strbuf *sb, const char *pc, const char *root_type,
			       const char *root_moref, const char *traverse_path,
			       const vs_prop_spec *specs, size_t n_specs, int page_size);
/* RetrievePropertiesEx with one PropertyFilterSpec per view filter. */
void vs_pc_retrieve_body_views(strbuf *sb, const char *pc, const vs_view_filter *filters,
			       size_t n_filters, int page_size);
void vs_pc_continue_body(strbuf *sb, const char *pc, const char *token);

/* Closes the method in sb and calls it; with out, expects a moref back. Frees sb. */
int vs_pc_simple_call(vs_conn *c, strbuf *sb, const char *method, char *out, size_t n,
		      vs_error *err);
/* CancelRetrievePropertiesEx for the rest of a result (best effort). */
void vs_pc_cancel_retrieve(vs_conn *c, const char *pc, const char *token);

int vs_pc_malformed(vs_error *err, const char *method);

/* ObjectUpdate's kind and PropertyChange's op as the API spells them: 0, or -1 when the word
 * is none of them (propcol_updates.c; both update parsers read them). */
int vs_pc_parse_kind(const char *s, vs_obj_kind *k);
int vs_pc_parse_op(const char *s, vs_change_op *op);

/* Envelope pieces of the reader-parsed responses (propcol_reader.c). */
int vs_pc_find_returnval(xmlTextReaderPtr r);
int vs_pc_deliver_val(vs_xml_iter *it, int (*fn)(void *, xmlTextReaderPtr, vs_error *),
		      void *arg, vs_error *err);
int vs_pc_parse_missing(xmlTextReaderPtr r, strbuf *path, char *fault, size_t n_fault,
			strbuf *message, strbuf *scratch);

/* A page parser (propcol_sax.c): one per retrieval, begun again for every page. on_token
 * (may be NULL) hears the page's token as soon as it is read, for fetching ahead. */
typedef struct vs_sax_page vs_sax_page;
vs_sax_page *vs_sax_page_new(const vs_val_sink *sink, void *ctx,
			     void (*on_token)(void *arg, const char *token), void *token_arg);
int vs_sax_page_begin(vs_sax_page *p, const char *method, vs_error *err);
/* 0, or -1 with err: malformed XML, refused input, or the sink's own failure. */
int vs_sax_page_feed(vs_sax_page *p, const char *data, size_t len, vs_error *err);
/* A whole response already in memory (a page fetched ahead), parsed in one pass instead of
 * fed: the same handler, options and checks as feed + finish, without the push parser's
 * re-scans for the end of every tag and text. page is emptied (its memory freed) as soon as
 * libxml2 holds its own copy. 0, or -1 with err. Call after begin. */
int vs_sax_page_parse_whole(vs_sax_page *p, strbuf *page, vs_error *err);
/* The response is complete: 0, or -1 with err when it was truncated or broken. */
int vs_sax_page_finish(vs_sax_page *p, vs_error *err);
/* The same parser for WaitForUpdatesEx responses, and what one said (false: it had no
 * returnval, the wait timed out; n_objects counts since the last begin). */
vs_sax_page *vs_sax_updates_new(const vs_update_sink *sink, void *ctx);
bool vs_sax_updates_result(const vs_sax_page *p, const char **version, bool *truncated,
			   int *n_objects);
/* The page's token ("" when it was the last page; NULL when nothing of it was parsed). */
const char *vs_sax_page_token(const vs_sax_page *p);
void vs_sax_page_free(vs_sax_page *p);

#endif
