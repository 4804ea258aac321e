/*
 * fg_pagerank: PageRank with LDBC Graphalytics semantics (spec v1.0.1).
 *
 * Algorithm: power iteration (Page, Brin, Motwani, Winograd, "The PageRank
 * citation ranking", 1999) in pull form, as Graphalytics defines it: uniform
 * teleport (1-d)/n, the rank of sinks (out-degree 0) redistributed uniformly,
 * exactly `iterations` rounds, no convergence test.  Each round first stores
 * contrib[u] = rank[u] / outdeg(u), then every vertex sums the contributions
 * of its in-neighbours in adjacency order.
 *
 * Determinism: each vertex's sum is serial in a fixed order, and the sink
 * mass is a blocked sum (fg_par_sum_fn), so the doubles are bit-identical for
 * any thread count and with OpenMP off.
 *
 * Layout: out (out-degrees) and in (in-arcs) fg_csr; two double arrays of n.
 * Complexity: O(iterations * (n + m)) work, O(n) extra memory.
 * Thread-safety: reentrant; `omp for schedule(dynamic, 1024)` over vertices.
 */
#include "fg_pagerank.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_par.h"

#include <assert.h>
#include <string.h>

/* Below this many vertices a round runs on one thread (fork/join costs more). */
#define PAR_MIN 4096

struct sink_ctx {
	const fg_csr *out;
	const double *rank;
};

static double sink_rank(uint64_t i, const void *vctx)
{
	const struct sink_ctx *c = vctx;

	return fg_csr_degree(c->out, (uint32_t)i) == 0 ? c->rank[i] : 0.0;
}

int fg_pagerank(double *rank, const fg_csr *out, const fg_csr *in, double damping,
                int iterations)
{
	const uint32_t n = out->n;
	double *contrib = NULL;
	int64_t v;
	int rc;

	assert(in->n == n);
	if (n == 0)
		return FG_OK;
	contrib = fg_mallocarray(n, sizeof(*contrib));
	if (!contrib) {
		rc = fg_error_set(FG_ENOMEM, "out of memory in PageRank (%u vertices)", n);
		goto cleanup;
	}
	#pragma omp parallel for schedule(static)
	for (v = 0; v < (int64_t)n; v++)
		rank[v] = 1.0 / n;
	for (int it = 0; it < iterations; it++) {
		struct sink_ctx ctx = { out, rank };
		double sinks = fg_par_sum_fn(n, sink_rank, &ctx);
		double base = (1.0 - damping) / n + damping * sinks / n;

		#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
		for (v = 0; v < (int64_t)n; v++) {
			uint64_t d = fg_csr_degree(out, (uint32_t)v);
			contrib[v] = d ? rank[v] / (double)d : 0.0;
		}
		#pragma omp parallel for schedule(dynamic, 1024) if (n >= PAR_MIN)
		for (v = 0; v < (int64_t)n; v++) {
			double s = 0.0;
			for (uint64_t a = in->off[v]; a < in->off[v + 1]; a++)
				s += contrib[in->adj[a]];
			rank[v] = base + damping * s;
		}
	}
	rc = FG_OK;
cleanup:
	fg_free(contrib);
	return rc;
}

/* Serial reference: the formula read literally, one vertex at a time. */
int fg_pagerank_serial(double *rank, const fg_csr *out, const fg_csr *in, double damping,
                       int iterations)
{
	const uint32_t n = out->n;
	double *prev = NULL;
	int rc;

	if (n == 0)
		return FG_OK;
	prev = fg_mallocarray(n, sizeof(*prev));
	if (!prev) {
		rc = fg_error_set(FG_ENOMEM, "out of memory in PageRank reference");
		goto cleanup;
	}
	for (uint32_t v = 0; v < n; v++)
		rank[v] = 1.0 / n;
	for (int it = 0; it < iterations; it++) {
		double sinks = 0.0;
		memcpy(prev, rank, (size_t)n * sizeof(*prev));
		for (uint32_t w = 0; w < n; w++)
			if (fg_csr_degree(out, w) == 0)
				sinks += prev[w];
		for (uint32_t v = 0; v < n; v++) {
			double s = 0.0;
			for (uint64_t a = in->off[v]; a < in->off[v + 1]; a++) {
				uint32_t u = in->adj[a];
				s += prev[u] / (double)fg_csr_degree(out, u);
			}
			rank[v] = (1.0 - damping) / n + damping * s + damping / n * sinks;
		}
	}
	rc = FG_OK;
cleanup:
	fg_free(prev);
	return rc;
}
