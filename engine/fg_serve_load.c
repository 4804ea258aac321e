/*
 * fg_serve_load: one committed run into a snapshot.  The store's reader
 * (src/fg_results_snapshot.c) calls back once per row, in key order, inside
 * one read transaction; the callbacks fill the snapshot's arrays and arena;
 * fg_serve_index.c then builds the indexes and adjacencies.  Also the run's
 * parameters (runs.params) into the snapshot's fg_config, the snapshot's
 * byte count and its free.  See fg_serve.h.
 */
#include "fg_serve_internal.h"

#include "fg_kinds.h"
#include "fg_log.h"
#include "fg_store.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

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
	fg_serve_model_free(&s->model);
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
	double t_users, t_index; /* clock at the first user row, at the user index (the load's log line) */
} load_ctx;

static int index_users(load_ctx *lc)
{
	double t = fg_clock();
	int rc = fg_serve_index_users(lc->s);

	lc->users_indexed = true;
	lc->t_index = fg_clock() - t;
	lc->t_users = t - lc->t_users;
	return rc;
}

static int lc_run(void *c, const fg_snap_run_row *r) { return on_run(((load_ctx *)c)->s, r); }
static int lc_comp(void *c, const fg_snap_component_row *r) { return on_component(((load_ctx *)c)->s, r); }
static int lc_ring(void *c, const fg_snap_ring_row *r) { return on_ring(((load_ctx *)c)->s, r); }

static int lc_user(void *c, const fg_snap_user_row *r)
{
	load_ctx *lc = c;

	if (lc->s->n_users == 0)
		lc->t_users = fg_clock();
	return on_user(lc->s, r);
}

static int lc_entity(void *c, const fg_snap_entity_row *r)
{
	load_ctx *lc = c;
	int rc;

	if (!lc->users_indexed && (rc = index_users(lc)))
		return rc;
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

	if (!lc->users_indexed && (rc = index_users(lc)))
		return rc;
	return on_link(lc->s, r);
}

int fg_snapshot_load(fg_snapshot **out, const char *path, int64_t run_id, bool with_model)
{
	fg_store *st = NULL;
	fg_snapshot *s = NULL;
	load_ctx lc;
	double t0 = fg_clock(), c0 = cpu_seconds(), t_read, c_read;
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
	memset(&lc, 0, sizeof(lc));
	lc.s = s;
	if ((rc = fg_results_snapshot_read(st, path, run_id, with_model ? &sink : &sink_rules, &lc)))
		goto cleanup;
	if (!lc.users_indexed && (rc = index_users(&lc)))
		goto cleanup;
	t_read = fg_clock() - t0;
	c_read = cpu_seconds();
	if ((rc = fg_serve_index_build(s)))
		goto cleanup;
	s->path = NULL; /* the caller's string; not kept */
	s->bytes = snapshot_bytes(s);
	s->load_seconds = fg_clock() - t0;
	fg_log_info("serve: run %lld loaded in %.2f s (%.2f s of CPU): tables read in %.2f s (%.2f s of CPU; "
	            "user_scores %.2f s), the user index %.2f s, indexes and adjacencies %.2f s, the model's "
	            "side %.2f s (%.2f s of CPU)", (long long)s->run_id, s->load_seconds, cpu_seconds() - c0,
	            t_read - lc.t_index, c_read - c0, lc.t_users, lc.t_index,
	            s->load_seconds - t_read - s->model_seconds, s->model_seconds, s->model_cpu);
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

