/* strbuf: a growable byte buffer, always NUL-terminated. Embedded: strbuf_init/strbuf_done. */
#ifndef QUIESCENT_STRBUF_H
#define QUIESCENT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
	char *buf;   /* never NULL after init */
	size_t len;
	size_t cap;
} strbuf;

void strbuf_init(strbuf *sb);
void strbuf_done(strbuf *sb);
void strbuf_reset(strbuf *sb);
void strbuf_add(strbuf *sb, const void *data, size_t n);
void strbuf_adds(strbuf *sb, const char *s);
void strbuf_addc(strbuf *sb, char c);
void strbuf_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap);
/* XML text escaping (&, <, >, ", ') for SOAP bodies. */
void strbuf_add_xml(strbuf *sb, const char *s);
/* One CSV field (RFC 4180: quoted when it holds a comma, quote or line end), then ',' or, for
 * the last field of a record, CRLF. NULL is an empty field. */
void strbuf_add_csv_field(strbuf *sb, const char *s, int last);
/* Hands the buffer to the caller (free() it) and leaves sb empty. */
char *strbuf_detach(strbuf *sb, size_t *len);

#endif
