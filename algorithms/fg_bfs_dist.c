/*
 * fg_bfs_dist: fg_bfs_multi's evidence BFS across MPI ranks (see
 * fg_bfs_dist.h for the contract), equal to one process's dist and nearest
 * for any rank count and split.
 *
 * Algorithm: level-synchronous top-down BFS with a frontier exchange, the
 * 1-D distributed BFS of Buluc and Madduri ("Parallel Breadth-First Search
 * on Distributed Memory Systems", SC 2011) in its simplest form.  Every rank
 * owns an ascending run of the active list; per level each rank
 *   1. sends, for every arc (u, w) of an owned frontier vertex u, the triple
 *      (w, u, nearest[u]) to w's owner (MPI_Alltoallv; arcs to owned
 *      vertices already reached are dropped before sending),
 *   2. sorts what it received by (w, u); each unreached w becomes level + 1,
 *      its parent p the first entry of w's CSR row among the u's received
 *      for it (binary search in the sorted group), nearest[w] = nearest[p],
 *   3. adds the counts of newly reached vertices over the ranks (an integer
 *      sum: exact in any order); the BFS ends when none were.
 * fg_bfs_multi picks p as the first neighbour in w's CSR row at the previous
 * level; the graph being symmetric, every such neighbour is a frontier
 * vertex with an arc to w, so it sent a triple, and the u's received for w
 * are exactly those neighbours: the same p, the same nearest.  dist does not
 * depend on the order either (level-synchronous), so both equal fg_bfs's.
 *
 * Owners: vfirst, the ranks' first vertex ids (the runs ascend, so the
 * vertex ranges do; fg_cc_dist_owner finds a vertex's rank).
 * Memory per rank: dist and nearest (8 bytes per owned vertex), two frontier
 * lists (8), 12 bytes per sent and per received triple of a level.
 * Thread-safety: one call per rank at a time; no OpenMP inside.
 */
#include "fg_bfs_dist.h"

#include "fg_alloc.h"
#include "fg_cc_dist.h"
#include "fg_error.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct triple {
	uint32_t w, u, near;
} triple;

/* One rank's working state; the counts and displacements are in triples. */
typedef struct bfs_work {
	const fg_risk_part *pt;
	MPI_Comm comm;
	int rank, size;
	uint64_t nv;
	uint64_t *vfirst;                /* size + 1 */
	uint32_t *cur, *next;            /* frontier lists: owned indices */
	uint64_t ncur, nnext;
	triple *out, *in;
	uint64_t cap_out, cap_in;
	int *scnt, *sdisp, *rcnt, *rdisp; /* 4 * size ints, one allocation */
	uint64_t bytes;
} bfs_work;

static int cmp_triple(const void *a, const void *b)
{
	const triple *x = a, *y = b;

	if (x->w != y->w)
		return (x->w > y->w) - (x->w < y->w);
	return (x->u > y->u) - (x->u < y->u);
}

static int cmp_u_in_triple(const void *key, const void *t)
{
	uint32_t u = *(const uint32_t *)key, v = ((const triple *)t)->u;

	return (u > v) - (u < v);
}

static void work_free(bfs_work *w)
{
	fg_free(w->vfirst);
	fg_free(w->cur);
	fg_free(w->next);
	fg_free(w->out);
	fg_free(w->in);
	fg_free(w->scnt);
}

/* vfirst from every rank's first and last vertex; the runs must ascend.  0 or -1 (agreed). */
static int gather_runs(bfs_work *w)
{
	const fg_risk_part *pt = w->pt;
	uint64_t mine[2] = { w->nv ? pt->vid[0] : UINT64_MAX, w->nv ? pt->vid[w->nv - 1] : 0 };
	uint64_t *all = fg_mallocarray(2 * (size_t)w->size, sizeof(*all)), last = 0;
	int ok = all != NULL, seen = 0;

	if (fg_risk_dist_agree(ok, w->comm) != 0 ||
	    MPI_Allgather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, w->comm) != MPI_SUCCESS) {
		fg_free(all);
		return -1;
	}
	for (int r = 0; r < w->size; r++) {
		if (all[2 * r] == UINT64_MAX)
			continue;
		ok &= !seen || all[2 * r] > last;
		last = all[2 * r + 1];
		seen = 1;
	}
	w->vfirst[w->size] = UINT64_MAX;
	for (int r = w->size - 1; r >= 0; r--) /* an empty run takes the next one's start */
		w->vfirst[r] = all[2 * r] < w->vfirst[r + 1] ? all[2 * r] : w->vfirst[r + 1];
	fg_free(all);
	return fg_risk_dist_agree(ok, w->comm);
}

static int work_new(bfs_work *w, const fg_risk_part *pt, MPI_Comm comm)
{
	memset(w, 0, sizeof(*w));
	w->pt = pt;
	w->comm = comm;
	MPI_Comm_rank(comm, &w->rank);
	MPI_Comm_size(comm, &w->size);
	w->nv = pt->k1 - pt->k0;
	w->vfirst = fg_mallocarray((size_t)w->size + 1, sizeof(*w->vfirst));
	w->cur = fg_mallocarray(w->nv + 1, sizeof(*w->cur));
	w->next = fg_mallocarray(w->nv + 1, sizeof(*w->next));
	w->scnt = fg_calloc(4 * (size_t)w->size, sizeof(int));
	if (fg_risk_dist_agree(w->vfirst && w->cur && w->next && w->scnt && w->nv < UINT32_MAX, comm) != 0)
		return fg_error_set(FG_ENOMEM, "bfs: rank %d out of memory for %llu vertices",
		                    w->rank, (unsigned long long)w->nv);
	w->sdisp = w->scnt + w->size;
	w->rcnt = w->scnt + 2 * w->size;
	w->rdisp = w->scnt + 3 * w->size;
	if (gather_runs(w) != 0)
		return fg_error_set(FG_EUSAGE, "bfs: the ranks' runs of the %llu vertices do not "
		                    "ascend", (unsigned long long)pt->na);
	return FG_OK;
}

/* Room for n triples in *buf (capacity *cap); 0 or -1. */
static int reserve(triple **buf, uint64_t *cap, uint64_t n)
{
	triple *p;

	if (n <= *cap && *buf)
		return 0;
	p = fg_reallocarray(*buf, n + 1, sizeof(*p));
	if (!p)
		return -1;
	*buf = p;
	*cap = n + 1;
	return 0;
}

/* Whether a frontier arc to x (owner to) is sent: x is another rank's, or owned and unreached. */
static int wanted(const bfs_work *w, const uint32_t *dist, uint32_t x, int to)
{
	uint64_t k;

	if (to != w->rank)
		return 1;
	k = fg_risk_part_local(w->pt, x);
	return k == w->nv || dist[k] == FG_BFS_UNREACHED; /* off the list: the receiver says so */
}

/* Step 1: the frontier's triples, grouped by owner, exchanged.  Returns the count received or -1. */
static int64_t push(bfs_work *w, const uint32_t *dist, const uint32_t *nearest)
{
	const fg_risk_part *pt = w->pt;
	uint64_t total = 0, got = 0;
	int n = w->size, ok;

	memset(w->scnt, 0, 2 * (size_t)n * sizeof(int));
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t i = 0; i < w->ncur; i++) {
			uint32_t k = w->cur[i];

			for (uint64_t a = pt->off[k]; a < pt->off[k + 1]; a++) {
				uint32_t x = pt->adj[a];
				int to = fg_cc_dist_owner(w->vfirst, n, x);

				if (!wanted(w, dist, x, to))
					continue;
				if (pass == 0)
					w->scnt[to]++;
				else
					w->out[w->sdisp[to] + w->rcnt[to]++] =
					        (triple){ x, pt->vid[k], nearest[k] };
			}
		}
		if (pass == 1)
			break;
		total = 0;
		for (int r = 0; r < n; r++) {
			w->sdisp[r] = (int)total;
			total += (uint64_t)w->scnt[r];
			w->rcnt[r] = 0; /* the fill cursor in pass 1 */
		}
		ok = total < INT_MAX / 3 && reserve(&w->out, &w->cap_out, total) == 0;
		if (fg_risk_dist_agree(ok, w->comm) != 0)
			return -1;
	}
	if (MPI_Alltoall(w->scnt, 1, MPI_INT, w->rcnt, 1, MPI_INT, w->comm) != MPI_SUCCESS)
		return -1;
	for (int r = 0; r < n; r++) {
		w->rdisp[r] = (int)got;
		got += (uint64_t)w->rcnt[r];
	}
	ok = got < INT_MAX / 3 && reserve(&w->in, &w->cap_in, got) == 0;
	if (fg_risk_dist_agree(ok, w->comm) != 0)
		return -1;
	for (int r = 0; r < n; r++) { /* in uint32s: three per triple */
		w->scnt[r] *= 3;
		w->sdisp[r] *= 3;
		w->rcnt[r] *= 3;
		w->rdisp[r] *= 3;
		w->bytes += r == w->rank ? 0 : (uint64_t)w->scnt[r] * sizeof(uint32_t);
	}
	if (MPI_Alltoallv(w->out, w->scnt, w->sdisp, MPI_UINT32_T, w->in, w->rcnt, w->rdisp,
	                  MPI_UINT32_T, w->comm) != MPI_SUCCESS)
		return -1;
	return (int64_t)got;
}

/* The first entry of row k among the group's u's (sorted), or NULL. */
static const triple *first_parent(const fg_risk_part *pt, uint64_t k, const triple *g,
                                  uint64_t len)
{
	for (uint64_t a = pt->off[k]; a < pt->off[k + 1]; a++) {
		const triple *hit = bsearch(&pt->adj[a], g, len, sizeof(*g), cmp_u_in_triple);

		if (hit)
			return hit;
	}
	return NULL;
}

/* Step 2: the received triples settle level + 1.  0, or -1 when a w is not owned. */
static int settle(bfs_work *w, uint32_t *dist, uint32_t *nearest, uint64_t got, uint32_t level)
{
	uint64_t i = 0, j;

	qsort(w->in, got, sizeof(*w->in), cmp_triple);
	w->nnext = 0;
	for (; i < got; i = j) {
		uint64_t k = fg_risk_part_local(w->pt, w->in[i].w);
		const triple *p;

		for (j = i + 1; j < got && w->in[j].w == w->in[i].w; j++)
			;
		if (k == w->nv)
			return -1;
		if (dist[k] != FG_BFS_UNREACHED)
			continue;
		p = first_parent(w->pt, k, w->in + i, j - i);
		dist[k] = level + 1;
		nearest[k] = p ? p->near : FG_BFS_UNREACHED; /* NULL only off the contract */
		w->next[w->nnext++] = (uint32_t)k;
	}
	return 0;
}

/* The owned seeds at level 0, each once; 0, or -1 when one of this rank's range is off the list. */
static int plant(bfs_work *w, uint32_t *dist, uint32_t *nearest, const uint32_t *seeds,
                 uint32_t ns)
{
	for (uint64_t k = 0; k < w->nv; k++)
		dist[k] = nearest[k] = FG_BFS_UNREACHED;
	w->ncur = 0;
	for (uint32_t i = 0; i < ns; i++) {
		uint64_t k;

		if (fg_cc_dist_owner(w->vfirst, w->size, seeds[i]) != w->rank)
			continue;
		if ((k = fg_risk_part_local(w->pt, seeds[i])) == w->nv)
			return -1;
		if (dist[k] == 0)
			continue;
		dist[k] = 0;
		nearest[k] = seeds[i];
		w->cur[w->ncur++] = (uint32_t)k;
	}
	return 0;
}

int fg_bfs_dist(uint32_t *dist, uint32_t *nearest, const fg_risk_part *part,
                const uint32_t *seeds, uint32_t ns, MPI_Comm comm, fg_bfs_dist_stats *st)
{
	bfs_work w;
	uint64_t fresh = 0, reached = 0;
	uint32_t level = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = work_new(&w, part, comm)) != FG_OK)
		goto cleanup;
	if (fg_risk_dist_agree(plant(&w, dist, nearest, seeds, ns) == 0, comm) != 0) {
		rc = fg_error_set(FG_EUSAGE, "bfs: a seed is not on the list of %llu vertices",
		                  (unsigned long long)part->na);
		goto cleanup;
	}
	rc = FG_ERROR;
	if (MPI_Allreduce(&w.ncur, &reached, 1, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS)
		goto fail;
	for (fresh = reached; fresh > 0; level++) {
		int64_t got = push(&w, dist, nearest);
		uint32_t *t;

		if (got < 0)
			goto fail;
		if (fg_risk_dist_agree(settle(&w, dist, nearest, (uint64_t)got, level) == 0, comm) != 0) {
			rc = fg_error_set(FG_EUSAGE, "bfs: a neighbour is not on the list of %llu "
			                  "vertices (level %u)", (unsigned long long)part->na, level);
			goto cleanup;
		}
		if (MPI_Allreduce(&w.nnext, &fresh, 1, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS)
			goto fail;
		reached += fresh;
		t = w.cur;
		w.cur = w.next;
		w.next = t;
		w.ncur = w.nnext;
	}
	st->levels = level;
	st->reached = reached;
	rc = FG_OK;
	goto cleanup;
fail:
	rc = fg_error_set(FG_ERROR, "bfs: an exchange failed at level %u", level);
cleanup:
	st->bytes_sent = w.bytes;
	work_free(&w);
	return rc;
}
