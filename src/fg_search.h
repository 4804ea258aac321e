/*
 * fg_search: binary search over a sorted array of ids.
 *
 * fg_lower_bound_u32(a, lo, hi, x) is the first index i in [lo, hi) with
 * a[i] >= x, or hi when there is none (C++'s std::lower_bound).  a[lo, hi)
 * must be sorted ascending; duplicates are allowed, and the first of equal
 * items is found.  _u64 is the same over uint64_t.  The find forms return
 * the index of x, or -1 when x is not there.
 */
#ifndef FG_SRC_FG_SEARCH_H
#define FG_SRC_FG_SEARCH_H

#include <stddef.h>
#include <stdint.h>

static inline size_t fg_lower_bound_u32(const uint32_t *a, size_t lo, size_t hi, uint32_t x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline size_t fg_lower_bound_u64(const uint64_t *a, size_t lo, size_t hi, uint64_t x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline int64_t fg_find_u32(const uint32_t *a, size_t n, uint32_t x)
{
	size_t i = fg_lower_bound_u32(a, 0, n, x);

	return i < n && a[i] == x ? (int64_t)i : -1;
}

static inline int64_t fg_find_u64(const uint64_t *a, size_t n, uint64_t x)
{
	size_t i = fg_lower_bound_u64(a, 0, n, x);

	return i < n && a[i] == x ? (int64_t)i : -1;
}

#endif
