/*
 * fg_csr: compressed sparse row adjacency with 32-bit vertex ids.
 *
 * The layout every kernel reads (GAPBS CSRGraph): off[0..n] (64-bit, so more
 * than 4G arcs would fit) and adj[0..m).  The neighbours of v are
 * adj[off[v] .. off[v+1]), sorted ascending.  For an undirected graph each
 * edge appears as two arcs.  A transparent struct: kernels index the arrays
 * directly.  Invariants: off[0] == 0, off[n] == m, off non-decreasing, every
 * adj entry < n, each list sorted (and without duplicates if built with dedup).
 */
#ifndef FG_GRAPH_FG_CSR_H
#define FG_GRAPH_FG_CSR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct fg_csr {
	uint32_t n;    /* vertices */
	uint64_t m;    /* arcs */
	uint64_t *off; /* n + 1 */
	uint32_t *adj; /* m */
} fg_csr;

/*
 * Build out from m arcs src[i] -> dst[i] over n vertices.  symmetrize adds
 * dst -> src for each arc; dedup removes repeated arcs (and self-loops are
 * kept or dropped per drop_loops).  O(n + m) counting sort, parallel where
 * OpenMP is on; the result is identical for any thread count.  On failure out
 * is left zeroed.  Returns FG_OK, FG_ENOMEM, or FG_EUSAGE (an id >= n).
 */
int fg_csr_from_arcs(fg_csr *out, uint32_t n, uint64_t m, const uint32_t *src,
                     const uint32_t *dst, bool symmetrize, bool dedup, bool drop_loops);

/* The transpose (in-arcs) of g. */
int fg_csr_transpose(fg_csr *out, const fg_csr *g);

/* Free the arrays and zero the struct; NULL-safe. */
void fg_csr_free(fg_csr *g);

static inline uint64_t fg_csr_degree(const fg_csr *g, uint32_t v)
{
	return g->off[v + 1] - g->off[v];
}

#endif
