/*
 * fg_rings: the ring finder.  Weighted label propagation on the users of the
 * user-entity graph, scheduled so that it converges and is deterministic.
 *
 * What it computes.  Labels live on users only.  Two users u != v are tied by
 *   w(u, v) = sum of ent_weight[e] over the entities e both link to in g
 *             + relation_weight if they have a direct user-user link,
 * the "projected user graph" (symmetric).  A user votes for label l with
 * score(l) = sum of w(u, v) over the users v != u currently labelled l.  Hubs
 * are not in g, so the two-hop enumeration costs O(sum over entities of
 * share^2), bounded by the hub caps.
 *
 * Update rule (one user).  best = max score.  Keep the current label if its
 * score >= best * (1 - TIE_KEEP); otherwise take the smallest label whose
 * score >= best * (1 - TIE_KEEP / 2).  A user with no co-user (best == 0)
 * keeps its label.  Each change raises the potential
 *   Phi = sum over pairs {u, v} with equal labels of w(u, v)
 * by score(new) - score(old) >= best * TIE_KEEP / 2, far above the rounding
 * error of the sums, so Phi strictly increases in exact arithmetic and the
 * sweeps terminate: no oscillation (unlike synchronous LPA on a bipartite
 * graph, Raghavan, Albert & Kumara, Phys. Rev. E 76, 2007).  The relative
 * tolerance also makes ties independent of the rounding of equal-weight sums
 * taken in different orders.
 *
 * Schedule (semi-synchronous LPA, Cordasco & Gargano, "Community detection via
 * semi-synchronous label propagation algorithms", BASNA 2010): the projected
 * graph is coloured greedily (users in id order, smallest colour not used by
 * an already coloured projected neighbour).  A sweep visits the colour classes
 * in order; users of one class are pairwise non-adjacent, so they read only
 * labels of other classes and can be updated in parallel: a sweep gives
 * exactly what a serial sweep in (colour, id) order gives, for any thread
 * count.  A user votes again only if a projected neighbour changed label since
 * its last vote (its vote is a function of those labels and its own, so the
 * skip is exact; late sweeps touch few users).  Sweeps stop after one that
 * changes no label (converged) or after max_iter sweeps (the cap is the
 * caller's, cfg->lpa_max_iter; a capped run still returns valid, connected
 * rings from the labels reached).
 *
 * Final split.  A label's members need not be connected in the projected
 * graph (a label can spread and then leave the user it came from).  A ring is
 * a connected set of users sharing a label: a union-find over the links (users
 * of one entity with equal labels; direct links with equal labels), O(links).
 * ring[u] = the smallest user id of u's ring, so rings never cross components
 * and ids do not depend on label values.
 *
 * Victims.  A user tied to a ring only through a stolen card has no stronger
 * tie and joins the ring; its household, tied to it by a weaker address, does
 * not follow (tests/test_fraudk.c).  Sparing the victim is the ring scorer's
 * job (its own evidence), not the partition's.
 *
 * Layout read: g->g (symmetric CSR, users before entities, sorted lists),
 * g->ent_weight, g->relation_weight.  Memory: 12 bytes per user per thread
 * (dense scores + touched list) + 48 KiB per thread (the small table) + 13
 * bytes per user (+ 4 with 2+ threads: each user's vote work).
 * Complexity: colouring O(sum share^2) serial; each sweep O(sum share^2 +
 * user-user arcs), a class in parallel when its active work pays for the
 * fork (VOTE_NS_PER_UNIT), less as users settle; split O(n + links),
 * serial.  Measured (random graph, 2M users, 9.1M links, 17.9M arcs, sum
 * share^2 43M, one core of a loaded 2-core box): colouring + split 2-2.6 s,
 * 13 sweeps to convergence, 1.1 s per sweep, 17 s in all.
 * Thread-safety: reads g only; safe to call concurrently on the same graph.
 */
#include "fg_rings.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_par.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#define TIE_KEEP 1e-9          /* relative tolerance: keep the current label */
/*
 * A colour class of a sweep runs in parallel only when its work pays for the
 * fork (fg_par_pays): the work is the class's users scanned plus, for each
 * active one, its two-hop contributions (vote_bound).  Measured serially on
 * the 2M world: one sweep of ~43 M contributions in 0.47 s, ~11 ns each.
 * After the first sweep most users are settled, so most classes of late
 * sweeps hold little active work however many users they have.
 */
#define VOTE_NS_PER_UNIT 11
#define NONE UINT32_MAX

/*
 * Greedy colouring of the projected user graph, users in id order.  Out:
 * order[0..n) = users sorted by (colour, id); class_off[0..ncol] the class
 * boundaries in order (malloc'd, caller frees).  Only neighbours v < u are
 * coloured when u is, and lists are sorted, so each entity list is scanned up
 * to u.  Serial: O(sum share^2 / 2).
 */
static int colour_users(uint32_t **out_order, uint32_t **out_class_off, uint32_t *out_ncol,
                        const fg_graph *g)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;
	uint32_t *colour = NULL, *forbidden = NULL, *order = NULL, *class_off = NULL;
	uint32_t ncol = 0;
	int rc = FG_ENOMEM;

	*out_order = NULL;
	*out_class_off = NULL;
	*out_ncol = 0;
	colour = fg_mallocarray((size_t)nu + 1, sizeof(*colour));
	forbidden = fg_mallocarray((size_t)nu + 1, sizeof(*forbidden));
	order = fg_mallocarray((size_t)nu + 1, sizeof(*order));
	if (!colour || !forbidden || !order)
		goto cleanup;
	for (uint32_t c = 0; c <= nu; c++)
		forbidden[c] = NONE;

	for (uint32_t u = 0; u < nu; u++) {
		uint32_t c = 0;
		for (uint64_t a = off[u]; a < off[u + 1]; a++) {
			uint32_t x = adj[a];
			if (x < nu) {
				if (x < u)
					forbidden[colour[x]] = u;
				continue;
			}
			if (off[x + 1] - off[x] < 2)
				continue; /* a leaf: u alone */
			for (uint64_t b = off[x]; b < off[x + 1]; b++) {
				uint32_t v = adj[b];
				if (v >= u)
					break;
				forbidden[colour[v]] = u;
			}
		}
		while (forbidden[c] == u)
			c++;
		colour[u] = c;
		if (c + 1 > ncol)
			ncol = c + 1;
	}

	class_off = fg_calloc((size_t)ncol + 1, sizeof(*class_off));
	if (!class_off)
		goto cleanup;
	for (uint32_t u = 0; u < nu; u++)
		class_off[colour[u] + 1]++;
	for (uint32_t c = 0; c < ncol; c++)
		class_off[c + 1] += class_off[c];
	/* forbidden is free now: reuse it as the fill cursor */
	memcpy(forbidden, class_off, (size_t)ncol * sizeof(*forbidden));
	for (uint32_t u = 0; u < nu; u++)
		order[forbidden[colour[u]]++] = u;

	*out_order = order;
	*out_class_off = class_off;
	*out_ncol = ncol;
	order = NULL;
	class_off = NULL;
	rc = FG_OK;
cleanup:
	fg_free(colour);
	fg_free(forbidden);
	fg_free(order);
	fg_free(class_off);
	if (rc != FG_OK)
		fg_error_set(rc, "ring finder: out of memory colouring %u users", (unsigned)nu);
	return rc;
}

/*
 * Per-thread scratch of vote().  The candidate labels of one user live in a
 * small open-addressing table (key/val, at most SMALL_CAP slots, cache
 * resident) when the user has at most SMALL_CAP / 2 two-hop contributions;
 * otherwise in the dense score array indexed by label.  Either way each
 * label's score is summed in CSR order and the choice does not depend on the
 * table's order, so both paths give the same bits.
 */
#define SMALL_BITS 12
#define SMALL_CAP (1u << SMALL_BITS)

typedef struct vote_scratch {
	double *score;     /* n_users + 1; -1 = label not seen (dense path) */
	uint32_t *touched; /* n_users + 1: seen labels (dense) or used slots (table) */
	uint32_t *key;     /* SMALL_CAP; NONE = free slot */
	double *val;       /* SMALL_CAP */
} vote_scratch;

static uint32_t vote_dense(const fg_graph *g, const uint32_t *label, uint32_t u,
                           vote_scratch *s)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;
	double *score = s->score;
	uint32_t *touched = s->touched;
	uint32_t nt = 0, pick;

	for (uint64_t a = off[u]; a < off[u + 1]; a++) {
		uint32_t x = adj[a];
		if (x < nu) {
			uint32_t l = label[x];
			if (score[l] < 0.0) {
				score[l] = 0.0;
				touched[nt++] = l;
			}
			score[l] += g->relation_weight;
			continue;
		}
		uint64_t lo = off[x], hi = off[x + 1];
		if (hi - lo < 2)
			continue; /* a leaf: u alone, no vote (and no random read of its list or class) */
		double w = fg_graph_ent_weight(g, x - nu);
		for (uint64_t b = lo; b < hi; b++) {
			uint32_t v = adj[b];
			if (v == u)
				continue;
			uint32_t l = label[v];
			if (score[l] < 0.0) {
				score[l] = 0.0;
				touched[nt++] = l;
			}
			score[l] += w;
		}
	}
	pick = label[u];
	{
		double best = 0.0, thr, cur = score[label[u]];
		for (uint32_t i = 0; i < nt; i++)
			if (score[touched[i]] > best)
				best = score[touched[i]];
		if (best > 0.0 && cur < best * (1.0 - TIE_KEEP)) {
			thr = best * (1.0 - TIE_KEEP / 2);
			pick = NONE;
			for (uint32_t i = 0; i < nt; i++)
				if (score[touched[i]] >= thr && touched[i] < pick)
					pick = touched[i];
		}
	}
	for (uint32_t i = 0; i < nt; i++)
		score[touched[i]] = -1.0;
	return pick;
}

static inline uint32_t slot_add(uint32_t *key, double *val, uint32_t *slots, uint32_t *nt,
                                uint32_t l, unsigned bits)
{
	uint32_t mask = (1u << bits) - 1, i = (uint32_t)(l * 2654435769u) >> (32 - bits);

	for (;;) {
		if (key[i] == l)
			return i;
		if (key[i] == NONE) {
			key[i] = l;
			val[i] = 0.0;
			slots[(*nt)++] = i;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static uint32_t vote_small(const fg_graph *g, const uint32_t *label, uint32_t u,
                           vote_scratch *s, unsigned bits)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;
	uint32_t *key = s->key, *slots = s->touched;
	double *val = s->val;
	uint32_t nt = 0, cur = label[u], pick = cur, mask = (1u << bits) - 1, i;
	double best = 0.0, cur_score = -1.0;

	for (uint64_t a = off[u]; a < off[u + 1]; a++) {
		uint32_t x = adj[a];
		if (x < nu) {
			val[slot_add(key, val, slots, &nt, label[x], bits)] += g->relation_weight;
			continue;
		}
		uint64_t lo = off[x], hi = off[x + 1];
		if (hi - lo < 2)
			continue; /* a leaf, as in vote_dense */
		double w = fg_graph_ent_weight(g, x - nu);
		for (uint64_t b = lo; b < hi; b++) {
			uint32_t v = adj[b];
			if (v != u)
				val[slot_add(key, val, slots, &nt, label[v], bits)] += w;
		}
	}
	for (i = (uint32_t)(cur * 2654435769u) >> (32 - bits); key[i] != NONE; i = (i + 1) & mask)
		if (key[i] == cur) {
			cur_score = val[i];
			break;
		}
	for (uint32_t k = 0; k < nt; k++)
		if (val[slots[k]] > best)
			best = val[slots[k]];
	if (best > 0.0 && cur_score < best * (1.0 - TIE_KEEP)) {
		double thr = best * (1.0 - TIE_KEEP / 2);
		pick = NONE;
		for (uint32_t k = 0; k < nt; k++)
			if (val[slots[k]] >= thr && key[slots[k]] < pick)
				pick = key[slots[k]];
	}
	for (uint32_t k = 0; k < nt; k++)
		key[slots[k]] = NONE;
	return pick;
}

/* Two-hop contributions of u's vote (an upper bound on its distinct labels). */
static uint64_t vote_bound(const fg_graph *g, uint32_t u)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;
	uint64_t bound = 0;

	for (uint64_t a = off[u]; a < off[u + 1]; a++) {
		uint32_t x = adj[a];
		bound += x < nu ? 1 : off[x + 1] - off[x];
	}
	return bound;
}

/*
 * The new label of u (see the update rule), a function of the labels of u's
 * projected neighbours and u's own label only.  Scratch is left clean.
 */
static uint32_t vote(const fg_graph *g, const uint32_t *label, uint32_t u, vote_scratch *s)
{
	uint64_t bound = vote_bound(g, u);
	unsigned bits = 3;

	if (bound == 0)
		return label[u];
	if (2 * bound > SMALL_CAP)
		return vote_dense(g, label, u, s);
	while ((1u << bits) < 2 * bound)
		bits++;
	return vote_small(g, label, u, s, bits);
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]]; /* path halving */
		x = parent[x];
	}
	return x;
}

/* Union keeping the smaller id as the root, so a root is its set's minimum. */
static void uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
	a = uf_find(parent, a);
	b = uf_find(parent, b);
	if (a < b)
		parent[b] = a;
	else if (b < a)
		parent[a] = b;
}

/*
 * ring[u] = smallest id of u's connected same-label set (see the header).
 * first[] is scratch of n_users entries, NONE on entry and exit.
 */
static void split_rings(uint32_t *ring, const fg_graph *g, const uint32_t *label,
                        uint32_t *first, uint32_t *touched)
{
	const uint32_t nu = g->n_users, nv = g->g.n;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;

	for (uint32_t u = 0; u < nu; u++)
		ring[u] = u;
	for (uint32_t x = nu; x < nv; x++) {
		uint32_t nt = 0;
		/* one user joins nothing: skip its two random reads (most entities are leaves) */
		if (off[x + 1] - off[x] < 2)
			continue;
		for (uint64_t b = off[x]; b < off[x + 1]; b++) {
			uint32_t v = adj[b], l = label[v];
			if (first[l] == NONE) {
				first[l] = v;
				touched[nt++] = l;
			} else {
				uf_union(ring, first[l], v);
			}
		}
		for (uint32_t i = 0; i < nt; i++)
			first[touched[i]] = NONE;
	}
	for (uint32_t u = 0; u < nu; u++)
		for (uint64_t a = off[u]; a < off[u + 1] && adj[a] < nu; a++)
			if (adj[a] > u && label[adj[a]] == label[u])
				uf_union(ring, u, adj[a]);
	for (uint32_t u = 0; u < nu; u++)
		ring[u] = uf_find(ring, u);
}

/*
 * u changed label: every projected neighbour must vote again.  Neighbours are
 * in other colour classes, which nobody reads during this class; several
 * threads may store the same 1, hence the atomic writes.
 */
static void wake(uint8_t *active, const fg_graph *g, uint32_t u)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;

	for (uint64_t a = off[u]; a < off[u + 1]; a++) {
		uint32_t x = adj[a];
		if (x < nu) {
			#pragma omp atomic write
			active[x] = 1;
			continue;
		}
		for (uint64_t b = off[x]; b < off[x + 1]; b++) {
			uint32_t v = adj[b];
			#pragma omp atomic write
			active[v] = 1;
		}
	}
}

/*
 * Contract: ring[0..n_users) receives ring ids (smallest member id); g is a
 * built graph (g->g.n == n_users + n_entities); max_iter <= 0 runs no sweep
 * (every user alone, converged = 0 unless there are no users).  Memory
 * O(n_users * threads); time per sweep O(sum share^2).  On FG_ENOMEM ring is
 * unspecified.
 */
int fg_rings(uint32_t *ring, const fg_graph *g, int max_iter, fg_rings_stats *stats)
{
	const uint32_t nu = g->n_users;
	uint32_t *label = NULL, *order = NULL, *class_off = NULL, *touched = NULL, *key = NULL;
	uint8_t *active = NULL;
	uint32_t *work = NULL; /* vote_bound per user, saturated; only with 2+ threads */
	double *score = NULL, *val = NULL;
	vote_scratch *scr = NULL;
	uint32_t ncol = 0;
	int nthreads = fg_par_threads(), iterations = 0, converged = nu == 0;
	uint64_t changes = 0;
	int rc;

	assert(g->g.n == (uint64_t)g->n_users + g->n_entities);
	if ((rc = colour_users(&order, &class_off, &ncol, g)) != FG_OK)
		goto cleanup;
	rc = FG_ENOMEM;
	label = fg_mallocarray((size_t)nu + 1, sizeof(*label));
	score = fg_mallocarray(((size_t)nu + 1) * (size_t)nthreads, sizeof(*score));
	touched = fg_mallocarray(((size_t)nu + 1) * (size_t)nthreads, sizeof(*touched));
	active = fg_mallocarray((size_t)nu + 1, sizeof(*active));
	key = fg_mallocarray((size_t)SMALL_CAP * (size_t)nthreads, sizeof(*key));
	val = fg_mallocarray((size_t)SMALL_CAP * (size_t)nthreads, sizeof(*val));
	scr = fg_mallocarray((size_t)nthreads, sizeof(*scr));
	if (nthreads > 1)
		work = fg_mallocarray((size_t)nu + 1, sizeof(*work));
	if (!label || !score || !touched || !active || !key || !val || !scr ||
	    (nthreads > 1 && !work)) {
		fg_error_set(rc, "ring finder: out of memory for %u users x %d threads",
		             (unsigned)nu, nthreads);
		goto cleanup;
	}
	for (uint32_t u = 0; u < nu; u++) {
		label[u] = u;
		active[u] = 1;
	}
	for (size_t i = 0; i < ((size_t)nu + 1) * (size_t)nthreads; i++)
		score[i] = -1.0;
	for (size_t i = 0; i < (size_t)SMALL_CAP * (size_t)nthreads; i++)
		key[i] = NONE;
	if (work) {
		int64_t u;
		#pragma omp parallel for schedule(dynamic, 4096) if (fg_par_pays(g->g.off[nu], 2))
		for (u = 0; u < (int64_t)nu; u++) {
			uint64_t b = vote_bound(g, (uint32_t)u);
			work[u] = b < UINT32_MAX ? (uint32_t)b : UINT32_MAX;
		}
	}
	for (int t = 0; t < nthreads; t++) {
		scr[t].score = score + (size_t)t * ((size_t)nu + 1);
		scr[t].touched = touched + (size_t)t * ((size_t)nu + 1);
		scr[t].key = key + (size_t)t * SMALL_CAP;
		scr[t].val = val + (size_t)t * SMALL_CAP;
	}

	for (int it = 0; it < max_iter && nu > 0; it++) {
		changes = 0;
		for (uint32_t c = 0; c < ncol; c++) {
			int64_t lo = class_off[c], hi = class_off[c + 1], i;
			uint64_t ch = 0, units = (uint64_t)(hi - lo);
			int par = 0;
			if (work) {
				for (i = lo; i < hi; i++)
					if (active[order[i]])
						units += work[order[i]];
				par = fg_par_pays(units, VOTE_NS_PER_UNIT);
			}
			#pragma omp parallel for schedule(dynamic, 64) reduction(+:ch) if (par)
			for (i = lo; i < hi; i++) {
#if FG_HAVE_OPENMP
				size_t t = (size_t)omp_get_thread_num();
#else
				size_t t = 0;
#endif
				uint32_t u = order[i], l;
				if (!active[u])
					continue;
				active[u] = 0;
				l = vote(g, label, u, &scr[t]);
				if (l != label[u]) {
					label[u] = l;
					ch++;
					wake(active, g, u);
				}
			}
			changes += ch;
		}
		iterations++;
		if (changes == 0) {
			converged = 1;
			break;
		}
	}

	/* order is no longer needed: it serves as first[], touched as scratch */
	for (uint32_t u = 0; u < nu; u++)
		order[u] = NONE;
	split_rings(ring, g, label, order, touched);
	rc = FG_OK;
cleanup:
	if (stats) {
		stats->iterations = iterations;
		stats->converged = rc == FG_OK && converged;
		stats->changes_last = changes;
	}
	fg_free(label);
	fg_free(order);
	fg_free(class_off);
	fg_free(touched);
	fg_free(score);
	fg_free(active);
	fg_free(work);
	fg_free(key);
	fg_free(val);
	fg_free(scr);
	return rc;
}

/*
 * Serial reference, written independently of the parallel driver except for
 * the colouring (which defines the order): every user votes in every sweep
 * (no active flags), a dense score array walked three times per user instead
 * of a touched list, and rings found by a BFS over the projected graph
 * instead of a union-find.  Same output as fg_rings.
 */
static void ref_add(double *score, const fg_graph *g, const uint32_t *label, uint32_t u,
                    int mode, double *best, uint32_t *pick, double thr)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;

	for (uint64_t a = off[u]; a < off[u + 1]; a++) {
		uint32_t x = adj[a];
		uint64_t lo = a, hi = a + 1;
		double w = g->relation_weight;
		const uint32_t *list = adj;
		if (x >= nu) {
			lo = off[x];
			hi = off[x + 1];
			if (hi - lo < 2)
				continue; /* a leaf: u alone */
			w = fg_graph_ent_weight(g, x - nu);
		}
		for (uint64_t b = lo; b < hi; b++) {
			uint32_t v = list[b];
			if (v == u)
				continue;
			uint32_t l = label[v];
			if (mode == 0)
				score[l] += w;
			else if (mode == 1 && score[l] > *best)
				*best = score[l];
			else if (mode == 2 && score[l] >= thr && l < *pick)
				*pick = l;
			else if (mode == 3)
				score[l] = 0.0;
		}
	}
}

int fg_rings_serial(uint32_t *ring, const fg_graph *g, int max_iter, fg_rings_stats *stats)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	const uint32_t *adj = g->g.adj;
	uint32_t *label = NULL, *order = NULL, *class_off = NULL, *queue = NULL;
	double *score = NULL;
	uint32_t ncol = 0;
	int iterations = 0, converged = nu == 0;
	uint64_t changes = 0;
	int rc;

	if ((rc = colour_users(&order, &class_off, &ncol, g)) != FG_OK)
		goto cleanup;
	rc = FG_ENOMEM;
	label = fg_mallocarray((size_t)nu + 1, sizeof(*label));
	queue = fg_mallocarray((size_t)nu + 1, sizeof(*queue));
	score = fg_calloc((size_t)nu + 1, sizeof(*score));
	if (!label || !queue || !score) {
		fg_error_set(rc, "ring finder: out of memory for %u users", (unsigned)nu);
		goto cleanup;
	}
	for (uint32_t u = 0; u < nu; u++)
		label[u] = u;
	for (int it = 0; it < max_iter && nu > 0; it++) {
		changes = 0;
		for (uint32_t i = 0; i < nu; i++) {
			uint32_t u = order[i], pick = label[u];
			double best = 0.0;
			ref_add(score, g, label, u, 0, NULL, NULL, 0.0);
			ref_add(score, g, label, u, 1, &best, NULL, 0.0);
			if (best > 0.0 && score[label[u]] < best * (1.0 - TIE_KEEP)) {
				pick = NONE;
				ref_add(score, g, label, u, 2, NULL, &pick, best * (1.0 - TIE_KEEP / 2));
			}
			ref_add(score, g, label, u, 3, NULL, NULL, 0.0);
			if (pick != label[u]) {
				label[u] = pick;
				changes++;
			}
		}
		iterations++;
		if (changes == 0) {
			converged = 1;
			break;
		}
	}

	/* BFS from each unvisited user in id order: the start is its ring's minimum */
	for (uint32_t u = 0; u < nu; u++)
		ring[u] = NONE;
	for (uint32_t s = 0; s < nu; s++) {
		uint32_t head = 0, tail = 0;
		if (ring[s] != NONE)
			continue;
		ring[s] = s;
		queue[tail++] = s;
		while (head < tail) {
			uint32_t u = queue[head++];
			for (uint64_t a = off[u]; a < off[u + 1]; a++) {
				uint32_t x = adj[a];
				uint64_t lo = a, hi = a + 1;
				if (x >= nu) {
					lo = off[x];
					hi = off[x + 1];
					if (hi - lo < 2)
						continue; /* a leaf: u alone, already in the ring */
				}
				for (uint64_t b = lo; b < hi; b++) {
					uint32_t v = adj[b];
					if (ring[v] == NONE && label[v] == label[s]) {
						ring[v] = s;
						queue[tail++] = v;
					}
				}
			}
		}
	}
	rc = FG_OK;
cleanup:
	if (stats) {
		stats->iterations = iterations;
		stats->converged = rc == FG_OK && converged;
		stats->changes_last = changes;
	}
	fg_free(label);
	fg_free(order);
	fg_free(class_off);
	fg_free(queue);
	fg_free(score);
	return rc;
}
