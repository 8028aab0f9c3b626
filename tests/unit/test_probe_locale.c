/* Unit tests of the guest probe on every Windows language the lab ships: the probe's whole
 * output as the lab's guest prints it in that language's OEM code page
 * (tests/unit/data/probe/locale/<locale>.txt, written by the lab's TestWriteProbeCaptures),
 * decoded (core/probe/probe_decode) and parsed by structure and numbers, must give the same
 * facts as the English guest; vssadmin's refusals in each language are recognised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "probe/probe.h"
#include "probe/probe_decode.h"
#include "probe/probe_parse.h"
#include "util/xalloc.h"

#define DATA "tests/unit/data/probe/locale/"

static const struct {
	const char *name;
	int cp;
	const char *stable_text; /* writer 0's state as printed, in UTF-8 */
} locales[] = {
	{ "en-US", 437, "[1] Stable" },        { "de-DE", 850, "[1] Stabil" },
	{ "fr-FR", 850, "[1] Stable" },        { "es-ES", 850, "[1] Estable" },
	{ "it-IT", 850, "[1] Stabile" },       { "pt-BR", 850, "[1] Estável" },
	{ "nl-NL", 850, "[1] Stabiel" },       { "pl-PL", 852, "[1] Stabilny" },
	{ "ru-RU", 866, "[1] Стабильный" },    { "ja-JP", 932, "[1] 安定" },
	{ "zh-CN", 936, "[1] 稳定" },           { "ko-KR", 949, "[1] 안정됨" },
};
#define N_LOCALES (sizeof locales / sizeof locales[0])

static char *slurp(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, DATA "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repo root)", path);
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	char chunk[4096];
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = xgrow(buf, &cap, n + got + 1, 1);
		memcpy(buf + n, chunk, got);
		n += got;
	}
	fclose(f);
	buf = xgrow(buf, &cap, n + 1, 1);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t l = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 :
			   (*p & 0xF8) == 0xF0 ? 4 : 0;
		if (!l)
			return false;
		for (size_t k = 1; k < l; k++)
			if ((p[k] & 0xC0) != 0x80)
				return false;
		p += l;
	}
	return true;
}

static void parse_file(const char *file, guest_probe *g)
{
	size_t len;
	char *raw = slurp(file, &len);
	model_guest_probe_init(g);
	probe_parse_raw(raw, len, "Administrator", g);
	free(raw);
}

/* Every language gives the facts of the English guest. */
static void test_every_locale_same_facts(void **state)
{
	(void)state;
	guest_probe en;
	parse_file("en-US.txt", &en);
	assert_int_equal(en.state, PROBE_OK);
	assert_null(en.error);
	assert_int_equal(en.n_writers, 4);
	for (size_t i = 0; i < N_LOCALES; i++) {
		char file[64];
		size_t len;
		snprintf(file, sizeof file, "%s.txt", locales[i].name);
		char *raw = slurp(file, &len);
		assert_int_equal(probe_code_page(raw, len), locales[i].cp);
		free(raw);

		guest_probe g;
		parse_file(file, &g);
		if (g.error)
			fail_msg("%s: %s", locales[i].name, g.error);
		assert_int_equal(g.state, PROBE_OK);
		assert_int_equal(g.writers_known, TRI_YES);
		assert_int_equal(g.n_writers, en.n_writers);
		for (size_t w = 0; w < g.n_writers; w++) {
			assert_string_equal(g.writers[w].name, en.writers[w].name);
			assert_string_equal(g.writers[w].id, en.writers[w].id);
			assert_int_equal(g.writers[w].state, en.writers[w].state);
			if (g.writers[w].last_error != en.writers[w].last_error)
				fail_msg("%s: writer %s last error '%s' read as %d", locales[i].name,
					 g.writers[w].name, g.writers[w].last_error_text,
					 (int)g.writers[w].last_error);
			assert_true(valid_utf8(g.writers[w].state_text));
			assert_true(valid_utf8(g.writers[w].last_error_text));
		}
		assert_string_equal(g.writers[0].state_text, locales[i].stable_text);
		assert_int_equal(g.writers[0].last_error, WRITER_ERR_NONE);
		assert_int_equal(g.writers[1].last_error, WRITER_ERR_NON_RETRYABLE);
		assert_int_equal(g.writers[2].last_error, WRITER_ERR_RETRYABLE);
		assert_int_equal(g.writers[3].last_error, WRITER_ERR_TIMEOUT);
		const svc_facts *a[3] = { &g.vmvss, &g.lgto_sync, &g.vss };
		const svc_facts *b[3] = { &en.vmvss, &en.lgto_sync, &en.vss };
		for (int s = 0; s < 3; s++) {
			assert_int_equal(a[s]->installed, b[s]->installed);
			assert_int_equal(a[s]->state, b[s]->state);
			assert_int_equal(a[s]->start, b[s]->start);
		}
		assert_int_equal(g.lgto_sync.installed, TRI_NO); /* sc's 1060, in its language */
		assert_int_equal(g.disable_app_quiescing, TRI_YES);
		assert_true(g.tools_conf_read);
		assert_int_equal(g.dynamic_disks, TRI_YES); /* diskpart's table in its language */
		assert_string_equal(g.dynamic_disks_evidence, "diskpart lists Disk 1 as dynamic");
		assert_int_equal(g.storage_spaces, en.storage_spaces);
		model_guest_probe_done(&g);
	}
	model_guest_probe_done(&en);
}

/* vssadmin's refusal of a non-elevated account and its "unexpected error" of a disabled VSS
 * service, in every language; a probe holding the refusal is NOT_ELEVATED, naming the
 * account and how to fix it. */
static void test_every_locale_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_LOCALES; i++) {
		char file[64], err[512];
		size_t len;
		vss_writer *w;
		size_t n;

		snprintf(file, sizeof file, "%s-denied.txt", locales[i].name);
		char *raw = slurp(file, &len);
		char *text = probe_decode(raw, len, locales[i].cp, NULL);
		assert_true(probe_vssadmin_denied(text));
		assert_false(probe_parse_vssadmin_writers(text, &w, &n, err, sizeof err));
		if (!strstr(err, "no elevated administrator token"))
			fail_msg("%s: %s", locales[i].name, err);
		assert_true(valid_utf8(err));

		/* The whole probe with this vssadmin output in place of the writers. */
		size_t plen;
		char *probe = slurp((snprintf(file, sizeof file, "%s.txt", locales[i].name), file), &plen);
		char *at = strstr(probe, "::quiescent:: vssadmin list writers\r\n");
		char *end = strstr(probe, "::quiescent:: tools.conf");
		assert_non_null(at);
		assert_non_null(end);
		at += strlen("::quiescent:: vssadmin list writers\r\n");
		size_t head = (size_t)(at - probe), tail = plen - (size_t)(end - probe);
		char *mixed = xmalloc(head + len + tail + 1);
		memcpy(mixed, probe, head);
		memcpy(mixed + head, raw, len);
		memcpy(mixed + head + len, end, tail);
		mixed[head + len + tail] = '\0';
		guest_probe g;
		model_guest_probe_init(&g);
		probe_parse_raw(mixed, head + len + tail, "Administrator", &g);
		assert_int_equal(g.state, PROBE_NOT_ELEVATED);
		assert_non_null(strstr(g.error, "'Administrator'"));
		assert_true(valid_utf8(g.error));
		model_guest_probe_done(&g);
		free(mixed);
		free(probe);
		free(text);
		free(raw);

		snprintf(file, sizeof file, "%s-disabled.txt", locales[i].name);
		raw = slurp(file, &len);
		text = probe_decode(raw, len, locales[i].cp, NULL);
		assert_false(probe_vssadmin_denied(text));
		assert_false(probe_parse_vssadmin_writers(text, &w, &n, err, sizeof err));
		if (!strstr(err, "probably disabled"))
			fail_msg("%s: %s", locales[i].name, err);
		free(text);
		free(raw);
	}
}

/* sc's failures by their number, whatever the words around it. */
static void test_sc_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		tri installed;
		long code; /* in the error, 0: none */
	} cases[] = {
		{ "[SC] OpenService FEHLER 1060:\r\n\r\nDer angegebene Dienst ist kein installierter Dienst.\r\n", TRI_NO, 0 },
		{ "[SC] OpenService: ошибка: 1060:\r\n\r\nУказанная служба не установлена.\r\n", TRI_NO, 0 },
		{ "[SC] OpenService \xc3\x89" "CHEC 5 :\r\n\r\nAcc\xc3\xa8s refus\xc3\xa9.\r\n", TRI_UNKNOWN, 5 },
		{ "[SC] OpenSCManager 失敗 1722:\r\n\r\nRPC サーバーを利用できません。\r\n", TRI_UNKNOWN, 1722 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		svc_facts f = { 0 };
		char err[256];
		bool ok = probe_parse_sc_qc(cases[i].text, &f, err, sizeof err);
		assert_int_equal(f.installed, cases[i].installed);
		assert_int_equal(ok, cases[i].code == 0);
		if (cases[i].code) {
			char want[32];
			snprintf(want, sizeof want, "error %ld", cases[i].code);
			assert_non_null(strstr(err, want));
		}
		assert_int_equal(probe_sc_denied(cases[i].text), cases[i].code == 5);
		free(f.raw_state);
	}
}

/* Unknown words are OTHER, never "no error"; the HRESULT decides where printed. */
static void test_last_error_words(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		writer_error want;
	} cases[] = {
		{ "Kein Fehler", WRITER_ERR_NONE },
		{ "Nessun errore", WRITER_ERR_NONE },
		{ "エラーなし", WRITER_ERR_NONE },
		{ "No errors at all", WRITER_ERR_OTHER },
		{ "Aucune erreur inattendue", WRITER_ERR_OTHER },
		{ "something (0x800423f4)", WRITER_ERR_NON_RETRYABLE },
		{ "Fout 0x800423F3", WRITER_ERR_RETRYABLE },
		{ "", WRITER_ERR_OTHER },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512], err[256];
		snprintf(text, sizeof text, "Nom du r\xc3\xa9" "dacteur : 'A'\r\n   ID : "
			 "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}\r\n   ID2 : "
			 "{1bddd48e-5052-49db-9b07-b96f96727e6b}\r\n   \xc3\x89tat : [1] Stable\r\n"
			 "   Derni\xc3\xa8re erreur : %s\r\n", cases[i].text);
		vss_writer *w;
		size_t n;
		bool ok = probe_parse_vssadmin_writers(text, &w, &n, err, sizeof err);
		if (!*cases[i].text) {
			assert_false(ok); /* an empty value is not a writer block */
			continue;
		}
		assert_true(ok);
		assert_int_equal(w[0].last_error, cases[i].want);
		probe_writers_free(w, n);
	}
}

/* Decoding: code pages from chcp in any language, invalid bytes, NULs, unknown pages. */
static void test_decode(void **state)
{
	(void)state;
	assert_int_equal(probe_code_page_of("Active code page: 850\r\n", 23), 850);
	assert_int_equal(probe_code_page_of("\r\nAktive Codepage: 850.\r\n", 25), 850);
	assert_int_equal(probe_code_page_of("Page de codes active : 65001\r\n", 30), 65001);
	assert_int_equal(probe_code_page_of("no number\r\n", 11), 0);
	assert_int_equal(probe_code_page_of("Active code page: 4\r\n", 21), 0);
	assert_int_equal(probe_code_page("::quiescent:: chcp\r\nActive code page: 866\r\n"
					  "::quiescent:: x\r\n", 60), 866);
	assert_int_equal(probe_code_page("x", 1), 0);

	size_t n;
	char *s = probe_decode("\x90tat\x00!", 6, 850, &n);
	assert_string_equal(s, "\xc3\x89tat!");
	assert_int_equal(n, strlen(s));
	free(s);
	/* a Shift-JIS lead byte at the end, and a byte invalid in CP932 */
	s = probe_decode("\x88\xc0\x92", 3, 932, NULL);
	assert_string_equal(s, "\xe5\xae\x89\xef\xbf\xbd");
	free(s);
	s = probe_decode("ok \xff\xfe end", 9, 0, NULL);
	assert_string_equal(s, "ok \xef\xbf\xbd\xef\xbf\xbd end");
	free(s);
	s = probe_decode("caf\xc3\xa9", 5, 0, NULL); /* valid UTF-8 stays */
	assert_string_equal(s, "caf\xc3\xa9");
	free(s);
	s = probe_decode("", 0, 850, &n);
	assert_string_equal(s, "");
	free(s);
}

/* diskpart in another language: read by its columns (wide characters take two). */
static void test_diskpart_columns(void **state)
{
	(void)state;
	static const char head[] =
		"DISKPART> \r\n"
		"  ディスク ###  状態           サイズ   空き     ダイナ  GPT\r\n"
		"  ------------  -------------  -------  -------  ------  ---\r\n";
	static const struct {
		const char *rows;
		bool ok;
		tri want;
		const char *what; /* evidence or error */
	} cases[] = {
		{ "* ディスク 0    オンライン       60 GB      0 B           *\r\n"
		  "  ディスク 1    オンライン      100 GB      0 B     *     *\r\n\r\nDISKPART> ",
		  true, TRI_YES, "diskpart lists Disk 1 as dynamic" },
		{ "  ディスク 0    オンライン       60 GB      0 B           *\r\n\r\n",
		  true, TRI_NO, "diskpart lists 1 disk, none dynamic" },
		{ "  ディスク 0    オンライン       60 GB      0 B     ?     *\r\n\r\n",
		  false, TRI_UNKNOWN, "diskpart printed '?' in the Dyn column of Disk 0" },
		{ "  ディスク 0    オンライン       60 GB      0 B           *\r\n  ディスク 1    オン",
		  false, TRI_UNKNOWN, "diskpart output is cut off in the row of Disk 1" },
		{ "  ディスク 0    オンライン       60 GB      0 B           *\r\n",
		  false, TRI_UNKNOWN, "diskpart output ends inside the disk table (cut off?)" },
		{ "\r\nDISKPART> ", false, TRI_UNKNOWN, "diskpart listed no disk" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[1024], err[256], *ev = NULL;
		tri dyn = TRI_YES;
		snprintf(text, sizeof text, "%s%s", head, cases[i].rows);
		bool ok = probe_parse_diskpart(text, &dyn, &ev, err, sizeof err);
		if (ok != cases[i].ok)
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(dyn, cases[i].want);
		assert_string_equal(ok ? ev : err, cases[i].what);
		free(ev);
	}
}

/* Get-StoragePool missing (before 2012), in German: PowerShell's error id says it. */
static void test_storagepool_missing_any_language(void **state)
{
	(void)state;
	tri sp = TRI_UNKNOWN;
	char err[256], *ev = NULL;
	assert_true(probe_parse_storage_pools(
		"Die Benennung \"Get-StoragePool\" wurde nicht als Name eines Cmdlet, einer Funktion, "
		"einer Skriptdatei oder eines ausf\xc3\xbchrbaren Programms erkannt.\r\n"
		"In Zeile:1 Zeichen:16\r\n    + CategoryInfo          : ObjectNotFound: "
		"(Get-StoragePool:String) [], CommandNotFoundException\r\n"
		"    + FullyQualifiedErrorId : CommandNotFoundException\r\n", &sp, &ev, err, sizeof err));
	assert_int_equal(sp, TRI_NO);
	free(ev);
}

/* The commands `probe --save` runs one by one are the ones the chained probe runs. */
static void test_steps_match_the_probe(void **state)
{
	(void)state;
	size_t n;
	const probe_step *st = probe_steps(&n);
	assert_int_equal(n, 11);
	for (size_t i = 0; i < n; i++) {
		char marker[128];
		snprintf(marker, sizeof marker, "echo " PROBE_MARKER "%s & ", st[i].section);
		const char *at = strstr(probe_command(), marker);
		if (!at || !strstr(at, st[i].command))
			fail_msg("step %s (%s) is not in the probe command", st[i].section, st[i].command);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_locale_same_facts),
		cmocka_unit_test(test_every_locale_refusals),
		cmocka_unit_test(test_sc_numbers),
		cmocka_unit_test(test_last_error_words),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_steps_match_the_probe),
		cmocka_unit_test(test_diskpart_columns),
		cmocka_unit_test(test_storagepool_missing_any_language),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
