/*
 * fg_pagerank: LDBC Graphalytics PageRank.
 */
#ifndef FG_ALGORITHMS_FG_PAGERANK_H
#define FG_ALGORITHMS_FG_PAGERANK_H

#include "fg_csr.h"

/*
 * Graphalytics PR: PR_0 = 1/n; each of `iterations` rounds
 * PR(v) = (1-d)/n + d * sum_{u in in(v)} PR(u)/outdeg(u) + d/n * sum_{sinks} PR(w).
 * out: out-arcs (for out-degrees), in: in-arcs (pull).  For an undirected
 * graph pass the symmetric CSR as both.  Pull iteration in parallel; sums that
 * cross threads are blocked (fg_par) so results are bit-identical for any
 * thread count.  Returns FG_OK or FG_ENOMEM.
 */
int fg_pagerank(double *rank, const fg_csr *out, const fg_csr *in, double damping,
                int iterations);

int fg_pagerank_serial(double *rank, const fg_csr *out, const fg_csr *in, double damping,
                       int iterations);

#endif
