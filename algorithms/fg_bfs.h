/*
 * fg_bfs: breadth-first search, single source (Graphalytics BFS) and
 * multi-source from the seed users with parent pointers (evidence paths).
 */
#ifndef FG_ALGORITHMS_FG_BFS_H
#define FG_ALGORITHMS_FG_BFS_H

#include "fg_csr.h"

#define FG_BFS_UNREACHED UINT32_MAX

/*
 * depth[v] = hops from source following out-arcs, or FG_BFS_UNREACHED.
 * Level-synchronous, parallel (frontier lists, per-thread buffers).
 */
int fg_bfs(uint32_t *depth, const fg_csr *g, uint32_t source);
int fg_bfs_serial(uint32_t *depth, const fg_csr *g, uint32_t source);

/*
 * Multi-source BFS over symmetric g from sources[0..ns) (sorted, unique).
 * dist[v]: hops to the nearest source (FG_BFS_UNREACHED if none);
 * parent[v]: the neighbour one hop closer, the smallest such id
 * (v itself for a source; FG_BFS_UNREACHED if unreached);
 * nearest[v]: the source at the end of the parent chain (FG_BFS_UNREACHED if
 * unreached).  The parent rule makes the output independent of thread count
 * and of frontier order.  Following parent from v gives the evidence path
 * v -> ... -> nearest[v].  Any output pointer except dist may be NULL.
 */
int fg_bfs_multi(uint32_t *dist, uint32_t *parent, uint32_t *nearest, const fg_csr *g,
                 const uint32_t *sources, uint32_t ns);
int fg_bfs_multi_serial(uint32_t *dist, uint32_t *parent, uint32_t *nearest, const fg_csr *g,
                        const uint32_t *sources, uint32_t ns);

#endif
