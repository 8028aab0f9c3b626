#include "vsphere/propcol.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timing.h"
#include "util/xalloc.h"

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* ---- transport (with a seam for unit tests) ---- */

static const vs_propcol_transport *transport;

void vs_propcol_set_transport(const vs_propcol_transport *t)
{
	transport = t;
}

static int call(vs_conn *c, const char *body, vs_response_fn fn, void *ctx, vs_error *err)
{
	if (transport)
		return transport->call(c, body, fn, ctx, err);
	return vs_soap_call(c, body, fn, ctx, err);
}

const vs_service_content *vs_propcol_content(vs_conn *c)
{
	if (transport)
		return transport->content(c);
	return vs_session_content(vs_conn_session(c));
}

/* ---- streaming helpers ---- */

void vs_rd_iter_init(vs_rd_iter *it, xmlTextReaderPtr r)
{
	it->r = r;
	it->depth = xmlTextReaderDepth(r);
	it->done = xmlTextReaderIsEmptyElement(r) == 1;
	it->moved = false;
	it->failed = false;
}

int vs_rd_iter_next(vs_rd_iter *it)
{
	if (it->failed)
		return -1;
	if (it->done)
		return 0;
	for (;;) {
		int ret = it->moved ? 1 : xmlTextReaderRead(it->r);
		it->moved = false;
		if (ret != 1) {
			it->failed = true; /* EOF inside an element is malformed too */
			return -1;
		}
		int type = xmlTextReaderNodeType(it->r);
		int depth = xmlTextReaderDepth(it->r);
		if (type == XML_READER_TYPE_END_ELEMENT && depth <= it->depth) {
			it->done = true;
			return 0;
		}
		/* Deeper nodes are what a child's parser left unread: pass over them. */
		if (type == XML_READER_TYPE_ELEMENT && depth == it->depth + 1)
			return 1;
	}
}

void vs_rd_iter_skip(vs_rd_iter *it)
{
	int ret = xmlTextReaderNext(it->r);
	if (ret == 1)
		it->moved = true;
	else
		it->failed = true; /* EOF or bad XML inside the parent: reported by _next */
}

const char *vs_rd_text(xmlTextReaderPtr r, strbuf *sb)
{
	strbuf_reset(sb);
	if (xmlTextReaderIsEmptyElement(r) == 1)
		return sb->buf;
	int depth = xmlTextReaderDepth(r);
	while (xmlTextReaderRead(r) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r) == depth)
			return sb->buf;
		if ((type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
		     type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		     type == XML_READER_TYPE_WHITESPACE) && xmlTextReaderDepth(r) == depth + 1) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			if (v)
				strbuf_adds(sb, v);
		}
	}
	return NULL;
}

bool vs_rd_is(xmlTextReaderPtr r, const char *name)
{
	const char *n = (const char *)xmlTextReaderConstLocalName(r);
	return n && strcmp(n, name) == 0;
}

const char *vs_rd_xsi_type(xmlTextReaderPtr r, char *buf, size_t n)
{
	buf[0] = '\0';
	if (xmlTextReaderMoveToAttributeNs(r, BAD_CAST "type", BAD_CAST XSI_NS) != 1)
		return buf;
	const char *v = (const char *)xmlTextReaderConstValue(r);
	if (v) {
		const char *colon = strchr(v, ':');
		snprintf(buf, n, "%s", colon ? colon + 1 : v);
	}
	xmlTextReaderMoveToElement(r);
	return buf;
}

/* Copies the element's text into out (n bytes); -1 when malformed or too long. */
static int text_into(xmlTextReaderPtr r, strbuf *scratch, char *out, size_t n)
{
	const char *t = vs_rd_text(r, scratch);
	if (!t || strlen(t) >= n)
		return -1;
	memcpy(out, t, strlen(t) + 1);
	return 0;
}

static int malformed(vs_error *err, const char *method)
{
	return vs_fail(err, VS_ERR_PARSE, "The response to %s is not what the vSphere API "
		       "promises (malformed or truncated XML).", method);
}

/* Moves to the <returnval> of a response: 1 found, 0 the response has none, -1 bad XML. */
static int find_returnval(xmlTextReaderPtr r)
{
	int ret;
	while ((ret = xmlTextReaderRead(r)) == 1) {
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && vs_rd_is(r, "returnval"))
			return 1;
	}
	return ret;
}

/* ---- request bodies ---- */

static void add_moref(strbuf *sb, const char *elem, const char *type, const char *value)
{
	strbuf_addf(sb, "<%s type=\"", elem);
	strbuf_add_xml(sb, type);
	strbuf_adds(sb, "\">");
	strbuf_add_xml(sb, value);
	strbuf_addf(sb, "</%s>", elem);
}

static void add_text(strbuf *sb, const char *elem, const char *value)
{
	strbuf_addf(sb, "<%s>", elem);
	strbuf_add_xml(sb, value);
	strbuf_addf(sb, "</%s>", elem);
}

static void begin_method(strbuf *sb, const char *method, const char *this_type,
			 const char *this_moref)
{
	strbuf_addf(sb, "<%s xmlns=\"urn:vim25\">", method);
	add_moref(sb, "_this", this_type, this_moref);
}

/* PropertyFilterSpec content; traverse_path NULL: the root object itself. Element order is
 * the WSDL's: vCenter's deserializer is strict about it. */
static void add_filter_spec(strbuf *sb, const char *root_type, const char *root_moref,
			    const char *traverse_path, const char *type,
			    const char *const *paths, size_t n_paths)
{
	strbuf_adds(sb, "<propSet>");
	add_text(sb, "type", type);
	for (size_t i = 0; i < n_paths; i++)
		add_text(sb, "pathSet", paths[i]);
	strbuf_adds(sb, "</propSet><objectSet>");
	add_moref(sb, "obj", root_type, root_moref);
	if (traverse_path) {
		strbuf_adds(sb, "<skip>true</skip><selectSet xmlns:xsi=\"" XSI_NS
			    "\" xsi:type=\"TraversalSpec\"><name>traverse</name>");
		add_text(sb, "type", root_type);
		add_text(sb, "path", traverse_path);
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
	if (find_returnval(r) != 1 || text_into(r, &m->scratch, m->out, m->n) < 0 || !m->out[0])
		return malformed(err, m->method);
	return 0;
}

/* Calls a method whose body is ready in sb; with out, expects a moref back. */
static int simple_call(vs_conn *c, strbuf *sb, const char *method, char *out, size_t n,
		       vs_error *err)
{
	strbuf_addf(sb, "</%s>", method);
	moref_result m = { .out = out, .n = n, .method = method };
	strbuf_init(&m.scratch);
	int ret = call(c, sb->buf, out ? on_moref_result : NULL, &m, err);
	strbuf_done(&m.scratch);
	strbuf_done(sb);
	return ret;
}

int vs_view_create(vs_conn *c, const char *type, char *view_out, size_t n, vs_error *err)
{
	const vs_service_content *sc = vs_propcol_content(c);
	strbuf sb;
	strbuf_init(&sb);
	begin_method(&sb, "CreateContainerView", "ViewManager", sc->view_manager);
	add_moref(&sb, "container", "Folder", sc->root_folder);
	add_text(&sb, "type", type);
	strbuf_adds(&sb, "<recursive>true</recursive>");
	return simple_call(c, &sb, "CreateContainerView", view_out, n, err);
}

int vs_view_destroy(vs_conn *c, const char *view_moref, vs_error *err)
{
	strbuf sb;
	strbuf_init(&sb);
	begin_method(&sb, "DestroyView", "ContainerView", view_moref);
	return simple_call(c, &sb, "DestroyView", NULL, 0, err);
}

/* ---- RetrievePropertiesEx ---- */

/* The next page, fetched on a second connection while the current one is parsed: a page's
 * <token> comes before its <objects>, so ContinueRetrievePropertiesEx can go out as soon as
 * the token is read. Only an optimisation: a fetch that gets anything but HTTP 200 is thrown
 * away and the call made the ordinary way (re-login, fault decoding). */
typedef struct {
	vs_conn *main;     /* the retrieval's connection (its session) */
	vs_conn *conn;     /* the second connection, created on first use */
	const char *pc;
	bool enabled, failed;
	bool running;      /* thread started, not joined */
	pthread_t thread;
	strbuf body;       /* the request */
	strbuf token;      /* the token it continues */
	strbuf resp;
	long status;
	int rc;
	vs_error err;
} prefetch;

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
	size_t n_objects;
	prefetch *pf;     /* NULL: no fetching ahead */
	bool track;       /* keep first and last (vs_retrieve_pages) */
	strbuf first;     /* the first moref handed to the consumer, "" before */
	strbuf last;      /* the latest one */
} retrieve_ctx;

/* A callback is about to get a value of rc->moref. */
static void note_moref(retrieve_ctx *rc)
{
	if (!rc->track || (rc->last.len == rc->moref.len && !strcmp(rc->last.buf, rc->moref.buf)))
		return;
	if (!rc->first.len)
		strbuf_adds(&rc->first, rc->moref.buf);
	strbuf_reset(&rc->last);
	strbuf_adds(&rc->last, rc->moref.buf);
}

static void continue_body(strbuf *sb, const char *pc, const char *token)
{
	strbuf_reset(sb);
	begin_method(sb, "ContinueRetrievePropertiesEx", "PropertyCollector", pc);
	add_text(sb, "token", token);
	strbuf_adds(sb, "</ContinueRetrievePropertiesEx>");
}

static void *prefetch_run(void *arg)
{
	prefetch *pf = arg;
	pf->rc = vs_soap_fetch(pf->conn, pf->body.buf, &pf->status, &pf->resp, &pf->err);
	return NULL;
}

static void prefetch_start(prefetch *pf, const char *token)
{
	if (!pf->enabled || pf->failed || pf->running)
		return;
	if (!pf->conn) {
		vs_error ignored;
		vs_error_clear(&ignored);
		pf->conn = vs_conn_new(vs_conn_session(pf->main), &ignored);
		if (!pf->conn) {
			pf->failed = true;
			return;
		}
	}
	continue_body(&pf->body, pf->pc, token);
	strbuf_reset(&pf->token);
	strbuf_adds(&pf->token, token);
	vs_error_clear(&pf->err);
	pf->status = 0;
	pf->rc = -1;
	if (pthread_create(&pf->thread, NULL, prefetch_run, pf) != 0) {
		pf->failed = true;
		return;
	}
	pf->running = true;
}

/* Waits for the fetch; true when it holds the 200 answer for `token` (moved into out). */
static bool prefetch_take(prefetch *pf, const char *token, strbuf *out)
{
	if (!pf->running)
		return false;
	pthread_join(pf->thread, NULL);
	pf->running = false;
	if (pf->rc < 0 || pf->status != 200 || strcmp(pf->token.buf, token) != 0) {
		pf->failed = true; /* something is off: no more fetching ahead */
		return false;
	}
	strbuf tmp = *out;
	*out = pf->resp;
	pf->resp = tmp;
	return true;
}

/* Calls the consumer with the reader on <val>, then makes sure the value is passed over. */
static int deliver_val(vs_rd_iter *it, int (*fn)(void *, xmlTextReaderPtr, vs_error *),
		       void *arg, vs_error *err)
{
	int depth = xmlTextReaderDepth(it->r);
	if (fn(arg, it->r, err) < 0)
		return -1;
	if (xmlTextReaderDepth(it->r) == depth &&
	    xmlTextReaderNodeType(it->r) == XML_READER_TYPE_ELEMENT)
		vs_rd_iter_skip(it); /* untouched: skip it whole */
	return 0;
}

static int call_on_prop(void *arg, xmlTextReaderPtr r, vs_error *err)
{
	retrieve_ctx *rc = arg;
	note_moref(rc);
	return rc->on_prop(rc->ctx, rc->moref.buf, rc->name.buf, r, err);
}

/* missingSet: <path>, <fault><fault xsi:type="NoPermission">..</fault><localizedMessage>..
 * </localizedMessage></fault>. Fills path, fault type and message. */
static int parse_missing(xmlTextReaderPtr r, strbuf *path, char *fault, size_t n_fault,
			 strbuf *message, strbuf *scratch)
{
	vs_rd_iter it;
	vs_rd_iter_init(&it, r);
	strbuf_reset(path);
	strbuf_reset(message);
	fault[0] = '\0';
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		if (vs_rd_is(r, "path")) {
			const char *t = vs_rd_text(r, scratch);
			if (!t)
				return -1;
			strbuf_adds(path, t);
		} else if (vs_rd_is(r, "fault")) {
			vs_rd_iter in;
			vs_rd_iter_init(&in, r);
			while ((ret = vs_rd_iter_next(&in)) == 1) {
				if (vs_rd_is(r, "fault")) {
					vs_rd_xsi_type(r, fault, n_fault);
					vs_rd_iter_skip(&in);
				} else if (vs_rd_is(r, "localizedMessage")) {
					const char *t = vs_rd_text(r, scratch);
					if (!t)
						return -1;
					strbuf_adds(message, t);
				} else {
					vs_rd_iter_skip(&in);
				}
			}
			if (ret < 0)
				return -1;
		} else {
			vs_rd_iter_skip(&it);
		}
	}
	return ret;
}

static int parse_object(xmlTextReaderPtr r, retrieve_ctx *rc, vs_error *err)
{
	vs_rd_iter it;
	vs_rd_iter_init(&it, r);
	strbuf_reset(&rc->moref);
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		if (vs_rd_is(r, "obj")) {
			const char *t = vs_rd_text(r, &rc->scratch);
			if (!t)
				return malformed(err, rc->method);
			strbuf_adds(&rc->moref, t);
		} else if (vs_rd_is(r, "propSet")) {
			if (!rc->moref.len)
				return malformed(err, rc->method); /* obj comes first */
			vs_rd_iter ps;
			vs_rd_iter_init(&ps, r);
			strbuf_reset(&rc->name);
			while ((ret = vs_rd_iter_next(&ps)) == 1) {
				if (vs_rd_is(r, "name")) {
					const char *t = vs_rd_text(r, &rc->scratch);
					if (!t)
						return malformed(err, rc->method);
					strbuf_reset(&rc->name);
					strbuf_adds(&rc->name, t);
				} else if (vs_rd_is(r, "val") && rc->name.len) {
					if (deliver_val(&ps, call_on_prop, rc, err) < 0)
						return -1;
				} else {
					vs_rd_iter_skip(&ps);
				}
			}
			if (ret < 0)
				return malformed(err, rc->method);
		} else if (vs_rd_is(r, "missingSet")) {
			char fault[64];
			if (!rc->moref.len ||
			    parse_missing(r, &rc->name, fault, sizeof fault, &rc->message,
					  &rc->scratch) < 0)
				return malformed(err, rc->method);
			if (rc->on_missing)
				note_moref(rc);
			if (rc->on_missing &&
			    rc->on_missing(rc->ctx, rc->moref.buf, rc->name.buf, fault,
					   rc->message.buf, err) < 0)
				return -1;
		} else {
			vs_rd_iter_skip(&it);
		}
	}
	if (ret < 0)
		return malformed(err, rc->method);
	rc->n_objects++;
	return 0;
}

static int on_retrieve_page(xmlTextReaderPtr r, void *ctx, vs_error *err)
{
	retrieve_ctx *rc = ctx;
	strbuf_reset(&rc->token);
	int ret = find_returnval(r);
	if (ret == 0)
		return 0; /* no objects at all */
	if (ret < 0)
		return malformed(err, rc->method);
	vs_rd_iter it;
	vs_rd_iter_init(&it, r);
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		if (vs_rd_is(r, "objects")) {
			if (parse_object(r, rc, err) < 0)
				return -1;
		} else if (vs_rd_is(r, "token")) {
			const char *t = vs_rd_text(r, &rc->scratch);
			if (!t)
				return malformed(err, rc->method);
			strbuf_adds(&rc->token, t);
			if (rc->pf && *t)
				prefetch_start(rc->pf, t);
		} else {
			vs_rd_iter_skip(&it);
		}
	}
	if (ret < 0)
		return malformed(err, rc->method);
	return 0;
}

static void cancel_retrieve(vs_conn *c, const char *pc, const char *token)
{
	strbuf sb;
	vs_error ignored;
	strbuf_init(&sb);
	begin_method(&sb, "CancelRetrievePropertiesEx", "PropertyCollector", pc);
	add_text(&sb, "token", token);
	vs_error_clear(&ignored);
	simple_call(c, &sb, "CancelRetrievePropertiesEx", NULL, 0, &ignored);
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
	begin_method(&sb, "RetrievePropertiesEx", "PropertyCollector", pc);
	strbuf_adds(&sb, "<specSet>");
	add_filter_spec(&sb, root_type, root_moref, traverse_path, type, paths, n_paths);
	strbuf_adds(&sb, "</specSet><options>");
	if (page_size > 0)
		strbuf_addf(&sb, "<maxObjects>%d</maxObjects>", page_size);
	strbuf_adds(&sb, "</options></RetrievePropertiesEx>");

	prefetch pf = { .main = c, .pc = pc, .enabled = !transport && page_size > 0 };
	strbuf_init(&pf.body);
	strbuf_init(&pf.token);
	strbuf_init(&pf.resp);
	strbuf page;
	strbuf_init(&page);
	rc.pf = &pf;

	int ret = call(c, sb.buf, on_retrieve_page, &rc, err);
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
		continue_body(&sb, pc, rc.token.buf);
		rc.method = "ContinueRetrievePropertiesEx";
		if (prefetch_take(&pf, rc.token.buf, &page))
			ret = vs_soap_handle(c, sb.buf, 200, &page, on_retrieve_page, &rc, err);
		else
			ret = call(c, sb.buf, on_retrieve_page, &rc, err);
	}
	if (pf.running) { /* a page fetched for nothing (the consumer failed): let it land */
		pthread_join(pf.thread, NULL);
		pf.running = false;
	}
	if (pf.conn)
		vs_conn_free(pf.conn);
	strbuf_done(&pf.body);
	strbuf_done(&pf.token);
	strbuf_done(&pf.resp);
	strbuf_done(&page);
	/* A consumer or parse failure mid-way leaves the rest of the result on the server, under
	 * the token the failed page carried: release it (best effort). */
	if (ret < 0 && rc.token.len && err->kind != VS_ERR_NETWORK && err->kind != VS_ERR_CANCELLED)
		cancel_retrieve(c, pc, rc.token.buf);
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

/* ---- RetrievePropertiesEx with pages parsed in parallel ----
 *
 * Threads and what each owns:
 * - the calling thread fetches every page on the caller's connection (one request at a time),
 *   hands each to the parsers and delivers the parsed pages in page order (page_end); it owns
 *   the page list, the connection and everything not parsed;
 * - PAGE_PARSERS parser threads each take a fetched page off the queue and parse it into that
 *   page's own consumer; the page is theirs from the queue until `parsed` is set under mu.
 * Fetching runs ahead of delivery: a page's <token> comes before its <objects>, so the next
 * request goes out as soon as the page is in, without waiting for its parse. That is
 * speculation: the token the full parse reads is what counts, and a page fetched with another
 * token (or whose fetch failed) is thrown away and fetched the ordinary way, so the result is
 * what vs_retrieve gives. A page's first object continuing the previous page's last one (a
 * server cutting an object in two) is parsed again into the previous page's consumer. */

#define PAGE_PARSERS 2
#define PAGE_WINDOW 3     /* pages fetched and not delivered: ~2 MB each at 250 VMs a page */

typedef struct par_page {
	struct par_page *next_queued;
	strbuf resp;          /* the HTTP 200 body */
	const char *method;
	strbuf fetched_with;  /* the token of the request ("" for the first page) */
	strbuf spec_token;    /* the first token in the page's head, "" when none comes first */
	void *consumer;
	/* the parser's until parsed */
	bool parsed;
	int rc;
	vs_error err;
	strbuf token, first, last;
} par_page;

typedef struct {
	const vs_page_sink *sink;
	void *ctx;
	const char *server;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	par_page *queue, **queue_tail;   /* under mu */
	bool stop;                       /* under mu */
} par_shared;

/* Response buffers of delivered pages, kept for the next fetches: a page is ~2 MB, and growing
 * a fresh buffer for each costs page faults and copies on the fetching thread. */
typedef struct {
	strbuf buf[PAGE_WINDOW];
	size_t n;
} spare_bufs;

static void page_free(par_page *p, spare_bufs *spare)
{
	if (spare && spare->n < PAGE_WINDOW)
		spare->buf[spare->n++] = p->resp;
	else
		strbuf_done(&p->resp);
	strbuf_done(&p->fetched_with);
	strbuf_done(&p->spec_token);
	strbuf_done(&p->token);
	strbuf_done(&p->first);
	strbuf_done(&p->last);
	free(p);
}

/* Parses p->resp into consumer as vs_soap_call + on_retrieve_page would. */
static void parse_page(const par_shared *sh, par_page *p, void *consumer)
{
	retrieve_ctx rc = { .on_prop = sh->sink->on_prop, .on_missing = sh->sink->on_missing,
			    .ctx = consumer, .method = p->method, .track = true };
	strbuf_init(&rc.token);
	strbuf_init(&rc.moref);
	strbuf_init(&rc.name);
	strbuf_init(&rc.message);
	strbuf_init(&rc.scratch);
	strbuf_init(&rc.first);
	strbuf_init(&rc.last);
	vs_error_clear(&p->err);
	xmlTextReaderPtr r = vs_xml_reader_new(p->resp.buf, p->resp.len, &p->err);
	p->rc = -1;
	if (r) {
		double t0 = timing_now();
		p->rc = on_retrieve_page(r, &rc, &p->err) < 0 ? -1 : 0;
		timing_add(TIMING_PARSE, timing_now() - t0);
		if (p->rc < 0 && p->err.kind == VS_OK)
			vs_fail(&p->err, VS_ERR_PARSE, "%s on %s: cannot read the response.", p->method,
				sh->server);
		xmlFreeTextReader(r);
	}
	strbuf_done(&p->token);
	strbuf_done(&p->first);
	strbuf_done(&p->last);
	p->token = rc.token;
	p->first = rc.first;
	p->last = rc.last;
	strbuf_done(&rc.moref);
	strbuf_done(&rc.name);
	strbuf_done(&rc.message);
	strbuf_done(&rc.scratch);
}

static void *parser_run(void *arg)
{
	par_shared *sh = arg;
	for (;;) {
		pthread_mutex_lock(&sh->mu);
		while (!sh->queue && !sh->stop)
			pthread_cond_wait(&sh->work, &sh->mu);
		par_page *p = sh->queue;
		if (!p) {
			pthread_mutex_unlock(&sh->mu);
			return NULL;
		}
		sh->queue = p->next_queued;
		if (!sh->queue)
			sh->queue_tail = &sh->queue;
		pthread_mutex_unlock(&sh->mu);
		parse_page(sh, p, p->consumer);
		pthread_mutex_lock(&sh->mu);
		p->parsed = true;
		pthread_cond_broadcast(&sh->done);
		pthread_mutex_unlock(&sh->mu);
	}
}

static void wait_parsed(par_shared *sh, par_page *p)
{
	pthread_mutex_lock(&sh->mu);
	while (!p->parsed)
		pthread_cond_wait(&sh->done, &sh->mu);
	pthread_mutex_unlock(&sh->mu);
}

/* The first <token> of a page when it comes before any <objects> (where vSphere puts it),
 * else "". Reads only the head of the page. */
static void head_token(const strbuf *resp, strbuf *out)
{
	strbuf_reset(out);
	vs_error ignored;
	xmlTextReaderPtr r = vs_xml_reader_new(resp->buf, resp->len, &ignored);
	if (!r)
		return;
	if (find_returnval(r) == 1) {
		vs_rd_iter it;
		vs_rd_iter_init(&it, r);
		strbuf scratch;
		strbuf_init(&scratch);
		while (vs_rd_iter_next(&it) == 1) {
			if (vs_rd_is(r, "objects"))
				break;
			if (vs_rd_is(r, "token")) {
				const char *t = vs_rd_text(r, &scratch);
				if (t)
					strbuf_adds(out, t);
				break;
			}
			vs_rd_iter_skip(&it);
		}
		strbuf_done(&scratch);
	}
	xmlFreeTextReader(r);
}

static void serial_sink_call(vs_conn *c, const char *view_moref, const char *type,
			     const char *const *paths, size_t n_paths, int page_size,
			     const vs_page_sink *sink, void *ctx, int *ret, vs_error *err)
{
	void *consumer = sink->page_begin(ctx);
	*ret = retrieve(c, "ContainerView", view_moref, "view", type, paths, n_paths, page_size,
			sink->on_prop, sink->on_missing, consumer, err);
	if (*ret == 0)
		*ret = sink->page_end(ctx, consumer, err);
	else
		sink->page_drop(ctx, consumer);
}

int vs_retrieve_pages(vs_conn *c, const char *view_moref, const char *type,
		      const char *const *paths, size_t n_paths, int page_size,
		      const vs_page_sink *sink, void *ctx, vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	vs_error_clear(err);
	int ret;
	if (transport || page_size <= 0) { /* unit tests, or one answer: nothing to overlap */
		serial_sink_call(c, view_moref, type, paths, n_paths, page_size, sink, ctx, &ret, err);
		return ret;
	}
	const char *pc = vs_propcol_content(c)->property_collector;
	par_shared sh = { .sink = sink, .ctx = ctx, .server = vs_session_server(vs_conn_session(c)) };
	sh.queue_tail = &sh.queue;
	pthread_mutex_init(&sh.mu, NULL);
	pthread_cond_init(&sh.work, NULL);
	pthread_cond_init(&sh.done, NULL);
	xmlInitParser(); /* before any thread parses: libxml2's global set-up is not thread-safe */
	pthread_t threads[PAGE_PARSERS];
	int n_threads = 0;
	while (n_threads < PAGE_PARSERS &&
	       pthread_create(&threads[n_threads], NULL, parser_run, &sh) == 0)
		n_threads++;

	strbuf body;
	strbuf_init(&body);
	begin_method(&body, "RetrievePropertiesEx", "PropertyCollector", pc);
	strbuf_adds(&body, "<specSet>");
	add_filter_spec(&body, "ContainerView", view_moref, "view", type, paths, n_paths);
	strbuf_addf(&body, "</specSet><options><maxObjects>%d</maxObjects></options>"
		    "</RetrievePropertiesEx>", page_size);

	par_page *win[PAGE_WINDOW];  /* fetched, not delivered, in page order */
	size_t n_win = 0;
	bool want = true, speculative = false;
	const char *method = "RetrievePropertiesEx";
	strbuf next_token, prev_token, cancel_token;  /* prev_token: of the last delivered page */
	strbuf_init(&next_token);
	strbuf_init(&prev_token);
	strbuf_init(&cancel_token);
	void *pending = NULL;      /* delivered-to consumer whose last object may go on */
	strbuf pending_last;
	strbuf_init(&pending_last);
	ret = 0;
	bool finished = false;
	spare_bufs spare = { .n = 0 };

	while (!finished && ret == 0) {
		if (want && n_win < PAGE_WINDOW) {
			par_page *p = xcalloc(1, sizeof *p);
			if (spare.n)
				p->resp = spare.buf[--spare.n];
			else
				strbuf_init(&p->resp);
			strbuf_init(&p->fetched_with);
			strbuf_init(&p->spec_token);
			strbuf_init(&p->token);
			strbuf_init(&p->first);
			strbuf_init(&p->last);
			p->method = method;
			strbuf_adds(&p->fetched_with, next_token.buf);
			if (!speculative) {
				if (vs_soap_call_raw(c, body.buf, &p->resp, err) < 0) {
					page_free(p, &spare);
					ret = -1; /* everything before is delivered: as vs_retrieve */
					break;
				}
			} else {
				long status = 0;
				vs_error ignored;
				if (vs_soap_fetch(c, body.buf, &status, &p->resp, &ignored) < 0 ||
				    status != 200) {
					page_free(p, &spare); /* fetched again the ordinary way once due */
					want = false;
					continue;
				}
			}
			if (!next_token.len)
				timing_mark("first page in"); /* before it: the server's time alone */
			head_token(&p->resp, &p->spec_token);
			p->consumer = sink->page_begin(ctx);
			win[n_win++] = p;
			if (n_threads) {
				pthread_mutex_lock(&sh.mu);
				*sh.queue_tail = p;
				sh.queue_tail = &p->next_queued;
				pthread_cond_signal(&sh.work);
				pthread_mutex_unlock(&sh.mu);
			} else {
				parse_page(&sh, p, p->consumer);
				p->parsed = true;
			}
			/* Ask for the next page now, on the strength of the head's token. */
			want = p->spec_token.len && strcmp(p->spec_token.buf, next_token.buf) != 0;
			if (want) {
				strbuf_reset(&next_token);
				strbuf_adds(&next_token, p->spec_token.buf);
				continue_body(&body, pc, next_token.buf);
				method = "ContinueRetrievePropertiesEx";
				speculative = true;
			}
			continue;
		}
		if (!n_win) { /* nothing in flight and nothing to fetch: cannot happen; be safe */
			ret = vs_fail(err, VS_ERR_PARSE, "%s on %s: cannot read the response.",
				      method, sh.server);
			break;
		}

		/* Deliver the oldest page. */
		par_page *p = win[0];
		wait_parsed(&sh, p);
		memmove(win, win + 1, --n_win * sizeof *win);
		if (p->rc == 0 && p->first.len && pending &&
		    strcmp(p->first.buf, pending_last.buf) == 0) {
			/* Its first object goes on from the previous page: parse it again there. */
			sink->page_drop(ctx, p->consumer);
			p->consumer = NULL;
			parse_page(&sh, p, pending);
		}
		strbuf_reset(&cancel_token);
		strbuf_adds(&cancel_token, p->token.buf);
		if (p->rc < 0) {
			*err = p->err;
			if (p->consumer)
				sink->page_drop(ctx, p->consumer);
			page_free(p, &spare);
			ret = -1;
			break;
		}
		if (p->consumer && p->first.len) {
			if (pending && sink->page_end(ctx, pending, err) < 0) {
				pending = NULL;
				sink->page_drop(ctx, p->consumer);
				page_free(p, &spare);
				ret = -1;
				break;
			}
			pending = p->consumer;
		} else if (p->consumer) {
			sink->page_drop(ctx, p->consumer); /* nothing in it */
		}
		if (p->last.len) {
			strbuf_reset(&pending_last);
			strbuf_adds(&pending_last, p->last.buf);
		}
		if (!p->token.len) {
			finished = true;
		} else if (strcmp(prev_token.buf, p->token.buf) == 0) { /* a server looping */
			ret = vs_fail(err, VS_ERR_PARSE, "ContinueRetrievePropertiesEx returned its "
				      "token \"%s\" again.", p->token.buf);
		} else if (!n_win || strcmp(win[0]->fetched_with.buf, p->token.buf) != 0) {
			/* Nothing fetched for the real token: drop what was, fetch it plainly. */
			for (size_t i = 0; i < n_win; i++) {
				wait_parsed(&sh, win[i]);
				sink->page_drop(ctx, win[i]->consumer);
				page_free(win[i], &spare);
			}
			n_win = 0;
			strbuf_reset(&next_token);
			strbuf_adds(&next_token, p->token.buf);
			continue_body(&body, pc, next_token.buf);
			method = "ContinueRetrievePropertiesEx";
			speculative = false;
			want = true;
		}
		strbuf_reset(&prev_token);
		strbuf_adds(&prev_token, p->token.buf);
		page_free(p, &spare);
	}
	if (ret == 0 && pending) {
		ret = sink->page_end(ctx, pending, err);
		pending = NULL;
	}
	for (size_t i = 0; i < n_win; i++) { /* after a failure: let the parsers finish */
		wait_parsed(&sh, win[i]);
		sink->page_drop(ctx, win[i]->consumer);
		page_free(win[i], &spare);
	}
	if (pending)
		sink->page_drop(ctx, pending);
	pthread_mutex_lock(&sh.mu);
	sh.stop = true;
	pthread_cond_broadcast(&sh.work);
	pthread_mutex_unlock(&sh.mu);
	for (int i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&sh.mu);
	pthread_cond_destroy(&sh.work);
	pthread_cond_destroy(&sh.done);
	/* As vs_retrieve: release the rest of the result on the server (best effort). */
	if (ret < 0 && cancel_token.len && err->kind != VS_ERR_NETWORK &&
	    err->kind != VS_ERR_CANCELLED)
		cancel_retrieve(c, pc, cancel_token.buf);
	for (size_t i = 0; i < spare.n; i++)
		strbuf_done(&spare.buf[i]);
	strbuf_done(&body);
	strbuf_done(&next_token);
	strbuf_done(&prev_token);
	strbuf_done(&cancel_token);
	strbuf_done(&pending_last);
	return ret;
}

/* ---- live changes ---- */

int vs_updates_create(vs_conn *c, const char *view_moref, const char *type,
		      const char *const *paths, size_t n_paths, vs_updates *u, vs_error *err)
{
	memset(u, 0, sizeof *u);
	strbuf sb;
	strbuf_init(&sb);
	begin_method(&sb, "CreatePropertyCollector", "PropertyCollector",
		     vs_propcol_content(c)->property_collector);
	if (simple_call(c, &sb, "CreatePropertyCollector", u->collector, sizeof u->collector,
			err) < 0)
		return -1;

	strbuf_init(&sb);
	begin_method(&sb, "CreateFilter", "PropertyCollector", u->collector);
	strbuf_adds(&sb, "<spec>");
	add_filter_spec(&sb, "ContainerView", view_moref, "view", type, paths, n_paths);
	strbuf_adds(&sb, "</spec><partialUpdates>false</partialUpdates>");
	if (simple_call(c, &sb, "CreateFilter", u->filter, sizeof u->filter, err) < 0) {
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
		begin_method(&sb, "DestroyPropertyFilter", "PropertyFilter", u->filter);
		ret = simple_call(c, &sb, "DestroyPropertyFilter", NULL, 0, err);
		u->filter[0] = '\0';
	}
	if (u->collector[0]) {
		vs_error e2;
		vs_error_clear(&e2);
		strbuf_init(&sb);
		begin_method(&sb, "DestroyPropertyCollector", "PropertyCollector", u->collector);
		if (simple_call(c, &sb, "DestroyPropertyCollector", NULL, 0, &e2) < 0 && ret == 0) {
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
	begin_method(&sb, "CancelWaitForUpdates", "PropertyCollector", u->collector);
	return simple_call(c, &sb, "CancelWaitForUpdates", NULL, 0, err);
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

static int parse_kind(const char *s, vs_obj_kind *k)
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

static int parse_op(const char *s, vs_change_op *op)
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
		return malformed(err, "WaitForUpdatesEx");
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
	vs_rd_iter it;
	vs_rd_iter_init(&it, r);
	strbuf_reset(&w->name);
	w->op = VS_OP_ASSIGN;
	bool had_val = false;
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		if (vs_rd_is(r, "name") || vs_rd_is(r, "op")) {
			bool is_name = vs_rd_is(r, "name");
			const char *t = vs_rd_text(r, &w->scratch);
			if (!t)
				return malformed(err, "WaitForUpdatesEx");
			if (is_name)
				strbuf_adds(&w->name, t);
			else if (parse_op(t, &w->op) < 0)
				return malformed(err, "WaitForUpdatesEx");
		} else if (vs_rd_is(r, "val")) {
			if (!w->name.len)
				return malformed(err, "WaitForUpdatesEx");
			had_val = true;
			if (deliver_val(&it, call_on_change, w, err) < 0)
				return -1;
		} else {
			vs_rd_iter_skip(&it);
		}
	}
	if (ret < 0 || !w->name.len)
		return malformed(err, "WaitForUpdatesEx");
	if (!had_val)
		return w->on_change(w->ctx, w->moref.buf, w->kind, w->name.buf, w->op, NULL, err);
	return 0;
}

static int parse_object_update(xmlTextReaderPtr r, wait_ctx *w, vs_error *err)
{
	vs_rd_iter it;
	vs_rd_iter_init(&it, r);
	w->have_kind = false;
	w->announced = false;
	strbuf_reset(&w->moref);
	int ret;
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		if (vs_rd_is(r, "kind") || vs_rd_is(r, "obj")) {
			bool is_kind = vs_rd_is(r, "kind");
			const char *t = vs_rd_text(r, &w->scratch);
			if (!t)
				return malformed(err, "WaitForUpdatesEx");
			if (!is_kind) {
				strbuf_adds(&w->moref, t);
			} else if (parse_kind(t, &w->kind) < 0) {
				return malformed(err, "WaitForUpdatesEx");
			} else {
				w->have_kind = true;
			}
		} else if (vs_rd_is(r, "changeSet")) {
			if (announce(w, err) < 0 || parse_change(r, w, err) < 0)
				return -1;
		} else if (vs_rd_is(r, "missingSet")) {
			char fault[64];
			if (announce(w, err) < 0)
				return -1;
			if (parse_missing(r, &w->name, fault, sizeof fault, &w->message,
					  &w->scratch) < 0)
				return malformed(err, "WaitForUpdatesEx");
			if (w->on_missing && w->on_missing(w->ctx, w->moref.buf, w->name.buf, fault,
							   w->message.buf, err) < 0)
				return -1;
		} else {
			vs_rd_iter_skip(&it);
		}
	}
	if (ret < 0)
		return malformed(err, "WaitForUpdatesEx");
	return announce(w, err); /* leave, or enter/modify without changes */
}

static int on_wait_response(xmlTextReaderPtr r, void *ctx, vs_error *err)
{
	wait_ctx *w = ctx;
	w->truncated = false;
	w->have_version = false;
	int ret = find_returnval(r);
	if (ret == 0)
		return 0; /* maxWaitSeconds passed without changes */
	if (ret < 0)
		return malformed(err, "WaitForUpdatesEx");
	vs_rd_iter it;
	vs_rd_iter_init(&it, r);
	while ((ret = vs_rd_iter_next(&it)) == 1) {
		if (vs_rd_is(r, "version") || vs_rd_is(r, "truncated")) {
			bool is_version = vs_rd_is(r, "version");
			const char *t = vs_rd_text(r, &w->scratch);
			if (!t)
				return malformed(err, "WaitForUpdatesEx");
			if (is_version) {
				strbuf_reset(&w->version);
				strbuf_adds(&w->version, t);
				w->have_version = true;
			} else {
				w->truncated = strcmp(t, "true") == 0 || strcmp(t, "1") == 0;
			}
		} else if (vs_rd_is(r, "filterSet")) {
			vs_rd_iter fs;
			vs_rd_iter_init(&fs, r);
			while ((ret = vs_rd_iter_next(&fs)) == 1) {
				if (vs_rd_is(r, "objectSet")) {
					if (parse_object_update(r, w, err) < 0)
						return -1;
				} else {
					vs_rd_iter_skip(&fs);
				}
			}
			if (ret < 0)
				return malformed(err, "WaitForUpdatesEx");
		} else {
			vs_rd_iter_skip(&it);
		}
	}
	if (ret < 0 || !w->have_version)
		return malformed(err, "WaitForUpdatesEx");
	return 0;
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
		strbuf_reset(&sb);
		begin_method(&sb, "WaitForUpdatesEx", "PropertyCollector", u->collector);
		if (w.version.len)
			add_text(&sb, "version", w.version.buf);
		strbuf_adds(&sb, "<options>");
		/* The rest of a truncated set is ready now: do not wait for it. */
		int wait = w.truncated ? 0 : max_wait_s;
		if (wait >= 0)
			strbuf_addf(&sb, "<maxWaitSeconds>%d</maxWaitSeconds>", wait);
		if (u->max_object_updates > 0)
			strbuf_addf(&sb, "<maxObjectUpdates>%d</maxObjectUpdates>",
				    u->max_object_updates);
		strbuf_adds(&sb, "</options></WaitForUpdatesEx>");
		ret = call(c, sb.buf, on_wait_response, &w, err);
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
