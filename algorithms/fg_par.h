/*
 * fg_par: thread control and deterministic parallel reductions.
 *
 * Floating-point sums across threads depend on how the work is split.  Kernels
 * that need a global sum (PageRank's L1 delta, sink mass) sum fixed blocks of
 * FG_PAR_BLOCK items, each block serially in index order, then add the block
 * sums serially in block order: the same bits for any thread count.
 */
#ifndef FG_ALGORITHMS_FG_PAR_H
#define FG_ALGORITHMS_FG_PAR_H

#include <stdint.h>

#define FG_PAR_BLOCK 4096

/* Set the number of OpenMP threads (n <= 0: the OpenMP default). No-op without OpenMP. */
void fg_par_set_threads(int n);

/* Threads a parallel region will use (1 without OpenMP). */
int fg_par_threads(void);

/* Deterministic sum of x[0..n) (see above). */
double fg_par_sum(const double *x, uint64_t n);

/*
 * Deterministic sum of f(i, ctx) over i in [0, n): blocks as above.
 * f must be pure (it is called from several threads).
 */
double fg_par_sum_fn(uint64_t n, double (*f)(uint64_t i, const void *ctx), const void *ctx);

#endif
