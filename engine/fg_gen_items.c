/*
 * The user-item shapes: `reviews` (users review products, kind `product`;
 * popular products are shared by hundreds, fraud campaigns hit a set of
 * products together) and `payments` (customers pay at terminals, kind
 * `terminal`; degree itself is signal and gangs share compromised
 * terminals).  What each plants, its base rate and what carries the signal:
 * data-samples/README.md, "Shapes".
 *
 * Plan: per user its group (0 = none, else campaign or gang + 1), the groups
 * (members, targets, time window), and the item tables: cumulative weights
 * (doubles summed serially, so the same bits everywhere) that users sample
 * by binary search from their own stream.  Item values are hashes of (seed,
 * item), so an item is the same string in every user's rows.
 *
 * Memory: 4 bytes per user plus 8-16 bytes per item.
 */
#include "fg_gen_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <math.h>

#define ROW_MAX 80 /* bytes of one item row, at most */
#define REVIEWS_MAX 200
#define TERMINALS_MAX 120
#define REPEATS_MAX 8
#define SOLO UINT32_MAX

typedef struct grp {
	uint32_t size;
	uint32_t items[16];  /* reviews: targets (popular, then niche); payments: compromised */
	uint8_t npop, nniche;
	bool attack;         /* reviews: a campaign that pans its targets instead of praising */
	int64_t t0, width;   /* when the group acts */
} grp;

typedef struct items {
	fg_gen_shape shape;
	uint64_t n;
	int64_t start, end;
	double label_rate;
	uint32_t *group;     /* per user: 0, group index + 1, or SOLO (a fraudster alone) */
	grp *groups;
	uint32_t ngroups;
	uint64_t nfraud;
	/* reviews: popular products (Zipf weights), niche products (uniform), launches */
	/* payments: terminals in regions, weights per region; pop = all terminals */
	double *cdf;         /* cumulative weights of the npop popular items / terminals */
	uint32_t npop, nniche;
	int64_t *launch;     /* reviews: launch time of popular product j, or -1 */
	uint32_t nregions;   /* payments: terminal j is in region j % nregions */
	double *region_cdf;  /* payments: cumulative weights within each region, by j */
	uint8_t *lookalike;  /* payments: busy honest customers; reviews: unused */
} items;

static void items_free(void *vp)
{
	items *s = vp;

	if (!s)
		return;
	fg_free(s->group);
	fg_free(s->groups);
	fg_free(s->cdf);
	fg_free(s->launch);
	fg_free(s->region_cdf);
	fg_free(s->lookalike);
	fg_free(s);
}

static void items_stats(fg_gen_stats *out, const void *vp)
{
	const items *s = vp;

	out->fraudsters = s->nfraud;
	out->groups = s->ngroups;
	out->attrs = s->shape == FG_GEN_SHAPE_REVIEWS ? 4 : 5;
}

/* index j in [lo, hi) with cdf[j - 1] <= x < cdf[j] (cdf[lo - 1] read as 0) */
static uint32_t pick_cdf(const double *cdf, uint32_t lo, uint32_t hi, double x)
{
	while (lo + 1 < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cdf[mid - 1] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t pick_popular(rng *r, const items *s)
{
	return pick_cdf(s->cdf, 0, s->npop, runif(r) * s->cdf[s->npop - 1]);
}

/*
 * Group sizes lo..hi (uniform) until nf members are placed, then nsolo
 * fraudsters that belong to no group; all drawn at random indices by
 * rejection (at most 5% of users are fraud).
 */
static int plant_groups(items *s, rng *r, uint64_t nf, uint64_t nsolo, uint32_t lo, uint32_t hi)
{
	uint64_t placed = 0;
	uint32_t cap = (uint32_t)(nf / lo + 2);

	s->groups = fg_calloc(cap, sizeof(grp));
	s->group = fg_calloc(s->n, sizeof(uint32_t));
	if (!s->groups || !s->group)
		return fg_error_set(FG_ENOMEM, "gen: out of memory planning %llu users",
		                    (unsigned long long)s->n);
	while (placed < nf) {
		grp *g = &s->groups[s->ngroups++];
		uint64_t size = lo + rbelow(r, hi - lo + 1);
		if (size > nf - placed)
			size = nf - placed;
		g->size = (uint32_t)size;
		for (uint64_t k = 0; k < size; k++) {
			uint64_t u;
			do
				u = rbelow(r, s->n);
			while (s->group[u] != 0);
			s->group[u] = s->ngroups;
		}
		placed += size;
	}
	for (uint64_t k = 0; k < nsolo; k++) {
		uint64_t u;
		do
			u = rbelow(r, s->n);
		while (s->group[u] != 0);
		s->group[u] = SOLO;
	}
	s->nfraud = placed + nsolo;
	return FG_OK;
}

static items *items_new(const fg_gen_params *p)
{
	items *s = fg_calloc(1, sizeof(items));

	if (!s)
		return NULL;
	s->shape = p->shape;
	s->n = p->users;
	s->start = p->start;
	s->end = p->start + FG_GEN_SPAN;
	s->label_rate = p->label_rate;
	return s;
}

/* ---- reviews ---- */

/*
 * Products: max(1, N/100) popular ones with Zipf weights 1/(j + 5)^0.9 (at
 * 30k users the least popular still has about 150 reviewers, far over the
 * product cap of 50), max(1, N/20) niche ones drawn uniformly (a handful of
 * reviewers each); 5% of the popular products are launched inside the world
 * and half of their reviews come in the ten days after the launch (a benign
 * burst).  70% of the fraudsters (5% of users) are in campaigns of 15-60
 * accounts that target 4-10 of the less popular three quarters of the
 * popular products (each still shared by far more than 50 users) in a 3-14
 * day (60%) or 30-90 day window, 15% of them also 1-3 niche products; a
 * quarter are attacks (low ratings) rather than promotions.  The other 30%
 * are solo spammers who review like honest users.
 */
static int reviews_plan(void **out, const fg_gen_params *p, uint64_t key)
{
	items *s = items_new(p);
	rng r = { hash3(key, T_PLAN, p->shape, 0) };
	double sum = 0;
	uint64_t nf;
	int rc;

	if (!s)
		return fg_error_set(FG_ENOMEM, "gen: out of memory");
	s->npop = (uint32_t)(p->users / 100 > 1 ? p->users / 100 : 1);
	s->nniche = (uint32_t)(p->users / 20 > 1 ? p->users / 20 : 1);
	s->cdf = fg_mallocarray(s->npop, sizeof(double));
	s->launch = fg_mallocarray(s->npop, sizeof(int64_t));
	if (!s->cdf || !s->launch) {
		items_free(s);
		return fg_error_set(FG_ENOMEM, "gen: out of memory");
	}
	for (uint32_t j = 0; j < s->npop; j++) {
		sum += pow(j + 5.0, -0.9);
		s->cdf[j] = sum;
		s->launch[j] = rchance(&r, 0.05)
		                   ? s->start + 90 * FG_GEN_DAY + (int64_t)rbelow(&r, 900 * FG_GEN_DAY)
		                   : -1;
	}
	nf = (uint64_t)(0.05 * (double)p->users + 0.5);
	rc = plant_groups(s, &r, nf - nf * 3 / 10, nf * 3 / 10, 15, 60);
	if (rc != FG_OK) {
		items_free(s);
		return rc;
	}
	for (uint32_t gi = 0; gi < s->ngroups; gi++) {
		grp *g = &s->groups[gi];
		uint32_t lo = s->npop / 4, hi = s->npop;
		g->npop = (uint8_t)(4 + rbelow(&r, 7));
		for (unsigned k = 0; k < g->npop; k++)
			g->items[k] = lo + (uint32_t)rbelow(&r, hi - lo);
		g->nniche = rchance(&r, 0.15) ? (uint8_t)(1 + rbelow(&r, 3)) : 0;
		for (unsigned k = 0; k < g->nniche; k++)
			g->items[g->npop + k] = (uint32_t)rbelow(&r, s->nniche);
		g->attack = rchance(&r, 0.25);
		g->t0 = s->end - 720 * FG_GEN_DAY + (int64_t)rbelow(&r, 620 * FG_GEN_DAY);
		g->width = rchance(&r, 0.6) ? 3 * FG_GEN_DAY + (int64_t)rbelow(&r, 11 * FG_GEN_DAY)
		                            : 30 * FG_GEN_DAY + (int64_t)rbelow(&r, 60 * FG_GEN_DAY);
	}
	*out = s;
	return FG_OK;
}

static void review(emit *em, const items *s, uint32_t j, bool niche, int64_t t)
{
	row_tail(em, put_hex(put_s(row_head(em, "product"), "prod_"),
	                     hash3(em->key, T_ITEM, j, niche), 16), t);
}

/* a popular product's review time: after created, half within ten days of a launch */
static int64_t review_time(emit *em, const items *s, uint32_t j, int64_t created)
{
	int64_t l = s->launch[j];

	if (l >= 0 && rchance(&em->r, 0.5))
		return (l > created ? l : created) + (int64_t)rbelow(&em->r, 10 * FG_GEN_DAY);
	if (l > created)
		created = l;
	return after(em, created, 1100);
}

/*
 * reviews attributes: a01 mean rating given (1-5; promotions 4.5, attacks
 * 2.0, honest 4.0 with a wide spread), a02 log mean review length (fraud
 * 0.3 shorter), a03 share of verified purchases (lower for fraud; 20%
 * missing), a04 noise.
 */
static void reviews_user(emit *em)
{
	const items *s = em->plan;
	uint32_t gid = s->group[em->idx];
	const grp *g = gid && gid != SOLO ? &s->groups[gid - 1] : NULL;
	bool fraud = gid != 0;
	const char *label = label_of(em, s->label_rate, fraud);
	int64_t created;
	double rating;

	if (g) {
		int64_t t1 = g->t0 + g->width;
		unsigned done = 0;
		/* half fresh accounts, half aged ones (bought, or taken over) */
		if (rchance(&em->r, 0.5))
			created = g->t0 - 60 * FG_GEN_DAY + (int64_t)rbelow(&em->r, 60 * FG_GEN_DAY);
		else
			created = s->start + (int64_t)rbelow(&em->r, (uint64_t)(g->t0 - s->start));
		if (created < s->start)
			created = s->start;
		for (unsigned k = 0; k < g->npop; k++)
			if (rchance(&em->r, 0.6) || (k + 2 >= g->npop && done < 2)) {
				review(em, s, g->items[k], false,
				       g->t0 + (int64_t)rbelow(&em->r, (uint64_t)g->width));
				done++;
			}
		for (unsigned k = 0; k < g->nniche; k++)
			if (rchance(&em->r, 0.8))
				review(em, s, g->items[g->npop + k], true,
				       g->t0 + (int64_t)rbelow(&em->r, (uint64_t)g->width));
		for (int c = 1 + (int)rbelow(&em->r, 4); c > 0; c--) { /* camouflage */
			uint32_t j = pick_popular(&em->r, s);
			review(em, s, j, false, review_time(em, s, j, created));
		}
		if (rchance(&em->r, 0.05)) /* the same campaign target reviewed twice */
			review(em, s, g->items[0], false, t1);
		rating = g->attack ? 2.0 + 0.6 * rnorm(&em->r) : 4.5 + 0.4 * rnorm(&em->r);
	} else {
		/* honest users and solo spammers: the same counts and tastes (popularity,
		 * or any popular product), a quarter of them in one burst week */
		unsigned c = lognormal_count(&em->r, 4.0, 0.9, 1, REVIEWS_MAX);
		bool burst = rchance(&em->r, 0.25);
		created = created_uniform(em, s->start);
		for (unsigned k = 0; k < c; k++) {
			if (rchance(&em->r, 0.97)) {
				uint32_t j = rchance(&em->r, 0.6) ? pick_popular(&em->r, s)
				                                  : (uint32_t)rbelow(&em->r, s->npop);
				review(em, s, j, false,
				       burst ? after(em, created, 7) : review_time(em, s, j, created));
			} else {
				review(em, s, (uint32_t)rbelow(&em->r, s->nniche), true,
				       after(em, created, 1100));
			}
		}
		if (rchance(&em->r, 0.05))
			review(em, s, pick_popular(&em->r, s), false, after(em, created, 1100));
		rating = !fraud ? 4.0 + 1.0 * rnorm(&em->r)
		         : rchance(&em->r, 0.5) ? 4.6 + 0.3 * rnorm(&em->r) : 1.8 + 0.6 * rnorm(&em->r);
	}
	user_row_open(em, created, label);
	user_attr(em, gen_clamp(rating, 1.0, 5.0), 0);
	user_attr(em, 5.0 - (fraud ? 0.3 : 0.0) + 0.8 * rnorm(&em->r), 0.02);
	user_attr(em, gen_logistic((fraud ? 0.5 : 1.0) + rnorm(&em->r)), 0.20);
	user_attr(em, rnorm(&em->r), 0);
	user_row_close(em);
	if (fraud)
		truth_fraud(em, "camp-", g ? gid : 0);
}

/* ---- payments ---- */

/*
 * Terminals: max(1, N/6), in max(1, N/600) regions (terminal j in region
 * j % regions), with lognormal popularity exp(1.2 z).  Honest customers pay
 * at a lognormal number of terminals (median 4), 85% in their home region;
 * 5% are busy honest customers (median 10, half outside their region).
 * Fraudulent customers (3% of users) pay at a median of 7 terminals
 * anywhere, with fewer repeat payments per terminal; 60% are in gangs of
 * 5-30 that act in one 30-200 day window and use 1-2 of the gang's 2-4
 * compromised terminals (drawn by popularity), 40% act alone.
 */
static int payments_plan(void **out, const fg_gen_params *p, uint64_t key)
{
	items *s = items_new(p);
	rng r = { hash3(key, T_PLAN, p->shape, 0) };
	double sum = 0;
	uint64_t nf;
	uint32_t m;
	int rc;

	if (!s)
		return fg_error_set(FG_ENOMEM, "gen: out of memory");
	m = s->npop = (uint32_t)(p->users / 6 > 1 ? p->users / 6 : 1);
	s->nregions = (uint32_t)(p->users / 600 > 1 ? p->users / 600 : 1);
	if (s->nregions > m)
		s->nregions = m;
	s->cdf = fg_mallocarray(m, sizeof(double));
	s->region_cdf = fg_mallocarray(m, sizeof(double));
	s->lookalike = fg_calloc(p->users, 1);
	if (!s->cdf || !s->region_cdf || !s->lookalike) {
		items_free(s);
		return fg_error_set(FG_ENOMEM, "gen: out of memory");
	}
	for (uint32_t j = 0; j < m; j++) {
		double w = exp(1.2 * rnorm(&r));
		uint32_t prev = j >= s->nregions ? j - s->nregions : UINT32_MAX;
		sum += w;
		s->cdf[j] = sum;
		s->region_cdf[j] = (prev == UINT32_MAX ? 0 : s->region_cdf[prev]) + w;
	}
	nf = (uint64_t)(0.03 * (double)p->users + 0.5);
	rc = plant_groups(s, &r, nf - nf * 4 / 10, nf * 4 / 10, 5, 30);
	if (rc != FG_OK) {
		items_free(s);
		return rc;
	}
	for (uint32_t gi = 0; gi < s->ngroups; gi++) {
		grp *g = &s->groups[gi];
		g->npop = (uint8_t)(2 + rbelow(&r, 3));
		for (unsigned k = 0; k < g->npop; k++) /* busy terminals get compromised more */
			g->items[k] = pick_cdf(s->cdf, 0, m, runif(&r) * s->cdf[m - 1]);
		g->width = (30 + (int64_t)rbelow(&r, 170)) * FG_GEN_DAY;
		g->t0 = s->end - g->width - (int64_t)rbelow(&r, 500 * FG_GEN_DAY);
	}
	for (uint64_t u = 0; u < p->users; u++)
		if (!s->group[u] && rchance(&r, 0.05))
			s->lookalike[u] = 1;
	*out = s;
	return FG_OK;
}

/* terminal of region reg by weight: terminals reg, reg + R, reg + 2R, ... */
static uint32_t pick_in_region(rng *r, const items *s, uint32_t reg)
{
	uint32_t R = s->nregions, cnt = (s->npop - reg + R - 1) / R, lo = 0, hi = cnt;
	double x = runif(r) * s->region_cdf[reg + (cnt - 1) * R];

	while (lo + 1 < hi) { /* the k-th terminal of the region is reg + k * R */
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->region_cdf[reg + (mid - 1) * R] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return reg + lo * R;
}

static void pay(emit *em, uint32_t j, unsigned repeats, int64_t t0, int64_t days)
{
	for (unsigned k = 0; k < repeats; k++)
		row_tail(em, put_hex(put_s(row_head(em, "terminal"), "term_"),
		                     hash3(em->key, T_ITEM, j, 7), 12),
		         after(em, t0, days));
}

/* 1 + geometric repeats with continuation p, at most REPEATS_MAX */
static unsigned repeats(rng *r, double p)
{
	unsigned k = 1;

	while (k < REPEATS_MAX && rchance(r, p))
		k++;
	return k;
}

/*
 * payments attributes: a01 log mean amount (fraud +0.3), a02 night-time
 * share (higher for fraud), a03 card age in days (younger for fraud; 15%
 * missing), a04 payments in the file (every row, repeats included), a05
 * noise.
 */
static void payments_user(emit *em)
{
	const items *s = em->plan;
	uint32_t gid = s->group[em->idx];
	const grp *g = gid && gid != SOLO ? &s->groups[gid - 1] : NULL;
	bool fraud = gid != 0;
	const char *label = label_of(em, s->label_rate, fraud);
	uint64_t rows0 = em->links;
	/* every customer is active for a lognormal window after its first payment */
	int64_t active = (int64_t)lognormal_count(&em->r, fraud ? 120.0 : 300.0, 1.0, 7, 1000);
	int64_t created, t0;

	if (fraud) {
		unsigned d = lognormal_count(&em->r, 7.0, 0.8, 2, TERMINALS_MAX);
		unsigned nc = g ? 1 + rchance(&em->r, 0.4) : 0;
		if (g) {
			t0 = g->t0;
			active = g->width / FG_GEN_DAY;
		} else {
			t0 = s->start + (int64_t)rbelow(&em->r, (uint64_t)(s->end - s->start - active * FG_GEN_DAY));
		}
		/* half fresh accounts, half older ones (a taken-over customer) */
		created = t0 - (int64_t)rbelow(&em->r, rchance(&em->r, 0.5) ? 90 * FG_GEN_DAY
		                                                             : 900 * FG_GEN_DAY);
		if (created < s->start)
			created = s->start;
		for (unsigned k = 0; k < nc; k++)
			pay(em, g->items[rbelow(&em->r, g->npop)], repeats(&em->r, 0.25), t0, active);
		for (unsigned k = nc; k < d; k++)
			pay(em, pick_in_region(&em->r, s, (uint32_t)rbelow(&em->r, s->nregions)),
			    repeats(&em->r, 0.25), t0, active);
	} else {
		bool busy = s->lookalike[em->idx] != 0;
		unsigned d = lognormal_count(&em->r, busy ? 10.0 : 4.0, busy ? 0.6 : 0.7, 1,
		                             TERMINALS_MAX);
		uint32_t home = (uint32_t)rbelow(&em->r, s->nregions);
		double away = busy ? 0.5 : 0.15;
		created = created_uniform(em, s->start);
		t0 = after(em, created, 300);
		for (unsigned k = 0; k < d; k++) {
			uint32_t reg = rchance(&em->r, away) ? (uint32_t)rbelow(&em->r, s->nregions) : home;
			pay(em, pick_in_region(&em->r, s, reg), repeats(&em->r, 0.5), t0, active);
		}
	}
	user_row_open(em, created, label);
	user_attr(em, 3.5 + (fraud ? 0.3 : 0.0) + 0.6 * rnorm(&em->r), 0);
	user_attr(em, gen_logistic((fraud ? -1.4 : -2.0) + 0.8 * rnorm(&em->r)), 0.02);
	user_attr(em, exp((fraud ? 5.6 : 6.0) + 0.8 * rnorm(&em->r)), 0.15);
	user_attr_count(em, em->links - rows0);
	user_attr(em, rnorm(&em->r), 0);
	user_row_close(em);
	if (fraud)
		truth_fraud(em, "gang-", g ? gid : 0);
}

const fg_gen_shape_impl fg_gen_reviews_shape = {
	.name = "reviews",
	.headers = { "user_id,kind,value,seen_at\n", "user_id,created_at,label,a01,a02,a03,a04\n",
	             "user_id,label,ring_id\n" },
	.user_reserve = (REVIEWS_MAX + 32) * ROW_MAX,
	.plan = reviews_plan,
	.user = reviews_user,
	.stats = items_stats,
	.free = items_free,
};

const fg_gen_shape_impl fg_gen_payments_shape = {
	.name = "payments",
	.headers = { "user_id,kind,value,seen_at\n", "user_id,created_at,label,a01,a02,a03,a04,a05\n",
	             "user_id,label,ring_id\n" },
	.user_reserve = TERMINALS_MAX * REPEATS_MAX * ROW_MAX,
	.plan = payments_plan,
	.user = payments_user,
	.stats = items_stats,
	.free = items_free,
};
