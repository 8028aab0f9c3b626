/* A fake SOAP transport for the propcol harnesses (through vs_propcol_set_transport): the fuzz
 * input is a sequence of responses separated by FUZZ_PAGE_SEP; each call gets the next one,
 * and once they run out every call fails with a fault, so paging loops always end. */
#ifndef QUIESCENT_FUZZ_TRANSPORT_H
#define QUIESCENT_FUZZ_TRANSPORT_H

#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "vsphere/propcol.h"

#define FUZZ_PAGE_SEP "\n@@PAGE@@\n"
#define FUZZ_MAX_PAGES 16

static const char *fz_page[FUZZ_MAX_PAGES];
static size_t fz_len[FUZZ_MAX_PAGES];
static size_t fz_n, fz_pos;

static const vs_service_content fz_sc = {
	.root_folder = "group-d1",
	.property_collector = "propertyCollector",
	.view_manager = "ViewManager",
	.task_manager = "TaskManager",
};

static inline const vs_service_content *fz_content(vs_conn *c)
{
	return &fz_sc;
}

static inline int fz_call(vs_conn *c, const char *body, vs_response_fn fn, void *ctx, vs_error *err)
{
	if (fz_pos >= fz_n) {
		vs_fail(err, VS_ERR_FAULT, "fuzz: no more responses.");
		strcpy(err->fault, "ManagedObjectNotFound");
		return -1;
	}
	size_t i = fz_pos++;
	if (!fn)
		return 0;
	xmlTextReaderPtr r = vs_xml_reader_new(fz_page[i], fz_len[i], err);
	if (!r)
		return -1;
	int rc = fn(r, ctx, err) < 0 ? -1 : 0;
	if (rc < 0 && err->kind == VS_OK)
		vs_fail(err, VS_ERR_PARSE, "fuzz: cannot read the response.");
	xmlFreeTextReader(r);
	return rc;
}

/* For vs_retrieve_stream: the next response's bytes, which propcol feeds to the push parser. */
static inline int fz_fetch(vs_conn *c, const char *body, strbuf *resp, vs_error *err)
{
	strbuf_reset(resp);
	if (fz_pos >= fz_n) {
		vs_fail(err, VS_ERR_FAULT, "fuzz: no more responses.");
		strcpy(err->fault, "ManagedObjectNotFound");
		return -1;
	}
	size_t i = fz_pos++;
	strbuf_add(resp, fz_page[i], fz_len[i]);
	return 0;
}

static const vs_propcol_transport fz_transport = {
	.call = fz_call, .content = fz_content, .fetch = fz_fetch
};

static inline void fz_split(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	size_t sl = sizeof FUZZ_PAGE_SEP - 1;
	fz_n = fz_pos = 0;
	while (fz_n < FUZZ_MAX_PAGES) {
		const char *q = memmem(p, (size_t)(end - p), FUZZ_PAGE_SEP, sl);
		fz_page[fz_n] = p;
		fz_len[fz_n++] = q ? (size_t)(q - p) : (size_t)(end - p);
		if (!q)
			break;
		p = q + sl;
	}
}

/* A value sink for the SAX2 push parser (vs_retrieve_stream, vs_wait_updates_stream) that
 * keeps a little of what it hears, skips some values and gives up on a few, as consumers may. */
static unsigned fz_events;
static char fz_last[64];

static inline int fz_sax_begin(void *ctx, const char *obj_type, const char *moref,
			       const char *prop, vs_error *err)
{
	fz_events++;
	if (fz_events % 13 == 12)
		return vs_fail(err, VS_ERR_USAGE, "consumer gave up");
	return fz_events % 5 != 4;
}

static inline void fz_sax_start(void *ctx, int depth, const char *name, const char *xsi_type)
{
	snprintf(fz_last, sizeof fz_last, "%d %s %s", depth, name, xsi_type);
}

static inline void fz_sax_text(void *ctx, const char *t, size_t n)
{
	if (n)
		fz_last[0] = t[n - 1];  /* touches every piece's bounds */
}

static inline void fz_sax_end(void *ctx, int depth, const char *name)
{
	fz_events += depth;
}

static inline int fz_sax_finish(void *ctx, vs_error *err)
{
	return 0;
}

static inline void fz_sax_abort(void *ctx)
{
	fz_last[0] = '\0';
}

static const vs_val_sink fz_val_sink = {
	.begin = fz_sax_begin, .start = fz_sax_start, .text = fz_sax_text, .end = fz_sax_end,
	.finish = fz_sax_finish, .abort = fz_sax_abort,
};

/* Reads a value the way consumers do, in turn: its text, its children, or nothing. */
static inline void fz_consume(xmlTextReaderPtr val, unsigned n)
{
	char type[64];
	vs_xml_xsi_type(val, type, sizeof type);
	strbuf scratch;
	strbuf_init(&scratch);
	switch (n % 3) {
	case 0:
		(void)vs_xml_text_buf(val, &scratch);
		break;
	case 1: {
		vs_xml_iter it;
		vs_xml_iter_init(&it, val);
		unsigned k = 0;
		while (vs_xml_iter_next(&it) == 1) {
			if (k++ % 2)
				vs_xml_iter_skip(&it);
			else
				(void)vs_xml_text_buf(val, &scratch);
		}
		break;
	}
	default:
		break;
	}
	strbuf_done(&scratch);
}

#endif
