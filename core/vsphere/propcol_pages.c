/* propcol_pages: vs_retrieve_stream, paging a big RetrievePropertiesEx through the SAX page
 * parser. A page is parsed as it arrives; as soon as its <token> is read (it comes before the
 * objects), the next page is asked for on a second connection, so the server works on it
 * while this one is parsed. A page fetched ahead is whole in memory by the time it is wanted:
 * it is parsed in one pass (vs_sax_page_parse_whole, which frees it once libxml2 holds its
 * copy: 2 MB for 250 VMs), which costs less than pushing it through in pieces. Fetching ahead is only an optimisation: a fetch that gets anything
 * but HTTP 200, or that continued another token, is thrown away and the page fetched the
 * ordinary way (re-login, fault decoding). */
#include "vsphere/propcol_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/timing.h"

/* Pieces the test seam's canned responses are fed in: small and odd, so that elements and
 * text are cut at every kind of place, as the network cuts them. */
#define SEAM_PIECE 509

typedef struct {
	vs_conn *main;     /* the retrieval's connection (its session) */
	vs_conn *conn;     /* the second connection, created on first use */
	const char *pc;
	bool enabled, failed;
	bool running;      /* thread started, not joined */
	pthread_t thread;
	strbuf body;       /* the request */
	strbuf token;      /* the token it continues */
	strbuf resp;       /* the fetch's answer (written by the thread) */
	strbuf parsing;    /* the answer taken, parsed while the next one lands in resp */
	long status;
	int rc;
	vs_error err;
} prefetch;

static void *prefetch_run(void *arg)
{
	prefetch *pf = arg;
	pf->rc = vs_soap_fetch(pf->conn, pf->body.buf, &pf->status, &pf->resp, &pf->err);
	return NULL;
}

/* Called by the page parser with the page's token. */
static void prefetch_start(void *arg, const char *token)
{
	prefetch *pf = arg;
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
	vs_pc_continue_body(&pf->body, pf->pc, token);
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

/* Waits for the fetch; true when it holds the 200 answer for `token`, then moved to
 * pf->parsing: parsing it reads the next token, which starts the next fetch into pf->resp. */
static bool prefetch_take(prefetch *pf, const char *token)
{
	if (!pf->running)
		return false;
	pthread_join(pf->thread, NULL);
	pf->running = false;
	if (pf->rc < 0 || pf->status != 200 || strcmp(pf->token.buf, token) != 0) {
		pf->failed = true; /* something is off: no more fetching ahead */
		return false;
	}
	strbuf t = pf->parsing;
	pf->parsing = pf->resp;
	pf->resp = t;
	strbuf_reset(&pf->resp);
	return true;
}

static int feed_piece(void *arg, const char *data, size_t n, vs_error *err)
{
	double t0 = timing_now(), c0 = timing_thread_cpu();
	int rc = vs_sax_page_feed(arg, data, n, err);
	timing_add(TIMING_PARSE, timing_now() - t0);
	timing_add(TIMING_PARSE_CPU, timing_thread_cpu() - c0);
	return rc;
}

static int feed_all(vs_sax_page *sp, const char *data, size_t len, size_t piece, vs_error *err)
{
	while (len) {
		size_t n = len < piece ? len : piece;
		if (feed_piece(sp, data, n, err) < 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

/* One page: from the fetch made ahead when it holds it, else asked for and parsed as it comes. */
static int one_page(vs_conn *c, const char *body, const char *method, vs_sax_page *sp,
		    prefetch *pf, const char *token, strbuf *scratch, vs_error *err)
{
	if (vs_sax_page_begin(sp, method, err) < 0)
		return -1;
	int rc;
	const vs_propcol_transport *seam = vs_pc_seam();
	if (token && prefetch_take(pf, token)) {
		return vs_sax_page_parse_whole(sp, &pf->parsing, err);
	} else if (seam) {
		/* as over the network: the first page streamed, the rest whole as if fetched ahead */
		rc = seam->fetch(c, body, scratch, err);
		if (rc == 0 && token)
			return vs_sax_page_parse_whole(sp, scratch, err);
		if (rc == 0)
			rc = feed_all(sp, scratch->buf, scratch->len, SEAM_PIECE, err);
	} else {
		rc = vs_soap_call_stream(c, body, feed_piece, sp, err);
	}
	if (rc == 0)
		rc = vs_sax_page_finish(sp, err);
	return rc;
}

int vs_retrieve_stream(vs_conn *c, const vs_view_filter *filters, size_t n_filters,
		       int page_size, bool fetch_ahead, const vs_val_sink *sink, void *ctx,
		       vs_error *err)
{
	vs_error local;
	if (!err)
		err = &local;
	vs_error_clear(err);
	const char *pc = vs_propcol_content(c)->property_collector;
	prefetch pf = { .main = c, .pc = pc, .enabled = fetch_ahead && !vs_pc_seam() && page_size > 0 };
	strbuf_init(&pf.body);
	strbuf_init(&pf.token);
	strbuf_init(&pf.resp);
	strbuf_init(&pf.parsing);
	vs_sax_page *sp = vs_sax_page_new(sink, ctx, prefetch_start, &pf);
	strbuf body, token, prev, scratch;
	strbuf_init(&body);
	strbuf_init(&token);
	strbuf_init(&prev);
	strbuf_init(&scratch);
	vs_pc_retrieve_body_views(&body, pc, filters, n_filters, page_size);

	int ret = one_page(c, body.buf, "RetrievePropertiesEx", sp, &pf, NULL, &scratch, err);
	timing_mark("first page in");
	const char *t = vs_sax_page_token(sp);
	strbuf_adds(&token, t ? t : "");
	while (ret == 0 && token.len) {
		if (strcmp(prev.buf, token.buf) == 0) { /* a server looping on one page */
			ret = vs_fail(err, VS_ERR_PARSE, "ContinueRetrievePropertiesEx returned its "
				      "token \"%s\" again.", token.buf);
			break;
		}
		strbuf_reset(&prev);
		strbuf_adds(&prev, token.buf);
		vs_pc_continue_body(&body, pc, token.buf);
		ret = one_page(c, body.buf, "ContinueRetrievePropertiesEx", sp, &pf, token.buf,
			       &scratch, err);
		t = vs_sax_page_token(sp);
		strbuf_reset(&token);
		strbuf_adds(&token, t ? t : prev.buf); /* nothing parsed: the rest is under prev */
	}
	if (pf.running) { /* a page fetched for nothing (the consumer failed): let it land */
		pthread_join(pf.thread, NULL);
		pf.running = false;
	}
	if (pf.conn)
		vs_conn_free(pf.conn);
	/* A consumer or parse failure mid-way leaves the rest of the result on the server, under
	 * the token the failed page carried: release it (best effort). */
	if (ret < 0 && token.len && err->kind != VS_ERR_NETWORK && err->kind != VS_ERR_CANCELLED)
		vs_pc_cancel_retrieve(c, pc, token.buf);
	vs_sax_page_free(sp);
	strbuf_done(&pf.body);
	strbuf_done(&pf.token);
	strbuf_done(&pf.resp);
	strbuf_done(&pf.parsing);
	strbuf_done(&body);
	strbuf_done(&token);
	strbuf_done(&prev);
	strbuf_done(&scratch);
	return ret;
}
