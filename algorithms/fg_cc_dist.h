/*
 * fg_cc_dist: connected components across MPI ranks (built only with MPI).
 */
#ifndef FG_ALGORITHMS_FG_CC_DIST_H
#define FG_ALGORITHMS_FG_CC_DIST_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fg_cc_dist_stats {
	int rounds;           /* FastSV iterations, the last one without a change */
	uint64_t bytes_sent;  /* by this rank, all rounds and the adjacency exchange */
} fg_cc_dist_stats;

/*
 * Vertices are global ids; rank r owns [first[r], first[r + 1]) (first has
 * size + 1 entries, the same on every rank).  This rank holds edges[0 .. 2 *
 * n_edges) as pairs (a, b) of global ids (any rank may hold any edge; an
 * edge held twice is harmless).  Out: label[i] for owned vertex first[rank]
 * + i is the smallest global id in its component.  Collective over comm.
 * Returns 0, or -1 on an allocation or MPI failure (the same on every rank:
 * the outcome is agreed).  Complexity: O((V + E) / ranks) work and O(E + V)
 * messages per iteration; FastSV's hooking and shortcutting take O(log V)
 * iterations in practice (fg_cc_dist.c).
 */
int fg_cc_dist(uint64_t *label, const uint64_t *first, const uint64_t *edges, size_t n_edges,
               MPI_Comm comm, fg_cc_dist_stats *st);

/* The rank that owns v under first[] (as above): the last r with first[r] <= v.  O(log size). */
int fg_cc_dist_owner(const uint64_t *first, int size, uint64_t v);

#endif
