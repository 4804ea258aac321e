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
 * probing, power-of-two size, load <= 0.7.  The index is split into 2^pbits
 * parts by the hash's top pbits bits (pbits 0: one part), each with its own
 * slots and growth: fg_intern_get_batch looks up and adds the strings of
 * different parts on different threads, each part owned by one thread.  A
 * lookup touches one slot line and one arena line: about 2 cache misses.
 * Memory: len + 7 bytes per string plus 8 / (0.35..0.7) bytes of index.
 * fg_intern_seal adds a u32 offset per id for random access by id (once the
 * table is complete).
 *
 * Invariants: entries are in id order; every slot holds a valid entry offset
 * (between fg_intern_get_batch's calls); the index holds exactly the ids
 * 0..n-1 (unless dropped); a string's slot is in the part of its hash.
 * Limits: fewer than 2^32 - 1 ids and an arena below 4 GiB (FG_EDATA beyond).
 * Thread-safety: none while adding (fg_intern_get_batch threads internally);
 * read-only use from many threads is fine.
 */
#ifndef FG_GRAPH_FG_INTERN_H
#define FG_GRAPH_FG_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FG_INTERN_HDR 6 /* u32 id + u16 tag before each string */

#define FG_INTERN_PBITS_MAX 8

/* One part of the index.  Invariant: n < 0.7 (mask + 1). */
typedef struct fg_intern_part {
	uint64_t *slots;
	uint64_t mask; /* slots - 1 */
	uint32_t n;    /* slots in use */
} fg_intern_part;

typedef struct fg_intern {
	char *arena;           /* pad byte, then entries */
	uint64_t arena_len;    /* bytes used */
	uint64_t arena_cap;
	uint32_t n;            /* ids in use */
	unsigned pbits;        /* the index has 2^pbits parts */
	fg_intern_part *parts; /* index; NULL until the first string and once dropped */
	uint32_t *off;         /* after fg_intern_seal: n + 1 offsets of the string bytes */
} fg_intern;

/* An empty table (no allocation until the first string), index in one part. */
void fg_intern_init(fg_intern *t);

/* The same with 2^pbits index parts (pbits <= FG_INTERN_PBITS_MAX), for
 * tables filled by fg_intern_get_batch.  Ids and strings are the same for
 * any pbits when filled by fg_intern_get. */
void fg_intern_init_parts(fg_intern *t, unsigned pbits);

/* Free everything and reset to empty; NULL-safe. */
void fg_intern_free(fg_intern *t);

/*
 * A hint: create the index of an empty table with room for about n strings
 * (load <= 0.7), so filling it does not double the index ~log2(n / 1024)
 * times (each doubling re-places every slot into fresh, zeroed pages).  Ids,
 * strings and lookups are the same with or without it.  Ignored (FG_OK) on a
 * table that holds strings or has its index already, or for n = 0.  FG_OK or
 * FG_ENOMEM (message set).  Memory: 8 / 0.35..0.7 bytes a string of n, in
 * pages touched only as strings land in them.
 */
int fg_intern_reserve(fg_intern *t, uint64_t n);

/*
 * The id of (tag, s[0..len)), adding it if new (*added = 1, else 0; added may
 * be NULL).  s need not be NUL-terminated and is copied.  O(len) expected.
 * Returns FG_OK, FG_ENOMEM, FG_EDATA (a NUL byte in s, or the limits above),
 * or FG_EUSAGE after fg_intern_drop_index or fg_intern_seal.
 */
int fg_intern_get(uint32_t *out, fg_intern *t, uint16_t tag, const char *s, size_t len,
                  int *added);

/* The same with h = fg_intern_hash(tag, s, len) computed by the caller:
 * fg_intern_hash_tag(fg_hash_str32(s, len), tag) (src/fg_hash.h), so a
 * string's hash can be taken before its tag is known, on another thread. */
uint32_t fg_intern_hash(uint16_t tag, const char *s, size_t len);

static inline uint32_t fg_intern_hash_tag(uint32_t str_hash, uint16_t tag)
{
	return str_hash ^ (uint32_t)tag * 0x9E3779B1u;
}

int fg_intern_get_hashed(uint32_t *out, fg_intern *t, uint32_t h, uint16_t tag, const char *s,
                         size_t len, int *added);

/* One string of a batch. */
typedef struct fg_intern_key {
	const char *s;
	uint32_t len;
	uint16_t tag;
	uint32_t h; /* fg_intern_hash(tag, s, len), set by the caller */
} fg_intern_key;

/* Scratch space of fg_intern_get_batch, reused across calls: zero it first
 * (then set pays if wanted), release it with fg_intern_batch_free (which
 * keeps pays). */
typedef struct fg_intern_batch {
	/* Whether a batch of `units` keys of ns_per_unit each runs in parallel
	 * (fg_par_pays has this shape; the engine passes it).  NULL: at least
	 * 128 Ki keys.  Asked only with 3+ OpenMP threads: the parallel form
	 * costs about twice the serial one's CPU, so on 2 threads it never
	 * forks. */
	int (*pays)(uint64_t units, uint64_t ns_per_unit);
	uint32_t *order; /* key indexes grouped by part */
	uint32_t *newk;  /* per part: its keys new to the table, first occurrences */
	uint64_t *newpos; /* their slots */
	uint32_t *eoff;   /* per key new to the table: its entry's arena offset */
	uint8_t *state;   /* per key: 0 found, 1 new (first occurrence), 2 repeat of a new one */
	size_t cap;
} fg_intern_batch;

void fg_intern_batch_free(fg_intern_batch *b);

/*
 * ids[i] = the id of keys[i] for i in [0, n), adding the strings new to t
 * (added[i] = 1 at the first occurrence of each, else 0; added may be NULL).
 * The ids are those fg_intern_get would give key by key (new strings in
 * order of first occurrence), for any pbits and any thread count.
 * A batch that does not fork (3+ threads and scratch->pays, above) runs on the calling
 * thread in one pass, each key's slot and entry prefetched a few keys
 * ahead.  One that forks works by index part: keys are grouped by part, each part looked up by one thread (new strings pending),
 * ids and arena offsets given in key order, then each part's entries placed
 * by one thread.  Returns FG_OK, FG_ENOMEM, FG_EDATA (a NUL byte, the
 * limits) or FG_EUSAGE (as fg_intern_get); on failure t holds the same
 * strings as before the call (ids undefined).
 * Cost: O(n + bytes) expected, a few cache misses per key, overlapped.
 */
int fg_intern_get_batch(uint32_t *ids, uint8_t *added, fg_intern *t, fg_intern_key *keys,
                        size_t n, fg_intern_batch *scratch);

int64_t fg_intern_find(const fg_intern *t, uint16_t tag, const char *s, size_t len);

/*
 * A hint that a lookup of hash h (fg_intern_hash) comes soon: entry false
 * prefetches its first slot, entry true (a few lookups later, the slot's
 * line there by then) the arena entry that slot names.  Reads only.
 */
void fg_intern_prefetch(const fg_intern *t, uint32_t h, bool entry);

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
