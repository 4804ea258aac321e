/*
 * `fraudgraph gen`: write a synthetic world (edges.csv, users.csv, truth.csv)
 * of one of five shapes.  This file parses options (fg_opt table) and prints
 * the summary; the generator is engine/fg_gen_world.c.
 */
#include "fg_cli.h"

#include "fg_config.h"
#include "fg_error.h"
#include "fg_gen_world.h"
#include "fg_log.h"
#include "fg_opt.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

enum {
	OPT_OUT = 1, OPT_USERS, OPT_SHAPE, OPT_SEED, OPT_LABEL_RATE, OPT_START, OPT_THREADS,
	OPT_QUIET, OPT_RINGS, OPT_RING_SIZE, OPT_CAMOUFLAGE, OPT_VICTIMS, OPT_BURST_DAYS,
};

static const fg_opt_spec opts[] = {
	{ FG_OPT_VALUE, "out", OPT_OUT, "DIR", "output directory (created if missing, one level)", NULL },
	{ FG_OPT_VALUE, "users", OPT_USERS, "N", "number of users (1 .. 1000000000)", NULL },
	{ FG_OPT_VALUE, "shape", OPT_SHAPE, "NAME", "rings, dense, coreview, reviews or payments", "rings" },
	{ FG_OPT_VALUE, "seed", OPT_SEED, "S", "random seed, unsigned 64-bit", "1" },
	{ FG_OPT_VALUE, "label-rate", OPT_LABEL_RATE, "F", "fraction of planted fraudsters labelled fraud, 0..1\n"
	  "(0.3 for rings, 1 for the others)", NULL },
	{ FG_OPT_VALUE, "start", OPT_START, "TIME",
	  "earliest account, unix seconds or ISO-8601 (default\n"
	  "2023-11-01T00:00:00Z); the world spans three years", NULL },
	{ FG_OPT_VALUE, "threads", OPT_THREADS, "N", "formatting threads (default all cores);\n"
	  "the files do not depend on it", NULL },
	{ FG_OPT_SWITCH, "quiet", OPT_QUIET, NULL, "no summary on stderr", NULL },
	{ FG_OPT_SECTION, "Rings shape only:", 0, NULL, NULL, NULL },
	{ FG_OPT_VALUE, "rings", OPT_RINGS, "R", "fraud rings to plant", "max(1, N/2000); 0 below 20 users" },
	{ FG_OPT_VALUE, "ring-size", OPT_RING_SIZE, "LO-HI", "ring sizes, skewed towards LO, 2 <= LO <= HI <= 60",
	  "5-40" },
	{ FG_OPT_VALUE, "camouflage", OPT_CAMOUFLAGE, "P",
	  "chance that a ring member also links to 1-3 ordinary users\n"
	  "(an order, their device or their home address), 0..1", "0" },
	{ FG_OPT_VALUE, "victims", OPT_VICTIMS, "V", "stolen-card victims per ring that uses one, 1..10", "1" },
	{ FG_OPT_VALUE, "burst-days", OPT_BURST_DAYS, "D",
	  "ring accounts are created within 1 hour .. D days, 1..365", "4" },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

static void help(void)
{
	fg_opt_help(stdout, "usage: fraudgraph gen --out DIR --users N [--shape NAME] [options]",
	            "Write a synthetic world: DIR/edges.csv (user_id,kind,value,seen_at),\n"
	            "DIR/users.csv (user_id,created_at,label[,a01..]) and DIR/truth.csv.\n"
	            "Shapes (data-samples/README.md says what each plants and what carries the signal):\n"
	            "  rings     (default) ordinary users, households, offices, public hubs, fraud\n"
	            "            rings sharing cards, devices and addresses (stolen-card victims,\n"
	            "            hub routing) and buyer-seller collusion; truth user_id,ring_id,role\n"
	            "            (role ring|victim|household|office|collusion)\n"
	            "  dense     user-user transfers, low homophily, 10 attributes\n"
	            "  coreview  user-user co-reviews, 25 attributes carry the signal\n"
	            "  reviews   user-product reviews, popular products, fraud campaigns\n"
	            "  payments  customer-terminal payments, degree is signal, fraud gangs\n"
	            "The last four write truth user_id,label,ring_id: one row per planted\n"
	            "fraudster (label fraud; ring_id its crew, campaign or gang, if any).\n"
	            "Same seed and shape => byte-identical files, whatever the thread count.",
	            opts);
}

/* "LO-HI" with 2 <= LO <= HI <= FG_GEN_RING_SIZE_MAX */
static int parse_range(fg_gen_params *p, const char *v)
{
	unsigned lo, hi;
	int used = 0;

	if (!isdigit((unsigned char)v[0]) || sscanf(v, "%3u-%3u%n", &lo, &hi, &used) != 2 || v[used] ||
	    lo < 2 || lo > hi || hi > FG_GEN_RING_SIZE_MAX)
		return fg_error_set(FG_EUSAGE, "--ring-size: expected LO-HI with 2 <= LO <= HI <= %d, got '%s'",
		                    FG_GEN_RING_SIZE_MAX, v);
	p->ring_min = lo;
	p->ring_max = hi;
	return FG_OK;
}

/* Returns FG_OK, FG_EUSAGE, or 1 for --help. */
static int parse_args(fg_gen_params *p, const char **out_dir, bool *quiet, int argc, char **argv)
{
	fg_opt_parser op;
	const char *rings_only = NULL; /* a rings-shape option given, for the error */
	bool have_users = false;
	uint64_t u;
	int rc;

	fg_opt_init(&op, "gen", opts, argc, argv);
	while ((rc = fg_opt_next(&op)) > 0) {
		const char *v = op.value;
		switch (op.id) {
		case FG_OPT_HELP: return 1;
		case OPT_OUT:
			if (!*v)
				return fg_error_set(FG_EUSAGE, "--out: empty path");
			*out_dir = v;
			break;
		case OPT_USERS:
			if ((rc = fg_opt_u64(&p->users, &op, 1, FG_GEN_MAX_USERS)) != FG_OK)
				return rc;
			have_users = true;
			break;
		case OPT_SHAPE:
			if ((rc = fg_gen_shape_parse(&p->shape, v)) != FG_OK)
				return rc;
			break;
		case OPT_SEED:
			if ((rc = fg_opt_u64(&p->seed, &op, 0, UINT64_MAX)) != FG_OK)
				return rc;
			break;
		case OPT_LABEL_RATE:
			if ((rc = fg_opt_double(&p->label_rate, &op, 0.0, 1.0)) != FG_OK)
				return rc;
			break;
		case OPT_START:
			if (fg_parse_time(&p->start, v, strlen(v)) != 0 || p->start < 0 ||
			    p->start > 253402300799LL - 4 * 365 * 86400LL)
				return fg_error_set(FG_EUSAGE, "--start: expected unix seconds or ISO-8601 "
				                    "between 1970 and 9995, got '%s'", v);
			break;
		case OPT_THREADS:
			if ((rc = fg_opt_int(&p->threads, &op, 1, 1024)) != FG_OK)
				return rc;
			break;
		case OPT_QUIET: *quiet = true; break;
		case OPT_RINGS:
			if ((rc = fg_opt_u64(&u, &op, 0, FG_GEN_RINGS_DEFAULT - 1)) != FG_OK)
				return rc;
			p->rings = (uint32_t)u;
			rings_only = "--rings";
			break;
		case OPT_RING_SIZE:
			if ((rc = parse_range(p, v)) != FG_OK)
				return rc;
			rings_only = "--ring-size";
			break;
		case OPT_CAMOUFLAGE:
			if ((rc = fg_opt_double(&p->camouflage, &op, 0.0, 1.0)) != FG_OK)
				return rc;
			rings_only = "--camouflage";
			break;
		case OPT_VICTIMS:
			if ((rc = fg_opt_u64(&u, &op, 1, 10)) != FG_OK)
				return rc;
			p->victims = (uint32_t)u;
			rings_only = "--victims";
			break;
		case OPT_BURST_DAYS:
			if ((rc = fg_opt_u64(&u, &op, 1, 365)) != FG_OK)
				return rc;
			p->burst_days = (uint32_t)u;
			rings_only = "--burst-days";
			break;
		default:
			return fg_error_set(FG_EUSAGE, "gen: unexpected argument '%s' (see gen --help)", v);
		}
	}
	if (rc < 0)
		return rc;
	if (!*out_dir)
		return fg_error_set(FG_EUSAGE, "gen: --out DIR is required");
	if (!have_users)
		return fg_error_set(FG_EUSAGE, "gen: --users N is required");
	if (rings_only && p->shape != FG_GEN_SHAPE_RINGS)
		return fg_error_set(FG_EUSAGE, "gen: %s applies to --shape rings only, not %s", rings_only,
		                    fg_gen_shape_name(p->shape));
	return FG_OK;
}

static void summary(const fg_gen_stats *st, fg_gen_shape shape, const char *out_dir, double s)
{
	if (shape == FG_GEN_SHAPE_RINGS)
		fg_log_info("gen: %llu users, %llu links, %u rings, %u collusion groups, %u households, "
		            "%u offices, %u victims; %llu labelled fraud, %llu legit; %llu truth rows",
		            (unsigned long long)st->users, (unsigned long long)st->links, st->rings,
		            st->collusions, st->households, st->offices, st->victims,
		            (unsigned long long)st->labelled_fraud, (unsigned long long)st->labelled_legit,
		            (unsigned long long)st->truth_rows);
	else
		fg_log_info("gen: %s world, %llu users, %llu links, %u attributes; %llu fraudsters "
		            "(%.2f%%) in %u groups; %llu labelled fraud, %llu legit; %llu truth rows",
		            fg_gen_shape_name(shape), (unsigned long long)st->users,
		            (unsigned long long)st->links, st->attrs, (unsigned long long)st->fraudsters,
		            100.0 * (double)st->fraudsters / (double)st->users, st->groups,
		            (unsigned long long)st->labelled_fraud, (unsigned long long)st->labelled_legit,
		            (unsigned long long)st->truth_rows);
	fg_log_info("gen: wrote %.1f MB to %s in %.2f s (%.0f MB/s)", (double)st->bytes / 1e6, out_dir,
	            s, s > 0 ? (double)st->bytes / 1e6 / s : 0.0);
}

int fg_cmd_gen(int argc, char **argv)
{
	fg_gen_params p;
	fg_gen_stats st;
	const char *out_dir = NULL;
	bool quiet = false;
	struct stat sb;
	double t0;
	int rc;

	fg_gen_params_init(&p);
	rc = parse_args(&p, &out_dir, &quiet, argc, argv);
	if (rc == 1) {
		help();
		return FG_EXIT_OK;
	}
	if (rc != FG_OK)
		return fg_cli_fail(rc);
	if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
		return fg_cli_fail(fg_error_set(FG_EIO, "cannot create %s: %s", out_dir, strerror(errno)));
	if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return fg_cli_fail(fg_error_set(FG_EIO, "cannot write %s: not a directory", out_dir));

	fg_log_set_quiet(quiet);
	t0 = fg_clock();
	rc = fg_gen_world(&st, &p, out_dir);
	if (rc != FG_OK)
		return fg_cli_fail(rc);
	summary(&st, p.shape, out_dir, fg_clock() - t0);
	return FG_EXIT_OK;
}
