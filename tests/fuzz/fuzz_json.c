/* The JSON reader (stored facts_json and specs read back): json_parse and the lookups, then a
 * round trip of every string through the writer. */
#include "fuzz.h"
#include "util/json.h"

static void walk(const json_value *v, json_writer *w, int depth)
{
	switch (v->type) {
	case JSON_STRING:
		json_string_n(w, v->str, v->len);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (depth >= JSON_MAX_DEPTH - 1) {
			json_null(w);
			break;
		}
		if (v->type == JSON_ARRAY)
			json_array_begin(w);
		else
			json_object_begin(w);
		for (size_t i = 0; i < v->n; i++) {
			if (v->type == JSON_OBJECT)
				json_key(w, v->keys[i]);
			walk(&v->items[i], w, depth + 1);
		}
		if (v->type == JSON_ARRAY)
			json_array_end(w);
		else
			json_object_end(w);
		break;
	case JSON_NUMBER:
		if (v->is_int)
			json_int(w, v->i);
		else
			json_double(w, v->num);
		break;
	case JSON_BOOL:
		json_bool(w, v->b);
		break;
	default:
		json_null(w);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	json_value *v = json_parse((const char *)data, size, err, sizeof err);
	if (!v)
		return 0;
	int64_t i;
	bool b;
	(void)json_get_string(v, "name");
	(void)json_get_int(v, "n", &i);
	(void)json_get_bool(v, "ok", &b);
	strbuf out;
	strbuf_init(&out);
	json_writer w;
	json_writer_init(&w, &out, size & 1);
	walk(v, &w, 0);
	char err2[128];
	json_value *again = json_parse(out.buf, out.len, err2, sizeof err2);
	if (!again)
		__builtin_trap(); /* what the writer writes, the reader must read */
	json_free(again);
	strbuf_done(&out);
	json_free(v);
	return 0;
}
