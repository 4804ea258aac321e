/*
 * mpi_cc_check: fg_cc_dist under mpirun against a serial reference (suite
 * mpi runs it at -np 1..4 through tests/test_mpi.c).
 *
 *   mpirun -np N mpi_cc_check SHAPE VERTICES SEED
 *
 * Every rank builds the same graph from the seed (SHAPE: path, a path
 * through the vertices in shuffled order, diameter V - 1, what defeats
 * min-label propagation; random, sparse random edges, many components;
 * stars, stars whose centres are the largest ids; none, no edges), holds an
 * arbitrary share of the edges (some on two ranks, some reversed, self
 * loops), and owns an uneven range of the vertices (rank 1 none when N > 2).
 * Rank 0 gathers the labels and compares them with a breadth-first search
 * that labels each component by its smallest vertex: no code shared with
 * the kernel.  Prints "ok: V vertices, C components, I iterations" and exits
 * 0, or names the first differing vertex and exits 1.
 */
#include "fg_cc_dist.h"
#include "mpi_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The graph's edges, the same on every rank: *n pairs (malloc'd). */
static uint64_t *make_graph(const char *shape, uint64_t nv, uint64_t seed, size_t *n)
{
	uint64_t *e = malloc((4 * nv + 2) * sizeof(*e)), *perm = malloc((nv + 1) * sizeof(*perm));
	size_t k = 0;

	if (!e || !perm)
		abort();
	for (uint64_t v = 0; v < nv; v++)
		perm[v] = v;
	for (uint64_t v = nv; v > 1; v--) {
		uint64_t j = rng(&seed) % v, t = perm[v - 1];

		perm[v - 1] = perm[j];
		perm[j] = t;
	}
	if (!strcmp(shape, "path")) {
		for (uint64_t v = 1; v < nv; v++, k++) {
			e[2 * k] = perm[v - 1];
			e[2 * k + 1] = perm[v];
		}
	} else if (!strcmp(shape, "random")) {
		for (uint64_t i = 0; i < nv * 3 / 5; i++, k++) {
			e[2 * k] = rng(&seed) % nv;
			e[2 * k + 1] = rng(&seed) % nv;
		}
	} else if (!strcmp(shape, "stars")) {
		for (uint64_t v = 0; v + 1 < nv; v++, k++) {
			uint64_t c = nv - 1 - (v % 7); /* seven centres, the largest ids */

			e[2 * k] = v;
			e[2 * k + 1] = c;
		}
	}
	*n = k;
	free(perm);
	return e;
}

/* The reference: BFS from every vertex in increasing order; the label is the start. */
static uint64_t *reference(const uint64_t *e, size_t n, uint64_t nv)
{
	uint64_t *deg = calloc(nv + 1, sizeof(*deg)), *adj = malloc((2 * n + 1) * sizeof(*adj));
	uint64_t *lab = malloc((nv + 1) * sizeof(*lab)), *queue = malloc((nv + 1) * sizeof(*queue));
	uint64_t *fill = calloc(nv + 1, sizeof(*fill));

	if (!deg || !adj || !lab || !queue || !fill)
		abort();
	for (size_t i = 0; i < n; i++) {
		deg[e[2 * i] + 1]++;
		deg[e[2 * i + 1] + 1]++;
	}
	for (uint64_t v = 0; v < nv; v++)
		deg[v + 1] += deg[v];
	for (size_t i = 0; i < n; i++) {
		uint64_t a = e[2 * i], b = e[2 * i + 1];

		adj[deg[a] + fill[a]++] = b;
		adj[deg[b] + fill[b]++] = a;
	}
	for (uint64_t v = 0; v < nv; v++)
		lab[v] = UINT64_MAX;
	for (uint64_t s = 0; s < nv; s++) {
		size_t head = 0, tail = 0;

		if (lab[s] != UINT64_MAX)
			continue;
		lab[s] = s;
		queue[tail++] = s;
		while (head < tail) {
			uint64_t v = queue[head++];

			for (uint64_t a = deg[v]; a < deg[v + 1]; a++)
				if (lab[adj[a]] == UINT64_MAX) {
					lab[adj[a]] = s;
					queue[tail++] = adj[a];
				}
		}
	}
	free(deg);
	free(adj);
	free(queue);
	free(fill);
	return lab;
}

int main(int argc, char **argv)
{
	int rank, size, bad = 0, *cnt = NULL, *disp = NULL, mine;
	uint64_t nv, seed, *e, *held, *first, *lab, *all = NULL, h;
	size_t n, n_held = 0;
	fg_cc_dist_stats st;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc != 4) {
		if (rank == 0)
			fprintf(stderr, "usage: mpi_cc_check path|random|stars|none VERTICES SEED\n");
		MPI_Finalize();
		return 2;
	}
	nv = strtoull(argv[2], NULL, 10);
	seed = strtoull(argv[3], NULL, 10);
	e = make_graph(argv[1], nv, seed, &n);
	/* uneven ranges: rank r owns a share growing with r; rank 1 none when size > 2 */
	first = malloc(((size_t)size + 1) * sizeof(*first));
	held = malloc((4 * n + 2) * sizeof(*held));
	if (!first || !held)
		abort();
	first[0] = 0;
	for (int r = 0; r < size; r++) {
		uint64_t w = size > 2 && r == 1 ? 0 : (uint64_t)r + 1, tot = 0;

		for (int q = 0; q < size; q++)
			tot += size > 2 && q == 1 ? 0 : (uint64_t)q + 1;
		first[r + 1] = r + 1 == size ? nv : first[r] + nv * w / tot;
	}
	/* this rank's share of the edges: by a hash, every 5th also on the next rank, reversed */
	h = seed ^ 0x5bd1e995ull;
	for (size_t i = 0; i < n; i++) {
		int r = (int)(rng(&h) % (uint64_t)size);

		if (r == rank || (i % 5 == 0 && (r + 1) % size == rank)) {
			held[2 * n_held] = e[2 * i + (r != rank)];
			held[2 * n_held + 1] = e[2 * i + (r == rank)];
			n_held++;
		}
		if (i % 11 == 0 && r == rank) { /* a self loop */
			held[2 * n_held] = held[2 * n_held + 1] = e[2 * i];
			n_held++;
		}
	}
	lab = malloc((first[rank + 1] - first[rank] + 1) * sizeof(*lab));
	if (!lab || fg_cc_dist(lab, first, held, n_held, MPI_COMM_WORLD, &st) != 0) {
		fprintf(stderr, "rank %d: fg_cc_dist failed\n", rank);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	mine = (int)(first[rank + 1] - first[rank]);
	if (rank == 0) {
		cnt = malloc((size_t)size * 2 * sizeof(int));
		all = malloc((nv + 1) * sizeof(*all));
		if (!cnt || !all)
			abort();
		disp = cnt + size;
		for (int r = 0; r < size; r++) {
			cnt[r] = (int)(first[r + 1] - first[r]);
			disp[r] = (int)first[r];
		}
	}
	MPI_Gatherv(lab, mine, MPI_UINT64_T, all, cnt, disp, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	if (rank == 0) {
		uint64_t *ref = reference(e, n, nv), comps = 0;

		for (uint64_t v = 0; v < nv && !bad; v++) {
			if (all[v] != ref[v]) {
				fprintf(stderr, "%s %llu: vertex %llu has label %llu, the reference %llu\n",
				        argv[1], (unsigned long long)nv, (unsigned long long)v,
				        (unsigned long long)all[v], (unsigned long long)ref[v]);
				bad = 1;
			}
			comps += ref[v] == v;
		}
		if (!bad)
			printf("ok: %llu vertices, %llu components, %d iterations\n",
			       (unsigned long long)nv, (unsigned long long)comps, st.rounds);
		free(ref);
	}
	MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
	free(e);
	free(held);
	free(first);
	free(lab);
	free(all);
	free(cnt);
	MPI_Finalize();
	return bad;
}
