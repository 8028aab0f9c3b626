#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty_string[1];

void strbuf_init(strbuf *sb)
{
	sb->buf = empty_string;
	sb->len = 0;
	sb->cap = 0;
}

void strbuf_done(strbuf *sb)
{
	if (sb->cap)
		free(sb->buf);
	strbuf_init(sb);
}

void strbuf_reset(strbuf *sb)
{
	sb->len = 0;
	if (sb->cap)
		sb->buf[0] = '\0';
}

static void reserve(strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	if (sb->cap) {
		sb->buf = xrealloc(sb->buf, cap);
	} else {
		sb->buf = xmalloc(cap);
		sb->buf[0] = '\0';
	}
	sb->cap = cap;
}

void strbuf_add(strbuf *sb, const void *data, size_t n)
{
	if (!n)
		return;
	reserve(sb, n);
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_adds(strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addc(strbuf *sb, char c)
{
	if (sb->len + 2 > sb->cap)
		reserve(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap)
{
	/* Formats once into the room there is; a second time only when it did not fit. */
	reserve(sb, 32);
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, copy);
	va_end(copy);
	if (n <= 0) {
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n >= sb->cap - sb->len) {
		reserve(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_add_xml(strbuf *sb, const char *s)
{
	for (; *s; s++) {
		size_t run = strcspn(s, "&<>\"'");
		if (run) {
			strbuf_add(sb, s, run);
			s += run;
			if (!*s)
				break;
		}
		switch (*s) {
		case '&': strbuf_adds(sb, "&amp;"); break;
		case '<': strbuf_adds(sb, "&lt;"); break;
		case '>': strbuf_adds(sb, "&gt;"); break;
		case '"': strbuf_adds(sb, "&quot;"); break;
		case '\'': strbuf_adds(sb, "&apos;"); break;
		default: strbuf_addc(sb, *s);
		}
	}
}

void strbuf_add_csv_field(strbuf *sb, const char *s, int last)
{
	s = s ? s : "";
	char *clean = NULL;
	if (!text_is_clean(s))
		s = clean = text_clean(s);   /* no control or broken UTF-8 reaches a spreadsheet */
	if (strpbrk(s, ",\"\r\n")) {
		strbuf_addc(sb, '"');
		for (const char *q; (q = strchr(s, '"')); s = q + 1) {
			strbuf_add(sb, s, (size_t)(q - s) + 1);
			strbuf_addc(sb, '"');
		}
		strbuf_adds(sb, s);
		strbuf_addc(sb, '"');
	} else {
		strbuf_adds(sb, s);
	}
	free(clean);
	strbuf_adds(sb, last ? "\r\n" : ",");
}

char *strbuf_detach(strbuf *sb, size_t *len)
{
	char *out = sb->cap ? sb->buf : xstrdup("");
	if (len)
		*len = sb->len;
	strbuf_init(sb);
	return out;
}
