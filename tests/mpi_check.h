/*
 * What the mpi_*_check programs share (tests/mpi_cc_check.c,
 * mpi_risk_check.c, mpi_bfs_check.c): the generator their graphs come from,
 * an allocation that aborts, the process's CPU clock and the uneven split of
 * an active list.  Header-only: each check is one program.
 */
#ifndef FG_TESTS_MPI_CHECK_H
#define FG_TESTS_MPI_CHECK_H

#include "fg_par.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* splitmix64: the same stream on every rank from the same seed. */
static inline uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

/* CPU seconds of this process (a loaded machine stretches the wall time, not this). */
static inline double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The uneven split of na list entries: whole blocks, rank r's share growing with r, rank 1
 * none when size > 2; first[0..size]. */
static inline void uneven_split(uint64_t *first, uint64_t na, int size)
{
	uint64_t nb = (na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK, tot = 0, acc = 0;

	for (int r = 0; r < size; r++)
		tot += size > 2 && r == 1 ? 0 : (uint64_t)r + 1;
	first[0] = 0;
	for (int r = 0; r < size; r++) {
		acc += size > 2 && r == 1 ? 0 : (uint64_t)r + 1;
		first[r + 1] = r + 1 == size ? na : (nb * acc / tot) * FG_PAR_BLOCK;
		if (first[r + 1] > na)
			first[r + 1] = na;
	}
}

#endif
