/*
 * fraudgraph check: read the inputs exactly as `run` would (the same options,
 * the same readers, the same row path and graph build) and print the summary
 * (rows, bad rows per reason, kinds, labels, hubs, volume against the last run
 * with --db), storing nothing.  The exit code is the one run would give for
 * the input: 3 for bad rows past the limit or an empty input, 7 for a volume
 * drop past --max-drop.
 */
#include "fg_cli.h"

#include "fg_error.h"
#include "fg_ingest.h"
#include "fg_log.h"
#include "fg_run.h"
#include "fg_store.h"
#include "run_args.h"

#include <stdio.h>
#include <string.h>

static void help(FILE *f)
{
	fg_opt_help(f,
	        "usage: fraudgraph check --edges FILE [--users FILE ...] [--db RESULTS.db] [run options]\n"
	        "       fraudgraph check --input SOURCE.db [--db RESULTS.db] [run options]",
	        "Reads the inputs exactly as `fraudgraph run` would with the same options and prints\n"
	        "what run would see: rows, bad rows per reason, kinds, labels, hubs, and with --db\n"
	        "the volume against the last committed run.  Stores nothing; RESULTS.db is only\n"
	        "read.  Exits as run would for this input: 3 (bad rows, empty), 7 (volume drop).\n"
	        "Label values the mapping does not know are counted and named (run keeps those\n"
	        "users as unknown); with --strict they fail the check too (exit 3).",
	        fg_run_arg_specs);
}

static void print_line(void *ctx, bool warning, const char *line)
{
	(void)ctx;
	printf("%s%s\n", warning ? "warning: " : "", line);
}

/*
 * The users' label values no class of the mapping lists (the readers keep
 * those users as unknown): how many rows, the distinct values with their
 * counts, and the first rows by file, line, column and value.  Only a
 * warning, unless --strict: then the check fails (exit 3) naming the first.
 */
static int labels(const fg_badrows *bad, const fg_config *cfg)
{
	uint64_t n = bad->by_reason[FG_WARN_LABEL];

	if (!n) {
		printf("labels: every value recognised\n");
		return FG_OK;
	}
	printf("labels: %llu row%s with an unrecognised value, kept as unknown users:",
	       (unsigned long long)n, n == 1 ? "" : "s");
	for (uint32_t i = 0; i < bad->n_label_values && i < FG_LABEL_NAMES; i++)
		printf("%s\"%s\" (%llu)", i ? ", " : " ", bad->label_value[i],
		       (unsigned long long)bad->label_count[i]);
	if (bad->label_others)
		printf(", others (%llu)", (unsigned long long)bad->label_others);
	printf("\n");
	for (uint64_t k = 0; k < FG_BAD_EXAMPLES && k < n; k++)
		printf("  %s %s\n", k ? "then " : "first", bad->examples[FG_WARN_LABEL][k]);
	printf("  map them with --label fraud=V,... or --label legit=V,...\n");
	if (cfg->strict)
		return fg_error_set(FG_EDATA, "--strict: %llu unrecognised label value%s (first: %s)",
		                    (unsigned long long)n, n == 1 ? "" : "s",
		                    bad->examples[FG_WARN_LABEL][0]);
	return FG_OK;
}

static int volume(const fg_run_args *a, const fg_graph *g)
{
	fg_store *st = NULL;
	fg_run_volume_check v;
	int rc;

	if ((rc = fg_store_open(&st, a->ro.db_path, FG_STORE_READ)) == FG_ENOTFOUND) {
		printf("volume: %s does not exist yet: nothing to compare with\n", a->ro.db_path);
		return FG_OK;
	}
	if (rc != FG_OK)
		return rc;
	rc = fg_run_volume(&v, st, g, &a->ro.cfg);
	fg_store_close(&st);
	if (rc != FG_OK && rc != FG_EDROP)
		return rc;
	if (v.prev_run_id == 0) {
		printf("volume: no committed run in %s to compare with\n", a->ro.db_path);
		return FG_OK;
	}
	printf("volume against run %lld: links %lld (before %lld, %+.1f%%), users %lld (before %lld, "
	       "%+.1f%%)\n", (long long)v.prev_run_id, (long long)v.links, (long long)v.prev_links,
	       v.prev_links ? 100.0 * (double)(v.links - v.prev_links) / (double)v.prev_links : 0.0,
	       (long long)v.users, (long long)v.prev_users,
	       v.prev_users ? 100.0 * (double)(v.users - v.prev_users) / (double)v.prev_users : 0.0);
	if (v.over)
		printf("warning: %s: run would %s\n", v.message,
		       a->ro.cfg.allow_drop ? "accept it (--allow-drop)" : "refuse it (exit 7)");
	return rc;
}

int fg_cmd_check(int argc, char **argv)
{
	fg_run_args a;
	fg_run *r = NULL;
	const fg_badrows *bad;
	const fg_graph *g;
	int rc;

	fg_run_args_init(&a, "check");
	rc = fg_run_args_parse(&a, argc, argv, false);
	if (rc == 1) {
		help(stdout);
		fg_run_args_free(&a);
		return FG_EXIT_OK;
	}
	if (rc != FG_OK)
		goto fail;
	if ((rc = fg_run_open_dry(&r, &a.ro)) != FG_OK)
		goto fail;
	rc = fg_run_ingest(r);
	bad = fg_run_bad_rows(r);
	printf("rows: %llu read, %llu bad, %llu outside the window\n",
	       (unsigned long long)bad->rows_read, (unsigned long long)bad->total,
	       (unsigned long long)bad->rows_filtered);
	for (int k = 0; k < FG_BAD_NREASONS; k++) {
		if (!bad->by_reason[k] || k == FG_WARN_LABEL) /* labels: their own line below */
			continue;
		printf("  bad rows, %s: %llu", fg_bad_reason_name((fg_bad_reason)k),
		       (unsigned long long)bad->by_reason[k]);
		if (bad->examples[k][0][0])
			printf(" (first: %s)", bad->examples[k][0]);
		printf("\n");
	}
	if (rc == FG_OK)
		rc = labels(bad, &a.ro.cfg);
	if (rc != FG_OK)
		goto fail;
	if ((rc = fg_run_build(r)) != FG_OK && rc != FG_EDATA)
		goto fail;
	g = fg_run_graph(r);
	if (g) {
		printf("users: %u (labelled fraud %u, legit %u), entities %u, links %llu (user-user %llu)\n",
		       g->n_users, g->n_seeds, g->n_legit, g->n_entities, (unsigned long long)g->n_links,
		       (unsigned long long)g->n_user_links);
		printf("hubs: %u, cutting %llu links (%.1f%% of the links)\n", g->n_hubs,
		       (unsigned long long)g->n_hub_links, 100.0 * fg_graph_hub_cut_share(g));
		{
			int rs = fg_run_summary(g, &a.ro.cfg, print_line, NULL);
			if (rs != FG_OK && rc == FG_OK)
				rc = rs;
		}
		if (rc == FG_OK && a.ro.db_path)
			rc = volume(&a, g);
	}
	if (rc != FG_OK)
		goto fail;
	printf("check: nothing stored; run would accept this input\n");
	fflush(stdout);
	fg_run_close(&r);
	fg_run_args_free(&a);
	return FG_EXIT_OK;
fail:
	fflush(stdout);
	rc = fg_cli_fail(rc);
	fg_run_close(&r);
	fg_run_args_free(&a);
	return rc;
}
