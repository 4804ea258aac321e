/*
 * fg_model_trees: a booster's trees as flat arrays, to score one row
 * without XGBoost's per-call set-up.
 *
 * Why: XGBoost's in-place prediction of one row (XGBoosterPredictFromDense)
 * costs some 33 us of CPU for 30 trees of depth 5 (its JSON arguments
 * parsed, a proxy matrix and a context made per call, the cgroup CPU quota
 * read from /sys twice per call), where the walk itself is 150 comparisons.
 * serve scores one row per request (docs/serve.md, "Speed").
 *
 * The trees come from the booster's own JSON model (the gbtree of a
 * binary:logistic learner, numerical splits only): a row goes left when its
 * value is below the split condition, the node's default side when it is
 * missing (NAN); the margin is the base margin plus the leaves' values,
 * summed in float in tree order; the probability its logistic.  fg_model.c
 * uses a set only after comparing it with XGBoost's own prediction bit for
 * bit (fg_model_fast_predict), and keeps XGBoost's where they differ.
 *
 * Immutable once made: any number of threads read it.
 */
#ifndef FG_ENGINE_FG_MODEL_TREES_H
#define FG_ENGINE_FG_MODEL_TREES_H

#include <stddef.h>
#include <stdint.h>

typedef struct fg_trees fg_trees;

/*
 * Trees of a booster from its JSON model (XGBoosterSaveModelToBuffer,
 * {"format":"json"}) of n_cols features.  FG_OK with *out set, FG_EDATA
 * (with a message) for a model it does not read: another booster or
 * objective, categorical splits, vector leaves, more than one group or
 * parallel tree; FG_ENOMEM.  O(nodes).
 */
int fg_trees_from_json(fg_trees **out, const char *json, size_t len, uint32_t n_cols);

/* NULL-safe; clears the pointer. */
void fg_trees_free(fg_trees **t);

/* Bytes t holds, its SHAP tables included (0 for NULL). */
size_t fg_trees_bytes(const fg_trees *t);

/* The probability of row[0..n_cols) (NAN = missing).  O(trees x depth). */
float fg_trees_predict(const fg_trees *t, const float *row);

/* Trees deeper than this are refused (SHAP's path buffer is on the stack). */
#define FG_TREES_MAX_DEPTH 24

/*
 * The SHAP values of row (log-odds) into phi[0..n_cols], phi[n_cols] the
 * bias (the trees' expected values and the base margin): TreeSHAP
 * (fg_model_trees.c).  FG_OK or FG_ENOMEM.  O(leaves x depth^2) per tree.
 */
int fg_trees_contributions(float *phi, const fg_trees *t, const float *row);

#endif
