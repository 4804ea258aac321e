/*
 * fg_results_runs: the results reader for report and evaluate: runs, their
 * counts and bad rows, distributions (user scores, rings by size, score and
 * status), hubs per kind, dissolved rings, seeds gained and lost, and the
 * per-user score lists of an evaluation.  Every SQL statement these two
 * commands run is here (docs/schema.md documents the tables).
 *
 * All functions take a read-only connection (the caller opens it, e.g.
 * fg_results_db of an fg_results_open handle) and a committed run_id; they return FG_OK, FG_ENOMEM or
 * FG_EDB (with SQLite's message), and FG_ENOTFOUND for a run that does not
 * exist.  Each statement reads one or two runs' rows through the run_id
 * prefix of the primary keys; none writes.
 */
#ifndef FG_SRC_FG_RESULTS_RUNS_H
#define FG_SRC_FG_RESULTS_RUNS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- evaluate: the users of a run with their scores ---------------------- */

/* The score columns of user_scores an evaluation may rank by, in display order. */
#define FG_RESULTS_MAX_SCORES 4
extern const char *const fg_results_score_columns[FG_RESULTS_MAX_SCORES]; /* score, rule_score, risk, risk_norm */

/* user_scores.label as read. */
enum {
	FG_RESULTS_LABEL_NONE = 0, /* NULL: unknown */
	FG_RESULTS_LABEL_FRAUD,    /* a seed the kernels saw */
	FG_RESULTS_LABEL_LEGIT,
	FG_RESULTS_LABEL_HOLDOUT,  /* a seed held out of the kernels (run --holdout) */
	FG_RESULTS_LABEL_OTHER,
};

#define FG_RESULTS_NO_RING INT64_MIN

/*
 * One run's users in user_id byte order (SQLite BINARY collation = strcmp).
 * score[c][i] is the value of column score_name[c] for user i, -INFINITY for
 * NULL (ranks below every scored user).
 */
typedef struct fg_results_users {
	size_t n;
	char **user_id;
	uint8_t *label;   /* FG_RESULTS_LABEL_* */
	int64_t *ring_id; /* FG_RESULTS_NO_RING when in no ring */
	int n_scores;
	const char *score_name[FG_RESULTS_MAX_SCORES]; /* static names */
	double *score[FG_RESULTS_MAX_SCORES];
} fg_results_users;

/*
 * *out = whether run run_id has scores in user_scores column `name` (one of
 * fg_results_score_columns): the column exists (schemas before the learned
 * model have no rule_score) and holds a value for at least one of the run's
 * users (a run without a model leaves rule_score NULL).  FG_EUSAGE for a
 * name outside that list.
 */
int fg_results_has_score_column(bool *out, sqlite3 *db, int64_t run_id, const char *name);

/*
 * Read run_id's users with the columns cols[0..ncols) (names from
 * fg_results_score_columns that exist).  out is zeroed first; free with
 * fg_results_users_free even on error.  O(users) memory.
 */
int fg_results_users_read(fg_results_users *out, sqlite3 *db, int64_t run_id,
                          const char *const *cols, int ncols);
void fg_results_users_free(fg_results_users *u);

/* runs.params.holdout of run_id: *has false when the run recorded none. */
int fg_results_run_holdout(double *out, bool *has, sqlite3 *db, int64_t run_id);

/* ---- report: one run and its distributions -------------------------------- */

/* The integer and time columns of runs that report shows, in this order. */
#define FG_RESULTS_RUN_N_INTS 16
#define FG_RESULTS_RUN_N_TIMES 9
extern const char *const fg_results_run_int_names[FG_RESULTS_RUN_N_INTS];
extern const char *const fg_results_run_time_names[FG_RESULTS_RUN_N_TIMES]; /* without "t_" */
enum { /* indexes into fg_results_run.ints */
	FG_RUN_N_ROWS, FG_RUN_N_FILTERED, FG_RUN_N_BAD_ROWS, FG_RUN_N_USERS, FG_RUN_N_ENTITIES,
	FG_RUN_N_LINKS, FG_RUN_N_USER_LINKS, FG_RUN_N_HUBS, FG_RUN_N_SEEDS, FG_RUN_N_LEGIT,
	FG_RUN_N_COMPONENTS, FG_RUN_N_RINGS, FG_RUN_LPA_ITERATIONS, FG_RUN_RISK_ITERATIONS,
	FG_RUN_THREADS, FG_RUN_PEAK_RSS,
};

/* A (name, count) pair of a list; name owned by the list. */
typedef struct fg_results_count {
	char *name;
	int64_t count;
	int64_t links; /* hub kinds: links to this kind's hubs (sum of hubs.share) */
} fg_results_count;

typedef struct fg_results_counts {
	fg_results_count *v;
	size_t n;
} fg_results_counts;
void fg_results_counts_free(fg_results_counts *c);

/* One row of runs.  Strings owned (NULL for SQL NULL; params and bad_rows only when valid JSON). */
typedef struct fg_results_run {
	int64_t run_id;
	char *started, *finished, *version, *params, *bad_rows_json;
	int64_t ints[FG_RESULTS_RUN_N_INTS];
	bool int_null[FG_RESULTS_RUN_N_INTS];
	double times[FG_RESULTS_RUN_N_TIMES]; /* NAN for NULL */
	double bytes_per_link;                /* NAN for NULL */
	fg_results_counts bad_rows;           /* reason -> count, in stored order */
} fg_results_run;

/* Read run_id's row; FG_ENOTFOUND if there is none.  Free with fg_results_run_free. */
int fg_results_run_read(fg_results_run *out, sqlite3 *db, int64_t run_id);
void fg_results_run_free(fg_results_run *r);

/* Bins of the distributions report compares. */
#define FG_RESULTS_SCORE_BINS 10   /* user score: floor(10 score), clamped to 0..9 */
#define FG_RESULTS_SIZE_BUCKETS 5  /* ring size: 2, 3-5, 6-10, 11-20, >20 */
#define FG_RESULTS_RSCORE_BUCKETS 5 /* ring score: 0.2 wide on [0, 1] */
#define FG_RESULTS_N_STATUS 6      /* new, stable, grown, shrunk, merged, split (+ other) */
extern const char *const fg_results_size_bucket_names[FG_RESULTS_SIZE_BUCKETS];
extern const char *const fg_results_rscore_bucket_names[FG_RESULTS_RSCORE_BUCKETS];
extern const char *const fg_results_status_names[FG_RESULTS_N_STATUS];

typedef struct fg_results_dist {
	double score_bins[FG_RESULTS_SCORE_BINS];        /* users with a score, per bin */
	double size_buckets[FG_RESULTS_SIZE_BUCKETS];    /* rings per size bucket */
	double rscore_buckets[FG_RESULTS_RSCORE_BUCKETS]; /* rings per score bucket */
	double status[FG_RESULTS_N_STATUS + 1];          /* rings per status, [N] = other */
	int64_t n_rings;
	int64_t n_scored;                                /* users with a non-NULL score */
} fg_results_dist;

/* User score bins and ring buckets of run_id.  One scan of its user_scores and rings rows. */
int fg_results_dist_read(fg_results_dist *out, sqlite3 *db, int64_t run_id);

/* Hubs per kind of run_id (count = hubs, links = sum of their shares), by kind name. */
int fg_results_hub_kinds(fg_results_counts *out, sqlite3 *db, int64_t run_id);

/* The top hubs of a run: fg_results_hubs (fg_results.h). */

/* The per-kind counts of a ring, in fg_results_ring_count_names order. */
#define FG_RESULTS_RING_N_COUNTS 10
extern const char *const fg_results_ring_count_names[FG_RESULTS_RING_N_COUNTS];

typedef struct fg_results_ring_row {
	char *ring_key, *status;
	int64_t counts[FG_RESULTS_RING_N_COUNTS];
	double ring_score;
	double rule_score; /* the hand-set one (schema 3); NAN before it */
} fg_results_ring_row;

/* Up to limit rings of run_id by ring_score descending, then ring_key. */
int fg_results_top_rings(fg_results_ring_row **out, size_t *n, sqlite3 *db, int64_t run_id, int limit);
void fg_results_rings_free(fg_results_ring_row *r, size_t n);

/* Counts of one run, or of a run against the previous one (prev_id 0: zeros). */
typedef struct fg_results_changes {
	int64_t seeds_in_rings; /* seeds of run_id in a ring */
	int64_t dissolved;      /* dissolved_rings of run_id */
	int64_t seeds_gained;   /* labelled fraud in run_id, not in prev_id */
	int64_t seeds_lost;     /* labelled fraud in prev_id, not in run_id */
} fg_results_changes;
int fg_results_changes_read(fg_results_changes *out, sqlite3 *db, int64_t run_id, int64_t prev_id);

/* ---- report: the feature table ------------------------------------------- */

/*
 * Every column of user_features but run_id and user_id, for one run:
 * col[c][i] is column name[c] of the i-th user read (NAN for NULL).  Reads
 * every stride-th user in user_id order (stride >= 1: a systematic sample
 * that bounds memory on large runs).  One scan of the run's rows.  Free with
 * fg_results_features_free.
 */
typedef struct fg_results_features {
	size_t n_cols, n_rows;
	char **name;
	double **col;
} fg_results_features;
int fg_results_features_read(fg_results_features *out, sqlite3 *db, int64_t run_id, size_t stride);
void fg_results_features_free(fg_results_features *f);

/* ---- report and explain: the learned model of a run ---------------------- */

#define FG_RESULTS_MODEL_TOP 5 /* features of the importance kept */

/*
 * runs.model_status and the run's models row (docs/schema.md).  found false
 * when the run has no models row (not trained, --no-model, or a schema before
 * 3); status NULL when the run recorded none.  Counts -1 and doubles NAN for
 * NULL.  top_feature/top_gain: the FG_RESULTS_MODEL_TOP features of largest
 * total gain in models.importance, largest first (ties by name).  Strings
 * owned; free with fg_results_model_free (also after an error).
 */
typedef struct fg_results_model {
	bool found;
	char *status;                /* "trained: ...", "loaded: ...", "not trained: why", "off (--no-model)" */
	char *source;                /* models.source: "trained", or the --model file */
	int64_t n_folds, n_features, n_positives, n_negatives, k;
	double neg_rate, auc, ap, p_at_k; /* out-of-fold on the labels */
	char *top_feature[FG_RESULTS_MODEL_TOP];
	double top_gain[FG_RESULTS_MODEL_TOP];
	size_t n_top;
} fg_results_model;
int fg_results_model_read(fg_results_model *out, sqlite3 *db, int64_t run_id);
void fg_results_model_free(fg_results_model *m);

#endif
