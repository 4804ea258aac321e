/*
 * fg_graph_internal: what the link accumulator (fg_linkset.c), the build
 * (fg_graph_build.c), the input digest (fg_graph_digest.c) and the graph's
 * accessors (fg_graph.c) share.  Internal to graph/: nothing outside the
 * folder includes it.
 */
#ifndef FG_GRAPH_FG_GRAPH_INTERNAL_H
#define FG_GRAPH_FG_GRAPH_INTERNAL_H

#include "fg_graph.h"
#include "fg_intern.h"
#include "fg_user_attrs.h"

#include <stddef.h>
#include <stdint.h>

/* The merged fg_label of a user, and the labels its rows said. */
#define FG_LS_LABEL_MASK 0x3
#define FG_LS_SEEN_FRAUD 0x10
#define FG_LS_SEEN_LEGIT 0x20

/*
 * One link record, 24 bytes: key = user_tmp << 32 | entity_tmp for entity
 * links, min(a, b) << 32 | max(a, b) over the two users' temporary ids for
 * relations (canonical ids after the build renumbers them); first/last seen.
 */
typedef struct fg_linkrec {
	uint64_t key;
	int64_t first;
	int64_t last;
} fg_linkrec;

/* Invariant: a[0..clean) is sorted by key without duplicates. */
typedef struct fg_recbuf {
	fg_linkrec *a;
	size_t n, cap, clean;
} fg_recbuf;

/* A link row waiting for its batched lookups (fg_linkset.c). */
typedef struct fg_pend {
	uint64_t uo, vo;   /* offsets of user and value in bbuf */
	uint32_t ul, vl;
	uint32_t uh, vh;   /* fg_hash_str32 of user and value */
	int64_t seen;
	uint16_t kind;     /* temporary kind id */
	uint8_t rel;
} fg_pend;

/* The interning of one batch of link rows (fg_linkset_flush): the users'
 * strings (every row's user, then the relation rows' values) and the
 * entities' (the other rows' values), their ids and the tables' scratch. */
typedef struct fg_pend_keys {
	fg_intern_key *ukeys, *ekeys;
	uint32_t *uids, *eids;
	uint8_t *uadded;
	fg_intern_batch ub, eb;
} fg_pend_keys;

/*
 * Invariants: users.n == number of users (label/created valid for each);
 * kind_rel/rel have kinds.n valid entries; every record's ids are valid
 * temporary ids; relation keys have the smaller id in the high half.
 * Once consumed (built), only n_built, drops and the kind arrays remain.
 */
struct fg_linkset {
	const fg_config *cfg;
	fg_intern users, ents, kinds;
	uint8_t *user_label;   /* fg_label in FG_LS_LABEL_MASK, FG_LS_SEEN_* bits */
	int64_t *user_created; /* per user */
	fg_attrset *attrs;     /* user attributes (NULL until a row has some) */
	uint32_t user_cap;
	uint8_t *kind_rel;     /* per kind: 1 if a relation kind */
	char **kind_names;     /* per kind: its name (for the cache and the settings) */
	fg_recbuf *rel;        /* per kind: relation records (unused for entity kinds) */
	uint32_t kind_cap;
	fg_recbuf el;          /* entity links */
	int64_t last_kind;     /* cache of the last kind seen (-1: none) */
	fg_pend *pend;         /* link rows waiting for their batched lookups */
	uint32_t npend, pend_cap;
	fg_pend_keys pk;       /* their keys and ids (allocated with pend) */
	char *bbuf;            /* their strings */
	size_t bbuf_len, bbuf_cap;
	uint64_t n_built;      /* links of the build that consumed this linkset */
	int consumed;
	int broken;            /* an allocation failed half-way through a row */
	/* the row path's cache: raw kinds seen, with their canonical kinds, value
	 * classes and kind ids (rows alternate between a few kinds) */
	fg_kind_memo km;                 /* the kinds as the rows spell them */
	int64_t km_k[FG_KIND_MEMO_N];    /* each one's canonical kind's id, -1 until a row is kept */
	char *nbuf;            /* the normalised value of the current row */
	size_t nbuf_cap;
	fg_placeholder_counts drops;
};

/*
 * The narrow form's bounds (fg_graph.h): at most fg_graph_class_cap entity
 * classes (the most a uint16_t numbers), entity values in one block of at
 * most fg_graph_value_cap bytes (what a uint32_t offset reaches).  Past them
 * the build keeps the wide form.  Tests lower them to build the wide form on
 * small inputs; nothing else writes them.
 */
#define FG_GRAPH_CLASS_MAX 65536u
extern uint32_t fg_graph_class_cap;
extern uint64_t fg_graph_value_cap;

/* Strings owned by a graph (fg_graph.pool). */
typedef struct fg_graph_pool {
	char *users, *ents, *kinds;
	uint64_t bytes;
} fg_graph_pool;

/* FG_OK, or the error for a set already built (FG_EUSAGE) or left incomplete
 * by an allocation failure (FG_ENOMEM): no row and no build may take it. */
int fg_linkset_check_open(const fg_linkset *ls);

/* Intern and store the batched link rows.  A failure marks the set broken. */
int fg_linkset_flush(fg_linkset *ls);

/* Free the batch of link rows (pend, its strings and keys). */
void fg_linkset_free_batch(fg_linkset *ls);

/* Sort b by key and merge equal keys (min first, max last); in place. */
void fg_recbuf_compact(fg_recbuf *b);

void fg_recbuf_free(fg_recbuf *b);

#endif
