/*
 * fg_model_trees: see fg_model_trees.h.
 *
 * Layout: every tree's nodes in one array of fg_node, tree t's nodes from
 * root[t]; a node's children are indexes into the same array (so the walk
 * is one loop without per-tree offsets).  A leaf has left == -1 and its
 * value in cond.
 */
#include "fg_model_trees.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct fg_node {
	int32_t left, right;  /* -1: a leaf */
	uint32_t feature;
	float cond;           /* split condition, or the leaf's value */
	bool default_left;
} fg_node;

struct fg_trees {
	fg_node *node;
	uint32_t *root;
	uint32_t n_trees, n_nodes, n_cols;
	float base_margin;
};

void fg_trees_free(fg_trees **tp)
{
	fg_trees *t;

	if (!tp || !(t = *tp))
		return;
	fg_free(t->node);
	fg_free(t->root);
	fg_free(t);
	*tp = NULL;
}

/* The string value of a JSON field as a number ("5E-1" in XGBoost's params); NAN if none. */
static double str_num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	char *end;
	double d;

	if (json_is_number(v))
		return json_number_value(v);
	if (!json_is_string(v))
		return NAN;
	d = strtod(json_string_value(v), &end);
	return *end ? NAN : d;
}

/* Tree j's nodes appended to t (the node arrays of XGBoost's JSON tree). */
static int add_tree(fg_trees *t, json_t *tree, size_t *cap)
{
	json_t *l = json_object_get(tree, "left_children"), *r = json_object_get(tree, "right_children");
	json_t *fi = json_object_get(tree, "split_indices"), *c = json_object_get(tree, "split_conditions");
	json_t *dl = json_object_get(tree, "default_left"), *st = json_object_get(tree, "split_type");
	json_t *cats = json_object_get(tree, "categories");
	size_t n = json_array_size(l), base = t->n_nodes;

	if (!n || json_array_size(r) != n || json_array_size(fi) != n || json_array_size(c) != n ||
	    json_array_size(dl) != n)
		return fg_error_set(FG_EDATA, "model trees: tree %u: node arrays missing or of unequal length",
		                    t->n_trees);
	if (json_array_size(cats))
		return fg_error_set(FG_EDATA, "model trees: tree %u has categorical splits", t->n_trees);
	if (base + n > INT32_MAX)
		return fg_error_set(FG_EDATA, "model trees: too many nodes");
	if (base + n > *cap) {
		size_t nc = *cap ? *cap : 1024;
		fg_node *p;

		while (nc < base + n)
			nc *= 2;
		if (!(p = fg_reallocarray(t->node, nc, sizeof(*p))))
			return fg_error_set(FG_ENOMEM, "model trees: out of memory");
		t->node = p;
		*cap = nc;
	}
	for (size_t i = 0; i < n; i++) {
		json_int_t li = json_integer_value(json_array_get(l, i)), ri = json_integer_value(json_array_get(r, i));
		json_int_t f = json_integer_value(json_array_get(fi, i));
		fg_node *nd = &t->node[base + i];

		if (!json_is_integer(json_array_get(l, i)) || !json_is_integer(json_array_get(r, i)) ||
		    !json_is_number(json_array_get(c, i)) || li < -1 || li >= (json_int_t)n || ri < -1 ||
		    ri >= (json_int_t)n || (li == -1) != (ri == -1) || li == 0 || ri == 0 ||
		    (li != -1 && (f < 0 || f >= t->n_cols)) ||
		    (json_array_size(st) == n && json_integer_value(json_array_get(st, i)) != 0))
			return fg_error_set(FG_EDATA, "model trees: tree %u, node %zu: not a numerical split or leaf",
			                    t->n_trees, i);
		nd->left = li < 0 ? -1 : (int32_t)(base + (size_t)li);
		nd->right = ri < 0 ? -1 : (int32_t)(base + (size_t)ri);
		nd->feature = li < 0 ? 0 : (uint32_t)f;
		nd->cond = (float)json_number_value(json_array_get(c, i));
		nd->default_left = json_integer_value(json_array_get(dl, i)) != 0;
	}
	t->root[t->n_trees++] = (uint32_t)base;
	t->n_nodes = (uint32_t)(base + n);
	return FG_OK;
}

/* Children point forward (XGBoost numbers a child after its parent): every walk ends. */
static bool walks_end(const fg_trees *t)
{
	for (uint32_t i = 0; i < t->n_nodes; i++)
		if (t->node[i].left >= 0 && ((uint32_t)t->node[i].left <= i || (uint32_t)t->node[i].right <= i))
			return false;
	return true;
}

int fg_trees_from_json(fg_trees **out, const char *json, size_t len, uint32_t n_cols)
{
	json_t *root = json_loadb(json, len, 0, NULL), *learner, *gb, *model, *trees, *info, *v;
	fg_trees *t = NULL;
	size_t cap = 0;
	double base;
	int rc = FG_OK;

	*out = NULL;
#define BAD(...) do { rc = fg_error_set(FG_EDATA, __VA_ARGS__); goto cleanup; } while (0)
	if (!root)
		BAD("model trees: the booster's JSON does not parse");
	learner = json_object_get(root, "learner");
	gb = json_object_get(learner, "gradient_booster");
	model = json_object_get(gb, "model");
	trees = json_object_get(model, "trees");
	info = json_object_get(model, "tree_info");
	v = json_object_get(json_object_get(learner, "objective"), "name");
	if (!json_is_string(v) || strcmp(json_string_value(v), "binary:logistic"))
		BAD("model trees: objective is not binary:logistic");
	v = json_object_get(gb, "name");
	if (!json_is_string(v) || strcmp(json_string_value(v), "gbtree"))
		BAD("model trees: booster is not gbtree");
	if (str_num(json_object_get(model, "gbtree_model_param"), "num_parallel_tree") != 1.0 ||
	    !json_is_array(trees) || json_array_size(info) != json_array_size(trees))
		BAD("model trees: not one tree per round");
	base = str_num(json_object_get(learner, "learner_model_param"), "base_score");
	if (!(base > 0.0 && base < 1.0))
		BAD("model trees: base_score not in (0, 1)");
	if (!(t = fg_calloc(1, sizeof(*t))) ||
	    !(t->root = fg_mallocarray(json_array_size(trees) ? json_array_size(trees) : 1, sizeof(uint32_t)))) {
		rc = fg_error_set(FG_ENOMEM, "model trees: out of memory");
		goto cleanup;
	}
	t->n_cols = n_cols;
	/* the logistic's base margin, in float as the probability is */
	t->base_margin = -logf(1.0f / (float)base - 1.0f);
	for (size_t i = 0; i < json_array_size(trees); i++) {
		if (json_integer_value(json_array_get(info, i)) != 0)
			BAD("model trees: more than one output group");
		if ((rc = add_tree(t, json_array_get(trees, i), &cap)))
			goto cleanup;
	}
	if (!walks_end(t))
		BAD("model trees: a child numbered before its parent");
#undef BAD
	*out = t;
	t = NULL;
cleanup:
	json_decref(root);
	fg_trees_free(&t);
	return rc;
}

float fg_trees_predict(const fg_trees *t, const float *row)
{
	float margin = t->base_margin;

	for (uint32_t k = 0; k < t->n_trees; k++) {
		const fg_node *nd = &t->node[t->root[k]];

		while (nd->left >= 0) {
			float x = row[nd->feature];

			nd = &t->node[isnan(x) ? (nd->default_left ? nd->left : nd->right)
			                       : x < nd->cond ? nd->left : nd->right];
		}
		margin += nd->cond;
	}
	return 1.0f / (1.0f + expf(-margin));
}
