/*
 * fraudgraph report: one run at a glance (counts, phase times, bad rows,
 * hubs, seeds, rings by size and score, the top rings) and its drift against
 * the previous committed run, read from the results database only.
 *
 * Drift: population stability index (docs/operations.md, "report and
 * drift") of three distributions: user scores (10 fixed-width bins on
 * [0, 1]), ring sizes (buckets 2, 3-5, 6-10, 11-20, >20) and hubs per kind
 * (one bin per kind present in either run).  With e_i and a_i the previous
 * and current shares of bin i (counts over totals),
 *     PSI = sum_i (a_i' - e_i') * ln(a_i' / e_i'),
 *     p_i' = (p_i + eps) / (1 + B * eps),  eps = 1e-4,  B = number of bins,
 * so an empty bin on one side costs a large but finite amount.  A
 * distribution empty in either run has no PSI (null, never an alert).
 * --fail-on-drift X exits 5 after printing when any PSI > X.
 *
 * Queries scan one or two runs' rows of user_scores, rings and hubs (a batch
 * report, not an interactive lookup); seeds gained/lost use the
 * (run_id, user_id) primary key per seed.
 */
#include "fg_cli.h"
#include "tool_util.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PSI_EPS 1e-4
#define N_SCORE_BINS 10
#define N_SIZE_BUCKETS 5
#define N_SCORE_BUCKETS 5
#define MAX_KINDS 64

static const char *const size_bucket_names[N_SIZE_BUCKETS] = { "2", "3-5", "6-10", "11-20", ">20" };
static const char *const score_bucket_names[N_SCORE_BUCKETS] = {
	"0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0",
};
static const char *const statuses[] = { "new", "stable", "grown", "shrunk", "merged", "split" };
#define N_STATUS 6

typedef struct dist {
	double score_bins[N_SCORE_BINS];
	double size_buckets[N_SIZE_BUCKETS];
	double score_buckets[N_SCORE_BUCKETS];
	double status[N_STATUS + 1]; /* + other */
	int64_t n_rings;
} dist;

typedef struct kinds {
	char *name[MAX_KINDS];
	double cur[MAX_KINDS], prev[MAX_KINDS];
	int n;
} kinds;

static int size_bucket(int64_t n)
{
	if (n <= 2)
		return 0;
	if (n <= 5)
		return 1;
	if (n <= 10)
		return 2;
	if (n <= 20)
		return 3;
	return 4;
}

static int score_bucket(double s)
{
	int b = (int)floor(s * 5);

	return b < 0 ? 0 : b >= N_SCORE_BUCKETS ? N_SCORE_BUCKETS - 1 : b;
}

/*
 * The PSI of two histograms with nbins bins (counts, not shares); *defined
 * false (and 0 returned) when either histogram is empty.
 */
static double psi_of(const double *cur, const double *prev, int nbins, bool *defined)
{
	double tc = 0, tp = 0, psi = 0;

	for (int i = 0; i < nbins; i++) {
		tc += cur[i];
		tp += prev[i];
	}
	*defined = tc > 0 && tp > 0;
	if (!*defined)
		return 0;
	for (int i = 0; i < nbins; i++) {
		double a = (cur[i] / tc + PSI_EPS) / (1 + nbins * PSI_EPS);
		double e = (prev[i] / tp + PSI_EPS) / (1 + nbins * PSI_EPS);
		psi += (a - e) * log(a / e);
	}
	return psi;
}

static const char *psi_reading(double psi)
{
	if (psi < 0.1)
		return "stable";
	if (psi <= 0.25)
		return "moderate";
	return "significant";
}

static int read_dist(dist *d, sqlite3 *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	memset(d, 0, sizeof(*d));
	rc = fg_tool_prepare(&st, db,
	                     "SELECT CAST(score * 10 AS INTEGER), count(*) FROM user_scores"
	                     " WHERE run_id = ? AND score IS NOT NULL GROUP BY 1");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(st, 0);
		b = b < 0 ? 0 : b >= N_SCORE_BINS ? N_SCORE_BINS - 1 : b;
		d->score_bins[b] += (double)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return fg_tool_db_error(db, "reading user_scores");
	rc = fg_tool_prepare(&st, db, "SELECT n_users, ring_score, status FROM rings WHERE run_id = ?");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = fg_tool_text(st, 2);
		int k;
		d->size_buckets[size_bucket(sqlite3_column_int64(st, 0))]++;
		d->score_buckets[score_bucket(sqlite3_column_double(st, 1))]++;
		for (k = 0; k < N_STATUS && strcmp(status, statuses[k]); k++)
			;
		d->status[k]++;
		d->n_rings++;
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return fg_tool_db_error(db, "reading rings");
	return FG_OK;
}

static int read_hub_kinds(kinds *k, sqlite3 *db, int64_t run_id, bool prev)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	rc = fg_tool_prepare(&st, db,
	                     "SELECT kind, count(*) FROM hubs WHERE run_id = ? GROUP BY kind ORDER BY kind");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = fg_tool_text(st, 0);
		int i;
		for (i = 0; i < k->n && strcmp(k->name[i], name); i++)
			;
		if (i == k->n) {
			if (k->n == MAX_KINDS)
				i = MAX_KINDS - 1; /* pool the rest into the last bin */
			else {
				k->name[i] = fg_strndup(name, strlen(name));
				if (!k->name[i]) {
					sqlite3_finalize(st);
					return fg_error_set(FG_ENOMEM, "out of memory (report)");
				}
				k->n++;
			}
		}
		(prev ? k->prev : k->cur)[i] += (double)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return fg_tool_db_error(db, "reading hubs");
	return FG_OK;
}

/* One integer from a query with run ids bound as ?1 and ?2. */
static int count_query(int64_t *out, sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	*out = 0;
	rc = fg_tool_prepare(&st, db, sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = fg_tool_db_error(db, "counting");
	sqlite3_finalize(st);
	return rc;
}

static const char *const int_cols[] = {
	"n_rows", "n_filtered", "n_bad_rows", "n_users", "n_entities", "n_links", "n_user_links",
	"n_hubs", "n_seeds", "n_legit", "n_components", "n_rings", "lpa_iterations",
	"risk_iterations", "threads", "peak_rss",
};
#define N_INT_COLS 16
static const char *const time_cols[] = {
	"t_ingest", "t_build", "t_components", "t_rings", "t_risk", "t_evidence", "t_scoring",
	"t_write", "t_total",
};
#define N_TIME_COLS 9

typedef struct report {
	int64_t run_id, prev_id;
	char *started, *finished, *version, *params, *bad_rows, *prev_started;
	int64_t ints[N_INT_COLS];
	bool int_null[N_INT_COLS];
	double times[N_TIME_COLS];
	double bytes_per_link;
	dist cur, prev;
	kinds hk;
	int64_t seeds_in_rings, seeds_gained, seeds_lost, dissolved;
	double psi[3];
	bool psi_ok[3];
} report;

static const char *const psi_names[3] = { "user_score", "ring_size", "hubs_per_kind" };

static int read_run(report *r, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	fg_sbuf sql = { 0 };
	bool nomem = false;
	int rc, s;

	fg_sbuf_puts(&sql, "SELECT started_at, finished_at, version,"
	                   " CASE WHEN json_valid(params) THEN json(params) END,"
	                   " CASE WHEN json_valid(bad_rows) THEN json(bad_rows) END, bytes_per_link");
	for (int i = 0; i < N_INT_COLS; i++)
		fg_sbuf_printf(&sql, ", %s", int_cols[i]);
	for (int i = 0; i < N_TIME_COLS; i++)
		fg_sbuf_printf(&sql, ", %s", time_cols[i]);
	fg_sbuf_puts(&sql, " FROM runs WHERE run_id = ?");
	rc = fg_sbuf_check(&sql);
	if (!rc)
		rc = fg_tool_prepare(&st, db, sql.s);
	fg_sbuf_free(&sql);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, r->run_id);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fg_tool_db_error(db, "reading runs");
	}
	r->started = fg_tool_dup(st, 0, &nomem);
	r->finished = fg_tool_dup(st, 1, &nomem);
	r->version = fg_tool_dup(st, 2, &nomem);
	r->params = fg_tool_dup(st, 3, &nomem);
	r->bad_rows = fg_tool_dup(st, 4, &nomem);
	r->bytes_per_link = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
	for (int i = 0; i < N_INT_COLS; i++) {
		r->int_null[i] = sqlite3_column_type(st, 6 + i) == SQLITE_NULL;
		r->ints[i] = sqlite3_column_int64(st, 6 + i);
	}
	for (int i = 0; i < N_TIME_COLS; i++)
		r->times[i] = sqlite3_column_type(st, 6 + N_INT_COLS + i) == SQLITE_NULL
		                      ? NAN
		                      : sqlite3_column_double(st, 6 + N_INT_COLS + i);
	sqlite3_finalize(st);
	if (nomem)
		return fg_error_set(FG_ENOMEM, "out of memory (report)");
	return FG_OK;
}

/* Append the rows of a (label, count) query as text or JSON object members. */
static int emit_pairs(fg_sbuf *o, sqlite3 *db, const char *sql, const char *bind_text, int64_t bind_int,
                      bool json, int indent)
{
	sqlite3_stmt *st = NULL;
	int rc, s, k = 0;

	rc = fg_tool_prepare(&st, db, sql);
	if (rc)
		return rc;
	if (bind_text)
		sqlite3_bind_text(st, 1, bind_text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, bind_int);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (json) {
			fg_sbuf_puts(o, k ? "," : "");
			fg_sbuf_json_str(o, fg_tool_text(st, 0));
			fg_sbuf_puts(o, ":");
			if (sqlite3_column_type(st, 1) == SQLITE_INTEGER)
				fg_sbuf_printf(o, "%lld", (long long)sqlite3_column_int64(st, 1));
			else
				fg_sbuf_json_str(o, fg_tool_text(st, 1));
		} else {
			fg_sbuf_printf(o, "%*s%-24s %s\n", indent, "", fg_tool_text(st, 0), fg_tool_text(st, 1));
		}
		k++;
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return fg_tool_db_error(db, "reading");
	if (!json && k == 0)
		fg_sbuf_printf(o, "%*snone\n", indent, "");
	return FG_OK;
}

static void fmt_num(char *buf, size_t cap, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, fmt, v);
}

static int emit_hubs(fg_sbuf *o, sqlite3 *db, int64_t run_id, bool json)
{
	sqlite3_stmt *st = NULL;
	fg_table *t = NULL;
	static const char *const hdr[] = { "kind", "value", "share", "max_share" };
	int rc, s, k = 0;

	rc = fg_tool_prepare(&st, db,
	                     "SELECT kind, value, share, max_share FROM hubs WHERE run_id = ?"
	                     " ORDER BY share DESC, kind, value LIMIT 10");
	if (rc)
		return rc;
	if (!json) {
		rc = fg_table_new(&t, 4, hdr, "llrr", 40);
		if (rc)
			goto cleanup;
	}
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (json) {
			fg_sbuf_puts(o, k++ ? ",{\"kind\":" : "{\"kind\":");
			fg_sbuf_json_str(o, fg_tool_text(st, 0));
			fg_sbuf_puts(o, ",\"value\":");
			fg_sbuf_json_str(o, fg_tool_text(st, 1));
			fg_sbuf_printf(o, ",\"share\":%lld,\"max_share\":", (long long)sqlite3_column_int64(st, 2));
			if (sqlite3_column_type(st, 3) == SQLITE_NULL)
				fg_sbuf_puts(o, "null}");
			else
				fg_sbuf_printf(o, "%lld}", (long long)sqlite3_column_int64(st, 3));
		} else {
			fg_table_cell(t, "%s", fg_tool_text(st, 0));
			fg_table_cell(t, "%s", fg_tool_text(st, 1));
			fg_table_cell(t, "%lld", (long long)sqlite3_column_int64(st, 2));
			fg_table_cell(t, "%s", fg_tool_text(st, 3));
		}
	}
	if (s != SQLITE_DONE) {
		rc = fg_tool_db_error(db, "reading hubs");
		goto cleanup;
	}
	if (!json) {
		rc = fg_table_check(t);
		if (rc)
			goto cleanup;
		if (fg_table_rows(t))
			fg_table_print(o, t, 2);
		else
			fg_sbuf_puts(o, "  none\n");
	}
cleanup:
	fg_table_free(&t);
	sqlite3_finalize(st);
	return rc;
}

static int emit_top_rings(fg_sbuf *o, sqlite3 *db, int64_t run_id, bool json)
{
	static const char *const hdr[] = { "ring", "status", "users", "seeds", "cards", "devices",
	                                   "addr", "phones", "emails", "ips", "other", "links", "score" };
	static const char *const jnames[] = { "n_users", "n_seeds", "n_cards", "n_devices",
	                                      "n_addresses", "n_phones", "n_emails", "n_ips",
	                                      "n_other_entities", "n_user_links" };
	sqlite3_stmt *st = NULL;
	fg_table *t = NULL;
	int rc, s, k = 0;

	rc = fg_tool_prepare(&st, db,
	                     "SELECT ring_key, status, n_users, n_seeds, n_cards, n_devices, n_addresses,"
	                     " n_phones, n_emails, n_ips, n_other_entities, n_user_links, ring_score"
	                     " FROM rings WHERE run_id = ? ORDER BY ring_score DESC, ring_key LIMIT 10");
	if (rc)
		return rc;
	if (!json) {
		rc = fg_table_new(&t, 13, hdr, "llrrrrrrrrrrr", 12);
		if (rc)
			goto cleanup;
	}
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (json) {
			fg_sbuf_puts(o, k++ ? ",\n  {\"ring_key\":" : "\n  {\"ring_key\":");
			fg_sbuf_json_str(o, fg_tool_text(st, 0));
			fg_sbuf_puts(o, ",\"status\":");
			fg_sbuf_json_str(o, fg_tool_text(st, 1));
			for (int c = 0; c < 10; c++)
				fg_sbuf_printf(o, ",\"%s\":%lld", jnames[c], (long long)sqlite3_column_int64(st, 2 + c));
			fg_sbuf_puts(o, ",\"ring_score\":");
			fg_sbuf_json_num(o, sqlite3_column_double(st, 12));
			fg_sbuf_puts(o, "}");
		} else {
			fg_table_cell(t, "%s", fg_tool_text(st, 0));
			fg_table_cell(t, "%s", fg_tool_text(st, 1));
			for (int c = 2; c < 12; c++)
				fg_table_cell(t, "%lld", (long long)sqlite3_column_int64(st, c));
			fg_table_cell(t, "%.3f", sqlite3_column_double(st, 12));
		}
	}
	if (s != SQLITE_DONE) {
		rc = fg_tool_db_error(db, "reading rings");
		goto cleanup;
	}
	if (!json) {
		rc = fg_table_check(t);
		if (rc)
			goto cleanup;
		if (fg_table_rows(t))
			fg_table_print(o, t, 2);
		else
			fg_sbuf_puts(o, "  none\n");
	}
cleanup:
	fg_table_free(&t);
	sqlite3_finalize(st);
	return rc;
}

static void json_hist(fg_sbuf *o, const char *const *names, const double *v, int n)
{
	fg_sbuf_puts(o, "{");
	for (int i = 0; i < n; i++) {
		fg_sbuf_puts(o, i ? "," : "");
		fg_sbuf_json_str(o, names[i]);
		fg_sbuf_printf(o, ":%.0f", v[i]);
	}
	fg_sbuf_puts(o, "}");
}

static int emit_json(fg_sbuf *o, sqlite3 *db, const report *r, double threshold, bool have_threshold,
                     bool drifted)
{
	int rc;

	fg_sbuf_printf(o, "{\"format\":\"fraudgraph.report/1\",\"run_id\":%lld,\"started_at\":",
	               (long long)r->run_id);
	fg_sbuf_json_str(o, r->started);
	fg_sbuf_puts(o, ",\"finished_at\":");
	fg_sbuf_json_str(o, r->finished);
	fg_sbuf_puts(o, ",\"version\":");
	fg_sbuf_json_str(o, r->version);
	fg_sbuf_printf(o, ",\"params\":%s,\n\"counts\":{", r->params ? r->params : "null");
	for (int i = 0; i < N_INT_COLS; i++) {
		fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", int_cols[i]);
		if (r->int_null[i])
			fg_sbuf_puts(o, "null");
		else
			fg_sbuf_printf(o, "%lld", (long long)r->ints[i]);
	}
	fg_sbuf_puts(o, ",\"bytes_per_link\":");
	fg_sbuf_json_num(o, r->bytes_per_link);
	fg_sbuf_printf(o, ",\"seeds_in_rings\":%lld},\n\"times\":{", (long long)r->seeds_in_rings);
	for (int i = 0; i < N_TIME_COLS; i++) {
		fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", time_cols[i] + 2);
		fg_sbuf_json_num(o, r->times[i]);
	}
	fg_sbuf_printf(o, "},\n\"bad_rows\":%s,\n\"hubs_by_kind\":{", r->bad_rows ? r->bad_rows : "null");
	for (int i = 0, k = 0; i < r->hk.n; i++) {
		if (r->hk.cur[i] == 0)
			continue;
		fg_sbuf_puts(o, k++ ? "," : "");
		fg_sbuf_json_str(o, r->hk.name[i]);
		fg_sbuf_printf(o, ":%.0f", r->hk.cur[i]);
	}
	fg_sbuf_puts(o, "},\n\"top_hubs\":[");
	rc = emit_hubs(o, db, r->run_id, true);
	if (rc)
		return rc;
	fg_sbuf_puts(o, "],\n\"rings_by_size\":");
	json_hist(o, size_bucket_names, r->cur.size_buckets, N_SIZE_BUCKETS);
	fg_sbuf_puts(o, ",\n\"rings_by_score\":");
	json_hist(o, score_bucket_names, r->cur.score_buckets, N_SCORE_BUCKETS);
	fg_sbuf_puts(o, ",\n\"rings_by_status\":{");
	for (int i = 0; i < N_STATUS; i++)
		fg_sbuf_printf(o, "%s\"%s\":%.0f", i ? "," : "", statuses[i], r->cur.status[i]);
	fg_sbuf_printf(o, ",\"other\":%.0f,\"dissolved\":%lld},\n\"top_rings\":[", r->cur.status[N_STATUS],
	               (long long)r->dissolved);
	rc = emit_top_rings(o, db, r->run_id, true);
	if (rc)
		return rc;
	fg_sbuf_puts(o, "],\n\"drift\":");
	if (!r->prev_id) {
		fg_sbuf_puts(o, "null");
	} else {
		fg_sbuf_printf(o, "{\"previous_run_id\":%lld,\"previous_started_at\":", (long long)r->prev_id);
		fg_sbuf_json_str(o, r->prev_started);
		fg_sbuf_puts(o, ",\"psi\":{");
		for (int i = 0; i < 3; i++) {
			fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", psi_names[i]);
			fg_sbuf_json_num(o, r->psi_ok[i] ? r->psi[i] : NAN);
		}
		fg_sbuf_puts(o, "},\"previous_user_score_bins\":[");
		for (int i = 0; i < N_SCORE_BINS; i++)
			fg_sbuf_printf(o, "%s%.0f", i ? "," : "", r->prev.score_bins[i]);
		fg_sbuf_puts(o, "],\"user_score_bins\":[");
		for (int i = 0; i < N_SCORE_BINS; i++)
			fg_sbuf_printf(o, "%s%.0f", i ? "," : "", r->cur.score_bins[i]);
		fg_sbuf_puts(o, "],\"previous_rings_by_size\":");
		json_hist(o, size_bucket_names, r->prev.size_buckets, N_SIZE_BUCKETS);
		fg_sbuf_printf(o, ",\"rings\":{\"new\":%.0f,\"grown\":%.0f,\"shrunk\":%.0f,\"merged\":%.0f,"
		                  "\"split\":%.0f,\"dissolved\":%lld,\"previous\":%lld,\"current\":%lld}",
		               r->cur.status[0], r->cur.status[2], r->cur.status[3], r->cur.status[4],
		               r->cur.status[5], (long long)r->dissolved, (long long)r->prev.n_rings,
		               (long long)r->cur.n_rings);
		fg_sbuf_printf(o, ",\"seeds\":{\"gained\":%lld,\"lost\":%lld}}", (long long)r->seeds_gained,
		               (long long)r->seeds_lost);
	}
	fg_sbuf_puts(o, ",\n\"fail_on_drift\":");
	if (have_threshold)
		fg_sbuf_json_num(o, threshold);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_printf(o, ",\"drift_alert\":%s}\n", drifted ? "true" : "false");
	return FG_OK;
}

static int emit_text(fg_sbuf *o, sqlite3 *db, const report *r, double threshold, bool have_threshold,
                     bool drifted)
{
	char b[9][32];
	fg_table *t = NULL;
	int rc = FG_OK;

	fg_sbuf_printf(o, "Run %lld, started %s, finished %s, version %s, %lld threads\n",
	               (long long)r->run_id, r->started ? r->started : "-", r->finished ? r->finished : "-",
	               r->version ? r->version : "-", (long long)r->ints[14]);
	if (r->params) {
		fg_sbuf_puts(o, "  params ");
		fg_sbuf_clip(o, r->params, 90);
		fg_sbuf_puts(o, "\n");
	}
	fg_sbuf_puts(o, "\nCounts\n");
	fg_sbuf_printf(o, "  rows %lld (filtered %lld, bad %lld)\n", (long long)r->ints[0],
	               (long long)r->ints[1], (long long)r->ints[2]);
	fg_sbuf_printf(o, "  users %lld  entities %lld  links %lld  user links %lld\n",
	               (long long)r->ints[3], (long long)r->ints[4], (long long)r->ints[5],
	               (long long)r->ints[6]);
	fg_sbuf_printf(o, "  hubs %lld  seeds %lld (in rings %lld)  legit %lld  components %lld  rings %lld\n",
	               (long long)r->ints[7], (long long)r->ints[8], (long long)r->seeds_in_rings,
	               (long long)r->ints[9], (long long)r->ints[10], (long long)r->ints[11]);
	fg_sbuf_printf(o, "  iterations: rings %lld, risk %lld\n", (long long)r->ints[12],
	               (long long)r->ints[13]);
	fg_sbuf_puts(o, "\nPhases (seconds)\n  ");
	for (int i = 0; i < N_TIME_COLS; i++) {
		fmt_num(b[0], sizeof(b[0]), r->times[i], "%.3f");
		fg_sbuf_printf(o, "%s%s %s", i ? (i == 5 ? "\n  " : "  ") : "", time_cols[i] + 2, b[0]);
	}
	fmt_num(b[0], sizeof(b[0]), r->int_null[15] ? NAN : (double)r->ints[15] / (1024.0 * 1024.0), "%.1f");
	fmt_num(b[1], sizeof(b[1]), r->bytes_per_link, "%.1f");
	fg_sbuf_printf(o, "\n  peak RSS %s MiB  bytes per link %s\n", b[0], b[1]);

	fg_sbuf_puts(o, "\nBad rows\n");
	if (!r->bad_rows)
		fg_sbuf_puts(o, "  none recorded\n");
	else if ((rc = emit_pairs(o, db, "SELECT key, value FROM json_each(?)", r->bad_rows, 0, false, 2)))
		goto cleanup;

	fg_sbuf_puts(o, "\nHubs per kind\n");
	for (int i = 0, k = 0; i < r->hk.n; i++) {
		if (r->hk.cur[i] == 0)
			continue;
		fg_sbuf_printf(o, "%s%s %.0f", k++ ? "  " : "  ", r->hk.name[i], r->hk.cur[i]);
	}
	fg_sbuf_puts(o, r->hk.n ? "\n" : "  none\n");
	fg_sbuf_puts(o, "\nTop hubs by share\n");
	if ((rc = emit_hubs(o, db, r->run_id, false)))
		goto cleanup;

	fg_sbuf_puts(o, "\nRings by size\n  ");
	for (int i = 0; i < N_SIZE_BUCKETS; i++)
		fg_sbuf_printf(o, "%s%s: %.0f", i ? "  " : "", size_bucket_names[i], r->cur.size_buckets[i]);
	fg_sbuf_puts(o, "\nRings by score\n  ");
	for (int i = 0; i < N_SCORE_BUCKETS; i++)
		fg_sbuf_printf(o, "%s%s: %.0f", i ? "  " : "", score_bucket_names[i], r->cur.score_buckets[i]);
	fg_sbuf_puts(o, "\nRings by status\n  ");
	for (int i = 0; i < N_STATUS; i++)
		fg_sbuf_printf(o, "%s%s: %.0f", i ? "  " : "", statuses[i], r->cur.status[i]);
	fg_sbuf_printf(o, "  dissolved: %lld\n", (long long)r->dissolved);

	fg_sbuf_puts(o, "\nTop rings by score\n");
	if ((rc = emit_top_rings(o, db, r->run_id, false)))
		goto cleanup;

	if (!r->prev_id) {
		fg_sbuf_puts(o, "\nDrift\n  no previous committed run: nothing to compare with\n");
	} else {
		static const char *const hdr[] = { "distribution", "PSI", "reading" };
		static const char *const label[3] = { "user score", "ring size", "hubs per kind" };
		fg_sbuf_printf(o, "\nDrift against run %lld (%s)\n", (long long)r->prev_id,
		               r->prev_started ? r->prev_started : "-");
		rc = fg_table_new(&t, 3, hdr, "lrl", 0);
		if (rc)
			goto cleanup;
		for (int i = 0; i < 3; i++) {
			fg_table_cell(t, "%s", label[i]);
			if (r->psi_ok[i]) {
				fg_table_cell(t, "%.4f", r->psi[i]);
				fg_table_cell(t, "%s", psi_reading(r->psi[i]));
			} else {
				fg_table_cell(t, "-");
				fg_table_cell(t, "empty in one run");
			}
		}
		if ((rc = fg_table_check(t)))
			goto cleanup;
		fg_table_print(o, t, 2);
		fg_sbuf_printf(o, "  rings: %lld before, %lld now; new %.0f, grown %.0f, shrunk %.0f,"
		                  " merged %.0f, split %.0f, dissolved %lld\n",
		               (long long)r->prev.n_rings, (long long)r->cur.n_rings, r->cur.status[0],
		               r->cur.status[2], r->cur.status[3], r->cur.status[4], r->cur.status[5],
		               (long long)r->dissolved);
		fg_sbuf_printf(o, "  seeds: gained %lld, lost %lld\n", (long long)r->seeds_gained,
		               (long long)r->seeds_lost);
	}
	if (have_threshold)
		fg_sbuf_printf(o, "  --fail-on-drift %g: %s\n", threshold,
		               drifted ? "DRIFT (a PSI is above the threshold)" : "no PSI above the threshold");
cleanup:
	fg_table_free(&t);
	return rc;
}

static void help(void)
{
	printf("usage: fraudgraph report --db RESULTS.db [--run ID] [--json] [--fail-on-drift PSI]\n\n"
	       "A run at a glance (counts, phase times, bad rows, hubs, seeds, rings by size and\n"
	       "score, the top rings) and drift against the previous committed run: population\n"
	       "stability index of user scores, ring sizes and hubs per kind; rings new, grown,\n"
	       "shrunk, merged, split, dissolved; seeds gained and lost (docs/operations.md).\n\n"
	       "Options:\n"
	       "  --db PATH            results database (required)\n"
	       "  --run ID             run to report (default: the latest committed run)\n"
	       "  --json               one JSON object instead of text (docs/operations.md)\n"
	       "  --fail-on-drift X    exit 5 after printing when any PSI is above X\n"
	       "  --help               this text\n\n%s",
	       fg_cli_exit_codes);
}

int fg_cmd_report(int argc, char **argv)
{
	const char *db_path = NULL, *run_arg = NULL, *fail_arg = NULL;
	bool json = false, have_threshold = false, drifted = false;
	double threshold = 0;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	fg_sbuf out = { 0 };
	report r;
	int rc = FG_OK;

	memset(&r, 0, sizeof(r));
	for (int i = 1; i < argc; i++) {
		int m;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return FG_EXIT_OK;
		}
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if ((m = fg_tool_opt(&db_path, argc, argv, &i, "--db")) ||
		    (m = fg_tool_opt(&run_arg, argc, argv, &i, "--run")) ||
		    (m = fg_tool_opt(&fail_arg, argc, argv, &i, "--fail-on-drift"))) {
			if (m < 0)
				return fg_cli_fail(m);
			continue;
		}
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "report: unexpected argument '%s' (see --help)",
		                                argv[i]));
	}
	if (!db_path)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "report: --db RESULTS.db is required (see --help)"));
	if (fail_arg) {
		rc = fg_tool_parse_double(&threshold, fail_arg, "--fail-on-drift");
		if (rc)
			return fg_cli_fail(rc);
		if (threshold < 0)
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "--fail-on-drift: %s is negative", fail_arg));
		have_threshold = true;
	}

	rc = fg_tool_db_open(&db, db_path);
	if (!rc)
		rc = fg_tool_run_resolve(&r.run_id, db, run_arg, db_path);
	if (!rc)
		rc = fg_tool_run_previous(&r.prev_id, db, r.run_id);
	if (!rc)
		rc = read_run(&r, db);
	if (!rc)
		rc = read_dist(&r.cur, db, r.run_id);
	if (!rc)
		rc = read_hub_kinds(&r.hk, db, r.run_id, false);
	if (!rc)
		rc = count_query(&r.seeds_in_rings, db,
		                 "SELECT count(*) FROM user_scores WHERE run_id = ?1 AND label = 'fraud'"
		                 " AND ring_id IS NOT NULL", r.run_id, 0);
	if (!rc)
		rc = count_query(&r.dissolved, db, "SELECT count(*) FROM dissolved_rings WHERE run_id = ?1",
		                 r.run_id, 0);
	if (!rc && r.prev_id) {
		rc = read_dist(&r.prev, db, r.prev_id);
		if (!rc)
			rc = read_hub_kinds(&r.hk, db, r.prev_id, true);
		if (!rc)
			rc = count_query(&r.seeds_gained, db,
			                 "SELECT count(*) FROM user_scores a WHERE a.run_id = ?1 AND a.label = 'fraud'"
			                 " AND NOT EXISTS (SELECT 1 FROM user_scores b WHERE b.run_id = ?2"
			                 " AND b.user_id = a.user_id AND b.label = 'fraud')",
			                 r.run_id, r.prev_id);
		if (!rc)
			rc = count_query(&r.seeds_lost, db,
			                 "SELECT count(*) FROM user_scores a WHERE a.run_id = ?2 AND a.label = 'fraud'"
			                 " AND NOT EXISTS (SELECT 1 FROM user_scores b WHERE b.run_id = ?1"
			                 " AND b.user_id = a.user_id AND b.label = 'fraud')",
			                 r.run_id, r.prev_id);
		if (!rc && !(rc = fg_tool_prepare(&st, db, "SELECT started_at FROM runs WHERE run_id = ?"))) {
			bool nomem = false;
			sqlite3_bind_int64(st, 1, r.prev_id);
			if (sqlite3_step(st) == SQLITE_ROW)
				r.prev_started = fg_tool_dup(st, 0, &nomem);
			if (nomem)
				rc = fg_error_set(FG_ENOMEM, "out of memory (report)");
		}
		if (!rc) {
			r.psi[0] = psi_of(r.cur.score_bins, r.prev.score_bins, N_SCORE_BINS, &r.psi_ok[0]);
			r.psi[1] = psi_of(r.cur.size_buckets, r.prev.size_buckets, N_SIZE_BUCKETS,
			                         &r.psi_ok[1]);
			r.psi[2] = psi_of(r.hk.cur, r.hk.prev, r.hk.n, &r.psi_ok[2]);
			for (int i = 0; i < 3 && have_threshold; i++)
				if (r.psi_ok[i] && r.psi[i] > threshold)
					drifted = true;
		}
	}
	if (rc)
		goto cleanup;
	rc = json ? emit_json(&out, db, &r, threshold, have_threshold, drifted)
	          : emit_text(&out, db, &r, threshold, have_threshold, drifted);
	if (!rc)
		rc = fg_sbuf_check(&out);
	if (!rc)
		rc = fg_sbuf_write(&out, stdout);
cleanup:
	sqlite3_finalize(st);
	fg_sbuf_free(&out);
	fg_free(r.started);
	fg_free(r.finished);
	fg_free(r.version);
	fg_free(r.params);
	fg_free(r.bad_rows);
	fg_free(r.prev_started);
	for (int i = 0; i < r.hk.n; i++)
		fg_free(r.hk.name[i]);
	sqlite3_close(db);
	if (rc)
		return fg_cli_fail(rc);
	if (drifted) {
		fprintf(stderr, "fraudgraph: drift above --fail-on-drift %g\n", threshold);
		return FG_EXIT_DRIFT;
	}
	return FG_EXIT_OK;
}
