/*
 * fg_results_runs: report's and evaluate's reads of the results database.
 * See fg_results_runs.h.  Values are always bound, never pasted; the only
 * names pasted into SQL are column names from the fixed lists in this file.
 */
#include "fg_results_runs.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const fg_results_score_columns[FG_RESULTS_MAX_SCORES] = {
	"score", "rule_score", "risk", "risk_norm",
};

static int db_error(sqlite3 *db, const char *what)
{
	return fg_error_set(FG_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

static int prepare(sqlite3_stmt **out, sqlite3 *db, const char *sql)
{
	*out = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
		return db_error(db, "preparing a query of the results");
	return FG_OK;
}

/* strdup of a text column; NULL for SQL NULL; *nomem on a failed copy. */
static char *dup_col(sqlite3_stmt *st, int col, bool *nomem)
{
	const unsigned char *s;
	char *d;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(st, col);
	d = s ? fg_strndup((const char *)s, (size_t)sqlite3_column_bytes(st, col)) : NULL;
	if (!d)
		*nomem = true;
	return d;
}

static int known_score_column(const char *name)
{
	for (int i = 0; i < FG_RESULTS_MAX_SCORES; i++)
		if (!strcmp(name, fg_results_score_columns[i]))
			return i;
	return -1;
}

int fg_results_has_score_column(bool *out, sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	*out = false;
	if (known_score_column(name) < 0)
		return fg_error_set(FG_EUSAGE, "'%.40s' is not a score column (score, rule_score, risk, risk_norm)",
		                    name);
	rc = prepare(&st, db, "SELECT 1 FROM pragma_table_info('user_scores') WHERE name = ?");
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = true;
	else if (s != SQLITE_DONE)
		rc = db_error(db, "reading the columns of user_scores");
	sqlite3_finalize(st);
	return rc;
}

static uint8_t label_of(const unsigned char *l)
{
	if (!l)
		return FG_RESULTS_LABEL_NONE;
	if (!strcmp((const char *)l, "fraud"))
		return FG_RESULTS_LABEL_FRAUD;
	if (!strcmp((const char *)l, "legit"))
		return FG_RESULTS_LABEL_LEGIT;
	if (!strcmp((const char *)l, "holdout"))
		return FG_RESULTS_LABEL_HOLDOUT;
	return FG_RESULTS_LABEL_OTHER;
}

/* Grow every array of u to cap entries. */
static int users_grow(fg_results_users *u, size_t cap)
{
	char **id = fg_reallocarray(u->user_id, cap, sizeof(char *));
	if (id)
		u->user_id = id;
	uint8_t *lb = id ? fg_reallocarray(u->label, cap, 1) : NULL;
	if (lb)
		u->label = lb;
	int64_t *rg = lb ? fg_reallocarray(u->ring_id, cap, sizeof(int64_t)) : NULL;
	if (rg)
		u->ring_id = rg;
	if (!rg)
		return fg_error_set(FG_ENOMEM, "out of memory reading user_scores");
	for (int c = 0; c < u->n_scores; c++) {
		double *sc = fg_reallocarray(u->score[c], cap, sizeof(double));
		if (!sc)
			return fg_error_set(FG_ENOMEM, "out of memory reading user_scores");
		u->score[c] = sc;
	}
	return FG_OK;
}

int fg_results_users_read(fg_results_users *out, sqlite3 *db, int64_t run_id,
                          const char *const *cols, int ncols)
{
	char sql[512];
	size_t len, cap = 0;
	sqlite3_stmt *st = NULL;
	int rc, s;

	memset(out, 0, sizeof(*out));
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT user_id, label, ring_id");
	for (int c = 0; c < ncols && c < FG_RESULTS_MAX_SCORES; c++) {
		int k = known_score_column(cols[c]);
		if (k < 0)
			return fg_error_set(FG_EUSAGE, "'%.40s' is not a score column", cols[c]);
		out->score_name[out->n_scores++] = fg_results_score_columns[k];
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", fg_results_score_columns[k]);
	}
	snprintf(sql + len, sizeof(sql) - len, " FROM user_scores WHERE run_id = ? ORDER BY user_id");
	if ((rc = prepare(&st, db, sql)))
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		bool nomem = false;
		size_t i = out->n;
		if (i == cap && (rc = users_grow(out, cap = cap ? 2 * cap : 1024)))
			goto cleanup;
		out->user_id[i] = dup_col(st, 0, &nomem);
		if (nomem || !out->user_id[i]) {
			rc = fg_error_set(FG_ENOMEM, "out of memory reading user_scores");
			goto cleanup;
		}
		out->n++;
		out->label[i] = label_of(sqlite3_column_text(st, 1));
		out->ring_id[i] = sqlite3_column_type(st, 2) == SQLITE_NULL ? FG_RESULTS_NO_RING
		                                                            : sqlite3_column_int64(st, 2);
		for (int c = 0; c < out->n_scores; c++)
			out->score[c][i] = sqlite3_column_type(st, 3 + c) == SQLITE_NULL
			                           ? -INFINITY
			                           : sqlite3_column_double(st, 3 + c);
	}
	if (s != SQLITE_DONE)
		rc = db_error(db, "reading user_scores");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

void fg_results_users_free(fg_results_users *u)
{
	for (size_t i = 0; i < u->n; i++)
		fg_free(u->user_id[i]);
	fg_free(u->user_id);
	fg_free(u->label);
	fg_free(u->ring_id);
	for (int c = 0; c < FG_RESULTS_MAX_SCORES; c++)
		fg_free(u->score[c]);
	memset(u, 0, sizeof(*u));
}

int fg_results_run_holdout(double *out, bool *has, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	*out = 0;
	*has = false;
	rc = prepare(&st, db,
	             "SELECT CASE WHEN json_valid(params) THEN json_extract(params, '$.holdout') END"
	             " FROM runs WHERE run_id = ?");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*has = true;
		*out = sqlite3_column_double(st, 0);
	} else if (s != SQLITE_ROW && s != SQLITE_DONE) {
		rc = db_error(db, "reading runs.params");
	}
	sqlite3_finalize(st);
	return rc;
}
