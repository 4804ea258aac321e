/*
 * fg_model: the learned risk model of a run (gradient-boosted trees,
 * XGBoost's C API), cross-fitted on the leak-free feature rows of
 * algorithms/fg_features.
 *
 * A model is FG_FEAT_FOLDS boosters: booster k scores the users of fold k
 * with rows that exclude fold k's seeds, and was trained on rows of folds
 * j != k that exclude folds {j, k}.  No user is scored by a booster that saw
 * its row, and its row holds nothing of its own label: flipping one user's
 * label (fraud <-> unknown) leaves its score bit-identical.  docs/scoring.md
 * ("The learned model") documents labels, sampling, parameters and outputs.
 *
 * Ownership: fg_model_close frees every XGBoost handle.  Thread-safety:
 * training, scoring and explaining a run use one model from one thread at a
 * time (XGBoost runs its own threads).  fg_model_predict_row may be called
 * from many threads at once on one loaded model: XGBoost (>= 1.4) makes
 * prediction, SHAP included, thread-safe for tree boosters as long as no
 * thread trains or sets a parameter meanwhile (doc/prediction.rst, "Thread
 * Safety"); the results live in XGBoost's thread-local buffers and are
 * copied out before the next call.
 */
#ifndef FG_ENGINE_FG_MODEL_H
#define FG_ENGINE_FG_MODEL_H

#include "fg_features.h"
#include "fg_graph.h"
#include "fg_score.h"

#include <stdbool.h>
#include <stdint.h>

/* Documented defaults (docs/scoring.md). */
#define FG_MODEL_MIN_POSITIVES 20   /* fewer labelled fraud users: no model */
#define FG_MODEL_NEG_TARGET 25000.0 /* expected unlabelled users sampled as negatives */
#define FG_MODEL_TREES 30
#define FG_MODEL_DEPTH 5
#define FG_MODEL_ETA 0.3
#define FG_MODEL_REASON_MIN 0.2     /* users scoring at least this get reasons */
#define FG_MODEL_REASON_USERS 1000  /* at most this many (highest scores first) */
#define FG_MODEL_REASONS 3          /* reasons per user */

typedef struct fg_model fg_model;

typedef struct fg_model_params {
	int threads;        /* XGBoost nthread for prediction (training: see fg_model.c) */
	int n_trees, max_depth;
	double eta;
	uint32_t min_positives;
} fg_model_params;

void fg_model_params_default(fg_model_params *p);

/* What training found, for the models table. */
typedef struct fg_model_info {
	uint32_t n_positives;    /* fraud labels used */
	uint32_t n_negatives;    /* legit + sampled unlabelled rows (over all folds) */
	double neg_rate;         /* sampling rate of unlabelled users */
	double auc, ap, p_at_k;  /* out-of-fold, on the labels (sampled negatives weighted) */
	uint32_t k;              /* k of p_at_k: the number of positives */
} fg_model_info;

/*
 * Whether the labels suffice to train (before any feature is built): at
 * least p->min_positives users with seed[u] and one in every fold.  If not,
 * false with why[] saying so.
 */
bool fg_model_enough_labels(char *why, size_t why_len, const fg_graph *g, const uint8_t *seed,
                            const fg_model_params *p);

/*
 * Train the K boosters on f's rows and the labels (seed[u] == 1: positive,
 * the kernels' seeds; g's legit label and sampled unlabelled users, held-out
 * seeds among them: negative).  Returns FG_OK with *out set, FG_OK
 * with *out NULL and why[] saying so when there are too few labels (fewer
 * than p->min_positives fraud users, or a fold without one), FG_ENOMEM, or
 * FG_ERROR with XGBoost's message.  info may be NULL.
 */
int fg_model_train(fg_model **out, char *why, size_t why_len, const fg_features *f,
                   const fg_graph *g, const uint8_t *seed, const fg_model_params *p,
                   fg_model_info *info);

/*
 * Called by fg_model_score with n each time the scores of users [0, n) are
 * final (n increasing, the last call n_users): a consumer may read them
 * while the rest are scored (the run's writer thread writes user_scores).
 */
typedef void (*fg_model_scored_fn)(void *arg, uint32_t n);

/*
 * Scores of every user into score[0..n_users): booster k on fold k's rows.
 * Rows are built and predicted in blocks (no resident n_users x F matrix),
 * by ranges of users in user order; after each range, on_scored(arg, end)
 * when on_scored is not NULL.  Fills info's out-of-fold metrics (on the
 * labels: seed mask and legit) when info and seed are not NULL.
 */
int fg_model_score(float *score, fg_model *m, const fg_features *f, const fg_graph *g,
                   const uint8_t *seed, fg_model_info *info, fg_model_scored_fn on_scored,
                   void *arg);

/* A per-user reason: a SHAP contribution (log-odds) and its sentence. */
typedef struct fg_model_reason {
	uint32_t user;
	int rank;             /* 1 = the largest contribution */
	uint32_t feature;     /* column of the row */
	float value;
	float contribution;
	char text[200];
} fg_model_reason;

/*
 * Reasons for the users scoring at least FG_MODEL_REASON_MIN (at most
 * FG_MODEL_REASON_USERS of them, highest first, ties by user id): their top
 * FG_MODEL_REASONS positive contributions (XGBoosterPredict option mask 4).
 * *out (fg_free) holds *n_out reasons sorted by (user, rank).
 */
int fg_model_explain(fg_model_reason **out, uint32_t *n_out, fg_model *m, const fg_features *f,
                     const fg_graph *g, const float *score);

/*
 * Ring scores from the members' learned scores: the mean score of the
 * ring's core members (those reaching a ring-mate through two links or
 * more: a stolen card's victim reaches the ring through one), or of all
 * members when none is core.  ring_score[0..s->n_rings).
 */
void fg_model_ring_scores(double *ring_score, const fg_scores *s, const fg_features *f,
                          const float *score);

/* The model as a file (fraudgraph-model format, see fg_model.c); *out is fg_free'd. */
int fg_model_save(char **out, size_t *len, const fg_model *m);

/*
 * Load a model saved by fg_model_save.  path is for messages.  The feature
 * names must be those f builds, else FG_EUSAGE naming the first difference.
 */
int fg_model_load(fg_model **out, const char *buf, size_t len, const char *path,
                  const fg_features *f, const fg_model_params *p);

/*
 * Load a model file without a run to check it against (serve): the feature
 * names are the file's (fg_model_feature_name).  Same errors as fg_model_load.
 */
int fg_model_load_file(fg_model **out, const char *buf, size_t len, const char *path,
                       const fg_model_params *p);
uint32_t fg_model_n_features(const fg_model *m);
const char *fg_model_feature_name(const fg_model *m, uint32_t j);

/*
 * Booster k's probability for one dense row (n_features floats, NAN =
 * missing) into *score, and, when contrib is not NULL, its SHAP
 * contributions (log-odds) into contrib[0..n_features], the last one the
 * bias (the costly part: TreeSHAP walks every path of every tree).  Thread-safe (see the top).  FG_OK or FG_ERROR with XGBoost's message.
 * Cost: one tree walk per tree, and the SHAP pass (TreeSHAP) when asked.
 */
int fg_model_predict_row(float *score, float *contrib, const fg_model *m, unsigned k,
                         const float *row);

/* Booster k's SHAP contributions alone (contrib as fg_model_predict_row's). */
int fg_model_contributions(float *contrib, const fg_model *m, unsigned k, const float *row);

/*
 * Score single rows with the boosters' own trees (fg_model_trees.h) rather
 * than XGBoost's in-place prediction, whose set-up per call costs some 30 us:
 * kept only if, for every booster, the trees give XGBoost's float bit for bit
 * on rows[0..n) (row-major, n_features each) and on each of them with a
 * third of its values missing.  Returns 1 (in use), 0 (not: *why says why,
 * and XGBoost keeps scoring), or FG_ENOMEM / FG_ERROR.  When in use, the
 * trees' SHAP values (TreeSHAP) replace XGBoost's in fg_model_contributions
 * too if they give its bits on the first FG_MODEL_SHAP_CHECK rows and their
 * variants, for every booster; else *shap_why says why and XGBoost keeps
 * computing them.  Call before the model is shared between threads.  Cost:
 * one batch prediction of 2n rows and one SHAP pass of 2 x 100 rows per
 * booster.
 */
#define FG_MODEL_SHAP_CHECK 100
int fg_model_fast_predict(fg_model *m, const float *rows, uint32_t n, char *why, size_t why_len,
                          char *shap_why, size_t shap_why_len);

/* Bytes held by the boosters' own trees and their SHAP tables (0 without them). */
uint64_t fg_model_trees_bytes(const fg_model *m);

/*
 * The columns of the largest positive contributions c[0..nc) (the bias
 * c[nc] aside), at most max, largest first, ties by column: the reasons'
 * order of fg_model_explain.  Returns how many.
 */
int fg_model_top_contributions(uint32_t *cols, const float *c, uint32_t nc, int max);

/* An entity a reason names: the one with the most known fraud among its users. */
typedef struct fg_model_entity {
	const char *kind, *value;
	uint32_t share, n_seeds;
	bool hub;
} fg_model_entity;

/*
 * The kind classes (FG_KC_*, or -1 for hubs of any class) whose entities
 * feature `name` counts (seeds_card, seeds_other, entity_seeds_max,
 * hub_seeds ...) into kcs[0..FG_KC_N); 0 if the feature names no entity.
 */
int fg_model_reason_classes(int *kcs, const char *name);

/*
 * The sentence an investigator reads for feature `name` with value v and
 * contribution c: "shares card c1 with 3 known fraudsters: +0.21".  e: the
 * entity an entity feature names (NULL: none, or not an entity feature).
 */
void fg_model_reason_text(char *out, size_t len, const char *name, float v, float c,
                          const fg_model_entity *e);

/* XGBoost's JSON of booster k, the parameters, the importance, as text (fg_free). */
int fg_model_booster_json(char **out, const fg_model *m, unsigned k);
const char *fg_model_params_json(const fg_model *m);
int fg_model_importance_json(char **out, const fg_model *m);
/* The feature names as a JSON list (fg_free). */
int fg_model_features_json(char **out, const fg_model *m);

void fg_model_close(fg_model **m);

#endif
