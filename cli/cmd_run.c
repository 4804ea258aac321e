/*
 * fraudgraph run: the nightly job.  Options -> fg_run_opts, fg_run_all
 * (engine/fg_run.h: the phases, the write-back, the one transaction), then
 * the top rings on stdout.
 */
#include "fg_cli.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_run.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	OPT_THREADS, OPT_QUIET, OPT_HELP,
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

/* Parse the command line into r and *top; returns FG_OK, FG_EUSAGE, or 1 for --help. */
static int parse_args(fg_run_opts *r, int *top, int argc, char **argv)
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
			*top = (int)u;
			break;
		case OPT_THREADS:
			if ((rc = parse_u64(&u, "threads", optarg, 1, 1024)) != FG_OK)
				return rc;
			r->cfg.threads = (int)u;
			break;
		case OPT_QUIET: fg_log_set_quiet(true); break;
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

static void print_top(const fg_run *r, int top)
{
	const fg_scores *s = fg_run_scores(r);
	const fg_graph *g = fg_run_graph(r);
	const fg_track_result *tr = fg_run_tracking(r);
	uint32_t *order, n = s->n_rings, shown, n_seeds;

	if (top <= 0)
		return;
	(void)fg_run_seeds(r, &n_seeds, NULL, NULL);
	order = fg_mallocarray(n ? n : 1, sizeof(*order));
	if (!order)
		return;
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	/* insertion of the top top by score (ties: ring id) without sorting everything */
	shown = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = order[i], j;
		if (shown < (uint32_t)top)
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
	       (long long)fg_run_id(r), g->n_users, g->n_entities,
	       (unsigned long long)g->n_links, g->n_hubs, n_seeds, n);
	if (shown) {
		printf("%-4s %-8s %-7s %5s %5s %5s %5s %5s %6s  %s\n", "rank", "ring_key", "status",
		       "users", "seeds", "cards", "devs", "addrs", "score", "first member");
		for (uint32_t i = 0; i < shown; i++) {
			const fg_group_score *gs = &s->rings[order[i]];
			const fg_ring_track *t = &tr->rings[order[i]];
			printf("%-4u %-8s %-7s %5u %5u %5u %5u %5u %6.3f  %s\n", i + 1, t->key, fg_ring_status_name(t->status),
			       gs->n_users, gs->n_seeds, gs->n_by_class[FG_KC_CARD],
			       gs->n_by_class[FG_KC_DEVICE], gs->n_by_class[FG_KC_ADDRESS], gs->score,
			       g->user_id[gs->id]);
		}
	}
	fg_free(order);
}

int fg_cmd_run(int argc, char **argv)
{
	fg_run_opts opts;
	fg_run *r = NULL;
	int rc, top = 10, exit_code;

	fg_run_opts_init(&opts);
	rc = parse_args(&opts, &top, argc, argv);
	if (rc == 1) {
		usage(stdout);
		return FG_EXIT_OK;
	}
	if (rc != FG_OK)
		return fg_cli_fail(rc);
	rc = fg_run_open(&r, &opts);
	if (rc == FG_OK)
		rc = fg_run_all(r);
	if (rc == FG_OK) {
		print_top(r, top);
		fg_run_close(&r);
		return FG_EXIT_OK;
	}
	/* Report first: the rollback in fg_run_close may overwrite the message. */
	exit_code = fg_cli_fail(rc);
	if (rc == FG_EDATA && r && fg_run_bad_rows(r)->total)
		fg_badrows_report(fg_run_bad_rows(r));
	if (fg_run_close(&r) && rc != FG_EBUSY)
		fg_log_error("nothing of this run was stored; earlier runs in %s are unchanged",
		             opts.db_path);
	return exit_code;
}
