/* graph/: hashing, interning, the link set and the canonical graph build. */
#include "fg_test.h"

#include "fg_build_config.h"
#include "fg_config.h"
#include "fg_error.h"
#include "fg_graph.h"
#include "fg_graph_internal.h"
#include "fg_hash.h"
#include "fg_ingest.h"
#include "fg_intern.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#define NONE FG_TIME_NONE

/* A test row: a link (kind != NULL) or a user row. */
typedef struct trow {
	char user[48];
	char kind[16];
	char value[48];
	int64_t t;
	int label;
	int is_user;
} trow;

static void feed(fg_linkset *ls, const trow *r)
{
	if (r->is_user) {
		fg_user_row ur = { { r->user, strlen(r->user) }, r->t, (fg_label)r->label, "t", 1, 0, NULL, 0 };
		if (fg_linkset_user_sink(ls, &ur) != FG_OK)
			ck_abort_msg("user sink: %s", fg_error_msg());
	} else {
		fg_link_row lr = { { r->user, strlen(r->user) }, { r->kind, strlen(r->kind) },
		                   { r->value, strlen(r->value) }, r->t, "t", 1, false, 0, 0 };
		if (fg_linkset_link_sink(ls, &lr) != FG_OK)
			ck_abort_msg("link sink: %s", fg_error_msg());
	}
}

static trow L(const char *u, const char *k, const char *v, int64_t t)
{
	trow r;

	memset(&r, 0, sizeof(r));
	snprintf(r.user, sizeof(r.user), "%s", u);
	snprintf(r.kind, sizeof(r.kind), "%s", k);
	snprintf(r.value, sizeof(r.value), "%s", v);
	r.t = t;
	return r;
}

static trow U(const char *u, int label, int64_t created)
{
	trow r;

	memset(&r, 0, sizeof(r));
	snprintf(r.user, sizeof(r.user), "%s", u);
	r.t = created;
	r.label = label;
	r.is_user = 1;
	return r;
}

static fg_graph *build_rows(const fg_config *cfg, const trow *rows, size_t n)
{
	fg_linkset *ls = NULL;
	fg_graph *g = NULL;

	ck_assert_int_eq(fg_linkset_new(&ls, cfg), FG_OK);
	for (size_t i = 0; i < n; i++)
		feed(ls, &rows[i]);
	ck_assert_int_eq(fg_graph_build(&g, ls, cfg), FG_OK);
	fg_linkset_free(&ls);
	ck_assert_ptr_null(ls);
	return g;
}

/*
 * Entity e's value for an assertion: four readers in turn (a line may hold
 * two), each reset first, so a graph freed and another built at its address
 * never meets a stale value.
 */
static const char *tval(const fg_graph *g, uint32_t e)
{
	static fg_values r[4];
	static unsigned i;
	fg_values *vr = &r[i++ & 3u];
	const char *v;

	vr->g = NULL;
	v = fg_graph_ent_value(g, e, vr);
	ck_assert_ptr_nonnull(v);
	return v;
}

static int byte_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

/*
 * Check's assertions each cost a system call, so the loops below collect the
 * first failure and assert once.
 */
#define EXPECT(cond, what, idx)                                                   \
	do {                                                                      \
		if (!(cond) && !bad) {                                            \
			bad = what;                                               \
			bad_at = (uint64_t)(idx);                                 \
		}                                                                 \
	} while (0)

static void check_same(const fg_graph *a, const fg_graph *b)
{
	const char *bad = NULL;
	uint64_t bad_at = 0;

	ck_assert_uint_eq(a->n_users, b->n_users);
	ck_assert_uint_eq(a->n_entities, b->n_entities);
	ck_assert_uint_eq(a->n_kinds, b->n_kinds);
	ck_assert_uint_eq(a->n_links, b->n_links);
	ck_assert_uint_eq(a->n_user_links, b->n_user_links);
	ck_assert_uint_eq(a->n_hubs, b->n_hubs);
	ck_assert_uint_eq(a->n_seeds, b->n_seeds);
	ck_assert_uint_eq(a->n_legit, b->n_legit);
	for (uint32_t k = 0; k < a->n_kinds; k++) {
		EXPECT(strcmp(a->kind_name[k], b->kind_name[k]) == 0, "kind_name", k);
		EXPECT(a->kind_weight[k] == b->kind_weight[k], "kind_weight", k);
		EXPECT(a->kind_max_share[k] == b->kind_max_share[k], "kind_max_share", k);
		EXPECT(a->kind_is_relation[k] == b->kind_is_relation[k], "kind_is_relation", k);
	}
	for (uint32_t u = 0; u < a->n_users; u++) {
		EXPECT(strcmp(fg_graph_user_id(a, u), fg_graph_user_id(b, u)) == 0, "user_id", u);
		EXPECT(a->user_label[u] == b->user_label[u], "user_label", u);
		EXPECT(fg_graph_user_created(a, u) == fg_graph_user_created(b, u), "user_created", u);
	}
	for (uint32_t e = 0; e < a->n_entities; e++) {
		EXPECT(fg_graph_ent_kind(a, e) == fg_graph_ent_kind(b, e), "ent_kind", e);
		EXPECT(strcmp(tval(a, e), tval(b, e)) == 0, "ent_value", e);
		EXPECT(fg_graph_ent_share(a, e) == fg_graph_ent_share(b, e), "ent_share", e);
		EXPECT(fg_graph_ent_hub(a, e) == fg_graph_ent_hub(b, e), "ent_hub", e);
		double wa = fg_graph_ent_weight(a, e), wb = fg_graph_ent_weight(b, e);
		EXPECT(memcmp(&wa, &wb, sizeof(double)) == 0, "ent_weight", e);
	}
	ck_assert_msg(!bad, "%s differs at %llu", bad ? bad : "", (unsigned long long)bad_at);
	if (a->n_links) {
		ck_assert(memcmp(a->link_user, b->link_user, a->n_links * 4) == 0);
		ck_assert(memcmp(a->link_target, b->link_target, a->n_links * 4) == 0);
		for (uint64_t i = 0; i < a->n_links; i++) {
			ck_assert(fg_graph_link_kind(a, i) == fg_graph_link_kind(b, i));
			ck_assert(fg_graph_link_first(a, i) == fg_graph_link_first(b, i));
			ck_assert(fg_graph_link_last(a, i) == fg_graph_link_last(b, i));
		}
	}
	ck_assert_uint_eq(a->g.n, b->g.n);
	ck_assert_uint_eq(a->g.m, b->g.m);
	ck_assert(memcmp(a->g.off, b->g.off, ((size_t)a->g.n + 1) * 8) == 0);
	if (a->g.m)
		ck_assert(memcmp(a->g.adj, b->g.adj, a->g.m * 4) == 0);
	ck_assert_str_eq(a->input_digest, b->input_digest);
}

/* Structural invariants of any built graph. */
static void check_invariants(const fg_graph *g)
{
	const char *bad = NULL;
	uint64_t bad_at = 0, users_links = 0;

	for (uint32_t u = 1; u < g->n_users; u++)
		EXPECT(byte_cmp(fg_graph_user_id(g, u - 1), fg_graph_user_id(g, u)) < 0, "user order", u);
	for (uint32_t k = 1; k < g->n_kinds; k++)
		EXPECT(byte_cmp(g->kind_name[k - 1], g->kind_name[k]) < 0, "kind order", k);
	for (uint32_t e = 1; e < g->n_entities; e++) {
		int c = byte_cmp(g->kind_name[fg_graph_ent_kind(g, e - 1)],
		                 g->kind_name[fg_graph_ent_kind(g, e)]);
		if (c == 0)
			c = byte_cmp(tval(g, e - 1), tval(g, e));
		EXPECT(c < 0, "entity order", e);
	}
	for (uint64_t i = 0; i < g->n_links; i++) {
		EXPECT(g->link_user[i] < g->n_users, "link user range", i);
		EXPECT(g->link_target[i] < g->n_users + g->n_entities, "link target range", i);
		if (g->link_target[i] < g->n_users) {
			EXPECT(g->link_user[i] < g->link_target[i], "relation orientation", i);
			EXPECT(g->kind_is_relation[fg_graph_link_kind(g, i)], "relation kind", i);
			users_links++;
		} else {
			EXPECT(fg_graph_link_kind(g, i) == fg_graph_ent_kind(g, g->link_target[i] - g->n_users),
			       "link kind", i);
		}
		if (i > 0) {
			uint32_t pu = g->link_user[i - 1], pt = g->link_target[i - 1];
			int ord = pu < g->link_user[i] ||
			          (pu == g->link_user[i] && (pt < g->link_target[i] ||
			           (pt == g->link_target[i] &&
			            fg_graph_link_kind(g, i - 1) < fg_graph_link_kind(g, i))));
			EXPECT(ord, "link order", i);
		}
		if (fg_graph_link_first(g, i) != NONE)
			EXPECT(fg_graph_link_first(g, i) <= fg_graph_link_last(g, i), "first <= last", i);
		else
			EXPECT(fg_graph_link_last(g, i) == NONE, "no first => no last", i);
	}
	ck_assert_msg(!bad, "%s fails at %llu", bad ? bad : "", (unsigned long long)bad_at);
	ck_assert_uint_eq(users_links, g->n_user_links);
	ck_assert_uint_eq(g->g.n, g->n_users + g->n_entities);
	ck_assert_uint_eq(strlen(g->input_digest), 32);
}

START_TEST(hash_xxh64_vectors_and_streaming)
{
	unsigned char data[300];
	uint64_t lanes[2];
	fg_hash128 st;
	char hex[33];

	ck_assert_uint_eq(fg_hash64("", 0, 0), 0xEF46DB3751D8E999ULL);
	ck_assert_uint_eq(fg_hash64("abc", 3, 0), 0x44BC2CF5AD770999ULL);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + 7);
	for (size_t len = 0; len < sizeof(data); len += 37) {
		for (size_t step = 1; step <= 64; step = step * 3 + 1) {
			fg_hash128_init(&st);
			for (size_t o = 0; o < len; o += step)
				fg_hash128_update(&st, data + o, o + step <= len ? step : len - o);
			fg_hash128_final64(&st, lanes);
			ck_assert_uint_eq(lanes[0], fg_hash64(data, len, FG_HASH128_SEED0));
			ck_assert_uint_eq(lanes[1], fg_hash64(data, len, FG_HASH128_SEED1));
		}
	}
	fg_hash128_init(&st);
	fg_hash128_final(&st, hex);
	{
		char lane1[17];
		snprintf(lane1, sizeof(lane1), "%016llx",
		         (unsigned long long)fg_hash64("", 0, FG_HASH128_SEED1));
		ck_assert_int_eq(strncmp(hex, "ef46db3751d8e999", 16), 0);
		ck_assert_str_eq(hex + 16, lane1);
	}
}
END_TEST

START_TEST(intern_ids_tags_and_growth)
{
	fg_intern t;
	uint32_t id, id2;
	int added;
	char buf[32];
	const char *bad = NULL;

	fg_intern_init(&t);
	ck_assert_int_eq(fg_intern_get(&id, &t, 0, "abc", 3, &added), FG_OK);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(added, 1);
	ck_assert_int_eq(fg_intern_get(&id, &t, 1, "abc", 3, &added), FG_OK);
	ck_assert_uint_eq(id, 1);
	ck_assert_int_eq(fg_intern_get(&id, &t, 0, "abcd", 3, &added), FG_OK);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(added, 0);
	ck_assert_int_eq(fg_intern_get(&id, &t, 0, "ab", 2, &added), FG_OK);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(fg_intern_get(&id, &t, 0, "", 0, &added), FG_OK);
	ck_assert_uint_eq(id, 3);
	ck_assert_int_eq(fg_intern_get(&id, &t, 0, "a\0b", 3, &added), FG_EDATA);
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(buf, sizeof(buf), "user-%d", i);
		if (fg_intern_get(&id, &t, 0, buf, (size_t)n, NULL) != FG_OK || id != 4 + (uint32_t)i)
			bad = "add";
	}
	ck_assert_ptr_null(bad);
	for (int i = 0; i < 20000; i += 97) {
		int n = snprintf(buf, sizeof(buf), "user-%d", i);
		ck_assert_int_eq(fg_intern_get(&id2, &t, 0, buf, (size_t)n, &added), FG_OK);
		ck_assert_int_eq(added, 0);
		ck_assert_uint_eq(id2, 4 + (uint32_t)i);
		ck_assert_int_eq(fg_intern_find(&t, 0, buf, (size_t)n), 4 + i);
		ck_assert_int_eq(fg_intern_find(&t, 5, buf, (size_t)n), -1);
	}
	ck_assert_uint_eq(t.parts[0].n, t.n);
	ck_assert_uint_le((uint64_t)t.n * 10, (t.parts[0].mask + 1) * 7);
	fg_intern_drop_index(&t);
	ck_assert_int_eq(fg_intern_get(&id, &t, 0, "new", 3, NULL), FG_EUSAGE);
	ck_assert_int_eq(fg_intern_seal(&t), FG_OK);
	ck_assert_str_eq(fg_intern_str(&t, 0), "abc");
	ck_assert_uint_eq(fg_intern_tag(&t, 1), 1);
	ck_assert_uint_eq(fg_intern_len(&t, 2), 2);
	ck_assert_uint_eq(fg_intern_len(&t, 3), 0);
	ck_assert_str_eq(fg_intern_str(&t, 4 + 19999), "user-19999");
	ck_assert_uint_eq(fg_intern_len(&t, 4 + 19999), 10);
	fg_intern_free(&t);
	fg_intern_free(&t);
}
END_TEST

/* xorshift64*: a fixed pseudo-random stream for the generated worlds. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Keys of a batch test: strings "k<r>" with r drawn from a small range (so
 * they repeat inside a batch), three tags, the empty string now and then. */
static fg_intern_key *batch_keys(char **store, size_t n, uint64_t seed)
{
	fg_intern_key *k = calloc(n, sizeof(*k));
	char *buf = calloc(n, 16);

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rnd(&seed);
		int len = (r % 101) == 0 ? 0 : snprintf(buf + 16 * i, 16, "k%llu", (unsigned long long)(r >> 8) % 200000);
		k[i].s = buf + 16 * i;
		k[i].len = (uint32_t)len;
		k[i].tag = (uint16_t)((r >> 4) % 3);
		k[i].h = fg_intern_hash(k[i].tag, k[i].s, k[i].len);
	}
	*store = buf;
	return k;
}

static int fork_always(uint64_t units, uint64_t ns)
{
	(void)units;
	(void)ns;
	return 1;
}

static int fork_never(uint64_t units, uint64_t ns)
{
	(void)units;
	(void)ns;
	return 0;
}

/* Fill t with fg_intern_get_batch over keys in the given splits, forking as
 * pays says (NULL: the default rule); ids out. */
static void batch_fill(fg_intern *t, uint32_t *ids, uint8_t *added, fg_intern_key *keys, size_t n,
                       int (*pays)(uint64_t, uint64_t))
{
	fg_intern_batch b = { .pays = pays };
	/* a small call, then two past BATCH_PAR_MIN (parallel parts by default, from 3 threads) */
	const size_t cut[] = { 0, 37, 140000, n };

	for (int c = 0; c < 3; c++)
		ck_assert_int_eq(fg_intern_get_batch(ids + cut[c], added + cut[c], t, keys + cut[c],
		                                     cut[c + 1] - cut[c], &b),
		                 FG_OK);
	ck_assert(b.pays == pays);
	fg_intern_batch_free(&b);
	ck_assert(b.pays == pays);
}

/* The batch's ids against one-by-one interning (ref, first[id] = its first
 * key); NULL if equal, else what differs. */
static const char *batch_check(const fg_intern *t, const fg_intern_key *keys, size_t n,
                               const uint32_t *ids, const uint8_t *added, const uint32_t *ref,
                               const uint32_t *first, uint32_t nref)
{
	const char *bad = NULL;

	if (t->n != nref)
		return "count";
	for (size_t i = 0; i < n && !bad; i++) {
		if (ids[i] != ref[i])
			bad = "id";
		else if (added[i] != (first[ref[i]] == i))
			bad = "added";
		else if (fg_intern_find(t, keys[i].tag, keys[i].s, keys[i].len) != ids[i])
			bad = "find";
	}
	return bad;
}

START_TEST(intern_batch_same_ids_as_one_by_one)
{
	enum { N = 300000 };
	char *store;
	fg_intern_key *keys = batch_keys(&store, N, 11);
	uint32_t *ref = calloc(N, sizeof(*ref)), *ids = calloc(N, sizeof(*ids));
	uint32_t *first = calloc(N, sizeof(*first));
	uint8_t *added = calloc(N, 1);
	int (*const rules[])(uint64_t, uint64_t) = { NULL, fork_always, fork_never };
	fg_intern r, t;
	int fresh;
	const char *bad = NULL;
#if FG_HAVE_OPENMP
	static const int threads[] = { 1, 2, 3 }; /* the parts fork from 3 */
	const int nthr = 3;
#else
	static const int threads[] = { 1 };
	const int nthr = 1;
#endif

	ck_assert_ptr_nonnull(ref);
	ck_assert_ptr_nonnull(ids);
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(added);
	/* the reference: one by one into a one-part table; first[id] = its first key */
	fg_intern_init(&r);
	for (size_t i = 0; i < N; i++) {
		ck_assert_int_eq(fg_intern_get(&ref[i], &r, keys[i].tag, keys[i].s, keys[i].len, &fresh), FG_OK);
		if (fresh)
			first[ref[i]] = (uint32_t)i;
	}
	/* one part and 64 parts, any thread count, the serial pass or the parts:
	 * exactly the ids of one by one, and the same strings behind them */
	for (int k = 0; k < nthr; k++) {
#if FG_HAVE_OPENMP
		omp_set_num_threads(threads[k]);
#endif
		(void)threads;
		for (unsigned pbits = 0; pbits <= 6; pbits += 6) {
			for (size_t ru = 0; ru < sizeof(rules) / sizeof(rules[0]); ru++) {
				if (pbits == 0 && ru != 0)
					continue; /* one part: the rule changes nothing but the time */
				fg_intern_init_parts(&t, pbits);
				batch_fill(&t, ids, added, keys, N, rules[ru]);
				bad = batch_check(&t, keys, N, ids, added, ref, first, r.n);
				if (bad)
					ck_abort_msg("%s: %d threads, pbits %u, rule %zu", bad, threads[k], pbits, ru);
				ck_assert_int_eq(fg_intern_seal(&t), FG_OK);
				for (size_t i = 0; i < N; i++)
					if (fg_intern_len(&t, ids[i]) != keys[i].len ||
					    fg_intern_tag(&t, ids[i]) != keys[i].tag ||
					    memcmp(fg_intern_str(&t, ids[i]), keys[i].s, keys[i].len) != 0)
						bad = "strings";
				ck_assert_ptr_null(bad);
				fg_intern_free(&t);
			}
		}
	}
#if FG_HAVE_OPENMP
	omp_set_num_threads(omp_get_num_procs());
#endif
	fg_intern_free(&r);
	free(ref);
	free(ids);
	free(first);
	free(added);
	free(keys);
	free(store);
}
END_TEST

/* A size hint changes no id, string or lookup, sizes the first index, and is
 * ignored once the table has strings. */
START_TEST(intern_reserve_same_ids)
{
	enum { N = 300000 };
	char *store;
	fg_intern_key *keys = batch_keys(&store, N, 11);
	uint32_t *ref = calloc(N, sizeof(*ref)), *ids = calloc(N, sizeof(*ids));
	uint32_t *first = calloc(N, sizeof(*first));
	uint8_t *added = calloc(N, 1);
	static const uint64_t hints[] = { 0, 1, N / 10, N, 4 * (uint64_t)N };
	fg_intern r, t;
	int fresh;
	uint32_t id;

	ck_assert_ptr_nonnull(ref);
	ck_assert_ptr_nonnull(ids);
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(added);
	fg_intern_init(&r);
	for (size_t i = 0; i < N; i++) {
		ck_assert_int_eq(fg_intern_get(&ref[i], &r, keys[i].tag, keys[i].s, keys[i].len, &fresh), FG_OK);
		if (fresh)
			first[ref[i]] = (uint32_t)i;
	}
	for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++) {
		for (unsigned pbits = 0; pbits <= 6; pbits += 6) {
			const char *bad;

			fg_intern_init_parts(&t, pbits);
			ck_assert_int_eq(fg_intern_reserve(&t, hints[h]), FG_OK);
			if (hints[h] >= N) /* room for N at load 0.7 in every part: no part grew */
				for (size_t p = 0; p < ((size_t)1 << pbits); p++)
					ck_assert_uint_ge((t.parts[p].mask + 1) * 7, (uint64_t)(N >> pbits) * 10);
			batch_fill(&t, ids, added, keys, N, NULL);
			bad = batch_check(&t, keys, N, ids, added, ref, first, r.n);
			if (bad)
				ck_abort_msg("%s: hint %llu, pbits %u", bad, (unsigned long long)hints[h], pbits);
			fg_intern_free(&t);
		}
	}
	/* on a table with strings the hint does nothing */
	fg_intern_init_parts(&t, 6);
	ck_assert_int_eq(fg_intern_get(&id, &t, 0, "a", 1, &fresh), FG_OK);
	{
		uint64_t m0 = t.parts[0].mask;

		ck_assert_int_eq(fg_intern_reserve(&t, 1u << 24), FG_OK);
		ck_assert_uint_eq(t.parts[0].mask, m0);
	}
	ck_assert_int_eq(fg_intern_find(&t, 0, "a", 1), id);
	fg_intern_free(&t);
	fg_intern_free(&r);
	free(ref);
	free(ids);
	free(first);
	free(added);
	free(keys);
	free(store);
}
END_TEST

START_TEST(intern_batch_failure_leaves_the_table)
{
	enum { N = 200000 };
	char *store;
	fg_intern_key *keys = batch_keys(&store, N, 5);
	uint32_t *ids = calloc(N, sizeof(*ids));
	uint8_t *added = calloc(N, 1);
	int (*const rules[])(uint64_t, uint64_t) = { fork_always, fork_never };
	char nul[] = "x\0y";

#if FG_HAVE_OPENMP
	omp_set_num_threads(3); /* batches fork from 3 threads */
#endif
	/* the failing batch on both paths: parallel parts and the serial pass */
	for (int ru = 0; ru < 2; ru++) {
		fg_intern_batch b = { .pays = rules[ru] };
		fg_intern t;
		fg_intern_key keep = keys[N - 1];
		uint32_t n0;
		uint64_t len0;

		fg_intern_init_parts(&t, 6);
		ck_assert_int_eq(fg_intern_get_batch(ids, added, &t, keys, 4000, &b), FG_OK);
		n0 = t.n;
		len0 = t.arena_len;
		/* a NUL byte late in the batch: FG_EDATA, nothing of the batch stays */
		keys[N - 1].s = nul;
		keys[N - 1].len = 3;
		keys[N - 1].h = fg_intern_hash(keys[N - 1].tag, nul, 3);
		ck_assert_int_eq(fg_intern_get_batch(ids, added, &t, keys, N, &b), FG_EDATA);
		ck_assert_str_eq(fg_error_msg(), "interning: a string contains a NUL byte");
		ck_assert_uint_eq(t.n, n0);
		ck_assert_uint_eq(t.arena_len, len0);
		for (size_t i = 4000; i < N - 1; i++)
			if (fg_intern_find(&t, keys[i].tag, keys[i].s, keys[i].len) >= (int64_t)n0)
				ck_abort_msg("a string of the failed batch stayed (rule %d)", ru);
		/* and the table works on */
		ck_assert_int_eq(fg_intern_get_batch(ids, added, &t, keys, N - 1, &b), FG_OK);
		for (size_t i = 0; i < N - 1; i++)
			ck_assert_int_eq(fg_intern_find(&t, keys[i].tag, keys[i].s, keys[i].len), ids[i]);
		ck_assert_int_eq(fg_intern_get_batch(ids, added, &t, keys, 0, &b), FG_OK);
		keys[N - 1] = keep;
		fg_intern_batch_free(&b);
		fg_intern_free(&t);
	}
#if FG_HAVE_OPENMP
	omp_set_num_threads(omp_get_num_procs());
#endif
	free(ids);
	free(added);
	free(keys);
	free(store);
}
END_TEST

static const char *const world_kinds[] = { "device", "card", "ip", "transfer", "referral", "loyalty" };

/* A random world with duplicates, both relation directions, user rows and long shared prefixes. */
static trow *make_world(size_t *n_out, uint64_t seed, size_t n)
{
	trow *rows = malloc(n * sizeof(*rows));
	uint64_t s = seed;

	ck_assert_ptr_nonnull(rows);
	for (size_t i = 0; i < n; i++) {
		char u[48], v[48];
		unsigned ui = (unsigned)(rnd(&s) % 300), ki = (unsigned)(rnd(&s) % 6);
		switch (ui % 4) {
		case 0: snprintf(u, sizeof(u), "u%u", ui); break;
		case 1: snprintf(u, sizeof(u), "customer_account_%08u", ui); break;
		case 2: snprintf(u, sizeof(u), "customer_account_%08u_x", ui); break;
		default: snprintf(u, sizeof(u), "\xc3\xa9l\xc3\xa8ve-%u", ui); break;
		}
		if (rnd(&s) % 10 == 0) {
			rows[i] = U(u, (int)(rnd(&s) % 3), rnd(&s) % 3 ? (int64_t)(rnd(&s) % 1000) : NONE);
			continue;
		}
		if (ki == 3 || ki == 4)
			snprintf(v, sizeof(v), "u%u", (unsigned)(rnd(&s) % 300));
		else
			snprintf(v, sizeof(v), "%s-%u", ki == 2 ? "10.0.0" : "val", (unsigned)(rnd(&s) % 120));
		rows[i] = L(u, world_kinds[ki], v, rnd(&s) % 4 ? (int64_t)(rnd(&s) % 100000) : NONE);
	}
	*n_out = n;
	return rows;
}

START_TEST(canonical_ids_independent_of_row_order)
{
	fg_config cfg;
	size_t n;
	trow *rows, *shuf;
	fg_graph *a, *b;
	uint64_t s = 99;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "loyalty=3"), FG_OK);
	rows = make_world(&n, 42, 5000);
	shuf = malloc(n * sizeof(*shuf));
	memcpy(shuf, rows, n * sizeof(*shuf));
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(rnd(&s) % (i + 1));
		trow t = shuf[i];
		shuf[i] = shuf[j];
		shuf[j] = t;
	}
	a = build_rows(&cfg, rows, n);
	b = build_rows(&cfg, shuf, n);
	check_invariants(a);
	check_same(a, b);
	ck_assert_uint_gt(a->n_users, 200);
	ck_assert_uint_gt(a->n_user_links, 0);
	ck_assert_uint_gt(a->n_hubs, 0);
	ck_assert_uint_eq(a->n_kinds, 6);
	ck_assert_str_eq(a->kind_name[0], "card");
	ck_assert_str_eq(a->kind_name[5], "transfer");
	/* reversed order too */
	for (size_t i = 0; i < n / 2; i++) {
		trow t = shuf[i];
		shuf[i] = shuf[n - 1 - i];
		shuf[n - 1 - i] = t;
	}
	fg_graph_free(&b);
	b = build_rows(&cfg, shuf, n);
	check_same(a, b);
	fg_graph_free(&a);
	fg_graph_free(&b);
	ck_assert_ptr_null(a);
	fg_graph_free(NULL);
	free(rows);
	free(shuf);
}
END_TEST

/*
 * The link sink resolves raw kinds through a cache of FG_KIND_MEMO_N (32, fg_config.h)
 * entries: 41 raw kinds (one an alias, one only ever a placeholder) in turn,
 * so the cache fills and the rest take the uncached path, give the graph the
 * same rows sorted by kind give (each kind met once).
 */
START_TEST(kinds_past_the_row_cache)
{
	fg_config cfg;
	trow *rows = malloc(4000 * sizeof(*rows)), *sorted = malloc(4000 * sizeof(*sorted));
	size_t n = 0, m = 0;
	fg_graph *a, *b;
	char u[16], k[16], v[32];

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "email=mail"), FG_OK);
	for (int i = 0; i < 4000; i++) {
		int kk = i % 41;
		snprintf(u, sizeof(u), "u%03d", i % 301);
		if (kk == 39) {
			/* "mail" rows and "email" rows name the same entities */
			snprintf(k, sizeof(k), "%s", i % 2 ? "mail" : "email");
			snprintf(v, sizeof(v), "%s%d@x.com", i % 3 ? "A" : "a", i % 17);
		} else if (kk == 40) {
			snprintf(k, sizeof(k), "k40");
			snprintf(v, sizeof(v), "0000");
		} else {
			snprintf(k, sizeof(k), "k%02d", kk);
			snprintf(v, sizeof(v), "v%d", i % 53);
		}
		rows[n++] = L(u, k, v, 1000 + i);
	}
	for (int kk = 0; kk < 41; kk++)
		for (size_t i = 0; i < n; i++)
			if ((int)(i % 41) == kk)
				sorted[m++] = rows[i];
	ck_assert_uint_eq(m, n);
	a = build_rows(&cfg, rows, n);
	b = build_rows(&cfg, sorted, m);
	check_invariants(a);
	check_same(a, b);
	ck_assert_uint_eq(a->n_kinds, 40); /* k00..k38 and email; k40 only placeholders */
	ck_assert_str_eq(a->kind_name[0], "email");
	ck_assert_int_eq(a->placeholders.n_kinds, 1);
	ck_assert_str_eq(a->placeholders.kind[0], "k40");
	ck_assert_uint_eq(a->placeholders.n[0], 97);
	fg_graph_free(&a);
	fg_graph_free(&b);
	free(rows);
	free(sorted);
}
END_TEST

START_TEST(user_order_is_bytewise_shorter_first)
{
	static const char *const ids[] = {
		"b", "ab", "abc", "a", "\xc3\xa9", "z", "abcdefgh", "abcdefghi", "abcdefg",
		"abcdefgh12345678", "abcdefgh1234567", "abcdefgh123456789", "A", "0", "abcdefgh12345678x",
	};
	static const char *const sorted[] = {
		"0", "A", "a", "ab", "abc", "abcdefg", "abcdefgh", "abcdefgh1234567",
		"abcdefgh12345678", "abcdefgh123456789", "abcdefgh12345678x", "abcdefghi", "b", "z",
		"\xc3\xa9",
	};
	trow rows[15];
	fg_config cfg;
	fg_graph *g;

	fg_config_init(&cfg);
	for (int i = 0; i < 15; i++)
		rows[i] = U(ids[i], 0, NONE);
	g = build_rows(&cfg, rows, 15);
	ck_assert_uint_eq(g->n_users, 15);
	for (int i = 0; i < 15; i++) {
		ck_assert_str_eq(fg_graph_user_id(g, i), sorted[i]);
		ck_assert_int_eq(fg_graph_find_user(g, sorted[i]), i);
	}
	ck_assert_int_eq(fg_graph_find_user(g, "abcd"), -1);
	ck_assert_int_eq(fg_graph_find_user(g, ""), -1);
	ck_assert_int_eq(fg_graph_find_user(g, "zz"), -1);
	ck_assert_uint_eq(g->n_links, 0);
	ck_assert_uint_eq(g->g.m, 0);
	fg_graph_free(&g);
}
END_TEST

START_TEST(long_common_prefixes_sort_bytewise)
{
	enum { N = 130 };
	trow *rows = calloc(N, sizeof(*rows));
	char prefix[41];
	fg_config cfg;
	fg_graph *g;
	size_t n = 0;

	/* user ids of 40..46 bytes sharing up to 40 bytes, nested prefixes, two kinds of values */
	memset(prefix, 'p', sizeof(prefix));
	prefix[40] = '\0';
	fg_config_init(&cfg);
	for (int i = 0; i < 100; i++) {
		trow r = L("", "device", "", NONE);
		snprintf(r.user, sizeof(r.user), "%s%d", prefix, (i * 37) % 100);
		snprintf(r.value, sizeof(r.value), "%s%d", prefix, i % 17);
		rows[n++] = r;
	}
	for (int len = 1; len <= 40; len += 3) {
		trow r = U("", 0, NONE);
		memcpy(r.user, prefix, (size_t)len);
		r.user[len] = '\0';
		rows[n++] = r;
	}
	ck_assert_uint_le(n, N);
	g = build_rows(&cfg, rows, n);
	check_invariants(g);
	ck_assert_uint_eq(g->n_users, 100 + 14);
	ck_assert_uint_eq(g->n_entities, 17);
	ck_assert_uint_eq(strlen(fg_graph_user_id(g, 0)), 1);
	ck_assert_uint_eq(strlen(fg_graph_user_id(g, 13)), 40);
	ck_assert_int_eq(fg_graph_find_user(g, fg_graph_user_id(g, 57)), 57);
	fg_graph_free(&g);
	free(rows);
}
END_TEST

/*
 * Link times within 2^32 - 2 seconds of the smallest are kept as 32-bit
 * offsets, one second further (or across the whole int64 range) as 64-bit:
 * the values read back are the input's either way.
 */
static void check_times(int64_t lo, int64_t hi, bool narrow)
{
	trow rows[] = {
		L("u1", "device", "d1", lo), L("u1", "device", "d1", hi), L("u2", "device", "d1", hi),
		L("u3", "device", "d2", NONE),
	};
	fg_config cfg;
	fg_graph *g;

	fg_config_init(&cfg);
	g = build_rows(&cfg, rows, sizeof(rows) / sizeof(rows[0]));
	check_invariants(g);
	ck_assert_uint_eq(g->n_links, 3);
	ck_assert(narrow ? g->link_first == NULL && g->link_first32 != NULL
	                 : g->link_first != NULL && g->link_first32 == NULL);
	ck_assert_int_eq(fg_graph_link_first(g, 0), lo);
	ck_assert_int_eq(fg_graph_link_last(g, 0), hi);
	ck_assert_int_eq(fg_graph_link_first(g, 1), hi);
	ck_assert_int_eq(fg_graph_link_last(g, 1), hi);
	ck_assert_int_eq(fg_graph_link_first(g, 2), NONE);
	ck_assert_int_eq(fg_graph_link_last(g, 2), NONE);
	fg_graph_free(&g);
}

START_TEST(link_times_narrow_only_when_they_fit)
{
	check_times(-5, (int64_t)UINT32_MAX - 7, true);      /* span 2^32 - 2: fits */
	check_times(-5, (int64_t)UINT32_MAX - 5, false);     /* span 2^32 - 1: the "none" value */
	check_times(1700000000, 1700000000, true);
	check_times(INT64_MIN + 1, INT64_MAX, false);
}
END_TEST

/* Users' creation times: 32-bit offsets exactly when their span fits, as the links' times. */
static void check_user_times(int64_t lo, int64_t hi, bool narrow)
{
	trow rows[] = { U("a", 0, lo), U("b", 0, hi), U("c", 0, NONE), U("b", 0, NONE) };
	fg_config cfg;
	fg_graph *g;

	fg_config_init(&cfg);
	g = build_rows(&cfg, rows, sizeof(rows) / sizeof(rows[0]));
	ck_assert_uint_eq(g->n_users, 3);
	ck_assert(narrow ? g->user_created == NULL && g->user_created32 != NULL
	                 : g->user_created != NULL && g->user_created32 == NULL);
	ck_assert_ptr_nonnull(g->user_id_off);
	ck_assert_str_eq(fg_graph_user_id(g, 0), "a");
	ck_assert_str_eq(fg_graph_user_id(g, 2), "c");
	ck_assert_int_eq(fg_graph_user_created(g, 0), lo);
	ck_assert_int_eq(fg_graph_user_created(g, 1), hi);
	ck_assert_int_eq(fg_graph_user_created(g, 2), NONE);
	fg_graph_free(&g);
}

START_TEST(user_times_narrow_only_when_they_fit)
{
	check_user_times(-5, (int64_t)UINT32_MAX - 7, true);
	check_user_times(-5, (int64_t)UINT32_MAX - 5, false);
	check_user_times(1700000000, 1700000000, true);
	check_user_times(INT64_MIN + 1, INT64_MAX, false);
}
END_TEST

START_TEST(dedup_keeps_first_and_last_seen)
{
	trow rows[] = {
		L("u1", "device", "d1", 100), L("u1", "device", "d1", 50), L("u1", "device", "d1", NONE),
		L("u1", "device", "d1", 200), L("u2", "device", "d1", NONE), L("u2", "device", "d1", NONE),
		L("u2", "card", "d1", 7),
	};
	fg_config cfg;
	fg_graph *g;

	fg_config_init(&cfg);
	g = build_rows(&cfg, rows, sizeof(rows) / sizeof(rows[0]));
	check_invariants(g);
	ck_assert_uint_eq(g->n_users, 2);
	ck_assert_uint_eq(g->n_entities, 2); /* card:d1, device:d1 */
	ck_assert_uint_eq(g->n_links, 3);
	ck_assert_str_eq(g->kind_name[fg_graph_ent_kind(g, 0)], "card");
	ck_assert_str_eq(g->kind_name[fg_graph_ent_kind(g, 1)], "device");
	/* u1 - device:d1 */
	ck_assert_uint_eq(g->link_user[0], 0);
	ck_assert_uint_eq(g->link_target[0], 2 + 1);
	ck_assert_int_eq(fg_graph_link_first(g, 0), 50);
	ck_assert_int_eq(fg_graph_link_last(g, 0), 200);
	/* u2 - card:d1, then u2 - device:d1 */
	ck_assert_uint_eq(g->link_user[1], 1);
	ck_assert_uint_eq(g->link_target[1], 2 + 0);
	ck_assert_int_eq(fg_graph_link_first(g, 1), 7);
	ck_assert_int_eq(fg_graph_link_last(g, 1), 7);
	ck_assert_uint_eq(g->link_target[2], 2 + 1);
	ck_assert_int_eq(fg_graph_link_first(g, 2), NONE);
	ck_assert_int_eq(fg_graph_link_last(g, 2), NONE);
	ck_assert_uint_eq(fg_graph_ent_share(g, 1), 2);
	ck_assert_uint_eq(fg_graph_ent_share(g, 0), 1);
	fg_graph_free(&g);
}
END_TEST

START_TEST(relations_stored_once_per_pair_and_kind)
{
	trow rows[] = {
		L("b", "transfer", "a", 10), L("a", "transfer", "b", 5), L("a", "referral", "b", 7),
		L("b", "referral", "a", NONE), L("c", "transfer", "c", 1), L("c", "device", "d", 3),
	};
	fg_config cfg;
	fg_graph *g;

	fg_config_init(&cfg);
	g = build_rows(&cfg, rows, sizeof(rows) / sizeof(rows[0]));
	check_invariants(g);
	ck_assert_uint_eq(g->n_users, 3);
	ck_assert_uint_eq(g->n_entities, 1);
	ck_assert_uint_eq(g->n_links, 3);
	ck_assert_uint_eq(g->n_user_links, 2);
	/* (a, b, referral), (a, b, transfer): kinds sorted device < referral < transfer */
	ck_assert_uint_eq(g->link_user[0], 0);
	ck_assert_uint_eq(g->link_target[0], 1);
	ck_assert_str_eq(g->kind_name[fg_graph_link_kind(g, 0)], "referral");
	ck_assert_int_eq(fg_graph_link_first(g, 0), 7);
	ck_assert_int_eq(fg_graph_link_last(g, 0), 7);
	ck_assert_str_eq(g->kind_name[fg_graph_link_kind(g, 1)], "transfer");
	ck_assert_int_eq(fg_graph_link_first(g, 1), 5);
	ck_assert_int_eq(fg_graph_link_last(g, 1), 10);
	ck_assert(g->kind_is_relation[fg_graph_link_kind(g, 1)]);
	/* no self link for c: c only has its device */
	ck_assert_uint_eq(g->link_user[2], 2);
	ck_assert_uint_eq(g->link_target[2], 3);
	/* CSR: a-b once (dedup), c - device */
	ck_assert_uint_eq(fg_csr_degree(&g->g, 0), 1);
	ck_assert_uint_eq(g->g.adj[g->g.off[0]], 1);
	ck_assert_uint_eq(fg_csr_degree(&g->g, 1), 1);
	ck_assert_uint_eq(fg_csr_degree(&g->g, 2), 1);
	ck_assert_uint_eq(g->g.adj[g->g.off[2]], 3);
	ck_assert_uint_eq(g->g.m, 4);
	fg_graph_free(&g);
}
END_TEST

START_TEST(users_only_and_label_merge)
{
	trow rows[] = {
		U("x", FG_LABEL_LEGIT, 500), U("x", FG_LABEL_FRAUD, NONE), U("x", FG_LABEL_UNKNOWN, 300),
		U("y", FG_LABEL_UNKNOWN, NONE), U("y", FG_LABEL_LEGIT, 900), L("y", "card", "c1", 1),
		U("z", FG_LABEL_UNKNOWN, NONE), L("w", "card", "c1", 2),
	};
	fg_config cfg;
	fg_graph *g;
	int64_t x, y, z, w;

	fg_config_init(&cfg);
	g = build_rows(&cfg, rows, sizeof(rows) / sizeof(rows[0]));
	check_invariants(g);
	ck_assert_uint_eq(g->n_users, 4);
	x = fg_graph_find_user(g, "x");
	y = fg_graph_find_user(g, "y");
	z = fg_graph_find_user(g, "z");
	w = fg_graph_find_user(g, "w");
	ck_assert_int_eq(w, 0);
	ck_assert_int_eq(z, 3);
	ck_assert_uint_eq(g->user_label[x], FG_LABEL_FRAUD);
	ck_assert_int_eq(fg_graph_user_created(g, x), 300);
	ck_assert_uint_eq(g->user_label[y], FG_LABEL_LEGIT);
	ck_assert_int_eq(fg_graph_user_created(g, y), 900);
	ck_assert_uint_eq(g->user_label[z], FG_LABEL_UNKNOWN);
	ck_assert_int_eq(fg_graph_user_created(g, z), NONE);
	ck_assert_uint_eq(g->user_label[w], FG_LABEL_UNKNOWN);
	ck_assert_uint_eq(g->n_seeds, 1);
	ck_assert_uint_eq(g->n_legit, 1);
	ck_assert_uint_eq(fg_csr_degree(&g->g, (uint32_t)x), 0);
	ck_assert_uint_eq(fg_csr_degree(&g->g, (uint32_t)z), 0);
	ck_assert_uint_eq(fg_csr_degree(&g->g, (uint32_t)y), 1);
	ck_assert_uint_eq(fg_csr_degree(&g->g, 4), 2); /* card:c1 */
	fg_graph_free(&g);
}
END_TEST

START_TEST(shares_hubs_and_weights)
{
	trow rows[] = {
		L("u1", "loyalty", "L1", 1), L("u2", "loyalty", "L1", 1), L("u3", "loyalty", "L1", 1),
		L("u1", "card", "C1", 1), L("u2", "card", "C1", 1), L("u3", "loyalty", "L2", 1),
		L("u3", "loyalty", "L1", 9),
	};
	fg_config cfg;
	fg_graph *g;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "loyalty=2"), FG_OK);
	ck_assert_int_eq(fg_config_set_weight(&cfg, "loyalty=1.5"), FG_OK);
	g = build_rows(&cfg, rows, sizeof(rows) / sizeof(rows[0]));
	check_invariants(g);
	/* kinds: card, loyalty; entities: card:C1, loyalty:L1, loyalty:L2 */
	ck_assert_uint_eq(g->n_kinds, 2);
	ck_assert_uint_eq(g->kind_max_share[1], 2);
	ck_assert(g->kind_weight[0] == 3.0);
	ck_assert(g->kind_weight[1] == 1.5);
	ck_assert_uint_eq(g->n_entities, 3);
	ck_assert_str_eq(tval(g, 0), "C1");
	ck_assert_str_eq(tval(g, 1), "L1");
	ck_assert_uint_eq(fg_graph_ent_share(g, 0), 2);
	ck_assert_uint_eq(fg_graph_ent_share(g, 1), 3);
	ck_assert_uint_eq(fg_graph_ent_share(g, 2), 1);
	ck_assert_uint_eq(fg_graph_ent_hub(g, 0), 0);
	ck_assert_uint_eq(fg_graph_ent_hub(g, 1), 1);
	ck_assert_uint_eq(fg_graph_ent_hub(g, 2), 0);
	ck_assert_uint_eq(g->n_hubs, 1);
	ck_assert_double_eq_tol(fg_graph_ent_weight(g, 0), 3.0 / log2(3.0), 1e-12);
	ck_assert_double_eq_tol(fg_graph_ent_weight(g, 1), 1.5 / 2.0, 1e-12);
	ck_assert_double_eq_tol(fg_graph_ent_weight(g, 2), 1.5, 1e-12);
	/* the hub stays in the links but not in g */
	ck_assert_uint_eq(g->n_links, 6);
	{
		int to_hub = 0;
		for (uint64_t i = 0; i < g->n_links; i++)
			to_hub += g->link_target[i] == 3 + 1;
		ck_assert_int_eq(to_hub, 3);
	}
	ck_assert_uint_eq(fg_csr_degree(&g->g, 3 + 1), 0);
	ck_assert_uint_eq(fg_csr_degree(&g->g, 3 + 0), 2);
	ck_assert_uint_eq(fg_csr_degree(&g->g, 2), 1); /* u3: only L2 */
	ck_assert_uint_eq(g->g.adj[g->g.off[2]], 3 + 2);
	ck_assert_uint_eq(g->g.m, 6);
	fg_graph_free(&g);
}
END_TEST

START_TEST(csr_neighbours_of_a_small_world)
{
	/* users a b c d; a,b share dev1; b,c share card1; c -transfer- d; d alone with ip1 */
	trow rows[] = {
		L("a", "device", "dev1", 1), L("b", "device", "dev1", 2), L("b", "card", "card1", 3),
		L("c", "card", "card1", 4), L("d", "transfer", "c", 5), L("d", "ip", "ip1", 6),
	};
	/* vertices: a0 b1 c2 d3, card:card1 4, device:dev1 5, ip:ip1 6 */
	static const uint32_t expect_off[] = { 0, 1, 3, 5, 7, 9, 11, 12 };
	static const uint32_t expect_adj[] = { 5, 4, 5, 3, 4, 2, 6, 1, 2, 0, 1, 3 };
	fg_config cfg;
	fg_graph *g;

	fg_config_init(&cfg);
	g = build_rows(&cfg, rows, sizeof(rows) / sizeof(rows[0]));
	check_invariants(g);
	ck_assert_uint_eq(g->g.n, 7);
	ck_assert_uint_eq(g->g.m, 12);
	for (int v = 0; v <= 7; v++)
		ck_assert_uint_eq(g->g.off[v], expect_off[v]);
	for (int k = 0; k < 12; k++)
		ck_assert_uint_eq(g->g.adj[k], expect_adj[k]);
	ck_assert_uint_eq(g->n_user_links, 1);
	ck_assert_uint_eq(g->link_user[3], 2); /* d -transfer-> c stored as (c, d) */
	ck_assert_uint_eq(g->link_target[3], 3);
	ck_assert_uint_gt(fg_graph_bytes(g), 7 * 8 + 12 * 4);
	fg_graph_free(&g);
}
END_TEST

START_TEST(digest_tracks_content)
{
	trow rows[] = {
		L("a", "device", "dev1", 1), L("b", "device", "dev1", 2), U("a", FG_LABEL_FRAUD, 5),
	};
	fg_config cfg;
	fg_graph *g0, *g1;
	char d0[33];

	fg_config_init(&cfg);
	g0 = build_rows(&cfg, rows, 3);
	memcpy(d0, g0->input_digest, 33);
	g1 = build_rows(&cfg, rows, 3);
	ck_assert_str_eq(g1->input_digest, d0);
	fg_graph_free(&g1);
	rows[1].t = 3;
	g1 = build_rows(&cfg, rows, 3);
	ck_assert_str_ne(g1->input_digest, d0);
	fg_graph_free(&g1);
	rows[1].t = 2;
	snprintf(rows[1].value, sizeof(rows[1].value), "dev2");
	g1 = build_rows(&cfg, rows, 3);
	ck_assert_str_ne(g1->input_digest, d0);
	fg_graph_free(&g1);
	snprintf(rows[1].value, sizeof(rows[1].value), "dev1");
	rows[2].label = FG_LABEL_LEGIT;
	g1 = build_rows(&cfg, rows, 3);
	ck_assert_str_ne(g1->input_digest, d0);
	fg_graph_free(&g1);
	rows[2].label = FG_LABEL_FRAUD;
	g1 = build_rows(&cfg, rows, 3);
	ck_assert_str_eq(g1->input_digest, d0);
	fg_graph_free(&g1);
	fg_graph_free(&g0);
}
END_TEST

START_TEST(empty_and_single_user)
{
	fg_config cfg;
	fg_graph *g, *g2;
	trow one = L("solo", "device", "d", NONE);

	fg_config_init(&cfg);
	g = build_rows(&cfg, NULL, 0);
	ck_assert_uint_eq(g->n_users, 0);
	ck_assert_uint_eq(g->n_entities, 0);
	ck_assert_uint_eq(g->n_links, 0);
	ck_assert_uint_eq(g->g.n, 0);
	ck_assert_uint_eq(g->g.m, 0);
	ck_assert_uint_eq(strlen(g->input_digest), 32);
	ck_assert_int_eq(fg_graph_find_user(g, "x"), -1);
	g2 = build_rows(&cfg, &one, 1);
	check_invariants(g2);
	ck_assert_uint_eq(g2->n_users, 1);
	ck_assert_uint_eq(g2->n_entities, 1);
	ck_assert_uint_eq(g2->n_links, 1);
	ck_assert_uint_eq(g2->g.m, 2);
	ck_assert_double_eq_tol(fg_graph_ent_weight(g2, 0), 2.0, 1e-12);
	ck_assert_str_ne(g->input_digest, g2->input_digest);
	fg_graph_free(&g);
	fg_graph_free(&g2);
}
END_TEST

START_TEST(linkset_counts_and_is_consumed)
{
	fg_config cfg;
	fg_linkset *ls = NULL;
	fg_graph *g = NULL, *g2 = NULL;
	trow r1 = L("a", "device", "x", 5), r2 = L("a", "device", "x", 9), r3 = L("b", "user", "a", 1);
	trow r4 = L("a", "user", "b", NONE);

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_linkset_new(&ls, &cfg), FG_OK);
	ck_assert_uint_eq(fg_linkset_n_links(ls), 0);
	feed(ls, &r1);
	feed(ls, &r2);
	feed(ls, &r3);
	ck_assert_uint_eq(fg_linkset_n_links(ls), 2);
	feed(ls, &r1);
	feed(ls, &r4);
	ck_assert_uint_eq(fg_linkset_n_links(ls), 2);
	ck_assert_int_eq(fg_graph_build(&g, ls, &cfg), FG_OK);
	ck_assert_uint_eq(g->n_links, 2);
	ck_assert_int_eq(fg_graph_link_first(g, 1), 5);
	ck_assert_int_eq(fg_graph_link_last(g, 1), 9);
	ck_assert_uint_eq(fg_linkset_n_links(ls), 2);
	ck_assert_int_eq(fg_graph_build(&g2, ls, &cfg), FG_EUSAGE);
	ck_assert_ptr_null(g2);
	ck_assert_int_eq(fg_linkset_link_sink(ls, NULL), FG_EUSAGE);
	fg_linkset_free(&ls);
	fg_linkset_free(&ls);
	fg_graph_free(&g);
}
END_TEST

START_TEST(long_values_cross_batches)
{
	fg_config cfg;
	fg_linkset *ls = NULL;
	fg_graph *g = NULL;
	size_t big = 100000;
	char *v = malloc(big + 1);
	fg_link_row r;

	memset(v, 'x', big);
	v[big] = '\0';
	fg_config_init(&cfg);
	ck_assert_int_eq(fg_linkset_new(&ls, &cfg), FG_OK);
	for (int i = 0; i < 1500; i++) {
		char u[16];
		snprintf(u, sizeof(u), "u%d", i % 7);
		/* alternate short and huge values so batches end on both limits */
		size_t len = i % 3 == 0 ? big - (size_t)(i % 5) : 1 + (size_t)(i % 4);
		r = (fg_link_row){ { u, strlen(u) }, { "address", 7 }, { v, len }, i, "t", 1, false, 0, 0 };
		ck_assert_int_eq(fg_linkset_link_sink(ls, &r), FG_OK);
	}
	ck_assert_int_eq(fg_graph_build(&g, ls, &cfg), FG_OK);
	check_invariants(g);
	ck_assert_uint_eq(g->n_users, 7);
	ck_assert_uint_eq(g->n_entities, 4 + 5);
	ck_assert_uint_eq(strlen(tval(g, 0)), 1);
	ck_assert_uint_eq(strlen(tval(g, 8)), big);
	ck_assert_uint_eq(g->n_links, 7 * 5 + 7 * 4); /* every (user, value) pair occurs */
	fg_linkset_free(&ls);
	fg_graph_free(&g);
	free(v);
}
END_TEST

/*
 * The narrow form (entity classes, value offsets: what the build makes) and
 * the wide one (the per-entity arrays: past the form's bounds) read the same
 * through the accessors, bit for bit, with the same digest; the class bound
 * is exact (one class fewer than needed gives the wide form).
 */
/* fg_graph_kind_counts against the links themselves, one by one. */
static void check_kind_counts(const fg_graph *g)
{
	uint64_t links[16], hl[16], want_l[16] = { 0 }, want_hl[16] = { 0 };
	uint32_t hubs[16], want_h[16] = { 0 };
	uint64_t total = 0;

	ck_assert_uint_le(g->n_kinds, 16);
	fg_graph_kind_counts(links, hl, hubs, g);
	for (uint64_t i = 0; i < g->n_links; i++) {
		uint32_t t = g->link_target[i], k = fg_graph_link_kind(g, i);
		want_l[k]++;
		if (t >= g->n_users && fg_graph_ent_hub(g, t - g->n_users))
			want_hl[k]++;
	}
	for (uint32_t e = 0; e < g->n_entities; e++)
		want_h[fg_graph_ent_kind(g, e)] += fg_graph_ent_hub(g, e);
	for (uint32_t k = 0; k < g->n_kinds; k++) {
		ck_assert_uint_eq(links[k], want_l[k]);
		ck_assert_uint_eq(hl[k], want_hl[k]);
		ck_assert_uint_eq(hubs[k], want_h[k]);
		total += links[k];
	}
	ck_assert_uint_eq(total, g->n_links);
}

START_TEST(entities_narrow_and_wide_forms_agree)
{
	fg_config cfg;
	size_t n;
	trow *rows;
	fg_graph *a, *b, *c;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "loyalty=3"), FG_OK);
	rows = make_world(&n, 42, 5000);
	a = build_rows(&cfg, rows, n);
	ck_assert_ptr_nonnull(a->ent_class);
	ck_assert_ptr_nonnull(a->ent_value_run);
	ck_assert_ptr_null(a->ent_kind);
	ck_assert_ptr_null(a->ent_weight);
	ck_assert_ptr_null(a->ent_value);
	ck_assert_ptr_nonnull(a->user_id_off);
	ck_assert_ptr_nonnull(a->user_created32);
	ck_assert_ptr_null(a->link_kind);
	ck_assert_uint_gt(a->n_ent_cls, 8);
	ck_assert_uint_gt(a->n_hubs, 0);
	/* classes: distinct (kind, share) in that order, each with its own expression */
	for (uint32_t i = 0; i < a->n_ent_cls; i++) {
		const fg_ent_class *k = &a->ent_cls[i];
		double w = a->kind_weight[k->kind] / log2(1.0 + (double)k->share);
		ck_assert(memcmp(&w, &k->weight, sizeof(w)) == 0);
		ck_assert_uint_eq(k->hub, k->share > a->kind_max_share[k->kind]);
		if (i > 0)
			ck_assert(a->ent_cls[i - 1].kind < k->kind ||
			          (a->ent_cls[i - 1].kind == k->kind && a->ent_cls[i - 1].share < k->share));
	}

	fg_graph_class_cap = 0;
	fg_graph_value_cap = 0;
	b = build_rows(&cfg, rows, n);
	ck_assert_ptr_null(b->ent_class);
	ck_assert_ptr_null(b->ent_value_run);
	ck_assert_ptr_null(b->user_id_off);
	ck_assert_ptr_nonnull(b->user_id);
	ck_assert_ptr_nonnull(b->ent_weight);
	ck_assert_ptr_nonnull(b->ent_value);
	check_same(a, b);
	ck_assert_str_eq(a->input_digest, b->input_digest);
	ck_assert_uint_lt(fg_graph_bytes(a), fg_graph_bytes(b));
	ck_assert_uint_gt(a->n_user_links, 0);
	check_kind_counts(a);
	check_kind_counts(b);
	/* the kinds' ranges give every entity its class's kind and the wide form's */
	ck_assert_ptr_nonnull(a->ent_kind_start);
	ck_assert_ptr_nonnull(b->ent_kind_start);
	{
		uint32_t *st = a->ent_kind_start;
		uint32_t kinds_seen = 0;
		for (uint32_t e = 0; e < a->n_entities; e++) {
			uint32_t k = fg_graph_ent_kind(a, e);
			a->ent_kind_start = NULL;
			ck_assert_uint_eq(k, fg_graph_ent_kind(a, e));
			a->ent_kind_start = st;
			ck_assert_uint_eq(k, b->ent_kind[e]);
			kinds_seen += e == 0 || k != fg_graph_ent_kind(a, e - 1);
		}
		ck_assert_uint_ge(kinds_seen, 3);
		ck_assert_uint_eq(st[a->n_kinds], a->n_entities);
	}
	/* one reader in order, one at random (same e twice, back and forth across runs) */
	{
		fg_values seq = { 0 }, rnd_vr = { 0 };
		uint64_t st = 5;
		for (uint32_t e = 0; e < a->n_entities; e++)
			ck_assert_str_eq(fg_graph_ent_value(a, e, &seq), b->ent_value[e]);
		for (int i = 0; i < 20000; i++) {
			uint32_t e = (uint32_t)(rnd(&st) % a->n_entities);
			ck_assert_str_eq(fg_graph_ent_value(a, e, &rnd_vr), b->ent_value[e]);
			if (i % 3 == 0)
				ck_assert_str_eq(fg_graph_ent_value(a, e, &rnd_vr), b->ent_value[e]);
			if (i % 5 == 0 && e + 1 < a->n_entities)
				ck_assert_str_eq(fg_graph_ent_value(a, e + 1, &rnd_vr), b->ent_value[e + 1]);
		}
		fg_graph_values_free(&seq);
		fg_graph_values_free(&rnd_vr);
		ck_assert_ptr_null(seq.buf.s);
		fg_graph_values_free(NULL);
	}

	fg_graph_class_cap = a->n_ent_cls - 1;
	c = build_rows(&cfg, rows, n);
	ck_assert_ptr_null(c->ent_class);
	check_same(a, c);
	fg_graph_free(&c);
	fg_graph_class_cap = a->n_ent_cls;
	c = build_rows(&cfg, rows, n);
	ck_assert_ptr_nonnull(c->ent_class);
	check_same(a, c);

	fg_graph_class_cap = FG_GRAPH_CLASS_MAX;
	fg_graph_value_cap = UINT32_MAX;
	fg_graph_free(&a);
	fg_graph_free(&b);
	fg_graph_free(&c);
	free(rows);
}
END_TEST

START_TEST(same_result_for_any_thread_count)
{
#if FG_HAVE_OPENMP
	static const int threads[] = { 1, 2, 3, 8 };
	fg_config cfg;
	size_t n;
	trow *rows;
	fg_graph *ref = NULL;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "loyalty=3"), FG_OK);
	/* big enough that the parallel sort paths (>= 64 Ki records) run */
	rows = make_world(&n, 7, 150000);
	for (int i = 0; i < 4; i++) {
		fg_graph *g;
		omp_set_num_threads(threads[i]);
		g = build_rows(&cfg, rows, n);
		if (!ref) {
			check_invariants(g);
			ref = g;
		} else {
			check_same(ref, g);
			fg_graph_free(&g);
		}
	}
	omp_set_num_threads(omp_get_num_procs());
	fg_graph_free(&ref);
	free(rows);
#else
	/* Without OpenMP there is one thread: the build must still be repeatable. */
	fg_config cfg;
	size_t n;
	trow *rows;
	fg_graph *a, *b;

	fg_config_init(&cfg);
	rows = make_world(&n, 7, 20000);
	a = build_rows(&cfg, rows, n);
	b = build_rows(&cfg, rows, n);
	check_same(a, b);
	fg_graph_free(&a);
	fg_graph_free(&b);
	free(rows);
#endif
}
END_TEST


/* ---- user attributes: the users input's extra columns (CSV and SQLite) ---- */

/* Build a graph from CSV files: one links file, users files; NULL-terminated. */
static fg_graph *build_csv(const fg_config *cfg, const char *links, const char *const *users)
{
	fg_linkset *ls = NULL;
	fg_graph *g = NULL;
	fg_badrows bad;

	memset(&bad, 0, sizeof(bad));
	fgt_write_file("l.csv", links, (size_t)-1);
	ck_assert_int_eq(fg_linkset_new(&ls, cfg), FG_OK);
	ck_assert_int_eq(fg_ingest_links_csv("l.csv", cfg, &bad, fg_linkset_link_sink, ls), FG_OK);
	for (int i = 0; users && users[i]; i++) {
		char name[32];

		snprintf(name, sizeof(name), "u%d.csv", i);
		fgt_write_file(name, users[i], (size_t)-1);
		if (fg_ingest_users_csv(name, cfg, &bad, fg_linkset_user_sink, ls) != FG_OK)
			ck_abort_msg("users: %s", fg_error_msg());
	}
	fg_linkset_report(ls);
	ck_assert_int_eq(fg_graph_build(&g, ls, cfg), FG_OK);
	fg_linkset_free(&ls);
	return g;
}

static const char attr_links[] = "user_id,kind,value\na,card,c1\nb,card,c1\nc,device,d1\nz,device,d1\n";

/* The value of attribute name for user id (NAN if missing), or -1e30 if no such attribute. */
static float attr_of(const fg_graph *g, const char *user, const char *name)
{
	int64_t u = fg_graph_find_user(g, user);

	ck_assert_int_ge(u, 0);
	for (uint32_t a = 0; a < g->n_attrs; a++)
		if (strcmp(g->attr_name[a], name) == 0)
			return g->user_attr[(size_t)u * g->n_attrs + a];
	return -1e30f;
}

START_TEST(user_attributes_numeric_kept_text_dropped)
{
	char *dir = fgt_tmpdir();
	fg_config cfg;
	fg_graph *g;
	const char *users[] = {
		"user_id,Score,city,label,age,empty\n"
		"a,0.5,Paris,fraud,31,\n"
		"b,-2e3,Oslo,,,\n"
		"c, 7 ,,legit,40,\n",
		NULL,
	};

	ck_assert_int_eq(chdir(dir), 0);
	fg_config_init(&cfg);
	g = build_csv(&cfg, attr_links, users);
	/* city has text: left out; empty has no value at all: kept, all NAN */
	ck_assert_uint_eq(g->n_attrs, 3);
	ck_assert_str_eq(g->attr_name[0], "age");
	ck_assert_str_eq(g->attr_name[1], "empty");
	ck_assert_str_eq(g->attr_name[2], "score");
	ck_assert(attr_of(g, "a", "score") == 0.5f);
	ck_assert(attr_of(g, "b", "score") == -2000.0f);
	ck_assert(attr_of(g, "c", "score") == 7.0f);
	ck_assert(attr_of(g, "a", "age") == 31.0f);
	ck_assert(isnan(attr_of(g, "b", "age")));
	ck_assert(isnan(attr_of(g, "c", "empty")));
	/* z has no users row: every attribute missing */
	ck_assert(isnan(attr_of(g, "z", "score")) && isnan(attr_of(g, "z", "age")));
	ck_assert_uint_eq(g->n_seeds, 1);
	ck_assert_uint_eq(g->n_legit, 1);
	fg_graph_free(&g);
	fgt_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(user_attributes_independent_of_row_and_column_order)
{
	char *dir = fgt_tmpdir();
	fg_config cfg;
	fg_graph *g1, *g2;
	const char *u1[] = { "user_id,x,y\na,1,2\nb,3,\nc,,-0\n", NULL };
	const char *u2[] = { "y,user_id,x\n0,c,\n,b,3\n2,a,1\n", NULL };
	/* several files: union of names, a user's largest value wins */
	const char *u3[] = { "user_id,x\na,1\nb,3\n", "user_id,y,w\nc,-0,5\na,2,\na,-1,\n", NULL };
	const char *u4[] = { "user_id,y,w\na,-1,\nc,0,5\na,2,\n", "user_id,x\nb,3\na,1\n", NULL };

	ck_assert_int_eq(chdir(dir), 0);
	fg_config_init(&cfg);
	g1 = build_csv(&cfg, attr_links, u1);
	g2 = build_csv(&cfg, "user_id,kind,value\nz,device,d1\nc,device,d1\nb,card,c1\na,card,c1\n", u2);
	ck_assert_uint_eq(g1->n_attrs, 2);
	ck_assert_uint_eq(g2->n_attrs, 2);
	ck_assert_int_eq(memcmp(g1->user_attr, g2->user_attr,
	                        (size_t)g1->n_users * g1->n_attrs * sizeof(float)), 0);
	ck_assert_str_eq(g1->input_digest, g2->input_digest);
	fg_graph_free(&g1);
	fg_graph_free(&g2);
	g1 = build_csv(&cfg, attr_links, u3);
	g2 = build_csv(&cfg, attr_links, u4);
	ck_assert_uint_eq(g1->n_attrs, 3);
	ck_assert_str_eq(g1->attr_name[0], "w");
	ck_assert(attr_of(g1, "a", "y") == 2.0f);
	ck_assert(attr_of(g1, "c", "w") == 5.0f);
	ck_assert(isnan(attr_of(g1, "b", "y")));
	ck_assert_int_eq(memcmp(g1->user_attr, g2->user_attr,
	                        (size_t)g1->n_users * g1->n_attrs * sizeof(float)), 0);
	ck_assert_str_eq(g1->input_digest, g2->input_digest);
	fg_graph_free(&g1);
	fg_graph_free(&g2);
	fgt_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(user_attributes_choice_and_digest)
{
	char *dir = fgt_tmpdir();
	fg_config cfg;
	fg_graph *g;
	char plain[33], with[33];
	const char *bare[] = { "user_id,created_at,label\na,1,fraud\nb,2,\n", NULL };
	const char *extra[] = { "user_id,created_at,label,x,y\na,1,fraud,1,5\nb,2,,2,6\n", NULL };

	ck_assert_int_eq(chdir(dir), 0);
	fg_config_init(&cfg);
	g = build_csv(&cfg, attr_links, bare);
	ck_assert_uint_eq(g->n_attrs, 0);
	ck_assert_ptr_null(g->user_attr);
	snprintf(plain, sizeof(plain), "%s", g->input_digest);
	fg_graph_free(&g);
	/* attributes are input: they enter the digest, like created_at and label */
	g = build_csv(&cfg, attr_links, extra);
	ck_assert_uint_eq(g->n_attrs, 2);
	snprintf(with, sizeof(with), "%s", g->input_digest);
	ck_assert_str_ne(plain, with);
	fg_graph_free(&g);
	/* --no-attrs: the same graph and digest as without the columns */
	fg_config_set_no_attrs(&cfg);
	g = build_csv(&cfg, attr_links, extra);
	ck_assert_uint_eq(g->n_attrs, 0);
	ck_assert_str_eq(g->input_digest, plain);
	fg_graph_free(&g);
	/* --attrs: only those (case-insensitive) */
	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_attrs(&cfg, " Y ,nosuch"), FG_OK);
	g = build_csv(&cfg, attr_links, extra);
	ck_assert_uint_eq(g->n_attrs, 1);
	ck_assert_str_eq(g->attr_name[0], "y");
	ck_assert(attr_of(g, "b", "y") == 6.0f);
	fg_graph_free(&g);
	ck_assert_int_eq(fg_config_set_attrs(&cfg, " , "), FG_EUSAGE);
	fgt_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(user_attributes_from_sqlite)
{
	char *dir = fgt_tmpdir();
	fg_config cfg;
	fg_linkset *ls = NULL;
	fg_graph *g = NULL;
	fg_badrows bad;
	char cmd[512];

	ck_assert_int_eq(chdir(dir), 0);
	snprintf(cmd, sizeof(cmd),
	         "sqlite3 src.db \"CREATE TABLE edges(user_id, kind, value);"
	         "INSERT INTO edges VALUES('a','card','c1'),('b','card','c1');"
	         "CREATE TABLE users(user_id, n INTEGER, r REAL, t TEXT, s TEXT);"
	         "INSERT INTO users VALUES('a', 3, 0.25, '1.5', 'x'),('b', NULL, -1, ' 2 ', NULL);\"");
	ck_assert_int_eq(fgt_sh(cmd), 0);
	fg_config_init(&cfg);
	memset(&bad, 0, sizeof(bad));
	ck_assert_int_eq(fg_linkset_new(&ls, &cfg), FG_OK);
	ck_assert_int_eq(fg_ingest_links_sqlite("src.db", NULL, &cfg, &bad, fg_linkset_link_sink, ls),
	                 FG_OK);
	ck_assert_int_eq(fg_ingest_users_sqlite("src.db", NULL, &cfg, &bad, fg_linkset_user_sink, ls),
	                 FG_OK);
	ck_assert_int_eq(fg_graph_build(&g, ls, &cfg), FG_OK);
	fg_linkset_free(&ls);
	ck_assert_uint_eq(g->n_attrs, 3); /* s has text */
	ck_assert(attr_of(g, "a", "n") == 3.0f);
	ck_assert(isnan(attr_of(g, "b", "n")));
	ck_assert(attr_of(g, "b", "r") == -1.0f);
	ck_assert(attr_of(g, "a", "t") == 1.5f);
	ck_assert(attr_of(g, "b", "t") == 2.0f);
	fg_graph_free(&g);
	fgt_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(label_conflicts_counted_fraud_wins)
{
	fg_config cfg;
	fg_linkset *ls = NULL;
	fg_graph *g = NULL;
	char ex[64];
	const trow rows[] = { L("a", "card", "c", NONE), U("b", FG_LABEL_LEGIT, NONE),
	                      U("b", FG_LABEL_FRAUD, NONE), U("a", FG_LABEL_FRAUD, NONE),
	                      U("a", FG_LABEL_LEGIT, NONE), U("c", FG_LABEL_LEGIT, NONE),
	                      U("c", FG_LABEL_LEGIT, NONE), U("d", FG_LABEL_FRAUD, NONE) };

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_linkset_new(&ls, &cfg), FG_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		feed(ls, &rows[i]);
	ck_assert_uint_eq(fg_linkset_label_conflicts(ls, ex, sizeof(ex)), 2);
	ck_assert_str_eq(ex, "a");
	ck_assert_int_eq(fg_graph_build(&g, ls, &cfg), FG_OK);
	ck_assert_uint_eq(g->n_seeds, 3);
	ck_assert_uint_eq(g->n_legit, 1);
	ck_assert_uint_eq(g->user_label[fg_graph_find_user(g, "a")], FG_LABEL_FRAUD);
	fg_linkset_free(&ls);
	fg_graph_free(&g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");

	tcase_add_test(tc, hash_xxh64_vectors_and_streaming);
	tcase_add_test(tc, intern_ids_tags_and_growth);
	tcase_add_test(tc, intern_batch_same_ids_as_one_by_one);
	tcase_add_test(tc, intern_reserve_same_ids);
	tcase_add_test(tc, intern_batch_failure_leaves_the_table);
	tcase_add_test(tc, canonical_ids_independent_of_row_order);
	tcase_add_test(tc, kinds_past_the_row_cache);
	tcase_add_test(tc, user_order_is_bytewise_shorter_first);
	tcase_add_test(tc, long_common_prefixes_sort_bytewise);
	tcase_add_test(tc, dedup_keeps_first_and_last_seen);
	tcase_add_test(tc, link_times_narrow_only_when_they_fit);
	tcase_add_test(tc, user_times_narrow_only_when_they_fit);
	tcase_add_test(tc, relations_stored_once_per_pair_and_kind);
	tcase_add_test(tc, users_only_and_label_merge);
	tcase_add_test(tc, shares_hubs_and_weights);
	tcase_add_test(tc, csr_neighbours_of_a_small_world);
	tcase_add_test(tc, digest_tracks_content);
	tcase_add_test(tc, empty_and_single_user);
	tcase_add_test(tc, linkset_counts_and_is_consumed);
	tcase_add_test(tc, long_values_cross_batches);
	tcase_add_test(tc, same_result_for_any_thread_count);
	tcase_add_test(tc, entities_narrow_and_wide_forms_agree);
	tcase_add_test(tc, user_attributes_numeric_kept_text_dropped);
	tcase_add_test(tc, user_attributes_independent_of_row_and_column_order);
	tcase_add_test(tc, user_attributes_choice_and_digest);
	tcase_add_test(tc, user_attributes_from_sqlite);
	tcase_add_test(tc, label_conflicts_counted_fraud_wins);
	suite_add_tcase(s, tc);
	return fgt_run_suite(s);
}
