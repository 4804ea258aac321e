/*
 * fg_pack: components packed whole onto ranks, deterministically (the
 * per-component stage, docs/scale.md; no MPI: every rank computes the same
 * packing from the same sizes).
 */
#ifndef FG_ALGORITHMS_FG_PACK_H
#define FG_ALGORITHMS_FG_PACK_H

#include <stddef.h>
#include <stdint.h>

/* A component to place: its label (smallest member id, distinct) and its weight (bytes). */
typedef struct fg_pack_item {
	uint64_t label;
	uint64_t weight;
} fg_pack_item;

/*
 * out[i] = the rank of item i, 0 <= out[i] < n_ranks: largest weight first,
 * ties by the smaller label, each to the rank with the least weight so far,
 * ties by the smaller rank (LPT, Graham 1969: the heaviest rank is at most
 * 4/3 of the optimum, and at most the mean plus the largest item).  The
 * result depends only on the set of (label, weight) pairs and n_ranks, not
 * on the items' order, so every rank that holds the same items gets the
 * same packing.  Ranks may stay empty (fewer items than ranks).  Labels
 * must be distinct (else equal items' order would be qsort's).  Returns
 * FG_OK, FG_ENOMEM, or FG_EUSAGE (n_ranks < 1).  O(n log n + n log n_ranks) time, 8 n + 16 n_ranks bytes.
 */
int fg_pack_components(int *out, const fg_pack_item *items, size_t n, int n_ranks);

#endif
