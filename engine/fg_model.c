/*
 * The learned model: training, cross-fitting, prediction, SHAP reasons and
 * model files, on XGBoost's C API (Debian's libxgboost 1.7.4).
 *
 * Labels.  Positives: users labelled fraud (the kernels' seeds; held-out
 * seeds are unknown, as everywhere).  Negatives: users labelled legit, and
 * unlabelled users sampled as positive-unlabelled negatives with a coin
 * from a hash of the user id at rate r = min(1, FG_MODEL_NEG_TARGET /
 * n_users), each weighing 1 / r so the base rate is kept.  r depends on the
 * number of users only, never on labels: a user's label cannot change which
 * rows another fold's booster trains on.
 *
 * Cross-fitting.  Booster k trains on the labelled and sampled rows of folds
 * j != k, each row built with folds {j, k} excluded (fg_features), and scores
 * fold k's users with fold k excluded.  Rows are in canonical user order.
 *
 * Parameters: binary:logistic, tree_method=hist, max_bin 256, max_depth 6,
 * eta 0.3, 40 rounds, seed 0, no row or column subsampling (no randomness
 * at all), base_score 0.5 (1.7's fixed default: not estimated from labels).
 * Training runs XGBoost with nthread 1: the histogram sums of hist are
 * split by thread, and with a few ten thousand rows one thread costs
 * little; prediction (a fixed-order sum over trees per row) and SHAP use the
 * run's threads.  Either way the output is identical for any thread count.
 *
 * Model file ("fraudgraph-model 1"): text lines "folds K", "features N",
 * the N names one per line, "params <json>", then K times
 * "booster <bytes>" followed by that many bytes of XGBoost JSON and a newline.
 */
#define __STDC_WANT_IEC_60559_BFP_EXT__ 1 /* strfromd (fg_text.h) */
#include "fg_model.h"
#include "fg_model_trees.h"
#include "fg_text.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_log.h"
#if FG_HAVE_MPI
#include "fg_mpi.h"
#endif
#include "fg_par.h"

#include <xgboost/c_api.h>

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K FG_FEAT_FOLDS
#define BLOCK 65536u
/* Users per range of fg_model_score: each fold's share of it is mostly under BLOCK, one call */
#define RANGE (K * (BLOCK - BLOCK / 16))
#define NEG_SALT 0x2545f4914f6cdd1dull

struct fg_model {
	BoosterHandle b[K];
	fg_trees *t[K];      /* the boosters' trees where fg_model_fast_predict checked them, else NULL */
	bool own_shap;       /* and their SHAP values checked too (fg_trees_contributions) */
	uint32_t n_cols;
	char **names;
	char params[1024];
	int threads;
};

#define XG(call) do { \
		if ((call) != 0) { \
			rc = fg_error_set(FG_ERROR, "xgboost: %s", XGBGetLastError()); \
			goto cleanup; \
		} \
	} while (0)

void fg_model_params_default(fg_model_params *p)
{
	memset(p, 0, sizeof(*p));
	p->threads = 1;
	p->n_trees = FG_MODEL_TREES;
	p->max_depth = FG_MODEL_DEPTH;
	p->eta = FG_MODEL_ETA;
	p->min_positives = FG_MODEL_MIN_POSITIVES;
}

void fg_model_close(fg_model **pm)
{
	fg_model *m;

	if (!pm || !*pm)
		return;
	m = *pm;
	for (unsigned k = 0; k < K; k++) {
		if (m->b[k])
			XGBoosterFree(m->b[k]);
		fg_trees_free(&m->t[k]);
	}
	for (uint32_t j = 0; m->names && j < m->n_cols; j++)
		fg_free(m->names[j]);
	fg_free(m->names);
	fg_free(m);
	*pm = NULL;
}

static double neg_coin(const char *id)
{
	uint64_t h = 1469598103934665603ull ^ NEG_SALT;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (double)(h >> 11) / 9007199254740992.0;
}

static double neg_rate(const fg_graph *g)
{
	return g->n_users ? fmin(1.0, FG_MODEL_NEG_TARGET / (double)g->n_users) : 1.0;
}

/*
 * The training weight of user u: 0 if not a training row, else its label
 * weight.  seed[u] == 1: a positive (a held-out seed has 0 and counts as
 * unlabelled); label legit: a negative; else sampled.
 */
static float row_weight(const fg_graph *g, const uint8_t *seed, uint32_t u, double rate, float *label)
{
	*label = 0.0f;
	if (seed[u]) {
		*label = 1.0f;
		return 1.0f;
	}
	if (g->user_label[u] == FG_LABEL_LEGIT)
		return 1.0f;
	return neg_coin(fg_graph_user_id(g, u)) < rate ? (float)(1.0 / rate) : 0.0f;
}

/* A model of n_cols columns with empty names and p's parameters. */
static int model_alloc(fg_model **out, uint32_t n_cols, const fg_model_params *p)
{
	fg_model *m = fg_calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return fg_error_set(FG_ENOMEM, "out of memory for the model");
	m->n_cols = n_cols;
	m->threads = p->threads > 0 ? p->threads : 1;
	m->names = fg_calloc(n_cols ? n_cols : 1, sizeof(char *));
	if (!m->names) {
		fg_model_close(&m);
		return fg_error_set(FG_ENOMEM, "out of memory for the model");
	}
	snprintf(m->params, sizeof(m->params),
	         "{\"objective\":\"binary:logistic\",\"tree_method\":\"hist\",\"max_bin\":256,"
	         "\"max_depth\":%d,\"eta\":%g,\"rounds\":%d,\"seed\":0,\"base_score\":0.5,"
	         "\"folds\":%d,\"neg_target\":%g,\"min_positives\":%u}",
	         p->max_depth, p->eta, p->n_trees, K, FG_MODEL_NEG_TARGET, p->min_positives);
	*out = m;
	return FG_OK;
}

static int model_new(fg_model **out, const fg_features *f, const fg_model_params *p)
{
	fg_model *m;
	int rc;

	if ((rc = model_alloc(&m, fg_features_count(f), p)) != FG_OK)
		return rc;
	for (uint32_t j = 0; j < m->n_cols; j++)
		if (!(m->names[j] = fg_strndup(fg_features_name(f, j), strlen(fg_features_name(f, j))))) {
			fg_model_close(&m);
			return fg_error_set(FG_ENOMEM, "out of memory for the model");
		}
	*out = m;
	return FG_OK;
}

/*
 * The one place rows become an XGBoost matrix: n dense rows of nc floats
 * (NAN = missing), with labels and weights when given (training).  Returns
 * XGBoost's status (0 ok, *out NULL otherwise); the caller reports
 * XGBGetLastError in its own way (train_one runs on an OpenMP thread).
 */
static int dmatrix_of(DMatrixHandle *out, const float *rows, uint32_t n, uint32_t nc,
                      const float *label, const float *weight, int threads)
{
	*out = NULL;
	if (XGDMatrixCreateFromMat_omp(rows, n, nc, NAN, out, threads) != 0 ||
	    (label && XGDMatrixSetFloatInfo(*out, "label", label, n) != 0) ||
	    (weight && XGDMatrixSetFloatInfo(*out, "weight", weight, n) != 0)) {
		if (*out)
			XGDMatrixFree(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int set_threads(fg_model *m, unsigned k, int threads)
{
	char buf[16];
	int rc = FG_OK;

	snprintf(buf, sizeof(buf), "%d", threads);
	XG(XGBoosterSetParam(m->b[k], "nthread", buf));
cleanup:
	return rc;
}

bool fg_model_enough_labels(char *why, size_t why_len, const fg_graph *g, const uint8_t *seed,
                            const fg_model_params *p)
{
	uint32_t n = 0, per[K] = { 0 };

	why[0] = '\0';
	for (uint32_t u = 0; u < g->n_users; u++)
		if (seed[u]) {
			n++;
			per[fg_features_fold_of(fg_graph_user_id(g, u))]++;
		}
	if (n < p->min_positives) {
		snprintf(why, why_len, "%u users labelled fraud, fewer than the minimum of %u", n,
		         p->min_positives);
		return false;
	}
	for (unsigned k = 0; k < K; k++)
		if (!per[k]) {
			snprintf(why, why_len, "fold %u of %d has no user labelled fraud", k, K);
			return false;
		}
	return true;
}

/*
 * One booster's training set: its users (user order) with their fold masks,
 * labels and weights.  The feature rows themselves are built by train_one
 * and live only until XGBoost has copied them into its matrix, so that at
 * most one set of rows per thread exists at a time (issue 13's peak memory:
 * the model phase is the run's peak).
 */
typedef struct train_set {
	uint32_t n;
	uint32_t *users;
	unsigned *masks;
	float *label, *weight;
	char err[300];
} train_set;

/*
 * Train booster k on its set with one XGBoost thread (called from an OpenMP
 * thread): the rows (fg_features_rows, serial inside this thread's region),
 * the matrix, then the rows freed before the trees are grown.
 */
static int train_one(fg_model *m, unsigned k, train_set *t, const fg_features *f,
                     const fg_model_params *p, uint32_t nc)
{
	DMatrixHandle dm = NULL;
	float *rows = fg_mallocarray(t->n ? (size_t)t->n * nc : 1, sizeof(float));
	char buf[32];
	int rc = FG_OK;

#undef XG
#define XG(call) do { \
		if ((call) != 0) { \
			snprintf(t->err, sizeof(t->err), "xgboost: %s", XGBGetLastError()); \
			rc = FG_ERROR; \
			goto cleanup; \
		} \
	} while (0)
	if (!rows || fg_features_rows(rows, f, t->users, t->n, t->masks, 0) != FG_OK) {
		snprintf(t->err, sizeof(t->err), "out of memory for the training rows (%u x %u)",
		         t->n, nc);
		rc = FG_ENOMEM;
		goto cleanup;
	}
#if FG_HAVE_MPI
	/* under mpirun: the ranks' checked columns of the packed users, row by row (the masks) */
	for (uint32_t i = 0; i < t->n; i++)
		fg_mpi_use_features(rows + (size_t)i * nc, f, &t->users[i], 1, t->masks[i]);
#endif
	XG(dmatrix_of(&dm, rows, t->n, nc, t->label, t->weight, 1));
	fg_free(rows);
	rows = NULL;
	XG(XGBoosterCreate(&dm, 1, &m->b[k]));
	XG(XGBoosterSetParam(m->b[k], "nthread", "1"));
	XG(XGBoosterSetParam(m->b[k], "objective", "binary:logistic"));
	XG(XGBoosterSetParam(m->b[k], "tree_method", "hist"));
	XG(XGBoosterSetParam(m->b[k], "max_bin", "256"));
	snprintf(buf, sizeof(buf), "%d", p->max_depth);
	XG(XGBoosterSetParam(m->b[k], "max_depth", buf));
	snprintf(buf, sizeof(buf), "%.17g", p->eta);
	XG(XGBoosterSetParam(m->b[k], "eta", buf));
	XG(XGBoosterSetParam(m->b[k], "seed", "0"));
	XG(XGBoosterSetParam(m->b[k], "base_score", "0.5"));
	XG(XGBoosterSetParam(m->b[k], "verbosity", "0"));
	for (int it = 0; it < p->n_trees; it++)
		XG(XGBoosterUpdateOneIter(m->b[k], it, dm));
cleanup:
	fg_free(rows);
	if (dm)
		XGDMatrixFree(dm);
	return rc;
#undef XG
#define XG(call) do { \
		if ((call) != 0) { \
			rc = fg_error_set(FG_ERROR, "xgboost: %s", XGBGetLastError()); \
			goto cleanup; \
		} \
	} while (0)
}

int fg_model_train(fg_model **out, char *why, size_t why_len, const fg_features *f,
                   const fg_graph *g, const uint8_t *seed, const fg_model_params *p,
                   fg_model_info *info)
{
	const uint32_t nu = g->n_users, nc = fg_features_count(f);
	const double rate = neg_rate(g);
	uint32_t pos_fold[K] = { 0 }, n_pos = 0, n_neg = 0;
	train_set ts[K];
	int trc[K];
	fg_model *m = NULL;
	int rc = FG_OK;

	*out = NULL;
	why[0] = '\0';
	memset(ts, 0, sizeof(ts));
	for (uint32_t u = 0; u < nu; u++) {
		float y;
		if (row_weight(g, seed, u, rate, &y) == 0.0f)
			continue;
		if (y > 0.0f) {
			n_pos++;
			pos_fold[fg_features_fold(f, u)]++;
		} else {
			n_neg++;
		}
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		info->n_positives = n_pos;
		info->n_negatives = n_neg;
		info->neg_rate = rate;
	}
	if (n_pos < p->min_positives) {
		snprintf(why, why_len, "%u users labelled fraud, fewer than the minimum of %u", n_pos,
		         p->min_positives);
		return FG_OK;
	}
	for (unsigned k = 0; k < K; k++)
		if (!pos_fold[k]) {
			snprintf(why, why_len, "fold %u of %d has no user labelled fraud", k, K);
			return FG_OK;
		}
	if ((rc = model_new(&m, f, p)) != FG_OK)
		return rc;
	/* the K training sets: users of folds j != k with folds {j, k} excluded, user order */
	for (unsigned k = 0; k < K; k++) {
		train_set *t = &ts[k];
		uint32_t n = 0;
		t->users = fg_mallocarray(n_pos + n_neg, sizeof(uint32_t));
		t->masks = fg_mallocarray(n_pos + n_neg, sizeof(unsigned));
		t->label = fg_mallocarray(n_pos + n_neg, sizeof(float));
		t->weight = fg_mallocarray(n_pos + n_neg, sizeof(float));
		if (!t->users || !t->masks || !t->label || !t->weight) {
			rc = fg_error_set(FG_ENOMEM, "out of memory for the training rows (%u x %u)",
			                  n_pos + n_neg, nc);
			goto cleanup;
		}
		for (uint32_t u = 0; u < nu; u++) {
			unsigned fu = fg_features_fold(f, u);
			float y, w;
			if (fu == k || (w = row_weight(g, seed, u, rate, &y)) == 0.0f)
				continue;
			t->users[n] = u;
			t->masks[n] = (1u << fu) | (1u << k);
			t->label[n] = y;
			t->weight[n] = w;
			n++;
		}
		t->n = n;
	}
	/*
	 * The boosters are independent: one OpenMP thread each, one XGBoost thread
	 * inside (hist's sums split by thread would depend on the thread count).
	 */
	#pragma omp parallel for schedule(dynamic, 1)
	for (int k = 0; k < K; k++)
		trc[k] = train_one(m, (unsigned)k, &ts[k], f, p, nc);
	for (unsigned k = 0; k < K; k++)
		if (trc[k] != FG_OK) {
			rc = fg_error_set(trc[k], "%s", ts[k].err);
			goto cleanup;
		}
	for (unsigned k = 0; k < K; k++)
		if ((rc = set_threads(m, k, m->threads)) != FG_OK)
			goto cleanup;
	*out = m;
	m = NULL;
cleanup:
	fg_model_close(&m);
	for (unsigned k = 0; k < K; k++) {
		fg_free(ts[k].users);
		fg_free(ts[k].masks);
		fg_free(ts[k].label);
		fg_free(ts[k].weight);
	}
	return rc;
}

/* In-place prediction of n dense rows (no DMatrix): probabilities into out[0..n). */
static int predict_rows(float *out, BoosterHandle b, const float *rows, uint32_t n, uint32_t nc)
{
	char arr[256];
	const bst_ulong *shape = NULL;
	bst_ulong dim = 0;
	const float *res = NULL;
	int rc = FG_OK;

	if (!n)
		return FG_OK;
	snprintf(arr, sizeof(arr),
	         "{\"data\":[%llu,true],\"shape\":[%u,%u],\"typestr\":\"<f4\",\"version\":3}",
	         (unsigned long long)(uintptr_t)rows, n, nc);
	XG(XGBoosterPredictFromDense(b, arr,
	   "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,"
	   "\"strict_shape\":false,\"cache_id\":0,\"missing\":NaN}", NULL, &shape, &dim, &res));
	memcpy(out, res, (size_t)n * sizeof(float));
cleanup:
	return rc;
}

typedef struct scored {
	float s;
	float w;
	uint32_t u;
	uint8_t y;
} scored;

static int cmp_scored_desc(const void *a, const void *b)
{
	const scored *x = a, *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return x->u < y->u ? -1 : x->u > y->u;
}

/* AUC, AP and precision at k (k = positives) on the labelled and sampled users, weighted. */
static int oof_metrics(fg_model_info *info, const float *score, const fg_graph *g,
                       const uint8_t *seed)
{
	const double rate = neg_rate(g);
	uint64_t n = 0;
	scored *v = fg_mallocarray(g->n_users ? g->n_users : 1, sizeof(*v));
	double P = 0, N = 0, tp = 0, fp = 0, auc = 0, ap = 0, seen = 0, tp_k = 0;

	if (!v)
		return fg_error_set(FG_ENOMEM, "out of memory for the model's metrics");
	for (uint32_t u = 0; u < g->n_users; u++) {
		float y, w = row_weight(g, seed, u, rate, &y);
		if (w == 0.0f)
			continue;
		v[n] = (scored){ score[u], w, u, y > 0.0f };
		if (y > 0.0f)
			P += w;
		else
			N += w;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_scored_desc);
	for (uint64_t i = 0; i < n;) {
		uint64_t j = i;
		double gp = 0, gn = 0;
		while (j < n && v[j].s == v[i].s) {
			if (v[j].y)
				gp += v[j].w;
			else
				gn += v[j].w;
			j++;
		}
		/* positives of this tie group beat the negatives below, tie half */
		auc += gp * (N - fp - gn) + 0.5 * gp * gn;
		tp += gp;
		fp += gn;
		if (gp > 0)
			ap += gp / P * (tp / (tp + fp));
		for (uint64_t t = i; t < j; t++) {
			if (seen < P) {
				double take = fmin((double)v[t].w, P - seen);
				seen += take;
				if (v[t].y)
					tp_k += take;
			}
		}
		i = j;
	}
	info->neg_rate = rate;
	info->n_positives = 0;
	info->n_negatives = 0;
	for (uint64_t i = 0; i < n; i++) {
		info->n_positives += v[i].y;
		info->n_negatives += !v[i].y;
	}
	info->auc = (P > 0 && N > 0) ? auc / (P * N) : NAN;
	info->ap = P > 0 ? ap : NAN;
	info->p_at_k = P > 0 ? tp_k / P : NAN;
	info->k = (uint32_t)P;
	fg_free(v);
	return FG_OK;
}

static int fast_one(fg_trees **out, const fg_model *m, unsigned k, const float *check, uint32_t n,
                    float *want, char *why, size_t why_len);

/* Most rows of a fold's first call that XGBoost scores to check the booster's own trees. */
#define SCORE_CHECK 4096u

int fg_model_score(float *score, fg_model *m, const fg_features *f, const fg_graph *g,
                   const uint8_t *seed, fg_model_info *info, fg_model_scored_fn on_scored,
                   void *arg)
{
	const uint32_t nu = g->n_users, nc = m->n_cols;
	uint32_t *users = fg_mallocarray(BLOCK, sizeof(uint32_t));
	float *rows = fg_mallocarray((size_t)BLOCK * nc, sizeof(float));
	float *pred = fg_mallocarray(BLOCK, sizeof(float));
	float *check = fg_mallocarray((size_t)2 * SCORE_CHECK * nc, sizeof(float));
	float *want = fg_mallocarray((size_t)2 * SCORE_CHECK, sizeof(float));
	fg_trees *own[K] = { NULL };
	int nth[K];     /* booster k's nthread as last set (setting it reconfigures); -1 unset */
	bool checked[K] = { false };
	double t_rows = 0, t_pred = 0, c_rows = 0, c_pred = 0; /* wall, process CPU */
	uint64_t done = 0;
	char why[200];
	int rc = FG_OK;

	for (unsigned k = 0; k < K; k++)
		nth[k] = -1;

	if (!users || !rows || !pred || !check || !want) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the prediction block");
		goto cleanup;
	}
	/*
	 * By ranges of RANGE users in user order, and in each range fold by
	 * fold, at most BLOCK users of the fold at a time: every call holds one
	 * booster's rows, about BLOCK of them, so that both the rows
	 * (fg_features_rows) and the prediction get calls large enough to pay
	 * for their threads (fg_par_pays).  Blocks of all folds by ranges of
	 * BLOCK users gave each fold only ~BLOCK / K rows, below both
	 * thresholds: the phase ran serial.  After each range its scores are
	 * final (on_scored).  Each row and each prediction is independent of its
	 * neighbours in the call, so the scores are the same bits for any
	 * blocking and thread count.
	 *
	 * The prediction: XGBoost scores the first rows of a fold's first call
	 * (at most SCORE_CHECK, at most half), and the booster's own trees
	 * (fg_model_trees) the rest if they give XGBoost's bits on those rows
	 * and on the same rows with a third of their values missing (the
	 * default sides, as fg_model_fast_predict checks them); XGBoost scores
	 * the rest where they do not.  XGBoost's in-place prediction of dense
	 * rows spends most of its time copying each row into its feature vector
	 * (perf on the 2M world: AdapterView::operator[] ~4x the tree walk).
	 */
	for (uint32_t start = 0; start < nu;) {
		uint32_t end = nu - start > RANGE ? start + RANGE : nu;
		for (unsigned k = 0; k < K; k++) {
			uint32_t u = start;
			while (u < end) {
				uint32_t n = 0, c = 0;
				for (; u < end && n < BLOCK; u++)
					if (fg_features_fold(f, u) == k)
						users[n++] = u;
				if (!n)
					break;
				double t0 = fg_clock(), c0 = fg_cpu_clock();
				if ((rc = fg_features_rows(rows, f, users, n, NULL, 1u << k)) != FG_OK)
					goto cleanup;
#if FG_HAVE_MPI
				/* under mpirun: the ranks' checked columns of the packed users */
				fg_mpi_use_features(rows, f, users, n, 1u << k);
#endif
				t_rows += fg_clock() - t0;
				c_rows += fg_cpu_clock() - c0;
				t0 = fg_clock();
				c0 = fg_cpu_clock();
				if (!checked[k]) {
					checked[k] = true;
					c = (n + 1) / 2 < SCORE_CHECK ? (n + 1) / 2 : SCORE_CHECK;
					memcpy(check, rows, (size_t)c * nc * sizeof(float));
					for (uint32_t i = 0; i < c; i++)
						for (size_t j = 0; j < nc; j++)
							check[((size_t)c + i) * nc + j] =
								(j + i) % 3 == 0 ? NAN : rows[(size_t)i * nc + j];
					why[0] = '\0';
					if ((rc = fast_one(&own[k], m, k, check, 2 * c, want, why, sizeof(why))) != FG_OK)
						goto cleanup;
					memcpy(pred, want, (size_t)c * sizeof(float));
					if (why[0] && getenv("FG_MODEL_PROFILE"))
						fprintf(stderr, "  model booster %u scored by XGBoost: %s\n", k, why);
				}
				if (own[k]) {
					const fg_trees *t = own[k];
					/* ~0.2 us per row of 30 trees of depth 5, measured */
					#pragma omp parallel for schedule(static) if (fg_par_pays(n - c, 200))
					for (int64_t i = c; i < (int64_t)n; i++)
						pred[i] = fg_trees_predict(t, rows + (size_t)i * nc);
				} else {
					/* XGBoost's threads only where the rows pay for the fork: ~0.6 us
					 * per row, measured; the same bits at any nthread */
					int want_nth = fg_par_pays(n - c, 600) ? m->threads : 1;
					if (want_nth != nth[k] && (rc = set_threads(m, k, want_nth)) != FG_OK)
						goto cleanup;
					nth[k] = want_nth;
					if ((rc = predict_rows(pred + c, m->b[k], rows + (size_t)c * nc, n - c, nc)) != FG_OK)
						goto cleanup;
				}
				t_pred += fg_clock() - t0;
				c_pred += fg_cpu_clock() - c0;
				for (uint32_t i = 0; i < n; i++)
					score[users[i]] = pred[i];
				done += n;
				if (nu > 4 * BLOCK)
					fg_log_progress("model scores", done, nu);
			}
		}
		start = end;
		/* a failure before the last range is final: a consumer waits for it */
		if (start == nu && fg_fault_fails("model-scores")) {
			rc = fg_error_set(FG_ERROR, "fault injection: failure at model-scores");
			goto cleanup;
		}
		if (on_scored)
			on_scored(arg, end);
	}
	if (nu > 4 * BLOCK)
		fg_log_progress_end();
	if (getenv("FG_MODEL_PROFILE"))
		fprintf(stderr, "  model rows %.3f s (cpu %.3f s), predict %.3f s (cpu %.3f s)\n", t_rows,
		        c_rows, t_pred, c_pred);
	if (info && seed)
		rc = oof_metrics(info, score, g, seed);
cleanup:
	fg_free(users);
	fg_free(rows);
	fg_free(pred);
	fg_free(check);
	fg_free(want);
	for (unsigned k = 0; k < K; k++)
		fg_trees_free(&own[k]);
	return rc;
}

void fg_model_ring_scores(double *ring_score, const fg_scores *s, const fg_features *f,
                          const float *score)
{
	double *sum_core = fg_calloc(s->n_rings ? s->n_rings : 1, sizeof(double));
	double *sum_all = fg_calloc(s->n_rings ? s->n_rings : 1, sizeof(double));
	uint32_t *n_core = fg_calloc(s->n_rings ? s->n_rings : 1, sizeof(uint32_t));

	if (!sum_core || !sum_all || !n_core) {
		/* no memory: fall back to the hand-set ring scores */
		for (uint32_t r = 0; r < s->n_rings; r++)
			ring_score[r] = s->rings[r].score;
		goto cleanup;
	}
	/* users in id order: fixed-order sums */
	for (uint32_t u = 0; u < s->n_users; u++) {
		int32_t r = s->ring_index[u];
		if (r < 0)
			continue;
		sum_all[r] += score[u];
		if (fg_features_multi_mates(f, u) > 0) {
			sum_core[r] += score[u];
			n_core[r]++;
		}
	}
	for (uint32_t r = 0; r < s->n_rings; r++)
		ring_score[r] = n_core[r] ? sum_core[r] / n_core[r] : sum_all[r] / s->rings[r].n_users;
cleanup:
	fg_free(sum_core);
	fg_free(sum_all);
	fg_free(n_core);
}

/* The kind name of entity e ("card", "device", ...). */
static const char *ent_kind(const fg_graph *g, int64_t e)
{
	return g->kind_name[fg_graph_ent_kind(g, (uint32_t)e)];
}

/* The best-evidenced entity among several classes. */
static int64_t top_of(const fg_features *f, uint32_t u, const int *kcs, int n, unsigned mask,
                      uint32_t *ns)
{
	int64_t best = -1;

	*ns = 0;
	for (int i = 0; i < n; i++) {
		uint32_t c;
		int64_t e = fg_features_top_entity(f, u, kcs[i], mask, &c);
		if (e >= 0 && (c > *ns || (c == *ns && e < best))) {
			best = e;
			*ns = c;
		}
	}
	return best;
}

int fg_model_reason_classes(int *kcs, const char *name)
{
	static const struct { const char *name; int n; int kc[FG_KC_N]; } tab[] = {
		{ "seeds_card", 1, { FG_KC_CARD } },
		{ "seeds_device", 1, { FG_KC_DEVICE } },
		{ "seeds_address", 1, { FG_KC_ADDRESS } },
		{ "seeds_other", 4, { FG_KC_PHONE, FG_KC_EMAIL, FG_KC_IP, FG_KC_OTHER } },
		{ "entity_seeds_max", 7, { FG_KC_CARD, FG_KC_DEVICE, FG_KC_ADDRESS, FG_KC_PHONE, FG_KC_EMAIL,
		                           FG_KC_IP, FG_KC_OTHER } },
		{ "hub_seeds", 1, { -1 } },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(name, tab[i].name)) {
			memcpy(kcs, tab[i].kc, sizeof(int) * (size_t)tab[i].n);
			return tab[i].n;
		}
	return 0;
}

/* The sentence for feature j of user u's row: the entity its entity features name, from f. */
static void reason_text(char *out, size_t len, const fg_features *f, const fg_graph *g, uint32_t u,
                        const char *name, float v, float c)
{
	int kcs[FG_KC_N], n = fg_model_reason_classes(kcs, name);
	fg_model_entity ent;
	fg_values vr = { 0 };
	uint32_t ns = 0;
	int64_t e = n ? top_of(f, u, kcs, n, 1u << fg_features_fold(f, u), &ns) : -1;
	const char *val = e >= 0 ? fg_graph_ent_value(g, (uint32_t)e, &vr) : NULL;

	if (val)
		ent = (fg_model_entity){ ent_kind(g, e), val, fg_graph_ent_share(g, (uint32_t)e), ns,
		                         fg_graph_ent_hub(g, (uint32_t)e) };
	else if (e >= 0) /* out of memory for the value: the sentence without it */
		fg_error_clear();
	fg_model_reason_text(out, len, name, v, c, val ? &ent : NULL);
	fg_graph_values_free(&vr);
}

/* "<a><v as fmt><b>": a sentence with one number. */
static void text_num(fg_text *t, const char *a, const char *fmt, double v, const char *b)
{
	fg_text_puts(t, a);
	fg_text_real(t, fmt, v, 0);
	fg_text_puts(t, b);
}

/*
 * Built with fg_text, not snprintf (printf's slow path in this process:
 * fg_text.h); the bytes are the snprintf forms' beside each case, what[160]
 * and out[len) cut as snprintf cuts.
 */
void fg_model_reason_text(char *out, size_t len, const char *name, float v, float c,
                          const fg_model_entity *e)
{
	char what[160];
	fg_text w = fg_text_start(what, sizeof(what)), o;
	uint32_t ns = e ? e->n_seeds : 0;

	if (e && e->hub) { /* "uses %s %.40s shared by %u users, %u of them known fraudsters" */
		fg_text_puts(&w, "uses ");
		fg_text_puts(&w, e->kind);
		fg_text_puts(&w, " ");
		fg_text_putmax(&w, e->value, 40);
		fg_text_puts(&w, " shared by ");
		fg_text_int(&w, e->share);
		fg_text_puts(&w, " users, ");
		fg_text_int(&w, ns);
		fg_text_puts(&w, " of them known fraudsters");
	} else if (e) { /* "shares %s %.40s with %u known fraudster%s" */
		fg_text_puts(&w, "shares ");
		fg_text_puts(&w, e->kind);
		fg_text_puts(&w, " ");
		fg_text_putmax(&w, e->value, 40);
		fg_text_puts(&w, " with ");
		fg_text_int(&w, ns);
		fg_text_puts(&w, ns == 1 ? " known fraudster" : " known fraudsters");
	} else if (!strcmp(name, "seed_hops")) {
		if (isnan(v))
			fg_text_puts(&w, "no path to known fraud");
		else
			text_num(&w, "", "%.0f", v, " hops from the nearest known fraudster");
	} else if (!strcmp(name, "seeds_2hop")) {
		text_num(&w, "", "%.0f", v, " known fraudsters among its co-users");
	} else if (!strcmp(name, "seeds_2hop_rate")) {
		text_num(&w, "", "%.0f", 100.0 * v, "% of its co-users are known fraudsters");
	} else if (!strcmp(name, "ring_seeds") || !strcmp(name, "ring_seed_rate")) {
		fg_text_puts(&w, "in a ring with known fraudsters (");
		fg_text_puts(&w, name);
		text_num(&w, " ", "%.3g", v, ")");
	} else if (!strcmp(name, "comp_seeds") || !strcmp(name, "comp_seed_rate")) {
		fg_text_puts(&w, "connected to known fraudsters (");
		fg_text_puts(&w, name);
		text_num(&w, " ", "%.3g", v, ")");
	} else if (!strncmp(name, "ppr", 3) || !strncmp(name, "nb_ppr", 6)) {
		fg_text_puts(&w, "close to known fraud by the risk walk (");
		fg_text_puts(&w, name);
		text_num(&w, " ", "%.3g", v, ")");
	} else if (!strcmp(name, "nb_seed_mean") || !strcmp(name, "nb2_seed_mean")) {
		text_num(&w, "", "%.0f", 100.0 * v, "% of its ");
		fg_text_puts(&w, name[2] == '2' ? "two-hop" : "directly");
		fg_text_puts(&w, " linked users are known fraudsters");
	} else if (!strcmp(name, "ring_multi_mates")) {
		text_num(&w, "reaches ", "%.0f", v, " ring-mates through more than one identifier");
	} else if (!strcmp(name, "ring_sharing")) {
		text_num(&w, "its ring shares identifiers densely (sharing ", "%.2f", v, ")");
	} else if (!strcmp(name, "ring_burst")) {
		text_num(&w, "its ring's accounts were created together (burst ", "%.2f", v, ")");
	} else if (!strcmp(name, "ring_size")) {
		text_num(&w, "in a ring of ", "%.0f", v, " users");
	} else if (!strcmp(name, "component_size")) {
		text_num(&w, "in a connected group of ", "%.0f", v, " users");
	} else if (!strcmp(name, "account_age_days")) {
		text_num(&w, "account ", "%.0f", v, " days old");
	} else if (!strncmp(name, "deg_", 4)) {
		text_num(&w, "linked to ", "%.0f", v, " ");
		fg_text_puts(&w, name + 4);
		fg_text_puts(&w, " identifiers");
	} else if (!strncmp(name, "attr_", 5)) { /* "attribute %.60s = %.4g" */
		fg_text_puts(&w, "attribute ");
		fg_text_putmax(&w, name + 5, 60);
		text_num(&w, " = ", "%.4g", v, "");
	} else if (!strncmp(name, "nb_mean_", 8) || !strncmp(name, "nb2_mean_", 9) || !strncmp(name, "nb_max_", 7)) {
		/* "its linked users' %s %.60s = %.4g" */
		fg_text_puts(&w, "its linked users' ");
		fg_text_puts(&w, name[2] == '2' ? "two-hop mean" : name[3] == 'm' && name[4] == 'a' ? "max" : "mean");
		fg_text_puts(&w, " ");
		/* what follows "nb_mean_", "nb_max_" or "nb2_mean_" */
		fg_text_putmax(&w, strchr(strchr(name, '_') + 1, '_') + 1, 60);
		text_num(&w, " = ", "%.4g", v, "");
	} else { /* "%.60s = %.4g" */
		fg_text_putmax(&w, name, 60);
		text_num(&w, " = ", "%.4g", v, "");
	}
	/* "%s: %+.2f" */
	if (!len)
		return;
	o = fg_text_start(out, len);
	fg_text_putn(&o, what, w.n);
	fg_text_puts(&o, ": ");
	fg_text_real(&o, "%.2f", c, 1);
}

typedef struct pick {
	float s;
	uint32_t u;
} pick;

static int cmp_pick(const void *a, const void *b)
{
	const pick *x = a, *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return x->u < y->u ? -1 : x->u > y->u;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_reason(const void *a, const void *b)
{
	const fg_model_reason *x = a, *y = b;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return x->rank - y->rank;
}

int fg_model_top_contributions(uint32_t *cols, const float *c, uint32_t nc, int max)
{
	int64_t prev = -1;
	int n = 0;

	for (; n < max; n++) {
		int64_t best = -1;
		/* the next largest after prev in (contribution desc, column asc) order */
		for (uint32_t j = 0; j < nc; j++) {
			if (!(c[j] > 0.0f))
				continue;
			if (prev >= 0 && (c[j] > c[prev] || (c[j] == c[prev] && (int64_t)j <= prev)))
				continue;
			if (best < 0 || c[j] > c[best])
				best = j;
		}
		if (best < 0)
			break;
		cols[n] = (uint32_t)best;
		prev = best;
	}
	return n;
}

int fg_model_explain(fg_model_reason **out, uint32_t *n_out, fg_model *m, const fg_features *f,
                     const fg_graph *g, const float *score)
{
	const uint32_t nc = m->n_cols;
	uint32_t n_sel = 0, n_r = 0;
	pick *sel = NULL;
	uint32_t *users = NULL;
	float *rows = NULL;
	fg_model_reason *rs = NULL;
	DMatrixHandle dm = NULL;
	int rc = FG_OK;

	*out = NULL;
	*n_out = 0;
	sel = fg_mallocarray(g->n_users ? g->n_users : 1, sizeof(*sel));
	if (!sel)
		return fg_error_set(FG_ENOMEM, "out of memory selecting users for reasons");
	for (uint32_t u = 0; u < g->n_users; u++)
		if (score[u] >= FG_MODEL_REASON_MIN)
			sel[n_sel++] = (pick){ score[u], u };
	qsort(sel, n_sel, sizeof(*sel), cmp_pick);
	if (n_sel > FG_MODEL_REASON_USERS)
		n_sel = FG_MODEL_REASON_USERS;
	users = fg_mallocarray(n_sel ? n_sel : 1, sizeof(uint32_t));
	rows = fg_mallocarray(n_sel ? (size_t)n_sel * nc : 1, sizeof(float));
	rs = fg_mallocarray(n_sel ? (size_t)n_sel * FG_MODEL_REASONS : 1, sizeof(*rs));
	if (!users || !rows || !rs) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for reasons (%u users)", n_sel);
		goto cleanup;
	}
	for (unsigned k = 0; k < K; k++) {
		uint32_t n = 0;
		bst_ulong len = 0;
		const float *contrib = NULL;
		for (uint32_t i = 0; i < n_sel; i++)
			if (fg_features_fold(f, sel[i].u) == k)
				users[n++] = sel[i].u;
		if (!n)
			continue;
		qsort(users, n, sizeof(*users), cmp_u32);
		if ((rc = fg_features_rows(rows, f, users, n, NULL, 1u << k)) != FG_OK)
			goto cleanup;
#if FG_HAVE_MPI
		fg_mpi_use_features(rows, f, users, n, 1u << k); /* the rows the scores came from */
#endif
		XG(dmatrix_of(&dm, rows, n, nc, NULL, NULL, m->threads));
		XG(XGBoosterPredict(m->b[k], dm, 4, 0, 0, &len, &contrib));
		if (len != (bst_ulong)n * (nc + 1)) {
			rc = fg_error_set(FG_ERROR, "xgboost: %llu contributions for %u rows of %u features",
			                  (unsigned long long)len, n, nc);
			goto cleanup;
		}
		for (uint32_t i = 0; i < n; i++) {
			const float *c = contrib + (size_t)i * (nc + 1);
			uint32_t top[FG_MODEL_REASONS];
			int nt = fg_model_top_contributions(top, c, nc, FG_MODEL_REASONS);
			for (int r = 0; r < nt; r++) {
				uint32_t best = top[r];
				fg_model_reason *x = &rs[n_r++];
				x->user = users[i];
				x->rank = r + 1;
				x->feature = (uint32_t)best;
				x->value = rows[(size_t)i * nc + best];
				x->contribution = c[best];
				reason_text(x->text, sizeof(x->text), f, g, users[i], m->names[best], x->value,
				            x->contribution);
			}
		}
		XGDMatrixFree(dm);
		dm = NULL;
	}
	qsort(rs, n_r, sizeof(*rs), cmp_reason);
	*out = rs;
	*n_out = n_r;
	rs = NULL;
cleanup:
	if (dm)
		XGDMatrixFree(dm);
	fg_free(sel);
	fg_free(users);
	fg_free(rows);
	fg_free(rs);
	return rc;
}

/* A growable byte buffer for the model file. */
typedef struct buf {
	char *s;
	size_t len, cap;
	int failed;
} buf;

static void buf_put(buf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *s = fg_realloc(b->s, cap);
		if (!s) {
			b->failed = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_str(buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

int fg_model_booster_json(char **out, const fg_model *m, unsigned k)
{
	bst_ulong len = 0;
	const char *p = NULL;
	int rc = FG_OK;

	*out = NULL;
	XG(XGBoosterSaveModelToBuffer(m->b[k], "{\"format\":\"json\"}", &len, &p));
	if (!(*out = fg_strndup(p, len)))
		rc = fg_error_set(FG_ENOMEM, "out of memory saving the model");
cleanup:
	return rc;
}

int fg_model_save(char **out, size_t *len, const fg_model *m)
{
	buf b = { 0 };
	char line[128];
	int rc = FG_OK;

	*out = NULL;
	snprintf(line, sizeof(line), "fraudgraph-model 1\nfolds %d\nfeatures %u\n", K, m->n_cols);
	buf_str(&b, line);
	for (uint32_t j = 0; j < m->n_cols; j++) {
		buf_str(&b, m->names[j]);
		buf_str(&b, "\n");
	}
	buf_str(&b, "params ");
	buf_str(&b, m->params);
	buf_str(&b, "\n");
	for (unsigned k = 0; k < K; k++) {
		char *js = NULL;
		if ((rc = fg_model_booster_json(&js, m, k)) != FG_OK)
			goto cleanup;
		snprintf(line, sizeof(line), "booster %zu\n", strlen(js));
		buf_str(&b, line);
		buf_str(&b, js);
		buf_str(&b, "\n");
		fg_free(js);
	}
	if (b.failed) {
		rc = fg_error_set(FG_ENOMEM, "out of memory saving the model");
		goto cleanup;
	}
	*out = b.s;
	*len = b.len;
	b.s = NULL;
cleanup:
	fg_free(b.s);
	return rc;
}

/* The next line of buf at *pos (without its newline) into line; false at the end. */
static bool next_line(char *line, size_t cap, const char *s, size_t len, size_t *pos)
{
	size_t i = *pos, n = 0;

	if (i >= len)
		return false;
	while (i < len && s[i] != '\n') {
		if (n + 1 < cap)
			line[n++] = s[i];
		i++;
	}
	line[n] = '\0';
	*pos = i < len ? i + 1 : i;
	return true;
}

int fg_model_load_file(fg_model **out, const char *s, size_t len, const char *path,
                       const fg_model_params *p)
{
	char line[1024];
	size_t pos = 0;
	unsigned folds = 0, nfeat = 0;
	fg_model *m = NULL;
	int rc = FG_OK, ln = 0;

	*out = NULL;
#define BAD(...) do { rc = fg_error_set(FG_EUSAGE, __VA_ARGS__); goto cleanup; } while (0)
	if (!next_line(line, sizeof(line), s, len, &pos) || strcmp(line, "fraudgraph-model 1"))
		BAD("%s:1: not a fraudgraph model file (first line '%.40s')", path, line);
	ln = 1;
	if (!next_line(line, sizeof(line), s, len, &pos) || sscanf(line, "folds %u", &folds) != 1 || folds != K)
		BAD("%s:2: expected 'folds %d', got '%.40s'", path, K, line);
	if (!next_line(line, sizeof(line), s, len, &pos) || sscanf(line, "features %u", &nfeat) != 1 ||
	    nfeat == 0 || nfeat > 100000)
		BAD("%s:3: expected 'features N', got '%.40s'", path, line);
	ln = 3;
	if ((rc = model_alloc(&m, nfeat, p)) != FG_OK)
		goto cleanup;
	for (uint32_t j = 0; j < nfeat; j++) {
		ln++;
		if (!next_line(line, sizeof(line), s, len, &pos))
			BAD("%s:%d: the file ends inside the feature names", path, ln);
		if (!(m->names[j] = fg_strndup(line, strlen(line)))) {
			rc = fg_error_set(FG_ENOMEM, "out of memory for the model");
			goto cleanup;
		}
	}
	ln++;
	if (!next_line(line, sizeof(line), s, len, &pos) || strncmp(line, "params ", 7))
		BAD("%s:%d: expected 'params {...}'", path, ln);
	snprintf(m->params, sizeof(m->params), "%s", line + 7);
	for (unsigned k = 0; k < K; k++) {
		size_t n = 0;
		ln++;
		if (!next_line(line, sizeof(line), s, len, &pos) || sscanf(line, "booster %zu", &n) != 1 ||
		    n > len - pos)
			BAD("%s:%d: expected 'booster BYTES' for fold %u, got '%.40s'", path, ln, k, line);
		XG(XGBoosterCreate(NULL, 0, &m->b[k]));
		XG(XGBoosterLoadModelFromBuffer(m->b[k], s + pos, n));
		if ((rc = set_threads(m, k, m->threads)) != FG_OK)
			goto cleanup;
		pos += n + 1;
		ln++;
	}
#undef BAD
	*out = m;
	m = NULL;
cleanup:
	fg_model_close(&m);
	return rc;
}

int fg_model_load(fg_model **out, const char *s, size_t len, const char *path,
                  const fg_features *f, const fg_model_params *p)
{
	fg_model *m = NULL;
	int rc;

	*out = NULL;
	if ((rc = fg_model_load_file(&m, s, len, path, p)) != FG_OK)
		return rc;
	if (m->n_cols != fg_features_count(f)) {
		rc = fg_error_set(FG_EUSAGE, "%s: the model has %u features, this run builds %u "
		                  "(attributes differ? see --attrs)", path, m->n_cols, fg_features_count(f));
		goto cleanup;
	}
	for (uint32_t j = 0; j < m->n_cols; j++)
		if (strcmp(m->names[j], fg_features_name(f, j))) {
			rc = fg_error_set(FG_EUSAGE, "%s:%u: feature %u is '%.60s', this run's is '%.60s'", path,
			                  j + 4, j, m->names[j], fg_features_name(f, j));
			goto cleanup;
		}
	*out = m;
	m = NULL;
cleanup:
	fg_model_close(&m);
	return rc;
}

uint32_t fg_model_n_features(const fg_model *m)
{
	return m->n_cols;
}

const char *fg_model_feature_name(const fg_model *m, uint32_t j)
{
	return m->names[j];
}

int fg_model_predict_row(float *score, float *contrib, const fg_model *m, unsigned k, const float *row)
{
	int rc;

	assert(k < K);
	if (m->t[k])
		*score = fg_trees_predict(m->t[k], row);
	else if ((rc = predict_rows(score, m->b[k], row, 1, m->n_cols)) != FG_OK)
		return rc;
	return contrib ? fg_model_contributions(contrib, m, k, row) : FG_OK;
}

int fg_model_contributions(float *contrib, const fg_model *m, unsigned k, const float *row)
{
	DMatrixHandle dm = NULL;
	bst_ulong len = 0;
	const float *res = NULL;
	int rc = FG_OK;

	assert(k < K);
	if (m->own_shap)
		return fg_trees_contributions(contrib, m->t[k], row);
	XG(dmatrix_of(&dm, row, 1, m->n_cols, NULL, NULL, 1));
	XG(XGBoosterPredict(m->b[k], dm, 4, 0, 0, &len, &res));
	if (len != (bst_ulong)m->n_cols + 1) {
		rc = fg_error_set(FG_ERROR, "xgboost: %llu contributions for one row of %u features",
		                  (unsigned long long)len, m->n_cols);
		goto cleanup;
	}
	memcpy(contrib, res, sizeof(float) * ((size_t)m->n_cols + 1));
cleanup:
	if (dm)
		XGDMatrixFree(dm);
	return rc;
}

/*
 * Booster k's trees into *out (NULL when none), kept only if they give
 * XGBoost's bits on every row of check[0..n); want: XGBoost's scores of them.
 */
static int fast_one(fg_trees **out, const fg_model *m, unsigned k, const float *check, uint32_t n,
                    float *want, char *why, size_t why_len)
{
	bst_ulong len = 0;
	const char *json = NULL;
	fg_trees *t = NULL;
	int rc = FG_OK;

	XG(XGBoosterSaveModelToBuffer(m->b[k], "{\"format\":\"json\"}", &len, &json));
	if ((rc = fg_trees_from_json(&t, json, len, m->n_cols)) != FG_OK) {
		if (rc == FG_EDATA) {
			snprintf(why, why_len, "%s", fg_error_msg());
			fg_error_clear();
			rc = FG_OK;
		}
		goto cleanup;
	}
	if ((rc = predict_rows(want, m->b[k], check, n, m->n_cols)) != FG_OK)
		goto cleanup;
	for (uint32_t i = 0; i < n; i++) {
		float got = fg_trees_predict(t, check + (size_t)i * m->n_cols);

		if (memcmp(&got, &want[i], sizeof(float))) {
			snprintf(why, why_len, "booster %u, check row %u: %.9g where XGBoost gives %.9g", k, i,
			         (double)got, (double)want[i]);
			goto cleanup;
		}
	}
	*out = t;
	t = NULL;
cleanup:
	fg_trees_free(&t);
	return rc;
}

/* Booster k's trees' SHAP values against XGBoost's on check[0..n): false (and *why) if a bit differs. */
static int shap_one(bool *same, const fg_model *m, unsigned k, const float *check, uint32_t n,
                    char *why, size_t why_len)
{
	const size_t nc = m->n_cols;
	DMatrixHandle dm = NULL;
	bst_ulong len = 0;
	const float *res = NULL;
	float *phi = fg_mallocarray(nc + 1, sizeof(float));
	int rc = FG_OK;

	*same = false;
	if (!phi)
		return fg_error_set(FG_ENOMEM, "out of memory checking the model's trees");
	XG(dmatrix_of(&dm, check, n, m->n_cols, NULL, NULL, 1));
	XG(XGBoosterPredict(m->b[k], dm, 4, 0, 0, &len, &res));
	if (len != (bst_ulong)n * (nc + 1)) {
		rc = fg_error_set(FG_ERROR, "xgboost: %llu contributions for %u rows of %u features",
		                  (unsigned long long)len, n, m->n_cols);
		goto cleanup;
	}
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = fg_trees_contributions(phi, m->t[k], check + (size_t)i * nc)) != FG_OK)
			goto cleanup;
		for (size_t j = 0; j <= nc; j++)
			if (memcmp(&phi[j], &res[i * (nc + 1) + j], sizeof(float))) {
				snprintf(why, why_len, "SHAP of booster %u, check row %u, column %zu: %.9g where XGBoost "
				         "gives %.9g", k, i, j, (double)phi[j], (double)res[i * (nc + 1) + j]);
				goto cleanup;
			}
	}
	*same = true;
cleanup:
	if (dm)
		XGDMatrixFree(dm);
	fg_free(phi);
	return rc;
}

int fg_model_fast_predict(fg_model *m, const float *rows, uint32_t n, char *why, size_t why_len,
                          char *shap_why, size_t shap_why_len)
{
	const size_t nc = m->n_cols;
	float *check = fg_mallocarray(2 * (size_t)(n ? n : 1) * nc, sizeof(float));
	float *want = fg_mallocarray(2 * (size_t)(n ? n : 1), sizeof(float));
	int rc = FG_OK;

	why[0] = shap_why[0] = '\0';
	if (!check || !want) {
		rc = fg_error_set(FG_ENOMEM, "out of memory checking the model's trees");
		goto cleanup;
	}
	/* each row as given, and again with a third of its values missing (the default sides) */
	memcpy(check, rows, (size_t)n * nc * sizeof(float));
	for (uint32_t i = 0; i < n; i++)
		for (size_t j = 0; j < nc; j++)
			check[(n + i) * nc + j] = (j + i) % 3 == 0 ? NAN : rows[i * nc + j];
	for (unsigned k = 0; k < K; k++)
		fg_trees_free(&m->t[k]); /* a second call checks afresh */
	for (unsigned k = 0; k < K && !why[0] && rc == FG_OK; k++)
		rc = fast_one(&m->t[k], m, k, check, 2 * n, want, why, why_len);
	if (!why[0] && rc == FG_OK && n == 0)
		snprintf(why, why_len, "no row to check the trees on");
	/* their SHAP values on the first rows (each check costs one XGBoost SHAP pass) */
	m->own_shap = false;
	if (!why[0] && rc == FG_OK) {
		uint32_t ns = n < FG_MODEL_SHAP_CHECK ? n : FG_MODEL_SHAP_CHECK;
		bool same = true;

		/* the first ns rows as given, then the same rows with a third missing */
		memmove(check + (size_t)ns * nc, check + (size_t)n * nc, (size_t)ns * nc * sizeof(float));
		for (unsigned k = 0; k < K && same && rc == FG_OK; k++)
			rc = shap_one(&same, m, k, check, 2 * ns, shap_why, shap_why_len);
		m->own_shap = same && rc == FG_OK;
	}
cleanup:
	if (why[0] || rc != FG_OK) {
		m->own_shap = false;
		for (unsigned k = 0; k < K; k++)
			fg_trees_free(&m->t[k]);
	}
	fg_free(check);
	fg_free(want);
	return rc == FG_OK ? !why[0] : rc;
}

uint64_t fg_model_trees_bytes(const fg_model *m)
{
	uint64_t b = 0;

	for (unsigned k = 0; k < K; k++)
		b += fg_trees_bytes(m->t[k]);
	return b;
}

const char *fg_model_params_json(const fg_model *m)
{
	return m->params;
}

static void buf_json_str(buf *b, const char *s)
{
	buf_str(b, "\"");
	for (; *s; s++) {
		char esc[8];
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			buf_put(b, esc, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*s);
			buf_str(b, esc);
		} else {
			buf_put(b, s, 1);
		}
	}
	buf_str(b, "\"");
}

int fg_model_features_json(char **out, const fg_model *m)
{
	buf b = { 0 };

	buf_str(&b, "[");
	for (uint32_t j = 0; j < m->n_cols; j++) {
		if (j)
			buf_str(&b, ",");
		buf_json_str(&b, m->names[j]);
	}
	buf_str(&b, "]");
	if (b.failed) {
		fg_free(b.s);
		return fg_error_set(FG_ENOMEM, "out of memory for the feature names");
	}
	*out = b.s;
	return FG_OK;
}

typedef struct imp {
	double gain;
	uint32_t j;
} imp;

static int cmp_imp(const void *a, const void *b)
{
	const imp *x = a, *y = b;

	if (x->gain != y->gain)
		return x->gain > y->gain ? -1 : 1;
	return x->j < y->j ? -1 : x->j > y->j;
}

/* Total gain per feature summed over the K boosters, as {"name": gain, ...}, largest first. */
int fg_model_importance_json(char **out, const fg_model *m)
{
	imp *v = fg_calloc(m->n_cols ? m->n_cols : 1, sizeof(*v));
	buf b = { 0 };
	int rc = FG_OK;

	*out = NULL;
	if (!v)
		return fg_error_set(FG_ENOMEM, "out of memory for feature importance");
	for (uint32_t j = 0; j < m->n_cols; j++)
		v[j].j = j;
	for (unsigned k = 0; k < K; k++) {
		bst_ulong nf = 0, dim = 0;
		const char **names = NULL;
		const bst_ulong *shape = NULL;
		const float *sc = NULL;
		XG(XGBoosterFeatureScore(m->b[k], "{\"importance_type\":\"total_gain\"}", &nf, &names,
		                         &dim, &shape, &sc));
		for (bst_ulong i = 0; i < nf; i++) {
			unsigned j;
			if (sscanf(names[i], "f%u", &j) == 1 && j < m->n_cols)
				v[j].gain += sc[i];
		}
	}
	qsort(v, m->n_cols, sizeof(*v), cmp_imp);
	buf_str(&b, "{");
	for (uint32_t i = 0, first = 1; i < m->n_cols; i++) {
		char num[40];
		if (v[i].gain <= 0.0)
			continue;
		if (!first)
			buf_str(&b, ",");
		first = 0;
		buf_json_str(&b, m->names[v[i].j]);
		snprintf(num, sizeof(num), ":%.6g", v[i].gain);
		buf_str(&b, num);
	}
	buf_str(&b, "}");
	if (b.failed) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for feature importance");
		goto cleanup;
	}
	*out = b.s;
	b.s = NULL;
cleanup:
	fg_free(b.s);
	fg_free(v);
	return rc;
}
