/*
 * The results reader (src/fg_results.h) on a real database: two nights of
 * data-samples (world, then world + night2) written by the real `fraudgraph
 * run`.  Each getter is checked against plain SQL on the same file (written
 * here, independently of the reader) and against the facts data-samples
 * documents (R000005 grows from 10 to 13 users with three new accounts; a new
 * ring of four; seven hubs).  Also: the open checks (missing file, foreign
 * file, newer schema) and the accounts rule of issue 11: a reader run by
 * another account, or one that cannot write the directory, reads and leaves
 * nothing the writer cannot use.
 */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_results.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;
static char *db_path;

static char *sample(const char *name)
{
	char *p = malloc(strlen(fgt_source_root()) + strlen(name) + 32);

	sprintf(p, "%s/data-samples/%s", fgt_source_root(), name);
	return p;
}

/* Two nights of data-samples into path with the real binary. */
static void two_nights(const char *path)
{
	char *we = sample("world/edges.csv"), *wu = sample("world/users.csv");
	char *ne = sample("night2/edges.csv"), *nu = sample("night2/users.csv"), *err = NULL;
	const char *n1[] = { "run", "--db", path, "--edges", we, "--users", wu, NULL };
	const char *n2[] = { "run", "--db", path, "--edges", we, "--users", wu, "--edges", ne,
	                     "--users", nu, NULL };
	int rc;

	rc = fgt_run(NULL, &err, NULL, NULL, n1);
	ck_assert_msg(rc == 0, "night 1: %d %s", rc, err);
	free(err);
	rc = fgt_run(NULL, &err, NULL, NULL, n2);
	ck_assert_msg(rc == 0, "night 2: %d %s", rc, err);
	free(err);
	free(we);
	free(wu);
	free(ne);
	free(nu);
}

static void setup(void)
{
	tmp = fgt_tmpdir();
	db_path = fgt_path(tmp, "r.db");
	two_nights(db_path);
}

static void teardown(void)
{
	fgt_rmtree(tmp);
	free(tmp);
	free(db_path);
}

/* One integer from plain SQL on the file (never through the reader). */
static int64_t sql_int(const char *sql, const char *arg)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v;

	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
	              sqlite3_errmsg(db));
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static fg_results *open_ok(void)
{
	fg_results *r = NULL;

	ck_assert_msg(fg_results_open(&r, db_path) == FG_OK, "%s", fg_error_msg());
	return r;
}

START_TEST(runs_are_picked)
{
	fg_results *r = open_ok();
	fg_res_arena a = { 0 };
	fg_res_run run;
	int64_t prev;

	ck_assert_int_eq(fg_results_run_pick(&run, &a, r, NULL), FG_OK);
	ck_assert_int_eq(run.run_id, 2);
	ck_assert_str_eq(run.status, "ok");
	ck_assert_ptr_nonnull(run.started_at);
	ck_assert_int_eq(fg_results_run_pick(&run, &a, r, "latest"), FG_OK);
	ck_assert_int_eq(run.run_id, 2);
	ck_assert_int_eq(fg_results_run_pick(&run, &a, r, "1"), FG_OK);
	ck_assert_int_eq(run.run_id, 1);
	ck_assert_int_eq(fg_results_run_pick(&run, &a, r, "7"), FG_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "run 7 is not in"));
	ck_assert_int_eq(fg_results_run_pick(&run, &a, r, "two"), FG_EUSAGE);
	ck_assert_int_eq(fg_results_run_previous(&prev, r, 2), FG_OK);
	ck_assert_int_eq(prev, 1);
	ck_assert_int_eq(fg_results_run_previous(&prev, r, 1), FG_OK);
	ck_assert_int_eq(prev, 0);
	ck_assert_int_eq(fg_results_schema_version(r),
	                 (int)sql_int("PRAGMA user_version", NULL));
	fg_res_arena_free(&a);
	fg_results_close(&r);
	ck_assert_ptr_null(r);
	fg_results_close(&r); /* NULL-safe */
}
END_TEST

START_TEST(user_and_features)
{
	fg_results *r = open_ok();
	fg_res_arena a = { 0 };
	fg_res_user u;
	fg_res_features f;
	bool found;

	ck_assert_int_eq(fg_results_user(&u, &a, r, 2, "n2_ring3"), FG_OK);
	ck_assert_str_eq(u.user_id, "n2_ring3");
	ck_assert_ptr_null(u.label);
	ck_assert(u.has_ring && u.has_component && u.has_hops);
	ck_assert_int_eq(u.ring_id, sql_int("SELECT ring_id FROM user_scores WHERE run_id = 2"
	                                    " AND user_id = ?", "n2_ring3"));
	ck_assert_int_eq(u.seed_hops, sql_int("SELECT seed_hops FROM user_scores WHERE run_id = 2"
	                                      " AND user_id = ?", "n2_ring3"));
	ck_assert_str_eq(u.nearest_seed, "n2_ring1");
	ck_assert(u.score > 0 && u.score <= 1);
	ck_assert_int_eq(fg_results_user(&u, &a, r, 2, "n2_ring1"), FG_OK);
	ck_assert_str_eq(u.label, "fraud");
	ck_assert_int_eq(u.seed_hops, 0);
	/* night2's users are not in night 1 */
	ck_assert_int_eq(fg_results_user(&u, &a, r, 1, "n2_ring3"), FG_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "user 'n2_ring3' is not in run 1 of"));
	/* an id with a control character is quoted in the message */
	ck_assert_int_eq(fg_results_user(&u, &a, r, 2, "a\nb"), FG_ENOTFOUND);
	ck_assert_ptr_null(strchr(fg_error_msg(), '\n'));

	ck_assert_int_eq(fg_results_user_features(&f, &found, r, 2, "n2_ring3"), FG_OK);
	ck_assert(found);
	ck_assert_str_eq(fg_res_feature_names[0], "deg_total");
	ck_assert_int_eq((int64_t)f.v[0], sql_int("SELECT deg_total FROM user_features"
	                                         " WHERE run_id = 2 AND user_id = ?", "n2_ring3"));
	ck_assert_int_eq((int64_t)f.v[11], sql_int("SELECT ring_size FROM user_features"
	                                          " WHERE run_id = 2 AND user_id = ?", "n2_ring3"));
	ck_assert_int_eq(fg_results_user_features(&f, &found, r, 2, "nobody"), FG_OK);
	ck_assert(!found);
	fg_res_arena_free(&a);
	fg_results_close(&r);
}
END_TEST

START_TEST(rings_members_history)
{
	fg_results *r = open_ok();
	fg_res_arena a = { 0 };
	fg_res_ring g, g1;
	fg_res_member *m;
	fg_res_ring_hist *h;
	size_t n, joined = 0;

	/* R000005 grew from 10 to 13 with three new accounts (data-samples/night2/README.md) */
	ck_assert_int_eq(fg_results_ring_by_key(&g, &a, r, 2, "R000005"), FG_OK);
	ck_assert_str_eq(g.ring_key, "R000005");
	ck_assert_str_eq(g.status, "grown");
	ck_assert_int_eq(g.counts[0], 13);
	ck_assert_str_eq(fg_res_ring_count_names[0], "users");
	ck_assert_str_eq(fg_res_ring_factor_names[7], "dampener");
	ck_assert(g.has_first_run && g.first_run_id == 1);
	ck_assert_ptr_nonnull(g.first_seen);
	/* the run stores prev_keys only where the key changed (merged, split) */
	ck_assert(!g.prev_keys_json || strstr(g.prev_keys_json, "\"R000005\""));
	ck_assert(fabs(g.ring_score - (double)sql_int("SELECT ring_score * 1e9 FROM rings"
	                                               " WHERE run_id = 2 AND ring_key = ?",
	                                               "R000005") / 1e9) < 1e-8);
	ck_assert_int_eq(fg_results_ring(&g1, &a, r, 2, g.ring_id), FG_OK);
	ck_assert_str_eq(g1.ring_key, "R000005");
	ck_assert_int_eq(fg_results_ring(&g1, &a, r, 2, 999999), FG_ENOTFOUND);
	ck_assert_int_eq(fg_results_ring_by_key(&g1, &a, r, 1, "R000023"), FG_ENOTFOUND);

	ck_assert_int_eq(fg_results_ring_members(&m, &n, &a, r, 2, g.ring_id, 1), FG_OK);
	ck_assert_uint_eq(n, 13);
	for (size_t i = 0; i < n; i++) {
		if (i)
			ck_assert_int_lt(strcmp(m[i - 1].user.user_id, m[i].user.user_id), 0);
		if (!m[i].prev_ring_key)
			joined++;
		else
			ck_assert_str_eq(m[i].prev_ring_key, "R000005");
	}
	ck_assert_uint_eq(joined, 3);
	/* without a previous run nobody has a previous ring */
	ck_assert_int_eq(fg_results_ring_members(&m, &n, &a, r, 2, g.ring_id, 0), FG_OK);
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_null(m[i].prev_ring_key);

	ck_assert_int_eq(fg_results_ring_history(&h, &n, &a, r, "R000005", 2), FG_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(h[0].run_id, 1);
	ck_assert_int_eq(h[0].n_users, 10);
	ck_assert_str_eq(h[0].status, "new");
	ck_assert_int_eq(h[1].n_users, 13);
	ck_assert_int_eq(fg_results_ring_history(&h, &n, &a, r, "R000005", 1), FG_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(fg_results_ring_history(&h, &n, &a, r, "R999999", 2), FG_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(h);
	fg_res_arena_free(&a);
	fg_results_close(&r);
}
END_TEST

START_TEST(entities_links_hubs)
{
	fg_results *r = open_ok();
	fg_res_arena a = { 0 };
	fg_res_entity *e;
	fg_res_uref *u, *all;
	fg_res_ulink *l;
	fg_res_hub *hb;
	size_t n, nu, nall, nl, nh;
	char *pair = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;

	ck_assert_int_eq(fg_results_user_entities(&e, &n, &a, r, 2, "n2_ring3"), FG_OK);
	ck_assert_int_eq((int64_t)n, sql_int("SELECT count(*) FROM links WHERE run_id = 2"
	                                     " AND user_id = ? AND entity_id IS NOT NULL", "n2_ring3"));
	for (size_t i = 0; i < n; i++) {
		ck_assert(e[i].known);
		ck_assert_int_ge(e[i].share, 1);
		if (i) /* non-hubs first, then kind, value */
			ck_assert(e[i - 1].is_hub < e[i].is_hub ||
			          (e[i - 1].is_hub == e[i].is_hub && strcmp(e[i - 1].kind, e[i].kind) <= 0));
	}
	ck_assert_uint_gt(n, 0);
	/* the other users of the first entity: the share less the user, fraud first */
	ck_assert_int_eq(fg_results_entity_top_users(&u, &nu, &a, r, 2, e[0].entity_id, "n2_ring3", 100),
	                 FG_OK);
	ck_assert_int_eq((int64_t)nu, e[0].share - 1);
	for (size_t i = 0; i < nu; i++) {
		ck_assert_str_ne(u[i].user_id, "n2_ring3");
		if (i && u[i].label && !strcmp(u[i].label, "fraud"))
			ck_assert(u[i - 1].label && !strcmp(u[i - 1].label, "fraud"));
	}
	ck_assert_int_eq(fg_results_entity_top_users(&u, &nu, &a, r, 2, e[0].entity_id, "n2_ring3", 0),
	                 FG_OK);
	ck_assert_uint_eq(nu, 0);
	ck_assert_int_eq(fg_results_entity_users(&all, &nall, &a, r, 2, e[0].entity_id), FG_OK);
	ck_assert_int_eq((int64_t)nall, e[0].share);
	for (size_t i = 1; i < nall; i++)
		ck_assert_int_lt(strcmp(all[i - 1].user_id, all[i].user_id), 0);

	/* a user with a direct link, seen from both sides */
	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT user_id, other_user FROM links WHERE run_id = 2"
	                                        " AND other_user IS NOT NULL ORDER BY user_id LIMIT 1",
	                                    -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	pair = strdup((const char *)sqlite3_column_text(st, 1));
	ck_assert_int_eq(fg_results_user_links(&l, &nl, &a, r, 2, (const char *)sqlite3_column_text(st, 0)),
	                 FG_OK);
	ck_assert_uint_gt(nl, 0);
	ck_assert_int_eq(fg_results_user_links(&l, &nl, &a, r, 2, pair), FG_OK);
	ck_assert_int_eq((int64_t)nl,
	                 sql_int("SELECT count(*) FROM (SELECT DISTINCT CASE WHEN user_id = ?1 THEN"
	                         " other_user ELSE user_id END, kind FROM links WHERE run_id = 2 AND"
	                         " (user_id = ?1 OR other_user = ?1) AND other_user IS NOT NULL)", pair));
	for (size_t i = 0; i < nl; i++)
		ck_assert_str_ne(l[i].other.user_id, pair);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(pair);

	ck_assert_int_eq(fg_results_hubs(&hb, &nh, &a, r, 2, 0), FG_OK);
	ck_assert_int_eq((int64_t)nh, sql_int("SELECT n_hubs FROM runs WHERE run_id = 2", NULL));
	ck_assert_uint_eq(nh, 7);
	for (size_t i = 1; i < nh; i++)
		ck_assert_int_ge(hb[i - 1].share, hb[i].share);
	ck_assert_int_gt(hb[0].share, hb[0].max_share);
	ck_assert_int_eq(fg_results_hubs(&hb, &nh, &a, r, 2, 2), FG_OK);
	ck_assert_uint_eq(nh, 2);
	fg_res_arena_free(&a);
	fg_results_close(&r);
}
END_TEST

START_TEST(open_refuses_what_it_cannot_read)
{
	char *missing = fgt_path(tmp, "none.db"), *foreign = fgt_path(tmp, "foreign.db");
	char *newer = fgt_path(tmp, "newer.db"), *data;
	const char *args[] = { "explain", "n2_ring3", "--db", newer, NULL };
	const char *rep[] = { "report", "--db", newer, NULL };
	fg_results *r = NULL;
	sqlite3 *db;
	size_t len;
	char *err = NULL, sql[64];

	ck_assert_int_eq(fg_results_open(&r, missing), FG_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "does not exist"));
	ck_assert_ptr_null(r);

	ck_assert_int_eq(sqlite3_open(foreign, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(fg_results_open(&r, foreign), FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "not a fraudgraph results database"));

	/* a database written by a newer fraudgraph: refused, by explain and report too */
	data = fgt_read_file(db_path, &len);
	fgt_write_file(newer, data, len);
	free(data);
	ck_assert_int_eq(sqlite3_open(newer, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	         (int)sql_int("PRAGMA user_version", NULL) + 1);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(db);
	ck_assert_int_eq(fg_results_open(&r, newer), FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "newer than this fraudgraph"));
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, args), 1);
	ck_assert_msg(strstr(err, "newer than this fraudgraph"), "stderr: %s", err);
	free(err);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, rep), 1);
	ck_assert_msg(strstr(err, "newer than this fraudgraph"), "stderr: %s", err);
	free(err);
	free(missing);
	free(foreign);
	free(newer);
}
END_TEST

/* ---- accounts (issue 11) ------------------------------------------------------ */

/* Run `fraudgraph ARGS` as account (NULL: as we are); its exit status. */
static int run_as(const char *account, const char *group, const char *args, const char *log)
{
	char cmd[4096];

	if (account)
		snprintf(cmd, sizeof(cmd), "setpriv --reuid=%s --regid=%s --clear-groups '%s' %s"
		         " >/dev/null 2>'%s'", account, group, fgt_bin(), args, log);
	else
		snprintf(cmd, sizeof(cmd), "'%s' %s >/dev/null 2>'%s'", fgt_bin(), args, log);
	return fgt_sh(cmd);
}

/* The owner of dir/name, or -1 if it does not exist. */
static long long owner(const char *dir, const char *name)
{
	char *p = fgt_path(dir, name);
	struct stat sb;
	long long uid = stat(p, &sb) == 0 ? (long long)sb.st_uid : -1;

	free(p);
	return uid;
}

/*
 * The writer is one account, the analysts another.  As root the test uses
 * two real accounts (daemon writes, nobody reads) through setpriv, in a
 * directory both may write (sticky, like /tmp) and in one only the writer
 * may write; as any other user the reader is this user in a directory it
 * cannot write (0555).  Either way the reader reads (exit 0) and leaves no
 * file of its own, and the writer's next run succeeds.  Without its -wal/-shm
 * (a restore by hand) another account is refused and creates nothing.
 */
START_TEST(a_reader_of_another_account_leaves_nothing)
{
	char *we = sample("world/edges.csv"), *wu = sample("world/users.csv");
	char *shared = fgt_path(tmp, "shared"), *closed = fgt_path(tmp, "closed");
	char *log = fgt_path(tmp, "log.txt"), args[2048], cmd[4096], *t;
	bool root = geteuid() == 0;
	const char *w = root ? "daemon" : NULL, *wg = root ? "daemon" : NULL;
	const char *rd = root ? "nobody" : NULL, *rg = root ? "nogroup" : NULL;
	const char *dirs[2] = { shared, closed };
	long long wuid;
	int rc;

	chmod(tmp, 0755); /* the other accounts pass through the test's directory */
	for (int k = 0; k < 2; k++) {
		const char *d = dirs[k];
		ck_assert_int_eq(mkdir(d, 0755), 0);
		if (root) {
			snprintf(cmd, sizeof(cmd), "chown daemon:daemon '%s' && chmod %s '%s'", d,
			         k == 0 ? "1777" : "0755", d);
			ck_assert_int_eq(fgt_sh(cmd), 0);
		}
		snprintf(args, sizeof(args), "run --db '%s/r.db' --edges '%s' --users '%s'", d, we, wu);
		ck_assert_msg(run_as(w, wg, args, log) == 0, "first run in %s", d);
		wuid = owner(d, "r.db");
		/* the writer keeps its -wal/-shm at rest */
		ck_assert_int_eq(owner(d, "r.db-wal"), wuid);
		ck_assert_int_eq(owner(d, "r.db-shm"), wuid);
		if (!root)
			ck_assert_int_eq(chmod(d, 0555), 0); /* the reader may not create files */
		snprintf(args, sizeof(args), "explain u144333db --db '%s/r.db' --format json", d);
		rc = run_as(rd, rg, args, log);
		t = fgt_read_file(log, NULL);
		ck_assert_msg(rc == 0, "explain as another account in %s: %s", d, t);
		free(t);
		snprintf(args, sizeof(args), "report --db '%s/r.db'", d);
		ck_assert_msg(run_as(rd, rg, args, log) == 0, "report as another account in %s", d);
		ck_assert_int_eq(owner(d, "r.db-wal"), wuid);
		ck_assert_int_eq(owner(d, "r.db-shm"), wuid);
		if (!root)
			ck_assert_int_eq(chmod(d, 0755), 0);
		snprintf(args, sizeof(args), "run --db '%s/r.db' --edges '%s' --users '%s'", d, we, wu);
		rc = run_as(w, wg, args, log);
		t = fgt_read_file(log, NULL);
		ck_assert_msg(rc == 0, "the writer's next run in %s: %s", d, t);
		free(t);

		/* a restore by hand: the -wal/-shm are gone (the file is checkpointed at rest) */
		snprintf(cmd, sizeof(cmd), "rm -f '%s/r.db-wal' '%s/r.db-shm'", d, d);
		ck_assert_int_eq(fgt_sh(cmd), 0);
		if (!root)
			ck_assert_int_eq(chmod(d, 0555), 0);
		snprintf(args, sizeof(args), "explain u144333db --db '%s/r.db'", d);
		ck_assert_int_eq(run_as(rd, rg, args, log), 1);
		t = fgt_read_file(log, NULL);
		ck_assert_msg(strstr(t, root ? "without its -wal/-shm" : "cannot read"), "stderr: %s", t);
		free(t);
		ck_assert_int_eq(owner(d, "r.db-wal"), -1);
		ck_assert_int_eq(owner(d, "r.db-shm"), -1);
		if (!root)
			ck_assert_int_eq(chmod(d, 0755), 0);
		snprintf(args, sizeof(args), "run --db '%s/r.db' --edges '%s' --users '%s'", d, we, wu);
		ck_assert_int_eq(run_as(w, wg, args, log), 0);
		ck_assert_int_eq(owner(d, "r.db-wal"), wuid);
	}
	free(we);
	free(wu);
	free(shared);
	free(closed);
	free(log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("results");
	TCase *tc = tcase_create("results");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, runs_are_picked);
	tcase_add_test(tc, user_and_features);
	tcase_add_test(tc, rings_members_history);
	tcase_add_test(tc, entities_links_hubs);
	tcase_add_test(tc, open_refuses_what_it_cannot_read);
	tcase_add_test(tc, a_reader_of_another_account_leaves_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
