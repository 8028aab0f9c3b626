/* session: one logged-in conversation with vCenter/ESXi (SOAP over HTTPS).
 *
 * A session owns the libcurl share handle (cookie + TLS session + DNS cache shared by every
 * worker's easy handle), the negotiated API version, the ServiceContent morefs, and the
 * credentials needed for one transparent re-login on NotAuthenticated. It is thread-safe: each
 * thread calls through its own vs_conn (one curl easy handle), created by vs_conn_new. */
#ifndef QUIESCENT_VS_SESSION_H
#define QUIESCENT_VS_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "vsphere/vs_error.h"

typedef struct vs_session vs_session;
typedef struct vs_conn vs_conn;

typedef struct {
	const char *url;          /* "https://vc01/sdk", "vc01" (-> https://vc01/sdk) */
	const char *user;
	const char *password;     /* copied into locked memory, zeroed on free; never logged */
	const char *thumbprint;   /* pinned SHA-256 of the leaf cert, hex with or without ':' */
	const char *ca_file;      /* PEM bundle instead of the system CA store */
	const char *known_hosts;  /* govc-format file to look the host's thumbprint up in */
	const char *pin_source;   /* where .thumbprint came from, for messages (NULL: the option) */
	bool insecure;            /* no verification where nothing is pinned: a pin (thumbprint
				   * or known_hosts) always decides */
	int timeout_s;            /* per request no-progress bound (0: default 60) */
} vs_connect_opts;

/* Connects, verifies TLS (pin decided inside the handshake, before any body is sent),
 * RetrieveServiceContent, Login. NULL on failure with err filled (kind LOGIN/TLS/NETWORK). */
vs_session *vs_session_connect(const vs_connect_opts *opts, vs_error *err);
/* Logout (best effort) and free. NULL is fine. */
void vs_session_free(vs_session *s);

const char *vs_session_api_version(const vs_session *s);   /* "7.0.3.0" */
const char *vs_session_server(const vs_session *s);        /* host[:port] as given */
const char *vs_session_user(const vs_session *s);
const char *vs_session_api_type(const vs_session *s);      /* "VirtualCenter" / "HostAgent" */
/* The SHA-256 of the server's leaf certificate, "AB:CD:..." (for TOFU prompts, known_hosts). */
const char *vs_session_thumbprint(const vs_session *s);

/* ServiceContent morefs (values like "propertyCollector", "ViewManager"). */
typedef struct {
	char root_folder[64];
	char property_collector[64];
	char view_manager[64];
	char session_manager[64];
	char event_manager[64];
	char task_manager[64];
	char guest_operations_manager[64];
	char file_manager[64];
	char process_manager[64];   /* from GuestOperationsManager.processManager */
	char guest_file_manager[64];/* from GuestOperationsManager.fileManager */
} vs_service_content;
const vs_service_content *vs_session_content(const vs_session *s);

/* One connection per thread. */
vs_conn *vs_conn_new(vs_session *s, vs_error *err);
void vs_conn_free(vs_conn *c);
vs_session *vs_conn_session(vs_conn *c);

/* Keeps the session alive (call every few minutes from an idle worker): reads
 * SessionManager.currentSession, and logs in again when the server has dropped the session.
 * 0 or -1 with err. */
int vs_session_keepalive(vs_conn *c, vs_error *err);

/* How many Guest Operations requests (StartProgramInGuest, ListProcessesInGuest, file
 * transfers, ...) the session has sent so far, from every connection and thread. */
unsigned long long vs_session_guest_calls(vs_session *s);

/* Asks every in-flight request on this session to stop (Ctrl-C): they fail VS_ERR_CANCELLED,
 * and so do vs_task_wait loops. Requests started afterwards run normally. */
void vs_session_cancel(vs_session *s);

/* Server certificate probe without logging in: fills the SHA-256 thumbprint ("AB:CD:..") of
 * the leaf certificate, and whether the system CA store (or ca_file) trusts it for that host.
 * Used for trust-on-first-use prompts. */
int vs_probe_certificate(const char *url, const char *ca_file, char *thumbprint, size_t n,
			 bool *trusted, vs_error *err);

#endif
