/*
 * src/fg_store: the results database, on real SQLite files in temporary
 * directories: schema and versions, run visibility, rollback, the writer
 * lock, foreign and newer files, migration, bulk round trip, retention,
 * views, ring tracking helpers, and the analyst queries of docs/schema.md.
 *
 * FG_STORE_BENCH_ROWS=N adds a timing of N user_scores rows in one run
 * (printed, never asserted).
 */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_schema.h"
#include "fg_store.h"

#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const tables[] = {
	"runs", "hubs", "user_scores", "rings", "dissolved_rings", "components",
	"entities", "links", "user_features", NULL,
};

static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
	              sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int64_t count_rows(sqlite3 *db, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return q_int(db, sql);
}

static void bulk_or_fail(fg_bulk **b, fg_store *st, const char *table,
                         const char *const *cols, int n)
{
	int rc = fg_store_bulk_begin(b, st, table, cols, n);

	ck_assert_msg(rc == FG_OK, "bulk_begin %s: %s", table, fg_error_msg());
}

/*
 * Rows in every table for the open run: users u0..u{n-1}, rings of 2 users
 * (ring i holds u2i, u2i+1, key R(key_base + i)), one user alone in a ring.
 */
static void fill_run(fg_store *st, int64_t run, int n, int key_base)
{
	static const char *const us_cols[] = { "run_id", "user_id", "label", "component_id",
		"ring_id", "risk", "risk_norm", "risk_pct", "score", "nearest_seed", "seed_hops",
		"created_at" };
	static const char *const ring_cols[] = { "run_id", "ring_id", "ring_key", "status",
		"prev_keys", "first_run_id", "component_id", "n_users", "n_cards", "n_devices",
		"ring_score" };
	static const char *const hub_cols[] = { "run_id", "kind", "value", "share", "max_share",
		"reason" };
	static const char *const comp_cols[] = { "run_id", "component_id", "n_users",
		"n_entities", "n_seeds", "n_rings", "risk_max" };
	static const char *const ent_cols[] = { "run_id", "entity_id", "kind", "value", "share",
		"is_hub", "risk", "component_id" };
	static const char *const link_cols[] = { "run_id", "user_id", "link_no", "kind",
		"entity_id", "other_user", "first_seen", "last_seen" };
	static const char *const el_cols[] = { "run_id", "entity_id", "user_id" };
	static const char *const feat_cols[] = { "run_id", "user_id", "deg_total", "deg_card",
		"component_size", "ring_size", "risk", "ring_score" };
	static const char *const dis_cols[] = { "run_id", "ring_key", "prev_run_id",
		"prev_ring_id", "prev_n_users", "reason" };
	fg_bulk *b = NULL;
	char user[32], key[32];
	int i;

	bulk_or_fail(&b, st, "user_scores", us_cols, 12);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		fg_bulk_int(b, run);
		fg_bulk_text(b, user);
		fg_bulk_text(b, i == 0 ? "fraud" : NULL);
		fg_bulk_int(b, 0);
		fg_bulk_int(b, i / 2);
		fg_bulk_double(b, 0.5 / (i + 1));
		fg_bulk_double(b, 1.0 / (i + 1));
		fg_bulk_double(b, 100.0 * (n - i) / n);
		fg_bulk_double(b, 1.0 / (i + 1));
		fg_bulk_text(b, i == 0 ? NULL : "u0");
		if (i == 0)
			fg_bulk_null(b);
		else
			fg_bulk_int(b, 2);
		fg_bulk_int(b, 1700000000 + i);
		ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	}
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "rings", ring_cols, 11);
	for (i = 0; i < (n + 1) / 2; i++) {
		fg_bulk_int(b, run);
		fg_bulk_int(b, i);
		fg_bulk_text(b, fg_store_format_ring_key(key, sizeof(key), key_base + i));
		fg_bulk_text(b, "new");
		fg_bulk_null(b);
		fg_bulk_int(b, run);
		fg_bulk_int(b, 0);
		fg_bulk_int(b, 2 * i + 1 < n ? 2 : 1);
		fg_bulk_int(b, 1);
		fg_bulk_int(b, 2);
		fg_bulk_double(b, 1.0 - 0.01 * i);
		ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	}
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "hubs", hub_cols, 6);
	fg_bulk_int(b, run);
	fg_bulk_text(b, "address");
	fg_bulk_text(b, "1 Forwarder Way");
	fg_bulk_int(b, 5000);
	fg_bulk_int(b, 50);
	fg_bulk_text(b, "share above max_share");
	ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "components", comp_cols, 7);
	fg_bulk_int(b, run);
	fg_bulk_int(b, 0);
	fg_bulk_int(b, n);
	fg_bulk_int(b, 1);
	fg_bulk_int(b, 1);
	fg_bulk_int(b, (n + 1) / 2);
	fg_bulk_double(b, 0.5);
	ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "entities", ent_cols, 8);
	fg_bulk_int(b, run);
	fg_bulk_int(b, 0);
	fg_bulk_text(b, "card");
	fg_bulk_text(b, "card-1");
	fg_bulk_int(b, n);
	fg_bulk_int(b, 0);
	fg_bulk_double(b, 0.25);
	fg_bulk_int(b, 0);
	ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "links", link_cols, 8);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		fg_bulk_int(b, run);
		fg_bulk_text(b, user);
		fg_bulk_int(b, 0);
		fg_bulk_text(b, "card");
		fg_bulk_int(b, 0);
		fg_bulk_null(b);
		fg_bulk_int(b, 1700000000);
		fg_bulk_int(b, 1700000100);
		ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	}
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "entity_links", el_cols, 3);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		fg_bulk_int(b, run);
		fg_bulk_int(b, 0);
		fg_bulk_text(b, user);
		ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	}
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "user_features", feat_cols, 8);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		fg_bulk_int(b, run);
		fg_bulk_text(b, user);
		fg_bulk_int(b, 1);
		fg_bulk_int(b, 1);
		fg_bulk_int(b, n);
		fg_bulk_int(b, 2);
		fg_bulk_double(b, 0.5 / (i + 1));
		fg_bulk_double(b, 1.0);
		ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	}
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);

	bulk_or_fail(&b, st, "dissolved_rings", dis_cols, 6);
	fg_bulk_int(b, run);
	fg_bulk_text(b, "R999999");
	fg_bulk_int(b, run - 1);
	fg_bulk_int(b, 7);
	fg_bulk_int(b, 3);
	fg_bulk_text(b, "members gone");
	ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);
}

/* One complete committed run of n users; returns its id. */
static int64_t commit_run(fg_store *st, int n, int key_base, int keep)
{
	int64_t run;

	ck_assert_int_eq(fg_store_run_begin(st, &run, "{\"t\":1}", 2), FG_OK);
	fill_run(st, run, n, key_base);
	ck_assert_int_eq(fg_store_run_set_int(st, "n_users", n), FG_OK);
	ck_assert_int_eq(fg_store_build_indexes(st), FG_OK);
	ck_assert_msg(fg_store_run_commit(st, keep) == FG_OK, "%s", fg_error_msg());
	return run;
}

START_TEST(create_schema_and_version)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL;
	sqlite3 *db;
	int v, i;

	ck_assert_msg(fg_store_open(&st, path, FG_STORE_WRITE) == FG_OK, "%s", fg_error_msg());
	db = fg_store_db(st);
	ck_assert_int_eq(fg_store_schema_version(st, &v), FG_OK);
	ck_assert_int_eq(v, FG_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(db, "PRAGMA user_version"), FG_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(db, "PRAGMA application_id"), FG_SCHEMA_APPLICATION_ID);
	for (i = 0; tables[i]; i++)
		ck_assert_int_eq(count_rows(db, tables[i]), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND "
	                           "name IN ('latest_run', 'latest_user_scores', 'latest_rings', "
	                           "'top_rings', 'latest_hubs')"), 5);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM pragma_table_info('runs')"), 43);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM pragma_table_info('rings')"), 29);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM pragma_table_info('user_features')"), 19);
	fg_store_close(&st);
	ck_assert_ptr_null(st);
	/* Reopen: no second migration, same version; journal mode WAL persisted. */
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_OK);
	db = fg_store_db(st);
	ck_assert_int_eq(q_int(db, "PRAGMA user_version"), FG_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 1);
	{
		int64_t latest = -1;

		ck_assert_int_eq(fg_store_latest_run(st, &latest), FG_OK);
		ck_assert_int_eq(latest, 0);
	}
	fg_store_close(&st);
	fg_store_close(NULL);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(commit_visible_only_after_commit)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *w = NULL, *r = NULL, *r2 = NULL;
	int64_t run1, run2, latest;

	ck_assert_int_eq(fg_store_open(&w, path, FG_STORE_WRITE), FG_OK);
	run1 = commit_run(w, 6, 1, 0);
	ck_assert_int_eq(fg_store_open(&r, path, FG_STORE_READ), FG_OK);
	ck_assert_int_eq(fg_store_run_begin(w, &run2, NULL, 1), FG_OK);
	ck_assert_int_gt(run2, run1);
	ck_assert_int_eq(fg_store_current_run(w), run2);
	fill_run(w, run2, 10, 100);
	/* The writer itself still sees run1 as latest: run2 is 'running'. */
	ck_assert_int_eq(fg_store_latest_run(w, &latest), FG_OK);
	ck_assert_int_eq(latest, run1);
	/* A reader opened before and one opened during the run see run1 only. */
	ck_assert_int_eq(fg_store_open(&r2, path, FG_STORE_READ), FG_OK);
	ck_assert_int_eq(fg_store_latest_run(r, &latest), FG_OK);
	ck_assert_int_eq(latest, run1);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT count(*) FROM latest_user_scores"), 6);
	ck_assert_int_eq(q_int(fg_store_db(r2), "SELECT count(*) FROM user_scores"), 6);
	ck_assert_int_eq(q_int(fg_store_db(r2), "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(fg_store_run_commit(w, 0), FG_OK);
	ck_assert_int_eq(fg_store_current_run(w), 0);
	ck_assert_int_eq(fg_store_latest_run(r, &latest), FG_OK);
	ck_assert_int_eq(latest, run2);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT count(*) FROM latest_user_scores"), 10);
	ck_assert_int_eq(q_int(fg_store_db(r2), "SELECT count(*) FROM user_scores"), 16);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT count(*) FROM runs WHERE status = 'ok' AND "
	                                       "finished_at IS NOT NULL AND started_at <= finished_at"),
	                 2);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT count(*) FROM runs WHERE status <> 'ok'"), 0);
	/* A reader cannot start a run. */
	ck_assert_int_eq(fg_store_run_begin(r, &latest, NULL, 1), FG_EUSAGE);
	fg_store_close(&r);
	fg_store_close(&r2);
	fg_store_close(&w);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(rollback_and_close_leave_nothing)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL;
	int64_t before[16], run, latest;
	int i, pass;

	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	commit_run(st, 4, 1, 0);
	for (i = 0; tables[i]; i++)
		before[i] = count_rows(fg_store_db(st), tables[i]);
	for (pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(fg_store_run_begin(st, &run, "{}", 1), FG_OK);
		fill_run(st, run, 50, 500);
		ck_assert_int_eq(fg_store_run_set_text(st, "inputs", "[\"x.csv\"]"), FG_OK);
		ck_assert_int_eq(fg_store_build_indexes(st), FG_OK);
		ck_assert_int_eq(count_rows(fg_store_db(st), "user_scores"), before[2] + 50);
		if (pass == 0) {
			ck_assert_int_eq(fg_store_run_rollback(st), FG_OK);
		} else {
			/* Close without commit, then reopen: the run vanished too. */
			fg_store_close(&st);
			ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
		}
		for (i = 0; tables[i]; i++)
			ck_assert_msg(count_rows(fg_store_db(st), tables[i]) == before[i], "%s changed",
			              tables[i]);
		ck_assert_int_eq(fg_store_latest_run(st, &latest), FG_OK);
		ck_assert_int_lt(latest, run);
	}
	/* Rollback without a run is a no-op; bulk outside a run is refused. */
	ck_assert_int_eq(fg_store_run_rollback(st), FG_OK);
	{
		static const char *const cols[] = { "run_id" };
		fg_bulk *b = NULL;

		ck_assert_int_eq(fg_store_bulk_begin(&b, st, "hubs", cols, 1), FG_EUSAGE);
		ck_assert_ptr_null(b);
		ck_assert_int_eq(fg_store_run_set_int(st, "n_users", 1), FG_EUSAGE);
	}
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(second_writer_busy_at_once)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *a = NULL, *b = NULL;
	int64_t ra, rb = 99;

	ck_assert_int_eq(fg_store_open(&a, path, FG_STORE_WRITE), FG_OK);
	ck_assert_int_eq(fg_store_run_begin(a, &ra, NULL, 1), FG_OK);
	/* Opening works (no migration needed); starting a run does not. */
	ck_assert_msg(fg_store_open(&b, path, FG_STORE_WRITE) == FG_OK, "%s", fg_error_msg());
	ck_assert_int_eq(fg_store_run_begin(b, &rb, NULL, 1), FG_EBUSY);
	ck_assert_int_eq(rb, 0);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "being written by another fraudgraph run"));
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), path));
	ck_assert_int_eq(fg_store_run_commit(a, 0), FG_OK);
	/* Once the first run is done, the second writer can run. */
	ck_assert_int_eq(fg_store_run_begin(b, &rb, NULL, 1), FG_OK);
	ck_assert_int_gt(rb, ra);
	ck_assert_int_eq(fg_store_run_commit(b, 0), FG_OK);
	fg_store_close(&a);
	fg_store_close(&b);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(foreign_files_refused)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "other.db");
	char *junk = fgt_path(dir, "junk.db");
	fg_store *st = NULL;
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE customers (id INTEGER); "
	                                  "INSERT INTO customers VALUES (1)", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_EDB);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "not a fraudgraph database"));
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_EDB);
	/* Nothing was added to it, and its journal mode was left alone. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_master"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM customers"), 1);
	sqlite3_close(db);
	/* Another application's id, even with no tables. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP TABLE customers; PRAGMA application_id = 1234",
	                              NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_EDB);
	/* Not SQLite at all. */
	fgt_write_file(junk, "user_id,kind,value\nu1,card,c1\n this is not a database, padded "
	                     "to be longer than a header..................................", -1);
	ck_assert_int_eq(fg_store_open(&st, junk, FG_STORE_WRITE), FG_EDB);
	ck_assert_int_eq(fg_store_open(&st, junk, FG_STORE_READ), FG_EDB);
	ck_assert_ptr_null(st);
	fgt_rmtree(dir);
	free(path);
	free(junk);
	free(dir);
}
END_TEST

START_TEST(newer_schema_refused)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL;
	sqlite3 *db = NULL;

	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	fg_store_close(&st);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "newer"));
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "7"));
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_EDB);
	ck_assert_ptr_null(st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

static const char v2_sql[] =
	"ALTER TABLE runs ADD COLUMN host TEXT;\n"
	"UPDATE runs SET host = 'migrated';\n"
	"CREATE TABLE run_notes (run_id INTEGER NOT NULL, note TEXT);\n";

START_TEST(migration_to_a_later_version)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	char *p0 = fgt_path(dir, "v0.db");
	fg_schema_migration v2[16];
	const int nv = fg_schema_n_migrations + 1, later = nv; /* this build's steps + a test one */
	fg_store *st = NULL;
	sqlite3 *db = NULL;
	int64_t run1, run2;
	int v;

	/* A database written by the version 1 build, one run committed. */
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	run1 = commit_run(st, 6, 1, 0);
	fg_store_close(&st);
	/* A later build (one more schema step) reads it only after migrating. */
	ck_assert_int_lt(nv, 16);
	for (int i = 0; i < fg_schema_n_migrations; i++)
		v2[i] = fg_schema_migrations[i];
	v2[nv - 1].version = later;
	v2[nv - 1].sql = v2_sql;
	ck_assert_int_eq(fg_store_open_schema(&st, path, FG_STORE_READ, v2, nv), FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "older"));
	ck_assert_msg(fg_store_open_schema(&st, path, FG_STORE_WRITE, v2, nv) == FG_OK, "%s",
	              fg_error_msg());
	db = fg_store_db(st);
	ck_assert_int_eq(fg_store_schema_version(st, &v), FG_OK);
	ck_assert_int_eq(v, later);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs WHERE host = 'migrated'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM user_scores"), 6);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM run_notes"), 0);
	/* Views still work (SELECT * picks up the new column) and runs go on. */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM latest_run WHERE host = 'migrated'"), 1);
	run2 = commit_run(st, 4, 10, 1);
	ck_assert_int_gt(run2, run1);
	/* Retention covers the new table too (found by its run_id column). */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	fg_store_close(&st);
	ck_assert_int_eq(fg_store_open_schema(&st, path, FG_STORE_READ, v2, nv), FG_OK);
	fg_store_close(&st);
	/* The version 1 build refuses the migrated file. */
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "newer"));

	/* A hand-made version 0 file (ours, empty) migrates to version 1. */
	ck_assert_int_eq(sqlite3_open(p0, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA application_id = 1179079240", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(fg_store_open(&st, p0, FG_STORE_READ), FG_EDB);
	ck_assert_int_eq(fg_store_open(&st, p0, FG_STORE_WRITE), FG_OK);
	ck_assert_int_eq(fg_store_schema_version(st, &v), FG_OK);
	ck_assert_int_eq(v, FG_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(count_rows(fg_store_db(st), "rings"), 0);
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(p0);
	free(dir);
}
END_TEST

/*
 * Every row of table in db as text, sorted: the v3 columns given by cols
 * ("quote(a)||'|'||quote(b)..."), so a rebuilt table is compared on the
 * columns it had.  Returns a malloc'd string.
 */
static char *table_text(sqlite3 *db, const char *table, const char *cols)
{
	char *sql = sqlite3_mprintf("SELECT %s FROM \"%w\" ORDER BY 1", cols, table);
	sqlite3_stmt *s = NULL;
	size_t len = 0, cap = 1024;
	char *out = malloc(cap);

	ck_assert_ptr_nonnull(sql);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
	              sqlite3_errmsg(db));
	out[0] = '\0';
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(s, 0);
		size_t n = strlen(row);

		while (len + n + 2 > cap)
			ck_assert_ptr_nonnull(out = realloc(out, cap *= 2));
		memcpy(out + len, row, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(s);
	sqlite3_free(sql);
	return out;
}

/*
 * A database written by an older build (tests/data/store/v3-two-runs.sql by
 * the version 3 build, v4-two-runs.sql by the version 4 one, two runs each)
 * is migrated to this version with every row of every table unchanged,
 * links numbered per user in their stored order (version 4), entity_links
 * holding exactly the entity links of links (version 5), the indexes back at
 * once, and the next run committed on top.
 */
static void check_migration(const char *fixture, int from_version)
{
	static const char *const all[] = { "runs", "hubs", "user_scores", "rings",
		"dissolved_rings", "components", "entities", "links", "user_features", "models",
		"user_reasons", "user_model_features", "store_meta", NULL };
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	char *fx = fgt_path(fgt_source_root(), fixture);
	char *dump = fgt_read_file(fx, NULL), *cols[16], *before[16];
	fg_store *st = NULL;
	sqlite3 *db = NULL;
	int v, n;

	ck_assert_msg(dump != NULL, "cannot read %s", fx);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, dump, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	ck_assert_int_eq(q_int(db, "PRAGMA user_version"), from_version);
	for (n = 0; all[n]; n++) {
		char *sql = sqlite3_mprintf("SELECT group_concat('quote(\"' || name || '\")', "
		                            "'||''|''||') FROM pragma_table_info(%Q)", all[n]);
		sqlite3_stmt *s = NULL;

		ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		cols[n] = strdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		sqlite3_free(sql);
		before[n] = table_text(db, all[n], cols[n]);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 2);
	ck_assert_int_gt(q_int(db, "SELECT count(*) FROM links WHERE other_user IS NOT NULL"), 0);
	ck_assert_int_gt(q_int(db, "SELECT count(*) FROM hubs"), 0);
	sqlite3_close(db);

	ck_assert_msg(fg_store_open(&st, path, FG_STORE_WRITE) == FG_OK, "%s", fg_error_msg());
	db = fg_store_db(st);
	ck_assert_int_eq(fg_store_schema_version(st, &v), FG_OK);
	ck_assert_int_eq(v, FG_STORE_SCHEMA_VERSION);
	for (int i = 0; i < n; i++) {
		char *after = table_text(db, all[i], cols[i]);

		ck_assert_msg(strcmp(before[i], after) == 0, "%s changed by the migration", all[i]);
		free(after);
	}
	/* link_no numbers each user's links 0, 1, ... */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM (SELECT max(link_no) + 1 = count(*) AS ok,"
	                           " min(link_no) = 0 AS z FROM links GROUP BY run_id, user_id)"
	                           " WHERE NOT ok OR NOT z"), 0);
	/* entity_links: the entity links of links, nothing else */
	ck_assert_int_gt(q_int(db, "SELECT count(*) FROM entity_links WHERE run_id = 2"), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM entity_links"),
	                 q_int(db, "SELECT count(*) FROM links WHERE entity_id IS NOT NULL"));
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM (SELECT run_id, entity_id, user_id FROM links"
	                           " WHERE entity_id IS NOT NULL EXCEPT SELECT * FROM entity_links)"), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN"
	                           " ('user_scores_ring', 'rings_score', 'rings_key',"
	                           " 'links_other', 'entities_value')"), 5);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
	                           "('user_scores_user', 'links_user', 'hubs_run', 'links_entity')"), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'links_entity'"), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'entity_links'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM pragma_integrity_check "
	                           "WHERE integrity_check = 'ok'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM latest_user_scores"),
	                 q_int(db, "SELECT count(*) FROM user_scores WHERE run_id = 2"));
	/* The next run lands on top; retention still covers the rebuilt tables. */
	ck_assert_int_eq(commit_run(st, 6, 900, 2), 3);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM user_scores WHERE run_id < 2"), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM links WHERE run_id < 2"), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM entity_links WHERE run_id < 2"), 0);
	fg_store_close(&st);
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_OK);
	ck_assert_int_eq(q_int(fg_store_db(st), "SELECT run_id FROM latest_run"), 3);
	fg_store_close(&st);
	for (int i = 0; i < n; i++) {
		free(cols[i]);
		free(before[i]);
	}
	free(dump);
	free(fx);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}

/* v3 -> v5 through both steps */
START_TEST(migration_from_v3_keeps_every_row)
{
	check_migration("tests/data/store/v3-two-runs.sql", 3);
}
END_TEST

START_TEST(migration_from_v4_keeps_every_row)
{
	check_migration("tests/data/store/v4-two-runs.sql", 4);
}
END_TEST

static const char *const odd[] = {
	"'); DROP TABLE runs; --",
	"a;b;c",
	"\"double\" and 'single' quotes",
	"",
	"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
	"tab\tnew\nline",
	"back\\slash %s %d",
	"?1 :name @x $y",
};
#define N_ODD (sizeof(odd) / sizeof(odd[0]))

START_TEST(bulk_round_trip_exact)
{
	static const char *const cols[] = { "run_id", "user_id", "label", "component_id",
		"ring_id", "risk", "risk_norm", "risk_pct", "score", "nearest_seed", "seed_hops",
		"created_at" };
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	char user[64], *longtext;
	fg_store *st = NULL, *r = NULL;
	fg_bulk *b = NULL;
	sqlite3_stmt *s = NULL;
	int64_t run;
	int i, n = 10007;

	longtext = malloc(20001);
	ck_assert_ptr_nonnull(longtext);
	for (i = 0; i < 20000; i++)
		longtext[i] = (char)('a' + i % 26);
	longtext[20000] = '\0';
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	ck_assert_int_eq(fg_store_run_begin(st, &run, NULL, 1), FG_OK);
	ck_assert_int_eq(fg_store_bulk_begin(&b, st, "user_scores", cols, 12), FG_OK);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "user-%06d-%s", i, i < (int)N_ODD ? odd[i] : "x");
		fg_bulk_int(b, run);
		fg_bulk_text(b, user);
		fg_bulk_text(b, i % 3 == 0 ? NULL : odd[i % N_ODD]);
		fg_bulk_int(b, (int64_t)i * 1000003 - 5000000000LL);
		if (i % 5 == 0)
			fg_bulk_null(b);
		else
			fg_bulk_int(b, i / 5);
		fg_bulk_double(b, 1.0 / (i + 3));
		fg_bulk_double(b, i * 0.1);
		fg_bulk_double(b, i == 1 ? 1e-300 : i == 2 ? 1.7976931348623157e308 : -i / 7.0);
		fg_bulk_double(b, (double)i);
		fg_bulk_text(b, i == 4 ? longtext : odd[(i + 1) % N_ODD]);
		fg_bulk_int(b, INT64_MAX - i);
		fg_bulk_int(b, i % 2 ? INT64_MIN + i : 0);
		ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	}
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);
	ck_assert_ptr_null(b);
	/* Wrong row shape and bad names are refused. */
	{
		static const char *const bad[] = { "run_id", "user_id); DROP TABLE runs; --" };
		static const char *const two[] = { "run_id", "user_id" };

		ck_assert_int_eq(fg_store_bulk_begin(&b, st, "user_scores", bad, 2), FG_EUSAGE);
		ck_assert_int_eq(fg_store_bulk_begin(&b, st, "runs; --", two, 2), FG_EUSAGE);
		ck_assert_int_eq(fg_store_bulk_begin(&b, st, "no_such_table", two, 2), FG_EDB);
		ck_assert_int_eq(fg_store_bulk_begin(&b, st, "hubs", two, 2), FG_EDB);
		ck_assert_ptr_null(b);
		ck_assert_int_eq(fg_store_bulk_begin(&b, st, "links", two, 2), FG_OK);
		fg_bulk_int(b, run);
		ck_assert_int_eq(fg_bulk_row(b), FG_EUSAGE);
		ck_assert_int_eq(fg_store_bulk_end(&b), FG_EUSAGE);
	}
	ck_assert_int_eq(fg_store_run_set_text(st, "bad_rows", odd[0]), FG_OK);
	ck_assert_int_eq(fg_store_run_set_double(st, "t_total", 1.25), FG_OK);
	ck_assert_int_eq(fg_store_run_set_int(st, "peak_rss", 123456789012LL), FG_OK);
	ck_assert_int_eq(fg_store_run_set_int(st, "n_users = 0; DROP TABLE runs; --", 1),
	                 FG_EUSAGE);
	ck_assert_int_eq(fg_store_run_set_text(st, "status", "ok"), FG_EUSAGE);
	ck_assert_int_eq(fg_store_run_set_int(st, "run_id", 5), FG_EUSAGE);
	ck_assert_int_eq(fg_store_run_commit(st, 0), FG_OK);

	ck_assert_int_eq(fg_store_open(&r, path, FG_STORE_READ), FG_OK);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT count(*) FROM user_scores"), n);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT count(*) FROM sqlite_master WHERE "
	                                       "name = 'runs'"), 1);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT peak_rss FROM runs"), 123456789012LL);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT t_total = 1.25 FROM runs"), 1);
	ck_assert_int_eq(q_int(fg_store_db(r), "SELECT bad_rows = '''); DROP TABLE runs; --' "
	                                       "FROM runs"), 1);
	ck_assert_int_eq(sqlite3_prepare_v2(fg_store_db(r),
	                                    "SELECT user_id, label, component_id, ring_id, risk, "
	                                    "risk_norm, risk_pct, score, nearest_seed, seed_hops, "
	                                    "created_at FROM user_scores ORDER BY component_id",
	                                    -1, &s, NULL), SQLITE_OK);
	for (i = 0; i < n; i++) {
		const char *lab, *ns;
		double want_pct = i == 1 ? 1e-300 : i == 2 ? 1.7976931348623157e308 : -i / 7.0;

		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		snprintf(user, sizeof(user), "user-%06d-%s", i, i < (int)N_ODD ? odd[i] : "x");
		ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), user);
		lab = (const char *)sqlite3_column_text(s, 1);
		if (i % 3 == 0) {
			ck_assert_int_eq(sqlite3_column_type(s, 1), SQLITE_NULL);
		} else {
			ck_assert_int_eq(sqlite3_column_type(s, 1), SQLITE_TEXT);
			ck_assert_str_eq(lab, odd[i % N_ODD]);
		}
		ck_assert_int_eq(sqlite3_column_int64(s, 2), (int64_t)i * 1000003 - 5000000000LL);
		if (i % 5 == 0)
			ck_assert_int_eq(sqlite3_column_type(s, 3), SQLITE_NULL);
		else
			ck_assert_int_eq(sqlite3_column_int64(s, 3), i / 5);
		ck_assert(sqlite3_column_double(s, 4) == 1.0 / (i + 3));
		ck_assert(sqlite3_column_double(s, 5) == i * 0.1);
		ck_assert(sqlite3_column_double(s, 6) == want_pct);
		ck_assert(sqlite3_column_double(s, 7) == (double)i);
		ns = (const char *)sqlite3_column_text(s, 8);
		ck_assert_str_eq(ns, i == 4 ? longtext : odd[(i + 1) % N_ODD]);
		ck_assert_int_eq(sqlite3_column_int64(s, 9), INT64_MAX - i);
		ck_assert_int_eq(sqlite3_column_int64(s, 10), i % 2 ? INT64_MIN + i : 0);
	}
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	fg_store_close(&r);
	fg_store_close(&st);
	free(longtext);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(retention_keeps_newest_without_orphans)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL;
	int64_t runs[6], max_key;
	sqlite3 *db;
	int i;

	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	db = fg_store_db(st);
	for (i = 0; i < 5; i++)
		runs[i] = commit_run(st, 4 + i, 1 + 10 * i, 0);
	ck_assert_int_eq(count_rows(db, "runs"), 5);
	/* A rolled-back run in between consumes nothing. */
	{
		int64_t r;

		ck_assert_int_eq(fg_store_run_begin(st, &r, NULL, 1), FG_OK);
		fill_run(st, r, 3, 900);
		ck_assert_int_eq(fg_store_run_rollback(st), FG_OK);
	}
	runs[5] = commit_run(st, 9, 61, 3);
	ck_assert_int_eq(count_rows(db, "runs"), 3);
	ck_assert_int_eq(q_int(db, "SELECT min(run_id) FROM runs"), runs[3]);
	for (i = 1; tables[i]; i++) {
		char sql[256];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id NOT IN "
		         "(SELECT run_id FROM runs)", tables[i]);
		ck_assert_msg(q_int(db, sql) == 0, "orphans in %s", tables[i]);
		snprintf(sql, sizeof(sql), "SELECT count(DISTINCT run_id) FROM %s", tables[i]);
		ck_assert_msg(q_int(db, sql) == 3, "%s lost kept runs", tables[i]);
	}
	/* Kept runs are whole: 7 + 8 + 9 users. */
	ck_assert_int_eq(count_rows(db, "user_scores"), 7 + 8 + 9);
	/* Ring keys: the largest ever committed, even if retention removed it. */
	ck_assert_int_eq(fg_store_max_ring_key(st, &max_key), FG_OK);
	ck_assert_int_eq(max_key, 61 + 4);
	runs[0] = commit_run(st, 2, 1, 1); /* keys R000001 only */
	ck_assert_int_eq(count_rows(db, "runs"), 1);
	ck_assert_int_eq(fg_store_max_ring_key(st, &max_key), FG_OK);
	ck_assert_int_eq(max_key, 65);
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(views_show_latest_run_only)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL, *r = NULL;
	int64_t run1, run2, open_run;
	sqlite3 *db;

	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	run1 = commit_run(st, 5, 1, 0);
	run2 = commit_run(st, 9, 10, 0);
	ck_assert_int_eq(fg_store_run_begin(st, &open_run, NULL, 1), FG_OK);
	fill_run(st, open_run, 3, 100);
	ck_assert_int_eq(fg_store_open(&r, path, FG_STORE_READ), FG_OK);
	db = fg_store_db(r);
	ck_assert_int_eq(q_int(db, "SELECT run_id FROM latest_run"), run2);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM latest_run"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM latest_user_scores"), 9);
	ck_assert_int_eq(q_int(db, "SELECT count(DISTINCT run_id) FROM latest_user_scores"), 1);
	ck_assert_int_eq(q_int(db, "SELECT min(run_id) FROM latest_rings"), run2);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM latest_rings"), 5);
	/* top_rings: rings of >= 2 users (the fifth ring holds one), best first. */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM top_rings"), 4);
	ck_assert_int_eq(q_int(db, "SELECT ring_id FROM top_rings LIMIT 1"), 0);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM latest_hubs WHERE run_id = "
	                           "(SELECT max(run_id) FROM runs WHERE status = 'ok')"), 1);
	ck_assert_int_lt(run1, run2);
	fg_store_close(&r);
	/* The writer's own views ignore its open run as well. */
	ck_assert_int_eq(q_int(fg_store_db(st), "SELECT run_id FROM latest_run"), run2);
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

struct members {
	char buf[4096];
	size_t len;
	int n;
};

static int collect(void *ctx, int64_t ring_id, const char *key, const char *user)
{
	struct members *m = ctx;

	if (m->len + 64 < sizeof(m->buf))
		m->len += (size_t)snprintf(m->buf + m->len, sizeof(m->buf) - m->len,
		                           "%" PRId64 ":%s:%s ", ring_id, key, user);
	return ++m->n == 100 ? 42 : 0;
}

START_TEST(previous_ring_members)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL;
	struct members m = { .len = 0, .n = 0 };
	int64_t run1, run2, prev, max_key;
	char key[24];

	ck_assert_str_eq(fg_store_format_ring_key(key, sizeof(key), 123), "R000123");
	ck_assert_str_eq(fg_store_format_ring_key(key, sizeof(key), 12345678), "R12345678");
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	ck_assert_int_eq(fg_store_max_ring_key(st, &max_key), FG_OK);
	ck_assert_int_eq(max_key, 0);
	run1 = commit_run(st, 5, 7, 0);
	ck_assert_int_eq(fg_store_run_begin(st, &run2, NULL, 1), FG_OK);
	ck_assert_int_eq(fg_store_latest_run(st, &prev), FG_OK);
	ck_assert_int_eq(prev, run1);
	ck_assert_int_eq(fg_store_max_ring_key(st, &max_key), FG_OK);
	ck_assert_int_eq(max_key, 9);
	ck_assert_int_eq(fg_store_prev_ring_members(st, prev, collect, &m), FG_OK);
	ck_assert_str_eq(m.buf, "0:R000007:u0 0:R000007:u1 1:R000008:u2 1:R000008:u3 "
	                        "2:R000009:u4 ");
	/* A run without rings gives no callbacks; a nonzero return stops the scan. */
	m.len = 0;
	m.n = 0;
	ck_assert_int_eq(fg_store_prev_ring_members(st, run2, collect, &m), FG_OK);
	ck_assert_int_eq(m.n, 0);
	fill_run(st, run2, 300, 10);
	m.len = 0;
	m.buf[0] = '\0';
	ck_assert_int_eq(fg_store_prev_ring_members(st, run2, collect, &m), 42);
	ck_assert_int_eq(m.n, 100);
	ck_assert_int_eq(fg_store_max_ring_key(st, &max_key), FG_OK);
	ck_assert_int_eq(max_key, 10 + 149);
	ck_assert_int_eq(fg_store_run_rollback(st), FG_OK);
	ck_assert_int_eq(fg_store_max_ring_key(st, &max_key), FG_OK);
	ck_assert_int_eq(max_key, 9);
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(missing_and_unwritable_paths)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "nope.db");
	char *deep = fgt_path(dir, "no/such/dir/RESULTS.db");
	fg_store *st = NULL;
	struct stat sb;

	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), path));
	ck_assert_int_ne(stat(path, &sb), 0); /* reading never creates */
	/* A missing directory fails even for root. */
	ck_assert_int_eq(fg_store_open(&st, deep, FG_STORE_WRITE), FG_EIO);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), deep));
	ck_assert_ptr_null(st);
	if (geteuid() != 0) {
		char *ro = fgt_path(dir, "ro"), *p2 = fgt_path(dir, "ro/RESULTS.db");

		ck_assert_int_eq(mkdir(ro, 0555), 0);
		ck_assert_int_eq(fg_store_open(&st, p2, FG_STORE_WRITE), FG_EIO);
		ck_assert_ptr_nonnull(strstr(fg_error_msg(), p2));
		free(ro);
		free(p2);
	} /* else: root writes anywhere; the missing directory case above covers it. */
	fgt_rmtree(dir);
	free(path);
	free(deep);
	free(dir);
}
END_TEST

/*
 * Every ```sql block of docs/schema.md runs without error against a database
 * with two committed runs.
 */
START_TEST(documented_queries_run)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	char *doc_path = fgt_path(fgt_source_root(), "docs/schema.md");
	char *doc = fgt_read_file(doc_path, NULL), *p;
	fg_store *st = NULL;
	int nblocks = 0;

	ck_assert_msg(doc != NULL, "cannot read %s", doc_path);
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	commit_run(st, 6, 1, 0);
	commit_run(st, 9, 1, 0);
	fg_store_close(&st);
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_OK);
	for (p = strstr(doc, "```sql\n"); p; p = strstr(p, "```sql\n")) {
		char *end, *sql;
		sqlite3_stmt *s = NULL;
		const char *tail;
		int rc;

		p += 7;
		end = strstr(p, "```");
		ck_assert_ptr_nonnull(end);
		sql = strndup(p, (size_t)(end - p));
		for (tail = sql; tail && *tail;) {
			rc = sqlite3_prepare_v2(fg_store_db(st), tail, -1, &s, &tail);
			ck_assert_msg(rc == SQLITE_OK, "query %d: %s\n%s", nblocks + 1,
			              sqlite3_errmsg(fg_store_db(st)), sql);
			if (!s)
				break;
			while ((rc = sqlite3_step(s)) == SQLITE_ROW)
				;
			ck_assert_msg(rc == SQLITE_DONE, "query %d: %s", nblocks + 1,
			              sqlite3_errmsg(fg_store_db(st)));
			sqlite3_finalize(s);
			s = NULL;
		}
		free(sql);
		nblocks++;
		p = end + 3;
	}
	ck_assert_int_ge(nblocks, 6);
	fg_store_close(&st);
	free(doc);
	free(doc_path);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/* A run killed (SIGKILL) before its commit leaves the previous run intact. */
START_TEST(killed_run_leaves_previous_run)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL;
	int64_t run1, latest, counts[16];
	pid_t pid;
	int status, i;

	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	run1 = commit_run(st, 6, 1, 0);
	for (i = 0; tables[i]; i++)
		counts[i] = count_rows(fg_store_db(st), tables[i]);
	fg_store_close(&st);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fg_store *c = NULL;
		int64_t run;

		if (fg_store_open(&c, path, FG_STORE_WRITE) != FG_OK ||
		    fg_store_run_begin(c, &run, NULL, 1) != FG_OK)
			_exit(3);
		fill_run(c, run, 2000, 50);
		if (fg_store_build_indexes(c) != FG_OK)
			_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The hot WAL of the dead writer is recovered; its run never happened. */
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_OK);
	ck_assert_int_eq(fg_store_latest_run(st, &latest), FG_OK);
	ck_assert_int_eq(latest, run1);
	for (i = 0; tables[i]; i++)
		ck_assert_msg(count_rows(fg_store_db(st), tables[i]) == counts[i], "%s changed",
		              tables[i]);
	ck_assert_int_eq(q_int(fg_store_db(st), "SELECT count(*) FROM pragma_integrity_check "
	                                        "WHERE integrity_check = 'ok'"), 1);
	fg_store_close(&st);
	/* And the next run goes through (the lock died with the process). */
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	ck_assert_int_gt(commit_run(st, 3, 100, 0), run1);
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/*
 * The bulk insert does not bind again a number or NULL equal to the one
 * already bound at the same parameter of its statement (bindings survive
 * sqlite3_reset).  Every pair of value kinds meets at the same parameter in
 * consecutive statements here, including int 0 / double 0.0 and a double and
 * the int with the same bits, so a wrong skip shows as a wrong value or type.
 */
enum { K_INT, K_NULL, K_HALF, K_ZERO_D, K_ZERO_I, K_TEXT, K_HALF_BITS, K_N };

static int rebind_kind(int i, int c)
{
	int batch = i / 256, pos = i % 256;

	if (c == 0)
		return K_INT;
	/* a third of the positions keep their kind from batch to batch */
	return (pos * 7 + c * 3 + (pos % 3 == 0 ? 0 : batch * (c + 1))) % K_N;
}

START_TEST(bulk_rebind_skips_are_exact)
{
	static const char *const cols[] = { "run_id", "a", "b", "c" };
	const int64_t half_bits = 4602678819172646912LL; /* the bits of 0.5 */
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	char text[32];
	fg_store *st = NULL;
	fg_bulk *b = NULL;
	sqlite3_stmt *s = NULL;
	int64_t run;
	int i, c, n = 256 * 5 + 17; /* full statements (4 columns: 256 rows each) and a rest */

	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	ck_assert_int_eq(fg_store_run_begin(st, &run, NULL, 1), FG_OK);
	/* Columns without a type keep every value's own type (no affinity). */
	ck_assert_int_eq(sqlite3_exec(fg_store_db(st), "CREATE TABLE t (run_id, a, b, c)", NULL,
	                              NULL, NULL), SQLITE_OK);
	bulk_or_fail(&b, st, "t", cols, 4);
	for (i = 0; i < n; i++) {
		for (c = 0; c < 4; c++) {
			switch (rebind_kind(i, c)) {
			case K_INT: fg_bulk_int(b, c == 0 ? i : 42); break;
			case K_NULL: fg_bulk_null(b); break;
			case K_HALF: fg_bulk_double(b, 0.5); break;
			case K_ZERO_D: fg_bulk_double(b, 0.0); break;
			case K_ZERO_I: fg_bulk_int(b, 0); break;
			case K_TEXT:
				snprintf(text, sizeof(text), "t%d", i);
				fg_bulk_text(b, text);
				break;
			default: fg_bulk_int(b, half_bits); break;
			}
		}
		ck_assert_int_eq(fg_bulk_row(b), FG_OK);
	}
	ck_assert_int_eq(fg_store_bulk_end(&b), FG_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(fg_store_db(st), "SELECT run_id, a, b, c FROM t "
	                                    "ORDER BY run_id", -1, &s, NULL), SQLITE_OK);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int64(s, 0), i);
		for (c = 1; c < 4; c++) {
			int k = rebind_kind(i, c), type = sqlite3_column_type(s, c);

			switch (k) {
			case K_INT:
				ck_assert_int_eq(type, SQLITE_INTEGER);
				ck_assert_int_eq(sqlite3_column_int64(s, c), 42);
				break;
			case K_NULL: ck_assert_int_eq(type, SQLITE_NULL); break;
			case K_HALF:
				ck_assert_int_eq(type, SQLITE_FLOAT);
				ck_assert(sqlite3_column_double(s, c) == 0.5);
				break;
			case K_ZERO_D:
				ck_assert_msg(type == SQLITE_FLOAT, "row %d col %d: type %d", i, c, type);
				ck_assert(sqlite3_column_double(s, c) == 0.0);
				break;
			case K_ZERO_I:
				ck_assert_msg(type == SQLITE_INTEGER, "row %d col %d: type %d", i, c, type);
				ck_assert_int_eq(sqlite3_column_int64(s, c), 0);
				break;
			case K_TEXT:
				snprintf(text, sizeof(text), "t%d", i);
				ck_assert_int_eq(type, SQLITE_TEXT);
				ck_assert_str_eq((const char *)sqlite3_column_text(s, c), text);
				break;
			default:
				ck_assert_int_eq(type, SQLITE_INTEGER);
				ck_assert_int_eq(sqlite3_column_int64(s, c), half_bits);
				break;
			}
		}
	}
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/* The plan of sql (EXPLAIN QUERY PLAN details, one per line) into out. */
static void plan_of(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	char q[2048];
	sqlite3_stmt *s = NULL;
	size_t len = 0;

	out[0] = '\0';
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
	              sqlite3_errmsg(db));
	while (sqlite3_step(s) == SQLITE_ROW && len < cap)
		len += (size_t)snprintf(out + len, cap - len, "%s\n", sqlite3_column_text(s, 3));
	sqlite3_finalize(s);
}

/*
 * Storage choices of the write-back (schema version 4): a new file has 16 KiB
 * pages; the per-run tables are stored in their primary keys (WITHOUT ROWID)
 * and the indexes that repeated a key are gone; every index led by run_id
 * has a planner statistics line from the commit (T = rows x runs, R = rows
 * of the run), and a reader's connection plans the documented questions
 * through the indexes, never through a scan of a run.
 */
START_TEST(storage_layout)
{
	static const char *const clustered[] = { "user_scores", "user_features", "links",
		"entity_links", "entities", "hubs", "rings", "components", NULL };
	static const struct { const char *sql, *want; } plans[] = {
		/* explain's ring members and docs/schema.md "Members of a ring" */
		{ "SELECT s.user_id FROM user_scores s WHERE s.run_id = 2 AND s.ring_id = 3",
		  "user_scores_ring (run_id=? AND ring_id=?)" },
		{ "SELECT s.user_id, s.score FROM latest_rings g JOIN user_scores s ON "
		  "s.run_id = g.run_id AND s.ring_id = g.ring_id WHERE g.ring_key = 'R000001'",
		  "user_scores_ring (run_id=? AND ring_id=?)" },
		/* explain's direct links seen from the other side */
		{ "SELECT l.user_id FROM links l WHERE l.run_id = 2 AND l.other_user = 'u3'",
		  "links_other (run_id=? AND other_user=?)" },
		/* a user's links: the key */
		{ "SELECT l.kind FROM links l WHERE l.run_id = 2 AND l.user_id = 'u3'",
		  "PRIMARY KEY (run_id=? AND user_id=?)" },
		/* who else used an entity */
		{ "SELECT l.user_id FROM entity_links l WHERE l.run_id = 2 AND l.entity_id = 0",
		  "PRIMARY KEY (run_id=? AND entity_id=?)" },
		/* one user's history, without an index on user_id: one key lookup per run */
		{ "SELECT r.run_id, s.score FROM user_scores s JOIN runs r ON r.run_id = s.run_id "
		  "AND r.status = 'ok' WHERE s.user_id = 'u1' ORDER BY r.run_id",
		  "PRIMARY KEY (run_id=? AND user_id=?)" },
		{ "SELECT entity_id FROM entities WHERE run_id = 2 AND kind = 'card' AND value = 'c'",
		  "entities_value (run_id=? AND kind=? AND value=?)" },
	};
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "RESULTS.db");
	fg_store *st = NULL;
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	char plan[2048];

	/* big enough for the planner to tell a run's range from a lookup */
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_WRITE), FG_OK);
	commit_run(st, 2000, 1, 0);
	commit_run(st, 2000, 5000, 0);
	fg_store_close(&st);
	ck_assert_int_eq(fg_store_open(&st, path, FG_STORE_READ), FG_OK);
	db = fg_store_db(st);
	ck_assert_int_eq(q_int(db, "PRAGMA page_size"), 16384);
	for (int i = 0; clustered[i]; i++) {
		char sql[160];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sqlite_master WHERE name = '%s' "
		         "AND sql LIKE '%%WITHOUT ROWID'", clustered[i]);
		ck_assert_msg(q_int(db, sql) == 1, "%s is not WITHOUT ROWID", clustered[i]);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
	                           "('user_scores_user', 'links_user', 'hubs_run')"), 0);
	ck_assert_int_eq(q_int(db, "SELECT partial FROM pragma_index_list('user_scores') "
	                           "WHERE name = 'user_scores_ring'"), 1);
	/* Every index led by run_id (and every key of a clustered table) has a template line. */
	ck_assert_int_eq(sqlite3_prepare_v2(db,
	                 "SELECT m.tbl_name, CASE WHEN l.origin = 'pk' THEN m.tbl_name ELSE l.name END "
	                 "FROM sqlite_master m, pragma_index_list(m.name) l "
	                 "WHERE m.type = 'table' AND (SELECT i.name FROM pragma_index_info(l.name) i "
	                 "WHERE i.seqno = 0) = 'run_id'", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		const char *x = (const char *)sqlite3_column_text(s, 1);
		const fg_schema_stat *e = fg_schema_stats;

		while (e->table && !(e->index && !strcmp(e->table, t) && !strcmp(e->index, x)))
			e++;
		ck_assert_msg(e->table != NULL, "no planner statistics for %s.%s", t, x);
	}
	sqlite3_finalize(s);
	/* From the second commit: 2000 rows a run, two runs; every user is in a ring. */
	ck_assert_int_eq(q_int(db, "SELECT stat = '4000 2000 1' FROM sqlite_stat1 "
	                           "WHERE tbl = 'user_scores' AND idx = 'user_scores'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT stat = '4000 2000 5 1' FROM sqlite_stat1 "
	                           "WHERE tbl = 'links' AND idx = 'links'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT stat = '4000 2000 3 1' FROM sqlite_stat1 "
	                           "WHERE tbl = 'entity_links' AND idx = 'entity_links'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT stat = '4000 2000 4' FROM sqlite_stat1 "
	                           "WHERE tbl = 'user_scores' AND idx = 'user_scores_ring'"), 1);
	/* one hub a run: the rows per value are capped at the run's rows */
	ck_assert_int_eq(q_int(db, "SELECT stat = '2 1 1 1' FROM sqlite_stat1 "
	                           "WHERE tbl = 'hubs' AND idx = 'hubs'"), 1);
	ck_assert_int_eq(q_int(db, "SELECT stat FROM sqlite_stat1 WHERE tbl = 'runs'"), 2);
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		plan_of(db, plans[i].sql, plan, sizeof(plan));
		ck_assert_msg(strstr(plan, plans[i].want) != NULL, "%s\nplanned as\n%s\nnot %s",
		              plans[i].sql, plan, plans[i].want);
		ck_assert_msg(!strstr(plan, "(run_id=?)\n") && !strstr(plan, "SCAN user_scores") &&
		              !strstr(plan, "SCAN l\n") && !strstr(plan, "SCAN s\n"),
		              "%s\nreads a whole run:\n%s", plans[i].sql, plan);
	}
	/* The second run's ring members are found through the index. */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM user_scores INDEXED BY user_scores_ring "
	                           "WHERE run_id = 2 AND ring_id >= 0"),
	                 q_int(db, "SELECT count(*) FROM user_scores NOT INDEXED "
	                           "WHERE run_id = 2 AND ring_id IS NOT NULL"));
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM user_features"), 4000);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM pragma_integrity_check "
	                           "WHERE integrity_check = 'ok'"), 1);
	fg_store_close(&st);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, create_schema_and_version);
	tcase_add_test(tc, commit_visible_only_after_commit);
	tcase_add_test(tc, rollback_and_close_leave_nothing);
	tcase_add_test(tc, second_writer_busy_at_once);
	tcase_add_test(tc, foreign_files_refused);
	tcase_add_test(tc, newer_schema_refused);
	tcase_add_test(tc, migration_to_a_later_version);
	tcase_add_test(tc, migration_from_v3_keeps_every_row);
	tcase_add_test(tc, migration_from_v4_keeps_every_row);
	tcase_add_test(tc, bulk_round_trip_exact);
	tcase_add_test(tc, retention_keeps_newest_without_orphans);
	tcase_add_test(tc, views_show_latest_run_only);
	tcase_add_test(tc, previous_ring_members);
	tcase_add_test(tc, missing_and_unwritable_paths);
	tcase_add_test(tc, documented_queries_run);
	tcase_add_test(tc, killed_run_leaves_previous_run);
	tcase_add_test(tc, bulk_rebind_skips_are_exact);
	tcase_add_test(tc, storage_layout);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
