/* A scripted SOAP transport for unit tests of propcol and inventory (through the
 * vs_propcol_set_transport seam): each call must contain the next step's expected text and gets
 * that step's canned response (a file in tests/unit/data/vsphere, or bytes in memory), or a
 * fault. Header-only: included by one test file each. */
#ifndef QUIESCENT_VS_FAKE_TRANSPORT_H
#define QUIESCENT_VS_FAKE_TRANSPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "vsphere/propcol.h"

#define FAKE_MAX_STEPS 256

typedef struct {
	const char *expect;   /* substrings the request body must contain, '|'-separated */
	const char *file;     /* response file under data/vsphere, or NULL */
	const char *xml;      /* response bytes when file is NULL */
	size_t xml_len;
	const char *fault;    /* fail with this SOAP fault instead */
	/* generated response (benchmarks): called per request, returns bytes it owns */
	const char *(*gen)(void *arg, size_t *len);
	void *gen_arg;
} fake_step;

static fake_step fake_steps[FAKE_MAX_STEPS];
static char *fake_bodies[FAKE_MAX_STEPS];
static size_t fake_n, fake_pos;

static const vs_service_content fake_sc = {
	.root_folder = "group-d1",
	.property_collector = "propertyCollector",
	.view_manager = "ViewManager",
	.task_manager = "TaskManager",
};

static inline const char *fake_data_dir(void)
{
	static char dir[512];
	const char *env = getenv("QUIESCENT_TEST_DATA");
	if (env)
		return env;
	/* beside this header: "<...>/tests/unit/data/vsphere" */
	snprintf(dir, sizeof dir, "%s", __FILE__);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	strncat(dir, "data/vsphere", sizeof dir - strlen(dir) - 1);
	return dir;
}

static inline char *fake_load(const char *name, size_t *len)
{
	char path[768];
	snprintf(path, sizeof path, "%s/%s", fake_data_dir(), name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fake transport: cannot open %s\n", path);
		return NULL;
	}
	strbuf sb;
	strbuf_init(&sb);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, len);
}

static inline void fake_reset(void)
{
	for (size_t i = 0; i < FAKE_MAX_STEPS; i++) {
		free(fake_bodies[i]);
		fake_bodies[i] = NULL;
	}
	memset(fake_steps, 0, sizeof fake_steps);
	fake_n = fake_pos = 0;
}

static inline void fake_expect(const char *expect, const char *file)
{
	fake_steps[fake_n++] = (fake_step){ .expect = expect, .file = file };
}

static inline void fake_expect_xml(const char *expect, const char *xml, size_t len)
{
	fake_steps[fake_n++] = (fake_step){ .expect = expect, .xml = xml, .xml_len = len };
}

static inline void fake_expect_gen(const char *expect, const char *(*gen)(void *, size_t *), void *arg)
{
	fake_steps[fake_n++] = (fake_step){ .expect = expect, .gen = gen, .gen_arg = arg };
}

static inline void fake_expect_fault(const char *expect, const char *fault)
{
	fake_steps[fake_n++] = (fake_step){ .expect = expect, .fault = fault };
}

static inline bool fake_body_has(const char *body, const char *expect)
{
	char want[1024];
	snprintf(want, sizeof want, "%s", expect);
	for (char *tok = strtok(want, "|"); tok; tok = strtok(NULL, "|"))
		if (!strstr(body, tok)) {
			fprintf(stderr, "fake transport: request lacks \"%s\":\n%s\n", tok, body);
			return false;
		}
	return true;
}

static inline void fake_quiet(void *arg, const char *msg, xmlParserSeverities sev,
		       xmlTextReaderLocatorPtr loc)
{
}

/* The next step's response bytes (for fn, or raw for fetch); *owned is freed by the caller. */
static inline int fake_step_bytes(const char *body, const char **xml, size_t *len, char **owned,
				  vs_error *err)
{
	if (fake_pos >= fake_n) {
		fprintf(stderr, "fake transport: unexpected request:\n%s\n", body);
		return vs_fail(err, VS_ERR_USAGE, "unexpected request");
	}
	fake_step *s = &fake_steps[fake_pos];
	fake_bodies[fake_pos++] = strdup(body);
	if (!fake_body_has(body, s->expect))
		return vs_fail(err, VS_ERR_USAGE, "request does not match");
	if (s->fault) {
		vs_fail(err, VS_ERR_FAULT, "%s: fault from the fake server.", s->fault);
		snprintf(err->fault, sizeof err->fault, "%s", s->fault);
		return -1;
	}
	size_t len_ = s->xml_len;
	char *owned_ = NULL;
	const char *xml_ = s->xml;
	if (s->gen) {
		xml_ = s->gen(s->gen_arg, &len_);
	} else if (s->file) {
		owned_ = fake_load(s->file, &len_);
		if (!owned_)
			return vs_fail(err, VS_ERR_USAGE, "missing test data");
		xml_ = owned_;
	}
	*xml = xml_;
	*len = len_;
	*owned = owned_;
	return 0;
}

static inline int fake_call(vs_conn *c, const char *body, vs_response_fn fn, void *ctx, vs_error *err)
{
	const char *xml;
	size_t len;
	char *owned;
	if (fake_step_bytes(body, &xml, &len, &owned, err) < 0)
		return -1;
	int ret = 0;
	if (fn) {
		xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
		xmlTextReaderSetErrorHandler(r, fake_quiet, NULL);
		ret = fn(r, ctx, err);
		xmlFreeTextReader(r);
	}
	free(owned);
	return ret;
}

static inline const vs_service_content *fake_content(vs_conn *c)
{
	return &fake_sc;
}

static inline int fake_fetch(vs_conn *c, const char *body, strbuf *resp, vs_error *err)
{
	const char *xml;
	size_t len;
	char *owned;
	strbuf_reset(resp);
	if (fake_step_bytes(body, &xml, &len, &owned, err) < 0)
		return -1;
	strbuf_add(resp, xml, len);
	free(owned);
	return 0;
}

static const vs_propcol_transport fake_transport = {
	.call = fake_call, .content = fake_content, .fetch = fake_fetch
};

/* For cmocka setup/teardown. */
static inline int fake_setup(void **state)
{
	fake_reset();
	vs_propcol_set_transport(&fake_transport);
	return 0;
}

static inline int fake_teardown(void **state)
{
	fake_reset();
	vs_propcol_set_transport(NULL);
	return 0;
}

#endif
