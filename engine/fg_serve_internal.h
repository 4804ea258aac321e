/*
 * What the serve files share, and only they: engine/fg_serve.c (holder and
 * reload), fg_serve_load.c (reading a run into a snapshot), fg_serve_index.c
 * (its indexes and adjacencies), fg_serve_model.c (the learned model's side
 * of a snapshot), fg_serve_request.c (parsing a /v1/score body),
 * fg_serve_evidence.c and fg_serve_score.c (POST /v1/score),
 * fg_serve_answer.c (routing, the GET answers, JSON replies).  Not for cli/.
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
#ifndef FG_ENGINE_FG_SERVE_INTERNAL_H
#define FG_ENGINE_FG_SERVE_INTERNAL_H

#include "fg_serve.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_features.h"
#include "fg_graph.h"
#include "fg_hash.h"
#include "fg_ingest.h"
#include "fg_model.h"
#include "fg_results_snapshot.h"
#include "fg_score.h"

/*
 * jansson (request parse, GET answers, errors) and json-c (the /v1/score
 * answer, fg_serve_score.c: docs/serve.md, "Speed") declare clashing names
 * (json_object, json_object_get), so a file uses one: FG_SERVE_JSONC before
 * this header picks json-c and leaves out the jansson helpers below.
 */
#ifdef FG_SERVE_JSONC
#include <json-c/json.h>
#else
#include <jansson.h>
#endif
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define NONE32 UINT32_MAX
#define TIE_SCALE 3.0          /* tie t counts as 1 - exp(-t / 3), as the ring sharing factor */

enum { LBL_NONE = 0, LBL_FRAUD, LBL_LEGIT, LBL_HOLDOUT };

/* The label's name in answers, NULL for none. */
static inline const char *label_name(uint8_t label)
{
	static const char *const names[] = { NULL, "fraud", "legit", "holdout" };

	return label < 4 ? names[label] : NULL;
}

/* CPU seconds of the process, every thread (the load's log line says them beside the wall time). */
static inline double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- small containers --------------------------------------------------- */

typedef struct arena {
	char *buf;
	size_t len, cap;
} arena;

typedef struct htab {
	uint32_t *slot; /* index + 1; 0 empty */
	size_t mask;
} htab;

static inline int htab_init(htab *h, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 2)
		cap *= 2;
	h->slot = fg_calloc(cap, sizeof(uint32_t));
	h->mask = cap - 1;
	return h->slot ? FG_OK : fg_error_set(FG_ENOMEM, "snapshot: out of memory for an index");
}

static inline void htab_free(htab *h)
{
	fg_free(h->slot);
	h->slot = NULL;
}

/* Equal if arena string at off is exactly s[0..len). */
static inline bool str_eq(const char *arena_buf, uint32_t off, const char *s, size_t len)
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
	double model_seconds, model_cpu; /* of load_seconds: the model's side (fg_serve_model_build), wall and CPU */
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
	char model_status[448];         /* what loading the model did (healthz, logs) */
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


static inline const char *S(const fg_snapshot *s, uint32_t off)
{
	return s->str.buf + off;
}

static inline uint64_t hash_str(const char *p, size_t len, uint64_t seed)
{
	return fg_hash64(p, len, seed);
}

static inline uint32_t find_user(const fg_snapshot *s, const char *id, size_t len)
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

static inline uint32_t find_kind(const fg_snapshot *s, const char *kind)
{
	for (size_t i = 0; i < s->n_kinds; i++)
		if (!strcmp(S(s, s->kind[i]), kind))
			return (uint32_t)i;
	return NONE32;
}

static inline uint32_t find_entity(const fg_snapshot *s, const char *kind, const char *value, size_t len)
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

static inline uint32_t find_ring_key(const fg_snapshot *s, const char *key, size_t len)
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
static inline int64_t find_sorted(const void *base, size_t n, size_t sz, size_t off, int64_t id)
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

static inline int32_t find_comp(const fg_snapshot *s, int64_t id)
{
	return (int32_t)find_sorted(s->comps, s->n_comps, sizeof(comp_rec), offsetof(comp_rec, component_id), id);
}

static inline int32_t find_ring_id(const fg_snapshot *s, int64_t id)
{
	return (int32_t)find_sorted(s->rings, s->n_rings, sizeof(ring_rec), offsetof(ring_rec, ring_id), id);
}

static inline uint32_t find_entity_id(const fg_snapshot *s, int64_t id)
{
	int64_t e = find_sorted(s->e_eid, s->n_ents, sizeof(int64_t), 0, id);

	return e < 0 ? NONE32 : (uint32_t)e;
}

static inline int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
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


/* NULL-safe; clears the pointer (fg_serve_model.c). */
void fg_serve_model_free(serve_model **m);

/*
 * Build the model's side of snapshot s from its stored links and model
 * file (fg_serve_model.c).  FG_OK with s->model set, FG_OK with s->model
 * NULL and s->model_status saying why, or FG_ENOMEM.
 */
int fg_serve_model_build(fg_snapshot *s);

/* The user index, once every user is read (fg_serve_index.c). */
int fg_serve_index_users(fg_snapshot *s);

/*
 * After the last row: the entity and ring indexes, nearest seeds as user
 * indexes, the CSR adjacencies, the model's side; frees what only loading
 * needed (fg_serve_index.c).
 */
int fg_serve_index_build(fg_snapshot *s);

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
	bool explain;      /* "explain" (default true): the model's SHAP reasons */
};

/* ---- JSON helpers ------------------------------------------------------- */

#ifndef FG_SERVE_JSONC
/* A string for JSON: as is if valid UTF-8, else with bytes escaped (never fails on data). */
static inline json_t *jstr(const char *s)
{
	char buf[256];

	if (!s)
		return json_null();
	if (fg_ingest_utf8_ok(s, strlen(s)))
		return json_string(s);
	return json_string(fg_error_quote(buf, sizeof(buf), s, strlen(s)));
}

static inline json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static inline void jset(bool *ok, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v) != 0)
		*ok = false;
}

static inline void jpush(bool *ok, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) != 0)
		*ok = false;
}
#endif

/* Copy of s cut to at most max bytes at a UTF-8 boundary, "..." appended if cut. */
static inline void clip(char *out, size_t cap, const char *s, size_t max)
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

static inline const char *kind_of_entity(const fg_snapshot *s, uint32_t e)
{
	return S(s, s->kind[s->e_kind[e]]);
}

#ifndef FG_SERVE_JSONC
static inline json_t *user_ref(const fg_snapshot *s, uint32_t u)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	jset(&ok, o, "user_id", jstr(S(s, s->u_id[u])));
	jset(&ok, o, "label", label_name(s->u_label[u]) ? json_string(label_name(s->u_label[u])) : json_null());
	jset(&ok, o, "score", jnum(s->u_score[u]));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Reply with root's compact text (root consumed); 500 if !ok (fg_serve_answer.c). */
int fg_serve_reply_json(fg_serve_reply *out, int status, json_t *root, bool ok);

/* Append a formatted reason (at most 511 bytes) to the array reasons. */
void fg_serve_add_reason(bool *ok, json_t *reasons, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif /* !FG_SERVE_JSONC */

#ifdef FG_SERVE_JSONC
/*
 * json-c serializer hooks (json_object_set_serializer; fg_serve_jsonc.c):
 * a double as jansson prints it at JSON_REAL_PRECISION(6), an int64 in
 * decimal.  printbuf_memappend's result: the bytes appended, or -1.
 */
int fg_serve_jsonc_real(struct json_object *j, struct printbuf *pb, int level, int flags);
int fg_serve_jsonc_int(struct json_object *j, struct printbuf *pb, int level, int flags);
#endif

/* ---- POST /v1/score: the evidence of a request (fg_serve_evidence.c) ------- */

enum { EV_NEW, EV_SHARED, EV_HUB, EV_WOULD_HUB, EV_KNOWN_USER, EV_UNKNOWN_USER };

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

static inline double saturate(double tie)
{
	return 1.0 - exp(-tie / TIE_SCALE);
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

void fg_serve_scratch_free(scratch *x);

/* Evidence items: every entity and link of the request looked up, merged per tied user. */
int fg_serve_gather(scratch *x, const fg_snapshot *s, const fg_serve_request *r, uint32_t self);

/* Rings the account would join, strongest first. */
int fg_serve_rings_joined(scratch *x, const fg_snapshot *s);

/* Known fraud within two user-to-user steps, nearest first. */
int fg_serve_seeds_near(scratch *x, const fg_snapshot *s, uint32_t self);

/* The answer of POST /v1/score (fg_serve_score.c). */
int fg_serve_score_request(fg_serve_reply *out, const fg_snapshot *s, const fg_serve_request *r);

#endif
