/* propcol: request bodies, paging, missingSet, WaitForUpdatesEx (truncated, leave, unset),
 * cancellation on failure, and the streaming helpers, against canned vCenter/vcsim responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vs_fake_transport.h"

/* Every callback appends one line here; tests compare the whole log. */
static strbuf log_sb;
static int abort_after; /* > 0: the n-th on_prop fails */
static int n_props;

/* Scalars are read to the end; complex values are left untouched or read partly, in turn, so
 * propcol's "whatever the callback leaves" contract is exercised both ways. */
static void log_val(xmlTextReaderPtr val)
{
	char type[64];
	strbuf scratch;
	strbuf_init(&scratch);
	vs_xml_xsi_type(val, type, sizeof type);
	if (strncmp(type, "xsd:", 4) == 0 || strcmp(type, "string") == 0 ||
	    strcmp(type, "boolean") == 0 || strcmp(type, "dateTime") == 0 ||
	    strstr(type, "PowerState") || strcmp(type, "ManagedObjectReference") == 0 ||
	    strcmp(type, "TaskInfoState") == 0) {
		strbuf_addf(&log_sb, " = %s", vs_xml_text_buf(val, &scratch));
	} else {
		strbuf_addf(&log_sb, " : %s", type);
		if (n_props % 2 && !xmlTextReaderIsEmptyElement(val)) {
			xmlTextReaderRead(val); /* into the value, then leave */
			xmlTextReaderRead(val);
		}
	}
	strbuf_done(&scratch);
}

static int on_prop(void *ctx, const char *moref, const char *prop, xmlTextReaderPtr val,
		   vs_error *err)
{
	n_props++;
	if (abort_after && n_props == abort_after)
		return vs_fail(err, VS_ERR_USAGE, "consumer gave up");
	strbuf_addf(&log_sb, "%s %s", moref, prop);
	log_val(val);
	strbuf_addc(&log_sb, '\n');
	return 0;
}

static int on_missing(void *ctx, const char *moref, const char *path, const char *fault,
		      const char *message, vs_error *err)
{
	strbuf_addf(&log_sb, "missing %s %s %s '%s'\n", moref, path, fault, message);
	return 0;
}

static const char *const kinds[] = { "enter", "modify", "leave" };
static const char *const ops[] = { "assign", "add", "remove", "indirectRemove" };

static int on_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		     vs_change_op op, xmlTextReaderPtr val, vs_error *err)
{
	if (!prop) {
		assert_null(val);
		strbuf_addf(&log_sb, "%s %s\n", kinds[kind], moref);
		return 0;
	}
	n_props++;
	strbuf_addf(&log_sb, "  %s %s %s", moref, ops[op], prop);
	if (val)
		log_val(val);
	else
		strbuf_adds(&log_sb, " (unset)");
	strbuf_addc(&log_sb, '\n');
	return 0;
}

static const char *const vm_paths[] = { "name", "config.extraConfig", "runtime.powerState" };

/* The same consumers fed by the SAX2 push parser (vs_retrieve_stream, vs_wait_updates_stream):
 * every retrieve and wait test runs twice, once per parser, and must log the same lines. */
static bool use_stream;
static struct {
	strbuf line;     /* "moref prop" or "  moref op prop" */
	char type[64];
	strbuf text;     /* text directly inside <val> */
	int depth;       /* of the innermost open element, -1 outside */
} sv;

static int sv_begin(void *ctx, const char *obj_type, const char *moref, const char *prop,
		    vs_error *err)
{
	n_props++;
	if (abort_after && n_props == abort_after)
		return vs_fail(err, VS_ERR_USAGE, "consumer gave up");
	strbuf_reset(&sv.line);
	strbuf_addf(&sv.line, "%s %s", moref, prop);
	return 1;
}

static void sv_start(void *ctx, int depth, const char *name, const char *xsi_type)
{
	if (depth == 0) {
		snprintf(sv.type, sizeof sv.type, "%s", xsi_type);
		strbuf_reset(&sv.text);
	}
	sv.depth = depth;
}

static void sv_text(void *ctx, const char *t, size_t n)
{
	if (sv.depth == 0)
		strbuf_add(&sv.text, t, n);
}

static void sv_end(void *ctx, int depth, const char *name)
{
	sv.depth = depth - 1;
}

static int sv_finish(void *ctx, vs_error *err)
{
	const char *type = sv.type;
	if (strcmp(type, "string") == 0 || strcmp(type, "boolean") == 0 ||
	    strcmp(type, "dateTime") == 0 || strstr(type, "PowerState") ||
	    strcmp(type, "ManagedObjectReference") == 0 || strcmp(type, "TaskInfoState") == 0)
		strbuf_addf(&log_sb, "%s = %s\n", sv.line.buf, sv.text.buf);
	else
		strbuf_addf(&log_sb, "%s : %s\n", sv.line.buf, type);
	return 0;
}

static void sv_abort(void *ctx)
{
	strbuf_reset(&sv.line);
}

static const vs_val_sink sv_sink = {
	.begin = sv_begin, .start = sv_start, .text = sv_text, .end = sv_end,
	.finish = sv_finish, .abort = sv_abort, .on_missing = on_missing,
};

static const vs_val_sink sv_sink_no_missing = {
	.begin = sv_begin, .start = sv_start, .text = sv_text, .end = sv_end,
	.finish = sv_finish, .abort = sv_abort,
};

static int retrieve_any(const char *view, int page_size, vs_missing_fn missing, vs_error *err)
{
	vs_prop_spec spec = { "VirtualMachine", vm_paths, 3 };
	vs_view_filter filter = { .view_moref = view, .specs = &spec, .n_specs = 1 };
	if (use_stream)
		return vs_retrieve_stream(NULL, &filter, 1, page_size, true,
					  missing ? &sv_sink : &sv_sink_no_missing, NULL, err);
	return vs_retrieve(NULL, view, "VirtualMachine", vm_paths, 3, page_size, on_prop, missing,
			   NULL, err);
}

static int su_object(void *ctx, const char *obj_type, const char *moref, vs_obj_kind kind,
		     vs_error *err)
{
	return on_change(ctx, moref, kind, NULL, VS_OP_ASSIGN, NULL, err);
}

static int su_change(void *ctx, const char *moref, vs_obj_kind kind, const char *prop,
		     vs_change_op op, bool has_val, vs_error *err)
{
	if (!has_val)
		return on_change(ctx, moref, kind, prop, op, NULL, err);
	n_props++;
	strbuf_reset(&sv.line);
	strbuf_addf(&sv.line, "  %s %s %s", moref, ops[op], prop);
	return 1;
}

static int wait_any(vs_updates *u, const char *in, char *out, size_t n, int wait,
		    vs_missing_fn missing, vs_error *err)
{
	if (use_stream) {
		vs_update_sink sink = { .object = su_object, .change = su_change, .val = sv_sink };
		sink.val.on_missing = missing;
		return vs_wait_updates_stream(NULL, u, in, out, n, wait, &sink, NULL, err);
	}
	return vs_wait_updates(NULL, u, in, out, n, wait, on_change, missing, NULL, err);
}

static int setup(void **state)
{
	use_stream = false;
	strbuf_init(&log_sb);
	strbuf_init(&sv.line);
	strbuf_init(&sv.text);
	abort_after = 0;
	n_props = 0;
	return fake_setup(state);
}

static int setup_stream(void **state)
{
	setup(state);
	use_stream = true;
	return 0;
}

static int teardown(void **state)
{
	strbuf_done(&sv.line);
	strbuf_done(&sv.text);
	strbuf_done(&log_sb);
	return fake_teardown(state);
}


static void test_view_create_destroy(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	char view[VS_MOREF_MAX];
	fake_expect("<CreateContainerView xmlns=\"urn:vim25\"><_this type=\"ViewManager\">ViewManager"
		    "</_this><container type=\"Folder\">group-d1</container><type>VirtualMachine"
		    "</type><recursive>true</recursive></CreateContainerView>", "create_view.xml");
	fake_expect("<DestroyView xmlns=\"urn:vim25\"><_this type=\"ContainerView\">session[1f5",
		    "void_response.xml");
	fake_expect("CreateContainerView", "create_view.xml");
	assert_int_equal(vs_view_create(NULL, "VirtualMachine", view, sizeof view, &err), 0);
	assert_string_equal(view, "session[1f561484-ef83-4cc1-81eb-1fa0428fa61e]"
				  "61960f89-f2f3-4100-9e2f-df73c88d5dea");
	assert_int_equal(vs_view_destroy(NULL, view, &err), 0);
	/* a moref that does not fit is an error, not a truncation */
	char small[16];
	assert_int_equal(vs_view_create(NULL, "VirtualMachine", small, sizeof small, &err), -1);
	assert_int_equal(err.kind, VS_ERR_PARSE);
	assert_int_equal(fake_pos, fake_n);
}

static void test_retrieve_paging(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	fake_expect("<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">"
		    "propertyCollector</_this><specSet><propSet><type>VirtualMachine</type>"
		    "<pathSet>name</pathSet><pathSet>config.extraConfig</pathSet>"
		    "<pathSet>runtime.powerState</pathSet></propSet><objectSet>"
		    "<obj type=\"ContainerView\">view-1</obj><skip>true</skip><selectSet "
		    "|xsi:type=\"TraversalSpec\"><name>traverse</name><type>ContainerView</type>"
		    "<path>view</path><skip>false</skip></selectSet></objectSet></specSet>"
		    "<options><maxObjects>2</maxObjects></options></RetrievePropertiesEx>",
		    "retrieve_page1.xml");
	fake_expect("<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"Property"
		    "Collector\">propertyCollector</_this><token>1</token>"
		    "</ContinueRetrievePropertiesEx>", "retrieve_page2.xml");
	fake_expect("<token>2</token>", "retrieve_page3.xml");
	assert_int_equal(retrieve_any("view-1", 2, on_missing, &err), 0);
	assert_int_equal(fake_pos, 3);
	const char *want =
		"vm-42 config.extraConfig : ArrayOfOptionValue\n"
		"vm-42 config.guestFullName = Microsoft Windows Server 2022 (64-bit)\n"
		"vm-42 config.guestId = windows2019srvNext_64Guest\n"
		"vm-42 config.hardware.device : ArrayOfVirtualDevice\n"
		"vm-42 config.template = false\n"
		"vm-42 config.version = vmx-19\n"
		"vm-42 guest.disk : ArrayOfGuestDiskInfo\n"
		"vm-42 guest.guestFullName = Microsoft Windows Server 2022 (64-bit)\n"
		"vm-42 guest.guestId = windows2019srvNext_64Guest\n"
		"vm-42 guest.toolsRunningStatus = guestToolsRunning\n"
		"vm-42 guest.toolsVersion = 11365\n"
		"vm-42 guest.toolsVersionStatus2 = guestToolsCurrent\n"
		"vm-42 name = sql-prod-01\n"
		"vm-42 runtime.bootTime = 2026-11-20T08:15:30.123456Z\n"
		"vm-42 runtime.powerState = poweredOn\n"
		"vm-42 snapshot : VirtualMachineSnapshotInfo\n"
		"vm-43 name = web-01\n"
		"vm-43 config.template = false\n"
		"vm-43 config.guestId = windows9Server64Guest\n"
		"vm-43 config.guestFullName = Microsoft Windows Server 2016 or later (64-bit)\n"
		"vm-43 config.version = vmx-13\n"
		"vm-43 config.extraConfig : ArrayOfOptionValue\n"
		"vm-43 config.hardware.device : ArrayOfVirtualDevice\n"
		"vm-43 runtime.powerState = poweredOff\n"
		"vm-43 runtime.bootTime = 2026-11-20T10:15:30+02:00\n"
		"vm-43 guest.toolsRunningStatus = guestToolsNotRunning\n"
		"vm-43 guest.toolsVersion = 0\n"
		"vm-43 guest.toolsVersionStatus2 = guestToolsNotInstalled\n"
		"vm-43 guest.disk : ArrayOfGuestDiskInfo\n"
		"vm-44 name = tmpl-win2019\n"
		"vm-44 config.template = true\n"
		"vm-44 config.guestId = windows2019srv_64Guest\n"
		"vm-44 runtime.powerState = poweredOff\n"
		"missing vm-44 config.hardware.device NoPermission 'Permission to perform this "
		"operation was denied.'\n"
		"missing vm-44 config.extraConfig NoPermission 'Permission to perform this "
		"operation was denied.'\n"
		"missing vm-44 snapshot SystemError ''\n"
		"vm-45 name = sql-prod-02\n"
		"vm-45 config.extraConfig : ArrayOfOptionValue\n"
		"vm-45 runtime.powerState = suspended\n"
		"vm-45 guest.toolsRunningStatus = guestToolsExecutingScripts\n"
		"vm-45 guest.toolsVersion = 10272\n"
		"vm-45 guest.toolsVersionStatus2 = guestToolsTooOld\n"
		"vm-45 runtime.bootTime = 2026-11-20T03:15:30.5-05:00\n"
		"vm-46 name = app-01\n"
		"vm-46 config.extraConfig : ArrayOfOptionValue\n"
		"vm-46 runtime.powerState = poweredOn\n"
		"vm-46 guest.toolsRunningStatus = guestToolsRunning\n"
		"vm-46 guest.toolsVersion = 2147483647\n"
		"vm-46 guest.toolsVersionStatus2 = guestToolsUnmanaged\n"
		"vm-46 guest.guestId = ubuntu64Guest\n"
		"vm-46 snapshot : VirtualMachineSnapshotInfo\n"
		"vm-47 name = sql-test-01\n"
		"vm-47 config.extraConfig : ArrayOfOptionValue\n";
	assert_string_equal(log_sb.buf, want);
}

static void test_retrieve_no_page_size(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	fake_expect("<options></options></RetrievePropertiesEx>", "retrieve_empty.xml");
	assert_int_equal(retrieve_any("v", 0, NULL, &err), 0);
	assert_string_equal(log_sb.buf, "");
}

static void test_retrieve_missing_without_handler(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	fake_expect("RetrievePropertiesEx", "retrieve_page2.xml");
	fake_expect("<token>2</token>", "retrieve_page3.xml");
	assert_int_equal(retrieve_any("v", 100, NULL, &err), 0);
	assert_null(strstr(log_sb.buf, "missing"));
	assert_non_null(strstr(log_sb.buf, "vm-47 name = sql-test-01\n"));
}

static void test_retrieve_malformed_cancels(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	fake_expect("RetrievePropertiesEx", "retrieve_truncated.xml");
	fake_expect("<CancelRetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"Property"
		    "Collector\">propertyCollector</_this><token>7</token>", "void_response.xml");
	assert_int_equal(retrieve_any("v", 10, NULL, &err), -1);
	assert_int_equal(err.kind, VS_ERR_PARSE);
	assert_non_null(strstr(err.message, "RetrievePropertiesEx"));
	assert_int_equal(fake_pos, 2);
}

static void test_retrieve_consumer_abort(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	abort_after = 20; /* on page 1 (vm-43), whose token is "1" */
	fake_expect("RetrievePropertiesEx", "retrieve_page1.xml");
	fake_expect("CancelRetrievePropertiesEx|<token>1</token>", "void_response.xml");
	assert_int_equal(retrieve_any("v", 2, NULL, &err), -1);
	assert_int_equal(err.kind, VS_ERR_USAGE);
	assert_string_equal(err.message, "consumer gave up");
	assert_int_equal(fake_pos, 2);
}

static void test_retrieve_fault_mid_paging(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	fake_expect("RetrievePropertiesEx", "retrieve_page1.xml");
	fake_expect("ContinueRetrievePropertiesEx|<token>1</token>", NULL);
	fake_steps[1].fault = "InvalidArgument";
	/* the server said the token is bad: cancelling it is harmless, and allowed */
	fake_expect("CancelRetrievePropertiesEx|<token>1</token>", "void_response.xml");
	assert_int_equal(retrieve_any("v", 2, NULL, &err), -1);
	assert_int_equal(err.kind, VS_ERR_FAULT);
	assert_string_equal(err.fault, "InvalidArgument");
}

static void test_retrieve_repeated_token(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	fake_expect("RetrievePropertiesEx", "retrieve_page1.xml");
	fake_expect("ContinueRetrievePropertiesEx|<token>1</token>", "retrieve_page1.xml");
	fake_expect("CancelRetrievePropertiesEx|<token>1</token>", "void_response.xml");
	assert_int_equal(retrieve_any("v", 2, NULL, &err), -1);
	assert_int_equal(err.kind, VS_ERR_PARSE);
	assert_non_null(strstr(err.message, "token \"1\" again"));
	assert_int_equal(fake_pos, 3);
}

static void test_retrieve_first_call_fails(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	fake_expect_fault("RetrievePropertiesEx", "x");
	assert_int_equal(retrieve_any("v", 2, NULL, &err), -1);
	assert_int_equal(fake_pos, 1); /* nothing to cancel: no token was ever seen */
}

static void test_retrieve_object(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	static const char *const paths[] = { "info.descriptionId", "info.entity", "info.state" };
	fake_expect("<objectSet><obj type=\"Task\">task-101</obj><skip>false</skip></objectSet>"
		    "</specSet><options></options>", "recent_tasks_paths.xml");
	/* recent_tasks_paths.xml's last object has a missingSet: for one object, that is a failure */
	assert_int_equal(vs_retrieve_object(NULL, "Task", "task-101", paths, 3, on_prop, NULL,
					    &err), -1);
	assert_int_equal(err.kind, VS_ERR_FAULT);
	assert_string_equal(err.fault, "ManagedObjectNotFound");
	assert_non_null(strstr(err.message, "info.state of task-105"));
	assert_non_null(strstr(log_sb.buf, "task-101 info.entity = vm-42\n"));
	assert_null(strstr(fake_bodies[0], "selectSet"));
}

static void test_retrieve_traverse(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	static const char *const paths[] = { "info.state" };
	fake_expect("<propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet>"
		    "<obj type=\"TaskManager\">TaskManager</obj><skip>true</skip>|<type>TaskManager"
		    "</type><path>recentTask</path>", "recent_tasks_paths.xml");
	assert_int_equal(vs_retrieve_traverse(NULL, "TaskManager", "TaskManager", "recentTask",
					      "Task", paths, 1, 0, on_prop, on_missing, NULL,
					      &err), 0);
	assert_non_null(strstr(log_sb.buf, "task-104 info.state = queued\n"
					   "missing task-105 info.state ManagedObjectNotFound"));
}

static void test_updates_create_destroy(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vs_updates u;
	fake_expect("<CreatePropertyCollector xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">"
		    "propertyCollector</_this></CreatePropertyCollector>", "create_collector.xml");
	fake_expect("<CreateFilter xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">session["
		    "52b6b0f5-5d36-4b4d-b8e5-0b1c0d0e0f10]52c0ffee-0000-4000-8000-000000000001</_this>"
		    "<spec><propSet><type>VirtualMachine</type><pathSet>name</pathSet>|<obj type="
		    "\"ContainerView\">view-1</obj>|</spec><partialUpdates>false</partialUpdates>"
		    "</CreateFilter>", "create_filter.xml");
	fake_expect("<DestroyPropertyFilter xmlns=\"urn:vim25\"><_this type=\"PropertyFilter\">"
		    "session[52b6b0f5-5d36-4b4d-b8e5-0b1c0d0e0f10]52a1c2d3", "void_response.xml");
	fake_expect("<DestroyPropertyCollector xmlns=\"urn:vim25\"><_this type=\"PropertyCollector"
		    "\">session[52b6b0f5-5d36-4b4d-b8e5-0b1c0d0e0f10]52c0ffee", "void_response.xml");
	assert_int_equal(vs_updates_create(NULL, "view-1", "VirtualMachine", vm_paths, 3, &u,
					   &err), 0);
	assert_string_equal(u.filter, "session[52b6b0f5-5d36-4b4d-b8e5-0b1c0d0e0f10]"
				      "52a1c2d3-e4f5-4a6b-8c9d-0e1f2a3b4c5d");
	assert_int_equal(vs_updates_destroy(NULL, &u, &err), 0);
	assert_string_equal(u.filter, "");
	assert_string_equal(u.collector, "");
	assert_int_equal(vs_updates_destroy(NULL, &u, &err), 0); /* twice is harmless */
	assert_int_equal(fake_pos, 4);
}

static void test_updates_create_filter_fails(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vs_updates u;
	fake_expect("CreatePropertyCollector", "create_collector.xml");
	fake_expect_fault("CreateFilter", "InvalidType");
	fake_expect("DestroyPropertyCollector", "void_response.xml");
	assert_int_equal(vs_updates_create(NULL, "view-1", "VirtualMachine", vm_paths, 3, &u,
					   &err), -1);
	assert_string_equal(err.fault, "InvalidType");
	assert_int_equal(fake_pos, 3); /* the collector is not leaked on the server */
}

static void test_wait_truncated(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vs_updates u = { .collector = "pc-2", .max_object_updates = 1 };
	char version[64];
	fake_expect("<WaitForUpdatesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">pc-2"
		    "</_this><options><maxWaitSeconds>30</maxWaitSeconds><maxObjectUpdates>1"
		    "</maxObjectUpdates></options></WaitForUpdatesEx>", "wait_enter_truncated.xml");
	fake_expect("<version>1_1</version><options><maxWaitSeconds>0</maxWaitSeconds>",
		    "wait_enter_rest.xml");
	assert_int_equal(wait_any(&u, "", version, sizeof version, 30, on_missing, &err), 2);
	assert_string_equal(version, "1");
	assert_string_equal(log_sb.buf,
		"enter vm-42\n"
		"  vm-42 assign name = sql-prod-01\n"
		"  vm-42 assign runtime.powerState = poweredOn\n"
		"  vm-42 assign config.extraConfig : ArrayOfOptionValue\n"
		"  vm-42 assign snapshot (unset)\n"
		"enter vm-43\n"
		"  vm-43 assign name = web-01\n"
		"  vm-43 assign runtime.powerState = poweredOff\n"
		"missing vm-43 config.hardware.device NoPermission 'Permission to perform this "
		"operation was denied.'\n");
}

static void test_wait_modify_leave(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vs_updates u = { .collector = "pc-2" };
	char version[64] = "1";
	fake_expect("<version>1</version><options><maxWaitSeconds>5</maxWaitSeconds></options>",
		    "wait_modify.xml");
	/* version_out may alias version_in */
	assert_int_equal(wait_any(&u, version, version, sizeof version, 5, NULL, &err), 3);
	assert_string_equal(version, "2");
	assert_string_equal(log_sb.buf,
		"modify vm-42\n"
		"  vm-42 assign runtime.powerState = poweredOff\n"
		"  vm-42 assign config.extraConfig : ArrayOfOptionValue\n"
		"  vm-42 assign snapshot : VirtualMachineSnapshotInfo\n"
		"  vm-42 indirectRemove guest.disk (unset)\n"
		"leave vm-43\n"
		"enter vm-48\n"
		"  vm-48 assign name = new-vm\n");
}

static void test_wait_timeout_and_unbounded(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vs_updates u = { .collector = "pc-2" };
	char version[64];
	fake_expect("<version>2</version><options></options>", "wait_timeout.xml");
	assert_int_equal(wait_any(&u, "2", version, sizeof version, -1, NULL, &err), 0);
	assert_string_equal(version, "2");
	assert_string_equal(log_sb.buf, "");
	/* a version that does not fit */
	fake_expect("WaitForUpdatesEx", "wait_modify.xml");
	char tiny[1];
	assert_int_equal(wait_any(&u, "1", tiny, sizeof tiny, 0, NULL, &err), -1);
	assert_int_equal(err.kind, VS_ERR_PARSE);
}

static void test_wait_cancel_body(void **state)
{
	vs_error err;
	vs_error_clear(&err);
	vs_updates u = { .collector = "pc-<&>" };
	fake_expect("<CancelWaitForUpdates xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">"
		    "pc-&lt;&amp;&gt;</_this></CancelWaitForUpdates>", "void_response.xml");
	assert_int_equal(vs_updates_cancel(NULL, &u, &err), 0);
}

static void test_wait_malformed(void **state)
{
	static const char bad_kind[] =
		"<Envelope><Body><WaitForUpdatesExResponse><returnval><version>3</version><filterSet>"
		"<objectSet><kind>explode</kind><obj type=\"VirtualMachine\">vm-1</obj></objectSet>"
		"</filterSet></returnval></WaitForUpdatesExResponse></Body></Envelope>";
	static const char no_version[] =
		"<Envelope><Body><WaitForUpdatesExResponse><returnval><filterSet/></returnval>"
		"</WaitForUpdatesExResponse></Body></Envelope>";
	vs_error err;
	vs_error_clear(&err);
	vs_updates u = { .collector = "pc" };
	char version[16];
	fake_expect_xml("WaitForUpdatesEx", bad_kind, sizeof bad_kind - 1);
	assert_int_equal(wait_any(&u, "", version, sizeof version, 0, NULL, &err), -1);
	assert_int_equal(err.kind, VS_ERR_PARSE);
	fake_expect_xml("WaitForUpdatesEx", no_version, sizeof no_version - 1);
	assert_int_equal(wait_any(&u, "", version, sizeof version, 0, NULL, &err), -1);
	assert_int_equal(err.kind, VS_ERR_PARSE);
}

/* What the SAX2 push parser must refuse: a DTD (entity bombs, external entities), an entity
 * nothing declared, nesting past VS_XML_MAX_DEPTH; nothing of it reaches the consumer. */
static void test_sax_hostile(void **state)
{
	static const char head[] =
		"<Envelope><Body><RetrievePropertiesExResponse><returnval><objects>"
		"<obj type=\"VirtualMachine\">vm-1</obj><propSet><name>name</name><val>";
	static const char tail[] =
		"</val></propSet></objects></returnval></RetrievePropertiesExResponse></Body>"
		"</Envelope>";
	strbuf deep;
	strbuf_init(&deep);
	strbuf_adds(&deep, head);
	for (int i = 0; i < 100; i++)
		strbuf_adds(&deep, "<x>");
	for (int i = 0; i < 100; i++)
		strbuf_adds(&deep, "</x>");
	strbuf_adds(&deep, tail);
	strbuf bomb, xxe, undeclared;
	strbuf_init(&bomb);
	strbuf_init(&xxe);
	strbuf_init(&undeclared);
	strbuf_adds(&bomb, "<?xml version=\"1.0\"?><!DOCTYPE Envelope [<!ENTITY a \"lol\">"
		    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>");
	strbuf_adds(&bomb, head);
	strbuf_adds(&bomb, "&b;");
	strbuf_adds(&bomb, tail);
	strbuf_adds(&xxe, "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
		    "\"file:///etc/passwd\">]>");
	strbuf_adds(&xxe, head);
	strbuf_adds(&xxe, "&x;");
	strbuf_adds(&xxe, tail);
	strbuf_adds(&undeclared, head);
	strbuf_adds(&undeclared, "a&nothing;b");
	strbuf_adds(&undeclared, tail);
	const strbuf *bad[] = { &bomb, &xxe, &undeclared, &deep };
	const char *why[] = { "DTD", "DTD", "malformed", "deeper" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		vs_error err;
		vs_error_clear(&err);
		fake_reset();
		strbuf_reset(&log_sb);
		fake_expect_xml("RetrievePropertiesEx", bad[i]->buf, bad[i]->len);
		assert_int_equal(retrieve_any("v", 10, on_missing, &err), -1);
		assert_int_equal(err.kind, VS_ERR_PARSE);
		assert_non_null(strstr(err.message, why[i]));
		assert_null(strstr(log_sb.buf, "lol"));
		assert_null(strstr(log_sb.buf, "root:"));
		/* the same as a later page, which is parsed whole instead of fed */
		vs_error_clear(&err);
		fake_reset();
		strbuf_reset(&log_sb);
		fake_expect("RetrievePropertiesEx", "retrieve_page1.xml");
		fake_expect_xml("ContinueRetrievePropertiesEx|<token>1</token>", bad[i]->buf,
				bad[i]->len);
		assert_int_equal(retrieve_any("v", 2, on_missing, &err), -1);
		assert_int_equal(err.kind, VS_ERR_PARSE);
		assert_non_null(strstr(err.message, why[i]));
		assert_non_null(strstr(log_sb.buf, "vm-42")); /* page 1 went through */
		assert_null(strstr(log_sb.buf, "lol"));
		assert_null(strstr(log_sb.buf, "root:"));
	}
	strbuf_done(&bomb);
	strbuf_done(&xxe);
	strbuf_done(&undeclared);
	strbuf_done(&deep);
}

static xmlTextReaderPtr reader_at(const char *xml, const char *elem)
{
	xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
	xmlTextReaderSetErrorHandler(r, fake_quiet, NULL);
	while (xmlTextReaderRead(r) == 1)
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && vs_xml_is(r, elem))
			return r;
	fail_msg("no <%s>", elem);
	return NULL;
}

static void test_rd_helpers(void **state)
{
	strbuf sb;
	strbuf_init(&sb);
	char type[32];
	xmlTextReaderPtr r = reader_at(
		"<a xmlns:x=\"http://www.w3.org/2001/XMLSchema-instance\"><v x:type=\"xsd:string\">"
		"D:\\SQL &amp; <![CDATA[<Logs>]]> &#233;</v><e/><n>text<b>inner</b>more</n>"
		"<t x:type=\"vim25:VirtualDisk\"/><u type=\"nons\">u</u><w>1</w></a>", "v");
	assert_string_equal(vs_xml_xsi_type(r, type, sizeof type), "string");
	assert_true(vs_xml_is(r, "v"));
	assert_string_equal(vs_xml_text_buf(r, &sb), "D:\\SQL & <Logs> \xc3\xa9");
	assert_int_equal(xmlTextReaderNodeType(r), XML_READER_TYPE_END_ELEMENT);
	xmlFreeTextReader(r);

	r = reader_at("<a><e/><f></f></a>", "e");
	assert_string_equal(vs_xml_text_buf(r, &sb), "");
	assert_true(vs_xml_is(r, "e")); /* empty: stays on itself */
	xmlFreeTextReader(r);

	/* iterating children: skip, partial reads and mixed content are all passed over */
	r = reader_at("<a xmlns:x=\"http://www.w3.org/2001/XMLSchema-instance\"><e/>"
		      "<n>text<b>inner<c/></b>more</n><t x:type=\"vim25:VirtualDisk\"/>"
		      "<u type=\"plain\">u</u><!-- c --><w>1</w></a>", "a");
	vs_xml_iter it;
	vs_xml_iter_init(&it, r);
	strbuf names;
	strbuf_init(&names);
	while (vs_xml_iter_next(&it) == 1) {
		strbuf_addf(&names, "%s,", xmlTextReaderConstLocalName(r));
		if (vs_xml_is(r, "n")) {
			xmlTextReaderRead(r); /* "text" */
			xmlTextReaderRead(r); /* <b>: left inside */
		} else if (vs_xml_is(r, "t")) {
			assert_string_equal(vs_xml_xsi_type(r, type, sizeof type), "VirtualDisk");
			vs_xml_iter_skip(&it);
		} else if (vs_xml_is(r, "u")) {
			assert_string_equal(vs_xml_xsi_type(r, type, sizeof type), "");
			vs_xml_iter_skip(&it);
		} else if (vs_xml_is(r, "w")) {
			assert_string_equal(vs_xml_text_buf(r, &sb), "1");
		}
	}
	assert_string_equal(names.buf, "e,n,t,u,w,");
	assert_int_equal(vs_xml_iter_next(&it), 0); /* stays done */
	xmlFreeTextReader(r);

	r = reader_at("<a><b>unterminated", "b");
	assert_null(vs_xml_text_buf(r, &sb));
	xmlFreeTextReader(r);
	strbuf_done(&names);
	strbuf_done(&sb);
}

/* A test run again with the SAX2 push parser. */
#define SAX_TEST(f) { "sax_" #f, f, setup_stream, teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_view_create_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_no_page_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_missing_without_handler, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_malformed_cancels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_consumer_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_fault_mid_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_repeated_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_first_call_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_traverse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_updates_create_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_updates_create_filter_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_modify_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_timeout_and_unbounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_cancel_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_malformed, setup, teardown),
		cmocka_unit_test(test_rd_helpers),
		/* the same again through the SAX2 push parser */
		cmocka_unit_test_setup_teardown(test_sax_hostile, setup_stream, teardown),
		SAX_TEST(test_retrieve_paging),
		SAX_TEST(test_retrieve_no_page_size),
		SAX_TEST(test_retrieve_missing_without_handler),
		SAX_TEST(test_retrieve_malformed_cancels),
		SAX_TEST(test_retrieve_consumer_abort),
		SAX_TEST(test_retrieve_fault_mid_paging),
		SAX_TEST(test_retrieve_repeated_token),
		SAX_TEST(test_retrieve_first_call_fails),
		SAX_TEST(test_wait_truncated),
		SAX_TEST(test_wait_modify_leave),
		SAX_TEST(test_wait_timeout_and_unbounded),
		SAX_TEST(test_wait_malformed),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return failed;
}
