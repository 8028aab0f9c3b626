#include "util/json.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/timefmt.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid: overlong
 * forms, surrogates and code points above U+10FFFF are invalid (RFC 3629). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

static void utf8_put(strbuf *out, uint32_t cp)
{
	char b[4];
	if (cp < 0x80) {
		b[0] = (char)cp;
		strbuf_add(out, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(out, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(out, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(out, b, 4);
	}
}

void json_escape(strbuf *out, const char *s, size_t n)
{
	/* The one escaping rule of every output format (util/text.h). */
	text_escape(out, s, n, TEXT_JSON);
}

/* ---- writer ---- */

void json_writer_init(json_writer *w, strbuf *out, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->pretty = pretty;
}

bool json_writer_done(const json_writer *w)
{
	return w->depth == 0 && w->need_comma[0] && !w->after_key;
}

static void newline(json_writer *w)
{
	if (!w->pretty)
		return;
	strbuf_addc(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		strbuf_adds(w->out, "  ");
}

/* Separator and indentation before a value (or a key, inside objects). */
static void before_value(json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	/* inside an object a key must come first; at top level only one value */
	assert(!w->in_object[w->depth]);
	assert(w->depth > 0 || !w->need_comma[0]);
	if (w->need_comma[w->depth])
		strbuf_addc(w->out, ',');
	if (w->depth > 0)
		newline(w);
	w->need_comma[w->depth] = true;
}

static void open_container(json_writer *w, char c, bool object)
{
	before_value(w);
	assert(w->depth < JSON_MAX_DEPTH);
	strbuf_addc(w->out, c);
	w->depth++;
	w->need_comma[w->depth] = false;
	w->in_object[w->depth] = object;
}

static void close_container(json_writer *w, char c, bool object)
{
	assert(w->depth > 0 && w->in_object[w->depth] == object && !w->after_key);
	bool had = w->need_comma[w->depth];
	w->depth--;
	if (had)
		newline(w);
	strbuf_addc(w->out, c);
}

void json_object_begin(json_writer *w) { open_container(w, '{', true); }
void json_object_end(json_writer *w) { close_container(w, '}', true); }
void json_array_begin(json_writer *w) { open_container(w, '[', false); }
void json_array_end(json_writer *w) { close_container(w, ']', false); }

void json_key(json_writer *w, const char *key)
{
	assert(w->depth > 0 && w->in_object[w->depth] && !w->after_key);
	if (w->need_comma[w->depth])
		strbuf_addc(w->out, ',');
	newline(w);
	w->need_comma[w->depth] = true;
	strbuf_addc(w->out, '"');
	json_escape(w->out, key, strlen(key));
	strbuf_adds(w->out, w->pretty ? "\": " : "\":");
	w->after_key = true;
}

void json_string_n(json_writer *w, const char *s, size_t n)
{
	before_value(w);
	strbuf_addc(w->out, '"');
	json_escape(w->out, s, n);
	strbuf_addc(w->out, '"');
}

void json_string(json_writer *w, const char *s)
{
	if (!s)
		json_null(w);
	else
		json_string_n(w, s, strlen(s));
}

void json_int(json_writer *w, int64_t v)
{
	before_value(w);
	/* By hand: printf's machinery was half the cost of writing a VM's facts. */
	char buf[24], *p = buf + sizeof buf;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	strbuf_add(w->out, p, (size_t)(buf + sizeof buf - p));
}

void json_double(json_writer *w, double v)
{
	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	before_value(w);
	char buf[40];
	snprintf(buf, sizeof buf, "%.17g", v);
	/* the process may run under a locale with a decimal comma (setlocale for ncurses) */
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	strbuf_adds(w->out, buf);
}

void json_bool(json_writer *w, bool v)
{
	before_value(w);
	strbuf_adds(w->out, v ? "true" : "false");
}

void json_null(json_writer *w)
{
	before_value(w);
	strbuf_adds(w->out, "null");
}

void json_time(json_writer *w, time_t t)
{
	char buf[TIME_TEXT_MAX];
	const char *iso = time_iso(t, buf, sizeof buf, NULL);
	if (iso)
		json_string(w, iso);
	else
		json_null(w);
}

void json_raw(json_writer *w, const char *json)
{
	before_value(w);
	/* Documents made by SQLite's JSON functions keep C1 controls raw inside their strings. */
	text_escape(w->out, json, strlen(json), TEXT_JSON_DOC);
}

void json_kv_string(json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_kv_int(json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_kv_bool(json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_kv_time(json_writer *w, const char *key, time_t t)
{
	json_key(w, key);
	json_time(w, t);
}

/* ---- reader ---- */

typedef struct {
	const char *s;
	size_t n;
	size_t pos;
	char *err;
	size_t errlen;
	bool failed;
} parser;

static bool fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(parser *p, const char *fmt, ...)
{
	if (p->failed)
		return false;
	p->failed = true;
	if (p->err && p->errlen) {
		int k = snprintf(p->err, p->errlen, "offset %zu: ", p->pos);
		if (k >= 0 && (size_t)k < p->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return false;
}

static void skip_ws(parser *p)
{
	while (p->pos < p->n) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static bool literal(parser *p, const char *word)
{
	size_t l = strlen(word);
	if (p->n - p->pos < l || memcmp(p->s + p->pos, word, l) != 0)
		return fail(p, "invalid literal");
	p->pos += l;
	return true;
}

static int hex4(parser *p, uint32_t *out)
{
	if (p->n - p->pos < 4)
		return fail(p, "truncated \\u escape");
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(p, "bad hex digit in \\u escape");
	}
	*out = v;
	return true;
}

/* p->pos is just after the opening quote. */
static bool parse_string(parser *p, char **out, size_t *outlen)
{
	strbuf sb;
	strbuf_init(&sb);
	for (;;) {
		if (p->pos >= p->n) {
			fail(p, "unterminated string");
			goto bad;
		}
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			fail(p, "control character in string");
			goto bad;
		}
		if (c >= 0x80) {
			size_t l = utf8_seq_len((const unsigned char *)p->s + p->pos, p->n - p->pos);
			if (!l) {
				fail(p, "invalid UTF-8 in string");
				goto bad;
			}
			strbuf_add(&sb, p->s + p->pos, l);
			p->pos += l;
			continue;
		}
		if (c != '\\') {
			/* a run of plain ASCII in one copy: facts documents are mostly that */
			size_t end = p->pos + 1;
			while (end < p->n) {
				unsigned char d = (unsigned char)p->s[end];
				if (d == '"' || d == '\\' || d < 0x20 || d >= 0x80)
					break;
				end++;
			}
			strbuf_add(&sb, p->s + p->pos, end - p->pos);
			p->pos = end;
			continue;
		}
		p->pos++;
		if (p->pos >= p->n) {
			fail(p, "unterminated escape");
			goto bad;
		}
		char e = p->s[p->pos++];
		uint32_t cp = 0;   /* set by hex4; initialised for the analyzer */
		switch (e) {
		case '"': strbuf_addc(&sb, '"'); break;
		case '\\': strbuf_addc(&sb, '\\'); break;
		case '/': strbuf_addc(&sb, '/'); break;
		case 'b': strbuf_addc(&sb, '\b'); break;
		case 'f': strbuf_addc(&sb, '\f'); break;
		case 'n': strbuf_addc(&sb, '\n'); break;
		case 'r': strbuf_addc(&sb, '\r'); break;
		case 't': strbuf_addc(&sb, '\t'); break;
		case 'u':
			if (!hex4(p, &cp))
				goto bad;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				uint32_t lo;
				if (p->n - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
					fail(p, "lone high surrogate");
					goto bad;
				}
				p->pos += 2;
				if (!hex4(p, &lo))
					goto bad;
				if (lo < 0xDC00 || lo > 0xDFFF) {
					fail(p, "bad low surrogate");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				fail(p, "lone low surrogate");
				goto bad;
			}
			utf8_put(&sb, cp);
			break;
		default:
			p->pos--;
			fail(p, "invalid escape \\%c", e);
			goto bad;
		}
	}
	*outlen = sb.len;
	*out = strbuf_detach(&sb, NULL);
	return true;
bad:
	strbuf_done(&sb);
	return false;
}

static bool parse_number(parser *p, json_value *v)
{
	size_t start = p->pos;
	bool is_int = true;
	if (p->pos < p->n && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->n)
		return fail(p, "truncated number");
	if (p->s[p->pos] == '0') {
		p->pos++;
	} else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	} else {
		return fail(p, "invalid number");
	}
	if (p->pos < p->n && p->s[p->pos] == '.') {
		is_int = false;
		p->pos++;
		size_t d = p->pos;
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (d == p->pos)
			return fail(p, "digit expected after '.'");
	}
	if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		is_int = false;
		p->pos++;
		if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		size_t d = p->pos;
		while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (d == p->pos)
			return fail(p, "digit expected in exponent");
	}
	size_t l = p->pos - start;
	char buf[64];
	if (l >= sizeof buf)
		return fail(p, "number too long");
	memcpy(buf, p->s + start, l);
	buf[l] = '\0';
	v->type = JSON_NUMBER;
	if (is_int) {
		errno = 0;
		long long ll = strtoll(buf, NULL, 10);
		if (errno == 0) {
			v->is_int = true;
			v->i = ll;
			v->num = (double)ll;
			return true;
		}
	}
	/* strtod follows LC_NUMERIC: give it the locale's decimal point */
	const char *dp = localeconv()->decimal_point;
	char *dot = strchr(buf, '.');
	if (dot && dp && dp[0] && dp[0] != '.' && !dp[1])
		*dot = dp[0];
	v->num = strtod(buf, NULL);
	return true;
}

static bool parse_value(parser *p, json_value *v, int depth);

static bool parse_container(parser *p, json_value *v, int depth, bool object)
{
	char close = object ? '}' : ']';
	size_t cap = 0, kcap = 0;
	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	if (depth >= JSON_MAX_DEPTH)
		return fail(p, "nesting deeper than %d", JSON_MAX_DEPTH);
	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->pos >= p->n || p->s[p->pos] != '"')
				return fail(p, "member name expected");
			p->pos++;
			char *key;
			size_t klen;
			if (!parse_string(p, &key, &klen))
				return false;
			v->keys = xgrow(v->keys, &kcap, v->n + 1, sizeof *v->keys);
			v->keys[v->n] = key;
			skip_ws(p);
			if (p->pos >= p->n || p->s[p->pos] != ':') {
				/* keep the tree freeable: give the key a null value */
				v->items = xgrow(v->items, &cap, v->n + 1, sizeof *v->items);
				memset(&v->items[v->n], 0, sizeof *v->items);
				v->n++;
				return fail(p, "':' expected");
			}
			p->pos++;
		}
		v->items = xgrow(v->items, &cap, v->n + 1, sizeof *v->items);
		memset(&v->items[v->n], 0, sizeof *v->items);
		v->n++;
		if (!parse_value(p, &v->items[v->n - 1], depth + 1))
			return false;
		skip_ws(p);
		if (p->pos < p->n && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->n && p->s[p->pos] == close) {
			p->pos++;
			return true;
		}
		return fail(p, "',' or '%c' expected", close);
	}
}

static bool parse_value(parser *p, json_value *v, int depth)
{
	skip_ws(p);
	if (p->pos >= p->n)
		return fail(p, "value expected");
	switch (p->s[p->pos]) {
	case '{':
		return parse_container(p, v, depth, true);
	case '[':
		return parse_container(p, v, depth, false);
	case '"':
		p->pos++;
		v->type = JSON_STRING;
		return parse_string(p, &v->str, &v->len);
	case 't':
		v->type = JSON_BOOL;
		v->b = true;
		return literal(p, "true");
	case 'f':
		v->type = JSON_BOOL;
		return literal(p, "false");
	case 'n':
		v->type = JSON_NULL;
		return literal(p, "null");
	default:
		return parse_number(p, v);
	}
}

static void value_done(json_value *v)
{
	for (size_t i = 0; i < v->n; i++) {
		value_done(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

json_value *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	parser p = { .s = text, .n = len, .err = err, .errlen = errlen };
	json_value *v = xcalloc(1, sizeof *v);
	if (parse_value(&p, v, 0)) {
		skip_ws(&p);
		if (p.pos == p.n)
			return v;
		fail(&p, "trailing characters after the value");
	}
	json_free(v);
	return NULL;
}

void json_free(json_value *v)
{
	if (!v)
		return;
	value_done(v);
	free(v);
}

const json_value *json_get(const json_value *v, const char *key)
{
	if (!v || v->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	return NULL;
}

const char *json_get_string(const json_value *v, const char *key)
{
	const json_value *m = json_get(v, key);
	return m && m->type == JSON_STRING ? m->str : NULL;
}

bool json_get_int(const json_value *v, const char *key, int64_t *out)
{
	const json_value *m = json_get(v, key);
	if (!m || m->type != JSON_NUMBER || !m->is_int)
		return false;
	*out = m->i;
	return true;
}

bool json_get_bool(const json_value *v, const char *key, bool *out)
{
	const json_value *m = json_get(v, key);
	if (!m || m->type != JSON_BOOL)
		return false;
	*out = m->b;
	return true;
}
