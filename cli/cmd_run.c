/*
 * fraudgraph run: the nightly job.  Options -> fg_run_opts, fg_run_all
 * (engine/fg_run.h: the phases, the write-back, the one transaction), then
 * the top rings on stdout.
 */
#include "fg_cli.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_opt.h"
#include "fg_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	OPT_DB = 1, OPT_EDGES, OPT_USERS, OPT_INPUT, OPT_EDGES_SQL, OPT_USERS_SQL, OPT_SINCE,
	OPT_WINDOW, OPT_AS_OF, OPT_MAX_BAD, OPT_STRICT, OPT_MAX_FIELD, OPT_MAX_SHARE,
	OPT_KIND_WEIGHT, OPT_RELATIONS, OPT_REL_WEIGHT, OPT_LPA_ITER, OPT_DAMPING, OPT_RISK_TOL,
	OPT_RISK_ITER, OPT_SMOOTHING, OPT_HOLDOUT, OPT_HOLDOUT_SEED, OPT_KEEP, OPT_TOP,
	OPT_THREADS, OPT_QUIET,
};

static const fg_opt_spec opts[] = {
	{ FG_OPT_SECTION, "Inputs:", 0, NULL, NULL, NULL },
	{ FG_OPT_VALUE, "edges", OPT_EDGES, "FILE",
	  "links CSV (user_id, kind, value [, seen_at]); '-' is stdin; repeatable", NULL },
	{ FG_OPT_VALUE, "users", OPT_USERS, "FILE", "users CSV (user_id [, created_at, label]); repeatable",
	  NULL },
	{ FG_OPT_VALUE, "input", OPT_INPUT, "DB", "read tables `edges` and `users` from a SQLite file (read-only)",
	  NULL },
	{ FG_OPT_VALUE, "edges-sql", OPT_EDGES_SQL, "SQL",
	  "read-only query on --input returning the edges columns by name", NULL },
	{ FG_OPT_VALUE, "users-sql", OPT_USERS_SQL, "SQL",
	  "read-only query on --input returning the users columns by name", NULL },
	{ FG_OPT_VALUE, "since", OPT_SINCE, "DATE", "keep links seen at or after DATE (unix seconds or ISO-8601)",
	  NULL },
	{ FG_OPT_VALUE, "window", OPT_WINDOW, "DAYS", "keep links seen in the last DAYS days before --as-of",
	  NULL },
	{ FG_OPT_VALUE, "as-of", OPT_AS_OF, "DATE", "the reference time of --window (for reproducible reruns)",
	  "now" },
	{ FG_OPT_VALUE, "max-bad-rows", OPT_MAX_BAD, "N", "fail (exit 3) past N bad rows in total", "1000" },
	{ FG_OPT_SWITCH, "strict", OPT_STRICT, NULL, "fail (exit 3) on the first bad row", NULL },
	{ FG_OPT_VALUE, "max-field", OPT_MAX_FIELD, "N", "longest accepted field in bytes", "4096" },
	{ FG_OPT_SECTION, "Graph and scoring:", 0, NULL, NULL, NULL },
	{ FG_OPT_VALUE, "max-share", OPT_MAX_SHARE, "KIND=N",
	  "hub cap: an entity of KIND shared by more than N users is a hub\n"
	  "(defaults: card 20, bank 20, email 20, phone 20, device 30,\n"
	  "address 50, ip 100, other kinds 50); repeatable", NULL },
	{ FG_OPT_VALUE, "kind-weight", OPT_KIND_WEIGHT, "KIND=W",
	  "sharing weight (defaults: card 3, bank 3, email 2.5, phone 2.5,\n"
	  "device 2, address 1.5, ip 1, other 1); repeatable", NULL },
	{ FG_OPT_VALUE, "relations", OPT_RELATIONS, "LIST", "kinds that are user-user links",
	  "user,referral,transfer,order" },
	{ FG_OPT_VALUE, "relation-weight", OPT_REL_WEIGHT, "W", "weight of a user-user link", "2" },
	{ FG_OPT_VALUE, "lpa-max-iter", OPT_LPA_ITER, "N", "ring finder sweep cap", "30" },
	{ FG_OPT_VALUE, "damping", OPT_DAMPING, "D", "risk walk: probability of following a link", "0.85" },
	{ FG_OPT_VALUE, "risk-tol", OPT_RISK_TOL, "T", "risk: stop when the L1 change is below T", "1e-8" },
	{ FG_OPT_VALUE, "risk-max-iter", OPT_RISK_ITER, "N", "risk: iteration cap", "200" },
	{ FG_OPT_VALUE, "smoothing", OPT_SMOOTHING, "K", "seed-rate smoothing (seeds + K*base)/(users + K)",
	  "10" },
	{ FG_OPT_VALUE, "holdout", OPT_HOLDOUT, "F", "hold a fraction F of seeds out of the kernels (for evaluate)",
	  NULL },
	{ FG_OPT_VALUE, "holdout-seed", OPT_HOLDOUT_SEED, "S", "which seeds are held out", "1" },
	{ FG_OPT_SECTION, "Output:", 0, NULL, NULL, NULL },
	{ FG_OPT_VALUE, "db", OPT_DB, "FILE", "the results database (created if missing)", NULL },
	{ FG_OPT_VALUE, "keep-runs", OPT_KEEP, "N", "keep only the newest N runs", "0: keep all" },
	{ FG_OPT_VALUE, "top", OPT_TOP, "N", "print the top N rings on stdout at the end", "10, 0: none" },
	{ FG_OPT_VALUE, "threads", OPT_THREADS, "N", "OpenMP threads; results do not depend on it",
	  "all cores" },
	{ FG_OPT_SWITCH, "quiet", OPT_QUIET, NULL, "no progress on stderr (errors and warnings still shown)",
	  NULL },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

static void help(FILE *f)
{
	fg_opt_help(f,
	        "usage: fraudgraph run --db RESULTS.db --edges FILE [--edges FILE ...] [--users FILE ...]\n"
	        "       fraudgraph run --db RESULTS.db --input SOURCE.db [--edges-sql SQL] [--users-sql SQL]",
	        "The nightly job: loads user-entity and user-user links, finds components and rings,\n"
	        "spreads risk from known-fraud seeds, scores rings and users, and writes one new run\n"
	        "to RESULTS.db in a single transaction (all or nothing).",
	        opts);
}

/* Parse the command line into r and *top; returns FG_OK, FG_EUSAGE, or 1 for --help. */
static int parse_args(fg_run_opts *r, int *top, int argc, char **argv)
{
	fg_opt_parser p;
	uint64_t u = 0;
	int rc = FG_OK;
	int64_t window_days = -1, as_of = FG_TIME_NONE;
	bool have_since = false;

	fg_opt_init(&p, "run", opts, argc, argv);
	while ((rc = fg_opt_next(&p)) > 0) {
		const char *v = p.value;
		switch (p.id) {
		case FG_OPT_HELP: return 1;
		case OPT_DB: r->db_path = v; break;
		case OPT_EDGES:
			if (r->n_edges >= FG_RUN_MAX_INPUTS)
				return fg_error_set(FG_EUSAGE, "too many --edges (max %d)", FG_RUN_MAX_INPUTS);
			r->edges[r->n_edges++] = v;
			break;
		case OPT_USERS:
			if (r->n_users_files >= FG_RUN_MAX_INPUTS)
				return fg_error_set(FG_EUSAGE, "too many --users (max %d)", FG_RUN_MAX_INPUTS);
			r->users[r->n_users_files++] = v;
			break;
		case OPT_INPUT: r->input_db = v; break;
		case OPT_EDGES_SQL: r->edges_sql = v; break;
		case OPT_USERS_SQL: r->users_sql = v; break;
		case OPT_SINCE:
			if (fg_parse_time(&r->cfg.since, v, strlen(v)) != 0)
				return fg_error_set(FG_EUSAGE, "--since: cannot parse time '%s'", v);
			have_since = true;
			break;
		case OPT_WINDOW:
			if ((rc = fg_opt_u64(&u, &p, 1, 100000)) != FG_OK)
				return rc;
			window_days = (int64_t)u;
			break;
		case OPT_AS_OF:
			if (fg_parse_time(&as_of, v, strlen(v)) != 0)
				return fg_error_set(FG_EUSAGE, "--as-of: cannot parse time '%s'", v);
			break;
		case OPT_MAX_BAD:
			if ((rc = fg_opt_u64(&r->cfg.max_bad_rows, &p, 0, UINT64_MAX)) != FG_OK)
				return rc;
			break;
		case OPT_STRICT: r->cfg.strict = true; break;
		case OPT_MAX_FIELD:
			if ((rc = fg_opt_u64(&u, &p, 16, 1u << 24)) != FG_OK)
				return rc;
			r->cfg.max_field_len = (uint32_t)u;
			break;
		case OPT_MAX_SHARE:
			if ((rc = fg_config_set_max_share(&r->cfg, v)) != FG_OK)
				return rc;
			break;
		case OPT_KIND_WEIGHT:
			if ((rc = fg_config_set_weight(&r->cfg, v)) != FG_OK)
				return rc;
			break;
		case OPT_RELATIONS:
			if ((rc = fg_config_set_relations(&r->cfg, v)) != FG_OK)
				return rc;
			break;
		case OPT_REL_WEIGHT:
			if ((rc = fg_opt_double(&r->cfg.relation_weight, &p, 1e-6, 1e6)) != FG_OK)
				return rc;
			break;
		case OPT_LPA_ITER:
			if ((rc = fg_opt_int(&r->cfg.lpa_max_iter, &p, 1, 10000)) != FG_OK)
				return rc;
			break;
		case OPT_DAMPING:
			if ((rc = fg_opt_double(&r->cfg.risk_damping, &p, 0.0, 0.999)) != FG_OK)
				return rc;
			break;
		case OPT_RISK_TOL:
			if ((rc = fg_opt_double(&r->cfg.risk_tol, &p, 0.0, 1.0)) != FG_OK)
				return rc;
			break;
		case OPT_RISK_ITER:
			if ((rc = fg_opt_int(&r->cfg.risk_max_iter, &p, 1, 100000)) != FG_OK)
				return rc;
			break;
		case OPT_SMOOTHING:
			if ((rc = fg_opt_double(&r->cfg.smoothing_k, &p, 0.0, 1e6)) != FG_OK)
				return rc;
			break;
		case OPT_HOLDOUT:
			if ((rc = fg_opt_double(&r->cfg.holdout, &p, 0.0, 0.99)) != FG_OK)
				return rc;
			break;
		case OPT_HOLDOUT_SEED:
			if ((rc = fg_opt_u64(&r->cfg.holdout_seed, &p, 0, UINT64_MAX)) != FG_OK)
				return rc;
			break;
		case OPT_KEEP:
			if ((rc = fg_opt_int(&r->cfg.keep_runs, &p, 0, 1000000)) != FG_OK)
				return rc;
			break;
		case OPT_TOP:
			if ((rc = fg_opt_int(top, &p, 0, 100000)) != FG_OK)
				return rc;
			break;
		case OPT_THREADS:
			if ((rc = fg_opt_int(&r->cfg.threads, &p, 1, 1024)) != FG_OK)
				return rc;
			break;
		case OPT_QUIET: fg_log_set_quiet(true); break;
		default: /* FG_OPT_ARG */
			return fg_error_set(FG_EUSAGE, "unexpected argument '%s'", v);
		}
	}
	if (rc < 0)
		return rc;
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
	fg_run_opts ro;
	fg_run *r = NULL;
	int rc, top = 10, exit_code;

	fg_run_opts_init(&ro);
	rc = parse_args(&ro, &top, argc, argv);
	if (rc == 1) {
		help(stdout);
		return FG_EXIT_OK;
	}
	if (rc != FG_OK)
		return fg_cli_fail(rc);
	rc = fg_run_open(&r, &ro);
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
		             ro.db_path);
	return exit_code;
}
