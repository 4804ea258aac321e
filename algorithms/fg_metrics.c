/*
 * fg_metrics: precision and recall at k, average precision, ROC AUC with
 * ties, ring recovery by best Jaccard, population stability index.
 *
 * Definitions (docs/operations.md, "Evaluate" and "Report and drift"):
 *   - AUC is the Mann-Whitney U statistic over P positives and N negatives
 *     (Hanley and McNeil, Radiology 1982), with average ranks for ties;
 *   - PSI is the symmetric Kullback-Leibler divergence of two binned
 *     distributions (Yurdakul, "Statistical properties of population
 *     stability index", 2018), with additive smoothing so an empty bin is
 *     finite.
 * Data layout: flat arrays in ranking order; see fg_metrics.h.
 * Complexity: linear except ring recovery (two sorts).  Serial.
 */
#include "fg_metrics.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

double fg_metrics_precision_at(const uint8_t *pos, size_t n, size_t k)
{
	size_t tp = 0;

	if (k > n)
		k = n;
	if (k == 0)
		return NAN;
	for (size_t i = 0; i < k; i++)
		tp += pos[i] != 0;
	return (double)tp / (double)k;
}

double fg_metrics_recall_at(const uint8_t *pos, size_t n, size_t k)
{
	size_t tp = 0, p = 0;

	for (size_t i = 0; i < n; i++) {
		p += pos[i] != 0;
		if (i < k)
			tp += pos[i] != 0;
	}
	return p ? (double)tp / (double)p : NAN;
}

double fg_metrics_average_precision(const uint8_t *pos, size_t n)
{
	size_t tp = 0;
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (!pos[i])
			continue;
		tp++;
		sum += (double)tp / (double)(i + 1);
	}
	return tp ? sum / (double)tp : NAN;
}

void fg_metrics_avg_ranks(double *out, const double *score, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && score[j + 1] == score[i])
			j++;
		assert(j + 1 >= n || score[j + 1] < score[i]); /* non-increasing */
		/* descending positions i..j (0-based) are ascending ranks n-j..n-i */
		double avg = (double)n - ((double)i + (double)j) / 2;
		for (size_t k = i; k <= j; k++)
			out[k] = avg;
		i = j + 1;
	}
}

double fg_metrics_roc_auc(const double *score, const uint8_t *pos, size_t n)
{
	double rank_sum = 0, p = 0;

	for (size_t i = 0; i < n;) {
		size_t j = i, tied_pos = 0;
		while (j + 1 < n && score[j + 1] == score[i])
			j++;
		assert(j + 1 >= n || score[j + 1] < score[i]);
		for (size_t k = i; k <= j; k++)
			tied_pos += pos[k] != 0;
		rank_sum += (double)tied_pos * ((double)n - ((double)i + (double)j) / 2);
		p += (double)tied_pos;
		i = j + 1;
	}
	if (p == 0 || p == (double)n)
		return NAN;
	return (rank_sum - p * (p + 1) / 2) / (p * ((double)n - p));
}

typedef struct tf {
	int64_t t, f;
} tf;

static int tf_cmp(const void *a, const void *b)
{
	const tf *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->f > y->f) - (x->f < y->f);
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Items of sorted[0..n) equal to v (binary search). */
static size_t count_of(const int64_t *sorted, size_t n, int64_t v)
{
	size_t lo = 0, hi = n, first;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - first;
}

int fg_metrics_ring_recovery(fg_metrics_rings *out, const int64_t *true_ring,
                             const int64_t *found_ring, size_t n, double threshold)
{
	tf *pairs = NULL;
	int64_t *found = NULL;
	size_t np = 0, nf = 0;
	double sum = 0;
	int rc = FG_OK;

	out->n_true = out->n_recovered = 0;
	out->mean_best = NAN;
	pairs = fg_mallocarray(n ? n : 1, sizeof(tf));
	found = fg_mallocarray(n ? n : 1, sizeof(int64_t));
	if (!pairs || !found) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (ring recovery over %zu users)", n);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		if (true_ring[i] != FG_METRICS_NO_RING)
			pairs[np++] = (tf){ true_ring[i], found_ring[i] };
		if (found_ring[i] != FG_METRICS_NO_RING)
			found[nf++] = found_ring[i];
	}
	qsort(pairs, np, sizeof(tf), tf_cmp);
	qsort(found, nf, sizeof(int64_t), i64_cmp);
	/* per true ring: its size, then runs of equal found ring = the intersections */
	for (size_t i = 0; i < np;) {
		size_t j = i;
		double best = 0;
		while (j < np && pairs[j].t == pairs[i].t)
			j++;
		for (size_t a = i; a < j;) {
			size_t b = a;
			while (b < j && pairs[b].f == pairs[a].f)
				b++;
			if (pairs[a].f != FG_METRICS_NO_RING) {
				double inter = (double)(b - a);
				double uni = (double)(j - i) + (double)count_of(found, nf, pairs[a].f) - inter;
				if (inter / uni > best)
					best = inter / uni;
			}
			a = b;
		}
		sum += best;
		out->n_true++;
		out->n_recovered += best > threshold;
		i = j;
	}
	if (out->n_true)
		out->mean_best = sum / (double)out->n_true;
cleanup:
	fg_free(pairs);
	fg_free(found);
	return rc;
}

double fg_metrics_psi(const double *cur, const double *prev, size_t nbins)
{
	double tc = 0, tp = 0, psi = 0, d = 1 + (double)nbins * FG_METRICS_PSI_EPS;

	for (size_t i = 0; i < nbins; i++) {
		tc += cur[i];
		tp += prev[i];
	}
	if (nbins == 0 || !(tc > 0) || !(tp > 0))
		return NAN;
	for (size_t i = 0; i < nbins; i++) {
		double a = (cur[i] / tc + FG_METRICS_PSI_EPS) / d;
		double e = (prev[i] / tp + FG_METRICS_PSI_EPS) / d;
		psi += (a - e) * log(a / e);
	}
	return psi;
}

size_t fg_metrics_psi_merge(double *cur, double *prev, size_t nbins, double min_count)
{
	size_t w = 0;
	double gc = 0, gp = 0;

	for (size_t i = 0; i < nbins; i++) {
		gc += cur[i];
		gp += prev[i];
		if (gc >= min_count && gp >= min_count) {
			cur[w] = gc;
			prev[w] = gp;
			w++;
			gc = gp = 0;
		}
	}
	if (gc > 0 || gp > 0 || (w == 0 && nbins > 0)) {
		if (w == 0) {
			cur[0] = gc;
			prev[0] = gp;
			w = 1;
		} else {
			cur[w - 1] += gc;
			prev[w - 1] += gp;
		}
	}
	return w;
}
