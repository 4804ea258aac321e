/*
 * fg_pack: components onto ranks by LPT (longest processing time first,
 * R. L. Graham, "Bounds on multiprocessing timing anomalies", SIAM J. Appl.
 * Math. 17, 1969): items in (weight descending, label ascending) order, each
 * to the lightest rank so far (ties: the smallest rank), a binary min-heap of
 * (load, rank).  Integers only: the same packing on every rank.
 * Complexity O(n log n) for the sort, O(n log n_ranks) for the heap; serial.
 * Thread-safety: no shared state.
 */
#include "fg_pack.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <stdlib.h>

typedef struct slot {
	uint64_t load;
	int rank;
} slot;

static int slot_less(const slot *a, const slot *b)
{
	return a->load < b->load || (a->load == b->load && a->rank < b->rank);
}

static void sift_down(slot *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		slot t;

		if (l < n && slot_less(&h[l], &h[m]))
			m = l;
		if (r < n && slot_less(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* An item in packing order, with its index. */
typedef struct ord {
	uint64_t weight, label;
	size_t idx;
} ord;

static int cmp_order(const void *a, const void *b)
{
	const ord *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return (x->label > y->label) - (x->label < y->label);
}

int fg_pack_components(int *out, const fg_pack_item *items, size_t n, int n_ranks)
{
	ord *order = NULL;
	slot *heap = NULL;
	int rc = FG_OK;

	if (n_ranks < 1)
		return fg_error_set(FG_EUSAGE, "packing onto %d ranks", n_ranks);
	order = fg_mallocarray(n + 1, sizeof(*order));
	heap = fg_mallocarray((size_t)n_ranks, sizeof(*heap));
	if (!order || !heap) {
		rc = fg_error_set(FG_ENOMEM, "out of memory packing %zu components", n);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (ord){ items[i].weight, items[i].label, i };
	qsort(order, n, sizeof(*order), cmp_order);
	/* loads all 0, ranks ascending: already a heap */
	for (int r = 0; r < n_ranks; r++)
		heap[r] = (slot){ 0, r };
	for (size_t i = 0; i < n; i++) {
		out[order[i].idx] = heap[0].rank;
		heap[0].load += order[i].weight;
		sift_down(heap, (size_t)n_ranks, 0);
	}
cleanup:
	fg_free(order);
	fg_free(heap);
	return rc;
}
