/*
 * The write-back of a run: every results table, inside the run's single
 * transaction (with --threads >= 2 the graph tables on a thread of their own
 * while the kernels run: fg_run_write_start), through the store's prepared multi-row inserts (every value
 * bound), and the output digest: a hash of the scored output (user scores
 * and rings) that is identical for any thread count and any order of input
 * rows.  The JSON columns (runs.inputs, runs.bad_rows, rings.prev_keys) are
 * written here too.
 */
#include "fg_run.h"
#include "fg_run_internal.h"

#include "fg_alloc.h"
#include "fg_bfs.h"
#include "fg_error.h"
#include "fg_hash.h"
#include "fg_kinds.h"
#include "fg_log.h"
#include "fg_par.h"
#include "fg_prefetch.h"
#include "fg_sbuf.h"
#include "fg_search.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The output digest: fixed-width little-endian fields, strings with their NUL. */
static void dg_u64(fg_hash128 *h, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	fg_hash128_update(h, b, 8);
}

static void dg_f64(fg_hash128 *h, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	dg_u64(h, bits);
}

static void dg_str(fg_hash128 *h, const char *s)
{
	fg_hash128_update(h, s, strlen(s) + 1);
}

static const char *label_text(const fg_run *r, uint32_t u)
{
	if (r->holdout[u])
		return "holdout";
	switch (r->g->user_label[u]) {
	case FG_LABEL_FRAUD: return "fraud";
	case FG_LABEL_LEGIT: return "legit";
	default: return NULL;
	}
}

static int bulk_end(fg_bulk **b, int rc)
{
	int rc2 = fg_store_bulk_end(b);

	return rc != FG_OK ? rc : rc2;
}

/*
 * An array the phase table may hold sparse (fg_run.c hold), read through
 * its held entry for [from, n) if it has one (elements below from are in the
 * array itself), else whole.  The pairs stay put until fg_run.c gives the
 * array back, which it does only after fg_run_write_join, so the writer
 * thread may read them while scoring or the model phase runs (nothing holds
 * or gives back meanwhile: each phase holds before it starts the thread and
 * joins the thread before the next phase holds).  Reads in increasing index order are a merge; a smaller
 * index than the last starts over.
 */
typedef struct held_reader {
	const unsigned char *whole; /* the array: all of it, or below h.from when held */
	fg_run_held h;              /* a copy of its held entry (h.n_val == 0, h.from == SIZE_MAX: none) */
	size_t k, last;             /* the next pair to look at; the last index read */
	size_t width;
} held_reader;

/* True when element from of the array can be read (whole, or held from there). */
static bool held_reader_init(held_reader *x, const fg_run *r, void **arr, size_t width,
                             size_t from)
{
	memset(x, 0, sizeof(*x));
	x->whole = *arr;
	x->width = width;
	x->h.from = SIZE_MAX;
	for (int i = 0; i < r->n_held; i++)
		if (r->held[i].arr == arr && r->held[i].from == from)
			x->h = r->held[i];
	return x->h.from != SIZE_MAX || x->whole;
}

static const void *held_at(held_reader *x, size_t i)
{
	if (i < x->h.from)
		return x->whole + i * x->width;
	if (i < x->last)
		x->k = 0;
	x->last = i;
	while (x->k < x->h.n_val && x->h.at[x->k] < i)
		x->k++;
	if (x->k < x->h.n_val && x->h.at[x->k] == i)
		return (const unsigned char *)x->h.val + x->k * x->width;
	return x->h.dflt;
}

static double held_double(held_reader *x, size_t i)
{
	double v;

	memcpy(&v, held_at(x, i), sizeof(v));
	return v;
}

/*
 * Wait until user u's score is final: the number of users whose scores are
 * final then (> u), and in *ms the model's scores (NULL: the hand-set ones
 * are the score); 0 when none will come (the run failed).
 */
static uint32_t wait_scores(fg_run *r, uint32_t u, const float **ms, double *waited)
{
	double t0 = fg_clock();
	uint32_t n;

	pthread_mutex_lock(&r->scored.mu);
	while (r->scored.state == FG_RUN_SCORED_WAIT ||
	       (r->scored.state == FG_RUN_SCORED_MODEL && r->scored.upto <= u))
		pthread_cond_wait(&r->scored.cv, &r->scored.mu);
	switch (r->scored.state) {
	case FG_RUN_SCORED_MODEL: n = r->scored.upto; break;
	case FG_RUN_SCORED_HAND: n = r->g->n_users; break;
	default: n = 0; break;
	}
	*ms = r->scored.state == FG_RUN_SCORED_MODEL ? r->model_score : NULL;
	pthread_mutex_unlock(&r->scored.mu);
	*waited += fg_clock() - t0;
	return n;
}

/*
 * user_scores, and the output digest over it.  stream: on the writer
 * thread during the model phase, each row once its score is final
 * (wait_scores), the per-user results read through their held pairs; else
 * in the write-back, all of them final and whole.  The same rows either way.
 */
static int write_user_scores(fg_run *r, fg_hash128 *dg, bool stream)
{
	static const char *const cols[] = {
		"run_id", "user_id", "label", "component_id", "ring_id", "risk", "risk_norm",
		"risk_pct", "score", "nearest_seed", "seed_hops", "created_at", "rule_score",
	};
	const fg_graph *g = r->g;
	fg_scores *s = r->scores;
	const float *ms = r->model_score;
	uint32_t ready = stream ? 0 : g->n_users;
	double waited = 0;
	held_reader risk, norm, pct, rule, dist, nearest;
	fg_bulk *b = NULL;
	int rc;

	held_reader_init(&risk, r, (void **)&r->risk, sizeof(*r->risk), 0);
	held_reader_init(&norm, r, (void **)&s->risk_norm, sizeof(double), 0);
	held_reader_init(&pct, r, (void **)&s->risk_pct, sizeof(double), 0);
	held_reader_init(&rule, r, (void **)&s->score, sizeof(double), 0);
	held_reader_init(&dist, r, (void **)&r->dist, sizeof(*r->dist), 0);
	held_reader_init(&nearest, r, (void **)&r->nearest, sizeof(*r->nearest), 0);
	if ((rc = fg_store_bulk_begin(&b, r->store, "user_scores", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint32_t u = 0; u < g->n_users && rc == FG_OK; u++) {
		const char *lab = label_text(r, u);
		bool ring = s->ring_index[u] >= 0;
		uint32_t hops, near;
		double risk_u = held_double(&risk, u), rule_u = held_double(&rule, u), score;

		if (u >= ready && !(ready = wait_scores(r, u, &ms, &waited))) {
			rc = fg_error_set(FG_ERROR, "user_scores not written: the model phase failed");
			break;
		}
		memcpy(&hops, held_at(&dist, u), sizeof(hops));
		memcpy(&near, held_at(&nearest, u), sizeof(near));
		/* the learned score when a model scored the run, else the hand-set one */
		score = ms ? (double)ms[u] : rule_u;
		fg_bulk_int(b, r->run_id);
		fg_bulk_text(b, fg_graph_user_id(g, u));
		fg_bulk_text(b, lab);
		fg_bulk_int(b, r->comp[u]);
		if (ring)
			fg_bulk_int(b, r->ring[u]);
		else
			fg_bulk_null(b);
		fg_bulk_double(b, risk_u);
		fg_bulk_double(b, held_double(&norm, u));
		fg_bulk_double(b, held_double(&pct, u));
		fg_bulk_double(b, score);
		if (hops != FG_BFS_UNREACHED) {
			fg_bulk_text(b, fg_graph_user_id(g, near));
			fg_bulk_int(b, hops);
		} else {
			fg_bulk_null(b);
			fg_bulk_null(b);
		}
		if (fg_graph_user_created(g, u) != FG_TIME_NONE)
			fg_bulk_int(b, fg_graph_user_created(g, u));
		else
			fg_bulk_null(b);
		fg_bulk_double(b, rule_u);
		rc = fg_bulk_row(b);

		dg_str(dg, fg_graph_user_id(g, u));
		dg_u64(dg, r->comp[u]);
		dg_u64(dg, ring ? r->ring[u] : UINT32_MAX);
		dg_f64(dg, risk_u);
		dg_f64(dg, score);
		dg_u64(dg, hops != FG_BFS_UNREACHED ? near : UINT32_MAX);
		dg_u64(dg, hops);
	}
	if (stream && getenv("FG_WRITE_PROFILE"))
		fprintf(stderr, "  write scores wait %7.3f s (thread)\n", waited);
	return bulk_end(&b, rc);
}

/* The score factors shared by rings and components, in the column order of both. */
#define FACTOR_COLUMNS "seed_evidence", "risk_mean", "risk_max", "sharing", "burst", \
	"size_factor", "dampener"

/* The factors, then score (a ring's: learned or hand-set; a component's: hand-set). */
static void put_factors(fg_bulk *b, const fg_group_score *x, double score)
{
	fg_bulk_double(b, x->seed_evidence);
	fg_bulk_double(b, x->risk_mean);
	fg_bulk_double(b, x->risk_max);
	fg_bulk_double(b, x->sharing);
	fg_bulk_double(b, x->burst);
	fg_bulk_double(b, x->size_factor);
	fg_bulk_double(b, x->dampener);
	fg_bulk_double(b, score);
}

/* rings.prev_keys: the keys of the rings this one came from, as a JSON list (NULL: none). */
static const char *prev_keys_json(fg_sbuf *o, const fg_run *r, const fg_ring_track *t)
{
	if (!t->n_prev)
		return NULL;
	o->len = 0;
	fg_sbuf_puts(o, "[");
	for (uint32_t i = 0; i < t->n_prev; i++) {
		if (i)
			fg_sbuf_puts(o, ",");
		fg_sbuf_json_str(o, r->prev_rings[t->prev[i]].key);
	}
	fg_sbuf_puts(o, "]");
	return o->s;
}

#define RING_CLASS_COL0 11 /* index of the first kind-class column of rings */

static int write_rings(fg_run *r, fg_hash128 *dg)
{
	static const char *const fixed[] = {
		"run_id", "ring_id", "ring_key", "status", "prev_keys", "first_run_id", "component_id",
		"n_users", "n_seeds", "n_legit", "n_entities",
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, /* the FG_KC_N class columns */
		"n_user_links", "seed_rate", FACTOR_COLUMNS, "ring_score", "rule_score",
	};
	const char *cols[NCOLS(fixed)];
	const fg_scores *s = r->scores;
	fg_bulk *b = NULL;
	fg_sbuf pk = { 0 };
	int rc;

	_Static_assert(FG_KC_N == 7, "one NULL per kind class in the rings columns");
	memcpy(cols, fixed, sizeof(cols));
	for (int c = 0; c < FG_KC_N; c++)
		cols[RING_CLASS_COL0 + c] = fg_kind_classes[c].ring_column;
	if ((rc = fg_store_bulk_begin(&b, r->store, "rings", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint32_t k = 0; k < s->n_rings && rc == FG_OK; k++) {
		const fg_group_score *x = &s->rings[k];
		const fg_ring_track *t = &r->track.rings[k];
		/* ranked by the members' learned scores when a model scored the run */
		double score = r->ring_model_score ? r->ring_model_score[k] : x->score;

		fg_bulk_int(b, r->run_id);
		fg_bulk_int(b, x->id);
		fg_bulk_text(b, t->key);
		fg_bulk_text(b, fg_ring_status_name(t->status));
		fg_bulk_text(b, prev_keys_json(&pk, r, t));
		fg_bulk_int(b, t->first_run_id);
		fg_bulk_int(b, x->component_id);
		fg_bulk_int(b, x->n_users);
		fg_bulk_int(b, x->n_seeds);
		fg_bulk_int(b, x->n_legit);
		fg_bulk_int(b, x->n_shared); /* rings.n_entities: shared by two members or more */
		for (int c = 0; c < FG_KC_N; c++)
			fg_bulk_int(b, x->n_by_class[c]);
		fg_bulk_int(b, x->n_user_links);
		fg_bulk_double(b, x->seed_rate);
		put_factors(b, x, score);
		fg_bulk_double(b, x->score);
		rc = fg_bulk_row(b);

		dg_u64(dg, x->id);
		dg_u64(dg, x->n_users);
		dg_f64(dg, score);
	}
	if (rc == FG_OK)
		rc = fg_sbuf_check(&pk);
	fg_sbuf_free(&pk);
	return bulk_end(&b, rc);
}

static int write_components(fg_run *r)
{
	static const char *const cols[] = {
		"run_id", "component_id", "n_users", "n_entities", "n_seeds", "n_rings",
		FACTOR_COLUMNS, "component_score",
	};
	const fg_scores *s = r->scores;
	fg_bulk *b = NULL;
	int rc;

	if ((rc = fg_store_bulk_begin(&b, r->store, "components", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint32_t k = 0; k < s->n_comps && rc == FG_OK; k++) {
		const fg_group_score *x = &s->comps[k];
		fg_bulk_int(b, r->run_id);
		fg_bulk_int(b, x->id);
		fg_bulk_int(b, x->n_users);
		fg_bulk_int(b, x->n_entities);
		fg_bulk_int(b, x->n_seeds);
		fg_bulk_int(b, x->n_rings);
		put_factors(b, x, x->score);
		rc = fg_bulk_row(b);
	}
	return bulk_end(&b, rc);
}

/* The index in hubs[0..n) (increasing) of the first hub >= e: e's own when it is one. */
static uint32_t hub_index(const uint32_t *hubs, uint32_t n, uint32_t e)
{
	return (uint32_t)fg_lower_bound_u32(hubs, 0, n, e);
}

/* The hubs' entity ids, increasing: one sequential pass over the entities. */
static int hub_list(uint32_t **out, uint32_t *n_out, const fg_graph *g)
{
	uint32_t n = 0, k = 0, *hubs;

	for (uint32_t e = 0; e < g->n_entities; e++)
		n += fg_graph_ent_hub(g, e) != 0;
	*n_out = n;
	if (!(*out = hubs = fg_mallocarray(n ? n : 1, sizeof(*hubs))))
		return fg_error_set(FG_ENOMEM, "out of memory for the hub list (%u)", n);
	for (uint32_t e = 0; e < g->n_entities; e++)
		if (fg_graph_ent_hub(g, e))
			hubs[k++] = e;
	return FG_OK;
}

/*
 * e's index in hubs[0..n), or n when e is not a hub: a few cache-resident
 * compares where a link scan would read each entity's class at random.
 */
static inline uint32_t hub_slot(const uint32_t *hubs, uint32_t n, uint32_t e)
{
	uint32_t h;

	if (n == 0 || e < hubs[0] || e > hubs[n - 1])
		return n;
	h = hub_index(hubs, n, e);
	return h < n && hubs[h] == e ? h : n;
}

/*
 * Hub risk for display (hubs take no part in the walk): per hub, in entity
 * order, the sum of its users' risk; the entities table divides by the
 * share.  The links are summed in their order, so each sum is the one a
 * per-entity array gave, bit for bit, in n_hubs doubles instead of
 * n_entities (2M world: 68 MiB less at the write-back).
 */
static int hub_risk(double **out, const fg_run *r)
{
	const fg_graph *g = r->g;
	uint32_t n = 0, *hubs = NULL;
	double *sum = NULL;
	held_reader risk;
	int rc;

	if ((rc = hub_list(&hubs, &n, g)) != FG_OK)
		goto cleanup;
	if (!(sum = fg_calloc(n ? n : 1, sizeof(*sum)))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for hub risk");
		goto cleanup;
	}
	/* the users' risk, held sparse while the model runs: the links come in user order */
	held_reader_init(&risk, r, (void **)&r->risk, sizeof(*r->risk), 0);
	for (uint64_t i = 0; i < g->n_links && n > 0; i++) {
		uint32_t t = g->link_target[i], h;
		if (t >= g->n_users && (h = hub_slot(hubs, n, t - g->n_users)) < n)
			sum[h] += held_double(&risk, g->link_user[i]);
	}
	*out = sum;
cleanup:
	fg_free(hubs);
	return rc;
}

static int write_hubs(fg_run *r)
{
	static const char *const cols[] = { "run_id", "kind", "value", "share", "max_share", "reason" };
	const fg_graph *g = r->g;
	fg_bulk *b = NULL;
	fg_values vr = { 0 };
	const char *v;
	int rc;

	if ((rc = fg_store_bulk_begin(&b, r->store, "hubs", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint32_t e = 0; e < g->n_entities && rc == FG_OK; e++) {
		char reason[160];
		uint16_t k = fg_graph_ent_kind(g, e);
		if (!fg_graph_ent_hub(g, e))
			continue;
		if (!(v = fg_graph_ent_value(g, e, &vr))) {
			rc = FG_ENOMEM;
			break;
		}
		snprintf(reason, sizeof(reason), "shared by %u users > max-share %u for kind %s",
		         fg_graph_ent_share(g, e), g->kind_max_share[k], g->kind_name[k]);
		fg_bulk_int(b, r->run_id);
		fg_bulk_text(b, g->kind_name[k]);
		fg_bulk_text(b, v);
		fg_bulk_int(b, fg_graph_ent_share(g, e));
		fg_bulk_int(b, g->kind_max_share[k]);
		fg_bulk_text(b, reason);
		rc = fg_bulk_row(b);
	}
	fg_graph_values_free(&vr);
	return bulk_end(&b, rc);
}

/*
 * Users per component, indexed by component label (the smallest member: a
 * user's label is a user, < n_users): what links and entity_links need of
 * the components before scoring counts them (fg_scores.comp_size, equal).
 */
static int component_users(uint32_t **out, const fg_run *r)
{
	const fg_graph *g = r->g;
	uint32_t *n = fg_calloc(g->n_users ? g->n_users : 1, sizeof(*n));

	*out = n;
	if (!n)
		return fg_error_set(FG_ENOMEM, "out of memory for the component sizes");
	for (uint32_t u = 0; u < g->n_users; u++)
		n[r->comp[u]]++;
	return FG_OK;
}

static int write_entities(fg_run *r)
{
	static const char *const cols[] = {
		"run_id", "entity_id", "kind", "value", "share", "is_hub", "risk", "component_id",
	};
	const fg_graph *g = r->g;
	fg_bulk *b = NULL;
	double *own = NULL;
	uint32_t *cu = NULL; /* users per component label: the entities of 2+ users' are written */
	const double *hr = r->hub_risk; /* taken before the links went, else now */
	held_reader risk; /* the entities' risk, held sparse while the model runs */
	fg_values vr = { 0 };
	const char *val;
	uint32_t h = 0;
	int rc;

	held_reader_init(&risk, r, (void **)&r->risk, sizeof(*r->risk), g->n_users);
	if (!hr) {
		if ((rc = hub_risk(&own, r)) != FG_OK)
			return rc;
		hr = own;
	}
	if ((rc = component_users(&cu, r)) != FG_OK ||
	    (rc = fg_store_bulk_begin(&b, r->store, "entities", cols, NCOLS(cols))) != FG_OK)
		goto cleanup;
	for (uint32_t e = 0; e < g->n_entities && rc == FG_OK; e++) {
		uint32_t v = g->n_users + e, c = r->comp[v];
		bool hub = fg_graph_ent_hub(g, e);
		double hub_sum = hub ? hr[h++] : 0.0;
		if (!hub && cu[c] < 2)
			continue;
		if (!(val = fg_graph_ent_value(g, e, &vr))) {
			rc = FG_ENOMEM;
			break;
		}
		fg_bulk_int(b, r->run_id);
		fg_bulk_int(b, e);
		fg_bulk_text(b, g->kind_name[fg_graph_ent_kind(g, e)]);
		fg_bulk_text(b, val);
		fg_bulk_int(b, fg_graph_ent_share(g, e));
		fg_bulk_int(b, hub);
		fg_bulk_double(b, hub ? (fg_graph_ent_share(g, e) ? hub_sum / fg_graph_ent_share(g, e) : 0.0)
		                      : held_double(&risk, v));
		if (hub)
			fg_bulk_null(b);
		else
			fg_bulk_int(b, c);
		rc = fg_bulk_row(b);
	}
	rc = bulk_end(&b, rc);
cleanup:
	fg_graph_values_free(&vr);
	fg_free(own);
	fg_free(cu);
	return rc;
}

/* The hub list and component sizes link_written reads. */
typedef struct link_filter {
	const uint32_t *comp, *comp_users, *hubs;
	uint32_t n_hubs;
} link_filter;

/* The links written: of users of a component of two or more, and every link to a hub. */
static bool link_written(const fg_graph *g, const link_filter *lf, uint64_t i)
{
	uint32_t t = g->link_target[i];

	return lf->comp_users[lf->comp[g->link_user[i]]] >= 2 ||
	       (t >= g->n_users && hub_slot(lf->hubs, lf->n_hubs, t - g->n_users) < lf->n_hubs);
}

/*
 * What link_written reads at random of link i: its user's component size
 * (8 MB on the 2M world) in a scan that is otherwise sequential; issued
 * LINK_AHEAD links early (a user's links share the line).
 */
#define LINK_AHEAD 32

static inline void prefetch_link(const fg_graph *g, const link_filter *lf, uint64_t i)
{
	FG_PREFETCH(&lf->comp_users[lf->comp[g->link_user[i]]]);
}

/*
 * links, keyed (run_id, user_id, link_no): the links are sorted by (user,
 * target, kind) and users are numbered in user_id byte order (SQLite's
 * BINARY order), so numbering each user's written links 0, 1, ... gives the
 * rows in key order.  The entity links written are appended to *pairs as
 * entity << 32 | user, for entity_links.
 */
static int write_links(fg_run *r, const link_filter *lf, uint64_t *pairs, uint64_t *n_pairs)
{
	static const char *const cols[] = {
		"run_id", "user_id", "link_no", "kind", "entity_id", "other_user", "first_seen",
		"last_seen",
	};
	const fg_graph *g = r->g;
	fg_bulk *b = NULL;
	uint32_t prev = UINT32_MAX;
	int64_t no = 0;
	int rc;

	*n_pairs = 0;
	if ((rc = fg_store_bulk_begin(&b, r->store, "links", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint64_t i = 0; i < g->n_links && rc == FG_OK; i++) {
		uint32_t u = g->link_user[i], t = g->link_target[i];
		int64_t seen;
		if (i + LINK_AHEAD < g->n_links)
			prefetch_link(g, lf, i + LINK_AHEAD);
		if (!link_written(g, lf, i))
			continue;
		no = u == prev ? no + 1 : 0;
		prev = u;
		fg_bulk_int(b, r->run_id);
		fg_bulk_text(b, fg_graph_user_id(g, u));
		fg_bulk_int(b, no);
		fg_bulk_text(b, g->kind_name[fg_graph_link_kind(g, i)]);
		if (t >= g->n_users) {
			fg_bulk_int(b, t - g->n_users);
			fg_bulk_null(b);
			pairs[(*n_pairs)++] = (uint64_t)(t - g->n_users) << 32 | u;
		} else {
			fg_bulk_null(b);
			fg_bulk_text(b, fg_graph_user_id(g, t));
		}
		if ((seen = fg_graph_link_first(g, i)) != FG_TIME_NONE)
			fg_bulk_int(b, seen);
		else
			fg_bulk_null(b);
		if ((seen = fg_graph_link_last(g, i)) != FG_TIME_NONE)
			fg_bulk_int(b, seen);
		else
			fg_bulk_null(b);
		rc = fg_bulk_row(b);
	}
	return bulk_end(&b, rc);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * entity_links, keyed (run_id, entity_id, user_id): the pairs sorted as
 * integers are in key order (users are numbered in user_id byte order), so
 * every night appends at the end of the B-tree.
 */
static int write_entity_links(fg_run *r, uint64_t *pairs, uint64_t n)
{
	static const char *const cols[] = { "run_id", "entity_id", "user_id" };
	fg_bulk *b = NULL;
	int rc;

	qsort(pairs, n, sizeof(*pairs), cmp_u64);
	if ((rc = fg_store_bulk_begin(&b, r->store, "entity_links", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint64_t i = 0; i < n && rc == FG_OK; i++) {
		fg_bulk_int(b, r->run_id);
		fg_bulk_int(b, (int64_t)(pairs[i] >> 32));
		fg_bulk_text(b, fg_graph_user_id(r->g, (uint32_t)pairs[i]));
		rc = fg_bulk_row(b);
	}
	return bulk_end(&b, rc);
}

/*
 * user_features: the scores' counts, the users' risk, hops and ring_score,
 * none of which the model phase writes, read through held_reader (on the
 * writer thread during the model phase they are still held sparse).
 */
static int write_features(fg_run *r)
{
	static const char *const fixed[] = {
		"run_id", "user_id", "deg_total",
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, /* the FG_KC_N class columns */
		"deg_user", "co_users", "component_size",
		"ring_size", "max_entity_share", "seed_hops", "seeds_2hop", "risk", "ring_score",
	};
	const char *cols[NCOLS(fixed)];
	const fg_graph *g = r->g;
	const fg_scores *s = r->scores;
	fg_bulk *b = NULL;
	held_reader dist, risk, ring_score;
	int rc;

	held_reader_init(&dist, r, (void **)&r->dist, sizeof(*r->dist), 0);
	held_reader_init(&risk, r, (void **)&r->risk, sizeof(*r->risk), 0);
	held_reader_init(&ring_score, r, (void **)&r->scores->ring_score, sizeof(double), 0);
	memcpy(cols, fixed, sizeof(cols));
	for (int c = 0; c < FG_KC_N; c++)
		cols[3 + c] = fg_kind_classes[c].feature_column;
	if ((rc = fg_store_bulk_begin(&b, r->store, "user_features", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint32_t u = 0; u < g->n_users && rc == FG_OK; u++) {
		const uint32_t *dc = s->deg_class + (size_t)u * FG_KC_N;
		uint32_t hops;
		fg_bulk_int(b, r->run_id);
		fg_bulk_text(b, fg_graph_user_id(g, u));
		fg_bulk_int(b, s->deg_total[u]);
		for (int c = 0; c < FG_KC_N; c++)
			fg_bulk_int(b, dc[c]);
		fg_bulk_int(b, s->deg_user[u]);
		fg_bulk_int(b, s->co_users[u]);
		fg_bulk_int(b, s->comp_size[u]);
		fg_bulk_int(b, s->ring_size[u]);
		fg_bulk_int(b, s->max_share[u]);
		memcpy(&hops, held_at(&dist, u), sizeof(hops));
		if (hops != FG_BFS_UNREACHED)
			fg_bulk_int(b, hops);
		else
			fg_bulk_null(b);
		fg_bulk_int(b, s->seeds_2hop[u]);
		fg_bulk_double(b, held_double(&risk, u));
		fg_bulk_double(b, held_double(&ring_score, u));
		rc = fg_bulk_row(b);
	}
	return bulk_end(&b, rc);
}

static int write_dissolved(fg_run *r)
{
	const fg_prev_ring *prev = r->prev_rings;
	static const char *const cols[] = {
		"run_id", "ring_key", "prev_run_id", "prev_ring_id", "prev_n_users", "reason",
	};
	fg_bulk *b = NULL;
	int rc;

	if ((rc = fg_store_bulk_begin(&b, r->store, "dissolved_rings", cols, NCOLS(cols))) != FG_OK)
		return rc;
	for (uint32_t i = 0; i < r->track.n_dissolved && rc == FG_OK; i++) {
		const fg_prev_ring *p = &prev[r->track.dissolved[i]];
		fg_bulk_int(b, r->run_id);
		fg_bulk_text(b, p->key);
		fg_bulk_int(b, r->prev_run_id);
		fg_bulk_int(b, p->ring_id);
		fg_bulk_int(b, p->n_users);
		fg_bulk_text(b, "no current ring holds at least half (or two) of its members");
		rc = fg_bulk_row(b);
	}
	return bulk_end(&b, rc);
}

/* runs.inputs: the input files and queries, as a JSON list. */
static void inputs_json(fg_sbuf *o, const fg_run *r)
{
	fg_sbuf_puts(o, "[");
	for (int i = 0; i < r->o.n_edges; i++) {
		fg_sbuf_puts(o, o->len > 1 ? ",{\"edges\":" : "{\"edges\":");
		fg_sbuf_json_str(o, r->o.edges[i]);
		fg_sbuf_puts(o, "}");
	}
	for (int i = 0; i < r->o.n_users_files; i++) {
		fg_sbuf_puts(o, o->len > 1 ? ",{\"users\":" : "{\"users\":");
		fg_sbuf_json_str(o, r->o.users[i]);
		fg_sbuf_puts(o, "}");
	}
	if (r->o.input_db) {
		fg_sbuf_puts(o, o->len > 1 ? ",{\"sqlite\":" : "{\"sqlite\":");
		fg_sbuf_json_str(o, r->o.input_db);
		if (r->o.edges_sql) {
			fg_sbuf_puts(o, ",\"edges_sql\":");
			fg_sbuf_json_str(o, r->o.edges_sql);
		}
		if (r->o.users_sql) {
			fg_sbuf_puts(o, ",\"users_sql\":");
			fg_sbuf_json_str(o, r->o.users_sql);
		}
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "]");
}

/* runs.bad_rows: per reason, the count and the first examples, as a JSON object. */
static void bad_rows_json(fg_sbuf *o, const fg_badrows *bad)
{
	bool first = true;

	fg_sbuf_puts(o, "{");
	for (int k = 0; k < FG_BAD_NREASONS; k++) {
		if (!bad->by_reason[k])
			continue;
		fg_sbuf_printf(o, "%s\"%s\":{\"count\":%llu,\"examples\":[", first ? "" : ",",
		               fg_bad_reason_name((fg_bad_reason)k), (unsigned long long)bad->by_reason[k]);
		for (int j = 0; j < FG_BAD_EXAMPLES && bad->examples[k][j][0]; j++) {
			if (j)
				fg_sbuf_puts(o, ",");
			fg_sbuf_json_str(o, bad->examples[k][j]);
		}
		fg_sbuf_puts(o, "]}");
		first = false;
	}
	fg_sbuf_puts(o, "}");
}

static int set_run_columns(fg_run *r)
{
	const fg_graph *g = r->g;
	fg_sbuf inputs = { 0 }, bad = { 0 }, kinds = { 0 }, drops = { 0 };
	uint32_t ncomp = 0;
	int rc;

	for (uint32_t u = 0; u < g->n_users; u++)
		ncomp += r->comp[u] == u;
	inputs_json(&inputs, r);
	bad_rows_json(&bad, &r->bad);
	fg_run_placeholders_json(&drops, &g->placeholders);
	if (r->kinds_json)
		fg_sbuf_puts(&kinds, r->kinds_json);
	else if ((rc = fg_run_kinds_json(&kinds, g, &r->o.cfg)) != FG_OK)
		goto cleanup;
	if (
	    (rc = fg_sbuf_check(&inputs)) != FG_OK || (rc = fg_sbuf_check(&bad)) != FG_OK ||
	    (rc = fg_sbuf_check(&kinds)) != FG_OK || (rc = fg_sbuf_check(&drops)) != FG_OK)
		goto cleanup;

#define SETI(col, v) if (rc == FG_OK) rc = fg_store_run_set_int(r->store, col, (int64_t)(v))
#define SETD(col, v) if (rc == FG_OK) rc = fg_store_run_set_double(r->store, col, (v))
#define SETT(col, v) if (rc == FG_OK) rc = fg_store_run_set_text(r->store, col, (v))
	SETT("inputs", inputs.s);
	SETT("input_digest", g->input_digest);
	SETT("output_digest", r->output_digest);
	SETI("n_rows", r->bad.rows_read);
	SETI("n_filtered", r->bad.rows_filtered);
	SETI("n_bad_rows", r->bad.total);
	SETT("bad_rows", bad.s);
	SETI("n_users", g->n_users);
	SETI("n_entities", g->n_entities);
	SETI("n_links", g->n_links);
	SETI("n_user_links", g->n_user_links);
	SETI("n_hubs", g->n_hubs);
	SETI("n_seeds", r->n_seeds);
	SETI("n_legit", g->n_legit);
	SETI("n_components", ncomp);
	SETI("n_rings", r->scores->n_rings);
	SETI("lpa_iterations", r->lpa_iterations);
	SETI("risk_iterations", r->risk_iterations);
	SETD("hub_cut_share", fg_graph_hub_cut_share(g));
	SETI("n_hub_links", g->n_hub_links);
	SETI("n_placeholders", g->placeholders.total);
	SETT("placeholders", drops.s);
	SETT("kinds", kinds.s);
	{
		int n;
		const fg_run_phase *ph = fg_run_phases(&n);
		for (int i = 0; i < n; i++)
			if (ph[i].t_column)
				SETD(ph[i].t_column, r->t[i]);
	}
#undef SETI
#undef SETD
#undef SETT
cleanup:
	fg_sbuf_free(&inputs);
	fg_sbuf_free(&bad);
	fg_sbuf_free(&kinds);
	fg_sbuf_free(&drops);
	return rc;
}

/*
 * Measurement aid: with FG_WRITE_PROFILE set in the environment, each table's
 * write time (wall and CPU: the process's on the main thread, the thread's
 * own on the writer thread, marked "(thread)") goes to stderr, e.g.
 *   FG_WRITE_PROFILE=1 fraudgraph run --db R.db --edges E.csv --top 0
 * The commit that follows prints the same line (fg_run_commit), and
 * bench/run.sh sums them: the single writer's busy time.
 */
typedef struct prof_clock {
	clockid_t clock;
	const char *tag;
	double t, cpu; /* at the last mark, t 0 before the first */
} prof_clock;

static double cpu_now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void prof(prof_clock *p, const char *what)
{
	double now = fg_clock(), c = cpu_now(p->clock);

	if (getenv("FG_WRITE_PROFILE") && p->t > 0)
		fprintf(stderr, "  write %-14s %7.3f s  cpu %7.3f s%s\n", what, now - p->t, c - p->cpu,
		        p->tag);
	p->t = now;
	p->cpu = c;
}

/* Entity links that write_links writes (the size of entity_links). */
static uint64_t count_entity_links(const fg_graph *g, const link_filter *lf)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < g->n_links; i++) {
		if (i + LINK_AHEAD < g->n_links)
			prefetch_link(g, lf, i + LINK_AHEAD);
		n += g->link_target[i] >= g->n_users && link_written(g, lf, i);
	}
	return n;
}

/*
 * The tables that depend only on the graph and the components: hubs, links,
 * entity_links.  On the writer thread or, with one thread, at the start of
 * the write-back; the same rows either way.
 */
static int write_graph_tables(fg_run *r, prof_clock *pc)
{
	uint32_t *cu = NULL, *hubs = NULL, n_hubs = 0;
	uint64_t *pairs = NULL, n_pairs, n;
	link_filter lf;
	int rc;

	if ((rc = write_hubs(r)) != FG_OK || (rc = component_users(&cu, r)) != FG_OK ||
	    (rc = hub_list(&hubs, &n_hubs, r->g)) != FG_OK)
		goto cleanup;
	prof(pc, "hubs");
	lf = (link_filter){ .comp = r->comp, .comp_users = cu, .hubs = hubs, .n_hubs = n_hubs };
	n = count_entity_links(r->g, &lf);
	if (!(pairs = fg_mallocarray(n ? n : 1, sizeof(*pairs)))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the entity links (%llu)",
		                  (unsigned long long)n);
		goto cleanup;
	}
	if ((rc = write_links(r, &lf, pairs, &n_pairs)) != FG_OK)
		goto cleanup;
	prof(pc, "links");
	/* the first night's index on links now, beside the kernels, not at the end */
	if ((rc = fg_store_build_indexes_on(r->store, "links")) != FG_OK)
		goto cleanup;
	prof(pc, "links index");
	fg_fault_point("write-graph");
	if (fg_fault_fails("write-graph")) {
		rc = fg_error_set(FG_ERROR, "fault injection: failure at write-graph");
		goto cleanup;
	}
	if ((rc = write_entity_links(r, pairs, n_pairs)) != FG_OK)
		goto cleanup;
	prof(pc, "entity_links");
	r->graph_written = true;
cleanup:
	fg_free(cu);
	fg_free(hubs);
	fg_free(pairs);
	return rc;
}

int fg_run_write_graph(fg_run *r)
{
	prof_clock pc = { CLOCK_PROCESS_CPUTIME_ID, "", 0, 0 };

	if (r->graph_written)
		return FG_OK;
	prof(&pc, "");
	return write_graph_tables(r, &pc);
}

int fg_run_write_links_done(fg_run *r)
{
	fg_sbuf kinds = { 0 };
	int rc;

	if ((rc = fg_run_digest_join(r)) != FG_OK)
		return rc;
	if (!r->graph_written || !r->g->link_target)
		return FG_OK;
	if ((rc = fg_run_kinds_json(&kinds, r->g, &r->o.cfg)) != FG_OK ||
	    (rc = fg_sbuf_check(&kinds)) != FG_OK)
		goto cleanup;
	if (!r->hub_risk && (rc = hub_risk(&r->hub_risk, r)) != FG_OK)
		goto cleanup;
	r->kinds_json = kinds.s;
	kinds.s = NULL;
	fg_graph_release_links(r->g);
cleanup:
	fg_sbuf_free(&kinds);
	return rc;
}

/*
 * The writer thread.  Invariants: from its start to fg_run_write_join only
 * the thread uses r->store (one SQLite connection, one thread at a time),
 * and it reads what its task writes (r->g's link and entity arrays and
 * r->comp; or the scores' counts, risk, hops and ring_score), which nothing
 * writes meanwhile; rc and msg are its result.
 */
struct fg_run_writer {
	pthread_t thread;
	fg_run *r;
	int (*task)(fg_run *r, prof_clock *pc);
	int rc;
	int done; /* 1 once rc and msg are set (atomic: read by fg_run_write_busy) */
	char msg[1024];
};

static void *writer_main(void *arg)
{
	struct fg_run_writer *w = arg;
	prof_clock pc = { CLOCK_THREAD_CPUTIME_ID, " (thread)", 0, 0 };

	prof(&pc, "");
	w->rc = w->task(w->r, &pc);
	/*
	 * Its pages to the WAL now, off the run's sequential end (the commit
	 * writes what is still dirty), and their memory back to the system
	 * while the kernels and the model, the run's peak, go on: the freed
	 * cache pages stay in this thread's glibc arena without the trim.
	 */
	if (w->rc == FG_OK && (w->rc = fg_store_cache_release(w->r->store)) == FG_OK) {
#if defined(__GLIBC__)
		malloc_trim(0);
#endif
		prof(&pc, "cache release");
	}
	if (w->rc != FG_OK)
		snprintf(w->msg, sizeof(w->msg), "%s", fg_error_msg());
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* FG_WRITE_THREAD=0: no thread (a measurement aid, like FG_WRITE_PROFILE). */
static bool writer_wanted(const fg_run *r)
{
	const char *env = getenv("FG_WRITE_THREAD");

	return r->store && !r->writer && fg_par_threads() >= 2 && !(env && strcmp(env, "0") == 0);
}

/* Start task on the writer thread; without a thread, FG_OK (the write-back does it). */
static int writer_spawn(fg_run *r, int (*task)(fg_run *r, prof_clock *pc))
{
	struct fg_run_writer *w;
	sigset_t all, old;
	int rc;

	if (!(w = fg_calloc(1, sizeof(*w))))
		return fg_error_set(FG_ENOMEM, "out of memory starting the write-back thread");
	w->r = r;
	w->task = task;
	/* the thread inherits a full mask: signals go to the main thread, as with one thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		/* no thread: the write-back writes these tables itself, same rows */
		fg_log_warn("write-back thread not started (%s): writing on one thread", strerror(rc));
		fg_free(w);
		return FG_OK;
	}
	r->writer = w;
	return FG_OK;
}

int fg_run_write_start(fg_run *r)
{
	/* FG_WRITE_FLUSH=0: no write-out thread (a measurement aid, like FG_WRITE_THREAD) */
	const char *env = getenv("FG_WRITE_FLUSH");
	int rc;

	if (!r->flusher && r->store && !(env && strcmp(env, "0") == 0) &&
	    (rc = fg_store_flusher_start(&r->flusher, r->o.db_path)) != FG_OK)
		return rc;
	if (!writer_wanted(r) || r->graph_written)
		return FG_OK;
	/* scoring's ring tracking reads the store: read it now, before the thread owns it */
	if ((rc = fg_run_track_load(r)) != FG_OK)
		return rc;
	return writer_spawn(r, write_graph_tables);
}

/*
 * The tables whose inputs are ready when the model phase starts (nothing of
 * them is the model's): user_features, components, entities.  Beside the
 * model phase, the run's peak of memory, with a page cache of
 * EARLY_CACHE_KIB, not 128 MiB: their pages spill to the WAL as they fill
 * (they are written there at the commit otherwise).  2M world, 2 threads:
 * peak 1175 MiB without the thread, 1257 with it at 128 MiB, 1190 at 16.
 */
#define EARLY_CACHE_KIB 16384

/*
 * entities and its index, as soon as the risk walk has given each entity
 * its risk: on the writer thread beside scoring (fg_run_write_entities_start),
 * else among the early tables.  The components' sizes come from the
 * components themselves (component_users), not from scoring.
 */
static int entities_task(fg_run *r, prof_clock *pc)
{
	int rc;

	/* the hubs' risk: the links are still here (fg_run_write_links_done then keeps it) */
	if (!r->hub_risk && (rc = hub_risk(&r->hub_risk, r)) != FG_OK)
		return rc;
	if ((rc = write_entities(r)) != FG_OK ||
	    (rc = fg_store_build_indexes_on(r->store, "entities")) != FG_OK)
		return rc;
	prof(pc, "entities");
	r->entities_written = true;
	return FG_OK;
}

static int early_task(fg_run *r, prof_clock *pc)
{
	int rc = fg_store_cache_limit(r->store, EARLY_CACHE_KIB), rc2;

	if (rc != FG_OK || (rc = write_features(r)) != FG_OK)
		goto cleanup;
	prof(pc, "user_features");
	if ((rc = write_components(r)) != FG_OK)
		goto cleanup;
	prof(pc, "components");
	if (!r->entities_written && (rc = entities_task(r, pc)) != FG_OK)
		goto cleanup;
	r->early_written = true;
	/*
	 * Then user_scores, each range of users as the model scores it (or at
	 * once with the hand-set scores): beside the scoring, not after it, on
	 * the run's sequential end.
	 */
	fg_hash128_init(&r->scores_dg);
	if ((rc = write_user_scores(r, &r->scores_dg, true)) != FG_OK ||
	    (rc = fg_store_build_indexes_on(r->store, "user_scores")) != FG_OK)
		goto cleanup;
	prof(pc, "user_scores");
	fg_fault_point("write-user-scores");
	r->scores_written = true;
cleanup:
	rc2 = fg_store_cache_limit(r->store, 0);
	return rc != FG_OK ? rc : rc2;
}

int fg_run_write_entities_start(fg_run *r)
{
	held_reader x;
	int rc;

	/* the graph tables' thread is done by now (rings, risk and evidence ran meanwhile) */
	if ((rc = fg_run_write_join(r)) != FG_OK)
		return rc;
	if (!writer_wanted(r) || r->entities_written || !r->graph_written || !r->g->link_target ||
	    !held_reader_init(&x, r, (void **)&r->risk, sizeof(*r->risk), r->g->n_users))
		return FG_OK;
	return writer_spawn(r, entities_task);
}

/* The held arrays the early tables read can be read (they were held as fg_run.c does). */
static bool early_readable(const fg_run *r)
{
	held_reader x;

	return held_reader_init(&x, r, (void **)&r->dist, sizeof(*r->dist), 0) &&
	       held_reader_init(&x, r, (void **)&r->risk, sizeof(*r->risk), 0) &&
	       held_reader_init(&x, r, (void **)&r->risk, sizeof(*r->risk), r->g->n_users) &&
	       held_reader_init(&x, r, (void **)&r->scores->ring_score, sizeof(double), 0);
}

int fg_run_write_features_start(fg_run *r)
{
	int rc;

	/* the graph tables' thread is done by now (rings, risk and scoring ran meanwhile) */
	if ((rc = fg_run_write_join(r)) != FG_OK)
		return rc;
	if (!writer_wanted(r) || r->early_written || !r->scores || !r->graph_written ||
	    !r->g->link_target || !early_readable(r))
		return FG_OK;
	return writer_spawn(r, early_task);
}

void fg_run_scored_init(fg_run *r)
{
	pthread_mutex_init(&r->scored.mu, NULL);
	pthread_cond_init(&r->scored.cv, NULL);
	r->scored.state = FG_RUN_SCORED_WAIT;
	r->scored.upto = 0;
}

void fg_run_scored_fini(fg_run *r)
{
	pthread_cond_destroy(&r->scored.cv);
	pthread_mutex_destroy(&r->scored.mu);
}

static void scored_set(fg_run *r, int state, uint32_t upto)
{
	pthread_mutex_lock(&r->scored.mu);
	r->scored.state = state;
	r->scored.upto = upto;
	pthread_cond_broadcast(&r->scored.cv);
	pthread_mutex_unlock(&r->scored.mu);
}

void fg_run_write_scored(void *run, uint32_t n)
{
	scored_set(run, FG_RUN_SCORED_MODEL, n);
}

void fg_run_write_scores_final(fg_run *r, bool ok)
{
	bool model;

	pthread_mutex_lock(&r->scored.mu);
	model = r->scored.state == FG_RUN_SCORED_MODEL && r->scored.upto == r->g->n_users;
	pthread_mutex_unlock(&r->scored.mu);
	if (!ok)
		scored_set(r, FG_RUN_SCORED_CANCEL, 0);
	else if (!model)
		scored_set(r, r->model_score ? FG_RUN_SCORED_CANCEL : FG_RUN_SCORED_HAND, 0);
}

void fg_run_write_cancel(fg_run *r)
{
	struct fg_run_writer *w = r->writer;

	scored_set(r, FG_RUN_SCORED_CANCEL, 0);
	if (!w)
		return;
	pthread_join(w->thread, NULL);
	r->writer = NULL;
	fg_free(w);
}

bool fg_run_write_busy(const fg_run *r)
{
	return r->writer && !__atomic_load_n(&r->writer->done, __ATOMIC_ACQUIRE);
}

int fg_run_write_join(fg_run *r)
{
	struct fg_run_writer *w = r->writer;
	bool waits;
	int rc;

	if (!w)
		return FG_OK;
	/* a thread that waits for scores the model phase never made final stops */
	pthread_mutex_lock(&r->scored.mu);
	waits = r->scored.state == FG_RUN_SCORED_WAIT ||
	        (r->scored.state == FG_RUN_SCORED_MODEL && r->scored.upto < r->g->n_users);
	pthread_mutex_unlock(&r->scored.mu);
	if (waits && w->task == early_task)
		scored_set(r, FG_RUN_SCORED_CANCEL, 0);
	pthread_join(w->thread, NULL);
	r->writer = NULL;
	rc = w->rc;
	if (rc != FG_OK)
		fg_error_set(rc, "%s", w->msg);
	fg_free(w);
	return rc;
}

int fg_run_write(fg_run *r)
{
	prof_clock pc = { CLOCK_PROCESS_CPUTIME_ID, "", 0, 0 };
	fg_hash128 dg;
	int rc;

	if ((rc = fg_run_write_join(r)) != FG_OK || (rc = fg_run_digest_join(r)) != FG_OK)
		return rc;
	/*
	 * The write-back reads the links, ids and per-vertex results, not the CSR:
	 * hand its memory back before SQLite's page cache grows.
	 */
	fg_graph_release_csr(r->g);
	prof(&pc, "");
	fg_fault_point("write-start");
	if (!r->graph_written && (rc = write_graph_tables(r, &pc)) != FG_OK)
		goto cleanup;
	if (r->scores_written) {
		dg = r->scores_dg;
	} else {
		fg_hash128_init(&dg);
		if ((rc = write_user_scores(r, &dg, false)) != FG_OK)
			goto cleanup;
		prof(&pc, "user_scores");
		fg_fault_point("write-user-scores");
	}
	if ((rc = write_rings(r, &dg)) != FG_OK)
		goto cleanup;
	prof(&pc, "rings");
	if (!r->early_written) {
		if ((rc = write_components(r)) != FG_OK)
			goto cleanup;
		prof(&pc, "components");
	}
	if (!r->entities_written) {
		if ((rc = write_entities(r)) != FG_OK)
			goto cleanup;
		prof(&pc, "entities");
	}
	fg_fault_point("write-rings");
	if (!r->early_written) {
		if ((rc = write_features(r)) != FG_OK)
			goto cleanup;
		prof(&pc, "user_features");
	}
	if ((rc = write_dissolved(r)) != FG_OK)
		goto cleanup;
	if ((rc = fg_run_write_model(r)) != FG_OK)
		goto cleanup;
	prof(&pc, "model tables");
	fg_fault_point("write-links");
	fg_hash128_final(&dg, r->output_digest);
	if ((rc = set_run_columns(r)) != FG_OK)
		goto cleanup;
	prof(&pc, "runs row");
	/*
	 * The indexes not built yet (the first night): user_scores_ring and the
	 * rings'.  Kept up by the inserts instead, user_scores_ring (5% of the
	 * rows) cost more than this scan after them: 2M world, user_scores and
	 * its index 0.89-0.98 against 0.83-0.86 CPU-s.
	 */
	rc = fg_store_build_indexes(r->store);
	prof(&pc, "indexes");
	fg_fault_point("write-indexes");
cleanup:
	return rc;
}
