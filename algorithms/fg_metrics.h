/*
 * fg_metrics: detection and stability metrics (evaluate, report).
 *
 * Ranking metrics read a ranking given best first: pos[i] != 0 when the
 * i-th ranked item is a positive, score[i] its score (non-increasing).  The
 * caller fixes the order of tied scores (evaluate: user_id), so precision at
 * k and AP are deterministic; ROC AUC does not depend on that order (tied
 * scores share their average rank).  Empty or degenerate inputs give NAN,
 * never a division by zero.
 *
 * Distribution metrics (PSI) take two histograms of counts over the same bins.
 *
 * No function here allocates except fg_metrics_ring_recovery.  All are
 * serial and reentrant; none calls igraph.
 */
#ifndef FG_ALGORITHMS_FG_METRICS_H
#define FG_ALGORITHMS_FG_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* ---- ranking ------------------------------------------------------------ */

/*
 * Positives among the first k items / k (k capped at n).  NAN when k or n is 0.
 * O(min(k, n)).
 */
double fg_metrics_precision_at(const uint8_t *pos, size_t n, size_t k);

/* Positives among the first k items / all positives.  NAN without positives.  O(n). */
double fg_metrics_recall_at(const uint8_t *pos, size_t n, size_t k);

/*
 * Average precision: mean over the positives of the precision at their rank
 * (sum_{i: pos} tp(i) / i, over P).  NAN without positives.  O(n).
 */
double fg_metrics_average_precision(const uint8_t *pos, size_t n);

/*
 * out[i] = the ascending 1-based rank of item i, tied scores sharing the mean
 * of their ranks (the last item of a non-increasing ranking has rank 1 unless
 * tied).  score must be non-increasing (asserted).  O(n).
 */
void fg_metrics_avg_ranks(double *out, const double *score, size_t n);

/*
 * ROC AUC by Mann-Whitney: (sum of the positives' ascending average ranks
 * - P(P+1)/2) / (P N), so a tie between a positive and a negative counts one
 * half.  score non-increasing (asserted).  NAN without positives or without
 * negatives.  O(n), no allocation.
 */
double fg_metrics_roc_auc(const double *score, const uint8_t *pos, size_t n);

/* ---- ring recovery ------------------------------------------------------ */

/* "No ring" in the ring arrays of fg_metrics_ring_recovery. */
#define FG_METRICS_NO_RING INT64_MIN

typedef struct fg_metrics_rings {
	size_t n_true;      /* true rings (distinct true_ring values) */
	size_t n_recovered; /* true rings whose best Jaccard is > threshold */
	double mean_best;   /* mean over true rings of the best Jaccard; NAN without true rings */
} fg_metrics_rings;

/*
 * Ring recovery: for every true ring T (items i with true_ring[i] == T), the
 * best Jaccard |T n F| / |T u F| over the found rings F (items with
 * found_ring[i] == F); a T none of whose items is in a found ring scores 0.
 * The n items are the universe: every item of the run and every true-ring
 * item missing from it (with found_ring FG_METRICS_NO_RING), so |F| and |T|
 * count all of them.  Either array may hold FG_METRICS_NO_RING.
 * Returns FG_OK or FG_ENOMEM.  O(n log n) time, O(n) memory.
 */
int fg_metrics_ring_recovery(fg_metrics_rings *out, const int64_t *true_ring,
                             const int64_t *found_ring, size_t n, double threshold);

/* ---- population stability ----------------------------------------------- */

/* The smoothing of fg_metrics_psi: an empty bin costs a large but finite amount. */
#define FG_METRICS_PSI_EPS 1e-4

/*
 * Population stability index of two histograms of counts over nbins bins:
 *     p_i' = (p_i / total + eps) / (1 + nbins * eps),  eps = FG_METRICS_PSI_EPS
 *     PSI  = sum_i (cur_i' - prev_i') ln(cur_i' / prev_i').
 * Symmetric in the two, 0 for equal shares.  NAN when either total is 0 or
 * nbins is 0.  O(nbins).
 */
double fg_metrics_psi(const double *cur, const double *prev, size_t nbins);

/*
 * Merge adjacent bins in place so that every bin holds at least min_count in
 * both histograms: bins are taken left to right into a group until the group
 * reaches min_count on both sides; a last group that falls short joins the
 * group before it.  When no group reaches min_count on both sides the result
 * is one bin (whose PSI is 0).  Returns the new number of bins (<= nbins; 0 for nbins 0).
 * O(nbins).
 */
size_t fg_metrics_psi_merge(double *cur, double *prev, size_t nbins, double min_count);

#endif
