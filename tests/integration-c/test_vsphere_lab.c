/* Integration tests of the vSphere client: against the lab over HTTPS (build/quiescent-lab, or
 * QUIESCENT_LAB), and against a tiny TLS server in this file that records whether a single
 * byte of a request reached it (pinning must decide inside the handshake). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab_support.h"
#include "util/strbuf.h"
#include "vsphere/datastore.h"
#include "vsphere/guest.h"
#include "vsphere/http.h"
#include "vsphere/known_hosts.h"
#include "vsphere/propcol.h"
#include "vsphere/session.h"
#include "vsphere/soap.h"
#include "vsphere/task.h"
#include "vsphere/vm_ops.h"

#define USER "administrator@vsphere.local"
#define PASSWORD "S3cr&t<pw>'\"Lab"
#define GUEST_PASSWORD "Gu3st&<pw>"

static const char scenario[] =
	"{\"vcenter\": {\"user\": \"administrator@vsphere.local\", "
	"\"password\": \"S3cr&t<pw>'\\\"Lab\", \"version\": \"7.0.3\"},"
	"\"timing_ms\": {\"guest_shutdown\": 200, \"power_on\": 100, \"tools_start\": 100},"
	"\"vms\": [{\"name\": \"win01\", \"guest_id\": \"windows9Server64Guest\", "
	"\"guest_build\": 17763, \"power\": \"poweredOn\","
	"\"guest\": {\"user\": \"Administrator\", \"password\": \"Gu3st&<pw>\"}}]}";

static lab the_lab;

static void assert_no_secret(const vs_error *e)
{
	assert_null(strstr(e->message, PASSWORD));
	assert_null(strstr(e->message, "S3cr&amp;t"));
	assert_null(strstr(e->message, GUEST_PASSWORD));
}

static int setup_lab(void **state)
{
	return lab_start(&the_lab, scenario, 60);
}

static int teardown_lab(void **state)
{
	lab_stop(&the_lab);
	return 0;
}

static vs_session *connect_pinned(vs_error *e)
{
	vs_connect_opts o = { .url = the_lab.url, .user = USER, .password = PASSWORD,
			      .thumbprint = the_lab.thumbprint, .timeout_s = 20 };
	return vs_session_connect(&o, e);
}

static void test_login_pinned(void **state)
{
	vs_error e;
	vs_session *s = connect_pinned(&e);
	assert_non_null(s);
	assert_string_equal(vs_session_thumbprint(s), the_lab.thumbprint);
	assert_true(vs_session_api_version(s)[0] != '\0');
	assert_string_equal(vs_session_api_type(s), "VirtualCenter");
	assert_true(vs_session_content(s)->property_collector[0] != '\0');
	vs_session_free(s);
}

static void test_login_wrong_password(void **state)
{
	vs_error e;
	vs_connect_opts o = { .url = the_lab.url, .user = USER, .password = PASSWORD "x",
			      .thumbprint = the_lab.thumbprint };
	assert_null(vs_session_connect(&o, &e));
	assert_int_equal(e.kind, VS_ERR_LOGIN);
	assert_string_equal(e.fault, "InvalidLogin");
	assert_no_secret(&e);
}

static void test_untrusted_without_pin(void **state)
{
	vs_error e;
	vs_connect_opts o = { .url = the_lab.url, .user = USER, .password = PASSWORD };
	assert_null(vs_session_connect(&o, &e));
	assert_int_equal(e.kind, VS_ERR_TLS);
	assert_non_null(strstr(e.message, the_lab.thumbprint));
	assert_no_secret(&e);
}

static void test_insecure(void **state)
{
	vs_error e;
	vs_connect_opts o = { .url = the_lab.url, .user = USER, .password = PASSWORD,
			      .insecure = true };
	vs_session *s = vs_session_connect(&o, &e);
	assert_non_null(s);
	vs_session_free(s);
}

/* vs_http_get_pinned (for another host's transfer URL): the caller's pin decides even in an
 * --insecure session, and a connection that an earlier request opened with the right pin is
 * not reused for a request with another pin: the check before the request catches it. */
static void test_pinned_get(void **state)
{
	vs_error e;
	vs_connect_opts o = { .url = the_lab.url, .user = USER, .password = PASSWORD,
			      .insecure = true };
	vs_session *s = vs_session_connect(&o, &e);
	assert_non_null(s);
	vs_conn *c = vs_conn_new(s, &e);
	assert_non_null(c);
	char *url = strdup(the_lab.url);
	strbuf out;
	strbuf_init(&out);
	long status = 0;
	const char *wrong = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
			    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
	assert_int_equal(vs_http_get_pinned(c, url, the_lab.thumbprint, 1 << 20, "GET", &status,
					    &out, &e), 0);
	assert_int_equal(vs_http_get_pinned(c, url, wrong, 1 << 20, "GET", &status, &out, &e), -1);
	assert_int_equal(e.kind, VS_ERR_TLS);
	assert_non_null(strstr(e.message, "not the pinned"));
	assert_non_null(strstr(e.message, "before any request was sent"));
	assert_int_equal(vs_http_get_pinned(c, url, "12:34", 1 << 20, "GET", &status, &out, &e), -1);
	assert_int_equal(e.kind, VS_ERR_USAGE);
	strbuf_done(&out);
	free(url);
	vs_conn_free(c);
	vs_session_free(s);
}

static void test_known_hosts_pin(void **state)
{
	char dir[] = "/tmp/qtest-khl-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/known_hosts", dir);
	vs_error e;
	const char *hostport = the_lab.url + strlen("https://");
	char key[128];
	snprintf(key, sizeof key, "%.*s", (int)strcspn(hostport, "/"), hostport);
	assert_int_equal(vs_known_hosts_add(path, key, the_lab.thumbprint, &e), 0);
	vs_connect_opts o = { .url = the_lab.url, .user = USER, .password = PASSWORD,
			      .known_hosts = path };
	vs_session *s = vs_session_connect(&o, &e);
	assert_non_null(s);
	vs_session_free(s);
	/* A changed certificate (here: a changed entry) is a hard stop. */
	assert_int_equal(vs_known_hosts_add(path, key, "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
					    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", &e), 0);
	assert_null(vs_session_connect(&o, &e));
	assert_int_equal(e.kind, VS_ERR_TLS);
	assert_non_null(strstr(e.message, the_lab.thumbprint));
	unlink(path);
	rmdir(dir);
}

static void test_probe(void **state)
{
	char tp[128];
	bool trusted = true;
	vs_error e;
	assert_int_equal(vs_probe_certificate(the_lab.url, NULL, tp, sizeof tp, &trusted, &e), 0);
	assert_string_equal(tp, the_lab.thumbprint);
	assert_false(trusted);
}

/* ---- a TLS server that counts what reaches it ---- */

typedef struct {
	int fd;
	int port;
	SSL_CTX *ctx;
	char thumb[128];
	size_t received;     /* request bytes that arrived after the handshake */
	const char *reply;   /* answer to send after a request, NULL: none */
	pthread_t th;
} tls_server;

static void tls_server_init(tls_server *t, const char *reply)
{
	memset(t, 0, sizeof *t);
	t->reply = reply;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_sign(x, key, EVP_sha256());
	unsigned char md[32];
	unsigned int len = 0;
	X509_digest(x, EVP_sha256(), md, &len);
	vs_thumbprint_format(md, len, t->thumb, sizeof t->thumb);
	t->ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(t->ctx, x);
	SSL_CTX_use_PrivateKey(t->ctx, key);
	X509_free(x);
	EVP_PKEY_free(key);
	t->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(t->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(t->fd, 4), 0);
	socklen_t al = sizeof a;
	getsockname(t->fd, (struct sockaddr *)&a, &al);
	t->port = ntohs(a.sin_port);
}

static void *tls_server_run(void *arg)
{
	tls_server *t = arg;
	int cfd = accept(t->fd, NULL, NULL);
	if (cfd < 0)
		return NULL;
	struct timeval tv = { .tv_sec = 30 };   /* valgrind: handshakes take seconds */
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	SSL *ssl = SSL_new(t->ctx);
	SSL_set_fd(ssl, cfd);
	if (SSL_accept(ssl) == 1) {
		char buf[4096];
		int n;
		while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) {
			t->received += (size_t)n;
			if (t->reply && memmem(buf, (size_t)n, "Envelope>", 9)) {
				SSL_write(ssl, t->reply, (int)strlen(t->reply));
				break;
			}
		}
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(cfd);
	return NULL;
}

static void tls_server_start(tls_server *t)
{
	pthread_create(&t->th, NULL, tls_server_run, t);
}

static void tls_server_done(tls_server *t)
{
	/* Unblocks accept() when the client never connected. */
	shutdown(t->fd, SHUT_RDWR);
	pthread_join(t->th, NULL);
	close(t->fd);
	SSL_CTX_free(t->ctx);
}

static void test_wrong_pin_sends_nothing(void **state)
{
	tls_server t;
	tls_server_init(&t, NULL);
	tls_server_start(&t);
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d/sdk", t.port);
	vs_connect_opts o = { .url = url, .user = USER, .password = PASSWORD, .timeout_s = 5,
			      .thumbprint = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
					    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF" };
	vs_error e;
	assert_null(vs_session_connect(&o, &e));
	tls_server_done(&t);
	assert_int_equal(e.kind, VS_ERR_TLS);
	assert_non_null(strstr(e.message, t.thumb));          /* what the server showed */
	assert_non_null(strstr(e.message, "00:11:22:33"));    /* what was pinned */
	assert_int_equal(t.received, 0);
	assert_no_secret(&e);
}

static void test_self_signed_sends_nothing(void **state)
{
	tls_server t;
	tls_server_init(&t, NULL);
	tls_server_start(&t);
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d/sdk", t.port);
	vs_connect_opts o = { .url = url, .user = USER, .password = PASSWORD, .timeout_s = 5 };
	vs_error e;
	assert_null(vs_session_connect(&o, &e));
	tls_server_done(&t);
	assert_int_equal(e.kind, VS_ERR_TLS);
	assert_non_null(strstr(e.message, t.thumb));
	assert_int_equal(t.received, 0);
}

static void test_right_pin_html_error(void **state)
{
	/* With the right pin the request goes through; an HTML error page is one sentence.
	 * (A 500: a 503 would be asked again, and this server answers only once.) */
	tls_server t;
	tls_server_init(&t, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
			"Content-Length: 75\r\nConnection: close\r\n\r\n"
			"<html><head><title>Internal Server Error</title></head><body></body></html>");
	tls_server_start(&t);
	char url[64];
	snprintf(url, sizeof url, "https://127.0.0.1:%d/sdk", t.port);
	vs_connect_opts o = { .url = url, .user = USER, .password = PASSWORD, .timeout_s = 30, /* valgrind makes the handshake slow */
			      .thumbprint = t.thumb };
	vs_error e;
	assert_null(vs_session_connect(&o, &e));
	tls_server_done(&t);
	assert_true(t.received > 0);
	assert_int_equal(e.kind, VS_ERR_NETWORK);
	if (!strstr(e.message, "HTTP 500"))
		fprintf(stderr, "got: %s\n", e.message);
	assert_non_null(strstr(e.message, "HTTP 500"));
	assert_non_null(strstr(e.message, "Internal Server Error"));
}

/* ---- calls on a live session ---- */

typedef struct {
	const char *want;
	char moref[VS_MOREF_MAX];
} find_ctx;

static int on_name(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		   vs_error *err)
{
	find_ctx *f = ctx;
	char *t = vs_xml_text(val);
	if (t && strcmp(t, f->want) == 0)
		snprintf(f->moref, sizeof f->moref, "%s", moref);
	free(t);
	return 0;
}

/* The moref of the VM named `name`, or of the first VM when name is NULL. */
static void find_vm(vs_conn *c, const char *name, char *out, size_t n)
{
	vs_error e;
	char view[VS_MOREF_MAX];
	assert_int_equal(vs_view_create(c, "VirtualMachine", view, sizeof view, &e), 0);
	static const char *const paths[] = { "name" };
	find_ctx f = { .want = name };
	assert_int_equal(vs_retrieve(c, view, "VirtualMachine", paths, 1, 0, on_name, NULL, &f, &e), 0);
	vs_view_destroy(c, view, &e);
	snprintf(out, n, "%s", f.moref);
}

static int on_time(xmlTextReaderPtr r, void *ctx, vs_error *err)
{
	if (vs_xml_enter_body(r, err) < 0)
		return -1;
	*(bool *)ctx = true;
	return 0;
}

static int current_time(vs_conn *c, bool *got, vs_error *e)
{
	static const char body[] = "<CurrentTime xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">"
				   "ServiceInstance</_this></CurrentTime>";
	return vs_soap_call(c, body, on_time, got, e);
}

static void test_relogin_after_logout(void **state)
{
	vs_error e;
	vs_session *s = connect_pinned(&e);
	assert_non_null(s);
	vs_conn *c = vs_conn_new(s, &e);
	bool got = false;
	assert_int_equal(current_time(c, &got, &e), 0);
	/* Log the session out behind the client's back. */
	strbuf b;
	strbuf_init(&b);
	strbuf_adds(&b, "<Logout xmlns=\"urn:vim25\">");
	vs_soap_add_moref(&b, "_this", "SessionManager", vs_session_content(s)->session_manager);
	strbuf_adds(&b, "</Logout>");
	assert_int_equal(vs_soap_call_ex(c, b.buf, VS_SOAP_NO_RELOGIN, NULL, NULL, &e), 0);
	strbuf_done(&b);
	got = false;
	assert_int_equal(current_time(c, &got, &e), 0);   /* NotAuthenticated -> Login -> retry */
	assert_true(got);
	assert_int_equal(vs_session_keepalive(c, &e), 0);
	vs_conn_free(c);
	vs_session_free(s);
}

static int progress_calls;
static void on_progress(const vs_task_result *now, void *ctx)
{
	progress_calls++;
}

static void test_task_power_off(void **state)
{
	vs_error e;
	vs_session *s = connect_pinned(&e);
	assert_non_null(s);
	vs_conn *c = vs_conn_new(s, &e);
	char vm[VS_MOREF_MAX];
	find_vm(c, "win01", vm, sizeof vm);
	assert_true(vm[0] != '\0');
	char task[VS_MOREF_MAX];
	assert_int_equal(vs_vm_power_off(c, vm, task, sizeof task, &e), 0);
	vs_task_result r;
	progress_calls = 0;
	assert_int_equal(vs_task_wait(c, task, 60, on_progress, NULL, &r, &e), 0);
	assert_int_equal(r.state, VS_TASK_SUCCESS);
	assert_true(progress_calls >= 1);
	vs_task_result_done(&r);
	/* Powering off a powered-off VM fails with the task's fault type. */
	int rc = vs_vm_power_off(c, vm, task, sizeof task, &e);
	if (rc == 0)
		rc = vs_task_wait(c, task, 60, NULL, NULL, &r, &e);
	assert_int_equal(rc, -1);
	assert_int_equal(e.kind, VS_ERR_FAULT);
	assert_string_equal(e.fault, "InvalidPowerState");
	vs_task_result_done(&r);
	assert_int_equal(vs_vm_power_on(c, vm, task, sizeof task, &e), 0);
	assert_int_equal(vs_task_wait(c, task, 60, NULL, NULL, NULL, &e), 0);
	/* A task that does not exist. */
	assert_int_equal(vs_task_wait(c, "task-999999", 5, NULL, NULL, NULL, &e), -1);
	assert_string_equal(e.fault, "ManagedObjectNotFound");
	vs_conn_free(c);
	vs_session_free(s);
}

static void test_datastore_404(void **state)
{
	vs_error e;
	vs_session *s = connect_pinned(&e);
	assert_non_null(s);
	vs_conn *c = vs_conn_new(s, &e);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(vs_datastore_get(c, "DC0", "[LocalDS_0] no-such-vm/vss-manifest.zip",
					  1 << 20, &data, &len, &e), -1);
	assert_null(data);
	assert_int_equal(e.kind, VS_ERR_FAULT);
	assert_string_equal(e.fault, "FileNotFound");
	assert_non_null(strstr(e.message, "[LocalDS_0] no-such-vm/vss-manifest.zip"));
	assert_int_equal(vs_datastore_get(c, "DC0", "not a path", 10, &data, &len, &e), -1);
	assert_int_equal(e.kind, VS_ERR_USAGE);
	vs_conn_free(c);
	vs_session_free(s);
}

static void test_guest_run(void **state)
{
	vs_error e;
	vs_session *s = connect_pinned(&e);
	assert_non_null(s);
	vs_conn *c = vs_conn_new(s, &e);
	char vm[VS_MOREF_MAX];
	find_vm(c, "win01", vm, sizeof vm);
	char *out = NULL;
	size_t len = 0;
	int code = -1;
	int rc = vs_guest_run(c, vm, "Administrator", GUEST_PASSWORD, "sc query VSS", 60, &out,
			      &len, &code, &e);
	if (rc < 0)
		fprintf(stderr, "guest run: %s\n", e.message);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "SERVICE_NAME: VSS"));
	assert_int_equal(code, 0);
	free(out);
	assert_int_equal(vs_guest_run(c, vm, "Administrator", "wrong", "sc query VSS", 60, &out,
				      &len, &code, &e), -1);
	assert_int_equal(e.kind, VS_ERR_FAULT);
	assert_string_equal(e.fault, "InvalidGuestLogin");
	assert_no_secret(&e);
	assert_null(strstr(e.message, "wrong"));
	vs_conn_free(c);
	vs_session_free(s);
}

/* Each vs_conn keeps its own connections (http.c: libcurl does not support one connection
 * cache for handles on concurrent threads; a probe worker's connection must never be handed to
 * another): a new conn opens a connection of its own even while another conn's idle one to the
 * same server is there, and reuses its own on its next read. */
static long connects_of_last_request(vs_conn *c)
{
	long n = -1;
	assert_int_equal(curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &n), CURLE_OK);
	return n;
}

static long local_port(vs_conn *c)
{
	long port = -1;
	assert_int_equal(curl_easy_getinfo(c->curl, CURLINFO_LOCAL_PORT, &port), CURLE_OK);
	return port;
}

static void test_conns_keep_their_own_connections(void **state)
{
	vs_error e;
	vs_session *s = connect_pinned(&e);
	assert_non_null(s);
	vs_conn *a = vs_conn_new(s, &e);
	vs_conn *b = vs_conn_new(s, &e);
	assert_non_null(a);
	assert_non_null(b);
	/* the session's log-in left an idle connection behind: a does not take it */
	assert_int_equal(vs_session_keepalive(a, &e), 0);
	assert_int_equal(connects_of_last_request(a), 1);
	long port_a = local_port(a);
	assert_int_equal(vs_session_keepalive(a, &e), 0);
	assert_int_equal(connects_of_last_request(a), 0);   /* its own, again */
	assert_int_equal(local_port(a), port_a);
	/* a's connection is idle now: b opens its own all the same */
	assert_int_equal(vs_session_keepalive(b, &e), 0);
	assert_int_equal(connects_of_last_request(b), 1);
	assert_true(local_port(b) != port_a);
	assert_int_equal(vs_session_keepalive(a, &e), 0);
	assert_int_equal(connects_of_last_request(a), 0);
	assert_int_equal(local_port(a), port_a);
	vs_conn_free(b);
	vs_conn_free(a);
	vs_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_pin_sends_nothing),
		cmocka_unit_test(test_self_signed_sends_nothing),
		cmocka_unit_test(test_right_pin_html_error),
		cmocka_unit_test(test_login_pinned),
		cmocka_unit_test(test_login_wrong_password),
		cmocka_unit_test(test_untrusted_without_pin),
		cmocka_unit_test(test_insecure),
		cmocka_unit_test(test_known_hosts_pin),
		cmocka_unit_test(test_pinned_get),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_relogin_after_logout),
		cmocka_unit_test(test_task_power_off),
		cmocka_unit_test(test_datastore_404),
		cmocka_unit_test(test_guest_run),
		cmocka_unit_test(test_conns_keep_their_own_connections),
	};
	return cmocka_run_group_tests(tests, setup_lab, teardown_lab);
}
