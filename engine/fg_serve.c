/*
 * fg_serve: snapshot, request scoring, answers and reload.  See fg_serve.h;
 * the scoring rule and every answer's JSON are documented in docs/serve.md.
 *
 * Layout of the snapshot (all arrays indexed by dense ids):
 *   users     in user_id byte order (the order user_scores is read in), so a
 *             user index compares like its id: sorting by index is sorting
 *             by id, which gives every list a total, data-only order;
 *   entities  in entity_id order; rings in ring_id order; components in
 *             component_id order (binary search maps the run's ids);
 *   strings   one arena, NUL-terminated, 32-bit offsets (a run's strings
 *             must fit in 4 GiB: checked);
 *   indexes   open addressing (linear probing, load <= 1/2) over user ids,
 *             (kind, value) and ring keys, holding index + 1 (0 = empty);
 *   CSR       ent_users (non-hub entities only: hubs are no evidence and
 *             their users are not needed), user_ents (hubs included, for
 *             GET /v1/users), user_users (both directions, de-duplicated).
 * Invariant: once fg_snapshot_load returns, nothing in it changes.
 */
#include "fg_serve.h"

#include "fg_alloc.h"
#include "fg_cc.h"
#include "fg_error.h"
#include "fg_features.h"
#include "fg_graph.h"
#include "fg_hash.h"
#include "fg_kinds.h"
#include "fg_log.h"
#include "fg_model.h"
#include "fg_results_snapshot.h"
#include "fg_score.h"
#include "fg_store.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONE32 UINT32_MAX
#define TIE_SCALE 3.0          /* tie t counts as 1 - exp(-t / 3), as the ring sharing factor */
#define MAX_EXPAND 200000      /* adjacency entries visited per request (second step) */
#define MAX_NEIGHBOURS 100000  /* (user, item) pairs gathered per request */

const char *const fg_serve_ep_names[FG_SERVE_N_EP] = {
	"score", "user", "ring", "entity", "healthz", "metrics", "other",
};

enum { LBL_NONE = 0, LBL_FRAUD, LBL_LEGIT, LBL_HOLDOUT };
static const char *const label_names[] = { NULL, "fraud", "legit", "holdout" };

/* ---- small containers --------------------------------------------------- */

typedef struct arena {
	char *buf;
	size_t len, cap;
} arena;

/* Append s[0..len) and a NUL; *off receives its offset.  FG_ENOMEM past 4 GiB. */
static int arena_put(arena *a, uint32_t *off, const char *s, size_t len)
{
	if (a->len + len + 1 > UINT32_MAX)
		return fg_error_set(FG_ENOMEM, "snapshot: the run's strings exceed 4 GiB");
	if (a->len + len + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 1 << 16;
		char *p;

		while (cap < a->len + len + 1)
			cap *= 2;
		if (!(p = fg_realloc(a->buf, cap)))
			return fg_error_set(FG_ENOMEM, "snapshot: out of memory for strings");
		a->buf = p;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, len);
	a->buf[a->len + len] = '\0';
	*off = (uint32_t)a->len;
	a->len += len + 1;
	return FG_OK;
}

/* Grow *p (n used, *cap allocated, elements of size sz) to hold one more. */
static int grow(void *p, size_t *cap, size_t n, size_t sz)
{
	void **pp = p;
	size_t c;
	void *q;

	if (n < *cap)
		return FG_OK;
	c = *cap ? *cap * 2 : 1024;
	if (!(q = fg_reallocarray(*pp, c, sz)))
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory");
	*pp = q;
	*cap = c;
	return FG_OK;
}

typedef struct htab {
	uint32_t *slot; /* index + 1; 0 empty */
	size_t mask;
} htab;

static int htab_init(htab *h, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 2)
		cap *= 2;
	h->slot = fg_calloc(cap, sizeof(uint32_t));
	h->mask = cap - 1;
	return h->slot ? FG_OK : fg_error_set(FG_ENOMEM, "snapshot: out of memory for an index");
}

static void htab_free(htab *h)
{
	fg_free(h->slot);
	h->slot = NULL;
}

/* Equal if arena string at off is exactly s[0..len). */
static bool str_eq(const char *arena_buf, uint32_t off, const char *s, size_t len)
{
	const char *a = arena_buf + off;

	return memcmp(a, s, len) == 0 && a[len] == '\0';
}

/* ---- the snapshot ------------------------------------------------------- */

typedef struct ring_rec {
	int64_t ring_id, first_run_id;
	uint32_t key, status;  /* arena offsets */
	int32_t comp;          /* component index, -1 */
	double factors[FG_SNAP_RING_NFACTORS];
	double score;
	int64_t counts[FG_SNAP_RING_NCOUNTS];
} ring_rec;

typedef struct comp_rec {
	int64_t component_id;
	int64_t n_users, n_entities, n_seeds, n_rings;
	double risk_max, score;
} comp_rec;

struct fg_snapshot {
	/* run */
	int64_t run_id;
	char *started_at, *finished_at, *output_digest;
	double finished_unix, load_seconds;
	int64_t n_links, n_user_links;
	fg_config cfg;
	arena str;

	/* kinds of entities and user-user links */
	uint32_t *kind; /* arena offsets */
	size_t n_kinds, cap_kinds;

	/* users */
	size_t n_users, cap_users;
	uint32_t *u_id;
	uint8_t *u_label;
	int32_t *u_comp, *u_ring;
	float *u_score, *u_risk_norm, *u_risk_pct;
	double *u_risk;
	int32_t *u_hops;      /* seed_hops, -1 */
	uint32_t *u_nearest;  /* while loading: arena offset + 1 of the id (0 none); then user index or NONE32 */
	int64_t *u_created;
	htab u_index;

	/* entities */
	size_t n_ents, cap_ents;
	int64_t *e_eid;
	uint32_t *e_value;
	uint16_t *e_kind;
	uint32_t *e_share;
	uint8_t *e_hub;
	int32_t *e_comp;
	htab e_index;

	/* rings and components */
	ring_rec *rings;
	size_t n_rings, cap_rings;
	htab r_index;
	uint32_t *ring_off, *ring_users; /* CSR ring -> members (user index order) */
	comp_rec *comps;
	size_t n_comps, cap_comps;

	/* links, while loading */
	struct lpair { uint32_t a, b; } *lp;   /* (user, entity) */
	size_t n_lp, cap_lp;
	struct upair { uint32_t a, b; uint32_t k; } *up; /* (user, user, relation kind) */
	size_t n_up, cap_up;

	/* CSR adjacencies */
	uint32_t *eu_off, *eu_adj;      /* entity -> users, non-hub entities */
	uint32_t *ue_off, *ue_adj;      /* user -> entities */
	uint32_t *uu_off, *uu_adj;      /* user -> users */
	uint16_t *uu_kind;              /* relation kind of each uu_adj entry */

	/* the learned model, when the run has one (NULL: the rule scores) */
	struct serve_model *model;
	char model_status[256];         /* what loading the model did (healthz, logs) */
	char *model_file;               /* while loading */
	size_t model_len;
	size_t n_ages;                  /* while loading: stored (created_at, account age) pairs */
	int64_t age_created[FG_SNAP_AGES];
	double age_days[FG_SNAP_AGES];
	struct mlink { uint32_t u, t; uint32_t k; bool user; int64_t first, last; } *ml; /* while loading */
	size_t n_ml, cap_ml;
	double *e_risk;                 /* while loading (the model's graph) */

	uint64_t bytes;
	int error;                      /* first callback error while loading */
	const char *path;

	/* holder: references while current or in use */
	atomic_int refs;
};

static const char *S(const fg_snapshot *s, uint32_t off)
{
	return s->str.buf + off;
}

static uint64_t hash_str(const char *p, size_t len, uint64_t seed)
{
	return fg_hash64(p, len, seed);
}

static uint32_t find_user(const fg_snapshot *s, const char *id, size_t len)
{
	size_t i;

	if (!s->u_index.slot)
		return NONE32;
	for (i = hash_str(id, len, 0) & s->u_index.mask; s->u_index.slot[i]; i = (i + 1) & s->u_index.mask) {
		uint32_t u = s->u_index.slot[i] - 1;

		if (str_eq(s->str.buf, s->u_id[u], id, len))
			return u;
	}
	return NONE32;
}

static uint32_t find_kind(const fg_snapshot *s, const char *kind)
{
	for (size_t i = 0; i < s->n_kinds; i++)
		if (!strcmp(S(s, s->kind[i]), kind))
			return (uint32_t)i;
	return NONE32;
}

static uint32_t find_entity(const fg_snapshot *s, const char *kind, const char *value, size_t len)
{
	uint32_t k = find_kind(s, kind);
	size_t i;

	if (k == NONE32 || !s->e_index.slot)
		return NONE32;
	for (i = hash_str(value, len, k + 1) & s->e_index.mask; s->e_index.slot[i];
	     i = (i + 1) & s->e_index.mask) {
		uint32_t e = s->e_index.slot[i] - 1;

		if (s->e_kind[e] == k && str_eq(s->str.buf, s->e_value[e], value, len))
			return e;
	}
	return NONE32;
}

static uint32_t find_ring_key(const fg_snapshot *s, const char *key, size_t len)
{
	size_t i;

	if (!s->r_index.slot)
		return NONE32;
	for (i = hash_str(key, len, 7) & s->r_index.mask; s->r_index.slot[i]; i = (i + 1) & s->r_index.mask) {
		uint32_t r = s->r_index.slot[i] - 1;

		if (str_eq(s->str.buf, s->rings[r].key, key, len))
			return r;
	}
	return NONE32;
}

/*
 * The index of the record whose int64 key (at byte offset off of records of
 * sz bytes) is id, among n records sorted by that key; -1 if none.  The
 * components, rings and entities are read in key order, so each is found by
 * this one binary search.  O(log n).
 */
static int64_t find_sorted(const void *base, size_t n, size_t sz, size_t off, int64_t id)
{
	size_t lo = 0, hi = n;
	int64_t k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		memcpy(&k, (const char *)base + mid * sz + off, sizeof(k));
		if (k < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n)
		return -1;
	memcpy(&k, (const char *)base + lo * sz + off, sizeof(k));
	return k == id ? (int64_t)lo : -1;
}

static int32_t find_comp(const fg_snapshot *s, int64_t id)
{
	return (int32_t)find_sorted(s->comps, s->n_comps, sizeof(comp_rec), offsetof(comp_rec, component_id), id);
}

static int32_t find_ring_id(const fg_snapshot *s, int64_t id)
{
	return (int32_t)find_sorted(s->rings, s->n_rings, sizeof(ring_rec), offsetof(ring_rec, ring_id), id);
}

static uint32_t find_entity_id(const fg_snapshot *s, int64_t id)
{
	int64_t e = find_sorted(s->e_eid, s->n_ents, sizeof(int64_t), 0, id);

	return e < 0 ? NONE32 : (uint32_t)e;
}

static int intern_kind(fg_snapshot *s, uint32_t *out, const char *kind)
{
	uint32_t k = find_kind(s, kind);
	int rc;

	if (k != NONE32) {
		*out = k;
		return FG_OK;
	}
	if (s->n_kinds >= UINT16_MAX)
		return fg_error_set(FG_EDATA, "%s: more than %u entity kinds", s->path, UINT16_MAX);
	if ((rc = grow(&s->kind, &s->cap_kinds, s->n_kinds, sizeof(uint32_t))) ||
	    (rc = arena_put(&s->str, &s->kind[s->n_kinds], kind, strlen(kind))))
		return rc;
	*out = (uint32_t)s->n_kinds++;
	return FG_OK;
}

static double iso_to_unix(const char *t)
{
	int64_t v;

	if (!t || fg_parse_time(&v, t, strlen(t)) != 0)
		return NAN;
	return (double)v;
}

/*
 * The run's parameters (runs.params) into cfg: kinds with their weights, caps
 * and relation flags, the defaults for other kinds, max_field_len.  A missing
 * or unreadable params column leaves fg_config_init's defaults (what the run
 * used unless told otherwise).
 */
static void config_from_params(fg_config *cfg, const char *params)
{
	json_t *root, *kinds, *v;
	const char *name;
	char spec[FG_KIND_NAME_MAX + 48], rel[FG_MAX_KINDS * (FG_KIND_NAME_MAX + 1) + 1];
	size_t rlen = 0;

	fg_config_init(cfg);
	if (!params || !(root = json_loads(params, 0, NULL)))
		return;
	if ((v = json_object_get(root, "default_weight")) && json_is_number(v) && json_number_value(v) > 0)
		cfg->default_weight = json_number_value(v);
	if ((v = json_object_get(root, "default_max_share")) && json_is_integer(v) &&
	    json_integer_value(v) >= 1 && json_integer_value(v) <= UINT32_MAX)
		cfg->default_max_share = (uint32_t)json_integer_value(v);
	if ((v = json_object_get(root, "relation_weight")) && json_is_number(v) && json_number_value(v) > 0)
		cfg->relation_weight = json_number_value(v);
	/* the kernels' settings: the model's feature walks run with the run's own */
	if ((v = json_object_get(root, "risk_damping")) && json_is_number(v) && json_number_value(v) > 0 &&
	    json_number_value(v) < 1)
		cfg->risk_damping = json_number_value(v);
	if ((v = json_object_get(root, "risk_tol")) && json_is_number(v) && json_number_value(v) > 0)
		cfg->risk_tol = json_number_value(v);
	if ((v = json_object_get(root, "risk_max_iter")) && json_is_integer(v) &&
	    json_integer_value(v) >= 1 && json_integer_value(v) <= 100000)
		cfg->risk_max_iter = (int)json_integer_value(v);
	if ((v = json_object_get(root, "smoothing_k")) && json_is_number(v) && json_number_value(v) >= 0)
		cfg->smoothing_k = json_number_value(v);
	if ((v = json_object_get(root, "max_field_len")) && json_is_integer(v) &&
	    json_integer_value(v) >= 1 && json_integer_value(v) <= UINT32_MAX)
		cfg->max_field_len = (uint32_t)json_integer_value(v);
	kinds = json_object_get(root, "kinds");
	rel[0] = '\0';
	if (json_is_object(kinds)) {
		json_object_foreach(kinds, name, v) {
			json_t *w = json_object_get(v, "weight"), *cap = json_object_get(v, "max_share");

			if (strlen(name) >= FG_KIND_NAME_MAX || strchr(name, ',') || strchr(name, '='))
				continue;
			if (json_is_true(json_object_get(v, "relation"))) {
				if (rlen + strlen(name) + 2 < sizeof(rel))
					rlen += (size_t)snprintf(rel + rlen, sizeof(rel) - rlen, "%s%s",
					                         rlen ? "," : "", name);
				continue;
			}
			if (json_is_number(w)) {
				snprintf(spec, sizeof(spec), "%s=%.17g", name, json_number_value(w));
				(void)fg_config_set_weight(cfg, spec);
			}
			if (json_is_integer(cap)) {
				snprintf(spec, sizeof(spec), "%s=%lld", name, (long long)json_integer_value(cap));
				(void)fg_config_set_max_share(cfg, spec);
			}
		}
		if (rlen)
			(void)fg_config_set_relations(cfg, rel);
	}
	/* the run's --kind-alias and --ignore-value, so requests are read as its rows were */
	kinds = json_object_get(root, "kind_aliases");
	if (json_is_object(kinds)) {
		json_object_foreach(kinds, name, v) {
			if (json_is_string(v) && strlen(name) < FG_KIND_NAME_MAX &&
			    json_string_length(v) < FG_KIND_NAME_MAX) {
				snprintf(spec, sizeof(spec), "%s=%s", json_string_value(v), name);
				(void)fg_config_set_kind_alias(cfg, spec);
			}
		}
	}
	kinds = json_object_get(root, "ignore_values");
	if (json_is_array(kinds)) {
		size_t i;

		json_array_foreach(kinds, i, v) {
			json_t *k = json_array_get(v, 0), *x = json_array_get(v, 1);
			char ispec[FG_KIND_NAME_MAX + FG_IGNORE_VALUE_MAX + 2];

			if (json_is_string(k) && json_is_string(x) && json_string_length(k) < FG_KIND_NAME_MAX &&
			    json_string_length(x) < FG_IGNORE_VALUE_MAX) {
				snprintf(ispec, sizeof(ispec), "%s=%s", json_string_value(k), json_string_value(x));
				(void)fg_config_set_ignore_value(cfg, ispec);
			}
		}
	}
	fg_error_clear();
	json_decref(root);
}

static char *dup_or_empty(const char *s)
{
	return fg_strndup(s ? s : "", s ? strlen(s) : 0);
}

static int on_run(void *ctx, const fg_snap_run_row *r)
{
	fg_snapshot *s = ctx;

	s->run_id = r->run_id;
	s->started_at = dup_or_empty(r->started_at);
	s->finished_at = dup_or_empty(r->finished_at);
	s->output_digest = dup_or_empty(r->output_digest);
	if (!s->started_at || !s->finished_at || !s->output_digest)
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory");
	s->finished_unix = iso_to_unix(r->finished_at);
	s->n_links = r->n_links;
	s->n_user_links = r->n_user_links;
	config_from_params(&s->cfg, r->params);
	return FG_OK;
}

static int on_component(void *ctx, const fg_snap_component_row *r)
{
	fg_snapshot *s = ctx;
	comp_rec *c;
	int rc;

	if ((rc = grow(&s->comps, &s->cap_comps, s->n_comps, sizeof(comp_rec))))
		return rc;
	c = &s->comps[s->n_comps++];
	c->component_id = r->component_id;
	c->n_users = r->n_users;
	c->n_entities = r->n_entities;
	c->n_seeds = r->n_seeds;
	c->n_rings = r->n_rings;
	c->risk_max = r->risk_max;
	c->score = r->component_score;
	return FG_OK;
}

static int on_ring(void *ctx, const fg_snap_ring_row *r)
{
	fg_snapshot *s = ctx;
	ring_rec *g;
	int rc;

	if ((rc = grow(&s->rings, &s->cap_rings, s->n_rings, sizeof(ring_rec))))
		return rc;
	g = &s->rings[s->n_rings];
	g->ring_id = r->ring_id;
	g->first_run_id = r->first_run_id;
	g->comp = r->component_id >= 0 ? find_comp(s, r->component_id) : -1;
	memcpy(g->factors, r->factors, sizeof(g->factors));
	g->score = r->ring_score;
	memcpy(g->counts, r->counts, sizeof(g->counts));
	if ((rc = arena_put(&s->str, &g->key, r->ring_key, strlen(r->ring_key))) ||
	    (rc = arena_put(&s->str, &g->status, r->status ? r->status : "", r->status ? strlen(r->status) : 0)))
		return rc;
	s->n_rings++;
	return FG_OK;
}

/* Reallocate the array at *pp to cap elements of sz bytes; false (array kept) on failure. */
static bool grow_to(void *pp, size_t cap, size_t sz)
{
	void **p = pp;
	void *q = fg_reallocarray(*p, cap, sz);

	if (!q)
		return false;
	*p = q;
	return true;
}

#define GROW_USERS(field) grow_to(&(field), cap, sizeof(*(field)))

static int on_user(void *ctx, const fg_snap_user_row *r)
{
	fg_snapshot *s = ctx;
	size_t u = s->n_users;
	int rc;

	if (u == s->cap_users) {
		size_t cap = s->cap_users ? s->cap_users * 2 : 4096;

		if (u >= NONE32 - 1)
			return fg_error_set(FG_ENOMEM, "snapshot: more than 2^32 users");
		if (!GROW_USERS(s->u_id) || !GROW_USERS(s->u_label) || !GROW_USERS(s->u_comp) ||
		    !GROW_USERS(s->u_ring) || !GROW_USERS(s->u_score) || !GROW_USERS(s->u_risk_norm) ||
		    !GROW_USERS(s->u_risk_pct) || !GROW_USERS(s->u_risk) || !GROW_USERS(s->u_hops) ||
		    !GROW_USERS(s->u_nearest) || !GROW_USERS(s->u_created))
			return fg_error_set(FG_ENOMEM, "snapshot: out of memory for users");
		s->cap_users = cap;
	}
	if ((rc = arena_put(&s->str, &s->u_id[u], r->user_id, r->user_len)))
		return rc;
	s->u_label[u] = !r->label ? LBL_NONE
	              : !strcmp(r->label, "fraud") ? LBL_FRAUD
	              : !strcmp(r->label, "legit") ? LBL_LEGIT
	              : !strcmp(r->label, "holdout") ? LBL_HOLDOUT : LBL_NONE;
	s->u_comp[u] = r->component_id >= 0 ? find_comp(s, r->component_id) : -1;
	s->u_ring[u] = r->ring_id >= 0 ? find_ring_id(s, r->ring_id) : -1;
	s->u_score[u] = isnan(r->score) ? 0.0f : (float)r->score;
	s->u_risk_norm[u] = isnan(r->risk_norm) ? 0.0f : (float)r->risk_norm;
	s->u_risk_pct[u] = isnan(r->risk_pct) ? 0.0f : (float)r->risk_pct;
	s->u_risk[u] = isnan(r->risk) ? 0.0 : r->risk;
	s->u_hops[u] = r->seed_hops >= 0 && r->seed_hops < INT32_MAX ? (int32_t)r->seed_hops : -1;
	s->u_nearest[u] = 0;
	if (r->nearest_seed) {
		uint32_t off;

		if ((rc = arena_put(&s->str, &off, r->nearest_seed, strlen(r->nearest_seed))))
			return rc;
		s->u_nearest[u] = off + 1;
	}
	s->u_created[u] = r->created_at;
	s->n_users++;
	return FG_OK;
}

static int on_entity(void *ctx, const fg_snap_entity_row *r)
{
	fg_snapshot *s = ctx;
	size_t e = s->n_ents;
	uint32_t k;
	int rc;

	if (e == s->cap_ents) {
		size_t cap = s->cap_ents ? s->cap_ents * 2 : 4096;

		if (e >= NONE32 - 1)
			return fg_error_set(FG_ENOMEM, "snapshot: more than 2^32 entities");
		if (!GROW_USERS(s->e_eid) || !GROW_USERS(s->e_value) || !GROW_USERS(s->e_kind) ||
		    !GROW_USERS(s->e_share) || !GROW_USERS(s->e_hub) || !GROW_USERS(s->e_comp) ||
		    (s->model_file && !GROW_USERS(s->e_risk)))
			return fg_error_set(FG_ENOMEM, "snapshot: out of memory for entities");
		s->cap_ents = cap;
	}
	if ((rc = intern_kind(s, &k, r->kind)) ||
	    (rc = arena_put(&s->str, &s->e_value[e], r->value, r->value_len)))
		return rc;
	s->e_eid[e] = r->entity_id;
	s->e_kind[e] = (uint16_t)k;
	s->e_share[e] = r->share < 0 ? 0 : r->share > UINT32_MAX ? UINT32_MAX : (uint32_t)r->share;
	s->e_hub[e] = r->is_hub;
	s->e_comp[e] = r->component_id >= 0 ? find_comp(s, r->component_id) : -1;
	if (s->model_file)
		s->e_risk[e] = isnan(r->risk) ? 0.0 : r->risk;
	s->n_ents++;
	return FG_OK;
}

/* The stored link as the model's graph reads it (only when the run has a model). */
static int keep_model_link(fg_snapshot *s, uint32_t u, uint32_t t, uint32_t k, bool user,
                           const fg_snap_link_row *r)
{
	int rc;

	if (!s->model_file)
		return FG_OK;
	if ((rc = grow(&s->ml, &s->cap_ml, s->n_ml, sizeof(*s->ml))))
		return rc;
	s->ml[s->n_ml++] = (struct mlink){ u, t, k, user, r->first_seen, r->last_seen };
	return FG_OK;
}

static int on_link(void *ctx, const fg_snap_link_row *r)
{
	fg_snapshot *s = ctx;
	uint32_t u = find_user(s, r->user_id, r->user_len);
	int rc;

	if (u == NONE32)
		return FG_OK; /* a link of a user the run did not score: nothing to answer with */
	if (r->entity_id >= 0) {
		uint32_t e = find_entity_id(s, r->entity_id);

		if (e == NONE32)
			return FG_OK;
		if ((rc = grow(&s->lp, &s->cap_lp, s->n_lp, sizeof(*s->lp))))
			return rc;
		s->lp[s->n_lp].a = u;
		s->lp[s->n_lp].b = e;
		s->n_lp++;
		if ((rc = keep_model_link(s, u, e, s->e_kind[e], false, r)))
			return rc;
	} else {
		uint32_t o = find_user(s, r->other_user, r->other_len), k;

		if (o == NONE32 || o == u)
			return FG_OK;
		if ((rc = intern_kind(s, &k, r->kind)))
			return rc;
		if ((rc = grow(&s->up, &s->cap_up, s->n_up + 1, sizeof(*s->up))))
			return rc;
		/* both directions: a user's direct links are its own list */
		s->up[s->n_up++] = (struct upair){ u, o, k };
		s->up[s->n_up++] = (struct upair){ o, u, k };
		if ((rc = keep_model_link(s, u, o, k, true, r)))
			return rc;
	}
	return FG_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * CSR of n rows from (row, col) pairs given by get(i) for i < m, keeping a
 * pair only if keep(col) (NULL: all); each row sorted by col, duplicates
 * removed.  *off (n + 1) and *adj malloc'd.  O(n + m log d).
 */
typedef struct csr_in {
	size_t m;
	uint32_t (*row)(const fg_snapshot *s, size_t i);
	uint32_t (*col)(const fg_snapshot *s, size_t i);
	bool (*keep)(const fg_snapshot *s, size_t i);
} csr_in;

static int build_csr(uint32_t **off_out, uint32_t **adj_out, const fg_snapshot *s, size_t n,
                     const csr_in *in)
{
	uint32_t *off = NULL, *adj = NULL, *pos = NULL;
	size_t total = 0, w = 0;
	int rc = FG_OK;

	off = fg_calloc(n + 1, sizeof(uint32_t));
	pos = fg_calloc(n + 1, sizeof(uint32_t));
	if (!off || !pos) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: out of memory for the adjacency");
		goto cleanup;
	}
	for (size_t i = 0; i < in->m; i++)
		if (!in->keep || in->keep(s, i)) {
			off[in->row(s, i) + 1]++;
			total++;
		}
	if (total >= NONE32) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: more than 2^32 links");
		goto cleanup;
	}
	for (size_t r = 0; r < n; r++)
		off[r + 1] += off[r];
	adj = fg_mallocarray(total ? total : 1, sizeof(uint32_t));
	if (!adj) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: out of memory for the adjacency");
		goto cleanup;
	}
	memcpy(pos, off, (n + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < in->m; i++)
		if (!in->keep || in->keep(s, i))
			adj[pos[in->row(s, i)]++] = in->col(s, i);
	/* sort and de-duplicate each row in place, compacting */
	for (size_t r = 0; r < n; r++) {
		uint32_t b = off[r], e = off[r + 1];
		bool sorted = true;

		for (uint32_t j = b + 1; j < e; j++)
			if (adj[j - 1] >= adj[j]) {
				sorted = false;
				break;
			}
		if (!sorted)
			qsort(adj + b, e - b, sizeof(uint32_t), cmp_u32);
		off[r] = (uint32_t)w;
		for (uint32_t j = b; j < e; j++)
			if (j == b || adj[j] != adj[j - 1])
				adj[w++] = adj[j];
	}
	off[n] = (uint32_t)w;
	*off_out = off;
	*adj_out = adj;
	off = adj = NULL;
cleanup:
	fg_free(off);
	fg_free(adj);
	fg_free(pos);
	return rc;
}

static uint32_t lp_user(const fg_snapshot *s, size_t i) { return s->lp[i].a; }
static uint32_t lp_ent(const fg_snapshot *s, size_t i) { return s->lp[i].b; }
static bool lp_not_hub(const fg_snapshot *s, size_t i) { return !s->e_hub[s->lp[i].b]; }
static uint32_t up_a(const fg_snapshot *s, size_t i) { return s->up[i].a; }
/* user index in the low 32 bits is enough: relation kinds go in a parallel array */
static uint32_t up_b(const fg_snapshot *s, size_t i) { return s->up[i].b; }
static uint32_t ring_row(const fg_snapshot *s, size_t i) { return (uint32_t)s->u_ring[i]; }
static uint32_t user_self(const fg_snapshot *s, size_t i) { (void)s; return (uint32_t)i; }
static bool in_ring(const fg_snapshot *s, size_t i) { return s->u_ring[i] >= 0; }

static int cmp_upair(const void *a, const void *b)
{
	const struct upair *x = a, *y = b;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

/*
 * user <-> user: pairs sorted by (user, other, kind index), one entry per
 * (user, other) keeping the smallest kind index (kinds are interned in the
 * order the rows are read: entity_id order, then links in user_id order, so
 * the choice depends on the data only).
 */
static int build_uu(fg_snapshot *s)
{
	size_t w = 0;
	int rc = FG_OK;

	if (s->n_up)
		qsort(s->up, s->n_up, sizeof(*s->up), cmp_upair);
	for (size_t i = 0; i < s->n_up; i++)
		if (i == 0 || s->up[i].a != s->up[w - 1].a || s->up[i].b != s->up[w - 1].b)
			s->up[w++] = s->up[i];
	s->n_up = w;
	{
		csr_in in = { s->n_up, up_a, up_b, NULL };

		if ((rc = build_csr(&s->uu_off, &s->uu_adj, s, s->n_users, &in)))
			return rc;
	}
	s->uu_kind = fg_mallocarray(s->n_up ? s->n_up : 1, sizeof(uint16_t));
	if (!s->uu_kind)
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory for the adjacency");
	for (size_t i = 0; i < s->n_up; i++)
		s->uu_kind[i] = (uint16_t)s->up[i].k; /* same order as uu_adj: pairs sorted, unique */
	return FG_OK;
}

static int build_indexes(fg_snapshot *s)
{
	int rc;

	if ((rc = htab_init(&s->u_index, s->n_users)))
		return rc;
	for (size_t u = 0; u < s->n_users; u++) {
		const char *id = S(s, s->u_id[u]);
		size_t i = hash_str(id, strlen(id), 0) & s->u_index.mask;

		while (s->u_index.slot[i])
			i = (i + 1) & s->u_index.mask;
		s->u_index.slot[i] = (uint32_t)u + 1;
	}
	return FG_OK;
}

/* ---- the learned model ---------------------------------------------------- */

/*
 * What scoring a request with the run's model needs: last night's graph
 * rebuilt from the stored links (every link of the users in components of two
 * users or more, and every hub link: the whole neighbourhood any request can
 * reach), with the run's components, rings, scores and the feature kernels of
 * algorithms/fg_features on it, so an existing user's row is the row the run
 * scored, and a new account's row is computed by fg_features_row_new from the
 * same primitives.  Invariant: read-only once built.
 */
typedef struct serve_model {
	fg_graph *g;
	uint32_t *comp, *ring, *seeds, n_seeds;
	uint8_t *seed;
	double *risk;
	fg_scores *sc;
	fg_features *f;
	fg_model *m;
	int32_t *user_g;   /* snapshot user -> user of g, -1 */
	int64_t *ent_g;    /* snapshot entity -> vertex of g, -1 */
	uint32_t attr0;    /* first attr_ column of a row */
	uint64_t bytes;
} serve_model;

static void serve_model_free(serve_model **pm)
{
	serve_model *m;

	if (!pm || !(m = *pm))
		return;
	fg_model_close(&m->m);
	fg_features_close(&m->f);
	fg_scores_free(&m->sc);
	fg_graph_free(&m->g);
	fg_free(m->comp);
	fg_free(m->ring);
	fg_free(m->seeds);
	fg_free(m->seed);
	fg_free(m->risk);
	fg_free(m->user_g);
	fg_free(m->ent_g);
	fg_free(m);
	*pm = NULL;
}

/* Feed the stored links and their users to a linkset, as run's readers would. */
static int model_rows(fg_linkset *ls, const fg_snapshot *s)
{
	uint8_t *need = fg_calloc(s->n_users ? s->n_users : 1, 1);
	size_t newest = NONE32;
	int rc = FG_OK;

	if (!need)
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory for the model's graph");
	for (size_t i = 0; i < s->n_ml; i++) {
		const struct mlink *l = &s->ml[i];
		const char *kind = S(s, s->kind[l->k]);
		const char *val = l->user ? S(s, s->u_id[l->t]) : S(s, s->e_value[l->t]);
		fg_link_row row = { { S(s, s->u_id[l->u]), strlen(S(s, s->u_id[l->u])) },
		                    { kind, strlen(kind) }, { val, strlen(val) }, l->first, "snapshot", i + 1 };

		need[l->u] = 1;
		if (l->user)
			need[l->t] = 1;
		if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
			goto cleanup;
		if (l->last != l->first) {
			row.seen_at = l->last;
			if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
				goto cleanup;
		}
	}
	/* seeds alone in their component count in their fold; the newest account sets the age reference */
	for (size_t u = 0; u < s->n_users; u++) {
		if (s->u_label[u] == LBL_FRAUD)
			need[u] = 1;
		if (s->u_created[u] != FG_TIME_NONE &&
		    (newest == NONE32 || s->u_created[u] > s->u_created[newest]))
			newest = u;
	}
	if (newest != NONE32)
		need[newest] = 1;
	for (size_t u = 0; u < s->n_users; u++) {
		const char *id = S(s, s->u_id[u]);
		fg_user_row row = { { id, strlen(id) }, s->u_created[u],
		                    s->u_label[u] == LBL_FRAUD ? FG_LABEL_FRAUD
		                    : s->u_label[u] == LBL_LEGIT ? FG_LABEL_LEGIT : FG_LABEL_UNKNOWN,
		                    "snapshot", u + 1, 0, NULL };

		if (need[u] && (rc = fg_linkset_user_sink(ls, &row)) != FG_OK)
			goto cleanup;
	}
cleanup:
	fg_free(need);
	return rc;
}

/*
 * The run's account-age reference (its latest input time, which the stored
 * links alone may miss: a lone user's links are not stored): the integer t
 * with (float)((t - c) / 86400) == a for every stored row's (created_at c,
 * account_age_days a), the first such t near the first row's.  false if no t
 * fits them all (then the stored links' latest time stands).
 */
static bool age_reference(int64_t *t_ref, const fg_snapshot *s)
{
	if (!s->n_ages)
		return false;
	int64_t t0 = s->age_created[0] + llround(s->age_days[0] * 86400.0);
	for (int64_t t = t0 - 64; t <= t0 + 64; t++) {
		bool all = true;
		for (size_t i = 0; i < s->n_ages && all; i++)
			all = (float)((double)(t - s->age_created[i]) / 86400.0) == (float)s->age_days[i];
		if (all) {
			*t_ref = t;
			return true;
		}
	}
	return false;
}

/*
 * Build the model's side of snapshot s from its stored links and model
 * file.  FG_OK with s->model set, FG_OK with s->model NULL and
 * s->model_status saying why (a model file this build cannot read, feature
 * names it does not build), or FG_ENOMEM.
 */
static int model_build(fg_snapshot *s)
{
	serve_model *m = fg_calloc(1, sizeof(*m));
	fg_linkset *ls = NULL;
	fg_model_params mp;
	fg_features_params fp = { .use_attrs = true, .attrs = NULL, .damping = s->cfg.risk_damping,
	                          .tol = s->cfg.risk_tol, .max_iter = s->cfg.risk_max_iter };
	fg_graph *g;
	uint32_t nu, nv, *ring_min = NULL;
	double t0 = fg_clock(), t_graph = 0.0;
	int rc;

	if (!m)
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory for the model");
	fp.t_ref_given = age_reference(&fp.t_ref, s);
	fg_model_params_default(&mp);
	mp.threads = 1; /* one request, one thread: the pool serves requests in parallel */
	if ((rc = fg_model_load_file(&m->m, s->model_file, s->model_len, "models.model_file", &mp)) ||
	    (rc = fg_linkset_new(&ls, &s->cfg)) || (rc = model_rows(ls, s)) ||
	    (rc = fg_graph_build(&m->g, ls, &s->cfg)))
		goto cleanup;
	fg_linkset_free(&ls);
	t_graph = fg_clock() - t0;
	g = m->g;
	nu = g->n_users;
	nv = nu + g->n_entities;
	m->comp = fg_mallocarray(nv ? nv : 1, sizeof(uint32_t));
	m->ring = fg_mallocarray(nu ? nu : 1, sizeof(uint32_t));
	m->risk = fg_calloc(nv ? nv : 1, sizeof(double));
	m->seed = fg_calloc(nu ? nu : 1, 1);
	m->seeds = fg_mallocarray(nu ? nu : 1, sizeof(uint32_t));
	m->user_g = fg_mallocarray(s->n_users ? s->n_users : 1, sizeof(int32_t));
	m->ent_g = fg_mallocarray(s->n_ents ? s->n_ents : 1, sizeof(int64_t));
	ring_min = fg_mallocarray(s->n_rings ? s->n_rings : 1, sizeof(uint32_t));
	if (!m->comp || !m->ring || !m->risk || !m->seed || !m->seeds || !m->user_g || !m->ent_g ||
	    !ring_min) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: out of memory for the model");
		goto cleanup;
	}
	for (size_t u = 0; u < s->n_users; u++)
		m->user_g[u] = -1;
	for (size_t e = 0; e < s->n_ents; e++)
		m->ent_g[e] = -1;
	for (size_t r = 0; r < s->n_rings; r++)
		ring_min[r] = NONE32;
	/* users of g (id order, a subset of the snapshot's): rings by their smallest member, as fg_rings */
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t su = find_user(s, g->user_id[u], strlen(g->user_id[u]));
		int32_t r;

		if (su == NONE32) {
			rc = fg_error_set(FG_EDATA, "user %.40s of the model's graph is not in the run", g->user_id[u]);
			goto cleanup;
		}
		m->user_g[su] = (int32_t)u;
		m->risk[u] = s->u_risk[su];
		if (g->user_label[u] == FG_LABEL_FRAUD) {
			m->seed[u] = 1;
			m->seeds[m->n_seeds++] = u;
		}
		r = s->u_ring[su];
		if (r >= 0 && ring_min[r] == NONE32)
			ring_min[r] = u;
		m->ring[u] = r >= 0 ? ring_min[r] : u;
	}
	for (uint32_t e = 0; e < g->n_entities; e++) {
		const char *v = g->ent_value[e];
		uint32_t se = find_entity(s, g->kind_name[g->ent_kind[e]], v, strlen(v));

		if (se == NONE32) {
			rc = fg_error_set(FG_EDATA, "entity %.40s of the model's graph is not in the run", v);
			goto cleanup;
		}
		m->ent_g[se] = (int64_t)nu + e;
		m->risk[nu + e] = s->e_risk ? s->e_risk[se] : 0.0;
	}
	if ((rc = fg_cc(m->comp, &g->g)) ||
	    (rc = fg_score_compute(&m->sc, g, &s->cfg, m->seed, m->n_seeds, m->comp, m->ring, m->risk)) ||
	    (rc = fg_features_open(&m->f, g, m->sc, m->comp, m->seeds, m->n_seeds, &fp)))
		goto cleanup;
	if (fg_model_n_features(m->m) != fg_features_count(m->f)) {
		rc = fg_error_set(FG_EDATA, "the model has %u features, the snapshot builds %u",
		                  fg_model_n_features(m->m), fg_features_count(m->f));
		goto cleanup;
	}
	for (uint32_t j = 0; j < fg_features_count(m->f); j++)
		if (strcmp(fg_model_feature_name(m->m, j), fg_features_name(m->f, j))) {
			rc = fg_error_set(FG_EDATA, "model feature %u is '%.60s', the snapshot builds '%.60s'", j,
			                  fg_model_feature_name(m->m, j), fg_features_name(m->f, j));
			goto cleanup;
		}
	m->attr0 = fg_features_count(m->f);
	for (uint32_t j = 0; j < fg_features_count(m->f); j++)
		if (!strncmp(fg_features_name(m->f, j), "attr_", 5)) {
			m->attr0 = j;
			break;
		}
	m->bytes = fg_graph_bytes(g) + (uint64_t)nv * (sizeof(uint32_t) + sizeof(double)) +
	           (uint64_t)nu * (2 * sizeof(uint32_t) + 1) + (uint64_t)s->n_users * sizeof(int32_t) +
	           (uint64_t)s->n_ents * sizeof(int64_t);
	snprintf(s->model_status, sizeof(s->model_status),
	         "served: %u features on the graph of the stored links (%u users, %u entities); "
	         "graph %.2f s, kernels %.2f s", fg_features_count(m->f), nu, g->n_entities, t_graph,
	         fg_clock() - t0 - t_graph);
	s->model = m;
	m = NULL;
cleanup:
	fg_free(ring_min);
	fg_linkset_free(&ls);
	serve_model_free(&m);
	if (rc != FG_OK && rc != FG_ENOMEM) {
		snprintf(s->model_status, sizeof(s->model_status), "not served: %s", fg_error_msg());
		fg_log_warn("serve: the run's model is not served (rule scores instead): %s", fg_error_msg());
		fg_error_clear();
		rc = FG_OK;
	}
	return rc;
}

static int build_after_load(fg_snapshot *s)
{
	int rc;

	/* entities by (kind, value) */
	if ((rc = htab_init(&s->e_index, s->n_ents)))
		return rc;
	for (size_t e = 0; e < s->n_ents; e++) {
		const char *v = S(s, s->e_value[e]);
		size_t i = hash_str(v, strlen(v), (uint64_t)s->e_kind[e] + 1) & s->e_index.mask;

		while (s->e_index.slot[i])
			i = (i + 1) & s->e_index.mask;
		s->e_index.slot[i] = (uint32_t)e + 1;
	}
	/* rings by key */
	if ((rc = htab_init(&s->r_index, s->n_rings)))
		return rc;
	for (size_t r = 0; r < s->n_rings; r++) {
		const char *k = S(s, s->rings[r].key);
		size_t i = hash_str(k, strlen(k), 7) & s->r_index.mask;

		while (s->r_index.slot[i])
			i = (i + 1) & s->r_index.mask;
		s->r_index.slot[i] = (uint32_t)r + 1;
	}
	/* nearest seeds: ids to indexes */
	for (size_t u = 0; u < s->n_users; u++) {
		uint32_t off = s->u_nearest[u];

		if (off) {
			const char *id = S(s, off - 1);

			s->u_nearest[u] = find_user(s, id, strlen(id));
		} else {
			s->u_nearest[u] = NONE32;
		}
	}
	{
		csr_in eu = { s->n_lp, lp_ent, lp_user, lp_not_hub };
		csr_in ue = { s->n_lp, lp_user, lp_ent, NULL };
		csr_in rm = { s->n_users, ring_row, user_self, in_ring };

		if ((rc = build_csr(&s->eu_off, &s->eu_adj, s, s->n_ents, &eu)) ||
		    (rc = build_csr(&s->ue_off, &s->ue_adj, s, s->n_users, &ue)) ||
		    (rc = build_csr(&s->ring_off, &s->ring_users, s, s->n_rings, &rm)))
			return rc;
	}
	if ((rc = build_uu(s)))
		return rc;
	if (s->model_file) {
		if ((rc = model_build(s)))
			return rc;
		fg_free(s->model_file);
		s->model_file = NULL;
		fg_free(s->ml);
		s->ml = NULL;
		s->cap_ml = 0;
		fg_free(s->e_risk);
		s->e_risk = NULL;
	}
	fg_free(s->lp);
	s->lp = NULL;
	s->cap_lp = 0;
	fg_free(s->up);
	s->up = NULL;
	s->cap_up = 0;
	return FG_OK;
}

static uint64_t snapshot_bytes(const fg_snapshot *s)
{
	uint64_t b = sizeof(*s) + s->str.cap + s->cap_kinds * sizeof(uint32_t);

	b += (uint64_t)s->cap_users * (sizeof(uint32_t) * 2 + 1 + sizeof(int32_t) * 3 +
	                               sizeof(float) * 3 + sizeof(double) + sizeof(int64_t));
	b += (uint64_t)s->cap_ents * (sizeof(int64_t) + sizeof(uint32_t) * 2 + sizeof(uint16_t) + 1 +
	                              sizeof(int32_t));
	b += (uint64_t)s->cap_rings * sizeof(ring_rec) + (uint64_t)s->cap_comps * sizeof(comp_rec);
	b += (uint64_t)(s->u_index.mask + 1 + s->e_index.mask + 1 + s->r_index.mask + 1) * sizeof(uint32_t);
	b += (uint64_t)(s->n_ents + 1 + (s->eu_off ? s->eu_off[s->n_ents] : 0)) * sizeof(uint32_t);
	b += (uint64_t)(s->n_users + 1 + (s->ue_off ? s->ue_off[s->n_users] : 0)) * sizeof(uint32_t);
	b += (uint64_t)(s->n_users + 1) * sizeof(uint32_t) +
	     (uint64_t)(s->uu_off ? s->uu_off[s->n_users] : 0) * (sizeof(uint32_t) + sizeof(uint16_t));
	b += (uint64_t)(s->n_rings + 1 + (s->ring_off ? s->ring_off[s->n_rings] : 0)) * sizeof(uint32_t);
	if (s->model)
		b += s->model->bytes;
	return b;
}

void fg_snapshot_free(fg_snapshot **sp)
{
	fg_snapshot *s;

	if (!sp || !(s = *sp))
		return;
	fg_free(s->started_at);
	fg_free(s->finished_at);
	fg_free(s->output_digest);
	fg_free(s->str.buf);
	fg_free(s->kind);
	fg_free(s->u_id);
	fg_free(s->u_label);
	fg_free(s->u_comp);
	fg_free(s->u_ring);
	fg_free(s->u_score);
	fg_free(s->u_risk_norm);
	fg_free(s->u_risk_pct);
	fg_free(s->u_risk);
	fg_free(s->u_hops);
	fg_free(s->u_nearest);
	fg_free(s->u_created);
	htab_free(&s->u_index);
	fg_free(s->e_eid);
	fg_free(s->e_value);
	fg_free(s->e_kind);
	fg_free(s->e_share);
	fg_free(s->e_hub);
	fg_free(s->e_comp);
	htab_free(&s->e_index);
	fg_free(s->rings);
	htab_free(&s->r_index);
	fg_free(s->ring_off);
	fg_free(s->ring_users);
	fg_free(s->comps);
	fg_free(s->lp);
	fg_free(s->up);
	fg_free(s->eu_off);
	fg_free(s->eu_adj);
	fg_free(s->ue_off);
	fg_free(s->ue_adj);
	fg_free(s->uu_off);
	fg_free(s->uu_adj);
	fg_free(s->uu_kind);
	serve_model_free(&s->model);
	fg_free(s->model_file);
	fg_free(s->ml);
	fg_free(s->e_risk);
	fg_free(s);
	*sp = NULL;
}

/* The user index is built between the users and the entities (links need it). */
typedef struct load_ctx {
	fg_snapshot *s;
	bool users_indexed;
} load_ctx;

static int lc_run(void *c, const fg_snap_run_row *r) { return on_run(((load_ctx *)c)->s, r); }
static int lc_comp(void *c, const fg_snap_component_row *r) { return on_component(((load_ctx *)c)->s, r); }
static int lc_ring(void *c, const fg_snap_ring_row *r) { return on_ring(((load_ctx *)c)->s, r); }
static int lc_user(void *c, const fg_snap_user_row *r) { return on_user(((load_ctx *)c)->s, r); }

static int lc_entity(void *c, const fg_snap_entity_row *r)
{
	load_ctx *lc = c;
	int rc;

	if (!lc->users_indexed) {
		if ((rc = build_indexes(lc->s)))
			return rc;
		lc->users_indexed = true;
	}
	return on_entity(lc->s, r);
}

static int lc_model(void *c, const fg_snap_model_row *r)
{
	fg_snapshot *s = ((load_ctx *)c)->s;

	if (!(s->model_file = fg_strndup(r->model_file, r->model_len)))
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory for the model");
	s->model_len = r->model_len;
	s->n_ages = r->n_ages < FG_SNAP_AGES ? r->n_ages : FG_SNAP_AGES;
	memcpy(s->age_created, r->age_created, s->n_ages * sizeof(int64_t));
	memcpy(s->age_days, r->age_days, s->n_ages * sizeof(double));
	return FG_OK;
}

static int lc_link(void *c, const fg_snap_link_row *r)
{
	load_ctx *lc = c;
	int rc;

	if (!lc->users_indexed) {
		if ((rc = build_indexes(lc->s)))
			return rc;
		lc->users_indexed = true;
	}
	return on_link(lc->s, r);
}

int fg_snapshot_load(fg_snapshot **out, const char *path, int64_t run_id, bool with_model)
{
	fg_store *st = NULL;
	fg_snapshot *s = NULL;
	load_ctx lc;
	double t0 = fg_clock();
	int rc;
	static const fg_snap_sink sink = { lc_run, lc_comp, lc_ring, lc_user, lc_entity, lc_link,
	                                   lc_model };
	static const fg_snap_sink sink_rules = { lc_run, lc_comp, lc_ring, lc_user, lc_entity, lc_link,
	                                         NULL };

	assert(out && path);
	*out = NULL;
	if (!(s = fg_calloc(1, sizeof(*s)))) {
		rc = fg_error_set(FG_ENOMEM, "%s: out of memory for the snapshot", path);
		goto cleanup;
	}
	s->path = path;
	fg_config_init(&s->cfg);
	snprintf(s->model_status, sizeof(s->model_status), with_model ? "none: the run has no model"
	         : "off (--no-model): the rule scores");
	if ((rc = fg_store_open(&st, path, FG_STORE_READ)))
		goto cleanup;
	lc.s = s;
	lc.users_indexed = false;
	if ((rc = fg_results_snapshot_read(st, path, run_id, with_model ? &sink : &sink_rules, &lc)))
		goto cleanup;
	if (!lc.users_indexed && (rc = build_indexes(s)))
		goto cleanup;
	if ((rc = build_after_load(s)))
		goto cleanup;
	s->path = NULL; /* the caller's string; not kept */
	s->bytes = snapshot_bytes(s);
	s->load_seconds = fg_clock() - t0;
	atomic_init(&s->refs, 0);
	*out = s;
	s = NULL;
cleanup:
	fg_store_close(&st);
	fg_snapshot_free(&s);
	return rc;
}

void fg_snapshot_get_info(fg_snapshot_info *out, const fg_snapshot *s)
{
	out->run_id = s->run_id;
	out->started_at = s->started_at;
	out->finished_at = s->finished_at;
	out->finished_unix = s->finished_unix;
	out->n_users = s->n_users;
	out->n_entities = s->n_ents;
	out->n_rings = s->n_rings;
	out->n_components = s->n_comps;
	out->n_links = s->ue_off ? s->ue_off[s->n_users] : 0;
	out->n_user_links = s->uu_off ? s->uu_off[s->n_users] / 2 : 0;
	out->bytes = s->bytes;
	out->load_seconds = s->load_seconds;
	out->model_status = s->model_status;
	out->model_bytes = s->model ? s->model->bytes : 0;
}

/* ---- requests ----------------------------------------------------------- */

typedef struct item {
	char *kind;
	char *value;     /* entity value, or the other user's id for a link */
	const char *why; /* dropped items: the reason */
} item;

struct fg_serve_request {
	char *user_id;
	item *ent, *link, *dropped;
	size_t n_ent, n_link, n_dropped;
	size_t n_attrs;
	char **attr_name;  /* the numeric attributes, n_num of them (the model's attr_ columns) */
	double *attr_val;
	size_t n_num;
};

size_t fg_serve_request_n_entities(const fg_serve_request *r) { return r->n_ent; }
size_t fg_serve_request_n_links(const fg_serve_request *r) { return r->n_link; }

static void items_free(item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fg_free(it[i].kind);
		fg_free(it[i].value);
	}
	fg_free(it);
}

void fg_serve_request_free(fg_serve_request **rp)
{
	fg_serve_request *r;

	if (!rp || !(r = *rp))
		return;
	fg_free(r->user_id);
	items_free(r->ent, r->n_ent);
	items_free(r->link, r->n_link);
	items_free(r->dropped, r->n_dropped);
	for (size_t i = 0; i < r->n_num; i++)
		fg_free(r->attr_name[i]);
	fg_free(r->attr_name);
	fg_free(r->attr_val);
	fg_free(r);
	*rp = NULL;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static const char *trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n && is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && is_ws((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* Valid UTF-8 without NUL (jansson already guarantees it for JSON strings; URLs do not). */
static bool utf8_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		for (size_t k = 1; k <= n; k++)
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return false;
		if (c == 0xe0 && p[i + 1] < 0xa0)
			return false;
		if (c == 0xed && p[i + 1] >= 0xa0)
			return false;
		if (c == 0xf0 && p[i + 1] < 0x90)
			return false;
		if (c == 0xf4 && p[i + 1] >= 0x90)
			return false;
		i += n + 1;
	}
	return true;
}

int fg_serve_normalise(char **kind_out, char **value_out, const char **why, const fg_config *cfg,
                       const char *kind, size_t kind_len, const char *value, size_t value_len)
{
	char q[64];
	char *k = NULL, *v = NULL;

	*kind_out = *value_out = NULL;
	*why = NULL;
	if (!utf8_ok(kind, kind_len) || !utf8_ok(value, value_len))
		return fg_error_set(FG_EDATA, "invalid UTF-8 or NUL byte in kind '%s'",
		                    fg_error_quote(q, sizeof(q), kind, kind_len));
	if (kind_len > cfg->max_field_len || value_len > cfg->max_field_len)
		return fg_error_set(FG_EDATA, "field of %zu bytes longer than %u (kind '%s')",
		                    kind_len > value_len ? kind_len : value_len, cfg->max_field_len,
		                    fg_error_quote(q, sizeof(q), kind, kind_len));
	kind = trim(kind, &kind_len);
	value = trim(value, &value_len);
	if (kind_len == 0 || value_len == 0) {
		*why = kind_len == 0 ? "empty kind" : "empty value";
		return 0;
	}
	/*
	 * Run's row path: the readers trim and lower-case the kind, then
	 * fg_config_normalise_value resolves the kind alias, normalises the value
	 * by its kind's class (email, phone, address) and says whether it is a
	 * placeholder, with the served run's own --kind-alias / --ignore-value.
	 */
	{
		char *lk = fg_strndup(kind, kind_len);
		const char *canon;
		size_t clen, vlen;

		if (!lk || !(v = fg_malloc(value_len + 1))) {
			fg_free(lk);
			return fg_error_set(FG_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < kind_len; i++)
			if (lk[i] >= 'A' && lk[i] <= 'Z')
				lk[i] = (char)(lk[i] + ('a' - 'A'));
		if (!fg_config_normalise_value(v, &vlen, &canon, &clen, cfg, lk, kind_len, value, value_len)) {
			fg_free(lk);
			fg_free(v);
			*why = "placeholder value";
			return 0;
		}
		v[vlen] = '\0';
		k = fg_strndup(canon, clen);
		fg_free(lk);
		if (!k) {
			fg_free(v);
			return fg_error_set(FG_ENOMEM, "out of memory");
		}
	}
	*kind_out = k;
	*value_out = v;
	return 1;
}

static int push_item(item **arr, size_t *n, char *kind, char *value, const char *why)
{
	item *p = fg_reallocarray(*arr, *n + 1, sizeof(item));

	if (!p) {
		fg_free(kind);
		fg_free(value);
		return fg_error_set(FG_ENOMEM, "out of memory");
	}
	*arr = p;
	p[*n].kind = kind;
	p[*n].value = value;
	p[*n].why = why;
	(*n)++;
	return FG_OK;
}

static bool has_item(const item *arr, size_t n, const char *kind, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arr[i].kind, kind) && !strcmp(arr[i].value, value))
			return true;
	return false;
}

#define PARSE_FAIL(st, ...)                                     \
	do {                                                    \
		*status = (st);                                 \
		rc = fg_error_set((st) == 422 ? FG_EDATA : FG_EUSAGE, __VA_ARGS__); \
		goto cleanup;                                   \
	} while (0)

/*
 * One element of "entities" ({"kind","value"}) or "links" ({"kind","user_id"}):
 * normalised, then filed as an entity, a link (a relation kind, wherever it
 * was given: run reads such a row as a user-user link), or dropped.
 */
static int add_element(fg_serve_request *r, int *status, const fg_config *cfg, json_t *el,
                       bool is_link, size_t idx)
{
	const char *field = is_link ? "user_id" : "value", *list = is_link ? "links" : "entities";
	json_t *jk = json_object_get(el, "kind"), *jv = json_object_get(el, field);
	char *kind = NULL, *value = NULL;
	const char *why;
	int rc, kept;

	if (!json_is_object(el))
		PARSE_FAIL(400, "%s[%zu] is not an object", list, idx);
	if (!json_is_string(jk))
		PARSE_FAIL(400, "%s[%zu].kind is missing or not a string", list, idx);
	if (!json_is_string(jv))
		PARSE_FAIL(400, "%s[%zu].%s is missing or not a string", list, idx, field);
	kept = fg_serve_normalise(&kind, &value, &why, cfg, json_string_value(jk), json_string_length(jk),
	                          json_string_value(jv), json_string_length(jv));
	if (kept < 0) {
		*status = kept == FG_ENOMEM ? 500 : 422;
		rc = kept;
		goto cleanup;
	}
	if (kept == 0) {
		char *k = fg_strndup(json_string_value(jk), json_string_length(jk));
		char *v = fg_strndup(json_string_value(jv), json_string_length(jv));

		if (!k || !v) {
			fg_free(k);
			fg_free(v);
			*status = 500;
			rc = fg_error_set(FG_ENOMEM, "out of memory");
			goto cleanup;
		}
		rc = push_item(&r->dropped, &r->n_dropped, k, v, why);
		goto cleanup;
	}
	if (fg_config_is_relation(cfg, kind)) {
		if (!strcmp(value, r->user_id)) {
			rc = push_item(&r->dropped, &r->n_dropped, kind, value, "self link");
			kind = value = NULL;
		} else if (has_item(r->link, r->n_link, kind, value)) {
			rc = FG_OK; /* a duplicate, as run de-duplicates rows */
		} else {
			rc = push_item(&r->link, &r->n_link, kind, value, NULL);
			kind = value = NULL;
		}
	} else if (is_link) {
		PARSE_FAIL(422, "links[%zu].kind '%.40s' is not a user relation kind of this run", idx, kind);
	} else if (has_item(r->ent, r->n_ent, kind, value)) {
		rc = FG_OK;
	} else {
		rc = push_item(&r->ent, &r->n_ent, kind, value, NULL);
		kind = value = NULL;
	}
	if (rc)
		*status = 500;
cleanup:
	fg_free(kind);
	fg_free(value);
	return rc;
}

int fg_serve_request_parse(fg_serve_request **out, int *status, const fg_config *cfg,
                           const char *body, size_t len)
{
	fg_serve_request *r = NULL;
	fg_config defaults;
	json_error_t jerr;
	json_t *root = NULL, *uid, *ents, *links, *attrs;
	char q[64];
	int rc = FG_OK;

	*out = NULL;
	*status = 200;
	if (!cfg) {
		fg_config_init(&defaults);
		cfg = &defaults;
	}
	if (len > FG_SERVE_MAX_BODY)
		PARSE_FAIL(413, "request body of %zu bytes over the limit of %u", len, FG_SERVE_MAX_BODY);
	root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson's text may quote the input ("near 'x'"): cut it, logs never show the body */
		char *near = strstr(jerr.text, " near ");

		if (near)
			*near = '\0';
		PARSE_FAIL(400, "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(root))
		PARSE_FAIL(400, "the request is not a JSON object");
	uid = json_object_get(root, "user_id");
	if (!json_is_string(uid))
		PARSE_FAIL(400, "user_id is missing or not a string");
	ents = json_object_get(root, "entities");
	links = json_object_get(root, "links");
	attrs = json_object_get(root, "attributes");
	if (ents && !json_is_array(ents) && !json_is_null(ents))
		PARSE_FAIL(400, "entities is not an array");
	if (links && !json_is_array(links) && !json_is_null(links))
		PARSE_FAIL(400, "links is not an array");
	if (attrs && !json_is_object(attrs) && !json_is_null(attrs))
		PARSE_FAIL(400, "attributes is not an object");
	if (json_array_size(ents) > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu entities in one request, the limit is %d", json_array_size(ents),
		           FG_SERVE_MAX_ITEMS);
	if (json_array_size(links) > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu links in one request, the limit is %d", json_array_size(links),
		           FG_SERVE_MAX_ITEMS);
	if (!(r = fg_calloc(1, sizeof(*r)))) {
		*status = 500;
		rc = fg_error_set(FG_ENOMEM, "out of memory");
		goto cleanup;
	}
	{
		size_t n = json_string_length(uid);
		const char *p = json_string_value(uid);

		if (n > cfg->max_field_len)
			PARSE_FAIL(422, "user_id of %zu bytes longer than %u", n, cfg->max_field_len);
		p = trim(p, &n);
		if (n == 0)
			PARSE_FAIL(400, "user_id is empty");
		if (!utf8_ok(p, n))
			PARSE_FAIL(422, "user_id '%s' holds a NUL byte", fg_error_quote(q, sizeof(q), p, n));
		if (!(r->user_id = fg_strndup(p, n))) {
			*status = 500;
			rc = fg_error_set(FG_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	for (size_t i = 0; i < json_array_size(ents); i++)
		if ((rc = add_element(r, status, cfg, json_array_get(ents, i), false, i)))
			goto cleanup;
	for (size_t i = 0; i < json_array_size(links); i++)
		if ((rc = add_element(r, status, cfg, json_array_get(links, i), true, i)))
			goto cleanup;
	if (r->n_link > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu links in one request (with the entities of relation kinds), the limit is %d",
		           r->n_link, FG_SERVE_MAX_ITEMS);
	r->n_attrs = json_object_size(attrs);
	if (r->n_attrs > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu attributes in one request, the limit is %d", r->n_attrs, FG_SERVE_MAX_ITEMS);
	if (r->n_attrs) {
		const char *key;
		json_t *val;

		r->attr_name = fg_calloc(r->n_attrs, sizeof(char *));
		r->attr_val = fg_calloc(r->n_attrs, sizeof(double));
		if (!r->attr_name || !r->attr_val) {
			*status = 500;
			rc = fg_error_set(FG_ENOMEM, "out of memory");
			goto cleanup;
		}
		/* numbers only: the model's attributes are the users input's numeric columns */
		json_object_foreach(attrs, key, val) {
			if (!json_is_number(val))
				continue;
			if (!(r->attr_name[r->n_num] = fg_strndup(key, strlen(key)))) {
				*status = 500;
				rc = fg_error_set(FG_ENOMEM, "out of memory");
				goto cleanup;
			}
			r->attr_val[r->n_num++] = json_number_value(val);
		}
	}
	*out = r;
	r = NULL;
cleanup:
	json_decref(root);
	fg_serve_request_free(&r);
	return rc;
}

/* ---- JSON helpers ------------------------------------------------------- */

/* A string for JSON: as is if valid UTF-8, else with bytes escaped (never fails on data). */
static json_t *jstr(const char *s)
{
	char buf[256];

	if (!s)
		return json_null();
	if (utf8_ok(s, strlen(s)))
		return json_string(s);
	return json_string(fg_error_quote(buf, sizeof(buf), s, strlen(s)));
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static void jset(bool *ok, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v) != 0)
		*ok = false;
}

static void jpush(bool *ok, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) != 0)
		*ok = false;
}

/* Copy of s cut to at most max bytes at a UTF-8 boundary, "..." appended if cut. */
static void clip(char *out, size_t cap, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (max + 4 > cap)
		max = cap - 4;
	if (n <= max) {
		memcpy(out, s, n + 1);
		return;
	}
	while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	memcpy(out, s, max);
	memcpy(out + max, "...", 4);
}

static int reply_json(fg_serve_reply *out, int status, json_t *root, bool ok)
{
	char *body = ok ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;

	json_decref(root);
	if (!body) {
		out->status = 500;
		out->body = NULL;
		out->len = 0;
		out->allow = NULL;
		return fg_error_set(FG_ENOMEM, "out of memory building the answer");
	}
	out->status = status;
	out->body = body;
	out->len = strlen(body);
	out->allow = NULL;
	return FG_OK;
}

int fg_serve_error_reply(fg_serve_reply *out, int status, const char *msg)
{
	json_t *root = json_object(), *e = json_object();
	bool ok = root && e;

	if (ok) {
		jset(&ok, e, "status", json_integer(status));
		jset(&ok, e, "message", jstr(msg));
		jset(&ok, root, "error", e);
	} else {
		json_decref(e);
	}
	if (reply_json(out, status, root, ok) == FG_OK)
		return FG_OK;
	/* out of memory: a static answer, still JSON */
	out->body = strdup("{\"error\":{\"status\":500,\"message\":\"out of memory\"}}");
	out->status = 500;
	out->len = out->body ? strlen(out->body) : 0;
	return FG_ENOMEM;
}

static json_t *user_ref(const fg_snapshot *s, uint32_t u)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	jset(&ok, o, "user_id", jstr(S(s, s->u_id[u])));
	jset(&ok, o, "label", label_names[s->u_label[u]] ? json_string(label_names[s->u_label[u]]) : json_null());
	jset(&ok, o, "score", jnum(s->u_score[u]));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *kind_of_entity(const fg_snapshot *s, uint32_t e)
{
	return S(s, s->kind[s->e_kind[e]]);
}

/* ---- POST /v1/score ----------------------------------------------------- */

enum { EV_NEW, EV_SHARED, EV_HUB, EV_WOULD_HUB, EV_KNOWN_USER, EV_UNKNOWN_USER };
static const char *const ev_status[] = { "new", "shared", "hub", "hub", "known", "unknown" };

typedef struct ev {
	const item *it;
	bool is_link;
	int status;
	uint32_t target;   /* entity or user index, NONE32 */
	uint32_t share;    /* users of the entity in the run (without this account) */
	uint32_t cap;      /* the kind's hub cap */
	double w;          /* tie weight, 0 if no evidence */
	uint32_t n_fraud;  /* known fraud among the entity's users / the linked user */
} ev;

typedef struct nb {
	uint32_t user, item;
	double w;
	uint8_t hop;
} nb;

typedef struct tied {
	uint32_t user, via; /* via: the evidence item of the strongest tie */
	double tie, viaw;
	uint8_t hop;
} tied;

typedef struct seedhit {
	uint32_t seed, via; /* via: the tied user it is reached through, NONE32 if direct */
	uint32_t hops;
} seedhit;

typedef struct ringhit {
	uint32_t ring;
	double tie, part;
	uint32_t users;
	uint32_t first_item;
	uint32_t n_items;
} ringhit;

static int cmp_nb(const void *a, const void *b)
{
	const nb *x = a, *y = b;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return (x->item > y->item) - (x->item < y->item);
}

static int cmp_seed_by_hops(const void *a, const void *b)
{
	const seedhit *x = a, *y = b;

	if (x->hops != y->hops)
		return x->hops < y->hops ? -1 : 1;
	return (x->seed > y->seed) - (x->seed < y->seed);
}

static int cmp_ringhit(const void *a, const void *b)
{
	const ringhit *x = a, *y = b;

	if (x->part != y->part)
		return x->part > y->part ? -1 : 1;
	return (x->ring > y->ring) - (x->ring < y->ring);
}

static double saturate(double tie)
{
	return 1.0 - exp(-tie / TIE_SCALE);
}

/* Users of entity e in the snapshot's adjacency (non-hub entities only). */
static void ent_users(const fg_snapshot *s, uint32_t e, const uint32_t **p, size_t *n)
{
	*p = s->eu_adj + s->eu_off[e];
	*n = s->eu_off[e + 1] - s->eu_off[e];
}

static bool list_has(const uint32_t *p, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && p[lo] == x;
}

typedef struct scratch {
	ev *evs;
	nb *nbs;
	tied *td;
	seedhit *sh;
	ringhit *rh;
	uint32_t *set;   /* seeds already in sh (add_seed) */
	size_t set_cap;
	size_t n_evs, n_nbs, n_td, n_sh, cap_sh, n_rh;
	bool truncated;
} scratch;

static void scratch_free(scratch *x)
{
	fg_free(x->evs);
	fg_free(x->nbs);
	fg_free(x->td);
	fg_free(x->sh);
	fg_free(x->set);
	fg_free(x->rh);
}

/*
 * Record seed reached in `hops` through `via`, keeping per seed the fewest
 * hops, then the smallest via (a total order: the answer does not depend on
 * the order of the expansion).  A small open-addressing set of seed indexes
 * (slot = position in x->sh + 1) de-duplicates as it goes: a ring's seeds are
 * reached through every member, so the raw hit list is many times longer.
 */
static int add_seed(scratch *x, uint32_t seed, uint32_t hops, uint32_t via)
{
	size_t i;

	if (2 * (x->n_sh + 1) > x->set_cap) {
		size_t cap = x->set_cap ? x->set_cap * 2 : 64;
		uint32_t *set = fg_calloc(cap, sizeof(uint32_t));

		if (!set)
			return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
		for (size_t k = 0; k < x->n_sh; k++) {
			size_t j = (x->sh[k].seed * 0x9E3779B1u) & (cap - 1);

			while (set[j])
				j = (j + 1) & (cap - 1);
			set[j] = (uint32_t)k + 1;
		}
		fg_free(x->set);
		x->set = set;
		x->set_cap = cap;
	}
	for (i = (seed * 0x9E3779B1u) & (x->set_cap - 1); x->set[i]; i = (i + 1) & (x->set_cap - 1)) {
		seedhit *h = &x->sh[x->set[i] - 1];

		if (h->seed == seed) {
			if (hops < h->hops || (hops == h->hops && via < h->via)) {
				h->hops = hops;
				h->via = via;
			}
			return FG_OK;
		}
	}
	if (x->n_sh == x->cap_sh) {
		size_t cap = x->cap_sh ? x->cap_sh * 2 : 64;
		seedhit *p = fg_reallocarray(x->sh, cap, sizeof(*p));

		if (!p)
			return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
		x->sh = p;
		x->cap_sh = cap;
	}
	x->set[i] = (uint32_t)x->n_sh + 1;
	x->sh[x->n_sh++] = (seedhit){ seed, via, hops };
	return FG_OK;
}

/* Evidence items: every entity and link of the request looked up. */
static int gather(scratch *x, const fg_snapshot *s, const fg_serve_request *r, uint32_t self)
{
	size_t n_items = r->n_ent + r->n_link, cap_nb = 0;

	x->evs = fg_calloc(n_items ? n_items : 1, sizeof(ev));
	if (!x->evs)
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	for (size_t i = 0; i < n_items; i++) {
		ev *v = &x->evs[x->n_evs++];
		const uint32_t *us = NULL;
		size_t nu = 0;

		v->is_link = i >= r->n_ent;
		v->it = v->is_link ? &r->link[i - r->n_ent] : &r->ent[i];
		v->target = NONE32;
		if (v->is_link) {
			uint32_t o = find_user(s, v->it->value, strlen(v->it->value));

			v->status = o == NONE32 ? EV_UNKNOWN_USER : EV_KNOWN_USER;
			v->target = o;
			if (o == NONE32)
				continue;
			v->w = s->cfg.relation_weight;
			v->n_fraud = s->u_label[o] == LBL_FRAUD;
			us = &v->target;
			nu = 1;
		} else {
			uint32_t e = find_entity(s, v->it->kind, v->it->value, strlen(v->it->value));
			uint32_t share1;

			v->cap = fg_config_kind_max_share(&s->cfg, v->it->kind);
			v->target = e;
			if (e == NONE32) {
				v->status = EV_NEW;
				continue;
			}
			v->share = s->e_share[e];
			if (s->e_hub[e]) {
				v->status = EV_HUB;
				continue;
			}
			ent_users(s, e, &us, &nu);
			share1 = v->share + (self != NONE32 && list_has(us, nu, self) ? 0 : 1);
			if (share1 > v->cap) {
				v->status = EV_WOULD_HUB;
				continue;
			}
			v->status = EV_SHARED;
			v->w = fg_config_kind_weight(&s->cfg, v->it->kind) / log2(1.0 + share1);
			for (size_t j = 0; j < nu; j++)
				v->n_fraud += s->u_label[us[j]] == LBL_FRAUD;
		}
		for (size_t j = 0; j < nu; j++) {
			if (us[j] == self)
				continue;
			if (x->n_nbs >= MAX_NEIGHBOURS) {
				x->truncated = true;
				break;
			}
			if (x->n_nbs == cap_nb) {
				size_t cap = cap_nb ? cap_nb * 2 : 64;
				nb *p = fg_reallocarray(x->nbs, cap, sizeof(nb));

				if (!p)
					return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
				x->nbs = p;
				cap_nb = cap;
			}
			x->nbs[x->n_nbs++] = (nb){ us[j], (uint32_t)i, v->w, (uint8_t)(v->is_link ? 1 : 2) };
		}
	}
	/* merge per user: tie = sum of weights, hop = the closest, via = the heaviest item */
	if (x->n_nbs)
		qsort(x->nbs, x->n_nbs, sizeof(nb), cmp_nb);
	x->td = fg_mallocarray(x->n_nbs ? x->n_nbs : 1, sizeof(tied));
	if (!x->td)
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	for (size_t i = 0; i < x->n_nbs; i++) {
		const nb *b = &x->nbs[i];

		if (x->n_td && x->td[x->n_td - 1].user == b->user) {
			tied *t = &x->td[x->n_td - 1];

			t->tie += b->w;
			if (b->hop < t->hop)
				t->hop = b->hop;
			if (b->w > t->viaw) {
				t->via = b->item;
				t->viaw = b->w;
			}
		} else {
			x->td[x->n_td++] = (tied){ b->user, b->item, b->w, b->w, b->hop };
		}
	}
	return FG_OK;
}

/* Rings the account would join: tie of a ring = the items touching its members, each once. */
static int rings_joined(scratch *x, const fg_snapshot *s)
{
	/* (ring, item) pairs from the merged neighbours' items; few: sort and fold */
	size_t n = 0;
	nb *pairs = fg_mallocarray(x->n_nbs ? x->n_nbs : 1, sizeof(nb));

	if (!pairs)
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	for (size_t i = 0; i < x->n_nbs; i++) {
		int32_t g = s->u_ring[x->nbs[i].user];

		if (g >= 0)
			pairs[n++] = (nb){ (uint32_t)g, x->nbs[i].item, x->nbs[i].w, 0 };
	}
	if (n)
		qsort(pairs, n, sizeof(nb), cmp_nb);
	x->rh = fg_calloc(n ? n : 1, sizeof(ringhit));
	if (!x->rh) {
		fg_free(pairs);
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	}
	for (size_t i = 0; i < n; i++) {
		bool new_ring = i == 0 || pairs[i].user != pairs[i - 1].user;
		bool new_item = new_ring || pairs[i].item != pairs[i - 1].item;
		ringhit *h;

		if (new_ring) {
			h = &x->rh[x->n_rh++];
			h->ring = pairs[i].user;
			h->first_item = pairs[i].item;
		}
		h = &x->rh[x->n_rh - 1];
		if (new_item) {
			h->tie += pairs[i].w;
			h->n_items++;
		}
	}
	for (size_t i = 0; i < x->n_td; i++) {
		int32_t g = s->u_ring[x->td[i].user];

		for (size_t j = 0; g >= 0 && j < x->n_rh; j++)
			if (x->rh[j].ring == (uint32_t)g)
				x->rh[j].users++;
	}
	for (size_t j = 0; j < x->n_rh; j++) {
		double rs = s->rings[x->rh[j].ring].score;

		x->rh[j].part = (isfinite(rs) ? rs : 0.0) * saturate(x->rh[j].tie);
	}
	if (x->n_rh)
		qsort(x->rh, x->n_rh, sizeof(ringhit), cmp_ringhit);
	fg_free(pairs);
	return FG_OK;
}

/* Known fraud within two user-to-user steps: the tied users, then their neighbours. */
static int seeds_near(scratch *x, const fg_snapshot *s, uint32_t self)
{
	size_t budget = MAX_EXPAND;
	int rc;

	for (size_t i = 0; i < x->n_td; i++) {
		const tied *t = &x->td[i];

		if (s->u_label[t->user] == LBL_FRAUD && (rc = add_seed(x, t->user, t->hop, NONE32)))
			return rc;
		for (uint32_t a = s->ue_off[t->user]; a < s->ue_off[t->user + 1]; a++) {
			uint32_t e = s->ue_adj[a];

			if (s->e_hub[e])
				continue;
			for (uint32_t b = s->eu_off[e]; b < s->eu_off[e + 1]; b++) {
				uint32_t v = s->eu_adj[b];

				if (!budget--) {
					x->truncated = true;
					goto done;
				}
				if (v != self && v != t->user && s->u_label[v] == LBL_FRAUD &&
				    (rc = add_seed(x, v, t->hop + 2u, t->user)))
					return rc;
			}
		}
		for (uint32_t b = s->uu_off[t->user]; b < s->uu_off[t->user + 1]; b++) {
			uint32_t v = s->uu_adj[b];

			if (!budget--) {
				x->truncated = true;
				goto done;
			}
			if (v != self && s->u_label[v] == LBL_FRAUD && (rc = add_seed(x, v, t->hop + 1u, t->user)))
				return rc;
		}
	}
done:
	if (x->n_sh)
		qsort(x->sh, x->n_sh, sizeof(seedhit), cmp_seed_by_hops);
	return FG_OK;
}

static void add_reason(bool *ok, json_t *reasons, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void add_reason(bool *ok, json_t *reasons, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	jpush(ok, reasons, jstr(buf));
}

/* The request's items as the feature kernels read them (vertices of the model's graph). */
static uint32_t model_items(fg_features_item *items, const fg_snapshot *s, const scratch *x)
{
	const serve_model *m = s->model;
	uint32_t n = 0;

	for (size_t i = 0; i < x->n_evs; i++) {
		const ev *v = &x->evs[i];

		if (v->is_link) {
			/* a link to a user the run does not know, or one without stored links: no neighbour */
			if (v->target != NONE32 && m->user_g[v->target] >= 0)
				items[n++] = (fg_features_item){ m->user_g[v->target], 0, 0.0, 0 };
		} else if (v->target != NONE32 && m->ent_g[v->target] >= 0) {
			items[n++] = (fg_features_item){ m->ent_g[v->target], 0, 0.0, 0 };
		} else {
			items[n++] = (fg_features_item){ -1, (int)fg_kind_class_of(v->it->kind),
			                                 fg_config_kind_weight(&s->cfg, v->it->kind),
			                                 fg_config_kind_max_share(&s->cfg, v->it->kind) };
		}
	}
	return n;
}

/*
 * The entity a reason of feature `name` names: among the request's entities
 * of the feature's classes (hubs for hub_seeds), the one with the most known
 * fraud (folds in mask excluded), ties by the run's entity order; none
 * without known fraud, as fg_features_top_entity.
 */
static bool model_reason_entity(fg_model_entity *out, const fg_snapshot *s, const scratch *x,
                                const char *name, unsigned mask)
{
	const serve_model *m = s->model;
	const fg_graph *g = m->g;
	int kcs[FG_KC_N], nk = fg_model_reason_classes(kcs, name);
	int64_t best = -1;
	uint32_t bn = 0;
	const ev *bv = NULL;

	for (size_t i = 0; nk && i < x->n_evs; i++) {
		const ev *v = &x->evs[i];
		int64_t gv;
		uint32_t e, ns;
		bool match = false, hub;

		if (v->is_link || v->target == NONE32 || (gv = m->ent_g[v->target]) < 0)
			continue;
		e = (uint32_t)(gv - g->n_users);
		hub = g->ent_hub[e] || v->status == EV_WOULD_HUB;
		for (int c = 0; c < nk && !match; c++)
			match = kcs[c] < 0 ? hub : (int)fg_kind_class_of(v->it->kind) == kcs[c];
		if (!match || !(ns = fg_features_entity_seeds(m->f, e, mask)))
			continue;
		if (ns > bn || (ns == bn && gv < best)) {
			bn = ns;
			best = gv;
			bv = v;
		}
	}
	if (!bv)
		return false;
	*out = (fg_model_entity){ bv->it->kind, bv->it->value,
	                          g->ent_share[best - g->n_users], bn,
	                          g->ent_hub[best - g->n_users] || bv->status == EV_WOULD_HUB };
	return true;
}

/*
 * The learned score of a request: its row on last night's graph
 * (fg_features_row_new; an existing user's own row when it sends its stored
 * links), the booster of its fold (the fold of its id, as the run scored
 * users), the top SHAP contributions as reasons in explain's words.
 * *out: the answer's "model" object; *score: the probability.
 */
static int model_answer(json_t **out, double *score, const fg_snapshot *s,
                        const fg_serve_request *r, const scratch *x, uint32_t self)
{
	const serve_model *m = s->model;
	const uint32_t nc = fg_features_count(m->f), na = fg_features_n_attrs(m->f);
	fg_features_item *items = fg_mallocarray(x->n_evs ? x->n_evs : 1, sizeof(*items));
	float *row = fg_mallocarray(nc, sizeof(float)), *contrib = fg_mallocarray((size_t)nc + 1, sizeof(float));
	float *attrs = NULL, p = 0.0f;
	unsigned k = fg_features_fold_of(r->user_id), mask = 1u << k;
	int64_t gself = self != NONE32 ? m->user_g[self] : -1;
	uint32_t top[FG_MODEL_REASONS], n;
	json_t *o = json_object(), *rs = json_array();
	bool ok = o && rs;
	int rc = FG_OK, nt;

	*out = NULL;
	if (!items || !row || !contrib || !ok || (na && r->n_num && !(attrs = fg_mallocarray(na, sizeof(float))))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request with the model");
		goto cleanup;
	}
	n = model_items(items, s, x);
	for (uint32_t a = 0; attrs && a < na; a++) {
		const char *name = fg_features_name(m->f, m->attr0 + a) + 5; /* after "attr_" */
		attrs[a] = NAN;
		for (size_t i = 0; i < r->n_num; i++)
			if (!strcmp(r->attr_name[i], name))
				attrs[a] = (float)r->attr_val[i];
	}
	if ((rc = fg_features_row_new(row, m->f, items, n, gself, attrs, mask)) ||
	    (rc = fg_model_predict_row(&p, NULL, m->m, k, row)))
		goto cleanup;
	/* reasons as the run gives them: for a score of at least FG_MODEL_REASON_MIN */
	if (p >= FG_MODEL_REASON_MIN && (rc = fg_model_predict_row(&p, contrib, m->m, k, row)))
		goto cleanup;
	*score = p;
	jset(&ok, o, "score", jnum(p));
	jset(&ok, o, "booster", json_integer(k));
	nt = p >= FG_MODEL_REASON_MIN ? fg_model_top_contributions(top, contrib, nc, FG_MODEL_REASONS) : 0;
	for (int i = 0; i < nt; i++) {
		const char *name = fg_features_name(m->f, top[i]);
		fg_model_entity e;
		char text[200];
		json_t *ro = json_object();
		bool has_e = model_reason_entity(&e, s, x, name, mask);

		fg_model_reason_text(text, sizeof(text), name, row[top[i]], contrib[top[i]], has_e ? &e : NULL);
		if (ro) {
			jset(&ok, ro, "feature", json_string(name));
			jset(&ok, ro, "value", isnan(row[top[i]]) ? json_null() : jnum(row[top[i]]));
			jset(&ok, ro, "contribution", jnum(contrib[top[i]]));
			jset(&ok, ro, "text", jstr(text));
		}
		jpush(&ok, rs, ro);
	}
	jset(&ok, o, "reasons", rs);
	rs = NULL;
	if (!ok) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request with the model");
		goto cleanup;
	}
	*out = o;
	o = NULL;
cleanup:
	json_decref(o);
	json_decref(rs);
	fg_free(items);
	fg_free(row);
	fg_free(contrib);
	fg_free(attrs);
	return rc;
}

static int score_request(fg_serve_reply *out, const fg_snapshot *s, const fg_serve_request *r)
{
	scratch x;
	json_t *root = json_object(), *arr, *o, *reasons = json_array();
	uint32_t self = find_user(s, r->user_id, strlen(r->user_id));
	double risk_part = 0.0, ring_part = 0.0, score, model_score = 0.0;
	json_t *mo = NULL;
	uint32_t nearest = NONE32, nearest_hops = UINT32_MAX;
	char v1[96], v2[96];
	bool ok = root && reasons;
	int rc;

	memset(&x, 0, sizeof(x));
	if (!ok) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request");
		goto fail;
	}
	if ((rc = gather(&x, s, r, self)) || (rc = rings_joined(&x, s)) || (rc = seeds_near(&x, s, self)))
		goto fail;

	for (size_t i = 0; i < x.n_td; i++) {
		const tied *t = &x.td[i];
		double base = s->u_label[t->user] == LBL_FRAUD ? 1.0 : s->u_risk_norm[t->user];
		double p = base * saturate(t->tie);

		if (p > risk_part)
			risk_part = p;
		if (s->u_hops[t->user] >= 0) {
			uint32_t h = t->hop + (uint32_t)s->u_hops[t->user];
			uint32_t sd = s->u_label[t->user] == LBL_FRAUD ? t->user : s->u_nearest[t->user];

			if (sd != NONE32 && sd != self &&
			    (h < nearest_hops || (h == nearest_hops && sd < nearest))) {
				nearest_hops = h;
				nearest = sd;
			}
		}
	}
	if (x.n_rh)
		ring_part = x.rh[0].part;
	score = 1.0 - (1.0 - risk_part) * (1.0 - ring_part);
	if (score < 0)
		score = 0;
	if (score > 1)
		score = 1;

	if (s->model && (rc = model_answer(&mo, &model_score, s, r, &x, self)))
		goto fail;
	jset(&ok, root, "format", json_string("fraudgraph.score/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, root, "user_id", jstr(r->user_id));
	jset(&ok, root, "score", jnum(mo ? model_score : score));
	jset(&ok, root, "rule_score", jnum(score));
	o = json_object();
	if (o) {
		jset(&ok, o, "risk", jnum(risk_part));
		jset(&ok, o, "ring", jnum(ring_part));
	}
	jset(&ok, root, "factors", o);
	jset(&ok, root, "model", mo ? mo : json_null());
	mo = NULL;
	if (self != NONE32) {
		o = user_ref(s, self);
		if (o && s->u_ring[self] >= 0)
			jset(&ok, o, "ring_key", jstr(S(s, s->rings[s->u_ring[self]].key)));
		else if (o)
			jset(&ok, o, "ring_key", json_null());
		jset(&ok, root, "known_user", o);
	} else {
		jset(&ok, root, "known_user", json_null());
	}

	/* rings */
	arr = json_array();
	for (size_t j = 0; arr && j < x.n_rh; j++) {
		const ring_rec *g = &s->rings[x.rh[j].ring];

		o = json_object();
		if (o) {
			jset(&ok, o, "ring_key", jstr(S(s, g->key)));
			jset(&ok, o, "ring_score", jnum(g->score));
			jset(&ok, o, "status", jstr(S(s, g->status)));
			jset(&ok, o, "n_users", json_integer(g->counts[0]));
			jset(&ok, o, "shared_users", json_integer(x.rh[j].users));
			jset(&ok, o, "tie", jnum(x.rh[j].tie));
			jset(&ok, o, "join_score", jnum(x.rh[j].part));
		}
		jpush(&ok, arr, o);
	}
	jset(&ok, root, "rings", arr);

	/* components, in component_id order */
	arr = json_array();
	if (arr && s->n_comps) {
		uint32_t *cs = fg_mallocarray(x.n_td ? x.n_td : 1, sizeof(uint32_t));
		size_t nc = 0;

		if (!cs) {
			json_decref(arr);
			rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request");
			goto fail;
		}
		for (size_t i = 0; i < x.n_td; i++)
			if (s->u_comp[x.td[i].user] >= 0)
				cs[nc++] = (uint32_t)s->u_comp[x.td[i].user];
		if (nc)
			qsort(cs, nc, sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < nc; i++) {
			size_t k = i;
			const comp_rec *c = &s->comps[cs[i]];

			while (k + 1 < nc && cs[k + 1] == cs[i])
				k++;
			o = json_object();
			if (o) {
				jset(&ok, o, "component_id", json_integer(c->component_id));
				jset(&ok, o, "component_score", jnum(c->score));
				jset(&ok, o, "n_users", json_integer(c->n_users));
				jset(&ok, o, "shared_users", json_integer((json_int_t)(k - i + 1)));
			}
			jpush(&ok, arr, o);
			i = k;
		}
		fg_free(cs);
	}
	jset(&ok, root, "components", arr);

	/* known fraud */
	arr = json_array();
	for (size_t i = 0; arr && i < x.n_sh; i++) {
		o = json_object();
		if (o) {
			jset(&ok, o, "user_id", jstr(S(s, s->u_id[x.sh[i].seed])));
			jset(&ok, o, "hops", json_integer(x.sh[i].hops));
			jset(&ok, o, "via", x.sh[i].via == NONE32 ? json_null() : jstr(S(s, s->u_id[x.sh[i].via])));
		}
		jpush(&ok, arr, o);
	}
	jset(&ok, root, "known_fraud", arr);
	if (nearest != NONE32) {
		o = json_object();
		if (o) {
			jset(&ok, o, "user_id", jstr(S(s, s->u_id[nearest])));
			jset(&ok, o, "hops", json_integer(nearest_hops));
		}
		jset(&ok, root, "nearest_seed", o);
	} else {
		jset(&ok, root, "nearest_seed", json_null());
	}

	/* entities, links, hubs as given */
	{
		json_t *ents = json_array(), *links = json_array(), *hubs = json_array(), *drop = json_array();

		for (size_t i = 0; i < x.n_evs; i++) {
			const ev *v = &x.evs[i];

			o = json_object();
			if (!o) {
				ok = false;
				continue;
			}
			jset(&ok, o, "kind", jstr(v->it->kind));
			jset(&ok, o, v->is_link ? "user_id" : "value", jstr(v->it->value));
			jset(&ok, o, "status", json_string(ev_status[v->status]));
			if (v->is_link) {
				if (v->target != NONE32) {
					jset(&ok, o, "label", label_names[s->u_label[v->target]]
					                       ? json_string(label_names[s->u_label[v->target]]) : json_null());
					jset(&ok, o, "score", jnum(s->u_score[v->target]));
				}
				jpush(&ok, links, o);
				continue;
			}
			jset(&ok, o, "share", json_integer(v->share));
			jset(&ok, o, "hub", json_boolean(v->status == EV_HUB || v->status == EV_WOULD_HUB));
			jset(&ok, o, "weight", jnum(v->w));
			jset(&ok, o, "known_fraud", json_integer(v->n_fraud));
			jpush(&ok, ents, o);
			if (v->status == EV_HUB || v->status == EV_WOULD_HUB) {
				json_t *h = json_object();

				if (h) {
					jset(&ok, h, "kind", jstr(v->it->kind));
					jset(&ok, h, "value", jstr(v->it->value));
					jset(&ok, h, "share", json_integer(v->share));
					jset(&ok, h, "max_share", json_integer(v->cap));
				}
				jpush(&ok, hubs, h);
			}
		}
		for (size_t i = 0; drop && i < r->n_dropped; i++) {
			o = json_object();
			if (o) {
				jset(&ok, o, "kind", jstr(r->dropped[i].kind));
				jset(&ok, o, "value", jstr(r->dropped[i].value));
				jset(&ok, o, "reason", json_string(r->dropped[i].why));
			}
			jpush(&ok, drop, o);
		}
		jset(&ok, root, "entities", ents);
		jset(&ok, root, "links", links);
		jset(&ok, root, "hubs", hubs);
		jset(&ok, root, "ignored", drop);
	}

	/* reasons: rings, nearest fraud, shared entities, direct links, hubs (explain's words) */
	for (size_t j = 0; j < x.n_rh; j++) {
		const ring_rec *g = &s->rings[x.rh[j].ring];
		const ev *v = &x.evs[x.rh[j].first_item];

		clip(v1, sizeof(v1), v->it->value, 40);
		if (v->is_link)
			add_reason(&ok, reasons, "would join ring %s (score %.3f, %lld users): %s to %s, one of its members%s",
			           S(s, g->key), g->score, (long long)g->counts[0], v->it->kind, v1,
			           x.rh[j].n_items > 1 ? ", and more" : "");
		else
			add_reason(&ok, reasons, "would join ring %s (score %.3f, %lld users): %s %s%s shared with %u of its members",
			           S(s, g->key), g->score, (long long)g->counts[0], v->it->kind, v1,
			           x.rh[j].n_items > 1 ? " and more" : "", x.rh[j].users);
	}
	if (nearest != NONE32) {
		clip(v1, sizeof(v1), S(s, s->u_id[nearest]), 40);
		add_reason(&ok, reasons, "nearest known fraud %s, %u hops", v1, nearest_hops);
	}
	for (size_t i = 0; i < x.n_evs; i++) {
		const ev *v = &x.evs[i];

		clip(v1, sizeof(v1), v->it->value, 40);
		if (v->status == EV_SHARED) {
			if (v->n_fraud)
				add_reason(&ok, reasons, "%s %s (shared by %u users, %u known fraud)", v->it->kind,
				           v1, v->share, v->n_fraud);
			else
				add_reason(&ok, reasons, "%s %s (shared by %u users)", v->it->kind, v1, v->share);
		} else if (v->status == EV_KNOWN_USER) {
			const char *lb = label_names[s->u_label[v->target]];

			add_reason(&ok, reasons, "%s to %s (%s, score %.3f)", v->it->kind, v1, lb ? lb : "unknown",
			           s->u_score[v->target]);
		}
	}
	for (size_t i = 0; i < x.n_evs; i++) {
		const ev *v = &x.evs[i];

		clip(v1, sizeof(v1), v->it->value, 40);
		if (v->status == EV_HUB)
			add_reason(&ok, reasons, "%s %s (hub: shared by %u users, kept out of rings)", v->it->kind,
			           v1, v->share);
		else if (v->status == EV_WOULD_HUB)
			add_reason(&ok, reasons, "%s %s (hub: shared by %u users with this account, above %u, kept out of rings)",
			           v->it->kind, v1, v->share + 1, v->cap);
	}
	if (x.n_td == 0) {
		clip(v2, sizeof(v2), r->user_id, 40);
		add_reason(&ok, reasons, "no identifier or user of %s is shared with a user of run %lld", v2,
		           (long long)s->run_id);
	}
	jset(&ok, root, "reasons", reasons);
	reasons = NULL;
	jset(&ok, root, "truncated", json_boolean(x.truncated));
	scratch_free(&x);
	return reply_json(out, 200, root, ok);
fail:
	scratch_free(&x);
	json_decref(root);
	json_decref(reasons);
	json_decref(mo);
	return rc;
}

/* ---- GET answers -------------------------------------------------------- */

static json_t *ring_json(const fg_snapshot *s, uint32_t gi, bool *ok)
{
	const ring_rec *g = &s->rings[gi];
	json_t *o = json_object(), *f = json_object(), *c = json_object();

	if (!o || !f || !c) {
		json_decref(o);
		json_decref(f);
		json_decref(c);
		*ok = false;
		return NULL;
	}
	jset(ok, o, "ring_id", json_integer(g->ring_id));
	jset(ok, o, "ring_key", jstr(S(s, g->key)));
	jset(ok, o, "status", jstr(S(s, g->status)));
	jset(ok, o, "first_run_id", g->first_run_id >= 0 ? json_integer(g->first_run_id) : json_null());
	jset(ok, o, "component_id", g->comp >= 0 ? json_integer(s->comps[g->comp].component_id) : json_null());
	jset(ok, o, "ring_score", jnum(g->score));
	for (int i = 0; i < FG_SNAP_RING_NFACTORS; i++)
		jset(ok, f, fg_snap_ring_factor_names[i], jnum(g->factors[i]));
	for (int i = 0; i < FG_SNAP_RING_NCOUNTS; i++)
		jset(ok, c, fg_snap_ring_count_names[i], json_integer(g->counts[i]));
	jset(ok, o, "factors", f);
	jset(ok, o, "counts", c);
	return o;
}

static int answer_user(fg_serve_reply *out, const fg_snapshot *s, const char *id)
{
	uint32_t u = find_user(s, id, strlen(id));
	json_t *root, *o, *arr, *reasons;
	bool ok = true;
	char msg[160], v1[96];

	if (u == NONE32) {
		clip(v1, sizeof(v1), id, 60);
		snprintf(msg, sizeof(msg), "user '%s' is not in run %lld", v1, (long long)s->run_id);
		return fg_serve_error_reply(out, 404, msg);
	}
	root = json_object();
	o = user_ref(s, u);
	reasons = json_array();
	if (!root || !o || !reasons) {
		json_decref(o);
		json_decref(reasons);
		return reply_json(out, 500, root, false);
	}
	jset(&ok, root, "format", json_string("fraudgraph.user/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, o, "risk", jnum(s->u_risk[u]));
	jset(&ok, o, "risk_norm", jnum(s->u_risk_norm[u]));
	jset(&ok, o, "risk_pct", jnum(s->u_risk_pct[u]));
	jset(&ok, o, "component_id", s->u_comp[u] >= 0 ? json_integer(s->comps[s->u_comp[u]].component_id) : json_null());
	jset(&ok, o, "ring_id", s->u_ring[u] >= 0 ? json_integer(s->rings[s->u_ring[u]].ring_id) : json_null());
	jset(&ok, o, "ring_key", s->u_ring[u] >= 0 ? jstr(S(s, s->rings[s->u_ring[u]].key)) : json_null());
	jset(&ok, o, "nearest_seed", s->u_nearest[u] != NONE32 ? jstr(S(s, s->u_id[s->u_nearest[u]])) : json_null());
	jset(&ok, o, "seed_hops", s->u_hops[u] >= 0 ? json_integer(s->u_hops[u]) : json_null());
	jset(&ok, o, "created_at", s->u_created[u] != INT64_MIN ? json_integer(s->u_created[u]) : json_null());
	jset(&ok, root, "user", o);
	jset(&ok, root, "ring", s->u_ring[u] >= 0 ? ring_json(s, (uint32_t)s->u_ring[u], &ok) : json_null());
	if (s->u_ring[u] >= 0) {
		const ring_rec *g = &s->rings[s->u_ring[u]];

		add_reason(&ok, reasons, "ring %s (score %.3f, %lld users, %lld known fraud)", S(s, g->key),
		           g->score, (long long)g->counts[0], (long long)g->counts[1]);
	}
	if (s->u_nearest[u] != NONE32 && s->u_hops[u] >= 0) {
		clip(v1, sizeof(v1), S(s, s->u_id[s->u_nearest[u]]), 40);
		add_reason(&ok, reasons, "nearest known fraud %s, %d hops", v1, s->u_hops[u]);
	}
	arr = json_array();
	for (uint32_t a = s->ue_off[u]; arr && a < s->ue_off[u + 1]; a++) {
		uint32_t e = s->ue_adj[a];
		json_t *evj = json_object(), *others = json_array();
		size_t listed = 0, total = 0;

		if (!evj || !others) {
			json_decref(evj);
			json_decref(others);
			ok = false;
			break;
		}
		jset(&ok, evj, "entity_id", json_integer(s->e_eid[e]));
		jset(&ok, evj, "kind", jstr(kind_of_entity(s, e)));
		jset(&ok, evj, "value", jstr(S(s, s->e_value[e])));
		jset(&ok, evj, "share", json_integer(s->e_share[e]));
		jset(&ok, evj, "hub", json_boolean(s->e_hub[e]));
		for (uint32_t b = s->eu_off[e]; b < s->eu_off[e + 1]; b++) {
			if (s->eu_adj[b] == u)
				continue;
			total++;
			if (listed < FG_SERVE_MAX_LIST) {
				jpush(&ok, others, user_ref(s, s->eu_adj[b]));
				listed++;
			}
		}
		jset(&ok, evj, "others", others);
		jset(&ok, evj, "more", json_integer(s->e_hub[e] ? (json_int_t)s->e_share[e] - 1 : (json_int_t)(total - listed)));
		jpush(&ok, arr, evj);
		clip(v1, sizeof(v1), S(s, s->e_value[e]), 40);
		if (s->e_hub[e])
			add_reason(&ok, reasons, "%s %s (hub: shared by %u users, kept out of rings)",
			           kind_of_entity(s, e), v1, s->e_share[e]);
		else if (s->e_share[e] >= 2)
			add_reason(&ok, reasons, "%s %s (shared by %u users)", kind_of_entity(s, e), v1, s->e_share[e]);
	}
	jset(&ok, root, "evidence", arr);
	arr = json_array();
	for (uint32_t b = s->uu_off[u]; arr && b < s->uu_off[u + 1]; b++) {
		json_t *l = json_object();

		if (l) {
			jset(&ok, l, "kind", jstr(S(s, s->kind[s->uu_kind[b]])));
			jset(&ok, l, "user", user_ref(s, s->uu_adj[b]));
		}
		jpush(&ok, arr, l);
	}
	jset(&ok, root, "user_links", arr);
	jset(&ok, root, "reasons", reasons);
	return reply_json(out, 200, root, ok);
}

static int answer_ring(fg_serve_reply *out, const fg_snapshot *s, const char *key)
{
	uint32_t g = find_ring_key(s, key, strlen(key));
	json_t *root, *arr;
	bool ok = true;
	char msg[160], v1[96];
	uint32_t *m = NULL;
	size_t n;

	if (g == NONE32) {
		clip(v1, sizeof(v1), key, 60);
		snprintf(msg, sizeof(msg), "ring '%s' is not in run %lld", v1, (long long)s->run_id);
		return fg_serve_error_reply(out, 404, msg);
	}
	root = json_object();
	arr = json_array();
	if (!root || !arr) {
		json_decref(arr);
		return reply_json(out, 500, root, false);
	}
	jset(&ok, root, "format", json_string("fraudgraph.ring/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, root, "ring", ring_json(s, g, &ok));
	/* members by score, highest first (ties: user id) */
	n = s->ring_off[g + 1] - s->ring_off[g];
	m = fg_mallocarray(n ? n : 1, sizeof(uint32_t));
	if (!m) {
		json_decref(arr);
		return reply_json(out, 500, root, false);
	}
	memcpy(m, s->ring_users + s->ring_off[g], n * sizeof(uint32_t));
	for (size_t i = 1; i < n; i++) { /* insertion sort: rings are small, and it is stable */
		uint32_t x = m[i];
		size_t j = i;

		while (j > 0 && s->u_score[m[j - 1]] < s->u_score[x]) {
			m[j] = m[j - 1];
			j--;
		}
		m[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		jpush(&ok, arr, user_ref(s, m[i]));
	fg_free(m);
	jset(&ok, root, "members", arr);
	return reply_json(out, 200, root, ok);
}

static int answer_entity(fg_serve_reply *out, const fg_snapshot *s, const char *path)
{
	const char *slash = strchr(path, '/'), *why;
	char *kind = NULL, *value = NULL;
	char msg[200], v1[96];
	uint32_t e;
	json_t *root, *o, *users, *rings;
	bool ok = true;
	int kept;

	if (!slash || slash == path || !slash[1])
		return fg_serve_error_reply(out, 404, "expected /v1/entities/{kind}/{value}");
	kept = fg_serve_normalise(&kind, &value, &why, &s->cfg, path, (size_t)(slash - path), slash + 1,
	                          strlen(slash + 1));
	if (kept < 0)
		return fg_serve_error_reply(out, kept == FG_ENOMEM ? 500 : 422, fg_error_msg());
	if (kept == 0)
		return fg_serve_error_reply(out, 404, why);
	e = find_entity(s, kind, value, strlen(value));
	if (e == NONE32) {
		clip(v1, sizeof(v1), value, 60);
		snprintf(msg, sizeof(msg), "%.32s '%s' is not in run %lld (entities of lone users are not stored)",
		         kind, v1, (long long)s->run_id);
		fg_free(kind);
		fg_free(value);
		return fg_serve_error_reply(out, 404, msg);
	}
	fg_free(kind);
	fg_free(value);
	root = json_object();
	o = json_object();
	users = json_array();
	rings = json_array();
	if (!root || !o || !users || !rings) {
		json_decref(o);
		json_decref(users);
		json_decref(rings);
		return reply_json(out, 500, root, false);
	}
	jset(&ok, root, "format", json_string("fraudgraph.entity/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, o, "entity_id", json_integer(s->e_eid[e]));
	jset(&ok, o, "kind", jstr(kind_of_entity(s, e)));
	jset(&ok, o, "value", jstr(S(s, s->e_value[e])));
	jset(&ok, o, "share", json_integer(s->e_share[e]));
	jset(&ok, o, "hub", json_boolean(s->e_hub[e]));
	jset(&ok, o, "max_share", json_integer(fg_config_kind_max_share(&s->cfg, kind_of_entity(s, e))));
	jset(&ok, o, "component_id", s->e_comp[e] >= 0 ? json_integer(s->comps[s->e_comp[e]].component_id) : json_null());
	jset(&ok, root, "entity", o);
	{
		size_t listed = 0, total = 0;
		uint32_t seen[16];
		size_t n_seen = 0;

		for (uint32_t b = s->eu_off[e]; b < s->eu_off[e + 1]; b++) {
			uint32_t u = s->eu_adj[b];
			int32_t g = s->u_ring[u];

			total++;
			if (listed < FG_SERVE_MAX_LIST) {
				jpush(&ok, users, user_ref(s, u));
				listed++;
			}
			if (g >= 0) {
				bool dup = false;

				for (size_t k = 0; k < n_seen; k++)
					dup |= seen[k] == (uint32_t)g;
				if (!dup && n_seen < 16) {
					json_t *r = json_object();

					seen[n_seen++] = (uint32_t)g;
					if (r) {
						jset(&ok, r, "ring_key", jstr(S(s, s->rings[g].key)));
						jset(&ok, r, "ring_score", jnum(s->rings[g].score));
					}
					jpush(&ok, rings, r);
				}
			}
		}
		jset(&ok, root, "users", users);
		jset(&ok, root, "more", json_integer(s->e_hub[e] ? (json_int_t)s->e_share[e] : (json_int_t)(total - listed)));
		jset(&ok, root, "rings", rings);
	}
	return reply_json(out, 200, root, ok);
}

static int answer_healthz(fg_serve_reply *out, const fg_snapshot *s)
{
	json_t *root = json_object();
	bool ok = root != NULL;

	if (ok) {
		jset(&ok, root, "status", json_string("ok"));
		jset(&ok, root, "run_id", json_integer(s->run_id));
		jset(&ok, root, "finished_at", jstr(s->finished_at));
		jset(&ok, root, "users", json_integer((json_int_t)s->n_users));
		jset(&ok, root, "model", jstr(s->model_status));
	}
	return reply_json(out, 200, root, ok);
}

static int method_not_allowed(fg_serve_reply *out, const char *allow)
{
	char msg[80];
	int rc;

	snprintf(msg, sizeof(msg), "method not allowed; use %s", allow);
	rc = fg_serve_error_reply(out, 405, msg);
	out->allow = allow;
	return rc;
}

static const char *after_prefix(const char *url, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(url, prefix, n) == 0 ? url + n : NULL;
}

int fg_serve_answer(fg_serve_reply *out, int *endpoint, const fg_snapshot *s, const char *method,
                    const char *url, const char *body, size_t len)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	const char *rest;

	memset(out, 0, sizeof(*out));
	if (!strcmp(url, "/v1/score")) {
		fg_serve_request *r = NULL;
		int status, rc;

		*endpoint = FG_SERVE_EP_SCORE;
		if (!post)
			return method_not_allowed(out, "POST");
		rc = fg_serve_request_parse(&r, &status, &s->cfg, body, len);
		if (rc) {
			if (rc == FG_ENOMEM)
				status = 500;
			return fg_serve_error_reply(out, status, fg_error_msg());
		}
		rc = score_request(out, s, r);
		fg_serve_request_free(&r);
		if (rc)
			return fg_serve_error_reply(out, 500, fg_error_msg());
		return FG_OK;
	}
	if (!strcmp(url, "/healthz")) {
		*endpoint = FG_SERVE_EP_HEALTHZ;
		return get ? answer_healthz(out, s) : method_not_allowed(out, "GET");
	}
	if ((rest = after_prefix(url, "/v1/users/")) && *rest) {
		*endpoint = FG_SERVE_EP_USER;
		return get ? answer_user(out, s, rest) : method_not_allowed(out, "GET");
	}
	if ((rest = after_prefix(url, "/v1/rings/")) && *rest) {
		*endpoint = FG_SERVE_EP_RING;
		return get ? answer_ring(out, s, rest) : method_not_allowed(out, "GET");
	}
	if ((rest = after_prefix(url, "/v1/entities/")) && *rest) {
		*endpoint = FG_SERVE_EP_ENTITY;
		return get ? answer_entity(out, s, rest) : method_not_allowed(out, "GET");
	}
	*endpoint = FG_SERVE_EP_OTHER;
	return fg_serve_error_reply(out, 404, "no such path (see docs/serve.md)");
}

/* ---- holder and reload -------------------------------------------------- */

struct fg_serve {
	char *path;
	int reload_ms;
	bool no_model;
	pthread_mutex_t mu;        /* guards cur (the swap and the taking of a reference) */
	pthread_cond_t cv;         /* wakes the watcher to stop */
	fg_snapshot *cur;          /* holds one reference */
	fg_store *poll;            /* the watcher's connection */
	pthread_t watcher;
	bool have_watcher, stop;
	atomic_ullong reloads, failures, live;
};

static void snapshot_unref(fg_serve *sv, fg_snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		fg_snapshot_free(&s);
		atomic_fetch_sub(&sv->live, 1);
	}
}

const fg_snapshot *fg_serve_acquire(fg_serve *sv)
{
	fg_snapshot *s;

	pthread_mutex_lock(&sv->mu);
	s = sv->cur;
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&sv->mu);
	return s;
}

void fg_serve_release(fg_serve *sv, const fg_snapshot *s)
{
	snapshot_unref(sv, (fg_snapshot *)s);
}

int fg_serve_check(fg_serve *sv)
{
	fg_snapshot *s = NULL, *old;
	int64_t latest = 0, old_run;
	int rc;

	if (!sv->poll && (rc = fg_store_open(&sv->poll, sv->path, FG_STORE_READ)))
		return rc;
	if ((rc = fg_results_snapshot_latest(sv->poll, &latest))) {
		fg_store_close(&sv->poll); /* reopen next time (file replaced, disk trouble) */
		return rc;
	}
	pthread_mutex_lock(&sv->mu);
	old = sv->cur;
	pthread_mutex_unlock(&sv->mu);
	if (latest == 0 || latest == old->run_id)
		return 0;
	/* load beside the old one: requests keep being answered meanwhile */
	if ((rc = fg_snapshot_load(&s, sv->path, latest, !sv->no_model)))
		return rc;
	atomic_init(&s->refs, 1);
	atomic_fetch_add(&sv->live, 1);
	pthread_mutex_lock(&sv->mu);
	old = sv->cur;
	sv->cur = s;
	atomic_fetch_add(&sv->reloads, 1); /* with the swap: whoever sees the new run sees the count */
	pthread_mutex_unlock(&sv->mu);
	old_run = old->run_id;
	/* from here on neither old (freed by its last reference) nor s (current) is ours */
	fg_log_info("serve: run %lld loaded (%llu users, %llu entities, %.2f s); run %lld retired",
	            (long long)s->run_id, (unsigned long long)s->n_users, (unsigned long long)s->n_ents,
	            s->load_seconds, (long long)old_run);
	snapshot_unref(sv, old);
	return 1;
}

static void *watch(void *arg)
{
	fg_serve *sv = arg;

	pthread_mutex_lock(&sv->mu);
	while (!sv->stop) {
		struct timespec ts;
		int rc;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += sv->reload_ms / 1000;
		ts.tv_nsec += (long)(sv->reload_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sv->cv, &sv->mu, &ts);
		if (sv->stop)
			break;
		pthread_mutex_unlock(&sv->mu);
		rc = fg_serve_check(sv);
		if (rc < 0) {
			atomic_fetch_add(&sv->failures, 1);
			fg_log_warn("serve: reload failed, still serving the previous run: %s", fg_error_msg());
		}
		pthread_mutex_lock(&sv->mu);
	}
	pthread_mutex_unlock(&sv->mu);
	return NULL;
}

int fg_serve_open(fg_serve **out, const fg_serve_opts *o)
{
	fg_serve *sv = NULL;
	int rc;

	*out = NULL;
	if (!(sv = fg_calloc(1, sizeof(*sv))) || !(sv->path = fg_strndup(o->db_path, strlen(o->db_path)))) {
		fg_free(sv);
		return fg_error_set(FG_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&sv->mu, NULL);
	pthread_cond_init(&sv->cv, NULL);
	sv->reload_ms = o->reload_ms;
	sv->no_model = o->no_model;
	atomic_init(&sv->reloads, 0);
	atomic_init(&sv->failures, 0);
	atomic_init(&sv->live, 0);
	if ((rc = fg_snapshot_load(&sv->cur, sv->path, 0, !sv->no_model)))
		goto fail;
	atomic_init(&sv->cur->refs, 1);
	atomic_store(&sv->live, 1);
	if (sv->reload_ms > 0) {
		if (pthread_create(&sv->watcher, NULL, watch, sv) != 0) {
			rc = fg_error_set(FG_ERROR, "serve: cannot start the reload thread");
			goto fail;
		}
		sv->have_watcher = true;
	}
	*out = sv;
	return FG_OK;
fail:
	fg_serve_close(&sv);
	return rc;
}

void fg_serve_close(fg_serve **svp)
{
	fg_serve *sv;

	if (!svp || !(sv = *svp))
		return;
	if (sv->have_watcher) {
		pthread_mutex_lock(&sv->mu);
		sv->stop = true;
		pthread_cond_signal(&sv->cv);
		pthread_mutex_unlock(&sv->mu);
		pthread_join(sv->watcher, NULL);
	}
	if (sv->cur)
		snapshot_unref(sv, sv->cur);
	fg_store_close(&sv->poll);
	pthread_mutex_destroy(&sv->mu);
	pthread_cond_destroy(&sv->cv);
	fg_free(sv->path);
	fg_free(sv);
	*svp = NULL;
}

void fg_serve_get_stats(fg_serve_stats *out, fg_serve *sv)
{
	out->reloads = atomic_load(&sv->reloads);
	out->reload_failures = atomic_load(&sv->failures);
	out->live_snapshots = atomic_load(&sv->live);
}
