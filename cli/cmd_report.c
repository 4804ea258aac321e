/*
 * fraudgraph report: one run at a glance (counts, phase times, bad rows,
 * hubs, seeds, rings by size and score, the top rings) and its drift verdict
 * against the previous committed run.  Options and rendering only: the reads
 * are src/fg_results_runs, the verdict engine/fg_report (its limits and why
 * in docs/operations.md, "Report and drift").
 */
#include "fg_cli.h"
#include "fg_opt.h"
#include "tool_util.h"

#include "fg_error.h"
#include "fg_report.h"
#include "fg_results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fmt_num(char *buf, size_t cap, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, fmt, v);
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

static void json_hubs(fg_sbuf *o, const fg_report *r)
{
	for (size_t i = 0; i < r->n_top_hubs; i++) {
		const fg_res_hub *h = &r->top_hubs[i];
		fg_sbuf_puts(o, i ? ",{\"kind\":" : "{\"kind\":");
		fg_sbuf_json_str(o, h->kind);
		fg_sbuf_puts(o, ",\"value\":");
		fg_sbuf_json_str(o, h->value);
		fg_sbuf_printf(o, ",\"share\":%lld,\"max_share\":", (long long)h->share);
		if (h->max_share < 0)
			fg_sbuf_puts(o, "null}");
		else
			fg_sbuf_printf(o, "%lld}", (long long)h->max_share);
	}
}

static void json_rings(fg_sbuf *o, const fg_report *r)
{
	for (size_t i = 0; i < r->n_top_rings; i++) {
		const fg_results_ring_row *g = &r->top_rings[i];
		fg_sbuf_puts(o, i ? ",\n  {\"ring_key\":" : "\n  {\"ring_key\":");
		fg_sbuf_json_str(o, g->ring_key);
		fg_sbuf_puts(o, ",\"status\":");
		fg_sbuf_json_str(o, g->status);
		for (int c = 0; c < FG_RESULTS_RING_N_COUNTS; c++)
			fg_sbuf_printf(o, ",\"%s\":%lld", fg_results_ring_count_names[c], (long long)g->counts[c]);
		fg_sbuf_puts(o, ",\"ring_score\":");
		fg_sbuf_json_num(o, g->ring_score);
		fg_sbuf_puts(o, ",\"rule_score\":");
		fg_sbuf_json_num(o, g->rule_score);
		fg_sbuf_puts(o, "}");
	}
}

/* ---- the learned model ---------------------------------------------------- */

static void json_model(fg_sbuf *o, const fg_results_model *m)
{
	static const char *const names[5] = { "n_folds", "n_features", "n_positives", "n_negatives", "k" };
	const int64_t iv[5] = { m->n_folds, m->n_features, m->n_positives, m->n_negatives, m->k };

	fg_sbuf_puts(o, "{\"status\":");
	fg_sbuf_json_str(o, m->status);
	fg_sbuf_puts(o, ",\"source\":");
	fg_sbuf_json_str(o, m->found ? m->source : NULL);
	for (int i = 0; i < 5; i++) {
		if (m->found && iv[i] >= 0)
			fg_sbuf_printf(o, ",\"%s\":%lld", names[i], (long long)iv[i]);
		else
			fg_sbuf_printf(o, ",\"%s\":null", names[i]);
	}
	fg_sbuf_puts(o, ",\"auc\":");
	fg_sbuf_json_num(o, m->found ? m->auc : NAN);
	fg_sbuf_puts(o, ",\"ap\":");
	fg_sbuf_json_num(o, m->found ? m->ap : NAN);
	fg_sbuf_puts(o, ",\"p_at_k\":");
	fg_sbuf_json_num(o, m->found ? m->p_at_k : NAN);
	fg_sbuf_puts(o, ",\"top_importance\":[");
	for (size_t i = 0; i < m->n_top; i++) {
		fg_sbuf_puts(o, i ? ",{\"feature\":" : "{\"feature\":");
		fg_sbuf_json_str(o, m->top_feature[i]);
		fg_sbuf_puts(o, ",\"gain\":");
		fg_sbuf_json_num(o, m->top_gain[i]);
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "]}");
}

static void fmt_metric(char *b, size_t cap, bool found, double v)
{
	if (!found || isnan(v))
		snprintf(b, cap, "-");
	else
		snprintf(b, cap, "%.4f", v);
}

/* "Model" section: status, metrics against the previous run's, the top importance. */
static int text_model(fg_sbuf *o, const fg_report *r)
{
	static const char *const hdr[] = { "metric", "this run", "previous" };
	const fg_results_model *m = &r->model, *p = &r->prev_model;
	bool have_prev = r->prev.run_id != 0;
	fg_table *t = NULL;
	char a[32], b[32];
	int rc;

	fg_sbuf_puts(o, "\nModel\n");
	fg_sbuf_printf(o, "  status     %s\n", m->status ? m->status : "not recorded (a run before the learned model)");
	if (have_prev)
		fg_sbuf_printf(o, "  previous   %s\n", p->status ? p->status : "not recorded");
	if (!m->found && !(have_prev && p->found))
		return FG_OK;
	if ((rc = fg_table_new(&t, 3, hdr, "lrr", 40)))
		return rc;
	fg_table_cell(t, "source");
	fg_table_cell(t, "%s", m->found && m->source ? m->source : "-");
	fg_table_cell(t, "%s", have_prev && p->found && p->source ? p->source : "-");
	{
		const char *names[3] = { "AUC (out of fold)", "AP (out of fold)", "precision at k" };
		const double mv[3] = { m->auc, m->ap, m->p_at_k }, pv[3] = { p->auc, p->ap, p->p_at_k };
		for (int i = 0; i < 3; i++) {
			fmt_metric(a, sizeof(a), m->found, mv[i]);
			fmt_metric(b, sizeof(b), have_prev && p->found, pv[i]);
			fg_table_cell(t, "%s", names[i]);
			fg_table_cell(t, "%s", a);
			fg_table_cell(t, "%s", b);
		}
	}
	{
		const char *names[3] = { "k", "positives", "negatives" };
		const int64_t mv[3] = { m->k, m->n_positives, m->n_negatives };
		const int64_t pv[3] = { p->k, p->n_positives, p->n_negatives };
		for (int i = 0; i < 3; i++) {
			fg_table_cell(t, "%s", names[i]);
			if (m->found && mv[i] >= 0)
				fg_table_cell(t, "%lld", (long long)mv[i]);
			else
				fg_table_cell(t, "-");
			if (have_prev && p->found && pv[i] >= 0)
				fg_table_cell(t, "%lld", (long long)pv[i]);
			else
				fg_table_cell(t, "-");
		}
	}
	if ((rc = fg_table_check(t)))
		goto cleanup;
	fg_table_print(o, t, 2);
	if (m->n_top) {
		fg_sbuf_puts(o, "  top features by gain:");
		for (size_t i = 0; i < m->n_top; i++)
			fg_sbuf_printf(o, "%s %s %.4g", i ? "," : "", m->top_feature[i], m->top_gain[i]);
		fg_sbuf_puts(o, "\n");
	}
cleanup:
	fg_table_free(&t);
	return rc;
}

static void emit_json(fg_sbuf *o, const fg_report *r, double threshold, bool have_threshold)
{
	static const char *const psi_names[3] = { "user_score", "ring_size", "hubs_per_kind" };
	const fg_results_run *run = &r->run;
	const fg_results_dist *d = &r->dist;

	fg_sbuf_printf(o, "{\"format\":\"fraudgraph.report/1\",\"run_id\":%lld,\"started_at\":",
	               (long long)run->run_id);
	fg_sbuf_json_str(o, run->started);
	fg_sbuf_puts(o, ",\"finished_at\":");
	fg_sbuf_json_str(o, run->finished);
	fg_sbuf_puts(o, ",\"version\":");
	fg_sbuf_json_str(o, run->version);
	fg_sbuf_printf(o, ",\"params\":%s,\n\"counts\":{", run->params ? run->params : "null");
	for (int i = 0; i < FG_RESULTS_RUN_N_INTS; i++) {
		fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", fg_results_run_int_names[i]);
		if (run->int_null[i])
			fg_sbuf_puts(o, "null");
		else
			fg_sbuf_printf(o, "%lld", (long long)run->ints[i]);
	}
	fg_sbuf_puts(o, ",\"bytes_per_link\":");
	fg_sbuf_json_num(o, run->bytes_per_link);
	fg_sbuf_printf(o, ",\"seeds_in_rings\":%lld},\n\"times\":{", (long long)r->changes.seeds_in_rings);
	for (int i = 0; i < FG_RESULTS_RUN_N_TIMES; i++) {
		fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", fg_results_run_time_names[i]);
		fg_sbuf_json_num(o, run->times[i]);
	}
	fg_sbuf_printf(o, "},\n\"bad_rows\":%s,\n\"hubs_by_kind\":{", run->bad_rows_json ? run->bad_rows_json : "null");
	for (size_t i = 0; i < r->hub_kinds.n; i++) {
		fg_sbuf_puts(o, i ? "," : "");
		fg_sbuf_json_str(o, r->hub_kinds.v[i].name);
		fg_sbuf_printf(o, ":%lld", (long long)r->hub_kinds.v[i].count);
	}
	fg_sbuf_printf(o, "},\"hub_links\":%.0f,\"hub_link_share\":", r->hub_links);
	fg_sbuf_json_num(o, r->hub_share);
	fg_sbuf_printf(o, ",\"hub_warning\":%s,\n\"top_hubs\":[", r->hub_warning ? "true" : "false");
	json_hubs(o, r);
	fg_sbuf_puts(o, "],\n\"rings_by_size\":");
	json_hist(o, fg_results_size_bucket_names, d->size_buckets, FG_RESULTS_SIZE_BUCKETS);
	fg_sbuf_puts(o, ",\n\"rings_by_score\":");
	json_hist(o, fg_results_rscore_bucket_names, d->rscore_buckets, FG_RESULTS_RSCORE_BUCKETS);
	fg_sbuf_puts(o, ",\n\"rings_by_status\":{");
	for (int i = 0; i < FG_RESULTS_N_STATUS; i++)
		fg_sbuf_printf(o, "%s\"%s\":%.0f", i ? "," : "", fg_results_status_names[i], d->status[i]);
	fg_sbuf_printf(o, ",\"other\":%.0f,\"dissolved\":%lld},\n\"top_rings\":[", d->status[FG_RESULTS_N_STATUS],
	               (long long)r->changes.dissolved);
	json_rings(o, r);
	fg_sbuf_puts(o, "],\n\"model\":");
	json_model(o, &r->model);
	fg_sbuf_puts(o, ",\n\"previous_model\":");
	if (r->prev.run_id)
		json_model(o, &r->prev_model);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, ",\n\"drift\":");
	if (!r->prev.run_id) {
		fg_sbuf_puts(o, "null");
	} else {
		fg_sbuf_printf(o, "{\"previous_run_id\":%lld,\"previous_started_at\":", (long long)r->prev.run_id);
		fg_sbuf_json_str(o, r->prev.started);
		fg_sbuf_puts(o, ",\"psi\":{");
		for (int i = 0; i < 3; i++) {
			fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", psi_names[i]);
			fg_sbuf_json_num(o, r->psi[i]);
		}
		fg_sbuf_puts(o, "},\"previous_user_score_bins\":[");
		for (int i = 0; i < FG_RESULTS_SCORE_BINS; i++)
			fg_sbuf_printf(o, "%s%.0f", i ? "," : "", r->prev_dist.score_bins[i]);
		fg_sbuf_puts(o, "],\"user_score_bins\":[");
		for (int i = 0; i < FG_RESULTS_SCORE_BINS; i++)
			fg_sbuf_printf(o, "%s%.0f", i ? "," : "", d->score_bins[i]);
		fg_sbuf_puts(o, "],\"previous_rings_by_size\":");
		json_hist(o, fg_results_size_bucket_names, r->prev_dist.size_buckets, FG_RESULTS_SIZE_BUCKETS);
		fg_sbuf_printf(o, ",\"rings\":{\"new\":%.0f,\"grown\":%.0f,\"shrunk\":%.0f,\"merged\":%.0f,"
		                  "\"split\":%.0f,\"dissolved\":%lld,\"previous\":%lld,\"current\":%lld}",
		               d->status[0], d->status[2], d->status[3], d->status[4], d->status[5],
		               (long long)r->changes.dissolved, (long long)r->prev_dist.n_rings, (long long)d->n_rings);
		fg_sbuf_printf(o, ",\"seeds\":{\"gained\":%lld,\"lost\":%lld}", (long long)r->changes.seeds_gained,
		               (long long)r->changes.seeds_lost);
		fg_sbuf_puts(o, ",\n \"checks\":{");
		for (int i = 0; i < FG_DRIFT_N_CHECKS; i++) {
			const fg_drift_check *c = &r->checks[i];
			fg_sbuf_printf(o, "%s\"%s\":{\"judged\":%s,\"before\":", i ? ",\n  " : "\n  ", c->name,
			               c->judged ? "true" : "false");
			fg_sbuf_json_num(o, c->before);
			fg_sbuf_puts(o, ",\"now\":");
			fg_sbuf_json_num(o, c->now);
			fg_sbuf_puts(o, ",\"value\":");
			fg_sbuf_json_num(o, c->value);
			fg_sbuf_puts(o, ",\"limit\":");
			fg_sbuf_json_num(o, c->limit);
			fg_sbuf_printf(o, ",\"alert\":%s}", c->alert ? "true" : "false");
		}
		fg_sbuf_puts(o, "},\n \"feature_psi\":{");
		for (size_t i = 0; i < r->n_feature_drift; i++) {
			fg_sbuf_puts(o, i ? "," : "");
			fg_sbuf_json_str(o, r->feature_drift[i].name);
			fg_sbuf_puts(o, ":");
			fg_sbuf_json_num(o, r->feature_drift[i].psi);
		}
		fg_sbuf_printf(o, "},\n \"verdict\":\"%s\"}", r->drift ? "change" : "no change");
	}
	fg_sbuf_puts(o, ",\n\"fail_on_drift\":");
	if (have_threshold)
		fg_sbuf_json_num(o, threshold);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_printf(o, ",\"drift_alert\":%s}\n", have_threshold && r->drift ? "true" : "false");
}

static int table_hubs(fg_sbuf *o, const fg_report *r)
{
	static const char *const hdr[] = { "kind", "value", "share", "max_share" };
	fg_table *t = NULL;
	int rc;

	if (!r->n_top_hubs) {
		fg_sbuf_puts(o, "  none\n");
		return FG_OK;
	}
	if ((rc = fg_table_new(&t, 4, hdr, "llrr", 40)))
		return rc;
	for (size_t i = 0; i < r->n_top_hubs; i++) {
		const fg_res_hub *h = &r->top_hubs[i];
		fg_table_cell(t, "%s", h->kind ? h->kind : "");
		fg_table_cell(t, "%s", h->value ? h->value : "");
		fg_table_cell(t, "%lld", (long long)h->share);
		if (h->max_share < 0)
			fg_table_cell(t, "%s", "");
		else
			fg_table_cell(t, "%lld", (long long)h->max_share);
	}
	if (!(rc = fg_table_check(t)))
		fg_table_print(o, t, 2);
	fg_table_free(&t);
	return rc;
}

static int table_rings(fg_sbuf *o, const fg_report *r)
{
	static const char *const hdr[] = { "ring", "status", "users", "seeds", "cards", "devices",
	                                   "addr", "phones", "emails", "ips", "other", "links", "score",
	                                   "rule" };
	/* a model scored the run: score is the learned one, rule the hand-set one beside it */
	bool rule = r->model.found && r->model.source;
	fg_table *t = NULL;
	int rc;

	if (!r->n_top_rings) {
		fg_sbuf_puts(o, "  none\n");
		return FG_OK;
	}
	if ((rc = fg_table_new(&t, rule ? 14 : 13, hdr, "llrrrrrrrrrrrr", 12)))
		return rc;
	for (size_t i = 0; i < r->n_top_rings; i++) {
		const fg_results_ring_row *g = &r->top_rings[i];
		fg_table_cell(t, "%s", g->ring_key ? g->ring_key : "");
		fg_table_cell(t, "%s", g->status ? g->status : "");
		for (int c = 0; c < FG_RESULTS_RING_N_COUNTS; c++)
			fg_table_cell(t, "%lld", (long long)g->counts[c]);
		fg_table_cell(t, "%.3f", g->ring_score);
		if (rule && isnan(g->rule_score))
			fg_table_cell(t, "-");
		else if (rule)
			fg_table_cell(t, "%.3f", g->rule_score);
	}
	if (!(rc = fg_table_check(t)))
		fg_table_print(o, t, 2);
	fg_table_free(&t);
	return rc;
}

/* One row of the drift table: figures in the check's own unit. */
static void check_row(fg_table *t, const fg_drift_check *c, int i, const fg_drift_limits *lim)
{
	char b[4][48];
	const char *verdict = !c->judged ? "not judged" : c->alert ? "CHANGE" : "ok";

	switch (i) {
	case FG_DRIFT_USER_SCORE_PSI:
	case FG_DRIFT_RING_SIZE_PSI:
	case FG_DRIFT_HUB_KIND_PSI:
		fmt_num(b[0], sizeof(b[0]), c->before, "%.0f");
		fmt_num(b[1], sizeof(b[1]), c->now, "%.0f");
		fmt_num(b[2], sizeof(b[2]), c->value, "%.4f");
		snprintf(b[3], sizeof(b[3]), "%.2f", c->limit);
		if (!c->judged)
			verdict = "not judged: too few items (< min)";
		break;
	case FG_DRIFT_LINKS:
	case FG_DRIFT_USERS:
		fmt_num(b[0], sizeof(b[0]), c->before, "%.0f");
		fmt_num(b[1], sizeof(b[1]), c->now, "%.0f");
		fmt_num(b[2], sizeof(b[2]), 100 * c->value, "%+.1f%%");
		snprintf(b[3], sizeof(b[3]), "+-%.0f%%", 100 * c->limit);
		break;
	case FG_DRIFT_DISSOLVED:
	case FG_DRIFT_SEEDS_LOST:
		fmt_num(b[0], sizeof(b[0]), c->before, "%.0f");
		fmt_num(b[1], sizeof(b[1]), c->now, "%.0f");
		fmt_num(b[2], sizeof(b[2]), 100 * c->value, "%.1f%%");
		snprintf(b[3], sizeof(b[3]), "%.0f%%, >= %.0f", 100 * c->limit, lim->min_events);
		break;
	default:
		fmt_num(b[0], sizeof(b[0]), 100 * c->before, "%.1f%%");
		fmt_num(b[1], sizeof(b[1]), 100 * c->now, "%.1f%%");
		fmt_num(b[2], sizeof(b[2]), 100 * c->value, "%+.1f pts");
		snprintf(b[3], sizeof(b[3]), "+-%.0f pts", 100 * c->limit);
		break;
	}
	fg_table_cell(t, "%s", c->label);
	for (int k = 0; k < 4; k++)
		fg_table_cell(t, "%s", b[k]);
	fg_table_cell(t, "%s", verdict);
}

static int emit_text(fg_sbuf *o, const fg_report *r, const fg_drift_limits *lim, bool have_threshold)
{
	const fg_results_run *run = &r->run;
	const fg_results_dist *d = &r->dist;
	const int64_t *n = run->ints;
	char b[2][32];
	fg_table *t = NULL;
	int rc = FG_OK;

	fg_sbuf_printf(o, "Run %lld, started %s, finished %s, version %s, %lld threads\n", (long long)run->run_id,
	               run->started ? run->started : "-", run->finished ? run->finished : "-",
	               run->version ? run->version : "-", (long long)n[FG_RUN_THREADS]);
	if (r->hub_warning)
		fg_sbuf_printf(o, "  WARNING: hubs cut %.1f%% of the links (%.0f of %lld; more than %.0f%%): most users"
		                  " are kept out of\n  rings; raise --max-share for the kinds below if they are not"
		                  " shared identifiers\n",
		               100 * r->hub_share, r->hub_links, (long long)n[FG_RUN_N_LINKS], 100 * lim->hub_share_warn);
	if (run->params) {
		fg_sbuf_puts(o, "  params ");
		fg_sbuf_clip(o, run->params, 90);
		fg_sbuf_puts(o, "\n");
	}
	fg_sbuf_puts(o, "\nCounts\n");
	fg_sbuf_printf(o, "  rows %lld (filtered %lld, bad %lld)\n", (long long)n[FG_RUN_N_ROWS],
	               (long long)n[FG_RUN_N_FILTERED], (long long)n[FG_RUN_N_BAD_ROWS]);
	fg_sbuf_printf(o, "  users %lld  entities %lld  links %lld  user links %lld\n", (long long)n[FG_RUN_N_USERS],
	               (long long)n[FG_RUN_N_ENTITIES], (long long)n[FG_RUN_N_LINKS], (long long)n[FG_RUN_N_USER_LINKS]);
	fg_sbuf_printf(o, "  hubs %lld  seeds %lld (in rings %lld)  legit %lld  components %lld  rings %lld\n",
	               (long long)n[FG_RUN_N_HUBS], (long long)n[FG_RUN_N_SEEDS], (long long)r->changes.seeds_in_rings,
	               (long long)n[FG_RUN_N_LEGIT], (long long)n[FG_RUN_N_COMPONENTS], (long long)n[FG_RUN_N_RINGS]);
	fg_sbuf_printf(o, "  iterations: rings %lld, risk %lld\n", (long long)n[FG_RUN_LPA_ITERATIONS],
	               (long long)n[FG_RUN_RISK_ITERATIONS]);
	fg_sbuf_puts(o, "\nPhases (seconds)\n  ");
	for (int i = 0; i < FG_RESULTS_RUN_N_TIMES; i++) {
		fmt_num(b[0], sizeof(b[0]), run->times[i], "%.3f");
		fg_sbuf_printf(o, "%s%s %s", i ? (i == 5 ? "\n  " : "  ") : "", fg_results_run_time_names[i], b[0]);
	}
	fmt_num(b[0], sizeof(b[0]), run->int_null[FG_RUN_PEAK_RSS] ? NAN : (double)n[FG_RUN_PEAK_RSS] / (1024.0 * 1024.0),
	        "%.1f");
	fmt_num(b[1], sizeof(b[1]), run->bytes_per_link, "%.1f");
	fg_sbuf_printf(o, "\n  peak RSS %s MiB  bytes per link %s\n", b[0], b[1]);

	fg_sbuf_puts(o, "\nBad rows\n");
	if (!run->bad_rows_json)
		fg_sbuf_puts(o, "  none recorded\n");
	else if (!run->bad_rows.n)
		fg_sbuf_puts(o, "  none\n");
	for (size_t i = 0; i < run->bad_rows.n; i++)
		fg_sbuf_printf(o, "  %-24s %lld\n", run->bad_rows.v[i].name, (long long)run->bad_rows.v[i].count);

	fg_sbuf_puts(o, "\nHubs per kind\n");
	for (size_t i = 0; i < r->hub_kinds.n; i++)
		fg_sbuf_printf(o, "  %s %lld", r->hub_kinds.v[i].name, (long long)r->hub_kinds.v[i].count);
	fg_sbuf_puts(o, r->hub_kinds.n ? "\n" : "  none\n");
	fmt_num(b[0], sizeof(b[0]), 100 * r->hub_share, "%.1f%%");
	fg_sbuf_printf(o, "  links to hubs %.0f (%s of the links)\n", r->hub_links, b[0]);
	fg_sbuf_puts(o, "\nTop hubs by share\n");
	if ((rc = table_hubs(o, r)))
		goto cleanup;

	fg_sbuf_puts(o, "\nRings by size\n  ");
	for (int i = 0; i < FG_RESULTS_SIZE_BUCKETS; i++)
		fg_sbuf_printf(o, "%s%s: %.0f", i ? "  " : "", fg_results_size_bucket_names[i], d->size_buckets[i]);
	fg_sbuf_puts(o, "\nRings by score\n  ");
	for (int i = 0; i < FG_RESULTS_RSCORE_BUCKETS; i++)
		fg_sbuf_printf(o, "%s%s: %.0f", i ? "  " : "", fg_results_rscore_bucket_names[i], d->rscore_buckets[i]);
	fg_sbuf_puts(o, "\nRings by status\n  ");
	for (int i = 0; i < FG_RESULTS_N_STATUS; i++)
		fg_sbuf_printf(o, "%s%s: %.0f", i ? "  " : "", fg_results_status_names[i], d->status[i]);
	fg_sbuf_printf(o, "  dissolved: %lld\n", (long long)r->changes.dissolved);

	fg_sbuf_puts(o, "\nTop rings by score\n");
	if ((rc = table_rings(o, r)))
		goto cleanup;
	if ((rc = text_model(o, r)))
		goto cleanup;

	if (!r->prev.run_id) {
		fg_sbuf_puts(o, "\nDrift\n  no previous committed run: nothing to compare with\n");
	} else {
		static const char *const hdr[] = { "check", "before", "now", "change", "limit", "verdict" };
		int n_alert = 0;
		fg_sbuf_printf(o, "\nDrift against run %lld (%s)\n", (long long)r->prev.run_id,
		               r->prev.started ? r->prev.started : "-");
		if ((rc = fg_table_new(&t, 6, hdr, "lrrrrl", 0)))
			goto cleanup;
		for (int i = 0; i < FG_DRIFT_N_CHECKS; i++) {
			check_row(t, &r->checks[i], i, lim);
			n_alert += r->checks[i].alert;
		}
		if ((rc = fg_table_check(t)))
			goto cleanup;
		fg_table_print(o, t, 2);
		fg_sbuf_printf(o, "  (PSI judged with >= %.0f items in both runs, bins merged to >= %.0f each)\n",
		               lim->min_items, lim->min_bin);
		fg_sbuf_printf(o, "  rings: %lld before, %lld now; new %.0f, grown %.0f, shrunk %.0f,"
		                  " merged %.0f, split %.0f, dissolved %lld\n",
		               (long long)r->prev_dist.n_rings, (long long)d->n_rings, d->status[0], d->status[2],
		               d->status[3], d->status[4], d->status[5], (long long)r->changes.dissolved);
		fg_sbuf_printf(o, "  seeds: gained %lld, lost %lld\n", (long long)r->changes.seeds_gained,
		               (long long)r->changes.seeds_lost);
		if (r->n_feature_drift) {
			size_t shown = 0;
			fg_sbuf_puts(o, "  features that moved most (PSI over the previous run's deciles):\n   ");
			for (size_t i = 0; i < r->n_feature_drift && shown < 5; i++) {
				if (isnan(r->feature_drift[i].psi))
					continue;
				fg_sbuf_printf(o, "%s %s %.4f", shown++ ? "," : "", r->feature_drift[i].name,
				               r->feature_drift[i].psi);
			}
			fg_sbuf_puts(o, shown ? "\n" : " none judged (too few users)\n");
		}
		if (!r->drift) {
			fg_sbuf_puts(o, "  verdict: no change that matters\n");
		} else {
			fg_sbuf_printf(o, "  verdict: CHANGE in %d check%s:", n_alert, n_alert > 1 ? "s" : "");
			for (int i = 0, k = 0; i < FG_DRIFT_N_CHECKS; i++)
				if (r->checks[i].alert)
					fg_sbuf_printf(o, "%s %s", k++ ? "," : "", r->checks[i].label);
			fg_sbuf_puts(o, "\n");
		}
	}
	if (have_threshold)
		fg_sbuf_printf(o, "  --fail-on-drift %g: %s\n", lim->psi,
		               r->drift ? "DRIFT (exit 5)" : "no change above the limits");
cleanup:
	fg_table_free(&t);
	return rc;
}

enum { OPT_DB = 1, OPT_RUN, OPT_JSON, OPT_FAIL };

static const fg_opt_spec opts[] = {
	{ FG_OPT_VALUE, "db", OPT_DB, "PATH", "results database (required)", NULL },
	{ FG_OPT_VALUE, "run", OPT_RUN, "ID", "run to report", "the latest committed run" },
	{ FG_OPT_SWITCH, "json", OPT_JSON, NULL, "one JSON object instead of text (docs/operations.md)", NULL },
	{ FG_OPT_VALUE, "fail-on-drift", OPT_FAIL, "PSI",
	  "exit 5 after printing when a check finds a change\n(a PSI above this value, or another check above its"
	  " limit)",
	  NULL },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

static void help(void)
{
	fg_opt_help(stdout, "usage: fraudgraph report --db RESULTS.db [--run ID] [--json] [--fail-on-drift PSI]",
	            "A run at a glance (counts, phase times, bad rows, hubs, seeds, rings by size and\n"
	            "score, the top rings) and a drift verdict against the previous committed run:\n"
	            "PSI of user scores, ring sizes and hubs per kind (judged only with enough items),\n"
	            "links and users volume, share of rings dissolved, seeds lost, hub share of links,\n"
	            "each with a documented limit (docs/operations.md, \"Report and drift\").",
	            opts);
}

int fg_cmd_report(int argc, char **argv)
{
	const char *db_path = NULL, *run_arg = NULL;
	fg_opt_parser op;
	fg_drift_limits lim = fg_drift_limits_default;
	bool json = false, have_threshold = false;
	fg_results *res = NULL;
	fg_res_arena arena = { 0 };
	fg_res_run run = { 0 };
	fg_sbuf out = { 0 };
	fg_report r;
	int64_t prev_id = 0;
	int rc = FG_OK;

	memset(&r, 0, sizeof(r));
	fg_opt_init(&op, "report", opts, argc, argv);
	while ((rc = fg_opt_next(&op)) > 0) {
		switch (op.id) {
		case FG_OPT_HELP: help(); return FG_EXIT_OK;
		case OPT_DB: db_path = op.value; break;
		case OPT_RUN: run_arg = op.value; break;
		case OPT_JSON: json = true; break;
		case OPT_FAIL:
			if ((rc = fg_opt_double(&lim.psi, &op, 0, 1e300)))
				return fg_cli_fail(rc);
			have_threshold = true;
			break;
		default:
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "report: unexpected argument '%s' (see --help)",
			                                op.value));
		}
	}
	if (rc < 0)
		return fg_cli_fail(rc);
	if (!db_path)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "report: --db RESULTS.db is required (see --help)"));
	rc = fg_results_open(&res, db_path);
	if (!rc)
		rc = fg_results_run_pick(&run, &arena, res, run_arg);
	if (!rc)
		rc = fg_results_run_previous(&prev_id, res, run.run_id);
	if (!rc)
		rc = fg_report_build(&r, res, run.run_id, prev_id, &lim);
	if (!rc) {
		if (json)
			emit_json(&out, &r, lim.psi, have_threshold);
		else
			rc = emit_text(&out, &r, &lim, have_threshold);
	}
	if (!rc)
		rc = fg_sbuf_check(&out);
	if (!rc)
		rc = fg_sbuf_write(&out, stdout);
	fg_sbuf_free(&out);
	fg_res_arena_free(&arena);
	fg_results_close(&res);
	if (rc) {
		fg_report_free(&r);
		return fg_cli_fail(rc);
	}
	if (have_threshold && r.drift) {
		fprintf(stderr, "fraudgraph: drift: a check found a change (--fail-on-drift %g)\n", lim.psi);
		fg_report_free(&r);
		return FG_EXIT_DRIFT;
	}
	fg_report_free(&r);
	return FG_EXIT_OK;
}
