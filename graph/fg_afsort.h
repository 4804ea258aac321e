/*
 * fg_afsort: the in-place MSD radix sort (American flag sort: McIlroy,
 * Bostic & McIlroy, "Engineering radix sort", Computing Systems 6(1), 1993)
 * on a 64-bit `key` member, for the graph build's two record types (link
 * records, fg_linkset.c; string key chunks, fg_strsort.c).  Internal to
 * graph/.
 *
 * FG_AFSORT_DEFINE(NAME, T) defines
 *   static void NAME(T *a, size_t n, int shift, int par);
 * which sorts a[0..n) by key, 8 bits per level from bit `shift` down (56 for
 * the whole key).  Each call starts at the highest byte where its keys differ
 * (found in one pass), so shared digits cost nothing; runs under 48 records
 * are insertion-sorted.  Not stable.  With `par`, the buckets of the first
 * non-trivial level of a sort of at least FG_AFSORT_PAR_MIN records are sorted
 * by several threads (disjoint ranges, so the result equals the serial one).
 * A macro rather than a function over an element size: the swaps of 16- and
 * 24-byte records stay plain assignments, which is what makes the sort fast.
 *
 * Complexity: O(n * distinct key bytes); recursion depth <= 8.
 */
#ifndef FG_GRAPH_FG_AFSORT_H
#define FG_GRAPH_FG_AFSORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Sorts of at least this many records split their top level across threads. */
#define FG_AFSORT_PAR_MIN ((size_t)1 << 16)

/* An omp pragma inside a macro body; elsewhere a plain #pragma omp.  Without
 * OpenMP the build passes -Wno-unknown-pragmas (meson.build): the one switch. */
#define FG_AFSORT_OMP(x) _Pragma(#x)

/* Index (0..7) of the highest non-zero byte of x != 0. */
static inline int fg_afsort_top_byte(uint64_t x)
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

#define FG_AFSORT_DEFINE(NAME, T)                                                       \
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
		shift = fg_afsort_top_byte(diff) * 8;                                   \
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
		if (par && n >= FG_AFSORT_PAR_MIN) {                                    \
			int b;                                                          \
			FG_AFSORT_OMP(omp parallel for schedule(dynamic, 1))            \
			for (b = 0; b < 256; b++)                                       \
				if (cnt[b] > 1)                                         \
					NAME(a + start[b], cnt[b], shift - 8, 0);       \
		} else {                                                                \
			for (int b = 0; b < 256; b++)                                   \
				if (cnt[b] > 1)                                         \
					NAME(a + start[b], cnt[b], shift - 8, 0);       \
		}                                                                       \
	}

#endif
