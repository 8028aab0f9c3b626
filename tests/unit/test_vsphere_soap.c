/* Unit tests for the vSphere client's offline parts: SOAP faults (real vSphere shapes), the
 * hardened XML reader, envelopes, task info, known_hosts, thumbprints, URLs, secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "vsphere/datastore.h"
#include "vsphere/esx_host.h"
#include "vsphere/guest.h"
#include "vsphere/known_hosts.h"
#include "util/secret.h"
#include "vsphere/soap.h"
#include "vsphere/task.h"

#define ENV_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope " \
	"xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\" " \
	"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " \
	"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" " \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
#define ENV_TAIL "</soapenv:Body></soapenv:Envelope>"

static int decode(const char *body, long status, vs_error *e)
{
	vs_error_clear(e);
	return vs_soap_decode_fault(body, strlen(body), status, "Login", "vc01", e);
}

static void test_fault_invalid_login(void **state)
{
	vs_error e;
	assert_int_equal(decode(ENV_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode>"
			 "<faultstring>Cannot complete login due to an incorrect user name or "
			 "password.</faultstring><detail><InvalidLoginFault xmlns=\"urn:vim25\" "
			 "xsi:type=\"InvalidLogin\"></InvalidLoginFault></detail></soapenv:Fault>"
			 ENV_TAIL, 500, &e), -1);
	assert_int_equal(e.kind, VS_ERR_LOGIN);
	assert_string_equal(e.fault, "InvalidLogin");
	assert_non_null(strstr(e.message, "incorrect user name"));
	assert_non_null(strstr(e.message, "vc01"));
}

static void test_fault_not_authenticated_empty_string(void **state)
{
	vs_error e;
	decode(ENV_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>"
	       "</faultstring><detail><NotAuthenticatedFault xmlns=\"urn:vim25\" "
	       "xsi:type=\"NotAuthenticated\"><object type=\"VirtualMachine\">vm-42</object>"
	       "<privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail>"
	       "</soapenv:Fault>" ENV_TAIL, 500, &e);
	assert_int_equal(e.kind, VS_ERR_FAULT);
	assert_string_equal(e.fault, "NotAuthenticated");
}

static void test_fault_type_from_element_name(void **state)
{
	vs_error e;
	decode(ENV_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>"
	       "Guest operations agent could not be contacted.</faultstring><detail>"
	       "<GuestOperationsUnavailableFault xmlns=\"urn:vim25\"/></detail></soapenv:Fault>"
	       ENV_TAIL, 500, &e);
	assert_int_equal(e.kind, VS_ERR_FAULT);
	assert_string_equal(e.fault, "GuestOperationsUnavailable");
	assert_non_null(strstr(e.message, "could not be contacted."));
	assert_null(strstr(e.message, ".."));
}

static void test_fault_vim_prefixed_type(void **state)
{
	vs_error e;
	decode(ENV_HEAD "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>"
	       "Failed to authenticate with the guest operating system using the supplied "
	       "credentials.</faultstring><detail><InvalidGuestLoginFault xmlns:vim25=\"urn:vim25\" "
	       "xsi:type=\"vim25:InvalidGuestLogin\"/></detail></soapenv:Fault>" ENV_TAIL, 500, &e);
	assert_string_equal(e.fault, "InvalidGuestLogin");
	assert_int_equal(e.kind, VS_ERR_FAULT);
}

static void test_http_html_error(void **state)
{
	vs_error e;
	decode("<html><head><title>503 Service Unavailable</title></head><body><h1>Service "
	       "Unavailable</h1></body></html>", 503, &e);
	assert_int_equal(e.kind, VS_ERR_NETWORK);
	assert_string_equal(e.fault, "");
	assert_non_null(strstr(e.message, "HTTP 503"));
	assert_non_null(strstr(e.message, "503 Service Unavailable"));
	assert_null(strstr(e.message, "<"));
	decode("", 404, &e);
	assert_non_null(strstr(e.message, "HTTP 404"));
	decode("garbage \x01\x02 not xml", 200, &e);
	assert_int_equal(e.kind, VS_ERR_PARSE);
}

static void test_doctype_refused(void **state)
{
	static const char lol[] =
		"<?xml version=\"1.0\"?>\n<!-- hi -->\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
		"<lolz>&lol2;</lolz>";
	vs_error e;
	vs_error_clear(&e);
	assert_null(vs_xml_reader_new(lol, strlen(lol), &e));
	assert_int_equal(e.kind, VS_ERR_PARSE);
	static const char xxe[] = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
	assert_null(vs_xml_reader_new(xxe, strlen(xxe), &e));
	/* A fault body with a DTD is no fault: it becomes the HTTP sentence, no expansion. */
	decode("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>", 500, &e);
	assert_null(strstr(e.message, "root:"));
}

static void test_depth_bound(void **state)
{
	strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 200; i++)
		strbuf_adds(&sb, "<a>");
	for (int i = 0; i < 200; i++)
		strbuf_adds(&sb, "</a>");
	vs_error e;
	vs_error_clear(&e);
	xmlTextReaderPtr r = vs_xml_reader_new(sb.buf, sb.len, &e);
	assert_non_null(r);
	int rc;
	while ((rc = vs_xml_read(r, &e)) == 1)
		;
	assert_int_equal(rc, -1);
	assert_int_equal(e.kind, VS_ERR_PARSE);
	assert_non_null(strstr(e.message, "deeper"));
	xmlFreeTextReader(r);
	strbuf_done(&sb);
}

static void test_truncated_xml(void **state)
{
	static const char t[] = ENV_HEAD "<RetrievePropertiesExResponse xmlns=\"urn:vim25\">"
				"<returnval><objects><obj type=\"VirtualMachine\">vm-1</obj>";
	vs_error e;
	vs_error_clear(&e);
	xmlTextReaderPtr r = vs_xml_reader_new(t, strlen(t), &e);
	assert_int_equal(vs_xml_enter_body(r, &e), 1);
	int d = xmlTextReaderDepth(r);
	assert_int_equal(vs_xml_next_child(r, d, &e), 1);
	assert_int_equal(vs_xml_skip(r), -1);
	xmlFreeTextReader(r);
}

static void test_envelope_and_escaping(void **state)
{
	strbuf body, env;
	strbuf_init(&body);
	strbuf_init(&env);
	vs_soap_add_moref(&body, "_this", "Virtual\"Machine", "vm-<1>");
	vs_soap_add_text(&body, "name", "a&b 'c' \"d\" <e>");
	assert_string_equal(body.buf, "<_this type=\"Virtual&quot;Machine\">vm-&lt;1&gt;</_this>"
			    "<name>a&amp;b &apos;c&apos; &quot;d&quot; &lt;e&gt;</name>");
	vs_soap_envelope(&env, "<X xmlns=\"urn:vim25\"/>");
	assert_non_null(strstr(env.buf, "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""));
	assert_non_null(strstr(env.buf, "<soapenv:Body><X xmlns=\"urn:vim25\"/></soapenv:Body>"));
	/* The envelope parses and the body element is found. */
	vs_error e;
	vs_error_clear(&e);
	xmlTextReaderPtr r = vs_xml_reader_new(env.buf, env.len, &e);
	assert_int_equal(vs_xml_enter_body(r, &e), 1);
	assert_string_equal(vs_xml_name(r), "X");
	xmlFreeTextReader(r);
	strbuf_done(&body);
	strbuf_done(&env);
}

/* The two ways of walking children are one walk: the same children in the same order, what a
 * child's reader left unread passed over, a skipped child not seen twice. And what used to
 * differ between the two old reader APIs: is() only on a start element, xsi:type's local
 * part after the last ':', text into a scratch buffer or malloc'ed alike. */
static void test_reader_one_walk(void **state)
{
	static const char x[] = ENV_HEAD "<R xmlns=\"urn:vim25\"><p>"
		"<a>1</a><b><deep><deeper>x</deeper></deep></b><c/><d xsi:type=\"ns:vim:T\">4</d>"
		"</p></R>" ENV_TAIL;
	static const char *const want[] = { "a", "b", "c", "d" };
	for (int way = 0; way < 2; way++) {
		vs_error e;
		vs_error_clear(&e);
		xmlTextReaderPtr r = vs_xml_reader_new(x, strlen(x), &e);
		assert_int_equal(vs_xml_enter_body(r, &e), 1);
		assert_int_equal(vs_xml_next_child(r, xmlTextReaderDepth(r), &e), 1);
		assert_true(vs_xml_is(r, "p"));
		vs_xml_iter it;
		vs_xml_iter_init(&it, r);
		int depth = xmlTextReaderDepth(r), rc;
		size_t n = 0;
		strbuf sb;
		strbuf_init(&sb);
		while ((rc = way ? vs_xml_iter_next(&it) : vs_xml_next_child(r, depth, &e)) == 1) {
			assert_true(n < 4);
			assert_true(vs_xml_is(r, want[n]));
			if (n == 0) {
				assert_string_equal(vs_xml_text_buf(r, &sb), "1");
			} else if (n == 1 && way) {
				vs_xml_iter_skip(&it);
			} else if (n == 1) {
				assert_int_equal(xmlTextReaderRead(r), 1);   /* into <deep>, left there */
			} else if (n == 3) {
				char t[16];
				assert_string_equal(vs_xml_xsi_type(r, t, sizeof t), "T");
				char *dup = vs_xml_text(r);
				assert_string_equal(dup, "4");
				free(dup);
				assert_false(vs_xml_is(r, "d"));   /* on </d> now: not a start */
			}
			n++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(n, 4);
		strbuf_done(&sb);
		xmlFreeTextReader(r);
	}
}

static void test_reader_helpers(void **state)
{
	static const char x[] = ENV_HEAD "<R xmlns=\"urn:vim25\"><returnval>"
		"<a>one &amp; two</a><b/><c xsi:type=\"ArrayOfString\"><string>x</string>"
		"<string>y</string></c><d type=\"Task\">task-1</d></returnval></R>" ENV_TAIL;
	vs_error e;
	vs_error_clear(&e);
	xmlTextReaderPtr r = vs_xml_reader_new(x, strlen(x), &e);
	assert_int_equal(vs_xml_enter_body(r, &e), 1);
	assert_true(vs_xml_is(r, "R"));
	int d = xmlTextReaderDepth(r);
	assert_int_equal(vs_xml_next_child(r, d, &e), 1);
	int rd = xmlTextReaderDepth(r);
	assert_int_equal(vs_xml_next_child(r, rd, &e), 1);
	char *t = vs_xml_text(r);
	assert_string_equal(t, "one & two");
	free(t);
	assert_int_equal(vs_xml_next_child(r, rd, &e), 1);
	assert_true(vs_xml_is(r, "b"));
	t = vs_xml_text(r);
	assert_string_equal(t, "");
	free(t);
	assert_int_equal(vs_xml_next_child(r, rd, &e), 1);
	char type[64];
	assert_string_equal(vs_xml_xsi_type(r, type, sizeof type), "ArrayOfString");
	assert_int_equal(vs_xml_skip(r), 0);
	assert_int_equal(vs_xml_next_child(r, rd, &e), 1);
	assert_true(vs_xml_is(r, "d"));
	assert_string_equal(vs_xml_xsi_type(r, type, sizeof type), "");
	t = vs_xml_text(r);
	assert_string_equal(t, "task-1");
	free(t);
	assert_int_equal(vs_xml_next_child(r, rd, &e), 0);
	assert_int_equal(vs_xml_next_child(r, d, &e), 0);
	xmlFreeTextReader(r);
}

static void parse_task(const char *val, vs_task_result *out)
{
	vs_error e;
	vs_error_clear(&e);
	xmlTextReaderPtr r = vs_xml_reader_new(val, strlen(val), &e);
	assert_non_null(r);
	assert_int_equal(vs_xml_read(r, &e), 1);
	assert_int_equal(vs_task_parse_info(r, out, &e), 0);
	xmlFreeTextReader(r);
}

static void test_task_info_error(void **state)
{
	/* A failed quiesce as vCenter reports it. */
	vs_task_result t = { 0 };
	parse_task("<val xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		   "xsi:type=\"TaskInfo\"><key>task-1234</key><task type=\"Task\">task-1234</task>"
		   "<descriptionId>VirtualMachine.createSnapshot</descriptionId>"
		   "<entity type=\"VirtualMachine\">vm-42</entity><entityName>sql-prod-01</entityName>"
		   "<state>error</state><cancelled>false</cancelled><cancelable>false</cancelable>"
		   "<error><fault xsi:type=\"ApplicationQuiesceFault\"><faultMessage><key>msg.snapshot"
		   ".error-QUIESCINGERROR</key><message>An error occurred while quiescing the "
		   "virtual machine.</message></faultMessage></fault><localizedMessage>An error "
		   "occurred while taking a snapshot: Failed to quiesce the virtual machine."
		   "</localizedMessage></error><reason xsi:type=\"TaskReasonUser\"><userName>"
		   "VSPHERE.LOCAL\\Administrator</userName></reason><queueTime>2024-05-01T10:00:00Z"
		   "</queueTime><eventChainId>4711</eventChainId></val>", &t);
	assert_int_equal(t.state, VS_TASK_ERROR);
	assert_string_equal(t.fault, "ApplicationQuiesceFault");
	assert_string_equal(t.message, "An error occurred while taking a snapshot: Failed to "
			    "quiesce the virtual machine.");
	assert_string_equal(t.description_id, "VirtualMachine.createSnapshot");
	assert_string_equal(t.entity_name, "sql-prod-01");
	assert_string_equal(t.entity, "vm-42");
	assert_string_equal(t.user, "VSPHERE.LOCAL\\Administrator");
	assert_int_equal(t.queued_at, 1714557600);   /* 2024-05-01T10:00:00Z */
	assert_int_equal(t.started_at, 0);
	assert_int_equal(t.progress, -1);
	assert_string_equal(t.task, "task-1234");
	vs_task_result_done(&t);
}

static void test_task_info_success(void **state)
{
	vs_task_result t = { 0 };
	parse_task("<val xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		   "xsi:type=\"TaskInfo\"><key>task-7</key><state>success</state><progress>100"
		   "</progress><result type=\"VirtualMachineSnapshot\" "
		   "xsi:type=\"ManagedObjectReference\">snapshot-12</result></val>", &t);
	assert_int_equal(t.state, VS_TASK_SUCCESS);
	assert_int_equal(t.progress, 100);
	assert_string_equal(t.result_type, "ManagedObjectReference");
	assert_string_equal(t.result_moref, "snapshot-12");
	assert_null(t.result_text);
	parse_task("<val xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
		   "<state>running</state><progress>42</progress><result xsi:type=\"xsd:string\">"
		   "hello</result></val>", &t);
	assert_int_equal(t.state, VS_TASK_RUNNING);
	assert_int_equal(t.progress, 42);
	assert_string_equal(t.result_text, "hello");
	vs_task_result_done(&t);
}

static void test_thumbprints(void **state)
{
	char out[128];
	assert_int_equal(vs_thumbprint_normalize("ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
						 "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89",
						 out, sizeof out), 32);
	assert_string_equal(out, "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:"
			    "45:67:89:AB:CD:EF:01:23:45:67:89");
	assert_int_equal(vs_thumbprint_normalize("0123456789abcdef0123456789ABCDEF01234567", out,
						 sizeof out), 20);
	assert_int_equal(vs_thumbprint_normalize("xyz", out, sizeof out), -1);
	assert_int_equal(vs_thumbprint_normalize("AB:CD", out, sizeof out), -1);
	assert_int_equal(vs_thumbprint_normalize("ABC", out, sizeof out), -1);
}

static char *tmpdir_path(const char *name)
{
	static char dir[64];
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/qtest-kh-XXXXXX");
		assert_non_null(mkdtemp(dir));
	}
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void test_known_hosts(void **state)
{
	char *path = tmpdir_path("sub/known_hosts");
	char buf[128];
	vs_error e;
	vs_error_clear(&e);
	assert_int_equal(vs_known_hosts_lookup(path, "vc01", buf, sizeof buf), 0);
	assert_int_equal(vs_known_hosts_add(path, "vc01:8443", "AA:BB", &e), 0);
	assert_int_equal(vs_known_hosts_add(path, "vc02", "CC:DD", &e), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(vs_known_hosts_lookup(path, "vc01:8443", buf, sizeof buf), 1);
	assert_string_equal(buf, "AA:BB");
	assert_int_equal(vs_known_hosts_lookup(path, "vc02:443", buf, sizeof buf), 1);
	assert_string_equal(buf, "CC:DD");
	assert_int_equal(vs_known_hosts_lookup(path, "vc01", buf, sizeof buf), 0);
	/* Replacing keeps one line per host and the others untouched. */
	assert_int_equal(vs_known_hosts_add(path, "vc01:8443", "EE:FF", &e), 0);
	assert_int_equal(vs_known_hosts_lookup(path, "vc01:8443", buf, sizeof buf), 1);
	assert_string_equal(buf, "EE:FF");
	FILE *f = fopen(path, "r");
	char all[256] = "";
	size_t n = fread(all, 1, sizeof all - 1, f);
	all[n] = '\0';
	fclose(f);
	assert_string_equal(all, "vc02 CC:DD\nvc01:8443 EE:FF\n");
	/* govc's files have comments and blank lines; IPv6 with a port falls back to the host. */
	f = fopen(path, "a");
	fputs("# comment\n\n[::1] 11:22\n", f);
	fclose(f);
	assert_int_equal(vs_known_hosts_lookup(path, "[::1]:443", buf, sizeof buf), 1);
	assert_string_equal(buf, "11:22");
	/* Older versions keyed lines by what the URL carried, password included: read, and
	 * rewritten without it; "vc02" (no port) is vc02:443, as govc reads it. */
	f = fopen(path, "a");
	fputs("admin:Old-Pw@vc03:8443 33:44\n", f);
	fclose(f);
	assert_int_equal(vs_known_hosts_lookup(path, "VC03:8443", buf, sizeof buf), 1);
	assert_string_equal(buf, "33:44");
	f = fopen(path, "r");
	n = fread(all, 1, sizeof all - 1, f);
	all[n] = '\0';
	fclose(f);
	assert_null(strstr(all, "Old-Pw"));
	assert_non_null(strstr(all, "vc03:8443 33:44\n"));
	/* The pin that decides: --thumbprint before the file, the file's entry by the URL's key,
	 * nothing for an unknown host or without a file. */
	const char *from = NULL;
	assert_int_equal(vs_known_hosts_pin("99:99", path, "vc02", buf, sizeof buf, &from), 1);
	assert_string_equal(buf, "99:99");
	assert_string_equal(from, "--thumbprint");
	assert_int_equal(vs_known_hosts_pin(NULL, path, "vc02", buf, sizeof buf, &from), 1);
	assert_string_equal(buf, "CC:DD");
	assert_string_equal(from, path);
	assert_int_equal(vs_known_hosts_pin(NULL, path, "vc09", buf, sizeof buf, &from), 0);
	assert_int_equal(vs_known_hosts_pin(NULL, NULL, "vc02", buf, sizeof buf, &from), 0);
	assert_int_equal(vs_known_hosts_lookup(path, "vc02:8443", buf, sizeof buf), 1);   /* older: any port */
	assert_int_equal(vs_known_hosts_add(path, "vc02:443", "55:66", &e), 0);
	assert_int_equal(vs_known_hosts_lookup(path, "vc02", buf, sizeof buf), 1);
	assert_string_equal(buf, "55:66");
	assert_int_equal(vs_known_hosts_lookup(path, "vc01:8443", buf, 3), -1);
	assert_int_equal(vs_known_hosts_add(path, "bad host", "x", &e), -1);
	assert_int_equal(e.kind, VS_ERR_USAGE);
	unlink(path);
	free(path);
}

static void test_urls(void **state)
{
	char *u = vs_datastore_url("https://vc01", "Europe/DC 1", "[datastore1] my vm/vss-manifest#1.zip");
	assert_string_equal(u, "https://vc01/folder/my%20vm/vss-manifest%231.zip?dcPath=Europe%2FDC%201"
			    "&dsName=datastore1");
	free(u);
	assert_null(vs_datastore_url("https://vc01", "DC0", "datastore1/x"));
	assert_null(vs_datastore_url("https://vc01", "DC0", "[ds] "));
	u = vs_guest_fix_url("https://*:443/guestFile?id=1&token=x", "vc01");
	assert_string_equal(u, "https://vc01:443/guestFile?id=1&token=x");
	free(u);
	u = vs_guest_fix_url("https://esx01/guestFile?id=1", "vc01");
	assert_string_equal(u, "https://esx01/guestFile?id=1");
	free(u);

	/* An ESXi host's name: its management IP from vCenter, the pin keyed by host:port. */
	vs_esx_host esx = { .mgmt_ip = "10.0.0.7", .thumbprint = "AB" };
	char *hp;
	assert_true(vs_esx_url_needs_host("https://esx01.corp:443/guestFile?id=1", "vc01"));
	assert_false(vs_esx_url_needs_host("https://*:443/guestFile?id=1", "vc01"));
	assert_false(vs_esx_url_needs_host("https://10.0.0.7:443/guestFile?id=1", "vc01"));
	assert_false(vs_esx_url_needs_host("https://[fe80::1]:443/guestFile", "vc01"));
	assert_false(vs_esx_url_needs_host("https://VC01/guestFile", "vc01"));
	u = vs_esx_transfer_url("https://esx01.corp:443/guestFile?id=1", "vc01", &esx, &hp);
	assert_string_equal(u, "https://10.0.0.7:443/guestFile?id=1");
	assert_string_equal(hp, "10.0.0.7:443");
	free(u);
	free(hp);
	snprintf(esx.mgmt_ip, sizeof esx.mgmt_ip, "fd00::7");
	u = vs_esx_transfer_url("https://esx01/guestFile", "vc01", &esx, &hp);
	assert_string_equal(u, "https://[fd00::7]/guestFile");
	assert_string_equal(hp, "[fd00::7]");
	free(u);
	free(hp);
	esx.mgmt_ip[0] = '\0'; /* several management vNICs: the name stays */
	u = vs_esx_transfer_url("https://esx01:443/guestFile", "vc01", &esx, &hp);
	assert_string_equal(u, "https://esx01:443/guestFile");
	assert_string_equal(hp, "esx01:443");
	free(u);
	free(hp);
	assert_null(vs_esx_transfer_url("http://esx01/guestFile", "vc01", &esx, &hp));
	assert_null(hp);
}

static void test_secret(void **state)
{
	int before = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	secret *s = secret_copy("p<a&ss");
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_string_equal(secret_data(s), "p<a&ss");
	secret *b = secret_new(secret_xml_escaped_len(secret_data(s)));
	assert_int_equal(secret_add_xml(b, secret_data(s)), 0);
	assert_string_equal(secret_data(b), "p&lt;a&amp;ss");
	assert_int_equal(secret_add(b, "x"), secret_cap(b) > secret_len(b) ? 0 : -1);
	secret *tiny = secret_new(1);
	char big[8192];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(secret_add(tiny, big), -1);
	secret_release(tiny);
	secret_release(b);
	secret_release(s);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_invalid_login),
		cmocka_unit_test(test_fault_not_authenticated_empty_string),
		cmocka_unit_test(test_fault_type_from_element_name),
		cmocka_unit_test(test_fault_vim_prefixed_type),
		cmocka_unit_test(test_http_html_error),
		cmocka_unit_test(test_doctype_refused),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_truncated_xml),
		cmocka_unit_test(test_envelope_and_escaping),
		cmocka_unit_test(test_reader_helpers),
		cmocka_unit_test(test_reader_one_walk),
		cmocka_unit_test(test_task_info_error),
		cmocka_unit_test(test_task_info_success),
		cmocka_unit_test(test_thumbprints),
		cmocka_unit_test(test_known_hosts),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
