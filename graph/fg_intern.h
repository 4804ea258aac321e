/*
 * fg_intern: string interning with dense 32-bit ids.
 *
 * A table maps (tag, bytes) to ids 0, 1, 2, ... in order of first insertion.
 * The tag is a 16-bit namespace (the kind of an entity; 0 for users), so
 * "device:abc" and "card:abc" get different ids without building a combined
 * string.  Strings must not contain NUL bytes (the readers reject them).
 *
 * Layout: one growing arena of entries [u32 id][u16 tag][bytes][NUL], back
 * to back in id order after one pad byte, and an open-addressing index of
 * 64-bit slots (hash high 32 bits << 32 | entry offset; 0 = empty), linear
 * probing, power-of-two size, load <= 0.7.  A lookup touches one slot line and
 * one arena line: about 2 cache misses.  Memory: len + 7 bytes per string
 * plus 8 / (0.35..0.7) bytes of index.  fg_intern_seal adds a u32 offset per
 * id for random access by id (once the table is complete).
 *
 * Invariants: entries are in id order; every slot holds a valid entry offset;
 * the index holds exactly the ids 0..n-1 (unless dropped).
 * Limits: fewer than 2^32 - 1 ids and an arena below 4 GiB (FG_EDATA beyond).
 * Thread-safety: none while adding; read-only use from many threads is fine.
 */
#ifndef FG_GRAPH_FG_INTERN_H
#define FG_GRAPH_FG_INTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FG_INTERN_HDR 6 /* u32 id + u16 tag before each string */

typedef struct fg_intern {
	char *arena;        /* pad byte, then entries */
	uint64_t arena_len; /* bytes used */
	uint64_t arena_cap;
	uint32_t n;         /* ids in use */
	uint64_t *slots;    /* index; NULL once dropped */
	uint64_t mask;      /* slots - 1 */
	uint32_t *off;      /* after fg_intern_seal: n + 1 offsets of the string bytes */
} fg_intern;

/* An empty table (no allocation until the first string). */
void fg_intern_init(fg_intern *t);

/* Free everything and reset to empty; NULL-safe. */
void fg_intern_free(fg_intern *t);

/*
 * The id of (tag, s[0..len)), adding it if new (*added = 1, else 0; added may
 * be NULL).  s need not be NUL-terminated and is copied.  O(len) expected.
 * Returns FG_OK, FG_ENOMEM, FG_EDATA (a NUL byte in s, or the limits above),
 * or FG_EUSAGE after fg_intern_drop_index or fg_intern_seal.
 */
int fg_intern_get(uint32_t *out, fg_intern *t, uint16_t tag, const char *s, size_t len,
                  int *added);

/*
 * The same in two steps, so that a caller with many strings can hash them
 * all, prefetch their slots and entries, then look them up (memory-level
 * parallelism: the lookups are cache misses).  h must be fg_intern_hash of
 * the same (tag, s, len).  Prefetches are hints: always safe.
 */
uint32_t fg_intern_hash(uint16_t tag, const char *s, size_t len);
int fg_intern_get_hashed(uint32_t *out, fg_intern *t, uint32_t h, uint16_t tag, const char *s,
                         size_t len, int *added);
void fg_intern_prefetch_slot(const fg_intern *t, uint32_t h);
void fg_intern_prefetch_entry(const fg_intern *t, uint32_t h);

/* The id of (tag, s[0..len)) or -1 if absent (needs the index). */
int64_t fg_intern_find(const fg_intern *t, uint16_t tag, const char *s, size_t len);

/* Free the index (lookups and additions end; strings and ids stay). */
void fg_intern_drop_index(fg_intern *t);

/*
 * Build the per-id offsets (one pass over the arena) so that fg_intern_str,
 * _len and _tag work; no more additions afterwards.  FG_OK or FG_ENOMEM.
 */
int fg_intern_seal(fg_intern *t);

/* Sealed tables only: the string of id (NUL-terminated), its length and tag. */
static inline const char *fg_intern_str(const fg_intern *t, uint32_t id)
{
	return t->arena + t->off[id];
}

static inline uint32_t fg_intern_len(const fg_intern *t, uint32_t id)
{
	return t->off[id + 1] - t->off[id] - 1 - FG_INTERN_HDR;
}

static inline uint16_t fg_intern_tag(const fg_intern *t, uint32_t id)
{
	uint16_t tag;

	memcpy(&tag, t->arena + t->off[id] - 2, sizeof(tag));
	return tag;
}

/* Bytes held by the table. */
uint64_t fg_intern_bytes(const fg_intern *t);

#endif
