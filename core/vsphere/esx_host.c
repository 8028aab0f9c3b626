#include "vsphere/esx_host.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "vsphere/known_hosts.h"
#include "vsphere/propcol.h"
#include "util/strbuf.h"
#include "util/url.h"
#include "util/xalloc.h"

/* The host part of a transfer URL (util/url.c, the one URL splitter): its bounds and what
 * follows it. */
static int url_host(const char *url, const char **h, size_t *hn, const char **rest)
{
	size_t off;
	if (url_host_span(url, &off, hn) < 0)
		return -1;
	*h = url + off;
	*rest = *h + *hn;
	return 0;
}

static int is_ip(const char *h, size_t n)
{
	char buf[64];
	unsigned char addr[16];
	if (n && h[0] == '[')
		return 1;
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, h, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

int vs_esx_url_needs_host(const char *url, const char *vcenter_host)
{
	const char *h, *rest;
	size_t hn;
	if (url_host(url, &h, &hn, &rest) < 0 || (hn == 1 && *h == '*') || is_ip(h, hn))
		return 0;
	return !(vcenter_host && strlen(vcenter_host) == hn && !strncasecmp(h, vcenter_host, hn));
}

char *vs_esx_transfer_url(const char *url, const char *vcenter_host, const vs_esx_host *esx,
			  char **hostport)
{
	const char *h, *rest;
	size_t hn;
	*hostport = NULL;
	if (url_host(url, &h, &hn, &rest) < 0)
		return NULL;
	const char *host = NULL;
	if (hn == 1 && *h == '*')
		host = vcenter_host;
	else if (esx && esx->mgmt_ip[0] && !is_ip(h, hn))
		host = esx->mgmt_ip;
	strbuf u;
	strbuf_init(&u);
	strbuf_add(&u, url, (size_t)(h - url));
	if (host) {
		int v6 = strchr(host, ':') != NULL && host[0] != '[';
		strbuf_addf(&u, v6 ? "[%s]" : "%s", host);
	} else {
		strbuf_add(&u, h, hn);
	}
	size_t host_start = (size_t)(h - url), host_end = u.len;
	strbuf_adds(&u, rest);
	/* host:port as the HTTP layer keys it: up to the path */
	size_t hp_end = host_end + strcspn(u.buf + host_end, "/?#");
	*hostport = xstrndup(u.buf + host_start, hp_end - host_start);
	return strbuf_detach(&u, NULL);
}

/* ---- reading the host ---- */

typedef struct {
	char host[VS_MOREF_MAX];
	vs_esx_host *out;
	strbuf scratch;
	int n_mgmt;
} host_ctx;

static int on_vm(void *arg, const char *moref, const char *prop, xmlTextReaderPtr val,
		 vs_error *err)
{
	(void)moref;
	(void)err;
	host_ctx *h = arg;
	if (strcmp(prop, "runtime.host") == 0 && val) {
		const char *t = vs_xml_text_buf(val, &h->scratch);
		if (t)
			snprintf(h->host, sizeof h->host, "%s", t);
	}
	return 0;
}

/* One VirtualNicManagerNetConfig: when its nicType is "management", the addresses of its
 * selected candidate vNICs. */
static int net_config(host_ctx *h, xmlTextReaderPtr r)
{
	char type[32] = "", keys[4][128], ips[8][64], ip_keys[8][128];
	size_t n_keys = 0, n_ips = 0;
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	int ret;
	while ((ret = vs_xml_iter_next(&it)) == 1) {
		if (vs_xml_is(r, "nicType")) {
			const char *t = vs_xml_text_buf(r, &h->scratch);
			snprintf(type, sizeof type, "%s", t ? t : "");
		} else if (vs_xml_is(r, "selectedVnic") && n_keys < 4) {
			const char *t = vs_xml_text_buf(r, &h->scratch);
			snprintf(keys[n_keys++], sizeof keys[0], "%s", t ? t : "");
		} else if (vs_xml_is(r, "candidateVnic") && n_ips < 8) {
			char key[128] = "", ip[64] = "";
			vs_xml_iter c;
			vs_xml_iter_init(&c, r);
			while (vs_xml_iter_next(&c) == 1) {
				if (vs_xml_is(r, "key")) {
					const char *t = vs_xml_text_buf(r, &h->scratch);
					snprintf(key, sizeof key, "%s", t ? t : "");
				} else if (vs_xml_is(r, "spec")) {
					vs_xml_iter s;
					vs_xml_iter_init(&s, r);
					while (vs_xml_iter_next(&s) == 1) {
						if (!vs_xml_is(r, "ip"))
							continue;
						vs_xml_iter i;
						vs_xml_iter_init(&i, r);
						while (vs_xml_iter_next(&i) == 1)
							if (vs_xml_is(r, "ipAddress")) {
								const char *t = vs_xml_text_buf(r, &h->scratch);
								snprintf(ip, sizeof ip, "%s", t ? t : "");
							}
					}
				}
			}
			snprintf(ip_keys[n_ips], sizeof ip_keys[0], "%s", key);
			snprintf(ips[n_ips++], sizeof ips[0], "%s", ip);
		}
	}
	/* a malformed inner element breaks the outer iteration too: ret says it */
	if (ret < 0)
		return -1;
	if (strcmp(type, "management") != 0)
		return 0;
	for (size_t k = 0; k < n_keys; k++)
		for (size_t i = 0; i < n_ips; i++)
			if (!strcmp(keys[k], ip_keys[i]) && ips[i][0]) {
				if (!h->n_mgmt++)
					snprintf(h->out->mgmt_ip, sizeof h->out->mgmt_ip, "%.63s", ips[i]);
			}
	return 0;
}

static int on_host(void *arg, const char *moref, const char *prop, xmlTextReaderPtr val,
		   vs_error *err)
{
	(void)moref;
	host_ctx *h = arg;
	if (!val)
		return 0;
	if (strcmp(prop, "summary.config.sslThumbprint") == 0) {
		const char *t = vs_xml_text_buf(val, &h->scratch);
		char norm[VS_THUMB_LEN];
		if (t && vs_thumbprint_normalize(t, norm, sizeof norm) > 0)
			snprintf(h->out->thumbprint, sizeof h->out->thumbprint, "%s", norm);
	} else if (strcmp(prop, "config.virtualNicManagerInfo.netConfig") == 0) {
		vs_xml_iter it;
		vs_xml_iter_init(&it, val);
		int ret;
		while ((ret = vs_xml_iter_next(&it)) == 1)
			if (net_config(h, val) < 0)
				return vs_fail(err, VS_ERR_PARSE, "The host's network configuration "
					       "cannot be read.");
		if (ret < 0)
			return vs_fail(err, VS_ERR_PARSE, "The host's network configuration cannot "
				       "be read.");
	}
	return 0;
}

int vs_esx_host_of_vm(vs_conn *c, const char *vm_moref, vs_esx_host *out, vs_error *err)
{
	host_ctx h = { .out = out };
	memset(out, 0, sizeof *out);
	strbuf_init(&h.scratch);
	static const char *const vm_paths[] = { "runtime.host" };
	static const char *const host_paths[] = { "summary.config.sslThumbprint",
						  "config.virtualNicManagerInfo.netConfig" };
	int rc = vs_retrieve_object(c, "VirtualMachine", vm_moref, vm_paths, 1, on_vm, &h, err);
	if (rc == 0 && !h.host[0])
		rc = vs_fail(err, VS_ERR_FAULT, "vCenter names no host for VM %s.", vm_moref);
	if (rc == 0)
		rc = vs_retrieve_object(c, "HostSystem", h.host, host_paths, 2, on_host, &h, err);
	if (h.n_mgmt != 1)
		out->mgmt_ip[0] = '\0'; /* several: which one routes here is not known (govmomi too) */
	strbuf_done(&h.scratch);
	return rc;
}
