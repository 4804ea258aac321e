/*
 * fg_layout: 2-D positions for a small graph (one ring or a capped part of a
 * component with its shared entities) for `explain --format svg`.
 *
 * Algorithm: Fruchterman & Reingold, "Graph drawing by force-directed
 * placement" (Softw. Pract. Exper. 1991), igraph's implementation, 500
 * iterations, no grid, started from igraph's random placement with the
 * default RNG seeded with a fixed value first, so the same graph gives the
 * same picture every time.  Coordinates are then scaled to [0, 1] x [0, 1].
 *
 * Layout: the caller numbers vertices 0..n-1 and lists undirected edges as
 * (from[i], to[i]); an igraph_t of just that subgraph is built (never the
 * production graph).  Complexity: O(iterations * n^2) for n up to a few
 * hundred vertices.
 *
 * Thread-safety: calls igraph, which Debian builds without thread safety, and
 * reseeds igraph's global RNG: main thread only, never in an OpenMP region.
 */
#ifndef FG_GRAPH_FG_LAYOUT_H
#define FG_GRAPH_FG_LAYOUT_H

#include <stdint.h>

/* Seed used by explain's pictures. */
#define FG_LAYOUT_SEED 20261122u

/*
 * out: 2 * n doubles, (x, y) of vertex i at out[2i], out[2i+1], each in
 * [0, 1] (a single vertex sits at (0.5, 0.5)).  Edges with an end >= n are a
 * programmer error.  Returns FG_OK, FG_ENOMEM or FG_EIGRAPH.
 */
int fg_layout_fr(double *out, uint32_t n, const uint32_t *from, const uint32_t *to,
                 uint32_t m, uint64_t seed);

#endif
