/*
 * fg_strsort: string ranking by MSD radix sort over 8-byte chunks (see
 * fg_strsort.h); the chunk sort is fg_afsort.h's American flag sort.
 */
#include "fg_strsort.h"

#include "fg_afsort.h"

#include <string.h>

FG_AFSORT_DEFINE(sort_keys, fg_strkey)

/* Bytes [depth, depth + 8) of the string, big-endian, 0-padded. */
static uint64_t chunk(const fg_intern *t, uint32_t id, uint64_t depth)
{
	const unsigned char *s = (const unsigned char *)fg_intern_str(t, id);
	uint64_t len = fg_intern_len(t, id), x = 0;

	if (depth + 8 <= len) {
		s += depth;
		for (int j = 0; j < 8; j++)
			x = x << 8 | s[j];
		return x;
	}
	for (uint64_t j = 0; j < 8; j++)
		x = x << 8 | (depth + j < len ? s[depth + j] : 0);
	return x;
}

/*
 * a[0..m) are equal up to `end`: move those that end there to the front,
 * shorter first (byte order puts a proper prefix first), and return how many;
 * the rest continue on the following chunks.  Few can end (one per length).
 */
static size_t ended_first(const fg_intern *t, fg_strkey *a, size_t m, uint64_t end)
{
	size_t k = 0;

	for (size_t i = 0; i < m; i++) {
		if (fg_intern_len(t, a[i].id) <= end) {
			fg_strkey x = a[i];
			a[i] = a[k];
			a[k++] = x;
		}
	}
	for (size_t i = 1; i < k; i++) {
		fg_strkey x = a[i];
		size_t j = i;
		while (j > 0 && fg_intern_len(t, a[j - 1].id) > fg_intern_len(t, x.id)) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
	return k;
}

void fg_strsort_sort(fg_strkey *a, size_t n, const fg_intern *t, uint64_t depth)
{
	for (;;) {
		size_t i = 0, k;

		if (n < 2)
			return;
		for (size_t q = 0; q < n; q++)
			a[q].key = chunk(t, a[q].id, depth);
		sort_keys(a, n, 56, 0);
		depth += 8;
		if (a[0].key == a[n - 1].key) {
			k = ended_first(t, a, n, depth);
			a += k;
			n -= k;
			continue;
		}
		while (i < n) {
			size_t j = i + 1;
			while (j < n && a[j].key == a[i].key)
				j++;
			if (j - i > 1) {
				k = ended_first(t, a + i, j - i, depth);
				fg_strsort_sort(a + i + k, j - i - k, t, depth);
			}
			i = j;
		}
		return;
	}
}

void fg_strsort_rank(uint32_t *rank, fg_strkey *work, const fg_intern *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		work[i].id = i;
	fg_strsort_sort(work, n, t, 0);
	for (uint32_t p = 0; p < n; p++)
		rank[work[p].id] = p;
}
