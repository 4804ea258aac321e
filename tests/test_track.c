/* Ring identity across nights: fg_track_rings on hand-made memberships. */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_track.h"

#include <stdlib.h>
#include <string.h>

typedef struct world {
	int32_t ring_index[64];
	uint32_t n_users, n_rings;
	fg_prev_ring prev[16];
	uint32_t n_prev;
	uint32_t pp[128], pu[128];
	uint64_t np;
} world;

static void w_init(world *w, uint32_t n_users)
{
	memset(w, 0, sizeof(*w));
	w->n_users = n_users;
	for (uint32_t u = 0; u < n_users; u++)
		w->ring_index[u] = -1;
}

/* Current ring k holds users [lo, hi). */
static void w_cur(world *w, uint32_t k, uint32_t lo, uint32_t hi)
{
	for (uint32_t u = lo; u < hi; u++)
		w->ring_index[u] = (int32_t)k;
	if (k + 1 > w->n_rings)
		w->n_rings = k + 1;
}

/* Previous ring with key holds users [lo, hi). */
static void w_prev(world *w, const char *key, int64_t first_run, uint32_t lo, uint32_t hi)
{
	fg_prev_ring *p = &w->prev[w->n_prev];

	strcpy(p->key, key);
	p->ring_id = lo;
	p->first_run_id = first_run;
	p->n_users = hi - lo;
	for (uint32_t u = lo; u < hi; u++) {
		w->pp[w->np] = w->n_prev;
		w->pu[w->np] = u;
		w->np++;
	}
	w->n_prev++;
}

static void track(fg_track_result *res, world *w, uint64_t next_key)
{
	ck_assert_int_eq(fg_track_rings(res, w->ring_index, w->n_users, w->n_rings, w->prev, w->n_prev,
	                                w->pp, w->pu, w->np, next_key, 9), FG_OK);
}

START_TEST(first_night_all_new)
{
	world w;
	fg_track_result res;

	w_init(&w, 10);
	w_cur(&w, 0, 0, 3);
	w_cur(&w, 1, 5, 9);
	track(&res, &w, 1);
	ck_assert_str_eq(res.rings[0].key, "R000001");
	ck_assert_str_eq(res.rings[1].key, "R000002");
	ck_assert_str_eq(fg_ring_status_name(res.rings[0].status), "new");
	ck_assert_int_eq(res.rings[0].first_run_id, 9);
	ck_assert_uint_eq(res.n_new, 2);
	ck_assert_uint_eq(res.n_dissolved, 0);
	fg_track_result_free(&res);
}
END_TEST

START_TEST(grown_keeps_key)
{
	world w;
	fg_track_result res;

	w_init(&w, 20);
	w_prev(&w, "R000007", 3, 0, 5);
	w_cur(&w, 0, 0, 8); /* the five plus three new members */
	track(&res, &w, 8);
	ck_assert_str_eq(res.rings[0].key, "R000007");
	ck_assert_str_eq(fg_ring_status_name(res.rings[0].status), "grown");
	ck_assert_int_eq(res.rings[0].first_run_id, 3);
	ck_assert_uint_eq(res.rings[0].n_prev, 0);
	ck_assert_uint_eq(res.n_grown, 1);
	fg_track_result_free(&res);
}
END_TEST

START_TEST(stable_and_shrunk)
{
	world w;
	fg_track_result res;

	w_init(&w, 20);
	w_prev(&w, "R000001", 1, 0, 4);
	w_prev(&w, "R000002", 2, 10, 16);
	w_cur(&w, 0, 0, 4);
	w_cur(&w, 1, 10, 14);
	track(&res, &w, 3);
	ck_assert_str_eq(fg_ring_status_name(res.rings[0].status), "stable");
	ck_assert_str_eq(res.rings[0].key, "R000001");
	ck_assert_str_eq(fg_ring_status_name(res.rings[1].status), "shrunk");
	ck_assert_str_eq(res.rings[1].key, "R000002");
	fg_track_result_free(&res);
}
END_TEST

START_TEST(merge_keeps_larger_overlap)
{
	world w;
	fg_track_result res;

	w_init(&w, 20);
	w_prev(&w, "R000004", 1, 0, 3);
	w_prev(&w, "R000005", 2, 3, 8);
	w_cur(&w, 0, 0, 8);
	track(&res, &w, 6);
	ck_assert_str_eq(fg_ring_status_name(res.rings[0].status), "merged");
	ck_assert_str_eq(res.rings[0].key, "R000005"); /* 5 members beat 3 */
	ck_assert_int_eq(res.rings[0].first_run_id, 2);
	ck_assert_uint_eq(res.rings[0].n_prev, 2);
	ck_assert_str_eq(w.prev[res.rings[0].prev[0]].key, "R000004");
	ck_assert_str_eq(w.prev[res.rings[0].prev[1]].key, "R000005");
	ck_assert_uint_eq(res.n_dissolved, 0);
	fg_track_result_free(&res);
}
END_TEST

START_TEST(split_keeps_key_on_larger_part)
{
	world w;
	fg_track_result res;

	w_init(&w, 20);
	w_prev(&w, "R000003", 1, 0, 10);
	w_cur(&w, 0, 0, 4);
	w_cur(&w, 1, 4, 10);
	track(&res, &w, 4);
	ck_assert_str_eq(res.rings[1].key, "R000003");
	ck_assert_str_eq(fg_ring_status_name(res.rings[1].status), "split");
	ck_assert_str_eq(res.rings[0].key, "R000004");
	ck_assert_str_eq(fg_ring_status_name(res.rings[0].status), "split");
	ck_assert_uint_eq(res.rings[0].n_prev, 1);
	ck_assert_str_eq(w.prev[res.rings[0].prev[0]].key, "R000003");
	ck_assert_int_eq(res.rings[0].first_run_id, 9);
	fg_track_result_free(&res);
}
END_TEST

START_TEST(dissolved_when_members_scatter)
{
	world w;
	fg_track_result res;

	w_init(&w, 20);
	w_prev(&w, "R000001", 1, 0, 6);
	w_prev(&w, "R000002", 1, 10, 13);
	w_cur(&w, 0, 10, 13);
	/* users 0..5 are in no ring tonight */
	track(&res, &w, 3);
	ck_assert_uint_eq(res.n_dissolved, 1);
	ck_assert_uint_eq(res.dissolved[0], 0);
	ck_assert_str_eq(res.rings[0].key, "R000002");
	fg_track_result_free(&res);
}
END_TEST

START_TEST(single_member_overlap_of_big_ring_is_not_continuation)
{
	world w;
	fg_track_result res;

	w_init(&w, 30);
	w_prev(&w, "R000001", 1, 0, 10);
	w_cur(&w, 0, 9, 15); /* only user 9 was in R000001: 1 of 10 */
	track(&res, &w, 2);
	ck_assert_str_eq(fg_ring_status_name(res.rings[0].status), "new");
	ck_assert_str_eq(res.rings[0].key, "R000002");
	ck_assert_uint_eq(res.n_dissolved, 1);
	fg_track_result_free(&res);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("track");
	TCase *tc = tcase_create("track");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, first_night_all_new);
	tcase_add_test(tc, grown_keeps_key);
	tcase_add_test(tc, stable_and_shrunk);
	tcase_add_test(tc, merge_keeps_larger_overlap);
	tcase_add_test(tc, split_keeps_key_on_larger_part);
	tcase_add_test(tc, dissolved_when_members_scatter);
	tcase_add_test(tc, single_member_overlap_of_big_ring_is_not_continuation);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
