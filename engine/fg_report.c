/*
 * fg_report: see fg_report.h.  The reads are src/fg_results_runs, the PSI and
 * the bin merging algorithms/fg_metrics; this file decides what is a change.
 */
#include "fg_report.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const fg_drift_limits fg_drift_limits_default = {
	.psi = 0.25,
	.min_items = 200,
	.min_bin = 20,
	.volume_change = 0.20,
	.dissolved_share = 0.25,
	.seeds_lost_share = 0.10,
	.min_events = 3,
	.hub_share_change = 0.10,
	.hub_share_warn = 0.50,
};

#define TOP_N 10

static double sum(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* A PSI check over copies of the two histograms, merged per the limits. */
static void psi_check(fg_drift_check *c, const double *cur, const double *prev, size_t n, double *buf,
                      const fg_drift_limits *lim)
{
	double *a = buf, *b = buf + n;

	c->before = sum(prev, n);
	c->now = sum(cur, n);
	c->limit = lim->psi;
	c->value = NAN;
	if (c->before < lim->min_items || c->now < lim->min_items)
		return;
	memcpy(a, cur, n * sizeof(double));
	memcpy(b, prev, n * sizeof(double));
	c->bins = fg_metrics_psi_merge(a, b, n, lim->min_bin);
	c->value = fg_metrics_psi(a, b, c->bins);
	c->judged = !isnan(c->value);
	c->alert = c->judged && c->value > lim->psi;
}

static void volume_check(fg_drift_check *c, const fg_results_run *cur, const fg_results_run *prev, int col,
                         const fg_drift_limits *lim)
{
	c->before = (double)prev->ints[col];
	c->now = (double)cur->ints[col];
	c->limit = lim->volume_change;
	c->value = NAN;
	if (prev->int_null[col] || cur->int_null[col] || c->before <= 0)
		return;
	c->value = c->now / c->before - 1;
	c->judged = true;
	c->alert = fabs(c->value) > lim->volume_change;
}

/* events out of a population before: share above limit and at least min_events. */
static void share_check(fg_drift_check *c, double before, double events, double limit,
                        const fg_drift_limits *lim)
{
	c->before = before;
	c->now = events;
	c->limit = limit;
	c->value = before > 0 ? events / before : NAN;
	c->judged = before > 0;
	c->alert = c->judged && c->value > limit && events >= lim->min_events;
}

int fg_report_judge(fg_report *r, const fg_drift_limits *lim)
{
	static const char *const names[FG_DRIFT_N_CHECKS][2] = {
		{ "user_score_psi", "user score PSI" },   { "ring_size_psi", "ring size PSI" },
		{ "hubs_per_kind_psi", "hubs per kind PSI" }, { "links", "links" },
		{ "users", "users" },                     { "rings_dissolved", "rings dissolved" },
		{ "seeds_lost", "seeds lost" },           { "hub_link_share", "hub share of links" },
	};
	size_t nk = r->hub_kinds.n + r->prev_hub_kinds.n;
	double *kc = NULL, *kp = NULL, *buf = NULL, prev_links = 0;
	size_t k = 0;
	int rc = FG_OK;

	memset(r->checks, 0, sizeof(r->checks));
	for (int i = 0; i < FG_DRIFT_N_CHECKS; i++) {
		r->checks[i].name = names[i][0];
		r->checks[i].label = names[i][1];
		r->checks[i].value = NAN;
	}
	r->drift = false;
	/* hub share of links: each hub's share is its number of links */
	r->hub_links = 0;
	for (size_t i = 0; i < r->hub_kinds.n; i++)
		r->hub_links += (double)r->hub_kinds.v[i].links;
	for (size_t i = 0; i < r->prev_hub_kinds.n; i++)
		prev_links += (double)r->prev_hub_kinds.v[i].links;
	r->hub_share = r->run.ints[FG_RUN_N_LINKS] > 0 ? r->hub_links / (double)r->run.ints[FG_RUN_N_LINKS] : NAN;
	r->prev_hub_share = r->prev.run_id && r->prev.ints[FG_RUN_N_LINKS] > 0
	                            ? prev_links / (double)r->prev.ints[FG_RUN_N_LINKS]
	                            : NAN;
	r->hub_warning = r->hub_share > lim->hub_share_warn;

	/* hubs per kind: the two runs' kinds aligned (both lists sorted by kind) */
	kc = fg_calloc(nk ? nk : 1, sizeof(double));
	kp = fg_calloc(nk ? nk : 1, sizeof(double));
	buf = fg_mallocarray(2 * (nk > FG_RESULTS_SCORE_BINS ? nk : FG_RESULTS_SCORE_BINS), sizeof(double));
	if (!kc || !kp || !buf) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (report)");
		goto cleanup;
	}
	for (size_t i = 0, j = 0; i < r->hub_kinds.n || j < r->prev_hub_kinds.n; k++) {
		int c = i == r->hub_kinds.n          ? 1
		        : j == r->prev_hub_kinds.n ? -1
		                                   : strcmp(r->hub_kinds.v[i].name, r->prev_hub_kinds.v[j].name);
		if (c <= 0)
			kc[k] = (double)r->hub_kinds.v[i++].count;
		if (c >= 0)
			kp[k] = (double)r->prev_hub_kinds.v[j++].count;
	}
	r->psi[0] = fg_metrics_psi(r->dist.score_bins, r->prev_dist.score_bins, FG_RESULTS_SCORE_BINS);
	r->psi[1] = fg_metrics_psi(r->dist.size_buckets, r->prev_dist.size_buckets, FG_RESULTS_SIZE_BUCKETS);
	r->psi[2] = fg_metrics_psi(kc, kp, k);
	if (!r->prev.run_id)
		goto cleanup;

	psi_check(&r->checks[FG_DRIFT_USER_SCORE_PSI], r->dist.score_bins, r->prev_dist.score_bins,
	          FG_RESULTS_SCORE_BINS, buf, lim);
	psi_check(&r->checks[FG_DRIFT_RING_SIZE_PSI], r->dist.size_buckets, r->prev_dist.size_buckets,
	          FG_RESULTS_SIZE_BUCKETS, buf, lim);
	psi_check(&r->checks[FG_DRIFT_HUB_KIND_PSI], kc, kp, k, buf, lim);
	volume_check(&r->checks[FG_DRIFT_LINKS], &r->run, &r->prev, FG_RUN_N_LINKS, lim);
	volume_check(&r->checks[FG_DRIFT_USERS], &r->run, &r->prev, FG_RUN_N_USERS, lim);
	share_check(&r->checks[FG_DRIFT_DISSOLVED], (double)r->prev_dist.n_rings, (double)r->changes.dissolved,
	            lim->dissolved_share, lim);
	share_check(&r->checks[FG_DRIFT_SEEDS_LOST], r->prev.int_null[FG_RUN_N_SEEDS] ? 0 : (double)r->prev.ints[FG_RUN_N_SEEDS],
	            (double)r->changes.seeds_lost, lim->seeds_lost_share, lim);
	{
		fg_drift_check *c = &r->checks[FG_DRIFT_HUB_SHARE];
		c->before = r->prev_hub_share;
		c->now = r->hub_share;
		c->limit = lim->hub_share_change;
		c->judged = !isnan(c->before) && !isnan(c->now);
		c->value = c->judged ? c->now - c->before : NAN;
		c->alert = c->judged && fabs(c->value) > lim->hub_share_change;
	}
	for (int i = 0; i < FG_DRIFT_N_CHECKS; i++)
		r->drift |= r->checks[i].alert;
cleanup:
	fg_free(kc);
	fg_free(kp);
	fg_free(buf);
	return rc;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Bin of v among the ascending edges e[0..ne): v <= e[0] -> 0, ..., > e[ne-1] -> ne; NAN -> ne + 1. */
static size_t bin_of(double v, const double *e, size_t ne)
{
	size_t lo = 0, hi = ne;

	if (isnan(v))
		return ne + 1;
	while (lo < hi) { /* first edge >= v */
		size_t mid = lo + (hi - lo) / 2;
		if (e[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define DECILES 10

double fg_report_feature_psi(size_t *bins, const double *cur, size_t nc, const double *prev, size_t np,
                             const fg_drift_limits *lim)
{
	double *sorted = NULL, edges[DECILES], hc[DECILES + 2] = { 0 }, hp[DECILES + 2] = { 0 };
	size_t ns = 0, ne = 0, nb;
	double psi = NAN;

	*bins = 0;
	if ((double)nc < lim->min_items || (double)np < lim->min_items)
		return NAN;
	sorted = fg_mallocarray(np, sizeof(double));
	if (!sorted) {
		fg_error_set(FG_ENOMEM, "out of memory (feature drift over %zu users)", np);
		return NAN;
	}
	for (size_t i = 0; i < np; i++)
		if (!isnan(prev[i]))
			sorted[ns++] = prev[i];
	qsort(sorted, ns, sizeof(double), dbl_cmp);
	for (size_t q = 1; q < DECILES && ns; q++) {
		double v = sorted[(q * ns) / DECILES];
		if (!ne || v > edges[ne - 1])
			edges[ne++] = v;
	}
	for (size_t i = 0; i < np; i++)
		hp[bin_of(prev[i], edges, ne)]++;
	for (size_t i = 0; i < nc; i++)
		hc[bin_of(cur[i], edges, ne)]++;
	nb = fg_metrics_psi_merge(hc, hp, ne + 2, lim->min_bin);
	*bins = nb;
	psi = fg_metrics_psi(hc, hp, nb);
	fg_free(sorted);
	return psi;
}

static int fd_cmp(const void *a, const void *b)
{
	const fg_feature_drift *x = a, *y = b;

	if (isnan(x->psi) != isnan(y->psi))
		return isnan(x->psi) ? 1 : -1;
	if (!isnan(x->psi) && x->psi != y->psi)
		return x->psi > y->psi ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int feature_drift(fg_report *r, const fg_drift_limits *lim)
{
	const fg_results_features *f = &r->features, *p = &r->prev_features;

	if (!f->n_cols)
		return FG_OK;
	r->feature_drift = fg_calloc(f->n_cols, sizeof(fg_feature_drift));
	if (!r->feature_drift)
		return fg_error_set(FG_ENOMEM, "out of memory (feature drift)");
	for (size_t c = 0; c < f->n_cols; c++) {
		fg_feature_drift *d = &r->feature_drift[r->n_feature_drift++];
		d->name = f->name[c];
		d->psi = NAN;
		for (size_t k = 0; r->prev.run_id && k < p->n_cols; k++) {
			if (strcmp(p->name[k], f->name[c]))
				continue;
			fg_error_clear();
			d->psi = fg_report_feature_psi(&d->bins, f->col[c], f->n_rows, p->col[k], p->n_rows, lim);
			if (fg_error_code() == FG_ENOMEM)
				return FG_ENOMEM;
			break;
		}
	}
	qsort(r->feature_drift, r->n_feature_drift, sizeof(fg_feature_drift), fd_cmp);
	return FG_OK;
}

/*
 * Feature drift reads at most about FEATURE_SAMPLE users per run (every k-th
 * in user_id order): 17 columns x 2 runs x 100k doubles = 27 MB on a 2 M-user
 * run instead of 540 MB, and a PSI over 100k users is as telling.
 */
#define FEATURE_SAMPLE 100000

static size_t feature_stride(const fg_results_run *run)
{
	int64_t n = run->int_null[FG_RUN_N_USERS] ? 0 : run->ints[FG_RUN_N_USERS];

	return n > FEATURE_SAMPLE ? (size_t)((n + FEATURE_SAMPLE - 1) / FEATURE_SAMPLE) : 1;
}

int fg_report_build(fg_report *out, fg_results *res, int64_t run_id, int64_t prev_id,
                    const fg_drift_limits *lim)
{
	sqlite3 *db = fg_results_db(res);
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = fg_results_run_read(&out->run, db, run_id)))
		return rc;
	if ((rc = fg_results_dist_read(&out->dist, db, run_id)))
		return rc;
	if ((rc = fg_results_hub_kinds(&out->hub_kinds, db, run_id)))
		return rc;
	if ((rc = fg_results_hubs(&out->top_hubs, &out->n_top_hubs, &out->hub_arena, res, run_id, TOP_N)))
		return rc;
	if ((rc = fg_results_top_rings(&out->top_rings, &out->n_top_rings, db, run_id, TOP_N)))
		return rc;
	if ((rc = fg_results_changes_read(&out->changes, db, run_id, prev_id)))
		return rc;
	if ((rc = fg_results_model_read(&out->model, db, run_id)))
		return rc;
	if (prev_id) {
		if ((rc = fg_results_model_read(&out->prev_model, db, prev_id)))
			return rc;
		if ((rc = fg_results_run_read(&out->prev, db, prev_id)))
			return rc;
		if ((rc = fg_results_dist_read(&out->prev_dist, db, prev_id)))
			return rc;
		if ((rc = fg_results_hub_kinds(&out->prev_hub_kinds, db, prev_id)))
			return rc;
		if ((rc = fg_results_features_read(&out->prev_features, db, prev_id, feature_stride(&out->prev))))
			return rc;
	}
	if ((rc = fg_results_features_read(&out->features, db, run_id, feature_stride(&out->run))))
		return rc;
	if ((rc = feature_drift(out, lim)))
		return rc;
	return fg_report_judge(out, lim);
}

void fg_report_free(fg_report *r)
{
	fg_results_run_free(&r->run);
	fg_results_run_free(&r->prev);
	fg_results_counts_free(&r->hub_kinds);
	fg_results_counts_free(&r->prev_hub_kinds);
	fg_res_arena_free(&r->hub_arena);
	fg_results_rings_free(r->top_rings, r->n_top_rings);
	fg_results_features_free(&r->features);
	fg_results_features_free(&r->prev_features);
	fg_free(r->feature_drift);
	fg_results_model_free(&r->model);
	fg_results_model_free(&r->prev_model);
	memset(r, 0, sizeof(*r));
}
