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

/*
 * When a loop runs in parallel.  A parallel region must never be slower than
 * its serial form.  On an idle machine a fork/join costs microseconds; on a
 * loaded one the second thread waits for a core at every join, and libgomp's
 * waiting thread spins (GOMP_SPINCOUNT, ~3 ms) on the run's own share of the
 * CPU: one region costs up to a scheduler slice, ~10-15 ms (measured,
 * docs/performance.md).  So a loop forks only when its serial form takes at
 * least FG_PAR_MIN_NS.  Each kernel states its measured serial cost per unit
 * of work (ns_per_unit, rounded up) and asks fg_par_pays(units, ns_per_unit).
 * The choice never changes a result: every kernel gives the same bits at any
 * thread count.
 */
#define FG_PAR_MIN_NS 20000000ull /* 20 ms */

/*
 * True when a loop of `units` work units of ns_per_unit each should fork:
 * 2+ threads and units * ns_per_unit >= the minimum (FG_PAR_MIN_NS, or the
 * environment variable FG_PAR_MIN_NS in nanoseconds, read once, or the value
 * of fg_par_set_min_ns).  Call it outside parallel regions.
 */
int fg_par_pays(uint64_t units, uint64_t ns_per_unit);

/*
 * Set the minimum serial time of a parallel loop, in ns (0: every loop with
 * work forks; the tests use it to reach the parallel paths on small graphs).
 * Not thread-safe: call it between runs.
 */
void fg_par_set_min_ns(uint64_t ns);

/* Deterministic sum of x[0..n) (see above). */
double fg_par_sum(const double *x, uint64_t n);

/*
 * Deterministic sum of f(i, ctx) over i in [0, n): blocks as above.
 * f must be pure (it is called from several threads).
 */
double fg_par_sum_fn(uint64_t n, double (*f)(uint64_t i, const void *ctx), const void *ctx);

#endif
