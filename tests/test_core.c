/* src/ and graph/ basics: errors, quoting, configuration, time parsing, CSR. */
#include "fg_test.h"

#include "fg_config.h"
#include "fg_csr.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_igraph.h"
#include "fg_sbuf.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#include <stdlib.h>
#include <string.h>

START_TEST(error_codes_map_to_exit_codes)
{
	ck_assert_int_eq(fg_error_exit_code(FG_OK), 0);
	ck_assert_int_eq(fg_error_exit_code(FG_EIO), 1);
	ck_assert_int_eq(fg_error_exit_code(FG_EUSAGE), 2);
	ck_assert_int_eq(fg_error_exit_code(FG_EDATA), 3);
	ck_assert_int_eq(fg_error_exit_code(FG_ENOTFOUND), 4);
	ck_assert_int_eq(fg_error_exit_code(FG_EDRIFT), 5);
	ck_assert_int_eq(fg_error_exit_code(FG_EBUSY), 6);
	ck_assert_int_eq(fg_error_set(FG_EDATA, "f.csv:%d: bad", 7), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(), "f.csv:7: bad");
	ck_assert_int_eq(fg_error_code(), FG_EDATA);
	fg_error_clear();
	ck_assert_str_eq(fg_error_msg(), "");
}
END_TEST

START_TEST(quote_escapes_and_truncates)
{
	char buf[32];

	ck_assert_str_eq(fg_error_quote(buf, sizeof(buf), "abc", 3), "abc");
	ck_assert_str_eq(fg_error_quote(buf, sizeof(buf), "a\0b", 3), "a\\x00b");
	ck_assert_str_eq(fg_error_quote(buf, sizeof(buf), "\xff", 1), "\\xff");
	ck_assert_str_eq(fg_error_quote(buf, sizeof(buf), "caf\xc3\xa9", 5), "caf\xc3\xa9");
	fg_error_quote(buf, sizeof(buf), "0123456789012345678901234567890123456789", 40);
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "..."));
}
END_TEST

START_TEST(parse_time_formats)
{
	int64_t t;

	ck_assert_int_eq(fg_parse_time(&t, "1700000000", 10), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "1970-01-02", 10), 0);
	ck_assert_int_eq(t, 86400);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T22:13:20Z", 20), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14 23:13:20+01:00", 25), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T22:13:20.123Z", 24), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "yesterday", 9), -1);
	ck_assert_int_eq(fg_parse_time(&t, "2023-13-01", 10), -1);
	ck_assert_int_eq(fg_parse_time(&t, "", 0), -1);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T22:13", 16), 0); /* no seconds */
	ck_assert_int_eq(t, 1700000000 - 20);
	/* calendar dates only: not shifted into March or the next minute */
	ck_assert_int_eq(fg_parse_time(&t, "2024-02-30", 10), -1);
	ck_assert_int_eq(fg_parse_time(&t, "2023-02-29", 10), -1);
	ck_assert_int_eq(fg_parse_time(&t, "2024-02-29", 10), 0);
	ck_assert_int_eq(fg_parse_time(&t, "2024-04-31T00:00:00Z", 20), -1);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T00:00:60Z", 20), -1);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T24:00:00Z", 20), -1);
	/* what exporters print: PostgreSQL "+00", strftime %z "+0100", "-05" */
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14 22:13:20+00", 22), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T23:13:20+0100", 24), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14 17:13:20-05", 22), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14 22:13+00:00", 22), 0);
	ck_assert_int_eq(t, 1700000000 - 20);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T22:13:20+1", 21), -1);
	ck_assert_int_eq(fg_parse_time(&t, "2023-11-14T22:13:20+01:0", 24), -1);
	/* epoch milliseconds: integers of absolute value from 1e11 */
	ck_assert_int_eq(fg_parse_time(&t, "1700000000123", 13), 0);
	ck_assert_int_eq(t, 1700000000);
	ck_assert_int_eq(fg_parse_time(&t, "99999999999", 11), 0);
	ck_assert_int_eq(t, 99999999999LL);
	ck_assert_int_eq(fg_parse_time(&t, "100000000000", 12), 0);
	ck_assert_int_eq(t, 100000000);
	ck_assert_int_eq(fg_parse_time(&t, "-100000000001", 13), 0);
	ck_assert_int_eq(t, -100000001);
	ck_assert_int_eq(fg_time_from_int(1700000000999LL), 1700000000);
}
END_TEST

START_TEST(config_defaults_and_overrides)
{
	fg_config cfg;
	char *json = NULL;

	fg_config_init(&cfg);
	ck_assert_double_eq(fg_config_kind_weight(&cfg, "card"), 3.0);
	ck_assert_uint_eq(fg_config_kind_max_share(&cfg, "card"), 20);
	ck_assert_double_eq(fg_config_kind_weight(&cfg, "loyalty"), cfg.default_weight);
	ck_assert(fg_config_is_relation(&cfg, "transfer"));
	ck_assert(!fg_config_is_relation(&cfg, "device"));
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "device=7"), FG_OK);
	ck_assert_uint_eq(fg_config_kind_max_share(&cfg, "device"), 7);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "loyalty=3"), FG_OK);
	ck_assert_uint_eq(fg_config_kind_max_share(&cfg, "loyalty"), 3);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "device=0"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "device"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_weight(&cfg, "ip=-1"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_relations(&cfg, "gift, sale"), FG_OK);
	ck_assert(fg_config_is_relation(&cfg, "gift"));
	ck_assert(!fg_config_is_relation(&cfg, "transfer"));
	ck_assert_int_eq(fg_config_to_json(&json, &cfg), FG_OK);
	ck_assert_ptr_nonnull(strstr(json, "\"device\":{\"weight\":2,\"max_share\":7}"));
	free(json);
}
END_TEST

START_TEST(csr_symmetric_dedup)
{
	/* edges 0-1, 1-0 (dup), 1-2, 2-2 (loop), 3 isolated */
	uint32_t src[] = { 0, 1, 1, 2 }, dst[] = { 1, 0, 2, 2 };
	fg_csr g;

	ck_assert_int_eq(fg_csr_from_arcs(&g, 4, 4, src, dst, true, true, true), FG_OK);
	ck_assert_uint_eq(g.n, 4);
	ck_assert_uint_eq(g.m, 4);
	ck_assert_uint_eq(fg_csr_degree(&g, 0), 1);
	ck_assert_uint_eq(fg_csr_degree(&g, 1), 2);
	ck_assert_uint_eq(g.adj[g.off[1]], 0);
	ck_assert_uint_eq(g.adj[g.off[1] + 1], 2);
	ck_assert_uint_eq(fg_csr_degree(&g, 3), 0);
	fg_csr_free(&g);
	ck_assert_ptr_null(g.off);
}
END_TEST

START_TEST(csr_rejects_out_of_range_and_transposes)
{
	uint32_t src[] = { 0, 5 }, dst[] = { 1, 0 };
	uint32_t s2[] = { 0, 0, 2 }, d2[] = { 1, 2, 1 };
	fg_csr g, t;

	ck_assert_int_eq(fg_csr_from_arcs(&g, 3, 2, src, dst, false, false, false), FG_EUSAGE);
	ck_assert_int_eq(fg_csr_from_arcs(&g, 3, 3, s2, d2, false, false, false), FG_OK);
	ck_assert_int_eq(fg_csr_transpose(&t, &g), FG_OK);
	ck_assert_uint_eq(fg_csr_degree(&t, 1), 2);
	ck_assert_uint_eq(t.adj[t.off[1]], 0);
	ck_assert_uint_eq(t.adj[t.off[1] + 1], 2);
	ck_assert_uint_eq(fg_csr_degree(&t, 0), 0);
	fg_csr_free(&g);
	fg_csr_free(&t);
}
END_TEST

/* Sorted arcs (the graph builder's case) take the fast path; shuffled ones the general path. */
START_TEST(csr_fast_path_equals_general_path)
{
	enum { N = 500, M = 4000 };
	uint32_t *s1 = malloc(M * sizeof(uint32_t)), *d1 = malloc(M * sizeof(uint32_t));
	uint32_t *s2 = malloc(M * sizeof(uint32_t)), *d2 = malloc(M * sizeof(uint32_t));
	uint64_t x = 42;
	uint32_t k = 0;
	fg_csr a, b;

	/* sorted (src, dst) with src < dst, some duplicates and loops */
	for (uint32_t u = 0; u < N && k < M; u++) {
		uint32_t deg = (uint32_t)(x % 9), last = u;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		for (uint32_t j = 0; j < deg && k < M; j++) {
			uint32_t step = (uint32_t)(x >> 60);
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			if (last + step >= N)
				break;
			last += step; /* step 0 repeats the last target: a loop first, then duplicates */
			s1[k] = u;
			d1[k] = last;
			k++;
		}
	}
	memcpy(s2, s1, k * sizeof(uint32_t));
	memcpy(d2, d1, k * sizeof(uint32_t));
	for (uint32_t i = k; i > 1; i--) {
		uint32_t j = (uint32_t)(x % i), t;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t = s2[i - 1]; s2[i - 1] = s2[j]; s2[j] = t;
		t = d2[i - 1]; d2[i - 1] = d2[j]; d2[j] = t;
	}
	ck_assert_int_eq(fg_csr_from_arcs(&a, N, k, s1, d1, true, true, true), FG_OK);
	ck_assert_int_eq(fg_csr_from_arcs(&b, N, k, s2, d2, true, true, true), FG_OK);
	ck_assert_uint_eq(a.m, b.m);
	ck_assert_int_eq(memcmp(a.off, b.off, (N + 1) * sizeof(uint64_t)), 0);
	ck_assert_int_eq(memcmp(a.adj, b.adj, a.m * sizeof(uint32_t)), 0);
	for (uint32_t v = 0; v < N; v++)
		for (uint64_t e = a.off[v] + 1; e < a.off[v + 1]; e++)
			ck_assert_uint_lt(a.adj[e - 1], a.adj[e]);
	fg_csr_free(&a);
	fg_csr_free(&b);
	free(s1); free(d1); free(s2); free(d2);
}
END_TEST

START_TEST(igraph_bridge_outside_parallel_works)
{
	uint32_t src[] = { 0, 1 }, dst[] = { 1, 2 };
	fg_csr g;
	igraph_t ig;
	igraph_integer_t nc;

	fg_igraph_init();
	ck_assert_int_eq(fg_csr_from_arcs(&g, 4, 2, src, dst, true, true, true), FG_OK);
	ck_assert_int_eq(fg_igraph_from_csr(&ig, &g, false), FG_OK);
	ck_assert_int_eq(igraph_ecount(&ig), 2);
	ck_assert_int_eq(igraph_connected_components(&ig, NULL, NULL, &nc, IGRAPH_WEAK), IGRAPH_SUCCESS);
	ck_assert_int_eq(nc, 2);
	igraph_destroy(&ig);
	fg_csr_free(&g);
}
END_TEST

#if FG_HAVE_OPENMP && !defined(NDEBUG)
/* igraph 0.10.2 from Debian is not thread-safe: the bridge refuses a parallel region. */
START_TEST(igraph_bridge_refuses_parallel_region)
{
	uint32_t src[] = { 0 }, dst[] = { 1 };
	fg_csr g;

	ck_assert_int_eq(fg_csr_from_arcs(&g, 2, 1, src, dst, true, true, true), FG_OK);
	#pragma omp parallel num_threads(2)
	{
		igraph_t ig;
		if (fg_igraph_from_csr(&ig, &g, false) == FG_OK)
			igraph_destroy(&ig);
	}
	fg_csr_free(&g);
}
END_TEST
#endif

/* fg_sbuf_real prints printf's bytes for every format it is given, long ones too. */
START_TEST(sbuf_real_matches_printf)
{
	static const char *const fmts[] = { "%.9g", "%.10g", "%.17g", "%.3f", "%e", "%.40f", "%a" };
	static const double fixed[] = { 0.0, -0.0, 1.0, -1.5, 1e20, 1e300, 5e-324, 0.1, 123456789.0,
	                                 2.5e-7, NAN, INFINITY, -INFINITY };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char want[512];
	fg_sbuf b = { 0 };

	for (int i = 0; i < 4000; i++) {
		double v;
		if (i < (int)(sizeof(fixed) / sizeof(fixed[0]))) {
			v = fixed[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* any bits: subnormals, NaNs, huge */
			memcpy(&v, &x, sizeof(v));
		}
		for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			if (isnan(v) && f == 6)
				continue; /* a NaN's payload sign prints either way in %a */
			b.len = 0;
			fg_sbuf_real(&b, fmts[f], v);
			ck_assert_int_eq(fg_sbuf_check(&b), FG_OK);
			snprintf(want, sizeof(want), fmts[f], v);
			ck_assert_uint_eq(b.len, strlen(want));
			ck_assert_mem_eq(b.s, want, b.len);
		}
	}
	b.len = 0;
	fg_sbuf_json_num(&b, NAN);
	fg_sbuf_puts(&b, ",");
	fg_sbuf_json_num(&b, -0.0);
	fg_sbuf_puts(&b, ",");
	fg_sbuf_json_num(&b, 0.25);
	ck_assert_str_eq(b.s, "null,0,0.25");
	fg_sbuf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, error_codes_map_to_exit_codes);
	tcase_add_test(tc, quote_escapes_and_truncates);
	tcase_add_test(tc, parse_time_formats);
	tcase_add_test(tc, sbuf_real_matches_printf);
	tcase_add_test(tc, config_defaults_and_overrides);
	tcase_add_test(tc, csr_symmetric_dedup);
	tcase_add_test(tc, csr_rejects_out_of_range_and_transposes);
	tcase_add_test(tc, csr_fast_path_equals_general_path);
	tcase_add_test(tc, igraph_bridge_outside_parallel_works);
#if FG_HAVE_OPENMP && !defined(NDEBUG)
	tcase_add_test_raise_signal(tc, igraph_bridge_refuses_parallel_region, SIGABRT);
#endif
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
