/* Server URLs (--server, GOVC_URL, transfer URLs vCenter sends) and the escaping rule every
 * output uses: url_parse, the key/redaction/password-span helpers, and text_escape in both
 * styles, with the properties they promise checked on every input. */
#include "fuzz.h"
#include "util/text.h"
#include "util/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	url_parts u;
	char msg[256];
	if (url_parse(s, &u, msg, sizeof msg) == 0) {
		/* Nothing built from the parts carries userinfo: no '@' before the path. */
		const char *at = strchr(u.url, '@');
		if (strchr(u.hostport, '@') || (at && at < u.url + strlen(u.base)))
			abort();
		if (!url_same_endpoint(u.hostport, u.hostport))
			abort();
	}
	url_parts_done(&u);
	free(url_server_key(s));
	free(url_redacted(s));
	size_t off, len;
	if (url_password_span(s, &off, &len) == 0 && off + len > size)
		abort();

	strbuf out;
	strbuf_init(&out);
	text_escape(&out, (const char *)data, size, TEXT_PLAIN);
	if (out.len > size || !text_is_clean(out.buf))
		abort();
	strbuf_reset(&out);
	text_escape(&out, (const char *)data, size, TEXT_JSON);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.buf[i] < 0x20)
			abort();
	strbuf_done(&out);
	free(s);
	return 0;
}
