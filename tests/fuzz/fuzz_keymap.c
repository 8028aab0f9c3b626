/* Keymap and config files: keymap_load_string (bind/unbind lines, key specs, view and action
 * names), then the loaded map is exercised with keymap_feed and keymap_keys_for. */
#include <stdio.h>

#include "fuzz.h"
#include "tui/keymap.h"

static void on_error(void *ctx, const char *message)
{
	(*(size_t *)ctx) += strlen(message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	keymap *km = keymap_new();
	size_t errs = 0;
	(void)keymap_load_string(km, text, "fuzz.keys", on_error, &errs);
	keymap_state st;
	memset(&st, 0, sizeof st);
	for (size_t i = 0; i < size && i < 64; i++) {
		action a;
		(void)keymap_feed(km, (keymap_view)(i % 2), &st, (unsigned char)text[i], &a);
	}
	char buf[128];
	(void)keymap_keys_for(km, 0, (action)1, buf, sizeof buf);
	keymap_free(km);
	/* one key spec on its own */
	int keys[8];
	char err[128];
	if (size < 128)
		(void)keymap_parse_keys(text, keys, 8, err, sizeof err);
	free(text);
	return 0;
}
