/*
 * fg_explain: explain's case file.  Everything an investigator is shown about
 * one user of one run, read through the results reader (src/fg_results.h)
 * into one struct; cli/cmd_explain.c only renders it (text, json, dot, svg).
 *
 * The case: the user's scores (the learned one and the hand-set rule_score),
 * label, account creation and features; the model's reasons (user_reasons:
 * its top contributions, for users above the reason threshold); the
 * ring with every factor of its score (and both scores: the learned
 * ring_score and the hand-set rule_score), its members and who of them joined it
 * tonight; the evidence (each entity the user is linked to, shared ones apart
 * from private ones, the link's times, the other users of a shared entity
 * ranked confirmed fraud first); direct user-user links; the path to the
 * nearest known-fraud seed; the ring's history; and, for the pictures, the
 * ring (or the user's neighbourhood) as vertices and edges.
 *
 * Path: the run's own kernel on the run's own graph.  The run finds seed
 * distances with fg_bfs_multi over the CSR of every non-hub link, vertices
 * numbered users first (by user_id, byte order) then entities (by entity_id,
 * which the run assigns in its canonical order), so a vertex's parent is its
 * smallest neighbour one hop closer to a seed.  The case file reads the ball
 * of radius seed_hops around the user from the stored links (hubs excluded,
 * user-user links both ways), numbers it in the same relative order and runs
 * fg_bfs_multi from the seeds in it.  Every vertex of a shortest path from
 * the user to a seed, and every shortest path of those vertices, lies inside
 * the ball, so distances and parents along the user's path equal the run's:
 * the path has seed_hops hops and ends at the run's nearest_seed by
 * construction (tests/test_tools.c checks it for every user of a real run).
 * A ball above 50 000 vertices is cut (the path may then differ; said so by
 * path_cut).
 *
 * Cost: indexed lookups only (fg_results.h); O(evidence + ball) per user.
 * Ownership: the struct and everything it points to live in its arena.
 * Thread-safety: one thread per fg_results handle.
 */
#ifndef FG_ENGINE_FG_EXPLAIN_H
#define FG_ENGINE_FG_EXPLAIN_H

#include "fg_results.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_EXPLAIN_MAX_BALL 50000  /* vertices read for the path */
#define FG_EXPLAIN_MAX_PICTURE 200 /* vertices of a picture */

typedef struct fg_explain_opts {
	int max_neighbours; /* other users listed per shared entity (default 10) */
	bool evidence;      /* read evidence, links, path and history (text, json) */
	bool picture;       /* build the picture (dot, svg); implies the path */
} fg_explain_opts;

/* An entity of the user, with the other users of it (shared entities only). */
typedef struct fg_explain_evidence {
	fg_res_entity e;
	bool shared;          /* share >= 2: another user has it too */
	fg_res_uref *others;  /* up to max_neighbours, confirmed fraud first */
	size_t n_others;
	int64_t more;         /* other users not listed: share - 1 - n_others */
} fg_explain_evidence;

/* A vertex of the path or of a picture: a user or an entity. */
typedef struct fg_explain_vertex {
	bool is_user;
	const char *user_id, *label; /* users */
	double score;                /* users; NAN if unknown */
	int64_t entity_id;           /* entities */
	const char *kind, *value;    /* entities (kind also: the relation reaching a user) */
	bool joined;                 /* users of a ring picture: joined the ring tonight */
	bool on_path;                /* on the path from the user to its nearest seed */
} fg_explain_vertex;

typedef struct fg_explain_edge {
	uint32_t a, b;        /* vertex indices, a < b */
	const char *relation; /* a user-user link's kind; NULL for a user-entity link */
	bool on_path;
} fg_explain_edge;

typedef struct fg_explain {
	fg_res_arena arena;
	const char *db_path;
	fg_res_run run;
	int64_t prev_run_id;       /* previous committed run, 0 if none */
	fg_res_user user;
	bool has_features;
	fg_res_features features;
	const char *model_source;  /* models.source ("trained" or the --model file): user.score is
	                            * the model's; NULL: the hand-set score */
	fg_res_reason *reasons;    /* by rank; none without a model or below its threshold */
	size_t n_reasons;

	bool ring_found;           /* user.has_ring and the rings row exists */
	fg_res_ring ring;
	fg_res_member *members;    /* read when the ring was found */
	size_t n_members;
	size_t n_joined;           /* members not in this ring's lineage at the previous run */
	bool user_joined;          /* the user is one of them */

	fg_explain_evidence *ev;   /* non-hubs first, then kind, value */
	size_t n_ev;
	size_t n_private;          /* of ev, entities of the user alone */
	fg_res_ulink *links;
	size_t n_links;

	/* path from the user (path[0]) to its nearest seed (path[n_path - 1]) */
	fg_explain_vertex *path;
	size_t n_path;             /* 0: no seed within reach */
	bool path_cut;             /* the ball hit FG_EXPLAIN_MAX_BALL */

	fg_res_ring_hist *hist;
	size_t n_hist;

	/* picture: the ring's members and entities shared by two of them, or the
	 * user's neighbourhood breadth-first; plus the path */
	fg_explain_vertex *pv;
	size_t n_pv;
	fg_explain_edge *pe;
	size_t n_pe;
	bool picture_is_ring;
	bool picture_capped;
} fg_explain;

/*
 * Build the case of user_id in the run picked by run_arg (NULL: the latest
 * committed run).  FG_ENOTFOUND for an unknown run or user (exit 4), else
 * the reader's errors.  *out NULL on error.
 */
int fg_explain_build(fg_explain **out, fg_results *r, const char *run_arg, const char *user_id,
                     const fg_explain_opts *opts);

/* NULL-safe; clears *x. */
void fg_explain_free(fg_explain **x);

/*
 * Whether the ring has a lineage to compare with: found, not new, and a
 * previous committed run exists.  A member joined the ring tonight when at
 * the previous run it was in no ring, or in one whose key is neither this
 * ring's key nor one of its prev_keys (the rings it was merged or split from).
 */
bool fg_explain_ring_has_lineage(const fg_explain *x);
bool fg_explain_member_joined(const fg_explain *x, const fg_res_member *m);

#endif
