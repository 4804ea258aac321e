/*
 * End-to-end tests of `fraudgraph run` through the real binary and real
 * SQLite files: exit codes, the runs row, hubs, scores on hand-made worlds,
 * rings that keep their identity across nights, retention, determinism over
 * thread counts and row orders, SQLite input, and the analyst queries of
 * docs/schema.md run against a real results database.
 */
#include "fg_test.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strings a test allocates, freed by the teardown (LeakSanitizer checks each test's exit). */
static void *kept[4096];
static int n_kept;

static void *keep(void *p)
{
	ck_assert_int_lt(n_kept, 4096);
	kept[n_kept++] = p;
	return p;
}

static void free_kept(void)
{
	while (n_kept > 0)
		free(kept[--n_kept]);
}

static char *sample(const char *rel)
{
	return keep(fgt_sample(rel));
}

/* fgt_q_text, freed with the test's other strings */
static char *q_text(sqlite3 *db, const char *sql)
{
	return keep(fgt_q_text(db, sql));
}

/* Run `fraudgraph run --quiet --top 0 --db DB ARGS...`; returns the exit code. */
static int run_fg(const char *db, char **err, const char *const *args)
{
	const char *argv[64];
	int n = 0;

	argv[n++] = "run";
	argv[n++] = "--quiet";
	argv[n++] = "--top";
	argv[n++] = "0";
	argv[n++] = "--db";
	argv[n++] = db;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return fgt_run(NULL, err, NULL, NULL, argv);
}

static void run_ok(const char *db, const char *const *args)
{
	char *err = NULL;
	int rc = run_fg(db, &err, args);

	ck_assert_msg(rc == 0, "run failed (%d): %s", rc, err ? err : "");
	free(err);
}

START_TEST(help_and_usage_errors)
{
	char *out = NULL, *err = NULL;

	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, (const char *[]){ "run", "--help", NULL }), 0);
	ck_assert_ptr_nonnull(strstr(out, "Exit codes"));
	ck_assert_ptr_nonnull(strstr(out, "--max-share"));
	free(out);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, (const char *[]){ "run", NULL }), 2);
	ck_assert_ptr_nonnull(strstr(err, "fraudgraph: "));
	free(err);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL,
	                         (const char *[]){ "run", "--db", "x.db", "--bogus", NULL }), 2);
	free(err);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL,
	                         (const char *[]){ "run", "--db", "x.db", "--edges", "e.csv",
	                                           "--threads", "zero", NULL }), 2);
	free(err);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, (const char *[]){ "--version", NULL }), 0);
	ck_assert_ptr_nonnull(strstr(out, "fraudgraph "));
	free(out);
	ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, (const char *[]){ "nosuchcommand", NULL }), 2);
}
END_TEST

START_TEST(ring_beats_household)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "r.db"));
	char *e = sample("ring-vs-household/edges.csv"), *u = sample("ring-vs-household/users.csv");
	sqlite3 *h;
	double ring, hh;

	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	h = fgt_db_ro(db);
	ck_assert_str_eq(q_text(h, "SELECT status FROM runs"), "ok");
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM runs"), 9);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_seeds FROM runs"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_legit FROM runs"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings"), 2);
	ring = fgt_q_dbl(h, "SELECT r.ring_score FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	                "AND u.ring_id = r.ring_id WHERE u.user_id = 'ring_u3'");
	hh = fgt_q_dbl(h, "SELECT r.ring_score FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	              "AND u.ring_id = r.ring_id WHERE u.user_id = 'hh_u3'");
	ck_assert_msg(ring > hh, "ring %g should score above household %g", ring, hh);
	ck_assert_msg(ring > 2 * hh, "ring %g should clearly beat household %g", ring, hh);
	/* components of two users or more are scored too, on the same formula */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM components WHERE component_score IS NULL"), 0);
	ck_assert(fgt_q_dbl(h, "SELECT c.component_score FROM components c JOIN user_scores u ON "
	                   "u.run_id = c.run_id AND u.component_id = c.component_id WHERE u.user_id = 'ring_u1'") >
	          fgt_q_dbl(h, "SELECT c.component_score FROM components c JOIN user_scores u ON "
	                   "u.run_id = c.run_id AND u.component_id = c.component_id WHERE u.user_id = 'hh_u1'"));
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	                          "AND u.ring_id = r.ring_id WHERE u.user_id = 'ring_u3'"), 5);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_cards FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	                          "AND u.ring_id = r.ring_id WHERE u.user_id = 'ring_u3'"), 2);
	/* the seed's nearest seed is itself; a ring member reaches it through a card */
	ck_assert_int_eq(fgt_q_int(h, "SELECT seed_hops FROM user_scores WHERE user_id = 'ring_u1'"), 0);
	ck_assert_int_eq(fgt_q_int(h, "SELECT seed_hops FROM user_scores WHERE user_id = 'ring_u2'"), 2);
	ck_assert_str_eq(q_text(h, "SELECT nearest_seed FROM user_scores WHERE user_id = 'ring_u5'"),
	                 "ring_u1");
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE user_id LIKE 'hh_%' "
	                          "AND nearest_seed IS NOT NULL"), 0);
	ck_assert_str_eq(q_text(h, "SELECT label FROM user_scores WHERE user_id = 'hh_u2'"), "legit");
	/* features */
	ck_assert_int_eq(fgt_q_int(h, "SELECT deg_card FROM user_features WHERE user_id = 'ring_u2'"), 2);
	ck_assert_int_eq(fgt_q_int(h, "SELECT ring_size FROM user_features WHERE user_id = 'ring_u2'"), 5);
	ck_assert_int_eq(fgt_q_int(h, "SELECT seeds_2hop FROM user_features WHERE user_id = 'ring_u2'"), 1);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(hubs_recorded_and_cut)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "h.db"));
	char *e = sample("hub/edges.csv"), *u = sample("hub/users.csv");
	sqlite3 *h;

	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM hubs"), 2);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_hubs FROM runs"), 2);
	ck_assert_int_eq(fgt_q_int(h, "SELECT share FROM hubs WHERE kind = 'address'"), 55);
	ck_assert_int_eq(fgt_q_int(h, "SELECT max_share FROM hubs WHERE kind = 'address'"), 50);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM hubs WHERE reason LIKE '%max-share%'"), 2);
	/* only fw_u01 and fw_u02 stay linked */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT max(n_users) FROM components"), 2);
	sqlite3_close(h);
	/* a raised cap keeps the hub in the graph: everyone in one component */
	run_ok(db, (const char *[]){ "--edges", e, "--users", u, "--max-share", "address=100",
	                             "--max-share", "device=100", NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM hubs WHERE run_id = 2"), 0);
	ck_assert_int_ge(fgt_q_int(h, "SELECT max(n_users) FROM components WHERE run_id = 2"), 55);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(collusion_through_user_links)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "c.db"));
	char *e = sample("collusion/edges.csv"), *u = sample("collusion/users.csv");
	sqlite3 *h;

	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_gt(fgt_q_int(h, "SELECT n_user_links FROM runs"), 0);
	/* one component; every colluder in a ring (label-propagation ties may split a star of
	 * equal links in two: see docs/scoring.md) */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(DISTINCT component_id) FROM user_scores WHERE user_id IN "
	                          "('col_b1','col_b2','col_b3','col_b4','col_s1')"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE ring_id IS NOT NULL AND user_id IN "
	                          "('col_b1','col_b2','col_b3','col_b4','col_s1')"), 5);
	ck_assert_int_le(fgt_q_int(h, "SELECT count(DISTINCT ring_id) FROM user_scores WHERE user_id IN "
	                          "('col_b1','col_b2','col_b3','col_b4','col_s1')"), 2);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM links WHERE other_user IS NOT NULL"), 0);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(bad_rows_exit_3_and_nothing_lost)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "b.db"));
	char *good = sample("ring-vs-household/edges.csv");
	char *bad = sample("bad-rows/edges.csv");
	char *err = NULL, *digest;
	sqlite3 *h;

	run_ok(db, (const char *[]){ "--edges", good, NULL });
	h = fgt_db_ro(db);
	digest = q_text(h, "SELECT output_digest FROM runs");
	sqlite3_close(h);

	ck_assert_int_eq(run_fg(db, &err, (const char *[]){ "--edges", bad, "--strict", NULL }), 3);
	ck_assert_msg(strstr(err, "bad-rows/edges.csv:3") != NULL, "message names file:line: %s", err);
	free(err);
	ck_assert_int_eq(run_fg(db, &err, (const char *[]){ "--edges", bad, "--max-bad-rows", "2", NULL }), 3);
	ck_assert_ptr_nonnull(strstr(err, "bad-rows/edges.csv:"));
	ck_assert_ptr_nonnull(strstr(err, "nothing of this run was stored"));
	free(err);

	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM runs"), 1);
	ck_assert_str_eq(q_text(h, "SELECT output_digest FROM runs"), digest);
	ck_assert_str_eq(q_text(h, "PRAGMA integrity_check"), "ok");
	sqlite3_close(h);

	/* under the limit: skipped, counted, summarised in runs.bad_rows (another, smaller export) */
	run_ok(db, (const char *[]){ "--edges", bad, "--allow-drop", NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM runs"), 2);
	ck_assert_int_ge(fgt_q_int(h, "SELECT n_bad_rows FROM runs WHERE run_id = 2"), 5);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM runs WHERE run_id = 2 AND bad_rows LIKE '%edges.csv:%'"), 0);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(time_window_keeps_recent_links)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "tw.db")), *e = keep(fgt_path(dir, "e.csv"));
	char *err = NULL;
	sqlite3 *h;

	fgt_write_file(e, "user_id,kind,value,seen_at\n"
	               "a,card,c1,2026-01-01T00:00:00Z\n"
	               "b,card,c1,2026-06-01T00:00:00Z\n"
	               "c,card,c2,\n", (size_t)-1);
	run_ok(db, (const char *[]){ "--edges", e, "--since", "2026-03-01", NULL });
	run_ok(db, (const char *[]){ "--edges", e, "--window", "30", "--as-of", "2026-06-15", NULL });
	run_ok(db, (const char *[]){ "--edges", e, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_filtered FROM runs WHERE run_id = 1"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_links FROM runs WHERE run_id = 1"), 2);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_filtered FROM runs WHERE run_id = 2"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_links FROM runs WHERE run_id = 3"), 3);
	ck_assert_int_eq(fgt_q_int(h, "SELECT json_extract(params, '$.since') FROM runs WHERE run_id = 2"),
	                 1781481600 - 30 * 86400); /* 2026-06-15T00:00:00Z minus 30 days */
	sqlite3_close(h);
	ck_assert_int_eq(run_fg(db, &err, (const char *[]){ "--edges", e, "--since", "yesterday", NULL }), 2);
	free(err);
	ck_assert_int_eq(run_fg(db, &err, (const char *[]){ "--edges", e, "--as-of", "2026-06-15", NULL }), 2);
	free(err);
	fgt_rmtree(dir);
}
END_TEST

/* runs.inputs and runs.bad_rows are JSON, whatever the input's name (control bytes expand 6x). */
START_TEST(inputs_json_escapes_any_file_name)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "j.db"));
	char name[201], *e;
	sqlite3 *h;
	sqlite3_stmt *st = NULL;

	memset(name, 0x01, 200);
	name[200] = '\0';
	e = keep(fgt_path(dir, name));
	fgt_write_file(e, "user_id,kind,value\na,card,c\nb,card,c\nb,card\n", (size_t)-1);
	run_ok(db, (const char *[]){ "--edges", e, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT json_valid(inputs) AND json_valid(bad_rows) FROM runs"), 1);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT json_extract(inputs, '$[0].edges') = ? FROM runs",
	                                    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, e, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	ck_assert_int_eq(fgt_q_int(h, "SELECT json_extract(bad_rows, '$.\"missing field\".count') FROM runs"), 1);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(missing_input_is_runtime_error)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "m.db"));
	char *err = NULL;

	ck_assert_int_eq(run_fg(db, &err, (const char *[]){ "--edges", "/nonexistent/e.csv", NULL }), 1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/e.csv"));
	free(err);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(empty_and_single_user_worlds)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "e.db"));
	char *e0 = keep(fgt_path(dir, "empty.csv")), *e1 = keep(fgt_path(dir, "one.csv"));
	sqlite3 *h;

	fgt_write_file(e0, "user_id,kind,value\n", (size_t)-1);
	fgt_write_file(e1, "user_id,kind,value\nalice,device,d1\nalice,device,d1\n", (size_t)-1);
	/* a header only is an empty export: refused (exit 3), nothing stored (issue 11) */
	{
		char *err = NULL;
		ck_assert_int_eq(run_fg(db, &err, (const char *[]){ "--edges", e0, NULL }), 3);
		ck_assert_msg(strstr(err, "no links in the input") != NULL, "%s", err);
		free(err);
	}
	run_ok(db, (const char *[]){ "--edges", e1, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM runs WHERE run_id = (SELECT max(run_id) FROM runs)"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_links FROM runs WHERE run_id = (SELECT max(run_id) FROM runs)"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = (SELECT max(run_id) FROM runs)"), 0);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE run_id = (SELECT max(run_id) FROM runs)"), 1);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

/* Write the data rows of src in reverse order (header first) to dst. */
static void reverse_rows(const char *src, const char *dst)
{
	char *buf = keep(fgt_read_file(src, NULL)), *nl, **lines = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	ck_assert_ptr_nonnull(buf);
	for (char *p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			lines = realloc(lines, cap * sizeof(*lines));
		}
		lines[n++] = p;
	}
	f = fopen(dst, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", lines[0]);
	for (size_t i = n; i > 1; i--)
		fprintf(f, "%s\n", lines[i - 1]);
	fclose(f);
	free(lines);
}

START_TEST(digest_independent_of_threads_and_row_order)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "d.db"));
	char *e = sample("world/edges.csv"), *u = sample("world/users.csv");
	char *er = keep(fgt_path(dir, "rev_edges.csv")), *ur = keep(fgt_path(dir, "rev_users.csv"));
	sqlite3 *h;

	reverse_rows(e, er);
	reverse_rows(u, ur);
	run_ok(db, (const char *[]){ "--edges", e, "--users", u, "--threads", "1", NULL });
	run_ok(db, (const char *[]){ "--edges", e, "--users", u, "--threads", "2", NULL });
	run_ok(db, (const char *[]){ "--edges", e, "--users", u, "--threads", "3", NULL });
	run_ok(db, (const char *[]){ "--edges", er, "--users", ur, "--threads", "8", NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(DISTINCT output_digest) FROM runs"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(DISTINCT input_digest) FROM runs"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM runs WHERE length(output_digest) = 32"), 4);
	/* the same data every night: every ring stable, same keys */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = 4 AND status <> 'stable'"), 0);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings a JOIN rings b ON a.ring_id = b.ring_id "
	                          "AND a.run_id = 1 AND b.run_id = 4 AND a.ring_key = b.ring_key"),
	                 fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = 1"));
	/* every table filled */
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE run_id = 4"), 1000);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = 4"), 3);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM components WHERE run_id = 4"), 3);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM entities WHERE run_id = 4"), 10);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM links WHERE run_id = 4"), 10);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM user_features WHERE run_id = 4"), 1000);
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM hubs WHERE run_id = 4"), 0);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

/* Load truth.csv (user_id,ring_id,role; no quoting) into a temp table of h. */
static void load_truth(sqlite3 *h, const char *path)
{
	char *buf = keep(fgt_read_file(path, NULL)), *line, *save = NULL;
	sqlite3_stmt *st = NULL;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(sqlite3_exec(h, "CREATE TEMP TABLE truth(user_id TEXT, ring_id TEXT, role TEXT)",
	                              NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "INSERT INTO truth VALUES (?, ?, ?)", -1, &st, NULL), SQLITE_OK);
	line = strtok_r(buf, "\r\n", &save); /* header */
	while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
		char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		ck_assert_ptr_nonnull(c2);
		*c1 = *c2 = '\0';
		sqlite3_bind_text(st, 1, line, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, c1 + 1, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, c2 + 1, -1, SQLITE_TRANSIENT);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

START_TEST(planted_rings_rank_first_on_world)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "w.db"));
	char *e = sample("world/edges.csv"), *u = sample("world/users.csv"), *t = sample("world/truth.csv");
	sqlite3 *h = NULL;

	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	load_truth(h, t);
	/* a ring's planted role: the majority role of its members (ordinary users count as '-') */
	ck_assert_int_eq(sqlite3_exec(h,
		"CREATE TEMP VIEW ring_role AS SELECT r.ring_id, r.ring_score, "
		"(SELECT coalesce(t.role, '-') FROM user_scores s LEFT JOIN truth t ON t.user_id = s.user_id "
		"  WHERE s.run_id = r.run_id AND s.ring_id = r.ring_id "
		"  GROUP BY coalesce(t.role, '-') ORDER BY count(*) DESC LIMIT 1) AS role "
		"FROM rings r", NULL, NULL, NULL), SQLITE_OK);
	/* the five top rings are planted fraud: the three rings and the two collusion groups */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM (SELECT role FROM ring_role ORDER BY ring_score DESC "
	                          "LIMIT 5) WHERE role IN ('ring', 'collusion')"), 5);
	/* every planted ring ranks above every household and office */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM ring_role a, ring_role b WHERE a.role = 'ring' "
	                          "AND b.role IN ('household', 'office') AND a.ring_score <= b.ring_score"), 0);
	/* the stolen card's victim is in the ring's component */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM truth t JOIN user_scores s ON s.user_id = t.user_id "
	                          "WHERE t.role = 'victim' AND s.component_id NOT IN (SELECT s2.component_id "
	                          "FROM truth t2 JOIN user_scores s2 ON s2.user_id = t2.user_id "
	                          "WHERE t2.ring_id = t.ring_id AND t2.role = 'ring')"), 0);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(ring_grows_keeps_key_then_merges_and_splits)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "t.db"));
	char *n1 = keep(fgt_path(dir, "n1.csv")), *n2 = keep(fgt_path(dir, "n2.csv"));
	char *n3 = keep(fgt_path(dir, "n3.csv")), *n4 = keep(fgt_path(dir, "n4.csv"));
	char *k1, *k2;
	sqlite3 *h;

	/* night 1: ring A (a1..a3 share card ca), ring B (b1..b3 share card cb) */
	fgt_write_file(n1, "user_id,kind,value\n"
	               "a1,card,ca\na2,card,ca\na3,card,ca\n"
	               "b1,card,cb\nb2,card,cb\nb3,card,cb\n", (size_t)-1);
	/* night 2: a4 joins A */
	fgt_write_file(n2, "user_id,kind,value\n"
	               "a1,card,ca\na2,card,ca\na3,card,ca\na4,card,ca\n"
	               "b1,card,cb\nb2,card,cb\nb3,card,cb\n", (size_t)-1);
	/* night 3: A and B fused by a shared card used by everyone */
	fgt_write_file(n3, "user_id,kind,value\n"
	               "a1,card,ca\na2,card,ca\na3,card,ca\na4,card,ca\n"
	               "b1,card,cb\nb2,card,cb\nb3,card,cb\n"
	               "a1,card,cx\na2,card,cx\na3,card,cx\na4,card,cx\nb1,card,cx\nb2,card,cx\nb3,card,cx\n",
	               (size_t)-1);
	/* night 4: apart again */
	fgt_write_file(n4, "user_id,kind,value\n"
	               "a1,card,ca\na2,card,ca\na3,card,ca\na4,card,ca\n"
	               "b1,card,cb\nb2,card,cb\nb3,card,cb\n", (size_t)-1);
	run_ok(db, (const char *[]){ "--edges", n1, NULL });
	run_ok(db, (const char *[]){ "--edges", n2, NULL });
	h = fgt_db_ro(db);
	k1 = q_text(h, "SELECT r.ring_key FROM rings r JOIN user_scores u ON u.run_id = r.run_id AND "
	               "u.ring_id = r.ring_id WHERE r.run_id = 1 AND u.user_id = 'a1'");
	k2 = q_text(h, "SELECT r.ring_key FROM rings r JOIN user_scores u ON u.run_id = r.run_id AND "
	               "u.ring_id = r.ring_id WHERE r.run_id = 2 AND u.user_id = 'a1'");
	ck_assert_str_eq(k1, k2);
	ck_assert_str_eq(q_text(h, "SELECT status FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	                           "AND u.ring_id = r.ring_id WHERE r.run_id = 2 AND u.user_id = 'a1'"), "grown");
	ck_assert_str_eq(q_text(h, "SELECT status FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	                           "AND u.ring_id = r.ring_id WHERE r.run_id = 2 AND u.user_id = 'b1'"), "stable");
	sqlite3_close(h);
	run_ok(db, (const char *[]){ "--edges", n3, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = 3"), 1);
	ck_assert_str_eq(q_text(h, "SELECT status FROM rings WHERE run_id = 3"), "merged");
	ck_assert_str_eq(q_text(h, "SELECT ring_key FROM rings WHERE run_id = 3"), k1); /* A had 4 > 3 */
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = 3 AND prev_keys LIKE '%,%'"), 0);
	sqlite3_close(h);
	run_ok(db, (const char *[]){ "--edges", n4, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = 4 AND status = 'split'"), 2);
	ck_assert_str_eq(q_text(h, "SELECT r.ring_key FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	                           "AND u.ring_id = r.ring_id WHERE r.run_id = 4 AND u.user_id = 'a1'"), k1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT first_run_id FROM rings r JOIN user_scores u ON u.run_id = r.run_id "
	                          "AND u.ring_id = r.ring_id WHERE r.run_id = 4 AND u.user_id = 'a1'"), 1);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

/* The README's second night: a ring grows under its key, a new ring appears. */
START_TEST(second_night_of_the_world)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "n.db"));
	char *e = sample("world/edges.csv"), *u = sample("world/users.csv");
	char *e2 = sample("night2/edges.csv"), *u2 = sample("night2/users.csv");
	char *k1;
	sqlite3 *h;

	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	run_ok(db, (const char *[]){ "--edges", e, "--users", u, "--edges", e2, "--users", u2, NULL });
	h = fgt_db_ro(db);
	k1 = q_text(h, "SELECT r.ring_key FROM rings r JOIN user_scores s ON s.run_id = r.run_id "
	               "AND s.ring_id = r.ring_id WHERE r.run_id = 1 AND s.user_id = 'u03e86bba'");
	ck_assert_str_eq(q_text(h, "SELECT r.ring_key FROM rings r JOIN user_scores s ON s.run_id = r.run_id "
	                           "AND s.ring_id = r.ring_id WHERE r.run_id = 2 AND s.user_id = 'n2_join1'"), k1);
	ck_assert_str_eq(q_text(h, "SELECT r.status FROM rings r JOIN user_scores s ON s.run_id = r.run_id "
	                           "AND s.ring_id = r.ring_id WHERE r.run_id = 2 AND s.user_id = 'n2_join2'"), "grown");
	ck_assert_int_eq(fgt_q_int(h, "SELECT r.n_users FROM rings r JOIN user_scores s ON s.run_id = r.run_id "
	                          "AND s.ring_id = r.ring_id WHERE r.run_id = 2 AND s.user_id = 'n2_ring3'"), 4);
	ck_assert_str_eq(q_text(h, "SELECT r.status FROM rings r JOIN user_scores s ON s.run_id = r.run_id "
	                           "AND s.ring_id = r.ring_id WHERE r.run_id = 2 AND s.user_id = 'n2_ring3'"), "new");
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings WHERE run_id = 2 AND status NOT IN ('stable')"), 2);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(dissolved_ring_recorded)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "x.db"));
	char *n1 = keep(fgt_path(dir, "n1.csv")), *n2 = keep(fgt_path(dir, "n2.csv"));
	sqlite3 *h;

	fgt_write_file(n1, "user_id,kind,value\na1,card,ca\na2,card,ca\nb1,card,cb\nb2,card,cb\n", (size_t)-1);
	fgt_write_file(n2, "user_id,kind,value\na1,card,ca\na2,card,ca\nb1,card,cb1\nb2,card,cb2\n", (size_t)-1);
	run_ok(db, (const char *[]){ "--edges", n1, NULL });
	run_ok(db, (const char *[]){ "--edges", n2, NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM dissolved_rings WHERE run_id = 2"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT prev_n_users FROM dissolved_rings WHERE run_id = 2"), 2);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(retention_keeps_newest)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "k.db"));
	char *e = sample("ring-vs-household/edges.csv");
	const char *tables[] = { "user_scores", "rings", "components", "entities", "links",
	                         "user_features", "hubs", "dissolved_rings" };
	sqlite3 *h;

	for (int i = 0; i < 3; i++)
		run_ok(db, (const char *[]){ "--edges", e, "--keep-runs", "2", NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM runs"), 2);
	ck_assert_int_eq(fgt_q_int(h, "SELECT min(run_id) FROM runs"), 2);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = 1", tables[i]);
		ck_assert_int_eq(fgt_q_int(h, sql), 0);
	}
	ck_assert_int_gt(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE run_id = 3"), 0);
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

START_TEST(sqlite_input_equals_csv)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "s.db")), *src = keep(fgt_path(dir, "src.db"));
	char *e = sample("ring-vs-household/edges.csv"), *u = sample("ring-vs-household/users.csv");
	char cmd[8192];
	sqlite3 *h;

	snprintf(cmd, sizeof(cmd),
	         "sqlite3 '%s' \".mode csv\" \".import '%s' edges\" \".import '%s' users\"", src, e, u);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	run_ok(db, (const char *[]){ "--input", src, NULL });
	run_ok(db, (const char *[]){ "--input", src, "--edges-sql",
	                             "SELECT user_id, kind, value, seen_at FROM edges WHERE kind <> 'device'",
	                             NULL });
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(DISTINCT input_digest) FROM runs WHERE run_id <= 2"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(DISTINCT output_digest) FROM runs WHERE run_id <= 2"), 1);
	ck_assert_int_lt(fgt_q_int(h, "SELECT n_links FROM runs WHERE run_id = 3"),
	                 fgt_q_int(h, "SELECT n_links FROM runs WHERE run_id = 2"));
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

/* Every ```sql block of docs/schema.md runs against a real results database. */
START_TEST(documented_queries_run)
{
	char *dir = keep(fgt_tmpdir()), *db = keep(fgt_path(dir, "q.db"));
	char *e = sample("world/edges.csv"), *u = sample("world/users.csv");
	char path[4096], *doc, *p;
	sqlite3 *h;
	int nq = 0;

	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	run_ok(db, (const char *[]){ "--edges", e, "--users", u, NULL });
	snprintf(path, sizeof(path), "%s/docs/schema.md", fgt_source_root());
	doc = keep(fgt_read_file(path, NULL));
	ck_assert_ptr_nonnull(doc);
	h = fgt_db_ro(db);
	for (p = doc; (p = strstr(p, "```sql\n")) != NULL;) {
		char *q = p + 7, *end = strstr(q, "```");
		const char *tail;
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		for (const char *s = q; s && *s;) {
			sqlite3_stmt *st = NULL;
			int rc = sqlite3_prepare_v2(h, s, -1, &st, &tail);
			ck_assert_msg(rc == SQLITE_OK, "documented query fails: %s\n%s", sqlite3_errmsg(h), s);
			if (!st)
				break;
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				;
			ck_assert_msg(rc == SQLITE_DONE, "documented query fails: %s\n%s", sqlite3_errmsg(h), s);
			sqlite3_finalize(st);
			nq++;
			s = tail;
		}
		p = end + 3;
	}
	ck_assert_int_ge(nq, 6);
	{
		/*
		 * "Who else shares an entity with a user" goes from the user's links to
		 * the entity's users by entity_links' key (schema version 5; it used the
		 * index links_entity before), reading no whole run of any table.
		 */
		static const char who_else[] =
			"EXPLAIN QUERY PLAN SELECT l.kind, e.value, o.user_id, s.score FROM links l"
			" JOIN entities e ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
			" JOIN entity_links o ON o.run_id = l.run_id AND o.entity_id = l.entity_id"
			" AND o.user_id <> l.user_id"
			" JOIN user_scores s ON s.run_id = o.run_id AND s.user_id = o.user_id"
			" WHERE l.run_id = (SELECT run_id FROM latest_run) AND l.user_id = 'u1'"
			" ORDER BY e.is_hub, e.share, o.user_id";
		sqlite3_stmt *st = NULL;
		bool by_entity = false;

		ck_assert_int_eq(sqlite3_prepare_v2(h, who_else, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);

			by_entity |= strcmp(d, "SEARCH o USING PRIMARY KEY (run_id=? AND entity_id=?)") == 0;
			ck_assert_msg(strncmp(d, "SCAN ", 5) && !strstr(d, "(run_id=?)"),
			              "who else shares an entity reads a whole run: %s", d);
		}
		sqlite3_finalize(st);
		ck_assert_msg(by_entity, "who else shares an entity: not by entity_links' key");
	}
	sqlite3_close(h);
	fgt_rmtree(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");

	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, NULL, free_kept);
	tcase_add_test(tc, help_and_usage_errors);
	tcase_add_test(tc, ring_beats_household);
	tcase_add_test(tc, hubs_recorded_and_cut);
	tcase_add_test(tc, collusion_through_user_links);
	tcase_add_test(tc, bad_rows_exit_3_and_nothing_lost);
	tcase_add_test(tc, time_window_keeps_recent_links);
	tcase_add_test(tc, inputs_json_escapes_any_file_name);
	tcase_add_test(tc, missing_input_is_runtime_error);
	tcase_add_test(tc, empty_and_single_user_worlds);
	tcase_add_test(tc, digest_independent_of_threads_and_row_order);
	tcase_add_test(tc, planted_rings_rank_first_on_world);
	tcase_add_test(tc, ring_grows_keeps_key_then_merges_and_splits);
	tcase_add_test(tc, second_night_of_the_world);
	tcase_add_test(tc, dissolved_ring_recorded);
	tcase_add_test(tc, retention_keeps_newest);
	tcase_add_test(tc, sqlite_input_equals_csv);
	tcase_add_test(tc, documented_queries_run);
	suite_add_tcase(s, tc);
	return fgt_run_suite(s);
}
