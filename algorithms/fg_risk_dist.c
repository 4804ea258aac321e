/*
 * fg_risk_dist: fg_risk's walk (personalised PageRank from the seeds, see
 * fg_risk.c for the iteration and its weights) across MPI ranks, giving
 * fg_risk's bits for any rank count.
 *
 * Algorithm: bulk-synchronous pull (Jacobi) in owner-computes form, the
 * distributed PageRank of the Pregel/GraphLab line (Malewicz et al.,
 * "Pregel", SIGMOD 2010) with fg_risk's fixed summation order.  Every rank
 * owns a run of whole blocks of the active list (fg_risk_part) and, per
 * iteration,
 *   1. computes c = r / W and q = c * w of its vertices and the dangling mass
 *      of each of its blocks,
 *   2. all ranks gather every block's partial (MPI_Allgatherv, blocks in
 *      order) and add them in block order: fg_risk's D, bit for bit,
 *   3. sends the c or q values its neighbours' owners asked for at set-up
 *      (MPI_Alltoallv, 8 bytes per distinct remote value),
 *   4. pulls r'(v) over v's arcs in CSR order from its own values and the
 *      received ones: fg_risk's sum, term by term,
 *   5. gathers the blocks' L1 partials the same way; every rank sees the
 *      same L1 and stops at the same iteration.
 * No floating-point sum is combined by MPI_SUM (whose order MPI leaves
 * open): each double that fg_risk adds is added here in the same order, so
 * the results are equal to the bit.  W of a user (the sum of its arcs'
 * weights in CSR order, fg_graph_weight) is pulled once at set-up the same
 * way, from the neighbours' weights.
 *
 * Set-up: for every owned arc to a vertex of another rank the owner of that
 * vertex is found from the ranks' first vertex ids (the runs ascend, so the
 * vertex ranges do), the distinct (vertex, c or q) requests are sorted (that
 * groups them by owner) and sent once; the owner keeps, per asking rank, the
 * list of its values to send each iteration.  Each arc then reads its value
 * through one precomputed index: the owned c's, the owned q's, then the
 * received ghosts.
 *
 * Layout: fg_risk_part (the owned vertices' CSR rows, global vertex ids).
 * Memory per rank: 4 bytes per owned arc, 8 per distinct remote key (twice
 * at set-up), 7 doubles per owned vertex, a double per block of the list.
 * Time: O(owned arcs) per iteration plus O(owned arcs log) at set-up; bytes
 * sent per iteration: 8 per ghost value plus 8 per owned block times size - 1,
 * twice.  Thread-safety: one call per rank at a time; no OpenMP inside (the
 * ranks are the parallelism).
 */
#include "fg_risk_dist.h"

#include "fg_alloc.h"
#include "fg_cc_dist.h"
#include "fg_error.h"
#include "fg_par.h"
#include "fg_search.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NEED_C = 0, NEED_Q = 1 };

/*
 * One rank's working state.  Invariants after setup: val holds nv c's, nv
 * q's, then ng ghosts in the order of the sorted requests (grouped by owner
 * rank, rcnt[r] from rank r at rdisp[r]); idx[a] < 2 nv + ng for every owned
 * arc; sidx[sdisp[r] .. + scnt[r]) are the indices into val of the values
 * rank r asked for, in its order.
 */
typedef struct dist_work {
	const fg_risk_part *pt;
	MPI_Comm comm;
	int rank, size;
	uint64_t nv, ng, nb, nbl; /* owned vertices, ghosts, blocks of the list, owned blocks */
	uint64_t *vfirst;         /* size + 1: first owned vertex id per rank */
	uint32_t *idx;            /* per owned arc: where its value is in val */
	double *val;              /* c | q | ghosts */
	uint32_t *sidx;           /* values to send, by destination */
	double *sbuf;
	int *scnt, *sdisp, *rcnt, *rdisp, *pcnt, *pdisp; /* 6 * size ints, one allocation */
	double *W, *p, *r0, *r1, *part, *allpart;
	uint64_t bytes;
} dist_work;

int fg_risk_dist_agree(int ok, MPI_Comm comm)
{
	int all = 0;

	if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
		return -1;
	return all ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

uint64_t fg_risk_part_local(const fg_risk_part *pt, uint32_t x)
{
	uint64_t n = pt->k1 - pt->k0;
	size_t i = fg_lower_bound_u32(pt->vid, 0, n, x);

	return i < n && pt->vid[i] == x ? i : n;
}

static int owns(const fg_risk_part *pt, uint32_t x)
{
	return fg_risk_part_local(pt, x) < pt->k1 - pt->k0;
}

void fg_risk_dist_split_blocks(uint64_t *first, uint64_t *arcs, const uint64_t *blk,
                               uint64_t na, int size)
{
	uint64_t nb = (na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK, total = 0, seen = 0, b = 0;
	int r = 1;

	for (uint64_t i = 0; i < nb; i++)
		total += blk[i];
	first[0] = 0;
	/* b walks the blocks; rank r starts at the first boundary past r / size of the arcs */
	while (r < size) {
		if (b >= nb || seen * (uint64_t)size >= (uint64_t)r * total) {
			first[r++] = b < nb ? b * FG_PAR_BLOCK : na;
			continue;
		}
		seen += blk[b++];
	}
	first[size] = na;
	for (r = 0; arcs && r < size; r++) {
		/* run r's blocks: every boundary is a multiple of FG_PAR_BLOCK or na */
		uint64_t lo = (first[r] + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;
		uint64_t hi = (first[r + 1] + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;

		arcs[r] = 0;
		for (b = lo; b < hi; b++)
			arcs[r] += blk[b];
	}
}

int fg_risk_dist_split(uint64_t *first, uint64_t *arcs, const fg_graph *g, const uint32_t *act,
                       uint64_t na, int size)
{
	uint64_t nb = (na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;
	uint64_t *blk = fg_calloc((size_t)nb + 1, sizeof(*blk));

	if (!blk)
		return fg_error_set(FG_ENOMEM, "risk: out of memory for the arcs of %llu blocks",
		                    (unsigned long long)nb);
	for (uint64_t i = 0; i < na; i++)
		blk[i / FG_PAR_BLOCK] += g->g.off[act[i] + 1] - g->g.off[act[i]];
	fg_risk_dist_split_blocks(first, arcs, blk, na, size);
	fg_free(blk);
	return FG_OK;
}

int fg_risk_dist_part(fg_risk_part *out, const fg_graph *g, const uint32_t *act, uint64_t na,
                      uint64_t k0, uint64_t k1)
{
	uint64_t nv = k1 - k0, m = 0;

	memset(out, 0, sizeof(*out));
	for (uint64_t i = k0; i < k1; i++)
		m += g->g.off[act[i] + 1] - g->g.off[act[i]];
	out->vid = fg_mallocarray(nv + 1, sizeof(*out->vid));
	out->off = fg_mallocarray(nv + 1, sizeof(*out->off));
	out->adj = fg_mallocarray(m + 1, sizeof(*out->adj));
	out->wt = fg_mallocarray(nv + 1, sizeof(*out->wt));
	if (!out->vid || !out->off || !out->adj || !out->wt) {
		fg_risk_dist_part_free(out);
		return fg_error_set(FG_ENOMEM, "risk: out of memory for a part of %llu vertices",
		                    (unsigned long long)nv);
	}
	out->na = na;
	out->k0 = k0;
	out->k1 = k1;
	out->n_users = g->n_users;
	out->off[0] = 0;
	for (uint64_t i = 0; i < nv; i++) {
		uint32_t v = act[k0 + i];
		uint64_t d = g->g.off[v + 1] - g->g.off[v];

		out->vid[i] = v;
		out->wt[i] = v < g->n_users ? g->relation_weight : fg_graph_ent_weight(g, v - g->n_users);
		if (d)
			memcpy(out->adj + out->off[i], g->g.adj + g->g.off[v], d * sizeof(*out->adj));
		out->off[i + 1] = out->off[i] + d;
	}
	return FG_OK;
}

void fg_risk_dist_part_free(fg_risk_part *p)
{
	if (!p)
		return;
	fg_free(p->vid);
	fg_free(p->off);
	fg_free(p->adj);
	fg_free(p->wt);
	memset(p, 0, sizeof(*p));
}

static void work_free(dist_work *w)
{
	fg_free(w->vfirst);
	fg_free(w->idx);
	fg_free(w->val);
	fg_free(w->sidx);
	fg_free(w->sbuf);
	fg_free(w->scnt);
	fg_free(w->W);
	fg_free(w->p);
	fg_free(w->r0);
	fg_free(w->r1);
	fg_free(w->part);
	fg_free(w->allpart);
}

/*
 * The runs tile the list in whole blocks (the same check on every rank);
 * vfirst and the block counts of every rank.  Returns 0 or -1 (agreed).
 */
static int check_runs(dist_work *w)
{
	const fg_risk_part *pt = w->pt;
	uint64_t mine[3] = { pt->k0, pt->k1, pt->k1 > pt->k0 ? pt->vid[0] : UINT64_MAX };
	uint64_t *all = fg_mallocarray(3 * (size_t)w->size, sizeof(*all)), na = pt->na;
	int ok = all != NULL, n = w->size;

	if (fg_risk_dist_agree(ok, w->comm) != 0 ||
	    MPI_Allgather(mine, 3, MPI_UINT64_T, all, 3, MPI_UINT64_T, w->comm) != MPI_SUCCESS) {
		fg_free(all);
		return -1;
	}
	ok = all[0] == 0 && all[3 * (n - 1) + 1] == na;
	for (int r = 0; r < n && ok; r++) {
		uint64_t k0 = all[3 * r], k1 = all[3 * r + 1];

		ok = k0 <= k1 && (k0 % FG_PAR_BLOCK == 0 || k0 == na) &&
		     (k1 % FG_PAR_BLOCK == 0 || k1 == na) &&
		     (r == 0 || all[3 * (r - 1) + 1] == k0);
		w->pcnt[r] = (int)((k1 - k0 + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK);
		w->pdisp[r] = (int)(k0 / FG_PAR_BLOCK);
	}
	w->vfirst[n] = UINT64_MAX;
	for (int r = n - 1; r >= 0; r--) /* an empty run takes the next one's start */
		w->vfirst[r] = all[3 * r + 2] < w->vfirst[r + 1] ? all[3 * r + 2] : w->vfirst[r + 1];
	fg_free(all);
	return fg_risk_dist_agree(ok, w->comm);
}

/* One exchange of the requested values: val[sidx] out, the ghosts in.  Collective. */
static int exchange(dist_work *w)
{
	uint64_t sent = 0;

	for (int r = 0; r < w->size; r++)
		for (int j = w->sdisp[r]; j < w->sdisp[r] + w->scnt[r]; j++)
			w->sbuf[j] = w->val[w->sidx[j]];
	if (MPI_Alltoallv(w->sbuf, w->scnt, w->sdisp, MPI_DOUBLE, w->val + 2 * w->nv, w->rcnt,
	                  w->rdisp, MPI_DOUBLE, w->comm) != MPI_SUCCESS)
		return -1;
	for (int r = 0; r < w->size; r++)
		sent += r == w->rank ? 0 : (uint64_t)w->scnt[r];
	w->bytes += sent * sizeof(double);
	return 0;
}

/*
 * The requests: idx of every owned arc, the ghosts' layout, and the send
 * lists from the other ranks' requests.  Returns 0 or -1 (agreed).
 */
static int setup_requests(dist_work *w)
{
	const fg_risk_part *pt = w->pt;
	const uint64_t nv = w->nv, m = pt->off[nv];
	uint64_t *key = fg_mallocarray(m + 1, sizeof(*key)), *got = NULL, nk = 0, total = 0;
	int n = w->size, ok = key != NULL, *kc = NULL, *kd = NULL, *gc = NULL, *gd = NULL;

	w->idx = fg_mallocarray(m + 1, sizeof(*w->idx));
	ok = ok && w->idx;
	for (uint64_t i = 0; ok && i < nv; i++) {
		uint64_t need = pt->vid[i] >= pt->n_users ? NEED_C : NEED_Q;

		for (uint64_t a = pt->off[i]; a < pt->off[i + 1]; a++)
			if (!owns(pt, pt->adj[a]))
				key[nk++] = (uint64_t)pt->adj[a] << 1 | need;
	}
	if (ok) {
		qsort(key, nk, sizeof(*key), cmp_u64);
		for (uint64_t i = 0; i < nk; i++)
			if (!w->ng || key[w->ng - 1] != key[i])
				key[w->ng++] = key[i];
		memset(w->rcnt, 0, (size_t)n * sizeof(int));
		for (uint64_t i = 0; i < w->ng; i++)
			w->rcnt[fg_cc_dist_owner(w->vfirst, n, key[i] >> 1)]++;
		ok = 2 * nv + w->ng < UINT32_MAX && w->ng < INT_MAX;
	}
	/* each arc's value: an owned c or q, or a ghost (binary search in the sorted keys) */
	for (uint64_t i = 0; ok && i < nv; i++) {
		uint64_t need = pt->vid[i] >= pt->n_users ? NEED_C : NEED_Q;

		for (uint64_t a = pt->off[i]; a < pt->off[i + 1]; a++) {
			uint32_t x = pt->adj[a];
			uint64_t k = (uint64_t)x << 1 | need, *hit;

			if (owns(pt, x)) {
				w->idx[a] = (uint32_t)(need * nv + fg_risk_part_local(pt, x));
				continue;
			}
			hit = bsearch(&k, key, w->ng, sizeof(*key), cmp_u64);
			w->idx[a] = (uint32_t)(2 * nv + (uint64_t)(hit - key));
		}
	}
	kc = fg_calloc(4 * (size_t)n, sizeof(int));
	ok = ok && kc;
	if (fg_risk_dist_agree(ok, w->comm) != 0)
		goto fail;
	kd = kc + n;
	gc = kc + 2 * n;
	gd = kc + 3 * n;
	for (int r = 0; r < n; r++) {
		w->rdisp[r] = (int)total;
		kc[r] = w->rcnt[r];
		kd[r] = (int)total;
		total += (uint64_t)w->rcnt[r];
	}
	if (MPI_Alltoall(kc, 1, MPI_INT, gc, 1, MPI_INT, w->comm) != MPI_SUCCESS)
		goto fail;
	total = 0;
	for (int r = 0; r < n; r++) {
		gd[r] = (int)total;
		w->scnt[r] = gc[r];
		w->sdisp[r] = (int)total;
		total += (uint64_t)gc[r];
	}
	ok = total < INT_MAX;
	got = fg_mallocarray(total + 1, sizeof(*got));
	w->sidx = fg_mallocarray(total + 1, sizeof(*w->sidx));
	w->sbuf = fg_mallocarray(total + 1, sizeof(*w->sbuf));
	w->val = fg_mallocarray(2 * nv + w->ng + 1, sizeof(*w->val));
	ok = ok && got && w->sidx && w->sbuf && w->val;
	if (fg_risk_dist_agree(ok, w->comm) != 0 ||
	    MPI_Alltoallv(key, kc, kd, MPI_UINT64_T, got, gc, gd, MPI_UINT64_T, w->comm) !=
	        MPI_SUCCESS)
		goto fail;
	for (int r = 0; r < n; r++)
		w->bytes += r == w->rank ? 0 : (uint64_t)kc[r] * sizeof(*key);
	ok = 1;
	for (uint64_t j = 0; j < total; j++) {
		uint32_t x = (uint32_t)(got[j] >> 1);

		ok &= owns(pt, x);
		w->sidx[j] = (uint32_t)((got[j] & 1) * nv + fg_risk_part_local(pt, x));
	}
	fg_free(key);
	fg_free(got);
	fg_free(kc);
	return fg_risk_dist_agree(ok, w->comm);
fail:
	fg_free(key);
	fg_free(got);
	fg_free(kc);
	return -1;
}

/* W of every owned vertex (fg_graph_weight), the users' from the neighbours' weights. */
static int setup_weights(dist_work *w)
{
	const fg_risk_part *pt = w->pt;

	for (uint64_t i = 0; i < w->nv; i++)
		w->val[i] = w->val[w->nv + i] = pt->wt[i];
	if (exchange(w) != 0)
		return -1;
	for (uint64_t i = 0; i < w->nv; i++) {
		double s = 0.0;

		if (pt->vid[i] >= pt->n_users) {
			w->W[i] = (double)(pt->off[i + 1] - pt->off[i]) * pt->wt[i];
			continue;
		}
		for (uint64_t a = pt->off[i]; a < pt->off[i + 1]; a++)
			s += w->val[w->idx[a]];
		w->W[i] = s;
	}
	return 0;
}

static int work_new(dist_work *w, const fg_risk_part *pt, const uint32_t *seeds, uint32_t ns,
                    MPI_Comm comm)
{
	int n, ok;

	memset(w, 0, sizeof(*w));
	w->pt = pt;
	w->comm = comm;
	MPI_Comm_rank(comm, &w->rank);
	MPI_Comm_size(comm, &w->size);
	n = w->size;
	w->nv = pt->k1 - pt->k0;
	w->nb = (pt->na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;
	w->nbl = (w->nv + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;
	w->vfirst = fg_mallocarray((size_t)n + 1, sizeof(*w->vfirst));
	w->scnt = fg_calloc(6 * (size_t)n, sizeof(int));
	w->W = fg_mallocarray(w->nv + 1, sizeof(*w->W));
	w->p = fg_calloc(w->nv + 1, sizeof(*w->p));
	w->r0 = fg_mallocarray(w->nv + 1, sizeof(*w->r0));
	w->r1 = fg_mallocarray(w->nv + 1, sizeof(*w->r1));
	w->part = fg_mallocarray(w->nbl + 1, sizeof(*w->part));
	w->allpart = fg_mallocarray(w->nb + 1, sizeof(*w->allpart));
	ok = w->vfirst && w->scnt && w->W && w->p && w->r0 && w->r1 && w->part && w->allpart &&
	     w->nb < INT_MAX;
	if (fg_risk_dist_agree(ok, comm) != 0)
		return fg_error_set(FG_ENOMEM, "risk: rank %d out of memory for %llu vertices",
		                    w->rank, (unsigned long long)w->nv);
	w->sdisp = w->scnt + n;
	w->rcnt = w->scnt + 2 * n;
	w->rdisp = w->scnt + 3 * n;
	w->pcnt = w->scnt + 4 * n;
	w->pdisp = w->scnt + 5 * n;
	if (check_runs(w) != 0)
		return fg_error_set(FG_ERROR, "risk: the ranks' parts do not tile the %llu active "
		                    "vertices in whole blocks of %d", (unsigned long long)pt->na,
		                    FG_PAR_BLOCK);
	if (setup_requests(w) != 0 || setup_weights(w) != 0)
		return fg_error_set(FG_ENOMEM, "risk: the set-up of the exchange failed on %d ranks "
		                    "(out of memory, or more than 2^31 values on a rank)", n);
	/* p: 1 / ns per listing of a seed, added in the seeds' order as fg_risk does */
	for (uint32_t i = 0; i < ns; i++)
		if (owns(pt, seeds[i]))
			w->p[fg_risk_part_local(pt, seeds[i])] += 1.0 / ns;
	return FG_OK;
}

/* Every block's partial (this rank's in part), summed in block order on every rank. */
static int sum_blocks(double *out, dist_work *w)
{
	double s = 0.0;

	if (MPI_Allgatherv(w->part, (int)w->nbl, MPI_DOUBLE, w->allpart, w->pcnt, w->pdisp,
	                   MPI_DOUBLE, w->comm) != MPI_SUCCESS)
		return -1;
	w->bytes += w->nbl * sizeof(double) * (uint64_t)(w->size - 1);
	for (uint64_t b = 0; b < w->nb; b++)
		s += w->allpart[b];
	*out = s;
	return 0;
}

static uint64_t block_end(const dist_work *w, uint64_t b)
{
	uint64_t hi = (b + 1) * FG_PAR_BLOCK;

	return hi < w->nv ? hi : w->nv;
}

/* fg_risk's block_scale over the owned blocks: c, q, the dangling partials. */
static void scale(dist_work *w, const double *r)
{
	for (uint64_t b = 0; b < w->nbl; b++) {
		double dangling = 0.0;

		for (uint64_t k = b * FG_PAR_BLOCK; k < block_end(w, b); k++) {
			double *c = &w->val[k];

			if (w->W[k] > 0.0) {
				*c = r[k] / w->W[k];
			} else {
				*c = 0.0;
				dangling += r[k];
			}
			w->val[w->nv + k] = *c * w->pt->wt[k];
		}
		w->part[b] = dangling;
	}
}

/* fg_risk's pull: the sum over v's arcs in CSR order, an entity's times its weight. */
static double pull(const dist_work *w, uint64_t k)
{
	const fg_risk_part *pt = w->pt;
	double s = 0.0;

	for (uint64_t a = pt->off[k]; a < pt->off[k + 1]; a++)
		s += w->val[w->idx[a]];
	return pt->vid[k] >= pt->n_users ? s * pt->wt[k] : s;
}

/* fg_risk's block_pull over the owned blocks: rn and the L1 partials. */
static void pull_all(dist_work *w, double *rn, const double *r, double damping, double restart)
{
	for (uint64_t b = 0; b < w->nbl; b++) {
		double delta = 0.0;

		for (uint64_t k = b * FG_PAR_BLOCK; k < block_end(w, b); k++) {
			rn[k] = damping * pull(w, k) + restart * w->p[k];
			delta += fabs(rn[k] - r[k]);
		}
		w->part[b] = delta;
	}
}

static void set_stats(fg_risk_dist_stats *st, int iterations, double delta, int converged,
                      uint64_t bytes, uint64_t ghosts)
{
	if (st) {
		st->walk.iterations = iterations;
		st->walk.last_delta = delta;
		st->walk.converged = converged;
		st->bytes_sent = bytes;
		st->ghosts = ghosts;
	}
}

int fg_risk_dist(double *risk, const fg_risk_part *part, const uint32_t *seeds, uint32_t ns,
                 double damping, double tol, int max_iter, MPI_Comm comm,
                 fg_risk_dist_stats *st)
{
	return fg_risk_dist_w(risk, NULL, part, seeds, ns, damping, tol, max_iter, comm, st);
}

int fg_risk_dist_w(double *risk, double *W, const fg_risk_part *part, const uint32_t *seeds,
                   uint32_t ns, double damping, double tol, int max_iter, MPI_Comm comm,
                   fg_risk_dist_stats *st)
{
	dist_work w;
	double *r, *rn, delta = 0.0;
	int iterations = 0, converged = 0, rc;

	for (uint32_t i = 0; i < ns; i++)
		if (seeds[i] >= part->n_users)
			return fg_error_set(FG_EUSAGE, "risk: seed %u is not a user (%u users)",
			                    (unsigned)seeds[i], (unsigned)part->n_users);
	if (ns == 0) { /* fg_risk's: nothing moves, nothing is active */
		set_stats(st, 0, 0.0, 1, 0, 0);
		return FG_OK;
	}
	if ((rc = work_new(&w, part, seeds, ns, comm)) != FG_OK) {
		work_free(&w);
		set_stats(st, 0, 0.0, 0, 0, 0);
		return rc;
	}
	r = w.r0;
	rn = w.r1;
	if (w.nv)
		memcpy(r, w.p, w.nv * sizeof(*r));
	rc = FG_OK;
	while (iterations < max_iter) {
		double dangling, *old;

		scale(&w, r);
		if (sum_blocks(&dangling, &w) != 0 || exchange(&w) != 0) {
			rc = fg_error_set(FG_ERROR, "risk: an exchange failed in iteration %d", iterations);
			break;
		}
		pull_all(&w, rn, r, damping, (1.0 - damping) + damping * dangling);
		if (sum_blocks(&delta, &w) != 0) {
			rc = fg_error_set(FG_ERROR, "risk: an exchange failed in iteration %d", iterations);
			break;
		}
		iterations++;
		old = r;
		r = rn;
		rn = old;
		if (delta < tol) {
			converged = 1;
			break;
		}
	}
	if (rc == FG_OK && w.nv)
		memcpy(risk, r, w.nv * sizeof(*risk));
	if (rc == FG_OK && w.nv && W)
		memcpy(W, w.W, w.nv * sizeof(*W));
	set_stats(st, iterations, delta, converged, w.bytes, w.ng);
	work_free(&w);
	return rc;
}
