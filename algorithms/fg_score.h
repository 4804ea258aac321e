/*
 * fg_score: ring scores, user scores and the graph features for models.
 *
 * Turns the kernels' output into what a risk team acts on.  Every factor of
 * a ring's score is kept so that nothing is a black box; docs/scoring.md
 * gives the formula, the defaults and the reasoning.  All of it is a pure
 * function of the graph and the kernels' (deterministic) output, computed in
 * parallel over groups and users with fixed-order sums, so it is identical
 * for any thread count.
 */
#ifndef FG_ALGORITHMS_FG_SCORE_H
#define FG_ALGORITHMS_FG_SCORE_H

#include "fg_graph.h"
#include "fg_kinds.h"

/* A scored group of users: a ring, or a component of two users or more. */
typedef struct fg_group_score {
	uint32_t id;           /* ring id / component id: its smallest user id */
	uint32_t component_id;
	uint32_t n_users, n_seeds, n_legit;
	uint32_t n_entities;   /* distinct non-hub entities linked by members */
	uint32_t n_shared;     /* of those, linked by two members or more */
	uint32_t n_by_class[FG_KC_N]; /* the shared ones per kind class (a private card is not the ring's) */
	uint32_t n_user_links; /* direct links between members */
	uint32_t n_rings;      /* components only: rings inside */
	double seed_rate;      /* seeds / users */
	double seed_evidence;  /* (seeds + K*base) / (users + K), base = seeds/users of the run */
	double risk_mean;      /* mean risk_norm of members */
	double risk_max;       /* max risk_norm of members */
	double sharing;        /* 0..1, weighted shared links per member, kind diversity */
	double burst;          /* 0..1, members created in one 7-day window */
	double size_factor;    /* 0..1, saturating in size */
	double dampener;       /* 0..1, household shape and cleared members */
	double score;          /* 0..1 */
} fg_group_score;

typedef struct fg_scores {
	uint32_t n_users;
	/* groups, sorted by id */
	uint32_t n_rings;
	fg_group_score *rings;
	uint32_t n_comps;
	fg_group_score *comps;

	/* per user */
	double *risk_norm;       /* 0..1, degree-aware (see docs/scoring.md) */
	double *risk_pct;        /* percentage of users with strictly lower risk */
	double *score;           /* 0..1 */
	double *ring_score;      /* the user's ring's score (0 if in no ring) */
	int32_t *ring_index;     /* index into rings, or -1 */
	uint32_t *comp_size;     /* users in the component */
	uint32_t *ring_size;     /* users in the ring (1 if none) */

	/* features per user (user_features) */
	uint32_t *deg_class;     /* n_users * FG_KC_N: links per kind class, hubs included */
	uint32_t *deg_user;      /* direct user-user links */
	uint32_t *deg_total;
	uint32_t *co_users;      /* distinct users sharing a non-hub entity or directly linked */
	uint32_t *max_share;     /* largest share among the user's entities, hubs included */
	uint32_t *seeds_2hop;    /* seeds among co_users */
} fg_scores;

/*
 * Score everything.  seed: per user, 1 for a known-fraud seed given to the
 * kernels (a held-out seed is 0: it counts as unlabelled), n_seeds of them;
 * g->user_label is read only for the legit label.  comp: per vertex (fg_cc
 * on g->g); ring: per user (fg_rings); risk: per vertex (fg_risk).  Returns
 * FG_OK or FG_ENOMEM; *out owned by the caller (fg_scores_free).
 * O(arcs + sum over users of their 2-hop neighbourhood).
 */
int fg_score_compute(fg_scores **out, const fg_graph *g, const fg_config *cfg,
                     const uint8_t *seed, uint32_t n_seeds,
                     const uint32_t *comp, const uint32_t *ring, const double *risk);

/*
 * What a group's score reads per user of g, besides g's links, labels and
 * creation times: the configuration (smoothing_k), comp (component ids,
 * for component_id), seed (a seed given to the kernels), rnorm (risk_norm,
 * fg_score_risk_norm) and the run's base rate (its seeds over its users).
 */
typedef struct fg_score_users {
	const fg_config *cfg;
	const uint32_t *comp;
	const uint8_t *seed;
	const double *rnorm;
	double base_rate;
} fg_score_users;

/*
 * The scores of the groups of 2+ users of label (per user of g: fg_rings'
 * ring ids, or fg_cc's component ids, smallest member): *out (n_out of them,
 * sorted by id, owned by the caller), every field as fg_score_compute gives
 * it (the same code, score_group) but n_rings (a component's rings: 0 here),
 * from g and *in.  A graph of whole components numbered in the same order, with the
 * same per-user inputs, gives the same bits.  Returns FG_OK or FG_ENOMEM.
 * Serial; O(the members' arcs).
 */
int fg_score_groups(fg_group_score **out, uint32_t *n_out, const fg_graph *g,
                    const uint32_t *label, const fg_score_users *in);

/*
 * s (fg_score_compute's, on g with these comp and ring labels) with its
 * ring and component scores replaced by *rings[0 .. n_rings) and
 * *comps[0 .. n_comps) (sorted by id: the groups of 2+ users of ring and
 * comp, checked by id and size), taken (the pointers cleared), and the
 * per-user fields that come from them (ring_index, ring_size, ring_score,
 * comp_size, score) set again.  Returns FG_OK, FG_ENOMEM or FG_ERROR (groups
 * that are not the labels'; s unchanged).  O(users).
 */
int fg_score_use_groups(fg_scores *s, const fg_graph *g, const uint32_t *comp,
                        const uint32_t *ring, fg_group_score **rings, uint32_t n_rings,
                        fg_group_score **comps, uint32_t n_comps);

/*
 * A user's risk per unit of link weight, risk / w (w, fg_graph_weight, when
 * positive): risk_norm's reference is the mean of the seeds' terms, added in
 * seed order (ascending user ids).
 */
static inline double fg_score_risk_term(double risk, double w)
{
	return w > 0 ? risk / w : risk;
}

/*
 * norm[u] for every user u of g: risk_norm, the term of risk[u] (per user of
 * g) relative to ref (the seeds' mean term), on a log scale of three
 * decades, clamped to 0..1; 0 when ref or risk[u] is not positive.  The
 * same bits for any thread count.  O(the users' arcs).
 */
void fg_score_risk_norm(double *norm, const fg_graph *g, const double *risk, double ref);

void fg_scores_free(fg_scores **s);

#endif
