/*
 * fraudgraph run: the nightly job.
 *
 * Phases: ingest (CSV / SQLite rows into a linkset), graph build (canonical
 * ids, hubs, CSR), components, rings, risk, evidence (nearest seed), scoring
 * (rings, users, features, ring identity across nights) and the write-back,
 * all inside one write transaction of the results database that is opened
 * first: a second run fails at once, and any failure (bad data, full disk,
 * a crash) leaves every earlier run as it was.
 */
#include "fg_cli.h"
#include "run.h"

#include "fg_alloc.h"
#include "fg_bfs.h"
#include "fg_build_config.h"
#include "fg_cc.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_par.h"
#include "fg_rings.h"
#include "fg_risk.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *phase_name[PH_N] = {
	"ingest", "build", "components", "rings", "risk", "evidence", "scoring", "write",
};

static void usage(FILE *f)
{
	fprintf(f,
	"usage: fraudgraph run --db RESULTS.db --edges FILE [--edges FILE ...] [--users FILE ...]\n"
	"       fraudgraph run --db RESULTS.db --input SOURCE.db [--edges-sql SQL] [--users-sql SQL]\n"
	"\n"
	"The nightly job: loads user-entity and user-user links, finds components and rings,\n"
	"spreads risk from known-fraud seeds, scores rings and users, and writes one new run\n"
	"to RESULTS.db in a single transaction (all or nothing).\n"
	"\n"
	"Inputs:\n"
	"  --edges FILE        links CSV (user_id, kind, value [, seen_at]); '-' is stdin; repeatable\n"
	"  --users FILE        users CSV (user_id [, created_at, label]); repeatable\n"
	"  --input DB          read tables `edges` and `users` from a SQLite file (read-only)\n"
	"  --edges-sql SQL     read-only query on --input returning the edges columns by name\n"
	"  --users-sql SQL     read-only query on --input returning the users columns by name\n"
	"  --since DATE        keep links seen at or after DATE (unix seconds or ISO-8601)\n"
	"  --window DAYS       keep links seen in the last DAYS days before --as-of (default: now)\n"
	"  --as-of DATE        the reference time of --window (for reproducible reruns)\n"
	"  --max-bad-rows N    fail (exit 3) past N bad rows in total (default 1000)\n"
	"  --strict            fail (exit 3) on the first bad row\n"
	"  --max-field N       longest accepted field in bytes (default 4096)\n"
	"  --column ROLE=NAME  the column holding ROLE (user_id, kind, value, seen_at, created_at,\n"
	"                      label) is called NAME; repeatable\n"
	"  --label CLASS=V,... the label values of CLASS (fraud, legit, unknown), case-insensitive\n"
	"                      (defaults: fraud,chargeback,confirmed_fraud,1,true,yes; legit,cleared;\n"
	"                      0,false); repeatable\n"
	"  --attrs A,B,...     keep only these numeric user attributes (the users input's extra columns)\n"
	"  --no-attrs          keep no user attributes\n"
	"\n"
	"Graph and scoring:\n"
	"  --max-share KIND=N  hub cap: an entity of KIND shared by more than N users is a hub\n"
	"                      (defaults: card 20, bank 20, email 20, phone 20, device 30,\n"
	"                      address 50, ip 100, other kinds 50); repeatable\n"
	"  --kind-weight KIND=W  sharing weight (defaults: card 3, bank 3, email 2.5, phone 2.5,\n"
	"                      device 2, address 1.5, ip 1, other 1); repeatable\n"
	"  --relations LIST    kinds that are user-user links (default user,referral,transfer,order)\n"
	"  --relation-weight W weight of a user-user link (default 2)\n"
	"  --lpa-max-iter N    ring finder sweep cap (default 30)\n"
	"  --damping D         risk walk: probability of following a link (default 0.85)\n"
	"  --risk-tol T        risk: stop when the L1 change is below T (default 1e-8)\n"
	"  --risk-max-iter N   risk: iteration cap (default 200)\n"
	"  --smoothing K       seed-rate smoothing (seeds + K*base)/(users + K) (default 10)\n"
	"  --holdout F         hold a fraction F of seeds out of the kernels (for evaluate)\n"
	"  --holdout-seed S    which seeds are held out (default 1)\n"
	"\n"
	"Output:\n"
	"  --db FILE           the results database (created if missing)\n"
	"  --keep-runs N       keep only the newest N runs (default 0: keep all)\n"
	"  --top N             print the top N rings on stdout at the end (default 10, 0: none)\n"
	"  --threads N         OpenMP threads (default: all cores); results do not depend on it\n"
	"  --quiet             no progress on stderr (errors and warnings still shown)\n"
	"  --help              this text\n"
	"\n%s", fg_cli_exit_codes);
}

enum {
	OPT_DB = 256, OPT_EDGES, OPT_USERS, OPT_INPUT, OPT_EDGES_SQL, OPT_USERS_SQL, OPT_SINCE,
	OPT_WINDOW, OPT_AS_OF, OPT_MAX_BAD, OPT_STRICT, OPT_MAX_FIELD, OPT_MAX_SHARE,
	OPT_KIND_WEIGHT, OPT_RELATIONS, OPT_REL_WEIGHT, OPT_LPA_ITER, OPT_DAMPING, OPT_RISK_TOL,
	OPT_RISK_ITER, OPT_SMOOTHING, OPT_HOLDOUT, OPT_HOLDOUT_SEED, OPT_KEEP, OPT_TOP,
	OPT_THREADS, OPT_QUIET, OPT_HELP, OPT_COLUMN, OPT_LABEL, OPT_ATTRS, OPT_NO_ATTRS,
};

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "edges", required_argument, NULL, OPT_EDGES },
	{ "users", required_argument, NULL, OPT_USERS },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "edges-sql", required_argument, NULL, OPT_EDGES_SQL },
	{ "users-sql", required_argument, NULL, OPT_USERS_SQL },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "max-bad-rows", required_argument, NULL, OPT_MAX_BAD },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "max-field", required_argument, NULL, OPT_MAX_FIELD },
	{ "max-share", required_argument, NULL, OPT_MAX_SHARE },
	{ "kind-weight", required_argument, NULL, OPT_KIND_WEIGHT },
	{ "relations", required_argument, NULL, OPT_RELATIONS },
	{ "relation-weight", required_argument, NULL, OPT_REL_WEIGHT },
	{ "lpa-max-iter", required_argument, NULL, OPT_LPA_ITER },
	{ "damping", required_argument, NULL, OPT_DAMPING },
	{ "risk-tol", required_argument, NULL, OPT_RISK_TOL },
	{ "risk-max-iter", required_argument, NULL, OPT_RISK_ITER },
	{ "smoothing", required_argument, NULL, OPT_SMOOTHING },
	{ "holdout", required_argument, NULL, OPT_HOLDOUT },
	{ "holdout-seed", required_argument, NULL, OPT_HOLDOUT_SEED },
	{ "keep-runs", required_argument, NULL, OPT_KEEP },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "column", required_argument, NULL, OPT_COLUMN },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "attrs", required_argument, NULL, OPT_ATTRS },
	{ "no-attrs", no_argument, NULL, OPT_NO_ATTRS },
	{ NULL, 0, NULL, 0 },
};

static int parse_u64(uint64_t *out, const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return fg_error_set(FG_EUSAGE, "--%s expects an integer, got '%s'", opt, s ? s : "");
	v = strtoull(s, &end, 10);
	if (*end || v < lo || v > hi)
		return fg_error_set(FG_EUSAGE, "--%s expects an integer in [%llu, %llu], got '%s'", opt,
		                    (unsigned long long)lo, (unsigned long long)hi, s);
	*out = v;
	return FG_OK;
}

static int parse_dbl(double *out, const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (!*s || *end || !(v >= lo && v <= hi))
		return fg_error_set(FG_EUSAGE, "--%s expects a number in [%g, %g], got '%s'", opt, lo, hi, s);
	*out = v;
	return FG_OK;
}

/* Parse the command line into r; returns FG_OK, FG_EUSAGE, or 1 for --help. */
static int parse_args(fg_run *r, int argc, char **argv)
{
	uint64_t u = 0;
	int c, rc = FG_OK;
	int64_t window_days = -1, as_of = FG_TIME_NONE;
	bool have_since = false;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: r->db_path = optarg; break;
		case OPT_EDGES:
			if (r->n_edges >= FG_RUN_MAX_INPUTS)
				return fg_error_set(FG_EUSAGE, "too many --edges (max %d)", FG_RUN_MAX_INPUTS);
			r->edges[r->n_edges++] = optarg;
			break;
		case OPT_USERS:
			if (r->n_users_files >= FG_RUN_MAX_INPUTS)
				return fg_error_set(FG_EUSAGE, "too many --users (max %d)", FG_RUN_MAX_INPUTS);
			r->users[r->n_users_files++] = optarg;
			break;
		case OPT_INPUT: r->input_db = optarg; break;
		case OPT_EDGES_SQL: r->edges_sql = optarg; break;
		case OPT_USERS_SQL: r->users_sql = optarg; break;
		case OPT_SINCE:
			if (fg_parse_time(&r->cfg.since, optarg, strlen(optarg)) != 0)
				return fg_error_set(FG_EUSAGE, "--since: cannot parse time '%s'", optarg);
			have_since = true;
			break;
		case OPT_WINDOW:
			if ((rc = parse_u64(&u, "window", optarg, 1, 100000)) != FG_OK)
				return rc;
			window_days = (int64_t)u;
			break;
		case OPT_AS_OF:
			if (fg_parse_time(&as_of, optarg, strlen(optarg)) != 0)
				return fg_error_set(FG_EUSAGE, "--as-of: cannot parse time '%s'", optarg);
			break;
		case OPT_MAX_BAD:
			if ((rc = parse_u64(&r->cfg.max_bad_rows, "max-bad-rows", optarg, 0, UINT64_MAX)) != FG_OK)
				return rc;
			break;
		case OPT_STRICT: r->cfg.strict = true; break;
		case OPT_MAX_FIELD:
			if ((rc = parse_u64(&u, "max-field", optarg, 16, 1u << 24)) != FG_OK)
				return rc;
			r->cfg.max_field_len = (uint32_t)u;
			break;
		case OPT_MAX_SHARE:
			if ((rc = fg_config_set_max_share(&r->cfg, optarg)) != FG_OK)
				return rc;
			break;
		case OPT_KIND_WEIGHT:
			if ((rc = fg_config_set_weight(&r->cfg, optarg)) != FG_OK)
				return rc;
			break;
		case OPT_RELATIONS:
			if ((rc = fg_config_set_relations(&r->cfg, optarg)) != FG_OK)
				return rc;
			break;
		case OPT_REL_WEIGHT:
			if ((rc = parse_dbl(&r->cfg.relation_weight, "relation-weight", optarg, 1e-6, 1e6)) != FG_OK)
				return rc;
			break;
		case OPT_LPA_ITER:
			if ((rc = parse_u64(&u, "lpa-max-iter", optarg, 1, 10000)) != FG_OK)
				return rc;
			r->cfg.lpa_max_iter = (int)u;
			break;
		case OPT_DAMPING:
			if ((rc = parse_dbl(&r->cfg.risk_damping, "damping", optarg, 0.0, 0.999)) != FG_OK)
				return rc;
			break;
		case OPT_RISK_TOL:
			if ((rc = parse_dbl(&r->cfg.risk_tol, "risk-tol", optarg, 0.0, 1.0)) != FG_OK)
				return rc;
			break;
		case OPT_RISK_ITER:
			if ((rc = parse_u64(&u, "risk-max-iter", optarg, 1, 100000)) != FG_OK)
				return rc;
			r->cfg.risk_max_iter = (int)u;
			break;
		case OPT_SMOOTHING:
			if ((rc = parse_dbl(&r->cfg.smoothing_k, "smoothing", optarg, 0.0, 1e6)) != FG_OK)
				return rc;
			break;
		case OPT_HOLDOUT:
			if ((rc = parse_dbl(&r->cfg.holdout, "holdout", optarg, 0.0, 0.99)) != FG_OK)
				return rc;
			break;
		case OPT_HOLDOUT_SEED:
			if ((rc = parse_u64(&r->cfg.holdout_seed, "holdout-seed", optarg, 0, UINT64_MAX)) != FG_OK)
				return rc;
			break;
		case OPT_KEEP:
			if ((rc = parse_u64(&u, "keep-runs", optarg, 0, 1000000)) != FG_OK)
				return rc;
			r->cfg.keep_runs = (int)u;
			break;
		case OPT_TOP:
			if ((rc = parse_u64(&u, "top", optarg, 0, 100000)) != FG_OK)
				return rc;
			r->top = (int)u;
			break;
		case OPT_THREADS:
			if ((rc = parse_u64(&u, "threads", optarg, 1, 1024)) != FG_OK)
				return rc;
			r->cfg.threads = (int)u;
			break;
		case OPT_QUIET: fg_log_set_quiet(true); break;
		case OPT_COLUMN: if ((rc = fg_config_set_column(&r->cfg, optarg)) != FG_OK) return rc; break;
		case OPT_LABEL: if ((rc = fg_config_set_label(&r->cfg, optarg)) != FG_OK) return rc; break;
		case OPT_ATTRS: if ((rc = fg_config_set_attrs(&r->cfg, optarg)) != FG_OK) return rc; break;
		case OPT_NO_ATTRS: fg_config_set_no_attrs(&r->cfg); break;
		case OPT_HELP: return 1;
		case ':':
			return fg_error_set(FG_EUSAGE, "option %s needs a value", argv[optind - 1]);
		default:
			return fg_error_set(FG_EUSAGE, "unknown option '%s' (see fraudgraph run --help)",
			                    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fg_error_set(FG_EUSAGE, "unexpected argument '%s'", argv[optind]);
	if (!r->db_path)
		return fg_error_set(FG_EUSAGE, "--db RESULTS.db is required (see fraudgraph run --help)");
	if (!r->n_edges && !r->input_db)
		return fg_error_set(FG_EUSAGE, "no input: give --edges FILE or --input SOURCE.db");
	if ((r->edges_sql || r->users_sql) && !r->input_db)
		return fg_error_set(FG_EUSAGE, "--edges-sql and --users-sql need --input SOURCE.db");
	if (window_days >= 0) {
		int64_t ref = as_of != FG_TIME_NONE ? as_of : (int64_t)time(NULL);
		int64_t since = ref - window_days * 86400;
		if (!have_since || since > r->cfg.since)
			r->cfg.since = since;
	} else if (as_of != FG_TIME_NONE) {
		return fg_error_set(FG_EUSAGE, "--as-of only makes sense with --window");
	}
	return FG_OK;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void phase_done(fg_run *r, int ph, double t0, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	r->t[ph] = fg_clock() - t0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fg_log_info("%-10s %7.2f s  %6.0f MiB peak  %s", phase_name[ph], r->t[ph],
	            (double)fg_peak_rss() / 1048576.0, buf);
}

/* A deterministic per-user coin for --holdout: a hash of the user id and the seed. */
static double holdout_coin(const char *id, uint64_t seed)
{
	uint64_t h = 1469598103934665603ull ^ (seed * 0x9e3779b97f4a7c15ull);

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (double)(h >> 11) / 9007199254740992.0;
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
	return fg_linkset_link_sink(ps->ls, row);
}

static int ingest(fg_run *r, fg_linkset *ls)
{
	progress_sink ps = { ls, 0 };
	int rc;

	for (int i = 0; i < r->n_edges; i++)
		if ((rc = fg_ingest_links_csv(r->edges[i], &r->cfg, &r->bad, link_sink_progress, &ps)) != FG_OK)
			return rc;
	for (int i = 0; i < r->n_users_files; i++)
		if ((rc = fg_ingest_users_csv(r->users[i], &r->cfg, &r->bad, fg_linkset_user_sink, ls)) != FG_OK)
			return rc;
	if (r->input_db) {
		if ((rc = fg_ingest_links_sqlite(r->input_db, r->edges_sql, &r->cfg, &r->bad,
		                                 link_sink_progress, &ps)) != FG_OK)
			return rc;
		if ((rc = fg_ingest_users_sqlite(r->input_db, r->users_sql, &r->cfg, &r->bad,
		                                 fg_linkset_user_sink, ls)) != FG_OK)
			return rc;
	}
	fg_log_progress_end();
	return FG_OK;
}

static int alloc_arrays(fg_run *r)
{
	const fg_graph *g = r->g;
	size_t nv = (size_t)g->n_users + g->n_entities;

	if (nv == 0)
		nv = 1;
	r->comp = fg_mallocarray(nv, sizeof(*r->comp));
	r->ring = fg_mallocarray(g->n_users ? g->n_users : 1, sizeof(*r->ring));
	r->risk = fg_calloc(nv, sizeof(*r->risk));
	r->dist = fg_mallocarray(nv, sizeof(*r->dist));
	r->nearest = fg_mallocarray(nv, sizeof(*r->nearest));
	r->holdout = fg_calloc(g->n_users ? g->n_users : 1, 1);
	r->seeds = fg_mallocarray(g->n_users ? g->n_users : 1, sizeof(*r->seeds));
	if (!r->comp || !r->ring || !r->risk || !r->dist || !r->nearest || !r->holdout || !r->seeds)
		return fg_error_set(FG_ENOMEM, "out of memory for the kernels' output (%zu vertices)", nv);
	return FG_OK;
}

/* Keep the first n entries of a per-vertex array (a failed shrink keeps it whole). */
static void shrink_to_users(uint32_t **a, uint32_t n)
{
	uint32_t *p = fg_reallocarray(*a, n ? n : 1, sizeof(**a));

	if (p)
		*a = p;
}

static void print_top(const fg_run *r)
{
	const fg_scores *s = r->scores;
	uint32_t *order, n = s->n_rings, shown;

	if (r->top <= 0)
		return;
	order = fg_mallocarray(n ? n : 1, sizeof(*order));
	if (!order)
		return;
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	/* insertion of the top r->top by score (ties: ring id) without sorting everything */
	shown = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = order[i], j;
		if (shown < (uint32_t)r->top)
			shown++;
		else if (!(s->rings[k].score > s->rings[order[shown - 1]].score))
			continue;
		j = shown - 1;
		while (j > 0 && s->rings[order[j - 1]].score < s->rings[k].score)
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = k;
	}
	printf("run %lld: %u users, %u entities, %llu links, %u hubs, %u seeds, %u rings\n",
	       (long long)r->run_id, r->g->n_users, r->g->n_entities,
	       (unsigned long long)r->g->n_links, r->g->n_hubs, r->g->n_seeds, n);
	if (shown) {
		printf("%-4s %-8s %-7s %5s %5s %5s %5s %5s %6s  %s\n", "rank", "ring_key", "status",
		       "users", "seeds", "cards", "devs", "addrs", "score", "first member");
		for (uint32_t i = 0; i < shown; i++) {
			const fg_group_score *gs = &s->rings[order[i]];
			const fg_ring_track *t = &r->track.rings[order[i]];
			printf("%-4u %-8s %-7s %5u %5u %5u %5u %5u %6.3f  %s\n", i + 1, t->key, t->status,
			       gs->n_users, gs->n_seeds, gs->n_by_class[FG_KC_CARD],
			       gs->n_by_class[FG_KC_DEVICE], gs->n_by_class[FG_KC_ADDRESS], gs->score,
			       r->g->user_id[gs->id]);
		}
	}
	fg_free(order);
}

static void run_free(fg_run *r)
{
	fg_free(r->comp);
	fg_free(r->ring);
	fg_free(r->risk);
	fg_free(r->dist);
	fg_free(r->nearest);
	fg_free(r->holdout);
	fg_free(r->seeds);
	fg_scores_free(&r->scores);
	fg_track_result_free(&r->track);
	fg_free(r->prev_rings);
	fg_graph_free(&r->g);
	fg_store_close(&r->store);
}

int fg_cmd_run(int argc, char **argv)
{
	fg_run run, *r = &run;
	fg_linkset *ls = NULL;
	char *params = NULL;
	double t0, t_start = fg_clock();
	int rc;

	memset(r, 0, sizeof(*r));
	fg_config_init(&r->cfg);
	r->top = 10;
	rc = parse_args(r, argc, argv);
	if (rc == 1) {
		usage(stdout);
		return FG_EXIT_OK;
	}
	if (rc != FG_OK)
		return fg_cli_fail(rc);
	fg_par_set_threads(r->cfg.threads);

	/* Open the results first: a busy or unwritable database fails before any work. */
	if ((rc = fg_config_to_json(&params, &r->cfg)) != FG_OK ||
	    (rc = fg_store_open(&r->store, r->db_path, FG_STORE_WRITE)) != FG_OK ||
	    (rc = fg_store_run_begin(r->store, &r->run_id, params, fg_par_threads())) != FG_OK)
		goto cleanup;
	fg_log_info("run %lld on %s, %d thread%s", (long long)r->run_id, r->db_path,
	            fg_par_threads(), fg_par_threads() == 1 ? "" : "s");

	/* ingest */
	t0 = fg_clock();
	if ((rc = fg_linkset_new(&ls, &r->cfg)) != FG_OK || (rc = ingest(r, ls)) != FG_OK)
		goto cleanup;
	phase_done(r, PH_INGEST, t0, "%llu rows, %llu bad, %llu outside the window",
	           (unsigned long long)r->bad.rows_read, (unsigned long long)r->bad.total,
	           (unsigned long long)r->bad.rows_filtered);
	if (r->bad.total || r->bad.warnings || r->bad.n_label_values)
		fg_badrows_report(&r->bad);
	fg_linkset_report(ls);

	/* graph */
	t0 = fg_clock();
	if ((rc = fg_graph_build(&r->g, ls, &r->cfg)) != FG_OK)
		goto cleanup;
	fg_linkset_free(&ls);
	phase_done(r, PH_BUILD, t0, "%u users, %u entities, %llu links (%llu user-user), %u hubs, %llu arcs",
	           r->g->n_users, r->g->n_entities, (unsigned long long)r->g->n_links,
	           (unsigned long long)r->g->n_user_links, r->g->n_hubs, (unsigned long long)r->g->g.m);
	if ((rc = alloc_arrays(r)) != FG_OK)
		goto cleanup;

	/* seeds, with the held-out ones removed from the kernels' view */
	for (uint32_t u = 0; u < r->g->n_users; u++) {
		if (r->g->user_label[u] != FG_LABEL_FRAUD)
			continue;
		if (r->cfg.holdout > 0.0 && holdout_coin(r->g->user_id[u], r->cfg.holdout_seed) < r->cfg.holdout) {
			r->holdout[u] = 1;
			r->g->user_label[u] = FG_LABEL_UNKNOWN;
			r->g->n_seeds--;
			continue;
		}
		r->seeds[r->n_seeds++] = u;
	}

	t0 = fg_clock();
	if ((rc = fg_cc(r->comp, &r->g->g)) != FG_OK)
		goto cleanup;
	phase_done(r, PH_COMPONENTS, t0, "%llu arcs", (unsigned long long)r->g->g.m);

	t0 = fg_clock();
	{
		fg_rings_stats st;
		if ((rc = fg_rings(r->ring, r->g, r->cfg.lpa_max_iter, &st)) != FG_OK)
			goto cleanup;
		r->lpa_iterations = st.iterations;
		phase_done(r, PH_RINGS, t0, "%d sweeps, %s", st.iterations,
		           st.converged ? "converged" : "stopped at the cap");
	}

	t0 = fg_clock();
	{
		fg_risk_stats st;
		if ((rc = fg_risk(r->risk, r->g, r->seeds, r->n_seeds, r->cfg.risk_damping,
		                  r->cfg.risk_tol, r->cfg.risk_max_iter, &st)) != FG_OK)
			goto cleanup;
		r->risk_iterations = st.iterations;
		phase_done(r, PH_RISK, t0, "%u seeds, %d iterations, L1 change %.3g", r->n_seeds,
		           st.iterations, st.last_delta);
	}

	t0 = fg_clock();
	if ((rc = fg_bfs_multi(r->dist, NULL, r->nearest, &r->g->g, r->seeds, r->n_seeds)) != FG_OK)
		goto cleanup;
	/* Only the users' hops and nearest seeds are written: drop the entities' part. */
	shrink_to_users(&r->dist, r->g->n_users);
	shrink_to_users(&r->nearest, r->g->n_users);
	phase_done(r, PH_EVIDENCE, t0, "nearest seed for every reachable user");

	t0 = fg_clock();
	if ((rc = fg_score_compute(&r->scores, r->g, &r->cfg, r->comp, r->ring, r->risk)) != FG_OK ||
	    (rc = fg_run_track(r)) != FG_OK)
		goto cleanup;
	phase_done(r, PH_SCORING, t0, "%u rings (%u new, %u grown, %u merged, %u split, %u dissolved), "
	           "%u components of 2+ users", r->scores->n_rings, r->track.n_new, r->track.n_grown,
	           r->track.n_merged, r->track.n_split, r->track.n_dissolved, r->scores->n_comps);

	/*
	 * The write-back reads the links, ids and per-vertex results, not the CSR:
	 * hand its memory back before SQLite's page cache grows.
	 */
	fg_csr_free(&r->g->g);

	t0 = fg_clock();
	if ((rc = fg_run_write(r)) != FG_OK)
		goto cleanup;
	r->t[PH_WRITE] = fg_clock() - t0;
	{
		double total = fg_clock() - t_start;
		uint64_t rss = fg_peak_rss();
		fg_store_run_set_double(r->store, "t_write", r->t[PH_WRITE]);
		fg_store_run_set_double(r->store, "t_total", total);
		fg_store_run_set_int(r->store, "peak_rss", (int64_t)rss);
		fg_store_run_set_double(r->store, "bytes_per_link",
		                        r->g->n_links ? (double)rss / (double)r->g->n_links : 0.0);
	}
	fg_fault_point("before-commit");
	if ((rc = fg_store_run_commit(r->store, r->cfg.keep_runs)) != FG_OK)
		goto cleanup;
	fg_fault_point("after-commit");
	phase_done(r, PH_WRITE, t0, "committed run %lld, output digest %s", (long long)r->run_id,
	           r->output_digest);
	fg_log_info("total      %7.2f s  peak memory %.1f MiB (%.0f bytes per link)",
	            fg_clock() - t_start, (double)fg_peak_rss() / 1048576.0,
	            r->g->n_links ? (double)fg_peak_rss() / (double)r->g->n_links : 0.0);
	print_top(r);

cleanup:
	if (rc != FG_OK) {
		int exit_code;
		/* Report first: the rollback below may overwrite the message. */
		exit_code = fg_cli_fail(rc);
		if (rc == FG_EDATA && r->bad.total)
			fg_badrows_report(&r->bad);
		if (r->store)
			fg_store_run_rollback(r->store);
		if (rc != FG_EBUSY && r->store)
			fg_log_error("nothing of this run was stored; earlier runs in %s are unchanged",
			             r->db_path);
		fg_linkset_free(&ls);
		fg_free(params);
		run_free(r);
		return exit_code;
	}
	fg_linkset_free(&ls);
	fg_free(params);
	run_free(r);
	return FG_EXIT_OK;
}
