/*
 * mpi_risk_check: fg_risk_dist under mpirun against fg_risk, bit for bit
 * (suite mpi runs it at -np 1..4 through tests/test_mpi.c).
 *
 *   mpirun -np N mpi_risk_check SHAPE USERS SEED
 *
 * Every rank builds the same user-entity graph from the seed (USERS users,
 * as many entities, 1-3 links per user, a tenth of the users linked to a
 * second user directly, kind weights 1 to 3, weights kw / log2(1 + share)):
 *   one   links among all users: one component holding the seeds;
 *   many  the users in groups of 40 linked only within the group: many
 *         components, seeds in every third, one seed listed twice, and
 *         seeds without any link (their mass is the dangling mass);
 *   hubs  as one, with a popular tenth of the entities shared past the cap
 *         of 30: hubs, their links left out of the graph;
 *   none  as one, no seeds (every risk 0).
 * The active list is split three ways: by fg_risk_dist_split, unevenly
 * (rank r gets a share of the blocks growing with r, rank 1 none when N >
 * 2), and all on rank 0 (the other runs empty at the end of the list).
 * Rank 0 gathers each result and compares every vertex's risk with fg_risk's
 * by memcmp, and the iteration count and last L1 change.  Rank 0 also
 * checks fg_risk_dist_split's cut and its runs' arcs for 1 to 9 ranks
 * against a walk over the list's vertices (split_reference, not the
 * per-block rule the split and the run's ranks share).  Prints "ok: V
 * vertices, A active, B blocks, I iterations, G ghosts on rank 0" and exits
 * 0, or names the first differing vertex and exits 1.
 *
 *   mpirun -np N mpi_risk_check SHAPE USERS SEED time
 *
 * (bench/mpi.sh, never a test): the balanced split only, also compared, and
 * a line "time: fg_risk S s (S s CPU) on one process; fg_risk_dist S s (S s
 * CPU) slowest rank, B bytes sent per rank per iteration (largest), G ghosts
 * (largest), peak RSS M MiB (largest rank), I iterations".
 */
#include "fg_csr.h"
#include "fg_error.h"
#include "fg_par.h"
#include "fg_risk_dist.h"
#include "mpi_check.h"

#include <math.h>
#include <sys/resource.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAMPING 0.85
#define TOL 1e-13
#define MAX_ITER 1000

/* The links (user, vertex) of SHAPE, then shares, hubs, weights and the CSR without hubs. */
static void make_graph(fg_graph *g, const char *shape, uint32_t nu, uint64_t seed)
{
	uint32_t ne = nu, n = nu + ne, *src = xmalloc(8 * (size_t)nu * sizeof(*src));
	uint32_t *dst = xmalloc(8 * (size_t)nu * sizeof(*dst));
	uint32_t cap = !strcmp(shape, "hubs") ? 30 : UINT32_MAX, grp = !strcmp(shape, "many") ? 40 : nu;
	uint64_t m = 0, k = 0;
	double *kw = xmalloc(((size_t)ne + 1) * sizeof(*kw));
	fg_csr full;

	memset(g, 0, sizeof(*g));
	g->n_users = nu;
	g->n_entities = ne;
	g->relation_weight = 2.0;
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t base = u / grp * grp, span = base + grp <= nu ? grp : nu - base;
		int links = 1 + (int)(rng(&seed) % 3);

		if (grp != nu && u % grp == grp - 1)
			continue; /* the last of each group has no link (a seed there dangles) */
		for (int l = 0; l < links; l++) {
			uint32_t e = base + (uint32_t)(rng(&seed) % span);

			if (cap != UINT32_MAX && rng(&seed) % 4 == 0)
				e = (uint32_t)(rng(&seed) % (ne / 10)); /* the popular tenth: hubs */
			src[m] = u;
			dst[m++] = nu + e;
		}
		if (rng(&seed) % 10 == 0) { /* a direct relation within the group */
			src[m] = u;
			dst[m++] = base + (uint32_t)(rng(&seed) % span);
		}
	}
	for (uint32_t e = 0; e < ne; e++)
		kw[e] = 1.0 + (double)(e % 3);
	g->ent_share = calloc((size_t)ne + 1, sizeof(uint32_t));
	g->ent_hub = calloc((size_t)ne + 1, 1);
	g->ent_weight = calloc((size_t)ne + 1, sizeof(double));
	if (!g->ent_share || !g->ent_hub || !g->ent_weight ||
	    fg_csr_from_arcs(&full, n, m, src, dst, true, true, true) != FG_OK)
		abort();
	for (uint32_t e = 0; e < ne; e++) {
		uint32_t s = (uint32_t)fg_csr_degree(&full, nu + e);

		g->ent_share[e] = s;
		g->ent_hub[e] = s > cap;
		g->n_hubs += fg_graph_ent_hub(g, e);
		g->ent_weight[e] = s ? kw[e] / log2(1.0 + s) : 0.0;
	}
	fg_csr_free(&full);
	for (uint64_t i = 0; i < m; i++) {
		if (dst[i] >= nu && g->ent_hub[dst[i] - nu])
			continue;
		src[k] = src[i];
		dst[k++] = dst[i];
	}
	if (fg_csr_from_arcs(&g->g, n, k, src, dst, true, true, true) != FG_OK)
		abort();
	free(src);
	free(dst);
	free(kw);
}

/* The seeds of SHAPE: *ns of them (malloc'd). */
static uint32_t *make_seeds(const char *shape, uint32_t nu, uint32_t *ns)
{
	uint32_t *s = xmalloc(((size_t)nu / 20 + 4) * sizeof(*s)), k = 0;

	if (!strcmp(shape, "none")) {
		*ns = 0;
		return s;
	}
	if (!strcmp(shape, "many")) {
		for (uint32_t u = 0; u + 40 <= nu; u += 3 * 40) {
			s[k++] = u + 3;
			if (u % (6 * 40) == 0)
				s[k++] = u + 39; /* no links: dangling */
		}
		s[k++] = 3; /* listed twice */
	} else {
		for (uint32_t u = 5; u < nu && k < 30; u += nu / 30 + 1)
			s[k++] = u;
	}
	*ns = k;
	return s;
}

/* One distributed run on the split first[]; rank 0 compares.  Returns 1 on a difference, on every rank. */
static int check_split(const char *name, const fg_graph *g, const uint32_t *act, uint64_t na,
                       const uint64_t *first, const uint32_t *seeds, uint32_t ns,
                       const double *ref, const fg_risk_stats *rst, int rank, int size,
                       fg_risk_dist_stats *st, double *secs /* wall, CPU */)
{
	fg_risk_part pt;
	uint64_t mine = first[rank + 1] - first[rank], n = g->g.n;
	double t;
	double *r = xmalloc((mine + 1) * sizeof(*r)), *all = NULL, *full = NULL;
	int *cnt = xmalloc(2 * (size_t)size * sizeof(int)), *disp = cnt + size, bad = 0;

	if (fg_risk_dist_part(&pt, g, act, na, first[rank], first[rank + 1]) != FG_OK)
		abort();
	MPI_Barrier(MPI_COMM_WORLD);
	t = MPI_Wtime();
	secs[1] = cpu_now();
	if (fg_risk_dist(r, &pt, seeds, ns, DAMPING, TOL, MAX_ITER, MPI_COMM_WORLD, st) != FG_OK) {
		fprintf(stderr, "rank %d: fg_risk_dist failed: %s\n", rank, fg_error_msg());
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	secs[0] = MPI_Wtime() - t;
	secs[1] = cpu_now() - secs[1];
	for (int q = 0; q < size; q++) {
		cnt[q] = (int)(first[q + 1] - first[q]);
		disp[q] = (int)first[q];
	}
	if (rank == 0)
		all = xmalloc((na + 1) * sizeof(*all));
	MPI_Gatherv(r, (int)mine, MPI_DOUBLE, all, cnt, disp, MPI_DOUBLE, 0, MPI_COMM_WORLD);
	if (rank == 0) {
		full = calloc(n + 1, sizeof(*full));
		if (!full)
			abort();
		for (uint64_t k = 0; k < na; k++)
			full[act[k]] = all[k];
		for (uint64_t v = 0; v < n && !bad; v++)
			if (memcmp(&full[v], &ref[v], sizeof(double))) {
				fprintf(stderr, "%s split: vertex %llu has risk %.17g across %d ranks, "
				        "%.17g by fg_risk\n", name, (unsigned long long)v, full[v], size,
				        ref[v]);
				bad = 1;
			}
		if (!bad && (st->walk.iterations != rst->iterations ||
		             memcmp(&st->walk.last_delta, &rst->last_delta, sizeof(double)) ||
		             st->walk.converged != rst->converged)) {
			fprintf(stderr, "%s split: %d iterations, L1 %.17g; fg_risk %d, %.17g\n", name,
			        st->walk.iterations, st->walk.last_delta, rst->iterations, rst->last_delta);
			bad = 1;
		}
	}
	MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD); /* every rank skips the next split */
	fg_risk_dist_part_free(&pt);
	free(r);
	free(all);
	free(full);
	free(cnt);
	return bad;
}

/* The time mode's line on rank 0: the largest of each figure over the ranks. */
static void report_time(const fg_risk_dist_stats *st, const double *t_one, const double *secs,
                        int rank)
{
	struct rusage ru;
	double mine[5], top[5];

	getrusage(RUSAGE_SELF, &ru);
	mine[0] = secs[0];
	mine[1] = secs[1];
	mine[2] = st->walk.iterations ? (double)st->bytes_sent / st->walk.iterations : 0.0;
	mine[3] = (double)st->ghosts;
	mine[4] = (double)ru.ru_maxrss / 1024.0;
	MPI_Reduce(mine, top, 5, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("time: fg_risk %.3f s (%.3f s CPU) on one process; fg_risk_dist %.3f s "
		       "(%.3f s CPU) slowest rank, %.0f bytes sent per rank per iteration (largest), "
		       "%.0f ghosts (largest), peak RSS %.0f MiB (largest rank), %d iterations\n",
		       t_one[0], t_one[1], top[0], top[1], top[2], top[3], top[4],
		       st->walk.iterations);
}

/*
 * The balanced cut by walking the list's vertices (the rule before it was
 * stated over blocks): rank r starts at the first block boundary k where the
 * arcs of act[0 .. k) reach r / size of all; arcs[r] the arcs of its run.
 */
static void split_reference(uint64_t *first, uint64_t *arcs, const fg_graph *g,
                            const uint32_t *act, uint64_t na, int size)
{
	uint64_t total = 0, seen = 0, k = 0;
	int r = 1;

	for (uint64_t i = 0; i < na; i++)
		total += g->g.off[act[i] + 1] - g->g.off[act[i]];
	first[0] = 0;
	while (r < size) {
		if (k >= na || seen * (uint64_t)size >= (uint64_t)r * total) {
			first[r++] = k < na ? k : na;
			continue;
		}
		for (uint64_t e = k + FG_PAR_BLOCK < na ? k + FG_PAR_BLOCK : na; k < e; k++)
			seen += g->g.off[act[k] + 1] - g->g.off[act[k]];
	}
	first[size] = na;
	for (r = 0; r < size; r++) {
		arcs[r] = 0;
		for (k = first[r]; k < first[r + 1]; k++)
			arcs[r] += g->g.off[act[k] + 1] - g->g.off[act[k]];
	}
}

/* 1 (and a line on stderr) when fg_risk_dist_split and split_reference differ (1 .. 9 ranks). */
static int split_differs(const fg_graph *g, const uint32_t *act, uint64_t na)
{
	uint64_t f[10], a[9], rf[10], ra[9];

	for (int n = 1; n <= 9; n++) {
		if (fg_risk_dist_split(f, a, g, act, na, n) != FG_OK)
			abort();
		split_reference(rf, ra, g, act, na, n);
		for (int r = 0; r <= n; r++)
			if (f[r] != rf[r] || (r < n && a[r] != ra[r])) {
				fprintf(stderr, "split of %llu active vertices over %d ranks: rank %d starts at "
				        "%llu with %llu arcs, the vertex walk says %llu with %llu\n",
				        (unsigned long long)na, n, r, (unsigned long long)f[r],
				        (unsigned long long)(r < n ? a[r] : 0), (unsigned long long)rf[r],
				        (unsigned long long)(r < n ? ra[r] : 0));
				return 1;
			}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rank, size, bad = 0;
	uint32_t nu, ns, *seeds, *act;
	uint64_t na = 0, *first;
	double *ref = NULL;
	fg_graph g;
	fg_risk_stats rst;
	fg_risk_dist_stats st, st_bal;
	double secs[2] = { 0.0, 0.0 }, t_one[2] = { 0.0, 0.0 };
	int timed = argc == 5 && !strcmp(argv[4], "time");

	memset(&st, 0, sizeof(st));
	memset(&st_bal, 0, sizeof(st_bal));
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc != 4 && !timed) {
		if (rank == 0)
			fprintf(stderr, "usage: mpi_risk_check one|many|hubs|none USERS SEED [time]\n");
		MPI_Finalize();
		return 2;
	}
	nu = (uint32_t)strtoul(argv[2], NULL, 10);
	make_graph(&g, argv[1], nu, strtoull(argv[3], NULL, 10));
	seeds = make_seeds(argv[1], nu, &ns);
	act = xmalloc((g.g.n + 1) * sizeof(*act));
	first = xmalloc(((size_t)size + 1) * sizeof(*first));
	if (fg_risk_active(act, &na, &g, seeds, ns) != FG_OK)
		abort();
	t_one[0] = MPI_Wtime();
	t_one[1] = cpu_now();
	if (rank == 0) {
		ref = xmalloc((g.g.n + 1) * sizeof(*ref));
		if (fg_risk(ref, &g, seeds, ns, DAMPING, TOL, MAX_ITER, &rst) != FG_OK)
			abort();
	}
	MPI_Bcast(&rst, (int)sizeof(rst), MPI_BYTE, 0, MPI_COMM_WORLD);
	t_one[0] = MPI_Wtime() - t_one[0];
	t_one[1] = cpu_now() - t_one[1];
	if (fg_risk_dist_split(first, NULL, &g, act, na, size) != FG_OK)
		abort();
	if (rank == 0)
		bad = split_differs(&g, act, na);
	MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (!bad)
		bad = check_split("balanced", &g, act, na, first, seeds, ns, ref, &rst, rank, size, &st_bal, secs);
	if (timed) {
		report_time(&st_bal, t_one, secs, rank);
		goto done;
	}
	if (!bad) {
		uneven_split(first, na, size);
		bad = check_split("uneven", &g, act, na, first, seeds, ns, ref, &rst, rank, size, &st, secs);
	}
	if (!bad) { /* rank 0 alone: the others' empty runs start at na, not at a block */
		for (int r = 1; r <= size; r++)
			first[r] = na;
		bad = check_split("rank 0", &g, act, na, first, seeds, ns, ref, &rst, rank, size, &st, secs);
	}
	if (!bad && rank == 0)
		printf("ok: %llu vertices, %llu active, %llu blocks, %d iterations, %llu ghosts on "
		       "rank 0\n", (unsigned long long)g.g.n, (unsigned long long)na,
		       (unsigned long long)((na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK),
		       st.walk.iterations, (unsigned long long)st_bal.ghosts);
done:
	fg_csr_free(&g.g);
	free(g.ent_share);
	free(g.ent_hub);
	free(g.ent_weight);
	free(seeds);
	free(act);
	free(first);
	free(ref);
	MPI_Finalize();
	return bad;
}
