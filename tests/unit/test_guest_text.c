/* Unit tests of core/probe/guest_text: a fix's guest command output in the guest's OEM code
 * page (bytes made with glibc's iconv, as the guest writes them) comes back as UTF-8, and what
 * a failed command said is read by structure in every language (PowerShell's error record,
 * net's help pointer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/guest_text.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* UTF-8 text in code page cp, as cmd.exe writes it (heap). */
static char *in_cp(const char *utf8, int cp, size_t *len)
{
	char name[16];
	snprintf(name, sizeof name, "CP%d", cp);
	iconv_t cd = iconv_open(name, "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t left = strlen(utf8), room = left * 4 + 4;
	char *out = xcalloc(1, room), *o = out, *in = (char *)utf8;
	assert_true(iconv(cd, &in, &left, &o, &room) != (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(o - out);
	return out;
}

/* What the guest writes for probe_guest_command: chcp's line in the guest's language, the
 * markers as echo prints them (a blank before the line end), then the command's own output. */
static char *guest_raw(const char *chcp_line, const char *output, int cp, size_t *len)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_addf(&sb, "::quiescent:: chcp \r\n%s\r\n::quiescent:: output \r\n%s", chcp_line, output);
	char *raw = in_cp(sb.buf, cp, len);
	strbuf_done(&sb);
	return raw;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int l = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 :
			(*p & 0xF8) == 0xF0 ? 4 : 0;
		if (!l)
			return false;
		for (int k = 1; k < l; k++)
			if ((p[k] & 0xC0) != 0x80)
				return false;
		p += l;
	}
	return true;
}

static void test_command_line(void **state)
{
	(void)state;
	char *c = probe_guest_command("net stop \"SQLWriter\" & net start \"SQLWriter\"");
	assert_string_equal(c, "echo ::quiescent:: chcp & chcp & echo ::quiescent:: output & "
			       "(net stop \"SQLWriter\" & net start \"SQLWriter\")");
	free(c);
}

static void test_output_decoded_in_the_guest_code_page(void **state)
{
	(void)state;
	static const struct {
		int cp;
		const char *chcp, *said;
	} cases[] = {
		{ 850, "Aktive Codepage: 850.", "Der Dienst \"SQL Server VSS Writer\" wurde nicht "
						"gestartet.\r\nDer Dienstname ist ungültig.\r\n" },
		{ 866, "Текущая кодовая страница: 866", "Служба \"SQL Server VSS Writer\" успешно "
							"остановлена.\r\n" },
		{ 932, "現在のコード ページ: 932", "SQL Server VSS Writer サービスは正常に停止されました。\r\n" },
		{ 936, "活动代码页: 936", "SQL Server VSS Writer 服务已成功停止。\r\n" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		char *raw = guest_raw(cases[i].chcp, cases[i].said, cases[i].cp, &len);
		int cp = -1;
		char *text = probe_guest_output(raw, len, &cp);
		assert_int_equal(cp, cases[i].cp);
		assert_string_equal(text, cases[i].said); /* chcp's line and the markers are gone */
		free(text);
		free(raw);
	}
}

static void test_output_without_markers(void **state)
{
	(void)state;
	/* The line did not run as built: everything is kept, bytes of no known page replaced. */
	const char raw[] = "Der Dienstname ist ung\x81ltig.\r\n";
	int cp = -1;
	char *text = probe_guest_output(raw, sizeof raw - 1, &cp);
	assert_int_equal(cp, 0);
	assert_string_equal(text, "Der Dienstname ist ung\xEF\xBF\xBDltig.\r\n");
	free(text);
	text = probe_guest_output(NULL, 0, NULL);
	assert_string_equal(text, "");
	free(text);
}

/* Set-Content refused, as PowerShell 5.1 prints it in Japanese and in German. */
static const char ps_denied_ja[] =
	"Set-Content : パス 'C:\\ProgramData\\VMware\\VMware Tools\\tools.conf' へのアクセスが拒否されました。\r\n"
	"発生場所 行:1 文字:122\r\n"
	"+ ... notmatch '^\\s*enableVSS\\s*=\\s*(false|0)\\s*$' } | Set-Content $p\r\n"
	"+                                                      ~~~~~~~~~~~~~~\r\n"
	"    + CategoryInfo          : PermissionDenied: (C:\\ProgramData\\...are Tools\\tools.conf:String) "
	"[Set-Content], UnauthorizedAccessException\r\n"
	"    + FullyQualifiedErrorId : GetContentWriterUnauthorizedAccessError,Microsoft.PowerShell."
	"Commands.SetContentCommand\r\n \r\n";

static void test_powershell_record_any_language(void **state)
{
	(void)state;
	char said[400];
	probe_command_said(ps_denied_ja, said, sizeof said);
	assert_true(valid_utf8(said));
	assert_non_null(strstr(said, "PowerShell was refused access to the file"));
	assert_non_null(strstr(said, "Set-Content : パス 'C:\\ProgramData\\VMware\\VMware "
				     "Tools\\tools.conf' へのアクセスが拒否されました。"));
	assert_null(strstr(said, "発生場所"));     /* the position line, by its shape */
	assert_null(strstr(said, "CategoryInfo")); /* the record's tail: read, not quoted */
	assert_null(strstr(said, "~~"));

	const char de[] = "Get-Content : Der Pfad \"C:\\x\\tools.conf\" kann nicht gefunden werden, da er "
			  "nicht vorhanden ist.\r\nIn Zeile:1 Zeichen:52\r\n+ $p='C:\\x'; (Get-Content $p)\r\n"
			  "+  ~~~~~~~~~~~~~~\r\n    + CategoryInfo          : ObjectNotFound: (C:\\x:String) "
			  "[Get-Content], ItemNotFoundException\r\n    + FullyQualifiedErrorId : PathNotFound,"
			  "Microsoft.PowerShell.Commands.GetContentCommand\r\n";
	probe_command_said(de, said, sizeof said);
	assert_string_equal(said, "the file PowerShell was to read does not exist; it said: "
				  "Get-Content : Der Pfad \"C:\\x\\tools.conf\" kann nicht gefunden werden, "
				  "da er nicht vorhanden ist.");
	assert_null(probe_ps_error_meaning("Access is denied.\r\n"));
}

static void test_net_help_pointer_any_language(void **state)
{
	(void)state;
	char said[300];
	probe_command_said("Служба \"SQL Server VSS Writer\" не запущена.\r\n\r\nСистемная ошибка 1058.\r\n"
			   "\r\nДля вызова дополнительной справки наберите NET HELPMSG 3521.\r\n",
			   said, sizeof said);
	assert_string_equal(said, "Служба \"SQL Server VSS Writer\" не запущена. Системная ошибка 1058.");
	probe_command_said("\r\n \r\n", said, sizeof said);
	assert_string_equal(said, "it printed nothing");
	probe_command_said(NULL, said, sizeof said);
	assert_string_equal(said, "it printed nothing");
}

static void test_cut_on_a_character(void **state)
{
	(void)state;
	/* Every cut of a Japanese line leaves valid UTF-8 behind. */
	for (size_t n = 2; n < 40; n++) {
		char said[40];
		probe_command_said("サービスは正常に停止されました。", said, n);
		assert_true(valid_utf8(said));
		assert_true(strlen(said) + 3 > n - 1); /* at most one character was dropped */
	}
	char buf[] = "ab\xE3\x82";
	probe_utf8_trim(buf);
	assert_string_equal(buf, "ab");
	char whole[] = "ab\xE3\x82\xB5";
	probe_utf8_trim(whole);
	assert_string_equal(whole, "ab\xE3\x82\xB5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_output_decoded_in_the_guest_code_page),
		cmocka_unit_test(test_output_without_markers),
		cmocka_unit_test(test_powershell_record_any_language),
		cmocka_unit_test(test_net_help_pointer_any_language),
		cmocka_unit_test(test_cut_on_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
