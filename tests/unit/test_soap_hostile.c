/* Regressions for what the hostile-server and fuzz work of issue 8 found in core/vsphere/soap.c.
 *
 * 1. vs_soap_decode_fault's excerpt of a non-SOAP body used to copy bytes >= 0x80 as they are:
 *    C1 controls (0x9b is CSI on terminals in 8-bit mode) and invalid UTF-8 reached stderr and
 *    the console's message line (seen with tests/hostile's xxe16 mode, a UTF-16 body). The
 *    sentence keeps printable ASCII and valid UTF-8 only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vsphere/soap.h"

/* True when s is valid UTF-8 without C0/C1 controls. */
static int clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0)
			return 0;
		unsigned cp = *p & (0x3f >> n);
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp >= 0x80 && cp < 0xa0)
			return 0;   /* C1 control */
		p += n + 1;
	}
	return 1;
}

static void test_fault_excerpt_is_clean_text(void **state)
{
	(void)state;
	static const char body[] = "<html><title>Oops \x9b" "31m red \xff\xfe\xc2\x9b" "2J</title></html>";
	vs_error e;
	vs_error_clear(&e);
	vs_soap_decode_fault(body, sizeof body - 1, 500, "Login", "vc01", &e);
	assert_non_null(strstr(e.message, "HTTP 500"));
	assert_true(clean_text(e.message));
	/* valid UTF-8 from a localised server page stays readable */
	static const char german[] = "<html><title>Dienst nicht verf\xc3\xbcgbar</title></html>";
	vs_soap_decode_fault(german, sizeof german - 1, 500, "Login", "vc01", &e);
	assert_non_null(strstr(e.message, "Dienst nicht verf\xc3\xbcgbar"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_excerpt_is_clean_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
