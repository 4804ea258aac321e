/*
 * fg_opt: the one command-line parser of every fraudgraph command, driven by
 * a table that also prints --help (libgit2 src/cli/opt.c pattern).
 *
 * Accepted forms: `--name VALUE`, `--name=VALUE`, `--switch`, `-h`/`--help`,
 * positional arguments anywhere, and `--` which ends the options: every later
 * argument is positional, even one that starts with '-' (`explain -- -1234`).
 * A value is the next argument whatever it looks like (`--edges -` reads
 * stdin), as with getopt_long.
 *
 * Usage:
 *
 *	static const fg_opt_spec opts[] = {
 *		{ FG_OPT_VALUE, "db", 'd', "FILE", "the results database", NULL },
 *		{ FG_OPT_SWITCH, "quiet", 'q', NULL, "no progress on stderr", NULL },
 *		{ 0 },
 *	};
 *	fg_opt_parser p;
 *	fg_opt_init(&p, "report", opts, argc, argv);
 *	while ((rc = fg_opt_next(&p)) > 0)
 *		switch (p.id) { case 'd': db = p.value; break; ... }
 *	if (rc < 0) return fg_cli_fail(rc);          (message already set)
 *
 * Thread-safety: none (the parser is a plain struct on the caller's stack).
 */
#ifndef FG_CLI_FG_OPT_H
#define FG_CLI_FG_OPT_H

#include <stdint.h>
#include <stdio.h>

typedef enum fg_opt_type {
	FG_OPT_END = 0, /* terminates the table */
	FG_OPT_SWITCH,  /* --name */
	FG_OPT_VALUE,   /* --name VALUE or --name=VALUE */
	FG_OPT_SECTION, /* not an option: a heading in --help ("Inputs:") */
} fg_opt_type;

typedef struct fg_opt_spec {
	fg_opt_type type;
	const char *name;       /* long name without "--"; the heading for SECTION */
	int id;                 /* returned in fg_opt_parser.id; > 0, not FG_OPT_ARG/HELP */
	const char *value_name; /* "FILE" in --help, for FG_OPT_VALUE */
	const char *help;       /* one line; '\n' continues on an indented line */
	const char *dflt;       /* "(default: ...)" appended in --help, or NULL */
} fg_opt_spec;

/* Ids fg_opt_next reports besides the table's. */
enum {
	FG_OPT_ARG = -1000, /* a positional argument, in value */
	FG_OPT_HELP,        /* -h or --help */
};

typedef struct fg_opt_parser {
	const char *command;      /* for messages: "fraudgraph <command> --help" */
	const fg_opt_spec *specs;
	int argc;
	char **argv;
	int idx;                  /* next argv index to read */
	int only_args;            /* seen `--` */
	int id;                   /* out: the option's id, FG_OPT_ARG or FG_OPT_HELP */
	const char *value;        /* out: its value (NULL for a switch) */
	const char *name;         /* out: the option's long name, for messages */
} fg_opt_parser;

/* Start parsing argv[1..argc) (argv[0] is the command name). */
void fg_opt_init(fg_opt_parser *p, const char *command, const fg_opt_spec *specs, int argc,
                 char **argv);

/*
 * The next option or positional argument: 1 with p->id and p->value set,
 * 0 at the end, or FG_EUSAGE with a message naming the argument (unknown
 * option, missing value, a value given to a switch).
 */
int fg_opt_next(fg_opt_parser *p);

/*
 * The current option's value as an integer in [lo, hi] / a number in [lo, hi]:
 * FG_OK, or FG_EUSAGE with a message naming the option and the value.
 */
int fg_opt_u64(uint64_t *out, const fg_opt_parser *p, uint64_t lo, uint64_t hi);
int fg_opt_int(int *out, const fg_opt_parser *p, int lo, int hi);
int fg_opt_double(double *out, const fg_opt_parser *p, double lo, double hi);

/*
 * Print `usage` (the synopsis lines, then a blank line and `about`), the
 * options of the table with their value names, help and defaults, the exit
 * codes, to f.
 */
void fg_opt_help(FILE *f, const char *usage, const char *about, const fg_opt_spec *specs);

#endif
