/* The `/` filter language: filter_compile (words, negation, fields, POSIX regexes) and
 * filter_match against a few rows. */
#include "fuzz.h"
#include "tui/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *expr = fuzz_cstr(data, size);
	char err[256];
	vm_filter *f = filter_compile(expr, err, sizeof err);
	if (f) {
		static const char *const rules[] = { "R07", "R22" };
		filter_subject rows[] = {
			{ .name = "sql-prod-01", .os = "Microsoft Windows Server 2019 (64-bit)",
			  .os_family = "win2019", .status = "fixable", .power = "on",
			  .predicted = "application", .rules = rules, .n_rules = 2, .marked = true },
			{ .name = "", .os = "", .os_family = "", .status = "unknown", .power = "off",
			  .predicted = "none" },
			{ .name = NULL, .os = NULL, .os_family = NULL, .status = "n/a", .power = NULL,
			  .predicted = NULL },
		};
		for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
			(void)filter_match(f, &rows[i]);
		(void)filter_text(f);
		filter_free(f);
	}
	free(expr);
	return 0;
}
