/*
 * Ring, component and user scores, and the per-user graph features.
 *
 * Groups (rings of >= 2 users, components of >= 2 users) are formed by a
 * counting sort of users by group id; each group is scored by one thread
 * (schedule(dynamic)) with per-thread scratch (an entity counter array with a
 * touched list), so the work is O(sum over members of their degree) and the
 * result does not depend on the thread count.  Per-user features enumerate
 * co-users through non-hub entities (bounded by the hub caps: O(sum share^2)).
 *
 * The formulas are documented in docs/scoring.md; the constants below are
 * the documented defaults.
 */
#include "fg_score.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_par.h"
#include "fg_prefetch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

/* Factor weights of the ring score (sum 1) and shape constants. */
#define W_SEED 0.35
#define W_RISK 0.20
#define W_SHARE 0.30
#define W_BURST 0.15
#define SHARE_SCALE 3.0      /* weighted shared links per member at which sharing ~ 0.63 */
#define SIZE_SCALE 5.0       /* members beyond the first at which size ~ 0.63 */
#define BURST_WINDOW 604800  /* seven days, seconds */
#define HOUSEHOLD_MAX 5
#define HOUSEHOLD_DAMP 0.5
#define LEGIT_DAMP 0.8
#define RISK_DECADES 3.0     /* risk_norm spans 3 orders of magnitude below a typical seed */
#define LEGIT_USER_DAMP 0.2

void fg_scores_free(fg_scores **ps)
{
	fg_scores *s;

	if (!ps || !*ps)
		return;
	s = *ps;
	fg_free(s->rings);
	fg_free(s->comps);
	fg_free(s->risk_norm);
	fg_free(s->risk_pct);
	fg_free(s->score);
	fg_free(s->ring_score);
	fg_free(s->ring_index);
	fg_free(s->comp_size);
	fg_free(s->ring_size);
	fg_free(s->deg_class);
	fg_free(s->deg_user);
	fg_free(s->deg_total);
	fg_free(s->co_users);
	fg_free(s->max_share);
	fg_free(s->seeds_2hop);
	fg_free(s);
	*ps = NULL;
}

/*
 * risk_norm: the walk's visit probability per unit of link weight, relative
 * to the seeds' mean, on a log scale of RISK_DECADES decades.  Raw PageRank
 * mass grows with degree; dividing by the link weight removes what degree
 * alone explains (an unbiased walk's stationary mass is proportional to it).
 */
static int compute_risk_norm(double *norm, const fg_graph *g, const uint8_t *seed,
                             const double *risk)
{
	double ref = 0.0;
	uint32_t nref = 0;

	for (uint32_t s = 0; s < g->n_users; s++) {
		if (!seed[s])
			continue;
		ref += fg_score_risk_term(risk[s], fg_graph_weight(g, s));
		nref++;
	}
	fg_score_risk_norm(norm, g, risk, nref ? ref / nref : 0.0);
	return FG_OK;
}

void fg_score_risk_norm(double *norm, const fg_graph *g, const double *risk, double ref)
{
	int64_t u;

	/* work: each user's arcs (fg_graph_weight), a few ns each */
	#pragma omp parallel for schedule(dynamic, 4096) if (fg_par_pays(g->g.off[g->n_users], 4))
	for (u = 0; u < (int64_t)g->n_users; u++) {
		double rho, x;
		if (ref <= 0.0 || risk[u] <= 0.0) {
			norm[u] = 0.0;
			continue;
		}
		rho = fg_score_risk_term(risk[u], fg_graph_weight(g, (uint32_t)u));
		x = 1.0 + log10(rho / ref) / RISK_DECADES;
		norm[u] = x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
	}
}

typedef struct { double r; uint32_t u; } risk_idx;

static int cmp_ri(const void *a, const void *b)
{
	const risk_idx *x = a, *y = b;

	if (x->r < y->r)
		return -1;
	if (x->r > y->r)
		return 1;
	return (x->u > y->u) - (x->u < y->u);
}

/*
 * pct[u] = 100 * (users with strictly lower risk) / n.  Risk is never
 * negative and most users (those no seed can reach) have exactly 0, which
 * puts them at 0: only the users with positive risk are sorted, behind the
 * n0 zeros.
 */
static int compute_pct(double *pct, const double *risk, uint32_t n)
{
	risk_idx *v;
	uint32_t n0 = 0, np = 0;

	for (uint32_t u = 0; u < n; u++)
		n0 += !(risk[u] > 0.0);
	v = fg_mallocarray(n - n0 ? n - n0 : 1, sizeof(*v));
	if (!v)
		return fg_error_set(FG_ENOMEM, "out of memory ranking risk");
	for (uint32_t u = 0; u < n; u++) {
		if (risk[u] > 0.0) {
			v[np].r = risk[u];
			v[np].u = u;
			np++;
		} else {
			pct[u] = 0.0;
		}
	}
	qsort(v, np, sizeof(*v), cmp_ri);
	for (uint32_t i = 0, lower = n0; i < np; i++) {
		if (i > 0 && v[i].r != v[i - 1].r)
			lower = n0 + i;
		pct[v[i].u] = 100.0 * lower / n;
	}
	fg_free(v);
	return FG_OK;
}

/* Group members: counting sort of users by group id (ids are user ids). */
typedef struct groups {
	uint32_t n;         /* groups with >= 2 members */
	uint32_t *gid;      /* n: group id (smallest member) */
	uint64_t *off;      /* n + 1 into mem */
	uint32_t *mem;      /* members, ascending */
} groups;

static void groups_free(groups *gr)
{
	fg_free(gr->gid);
	fg_free(gr->off);
	fg_free(gr->mem);
	memset(gr, 0, sizeof(*gr));
}

static int groups_make(groups *gr, const uint32_t *label, uint32_t n_users)
{
	uint32_t *cnt = fg_calloc((size_t)n_users + 1, sizeof(*cnt));
	uint32_t *slot = NULL;
	uint64_t total = 0;
	uint32_t ng = 0;

	memset(gr, 0, sizeof(*gr));
	if (!cnt)
		goto nomem;
	for (uint32_t u = 0; u < n_users; u++)
		cnt[label[u]]++;
	for (uint32_t l = 0; l < n_users; l++)
		if (cnt[l] >= 2) {
			ng++;
			total += cnt[l];
		}
	gr->n = ng;
	gr->gid = fg_mallocarray(ng ? ng : 1, sizeof(*gr->gid));
	gr->off = fg_mallocarray((size_t)ng + 1, sizeof(*gr->off));
	gr->mem = fg_mallocarray(total ? total : 1, sizeof(*gr->mem));
	slot = fg_mallocarray(n_users ? n_users : 1, sizeof(*slot));
	if (!gr->gid || !gr->off || !gr->mem || !slot)
		goto nomem;
	gr->off[0] = 0;
	for (uint32_t l = 0, k = 0; l < n_users; l++) {
		slot[l] = UINT32_MAX;
		if (cnt[l] >= 2) {
			gr->gid[k] = l;
			slot[l] = k;
			gr->off[k + 1] = gr->off[k] + cnt[l];
			k++;
		}
	}
	memset(cnt, 0, ((size_t)n_users + 1) * sizeof(*cnt));
	for (uint32_t u = 0; u < n_users; u++) {
		uint32_t k = slot[label[u]];
		if (k != UINT32_MAX)
			gr->mem[gr->off[k] + cnt[k]++] = u;
	}
	fg_free(cnt);
	fg_free(slot);
	return FG_OK;
nomem:
	fg_free(cnt);
	fg_free(slot);
	groups_free(gr);
	return fg_error_set(FG_ENOMEM, "out of memory grouping users");
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Scratch for one thread: entity member counts with a touched list. */
typedef struct scratch {
	uint32_t *ent_cnt;   /* n_entities, zero between uses */
	uint32_t *touched;
	uint64_t cap;
	int64_t *times;
	uint32_t times_cap;
	uint8_t *in_group;   /* n_users, zero between uses */
	const uint8_t *kclass; /* kind -> class, shared */
	const uint8_t *seed;   /* per user: a seed given to the kernels, shared */
} scratch;

/*
 * The part of a group's score its links alone give: n_users, n_entities,
 * n_shared, n_by_class, n_user_links, sharing and size_factor into out (the
 * rest untouched), and whether the group shares a card (*pay) or another
 * strong kind or a direct link (*strong), for the household rule.  Reads
 * the members' CSR rows (in id order, each sorted), the entities' kinds and
 * the weights: so a graph of whole components numbered in the same order
 * gives the same bits (the ranks' scores, engine/fg_mpi.c).
 */
static void group_links(fg_group_score *out, bool *pay, bool *strong, const fg_graph *g,
                        const uint32_t *mem, uint32_t n, scratch *sc)
{
	const uint32_t nu = g->n_users;
	uint32_t ntouch = 0, uu = 0, kinds_shared_mask = 0;
	bool pay_shared = false, other_strong_shared = false;
	double shared_w = 0.0;

	out->n_users = n;
	memset(out->n_by_class, 0, sizeof(out->n_by_class));
	out->n_shared = 0;
	for (uint32_t i = 0; i < n; i++)
		sc->in_group[mem[i]] = 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t u = mem[i];
		for (uint64_t a = g->g.off[u]; a < g->g.off[u + 1]; a++) {
			uint32_t x = g->g.adj[a];
			if (x < nu) {
				if (x > u && sc->in_group[x])
					uu++;
				continue;
			}
			x -= nu;
			if (sc->ent_cnt[x]++ == 0)
				sc->touched[ntouch++] = x;
		}
	}
	for (uint32_t t = 0; t < ntouch; t++) {
		uint32_t e = sc->touched[t], m = sc->ent_cnt[e];
		int kc = sc->kclass[fg_graph_ent_kind(g, e)];
		if (m >= 2) {
			out->n_by_class[kc]++;
			out->n_shared++;
			shared_w += g->kind_weight[fg_graph_ent_kind(g, e)] * (double)(m - 1);
			kinds_shared_mask |= 1u << kc;
			if (kc == FG_KC_CARD)
				pay_shared = true;
			else if (kc != FG_KC_ADDRESS && kc != FG_KC_IP && kc != FG_KC_DEVICE)
				other_strong_shared = true;
		}
		sc->ent_cnt[e] = 0;
	}
	if (uu) {
		shared_w += g->relation_weight * (double)uu;
		other_strong_shared = true;
	}
	for (uint32_t i = 0; i < n; i++)
		sc->in_group[mem[i]] = 0;
	out->n_entities = ntouch;
	out->n_user_links = uu;
	{
		int nkinds = __builtin_popcount(kinds_shared_mask) + (uu ? 1 : 0);
		double x = shared_w / (double)(n - 1);
		double diversity = 0.6 + 0.4 * (nkinds >= 3 ? 1.0 : (nkinds <= 1 ? 0.0 : 0.5));
		out->sharing = (1.0 - exp(-x / SHARE_SCALE)) * diversity;
	}
	out->size_factor = 1.0 - exp(-(double)(n - 1) / SIZE_SCALE);
	*pay = pay_shared;
	*strong = other_strong_shared;
}

/*
 * The per-thread arrays of n_entities and n_users that both calls of
 * score_groups (rings, then components) use, zero between uses: allocated by
 * the first call, freed by fg_score_compute.  Each thread's first touch of
 * them is a page fault per page (36 MB of entity counts a thread on the 2M
 * world), so the second call reuses the first call's pages.
 */
typedef struct scratch_pool {
	int n;
	uint32_t **ent_cnt;
	uint8_t **in_group;
} scratch_pool;

static void scratch_pool_free(scratch_pool *p)
{
	for (int t = 0; t < p->n; t++) {
		fg_free(p->ent_cnt[t]);
		fg_free(p->in_group[t]);
	}
	fg_free(p->ent_cnt);
	fg_free(p->in_group);
	memset(p, 0, sizeof(*p));
}

/* FG_OK, or FG_ENOMEM with the pool freed. */
static int scratch_pool_open(scratch_pool *p, int nthreads, const fg_graph *g)
{
	if (p->n >= nthreads)
		return FG_OK;
	scratch_pool_free(p);
	p->ent_cnt = fg_calloc((size_t)nthreads, sizeof(*p->ent_cnt));
	p->in_group = fg_calloc((size_t)nthreads, sizeof(*p->in_group));
	if (!p->ent_cnt || !p->in_group) {
		fg_free(p->ent_cnt);
		fg_free(p->in_group);
		memset(p, 0, sizeof(*p));
		return FG_ENOMEM;
	}
	p->n = nthreads;
	for (int t = 0; t < nthreads; t++) {
		p->ent_cnt[t] = fg_calloc(g->n_entities ? g->n_entities : 1, sizeof(uint32_t));
		p->in_group[t] = fg_calloc(g->n_users ? g->n_users : 1, 1);
		if (!p->ent_cnt[t] || !p->in_group[t]) {
			scratch_pool_free(p);
			return FG_ENOMEM;
		}
	}
	return FG_OK;
}

static void score_group(fg_group_score *out, const fg_graph *g, const fg_config *cfg,
                        const uint32_t *mem, uint32_t n, const uint32_t *comp, const double *rnorm,
                        double base_rate, scratch *sc)
{
	uint32_t seeds = 0, legit = 0, nt = 0;
	bool pay_shared = false, other_strong_shared = false;
	double rsum = 0.0, rmax = 0.0;

	memset(out, 0, sizeof(*out));
	out->id = mem[0];
	out->component_id = comp[mem[0]];
	for (uint32_t i = 0; i < n; i++) {
		uint32_t u = mem[i];
		if (sc->seed[u])
			seeds++;
		else if (g->user_label[u] == FG_LABEL_LEGIT)
			legit++;
		rsum += rnorm[u];
		if (rnorm[u] > rmax)
			rmax = rnorm[u];
		if (fg_graph_user_created(g, u) != FG_TIME_NONE)
			sc->times[nt++] = fg_graph_user_created(g, u);
	}
	group_links(out, &pay_shared, &other_strong_shared, g, mem, n, sc);
	out->n_seeds = seeds;
	out->n_legit = legit;

	out->seed_rate = (double)seeds / n;
	out->seed_evidence = ((double)seeds + cfg->smoothing_k * base_rate) / ((double)n + cfg->smoothing_k);
	out->risk_mean = rsum / n;
	out->risk_max = rmax;
	if (nt >= 2) {
		uint32_t best = 1;
		qsort(sc->times, nt, sizeof(int64_t), cmp_i64);
		for (uint32_t i = 0, j = 0; i < nt; i++) {
			while (sc->times[i] - sc->times[j] > BURST_WINDOW)
				j++;
			if (i - j + 1 > best)
				best = i - j + 1;
		}
		out->burst = (double)(best - 1) / (double)(nt - 1) * ((double)nt / n);
	}
	out->dampener = 1.0;
	if (n <= HOUSEHOLD_MAX && !pay_shared && !other_strong_shared && seeds == 0)
		out->dampener *= HOUSEHOLD_DAMP;
	out->dampener *= 1.0 - LEGIT_DAMP * ((double)legit / n);
	{
		double seedf = out->seed_evidence * 2.0 > 1.0 ? 1.0 : out->seed_evidence * 2.0;
		double raw = W_SEED * seedf + W_RISK * out->risk_mean + W_SHARE * out->sharing +
		             W_BURST * out->burst;
		out->score = raw * (0.5 + 0.5 * out->size_factor) * out->dampener;
	}
}

static int score_groups(fg_group_score **out, uint32_t *n_out, const groups *gr, const fg_graph *g,
                        const fg_config *cfg, const uint32_t *comp, const double *rnorm,
                        double base_rate, const uint8_t *kclass, const uint8_t *seed,
                        scratch_pool *pool)
{
	fg_group_score *res = fg_calloc(gr->n ? gr->n : 1, sizeof(*res));
	int nthreads = 1, failed = 0;
	scratch *scs = NULL;
	uint32_t maxn = 0;
	uint64_t maxdeg = 0; /* the most arcs of one group's members: bounds its touched entities */

	if (!res)
		return fg_error_set(FG_ENOMEM, "out of memory scoring groups");
	for (uint32_t k = 0; k < gr->n; k++) {
		uint64_t deg = 0;
		if (gr->off[k + 1] - gr->off[k] > maxn)
			maxn = (uint32_t)(gr->off[k + 1] - gr->off[k]);
		for (uint64_t i = gr->off[k]; i < gr->off[k + 1]; i++)
			deg += fg_csr_degree(&g->g, gr->mem[i]);
		if (deg > maxdeg)
			maxdeg = deg;
	}
#if defined(_OPENMP)
	nthreads = omp_get_max_threads();
#endif
	scs = fg_calloc((size_t)nthreads, sizeof(*scs));
	if (!scs || scratch_pool_open(pool, nthreads, g) != FG_OK)
		goto nomem;
	for (int t = 0; t < nthreads; t++) {
		scs[t].ent_cnt = pool->ent_cnt[t];
		scs[t].touched = fg_mallocarray(maxdeg ? maxdeg : 1, sizeof(uint32_t));
		scs[t].times = fg_mallocarray(maxn ? maxn : 1, sizeof(int64_t));
		scs[t].in_group = pool->in_group[t];
		scs[t].kclass = kclass;
		scs[t].seed = seed;
		if (!scs[t].touched || !scs[t].times)
			failed = 1;
	}
	if (failed)
		goto nomem;
	{
		int64_t k;
		#pragma omp parallel for schedule(dynamic, 16)
		for (k = 0; k < (int64_t)gr->n; k++) {
			int t = 0;
#if defined(_OPENMP)
			t = omp_get_thread_num();
#endif
			score_group(&res[k], g, cfg, gr->mem + gr->off[k],
			            (uint32_t)(gr->off[k + 1] - gr->off[k]), comp, rnorm, base_rate, &scs[t]);
		}
	}
	for (int t = 0; t < nthreads; t++) {
		fg_free(scs[t].touched);
		fg_free(scs[t].times);
	}
	fg_free(scs);
	*out = res;
	*n_out = gr->n;
	return FG_OK;
nomem:
	if (scs)
		for (int t = 0; t < nthreads; t++) {
			fg_free(scs[t].touched);
			fg_free(scs[t].times);
		}
	fg_free(scs);
	fg_free(res);
	return fg_error_set(FG_ENOMEM, "out of memory scoring groups");
}

/* Per-user features from the links (hubs included) and the 2-hop co-users. */
static int compute_features(fg_scores *s, const fg_graph *g, const uint8_t *kclass,
                            const uint8_t *seed)
{
	const uint32_t nu = g->n_users;
	int nthreads = 1, failed = 0;
	uint32_t **mark = NULL;
	int64_t u;

	/*
	 * Degrees per class and max share come from the link list (hubs
	 * included).  Serial; each link's share is a random read of its
	 * entity's class, issued 16 links ahead.
	 */
	for (uint64_t i = 0; i < g->n_links; i++) {
		uint32_t a = g->link_user[i], t = g->link_target[i];
		if (i + 16 < g->n_links && g->ent_class && g->link_target[i + 16] >= nu)
			FG_PREFETCH(&g->ent_class[g->link_target[i + 16] - nu]);
		if (t < nu) {
			s->deg_user[a]++;
			s->deg_user[t]++;
			s->deg_total[a]++;
			s->deg_total[t]++;
		} else {
			uint32_t e = t - nu;
			int kc = kclass[fg_graph_ent_kind(g, e)];
			s->deg_class[(size_t)a * FG_KC_N + kc]++;
			s->deg_total[a]++;
			if (fg_graph_ent_share(g, e) > s->max_share[a])
				s->max_share[a] = fg_graph_ent_share(g, e);
		}
	}
#if defined(_OPENMP)
	nthreads = omp_get_max_threads();
#endif
	mark = fg_calloc((size_t)nthreads, sizeof(*mark));
	if (!mark)
		return fg_error_set(FG_ENOMEM, "out of memory computing features");
	for (int t = 0; t < nthreads; t++) {
		/* mark[v] == u + 1 when v was already counted for user u */
		mark[t] = fg_calloc(nu ? nu : 1, sizeof(uint32_t));
		if (!mark[t])
			failed = 1;
	}
	if (!failed) {
		/* work: two hops per user, ~20 ns per arc (each leads to a list) */
		#pragma omp parallel for schedule(dynamic, 1024) if (fg_par_pays(g->g.off[nu], 20))
		for (u = 0; u < (int64_t)nu; u++) {
			int t = 0;
			uint32_t *mk, co = 0, seeds = 0, tag = (uint32_t)u + 1;
#if defined(_OPENMP)
			t = omp_get_thread_num();
#endif
			mk = mark[t];
			mk[u] = tag;
			for (uint64_t a = g->g.off[u]; a < g->g.off[u + 1]; a++) {
				uint32_t x = g->g.adj[a];
				if (x < nu) {
					if (mk[x] != tag) {
						mk[x] = tag;
						co++;
						seeds += seed[x];
					}
					continue;
				}
				if (g->g.off[x + 1] - g->g.off[x] < 2)
					continue; /* a leaf: u alone, marked */
				for (uint64_t b = g->g.off[x]; b < g->g.off[x + 1]; b++) {
					uint32_t v = g->g.adj[b];
					if (mk[v] != tag) {
						mk[v] = tag;
						co++;
						seeds += seed[v];
					}
				}
			}
			s->co_users[u] = co;
			s->seeds_2hop[u] = seeds;
		}
	}
	for (int t = 0; t < nthreads; t++)
		fg_free(mark[t]);
	fg_free(mark);
	if (failed)
		return fg_error_set(FG_ENOMEM, "out of memory computing features");
	return FG_OK;
}

/* The groups of 2+ users of label, serially, each by fg_score_compute's score_group. */
int fg_score_groups(fg_group_score **out, uint32_t *n_out, const fg_graph *g,
                    const uint32_t *label, const fg_score_users *in)
{
	groups rg = { 0 };
	scratch sc;
	fg_group_score *res = NULL;
	uint8_t *kclass = NULL;
	uint64_t maxdeg = 0;
	uint32_t maxn = 0;
	int rc;

	*out = NULL;
	*n_out = 0;
	memset(&sc, 0, sizeof(sc));
	if ((rc = groups_make(&rg, label, g->n_users)) != FG_OK)
		return rc;
	for (uint32_t k = 0; k < rg.n; k++) {
		uint64_t deg = 0;
		for (uint64_t i = rg.off[k]; i < rg.off[k + 1]; i++)
			deg += fg_csr_degree(&g->g, rg.mem[i]);
		maxdeg = deg > maxdeg ? deg : maxdeg;
		if (rg.off[k + 1] - rg.off[k] > maxn)
			maxn = (uint32_t)(rg.off[k + 1] - rg.off[k]);
	}
	res = fg_calloc(rg.n ? rg.n : 1, sizeof(*res));
	kclass = fg_malloc(g->n_kinds ? g->n_kinds : 1);
	sc.ent_cnt = fg_calloc(g->n_entities ? g->n_entities : 1, sizeof(uint32_t));
	sc.touched = fg_mallocarray(maxdeg ? maxdeg : 1, sizeof(uint32_t));
	sc.in_group = fg_calloc(g->n_users ? g->n_users : 1, 1);
	sc.times = fg_mallocarray(maxn ? maxn : 1, sizeof(int64_t));
	if (!res || !kclass || !sc.ent_cnt || !sc.touched || !sc.in_group || !sc.times) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring %u groups", rg.n);
		goto cleanup;
	}
	for (uint32_t k = 0; k < g->n_kinds && k < 65536; k++)
		kclass[k] = (uint8_t)fg_kind_class_of(g->kind_name[k]);
	sc.kclass = kclass;
	sc.times_cap = maxn;
	sc.seed = in->seed;
	for (uint32_t k = 0; k < rg.n; k++)
		score_group(&res[k], g, in->cfg, rg.mem + rg.off[k],
		            (uint32_t)(rg.off[k + 1] - rg.off[k]), in->comp, in->rnorm, in->base_rate,
		            &sc);
	*out = res;
	*n_out = rg.n;
	res = NULL;
cleanup:
	groups_free(&rg);
	fg_free(res);
	fg_free(kclass);
	fg_free(sc.ent_cnt);
	fg_free(sc.touched);
	fg_free(sc.in_group);
	fg_free(sc.times);
	return rc;
}

/*
 * s's per-user fields that come from its groups (ring_index, ring_size,
 * ring_score, comp_size, score), s->rings and s->comps being rg's and cg's
 * groups in order.  s->risk_norm is set.
 */
static void place_groups(fg_scores *s, const fg_graph *g, const groups *rg, const groups *cg)
{
	const uint32_t nu = g->n_users;
	int64_t u;

	for (uint32_t v = 0; v < nu; v++) {
		s->ring_index[v] = -1;
		s->ring_size[v] = 1;
		s->comp_size[v] = 1;
		s->ring_score[v] = 0.0;
	}
	for (uint32_t k = 0; k < rg->n; k++) {
		for (uint64_t i = rg->off[k]; i < rg->off[k + 1]; i++) {
			uint32_t v = rg->mem[i];
			s->ring_index[v] = (int32_t)k;
			s->ring_size[v] = s->rings[k].n_users;
			s->ring_score[v] = s->rings[k].score;
		}
	}
	for (uint32_t k = 0; k < cg->n; k++) {
		for (uint64_t i = cg->off[k]; i < cg->off[k + 1]; i++)
			s->comp_size[cg->mem[i]] = s->comps[k].n_users;
	}
	#pragma omp parallel for schedule(dynamic, 16384) if (fg_par_pays(nu, 4))
	for (u = 0; u < (int64_t)nu; u++) {
		double sc = 1.0 - (1.0 - s->risk_norm[u]) * (1.0 - s->ring_score[u]);
		if (g->user_label[u] == FG_LABEL_LEGIT)
			sc *= LEGIT_USER_DAMP;
		s->score[u] = sc;
	}
}

int fg_score_use_groups(fg_scores *s, const fg_graph *g, const uint32_t *comp,
                        const uint32_t *ring, fg_group_score **rings, uint32_t n_rings,
                        fg_group_score **comps, uint32_t n_comps)
{
	groups rg = { 0 }, cg = { 0 };
	int rc;

	if ((rc = groups_make(&rg, ring, g->n_users)) != FG_OK ||
	    (rc = groups_make(&cg, comp, g->n_users)) != FG_OK)
		goto cleanup;
	if (rg.n != n_rings || cg.n != n_comps) {
		rc = fg_error_set(FG_ERROR, "scores: %u rings and %u components given, the labels "
		                  "have %u and %u of 2+ users", n_rings, n_comps, rg.n, cg.n);
		goto cleanup;
	}
	for (uint32_t k = 0; k < rg.n; k++)
		if ((*rings)[k].id != rg.gid[k] || (*rings)[k].n_users != rg.off[k + 1] - rg.off[k]) {
			rc = fg_error_set(FG_ERROR, "scores: ring %u given as %u (%u users), the labels' "
			                  "is %u", k, (*rings)[k].id, (*rings)[k].n_users, rg.gid[k]);
			goto cleanup;
		}
	for (uint32_t k = 0; k < cg.n; k++)
		if ((*comps)[k].id != cg.gid[k] || (*comps)[k].n_users != cg.off[k + 1] - cg.off[k]) {
			rc = fg_error_set(FG_ERROR, "scores: component %u given as %u (%u users), the "
			                  "labels' is %u", k, (*comps)[k].id, (*comps)[k].n_users, cg.gid[k]);
			goto cleanup;
		}
	fg_free(s->rings);
	fg_free(s->comps);
	s->rings = *rings;
	s->comps = *comps;
	*rings = *comps = NULL;
	place_groups(s, g, &rg, &cg);
cleanup:
	groups_free(&rg);
	groups_free(&cg);
	return rc;
}

int fg_score_compute(fg_scores **out, const fg_graph *g, const fg_config *cfg,
                     const uint8_t *seed, uint32_t n_seeds,
                     const uint32_t *comp, const uint32_t *ring, const double *risk)
{
	fg_scores *s = NULL;
	groups rg = { 0 }, cg = { 0 };
	scratch_pool pool = { 0 };
	uint32_t *ucomp = NULL;
	uint8_t *kclass = NULL; /* kind -> FG_KC_* */
	const uint32_t nu = g->n_users;
	size_t n1 = nu ? nu : 1;
	double base_rate = nu ? (double)n_seeds / nu : 0.0;
	int rc = FG_OK;

	*out = NULL;
	s = fg_calloc(1, sizeof(*s));
	if (!s)
		return fg_error_set(FG_ENOMEM, "out of memory scoring");
	s->n_users = nu;
	s->risk_norm = fg_calloc(n1, sizeof(double));
	s->risk_pct = fg_calloc(n1, sizeof(double));
	s->score = fg_calloc(n1, sizeof(double));
	s->ring_score = fg_calloc(n1, sizeof(double));
	s->ring_index = fg_mallocarray(n1, sizeof(int32_t));
	s->comp_size = fg_calloc(n1, sizeof(uint32_t));
	s->ring_size = fg_calloc(n1, sizeof(uint32_t));
	s->deg_class = fg_calloc(n1 * FG_KC_N, sizeof(uint32_t));
	s->deg_user = fg_calloc(n1, sizeof(uint32_t));
	s->deg_total = fg_calloc(n1, sizeof(uint32_t));
	s->co_users = fg_calloc(n1, sizeof(uint32_t));
	s->max_share = fg_calloc(n1, sizeof(uint32_t));
	s->seeds_2hop = fg_calloc(n1, sizeof(uint32_t));
	ucomp = fg_mallocarray(n1, sizeof(uint32_t));
	kclass = fg_malloc(g->n_kinds ? g->n_kinds : 1);
	if (!kclass || !s->risk_norm || !s->risk_pct || !s->score || !s->ring_score || !s->ring_index ||
	    !s->comp_size || !s->ring_size || !s->deg_class || !s->deg_user || !s->deg_total ||
	    !s->co_users || !s->max_share || !s->seeds_2hop || !ucomp) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring %u users", nu);
		goto cleanup;
	}
	if ((rc = compute_risk_norm(s->risk_norm, g, seed, risk)) != FG_OK ||
	    (rc = compute_pct(s->risk_pct, risk, nu)) != FG_OK)
		goto cleanup;

	/* Component ids of users are user ids (the smallest vertex of a component with users). */
	memcpy(ucomp, comp, n1 * sizeof(uint32_t));
	if ((rc = groups_make(&rg, ring, nu)) != FG_OK || (rc = groups_make(&cg, ucomp, nu)) != FG_OK)
		goto cleanup;
	for (uint32_t k = 0; k < g->n_kinds && k < 65536; k++)
		kclass[k] = (uint8_t)fg_kind_class_of(g->kind_name[k]);
	if ((rc = score_groups(&s->rings, &s->n_rings, &rg, g, cfg, comp, s->risk_norm, base_rate,
	                       kclass, seed, &pool)) != FG_OK ||
	    (rc = score_groups(&s->comps, &s->n_comps, &cg, g, cfg, comp, s->risk_norm, base_rate,
	                       kclass, seed, &pool)) != FG_OK)
		goto cleanup;
	scratch_pool_free(&pool);

	/* rings per component: rings are sorted by id; count by component */
	{
		/* comps sorted by id; map component id -> index by binary search */
		for (uint32_t k = 0; k < s->n_rings; k++) {
			uint32_t cid = s->rings[k].component_id, lo = 0, hi = s->n_comps;
			while (lo < hi) {
				uint32_t mid = lo + (hi - lo) / 2;
				if (s->comps[mid].id < cid)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < s->n_comps && s->comps[lo].id == cid)
				s->comps[lo].n_rings++;
		}
	}
	place_groups(s, g, &rg, &cg);
	if ((rc = compute_features(s, g, kclass, seed)) != FG_OK)
		goto cleanup;

	*out = s;
	s = NULL;
cleanup:
	groups_free(&rg);
	groups_free(&cg);
	scratch_pool_free(&pool);
	fg_free(ucomp);
	fg_free(kclass);
	fg_scores_free(&s);
	return rc;
}
