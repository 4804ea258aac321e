/*
 * CSR construction by counting sort: degrees by atomic increments, an
 * exclusive prefix sum, a scatter that claims slots with atomic fetch-add,
 * then a per-vertex sort (and optional de-duplication) that makes the result
 * independent of the scatter's thread interleaving.  O(n + m + sum d log d).
 *
 * Fast path: a symmetric build whose arcs (loops aside) come sorted by
 * (src, dst) with src < dst, as the graph builder's links do (users before
 * entities, a user pair stored smaller id first).  Then a serial scatter in
 * input order already yields sorted lists: vertex x first receives the arcs
 * from smaller sources, in source order, then its own arcs to larger
 * targets, in target order; duplicates are consecutive.  No atomics, no sort,
 * no second offsets array; O(n + m), checked in one pass before it is taken.
 */
#include "fg_csr.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Insertion sort for the short lists that dominate real graphs. */
static void sort_list(uint32_t *a, uint64_t len)
{
	if (len > 32) {
		qsort(a, len, sizeof(*a), cmp_u32);
		return;
	}
	for (uint64_t i = 1; i < len; i++) {
		uint32_t x = a[i];
		uint64_t j = i;
		while (j > 0 && a[j - 1] > x) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* Arcs sorted by (src, dst) with src < dst once loops are set aside? */
static bool sorted_upper(uint32_t n, uint64_t m, const uint32_t *src, const uint32_t *dst)
{
	uint32_t ps = 0, pd = 0;
	bool first = true;

	for (uint64_t i = 0; i < m; i++) {
		uint32_t s = src[i], d = dst[i];
		if (s == d)
			continue;
		if (s > d || d >= n)
			return false;
		if (!first && (s < ps || (s == ps && d < pd)))
			return false;
		ps = s;
		pd = d;
		first = false;
	}
	return true;
}

static int from_sorted_upper(fg_csr *out, uint32_t n, uint64_t m, const uint32_t *src,
                             const uint32_t *dst, bool dedup)
{
	uint64_t *off = fg_calloc((size_t)n + 2, sizeof(*off));
	uint32_t *adj = NULL;
	uint64_t total;

	if (!off)
		goto nomem;
	/* degrees, counted into off[v + 2] so that the scatter can use off[v + 1] as its cursor */
	for (uint64_t i = 0; i < m; i++) {
		uint32_t s = src[i], d = dst[i];
		if (s == d || (dedup && i > 0 && src[i - 1] == s && dst[i - 1] == d))
			continue;
		off[s + 2]++;
		off[d + 2]++;
	}
	for (uint64_t v = 2; v <= (uint64_t)n + 1; v++)
		off[v] += off[v - 1];
	total = off[n + 1];
	adj = fg_mallocarray(total ? total : 1, sizeof(*adj));
	if (!adj)
		goto nomem;
	for (uint64_t i = 0; i < m; i++) {
		uint32_t s = src[i], d = dst[i];
		if (s == d || (dedup && i > 0 && src[i - 1] == s && dst[i - 1] == d))
			continue;
		adj[off[s + 1]++] = d;
		adj[off[d + 1]++] = s;
	}
	/* off[v + 1] now ends v's list: off[0..n] are the offsets */
	out->n = n;
	out->m = total;
	out->off = off;
	out->adj = adj;
	return FG_OK;
nomem:
	fg_free(off);
	fg_free(adj);
	return fg_error_set(FG_ENOMEM, "out of memory building a graph of %u vertices, %llu arcs",
	                    n, (unsigned long long)m);
}

int fg_csr_from_arcs(fg_csr *out, uint32_t n, uint64_t m, const uint32_t *src,
                     const uint32_t *dst, bool symmetrize, bool dedup, bool drop_loops)
{
	uint64_t *off = NULL, *pos = NULL;
	uint32_t *adj = NULL;
	uint64_t total;
	int64_t i;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	if (symmetrize && drop_loops && sorted_upper(n, m, src, dst))
		return from_sorted_upper(out, n, m, src, dst, dedup);
	off = fg_calloc((size_t)n + 1, sizeof(*off));
	if (!off)
		goto nomem;

	#pragma omp parallel for reduction(|:bad) schedule(static)
	for (i = 0; i < (int64_t)m; i++) {
		uint32_t s = src[i], d = dst[i];
		if (s >= n || d >= n) {
			bad = 1;
			continue;
		}
		if (drop_loops && s == d)
			continue;
		#pragma omp atomic
		off[s + 1]++;
		if (symmetrize && s != d) {
			#pragma omp atomic
			off[d + 1]++;
		}
	}
	if (bad) {
		fg_free(off);
		return fg_error_set(FG_EUSAGE, "CSR build: a vertex id is out of range (n = %u)", n);
	}
	for (uint64_t v = 0; v < n; v++)
		off[v + 1] += off[v];
	total = off[n];

	adj = fg_mallocarray(total ? total : 1, sizeof(*adj));
	pos = fg_mallocarray((size_t)n + 1, sizeof(*pos));
	if (!adj || !pos)
		goto nomem;
	memcpy(pos, off, ((size_t)n + 1) * sizeof(*pos));

	#pragma omp parallel for schedule(static)
	for (i = 0; i < (int64_t)m; i++) {
		uint32_t s = src[i], d = dst[i];
		uint64_t p;
		if (drop_loops && s == d)
			continue;
		#pragma omp atomic capture
		p = pos[s]++;
		adj[p] = d;
		if (symmetrize && s != d) {
			#pragma omp atomic capture
			p = pos[d]++;
			adj[p] = s;
		}
	}

	#pragma omp parallel for schedule(dynamic, 1024)
	for (i = 0; i < (int64_t)n; i++)
		sort_list(adj + off[i], off[i + 1] - off[i]);

	if (dedup) {
		/* Compact in place: per-vertex unique counts, then a serial shift. */
		uint64_t w = 0;
		for (uint64_t v = 0; v < n; v++) {
			uint64_t b = off[v], e = off[v + 1];
			off[v] = w;
			for (uint64_t k = b; k < e; k++)
				if (k == b || adj[k] != adj[k - 1])
					adj[w++] = adj[k];
		}
		off[n] = w;
		total = w;
		if (total) {
			uint32_t *shrunk = fg_reallocarray(adj, total, sizeof(*adj));
			if (shrunk)
				adj = shrunk;
		}
	}
	fg_free(pos);
	out->n = n;
	out->m = total;
	out->off = off;
	out->adj = adj;
	return FG_OK;

nomem:
	fg_free(off);
	fg_free(adj);
	fg_free(pos);
	return fg_error_set(FG_ENOMEM, "out of memory building a graph of %u vertices, %llu arcs",
	                    n, (unsigned long long)m);
}

int fg_csr_transpose(fg_csr *out, const fg_csr *g)
{
	uint32_t *src = NULL;
	int rc;

	src = fg_mallocarray(g->m ? g->m : 1, sizeof(*src));
	if (!src)
		return fg_error_set(FG_ENOMEM, "out of memory transposing a graph");
	for (uint32_t v = 0; v < g->n; v++)
		for (uint64_t k = g->off[v]; k < g->off[v + 1]; k++)
			src[k] = v;
	/* arcs reversed: dst -> src */
	rc = fg_csr_from_arcs(out, g->n, g->m, g->adj, src, false, false, false);
	fg_free(src);
	return rc;
}

void fg_csr_free(fg_csr *g)
{
	if (!g)
		return;
	fg_free(g->off);
	fg_free(g->adj);
	memset(g, 0, sizeof(*g));
}
