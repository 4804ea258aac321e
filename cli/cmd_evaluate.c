/*
 * fraudgraph evaluate: detection quality of one run against a truth file.
 * Options and rendering only; the truth reader is src/fg_truth, the reads
 * src/fg_results_runs, the computation engine/fg_evaluate, the metrics
 * algorithms/fg_metrics (definitions in docs/operations.md, "Evaluate").
 */
#include "fg_cli.h"
#include "fg_opt.h"
#include "tool_util.h"

#include "fg_error.h"
#include "fg_evaluate.h"
#include "fg_results.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_DB = 1, OPT_TRUTH, OPT_RUN, OPT_K, OPT_SCORE, OPT_INCLUDE, OPT_JSON };

static const fg_opt_spec opts[] = {
	{ FG_OPT_VALUE, "db", OPT_DB, "PATH", "results database (required)", NULL },
	{ FG_OPT_VALUE, "truth", OPT_TRUTH, "FILE", "truth CSV (required)", NULL },
	{ FG_OPT_VALUE, "run", OPT_RUN, "ID", "run to evaluate", "the latest committed run" },
	{ FG_OPT_VALUE, "k", OPT_K, "N", "cut-off for precision/recall at k", "100" },
	{ FG_OPT_VALUE, "score", OPT_SCORE, "COLUMN",
	  "the primary column: score, rule_score, risk, risk_norm\n(its figures are the top-level JSON keys)",
	  "score" },
	{ FG_OPT_SWITCH, "include-labelled", OPT_INCLUDE, NULL, "rank the labelled seeds too (the older view)",
	  NULL },
	{ FG_OPT_SWITCH, "json", OPT_JSON, NULL, "one JSON object instead of the table", NULL },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

static void help(void)
{
	fg_opt_help(stdout,
	            "usage: fraudgraph evaluate --db RESULTS.db --truth FILE [--run ID] [--k N]\n"
	            "                           [--score COLUMN] [--include-labelled] [--json]",
	            "Detection quality of a run against a truth CSV (header: user_id and one of\n"
	            "ring_id, label, role).  Positive: role in {ring, collusion} when a role column\n"
	            "exists, else label in {fraud, chargeback, confirmed_fraud, 1, true, yes}, else\n"
	            "ring_id non-empty (docs/operations.md).  By default only the hidden positives\n"
	            "count: users labelled fraud in the run are left out of every ranking.\n"
	            "Reports precision and recall at k and at the number of positives, average\n"
	            "precision and ROC AUC for each score column side by side (score, rule_score\n"
	            "when stored, risk = plain personalised PageRank), and ring recovery (best\n"
	            "Jaccard per true ring).",
	            opts);
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

/* The members of one ranking, as JSON "key":value pairs (no braces). */
static void json_ranking(fg_sbuf *o, const fg_eval_ranking *r, const fg_evaluation *e)
{
	fg_sbuf_puts(o, "\"precision_at_k\":");
	num(o, r->prec_k, true);
	fg_sbuf_puts(o, ",\"recall_at_k\":");
	num(o, r->rec_k, true);
	fg_sbuf_puts(o, ",\"precision_at_p\":");
	num(o, r->prec_p, true);
	fg_sbuf_puts(o, ",\"recall_at_p\":");
	num(o, r->rec_p, true);
	fg_sbuf_puts(o, ",\"average_precision\":");
	num(o, r->ap, true);
	fg_sbuf_puts(o, ",\"roc_auc\":");
	num(o, r->auc, true);
	fg_sbuf_puts(o, ",\"unlabelled_positives_mean_pct\":");
	num(o, r->unlabelled_pct, true);
	fg_sbuf_puts(o, ",\"heldout_mean_pct\":");
	num(o, r->heldout_pct, true);
	fg_sbuf_puts(o, ",\"heldout_mean_score\":");
	num(o, r->heldout_score, true);
	fg_sbuf_printf(o, ",\"heldout_in_top_k\":%zu", e->n_heldout ? r->heldout_top_k : 0);
}

static void emit_json(fg_sbuf *o, const fg_evaluation *e, const char *truth_path)
{
	const fg_eval_ranking *r = &e->ranking[0];

	fg_sbuf_printf(o, "{\"format\":\"fraudgraph.evaluate/1\",\"run_id\":%lld,\"truth\":",
	               (long long)e->run_id);
	fg_sbuf_json_str(o, truth_path);
	fg_sbuf_puts(o, ",\"positive_rule\":");
	fg_sbuf_json_str(o, e->rule);
	fg_sbuf_printf(o, ",\"view\":\"%s\",\"score_column\":", e->include_labelled ? "all" : "hidden");
	fg_sbuf_json_str(o, r->column);
	fg_sbuf_printf(o, ",\n\"users\":%zu,\"labelled_seeds\":%zu,\"ranked\":%zu,\"truth_users\":%zu,"
	                  "\"positives\":%zu,\"positives_not_in_run\":%zu,\"negatives\":%zu,\n",
	               e->n_users, e->n_labelled, e->n_ranked, e->n_truth_users, e->n_pos, e->n_pos_missing,
	               e->n_neg);
	fg_sbuf_printf(o, "\"k\":%lld,", (long long)e->k);
	json_ranking(o, r, e);
	fg_sbuf_printf(o, ",\n\"true_rings\":%zu,\"rings_recovered\":%zu,\"mean_best_jaccard\":",
	               e->rings.n_true, e->rings.n_recovered);
	num(o, e->rings.mean_best, true);
	fg_sbuf_puts(o, ",\"share_recovered\":");
	num(o, e->rings.n_true ? (double)e->rings.n_recovered / (double)e->rings.n_true : NAN, true);
	fg_sbuf_puts(o, ",\n\"holdout\":");
	num(o, e->has_holdout ? e->holdout : NAN, true);
	fg_sbuf_printf(o, ",\"unlabelled_positives\":%zu,\"heldout_seeds\":%zu,\n\"scores\":{",
	               e->n_unlabelled_pos, e->n_heldout);
	for (int c = 0; c < e->n_rankings; c++) {
		fg_sbuf_puts(o, c ? ",\n  " : "\n  ");
		fg_sbuf_json_str(o, e->ranking[c].column);
		fg_sbuf_puts(o, ":{");
		json_ranking(o, &e->ranking[c], e);
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "}}\n");
}

/* One table row: the metric's name, then its value in every ranking. */
typedef double (*metric_fn)(const fg_eval_ranking *r);
static double m_prec_k(const fg_eval_ranking *r) { return r->prec_k; }
static double m_rec_k(const fg_eval_ranking *r) { return r->rec_k; }
static double m_prec_p(const fg_eval_ranking *r) { return r->prec_p; }
static double m_rec_p(const fg_eval_ranking *r) { return r->rec_p; }
static double m_ap(const fg_eval_ranking *r) { return r->ap; }
static double m_auc(const fg_eval_ranking *r) { return r->auc; }
static double m_unl(const fg_eval_ranking *r) { return r->unlabelled_pct; }
static double m_hpct(const fg_eval_ranking *r) { return r->heldout_pct; }
static double m_hsc(const fg_eval_ranking *r) { return r->heldout_score; }
static double m_htop(const fg_eval_ranking *r) { return (double)r->heldout_top_k; }

static void row(fg_table *t, fg_sbuf *v, const fg_evaluation *e, const char *name, metric_fn f)
{
	fg_table_cell(t, "%s", name);
	for (int c = 0; c < e->n_rankings; c++) {
		v->len = 0;
		if (f == m_htop)
			fg_sbuf_printf(v, "%zu", e->ranking[c].heldout_top_k);
		else
			num(v, f(&e->ranking[c]), false);
		fg_table_cell(t, "%s", v->s ? v->s : "");
	}
}

static int emit_text(fg_sbuf *o, const fg_evaluation *e, const char *truth_path)
{
	const char *hdr[FG_RESULTS_MAX_SCORES + 1] = { "metric" };
	char align[FG_RESULTS_MAX_SCORES + 2] = "l", name[80];
	fg_table *t = NULL, *rt = NULL;
	fg_sbuf v = { 0 };
	int rc;

	fg_sbuf_printf(o, "Evaluation of run %lld against ", (long long)e->run_id);
	fg_sbuf_clip(o, truth_path, 60);
	fg_sbuf_printf(o, "\n  positive: %s\n", e->rule);
	if (e->include_labelled)
		fg_sbuf_printf(o, "  every user ranked, the %zu labelled seeds included (--include-labelled)\n",
		               e->n_labelled);
	else
		fg_sbuf_printf(o, "  hidden positives only: the %zu users labelled fraud in the run are left out\n",
		               e->n_labelled);
	fg_sbuf_printf(o, "  users in run %zu, ranked %zu, truth users %zu, positives %zu (not in the run: %zu),"
	                  " negatives %zu\n\n",
	               e->n_users, e->n_ranked, e->n_truth_users, e->n_pos, e->n_pos_missing, e->n_neg);
	for (int c = 0; c < e->n_rankings; c++) {
		hdr[c + 1] = e->ranking[c].column;
		align[c + 1] = 'r';
	}
	align[e->n_rankings + 1] = '\0';
	if ((rc = fg_table_new(&t, e->n_rankings + 1, hdr, align, 0)))
		goto cleanup;
	snprintf(name, sizeof(name), "precision@%lld", (long long)e->k);
	row(t, &v, e, name, m_prec_k);
	snprintf(name, sizeof(name), "recall@%lld", (long long)e->k);
	row(t, &v, e, name, m_rec_k);
	snprintf(name, sizeof(name), "precision@P (P=%lld)", (long long)e->kp);
	row(t, &v, e, name, m_prec_p);
	snprintf(name, sizeof(name), "recall@P (P=%lld)", (long long)e->kp);
	row(t, &v, e, name, m_rec_p);
	row(t, &v, e, "average precision", m_ap);
	row(t, &v, e, "ROC AUC", m_auc);
	snprintf(name, sizeof(name), "unlabelled positives, mean pct (%zu)", e->n_unlabelled_pos);
	row(t, &v, e, name, m_unl);
	if (e->n_heldout) {
		snprintf(name, sizeof(name), "held-out seeds, mean pct (%zu)", e->n_heldout);
		row(t, &v, e, name, m_hpct);
		row(t, &v, e, "held-out seeds, mean value", m_hsc);
		snprintf(name, sizeof(name), "held-out seeds in top %lld", (long long)e->k_eff);
		row(t, &v, e, name, m_htop);
	}
	if ((rc = fg_table_check(t)) || (rc = fg_sbuf_check(&v)))
		goto cleanup;
	fg_table_print(o, t, 2);
	if (e->k_eff < e->k)
		fg_sbuf_printf(o, "  (k = %lld is larger than the ranking: precision@k over its %lld users)\n",
		               (long long)e->k, (long long)e->k_eff);
	{
		static const char *const rh[] = { "rings (every member)", "value" };
		if ((rc = fg_table_new(&rt, 2, rh, "lr", 0)))
			goto cleanup;
		v.len = 0;
		num(&v, e->rings.mean_best, false);
		snprintf(name, sizeof(name), "mean best Jaccard (%zu true rings)", e->rings.n_true);
		fg_table_cell(rt, "%s", name);
		fg_table_cell(rt, "%s", v.s ? v.s : "-");
		v.len = 0;
		num(&v, e->rings.n_true ? (double)e->rings.n_recovered / (double)e->rings.n_true : NAN, false);
		snprintf(name, sizeof(name), "rings recovered, J > 0.5 (%zu)", e->rings.n_recovered);
		fg_table_cell(rt, "%s", name);
		fg_table_cell(rt, "%s", v.s ? v.s : "-");
		if (e->has_holdout) {
			v.len = 0;
			num(&v, e->holdout, false);
			fg_table_cell(rt, "params.holdout");
			fg_table_cell(rt, "%s", v.s ? v.s : "-");
		}
		if ((rc = fg_table_check(rt)) || (rc = fg_sbuf_check(&v)))
			goto cleanup;
		fg_sbuf_puts(o, "\n");
		fg_table_print(o, rt, 2);
	}
cleanup:
	fg_table_free(&t);
	fg_table_free(&rt);
	fg_sbuf_free(&v);
	return rc;
}

int fg_cmd_evaluate(int argc, char **argv)
{
	const char *db_path = NULL, *truth_path = NULL, *run_arg = NULL;
	fg_opt_parser op;
	uint64_t k = 0;
	fg_eval_params p = { .k = 100 };
	bool json = false;
	fg_results *res = NULL;
	fg_res_arena arena = { 0 };
	fg_res_run run = { 0 };
	fg_evaluation e;
	fg_sbuf out = { 0 };
	int rc = FG_OK;

	fg_opt_init(&op, "evaluate", opts, argc, argv);
	while ((rc = fg_opt_next(&op)) > 0) {
		switch (op.id) {
		case FG_OPT_HELP: help(); return FG_EXIT_OK;
		case OPT_DB: db_path = op.value; break;
		case OPT_TRUTH: truth_path = op.value; break;
		case OPT_RUN: run_arg = op.value; break;
		case OPT_SCORE: p.score = op.value; break;
		case OPT_INCLUDE: p.include_labelled = true; break;
		case OPT_JSON: json = true; break;
		case OPT_K:
			if ((rc = fg_opt_u64(&k, &op, 1, INT64_MAX)))
				return fg_cli_fail(rc);
			p.k = (int64_t)k;
			break;
		default:
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "evaluate: unexpected argument '%s' (see --help)",
			                                op.value));
		}
	}
	if (rc < 0)
		return fg_cli_fail(rc);
	if (!db_path || !truth_path)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "evaluate: --db and --truth are required (see --help)"));
	rc = fg_results_open(&res, db_path);
	if (!rc)
		rc = fg_results_run_pick(&run, &arena, res, run_arg);
	if (!rc)
		rc = fg_evaluate_run(&e, fg_results_db(res), run.run_id, truth_path, &p);
	if (!rc) {
		if (json)
			emit_json(&out, &e, truth_path);
		else
			rc = emit_text(&out, &e, truth_path);
	}
	if (!rc)
		rc = fg_sbuf_check(&out);
	if (!rc)
		rc = fg_sbuf_write(&out, stdout);
	fg_sbuf_free(&out);
	fg_res_arena_free(&arena);
	fg_results_close(&res);
	return rc ? fg_cli_fail(rc) : FG_EXIT_OK;
}
