/* propcol_sax: RetrievePropertiesEx / ContinueRetrievePropertiesEx and WaitForUpdatesEx
 * responses parsed with libxml2's SAX2 push parser, fed piece by piece as the bytes arrive, or,
 * for a page fetched ahead and already whole in memory, by the same SAX2 handler in one pass.
 * The envelope (objects, obj, propSet, missingSet, token; or version, truncated, filterSet,
 * objectSet, changeSet) is followed here; each <val> goes to the sink as events.
 *
 * Hostile input: no tree is built (no SAX2 default handlers), XML_PARSE_NONET, no entity
 * substitution and no DTD loading (options left off); any DOCTYPE or entity declaration stops
 * the parse, an undeclared entity is a fatal error (no DTD: nothing is declared), elements
 * nest at most VS_XML_MAX_DEPTH deep, and libxml2's own limits on text and names stay on
 * (XML_PARSE_HUGE is never set). libxml2 prints nothing. */
#include "vsphere/propcol_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "util/timing.h"
#include "util/xalloc.h"

/* Longest text kept from the envelope (a moref, a property path, a fault message): longer
 * ones are cut, never grown without bound. */
#define CAPTURE_MAX 4096

/* What an element is, by its place under <returnval>. */
typedef enum {
	R_OTHER,      /* skipped with everything in it */
	R_RETRIEVED,  /* <returnval> of RetrievePropertiesEx / ContinueRetrievePropertiesEx */
	R_UPDATES,    /* <returnval> of WaitForUpdatesEx */
	R_VAL,        /* a property's value: its events go to the sink */
	R_TOKEN,
	R_OBJECTS,
	R_OBJ,
	R_PROPSET,
	R_NAME,
	R_MISSING,
	R_PATH,
	R_MFAULT,     /* missingSet's <fault> wrapper */
	R_MFAULT_IN,  /* its inner <fault xsi:type="..."> */
	R_MMSG,
	/* WaitForUpdatesEx */
	R_VERSION,
	R_TRUNCATED,
	R_FILTERSET,
	R_OBJSET,
	R_KIND,
	R_CHANGESET,
	R_OP,
	R_COUNT
} role;

/* Most children an envelope element has that are read (see envelope below). */
#define MAX_CHILDREN 4

/* updates: returnval, filterSet, objectSet, changeSet/missingSet, name/op/val/fault, msg */
#define ROLE_DEPTH 5

struct vs_sax_page {
	const vs_val_sink *sink;
	const vs_update_sink *usink;  /* set: a WaitForUpdatesEx response */
	void *ctx;
	void (*on_token)(void *arg, const char *token);
	void *token_arg;
	const char *method;
	xmlParserCtxtPtr px;
	/* The envelope's element names, "type" and the XSI namespace as the parser's dictionary
	 * holds them (see intern_names): an element is matched by pointer, not by strcmp. */
	const xmlChar *env[R_COUNT][MAX_CHILDREN];
	const xmlChar *returnval, *type, *xsi_ns;

	int depth;            /* of the open element, 1 = Envelope */
	int rv_depth;         /* of <returnval>, 0 before it */
	bool rv_done;
	role roles[ROLE_DEPTH + 1];  /* by depth under returnval (0: returnval itself) */
	int val_depth;        /* of the <val> being delivered, 0 when none */
	bool capturing;
	strbuf cap;
	strbuf token, moref, name, path, message;
	char obj_type[64];           /* the type attribute of <obj> */
	char fault[64];
	/* WaitForUpdatesEx */
	strbuf version;
	bool have_version, truncated, rv_seen;
	vs_obj_kind kind;
	bool have_kind, announced, had_val;
	vs_change_op op;
	int n_objects;

	bool fed;             /* some of this page was parsed */
	bool failed;
	vs_error err;
};

static void fail(vs_sax_page *p, const vs_error *e)
{
	if (p->failed)
		return;
	p->failed = true;
	p->err = *e;
	xmlStopParser(p->px);
}

static void fail_msg(vs_sax_page *p, const char *msg)
{
	vs_error e;
	vs_error_clear(&e);
	vs_fail(&e, VS_ERR_PARSE, "%s", msg);
	fail(p, &e);
}

static void fail_malformed(vs_sax_page *p)
{
	vs_error e;
	vs_error_clear(&e);
	vs_pc_malformed(&e, p->method);
	fail(p, &e);
}

/* The xsi:type attribute's value less its prefix, into buf. */
static void xsi_type(const vs_sax_page *p, int nb, const xmlChar **attrs, char *buf, size_t n)
{
	buf[0] = '\0';
	for (int i = 0; i < nb; i++) {
		const xmlChar **a = attrs + 5 * i;
		if (a[0] != p->type || a[2] != p->xsi_ns)
			continue;
		const char *v = (const char *)a[3], *end = (const char *)a[4];
		const char *colon = memchr(v, ':', (size_t)(end - v));
		if (colon)
			v = colon + 1;
		size_t len = (size_t)(end - v);
		if (len >= n)
			len = n - 1;
		memcpy(buf, v, len);
		buf[len] = '\0';
		return;
	}
}

/* An attribute without a namespace (obj's "type"; name interned), into buf ("" when absent). */
static void plain_attr(int nb, const xmlChar **attrs, const xmlChar *name, char *buf, size_t n)
{
	buf[0] = '\0';
	for (int i = 0; i < nb; i++) {
		const xmlChar **a = attrs + 5 * i;
		if (a[2] || a[0] != name)
			continue;
		size_t len = (size_t)(a[4] - a[3]);
		if (len >= n)
			len = n - 1;
		memcpy(buf, a[3], len);
		buf[len] = '\0';
		return;
	}
}

static void capture(vs_sax_page *p)
{
	p->capturing = true;
	strbuf_reset(&p->cap);
}

/* The captured text as a string in buf (cut to n - 1 bytes). */
static const char *cap_str(const vs_sax_page *p, char *buf, size_t n)
{
	size_t len = p->cap.len < n - 1 ? p->cap.len : n - 1;
	memcpy(buf, p->cap.buf, len);
	buf[len] = '\0';
	return buf;
}

/* The envelope of both responses: by the role of a parent, its children's names and roles.
 * Every other element is R_OTHER, and so is everything under one. Each parent role sits at
 * one depth of one response, so the parent alone decides. */
static const struct {
	const char *name;
	role r;
} envelope[R_COUNT][MAX_CHILDREN] = {
	/* RetrievePropertiesEx: returnval/{token, objects/{obj, propSet/{name, val}, missingSet}} */
	[R_RETRIEVED] = { { "token", R_TOKEN }, { "objects", R_OBJECTS } },
	[R_OBJECTS] = { { "obj", R_OBJ }, { "propSet", R_PROPSET }, { "missingSet", R_MISSING } },
	[R_PROPSET] = { { "name", R_NAME }, { "val", R_VAL } },
	/* WaitForUpdatesEx: returnval/{version, truncated, filterSet/objectSet/{kind, obj,
	 * changeSet/{name, op, val}, missingSet}} */
	[R_UPDATES] = { { "version", R_VERSION }, { "truncated", R_TRUNCATED },
			{ "filterSet", R_FILTERSET } },
	[R_FILTERSET] = { { "objectSet", R_OBJSET } },
	[R_OBJSET] = { { "kind", R_KIND }, { "obj", R_OBJ }, { "changeSet", R_CHANGESET },
		       { "missingSet", R_MISSING } },
	[R_CHANGESET] = { { "name", R_NAME }, { "op", R_OP }, { "val", R_VAL } },
	/* both: missingSet/{path, fault/{fault xsi:type, localizedMessage}} */
	[R_MISSING] = { { "path", R_PATH }, { "fault", R_MFAULT } },
	[R_MFAULT] = { { "fault", R_MFAULT_IN }, { "localizedMessage", R_MMSG } },
};

/* The names above as this page's parser interns them. libxml2's SAX2 hands every element and
 * attribute name, and every namespace URI, out of the parser's dictionary (one pointer per
 * distinct string), so pointer equality is string equality here. */
static void intern_names(vs_sax_page *p)
{
	xmlDictPtr d = p->px->dict;
	memset(p->env, 0, sizeof p->env);
	for (int r = 0; r < R_COUNT; r++)
		for (int i = 0; i < MAX_CHILDREN && envelope[r][i].name; i++)
			p->env[r][i] = xmlDictLookup(d, BAD_CAST envelope[r][i].name, -1);
	p->returnval = xmlDictLookup(d, BAD_CAST "returnval", -1);
	p->type = xmlDictLookup(d, BAD_CAST "type", -1);
	p->xsi_ns = xmlDictLookup(d, BAD_CAST VS_PC_XSI_NS, -1);
}

static role role_of(const vs_sax_page *p, role parent, const xmlChar *name)
{
	for (int i = 0; i < MAX_CHILDREN && p->env[parent][i]; i++)
		if (p->env[parent][i] == name)
			return envelope[parent][i].r;
	return R_OTHER;
}

/* The object header goes out once kind and obj are both known, before its first change. */
static void announce(vs_sax_page *p)
{
	if (p->announced || p->failed)
		return;
	if (!p->have_kind || !p->moref.len) {
		fail_malformed(p);
		return;
	}
	p->announced = true;
	p->n_objects++;
	vs_error e;
	vs_error_clear(&e);
	if (p->usink->object(p->ctx, p->obj_type, p->moref.buf, p->kind, &e) < 0)
		fail(p, &e);
}

/* A change's value begins: 1 when the consumer wants its events. */
static int value_begins(vs_sax_page *p, vs_error *e)
{
	if (!p->usink)
		return p->sink->begin(p->ctx, p->obj_type, p->moref.buf, p->name.buf, e);
	p->had_val = true;
	return p->usink->change(p->ctx, p->moref.buf, p->kind, p->name.buf, p->op, true, e);
}

/* An element of a value the sink wants, `rel` deep under its <val> (0: the <val> itself). */
static void value_element(vs_sax_page *p, int rel, const char *name, int nb_attrs,
			  const xmlChar **attrs)
{
	char type[128];
	xsi_type(p, nb_attrs, attrs, type, sizeof type);
	p->sink->start(p->ctx, rel, name, type);
}

/* A <val> of the envelope: the sink says whether it wants the value's events. */
static void value_starts(vs_sax_page *p, const char *name, int nb_attrs, const xmlChar **attrs)
{
	if (!p->name.len) {
		if (p->usink)
			fail_malformed(p); /* a change names its property first */
		return; /* a retrieved value without its name: passed over */
	}
	vs_error e;
	vs_error_clear(&e);
	int want = value_begins(p, &e);
	if (want < 0) {
		fail(p, &e);
		return;
	}
	if (want) {
		p->val_depth = p->depth;
		value_element(p, 0, name, nb_attrs, attrs);
	}
}

/* What the start of an envelope element of role r sets up: its text captured, the object or
 * change it begins reset, a value handed on. */
static void element_starts(vs_sax_page *p, role r, const char *name, int nb_attrs,
			   const xmlChar **attrs)
{
	switch (r) {
	case R_VAL:
		value_starts(p, name, nb_attrs, attrs);
		break;
	case R_OBJECTS:
		strbuf_reset(&p->moref);
		p->obj_type[0] = '\0';
		break;
	case R_OBJSET:
		strbuf_reset(&p->moref);
		p->obj_type[0] = '\0';
		p->have_kind = p->announced = false;
		break;
	case R_CHANGESET:
		announce(p);
		strbuf_reset(&p->name);
		p->op = VS_OP_ASSIGN;
		p->had_val = false;
		break;
	case R_PROPSET:
		if (!p->moref.len)
			fail_malformed(p); /* obj comes first */
		strbuf_reset(&p->name);
		break;
	case R_MISSING:
		if (p->usink)
			announce(p);
		else if (!p->moref.len)
			fail_malformed(p);
		strbuf_reset(&p->path);
		strbuf_reset(&p->message);
		p->fault[0] = '\0';
		break;
	case R_MFAULT_IN:
		xsi_type(p, nb_attrs, attrs, p->fault, sizeof p->fault);
		break;
	case R_OBJ:
		plain_attr(nb_attrs, attrs, p->type, p->obj_type, sizeof p->obj_type);
		capture(p);
		break;
	case R_TOKEN:
	case R_NAME:
	case R_PATH:
	case R_MMSG:
	case R_VERSION:
	case R_TRUNCATED:
	case R_KIND:
	case R_OP:
		capture(p);
		break;
	default:
		break;
	}
}

static void on_start(void *arg, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
		     int nb_ns, const xmlChar **ns, int nb_attrs, int nb_defaulted,
		     const xmlChar **attrs)
{
	vs_sax_page *p = arg;
	const char *name = (const char *)local;
	if (p->failed)
		return;
	if (++p->depth > VS_XML_MAX_DEPTH) {
		fail_msg(p, "The response nests deeper than the vSphere API ever does; refusing it.");
		return;
	}
	if (p->val_depth) {
		value_element(p, p->depth - p->val_depth, name, nb_attrs, attrs);
		p->capturing = false;
		return;
	}
	if (!p->rv_depth) {
		if (!p->rv_done && local == p->returnval) {
			p->rv_depth = p->depth;
			p->rv_seen = true;
			p->roles[0] = p->usink ? R_UPDATES : R_RETRIEVED;
		}
		return;
	}
	int rel = p->depth - p->rv_depth;
	p->capturing = false;
	if (rel > ROLE_DEPTH)
		return;
	role r = role_of(p, p->roles[rel - 1], local);
	p->roles[rel] = r;
	element_starts(p, r, name, nb_attrs, attrs);
}

/* Where an element's text goes when it ends (NULL: it has none to keep). */
static strbuf *text_of(vs_sax_page *p, role r)
{
	switch (r) {
	case R_TOKEN:
		return &p->token;
	case R_OBJ:
		return &p->moref;
	case R_NAME:
		return &p->name;
	case R_PATH:
		return &p->path;
	case R_MMSG:
		return &p->message;
	case R_VERSION:
		return &p->version;
	default:
		return NULL;
	}
}

/* A missingSet entry ended: the sink hears it. */
static void missing_ends(vs_sax_page *p)
{
	vs_error e;
	vs_error_clear(&e);
	int rc = 0;
	if (p->sink->on_missing_typed)
		rc = p->sink->on_missing_typed(p->ctx, p->obj_type, p->moref.buf, p->path.buf,
					       p->fault, p->message.buf, &e);
	else if (p->sink->on_missing)
		rc = p->sink->on_missing(p->ctx, p->moref.buf, p->path.buf, p->fault,
					 p->message.buf, &e);
	if (rc < 0)
		fail(p, &e);
}

/* A changeSet ended: a change without a <val> (a removal, an unset property) is heard now. */
static void change_ends(vs_sax_page *p)
{
	if (!p->name.len) {
		fail_malformed(p);
	} else if (!p->had_val) {
		vs_error e;
		vs_error_clear(&e);
		if (p->usink->change(p->ctx, p->moref.buf, p->kind, p->name.buf, p->op, false,
				     &e) < 0)
			fail(p, &e);
	}
}

/* What the end of an envelope element decides, beyond keeping its text. */
static void element_ends(vs_sax_page *p, role r, bool was_capturing)
{
	char word[32];
	switch (r) {
	case R_VERSION:
		p->have_version = true;
		break;
	case R_TRUNCATED:
		p->truncated = was_capturing && ((p->cap.len == 4 && !memcmp(p->cap.buf, "true", 4)) ||
						 (p->cap.len == 1 && p->cap.buf[0] == '1'));
		break;
	case R_KIND:
		if (!was_capturing || vs_pc_parse_kind(cap_str(p, word, sizeof word), &p->kind) < 0)
			fail_malformed(p);
		p->have_kind = true;
		break;
	case R_OP:
		if (!was_capturing || vs_pc_parse_op(cap_str(p, word, sizeof word), &p->op) < 0)
			fail_malformed(p);
		break;
	case R_CHANGESET:
		change_ends(p);
		break;
	case R_OBJSET:
		announce(p); /* leave, or enter/modify without changes */
		break;
	case R_MISSING:
		missing_ends(p);
		break;
	default:
		break;
	}
}

/* The end of an element inside a value the sink wants. */
static void value_element_ends(vs_sax_page *p, int depth, const char *name)
{
	p->sink->end(p->ctx, depth - p->val_depth, name);
	if (depth == p->val_depth) {
		p->val_depth = 0;
		vs_error e;
		vs_error_clear(&e);
		if (p->sink->finish(p->ctx, &e) < 0)
			fail(p, &e);
	}
}

static void on_end(void *arg, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	vs_sax_page *p = arg;
	if (p->failed)
		return;
	int depth = p->depth--;
	if (p->val_depth) {
		value_element_ends(p, depth, (const char *)local);
		return;
	}
	if (!p->rv_depth)
		return;
	if (depth == p->rv_depth) {
		p->rv_depth = 0;
		p->rv_done = true; /* one returnval: the rest of the document is ignored */
		if (p->usink && !p->have_version)
			fail_malformed(p);
		return;
	}
	int rel = depth - p->rv_depth;
	if (rel > ROLE_DEPTH)
		return;
	bool was_capturing = p->capturing;
	p->capturing = false;
	role r = p->roles[rel];
	strbuf *into = text_of(p, r);
	element_ends(p, r, was_capturing);
	p->roles[rel] = R_OTHER;
	if (!into)
		return;
	strbuf_reset(into);
	if (was_capturing)
		strbuf_add(into, p->cap.buf, p->cap.len);
	if (into == &p->token && p->token.len && p->on_token)
		p->on_token(p->token_arg, p->token.buf);
}

static void on_text(void *arg, const xmlChar *s, int len)
{
	vs_sax_page *p = arg;
	if (p->failed || len <= 0)
		return;
	if (p->val_depth) {
		p->sink->text(p->ctx, (const char *)s, (size_t)len);
	} else if (p->capturing) {
		size_t room = CAPTURE_MAX - p->cap.len;
		strbuf_add(&p->cap, s, (size_t)len < room ? (size_t)len : room);
	}
}

static void refuse_dtd(void *arg, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	fail_msg(arg, "The server sent an XML document with a DTD, which vSphere never does; "
		 "refusing to parse it.");
}

static void refuse_entity_decl(void *arg, const xmlChar *name, int type, const xmlChar *pub,
			       const xmlChar *sys, xmlChar *content)
{
	fail_msg(arg, "The response declares XML entities; refusing it.");
}

static void refuse_reference(void *arg, const xmlChar *name)
{
	fail_msg(arg, "The response uses XML entities; refusing it.");
}

static xmlEntityPtr no_entity(void *arg, const xmlChar *name)
{
	return NULL; /* nothing is declared: an entity reference is a fatal error */
}

static void quiet(void *arg, xmlErrorPtr e)
{
	/* Errors surface as a failed parse; libxml2 must not print into the curses screen. */
}

static xmlSAXHandler handler(void)
{
	xmlSAXHandler h;
	memset(&h, 0, sizeof h);
	h.initialized = XML_SAX2_MAGIC;
	h.startElementNs = on_start;
	h.endElementNs = on_end;
	h.characters = on_text;
	h.cdataBlock = on_text;
	h.ignorableWhitespace = on_text;
	h.internalSubset = refuse_dtd;
	h.externalSubset = refuse_dtd;
	h.entityDecl = refuse_entity_decl;
	h.reference = refuse_reference;
	h.getEntity = no_entity;
	h.getParameterEntity = no_entity;
	h.serror = quiet;
	return h;
}

/* The options and interned names of a new parser context in p->px (NULL: it could not be
 * made). The same for both kinds of context, so both refuse the same input. */
static int start_ctxt(vs_sax_page *p, vs_error *err)
{
	if (!p->px)
		return vs_fail(err, VS_ERR_PARSE, "Cannot start parsing the response to %s.", p->method);
	xmlCtxtUseOptions(p->px, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	intern_names(p);
	if (!p->returnval || !p->type || !p->xsi_ns)
		return vs_fail(err, VS_ERR_PARSE, "Cannot start parsing the response to %s.", p->method);
	return 0;
}

vs_sax_page *vs_sax_page_new(const vs_val_sink *sink, void *ctx,
			     void (*on_token)(void *arg, const char *token), void *token_arg)
{
	vs_sax_page *p = xcalloc(1, sizeof *p);
	p->sink = sink;
	p->ctx = ctx;
	p->on_token = on_token;
	p->token_arg = token_arg;
	strbuf_init(&p->cap);
	strbuf_init(&p->token);
	strbuf_init(&p->moref);
	strbuf_init(&p->name);
	strbuf_init(&p->path);
	strbuf_init(&p->message);
	strbuf_init(&p->version);
	return p;
}

vs_sax_page *vs_sax_updates_new(const vs_update_sink *sink, void *ctx)
{
	vs_sax_page *p = vs_sax_page_new(&sink->val, ctx, NULL, NULL);
	p->usink = sink;
	return p;
}

bool vs_sax_updates_result(const vs_sax_page *p, const char **version, bool *truncated,
			   int *n_objects)
{
	*version = p->version.buf;
	*truncated = p->truncated;
	*n_objects = p->n_objects;
	return p->rv_seen;
}

int vs_sax_page_begin(vs_sax_page *p, const char *method, vs_error *err)
{
	if (p->px)
		xmlFreeParserCtxt(p->px);
	p->px = NULL;
	p->method = method;
	p->depth = p->rv_depth = p->val_depth = 0;
	p->rv_done = p->capturing = p->failed = p->fed = false;
	vs_error_clear(&p->err);
	strbuf_reset(&p->token);
	p->have_version = p->truncated = p->rv_seen = false;
	p->n_objects = 0;
	/* moref is kept: a server may continue an object on the next page */
	xmlSAXHandler h = handler();
	p->px = xmlCreatePushParserCtxt(&h, p, NULL, 0, NULL);
	return start_ctxt(p, err);
}

/* After a chunk: 0, or -1 with err (a value broken off is aborted first). */
static int result(vs_sax_page *p, int rc, vs_error *err)
{
	if (!p->failed && rc == 0)
		return 0;
	if (p->val_depth) {
		p->val_depth = 0;
		if (p->sink->abort)
			p->sink->abort(p->ctx);
	}
	if (!p->failed) {
		p->failed = true;
		vs_error_clear(&p->err);
		vs_pc_malformed(&p->err, p->method);
	}
	if (err)
		*err = p->err;
	return -1;
}

int vs_sax_page_feed(vs_sax_page *p, const char *data, size_t len, vs_error *err)
{
	if (p->failed)
		return result(p, 0, err);
	p->fed = true;
	while (len) {
		int n = len > (1u << 30) ? 1 << 30 : (int)len;
		int rc = xmlParseChunk(p->px, data, n, 0);
		if (rc != 0 || p->failed)
			return result(p, rc ? rc : -1, err);
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A parser over a copy of page (libxml2 makes one), with our handler instead of the default
 * one that builds a tree; NULL when out of memory. */
static xmlParserCtxtPtr memory_ctxt(vs_sax_page *p, const strbuf *page)
{
	xmlParserCtxtPtr px = xmlCreateMemoryParserCtxt(page->buf, (int)page->len);
	xmlSAXHandler *h = px ? xmlMalloc(sizeof *h) : NULL;
	if (!h) {
		if (px)
			xmlFreeParserCtxt(px);
		return NULL;
	}
	xmlFree(px->sax); /* libxml2 frees ours with the context */
	*h = handler();
	px->sax = h;
	px->userData = p;
	return px;
}

int vs_sax_page_parse_whole(vs_sax_page *p, strbuf *page, vs_error *err)
{
	if (page->len > INT_MAX)
		return vs_fail(err, VS_ERR_PARSE, "The response to %s is too big to parse.", p->method);
	if (p->px)
		xmlFreeParserCtxt(p->px);
	p->px = memory_ctxt(p, page);
	/* libxml2 has its copy: the page is held once, not twice, while it is parsed */
	strbuf_done(page);
	strbuf_init(page);
	if (start_ctxt(p, err) < 0)
		return -1;
	p->fed = true;
	double t0 = timing_now(), c0 = timing_thread_cpu();
	int rc = xmlParseDocument(p->px);
	timing_add(TIMING_PARSE, timing_now() - t0);
	timing_add(TIMING_PARSE_CPU, timing_thread_cpu() - c0);
	if (rc == 0 && !p->failed && (p->depth || p->val_depth || !p->px->wellFormed))
		rc = -1;
	return result(p, rc, err);
}

int vs_sax_page_finish(vs_sax_page *p, vs_error *err)
{
	if (p->failed)
		return result(p, 0, err);
	int rc = xmlParseChunk(p->px, NULL, 0, 1);
	if (rc == 0 && !p->failed && (p->depth || p->val_depth || !p->px->wellFormed))
		rc = -1; /* truncated */
	return result(p, rc, err);
}

const char *vs_sax_page_token(const vs_sax_page *p)
{
	return p->fed ? p->token.buf : NULL;
}

void vs_sax_page_free(vs_sax_page *p)
{
	if (!p)
		return;
	if (p->val_depth && p->sink->abort)
		p->sink->abort(p->ctx);
	if (p->px)
		xmlFreeParserCtxt(p->px);
	strbuf_done(&p->cap);
	strbuf_done(&p->token);
	strbuf_done(&p->moref);
	strbuf_done(&p->name);
	strbuf_done(&p->path);
	strbuf_done(&p->message);
	strbuf_done(&p->version);
	free(p);
}
