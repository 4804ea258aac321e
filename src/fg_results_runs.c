/*
 * fg_results_runs: report's and evaluate's reads of the results database.
 * See fg_results_runs.h.  Values are always bound, never pasted; the only
 * names pasted into SQL are column names from the fixed lists in this file.
 */
#include "fg_results_runs.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_results.h"
#include "fg_sbuf.h"

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

/* The reader's prepare: one place for FG_QUERY_PLAN and the error text. */
#define prepare fg_results_db_prepare

/* sql prepared, with run_id bound to its first parameter (most queries here read one run). */
static int prepare_run(sqlite3_stmt **st, sqlite3 *db, const char *sql, int64_t run_id)
{
	int rc = prepare(st, db, sql);

	if (rc == FG_OK)
		sqlite3_bind_int64(*st, 1, run_id);
	return rc;
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

int fg_results_has_score_column(bool *out, sqlite3 *db, int64_t run_id, const char *name)
{
	char sql[160];
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
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = db_error(db, "reading the columns of user_scores");
	sqlite3_finalize(st);
	if (rc || s != SQLITE_ROW)
		return rc;
	/* name is one of the fixed list above: safe to put in the statement */
	snprintf(sql, sizeof(sql), "SELECT 1 FROM user_scores WHERE run_id = ? AND \"%s\" IS NOT NULL LIMIT 1",
	         name);
	if ((rc = prepare_run(&st, db, sql, run_id)))
		return rc;
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = true;
	else if (s != SQLITE_DONE)
		rc = db_error(db, "reading user_scores");
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
	if ((rc = prepare_run(&st, db, sql, run_id)))
		return rc;
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
	rc = prepare_run(&st, db,
	             "SELECT CASE WHEN json_valid(params) THEN json_extract(params, '$.holdout') END"
	             " FROM runs WHERE run_id = ?", run_id);
	if (rc)
		return rc;
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

/* ---- report ------------------------------------------------------------- */

const char *const fg_results_run_int_names[FG_RESULTS_RUN_N_INTS] = {
	"n_rows", "n_filtered", "n_bad_rows", "n_users", "n_entities", "n_links", "n_user_links",
	"n_hubs", "n_seeds", "n_legit", "n_components", "n_rings", "lpa_iterations",
	"risk_iterations", "threads", "peak_rss",
};
const char *const fg_results_run_time_names[FG_RESULTS_RUN_N_TIMES] = {
	"ingest", "build", "components", "rings", "risk", "evidence", "scoring", "write", "total",
};
const char *const fg_results_size_bucket_names[FG_RESULTS_SIZE_BUCKETS] = { "2", "3-5", "6-10", "11-20", ">20" };
const char *const fg_results_rscore_bucket_names[FG_RESULTS_RSCORE_BUCKETS] = {
	"0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0",
};
const char *const fg_results_status_names[FG_RESULTS_N_STATUS] = {
	"new", "stable", "grown", "shrunk", "merged", "split",
};
const char *const fg_results_ring_count_names[FG_RESULTS_RING_N_COUNTS] = {
	"n_users", "n_seeds", "n_cards", "n_devices", "n_addresses", "n_phones", "n_emails", "n_ips",
	"n_other_entities", "n_user_links",
};

void fg_results_counts_free(fg_results_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		fg_free(c->v[i].name);
	fg_free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* Rows of (name text, count int[, links int]) into out. */
static int read_counts(fg_results_counts *out, sqlite3_stmt *st, sqlite3 *db, const char *what)
{
	size_t cap = 0;
	int s;

	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		bool nomem = false;
		if (out->n == cap) {
			size_t c = cap ? 2 * cap : 16;
			fg_results_count *p = fg_reallocarray(out->v, c, sizeof(*p));
			if (!p)
				return fg_error_set(FG_ENOMEM, "out of memory reading %s", what);
			out->v = p;
			cap = c;
		}
		fg_results_count *c = &out->v[out->n];
		c->name = dup_col(st, 0, &nomem);
		if (!c->name && !nomem)
			c->name = fg_strndup("", 0);
		if (!c->name)
			return fg_error_set(FG_ENOMEM, "out of memory reading %s", what);
		out->n++;
		c->count = sqlite3_column_int64(st, 1);
		c->links = sqlite3_column_count(st) > 2 ? sqlite3_column_int64(st, 2) : 0;
	}
	return s == SQLITE_DONE ? FG_OK : db_error(db, what);
}

int fg_results_run_read(fg_results_run *out, sqlite3 *db, int64_t run_id)
{
	char sql[1024];
	size_t len;
	sqlite3_stmt *st = NULL;
	bool nomem = false;
	int rc, s;

	memset(out, 0, sizeof(*out));
	out->run_id = run_id;
	len = (size_t)snprintf(sql, sizeof(sql),
	                       "SELECT started_at, finished_at, version,"
	                       " CASE WHEN json_valid(params) THEN json(params) END,"
	                       " CASE WHEN json_valid(bad_rows) THEN json(bad_rows) END, bytes_per_link");
	for (int i = 0; i < FG_RESULTS_RUN_N_INTS; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", fg_results_run_int_names[i]);
	for (int i = 0; i < FG_RESULTS_RUN_N_TIMES; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", t_%s", fg_results_run_time_names[i]);
	snprintf(sql + len, sizeof(sql) - len, " FROM runs WHERE run_id = ?");
	if ((rc = prepare_run(&st, db, sql, run_id)))
		return rc;
	s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		rc = s == SQLITE_DONE ? fg_error_set(FG_ENOTFOUND, "run %lld is not in the results", (long long)run_id)
		                      : db_error(db, "reading runs");
		goto cleanup;
	}
	out->started = dup_col(st, 0, &nomem);
	out->finished = dup_col(st, 1, &nomem);
	out->version = dup_col(st, 2, &nomem);
	out->params = dup_col(st, 3, &nomem);
	out->bad_rows_json = dup_col(st, 4, &nomem);
	out->bytes_per_link = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
	for (int i = 0; i < FG_RESULTS_RUN_N_INTS; i++) {
		out->int_null[i] = sqlite3_column_type(st, 6 + i) == SQLITE_NULL;
		out->ints[i] = sqlite3_column_int64(st, 6 + i);
	}
	for (int i = 0; i < FG_RESULTS_RUN_N_TIMES; i++) {
		int c = 6 + FG_RESULTS_RUN_N_INTS + i;
		out->times[i] = sqlite3_column_type(st, c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (nomem) {
		rc = fg_error_set(FG_ENOMEM, "out of memory reading runs");
		goto cleanup;
	}
	if (out->bad_rows_json) {
		if ((rc = prepare(&st, db, "SELECT key, value FROM json_each(?)")))
			goto cleanup;
		sqlite3_bind_text(st, 1, out->bad_rows_json, -1, SQLITE_STATIC);
		rc = read_counts(&out->bad_rows, st, db, "runs.bad_rows");
	}
cleanup:
	sqlite3_finalize(st);
	return rc;
}

void fg_results_run_free(fg_results_run *r)
{
	fg_free(r->started);
	fg_free(r->finished);
	fg_free(r->version);
	fg_free(r->params);
	fg_free(r->bad_rows_json);
	fg_results_counts_free(&r->bad_rows);
	memset(r, 0, sizeof(*r));
}

static int size_bucket(int64_t n)
{
	return n <= 2 ? 0 : n <= 5 ? 1 : n <= 10 ? 2 : n <= 20 ? 3 : 4;
}

int fg_results_dist_read(fg_results_dist *out, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	memset(out, 0, sizeof(*out));
	rc = prepare_run(&st, db,
	             "SELECT CAST(score * 10 AS INTEGER), count(*) FROM user_scores"
	             " WHERE run_id = ? AND score IS NOT NULL GROUP BY 1", run_id);
	if (rc)
		return rc;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(st, 0), c = sqlite3_column_int64(st, 1);
		b = b < 0 ? 0 : b >= FG_RESULTS_SCORE_BINS ? FG_RESULTS_SCORE_BINS - 1 : b;
		out->score_bins[b] += (double)c;
		out->n_scored += c;
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return db_error(db, "reading user_scores");
	rc = prepare_run(&st, db, "SELECT n_users, ring_score, status FROM rings WHERE run_id = ?", run_id);
	if (rc)
		return rc;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *status = sqlite3_column_text(st, 2);
		int b = (int)floor(sqlite3_column_double(st, 1) * 5), k;
		out->size_buckets[size_bucket(sqlite3_column_int64(st, 0))]++;
		out->rscore_buckets[b < 0 ? 0 : b >= FG_RESULTS_RSCORE_BUCKETS ? FG_RESULTS_RSCORE_BUCKETS - 1 : b]++;
		for (k = 0; k < FG_RESULTS_N_STATUS && (!status || strcmp((const char *)status, fg_results_status_names[k]));
		     k++)
			;
		out->status[k]++;
		out->n_rings++;
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? FG_OK : db_error(db, "reading rings");
}

int fg_results_hub_kinds(fg_results_counts *out, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = prepare_run(&st, db,
	                 "SELECT kind, count(*), total(share) FROM hubs WHERE run_id = ?"
	                 " GROUP BY kind ORDER BY kind", run_id);
	if (rc)
		return rc;
	rc = read_counts(out, st, db, "hubs");
	sqlite3_finalize(st);
	return rc;
}

static bool table_has(sqlite3 *db, const char *table, const char *column);
static double dbl_col(sqlite3_stmt *st, int col);

#define RING_ROW_SQL(rule)                                                                   \
	"SELECT ring_key, status, n_users, n_seeds, n_cards, n_devices, n_addresses,"        \
	" n_phones, n_emails, n_ips, n_other_entities, n_user_links, ring_score, " rule      \
	" FROM rings WHERE run_id = ? ORDER BY ring_score DESC, ring_key LIMIT ?"

int fg_results_top_rings(fg_results_ring_row **out, size_t *n, sqlite3 *db, int64_t run_id, int limit)
{
	sqlite3_stmt *st = NULL;
	fg_results_ring_row *r = NULL;
	int rc, s;

	*out = NULL;
	*n = 0;
	r = fg_calloc(limit > 0 ? (size_t)limit : 1, sizeof(*r));
	if (!r)
		return fg_error_set(FG_ENOMEM, "out of memory reading rings");
	/* rings.rule_score arrived with schema 3 */
	rc = prepare_run(&st, db, table_has(db, "rings", "rule_score") ? RING_ROW_SQL("rule_score")
	                                                               : RING_ROW_SQL("NULL"),
	                 run_id);
	if (rc)
		goto cleanup;
	sqlite3_bind_int(st, 2, limit);
	while ((s = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)limit) {
		bool nomem = false;
		fg_results_ring_row *x = &r[(*n)++];
		x->ring_key = dup_col(st, 0, &nomem);
		x->status = dup_col(st, 1, &nomem);
		for (int c = 0; c < FG_RESULTS_RING_N_COUNTS; c++)
			x->counts[c] = sqlite3_column_int64(st, 2 + c);
		x->ring_score = sqlite3_column_double(st, 12);
		x->rule_score = dbl_col(st, 13);
		if (nomem) {
			rc = fg_error_set(FG_ENOMEM, "out of memory reading rings");
			goto cleanup;
		}
	}
	if (s != SQLITE_DONE && s != SQLITE_ROW)
		rc = db_error(db, "reading rings");
cleanup:
	sqlite3_finalize(st);
	if (rc) {
		fg_results_rings_free(r, *n);
		*n = 0;
	} else {
		*out = r;
	}
	return rc;
}

void fg_results_rings_free(fg_results_ring_row *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		fg_free(r[i].ring_key);
		fg_free(r[i].status);
	}
	fg_free(r);
}

/* One integer from a query with run ids bound as ?1 and ?2. */
static int count_query(int64_t *out, sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	*out = 0;
	if ((rc = prepare(&st, db, sql)))
		return rc;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = db_error(db, "counting");
	sqlite3_finalize(st);
	return rc;
}

int fg_results_changes_read(fg_results_changes *out, sqlite3 *db, int64_t run_id, int64_t prev_id)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = count_query(&out->seeds_in_rings, db,
	                 "SELECT count(*) FROM user_scores WHERE run_id = ?1 AND label = 'fraud'"
	                 " AND ring_id IS NOT NULL", run_id, 0);
	if (!rc)
		rc = count_query(&out->dissolved, db, "SELECT count(*) FROM dissolved_rings WHERE run_id = ?1",
		                 run_id, 0);
	if (!rc && prev_id)
		rc = count_query(&out->seeds_gained, db,
		                 "SELECT count(*) FROM user_scores a WHERE a.run_id = ?1 AND a.label = 'fraud'"
		                 " AND NOT EXISTS (SELECT 1 FROM user_scores b WHERE b.run_id = ?2"
		                 " AND b.user_id = a.user_id AND b.label = 'fraud')",
		                 run_id, prev_id);
	if (!rc && prev_id)
		rc = count_query(&out->seeds_lost, db,
		                 "SELECT count(*) FROM user_scores a WHERE a.run_id = ?2 AND a.label = 'fraud'"
		                 " AND NOT EXISTS (SELECT 1 FROM user_scores b WHERE b.run_id = ?1"
		                 " AND b.user_id = a.user_id AND b.label = 'fraud')",
		                 run_id, prev_id);
	return rc;
}

void fg_results_features_free(fg_results_features *f)
{
	for (size_t c = 0; c < f->n_cols; c++) {
		fg_free(f->name ? f->name[c] : NULL);
		fg_free(f->col ? f->col[c] : NULL);
	}
	fg_free(f->name);
	fg_free(f->col);
	memset(f, 0, sizeof(*f));
}

int fg_results_features_read(fg_results_features *out, sqlite3 *db, int64_t run_id, size_t stride)
{
	size_t seen = 0;

	sqlite3_stmt *st = NULL;
	fg_sbuf sql = { 0 };
	size_t cap = 0, ncap = 0;
	int rc, s;

	memset(out, 0, sizeof(*out));
	/* the columns, from the table's own schema (so names pasted below are its own) */
	rc = prepare(&st, db,
	             "SELECT name FROM pragma_table_info('user_features')"
	             " WHERE name NOT IN ('run_id', 'user_id') ORDER BY cid");
	if (rc)
		return rc;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		bool nomem = false;
		if (out->n_cols == ncap) {
			size_t c = ncap ? 2 * ncap : 32;
			char **p = fg_reallocarray(out->name, c, sizeof(char *));
			double **q = p ? fg_reallocarray(out->col, c, sizeof(double *)) : NULL;
			if (p)
				out->name = p;
			if (!q) {
				rc = fg_error_set(FG_ENOMEM, "out of memory reading user_features");
				goto cleanup;
			}
			out->col = q;
			ncap = c;
		}
		out->col[out->n_cols] = NULL;
		out->name[out->n_cols] = dup_col(st, 0, &nomem);
		if (!out->name[out->n_cols]) {
			rc = fg_error_set(FG_ENOMEM, "out of memory reading user_features");
			goto cleanup;
		}
		out->n_cols++;
	}
	if (s != SQLITE_DONE) {
		rc = db_error(db, "reading the columns of user_features");
		goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!out->n_cols)
		goto cleanup;
	fg_sbuf_puts(&sql, "SELECT ");
	for (size_t c = 0; c < out->n_cols; c++) {
		fg_sbuf_puts(&sql, c ? ", \"" : "\"");
		for (const char *p = out->name[c]; *p; p++)
			fg_sbuf_putn(&sql, p, *p == '"' ? 0 : 1); /* a quote cannot be in a column we created */
		fg_sbuf_puts(&sql, "\"");
	}
	fg_sbuf_puts(&sql, " FROM user_features WHERE run_id = ?");
	if ((rc = fg_sbuf_check(&sql)) || (rc = prepare(&st, db, sql.s)))
		goto cleanup;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (stride > 1 && seen++ % stride != 0)
			continue;
		if (out->n_rows == cap) {
			size_t c = cap ? 2 * cap : 1024;
			for (size_t k = 0; k < out->n_cols; k++) {
				double *p = fg_reallocarray(out->col[k], c, sizeof(double));
				if (!p) {
					rc = fg_error_set(FG_ENOMEM, "out of memory reading user_features");
					goto cleanup;
				}
				out->col[k] = p;
			}
			cap = c;
		}
		for (size_t k = 0; k < out->n_cols; k++)
			out->col[k][out->n_rows] = sqlite3_column_type(st, (int)k) == SQLITE_NULL
			                                   ? NAN
			                                   : sqlite3_column_double(st, (int)k);
		out->n_rows++;
	}
	if (s != SQLITE_DONE)
		rc = db_error(db, "reading user_features");
cleanup:
	sqlite3_finalize(st);
	fg_sbuf_free(&sql);
	return rc;
}

/* ---- the learned model of a run ------------------------------------------ */

static bool table_has(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return yes;
}

static double dbl_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static int64_t i64_col(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, col);
}

int fg_results_model_read(fg_results_model *out, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	bool nomem = false;
	int rc = FG_OK, s;

	memset(out, 0, sizeof(*out));
	out->auc = out->ap = out->p_at_k = out->neg_rate = NAN;
	out->n_folds = out->n_features = out->n_positives = out->n_negatives = out->k = -1;
	if (!table_has(db, "runs", "model_status"))
		return FG_OK; /* schema < 3: no model columns, no models table */
	if ((rc = prepare_run(&st, db, "SELECT model_status FROM runs WHERE run_id = ?1", run_id)))
		return rc;
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		out->status = dup_col(st, 0, &nomem);
	else if (s != SQLITE_DONE)
		rc = db_error(db, "reading runs.model_status");
	sqlite3_finalize(st);
	st = NULL;
	if (rc || nomem)
		goto cleanup;
	if ((rc = prepare_run(&st, db, "SELECT source, n_folds, n_features, n_positives, n_negatives, neg_rate,"
	                           " auc, ap, p_at_k, k FROM models WHERE run_id = ?1", run_id)))
		goto cleanup;
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		out->found = true;
		out->source = dup_col(st, 0, &nomem);
		out->n_folds = i64_col(st, 1);
		out->n_features = i64_col(st, 2);
		out->n_positives = i64_col(st, 3);
		out->n_negatives = i64_col(st, 4);
		out->neg_rate = dbl_col(st, 5);
		out->auc = dbl_col(st, 6);
		out->ap = dbl_col(st, 7);
		out->p_at_k = dbl_col(st, 8);
		out->k = i64_col(st, 9);
	} else if (s != SQLITE_DONE) {
		rc = db_error(db, "reading models");
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc || nomem || !out->found)
		goto cleanup;
	/* importance is a JSON object {feature: total gain}; the largest first, ties by name. */
	if ((rc = prepare_run(&st, db, "SELECT j.key, j.value FROM models m, json_each(m.importance) j"
	                           " WHERE m.run_id = ?1 AND json_valid(m.importance)"
	                           " AND j.type IN ('integer', 'real')"
	                           " ORDER BY j.value DESC, j.key LIMIT ?2", run_id)))
		goto cleanup;
	sqlite3_bind_int(st, 2, FG_RESULTS_MODEL_TOP);
	while ((s = sqlite3_step(st)) == SQLITE_ROW && out->n_top < FG_RESULTS_MODEL_TOP) {
		out->top_feature[out->n_top] = dup_col(st, 0, &nomem);
		out->top_gain[out->n_top++] = dbl_col(st, 1);
	}
	if (s != SQLITE_DONE && s != SQLITE_ROW)
		rc = db_error(db, "reading models.importance");
cleanup:
	sqlite3_finalize(st);
	if (!rc && nomem)
		rc = fg_error_set(FG_ENOMEM, "out of memory reading the model of run %lld", (long long)run_id);
	if (rc)
		fg_results_model_free(out);
	return rc;
}

void fg_results_model_free(fg_results_model *m)
{
	fg_free(m->status);
	fg_free(m->source);
	for (size_t i = 0; i < m->n_top; i++)
		fg_free(m->top_feature[i]);
	memset(m, 0, sizeof(*m));
}
