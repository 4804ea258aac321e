/*
 * fg_risk: risk spreading from known fraud, personalised PageRank (random
 * walk with restart; Haveliwala, "Topic-sensitive PageRank", WWW 2002; the
 * Anti-TrustRank family) over the weighted user-entity graph.
 *
 * Weights.  An arc between a user and entity e weighs ent_weight[e]; an arc
 * between two users weighs relation_weight.  W(x) = total weight of x's arcs:
 * for an entity deg(x) * ent_weight, for a user the sum over its arcs in CSR
 * order.  p = the restart distribution, 1/ns on each seed (a seed listed k
 * times gets k/ns).
 *
 * Iteration (pull, Jacobi):
 *   c(x)     = r(x) / W(x)              (0 where W(x) == 0)
 *   D        = sum of r(x) over x with W(x) == 0   (walkers with no link)
 *   r'(v)    = d * sum_{x in N(v)} c(x) * w(x, v) + ((1 - d) + d * D) * p(v)
 * starting from r = p.  Walkers at a vertex without links restart at the
 * seeds, so sum r' == sum r == 1 (up to rounding).  Stops when
 * L1 = sum |r' - r| < tol (r' is returned) or after max_iter iterations.
 * This is igraph's personalised PageRank with edge weights and reset vector p
 * on graphs without isolated vertices (the tests compare with PRPACK).
 *
 * Active set.  Mass starts at the seeds and only moves along links, so every
 * vertex outside the seeds' components keeps risk 0 exactly.  The iteration
 * runs over the sorted list of vertices reachable from a seed (a BFS before
 * the first iteration) and leaves the rest at 0: on a nightly graph where
 * fraud touches a small part of the users, an iteration costs the arcs of that
 * part, not of the whole graph.  The part's rows are copied once into a
 * compact CSR over the list's indices (rows in list order, each row's arcs
 * in g's CSR order, a neighbour as its index in the list), so an iteration
 * reads that copy in order and values of the part only, never g's arrays
 * scattered over the whole id space: on the 20M world (182 M arcs) the
 * gather through a vertex -> index map read two random lines per arc.
 * When every vertex is active the indices are the vertex ids and g's CSR is
 * read as it is.  A parallel sweep forks only when it pays (RISK_NS_PER_ARC
 * below): a hundred iterations of tiny parallel loops cost more in barriers
 * than they save (same bits either way).
 *
 * Gather.  w(x, v) is ent_weight of whichever end is an entity, or
 * relation_weight between users, so a user v pulls q(x) = c(x) * w_x with
 * w_x = ent_weight[x] for an entity and relation_weight for a user, and an
 * entity v pulls ent_weight[v] * sum c(x) over its users: one random read
 * per arc, into the part's values.
 *
 * Determinism.  Each r'(v) is one thread's sum over v's list in CSR order.
 * Active vertices are processed in blocks of FG_PAR_BLOCK; D and L1 are summed per
 * block in index order, then over blocks in block order (fg_par's scheme,
 * fused into the passes that produce the terms, so an iteration is two
 * parallel loops): fixed order for any thread count (the tests compare 1, 2,
 * 3 and 8 threads bit for bit); fg_risk_residual (fg_risk_check.c) checks the
 * result against the equation with code of its own.
 *
 * Layout read: g->g (symmetric CSR), g->ent_weight, g->relation_weight.
 * Memory: as in fg_risk.h.  Time: O(n + m) per iteration.
 * Thread-safety: reads g only.
 */
#include "fg_risk.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_par.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/*
 * A parallel sweep must not be slower than the serial one (fg_par_pays).
 * Measured serially (docs/performance.md): ~13.5 ns per active arc on the 2M
 * world's seeded part (144 k arcs, 1.95 ms per iteration), ~24 ns per arc
 * over the whole graph; 0.29 s at 1 thread, 0.30 s at 2 threads idle, 1.3 s
 * vs 3.6 s under load when every sweep forked.  So a sweep forks only when
 * its active arcs at RISK_NS_PER_ARC pay for it (~1.5 M arcs).  The result
 * does not depend on it: blocks and their sums are the same.
 */
#define RISK_NS_PER_ARC 13

/* Working arrays of one run; all NULL or all allocated. */
typedef struct risk_work {
	uint64_t n, nb; /* vertices, blocks of the active list */
	uint32_t *act;  /* active vertices (reachable from a seed), ascending */
	uint64_t na;    /* active vertices */
	uint64_t nua;   /* active users: act[0 .. nua) (users come first) */
	uint64_t arcs;  /* arcs of the active vertices: the work of one sweep */
	int par;        /* fg_par_pays(arcs, RISK_NS_PER_ARC): sweeps run in parallel */
	/*
	 * The part's rows: index k's neighbours are the indices rowadj[rowoff[k]
	 * .. rowoff[k + 1]) in g's CSR order.  Owned (the compact copy) when
	 * some vertex is inactive; g's own off and adj when none is (indices are
	 * vertex ids then).
	 */
	const uint64_t *rowoff;
	const uint32_t *rowadj;
	uint64_t *own_off;
	uint32_t *own_adj;
	double *q;      /* c(x) * w_x, for the user side of the gather */
	double *r0, *r1;/* the two iterates, by index */
	double *W;      /* total arc weight, by index */
	double *p;      /* restart distribution, by index */
	double *c;      /* r / W, by index */
	double *part;   /* per-block partial sums */
} risk_work;

/* sum over the arcs of index k (vertex act[k]) of c(x) * w(x, v), in CSR order. */
static double pull(const fg_graph *g, const risk_work *w, uint64_t k)
{
	const double *x = k < w->nua ? w->q : w->c;
	double s = 0.0;

	for (uint64_t a = w->rowoff[k]; a < w->rowoff[k + 1]; a++)
		s += x[w->rowadj[a]];
	return k < w->nua ? s : s * fg_graph_ent_weight(g, w->act[k] - g->n_users);
}

static uint64_t block_end(const risk_work *w, uint64_t b)
{
	uint64_t hi = (b + 1) * FG_PAR_BLOCK;
	return hi < w->na ? hi : w->na;
}

/* Block b: W and r = p. */
static void block_init(risk_work *w, double *r, const fg_graph *g, uint64_t b)
{
	for (uint64_t k = b * FG_PAR_BLOCK; k < block_end(w, b); k++) {
		w->W[k] = fg_graph_weight(g, w->act[k]);
		r[k] = w->p[k];
	}
}

/* Block b: c = r / W; part[b] = the block's mass on vertices without links. */
static void block_scale(risk_work *w, const double *r, const fg_graph *g, uint64_t b)
{
	const uint32_t nu = g->n_users;
	double dangling = 0.0;

	for (uint64_t k = b * FG_PAR_BLOCK; k < block_end(w, b); k++) {
		uint32_t i = w->act[k];
		if (w->W[k] > 0.0) {
			w->c[k] = r[k] / w->W[k];
		} else {
			w->c[k] = 0.0;
			dangling += r[k];
		}
		w->q[k] = w->c[k] * (i < nu ? g->relation_weight : fg_graph_ent_weight(g, i - nu));
	}
	w->part[b] = dangling;
}

/* Block b: rn = d * pull + restart * p; part[b] = the block's L1 change. */
static void block_pull(risk_work *w, double *rn, const double *r, const fg_graph *g,
                       double damping, double restart, uint64_t b)
{
	double delta = 0.0;

	for (uint64_t k = b * FG_PAR_BLOCK; k < block_end(w, b); k++) {
		rn[k] = damping * pull(g, w, k) + restart * w->p[k];
		delta += fabs(rn[k] - r[k]);
	}
	w->part[b] = delta;
}

static double sum_parts(const risk_work *w)
{
	double s = 0.0;

	for (uint64_t b = 0; b < w->nb; b++)
		s += w->part[b];
	return s;
}

static void work_free(risk_work *w)
{
	fg_free(w->W);
	fg_free(w->p);
	fg_free(w->c);
	fg_free(w->r0);
	fg_free(w->r1);
	fg_free(w->own_off);
	fg_free(w->own_adj);
	fg_free(w->part);
	fg_free(w->act);
	fg_free(w->q);
	memset(w, 0, sizeof(*w));
}

/*
 * The active list (fg_risk.h): a BFS that uses act itself as its queue, then
 * a sort by a mark bitmap (O(n / 64 + na)).
 */
int fg_risk_active(uint32_t *act, uint64_t *na, const fg_graph *g, const uint32_t *seeds,
                   uint32_t ns)
{
	const uint64_t n = g->g.n;
	uint64_t *mark = fg_calloc(n / 64 + 1, sizeof(uint64_t));
	uint64_t head = 0, tail = 0;

	if (!mark)
		return FG_ENOMEM;
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t s0 = seeds[i];
		if (!(mark[s0 >> 6] >> (s0 & 63) & 1)) {
			mark[s0 >> 6] |= 1ull << (s0 & 63);
			act[tail++] = s0;
		}
	}
	while (head < tail) {
		uint32_t v = act[head++];
		for (uint64_t a = g->g.off[v]; a < g->g.off[v + 1]; a++) {
			uint32_t x = g->g.adj[a];
			if (!(mark[x >> 6] >> (x & 63) & 1)) {
				mark[x >> 6] |= 1ull << (x & 63);
				act[tail++] = x;
			}
		}
	}
	*na = 0;
	for (uint64_t word = 0; word <= n / 64; word++)
		for (uint64_t bits = mark[word]; bits; bits &= bits - 1)
			act[(*na)++] = (uint32_t)(word * 64 + (uint64_t)__builtin_ctzll(bits));
	fg_free(mark);
	return FG_OK;
}

/* Index k's row: its neighbours' indices (slot), in g's CSR order. */
static void row_copy(risk_work *w, const fg_graph *g, const uint32_t *slot, uint64_t k)
{
	uint32_t *out = w->own_adj + w->own_off[k];
	uint32_t v = w->act[k];

	for (uint64_t a = g->g.off[v]; a < g->g.off[v + 1]; a++)
		*out++ = slot[g->g.adj[a]];
}

/*
 * The part's rows (risk_work.rowoff/rowadj): g's CSR when every vertex is
 * active, else the compact copy, built through a vertex -> index map that
 * lives only here; p (the seeds' restart, by index) is filled here too.
 */
static int rows_new(risk_work *w, const fg_graph *g, const uint32_t *seeds, uint32_t ns)
{
	uint32_t *slot;
	int64_t b;

	if (w->na == w->n) {
		w->rowoff = g->g.off;
		w->rowadj = g->g.adj;
		for (uint32_t i = 0; i < ns; i++)
			w->p[seeds[i]] += 1.0 / ns;
		return FG_OK;
	}
	slot = fg_mallocarray(w->n + 1, sizeof(*slot));
	w->own_off = fg_mallocarray(w->na + 1, sizeof(*w->own_off));
	w->own_adj = fg_mallocarray(w->arcs + 1, sizeof(*w->own_adj));
	if (!slot || !w->own_off || !w->own_adj) {
		fg_free(slot);
		return FG_ENOMEM;
	}
	w->own_off[0] = 0;
	for (uint64_t k = 0; k < w->na; k++) {
		uint32_t v = w->act[k];

		slot[v] = (uint32_t)k;
		w->own_off[k + 1] = w->own_off[k] + (g->g.off[v + 1] - g->g.off[v]);
	}
	#pragma omp parallel for schedule(dynamic, 1) if (w->par)
	for (b = 0; b < (int64_t)w->nb; b++)
		for (uint64_t k = (uint64_t)b * FG_PAR_BLOCK; k < block_end(w, (uint64_t)b); k++)
			row_copy(w, g, slot, k);
	for (uint32_t i = 0; i < ns; i++)
		w->p[slot[seeds[i]]] += 1.0 / ns;
	fg_free(slot);
	w->rowoff = w->own_off;
	w->rowadj = w->own_adj;
	return FG_OK;
}

/* Validates seeds, allocates, fills p and the part's rows. */
static int work_new(risk_work *w, const fg_graph *g, const uint32_t *seeds, uint32_t ns)
{
	uint64_t n = g->g.n;

	assert(g->g.n == (uint64_t)g->n_users + g->n_entities);
	memset(w, 0, sizeof(*w));
	for (uint32_t i = 0; i < ns; i++)
		if (seeds[i] >= g->n_users)
			return fg_error_set(FG_EUSAGE, "risk: seed %u is not a user (%u users)",
			                    (unsigned)seeds[i], (unsigned)g->n_users);
	w->n = n;
	w->act = fg_mallocarray(n + 1, sizeof(uint32_t));
	if (!w->act || fg_risk_active(w->act, &w->na, g, seeds, ns) != FG_OK) {
		work_free(w);
		return fg_error_set(FG_ENOMEM, "risk: out of memory for %llu vertices",
		                    (unsigned long long)n);
	}
	w->nb = (w->na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;
	for (uint64_t k = 0; k < w->na; k++) {
		w->arcs += g->g.off[w->act[k] + 1] - g->g.off[w->act[k]];
		w->nua += w->act[k] < g->n_users;
	}
	w->par = w->nb >= 2 && fg_par_pays(w->arcs, RISK_NS_PER_ARC);
	w->W = fg_mallocarray(w->na + 1, sizeof(double));
	w->p = fg_calloc(w->na + 1, sizeof(double));
	w->c = fg_mallocarray(w->na + 1, sizeof(double));
	w->q = fg_mallocarray(w->na + 1, sizeof(double));
	w->r0 = fg_mallocarray(w->na + 1, sizeof(double));
	w->r1 = fg_mallocarray(w->na + 1, sizeof(double));
	w->part = fg_mallocarray(w->nb + 1, sizeof(double));
	if (!w->W || !w->p || !w->c || !w->q || !w->r0 || !w->r1 || !w->part ||
	    rows_new(w, g, seeds, ns) != FG_OK) {
		work_free(w);
		return fg_error_set(FG_ENOMEM, "risk: out of memory for %llu vertices",
		                    (unsigned long long)n);
	}
	return FG_OK;
}

static void set_stats(fg_risk_stats *stats, int iterations, double delta, int converged)
{
	if (stats) {
		stats->iterations = iterations;
		stats->last_delta = delta;
		stats->converged = converged;
	}
}

/*
 * Contract: risk[0..n_users + n_entities) receives the stationary
 * distribution; seeds are user ids (else FG_EUSAGE); damping in [0, 1).
 * max_iter <= 0: risk = p, not converged.  O(n + m) per iteration; memory 4
 * doubles per vertex besides risk.  Returns FG_OK, FG_ENOMEM or FG_EUSAGE.
 */
int fg_risk(double *risk, const fg_graph *g, const uint32_t *seeds, uint32_t ns,
            double damping, double tol, int max_iter, fg_risk_stats *stats)
{
	risk_work w;
	double *r, *rn, delta = 0.0;
	int iterations = 0, converged = 0, rc;
	int64_t b;

	if (ns == 0) {
		memset(risk, 0, g->g.n * sizeof(*risk));
		set_stats(stats, 0, 0.0, 1);
		return FG_OK;
	}
	if ((rc = work_new(&w, g, seeds, ns)) != FG_OK) {
		set_stats(stats, 0, 0.0, 0);
		return rc;
	}
	r = w.r0;
	rn = w.r1;
	memset(risk, 0, w.n * sizeof(*risk));
	#pragma omp parallel for schedule(dynamic, 1) if (w.par)
	for (b = 0; b < (int64_t)w.nb; b++)
		block_init(&w, r, g, (uint64_t)b);
	while (iterations < max_iter) {
		double restart, *old;

		#pragma omp parallel for schedule(dynamic, 1) if (w.par)
		for (b = 0; b < (int64_t)w.nb; b++)
			block_scale(&w, r, g, (uint64_t)b);
		restart = (1.0 - damping) + damping * sum_parts(&w);
		#pragma omp parallel for schedule(dynamic, 1) if (w.par)
		for (b = 0; b < (int64_t)w.nb; b++)
			block_pull(&w, rn, r, g, damping, restart, (uint64_t)b);
		delta = sum_parts(&w);
		iterations++;
		old = r;
		r = rn;
		rn = old;
		if (delta < tol) {
			converged = 1;
			break;
		}
	}
	for (uint64_t k = 0; k < w.na; k++)
		risk[w.act[k]] = r[k];
	set_stats(stats, iterations, delta, converged);
	work_free(&w);
	return FG_OK;
}
