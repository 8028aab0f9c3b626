/* The ESXi host of each guest to probe, for the pool's per-host bound, when the inventory did
 * not give it (vm_facts.host NULL): one RetrievePropertiesEx of runtime.host over every VM
 * (about 60 bytes of answer per VM). The host's moref is only a key for the pool to group by;
 * the facts are not changed. */
#include "probe/probe.h"
#include "util/xalloc.h"
#include "vsphere/propcol.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *moref;
	size_t vm;
} vm_ref;

typedef struct {
	vm_ref *by_moref;      /* the guests without a host, sorted by moref */
	size_t n;
	char **keys;
	strbuf scratch;
} host_fill;

static int cmp_moref(const void *a, const void *b)
{
	return strcmp(((const vm_ref *)a)->moref, ((const vm_ref *)b)->moref);
}

static int on_host(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		   vs_error *err)
{
	(void)prop;
	(void)err;
	host_fill *h = ctx;
	vm_ref key = { .moref = moref };
	vm_ref *hit = bsearch(&key, h->by_moref, h->n, sizeof *h->by_moref, cmp_moref);
	const char *host = hit ? vs_xml_text_buf(val, &h->scratch) : NULL;
	if (host && *host && !h->keys[hit->vm])
		h->keys[hit->vm] = xstrdup(host);
	return 0;
}

char **probe_host_keys(vs_conn *c, const vm_facts *vms, size_t n, vs_error *err)
{
	host_fill h = { .by_moref = xcalloc(n ? n : 1, sizeof *h.by_moref),
			.keys = xcalloc(n ? n : 1, sizeof *h.keys) };
	strbuf_init(&h.scratch);
	for (size_t i = 0; i < n; i++)
		if (!vms[i].host && vms[i].moref && probe_applicable(&vms[i]))
			h.by_moref[h.n++] = (vm_ref){ vms[i].moref, i };
	int rc = 0;
	if (h.n) {
		qsort(h.by_moref, h.n, sizeof *h.by_moref, cmp_moref);
		char view[VS_MOREF_MAX];
		static const char *const paths[] = { "runtime.host" };
		rc = vs_view_create(c, "VirtualMachine", view, sizeof view, err);
		if (rc == 0) {
			rc = vs_retrieve(c, view, "VirtualMachine", paths, 1, 0, on_host, NULL, &h, err);
			vs_error ignored;
			vs_error_clear(&ignored);
			vs_view_destroy(c, view, &ignored);
		}
	}
	strbuf_done(&h.scratch);
	free(h.by_moref);
	if (rc != 0 || !h.n) {
		probe_host_keys_free(h.keys, n);
		return NULL;
	}
	return h.keys;
}

void probe_host_keys_free(char **keys, size_t n)
{
	for (size_t i = 0; keys && i < n; i++)
		free(keys[i]);
	free(keys);
}
