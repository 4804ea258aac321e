/*
 * bench_json: what jansson alone costs for one serve answer, the floor under
 * /v1/score's CPU per request (docs/serve.md, "Speed").
 *
 *   bench_json ANSWER.json [N=20000]
 *
 * Times, per call over N calls (the median of 5 rounds): json_dumps of the
 * answer as serve writes it (compact, 6 significant digits), with malloc and
 * inside the request arena (fg_json_arena), json_loadb of it, a deep copy
 * and free (about what building the answer's values costs), and the two
 * together in the arena (what jansson's building and printing of the answer
 * cost); then json-c's (bench_json_c.c): building as the server builds the
 * /v1/score answer and printing it, and its parse.  bench/serve.sh runs it
 * on the answer it measures.
 */
#include "fg_json_arena.h"

#include "bench_json_c.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum { DUMP, DUMP_ARENA, LOAD, COPY, COPY_DUMP, JSONC_BUILD_DUMP, JSONC_PARSE };

/* One round of n calls of what; microseconds per call.  sink keeps the work observable. */
static double round_us(int what, const json_t *j, const char *text, size_t len, int n, size_t *sink)
{
	double t0 = now();

	if (what == JSONC_BUILD_DUMP || what == JSONC_PARSE)
		return bench_json_c_round(what == JSONC_PARSE ? BENCH_JSONC_PARSE : BENCH_JSONC_BUILD_DUMP, text, len, n, sink);
	for (int i = 0; i < n; i++) {
		json_t *k;
		char *s;

		switch (what) {
		case DUMP:
		case DUMP_ARENA:
			if (what == DUMP_ARENA)
				fg_json_arena_begin();
			s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
			*sink += s ? strlen(s) : 0;
			if (what == DUMP_ARENA) {
				json_free_t f;

				json_get_alloc_funcs(NULL, &f);
				f(s);
				fg_json_arena_end();
			} else {
				free(s);
			}
			break;
		case COPY_DUMP:
			fg_json_arena_begin();
			k = json_deep_copy(j);
			s = json_dumps(k, JSON_COMPACT | JSON_REAL_PRECISION(6));
			*sink += s ? strlen(s) : 0;
			{
				json_free_t f;

				json_get_alloc_funcs(NULL, &f);
				f(s);
			}
			json_decref(k);
			fg_json_arena_end();
			break;
		case LOAD:
			k = json_loadb(text, len, 0, NULL);
			*sink += json_object_size(k);
			json_decref(k);
			break;
		default:
			k = json_deep_copy(j);
			*sink += json_object_size(k);
			json_decref(k);
		}
	}
	return (now() - t0) / n * 1e6;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "json_dumps", "json_dumps in the arena", "json_loadb",
	                                     "deep copy + free", "copy + dump (arena)", "json-c build + print",
	                                     "json-c parse" };
	char *text = NULL;
	size_t len = 0, sink = 0;
	json_t *j;
	FILE *f;
	int n = argc > 2 ? atoi(argv[2]) : 20000;

	if (argc < 2 || n <= 0) {
		fprintf(stderr, "usage: bench_json ANSWER.json [N]\n");
		return 2;
	}
	if (!(f = fopen(argv[1], "rb"))) {
		perror(argv[1]);
		return 2;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = (size_t)ftell(f)) == (size_t)-1 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(text = malloc(len + 1)) || fread(text, 1, len, f) != len) {
		fprintf(stderr, "bench_json: cannot read %s\n", argv[1]);
		return 2;
	}
	fclose(f);
	text[len] = '\0';
	fg_json_arena_install();
	if (!(j = json_loadb(text, len, 0, NULL))) {
		fprintf(stderr, "bench_json: %s is not JSON\n", argv[1]);
		return 2;
	}
	printf("jansson %s on a %zu-byte answer, %d calls x %d rounds (median):\n", JANSSON_VERSION, len, n,
	       ROUNDS);
	printf("  (json-c %s prints the answer back byte for byte: %s)\n", bench_json_c_version(),
	       bench_json_c_same(text, len) ? "yes" : "NO");
	for (int w = DUMP; w <= JSONC_PARSE; w++) {
		double us[ROUNDS];

		for (int r = 0; r < ROUNDS; r++)
			us[r] = round_us(w, j, text, len, n, &sink);
		qsort(us, ROUNDS, sizeof(us[0]), cmp_double);
		printf("  %-24s %7.2f us\n", names[w], us[ROUNDS / 2]);
	}
	json_decref(j);
	free(text);
	return sink == 0;
}
