/*
 * fg_risk_residual: an independent check of a risk vector (GAPBS pr.cc's
 * PRVerifier idea): it knows nothing of fg_risk's active set, blocks, slots
 * or gather, and evaluates the personalised PageRank equation from its
 * definition, by pushing along every arc of the CSR in a plain serial loop:
 *
 *   rhs(v) = d * sum_{x ~ v} r(x) * w(x, v) / W(x) + ((1 - d) + d * D) * p(v)
 *
 * with w(x, v) = ent_weight of the entity end, relation_weight between two
 * users, W(x) = sum of x's arc weights, D = the mass on vertices without
 * arcs, p = 1/ns per seed listing.  Returns sum |r - rhs| (L1).
 *
 * Memory: one double per vertex.  Time: O(n + m).  Thread-safety: reads only.
 */
#include "fg_risk.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <math.h>

/* The weight of the arc between u and v (independent of fg_risk's q/c split). */
static double arc_weight(const fg_graph *g, uint32_t u, uint32_t v)
{
	if (u >= g->n_users)
		return fg_graph_ent_weight(g, u - g->n_users);
	if (v >= g->n_users)
		return fg_graph_ent_weight(g, v - g->n_users);
	return g->relation_weight;
}

int fg_risk_residual(double *out, const double *risk, const fg_graph *g, const uint32_t *seeds,
                     uint32_t ns, double damping)
{
	const uint64_t n = g->g.n;
	double *rhs, dangling = 0.0, l1 = 0.0, restart;

	if (ns == 0) {
		for (uint64_t v = 0; v < n; v++)
			l1 += fabs(risk[v]);
		*out = l1;
		return FG_OK;
	}
	if (!(rhs = fg_calloc(n + 1, sizeof(*rhs))))
		return fg_error_set(FG_ENOMEM, "risk check: out of memory for %llu vertices",
		                    (unsigned long long)n);
	for (uint64_t x = 0; x < n; x++) {
		double W = 0.0;
		for (uint64_t a = g->g.off[x]; a < g->g.off[x + 1]; a++)
			W += arc_weight(g, (uint32_t)x, g->g.adj[a]);
		if (W == 0.0) {
			dangling += risk[x];
			continue;
		}
		for (uint64_t a = g->g.off[x]; a < g->g.off[x + 1]; a++) {
			uint32_t v = g->g.adj[a];
			rhs[v] += damping * risk[x] * arc_weight(g, (uint32_t)x, v) / W;
		}
	}
	restart = (1.0 - damping) + damping * dangling;
	for (uint32_t i = 0; i < ns; i++)
		rhs[seeds[i]] += restart / (double)ns;
	for (uint64_t v = 0; v < n; v++)
		l1 += fabs(risk[v] - rhs[v]);
	fg_free(rhs);
	*out = l1;
	return FG_OK;
}
