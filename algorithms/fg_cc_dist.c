/*
 * fg_cc_dist: connected components of a graph spread over MPI ranks.
 *
 * Algorithm: min-label propagation (the vertex-centric form of Shiloach-
 * Vishkin's hooking without its shortcutting; Pregel's connected components,
 * Malewicz et al., SIGMOD 2010).  Every vertex starts with its own global id;
 * each round, every vertex whose label fell in the previous round sends it
 * to its neighbours' owners (MPI_Alltoallv), which keep the minimum.  A round
 * in which no label falls anywhere (MPI_Allreduce) ends it.
 *
 * Layout: the held edges are first sent to both endpoints' owners, so each
 * rank keeps the adjacency (owned vertex, neighbour id) of its own vertices,
 * sorted by vertex; labels are one uint64 per owned vertex.
 *
 * Termination and result: labels only fall and are bounded below by the
 * smallest id in the component; a label travels one hop per round, so after
 * at most diameter + 1 rounds nothing changes, and then every vertex holds
 * the smallest id of its component (an unchanged round means every edge's
 * endpoints agree).  The labels are canonical: the same for any rank count
 * given the same global ids, and for any order of the held edges.
 *
 * Complexity: O(E) messages per round in the worst case, only changed
 * vertices send; memory O((V + 2E) / ranks) per rank.  FastSV's pointer
 * jumping (Zhang, Azad, Hu, SIAM PP 2020) bounds the rounds by O(log V);
 * that is the next step (docs/scale.md).
 * Thread-safety: one call per rank at a time; no OpenMP inside.
 */
#include "fg_cc_dist.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct pair {
	uint64_t v, w;
} pair;

static int owner_of(const uint64_t *first, int size, uint64_t v)
{
	int lo = 0, hi = size - 1;

	while (lo < hi) { /* the last r with first[r] <= v */
		int mid = (lo + hi + 1) / 2;

		if (first[mid] <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int cmp_pair(const void *a, const void *b)
{
	const pair *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->w > y->w) - (x->w < y->w);
}

/* 0 if every rank's ok is 1. */
static int agree(int ok, MPI_Comm comm)
{
	int all = 0;

	if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
		return -1;
	return all ? 0 : -1;
}

/*
 * Send n pairs, pair i to dest[i], and receive what the others sent: *out
 * (malloc'd) with *n_out pairs.  Returns 0 or -1 (agreed).
 */
static int exchange(pair **out, size_t *n_out, const pair *p, const int *dest, size_t n,
                    int size, MPI_Comm comm, uint64_t *bytes)
{
	int *sc = calloc((size_t)size * 4, sizeof(int));
	int *sd = sc + size, *rc = sc + 2 * size, *rd = sc + 3 * size;
	pair *sbuf = NULL, *rbuf = NULL;
	size_t *pos = NULL, total = 0;
	int ok = 1;

	*out = NULL;
	*n_out = 0;
	if (sc) {
		pos = calloc((size_t)size, sizeof(*pos));
		sbuf = malloc((n ? n : 1) * sizeof(*sbuf));
	}
	if (!sc || !pos || !sbuf)
		ok = 0;
	if (ok) {
		size_t *cnt = pos;

		for (size_t i = 0; i < n; i++)
			cnt[dest[i]]++;
		for (int r = 0; r < size; r++) {
			if (cnt[r] > (size_t)INT_MAX / sizeof(pair) || total > (size_t)INT_MAX)
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
		for (size_t i = 0; i < n; i++)
			sbuf[pos[dest[i]]++] = p[i];
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
	}
	rbuf = malloc(total ? total : 1);
	if (agree(ok && rbuf, comm) != 0)
		goto fail;
	if (MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, rbuf, rc, rd, MPI_BYTE, comm) != MPI_SUCCESS)
		goto fail;
	*bytes += (uint64_t)n * sizeof(pair);
	*out = rbuf;
	*n_out = total / sizeof(pair);
	free(sc);
	free(pos);
	free(sbuf);
	return 0;
fail:
	free(sc);
	free(pos);
	free(sbuf);
	free(rbuf);
	return -1;
}

int fg_cc_dist(uint64_t *label, const uint64_t *first, const uint64_t *edges, size_t n_edges,
               MPI_Comm comm, fg_cc_dist_stats *st)
{
	int rank, size, ret = -1;
	pair *send = NULL, *adj = NULL, *msg = NULL;
	int *dest = NULL;
	uint8_t *changed = NULL;
	size_t n_adj = 0, n_msg = 0, nv;
	uint64_t lo;

	memset(st, 0, sizeof(*st));
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &size);
	lo = first[rank];
	nv = (size_t)(first[rank + 1] - lo);

	/* the adjacency of the owned vertices: each edge to both endpoints' owners */
	send = malloc((2 * n_edges + 1) * sizeof(*send));
	dest = malloc((2 * n_edges + 1) * sizeof(*dest));
	changed = malloc(nv + 1);
	if (agree(send && dest && changed, comm) != 0)
		goto cleanup;
	for (size_t i = 0; i < n_edges; i++) {
		uint64_t a = edges[2 * i], b = edges[2 * i + 1];

		send[2 * i] = (pair){ a, b };
		dest[2 * i] = owner_of(first, size, a);
		send[2 * i + 1] = (pair){ b, a };
		dest[2 * i + 1] = owner_of(first, size, b);
	}
	if (exchange(&adj, &n_adj, send, dest, 2 * n_edges, size, comm, &st->bytes_sent) != 0)
		goto cleanup;
	qsort(adj, n_adj, sizeof(*adj), cmp_pair);
	for (size_t i = 0; i < nv; i++) {
		label[i] = lo + i;
		changed[i] = 1;
	}

	for (;;) {
		size_t ns = 0;
		int any = 0, any_all = 0;

		/* messages: (neighbour, my label) from every vertex that changed */
		free(send);
		free(dest);
		send = malloc((n_adj + 1) * sizeof(*send));
		dest = malloc((n_adj + 1) * sizeof(*dest));
		if (agree(send && dest, comm) != 0)
			goto cleanup;
		for (size_t i = 0; i < n_adj; i++) {
			size_t v = (size_t)(adj[i].v - lo);

			if (!changed[v] || label[v] >= adj[i].w)
				continue; /* a neighbour with a smaller id never takes a larger label */
			send[ns] = (pair){ adj[i].w, label[v] };
			dest[ns++] = owner_of(first, size, adj[i].w);
		}
		memset(changed, 0, nv);
		free(msg);
		msg = NULL;
		if (exchange(&msg, &n_msg, send, dest, ns, size, comm, &st->bytes_sent) != 0)
			goto cleanup;
		for (size_t i = 0; i < n_msg; i++) {
			size_t v = (size_t)(msg[i].v - lo);

			if (msg[i].w < label[v]) {
				label[v] = msg[i].w;
				changed[v] = 1;
				any = 1;
			}
		}
		st->rounds++;
		if (MPI_Allreduce(&any, &any_all, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
			goto cleanup;
		if (!any_all)
			break;
	}
	ret = 0;
cleanup:
	free(send);
	free(dest);
	free(adj);
	free(msg);
	free(changed);
	return ret;
}
