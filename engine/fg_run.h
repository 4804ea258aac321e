/*
 * fg_run: the nightly run as a library.
 *
 * One run is a sequence of phases on an fg_run object: open (the results
 * store, the run's write transaction), ingest (CSV / SQLite rows into a link
 * set), build (canonical ids, hubs, CSR; the seed mask), components, rings,
 * risk, evidence (nearest seed), scoring (rings, users, features, ring
 * identity across nights), write (every results table) and commit.  All of
 * it happens inside the one transaction opened first: a second run fails at
 * once, and any failure (bad data, full disk, a crash) leaves every earlier
 * run as it was.  fg_run_all sequences the phases from a table (engine
 * fg_run.c) with one timing line per phase on stderr; the phase functions can
 * also be called one by one, in that order, each exactly once.
 *
 * Held-out seeds (--holdout) never reach the kernels: the run keeps a seed
 * mask and a seed list of its own; the graph is not modified (its labels
 * still say fraud; the writer stores those users' label as "holdout").
 *
 * Thread-safety: one run per object; the kernels inside use OpenMP
 * (fg_par_set_threads is set from cfg.threads by fg_run_open).
 */
#ifndef FG_ENGINE_FG_RUN_H
#define FG_ENGINE_FG_RUN_H

#include "fg_config.h"
#include "fg_graph.h"
#include "fg_ingest.h"
#include "fg_score.h"
#include "fg_track.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_RUN_MAX_INPUTS 64

/*
 * What a run is asked to do: the parsed options.  Plain data the caller
 * fills (start with fg_run_opts_init); the strings are borrowed and must
 * outlive the run.
 */
typedef struct fg_run_opts {
	fg_config cfg;
	const char *db_path;                    /* results database (required) */
	const char *edges[FG_RUN_MAX_INPUTS];   /* links CSV files; "-" is stdin */
	int n_edges;
	const char *users[FG_RUN_MAX_INPUTS];   /* users CSV files */
	int n_users_files;
	const char *input_db;                   /* SQLite source, or NULL */
	const char *edges_sql;                  /* query on input_db, or NULL: table edges */
	const char *users_sql;                  /* query on input_db, or NULL: table users */
	bool no_model;                          /* --no-model: the hand-set scores only */
	const char *model_path;                 /* --model FILE: score with it, no training */
	uint64_t rank_memory_mib;               /* --rank-memory (MPI, fg_mpi.h); 0: the default */
} fg_run_opts;

/* Zero *o and set cfg to the defaults (fg_config_init). */
void fg_run_opts_init(fg_run_opts *o);

/* A run in progress; opaque.  Invariants in fg_run_internal.h. */
typedef struct fg_run fg_run;

/*
 * Start a run: set the thread count, open (or create) opts->db_path for
 * writing and begin the run's transaction, so that a busy or unwritable
 * database fails before any work.  opts is copied (its strings borrowed).
 * *out is set whenever the object could be allocated, also on failure, so
 * that the caller can report (fg_run_bad_rows) and fg_run_close it; it is
 * NULL only on FG_ENOMEM.  Returns FG_OK, FG_EBUSY (another run holds the
 * database), FG_EDB, FG_EIO, FG_ENOMEM.
 */
int fg_run_open(fg_run **out, const fg_run_opts *opts);

/*
 * A run that stores nothing (`check`): no results database is opened; only
 * ingest and build may be called (build then checks no volume).  *out as for
 * fg_run_open.  Returns FG_OK or FG_ENOMEM.
 */
int fg_run_open_dry(fg_run **out, const fg_run_opts *opts);

/*
 * The phases, in this order, each once (fg_run_all calls them).  Each
 * returns FG_OK or the failing call's code with its message set, and leaves
 * a one-line summary for the progress line (fg_run_note).
 *   ingest:     every input into a link set.  FG_EDATA past the bad-row limit
 *               (fg_run_bad_rows holds the reasons), FG_EIO, FG_ENOMEM.
 *   build:      the graph (the link set is freed), the kernels' output arrays,
 *               the seed mask and list with the held-out seeds left out.  FG_ENOMEM.
 *   components: fg_cc.  rings: fg_rings (under mpirun the ranks' per component,
 *               fg_mpi_rings, rank 0's the check).  risk: fg_risk from the seed list.
 *   evidence:   fg_bfs_multi from the seed list (users' hops and nearest seed).
 *   score:      fg_score_compute with the seed mask, then ring tracking against
 *               the store's previous run.  FG_EDB, FG_ENOMEM.
 *   model:      the learned model (engine/fg_run_model.c): leak-free features,
 *               cross-fitted training (or --model FILE), scores, ring scores,
 *               reasons.  Too few labels: logged, the hand-set scores stay.
 *               FG_EUSAGE (a model file that does not fit), FG_EIO, FG_ENOMEM,
 *               FG_ERROR (XGBoost).
 *   write:      releases the CSR (fg_graph_release_csr), then writes every
 *               results table and the run's columns, computes the output digest
 *               and builds the indexes.  FG_EDB, FG_EIO, FG_ENOMEM.
 * Complexity: each kernel's own (see its header); write is O(rows written).
 */
int fg_run_ingest(fg_run *r);
int fg_run_build(fg_run *r);
int fg_run_components(fg_run *r);
int fg_run_rings(fg_run *r);
int fg_run_risk(fg_run *r);
int fg_run_evidence(fg_run *r);
int fg_run_score(fg_run *r);
int fg_run_model(fg_run *r);
int fg_run_write(fg_run *r);

/*
 * Store the run's totals (t_write, t_total, peak memory) and commit the
 * transaction, applying cfg.keep_runs.  After write.  Returns FG_OK, FG_EDB, FG_EIO.
 */
int fg_run_commit(fg_run *r);

/*
 * Every phase after fg_run_open, from the phase table, then fg_run_commit:
 * one progress line per phase ("%-10s %7.2f s  %6.0f MiB peak  cpu %6.2f s
 * summary": wall seconds, peak memory so far, the phase's process CPU seconds),
 * the bad-row report after ingest, and the total line.  Stops at the first
 * failure and returns its code (nothing is rolled back yet: the caller
 * reports the message first, then fg_run_close rolls back).  Between the
 * phases that do not read them, outputs that only the write-back reads again
 * (risk, dist, nearest, four of the scores' per-user arrays) are held sparse
 * and are whole again from the write on; the accessors then return NULL or a
 * shorter array, so read them after fg_run_all or step the phases by hand.
 * With FG_MEM_PROFILE set, a memory line per phase on stderr as well.
 */
int fg_run_all(fg_run *r);

/*
 * Roll back the run's transaction if it is still open (nothing of the run is
 * stored; earlier runs are untouched), free everything and set *r to NULL.
 * NULL-safe.  Returns true if an open run was rolled back.
 */
bool fg_run_close(fg_run **r);

/* ---- results, valid from the phase that makes them until fg_run_close --- */

/* The run's id in the store (from open); 0 if the store did not open. */
int64_t fg_run_id(const fg_run *r);
/* The ingest's row counters and bad-row examples (from ingest). */
const fg_badrows *fg_run_bad_rows(const fg_run *r);
/* The graph (from build); read-only.  Its CSR is released by write. */
const fg_graph *fg_run_graph(const fg_run *r);
/*
 * --holdout's rule: true when the fraud-labelled user id[0 .. len) (up to a
 * NUL) is held out of the kernels' seeds: a coin hashed from the id and
 * cfg->holdout_seed, below cfg->holdout.  The run's (build) and the MPI
 * ranks' (fg_mpi.c) one rule.  O(len).
 */
bool fg_run_held_out(const fg_config *cfg, const char *id, size_t len);

/*
 * The seeds given to the kernels (from build): *n of them, user ids in
 * increasing order; mask (may be NULL) gets the per-user 0/1 seed mask and
 * holdout (may be NULL) the per-user 0/1 held-out mask.
 */
const uint32_t *fg_run_seeds(const fg_run *r, uint32_t *n, const uint8_t **mask,
                             const uint8_t **holdout);
/* Per vertex: component (components), risk (risk); per user: ring (rings). */
const uint32_t *fg_run_components_of(const fg_run *r);
const uint32_t *fg_run_rings_of(const fg_run *r);
const double *fg_run_risk_of(const fg_run *r);
/* Scores and ring tracking (from score). */
const fg_scores *fg_run_scores(const fg_run *r);
const fg_track_result *fg_run_tracking(const fg_run *r);
/*
 * The stored scores (from model): the learned user scores (NULL when no
 * model scored the run) and the rings' scores, learned or hand-set
 * (s->n_rings of them).
 */
const float *fg_run_model_scores(const fg_run *r);
const double *fg_run_ring_scores(const fg_run *r);
/* The model phase's status line ("trained: ...", "not trained: ...", "off"). */
const char *fg_run_model_status(const fg_run *r);
/* The output digest, 32 hex digits (from write; "" before). */
const char *fg_run_output_digest(const fg_run *r);
/* The last phase's summary line. */
const char *fg_run_note(const fg_run *r);

/* ---- the data contract (fg_run_summary.c), shared by run and check ---- */

struct fg_sbuf;
struct fg_store;

/* One line of a summary; warning lines say something is probably wrong. */
typedef void (*fg_run_line_fn)(void *ctx, bool warning, const char *line);

/*
 * The input summary of a built graph, one line at a time to fn: every kind
 * seen with its weight, cap, links, hubs, links to hubs and placeholder rows
 * dropped; a warning per kind that fell to the default settings; the
 * placeholder rows per kind; and, when hubs cut more than
 * cfg->hub_warn_share of the links, a warning naming the kinds.  Returns
 * FG_OK or FG_ENOMEM.  O(links + entities).
 */
int fg_run_summary(const fg_graph *g, const fg_config *cfg, fg_run_line_fn fn, void *ctx);

/* runs.kinds: per kind {weight, max_share | relation, links, hubs, hub_links, placeholders, default}. */
int fg_run_kinds_json(struct fg_sbuf *o, const fg_graph *g, const fg_config *cfg);
/* runs.placeholders: canonical kind -> rows dropped. */
void fg_run_placeholders_json(struct fg_sbuf *o, const fg_placeholder_counts *d);

/*
 * Empty input (no link after bad rows, the time window and placeholders):
 * FG_EDATA with the counts, else FG_OK.  Storing an empty run would give every
 * ring a new key the next night.
 */
int fg_run_refuse_empty(const fg_graph *g, const fg_badrows *bad);

/* The volume of tonight's graph against the previous committed run. */
typedef struct fg_run_volume_check {
	int64_t prev_run_id;          /* 0: no previous run, nothing compared */
	int64_t prev_links, prev_users;
	int64_t links, users;
	double links_drop, users_drop; /* share fewer than before (0 if more) */
	bool over;                     /* a drop above cfg->max_drop */
	char message[256];             /* both counts, when over */
} fg_run_volume_check;

/*
 * Compare g with the newest committed run of st (also inside an open run:
 * the previous one).  FG_EDROP with both counts when links or users fell by
 * more than cfg->max_drop and not cfg->allow_drop; FG_OK otherwise (out->over
 * tells an accepted drop); FG_EDB.
 */
int fg_run_volume(fg_run_volume_check *out, struct fg_store *st, const fg_graph *g,
                  const fg_config *cfg);

#endif
