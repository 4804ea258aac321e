/*
 * fg_cc: connected components, arc direction ignored.
 *
 * Algorithm: Afforest (Sutton, Ben-Nun, Barak, "Optimizing Parallel Graph
 * Connectivity Computation via Subgraph Sampling", IPDPS 2018), after GAPBS
 * cc.cc (Afforest): a parallel union-find over comp[], where every link
 * points a higher id at a lower one with a CAS, so each tree's root is its
 * smallest member.  Phase 1 links the first FG_CC_SAMPLE out-arcs of every
 * vertex, compressing after each round; phase 2 samples the most frequent
 * root c (the giant component) and links the remaining arcs, where an arc
 * whose both ends already hang under c is skipped without a CAS; a final
 * compress makes comp[v] the root.  GAPBS skips the whole adjacency of the
 * giant component's vertices, which is only sound for symmetric graphs; our
 * contract accepts one-directional arcs, so the skip is done per arc.
 *
 * Canonical output: since parents are always smaller than children, the root
 * of a tree is the minimum of the component, whatever the thread count or the
 * interleaving of the CAS operations: comp[v] = min id of v's component.
 *
 * Layout: fg_csr out-arcs (off/adj); comp is one uint32 per vertex.
 * Complexity: O(n + m * alpha) work, O(n) extra memory (the sampling table).
 * Thread-safety: reentrant; the only shared state is comp, updated with
 * relaxed atomic loads/stores and CAS (GCC __atomic builtins).
 */
#include "fg_cc.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_par.h"

#include <string.h>

#define FG_CC_SAMPLE 2      /* neighbour rounds in phase 1 (GAPBS neighbor_rounds) */
#define FG_CC_PROBES 1024   /* random probes to find the giant component */
/*
 * The kernel's loops run in parallel only when its work pays for the forks
 * (fg_par_pays): four passes over the vertices and one over the arcs, a few
 * ns per item serially (2M world: 0.33 s for 11 M vertices and 18 M arcs).
 */
#define CC_NS_PER_ITEM 5

static inline uint32_t ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Union the trees of u and v; parents only ever decrease. */
static void link_trees(uint32_t u, uint32_t v, uint32_t *comp)
{
	uint32_t p1 = ld(&comp[u]), p2 = ld(&comp[v]);

	while (p1 != p2) {
		uint32_t high = p1 > p2 ? p1 : p2, low = p1 + p2 - high;
		uint32_t ph = ld(&comp[high]);
		if (ph == low)
			break;
		if (ph == high) {
			uint32_t expect = high;
			if (__atomic_compare_exchange_n(&comp[high], &expect, low, false,
			                                __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		}
		p1 = ld(&comp[ld(&comp[high])]);
		p2 = ld(&comp[low]);
	}
}

static void compress(uint32_t *comp, uint32_t n, int par)
{
	int64_t v;

	#pragma omp parallel for schedule(dynamic, 16384) if (par)
	for (v = 0; v < (int64_t)n; v++) {
		uint32_t c = ld(&comp[v]);
		while (c != ld(&comp[c]))
			c = ld(&comp[c]);
		__atomic_store_n(&comp[v], c, __ATOMIC_RELAXED);
	}
}

/* The most frequent root among FG_CC_PROBES fixed pseudo-random vertices. */
static uint32_t sample_frequent(const uint32_t *comp, uint32_t n)
{
	uint32_t keys[FG_CC_PROBES], cnt[FG_CC_PROBES];
	uint32_t nk = 0, best = 0, bestc = 0;
	uint64_t x = 0x9E3779B97F4A7C15ull;

	for (int i = 0; i < FG_CC_PROBES; i++) {
		uint32_t c, k;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		c = comp[x % n];
		for (k = 0; k < nk && keys[k] != c; k++)
			;
		if (k == nk) {
			keys[nk] = c;
			cnt[nk++] = 0;
		}
		if (++cnt[k] > bestc || (cnt[k] == bestc && c < best)) {
			bestc = cnt[k];
			best = c;
		}
	}
	return best;
}

int fg_cc(uint32_t *comp, const fg_csr *g)
{
	const uint32_t n = g->n;
	const int par = fg_par_pays(4 * (uint64_t)n + g->m, CC_NS_PER_ITEM);
	uint32_t c;
	int64_t v;

	if (n == 0)
		return FG_OK;
	#pragma omp parallel for schedule(dynamic, 16384) if (par)
	for (v = 0; v < (int64_t)n; v++)
		comp[v] = (uint32_t)v;

	for (uint64_t r = 0; r < FG_CC_SAMPLE; r++) {
		#pragma omp parallel for schedule(dynamic, 16384) if (par)
		for (v = 0; v < (int64_t)n; v++) {
			if (g->off[v] + r < g->off[v + 1])
				link_trees((uint32_t)v, g->adj[g->off[v] + r], comp);
		}
		compress(comp, n, par);
	}

	c = sample_frequent(comp, n);
	#pragma omp parallel for schedule(dynamic, 2048) if (par)
	for (v = 0; v < (int64_t)n; v++) {
		uint64_t b = g->off[v] + FG_CC_SAMPLE, e = g->off[v + 1];
		bool in_c = ld(&comp[v]) == c;
		for (uint64_t a = b; a < e; a++) {
			uint32_t w = g->adj[a];
			if (in_c && ld(&comp[w]) == c)
				continue;
			link_trees((uint32_t)v, w, comp);
		}
	}
	compress(comp, n, par);
	return FG_OK;
}

int fg_cc_serial(uint32_t *comp, const fg_csr *g)
{
	uint32_t n = g->n;
	fg_csr in = { 0 };
	uint32_t *queue = NULL;
	int rc;

	if (n == 0)
		return FG_OK;
	rc = fg_csr_transpose(&in, g);
	if (rc < 0)
		goto cleanup;
	queue = fg_mallocarray(n, sizeof(*queue));
	if (!queue) {
		rc = fg_error_set(FG_ENOMEM, "out of memory in fg_cc_serial (%u vertices)", n);
		goto cleanup;
	}
	for (uint32_t v = 0; v < n; v++)
		comp[v] = UINT32_MAX;
	/* BFS from each unvisited vertex in increasing order: the seed is the minimum. */
	for (uint32_t s = 0; s < n; s++) {
		uint32_t head = 0, tail = 0;
		if (comp[s] != UINT32_MAX)
			continue;
		comp[s] = s;
		queue[tail++] = s;
		while (head < tail) {
			uint32_t u = queue[head++];
			const fg_csr *gs[2] = { g, &in };
			for (int k = 0; k < 2; k++) {
				for (uint64_t a = gs[k]->off[u]; a < gs[k]->off[u + 1]; a++) {
					uint32_t w = gs[k]->adj[a];
					if (comp[w] == UINT32_MAX) {
						comp[w] = s;
						queue[tail++] = w;
					}
				}
			}
		}
	}
	rc = FG_OK;
cleanup:
	fg_csr_free(&in);
	fg_free(queue);
	return rc;
}
