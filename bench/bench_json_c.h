/* bench_json_c.c: json-c's side of bench_json (see there). */
#ifndef FG_BENCH_BENCH_JSON_C_H
#define FG_BENCH_BENCH_JSON_C_H

#include <stddef.h>

enum { BENCH_JSONC_BUILD_DUMP, BENCH_JSONC_PARSE };

/* One round of n calls of what on the answer text (NUL-terminated, len bytes); us per call. */
double bench_json_c_round(int what, const char *text, size_t len, int n, size_t *sink);

/* 1 if json-c, building as serve does, prints text back byte for byte. */
int bench_json_c_same(const char *text, size_t len);

/* JSON_C_VERSION. */
const char *bench_json_c_version(void);

#endif
