/*
 * fraudgraph evaluate: detection quality of one run against a truth file.
 *
 * Truth: a CSV (read with libcsv) with a header naming user_id and at least
 * one of ring_id, label, role (names case-insensitive, other columns
 * ignored).  Positive users (docs/operations.md, "evaluate"):
 *   - role column present: role in {ring, collusion} (case-insensitive);
 *   - else label column present: label == fraud;
 *   - else: ring_id non-empty.
 * A user on several rows is positive if any row is.  True rings: the
 * positive users grouped by non-empty ring_id.
 *
 * Metrics over every user of the run (user_scores.score; users absent from
 * the truth are negatives, truth users absent from the run are counted and
 * left out of the ranking):
 *   - ranking: score descending, ties by user_id (byte order), so every
 *     metric is deterministic;
 *   - precision and recall at k (--k, default 100) and at k = P (number of
 *     positives in the run); k larger than the run is capped at its size;
 *   - average precision: mean over positives of precision at their rank;
 *   - ROC AUC: Mann-Whitney with average ranks for tied scores;
 *   - ring recovery: for each true ring, the found ring (user_scores.ring_id)
 *     with the largest Jaccard of members; mean best Jaccard and share of
 *     true rings with Jaccard > 0.5;
 *   - unlabelled positives: mean score percentile (100 * average rank / n)
 *     of positives not labelled fraud in the run: with params.holdout > 0
 *     these are the held-out seeds.
 * Complexity: O(n log n) in the users of the run; one scan of its
 * user_scores rows.
 */
#include "fg_cli.h"
#include "tool_util.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct truth_row {
	char *user_id;
	char *ring_id; /* NULL if empty */
	bool positive;
} truth_row;

typedef struct truth {
	truth_row *rows;
	size_t n, cap;
	/* parser state */
	int col, line;
	int c_user, c_ring, c_label, c_role;
	bool header_done;
	char *f_user, *f_ring, *f_label, *f_role;
	int rc;
	const char *path;
} truth;

typedef struct urow {
	char *user_id;
	double score;
	bool seed;
	bool holdout;    /* a seed held out of the kernels (run --holdout) */
	bool has_ring;
	int64_t ring_id;
	int positive;   /* 1 / 0 */
	const char *true_ring;
	double avg_rank; /* ascending by score, 1-based, ties averaged */
} urow;

static void trim(char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static void field_cb(void *s, size_t len, void *data)
{
	truth *t = data;
	char *f = s ? s : "";
	char **slot = NULL;

	if (t->rc)
		return;
	trim(&f, &len);
	if (!t->header_done) {
		if (len == 7 && !strncasecmp(f, "user_id", 7))
			t->c_user = t->col;
		else if (len == 7 && !strncasecmp(f, "ring_id", 7))
			t->c_ring = t->col;
		else if (len == 5 && !strncasecmp(f, "label", 5))
			t->c_label = t->col;
		else if (len == 4 && !strncasecmp(f, "role", 4))
			t->c_role = t->col;
		t->col++;
		return;
	}
	if (t->col == t->c_user)
		slot = &t->f_user;
	else if (t->col == t->c_ring)
		slot = &t->f_ring;
	else if (t->col == t->c_label)
		slot = &t->f_label;
	else if (t->col == t->c_role)
		slot = &t->f_role;
	t->col++;
	if (!slot)
		return;
	fg_free(*slot);
	*slot = fg_strndup(f, len);
	if (!*slot)
		t->rc = fg_error_set(FG_ENOMEM, "out of memory reading the truth file");
}

static void clear_fields(truth *t)
{
	fg_free(t->f_user);
	fg_free(t->f_ring);
	fg_free(t->f_label);
	fg_free(t->f_role);
	t->f_user = t->f_ring = t->f_label = t->f_role = NULL;
}

static void row_cb(int c, void *data)
{
	truth *t = data;
	char q[128];

	(void)c;
	t->line++;
	t->col = 0;
	if (t->rc)
		return;
	if (!t->header_done) {
		t->header_done = true;
		if (t->c_user < 0) {
			fg_error_quote(q, sizeof(q), t->path, strlen(t->path));
			t->rc = fg_error_set(FG_EDATA, "%s:1: the header has no user_id column", q);
		} else if (t->c_ring < 0 && t->c_label < 0 && t->c_role < 0) {
			fg_error_quote(q, sizeof(q), t->path, strlen(t->path));
			t->rc = fg_error_set(FG_EDATA, "%s:1: the header needs one of ring_id, label, role", q);
		}
		return;
	}
	if (!t->f_user || !*t->f_user) {
		fg_error_quote(q, sizeof(q), t->path, strlen(t->path));
		t->rc = fg_error_set(FG_EDATA, "%s:%d: empty user_id", q, t->line);
		clear_fields(t);
		return;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		truth_row *p = fg_reallocarray(t->rows, cap, sizeof(truth_row));
		if (!p) {
			t->rc = fg_error_set(FG_ENOMEM, "out of memory reading the truth file");
			clear_fields(t);
			return;
		}
		t->rows = p;
		t->cap = cap;
	}
	truth_row *r = &t->rows[t->n++];
	if (t->c_role >= 0)
		r->positive = t->f_role && (!strcasecmp(t->f_role, "ring") || !strcasecmp(t->f_role, "collusion"));
	else if (t->c_label >= 0)
		r->positive = t->f_label && !strcasecmp(t->f_label, "fraud");
	else
		r->positive = t->f_ring && *t->f_ring;
	r->user_id = t->f_user;
	r->ring_id = t->f_ring && *t->f_ring ? t->f_ring : NULL;
	if (!r->ring_id)
		fg_free(t->f_ring);
	t->f_user = t->f_ring = NULL;
	fg_free(t->f_label);
	fg_free(t->f_role);
	t->f_label = t->f_role = NULL;
}

static int read_truth(truth *t, const char *path)
{
	struct csv_parser p;
	FILE *f = NULL;
	char buf[65536], q[256];
	size_t n;
	int rc = FG_OK;

	t->c_user = t->c_ring = t->c_label = t->c_role = -1;
	t->path = path;
	fg_error_quote(q, sizeof(q), path, strlen(path));
	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		return fg_error_set(FG_ENOMEM, "out of memory (csv parser)");
	f = fopen(path, "rb");
	if (!f) {
		rc = fg_error_set(errno == ENOENT ? FG_ENOTFOUND : FG_EIO, "cannot read the truth file '%s': %s",
		                  q, strerror(errno));
		goto cleanup;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (csv_parse(&p, buf, n, field_cb, row_cb, t) != n) {
			rc = fg_error_set(FG_EDATA, "%s:%d: %s", q, t->line + 1, csv_strerror(csv_error(&p)));
			goto cleanup;
		}
		if (t->rc) {
			rc = t->rc;
			goto cleanup;
		}
	}
	if (ferror(f)) {
		rc = fg_error_set(FG_EIO, "reading '%s': %s", q, strerror(errno));
		goto cleanup;
	}
	csv_fini(&p, field_cb, row_cb, t);
	rc = t->rc;
	if (!rc && !t->header_done)
		rc = fg_error_set(FG_EDATA, "%s: empty truth file (a header with user_id is needed)", q);
cleanup:
	clear_fields(t);
	csv_free(&p);
	if (f)
		fclose(f);
	return rc;
}

static int truth_cmp(const void *a, const void *b)
{
	const truth_row *x = a, *y = b;
	int c = strcmp(x->user_id, y->user_id);

	if (c)
		return c;
	/* positive rows and rows with a ring first: they win the merge */
	if (x->positive != y->positive)
		return x->positive ? -1 : 1;
	return (y->ring_id != NULL) - (x->ring_id != NULL);
}

static int urow_id_cmp(const void *a, const void *b)
{
	return strcmp(((const urow *)a)->user_id, ((const urow *)b)->user_id);
}

/* Ranking order: score descending, then user_id ascending. */
static int urow_rank_cmp(const void *a, const void *b)
{
	const urow *x = *(const urow *const *)a, *y = *(const urow *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->user_id, y->user_id);
}

typedef struct pair {
	const char *ring; /* true ring id */
	int64_t found;    /* found ring id, or INT64_MIN for none / not in the run */
} pair;

static int pair_cmp(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	int c = strcmp(x->ring, y->ring);

	if (c)
		return c;
	return (x->found > y->found) - (x->found < y->found);
}

typedef struct fsize {
	int64_t ring_id;
	int64_t n;
} fsize;

static int fsize_cmp(const void *a, const void *b)
{
	const fsize *x = a, *y = b;

	return (x->ring_id > y->ring_id) - (x->ring_id < y->ring_id);
}

typedef struct metrics {
	size_t n_users, n_truth_users, n_pos, n_pos_missing, n_neg;
	int64_t k, k_eff, kp;
	double prec_k, rec_k, prec_p, rec_p, ap, auc;
	size_t n_true_rings, n_recovered;
	double mean_jaccard;
	size_t n_unlabelled_pos;
	double unlabelled_pct;
	double holdout;
	bool has_holdout;
	size_t n_heldout;        /* users stored with label 'holdout' */
	double heldout_pct;      /* their mean score percentile */
	double heldout_score;    /* their mean score */
	size_t heldout_top_k;    /* of them, how many rank in the top k */
	const char *rule;
} metrics;

static void help(void)
{
	printf("usage: fraudgraph evaluate --db RESULTS.db --truth FILE [--run ID] [--k N] [--json]\n\n"
	       "Detection quality of a run against a truth CSV (header: user_id and one of\n"
	       "ring_id, label, role).  Positive: role in {ring, collusion} when a role column\n"
	       "exists, else label == fraud, else ring_id non-empty (docs/operations.md).\n"
	       "Reports precision and recall at k and at the number of positives, average\n"
	       "precision, ROC AUC of user scores, ring recovery (best Jaccard per true ring)\n"
	       "and the mean score percentile of positives not labelled in the run.\n\n"
	       "Options:\n"
	       "  --db PATH      results database (required)\n"
	       "  --truth FILE   truth CSV (required)\n"
	       "  --run ID       run to evaluate (default: the latest committed run)\n"
	       "  --k N          cut-off for precision/recall at k (default 100)\n"
	       "  --json         one JSON object instead of the table\n"
	       "  --help         this text\n\n%s",
	       fg_cli_exit_codes);
}

static int compute(metrics *m, urow *u, size_t n, truth *t, sqlite3 *db, int64_t run_id)
{
	urow **rank = NULL;
	pair *pairs = NULL;
	fsize *fs = NULL;
	size_t n_pairs = 0, n_fs = 0;
	sqlite3_stmt *st = NULL;
	int rc = FG_OK;

	/* merge truth into the users (both sorted by user_id) */
	qsort(t->rows, t->n, sizeof(truth_row), truth_cmp);
	for (size_t i = 0; i < t->n; i++) {
		urow key = { 0 }, *hit;
		if (i > 0 && !strcmp(t->rows[i].user_id, t->rows[i - 1].user_id))
			continue; /* the first row of a user wins (positive, with a ring) */
		m->n_truth_users++;
		key.user_id = t->rows[i].user_id;
		hit = n ? bsearch(&key, u, n, sizeof(urow), urow_id_cmp) : NULL;
		if (hit) {
			hit->positive = t->rows[i].positive;
			hit->true_ring = t->rows[i].positive ? t->rows[i].ring_id : NULL;
		} else if (t->rows[i].positive) {
			m->n_pos_missing++;
		}
	}
	/* ranking metrics */
	rank = fg_mallocarray(n ? n : 1, sizeof(urow *));
	if (!rank) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (evaluate)");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		rank[i] = &u[i];
		m->n_pos += (size_t)u[i].positive;
	}
	m->n_users = n;
	m->n_neg = n - m->n_pos;
	qsort(rank, n, sizeof(urow *), urow_rank_cmp);
	/* average ranks ascending: rank r (1-based, descending order) -> n + 1 - r */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && rank[j + 1]->score == rank[i]->score)
			j++;
		double avg = (double)n + 1 - ((double)(i + 1) + (double)(j + 1)) / 2;
		for (size_t k = i; k <= j; k++)
			rank[k]->avg_rank = avg;
		i = j + 1;
	}
	m->k_eff = m->k < (int64_t)n ? m->k : (int64_t)n;
	m->kp = (int64_t)m->n_pos;
	{
		size_t tp = 0, tp_k = 0, tp_p = 0;
		double ap = 0, pos_rank_sum = 0;
		for (size_t i = 0; i < n; i++) {
			if (rank[i]->positive) {
				tp++;
				ap += (double)tp / (double)(i + 1);
				pos_rank_sum += rank[i]->avg_rank;
			}
			if ((int64_t)(i + 1) == m->k_eff)
				tp_k = tp;
			if ((int64_t)(i + 1) == m->kp)
				tp_p = tp;
		}
		m->prec_k = m->k_eff ? (double)tp_k / (double)m->k_eff : NAN;
		m->rec_k = m->n_pos ? (double)tp_k / (double)m->n_pos : NAN;
		m->prec_p = m->kp ? (double)tp_p / (double)m->kp : NAN;
		m->rec_p = m->n_pos ? (double)tp_p / (double)m->n_pos : NAN;
		m->ap = m->n_pos ? ap / (double)m->n_pos : NAN;
		m->auc = m->n_pos && m->n_neg
		                 ? (pos_rank_sum - (double)m->n_pos * ((double)m->n_pos + 1) / 2) /
		                           ((double)m->n_pos * (double)m->n_neg)
		                 : NAN;
	}
	/* unlabelled positives */
	{
		double sum = 0;
		for (size_t i = 0; i < n; i++) {
			if (u[i].positive && !u[i].seed) {
				sum += 100.0 * u[i].avg_rank / (double)n;
				m->n_unlabelled_pos++;
			}
		}
		m->unlabelled_pct = m->n_unlabelled_pos ? sum / (double)m->n_unlabelled_pos : NAN;
	}
	/* held-out seeds: how well the rest of the data finds them */
	{
		double pct = 0, sc = 0;
		for (size_t i = 0; i < n; i++) {
			if (!u[i].holdout)
				continue;
			m->n_heldout++;
			pct += 100.0 * u[i].avg_rank / (double)n;
			sc += u[i].score;
			if ((double)n - u[i].avg_rank < (double)m->k_eff)
				m->heldout_top_k++;
		}
		m->heldout_pct = m->n_heldout ? pct / (double)m->n_heldout : NAN;
		m->heldout_score = m->n_heldout ? sc / (double)m->n_heldout : NAN;
	}
	/* ring recovery: pairs (true ring, found ring of the member) */
	pairs = fg_mallocarray(t->n ? t->n : 1, sizeof(pair));
	fs = fg_mallocarray(n ? n : 1, sizeof(fsize));
	if (!pairs || !fs) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (evaluate)");
		goto cleanup;
	}
	for (size_t i = 0; i < t->n; i++) {
		const truth_row *r = &t->rows[i];
		urow key = { 0 }, *hit;
		if (!r->positive || !r->ring_id)
			continue;
		if (i > 0 && !strcmp(r->user_id, t->rows[i - 1].user_id))
			continue;
		key.user_id = r->user_id;
		hit = n ? bsearch(&key, u, n, sizeof(urow), urow_id_cmp) : NULL;
		pairs[n_pairs].ring = r->ring_id;
		pairs[n_pairs].found = hit && hit->has_ring ? hit->ring_id : INT64_MIN;
		n_pairs++;
	}
	for (size_t i = 0; i < n; i++) {
		if (!u[i].has_ring)
			continue;
		fs[n_fs].ring_id = u[i].ring_id;
		fs[n_fs].n = 1;
		n_fs++;
	}
	qsort(fs, n_fs, sizeof(fsize), fsize_cmp);
	{
		size_t w = 0;
		for (size_t i = 0; i < n_fs; i++) {
			if (w && fs[w - 1].ring_id == fs[i].ring_id)
				fs[w - 1].n++;
			else
				fs[w++] = fs[i];
		}
		n_fs = w;
	}
	qsort(pairs, n_pairs, sizeof(pair), pair_cmp);
	{
		double jsum = 0;
		for (size_t i = 0; i < n_pairs;) {
			size_t j = i, size_t_ring;
			double best = 0;
			while (j < n_pairs && !strcmp(pairs[j].ring, pairs[i].ring))
				j++;
			size_t_ring = j - i;
			for (size_t a = i; a < j;) {
				size_t b = a;
				while (b < j && pairs[b].found == pairs[a].found)
					b++;
				if (pairs[a].found != INT64_MIN) {
					fsize key = { pairs[a].found, 0 }, *f;
					f = bsearch(&key, fs, n_fs, sizeof(fsize), fsize_cmp);
					double inter = (double)(b - a);
					double uni = (double)size_t_ring + (f ? (double)f->n : inter) - inter;
					if (inter / uni > best)
						best = inter / uni;
				}
				a = b;
			}
			jsum += best;
			m->n_true_rings++;
			if (best > 0.5)
				m->n_recovered++;
			i = j;
		}
		m->mean_jaccard = m->n_true_rings ? jsum / (double)m->n_true_rings : NAN;
	}
	/* params.holdout */
	rc = fg_tool_prepare(&st, db,
	                     "SELECT CASE WHEN json_valid(params) THEN json_extract(params, '$.holdout') END"
	                     " FROM runs WHERE run_id = ?");
	if (rc)
		goto cleanup;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		m->has_holdout = true;
		m->holdout = sqlite3_column_double(st, 0);
	}
cleanup:
	sqlite3_finalize(st);
	fg_free(rank);
	fg_free(pairs);
	fg_free(fs);
	return rc;
}

static void num(fg_sbuf *o, double v, bool json)
{
	if (json)
		fg_sbuf_json_num(o, v);
	else if (isnan(v))
		fg_sbuf_puts(o, "-");
	else
		fg_sbuf_printf(o, "%.4f", v);
}

static int emit(fg_sbuf *o, const metrics *m, int64_t run_id, const char *truth_path, bool json)
{
	fg_table *t = NULL;
	static const char *const hdr[] = { "metric", "value" };
	fg_sbuf v = { 0 };
	int rc;

	if (json) {
		fg_sbuf_printf(o, "{\"format\":\"fraudgraph.evaluate/1\",\"run_id\":%lld,\"truth\":",
		               (long long)run_id);
		fg_sbuf_json_str(o, truth_path);
		fg_sbuf_puts(o, ",\"positive_rule\":");
		fg_sbuf_json_str(o, m->rule);
		fg_sbuf_printf(o, ",\n\"users\":%zu,\"truth_users\":%zu,\"positives\":%zu,"
		                  "\"positives_not_in_run\":%zu,\"negatives\":%zu,\n",
		               m->n_users, m->n_truth_users, m->n_pos, m->n_pos_missing, m->n_neg);
		fg_sbuf_printf(o, "\"k\":%lld,\"precision_at_k\":", (long long)m->k);
		num(o, m->prec_k, true);
		fg_sbuf_puts(o, ",\"recall_at_k\":");
		num(o, m->rec_k, true);
		fg_sbuf_printf(o, ",\"precision_at_p\":");
		num(o, m->prec_p, true);
		fg_sbuf_puts(o, ",\"recall_at_p\":");
		num(o, m->rec_p, true);
		fg_sbuf_puts(o, ",\n\"average_precision\":");
		num(o, m->ap, true);
		fg_sbuf_puts(o, ",\"roc_auc\":");
		num(o, m->auc, true);
		fg_sbuf_printf(o, ",\n\"true_rings\":%zu,\"rings_recovered\":%zu,\"mean_best_jaccard\":",
		               m->n_true_rings, m->n_recovered);
		num(o, m->mean_jaccard, true);
		fg_sbuf_puts(o, ",\"share_recovered\":");
		num(o, m->n_true_rings ? (double)m->n_recovered / (double)m->n_true_rings : NAN, true);
		fg_sbuf_printf(o, ",\n\"holdout\":");
		num(o, m->has_holdout ? m->holdout : NAN, true);
		fg_sbuf_printf(o, ",\"unlabelled_positives\":%zu,\"unlabelled_positives_mean_pct\":",
		               m->n_unlabelled_pos);
		num(o, m->unlabelled_pct, true);
		fg_sbuf_printf(o, ",\n\"heldout_seeds\":%zu,\"heldout_mean_pct\":", m->n_heldout);
		num(o, m->heldout_pct, true);
		fg_sbuf_puts(o, ",\"heldout_mean_score\":");
		num(o, m->heldout_score, true);
		fg_sbuf_printf(o, ",\"heldout_in_top_k\":%zu", m->heldout_top_k);
		fg_sbuf_puts(o, "}\n");
		return fg_sbuf_check(o);
	}
	fg_sbuf_printf(o, "Evaluation of run %lld against ", (long long)run_id);
	fg_sbuf_clip(o, truth_path, 60);
	fg_sbuf_printf(o, "\n  positive: %s\n", m->rule);
	fg_sbuf_printf(o, "  users in run %zu, truth users %zu, positives %zu (not in the run: %zu),"
	                  " negatives %zu\n\n",
	               m->n_users, m->n_truth_users, m->n_pos, m->n_pos_missing, m->n_neg);
	rc = fg_table_new(&t, 2, hdr, "lr", 0);
	if (rc)
		return rc;
#define ROW(name, val)                                                                              \
	do {                                                                                        \
		v.len = 0;                                                                          \
		num(&v, (val), false);                                                              \
		fg_table_cell(t, "%s", name);                                                       \
		fg_table_cell(t, "%s", v.s ? v.s : "");                                             \
	} while (0)
	{
		char name[64];
		snprintf(name, sizeof(name), "precision@%lld", (long long)m->k);
		ROW(name, m->prec_k);
		snprintf(name, sizeof(name), "recall@%lld", (long long)m->k);
		ROW(name, m->rec_k);
		snprintf(name, sizeof(name), "precision@P (P=%lld)", (long long)m->kp);
		ROW(name, m->prec_p);
		snprintf(name, sizeof(name), "recall@P (P=%lld)", (long long)m->kp);
		ROW(name, m->rec_p);
		ROW("average precision", m->ap);
		ROW("ROC AUC", m->auc);
		snprintf(name, sizeof(name), "mean best Jaccard (%zu true rings)", m->n_true_rings);
		ROW(name, m->mean_jaccard);
		snprintf(name, sizeof(name), "rings recovered, J > 0.5 (%zu)", m->n_recovered);
		ROW(name, m->n_true_rings ? (double)m->n_recovered / (double)m->n_true_rings : NAN);
		snprintf(name, sizeof(name), "unlabelled positives, mean pct (%zu)", m->n_unlabelled_pos);
		ROW(name, m->unlabelled_pct);
		if (m->has_holdout)
			ROW("params.holdout", m->holdout);
		if (m->n_heldout) {
			snprintf(name, sizeof(name), "held-out seeds, mean pct (%zu)", m->n_heldout);
			ROW(name, m->heldout_pct);
			ROW("held-out seeds, mean score", m->heldout_score);
			snprintf(name, sizeof(name), "held-out seeds in top %lld", (long long)m->k_eff);
			ROW(name, (double)m->heldout_top_k);
		}
	}
#undef ROW
	rc = fg_table_check(t);
	if (!rc && v.nomem)
		rc = fg_sbuf_check(&v);
	if (!rc)
		fg_table_print(o, t, 2);
	if (!rc && m->k_eff < m->k)
		fg_sbuf_printf(o, "  (k = %lld is larger than the run: precision@k over its %lld users)\n",
		               (long long)m->k, (long long)m->k_eff);
	fg_table_free(&t);
	fg_sbuf_free(&v);
	return rc;
}

int fg_cmd_evaluate(int argc, char **argv)
{
	const char *db_path = NULL, *truth_path = NULL, *run_arg = NULL, *k_arg = NULL;
	bool json = false;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	truth t;
	urow *u = NULL;
	size_t n = 0, cap = 0;
	metrics m;
	fg_sbuf out = { 0 };
	int64_t run_id = 0;
	int rc = FG_OK, s;

	memset(&t, 0, sizeof(t));
	memset(&m, 0, sizeof(m));
	m.k = 100;
	for (int i = 1; i < argc; i++) {
		int r;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return FG_EXIT_OK;
		}
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if ((r = fg_tool_opt(&db_path, argc, argv, &i, "--db")) ||
		    (r = fg_tool_opt(&truth_path, argc, argv, &i, "--truth")) ||
		    (r = fg_tool_opt(&run_arg, argc, argv, &i, "--run")) ||
		    (r = fg_tool_opt(&k_arg, argc, argv, &i, "--k"))) {
			if (r < 0)
				return fg_cli_fail(r);
			continue;
		}
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "evaluate: unexpected argument '%s' (see --help)",
		                                argv[i]));
	}
	if (!db_path || !truth_path)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "evaluate: --db and --truth are required (see --help)"));
	if (k_arg) {
		rc = fg_tool_parse_i64(&m.k, k_arg, "--k");
		if (rc)
			return fg_cli_fail(rc);
		if (m.k < 1)
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "--k: %s is not a positive number", k_arg));
	}
	rc = fg_tool_db_open(&db, db_path);
	if (!rc)
		rc = fg_tool_run_resolve(&run_id, db, run_arg, db_path);
	if (!rc)
		rc = read_truth(&t, truth_path);
	if (rc)
		goto cleanup;
	m.rule = t.c_role >= 0 ? "role in {ring, collusion}"
	         : t.c_label >= 0 ? "label == fraud"
	                          : "ring_id non-empty";
	rc = fg_tool_prepare(&st, db,
	                     "SELECT user_id, score, label = 'fraud', ring_id, label = 'holdout' FROM user_scores"
	                     " WHERE run_id = ? ORDER BY user_id");
	if (rc)
		goto cleanup;
	sqlite3_bind_int64(st, 1, run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		bool nomem = false;
		if (n == cap) {
			size_t c = cap ? 2 * cap : 1024;
			urow *p = fg_reallocarray(u, c, sizeof(urow));
			if (!p) {
				rc = fg_error_set(FG_ENOMEM, "out of memory (evaluate)");
				goto cleanup;
			}
			u = p;
			cap = c;
		}
		memset(&u[n], 0, sizeof(urow));
		u[n].user_id = fg_tool_dup(st, 0, &nomem);
		if (nomem || !u[n].user_id) {
			rc = fg_error_set(FG_ENOMEM, "out of memory (evaluate)");
			goto cleanup;
		}
		/* a NULL score ranks below every scored user */
		u[n].score = sqlite3_column_type(st, 1) == SQLITE_NULL ? -INFINITY : sqlite3_column_double(st, 1);
		u[n].seed = sqlite3_column_int(st, 2) == 1;
		u[n].holdout = sqlite3_column_int(st, 4) == 1;
		u[n].has_ring = sqlite3_column_type(st, 3) != SQLITE_NULL;
		u[n].ring_id = sqlite3_column_int64(st, 3);
		n++;
	}
	if (s != SQLITE_DONE) {
		rc = fg_tool_db_error(db, "reading user_scores");
		goto cleanup;
	}
	/* ORDER BY user_id uses SQLite's BINARY collation: byte order, as strcmp */
	rc = compute(&m, u, n, &t, db, run_id);
	if (!rc)
		rc = emit(&out, &m, run_id, truth_path, json);
	if (!rc)
		rc = fg_sbuf_check(&out);
	if (!rc)
		rc = fg_sbuf_write(&out, stdout);
cleanup:
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		fg_free(u[i].user_id);
	fg_free(u);
	for (size_t i = 0; i < t.n; i++) {
		fg_free(t.rows[i].user_id);
		fg_free(t.rows[i].ring_id);
	}
	fg_free(t.rows);
	fg_sbuf_free(&out);
	sqlite3_close(db);
	return rc ? fg_cli_fail(rc) : FG_EXIT_OK;
}
