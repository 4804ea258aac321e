/*
 * fg_metrics on hand-computed values: every expected number below is worked
 * out in the comment next to it, not by calling the code under test.
 */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_metrics.h"

#include <math.h>
#include <stdlib.h>

#define NEAR(x, want) ck_assert_msg(fabs((x) - (want)) < 1e-12, "%s = %.15g, want %.15g", #x, (double)(x), (double)(want))

/*
 * The six-user ranking of tests/data/tools/eval.sql: a+ .9, b .8, c+ .7,
 * d .7, e+ .4, f .1 (P = 3, N = 3).
 */
static const double six_score[6] = { 0.9, 0.8, 0.7, 0.7, 0.4, 0.1 };
static const uint8_t six_pos[6] = { 1, 0, 1, 0, 1, 0 };

START_TEST(precision_recall_at_k)
{
	NEAR(fg_metrics_precision_at(six_pos, 6, 1), 1.0);
	NEAR(fg_metrics_precision_at(six_pos, 6, 2), 0.5);       /* a+ b */
	NEAR(fg_metrics_precision_at(six_pos, 6, 3), 2.0 / 3);   /* a+ b c+ */
	NEAR(fg_metrics_precision_at(six_pos, 6, 100), 0.5);     /* capped at 6: 3/6 */
	NEAR(fg_metrics_recall_at(six_pos, 6, 2), 1.0 / 3);
	NEAR(fg_metrics_recall_at(six_pos, 6, 5), 1.0);
	NEAR(fg_metrics_recall_at(six_pos, 6, 0), 0.0);
	ck_assert(isnan(fg_metrics_precision_at(six_pos, 6, 0)));
	ck_assert(isnan(fg_metrics_precision_at(NULL, 0, 5)));   /* empty ranking */
	{
		static const uint8_t none[3] = { 0, 0, 0 };
		ck_assert(isnan(fg_metrics_recall_at(none, 3, 2)));  /* no positive */
		NEAR(fg_metrics_precision_at(none, 3, 2), 0.0);
	}
}
END_TEST

START_TEST(average_precision)
{
	/* positives at ranks 1, 3, 5: (1/1 + 2/3 + 3/5) / 3 = 34/45 */
	NEAR(fg_metrics_average_precision(six_pos, 6), 34.0 / 45);
	{
		static const uint8_t one_last[4] = { 0, 0, 0, 1 }; /* 1/4 */
		static const uint8_t none[2] = { 0, 0 };
		NEAR(fg_metrics_average_precision(one_last, 4), 0.25);
		ck_assert(isnan(fg_metrics_average_precision(none, 2)));
		ck_assert(isnan(fg_metrics_average_precision(NULL, 0)));
	}
}
END_TEST

START_TEST(average_ranks_with_ties)
{
	double r[6];
	static const double s[4] = { 3, 2, 2, 1 };

	/* ascending ranks f 1, e 2, c d (3+4)/2, b 5, a 6 */
	fg_metrics_avg_ranks(r, six_score, 6);
	NEAR(r[0], 6);
	NEAR(r[1], 5);
	NEAR(r[2], 3.5);
	NEAR(r[3], 3.5);
	NEAR(r[4], 2);
	NEAR(r[5], 1);
	fg_metrics_avg_ranks(r, s, 4);
	NEAR(r[0], 4);
	NEAR(r[1], 2.5);
	NEAR(r[2], 2.5);
	NEAR(r[3], 1);
}
END_TEST

START_TEST(roc_auc_with_ties)
{
	/* positive ranks 6 + 3.5 + 2 = 11.5; (11.5 - 3*4/2) / (3*3) = 5.5/9 */
	NEAR(fg_metrics_roc_auc(six_score, six_pos, 6), 5.5 / 9);
	{
		/* the tie c/d in the other order: same AUC (a tie counts one half) */
		static const uint8_t swapped[6] = { 1, 0, 0, 1, 1, 0 };
		NEAR(fg_metrics_roc_auc(six_score, swapped, 6), 5.5 / 9);
	}
	{
		/* everything tied: every pair is a tie -> 1/2 */
		static const double flat[4] = { 0.5, 0.5, 0.5, 0.5 };
		static const uint8_t p[4] = { 1, 0, 1, 0 };
		NEAR(fg_metrics_roc_auc(flat, p, 4), 0.5);
	}
	{
		static const double s[4] = { 4, 3, 2, 1 };
		static const uint8_t best[4] = { 1, 1, 0, 0 }, worst[4] = { 0, 0, 1, 1 };
		static const uint8_t all[4] = { 1, 1, 1, 1 }, none[4] = { 0, 0, 0, 0 };
		NEAR(fg_metrics_roc_auc(s, best, 4), 1.0);
		NEAR(fg_metrics_roc_auc(s, worst, 4), 0.0);
		ck_assert(isnan(fg_metrics_roc_auc(s, all, 4)));
		ck_assert(isnan(fg_metrics_roc_auc(s, none, 4)));
		ck_assert(isnan(fg_metrics_roc_auc(NULL, NULL, 0)));
		/* one positive between two negatives: beats 1 of 2 */
		static const uint8_t mid[3] = { 0, 1, 0 };
		NEAR(fg_metrics_roc_auc(s, mid, 3), 0.5);
	}
	{
		/* -inf (a user without score) ranks last like any other value */
		static const double s[3] = { 1, -INFINITY, -INFINITY };
		static const uint8_t p[3] = { 0, 1, 0 };
		/* ranks: 3, 1.5, 1.5; (1.5 - 1) / (1 * 2) = 0.25 */
		NEAR(fg_metrics_roc_auc(s, p, 3), 0.25);
	}
}
END_TEST

#define NO FG_METRICS_NO_RING

START_TEST(ring_recovery_best_jaccard)
{
	fg_metrics_rings r;
	/*
	 * eval.sql: users a..f, plus g (truth only, not in the run).
	 * True rings T1 {a, c}, T2 {e, g}; found rings 1 {a, b, c}, 2 {e, f}.
	 * J(T1, 1) = 2/3; J(T2, 2) = 1 / (2 + 2 - 1) = 1/3.  Mean 1/2, one > 0.5.
	 */
	static const int64_t t[7] = { 1, NO, 1, NO, 2, NO, 2 };
	static const int64_t f[7] = { 1, 1, 1, NO, 2, 2, NO };

	ck_assert_int_eq(fg_metrics_ring_recovery(&r, t, f, 7, 0.5), FG_OK);
	ck_assert_uint_eq(r.n_true, 2);
	ck_assert_uint_eq(r.n_recovered, 1);
	NEAR(r.mean_best, 0.5);
}
END_TEST

START_TEST(ring_recovery_split_and_missed)
{
	fg_metrics_rings r;
	/*
	 * T7 {0,1,2,3} split over found A {0,1} and B {2,3,4}: J(A) = 2/4, J(B) =
	 * 2/(4+3-2) = 0.4 -> best 0.5, not > 0.5.  T9 {5,6}: no member in a
	 * found ring -> 0.  Mean (0.5 + 0) / 2.
	 */
	static const int64_t t[7] = { 7, 7, 7, 7, NO, 9, 9 };
	static const int64_t f[7] = { 100, 100, -5, -5, -5, NO, NO };

	ck_assert_int_eq(fg_metrics_ring_recovery(&r, t, f, 7, 0.5), FG_OK);
	ck_assert_uint_eq(r.n_true, 2);
	ck_assert_uint_eq(r.n_recovered, 0);
	NEAR(r.mean_best, 0.25);
	/* a lower threshold counts T7 */
	ck_assert_int_eq(fg_metrics_ring_recovery(&r, t, f, 7, 0.45), FG_OK);
	ck_assert_uint_eq(r.n_recovered, 1);
	/* empty universe: no true ring, mean undefined */
	ck_assert_int_eq(fg_metrics_ring_recovery(&r, NULL, NULL, 0, 0.5), FG_OK);
	ck_assert_uint_eq(r.n_true, 0);
	ck_assert(isnan(r.mean_best));
}
END_TEST

START_TEST(psi_hand_computed)
{
	/*
	 * cur {1, 2}, prev {2, 1}, B = 2, eps = 1e-4, d = 1 + 2 eps:
	 * a = ((1/3 + eps)/d, (2/3 + eps)/d), e = ((2/3 + eps)/d, (1/3 + eps)/d);
	 * PSI = 2 (a1 - e1) ln(a1/e1) with a1 - e1 = (1/3)/d,
	 * ln(a1/e1) = ln((2/3 + eps)/(1/3 + eps)) -> (2/(3d)) ln(0.6667667/0.3334333).
	 * Without smoothing it would be (2/3) ln 2 = 0.46210.
	 */
	double cur[2] = { 1, 2 }, prev[2] = { 2, 1 };
	double d = 1 + 2e-4, want = 2.0 / (3.0 * d) * log((2.0 / 3 + 1e-4) / (1.0 / 3 + 1e-4));

	NEAR(fg_metrics_psi(cur, prev, 2), want);
	ck_assert(fabs(want - 0.4619) < 1e-4);
	NEAR(fg_metrics_psi(prev, cur, 2), want); /* symmetric */
	{
		/* equal shares at different volumes: 0 */
		double a[3] = { 10, 20, 30 }, b[3] = { 1, 2, 3 };
		NEAR(fg_metrics_psi(a, b, 3), 0.0);
	}
	{
		/*
		 * an empty bin on one side is finite: cur {10, 0, 0}, prev {5, 5, 0},
		 * d = 1.0003: (0.5/d) ln((1+eps)/(0.5+eps)) + (0.5/d) ln((0.5+eps)/eps)
		 * (the third bin is eps/d on both sides: 0).
		 */
		double a[3] = { 10, 0, 0 }, b[3] = { 5, 5, 0 }, dd = 1 + 3e-4;
		double w = 0.5 / dd * log((1 + 1e-4) / (0.5 + 1e-4)) + 0.5 / dd * log((0.5 + 1e-4) / 1e-4);
		NEAR(fg_metrics_psi(a, b, 3), w);
		ck_assert(fabs(w - 4.6038) < 1e-3);
	}
	{
		double a[2] = { 0, 0 }, b[2] = { 1, 1 };
		ck_assert(isnan(fg_metrics_psi(a, b, 2))); /* empty current */
		ck_assert(isnan(fg_metrics_psi(b, a, 2))); /* empty previous */
		ck_assert(isnan(fg_metrics_psi(a, b, 0)));
	}
}
END_TEST

START_TEST(psi_merge_bins)
{
	/*
	 * min 5: {5,2} short (prev 2); + {0,4} -> {5,6} emitted; {3,6} short
	 * (cur 3); + {10,1} -> {13,7} emitted; {1,9} short at the end -> joins
	 * the last: {14,16}.  Result cur {5, 14}, prev {6, 16}.
	 */
	double cur[5] = { 5, 0, 3, 10, 1 }, prev[5] = { 2, 4, 6, 1, 9 };
	size_t n = fg_metrics_psi_merge(cur, prev, 5, 5);

	ck_assert_uint_eq(n, 2);
	NEAR(cur[0], 5);
	NEAR(prev[0], 6);
	NEAR(cur[1], 14);
	NEAR(prev[1], 16);
	{
		/* too little mass anywhere: one bin, PSI 0 */
		double a[2] = { 1, 1 }, b[2] = { 1, 0 };
		ck_assert_uint_eq(fg_metrics_psi_merge(a, b, 2, 5), 1);
		NEAR(a[0], 2);
		NEAR(b[0], 1);
		NEAR(fg_metrics_psi(a, b, 1), 0.0);
	}
	{
		/* exactly the minimum: nothing merged */
		double a[2] = { 5, 5 }, b[2] = { 5, 5 };
		ck_assert_uint_eq(fg_metrics_psi_merge(a, b, 2, 5), 2);
		ck_assert_uint_eq(fg_metrics_psi_merge(a, b, 0, 5), 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, precision_recall_at_k);
	tcase_add_test(tc, average_precision);
	tcase_add_test(tc, average_ranks_with_ties);
	tcase_add_test(tc, roc_auc_with_ties);
	tcase_add_test(tc, ring_recovery_best_jaccard);
	tcase_add_test(tc, ring_recovery_split_and_missed);
	tcase_add_test(tc, psi_hand_computed);
	tcase_add_test(tc, psi_merge_bins);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
