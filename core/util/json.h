/* json: a streaming JSON writer over a strbuf, and a small bounded reader.
 *
 * The writer is driven by our own code (CLI output, the store's facts_json), so misuse
 * (a value where a key is due, unbalanced ends, nesting deeper than JSON_MAX_DEPTH) is a
 * programming error and asserts. Strings are always written as valid UTF-8: invalid bytes
 * become U+FFFD, control characters are escaped, so whatever a guest or vCenter sent us can
 * never break the document.
 *
 * The reader parses a whole text into a small tree (json_value). It is meant for our own
 * documents read back (facts_json, stored specs) and is strict RFC 8259: no comments, no
 * trailing commas, nesting at most JSON_MAX_DEPTH, invalid UTF-8 inside strings rejected. */
#ifndef QUIESCENT_JSON_H
#define QUIESCENT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/strbuf.h"

#define JSON_MAX_DEPTH 64

/* ---- writer ---- */

typedef struct {
	strbuf *out;            /* not owned */
	bool pretty;            /* two-space indentation, one member per line */
	int depth;
	bool need_comma[JSON_MAX_DEPTH + 1];
	bool in_object[JSON_MAX_DEPTH + 1];
	bool after_key;         /* a key was written, its value is due */
} json_writer;

void json_writer_init(json_writer *w, strbuf *out, bool pretty);
/* True when every container has been closed and at least one value written. */
bool json_writer_done(const json_writer *w);

void json_object_begin(json_writer *w);
void json_object_end(json_writer *w);
void json_array_begin(json_writer *w);
void json_array_end(json_writer *w);
void json_key(json_writer *w, const char *key);

void json_string(json_writer *w, const char *s);        /* NULL writes null */
void json_string_n(json_writer *w, const char *s, size_t n);
void json_int(json_writer *w, int64_t v);
void json_double(json_writer *w, double v);             /* non-finite writes null */
void json_bool(json_writer *w, bool v);
void json_null(json_writer *w);
/* ISO 8601 UTC "2026-11-22T10:00:00Z", as the JSON contract spells times; 0 writes null. */
void json_time(json_writer *w, time_t t);
/* Inserts text that is already JSON (a stored spec_json). The caller vouches for it. */
void json_raw(json_writer *w, const char *json);

/* key + value shorthands for objects */
void json_kv_string(json_writer *w, const char *key, const char *s);
void json_kv_int(json_writer *w, const char *key, int64_t v);
void json_kv_bool(json_writer *w, const char *key, bool v);
void json_kv_time(json_writer *w, const char *key, time_t t);

/* Appends the JSON escaping of s[0..n) (without quotes) to out. */
void json_escape(strbuf *out, const char *s, size_t n);

/* ---- reader ---- */

typedef enum {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
} json_type;

typedef struct json_value json_value;
struct json_value {
	json_type type;
	bool b;                 /* JSON_BOOL */
	double num;             /* JSON_NUMBER */
	int64_t i;              /* JSON_NUMBER when is_int */
	bool is_int;            /* an integer literal that fits int64_t */
	char *str;              /* JSON_STRING, NUL-terminated; may contain NUL (\u0000): see len */
	size_t len;
	json_value *items;      /* JSON_ARRAY elements, JSON_OBJECT member values */
	char **keys;            /* JSON_OBJECT member names, parallel to items */
	size_t n;
};

/* Parses text[0..len). Returns a tree the caller frees with json_free, or NULL with
 * "offset N: what" in err. */
json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json_value *v);

/* Lookups on an object: NULL / false when v is not an object, the key is missing, or the
 * member has another type. With duplicate keys the first one wins. */
const json_value *json_get(const json_value *v, const char *key);
const char *json_get_string(const json_value *v, const char *key);
bool json_get_int(const json_value *v, const char *key, int64_t *out);
bool json_get_bool(const json_value *v, const char *key, bool *out);

#endif
