/*
 * The ring and user score formulas (algorithms/fg_score.c, docs/scoring.md)
 * on hand-made worlds, every factor checked against a value computed here by
 * hand from the documented formula.
 */
#include "fg_test.h"

#include "fg_cc.h"
#include "fg_config.h"
#include "fg_error.h"
#include "fg_graph.h"
#include "fg_rings.h"
#include "fg_risk.h"
#include "fg_score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400

typedef struct world {
	fg_config cfg;
	fg_graph *g;
	uint8_t *seed;
	uint32_t *seeds, ns;
	uint32_t *comp, *ring;
	double *risk;
	fg_scores *s;
} world;

static fg_str str(const char *s)
{
	fg_str r = { s, strlen(s) };
	return r;
}

static void link(fg_linkset *ls, const char *u, const char *kind, const char *value)
{
	fg_link_row row = { str(u), str(kind), str(value), FG_TIME_NONE, "t.csv", 1, false, 0, 0 };
	ck_assert_int_eq(fg_linkset_link_sink(ls, &row), FG_OK);
}

static void user(fg_linkset *ls, const char *u, int64_t created, fg_label label)
{
	fg_user_row row = { str(u), created, label, "u.csv", 1, 0, NULL, 0 };
	ck_assert_int_eq(fg_linkset_user_sink(ls, &row), FG_OK);
}

/* Build the graph, run the kernels the scores read, and score. */
static void world_score(world *w, fg_linkset *ls)
{
	fg_graph *g;
	size_t nv;
	fg_rings_stats rst;
	fg_risk_stats kst;

	ck_assert_int_eq(fg_graph_build(&w->g, ls, &w->cfg), FG_OK);
	fg_linkset_free(&ls);
	g = w->g;
	nv = (size_t)g->n_users + g->n_entities + 1;
	w->seed = calloc(g->n_users + 1, 1);
	w->seeds = calloc(g->n_users + 1, sizeof(uint32_t));
	w->comp = calloc(nv, sizeof(uint32_t));
	w->ring = calloc(g->n_users + 1, sizeof(uint32_t));
	w->risk = calloc(nv, sizeof(double));
	ck_assert(w->seed && w->seeds && w->comp && w->ring && w->risk);
	for (uint32_t u = 0; u < g->n_users; u++)
		if (g->user_label[u] == FG_LABEL_FRAUD) {
			w->seed[u] = 1;
			w->seeds[w->ns++] = u;
		}
	ck_assert_int_eq(fg_cc(w->comp, &g->g), FG_OK);
	ck_assert_int_eq(fg_rings(w->ring, g, 30, &rst), FG_OK);
	ck_assert_int_eq(fg_risk(w->risk, g, w->seeds, w->ns, 0.85, 1e-12, 500, &kst), FG_OK);
	ck_assert_int_eq(fg_score_compute(&w->s, g, &w->cfg, w->seed, w->ns, w->comp, w->ring,
	                                  w->risk), FG_OK);
}

static void world_free(world *w)
{
	fg_scores_free(&w->s);
	fg_graph_free(&w->g);
	free(w->seed);
	free(w->seeds);
	free(w->comp);
	free(w->ring);
	free(w->risk);
}

static uint32_t uid(const world *w, const char *id)
{
	int64_t u = fg_graph_find_user(w->g, id);
	ck_assert_msg(u >= 0, "no user %s", id);
	return (uint32_t)u;
}

static const fg_group_score *ring_of(const world *w, const char *id)
{
	int32_t k = w->s->ring_index[uid(w, id)];
	ck_assert_msg(k >= 0, "%s is in no ring", id);
	return &w->s->rings[k];
}

/* A ring of three on one card (all three) and one device (two of them), one seed. */
START_TEST(ring_factors_by_hand)
{
	world w = { 0 };
	fg_linkset *ls;
	const fg_group_score *r;
	double base, seed_ev, seedf, sharing, size, raw, want, rmean;

	fg_config_init(&w.cfg);
	ck_assert_int_eq(fg_linkset_new(&ls, &w.cfg), FG_OK);
	link(ls, "a", "card", "c1");
	link(ls, "b", "card", "c1");
	link(ls, "c", "card", "c1");
	link(ls, "a", "device", "d1");
	link(ls, "b", "device", "d1");
	link(ls, "z", "address", "private");
	link(ls, "y", "address", "other");
	user(ls, "a", 1700000000, FG_LABEL_FRAUD);
	user(ls, "b", 1700000000 + DAY, FG_LABEL_UNKNOWN);
	user(ls, "c", 1700000000 + 2 * DAY, FG_LABEL_UNKNOWN);
	world_score(&w, ls);

	r = ring_of(&w, "a");
	ck_assert_ptr_eq(r, ring_of(&w, "b"));
	ck_assert_ptr_eq(r, ring_of(&w, "c"));
	ck_assert_uint_eq(r->n_users, 3);
	ck_assert_uint_eq(r->n_seeds, 1);
	ck_assert_uint_eq(r->n_entities, 2);
	/* seed evidence: (seeds + K base) / (users + K), base = 1 seed / 5 users */
	base = 1.0 / 5.0;
	seed_ev = (1.0 + 10.0 * base) / (3.0 + 10.0);
	ck_assert_double_eq_tol(r->seed_evidence, seed_ev, 1e-15);
	/* sharing: card 3 x (3-1) + device 2 x (2-1) = 8 over 2 = 4 per extra member;
	 * two kinds: diversity 0.8 */
	sharing = (1.0 - exp(-4.0 / 3.0)) * 0.8;
	ck_assert_double_eq_tol(r->sharing, sharing, 1e-15);
	/* burst: all three created within seven days */
	ck_assert_double_eq_tol(r->burst, 1.0, 1e-15);
	size = 1.0 - exp(-2.0 / 5.0);
	ck_assert_double_eq_tol(r->size_factor, size, 1e-15);
	/* a card is shared: no household dampening; nobody cleared */
	ck_assert_double_eq_tol(r->dampener, 1.0, 1e-15);
	rmean = (w.s->risk_norm[uid(&w, "a")] + w.s->risk_norm[uid(&w, "b")] +
	         w.s->risk_norm[uid(&w, "c")]) / 3.0;
	ck_assert_double_eq_tol(r->risk_mean, rmean, 1e-15);
	seedf = fmin(1.0, 2.0 * seed_ev);
	raw = 0.35 * seedf + 0.20 * rmean + 0.30 * sharing + 0.15 * 1.0;
	want = raw * (0.5 + 0.5 * size) * 1.0;
	ck_assert_double_eq_tol(r->score, want, 1e-12);
	/* user score: 1 - (1 - risk_norm)(1 - ring score) */
	for (const char *const *id = (const char *const[]){ "a", "b", "c", NULL }; *id; id++) {
		uint32_t u = uid(&w, *id);
		ck_assert_double_eq_tol(w.s->score[u],
		                        1.0 - (1.0 - w.s->risk_norm[u]) * (1.0 - r->score), 1e-12);
		ck_assert_double_eq(w.s->ring_score[u], r->score);
		ck_assert_uint_eq(w.s->ring_size[u], 3);
		ck_assert_uint_eq(w.s->comp_size[u], 3);
	}
	/* a user far from any seed and in no ring scores 0 */
	ck_assert_double_eq(w.s->score[uid(&w, "z")], 0.0);
	ck_assert_int_eq(w.s->ring_index[uid(&w, "z")], -1);
	world_free(&w);
}
END_TEST

/*
 * fg_score_groups (the ranks' scoring, engine/fg_mpi.c) gives fg_score_compute's
 * groups bit for bit from the same per-user inputs (components: but n_rings,
 * which the caller counts), and fg_score_use_groups puts given groups into
 * the scores: a ring's score reaches its members' ring_score and score; groups
 * that are not the labels' are refused and leave the scores as they were.
 */
START_TEST(groups_serial_and_used)
{
	world w = { 0 };
	fg_linkset *ls;
	fg_group_score *rs = NULL, *cs = NULL;
	uint32_t nrs = 0, ncs = 0, a, b;
	fg_score_users in;

	fg_config_init(&w.cfg);
	ck_assert_int_eq(fg_linkset_new(&ls, &w.cfg), FG_OK);
	link(ls, "a", "card", "c1");
	link(ls, "b", "card", "c1");
	link(ls, "c", "card", "c1");
	link(ls, "a", "device", "d1");
	link(ls, "b", "device", "d1");
	link(ls, "d", "phone", "p1");
	link(ls, "e", "phone", "p1");
	link(ls, "z", "address", "private");
	user(ls, "a", 1700000000, FG_LABEL_FRAUD);
	user(ls, "b", 1700000000 + DAY, FG_LABEL_UNKNOWN);
	user(ls, "c", 1700000000 + 9 * DAY, FG_LABEL_LEGIT);
	user(ls, "d", 1700000000, FG_LABEL_LEGIT);
	world_score(&w, ls);
	in = (fg_score_users){ &w.cfg, w.comp, w.seed, w.s->risk_norm,
	                       (double)w.ns / w.g->n_users };
	ck_assert_int_eq(fg_score_groups(&rs, &nrs, w.g, w.ring, &in), FG_OK);
	ck_assert_int_eq(fg_score_groups(&cs, &ncs, w.g, w.comp, &in), FG_OK);
	ck_assert_uint_eq(nrs, w.s->n_rings);
	ck_assert_uint_eq(ncs, w.s->n_comps);
	ck_assert_uint_eq(ncs, 2);
	ck_assert(w.s->rings[0].score > 0.0 && w.s->rings[0].risk_mean > 0.0);
	ck_assert_mem_eq(rs, w.s->rings, nrs * sizeof(*rs));
	for (uint32_t k = 0; k < ncs; k++) {
		ck_assert_uint_eq(cs[k].n_rings, 0);
		cs[k].n_rings = w.s->comps[k].n_rings;
	}
	ck_assert_mem_eq(cs, w.s->comps, ncs * sizeof(*cs));
	/* refused: a ring id that is not the labels' */
	a = uid(&w, "a");
	rs[0].id++;
	ck_assert_int_eq(fg_score_use_groups(w.s, w.g, w.comp, w.ring, &rs, nrs, &cs, ncs),
	                 FG_ERROR);
	ck_assert_ptr_nonnull(rs);
	rs[0].id--;
	/* used: ring a's score 0.75 */
	rs[w.s->ring_index[a]].score = 0.75;
	ck_assert_int_eq(fg_score_use_groups(w.s, w.g, w.comp, w.ring, &rs, nrs, &cs, ncs), FG_OK);
	ck_assert_ptr_null(rs);
	ck_assert_ptr_null(cs);
	b = uid(&w, "b");
	ck_assert_double_eq(w.s->ring_score[a], 0.75);
	ck_assert_double_eq(w.s->ring_score[b], 0.75);
	ck_assert_double_eq(w.s->score[b], 1.0 - (1.0 - w.s->risk_norm[b]) * 0.25);
	ck_assert_double_eq(w.s->ring_score[uid(&w, "z")], 0.0);
	ck_assert_uint_eq(w.s->comp_size[a], 3);
	world_free(&w);
}
END_TEST

/* A household of three on one address, created years apart, one of them cleared. */
START_TEST(household_and_cleared_member_are_damped)
{
	world w = { 0 };
	fg_linkset *ls;
	const fg_group_score *r;
	double sharing, size, raw, damp, seed_ev;

	fg_config_init(&w.cfg);
	ck_assert_int_eq(fg_linkset_new(&ls, &w.cfg), FG_OK);
	link(ls, "h1", "address", "1 Main St");
	link(ls, "h2", "address", "1 Main St");
	link(ls, "h3", "address", "1 Main St");
	link(ls, "s", "card", "own");
	user(ls, "s", 1600000000, FG_LABEL_FRAUD);      /* a seed elsewhere: base rate 1/4 */
	user(ls, "h1", 1500000000, FG_LABEL_UNKNOWN);
	user(ls, "h2", 1500000000 + 400 * DAY, FG_LABEL_LEGIT);
	user(ls, "h3", 1500000000 + 800 * DAY, FG_LABEL_UNKNOWN);
	world_score(&w, ls);

	r = ring_of(&w, "h1");
	ck_assert_uint_eq(r->n_users, 3);
	ck_assert_uint_eq(r->n_seeds, 0);
	ck_assert_uint_eq(r->n_legit, 1);
	seed_ev = (0.0 + 10.0 * 0.25) / (3.0 + 10.0);
	ck_assert_double_eq_tol(r->seed_evidence, seed_ev, 1e-15);
	/* address weight 1.5 x (3-1) = 3 over 2 = 1.5; one kind: diversity 0.6 */
	sharing = (1.0 - exp(-1.5 / 3.0)) * 0.6;
	ck_assert_double_eq_tol(r->sharing, sharing, 1e-15);
	ck_assert_double_eq(r->burst, 0.0); /* no two within seven days */
	/* household shape (<= 5 users, no payment or strong identifier, no seed): x0.5;
	 * one cleared member of three: x(1 - 0.8/3) */
	damp = 0.5 * (1.0 - 0.8 / 3.0);
	ck_assert_double_eq_tol(r->dampener, damp, 1e-15);
	size = 1.0 - exp(-2.0 / 5.0);
	ck_assert_double_eq(r->risk_mean, 0.0); /* the seed is not connected */
	raw = 0.35 * fmin(1.0, 2.0 * seed_ev) + 0.30 * sharing;
	ck_assert_double_eq_tol(r->score, raw * (0.5 + 0.5 * size) * damp, 1e-12);
	/* the cleared user's own score is damped by 0.2 */
	{
		uint32_t u = uid(&w, "h2");
		ck_assert_double_eq_tol(w.s->score[u], 0.2 * r->score, 1e-12);
	}
	world_free(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("score");
	TCase *tc = tcase_create("score");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, ring_factors_by_hand);
	tcase_add_test(tc, household_and_cleared_member_are_damped);
	tcase_add_test(tc, groups_serial_and_used);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
