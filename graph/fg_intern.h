/*
 * fg_intern: string interning with dense 32-bit ids.
 *
 * A table maps (tag, bytes) to ids 0, 1, 2, ... in order of first insertion.
 * The tag is a 16-bit namespace (the kind of an entity; 0 for users), so
 * "device:abc" and "card:abc" get different ids without building a combined
 * string.  Layout: one growing arena of NUL-terminated strings, a u32 offset
 * per id (plus a sentinel, so length = off[id+1] - off[id] - 1), a u16 tag per
 * id, and an open-addressing index of 64-bit slots (hash high bits << 32 |
 * id + 1; 0 = empty), linear probing, power-of-two size, load <= 0.7.  About
 * len + 1 + 6 bytes per string plus 8 / 0.7..1.4 bytes of index.
 *
 * Invariants: off[0] == 0, off[n] == arena_len; every string in the arena is
 * followed by a NUL; the index holds exactly the ids 0..n-1 (unless dropped).
 * Limits: fewer than 2^32 - 1 ids and an arena below 4 GiB (FG_EDATA beyond).
 * Thread-safety: none; one writer, or many readers once filled.
 */
#ifndef FG_GRAPH_FG_INTERN_H
#define FG_GRAPH_FG_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct fg_intern {
	char *arena;        /* NUL-terminated strings, back to back */
	uint64_t arena_len; /* bytes used */
	uint64_t arena_cap;
	uint32_t *off;      /* n + 1 offsets into arena */
	uint16_t *tag;      /* n tags */
	uint32_t n;         /* ids in use */
	uint32_t id_cap;    /* capacity of off (minus the sentinel) and tag */
	uint64_t *slots;    /* index; NULL once dropped */
	uint64_t mask;      /* slots - 1 */
} fg_intern;

/* An empty table (no allocation until the first string). */
void fg_intern_init(fg_intern *t);

/* Free everything and reset to empty; NULL-safe. */
void fg_intern_free(fg_intern *t);

/*
 * The id of (tag, s[0..len)), adding it if new (*added = 1, else 0; added may
 * be NULL).  s need not be NUL-terminated and is copied.  O(len) expected.
 * Returns FG_OK, FG_ENOMEM, FG_EDATA (limits above), or FG_EUSAGE after
 * fg_intern_drop_index.
 */
int fg_intern_get(uint32_t *out, fg_intern *t, uint16_t tag, const char *s, size_t len,
                  int *added);

/* The id of (tag, s[0..len)) or -1 if absent (needs the index). */
int64_t fg_intern_find(const fg_intern *t, uint16_t tag, const char *s, size_t len);

/* The string of id (NUL-terminated, valid until the next fg_intern_get) and its length. */
static inline const char *fg_intern_str(const fg_intern *t, uint32_t id)
{
	return t->arena + t->off[id];
}

static inline uint32_t fg_intern_len(const fg_intern *t, uint32_t id)
{
	return t->off[id + 1] - t->off[id] - 1;
}

/* Free the index (lookups and additions end; strings and ids stay). */
void fg_intern_drop_index(fg_intern *t);

/* Bytes held by the table. */
uint64_t fg_intern_bytes(const fg_intern *t);

#endif
