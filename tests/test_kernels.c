/*
 * The generic kernels (fg_cc, fg_cdlp, fg_pagerank, fg_bfs, fg_bfs_multi)
 * against their serial references and against igraph, on random graphs and
 * adversarial shapes, and bit-identical across thread counts.
 */
#include "fg_test.h"

#include "fg_alloc.h"
#include "fg_bfs.h"
#include "fg_build_config.h"
#include "fg_cc.h"
#include "fg_cdlp.h"
#include "fg_csr.h"
#include "fg_error.h"
#include "fg_igraph.h"
#include "fg_pagerank.h"
#include "fg_par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* An arc list under construction. */
struct arcs {
	uint32_t n;
	uint64_t m, cap;
	uint32_t *src, *dst;
};

static void add(struct arcs *a, uint32_t u, uint32_t v)
{
	if (a->m == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->src = realloc(a->src, a->cap * sizeof(uint32_t));
		a->dst = realloc(a->dst, a->cap * sizeof(uint32_t));
		ck_assert(a->src && a->dst);
	}
	a->src[a->m] = u;
	a->dst[a->m] = v;
	a->m++;
}

static void arcs_free(struct arcs *a)
{
	free(a->src);
	free(a->dst);
	memset(a, 0, sizeof(*a));
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % bound);
}

enum shape {
	S_EMPTY, S_SINGLE, S_ISOLATED, S_STAR, S_PATH, S_CLIQUES, S_BIPARTITE, S_HUB,
	S_RANDOM_SMALL, S_RANDOM_SPARSE, S_RANDOM_BIG, S_COUNT
};

static const char *const shape_names[] = {
	"empty", "single", "isolated", "star", "path", "two-cliques", "bipartite", "hub",
	"random-small", "random-sparse", "random-20k",
};

/* Directed arcs of each test shape (kernels that need symmetry symmetrize them). */
static struct arcs make_shape(enum shape s, uint64_t seed)
{
	struct arcs a = { 0 };

	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	switch (s) {
	case S_EMPTY:
		break;
	case S_SINGLE:
		a.n = 1;
		break;
	case S_ISOLATED: /* a few edges among many isolated vertices, and a self-loop */
		a.n = 200;
		add(&a, 5, 17);
		add(&a, 17, 120);
		add(&a, 199, 3);
		add(&a, 42, 42);
		break;
	case S_STAR:
		a.n = 3000;
		for (uint32_t v = 1; v < a.n; v++)
			add(&a, v % 2 ? 0 : v, v % 2 ? v : 0);
		break;
	case S_PATH: /* 100k vertices, arcs alternate direction */
		a.n = 100000;
		for (uint32_t v = 0; v + 1 < a.n; v++)
			add(&a, v % 3 ? v : v + 1, v % 3 ? v + 1 : v);
		break;
	case S_CLIQUES: /* K_40 on 0..39 and on 41..80, both joined to 40 */
		a.n = 81;
		for (uint32_t u = 0; u < 40; u++)
			for (uint32_t v = u + 1; v < 40; v++) {
				add(&a, u, v);
				add(&a, 41 + v, 41 + u);
			}
		add(&a, 39, 40);
		add(&a, 40, 41);
		break;
	case S_BIPARTITE: /* K_{30,50} plus a separate K_{2,3} */
		a.n = 90;
		for (uint32_t u = 0; u < 30; u++)
			for (uint32_t v = 30; v < 80; v++)
				add(&a, u, v);
		for (uint32_t u = 80; u < 82; u++)
			for (uint32_t v = 82; v < 85; v++)
				add(&a, v, u);
		break;
	case S_HUB: /* a random sparse graph with one vertex linked to 70% of all */
		a.n = 8000;
		for (uint32_t k = 0; k < 6000; k++)
			add(&a, rnd(a.n), rnd(a.n));
		for (uint32_t v = 0; v < a.n; v++)
			if (v != 777 && rnd(10) < 7)
				add(&a, v % 2 ? 777 : v, v % 2 ? v : 777);
		break;
	case S_RANDOM_SMALL:
		a.n = 300;
		for (uint32_t k = 0; k < 900; k++)
			add(&a, rnd(a.n), rnd(a.n));
		break;
	case S_RANDOM_SPARSE: /* below the giant-component threshold: many components */
		a.n = 5000;
		for (uint32_t k = 0; k < 2000; k++)
			add(&a, rnd(a.n), rnd(a.n));
		break;
	case S_RANDOM_BIG:
		a.n = 20000;
		for (uint32_t k = 0; k < 100000; k++)
			add(&a, rnd(a.n), rnd(a.n));
		break;
	default:
		ck_abort();
	}
	return a;
}

static void build(fg_csr *out, const struct arcs *a, bool sym)
{
	ck_assert_int_eq(fg_csr_from_arcs(out, a->n, a->m, a->src, a->dst, sym, true, false), 0);
}

static const int thread_counts[] = { 1, 2, 3, 8 };
#define NTC (sizeof(thread_counts) / sizeof(thread_counts[0]))

/* fg_cc vs the serial BFS reference, vs igraph weak components, canonical labels. */
START_TEST(cc_matches_reference_and_igraph)
{
	for (int s = 0; s < S_COUNT; s++) {
		for (uint64_t seed = 1; seed <= (s >= S_HUB ? 3u : 1u); seed++) {
			struct arcs a = make_shape((enum shape)s, seed);
			fg_csr g;
			uint32_t *c = fg_mallocarray(a.n + 1, 4), *r = fg_mallocarray(a.n + 1, 4);
			build(&g, &a, false);
			ck_assert_int_eq(fg_cc(c, &g), 0);
			ck_assert_int_eq(fg_cc_serial(r, &g), 0);
			ck_assert_msg(!memcmp(c, r, (size_t)a.n * 4), "%s seed %llu: fg_cc != serial",
			              shape_names[s], (unsigned long long)seed);
			for (uint32_t v = 0; v < a.n; v++)
				ck_assert(c[v] <= v && c[c[v]] == c[v]);
			if (a.n > 0) {
				igraph_t ig;
				igraph_vector_int_t memb;
				igraph_integer_t no;
				uint32_t ncomp = 0;
				int32_t *rep = malloc((size_t)a.n * sizeof(int32_t));
				ck_assert_int_eq(fg_igraph_from_csr(&ig, &g, true), 0);
				igraph_vector_int_init(&memb, 0);
				ck_assert_int_eq(igraph_connected_components(&ig, &memb, NULL, &no, IGRAPH_WEAK), 0);
				/* Partition equality: igraph's label -> our label must be a bijection. */
				for (uint32_t v = 0; v < a.n; v++)
					rep[v] = -1;
				for (uint32_t v = 0; v < a.n; v++) {
					igraph_integer_t k = VECTOR(memb)[v];
					if (rep[k] < 0)
						rep[k] = (int32_t)c[v];
					ck_assert_uint_eq((uint32_t)rep[k], c[v]);
					ncomp += c[v] == v;
				}
				ck_assert_uint_eq(ncomp, (uint32_t)no);
				igraph_vector_int_destroy(&memb);
				igraph_destroy(&ig);
				free(rep);
			}
			if (s == S_PATH || s == S_STAR || s == S_CLIQUES)
				for (uint32_t v = 0; v < a.n; v++)
					ck_assert_uint_eq(c[v], 0);
			fg_free(c);
			fg_free(r);
			fg_csr_free(&g);
			arcs_free(&a);
		}
	}
}
END_TEST

START_TEST(cdlp_matches_reference)
{
	for (int s = 0; s < S_COUNT; s++) {
		struct arcs a = make_shape((enum shape)s, 7);
		fg_csr out, in, sym;
		uint64_t *init = fg_mallocarray(a.n + 1, 8), *x = fg_mallocarray(a.n + 1, 8),
		         *y = fg_mallocarray(a.n + 1, 8);
		build(&out, &a, false);
		build(&sym, &a, true);
		ck_assert_int_eq(fg_csr_transpose(&in, &out), 0);
		/* Labels that are not vertex ids, to catch any id/label mix-up. */
		for (uint32_t v = 0; v < a.n; v++)
			init[v] = (uint64_t)(v * 7919u % 10007u) << 33 | v;
		for (int it = 0; it <= 5; it += 5 - (s == S_PATH ? 0 : 2)) {
			ck_assert_int_eq(fg_cdlp(x, &out, &in, init, it), 0);
			ck_assert_int_eq(fg_cdlp_serial(y, &out, &in, init, it), 0);
			ck_assert_msg(!memcmp(x, y, (size_t)a.n * 8), "%s directed, %d it", shape_names[s], it);
			ck_assert_int_eq(fg_cdlp(x, &sym, NULL, init, it), 0);
			ck_assert_int_eq(fg_cdlp_serial(y, &sym, NULL, init, it), 0);
			ck_assert_msg(!memcmp(x, y, (size_t)a.n * 8), "%s undirected, %d it", shape_names[s], it);
		}
		fg_free(init);
		fg_free(x);
		fg_free(y);
		fg_csr_free(&out);
		fg_csr_free(&in);
		fg_csr_free(&sym);
		arcs_free(&a);
	}
}
END_TEST

/* Hand-checked: a neighbour linked both ways counts twice; ties to the smallest. */
START_TEST(cdlp_counts_reciprocal_arcs_twice)
{
	/* 0<->1, 2->0, 3->0: for vertex 0 labels {1,1,2,3}: 1 wins; 1 sees {0,0}. */
	uint32_t src[] = { 0, 1, 2, 3 }, dst[] = { 1, 0, 0, 0 };
	uint64_t init[] = { 10, 11, 12, 13 }, lab[4];
	fg_csr out, in;

	ck_assert_int_eq(fg_csr_from_arcs(&out, 4, 4, src, dst, false, false, false), 0);
	ck_assert_int_eq(fg_csr_transpose(&in, &out), 0);
	ck_assert_int_eq(fg_cdlp(lab, &out, &in, init, 1), 0);
	ck_assert_uint_eq(lab[0], 11);
	ck_assert_uint_eq(lab[1], 10);
	ck_assert_uint_eq(lab[2], 10); /* sees only 0 */
	ck_assert_uint_eq(lab[3], 10);
	/* Without the reciprocal arc, {11, 12, 13} tie: the smallest. */
	ck_assert_int_eq(fg_cdlp(lab, &out, NULL, init, 1), 0);
	ck_assert_uint_eq(lab[0], 11);
	fg_csr_free(&out);
	fg_csr_free(&in);
}
END_TEST

static void assert_close(const double *x, const double *y, uint32_t n, double rel, const char *what)
{
	for (uint32_t v = 0; v < n; v++)
		ck_assert_msg(fabs(x[v] - y[v]) <= rel * fabs(y[v]), "%s: vertex %u: %.17g vs %.17g",
		              what, v, x[v], y[v]);
}

START_TEST(pagerank_matches_reference_and_igraph)
{
	for (int s = 0; s < S_COUNT; s++) {
		struct arcs a = make_shape((enum shape)s, 3);
		fg_csr out, in, sym;
		double *x = fg_mallocarray(a.n + 1, 8), *y = fg_mallocarray(a.n + 1, 8);
		build(&out, &a, false);
		build(&sym, &a, true);
		ck_assert_int_eq(fg_csr_transpose(&in, &out), 0);
		ck_assert_int_eq(fg_pagerank(x, &out, &in, 0.85, 20), 0);
		ck_assert_int_eq(fg_pagerank_serial(y, &out, &in, 0.85, 20), 0);
		assert_close(x, y, a.n, 1e-12, shape_names[s]);
		/* The sink mass is redistributed: the ranks still sum to 1. */
		if (a.n > 0) {
			double sum = 0;
			for (uint32_t v = 0; v < a.n; v++)
				sum += x[v];
			ck_assert_double_eq_tol(sum, 1.0, 1e-9);
		}
		ck_assert_int_eq(fg_pagerank(x, &sym, &sym, 0.85, 20), 0);
		ck_assert_int_eq(fg_pagerank_serial(y, &sym, &sym, 0.85, 20), 0);
		assert_close(x, y, a.n, 1e-12, shape_names[s]);
		fg_free(x);
		fg_free(y);
		fg_csr_free(&out);
		fg_csr_free(&in);
		fg_csr_free(&sym);
		arcs_free(&a);
	}

	/* igraph PRPACK on graphs without sinks (a ring through all vertices added). */
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct arcs a = make_shape(seed == 3 ? S_HUB : S_RANDOM_BIG, seed);
		fg_csr out, in;
		double *x = fg_mallocarray(a.n, 8);
		igraph_t ig;
		igraph_vector_t pr;
		for (uint32_t v = 0; v < a.n; v++)
			add(&a, v, (v + 1) % a.n);
		build(&out, &a, false);
		ck_assert_int_eq(fg_csr_transpose(&in, &out), 0);
		ck_assert_int_eq(fg_pagerank(x, &out, &in, 0.85, 120), 0);
		ck_assert_int_eq(fg_igraph_from_csr(&ig, &out, true), 0);
		igraph_vector_init(&pr, 0);
		ck_assert_int_eq(igraph_pagerank(&ig, IGRAPH_PAGERANK_ALGO_PRPACK, &pr, NULL,
		                                 igraph_vss_all(), true, 0.85, NULL, NULL), 0);
		for (uint32_t v = 0; v < a.n; v++)
			ck_assert_msg(fabs(x[v] - VECTOR(pr)[v]) <= 1e-6 * VECTOR(pr)[v],
			              "seed %llu vertex %u: %.17g vs igraph %.17g",
			              (unsigned long long)seed, v, x[v], VECTOR(pr)[v]);
		igraph_vector_destroy(&pr);
		igraph_destroy(&ig);
		fg_free(x);
		fg_csr_free(&out);
		fg_csr_free(&in);
		arcs_free(&a);
	}
}
END_TEST

/* dist[] from igraph_distances: the minimum over sources[0..ns). */
static void igraph_dist(uint32_t *d, const fg_csr *g, bool directed, const uint32_t *sources,
                        uint32_t ns)
{
	igraph_t ig;
	igraph_matrix_t res;
	igraph_vector_int_t from;

	ck_assert_int_eq(fg_igraph_from_csr(&ig, g, directed), 0);
	igraph_vector_int_init(&from, ns);
	for (uint32_t k = 0; k < ns; k++)
		VECTOR(from)[k] = sources[k];
	igraph_matrix_init(&res, 0, 0);
	ck_assert_int_eq(igraph_distances(&ig, &res, igraph_vss_vector(&from), igraph_vss_all(),
	                                  IGRAPH_OUT), 0);
	for (uint32_t v = 0; v < g->n; v++) {
		double best = IGRAPH_INFINITY;
		for (uint32_t k = 0; k < ns; k++)
			if (MATRIX(res, k, v) < best)
				best = MATRIX(res, k, v);
		d[v] = best == IGRAPH_INFINITY ? FG_BFS_UNREACHED : (uint32_t)best;
	}
	igraph_matrix_destroy(&res);
	igraph_vector_int_destroy(&from);
	igraph_destroy(&ig);
}

START_TEST(bfs_matches_reference_and_igraph)
{
	for (int s = 0; s < S_COUNT; s++) {
		struct arcs a = make_shape((enum shape)s, 5);
		fg_csr out, sym;
		uint32_t n = a.n;
		uint32_t *x = fg_mallocarray(n + 1, 4), *y = fg_mallocarray(n + 1, 4),
		         *z = fg_mallocarray(n + 1, 4);
		build(&out, &a, false);
		build(&sym, &a, true);
		if (n > 0) {
			uint32_t src = s == S_HUB ? 777 : n / 3;
			ck_assert_int_eq(fg_bfs(x, &out, src), 0);
			ck_assert_int_eq(fg_bfs_serial(y, &out, src), 0);
			ck_assert_msg(!memcmp(x, y, (size_t)n * 4), "%s: fg_bfs != serial", shape_names[s]);
			igraph_dist(z, &out, true, &src, 1);
			ck_assert_msg(!memcmp(x, z, (size_t)n * 4), "%s: fg_bfs != igraph", shape_names[s]);
			ck_assert_int_eq(fg_bfs(x, &sym, 0), 0);
			igraph_dist(z, &sym, false, (uint32_t[]){ 0 }, 1);
			ck_assert_msg(!memcmp(x, z, (size_t)n * 4), "%s: undirected != igraph", shape_names[s]);
			if (s == S_PATH)
				for (uint32_t v = 0; v < n; v++)
					ck_assert_uint_eq(x[v], v);
			ck_assert_int_eq(fg_bfs(x, &out, n), FG_EUSAGE);
		}
		fg_free(x);
		fg_free(y);
		fg_free(z);
		fg_csr_free(&out);
		fg_csr_free(&sym);
		arcs_free(&a);
	}
}
END_TEST

START_TEST(bfs_multi_parents_are_canonical)
{
	for (int s = 0; s < S_COUNT; s++) {
		struct arcs a = make_shape((enum shape)s, 11);
		fg_csr g;
		uint32_t n = a.n, ns = 0, src[8];
		uint32_t *d = fg_mallocarray(n + 1, 4), *p = fg_mallocarray(n + 1, 4),
		         *q = fg_mallocarray(n + 1, 4), *d2 = fg_mallocarray(n + 1, 4),
		         *p2 = fg_mallocarray(n + 1, 4), *q2 = fg_mallocarray(n + 1, 4);
		build(&g, &a, true);
		for (uint32_t k = 0; k < 8 && n > 0; k++) {
			uint32_t v = (uint32_t)((uint64_t)n * k / 8);
			if (ns == 0 || src[ns - 1] != v)
				src[ns++] = v;
		}
		ck_assert_int_eq(fg_bfs_multi(d, p, q, &g, src, ns), 0);
		ck_assert_int_eq(fg_bfs_multi_serial(d2, p2, q2, &g, src, ns), 0);
		ck_assert(!memcmp(d, d2, (size_t)n * 4));
		ck_assert(!memcmp(p, p2, (size_t)n * 4));
		ck_assert(!memcmp(q, q2, (size_t)n * 4));
		if (n > 0) {
			igraph_dist(d2, &g, false, src, ns);
			ck_assert_msg(!memcmp(d, d2, (size_t)n * 4), "%s: dist != igraph", shape_names[s]);
		}
		for (uint32_t v = 0; v < n; v++) {
			if (d[v] == FG_BFS_UNREACHED) {
				ck_assert(p[v] == FG_BFS_UNREACHED && q[v] == FG_BFS_UNREACHED);
				continue;
			}
			if (d[v] == 0) {
				ck_assert(p[v] == v && q[v] == v);
				continue;
			}
			/* parent: the smallest neighbour one hop closer; nearest: the end of the chain */
			uint32_t best = FG_BFS_UNREACHED;
			for (uint64_t k = g.off[v]; k < g.off[v + 1]; k++)
				if (d[g.adj[k]] + 1 == d[v] && g.adj[k] < best)
					best = g.adj[k];
			ck_assert_uint_eq(p[v], best);
			ck_assert_uint_eq(q[v], q[p[v]]);
			ck_assert_uint_eq(d[q[v]], 0);
		}
		/* NULL outputs and no sources. */
		ck_assert_int_eq(fg_bfs_multi(d2, NULL, NULL, &g, src, ns), 0);
		ck_assert(!memcmp(d, d2, (size_t)n * 4));
		ck_assert_int_eq(fg_bfs_multi(d2, NULL, q2, &g, src, ns), 0);
		ck_assert(!memcmp(q, q2, (size_t)n * 4));
		ck_assert_int_eq(fg_bfs_multi(d2, p2, NULL, &g, src, 0), 0);
		for (uint32_t v = 0; v < n; v++)
			ck_assert(d2[v] == FG_BFS_UNREACHED && p2[v] == FG_BFS_UNREACHED);
		fg_free(d);
		fg_free(p);
		fg_free(q);
		fg_free(d2);
		fg_free(p2);
		fg_free(q2);
		fg_csr_free(&g);
		arcs_free(&a);
	}
}
END_TEST

/* Every kernel's output is bit-identical for 1, 2, 3 and 8 threads. */
START_TEST(kernels_identical_for_any_thread_count)
{
	static const enum shape shapes[] = { S_RANDOM_BIG, S_HUB, S_STAR, S_RANDOM_SPARSE };
	for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
		struct arcs a = make_shape(shapes[si], 13);
		fg_csr out, in, sym;
		uint32_t n = a.n, src[3] = { 1, n / 2, n - 1 };
		size_t bytes = (size_t)n * 8;
		uint64_t *init = fg_mallocarray(n, 8);
		char *first[6], *now = fg_malloc(bytes * 3 + 1);
		build(&out, &a, false);
		build(&sym, &a, true);
		ck_assert_int_eq(fg_csr_transpose(&in, &out), 0);
		for (uint32_t v = 0; v < n; v++)
			init[v] = v;
		/* every loop forks (min_ns 0: fg_cc's parallel path on these small graphs) */
		fg_par_set_min_ns(0);
		for (size_t t = 0; t < NTC; t++) {
			fg_par_set_threads(thread_counts[t]);
#if FG_HAVE_OPENMP
			ck_assert_int_eq(fg_par_threads(), thread_counts[t]);
#endif
			for (int k = 0; k < 6; k++) {
				memset(now, 0xAB, bytes * 3);
				switch (k) {
				case 0: ck_assert_int_eq(fg_cc((uint32_t *)now, &out), 0); break;
				case 1: ck_assert_int_eq(fg_cdlp((uint64_t *)now, &out, &in, init, 4), 0); break;
				case 2: ck_assert_int_eq(fg_cdlp((uint64_t *)now, &sym, NULL, init, 3), 0); break;
				case 3: ck_assert_int_eq(fg_pagerank((double *)now, &out, &in, 0.85, 15), 0); break;
				case 4: ck_assert_int_eq(fg_bfs((uint32_t *)now, &out, src[1]), 0); break;
				default:
					ck_assert_int_eq(fg_bfs_multi((uint32_t *)now, (uint32_t *)(now + bytes),
					                              (uint32_t *)(now + 2 * bytes), &sym, src, 3), 0);
				}
				if (t == 0) {
					first[k] = fg_malloc(bytes * 3 + 1);
					memcpy(first[k], now, bytes * 3);
				} else {
					ck_assert_msg(!memcmp(first[k], now, bytes * 3), "%s: kernel %d differs with "
					              "%d threads", shape_names[shapes[si]], k, thread_counts[t]);
				}
			}
		}
		fg_par_set_min_ns(FG_PAR_MIN_NS);
		fg_par_set_threads(2);
		for (int k = 0; k < 6; k++)
			fg_free(first[k]);
		fg_free(now);
		fg_free(init);
		fg_csr_free(&out);
		fg_csr_free(&in);
		fg_csr_free(&sym);
		arcs_free(&a);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernels");
	TCase *tc = tcase_create("kernels");
	SRunner *sr;
	int failed;

	fg_igraph_init();
	tcase_add_test(tc, cc_matches_reference_and_igraph);
	tcase_add_test(tc, cdlp_matches_reference);
	tcase_add_test(tc, cdlp_counts_reciprocal_arcs_twice);
	tcase_add_test(tc, pagerank_matches_reference_and_igraph);
	tcase_add_test(tc, bfs_matches_reference_and_igraph);
	tcase_add_test(tc, bfs_multi_parents_are_canonical);
	tcase_add_test(tc, kernels_identical_for_any_thread_count);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
