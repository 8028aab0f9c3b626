/* Unit tests of the probe's parsers on the shapes of real Windows outputs in German, Spanish,
 * Japanese, Simplified Chinese and Russian (tests/lab/testdata/real: each file in its OEM
 * code page, as the guest writes it; the lab replays the same files as guest.raw_outputs in
 * test_locales.py). What real captures showed and the lab did not: sc's field names are
 * localised (DIENSTNAME, STATUS, STARTTYP), and diskpart's rows are shifted right of their
 * dashes in Spanish, Chinese and Russian (sizes like "232 Gбайт"), so the Dyn cell follows
 * the row, not the title line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "probe/probe_decode.h"
#include "probe/probe_parse.h"
#include "util/xalloc.h"

#define REAL "tests/lab/testdata/real/"

/* The file decoded from its code page (heap). */
static char *real_text(const char *name, int cp)
{
	char path[256];
	snprintf(path, sizeof path, REAL "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repo root)", path);
	char buf[8192];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return probe_decode(buf, n, cp, NULL);
}

static void test_diskpart_shifted_rows(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		int cp;
	} cases[] = {
		{ "de-DE-diskpart.txt", 850 }, /* rows under their dashes */
		{ "es-ES-diskpart.txt", 850 }, /* rows 3 columns right of them */
		{ "zh-CN-diskpart.txt", 936 }, /* "联机" is 4 columns: 2 right */
		{ "ru-RU-diskpart.txt", 866 }, /* "Gбайт", "Kбайт": 6 right */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = real_text(cases[i].file, cases[i].cp);
		char err[256] = "";
		char *ev = NULL;
		tri dyn = TRI_UNKNOWN;
		if (!probe_parse_diskpart(text, &dyn, &ev, err, sizeof err))
			fail_msg("%s: %s", cases[i].file, err);
		/* Disk 0 has only a GPT mark, Disk 1 is dynamic: no column mixed up. */
		assert_int_equal(dyn, TRI_YES);
		assert_string_equal(ev, "diskpart lists Disk 1 as dynamic");
		free(ev);
		free(text);
	}
}

static void test_sc_missing_by_number(void **state)
{
	(void)state;
	static const struct {
		const char *locale;
		int cp;
	} cases[] = { { "de-DE", 850 }, { "es-ES", 850 }, { "ja-JP", 932 }, { "zh-CN", 936 },
		      { "ru-RU", 866 } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[64], err[256];
		snprintf(name, sizeof name, "%s-sc-query-vmvss.txt", cases[i].locale);
		char *q = real_text(name, cases[i].cp);
		snprintf(name, sizeof name, "%s-sc-qc-vmvss.txt", cases[i].locale);
		char *qc = real_text(name, cases[i].cp);
		svc_facts f = { 0 };
		if (!probe_parse_sc_query(q, &f, err, sizeof err) ||
		    !probe_parse_sc_qc(qc, &f, err, sizeof err))
			fail_msg("%s: %s", cases[i].locale, err);
		assert_int_equal(f.installed, TRI_NO);
		assert_false(probe_sc_denied(q));
		free(f.raw_state);
		free(q);
		free(qc);
	}
}

static void test_sc_localised_field_names(void **state)
{
	(void)state;
	char *q = real_text("de-DE-sc-query-vss.txt", 850);
	char *qc = real_text("de-DE-sc-qc-vss.txt", 850);
	svc_facts f = { 0 };
	char err[256];
	if (!probe_parse_sc_query(q, &f, err, sizeof err))
		fail_msg("sc query: %s", err);
	assert_int_equal(f.state, SVC_STATE_STOPPED);
	assert_string_equal(f.raw_state, "1  STOPPED");
	if (!probe_parse_sc_qc(qc, &f, err, sizeof err))
		fail_msg("sc qc: %s", err);
	assert_int_equal(f.start, SVC_START_DEMAND);
	assert_int_equal(f.installed, TRI_YES);
	free(f.raw_state);

	/* TYP's "10  WIN32_OWN_PROCESS" and FEHLERSTEUERUNG's "1   NORMAL" are not a state or a
	 * start type: with the state line gone nothing else is taken for it. */
	char *cut = strstr(q, "        STATUS");
	memmove(cut, strchr(cut, '\n') + 1, strlen(strchr(cut, '\n') + 1) + 1);
	svc_facts g = { 0 };
	assert_false(probe_parse_sc_query(q, &g, err, sizeof err));
	assert_string_equal(err, "sc query printed no STATE (output cut off?)");
	assert_int_equal(g.installed, TRI_YES);
	free(g.raw_state);
	free(q);
	free(qc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diskpart_shifted_rows),
		cmocka_unit_test(test_sc_missing_by_number),
		cmocka_unit_test(test_sc_localised_field_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
