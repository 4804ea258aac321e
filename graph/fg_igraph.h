/*
 * fg_igraph: the bridge to igraph.
 *
 * igraph serves subgraph work (one ring's metrics, explain's layout) and is
 * the oracle in tests; never the whole production graph (igraph_t costs about
 * 32 bytes per edge) and never inside an OpenMP parallel region: Debian's
 * igraph 0.10.2 is built with IGRAPH_THREAD_SAFE 0.
 */
#ifndef FG_GRAPH_FG_IGRAPH_H
#define FG_GRAPH_FG_IGRAPH_H

#include "fg_csr.h"

#include <igraph/igraph.h>
#include <stdint.h>

/*
 * Install igraph's non-aborting error handler (igraph_set_error_handler with
 * igraph_error_handler_printignore replaced by one that records the message
 * via fg_error_set) and silence its warnings into our log.  Call once at
 * start-up, from the main thread.  Idempotent.
 */
void fg_igraph_init(void);

/*
 * Convert an igraph return code: IGRAPH_SUCCESS -> FG_OK, else FG_EIGRAPH with
 * "what: igraph message", or FG_ENOMEM for IGRAPH_ENOMEM.
 */
int fg_igraph_check(igraph_error_t e, const char *what);

/* An igraph graph with all of g's arcs (directed) or each edge once (undirected, u < v). */
int fg_igraph_from_csr(igraph_t *out, const fg_csr *g, bool directed);

/*
 * The undirected subgraph of g induced by vertices[0..nv): vertex i of out is
 * vertices[i].  vertices must be sorted ascending and unique.  O(sum of degrees
 * * log nv).
 */
int fg_igraph_induced(igraph_t *out, const fg_csr *g, const uint32_t *vertices, uint32_t nv);

#endif
