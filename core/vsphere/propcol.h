/* propcol: the vSphere PropertyCollector, streamed.
 *
 * Reads properties of many objects (a ContainerView over a type) with RetrievePropertiesEx +
 * ContinueRetrievePropertiesEx paging, and follows their changes with a PropertyFilter and
 * WaitForUpdatesEx. No tree is ever built: big results (vs_retrieve_stream) go through the
 * SAX2 push parser as they arrive, value by value as events; small ones (vs_retrieve,
 * vs_retrieve_object, updates) hand each property value to a callback with the libxml2 reader
 * positioned on its <val> element, and the consumer parses it straight from the stream (see the
 * reader of vsphere/xml.h).
 *
 * Callback contract (vs_prop_fn, vs_update_fn): the reader is on the start of <val>. The callback
 * may leave it there, read into the value, or read to its end element; it must not read past
 * </val>. Whatever it leaves, propcol moves on to the next property. A callback returns 0, or -1
 * after filling err, which stops the retrieval (the server side is cancelled) and is returned. */
#ifndef QUIESCENT_VS_PROPCOL_H
#define QUIESCENT_VS_PROPCOL_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/xmlreader.h>

#include "util/strbuf.h"
#include "vsphere/session.h"
#include "vsphere/soap.h"

/* Morefs of session objects (views, filters, collectors) are long in vcsim: "session[uuid]uuid". */
#define VS_MOREF_MAX 128

/* One property value of one object. */
typedef int (*vs_prop_fn)(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
			  vs_error *err);
/* A property the server could not read for this object (missingSet): the fault type
 * ("NoPermission", may be "") and its localized message (may be ""). */
typedef int (*vs_missing_fn)(void *ctx, const char *moref, const char *path, const char *fault,
			     const char *message, vs_error *err);

/* CreateContainerView(rootFolder, [type], recursive). view_out gets the view's moref
 * (VS_MOREF_MAX bytes suffice). Returns 0, or -1 with err. */
int vs_view_create(vs_conn *c, const char *type, char *view_out, size_t n, vs_error *err);
/* The same over several types (their objects come in one view). */
int vs_view_create_types(vs_conn *c, const char *const *types, size_t n_types, char *view_out,
			 size_t n, vs_error *err);
/* DestroyView; best effort callers may ignore the result. */
int vs_view_destroy(vs_conn *c, const char *view_moref, vs_error *err);

/* Properties `paths` of every `type` object in the ContainerView, page_size objects per
 * response (maxObjects; <= 0: server default). on_missing may be NULL (missing entries are then
 * ignored). Objects come in server order, each object's properties together. Returns 0 or -1. */
int vs_retrieve(vs_conn *c, const char *view_moref, const char *type, const char *const *paths,
		size_t n_paths, int page_size, vs_prop_fn on_prop, vs_missing_fn on_missing,
		void *ctx, vs_error *err);

/* vs_retrieve for big inventories, parsed as the bytes arrive: libxml2's SAX2 push parser is
 * fed from libcurl's write callback, so parsing overlaps the transfer, and nothing of a page
 * is kept once parsed (no tree). Each value goes to the sink as events (vs_val_sink); the next
 * page is asked for on a second connection as soon as a page's <token> is read, and lands
 * there whole while this one is parsed (it is then parsed in one pass by the same handler). Same hostile-input rules as the reader (no DTD, no entities, NONET, depth
 * bound), same faults, same cancel of the rest on failure, same requests as vs_retrieve. */
typedef struct {
	/* A value of prop of moref (of obj_type, "" when the server did not say) begins: 1 to get
	 * its events, 0 to skip it, -1 with err. */
	int (*begin)(void *ctx, const char *obj_type, const char *moref, const char *prop,
		     vs_error *err);
	/* Inside a value: depth 0 is <val> itself; xsi_type without its prefix, "" when none;
	 * text belongs to the innermost open element and may come in several pieces. */
	void (*start)(void *ctx, int depth, const char *name, const char *xsi_type);
	void (*text)(void *ctx, const char *s, size_t len);
	void (*end)(void *ctx, int depth, const char *name);
	/* The value ended (after end of depth 0): 0, or -1 with err (stops the retrieval). */
	int (*finish)(void *ctx, vs_error *err);
	/* The XML broke inside a begun value: forget it. */
	void (*abort)(void *ctx);
	vs_missing_fn on_missing;          /* may be NULL */
	/* Instead of on_missing when set: the same with the object's type. */
	int (*on_missing_typed)(void *ctx, const char *obj_type, const char *moref,
				const char *path, const char *fault, const char *message,
				vs_error *err);
} vs_val_sink;
/* The properties to read of one object type. */
typedef struct {
	const char *type;
	const char *const *paths;
	size_t n_paths;
} vs_prop_spec;
/* One PropertyFilterSpec: the objects of a ContainerView, with one propSet per spec; or, with
 * n_objs, the objects listed (objs[], all of type obj_type) and no view (view_moref unused). */
typedef struct {
	const char *view_moref;
	const vs_prop_spec *specs;
	size_t n_specs;
	const char *obj_type;
	const char *const *objs;
	size_t n_objs;
} vs_view_filter;
/* Every filter's objects in one result; servers answer the filters in order (objects the
 * consumer needs first go in the first filter). fetch_ahead: the next page is asked for on a
 * second connection as soon as a page's token is read (one retrieval alone: the server works
 * while the client parses); without it each page is asked for when the last one is parsed
 * and no page is ever held whole (several retrievals at once already keep the server busy). */
int vs_retrieve_stream(vs_conn *c, const vs_view_filter *filters, size_t n_filters,
		       int page_size, bool fetch_ahead, const vs_val_sink *sink, void *ctx,
		       vs_error *err);

/* Same over the objects found by following `traverse_path` of one root object, e.g. root
 * "TaskManager"/"TaskManager", path "recentTask", type "Task". */
int vs_retrieve_traverse(vs_conn *c, const char *root_type, const char *root_moref,
			 const char *traverse_path, const char *type, const char *const *paths,
			 size_t n_paths, int page_size, vs_prop_fn on_prop, vs_missing_fn on_missing,
			 void *ctx, vs_error *err);

/* Properties of one object. A property the server reports missing fails the call
 * (VS_ERR_FAULT, fault type and message of the missingSet entry); an unset property is simply
 * not reported. A moref that does not exist fails with the server's ManagedObjectNotFound. */
int vs_retrieve_object(vs_conn *c, const char *type, const char *moref, const char *const *paths,
		       size_t n_paths, vs_prop_fn on_prop, void *ctx, vs_error *err);

/* ---- live changes ---- */

typedef enum { VS_OBJ_ENTER, VS_OBJ_MODIFY, VS_OBJ_LEAVE } vs_obj_kind;
typedef enum { VS_OP_ASSIGN, VS_OP_ADD, VS_OP_REMOVE, VS_OP_INDIRECT_REMOVE } vs_change_op;

/* Called once per objectSet with prop == NULL and val == NULL (the object entered, changed or
 * left), then once per changeSet entry: prop is the property path, val the new value, or NULL
 * when the property became unset or was removed. */
typedef int (*vs_update_fn)(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
			    vs_change_op op, xmlTextReaderPtr val, vs_error *err);

/* A watch: its own PropertyCollector (so other waiters on the session's collector never steal
 * or reorder its versions) holding one PropertyFilter. Embedded, filled by vs_updates_create. */
typedef struct {
	char collector[VS_MOREF_MAX];
	char filter[VS_MOREF_MAX];
	int max_object_updates; /* WaitOptions.maxObjectUpdates, 0: server default (caller may set) */
} vs_updates;

/* CreatePropertyCollector + CreateFilter(partialUpdates=false) over the view: each change
 * carries the property's whole value, so one mapping serves retrieve and updates. */
int vs_updates_create(vs_conn *c, const char *view_moref, const char *type,
		      const char *const *paths, size_t n_paths, vs_updates *u, vs_error *err);
/* The same over several object types of the view. */
int vs_updates_create_specs(vs_conn *c, const char *view_moref, const vs_prop_spec *specs,
			    size_t n_specs, vs_updates *u, vs_error *err);
/* DestroyPropertyFilter + DestroyPropertyCollector. Returns 0 or -1 (first failure). */
int vs_updates_destroy(vs_conn *c, vs_updates *u, vs_error *err);
/* CancelWaitForUpdates, from another thread's conn: the waiter fails with RequestCanceled. */
int vs_updates_cancel(vs_conn *c, const vs_updates *u, vs_error *err);

/* WaitForUpdatesEx from version_in ("" first: the full current state arrives as "enter").
 * max_wait_s < 0 waits without bound (mind the session's request timeout), 0 returns at once.
 * Truncated update sets are followed to the end before returning. version_out (may alias
 * version_in) gets the version to pass next; unchanged when the wait timed out with nothing.
 * on_missing may be NULL. Returns the number of objectSets delivered (>= 0), or -1. */
int vs_wait_updates(vs_conn *c, const vs_updates *u, const char *version_in, char *version_out,
		    size_t n, int max_wait_s, vs_update_fn on_change, vs_missing_fn on_missing,
		    void *ctx, vs_error *err);

/* vs_wait_updates parsed with the SAX2 push parser as the bytes arrive (the first answer is
 * the whole inventory as "enter", the big one). object: once per objectSet, before its
 * changes (what on_change gets with prop NULL). change: once per changeSet entry, with
 * has_val false when it carries no value, or true when its <val> begins: return 1 to get the
 * value's events through val's start/text/end/finish/abort (val.begin is not used), 0 to skip
 * it. Missing properties go to val.on_missing (may be NULL). Results and requests as
 * vs_wait_updates. */
typedef struct {
	int (*object)(void *ctx, const char *obj_type, const char *moref, vs_obj_kind kind,
		      vs_error *err);
	int (*change)(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		      vs_change_op op, bool has_val, vs_error *err);
	vs_val_sink val;
} vs_update_sink;
int vs_wait_updates_stream(vs_conn *c, const vs_updates *u, const char *version_in,
			   char *version_out, size_t n, int max_wait_s, const vs_update_sink *sink,
			   void *ctx, vs_error *err);

/* The ServiceContent morefs of the conn's session (through the test seam below). */
const vs_service_content *vs_propcol_content(vs_conn *c);

/* Test seam: unit tests serve canned responses instead of a server. NULL restores the real
 * transport. Not thread-safe: set it before any call. */
typedef struct {
	int (*call)(vs_conn *c, const char *body, vs_response_fn on_response, void *ctx,
		    vs_error *err);
	const vs_service_content *(*content)(vs_conn *c);
	/* For vs_retrieve_stream: the HTTP 200 body of the request in resp (reset first), or -1
	 * with err (a fault, as call). propcol feeds it to the push parser in small pieces. */
	int (*fetch)(vs_conn *c, const char *body, strbuf *resp, vs_error *err);
} vs_propcol_transport;
void vs_propcol_set_transport(const vs_propcol_transport *t);

#endif
