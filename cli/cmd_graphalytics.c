/*
 * fraudgraph graphalytics: run one kernel on an LDBC Graphalytics graph and
 * print `vertex value` lines in the order of NAME.v, the format of the
 * benchmark's expected-output files.  The conformance tests and anyone
 * comparing fraudgraph with another Graphalytics platform use it.
 */
#include "fg_cli.h"

#include "fg_alloc.h"
#include "fg_bfs.h"
#include "fg_cc.h"
#include "fg_cdlp.h"
#include "fg_csr.h"
#include "fg_error.h"
#include "fg_graphalytics.h"
#include "fg_opt.h"
#include "fg_pagerank.h"
#include "fg_par.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum algo { ALGO_NONE, ALGO_WCC, ALGO_CDLP, ALGO_PR, ALGO_BFS };

enum { OPT_ALGO = 1, OPT_GRAPH, OPT_OUT, OPT_THREADS };

static const fg_opt_spec opts[] = {
	{ FG_OPT_VALUE, "algo", OPT_ALGO, "A", "wcc, cdlp, pr or bfs", NULL },
	{ FG_OPT_VALUE, "graph", OPT_GRAPH, "P", "the graph, as DIR/NAME", NULL },
	{ FG_OPT_VALUE, "out", OPT_OUT, "FILE", "write the result there instead of stdout", NULL },
	{ FG_OPT_VALUE, "threads", OPT_THREADS, "N", "OpenMP threads", "all cores" },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

static void help(FILE *f)
{
	fg_opt_help(f,
	        "usage: fraudgraph graphalytics --algo wcc|cdlp|pr|bfs --graph DIR/NAME\n"
	        "                               [--out FILE] [--threads N]",
	        "Run a kernel on an LDBC Graphalytics graph (DIR/NAME.properties, NAME.v,\n"
	        "NAME.e) with the parameters from NAME.properties (cdlp.max-iterations,\n"
	        "pr.damping-factor, pr.num-iterations, bfs.source-vertex), and write\n"
	        "`vertex value` lines in the order of NAME.v to FILE or stdout.\n"
	        "WCC labels are the smallest vertex id of each component; BFS prints\n"
	        "9223372036854775807 for unreachable vertices; PR prints %.17g.",
	        opts);
}

/* The value printed for each vertex, by dense id. */
struct result {
	int64_t *ival;
	double *dval;
};

static int run_algo(struct result *res, enum algo algo, const fg_ga_graph *g)
{
	fg_csr out = { 0 }, in = { 0 };
	uint32_t *u32 = NULL;
	uint64_t *init = NULL, *labels = NULL;
	const uint32_t n = g->nv;
	bool sym = !g->directed;
	int rc;

	rc = fg_csr_from_arcs(&out, n, g->ne, g->src, g->dst, sym, false, false);
	if (rc < 0)
		goto cleanup;
	if (algo == ALGO_PR || algo == ALGO_CDLP) {
		if (g->directed) {
			rc = fg_csr_transpose(&in, &out);
			if (rc < 0)
				goto cleanup;
		}
	}
	if (algo == ALGO_PR)
		res->dval = fg_mallocarray(n ? n : 1, sizeof(double));
	else
		res->ival = fg_mallocarray(n ? n : 1, sizeof(int64_t));
	if (!res->dval && !res->ival)
		goto nomem;

	switch (algo) {
	case ALGO_WCC:
		if (!(u32 = fg_mallocarray(n ? n : 1, sizeof(*u32))))
			goto nomem;
		rc = fg_cc(u32, &out);
		for (uint32_t v = 0; rc == FG_OK && v < n; v++)
			res->ival[v] = (int64_t)g->ids[u32[v]];
		break;
	case ALGO_BFS: {
		int64_t src, d;
		rc = fg_graphalytics_prop_i64(&src, g, "bfs.source-vertex");
		if (rc < 0)
			goto cleanup;
		d = src < 0 ? -1 : fg_graphalytics_dense(g, (uint64_t)src);
		if (d < 0) {
			const fg_ga_prop *p = fg_graphalytics_prop(g, "bfs.source-vertex");
			rc = fg_error_set(FG_EDATA, "%s:%d: %s: '%" PRId64 "' is not a vertex",
			                  g->prop_path, p->line, p->key, src);
			goto cleanup;
		}
		if (!(u32 = fg_mallocarray(n ? n : 1, sizeof(*u32))))
			goto nomem;
		rc = fg_bfs(u32, &out, (uint32_t)d);
		for (uint32_t v = 0; rc == FG_OK && v < n; v++)
			res->ival[v] = u32[v] == FG_BFS_UNREACHED ? INT64_MAX : (int64_t)u32[v];
		break;
	}
	case ALGO_CDLP: {
		int64_t it;
		rc = fg_graphalytics_prop_i64(&it, g, "cdlp.max-iterations");
		if (rc < 0)
			goto cleanup;
		if (it < 0 || it > 1000000) {
			const fg_ga_prop *p = fg_graphalytics_prop(g, "cdlp.max-iterations");
			rc = fg_error_set(FG_EDATA, "%s:%d: %s: '%s' out of range [0, 1000000]",
			                  g->prop_path, p->line, p->key, p->value);
			goto cleanup;
		}
		init = fg_mallocarray(n ? n : 1, sizeof(*init));
		labels = fg_mallocarray(n ? n : 1, sizeof(*labels));
		if (!init || !labels)
			goto nomem;
		memcpy(init, g->ids, (size_t)n * sizeof(*init));
		rc = fg_cdlp(labels, &out, g->directed ? &in : NULL, init, (int)it);
		for (uint32_t v = 0; rc == FG_OK && v < n; v++)
			res->ival[v] = (int64_t)labels[v];
		break;
	}
	case ALGO_PR: {
		int64_t it;
		double d;
		rc = fg_graphalytics_prop_double(&d, g, "pr.damping-factor");
		if (rc < 0)
			goto cleanup;
		rc = fg_graphalytics_prop_i64(&it, g, "pr.num-iterations");
		if (rc < 0)
			goto cleanup;
		if (it < 0 || it > 1000000 || !(d >= 0.0 && d <= 1.0)) {
			rc = fg_error_set(FG_EDATA, "%s: pr.damping-factor must be in [0, 1] and "
			                  "pr.num-iterations in [0, 1000000]", g->prop_path);
			goto cleanup;
		}
		rc = fg_pagerank(res->dval, &out, g->directed ? &in : &out, d, (int)it);
		break;
	}
	default:
		rc = fg_error_set(FG_EUSAGE, "no algorithm");
	}
	goto cleanup;
nomem:
	rc = fg_error_set(FG_ENOMEM, "out of memory running on %s (%u vertices)", g->name, n);
cleanup:
	fg_csr_free(&out);
	fg_csr_free(&in);
	fg_free(u32);
	fg_free(init);
	fg_free(labels);
	return rc;
}

static int write_result(const char *path, const fg_ga_graph *g, const struct result *res)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	const char *name = path ? path : "stdout";
	int rc = FG_OK;

	if (!f)
		return fg_error_set(FG_EIO, "%s: cannot open for writing: %s", path, strerror(errno));
	for (uint32_t i = 0; i < g->nv; i++) {
		uint32_t d = g->vdense[i];
		if (res->dval)
			fprintf(f, "%" PRIu64 " %.17g\n", g->ids[d], res->dval[d]);
		else
			fprintf(f, "%" PRIu64 " %" PRId64 "\n", g->ids[d], res->ival[d]);
	}
	if (fflush(f) != 0 || ferror(f))
		rc = fg_error_set(FG_EIO, "%s: write error: %s", name, strerror(errno));
	if (path && fclose(f) != 0 && rc == FG_OK)
		rc = fg_error_set(FG_EIO, "%s: write error: %s", name, strerror(errno));
	return rc;
}

int fg_cmd_graphalytics(int argc, char **argv)
{
	enum algo algo = ALGO_NONE;
	const char *graph = NULL, *outpath = NULL;
	fg_ga_graph g = { 0 };
	struct result res = { 0 };
	int rc;

	fg_opt_parser p;

	fg_opt_init(&p, "graphalytics", opts, argc, argv);
	while ((rc = fg_opt_next(&p)) > 0) {
		int threads;
		switch (p.id) {
		case FG_OPT_HELP:
			help(stdout);
			return FG_EXIT_OK;
		case OPT_ALGO:
			if (!strcmp(p.value, "wcc"))
				algo = ALGO_WCC;
			else if (!strcmp(p.value, "cdlp"))
				algo = ALGO_CDLP;
			else if (!strcmp(p.value, "pr"))
				algo = ALGO_PR;
			else if (!strcmp(p.value, "bfs"))
				algo = ALGO_BFS;
			else
				return fg_cli_fail(fg_error_set(FG_EUSAGE, "graphalytics: unknown algorithm "
				                                "'%s' (wcc, cdlp, pr, bfs)", p.value));
			break;
		case OPT_GRAPH: graph = p.value; break;
		case OPT_OUT: outpath = p.value; break;
		case OPT_THREADS:
			if ((rc = fg_opt_int(&threads, &p, 1, 1024)) != FG_OK)
				return fg_cli_fail(rc);
			fg_par_set_threads(threads);
			break;
		default: /* FG_OPT_ARG */
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "graphalytics: unexpected argument '%s'",
			                                p.value));
		}
	}
	if (rc < 0)
		return fg_cli_fail(rc);
	if (algo == ALGO_NONE || !graph)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "graphalytics: --algo and --graph are "
		                                "required (see --help)"));
	rc = fg_graphalytics_read(&g, graph);
	if (rc < 0)
		goto cleanup;
	rc = run_algo(&res, algo, &g);
	if (rc < 0)
		goto cleanup;
	rc = write_result(outpath, &g, &res);
cleanup:
	fg_graphalytics_free(&g);
	fg_free(res.ival);
	fg_free(res.dval);
	return rc < 0 ? fg_cli_fail(rc) : FG_EXIT_OK;
}
