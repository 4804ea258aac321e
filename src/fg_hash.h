/*
 * fg_hash: small fixed hashes, header-only.
 *
 * fg_hash64: XXH64 (Yann Collet's xxHash, 64-bit variant, as specified in
 * xxhash's doc/xxhash_spec.md) of a byte string with a seed: used for the
 * interning tables.  fg_hash128: a streaming 128-bit digest made of two XXH64
 * lanes over the same bytes with different seeds, printed as 32 lower-case hex
 * digits (lane 0 then lane 1, each big-endian).  The value of a digest is part
 * of fraudgraph's output (runs.input_digest, the output digest), so this code
 * must never change: new formats need a new function.
 *
 * Not cryptographic.  All functions are pure (no global state): thread-safe.
 * Complexity: O(len), about 1 byte/cycle or better.
 */
#ifndef FG_SRC_FG_HASH_H
#define FG_SRC_FG_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FG_XXH_P1 0x9E3779B185EBCA87ULL
#define FG_XXH_P2 0xC2B2AE3D27D4EB4FULL
#define FG_XXH_P3 0x165667B19E3779F9ULL
#define FG_XXH_P4 0x85EBCA77C2B2AE63ULL
#define FG_XXH_P5 0x27D4EB2F165667C5ULL

/* Seeds of the two lanes of fg_hash128. */
#define FG_HASH128_SEED0 0ULL
#define FG_HASH128_SEED1 0x9E3779B97F4A7C15ULL

/* MurmurHash3's 64-bit finaliser (fmix64): every bit of h into every bit of the result. */
static inline uint64_t fg_hash_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline uint64_t fg_hash_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Little-endian loads, whatever the host order. */
static inline uint64_t fg_hash_le64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static inline uint32_t fg_hash_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t fg_xxh_round(uint64_t acc, uint64_t in)
{
	acc += in * FG_XXH_P2;
	acc = fg_hash_rotl(acc, 31);
	return acc * FG_XXH_P1;
}

static inline uint64_t fg_xxh_merge(uint64_t acc, uint64_t v)
{
	acc ^= fg_xxh_round(0, v);
	return acc * FG_XXH_P1 + FG_XXH_P4;
}

/* The XXH64 tail and avalanche: h already holds the merged lanes + total length. */
static inline uint64_t fg_xxh_finish(uint64_t h, const unsigned char *p, size_t len)
{
	while (len >= 8) {
		h ^= fg_xxh_round(0, fg_hash_le64(p));
		h = fg_hash_rotl(h, 27) * FG_XXH_P1 + FG_XXH_P4;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		h ^= (uint64_t)fg_hash_le32(p) * FG_XXH_P1;
		h = fg_hash_rotl(h, 23) * FG_XXH_P2 + FG_XXH_P3;
		p += 4;
		len -= 4;
	}
	while (len > 0) {
		h ^= (uint64_t)(*p) * FG_XXH_P5;
		h = fg_hash_rotl(h, 11) * FG_XXH_P1;
		p++;
		len--;
	}
	h ^= h >> 33;
	h *= FG_XXH_P2;
	h ^= h >> 29;
	h *= FG_XXH_P3;
	h ^= h >> 32;
	return h;
}

/* XXH64 of data[0..len) with seed. */
static inline uint64_t fg_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	size_t n = len;
	uint64_t h;

	if (n >= 32) {
		uint64_t v1 = seed + FG_XXH_P1 + FG_XXH_P2, v2 = seed + FG_XXH_P2;
		uint64_t v3 = seed, v4 = seed - FG_XXH_P1;
		do {
			v1 = fg_xxh_round(v1, fg_hash_le64(p));
			v2 = fg_xxh_round(v2, fg_hash_le64(p + 8));
			v3 = fg_xxh_round(v3, fg_hash_le64(p + 16));
			v4 = fg_xxh_round(v4, fg_hash_le64(p + 24));
			p += 32;
			n -= 32;
		} while (n >= 32);
		h = fg_hash_rotl(v1, 1) + fg_hash_rotl(v2, 7) + fg_hash_rotl(v3, 12) +
		    fg_hash_rotl(v4, 18);
		h = fg_xxh_merge(h, v1);
		h = fg_xxh_merge(h, v2);
		h = fg_xxh_merge(h, v3);
		h = fg_xxh_merge(h, v4);
	} else {
		h = seed + FG_XXH_P5;
	}
	h += (uint64_t)len;
	return fg_xxh_finish(h, p, n);
}

/*
 * The 32-bit hash the interning tables key a string on (graph/fg_intern.h:
 * fg_intern_hash mixes the key's tag into it): the high half of XXH64 with
 * the tables' seed.  The readers compute it for each link row's user and
 * value on the parsing threads (fg_link_row), so the thread that interns
 * does not.  Not part of any output.
 */
#define FG_HASH_STR_SEED 0x66726175646772ULL /* "fraudgr" */

static inline uint32_t fg_hash_str32(const char *s, size_t len)
{
	return (uint32_t)(fg_hash64(s, len, FG_HASH_STR_SEED) >> 32);
}

/* Streaming 128-bit digest: init, update any number of times, final. */
typedef struct fg_hash128 {
	uint64_t v[2][4];        /* the two lanes' accumulators */
	uint64_t total;          /* bytes seen */
	unsigned char buf[32];   /* a partial stripe */
	size_t buflen;
} fg_hash128;

static inline void fg_hash128_init(fg_hash128 *st)
{
	const uint64_t seed[2] = { FG_HASH128_SEED0, FG_HASH128_SEED1 };

	memset(st, 0, sizeof(*st));
	for (int l = 0; l < 2; l++) {
		st->v[l][0] = seed[l] + FG_XXH_P1 + FG_XXH_P2;
		st->v[l][1] = seed[l] + FG_XXH_P2;
		st->v[l][2] = seed[l];
		st->v[l][3] = seed[l] - FG_XXH_P1;
	}
}

static inline void fg_hash128_stripe(fg_hash128 *st, const unsigned char *p)
{
	for (int l = 0; l < 2; l++)
		for (int k = 0; k < 4; k++)
			st->v[l][k] = fg_xxh_round(st->v[l][k], fg_hash_le64(p + 8 * k));
}

static inline void fg_hash128_update(fg_hash128 *st, const void *data, size_t len)
{
	const unsigned char *p = data;

	st->total += len;
	if (st->buflen) {
		size_t take = 32 - st->buflen < len ? 32 - st->buflen : len;
		memcpy(st->buf + st->buflen, p, take);
		st->buflen += take;
		p += take;
		len -= take;
		if (st->buflen < 32)
			return;
		fg_hash128_stripe(st, st->buf);
		st->buflen = 0;
	}
	if (len >= 32) {
		/* the lanes in locals: p (bytes) may alias st, which would keep
		 * them in memory through every stripe */
		uint64_t v[2][4];
		memcpy(v, st->v, sizeof(v));
		while (len >= 32) {
			for (int l = 0; l < 2; l++)
				for (int k = 0; k < 4; k++)
					v[l][k] = fg_xxh_round(v[l][k], fg_hash_le64(p + 8 * k));
			p += 32;
			len -= 32;
		}
		memcpy(st->v, v, sizeof(v));
	}
	if (len) {
		memcpy(st->buf, p, len);
		st->buflen = len;
	}
}

/* The two 64-bit lanes (each equal to XXH64 of all bytes with that lane's seed). */
static inline void fg_hash128_final64(const fg_hash128 *st, uint64_t out[2])
{
	const uint64_t seed[2] = { FG_HASH128_SEED0, FG_HASH128_SEED1 };

	for (int l = 0; l < 2; l++) {
		const uint64_t *v = st->v[l];
		uint64_t h;
		if (st->total >= 32) {
			h = fg_hash_rotl(v[0], 1) + fg_hash_rotl(v[1], 7) + fg_hash_rotl(v[2], 12) +
			    fg_hash_rotl(v[3], 18);
			for (int k = 0; k < 4; k++)
				h = fg_xxh_merge(h, v[k]);
		} else {
			h = seed[l] + FG_XXH_P5;
		}
		h += st->total;
		out[l] = fg_xxh_finish(h, st->buf, st->buflen);
	}
}

/* 32 lower-case hex digits and a NUL into hex[33]. */
static inline void fg_hash128_final(const fg_hash128 *st, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	uint64_t h[2];

	fg_hash128_final64(st, h);
	for (int l = 0; l < 2; l++)
		for (int i = 0; i < 16; i++)
			hex[l * 16 + i] = digits[(h[l] >> (60 - 4 * i)) & 0xf];
	hex[32] = '\0';
}

/* Fixed-width little-endian framing helpers for digests. */
static inline void fg_hash128_u8(fg_hash128 *st, uint8_t x)
{
	fg_hash128_update(st, &x, 1);
}

static inline void fg_hash128_u32(fg_hash128 *st, uint32_t x)
{
	unsigned char b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(x >> (8 * i));
	fg_hash128_update(st, b, 4);
}

static inline void fg_hash128_u64(fg_hash128 *st, uint64_t x)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (8 * i));
	fg_hash128_update(st, b, 8);
}

/* A length-prefixed string (u64 length, then the bytes): unambiguous framing. */
static inline void fg_hash128_str(fg_hash128 *st, const char *s, size_t len)
{
	fg_hash128_u64(st, (uint64_t)len);
	fg_hash128_update(st, s, len);
}

#endif
