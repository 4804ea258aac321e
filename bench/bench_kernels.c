/*
 * bench_kernels: fraudgraph's kernels against igraph on the same graph.
 *
 * Reads a world's edges.csv (and users.csv for the fraud seeds) through the
 * real ingest and fg_graph_build, then times on that one graph:
 *   - the floor of ingest: a plain read counting newlines (what `wc -l`
 *     does), libcsv with empty callbacks, and our CSV reader with a sink that
 *     does nothing (parsing + validation, no interning), single-threaded;
 *   - fg_cc vs igraph_connected_components (IGRAPH_WEAK);
 *   - fg_rings (colouring + split alone, one sweep, the full run) vs
 *     igraph_community_label_propagation (weighted like our votes; run in a
 *     forked child killed after --cap seconds);
 *   - fg_risk from the real seeds (iterates over the vertices reachable from
 *     a seed) and from every user (the whole graph), plus a fixed number of
 *     iterations (tol 0) for a clean per-iteration figure, vs
 *     igraph_personalized_pagerank (PRPACK, weighted, reset on the seeds);
 *   - fg_pagerank, fg_cdlp (Graphalytics) and fg_bfs_multi for completeness.
 * Each of our kernels runs --runs times per thread count in --threads; the
 * figure is the median of wall time and of process CPU time (getrusage,
 * all threads).  igraph is single-threaded and runs --igraph-runs times.
 *
 * Output: one TSV row per measurement on stdout, with a header:
 *   bench threads runs wall_s cpu_s work unit rate note
 * rate = work / wall_s (per second).  run.sh turns these into tables.
 *
 * Never run in tests: timings depend on the machine and its load.
 * igraph is called only from the main thread outside any OpenMP region (or in
 * the forked child, which never enters one).
 */
#include "fg_alloc.h"
#include "fg_bfs.h"
#include "fg_cc.h"
#include "fg_cdlp.h"
#include "fg_config.h"
#include "fg_error.h"
#include "fg_graph.h"
#include "fg_igraph.h"
#include "fg_ingest.h"
#include "fg_log.h"
#include "fg_pagerank.h"
#include "fg_par.h"
#include "fg_rings.h"
#include "fg_risk.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <igraph/igraph.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 64
#define MAX_THREADS_LIST 16

typedef struct opts {
	const char *edges;
	const char *users;
	int runs;
	int igraph_runs;
	int threads[MAX_THREADS_LIST];
	int n_threads;
	double cap;
	int no_igraph;
	int pr_iter;
	int cdlp_iter;
	int skip_floor;
	int baseline;
} opts;

/* Process CPU seconds (user + system, all threads). */
static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *x, int n)
{
	if (n <= 0)
		return NAN;
	qsort(x, (size_t)n, sizeof(*x), cmp_double);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Collected samples of one measurement. */
typedef struct sample {
	double wall[MAX_RUNS];
	double cpu[MAX_RUNS];
	int n;
	double t0, c0;
} sample;

static void s_start(sample *s)
{
	s->c0 = cpu_now();
	s->t0 = fg_clock();
}

static void s_stop(sample *s)
{
	double t = fg_clock(), c = cpu_now();

	if (s->n < MAX_RUNS) {
		s->wall[s->n] = t - s->t0;
		s->cpu[s->n] = c - s->c0;
		s->n++;
	}
}

static void emit(const char *bench, int threads, sample *s, double work, const char *unit,
                 const char *note)
{
	int n = s->n;
	double w = median(s->wall, n), c = median(s->cpu, n);

	printf("%s\t%d\t%d\t%.4f\t%.4f\t%.0f\t%s\t%.4g\t%s\n", bench, threads, n, w, c, work, unit,
	       w > 0 ? work / w : NAN, note ? note : "");
	fflush(stdout);
}

static void emit_raw(const char *bench, int threads, int n, double wall, double cpu, double work,
                     const char *unit, const char *note)
{
	printf("%s\t%d\t%d\t%.4f\t%.4f\t%.0f\t%s\t%.4g\t%s\n", bench, threads, n, wall, cpu, work,
	       unit, wall > 0 ? work / wall : NAN, note ? note : "");
	fflush(stdout);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_kernels: %s: %s\n", what, fg_error_msg());
	exit(1);
}

/* ---- ingest floor ------------------------------------------------------- */

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Read in 1 MiB blocks counting newlines: the floor of any CSV reader. */
static uint64_t count_lines(const char *path)
{
	static char buf[1 << 20];
	uint64_t lines = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "bench_kernels: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		const char *p = buf, *end = buf + n;
		while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			lines++;
			p++;
		}
	}
	close(fd);
	return lines;
}

static void cb_field(void *s, size_t len, void *ctx)
{
	(void)s;
	(void)len;
	(void)ctx;
}

static void cb_record(int c, void *ctx)
{
	(void)c;
	(*(uint64_t *)ctx)++;
}

/* libcsv with empty callbacks: the floor of a libcsv-based reader. */
static uint64_t libcsv_records(const char *path)
{
	static char buf[1 << 20];
	struct csv_parser p;
	uint64_t records = 0;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f || csv_init(&p, CSV_REPALL_NL) != 0) {
		fprintf(stderr, "bench_kernels: %s: cannot open or init libcsv\n", path);
		exit(1);
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (csv_parse(&p, buf, n, cb_field, cb_record, &records) != n) {
			fprintf(stderr, "bench_kernels: %s: %s\n", path, csv_strerror(csv_error(&p)));
			exit(1);
		}
	csv_fini(&p, cb_field, cb_record, &records);
	csv_free(&p);
	fclose(f);
	return records;
}

static int noop_sink(void *ctx, const fg_link_row *row)
{
	(void)row;
	(*(uint64_t *)ctx)++;
	return FG_OK;
}

static void bench_floor(const opts *o, uint64_t bytes)
{
	sample s_wc = { 0 }, s_csv = { 0 }, s_rd = { 0 };
	uint64_t lines = 0, records = 0, rows = 0;
	fg_config cfg;

	fg_config_init(&cfg);
	cfg.threads = 1; /* the CSV reader parses with cfg.threads workers */
	for (int r = 0; r < o->runs; r++) {
		fg_badrows bad;

		s_start(&s_wc);
		lines = count_lines(o->edges);
		s_stop(&s_wc);

		s_start(&s_csv);
		records = libcsv_records(o->edges);
		s_stop(&s_csv);

		memset(&bad, 0, sizeof(bad));
		rows = 0;
		s_start(&s_rd);
		if (fg_ingest_links_csv(o->edges, &cfg, &bad, noop_sink, &rows) != FG_OK)
			die("ingest");
		s_stop(&s_rd);
	}
	emit("floor_read_newlines", 1, &s_wc, (double)bytes, "B", NULL);
	(void)lines;
	emit("floor_libcsv_empty", 1, &s_csv, (double)bytes, "B", NULL);
	(void)records;
	emit("floor_reader_nosink", 1, &s_rd, (double)bytes, "B", NULL);
	{
		char note[64];
		snprintf(note, sizeof(note), "%llu rows", (unsigned long long)rows);
		emit("floor_reader_nosink_rows", 1, &s_rd, (double)rows, "rows", note);
	}
	/* the same reader with its parallel parser (chunks parsed by worker threads) */
	for (int ti = 0; ti < o->n_threads; ti++) {
		sample s_par = { 0 };
		if (o->threads[ti] < 2)
			continue;
		cfg.threads = o->threads[ti];
		for (int r = 0; r < o->runs; r++) {
			fg_badrows bad;
			memset(&bad, 0, sizeof(bad));
			rows = 0;
			s_start(&s_par);
			if (fg_ingest_links_csv(o->edges, &cfg, &bad, noop_sink, &rows) != FG_OK)
				die("ingest");
			s_stop(&s_par);
		}
		emit("reader_nosink", o->threads[ti], &s_par, (double)bytes, "B", "parallel reader");
	}
}

/* ---- igraph helpers ------------------------------------------------------ */

/* Weight of each igraph edge (u < v): ent_weight of the entity end, or relation_weight. */
static void edge_weights(igraph_vector_t *w, const igraph_t *ig, const fg_graph *g)
{
	igraph_integer_t ne = igraph_ecount(ig);

	if (igraph_vector_init(w, ne) != IGRAPH_SUCCESS)
		die("igraph weights");
	for (igraph_integer_t e = 0; e < ne; e++) {
		igraph_integer_t a = IGRAPH_FROM(ig, e), b = IGRAPH_TO(ig, e);
		if (a > b) {
			igraph_integer_t t = a;
			a = b;
			b = t;
		}
		VECTOR(*w)[e] = b < (igraph_integer_t)g->n_users ? g->relation_weight
		                                                   : fg_graph_ent_weight(g, b - g->n_users);
	}
}

/*
 * igraph's label propagation in a forked child with a time cap.  Returns the
 * wall seconds, or -1 when the cap was hit (the child is killed), -2 on failure.
 * *cpu gets the child's CPU seconds.
 */
static double igraph_lpa_capped(const fg_graph *g, double cap, double *cpu, long *ncomm)
{
	int fds[2];
	pid_t pid;
	double t0 = fg_clock(), result = -2;
	struct rusage ru;
	int status;

	*cpu = NAN;
	*ncomm = -1;
	if (pipe(fds) != 0)
		return -2;
	pid = fork();
	if (pid < 0)
		return -2;
	if (pid == 0) {
		igraph_t ig;
		igraph_vector_t w;
		igraph_vector_int_t memb;
		double out[2];
		close(fds[0]);
		/* the child never enters an OpenMP region: igraph is safe here */
		if (fg_igraph_from_csr(&ig, &g->g, false) != FG_OK)
			_exit(2);
		edge_weights(&w, &ig, g);
		if (igraph_vector_int_init(&memb, 0) != IGRAPH_SUCCESS)
			_exit(2);
		out[0] = fg_clock();
		if (igraph_community_label_propagation(&ig, &memb, IGRAPH_ALL, &w, NULL, NULL) !=
		    IGRAPH_SUCCESS)
			_exit(3);
		out[0] = fg_clock() - out[0];
		out[1] = (double)(igraph_vector_int_max(&memb) + 1);
		if (write(fds[1], out, sizeof(out)) != (ssize_t)sizeof(out))
			_exit(4);
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		pid_t r = wait4(pid, &status, WNOHANG, &ru);
		if (r == pid)
			break;
		if (fg_clock() - t0 > cap) {
			kill(pid, SIGKILL);
			wait4(pid, &status, 0, &ru);
			result = -1;
			break;
		}
		usleep(20000);
	}
	*cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	if (result != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		double in[2];
		if (read(fds[0], in, sizeof(in)) == (ssize_t)sizeof(in)) {
			result = in[0]; /* the call alone, without building igraph_t */
			*ncomm = (long)in[1];
		}
	}
	close(fds[0]);
	return result;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
	printf("usage: bench_kernels --edges EDGES.csv [--users USERS.csv] [--runs N]\n"
	       "         [--threads 1,2,...] [--cap SECONDS] [--igraph-runs N] [--no-igraph]\n"
	       "         [--pr-iter N] [--cdlp-iter N] [--skip-floor] [--baseline]\n"
	       "Times fraudgraph's kernels and igraph's on the same graph; TSV on stdout\n"
	       "(bench threads runs wall_s cpu_s work unit rate note), medians of --runs.\n"
	       "--baseline: only igraph's job, once: load (CSV -> igraph_t, one thread),\n"
	       "components and personalised PageRank from the seeds; rows baseline_*.\n");
}

static void parse_threads(opts *o, const char *s)
{
	char dup[256], *tok, *save = NULL;

	snprintf(dup, sizeof(dup), "%s", s);
	o->n_threads = 0;
	for (tok = strtok_r(dup, ",", &save); tok && o->n_threads < MAX_THREADS_LIST;
	     tok = strtok_r(NULL, ",", &save))
		if (atoi(tok) > 0)
			o->threads[o->n_threads++] = atoi(tok);
}

static void parse_opts(opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->runs = 3;
	o->igraph_runs = 1;
	o->cap = 120;
	o->pr_iter = 10;
	o->cdlp_iter = 10;
	o->threads[0] = 1;
	o->n_threads = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && (i++, 1))
		if (OPT("--edges"))
			o->edges = v;
		else if (OPT("--users"))
			o->users = v;
		else if (OPT("--runs"))
			o->runs = atoi(v);
		else if (OPT("--igraph-runs"))
			o->igraph_runs = atoi(v);
		else if (OPT("--threads"))
			parse_threads(o, v);
		else if (OPT("--cap"))
			o->cap = atof(v);
		else if (OPT("--pr-iter"))
			o->pr_iter = atoi(v);
		else if (OPT("--cdlp-iter"))
			o->cdlp_iter = atoi(v);
		else if (!strcmp(a, "--no-igraph"))
			o->no_igraph = 1;
		else if (!strcmp(a, "--skip-floor"))
			o->skip_floor = 1;
		else if (!strcmp(a, "--baseline"))
			o->baseline = 1;
		else if (!strcmp(a, "--help")) {
			usage();
			exit(0);
		} else {
			fprintf(stderr, "bench_kernels: unknown or incomplete option '%s'\n", a);
			exit(2);
		}
#undef OPT
	}
	if (!o->edges || o->n_threads == 0) {
		usage();
		exit(2);
	}
	if (o->runs < 1)
		o->runs = 1;
	if (o->runs > MAX_RUNS)
		o->runs = MAX_RUNS;
	if (o->igraph_runs < 1)
		o->igraph_runs = 1;
	if (o->igraph_runs > MAX_RUNS)
		o->igraph_runs = MAX_RUNS;
}

/*
 * igraph's version of the nightly job's core, the yardstick of issue 13:
 * load the CSV files into an igraph_t, weakly connected components, and
 * personalised PageRank (PRPACK, weighted like our risk, reset on the fraud
 * seeds).  igraph has no reader for these files, so the load is ours, on one
 * thread (igraph is single-threaded): fg_ingest into a link set, the graph
 * (ids, hub cuts, CSR), then igraph_t from the CSR.  Each part is one row
 * (runs = 1), then baseline_total; run.sh runs this process --runs times,
 * interleaved with `fraudgraph run`, and takes medians.
 */
static int baseline(const opts *o)
{
	fg_config cfg;
	fg_linkset *ls = NULL;
	fg_graph *g = NULL;
	fg_badrows bad;
	igraph_t ig;
	igraph_vector_t w, reset, res;
	igraph_vector_int_t memb;
	igraph_integer_t no = 0;
	sample all, s;
	uint32_t ns = 0;
	uint64_t bytes = file_size(o->edges) + (o->users ? file_size(o->users) : 0);
	char note[160];

	fg_config_init(&cfg);
	cfg.threads = 1;
	fg_par_set_threads(1);
	memset(&bad, 0, sizeof(bad));
	memset(&all, 0, sizeof(all));
	memset(&s, 0, sizeof(s));
	s_start(&all);
	s_start(&s);
	if (fg_linkset_new(&ls, &cfg) != FG_OK ||
	    fg_ingest_links_csv(o->edges, &cfg, &bad, fg_linkset_reader_sink, ls) != FG_OK ||
	    (o->users && fg_ingest_users_csv(o->users, &cfg, &bad, fg_linkset_user_sink, ls) != FG_OK) ||
	    fg_graph_build(&g, ls, &cfg) != FG_OK)
		die("baseline load");
	fg_linkset_free(&ls);
	if (fg_igraph_from_csr(&ig, &g->g, false) != FG_OK)
		die("fg_igraph_from_csr");
	s_stop(&s);
	snprintf(note, sizeof(note), "%llu rows -> %u users, %u entities, %llu arcs",
	         (unsigned long long)bad.rows_read, g->n_users, g->n_entities,
	         (unsigned long long)g->g.m);
	emit("baseline_load", 1, &s, (double)bytes, "B", note);

	memset(&s, 0, sizeof(s));
	s_start(&s);
	if (igraph_vector_int_init(&memb, 0) != IGRAPH_SUCCESS ||
	    fg_igraph_check(igraph_connected_components(&ig, &memb, NULL, &no, IGRAPH_WEAK),
	                    "components") != FG_OK)
		die("igraph_connected_components");
	s_stop(&s);
	igraph_vector_int_destroy(&memb);
	snprintf(note, sizeof(note), "%lld components", (long long)no);
	emit("baseline_cc", 1, &s, (double)g->g.m, "arcs", note);

	memset(&s, 0, sizeof(s));
	s_start(&s);
	edge_weights(&w, &ig, g);
	if (igraph_vector_init(&reset, (igraph_integer_t)g->g.n) != IGRAPH_SUCCESS ||
	    igraph_vector_init(&res, 0) != IGRAPH_SUCCESS)
		die("igraph");
	for (uint32_t u = 0; u < g->n_users; u++)
		if (g->user_label[u] == FG_LABEL_FRAUD) {
			VECTOR(reset)[u] = 1.0;
			ns++;
		}
	if (fg_igraph_check(igraph_personalized_pagerank(&ig, IGRAPH_PAGERANK_ALGO_PRPACK, &res, NULL,
	                                                 igraph_vss_all(), false, cfg.risk_damping,
	                                                 &reset, &w, NULL),
	                    "PRPACK") != FG_OK)
		die("igraph_personalized_pagerank");
	s_stop(&s);
	snprintf(note, sizeof(note), "PRPACK, weighted, reset on %u seeds", ns);
	emit("baseline_ppr", 1, &s, (double)g->g.m, "arcs", note);
	s_stop(&all);
	emit("baseline_total", 1, &all, (double)g->n_links, "links", "load + components + PPR");
	igraph_vector_destroy(&w);
	igraph_vector_destroy(&reset);
	igraph_vector_destroy(&res);
	igraph_destroy(&ig);
	fg_graph_free(&g);
	return 0;
}

int main(int argc, char **argv)
{
	opts o;
	fg_config cfg;
	fg_linkset *ls = NULL;
	fg_graph *g = NULL;
	fg_badrows bad;
	uint64_t bytes_e, bytes_u = 0, nv, reach_arcs = 0, n_comp = 0;
	uint32_t *comp, *ring, *dist, *seeds, *all_users, ns = 0;
	uint64_t *labels, *init;
	double *rank, *rank_ref = NULL;
	sample s;
	char note[160];

	parse_opts(&o, argc, argv);
	fg_log_set_quiet(true);
	fg_igraph_init();
	fg_config_init(&cfg);
	cfg.threads = o.threads[o.n_threads - 1]; /* ingest and build: the largest count */
	bytes_e = file_size(o.edges);
	if (o.users)
		bytes_u = file_size(o.users);

	printf("bench\tthreads\truns\twall_s\tcpu_s\twork\tunit\trate\tnote\n");
	if (o.baseline)
		return baseline(&o);
	if (!o.skip_floor)
		bench_floor(&o, bytes_e);

	/* The real ingest and build, once (run.sh has the medians of these phases). */
	fg_par_set_threads(o.threads[o.n_threads - 1]);
	memset(&bad, 0, sizeof(bad));
	memset(&s, 0, sizeof(s));
	s_start(&s);
	if (fg_linkset_new(&ls, &cfg) != FG_OK ||
	    fg_ingest_links_csv(o.edges, &cfg, &bad, fg_linkset_reader_sink, ls) != FG_OK ||
	    (o.users && fg_ingest_users_csv(o.users, &cfg, &bad, fg_linkset_user_sink, ls) != FG_OK))
		die("ingest");
	s_stop(&s);
	snprintf(note, sizeof(note), "%llu rows", (unsigned long long)bad.rows_read);
	emit("ingest_into_linkset", o.threads[o.n_threads - 1], &s, (double)(bytes_e + bytes_u), "B",
	     note);
	memset(&s, 0, sizeof(s));
	s_start(&s);
	if (fg_graph_build(&g, ls, &cfg) != FG_OK)
		die("build");
	s_stop(&s);
	fg_linkset_free(&ls);
	snprintf(note, sizeof(note), "%u users, %u entities, %llu arcs, %llu graph bytes",
	         g->n_users, g->n_entities, (unsigned long long)g->g.m,
	         (unsigned long long)fg_graph_bytes(g));
	emit("graph_build", o.threads[o.n_threads - 1], &s, (double)g->n_links, "links", note);

	nv = (uint64_t)g->n_users + g->n_entities;
	comp = fg_mallocarray(nv + 1, sizeof(*comp));
	ring = fg_mallocarray((size_t)g->n_users + 1, sizeof(*ring));
	dist = fg_mallocarray(nv + 1, sizeof(*dist));
	seeds = fg_mallocarray((size_t)g->n_users + 1, sizeof(*seeds));
	all_users = fg_mallocarray((size_t)g->n_users + 1, sizeof(*all_users));
	rank = fg_mallocarray(nv + 1, sizeof(*rank));
	labels = fg_mallocarray(nv + 1, sizeof(*labels));
	init = fg_mallocarray(nv + 1, sizeof(*init));
	if (!comp || !ring || !dist || !seeds || !all_users || !rank || !labels || !init) {
		fprintf(stderr, "bench_kernels: out of memory\n");
		return 1;
	}
	for (uint32_t u = 0; u < g->n_users; u++) {
		all_users[u] = u;
		if (g->user_label[u] == FG_LABEL_FRAUD)
			seeds[ns++] = u;
	}
	for (uint64_t v = 0; v < nv; v++)
		init[v] = v;
	/* arcs that a seeded risk iteration touches: the degrees of the reachable vertices */
	if (fg_bfs_multi(dist, NULL, NULL, &g->g, seeds, ns) != FG_OK)
		die("bfs");
	for (uint64_t v = 0; v < nv; v++)
		if (dist[v] != FG_BFS_UNREACHED)
			reach_arcs += fg_csr_degree(&g->g, (uint32_t)v);

	for (int ti = 0; ti < o.n_threads; ti++) {
		int t = o.threads[ti];
		fg_rings_stats rst = { 0 };
		fg_risk_stats kst = { 0 };

		fg_par_set_threads(t);

		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_cc(comp, &g->g) != FG_OK)
				die("fg_cc");
			s_stop(&s);
		}
		n_comp = 0;
		for (uint64_t v = 0; v < nv; v++)
			n_comp += comp[v] == v;
		snprintf(note, sizeof(note), "%llu components (isolated vertices included)",
		         (unsigned long long)n_comp);
		emit("fg_cc", t, &s, (double)g->g.m, "arcs", note);

		/* rings: setup alone (colouring + split), one sweep, the full default run */
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_rings(ring, g, 0, &rst) != FG_OK)
				die("fg_rings");
			s_stop(&s);
		}
		emit("fg_rings_setup", t, &s, (double)g->g.m, "arcs", "colouring + split, no sweep");
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_rings(ring, g, 1, &rst) != FG_OK)
				die("fg_rings");
			s_stop(&s);
		}
		emit("fg_rings_1sweep", t, &s, (double)g->g.m, "arcs", "setup + 1 sweep");
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_rings(ring, g, cfg.lpa_max_iter, &rst) != FG_OK)
				die("fg_rings");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "%d sweeps, %s", rst.iterations,
		         rst.converged ? "converged" : "capped");
		emit("fg_rings_full", t, &s, (double)g->g.m * rst.iterations, "arcs", note);

		/* risk from the real seeds, to convergence */
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_risk(rank, g, seeds, ns, cfg.risk_damping, cfg.risk_tol, cfg.risk_max_iter,
			            &kst) != FG_OK)
				die("fg_risk");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "%u seeds, %d iterations, %llu reachable arcs of %llu", ns,
		         kst.iterations, (unsigned long long)reach_arcs, (unsigned long long)g->g.m);
		emit("fg_risk_seeds", t, &s, (double)reach_arcs * kst.iterations, "arcs", note);
		/* the same with one iteration: the setup (BFS for the active set, arrays) */
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			fg_risk_stats st1;
			s_start(&s);
			if (fg_risk(rank, g, seeds, ns, cfg.risk_damping, cfg.risk_tol, 1, &st1) != FG_OK)
				die("fg_risk");
			s_stop(&s);
		}
		emit("fg_risk_seeds_1iter", t, &s, (double)reach_arcs, "arcs", "setup + 1 iteration");
		if (fg_risk(rank, g, seeds, ns, cfg.risk_damping, cfg.risk_tol, cfg.risk_max_iter,
		            &kst) != FG_OK)
			die("fg_risk");
		if (ti == o.n_threads - 1 && !rank_ref) {
			rank_ref = fg_mallocarray(nv + 1, sizeof(*rank_ref));
			if (rank_ref)
				memcpy(rank_ref, rank, nv * sizeof(*rank));
		}

		/* risk with every user a seed: the whole graph, fixed iterations */
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_risk(rank, g, all_users, g->n_users, cfg.risk_damping, 0.0, o.pr_iter,
			            &kst) != FG_OK)
				die("fg_risk");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "every user a seed, %d iterations (tol 0)", kst.iterations);
		emit("fg_risk_all_fixed", t, &s, (double)g->g.m * kst.iterations, "arcs", note);

		/* ... and to convergence, to compare with PRPACK on the same problem
		 * (slow: --igraph-runs runs, like the igraph side) */
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.igraph_runs; r++) {
			s_start(&s);
			if (fg_risk(rank, g, all_users, g->n_users, cfg.risk_damping, cfg.risk_tol,
			            cfg.risk_max_iter, &kst) != FG_OK)
				die("fg_risk");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "every user a seed, %d iterations to L1 < %g",
		         kst.iterations, cfg.risk_tol);
		emit("fg_risk_all_conv", t, &s, (double)g->g.m * kst.iterations, "arcs", note);

		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_pagerank(rank, &g->g, &g->g, 0.85, o.pr_iter) != FG_OK)
				die("fg_pagerank");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "Graphalytics PR, %d iterations", o.pr_iter);
		emit("fg_pagerank", t, &s, (double)g->g.m * o.pr_iter, "arcs", note);

		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_cdlp(labels, &g->g, NULL, init, o.cdlp_iter) != FG_OK)
				die("fg_cdlp");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "Graphalytics CDLP, %d iterations", o.cdlp_iter);
		emit("fg_cdlp", t, &s, (double)g->g.m * o.cdlp_iter, "arcs", note);

		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.runs; r++) {
			s_start(&s);
			if (fg_bfs_multi(dist, NULL, NULL, &g->g, seeds, ns) != FG_OK)
				die("fg_bfs_multi");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "from %u seeds", ns);
		emit("fg_bfs_multi", t, &s, (double)reach_arcs, "arcs", note);
	}

	if (!o.no_igraph) {
		igraph_t ig;
		igraph_vector_t w, reset, res;
		igraph_vector_int_t memb;
		igraph_integer_t no = 0;
		double lpa_cpu;
		long ncomm;

		/* LPA first, in a forked child: the parent has not built igraph_t yet */
		{
			double wsec = igraph_lpa_capped(g, o.cap, &lpa_cpu, &ncomm);
			if (wsec == -1) {
				snprintf(note, sizeof(note), "> %.0f s (killed at the cap)", o.cap);
				emit_raw("igraph_lpa", 1, 1, o.cap, lpa_cpu, (double)g->g.m, "arcs", note);
			} else if (wsec < 0) {
				emit_raw("igraph_lpa", 1, 1, NAN, lpa_cpu, (double)g->g.m, "arcs", "failed");
			} else {
				snprintf(note, sizeof(note), "to convergence, %ld communities", ncomm);
				emit_raw("igraph_lpa", 1, 1, wsec, lpa_cpu, (double)g->g.m, "arcs", note);
			}
		}

		fg_par_set_threads(1); /* PRPACK may use OpenMP: igraph runs single-threaded */
		memset(&s, 0, sizeof(s));
		s_start(&s);
		if (fg_igraph_from_csr(&ig, &g->g, false) != FG_OK)
			die("fg_igraph_from_csr");
		s_stop(&s);
		emit("igraph_from_csr", 1, &s, (double)g->g.m / 2, "edges", "building igraph_t");

		if (igraph_vector_int_init(&memb, 0) != IGRAPH_SUCCESS)
			die("igraph");
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.igraph_runs; r++) {
			s_start(&s);
			if (fg_igraph_check(igraph_connected_components(&ig, &memb, NULL, &no, IGRAPH_WEAK),
			                    "components") != FG_OK)
				die("igraph_connected_components");
			s_stop(&s);
		}
		snprintf(note, sizeof(note), "%lld components%s", (long long)no,
		         (uint64_t)no == n_comp ? " (same as fg_cc)" : " (DIFFERS from fg_cc)");
		emit("igraph_cc", 1, &s, (double)g->g.m, "arcs", note);
		igraph_vector_int_destroy(&memb);

		edge_weights(&w, &ig, g);
		if (igraph_vector_init(&reset, (igraph_integer_t)nv) != IGRAPH_SUCCESS ||
		    igraph_vector_init(&res, 0) != IGRAPH_SUCCESS)
			die("igraph");
		for (uint32_t i = 0; i < ns; i++)
			VECTOR(reset)[seeds[i]] += 1.0;
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.igraph_runs; r++) {
			s_start(&s);
			if (fg_igraph_check(igraph_personalized_pagerank(&ig, IGRAPH_PAGERANK_ALGO_PRPACK,
			                                                 &res, NULL, igraph_vss_all(), false,
			                                                 cfg.risk_damping, &reset, &w, NULL),
			                    "PRPACK") != FG_OK)
				die("igraph_personalized_pagerank");
			s_stop(&s);
		}
		{
			double l1 = 0;
			if (rank_ref)
				for (uint64_t v = 0; v < nv; v++)
					if (fg_csr_degree(&g->g, (uint32_t)v) > 0)
						l1 += fabs(rank_ref[v] - VECTOR(res)[v]);
			snprintf(note, sizeof(note), "PRPACK, weighted, reset on %u seeds; L1 vs fg_risk %.2g "
			         "(vertices with links)", ns, l1);
		}
		emit("igraph_ppr_seeds", 1, &s, (double)g->g.m, "arcs", note);

		igraph_vector_fill(&reset, 0.0);
		for (uint32_t u = 0; u < g->n_users; u++)
			VECTOR(reset)[u] = 1.0;
		memset(&s, 0, sizeof(s));
		for (int r = 0; r < o.igraph_runs; r++) {
			s_start(&s);
			if (fg_igraph_check(igraph_personalized_pagerank(&ig, IGRAPH_PAGERANK_ALGO_PRPACK,
			                                                 &res, NULL, igraph_vss_all(), false,
			                                                 cfg.risk_damping, &reset, &w, NULL),
			                    "PRPACK") != FG_OK)
				die("igraph_personalized_pagerank");
			s_stop(&s);
		}
		emit("igraph_ppr_all", 1, &s, (double)g->g.m, "arcs", "PRPACK, weighted, reset on every user");
		igraph_vector_destroy(&w);
		igraph_vector_destroy(&reset);
		igraph_vector_destroy(&res);
		igraph_destroy(&ig);
	}

	fg_free(comp);
	fg_free(ring);
	fg_free(dist);
	fg_free(seeds);
	fg_free(all_users);
	fg_free(rank);
	fg_free(rank_ref);
	fg_free(labels);
	fg_free(init);
	fg_graph_free(&g);
	return 0;
}
