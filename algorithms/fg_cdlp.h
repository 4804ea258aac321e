/*
 * fg_cdlp: LDBC Graphalytics community detection by label propagation.
 */
#ifndef FG_ALGORITHMS_FG_CDLP_H
#define FG_ALGORITHMS_FG_CDLP_H

#include "fg_csr.h"

/*
 * Exactly Graphalytics CDLP (spec v1.0.1): labels start as init[v]; each of
 * `iterations` synchronous rounds gives v the most frequent label among the
 * previous round's labels of its out-neighbours (out) and in-neighbours (in;
 * NULL for an undirected graph, where out is symmetric), a neighbour linked
 * both ways counting twice; ties go to the smallest label; no neighbours:
 * keep the label.  labels[0..n) receives the result.  Parallel over vertices,
 * bit-identical for any thread count.  Returns FG_OK or FG_ENOMEM.
 */
int fg_cdlp(uint64_t *labels, const fg_csr *out, const fg_csr *in, const uint64_t *init,
            int iterations);

/* Serial reference. */
int fg_cdlp_serial(uint64_t *labels, const fg_csr *out, const fg_csr *in,
                   const uint64_t *init, int iterations);

#endif
