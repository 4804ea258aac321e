/*
 * algorithms/fg_rings and fg_risk: the ring finder and risk spreading on
 * hand-built graphs (fg_graph structs filled here, not by fg_graph_build),
 * random graphs for determinism, and igraph's PRPACK as the PageRank oracle.
 */
#include "fg_test.h"

#include "fg_build_config.h"
#include "fg_csr.h"
#include "fg_error.h"
#include "fg_graph.h"
#include "fg_igraph.h"
#include "fg_par.h"
#include "fg_rings.h"
#include "fg_risk.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- hand-built graphs ---- */

typedef struct hg {
	fg_graph g;
	uint32_t *src, *dst; /* links: user -> entity vertex or user -> user */
	uint64_t m, cap;
	double *kw;          /* kind weight per entity */
} hg;

static void hg_new(hg *h, uint32_t nu, uint32_t ne)
{
	memset(h, 0, sizeof(*h));
	h->g.n_users = nu;
	h->g.n_entities = ne;
	h->g.relation_weight = 2.0;
	h->kw = malloc(((size_t)ne + 1) * sizeof(double));
	ck_assert_ptr_nonnull(h->kw);
	for (uint32_t e = 0; e < ne; e++)
		h->kw[e] = 1.0;
}

static void hg_arc(hg *h, uint32_t a, uint32_t b)
{
	if (h->m == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->src = realloc(h->src, h->cap * sizeof(uint32_t));
		h->dst = realloc(h->dst, h->cap * sizeof(uint32_t));
		ck_assert(h->src && h->dst);
	}
	h->src[h->m] = a;
	h->dst[h->m] = b;
	h->m++;
}

/* user u links to entity e */
static void hg_ent(hg *h, uint32_t u, uint32_t e)
{
	ck_assert_uint_lt(u, h->g.n_users);
	ck_assert_uint_lt(e, h->g.n_entities);
	hg_arc(h, u, h->g.n_users + e);
}

/* users first..last (inclusive) all link to entity e */
static void hg_share(hg *h, uint32_t first, uint32_t last, uint32_t e)
{
	for (uint32_t u = first; u <= last; u++)
		hg_ent(h, u, e);
}

static void hg_rel(hg *h, uint32_t u, uint32_t v)
{
	ck_assert_uint_lt(u, h->g.n_users);
	ck_assert_uint_lt(v, h->g.n_users);
	hg_arc(h, u, v);
}

/*
 * Shares, hubs (share > max_share, links dropped from g), weights
 * kw / log2(1 + share), and the symmetric CSR.
 */
static void hg_build(hg *h, uint32_t max_share)
{
	fg_graph *g = &h->g;
	uint32_t nu = g->n_users, ne = g->n_entities, n = nu + ne;
	fg_csr full;
	uint64_t k = 0;

	g->ent_share = calloc((size_t)ne + 1, sizeof(uint32_t));
	g->ent_hub = calloc((size_t)ne + 1, 1);
	g->ent_weight = calloc((size_t)ne + 1, sizeof(double));
	g->user_label = calloc((size_t)nu + 1, 1);
	ck_assert(g->ent_share && g->ent_hub && g->ent_weight && g->user_label);
	ck_assert_int_eq(fg_csr_from_arcs(&full, n, h->m, h->src, h->dst, true, true, true), FG_OK);
	for (uint32_t e = 0; e < ne; e++) {
		uint32_t s = (uint32_t)fg_csr_degree(&full, nu + e);
		g->ent_share[e] = s;
		g->ent_hub[e] = s > max_share;
		g->n_hubs += fg_graph_ent_hub(g, e);
		g->ent_weight[e] = s ? h->kw[e] / log2(1.0 + s) : 0.0;
	}
	fg_csr_free(&full);
	for (uint64_t i = 0; i < h->m; i++) {
		if (h->dst[i] >= nu && g->ent_hub[h->dst[i] - nu])
			continue;
		h->src[k] = h->src[i];
		h->dst[k] = h->dst[i];
		k++;
	}
	ck_assert_int_eq(fg_csr_from_arcs(&g->g, n, k, h->src, h->dst, true, true, true), FG_OK);
}

static void hg_free(hg *h)
{
	fg_csr_free(&h->g.g);
	free(h->g.ent_share);
	free(h->g.ent_hub);
	free(h->g.ent_weight);
	free(h->g.user_label);
	free(h->src);
	free(h->dst);
	free(h->kw);
	memset(h, 0, sizeof(*h));
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A random link graph: nu users, nu entities of four kinds (card 3, device 2,
 * address 1.5, ip 1), 1-3 links per user (half to a popular tenth of the
 * entities, so some become hubs), planted rings of 3-8 users sharing a card
 * and a device, and nu/20 direct relations.
 */
static void hg_random(hg *h, uint32_t nu, uint64_t seed)
{
	static const double kinds[4] = { 3.0, 2.0, 1.5, 1.0 };
	uint32_t ne = nu;

	hg_new(h, nu, ne);
	for (uint32_t e = 0; e < ne; e++)
		h->kw[e] = kinds[e % 4];
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t k = 1 + (uint32_t)(rng_next(&seed) % 3);
		for (uint32_t j = 0; j < k; j++) {
			uint64_t r = rng_next(&seed);
			uint32_t e = (r & 1) ? (uint32_t)((r >> 1) % (ne / 10 + 1))
			                     : (uint32_t)((r >> 1) % ne);
			hg_ent(h, u, e);
		}
	}
	for (uint32_t i = 0; i < nu / 40; i++) {
		uint32_t size = 3 + (uint32_t)(rng_next(&seed) % 6);
		uint32_t card = (uint32_t)(rng_next(&seed) % (ne / 4)) * 4;
		uint32_t dev = (uint32_t)(rng_next(&seed) % (ne / 4)) * 4 + 1;
		for (uint32_t j = 0; j < size; j++) {
			uint32_t u = (uint32_t)(rng_next(&seed) % nu);
			hg_ent(h, u, card);
			hg_ent(h, u, dev);
		}
	}
	for (uint32_t i = 0; i < nu / 20; i++)
		hg_rel(h, (uint32_t)(rng_next(&seed) % nu), (uint32_t)(rng_next(&seed) % nu));
	hg_build(h, 20);
}

/* ---- ring helpers ---- */

static uint32_t *run_rings(const fg_graph *g, fg_rings_stats *st)
{
	uint32_t *ring = malloc(((size_t)g->n_users + 1) * sizeof(uint32_t));
	uint32_t *ref = malloc(((size_t)g->n_users + 1) * sizeof(uint32_t));
	fg_rings_stats st2;

	ck_assert(ring && ref);
	ck_assert_int_eq(fg_rings(ring, g, 100, st), FG_OK);
	ck_assert_int_eq(fg_rings_serial(ref, g, 100, &st2), FG_OK);
	ck_assert_int_eq(memcmp(ring, ref, (size_t)g->n_users * sizeof(uint32_t)), 0);
	ck_assert_int_eq(st->iterations, st2.iterations);
	ck_assert_int_eq(st->converged, st2.converged);
	free(ref);
	return ring;
}

static uint32_t count_rings(const uint32_t *ring, uint32_t nu, uint32_t min_size)
{
	uint32_t *size = calloc((size_t)nu + 1, sizeof(uint32_t)), n = 0;

	ck_assert_ptr_nonnull(size);
	for (uint32_t u = 0; u < nu; u++)
		size[ring[u]]++;
	for (uint32_t u = 0; u < nu; u++)
		n += size[u] >= min_size;
	free(size);
	return n;
}

static uint32_t cc_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x)
		x = p[x] = p[p[x]];
	return x;
}

/*
 * Structural checks on any result: ring[u] is the smallest member, rings stay
 * inside components of g, and each ring is connected in the projected graph
 * using only its own members.
 */
static void check_ring_structure(const fg_graph *g, const uint32_t *ring)
{
	uint32_t nu = g->n_users, n = g->g.n;
	uint32_t *comp = malloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *inner = malloc(((size_t)nu + 1) * sizeof(uint32_t));

	ck_assert(comp && inner);
	for (uint32_t v = 0; v < n; v++)
		comp[v] = v;
	for (uint32_t u = 0; u < nu; u++)
		inner[u] = u;
	for (uint32_t v = 0; v < n; v++)
		for (uint64_t a = g->g.off[v]; a < g->g.off[v + 1]; a++) {
			uint32_t a1 = cc_find(comp, v), b1 = cc_find(comp, g->g.adj[a]);
			if (a1 != b1)
				comp[a1 > b1 ? a1 : b1] = a1 < b1 ? a1 : b1;
		}
	/* join users of one ring that share an entity or a direct link */
	for (uint32_t v = 0; v < n; v++)
		for (uint64_t a = g->g.off[v]; a < g->g.off[v + 1]; a++) {
			uint32_t x = g->g.adj[a];
			if (v < nu) {
				if (x < nu && ring[x] == ring[v])
					inner[cc_find(inner, x)] = cc_find(inner, v);
				continue;
			}
			for (uint64_t b = a + 1; b < g->g.off[v + 1]; b++) {
				uint32_t y = g->g.adj[b];
				if (ring[x] == ring[y])
					inner[cc_find(inner, y)] = cc_find(inner, x);
			}
		}
	for (uint32_t u = 0; u < nu; u++) {
		ck_assert_uint_le(ring[u], u);
		ck_assert_uint_eq(ring[ring[u]], ring[u]);
		ck_assert_uint_eq(cc_find(comp, u), cc_find(comp, ring[u]));
		ck_assert_uint_eq(cc_find(inner, u), cc_find(inner, ring[u]));
	}
	free(comp);
	free(inner);
}

/* ---- rings ---- */

START_TEST(rings_empty_and_single)
{
	hg h;
	uint32_t ring[1] = { 77 };
	fg_rings_stats st;

	hg_new(&h, 0, 0);
	hg_build(&h, 20);
	ck_assert_int_eq(fg_rings(ring, &h.g, 100, &st), FG_OK);
	ck_assert_int_eq(st.iterations, 0);
	ck_assert_int_eq(st.converged, 1);
	ck_assert_int_eq(fg_rings_serial(ring, &h.g, 100, NULL), FG_OK);
	ck_assert_uint_eq(ring[0], 77);
	hg_free(&h);

	hg_new(&h, 1, 1);
	hg_ent(&h, 0, 0);
	hg_build(&h, 20);
	ck_assert_int_eq(fg_rings(ring, &h.g, 100, &st), FG_OK);
	ck_assert_uint_eq(ring[0], 0);
	ck_assert_int_eq(st.converged, 1);
	ck_assert_int_eq(st.iterations, 1);
	ck_assert_uint_eq(st.changes_last, 0);
	hg_free(&h);
}
END_TEST

START_TEST(rings_two_users_one_card)
{
	hg h;
	uint32_t *ring;
	fg_rings_stats st;

	hg_new(&h, 3, 2);
	h.kw[0] = 3.0;
	hg_share(&h, 1, 2, 0);
	hg_ent(&h, 0, 1);
	hg_build(&h, 20);
	ring = run_rings(&h.g, &st);
	ck_assert_uint_eq(ring[0], 0);
	ck_assert_uint_eq(ring[1], 1);
	ck_assert_uint_eq(ring[2], 1);
	ck_assert_int_eq(st.converged, 1);
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_weak_ip_does_not_merge)
{
	hg h;
	uint32_t *ring;
	fg_rings_stats st;

	/* ring A 0..4 on card 0, ring B 5..9 on card 1, users 4 and 5 share ip 2 */
	hg_new(&h, 10, 3);
	h.kw[0] = h.kw[1] = 3.0;
	h.kw[2] = 1.0;
	hg_share(&h, 0, 4, 0);
	hg_share(&h, 5, 9, 1);
	hg_share(&h, 4, 5, 2);
	hg_build(&h, 20);
	ring = run_rings(&h.g, &st);
	for (uint32_t u = 0; u < 5; u++)
		ck_assert_uint_eq(ring[u], 0);
	for (uint32_t u = 5; u < 10; u++)
		ck_assert_uint_eq(ring[u], 5);
	ck_assert_int_eq(st.converged, 1);
	check_ring_structure(&h.g, ring);
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_complete_bipartite_converges)
{
	hg h;
	uint32_t *ring;
	fg_rings_stats st;

	/* K(10, 3): synchronous LPA oscillates here */
	hg_new(&h, 10, 3);
	for (uint32_t e = 0; e < 3; e++)
		hg_share(&h, 0, 9, e);
	hg_build(&h, 20);
	ring = run_rings(&h.g, &st);
	for (uint32_t u = 0; u < 10; u++)
		ck_assert_uint_eq(ring[u], 0);
	ck_assert_int_eq(st.converged, 1);
	ck_assert_uint_eq(st.changes_last, 0);
	ck_assert_int_le(st.iterations, 3);
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_two_cliques_joined_by_one_user)
{
	hg h;
	uint32_t *ring;
	fg_rings_stats st;

	/* cliques 0..4 (card 0, device 1) and 6..10 (card 2, device 3); user 5
	 * shares address 4 with user 4 and address 5 with user 6 */
	hg_new(&h, 11, 6);
	h.kw[0] = h.kw[2] = 3.0;
	h.kw[1] = h.kw[3] = 2.0;
	h.kw[4] = h.kw[5] = 1.5;
	hg_share(&h, 0, 4, 0);
	hg_share(&h, 0, 4, 1);
	hg_share(&h, 6, 10, 2);
	hg_share(&h, 6, 10, 3);
	hg_share(&h, 4, 5, 4);
	hg_share(&h, 5, 6, 5);
	hg_build(&h, 20);
	ring = run_rings(&h.g, &st);
	for (uint32_t u = 0; u < 5; u++)
		ck_assert_uint_eq(ring[u], 0);
	for (uint32_t u = 6; u < 11; u++)
		ck_assert_uint_eq(ring[u], 6);
	/* the bridge has equal ties to both: it joins one side (smallest label) */
	ck_assert(ring[5] == 0 || ring[5] == 5);
	ck_assert_uint_eq(count_rings(ring, 11, 5), 2);
	check_ring_structure(&h.g, ring);
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_star_household_and_relations)
{
	hg h;
	uint32_t *ring;
	fg_rings_stats st;

	/* user 0: ten private entities; users 1..4: one household address;
	 * users 5, 6: a direct transfer; user 7: alone */
	hg_new(&h, 8, 11);
	for (uint32_t e = 0; e < 10; e++)
		hg_ent(&h, 0, e);
	hg_share(&h, 1, 4, 10);
	hg_rel(&h, 6, 5);
	hg_build(&h, 20);
	ring = run_rings(&h.g, &st);
	ck_assert_uint_eq(ring[0], 0);
	for (uint32_t u = 1; u < 5; u++)
		ck_assert_uint_eq(ring[u], 1);
	ck_assert_uint_eq(ring[5], 5);
	ck_assert_uint_eq(ring[6], 5);
	ck_assert_uint_eq(ring[7], 7);
	ck_assert_uint_eq(count_rings(ring, 8, 2), 2);
	ck_assert_int_eq(st.converged, 1);
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_victim_household_stays_out)
{
	hg h;
	uint32_t *ring;
	fg_rings_stats st;

	/* ring 0..4 shares a stolen card 0 (also with its owner, victim 5) and a
	 * device 1; the victim's household 6, 7 shares address 2 with the victim.
	 * The victim's strongest ties are the card's users, so it joins the ring
	 * (scoring, not membership, must spare it); its household does not. */
	hg_new(&h, 8, 3);
	h.kw[0] = 3.0;
	h.kw[1] = 2.0;
	h.kw[2] = 1.5;
	hg_share(&h, 0, 5, 0);
	hg_share(&h, 0, 4, 1);
	hg_share(&h, 5, 7, 2);
	hg_build(&h, 20);
	ring = run_rings(&h.g, &st);
	for (uint32_t u = 0; u < 6; u++)
		ck_assert_uint_eq(ring[u], 0);
	ck_assert_uint_eq(ring[6], 6);
	ck_assert_uint_eq(ring[7], 6);
	ck_assert_int_eq(st.converged, 1);
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_heavy_user_dense_path)
{
	static const int threads[] = { 1, 2, 3 };
	hg h;
	uint32_t *ring, nu = 1 + 150 * 15;
	fg_rings_stats st;

	/* user 0 shares each of 150 entities with its own group of 15 users
	 * (2400 two-hop contributions: vote()'s dense path); each group also
	 * shares a card among itself (entities 150..299) */
	hg_new(&h, nu, 300);
	for (uint32_t e = 0; e < 150; e++) {
		hg_ent(&h, 0, e);
		hg_share(&h, 1 + 15 * e, 15 + 15 * e, e);
		hg_share(&h, 1 + 15 * e, 15 + 15 * e, 150 + e);
		h.kw[150 + e] = 3.0;
	}
	hg_build(&h, 20);
	ring = run_rings(&h.g, &st);
	ck_assert_int_eq(st.converged, 1);
	check_ring_structure(&h.g, ring);
	for (uint32_t e = 0; e < 150; e++)
		for (uint32_t u = 2 + 15 * e; u <= 15 + 15 * e; u++)
			ck_assert_uint_eq(ring[u], ring[1 + 15 * e]);
	ck_assert_uint_eq(count_rings(ring, nu, 15), 150);
	for (size_t t = 0; t < 3; t++) {
		uint32_t *again = malloc((size_t)nu * sizeof(uint32_t));
		fg_par_set_threads(threads[t]);
		ck_assert_int_eq(fg_rings(again, &h.g, 100, &st), FG_OK);
		ck_assert_int_eq(memcmp(again, ring, (size_t)nu * sizeof(uint32_t)), 0);
		free(again);
	}
	fg_par_set_threads(2);
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_hubs_are_cut)
{
	hg h;
	uint32_t *ring;
	fg_rings_stats st;

	/* a freight forwarder shared by all 30 users (hub at cap 20), and two
	 * pairs sharing cards: only the pairs are rings */
	hg_new(&h, 30, 3);
	hg_share(&h, 0, 29, 0);
	hg_share(&h, 3, 4, 1);
	hg_share(&h, 10, 11, 2);
	hg_build(&h, 20);
	ck_assert_uint_eq(h.g.n_hubs, 1);
	ring = run_rings(&h.g, &st);
	for (uint32_t u = 0; u < 30; u++) {
		uint32_t want = (u == 4 || u == 11) ? u - 1 : u;
		ck_assert_uint_eq(ring[u], want);
	}
	free(ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_max_iter_zero_and_cap)
{
	hg h;
	uint32_t ring[4];
	fg_rings_stats st;

	hg_new(&h, 4, 1);
	hg_share(&h, 0, 3, 0);
	hg_build(&h, 20);
	ck_assert_int_eq(fg_rings(ring, &h.g, 0, &st), FG_OK);
	ck_assert_int_eq(st.iterations, 0);
	ck_assert_int_eq(st.converged, 0);
	for (uint32_t u = 0; u < 4; u++)
		ck_assert_uint_eq(ring[u], u);
	/* one sweep changes labels, so one sweep cannot confirm convergence */
	ck_assert_int_eq(fg_rings(ring, &h.g, 1, &st), FG_OK);
	ck_assert_int_eq(st.iterations, 1);
	ck_assert_int_eq(st.converged, 0);
	ck_assert_uint_gt(st.changes_last, 0);
	check_ring_structure(&h.g, ring);
	hg_free(&h);
}
END_TEST

START_TEST(rings_random_deterministic)
{
	static const int threads[] = { 1, 2, 3, 8 };

	for (uint64_t seed = 1; seed <= 3; seed++) {
		hg h;
		uint32_t nu = 5000 + (uint32_t)seed * 111;
		uint32_t *ref, *ring = malloc((size_t)nu * sizeof(uint32_t));
		fg_rings_stats st, st1;

		hg_random(&h, nu, seed);
		ref = run_rings(&h.g, &st); /* also compares with the serial reference */
		ck_assert_int_eq(st.converged, 1);
		check_ring_structure(&h.g, ref);
		ck_assert_uint_gt(count_rings(ref, nu, 3), 10);
		/* min_ns 0: every colour class with work forks (the parallel path on a
		 * small graph; the default rule would keep classes this small serial) */
		fg_par_set_min_ns(0);
		for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
			fg_par_set_threads(threads[t]);
			ck_assert_int_eq(fg_rings(ring, &h.g, 100, &st1), FG_OK);
			ck_assert_int_eq(memcmp(ring, ref, (size_t)nu * sizeof(uint32_t)), 0);
			ck_assert_int_eq(st1.iterations, st.iterations);
		}
		fg_par_set_min_ns(FG_PAR_MIN_NS);
		fg_par_set_threads(2);
		free(ring);
		free(ref);
		hg_free(&h);
	}
}
END_TEST

/* The fork policy: 2+ threads and enough work; the threshold moves with min_ns. */
START_TEST(par_pays_by_work)
{
	fg_par_set_min_ns(FG_PAR_MIN_NS);
	fg_par_set_threads(1);
	ck_assert_int_eq(fg_par_pays(UINT64_C(1) << 40, 100), 0);
	fg_par_set_threads(2);
#if FG_HAVE_OPENMP
	ck_assert_int_eq(fg_par_pays(FG_PAR_MIN_NS / 10, 10), 1);
	ck_assert_int_eq(fg_par_pays(FG_PAR_MIN_NS / 10 - 1, 10), 0);
	ck_assert_int_eq(fg_par_pays(1, 0), 0); /* one unit: far below the minimum */
	fg_par_set_min_ns(0);
	ck_assert_int_eq(fg_par_pays(1, 1), 1);
	ck_assert_int_eq(fg_par_pays(0, 1), 0); /* no work: never forks */
#else
	ck_assert_int_eq(fg_par_pays(UINT64_C(1) << 40, 100), 0);
#endif
	fg_par_set_min_ns(FG_PAR_MIN_NS);
}
END_TEST

/* ---- risk ---- */

static double *run_risk(const fg_graph *g, const uint32_t *seeds, uint32_t ns,
                        fg_risk_stats *st)
{
	size_t n = g->g.n;
	double *r = malloc((n + 1) * sizeof(double));

	ck_assert(r);
	ck_assert_int_eq(fg_risk(r, g, seeds, ns, 0.85, 1e-13, 1000, st), FG_OK);
	{
		/* the independent check: r satisfies the PageRank equation */
		double res = -1.0;
		ck_assert_int_eq(fg_risk_residual(&res, r, g, seeds, ns, 0.85), FG_OK);
		ck_assert_msg(res < 1e-10, "residual %g", res);
	}
	return r;
}

START_TEST(risk_chain_and_mass)
{
	hg h;
	double *r, sum = 0.0;
	uint32_t seed = 0;
	fg_risk_stats st;

	/* u0 -card- u1 -device- u2 -ip- u3 ; u4 alone on a private address */
	hg_new(&h, 5, 4);
	h.kw[0] = 3.0;
	h.kw[1] = 2.0;
	h.kw[2] = 1.0;
	hg_share(&h, 0, 1, 0);
	hg_share(&h, 1, 2, 1);
	hg_share(&h, 2, 3, 2);
	hg_ent(&h, 4, 3);
	hg_build(&h, 20);
	r = run_risk(&h.g, &seed, 1, &st);
	ck_assert_int_eq(st.converged, 1);
	ck_assert_double_lt(st.last_delta, 1e-13);
	for (uint32_t v = 1; v < h.g.n_users; v++)
		ck_assert_double_gt(r[0], r[v]);
	ck_assert_double_gt(r[1], r[2]); /* 2 hops via the card > 4 hops */
	ck_assert_double_gt(r[2], r[3]);
	ck_assert_double_eq(r[4], 0.0);
	ck_assert_double_eq(r[5 + 3], 0.0);
	for (uint32_t v = 0; v < h.g.g.n; v++)
		sum += r[v];
	ck_assert_double_eq_tol(sum, 1.0, 1e-9);
	free(r);
	hg_free(&h);
}
END_TEST

START_TEST(risk_isolated_seed_restarts)
{
	hg h;
	double *r, sum = 0.0;
	uint32_t seeds[2] = { 2, 0 };
	fg_risk_stats st;

	/* seed 2 has no link: its walkers restart, half of them at seed 0 */
	hg_new(&h, 3, 1);
	hg_share(&h, 0, 1, 0);
	hg_build(&h, 20);
	r = run_risk(&h.g, seeds, 2, &st);
	ck_assert_int_eq(st.converged, 1);
	for (uint32_t v = 0; v < h.g.g.n; v++)
		sum += r[v];
	ck_assert_double_eq_tol(sum, 1.0, 1e-9);
	/* closed form: r2 = 0.5 * (1 - d + d * r2) */
	ck_assert_double_eq_tol(r[2], 0.5 * 0.15 / (1.0 - 0.5 * 0.85), 1e-10);
	ck_assert_double_gt(r[0], r[1]);
	free(r);
	hg_free(&h);
}
END_TEST

START_TEST(risk_zero_seeds_and_bad_seed)
{
	hg h;
	double r[4] = { 9, 9, 9, 9 };
	uint32_t bad = 2;
	fg_risk_stats st;

	hg_new(&h, 2, 1);
	hg_share(&h, 0, 1, 0);
	hg_build(&h, 20);
	ck_assert_int_eq(fg_risk(r, &h.g, NULL, 0, 0.85, 1e-9, 100, &st), FG_OK);
	ck_assert_int_eq(st.converged, 1);
	ck_assert_int_eq(st.iterations, 0);
	for (int v = 0; v < 3; v++)
		ck_assert_double_eq(r[v], 0.0);
	ck_assert_double_eq(r[3], 9.0);
	ck_assert_int_eq(fg_risk(r, &h.g, &bad, 1, 0.85, 1e-9, 100, &st), FG_EUSAGE);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "seed 2"));
	hg_free(&h);
}
END_TEST

/* A random graph without isolated vertices: every user links, every entity is used. */
static void hg_random_connected(hg *h, uint32_t nu, uint32_t ne, uint64_t seed)
{
	hg_new(h, nu, ne);
	for (uint32_t e = 0; e < ne; e++)
		h->kw[e] = 1.0 + (double)(e % 4) * 0.5;
	for (uint32_t e = 0; e < ne; e++)
		hg_ent(h, (uint32_t)(rng_next(&seed) % nu), e);
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t k = 1 + (uint32_t)(rng_next(&seed) % 3);
		for (uint32_t j = 0; j < k; j++)
			hg_ent(h, u, (uint32_t)(rng_next(&seed) % ne));
	}
	for (uint32_t i = 0; i < nu / 5; i++)
		hg_rel(h, (uint32_t)(rng_next(&seed) % nu), (uint32_t)(rng_next(&seed) % nu));
	h->g.relation_weight = 2.5;
	hg_build(h, 1000);
}

START_TEST(risk_matches_igraph_prpack)
{
	hg h;
	uint32_t seeds[5] = { 3, 17, 17, 250, 999 };
	double *r;
	fg_risk_stats st;
	igraph_t ig;
	igraph_vector_t w, reset, res;
	igraph_integer_t ne;

	fg_igraph_init();
	hg_random_connected(&h, 1000, 700, 42);
	for (uint32_t v = 0; v < h.g.g.n; v++)
		ck_assert_uint_gt(fg_csr_degree(&h.g.g, v), 0);
	r = run_risk(&h.g, seeds, 5, &st);
	ck_assert_int_eq(st.converged, 1);

	ck_assert_int_eq(fg_igraph_from_csr(&ig, &h.g.g, false), FG_OK);
	ne = igraph_ecount(&ig);
	ck_assert_int_eq(igraph_vector_init(&w, ne), IGRAPH_SUCCESS);
	ck_assert_int_eq(igraph_vector_init(&reset, h.g.g.n), IGRAPH_SUCCESS);
	ck_assert_int_eq(igraph_vector_init(&res, 0), IGRAPH_SUCCESS);
	for (igraph_integer_t e = 0; e < ne; e++) {
		igraph_integer_t a, b;
		igraph_edge(&ig, e, &a, &b);
		if (a > b) {
			igraph_integer_t t = a;
			a = b;
			b = t;
		}
		VECTOR(w)[e] = b < h.g.n_users ? h.g.relation_weight
		                               : h.g.ent_weight[b - h.g.n_users];
	}
	for (int i = 0; i < 5; i++)
		VECTOR(reset)[seeds[i]] += 1.0;
	ck_assert_int_eq(igraph_personalized_pagerank(&ig, IGRAPH_PAGERANK_ALGO_PRPACK, &res, NULL,
	                                              igraph_vss_all(), false, 0.85, &reset, &w,
	                                              NULL), IGRAPH_SUCCESS);
	for (uint32_t v = 0; v < h.g.g.n; v++)
		ck_assert_double_eq_tol(r[v], VECTOR(res)[v], 1e-6);
	/* much tighter in fact: the difference is PRPACK's solver tolerance */
	{
		double maxdiff = 0.0;
		for (uint32_t v = 0; v < h.g.g.n; v++)
			maxdiff = fmax(maxdiff, fabs(r[v] - VECTOR(res)[v]));
		ck_assert_double_lt(maxdiff, 1e-9);
	}
	igraph_vector_destroy(&w);
	igraph_vector_destroy(&reset);
	igraph_vector_destroy(&res);
	igraph_destroy(&ig);
	free(r);
	hg_free(&h);
}
END_TEST

START_TEST(risk_random_deterministic)
{
	static const int threads[] = { 1, 2, 3, 8 };
	hg h;
	uint32_t seeds[40];
	double *ref, *r, sum = 0.0;
	fg_risk_stats st, st1;
	size_t n;

	hg_random(&h, 40000, 7);
	n = h.g.g.n;
	/* many blocks of 4096; the sweeps themselves go parallel only past ~1.5 M
	 * active arcs (fg_risk.c, fg_par_pays), which this graph does not reach:
	 * with min_ns 0 every sweep forks */
	ck_assert_uint_gt(n, 16 * 4096);
	for (uint32_t i = 0; i < 40; i++)
		seeds[i] = i * 997;
	ref = run_risk(&h.g, seeds, 40, &st);
	ck_assert_int_eq(st.converged, 1);
	for (size_t v = 0; v < n; v++)
		sum += ref[v];
	ck_assert_double_eq_tol(sum, 1.0, 1e-9);
	r = malloc(n * sizeof(double));
	ck_assert_ptr_nonnull(r);
	fg_par_set_min_ns(0);
	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		fg_par_set_threads(threads[t]);
		ck_assert_int_eq(fg_risk(r, &h.g, seeds, 40, 0.85, 1e-13, 1000, &st1), FG_OK);
		ck_assert_int_eq(memcmp(r, ref, n * sizeof(double)), 0);
		ck_assert_int_eq(st1.iterations, st.iterations);
	}
	fg_par_set_min_ns(FG_PAR_MIN_NS);
	fg_par_set_threads(2);
	free(r);
	free(ref);
	hg_free(&h);
}
END_TEST

/* The independent check is no rubber stamp: a wrong vertex or an unconverged run shows. */
START_TEST(risk_residual_catches_wrong_results)
{
	hg h;
	uint32_t seeds[20];
	double *r, res;
	fg_risk_stats st;

	hg_random(&h, 3000, 11);
	for (uint32_t i = 0; i < 20; i++)
		seeds[i] = i * 131;
	r = run_risk(&h.g, seeds, 20, &st); /* residual < 1e-10 asserted there */
	r[seeds[3]] += 1e-6;                 /* one vertex off by a millionth */
	ck_assert_int_eq(fg_risk_residual(&res, r, &h.g, seeds, 20, 0.85), FG_OK);
	ck_assert_msg(res > 1e-6, "residual %g misses a wrong vertex", res);
	r[seeds[3]] -= 1e-6;
	ck_assert_int_eq(fg_risk_residual(&res, r, &h.g, seeds, 20, 0.80), FG_OK);
	ck_assert_msg(res > 1e-4, "residual %g misses the wrong damping", res);
	/* two iterations only: far from the fixed point */
	ck_assert_int_eq(fg_risk(r, &h.g, seeds, 20, 0.85, 0.0, 2, &st), FG_OK);
	ck_assert_int_eq(fg_risk_residual(&res, r, &h.g, seeds, 20, 0.85), FG_OK);
	ck_assert_msg(res > 1e-3, "residual %g after 2 iterations", res);
	free(r);
	hg_free(&h);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	/*
	 * The determinism tests run 8 threads on CI's 2 cores, where spinning
	 * OpenMP workers starve each other (about 5x slower).  libgomp reads
	 * OMP_WAIT_POLICY when it loads, hence the re-exec; if exec fails the
	 * tests simply run slower.
	 */
	if (argc > 0 && !getenv("OMP_WAIT_POLICY")) {
		setenv("OMP_WAIT_POLICY", "passive", 1);
		execv("/proc/self/exe", argv);
	}
	s = suite_create("fraudk");
	tc = tcase_create("fraudk");

	tcase_add_test(tc, risk_residual_catches_wrong_results);
	tcase_add_test(tc, rings_empty_and_single);
	tcase_add_test(tc, rings_two_users_one_card);
	tcase_add_test(tc, rings_weak_ip_does_not_merge);
	tcase_add_test(tc, rings_complete_bipartite_converges);
	tcase_add_test(tc, rings_two_cliques_joined_by_one_user);
	tcase_add_test(tc, rings_star_household_and_relations);
	tcase_add_test(tc, rings_victim_household_stays_out);
	tcase_add_test(tc, rings_heavy_user_dense_path);
	tcase_add_test(tc, rings_hubs_are_cut);
	tcase_add_test(tc, rings_max_iter_zero_and_cap);
	tcase_add_test(tc, rings_random_deterministic);
	tcase_add_test(tc, par_pays_by_work);
	tcase_add_test(tc, risk_chain_and_mass);
	tcase_add_test(tc, risk_isolated_seed_restarts);
	tcase_add_test(tc, risk_zero_seeds_and_bad_seed);
	tcase_add_test(tc, risk_matches_igraph_prpack);
	tcase_add_test(tc, risk_random_deterministic);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
