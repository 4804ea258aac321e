/*
 * Throwaway benchmark for fg_graph_build: a synthetic world of U users and L
 * link rows (default 2 M users, 9 M rows), fed through the sinks, then built.
 * Prints sink time, build time, links/s, fg_graph_bytes and peak RSS per link.
 * Usage: graph_build_bench [users] [rows] [dup_percent]
 *
 * Not wired into meson (that needs a subdir in the top meson.build); after
 * `meson setup build && ninja -C build`, from the source root:
 *   gcc -O3 -fopenmp [-DFG_GRAPH_TIMING] -Isrc -Igraph -Ibuild \
 *       -o /tmp/graph_build_bench bench/graph_build_bench.c graph/fg_*.c \
 *       build/src/libfg_src.a $(pkg-config --cflags --libs igraph) -lm
 *   OMP_NUM_THREADS=2 /tmp/graph_build_bench
 * (-DFG_GRAPH_TIMING prints the build's phase times.)
 */
#include "fg_config.h"
#include "fg_error.h"
#include "fg_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static size_t fmt(char *out, const char *prefix, uint64_t v)
{
	size_t n = strlen(prefix);
	char tmp[24];
	int k = 0;

	memcpy(out, prefix, n);
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		out[n++] = tmp[--k];
	out[n] = 0;
	return n;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec * 1e-6;
}

static long rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	uint64_t nu = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	uint64_t nrows = argc > 2 ? strtoull(argv[2], NULL, 10) : 9000000;
	int dup = argc > 3 ? atoi(argv[3]) : 0;
	static const struct { const char *kind, *prefix; uint64_t pool; int pct; } kinds[] = {
		{ "device", "dev-", 0, 25 }, { "card", "4000-0000-", 0, 15 }, { "email", "mail", 0, 10 },
		{ "phone", "+33-6-", 0, 10 }, { "address", "12 rue de la Paix, app ", 0, 15 },
		{ "ip", "10.1.", 0, 20 }, { "transfer", "u", 0, 5 },
	};
	uint64_t pools[7];
	fg_config cfg;
	fg_linkset *ls;
	fg_graph *g;
	uint64_t s = 12345;
	char ub[64], vb[96];
	double t0, t1, t2, tgen, c0, c1, c2;
	int rc;

	fg_config_init(&cfg);
	/* entity pools: ~share 1.6 for most, ips shared more (some hubs) */
	pools[0] = nu * 2 / 3 + 1; pools[1] = nu / 2 + 1; pools[2] = nu / 2 + 1; pools[3] = nu / 2 + 1;
	pools[4] = nu / 2 + 1; pools[5] = nu / 8 + 1; pools[6] = nu;

	/* generation alone, to subtract */
	t0 = now();
	{
		uint64_t ss = 999, acc = 0;
		for (uint64_t i = 0; i < nrows; i++) {
			uint64_t u = rnd(&ss) % nu, k = rnd(&ss) % 100, v = rnd(&ss);
			acc += fmt(ub, "user-", u * 2654435761ULL % 100000000000ULL) + fmt(vb, "x", v % 1000 + k);
		}
		if (acc == 1)
			puts("");
	}
	tgen = now() - t0;

	if (fg_linkset_new(&ls, &cfg) != FG_OK)
		return 1;
	t0 = now();
	c0 = cpu();
	for (uint64_t i = 0; i < nrows; i++) {
		uint64_t u = rnd(&s) % nu, kp = rnd(&s) % 100, v = rnd(&s);
		int k = 0, acc = 0;
		fg_link_row row;
		while (k < 6 && kp >= (uint64_t)(acc + kinds[k].pct)) {
			acc += kinds[k].pct;
			k++;
		}
		row.user.ptr = ub;
		row.user.len = fmt(ub, "user-", u * 2654435761ULL % 100000000000ULL);
		row.kind.ptr = kinds[k].kind;
		row.kind.len = strlen(kinds[k].kind);
		row.value.ptr = vb;
		if (k == 6) {
			uint64_t w = v % nu;
			if (w == u)
				w = (w + 1) % nu;
			row.value.len = fmt(vb, "user-", w * 2654435761ULL % 100000000000ULL);
		} else if (k == 5) {
			/* skewed ips: a few very shared */
			uint64_t x = v % pools[5];
			if (v % 50 == 0)
				x = v % 20;
			row.value.len = fmt(vb, kinds[k].prefix, x);
		} else {
			row.value.len = fmt(vb, kinds[k].prefix, v % pools[k]);
		}
		row.seen_at = 1700000000 + (int64_t)(v % 86400000);
		row.file = "bench";
		row.line = i + 2;
		if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
			goto fail;
		if (dup && (int)(v % 100) < dup) {
			row.seen_at += 100;
			if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
				goto fail;
		}
	}
	for (uint64_t u = 0; u < nu; u += 50) {
		fg_user_row ur;
		memset(&ur, 0, sizeof(ur)); /* no attributes */
		ur.user.ptr = ub;
		ur.user.len = fmt(ub, "user-", u * 2654435761ULL % 100000000000ULL);
		ur.created_at = 1600000000;
		ur.label = u % 1000 == 0 ? FG_LABEL_FRAUD : FG_LABEL_UNKNOWN;
		ur.file = "bench";
		ur.line = 1;
		if ((rc = fg_linkset_user_sink(ls, &ur)) != FG_OK)
			goto fail;
	}
	t1 = now();
	c1 = cpu();
	long rss_ingest = rss_kb();
	if ((rc = fg_graph_build(&g, ls, &cfg)) != FG_OK)
		goto fail;
	t2 = now();
	c2 = cpu();
	fg_linkset_free(&ls);
	printf("rows %llu users %u entities %u links %llu user_links %llu hubs %u arcs %llu\n",
	       (unsigned long long)nrows, g->n_users, g->n_entities, (unsigned long long)g->n_links,
	       (unsigned long long)g->n_user_links, g->n_hubs, (unsigned long long)g->g.m);
	printf("sinks %.2f s (minus generation %.2f s: %.2f s, %.0f rows/s)\n", t1 - t0, tgen,
	       t1 - t0 - tgen, nrows / (t1 - t0 - tgen));
	printf("build %.2f s (%.0f links/s)\n", t2 - t1, g->n_links / (t2 - t1));
	printf("fg_graph_bytes %.1f MB = %.1f B/link\n", fg_graph_bytes(g) / 1e6,
	       (double)fg_graph_bytes(g) / g->n_links);
	printf("peak RSS after ingest %.1f MB = %.1f B/link; after build %.1f MB = %.1f B/link\n",
	       rss_ingest / 1e3, rss_ingest * 1024.0 / g->n_links, rss_kb() / 1e3,
	       rss_kb() * 1024.0 / g->n_links);
	printf("cpu: sinks %.2f s, build %.2f s\n", c1 - c0, c2 - c1);
	printf("digest %s\n", g->input_digest);
	fg_graph_free(&g);
	return 0;
fail:
	fprintf(stderr, "error: %s\n", fg_error_msg());
	return 1;
}
