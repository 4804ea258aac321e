/*
 * The investigator's and analyst's tools: explain, report, evaluate, run as
 * the real binary against real SQLite files built from
 * tests/data/tools/fixture.sql (two runs) and eval.sql (six users).
 *
 * Golden files: tests/data/tools/<name>.golden hold the exact expected
 * output.  After an intended change of the output, regenerate them with
 *     FG_REGEN_GOLDEN=1 meson test -C build test_tools
 * (the goldens are then written instead of compared: review the diff with
 * `git diff tests/data/tools` before committing).
 */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_schema.h"
#include "fg_store.h"

#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *tmp;
static char *fixture_db;
static char *eval_db;
static char *night_db; /* world, then world + night2, by the real binary */

/* Build a database file from an SQL file of tests/data/tools. */
static char *make_db(const char *sql_name, const char *db_name)
{
	char *sqlp = malloc(strlen(fgt_source_root()) + strlen(sql_name) + 32);
	char *sql, *dbp = fgt_path(tmp, db_name), *errmsg = NULL;
	sqlite3 *db = NULL;

	fg_store *st = NULL;

	sprintf(sqlp, "%s/tests/data/tools/%s", fgt_source_root(), sql_name);
	sql = fgt_read_file(sqlp, NULL);
	ck_assert_msg(sql != NULL, "cannot read %s", sqlp);
	/* the real schema, as `run` creates it; the .sql files hold rows only */
	ck_assert_msg(fg_store_open(&st, dbp, FG_STORE_WRITE) == FG_OK, "%s", fg_error_msg());
	fg_store_close(&st);
	ck_assert_int_eq(sqlite3_open(dbp, &db), SQLITE_OK);
	/* a test database: no fsync per statement */
	sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	ck_assert_msg(sqlite3_exec(db, fg_schema_indexes_sql, NULL, NULL, &errmsg) == SQLITE_OK,
	              "indexes: %s", errmsg ? errmsg : "?");
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &errmsg) == SQLITE_OK, "%s: %s", sql_name,
	              errmsg ? errmsg : "?");
	/* entity_links as `run` writes it: every entity link of links (the .sql files predate it) */
	ck_assert_msg(sqlite3_exec(db, "INSERT INTO entity_links SELECT run_id, entity_id, user_id"
	                           " FROM links WHERE entity_id IS NOT NULL", NULL, NULL, &errmsg)
	              == SQLITE_OK, "entity_links: %s", errmsg ? errmsg : "?");
	sqlite3_close(db);
	free(sql);
	free(sqlp);
	return dbp;
}

static void make_night_db(void);

static void setup(void)
{
	tmp = fgt_tmpdir();
	fixture_db = make_db("fixture.sql", "fixture.db");
	eval_db = make_db("eval.sql", "eval.db");
	make_night_db();
}

static void teardown(void)
{
	fgt_rmtree(tmp);
	free(tmp);
	free(fixture_db);
	free(eval_db);
	free(night_db);
}

static char *data_path(const char *name)
{
	char *p = malloc(strlen(fgt_source_root()) + strlen(name) + 32);

	sprintf(p, "%s/tests/data/tools/%s", fgt_source_root(), name);
	return p;
}

/* Compare out with the golden file (or write it under FG_REGEN_GOLDEN). */
static void check_golden(const char *out, const char *name)
{
	char *p = data_path(name), *want;
	const char *regen = getenv("FG_REGEN_GOLDEN");

	if (regen && *regen) {
		fgt_write_file(p, out, (size_t)-1);
		free(p);
		return;
	}
	want = fgt_read_file(p, NULL);
	ck_assert_msg(want != NULL, "missing golden %s (see the header of test_tools.c)", name);
	if (strcmp(out, want) != 0) {
		size_t i = 0;
		while (out[i] && out[i] == want[i])
			i++;
		ck_abort_msg("%s differs at byte %zu: got '%.60s' want '%.60s'", name, i, out + i, want + i);
	}
	free(want);
	free(p);
}

/* ---- a minimal JSON checker: validates and lists the top-level keys ---- */

typedef struct jp {
	const char *s;
	int depth;
	char keys[64][48];
	int nkeys;
} jp;

static void jws(jp *p)
{
	while (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r')
		p->s++;
}

static int jvalue(jp *p);

static int jstring(jp *p, char *copy, size_t cap)
{
	size_t n = 0;

	if (*p->s != '"')
		return 0;
	p->s++;
	while (*p->s != '"') {
		if (!*p->s || (unsigned char)*p->s < 0x20)
			return 0;
		if (*p->s == '\\') {
			p->s++;
			if (*p->s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p->s[i]))
						return 0;
				p->s += 4;
			} else if (!strchr("\"\\/bfnrt", *p->s)) {
				return 0;
			}
		}
		if (copy && n + 1 < cap)
			copy[n++] = *p->s;
		p->s++;
	}
	if (copy)
		copy[n] = '\0';
	p->s++;
	return 1;
}

static int jvalue(jp *p)
{
	jws(p);
	if (*p->s == '{' || *p->s == '[') {
		char close = *p->s == '{' ? '}' : ']';
		bool obj = close == '}';
		p->depth++;
		p->s++;
		jws(p);
		if (*p->s == close) {
			p->s++;
			p->depth--;
			return 1;
		}
		for (;;) {
			jws(p);
			if (obj) {
				char key[48];
				if (!jstring(p, key, sizeof(key)))
					return 0;
				if (p->depth == 1 && p->nkeys < 64)
					strcpy(p->keys[p->nkeys++], key);
				jws(p);
				if (*p->s++ != ':')
					return 0;
			}
			if (!jvalue(p))
				return 0;
			jws(p);
			if (*p->s == ',') {
				p->s++;
				continue;
			}
			if (*p->s++ != close)
				return 0;
			p->depth--;
			return 1;
		}
	}
	if (*p->s == '"')
		return jstring(p, NULL, 0);
	if (!strncmp(p->s, "true", 4) || !strncmp(p->s, "null", 4)) {
		p->s += 4;
		return 1;
	}
	if (!strncmp(p->s, "false", 5)) {
		p->s += 5;
		return 1;
	}
	{
		char *end;
		strtod(p->s, &end);
		if (end == p->s)
			return 0;
		p->s = end;
		return 1;
	}
}

/* Valid JSON with every key of `keys` (NULL-terminated) at the top level. */
static void check_json(const char *text, const char *const *keys)
{
	jp p = { .s = text };

	ck_assert_msg(jvalue(&p), "invalid JSON near '%.40s'", p.s);
	jws(&p);
	ck_assert_msg(*p.s == '\0', "trailing bytes after JSON: '%.40s'", p.s);
	for (int i = 0; keys[i]; i++) {
		bool found = false;
		for (int k = 0; k < p.nkeys && !found; k++)
			found = !strcmp(p.keys[k], keys[i]);
		ck_assert_msg(found, "JSON lacks top-level key '%s'", keys[i]);
	}
}

/* The number after the first "key": in text. */
static double json_num(const char *text, const char *key)
{
	char pat[80];
	const char *at;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	at = strstr(text, pat);
	ck_assert_msg(at != NULL, "no key %s", key);
	return strtod(at + strlen(pat), NULL);
}

/* ---- explain ------------------------------------------------------------ */

static char *explain(const char *user, const char *format, int want_rc)
{
	char *out = NULL, *err = NULL;
	const char *args[] = { "explain", user, "--db", fixture_db, "--format", format, NULL };
	int rc = fgt_run(&out, &err, NULL, NULL, args);

	ck_assert_msg(rc == want_rc, "explain %s %s: rc %d, stderr: %s", user, format, rc, err);
	free(err);
	return out;
}

START_TEST(explain_text_golden)
{
	char *out = explain("u01", "text", 0);

	check_golden(out, "explain_u01.text.golden");
	/* every line fits in 100 columns */
	for (const char *l = out; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		ck_assert_uint_le(len, 100);
		l += len + (nl ? 1 : 0);
	}
	/* the named path to the nearest seed, smallest ids first */
	ck_assert_ptr_nonnull(strstr(out, "u01 -[card c1]- u02 -[address a1]- u05 (fraud)"));
	ck_assert_ptr_nonnull(strstr(out, "and 118 more"));
	free(out);
	out = explain("u31", "text", 0);
	check_golden(out, "explain_u31.text.golden");
	ck_assert_ptr_nonnull(strstr(out, "transfer  u30"));
	free(out);
	out = explain("u20", "text", 0);
	check_golden(out, "explain_u20.text.golden");
	free(out);
}
END_TEST

START_TEST(explain_json_golden_and_keys)
{
	static const char *const keys[] = { "format", "run_id", "run_started_at", "user", "ring",
	                                    "evidence", "user_links", "path", "history", NULL };
	char *out = explain("u01", "json", 0);

	check_golden(out, "explain_u01.json.golden");
	check_json(out, keys);
	ck_assert_ptr_nonnull(strstr(out, "\"seed_evidence\":0.35"));
	ck_assert_ptr_nonnull(strstr(out, "\"counts\":{\"users\":5,\"seeds\":1"));
	free(out);
	out = explain("u60", "json", 0);
	check_json(out, keys);
	ck_assert_ptr_nonnull(strstr(out, "\"ring\":null"));
	ck_assert_ptr_nonnull(strstr(out, "\"path\":null"));
	free(out);
}
END_TEST

START_TEST(explain_path_matches_seed_hops)
{
	/* for every user of run 2 with seed_hops, the reconstructed path has that length */
	sqlite3 *db;
	sqlite3_stmt *st;
	int checked = 0;

	ck_assert_int_eq(sqlite3_open(fixture_db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT user_id, seed_hops, nearest_seed FROM user_scores"
	                                        " WHERE run_id = 2 AND seed_hops IS NOT NULL",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(st, 0);
		int hops = sqlite3_column_int(st, 1);
		char want[64], *out = explain(u, "json", 0);
		ck_assert_int_eq((int)json_num(out, "hops"), hops);
		snprintf(want, sizeof(want), "\"seed\":\"%s\"", (const char *)sqlite3_column_text(st, 2));
		ck_assert_msg(strstr(out, want), "%s: path does not end at %s", u, want);
		free(out);
		checked++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert_int_eq(checked, 5);
}
END_TEST

START_TEST(explain_dot_golden)
{
	char *out = explain("u01", "dot", 0);

	check_golden(out, "explain_u01.dot.golden");
	free(out);
	out = explain("u31", "dot", 0);
	check_golden(out, "explain_u31.dot.golden");
	ck_assert_ptr_nonnull(strstr(out, "label=\"transfer\""));
	free(out);
	out = explain("u20", "dot", 0);
	check_golden(out, "explain_u20.dot.golden");
	free(out);
}
END_TEST

/* Tag balance: every <x ...> closed by </x> in order, self-closing allowed. */
static void check_tags(const char *s)
{
	char stack[64][32];
	int depth = 0;

	while ((s = strchr(s, '<'))) {
		if (s[1] == '?' || s[1] == '!') {
			s = strchr(s, '>');
			ck_assert_ptr_nonnull(s);
			continue;
		}
		const char *end = strchr(s, '>');
		ck_assert_ptr_nonnull(end);
		if (s[1] == '/') {
			ck_assert_int_gt(depth, 0);
			ck_assert(!strncmp(s + 2, stack[depth - 1], strlen(stack[depth - 1])));
			depth--;
		} else if (end[-1] != '/') {
			size_t n = strcspn(s + 1, " >/");
			ck_assert_int_lt(depth, 64);
			ck_assert_uint_lt(n, 32);
			memcpy(stack[depth], s + 1, n);
			stack[depth++][n] = '\0';
		}
		s = end + 1;
	}
	ck_assert_int_eq(depth, 0);
}

START_TEST(explain_svg_well_formed)
{
	const char *users[] = { "u01", "u20", "u31", "u60" };

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char *out = explain(users[i], "svg", 0), *again = explain(users[i], "svg", 0);
		char *p = fgt_path(tmp, "x.svg"), cmd[1024];
		char want[64];
		ck_assert_str_eq(out, again); /* fixed seed: same picture every time */
		snprintf(want, sizeof(want), ">%s</text>", users[i]);
		ck_assert_msg(strstr(out, want), "svg lacks the user id %s", users[i]);
		ck_assert_ptr_nonnull(strstr(out, "legend"));
		ck_assert_ptr_null(strstr(out, "href"));
		ck_assert_ptr_null(strstr(out, "url("));
		check_tags(out);
		fgt_write_file(p, out, (size_t)-1);
		if (fgt_sh("command -v xmllint >/dev/null 2>&1") == 0) {
			snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", p);
			ck_assert_int_eq(fgt_sh(cmd), 0);
		}
		free(p);
		free(out);
		free(again);
	}
}
END_TEST

START_TEST(explain_errors_and_exit_codes)
{
	char *out = NULL, *err = NULL, *missing = fgt_path(tmp, "none.db");
	const char *a1[] = { "explain", "nobody", "--db", fixture_db, NULL };
	const char *a2[] = { "explain", "u01", "--db", fixture_db, "--run", "7", NULL };
	const char *a3[] = { "explain", "u01", "--db", missing, NULL };
	const char *a4[] = { "explain", "--db", fixture_db, NULL };
	const char *a5[] = { "explain", "u01", "--db", fixture_db, "--format", "png", NULL };
	const char *a6[] = { "explain", "u01", "--db", fixture_db, "--run", "1", NULL };
	char want[512];

	ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, a1), 4);
	snprintf(want, sizeof(want), "fraudgraph: user 'nobody' is not in run 2 of %s", fixture_db);
	ck_assert_msg(strstr(err, want), "stderr: %s", err);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, a2), 4);
	ck_assert_ptr_nonnull(strstr(err, "run 7 is not in"));
	free(err);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, a3), 4);
	ck_assert_ptr_nonnull(strstr(err, "does not exist"));
	free(err);
	ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, a4), 2);
	ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, a5), 2);
	/* an older run: u01 was in the ring of two, no seed within reach */
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, a6), 0);
	ck_assert_ptr_nonnull(strstr(out, "User u01 (run 1"));
	ck_assert_ptr_nonnull(strstr(out, "members     2 users"));
	free(out);
	free(missing);
}
END_TEST

START_TEST(explain_uses_indexes_only)
{
	const char *env[] = { "FG_QUERY_PLAN=1", NULL };
	const char *formats[] = { "text", "svg" };

	for (int f = 0; f < 2; f++) {
		const char *args[] = { "explain", "u01", "--db", fixture_db, "--format", formats[f], NULL };
		char *err = NULL;
		int plans = 0;
		ck_assert_int_eq(fgt_run(NULL, &err, NULL, env, args), 0);
		for (char *l = strtok(err, "\n"); l; l = strtok(NULL, "\n")) {
			if (strncmp(l, "plan: ", 6))
				continue;
			plans++;
			/* a scan, or an index used on run_id alone, reads the whole run */
			/* "SCAN sub" reads a LIMITed subquery, not a table */
			ck_assert_msg(!strstr(l, "SCAN ") || strstr(l, "SCAN sub"), "full scan: %s", l);
			ck_assert_msg(!strstr(l, "(run_id=?)"), "scan of a run: %s", l);
		}
		ck_assert_int_gt(plans, 5);
		free(err);
	}
}
END_TEST

/* Without links(run_id, other_user) the links stored from the other side are still found. */
START_TEST(explain_without_other_user_index)
{
	char *copy = fgt_path(tmp, "noidx.db"), *data, *out = NULL, *want;
	const char *args[] = { "explain", "u31", "--db", copy, NULL };
	size_t n;
	sqlite3 *db;

	data = fgt_read_file(fixture_db, &n);
	fgt_write_file(copy, data, n);
	ck_assert_int_eq(sqlite3_open(copy, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP INDEX links_other", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
	want = explain("u31", "text", 0);
	ck_assert_str_eq(out, want);
	ck_assert_ptr_nonnull(strstr(out, "transfer  u30"));
	free(out);
	free(want);
	free(data);
	free(copy);
}
END_TEST

/*
 * End to end with the real `fraudgraph run`: for every user the run gave a
 * seed distance, explain's path has that length and ends at the run's
 * nearest seed; every user explains in every format.  Skipped (with a note)
 * only while `run` is still the placeholder of the first build-out.
 */
START_TEST(explain_matches_real_run)
{
	char *edges = fgt_path(tmp, "e2e-edges.csv"), *users = fgt_path(tmp, "e2e-users.csv");
	char *db = fgt_path(tmp, "e2e.db"), *err = NULL;
	const char *run_args[] = { "run", "--db", db, "--edges", edges, "--users", users, NULL };
	const char *formats[] = { "text", "json", "dot", "svg" };
	sqlite3 *h;
	sqlite3_stmt *st;
	int rc, users_seen = 0, paths = 0;

	fgt_write_file(edges,
	               "user_id,kind,value\n"
	               "a,card,c1\nb,card,c1\nc,card,c1\nc,card,c2\nd,card,c2\ne,card,c2\n"
	               "a,device,d1\nd,device,d1\nb,address,a1\ne,address,a1\n"
	               "f,address,home\ng,address,home\ng,transfer,h\nh,order,i\n",
	               (size_t)-1);
	fgt_write_file(users, "user_id,created_at,label\ne,,fraud\nf,,legit\ni,,fraud\n", (size_t)-1);
	rc = fgt_run(NULL, &err, NULL, NULL, run_args);
	if (rc != 0 && strstr(err, "not built yet")) {
		fprintf(stderr, "explain_matches_real_run: skipped, `run` is a placeholder\n");
		free(err);
		free(edges);
		free(users);
		free(db);
		return;
	}
	ck_assert_msg(rc == 0, "run: %d %s", rc, err);
	free(err);
	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT user_id, seed_hops, nearest_seed FROM user_scores"
	                                       " WHERE run_id = 1 ORDER BY user_id", -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(st, 0);
		users_seen++;
		for (int f = 0; f < 4; f++) {
			const char *args[] = { "explain", u, "--db", db, "--format", formats[f], NULL };
			char *out = NULL;
			ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
			if (f == 1 && sqlite3_column_type(st, 1) != SQLITE_NULL) {
				char want[64];
				ck_assert_int_eq((int)json_num(out, "hops"), sqlite3_column_int(st, 1));
				snprintf(want, sizeof(want), "\"seed\":\"%s\"", sqlite3_column_text(st, 2));
				ck_assert_msg(strstr(out, want), "%s: path does not end at %s", u, want);
				paths++;
			}
			free(out);
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	ck_assert_int_eq(users_seen, 9);
	ck_assert_int_ge(paths, 7); /* a..e reach e, h reaches i, i itself */
	free(edges);
	free(users);
	free(db);
}
END_TEST

START_TEST(explain_leaves_the_database_unchanged)
{
	size_t n1, n2;
	char *before = fgt_read_file(fixture_db, &n1), *after, *out;

	out = explain("u01", "text", 0);
	free(out);
	after = fgt_read_file(fixture_db, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert(memcmp(before, after, n1) == 0);
	free(before);
	free(after);
}
END_TEST


/* ---- explain on a real run of data-samples (issue 11's items) ------------ */


static char *sample_path(const char *name)
{
	char *p = malloc(strlen(fgt_source_root()) + strlen(name) + 32);

	sprintf(p, "%s/data-samples/%s", fgt_source_root(), name);
	return p;
}

static void make_night_db(void)
{
	char *we = sample_path("world/edges.csv"), *wu = sample_path("world/users.csv");
	char *ne = sample_path("night2/edges.csv"), *nu = sample_path("night2/users.csv"), *err = NULL;
	const char *n1[] = { "run", "--db", NULL, "--edges", we, "--users", wu, NULL };
	const char *n2[] = { "run", "--db", NULL, "--edges", we, "--users", wu, "--edges", ne,
	                     "--users", nu, NULL };

	night_db = fgt_path(tmp, "nights.db");
	n1[2] = n2[2] = night_db;
	ck_assert_msg(fgt_run(NULL, &err, NULL, NULL, n1) == 0, "night 1: %s", err);
	free(err);
	ck_assert_msg(fgt_run(NULL, &err, NULL, NULL, n2) == 0, "night 2: %s", err);
	free(err);
	free(we);
	free(wu);
	free(ne);
	free(nu);
}

/* Replace every occurrence of what in s (in place; with is not longer). */
static void replace_all(char *s, const char *what, const char *with)
{
	size_t lw = strlen(what), lr = strlen(with);
	char *at;

	ck_assert_uint_ge(lw, lr);
	while ((at = strstr(s, what)) != NULL) {
		memcpy(at, with, lr);
		memmove(at + lr, at + lw, strlen(at + lw) + 1);
	}
}

/*
 * explain on the real database, the runs' start times (the only clock-made
 * values) replaced by "RUN<n>-START---..." of the same length, so the golden
 * is stable.
 */
static char *explain_night(const char *user, const char *format)
{
	const char *args[] = { "explain", user, "--db", night_db, "--format", format, NULL };
	char *out = NULL, *err = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc = fgt_run(&out, &err, NULL, NULL, args);

	ck_assert_msg(rc == 0, "explain %s: %d %s", user, rc, err);
	free(err);
	ck_assert_int_eq(sqlite3_open_v2(night_db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT run_id, started_at FROM runs", -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *what = (const char *)sqlite3_column_text(st, 1);
		char with[64];
		/* as long as the time, dashes after the name: the columns stay aligned */
		int n = snprintf(with, sizeof(with), "RUN%d-START", sqlite3_column_int(st, 0));
		while ((size_t)n < strlen(what) && n + 1 < (int)sizeof(with))
			with[n++] = '-';
		with[n] = '\0';
		replace_all(out, what, with);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

START_TEST(explain_real_run_goldens)
{
	char *out;

	/* a member who joined R000005 tonight (data-samples/night2/README.md) */
	out = explain_night("n2_join1", "text");
	check_golden(out, "nights_n2_join1.text.golden");
	ck_assert_ptr_nonnull(strstr(out, "  ring       R000005 (joined tonight)\n"));
	ck_assert_ptr_nonnull(strstr(out, "  joined tonight  3: n2_join1, n2_join2, n2_join3\n"));
	ck_assert_ptr_nonnull(strstr(out, "  created    2026-"));
	ck_assert_ptr_nonnull(strstr(out, "    linked 2026-"));
	free(out);
	out = explain_night("n2_join1", "json");
	check_golden(out, "nights_n2_join1.json.golden");
	ck_assert_ptr_nonnull(strstr(out, "\"joined_ring_tonight\":true"));
	ck_assert_ptr_nonnull(strstr(out, "\"joined_tonight\":[\"n2_join1\",\"n2_join2\",\"n2_join3\"]"));
	free(out);
	out = explain_night("n2_join1", "dot");
	check_golden(out, "nights_n2_join1.dot.golden");
	free(out);
	/* the new ring of four: nobody "joined" a ring that is new */
	out = explain_night("n2_ring3", "text");
	check_golden(out, "nights_n2_ring3.text.golden");
	ck_assert_ptr_null(strstr(out, "joined tonight"));
	free(out);
}
END_TEST

START_TEST(explain_private_entities_apart)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out, want[256];
	const char *u, *kind, *value;

	/* a user of run 2 with an entity of its own, and one it shares */
	ck_assert_int_eq(sqlite3_open_v2(night_db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"SELECT l.user_id, e.kind, e.value FROM links l JOIN entities e"
		" ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
		" WHERE l.run_id = 2 AND e.share = 1 AND EXISTS (SELECT 1 FROM links m JOIN entities f"
		"  ON f.run_id = m.run_id AND f.entity_id = m.entity_id WHERE m.run_id = 2"
		"  AND m.user_id = l.user_id AND f.share > 1)"
		" ORDER BY l.user_id, e.kind, e.value LIMIT 1", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	u = (const char *)sqlite3_column_text(st, 0);
	kind = (const char *)sqlite3_column_text(st, 1);
	value = (const char *)sqlite3_column_text(st, 2);
	out = explain_night(u, "text");
	snprintf(want, sizeof(want), "\nPrivate entities: used by %s alone\n", u);
	ck_assert_msg(strstr(out, want), "%s", out);
	/* listed there, and not among the shared ones above it */
	snprintf(want, sizeof(want), "  %s %.30s", kind, value);
	ck_assert_ptr_nonnull(strstr(strstr(out, "\nPrivate entities"), want));
	ck_assert_ptr_null(strstr(out, "(shared by 1 users)"));
	free(out);
	out = explain_night(u, "json");
	ck_assert_ptr_nonnull(strstr(out, "\"share\":1,\"hub\":false,\"others\":[],\"more\":0,\"shared\":false"));
	free(out);
	sqlite3_finalize(st);
	sqlite3_close(db);
}
END_TEST

START_TEST(explain_svg_title_and_path)
{
	char *out = explain_night("n2_join1", "svg"), *p = fgt_path(tmp, "j.svg"), cmd[1024];

	/* a visible title: a <text>, not only the <title> a viewer hides */
	ck_assert_ptr_nonnull(strstr(out, "font-weight=\"bold\" fill=\"#000000\">User n2_join1, score 0.907,"
	                                  " ring R000005, run 2</text>"));
	ck_assert_ptr_nonnull(strstr(out, ">nearest known fraud: uf1ff5272, 2 hops (path in red); 3 joined"
	                                  " the ring tonight</text>"));
	/* the path: two red edges (user - card - seed), drawn after the others; and the legend's */
	{
		int n = 0;
		for (const char *q = out; (q = strstr(q, "stroke=\"#d62728\" stroke-width=\"3.5\"/>")); q++)
			n++;
		ck_assert_int_eq(n, 3);
	}
	/* three members joined tonight: a dashed blue ring each, plus the legend's */
	{
		int n = 0;
		for (const char *q = out; (q = strstr(q, "stroke=\"#1f77b4\" stroke-width=\"2\" stroke-dasharray")); q++)
			n++;
		ck_assert_int_eq(n, 4);
	}
	ck_assert_ptr_nonnull(strstr(out, "paint-order=\"stroke\"")); /* labels with a halo */
	check_tags(out);
	fgt_write_file(p, out, (size_t)-1);
	if (fgt_sh("command -v rsvg-convert >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "rsvg-convert '%s' -o '%s.png'", p, p);
		ck_assert_int_eq(fgt_sh(cmd), 0);
	}
	free(p);
	free(out);
}
END_TEST

/* No byte below 0x20 but '\n' (and none of 0x7f) in s. */
static void assert_no_control(const char *s, const char *what)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		ck_assert_msg(*p == '\n' || (*p >= 0x20 && *p != 0x7f), "%s: control byte 0x%02x at %zu",
		              what, *p, (size_t)((const char *)p - s));
}

START_TEST(explain_control_characters_and_dashdash)
{
	char *edges = fgt_path(tmp, "cc-edges.csv"), *users = fgt_path(tmp, "cc-users.csv");
	char *db = fgt_path(tmp, "cc.db"), *out = NULL, *err = NULL;
	const char *run[] = { "run", "--db", db, "--edges", edges, "--users", users, NULL };
	const char *formats[] = { "text", "dot", "svg" };
	const char *dash[] = { "explain", "--db", db, "--", "-1234", NULL };
	const char *nodash[] = { "explain", "--db", db, "-1234", NULL };
	const char *eq[] = { "explain", "--db=", NULL, "--format=json", "--", "-1234", NULL };
	char dbeq[512];

	/* quoted fields may hold a newline or a tab (RFC 4180): ids that could forge lines */
	fgt_write_file(edges, "user_id,kind,value\n-1234,card,\"c\001x\"\n\"evil\nUser x\",card,\"c\001x\"\n"
	               "\"tab\tu\",card,\"c\001x\"\n-1234,device,d9\n", (size_t)-1);
	fgt_write_file(users, "user_id,created_at,label\n-1234,,fraud\n", (size_t)-1);
	ck_assert_msg(fgt_run(NULL, &err, NULL, NULL, run) == 0, "run: %s", err);
	free(err);
	for (int f = 0; f < 3; f++) {
		const char *args[] = { "explain", "evil\nUser x", "--db", db, "--format", formats[f], NULL };
		ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
		assert_no_control(out, formats[f]);
		/* DOT strings double the backslash: Graphviz shows \x0a */
		ck_assert_msg(strstr(out, f == 1 ? "evil\\\\x0aUser x" : "evil\\x0aUser x"), "%s: %s",
		              formats[f], out);
		ck_assert_ptr_nonnull(strstr(out, f == 1 ? "c\\\\x01x" : "c\\x01x"));
		ck_assert_ptr_null(strstr(out, "\nUser x"));
		free(out);
	}
	{
		const char *args[] = { "explain", "evil\nUser x", "--db", db, "--format", "json", NULL };
		ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
		ck_assert_ptr_nonnull(strstr(out, "\"user_id\":\"evil\\nUser x\""));
		ck_assert_ptr_nonnull(strstr(out, "\"value\":\"c\\u0001x\""));
		free(out);
	}
	/* `--` ends the options: a user id that starts with '-' */
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, dash), 0);
	ck_assert_ptr_nonnull(strstr(out, "User -1234 (run 1"));
	free(out);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, nodash), 2);
	free(err);
	snprintf(dbeq, sizeof(dbeq), "--db=%s", db);
	eq[1] = dbeq;
	eq[2] = "--run=1";
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, eq), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"user_id\":\"-1234\",\"label\":\"fraud\""));
	free(out);
	/* unknown user and run: exit 4, nothing on stdout */
	{
		const char *nouser[] = { "explain", "--db", db, "--", "-999", NULL };
		const char *norun[] = { "explain", "--db", db, "--run", "5", "--", "-1234", NULL };
		ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, nouser), 4);
		ck_assert_str_eq(out, "");
		ck_assert_ptr_nonnull(strstr(err, "user '-999' is not in run 1 of"));
		free(out);
		free(err);
		ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, norun), 4);
		ck_assert_ptr_nonnull(strstr(err, "run 5 is not in"));
		free(out);
		free(err);
	}
	free(edges);
	free(users);
	free(db);
}
END_TEST

/* ---- report ------------------------------------------------------------- */

/* PSI as documented: shares smoothed with eps = 1e-4 over B bins. */
static double hand_psi(const double *cur, const double *prev, int b)
{
	double tc = 0, tp = 0, psi = 0, eps = 1e-4;

	for (int i = 0; i < b; i++) {
		tc += cur[i];
		tp += prev[i];
	}
	for (int i = 0; i < b; i++) {
		double a = (cur[i] / tc + eps) / (1 + b * eps), e = (prev[i] / tp + eps) / (1 + b * eps);
		psi += (a - e) * log(a / e);
	}
	return psi;
}

START_TEST(report_drift_hand_computed)
{
	const char *args[] = { "report", "--db", fixture_db, "--json", NULL };
	static const char *const keys[] = { "format", "run_id", "counts", "times", "bad_rows",
	                                    "hubs_by_kind", "top_hubs", "rings_by_size",
	                                    "rings_by_score", "rings_by_status", "top_rings", "drift",
	                                    "fail_on_drift", "drift_alert", NULL };
	char *out = NULL;
	/*
	 * Ring sizes: run 1 has rings of 2, 3, 2 -> buckets {2: 2, 3-5: 1};
	 * run 2 has 5, 3, 2 -> {2: 1, 3-5: 2}.  Without smoothing PSI would be
	 * (1/3 - 2/3) ln(1/2) + (2/3 - 1/3) ln 2 = (2/3) ln 2 = 0.4621.
	 */
	double size1[5] = { 2, 1, 0, 0, 0 }, size2[5] = { 1, 2, 0, 0, 0 };
	/* user scores in tenths, from fixture.sql: run 1 (14 users), run 2 (17 users) */
	double sc1[10] = { 7, 1, 2, 2, 0, 0, 0, 1, 0, 1 }, sc2[10] = { 7, 1, 2, 0, 2, 0, 0, 0, 4, 1 };
	double ring_psi = hand_psi(size2, size1, 5), score_psi = hand_psi(sc2, sc1, 10);

	ck_assert(fabs(ring_psi - 2.0 / 3.0 * log(2.0)) < 1e-3);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
	check_json(out, keys);
	ck_assert(fabs(json_num(out, "ring_size") - ring_psi) < 1e-8);
	ck_assert(fabs(json_num(out, "user_score") - score_psi) < 1e-8);
	ck_assert(fabs(json_num(out, "hubs_per_kind")) < 1e-12);
	ck_assert_ptr_nonnull(strstr(out, "\"rings\":{\"new\":1,\"grown\":1,\"shrunk\":0,\"merged\":0,"
	                                  "\"split\":0,\"dissolved\":1"));
	ck_assert_ptr_nonnull(strstr(out, "\"seeds\":{\"gained\":1,\"lost\":1}"));
	ck_assert_ptr_nonnull(strstr(out, "\"bad_rows\":{\"missing user_id\":2,\"bad timestamp\":1}"));
	free(out);
}
END_TEST

START_TEST(report_text_golden)
{
	const char *args[] = { "report", "--db", fixture_db, NULL };
	char *out = NULL;

	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
	check_golden(out, "report.text.golden");
	free(out);
}
END_TEST

/* Whether text holds want once runs of spaces are squeezed to one (table layout aside). */
static bool has_squeezed(const char *text, const char *want)
{
	char *sq = malloc(strlen(text) + 1);
	size_t n = 0;
	bool found;

	for (const char *p = text; *p; p++)
		if (*p != ' ' || n == 0 || sq[n - 1] != ' ')
			sq[n++] = *p;
	sq[n] = '\0';
	found = strstr(sq, want) != NULL;
	free(sq);
	return found;
}

START_TEST(report_fail_on_drift)
{
	/*
	 * The fixture's runs hold 14 and 17 users (+21%, above the 20% limit): a
	 * change whatever the PSI threshold.  Its PSIs (4.19, 0.46) are not
	 * judged: 14 users and 3 rings are far below the 200 items a PSI needs.
	 */
	const char *above[] = { "report", "--db", fixture_db, "--fail-on-drift", "0.3", NULL };
	const char *high[] = { "report", "--db", fixture_db, "--fail-on-drift", "5", "--json", NULL };
	const char *first[] = { "report", "--db", fixture_db, "--run", "1", "--fail-on-drift", "0", NULL };
	const char *norun[] = { "report", "--db", fixture_db, "--run", "3", NULL };
	char *out = NULL, *err = NULL;

	ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, above), 5);
	ck_assert_ptr_nonnull(strstr(out, "Top rings by score")); /* printed before failing */
	ck_assert_ptr_nonnull(strstr(out, "verdict: CHANGE in 1 check: users\n"));
	ck_assert_msg(has_squeezed(out, "user score PSI 14 17 - 0.30 not judged"), "%s", out);
	ck_assert_ptr_nonnull(strstr(err, "drift"));
	free(out);
	free(err);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, high), 5);
	ck_assert_ptr_nonnull(strstr(out, "\"users\":{\"judged\":true,\"before\":14,\"now\":17,"));
	ck_assert_ptr_nonnull(strstr(out, "\"user_score_psi\":{\"judged\":false,"));
	ck_assert_ptr_nonnull(strstr(out, "\"verdict\":\"change\""));
	ck_assert_ptr_nonnull(strstr(out, "\"drift_alert\":true"));
	free(out);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, first), 0);
	ck_assert_ptr_nonnull(strstr(out, "no previous committed run"));
	free(out);
	ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, norun), 4);
}
END_TEST

/* `run` of the sample world into db, with extra arguments (NULL-terminated); asserts exit 0. */
static void world_run(const char *db, const char *edges, const char *const *extra)
{
	char *w_users = malloc(strlen(fgt_source_root()) + 64), *err = NULL;
	const char *args[16] = { "run", "--db", db, "--edges", edges, "--users", w_users, "--quiet" };
	int n = 8;

	sprintf(w_users, "%s/data-samples/world/users.csv", fgt_source_root());
	for (int i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	ck_assert_msg(fgt_run(NULL, &err, NULL, NULL, args) == 0, "run: %s", err);
	free(err);
	free(w_users);
}

/*
 * The drift verdict on real runs: the README's second night (three accounts
 * join a ring, a new ring of four) passes the documented threshold; the same
 * world exported with only the first half of its link rows fails it.
 */
START_TEST(report_drift_verdict_real_runs)
{
	char *edges = malloc(strlen(fgt_source_root()) + 64), *n2e = malloc(strlen(fgt_source_root()) + 64);
	char *n2u = malloc(strlen(fgt_source_root()) + 64), *half = fgt_path(tmp, "half.csv");
	char *good = fgt_path(tmp, "night2.db"), *bad = fgt_path(tmp, "truncated.db"), *text, *out = NULL;
	const char *night2[] = { "--edges", n2e, "--users", n2u, NULL };
	const char *r_good[] = { "report", "--db", good, "--fail-on-drift", "0.25", NULL };
	const char *r_bad[] = { "report", "--db", bad, "--fail-on-drift", "0.25", NULL };
	const char *j_bad[] = { "report", "--db", bad, "--json", NULL };
	size_t len, lines = 0, cut = 0;

	sprintf(edges, "%s/data-samples/world/edges.csv", fgt_source_root());
	sprintf(n2e, "%s/data-samples/night2/edges.csv", fgt_source_root());
	sprintf(n2u, "%s/data-samples/night2/users.csv", fgt_source_root());
	world_run(good, edges, NULL);
	world_run(good, edges, night2);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, r_good), 0);
	ck_assert_ptr_nonnull(strstr(out, "verdict: no change that matters"));
	/* 22 and 23 rings: too few for a ring-size PSI (0.28 unmerged, the old false alarm) */
	ck_assert_msg(has_squeezed(out, "ring size PSI 22 23 - 0.25 not judged"), "%s", out);
	ck_assert_msg(has_squeezed(out, "links 6111 6128 +0.3% +-20% ok"), "%s", out);
	/* every feature of user_features is judged (1200 users) and none moved */
	{
		const char *at = strstr(out, "features that moved most (PSI over the previous run's deciles):\n    ");
		ck_assert_msg(at != NULL, "%s", out);
		at = strchr(at, '\n') + 5;
		ck_assert_msg(strtod(strchr(at, ' ') + 1, NULL) < 0.01, "%s", at); /* the largest PSI */
	}
	free(out);

	/* the header and the first half of the 6,178 link rows */
	text = fgt_read_file(edges, &len);
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' && ++lines == 3090)
			cut = i + 1;
	ck_assert_uint_gt(cut, 0);
	fgt_write_file(half, text, cut);
	free(text);
	world_run(bad, edges, NULL);
	world_run(bad, half, NULL);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, r_bad), 5);
	ck_assert_msg(has_squeezed(out, "links 6111 3057 -50.0% +-20% CHANGE"), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "verdict: CHANGE in"));
	free(out);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, j_bad), 0); /* no --fail-on-drift: exit 0 */
	ck_assert_ptr_nonnull(strstr(out, "\"links\":{\"judged\":true,\"before\":6111,\"now\":3057,"));
	ck_assert_ptr_nonnull(strstr(out, "\"verdict\":\"change\""));
	ck_assert_ptr_nonnull(strstr(out, "\"drift_alert\":false"));
	ck_assert(fabs(json_num(out, "hub_link_share") - 83.0 / 3057) < 0.05);
	/* the feature that moved most is the total degree: half the links are gone */
	ck_assert_msg(strstr(out, "\"feature_psi\":{\"deg_total\":"), "%s", out);
	ck_assert_double_gt(json_num(out, "deg_total"), 0.25);
	free(out);
	free(edges);
	free(n2e);
	free(n2u);
	free(half);
	free(good);
	free(bad);
}
END_TEST

/* Hubs that cut most of the links are said prominently, first run or not. */
START_TEST(report_hub_warning)
{
	char *edges = malloc(strlen(fgt_source_root()) + 64), *users = malloc(strlen(fgt_source_root()) + 64);
	char *db = fgt_path(tmp, "hub.db"), *out = NULL, *err = NULL;
	const char *run[] = { "run", "--db", db, "--edges", edges, "--users", users, "--quiet", NULL };
	const char *text[] = { "report", "--db", db, NULL };
	const char *json[] = { "report", "--db", db, "--json", NULL };

	sprintf(edges, "%s/data-samples/hub/edges.csv", fgt_source_root());
	sprintf(users, "%s/data-samples/hub/users.csv", fgt_source_root());
	ck_assert_msg(fgt_run(NULL, &err, NULL, NULL, run) == 0, "%s", err);
	free(err);
	/* data-samples/hub: 87 of its 144 links go to hubs */
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, text), 0);
	ck_assert_msg(strstr(out, "\n  WARNING: hubs cut 60.4% of the links (87 of 144; more than 50%)"), "%s", out);
	free(out);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, json), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"hub_links\":87,"));
	ck_assert_ptr_nonnull(strstr(out, "\"hub_warning\":true"));
	free(out);
	/* the fixture: 39% of its links to hubs, no warning */
	out = NULL;
	{
		const char *fx[] = { "report", "--db", fixture_db, NULL };
		ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, fx), 0);
		ck_assert_ptr_null(strstr(out, "WARNING"));
		free(out);
	}
	free(edges);
	free(users);
	free(db);
}
END_TEST

/* ---- evaluate ----------------------------------------------------------- */

START_TEST(evaluate_hand_computed)
{
	char *truth = data_path("eval_truth.csv"), *out = NULL;
	const char *args[] = { "evaluate", "--db", eval_db, "--truth", truth, "--k", "2", "--json",
		               "--include-labelled", NULL };
	static const char *const keys[] = { "run_id", "positives", "precision_at_k", "recall_at_k",
	                                    "average_precision", "roc_auc", "mean_best_jaccard",
	                                    "share_recovered", "unlabelled_positives_mean_pct", NULL };

	/*
	 * Ranking (score desc, ties by id): a+ .9, b .8, c+ .7, d .7, e+ .4, f .1;
	 * g (positive) is not in the run, d is a victim (role) so negative.
	 * P = 3, N = 3.  precision@2 = 1/2, recall@2 = 1/3; precision@3 = 2/3.
	 * AP = (1/1 + 2/3 + 3/5) / 3 = 34/45.
	 * AUC: average ranks ascending f 1, e 2, c d 3.5, b 5, a 6;
	 *      (6 + 3.5 + 2 - 3*4/2) / (3*3) = 5.5/9.
	 * Rings: T1 {a,c} vs found {a,b,c}: J = 2/3; T2 {e,g} vs found {e,f}: 1/3;
	 *      mean 0.5, recovered (J > 0.5) 1 of 2.
	 * Unlabelled positives c, e: percentiles 100*3.5/6 and 100*2/6, mean 45.8333.
	 */
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
	check_json(out, keys);
	ck_assert_int_eq((int)json_num(out, "positives"), 3);
	ck_assert_int_eq((int)json_num(out, "positives_not_in_run"), 1);
	ck_assert(fabs(json_num(out, "precision_at_k") - 0.5) < 1e-9);
	ck_assert(fabs(json_num(out, "recall_at_k") - 1.0 / 3) < 1e-9);
	ck_assert(fabs(json_num(out, "precision_at_p") - 2.0 / 3) < 1e-9);
	ck_assert(fabs(json_num(out, "average_precision") - 34.0 / 45) < 1e-9);
	ck_assert(fabs(json_num(out, "roc_auc") - 5.5 / 9) < 1e-9);
	ck_assert(fabs(json_num(out, "mean_best_jaccard") - 0.5) < 1e-9);
	ck_assert(fabs(json_num(out, "share_recovered") - 0.5) < 1e-9);
	ck_assert(fabs(json_num(out, "unlabelled_positives_mean_pct") - 275.0 / 6) < 1e-6);
	free(out);
	free(truth);
}
END_TEST

START_TEST(evaluate_rules_and_errors)
{
	char *lbl = fgt_path(tmp, "label.csv"), *bad = fgt_path(tmp, "bad.csv"), *out = NULL, *err = NULL;
	const char *a1[] = { "evaluate", "--db", eval_db, "--truth", lbl, "--json", "--include-labelled", NULL };
	const char *a2[] = { "evaluate", "--db", eval_db, "--truth", bad, NULL };
	const char *a3[] = { "evaluate", "--db", eval_db, NULL };

	/* label rule: positives a, b -> ranks 1, 2: AP 1, AUC 1 */
	fgt_write_file(lbl, "User_ID,label\na,fraud\nb,FRAUD\nc,legit\n", (size_t)-1);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, a1), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"positive_rule\":\"label in {fraud, chargeback, confirmed_fraud, 1, true, yes}\""));
	ck_assert(fabs(json_num(out, "average_precision") - 1) < 1e-12);
	ck_assert(fabs(json_num(out, "roc_auc") - 1) < 1e-12);
	free(out);
	fgt_write_file(bad, "account,label\na,fraud\n", (size_t)-1);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, a2), 3);
	ck_assert_ptr_nonnull(strstr(err, "no user_id column"));
	free(err);
	ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, a3), 2);
	free(lbl);
	free(bad);
}
END_TEST


/* A copy of eval.db with one statement applied; malloc'd path. */
static char *eval_copy(const char *name, const char *sql)
{
	char *copy = fgt_path(tmp, name), *data, *errmsg = NULL;
	size_t n;
	sqlite3 *db;

	data = fgt_read_file(eval_db, &n);
	fgt_write_file(copy, data, n);
	free(data);
	ck_assert_int_eq(sqlite3_open(copy, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &errmsg) == SQLITE_OK, "%s", errmsg ? errmsg : "?");
	sqlite3_close(db);
	return copy;
}

/* The number after "key": inside the object that starts at "scores":{..."col":{ */
static double score_num(const char *text, const char *col, const char *key)
{
	char pat[64];
	const char *at = strstr(text, "\"scores\":{");

	ck_assert_ptr_nonnull(at);
	snprintf(pat, sizeof(pat), "\"%s\":{", col);
	at = strstr(at, pat);
	ck_assert_msg(at != NULL, "no scores.%s", col);
	return json_num(at, key);
}

START_TEST(evaluate_hidden_hand_computed)
{
	char *truth = data_path("eval_truth.csv"), *out = NULL;
	const char *args[] = { "evaluate", "--db", eval_db, "--truth", truth, "--k", "2", "--json", NULL };

	/*
	 * The default view: a (labelled fraud) is neither positive nor negative.
	 * Ranking by score: b .8, c+ .7, d .7, e+ .4, f .1; P = 2 (c, e), N = 3.
	 * precision@2 = 1/2, recall@2 = 1/2; P@P = P@2 = 1/2.
	 * AP = (1/2 + 2/4) / 2 = 1/2.
	 * AUC: ascending ranks f 1, e 2, c d 3.5, b 5: (3.5 + 2 - 2*3/2) / (2*3) = 5/12.
	 * Mean percentile of c, e: (100*3.5/5 + 100*2/5) / 2 = 55.
	 * By risk: c+ .4, d .3, e+ .2, b .1, f 0: P@2 = 1/2, AP = (1 + 2/3)/2 = 5/6,
	 *   AUC: ranks c 5, e 3: (8 - 3) / 6 = 5/6.
	 * Rings use every member (a included): 0.5 as in evaluate_hand_computed.
	 */
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, args), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"view\":\"hidden\",\"score_column\":\"score\""));
	ck_assert_int_eq((int)json_num(out, "labelled_seeds"), 1);
	ck_assert_int_eq((int)json_num(out, "ranked"), 5);
	ck_assert_int_eq((int)json_num(out, "positives"), 2);
	ck_assert_int_eq((int)json_num(out, "negatives"), 3);
	ck_assert_int_eq((int)json_num(out, "positives_not_in_run"), 1);
	ck_assert(fabs(json_num(out, "precision_at_k") - 0.5) < 1e-9);
	ck_assert(fabs(json_num(out, "recall_at_k") - 0.5) < 1e-9);
	ck_assert(fabs(json_num(out, "precision_at_p") - 0.5) < 1e-9);
	ck_assert(fabs(json_num(out, "average_precision") - 0.5) < 1e-9);
	ck_assert(fabs(json_num(out, "roc_auc") - 5.0 / 12) < 1e-9);
	ck_assert(fabs(json_num(out, "unlabelled_positives_mean_pct") - 55) < 1e-9);
	ck_assert(fabs(json_num(out, "mean_best_jaccard") - 0.5) < 1e-9);
	ck_assert(fabs(score_num(out, "score", "roc_auc") - 5.0 / 12) < 1e-9);
	ck_assert(fabs(score_num(out, "risk", "precision_at_k") - 0.5) < 1e-9);
	ck_assert(fabs(score_num(out, "risk", "average_precision") - 5.0 / 6) < 1e-9);
	ck_assert(fabs(score_num(out, "risk", "roc_auc") - 5.0 / 6) < 1e-9);
	ck_assert_ptr_null(strstr(out, "\"rule_score\""));
	free(out);
	free(truth);
}
END_TEST

START_TEST(evaluate_score_columns_and_holdout)
{
	char *truth = data_path("eval_truth.csv"), *out = NULL, *err = NULL;
	/* the model's schema adds rule_score; older databases lack it */
	char *db = eval_copy("rule.db", "UPDATE user_scores SET label = 'holdout' WHERE user_id = 'e'");
	const char *by_rule[] = { "evaluate", "--db", db, "--truth", truth, "--k", "2", "--json", "--score",
		                  "rule_score", NULL };
	const char *text[] = { "evaluate", "--db", db, "--truth", truth, "--k", "2", NULL };
	const char *bad[] = { "evaluate", "--db", eval_db, "--truth", truth, "--score", "ring_id", NULL };
	const char *absent[] = { "evaluate", "--db", eval_db, "--truth", truth, "--score", "rule_score", NULL };
	sqlite3 *h;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	{
		sqlite3_stmt *st;
		ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT count(*) FROM pragma_table_info('user_scores')"
		                                       " WHERE name = 'rule_score'", -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) == 0)
			ck_assert_int_eq(sqlite3_exec(h, "ALTER TABLE user_scores ADD COLUMN rule_score REAL",
			                              NULL, NULL, NULL), SQLITE_OK);
		sqlite3_finalize(st);
	}
	/* rule_score: e+ .9, f .8, c+ .7, b .6, d .5, a .4 */
	ck_assert_int_eq(sqlite3_exec(h, "UPDATE user_scores SET rule_score = CASE user_id WHEN 'e' THEN .9"
	                                 " WHEN 'f' THEN .8 WHEN 'c' THEN .7 WHEN 'b' THEN .6 WHEN 'd' THEN .5"
	                                 " ELSE .4 END", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	/*
	 * Hidden view by rule_score: e+ .9, f .8, c+ .7, b .6, d .5 (a left out).
	 * precision@2 = 1/2, AP = (1 + 2/3) / 2 = 5/6, AUC: ranks e 5, c 3 -> (8-3)/6.
	 * e is stored as `holdout` (a hidden seed): ranked like anyone, first by
	 * rule_score: percentile 100, in the top 2.
	 */
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, by_rule), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"score_column\":\"rule_score\""));
	ck_assert(fabs(json_num(out, "average_precision") - 5.0 / 6) < 1e-9);
	ck_assert(fabs(json_num(out, "roc_auc") - 5.0 / 6) < 1e-9);
	ck_assert_int_eq((int)json_num(out, "heldout_seeds"), 1);
	ck_assert(fabs(json_num(out, "heldout_mean_pct") - 100) < 1e-9);
	ck_assert_int_eq((int)json_num(out, "heldout_in_top_k"), 1);
	/* the other columns side by side: by score, e is 4th of 5 -> pct 40 */
	ck_assert(fabs(score_num(out, "score", "heldout_mean_pct") - 40) < 1e-9);
	ck_assert(fabs(score_num(out, "score", "roc_auc") - 5.0 / 12) < 1e-9);
	free(out);
	ck_assert_int_eq(fgt_run(&out, NULL, NULL, NULL, text), 0);
	ck_assert_msg(strstr(out, "metric                                score  rule_score     risk\n"), "%s", out);
	ck_assert_msg(strstr(out, "held-out seeds in top 2                   0           1        0\n"), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "held-out seeds, mean pct (1)"));
	ck_assert_ptr_nonnull(strstr(out, "hidden positives only: the 1 users labelled fraud"));
	free(out);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, bad), 2);
	ck_assert_ptr_nonnull(strstr(err, "not a score column"));
	free(err);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, absent), 2);
	ck_assert_ptr_nonnull(strstr(err, "no user_scores.rule_score"));
	free(err);
	free(db);
	free(truth);
}
END_TEST

/* evaluate on a truth file with this text: exit code, and stdout or stderr. */
static int eval_truth_text(char **out, char **err, const char *text, const char *name)
{
	char *p = fgt_path(tmp, name);
	const char *args[] = { "evaluate", "--db", eval_db, "--truth", p, "--json", "--include-labelled", NULL };
	int rc;

	fgt_write_file(p, text, (size_t)-1);
	rc = fgt_run(out, err, NULL, NULL, args);
	free(p);
	return rc;
}

START_TEST(evaluate_truth_reader)
{
	char *out = NULL, *err = NULL;

	/* label values a risk team exports: 1/0, true/false, fraud/legit, with a BOM and CRLF */
	ck_assert_int_eq(eval_truth_text(&out, &err, "\xEF\xBB\xBFuser_id,label\r\na,1\r\nb,TRUE\r\nc,0\r\n"
	                                               "d,false\r\ne,chargeback\r\nf,legit\r\n", "t1.csv"), 0);
	/* positives a, b, e at ranks 1, 2, 5: AP (1 + 1 + 3/5) / 3 */
	ck_assert_int_eq((int)json_num(out, "positives"), 3);
	ck_assert(fabs(json_num(out, "average_precision") - 2.6 / 3) < 1e-9);
	free(out);
	free(err);
	/* an unknown label names file, line, column and value */
	ck_assert_int_eq(eval_truth_text(NULL, &err, "user_id,ring_id,label\na,,fraud\nb,,maybe\n", "t2.csv"), 3);
	ck_assert_msg(strstr(err, "t2.csv:3: column 3 'label': unknown label \"maybe\""), "%s", err);
	free(err);
	/* a stray quote inside a field: file:line:column of the quote */
	ck_assert_int_eq(eval_truth_text(NULL, &err, "user_id,role\na,ring\nb,\"Apt 4\" rear\nc,ring\n", "t3.csv"), 3);
	ck_assert_msg(strstr(err, "t3.csv:3:9: malformed quote"), "%s", err);
	free(err);
	ck_assert_int_eq(eval_truth_text(NULL, &err, "user_id,role\na,ri\"ng\nc,ring\n", "t4.csv"), 3);
	ck_assert_msg(strstr(err, "t4.csv:2:5: malformed quote"), "%s", err);
	free(err);
	/* an open quote at the end of the file swallows no row silently */
	ck_assert_int_eq(eval_truth_text(NULL, &err, "user_id,role\na,ring\nb,\"ring\nc,ring\nd,ring\n", "t5.csv"), 3);
	ck_assert_msg(strstr(err, "unterminated quote: the quoted field opened on line 3"), "%s", err);
	free(err);
	/* a quoted field over two lines is one value: the record after it has its own line */
	ck_assert_int_eq(eval_truth_text(NULL, &err, "user_id,ring_id,label\na,\"r\n1\",fraud\n,,fraud\n", "t6.csv"), 3);
	ck_assert_msg(strstr(err, "t6.csv:4: column 1 'user_id': empty user_id"), "%s", err);
	free(err);
	/* a header only: no positives, metrics undefined but no error */
	ck_assert_int_eq(eval_truth_text(&out, NULL, "user_id,label\n", "t7.csv"), 0);
	ck_assert_int_eq((int)json_num(out, "positives"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"roc_auc\":null"));
	free(out);
	ck_assert_int_eq(eval_truth_text(NULL, &err, "", "t8.csv"), 3);
	ck_assert_ptr_nonnull(strstr(err, "empty truth file"));
	free(err);
}
END_TEST

/* ---- the learned model: explain's reasons, report's model section --------- */

/*
 * A trained run by the real binary.  No data-samples/ world has the 20
 * labelled fraudsters training needs (world has 12), so the world is
 * `fraudgraph gen`'s (seed 3, 6000 users: 305 labelled); run twice, so
 * report has a previous run with a model to compare.
 */
static char *trained_db(void)
{
	char cmd[2048], *dir = fgt_path(tmp, "trained"), *db = fgt_path(tmp, "trained.db");
	char *edges = fgt_path(dir, "edges.csv"), *users = fgt_path(dir, "users.csv"), *err = NULL;
	const char *args[] = { "run", "--db", db, "--edges", edges, "--users", users, "--quiet", NULL };

	snprintf(cmd, sizeof(cmd), "'%s' gen --out '%s' --users 6000 --rings 60 --seed 3 --quiet",
	         fgt_bin(), dir);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_msg(fgt_run(NULL, &err, NULL, NULL, args) == 0, "run: %s", err);
		free(err);
		err = NULL;
	}
	free(edges);
	free(users);
	free(dir);
	return db;
}

START_TEST(explain_and_report_show_the_model)
{
	char *db = trained_db(), *out = NULL, *err = NULL, *user, *t1, *t2, *t3, *rule, *status;
	char want[512];

	/* a user with three stored reasons in the latest run */
	user = fgt_file_q_text(db, "SELECT user_id FROM user_reasons WHERE run_id = 2 AND rank = 3"
	                      " ORDER BY user_id LIMIT 1");
	ck_assert_ptr_nonnull(user);
	snprintf(want, sizeof(want), "SELECT text FROM user_reasons WHERE run_id = 2 AND user_id = '%s'"
	         " AND rank = 1", user);
	t1 = fgt_file_q_text(db, want);
	want[strlen(want) - 1] = '2';
	t2 = fgt_file_q_text(db, want);
	want[strlen(want) - 1] = '3';
	t3 = fgt_file_q_text(db, want);
	snprintf(want, sizeof(want), "SELECT printf('%%.3f', rule_score) FROM user_scores"
	         " WHERE run_id = 2 AND user_id = '%s'", user);
	rule = fgt_file_q_text(db, want);
	ck_assert_ptr_nonnull(t1);
	ck_assert_ptr_nonnull(t2);
	ck_assert_ptr_nonnull(t3);
	ck_assert_ptr_nonnull(rule);

	{
		const char *args[] = { "explain", "--db", db, user, NULL };
		ck_assert_msg(fgt_run(&out, &err, NULL, NULL, args) == 0, "explain: %s", err);
		free(err);
		ck_assert_ptr_nonnull(strstr(out, "\nWhy the model flags this user\n"));
		/* the reasons in rank order, each the stored sentence */
		ck_assert_ptr_nonnull(strstr(out, t1));
		ck_assert_ptr_nonnull(strstr(out, t2));
		ck_assert_ptr_nonnull(strstr(out, t3));
		ck_assert(strstr(out, t1) < strstr(out, t2) && strstr(out, t2) < strstr(out, t3));
		snprintf(want, sizeof(want), "(learned model, trained; hand-set rule score %s)", rule);
		ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
		free(out);
	}
	{
		const char *args[] = { "explain", "--db", db, user, "--format", "json", NULL };
		const char *keys[] = { "user", "reasons", NULL };
		ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, args), 0);
		free(err);
		check_json(out, keys);
		ck_assert_ptr_nonnull(strstr(out, "\"model\":\"trained\""));
		ck_assert_ptr_nonnull(strstr(out, "\"reasons\":[{\"rank\":1,\"feature\":"));
		ck_assert_ptr_nonnull(strstr(out, "{\"rank\":3,"));
		free(out);
	}
	{
		/* a user of no reasons (below the threshold): no section, an empty list */
		char *low = fgt_file_q_text(db, "SELECT user_id FROM user_scores s WHERE run_id = 2 AND NOT EXISTS"
		                           " (SELECT 1 FROM user_reasons r WHERE r.run_id = 2"
		                           " AND r.user_id = s.user_id) ORDER BY user_id LIMIT 1");
		const char *args[] = { "explain", "--db", db, low, NULL };
		const char *jargs[] = { "explain", "--db", db, low, "--format", "json", NULL };
		ck_assert_ptr_nonnull(low);
		ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, args), 0);
		free(err);
		ck_assert_ptr_null(strstr(out, "Why the model flags"));
		free(out);
		ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, jargs), 0);
		free(err);
		ck_assert_ptr_nonnull(strstr(out, "\"reasons\":[]"));
		free(out);
		free(low);
	}

	status = fgt_file_q_text(db, "SELECT model_status FROM runs WHERE run_id = 2");
	ck_assert_ptr_nonnull(status);
	ck_assert_msg(strncmp(status, "trained: ", 9) == 0, "%s", status);
	{
		const char *args[] = { "report", "--db", db, NULL };
		char *top = fgt_file_q_text(db, "SELECT j.key FROM models m, json_each(m.importance) j"
		                           " WHERE m.run_id = 2 ORDER BY j.value DESC, j.key LIMIT 1");
		char *auc = fgt_file_q_text(db, "SELECT printf('%.4f', auc) FROM models WHERE run_id = 2");
		char *pos = fgt_file_q_text(db, "SELECT n_positives FROM models WHERE run_id = 2");
		ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, args), 0);
		free(err);
		snprintf(want, sizeof(want), "\nModel\n  status     %s\n  previous   ", status);
		ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
		snprintf(want, sizeof(want), "top features by gain: %s ", top);
		ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
		/* this run and the previous one (same input, same model) side by side */
		snprintf(want, sizeof(want), "AUC (out of fold)    %s    %s", auc, auc);
		ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
		snprintf(want, sizeof(want), "positives               %s       %s", pos, pos);
		ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
		free(out);
		free(top);
		free(auc);
		free(pos);
	}
	{
		const char *args[] = { "report", "--db", db, "--json", NULL };
		const char *keys[] = { "model", "previous_model", NULL };
		ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, args), 0);
		free(err);
		check_json(out, keys);
		ck_assert_ptr_nonnull(strstr(out, "\"model\":{\"status\":\"trained: "));
		ck_assert_ptr_nonnull(strstr(out, "\"previous_model\":{\"status\":\"trained: "));
		ck_assert_ptr_nonnull(strstr(out, "\"top_importance\":[{\"feature\":"));
		free(out);
	}
	{
		/* the ring's hand-set rule_score beside its learned ring_score: explain and report */
		const char *q = "SELECT ring_key || ' ' || printf('%.3f', ring_score) || ' '"
		                " || printf('%.3f', rule_score) FROM rings WHERE run_id = 2"
		                " ORDER BY ring_score DESC, ring_key LIMIT 1";
		char *top = fgt_file_q_text(db, q), key[64], score[16], rs[16], got[16], *member, *line;
		ck_assert_ptr_nonnull(top);
		ck_assert_int_eq(sscanf(top, "%63s %15s %15s", key, score, rs), 3);
		/* the learned score is the core's mean, the rule one the factors' product: they differ */
		ck_assert_str_ne(score, rs);
		snprintf(want, sizeof(want), "SELECT s.user_id FROM user_scores s JOIN rings g"
		         " ON g.run_id = s.run_id AND g.ring_id = s.ring_id WHERE s.run_id = 2"
		         " AND g.ring_key = '%s' ORDER BY s.user_id LIMIT 1", key);
		member = fgt_file_q_text(db, want);
		ck_assert_ptr_nonnull(member);
		{
			const char *args[] = { "explain", "--db", db, member, NULL };
			ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, args), 0);
			free(err);
			snprintf(want, sizeof(want), "\nRing %s: ", key);
			ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
			snprintf(want, sizeof(want), ", score %s", score);
			ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
			snprintf(want, sizeof(want), "\n  rule score  %s (hand-set, the factors' product;"
			         " the score above is learned)\n", rs);
			ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
			snprintf(want, sizeof(want), "    rule_score     %s\n    ring_score     %s\n", rs, score);
			ck_assert_msg(strstr(out, want) != NULL, "no '%s' in:\n%s", want, out);
			free(out);
		}
		{
			const char *args[] = { "explain", "--db", db, member, "--format", "json", NULL };
			const char *keys[] = { "ring", NULL };
			char *r, *v;
			ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, args), 0);
			free(err);
			check_json(out, keys);
			r = strstr(out, "\n\"ring\":{");
			ck_assert_ptr_nonnull(r);
			v = strstr(r, ",\"rule_score\":");
			ck_assert_ptr_nonnull(v);
			snprintf(got, sizeof(got), "%.3f", strtod(v + 14, NULL));
			ck_assert_msg(!strcmp(got, rs), "ring rule_score %.20s, want %s", v + 14, rs);
			free(out);
		}
		{
			const char *args[] = { "report", "--db", db, NULL };
			const char *jargs[] = { "report", "--db", db, "--json", NULL };
			ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, args), 0);
			free(err);
			ck_assert_msg(strstr(out, "  links  score   rule\n"), "%s", out);
			snprintf(want, sizeof(want), "\n  %s ", key);
			line = strstr(out, want);
			ck_assert_msg(line != NULL, "no '%s' in:\n%s", want, out);
			snprintf(want, sizeof(want), "  %s  %s\n", score, rs);
			ck_assert_msg(strstr(line, want) == strchr(line + 1, '\n') - strlen(want) + 1,
			              "no '%s' ending the line of %s in:\n%s", want, key, out);
			free(out);
			ck_assert_int_eq(fgt_run(&out, &err, NULL, NULL, jargs), 0);
			free(err);
			snprintf(want, sizeof(want), "{\"ring_key\":\"%s\"", key);
			line = strstr(out, want);
			ck_assert_ptr_nonnull(line);
			line = strstr(line, ",\"rule_score\":");
			ck_assert_ptr_nonnull(line);
			snprintf(got, sizeof(got), "%.3f", strtod(line + 14, NULL));
			ck_assert_msg(!strcmp(got, rs), "report rule_score %.20s, want %s", line + 14, rs);
			free(out);
		}
		free(member);
		free(top);
	}
	free(status);
	free(rule);
	free(t1);
	free(t2);
	free(t3);
	free(user);
	free(db);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tools");
	TCase *tc = tcase_create("tools");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, teardown); /* built once */
	tcase_add_test(tc, explain_text_golden);
	tcase_add_test(tc, explain_json_golden_and_keys);
	tcase_add_test(tc, explain_path_matches_seed_hops);
	tcase_add_test(tc, explain_dot_golden);
	tcase_add_test(tc, explain_svg_well_formed);
	tcase_add_test(tc, explain_errors_and_exit_codes);
	tcase_add_test(tc, explain_uses_indexes_only);
	tcase_add_test(tc, explain_without_other_user_index);
	tcase_add_test(tc, explain_leaves_the_database_unchanged);
	tcase_add_test(tc, explain_matches_real_run);
	tcase_add_test(tc, explain_real_run_goldens);
	tcase_add_test(tc, explain_private_entities_apart);
	tcase_add_test(tc, explain_svg_title_and_path);
	tcase_add_test(tc, explain_control_characters_and_dashdash);
	tcase_add_test(tc, report_drift_hand_computed);
	tcase_add_test(tc, report_text_golden);
	tcase_add_test(tc, report_fail_on_drift);
	tcase_add_test(tc, report_drift_verdict_real_runs);
	tcase_add_test(tc, report_hub_warning);
	tcase_add_test(tc, evaluate_hand_computed);
	tcase_add_test(tc, evaluate_rules_and_errors);
	tcase_add_test(tc, evaluate_hidden_hand_computed);
	tcase_add_test(tc, evaluate_score_columns_and_holdout);
	tcase_add_test(tc, evaluate_truth_reader);
	tcase_add_test(tc, explain_and_report_show_the_model);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
