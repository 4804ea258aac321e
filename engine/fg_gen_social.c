/*
 * The user-user shapes: `dense` (a transfer graph with low homophily and ten
 * weakly informative attributes) and `coreview` (a co-review graph whose 25
 * attributes carry the signal while the structure carries little).  What
 * each plants, its base rate and what carries the signal:
 * data-samples/README.md, "Shapes".
 *
 * Plan: a class byte per user (normal, the benign look-alike, the fraud
 * types), the list of fraudsters (to draw fraud-to-fraud links) and the list
 * of look-alikes (dense: merchants that many users pay).  Fraudsters sit at
 * random indices drawn by rejection from the plan stream.  Each user writes
 * its own out-links (value = the other user's id) from its own stream, so a
 * link is written once, by the user that draws it; its label comes from a
 * separate stream so that the label rate does not move any other byte.
 *
 * Memory: 1 byte per user plus 4 bytes per fraudster and look-alike.
 */
#include "fg_gen_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <math.h>

enum { C_NORMAL = 0, C_LOOKALIKE, C_FRAUD_A, C_FRAUD_B, C_FRAUD_C };

#define MAX_OUT 300       /* out-links a user draws, at most */
#define ROW_MAX 80        /* bytes of one relation row, at most */

typedef struct social {
	fg_gen_shape shape;
	uint64_t n;
	int64_t start, end;
	double label_rate;
	uint8_t *cls;
	uint32_t *fraud, *look;
	uint32_t nfraud, nlook;
	/* dense: crews are runs of the fraud list, fraud[crew_first[c] ..
	 * crew_first[c + 1]); crew[u] is c + 1 for a crew member, else 0 */
	uint32_t *crew, *crew_first;
	uint32_t ncrews;
} social;

static bool is_fraud(unsigned c)
{
	return c >= C_FRAUD_A;
}

static void social_free(void *vp)
{
	social *s = vp;

	if (!s)
		return;
	fg_free(s->cls);
	fg_free(s->fraud);
	fg_free(s->look);
	fg_free(s->crew);
	fg_free(s->crew_first);
	fg_free(s);
}

/*
 * Mark round(rate * n) users of class c among those still normal, at random
 * indices (rejection: at most a fifth of the users are ever marked), and
 * append them to list.
 */
static void mark(social *s, rng *r, double rate, uint8_t c, uint32_t *list, uint32_t *count)
{
	uint64_t want = (uint64_t)(rate * (double)s->n + 0.5);

	for (uint64_t i = 0; i < want; i++) {
		uint64_t u;
		do
			u = rbelow(r, s->n);
		while (s->cls[u] != C_NORMAL);
		s->cls[u] = c;
		list[(*count)++] = (uint32_t)u;
	}
}

static int social_plan(void **out, const fg_gen_params *p, uint64_t key)
{
	social *s = fg_calloc(1, sizeof(social));
	bool dense = p->shape == FG_GEN_SHAPE_DENSE;
	double base = dense ? 0.04 : 0.07, look = dense ? 0.01 : 0.08;
	rng r = { hash3(key, T_PLAN, p->shape, 0) };
	uint64_t n = p->users;

	if (!s)
		return fg_error_set(FG_ENOMEM, "gen: out of memory");
	s->shape = p->shape;
	s->n = n;
	s->start = p->start;
	s->end = p->start + FG_GEN_SPAN;
	s->label_rate = p->label_rate;
	s->cls = fg_calloc(n, 1);
	s->fraud = fg_mallocarray((size_t)(base * (double)n) + 2, sizeof(uint32_t));
	s->look = fg_mallocarray((size_t)(look * (double)n) + 2, sizeof(uint32_t));
	if (!s->cls || !s->fraud || !s->look) {
		social_free(s);
		return fg_error_set(FG_ENOMEM, "gen: out of memory planning %llu users",
		                    (unsigned long long)n);
	}
	if (dense) {
		uint32_t in_crews, placed = 0;
		mark(s, &r, base, C_FRAUD_A, s->fraud, &s->nfraud);
		/* 40% of the fraudsters in crews of 5-20 that also pay each other */
		in_crews = (uint32_t)(0.4 * s->nfraud);
		s->crew = fg_calloc(n, sizeof(uint32_t));
		s->crew_first = fg_mallocarray(in_crews / 5 + 2, sizeof(uint32_t));
		if (!s->crew || !s->crew_first) {
			social_free(s);
			return fg_error_set(FG_ENOMEM, "gen: out of memory planning %llu users",
			                    (unsigned long long)n);
		}
		while (placed + 2 <= in_crews) {
			uint32_t size = 5 + (uint32_t)rbelow(&r, 16);
			if (size > in_crews - placed)
				size = in_crews - placed;
			s->crew_first[s->ncrews++] = placed;
			for (uint32_t k = 0; k < size; k++)
				s->crew[s->fraud[placed + k]] = s->ncrews;
			placed += size;
		}
		s->crew_first[s->ncrews] = placed;
	} else { /* three fraud types: 40%, 35%, 25% of the fraudsters */
		mark(s, &r, base * 0.40, C_FRAUD_A, s->fraud, &s->nfraud);
		mark(s, &r, base * 0.35, C_FRAUD_B, s->fraud, &s->nfraud);
		mark(s, &r, base * 0.25, C_FRAUD_C, s->fraud, &s->nfraud);
	}
	mark(s, &r, look, C_LOOKALIKE, s->look, &s->nlook);
	*out = s;
	return FG_OK;
}

static void social_stats(fg_gen_stats *out, const void *vp)
{
	const social *s = vp;

	out->fraudsters = s->nfraud;
	out->groups = s->ncrews;
	out->attrs = s->shape == FG_GEN_SHAPE_DENSE ? 10 : 25;
}

/* a user other than em->idx, uniformly (n >= 2) */
static uint64_t other_user(emit *em, uint64_t n)
{
	uint64_t o = rbelow(&em->r, n - 1);

	return o >= em->idx ? o + 1 : o;
}

static int64_t created_at(emit *em, const social *s, bool fraud)
{
	/* fraud accounts: 40% opened in the last six months, the rest like everyone's */
	if (fraud && rchance(&em->r, 0.4))
		return s->end - 180 * FG_GEN_DAY + (int64_t)rbelow(&em->r, 150 * FG_GEN_DAY);
	return created_uniform(em, s->start);
}

/*
 * Out-links: d = exp(mu + sigma z) others, each written once (15% twice, a
 * repeated transfer), to a crew mate with chance p_crew when the user is in
 * a crew, to a look-alike with chance p_look, to a fraudster with chance
 * p_ff when the user is one, else to anyone.
 */
static unsigned out_links(emit *em, const social *s, const char *kind, int64_t created,
                          double mu, double sigma, double p_look, double p_ff, double p_crew)
{
	uint32_t c = s->crew ? s->crew[em->idx] : 0;
	double x = exp(mu + sigma * rnorm(&em->r));
	unsigned d = x < 1 ? 1 : x > MAX_OUT ? MAX_OUT : (unsigned)(x + 0.5);
	bool fraud = is_fraud(s->cls[em->idx]);

	if (s->n < 2)
		return 0;
	for (unsigned j = 0; j < d; j++) {
		uint64_t o;
		if (c && rchance(&em->r, p_crew)) {
			uint32_t lo = s->crew_first[c - 1], hi = s->crew_first[c];
			o = s->fraud[lo + rbelow(&em->r, hi - lo)];
		} else if (s->nlook && rchance(&em->r, p_look))
			o = s->look[rbelow(&em->r, s->nlook)];
		else if (fraud && s->nfraud > 1 && rchance(&em->r, p_ff))
			o = s->fraud[rbelow(&em->r, s->nfraud)];
		else
			o = other_user(em, s->n);
		if (o == em->idx)
			o = other_user(em, s->n);
		link_user(em, kind, o, after(em, created, 900));
		if (rchance(&em->r, 0.15))
			link_user(em, kind, o, after(em, created, 900));
	}
	return d;
}

/*
 * dense: 4% fraudsters, 40% of them in crews of 5-20 (a crew member sends
 * 40% of its transfers to crew mates), the others send 5% to other
 * fraudsters and the rest to anyone; 1% of users are merchants that
 * receive 15% of everyone's transfers.  Attributes a01..a10.  a01 (+0.6 sd for fraud, +0.8 for merchants),
 * a02 (-0.4 sd), a03 (fraud: 1.7x the spread), a04 (log out-degree plus
 * noise), a05 (+0.25 sd), a06..a10 noise, a09 a noisy copy of a01; a07 is
 * missing more often for fraudsters (30% against 18%).
 */
static void dense_user(emit *em)
{
	const social *s = em->plan;
	unsigned c = s->cls[em->idx];
	bool fraud = is_fraud(c);
	const char *label = label_of(em, s->label_rate, fraud);
	int64_t created = created_at(em, s, fraud);
	unsigned d = out_links(em, s, "transfer", created, fraud ? log(10.0) : log(7.0), 0.8, 0.15,
	                       0.05, 0.4);
	double a01 = rnorm(&em->r) + (fraud ? 0.6 : c == C_LOOKALIKE ? 0.8 : 0.0);

	user_row_open(em, created, label);
	user_attr(em, 10.0 + 2.0 * a01, 0.10);
	user_attr(em, 5.0 + rnorm(&em->r) - (fraud ? 0.4 : 0.0), 0.05);
	user_attr(em, (fraud ? 1.7 : 1.0) * rnorm(&em->r), 0);
	user_attr(em, log(1.0 + d) + 0.5 * rnorm(&em->r), 0.02);
	user_attr(em, rnorm(&em->r) + (fraud ? 0.25 : 0.0), 0);
	user_attr(em, rnorm(&em->r), 0);
	user_attr(em, 100.0 + 15.0 * rnorm(&em->r), fraud ? 0.30 : 0.18);
	user_attr(em, rnorm(&em->r), 0.05);
	user_attr(em, 0.7 * a01 + 0.7 * rnorm(&em->r), 0);
	user_attr(em, 1.0 + 0.1 * rnorm(&em->r), 0);
	user_row_close(em);
	if (fraud)
		truth_fraud(em, "crew-", s->crew[em->idx]);
}

/*
 * coreview: attributes a01..a25 that a reviewer-quality team would compute.
 * Three fraud types, each visible in a different few attributes; power
 * reviewers (8% of users) look like type A on review count.
 *   a01 log review count   a02 helpful-vote ratio   a03 rating entropy
 *   a04 five-star share    a05 log active span      a06 log review length
 *   a07, a08 a correlated pair whose sign flips for type C
 *   a09..a12 weak shifts (+0.35 sd) for every fraudster
 *   a13 a noisy copy of a01, a14 of a04, a15..a25 noise
 * Missing: a02 (40% when the review count is low, else 8%), a03 3%, a05 8%,
 * a11 25%, a20 10%.
 */
static void coreview_user(emit *em)
{
	static const double m01[] = { 0.0, 1.6, 1.5, 0.3, -0.2 }, s01[] = { 1, 0.6, 0.7, 1, 1 };
	static const double m02[] = { 0.8, 1.0, 0.5, -1.2, 0.6 };
	static const double m03[] = { 0.0, 0.0, -1.4, 0.2, -1.0 }, s03[] = { 1, 1, 0.6, 1, 0.7 };
	static const double m04[] = { 0.5, 0.5, 2.0, 1.8, 0.3 }, s04[] = { 1, 1, 0.6, 0.7, 1 };
	static const double m05[] = { 0.0, 0.5, 0.0, -0.3, -1.6 }, s05[] = { 1, 1, 1, 1, 0.6 };
	static const double m06[] = { 0.0, 0.4, 0.2, -1.3, 0.0 }, s06[] = { 1, 1, 1, 0.8, 1 };
	const social *s = em->plan;
	unsigned c = s->cls[em->idx];
	bool fraud = is_fraud(c);
	const char *label = label_of(em, s->label_rate, fraud);
	int64_t created = created_at(em, s, false);
	double a01, a04, z1, z2;

	out_links(em, s, "user", created, log(5.0), 1.0, 0.0, 0.02, 0);
	a01 = m01[c] + s01[c] * rnorm(&em->r);
	a04 = m04[c] + s04[c] * rnorm(&em->r);
	z1 = rnorm(&em->r);
	z2 = rnorm(&em->r);
	user_row_open(em, created, label);
	user_attr(em, 2.0 + a01, 0);
	user_attr(em, gen_logistic(m02[c] + rnorm(&em->r)), a01 < -0.5 ? 0.40 : 0.08);
	user_attr(em, 1.2 + 0.4 * (m03[c] + s03[c] * rnorm(&em->r)), 0.03);
	user_attr(em, gen_logistic(a04), 0);
	user_attr(em, 5.0 + m05[c] + s05[c] * rnorm(&em->r), 0.08);
	user_attr(em, 4.0 + 0.5 * (m06[c] + s06[c] * rnorm(&em->r)), 0);
	user_attr(em, z1, 0);
	user_attr(em, (c == C_FRAUD_C ? -0.8 : 0.8) * z1 + 0.6 * z2, 0);
	for (int i = 9; i <= 12; i++)
		user_attr(em, rnorm(&em->r) + (fraud ? 0.35 : 0.0), i == 11 ? 0.25 : 0);
	user_attr(em, 2.0 + a01 + rnorm(&em->r), 0);
	user_attr(em, 0.5 * a04 + rnorm(&em->r), 0);
	for (int i = 15; i <= 25; i++)
		user_attr(em, rnorm(&em->r), i == 20 ? 0.10 : 0);
	user_row_close(em);
	if (fraud)
		truth_fraud(em, NULL, 0);
}

const fg_gen_shape_impl fg_gen_dense_shape = {
	.name = "dense",
	.headers = { "user_id,kind,value,seen_at\n",
	             "user_id,created_at,label,a01,a02,a03,a04,a05,a06,a07,a08,a09,a10\n",
	             "user_id,label,ring_id\n" },
	.user_reserve = 2 * MAX_OUT * ROW_MAX,
	.plan = social_plan,
	.user = dense_user,
	.stats = social_stats,
	.free = social_free,
};

const fg_gen_shape_impl fg_gen_coreview_shape = {
	.name = "coreview",
	.headers = { "user_id,kind,value,seen_at\n",
	             "user_id,created_at,label,a01,a02,a03,a04,a05,a06,a07,a08,a09,a10,a11,a12,a13,"
	             "a14,a15,a16,a17,a18,a19,a20,a21,a22,a23,a24,a25\n",
	             "user_id,label,ring_id\n" },
	.user_reserve = 2 * MAX_OUT * ROW_MAX,
	.plan = social_plan,
	.user = coreview_user,
	.stats = social_stats,
	.free = social_free,
};
