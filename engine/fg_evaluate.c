/*
 * fg_evaluate: see fg_evaluate.h.  The ranking of one column: the evaluated
 * users by value descending, ties by user_id (byte order), so precision at k
 * is deterministic; the metrics themselves are algorithms/fg_metrics.
 * Complexity: O(n log n) per column in the users of the run, O(n) memory.
 */
#include "fg_evaluate.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct item {
	double s;
	const char *id;
	uint8_t pos, label;
} item;

static int item_cmp(const void *a, const void *b)
{
	const item *x = a, *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int rank_column(fg_eval_ranking *r, fg_evaluation *e, const fg_results_users *u, int c,
                       const uint8_t *pos, const uint8_t *eligible)
{
	item *it = NULL;
	uint8_t *p = NULL;
	double *s = NULL, *rank = NULL;
	size_t n = 0, n_unl = 0;
	double unl = 0, hpct = 0, hsc = 0;
	int rc = FG_OK;

	memset(r, 0, sizeof(*r));
	r->column = u->score_name[c];
	it = fg_mallocarray(u->n ? u->n : 1, sizeof(item));
	p = fg_mallocarray(u->n ? u->n : 1, 1);
	s = fg_mallocarray(u->n ? u->n : 1, sizeof(double));
	rank = fg_mallocarray(u->n ? u->n : 1, sizeof(double));
	if (!it || !p || !s || !rank) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (evaluate, %zu users)", u->n);
		goto cleanup;
	}
	for (size_t i = 0; i < u->n; i++)
		if (eligible[i])
			it[n++] = (item){ u->score[c][i], u->user_id[i], pos[i], u->label[i] };
	qsort(it, n, sizeof(item), item_cmp);
	for (size_t i = 0; i < n; i++) {
		p[i] = it[i].pos;
		s[i] = it[i].s;
	}
	fg_metrics_avg_ranks(rank, s, n);
	r->prec_k = fg_metrics_precision_at(p, n, (size_t)e->k_eff);
	r->rec_k = fg_metrics_recall_at(p, n, (size_t)e->k_eff);
	r->prec_p = fg_metrics_precision_at(p, n, (size_t)e->kp);
	r->rec_p = fg_metrics_recall_at(p, n, (size_t)e->kp);
	r->ap = fg_metrics_average_precision(p, n);
	r->auc = fg_metrics_roc_auc(s, p, n);
	for (size_t i = 0; i < n; i++) {
		double pct = 100.0 * rank[i] / (double)n;
		if (it[i].pos && it[i].label != FG_RESULTS_LABEL_FRAUD) {
			unl += pct;
			n_unl++;
		}
		if (it[i].label == FG_RESULTS_LABEL_HOLDOUT) {
			hpct += pct;
			hsc += it[i].s;
			r->heldout_top_k += i < (size_t)e->k_eff;
		}
	}
	r->unlabelled_pct = n_unl ? unl / (double)n_unl : NAN;
	r->heldout_pct = e->n_heldout ? hpct / (double)e->n_heldout : NAN;
	r->heldout_score = e->n_heldout ? hsc / (double)e->n_heldout : NAN;
cleanup:
	fg_free(it);
	fg_free(p);
	fg_free(s);
	fg_free(rank);
	return rc;
}

int fg_evaluate_compute(fg_evaluation *out, const fg_truth *t, const fg_results_users *u,
                        const fg_eval_params *p)
{
	uint8_t *pos = NULL, *eligible = NULL;
	int64_t *tr = NULL, *fr = NULL;
	size_t nu = 0;
	int rc = FG_OK;

	memset(out, 0, sizeof(*out));
	out->include_labelled = p->include_labelled;
	out->rule = t->rule;
	out->k = p->k;
	out->n_users = u->n;
	out->n_truth_users = t->n_users;
	pos = fg_calloc(u->n ? u->n : 1, 1);
	eligible = fg_calloc(u->n ? u->n : 1, 1);
	/* ring universe: the run's users and the true-ring members missing from it */
	tr = fg_mallocarray(u->n + t->n_users + 1, sizeof(int64_t));
	fr = fg_mallocarray(u->n + t->n_users + 1, sizeof(int64_t));
	if (!pos || !eligible || !tr || !fr) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (evaluate, %zu users)", u->n);
		goto cleanup;
	}
	/* merge the truth into the run's users: both in user_id byte order */
	for (size_t i = 0, j = 0; i < u->n || j < t->n_users;) {
		int c = i == u->n ? 1 : j == t->n_users ? -1 : strcmp(u->user_id[i], t->users[j].user_id);
		if (c < 0 || c == 0) {
			const fg_truth_user *tu = c == 0 ? &t->users[j] : NULL;
			pos[i] = tu && tu->positive;
			eligible[i] = p->include_labelled || u->label[i] != FG_RESULTS_LABEL_FRAUD;
			out->n_labelled += u->label[i] == FG_RESULTS_LABEL_FRAUD;
			out->n_heldout += eligible[i] && u->label[i] == FG_RESULTS_LABEL_HOLDOUT;
			if (eligible[i]) {
				out->n_ranked++;
				out->n_pos += pos[i];
				out->n_unlabelled_pos += pos[i] && u->label[i] != FG_RESULTS_LABEL_FRAUD;
			}
			tr[nu] = tu && tu->positive && tu->ring != FG_TRUTH_NO_RING ? tu->ring : FG_METRICS_NO_RING;
			fr[nu++] = u->ring_id[i] == FG_RESULTS_NO_RING ? FG_METRICS_NO_RING : u->ring_id[i];
			i++;
			j += c == 0;
		} else {
			const fg_truth_user *tu = &t->users[j++];
			if (!tu->positive)
				continue;
			out->n_pos_missing++;
			if (tu->ring != FG_TRUTH_NO_RING) {
				tr[nu] = tu->ring;
				fr[nu++] = FG_METRICS_NO_RING;
			}
		}
	}
	out->n_neg = out->n_ranked - out->n_pos;
	out->k_eff = p->k < (int64_t)out->n_ranked ? p->k : (int64_t)out->n_ranked;
	out->kp = (int64_t)out->n_pos;
	if ((rc = fg_metrics_ring_recovery(&out->rings, tr, fr, nu, 0.5)))
		goto cleanup;
	for (int c = 0; c < u->n_scores; c++) {
		if ((rc = rank_column(&out->ranking[c], out, u, c, pos, eligible)))
			goto cleanup;
		out->n_rankings++;
	}
cleanup:
	fg_free(pos);
	fg_free(eligible);
	fg_free(tr);
	fg_free(fr);
	return rc;
}

int fg_evaluate_run(fg_evaluation *out, sqlite3 *db, int64_t run_id, const char *truth_path,
                    const fg_eval_params *p)
{
	static const char *const shown[] = { "score", "rule_score", "risk" };
	const char *primary = p->score ? p->score : "score";
	const char *cols[FG_RESULTS_MAX_SCORES];
	fg_results_users u;
	fg_truth *t = NULL;
	bool has;
	int nc = 0, rc;

	memset(&u, 0, sizeof(u));
	if ((rc = fg_results_has_score_column(&has, db, run_id, primary)))
		return rc;
	if (!has)
		return fg_error_set(FG_EUSAGE, "--score %s: run %lld has no user_scores.%s (a run without a "
		                    "learned model has no rule_score)", primary, (long long)run_id, primary);
	cols[nc++] = primary;
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		if (!strcmp(shown[i], primary))
			continue;
		if ((rc = fg_results_has_score_column(&has, db, run_id, shown[i])))
			return rc;
		if (has)
			cols[nc++] = shown[i];
	}
	if ((rc = fg_truth_read(&t, truth_path)))
		goto cleanup;
	if ((rc = fg_results_users_read(&u, db, run_id, cols, nc)))
		goto cleanup;
	if ((rc = fg_evaluate_compute(out, t, &u, p)))
		goto cleanup;
	out->run_id = run_id;
	rc = fg_results_run_holdout(&out->holdout, &out->has_holdout, db, run_id);
cleanup:
	fg_results_users_free(&u);
	fg_truth_free(&t);
	return rc;
}
