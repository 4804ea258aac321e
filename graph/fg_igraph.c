#include "fg_igraph.h"

#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_search.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#define ASSERT_NOT_PARALLEL() assert(!omp_in_parallel())
#else
#define ASSERT_NOT_PARALLEL() ((void)0)
#endif

static _Thread_local char last_reason[512];

/*
 * igraph's default handler aborts the process; ours frees igraph's
 * "finally" stack (as igraph_error_handler_ignore does) and keeps the reason
 * for fg_igraph_check to report.
 */
static void error_handler(const char *reason, const char *file, int line,
                          igraph_error_t igraph_errno)
{
	(void)file;
	(void)line;
	snprintf(last_reason, sizeof(last_reason), "%s (%s)", reason ? reason : "",
	         igraph_strerror(igraph_errno));
	IGRAPH_FINALLY_FREE();
}

static void warning_handler(const char *reason, const char *file, int line)
{
	(void)file;
	(void)line;
	fg_log_info("igraph: %s", reason);
}

void fg_igraph_init(void)
{
	static int done;

	ASSERT_NOT_PARALLEL();
	if (done)
		return;
	igraph_set_error_handler(error_handler);
	igraph_set_warning_handler(warning_handler);
	done = 1;
}

int fg_igraph_check(igraph_error_t e, const char *what)
{
	if (e == IGRAPH_SUCCESS)
		return FG_OK;
	if (e == IGRAPH_ENOMEM)
		return fg_error_set(FG_ENOMEM, "%s: igraph: out of memory", what);
	return fg_error_set(FG_EIGRAPH, "%s: igraph: %s", what,
	                    last_reason[0] ? last_reason : igraph_strerror(e));
}

int fg_igraph_from_csr(igraph_t *out, const fg_csr *g, bool directed)
{
	igraph_vector_int_t edges;
	igraph_integer_t k = 0;
	igraph_error_t e;

	ASSERT_NOT_PARALLEL();
	e = igraph_vector_int_init(&edges, (igraph_integer_t)(2 * g->m));
	if (e != IGRAPH_SUCCESS)
		return fg_igraph_check(e, "building an igraph graph");
	for (uint32_t v = 0; v < g->n; v++) {
		for (uint64_t a = g->off[v]; a < g->off[v + 1]; a++) {
			uint32_t w = g->adj[a];
			if (!directed && w < v)
				continue; /* each undirected edge once (loops kept once) */
			VECTOR(edges)[k++] = v;
			VECTOR(edges)[k++] = w;
		}
	}
	igraph_vector_int_resize(&edges, k);
	e = igraph_create(out, &edges, (igraph_integer_t)g->n, directed ? IGRAPH_DIRECTED : IGRAPH_UNDIRECTED);
	igraph_vector_int_destroy(&edges);
	return fg_igraph_check(e, "building an igraph graph");
}

int fg_igraph_induced(igraph_t *out, const fg_csr *g, const uint32_t *vertices, uint32_t nv)
{
	igraph_vector_int_t edges;
	igraph_error_t e;

	ASSERT_NOT_PARALLEL();
	e = igraph_vector_int_init(&edges, 0);
	if (e != IGRAPH_SUCCESS)
		return fg_igraph_check(e, "building a subgraph");
	for (uint32_t i = 0; i < nv; i++) {
		uint32_t v = vertices[i];
		for (uint64_t a = g->off[v]; a < g->off[v + 1]; a++) {
			uint32_t w = g->adj[a];
			int64_t j;
			if (w < v)
				continue;
			j = fg_find_u32(vertices, nv, w);
			if (j < 0)
				continue;
			if ((e = igraph_vector_int_push_back(&edges, i)) != IGRAPH_SUCCESS ||
			    (e = igraph_vector_int_push_back(&edges, (igraph_integer_t)j)) != IGRAPH_SUCCESS) {
				igraph_vector_int_destroy(&edges);
				return fg_igraph_check(e, "building a subgraph");
			}
		}
	}
	e = igraph_create(out, &edges, (igraph_integer_t)nv, IGRAPH_UNDIRECTED);
	igraph_vector_int_destroy(&edges);
	return fg_igraph_check(e, "building a subgraph");
}
