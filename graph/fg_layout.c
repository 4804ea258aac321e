#include "fg_layout.h"

#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_igraph.h"

#include <assert.h>
#include <math.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

int fg_layout_fr(double *out, uint32_t n, const uint32_t *from, const uint32_t *to,
                 uint32_t m, uint64_t seed)
{
	igraph_vector_int_t edges;
	igraph_matrix_t pos;
	igraph_t g;
	bool have_edges = false, have_pos = false, have_g = false;
	double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
	int rc = FG_OK;

#if FG_HAVE_OPENMP
	assert(!omp_in_parallel());
#endif
	if (n == 0)
		return FG_OK;
	if (n == 1) {
		out[0] = out[1] = 0.5;
		return FG_OK;
	}
	rc = fg_igraph_check(igraph_vector_int_init(&edges, 2 * (igraph_integer_t)m), "layout");
	if (rc)
		goto cleanup;
	have_edges = true;
	for (uint32_t i = 0; i < m; i++) {
		assert(from[i] < n && to[i] < n);
		VECTOR(edges)[2 * i] = from[i];
		VECTOR(edges)[2 * i + 1] = to[i];
	}
	rc = fg_igraph_check(igraph_create(&g, &edges, n, IGRAPH_UNDIRECTED), "layout");
	if (rc)
		goto cleanup;
	have_g = true;
	rc = fg_igraph_check(igraph_matrix_init(&pos, 0, 0), "layout");
	if (rc)
		goto cleanup;
	have_pos = true;
	rc = fg_igraph_check(igraph_rng_seed(igraph_rng_default(), (igraph_uint_t)seed), "layout");
	if (rc)
		goto cleanup;
	rc = fg_igraph_check(igraph_layout_fruchterman_reingold(&g, &pos, false, 500,
	                                                        sqrt((double)n), IGRAPH_LAYOUT_NOGRID,
	                                                        NULL, NULL, NULL, NULL, NULL),
	                     "layout (Fruchterman-Reingold)");
	if (rc)
		goto cleanup;
	for (uint32_t i = 0; i < n; i++) {
		double x = MATRIX(pos, i, 0), y = MATRIX(pos, i, 1);
		minx = fmin(minx, x);
		maxx = fmax(maxx, x);
		miny = fmin(miny, y);
		maxy = fmax(maxy, y);
	}
	for (uint32_t i = 0; i < n; i++) {
		double x = MATRIX(pos, i, 0), y = MATRIX(pos, i, 1);
		out[2 * i] = maxx > minx ? (x - minx) / (maxx - minx) : 0.5;
		out[2 * i + 1] = maxy > miny ? (y - miny) / (maxy - miny) : 0.5;
	}
cleanup:
	if (have_pos)
		igraph_matrix_destroy(&pos);
	if (have_g)
		igraph_destroy(&g);
	if (have_edges)
		igraph_vector_int_destroy(&edges);
	return rc;
}
