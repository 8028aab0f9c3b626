/* esx_host: the ESXi host behind a guest file transfer URL. Through vCenter,
 * InitiateFileTransferFromGuest names the VM's host by its inventory name, which the jump host
 * often cannot resolve. As govmomi does, the URL's host becomes the host's management IP (when
 * it has exactly one management vNIC), and the download is pinned to the certificate
 * thumbprint vCenter reports for that host (HostSystem summary.config.sslThumbprint). */
#ifndef QUIESCENT_VS_ESX_HOST_H
#define QUIESCENT_VS_ESX_HOST_H

#include <stddef.h>

#include "vsphere/http.h"
#include "vsphere/vs_error.h"

typedef struct {
	char mgmt_ip[64];                /* "" when not exactly one management address */
	char thumbprint[VS_THUMB_LEN];   /* normalised, "" when vCenter gave none */
} vs_esx_host;

/* Reads the management address and thumbprint of the host running vm_moref. 0 or -1. */
int vs_esx_host_of_vm(vs_conn *c, const char *vm_moref, vs_esx_host *out, vs_error *err);

/* The transfer URL to use: '*' replaced by the vCenter host; a host name replaced by
 * esx->mgmt_ip when there is one (esx may be NULL). Heap string; *hostport (heap) gets the
 * URL's "host:port". NULL when url is not https. The host's thumbprint is checked by
 * vs_http_get_pinned (http.h). */
char *vs_esx_transfer_url(const char *url, const char *vcenter_host, const vs_esx_host *esx,
			  char **hostport);

/* Whether a transfer URL names another host than vCenter by name (not '*', not an IP). */
int vs_esx_url_needs_host(const char *url, const char *vcenter_host);

#endif
