/*
 * bench_shap: TreeSHAP of the served model on one row (fg_trees_contributions,
 * the leaf tables), what a /v1/score answer with the model's reasons pays for
 * them (docs/serve.md, "Speed").
 *
 *   bench_shap RESULTS.db [N=20000] [BOOSTER=0]
 *
 * Reads the run's model (models.model_file) and the stored feature rows of up
 * to 256 users (user_model_features), makes the booster's own trees as serve
 * does (fg_trees_from_json of its JSON), and times, per call over N calls
 * (the median of 5 rounds, CPU time of this thread), the SHAP values of one
 * row repeated (as the bench's one request) and of the rows in turn.  Prints
 * a checksum of the values (the same for two builds that give the same bits).
 */
#include "fg_error.h"
#include "fg_model.h"
#include "fg_model_trees.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5
#define MAX_ROWS 256

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	fg_model *m = NULL;
	fg_model_params mp;
	fg_trees *t = NULL;
	char *json = NULL;
	float *rows = NULL, *phi = NULL;
	uint32_t nc, nr = 0;
	int n = argc > 2 ? atoi(argv[2]) : 20000, k = argc > 3 ? atoi(argv[3]) : 0;
	uint64_t sum = 0;

	if (argc < 2 || n <= 0) {
		fprintf(stderr, "usage: bench_shap RESULTS.db [N=20000] [BOOSTER=0]\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT model_file FROM models ORDER BY run_id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		fprintf(stderr, "bench_shap: no model in %s: %s\n", argv[1], sqlite3_errmsg(db));
		return 1;
	}
	fg_model_params_default(&mp);
	mp.threads = 1;
	if (fg_model_load_file(&m, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), "model", &mp) ||
	    fg_model_booster_json(&json, m, (unsigned)k) ||
	    fg_trees_from_json(&t, json, strlen(json), nc = fg_model_n_features(m))) {
		fprintf(stderr, "bench_shap: %s\n", fg_error_msg());
		return 1;
	}
	sqlite3_finalize(st);
	rows = malloc(sizeof(float) * nc * MAX_ROWS);
	phi = malloc(sizeof(float) * (nc + 1));
	if (!rows || !phi)
		return 1;
	if (sqlite3_prepare_v2(db, "SELECT features FROM user_model_features ORDER BY user_id LIMIT 256", -1, &st, NULL) != SQLITE_OK)
		return 1;
	while (nr < MAX_ROWS && sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);

		for (uint32_t j = 0; o && j < nc; j++) {
			json_t *v = json_object_get(o, fg_model_feature_name(m, j));

			rows[(size_t)nr * nc + j] = json_is_number(v) ? (float)json_number_value(v) : NAN;
		}
		json_decref(o);
		nr++;
	}
	sqlite3_finalize(st);
	if (!nr) {
		fprintf(stderr, "bench_shap: no feature rows\n");
		return 1;
	}
	for (int what = 0; what < 2; what++) {
		double us[ROUNDS];

		for (int r = 0; r < ROUNDS; r++) {
			double t0 = cpu_now();

			for (int i = 0; i < n; i++) {
				uint32_t bits;

				fg_trees_contributions(phi, t, rows + (size_t)(what ? (uint32_t)i % nr : 0) * nc);
				memcpy(&bits, &phi[(uint32_t)i % (nc + 1)], sizeof(bits));
				sum = sum * 31 + bits;
			}
			us[r] = (cpu_now() - t0) / n * 1e6;
		}
		qsort(us, ROUNDS, sizeof(double), cmp_double);
		printf("bench_shap: booster %d, %s: %.3f us per call (median of %d rounds of %d; min %.3f, max %.3f)\n", k,
		       what ? "the rows in turn" : "one row", us[ROUNDS / 2], ROUNDS, n, us[0], us[ROUNDS - 1]);
	}
	printf("bench_shap: %u rows, %u features, checksum %016llx\n", nr, nc, (unsigned long long)sum);
	fg_trees_free(&t);
	fg_model_close(&m);
	free(json);
	free(rows);
	free(phi);
	sqlite3_close(db);
	return 0;
}
