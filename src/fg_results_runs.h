/*
 * fg_results_runs: the results reader for report and evaluate: runs, their
 * counts and bad rows, distributions (user scores, rings by size, score and
 * status), hubs per kind, dissolved rings, seeds gained and lost, and the
 * per-user score lists of an evaluation.  Every SQL statement these two
 * commands run is here (docs/schema.md documents the tables).
 *
 * All functions take a read-only connection (the caller opens it, e.g.
 * fg_tool_db_open) and a committed run_id; they return FG_OK, FG_ENOMEM or
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
 * *out = whether user_scores has column `name` (one of
 * fg_results_score_columns; schemas before the learned model have no
 * rule_score).  FG_EUSAGE for a name outside that list.
 */
int fg_results_has_score_column(bool *out, sqlite3 *db, const char *name);

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

#endif
