/* conn: the connection options every command shares (--server, --user, TLS, guest login),
 * read from the command line and the environment (QUIESCENT_* first, then govc's GOVC_*),
 * and the one place that turns them into a logged-in vs_session. */
#ifndef QUIESCENT_FRONTEND_CONN_H
#define QUIESCENT_FRONTEND_CONN_H

#include <stdbool.h>

#include "probe/guest_logins.h"
#include "vsphere/session.h"

typedef struct {
	char *server;        /* as given (URL or host), never with userinfo: conn_opts_set_server */
	char *server_error;  /* why the given server could not be parsed, or NULL */
	/* The vCenters after the first (--server repeated), without userinfo: each one is
	 * reached with the same user, password and trust options; --thumbprint pins the first
	 * server only (the others: known_hosts or the CA store). */
	char **more_servers;
	size_t n_more_servers;
	bool several_servers;  /* this command takes --server more than once (scan, the console);
				* the others refuse a second one rather than ignore it */
	bool quiet_notes;    /* conn_open leaves the --insecure note to the caller (console) */
	char *user;
	char *password;      /* secret (util/secret.h) */
	char *thumbprint;
	char *ca_file;
	char *known_hosts;
	bool insecure;
	char *guest_user;
	char *guest_password; /* secret */
	bool guest_from_env;
	char *guest_logins_path;  /* --guest-logins, default in the config dir */
	guest_logins *guest_logins; /* its rules, passwords fetched by conn_opts_complete */
	int read_streams;    /* --read-streams: slices of the VMs read at once (0: default) */
	char *pin_advice;    /* how the user pins an untrusted certificate, completed by its
			      * fingerprint: NULL for "pass --thumbprint" (the console says
			      * "run :connect SERVER") */
} conn_opts;

void conn_opts_init(conn_opts *o);
void conn_opts_done(conn_opts *o);

/* Consumes a connection option at argv[*i] (advancing *i past its value). Returns 1 when it
 * was one, 0 when it is not a connection option, -1 on a missing value (msg filled). */
int conn_opts_parse_arg(conn_opts *o, int argc, char **argv, int *i, char *msg, size_t n);
/* Takes a server URL or name (--server, GOVC_URL, :connect): a govc-style user:password@ in it
 * fills user and password when those are not set yet (password into secret memory), and only
 * the URL without userinfo is kept. An unparsable one is remembered as server_error. */
void conn_opts_set_server(conn_opts *o, const char *in);
/* How many vCenters were given (1 + more_servers; 1 also when none: the error comes later). */
size_t conn_opts_server_count(const conn_opts *o);
/* The options for vCenter k (0: the first --server): a shallow view of o, valid while o is;
 * never conn_opts_done it. For k > 0, --thumbprint is left out (it pins the first). */
void conn_opts_for_server(const conn_opts *o, size_t k, conn_opts *view);

/* Fills what the command line left out from the environment. */
void conn_opts_from_env(conn_opts *o);
/* Help text of the shared options, for every command's --help. */
const char *conn_opts_help(void);

/* Asks for missing passwords on the terminal; with want_guest, for the guest password too
 * when a guest user is known. Returns 0, or -1 with msg when a needed secret is missing. */
int conn_opts_complete(conn_opts *o, bool want_guest, char *msg, size_t n);

/* With --insecure, the sentence that says what it does for this server: nothing when the
 * certificate is pinned (--thumbprint, known_hosts), else no verification. 1 when buf was
 * filled, 0 without --insecure. */
int conn_trust_note(const conn_opts *o, char *buf, size_t n);

/* Connects and logs in. On failure err says why in one sentence; TLS trouble with an unknown
 * certificate names its fingerprint and how to trust it. */
vs_session *conn_open(const conn_opts *o, vs_error *err);

#endif
