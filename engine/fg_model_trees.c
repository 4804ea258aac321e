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

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct fg_node {
	int32_t left, right;  /* -1: a leaf */
	uint32_t feature;
	float cond;           /* split condition, or the leaf's value */
	float cover;          /* the training rows' hessian sum reaching it (sum_hessian) */
	float mean;           /* the cover-weighted mean of its leaves: its expected value */
	bool default_left;
} fg_node;

struct fg_trees {
	fg_node *node;
	uint32_t *root;
	uint32_t n_trees, n_nodes, n_cols;
	uint32_t max_depth;   /* edges from a root to its deepest leaf, over every tree */
	float base_margin;
	/* frac[d][i] = (float)(d - i) / (float)(d + 1): TreeSHAP's unwound sum divides by it
	 * at every leaf; the same float division done once gives the same bits */
	float frac[FG_TREES_MAX_DEPTH + 1][FG_TREES_MAX_DEPTH + 1];
	/* TreeSHAP's leaf terms for every way down (see "Leaf tables" below), or NULL
	 * where they would take more than FG_TREES_SHAP_TABLE floats: for leaf j,
	 * leaf[j].n terms, their features feat[leaf[j].feat ..], and for each
	 * pattern b of its ancestors' hot sides the terms val[leaf[j].val + b * n ..] */
	struct leaf_tab { uint32_t val, feat, n; } *leaf;
	uint32_t *feat;
	float *val;
	size_t n_feat, n_val;  /* their lengths (0 without tables) */
};

void fg_trees_free(fg_trees **tp)
{
	fg_trees *t;

	if (!tp || !(t = *tp))
		return;
	fg_free(t->node);
	fg_free(t->root);
	fg_free(t->leaf);
	fg_free(t->feat);
	fg_free(t->val);
	fg_free(t);
	*tp = NULL;
}

static int make_tables(fg_trees *t);

size_t fg_trees_bytes(const fg_trees *t)
{
	if (!t)
		return 0;
	return sizeof(*t) + (size_t)t->n_nodes * (sizeof(*t->node) + (t->leaf ? sizeof(*t->leaf) : 0)) +
	       (size_t)t->n_trees * sizeof(*t->root) + t->n_feat * sizeof(*t->feat) + t->n_val * sizeof(*t->val);
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
	json_t *cats = json_object_get(tree, "categories"), *hs = json_object_get(tree, "sum_hessian");
	size_t n = json_array_size(l), base = t->n_nodes;

	if (!n || json_array_size(r) != n || json_array_size(fi) != n || json_array_size(c) != n ||
	    json_array_size(dl) != n || json_array_size(hs) != n)
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
		nd->cover = (float)json_number_value(json_array_get(hs, i));
	}
	t->root[t->n_trees++] = (uint32_t)base;
	t->n_nodes = (uint32_t)(base + n);
	return FG_OK;
}

/*
 * Children point forward (XGBoost numbers a child after its parent), so
 * every walk ends, and a pass from the last node back computes each node's
 * mean from its children's (the expected value SHAP starts from, as XGBoost
 * computes it: left mean times left cover, plus right's, over the node's
 * cover, in float) and the trees' depth.  FG_EDATA for a child numbered
 * before its parent or a tree too deep, FG_ENOMEM.
 */
static int index_nodes(fg_trees *t)
{
	uint32_t *depth = fg_calloc(t->n_nodes ? t->n_nodes : 1, sizeof(uint32_t));
	int rc = FG_OK;

	if (!depth)
		return fg_error_set(FG_ENOMEM, "model trees: out of memory");
	for (uint32_t i = 0; i < t->n_nodes; i++)
		if (t->node[i].left >= 0 && ((uint32_t)t->node[i].left <= i || (uint32_t)t->node[i].right <= i)) {
			rc = fg_error_set(FG_EDATA, "model trees: node %u has a child numbered before it", i);
			goto cleanup;
		}
	for (unsigned d = 0; d <= FG_TREES_MAX_DEPTH; d++)
		for (unsigned i = 0; i < d; i++)
			t->frac[d][i] = (float)(d - i) / (float)(d + 1);
	t->max_depth = 0;
	for (uint32_t i = t->n_nodes; i-- > 0;) {
		fg_node *nd = &t->node[i];

		if (nd->left < 0) {
			nd->mean = nd->cond;
			continue;
		}
		nd->mean = t->node[nd->left].mean * t->node[nd->left].cover;
		nd->mean += t->node[nd->right].mean * t->node[nd->right].cover;
		nd->mean /= nd->cover;
		depth[i] = 1 + (depth[nd->left] > depth[nd->right] ? depth[nd->left] : depth[nd->right]);
		if (depth[i] > t->max_depth)
			t->max_depth = depth[i];
	}
	if (t->max_depth > FG_TREES_MAX_DEPTH)
		rc = fg_error_set(FG_EDATA, "model trees: depth %u over %d", t->max_depth, FG_TREES_MAX_DEPTH);
cleanup:
	fg_free(depth);
	return rc;
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
	if ((rc = index_nodes(t)) || (rc = make_tables(t)))
		goto cleanup;
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

/*
 * TreeSHAP, exact SHAP values of a tree for one row in O(leaves x depth^2):
 * Lundberg, Erion and Lee, "Consistent Individualized Feature Attribution
 * for Tree Ensembles" (2018), Algorithm 2.  The path holds, for each
 * feature split on from the root to the current node, the fraction of the
 * training cover that would flow down this way with the feature unknown
 * (zero) and whether the row itself flows this way (one), and the weights
 * w of each subset size; EXTEND adds a split, UNWIND removes one (a
 * feature split again lower down), and at a leaf each feature's weight
 * with it unwound, times (one - zero) times the leaf's value, is its
 * share.  In float, each expression as XGBoost evaluates it, so that
 * fg_model's check can demand its bits.
 */
typedef struct path_el {
	int feature;   /* -1: the root's element */
	float zero, one, w;
} path_el;

static void extend(path_el *p, unsigned d, float zero, float one, int feature)
{
	p[d] = (path_el){ feature, zero, one, d == 0 ? 1.0f : 0.0f };
	for (int i = (int)d - 1; i >= 0; i--) {
		p[i + 1].w += one * p[i].w * (float)(i + 1) / (float)(d + 1);
		p[i].w = zero * p[i].w * (float)(d - (unsigned)i) / (float)(d + 1);
	}
}

static void unwind(path_el *p, unsigned d, unsigned k)
{
	const float one = p[k].one, zero = p[k].zero;
	float next = p[d].w;

	for (int i = (int)d - 1; i >= 0; i--) {
		if (one != 0.0f) {
			const float tmp = p[i].w;

			p[i].w = next * (float)(d + 1) / ((float)(i + 1) * one);
			next = tmp - p[i].w * zero * (float)(d - (unsigned)i) / (float)(d + 1);
		} else {
			p[i].w = (p[i].w * (float)(d + 1)) / (zero * (float)(d - (unsigned)i));
		}
	}
	for (unsigned i = k; i < d; i++) {
		p[i].feature = p[i + 1].feature;
		p[i].zero = p[i + 1].zero;
		p[i].one = p[i + 1].one;
	}
}

/* The sum of the path's weights with element k unwound, the path left as it is
 * (frac: the row of fg_trees.frac for d). */
static float unwound_sum(const path_el *p, unsigned d, unsigned k, const float *frac)
{
	const float one = p[k].one, zero = p[k].zero;
	float next = p[d].w, total = 0.0f;

	for (int i = (int)d - 1; i >= 0; i--) {
		if (one != 0.0f) {
			const float tmp = next * (float)(d + 1) / ((float)(i + 1) * one);

			total += tmp;
			next = p[i].w - tmp * zero * frac[i];
		} else {
			total += (p[i].w / zero) / frac[i];
		}
	}
	return total;
}

/* A node splitting on feature again: its earlier element of the path (d + 1 elements)
 * unwound, its fractions into *iz, *io (left at 1 where it is new); the path's new d. */
static unsigned unwind_feature(path_el *p, unsigned d, int feature, float *iz, float *io)
{
	for (unsigned k = 0; k <= d; k++)
		if (p[k].feature == feature) {
			*iz = p[k].zero;
			*io = p[k].one;
			unwind(p, d, k);
			return d - 1;
		}
	return d;
}

/* parent: the path above node j (d + 1 elements); j's own path goes right after it. */
static void shap_node(const fg_trees *t, const float *row, float *phi, uint32_t j, unsigned d,
                      const path_el *parent, float zero, float one, int feature)
{
	const fg_node *nd = &t->node[j];
	path_el *p = (path_el *)parent + d + 1;
	uint32_t hot, cold;
	float iz = 1.0f, io = 1.0f, x;

	memcpy(p, parent, (d + 1) * sizeof(*p));
	extend(p, d, zero, one, feature);
	if (nd->left < 0) {
		for (unsigned i = 1; i <= d; i++)
			phi[p[i].feature] += unwound_sum(p, d, i, t->frac[d]) * (p[i].one - p[i].zero) * nd->cond;
		return;
	}
	x = row[nd->feature];
	hot = (uint32_t)(isnan(x) ? (nd->default_left ? nd->left : nd->right) : x < nd->cond ? nd->left : nd->right);
	cold = hot == (uint32_t)nd->left ? (uint32_t)nd->right : (uint32_t)nd->left;
	d = unwind_feature(p, d, (int)nd->feature, &iz, &io);
	shap_node(t, row, phi, hot, d + 1, p, t->node[hot].cover / nd->cover * iz, io, (int)nd->feature);
	shap_node(t, row, phi, cold, d + 1, p, t->node[cold].cover / nd->cover * iz, 0.0f, (int)nd->feature);
}

/*
 * Leaf tables.  A row enters TreeSHAP only through which child of each node
 * it takes (the hot one, or the cold one with "one" = 0): a leaf's terms
 * (its unwound sums times (one - zero) times its value) are a function of
 * the hot sides of its L ancestors alone, so for every leaf and each of the
 * 2^L patterns they are computed once, by the walk below, which is
 * shap_node with both sides of every node taken in turn, and a row's SHAP
 * values become a walk of its tree that adds the stored terms, leaves in
 * shap_node's order (the hot side first) and terms in its order: the same
 * float operations on the same values, the same bits (fg_model's check
 * against XGBoost's own SHAP values holds either way).  Depth 6, 40 trees:
 * at most 40 x 64 x 64 x 6 floats, 3.9 MiB a booster; the tables are made
 * only within FG_TREES_SHAP_TABLE floats, and shap_node serves the rest.
 */
#define FG_TREES_SHAP_TABLE (1u << 22)

/* Pass one: each leaf's term count (distinct features above it) and its tables' offsets. */
static void table_size(fg_trees *t, uint32_t j, unsigned level, uint32_t *feats, uint64_t *n_val,
                       uint64_t *n_feat)
{
	const fg_node *nd = &t->node[j];
	unsigned n = 0;

	if (nd->left >= 0) {
		feats[level] = nd->feature;
		table_size(t, (uint32_t)nd->left, level + 1, feats, n_val, n_feat);
		table_size(t, (uint32_t)nd->right, level + 1, feats, n_val, n_feat);
		return;
	}
	for (unsigned a = 0; a < level; a++) {
		unsigned b = 0;

		while (b < a && feats[b] != feats[a])
			b++;
		n += b == a;
	}
	/* (offsets past the cap are never used: make_tables then keeps no table) */
	t->leaf[j] = (struct leaf_tab){ (uint32_t)*n_val, (uint32_t)*n_feat, n };
	*n_val += (uint64_t)n << level;
	*n_feat += n;
}

/* Pass two: shap_node's walk with the node's two children each taken as hot and as cold
 * (bit `level` of bits set where the child is the hot one). */
static void table_node(fg_trees *t, uint32_t j, unsigned d, const path_el *parent, float zero,
                       float one, int feature, unsigned level, uint32_t bits)
{
	const fg_node *nd = &t->node[j];
	path_el *p = (path_el *)parent + d + 1;
	float iz = 1.0f, io = 1.0f;

	memcpy(p, parent, (d + 1) * sizeof(*p));
	extend(p, d, zero, one, feature);
	if (nd->left < 0) {
		const struct leaf_tab *lt = &t->leaf[j];
		float *val = t->val + lt->val + (size_t)bits * lt->n;

		assert(lt->n == d);
		for (unsigned i = 1; i <= d; i++) {
			t->feat[lt->feat + i - 1] = (uint32_t)p[i].feature;
			val[i - 1] = unwound_sum(p, d, i, t->frac[d]) * (p[i].one - p[i].zero) * nd->cond;
		}
		return;
	}
	d = unwind_feature(p, d, (int)nd->feature, &iz, &io);
	for (int side = 0; side < 2; side++) {
		uint32_t c = (uint32_t)(side ? nd->right : nd->left);
		float z = t->node[c].cover / nd->cover * iz;

		table_node(t, c, d + 1, p, z, io, (int)nd->feature, level + 1, bits | 1u << level);
		table_node(t, c, d + 1, p, z, 0.0f, (int)nd->feature, level + 1, bits);
	}
}

/* The leaf tables of every tree, or none (t->val NULL) past FG_TREES_SHAP_TABLE floats. */
static int make_tables(fg_trees *t)
{
	path_el path[(FG_TREES_MAX_DEPTH + 2) * (FG_TREES_MAX_DEPTH + 3) / 2];
	uint32_t feats[FG_TREES_MAX_DEPTH + 1];
	uint64_t n_val = 0, n_feat = 0;

	if (!(t->leaf = fg_calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*t->leaf))))
		return fg_error_set(FG_ENOMEM, "model trees: out of memory");
	for (uint32_t k = 0; k < t->n_trees; k++)
		table_size(t, t->root[k], 0, feats, &n_val, &n_feat);
	if (n_val > FG_TREES_SHAP_TABLE) {
		fg_free(t->leaf);
		t->leaf = NULL;
		return FG_OK;
	}
	if (!(t->val = fg_mallocarray(n_val ? n_val : 1, sizeof(float))) ||
	    !(t->feat = fg_mallocarray(n_feat ? n_feat : 1, sizeof(uint32_t))))
		return fg_error_set(FG_ENOMEM, "model trees: out of memory for the SHAP tables");
	t->n_val = n_val;
	t->n_feat = n_feat;
	memset(path, 0, sizeof(path));
	for (uint32_t k = 0; k < t->n_trees; k++)
		table_node(t, t->root[k], 0, path, 1.0f, 1.0f, -1, 0, 0);
	return FG_OK;
}

/* One tree's SHAP values from the leaf tables: shap_node's leaves in its order. */
static void shap_table(const fg_trees *t, const float *row, float *phi, uint32_t root)
{
	struct visit { uint32_t node, bits; unsigned level; } stack[FG_TREES_MAX_DEPTH + 2];
	unsigned top = 0;

	stack[top++] = (struct visit){ root, 0, 0 };
	while (top) {
		const uint32_t j = stack[--top].node, bits = stack[top].bits;
		const unsigned level = stack[top].level;
		const fg_node *nd = &t->node[j];

		if (nd->left < 0) {
			const struct leaf_tab *lt = &t->leaf[j];
			const float *val = t->val + lt->val + (size_t)bits * lt->n;
			const uint32_t *feat = t->feat + lt->feat;

			for (uint32_t i = 0; i < lt->n; i++)
				phi[feat[i]] += val[i];
			continue;
		}
		float x = row[nd->feature];
		uint32_t hot = (uint32_t)(isnan(x) ? (nd->default_left ? nd->left : nd->right)
		                                   : x < nd->cond ? nd->left : nd->right);
		uint32_t cold = hot == (uint32_t)nd->left ? (uint32_t)nd->right : (uint32_t)nd->left;

		/* the cold side below the hot one: the hot side's leaves come first */
		stack[top++] = (struct visit){ cold, bits, level + 1 };
		stack[top++] = (struct visit){ hot, bits | 1u << level, level + 1 };
	}
}

int fg_trees_contributions(float *phi, const fg_trees *t, const float *row)
{
	/* the paths of one walk, deepest first: (D + 2)(D + 3) / 2 elements for depth D */
	path_el path[(FG_TREES_MAX_DEPTH + 2) * (FG_TREES_MAX_DEPTH + 3) / 2];
	float *tree = fg_calloc((size_t)t->n_cols + 1, sizeof(float));

	if (!tree)
		return fg_error_set(FG_ENOMEM, "out of memory for the SHAP values");
	memset(phi, 0, ((size_t)t->n_cols + 1) * sizeof(float));
	memset(path, 0, sizeof(path));
	for (uint32_t k = 0; k < t->n_trees; k++) {
		const fg_node *root = &t->node[t->root[k]];

		memset(tree, 0, ((size_t)t->n_cols + 1) * sizeof(float));
		tree[t->n_cols] += root->mean;
		if (t->val)
			shap_table(t, row, tree, t->root[k]);
		else
			shap_node(t, row, tree, t->root[k], 0, path, 1.0f, 1.0f, -1);
		for (uint32_t c = 0; c <= t->n_cols; c++)
			phi[c] += tree[c];
	}
	phi[t->n_cols] += t->base_margin;
	fg_free(tree);
	return FG_OK;
}
