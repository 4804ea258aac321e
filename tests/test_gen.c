/* `fraudgraph gen`: determinism, file shapes, planted structures, the five
 * shapes' rows, rates and attributes, usage errors. */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_gen_world.h"

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

/* gen --out TMP/w followed by extra (NULL-terminated, at most 24) */
static void gen_v(world *w, const char *const *extra)
{
	const char *args[32];
	char *err = NULL;
	int n = 0, rc;
	char *p;

	w->dir = fgt_tmpdir();
	p = fgt_path(w->dir, "w"); /* not yet there: gen creates it */
	args[n++] = "gen";
	args[n++] = "--out";
	args[n++] = p;
	for (int i = 0; extra[i]; i++) {
		ck_assert_int_lt(n, 30);
		args[n++] = extra[i];
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

static void gen(world *w, const char *users, const char *seed, const char *threads,
                const char *rings)
{
	const char *extra[] = { "--users", users, "--seed", seed, "--threads", threads,
	                        rings ? "--rings" : NULL, rings, NULL };
	gen_v(w, extra);
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
	static char field[32][512];
	char *fields[32];

	while (i < len) {
		int nf = 0;
		for (;;) {
			size_t fl = 0;
			REQUIRE(nf < 32, "record %zu has too many fields", nrec + 1);
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

/* ---- the attribute shapes ---- */

typedef struct shape_info {
	const char *name, *kind;
	double base_rate;
	int nattrs;
	bool user_user; /* value is another user's id */
} shape_info;

static const shape_info shapes[] = {
	{ "dense", "transfer", 0.04, 10, true },
	{ "coreview", "user", 0.07, 25, true },
	{ "reviews", "product", 0.05, 4, false },
	{ "payments", "terminal", 0.03, 5, false },
};

static void gen_shape(world *w, const char *shape, const char *users, const char *seed,
                      const char *threads, const char *label_rate)
{
	const char *extra[] = { "--shape", shape, "--users", users, "--seed", seed, "--threads",
	                        threads, label_rate ? "--label-rate" : NULL, label_rate, NULL };
	gen_v(w, extra);
}

START_TEST(shapes_same_seed_same_bytes)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		world a, b, c;
		gen_shape(&a, shapes[i].name, "12000", "5", "1", NULL);
		gen_shape(&b, shapes[i].name, "12000", "5", "3", NULL);
		gen_shape(&c, shapes[i].name, "12000", "6", "2", NULL);
		ck_assert_msg(same(a.edges, a.edges_len, b.edges, b.edges_len), "%s edges", shapes[i].name);
		ck_assert_msg(same(a.users, a.users_len, b.users, b.users_len), "%s users", shapes[i].name);
		ck_assert_msg(same(a.truth, a.truth_len, b.truth, b.truth_len), "%s truth", shapes[i].name);
		ck_assert_msg(!same(a.edges, a.edges_len, c.edges, c.edges_len), "%s seed", shapes[i].name);
		ck_assert_msg(!same(a.users, a.users_len, c.users, c.users_len), "%s seed", shapes[i].name);
		world_free(&a);
		world_free(&b);
		world_free(&c);
	}
}
END_TEST

typedef struct idv {
	char a[32], b[12];
} idv;

static int cmp_idv(const void *x, const void *y)
{
	const idv *p = x, *q = y;
	int c = strcmp(p->a, q->a);

	return c ? c : strcmp(p->b, q->b);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(x, y);
}

typedef struct stally {
	const shape_info *si;
	int nattrs;
	/* users: ids sorted after the scan, labels */
	char (*ids)[12];
	int nusers, fraud, legit, labelled_not_truth;
	long missing[32], cells[32];
	bool bad_number;
	/* truth */
	char (*truth)[12];
	int ntruth;
	bool truth_bad;
	/* edges */
	idv *pairs; /* (value, user) */
	char (*edge_users)[12];
	int npairs, cap;
	bool wrong_kind, self_link, dangling;
} stally;

static bool in_sorted(char (*arr)[12], int n, const char *s)
{
	return bsearch(s, arr, (size_t)n, sizeof(arr[0]), cmp_str) != NULL;
}

static void on_struth(void *ctx, char **f, int nf)
{
	stally *t = ctx;

	(void)nf;
	if (strcmp(f[1], "fraud"))
		t->truth_bad = true;
	snprintf(t->truth[t->ntruth++], 12, "%s", f[0]);
}

static void on_suser(void *ctx, char **f, int nf)
{
	stally *t = ctx;

	snprintf(t->ids[t->nusers++], 12, "%s", f[0]);
	if (!strcmp(f[2], "fraud")) {
		t->fraud++;
		if (!in_sorted(t->truth, t->ntruth, f[0]))
			t->labelled_not_truth++;
	} else if (!strcmp(f[2], "legit")) {
		t->legit++;
	}
	for (int i = 3; i < nf; i++) {
		char *end;
		t->cells[i - 3]++;
		if (!f[i][0]) {
			t->missing[i - 3]++;
			continue;
		}
		(void)strtod(f[i], &end);
		if (*end)
			t->bad_number = true;
	}
}

static void on_sedge(void *ctx, char **f, int nf)
{
	stally *t = ctx;

	(void)nf;
	if (strcmp(f[1], t->si->kind))
		t->wrong_kind = true;
	if (t->si->user_user) {
		if (!strcmp(f[0], f[2]))
			t->self_link = true;
		if (!in_sorted(t->ids, t->nusers, f[2]))
			t->dangling = true;
	}
	if (t->npairs == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1 << 16;
		t->pairs = realloc(t->pairs, (size_t)t->cap * sizeof(idv));
		ck_assert_ptr_nonnull(t->pairs);
	}
	snprintf(t->pairs[t->npairs].a, 32, "%s", f[2]);
	snprintf(t->pairs[t->npairs].b, 12, "%s", f[0]);
	t->npairs++;
}

/* distinct (value, user) pairs sorted by value; returns their number */
static int distinct_pairs(stally *t)
{
	int n = 0;

	qsort(t->pairs, (size_t)t->npairs, sizeof(idv), cmp_idv);
	for (int i = 0; i < t->npairs; i++)
		if (n == 0 || cmp_idv(&t->pairs[n - 1], &t->pairs[i]))
			t->pairs[n++] = t->pairs[i];
	return n;
}

START_TEST(shapes_rows_rates_attributes)
{
	const int N = 20000;

	for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
		const shape_info *sh = &shapes[si];
		stally *t = calloc(1, sizeof(stally));
		world w;
		char header[512];
		int n, pos, want, with_missing = 0, max_share = 0;

		ck_assert_ptr_nonnull(t);
		t->si = sh;
		t->ids = calloc((size_t)N, 12);
		t->truth = calloc((size_t)N, 12);
		ck_assert(t->ids && t->truth);
		gen_shape(&w, sh->name, "20000", "3", "2", NULL);

		/* headers */
		ck_assert(!strncmp(w.edges, "user_id,kind,value,seen_at\n", 27));
		ck_assert(!strncmp(w.truth, "user_id,label,ring_id\n", 22));
		n = snprintf(header, sizeof(header), "user_id,created_at,label");
		for (int a = 1; a <= sh->nattrs; a++)
			n += snprintf(header + n, sizeof(header) - (size_t)n, ",a%02d", a);
		snprintf(header + n, sizeof(header) - (size_t)n, "\n");
		ck_assert_msg(!strncmp(w.users, header, strlen(header)), "%s users header", sh->name);

		/* truth: exactly the documented base rate, all label fraud */
		csv_each(w.truth, w.truth_len, 3, on_struth, t);
		want = (int)(sh->base_rate * N + 0.5);
		ck_assert_msg(t->ntruth == want, "%s: %d fraudsters, documented %d", sh->name, t->ntruth,
		              want);
		ck_assert(!t->truth_bad);
		qsort(t->truth, (size_t)t->ntruth, 12, cmp_str);

		/* users: N rows of 3 + attrs fields, every fraudster labelled (rate 1) */
		ck_assert_uint_eq(csv_each(w.users, w.users_len, 3 + sh->nattrs, on_suser, t),
		                  (size_t)N + 1);
		ck_assert_int_eq(t->nusers, N);
		ck_assert_int_eq(t->fraud, t->ntruth);
		ck_assert_int_eq(t->labelled_not_truth, 0);
		ck_assert_int_gt(t->legit, 0);
		ck_assert_int_lt(t->legit, N / 50);
		ck_assert_msg(!t->bad_number, "%s: an attribute cell is not a number", sh->name);
		for (int a = 0; a < sh->nattrs; a++) {
			ck_assert_int_eq(t->cells[a], N);
			with_missing += t->missing[a] > 0;
			ck_assert_msg(t->missing[a] < N / 2, "%s a%02d mostly missing", sh->name, a + 1);
		}
		ck_assert_msg(with_missing >= 1, "%s: no attribute with missing cells", sh->name);
		qsort(t->ids, (size_t)N, 12, cmp_str);
		for (int i = 1; i < N; i++)
			REQUIRE(strcmp(t->ids[i - 1], t->ids[i]) != 0, "duplicate user %s", t->ids[i]);

		/* edges: the shape's kind, no self link, no unknown user, every user linked */
		csv_each(w.edges, w.edges_len, 4, on_sedge, t);
		ck_assert_msg(!t->wrong_kind, "%s: a row of another kind", sh->name);
		ck_assert(!t->self_link);
		ck_assert(!t->dangling);
		ck_assert_int_gt(t->npairs, 3 * N);
		{
			char (*eu)[12] = calloc((size_t)t->npairs, 12);
			int ne = 0;
			ck_assert_ptr_nonnull(eu);
			for (int i = 0; i < t->npairs; i++)
				memcpy(eu[i], t->pairs[i].b, 12);
			qsort(eu, (size_t)t->npairs, 12, cmp_str);
			for (int i = 0; i < t->npairs; i++)
				ne += i == 0 || strcmp(eu[i - 1], eu[i]);
			ck_assert_msg(ne == N, "%s: %d users with links of %d", sh->name, ne, N);
			free(eu);
		}

		/* what carries the signal */
		n = distinct_pairs(t);
		if (!strcmp(sh->name, "reviews")) {
			int share = 0, hubs = 0;
			for (int i = 0; i <= n; i++) {
				if (i > 0 && (i == n || strcmp(t->pairs[i].a, t->pairs[i - 1].a))) {
					max_share = share > max_share ? share : max_share;
					hubs += share > 50;
					share = 0;
				}
				share++;
			}
			/* popular products shared by hundreds, far over the cap of 50 */
			ck_assert_int_gt(max_share, 500);
			ck_assert_int_ge(hubs, N / 100 - 5);
		}
		if (!strcmp(sh->name, "payments")) {
			/* degree is signal: fraudsters pay at more distinct terminals */
			long deg_f = 0, deg_n = 0;
			for (int i = 0; i < n; i++)
				if (in_sorted(t->truth, t->ntruth, t->pairs[i].b))
					deg_f++;
				else
					deg_n++;
			pos = t->ntruth;
			ck_assert_msg((double)deg_f / pos > 1.5 * (double)deg_n / (N - pos),
			              "fraud degree %.2f, normal %.2f", (double)deg_f / pos,
			              (double)deg_n / (N - pos));
		}
		world_free(&w);
		free(t->ids);
		free(t->truth);
		free(t->pairs);
		free(t);
	}
}
END_TEST

/* The label rate moves labels only: links, attributes and truth stay the same. */
START_TEST(shape_label_rate_moves_labels_only)
{
	world a, b;
	stally *ta = calloc(1, sizeof(stally)), *tb = calloc(1, sizeof(stally));

	ck_assert(ta && tb);
	gen_shape(&a, "dense", "10000", "8", "2", NULL);
	gen_shape(&b, "dense", "10000", "8", "2", "0.3");
	ck_assert(same(a.edges, a.edges_len, b.edges, b.edges_len));
	ck_assert(same(a.truth, a.truth_len, b.truth, b.truth_len));
	ta->si = tb->si = &shapes[0];
	ta->ids = calloc(10000, 12);
	tb->ids = calloc(10000, 12);
	ta->truth = calloc(10000, 12);
	tb->truth = calloc(10000, 12);
	csv_each(a.truth, a.truth_len, 3, on_struth, ta);
	csv_each(b.truth, b.truth_len, 3, on_struth, tb);
	qsort(ta->truth, (size_t)ta->ntruth, 12, cmp_str);
	qsort(tb->truth, (size_t)tb->ntruth, 12, cmp_str);
	csv_each(a.users, a.users_len, 13, on_suser, ta);
	csv_each(b.users, b.users_len, 13, on_suser, tb);
	ck_assert_int_eq(ta->fraud, 400);
	ck_assert_int_gt(tb->fraud, 400 * 0.2);
	ck_assert_int_lt(tb->fraud, 400 * 0.4);
	ck_assert_int_eq(tb->labelled_not_truth, 0);
	world_free(&a);
	world_free(&b);
	free(ta->ids);
	free(tb->ids);
	free(ta->truth);
	free(tb->truth);
	free(ta);
	free(tb);
}
END_TEST

typedef struct rtally {
	char rings[256][16];
	int size[256], victims[256], nrings;
	char (*members)[12];
	int nmembers;
	int camouflage_orders;
	bool other_role;
} rtally;

static int ring_slot(rtally *t, const char *id)
{
	int i;

	for (i = 0; i < t->nrings && strcmp(t->rings[i], id); i++)
		;
	if (i == t->nrings) {
		REQUIRE(t->nrings < 256, "too many rings");
		snprintf(t->rings[t->nrings++], 16, "%s", id);
	}
	return i;
}

static void on_rtruth(void *ctx, char **f, int nf)
{
	rtally *t = ctx;

	(void)nf;
	if (!strcmp(f[2], "ring")) {
		t->size[ring_slot(t, f[1])]++;
		snprintf(t->members[t->nmembers++], 12, "%s", f[0]);
	} else if (!strcmp(f[2], "victim")) {
		t->victims[ring_slot(t, f[1])]++;
	}
}

static void on_redge(void *ctx, char **f, int nf)
{
	rtally *t = ctx;

	(void)nf;
	if (!strcmp(f[1], "order") && in_sorted(t->members, t->nmembers, f[0]) &&
	    !in_sorted(t->members, t->nmembers, f[2]))
		t->camouflage_orders++;
}

START_TEST(rings_variety_parameters)
{
	const char *extra[] = { "--users", "20000", "--seed", "4", "--ring-size", "8-12",
	                        "--victims", "3", "--camouflage", "1", "--burst-days", "30", NULL };
	rtally *t = calloc(1, sizeof(rtally));
	world w;
	int stolen = 0;

	ck_assert_ptr_nonnull(t);
	t->members = calloc(20000, 12);
	gen_v(&w, extra);
	csv_each(w.truth, w.truth_len, 3, on_rtruth, t);
	qsort(t->members, (size_t)t->nmembers, 12, cmp_str);
	ck_assert_int_eq(t->nrings, 10); /* 20000 / 2000 */
	for (int i = 0; i < t->nrings; i++) {
		ck_assert_msg(t->size[i] >= 8 && t->size[i] <= 12, "%s has %d members", t->rings[i],
		              t->size[i]);
		ck_assert_msg(t->victims[i] == 0 || t->victims[i] == 3, "%s has %d victims",
		              t->rings[i], t->victims[i]);
		stolen += t->victims[i] == 3;
	}
	ck_assert_int_gt(stolen, 0);
	csv_each(w.edges, w.edges_len, 4, on_redge, t);
	ck_assert_int_gt(t->camouflage_orders, 0);
	world_free(&w);
	free(t->members);
	free(t);
}
END_TEST

START_TEST(shapes_tiny_worlds)
{
	const char *sizes[] = { "1", "2", "7", "60" };

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			world w;
			gen_shape(&w, shapes[i].name, sizes[k], "1", "1", NULL);
			ck_assert_uint_eq(csv_each(w.users, w.users_len, 3 + shapes[i].nattrs, NULL, NULL),
			                  (size_t)atoi(sizes[k]) + 1);
			ck_assert_uint_ge(csv_each(w.truth, w.truth_len, 3, NULL, NULL), 1);
			ck_assert_uint_ge(csv_each(w.edges, w.edges_len, 4, NULL, NULL),
			                  sizes[k][0] == '1' ? 1 : 2);
			world_free(&w);
		}
}
END_TEST

/* The library behind the command: shape names, parameter checks, stats. */
START_TEST(library_contract)
{
	fg_gen_params p;
	fg_gen_stats st;
	fg_gen_shape sh;
	char *dir = fgt_tmpdir();

	for (int i = 0; i < FG_GEN_NSHAPES; i++) {
		ck_assert_int_eq(fg_gen_shape_parse(&sh, fg_gen_shape_name((fg_gen_shape)i)), FG_OK);
		ck_assert_int_eq(sh, i);
	}
	ck_assert_int_eq(fg_gen_shape_parse(&sh, "Rings"), FG_EUSAGE);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "payments"));

	fg_gen_params_init(&p);
	p.users = 5000;
	p.ring_min = 9;
	p.ring_max = 8;
	ck_assert_int_eq(fg_gen_world(&st, &p, dir), FG_EUSAGE);
	fg_gen_params_init(&p);
	p.users = 0;
	ck_assert_int_eq(fg_gen_world(&st, &p, dir), FG_EUSAGE);
	fg_gen_params_init(&p);
	p.users = 3000;
	p.shape = FG_GEN_SHAPE_PAYMENTS;
	p.threads = 1;
	ck_assert_int_eq(fg_gen_world(&st, &p, dir), FG_OK);
	ck_assert_uint_eq(st.users, 3000);
	ck_assert_uint_eq(st.fraudsters, 90);
	ck_assert_uint_eq(st.truth_rows, 90);
	ck_assert_uint_eq(st.labelled_fraud, 90); /* the shape's default label rate is 1 */
	ck_assert_uint_eq(st.attrs, 5);
	ck_assert_uint_gt(st.groups, 0);
	fgt_rmtree(dir);
	free(dir);
}
END_TEST

static int run_gen(char **err, const char *const *args)
{
	return fgt_run(NULL, err, NULL, NULL, args);
}

START_TEST(usage_errors_exit_2)
{
	char *dir = fgt_tmpdir(), *out = fgt_path(dir, "w"), *err = NULL;
	const char *const bad[][14] = {
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
		{ "gen", "--out", out, "--users", "100", "--shape", "bogus", NULL },
		{ "gen", "--out", out, "--users", "100", "--shape", NULL },
		{ "gen", "--out", out, "--users", "100", "--shape", "dense", "--rings", "3", NULL },
		{ "gen", "--out", out, "--users", "100", "--camouflage", "0.5", "--shape", "payments", NULL },
		{ "gen", "--out", out, "--users", "100", "--ring-size", "1-5", NULL },
		{ "gen", "--out", out, "--users", "100", "--ring-size", "5-70", NULL },
		{ "gen", "--out", out, "--users", "100", "--ring-size", "9-5", NULL },
		{ "gen", "--out", out, "--users", "100", "--ring-size", "x", NULL },
		{ "gen", "--out", out, "--users", "100", "--victims", "0", NULL },
		{ "gen", "--out", out, "--users", "100", "--camouflage", "2", NULL },
		{ "gen", "--out", out, "--users", "100", "--burst-days", "0", NULL },
		{ "gen", "--out", out, "--users", "100", "--shape", "dense", "--label-rate", "-1", NULL },
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
	tcase_add_test(tc, shapes_same_seed_same_bytes);
	tcase_add_test(tc, shapes_rows_rates_attributes);
	tcase_add_test(tc, shape_label_rate_moves_labels_only);
	tcase_add_test(tc, rings_variety_parameters);
	tcase_add_test(tc, shapes_tiny_worlds);
	tcase_add_test(tc, library_contract);
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
