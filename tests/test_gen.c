/* `fraudgraph gen`: determinism, file shapes, planted structures, usage errors. */
#include "fg_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Check's ck_assert records a mark point (a pipe write) each time it passes;
 * per-byte and per-row checks use this instead to stay fast.
 */
#define REQUIRE(cond, ...)                      \
	do {                                    \
		if (!(cond))                    \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

typedef struct world {
	char *dir;
	char *edges, *users, *truth;
	size_t edges_len, users_len, truth_len;
} world;

static void gen(world *w, const char *users, const char *seed, const char *threads,
                const char *rings)
{
	const char *args[16];
	char *err = NULL;
	int n = 0, rc;
	char *p;

	w->dir = fgt_tmpdir();
	p = fgt_path(w->dir, "w"); /* not yet there: gen creates it */
	args[n++] = "gen";
	args[n++] = "--out";
	args[n++] = p;
	args[n++] = "--users";
	args[n++] = users;
	args[n++] = "--seed";
	args[n++] = seed;
	args[n++] = "--threads";
	args[n++] = threads;
	if (rings) {
		args[n++] = "--rings";
		args[n++] = rings;
	}
	args[n] = NULL;
	rc = fgt_run(NULL, &err, NULL, NULL, args);
	ck_assert_msg(rc == 0, "gen exited %d: %s", rc, err ? err : "");
	free(err);
	free(w->dir);
	w->dir = p;
	{
		char *e = fgt_path(p, "edges.csv"), *u = fgt_path(p, "users.csv"),
		     *t = fgt_path(p, "truth.csv");
		w->edges = fgt_read_file(e, &w->edges_len);
		w->users = fgt_read_file(u, &w->users_len);
		w->truth = fgt_read_file(t, &w->truth_len);
		ck_assert_ptr_nonnull(w->edges);
		ck_assert_ptr_nonnull(w->users);
		ck_assert_ptr_nonnull(w->truth);
		free(e);
		free(u);
		free(t);
	}
}

static void world_free(world *w)
{
	char *parent = strdup(w->dir);
	char *slash = strrchr(parent, '/');

	if (slash)
		*slash = '\0';
	fgt_rmtree(parent);
	free(parent);
	free(w->dir);
	free(w->edges);
	free(w->users);
	free(w->truth);
}

static bool same(const char *a, size_t na, const char *b, size_t nb)
{
	return na == nb && memcmp(a, b, na) == 0;
}

/*
 * RFC 4180 record splitter: calls back with each record's fields (quotes
 * removed, doubled quotes undone) and fails the test on a malformed record.
 * Returns the number of records, header included.
 */
typedef void (*rec_fn)(void *ctx, char **fields, int nf);

static size_t csv_each(const char *s, size_t len, int want_fields, rec_fn fn, void *ctx)
{
	size_t i = 0, nrec = 0;
	char field[4][512];
	char *fields[4];

	while (i < len) {
		int nf = 0;
		for (;;) {
			size_t fl = 0;
			REQUIRE(nf < 4, "record %zu has too many fields", nrec + 1);
			if (s[i] == '"') {
				i++;
				for (;;) {
					REQUIRE(i < len, "unterminated quote in record %zu", nrec + 1);
					if (s[i] == '"' && i + 1 < len && s[i + 1] == '"')
						field[nf][fl++] = '"', i += 2;
					else if (s[i] == '"') {
						i++;
						break;
					} else
						field[nf][fl++] = s[i++];
					REQUIRE(fl < 511, "field too long in record %zu", nrec + 1);
				}
			} else {
				while (i < len && s[i] != ',' && s[i] != '\n') {
					REQUIRE(s[i] != '"', "stray quote in record %zu", nrec + 1);
					field[nf][fl++] = s[i++];
					REQUIRE(fl < 511, "field too long in record %zu", nrec + 1);
				}
			}
			field[nf][fl] = '\0';
			fields[nf] = field[nf];
			nf++;
			if (i < len && s[i] == ',') {
				i++;
				continue;
			}
			REQUIRE(i < len && s[i] == '\n', "record %zu does not end in a newline",
			              nrec + 1);
			i++;
			break;
		}
		REQUIRE(nf == want_fields, "record %zu has %d fields", nrec + 1, nf);
		if (fn && nrec > 0)
			fn(ctx, fields, nf);
		nrec++;
	}
	return nrec;
}

/* ---- the checks ---- */

START_TEST(same_seed_same_bytes_any_threads)
{
	world a, b, c;

	gen(&a, "3000", "11", "1", NULL);
	gen(&b, "3000", "11", "3", NULL);
	gen(&c, "3000", "12", "2", NULL);
	ck_assert(same(a.edges, a.edges_len, b.edges, b.edges_len));
	ck_assert(same(a.users, a.users_len, b.users, b.users_len));
	ck_assert(same(a.truth, a.truth_len, b.truth, b.truth_len));
	ck_assert(!same(a.edges, a.edges_len, c.edges, c.edges_len));
	ck_assert(!same(a.users, a.users_len, c.users, c.users_len));
	world_free(&a);
	world_free(&b);
	world_free(&c);
}
END_TEST

typedef struct tally {
	/* truth */
	char ring_ids[64][32];
	int nring_ids;
	char ring_users[2048][16];
	int nring_users;
	int victims, households, offices, collusion;
	/* users */
	int users, fraud, legit;
	int ring_fraud;
	/* edges */
	int links, quoted_comma, doubled_quote, iso, unix_s, empty_t, relations;
	bool self_link;
} tally;

static int find_str(char (*arr)[16], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(arr[i], s))
			return i;
	return -1;
}

static void on_truth(void *ctx, char **f, int nf)
{
	tally *t = ctx;
	int i;

	(void)nf;
	if (!strcmp(f[2], "ring")) {
		REQUIRE(!strncmp(f[1], "ring-", 5), "ring id '%s'", f[1]);
		for (i = 0; i < t->nring_ids && strcmp(t->ring_ids[i], f[1]); i++)
			;
		if (i == t->nring_ids) {
			REQUIRE(t->nring_ids < 64, "too many rings");
			snprintf(t->ring_ids[t->nring_ids++], 32, "%s", f[1]);
		}
		REQUIRE(t->nring_users < 2048, "too many ring users");
		snprintf(t->ring_users[t->nring_users++], 16, "%s", f[0]);
	} else if (!strcmp(f[2], "victim")) {
		REQUIRE(!strncmp(f[1], "ring-", 5), "id '%s'", f[1]);
		t->victims++;
	} else if (!strcmp(f[2], "household")) {
		REQUIRE(!strncmp(f[1], "hh-", 3), "id '%s'", f[1]);
		t->households++;
	} else if (!strcmp(f[2], "office")) {
		REQUIRE(!strncmp(f[1], "office-", 7), "id '%s'", f[1]);
		t->offices++;
	} else if (!strcmp(f[2], "collusion")) {
		REQUIRE(!strncmp(f[1], "col-", 4), "id '%s'", f[1]);
		t->collusion++;
	} else {
		ck_abort_msg("unknown role '%s'", f[2]);
	}
}

static void on_user(void *ctx, char **f, int nf)
{
	tally *t = ctx;

	(void)nf;
	t->users++;
	REQUIRE(strlen(f[0]) == 9 && f[0][0] == 'u', "user id '%s'", f[0]);
	if (!strcmp(f[2], "fraud")) {
		t->fraud++;
		if (find_str(t->ring_users, t->nring_users, f[0]) >= 0)
			t->ring_fraud++;
	} else if (!strcmp(f[2], "legit")) {
		t->legit++;
	} else {
		REQUIRE(f[2][0] == '\0', "label '%s'", f[2]);
	}
}

static void on_edge(void *ctx, char **f, int nf)
{
	tally *t = ctx;
	int i;

	(void)nf;
	t->links++;
	REQUIRE(f[0][0] && f[1][0] && f[2][0], "empty field in an edge row");
	if (strchr(f[2], ','))
		t->quoted_comma++;
	if (strchr(f[2], '"'))
		t->doubled_quote++;
	if (!f[3][0])
		t->empty_t++;
	else if (strchr(f[3], 'T'))
		t->iso++;
	else
		t->unix_s++;
	if (!strcmp(f[1], "order") || !strcmp(f[1], "transfer") || !strcmp(f[1], "referral")) {
		t->relations++;
		if (!strcmp(f[0], f[2]))
			t->self_link = true;
	}
	/* mark ring members seen in edges by clearing their first byte */
	i = find_str(t->ring_users, t->nring_users, f[0]);
	if (i >= 0)
		t->ring_users[i][0] = '#';
}

START_TEST(world_shape)
{
	world w;
	tally *t = calloc(1, sizeof(tally));

	ck_assert_ptr_nonnull(t);
	gen(&w, "3000", "7", "2", "6");
	ck_assert(!strncmp(w.edges, "user_id,kind,value,seen_at\n", 27));
	ck_assert(!strncmp(w.users, "user_id,created_at,label\n", 25));
	ck_assert(!strncmp(w.truth, "user_id,ring_id,role\n", 21));

	csv_each(w.truth, w.truth_len, 3, on_truth, t);
	ck_assert_int_eq(t->nring_ids, 6); /* exactly --rings rings */
	ck_assert_int_ge(t->nring_users, 6 * 5);
	ck_assert_int_gt(t->households, 0);
	ck_assert_int_gt(t->offices, 0);
	ck_assert_int_gt(t->collusion, 0);

	ck_assert_uint_eq(csv_each(w.users, w.users_len, 3, on_user, t), 3001);
	ck_assert_int_eq(t->users, 3000);
	ck_assert_int_gt(t->ring_fraud, 0);                /* some ring members labelled */
	ck_assert_int_lt(t->ring_fraud, t->nring_users);   /* but not all */
	ck_assert_int_gt(t->legit, 0);

	csv_each(w.edges, w.edges_len, 4, on_edge, t);
	for (int i = 0; i < t->nring_users; i++)
		REQUIRE(t->ring_users[i][0] == '#', "ring member %s has no link",
		              t->ring_users[i]);
	ck_assert_int_gt(t->links, 3000 * 4);
	ck_assert_int_lt(t->links, 3000 * 6);
	ck_assert_int_gt(t->quoted_comma, 0);
	ck_assert_int_gt(t->doubled_quote, 0);
	ck_assert_int_gt(t->iso, t->unix_s);
	ck_assert_int_gt(t->unix_s, t->empty_t);
	ck_assert_int_gt(t->empty_t, 0);
	ck_assert_int_gt(t->relations, 0);
	ck_assert(!t->self_link);
	world_free(&w);
	free(t);
}
END_TEST

/* data-samples/world is what its documented command makes (README claims it). */
START_TEST(sample_world_is_reproducible)
{
	const char *names[3] = { "edges.csv", "users.csv", "truth.csv" };
	world w;

	gen(&w, "1200", "9", "2", "3");
	for (int i = 0; i < 3; i++) {
		char path[4096];
		char *want;
		size_t want_len;
		const char *got = i == 0 ? w.edges : i == 1 ? w.users : w.truth;
		size_t got_len = i == 0 ? w.edges_len : i == 1 ? w.users_len : w.truth_len;

		snprintf(path, sizeof(path), "%s/data-samples/world/%s", fgt_source_root(), names[i]);
		want = fgt_read_file(path, &want_len);
		ck_assert_msg(want != NULL, "cannot read %s", path);
		ck_assert_msg(same(got, got_len, want, want_len),
		              "%s differs from `gen --users 1200 --rings 3 --seed 9`: regenerate it", path);
		free(want);
	}
	world_free(&w);
}
END_TEST

START_TEST(tiny_world)
{
	world w;

	gen(&w, "1", "1", "1", NULL);
	ck_assert_str_eq(w.truth, "user_id,ring_id,role\n");
	ck_assert_uint_eq(csv_each(w.users, w.users_len, 3, NULL, NULL), 2);
	ck_assert_uint_ge(csv_each(w.edges, w.edges_len, 4, NULL, NULL), 3);
	world_free(&w);
}
END_TEST

static int run_gen(char **err, const char *const *args)
{
	return fgt_run(NULL, err, NULL, NULL, args);
}

START_TEST(usage_errors_exit_2)
{
	char *dir = fgt_tmpdir(), *out = fgt_path(dir, "w"), *err = NULL;
	const char *const bad[][12] = {
		{ "gen", "--users", "10", NULL },                               /* no --out */
		{ "gen", "--out", out, NULL },                                  /* no --users */
		{ "gen", "--out", out, "--users", "0", NULL },
		{ "gen", "--out", out, "--users", "12x", NULL },
		{ "gen", "--out", out, "--users", "-5", NULL },
		{ "gen", "--out", out, "--users", NULL },
		{ "gen", "--out", out, "--users", "100", "--label-rate", "1.5", NULL },
		{ "gen", "--out", out, "--users", "100", "--start", "yesterday", NULL },
		{ "gen", "--out", out, "--users", "100", "--bogus", NULL },
		{ "gen", "--out", out, "--users", "3000", "--rings", "5000", NULL },
		{ "gen", "--out", out, "--users", "100", "--threads", "0", NULL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = run_gen(&err, bad[i]);
		ck_assert_msg(rc == 2, "case %zu exited %d", i, rc);
		ck_assert_msg(!strncmp(err, "fraudgraph: ", 12), "case %zu: stderr '%s'", i, err);
		free(err);
	}
	fgt_rmtree(dir);
	free(out);
	free(dir);
}
END_TEST

START_TEST(help_and_unwritable_out)
{
	char *dir = fgt_tmpdir(), *file = fgt_path(dir, "plain"), *out = fgt_path(file, "w");
	char *sout = NULL, *err = NULL;
	const char *const help[] = { "gen", "--help", NULL };
	const char *const unwritable[] = { "gen", "--out", out, "--users", "10", NULL };

	ck_assert_int_eq(fgt_run(&sout, NULL, NULL, NULL, help), 0);
	ck_assert_ptr_nonnull(strstr(sout, "usage: fraudgraph gen"));
	ck_assert_ptr_nonnull(strstr(sout, "Exit codes"));
	free(sout);

	fgt_write_file(file, "not a directory\n", (size_t)-1);
	ck_assert_int_eq(run_gen(&err, unwritable), 1);
	ck_assert_msg(strstr(err, out) != NULL, "stderr does not name the path: %s", err);
	free(err);
	fgt_rmtree(dir);
	free(out);
	free(file);
	free(dir);
}
END_TEST

static Suite *gen_suite(void)
{
	Suite *s = suite_create("gen");
	TCase *tc = tcase_create("gen");

	tcase_add_test(tc, same_seed_same_bytes_any_threads);
	tcase_add_test(tc, world_shape);
	tcase_add_test(tc, sample_world_is_reproducible);
	tcase_add_test(tc, tiny_world);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, help_and_unwritable_out);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
