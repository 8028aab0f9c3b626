/* text: the one rule for printing text that came from outside (vCenter, a guest, a manifest).
 *
 * A VM name, writer name or fault string may hold C0 controls (ESC, BEL, a newline), C1
 * controls (U+009B is an 8-bit CSI: a terminal takes it as an escape sequence) or bytes that
 * are not UTF-8. Every output format passes such text through text_escape: valid UTF-8 is
 * copied, the rest is replaced or escaped, so nothing reaches a terminal raw and a newline
 * never splits a one-line message. */
#ifndef QUIESCENT_UTIL_TEXT_H
#define QUIESCENT_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

typedef enum {
	TEXT_PLAIN,   /* tables, CSV cells, messages: \t \n \r \v \f -> ' ', other controls and
		       * each byte of invalid UTF-8 -> '?' (never longer than the input) */
	TEXT_JSON,    /* a JSON string's inside: controls as \u00XX (lossless), '"' and '\\'
		       * escaped, invalid UTF-8 as U+FFFD */
	TEXT_JSON_DOC,/* a whole JSON document made elsewhere (SQLite's json_object): ASCII as it
		       * is (structure, whitespace), DEL and C1 controls as \u00XX (they can only
		       * stand inside its strings), invalid UTF-8 as U+FFFD */
} text_style;

/* Appends s[0..n) to out in that style. */
void text_escape(strbuf *out, const char *s, size_t n, text_style style);
/* A malloc'ed TEXT_PLAIN copy of s (NULL in, NULL out). */
char *text_clean(const char *s);
/* TEXT_PLAIN in place (the result is never longer); returns s. */
char *text_clean_inplace(char *s);
/* Whether s needs no change for TEXT_PLAIN. */
bool text_is_clean(const char *s);

#endif
