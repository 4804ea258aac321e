/*
 * mpi_bfs_check: fg_bfs_dist under mpirun against fg_bfs_multi, every
 * vertex's hops and nearest seed equal (suite mpi runs it at -np 1..4
 * through tests/test_mpi.c).
 *
 *   mpirun -np N mpi_bfs_check SHAPE USERS SEED
 *
 * Every rank builds the same user-entity graph from the seed (USERS users,
 * as many entities, 1-3 links per user, a tenth of the users linked to a
 * second user directly):
 *   one    links among all users: one component, 30 seeds spread over it;
 *   many   the users in groups of 40 linked only within the group: many
 *          components, seeds in every third, seeds without any link;
 *   none   as one, no seeds (nothing reached);
 *   twice  as many, every seed listed twice and the list reversed;
 *   ties   as one with a seed every 7 users: most vertices have several
 *          seeds at the same distance and several parents to choose from.
 * The active list (fg_risk_active) is split four ways: by
 * fg_risk_dist_split, unevenly (rank r's share growing with r, rank 1 none
 * when N > 2), all on rank 0, and in runs not cut at blocks.  Rank 0
 * gathers each result and compares every vertex's dist and nearest with
 * fg_bfs_multi's (off the list: unreached on both).  Prints "ok: V
 * vertices, A active, R reached, L levels" and exits 0, or names the first
 * differing vertex and exits 1.
 *
 *   mpirun -np N mpi_bfs_check SHAPE USERS SEED time
 *
 * (bench/mpi.sh, never a test): the balanced split only, also compared, and
 * a line "time: fg_bfs_multi S s (S s CPU) on one process; fg_bfs_dist S s
 * (S s CPU) slowest rank, B bytes sent (largest rank), peak RSS M MiB
 * (largest rank), L levels".
 */
#include "fg_bfs.h"
#include "fg_bfs_dist.h"
#include "fg_csr.h"
#include "fg_error.h"
#include "fg_par.h"
#include "mpi_check.h"

#include <sys/resource.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grouped(const char *shape)
{
	return !strcmp(shape, "many") || !strcmp(shape, "twice");
}

/* The links (user, vertex) of SHAPE as a symmetric CSR; the weights fg_risk_dist_part reads. */
static void make_graph(fg_graph *g, const char *shape, uint32_t nu, uint64_t seed)
{
	uint32_t ne = nu, grp = grouped(shape) ? 40 : nu;
	uint32_t *src = xmalloc(8 * (size_t)nu * sizeof(*src)), *dst = xmalloc(8 * (size_t)nu * sizeof(*dst));
	uint64_t m = 0;

	memset(g, 0, sizeof(*g));
	g->n_users = nu;
	g->n_entities = ne;
	g->relation_weight = 1.0;
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t base = u / grp * grp, span = base + grp <= nu ? grp : nu - base;
		int links = 1 + (int)(rng(&seed) % 3);

		if (grp != nu && u % grp == grp - 1)
			continue; /* the last of each group has no link */
		for (int l = 0; l < links; l++) {
			src[m] = u;
			dst[m++] = nu + base + (uint32_t)(rng(&seed) % span);
		}
		if (rng(&seed) % 10 == 0) {
			src[m] = u;
			dst[m++] = base + (uint32_t)(rng(&seed) % span);
		}
	}
	g->ent_weight = calloc((size_t)ne + 1, sizeof(double));
	if (!g->ent_weight || fg_csr_from_arcs(&g->g, nu + ne, m, src, dst, true, true, true) != FG_OK)
		abort();
	free(src);
	free(dst);
}

/* The seeds of SHAPE: *ns of them (malloc'd). */
static uint32_t *make_seeds(const char *shape, uint32_t nu, uint32_t *ns)
{
	uint32_t *s = xmalloc(((size_t)nu / 3 + 8) * sizeof(*s)), k = 0;

	if (!strcmp(shape, "none")) {
		*ns = 0;
	} else if (grouped(shape)) {
		for (uint32_t u = 0; u + 40 <= nu; u += 3 * 40) {
			s[k++] = u + 3;
			if (u % (6 * 40) == 0)
				s[k++] = u + 39; /* no links */
		}
		if (!strcmp(shape, "twice")) {
			uint32_t h = k;

			for (uint32_t i = 0; i < h; i++)
				s[k++] = s[h - 1 - i];
		}
		*ns = k;
	} else {
		uint32_t step = !strcmp(shape, "ties") ? 7 : nu / 30 + 1;

		for (uint32_t u = 5; u < nu; u += step)
			s[k++] = u;
		*ns = k;
	}
	return s;
}

/* The four splits of the list: 0 balanced, 1 uneven, 2 rank 0 alone, 3 runs not cut at blocks. */
static void make_split(uint64_t *first, int how, const fg_graph *g, const uint32_t *act,
                       uint64_t na, int size)
{
	first[0] = 0;
	first[size] = na;
	if (how == 0) {
		if (fg_risk_dist_split(first, NULL, g, act, na, size) != FG_OK)
			abort();
		return;
	}
	for (int r = 1; r < size; r++)
		first[r] = how == 2 ? na : na * (uint64_t)r / (uint64_t)size + (uint64_t)r;
	for (int r = 1; how == 3 && r < size; r++)
		if (first[r] > na)
			first[r] = na;
	if (how == 1)
		uneven_split(first, na, size);
}

/* Every vertex of the gathered values (all: dist | nearest, list order) against the reference. */
static int compare(const char *name, const fg_graph *g, const uint32_t *act, uint64_t na,
                   const uint32_t *all, const uint32_t *rd, const uint32_t *rn, int size)
{
	uint64_t n = g->g.n, k = 0;

	for (uint64_t v = 0; v < n; v++) {
		uint32_t d = FG_BFS_UNREACHED, e = FG_BFS_UNREACHED;

		if (k < na && act[k] == v) {
			d = all[k];
			e = all[na + k];
			k++;
		}
		if (d != rd[v] || e != rn[v]) {
			fprintf(stderr, "%s split: vertex %llu has dist %u nearest %u across %d ranks, "
			        "%u and %u by fg_bfs_multi\n", name, (unsigned long long)v, d, e, size,
			        rd[v], rn[v]);
			return 1;
		}
	}
	return 0;
}

/* One distributed run on the split first[]; rank 0 compares.  Returns 1 on a difference, on every rank. */
static int check_split(const char *name, const fg_graph *g, const uint32_t *act, uint64_t na,
                       const uint64_t *first, const uint32_t *seeds, uint32_t ns,
                       const uint32_t *rd, const uint32_t *rn, int rank, int size,
                       fg_bfs_dist_stats *st, double *secs)
{
	fg_risk_part pt;
	uint64_t mine = first[rank + 1] - first[rank];
	uint32_t *r = xmalloc((2 * mine + 1) * sizeof(*r)), *all = NULL;
	int *cnt = xmalloc(2 * (size_t)size * sizeof(int)), *disp = cnt + size, bad = 0;
	double t;

	if (fg_risk_dist_part(&pt, g, act, na, first[rank], first[rank + 1]) != FG_OK)
		abort();
	MPI_Barrier(MPI_COMM_WORLD);
	t = MPI_Wtime();
	secs[1] = cpu_now();
	if (fg_bfs_dist(r, r + mine, &pt, seeds, ns, MPI_COMM_WORLD, st) != FG_OK) {
		fprintf(stderr, "rank %d: fg_bfs_dist failed: %s\n", rank, fg_error_msg());
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	secs[0] = MPI_Wtime() - t;
	secs[1] = cpu_now() - secs[1];
	for (int q = 0; q < size; q++) {
		cnt[q] = (int)(first[q + 1] - first[q]);
		disp[q] = (int)first[q];
	}
	if (rank == 0)
		all = xmalloc((2 * na + 1) * sizeof(*all));
	MPI_Gatherv(r, (int)mine, MPI_UINT32_T, all, cnt, disp, MPI_UINT32_T, 0, MPI_COMM_WORLD);
	MPI_Gatherv(r + mine, (int)mine, MPI_UINT32_T, all ? all + na : NULL, cnt, disp,
	            MPI_UINT32_T, 0, MPI_COMM_WORLD);
	if (rank == 0)
		bad = compare(name, g, act, na, all, rd, rn, size);
	MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
	fg_risk_dist_part_free(&pt);
	free(r);
	free(all);
	free(cnt);
	return bad;
}

static void report_time(const fg_bfs_dist_stats *st, const double *t_one, const double *secs,
                        int rank)
{
	struct rusage ru;
	double mine[4], top[4];

	getrusage(RUSAGE_SELF, &ru);
	mine[0] = secs[0];
	mine[1] = secs[1];
	mine[2] = (double)st->bytes_sent;
	mine[3] = (double)ru.ru_maxrss / 1024.0;
	MPI_Reduce(mine, top, 4, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("time: fg_bfs_multi %.3f s (%.3f s CPU) on one process; fg_bfs_dist %.3f s "
		       "(%.3f s CPU) slowest rank, %.0f bytes sent (largest rank), peak RSS %.0f MiB "
		       "(largest rank), %u levels\n", t_one[0], t_one[1], top[0], top[1], top[2],
		       top[3], st->levels);
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "balanced", "uneven", "rank 0", "unblocked" };
	int rank, size, bad = 0, timed = argc == 5 && !strcmp(argv[4], "time");
	uint32_t nu, ns, *seeds, *act, *rd = NULL, *rn = NULL;
	uint64_t na = 0, *first;
	double secs[2] = { 0.0, 0.0 }, t_one[2] = { 0.0, 0.0 };
	fg_graph g;
	fg_bfs_dist_stats st;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc != 4 && !timed) {
		if (rank == 0)
			fprintf(stderr, "usage: mpi_bfs_check one|many|none|twice|ties USERS SEED [time]\n");
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
		rd = xmalloc((g.g.n + 1) * sizeof(*rd));
		rn = xmalloc((g.g.n + 1) * sizeof(*rn));
		if (fg_bfs_multi(rd, NULL, rn, &g.g, seeds, ns) != FG_OK)
			abort();
	}
	t_one[0] = MPI_Wtime() - t_one[0];
	t_one[1] = cpu_now() - t_one[1];
	for (int how = 0; how < (timed ? 1 : 4) && !bad; how++) {
		make_split(first, how, &g, act, na, size);
		bad = check_split(names[how], &g, act, na, first, seeds, ns, rd, rn, rank, size, &st,
		                  secs);
	}
	if (timed)
		report_time(&st, t_one, secs, rank);
	else if (!bad && rank == 0)
		printf("ok: %llu vertices, %llu active, %llu reached, %u levels\n",
		       (unsigned long long)g.g.n, (unsigned long long)na,
		       (unsigned long long)st.reached, st.levels);
	fg_csr_free(&g.g);
	free(g.ent_weight);
	free(seeds);
	free(act);
	free(first);
	free(rd);
	free(rn);
	MPI_Finalize();
	return bad;
}
