/*
 * fg_strsort: string ranking by MSD radix sort over 8-byte chunks (see
 * fg_strsort.h); the chunk sort is fg_afsort.h's American flag sort.
 */
#include "fg_strsort.h"

#include "fg_afsort.h"
#include "fg_prefetch.h"

#include <string.h>

FG_AFSORT_DEFINE(sort_keys, fg_strkey)

#define CHUNK_AHEAD 16 /* strings between a chunk's prefetch and its load */

/*
 * Bytes [depth, depth + 8) of the string at arena offset `at`, big-endian,
 * 0-padded past its NUL.  depth is at most the string's length (a string
 * that ended is alone in its run, so it is never read past its NUL).  An
 * 8-byte load that stays inside the arena and is cut at the first zero byte
 * (the bytes after it are the next entry's), else byte by byte.
 */
static uint64_t chunk(const fg_intern *t, uint32_t at, uint64_t depth)
{
	const unsigned char *s = (const unsigned char *)t->arena + at + depth;
	uint64_t x = 0;

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (at + depth + 8 <= t->arena_len) {
		uint64_t z;
		memcpy(&x, s, sizeof(x));
		z = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
		if (z) {
			int first = __builtin_ctzll(z) / 8; /* exact for the lowest zero byte */
			x = first ? x & (((uint64_t)1 << (8 * first)) - 1) : 0;
		}
		return __builtin_bswap64(x);
	}
#endif
	for (int j = 0; j < 8; j++) {
		x <<= 8;
		if (s[0]) /* once at the NUL, stay there: zeros */
			x |= *s++;
	}
	return x;
}

static void sort_rec(fg_strkey *a, size_t n, const fg_intern *t, uint64_t depth)
{
	for (;;) {
		size_t i = 0;

		if (n < 2)
			return;
		for (size_t q = 0; q < n; q++) {
			if (q + CHUNK_AHEAD < n)
				FG_PREFETCH(t->arena + a[q + CHUNK_AHEAD].at + depth);
			a[q].key = chunk(t, a[q].at, depth);
		}
		sort_keys(a, n, 56, 0);
		depth += 8;
		if (a[0].key == a[n - 1].key) {
			/* a shared chunk: no string ends in it (distinct strings), unless
			 * all ended, which only equal strings (not in a table) could do */
			if ((a[0].key & 0xff) == 0)
				return;
			continue;
		}
		while (i < n) {
			size_t j = i + 1;
			while (j < n && a[j].key == a[i].key)
				j++;
			if (j - i > 1)
				sort_rec(a + i, j - i, t, depth);
			i = j;
		}
		return;
	}
}

/*
 * The sort starts after the prefix common to all the strings (one pass, in
 * the callers' id order): a kind's values often share a fixed prefix
 * ("card_", "addr_") that would otherwise fill most of the first chunk,
 * leaving most of the order to a second chunk read at random.
 */
void fg_strsort_sort(fg_strkey *a, size_t n, const fg_intern *t, uint64_t depth)
{
	const char *s0;
	uint64_t lcp;

	if (n < 2)
		return;
	for (size_t q = 0; q < n; q++)
		a[q].at = t->off[a[q].id];
	s0 = t->arena + a[0].at;
	lcp = strlen(s0);
	for (size_t q = 1; q < n && lcp > depth; q++) {
		const char *s = t->arena + a[q].at;
		uint64_t m = depth;
		while (m < lcp && s[m] == s0[m]) /* s's NUL differs from s0's bytes before lcp */
			m++;
		lcp = m;
	}
	sort_rec(a, n, t, lcp > depth ? lcp : depth);
}

void fg_strsort_rank(uint32_t *rank, fg_strkey *work, const fg_intern *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		work[i].id = i;
	fg_strsort_sort(work, n, t, 0);
	for (uint32_t p = 0; p < n; p++)
		rank[work[p].id] = p;
}
