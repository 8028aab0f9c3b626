#include "vsphere/guest.h"
#include "vsphere/guest_login.h"
#include "vsphere/esx_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/strbuf.h"
#include "util/xalloc.h"
#include "vsphere/http.h"
#include "util/secret.h"
#include "vsphere/soap.h"
#include "util/monoclock.h"

#define STR_SET(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

typedef struct {
	const char *vm, *user, *password;
} guest_auth;

/* One guest operation: head (method, _this, vm) + auth (secret) + rest, in locked memory. */
static int guest_call(vs_conn *c, const char *method, const char *mgr_type, const char *mgr,
		      const guest_auth *a, const char *rest, vs_response_fn fn, void *ctx,
		      vs_error *err)
{
	strbuf head;
	strbuf_init(&head);
	strbuf_addf(&head, "<%s xmlns=\"urn:vim25\">", method);
	vs_soap_add_moref(&head, "_this", mgr_type, mgr);
	vs_soap_add_moref(&head, "vm", "VirtualMachine", a->vm);
	strbuf_adds(&head, "<auth xsi:type=\"NamePasswordAuthentication\">"
		    "<interactiveSession>false</interactiveSession>");
	vs_soap_add_text(&head, "username", a->user);
	strbuf tail;
	strbuf_init(&tail);
	strbuf_adds(&tail, "</password></auth>");
	strbuf_adds(&tail, rest);
	strbuf_addf(&tail, "</%s>", method);
	secret *body = secret_new(head.len + 10 + secret_xml_escaped_len(a->password) + tail.len);
	secret_add(body, head.buf);
	secret_add(body, "<password>");
	secret_add_xml(body, a->password);
	secret_add(body, tail.buf);
	strbuf_done(&head);
	strbuf_done(&tail);
	atomic_fetch_add(&c->s->guest_calls, 1);
	int rc = vs_soap_call_ex(c, secret_data(body), VS_SOAP_SECRET, fn, ctx, err);
	secret_release(body);
	if (rc < 0 && err && *a->password && strstr(err->message, a->password))
		vs_fail(err, err->kind, "%s in VM %s failed.", method, a->vm);
	return rc;
}

/* ---- responses ---- */

typedef struct {
	long long pid;
	bool seen;        /* the last ListProcessesInGuest named the process */
	bool ended;
	int exit_code;
	char size[32];
	char *url;
} guest_state;

static int read_pid(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	guest_state *g = arg;
	char *t = vs_xml_text(r);
	g->pid = t ? atoll(t) : 0;
	free(t);
	return 0;
}

static int on_pid(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	guest_state *g = arg;
	if (vs_xml_each_returnval(r, read_pid, g, err) < 0)
		return -1;
	return g->pid > 0 ? 0 :
	       vs_fail(err, VS_ERR_PARSE, "StartProgramInGuest returned no process id.");
}

/* One GuestProcessInfo: remembered when it is our process. */
static int read_process(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	guest_state *g = arg;
	int pd = xmlTextReaderDepth(r);
	long long pid = 0;
	bool ended = false;
	int code = 0;
	int n;
	while ((n = vs_xml_next_child(r, pd, err)) == 1) {
		char *t = NULL;
		if (vs_xml_is(r, "pid") && (t = vs_xml_text(r)))
			pid = atoll(t);
		else if (vs_xml_is(r, "endTime") && (t = vs_xml_text(r)))
			ended = *t != '\0';
		else if (vs_xml_is(r, "exitCode") && (t = vs_xml_text(r)))
			code = atoi(t);
		else
			vs_xml_skip(r);
		free(t);
	}
	if (n < 0)
		return -1;
	if (pid == g->pid) {
		g->seen = true;
		g->ended = ended;
		g->exit_code = code;
	}
	return 0;
}

static int on_processes(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	return vs_xml_each_returnval(r, read_process, arg, err);
}

/* A FileTransferInformation: its url and size. */
static int read_transfer(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	guest_state *g = arg;
	int rd = xmlTextReaderDepth(r);
	int n;
	while ((n = vs_xml_next_child(r, rd, err)) == 1) {
		char *t = NULL;
		if (vs_xml_is(r, "url") && (t = vs_xml_text(r))) {
			free(g->url);
			g->url = t;
			t = NULL;
		} else if (vs_xml_is(r, "size") && (t = vs_xml_text(r))) {
			STR_SET(g->size, t);
		} else {
			vs_xml_skip(r);
		}
		free(t);
	}
	return n < 0 ? -1 : 0;
}

static int on_transfer(xmlTextReaderPtr r, void *arg, vs_error *err)
{
	guest_state *g = arg;
	if (vs_xml_each_returnval(r, read_transfer, g, err) < 0)
		return -1;
	return g->url ? 0 :
	       vs_fail(err, VS_ERR_PARSE, "InitiateFileTransferFromGuest returned no URL.");
}

/* ---- helpers ---- */

char *vs_guest_fix_url(const char *url, const char *host)
{
	char *hostport = NULL;
	char *u = vs_esx_transfer_url(url, host, NULL, &hostport);
	free(hostport);
	return u ? u : xstrdup(url);
}

static void random_name(char *out, size_t n)
{
	unsigned char b[8];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &ts.tv_nsec, sizeof b < sizeof ts.tv_nsec ? sizeof b : sizeof ts.tv_nsec);
	}
	snprintf(out, n, "C:\\Windows\\Temp\\quiescent-%02x%02x%02x%02x%02x%02x%02x%02x.txt",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

static void delete_file(vs_conn *c, const guest_auth *a, const char *path)
{
	vs_session *s = c->s;
	strbuf rest;
	strbuf_init(&rest);
	vs_soap_add_text(&rest, "filePath", path);
	vs_error e;
	/* Best effort: a left-over temp file is harmless and the real error matters more. */
	guest_call(c, "DeleteFileInGuest", "GuestFileManager", s->sc.guest_file_manager, a,
		   rest.buf, NULL, NULL, &e);
	strbuf_done(&rest);
}

static void terminate(vs_conn *c, const guest_auth *a, long long pid)
{
	char rest[64];
	snprintf(rest, sizeof rest, "<pid>%lld</pid>", pid);
	vs_error e;
	guest_call(c, "TerminateProcessInGuest", "GuestProcessManager",
		   c->s->sc.process_manager, a, rest, NULL, NULL, &e);
}

int vs_guest_run(vs_conn *c, const char *vm_moref, const char *user, const char *password,
		 const char *command, int timeout_s, char **output, size_t *output_len,
		 int *exit_code, vs_error *err)
{
	vs_session *s = c->s;
	*output = NULL;
	if (output_len)
		*output_len = 0;
	if (!s->sc.process_manager[0] || !s->sc.guest_file_manager[0])
		return vs_fail(err, VS_ERR_USAGE, "%s offers no Guest Operations (API type %s).",
			       s->server, s->api_type);
	if (!user || !*user || !password)
		return vs_fail(err, VS_ERR_USAGE, "Guest credentials are needed to run a command "
			       "in VM %s.", vm_moref);
	guest_auth a = { .vm = vm_moref, .user = user, .password = password };
	char path[80];
	random_name(path, sizeof path);
	double deadline = monoclock_now() + (timeout_s > 0 ? timeout_s : 120);
	guest_state g = { 0 };
	int rc = -1;

	strbuf rest;
	strbuf_init(&rest);
	strbuf args;
	strbuf_init(&args);
	/* cmd.exe binds a redirect to the last command of an & chain: only a ( ) group sends
	 * the output of every command to the file. */
	strbuf_addf(&args, "/c (%s) > \"%s\" 2>&1", command, path);
	strbuf_adds(&rest, "<spec>");
	vs_soap_add_text(&rest, "programPath", "C:\\Windows\\System32\\cmd.exe");
	vs_soap_add_text(&rest, "arguments", args.buf);
	strbuf_adds(&rest, "</spec>");
	strbuf_done(&args);
	/* One credential is proven on one VM before it is used on many (guest_login.h). */
	int tester = vs_guest_login_begin(s, user, password, err);
	if (tester < 0) {
		strbuf_done(&rest);
		return -1;
	}
	int k = guest_call(c, "StartProgramInGuest", "GuestProcessManager", s->sc.process_manager,
			   &a, rest.buf, on_pid, &g, err);
	strbuf_done(&rest);
	vs_guest_login_end(s, user, password, tester == 1,
			   k == 0 ? 1 : err && !strcmp(err->fault, "InvalidGuestLogin") ? -1 : 0, vm_moref);
	if (k < 0)
		return -1;

	double delay = 0.2;
	char pidxml[64];
	snprintf(pidxml, sizeof pidxml, "<pids>%lld</pids>", g.pid);
	unsigned gen = atomic_load(&s->cancel_gen);
	int unseen = 0;
	for (;;) {
		g.seen = false;
		if (guest_call(c, "ListProcessesInGuest", "GuestProcessManager",
			       s->sc.process_manager, &a, pidxml, on_processes, &g, err) < 0)
			goto out;
		if (g.ended)
			break;
		/* Tools keeps ended processes listed for minutes; one gone from the list means
		 * Tools itself restarted, and waiting on would only run into the timeout. */
		if (!g.seen && ++unseen >= 3) {
			vs_fail(err, VS_ERR_FAULT, "The command in VM %s vanished from the guest's "
				"process list before it ended (did VMware Tools restart?); its result "
				"is unknown.", vm_moref);
			goto out;
		}
		if (g.seen)
			unseen = 0;
		if (atomic_load(&s->cancel_gen) != gen) {
			vs_fail(err, VS_ERR_CANCELLED, "The command in VM %s was cancelled.", vm_moref);
			terminate(c, &a, g.pid);
			goto out;
		}
		double left = deadline - monoclock_now();
		if (left <= 0) {
			vs_fail(err, VS_ERR_TIMEOUT, "The command in VM %s did not finish within %d s; "
				"it was stopped.", vm_moref, timeout_s > 0 ? timeout_s : 120);
			terminate(c, &a, g.pid);
			goto out;
		}
		monoclock_sleep(delay < left ? delay : left);
		delay = delay * 1.5 > 1.0 ? 1.0 : delay * 1.5;
	}

	strbuf_init(&rest);
	vs_soap_add_text(&rest, "guestFilePath", path);
	k = guest_call(c, "InitiateFileTransferFromGuest", "GuestFileManager",
		       s->sc.guest_file_manager, &a, rest.buf, on_transfer, &g, err);
	strbuf_done(&rest);
	if (k < 0)
		goto out;
	if (strtoull(g.size, NULL, 10) > VS_GUEST_MAX_OUTPUT) {
		vs_fail(err, VS_ERR_PARSE, "The command in VM %s printed %s bytes, more than the "
			"%zu allowed.", vm_moref, g.size, VS_GUEST_MAX_OUTPUT);
		goto out;
	}
	/* Through vCenter the URL names the ESXi host: its management IP and its thumbprint, as
	 * vCenter reports them, are used (esx_host.h). */
	vs_esx_host esx;
	bool have_esx = false;
	if (vs_esx_url_needs_host(g.url, s->host)) {
		if (vs_esx_host_of_vm(c, vm_moref, &esx, err) < 0)
			goto out;
		have_esx = true;
	}
	char *hostport = NULL;
	char *url = vs_esx_transfer_url(g.url, s->host, have_esx ? &esx : NULL, &hostport);
	free(hostport);   /* vs_http_get_pinned keys the pin by the URL itself */
	if (!url) {
		vs_fail(err, VS_ERR_PARSE, "InitiateFileTransferFromGuest returned a URL that is not "
			"https.");
		goto out;
	}
	strbuf body;
	strbuf_init(&body);
	long status = 0;
	/* The host's thumbprint as vCenter knows it decides for the transfer (a pin always
	 * decides, --insecure or not); without one, the CA store or --insecure as for any host. */
	k = vs_http_get_pinned(c, url, have_esx && esx.thumbprint[0] ? esx.thumbprint : NULL,
			       VS_GUEST_MAX_OUTPUT, "The guest file download", &status, &body, err);
	free(url);
	if (k == 0 && status != 200) {
		vs_fail(err, VS_ERR_NETWORK, "Downloading the command's output from VM %s failed "
			"with HTTP %ld.", vm_moref, status);
		k = -1;
	}
	if (k < 0) {
		strbuf_done(&body);
		goto out;
	}
	if (exit_code)
		*exit_code = g.exit_code;
	*output = strbuf_detach(&body, output_len);
	rc = 0;
out:
	delete_file(c, &a, path);
	free(g.url);
	return rc;
}
