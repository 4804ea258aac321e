/*
 * fraudgraph run: the nightly job.  Options -> fg_run_opts, fg_run_all
 * (engine/fg_run.h: the phases, the write-back, the one transaction), then
 * the top rings on stdout.
 */
#include "fg_cli.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_opt.h"
#include "fg_run.h"
#include "run_args.h"
#if FG_HAVE_MPI
#include "fg_mpi.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void print_top(const fg_run *r, const fg_config *cfg, int top)
{
	const fg_scores *s = fg_run_scores(r);
	const fg_graph *g = fg_run_graph(r);
	const fg_track_result *tr = fg_run_tracking(r);
	const double *learned = fg_run_ring_scores(r);
	uint32_t *order, n = s->n_rings, shown, n_seeds;
#define RSC(k) (learned ? learned[k] : s->rings[k].score)

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
		else if (!(RSC(k) > RSC(order[shown - 1])))
			continue;
		j = shown - 1;
		while (j > 0 && RSC(order[j - 1]) < RSC(k))
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = k;
	}
	printf("run %lld: %u users, %u entities, %llu links, %u hubs, %u seeds, %u rings\n",
	       (long long)fg_run_id(r), g->n_users, g->n_entities,
	       (unsigned long long)g->n_links, g->n_hubs, n_seeds, n);
	if (g->n_links && fg_graph_hub_cut_share(g) > cfg->hub_warn_share)
		printf("warning: hubs cut %.1f%% of the links (%llu of %llu): most users are isolated; "
		       "see the kinds on stderr and raise --max-share\n", 100.0 * fg_graph_hub_cut_share(g),
		       (unsigned long long)g->n_hub_links, (unsigned long long)g->n_links);
	if (shown) {
		printf("%-4s %-8s %-7s %5s %5s %5s %5s %5s %6s  %s\n", "rank", "ring_key", "status",
		       "users", "seeds", "cards", "devs", "addrs", "score", "first member");
		for (uint32_t i = 0; i < shown; i++) {
			const fg_group_score *gs = &s->rings[order[i]];
			const fg_ring_track *t = &tr->rings[order[i]];
			printf("%-4u %-8s %-7s %5u %5u %5u %5u %5u %6.3f  %s\n", i + 1, t->key, fg_ring_status_name(t->status),
			       gs->n_users, gs->n_seeds, gs->n_by_class[FG_KC_CARD],
			       gs->n_by_class[FG_KC_DEVICE], gs->n_by_class[FG_KC_ADDRESS], RSC(order[i]),
			       fg_graph_user_id(g, gs->id));
		}
	}
#undef RSC
	fg_free(order);
}

static void help(FILE *f)
{
	fg_opt_help(f,
	        "usage: fraudgraph run --db RESULTS.db --edges FILE [--edges FILE ...] [--users FILE ...]\n"
	        "       fraudgraph run --db RESULTS.db --input SOURCE.db [--edges-sql SQL] [--users-sql SQL]\n"
	        "       fraudgraph run --config FILE [more options]",
	        "The nightly job: loads user-entity and user-user links, finds components and rings,\n"
	        "spreads risk from known-fraud seeds, scores rings and users, and writes one new run\n"
	        "to RESULTS.db in a single transaction (all or nothing).  An input without links\n"
	        "(exit 3) or with far fewer links or users than the last run (exit 7) is refused.",
	        fg_run_arg_specs);
}

int fg_cmd_run(int argc, char **argv)
{
	fg_run_args a;
	fg_run *r = NULL;
	int rc, exit_code;

	fg_run_args_init(&a, "run");
	rc = fg_run_args_parse(&a, argc, argv, true);
	if (rc == 1) {
		help(stdout);
		fg_run_args_free(&a);
		return FG_EXIT_OK;
	}
	if (rc != FG_OK) {
		fg_run_args_free(&a);
		return fg_cli_fail(rc);
	}
#if FG_HAVE_MPI
	if (fg_mpi_active()) {
		/* under mpirun: rank 0 runs the job, the others serve its phases */
		fg_mpi_session_begin();
		if (fg_mpi_rank() != 0) {
			exit_code = fg_mpi_worker(&a.ro);
			fg_run_args_free(&a);
			return exit_code;
		}
	}
#endif
	rc = fg_run_open(&r, &a.ro);
	if (rc == FG_OK)
		rc = fg_run_all(r);
	if (rc == FG_OK) {
		print_top(r, &a.ro.cfg, a.top);
		fg_run_close(&r);
		fg_run_args_free(&a);
		return FG_EXIT_OK;
	}
	/* Report first: the rollback in fg_run_close may overwrite the message. */
	exit_code = fg_cli_fail(rc);
	if (rc == FG_EDATA && r && fg_run_bad_rows(r)->total)
		fg_badrows_report(fg_run_bad_rows(r));
	if (fg_run_close(&r) && rc != FG_EBUSY)
		fg_log_error("nothing of this run was stored; earlier runs in %s are unchanged",
		             a.ro.db_path);
	fg_run_args_free(&a);
	return exit_code;
}
