/*
 * fg_graph: the in-memory user-entity graph of one run.
 *
 * Vertices: users 0 .. n_users-1, then entities n_users .. n_users+n_entities-1
 * (entity e is vertex n_users + e).  Canonical ids: users are numbered in
 * byte order of their user_id strings, entities in order of (kind name, value)
 * and kinds in byte order of their names, so ids never depend on the order of
 * input rows or on thread count.
 *
 * Links (de-duplicated input rows) are kept in arrays sorted by (user, target,
 * kind): a user-entity link has target = entity vertex; a user-user relation
 * (kind configured as relation) is stored once with user < target (both user
 * vertices), undirected.  first_seen/last_seen are min/max of seen_at over the
 * merged rows (FG_TIME_NONE if none had one).
 *
 * share(e) = number of distinct users linked to e.  An entity is a hub when
 * share(e) > its kind's max_share.  The CSR `g` holds every link except those
 * to hubs, as two arcs each: it is the connectivity that defines components
 * and rings, and what risk and evidence paths walk.
 *
 * ent_weight(e) = kind_weight / log2(1 + share(e)): rarity-weighted strength
 * of a shared entity.  User-user arcs weigh cfg->relation_weight.
 *
 * User attributes: the numeric extra columns of the users inputs (see
 * graph/fg_user_attrs.h), names in byte order, a NAN where a user has no
 * value; they enter the input digest only when there are some, so inputs
 * without extra columns keep their digests.
 *
 * Thread-safety: read-only after fg_graph_build; kernels may read it from
 * many threads.
 */
#ifndef FG_GRAPH_FG_GRAPH_H
#define FG_GRAPH_FG_GRAPH_H

#include "fg_config.h"
#include "fg_csr.h"
#include "fg_ingest.h"
#include "fg_sbuf.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Link rows dropped before interning because their value was a placeholder
 * (fg_config_is_placeholder), per canonical kind.  Kinds in byte order of
 * their names, so the counts never depend on row order; kinds past
 * FG_DROP_KINDS distinct ones (or with names too long to keep) go to n_other.
 */
#define FG_DROP_KINDS 64
typedef struct fg_placeholder_counts {
	uint64_t total;
	int n_kinds;
	char kind[FG_DROP_KINDS][FG_KIND_NAME_MAX];
	uint64_t n[FG_DROP_KINDS];
	uint64_t n_other;
} fg_placeholder_counts;

/* A class of entities: one (kind, share) pair, its hub flag and weight. */
typedef struct fg_ent_class {
	double weight;  /* kind_weight / log2(1 + share), the expression of the wide form */
	uint32_t share;
	uint16_t kind;
	uint8_t hub;    /* share > the kind's max_share */
} fg_ent_class;

typedef struct fg_graph {
	uint32_t n_users;
	uint32_t n_entities;
	uint32_t n_kinds;

	/* kinds: sorted names, with the settings in force */
	char **kind_name;        /* n_kinds, NUL-terminated */
	double *kind_weight;     /* n_kinds */
	uint32_t *kind_max_share;/* n_kinds */
	bool *kind_is_relation;  /* n_kinds */

	/*
	 * Users, index u.  Read the id and the creation time with
	 * fg_graph_user_id and fg_graph_user_created, exact in either form: the
	 * ids NUL-terminated and back to back in canonical order at user_id_base
	 * + user_id_off[u] when the block is under 4 GiB (else user_id, a
	 * pointer each); the times as 32-bit offsets from user_time_base
	 * (FG_TIME32_NONE: unknown) when they all fit (else user_created).
	 * Graphs made by hand may give the pointer and 64-bit arrays.
	 */
	const char *user_id_base;
	uint32_t *user_id_off;
	const char **user_id;    /* NUL-terminated strings (owned by a pool) */
	uint8_t *user_label;     /* fg_label */
	uint32_t *user_created32;
	int64_t user_time_base;
	int64_t *user_created;   /* FG_TIME_NONE if unknown */
	uint32_t n_attrs;        /* numeric user attributes (users input's extra columns) */
	char **attr_name;        /* n_attrs, sorted by name (order-independent); one allocation:
	                            the pointers, then the names (fg_user_attrs.c) */
	float *user_attr;        /* n_users * n_attrs, row-major; NAN = missing */

	/*
	 * Entities, index e (vertex n_users + e).  Read them with the accessors
	 * below (fg_graph_ent_kind, _share, _hub, _weight, _value), exact in
	 * either of two forms:
	 * - narrow (what fg_graph_build makes): ent_class[e] indexes ent_cls, the
	 *   distinct (kind, share) pairs in that order with their hub flag and
	 *   weight, when there are at most 65,536 (2 B an entity instead of 15);
	 *   the values front-coded in canonical order in one block under 4 GiB
	 *   at ent_value_base: runs of FG_VALUE_RUN values, run i at
	 *   ent_value_run[i], each value an entry (its common prefix with the
	 *   value before it in the run, one byte of at most FG_VALUE_LCP_MAX, 0
	 *   for a run's first; the rest, NUL-terminated).  Sorted values share
	 *   long prefixes (2M world: 189 -> 123 MB, and no pointer per entity).
	 * - wide: the per-entity arrays ent_kind, ent_share, ent_hub, ent_weight
	 *   (ent_class NULL), ent_value (ent_value_run NULL): past those bounds,
	 *   and for graphs made by hand (the tests).
	 */
	uint16_t *ent_class;
	struct fg_ent_class *ent_cls;
	uint32_t n_ent_cls;
	/*
	 * Kind k's entities are ids [ent_kind_start[k], ent_kind_start[k + 1])
	 * (n_kinds + 1 entries; fg_graph_build numbers entities in kind order):
	 * an entity's kind from a few cache-resident compares instead of a
	 * random read of its class.  NULL (graphs made by hand): read per entity.
	 */
	uint32_t *ent_kind_start;
	const char *ent_value_base; /* the pool's block of entity values */
	uint32_t *ent_value_run;
	uint16_t *ent_kind;      /* kind index */
	const char **ent_value;  /* NUL-terminated (owned by a pool) */
	uint32_t *ent_share;
	uint8_t *ent_hub;        /* 1 if hub (excluded from g) */
	double *ent_weight;
	double relation_weight;  /* weight of a user-user arc, from cfg->relation_weight */

	/* links, sorted by (user, target, kind) */
	uint64_t n_links;
	uint32_t *link_user;
	uint32_t *link_target;   /* entity vertex (>= n_users) or user vertex */
	/*
	 * A link's kind: read it with fg_graph_link_kind.  A link to an entity
	 * has the entity's kind, so only the relations' are stored: rel_link[j]
	 * the index of the j-th link to a user (ascending, n_user_links of
	 * them), rel_kind[j] its kind (link_kind NULL).  Graphs made by hand
	 * may give link_kind, every link's kind, instead.
	 */
	uint64_t *rel_link;
	uint16_t *rel_kind;
	uint16_t *link_kind;
	/*
	 * first/last seen: as 32-bit offsets from link_time_base (FG_TIME32_NONE:
	 * none) when every time fits, the 64-bit arrays NULL; else the 64-bit
	 * arrays and the 32-bit ones NULL.  Read them with fg_graph_link_first
	 * and fg_graph_link_last, exact either way.
	 */
	int64_t *link_first;
	int64_t *link_last;
	uint32_t *link_first32;
	uint32_t *link_last32;
	int64_t link_time_base;

	uint64_t n_user_links;   /* links whose target is a user */
	uint64_t n_hub_links;    /* links whose target is a hub (cut from g) */
	uint32_t n_hubs;
	uint32_t n_seeds;        /* users labelled fraud */
	uint32_t n_legit;

	fg_csr g;                /* symmetric, without hub links */
	fg_placeholder_counts placeholders; /* rows dropped for a placeholder value */

	char input_digest[33];   /* hex: order-independent digest of links + users */
	void *pool;              /* owns the strings (implementation detail) */
} fg_graph;

/* Accumulates rows from the readers; opaque. */
typedef struct fg_linkset fg_linkset;

/* A new, empty accumulator for a run with settings cfg (kept by pointer). */
int fg_linkset_new(fg_linkset **out, const fg_config *cfg);
void fg_linkset_free(fg_linkset **ls);

/*
 * A size hint before the first row: about n_entities distinct entities and
 * n_users distinct users will arrive (0: no hint), so the interning tables
 * are created at their final size instead of doubling up to it
 * (fg_intern_reserve).  The result is the same with any hint.  FG_OK or
 * FG_ENOMEM (message set).
 */
int fg_linkset_expect(fg_linkset *ls, uint64_t n_entities, uint64_t n_users);

/*
 * When a batch of link rows is interned in parallel: pays(units, ns_per_unit)
 * as fg_par_pays (algorithms/fg_par.h, which graph/ cannot call; the engine
 * passes it), asked only with 3+ threads (fg_intern_get_batch).  Without
 * one: a full batch.  The ids, hence everything after, are the same either
 * way.
 */
void fg_linkset_set_fork_rule(fg_linkset *ls, int (*pays)(uint64_t units, uint64_t ns_per_unit));

/*
 * Sinks for fg_ingest_*: add one row (strings are copied/interned).  A link
 * row goes through fg_config's row path first: its kind's alias is resolved,
 * its value normalised for the kind, and a placeholder value drops the row
 * (counted per kind, see fg_linkset_placeholders).  The same
 * (user, kind, value) twice is one link with first/last seen merged.  A user
 * row: labels merge as fraud > legit > unknown (a user labelled fraud in one
 * row and legit in another is a seed, and is counted as a conflict),
 * created_at as the minimum, each attribute as the largest value, so the
 * result never depends on row order.  ctx is the fg_linkset.
 */
int fg_linkset_link_sink(void *ctx, const fg_link_row *row);
int fg_linkset_user_sink(void *ctx, const fg_user_row *row);
/* The link sink for rows as the readers deliver them (fg_ingest.h): the kind
 * already canonical, the value normalised, row->placeholder set; the same
 * result as fg_linkset_link_sink for those rows, without normalising again. */
int fg_linkset_reader_sink(void *ctx, const fg_link_row *row);
/* The same for user rows as the readers deliver them (row->user_hash set), and
 * the users CSV's look-ahead (fg_user_hint): the user's slot and entry in the
 * users' table prefetched before the row comes. */
int fg_linkset_reader_user_sink(void *ctx, const fg_user_row *row);
void fg_linkset_user_hint(void *ctx, uint32_t user_hash, bool near);

/* Rows dropped so far for a placeholder value (also in the built graph). */
const fg_placeholder_counts *fg_linkset_placeholders(const fg_linkset *ls);

/*
 * Users labelled both fraud and legit so far; *example (if not NULL) gets
 * the smallest such user id (up to cap bytes).  O(users).
 */
uint64_t fg_linkset_label_conflicts(const fg_linkset *ls, char *example, size_t cap);

/* Log what the users inputs gave beyond rows: label conflicts (fraud wins),
 * user attributes kept and left out.  Once per run, before the build. */
void fg_linkset_report(const fg_linkset *ls);

/* Rows taken so far (after de-duplication). */
uint64_t fg_linkset_n_links(const fg_linkset *ls);

/*
 * Build the graph from the accumulated rows: canonical ids, shares, hubs,
 * weights, the CSR, the input digest.  ls may be freed afterwards (its memory
 * may be released early during the build).  Returns FG_OK or FG_ENOMEM.
 */
int fg_graph_build(fg_graph **out, fg_linkset *ls, const fg_config *cfg);

/*
 * fg_graph_build without its last step: g->input_digest is empty until
 * fg_graph_input_digest fills it, e.g. on a thread of its own while the
 * kernels read the graph (a serial pass over every string and link: 1.2 s
 * on 9 M links).
 */
int fg_graph_build_deferred(fg_graph **out, fg_linkset *ls, const fg_config *cfg);

/*
 * g->input_digest from the canonical content (above): reads the ids, the
 * links and the attributes, writes only g->input_digest, so other threads
 * may read the graph meanwhile (not release its links).  FG_OK, or
 * FG_ENOMEM (message set, on the calling thread) when an entity value's
 * buffer cannot grow.
 */
int fg_graph_input_digest(fg_graph *g);

void fg_graph_free(fg_graph **g);

/*
 * Hand back the CSR's memory (g->g) once no kernel needs it: the ids, the
 * link list and the per-entity arrays stay valid; g->g becomes the empty
 * CSR (all zero), so no kernel and no fg_graph_weight may run afterwards.  The only mutation of a built graph; idempotent.  O(1).
 */
void fg_graph_release_csr(fg_graph *g);

#define FG_TIME32_NONE UINT32_MAX /* no time, in link_first32 / link_last32 */

/* Link i's first / last seen time (FG_TIME_NONE: none).  O(1). */
static inline int64_t fg_graph_link_first(const fg_graph *g, uint64_t i)
{
	if (g->link_first)
		return g->link_first[i];
	return g->link_first32[i] == FG_TIME32_NONE ? FG_TIME_NONE
	                                            : g->link_time_base + g->link_first32[i];
}

static inline int64_t fg_graph_link_last(const fg_graph *g, uint64_t i)
{
	if (g->link_last)
		return g->link_last[i];
	return g->link_last32[i] == FG_TIME32_NONE ? FG_TIME_NONE
	                                           : g->link_time_base + g->link_last32[i];
}

/* User u's id string.  O(1). */
static inline const char *fg_graph_user_id(const fg_graph *g, uint32_t u)
{
	return g->user_id_off ? g->user_id_base + g->user_id_off[u] : g->user_id[u];
}

/* User u's creation time (FG_TIME_NONE: unknown).  O(1). */
static inline int64_t fg_graph_user_created(const fg_graph *g, uint32_t u)
{
	if (!g->user_created32)
		return g->user_created[u];
	return g->user_created32[u] == FG_TIME32_NONE ? FG_TIME_NONE
	                                               : g->user_time_base + g->user_created32[u];
}

/* The kind of relation link i (a link to a user): a binary search of rel_link.  O(log n). */
uint32_t fg_graph_rel_kind(const fg_graph *g, uint64_t i);

/* Entity e's kind index, share, hub flag, weight and value (module comment).  O(1). */
static inline uint32_t fg_graph_ent_kind(const fg_graph *g, uint32_t e)
{
	if (g->ent_kind_start) {
		/* the last k with start[k] <= e: the one non-empty range holding e */
		const uint32_t *st = g->ent_kind_start;
		uint32_t lo = 0, n = g->n_kinds;
		while (n > 1) {
			uint32_t half = n / 2;
			lo = st[lo + half] <= e ? lo + half : lo;
			n -= half;
		}
		return lo;
	}
	return g->ent_class ? g->ent_cls[g->ent_class[e]].kind : g->ent_kind[e];
}

static inline uint32_t fg_graph_ent_share(const fg_graph *g, uint32_t e)
{
	return g->ent_class ? g->ent_cls[g->ent_class[e]].share : g->ent_share[e];
}

static inline bool fg_graph_ent_hub(const fg_graph *g, uint32_t e)
{
	return g->ent_class ? g->ent_cls[g->ent_class[e]].hub != 0 : g->ent_hub[e] != 0;
}

/*
 * ent_weight's one expression (above), for every place that needs the weight
 * an entity of that kind and share has or would have: the build, the
 * features' own rows, the MPI ranks' parts, serve's new links.  The same
 * bits wherever it is computed.
 */
static inline double fg_entity_weight(double kind_weight, uint64_t share)
{
	return kind_weight / log2(1.0 + (double)share);
}

static inline double fg_graph_ent_weight(const fg_graph *g, uint32_t e)
{
	return g->ent_class ? g->ent_cls[g->ent_class[e]].weight : g->ent_weight[e];
}

/* Link i's kind index.  O(1) for a link to an entity, O(log relations) for a relation. */
static inline uint32_t fg_graph_link_kind(const fg_graph *g, uint64_t i)
{
	uint32_t t = g->link_target[i];

	if (g->link_kind)
		return g->link_kind[i];
	return t >= g->n_users ? fg_graph_ent_kind(g, t - g->n_users) : fg_graph_rel_kind(g, i);
}

#define FG_VALUE_RUN 16u       /* values per front-coded run */
#define FG_VALUE_LCP_MAX 255u  /* the longest prefix an entry takes from the one before */

/*
 * A reader of entity values: it keeps the last value it decoded, so reading
 * e + 1 after e costs one entry, any other e at most FG_VALUE_RUN entries
 * from its run's start.  Zero-initialise it; fg_graph_values_free after.
 * One reader per thread.
 */
typedef struct fg_values {
	const fg_graph *g;
	fg_sbuf buf;              /* the value of entity e */
	uint32_t e;
	const char *next;         /* the entry of e + 1 (NULL: nothing decoded) */
} fg_values;

/*
 * Entity e's value, NUL-terminated: in the wide form the graph's own string,
 * else the reader's buffer, valid until the reader's next call.  NULL (error
 * set) only when the buffer cannot grow.  O(entries decoded x their length).
 */
const char *fg_graph_ent_value(const fg_graph *g, uint32_t e, fg_values *vr);

/* Free a reader's buffer and zero it; NULL-safe. */
void fg_graph_values_free(fg_values *vr);

/*
 * Hand back the link list (link_user, link_target, the kinds, link_first,
 * link_last: 26 B a link) once nothing reads it again: the arrays become
 * NULL, n_links and every count stay, and fg_graph_kind_counts may not run
 * afterwards on a graph made by hand with link_kind.  The run's write-back, after the last table that reads the
 * links (engine/fg_run.c write_phase).  Idempotent.  O(1).
 */
void fg_graph_release_links(fg_graph *g);

/* The user with this id string, or -1 (binary search, O(log n)). */
int64_t fg_graph_find_user(const fg_graph *g, const char *user_id);

/*
 * W(v): the total weight of v's arcs in g, summed in CSR order (a user:
 * ent_weight of each entity, relation_weight of each user neighbour; an
 * entity: its degree in g times its ent_weight).  What a random walk at v
 * divides by.  O(degree).
 */
double fg_graph_weight(const fg_graph *g, uint32_t v);

/*
 * Share of the links cut because their entity is a hub: n_hub_links / n_links
 * (0 without links).  Above cfg->hub_warn_share the run warns that hubs
 * swallow the graph.
 */
double fg_graph_hub_cut_share(const fg_graph *g);

/*
 * Per kind of the graph (index k): links[k] = its links, hub_links[k] = those
 * to hubs, hubs[k] = its hubs; arrays of g->n_kinds supplied by the caller.
 * From the entities' shares and the relations' kinds, O(entities + relations),
 * without reading the links; graphs made by hand with link_kind (every
 * link's kind) link by link, O(links + entities).
 */
void fg_graph_kind_counts(uint64_t *links, uint64_t *hub_links, uint32_t *hubs, const fg_graph *g);

/* Bytes held by the graph's arrays (for the memory-per-link figure). */
uint64_t fg_graph_bytes(const fg_graph *g);

#endif
