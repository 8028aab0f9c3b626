#include "frontend/conn.h"
#include "util/config_path.h"
#include "util/secret.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "vsphere/inventory.h"
#include "vsphere/known_hosts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void conn_opts_init(conn_opts *o)
{
	memset(o, 0, sizeof *o);
}

void conn_opts_done(conn_opts *o)
{
	free(o->server);
	free(o->user);
	secret_free(o->password);
	free(o->thumbprint);
	free(o->ca_file);
	free(o->known_hosts);
	free(o->guest_user);
	secret_free(o->guest_password);
	free(o->pin_advice);
	free(o->server_error);
	free(o->guest_logins_path);
	guest_logins_free(o->guest_logins);
	for (size_t i = 0; i < o->n_more_servers; i++)
		free(o->more_servers[i]);
	free(o->more_servers);
	conn_opts_init(o);
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

static const char *first_env(const char *a, const char *b)
{
	const char *v = getenv(a);
	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

/* One more vCenter (the second --server and after): its URL without userinfo; a user and
 * password in it are taken as conn_opts_set_server does when none are set yet. A server given
 * twice is refused: it would be scanned twice. */
static int add_server(conn_opts *o, const char *in, char *msg, size_t n)
{
	url_parts u;
	char why[256];
	if (url_parse(in, &u, why, sizeof why) < 0) {
		/* never shown: it may hold a password */
		snprintf(msg, n, "cannot use --server number %zu: %s", o->n_more_servers + 2, why);
		url_parts_done(&u);
		return -1;
	}
	if (u.user && !o->user)
		o->user = xstrdup(u.user);
	if (u.password && !o->password) {
		o->password = u.password;
		u.password = NULL;
	}
	char *server = xstrdup(strchr(in, '@') ? u.url : in);
	url_parts_done(&u);
	char *key = url_server_key(server);
	bool twice = false;
	for (size_t k = 0; k <= o->n_more_servers && !twice; k++) {
		char *other = url_server_key(k ? o->more_servers[k - 1] : o->server);
		twice = key && other && !strcasecmp(key, other);
		free(other);
	}
	if (twice) {
		snprintf(msg, n, "--server %s is given twice", key);
		free(key);
		free(server);
		return -1;
	}
	free(key);
	o->more_servers = xrealloc(o->more_servers, (o->n_more_servers + 1) * sizeof *o->more_servers);
	o->more_servers[o->n_more_servers++] = server;
	return 0;
}

size_t conn_opts_server_count(const conn_opts *o)
{
	return 1 + o->n_more_servers;
}

void conn_opts_for_server(const conn_opts *o, size_t k, conn_opts *view)
{
	*view = *o;
	if (k == 0 || k > o->n_more_servers)
		return;
	view->server = o->more_servers[k - 1];
	view->server_error = NULL;
	view->thumbprint = NULL;
	view->more_servers = NULL;
	view->n_more_servers = 0;
}

int conn_opts_parse_arg(conn_opts *o, int argc, char **argv, int *i, char *msg, size_t n)
{
	static const struct {
		const char *name;
		size_t field;
	} valued[] = {
		{ "--user", offsetof(conn_opts, user) },
		{ "--thumbprint", offsetof(conn_opts, thumbprint) },
		{ "--ca-file", offsetof(conn_opts, ca_file) },
		{ "--known-hosts", offsetof(conn_opts, known_hosts) },
		{ "--guest-user", offsetof(conn_opts, guest_user) },
		{ "--guest-logins", offsetof(conn_opts, guest_logins_path) },
	};
	const char *arg = argv[*i];
	if (!strcmp(arg, "--server") || !strncmp(arg, "--server=", 9)) {
		if (!arg[8] && *i + 1 >= argc) {
			snprintf(msg, n, "--server needs a value");
			return -1;
		}
		char *value = arg[8] ? argv[*i] + 9 : argv[++*i];
		bool more = o->server != NULL; /* a repeated --server: one more vCenter */
		int more_rc = 0;
		if (more && !o->several_servers) {
			snprintf(msg, n, "--server is given twice: this command works on one vCenter at a "
				 "time (scan and the console take several)");
			more_rc = -1;
		} else if (more) {
			more_rc = add_server(o, value, msg, n);
		}
		if (!more)
			conn_opts_set_server(o, value);
		size_t off, len;
		char *at = strrchr(value, '@');
		if ((more ? more_rc < 0 : o->server_error != NULL) && at) {
			/* Unreadable, yet it may hold a password ("u:pa/ss@vc"): all before the last
			 * '@' goes. */
			char *auth = strstr(value, "://");
			auth = auth && auth < at ? auth + 3 : value;
			off = (size_t)(auth - value);
			len = (size_t)(at - auth);
		} else if (url_password_span(value, &off, &len) < 0) {
			len = 0;
		}
		if (len) {
			/* As mysql does: the copy in our memory is all we need; other local users can
			 * read the command line (ps, /proc/PID/cmdline), so it is overwritten now. */
			memset(value + off, 'x', len);
			fprintf(stderr, "quiescent: warning: the password in --server was visible to "
				"other local users on the command line; use QUIESCENT_PASSWORD or the "
				"prompt instead\n");
		}
		return more_rc < 0 ? -1 : 1;
	}
	if (!strcmp(arg, "--insecure") || !strcmp(arg, "-k")) {
		o->insecure = true;
		return 1;
	}
	if (!strcmp(arg, "--read-streams") || !strncmp(arg, "--read-streams=", 15)) {
		if (!arg[14] && *i + 1 >= argc) {
			snprintf(msg, n, "--read-streams needs a value");
			return -1;
		}
		const char *value = arg[14] ? arg + 15 : argv[++*i];
		char *end;
		long v = strtol(value, &end, 10);
		if (end == value || *end || v < 1 || v > INVENTORY_STREAMS_MAX) {
			snprintf(msg, n, "--read-streams takes a number from 1 to %d, not '%s'",
				 INVENTORY_STREAMS_MAX, value);
			return -1;
		}
		o->read_streams = (int)v;
		return 1;
	}
	if (!strcmp(arg, "--password")) {
		snprintf(msg, n, "passwords are not taken on the command line: set QUIESCENT_PASSWORD or answer the prompt");
		return -1;
	}
	for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) {
		size_t len = strlen(valued[k].name);
		const char *value = NULL;
		if (!strcmp(arg, valued[k].name)) {
			if (*i + 1 >= argc) {
				snprintf(msg, n, "%s needs a value", valued[k].name);
				return -1;
			}
			value = argv[++*i];
		} else if (!strncmp(arg, valued[k].name, len) && arg[len] == '=') {
			value = arg + len + 1;
		} else {
			continue;
		}
		xstrset((char **)((char *)o + valued[k].field), value);
		return 1;
	}
	return 0;
}

void conn_opts_set_server(conn_opts *o, const char *in)
{
	url_parts u;
	char msg[256];
	free(o->server_error);
	o->server_error = NULL;
	if (url_parse(in, &u, msg, sizeof msg) < 0) {
		/* Kept only for the error: it may hold a password, so it is never shown. */
		o->server_error = xstrdup(msg);
		xstrset(&o->server, "(an unreadable server URL)");
		url_parts_done(&u);
		return;
	}
	/* govc's user:password@ (split at the last '@', percent-decoded): --user and an earlier
	 * password win; the password is in secret memory already. */
	if (u.user && !o->user)
		o->user = xstrdup(u.user);
	if (u.password && !o->password) {
		o->password = u.password;
		u.password = NULL;
	}
	/* Everything after this point sees the server without userinfo. */
	if (strchr(in, '@'))
		xstrset(&o->server, u.url);
	else
		xstrset(&o->server, in);
	url_parts_done(&u);
}

void conn_opts_from_env(conn_opts *o)
{
	if (!o->server) {
		const char *url = first_env("QUIESCENT_SERVER", "GOVC_URL");
		if (url)
			conn_opts_set_server(o, url);
	}
	/* Used or not, a password in these is overwritten: a child (a password command of the
	 * guest logins file) inherits the environment. */
	static const char *const url_vars[] = { "QUIESCENT_SERVER", "GOVC_URL" };
	for (size_t i = 0; i < sizeof url_vars / sizeof url_vars[0]; i++) {
		char *v = getenv(url_vars[i]);
		size_t off, len;
		if (v && url_password_span(v, &off, &len) == 0)
			memset(v + off, 'x', len);
	}
	if (!o->user) {
		const char *u = first_env("QUIESCENT_USER", "GOVC_USERNAME");
		if (u)
			o->user = xstrdup(u);
	}
	if (!o->password)
		o->password = secret_from_env("QUIESCENT_PASSWORD");
	if (!o->password)
		o->password = secret_from_env("GOVC_PASSWORD");
	unsetenv("QUIESCENT_PASSWORD"); /* never inherited by a child, whichever one was used */
	unsetenv("GOVC_PASSWORD");
	if (!o->insecure)
		o->insecure = env_true("GOVC_INSECURE");
	if (!o->ca_file) {
		const char *ca = first_env("GOVC_TLS_CA_CERTS", NULL);
		if (ca)
			o->ca_file = xstrdup(ca);
	}
	if (!o->guest_logins_path)
		o->guest_logins_path = config_path("guest-logins");
	if (!o->known_hosts) {
		const char *kh = first_env("GOVC_TLS_KNOWN_HOSTS", NULL);
		o->known_hosts = kh ? xstrdup(kh) : config_path("known_hosts");
	}
	char *login = secret_from_env("GOVC_GUEST_LOGIN");
	if (login) {
		char *colon = strchr(login, ':');
		if (colon && !o->guest_password) {
			*colon = '\0';
			if (!o->guest_user)
				o->guest_user = xstrdup(login);
			if (!strcmp(o->guest_user, login)) {
				o->guest_password = secret_dup(colon + 1);
				o->guest_from_env = true;
			}
		}
		secret_free(login);
	}
	if (!o->guest_password && o->guest_user)
		o->guest_password = secret_from_env("QUIESCENT_GUEST_PASSWORD");
	unsetenv("QUIESCENT_GUEST_PASSWORD");
}

const char *conn_opts_help(void)
{
	return "Connection:\n"
	       "  --server URL|HOST     vCenter or ESXi (env QUIESCENT_SERVER, GOVC_URL);\n"
	       "                        repeat it for several vCenters at once\n"
	       "  --user USER           login user (env QUIESCENT_USER, GOVC_USERNAME)\n"
	       "                        password: env QUIESCENT_PASSWORD or GOVC_PASSWORD, else a prompt\n"
	       "  --thumbprint SHA256   pin the server certificate's SHA-256 fingerprint\n"
	       "  --ca-file FILE        trust this PEM bundle (env GOVC_TLS_CA_CERTS)\n"
	       "  --known-hosts FILE    govc-style known hosts (env GOVC_TLS_KNOWN_HOSTS,\n"
	       "                        default $XDG_CONFIG_HOME/quiescent/known_hosts)\n"
	       "  -k, --insecure        do not verify the certificate at all (env GOVC_INSECURE)\n"
	       "  --read-streams N      read the VMs in N slices at once, each over its own\n"
	       "                        connection (1 to 8, default 2; 1: one retrieval)\n"
	       "  --guest-user USER     guest login for the guest probe; password: env\n"
	       "                        QUIESCENT_GUEST_PASSWORD, GOVC_GUEST_LOGIN=user:pass, or a prompt\n"
	       "  --guest-logins FILE   guest accounts per VM name or folder (default\n"
	       "                        $XDG_CONFIG_HOME/quiescent/guest-logins)\n";
}

int conn_opts_complete(conn_opts *o, bool want_guest, char *msg, size_t n)
{
	if (!o->server) {
		snprintf(msg, n, "no server given: use --server or set GOVC_URL");
		return -1;
	}
	if (o->server_error) {
		snprintf(msg, n, "cannot use that server: %s", o->server_error);
		return -1;
	}
	if (!o->user) {
		snprintf(msg, n, "no user given: use --user or set GOVC_USERNAME");
		return -1;
	}
	if (!o->password) {
		char prompt[300];
		snprintf(prompt, sizeof prompt, "Password for %s@%s: ", o->user, o->server);
		o->password = secret_prompt(prompt);
		if (!o->password) {
			snprintf(msg, n, "no password: set QUIESCENT_PASSWORD (or GOVC_PASSWORD), or run on a terminal to be asked");
			return -1;
		}
	}
	if (want_guest && o->guest_logins_path && !o->guest_logins) {
		o->guest_logins = guest_logins_load(o->guest_logins_path, msg, n);
		if (!o->guest_logins && msg[0])
			return -1;
		if (o->guest_logins && guest_logins_resolve(o->guest_logins, msg, n) < 0)
			return -1;
	}
	if (want_guest && o->guest_user && !o->guest_password) {
		char prompt[300];
		snprintf(prompt, sizeof prompt, "Guest password for %s: ", o->guest_user);
		o->guest_password = secret_prompt(prompt);
		if (!o->guest_password) {
			snprintf(msg, n, "no guest password for %s: set QUIESCENT_GUEST_PASSWORD or GOVC_GUEST_LOGIN", o->guest_user);
			return -1;
		}
	}
	return 0;
}

int conn_trust_note(const conn_opts *o, char *buf, size_t n)
{
	if (!o->insecure)
		return 0;
	char pinned[128];
	const char *from = NULL;
	char *host = url_server_key(o->server);
	if (vs_known_hosts_pin(o->thumbprint, o->known_hosts, host, pinned, sizeof pinned, &from) > 0)
		snprintf(buf, n, "--insecure (or GOVC_INSECURE) is not used for %s: its certificate is "
			 "pinned (%s) and the pin decides", host ? host : o->server, from);
	else
		snprintf(buf, n, "--insecure: the certificate of %s is not verified (nothing is "
			 "pinned for it)", host ? host : o->server);
	free(host);
	return 1;
}

vs_session *conn_open(const conn_opts *o, vs_error *err)
{
	if (o->read_streams)
		inventory_set_streams(o->read_streams);
	vs_connect_opts c = {
		.url = o->server,
		.user = o->user,
		.password = o->password,
		.ca_file = o->ca_file,
		.known_hosts = o->known_hosts,
		.insecure = o->insecure,
	};
	if (o->server_error) {
		vs_fail(err, VS_ERR_USAGE, "Cannot use that server: %s.", o->server_error);
		return NULL;
	}
	char pinned[128];
	char *host = url_server_key(o->server);
	const char *from = NULL;
	if (vs_known_hosts_pin(o->thumbprint, o->known_hosts, host, pinned, sizeof pinned, &from) > 0) {
		c.thumbprint = pinned;
		c.pin_source = from;
	}
	char note[512];
	if (!o->quiet_notes && conn_trust_note(o, note, sizeof note))
		fprintf(stderr, "quiescent: %s%s\n", c.thumbprint ? "note: " : "warning: ", note);
	vs_session *s = vs_session_connect(&c, err);
	/* Only a certificate the CA store refused gets the pin advice: a name mismatch or a
	 * protocol failure keeps its own sentence. */
	if (!s && err->kind == VS_ERR_TLS && !c.thumbprint && !c.insecure &&
	    strstr(err->message, " is not trusted (")) {
		char thumb[128];
		bool trusted = false;
		vs_error probe_err;
		vs_error_clear(&probe_err);
		if (vs_probe_certificate(o->server, o->ca_file, thumb, sizeof thumb, &trusted, &probe_err) == 0 && !trusted) {
			/* The TLS layer's own sentence may already name the fingerprint ("The certificate
			 * of H is not trusted (WHY); its SHA-256 fingerprint is F: ..."): only its WHY is
			 * kept, so the fingerprint is said once and not cut off at the end. */
			char why[sizeof err->message];
			snprintf(why, sizeof why, "%s", err->message);
			char *lparen = strchr(why, '(');
			char *rparen = strstr(why, "); its SHA-256");
			const char *reason = why;
			if (lparen && rparen && rparen > lparen) {
				*rparen = '\0';
				reason = lparen + 1;
			}
			vs_fail(err, VS_ERR_TLS,
				"%s is not trusted (%s); its SHA-256 fingerprint is %s: if that is right, %s %s.",
				host, reason, thumb, o->pin_advice ? o->pin_advice : "pass --thumbprint", thumb);
		}
	}
	free(host);
	return s;
}
