/*
 * The options of `run` and `check`: one table (fg_run_arg_specs, which also
 * prints --help), one parser, and `--config FILE` (long options from a file,
 * one per line).  check reads the inputs exactly as run would because it
 * parses the same options into the same fg_run_opts.
 */
#ifndef FG_CLI_RUN_ARGS_H
#define FG_CLI_RUN_ARGS_H

#include "fg_opt.h"
#include "fg_run.h"

#include <stdbool.h>

typedef struct fg_run_args {
	fg_run_opts ro;       /* what the run is asked to do */
	int top;              /* run: top rings to print (default 10) */
	const char *command;  /* "run" or "check", for messages */
	const char *configs[FG_RUN_MAX_INPUTS]; /* --config files read, in order */
	int n_configs;
	char **kept;          /* strings read from --config files (owned) */
	int n_kept;
} fg_run_args;

extern const fg_opt_spec fg_run_arg_specs[];

void fg_run_args_init(fg_run_args *a, const char *command);

/*
 * Parse argv[1..argc) (and any --config file) into a.  need_db: --db is
 * required (run).  Returns FG_OK, 1 for --help, or FG_EUSAGE with a message
 * (a bad line of a --config file is named "--config FILE: ...", its line
 * numbered when the line itself is malformed).
 */
int fg_run_args_parse(fg_run_args *a, int argc, char **argv, bool need_db);

/* Free the strings kept from --config files (a->ro borrows them). */
void fg_run_args_free(fg_run_args *a);

#endif
