/*
 * bench_json_c: json-c's side of bench_json (a file of its own: jansson's and
 * json-c's headers declare clashing names).  The answer is parsed once with
 * json-c, then rebuilt per call as the server builds the /v1/score answer
 * (engine/fg_serve_score.c: constant keys, reals and integers through
 * serve's own serializer hooks) and printed, its text copied out and the
 * values freed: building + printing, what a request pays for its JSON.
 */
#define FG_SERVE_JSONC
#include "fg_serve_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bench_json_c.h"

typedef struct json_object jo;

/* A copy of src made as serve makes its values; NULL on a failed allocation (or a null). */
static jo *rebuild(jo *src)
{
	jo *o = NULL;

	switch (json_object_get_type(src)) {
	case json_type_object:
		o = json_object_new_object();
		json_object_object_foreach(src, k, v)
			json_object_object_add_ex(o, k, rebuild(v), JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
		return o;
	case json_type_array:
		o = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(src); i++)
			json_object_array_add(o, rebuild(json_object_array_get_idx(src, i)));
		return o;
	case json_type_double:
		o = json_object_new_double(json_object_get_double(src));
		json_object_set_serializer(o, fg_serve_jsonc_real, NULL, NULL);
		return o;
	case json_type_int:
		o = json_object_new_int64(json_object_get_int64(src));
		json_object_set_serializer(o, fg_serve_jsonc_int, NULL, NULL);
		return o;
	case json_type_boolean:
		return json_object_new_boolean(json_object_get_boolean(src));
	case json_type_string:
		return json_object_new_string_len(json_object_get_string(src), json_object_get_string_len(src));
	default:
		return NULL;
	}
}

double bench_json_c_round(int what, const char *text, size_t len, int n, size_t *sink)
{
	jo *src = json_tokener_parse(text);
	struct timespec t0, t1;

	(void)len;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; src && i < n; i++) {
		jo *x;
		size_t l = 0;
		const char *t;
		char *copy;

		if (what == BENCH_JSONC_PARSE) {
			x = json_tokener_parse(text);
			*sink += (size_t)json_object_object_length(x);
		} else {
			x = rebuild(src);
			t = json_object_to_json_string_length(x, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l);
			if ((copy = malloc(l + 1))) {
				memcpy(copy, t, l + 1);
				*sink += strlen(copy);
				free(copy);
			}
		}
		json_object_put(x);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	json_object_put(src);
	return ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9) / n * 1e6;
}

int bench_json_c_same(const char *text, size_t len)
{
	jo *src = json_tokener_parse(text), *x = src ? rebuild(src) : NULL;
	size_t l = 0;
	const char *t = x ? json_object_to_json_string_length(x, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l) : NULL;
	int same = t && l == len && memcmp(t, text, len) == 0;

	json_object_put(x);
	json_object_put(src);
	return same;
}

const char *bench_json_c_version(void)
{
	return JSON_C_VERSION;
}
