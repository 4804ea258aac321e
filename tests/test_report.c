/*
 * engine/fg_report's drift verdict on hand-set figures: each limit is tested
 * just inside and just outside, and the PSI over merged bins is worked out
 * by hand.
 */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Two runs of 1000 users and links, 10 seeds, 40 rings, identical distributions. */
static void base(fg_report *r)
{
	memset(r, 0, sizeof(*r));
	r->run.run_id = 2;
	r->prev.run_id = 1;
	r->run.ints[FG_RUN_N_LINKS] = r->prev.ints[FG_RUN_N_LINKS] = 1000;
	r->run.ints[FG_RUN_N_USERS] = r->prev.ints[FG_RUN_N_USERS] = 1000;
	r->prev.ints[FG_RUN_N_SEEDS] = 10;
	for (int i = 0; i < FG_RESULTS_SCORE_BINS; i++)
		r->dist.score_bins[i] = r->prev_dist.score_bins[i] = 100;
	r->dist.size_buckets[0] = r->prev_dist.size_buckets[0] = 40;
	r->dist.n_rings = r->prev_dist.n_rings = 40;
}

static void judge(fg_report *r)
{
	ck_assert_int_eq(fg_report_judge(r, &fg_drift_limits_default), FG_OK);
}

START_TEST(quiet_night_is_no_change)
{
	fg_report r;

	base(&r);
	judge(&r);
	ck_assert(!r.drift);
	ck_assert(r.checks[FG_DRIFT_USER_SCORE_PSI].judged);
	ck_assert(fabs(r.checks[FG_DRIFT_USER_SCORE_PSI].value) < 1e-12);
	/* 40 rings < 200: ring sizes are not judged */
	ck_assert(!r.checks[FG_DRIFT_RING_SIZE_PSI].judged);
	ck_assert(!r.checks[FG_DRIFT_HUB_KIND_PSI].judged); /* no hubs */
	ck_assert(!r.checks[FG_DRIFT_HUB_SHARE].alert);
	/* without a previous run nothing is judged */
	base(&r);
	r.prev.run_id = 0;
	r.dist.score_bins[0] = 10000;
	judge(&r);
	ck_assert(!r.drift);
	ck_assert(!r.checks[FG_DRIFT_USER_SCORE_PSI].judged);
}
END_TEST

START_TEST(volume_limits)
{
	fg_report r;

	base(&r);
	r.run.ints[FG_RUN_N_LINKS] = 800; /* -20.0%: at the limit, not above */
	judge(&r);
	ck_assert(!r.checks[FG_DRIFT_LINKS].alert);
	ck_assert(fabs(r.checks[FG_DRIFT_LINKS].value + 0.2) < 1e-12);
	r.run.ints[FG_RUN_N_LINKS] = 799;
	judge(&r);
	ck_assert(r.checks[FG_DRIFT_LINKS].alert);
	ck_assert(r.drift);
	base(&r);
	r.run.ints[FG_RUN_N_USERS] = 1201; /* a doubling export is a change too */
	judge(&r);
	ck_assert(r.checks[FG_DRIFT_USERS].alert);
	base(&r);
	r.prev.int_null[FG_RUN_N_USERS] = true; /* unknown before: not judged */
	r.run.ints[FG_RUN_N_USERS] = 5000;
	judge(&r);
	ck_assert(!r.checks[FG_DRIFT_USERS].judged);
	ck_assert(!r.drift);
}
END_TEST

START_TEST(dissolved_and_seeds_lost)
{
	fg_report r;

	base(&r);
	r.changes.dissolved = 10; /* 10 of 40 = 25%: not above */
	judge(&r);
	ck_assert(!r.checks[FG_DRIFT_DISSOLVED].alert);
	r.changes.dissolved = 11;
	judge(&r);
	ck_assert(r.checks[FG_DRIFT_DISSOLVED].alert);
	base(&r);
	r.prev_dist.n_rings = 4;
	r.changes.dissolved = 2; /* 50% of 4, but fewer than 3 events */
	judge(&r);
	ck_assert(!r.checks[FG_DRIFT_DISSOLVED].alert);
	base(&r);
	r.changes.seeds_lost = 2; /* 20% of 10, but 2 < 3 */
	judge(&r);
	ck_assert(!r.checks[FG_DRIFT_SEEDS_LOST].alert);
	r.changes.seeds_lost = 3;
	judge(&r);
	ck_assert(r.checks[FG_DRIFT_SEEDS_LOST].alert);
	ck_assert(fabs(r.checks[FG_DRIFT_SEEDS_LOST].value - 0.3) < 1e-12);
}
END_TEST

START_TEST(hub_share)
{
	fg_report r;
	fg_results_count cur = { "device", 3, 600 }, prev = { "device", 3, 490 };

	base(&r);
	r.hub_kinds.v = &cur;
	r.hub_kinds.n = 1;
	r.prev_hub_kinds.v = &prev;
	r.prev_hub_kinds.n = 1;
	judge(&r);
	/* 60% of the links now, 49% before: warning, and a move of 11 points */
	ck_assert(r.hub_warning);
	ck_assert(fabs(r.hub_share - 0.6) < 1e-12);
	ck_assert(r.checks[FG_DRIFT_HUB_SHARE].alert);
	prev.links = 500; /* 10 points: not above */
	judge(&r);
	ck_assert(!r.checks[FG_DRIFT_HUB_SHARE].alert);
	ck_assert(!r.drift);
}
END_TEST

START_TEST(psi_over_merged_bins)
{
	fg_report r;
	double psi, a, b, d = 1 + 2e-4;

	/*
	 * 250 users each night; bins (prev / now): 0: 200/150, 1: 30/60, 2: 15/30,
	 * 3: 5/10, others empty.  Merged to >= 20 on both sides: {0} 200/150,
	 * {1} 30/60, {2, 3} 20/40 (bin 2 alone holds 15 before); bins 4..9 are
	 * empty and add nothing: 3 bins.  Shares prev (0.8, 0.12, 0.08), now
	 * (0.6, 0.24, 0.16).
	 */
	base(&r);
	memset(r.dist.score_bins, 0, sizeof(r.dist.score_bins));
	memset(r.prev_dist.score_bins, 0, sizeof(r.prev_dist.score_bins));
	r.prev_dist.score_bins[0] = 200, r.dist.score_bins[0] = 150;
	r.prev_dist.score_bins[1] = 30, r.dist.score_bins[1] = 60;
	r.prev_dist.score_bins[2] = 15, r.dist.score_bins[2] = 30;
	r.prev_dist.score_bins[3] = 5, r.dist.score_bins[3] = 10;
	judge(&r);
	ck_assert_uint_eq(r.checks[FG_DRIFT_USER_SCORE_PSI].bins, 3);
	d = 1 + 3e-4;
	psi = 0;
	{
		const double e[3] = { 0.8, 0.12, 0.08 }, n[3] = { 0.6, 0.24, 0.16 };
		for (int i = 0; i < 3; i++) {
			a = (n[i] + 1e-4) / d;
			b = (e[i] + 1e-4) / d;
			psi += (a - b) * log(a / b);
		}
	}
	/* by hand: (-0.2) ln(0.6/0.8) + 0.12 ln 2 + 0.08 ln 2 = 0.0575 + 0.1386 ~ 0.196 */
	ck_assert(fabs(psi - 0.196) < 2e-3);
	ck_assert(fabs(r.checks[FG_DRIFT_USER_SCORE_PSI].value - psi) < 1e-12);
	ck_assert(!r.checks[FG_DRIFT_USER_SCORE_PSI].alert); /* 0.196 <= 0.25 */
	/* 199 users on one side: not judged */
	r.dist.score_bins[3] = 9;
	r.dist.score_bins[0] = 100;
	judge(&r);
	ck_assert(!r.checks[FG_DRIFT_USER_SCORE_PSI].judged);
}
END_TEST

START_TEST(feature_psi_deciles)
{
	double prev[400], cur[400], psi, want;
	size_t bins;

	/*
	 * prev: 0..399 once each; its deciles (values at 40, 80, ..., 360) are the
	 * edges, so each of the 10 bins (<= 40, 41..80, ..., > 360) holds 41, 40,
	 * ..., 39 values: all >= 20, nothing merged.  cur = prev: PSI 0.
	 */
	for (int i = 0; i < 400; i++)
		prev[i] = cur[i] = i;
	psi = fg_report_feature_psi(&bins, cur, 400, prev, 400, &fg_drift_limits_default);
	ck_assert_uint_eq(bins, 10); /* 10 value bins; the NULL bin is empty on both sides and adds none */
	ck_assert(fabs(psi) < 1e-12);
	/*
	 * A degree-like feature: prev 300 zeros and 100 ones -> deciles all 0 or
	 * 1: edges {0, 1}; bins <= 0, (0, 1], > 1, NULL.  cur: 100 zeros, 100
	 * ones, 200 NULL (a column the export lost).  Bins prev {300, 100, 0, 0},
	 * cur {100, 100, 0, 200}; merged to >= 20 both sides: {300,100},{100,300}
	 * ... the third group (0/0) and the NULL bin (0/200) reach 20 on the cur
	 * side only, so they join the bin before: prev {300, 100}, cur {100, 300}.
	 * PSI = 2 (0.5/d) ln((0.75+eps)/(0.25+eps)), d = 1 + 2 eps.
	 */
	for (int i = 0; i < 400; i++) {
		prev[i] = i < 300 ? 0 : 1;
		cur[i] = i < 100 ? 0 : i < 200 ? 1 : NAN;
	}
	psi = fg_report_feature_psi(&bins, cur, 400, prev, 400, &fg_drift_limits_default);
	ck_assert_uint_eq(bins, 2);
	want = 2 * (0.5 / (1 + 2e-4)) * log((0.75 + 1e-4) / (0.25 + 1e-4));
	ck_assert(fabs(psi - want) < 1e-12);
	ck_assert(fabs(want - 1.0986) < 1e-3); /* ln 3 */
	/* fewer than 200 users on a side: not judged */
	psi = fg_report_feature_psi(&bins, cur, 199, prev, 400, &fg_drift_limits_default);
	ck_assert(isnan(psi));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, quiet_night_is_no_change);
	tcase_add_test(tc, volume_limits);
	tcase_add_test(tc, dissolved_and_seeds_lost);
	tcase_add_test(tc, hub_share);
	tcase_add_test(tc, psi_over_merged_bins);
	tcase_add_test(tc, feature_psi_deciles);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
