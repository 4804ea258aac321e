/*
 * fg_linkset: the accumulator of the readers' rows (fg_graph.h), consumed by
 * fg_graph_build (fg_graph_build.c).
 *
 * User ids, kind names and (kind, value) entities are interned (fg_intern) to
 * temporary ids.  Link rows are batched (BATCH at a time) and each batch is
 * interned with fg_intern_get_batch: the users' and the entities' tables are
 * split into 2^PBITS index parts by hash, each part looked up and extended
 * by one thread when the batch forks, the lookups (cache misses) prefetched.  Each row
 * appends one 24-byte record {key, first, last} to a buffer: for entity links
 * key = user_tmp << 32 | entity_tmp, for relation rows (one buffer per
 * relation kind) key = min(a, b) << 32 | max(a, b) over the two users'
 * temporary ids, so both directions meet.  Nothing is probed per row for
 * duplicates; a buffer past COMPACT_MIN records is sorted (fg_afsort.h) and
 * merged in place (min first / max last) before it grows, which bounds memory
 * by the distinct links when the input repeats rows.  The merges of
 * duplicates are commutative (min/max, label priority), so the content never
 * depends on row order; temporary ids never reach the graph.
 *
 * Memory, bytes (L distinct links, U users, E entities, S string bytes):
 * records 24 L, interning S + 7 (U + E) + index 8..16 (U + E).
 * Complexity: O(rows + total string bytes) expected.
 * Thread-safety: a linkset is fed by one thread (a batch's interning
 * threads internally, OpenMP; no igraph).
 */
#include "fg_graph_internal.h"

#include "fg_afsort.h"
#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_hash.h"
#include "fg_log.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

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

/* Link rows per batch; bytes of a batch's strings; index parts 2^PBITS of the
 * users' and entities' tables (fixed: temporary ids do not depend on threads). */
#define BATCH ((uint32_t)1 << 18)
#define BBUF_CAP ((size_t)16 << 20)
#define PBITS 6

static int64_t max_time(int64_t a, int64_t b)
{
	return a > b ? a : b; /* FG_TIME_NONE is INT64_MIN */
}


static int label_rank(uint8_t l)
{
	l &= FG_LS_LABEL_MASK;
	return l == FG_LABEL_FRAUD ? 2 : l == FG_LABEL_LEGIT ? 1 : 0;
}

FG_AFSORT_DEFINE(sort_recs, fg_linkrec)

/* Sort by key and merge equal keys (min first, max last); in place. */
void fg_recbuf_compact(fg_recbuf *b)
{
	size_t w = 0;

	if (b->clean == b->n)
		return;
	sort_recs(b->a, b->n, 56, 1);
	for (size_t i = 0; i < b->n; i++) {
		if (w > 0 && b->a[w - 1].key == b->a[i].key) {
			b->a[w - 1].first = fg_time_min(b->a[w - 1].first, b->a[i].first);
			b->a[w - 1].last = max_time(b->a[w - 1].last, b->a[i].last);
		} else {
			b->a[w++] = b->a[i];
		}
	}
	b->n = w;
	b->clean = w;
}

static int push(fg_recbuf *b, uint64_t key, int64_t seen)
{
	if (b->n == b->cap) {
		size_t cap;
		fg_linkrec *a;
		if (b->cap >= COMPACT_MIN && b->n - b->clean >= b->cap / 4) {
			fg_recbuf_compact(b);
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

void fg_recbuf_free(fg_recbuf *b)
{
	fg_free(b->a);
	memset(b, 0, sizeof(*b));
}

int fg_linkset_check_open(const fg_linkset *ls)
{
	if (ls->consumed || ls->broken)
		return fg_error_set(ls->broken ? FG_ENOMEM : FG_EUSAGE, "%s",
		                    ls->broken ? "out of memory: link set incomplete after an allocation failure"
		                               : "link set already built into a graph");
	return FG_OK;
}

int fg_linkset_new(fg_linkset **out, const fg_config *cfg)
{
	fg_linkset *ls = fg_calloc(1, sizeof(*ls));

	*out = NULL;
	if (!ls)
		return fg_error_set(FG_ENOMEM, "out of memory creating a link set");
	ls->cfg = cfg;
	fg_intern_init_parts(&ls->users, PBITS);
	fg_intern_init_parts(&ls->ents, PBITS);
	fg_intern_init(&ls->kinds);
	ls->last_kind = -1;
	for (int i = 0; i < FG_KIND_MEMO_N; i++)
		ls->km_k[i] = -1;
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
	fg_linkset_free_batch(ls);
	fg_free(ls->nbuf);
	if (ls->kind_names)
		for (uint32_t k = 0; k < ls->kind_cap; k++)
			fg_free(ls->kind_names[k]);
	fg_free(ls->kind_names);
	if (ls->rel)
		for (uint32_t k = 0; k < ls->kind_cap; k++)
			fg_recbuf_free(&ls->rel[k]);
	fg_free(ls->rel);
	fg_recbuf_free(&ls->el);
	fg_free(ls);
	*pls = NULL;
}

int fg_linkset_expect(fg_linkset *ls, uint64_t n_entities, uint64_t n_users)
{
	int rc;

	if ((rc = fg_intern_reserve(&ls->ents, n_entities)) != FG_OK ||
	    (rc = fg_intern_reserve(&ls->users, n_users)) != FG_OK)
		return rc;
	return FG_OK;
}

void fg_linkset_set_fork_rule(fg_linkset *ls, int (*pays)(uint64_t units, uint64_t ns_per_unit))
{
	ls->pk.ub.pays = pays;
	ls->pk.eb.pays = pays;
}

/* Room for the attributes of users [0, n); a failure marks the set broken
 * (users interned without their attributes). */
static int users_reserve(fg_linkset *ls, uint32_t n)
{
	uint64_t cap = ls->user_cap ? ls->user_cap : 1024;
	uint8_t *lab;
	int64_t *cr;

	if (n <= ls->user_cap)
		return FG_OK;
	while (cap < n)
		cap *= 2;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	lab = fg_reallocarray(ls->user_label, (size_t)cap, sizeof(*lab));
	if (lab)
		ls->user_label = lab;
	cr = lab ? fg_reallocarray(ls->user_created, (size_t)cap, sizeof(*cr)) : NULL;
	if (!cr) {
		ls->broken = 1;
		return fg_error_set(FG_ENOMEM, "out of memory storing %llu users", (unsigned long long)cap);
	}
	ls->user_created = cr;
	ls->user_cap = (uint32_t)cap;
	return FG_OK;
}

/* A user new to the set: unknown label, no created_at. */
static void user_new(fg_linkset *ls, uint32_t u)
{
	ls->user_label[u] = FG_LABEL_UNKNOWN;
	ls->user_created[u] = FG_TIME_NONE;
}

/* The temporary id of user s, adding it if new. */
/* The id of user s (h: its fg_intern_hash with tag 0), added if new. */
static int intern_user(uint32_t *out, fg_linkset *ls, uint32_t h, const char *s, size_t len)
{
	int added, rc;

	if ((rc = fg_intern_get_hashed(out, &ls->users, h, 0, s, len, &added)) != FG_OK)
		return rc;
	if (!added)
		return FG_OK;
	if ((rc = users_reserve(ls, *out + 1)) != FG_OK)
		return rc;
	user_new(ls, *out);
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
			fg_recbuf *rb = NULL;
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
 * Link rows are taken in batches: the strings are copied aside (bbuf), then
 * flush interns the batch's users and entities with fg_intern_get_batch (by
 * index part in parallel where the fork rule says it pays, with 3+ threads;
 * else in one prefetched pass) and stores each row.  A batch is large (BATCH rows, about
 * 12 MiB of strings) so that the parallel regions pay.  Temporary ids follow
 * first occurrence, as row-by-row interning would give them, for any thread
 * count (nothing observable depends on them).
 */
void fg_linkset_free_batch(fg_linkset *ls)
{
	fg_pend_keys *pk = &ls->pk;

	fg_free(ls->pend);
	ls->pend = NULL;
	fg_free(ls->bbuf);
	ls->bbuf = NULL;
	ls->bbuf_cap = ls->bbuf_len = 0;
	ls->npend = ls->pend_cap = 0;
	fg_free(pk->ukeys);
	fg_free(pk->ekeys);
	fg_free(pk->uids);
	fg_free(pk->eids);
	fg_free(pk->uadded);
	fg_intern_batch_free(&pk->ub);
	fg_intern_batch_free(&pk->eb);
	memset(pk, 0, sizeof(*pk));
}

/* *p grown to n elements of sz bytes; 0 on failure (*p unchanged). */
static int regrow(void *p, size_t n, size_t sz)
{
	void *q = fg_reallocarray(*(void **)p, n, sz);

	if (q)
		*(void **)p = q;
	return q != NULL;
}

/*
 * Room for one more row: the batch's arrays grow (doubling from 1024 rows,
 * so a small input never pays for a full batch) up to BATCH rows, then the
 * batch is flushed.  FG_OK, or the flush's error, or FG_ENOMEM.
 */
static int pend_room(fg_linkset *ls)
{
	fg_pend_keys *pk = &ls->pk;
	size_t cap;

	if (ls->npend < ls->pend_cap)
		return FG_OK;
	if (ls->pend_cap >= BATCH)
		return fg_linkset_flush(ls);
	cap = ls->pend_cap ? 2 * (size_t)ls->pend_cap : 1024;
	if (!regrow(&pk->ukeys, 2 * cap, sizeof(*pk->ukeys)) ||
	    !regrow(&pk->ekeys, cap, sizeof(*pk->ekeys)) || !regrow(&pk->uids, 2 * cap, sizeof(*pk->uids)) ||
	    !regrow(&pk->eids, cap, sizeof(*pk->eids)) ||
	    !regrow(&pk->uadded, 2 * cap, sizeof(*pk->uadded)) || !regrow(&ls->pend, cap, sizeof(*ls->pend)))
		return fg_error_set(FG_ENOMEM, "out of memory for a batch of links");
	ls->pend_cap = (uint32_t)cap;
	return FG_OK;
}

/* Room for need more bytes of strings: bbuf grows (doubling from 64 KiB) up
 * to BBUF_CAP, then the batch is flushed; a single longer row gets its own
 * size.  FG_OK, or the flush's error, or FG_ENOMEM. */
static int bbuf_room(fg_linkset *ls, size_t need)
{
	size_t cap;
	char *b;
	int rc;

	if (ls->bbuf_len + need <= ls->bbuf_cap)
		return FG_OK;
	if (ls->bbuf_cap >= BBUF_CAP) {
		if ((rc = fg_linkset_flush(ls)) != FG_OK)
			return rc;
		if (need <= ls->bbuf_cap)
			return FG_OK;
	}
	cap = ls->bbuf_cap ? 2 * ls->bbuf_cap : 65536;
	while (cap < ls->bbuf_len + need)
		cap *= 2;
	if (!(b = fg_realloc(ls->bbuf, cap)))
		return fg_error_set(FG_ENOMEM, "out of memory for a batch of links");
	ls->bbuf = b;
	ls->bbuf_cap = cap;
	return FG_OK;
}

int fg_linkset_flush(fg_linkset *ls)
{
	fg_pend_keys *pk = &ls->pk;
	const uint32_t n = ls->npend;
	uint32_t nu = 0, ne = 0;
	int rc = FG_OK;

	if (n == 0)
		return FG_OK;
	for (uint32_t i = 0; i < n; i++) {
		const fg_pend *q = &ls->pend[i];
		pk->ukeys[nu++] = (fg_intern_key){ .s = ls->bbuf + q->uo, .len = q->ul, .h = q->uh };
	}
	for (uint32_t i = 0; i < n; i++) {
		const fg_pend *q = &ls->pend[i];
		if (q->rel)
			pk->ukeys[nu++] = (fg_intern_key){ .s = ls->bbuf + q->vo, .len = q->vl, .h = q->vh };
		else
			pk->ekeys[ne++] = (fg_intern_key){ .s = ls->bbuf + q->vo, .len = q->vl, .tag = q->kind,
			                                   .h = fg_intern_hash_tag(q->vh, q->kind) };
	}
	if ((rc = fg_intern_get_batch(pk->uids, pk->uadded, &ls->users, pk->ukeys, nu, &pk->ub)) !=
	            FG_OK ||
	    (rc = users_reserve(ls, ls->users.n)) != FG_OK)
		goto cleanup;
	for (uint32_t k = 0; k < nu; k++)
		if (pk->uadded[k])
			user_new(ls, pk->uids[k]);
	if ((rc = fg_intern_get_batch(pk->eids, NULL, &ls->ents, pk->ekeys, ne, &pk->eb)) != FG_OK)
		goto cleanup;
	for (uint32_t i = 0, r = n, e = 0; i < n; i++) {
		const fg_pend *q = &ls->pend[i];
		uint32_t u = pk->uids[i], v;
		if (q->rel) {
			v = pk->uids[r++];
			rc = push(&ls->rel[q->kind], u < v ? (uint64_t)u << 32 | v : (uint64_t)v << 32 | u,
			          q->seen);
		} else {
			v = pk->eids[e++];
			rc = push(&ls->el, (uint64_t)u << 32 | v, q->seen);
		}
		if (rc != FG_OK)
			break;
	}

cleanup:
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

/*
 * The kind spelt s[0..len) resolved as fg_config_normalise_value resolves
 * it (canonical kind, value class), and *kslot the place of its id in kinds
 * (-1 until a row of it is kept): the memo's entry, or for a kind the memo
 * does not hold *tmp filled (its canonical kind may point into s) and *tmpk.
 */
static const fg_kind_settings *kind_resolve(fg_linkset *ls, fg_kind_settings *tmp,
                                            int64_t **kslot, int64_t *tmpk, const char *s,
                                            size_t len)
{
	int i = fg_kind_memo_get(&ls->km, ls->cfg, s, len);

	if (i >= 0) {
		*kslot = &ls->km_k[i];
		return &ls->km.e[i];
	}
	tmp->canon = fg_config_kind_canonical(&tmp->canon_len, ls->cfg, s, len);
	tmp->cls = fg_config_value_class(ls->cfg, tmp->canon, tmp->canon_len);
	*tmpk = -1;
	*kslot = tmpk;
	return tmp;
}

/*
 * Row (kind canonical, value normalised; uh, vh the fg_hash_str32 of its
 * user and value) added to the batch, *kslot its kind's id (kind_resolve);
 * a placeholder is counted and dropped.
 */
static int link_add(fg_linkset *ls, const fg_link_row *row, int64_t *kslot, bool placeholder,
                    uint32_t uh, uint32_t vh)
{
	uint32_t k = 0;
	size_t need;
	fg_pend *q;
	int rc;

	if (placeholder) {
		count_drop(&ls->drops, row->kind.ptr, row->kind.len);
		return FG_OK;
	}
	if (*kslot < 0) {
		if ((rc = intern_kind(&k, ls, row->kind.ptr, row->kind.len)) != FG_OK)
			return rc;
		*kslot = k;
	}
	k = (uint32_t)*kslot;
	/* A self-relation carries no information; the reader rejects it too. */
	if (ls->kind_rel[k] && row->user.len == row->value.len &&
	    memcmp(row->user.ptr, row->value.ptr, row->user.len) == 0)
		return FG_OK;
	need = row->user.len + row->value.len;
	if ((rc = pend_room(ls)) != FG_OK || (rc = bbuf_room(ls, need)) != FG_OK)
		return rc;
	q = &ls->pend[ls->npend++];
	q->uo = ls->bbuf_len;
	q->ul = (uint32_t)row->user.len;
	memcpy(ls->bbuf + ls->bbuf_len, row->user.ptr, row->user.len);
	ls->bbuf_len += row->user.len;
	q->vo = ls->bbuf_len;
	q->vl = (uint32_t)row->value.len;
	memcpy(ls->bbuf + ls->bbuf_len, row->value.ptr, row->value.len);
	ls->bbuf_len += row->value.len;
	q->uh = uh;
	q->vh = vh;
	q->seen = row->seen_at;
	q->kind = (uint16_t)k;
	q->rel = ls->kind_rel[k];
	return FG_OK;
}

int fg_linkset_link_sink(void *ctx, const fg_link_row *in)
{
	fg_linkset *ls = ctx;
	fg_link_row row;
	fg_kind_settings tmp;
	const fg_kind_settings *ks;
	int64_t *kslot, tmpk;
	int rc;

	if ((rc = fg_linkset_check_open(ls)) != FG_OK)
		return rc;
	/*
	 * The row path before interning (fg_config_normalise_value, with the
	 * kind's alias and class cached): the kind becomes its canonical kind,
	 * the value its normalised form, and a placeholder drops the row.
	 */
	row = *in;
	ks = kind_resolve(ls, &tmp, &kslot, &tmpk, in->kind.ptr, in->kind.len);
	row.kind.ptr = ks->canon;
	row.kind.len = ks->canon_len;
	if (ks->cls != FG_VALUE_PLAIN && ks->cls != FG_VALUE_USER) {
		if (in->value.len + 1 > ls->nbuf_cap) {
			size_t cap = in->value.len + 1 > 256 ? in->value.len + 1 : 256;
			char *b = fg_realloc(ls->nbuf, cap);
			if (!b)
				return fg_error_set(FG_ENOMEM, "out of memory normalising a value");
			ls->nbuf = b;
			ls->nbuf_cap = cap;
		}
		fg_config_normalise_class(ls->nbuf, &row.value.len, ks->cls, in->value.ptr,
		                          in->value.len);
		row.value.ptr = ls->nbuf;
	}
	if (fg_config_is_placeholder(ls->cfg, row.kind.ptr, row.kind.len, row.value.ptr,
	                             row.value.len))
		return link_add(ls, &row, kslot, true, 0, 0);
	return link_add(ls, &row, kslot, false, fg_hash_str32(row.user.ptr, row.user.len),
	                fg_hash_str32(row.value.ptr, row.value.len));
}

int fg_linkset_reader_sink(void *ctx, const fg_link_row *row)
{
	fg_linkset *ls = ctx;
	fg_kind_settings tmp;
	int64_t *kslot, tmpk;
	int rc;

	if ((rc = fg_linkset_check_open(ls)) != FG_OK)
		return rc;
	kind_resolve(ls, &tmp, &kslot, &tmpk, row->kind.ptr, row->kind.len);
	assert(row->placeholder || (row->user_hash == fg_hash_str32(row->user.ptr, row->user.len) &&
	                            row->value_hash == fg_hash_str32(row->value.ptr, row->value.len)));
	return link_add(ls, row, kslot, row->placeholder, row->user_hash, row->value_hash);
}

/* A user row whose user string hashes to h (fg_intern_hash, tag 0). */
static int user_add(fg_linkset *ls, const fg_user_row *row, uint32_t h)
{
	uint32_t u;
	int rc;

	if ((rc = fg_linkset_check_open(ls)) != FG_OK)
		return rc;
	if ((rc = intern_user(&u, ls, h, row->user.ptr, row->user.len)) != FG_OK)
		return rc;
	if (label_rank((uint8_t)row->label) > label_rank(ls->user_label[u]))
		ls->user_label[u] = (uint8_t)((ls->user_label[u] & ~FG_LS_LABEL_MASK) | row->label);
	if (row->label == FG_LABEL_FRAUD)
		ls->user_label[u] |= FG_LS_SEEN_FRAUD;
	else if (row->label == FG_LABEL_LEGIT)
		ls->user_label[u] |= FG_LS_SEEN_LEGIT;
	ls->user_created[u] = fg_time_min(ls->user_created[u], row->created_at);
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

int fg_linkset_user_sink(void *ctx, const fg_user_row *row)
{
	return user_add(ctx, row, fg_intern_hash(0, row->user.ptr, row->user.len));
}

int fg_linkset_reader_user_sink(void *ctx, const fg_user_row *row)
{
	assert(row->user_hash == fg_hash_str32(row->user.ptr, row->user.len));
	return user_add(ctx, row, fg_intern_hash_tag(row->user_hash, 0));
}

void fg_linkset_user_hint(void *ctx, uint32_t user_hash, bool near)
{
	const fg_linkset *ls = ctx;

	fg_intern_prefetch(&ls->users, fg_intern_hash_tag(user_hash, 0), near);
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
		if ((ls->user_label[u] & (FG_LS_SEEN_FRAUD | FG_LS_SEEN_LEGIT)) != (FG_LS_SEEN_FRAUD | FG_LS_SEEN_LEGIT))
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
	(void)fg_linkset_flush(ls); /* a failure marks the set broken; the build reports it */
	fg_recbuf_compact(&ls->el);
	n = ls->el.n;
	for (uint32_t k = 0; k < ls->kinds.n; k++) {
		fg_recbuf_compact(&ls->rel[k]);
		n += ls->rel[k].n;
	}
	return n;
}

