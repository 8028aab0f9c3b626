#include "probe/probe_decode.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "probe/probe_parse.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

bool probe_code_page_known(int cp)
{
	if (cp == 65001)
		return true;
	if (cp <= 0 || cp > 65535)
		return false;
	char name[16];
	snprintf(name, sizeof name, "CP%d", cp);
	iconv_t cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return false;
	iconv_close(cd);
	return true;
}

int probe_code_page_of(const char *s, size_t len)
{
	const char *end = s + len, *line = s;
	/* the first non-blank line */
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl ? nl : end;
		long last = -1, cur = -1;
		for (const char *p = line; p < stop; p++) {
			if (isdigit((unsigned char)*p)) {
				cur = (cur < 0 ? 0 : cur) * 10 + (*p - '0');
				if (cur > 99999)
					cur = 99999;
			} else if (cur >= 0) {
				last = cur;
				cur = -1;
			}
		}
		if (cur >= 0)
			last = cur;
		bool blank = true;
		for (const char *p = line; p < stop && blank; p++)
			blank = isspace((unsigned char)*p);
		if (!blank)
			return last > 0 && probe_code_page_known((int)last) ? (int)last : 0;
		line = nl ? nl + 1 : end;
	}
	return 0;
}

int probe_code_page(const char *raw, size_t len)
{
	const char *marker = PROBE_MARKER PROBE_SEC_CHCP;
	size_t ml = strlen(marker);
	for (const char *p = raw; p && p < raw + len;) {
		const char *m = memmem(p, (size_t)(raw + len - p), marker, ml);
		if (!m)
			break;
		const char *after = m + ml;
		/* the marker's line must end right after the name (blanks allowed) */
		while (after < raw + len && (*after == ' ' || *after == '\r'))
			after++;
		if (after < raw + len && *after == '\n') {
			const char *body = after + 1;
			const char *next = memmem(body, (size_t)(raw + len - body), PROBE_MARKER,
						  strlen(PROBE_MARKER));
			return probe_code_page_of(body, (size_t)((next ? next : raw + len) - body));
		}
		p = m + 1;
	}
	return 0;
}

/* Appends the valid UTF-8 of s[0..n), U+FFFD for every invalid byte, NULs dropped. */
static void add_utf8_checked(strbuf *sb, const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 :
			   (c & 0xF8) == 0xF0 ? 4 : 0;
		bool ok = l > 0 && i + l <= n;
		for (size_t k = 1; ok && k < l; k++)
			ok = (s[i + k] & 0xC0) == 0x80;
		if (ok && l == 2)
			ok = c >= 0xC2;
		if (ok && l == 3) {
			unsigned cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
			ok = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF);
		}
		if (ok && l == 4) {
			unsigned cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
				      ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
			ok = cp >= 0x10000 && cp <= 0x10FFFF;
		}
		if (!ok) {
			strbuf_adds(sb, replacement);
			i++;
			continue;
		}
		if (c)
			strbuf_add(sb, (const char *)s + i, l);
		i += l;
	}
}

char *probe_decode(const char *raw, size_t len, int cp, size_t *out_len)
{
	strbuf sb;
	strbuf_init(&sb);
	iconv_t cd = (iconv_t)-1;
	if (cp > 0 && cp != 65001) {
		char name[16];
		snprintf(name, sizeof name, "CP%d", cp);
		cd = iconv_open("UTF-8", name);
	}
	if (cd == (iconv_t)-1) {
		add_utf8_checked(&sb, (const unsigned char *)raw, len);
	} else {
		char buf[4096];
		char *in = (char *)raw;
		size_t left = len;
		while (left > 0) {
			char *out = buf;
			size_t room = sizeof buf;
			size_t r = iconv(cd, &in, &left, &out, &room);
			/* iconv's own output is valid UTF-8; the check drops NULs */
			add_utf8_checked(&sb, (const unsigned char *)buf, (size_t)(out - buf));
			if (r == (size_t)-1 && errno != E2BIG) {
				/* EILSEQ or EINVAL (a lead byte at the end): one byte replaced */
				strbuf_adds(&sb, replacement);
				in++;
				left--;
			}
		}
		iconv_close(cd);
	}
	if (out_len)
		*out_len = sb.len;
	return strbuf_detach(&sb, NULL);
}
