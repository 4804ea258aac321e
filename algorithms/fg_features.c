/*
 * The learned model's feature kernels (see fg_features.h for the contract).
 *
 * Folds.  fold(u) = a 64-bit FNV-1a hash of u's id string, finalised with
 * MurmurHash3's fmix64 and a salt of its own (unrelated to --holdout's coin),
 * modulo K = FG_FEAT_FOLDS.  Fold k's seeds S_k are the kernels' seeds whose
 * id hashes to k.
 *
 * Per-fold primitives (computed only for users of a component that holds a
 * seed of any fold, the "active" users: everyone else has all of them 0 or
 * unreached, which is what the full computation would give):
 *   q_k(u)     personalised PageRank with restart uniform over S_k (fg_risk)
 *   hops_k(u)  hops to the nearest seed of S_k (fg_bfs_multi), 255 = unreached
 *   cos_k(u)   distinct co-users of u in S_k
 *   nbs_k(u)   sum_v w(u,v) [v in S_k] / sum_v w(u,v)     (one hop)
 *   nbq_k(u)   sum_v w(u,v) q_k(v) / W(v) / sum_v w(u,v)  (one hop)
 *   nbs2_k(u)  sum_v w(u,v) nbs_k(v) / sum_v w(u,v)       (two hops)
 * over the (entity or direct link, co-user) pairs (v, w) of u in the CSR:
 * w = ent_weight (kind weight / log2(1 + share)) through an entity,
 * relation_weight through a direct link.  Per entity (hubs included) and per
 * ring and component: seeds of S_k among its users.
 *
 * Combination under a mask M of excluded folds, always in fold order
 * 0..K-1 over k not in M, N_M = sum |S_k|:
 *   ppr = sum |S_k| q_k / N_M   (restart uniform over the seeds used: the same
 *         scale for K-1 folds of seeds (scoring) and K-2 (training rows))
 *   hops = min hops_k; counts and shares = sums; nb_ppr = sum |S_k| nbq_k / N_M.
 * A user u of fold k never sees fold k under M containing k, so nothing of
 * its own label reaches its row, even through a two-hop path back to itself.
 *
 * Label-free neighbour aggregates (degree, co-users, account age, each
 * attribute): one-hop weighted mean and max computed per row, two-hop mean
 * as the weighted mean of the neighbours' one-hop means (GADBench's
 * aggregate of aggregates), precomputed per user (floats) in open.
 *
 * Complexity: K risk walks and BFS over the seeds' components; one sweep of
 * the links; per active or ring user one pass over its two-hop neighbourhood
 * through non-hub entities (bounded by the hub caps).  Rows: O(degree in g
 * plus links) each.  Every parallel loop writes per-user slots only, each
 * value a serial sum in CSR / fold order: identical for any thread count.
 */
#include "fg_features.h"

#include "fg_alloc.h"
#include "fg_bfs.h"
#include "fg_error.h"
#include "fg_hash.h"
#include "fg_kinds.h"
#include "fg_log.h"
#include "fg_par.h"
#include "fg_prefetch.h"
#include "fg_risk.h"
#include "fg_search.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

#define K FG_FEAT_FOLDS
#define HOPS_NONE 255
#define NO_SLOT UINT32_MAX
#define DAY 86400.0
#define FOLD_SALT 0x5f0d3c2b9a184e77ull

/* Fixed columns, in row order; names below.  Attributes and aggregates follow. */
enum {
	F_DEG_TOTAL, F_DEG_CARD, F_DEG_DEVICE, F_DEG_ADDRESS, F_DEG_PHONE, F_DEG_EMAIL, F_DEG_IP,
	F_DEG_OTHER, F_DEG_USER, F_CO_USERS, F_WDEG, F_SHARE_MIN, F_SHARE_MEAN, F_SHARE_MAX,
	F_HUB_LINKS, F_HUB_CARD, F_HUB_DEVICE, F_HUB_ADDRESS, F_COMP_SIZE, F_RING_SIZE,
	F_RING_SHARING, F_RING_BURST, F_RING_SIZE_FACTOR, F_RING_MULTI_MATES, F_ACCOUNT_AGE,
	F_ACTIVITY_SPAN,
	F_PPR, F_PPR_NORM, F_SEED_HOPS, F_SEEDS_2HOP, F_SEEDS_2HOP_RATE, F_SEEDS_CARD,
	F_SEEDS_DEVICE, F_SEEDS_ADDRESS, F_SEEDS_OTHER, F_HUB_SEEDS, F_ENT_SEED_MAX, F_RING_SEEDS,
	F_RING_SEED_RATE, F_COMP_SEEDS, F_COMP_SEED_RATE, F_NB_SEED_MEAN, F_NB2_SEED_MEAN,
	F_NB_PPR_NORM_MEAN, F_NB_PPR_NORM_MAX,
	F_NFIXED
};

static const char *const fixed_name[F_NFIXED] = {
	"deg_total", "deg_card", "deg_device", "deg_address", "deg_phone", "deg_email", "deg_ip",
	"deg_other", "deg_user", "co_users", "wdeg", "share_min", "share_mean", "share_max",
	"hub_links", "hub_card", "hub_device", "hub_address", "component_size", "ring_size",
	"ring_sharing", "ring_burst", "ring_size_factor", "ring_multi_mates", "account_age_days",
	"activity_span_days",
	"ppr", "ppr_norm", "seed_hops", "seeds_2hop", "seeds_2hop_rate", "seeds_card",
	"seeds_device", "seeds_address", "seeds_other", "hub_seeds", "entity_seeds_max", "ring_seeds",
	"ring_seed_rate", "comp_seeds", "comp_seed_rate", "nb_seed_mean", "nb2_seed_mean",
	"nb_ppr_norm_mean", "nb_ppr_norm_max",
};

/* Label-free base values aggregated over neighbours (then one per attribute). */
enum { B_DEG_TOTAL, B_CO_USERS, B_AGE, B_NFIXED };
static const char *const base_name[B_NFIXED] = { "deg_total", "co_users", "account_age_days" };

/*
 * Invariants: act_slot[u] != NO_SLOT exactly for users of a component with a
 * seed; the per-fold arrays are indexed slot * K + k; ent_list ascending with
 * ent_cnt[i * K + k] the seeds of fold k among entity ent_list[i]'s users.
 */
struct fg_features {
	const fg_graph *g;
	const fg_scores *s;
	const uint32_t *comp;
	uint8_t *kclass;          /* per kind: FG_KC_* */
	uint8_t *fold;            /* per user */
	uint8_t *seed_fold;       /* per user: fold of a seed, 255 if not a seed */
	uint32_t n_fold_seeds[K];
	uint64_t *link_off;       /* n_users + 1: user u's links are [link_off[u], link_off[u+1]) */
	int64_t t_ref;            /* latest time in the data (account age reference) */
	double damping;           /* of the per-fold walks (fg_features_row_new's one step) */

	uint32_t *act_slot;       /* per user */
	uint32_t n_act;
	double *wact;             /* per slot: W(u) */
	double *q, *nbs, *nbq, *nbs2; /* per slot * K */
	uint8_t *hops;
	uint16_t *cos;

	uint16_t *multi_mates;    /* per user: ring-mates reached through >= 2 links */
	uint32_t *ring_cnt;       /* n_rings * K */
	uint32_t *comp_cnt;       /* n_comps * K */

	uint32_t *ent_pack;       /* per entity: share | hub << 24 | kind << 25 (one cache miss
	                             per link in rows), NULL when a share or the kinds do not fit */
	uint8_t *ent_has;         /* bitmap over entities: linked to a seed */
	uint32_t *ent_list;
	uint32_t *ent_cnt;
	uint32_t n_ent;

	uint32_t n_attr;          /* selected attributes */
	uint32_t *attr_idx;       /* into g->attr_name */
	uint32_t nb;              /* base values aggregated: B_NFIXED + n_attr */
	float *bm;                /* per user * 2 nb: the base values, then their one-hop weighted
	                             means (one record: one cache miss per neighbour) */

	uint32_t n_cols;
	char **names;
};

unsigned fg_features_fold_of(const char *id)
{
	uint64_t h = 1469598103934665603ull ^ FOLD_SALT;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (unsigned)(fg_hash_mix64(h) % K);
}

int64_t fg_features_t_ref(const fg_graph *g)
{
	int64_t t = FG_TIME_NONE;

	/* order-free: creation times, then the links' last times */
	for (uint32_t u = 0; u < g->n_users; u++) {
		int64_t c = fg_graph_user_created(g, u);
		if (c != FG_TIME_NONE && (t == FG_TIME_NONE || c > t))
			t = c;
	}
	for (uint64_t i = 0; i < g->n_links; i++) {
		int64_t last = fg_graph_link_last(g, i);
		if (last != FG_TIME_NONE && (t == FG_TIME_NONE || last > t))
			t = last;
	}
	return t;
}

uint32_t fg_features_count(const fg_features *f) { return f->n_cols; }
const char *fg_features_name(const fg_features *f, uint32_t j) { return f->names[j]; }
unsigned fg_features_fold(const fg_features *f, uint32_t u) { return f->fold[u]; }
uint32_t fg_features_fold_seeds(const fg_features *f, unsigned k) { return f->n_fold_seeds[k]; }
double fg_features_fold_ppr(const fg_features *f, uint32_t u, unsigned k)
{
	uint32_t sl = f->act_slot[u];

	return sl == NO_SLOT ? 0.0 : f->q[(size_t)sl * K + k];
}

uint32_t fg_features_fold_hops(const fg_features *f, uint32_t u, unsigned k)
{
	uint32_t sl = f->act_slot[u];

	return sl == NO_SLOT || f->hops[(size_t)sl * K + k] == HOPS_NONE ? UINT32_MAX
	                                                                 : f->hops[(size_t)sl * K + k];
}

uint32_t fg_features_multi_mates(const fg_features *f, uint32_t u) { return f->multi_mates[u]; }
size_t fg_features_scratch(const fg_features *f) { return (size_t)f->nb * 6 + 1; }

void fg_features_close(fg_features **pf)
{
	fg_features *f;

	if (!pf || !*pf)
		return;
	f = *pf;
	fg_free(f->kclass);
	fg_free(f->fold);
	fg_free(f->seed_fold);
	fg_free(f->link_off);
	fg_free(f->act_slot);
	fg_free(f->wact);
	fg_free(f->q);
	fg_free(f->nbs);
	fg_free(f->nbq);
	fg_free(f->nbs2);
	fg_free(f->hops);
	fg_free(f->cos);
	fg_free(f->multi_mates);
	fg_free(f->ring_cnt);
	fg_free(f->comp_cnt);
	fg_free(f->ent_has);
	fg_free(f->ent_pack);
	fg_free(f->ent_list);
	fg_free(f->ent_cnt);
	fg_free(f->attr_idx);
	fg_free(f->bm);
	for (uint32_t j = 0; f->names && j < f->n_cols; j++)
		fg_free(f->names[j]);
	fg_free(f->names);
	fg_free(f);
	*pf = NULL;
}

static char *dup_printf(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = fg_malloc(n);

	if (s)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

/* Attribute selection: every attribute, none, or the listed ones (each must exist). */
static int select_attrs(fg_features *f, const fg_features_params *p)
{
	const fg_graph *g = f->g;

	f->attr_idx = fg_calloc(g->n_attrs ? g->n_attrs : 1, sizeof(uint32_t));
	if (!f->attr_idx)
		return fg_error_set(FG_ENOMEM, "out of memory selecting attributes");
	if (!p->use_attrs)
		return FG_OK;
	if (!p->attrs) {
		for (uint32_t a = 0; a < g->n_attrs; a++)
			f->attr_idx[f->n_attr++] = a;
		return FG_OK;
	}
	for (uint32_t a = 0; a < g->n_attrs; a++) {
		size_t len = strlen(g->attr_name[a]);
		for (const char *c = p->attrs; *c;) {
			const char *e = strchr(c, ',');
			size_t l = e ? (size_t)(e - c) : strlen(c);
			if (l == len && !memcmp(c, g->attr_name[a], l)) {
				f->attr_idx[f->n_attr++] = a;
				break;
			}
			c += l + (e ? 1 : 0);
		}
	}
	/* every listed name must be an attribute */
	for (const char *c = p->attrs; *c;) {
		const char *e = strchr(c, ',');
		size_t l = e ? (size_t)(e - c) : strlen(c);
		bool found = false;
		for (uint32_t a = 0; a < g->n_attrs && !found; a++)
			found = strlen(g->attr_name[a]) == l && !memcmp(c, g->attr_name[a], l);
		if (!found && l > 0)
			return fg_error_set(FG_EUSAGE, "--attrs: no numeric user attribute named '%.*s' "
			                    "(the users input has %u)", (int)(l > 64 ? 64 : l), c, g->n_attrs);
		c += l + (e ? 1 : 0);
	}
	return FG_OK;
}

static int make_names(fg_features *f)
{
	const fg_graph *g = f->g;
	uint32_t j = 0;

	f->n_cols = F_NFIXED + f->n_attr + 3 * f->nb;
	f->names = fg_calloc(f->n_cols, sizeof(char *));
	if (!f->names)
		return fg_error_set(FG_ENOMEM, "out of memory for feature names");
	for (int i = 0; i < F_NFIXED; i++)
		f->names[j++] = dup_printf(fixed_name[i], "");
	for (uint32_t a = 0; a < f->n_attr; a++)
		f->names[j++] = dup_printf("attr_", g->attr_name[f->attr_idx[a]]);
	for (int agg = 0; agg < 3; agg++) {
		static const char *const pre[3] = { "nb_mean_", "nb_max_", "nb2_mean_" };
		for (uint32_t b = 0; b < f->nb; b++) {
			char tmp[300];
			if (b < B_NFIXED)
				snprintf(tmp, sizeof(tmp), "%s", base_name[b]);
			else
				snprintf(tmp, sizeof(tmp), "attr_%s", g->attr_name[f->attr_idx[b - B_NFIXED]]);
			f->names[j++] = dup_printf(pre[agg], tmp);
		}
	}
	assert(j == f->n_cols);
	for (j = 0; j < f->n_cols; j++)
		if (!f->names[j])
			return fg_error_set(FG_ENOMEM, "out of memory for feature names");
	return FG_OK;
}

/* The label-free base value b of user v (NAN = missing). */
static double base_value(const fg_features *f, uint32_t v, uint32_t b)
{
	const fg_graph *g = f->g;

	switch (b) {
	case B_DEG_TOTAL: return f->s->deg_total[v];
	case B_CO_USERS: return f->s->co_users[v];
	case B_AGE:
		if (fg_graph_user_created(g, v) == FG_TIME_NONE || f->t_ref == FG_TIME_NONE)
			return NAN;
		return (double)(f->t_ref - fg_graph_user_created(g, v)) / DAY;
	default:
		return g->user_attr[(size_t)v * g->n_attrs + f->attr_idx[b - B_NFIXED]];
	}
}

/*
 * Calls fn(ctx, v, w) for every (entity or direct link, co-user) pair of u in
 * the CSR, in CSR order; v != u.  A macro-free visitor keeps the one
 * definition of "neighbour" every aggregate uses.
 */
typedef void (*visit_fn)(void *ctx, uint32_t v, double w);

static void visit_pairs(const fg_graph *g, uint32_t u, visit_fn fn, void *ctx)
{
	const uint32_t nu = g->n_users;

	for (uint64_t a = g->g.off[u]; a < g->g.off[u + 1]; a++) {
		uint32_t x = g->g.adj[a];
		if (x < nu) {
			fn(ctx, x, g->relation_weight);
			continue;
		}
		if (g->g.off[x + 1] - g->g.off[x] < 2)
			continue; /* a leaf: u alone (no read of its list or class) */
		double w = fg_graph_ent_weight(g, x - nu);
		for (uint64_t b = g->g.off[x]; b < g->g.off[x + 1]; b++) {
			uint32_t v = g->g.adj[b];
			if (v != u)
				fn(ctx, v, w);
		}
	}
}

/* One-hop mean of the base values (m1). */
typedef struct mean_ctx {
	const fg_features *f;
	double *sw, *sx;
} mean_ctx;

static void mean_visit(void *vc, uint32_t v, double w)
{
	mean_ctx *c = vc;

	for (uint32_t b = 0; b < c->f->nb; b++) {
		double x = c->f->bm[(size_t)v * 2 * c->f->nb + b];
		if (!isnan(x)) {
			c->sw[b] += w;
			c->sx[b] += w * x;
		}
	}
}

/* Seed counts of entity e per fold, or NULL if no seed is linked to it. */
static const uint32_t *ent_counts(const fg_features *f, uint32_t e)
{
	size_t i;

	if (!(f->ent_has[e >> 3] & (1u << (e & 7))))
		return NULL;
	i = fg_lower_bound_u32(f->ent_list, 0, f->n_ent, e);
	assert(i < f->n_ent && f->ent_list[i] == e);
	return f->ent_cnt + i * K;
}

static uint32_t masked_sum_u32(const uint32_t *c, unsigned mask)
{
	uint32_t s = 0;

	for (unsigned k = 0; k < K; k++)
		if (!(mask & (1u << k)))
			s += c[k];
	return s;
}

static int cmp_u64_fn(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t comp_index(const fg_scores *s, uint32_t cid)
{
	uint32_t lo = 0, hi = s->n_comps;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->comps[mid].id < cid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_comps && s->comps[lo].id == cid ? (int64_t)lo : -1;
}

/* The row's view of entity e: share, hub flag, kind. */
static inline void ent_info(const fg_features *f, uint32_t e, uint32_t *share, bool *hub,
                            uint32_t *kind)
{
	if (f->ent_pack) {
		uint32_t p = f->ent_pack[e];
		*share = p & 0xffffffu;
		*hub = (p >> 24) & 1u;
		*kind = p >> 25;
	} else {
		*share = fg_graph_ent_share(f->g, e);
		*hub = fg_graph_ent_hub(f->g, e);
		*kind = fg_graph_ent_kind(f->g, e);
	}
}

static int pack_entities(fg_features *f)
{
	const fg_graph *g = f->g;

	if (g->ent_class || g->n_kinds > 127)
		return FG_OK; /* the narrow form's class is that one miss already */
	for (uint32_t e = 0; e < g->n_entities; e++)
		if (g->ent_share[e] > 0xffffffu)
			return FG_OK;
	f->ent_pack = fg_mallocarray(g->n_entities ? g->n_entities : 1, sizeof(uint32_t));
	if (!f->ent_pack)
		return fg_error_set(FG_ENOMEM, "out of memory for the model's entity index");
	for (uint32_t e = 0; e < g->n_entities; e++)
		f->ent_pack[e] = g->ent_share[e] | (uint32_t)(g->ent_hub[e] ? 1u : 0u) << 24 |
		                 (uint32_t)g->ent_kind[e] << 25;
	return FG_OK;
}

/* Links offsets per user, the reference time, the per-entity seed counts. */
static int link_pass(fg_features *f)
{
	const fg_graph *g = f->g;
	const uint32_t nu = g->n_users;
	uint64_t *pairs = NULL, np = 0, cap = 0;
	int rc = FG_OK;

	f->link_off = fg_calloc((size_t)nu + 1, sizeof(uint64_t));
	f->ent_has = fg_calloc((size_t)g->n_entities / 8 + 1, 1);
	if (!f->link_off || !f->ent_has)
		return fg_error_set(FG_ENOMEM, "out of memory for the model's link index");
	f->t_ref = fg_features_t_ref(g);
	for (uint64_t i = 0; i < g->n_links; i++) {
		uint32_t u = g->link_user[i], t = g->link_target[i];
		f->link_off[u + 1]++;
		if (t >= nu && f->seed_fold[u] != 255) {
			/* (entity << 3 | fold): sorted, then counted */
			if (np == cap) {
				uint64_t nc = cap ? cap * 2 : 4096;
				uint64_t *p = fg_reallocarray(pairs, nc, sizeof(*p));
				if (!p) {
					rc = fg_error_set(FG_ENOMEM, "out of memory for entity seed counts");
					goto cleanup;
				}
				pairs = p;
				cap = nc;
			}
			pairs[np++] = ((uint64_t)(t - nu) << 3) | f->seed_fold[u];
		}
	}
	for (uint32_t u = 0; u < nu; u++)
		f->link_off[u + 1] += f->link_off[u];
	if (np) {
		uint64_t prev = UINT64_MAX;
		qsort(pairs, np, sizeof(*pairs), cmp_u64_fn);
		for (uint64_t i = 0; i < np; i++)
			if ((pairs[i] >> 3) != prev) {
				f->n_ent++;
				prev = pairs[i] >> 3;
			}
	}
	f->ent_list = fg_calloc(f->n_ent ? f->n_ent : 1, sizeof(uint32_t));
	f->ent_cnt = fg_calloc(f->n_ent ? (size_t)f->n_ent * K : 1, sizeof(uint32_t));
	if (!f->ent_list || !f->ent_cnt) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for entity seed counts");
		goto cleanup;
	}
	{
		uint64_t prev = UINT64_MAX;
		int64_t j = -1;
		for (uint64_t i = 0; i < np; i++) {
			uint32_t e = (uint32_t)(pairs[i] >> 3);
			if ((pairs[i] >> 3) != prev) {
				f->ent_list[++j] = e;
				f->ent_has[e >> 3] |= (uint8_t)(1u << (e & 7));
				prev = pairs[i] >> 3;
			}
			f->ent_cnt[(size_t)j * K + (pairs[i] & 7)]++;
		}
	}
cleanup:
	fg_free(pairs);
	return rc;
}

/*
 * The seeds' components as a compact graph: local vertices are the active
 * users (local id = slot) then the active entities (vertex order); arcs in
 * g's CSR order.  wx[x]: the weight a walker leaving x puts on each arc
 * (ent_weight of an entity, relation_weight of a user: an arc's weight is
 * that of its entity end, or relation_weight between users); W[x]: x's total.
 */
typedef struct local_graph {
	uint32_t n;          /* local vertices */
	uint64_t *off;
	uint32_t *adj;
	double *wx, *W;
} local_graph;

static void local_free(local_graph *lg)
{
	fg_free(lg->off);
	fg_free(lg->adj);
	fg_free(lg->wx);
	fg_free(lg->W);
	memset(lg, 0, sizeof(*lg));
}

static int local_build(local_graph *lg, const fg_features *f, const uint8_t *has)
{
	const fg_graph *g = f->g;
	const uint32_t nu = g->n_users, ne = g->n_entities;
	uint32_t *eslot = NULL, n = f->n_act;
	uint64_t m = 0;
	int rc = FG_OK;

	memset(lg, 0, sizeof(*lg));
	eslot = fg_mallocarray(ne ? ne : 1, sizeof(uint32_t));
	if (!eslot)
		return fg_error_set(FG_ENOMEM, "out of memory for the seeds' components");
	for (uint32_t e = 0; e < ne; e++) {
		uint32_t c = f->comp[nu + e];
		eslot[e] = !fg_graph_ent_hub(g, e) && (has[c >> 3] & (1u << (c & 7))) ? n++ : NO_SLOT;
	}
	lg->n = n;
	lg->off = fg_calloc((size_t)n + 1, sizeof(uint64_t));
	lg->wx = fg_mallocarray(n ? n : 1, sizeof(double));
	lg->W = fg_calloc(n ? n : 1, sizeof(double));
	if (!lg->off || !lg->wx || !lg->W) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the seeds' components");
		goto cleanup;
	}
	/* two passes over the active vertices in local order: degrees, then arcs */
	for (int pass = 0; pass < 2; pass++) {
		uint32_t x = 0;
		for (uint64_t v = 0; v < (uint64_t)nu + ne; v++) {
			uint32_t lv = v < nu ? f->act_slot[v] : eslot[v - nu];
			if (lv == NO_SLOT)
				continue;
			(void)x;
			if (pass == 0) {
				lg->off[lv + 1] = g->g.off[v + 1] - g->g.off[v];
				lg->wx[lv] = v < nu ? g->relation_weight : fg_graph_ent_weight(g, v - nu);
			} else {
				uint64_t o = lg->off[lv];
				for (uint64_t a = g->g.off[v]; a < g->g.off[v + 1]; a++) {
					uint32_t y = g->g.adj[a];
					lg->adj[o++] = y < nu ? f->act_slot[y] : eslot[y - nu];
				}
			}
		}
		if (pass == 0) {
			for (uint32_t i = 0; i < n; i++)
				lg->off[i + 1] += lg->off[i];
			m = lg->off[n];
			lg->adj = fg_mallocarray(m ? m : 1, sizeof(uint32_t));
			if (!lg->adj) {
				rc = fg_error_set(FG_ENOMEM, "out of memory for the seeds' components");
				goto cleanup;
			}
		}
	}
	/* W(x): the sum over x's arcs of the arc weight, in CSR order (as fg_graph_weight) */
	for (uint32_t x = 0; x < n; x++) {
		double w = 0.0;
		bool xu = x < f->n_act;
		for (uint64_t a = lg->off[x]; a < lg->off[x + 1]; a++) {
			uint32_t y = lg->adj[a];
			w += xu ? (y < f->n_act ? g->relation_weight : lg->wx[y]) : lg->wx[x];
		}
		lg->W[x] = w;
	}
cleanup:
	fg_free(eslot);
	if (rc != FG_OK)
		local_free(lg);
	return rc;
}

/*
 * Personalised PageRank from the local seeds src[0..ns) on lg, the iteration
 * of fg_risk (pull, Jacobi, restart 1/ns on each seed, walkers at a vertex
 * without arcs restart, stop at L1 change < tol or max_iter), serial: the
 * seeds' components are a small part of the graph.  The tests check it
 * against fg_risk.  q: n local values; work: 3 n doubles.
 */
static void local_ppr(double *q, double *work, const local_graph *lg, const uint32_t nact,
                      const uint32_t *src, uint32_t ns, double d, double tol, int max_iter)
{
	const uint32_t n = lg->n;
	double *r1 = work, *c = work + n, *p = work + 2 * (size_t)n, *r0 = q;

	memset(p, 0, sizeof(double) * n);
	for (uint32_t i = 0; i < ns; i++)
		p[src[i]] += 1.0 / ns;
	memcpy(r0, p, sizeof(double) * n);
	for (int it = 0; it < max_iter; it++) {
		double D = 0.0, l1 = 0.0;
		for (uint32_t x = 0; x < n; x++) {
			if (lg->W[x] > 0.0)
				c[x] = r0[x] / lg->W[x];
			else {
				c[x] = 0.0;
				D += r0[x];
			}
		}
		for (uint32_t v = 0; v < n; v++) {
			double sum = 0.0;
			if (v < nact) {
				for (uint64_t a = lg->off[v]; a < lg->off[v + 1]; a++) {
					uint32_t x = lg->adj[a];
					sum += c[x] * lg->wx[x];
				}
			} else {
				for (uint64_t a = lg->off[v]; a < lg->off[v + 1]; a++)
					sum += c[lg->adj[a]];
				sum *= lg->wx[v];
			}
			r1[v] = d * sum + ((1.0 - d) + d * D) * p[v];
			l1 += fabs(r1[v] - r0[v]);
		}
		memcpy(r0, r1, sizeof(double) * n);
		if (l1 < tol)
			break;
	}
}

/* Multi-source BFS hops on lg from src[0..ns) into hops (uint32, FG_BFS_UNREACHED). */
static void local_bfs(uint32_t *hops, uint32_t *queue, const local_graph *lg, const uint32_t *src,
                      uint32_t ns)
{
	uint32_t head = 0, tail = 0;

	for (uint32_t v = 0; v < lg->n; v++)
		hops[v] = FG_BFS_UNREACHED;
	for (uint32_t i = 0; i < ns; i++)
		if (hops[src[i]] == FG_BFS_UNREACHED) {
			hops[src[i]] = 0;
			queue[tail++] = src[i];
		}
	while (head < tail) {
		uint32_t v = queue[head++];
		for (uint64_t a = lg->off[v]; a < lg->off[v + 1]; a++) {
			uint32_t y = lg->adj[a];
			if (hops[y] == FG_BFS_UNREACHED) {
				hops[y] = hops[v] + 1;
				queue[tail++] = y;
			}
		}
	}
}

/* Active users (a seed in their component), their W(u), and the per-fold walks and hops. */
static int fold_kernels(fg_features *f, const uint32_t *seeds, uint32_t ns,
                        const fg_features_params *p)
{
	const fg_graph *g = f->g;
	const uint32_t nu = g->n_users;
	size_t nv = (size_t)nu + g->n_entities;
	uint8_t *has = NULL;
	local_graph lg = { 0 };
	int rc = FG_OK, failed = 0;

	f->act_slot = fg_mallocarray(nu ? nu : 1, sizeof(uint32_t));
	has = fg_calloc(nv / 8 + 1, 1);
	if (!f->act_slot || !has) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the model's fold kernels");
		goto cleanup;
	}
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t c = f->comp[seeds[i]];
		has[c >> 3] |= (uint8_t)(1u << (c & 7));
	}
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t c = f->comp[u];
		f->act_slot[u] = (has[c >> 3] & (1u << (c & 7))) ? f->n_act++ : NO_SLOT;
	}
	{
		size_t na = f->n_act ? f->n_act : 1;
		f->wact = fg_calloc(na, sizeof(double));
		f->q = fg_calloc(na * K, sizeof(double));
		f->nbs = fg_calloc(na * K, sizeof(double));
		f->nbq = fg_calloc(na * K, sizeof(double));
		f->nbs2 = fg_calloc(na * K, sizeof(double));
		f->hops = fg_mallocarray(na * K, 1);
		f->cos = fg_calloc(na * K, sizeof(uint16_t));
	}
	if (!f->wact || !f->q || !f->nbs || !f->nbq || !f->nbs2 || !f->hops || !f->cos ||
	    (rc = local_build(&lg, f, has)) != FG_OK) {
		if (rc == FG_OK)
			rc = fg_error_set(FG_ENOMEM, "out of memory for the model's fold kernels");
		goto cleanup;
	}
	memset(f->hops, HOPS_NONE, (size_t)(f->n_act ? f->n_act : 1) * K);
	for (uint32_t x = 0; x < f->n_act; x++)
		f->wact[x] = lg.W[x];
	for (uint32_t i = 0; i < ns; i++)
		f->n_fold_seeds[f->fold[seeds[i]]]++;
	/*
	 * The K folds' walks and BFS are independent: one thread each (every one
	 * serial inside, so the same bits for any thread count), each thread with
	 * its own buffers.  ~300 ns per local arc and fold (the walk's ~100
	 * iterations), measured on the 2M world (145 k local arcs, perf).
	 */
	#pragma omp parallel if (fg_par_pays((uint64_t)lg.off[lg.n] * K, 300))
	{
		uint32_t *fs = fg_mallocarray(ns ? ns : 1, sizeof(uint32_t));
		double *q = fg_mallocarray(lg.n ? lg.n : 1, sizeof(double));
		double *work = fg_mallocarray(lg.n ? 3 * (size_t)lg.n : 1, sizeof(double));
		uint32_t *hops = fg_mallocarray(lg.n ? lg.n : 1, sizeof(uint32_t));
		uint32_t *queue = fg_mallocarray(lg.n ? lg.n : 1, sizeof(uint32_t));
		bool ok = fs && q && work && hops && queue;

		if (!ok) {
			#pragma omp atomic write
			failed = 1;
		}
		#pragma omp for schedule(dynamic, 1)
		for (int k = 0; k < K; k++) {
			uint32_t nk = 0;
			if (!ok)
				continue;
			for (uint32_t i = 0; i < ns; i++)
				if (f->fold[seeds[i]] == (unsigned)k)
					fs[nk++] = f->act_slot[seeds[i]];
			if (!nk)
				continue;
			local_bfs(hops, queue, &lg, fs, nk);
			local_ppr(q, work, &lg, f->n_act, fs, nk, p->damping, p->tol, p->max_iter);
			for (uint32_t x = 0; x < f->n_act; x++) {
				if (hops[x] != FG_BFS_UNREACHED)
					f->hops[(size_t)x * K + k] = (uint8_t)(hops[x] < HOPS_NONE - 1 ? hops[x] : HOPS_NONE - 1);
				f->q[(size_t)x * K + k] = q[x];
			}
		}
		fg_free(fs);
		fg_free(q);
		fg_free(work);
		fg_free(hops);
		fg_free(queue);
	}
	if (failed)
		rc = fg_error_set(FG_ENOMEM, "out of memory for the model's fold kernels");
cleanup:
	local_free(&lg);
	fg_free(has);
	return rc;
}

/*
 * Per user, one pass over the co-users: ring-mates reached through two links
 * or more (ring users), distinct co-seeds per fold and the one-hop seed and
 * risk shares (active users), the one-hop mean of the base values (all).
 */
static int neighbour_pass(fg_features *f)
{
	const fg_graph *g = f->g;
	const fg_scores *s = f->s;
	const uint32_t nu = g->n_users, nb = f->nb;
	int nthreads = 1, failed = 0;
	uint32_t **mark = NULL;
	uint8_t **cnt = NULL;
	double **acc = NULL;
	int64_t u;

#if defined(_OPENMP)
	nthreads = omp_get_max_threads();
#endif
	f->multi_mates = fg_calloc(nu ? nu : 1, sizeof(uint16_t));
	f->bm = fg_mallocarray(nu ? (size_t)nu * 2 * nb : 1, sizeof(float));
	mark = fg_calloc((size_t)nthreads, sizeof(*mark));
	cnt = fg_calloc((size_t)nthreads, sizeof(*cnt));
	acc = fg_calloc((size_t)nthreads, sizeof(*acc));
	if (!f->multi_mates || !f->bm || !mark || !cnt || !acc) {
		failed = 1;
		goto cleanup;
	}
	for (int t = 0; t < nthreads; t++) {
		mark[t] = fg_calloc(nu ? nu : 1, sizeof(uint32_t));
		cnt[t] = fg_calloc(nu ? nu : 1, 1);
		acc[t] = fg_calloc((size_t)nb * 2 + 1, sizeof(double));
		if (!mark[t] || !cnt[t] || !acc[t])
			failed = 1;
	}
	if (failed)
		goto cleanup;
	#pragma omp parallel for schedule(dynamic, 4096) if (fg_par_pays(nu, 20))
	for (u = 0; u < (int64_t)nu; u++)
		for (uint32_t b = 0; b < nb; b++)
			f->bm[(size_t)u * 2 * nb + b] = (float)base_value(f, (uint32_t)u, b);

	#pragma omp parallel for schedule(dynamic, 1024) if (fg_par_pays(g->g.off[nu], 20))
	for (u = 0; u < (int64_t)nu; u++) {
		int t = 0;
#if defined(_OPENMP)
		t = omp_get_thread_num();
#endif
		uint32_t *mk = mark[t], tag = (uint32_t)u + 1, sl = f->act_slot[u], multi = 0;
		uint8_t *ct = cnt[t];
		int32_t ri = s->ring_index[u];
		double sw = 0.0, bs[K] = { 0 }, bq[K] = { 0 };
		mean_ctx mc = { f, acc[t], acc[t] + nb };

		if (s->comp_size[u] < 2) {
			/* alone in its component: no co-user, nothing to visit */
			for (uint32_t b = 0; b < nb; b++)
				f->bm[(size_t)u * 2 * nb + nb + b] = NAN;
			continue;
		}
		memset(acc[t], 0, sizeof(double) * nb * 2);
		mk[u] = tag;
		for (uint64_t a = g->g.off[u]; a < g->g.off[u + 1]; a++) {
			uint32_t x = g->g.adj[a];
			uint64_t b0 = a, b1 = a + 1;
			const uint32_t *list = g->g.adj;
			double w = g->relation_weight;
			if (x >= nu) {
				b0 = g->g.off[x];
				b1 = g->g.off[x + 1];
				if (b1 - b0 < 2)
					continue; /* a leaf: u alone */
				w = fg_graph_ent_weight(g, x - nu);
			}
			for (uint64_t b = b0; b < b1; b++) {
				uint32_t v = list[b];
				if (v == (uint32_t)u)
					continue;
				mean_visit(&mc, v, w);
				if (mk[v] != tag) {
					mk[v] = tag;
					ct[v] = 1;
					if (sl != NO_SLOT && f->seed_fold[v] != 255)
						f->cos[(size_t)sl * K + f->seed_fold[v]]++;
				} else if (ct[v] == 1) {
					ct[v] = 2;
					if (ri >= 0 && s->ring_index[v] == ri)
						multi++;
				}
				if (sl != NO_SLOT) {
					uint32_t vs = f->act_slot[v];
					sw += w;
					if (f->seed_fold[v] != 255)
						bs[f->seed_fold[v]] += w;
					if (vs != NO_SLOT && f->wact[vs] > 0.0)
						for (unsigned k = 0; k < K; k++)
							bq[k] += w * f->q[(size_t)vs * K + k] / f->wact[vs];
				}
			}
		}
		f->multi_mates[u] = (uint16_t)(multi < UINT16_MAX ? multi : UINT16_MAX);
		for (uint32_t b = 0; b < nb; b++)
			f->bm[(size_t)u * 2 * nb + nb + b] = mc.sw[b] > 0.0 ? (float)(mc.sx[b] / mc.sw[b]) : NAN;
		if (sl != NO_SLOT && sw > 0.0)
			for (unsigned k = 0; k < K; k++) {
				f->nbs[(size_t)sl * K + k] = bs[k] / sw;
				f->nbq[(size_t)sl * K + k] = bq[k] / sw;
			}
	}

	/* two hops: the neighbours' one-hop seed shares (work: the active users) */
	#pragma omp parallel for schedule(dynamic, 1024) if (fg_par_pays(f->n_act, 2000))
	for (u = 0; u < (int64_t)nu; u++) {
		uint32_t sl = f->act_slot[u];
		double sw = 0.0, b2[K] = { 0 };
		if (sl == NO_SLOT || s->comp_size[u] < 2)
			continue;
		for (uint64_t a = g->g.off[u]; a < g->g.off[u + 1]; a++) {
			uint32_t x = g->g.adj[a];
			uint64_t b0 = a, b1 = a + 1;
			double w = g->relation_weight;
			if (x >= nu) {
				b0 = g->g.off[x];
				b1 = g->g.off[x + 1];
				if (b1 - b0 < 2)
					continue; /* a leaf: u alone */
				w = fg_graph_ent_weight(g, x - nu);
			}
			for (uint64_t b = b0; b < b1; b++) {
				uint32_t v = g->g.adj[b], vs;
				if (v == (uint32_t)u)
					continue;
				vs = f->act_slot[v];
				sw += w;
				for (unsigned k = 0; k < K; k++)
					b2[k] += w * f->nbs[(size_t)vs * K + k];
			}
		}
		if (sw > 0.0)
			for (unsigned k = 0; k < K; k++)
				f->nbs2[(size_t)sl * K + k] = b2[k] / sw;
	}
cleanup:
	for (int t = 0; t < nthreads; t++) {
		if (mark)
			fg_free(mark[t]);
		if (cnt)
			fg_free(cnt[t]);
		if (acc)
			fg_free(acc[t]);
	}
	fg_free(mark);
	fg_free(cnt);
	fg_free(acc);
	if (failed)
		return fg_error_set(FG_ENOMEM, "out of memory for the model's neighbour features");
	return FG_OK;
}

int fg_features_open(fg_features **out, const fg_graph *g, const fg_scores *s,
                     const uint32_t *comp, const uint32_t *seeds, uint32_t ns,
                     const fg_features_params *params)
{
	fg_features *f = fg_calloc(1, sizeof(*f));
	const uint32_t nu = g->n_users;
	int rc;

	*out = NULL;
	if (!f)
		return fg_error_set(FG_ENOMEM, "out of memory for the model's features");
	f->g = g;
	f->s = s;
	f->comp = comp;
	f->damping = params->damping;
	if ((rc = select_attrs(f, params)) != FG_OK)
		goto cleanup;
	f->nb = B_NFIXED + f->n_attr;
	if ((rc = make_names(f)) != FG_OK)
		goto cleanup;
	f->kclass = fg_calloc(g->n_kinds ? g->n_kinds : 1, 1);
	f->fold = fg_mallocarray(nu ? nu : 1, 1);
	f->seed_fold = fg_mallocarray(nu ? nu : 1, 1);
	f->ring_cnt = fg_calloc(s->n_rings ? (size_t)s->n_rings * K : 1, sizeof(uint32_t));
	f->comp_cnt = fg_calloc(s->n_comps ? (size_t)s->n_comps * K : 1, sizeof(uint32_t));
	if (!f->kclass || !f->fold || !f->seed_fold || !f->ring_cnt || !f->comp_cnt) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the model's features");
		goto cleanup;
	}
	for (uint32_t k = 0; k < g->n_kinds; k++)
		f->kclass[k] = (uint8_t)fg_kind_class_of(g->kind_name[k]);
	memset(f->seed_fold, 255, nu ? nu : 1);
	for (uint32_t u = 0; u < nu; u++)
		f->fold[u] = (uint8_t)fg_features_fold_of(fg_graph_user_id(g, u));
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t u = seeds[i];
		int64_t ci;
		f->seed_fold[u] = f->fold[u];
		if (s->ring_index[u] >= 0)
			f->ring_cnt[(size_t)s->ring_index[u] * K + f->fold[u]]++;
		if ((ci = comp_index(s, comp[u])) >= 0)
			f->comp_cnt[(size_t)ci * K + f->fold[u]]++;
	}
	{
		double t0 = fg_clock();
		bool prof = getenv("FG_MODEL_PROFILE") != NULL;
		if ((rc = link_pass(f)) != FG_OK || (rc = pack_entities(f)) != FG_OK)
			goto cleanup;
		if (params->t_ref_given)
			f->t_ref = params->t_ref;
		if (prof)
			fprintf(stderr, "  features link pass %.3f s\n", fg_clock() - t0);
		t0 = fg_clock();
		if ((rc = fold_kernels(f, seeds, ns, params)) != FG_OK)
			goto cleanup;
		if (prof)
			fprintf(stderr, "  features fold kernels %.3f s (%u active users)\n", fg_clock() - t0, f->n_act);
		t0 = fg_clock();
		if ((rc = neighbour_pass(f)) != FG_OK)
			goto cleanup;
		if (prof)
			fprintf(stderr, "  features neighbour pass %.3f s\n", fg_clock() - t0);
	}
	*out = f;
	return FG_OK;
cleanup:
	fg_features_close(&f);
	return rc;
}

/* One-hop max and mean of the label-free base values, and of the neighbours' ppr_norm. */
typedef struct row_ctx {
	const fg_features *f;
	unsigned mask;
	double nfold_w[K];  /* |S_k| / N_M, 0 for excluded folds */
	double *sw, *sx, *mx, *s2w, *s2x;
	double ppr_max;
	int any;
	int active;         /* the row's user is active */
} row_ctx;

static double ppr_of(const row_ctx *c, uint32_t sl)
{
	const double *q = c->f->q + (size_t)sl * K;
	double p = 0.0;

	for (unsigned k = 0; k < K; k++)
		if (c->nfold_w[k] > 0.0)
			p += c->nfold_w[k] * q[k];
	return p;
}

static void row_visit(void *vc, uint32_t v, double w)
{
	row_ctx *c = vc;
	const fg_features *f = c->f;
	/* an inactive user's neighbours are inactive too (same component) */
	uint32_t vs = c->active ? f->act_slot[v] : NO_SLOT;

	for (uint32_t b = 0; b < f->nb; b++) {
		const float *rec = f->bm + (size_t)v * 2 * f->nb;
		double x = rec[b];
		float m = rec[f->nb + b];
		if (!isnan(x)) {
			c->sw[b] += w;
			c->sx[b] += w * x;
			if (x > c->mx[b])
				c->mx[b] = x;
		}
		if (!isnan(m)) {
			c->s2w[b] += w;
			c->s2x[b] += w * m;
		}
	}
	if (vs != NO_SLOT && f->wact[vs] > 0.0) {
		double pn = ppr_of(c, vs) / f->wact[vs];
		if (!c->any || pn > c->ppr_max)
			c->ppr_max = pn;
		c->any = 1;
	} else if (!c->any || 0.0 > c->ppr_max) {
		c->ppr_max = 0.0;
		c->any = 1;
	}
}

static float ratio(double a, double b)
{
	return b > 0.0 ? (float)(a / b) : NAN;
}

/*
 * One row's primitives, folds already combined: what fg_features_row reads
 * from the graph and the per-fold arrays, and fg_features_row_new computes
 * for an account the graph does not hold.  emit_row turns them into the
 * columns: the one definition of every column's expression.
 */
typedef struct row_prim {
	double deg_total, deg_class[FG_KC_N], deg_user, co_users, wdeg;
	uint32_t n_share, smin, smax;
	double ssum;
	uint32_t hubs, hub_class[FG_KC_N];
	double comp_size, ring_size, multi_mates;
	int32_t ri;              /* ring index into s->rings, -1 */
	bool in_comp;            /* in a component of two users or more (the seed rate's denominator) */
	double age, span;        /* NAN = missing */
	double ppr, w;           /* ppr_norm = ppr / w (0 if w is 0) */
	uint32_t hops, cos;      /* hops HOPS_NONE = unreached */
	double nbs, nbs2, nbq;
	uint32_t seeds_class[FG_KC_N], hub_seeds, ent_max, rs, cs;
} row_prim;

/* The one-hop aggregates accumulator of row_ctx over scratch (fg_features_scratch doubles). */
static void ctx_start(row_ctx *c, double *scratch)
{
	const uint32_t nb = c->f->nb;

	c->sw = scratch;
	c->sx = scratch + nb;
	c->mx = scratch + 2 * (size_t)nb;
	c->s2w = scratch + 3 * (size_t)nb;
	c->s2x = scratch + 4 * (size_t)nb;
	for (uint32_t b = 0; b < nb; b++) {
		c->sw[b] = c->sx[b] = c->s2w[b] = c->s2x[b] = 0.0;
		c->mx[b] = -INFINITY;
	}
}

static void ctx_folds(row_ctx *c, unsigned mask)
{
	const fg_features *f = c->f;
	double nm = 0.0;

	c->mask = mask;
	for (unsigned k = 0; k < K; k++)
		if (!(mask & (1u << k)))
			nm += f->n_fold_seeds[k];
	for (unsigned k = 0; k < K; k++)
		c->nfold_w[k] = (!(mask & (1u << k)) && nm > 0.0) ? f->n_fold_seeds[k] / nm : 0.0;
}

/* Columns from the primitives p and the visited aggregates c (the attribute columns are the caller's). */
static void emit_row(float *out, const fg_features *f, const row_prim *p, const row_ctx *c)
{
	const fg_scores *s = f->s;
	const uint32_t nb = f->nb;
	const int32_t ri = p->ri;

	out[F_DEG_TOTAL] = (float)p->deg_total;
	out[F_DEG_CARD] = (float)p->deg_class[FG_KC_CARD];
	out[F_DEG_DEVICE] = (float)p->deg_class[FG_KC_DEVICE];
	out[F_DEG_ADDRESS] = (float)p->deg_class[FG_KC_ADDRESS];
	out[F_DEG_PHONE] = (float)p->deg_class[FG_KC_PHONE];
	out[F_DEG_EMAIL] = (float)p->deg_class[FG_KC_EMAIL];
	out[F_DEG_IP] = (float)p->deg_class[FG_KC_IP];
	out[F_DEG_OTHER] = (float)p->deg_class[FG_KC_OTHER];
	out[F_DEG_USER] = (float)p->deg_user;
	out[F_CO_USERS] = (float)p->co_users;
	out[F_WDEG] = (float)p->wdeg;
	out[F_SHARE_MIN] = p->n_share ? (float)p->smin : NAN;
	out[F_SHARE_MEAN] = p->n_share ? (float)(p->ssum / p->n_share) : NAN;
	out[F_SHARE_MAX] = p->n_share ? (float)p->smax : NAN;
	out[F_HUB_LINKS] = (float)p->hubs;
	out[F_HUB_CARD] = (float)p->hub_class[FG_KC_CARD];
	out[F_HUB_DEVICE] = (float)p->hub_class[FG_KC_DEVICE];
	out[F_HUB_ADDRESS] = (float)p->hub_class[FG_KC_ADDRESS];
	out[F_COMP_SIZE] = (float)p->comp_size;
	out[F_RING_SIZE] = (float)p->ring_size;
	out[F_RING_SHARING] = ri >= 0 ? (float)s->rings[ri].sharing : NAN;
	out[F_RING_BURST] = ri >= 0 ? (float)s->rings[ri].burst : NAN;
	out[F_RING_SIZE_FACTOR] = ri >= 0 ? (float)s->rings[ri].size_factor : NAN;
	out[F_RING_MULTI_MATES] = (float)p->multi_mates;
	out[F_ACCOUNT_AGE] = (float)p->age;
	out[F_ACTIVITY_SPAN] = (float)p->span;

	out[F_PPR] = (float)p->ppr;
	out[F_PPR_NORM] = p->w > 0.0 ? (float)(p->ppr / p->w) : 0.0f;
	out[F_SEED_HOPS] = p->hops == HOPS_NONE ? NAN : (float)p->hops;
	out[F_SEEDS_2HOP] = (float)p->cos;
	out[F_SEEDS_2HOP_RATE] = ratio(p->cos, p->co_users);
	out[F_SEEDS_CARD] = (float)p->seeds_class[FG_KC_CARD];
	out[F_SEEDS_DEVICE] = (float)p->seeds_class[FG_KC_DEVICE];
	out[F_SEEDS_ADDRESS] = (float)p->seeds_class[FG_KC_ADDRESS];
	out[F_SEEDS_OTHER] = (float)(p->seeds_class[FG_KC_PHONE] + p->seeds_class[FG_KC_EMAIL] +
	                             p->seeds_class[FG_KC_IP] + p->seeds_class[FG_KC_OTHER]);
	out[F_HUB_SEEDS] = (float)p->hub_seeds;
	out[F_ENT_SEED_MAX] = (float)p->ent_max;
	out[F_RING_SEEDS] = (float)p->rs;
	out[F_RING_SEED_RATE] = ri >= 0 ? (float)((double)p->rs / p->ring_size) : NAN;
	out[F_COMP_SEEDS] = (float)p->cs;
	out[F_COMP_SEED_RATE] = p->in_comp ? (float)((double)p->cs / p->comp_size) : NAN;
	out[F_NB_SEED_MEAN] = (float)p->nbs;
	out[F_NB2_SEED_MEAN] = (float)p->nbs2;
	out[F_NB_PPR_NORM_MEAN] = (float)p->nbq;

	{
		float *o = out + F_NFIXED + f->n_attr;
		for (uint32_t b = 0; b < nb; b++) {
			o[b] = ratio(c->sx[b], c->sw[b]);
			o[nb + b] = c->sw[b] > 0.0 ? (float)c->mx[b] : NAN;
			o[2 * nb + b] = ratio(c->s2x[b], c->s2w[b]);
		}
		out[F_NB_PPR_NORM_MAX] = c->any ? (float)c->ppr_max : NAN;
	}
}

/* An entity's contribution to the row's entity columns (hubs included). */
static void prim_entity(row_prim *p, uint32_t sh, bool hub, int kc, uint32_t se)
{
	p->smin = p->n_share == 0 || sh < p->smin ? sh : p->smin;
	p->smax = sh > p->smax ? sh : p->smax;
	p->ssum += sh;
	p->n_share++;
	p->seeds_class[kc] += se;
	if (se > p->ent_max)
		p->ent_max = se;
	if (hub) {
		p->hubs++;
		p->hub_class[kc]++;
		p->hub_seeds += se;
	}
}

void fg_features_row(float *out, const fg_features *f, uint32_t u, unsigned mask, double *scratch)
{
	const fg_graph *g = f->g;
	const fg_scores *s = f->s;
	const uint32_t nu = g->n_users;
	const uint32_t *dc = s->deg_class + (size_t)u * FG_KC_N;
	uint32_t sl = f->act_slot[u];
	double wlinks = 0.0;
	int64_t first = FG_TIME_NONE, last = FG_TIME_NONE;
	int64_t ci = s->comp_size[u] >= 2 ? comp_index(s, f->comp[u]) : -1;
	row_ctx c = { .f = f, .active = sl != NO_SLOT };
	row_prim p = { .ri = s->ring_index[u] };

	ctx_folds(&c, mask);

	/* the user's links, hubs included */
	for (uint64_t i = f->link_off[u]; i < f->link_off[u + 1]; i++) {
		uint32_t t = g->link_target[i];
		int64_t lf = fg_graph_link_first(g, i), ll = fg_graph_link_last(g, i);
		if (lf != FG_TIME_NONE && (first == FG_TIME_NONE || lf < first))
			first = lf;
		if (ll != FG_TIME_NONE && (last == FG_TIME_NONE || ll > last))
			last = ll;
		if (t < nu)
			continue;
		uint32_t e = t - nu, sh, kind;
		bool hub;
		ent_info(f, e, &sh, &hub, &kind);
		const uint32_t *cn = ent_counts(f, e);
		if (!hub) /* ent_weight's own expression: = W(u) when u has no direct link (CSR order) */
			wlinks += fg_entity_weight(g->kind_weight[kind], sh);
		prim_entity(&p, sh, hub, f->kclass[kind], cn ? masked_sum_u32(cn, mask) : 0);
	}

	p.deg_total = s->deg_total[u];
	for (int kc = 0; kc < FG_KC_N; kc++)
		p.deg_class[kc] = dc[kc];
	p.deg_user = s->deg_user[u];
	p.co_users = s->co_users[u];
	p.wdeg = sl != NO_SLOT ? f->wact[sl] : s->deg_user[u] ? fg_graph_weight(g, u) : wlinks;
	p.comp_size = s->comp_size[u];
	p.ring_size = s->ring_size[u];
	p.multi_mates = f->multi_mates[u];
	p.age = base_value(f, u, B_AGE);
	p.span = first != FG_TIME_NONE && last != FG_TIME_NONE ? (double)(last - first) / DAY : NAN;

	/* seed-derived, folds in mask excluded */
	p.ppr = sl != NO_SLOT ? ppr_of(&c, sl) : 0.0;
	p.hops = HOPS_NONE;
	for (unsigned k = 0; k < K; k++) {
		if (mask & (1u << k) || sl == NO_SLOT)
			continue;
		size_t i = (size_t)sl * K + k;
		p.hops = f->hops[i] < p.hops ? f->hops[i] : p.hops;
		p.cos += f->cos[i];
		p.nbs += f->nbs[i];
		p.nbs2 += f->nbs2[i];
		p.nbq += c.nfold_w[k] * f->nbq[i];
	}
	p.w = sl != NO_SLOT ? f->wact[sl] : 0.0;
	p.rs = p.ri >= 0 ? masked_sum_u32(f->ring_cnt + (size_t)p.ri * K, mask) : 0;
	p.cs = ci >= 0 ? masked_sum_u32(f->comp_cnt + (size_t)ci * K, mask) : 0;
	p.in_comp = ci >= 0;

	/* attributes and neighbour aggregates */
	ctx_start(&c, scratch);
	if (s->comp_size[u] >= 2) /* else no co-user: nothing to visit */
		visit_pairs(g, u, row_visit, &c);
	emit_row(out, f, &p, &c);
	for (uint32_t a = 0; a < f->n_attr; a++)
		out[F_NFIXED + a] = g->user_attr[(size_t)u * g->n_attrs + f->attr_idx[a]];
}

/*
 * The entity facts a row reads first, for a user a few rows ahead: each of
 * its links' entity (class or packed word, seed bitmap) is a random read of
 * an array of one entry per entity (18 MB of classes on the 2M world), the
 * row's largest cost (a third of its samples waited on the class).
 */
#define ROW_AHEAD 4

static void prefetch_links(const fg_features *f, uint32_t u)
{
	const fg_graph *g = f->g;
	const uint32_t nu = g->n_users;

	for (uint64_t i = f->link_off[u]; i < f->link_off[u + 1]; i++) {
		uint32_t t = g->link_target[i];
		if (t < nu)
			continue;
		if (f->ent_pack)
			FG_PREFETCH(&f->ent_pack[t - nu]);
		else if (g->ent_class)
			FG_PREFETCH(&g->ent_class[t - nu]);
		FG_PREFETCH(&f->ent_has[(t - nu) >> 3]);
	}
}

int fg_features_rows(float *out, const fg_features *f, const uint32_t *users, uint32_t n,
                     const unsigned *masks, unsigned mask_all)
{
	const size_t nc = f->n_cols, ns = fg_features_scratch(f);
	int failed = 0;

	/* ~1.4 us per row, measured on the 2M world (fg_model_score asks for
	 * 65 k rows of one fold at a time) */
	#pragma omp parallel if (fg_par_pays(n, 1400))
	{
		double *scr = fg_mallocarray(ns, sizeof(double));
		if (!scr) {
			#pragma omp atomic write
			failed = 1;
		}
		#pragma omp for schedule(dynamic, 256)
		for (int64_t i = 0; i < (int64_t)n; i++) {
			if (i + ROW_AHEAD < (int64_t)n)
				prefetch_links(f, users[i + ROW_AHEAD]);
			if (scr)
				fg_features_row(out + (size_t)i * nc, f, users[i], masks ? masks[i] : mask_all, scr);
		}
		fg_free(scr);
	}
	if (failed)
		return fg_error_set(FG_ENOMEM, "out of memory building feature rows");
	return FG_OK;
}

int64_t fg_features_top_entity(const fg_features *f, uint32_t u, int kc, unsigned mask,
                               uint32_t *n_seeds)
{
	const fg_graph *g = f->g;
	int64_t best = -1;
	uint32_t bn = 0;

	for (uint64_t i = f->link_off[u]; i < f->link_off[u + 1]; i++) {
		uint32_t t = g->link_target[i], e, se;
		const uint32_t *cn;
		if (t < g->n_users)
			continue;
		e = t - g->n_users;
		if (kc >= 0 ? f->kclass[fg_graph_ent_kind(g, e)] != kc : !fg_graph_ent_hub(g, e))
			continue;
		if (!(cn = ent_counts(f, e)) || !(se = masked_sum_u32(cn, mask)))
			continue;
		if (se > bn || (se == bn && (int64_t)e < best)) {
			bn = se;
			best = e;
		}
	}
	*n_seeds = bn;
	return best;
}

/* ---- one row for an account the graph does not hold (serve) ------------- */

uint32_t fg_features_n_attrs(const fg_features *f) { return f->n_attr; }

uint32_t fg_features_entity_seeds(const fg_features *f, uint32_t e, unsigned mask)
{
	const uint32_t *cn = ent_counts(f, e);

	return cn ? masked_sum_u32(cn, mask) : 0;
}

/* A (co-user, weight) pair of the new account, in CSR order; via_link: through a direct link. */
typedef struct new_pair {
	uint32_t v;
	bool via_link;
	double w;
} new_pair;

static int push_pair(new_pair **pairs, size_t *np, size_t *cap, new_pair p)
{
	if (*np == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		new_pair *q = fg_reallocarray(*pairs, nc, sizeof(*q));
		if (!q)
			return fg_error_set(FG_ENOMEM, "out of memory for a request's feature row");
		*pairs = q;
		*cap = nc;
	}
	(*pairs)[(*np)++] = p;
	return FG_OK;
}

static int cmp_item_v(const void *a, const void *b)
{
	const fg_features_item *x = a, *y = b;

	return x->v < y->v ? -1 : x->v > y->v;
}

static int cmp_pair_v(const void *a, const void *b)
{
	const new_pair *x = a, *y = b;

	return x->v < y->v ? -1 : x->v > y->v;
}

/* Whether user u has a link to vertex t in g (links sorted by (user, target)). */
static bool has_link(const fg_features *f, uint32_t u, uint32_t t)
{
	size_t end = f->link_off[u + 1];
	size_t i = fg_lower_bound_u32(f->g->link_target, f->link_off[u], end, t);

	return i < end && f->g->link_target[i] == t;
}

int fg_features_row_new(float *out, const fg_features *f, const fg_features_item *items_in,
                        uint32_t n, int64_t self, const float *attrs, unsigned mask)
{
	const fg_graph *g = f->g;
	const fg_scores *s = f->s;
	const uint32_t nu = g->n_users;
	fg_features_item *items = NULL;
	new_pair *pairs = NULL, *byv = NULL;
	double *scratch = NULL, bs[K] = { 0 }, bq[K] = { 0 }, b2[K] = { 0 }, qn[K] = { 0 }, sw = 0.0;
	size_t np = 0, cap = 0;
	uint32_t self_sl = self >= 0 ? f->act_slot[self] : NO_SLOT, cos[K] = { 0 };
	row_ctx c = { .f = f, .active = 1 };
	row_prim p = { .ri = -1, .hops = HOPS_NONE };
	int rc = FG_OK;

	assert(self < (int64_t)nu);
	ctx_folds(&c, mask);
	items = fg_mallocarray(n ? n : 1, sizeof(*items));
	scratch = fg_mallocarray(fg_features_scratch(f), sizeof(double));
	if (!items || !scratch) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for a request's feature row");
		goto cleanup;
	}
	/* vertex order, as the CSR: the weight sums add in the run's order */
	if (n) {
		memcpy(items, items_in, sizeof(*items) * n);
		qsort(items, n, sizeof(*items), cmp_item_v);
	}

	for (uint32_t i = 0; i < n; i++) {
		const fg_features_item *it = &items[i];
		uint64_t b0 = 0, b1 = 0;
		double w;
		bool via_link = false;

		if (it->v >= 0 && it->v < nu) { /* a direct link to a user of g */
			if (it->v == self)
				continue;
			p.deg_user++;
			p.deg_total++; /* as fg_score: a direct link is a link */
			/* two relations to one user (order and transfer) are one arc of the CSR */
			if (i > 0 && items[i - 1].v == it->v)
				continue;
			w = g->relation_weight;
			via_link = true;
			{
				/* the one pull step: q_k(v) / W(v) * relation weight */
				uint32_t vs = f->act_slot[it->v];
				for (unsigned k = 0; vs != NO_SLOT && f->wact[vs] > 0.0 && k < K; k++)
					qn[k] += f->q[(size_t)vs * K + k] / f->wact[vs] * w;
			}
			p.wdeg += w;
			if ((rc = push_pair(&pairs, &np, &cap, (new_pair){ (uint32_t)it->v, true, w })))
				goto cleanup;
			continue;
		}
		p.deg_total++;
		if (it->v < 0) { /* an entity the run did not store: this account alone has it */
			bool hub = it->max_share < 1;
			p.deg_class[it->kind_class]++;
			if (!hub)
				p.wdeg += it->kind_weight / log2(2.0);
			prim_entity(&p, 1, hub, it->kind_class, 0);
			continue;
		}
		{
			uint32_t e = (uint32_t)(it->v - nu), kind = fg_graph_ent_kind(g, e), kc = f->kclass[kind];
			bool mine = self >= 0 && has_link(f, (uint32_t)self, (uint32_t)it->v);
			uint32_t sh = fg_graph_ent_share(g, e) + (mine ? 0 : 1);
			bool hub = fg_graph_ent_hub(g, e) || sh > g->kind_max_share[kind];

			p.deg_class[kc]++;
			prim_entity(&p, sh, hub, (int)kc, fg_features_entity_seeds(f, e, mask));
			if (hub)
				continue;
			w = mine ? fg_graph_ent_weight(g, e) : fg_entity_weight(g->kind_weight[kind], sh);
			p.wdeg += w;
			b0 = g->g.off[it->v];
			b1 = g->g.off[it->v + 1];
			/* the one pull step through e: q_k(e) / deg(e), q_k(e) = d w(e) sum q_k(x) / W(x) */
			if (b1 > b0) {
				double qe[K] = { 0 };
				for (uint64_t b = b0; b < b1; b++) {
					uint32_t xs = f->act_slot[g->g.adj[b]];
					for (unsigned k = 0; xs != NO_SLOT && f->wact[xs] > 0.0 && k < K; k++)
						qe[k] += f->q[(size_t)xs * K + k] / f->wact[xs];
				}
				for (unsigned k = 0; k < K; k++)
					qn[k] += f->damping * fg_graph_ent_weight(g, e) * qe[k] / (double)(b1 - b0);
			}
		}
		for (uint64_t b = b0; b < b1; b++) {
			uint32_t v = g->g.adj[b];
			if (v == self)
				continue;
			if ((rc = push_pair(&pairs, &np, &cap, (new_pair){ v, via_link, w })))
				goto cleanup;
		}
	}

	/* per pair, in CSR order: seed shares, walk shares, two-hop shares, hops, aggregates */
	ctx_start(&c, scratch);
	for (size_t i = 0; i < np; i++) {
		uint32_t v = pairs[i].v, vs = f->act_slot[v];
		double w = pairs[i].w;
		sw += w;
		if (f->seed_fold[v] != 255)
			bs[f->seed_fold[v]] += w;
		if (vs != NO_SLOT) {
			for (unsigned k = 0; k < K; k++) {
				uint8_t h = f->hops[(size_t)vs * K + k];
				uint32_t hv = (uint32_t)h + (pairs[i].via_link ? 1u : 2u);
				if (f->wact[vs] > 0.0)
					bq[k] += w * f->q[(size_t)vs * K + k] / f->wact[vs];
				b2[k] += w * f->nbs[(size_t)vs * K + k];
				if (!(mask & (1u << k)) && h != HOPS_NONE && hv < p.hops)
					p.hops = hv < HOPS_NONE - 1 ? hv : HOPS_NONE - 1;
			}
		}
		row_visit(&c, v, w);
	}
	if (sw > 0.0)
		for (unsigned k = 0; k < K; k++) {
			if (mask & (1u << k))
				continue;
			p.nbs += bs[k] / sw;
			p.nbs2 += b2[k] / sw;
			p.nbq += c.nfold_w[k] * (bq[k] / sw);
		}

	/* distinct co-users: co-seeds, the ring it would join, ring-mates through two links */
	byv = fg_mallocarray(np ? np : 1, sizeof(*byv));
	if (!byv) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for a request's feature row");
		goto cleanup;
	}
	if (np) { /* pairs is NULL when no identifier reaches another user */
		memcpy(byv, pairs, sizeof(*byv) * np);
		qsort(byv, np, sizeof(*byv), cmp_pair_v);
	}
	/*
	 * Per distinct co-user (byv in user order): co-users and co-seeds; then
	 * (ring, weight) and (component) of each into byv's place, sorted and
	 * folded: the ring it would join (self's own; else the ring whose members
	 * carry the most weight, ties by the lowest index) and the components.
	 */
	{
		size_t nd = 0;
		for (size_t i = 0; i < np;) {
			size_t j = i;
			double wv = 0.0;
			while (j < np && byv[j].v == byv[i].v)
				wv += byv[j++].w;
			p.co_users++;
			if (f->seed_fold[byv[i].v] != 255)
				cos[f->seed_fold[byv[i].v]]++;
			byv[nd++] = (new_pair){ byv[i].v, j - i >= 2, wv }; /* via_link: reached twice */
			i = j;
		}
		if (self >= 0)
			p.ri = s->ring_index[self];
		else if (nd) {
			/* (ring, weight) of the ring members among the co-users, in pairs[]'s memory */
			size_t nr = 0;
			double best_w = 0.0;
			for (size_t i = 0; i < nd; i++)
				if (s->ring_index[byv[i].v] >= 0)
					pairs[nr++] = (new_pair){ (uint32_t)s->ring_index[byv[i].v], false, byv[i].w };
			qsort(pairs, nr, sizeof(*pairs), cmp_pair_v);
			for (size_t i = 0; i < nr;) {
				size_t j = i;
				double acc = 0.0;
				while (j < nr && pairs[j].v == pairs[i].v)
					acc += pairs[j++].w;
				if (acc > best_w) { /* ascending ring order: the first of equal weights stays */
					best_w = acc;
					p.ri = (int32_t)pairs[i].v;
				}
				i = j;
			}
		}
		for (size_t i = 0; p.ri >= 0 && i < nd; i++)
			if (byv[i].via_link && s->ring_index[byv[i].v] == p.ri)
				p.multi_mates++;
		if (self >= 0) {
			int64_t ci = s->comp_size[self] >= 2 ? comp_index(s, f->comp[self]) : -1;
			p.comp_size = s->comp_size[self];
			p.in_comp = ci >= 0;
			p.cs = ci >= 0 ? masked_sum_u32(f->comp_cnt + (size_t)ci * K, mask) : 0;
			p.ring_size = s->ring_size[self];
		} else {
			/* components of the co-users, each once, plus the account itself */
			for (size_t i = 0; i < nd; i++)
				pairs[i] = (new_pair){ f->comp[byv[i].v], false, (double)s->comp_size[byv[i].v] };
			if (nd)
				qsort(pairs, nd, sizeof(*pairs), cmp_pair_v);
			p.comp_size = 1;
			for (size_t i = 0; i < nd; i++) {
				int64_t ci;
				if (i && pairs[i].v == pairs[i - 1].v)
					continue;
				p.comp_size += pairs[i].w;
				ci = pairs[i].w >= 2 ? comp_index(s, pairs[i].v) : -1;
				if (ci >= 0)
					p.cs += masked_sum_u32(f->comp_cnt + (size_t)ci * K, mask);
			}
			p.in_comp = p.comp_size >= 2;
			p.ring_size = p.ri >= 0 ? (double)s->rings[p.ri].n_users + 1.0 : 1.0;
		}
	}
	for (unsigned k = 0; k < K; k++)
		if (!(mask & (1u << k)))
			p.cos += cos[k];
	p.rs = p.ri >= 0 ? masked_sum_u32(f->ring_cnt + (size_t)p.ri * K, mask) : 0;

	/* the walk, hops, age and span: self's from last night; a new account's one step on */
	if (self >= 0) {
		int64_t first = FG_TIME_NONE, last = FG_TIME_NONE;
		for (uint64_t i = f->link_off[self]; i < f->link_off[self + 1]; i++) {
			int64_t lf = fg_graph_link_first(g, i), ll = fg_graph_link_last(g, i);
			if (lf != FG_TIME_NONE && (first == FG_TIME_NONE || lf < first))
				first = lf;
			if (ll != FG_TIME_NONE && (last == FG_TIME_NONE || ll > last))
				last = ll;
		}
		p.ppr = self_sl != NO_SLOT ? ppr_of(&c, self_sl) : 0.0;
		p.hops = HOPS_NONE;
		for (unsigned k = 0; self_sl != NO_SLOT && k < K; k++)
			if (!(mask & (1u << k)) && f->hops[(size_t)self_sl * K + k] < p.hops)
				p.hops = f->hops[(size_t)self_sl * K + k];
		p.age = base_value(f, (uint32_t)self, B_AGE);
		p.span = first != FG_TIME_NONE && last != FG_TIME_NONE ? (double)(last - first) / DAY : NAN;
	} else {
		for (unsigned k = 0; k < K; k++)
			if (c.nfold_w[k] > 0.0)
				p.ppr += c.nfold_w[k] * f->damping * qn[k];
		p.age = f->t_ref == FG_TIME_NONE ? NAN : 0.0;
		p.span = 0.0;
	}
	p.w = p.wdeg;

	emit_row(out, f, &p, &c);
	for (uint32_t a = 0; a < f->n_attr; a++)
		out[F_NFIXED + a] = attrs ? attrs[a]
		                  : self >= 0 ? g->user_attr[(size_t)self * g->n_attrs + f->attr_idx[a]] : NAN;
cleanup:
	fg_free(items);
	fg_free(pairs);
	fg_free(byv);
	fg_free(scratch);
	return rc;
}
