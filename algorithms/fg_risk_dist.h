/*
 * fg_risk_dist: the seeded risk walk (fg_risk) across MPI ranks, bit for bit
 * (built only with MPI).
 */
#ifndef FG_ALGORITHMS_FG_RISK_DIST_H
#define FG_ALGORITHMS_FG_RISK_DIST_H

#include "fg_graph.h"
#include "fg_risk.h"

#include <mpi.h>
#include <stdint.h>

/*
 * One rank's share of the walk.  The active list (fg_risk_active: every
 * vertex reachable from a seed, ascending, na of them) is cut into blocks of
 * FG_PAR_BLOCK, fg_risk's summation blocks; this rank owns the active
 * vertices k0 .. k1 - 1, a run of whole blocks (k0 and k1 multiples of
 * FG_PAR_BLOCK or na), and the ranks' runs ascend with the rank and cover
 * the list (a run may be empty).  For owned vertex i (vertex id vid[i]) its arcs are
 * adj[off[i] .. off[i + 1]), neighbour vertex ids in the graph's CSR order,
 * and wt[i] its arc weight: ent_weight of an entity, relation_weight of a
 * user (g's values).  Arrays fg_malloc'd, owned by the part.
 */
typedef struct fg_risk_part {
	uint64_t na, k0, k1;
	uint32_t n_users;
	uint32_t *vid; /* k1 - k0 */
	uint64_t *off; /* k1 - k0 + 1, off[0] == 0 */
	uint32_t *adj; /* off[k1 - k0] */
	double *wt;    /* k1 - k0 */
} fg_risk_part;

typedef struct fg_risk_dist_stats {
	fg_risk_stats walk;  /* as fg_risk's, the same on every rank */
	uint64_t bytes_sent; /* by this rank: the set-up and every iteration */
	uint64_t ghosts;     /* distinct remote values this rank pulls per iteration */
} fg_risk_dist_stats;

/*
 * The split rule.  first[0 .. size]: the ranks' runs of an active list of na
 * vertices, whole blocks of FG_PAR_BLOCK, cut where the arcs of the blocks
 * before reach r / size of all active arcs (rank r owns first[r] ..
 * first[r + 1]; runs may be empty); blk[b] is the number of arcs of the
 * list's block b (its vertices' CSR degrees), b < ceil(na / FG_PAR_BLOCK).
 * arcs[0 .. size), when not NULL: the arcs of each run.  Any cut gives the
 * same bits; this one balances the pull.  Integers only, so the ranks that
 * sum blk in any order get the same cut.  O(blocks + size).
 */
void fg_risk_dist_split_blocks(uint64_t *first, uint64_t *arcs, const uint64_t *blk,
                               uint64_t na, int size);

/*
 * fg_risk_dist_split_blocks over the active list act[0 .. na) of g (its
 * blocks' arcs counted from g's CSR): first[0 .. size] and, when not NULL,
 * arcs[0 .. size).  Returns FG_OK or FG_ENOMEM (a block array).  O(na).
 */
int fg_risk_dist_split(uint64_t *first, uint64_t *arcs, const fg_graph *g, const uint32_t *act,
                       uint64_t na, int size);

/*
 * *out = the part of act[k0 .. k1) from g (see fg_risk_part; zeroed first).
 * Returns FG_OK or FG_ENOMEM (then *out holds nothing).  O(the part's arcs).
 */
int fg_risk_dist_part(fg_risk_part *out, const fg_graph *g, const uint32_t *act, uint64_t na,
                      uint64_t k0, uint64_t k1);

/* Frees the part's arrays and zeroes it; NULL-safe. */
void fg_risk_dist_part_free(fg_risk_part *p);

/* The owned index of vertex x in pt (its position in vid), or pt->k1 - pt->k0 when pt does not own x. */
uint64_t fg_risk_part_local(const fg_risk_part *pt, uint32_t x);

/* 0 if every rank's ok is 1, else -1 on every rank (one MPI_Allreduce; -1 if it fails). */
int fg_risk_dist_agree(int ok, MPI_Comm comm);

/*
 * fg_risk across the ranks of comm: risk[i] for owned vertex part->vid[i] is
 * the value fg_risk(g, seeds, ns, damping, tol, max_iter) gives that vertex,
 * bit for bit, and st->walk its iteration count and last L1 change; vertices
 * outside the active list have risk 0 (fg_risk's).  seeds[0 .. ns) and the
 * parameters are the same on every rank (user ids; ns == 0: an empty list).
 * Collective over comm.  Returns FG_OK, or FG_ENOMEM / FG_ERROR (an MPI
 * failure, or parts that do not tile the list in whole blocks) with a
 * message, the same outcome on every rank.  Per iteration O(owned arcs) work,
 * two Allgatherv of per-block partial sums and one Alltoallv of 8 bytes per
 * distinct remote neighbour value; memory O(owned arcs + ghosts).
 */
int fg_risk_dist(double *risk, const fg_risk_part *part, const uint32_t *seeds, uint32_t ns,
                 double damping, double tol, int max_iter, MPI_Comm comm,
                 fg_risk_dist_stats *st);

/*
 * fg_risk_dist, and when W is not NULL and the walk ran (ns > 0) the total
 * link weight of each owned vertex into W[i] (fg_graph_weight's bits: a
 * user's neighbours' weights summed in CSR order), what risk_norm divides by
 * (algorithms/fg_score.h).  W untouched when ns == 0.
 */
int fg_risk_dist_w(double *risk, double *W, const fg_risk_part *part, const uint32_t *seeds,
                   uint32_t ns, double damping, double tol, int max_iter, MPI_Comm comm,
                   fg_risk_dist_stats *st);

#endif
