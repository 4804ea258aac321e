/*
 * LDBC Graphalytics conformance: every reference graph in
 * tests/data/graphalytics with its expected WCC, CDLP, PR and BFS output,
 * through the library (reader + kernel) and through the real binary; plus
 * the reader's and the command's error paths.
 */
#include "fg_test.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_bfs.h"
#include "fg_cc.h"
#include "fg_cdlp.h"
#include "fg_csr.h"
#include "fg_error.h"
#include "fg_graphalytics.h"
#include "fg_pagerank.h"

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *data_dir(void)
{
	return fgt_path(fgt_source_root(), "tests/data/graphalytics");
}

/* Expected or actual output: values by dense id, every vertex exactly once. */
struct table {
	double *val;
	int *seen;
};

/* Parse `vertex value` lines into t (indexed by dense id of g). */
static void parse_table(struct table *t, const fg_ga_graph *g, const char *text, const char *what)
{
	const char *p = text;
	uint32_t lines = 0;

	t->val = calloc(g->nv + 1, sizeof(double));
	t->seen = calloc(g->nv + 1, sizeof(int));
	ck_assert(t->val && t->seen);
	while (*p) {
		char *end;
		unsigned long long id = strtoull(p, &end, 10);
		ck_assert_msg(end != p, "%s: bad line near '%.20s'", what, p);
		p = end;
		double v = strtod(p, &end);
		ck_assert_msg(end != p, "%s: no value for %llu", what, id);
		p = end;
		while (*p == '\n' || *p == '\r' || *p == ' ')
			p++;
		int64_t d = fg_graphalytics_dense(g, id);
		ck_assert_msg(d >= 0, "%s: unknown vertex %llu", what, id);
		ck_assert_msg(!t->seen[d], "%s: vertex %llu twice", what, id);
		t->seen[d] = 1;
		t->val[d] = v;
		lines++;
	}
	ck_assert_msg(lines == g->nv, "%s: %u lines for %u vertices", what, lines, g->nv);
}

static void free_table(struct table *t)
{
	free(t->val);
	free(t->seen);
}

/*
 * Compare got with want: WCC by partition (a bijection between labels),
 * PR within 1e-4 relative, the others exactly.
 */
static void compare(const char *algo, const fg_ga_graph *g, const struct table *got,
                    const struct table *want, const char *what)
{
	for (uint32_t v = 0; v < g->nv; v++) {
		if (!strcmp(algo, "PR")) {
			double w = want->val[v], x = got->val[v];
			ck_assert_msg(fabs(x - w) <= 1e-4 * fabs(w), "%s: vertex %" PRIu64 ": %.17g, want %.17g",
			              what, g->ids[v], x, w);
		} else if (!strcmp(algo, "WCC")) {
			for (uint32_t u = 0; u < v; u++) {
				bool sg = got->val[u] == got->val[v], sw = want->val[u] == want->val[v];
				ck_assert_msg(sg == sw, "%s: vertices %" PRIu64 " and %" PRIu64
				              " %s the same component", what, g->ids[u], g->ids[v],
				              sw ? "should be in" : "should not be in");
			}
		} else {
			ck_assert_msg(got->val[v] == want->val[v], "%s: vertex %" PRIu64 ": %.17g, want %.17g",
			              what, g->ids[v], got->val[v], want->val[v]);
		}
	}
}

/* Run algo on g through the library; values by dense id (as the command computes them). */
static void run_library(struct table *t, const fg_ga_graph *g, const char *algo)
{
	fg_csr out = { 0 }, in = { 0 };
	uint32_t n = g->nv;
	int64_t it, src;
	double damp;

	ck_assert_int_eq(fg_csr_from_arcs(&out, n, g->ne, g->src, g->dst, !g->directed, false, false), 0);
	ck_assert_int_eq(fg_csr_transpose(&in, &out), 0);
	t->val = calloc(n + 1, sizeof(double));
	t->seen = NULL;
	ck_assert(t->val);
	if (!strcmp(algo, "WCC")) {
		uint32_t *c = fg_mallocarray(n + 1, sizeof(*c));
		ck_assert_int_eq(fg_cc(c, &out), 0);
		for (uint32_t v = 0; v < n; v++)
			t->val[v] = (double)g->ids[c[v]];
		fg_free(c);
	} else if (!strcmp(algo, "CDLP")) {
		uint64_t *lab = fg_mallocarray(n + 1, sizeof(*lab));
		ck_assert_int_eq(fg_graphalytics_prop_i64(&it, g, "cdlp.max-iterations"), 0);
		ck_assert_int_eq(fg_cdlp(lab, &out, g->directed ? &in : NULL, g->ids, (int)it), 0);
		for (uint32_t v = 0; v < n; v++)
			t->val[v] = (double)lab[v];
		fg_free(lab);
	} else if (!strcmp(algo, "PR")) {
		ck_assert_int_eq(fg_graphalytics_prop_i64(&it, g, "pr.num-iterations"), 0);
		ck_assert_int_eq(fg_graphalytics_prop_double(&damp, g, "pr.damping-factor"), 0);
		ck_assert_int_eq(fg_pagerank(t->val, &out, &in, damp, (int)it), 0);
	} else {
		uint32_t *dep = fg_mallocarray(n + 1, sizeof(*dep));
		ck_assert_int_eq(fg_graphalytics_prop_i64(&src, g, "bfs.source-vertex"), 0);
		int64_t s = fg_graphalytics_dense(g, (uint64_t)src);
		ck_assert_int_ge(s, 0);
		ck_assert_int_eq(fg_bfs(dep, &out, (uint32_t)s), 0);
		for (uint32_t v = 0; v < n; v++)
			t->val[v] = dep[v] == FG_BFS_UNREACHED ? 9223372036854775807.0 : dep[v];
		fg_free(dep);
	}
	fg_csr_free(&out);
	fg_csr_free(&in);
}

static int is_algo(const char *s)
{
	return !strcmp(s, "WCC") || !strcmp(s, "CDLP") || !strcmp(s, "PR") || !strcmp(s, "BFS");
}

START_TEST(every_case_through_the_library)
{
	char *dir = data_dir();
	DIR *d = opendir(dir);
	struct dirent *e;
	int cases = 0, per[4] = { 0 };

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char name[256], *dash, *prefix, *expfile, *text;
		fg_ga_graph g;
		struct table want, got;
		snprintf(name, sizeof(name), "%s", e->d_name);
		dash = strrchr(name, '-');
		if (!dash || strchr(dash, '.') || !is_algo(dash + 1))
			continue;
		*dash = '\0';
		prefix = fgt_path(dir, name);
		expfile = fgt_path(dir, e->d_name);
		ck_assert_msg(fg_graphalytics_read(&g, prefix) == 0, "%s: %s", name, fg_error_msg());
		text = fgt_read_file(expfile, NULL);
		ck_assert_ptr_nonnull(text);
		parse_table(&want, &g, text, e->d_name);
		run_library(&got, &g, dash + 1);
		compare(dash + 1, &g, &got, &want, e->d_name);
		per[!strcmp(dash + 1, "WCC") ? 0 : !strcmp(dash + 1, "CDLP") ? 1 :
		    !strcmp(dash + 1, "PR") ? 2 : 3]++;
		cases++;
		free(text);
		free_table(&want);
		free_table(&got);
		fg_graphalytics_free(&g);
		free(prefix);
		free(expfile);
	}
	closedir(d);
	free(dir);
	ck_assert_int_eq(cases, 16);
	for (int k = 0; k < 4; k++)
		ck_assert_int_eq(per[k], 4);
}
END_TEST

/* Through the real binary: one directed and one undirected graph per algorithm. */
START_TEST(cases_through_the_binary)
{
	static const char *const cases[][3] = {
		{ "example-directed", "wcc", "WCC" },   { "test-wcc-undirected", "wcc", "WCC" },
		{ "example-directed", "cdlp", "CDLP" }, { "test-cdlp-undirected", "cdlp", "CDLP" },
		{ "test-pr-directed", "pr", "PR" },     { "example-undirected", "pr", "PR" },
		{ "test-bfs-directed", "bfs", "BFS" },  { "example-undirected", "bfs", "BFS" },
	};
	char *dir = data_dir(), *tmp = fgt_tmpdir();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *prefix = fgt_path(dir, cases[i][0]), expname[128], *expfile, *text, *out, *err;
		char *outfile = fgt_path(tmp, "out.txt"), *filetext;
		fg_ga_graph g;
		struct table want, got;
		const char *args[] = { "graphalytics", "--algo", cases[i][1], "--graph", prefix, NULL };
		const char *args2[] = { "graphalytics", "--threads", "2", "--algo", cases[i][1], "--graph",
		                        prefix, "--out", outfile, NULL };
		int rc = fgt_run(&out, &err, NULL, NULL, args);

		ck_assert_msg(rc == 0, "%s %s: exit %d: %s", cases[i][0], cases[i][1], rc, err);
		snprintf(expname, sizeof(expname), "%s-%s", cases[i][0], cases[i][2]);
		expfile = fgt_path(dir, expname);
		text = fgt_read_file(expfile, NULL);
		ck_assert_ptr_nonnull(text);
		ck_assert_int_eq(fg_graphalytics_read(&g, prefix), 0);
		parse_table(&want, &g, text, expname);
		parse_table(&got, &g, out, "fraudgraph output");
		compare(cases[i][2], &g, &got, &want, expname);
		/* Lines come in the order of NAME.v. */
		ck_assert_uint_eq(strtoull(out, NULL, 10), g.ids[g.vdense[0]]);
		/* --out writes the same bytes as stdout. */
		ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, args2), 0);
		filetext = fgt_read_file(outfile, NULL);
		ck_assert_ptr_nonnull(filetext);
		ck_assert_str_eq(filetext, out);
		free_table(&want);
		free_table(&got);
		fg_graphalytics_free(&g);
		free(prefix);
		free(expfile);
		free(text);
		free(out);
		free(err);
		free(outfile);
		free(filetext);
	}
	fgt_rmtree(tmp);
	free(tmp);
	free(dir);
}
END_TEST

/* A graph dir with given file contents. */
static char *write_graph(const char *tmp, const char *props, const char *v, const char *e)
{
	char *p;

	if (props) {
		p = fgt_path(tmp, "g.properties");
		fgt_write_file(p, props, (size_t)-1);
		free(p);
	}
	if (v) {
		p = fgt_path(tmp, "g.v");
		fgt_write_file(p, v, (size_t)-1);
		free(p);
	}
	if (e) {
		p = fgt_path(tmp, "g.e");
		fgt_write_file(p, e, (size_t)-1);
		free(p);
	}
	return fgt_path(tmp, "g");
}

static const char good_props[] = "# c\ngraph.g.directed = false\ngraph.g.bfs.source-vertex = 30\n"
                                 "graph.g.cdlp.max-iterations=3\ngraph.g.pr.damping-factor : 0.85\n"
                                 "graph.g.pr.num-iterations = 10\n";

START_TEST(reader_maps_ids_and_rejects_bad_lines)
{
	char *tmp = fgt_tmpdir(), *prefix;
	fg_ga_graph g;
	int64_t x;
	double d;

	/* Dense ids follow ascending external ids; NAME.v order is kept in vdense. */
	prefix = write_graph(tmp, good_props, "30\n10\n\n20\n", "30 10\n10 20 0.5\n");
	ck_assert_int_eq(fg_graphalytics_read(&g, prefix), 0);
	ck_assert(!g.directed);
	ck_assert_uint_eq(g.nv, 3);
	ck_assert_uint_eq(g.ids[0], 10);
	ck_assert_uint_eq(g.ids[2], 30);
	ck_assert_uint_eq(g.vdense[0], 2);
	ck_assert_uint_eq(g.vdense[1], 0);
	ck_assert_uint_eq(g.ne, 2);
	ck_assert_uint_eq(g.src[0], 2);
	ck_assert_uint_eq(g.dst[0], 0);
	ck_assert_int_eq(fg_graphalytics_prop_i64(&x, &g, "cdlp.max-iterations"), 0);
	ck_assert_int_eq(x, 3);
	ck_assert_int_eq(fg_graphalytics_prop_double(&d, &g, "pr.damping-factor"), 0);
	ck_assert_double_eq(d, 0.85);
	ck_assert_int_eq(fg_graphalytics_prop_i64(&x, &g, "nope"), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "graph.g.nope"));
	fg_graphalytics_free(&g);
	free(prefix);

	/* Malformed vertex line: file:line and value. */
	prefix = write_graph(tmp, good_props, "1\n2x\n", "1 1\n");
	ck_assert_int_eq(fg_graphalytics_read(&g, prefix), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "g.v:2:"));
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "'2x'"));
	ck_assert_ptr_null(g.ids);
	free(prefix);

	/* Duplicate vertex. */
	prefix = write_graph(tmp, good_props, "1\n2\n1\n", "1 2\n");
	ck_assert_int_eq(fg_graphalytics_read(&g, prefix), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "g.v:3:"));
	free(prefix);

	/* Edge to an unknown vertex, bad id, too few and too many columns, bad weight. */
	static const char *const bad_e[][2] = {
		{ "1 2\n2 7\n", "g.e:2: column 2: vertex '7'" },
		{ "1 -2\n", "g.e:1: column 2: bad vertex id '-2'" },
		{ "1 2\n\n1\n", "g.e:3:" },
		{ "1 2 0.5 9\n", "g.e:1:" },
		{ "1 2 heavy\n", "g.e:1: column 3: bad weight 'heavy'" },
		{ "99999999999999999999 1\n", "g.e:1: column 1" },
	};
	for (size_t i = 0; i < sizeof(bad_e) / sizeof(bad_e[0]); i++) {
		prefix = write_graph(tmp, good_props, "1\n2\n", bad_e[i][0]);
		ck_assert_int_eq(fg_graphalytics_read(&g, prefix), FG_EDATA);
		ck_assert_msg(strstr(fg_error_msg(), bad_e[i][1]), "got '%s', want '%s'", fg_error_msg(),
		              bad_e[i][1]);
		free(prefix);
	}

	/* Missing or bad `directed`, a line without '='. */
	prefix = write_graph(tmp, "graph.g.directed = maybe\n", "1\n", "");
	ck_assert_int_eq(fg_graphalytics_read(&g, prefix), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "g.properties:1:"));
	free(prefix);
	prefix = write_graph(tmp, "graph.g.vertex-file = g.v\n", "1\n", "");
	ck_assert_int_eq(fg_graphalytics_read(&g, prefix), FG_EDATA);
	free(prefix);
	prefix = write_graph(tmp, "\ngraph.g.directed true\n", "1\n", "");
	ck_assert_int_eq(fg_graphalytics_read(&g, prefix), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "g.properties:2:"));
	free(prefix);

	/* Unreadable: FG_EIO naming the file. */
	char *missing = fgt_path(tmp, "nothere");
	ck_assert_int_eq(fg_graphalytics_read(&g, missing), FG_EIO);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "nothere.properties"));
	free(missing);

	fgt_rmtree(tmp);
	free(tmp);
}
END_TEST

START_TEST(command_exit_codes)
{
	char *tmp = fgt_tmpdir(), *prefix, *out, *err;
	int rc;

	{
		const char *args[] = { "graphalytics", "--help", NULL };
		rc = fgt_run(&out, &err, NULL, NULL, args);
		ck_assert_int_eq(rc, 0);
		ck_assert_ptr_nonnull(strstr(out, "--algo"));
		ck_assert_ptr_nonnull(strstr(out, "Exit codes"));
		free(out);
		free(err);
	}
	{
		const char *args[] = { "graphalytics", "--algo", "sssp", "--graph", "x", NULL };
		rc = fgt_run(&out, &err, NULL, NULL, args);
		ck_assert_int_eq(rc, 2);
		ck_assert_ptr_nonnull(strstr(err, "fraudgraph: "));
		ck_assert_ptr_nonnull(strstr(err, "sssp"));
		free(out);
		free(err);
	}
	{
		const char *args[] = { "graphalytics", "--algo", "wcc", NULL };
		ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, args), 2);
	}
	{
		const char *args[] = { "graphalytics", "--bogus", NULL };
		ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, args), 2);
	}

	/* Data errors: exit 3 with file:line:value. */
	prefix = write_graph(tmp, good_props, "10\n20\n", "10 20\n20 x5\n");
	{
		const char *args[] = { "graphalytics", "--algo", "wcc", "--graph", prefix, NULL };
		rc = fgt_run(&out, &err, NULL, NULL, args);
		ck_assert_int_eq(rc, 3);
		ck_assert_str_eq(out, "");
		ck_assert_msg(strstr(err, "g.e:2: column 2: bad vertex id 'x5'"), "stderr: %s", err);
		free(out);
		free(err);
	}
	free(prefix);
	/* BFS source that is not a vertex (the properties name 30). */
	prefix = write_graph(tmp, good_props, "10\n20\n", "10 20\n");
	{
		const char *args[] = { "graphalytics", "--algo", "bfs", "--graph", prefix, NULL };
		rc = fgt_run(&out, &err, NULL, NULL, args);
		ck_assert_int_eq(rc, 3);
		ck_assert_msg(strstr(err, "g.properties:3:"), "stderr: %s", err);
		free(out);
		free(err);
	}
	/* The same graph runs for the others; an isolated-free 2-vertex undirected graph. */
	{
		const char *args[] = { "graphalytics", "--algo", "cdlp", "--graph", prefix, NULL };
		rc = fgt_run(&out, &err, NULL, NULL, args);
		ck_assert_int_eq(rc, 0);
		/* Both see label of the other each round; 3 rounds: swap, swap, swap. */
		ck_assert_str_eq(out, "10 20\n20 10\n");
		free(out);
		free(err);
	}
	free(prefix);
	/* Unreadable graph: exit 1. */
	{
		char *missing = fgt_path(tmp, "none");
		const char *args[] = { "graphalytics", "--algo", "pr", "--graph", missing, NULL };
		rc = fgt_run(&out, &err, NULL, NULL, args);
		ck_assert_int_eq(rc, 1);
		ck_assert_ptr_nonnull(strstr(err, "none.properties"));
		free(out);
		free(err);
		free(missing);
	}
	fgt_rmtree(tmp);
	free(tmp);
}
END_TEST

#if FG_FAULT_INJECTION
/* Every allocation of the command, failed in turn: exit 1 with a message, never a crash. */
START_TEST(command_survives_every_allocation_failure)
{
	static const char *const algos[] = { "wcc", "cdlp", "pr", "bfs" };
	char *dir = data_dir(), *prefix = fgt_path(dir, "example-directed");

	for (size_t a = 0; a < 4; a++) {
		int passed = 0;
		for (int k = 1; k < 400 && !passed; k++) {
			char env[32], *out, *err;
			const char *envs[] = { env, NULL };
			const char *args[] = { "graphalytics", "--algo", algos[a], "--graph", prefix, NULL };
			snprintf(env, sizeof(env), "FG_FAIL_ALLOC=%d", k);
			int rc = fgt_run(&out, &err, NULL, envs, args);
			ck_assert_msg(rc == 0 || rc == 1, "%s, allocation %d failed: exit %d: %s", algos[a], k,
			              rc, err);
			if (rc == 1)
				ck_assert_msg(strstr(err, "fraudgraph: "), "%s %d: stderr '%s'", algos[a], k, err);
			passed = rc == 0;
			free(out);
			free(err);
		}
		ck_assert_msg(passed, "%s never succeeded", algos[a]);
	}
	free(prefix);
	free(dir);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("conformance");
	TCase *tc = tcase_create("conformance");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_case_through_the_library);
	tcase_add_test(tc, cases_through_the_binary);
	tcase_add_test(tc, reader_maps_ids_and_rejects_bad_lines);
	tcase_add_test(tc, command_exit_codes);
#if FG_FAULT_INJECTION
	tcase_add_test(tc, command_survives_every_allocation_failure);
#endif
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
