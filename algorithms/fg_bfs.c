/*
 * fg_bfs: breadth-first search, single source (Graphalytics BFS) and
 * multi-source with canonical parent pointers (evidence paths).
 *
 * Algorithm: level-synchronous top-down BFS (the "push" half of Beamer,
 * Asanovic, Patterson, "Direction-Optimizing Breadth-First Search", SC 2012;
 * GAPBS bfs.cc TDStep with QueueBuffer).  Threads expand the current frontier
 * list, claim unvisited vertices with a CAS on dist, and append them to
 * small thread-local buffers flushed into the next frontier with one atomic
 * fetch-add per buffer.  Which thread claims a vertex varies, but the claimed
 * level does not, so dist is deterministic.  The multi-source variant then
 * gives each newly reached vertex v its parent: the first (smallest, lists are
 * sorted) neighbour at the previous level, and nearest[v] = nearest[parent],
 * both final before the next level starts: output independent of frontier
 * order and thread count.  No level scans all vertices: O(n + m) in total.
 *
 * Layout: fg_csr out-arcs (symmetric for the multi-source variant); dist,
 * parent, nearest are uint32 per vertex; two frontier lists of n.
 * Complexity: O(n + m) work, O(n) extra memory.
 * Thread-safety: reentrant; shared writes are CAS on dist (push phase) and
 * per-vertex writes owned by one iteration (parent phase).
 */
#include "fg_bfs.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_par.h"

#include <string.h>

#define LOCAL_BUF 256
/*
 * A level's two loops fork when their frontier pays for it (fg_par_pays).
 * Measured serially on the 2M world's evidence BFS (4511 seeds, 6 levels,
 * 32,587 frontier vertices, 144,610 arcs): 4.0 ms for both loops of every
 * level, ~120 ns a frontier vertex.  A fixed 512 vertices forked all 6
 * levels there (12 fork/joins for 4 ms of work): the phase took 0.03-0.10 s
 * at 2 threads on a loaded machine against 0.04 at 1.
 */
#define LEVEL_NS_PER_VERTEX 120

static void flush(uint32_t *next, uint64_t *tail, const uint32_t *buf, uint32_t len)
{
	uint64_t at = __atomic_fetch_add(tail, len, __ATOMIC_RELAXED);

	memcpy(next + at, buf, len * sizeof(*buf));
}

/*
 * The shared engine: dist for all, parent/nearest (either may be NULL) from the
 * smallest neighbour one level closer, reading g's out-lists.
 */
static int bfs_run(uint32_t *dist, uint32_t *parent, uint32_t *nearest, const fg_csr *g,
                   const uint32_t *sources, uint32_t ns)
{
	const uint32_t n = g->n;
	uint32_t *cur = NULL, *next = NULL;
	uint64_t ncur = 0, nnext;
	int64_t i;
	int rc;

	for (uint32_t k = 0; k < ns; k++)
		if (sources[k] >= n)
			return fg_error_set(FG_EUSAGE, "BFS source %u out of range (%u vertices)",
			                    sources[k], n);
	if (n == 0)
		return FG_OK;
	cur = fg_mallocarray(n, sizeof(*cur));
	next = fg_mallocarray(n, sizeof(*next));
	if (!cur || !next) {
		rc = fg_error_set(FG_ENOMEM, "out of memory in BFS (%u vertices)", n);
		goto cleanup;
	}
	#pragma omp parallel for schedule(static)
	for (i = 0; i < (int64_t)n; i++) {
		dist[i] = FG_BFS_UNREACHED;
		if (parent)
			parent[i] = FG_BFS_UNREACHED;
		if (nearest)
			nearest[i] = FG_BFS_UNREACHED;
	}
	for (uint32_t k = 0; k < ns; k++) {
		uint32_t s = sources[k];
		if (dist[s] == 0)
			continue;
		dist[s] = 0;
		if (parent)
			parent[s] = s;
		if (nearest)
			nearest[s] = s;
		cur[ncur++] = s;
	}
	for (uint32_t level = 0; ncur > 0; level++) {
		nnext = 0;
		/* Small frontiers (long paths) run on one thread: no fork/join per level. */
		#pragma omp parallel if (fg_par_pays(ncur, LEVEL_NS_PER_VERTEX))
		{
			uint32_t buf[LOCAL_BUF], len = 0;
			#pragma omp for schedule(dynamic, 64) nowait
			for (i = 0; i < (int64_t)ncur; i++) {
				uint32_t u = cur[i];
				for (uint64_t a = g->off[u]; a < g->off[u + 1]; a++) {
					uint32_t w = g->adj[a], expect = FG_BFS_UNREACHED;
					if (__atomic_load_n(&dist[w], __ATOMIC_RELAXED) != FG_BFS_UNREACHED)
						continue;
					if (!__atomic_compare_exchange_n(&dist[w], &expect, level + 1, false,
					                                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
						continue;
					buf[len++] = w;
					if (len == LOCAL_BUF) {
						flush(next, &nnext, buf, len);
						len = 0;
					}
				}
			}
			if (len)
				flush(next, &nnext, buf, len);
		}
		if (parent || nearest) {
			#pragma omp parallel for schedule(dynamic, 256) \
				if (fg_par_pays(nnext, LEVEL_NS_PER_VERTEX))
			for (i = 0; i < (int64_t)nnext; i++) {
				uint32_t v = next[i], p = FG_BFS_UNREACHED;
				for (uint64_t a = g->off[v]; a < g->off[v + 1]; a++) {
					if (dist[g->adj[a]] == level) {
						p = g->adj[a];
						break;
					}
				}
				/* p is always found when g is symmetric, as the contract asks. */
				if (parent)
					parent[v] = p;
				if (nearest)
					nearest[v] = p == FG_BFS_UNREACHED ? p : nearest[p];
			}
		}
		uint32_t *t = cur;
		cur = next;
		next = t;
		ncur = nnext;
	}
	rc = FG_OK;
cleanup:
	fg_free(cur);
	fg_free(next);
	return rc;
}

int fg_bfs(uint32_t *depth, const fg_csr *g, uint32_t source)
{
	return bfs_run(depth, NULL, NULL, g, &source, 1);
}

int fg_bfs_multi(uint32_t *dist, uint32_t *parent, uint32_t *nearest, const fg_csr *g,
                 const uint32_t *sources, uint32_t ns)
{
	return bfs_run(dist, parent, nearest, g, sources, ns);
}

/* Serial FIFO BFS; parents chosen afterwards by the smallest-id rule. */
int fg_bfs_multi_serial(uint32_t *dist, uint32_t *parent, uint32_t *nearest, const fg_csr *g,
                        const uint32_t *sources, uint32_t ns)
{
	const uint32_t n = g->n;
	uint32_t *queue = NULL;
	uint32_t head = 0, tail = 0;
	int rc;

	for (uint32_t k = 0; k < ns; k++)
		if (sources[k] >= n)
			return fg_error_set(FG_EUSAGE, "BFS source %u out of range (%u vertices)",
			                    sources[k], n);
	if (n == 0)
		return FG_OK;
	queue = fg_mallocarray(n, sizeof(*queue));
	if (!queue) {
		rc = fg_error_set(FG_ENOMEM, "out of memory in BFS reference");
		goto cleanup;
	}
	for (uint32_t v = 0; v < n; v++) {
		dist[v] = FG_BFS_UNREACHED;
		if (parent)
			parent[v] = FG_BFS_UNREACHED;
		if (nearest)
			nearest[v] = FG_BFS_UNREACHED;
	}
	for (uint32_t k = 0; k < ns; k++) {
		if (dist[sources[k]] == 0)
			continue;
		dist[sources[k]] = 0;
		queue[tail++] = sources[k];
	}
	while (head < tail) {
		uint32_t u = queue[head++];
		for (uint64_t a = g->off[u]; a < g->off[u + 1]; a++) {
			uint32_t w = g->adj[a];
			if (dist[w] == FG_BFS_UNREACHED) {
				dist[w] = dist[u] + 1;
				queue[tail++] = w;
			}
		}
	}
	/* The queue holds vertices in non-decreasing dist: parents come first. */
	for (uint32_t k = 0; k < tail; k++) {
		uint32_t v = queue[k], p = v;
		if (dist[v] > 0) {
			p = FG_BFS_UNREACHED;
			for (uint64_t a = g->off[v]; a < g->off[v + 1]; a++) {
				uint32_t w = g->adj[a];
				if (dist[w] + 1 == dist[v] && (p == FG_BFS_UNREACHED || w < p))
					p = w;
			}
		}
		if (parent)
			parent[v] = p;
		if (nearest)
			nearest[v] = p == FG_BFS_UNREACHED ? p : (p == v ? v : nearest[p]);
	}
	rc = FG_OK;
cleanup:
	fg_free(queue);
	return rc;
}

int fg_bfs_serial(uint32_t *depth, const fg_csr *g, uint32_t source)
{
	return fg_bfs_multi_serial(depth, NULL, NULL, g, &source, 1);
}
