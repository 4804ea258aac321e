/*
 * fg_evaluate: evaluate's computation: one run's rankings against a truth
 * file (docs/operations.md, "Evaluate").
 *
 * By default only the hidden positives count: users labelled `fraud` in the
 * run (the seeds the kernels saw) are neither positives nor negatives and
 * are left out of every ranking, so the figures say how well the rest of the
 * data finds fraud it was not told about; users stored with label `holdout`
 * (run --holdout) are ranked like any other user.  include_labelled gives the
 * older view where every user of the run is ranked.  Ring recovery does not
 * depend on a ranking and always uses every member, labelled or not.
 *
 * Several score columns are ranked side by side (score, rule_score when the
 * run stored one, risk = the plain personalised PageRank); ranking[0] is the
 * primary one (params.score).
 */
#ifndef FG_ENGINE_FG_EVALUATE_H
#define FG_ENGINE_FG_EVALUATE_H

#include "fg_metrics.h"
#include "fg_results_runs.h"
#include "fg_truth.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct fg_eval_params {
	int64_t k;             /* cut-off of precision/recall at k (>= 1) */
	bool include_labelled; /* rank the labelled seeds too */
	const char *score;     /* primary column (fg_results_score_columns); NULL: "score" */
} fg_eval_params;

/* The metrics of one ranking (NAN where undefined). */
typedef struct fg_eval_ranking {
	const char *column; /* static name */
	double prec_k, rec_k, prec_p, rec_p, ap, auc;
	double unlabelled_pct;  /* mean percentile of the positives not labelled fraud */
	double heldout_pct;     /* mean percentile of the users stored as `holdout` */
	double heldout_score;   /* their mean value of this column */
	size_t heldout_top_k;   /* of them, how many rank in the first k_eff */
} fg_eval_ranking;

typedef struct fg_evaluation {
	int64_t run_id;
	bool include_labelled;
	const char *rule;          /* the truth's positive rule (static text) */
	size_t n_users;            /* users in the run */
	size_t n_labelled;         /* of them labelled fraud (left out unless include_labelled) */
	size_t n_ranked;           /* users ranked */
	size_t n_truth_users, n_pos, n_pos_missing, n_neg, n_unlabelled_pos, n_heldout;
	int64_t k, k_eff, kp;      /* --k, capped at n_ranked, and k = P */
	fg_metrics_rings rings;
	bool has_holdout;
	double holdout;            /* runs.params.holdout */
	int n_rankings;
	fg_eval_ranking ranking[FG_RESULTS_MAX_SCORES]; /* [0]: the primary column */
} fg_evaluation;

/*
 * The metrics of the users u against the truth t.  u->score[0] must be the
 * primary column.  Returns FG_OK or FG_ENOMEM.  O(n log n) per column.
 */
int fg_evaluate_compute(fg_evaluation *out, const fg_truth *t, const fg_results_users *u,
                        const fg_eval_params *p);

/*
 * Read the truth file and run_id's users from db (read-only connection) and
 * compute.  The columns ranked: the primary one, then score, rule_score and
 * risk where they exist.  Errors as fg_truth_read and fg_results_users_read;
 * FG_EUSAGE for a primary column that is unknown or not in this database.
 */
int fg_evaluate_run(fg_evaluation *out, sqlite3 *db, int64_t run_id, const char *truth_path,
                    const fg_eval_params *p);

#endif
