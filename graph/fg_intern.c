/*
 * String interning: arena + open-addressing index (see fg_intern.h).
 *
 * The index stores the high 32 bits of the XXH64 hash next to each entry's
 * offset, so a probe reads the arena only when the hashes agree, and growing
 * the index never re-reads the strings.  The probe position uses those same
 * 32 bits (masked), so up to 2^32 slots are addressed.  The entry carries its
 * id and tag, so a hit costs the slot and one arena line, not extra arrays.
 */
#include "fg_intern.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_hash.h"
#include "fg_prefetch.h"

#include <assert.h>
#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#define PART_MIN_SLOTS 16
/* Without a rule from the caller (fg_intern_batch.pays), a batch forks from
 * this many keys: a parallel phase must hold ~10+ ms of serial work or, on a
 * loaded machine, waiting at its barrier costs more than it saves. */
#define BATCH_PAR_MIN ((size_t)1 << 17)
/* Serial cost of one key of a batch, ns, for the caller's rule: 78-113 ns of
 * CPU per key in the serial pass (2M world, 18.5 M keys, load 9-11). */
#define BATCH_NS_PER_KEY 113
/* The by-part path costs ~1.9x the serial pass's CPU (hashing apart,
 * grouping, pending entries, a second pass over the new slots: 3.6-4.1 CPU-s
 * against 1.4-2.1 on the same keys), so with fewer threads than this it
 * cannot finish sooner even on an idle machine: it never forks there. */
#define BATCH_PAR_MIN_THREADS 3
#define LOOKAHEAD 16       /* keys between a slot's prefetch and its probe */

/* Why a part of a batch failed (the message is set on the calling thread). */
enum { BERR_NONE, BERR_NOMEM, BERR_FULL, BERR_NUL };

void fg_intern_init(fg_intern *t)
{
	memset(t, 0, sizeof(*t));
}

void fg_intern_init_parts(fg_intern *t, unsigned pbits)
{
	assert(pbits <= FG_INTERN_PBITS_MAX);
	fg_intern_init(t);
	t->pbits = pbits;
}

static size_t n_parts(const fg_intern *t)
{
	return (size_t)1 << t->pbits;
}

static uint32_t part_of(const fg_intern *t, uint32_t h)
{
	return t->pbits ? h >> (32 - t->pbits) : 0;
}

static void free_parts(fg_intern *t)
{
	if (t->parts)
		for (size_t p = 0; p < n_parts(t); p++)
			fg_free(t->parts[p].slots);
	fg_free(t->parts);
	t->parts = NULL;
}

void fg_intern_free(fg_intern *t)
{
	unsigned pbits;

	if (!t)
		return;
	pbits = t->pbits;
	fg_free(t->arena);
	free_parts(t);
	fg_free(t->off);
	fg_intern_init_parts(t, pbits);
}

uint32_t fg_intern_hash(uint16_t tag, const char *s, size_t len)
{
	return fg_intern_hash_tag(fg_hash_str32(s, len), tag);
}


/* The first index: n0 slots a part (a power of two, at least PART_MIN_SLOTS). */
static int alloc_parts(fg_intern *t, uint64_t n0)
{
	if (!(t->parts = fg_calloc(n_parts(t), sizeof(*t->parts))))
		goto nomem;
	for (size_t p = 0; p < n_parts(t); p++) {
		if (!(t->parts[p].slots = fg_calloc(n0, sizeof(uint64_t))))
			goto nomem;
		t->parts[p].mask = n0 - 1;
	}
	return FG_OK;
nomem:
	free_parts(t);
	return fg_error_set(FG_ENOMEM, "out of memory creating a string index");
}

/* Double part P (slots re-placed by their stored hashes; no string is read).
 * FG_OK, FG_EDATA (past 2^(32 - pbits) slots) or FG_ENOMEM, no message. */
static int grow_part(const fg_intern *t, fg_intern_part *P)
{
	uint64_t nslots = (P->mask + 1) * 2, mask = nslots - 1;
	uint64_t *slots;

	if (nslots > ((uint64_t)1 << (32 - t->pbits)))
		return FG_EDATA;
	if (!(slots = fg_calloc(nslots, sizeof(*slots))))
		return FG_ENOMEM;
	for (uint64_t i = 0; i <= P->mask; i++) {
		uint64_t s = P->slots[i], q;
		if (!s)
			continue;
		q = (s >> 32) & mask;
		while (slots[q])
			q = (q + 1) & mask;
		slots[q] = s;
	}
	fg_free(P->slots);
	P->slots = slots;
	P->mask = mask;
	return FG_OK;
}

static int grow_error(int rc, const fg_intern_part *P)
{
	if (rc == FG_EDATA)
		return fg_error_set(FG_EDATA, "interning: too many distinct strings");
	return fg_error_set(FG_ENOMEM, "out of memory growing a string index to %llu slots",
	                    (unsigned long long)(P->mask + 1) * 2);
}

static int grow_arena(fg_intern *t, uint64_t need)
{
	uint64_t cap = t->arena_cap ? t->arena_cap : 4096;
	char *a;

	if (need > UINT32_MAX)
		return fg_error_set(FG_EDATA, "interning: strings exceed 4 GiB");
	while (cap < need)
		cap *= 2;
	if (cap > (uint64_t)UINT32_MAX + 1)
		cap = (uint64_t)UINT32_MAX + 1;
	a = fg_realloc(t->arena, (size_t)cap);
	if (!a)
		return fg_error_set(FG_ENOMEM, "out of memory growing a string arena to %llu bytes",
		                    (unsigned long long)cap);
	if (!t->arena) {
		a[0] = '\0'; /* pad: offset 0 never names an entry, so slot 0 means empty */
		t->arena_len = 1;
	}
	t->arena = a;
	t->arena_cap = cap;
	return FG_OK;
}

/* 1 with *id if the entry at arena offset o is (tag, s[0..len)). */
static int entry_is(const fg_intern *t, uint32_t o, uint16_t tag, const char *s, size_t len,
                    uint32_t *id)
{
	const char *e = t->arena + o;
	uint16_t etag;

	memcpy(&etag, e + 4, sizeof(etag));
	/* The bounds test keeps memcmp inside the arena; the NUL after the stored
	 * string then proves equal lengths (no NULs inside). */
	if (etag != tag || o + FG_INTERN_HDR + len >= t->arena_len ||
	    memcmp(e + FG_INTERN_HDR, s, len) != 0 || e[FG_INTERN_HDR + len] != '\0')
		return 0;
	memcpy(id, e, sizeof(*id));
	return 1;
}

/* Slot position of (tag, s) in part P and its id, or -1 with *pos at the empty slot. */
static int64_t probe(const fg_intern *t, const fg_intern_part *P, uint32_t h, uint16_t tag,
                     const char *s, size_t len, uint64_t *pos)
{
	uint64_t p = h & P->mask;

	for (;;) {
		uint64_t slot = P->slots[p];
		uint32_t id;
		if (!slot)
			break;
		if ((uint32_t)(slot >> 32) == h && entry_is(t, (uint32_t)slot, tag, s, len, &id)) {
			*pos = p;
			return id;
		}
		p = (p + 1) & P->mask;
	}
	*pos = p;
	return -1;
}

/*
 * Slots a part of the first index has: 1024 in all without a hint, else room
 * for n strings spread evenly over the parts at load <= 0.7 (each part's
 * share rounded up to a power of two, within the 2^32 slots the hash
 * addresses); at least PART_MIN_SLOTS.
 */
static uint64_t first_part_slots(const fg_intern *t, uint64_t n)
{
	const uint64_t most = (uint64_t)1 << (32 - t->pbits);
	uint64_t want = n ? (n >> t->pbits) + 1 : (uint64_t)1024 >> t->pbits, s = PART_MIN_SLOTS;

	if (n)
		want = want / 7 * 10 + 16;
	while (s < want && s < most)
		s *= 2;
	return s;
}

/* FG_OK if strings may be added (the index created on first use), else FG_EUSAGE. */
static int open_for_adding(fg_intern *t)
{
	if (t->off)
		return fg_error_set(FG_EUSAGE, "interning into a sealed table");
	if (!t->parts) {
		if (t->n)
			return fg_error_set(FG_EUSAGE, "interning after the index was dropped");
		return alloc_parts(t, first_part_slots(t, 0));
	}
	return FG_OK;
}

int fg_intern_reserve(fg_intern *t, uint64_t n)
{
	if (t->parts || t->n || t->off || n == 0)
		return FG_OK;
	return alloc_parts(t, first_part_slots(t, n));
}

int fg_intern_get(uint32_t *out, fg_intern *t, uint16_t tag, const char *s, size_t len,
                  int *added)
{
	return fg_intern_get_hashed(out, t, fg_intern_hash(tag, s, len), tag, s, len, added);
}

/*
 * The id of (tag, s) with hash h, added at the end of the arena if new (the
 * index exists).  A failure leaves the table unchanged, message set.
 */
static int add_one(uint32_t *out, int *added, fg_intern *t, uint32_t h, uint16_t tag,
                   const char *s, size_t len)
{
	fg_intern_part *P;
	uint32_t id;
	uint64_t pos, o;
	int64_t found;
	int rc;

	*added = 0;
	if (len && memchr(s, '\0', len))
		return fg_error_set(FG_EDATA, "interning: a string contains a NUL byte");
	P = &t->parts[part_of(t, h)];
	found = probe(t, P, h, tag, s, len, &pos);
	if (found >= 0) {
		*out = (uint32_t)found;
		return FG_OK;
	}
	/* New string: make room first, so a failure leaves the table unchanged. */
	if (t->n == UINT32_MAX - 1)
		return fg_error_set(FG_EDATA, "interning: too many distinct strings");
	if ((uint64_t)(P->n + 1) * 10 > (P->mask + 1) * 7) {
		if ((rc = grow_part(t, P)) != FG_OK)
			return grow_error(rc, P);
		probe(t, P, h, tag, s, len, &pos);
	}
	o = t->arena_len ? t->arena_len : 1;
	if (o + FG_INTERN_HDR + len + 1 > t->arena_cap &&
	    (rc = grow_arena(t, o + FG_INTERN_HDR + len + 1)) != FG_OK)
		return rc;
	id = t->n;
	memcpy(t->arena + o, &id, sizeof(id));
	memcpy(t->arena + o + 4, &tag, sizeof(tag));
	memcpy(t->arena + o + FG_INTERN_HDR, s, len);
	t->arena[o + FG_INTERN_HDR + len] = '\0';
	t->arena_len = o + FG_INTERN_HDR + len + 1;
	P->slots[pos] = (uint64_t)h << 32 | o;
	P->n++;
	t->n++;
	*out = id;
	*added = 1;
	return FG_OK;
}

int fg_intern_get_hashed(uint32_t *out, fg_intern *t, uint32_t h, uint16_t tag, const char *s,
                         size_t len, int *added)
{
	int rc, fresh;

	if (added)
		*added = 0;
	if ((rc = open_for_adding(t)) != FG_OK)
		return rc;
	rc = add_one(out, &fresh, t, h, tag, s, len);
	if (added)
		*added = fresh;
	return rc;
}

void fg_intern_batch_free(fg_intern_batch *b)
{
	int (*pays)(uint64_t, uint64_t) = b->pays;

	fg_free(b->order);
	fg_free(b->newk);
	fg_free(b->newpos);
	fg_free(b->eoff);
	fg_free(b->state);
	memset(b, 0, sizeof(*b));
	b->pays = pays;
}

/* Scratch for n keys.  FG_OK or FG_ENOMEM (no message). */
static int batch_reserve(fg_intern_batch *b, size_t n)
{
	uint32_t *o, *k, *e;
	uint64_t *p;
	uint8_t *s;

	if (n <= b->cap)
		return FG_OK;
	if ((o = fg_reallocarray(b->order, n, sizeof(*o))))
		b->order = o;
	if ((k = fg_reallocarray(b->newk, n, sizeof(*k))))
		b->newk = k;
	if ((p = fg_reallocarray(b->newpos, n, sizeof(*p))))
		b->newpos = p;
	if ((e = fg_reallocarray(b->eoff, n, sizeof(*e))))
		b->eoff = e;
	if ((s = fg_reallocarray(b->state, n, sizeof(*s))))
		b->state = s;
	if (!o || !k || !p || !e || !s)
		return FG_ENOMEM;
	b->cap = n;
	return FG_OK;
}

/* Take out every slot naming an entry at or past offset base_len (each part
 * holding one is rebuilt at its size); if memory runs out, the index goes. */
static void drop_from(fg_intern *t, uint64_t base_len)
{
	for (size_t p = 0; p < n_parts(t); p++) {
		fg_intern_part *P = &t->parts[p];
		uint64_t *slots, i;
		uint32_t n = 0;

		for (i = 0; i <= P->mask && (!P->slots[i] || (uint32_t)P->slots[i] < base_len); i++)
			;
		if (i > P->mask)
			continue;
		if (!(slots = fg_calloc(P->mask + 1, sizeof(*slots)))) {
			free_parts(t);
			return;
		}
		for (i = 0; i <= P->mask; i++) {
			uint64_t s = P->slots[i], q;
			if (!s || (uint32_t)s >= base_len)
				continue;
			for (q = (s >> 32) & P->mask; slots[q]; q = (q + 1) & P->mask)
				;
			slots[q] = s;
			n++;
		}
		fg_free(P->slots);
		P->slots = slots;
		P->n = n;
	}
}

/* Prefetch key k's first slot. */
static void slot_ahead(const fg_intern *t, const fg_intern_key *k)
{
	const fg_intern_part *P = &t->parts[part_of(t, k->h)];

	assert(k->h == fg_intern_hash(k->tag, k->s, k->len));
	FG_PREFETCH(&P->slots[k->h & P->mask]);
}

/* Prefetch the arena entry named by k's first slot (its slot line arrived
 * meanwhile) if the hashes agree and the offset names an entry (< limit). */
static void entry_ahead(const fg_intern *t, const fg_intern_key *k, uint64_t limit)
{
	const fg_intern_part *P = &t->parts[part_of(t, k->h)];
	uint64_t slot = P->slots[k->h & P->mask];

	if (slot && (uint32_t)(slot >> 32) == k->h && (uint32_t)slot < limit)
		FG_PREFETCH(t->arena + (uint32_t)slot);
}

void fg_intern_prefetch(const fg_intern *t, uint32_t h, bool entry)
{
	const fg_intern_part *P;
	uint64_t slot;

	if (!t->parts)
		return;
	P = &t->parts[part_of(t, h)];
	if (!entry) {
		FG_PREFETCH(&P->slots[h & P->mask]);
		return;
	}
	slot = P->slots[h & P->mask];
	if (slot && (uint32_t)(slot >> 32) == h)
		FG_PREFETCH(t->arena + (uint32_t)slot);
}

/*
 * A batch on the calling thread: the keys in order, each as fg_intern_get
 * would take it (so the same ids), its slot prefetched LOOKAHEAD keys ahead, its arena entry LOOKAHEAD / 2 ahead; no grouping, no pending
 * entries.  On failure the batch's new strings are taken out again.
 */
static int batch_serial(uint32_t *ids, uint8_t *added, fg_intern *t, fg_intern_key *keys,
                        size_t n)
{
	const uint32_t n0 = t->n;
	const uint64_t base_len = t->arena_len ? t->arena_len : 1;
	int rc = FG_OK, fresh;

	for (size_t i = 0; i < n && i < LOOKAHEAD; i++)
		slot_ahead(t, &keys[i]);
	for (size_t i = 0; i < n; i++) {
		const fg_intern_key *k = &keys[i];

		if (i + LOOKAHEAD < n)
			slot_ahead(t, &keys[i + LOOKAHEAD]);
		if (i + LOOKAHEAD / 2 < n)
			entry_ahead(t, &keys[i + LOOKAHEAD / 2], t->arena_len);
		if ((rc = add_one(&ids[i], &fresh, t, k->h, k->tag, k->s, k->len)) != FG_OK)
			break;
		if (added)
			added[i] = (uint8_t)fresh;
	}
	if (rc != FG_OK && t->n != n0) {
		drop_from(t, base_len);
		t->n = n0;
		t->arena_len = base_len;
	}
	return rc;
}

/*
 * The state of a parallel batch.  Between the phases, part p's new strings
 * are pending: slot offset base_len + j names the j-th of them, keys[newk[
 * pstart[p] + j]], whose final offset is not known until every part has
 * counted (offsets >= base_len name no entry yet, so the two cannot be
 * confused).
 */
typedef struct batch {
	fg_intern *t;
	fg_intern_key *keys;
	uint32_t *ids;
	fg_intern_batch *b;
	uint64_t base_len;
	uint32_t *pstart; /* parts + 1: part p's keys are order[pstart[p] .. pstart[p + 1]) */
	uint32_t *pnew;   /* per part: its new strings */
	uint64_t *pbytes; /* per part: their entry bytes */
	uint8_t *pmoved;  /* per part: the part grew, the slots in newpos moved */
	uint8_t *perr;    /* per part: BERR_* */
} batch;

/* Phase 1, part p (one thread): look up its keys, add the new ones as pending. */
static void lookup_part(batch *B, size_t p)
{
	const fg_intern *t = B->t;
	fg_intern_part *P = &B->t->parts[p];
	fg_intern_batch *b = B->b;
	const uint32_t q0 = B->pstart[p], q1 = B->pstart[p + 1];
	uint32_t cnt = 0;
	uint64_t bytes = 0;

	for (uint32_t q = q0; q < q1; q++) {
		const fg_intern_key *k = &B->keys[b->order[q]];
		const uint32_t i = b->order[q];
		uint64_t pos;
		int rc;

		if (q + LOOKAHEAD < q1)
			FG_PREFETCH(&P->slots[B->keys[b->order[q + LOOKAHEAD]].h & P->mask]);
		if (q + LOOKAHEAD / 2 < q1)
			entry_ahead(t, &B->keys[b->order[q + LOOKAHEAD / 2]], B->base_len);
		if (k->len && memchr(k->s, '\0', k->len)) {
			B->perr[p] = BERR_NUL;
			break;
		}
		for (pos = k->h & P->mask;; pos = (pos + 1) & P->mask) {
			uint64_t slot = P->slots[pos];
			uint32_t o = (uint32_t)slot, id;
			const fg_intern_key *f;
			if (!slot)
				break;
			if ((uint32_t)(slot >> 32) != k->h)
				continue;
			if (o < B->base_len) {
				if (entry_is(t, o, k->tag, k->s, k->len, &id)) {
					B->ids[i] = id;
					b->state[i] = 0;
					goto next;
				}
				continue;
			}
			f = &B->keys[b->newk[q0 + (o - B->base_len)]];
			if (f->tag == k->tag && f->len == k->len && memcmp(f->s, k->s, k->len) == 0) {
				B->ids[i] = o - (uint32_t)B->base_len;
				b->state[i] = 2;
				goto next;
			}
		}
		if ((uint64_t)(P->n + 1) * 10 > (P->mask + 1) * 7) {
			if ((rc = grow_part(t, P)) != FG_OK) {
				B->perr[p] = rc == FG_EDATA ? BERR_FULL : BERR_NOMEM;
				break;
			}
			B->pmoved[p] = 1;
			for (pos = k->h & P->mask; P->slots[pos]; pos = (pos + 1) & P->mask)
				;
		}
		P->slots[pos] = (uint64_t)k->h << 32 | (B->base_len + cnt);
		P->n++;
		b->newk[q0 + cnt] = i;
		b->newpos[q0 + cnt] = pos;
		B->ids[i] = cnt++;
		b->state[i] = 1;
		bytes += FG_INTERN_HDR + (uint64_t)k->len + 1;
	next:;
	}
	B->pnew[p] = cnt;
	B->pbytes[p] = bytes;
}

/* Phase 2, part p: write its new entries at their offsets (ids and offsets
 * settled by the caller in key order), settle its slots and repeated keys. */
static void place_part(batch *B, size_t p)
{
	fg_intern *t = B->t;
	fg_intern_part *P = &t->parts[p];
	const fg_intern_batch *b = B->b;
	const uint32_t q0 = B->pstart[p], q1 = B->pstart[p + 1], cnt = B->pnew[p];

	for (uint32_t j = 0; j < cnt; j++) {
		const uint32_t i = b->newk[q0 + j];
		const fg_intern_key *k = &B->keys[i];
		const uint32_t id = B->ids[i], o = b->eoff[i];
		uint64_t pos = b->newpos[q0 + j];
		char *e = t->arena + o;

		if (j + LOOKAHEAD < cnt)
			FG_PREFETCH(&P->slots[b->newpos[q0 + j + LOOKAHEAD]]);
		if (B->pmoved[p]) {
			const uint64_t pend = (uint64_t)k->h << 32 | (B->base_len + j);
			for (pos = k->h & P->mask; P->slots[pos] != pend; pos = (pos + 1) & P->mask)
				;
		}
		memcpy(e, &id, sizeof(id));
		memcpy(e + 4, &k->tag, sizeof(k->tag));
		memcpy(e + FG_INTERN_HDR, k->s, k->len);
		e[FG_INTERN_HDR + k->len] = '\0';
		P->slots[pos] = (uint64_t)k->h << 32 | o;
	}
	/* a repeat holds the index j of its first occurrence among the part's new keys */
	for (uint32_t q = q0; q < q1; q++)
		if (b->state[b->order[q]] == 2)
			B->ids[b->order[q]] = B->ids[b->newk[q0 + B->ids[b->order[q]]]];
}

/*
 * A batch by index part (fg_intern.h): keys hashed, grouped by part (key
 * order within a part), each part looked up by one thread with its new
 * strings pending; then ids and arena offsets given in key order (so the ids
 * of fg_intern_get key by key), and each part's entries placed by one thread.
 */
static int batch_parallel(uint32_t *ids, uint8_t *added, fg_intern *t, fg_intern_key *keys,
                          size_t n, fg_intern_batch *scratch)
{
	batch B = { .t = t, .keys = keys, .ids = ids, .b = scratch };
	const int64_t np = (int64_t)n_parts(t);
	uint64_t newn = 0, newbytes = 0;
	int64_t p;
	int rc = FG_OK, err = BERR_NONE;

	B.base_len = t->arena_len ? t->arena_len : 1;
	if (n >= UINT32_MAX || B.base_len + n >= UINT32_MAX)
		return fg_error_set(FG_EDATA, "interning: strings exceed 4 GiB");
	B.pstart = fg_calloc((size_t)np + 1, sizeof(*B.pstart));
	B.pnew = fg_calloc((size_t)np, sizeof(*B.pnew));
	B.pbytes = fg_calloc((size_t)np, sizeof(*B.pbytes));
	B.pmoved = fg_calloc((size_t)np, 1);
	B.perr = fg_calloc((size_t)np, 1);
	if (!B.pstart || !B.pnew || !B.pbytes || !B.pmoved || !B.perr ||
	    batch_reserve(scratch, n) != FG_OK) {
		rc = fg_error_set(FG_ENOMEM, "out of memory interning %zu strings", n);
		goto cleanup;
	}
	/* group the keys by part, in key order within a part (pnew: the cursors) */
	for (size_t k = 0; k < n; k++)
		B.pstart[part_of(t, keys[k].h) + 1]++;
	for (p = 0; p < np; p++) {
		B.pstart[p + 1] += B.pstart[p];
		B.pnew[p] = B.pstart[p];
	}
	for (size_t k = 0; k < n; k++)
		scratch->order[B.pnew[part_of(t, keys[k].h)]++] = (uint32_t)k;
	#pragma omp parallel for schedule(dynamic, 1)
	for (p = 0; p < np; p++)
		lookup_part(&B, (size_t)p);
	for (p = 0; p < np; p++) {
		if (B.perr[p] != BERR_NONE && err == BERR_NONE)
			err = B.perr[p];
		newn += B.pnew[p];
		newbytes += B.pbytes[p];
	}
	if (err == BERR_NUL)
		rc = fg_error_set(FG_EDATA, "interning: a string contains a NUL byte");
	else if (err == BERR_FULL || (err == BERR_NONE && t->n + newn > UINT32_MAX - 1))
		rc = fg_error_set(FG_EDATA, "interning: too many distinct strings");
	else if (err == BERR_NOMEM)
		rc = fg_error_set(FG_ENOMEM, "out of memory growing a string index");
	else if (newn && B.base_len + newbytes > t->arena_cap)
		rc = grow_arena(t, B.base_len + newbytes);
	if (rc != FG_OK) {
		drop_from(t, B.base_len);
		goto cleanup;
	}
	/* first occurrences in key order -> ids and arena offsets (one sequential pass) */
	for (uint64_t k = 0, id = t->n, off = B.base_len; k < n; k++) {
		if (scratch->state[k] != 1)
			continue;
		ids[k] = (uint32_t)id++;
		scratch->eoff[k] = (uint32_t)off;
		off += FG_INTERN_HDR + (uint64_t)keys[k].len + 1;
	}
	#pragma omp parallel for schedule(dynamic, 1)
	for (p = 0; p < np; p++)
		place_part(&B, (size_t)p);
	t->n += (uint32_t)newn;
	if (newn)
		t->arena_len = B.base_len + newbytes;
	if (added)
		for (size_t k = 0; k < n; k++)
			added[k] = scratch->state[k] == 1;

cleanup:
	fg_free(B.pstart);
	fg_free(B.pnew);
	fg_free(B.pbytes);
	fg_free(B.pmoved);
	fg_free(B.perr);
	return rc;
}

/* Whether a batch of n keys forks: BATCH_PAR_MIN_THREADS threads or more,
 * and the caller's rule (fg_intern_batch.pays), else BATCH_PAR_MIN keys. */
static int batch_forks(const fg_intern_batch *b, size_t n)
{
#if FG_HAVE_OPENMP
	if (omp_get_max_threads() < BATCH_PAR_MIN_THREADS)
		return 0;
	return b->pays ? b->pays(n, BATCH_NS_PER_KEY) : n >= BATCH_PAR_MIN;
#else
	(void)b;
	(void)n;
	return 0;
#endif
}

int fg_intern_get_batch(uint32_t *ids, uint8_t *added, fg_intern *t, fg_intern_key *keys,
                        size_t n, fg_intern_batch *scratch)
{
	int rc;

	if ((rc = open_for_adding(t)) != FG_OK)
		return rc;
	if (n == 0)
		return FG_OK;
	if (!batch_forks(scratch, n))
		return batch_serial(ids, added, t, keys, n);
	return batch_parallel(ids, added, t, keys, n, scratch);
}

int64_t fg_intern_find(const fg_intern *t, uint16_t tag, const char *s, size_t len)
{
	uint64_t pos;
	uint32_t h;

	if (!t->parts || (len && memchr(s, '\0', len)))
		return -1;
	h = fg_intern_hash(tag, s, len);
	return probe(t, &t->parts[part_of(t, h)], h, tag, s, len, &pos);
}

void fg_intern_drop_index(fg_intern *t)
{
	free_parts(t);
}

int fg_intern_seal(fg_intern *t)
{
	uint64_t o = 1;

	if (t->off)
		return FG_OK;
	t->off = fg_mallocarray((size_t)t->n + 1, sizeof(*t->off));
	if (!t->off)
		return fg_error_set(FG_ENOMEM, "out of memory indexing %u strings", t->n);
	for (uint32_t i = 0; i < t->n; i++) {
		t->off[i] = (uint32_t)(o + FG_INTERN_HDR);
		o += FG_INTERN_HDR + strlen(t->arena + o + FG_INTERN_HDR) + 1;
	}
	assert(t->n == 0 || o == t->arena_len);
	t->off[t->n] = (uint32_t)(o + FG_INTERN_HDR);
	return FG_OK;
}

uint64_t fg_intern_bytes(const fg_intern *t)
{
	uint64_t b = t->arena_cap;

	if (t->parts)
		for (size_t p = 0; p < n_parts(t); p++)
			b += (t->parts[p].mask + 1) * sizeof(uint64_t);
	if (t->off)
		b += ((uint64_t)t->n + 1) * sizeof(uint32_t);
	return b;
}
