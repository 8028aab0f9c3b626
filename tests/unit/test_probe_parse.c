/* Unit tests of core/probe/probe_parse: real-format Windows texts from
 * tests/unit/data/probe (CRLF, as the guest writes them; run from the repo root), inline
 * variants, and truncations of every sample at every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "probe/probe_parse.h"
#include "util/xalloc.h"

#define DATA "tests/unit/data/probe/"

static const char *const samples[] = {
	"sc_query_vmvss_running.txt", "sc_query_vmvss_stopped.txt", "sc_query_lgto_running.txt",
	"sc_query_vss_stopped.txt", "sc_query_missing.txt", "sc_query_denied.txt",
	"sc_qc_vss_demand.txt", "sc_qc_vss_disabled.txt", "sc_qc_vmvss_auto.txt",
	"sc_qc_lgto_system.txt", "sc_qc_missing.txt", "vssadmin_stable.txt",
	"vssadmin_failures.txt", "vssadmin_disabled.txt", "vssadmin_truncated.txt",
	"tools_conf_disabled.txt", "tools_conf_enablevss_false.txt",
	"tools_conf_other_sections.txt", "tools_conf_missing.txt", "diskpart_basic.txt",
	"diskpart_dynamic.txt", "diskpart_garbled.txt", "storagepool_present.txt",
	"storagepool_absent.txt", "storagepool_notrecognized.txt", "full_probe.txt",
};

static char *slurp(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, DATA "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repo root)", path);
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	char chunk[4096];
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = xgrow(buf, &cap, len + got + 1, 1);
		memcpy(buf + len, chunk, got);
		len += got;
	}
	fclose(f);
	buf = xgrow(buf, &cap, len + 1, 1);
	buf[len] = '\0';
	return buf;
}

/* CRLF -> LF, to check both line ends give the same facts. */
static char *to_lf(const char *s)
{
	char *d = xmalloc(strlen(s) + 1), *p = d;
	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*p++ = *s;
	*p = '\0';
	return d;
}

static void svc_clear(svc_facts *f)
{
	free(f->raw_state);
	memset(f, 0, sizeof *f);
}

/* ---- sc query ---- */

static void check_query_file(const char *file, svc_state st, const char *raw)
{
	char *t = slurp(file), *lf = to_lf(t);
	char err[256];
	const char *texts[2] = { t, lf };
	for (int i = 0; i < 2; i++) {
		svc_facts f = { 0 };
		assert_true(probe_parse_sc_query(texts[i], &f, err, sizeof err));
		assert_string_equal(err, "");
		assert_int_equal(f.installed, TRI_YES);
		assert_int_equal(f.state, st);
		assert_string_equal(f.raw_state, raw);
		assert_int_equal(f.start, SVC_START_UNKNOWN);
		svc_clear(&f);
	}
	free(t);
	free(lf);
}

static void test_sc_query_present(void **state)
{
	check_query_file("sc_query_vmvss_running.txt", SVC_STATE_RUNNING, "4  RUNNING");
	check_query_file("sc_query_vmvss_stopped.txt", SVC_STATE_STOPPED, "1  STOPPED");
	check_query_file("sc_query_lgto_running.txt", SVC_STATE_RUNNING, "4  RUNNING");
	check_query_file("sc_query_vss_stopped.txt", SVC_STATE_STOPPED, "1  STOPPED");
}

static void test_sc_query_missing(void **state)
{
	/* The same 1060 text for vmvss, LGTO_Sync and VSS. */
	char *t = slurp("sc_query_missing.txt");
	char err[256];
	for (int i = 0; i < 3; i++) {
		svc_facts f = { 0 };
		f.raw_state = xstrdup("stale");
		f.state = SVC_STATE_RUNNING;
		assert_true(probe_parse_sc_query(t, &f, err, sizeof err));
		assert_int_equal(f.installed, TRI_NO);
		assert_int_equal(f.state, SVC_STATE_UNKNOWN);
		assert_null(f.raw_state);
		svc_clear(&f);
	}
	free(t);
}

static void test_sc_query_denied(void **state)
{
	char *t = slurp("sc_query_denied.txt");
	char err[256];
	svc_facts f = { 0 };
	assert_false(probe_parse_sc_query(t, &f, err, sizeof err));
	assert_int_equal(f.installed, TRI_UNKNOWN);
	assert_int_equal(f.state, SVC_STATE_UNKNOWN);
	assert_null(f.raw_state);
	assert_string_equal(err, "sc failed with error 5 (Access is denied): the guest account lacks the right to open the service");
	svc_clear(&f);
	free(t);
}

static void test_sc_query_every_state(void **state)
{
	static const char *const names[] = { "STOPPED", "START_PENDING", "STOP_PENDING",
		"RUNNING", "CONTINUE_PENDING", "PAUSE_PENDING", "PAUSED" };
	static const svc_state want[] = { SVC_STATE_STOPPED, SVC_STATE_START_PENDING,
		SVC_STATE_STOP_PENDING, SVC_STATE_RUNNING, SVC_STATE_CONTINUE_PENDING,
		SVC_STATE_PAUSE_PENDING, SVC_STATE_PAUSED };
	char text[512], raw[64], err[256];
	for (int i = 0; i < 7; i++) {
		snprintf(raw, sizeof raw, "%d  %s", i + 1, names[i]);
		snprintf(text, sizeof text, "\r\nSERVICE_NAME: VSS\r\n        TYPE               : "
			 "10  WIN32_OWN_PROCESS\r\n        STATE              : %s\r\n\r\n", raw);
		svc_facts f = { 0 };
		assert_true(probe_parse_sc_query(text, &f, err, sizeof err));
		assert_int_equal(f.state, want[i]);
		assert_int_equal(f.installed, TRI_YES);
		assert_string_equal(f.raw_state, raw);
		svc_clear(&f);
	}
}

static void test_sc_query_garbled(void **state)
{
	static const struct {
		const char *text;
		tri installed;
		const char *err;
	} cases[] = {
		{ "", TRI_UNKNOWN, "sc query printed nothing" },
		{ "\r\n\r\n  \r\n", TRI_UNKNOWN, "sc query printed nothing" },
		{ "garbage\x1b[31m here\r\n", TRI_UNKNOWN, "unrecognised sc query output 'garbage?[31m here'" },
		{ "SERVICE_NAME: VSS\r\n  TYPE : 10  WIN32_OWN_PROCESS\r\n", TRI_YES,
		  "sc query printed no STATE (output cut off?)" },
		{ "SERVICE_NAME: VSS\r\n  STATE : 4  STOPPED\r\n", TRI_UNKNOWN,
		  "sc query printed an unknown STATE '4  STOPPED'" },
		{ "SERVICE_NAME: VSS\r\n  STATE : 9  WEIRD\r\n", TRI_UNKNOWN,
		  "sc query printed an unknown STATE '9  WEIRD'" },
		{ "SERVICE_NAME: VSS\r\n  STATE : RUNNING\r\n", TRI_UNKNOWN,
		  "sc query printed an unknown STATE 'RUNNING'" },
		{ "SERVICE_NAME: VSS\r\n  STATE : 99999999999999999999 RUNNING\r\n", TRI_UNKNOWN,
		  "sc query printed an unknown STATE '99999999999999999999 RUNNING'" },
		{ "SERVICE_NAME: VSS\r\n  STATE : 4  RUNNING\r\n  STATE : 1  STOPPED\r\n", TRI_UNKNOWN,
		  "sc query printed more than one STATE" },
		{ "[SC] OpenSCManager FAILED 1722:\r\n\r\nThe RPC server is unavailable.\r\n",
		  TRI_UNKNOWN, "sc failed with error 1722 (The RPC server is unavailable): the RPC server is unavailable" },
		{ "[SC] OpenService FAILED x:\r\n", TRI_UNKNOWN, "sc failed" },
	};
	char err[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		svc_facts f = { 0 };
		assert_false(probe_parse_sc_query(cases[i].text, &f, err, sizeof err));
		assert_int_equal(f.state, SVC_STATE_UNKNOWN);
		assert_null(f.raw_state);
		assert_int_equal(f.installed, cases[i].installed);
		assert_string_equal(err, cases[i].err);
		svc_clear(&f);
	}
	/* A localised state name: the number is the API value and decides. */
	svc_facts f = { 0 };
	assert_true(probe_parse_sc_query("SERVICE_NAME: VSS\r\n STATE : 4  EN_COURS\r\n", &f,
					 err, sizeof err));
	assert_int_equal(f.state, SVC_STATE_RUNNING);
	svc_clear(&f);
	/* NULL error buffer is allowed. */
	assert_false(probe_parse_sc_query("nonsense", &f, NULL, 0));
	svc_clear(&f);
}

/* ---- sc qc ---- */

static void check_qc_file(const char *file, svc_start want)
{
	char *t = slurp(file), *lf = to_lf(t);
	char err[256];
	const char *texts[2] = { t, lf };
	for (int i = 0; i < 2; i++) {
		svc_facts f = { 0 };
		assert_true(probe_parse_sc_qc(texts[i], &f, err, sizeof err));
		assert_string_equal(err, "");
		assert_int_equal(f.installed, TRI_YES);
		assert_int_equal(f.start, want);
		assert_int_equal(f.state, SVC_STATE_UNKNOWN);
		assert_null(f.raw_state);
	}
	free(t);
	free(lf);
}

static void test_sc_qc_present(void **state)
{
	check_qc_file("sc_qc_vss_demand.txt", SVC_START_DEMAND);
	check_qc_file("sc_qc_vss_disabled.txt", SVC_START_DISABLED);
	check_qc_file("sc_qc_vmvss_auto.txt", SVC_START_AUTO);
	check_qc_file("sc_qc_lgto_system.txt", SVC_START_SYSTEM);
}

static void test_sc_qc_every_start_type(void **state)
{
	static const char *const names[] = { "BOOT_START", "SYSTEM_START", "AUTO_START",
		"DEMAND_START", "DISABLED" };
	static const svc_start want[] = { SVC_START_BOOT, SVC_START_SYSTEM, SVC_START_AUTO,
		SVC_START_DEMAND, SVC_START_DISABLED };
	char text[512], err[256];
	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "[SC] QueryServiceConfig SUCCESS\n\nSERVICE_NAME: LGTO_Sync\n"
			 "        TYPE               : 1  KERNEL_DRIVER\n"
			 "        START_TYPE         : %d   %s\n", i, names[i]);
		svc_facts f = { 0 };
		assert_true(probe_parse_sc_qc(text, &f, err, sizeof err));
		assert_int_equal(f.start, want[i]);
		assert_int_equal(f.installed, TRI_YES);
	}
	svc_facts f = { 0 };
	assert_true(probe_parse_sc_qc("SERVICE_NAME: VSS\r\n START_TYPE : 2   AUTO_START  (DELAYED)\r\n",
				      &f, err, sizeof err));
	assert_int_equal(f.start, SVC_START_AUTO);
}

static void test_sc_qc_missing_and_garbled(void **state)
{
	char *t = slurp("sc_qc_missing.txt");
	char err[256];
	svc_facts f = { 0 };
	assert_true(probe_parse_sc_qc(t, &f, err, sizeof err));
	assert_int_equal(f.installed, TRI_NO);
	assert_int_equal(f.start, SVC_START_UNKNOWN);
	free(t);

	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "", "sc qc printed nothing" },
		{ "[SC] OpenService FAILED 5:\r\n\r\nAccess is denied.\r\n", "sc failed with error 5 (Access is denied): the guest account lacks the right to open the service" },
		{ "[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: VSS\r\n  TYPE : 10\r\n",
		  "sc qc printed no START_TYPE (output cut off?)" },
		{ "SERVICE_NAME: VSS\r\n START_TYPE : 7   SOMETIMES\r\n", "sc qc printed an unknown START_TYPE '7   SOMETIMES'" },
		{ "SERVICE_NAME: VSS\r\n START_TYPE : 4   DEMAND_START\r\n", "sc qc printed an unknown START_TYPE '4   DEMAND_START'" },
		{ "SERVICE_NAME: VSS\r\n START_TYPE :\r\n", "sc qc printed an unknown START_TYPE ''" },
		{ "SERVICE_NAME: VSS\r\n START_TYPE : 3DEMAND_START\r\n", "sc qc printed an unknown START_TYPE '3DEMAND_START'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		svc_facts g = { 0 };
		assert_false(probe_parse_sc_qc(cases[i].text, &g, err, sizeof err));
		assert_int_equal(g.start, SVC_START_UNKNOWN);
		assert_string_equal(err, cases[i].err);
	}
}

static void test_sc_query_qc_disagree(void **state)
{
	char *q = slurp("sc_query_vss_stopped.txt"), *qc = slurp("sc_qc_missing.txt");
	char err[256];
	svc_facts f = { 0 };
	assert_true(probe_parse_sc_query(q, &f, err, sizeof err));
	assert_int_equal(f.installed, TRI_YES);
	assert_false(probe_parse_sc_qc(qc, &f, err, sizeof err));
	assert_int_equal(f.installed, TRI_UNKNOWN);
	assert_string_equal(err, "sc query and sc qc disagree on whether the service exists");
	svc_clear(&f);
	free(q);
	free(qc);
}

/* ---- vssadmin ---- */

#define G1 "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}"
#define G2 "{1bddd48e-5052-49db-9b07-b96f96727e6b}"

static void check_writer(const vss_writer *w, const char *name, const char *id, const char *inst,
			 writer_state st, const char *st_text, writer_error le, const char *le_text)
{
	assert_string_equal(w->name, name);
	assert_string_equal(w->id, id);
	assert_string_equal(w->instance_id, inst);
	assert_int_equal(w->state, st);
	assert_string_equal(w->state_text, st_text);
	assert_int_equal(w->last_error, le);
	assert_string_equal(w->last_error_text, le_text);
}

static void test_vssadmin_stable(void **state)
{
	char *t = slurp("vssadmin_stable.txt"), *lf = to_lf(t);
	const char *texts[2] = { t, lf };
	char err[256];
	for (int i = 0; i < 2; i++) {
		vss_writer *w;
		size_t n;
		assert_true(probe_parse_vssadmin_writers(texts[i], &w, &n, err, sizeof err));
		assert_string_equal(err, "");
		assert_int_equal(n, 4);
		check_writer(&w[0], "Task Scheduler Writer", "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}",
			     "{1bddd48e-5052-49db-9b07-b96f96727e6b}", WRITER_STABLE, "[1] Stable",
			     WRITER_ERR_NONE, "No error");
		check_writer(&w[3], "System Writer", "{e8132975-6f93-4464-a53e-1050253ae220}",
			     "{7848396d-00b1-47cd-8ba9-769b7ce402d2}", WRITER_STABLE, "[1] Stable",
			     WRITER_ERR_NONE, "No error");
		assert_string_equal(w[1].name, "VSS Metadata Store Writer");
		assert_string_equal(w[2].name, "Performance Counters Writer");
		probe_writers_free(w, n);
	}
	free(t);
	free(lf);
}

static void test_vssadmin_failures(void **state)
{
	char *t = slurp("vssadmin_failures.txt");
	char err[256];
	vss_writer *w;
	size_t n;
	assert_true(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_int_equal(n, 7);
	check_writer(&w[0], "Task Scheduler Writer", "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}",
		     "{1bddd48e-5052-49db-9b07-b96f96727e6b}", WRITER_STABLE, "[1] Stable",
		     WRITER_ERR_NONE, "No error");
	check_writer(&w[1], "SqlServerWriter", "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}",
		     "{7f2a3d3e-6c55-4f0b-9f36-2a6f0c7f1c11}", WRITER_FAILED, "[9] Failed",
		     WRITER_ERR_NON_RETRYABLE, "Non-retryable error");
	check_writer(&w[2], "Microsoft Exchange Writer", "{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}",
		     "{5d9b2a1c-3f4e-4b8a-9c7d-1e2f3a4b5c6d}", WRITER_FAILED, "[7] Failed",
		     WRITER_ERR_TIMEOUT, "Timed out");
	check_writer(&w[3], "WMI Writer", "{a6ad56c2-b509-4e6c-bb19-49d8f43532f0}",
		     "{3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f}", WRITER_WAITING_FOR_COMPLETION,
		     "[5] Waiting for completion", WRITER_ERR_RETRYABLE, "Retryable error");
	check_writer(&w[4], "Registry Writer", "{afbab4a2-367d-4d15-a586-71dbb18f8485}",
		     "{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}", WRITER_FAILED, "[15] Failed",
		     WRITER_ERR_OTHER, "Inconsistent shadow copy");
	check_writer(&w[5], "COM+ REGDB Writer", "{542da469-d3e1-473c-9f4f-7847f01fc64f}",
		     "{1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a}", WRITER_WAITING_FOR_COMPLETION,
		     "[2] Waiting for freeze", WRITER_ERR_OTHER, "Unexpected error");
	check_writer(&w[6], "ASR Writer", "{be000cbe-11fe-4426-9c58-531aa6355fc4}",
		     "{2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b}", WRITER_OTHER, "[0] Unknown",
		     WRITER_ERR_NONE, "No error");
	probe_writers_free(w, n);
	free(t);
}

static void test_vssadmin_service_error(void **state)
{
	char *t = slurp("vssadmin_disabled.txt");
	char err[256];
	vss_writer *w = (vss_writer *)&err; /* must be reset to NULL */
	size_t n = 99;
	assert_false(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_null(w);
	assert_int_equal(n, 0);
	assert_string_equal(err, "vssadmin failed: 'A Volume Shadow Copy Service component "
			    "encountered an unexpected error' (the Volume Shadow Copy service is "
			    "probably disabled; see the Application event log)");
	assert_false(probe_parse_vssadmin_writers(
		"Error: You don't have the correct permissions to run this command.\r\n", &w, &n,
		err, sizeof err));
	assert_string_equal(err, "vssadmin failed: 'You don't have the correct permissions to "
			    "run this command' (the guest account has no elevated administrator token)");
	assert_true(probe_vssadmin_denied(
		"Error: You don't have the correct permissions to run this command.\r\n"));
	assert_false(probe_vssadmin_denied(t));
	free(t);
}

static void test_vssadmin_truncated(void **state)
{
	char *t = slurp("vssadmin_truncated.txt");
	char err[256];
	vss_writer *w;
	size_t n;
	assert_false(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_null(w);
	assert_int_equal(n, 0);
	assert_string_equal(err, "vssadmin output ends inside the block of writer 'SqlServerWriter'");
	free(t);

	/* Cut in the middle of the last line: "No er" must not read as an error text. */
	t = slurp("vssadmin_stable.txt");
	char *cut = strstr(strstr(t, "System Writer"), "No error");
	cut[5] = '\0';
	assert_false(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_string_equal(err, "vssadmin output is cut off in the middle of a line");
	/* Cut right after a complete block that is not the last: accepted (indistinguishable
	 * from a complete list), but a block missing a field before the next one is not. */
	free(t);
	t = slurp("vssadmin_stable.txt");
	char *state_line = strstr(strstr(t, "Performance Counters"), "   State:");
	memmove(state_line, strstr(state_line, "   Last error"), strlen(strstr(state_line, "   Last error")) + 1);
	assert_false(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_string_equal(err, "vssadmin printed an unexpected line 'Last error: No error' for "
			    "writer 'Performance Counters Writer'");
	free(t);
}

static void test_vssadmin_garbled(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "", "vssadmin printed nothing" },
		{ "\r\n\r\n", "vssadmin printed nothing" },
		{ "'vssadmin' is not recognized as an internal or external command,\r\n",
		  "unrecognised vssadmin output ''vssadmin' is not recognized as an internal or external command,'" },
		{ "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
		  "(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n", "vssadmin listed no writer" },
		{ "   Writer Id: {x}\r\n", "unrecognised vssadmin output 'Writer Id: {x}'" },
		{ "Writer name: ''\r\n   Writer Id: " G1 "\r\n", "vssadmin printed a writer without a name" },
		{ "Writer name: 'A'\r\n   Writer Id: " G1 "\r\n   Writer Id: " G2 "\r\n",
		  "vssadmin output ends inside the block of writer 'A'" },
		{ "Writer name: 'A'\r\n   Writer Id: " G1 "\r\n   Writer Instance Id: {2}\r\n"
		  "   State: [1] Stable\r\n   Last error: No error\r\n",
		  "vssadmin printed an unexpected line 'Writer Instance Id: {2}' for writer 'A'" },
		{ "Writer name: 'A'\r\n   Writer Id: " G1 "\r\n   Writer Instance Id: " G2 "\r\n"
		  "   State: Stable\r\n   Last error: No error\r\n",
		  "vssadmin printed an unexpected line 'State: Stable' for writer 'A'" },
		{ "Writer name: 'A'\r\n   Writer Id: " G1 "\r\n   Writer Instance Id: " G2 "\r\n"
		  "   State: [1 Stable\r\n   Last error: No error\r\n",
		  "vssadmin printed an unexpected line 'State: [1 Stable' for writer 'A'" },
		{ "Writer name: 'A'\r\n   Writer Id: " G1 "\r\n   Writer Instance Id: " G2 "\r\n"
		  "   State: [1] Stable\r\n   Last error:\r\n",
		  "vssadmin printed an unexpected line 'Last error:' for writer 'A'" },
		{ "Writer name: 'A'\r\n   Writer Id: " G1 "\r\n   Writer Instance Id: " G2 "\r\n"
		  "   State: [1] Stable\r\n   Last error: No error\r\nsomething else\r\n",
		  "vssadmin printed an unexpected line 'something else' after writer 'A'" },
		{ "vssadmin 1.1 - x\r\nWaiting for responses.\r\n",
		  "vssadmin listed no writer; it printed 'Waiting for responses'" },
	};
	char err[256];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		vss_writer *w;
		size_t n;
		assert_false(probe_parse_vssadmin_writers(cases[i].text, &w, &n, err, sizeof err));
		assert_null(w);
		assert_int_equal(n, 0);
		assert_string_equal(err, cases[i].err);
	}
	/* A writer name with control characters is cleaned, unquoted names are kept as is. */
	vss_writer *w;
	size_t n;
	assert_true(probe_parse_vssadmin_writers(
		"Writer name: Bare \x1b]0;x\x07 Writer\n Writer Id: " G1 "\n Writer Instance Id: " G2 "\n"
		" State: [42] Something new\n Last error: Out of resources\n", &w, &n, err, sizeof err));
	assert_int_equal(n, 1);
	assert_string_equal(w[0].name, "Bare ?]0;x? Writer");
	assert_int_equal(w[0].state, WRITER_OTHER);
	assert_int_equal(w[0].last_error, WRITER_ERR_OTHER);
	probe_writers_free(w, n);
}

static char *many_writers(size_t count)
{
	static const char block[] = "Writer name: 'W'\r\n   Writer Id: " G1 "\r\n"
		"   Writer Instance Id: " G2 "\r\n   State: [1] Stable\r\n   Last error: No error\r\n\r\n";
	size_t bl = sizeof block - 1;
	char *t = xmalloc(bl * count + 1);
	for (size_t i = 0; i < count; i++)
		memcpy(t + i * bl, block, bl);
	t[bl * count] = '\0';
	return t;
}

static void test_vssadmin_limits(void **state)
{
	char err[256];
	vss_writer *w;
	size_t n;
	char *t = many_writers(PROBE_MAX_WRITERS);
	assert_true(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_int_equal(n, PROBE_MAX_WRITERS);
	probe_writers_free(w, n);
	free(t);
	t = many_writers(PROBE_MAX_WRITERS + 1);
	assert_false(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_null(w);
	assert_string_equal(err, "vssadmin listed more than 512 writers");
	free(t);

	/* Over 4 MiB: refused without parsing. */
	size_t big = PROBE_MAX_TEXT + 1;
	t = xmalloc(big + 1);
	memset(t, '\n', big);
	t[big] = '\0';
	assert_false(probe_parse_vssadmin_writers(t, &w, &n, err, sizeof err));
	assert_string_equal(err, "vssadmin output is larger than 4194304 bytes");
	svc_facts f = { 0 };
	assert_false(probe_parse_sc_query(t, &f, err, sizeof err));
	tri a, b;
	assert_false(probe_parse_tools_conf(t, &a, &b, err, sizeof err));
	char *ev;
	assert_false(probe_parse_diskpart(t, &a, &ev, err, sizeof err));
	assert_false(probe_parse_storage_pools(t, &a, &ev, err, sizeof err));
	size_t ns;
	assert_null(probe_split_sections(t, &ns));
	assert_int_equal(ns, 0);
	guest_probe p;
	model_guest_probe_init(&p);
	assert_false(probe_parse_all(t, &p));
	assert_string_equal(p.error, "probe output is larger than 4194304 bytes.");
	model_guest_probe_done(&p);
	free(t);
}

/* ---- tools.conf ---- */

static void check_conf(const char *text, bool ok, tri dis, tri ena, const char *err_want)
{
	char err[256];
	tri a = TRI_YES, b = TRI_YES;
	assert_int_equal(probe_parse_tools_conf(text, &a, &b, err, sizeof err), ok);
	assert_int_equal(a, dis);
	assert_int_equal(b, ena);
	assert_string_equal(err, err_want);
}

static void check_conf_file(const char *file, bool ok, tri dis, tri ena)
{
	char *t = slurp(file), *lf = to_lf(t);
	check_conf(t, ok, dis, ena, "");
	check_conf(lf, ok, dis, ena, "");
	free(t);
	free(lf);
}

static void test_tools_conf_files(void **state)
{
	/* [VMBackup] with odd case and spaces counts; the same keys in [logging] and
	 * [guestinfo] and a commented enableVSS do not. */
	check_conf_file("tools_conf_disabled.txt", true, TRI_YES, TRI_UNKNOWN);
	check_conf_file("tools_conf_enablevss_false.txt", true, TRI_NO, TRI_NO);
	check_conf_file("tools_conf_other_sections.txt", true, TRI_UNKNOWN, TRI_UNKNOWN);
	check_conf_file("tools_conf_missing.txt", true, TRI_UNKNOWN, TRI_UNKNOWN);
}

static void test_tools_conf_variants(void **state)
{
	check_conf("", true, TRI_UNKNOWN, TRI_UNKNOWN, "");
	check_conf("\r\n\r\n", true, TRI_UNKNOWN, TRI_UNKNOWN, "");
	check_conf("The system cannot find the file specified.\r\n", true, TRI_UNKNOWN, TRI_UNKNOWN, "");
	/* The probe's own "no such file" line (a default install has no tools.conf): defaults. */
	check_conf(PROBE_TOOLS_CONF_ABSENT "\r\n", true, TRI_UNKNOWN, TRI_UNKNOWN, "");
	/* A localised "cannot find" sentence is not INI: unknown, never defaults. */
	check_conf("Das System kann den angegebenen Pfad nicht finden.\r\n", false, TRI_UNKNOWN,
		   TRI_UNKNOWN, "could not read tools.conf: 'Das System kann den angegebenen Pfad nicht finden'");
	check_conf("\xEF\xBB\xBF[vmbackup]\r\nenableVSS = No\r\n", true, TRI_UNKNOWN, TRI_NO, "");
	check_conf("[vmbackup]\nenablevss=YES\nVSS.DISABLEAPPQUIESCING=1\n", true, TRI_YES, TRI_YES, "");
	check_conf("[vmbackup]\nvss.disableAppQuiescing=true\nvss.disableAppQuiescing=false\n",
		   true, TRI_NO, TRI_UNKNOWN, "");
	check_conf("[ vmbackup ]\n\tvss.disableAppQuiescing\t=\tFalse\t\n", true, TRI_NO,
		   TRI_UNKNOWN, "");
	check_conf("[vmbackup]\n;vss.disableAppQuiescing=true\n  # enableVSS=false\n", true,
		   TRI_UNKNOWN, TRI_UNKNOWN, "");
	check_conf("[vmbackup]\nvss.disableAppQuiescing=true\n[vmbackup2]\nenableVSS=false\n",
		   true, TRI_YES, TRI_UNKNOWN, "");
	check_conf("[vmbackup]\nenableVSS = false\n[logging]\n[vmbackup]\nvss.disableAppQuiescing = on\n",
		   false, TRI_UNKNOWN, TRI_UNKNOWN,
		   "tools.conf [vmbackup] vss.disableAppQuiescing has the value 'on', not a boolean");
	check_conf("[vmbackup]\nvss.disableAppQuiescing = true # really\n", false, TRI_UNKNOWN,
		   TRI_UNKNOWN, "tools.conf [vmbackup] vss.disableAppQuiescing has the value "
		   "'true # really', not a boolean");
	check_conf("[vmbackup]\nenableVSS =\n", false, TRI_UNKNOWN, TRI_UNKNOWN,
		   "tools.conf [vmbackup] enableVSS has the value '', not a boolean");
	check_conf("\r\nAccess is denied.\r\n", false, TRI_UNKNOWN, TRI_UNKNOWN,
		   "could not read tools.conf: 'Access is denied'");
	check_conf("[vmbackup]\nvss.disableAppQuiescing = true\nthis is not ini\n", false,
		   TRI_UNKNOWN, TRI_UNKNOWN, "tools.conf line 3 is not INI: 'this is not ini'");
	check_conf("[vmbackup\nenableVSS=false\n", false, TRI_UNKNOWN, TRI_UNKNOWN,
		   "could not read tools.conf: '[vmbackup'");
	check_conf("[vmbackup]\n= true\n", false, TRI_UNKNOWN, TRI_UNKNOWN,
		   "tools.conf line 2 is not INI: '= true'");
	/* Unknown keys in [vmbackup] are fine. */
	check_conf("[vmbackup]\nvss.timeout = 900\n", true, TRI_UNKNOWN, TRI_UNKNOWN, "");
}

/* ---- diskpart ---- */

static void check_diskpart(const char *text, bool ok, tri want, const char *ev_want,
			   const char *err_want)
{
	char err[256], *ev = (char *)"x";
	tri d = TRI_YES;
	assert_int_equal(probe_parse_diskpart(text, &d, &ev, err, sizeof err), ok);
	assert_int_equal(d, want);
	if (ev_want)
		assert_string_equal(ev, ev_want);
	else
		assert_null(ev);
	assert_string_equal(err, err_want);
	free(ev);
}

static void test_diskpart_files(void **state)
{
	static const struct {
		const char *file;
		bool ok;
		tri want;
		const char *ev, *err;
	} cases[] = {
		{ "diskpart_basic.txt", true, TRI_NO, "diskpart lists 2 disks, none dynamic", "" },
		{ "diskpart_dynamic.txt", true, TRI_YES, "diskpart lists Disk 1, Disk 2 as dynamic", "" },
		{ "diskpart_garbled.txt", false, TRI_UNKNOWN, NULL,
		  "diskpart printed no disk table with a Dyn column" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *t = slurp(cases[i].file), *lf = to_lf(t);
		check_diskpart(t, cases[i].ok, cases[i].want, cases[i].ev, cases[i].err);
		check_diskpart(lf, cases[i].ok, cases[i].want, cases[i].ev, cases[i].err);
		free(t);
		free(lf);
	}
}

static void test_diskpart_variants(void **state)
{
	static const char head[] =
		"DISKPART> \r\n"
		"  Disk ###  Status         Size     Free     Dyn  Gpt\r\n"
		"  --------  -------------  -------  -------  ---  ---\r\n";
	char text[1024];

	/* The selected disk is marked with '*' before "Disk": not a Dyn star. */
	snprintf(text, sizeof text, "%s* Disk 0    Online           60 GB      0 B        *\r\n"
		 "  Disk 1    Online          100 GB      0 B   *    *\r\n\r\nDISKPART> ", head);
	check_diskpart(text, true, TRI_YES, "diskpart lists Disk 1 as dynamic", "");
	snprintf(text, sizeof text, "%s  Disk 0    Online           60 GB      0 B\r\n\r\n", head);
	check_diskpart(text, true, TRI_NO, "diskpart lists 1 disk, none dynamic", "");
	/* Table cut after a whole row: more rows may have followed. */
	snprintf(text, sizeof text, "%s  Disk 0    Online           60 GB      0 B\r\n", head);
	check_diskpart(text, false, TRI_UNKNOWN, NULL,
		       "diskpart output ends inside the disk table (cut off?)");
	/* Cut inside a row, and cut at the start of the next row. */
	snprintf(text, sizeof text, "%s  Disk 0    Online           60 GB      0 B\r\n  Disk 1    Onl", head);
	check_diskpart(text, false, TRI_UNKNOWN, NULL, "diskpart output is cut off in the row of Disk 1");
	snprintf(text, sizeof text, "%s  Disk 0    Online           60 GB      0 B\r\n  Di", head);
	check_diskpart(text, false, TRI_UNKNOWN, NULL,
		       "diskpart output ends inside the disk table (cut off?)");
	snprintf(text, sizeof text, "%s  Disk 0    Online           60 GB      0 B   ?\r\n\r\n", head);
	check_diskpart(text, false, TRI_UNKNOWN, NULL, "diskpart printed '?' in the Dyn column of Disk 0");
	snprintf(text, sizeof text, "%s\r\nDISKPART> ", head);
	check_diskpart(text, false, TRI_UNKNOWN, NULL, "diskpart listed no disk");
	/* Without the dashes line the header alone places the column. */
	check_diskpart("  Disk ###  Status         Size     Free     Dyn  Gpt\n"
		       "  Disk 3    Online          100 GB      0 B   *    *\n\n",
		       true, TRI_YES, "diskpart lists Disk 3 as dynamic", "");
	check_diskpart("", false, TRI_UNKNOWN, NULL, "diskpart printed nothing");
	check_diskpart("\r\nMicrosoft DiskPart version 10.0.17763.1\r\n\r\nDiskPart has encountered "
		       "an error: Access is denied.\r\nSee the System Event Log for more information.\r\n",
		       false, TRI_UNKNOWN, NULL, "diskpart printed no disk table: 'DiskPart has "
		       "encountered an error: Access is denied'");
	check_diskpart("DISKPART> \r\nThere are no fixed disks to show.\r\n", false, TRI_UNKNOWN, NULL,
		       "diskpart printed no disk table: 'There are no fixed disks to show'");
	/* Header without Free/Dyn in the expected order: garbled. */
	check_diskpart("  Disk ###  Status  Dyn  Free\r\n  Disk 0  Online   *   0 B\r\n\r\n", false,
		       TRI_UNKNOWN, NULL, "diskpart printed no disk table with a Dyn column");
}

/* ---- storage pools ---- */

static void check_pools(const char *text, bool ok, tri want, const char *ev_want,
			const char *err_want)
{
	char err[256], *ev = (char *)"x";
	tri sp = TRI_YES;
	assert_int_equal(probe_parse_storage_pools(text, &sp, &ev, err, sizeof err), ok);
	assert_int_equal(sp, want);
	if (ev_want)
		assert_string_equal(ev, ev_want);
	else
		assert_null(ev);
	assert_string_equal(err, err_want);
	free(ev);
}

static void test_storage_pools(void **state)
{
	const char *files[] = { "storagepool_present.txt", "storagepool_absent.txt",
				"storagepool_notrecognized.txt" };
	const tri want[] = { TRI_YES, TRI_NO, TRI_NO };
	const char *ev[] = { "storage pools DataPool, Backup Pool 2",
			     "Get-StoragePool lists no storage pool",
			     "Get-StoragePool does not exist in this guest" };
	for (int i = 0; i < 3; i++) {
		char *t = slurp(files[i]), *lf = to_lf(t);
		check_pools(t, true, want[i], ev[i], "");
		check_pools(lf, true, want[i], ev[i], "");
		free(t);
		free(lf);
	}
	check_pools("\r\n  \r\n", true, TRI_NO, "Get-StoragePool lists no storage pool", "");
	check_pools("\nFriendlyName OperationalStatus HealthStatus\n------------ ----------------- "
		    "------------\nDataPool     OK                Healthy\n", true, TRI_YES,
		    "storage pool DataPool", "");
	check_pools("'powershell' is not recognized as an internal or external command,\r\noperable "
		    "program or batch file.\r\n", true, TRI_NO,
		    "Get-StoragePool does not exist in this guest", "");
	check_pools("\r\nFriendlyName OperationalStatus HealthStatus\r\n------------ "
		    "----------------- ------------\r\n", false, TRI_UNKNOWN, NULL,
		    "Get-StoragePool printed a table without rows (cut off?)");
	check_pools("\r\nFriendlyName OperationalStatus\r\n", false, TRI_UNKNOWN, NULL,
		    "unrecognised Get-StoragePool output 'FriendlyName OperationalStatus'");
	check_pools("Get-StoragePool : Access denied\r\n", false, TRI_UNKNOWN, NULL,
		    "unrecognised Get-StoragePool output 'Get-StoragePool : Access denied'");
	check_pools("\r\nFriendlyName OperationalStatus HealthStatus\r\n------------ "
		    "----------------- ------------\r\n             OK                Healthy\r\n",
		    false, TRI_UNKNOWN, NULL, "Get-StoragePool printed a row without a name: "
		    "'OK                Healthy'");
}

/* ---- sections and the whole probe ---- */

static bool sec_is(const probe_section *s, const char *name)
{
	return s->name_len == strlen(name) && memcmp(s->name, name, s->name_len) == 0;
}

static void test_split_sections(void **state)
{
	char *t = slurp("full_probe.txt");
	size_t n;
	probe_section *sec = probe_split_sections(t, &n);
	static const char *const names[] = {
		PROBE_SEC_QUERY_VMVSS, PROBE_SEC_QC_VMVSS, PROBE_SEC_QUERY_LGTO, PROBE_SEC_QC_LGTO,
		PROBE_SEC_QUERY_VSS, PROBE_SEC_QC_VSS, PROBE_SEC_WRITERS, PROBE_SEC_TOOLS_CONF,
		PROBE_SEC_DISKPART, PROBE_SEC_STORAGEPOOL,
	};
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_true(sec_is(&sec[i], names[i]));
	assert_true(sec[0].body_len > 20);
	assert_memory_equal(sec[0].body, "\r\nSERVICE_NAME: vmvss\r\n", 23);
	/* diskpart's last prompt shares its line with the next marker. */
	assert_true(sec[8].body_len > 12);
	assert_memory_equal(sec[8].body + sec[8].body_len - 12, "\r\nDISKPART> ", 12);
	assert_ptr_equal(sec[9].body + sec[9].body_len, t + strlen(t));
	free(sec);

	sec = probe_split_sections("no marker here\r\n", &n);
	assert_null(sec);
	assert_int_equal(n, 0);
	sec = probe_split_sections("", &n);
	assert_null(sec);
	assert_int_equal(n, 0);

	const char *text = "preamble\n::quiescent:: a  \r\nA1\nA2\n::quiescent:: b\n::quiescent:: \n";
	sec = probe_split_sections(text, &n);
	assert_int_equal(n, 3);
	assert_true(sec_is(&sec[0], "a"));
	assert_int_equal(sec[0].body_len, 6);
	assert_memory_equal(sec[0].body, "A1\nA2\n", 6);
	assert_true(sec_is(&sec[1], "b"));
	assert_int_equal(sec[1].body_len, 0);
	assert_true(sec_is(&sec[2], ""));
	assert_int_equal(sec[2].body_len, 0);
	free(sec);
	free(t);
}

static void test_parse_all_full(void **state)
{
	char *t = slurp("full_probe.txt");
	guest_probe p;
	model_guest_probe_init(&p);
	p.state = PROBE_OK;
	p.at = 1234;
	for (int round = 0; round < 2; round++) { /* a second run replaces, never leaks */
		assert_true(probe_parse_all(t, &p));
		assert_null(p.error);
		assert_int_equal(p.state, PROBE_OK);
		assert_int_equal(p.at, 1234);
		assert_int_equal(p.vmvss.installed, TRI_YES);
		assert_int_equal(p.vmvss.state, SVC_STATE_RUNNING);
		assert_int_equal(p.vmvss.start, SVC_START_AUTO);
		assert_string_equal(p.vmvss.raw_state, "4  RUNNING");
		assert_int_equal(p.lgto_sync.installed, TRI_NO);
		assert_int_equal(p.lgto_sync.state, SVC_STATE_UNKNOWN);
		assert_int_equal(p.lgto_sync.start, SVC_START_UNKNOWN);
		assert_null(p.lgto_sync.raw_state);
		assert_int_equal(p.vss.installed, TRI_YES);
		assert_int_equal(p.vss.state, SVC_STATE_STOPPED);
		assert_int_equal(p.vss.start, SVC_START_DEMAND);
		assert_string_equal(p.vss.raw_state, "1  STOPPED");
		assert_int_equal(p.writers_known, TRI_YES);
		assert_int_equal(p.n_writers, 7);
		assert_string_equal(p.writers[1].name, "SqlServerWriter");
		assert_int_equal(p.writers[1].state, WRITER_FAILED);
		assert_int_equal(p.writers[2].last_error, WRITER_ERR_TIMEOUT);
		assert_true(p.tools_conf_read);
		assert_int_equal(p.disable_app_quiescing, TRI_YES);
		assert_int_equal(p.enable_vss, TRI_UNKNOWN);
		assert_int_equal(p.dynamic_disks, TRI_YES);
		assert_string_equal(p.dynamic_disks_evidence, "diskpart lists Disk 1, Disk 2 as dynamic");
		assert_int_equal(p.storage_spaces, TRI_YES);
		assert_string_equal(p.storage_spaces_evidence, "storage pools DataPool, Backup Pool 2");
	}
	model_guest_probe_done(&p);

	char *lf = to_lf(t);
	model_guest_probe_init(&p);
	assert_true(probe_parse_all(lf, &p));
	assert_int_equal(p.n_writers, 7);
	assert_int_equal(p.dynamic_disks, TRI_YES);
	model_guest_probe_done(&p);
	free(lf);
	free(t);
}

static void test_parse_all_cut_short(void **state)
{
	char *t = slurp("full_probe.txt");
	/* Cut inside the SqlServerWriter block: vssadmin unknown, later sections missing. */
	char *cut = strstr(t, "   Writer Instance Id: {7f2a3d3e");
	*cut = '\0';
	guest_probe p;
	model_guest_probe_init(&p);
	assert_false(probe_parse_all(t, &p));
	assert_int_equal(p.vss.start, SVC_START_DEMAND);
	assert_int_equal(p.writers_known, TRI_UNKNOWN);
	assert_null(p.writers);
	assert_int_equal(p.n_writers, 0);
	assert_false(p.tools_conf_read);
	assert_int_equal(p.dynamic_disks, TRI_UNKNOWN);
	assert_int_equal(p.storage_spaces, TRI_UNKNOWN);
	assert_null(p.dynamic_disks_evidence);
	assert_string_equal(p.error,
		"vssadmin list writers: vssadmin output ends inside the block of writer "
		"'SqlServerWriter'; tools.conf: no output (probe cut short?); diskpart: no output "
		"(probe cut short?); storagepool: no output (probe cut short?).");
	model_guest_probe_done(&p);
	free(t);
}

static void test_parse_all_errors(void **state)
{
	guest_probe p;
	model_guest_probe_init(&p);
	assert_false(probe_parse_all("", &p));
	assert_string_equal(p.error, "the probe printed nothing.");
	assert_false(probe_parse_all("'sc' is not recognized\r\n", &p));
	assert_string_equal(p.error, "the probe output has no section marker.");
	assert_false(probe_parse_all(NULL, &p));
	assert_string_equal(p.error, "no probe output.");

	/* A guest file that contains a marker: the real section then appears twice. */
	char *t = slurp("full_probe.txt");
	char *conf = strstr(t, "::quiescent:: tools.conf");
	conf = strstr(conf, "\r\n") + 2;
	const char *fake = "::quiescent:: diskpart\r\n  Disk ###  Status  Size  Free  Dyn  Gpt\r\n"
			   "  Disk 0    Online  1 GB  0 B\r\n\r\n";
	size_t tl = strlen(t), fl = strlen(fake), off = (size_t)(conf - t);
	char *inj = xmalloc(tl + fl + 1);
	memcpy(inj, t, off);
	memcpy(inj + off, fake, fl);
	memcpy(inj + off + fl, t + off, tl - off + 1);
	assert_false(probe_parse_all(inj, &p));
	assert_int_equal(p.dynamic_disks, TRI_UNKNOWN);
	assert_false(p.tools_conf_read); /* cut short by the forged marker */
	assert_int_equal(p.disable_app_quiescing, TRI_UNKNOWN);
	assert_int_equal(p.storage_spaces, TRI_YES);
	assert_string_equal(p.error, "tools.conf: its output holds another section's marker line; "
			    "diskpart: printed more than once.");
	free(inj);

	/* sc access denied for VSS: both VSS facts unknown, the rest parsed. */
	char *q = strstr(t, "::quiescent:: sc query VSS");
	char *qend = strstr(q, "::quiescent:: sc qc VSS");
	const char *denied = "::quiescent:: sc query VSS \r\n[SC] OpenService FAILED 5:\r\n\r\n"
			     "Access is denied.\r\n\r\n";
	size_t dl = strlen(denied);
	off = (size_t)(q - t);
	size_t rest = strlen(qend);
	inj = xmalloc(off + dl + rest + 1);
	memcpy(inj, t, off);
	memcpy(inj + off, denied, dl);
	memcpy(inj + off + dl, qend, rest + 1);
	assert_false(probe_parse_all(inj, &p));
	assert_int_equal(p.vss.installed, TRI_YES); /* sc qc VSS still saw it */
	assert_int_equal(p.vss.state, SVC_STATE_UNKNOWN);
	assert_int_equal(p.vss.start, SVC_START_DEMAND);
	assert_int_equal(p.n_writers, 7);
	assert_string_equal(p.error, "sc query VSS: sc failed with error 5 (Access is denied): the guest account lacks the right to open the service.");
	free(inj);
	free(t);
	model_guest_probe_done(&p);
}

/* ---- robustness: every prefix of every sample, through every parser ---- */

static void run_all_parsers(const char *text)
{
	char err[64]; /* small on purpose: messages get cut, never overflow */
	svc_facts f = { 0 };
	probe_parse_sc_query(text, &f, err, sizeof err);
	probe_parse_sc_qc(text, &f, err, sizeof err);
	svc_clear(&f);
	vss_writer *w;
	size_t n;
	if (probe_parse_vssadmin_writers(text, &w, &n, err, sizeof err))
		probe_writers_free(w, n);
	else
		assert_null(w);
	tri a, b;
	probe_parse_tools_conf(text, &a, &b, err, sizeof err);
	char *ev;
	probe_parse_diskpart(text, &a, &ev, err, sizeof err);
	free(ev);
	probe_parse_storage_pools(text, &a, &ev, err, sizeof err);
	free(ev);
	probe_section *sec = probe_split_sections(text, &n);
	const char *end = text + strlen(text);
	for (size_t i = 0; i < n; i++) /* every section lies inside the text */
		assert_true(sec[i].body >= text && sec[i].body + sec[i].body_len <= end);
	free(sec);
	guest_probe p;
	model_guest_probe_init(&p);
	if (!probe_parse_all(text, &p))
		assert_non_null(p.error);
	model_guest_probe_done(&p);
}

static void test_truncations(void **state)
{
	for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
		char *t = slurp(samples[s]);
		size_t len = strlen(t);
		for (size_t cut = 0; cut <= len; cut++) {
			/* An exact-size copy, so reading past the cut is a sanitizer error. */
			char *pre = xmalloc(cut + 1);
			memcpy(pre, t, cut);
			pre[cut] = '\0';
			run_all_parsers(pre);
			free(pre);
		}
		free(t);
	}
}

static void test_mutations(void **state)
{
	/* Deterministic byte flips over the whole probe: no crash, no leak, no overread. */
	char *t = slurp("full_probe.txt");
	size_t len = strlen(t);
	uint32_t seed = 12345;
	static const char alphabet[] = "\r\n :[]'*=#;-0123456789AZaz\x01\xff";
	for (int round = 0; round < 400; round++) {
		char *m = xstrdup(t);
		for (int k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			m[pos] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
		}
		run_all_parsers(m);
		free(m);
	}
	free(t);
}

/* Near the 4 MiB limit: texts built to be slow (every line a marker, one huge line, one
 * huge table) must parse in linear time. */
static char *repeat(const char *unit, size_t total)
{
	size_t ul = strlen(unit), count = total / ul;
	char *t = xmalloc(count * ul + 1);
	for (size_t i = 0; i < count; i++)
		memcpy(t + i * ul, unit, ul);
	t[count * ul] = '\0';
	return t;
}

static void test_adversarial_sizes(void **state)
{
	static const char *const units[] = {
		"::quiescent:: diskpart\r\n",
		"::quiescent:: x\n",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"  Disk 0    Online           60 GB      0 B   *    *\r\n",
		"Writer name: 'W'\r\n",
		"[vmbackup]\r\nenableVSS = true\r\n",
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		char *t = repeat(units[i], PROBE_MAX_TEXT - 64);
		run_all_parsers(t);
		free(t);
	}
	/* Many markers: split works, parse_all reports the repeated section. */
	char *t = repeat("::quiescent:: diskpart\r\n", PROBE_MAX_TEXT - 64);
	guest_probe p;
	model_guest_probe_init(&p);
	assert_false(probe_parse_all(t, &p));
	assert_non_null(strstr(p.error, "diskpart: printed more than once"));
	model_guest_probe_done(&p);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sc_query_present),
		cmocka_unit_test(test_sc_query_missing),
		cmocka_unit_test(test_sc_query_denied),
		cmocka_unit_test(test_sc_query_every_state),
		cmocka_unit_test(test_sc_query_garbled),
		cmocka_unit_test(test_sc_qc_present),
		cmocka_unit_test(test_sc_qc_every_start_type),
		cmocka_unit_test(test_sc_qc_missing_and_garbled),
		cmocka_unit_test(test_sc_query_qc_disagree),
		cmocka_unit_test(test_vssadmin_stable),
		cmocka_unit_test(test_vssadmin_failures),
		cmocka_unit_test(test_vssadmin_service_error),
		cmocka_unit_test(test_vssadmin_truncated),
		cmocka_unit_test(test_vssadmin_garbled),
		cmocka_unit_test(test_vssadmin_limits),
		cmocka_unit_test(test_tools_conf_files),
		cmocka_unit_test(test_tools_conf_variants),
		cmocka_unit_test(test_diskpart_files),
		cmocka_unit_test(test_diskpart_variants),
		cmocka_unit_test(test_storage_pools),
		cmocka_unit_test(test_split_sections),
		cmocka_unit_test(test_parse_all_full),
		cmocka_unit_test(test_parse_all_cut_short),
		cmocka_unit_test(test_parse_all_errors),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_adversarial_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
