/*
 * bench_store: rows per second of the results store's bulk path, on the
 * first night (empty database, indexes built after the load) and on the
 * second (indexes exist, rows go through them).  Timing only; never run by
 * the tests.
 *
 *   bench_store ROWS [--sorted] [--cpu]
 *   bench_store --migrate DB
 *
 * --migrate: open DB for writing, which migrates an older schema, and print
 * the wall and CPU seconds it took (the file is changed: use a copy).
 * --sorted: user ids in key order (as the writer emits them); default: a
 * hash-like order.  --cpu: process CPU time instead of wall time.
 */
#include "fg_error.h"
#include "fg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int use_cpu;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(use_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *const cols[] = { "run_id", "user_id", "label", "component_id", "ring_id",
	"risk", "risk_norm", "risk_pct", "score", "nearest_seed", "seed_hops", "created_at" };

/* One night: n user_scores rows, the indexes, the commit; prints the times. */
static int night(fg_store *st, long n, int sorted, const char *what)
{
	fg_bulk *b = NULL;
	double t0, t1, t2, t3;
	int64_t run;
	char user[32];
	int rc;

	t0 = now_s();
	if ((rc = fg_store_run_begin(st, &run, NULL, 1)) != FG_OK ||
	    (rc = fg_store_bulk_begin(&b, st, "user_scores", cols, 12)) != FG_OK)
		return rc;
	for (long i = 0; i < n && rc == FG_OK; i++) {
		snprintf(user, sizeof(user), "user%08lu",
		         sorted ? (unsigned long)i : (unsigned long)((i * 2654435761UL) % 100000000UL));
		fg_bulk_int(b, run);
		fg_bulk_text(b, user);
		fg_bulk_text(b, i % 100 == 0 ? "fraud" : NULL);
		fg_bulk_int(b, i / 7);
		if (i % 3)
			fg_bulk_null(b);
		else
			fg_bulk_int(b, i / 5);
		fg_bulk_double(b, 1.0 / (double)(i + 1));
		fg_bulk_double(b, 0.5);
		fg_bulk_double(b, 50.0);
		fg_bulk_double(b, 0.25);
		fg_bulk_null(b);
		fg_bulk_int(b, 3);
		fg_bulk_int(b, 1700000000 + i);
		rc = fg_bulk_row(b);
	}
	if (rc != FG_OK || (rc = fg_store_bulk_end(&b)) != FG_OK)
		return rc;
	t1 = now_s();
	if ((rc = fg_store_build_indexes(st)) != FG_OK)
		return rc;
	t2 = now_s();
	if ((rc = fg_store_run_commit(st, 0)) != FG_OK)
		return rc;
	t3 = now_s();
	printf("%-12s %ld user_scores rows: insert %.2f s (%.0f rows/s), indexes %.2f s, "
	       "commit %.2f s, total %.0f rows/s\n",
	       what, n, t1 - t0, n / (t1 - t0), t2 - t1, t3 - t2, n / (t3 - t0));
	return FG_OK;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/fg-bench-store-XXXXXX";
	char db[64];
	fg_store *st = NULL;
	long n;
	int sorted = 0, rc;

	if (argc == 3 && !strcmp(argv[1], "--migrate")) {
		double w0, c0;

		use_cpu = 0;
		w0 = now_s();
		use_cpu = 1;
		c0 = now_s();
		rc = fg_store_open(&st, argv[2], FG_STORE_WRITE);
		if (rc != FG_OK) {
			fprintf(stderr, "bench_store: %s\n", fg_error_msg());
			return 1;
		}
		printf("migrate %s: cpu %.2f s, ", argv[2], now_s() - c0);
		use_cpu = 0;
		printf("wall %.2f s\n", now_s() - w0);
		fg_store_close(&st);
		return 0;
	}
	if (argc < 2 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: bench_store ROWS [--sorted] [--cpu]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--sorted"))
			sorted = 1;
		else if (!strcmp(argv[i], "--cpu"))
			use_cpu = 1;
		else {
			fprintf(stderr, "bench_store: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!mkdtemp(path)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof(db), "%s/R.db", path);
	rc = fg_store_open(&st, db, FG_STORE_WRITE);
	if (rc == FG_OK)
		rc = night(st, n, sorted, "first night");
	if (rc == FG_OK)
		rc = night(st, n, sorted, "second night");
	if (rc != FG_OK)
		fprintf(stderr, "bench_store: %s\n", fg_error_msg());
	fg_store_close(&st);
	unlink(db);
	{
		char side[80];
		snprintf(side, sizeof(side), "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db);
		unlink(side);
	}
	rmdir(path);
	return rc == FG_OK ? 0 : 1;
}
