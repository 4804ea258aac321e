/*
 * The options of `run`, shared with `check` (which reads the inputs exactly
 * as run would): the table, the parser, and `--config FILE`.
 */
#include "run_args.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	OPT_DB = 1, OPT_EDGES, OPT_USERS, OPT_INPUT, OPT_EDGES_SQL, OPT_USERS_SQL, OPT_SINCE,
	OPT_WINDOW, OPT_AS_OF, OPT_MAX_BAD, OPT_STRICT, OPT_MAX_FIELD, OPT_MAX_SHARE,
	OPT_KIND_WEIGHT, OPT_RELATIONS, OPT_REL_WEIGHT, OPT_LPA_ITER, OPT_DAMPING, OPT_RISK_TOL,
	OPT_RISK_ITER, OPT_SMOOTHING, OPT_HOLDOUT, OPT_HOLDOUT_SEED, OPT_KEEP, OPT_TOP,
	OPT_THREADS, OPT_QUIET, OPT_KIND_ALIAS, OPT_IGNORE_VALUE, OPT_HUB_WARN, OPT_MAX_DROP,
	OPT_ALLOW_DROP, OPT_CONFIG, OPT_COLUMN, OPT_LABEL, OPT_ATTRS, OPT_NO_ATTRS,
	OPT_MODEL, OPT_NO_MODEL, OPT_RANK_MEMORY,
};

const fg_opt_spec fg_run_arg_specs[] = {
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
	{ FG_OPT_VALUE, "column", OPT_COLUMN, "ROLE=NAME",
	  "the column holding ROLE (user_id, kind, value, seen_at, created_at,\n"
	  "label) is called NAME; repeatable", NULL },
	{ FG_OPT_VALUE, "label", OPT_LABEL, "CLASS=V,...",
	  "the label values of CLASS (fraud, legit, unknown), case-insensitive\n"
	  "(defaults: fraud,chargeback,confirmed_fraud,1,true,yes; legit,cleared;\n"
	  "0,false); repeatable", NULL },
	{ FG_OPT_VALUE, "attrs", OPT_ATTRS, "A,B,...",
	  "keep only these numeric user attributes (the users input's extra columns)", "all" },
	{ FG_OPT_SWITCH, "no-attrs", OPT_NO_ATTRS, NULL, "keep no user attributes", NULL },
	{ FG_OPT_VALUE, "kind-alias", OPT_KIND_ALIAS, "KIND=ALIAS[,ALIAS...]",
	  "read rows of kind ALIAS as KIND (device=device_id,fingerprint); repeatable", NULL },
	{ FG_OPT_VALUE, "ignore-value", OPT_IGNORE_VALUE, "KIND=V",
	  "V of KIND is a placeholder too (besides unknown, null, none, nil, n/a,\n"
	  "na, -, ?, empty, zeros): its rows are dropped and counted; repeatable", NULL },
	{ FG_OPT_VALUE, "max-drop", OPT_MAX_DROP, "F",
	  "refuse the run (exit 7) when links or users fell by more than F\n"
	  "against the previous committed run", "0.5" },
	{ FG_OPT_SWITCH, "allow-drop", OPT_ALLOW_DROP, NULL, "accept such a drop (with a warning)", NULL },
	{ FG_OPT_VALUE, "config", OPT_CONFIG, "FILE",
	  "more long options from FILE, one per line ('name value', 'name=value'\n"
	  "or '--name value'; '#' starts a comment); recorded in runs.params", NULL },
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
	{ FG_OPT_VALUE, "hub-warn-share", OPT_HUB_WARN, "F",
	  "warn when hubs cut more than a share F of the links", "0.25" },
	{ FG_OPT_VALUE, "lpa-max-iter", OPT_LPA_ITER, "N", "ring finder sweep cap", "30" },
	{ FG_OPT_VALUE, "damping", OPT_DAMPING, "D", "risk walk: probability of following a link", "0.85" },
	{ FG_OPT_VALUE, "risk-tol", OPT_RISK_TOL, "T", "risk: stop when the L1 change is below T", "1e-8" },
	{ FG_OPT_VALUE, "risk-max-iter", OPT_RISK_ITER, "N", "risk: iteration cap", "200" },
	{ FG_OPT_VALUE, "smoothing", OPT_SMOOTHING, "K", "seed-rate smoothing (seeds + K*base)/(users + K)",
	  "10" },
	{ FG_OPT_VALUE, "holdout", OPT_HOLDOUT, "F", "hold a fraction F of seeds out of the kernels (for evaluate)",
	  NULL },
	{ FG_OPT_VALUE, "holdout-seed", OPT_HOLDOUT_SEED, "S", "which seeds are held out", "1" },
	{ FG_OPT_SECTION, "Learned model (docs/scoring.md):", 0, NULL, NULL, NULL },
	{ FG_OPT_SWITCH, "no-model", OPT_NO_MODEL, NULL,
	  "no learned model: the hand-set scores only", NULL },
	{ FG_OPT_VALUE, "model", OPT_MODEL, "FILE",
	  "score with a model exported earlier (fraudgraph model export); no training", NULL },
	{ FG_OPT_SECTION, "Under mpirun (docs/scale.md):", 0, NULL, NULL, NULL },
	{ FG_OPT_VALUE, "rank-memory", OPT_RANK_MEMORY, "MIB",
	  "one rank's memory budget for one component: a larger component fails\n"
	  "(exit 3) naming the caps that would cut it", "node memory / ranks on it" },
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

/* What an option sets beyond opts: the window, and whether --since was given. */
typedef struct parse_state {
	fg_run_args *a;
	int64_t window_days, as_of;
	bool have_since;
	int depth; /* --config nesting */
} parse_state;

static int parse_vector(parse_state *st, const char *what, int argc, char **argv);

/* Keep a string for the life of the arguments (fg_run_args_free frees it). */
static char *keep(fg_run_args *a, char *s)
{
	char **k;

	if (!s)
		return NULL;
	k = fg_reallocarray(a->kept, a->n_kept + 1, sizeof(*k));
	if (!k) {
		fg_free(s);
		return NULL;
	}
	a->kept = k;
	a->kept[a->n_kept++] = s;
	return s;
}

/*
 * --config FILE: each non-blank line not starting with '#' is one long option,
 * "name value", "name=value" or "--name value" (the value is the rest of the
 * line, trimmed, taken as it is: no quoting, so SQL and paths with spaces
 * work).  A '#' after white space starts a comment.  Options in the file
 * apply where --config stands on the command line.  Each line is parsed on
 * its own, so an option missing its value is an error of its line ("db"
 * alone never takes the next line as the database), and every error names
 * the line: "--config FILE:LINE: ...".
 */
static int read_config(parse_state *st, const char *path)
{
	fg_run_args *a = st->a;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int rc = FG_OK;
	unsigned long lineno = 0;
	ssize_t n;

	if (st->depth >= 4)
		return fg_error_set(FG_EUSAGE, "--config %s: nested more than 4 deep", path);
	if (!(f = fopen(path, "r")))
		return fg_error_set(FG_EUSAGE, "--config %s: %s", path, strerror(errno));
	if (a->n_configs < FG_RUN_MAX_INPUTS)
		a->configs[a->n_configs++] = path;
	while (rc == FG_OK && (n = getline(&line, &cap, f)) >= 0) {
		char *p = line, *e, *name, *val = NULL, *opt, *argv[4], what[300];
		int argc = 1;
		lineno++;
		if (strlen(line) != (size_t)n) {
			rc = fg_error_set(FG_EUSAGE, "--config %s:%lu: a NUL byte in the line", path, lineno);
			break;
		}
		for (char *c = p; *c; c++)
			if (*c == '#' && (c == p || isspace((unsigned char)c[-1]))) {
				*c = '\0';
				break;
			}
		while (isspace((unsigned char)*p))
			p++;
		e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*p)
			continue;
		if (p[0] == '-' && p[1] == '-')
			p += 2;
		name = p;
		while (*p && !isspace((unsigned char)*p) && *p != '=')
			p++;
		if (*p) {
			*p++ = '\0';
			while (isspace((unsigned char)*p) || (*p == '=' && val == NULL && (val = p)))
				p++;
			val = *p ? p : NULL;
		}
		snprintf(what, sizeof(what), "--config %s:%lu", path, lineno);
		if (!*name) {
			rc = fg_error_set(FG_EUSAGE, "%s: expected an option name", what);
			break;
		}
		opt = fg_malloc(strlen(name) + 3);
		if (!opt || !keep(a, opt)) {
			rc = fg_error_set(FG_ENOMEM, "out of memory reading %s", path);
			break;
		}
		sprintf(opt, "--%s", name);
		argv[0] = (char *)"run";
		argv[argc++] = opt;
		if (val) {
			char *v = keep(a, fg_strndup(val, strlen(val)));
			if (!v) {
				rc = fg_error_set(FG_ENOMEM, "out of memory reading %s", path);
				break;
			}
			argv[argc++] = v;
		}
		argv[argc] = NULL;
		st->depth++;
		rc = parse_vector(st, what, argc, argv);
		st->depth--;
	}
	if (rc == FG_OK && ferror(f))
		rc = fg_error_set(FG_EUSAGE, "--config %s: read error", path);
	free(line);
	fclose(f);
	return rc;
}

static int one_option(parse_state *st, const fg_opt_parser *pp)
{
	const fg_opt_parser *p = pp;
	fg_run_opts *r = &st->a->ro;
	const char *v = p->value;
	uint64_t u = 0;

	switch (p->id) {
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
		st->have_since = true;
		return FG_OK;
	case OPT_WINDOW: {
		int rc = fg_opt_u64(&u, p, 1, 100000);
		st->window_days = (int64_t)u;
		return rc;
	}
	case OPT_AS_OF:
		if (fg_parse_time(&st->as_of, v, strlen(v)) != 0)
			return fg_error_set(FG_EUSAGE, "--as-of: cannot parse time '%s'", v);
		return FG_OK;
	case OPT_MAX_BAD: return fg_opt_u64(&r->cfg.max_bad_rows, p, 0, UINT64_MAX);
	case OPT_STRICT: r->cfg.strict = true; break;
	case OPT_MAX_FIELD: {
		int rc = fg_opt_u64(&u, p, 16, 1u << 24);
		if (rc == FG_OK)
			r->cfg.max_field_len = (uint32_t)u;
		return rc;
	}
	case OPT_MAX_SHARE: return fg_config_set_max_share(&r->cfg, v);
	case OPT_KIND_WEIGHT: return fg_config_set_weight(&r->cfg, v);
	case OPT_RELATIONS: return fg_config_set_relations(&r->cfg, v);
	case OPT_REL_WEIGHT: return fg_opt_double(&r->cfg.relation_weight, p, 1e-6, 1e6);
	case OPT_LPA_ITER: return fg_opt_int(&r->cfg.lpa_max_iter, p, 1, 10000);
	case OPT_DAMPING: return fg_opt_double(&r->cfg.risk_damping, p, 0.0, 0.999);
	case OPT_RISK_TOL: return fg_opt_double(&r->cfg.risk_tol, p, 0.0, 1.0);
	case OPT_RISK_ITER: return fg_opt_int(&r->cfg.risk_max_iter, p, 1, 100000);
	case OPT_SMOOTHING: return fg_opt_double(&r->cfg.smoothing_k, p, 0.0, 1e6);
	case OPT_HOLDOUT: return fg_opt_double(&r->cfg.holdout, p, 0.0, 0.99);
	case OPT_HOLDOUT_SEED: return fg_opt_u64(&r->cfg.holdout_seed, p, 0, UINT64_MAX);
	case OPT_KEEP: return fg_opt_int(&r->cfg.keep_runs, p, 0, 1000000);
	case OPT_TOP: return fg_opt_int(&st->a->top, p, 0, 100000);
	case OPT_THREADS: return fg_opt_int(&r->cfg.threads, p, 1, 1024);
	case OPT_QUIET: fg_log_set_quiet(true); break;
	case OPT_KIND_ALIAS: return fg_config_set_kind_alias(&r->cfg, v);
	case OPT_IGNORE_VALUE: return fg_config_set_ignore_value(&r->cfg, v);
	case OPT_HUB_WARN: return fg_opt_double(&r->cfg.hub_warn_share, p, 0.0, 1.0);
	case OPT_MAX_DROP: return fg_opt_double(&r->cfg.max_drop, p, 0.0, 1.0);
	case OPT_ALLOW_DROP: r->cfg.allow_drop = true; break;
	case OPT_CONFIG: return read_config(st, v);
	case OPT_COLUMN: return fg_config_set_column(&r->cfg, v);
	case OPT_LABEL: return fg_config_set_label(&r->cfg, v);
	case OPT_ATTRS: return fg_config_set_attrs(&r->cfg, v);
	case OPT_NO_ATTRS: fg_config_set_no_attrs(&r->cfg); break;
	case OPT_NO_MODEL: r->no_model = true; break;
	case OPT_MODEL: r->model_path = v; break;
	case OPT_RANK_MEMORY: return fg_opt_u64(&r->rank_memory_mib, p, 1, (uint64_t)1 << 40);
	default: /* FG_OPT_ARG */
		return fg_error_set(FG_EUSAGE, "unexpected argument '%s'", v);
	}
	return FG_OK;
}

static int parse_vector(parse_state *st, const char *what, int argc, char **argv)
{
	fg_opt_parser p;
	int rc;

	fg_opt_init(&p, st->a->command, fg_run_arg_specs, argc, argv);
	while ((rc = fg_opt_next(&p)) > 0 && (rc = one_option(st, &p)) == FG_OK)
		;
	/* a --config line's error names its file and line (the parser's own errors too) */
	if (rc < 0 && what && strstr(fg_error_msg(), what) == NULL) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", fg_error_msg());
		return fg_error_set(rc, "%s: %s", what, msg);
	}
	return rc;
}

void fg_run_args_init(fg_run_args *a, const char *command)
{
	memset(a, 0, sizeof(*a));
	fg_run_opts_init(&a->ro);
	a->top = 10;
	a->command = command;
}

void fg_run_args_free(fg_run_args *a)
{
	for (int i = 0; i < a->n_kept; i++)
		fg_free(a->kept[i]);
	fg_free(a->kept);
	a->kept = NULL;
	a->n_kept = 0;
}

int fg_run_args_parse(fg_run_args *a, int argc, char **argv, bool need_db)
{
	parse_state st = { a, -1, FG_TIME_NONE, false, 0 };
	fg_run_opts *r = &a->ro;
	int rc;

	rc = parse_vector(&st, NULL, argc, argv);
	if (rc != FG_OK)
		return rc;
	if (need_db && !r->db_path)
		return fg_error_set(FG_EUSAGE, "--db RESULTS.db is required (see fraudgraph %s --help)",
		                    a->command);
	if (!r->n_edges && !r->input_db)
		return fg_error_set(FG_EUSAGE, "no input: give --edges FILE or --input SOURCE.db");
	if ((r->edges_sql || r->users_sql) && !r->input_db)
		return fg_error_set(FG_EUSAGE, "--edges-sql and --users-sql need --input SOURCE.db");
	if (st.window_days >= 0) {
		int64_t ref = st.as_of != FG_TIME_NONE ? st.as_of : (int64_t)time(NULL);
		int64_t since = ref - st.window_days * 86400;
		if (!st.have_since || since > r->cfg.since)
			r->cfg.since = since;
	} else if (st.as_of != FG_TIME_NONE) {
		return fg_error_set(FG_EUSAGE, "--as-of only makes sense with --window");
	}
	if (r->no_model && r->model_path)
		return fg_error_set(FG_EUSAGE, "--model and --no-model exclude each other");
	r->cfg.config_files = a->configs;
	r->cfg.n_config_files = a->n_configs;
	return FG_OK;
}
