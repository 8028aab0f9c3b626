#include "cli/conn.h"
#include "util/secret.h"
#include "util/xalloc.h"
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

int conn_opts_parse_arg(conn_opts *o, int argc, char **argv, int *i, char *msg, size_t n)
{
	static const struct {
		const char *name;
		size_t field;
	} valued[] = {
		{ "--server", offsetof(conn_opts, server) },
		{ "--user", offsetof(conn_opts, user) },
		{ "--thumbprint", offsetof(conn_opts, thumbprint) },
		{ "--ca-file", offsetof(conn_opts, ca_file) },
		{ "--known-hosts", offsetof(conn_opts, known_hosts) },
		{ "--guest-user", offsetof(conn_opts, guest_user) },
	};
	const char *arg = argv[*i];
	if (!strcmp(arg, "--insecure") || !strcmp(arg, "-k")) {
		o->insecure = true;
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

/* GOVC_URL may carry user:password@ like govc accepts; the password part is taken as a secret. */
static void take_url(conn_opts *o, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth = scheme ? scheme + 3 : url;
	const char *at = strchr(auth, '@');
	const char *slash = strchr(auth, '/');
	if (!at || (slash && at > slash)) {
		o->server = xstrdup(url);
		return;
	}
	char *cred = xstrndup(auth, (size_t)(at - auth));
	char *colon = strchr(cred, ':');
	if (colon) {
		*colon = '\0';
		if (!o->password)
			o->password = secret_dup(colon + 1);
		explicit_bzero(colon + 1, strlen(colon + 1));
	}
	if (!o->user && *cred)
		o->user = xstrdup(cred);
	free(cred);
	o->server = scheme ? xasprintf("%.*s%s", (int)(scheme + 3 - url), url, at + 1) : xstrdup(at + 1);
}

void conn_opts_from_env(conn_opts *o)
{
	if (!o->server) {
		const char *url = first_env("QUIESCENT_SERVER", "GOVC_URL");
		if (url)
			take_url(o, url);
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
	if (!o->known_hosts) {
		const char *kh = first_env("GOVC_TLS_KNOWN_HOSTS", NULL);
		if (kh) {
			o->known_hosts = xstrdup(kh);
		} else {
			const char *xdg = getenv("XDG_CONFIG_HOME");
			const char *home = getenv("HOME");
			if (xdg && *xdg)
				o->known_hosts = xasprintf("%s/quiescent/known_hosts", xdg);
			else if (home && *home)
				o->known_hosts = xasprintf("%s/.config/quiescent/known_hosts", home);
		}
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
	       "  --server URL|HOST     vCenter or ESXi (env QUIESCENT_SERVER, GOVC_URL)\n"
	       "  --user USER           login user (env QUIESCENT_USER, GOVC_USERNAME)\n"
	       "                        password: env QUIESCENT_PASSWORD or GOVC_PASSWORD, else a prompt\n"
	       "  --thumbprint SHA256   pin the server certificate's SHA-256 fingerprint\n"
	       "  --ca-file FILE        trust this PEM bundle (env GOVC_TLS_CA_CERTS)\n"
	       "  --known-hosts FILE    govc-style known hosts (env GOVC_TLS_KNOWN_HOSTS,\n"
	       "                        default $XDG_CONFIG_HOME/quiescent/known_hosts)\n"
	       "  -k, --insecure        do not verify the certificate at all (env GOVC_INSECURE)\n"
	       "  --guest-user USER     guest login for the guest probe; password: env\n"
	       "                        QUIESCENT_GUEST_PASSWORD, GOVC_GUEST_LOGIN=user:pass, or a prompt\n";
}

int conn_opts_complete(conn_opts *o, bool want_guest, char *msg, size_t n)
{
	if (!o->server) {
		snprintf(msg, n, "no server given: use --server or set GOVC_URL");
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

/* The host[:port] part of a URL or bare host, as known_hosts keys it. */
static char *host_of(const char *server)
{
	const char *p = strstr(server, "://");
	p = p ? p + 3 : server;
	size_t len = strcspn(p, "/");
	return xstrndup(p, len);
}

vs_session *conn_open(const conn_opts *o, vs_error *err)
{
	vs_connect_opts c = {
		.url = o->server,
		.user = o->user,
		.password = o->password,
		.thumbprint = o->thumbprint,
		.ca_file = o->ca_file,
		.known_hosts = o->known_hosts,
		.insecure = o->insecure,
	};
	char pinned[128];
	char *host = host_of(o->server);
	if (!c.thumbprint && !c.insecure && o->known_hosts &&
	    vs_known_hosts_lookup(o->known_hosts, host, pinned, sizeof pinned) == 1)
		c.thumbprint = pinned;
	if (c.insecure)
		fprintf(stderr, "quiescent: warning: --insecure: the certificate of %s is not verified\n", host);
	vs_session *s = vs_session_connect(&c, err);
	if (!s && err->kind == VS_ERR_TLS && !c.thumbprint && !c.insecure) {
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
