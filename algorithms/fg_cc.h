/*
 * fg_cc: connected components (edge direction ignored).
 */
#ifndef FG_ALGORITHMS_FG_CC_H
#define FG_ALGORITHMS_FG_CC_H

#include "fg_csr.h"

/*
 * comp[v] = the smallest vertex id in v's component, for every v < g->n.
 * Parallel union-find in the style of Afforest (Sutton, Ben-Nun, Barak,
 * IPDPS 2018).  Arcs are treated as undirected, so g need not be symmetric.
 * Deterministic: the labels are canonical (smallest member), whatever the
 * thread count.  Allocates nothing and cannot fail: returns FG_OK (an int
 * like every kernel, so callers treat them alike).
 */
int fg_cc(uint32_t *comp, const fg_csr *g);

/* Serial BFS reference with the same output, for tests. */
int fg_cc_serial(uint32_t *comp, const fg_csr *g);

#endif
