/*
 * fg_bfs_dist: fg_bfs_multi's evidence BFS (hops and nearest seed per
 * vertex) across MPI ranks, equal to one process's for any rank count.
 *
 * The vertices are those of fg_risk_active (the seeds' closure under
 * adjacency: every vertex a BFS from the seeds can reach), cut into
 * ascending runs, one per rank, as fg_risk_dist's parts are
 * (fg_risk_dist_part: the run's CSR rows with global vertex ids; the
 * weights are not read here).  Any split of the list into ascending
 * contiguous runs works, whole blocks or not, empty runs included.
 */
#ifndef FG_ALGORITHMS_FG_BFS_DIST_H
#define FG_ALGORITHMS_FG_BFS_DIST_H

#include "fg_bfs.h"
#include "fg_risk_dist.h"

#include <mpi.h>
#include <stdint.h>

typedef struct fg_bfs_dist_stats {
	uint32_t levels;     /* BFS levels expanded, the same on every rank */
	uint64_t reached;    /* vertices reached, all ranks, the seeds included */
	uint64_t bytes_sent; /* by this rank to the others, every level */
} fg_bfs_dist_stats;

/*
 * The multi-source BFS from seeds (ns of them, users or not, duplicates
 * allowed) over the ranks' parts, collective on comm.  dist and nearest get
 * k1 - k0 entries: those of the part's vertices, in its order, equal to
 * fg_bfs_multi's dist and nearest of the same vertices (FG_BFS_UNREACHED
 * where no seed reaches).  The nearest seed is fg_bfs_multi's: the nearest
 * of the first neighbour, in the vertex's CSR order, one level closer.
 * The graph must be symmetric (fg_bfs_multi's contract).  Returns FG_OK, or
 * the same error on every rank: FG_EUSAGE (a seed or a neighbour off the
 * list), FG_ENOMEM, FG_ERROR (an exchange failed).
 * Memory per rank: 12 bytes per owned vertex, 12 per frontier arc of a level
 * (sent and received).  Time: O(owned arcs log degree) over all levels; bytes
 * sent: 12 per arc from a frontier vertex to a vertex of another rank.
 */
int fg_bfs_dist(uint32_t *dist, uint32_t *nearest, const fg_risk_part *part,
                const uint32_t *seeds, uint32_t ns, MPI_Comm comm, fg_bfs_dist_stats *st);

#endif
