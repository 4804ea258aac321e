/*
 * fg_risk: risk spreading from known-fraud seeds (personalised PageRank,
 * random walk with restart) over the weighted user-entity graph.
 */
#ifndef FG_ALGORITHMS_FG_RISK_H
#define FG_ALGORITHMS_FG_RISK_H

#include "fg_graph.h"

typedef struct fg_risk_stats {
	int iterations;
	double last_delta; /* L1 change in the last iteration */
	int converged;
} fg_risk_stats;

/*
 * risk[v] for every vertex v < g->n_users + g->n_entities: the stationary
 * probability of a walk that follows a link with probability damping (to a
 * neighbour in proportion to the arc weight: ent_weight for user-entity arcs,
 * relation_weight for user-user arcs) and otherwise restarts at a seed chosen
 * uniformly (seeds[0..ns), user ids).  Walkers at a vertex without links
 * restart.  Hubs are not in g, so they neither carry nor receive risk; the
 * caller may assign them the mean risk of their users for display.
 * Parallel pull iteration on CSR until the L1 change < tol or max_iter.
 * ns == 0: all risks 0.  Bit-identical for any thread count.
 * Memory besides risk: 6 doubles per vertex reachable from a seed and, unless
 * every vertex is, a copy of their rows (8 bytes per such vertex, 4 per arc);
 * 4 bytes per vertex (the active list), 4 more while the rows are copied
 * (the vertex -> index map) and a bit per vertex (the BFS mark).
 * Returns FG_OK, FG_ENOMEM, or FG_EUSAGE for a seed that is not a user.
 */
int fg_risk(double *risk, const fg_graph *g, const uint32_t *seeds, uint32_t ns,
            double damping, double tol, int max_iter, fg_risk_stats *stats);

/*
 * The vertices the walk touches: act[0 .. *na) = every vertex reachable
 * from a seed, ascending (act: g->g.n + 1 entries).  fg_risk iterates over
 * this list in blocks of FG_PAR_BLOCK; fg_risk_dist (MPI) splits the ranks
 * along the same blocks.  Seeds must be users (not checked here).  O(n / 64
 * + the active arcs); a bit per vertex.  Returns FG_OK or FG_ENOMEM.
 */
int fg_risk_active(uint32_t *act, uint64_t *na, const fg_graph *g, const uint32_t *seeds,
                   uint32_t ns);

/*
 * An independent check of a result: *out = the L1 residual sum |r - rhs| of
 * the equation above, evaluated from its definition by pushing along every
 * arc (no code shared with fg_risk).  A converged fg_risk result has a
 * residual of the order of tol; any wrong vertex shows.  One double per
 * vertex, O(n + m).  Returns FG_OK or FG_ENOMEM.
 */
int fg_risk_residual(double *out, const double *risk, const fg_graph *g, const uint32_t *seeds,
                     uint32_t ns, double damping);

#endif
