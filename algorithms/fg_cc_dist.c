/*
 * fg_cc_dist: connected components of a graph spread over MPI ranks.
 *
 * Algorithm: FastSV (Zhang, Azad, Hu, "FastSV: a distributed-memory
 * connected component algorithm with fast convergence", SIAM PP 2020; the
 * LAGraph form, LG_CC_FastSV6), in owner-computes form.  Every vertex v has
 * a parent f[v] and a grandparent gf[v] = f[f[v]]; each iteration
 *   1. every vertex learns mngf[v], the least gf of its neighbours (a vertex
 *      whose gf fell sends it along its arcs to the neighbours' owners),
 *   2. stochastic hooking: f[f[v]] = min(f[f[v]], mngf[v]) (a message to the
 *      owner of v's parent),
 *   3. aggressive hooking f[v] = min(f[v], mngf[v]) and shortcutting
 *      f[v] = min(f[v], gf[v]), both local,
 *   4. gf[v] = f[f[v]] (v's parent's owner is asked for f of the parent),
 * and the pass ends after an iteration in which no gf changed on any rank
 * (MPI_Allreduce).  The hooking and the shortcutting are the pointer jumping
 * that bounds the iterations by O(log V) in practice (the paper, section 4),
 * where min-label propagation needs the diameter.
 *
 * Termination and result: f[v] <= v always and every value is a vertex of
 * v's component, so values only fall and the pass terminates.  Since
 * f_new[v] <= gf_old[v] (shortcutting) and f[x] <= x, gf never rises, so the
 * running minimum mngf is exact.  When no gf changes in an iteration,
 * f[f[v]] = gf[v] >= f[v] >= f[f[v]]: every tree is a star; and for every
 * arc (v, w), f[v] <= mngf[v] <= gf[w] = f[w] and symmetrically, so both ends
 * hold the same root; the smallest vertex m of a component keeps f[m] = m,
 * so every vertex ends with the smallest global id of its component.  That
 * label does not depend on the rank count, the ownership ranges or the order
 * of the held edges: canonical.
 *
 * Layout: the held edges are sent to both endpoints' owners, which keep a
 * CSR (counting sort by owned vertex) of 8 bytes per arc; f, gf, mngf are one
 * uint64 each per owned vertex.  A message that stays on this rank is
 * applied directly, not sent.
 *
 * Complexity: O((V + E) / ranks) work and at most 16 bytes per arc (step 1)
 * plus 48 per vertex (steps 2 and 4) per iteration sent by a rank; memory
 * O((V + 2E) / ranks) per rank.
 * Thread-safety: one call per rank at a time; no OpenMP inside (the ranks
 * are the parallelism).
 */
#include "fg_cc_dist.h"

#include "fg_alloc.h"

#include <limits.h>
#include <string.h>

typedef struct pair {
	uint64_t v, w;
} pair;

int fg_cc_dist_owner(const uint64_t *first, int size, uint64_t v)
{
	int lo = 0, hi = size - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (first[mid] <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* 0 if every rank's ok is 1, else -1 on every rank. */
static int agree(int ok, MPI_Comm comm)
{
	int all = 0;

	if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
		return -1;
	return all ? 0 : -1;
}

/*
 * Messages waiting to be sent: pairs and their destinations.  Invariant:
 * n <= cap for both arrays; after a failed growth, failed is set and pushes
 * are dropped (the caller agrees on the failure before the next exchange).
 */
typedef struct outbox {
	pair *p;
	int *dest;
	size_t n, cap;
	int failed;
} outbox;

static void outbox_push(outbox *b, int dest, uint64_t v, uint64_t w)
{
	if (b->failed)
		return;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4096;
		pair *p = fg_reallocarray(b->p, cap, sizeof(*p));
		int *d;

		if (p)
			b->p = p;
		if (!p || !(d = fg_reallocarray(b->dest, cap, sizeof(*d)))) {
			b->failed = 1;
			return;
		}
		b->dest = d;
		b->cap = cap;
	}
	b->p[b->n] = (pair){ v, w };
	b->dest[b->n++] = dest;
}

/*
 * Send the outbox (pair i to dest[i]) and receive what the others sent:
 * *out (fg_malloc'd; freed first) with *n_out pairs, grouped by source rank
 * in rank order, from_cnt[r] of them from rank r (from_cnt: size entries, or
 * NULL).  The outbox is emptied.  Returns 0 or -1 (agreed).  Collective.
 */
static int exchange(pair **out, size_t *n_out, size_t *from_cnt, outbox *b, int size,
                    MPI_Comm comm, uint64_t *bytes)
{
	int *sc = fg_calloc((size_t)size * 4, sizeof(int));
	int *sd = sc + size, *rc = sc + 2 * size, *rd = sc + 3 * size;
	pair *sbuf = NULL;
	size_t *pos = NULL, total = 0;
	int ok = 1;

	fg_free(*out);
	*out = NULL;
	*n_out = 0;
	if (sc) {
		pos = fg_calloc((size_t)size, sizeof(*pos));
		sbuf = fg_mallocarray(b->n ? b->n : 1, sizeof(*sbuf));
	}
	if (!sc || !pos || !sbuf)
		ok = 0;
	if (ok) {
		size_t *cnt = pos;

		for (size_t i = 0; i < b->n; i++)
			cnt[b->dest[i]]++;
		for (int r = 0; r < size; r++) {
			if (cnt[r] > (size_t)INT_MAX / sizeof(pair) ||
			    total > (size_t)INT_MAX / sizeof(pair))
				ok = 0;
			sc[r] = (int)(cnt[r] * sizeof(pair));
			sd[r] = (int)(total * sizeof(pair));
			total += cnt[r];
		}
		total = 0;
		for (int r = 0; r < size; r++) {
			size_t c = cnt[r];

			cnt[r] = total;
			total += c;
		}
		for (size_t i = 0; i < b->n; i++)
			sbuf[pos[b->dest[i]]++] = b->p[i];
	}
	if (agree(ok, comm) != 0)
		goto fail;
	if (MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, comm) != MPI_SUCCESS)
		goto fail;
	total = 0;
	for (int r = 0; r < size; r++) {
		if (total > (size_t)INT_MAX)
			ok = 0;
		rd[r] = (int)total;
		total += (size_t)rc[r];
		if (from_cnt)
			from_cnt[r] = (size_t)rc[r] / sizeof(pair);
	}
	*out = fg_malloc(total ? total : 1);
	if (agree(ok && *out, comm) != 0)
		goto fail;
	if (MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, *out, rc, rd, MPI_BYTE, comm) != MPI_SUCCESS)
		goto fail;
	*bytes += (uint64_t)b->n * sizeof(pair);
	*n_out = total / sizeof(pair);
	b->n = 0;
	fg_free(sc);
	fg_free(pos);
	fg_free(sbuf);
	return 0;
fail:
	fg_free(sc);
	fg_free(pos);
	fg_free(sbuf);
	fg_free(*out);
	*out = NULL;
	return -1;
}

static inline uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int fg_cc_dist(uint64_t *label, const uint64_t *first, const uint64_t *edges, size_t n_edges,
               MPI_Comm comm, fg_cc_dist_stats *st)
{
	int rank, size, ret = -1;
	outbox ob = { NULL, NULL, 0, 0, 0 };
	pair *in = NULL;
	size_t n_in = 0, nv, *off = NULL, *from = NULL;
	uint64_t lo, *nbr = NULL, *gf = NULL, *mngf = NULL;
	uint64_t *f = label; /* the parents are the labels in the end */
	uint8_t *fell = NULL;

	memset(st, 0, sizeof(*st));
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &size);
	lo = first[rank];
	nv = (size_t)(first[rank + 1] - lo);

	/* the adjacency of the owned vertices: each edge to both endpoints' owners */
	off = fg_calloc(nv + 2, sizeof(*off));
	from = fg_calloc((size_t)size, sizeof(*from));
	gf = fg_mallocarray(nv + 1, sizeof(*gf));
	mngf = fg_mallocarray(nv + 1, sizeof(*mngf));
	fell = fg_malloc(nv + 1);
	ob.p = fg_mallocarray(2 * n_edges + 1, sizeof(*ob.p));
	ob.dest = fg_mallocarray(2 * n_edges + 1, sizeof(*ob.dest));
	ob.cap = 2 * n_edges + 1;
	if (agree(off && from && gf && mngf && fell && ob.p && ob.dest, comm) != 0)
		goto cleanup;
	for (size_t i = 0; i < n_edges; i++) {
		uint64_t a = edges[2 * i], b = edges[2 * i + 1];

		if (a == b)
			continue;
		outbox_push(&ob, fg_cc_dist_owner(first, size, a), a, b); /* within the capacity */
		outbox_push(&ob, fg_cc_dist_owner(first, size, b), b, a);
	}
	if (exchange(&in, &n_in, NULL, &ob, size, comm, &st->bytes_sent) != 0)
		goto cleanup;
	for (size_t i = 0; i < n_in; i++)
		off[in[i].v - lo + 2]++;
	for (size_t v = 2; v < nv + 2; v++)
		off[v] += off[v - 1];
	nbr = fg_mallocarray(n_in + 1, sizeof(*nbr));
	if (agree(nbr != NULL, comm) != 0)
		goto cleanup;
	for (size_t i = 0; i < n_in; i++)
		nbr[off[in[i].v - lo + 1]++] = in[i].w;
	/* now off[v] .. off[v + 1] are v's arcs */
	fg_free(in);
	in = NULL;
	for (size_t v = 0; v < nv; v++) {
		f[v] = gf[v] = mngf[v] = lo + v;
		fell[v] = 1;
	}

	for (;;) {
		int any = 0, any_all = 0;

		/* 1. mngf: a fallen gf goes along the arcs (never to a neighbour it cannot lower) */
		for (size_t v = 0; v < nv; v++) {
			if (!fell[v])
				continue;
			for (size_t a = off[v]; a < off[v + 1]; a++) {
				uint64_t w = nbr[a];

				if (gf[v] >= w)
					continue; /* mngf[w] <= f[w] <= w already */
				if (w - lo < nv)
					mngf[w - lo] = min64(mngf[w - lo], gf[v]);
				else
					outbox_push(&ob, fg_cc_dist_owner(first, size, w), w, gf[v]);
			}
		}
		if (agree(!ob.failed, comm) != 0 ||
		    exchange(&in, &n_in, NULL, &ob, size, comm, &st->bytes_sent) != 0)
			goto cleanup;
		for (size_t i = 0; i < n_in; i++)
			mngf[in[i].v - lo] = min64(mngf[in[i].v - lo], in[i].w);

		/* 2. stochastic hooking: v's parent hooks onto v's least neighbour grandparent */
		for (size_t v = 0; v < nv; v++) {
			uint64_t p = f[v];

			if (mngf[v] >= gf[v])
				continue; /* f[p] <= gf[v] already */
			if (p - lo < nv)
				f[p - lo] = min64(f[p - lo], mngf[v]);
			else
				outbox_push(&ob, fg_cc_dist_owner(first, size, p), p, mngf[v]);
		}
		if (agree(!ob.failed, comm) != 0 ||
		    exchange(&in, &n_in, NULL, &ob, size, comm, &st->bytes_sent) != 0)
			goto cleanup;
		for (size_t i = 0; i < n_in; i++)
			f[in[i].v - lo] = min64(f[in[i].v - lo], in[i].w);

		/* 3. aggressive hooking and shortcutting */
		for (size_t v = 0; v < nv; v++)
			f[v] = min64(f[v], min64(mngf[v], gf[v]));

		/* 4. gf = f[f]: local parents read here, remote ones asked (v, parent) */
		for (size_t v = 0; v < nv; v++) {
			uint64_t p = f[v], g;

			if (p - lo < nv) {
				g = f[p - lo];
				fell[v] = g != gf[v];
				any |= fell[v];
				gf[v] = g;
			} else {
				outbox_push(&ob, fg_cc_dist_owner(first, size, p), lo + v, p);
			}
		}
		if (agree(!ob.failed, comm) != 0 ||
		    exchange(&in, &n_in, from, &ob, size, comm, &st->bytes_sent) != 0)
			goto cleanup;
		{
			size_t i = 0;

			for (int r = 0; r < size; r++)
				for (size_t k = 0; k < from[r]; k++, i++)
					outbox_push(&ob, r, in[i].v, f[in[i].w - lo]);
		}
		if (agree(!ob.failed, comm) != 0 ||
		    exchange(&in, &n_in, NULL, &ob, size, comm, &st->bytes_sent) != 0)
			goto cleanup;
		for (size_t i = 0; i < n_in; i++) {
			size_t v = (size_t)(in[i].v - lo);

			fell[v] = in[i].w != gf[v];
			any |= fell[v];
			gf[v] = in[i].w;
		}
		st->rounds++;
		if (MPI_Allreduce(&any, &any_all, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
			goto cleanup;
		if (!any_all)
			break;
	}
	ret = 0;
cleanup:
	fg_free(ob.p);
	fg_free(ob.dest);
	fg_free(in);
	fg_free(off);
	fg_free(from);
	fg_free(nbr);
	fg_free(gf);
	fg_free(mngf);
	fg_free(fell);
	return ret;
}
