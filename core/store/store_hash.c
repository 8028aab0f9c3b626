/* Content hashes of what a scan stores, so an unchanged VM is stored once and each later scan
 * only references it (docs/store.md, "vm_states"). One canonical encoding of a list of values
 * (a type tag, then the value or its length and bytes) hashed with SHA-256; the same encoding
 * is offered to SQL as quiescent_hash(...) and quiescent_hash_agg(seq, ...), so the migration
 * that converts an older history computes exactly the hashes the write path computes. */
#include "store/store_internal.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void add_u64(strbuf *b, uint64_t v)
{
	unsigned char be[8];
	for (int i = 7; i >= 0; i--) {
		be[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	strbuf_add(b, be, sizeof be);
}

void store_hash_add_null(strbuf *b)
{
	strbuf_addc(b, 'n');
}

void store_hash_add_int(strbuf *b, int64_t v)
{
	strbuf_addc(b, 'i');
	add_u64(b, (uint64_t)v);
}

void store_hash_add_text(strbuf *b, const char *s)
{
	if (!s) {
		store_hash_add_null(b);
		return;
	}
	size_t n = strlen(s);
	strbuf_addc(b, 't');
	add_u64(b, (uint64_t)n);
	strbuf_add(b, s, n);
}

void store_hash_add_blob(strbuf *b, const void *p, size_t n)
{
	strbuf_addc(b, 'b');
	add_u64(b, (uint64_t)n);
	strbuf_add(b, p, n);
}

void store_hash_digest(const void *data, size_t n, unsigned char out[STORE_HASH_LEN])
{
	unsigned int len = 0;
	if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1 || len != STORE_HASH_LEN)
		abort(); /* SHA-256 cannot fail on memory we own: OpenSSL itself is broken */
}

/* ---- the same encoding in SQL ---- */

static void add_value(strbuf *b, sqlite3_value *v)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		store_hash_add_null(b);
		break;
	case SQLITE_INTEGER:
		store_hash_add_int(b, sqlite3_value_int64(v));
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_value_double(v);
		uint64_t bits;
		memcpy(&bits, &d, sizeof bits);
		strbuf_addc(b, 'f');
		add_u64(b, bits);
		break;
	}
	case SQLITE_TEXT:
		strbuf_addc(b, 't');
		add_u64(b, (uint64_t)sqlite3_value_bytes(v));
		strbuf_add(b, sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v));
		break;
	default: {
		const void *p = sqlite3_value_blob(v);
		store_hash_add_blob(b, p ? p : "", (size_t)sqlite3_value_bytes(v));
		break;
	}
	}
}

static void sql_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	strbuf b;
	strbuf_init(&b);
	for (int i = 0; i < argc; i++)
		add_value(&b, argv[i]);
	unsigned char h[STORE_HASH_LEN];
	store_hash_digest(b.buf ? b.buf : "", b.len, h);
	strbuf_done(&b);
	sqlite3_result_blob(ctx, h, sizeof h, SQLITE_TRANSIENT);
}

/* quiescent_hash_agg(seq, ...): the rows are hashed in seq order whatever order SQL feeds
 * them in (this SQLite has no ORDER BY inside an aggregate call). */
typedef struct {
	int64_t seq;
	char *bytes;
	size_t len;
} agg_row;

typedef struct {
	agg_row *rows;
	size_t n, cap;
} agg_state;

static void agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	agg_state **pp = sqlite3_aggregate_context(ctx, sizeof *pp);
	if (!pp) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (!*pp)
		*pp = xcalloc(1, sizeof **pp);
	agg_state *a = *pp;
	strbuf b;
	strbuf_init(&b);
	for (int i = 0; i < argc; i++)
		add_value(&b, argv[i]);
	a->rows = xgrow(a->rows, &a->cap, a->n + 1, sizeof *a->rows);
	agg_row *r = &a->rows[a->n++];
	r->seq = argc ? sqlite3_value_int64(argv[0]) : 0;
	r->len = b.len;
	r->bytes = strbuf_detach(&b, NULL);
}

static int cmp_row(const void *x, const void *y)
{
	const agg_row *a = x, *b = y;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void agg_final(sqlite3_context *ctx)
{
	agg_state **pp = sqlite3_aggregate_context(ctx, 0);
	agg_state *a = pp ? *pp : NULL;
	strbuf b;
	strbuf_init(&b);
	if (a) {
		qsort(a->rows, a->n, sizeof *a->rows, cmp_row);
		for (size_t i = 0; i < a->n; i++) {
			strbuf_add(&b, a->rows[i].bytes, a->rows[i].len);
			free(a->rows[i].bytes);
		}
		free(a->rows);
		free(a);
	}
	unsigned char h[STORE_HASH_LEN];
	store_hash_digest(b.buf ? b.buf : "", b.len, h);
	strbuf_done(&b);
	sqlite3_result_blob(ctx, h, sizeof h, SQLITE_TRANSIENT);
}

int store_hash_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	if (sqlite3_create_function(db, "quiescent_hash", -1, flags, NULL, sql_hash, NULL,
				    NULL) != SQLITE_OK)
		return -1;
	return sqlite3_create_function(db, "quiescent_hash_agg", -1, flags, NULL, NULL, agg_step,
				       agg_final) == SQLITE_OK ? 0 : -1;
}
