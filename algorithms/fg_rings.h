/*
 * fg_rings: the ring finder, a label propagation that splits components into
 * rings (communities of users) on the user-entity graph.
 */
#ifndef FG_ALGORITHMS_FG_RINGS_H
#define FG_ALGORITHMS_FG_RINGS_H

#include "fg_graph.h"

typedef struct fg_rings_stats {
	int iterations; /* sweeps run */
	int converged;  /* 1 if the last sweep changed no label */
	uint64_t changes_last; /* labels changed in the last sweep */
} fg_rings_stats;

/*
 * ring[u] for every user u < g->n_users: the ring id, the smallest user id of
 * u's ring (a user alone keeps ring[u] == u).  Users vote through the entities
 * they share (weight ent_weight) and their direct links (relation_weight), so
 * labels live on users only and the bipartite oscillation of synchronous LPA
 * on user-entity graphs cannot occur.  Sweeps update users in a fixed,
 * thread-independent order (see the file header for the scheme), at most
 * max_iter sweeps; rings never cross components.  stats may be NULL.
 * Returns FG_OK or FG_ENOMEM.
 */
int fg_rings(uint32_t *ring, const fg_graph *g, int max_iter, fg_rings_stats *stats);

/* Serial reference: the same output. */
int fg_rings_serial(uint32_t *ring, const fg_graph *g, int max_iter, fg_rings_stats *stats);

#endif
