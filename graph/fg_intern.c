/*
 * String interning: arena + open-addressing index (see fg_intern.h).
 *
 * The index stores the high 32 bits of the XXH64 hash next to each id, so a
 * probe touches the arena only when the hashes agree, and growing the index
 * never re-reads the strings.  The probe position uses those same 32 bits
 * (masked), so tables of up to 2^32 slots are addressed.
 */
#include "fg_intern.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_hash.h"

#include <string.h>

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
	fg_free(t->off);
	fg_free(t->tag);
	fg_free(t->slots);
	memset(t, 0, sizeof(*t));
}

static uint32_t hash_of(uint16_t tag, const char *s, size_t len)
{
	uint64_t h = fg_hash64(s, len, INTERN_SEED + tag);

	return (uint32_t)(h >> 32);
}

static int grow_index(fg_intern *t)
{
	uint64_t nslots = t->slots ? (t->mask + 1) * 2 : 1024;
	uint64_t *slots, mask = nslots - 1;

	if (nslots > ((uint64_t)1 << 32))
		return fg_error_set(FG_EDATA, "interning: more than 2^31 distinct strings");
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

static int grow_ids(fg_intern *t)
{
	uint32_t cap = t->id_cap ? t->id_cap : 256;
	uint32_t *off;
	uint16_t *tag;

	if (t->id_cap) {
		if (t->id_cap >= UINT32_MAX / 2)
			return fg_error_set(FG_EDATA, "interning: too many distinct strings");
		cap = t->id_cap * 2;
	}
	off = fg_reallocarray(t->off, (size_t)cap + 1, sizeof(*off));
	if (!off)
		goto nomem;
	t->off = off;
	if (!t->id_cap)
		off[0] = 0;
	tag = fg_reallocarray(t->tag, cap, sizeof(*tag));
	if (!tag)
		goto nomem;
	t->tag = tag;
	t->id_cap = cap;
	return FG_OK;
nomem:
	return fg_error_set(FG_ENOMEM, "out of memory interning %u strings", cap);
}

static int grow_arena(fg_intern *t, uint64_t need)
{
	uint64_t cap = t->arena_cap ? t->arena_cap : 4096;
	char *a;

	while (cap < need)
		cap *= 2;
	if (need > UINT32_MAX)
		return fg_error_set(FG_EDATA, "interning: strings exceed 4 GiB");
	if (cap > (uint64_t)UINT32_MAX + 1)
		cap = (uint64_t)UINT32_MAX + 1;
	a = fg_realloc(t->arena, (size_t)cap);
	if (!a)
		return fg_error_set(FG_ENOMEM, "out of memory growing a string arena to %llu bytes",
		                    (unsigned long long)cap);
	t->arena = a;
	t->arena_cap = cap;
	return FG_OK;
}

static int64_t probe(const fg_intern *t, uint32_t h, uint16_t tag, const char *s, size_t len,
                     uint64_t *pos)
{
	uint64_t p = h & t->mask;

	for (;;) {
		uint64_t slot = t->slots[p];
		if (!slot)
			break;
		if ((uint32_t)(slot >> 32) == h) {
			uint32_t id = (uint32_t)slot - 1;
			if (t->tag[id] == tag && fg_intern_len(t, id) == len &&
			    memcmp(t->arena + t->off[id], s, len) == 0) {
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
	uint32_t h, id;
	uint64_t pos;
	int64_t found;
	int rc;

	if (added)
		*added = 0;
	if (!t->slots) {
		if (t->n)
			return fg_error_set(FG_EUSAGE, "interning after the index was dropped");
		if ((rc = grow_index(t)) != FG_OK)
			return rc;
	}
	h = hash_of(tag, s, len);
	found = probe(t, h, tag, s, len, &pos);
	if (found >= 0) {
		*out = (uint32_t)found;
		return FG_OK;
	}
	/* New string: make room first, so a failure leaves the table unchanged. */
	if ((uint64_t)(t->n + 1) * 10 > (t->mask + 1) * 7) {
		if ((rc = grow_index(t)) != FG_OK)
			return rc;
		probe(t, h, tag, s, len, &pos);
	}
	if (t->n == t->id_cap && (rc = grow_ids(t)) != FG_OK)
		return rc;
	if (t->arena_len + len + 1 > t->arena_cap && (rc = grow_arena(t, t->arena_len + len + 1)) != FG_OK)
		return rc;
	id = t->n;
	memcpy(t->arena + t->arena_len, s, len);
	t->arena[t->arena_len + len] = '\0';
	t->arena_len += len + 1;
	t->off[id + 1] = (uint32_t)t->arena_len;
	t->tag[id] = tag;
	t->slots[pos] = (uint64_t)h << 32 | (uint64_t)(id + 1);
	t->n++;
	*out = id;
	if (added)
		*added = 1;
	return FG_OK;
}

int64_t fg_intern_find(const fg_intern *t, uint16_t tag, const char *s, size_t len)
{
	uint64_t pos;

	if (!t->slots)
		return -1;
	return probe(t, hash_of(tag, s, len), tag, s, len, &pos);
}

void fg_intern_drop_index(fg_intern *t)
{
	fg_free(t->slots);
	t->slots = NULL;
	t->mask = 0;
}

uint64_t fg_intern_bytes(const fg_intern *t)
{
	uint64_t b = t->arena_cap;

	if (t->off)
		b += ((uint64_t)t->id_cap + 1) * sizeof(uint32_t) + (uint64_t)t->id_cap * sizeof(uint16_t);
	if (t->slots)
		b += (t->mask + 1) * sizeof(uint64_t);
	return b;
}
