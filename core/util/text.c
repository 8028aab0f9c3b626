#include "util/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Length of the well-formed UTF-8 sequence at p (at most `left` bytes; no overlong form, no
 * surrogate, nothing past U+10FFFF) with its code point in *cp, or 0 when p[0] starts none. */
static size_t utf8_next(const unsigned char *p, size_t left, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t n = p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3 :
		   p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
	if (!n || n > left)
		return 0;
	uint32_t c = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (c < min[n] || (c >= 0xd800 && c < 0xe000) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

static bool is_space_control(uint32_t cp)
{
	return cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f';
}

void text_escape(strbuf *out, const char *s, size_t n, text_style style)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* Plain printable ASCII: the whole run at once. */
		size_t j = i;
		while (j < n && ((p[j] >= 0x20 && p[j] < 0x7f &&
				  (style != TEXT_JSON || (p[j] != '"' && p[j] != '\\'))) ||
				 (style == TEXT_JSON_DOC && p[j] < 0x7f)))
			j++;
		if (j > i) {
			strbuf_add(out, p + i, j - i);
			i = j;
			if (i >= n)
				break;
		}
		uint32_t cp;
		size_t l = utf8_next(p + i, n - i, &cp);
		if (l == 0) {
			strbuf_adds(out, style == TEXT_PLAIN ? "?" : "\xef\xbf\xbd");   /* per bad byte */
			i++;
			continue;
		}
		if (style == TEXT_JSON_DOC) {
			if (is_control(cp))
				strbuf_addf(out, "\\u%04x", (unsigned)cp);
			else
				strbuf_add(out, p + i, l);
		} else if (style == TEXT_JSON) {
			switch (cp) {
			case '"': strbuf_adds(out, "\\\""); break;
			case '\\': strbuf_adds(out, "\\\\"); break;
			case '\b': strbuf_adds(out, "\\b"); break;
			case '\f': strbuf_adds(out, "\\f"); break;
			case '\n': strbuf_adds(out, "\\n"); break;
			case '\r': strbuf_adds(out, "\\r"); break;
			case '\t': strbuf_adds(out, "\\t"); break;
			default:
				if (is_control(cp))
					strbuf_addf(out, "\\u%04x", (unsigned)cp);
				else
					strbuf_add(out, p + i, l);
			}
		} else if (is_control(cp)) {
			strbuf_addc(out, is_space_control(cp) ? ' ' : '?');
		} else {
			strbuf_add(out, p + i, l);
		}
		i += l;
	}
}

char *text_clean(const char *s)
{
	if (!s)
		return NULL;
	strbuf sb;
	strbuf_init(&sb);
	text_escape(&sb, s, strlen(s), TEXT_PLAIN);
	return strbuf_detach(&sb, NULL);
}

char *text_clean_inplace(char *s)
{
	if (!s || text_is_clean(s))
		return s;
	char *c = text_clean(s);
	memcpy(s, c, strlen(c) + 1);   /* TEXT_PLAIN never grows */
	free(c);
	return s;
}

bool text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_next(p + i, n - i, &cp);
		if (!l || is_control(cp))
			return false;
		i += l;
	}
	return true;
}
