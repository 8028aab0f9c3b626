/* Unit tests for core/util/url: govc's forms, userinfo at the last '@', percent-decoding, the
 * host[:port] key, endpoint comparison, the password's place for wiping argv, and refusals that
 * never repeat the input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "frontend/conn.h"
#include "util/url.h"

static void check(const char *in, const char *user, const char *pw, const char *host,
		  const char *hostport, int port, const char *url)
{
	url_parts u;
	char msg[256];
	assert_int_equal(url_parse(in, &u, msg, sizeof msg), 0);
	if (user)
		assert_string_equal(u.user, user);
	else
		assert_null(u.user);
	if (pw)
		assert_string_equal(u.password, pw);
	else
		assert_null(u.password);
	assert_string_equal(u.host, host);
	assert_string_equal(u.hostport, hostport);
	assert_int_equal(u.port, port);
	assert_string_equal(u.url, url);
	url_parts_done(&u);
}

static void test_forms(void **state)
{
	check("vc01", NULL, NULL, "vc01", "vc01", 443, "https://vc01/sdk");
	check("vc01:8443", NULL, NULL, "vc01", "vc01:8443", 8443, "https://vc01:8443/sdk");
	check("https://vc01/sdk", NULL, NULL, "vc01", "vc01", 443, "https://vc01/sdk");
	check("HTTPS://vc01.corp.example/", NULL, NULL, "vc01.corp.example", "vc01.corp.example",
	      443, "https://vc01.corp.example/sdk");
	check("[::1]:443", NULL, NULL, "::1", "[::1]:443", 443, "https://[::1]:443/sdk");
	check("https://admin:Pw@vc01:8443/sdk", "admin", "Pw", "vc01", "vc01:8443", 8443,
	      "https://vc01:8443/sdk");
	/* govc (Go's parser) splits at the LAST '@': SSO users stand raw or as %40. */
	check("https://administrator@vsphere.local:S3cret@vc01/sdk", "administrator@vsphere.local",
	      "S3cret", "vc01", "vc01", 443, "https://vc01/sdk");
	check("administrator%40vsphere.local:S3%3Acr%40t%25@vc01", "administrator@vsphere.local",
	      "S3:cr@t%", "vc01", "vc01", 443, "https://vc01/sdk");
	check("administrator@vsphere.local@vc01", "administrator@vsphere.local", NULL, "vc01",
	      "vc01", 443, "https://vc01/sdk");
	check("a:p:q@vc01", "a", "p:q", "vc01", "vc01", 443, "https://vc01/sdk");
	check("https://vc01:443/guestFile?id=1&token=x", NULL, NULL, "vc01", "vc01:443", 443,
	      "https://vc01:443/guestFile?id=1&token=x");
}

static void refused(const char *in)
{
	url_parts u;
	char msg[256] = "";
	assert_int_equal(url_parse(in, &u, msg, sizeof msg), -1);
	assert_true(msg[0]);
	assert_null(strstr(msg, "Secret"));   /* the input is never repeated */
	url_parts_done(&u);
}

static void test_refusals(void **state)
{
	refused("");
	refused("http://u:Secret@vc01/sdk");
	refused("ftp://vc01");
	refused("https://u:Secret@/sdk");
	refused("https://u:Sec%zzret@vc01");
	refused("https://u:Sec%00ret@vc01");
	refused("vc01:0");
	refused("vc01:70000");
	refused("vc01:44x");
	refused("vc 01");
	refused("u:Sec/ret@vc01");   /* a '/' in a password must be written %2F, as in govc */
	refused("[::1");
	refused("::1");
}

static void test_keys(void **state)
{
	char *k = url_server_key("https://a%40b:Secret@vc01:8443/sdk");
	assert_string_equal(k, "vc01:8443");
	free(k);
	assert_null(url_server_key("http://vc01"));
	char *r = url_redacted("https://user:Secret@vc01/sdk");
	assert_string_equal(r, "https://vc01/sdk");
	free(r);
	r = url_redacted("https://user:Secret@");
	assert_null(strstr(r, "Secret"));
	free(r);
	assert_true(url_same_endpoint("vc01", "VC01:443"));
	assert_true(url_same_endpoint("admin:pw@vc01:8443", "vc01:8443"));
	assert_false(url_same_endpoint("vc01", "vc01:8443"));
	assert_false(url_same_endpoint("vc01", "vc011"));
	assert_true(url_same_endpoint("[::1]", "[::1]:443"));
	assert_false(url_same_endpoint("[::1]:443", "[::2]:443"));
}

static void test_password_span(void **state)
{
	size_t off, len;
	const char *in = "https://administrator@vsphere.local:S3cret@vc01/sdk";
	assert_int_equal(url_password_span(in, &off, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(in + off, "S3cret", 6);
	assert_int_equal(url_password_span("https://user@vc01", &off, &len), -1);
	assert_int_equal(url_password_span("vc01", &off, &len), -1);
	assert_int_equal(url_password_span("u:p@vc01", &off, &len), 0);
	assert_int_equal(off, 2);
	assert_int_equal(len, 1);
}

/* --server as the command line gives it: the password is taken, and wiped from argv in place
 * (also from a URL too broken to parse, where everything before the last '@' goes). */
static void test_argv_wiped(void **state)
{
	char a0[] = "quiescent", a1[] = "--server",
	     a2[] = "https://administrator%40vsphere.local:S3cr%2Ft@vc01:8443/sdk",
	     a3[] = "--server=u:pa/ss@vc02";
	char *argv[] = { a0, a1, a2, a3, NULL };
	char msg[256];
	conn_opts o;
	conn_opts_init(&o);
	int i = 1;
	assert_int_equal(conn_opts_parse_arg(&o, 4, argv, &i, msg, sizeof msg), 1);
	assert_int_equal(i, 2);
	assert_string_equal(a2, "https://administrator%40vsphere.local:xxxxxxxx@vc01:8443/sdk");
	assert_string_equal(o.user, "administrator@vsphere.local");
	assert_string_equal(o.password, "S3cr/t");
	assert_string_equal(o.server, "https://vc01:8443/sdk");
	assert_null(o.server_error);
	conn_opts_done(&o);
	i = 3;
	assert_int_equal(conn_opts_parse_arg(&o, 4, argv, &i, msg, sizeof msg), 1);
	assert_string_equal(a3, "--server=xxxxxxx@vc02");
	assert_non_null(o.server_error);
	assert_null(strstr(o.server, "pa/ss"));
	conn_opts_done(&o);
}

/* --server repeated: one more vCenter each time, its password wiped from argv too (also when
 * it cannot be read: then it is refused); the same server twice is refused. */
static void test_more_servers(void **state)
{
	(void)state;
	char a0[] = "quiescent", a1[] = "--server=vc01", a2[] = "--server",
	     a3[] = "https://u:Se%2Fcret@vc02:8443/sdk", a4[] = "--server=u:pa/ss@vc03",
	     a5[] = "--server=https://VC01/sdk";
	char *argv[] = { a0, a1, a2, a3, a4, a5, NULL };
	char msg[256];
	conn_opts o;
	conn_opts_init(&o);
	o.several_servers = true;
	int i = 1;
	assert_int_equal(conn_opts_parse_arg(&o, 6, argv, &i, msg, sizeof msg), 1);
	i = 2;
	assert_int_equal(conn_opts_parse_arg(&o, 6, argv, &i, msg, sizeof msg), 1);
	assert_int_equal(i, 3);
	assert_string_equal(a3, "https://u:xxxxxxxxx@vc02:8443/sdk");
	assert_string_equal(o.password, "Se/cret");
	assert_int_equal(conn_opts_server_count(&o), 2);
	assert_string_equal(o.more_servers[0], "https://vc02:8443/sdk");
	conn_opts view;
	conn_opts_for_server(&o, 1, &view);
	assert_string_equal(view.server, "https://vc02:8443/sdk");
	assert_null(view.thumbprint);
	i = 4;
	assert_int_equal(conn_opts_parse_arg(&o, 6, argv, &i, msg, sizeof msg), -1);
	assert_string_equal(a4, "--server=xxxxxxx@vc03");
	assert_null(strstr(msg, "pa/ss"));
	i = 5;
	assert_int_equal(conn_opts_parse_arg(&o, 6, argv, &i, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "given twice"));
	assert_int_equal(conn_opts_server_count(&o), 2);
	conn_opts_done(&o);

	/* a command that works on one vCenter refuses a second, its password wiped all the same */
	char b1[] = "--server=vc01", b2[] = "--server=u:Pw-8812@vc02";
	char *bargv[] = { a0, b1, b2, NULL };
	conn_opts_init(&o);
	i = 1;
	assert_int_equal(conn_opts_parse_arg(&o, 3, bargv, &i, msg, sizeof msg), 1);
	i = 2;
	assert_int_equal(conn_opts_parse_arg(&o, 3, bargv, &i, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "one vCenter at a time"));
	assert_null(strstr(b2, "Pw-8812"));
	assert_int_equal(conn_opts_server_count(&o), 1);
	conn_opts_done(&o);
}

/* The host inside an https URL, as the guest transfer URLs are rewritten: userinfo skipped to
 * its last '@' (as url_parse reads it), brackets kept, the rest left as written. */
static void span_is(const char *url, const char *host)
{
	size_t off = 0, len = 0;
	assert_int_equal(url_host_span(url, &off, &len), 0);
	assert_int_equal(len, strlen(host));
	assert_memory_equal(url + off, host, len);
}

static void test_host_span(void **state)
{
	(void)state;
	span_is("https://esx01.corp:443/guestFile?id=1&token=a@b", "esx01.corp");
	span_is("https://*/guestFile", "*");
	span_is("https://[fe80::1]:443/guestFile", "[fe80::1]");
	span_is("HTTPS://10.0.0.7", "10.0.0.7");
	span_is("https://root@vsphere.local@esx01:443/x", "esx01");
	size_t off, len;
	assert_int_equal(url_host_span("http://esx01/x", &off, &len), -1);
	assert_int_equal(url_host_span("esx01/x", &off, &len), -1);
	assert_int_equal(url_host_span("https://:443/x", &off, &len), -1);
	assert_int_equal(url_host_span("https://[fe80::1/x", &off, &len), -1);
	assert_int_equal(url_host_span(NULL, &off, &len), -1);
	/* the same host as url_parse reads, for the same URL */
	url_parts u;
	char msg[128];
	assert_int_equal(url_parse("https://root@vsphere.local@esx01:443/x", &u, msg, sizeof msg), 0);
	assert_string_equal(u.host, "esx01");
	url_parts_done(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_password_span),
		cmocka_unit_test(test_argv_wiped),
		cmocka_unit_test(test_more_servers),
		cmocka_unit_test(test_host_span),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
