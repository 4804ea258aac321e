/*
 * The nightly run's phases and the table that sequences them.
 *
 * To add a phase (the model, between scoring and write): write
 * `int fg_run_<name>(fg_run *r)` and add one line to `phases` below (a
 * runs column for its time, if the schema has one).
 */
#include "fg_run.h"
#include "fg_run_internal.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_bfs.h"
#include "fg_cc.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_par.h"
#include "fg_rings.h"
#include "fg_risk.h"
#include "fg_signal.h"
#if FG_HAVE_MPI
#include "fg_mpi.h"
#endif

#include <assert.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static int score_phase(fg_run *r);
static int model_phase(fg_run *r);
static int write_phase(fg_run *r);

static const fg_run_phase phases[] = {
	{ "ingest", fg_run_ingest, "t_ingest" },
	{ "build", fg_run_build, "t_build" },
	{ "components", fg_run_components, "t_components" },
	{ "rings", fg_run_rings, "t_rings" },
	{ "risk", fg_run_risk, "t_risk" },
	{ "evidence", fg_run_evidence, "t_evidence" },
	{ "scoring", score_phase, "t_scoring" },
	{ "model", model_phase, "t_model" },
	{ "write", write_phase, NULL }, /* t_write is stored by fg_run_commit */
};
#define N_PHASES ((int)(sizeof(phases) / sizeof(phases[0])))

_Static_assert(N_PHASES <= FG_RUN_MAX_PHASES, "raise FG_RUN_MAX_PHASES");

const fg_run_phase *fg_run_phases(int *n)
{
	*n = N_PHASES;
	return phases;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void note(fg_run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
}

void fg_run_opts_init(fg_run_opts *o)
{
	memset(o, 0, sizeof(*o));
	fg_config_init(&o->cfg);
}

int fg_run_open(fg_run **out, const fg_run_opts *opts)
{
	fg_run *r;
	char *params = NULL;
	int rc;

	*out = NULL;
	r = fg_calloc(1, sizeof(*r));
	if (!r)
		return fg_error_set(FG_ENOMEM, "out of memory starting the run");
	r->o = *opts;
	r->t_start = fg_clock();
	fg_run_scored_init(r);
	*out = r;
	fg_par_set_threads(r->o.cfg.threads);
#if defined(__GLIBC__)
	/*
	 * One glibc arena a compute thread (glibc's default is 8 a core): a
	 * thread's arena keeps what the thread freed, and the model's training
	 * on one thread and the write-back on another would take new pages while
	 * the others' free pages sit idle.  2M world, 2 threads: peak 870 -> 853
	 * MiB (one arena in all: 847).  The kernels allocate outside their
	 * parallel loops, so the shared arenas' locks are not contended.
	 */
	mallopt(M_ARENA_MAX, fg_par_threads() > 1 ? fg_par_threads() : 1);
#endif
	if ((rc = fg_config_to_json(&params, &r->o.cfg)) != FG_OK ||
	    (rc = fg_store_open(&r->store, r->o.db_path, FG_STORE_WRITE)) != FG_OK ||
	    (rc = fg_store_run_begin(r->store, &r->run_id, params, fg_par_threads())) != FG_OK)
		goto cleanup;
	fg_log_info("run %lld on %s, %d thread%s", (long long)r->run_id, r->o.db_path,
	            fg_par_threads(), fg_par_threads() == 1 ? "" : "s");
cleanup:
	fg_free(params);
	return rc;
}

int fg_run_open_dry(fg_run **out, const fg_run_opts *opts)
{
	fg_run *r;

	*out = NULL;
	r = fg_calloc(1, sizeof(*r));
	if (!r)
		return fg_error_set(FG_ENOMEM, "out of memory starting the check");
	r->o = *opts;
	r->t_start = fg_clock();
	fg_run_scored_init(r);
	*out = r;
	fg_par_set_threads(r->o.cfg.threads);
	return FG_OK;
}

/* The link sink with a live progress line (only drawn when stderr is a terminal). */
typedef struct progress_sink {
	fg_linkset *ls;
	uint64_t rows;
} progress_sink;

static int link_sink_progress(void *ctx, const fg_link_row *row)
{
	progress_sink *ps = ctx;

	if ((++ps->rows & 0x3ffff) == 0)
		fg_log_progress("ingest rows", ps->rows, 0);
	return fg_linkset_reader_sink(ps->ls, row);
}

/* Bytes of the regular files among paths (0 for a pipe, stdin, a missing file). */
static uint64_t input_bytes(const char *const *paths, int n)
{
	uint64_t b = 0;
	struct stat sb;

	for (int i = 0; i < n; i++)
		if (strcmp(paths[i], "-") != 0 && stat(paths[i], &sb) == 0 && S_ISREG(sb.st_mode))
			b += (uint64_t)sb.st_size;
	return b;
}

/*
 * Size the interning tables from the CSV inputs' bytes before the first row
 * (fg_linkset_expect): each doubling of a table re-places all its slots into
 * fresh pages, and on the 20M world the entities' table doubles from 1 Ki to
 * 128 Mi slots (an MPI rank reads a share of the files: no hint there).  An
 * entity or user costs at least one row; rows of these worlds are 46 (links)
 * and 23 (users) bytes, so 64 and 32 bytes a row are under-estimates of the
 * rows: the tables reach their final size at most one doubling later than
 * they would, and an input of few distinct values under many rows pays at
 * most 8 / 0.35 bytes of index per 64 bytes of input, in pages touched only
 * as values land in them.  SQLite inputs give no hint.
 */
#define LINK_ROW_BYTES_MIN 64
#define USER_ROW_BYTES_MIN 32

static int expect_from_sizes(fg_linkset *ls, const fg_run_opts *o)
{
	return fg_linkset_expect(ls, input_bytes(o->edges, o->n_edges) / LINK_ROW_BYTES_MIN,
	                         input_bytes(o->users, o->n_users_files) / USER_ROW_BYTES_MIN);
}

int fg_run_ingest(fg_run *r)
{
	const fg_run_opts *o = &r->o;
	progress_sink ps = { NULL, 0 };
	int rc;

	if ((rc = fg_linkset_new(&r->ls, &o->cfg)) != FG_OK)
		return rc;
	fg_linkset_set_fork_rule(r->ls, fg_par_pays);
	ps.ls = r->ls;
#if FG_HAVE_MPI
	if (fg_mpi_active()) {
		/* every rank reads its share; rank 0's link set is one process's (fg_mpi.h) */
		if ((rc = fg_mpi_ingest(r->ls, &r->bad, o)) != FG_OK)
			return rc;
		goto done;
	}
#endif
	if ((rc = expect_from_sizes(r->ls, o)) != FG_OK)
		return rc;
	for (int i = 0; i < o->n_edges; i++)
		if ((rc = fg_ingest_links_csv(o->edges[i], &o->cfg, &r->bad, link_sink_progress, &ps)) != FG_OK)
			return rc;
	for (int i = 0; i < o->n_users_files; i++)
		if ((rc = fg_ingest_users_csv_hinted(o->users[i], &o->cfg, &r->bad,
		                                     fg_linkset_reader_user_sink, fg_linkset_user_hint,
		                                     r->ls)) != FG_OK)
			return rc;
	if (o->input_db) {
		if ((rc = fg_ingest_links_sqlite(o->input_db, o->edges_sql, &o->cfg, &r->bad,
		                                 link_sink_progress, &ps)) != FG_OK)
			return rc;
		if ((rc = fg_ingest_users_sqlite(o->input_db, o->users_sql, &o->cfg, &r->bad,
		                                 fg_linkset_reader_user_sink, r->ls)) != FG_OK)
			return rc;
	}
	fg_log_progress_end();
#if FG_HAVE_MPI
done:
#endif
	note(r, "%llu rows, %llu bad, %llu outside the window",
	     (unsigned long long)r->bad.rows_read, (unsigned long long)r->bad.total,
	     (unsigned long long)r->bad.rows_filtered);
	return FG_OK;
}

/* A deterministic per-user coin for --holdout: a hash of the user id (up to a NUL) and the seed. */
static double holdout_coin(const char *id, size_t len, uint64_t seed)
{
	uint64_t h = 1469598103934665603ull ^ (seed * 0x9e3779b97f4a7c15ull);

	for (const unsigned char *p = (const unsigned char *)id; len-- && *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (double)(h >> 11) / 9007199254740992.0;
}

bool fg_run_held_out(const fg_config *cfg, const char *id, size_t len)
{
	return cfg->holdout > 0.0 && holdout_coin(id, len, cfg->holdout_seed) < cfg->holdout;
}

static int alloc_arrays(fg_run *r)
{
	const fg_graph *g = r->g;
	size_t nv = (size_t)g->n_users + g->n_entities, nu = g->n_users ? g->n_users : 1;

	if (nv == 0)
		nv = 1;
	r->comp = fg_mallocarray(nv, sizeof(*r->comp));
	r->ring = fg_mallocarray(nu, sizeof(*r->ring));
	r->risk = fg_calloc(nv, sizeof(*r->risk));
	r->dist = fg_mallocarray(nv, sizeof(*r->dist));
	r->nearest = fg_mallocarray(nv, sizeof(*r->nearest));
	r->seed = fg_calloc(nu, 1);
	r->holdout = fg_calloc(nu, 1);
	r->seeds = fg_mallocarray(nu, sizeof(*r->seeds));
	if (!r->comp || !r->ring || !r->risk || !r->dist || !r->nearest || !r->seed || !r->holdout ||
	    !r->seeds)
		return fg_error_set(FG_ENOMEM, "out of memory for the kernels' output (%zu vertices)", nv);
	return FG_OK;
}

/* The summary's lines on stderr: information under the progress lines, warnings always. */
static void log_line(void *ctx, bool warning, const char *line)
{
	(void)ctx;
	if (warning)
		fg_log_warn("%s", line);
	else
		fg_log_info("  %s", line);
}

/*
 * The input digest's thread.  The digest is one serial stream over every
 * string and link (1.2 s of a core on the 2M world, the build's last
 * step); only runs.input_digest reads it.  It runs from the build until the
 * links go (fg_run_digest_join, before fg_graph_release_links) at the
 * lowest priority, so it takes the core the serial phases (the risk walk,
 * the scoring's tail) leave idle rather than the kernels' threads' time.
 * Invariant: while it runs it reads r->g and writes r->g->input_digest
 * only, and nothing releases the graph's links.
 */
struct fg_run_digest {
	pthread_t thread;
	fg_graph *g;
	int rc;
	char msg[1024];
};

static void *digest_main(void *arg)
{
	struct fg_run_digest *d = arg;

#if defined(__linux__)
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19); /* this thread only */
#endif
	if ((d->rc = fg_graph_input_digest(d->g)) != FG_OK)
		snprintf(d->msg, sizeof(d->msg), "%s", fg_error_msg());
	return NULL;
}

/* On a thread when the run has one to spare and a store to write it to; else here. */
static int digest_start(fg_run *r)
{
	struct fg_run_digest *d;
	sigset_t all, old;
	int rc;

	if (!(d = fg_calloc(1, sizeof(*d))))
		return fg_graph_input_digest(r->g);
	d->g = r->g;
	sigfillset(&all); /* signals go to the main thread, as with one thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&d->thread, NULL, digest_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		fg_free(d);
		return fg_graph_input_digest(r->g);
	}
	r->digest = d;
	return FG_OK;
}

int fg_run_digest_join(fg_run *r)
{
	struct fg_run_digest *d = r->digest;
	int rc;

	if (!d)
		return FG_OK;
	pthread_join(d->thread, NULL);
	r->digest = NULL;
	rc = d->rc;
	if (rc != FG_OK)
		fg_error_set(rc, "input digest: %s", d->msg);
	fg_free(d);
	return rc;
}

int fg_run_build(fg_run *r)
{
	const fg_graph *g;
	bool defer = r->store && fg_par_threads() >= 2;
	int rc;

	rc = defer ? fg_graph_build_deferred(&r->g, r->ls, &r->o.cfg)
	           : fg_graph_build(&r->g, r->ls, &r->o.cfg);
	if (rc != FG_OK)
		return rc;
	fg_linkset_free(&r->ls);
	if (defer && (rc = digest_start(r)) != FG_OK)
		return rc;
	g = r->g;
	/*
	 * The data contract before any kernel: the summary (kinds, placeholders,
	 * hubs), then the refusals of an empty input and of a volume drop.
	 */
	if (r->store && (rc = fg_run_summary(g, &r->o.cfg, log_line, NULL)) != FG_OK)
		return rc; /* a dry run (check) prints the summary itself */
	if ((rc = fg_run_refuse_empty(g, &r->bad)) != FG_OK)
		return rc;
	if (r->store) {
		if ((rc = fg_run_volume(&r->volume, r->store, g, &r->o.cfg)) != FG_OK)
			return rc;
		if (r->volume.over)
			fg_log_warn("accepted with --allow-drop: %s", r->volume.message);
	}
	if (getenv("FG_MEM_PROFILE"))
		fprintf(stderr, "  mem graph arrays and strings %.1f MiB\n",
		        (double)fg_graph_bytes(g) / 1048576.0);
	if ((rc = alloc_arrays(r)) != FG_OK)
		return rc;
	/* The seeds, with the held-out ones kept out of the kernels' view (not out of the graph). */
	for (uint32_t u = 0; u < g->n_users; u++) {
		if (g->user_label[u] != FG_LABEL_FRAUD)
			continue;
		if (fg_run_held_out(&r->o.cfg, fg_graph_user_id(g, u), SIZE_MAX)) {
			r->holdout[u] = 1;
			continue;
		}
		r->seed[u] = 1;
		r->seeds[r->n_seeds++] = u;
	}
	note(r, "%u users, %u entities, %llu links (%llu user-user), %u hubs, %llu arcs",
	     g->n_users, g->n_entities, (unsigned long long)g->n_links,
	     (unsigned long long)g->n_user_links, g->n_hubs, (unsigned long long)g->g.m);
	return FG_OK;
}

int fg_run_components(fg_run *r)
{
	int rc;

	if ((rc = fg_cc(r->comp, &r->g->g)) != FG_OK)
		return rc;
#if FG_HAVE_MPI
	/* the ranks' own pass over the links they own, checked against fg_cc */
	if (fg_mpi_active() && (rc = fg_mpi_components(r->g, r->comp)) != FG_OK)
		return rc;
#endif
	/* hubs and links depend on nothing later: written meanwhile with 2+ threads */
	if ((rc = fg_run_write_start(r)) != FG_OK)
		return rc;
	note(r, "%llu arcs%s", (unsigned long long)r->g->g.m,
	     r->writer ? ", graph tables being written" : "");
	return FG_OK;
}

/*
 * A kernel phase that starts while the writer thread writes (the graph
 * tables from components on, entities beside scoring) runs on one thread
 * fewer: the writer takes a core of its own, and a kernel thread beside it
 * waits for a core at every join (and spins there on the run's own share).  2M world, 2 threads: rings
 * on the two threads took 0.69 s against 0.48 on one (docs/performance.md,
 * "Two threads beside the writer").  Results are the same bits at any
 * thread count.  Returns the count to restore (fg_par_set_threads), 0 when
 * nothing changed.
 */
static int beside_writer_begin(const fg_run *r)
{
	int n = fg_par_threads();

	if (n < 2 || !fg_run_write_busy(r))
		return 0;
	fg_par_set_threads(n - 1);
	return n;
}

static void beside_writer_end(int n)
{
	if (n > 0)
		fg_par_set_threads(n);
}

int fg_run_rings(fg_run *r)
{
	fg_rings_stats st;
	int rc, restore = beside_writer_begin(r);

#if FG_HAVE_MPI
	/*
	 * Under mpirun the ranks find the rings per component and the run uses
	 * theirs; rank 0's own fg_rings is the check only (fg_mpi.h).
	 */
	if (fg_mpi_active()) {
		uint32_t *own = fg_mallocarray((size_t)r->g->n_users + 1, sizeof(*own));
		fg_rings_stats own_st;

		if (!own)
			rc = fg_error_set(FG_ENOMEM, "out of memory for the check of the rings (%u users)",
			                  r->g->n_users);
		else if ((rc = fg_rings(own, r->g, r->o.cfg.lpa_max_iter, &own_st)) == FG_OK)
			rc = fg_mpi_rings(r->ring, &st, r->g, own, &own_st);
		fg_free(own);
	} else
#endif
	rc = fg_rings(r->ring, r->g, r->o.cfg.lpa_max_iter, &st);
	beside_writer_end(restore);
	if (rc != FG_OK)
		return rc;
	r->lpa_iterations = st.iterations;
	note(r, "%d sweeps, %s", st.iterations, st.converged ? "converged" : "stopped at the cap");
	return FG_OK;
}

int fg_run_risk(fg_run *r)
{
	const fg_config *c = &r->o.cfg;
	fg_risk_stats st;
	int rc;

#if FG_HAVE_MPI
	/* under mpirun the walk runs across the ranks, giving fg_risk's bits (fg_mpi.h) */
	if (fg_mpi_active())
		rc = fg_mpi_risk(r->risk, r->g, r->seeds, r->n_seeds, c->risk_damping, c->risk_tol,
		                 c->risk_max_iter, &st);
	else
#endif
		rc = fg_risk(r->risk, r->g, r->seeds, r->n_seeds, c->risk_damping, c->risk_tol,
		             c->risk_max_iter, &st);
	if (rc != FG_OK)
		return rc;
	r->risk_iterations = st.iterations;
	note(r, "%u seeds, %d iterations, L1 change %.3g", r->n_seeds, st.iterations, st.last_delta);
	return FG_OK;
}

/* Keep the first n entries of a per-vertex array (a failed shrink keeps it whole). */
static void shrink_to_users(uint32_t **a, uint32_t n)
{
	uint32_t *p = fg_reallocarray(*a, n ? n : 1, sizeof(**a));

	if (p)
		*a = p;
}

int fg_run_evidence(fg_run *r)
{
	int rc;

#if FG_HAVE_MPI
	/* under mpirun the BFS runs across the ranks, giving fg_bfs_multi's output (fg_mpi.h) */
	if (fg_mpi_active())
		rc = fg_mpi_evidence(r->dist, r->nearest, r->g, r->seeds, r->n_seeds);
	else
#endif
		rc = fg_bfs_multi(r->dist, NULL, r->nearest, &r->g->g, r->seeds, r->n_seeds);
	if (rc != FG_OK)
		return rc;
	/* Only the users' hops and nearest seeds are written: drop the entities' part. */
	shrink_to_users(&r->dist, r->g->n_users);
	shrink_to_users(&r->nearest, r->g->n_users);
	note(r, "nearest seed for every reachable user");
	return FG_OK;
}

int fg_run_score(fg_run *r)
{
	/* beside the writer thread's entities (fg_run_write_entities_start) */
	int rc, restore = beside_writer_begin(r);

	rc = fg_score_compute(&r->scores, r->g, &r->o.cfg, r->seed, r->n_seeds, r->comp, r->ring,
	                      r->risk);
	beside_writer_end(restore);
	if (rc != FG_OK)
		return rc;
#if FG_HAVE_MPI
	/*
	 * Under mpirun the ring and component scores are the ranks' (found after
	 * the BFS); rank 0's own fg_score_compute groups are the check (fg_mpi.h).
	 */
	if (fg_mpi_active() &&
	    (rc = fg_mpi_ring_scores(r->scores, r->g, r->comp, r->ring)) != FG_OK)
		return rc;
#endif
	if ((rc = fg_run_track(r)) != FG_OK)
		return rc;
	note(r, "%u rings (%u new, %u grown, %u merged, %u split, %u dissolved), "
	     "%u components of 2+ users", r->scores->n_rings, r->track.n_new, r->track.n_grown,
	     r->track.n_merged, r->track.n_split, r->track.n_dissolved, r->scores->n_comps);
	return FG_OK;
}

/*
 * Held arrays.  The run's peak of memory is the model phase (features and
 * boosters on top of the graph, the kernels' outputs and the scores), then
 * scoring.  Several outputs are read again only by the write-back, and most
 * of their elements are a default: risk is 0 outside the seeds' components,
 * dist and nearest are FG_BFS_UNREACHED there, and so (0) are the users'
 * risk_norm, risk_pct and hand-set score and the ring_score of users in no
 * ring.  Between the phases that do not read them they wait sparse, as
 * (index, value) pairs of the elements that differ from the default bytewise,
 * and come back bit for bit before the write-back.  Only the phase table
 * (fg_run_all) holds; the public phase functions see whole arrays.
 * 2M world: peak 1332 -> 1200 MiB, now in the write-back (docs/performance.md).
 */
static int hold(fg_run *r, void **arr, size_t from, size_t n, size_t width, const void *dflt)
{
	const unsigned char *a = *arr;
	fg_run_held *h;
	size_t nz = 0;

	assert(width <= sizeof(h->dflt) && from <= n && n <= UINT32_MAX);
	if (!a || r->n_held == FG_RUN_MAX_HELD)
		return FG_OK;
	h = &r->held[r->n_held];
	memset(h, 0, sizeof(*h));
	for (size_t i = from; i < n; i++)
		nz += memcmp(a + i * width, dflt, width) != 0;
	h->at = fg_mallocarray(nz ? nz : 1, sizeof(*h->at));
	h->val = fg_mallocarray(nz ? nz : 1, width);
	if (!h->at || !h->val) {
		fg_free(h->at);
		fg_free(h->val);
		memset(h, 0, sizeof(*h));
		return fg_error_set(FG_ENOMEM, "out of memory holding %zu results", nz);
	}
	for (size_t i = from; i < n; i++)
		if (memcmp(a + i * width, dflt, width) != 0) {
			h->at[h->n_val] = (uint32_t)i;
			memcpy((unsigned char *)h->val + h->n_val++ * width, a + i * width, width);
		}
	h->arr = arr;
	h->from = from;
	h->n = n;
	h->width = width;
	memcpy(h->dflt, dflt, width);
	r->n_held++;
	if (from == 0) {
		fg_free(*arr);
		*arr = NULL;
	} else {
		void *p = fg_reallocarray(*arr, from, width); /* a failed shrink keeps it whole */
		if (p)
			*arr = p;
	}
	return FG_OK;
}

/* Every held array whole again, the last held first.  FG_OK or FG_ENOMEM. */
static int give_back(fg_run *r)
{
	while (r->n_held > 0) {
		fg_run_held *h = &r->held[r->n_held - 1];
		unsigned char *a = fg_reallocarray(*h->arr, h->n ? h->n : 1, h->width);

		if (!a)
			return fg_error_set(FG_ENOMEM, "out of memory for %zu results", h->n);
		*h->arr = a;
		for (size_t i = h->from; i < h->n; i++)
			memcpy(a + i * h->width, h->dflt, h->width);
		for (size_t k = 0; k < h->n_val; k++)
			memcpy(a + (size_t)h->at[k] * h->width, (unsigned char *)h->val + k * h->width,
			       h->width);
		fg_free(h->at);
		fg_free(h->val);
		memset(h, 0, sizeof(*h));
		r->n_held--;
	}
	return FG_OK;
}

static const double zero_d = 0.0;
static const uint32_t unreached = FG_BFS_UNREACHED;

/* Scoring reads the users' risk only, and no hops or nearest seeds. */
static int score_phase(fg_run *r)
{
	size_t nu = r->g->n_users, nv = nu + r->g->n_entities;
	int rc;

	if ((rc = hold(r, (void **)&r->dist, 0, nu, sizeof(*r->dist), &unreached)) != FG_OK ||
	    (rc = hold(r, (void **)&r->nearest, 0, nu, sizeof(*r->nearest), &unreached)) != FG_OK ||
	    (rc = hold(r, (void **)&r->risk, nu, nv, sizeof(*r->risk), &zero_d)) != FG_OK)
		return rc;
	/* entities reads nothing scoring writes: written meanwhile with 2+ threads */
	if ((rc = fg_run_write_entities_start(r)) != FG_OK)
		return rc;
	return fg_run_score(r);
}

/* The model reads the graph, the components and the scores' counts, no risk. */
static int model_phase(fg_run *r)
{
	size_t nu = r->g->n_users;
	fg_scores *s = r->scores;
	int rc;

	/* entities' thread (it reads the users' risk whole) before that is held */
	if ((rc = fg_run_write_join(r)) != FG_OK)
		return rc;
	if ((rc = hold(r, (void **)&r->risk, 0, nu, sizeof(*r->risk), &zero_d)) != FG_OK ||
	    (rc = hold(r, (void **)&s->risk_norm, 0, nu, sizeof(double), &zero_d)) != FG_OK ||
	    (rc = hold(r, (void **)&s->risk_pct, 0, nu, sizeof(double), &zero_d)) != FG_OK ||
	    (rc = hold(r, (void **)&s->score, 0, nu, sizeof(double), &zero_d)) != FG_OK ||
	    (rc = hold(r, (void **)&s->ring_score, 0, nu, sizeof(double), &zero_d)) != FG_OK)
		return rc;
	/*
	 * user_features reads none of what the model writes: written meanwhile
	 * with 2+ threads, then user_scores as the model's scores come
	 */
	if ((rc = fg_run_write_features_start(r)) != FG_OK)
		return rc;
	rc = fg_run_model(r);
	fg_run_write_scores_final(r, rc == FG_OK);
	return rc;
}

/*
 * fg_run_write's own first steps (the graph tables' thread joined, the CSR
 * released), then the held arrays come back.
 */
static int write_phase(fg_run *r)
{
	double t0 = fg_clock();
	int rc;

	if ((rc = fg_run_write_join(r)) != FG_OK)
		return rc;
	if (getenv("FG_WRITE_PROFILE")) /* the writer thread's tables after the model's end */
		fprintf(stderr, "  write join %11.3f s\n", fg_clock() - t0);
	fg_graph_release_csr(r->g);
#if defined(__GLIBC__)
	/*
	 * The model's features and boosters were freed into glibc's arenas (one
	 * per thread) and stay resident as free chunks; the held arrays and
	 * SQLite's cache would be new pages on top.  2M world, 2 threads: the
	 * write's peak 1243 -> 1218 MiB (1 thread: unchanged, 1200).
	 */
	malloc_trim(0);
#endif
	/*
	 * The links (227 MiB on the 2M world) are read by the graph tables, the
	 * hubs' risk and runs.kinds only: those first, while the held arrays
	 * still wait, then the links go before the rest comes back.
	 */
	if ((rc = fg_run_write_graph(r)) != FG_OK || (rc = give_back(r)) != FG_OK ||
	    (rc = fg_run_write_links_done(r)) != FG_OK)
		return rc;
	return fg_run_write(r);
}

int fg_run_commit(fg_run *r)
{
	const fg_graph *g = r->g;
	uint64_t rss = fg_peak_rss();
	double t0, c0;
	int rc, n;

	(void)fg_run_phases(&n);
	fg_store_run_set_double(r->store, "t_write", r->t[n - 1]);
	fg_store_run_set_double(r->store, "t_total", fg_clock() - r->t_start);
	fg_store_run_set_int(r->store, "peak_rss", (int64_t)rss);
	fg_store_run_set_double(r->store, "bytes_per_link",
	                        g->n_links ? (double)rss / (double)g->n_links : 0.0);
	fg_fault_point("before-commit");
	/* 128+N must keep meaning "nothing stored": hold SIGTERM & co. over the commit */
	fg_signal_commit_enter();
	t0 = fg_clock();
	c0 = fg_cpu_clock();
	rc = fg_store_run_commit(r->store, r->o.cfg.keep_runs);
	fg_signal_commit_leave(rc == FG_OK);
	fg_store_flusher_stop(&r->flusher);
	if (getenv("FG_WRITE_PROFILE")) /* fg_run_write.c's table lines, then this one */
		fprintf(stderr, "  write %-14s %7.3f s  cpu %7.3f s\n", "commit", fg_clock() - t0,
		        fg_cpu_clock() - c0);
	if (rc != FG_OK)
		return rc;
	r->committed = true;
	fg_fault_point("after-commit");
	note(r, "committed run %lld, output digest %s", (long long)r->run_id, r->output_digest);
	return FG_OK;
}

/* A field of /proc/self/status in KiB ("VmRSS:"), 0 if unreadable. */
static uint64_t status_kib(const char *field)
{
	char line[256];
	uint64_t kib = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0) {
			kib = strtoull(line + n, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

void fg_run_mem_profile(const char *where)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi;
#endif

	if (!getenv("FG_MEM_PROFILE"))
		return;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	mi = mallinfo2();
	fprintf(stderr, "  mem %-18s rss %7.1f hwm %7.1f MiB  malloc in use %7.1f (mmap %7.1f) "
	        "free in arenas %7.1f MiB\n", where, status_kib("VmRSS:") / 1024.0,
	        status_kib("VmHWM:") / 1024.0, (double)(mi.uordblks + mi.hblkhd) / 1048576.0,
	        (double)mi.hblkhd / 1048576.0, (double)mi.fordblks / 1048576.0);
#else
	fprintf(stderr, "  mem %-18s rss %7.1f hwm %7.1f MiB\n", where,
	        status_kib("VmRSS:") / 1024.0, status_kib("VmHWM:") / 1024.0);
#endif
}

static void phase_line(const char *name, double t, double cpu, const char *summary)
{
	fg_run_mem_profile(name);
	fg_log_info("%-10s %7.2f s  %6.0f MiB peak  cpu %6.2f s  %s", name, t,
	            (double)fg_peak_rss() / 1048576.0, cpu, summary);
}

int fg_run_all(fg_run *r)
{
	double t0, c0;
	int rc;

	for (int i = 0; i < N_PHASES; i++) {
		t0 = fg_clock();
		c0 = fg_cpu_clock();
		if ((rc = phases[i].fn(r)) != FG_OK)
			return rc;
		r->t[i] = fg_clock() - t0;
		if (i == N_PHASES - 1) {
			/* The last phase's line comes after the commit, which it times too. */
			if ((rc = fg_run_commit(r)) != FG_OK)
				return rc;
			r->t[i] = fg_clock() - t0;
		}
		phase_line(phases[i].name, r->t[i], fg_cpu_clock() - c0, r->note);
		if (phases[i].fn == fg_run_ingest) {
			if (r->bad.total || r->bad.warnings || r->bad.n_label_values)
				fg_badrows_report(&r->bad);
			fg_linkset_report(r->ls);
		}
	}
	fg_log_info("total      %7.2f s  peak memory %.1f MiB (%.0f bytes per link)",
	            fg_clock() - r->t_start, (double)fg_peak_rss() / 1048576.0,
	            r->g->n_links ? (double)fg_peak_rss() / (double)r->g->n_links : 0.0);
	return FG_OK;
}

bool fg_run_close(fg_run **pr)
{
	fg_run *r;
	bool rolled_back = false;

	if (!pr || !*pr)
		return false;
	r = *pr;
	(void)fg_run_write_join(r); /* a failed run: the writer's error, if any, comes second */
	(void)fg_run_digest_join(r);
	fg_store_flusher_stop(&r->flusher);
	if (r->store && !r->committed) {
		fg_store_run_rollback(r->store);
		rolled_back = true;
	}
	fg_linkset_free(&r->ls);
	for (int i = 0; i < r->n_held; i++) {
		fg_free(r->held[i].at);
		fg_free(r->held[i].val);
	}
	fg_free(r->comp);
	fg_free(r->ring);
	fg_free(r->risk);
	fg_free(r->dist);
	fg_free(r->nearest);
	fg_free(r->seed);
	fg_free(r->holdout);
	fg_free(r->seeds);
	fg_scores_free(&r->scores);
	fg_run_model_free(r);
	fg_track_result_free(&r->track);
	fg_run_track_free(r);
	fg_free(r->prev_rings);
	fg_free(r->hub_risk);
	fg_free(r->kinds_json);
	fg_graph_free(&r->g);
	fg_store_close(&r->store);
	fg_run_scored_fini(r);
	fg_free(r);
	*pr = NULL;
	return rolled_back;
}

int64_t fg_run_id(const fg_run *r) { return r->run_id; }
const fg_badrows *fg_run_bad_rows(const fg_run *r) { return &r->bad; }
const fg_graph *fg_run_graph(const fg_run *r) { return r->g; }
const uint32_t *fg_run_components_of(const fg_run *r) { return r->comp; }
const uint32_t *fg_run_rings_of(const fg_run *r) { return r->ring; }
const double *fg_run_risk_of(const fg_run *r) { return r->risk; }
const fg_scores *fg_run_scores(const fg_run *r) { return r->scores; }
const fg_track_result *fg_run_tracking(const fg_run *r) { return &r->track; }
const char *fg_run_output_digest(const fg_run *r) { return r->output_digest; }
const char *fg_run_note(const fg_run *r) { return r->note; }

const uint32_t *fg_run_seeds(const fg_run *r, uint32_t *n, const uint8_t **mask,
                             const uint8_t **holdout)
{
	*n = r->n_seeds;
	if (mask)
		*mask = r->seed;
	if (holdout)
		*holdout = r->holdout;
	return r->seeds;
}
