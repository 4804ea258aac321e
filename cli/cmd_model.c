/*
 * fraudgraph model export: write a run's learned model to a file, for
 * `fraudgraph run --model FILE` (teams that train weekly and score nightly).
 */
#include "fg_cli.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_opt.h"
#include "fg_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { OPT_DB = 1, OPT_RUN, OPT_OUT };

static const fg_opt_spec opts[] = {
	{ FG_OPT_VALUE, "db", OPT_DB, "FILE", "the results database", NULL },
	{ FG_OPT_VALUE, "run", OPT_RUN, "ID", "the run whose model to export",
	  "the latest committed run with a model" },
	{ FG_OPT_VALUE, "out", OPT_OUT, "FILE", "the model file to write", NULL },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

static void help(FILE *f)
{
	fg_opt_help(f,
	        "usage: fraudgraph model export --db RESULTS.db [--run ID] --out FILE",
	        "Write the learned model of a run (the cross-fitted boosters, their feature\n"
	        "names and parameters; models.model_file) to FILE.  `fraudgraph run --model\n"
	        "FILE` then scores with it instead of training (docs/scoring.md).",
	        opts);
}

static int export_model(const char *db, int64_t run, const char *out)
{
	fg_store *st = NULL;
	char *buf = NULL;
	size_t len = 0;
	int64_t got = 0;
	FILE *f = NULL;
	int rc;

	if ((rc = fg_store_open(&st, db, FG_STORE_READ)) != FG_OK ||
	    (rc = fg_store_model_file(st, run, &got, &buf, &len)) != FG_OK)
		goto cleanup;
	if (!(f = fopen(out, "wb"))) {
		rc = fg_error_set(FG_EIO, "%s: cannot create: %s", out, strerror(errno));
		goto cleanup;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		f = NULL;
		rc = fg_error_set(FG_EIO, "%s: write failed: %s", out, strerror(errno));
		goto cleanup;
	}
	f = NULL;
	fprintf(stderr, "model of run %lld written to %s (%zu bytes)\n", (long long)got, out, len);
cleanup:
	if (f)
		fclose(f);
	fg_free(buf);
	fg_store_close(&st);
	return rc;
}

int fg_cmd_model(int argc, char **argv)
{
	fg_opt_parser p;
	const char *db = NULL, *out = NULL;
	uint64_t run = 0;
	int rc;

	if (argc < 2 || strcmp(argv[1], "export")) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			help(stdout);
			return FG_EXIT_OK;
		}
		fg_error_set(FG_EUSAGE, "model: expected the subcommand 'export' (see fraudgraph model --help)");
		return fg_cli_fail(FG_EUSAGE);
	}
	fg_opt_init(&p, "model export", opts, argc - 1, argv + 1);
	while ((rc = fg_opt_next(&p)) > 0) {
		switch (p.id) {
		case OPT_DB: db = p.value; break;
		case OPT_OUT: out = p.value; break;
		case OPT_RUN:
			if ((rc = fg_opt_u64(&run, &p, 1, INT64_MAX)) != FG_OK)
				return fg_cli_fail(rc);
			break;
		case FG_OPT_HELP:
			help(stdout);
			return FG_EXIT_OK;
		default:
			fg_error_set(FG_EUSAGE, "unexpected argument '%s'", p.value);
			return fg_cli_fail(FG_EUSAGE);
		}
	}
	if (rc < 0)
		return fg_cli_fail(rc);
	if (!db || !out) {
		fg_error_set(FG_EUSAGE, "model export needs --db RESULTS.db and --out FILE");
		return fg_cli_fail(FG_EUSAGE);
	}
	if ((rc = export_model(db, (int64_t)run, out)) != FG_OK)
		return fg_cli_fail(rc);
	return FG_EXIT_OK;
}
