/*
 * fg_features: the learned model's per-user feature rows, leak-free.
 *
 * Users are split into FG_FEAT_FOLDS folds by a hash of their user id (never
 * by label or row order).  Every seed-derived primitive (personalised
 * PageRank, hops to the nearest seed, seeds among co-users, among an
 * entity's users, in a ring or component, the seed share of neighbours) is
 * computed once per fold, from that fold's seeds only.  A feature row is
 * asked for with an exclusion mask of folds: the row combines the per-fold
 * primitives of the folds not in the mask, summed in fold order 0..K-1
 * (never "total minus own fold", which changes bits).  A user of fold k
 * scored with mask {k} therefore has a row that does not depend on its own
 * label at all: flipping it (fraud <-> unknown) leaves the row bit-identical.
 * Training rows of the model that scores fold k come from folds j != k with
 * mask {j, k} (cross-fitting, engine/fg_model.c).
 *
 * Label-free features (structure, attributes, their neighbour aggregates)
 * ignore the mask.  docs/scoring.md names and defines every column.
 *
 * Layout read: the graph (links with hubs, the CSR without), the scores'
 * rings and components, the per-vertex components.  The CSR must still be
 * allocated while rows are built.  Memory: O(users) bytes of indexes plus
 * O(K) doubles per user in a component that holds a seed, O(K) counts per
 * entity linked to a seed.
 *
 * Thread-safety: fg_features_open calls fg_risk and fg_bfs_multi (OpenMP
 * inside, no igraph); a built fg_features is read-only, rows may be built from
 * many threads.  Every value is a fixed-order computation: identical for any
 * thread count and any order of input rows.
 */
#ifndef FG_ALGORITHMS_FG_FEATURES_H
#define FG_ALGORITHMS_FG_FEATURES_H

#include "fg_graph.h"
#include "fg_score.h"

#include <stdbool.h>
#include <stdint.h>

#define FG_FEAT_FOLDS 5
#define FG_FEAT_MASK_NONE 0u

typedef struct fg_features fg_features;

typedef struct fg_features_params {
	bool use_attrs;          /* false: no attribute columns (--no-attrs) */
	const char *attrs;       /* comma-separated attribute names, NULL: every numeric one */
	double damping, tol;     /* personalised PageRank per fold (as fg_risk) */
	int max_iter;
	bool t_ref_given;        /* the account-age reference is t_ref, not the data's latest time
	                            (serve rebuilds a run's graph from part of its links) */
	int64_t t_ref;
} fg_features_params;

/*
 * Build the per-fold primitives.  g: the graph with its CSR; s: the scores
 * (rings, components, degrees); comp: per vertex (fg_cc); seeds[0..ns): the
 * kernels' seeds (held-out ones already removed), ascending.  Returns FG_OK,
 * FG_ENOMEM, or FG_EUSAGE when params->attrs names an unknown attribute.
 * g, s and comp are kept by pointer and must outlive *out.
 * Time: K risk walks and K BFS over the seeds' components, O(links) else.
 */
int fg_features_open(fg_features **out, const fg_graph *g, const fg_scores *s,
                     const uint32_t *comp, const uint32_t *seeds, uint32_t ns,
                     const fg_features_params *params);
void fg_features_close(fg_features **f);

/*
 * The account-age reference fg_features_open takes from g (the latest
 * creation time or link last-seen time, FG_TIME_NONE if none): what a
 * caller passes as params->t_ref for a graph of part of the links (MPI
 * ranks).  O(users + links).
 */
int64_t fg_features_t_ref(const fg_graph *g);

/* Columns of a row, and their names (stable, documented). */
uint32_t fg_features_count(const fg_features *f);
const char *fg_features_name(const fg_features *f, uint32_t j);

/* The fold of a user id string (a salted hash; what fg_features_fold returns). */
unsigned fg_features_fold_of(const char *id);

/* The fold of user u (a hash of its id), and the number of seeds in fold k. */
unsigned fg_features_fold(const fg_features *f, uint32_t u);
uint32_t fg_features_fold_seeds(const fg_features *f, unsigned k);

/* Ring-mates u reaches through two links or more (0 outside rings; label-free). */
uint32_t fg_features_multi_mates(const fg_features *f, uint32_t u);

/*
 * Fold k's primitives of user u, for tests and explanations: its personalised
 * PageRank from fold k's seeds (restart uniform over them) and its hops to
 * the nearest of them (FG_BFS_UNREACHED-like UINT32_MAX if none).
 */
double fg_features_fold_ppr(const fg_features *f, uint32_t u, unsigned k);
uint32_t fg_features_fold_hops(const fg_features *f, uint32_t u, unsigned k);

/* Doubles of scratch a caller gives fg_features_row. */
size_t fg_features_scratch(const fg_features *f);

/*
 * Row of user u into out[0..count) combining the folds not in mask (bit k:
 * fold k excluded).  NAN = missing.  scratch: fg_features_scratch doubles,
 * private to the calling thread.  O(two-hop neighbourhood of u).
 */
void fg_features_row(float *out, const fg_features *f, uint32_t u, unsigned mask,
                     double *scratch);

/*
 * Rows of users[0..n) into out (row-major, n * count), row i with mask
 * masks[i] (or mask_all when masks is NULL), in parallel over rows.
 * Returns FG_OK or FG_ENOMEM.
 */
int fg_features_rows(float *out, const fg_features *f, const uint32_t *users, uint32_t n,
                     const unsigned *masks, unsigned mask_all);

/*
 * For an explanation: the entity of class kc (FG_KC_*, or -1 for hubs of any
 * class) linked to u that has the most seeds among its users, folds in mask
 * excluded; ties by the smallest entity id.  Returns the entity (index into
 * g->ent_*) or -1 if none has a seed; *n_seeds gets the count.
 */
int64_t fg_features_top_entity(const fg_features *f, uint32_t u, int kc, unsigned mask,
                               uint32_t *n_seeds);

/* ---- one row for an account the graph does not hold (serve) ------------- */

/* Attribute columns of a row (attr_* follow the fixed columns, in name order). */
uint32_t fg_features_n_attrs(const fg_features *f);

/* Seeds among entity e's users (hubs included), folds in mask excluded. */
uint32_t fg_features_entity_seeds(const fg_features *f, uint32_t e, unsigned mask);

/* One identifier or direct link of a request. */
typedef struct fg_features_item {
	int64_t v;           /* a vertex of g: a user (direct link) or an entity (n_users + e);
	                        -1: an entity g does not hold (no other user has it) */
	int kind_class;      /* v == -1: its kind class (FG_KC_*) ... */
	double kind_weight;  /* ... its kind's weight ... */
	uint32_t max_share;  /* ... and hub cap */
} fg_features_item;

/*
 * The row of an account with identifiers and links items[0..n) on last
 * night's graph, folds in mask excluded (a new account: the fold of its id),
 * the same columns and expressions as fg_features_row (one emitter).
 *
 * self: the account's user in g, or -1.  With self and its own links as the
 * items, the row is fg_features_row(self) (up to the order of float sums).
 * Computed from the items: degrees, shares (+1 for an entity self does not
 * hold yet), hubs (a share passing the kind's cap), weights, co-users,
 * co-seeds, seeds per entity, one-hop seed, walk and two-hop seed shares, the
 * neighbour aggregates, the ring it would join (self's own; else the ring
 * whose members carry the most tie weight), ring-mates reached twice, the
 * components it would join.  From last night when self is known: the walk
 * (ppr), hops, account age and activity span.  For a new account: ppr is one
 * step of the fold walks from its neighbours' converged values (d times the
 * pull over its arcs: q(e) / deg(e) through an entity, q(v) / W(v) times the
 * relation weight through a link), hops = the neighbours' + 1 or 2, age 0
 * (created now; NAN when the data had no times), activity span 0.
 * attrs: the account's attributes (fg_features_n_attrs, NAN = missing), or
 * NULL (self's, or missing).  Thread-safe (f is read only).  O(sum of the
 * items' shares).  Returns FG_OK or FG_ENOMEM.
 */
int fg_features_row_new(float *out, const fg_features *f, const fg_features_item *items,
                        uint32_t n, int64_t self, const float *attrs, unsigned mask);

#endif
