/*
 * `fraudgraph gen`: write a synthetic world (edges.csv, users.csv, truth.csv)
 * of one of five shapes.  This file parses options and prints the summary;
 * the generator is engine/fg_gen_world.c.
 */
#include "fg_cli.h"

#include "fg_config.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_gen_world.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

static void help(void)
{
	printf("usage: fraudgraph gen --out DIR --users N [--shape NAME] [options]\n\n"
	       "Write a synthetic world: DIR/edges.csv (user_id,kind,value,seen_at),\n"
	       "DIR/users.csv (user_id,created_at,label[,a01..]) and DIR/truth.csv.\n"
	       "Shapes (data-samples/README.md says what each plants and what carries\n"
	       "the signal):\n"
	       "  rings     (default) ordinary users, households, offices, public hubs,\n"
	       "            fraud rings sharing cards, devices and addresses (stolen-card\n"
	       "            victims, hub routing) and buyer-seller collusion; truth\n"
	       "            user_id,ring_id,role (ring|victim|household|office|collusion)\n"
	       "  dense     user-user transfers, low homophily, 10 attributes\n"
	       "  coreview  user-user co-reviews, 25 attributes carry the signal\n"
	       "  reviews   user-product reviews, popular products, fraud campaigns\n"
	       "  payments  customer-terminal payments, degree is signal, fraud gangs\n"
	       "The last four write truth user_id,label,ring_id: one row per planted\n"
	       "fraudster (label fraud; ring_id its campaign or gang, if any).\n"
	       "Same seed and shape => byte-identical files, whatever the thread count.\n\n"
	       "Options:\n"
	       "  --out DIR          output directory (created if missing, one level)\n"
	       "  --users N          number of users (1 .. %llu)\n"
	       "  --shape NAME       rings, dense, coreview, reviews or payments (default rings)\n"
	       "  --seed S           random seed, unsigned 64-bit (default 1)\n"
	       "  --label-rate F     fraction of planted fraudsters labelled fraud, 0..1\n"
	       "                     (default 0.3 for rings, 1 for the others)\n"
	       "  --start TIME       earliest account, unix seconds or ISO-8601 (default\n"
	       "                     2023-11-01T00:00:00Z); the world spans three years\n"
	       "  --threads N        formatting threads (default: OpenMP default)\n"
	       "  --quiet            no summary on stderr\n"
	       "  --help             this text\n"
	       "Rings shape only:\n"
	       "  --rings R          fraud rings to plant (default max(1, N/2000); 0 below 20 users)\n"
	       "  --ring-size LO-HI  ring sizes, skewed towards LO, 2 <= LO <= HI <= %d (default 5-40)\n"
	       "  --camouflage P     chance that a ring member also links to 1-3 ordinary users\n"
	       "                     (an order, their device or their address), 0..1 (default 0)\n"
	       "  --victims V        stolen-card victims per ring that uses one, 1..10 (default 1)\n"
	       "  --burst-days D     ring accounts created within 1 hour .. D days, 1..365 (default 4)\n"
	       "\n%s",
	       FG_GEN_MAX_USERS, FG_GEN_RING_SIZE_MAX, fg_cli_exit_codes);
}

static int parse_u64(uint64_t *out, const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+')
		return fg_error_set(FG_EUSAGE, "%s: expected a non-negative integer, got '%s'", opt,
		                    s ? s : "");
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return fg_error_set(FG_EUSAGE, "%s: expected a non-negative integer, got '%s'", opt, s);
	*out = v;
	return FG_OK;
}

static int parse_unit(double *out, const char *opt, const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (!*s || *end || errno || !(d >= 0.0 && d <= 1.0))
		return fg_error_set(FG_EUSAGE, "%s: expected a number in [0, 1], got '%s'", opt, s);
	*out = d;
	return FG_OK;
}

/* --opt VALUE or --opt=VALUE; *val NULL when the option takes none. */
static int take_value(const char **val, int argc, char **argv, int *i, const char *opt)
{
	const char *a = argv[*i];
	size_t n = strlen(opt);

	if (!strncmp(a, opt, n) && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (strcmp(a, opt))
		return 0;
	if (*i + 1 >= argc) {
		fg_error_set(FG_EUSAGE, "%s needs a value", opt);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int fg_cmd_gen(int argc, char **argv)
{
	fg_gen_params p;
	fg_gen_stats st;
	const char *out_dir = NULL, *v;
	bool have_users = false, quiet = false;
	const char *rings_only = NULL; /* a rings-shape option given, for the error */
	struct stat sb;
	double t0;
	int rc;

	fg_gen_params_init(&p);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int t;
		uint64_t u;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			help();
			return FG_EXIT_OK;
		}
		if (!strcmp(a, "--quiet")) {
			quiet = true;
			continue;
		}
		if ((t = take_value(&v, argc, argv, &i, "--out")) != 0) {
			if (t < 0)
				return fg_cli_fail(FG_EUSAGE);
			if (!*v)
				return fg_cli_fail(fg_error_set(FG_EUSAGE, "--out: empty path"));
			out_dir = v;
		} else if ((t = take_value(&v, argc, argv, &i, "--users")) != 0) {
			if (t < 0 || parse_u64(&u, "--users", v))
				return fg_cli_fail(FG_EUSAGE);
			if (u < 1 || u > FG_GEN_MAX_USERS)
				return fg_cli_fail(fg_error_set(FG_EUSAGE,
				                                "--users: must be between 1 and %llu, got '%s'",
				                                FG_GEN_MAX_USERS, v));
			p.users = u;
			have_users = true;
		} else if ((t = take_value(&v, argc, argv, &i, "--shape")) != 0) {
			if (t < 0 || fg_gen_shape_parse(&p.shape, v) != FG_OK)
				return fg_cli_fail(FG_EUSAGE);
		} else if ((t = take_value(&v, argc, argv, &i, "--rings")) != 0) {
			if (t < 0 || parse_u64(&u, "--rings", v))
				return fg_cli_fail(FG_EUSAGE);
			if (u >= FG_GEN_RINGS_DEFAULT)
				return fg_cli_fail(fg_error_set(FG_EUSAGE, "--rings: too many, got '%s'", v));
			p.rings = (uint32_t)u;
			rings_only = "--rings";
		} else if ((t = take_value(&v, argc, argv, &i, "--ring-size")) != 0) {
			unsigned lo, hi;
			int used = 0;
			if (t < 0)
				return fg_cli_fail(FG_EUSAGE);
			if (sscanf(v, "%3u-%3u%n", &lo, &hi, &used) != 2 || v[used] || !isdigit((unsigned char)v[0]) ||
			    lo < 2 || lo > hi || hi > FG_GEN_RING_SIZE_MAX)
				return fg_cli_fail(fg_error_set(FG_EUSAGE,
				                                "--ring-size: expected LO-HI with 2 <= LO <= HI <= %d, "
				                                "got '%s'", FG_GEN_RING_SIZE_MAX, v));
			p.ring_min = lo;
			p.ring_max = hi;
			rings_only = "--ring-size";
		} else if ((t = take_value(&v, argc, argv, &i, "--camouflage")) != 0) {
			if (t < 0 || parse_unit(&p.camouflage, "--camouflage", v))
				return fg_cli_fail(FG_EUSAGE);
			rings_only = "--camouflage";
		} else if ((t = take_value(&v, argc, argv, &i, "--victims")) != 0) {
			if (t < 0 || parse_u64(&u, "--victims", v))
				return fg_cli_fail(FG_EUSAGE);
			if (u < 1 || u > 10)
				return fg_cli_fail(fg_error_set(FG_EUSAGE, "--victims: must be 1..10, got '%s'", v));
			p.victims = (uint32_t)u;
			rings_only = "--victims";
		} else if ((t = take_value(&v, argc, argv, &i, "--burst-days")) != 0) {
			if (t < 0 || parse_u64(&u, "--burst-days", v))
				return fg_cli_fail(FG_EUSAGE);
			if (u < 1 || u > 365)
				return fg_cli_fail(fg_error_set(FG_EUSAGE,
				                                "--burst-days: must be 1..365, got '%s'", v));
			p.burst_days = (uint32_t)u;
			rings_only = "--burst-days";
		} else if ((t = take_value(&v, argc, argv, &i, "--seed")) != 0) {
			if (t < 0 || parse_u64(&p.seed, "--seed", v))
				return fg_cli_fail(FG_EUSAGE);
		} else if ((t = take_value(&v, argc, argv, &i, "--threads")) != 0) {
			if (t < 0 || parse_u64(&u, "--threads", v))
				return fg_cli_fail(FG_EUSAGE);
			if (u < 1 || u > 1024)
				return fg_cli_fail(fg_error_set(FG_EUSAGE,
				                                "--threads: must be 1..1024, got '%s'", v));
			p.threads = (int)u;
		} else if ((t = take_value(&v, argc, argv, &i, "--label-rate")) != 0) {
			if (t < 0 || parse_unit(&p.label_rate, "--label-rate", v))
				return fg_cli_fail(FG_EUSAGE);
		} else if ((t = take_value(&v, argc, argv, &i, "--start")) != 0) {
			if (t < 0)
				return fg_cli_fail(FG_EUSAGE);
			if (fg_parse_time(&p.start, v, strlen(v)) != 0 || p.start < 0 ||
			    p.start > 253402300799LL - 4 * 365 * 86400LL)
				return fg_cli_fail(fg_error_set(FG_EUSAGE,
				                                "--start: expected unix seconds or ISO-8601 "
				                                "between 1970 and 9995, got '%s'", v));
		} else {
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "gen: unknown option '%s' (see gen --help)",
			                                a));
		}
	}
	if (!out_dir)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "gen: --out DIR is required"));
	if (!have_users)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "gen: --users N is required"));
	if (rings_only && p.shape != FG_GEN_SHAPE_RINGS)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "gen: %s applies to --shape rings only, not %s",
		                                rings_only, fg_gen_shape_name(p.shape)));
	if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
		return fg_cli_fail(fg_error_set(FG_EIO, "cannot create %s: %s", out_dir, strerror(errno)));
	if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return fg_cli_fail(fg_error_set(FG_EIO, "cannot write %s: not a directory", out_dir));

	fg_log_set_quiet(quiet);
	t0 = fg_clock();
	rc = fg_gen_world(&st, &p, out_dir);
	if (rc != FG_OK)
		return fg_cli_fail(rc);
	{
		double s = fg_clock() - t0;
		if (p.shape == FG_GEN_SHAPE_RINGS)
			fg_log_info("gen: %llu users, %llu links, %u rings, %u collusion groups, %u households, "
			            "%u offices, %u victims; %llu labelled fraud, %llu legit; %llu truth rows",
			            (unsigned long long)st.users, (unsigned long long)st.links, st.rings,
			            st.collusions, st.households, st.offices, st.victims,
			            (unsigned long long)st.labelled_fraud,
			            (unsigned long long)st.labelled_legit, (unsigned long long)st.truth_rows);
		else
			fg_log_info("gen: %s world, %llu users, %llu links, %u attributes; %llu fraudsters "
			            "(%.2f%%) in %u groups; %llu labelled fraud, %llu legit; %llu truth rows",
			            fg_gen_shape_name(p.shape), (unsigned long long)st.users,
			            (unsigned long long)st.links, st.attrs,
			            (unsigned long long)st.fraudsters,
			            100.0 * (double)st.fraudsters / (double)st.users, st.groups,
			            (unsigned long long)st.labelled_fraud,
			            (unsigned long long)st.labelled_legit, (unsigned long long)st.truth_rows);
		fg_log_info("gen: wrote %.1f MB to %s in %.2f s (%.0f MB/s)", (double)st.bytes / 1e6,
		            out_dir, s, s > 0 ? (double)st.bytes / 1e6 / s : 0.0);
	}
	return FG_EXIT_OK;
}
