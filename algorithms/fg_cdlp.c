/*
 * fg_cdlp: community detection by label propagation, exactly as LDBC
 * Graphalytics CDLP (specification v1.0.1).
 *
 * Algorithm: synchronous label propagation (Raghavan, Albert, Kumara, Phys.
 * Rev. E 76, 2007) with Graphalytics' deterministic rules: each round every
 * vertex takes the most frequent label among the previous round's labels of
 * its out- and in-neighbours (a neighbour linked both ways counts twice),
 * ties to the smallest label, no neighbours: label kept; exactly
 * `iterations` rounds.  Two label arrays are swapped between rounds.
 *
 * For each vertex the neighbour labels are gathered into a per-thread scratch
 * array.  Short lists (<= 24) are counted pairwise without branches; longer
 * ones are sorted (insertion sort below 64, an LSD radix sort above, so hubs
 * cost O(d)) and scanned for the longest run; the first longest run in
 * ascending order is the smallest of the most frequent labels.
 *
 * Layout: out (and in, NULL when out is symmetric) fg_csr; labels uint64.
 * Complexity: O(iterations * (n + m)) work (quadratic steps only on lists
 * shorter than 64, radix above), O(n + T * maxdeg) extra memory, T threads.
 * Thread-safety: reentrant; `#pragma omp for schedule(dynamic, 64)` over
 * vertices, each vertex written by one thread: identical for any thread count.
 */
#include "fg_cdlp.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

static int thread_id(void)
{
#if FG_HAVE_OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

static int max_threads(void)
{
#if FG_HAVE_OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

#define RADIX_MIN 64
#define PAIR_MAX 24 /* lists up to this long: pairwise counting, no sort */
#define PAR_MIN 1024 /* fewer vertices: one thread */
#define RADIX_BITS 11
#define RADIX (1 << RADIX_BITS)

/* Sort a[0..len) ascending; tmp has room for len items. */
static void sort_labels(uint64_t *a, uint64_t *tmp, uint64_t len)
{
	if (len < RADIX_MIN) {
		for (uint64_t i = 1; i < len; i++) {
			uint64_t x = a[i], j = i;
			while (j > 0 && a[j - 1] > x) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = x;
		}
		return;
	}
	/* LSD radix on 11-bit digits (16 KiB of counts on the stack), skipping digits that are equal in all keys. */
	uint64_t all_or = 0, all_and = ~0ull;
	for (uint64_t i = 0; i < len; i++) {
		all_or |= a[i];
		all_and &= a[i];
	}
	uint64_t *src = a, *dst = tmp;
	for (int shift = 0; shift < 64; shift += RADIX_BITS) {
		uint64_t cnt[RADIX + 1];
		if ((((all_or ^ all_and) >> shift) & (RADIX - 1)) == 0)
			continue;
		memset(cnt, 0, sizeof(cnt));
		for (uint64_t i = 0; i < len; i++)
			cnt[((src[i] >> shift) & (RADIX - 1)) + 1]++;
		for (int k = 0; k < RADIX; k++)
			cnt[k + 1] += cnt[k];
		for (uint64_t i = 0; i < len; i++)
			dst[cnt[(src[i] >> shift) & (RADIX - 1)]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, len * sizeof(*a));
}

/* The smallest of the most frequent values in sorted a[0..len), len > 0. */
static uint64_t mode_sorted(const uint64_t *a, uint64_t len)
{
	uint64_t best = a[0], bestn = 0, i = 0;

	while (i < len) {
		uint64_t j = i + 1;
		while (j < len && a[j] == a[i])
			j++;
		if (j - i > bestn) {
			bestn = j - i;
			best = a[i];
		}
		i = j;
	}
	return best;
}

/*
 * The smallest of the most frequent values in a[0..len), len <= PAIR_MAX, by
 * branch-free pairwise counting: O(len^2) compares that vectorize, cheaper
 * than a sort's mispredicted branches for the short lists of most vertices.
 */
static uint64_t mode_pairs(const uint64_t *a, uint64_t len)
{
	uint64_t best = a[0], bestn = 0;

	for (uint64_t i = 0; i < len; i++) {
		uint64_t c = 0, x = a[i];
		for (uint64_t j = 0; j < len; j++)
			c += a[j] == x;
		if (c > bestn || (c == bestn && x < best)) {
			bestn = c;
			best = x;
		}
	}
	return best;
}

static uint64_t new_label(uint64_t *buf, uint64_t *tmp, uint32_t v, const fg_csr *out,
                          const fg_csr *in, const uint64_t *prev)
{
	uint64_t len = 0;

	for (uint64_t a = out->off[v]; a < out->off[v + 1]; a++)
		buf[len++] = prev[out->adj[a]];
	if (in)
		for (uint64_t a = in->off[v]; a < in->off[v + 1]; a++)
			buf[len++] = prev[in->adj[a]];
	if (len == 0)
		return prev[v];
	if (len <= PAIR_MAX)
		return mode_pairs(buf, len);
	sort_labels(buf, tmp, len);
	return mode_sorted(buf, len);
}

static uint64_t max_degree(const fg_csr *out, const fg_csr *in)
{
	uint64_t best = 0;

	for (uint32_t v = 0; v < out->n; v++) {
		uint64_t d = fg_csr_degree(out, v) + (in ? fg_csr_degree(in, v) : 0);
		if (d > best)
			best = d;
	}
	return best;
}

int fg_cdlp(uint64_t *labels, const fg_csr *out, const fg_csr *in, const uint64_t *init,
            int iterations)
{
	const uint32_t n = out->n;
	uint64_t *tmp = NULL, *scratch = NULL, *cur, *nxt;
	uint64_t maxd, stride;
	int nt, rc;

	assert(!in || in->n == n);
	if (n == 0 || iterations <= 0) {
		memmove(labels, init, (size_t)n * sizeof(*labels));
		return FG_OK;
	}
	maxd = max_degree(out, in);
	stride = maxd ? maxd : 1;
	nt = max_threads();
	tmp = fg_mallocarray(n, sizeof(*tmp));
	scratch = fg_mallocarray((size_t)nt * 2 * stride, sizeof(*scratch));
	if (!tmp || !scratch) {
		rc = fg_error_set(FG_ENOMEM, "out of memory in CDLP (%u vertices, max degree %llu)",
		                  n, (unsigned long long)maxd);
		goto cleanup;
	}
	/* Start in the array that makes the last round write into labels. */
	cur = iterations % 2 ? tmp : labels;
	nxt = iterations % 2 ? labels : tmp;
	memmove(cur, init, (size_t)n * sizeof(*cur)); /* init may be labels */
	for (int it = 0; it < iterations; it++) {
		#pragma omp parallel num_threads(nt) if (n >= PAR_MIN)
		{
			uint64_t *buf = scratch + (size_t)thread_id() * 2 * stride;
			int64_t v;
			#pragma omp for schedule(dynamic, 64)
			for (v = 0; v < (int64_t)n; v++)
				nxt[v] = new_label(buf, buf + stride, (uint32_t)v, out, in, cur);
		}
		uint64_t *t = cur;
		cur = nxt;
		nxt = t;
	}
	rc = FG_OK;
cleanup:
	fg_free(tmp);
	fg_free(scratch);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Serial reference: qsort and count runs, independent of the kernel's sort. */
int fg_cdlp_serial(uint64_t *labels, const fg_csr *out, const fg_csr *in,
                   const uint64_t *init, int iterations)
{
	const uint32_t n = out->n;
	uint64_t *prev = NULL, *nb = NULL;
	uint64_t maxd;
	int rc;

	memmove(labels, init, (size_t)n * sizeof(*labels));
	if (n == 0 || iterations <= 0)
		return FG_OK;
	maxd = max_degree(out, in);
	prev = fg_mallocarray(n, sizeof(*prev));
	nb = fg_mallocarray(maxd ? maxd : 1, sizeof(*nb));
	if (!prev || !nb) {
		rc = fg_error_set(FG_ENOMEM, "out of memory in CDLP reference");
		goto cleanup;
	}
	for (int it = 0; it < iterations; it++) {
		memcpy(prev, labels, (size_t)n * sizeof(*prev));
		for (uint32_t v = 0; v < n; v++) {
			uint64_t len = 0, best = prev[v], bestn = 0;
			for (uint64_t a = out->off[v]; a < out->off[v + 1]; a++)
				nb[len++] = prev[out->adj[a]];
			if (in)
				for (uint64_t a = in->off[v]; a < in->off[v + 1]; a++)
					nb[len++] = prev[in->adj[a]];
			qsort(nb, len, sizeof(*nb), cmp_u64);
			for (uint64_t i = 0; i < len; i++) {
				uint64_t c = 1;
				while (i + 1 < len && nb[i + 1] == nb[i]) {
					c++;
					i++;
				}
				if (c > bestn || (c == bestn && nb[i] < best)) {
					bestn = c;
					best = nb[i];
				}
			}
			labels[v] = best;
		}
	}
	rc = FG_OK;
cleanup:
	fg_free(prev);
	fg_free(nb);
	return rc;
}
