/*
 * fg_graph: the link accumulator and the build of the canonical graph.
 *
 * What: turns de-duplicated (user, kind, value) rows into the fg_graph of
 * fg_graph.h: canonical ids, sorted links, shares, hubs, rarity weights, the
 * hub-free CSR and an order-independent input digest.
 *
 * Accumulation (fg_linkset): user ids, kind names and (kind, value) entities
 * are interned (fg_intern) to temporary ids.  Link rows are batched (512 at a
 * time) so that the interning lookups, which are cache misses, can be
 * prefetched together.  Each row appends one 24-byte record {key, first,
 * last} to a buffer: for entity links key = user_tmp << 32 | entity_tmp, for
 * relation rows (one buffer per relation kind) key = min(a, b) << 32 |
 * max(a, b) over the two users' temporary ids, so both directions meet.
 * Nothing is probed per row for duplicates; a buffer past COMPACT_MIN records
 * is sorted and merged in place (min first / max last) before it grows, which
 * bounds memory by the distinct links when the input repeats rows.
 *
 * Build: the interning indexes are dropped; kinds, users and entities are
 * ranked by string order with an MSD radix sort over 8-byte big-endian chunks
 * (an in-place American flag sort per chunk: McIlroy, Bostic & McIlroy,
 * "Engineering radix sort", Computing Systems 6(1), 1993); the users and each
 * kind's entities are independent tasks run in parallel; the string pools
 * lose their interning headers;
 * records are renumbered in place, sorted by the 64-bit canonical key with the
 * same radix sort (top level split across threads) and merged; the sorted
 * buffers are merged (k-way; a tie on a user pair is ordered by kind rank)
 * into the struct-of-arrays links.  Shares come from one pass over the links,
 * the CSR from fg_csr_from_arcs (hub links enter it as self-loops that it
 * drops, so no copy of the arcs is made).  Every parallel step either computes
 * element-wise or sorts disjoint ranges, so the result is the same for any
 * thread count; the merges of duplicates are commutative (min/max, label
 * priority) and temporary ids never reach the result, so it is the same for
 * any row order.
 *
 * Memory, bytes (L distinct links, U users, E entities, S string bytes):
 * accumulating: records 24 L, interning S + 7 (U + E) + index 8..16 (U + E);
 * build peak: records 24 L + links 26 L + strings + vertex arrays, or, later,
 * the graph + the CSR build's 16 (U + E) + 8 L; the graph keeps links 26 L,
 * CSR 8 L + 8 (U + E), users 17 U, entities 23 E and S + U + E of strings.
 *
 * Complexity: O(rows + L + total string bytes) expected.
 * Thread-safety: a linkset is fed by one thread; fg_graph_build uses OpenMP
 * internally; the graph is read-only afterwards.
 */
#include "fg_graph.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_hash.h"
#include "fg_intern.h"
#include "fg_user_attrs.h"

#include <math.h>
#include "fg_log.h"
#include <stdlib.h>
#include <string.h>

/* Phase timings on stderr when compiled with -DFG_GRAPH_TIMING (benchmarks only). */
#ifdef FG_GRAPH_TIMING
#include <stdio.h>
#define PH(name)                                                                  \
	do {                                                                      \
		fprintf(stderr, "  graph build: %-8s %.3f s\n", name, fg_clock() - tph); \
		tph = fg_clock();                                                 \
	} while (0)
#else
#define PH(name) (void)tph
#endif

/* An omp pragma inside a macro body; elsewhere a plain #pragma omp.  Without
 * OpenMP the build passes -Wno-unknown-pragmas (meson.build): the one switch. */
#define OMP(x) _Pragma(#x)

/*
 * Buffers at least this large (16 Mi records, 384 MiB) are compacted (sorted +
 * merged) before growing: below it, repeated rows cost 24 bytes each until the
 * build; above it, memory stays bounded by the distinct links.
 */
#ifndef FG_GRAPH_COMPACT_MIN
#define COMPACT_MIN ((size_t)1 << 24)
#else
#define COMPACT_MIN ((size_t)FG_GRAPH_COMPACT_MIN) /* tests of the compaction path */
#endif
/* Sorts of at least this many records split their top level across threads. */
#define PAR_SORT_MIN ((size_t)1 << 16)

typedef struct lrec {
	uint64_t key;
	int64_t first;
	int64_t last;
} lrec;

/* Invariant: a[0..clean) is sorted by key without duplicates. */
typedef struct recbuf {
	lrec *a;
	size_t n, cap, clean;
} recbuf;

/*
 * Invariants: users.n == number of users (label/created valid for each);
 * kind_rel/rel have kinds.n valid entries; every record's ids are valid
 * temporary ids; relation keys have the smaller id in the high half.
 */
struct fg_linkset {
	const fg_config *cfg;
	fg_intern users, ents, kinds;
	uint8_t *user_label;   /* fg_label in LABEL_MASK, SEEN_* bits: labels of its rows */
	int64_t *user_created; /* per user */
	fg_attrset *attrs;     /* user attributes (NULL until a row has some) */
	uint32_t user_cap;
	uint8_t *kind_rel;     /* per kind: 1 if a relation kind */
	char **kind_names;     /* per kind: its name (for the cache and the settings) */
	recbuf *rel;           /* per kind: relation records (unused for entity kinds) */
	uint32_t kind_cap;
	recbuf el;             /* entity links */
	int64_t last_kind;     /* cache of the last kind seen (-1: none) */
	struct pend *pend;     /* link rows waiting for their batched lookups */
	uint32_t npend;
	char *bbuf;            /* their strings */
	size_t bbuf_len, bbuf_cap;
	uint64_t n_built;      /* links of the build that consumed this linkset */
	int consumed;
	int broken;            /* an allocation failed half-way through a row */
	/* the row path's cache: the last raw kind, its canonical kind and value class */
	char kc_raw[FG_KIND_NAME_MAX];
	size_t kc_raw_len;     /* 0: nothing cached */
	const char *kc_kind;   /* canonical kind (points into cfg or kc_raw) */
	size_t kc_kind_len;
	fg_value_class kc_class;
	char *nbuf;            /* the normalised value of the current row */
	size_t nbuf_cap;
	fg_placeholder_counts drops;
};

/* Strings owned by a graph. */
typedef struct pool {
	char *users, *ents, *kinds;
	uint64_t bytes;
} pool;

static int64_t min_time(int64_t a, int64_t b)
{
	if (a == FG_TIME_NONE)
		return b;
	if (b == FG_TIME_NONE)
		return a;
	return a < b ? a : b;
}

static int64_t max_time(int64_t a, int64_t b)
{
	return a > b ? a : b; /* FG_TIME_NONE is INT64_MIN */
}

#define LABEL_MASK 0x3       /* the merged fg_label */
#define SEEN_FRAUD 0x10      /* a row of the user said fraud */
#define SEEN_LEGIT 0x20      /* a row of the user said legit */

static int label_rank(uint8_t l)
{
	l &= LABEL_MASK;
	return l == FG_LABEL_FRAUD ? 2 : l == FG_LABEL_LEGIT ? 1 : 0;
}

/* Index (0..7) of the highest non-zero byte of x != 0. */
static int top_byte(uint64_t x)
{
#if defined(__GNUC__)
	return (63 - __builtin_clzll(x)) / 8;
#else
	int b = 0;
	while (x >>= 8)
		b++;
	return b;
#endif
}

/*
 * In-place MSD radix sort (American flag sort) on a 64-bit `key` member,
 * 8 bits per level from bit `shift` down; each call starts at the highest
 * byte where its keys differ (found in one pass), so shared digits cost
 * nothing.  Not stable; with `par`, the buckets of the first
 * non-trivial level are sorted by several threads (disjoint ranges, so the
 * result equals the serial one).
 */
#define DEFINE_AFSORT(NAME, T)                                                          \
	static void NAME##_ins(T *a, size_t n)                                          \
	{                                                                               \
		for (size_t i = 1; i < n; i++) {                                        \
			T x = a[i];                                                     \
			size_t j = i;                                                   \
			while (j > 0 && a[j - 1].key > x.key) {                         \
				a[j] = a[j - 1];                                        \
				j--;                                                    \
			}                                                               \
			a[j] = x;                                                       \
		}                                                                       \
	}                                                                               \
	static void NAME(T *a, size_t n, int shift, int par)                            \
	{                                                                               \
		size_t cnt[256], start[256], next[256];                                 \
		uint64_t diff = 0;                                                      \
		if (n < 48) {                                                           \
			NAME##_ins(a, n);                                               \
			return;                                                         \
		}                                                                       \
		/* start at the highest byte where the keys differ (one pass) */        \
		for (size_t i = 1; i < n; i++)                                          \
			diff |= a[i].key ^ a[0].key;                                    \
		diff &= shift == 56 ? ~(uint64_t)0 : ((uint64_t)1 << (shift + 8)) - 1;  \
		if (diff == 0)                                                          \
			return;                                                         \
		shift = top_byte(diff) * 8;                                             \
		memset(cnt, 0, sizeof(cnt));                                            \
		for (size_t i = 0; i < n; i++)                                          \
			cnt[(a[i].key >> shift) & 0xff]++;                              \
		start[0] = 0;                                                           \
		for (int b = 1; b < 256; b++)                                           \
			start[b] = start[b - 1] + cnt[b - 1];                           \
		memcpy(next, start, sizeof(next));                                      \
		for (int b = 0; b < 256; b++) {                                         \
			size_t end = start[b] + cnt[b];                                 \
			while (next[b] < end) {                                         \
				T v = a[next[b]];                                       \
				unsigned d = (unsigned)((v.key >> shift) & 0xff);       \
				if (d == (unsigned)b) {                                 \
					next[b]++;                                      \
					continue;                                       \
				}                                                       \
				do {                                                    \
					T t = a[next[d]];                               \
					a[next[d]++] = v;                               \
					v = t;                                          \
					d = (unsigned)((v.key >> shift) & 0xff);        \
				} while (d != (unsigned)b);                             \
				a[next[b]++] = v;                                       \
			}                                                               \
		}                                                                       \
		if (shift == 0)                                                         \
			return;                                                         \
		if (par && n >= PAR_SORT_MIN) {                                         \
			int b;                                                          \
			OMP(omp parallel for schedule(dynamic, 1))                      \
			for (b = 0; b < 256; b++)                                       \
				if (cnt[b] > 1)                                         \
					NAME(a + start[b], cnt[b], shift - 8, 0);       \
		} else {                                                                \
			for (int b = 0; b < 256; b++)                                   \
				if (cnt[b] > 1)                                         \
					NAME(a + start[b], cnt[b], shift - 8, 0);       \
		}                                                                       \
	}

DEFINE_AFSORT(sort_recs, lrec)

/* A string's sort key chunk and its id. */
typedef struct skey {
	uint64_t key;
	uint32_t id;
} skey;

DEFINE_AFSORT(sort_skeys, skey)

/* The strings being ranked: those of an interning table, by id. */
typedef struct strsrc {
	const fg_intern *t;
} strsrc;

static uint64_t vlen(const strsrc *src, uint32_t id)
{
	return fg_intern_len(src->t, id);
}

/* Bytes [depth, depth + 8) of the string, big-endian, 0-padded. */
static uint64_t chunk(const strsrc *src, uint32_t id, uint64_t depth)
{
	const unsigned char *s = (const unsigned char *)fg_intern_str(src->t, id);
	uint64_t len = fg_intern_len(src->t, id), x = 0;

	if (depth + 8 <= len) {
		s += depth;
		for (int j = 0; j < 8; j++)
			x = x << 8 | s[j];
		return x;
	}
	for (uint64_t j = 0; j < 8; j++)
		x = x << 8 | (depth + j < len ? s[depth + j] : 0);
	return x;
}

/*
 * a[0..m) are equal up to `end`: move those that end there to the front,
 * shorter first (byte order puts a proper prefix first), and return how many;
 * the rest continue on the following chunks.  Few can end (one per length).
 */
static size_t ended_first(const strsrc *src, skey *a, size_t m, uint64_t end)
{
	size_t k = 0;

	for (size_t i = 0; i < m; i++) {
		if (vlen(src, a[i].id) <= end) {
			skey t = a[i];
			a[i] = a[k];
			a[k++] = t;
		}
	}
	for (size_t i = 1; i < k; i++) {
		skey x = a[i];
		size_t j = i;
		while (j > 0 && vlen(src, a[j - 1].id) > vlen(src, x.id)) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
	return k;
}

/*
 * Sort a[0..n) (distinct strings equal on [0, depth)) by byte order from depth
 * on.  A chunk shared by all strings (a long common prefix) is handled by the
 * loop, not by recursion, so common prefixes cost no stack.
 */
static void sort_strings(const strsrc *src, skey *a, size_t n, uint64_t depth)
{
	for (;;) {
		size_t i = 0, k;

		if (n < 2)
			return;
		for (size_t q = 0; q < n; q++)
			a[q].key = chunk(src, a[q].id, depth);
		sort_skeys(a, n, 56, 0);
		depth += 8;
		if (a[0].key == a[n - 1].key) {
			k = ended_first(src, a, n, depth);
			a += k;
			n -= k;
			continue;
		}
		while (i < n) {
			size_t j = i + 1;
			while (j < n && a[j].key == a[i].key)
				j++;
			if (j - i > 1) {
				k = ended_first(src, a + i, j - i, depth);
				sort_strings(src, a + i + k, j - i - k, depth);
			}
			i = j;
		}
		return;
	}
}

/* rank[id] = position of id's string in byte order, for all n ids; work is n skeys. */
static void rank_strings(uint32_t *rank, skey *work, const strsrc *src, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		work[i].id = i;
	sort_strings(src, work, n, 0);
	for (uint32_t p = 0; p < n; p++)
		rank[work[p].id] = p;
}

/* Sort by key and merge equal keys (min first, max last); in place. */
static void compact(recbuf *b)
{
	size_t w = 0;

	if (b->clean == b->n)
		return;
	sort_recs(b->a, b->n, 56, 1);
	for (size_t i = 0; i < b->n; i++) {
		if (w > 0 && b->a[w - 1].key == b->a[i].key) {
			b->a[w - 1].first = min_time(b->a[w - 1].first, b->a[i].first);
			b->a[w - 1].last = max_time(b->a[w - 1].last, b->a[i].last);
		} else {
			b->a[w++] = b->a[i];
		}
	}
	b->n = w;
	b->clean = w;
}

static int push(recbuf *b, uint64_t key, int64_t seen)
{
	if (b->n == b->cap) {
		size_t cap;
		lrec *a;
		if (b->cap >= COMPACT_MIN && b->n - b->clean >= b->cap / 4) {
			compact(b);
			if (b->n <= b->cap / 4 * 3)
				goto append;
		}
		cap = b->cap ? b->cap * 2 : 256;
		a = fg_reallocarray(b->a, cap, sizeof(*a));
		if (!a)
			return fg_error_set(FG_ENOMEM, "out of memory storing %zu links", cap);
		b->a = a;
		b->cap = cap;
	}
append:
	b->a[b->n].key = key;
	b->a[b->n].first = seen;
	b->a[b->n].last = seen;
	b->n++;
	return FG_OK;
}

static void recbuf_free(recbuf *b)
{
	fg_free(b->a);
	memset(b, 0, sizeof(*b));
}

int fg_linkset_new(fg_linkset **out, const fg_config *cfg)
{
	fg_linkset *ls = fg_calloc(1, sizeof(*ls));

	*out = NULL;
	if (!ls)
		return fg_error_set(FG_ENOMEM, "out of memory creating a link set");
	ls->cfg = cfg;
	fg_intern_init(&ls->users);
	fg_intern_init(&ls->ents);
	fg_intern_init(&ls->kinds);
	ls->last_kind = -1;
	*out = ls;
	return FG_OK;
}

void fg_linkset_free(fg_linkset **pls)
{
	fg_linkset *ls;

	if (!pls || !*pls)
		return;
	ls = *pls;
	fg_intern_free(&ls->users);
	fg_intern_free(&ls->ents);
	fg_intern_free(&ls->kinds);
	fg_free(ls->user_label);
	fg_free(ls->user_created);
	fg_attrset_free(&ls->attrs);
	fg_free(ls->kind_rel);
	fg_free(ls->pend);
	fg_free(ls->bbuf);
	fg_free(ls->nbuf);
	if (ls->kind_names)
		for (uint32_t k = 0; k < ls->kind_cap; k++)
			fg_free(ls->kind_names[k]);
	fg_free(ls->kind_names);
	if (ls->rel)
		for (uint32_t k = 0; k < ls->kind_cap; k++)
			recbuf_free(&ls->rel[k]);
	fg_free(ls->rel);
	recbuf_free(&ls->el);
	fg_free(ls);
	*pls = NULL;
}

/* The temporary id of user s, adding it (unknown label, no created_at) if new. */
static int intern_user(uint32_t *out, fg_linkset *ls, uint32_t h, const char *s, size_t len)
{
	int added, rc;

	if ((rc = fg_intern_get_hashed(out, &ls->users, h, 0, s, len, &added)) != FG_OK)
		return rc;
	if (!added)
		return FG_OK;
	if (*out >= ls->user_cap) {
		uint32_t cap = ls->user_cap ? ls->user_cap * 2 : 1024;
		uint8_t *lab = fg_reallocarray(ls->user_label, cap, sizeof(*lab));
		int64_t *cr;
		if (lab)
			ls->user_label = lab;
		cr = lab ? fg_reallocarray(ls->user_created, cap, sizeof(*cr)) : NULL;
		if (!cr) {
			ls->broken = 1; /* the user is interned without its attributes */
			return fg_error_set(FG_ENOMEM, "out of memory storing %u users", cap);
		}
		ls->user_created = cr;
		ls->user_cap = cap;
	}
	ls->user_label[*out] = FG_LABEL_UNKNOWN;
	ls->user_created[*out] = FG_TIME_NONE;
	return FG_OK;
}

static int intern_kind(uint32_t *out, fg_linkset *ls, const char *s, size_t len)
{
	uint32_t k;
	int added, rc;

	if (ls->last_kind >= 0) {
		k = (uint32_t)ls->last_kind;
		if (strncmp(ls->kind_names[k], s, len) == 0 && ls->kind_names[k][len] == '\0') {
			*out = k;
			return FG_OK;
		}
	}
	if ((rc = fg_intern_get(&k, &ls->kinds, 0, s, len, &added)) != FG_OK)
		return rc;
	if (added) {
		if (k > UINT16_MAX)
			return fg_error_set(FG_EDATA, "more than %d distinct link kinds", UINT16_MAX + 1);
		if (k >= ls->kind_cap) {
			uint32_t cap = ls->kind_cap ? ls->kind_cap * 2 : 16;
			uint8_t *rel = fg_reallocarray(ls->kind_rel, cap, sizeof(*rel));
			recbuf *rb = NULL;
			char **names = NULL;
			if (rel)
				ls->kind_rel = rel;
			rb = rel ? fg_reallocarray(ls->rel, cap, sizeof(*rb)) : NULL;
			if (rb) {
				memset(rb + ls->kind_cap, 0, (cap - ls->kind_cap) * sizeof(*rb));
				ls->rel = rb;
				names = fg_reallocarray(ls->kind_names, cap, sizeof(*names));
			}
			if (!names)
				goto nomem;
			memset(names + ls->kind_cap, 0, (cap - ls->kind_cap) * sizeof(*names));
			ls->kind_names = names;
			ls->kind_cap = cap;
		}
		if (!(ls->kind_names[k] = fg_strndup(s, len)))
			goto nomem;
		ls->kind_rel[k] = fg_config_is_relation(ls->cfg, ls->kind_names[k]);
	}
	ls->last_kind = k;
	*out = k;
	return FG_OK;
nomem:
	/* The kind stays interned without settings: make the next row fail too. */
	ls->broken = 1;
	return fg_error_set(FG_ENOMEM, "out of memory storing kind %u", k);
}

/*
 * Link rows are taken in batches: the strings are copied aside, then flush
 * hashes the whole batch, prefetches the index slots, then the arena entries,
 * and only then interns and stores each row.  The lookups are cache misses on
 * tables of tens of MB; overlapping them roughly halves the cost per row.
 * Temporary ids then follow batch order, which nothing observable depends on.
 */
#define BATCH 512

typedef struct pend {
	uint64_t uo, vo;   /* offsets of user and value in bbuf */
	uint32_t ul, vl;
	uint32_t hu, hv;   /* their interning hashes */
	int64_t seen;
	uint16_t kind;     /* temporary kind id */
	uint8_t rel;
} pend;

static int flush(fg_linkset *ls)
{
	uint32_t n = ls->npend, u = 0, v;
	int rc = FG_OK;

	for (uint32_t i = 0; i < n; i++) {
		pend *q = &ls->pend[i];
		q->hu = fg_intern_hash(0, ls->bbuf + q->uo, q->ul);
		q->hv = fg_intern_hash(q->rel ? 0 : q->kind, ls->bbuf + q->vo, q->vl);
		fg_intern_prefetch_slot(&ls->users, q->hu);
		fg_intern_prefetch_slot(q->rel ? &ls->users : &ls->ents, q->hv);
	}
	for (uint32_t i = 0; i < n; i++) {
		const pend *q = &ls->pend[i];
		fg_intern_prefetch_entry(&ls->users, q->hu);
		fg_intern_prefetch_entry(q->rel ? &ls->users : &ls->ents, q->hv);
	}
	for (uint32_t i = 0; i < n; i++) {
		const pend *q = &ls->pend[i], *prev = i ? q - 1 : NULL;
		const char *us = ls->bbuf + q->uo, *vs = ls->bbuf + q->vo;
		/* consecutive rows of one user (common in exports) skip the lookup */
		if (!prev || prev->hu != q->hu || prev->ul != q->ul || memcmp(ls->bbuf + prev->uo, us, q->ul))
			if ((rc = intern_user(&u, ls, q->hu, us, q->ul)) != FG_OK)
				break;
		if (q->rel) {
			if ((rc = intern_user(&v, ls, q->hv, vs, q->vl)) != FG_OK ||
			    (rc = push(&ls->rel[q->kind], u < v ? (uint64_t)u << 32 | v : (uint64_t)v << 32 | u,
			               q->seen)) != FG_OK)
				break;
		} else {
			if ((rc = fg_intern_get_hashed(&v, &ls->ents, q->hv, q->kind, vs, q->vl, NULL)) != FG_OK ||
			    (rc = push(&ls->el, (uint64_t)u << 32 | v, q->seen)) != FG_OK)
				break;
		}
	}
	if (rc != FG_OK)
		ls->broken = 1; /* rows of the batch are lost */
	ls->npend = 0;
	ls->bbuf_len = 0;
	return rc;
}

/* Count a dropped placeholder row of canonical kind name[0..len), kinds kept sorted. */
static void count_drop(fg_placeholder_counts *d, const char *name, size_t len)
{
	int lo = 0, hi = d->n_kinds;

	d->total++;
	if (len >= FG_KIND_NAME_MAX) {
		d->n_other++;
		return;
	}
	while (lo < hi) {
		int mid = (lo + hi) / 2, c = strncmp(d->kind[mid], name, len);
		if (c == 0 && d->kind[mid][len] != '\0')
			c = 1;
		if (c == 0) {
			d->n[mid]++;
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (d->n_kinds == FG_DROP_KINDS) {
		d->n_other++;
		return;
	}
	memmove(d->kind[lo + 1], d->kind[lo], (size_t)(d->n_kinds - lo) * sizeof(d->kind[0]));
	memmove(&d->n[lo + 1], &d->n[lo], (size_t)(d->n_kinds - lo) * sizeof(d->n[0]));
	memcpy(d->kind[lo], name, len);
	d->kind[lo][len] = '\0';
	d->n[lo] = 1;
	d->n_kinds++;
}

const fg_placeholder_counts *fg_linkset_placeholders(const fg_linkset *ls)
{
	return &ls->drops;
}

int fg_linkset_link_sink(void *ctx, const fg_link_row *in)
{
	fg_linkset *ls = ctx;
	fg_link_row nrow, *row = &nrow;
	uint32_t k = 0;
	size_t need;
	pend *q;
	int rc;

	if (ls->consumed || ls->broken)
		return fg_error_set(ls->broken ? FG_ENOMEM : FG_EUSAGE, "%s",
		                    ls->broken ? "out of memory: link set incomplete after an allocation failure"
		                               : "link set already built into a graph");
	/*
	 * The row path before interning (fg_config_normalise_value, with the
	 * kind's alias and class cached): the kind becomes its canonical kind,
	 * the value its normalised form, and a placeholder drops the row.
	 */
	nrow = *in;
	if (!ls->kc_raw_len || in->kind.len != ls->kc_raw_len ||
	    memcmp(ls->kc_raw, in->kind.ptr, in->kind.len) != 0) {
		ls->kc_kind = fg_config_kind_canonical(&ls->kc_kind_len, ls->cfg, in->kind.ptr, in->kind.len);
		ls->kc_class = fg_config_value_class(ls->cfg, ls->kc_kind, ls->kc_kind_len);
		ls->kc_raw_len = 0;
		if (in->kind.len < FG_KIND_NAME_MAX) {
			memcpy(ls->kc_raw, in->kind.ptr, in->kind.len);
			ls->kc_raw_len = in->kind.len;
			if (ls->kc_kind == in->kind.ptr)
				ls->kc_kind = ls->kc_raw;
		}
	}
	nrow.kind.ptr = ls->kc_kind;
	nrow.kind.len = ls->kc_kind_len;
	if (ls->kc_class != FG_VALUE_PLAIN && ls->kc_class != FG_VALUE_USER) {
		if (in->value.len + 1 > ls->nbuf_cap) {
			size_t cap = in->value.len + 1 > 256 ? in->value.len + 1 : 256;
			char *b = fg_realloc(ls->nbuf, cap);
			if (!b)
				return fg_error_set(FG_ENOMEM, "out of memory normalising a value");
			ls->nbuf = b;
			ls->nbuf_cap = cap;
		}
		fg_config_normalise_class(ls->nbuf, &nrow.value.len, ls->kc_class, in->value.ptr,
		                          in->value.len);
		nrow.value.ptr = ls->nbuf;
	}
	if (fg_config_is_placeholder(ls->cfg, nrow.kind.ptr, nrow.kind.len, nrow.value.ptr,
	                             nrow.value.len)) {
		count_drop(&ls->drops, nrow.kind.ptr, nrow.kind.len);
		return FG_OK;
	}
	if ((rc = intern_kind(&k, ls, row->kind.ptr, row->kind.len)) != FG_OK)
		return rc;
	/* A self-relation carries no information; the reader rejects it too. */
	if (ls->kind_rel[k] && row->user.len == row->value.len &&
	    memcmp(row->user.ptr, row->value.ptr, row->user.len) == 0)
		return FG_OK;
	if (!ls->pend && !(ls->pend = fg_mallocarray(BATCH, sizeof(*ls->pend))))
		return fg_error_set(FG_ENOMEM, "out of memory for a batch of links");
	need = row->user.len + row->value.len;
	if (ls->npend == BATCH || ls->bbuf_len + need > ls->bbuf_cap)
		if ((rc = flush(ls)) != FG_OK)
			return rc;
	if (need > ls->bbuf_cap) {
		size_t cap = need > 65536 ? need : 65536;
		char *b = fg_realloc(ls->bbuf, cap);
		if (!b)
			return fg_error_set(FG_ENOMEM, "out of memory for a batch of links");
		ls->bbuf = b;
		ls->bbuf_cap = cap;
	}
	q = &ls->pend[ls->npend++];
	q->uo = ls->bbuf_len;
	q->ul = (uint32_t)row->user.len;
	memcpy(ls->bbuf + ls->bbuf_len, row->user.ptr, row->user.len);
	ls->bbuf_len += row->user.len;
	q->vo = ls->bbuf_len;
	q->vl = (uint32_t)row->value.len;
	memcpy(ls->bbuf + ls->bbuf_len, row->value.ptr, row->value.len);
	ls->bbuf_len += row->value.len;
	q->seen = row->seen_at;
	q->kind = (uint16_t)k;
	q->rel = ls->kind_rel[k];
	return FG_OK;
}

int fg_linkset_user_sink(void *ctx, const fg_user_row *row)
{
	fg_linkset *ls = ctx;
	uint32_t u;
	int rc;

	if (ls->consumed || ls->broken)
		return fg_error_set(ls->broken ? FG_ENOMEM : FG_EUSAGE, "%s",
		                    ls->broken ? "out of memory: link set incomplete after an allocation failure"
		                               : "link set already built into a graph");
	if ((rc = intern_user(&u, ls, fg_intern_hash(0, row->user.ptr, row->user.len), row->user.ptr,
	                      row->user.len)) != FG_OK)
		return rc;
	if (label_rank((uint8_t)row->label) > label_rank(ls->user_label[u]))
		ls->user_label[u] = (uint8_t)((ls->user_label[u] & ~LABEL_MASK) | row->label);
	if (row->label == FG_LABEL_FRAUD)
		ls->user_label[u] |= SEEN_FRAUD;
	else if (row->label == FG_LABEL_LEGIT)
		ls->user_label[u] |= SEEN_LEGIT;
	ls->user_created[u] = min_time(ls->user_created[u], row->created_at);
	if (row->n_attrs) {
		if (!ls->attrs && (rc = fg_attrset_new(&ls->attrs)) != FG_OK)
			return rc;
		if ((rc = fg_attrset_add(ls->attrs, u, row)) != FG_OK) {
			ls->broken = 1;
			return rc;
		}
	}
	return FG_OK;
}

uint64_t fg_linkset_label_conflicts(const fg_linkset *ls, char *example, size_t cap)
{
	uint64_t n = 0;
	const char *best = NULL;
	uint32_t best_len = 0;

	if (example && cap)
		example[0] = '\0';
	if (ls->consumed)
		return 0;
	/* the table is not sealed yet: walk its arena, entries in id order */
	for (uint64_t u = 0, pos = 1; u < ls->users.n; u++) {
		const char *s = ls->users.arena + pos + FG_INTERN_HDR;
		uint32_t len = (uint32_t)strlen(s);
		int c;

		pos += FG_INTERN_HDR + len + 1;
		if ((ls->user_label[u] & (SEEN_FRAUD | SEEN_LEGIT)) != (SEEN_FRAUD | SEEN_LEGIT))
			continue;
		n++;
		c = best ? memcmp(s, best, len < best_len ? len : best_len) : -1;
		if (!best || c < 0 || (c == 0 && len < best_len)) {
			best = s;
			best_len = len;
		}
	}
	if (best && example && cap)
		fg_error_quote(example, cap, best, best_len);
	return n;
}

void fg_linkset_report(const fg_linkset *ls)
{
	char ex[96];
	uint64_t n = fg_linkset_label_conflicts(ls, ex, sizeof(ex));

	if (n)
		fg_log_warn("%llu users labelled both fraud and legit (e.g. \"%s\"): fraud wins, they are "
		            "seeds", (unsigned long long)n, ex);
	if (ls->attrs || ls->cfg->input.attrs[0])
		fg_attrset_report(ls->attrs, ls->cfg);
}

/*
 * Exact count: compacts the buffers first (a sort of the rows not yet merged),
 * which changes the representation but not the logical content, hence const.
 */
uint64_t fg_linkset_n_links(const fg_linkset *cls)
{
	fg_linkset *ls = (fg_linkset *)cls;
	uint64_t n;

	if (ls->consumed)
		return ls->n_built;
	(void)flush(ls); /* a failure marks the set broken; the build reports it */
	compact(&ls->el);
	n = ls->el.n;
	for (uint32_t k = 0; k < ls->kinds.n; k++) {
		compact(&ls->rel[k]);
		n += ls->rel[k].n;
	}
	return n;
}

void fg_graph_release_csr(fg_graph *g)
{
	fg_csr_free(&g->g);
}

void fg_graph_free(fg_graph **pg)
{
	fg_graph *g;
	pool *p;

	if (!pg || !*pg)
		return;
	g = *pg;
	fg_free(g->kind_name);
	fg_free(g->kind_weight);
	fg_free(g->kind_max_share);
	fg_free(g->kind_is_relation);
	fg_free((void *)g->user_id);
	fg_free(g->user_label);
	fg_free(g->user_created);
	fg_free(g->attr_name);
	fg_free(g->user_attr);
	fg_free(g->ent_kind);
	fg_free((void *)g->ent_value);
	fg_free(g->ent_share);
	fg_free(g->ent_hub);
	fg_free(g->ent_weight);
	fg_free(g->link_user);
	fg_free(g->link_target);
	fg_free(g->link_kind);
	fg_free(g->link_first);
	fg_free(g->link_last);
	fg_csr_free(&g->g);
	p = g->pool;
	if (p) {
		fg_free(p->users);
		fg_free(p->ents);
		fg_free(p->kinds);
		fg_free(p);
	}
	fg_free(g);
	*pg = NULL;
}

/*
 * Drop the interning headers of a sealed table: strings packed back to back
 * (NUL-terminated), off[id] updated.  Afterwards only arena + off[id] is
 * meaningful (not fg_intern_len/_tag).  One sequential pass.
 */
static void strip_headers(fg_intern *t)
{
	uint64_t w = 0;

	for (uint32_t id = 0; id < t->n; id++) {
		uint32_t o = t->off[id], len = fg_intern_len(t, id);
		memmove(t->arena + w, t->arena + o, (size_t)len + 1);
		t->off[id] = (uint32_t)w;
		w += (uint64_t)len + 1;
	}
	t->off[t->n] = (uint32_t)w;
	t->arena_len = w;
}

/* Move the arena of t into *dst, shrunk to its size (strings stay NUL-terminated). */
static char *take_arena(fg_intern *t)
{
	char *a = t->arena, *s;

	if (!a)
		return NULL;
	s = t->arena_len ? fg_realloc(a, (size_t)t->arena_len) : NULL;
	if (s)
		a = s;
	t->arena = NULL;
	t->arena_cap = 0;
	return a;
}

/*
 * The digest's byte stream is assembled in a local block and hashed in large
 * updates; the framing (fixed-width little-endian integers, u64 length before
 * each string) is that of the fg_hash128_u32/_u64/_str helpers.
 */
typedef struct dstream {
	fg_hash128 st;
	size_t w;
	unsigned char buf[8192];
} dstream;

static void ds_bytes(dstream *d, const void *p, size_t len)
{
	if (d->w + len > sizeof(d->buf)) {
		fg_hash128_update(&d->st, d->buf, d->w);
		d->w = 0;
		if (len > sizeof(d->buf)) {
			fg_hash128_update(&d->st, p, len);
			return;
		}
	}
	memcpy(d->buf + d->w, p, len);
	d->w += len;
}

static void ds_uint(dstream *d, uint64_t x, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(x >> (8 * i));
	ds_bytes(d, b, (size_t)bytes);
}

static void ds_str(dstream *d, const char *s)
{
	size_t len = strlen(s);

	ds_uint(d, len, 8);
	ds_bytes(d, s, len);
}

/* Digest of the canonical content (see fg_graph.h): any row order, any thread count. */
static void input_digest(fg_graph *g)
{
	dstream *d = fg_malloc(sizeof(*d));
	dstream local;

	/* the digest cannot fail: fall back to a stack block (and smaller updates) */
	if (!d)
		d = &local;
	fg_hash128_init(&d->st);
	d->w = 0;
	ds_uint(d, 18, 8);
	ds_bytes(d, "fraudgraph-input-1", 18);
	ds_uint(d, g->n_kinds, 8);
	ds_uint(d, g->n_users, 8);
	ds_uint(d, g->n_entities, 8);
	ds_uint(d, g->n_links, 8);
	for (uint32_t k = 0; k < g->n_kinds; k++)
		ds_str(d, g->kind_name[k]);
	for (uint32_t u = 0; u < g->n_users; u++) {
		ds_str(d, g->user_id[u]);
		ds_uint(d, g->user_label[u], 1);
		ds_uint(d, (uint64_t)g->user_created[u], 8);
	}
	for (uint32_t e = 0; e < g->n_entities; e++) {
		ds_uint(d, g->ent_kind[e], 4);
		ds_str(d, g->ent_value[e]);
	}
	for (uint64_t i = 0; i < g->n_links; i++) {
		unsigned char b[26];
		uint64_t f = (uint64_t)g->link_first[i], l = (uint64_t)g->link_last[i];
		for (int j = 0; j < 4; j++) {
			b[j] = (unsigned char)(g->link_user[i] >> (8 * j));
			b[4 + j] = (unsigned char)(g->link_target[i] >> (8 * j));
		}
		b[8] = (unsigned char)g->link_kind[i];
		b[9] = (unsigned char)(g->link_kind[i] >> 8);
		for (int j = 0; j < 8; j++) {
			b[10 + j] = (unsigned char)(f >> (8 * j));
			b[18 + j] = (unsigned char)(l >> (8 * j));
		}
		ds_bytes(d, b, sizeof(b));
	}
	/* user attributes, like the other user columns; only when there are some,
	 * so the digests of inputs without extra columns stay what they were */
	if (g->n_attrs) {
		ds_uint(d, g->n_attrs, 8);
		for (uint32_t a = 0; a < g->n_attrs; a++)
			ds_str(d, g->attr_name[a]);
		for (uint64_t i = 0; i < (uint64_t)g->n_users * g->n_attrs; i++) {
			uint32_t bits;
			float v = g->user_attr[i];

			if (isnan(v))
				bits = 0x7fc00000u; /* one NAN */
			else
				memcpy(&bits, &v, sizeof(bits));
			ds_uint(d, bits, 4);
		}
	}
	fg_hash128_update(&d->st, d->buf, d->w);
	fg_hash128_final(&d->st, g->input_digest);
	if (d != &local)
		fg_free(d);
}

static int nomem(const char *what)
{
	return fg_error_set(FG_ENOMEM, "out of memory building the graph (%s)", what);
}

/* Kinds: ranks, names, settings.  kind_rank[tmp] = canonical kind. */
static int build_kinds(fg_graph *g, pool *p, uint32_t *kind_rank, fg_linkset *ls,
                       const fg_config *cfg)
{
	uint32_t nk = ls->kinds.n;
	skey *work = fg_mallocarray(nk ? nk : 1, sizeof(*work));
	strsrc src = { &ls->kinds };

	if (!work || fg_intern_seal(&ls->kinds) != FG_OK) {
		fg_free(work);
		return nomem("kinds");
	}
	rank_strings(kind_rank, work, &src, nk);
	fg_free(work);
	g->n_kinds = nk;
	g->kind_name = fg_calloc(nk ? nk : 1, sizeof(*g->kind_name));
	g->kind_weight = fg_calloc(nk ? nk : 1, sizeof(*g->kind_weight));
	g->kind_max_share = fg_calloc(nk ? nk : 1, sizeof(*g->kind_max_share));
	g->kind_is_relation = fg_calloc(nk ? nk : 1, sizeof(*g->kind_is_relation));
	if (!g->kind_name || !g->kind_weight || !g->kind_max_share || !g->kind_is_relation)
		return nomem("kinds");
	p->kinds = take_arena(&ls->kinds);
	for (uint32_t k = 0; k < nk; k++) {
		uint32_t r = kind_rank[k];
		const char *name = p->kinds + ls->kinds.off[k];
		g->kind_name[r] = (char *)name;
		g->kind_weight[r] = fg_config_kind_weight(cfg, name);
		g->kind_max_share[r] = fg_config_kind_max_share(cfg, name);
		g->kind_is_relation[r] = ls->kind_rel[k] != 0;
	}
	p->bytes += ls->kinds.arena_len;
	return FG_OK;
}

/* One sorted, de-duplicated buffer feeding the k-way merge. */
typedef struct head {
	const recbuf *b;
	size_t i;
	uint16_t kind; /* canonical kind (relations); entity links take the entity's */
	int is_rel;
} head;

int fg_graph_build(fg_graph **out, fg_linkset *ls, const fg_config *cfg)
{
	fg_graph *g = NULL;
	pool *p = NULL;
	uint32_t *kind_rank = NULL, *user_rank = NULL, *ent_rank = NULL;
	skey *uwork = NULL, *ework = NULL;
	uint64_t *kstart = NULL;
	head *heads = NULL;
	struct hubref {
		uint64_t at;
		uint32_t target;
	} *hub_at = NULL;
	uint32_t nu, ne, nk, nheads = 0;
	uint64_t nl = 0, n_hub_links = 0;
	int64_t i;
	int rc = FG_OK;

	double tph = fg_clock();

	*out = NULL;
	if (ls->consumed || ls->broken)
		return fg_error_set(ls->broken ? FG_ENOMEM : FG_EUSAGE, "%s",
		                    ls->broken ? "out of memory: link set incomplete after an allocation failure"
		                               : "link set already built into a graph");
	if ((rc = flush(ls)) != FG_OK)
		return rc;
	ls->consumed = 1;
	fg_free(ls->pend);
	ls->pend = NULL;
	fg_free(ls->bbuf);
	ls->bbuf = NULL;
	ls->bbuf_cap = 0;
	fg_intern_drop_index(&ls->users);
	fg_intern_drop_index(&ls->ents);
	fg_intern_drop_index(&ls->kinds);
	nu = ls->users.n;
	ne = ls->ents.n;
	nk = ls->kinds.n;
	if ((uint64_t)nu + ne >= UINT32_MAX) {
		rc = fg_error_set(FG_EDATA, "too many vertices: %u users + %u entities", nu, ne);
		goto cleanup;
	}

	g = fg_calloc(1, sizeof(*g));
	if (g)
		g->pool = p = fg_calloc(1, sizeof(*p)); /* owned by g from here on */
	kind_rank = fg_mallocarray(nk ? nk : 1, sizeof(*kind_rank));
	if (!g || !p || !kind_rank) {
		rc = nomem("start");
		goto cleanup;
	}
	if ((rc = build_kinds(g, p, kind_rank, ls, cfg)) != FG_OK)
		goto cleanup;

	/* Canonical user and entity ids: string ranks, both sorts at once. */
	if ((rc = fg_intern_seal(&ls->users)) != FG_OK || (rc = fg_intern_seal(&ls->ents)) != FG_OK)
		goto cleanup;
	user_rank = fg_mallocarray(nu ? nu : 1, sizeof(*user_rank));
	ent_rank = fg_mallocarray(ne ? ne : 1, sizeof(*ent_rank));
	uwork = fg_mallocarray(nu ? nu : 1, sizeof(*uwork));
	ework = fg_mallocarray(ne ? ne : 1, sizeof(*ework));
	if (!user_rank || !ent_rank || !uwork || !ework) {
		rc = nomem("ranks");
		goto cleanup;
	}
	{
		/*
		 * Entities are ordered by (kind, value): bucket them by kind rank,
		 * then sort each kind's values; users and the kinds are independent
		 * tasks (users first: the largest), each sorted serially.
		 */
		strsrc us = { &ls->users }, es = { &ls->ents };
		int64_t task;
		if (!(kstart = fg_calloc((size_t)nk + 2, sizeof(*kstart)))) {
			rc = nomem("ranks");
			goto cleanup;
		}
		for (uint32_t t = 0; t < ne; t++)
			kstart[kind_rank[fg_intern_tag(&ls->ents, t)] + 2]++;
		for (uint32_t k = 0; k < nk; k++)
			kstart[k + 2] += kstart[k + 1];
		for (uint32_t t = 0; t < ne; t++)
			ework[kstart[kind_rank[fg_intern_tag(&ls->ents, t)] + 1]++].id = t;
		/* now kstart[k] .. kstart[k + 1] is kind rank k */
		#pragma omp parallel for schedule(dynamic, 1)
		for (task = -1; task < (int64_t)nk; task++) {
			if (task < 0)
				rank_strings(user_rank, uwork, &us, nu);
			else
				sort_strings(&es, ework + kstart[task], kstart[task + 1] - kstart[task], 0);
		}
		for (uint32_t q = 0; q < ne; q++)
			ent_rank[ework[q].id] = q;
	}
	PH("rank");
	fg_free(uwork);
	uwork = NULL;
	fg_free(ework);
	ework = NULL;
	fg_free(kstart);
	kstart = NULL;

	g->n_users = nu;
	g->relation_weight = cfg->relation_weight;
	g->n_entities = ne;
	g->user_id = fg_mallocarray(nu ? nu : 1, sizeof(*g->user_id));
	g->user_label = fg_mallocarray(nu ? nu : 1, sizeof(*g->user_label));
	g->user_created = fg_mallocarray(nu ? nu : 1, sizeof(*g->user_created));
	g->ent_kind = fg_mallocarray(ne ? ne : 1, sizeof(*g->ent_kind));
	g->ent_value = fg_mallocarray(ne ? ne : 1, sizeof(*g->ent_value));
	if (!g->user_id || !g->user_label || !g->user_created || !g->ent_kind || !g->ent_value) {
		rc = nomem("vertices");
		goto cleanup;
	}
	for (uint32_t t = 0; t < ne; t++)
		g->ent_kind[ent_rank[t]] = (uint16_t)kind_rank[fg_intern_tag(&ls->ents, t)];
	strip_headers(&ls->users);
	strip_headers(&ls->ents);
	p->users = take_arena(&ls->users);
	p->ents = take_arena(&ls->ents);
	p->bytes += ls->users.arena_len + ls->ents.arena_len;
	for (uint32_t t = 0; t < nu; t++) {
		uint32_t r = user_rank[t];
		g->user_id[r] = p->users + ls->users.off[t];
		g->user_label[r] = ls->user_label[t] & LABEL_MASK;
		g->user_created[r] = ls->user_created[t];
		if (g->user_label[r] == FG_LABEL_FRAUD)
			g->n_seeds++;
		else if (g->user_label[r] == FG_LABEL_LEGIT)
			g->n_legit++;
	}
	if ((rc = fg_attrset_build(ls->attrs, g, user_rank, nu)) != FG_OK)
		goto cleanup;
	fg_attrset_free(&ls->attrs);
	for (uint32_t t = 0; t < ne; t++)
		g->ent_value[ent_rank[t]] = p->ents + ls->ents.off[t];
	PH("vertices");
	fg_intern_free(&ls->users);
	fg_intern_free(&ls->ents);
	fg_free(ls->user_label);
	ls->user_label = NULL;
	fg_free(ls->user_created);
	ls->user_created = NULL;

	/* Renumber the records in place, then sort and merge each buffer. */
	{
		lrec *a = ls->el.a;
		#pragma omp parallel for schedule(static)
		for (i = 0; i < (int64_t)ls->el.n; i++) {
			uint64_t key = a[i].key;
			a[i].key = (uint64_t)user_rank[key >> 32] << 32 |
			           (uint64_t)(nu + ent_rank[(uint32_t)key]);
		}
		ls->el.clean = 0;
		compact(&ls->el);
		nl += ls->el.n;
	}
	PH("el sort");
	fg_free(ent_rank);
	ent_rank = NULL;
	heads = fg_calloc((size_t)nk + 1, sizeof(*heads));
	if (!heads) {
		rc = nomem("merge");
		goto cleanup;
	}
	for (uint32_t k = 0; k < nk; k++) {
		recbuf *b = &ls->rel[k];
		lrec *a = b->a;
		if (!ls->kind_rel[k])
			continue;
		#pragma omp parallel for schedule(static)
		for (i = 0; i < (int64_t)b->n; i++) {
			uint32_t x = user_rank[a[i].key >> 32], y = user_rank[(uint32_t)a[i].key];
			a[i].key = x < y ? (uint64_t)x << 32 | y : (uint64_t)y << 32 | x;
		}
		b->clean = 0;
		compact(b);
		nl += b->n;
		heads[nheads].b = b;
		heads[nheads].kind = (uint16_t)kind_rank[k];
		heads[nheads].is_rel = 1;
		nheads++;
	}
	PH("rel sort");
	fg_free(user_rank);
	user_rank = NULL;
	/* Relation heads by kind rank, so a tie on the pair takes the smaller kind. */
	for (uint32_t a = 1; a < nheads; a++) {
		head x = heads[a];
		uint32_t j = a;
		while (j > 0 && heads[j - 1].kind > x.kind) {
			heads[j] = heads[j - 1];
			j--;
		}
		heads[j] = x;
	}
	heads[nheads].b = &ls->el;
	heads[nheads].is_rel = 0;
	nheads++;

	/* k-way merge into the link arrays: (user, target, kind) order. */
	g->n_links = nl;
	g->link_user = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_user));
	g->link_target = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_target));
	g->link_kind = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_kind));
	g->link_first = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_first));
	g->link_last = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_last));
	if (!g->link_user || !g->link_target || !g->link_kind || !g->link_first || !g->link_last) {
		rc = nomem("links");
		goto cleanup;
	}
	for (uint64_t w = 0; w < nl; w++) {
		head *best = NULL;
		const lrec *r;
		for (uint32_t h = 0; h < nheads; h++) {
			head *c = &heads[h];
			if (c->i < c->b->n && (!best || c->b->a[c->i].key < best->b->a[best->i].key))
				best = c;
		}
		r = &best->b->a[best->i++];
		g->link_user[w] = (uint32_t)(r->key >> 32);
		g->link_target[w] = (uint32_t)r->key;
		g->link_kind[w] = best->is_rel ? best->kind : g->ent_kind[(uint32_t)r->key - nu];
		g->link_first[w] = r->first;
		g->link_last[w] = r->last;
		if (best->is_rel)
			g->n_user_links++;
	}
	PH("merge");
	ls->n_built = nl;
	recbuf_free(&ls->el);
	for (uint32_t k = 0; k < ls->kind_cap; k++)
		recbuf_free(&ls->rel[k]);

	/* Shares, hubs, weights. */
	g->ent_share = fg_calloc(ne ? ne : 1, sizeof(*g->ent_share));
	g->ent_hub = fg_calloc(ne ? ne : 1, sizeof(*g->ent_hub));
	g->ent_weight = fg_mallocarray(ne ? ne : 1, sizeof(*g->ent_weight));
	if (!g->ent_share || !g->ent_hub || !g->ent_weight) {
		rc = nomem("entities");
		goto cleanup;
	}
	/* Links are unique per (user, entity): a count is the number of distinct users. */
	for (uint64_t w = 0; w < nl; w++)
		if (g->link_target[w] >= nu)
			g->ent_share[g->link_target[w] - nu]++;
	for (uint32_t e = 0; e < ne; e++) {
		uint16_t k = g->ent_kind[e];
		g->ent_hub[e] = g->ent_share[e] > g->kind_max_share[k];
		g->ent_weight[e] = g->kind_weight[k] / log2(1.0 + (double)g->ent_share[e]);
		if (g->ent_hub[e]) {
			g->n_hubs++;
			n_hub_links += g->ent_share[e];
		}
	}

	PH("shares");
	/*
	 * The CSR without hub links: a hub link's target is replaced by its user
	 * for the call, making it a self-loop that the build drops, then restored.
	 * This saves copying the arcs (8 bytes a link) at the peak of memory.
	 */
	if (n_hub_links) {
		uint64_t h = 0;
		hub_at = fg_mallocarray(n_hub_links, sizeof(*hub_at));
		if (!hub_at) {
			rc = nomem("hubs");
			goto cleanup;
		}
		for (uint64_t w = 0; w < nl; w++) {
			uint32_t t = g->link_target[w];
			if (t >= nu && g->ent_hub[t - nu]) {
				hub_at[h].at = w;
				hub_at[h++].target = t;
				g->link_target[w] = g->link_user[w];
			}
		}
	}
	rc = fg_csr_from_arcs(&g->g, nu + ne, nl, g->link_user, g->link_target, true, true, true);
	for (uint64_t h = 0; h < n_hub_links; h++)
		g->link_target[hub_at[h].at] = hub_at[h].target;
	if (rc != FG_OK)
		goto cleanup;

	PH("csr");
	g->n_hub_links = n_hub_links;
	g->placeholders = ls->drops;
	input_digest(g);
	PH("digest");
	*out = g;
	g = NULL;

cleanup:
	fg_graph_free(&g);
	fg_free(kind_rank);
	fg_free(user_rank);
	fg_free(ent_rank);
	fg_free(uwork);
	fg_free(ework);
	fg_free(kstart);
	fg_free(heads);
	fg_free(hub_at);
	return rc;
}

static int cmp_id(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c)
		return c;
	return (la > lb) - (la < lb);
}

double fg_graph_weight(const fg_graph *g, uint32_t v)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	double s = 0.0;

	if (v >= nu)
		return (double)(off[v + 1] - off[v]) * g->ent_weight[v - nu];
	for (uint64_t a = off[v]; a < off[v + 1]; a++) {
		uint32_t y = g->g.adj[a];
		s += y < nu ? g->relation_weight : g->ent_weight[y - nu];
	}
	return s;
}

int64_t fg_graph_find_user(const fg_graph *g, const char *user_id)
{
	uint32_t lo = 0, hi = g->n_users;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmp_id(g->user_id[mid], user_id);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

double fg_graph_hub_cut_share(const fg_graph *g)
{
	return g->n_links ? (double)g->n_hub_links / (double)g->n_links : 0.0;
}

void fg_graph_kind_counts(uint64_t *links, uint64_t *hub_links, uint32_t *hubs, const fg_graph *g)
{
	memset(links, 0, g->n_kinds * sizeof(*links));
	memset(hub_links, 0, g->n_kinds * sizeof(*hub_links));
	memset(hubs, 0, g->n_kinds * sizeof(*hubs));
	for (uint64_t i = 0; i < g->n_links; i++) {
		uint32_t t = g->link_target[i];
		links[g->link_kind[i]]++;
		if (t >= g->n_users && g->ent_hub[t - g->n_users])
			hub_links[g->link_kind[i]]++;
	}
	for (uint32_t e = 0; e < g->n_entities; e++)
		if (g->ent_hub[e])
			hubs[g->ent_kind[e]]++;
}

uint64_t fg_graph_bytes(const fg_graph *g)
{
	const pool *p = g->pool;
	uint64_t b = 0;

	b += (uint64_t)g->n_kinds * (sizeof(char *) + sizeof(double) + sizeof(uint32_t) + sizeof(bool));
	b += (uint64_t)g->n_users * (sizeof(char *) + sizeof(uint8_t) + sizeof(int64_t));
	b += (uint64_t)g->n_users * g->n_attrs * sizeof(float);
	b += (uint64_t)g->n_entities *
	     (sizeof(uint16_t) + sizeof(char *) + sizeof(uint32_t) + sizeof(uint8_t) + sizeof(double));
	b += g->n_links * (2 * sizeof(uint32_t) + sizeof(uint16_t) + 2 * sizeof(int64_t));
	b += ((uint64_t)g->g.n + 1) * sizeof(uint64_t) + g->g.m * sizeof(uint32_t);
	if (p)
		b += p->bytes;
	return b;
}
