/*
 * The run's model phase and the write-back of the model's tables.
 *
 * After scoring, while the CSR is still there: the leak-free features
 * (fg_features), the cross-fitted boosters (fg_model: trained on the run's
 * labels, or loaded from --model FILE), every user's learned score, the
 * rings' scores from their members' learned scores, the reasons of the
 * flagged users, and the feature rows that are stored (labelled users and
 * users scoring at least FG_MODEL_REASON_MIN, at most FG_MODEL_REASON_USERS
 * of those).  The features are freed at the end of the phase.  With too few
 * labels the phase logs why and the hand-set scores stay; --no-model skips it
 * (the output digest is then exactly the hand-set run's).
 */
#include "fg_run.h"
#include "fg_run_internal.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_features.h"
#include "fg_log.h"
#include "fg_model.h"
#if FG_HAVE_MPI
#include "fg_mpi.h"
#endif
#include "fg_par.h"
#include "fg_sbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fg_run_model_free(fg_run *r)
{
	fg_free(r->model_score);
	fg_free(r->ring_model_score);
	fg_free(r->reasons);
	fg_free(r->feat_users);
	fg_free(r->feat_rows);
	for (uint32_t j = 0; r->feat_names && j < r->n_feat; j++)
		fg_free(r->feat_names[j]);
	fg_free(r->feat_names);
	fg_free(r->model_file);
	fg_free(r->model_importance);
	fg_free(r->model_params);
	r->model_score = NULL;
	r->ring_model_score = NULL;
	r->reasons = NULL;
	r->feat_users = NULL;
	r->feat_rows = NULL;
	r->feat_names = NULL;
	r->model_file = r->model_importance = r->model_params = NULL;
}

const float *fg_run_model_scores(const fg_run *r) { return r->model_score; }
const double *fg_run_ring_scores(const fg_run *r) { return r->ring_model_score; }
const char *fg_run_model_status(const fg_run *r) { return r->model_status; }

static int read_file(char **out, size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	*out = NULL;
	if (!f)
		return fg_error_set(FG_EIO, "--model %s: cannot open: %s", path, strerror(errno));
	for (;;) {
		if (n + 65536 > cap) {
			size_t nc = cap ? cap * 2 : 1 << 20;
			char *b = fg_realloc(buf, nc + 1);
			if (!b) {
				fclose(f);
				fg_free(buf);
				return fg_error_set(FG_ENOMEM, "--model %s: out of memory reading it", path);
			}
			buf = b;
			cap = nc;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		fg_free(buf);
		return fg_error_set(FG_EIO, "--model %s: read error", path);
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return FG_OK;
}

/* The users whose feature rows are stored: labelled, held out, or scoring >= the reason threshold. */
static int stored_rows(fg_run *r, const fg_features *f)
{
	const fg_graph *g = r->g;
	uint32_t n = 0, nc = fg_features_count(f), flagged = 0;

	r->feat_users = fg_mallocarray(g->n_users ? g->n_users : 1, sizeof(uint32_t));
	if (!r->feat_users)
		return fg_error_set(FG_ENOMEM, "out of memory selecting feature rows");
	for (uint32_t u = 0; u < g->n_users; u++) {
		bool lab = r->seed[u] || r->holdout[u] || g->user_label[u] == FG_LABEL_LEGIT;
		bool flag = r->model_score[u] >= FG_MODEL_REASON_MIN && flagged < FG_MODEL_REASON_USERS;
		if (lab || flag) {
			r->feat_users[n++] = u;
			flagged += flag;
		}
	}
	r->n_feat_users = n;
	r->feat_rows = fg_mallocarray(n ? (size_t)n * nc : 1, sizeof(float));
	r->feat_names = fg_calloc(nc, sizeof(char *));
	if (!r->feat_rows || !r->feat_names)
		return fg_error_set(FG_ENOMEM, "out of memory for the stored feature rows");
	r->n_feat = nc;
	for (uint32_t j = 0; j < nc; j++)
		if (!(r->feat_names[j] = fg_strndup(fg_features_name(f, j), strlen(fg_features_name(f, j)))))
			return fg_error_set(FG_ENOMEM, "out of memory for the feature names");
	/* each row as it was scored: the user's own fold excluded */
	{
		unsigned *masks = fg_mallocarray(n ? n : 1, sizeof(unsigned));
		int rc;
		if (!masks)
			return fg_error_set(FG_ENOMEM, "out of memory for the stored feature rows");
		for (uint32_t i = 0; i < n; i++)
			masks[i] = 1u << fg_features_fold(f, r->feat_users[i]);
		rc = fg_features_rows(r->feat_rows, f, r->feat_users, n, masks, 0);
#if FG_HAVE_MPI
		/* the rows the model scored: the ranks' columns of the packed users */
		for (uint32_t i = 0; rc == FG_OK && i < n; i++)
			fg_mpi_use_features(r->feat_rows + (size_t)i * fg_features_count(f), f,
			                    &r->feat_users[i], 1, masks[i]);
#endif
		fg_free(masks);
		if (rc != FG_OK)
			return rc;
	}
	return FG_OK;
}

int fg_run_model(fg_run *r)
{
	const fg_config *cfg = &r->o.cfg;
	fg_features_params fp = {
		/* every attribute the graph holds: --attrs / --no-attrs chose them at ingest */
		.use_attrs = true, .attrs = NULL,
		.damping = cfg->risk_damping, .tol = cfg->risk_tol, .max_iter = cfg->risk_max_iter,
	};
	fg_model_params mp;
	fg_model_info info;
	fg_features *f = NULL;
	fg_model *m = NULL;
	char why[200], *file = NULL;
	size_t len = 0;
	int rc;

	if (r->o.no_model) {
		snprintf(r->model_status, sizeof(r->model_status), "off (--no-model)");
		snprintf(r->note, sizeof(r->note), "%s", r->model_status);
		return FG_OK;
	}
	fg_model_params_default(&mp);
	mp.threads = cfg->threads > 0 ? cfg->threads : 0;
	if (mp.threads <= 0)
		mp.threads = fg_par_threads();
	if (!r->o.model_path && !fg_model_enough_labels(why, sizeof(why), r->g, r->seed, &mp)) {
		snprintf(r->model_status, sizeof(r->model_status), "not trained: %s; "
		         "the hand-set scores stay", why);
		fg_log_warn("model: %s", r->model_status);
		snprintf(r->note, sizeof(r->note), "%s", r->model_status);
		return FG_OK;
	}
	double tp = fg_clock();
#define PROF(what) do { if (getenv("FG_MODEL_PROFILE")) fprintf(stderr, "  model %-10s %6.3f s\n", what, fg_clock() - tp); fg_run_mem_profile("model " what); tp = fg_clock(); } while (0)
	if ((rc = fg_features_open(&f, r->g, r->scores, r->comp, r->seeds, r->n_seeds, &fp)) != FG_OK)
		goto cleanup;
#if FG_HAVE_MPI
	/* under mpirun: the ranks' rows of their packed users, checked against f's and
	 * then used for the scoring rows (fg_model_score, explain, the stored rows) */
	if (fg_mpi_active() && (rc = fg_mpi_check_features(f, r->g, r->scores)) != FG_OK)
		goto cleanup;
#endif
	PROF("features");
	memset(&info, 0, sizeof(info));
	if (r->o.model_path) {
		if ((rc = read_file(&file, &len, r->o.model_path)) != FG_OK ||
		    (rc = fg_model_load(&m, file, len, r->o.model_path, f, &mp)) != FG_OK)
			goto cleanup;
		r->model_source = r->o.model_path;
	} else {
		if ((rc = fg_model_train(&m, why, sizeof(why), f, r->g, r->seed, &mp, &info)) != FG_OK)
			goto cleanup;
		if (!m) {
			snprintf(r->model_status, sizeof(r->model_status), "not trained: %s; "
			         "the hand-set scores stay", why);
			fg_log_warn("model: %s", r->model_status);
			snprintf(r->note, sizeof(r->note), "%s", r->model_status);
			goto cleanup;
		}
		r->model_source = "trained";
	}
	PROF("train");
	r->model_score = fg_mallocarray(r->g->n_users ? r->g->n_users : 1, sizeof(float));
	r->ring_model_score = fg_mallocarray(r->scores->n_rings ? r->scores->n_rings : 1, sizeof(double));
	if (!r->model_score || !r->ring_model_score) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the model's scores");
		goto cleanup;
	}
	/* the writer thread writes user_scores as the ranges come (fg_run_write.c) */
	if ((rc = fg_model_score(r->model_score, m, f, r->g, r->seed, &info, fg_run_write_scored,
	                         r)) != FG_OK)
		goto cleanup;
	PROF("score");
	fg_model_ring_scores(r->ring_model_score, r->scores, f, r->model_score);
	if ((rc = fg_model_explain(&r->reasons, &r->n_reasons, m, f, r->g, r->model_score)) != FG_OK)
		goto cleanup;
	PROF("explain");
	if ((rc = stored_rows(r, f)) != FG_OK || (rc = fg_model_importance_json(&r->model_importance, m)) != FG_OK)
		goto cleanup;
	PROF("stored rows");
	fg_free(file);
	file = NULL;
	if ((rc = fg_model_save(&file, &len, m)) != FG_OK)
		goto cleanup;
	PROF("save");
	r->model_file = file;
	file = NULL;
	if (!(r->model_params = fg_strndup(fg_model_params_json(m), strlen(fg_model_params_json(m))))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the model's parameters");
		goto cleanup;
	}
	r->model_auc = info.auc;
	r->model_ap = info.ap;
	r->model_p_at_k = info.p_at_k;
	r->model_k = info.k;
	r->model_pos = info.n_positives;
	r->model_neg = info.n_negatives;
	r->model_neg_rate = info.neg_rate;
	snprintf(r->model_status, sizeof(r->model_status),
	         "%s: %d folds, %u features, %u positives, %u negative rows; out-of-fold AUC %.4f, "
	         "AP %.4f, P@%u %.4f; %u reasons", r->o.model_path ? "loaded" : "trained",
	         FG_FEAT_FOLDS, fg_features_count(f), info.n_positives, info.n_negatives, info.auc,
	         info.ap, info.k, info.p_at_k, r->n_reasons);
	snprintf(r->note, sizeof(r->note), "%s", r->model_status);
cleanup:
#if FG_HAVE_MPI
	fg_mpi_drop_features();
#endif
	if (rc != FG_OK) {
		/* the writer thread may read the scores: stopped before they go */
		fg_run_write_cancel(r);
		fg_run_model_free(r);
	}
	fg_model_close(&m);
	fg_features_close(&f);
	fg_free(file);
	return rc;
}

static int bulk_end(fg_bulk **b, int rc)
{
	int rc2 = fg_store_bulk_end(b);

	return rc != FG_OK ? rc : rc2;
}

static void put_double_or_null(fg_bulk *b, double v)
{
	if (isnan(v))
		fg_bulk_null(b);
	else
		fg_bulk_double(b, v);
}

/* A JSON string literal of s into o (names are plain text; escape what JSON needs). */
static void json_str(fg_sbuf *o, const char *s)
{
	fg_sbuf_json_str(o, s);
}

int fg_run_write_model(fg_run *r)
{
	static const char *const mcols[] = {
		"run_id", "source", "n_folds", "n_features", "feature_names", "params", "n_positives",
		"n_negatives", "neg_rate", "auc", "ap", "p_at_k", "k", "importance", "model_file",
	};
	static const char *const rcols[] = {
		"run_id", "user_id", "rank", "feature", "value", "contribution", "text",
	};
	static const char *const fcols[] = { "run_id", "user_id", "features" };
	const fg_graph *g = r->g;
	fg_bulk *b = NULL;
	fg_sbuf o = { 0 };
	int rc = FG_OK;

	if (r->model_status[0] && (rc = fg_store_run_set_text(r->store, "model_status", r->model_status)) != FG_OK)
		return rc;
	if (!r->model_score)
		return FG_OK;

	fg_sbuf_puts(&o, "[");
	for (uint32_t j = 0; j < r->n_feat; j++) {
		if (j)
			fg_sbuf_puts(&o, ",");
		json_str(&o, r->feat_names[j]);
	}
	fg_sbuf_puts(&o, "]");
	if ((rc = fg_sbuf_check(&o)) != FG_OK ||
	    (rc = fg_store_bulk_begin(&b, r->store, "models", mcols, (int)(sizeof(mcols) / sizeof(mcols[0])))) != FG_OK)
		goto cleanup;
	fg_bulk_int(b, r->run_id);
	fg_bulk_text(b, r->model_source);
	fg_bulk_int(b, FG_FEAT_FOLDS);
	fg_bulk_int(b, r->n_feat);
	fg_bulk_text(b, o.s);
	fg_bulk_text(b, r->model_params);
	fg_bulk_int(b, r->model_pos);
	fg_bulk_int(b, r->model_neg);
	fg_bulk_double(b, r->model_neg_rate);
	put_double_or_null(b, r->model_auc);
	put_double_or_null(b, r->model_ap);
	put_double_or_null(b, r->model_p_at_k);
	fg_bulk_int(b, r->model_k);
	fg_bulk_text(b, r->model_importance);
	fg_bulk_text(b, r->model_file);
	rc = fg_bulk_row(b);
	if ((rc = bulk_end(&b, rc)) != FG_OK)
		goto cleanup;

	if ((rc = fg_store_bulk_begin(&b, r->store, "user_reasons", rcols, (int)(sizeof(rcols) / sizeof(rcols[0])))) != FG_OK)
		goto cleanup;
	for (uint32_t i = 0; i < r->n_reasons && rc == FG_OK; i++) {
		const fg_model_reason *x = &r->reasons[i];
		fg_bulk_int(b, r->run_id);
		fg_bulk_text(b, fg_graph_user_id(g, x->user));
		fg_bulk_int(b, x->rank);
		fg_bulk_text(b, r->feat_names[x->feature]);
		put_double_or_null(b, x->value);
		fg_bulk_double(b, x->contribution);
		fg_bulk_text(b, x->text);
		rc = fg_bulk_row(b);
	}
	if ((rc = bulk_end(&b, rc)) != FG_OK)
		goto cleanup;

	if ((rc = fg_store_bulk_begin(&b, r->store, "user_model_features", fcols, 3)) != FG_OK)
		goto cleanup;
	for (uint32_t i = 0; i < r->n_feat_users && rc == FG_OK; i++) {
		const float *row = r->feat_rows + (size_t)i * r->n_feat;
		o.len = 0;
		fg_sbuf_puts(&o, "{");
		for (uint32_t j = 0; j < r->n_feat; j++) {
			if (j)
				fg_sbuf_puts(&o, ",");
			json_str(&o, r->feat_names[j]);
			if (isnan(row[j]))
				fg_sbuf_puts(&o, ":null");
			else {
				fg_sbuf_puts(&o, ":");
				fg_sbuf_real(&o, "%.9g", (double)row[j]);
			}
		}
		fg_sbuf_puts(&o, "}");
		if ((rc = fg_sbuf_check(&o)) != FG_OK)
			break;
		fg_bulk_int(b, r->run_id);
		fg_bulk_text(b, fg_graph_user_id(g, r->feat_users[i]));
		fg_bulk_text(b, o.s);
		rc = fg_bulk_row(b);
	}
	rc = bulk_end(&b, rc);
cleanup:
	if (b)
		rc = bulk_end(&b, rc);
	fg_sbuf_free(&o);
	return rc;
}
