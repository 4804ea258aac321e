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
#include "fg_error.h"
#include "fg_hash.h"

#include <assert.h>

#define INTERN_SEED 0x66726175646772ULL /* "fraudgr" */

void fg_intern_init(fg_intern *t)
{
	memset(t, 0, sizeof(*t));
}

void fg_intern_free(fg_intern *t)
{
	if (!t)
		return;
	fg_free(t->arena);
	fg_free(t->slots);
	fg_free(t->off);
	memset(t, 0, sizeof(*t));
}

uint32_t fg_intern_hash(uint16_t tag, const char *s, size_t len)
{
	return (uint32_t)(fg_hash64(s, len, INTERN_SEED + tag) >> 32);
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

void fg_intern_prefetch_slot(const fg_intern *t, uint32_t h)
{
	if (t->slots)
		PREFETCH(&t->slots[h & t->mask]);
}

void fg_intern_prefetch_entry(const fg_intern *t, uint32_t h)
{
	uint64_t slot;

	if (!t->slots)
		return;
	slot = t->slots[h & t->mask];
	if (slot && (uint32_t)(slot >> 32) == h)
		PREFETCH(t->arena + (uint32_t)slot);
}

static int grow_index(fg_intern *t)
{
	uint64_t nslots = t->slots ? (t->mask + 1) * 2 : 1024;
	uint64_t *slots, mask = nslots - 1;

	if (nslots > ((uint64_t)1 << 32))
		return fg_error_set(FG_EDATA, "interning: too many distinct strings");
	slots = fg_calloc(nslots, sizeof(*slots));
	if (!slots)
		return fg_error_set(FG_ENOMEM, "out of memory growing a string index to %llu slots",
		                    (unsigned long long)nslots);
	if (t->slots) {
		for (uint64_t i = 0; i <= t->mask; i++) {
			uint64_t s = t->slots[i], p;
			if (!s)
				continue;
			p = (s >> 32) & mask;
			while (slots[p])
				p = (p + 1) & mask;
			slots[p] = s;
		}
		fg_free(t->slots);
	}
	t->slots = slots;
	t->mask = mask;
	return FG_OK;
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

/* Slot position of (tag, s) and its id, or -1 with *pos at the empty slot. */
static int64_t probe(const fg_intern *t, uint32_t h, uint16_t tag, const char *s, size_t len,
                     uint64_t *pos)
{
	uint64_t p = h & t->mask;

	for (;;) {
		uint64_t slot = t->slots[p];
		if (!slot)
			break;
		if ((uint32_t)(slot >> 32) == h) {
			uint32_t o = (uint32_t)slot;
			const char *e = t->arena + o;
			uint16_t etag;
			memcpy(&etag, e + 4, sizeof(etag));
			/* The bounds test keeps memcmp inside the arena; the NUL after
			 * the stored string then proves equal lengths (no NULs inside). */
			if (etag == tag && o + FG_INTERN_HDR + len < t->arena_len &&
			    memcmp(e + FG_INTERN_HDR, s, len) == 0 && e[FG_INTERN_HDR + len] == '\0') {
				uint32_t id;
				memcpy(&id, e, sizeof(id));
				*pos = p;
				return id;
			}
		}
		p = (p + 1) & t->mask;
	}
	*pos = p;
	return -1;
}

int fg_intern_get(uint32_t *out, fg_intern *t, uint16_t tag, const char *s, size_t len,
                  int *added)
{
	return fg_intern_get_hashed(out, t, fg_intern_hash(tag, s, len), tag, s, len, added);
}

int fg_intern_get_hashed(uint32_t *out, fg_intern *t, uint32_t h, uint16_t tag, const char *s,
                         size_t len, int *added)
{
	uint32_t id;
	uint64_t pos, o;
	int64_t found;
	int rc;

	if (added)
		*added = 0;
	if (t->off)
		return fg_error_set(FG_EUSAGE, "interning into a sealed table");
	if (!t->slots) {
		if (t->n)
			return fg_error_set(FG_EUSAGE, "interning after the index was dropped");
		if ((rc = grow_index(t)) != FG_OK)
			return rc;
	}
	if (len && memchr(s, '\0', len))
		return fg_error_set(FG_EDATA, "interning: a string contains a NUL byte");
	found = probe(t, h, tag, s, len, &pos);
	if (found >= 0) {
		*out = (uint32_t)found;
		return FG_OK;
	}
	/* New string: make room first, so a failure leaves the table unchanged. */
	if (t->n == UINT32_MAX - 1)
		return fg_error_set(FG_EDATA, "interning: too many distinct strings");
	if ((uint64_t)(t->n + 1) * 10 > (t->mask + 1) * 7) {
		if ((rc = grow_index(t)) != FG_OK)
			return rc;
		probe(t, h, tag, s, len, &pos);
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
	t->slots[pos] = (uint64_t)h << 32 | o;
	t->n++;
	*out = id;
	if (added)
		*added = 1;
	return FG_OK;
}

int64_t fg_intern_find(const fg_intern *t, uint16_t tag, const char *s, size_t len)
{
	uint64_t pos;

	if (!t->slots || (len && memchr(s, '\0', len)))
		return -1;
	return probe(t, fg_intern_hash(tag, s, len), tag, s, len, &pos);
}

void fg_intern_drop_index(fg_intern *t)
{
	fg_free(t->slots);
	t->slots = NULL;
	t->mask = 0;
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

	if (t->slots)
		b += (t->mask + 1) * sizeof(uint64_t);
	if (t->off)
		b += ((uint64_t)t->n + 1) * sizeof(uint32_t);
	return b;
}
