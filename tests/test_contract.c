/*
 * The run-level data contract (issue 11): kind aliases, placeholder values and
 * per-kind normalisation on the row path before interning, the hub-cut share,
 * runs.params as valid JSON, refused exports, the analysts' tables, `check`
 * and `run --config`, signals and races around the commit.
 */
#include "fg_test.h"

#include "fg_build_config.h"
#include "fg_config.h"
#include "fg_error.h"
#include "fg_graph.h"
#include "fg_schema.h"
#include "fg_store.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void add(fg_linkset *ls, const char *u, const char *k, const char *v)
{
	fg_link_row r = { { u, strlen(u) }, { k, strlen(k) }, { v, strlen(v) }, FG_TIME_NONE, "t", 1, false, 0, 0 };

	if (fg_linkset_link_sink(ls, &r) != FG_OK)
		ck_abort_msg("link sink: %s", fg_error_msg());
}

static const char *norm(char *buf, const fg_config *cfg, const char *kind, const char *v, bool *keep,
                        const char **ckind)
{
	size_t n, kl;

	*keep = fg_config_normalise_value(buf, &n, ckind, &kl, cfg, kind, strlen(kind), v, strlen(v));
	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

START_TEST(values_normalised_per_kind)
{
	fg_config cfg;
	char buf[128];
	const char *k;
	bool keep;

	fg_config_init(&cfg);
	ck_assert_str_eq(norm(buf, &cfg, "email", "Alice.Smith@Example.COM", &keep, &k), "alice.smith@example.com");
	ck_assert(keep);
	ck_assert_str_eq(norm(buf, &cfg, "phone", "+44 (0)20 7946-0958", &keep, &k), "+4402079460958");
	ck_assert(keep);
	ck_assert_str_eq(norm(buf, &cfg, "phone", "020 7946 0958 +1", &keep, &k), "020794609581");
	ck_assert_str_eq(norm(buf, &cfg, "address", "12  High\tStreet,\n LONDON ", &keep, &k),
	                 "12 high street, london");
	/* plain kinds (and relations) keep their case: device ids are case-sensitive */
	ck_assert_str_eq(norm(buf, &cfg, "device", "AbC 12", &keep, &k), "AbC 12");
	ck_assert_str_eq(norm(buf, &cfg, "referral", "User B", &keep, &k), "User B");
	/* a phone without digits is nothing: dropped */
	norm(buf, &cfg, "phone", "ext.", &keep, &k);
	ck_assert(!keep);
}
END_TEST

START_TEST(placeholders_dropped)
{
	static const char *const ph[] = { "unknown", "UNKNOWN", "null", "None", "n/a", "N/A", "-",
	                                  "0", "0000", "00000000-0000-0000-0000-000000000000",
	                                  "0.0.0.0", "00:00:00:00:00:00" };
	static const char *const real[] = { "10", "0001", "dev-0", "-1", "nonexistent", "a" };
	fg_config cfg;
	char buf[128];
	const char *k;
	bool keep;

	fg_config_init(&cfg);
	for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		norm(buf, &cfg, "device", ph[i], &keep, &k);
		ck_assert_msg(!keep, "'%s' kept", ph[i]);
	}
	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		norm(buf, &cfg, "device", real[i], &keep, &k);
		ck_assert_msg(keep, "'%s' dropped", real[i]);
	}
	/* --ignore-value, through an alias, case-insensitive */
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "device=device_id,fingerprint"), FG_OK);
	ck_assert_int_eq(fg_config_set_ignore_value(&cfg, "device_id=DEADBEEF"), FG_OK);
	norm(buf, &cfg, "fingerprint", "deadbeef", &keep, &k);
	ck_assert(!keep);
	ck_assert_str_eq(k, "device");
	norm(buf, &cfg, "card", "deadbeef", &keep, &k);
	ck_assert(keep);
	ck_assert_str_eq(k, "card");
	ck_assert_int_eq(fg_config_set_ignore_value(&cfg, "device"), FG_EUSAGE);
}
END_TEST

START_TEST(kind_alias_options)
{
	fg_config cfg;
	size_t n;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "device=device_id,fp,card=CC"), FG_OK);
	ck_assert_int_eq(cfg.n_aliases, 3);
	ck_assert_str_eq(fg_config_kind_canonical(&n, &cfg, "fp", 2), "device");
	ck_assert_str_eq(fg_config_kind_canonical(&n, &cfg, "cc", 2), "card");
	ck_assert_str_eq(fg_config_kind_canonical(&n, &cfg, "ip", 2), "ip");
	/* the same alias again is fine; to another kind, a chain or a self-alias is not */
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "device=fp"), FG_OK);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "card=fp"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "fp=x"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "x=device"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "ip=ip"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "device"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "=x"), FG_EUSAGE);
	ck_assert_int_eq(cfg.n_aliases, 3);
}
END_TEST

/* The linkset applies the row path: aliases merge kinds, placeholders never reach the graph. */
START_TEST(linkset_applies_the_row_path)
{
	fg_config cfg;
	fg_linkset *ls;
	fg_graph *g;
	uint64_t links[8], hub_links[8];
	uint32_t hubs[8];
	int dev = -1;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "device=device_id"), FG_OK);
	ck_assert_int_eq(fg_linkset_new(&ls, &cfg), FG_OK);
	/* 25 accounts on device "unknown" would be one ring: dropped instead */
	for (int i = 0; i < 25; i++) {
		char u[16];
		snprintf(u, sizeof(u), "u%02d", i);
		add(ls, u, i % 2 ? "device" : "device_id", "unknown");
		add(ls, u, "email", i < 2 ? "Ring@Example.com" : "x@example.com");
	}
	add(ls, "a", "device_id", "D1");
	add(ls, "b", "device", "D1");
	add(ls, "a", "phone", "+1 555 0100");
	add(ls, "b", "phone", "+1-555-0100");
	add(ls, "c", "phone", "N/A");
	add(ls, "c", "address", "null");
	ck_assert_uint_eq(fg_linkset_placeholders(ls)->total, 27);
	ck_assert_int_eq(fg_graph_build(&g, ls, &cfg), FG_OK);
	fg_linkset_free(&ls);
	ck_assert_uint_eq(g->n_kinds, 3); /* device, email, phone: no device_id, no address */
	ck_assert_uint_eq(g->placeholders.total, 27);
	ck_assert_int_eq(g->placeholders.n_kinds, 3);
	ck_assert_str_eq(g->placeholders.kind[0], "address");
	ck_assert_uint_eq(g->placeholders.n[0], 1);
	ck_assert_str_eq(g->placeholders.kind[1], "device");
	ck_assert_uint_eq(g->placeholders.n[1], 25);
	ck_assert_str_eq(g->placeholders.kind[2], "phone");
	fg_graph_kind_counts(links, hub_links, hubs, g);
	for (uint32_t k = 0; k < g->n_kinds; k++)
		if (!strcmp(g->kind_name[k], "device"))
			dev = (int)k;
	ck_assert_int_ge(dev, 0);
	ck_assert_uint_eq(links[dev], 2);  /* a and b on D1, through the alias */
	ck_assert_uint_eq(hub_links[dev], 0);
	ck_assert_uint_eq(g->n_entities, 4); /* D1, 2 emails, one phone */
	ck_assert_uint_eq(g->n_links, 2 + 25 + 2);
	ck_assert_uint_eq(g->n_hubs, 1); /* x@example.com: 23 users > 20 */
	ck_assert_uint_eq(g->n_hub_links, 23);
	ck_assert(fabs(fg_graph_hub_cut_share(g) - 23.0 / 29.0) < 1e-12);
	fg_graph_free(&g);
}
END_TEST

START_TEST(params_json_with_odd_kind_names)
{
	fg_config cfg;
	char *json = NULL;
	sqlite3 *db;
	sqlite3_stmt *s;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_config_set_max_share(&cfg, "dev\"ice=5"), FG_OK);
	ck_assert_int_eq(fg_config_set_weight(&cfg, "back\\slash=2"), FG_OK);
	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "card=c\"c"), FG_OK);
	ck_assert_int_eq(fg_config_set_ignore_value(&cfg, "card=a\"\\b\t"), FG_OK);
	ck_assert_int_eq(fg_config_to_json(&json, &cfg), FG_OK);
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json_valid(?1), json_extract(?1, '$.kinds.\"dev\"\"ice\".max_share'),"
	                 " json_extract(?1, '$.ignore_values[0][1]')", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_msg(sqlite3_column_int(s, 0) == 1, "invalid JSON: %s", json);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 2), "a\"\\b\t");
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(json);
}
END_TEST

/* ---- the binary ---- */

/* fgt_q_int on a connection of its own. */
static int64_t q_int(const char *db_path, const char *sql)
{
	sqlite3 *db = fgt_db_ro(db_path);
	int64_t v = fgt_q_int(db, sql);

	sqlite3_close(db);
	return v;
}

#if FG_FAULT_INJECTION /* fault points: run by the builds with the hooks */
/*
 * Two first runs racing on a new file: exactly one gets exit 6, the other
 * succeeds (today both could fail, one at the journal mode, the other at the
 * schema creation).  Each holds its transaction a moment at write-start so the
 * two always overlap.
 */
START_TEST(two_first_runs_race_on_a_new_file)
{
	char *dir = fgt_tmpdir(), *e = fgt_sample("world/edges.csv");
	const char *env[] = { "FG_FAULT_SLEEP_AT=write-start:1", NULL };

	for (int trial = 0; trial < 16; trial++) {
		char db[512], err0[512], err1[512];
		const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", e, NULL };
		pid_t p0, p1;
		int r0, r1, gate[2];

		snprintf(db, sizeof(db), "%s/race%d.db", dir, trial);
		snprintf(err0, sizeof(err0), "%s/err%d.a", dir, trial);
		snprintf(err1, sizeof(err1), "%s/err%d.b", dir, trial);
		ck_assert_int_eq(pipe(gate), 0);
		p0 = fgt_start(err0, env, args, gate);
		p1 = fgt_start(err1, env, args, gate);
		close(gate[0]);
		close(gate[1]); /* both go */
		r0 = fgt_wait(p0);
		r1 = fgt_wait(p1);
		{
			char *t0 = fgt_read_file(err0, NULL), *t1 = fgt_read_file(err1, NULL);
			ck_assert_msg((r0 == 0 && r1 == 6) || (r0 == 6 && r1 == 0),
			              "trial %d: exits %d and %d\n%s\n%s", trial, r0, r1, t0, t1);
			free(t0);
			free(t1);
		}
		ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), 1);
	}
	fgt_rmtree(dir);
	free(dir);
	free(e);
}
END_TEST
#endif

/* fraudgraph with args; *err (if non-NULL) gets stderr, *out stdout. */
static int fg(char **out, char **err, const char *const *args)
{
	char *o = NULL, *e = NULL;
	int rc = fgt_run(&o, &e, NULL, NULL, args);

	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return rc;
}

/* fgt_q_text_opt on a connection of its own ("" for no row). */
static char *q_text(const char *db_path, const char *sql)
{
	sqlite3 *db = fgt_db_ro(db_path);
	char *v = fgt_q_text_opt(db, sql);

	sqlite3_close(db);
	return v;
}

/* Aliases, placeholders and default kinds through the command line, in the summary and in runs. */
START_TEST(run_summary_kinds_and_placeholders)
{
	char *dir = fgt_tmpdir(), *e = fgt_path(dir, "e.csv"), *db = fgt_path(dir, "r.db"), *err, *t;
	FILE *f = fopen(e, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "user_id,kind,value\n");
	/* 25 accounts on device "unknown" and a real ring of two on a device and a card */
	for (int i = 0; i < 25; i++)
		fprintf(f, "u%02d,%s,%s\nu%02d,email,U%02d@Example.com\n", i, i % 2 ? "device_id" : "device",
		        i % 3 ? "unknown" : "0000", i, i);
	fprintf(f, "a,device_id,D1\nb,device,D1\na,card,C1\nb,card,C1\na,Loyalty,L1\nb,loyalty,L1\n"
	           "a,email,N/A\nb,card,tbd\nc,card,TBD\n");
	fclose(f);
	{
		const char *args[] = { "run", "--top", "0", "--db", db, "--edges", e, "--kind-alias",
		                       "device=device_id", "--ignore-value", "card=tbd", NULL };
		ck_assert_int_eq(fg(NULL, &err, args), 0);
	}
	ck_assert_msg(strstr(err, "kinds        weight"), "%s", err);
	ck_assert_msg(strstr(err, "kind 'loyalty' (2 links) has no settings of its own"), "%s", err);
	ck_assert_msg(strstr(err, "placeholder values dropped: 28 rows (card 2, device 25, email 1)"), "%s", err);
	free(err);
	ck_assert_int_eq(q_int(db, "SELECT n_placeholders FROM runs"), 28);
	ck_assert_int_eq(q_int(db, "SELECT json_extract(placeholders, '$.device') FROM runs"), 25);
	ck_assert_int_eq(q_int(db, "SELECT json_extract(kinds, '$.device.links') FROM runs"), 2);
	ck_assert_int_eq(q_int(db, "SELECT json_extract(kinds, '$.loyalty.default') FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT json_extract(kinds, '$.card.default') FROM runs"), 0);
	ck_assert_int_eq(q_int(db, "SELECT json_extract(kinds, '$.device_id') IS NULL FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT json_valid(params) FROM runs"), 1);
	/* the 25 are not one ring: the only ring is a and b */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM rings"), 1);
	ck_assert_int_eq(q_int(db, "SELECT n_users FROM rings"), 2);
	/* emails lower-cased: U00@Example.com is stored as u00@example.com */
	t = q_text(db, "SELECT value FROM entities WHERE kind = 'email' ORDER BY value LIMIT 1");
	free(t);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM entities WHERE kind = 'email' AND value <> lower(value)"), 0);
	fgt_rmtree(dir);
	free(dir);
	free(e);
	free(db);
}
END_TEST

/* A review graph where every product is over the default cap: the run says so, runs records the share. */
START_TEST(hubs_that_swallow_the_graph)
{
	char *dir = fgt_tmpdir(), *e = fgt_path(dir, "e.csv"), *db = fgt_path(dir, "r.db"), *err;
	FILE *f = fopen(e, "w");
	const char *args[] = { "run", "--quiet", "--top", "1", "--db", db, "--edges", e, NULL };
	char *out;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "user_id,kind,value\n");
	for (int i = 0; i < 120; i++) {
		fprintf(f, "r%03d,product,p%d\n", i, i % 2);
		fprintf(f, "r%03d,product,p%d\n", i, 2 + i % 2);
	}
	fprintf(f, "x,card,c1\ny,card,c1\n");
	fclose(f);
	ck_assert_int_eq(fg(&out, &err, args), 0);
	ck_assert_msg(strstr(out, "warning: hubs cut 99.2% of the links (240 of 242)"), "%s", out);
	free(out);
	ck_assert_msg(strstr(err, "warning: HUBS SWALLOW THE GRAPH: 4 hubs cut 99.2% of the links"), "%s", err);
	ck_assert_msg(strstr(err, "product 240 of 240 (cap 50)"), "%s", err);
	free(err);
	ck_assert_int_eq(q_int(db, "SELECT abs(hub_cut_share - 240.0 / 242) < 1e-9 FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT n_hub_links FROM runs"), 240);
	/* below the threshold: no warning */
	{
		const char *a2[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", e,
		                     "--hub-warn-share", "0.995", NULL };
		ck_assert_int_eq(fg(NULL, &err, a2), 0);
		ck_assert_msg(!strstr(err, "HUBS SWALLOW"), "%s", err);
		free(err);
	}
	fgt_rmtree(dir);
	free(dir);
	free(e);
	free(db);
}
END_TEST

/* Write every data row of src whose 0-based index i has keep(i), header first. */
static void subset(const char *src, const char *dst, int every)
{
	char *buf = fgt_read_file(src, NULL), *p, *nl;
	FILE *f = fopen(dst, "w");
	int i = -1;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(f);
	for (p = buf; *p; p = nl + 1, i++) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (i < 0 || i % every == 0)
			fwrite(p, 1, (size_t)(nl - p + 1), f);
	}
	fclose(f);
	free(buf);
}

START_TEST(exports_that_must_be_refused)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "r.db"), *half = fgt_path(dir, "half.csv");
	char *ph = fgt_path(dir, "ph.csv"), *e = fgt_sample("world/edges.csv"), *u = fgt_sample("world/users.csv");
	char *err, *out, *digest;

	{
		const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", e, "--users", u, NULL };
		ck_assert_int_eq(fg(NULL, NULL, args), 0);
	}
	digest = q_text(db, "SELECT output_digest FROM runs");
	/* a truncated export (every third row): its own exit code, both counts, nothing stored */
	subset(e, half, 3);
	{
		const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", half, "--users", u, NULL };
		ck_assert_int_eq(fg(NULL, &err, args), 7);
		ck_assert_msg(strstr(err, "export refused: links ") && strstr(err, "against 6111 in run 1"), "%s", err);
		ck_assert_msg(strstr(err, "nothing of this run was stored"), "%s", err);
		free(err);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	/* check says the same, exits the same, stores nothing */
	{
		const char *args[] = { "check", "--db", db, "--edges", half, "--users", u, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 7);
		ck_assert_msg(strstr(out, "volume against run 1: links ") && strstr(out, "before 6111"), "%s", out);
		free(out);
		free(err);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	{
		const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", half, "--users", u,
		                       "--max-drop", "0.9", NULL };
		ck_assert_int_eq(fg(NULL, NULL, args), 0);
	}
	{
		/* back to the full export: a rise is never refused; then the half again with --allow-drop */
		const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", e, "--users", u, NULL };
		const char *a2[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", half, "--users", u,
		                     "--allow-drop", NULL };
		ck_assert_int_eq(fg(NULL, NULL, args), 0);
		ck_assert_int_eq(fg(NULL, &err, a2), 0);
		ck_assert_msg(strstr(err, "accepted with --allow-drop"), "%s", err);
		free(err);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 4);
	/* an input of placeholders only is empty after filtering: exit 3, nothing stored */
	fgt_write_file(ph, "user_id,kind,value\na,device,unknown\nb,device,null\n", (size_t)-1);
	{
		const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", ph, "--allow-drop", NULL };
		ck_assert_int_eq(fg(NULL, &err, args), 3);
		ck_assert_msg(strstr(err, "no links in the input (2 rows read: 0 bad, 0 outside the window, "
		                          "2 placeholder values)"), "%s", err);
		free(err);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 4);
	{
		char *d1 = q_text(db, "SELECT output_digest FROM runs WHERE run_id = 1");
		ck_assert_str_eq(d1, digest);
		free(d1);
	}
	free(digest);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(half);
	free(ph);
	free(e);
	free(u);
}
END_TEST

START_TEST(check_stores_nothing_and_config_file)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "r.db"), *cfgp = fgt_path(dir, "night.conf");
	char *e = fgt_sample("world/edges.csv"), *u = fgt_sample("world/users.csv"), *out, *err, *cf, *p;

	/* check on a database that does not exist yet: creates nothing */
	{
		const char *args[] = { "check", "--db", db, "--edges", e, "--users", u, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 0);
		ck_assert_msg(strstr(out, "rows: 7378 read, 0 bad, 0 outside the window"), "%s", out);
		ck_assert_msg(strstr(out, "users: 1200 (labelled fraud 12, legit"), "%s", out);
		ck_assert_msg(strstr(out, "hubs: 7, cutting 628 links"), "%s", out);
		ck_assert_msg(strstr(out, "  card            3  20"), "%s", out);
		ck_assert_msg(strstr(out, "nothing stored"), "%s", out);
		free(out);
		free(err);
	}
	ck_assert_int_eq(access(db, F_OK), -1);
	/* the same options from a file, recorded in runs.params */
	cf = malloc(strlen(e) + strlen(u) + strlen(db) + 512);
	ck_assert_ptr_nonnull(cf);
	sprintf(cf, "# the nightly job\n--db %s\nedges %s   # the links\nusers=%s\n\n"
	            "max-share ip=150\n  top 0\nquiet\n", db, e, u);
	fgt_write_file(cfgp, cf, (size_t)-1);
	free(cf);
	{
		const char *args[] = { "run", "--config", cfgp, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 0);
		ck_assert_msg(out[0] == '\0', "--top 0 from the file: %s", out);
		free(out);
		free(err);
	}
	ck_assert_int_eq(q_int(db, "SELECT json_extract(params, '$.kinds.ip.max_share') FROM runs"), 150);
	p = q_text(db, "SELECT json_extract(params, '$.config[0]') FROM runs");
	ck_assert_str_eq(p, cfgp);
	free(p);
	/* check with --db: the volume against the last run; still nothing stored */
	{
		const char *args[] = { "check", "--config", cfgp, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 0);
		ck_assert_msg(strstr(out, "volume against run 1: links 6111 (before 6111, +0.0%)"), "%s", out);
		free(out);
		free(err);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	/* a bad line names the file */
	fgt_write_file(cfgp, "max-share ip\n", (size_t)-1);
	{
		const char *args[] = { "run", "--config", cfgp, "--db", db, "--edges", e, NULL };
		ck_assert_int_eq(fg(NULL, &err, args), 2);
		ck_assert_msg(strstr(err, "--config ") && strstr(err, "KIND=N"), "%s", err);
		free(err);
	}
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(cfgp);
	free(e);
	free(u);
}
END_TEST

/* A version 1 database (before this change) migrates: the new runs columns exist, NULL for old runs. */
START_TEST(schema_v1_database_migrates)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "r.db"), *e = fgt_sample("world/edges.csv");
	sqlite3 *h;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "PRAGMA application_id = 1179079240", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	{
		/* the version 1 schema only, as the previous build made it */
		fg_store *st = NULL;
		ck_assert_int_eq(fg_store_open_schema(&st, db, FG_STORE_WRITE, fg_schema_migrations, 1), FG_OK);
		fg_store_close(&st);
	}
	ck_assert_int_eq(q_int(db, "PRAGMA user_version"), 1);
	{
		const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", e, NULL };
		ck_assert_int_eq(fg(NULL, NULL, args), 0);
	}
	ck_assert_int_eq(q_int(db, "PRAGMA user_version"), FG_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(q_int(db, "SELECT n_hub_links FROM runs"), 628);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(e);
}
END_TEST

#if FG_FAULT_INJECTION /* fault points: run by the builds with the hooks */
/* SIGTERM held at a fault point: before the commit 143 and nothing stored, after it 0 and stored. */
START_TEST(term_signal_around_the_commit)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "r.db"), *errp = fgt_path(dir, "err");
	char *e = fgt_sample("world/edges.csv");
	const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", e, NULL };
	static const struct { const char *point; int sig; int want; int64_t runs; } cases[] = {
		{ "before-commit", SIGTERM, 128 + SIGTERM, 0 },
		{ "after-commit", SIGTERM, 0, 1 },
		{ "after-commit", SIGINT, 0, 2 },
		{ "after-commit", SIGHUP, 0, 3 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char env[64], line[64];
		const char *envv[] = { env, NULL };
		pid_t pid;

		snprintf(env, sizeof(env), "FG_FAULT_SLEEP_AT=%s:60", cases[i].point);
		free(errp); /* one file per case: the last case's line must not be read as this one's */
		{
			char name[16];
			snprintf(name, sizeof(name), "err%zu", i);
			errp = fgt_path(dir, name);
		}
		snprintf(line, sizeof(line), "sleeping 60 s at %s", cases[i].point);
		pid = fgt_start(errp, envv, args, NULL);
		fgt_wait_for_line(pid, errp, line);
		ck_assert_int_eq(kill(pid, cases[i].sig), 0);
		usleep(100000);
		kill(pid, SIGUSR1); /* wake the fault point if the signal was held */
		ck_assert_int_eq(fgt_wait(pid), cases[i].want);
		ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), cases[i].runs);
	}
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(errp);
	free(e);
}
END_TEST
#endif

/* A write past RLIMIT_FSIZE with SIGXFSZ at its default: a message and exit 1, not a silent kill. */
START_TEST(file_size_limit_is_an_error_not_a_kill)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "r.db"), *errp = fgt_path(dir, "err");
	char *e = fgt_sample("world/edges.csv"), *err;
	const char *argv[] = { fgt_bin(), "run", "--quiet", "--top", "0", "--db", db, "--edges", e, NULL };
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { 200000, 200000 };
		int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(127);
		dup2(fd, 2);
		signal(SIGXFSZ, SIG_DFL);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	err = fgt_read_file(errp, NULL);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d (signal %d): %s", status,
	              WIFSIGNALED(status) ? WTERMSIG(status) : 0, err);
	ck_assert_msg(strstr(err, "fraudgraph: ") && strstr(err, "file size limit"), "%s", err);
	free(err);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(errp);
	free(e);
}
END_TEST

/*
 * The analysts' tables on the world: rings count only entities shared by two
 * members or more (checked against the links table by SQL, not by the
 * scorer), and every link to a hub is stored, also a singleton's.
 */
START_TEST(analysts_tables_shared_counts_and_hub_links)
{
	static const char *const kinds[] = { "card", "device", "address", "phone", "email", "ip" };
	static const char *const cols[] = { "n_cards", "n_devices", "n_addresses", "n_phones", "n_emails", "n_ips" };
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "r.db");
	char *e = fgt_sample("world/edges.csv"), *u = fgt_sample("world/users.csv");
	const char *args[] = { "run", "--quiet", "--top", "0", "--db", db, "--edges", e, "--users", u, NULL };
	char sql[2048];

	ck_assert_int_eq(fg(NULL, NULL, args), 0);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		snprintf(sql, sizeof(sql),
		         "SELECT count(*) FROM rings r WHERE r.%s <> (SELECT count(*) FROM (SELECT l.entity_id"
		         " FROM links l JOIN user_scores s ON s.run_id = l.run_id AND s.user_id = l.user_id"
		         " JOIN entities e ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
		         " WHERE l.run_id = r.run_id AND s.ring_id = r.ring_id AND e.kind = '%s' AND e.is_hub = 0"
		         " GROUP BY l.entity_id HAVING count(*) >= 2))", cols[k], kinds[k]);
		ck_assert_msg(q_int(db, sql) == 0, "%s counts entities not shared in the ring", cols[k]);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM rings r WHERE n_entities <> (SELECT count(*) FROM"
	                           " (SELECT l.entity_id FROM links l JOIN user_scores s ON s.run_id = l.run_id"
	                           " AND s.user_id = l.user_id JOIN entities e ON e.run_id = l.run_id AND"
	                           " e.entity_id = l.entity_id WHERE s.ring_id = r.ring_id AND e.is_hub = 0"
	                           " GROUP BY l.entity_id HAVING count(*) >= 2))"), 0);
	/* the collusion ring of the world shares no card: "cards 0", not every member's own cards */
	ck_assert_int_eq(q_int(db, "SELECT n_cards FROM rings WHERE ring_key = 'R000017'"), 0);
	ck_assert_int_gt(q_int(db, "SELECT n_user_links FROM rings WHERE ring_key = 'R000017'"), 0);
	/* who used each hub: all of its users' links are there */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM hubs"), 7);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM hubs h WHERE h.share <> (SELECT count(*) FROM links l"
	                           " JOIN entities e ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
	                           " WHERE e.kind = h.kind AND e.value = h.value)"), 0);
	ck_assert_int_gt(q_int(db, "SELECT count(*) FROM links l JOIN user_scores s ON s.run_id = l.run_id AND"
	                           " s.user_id = l.user_id WHERE s.component_id IN (SELECT component_id FROM"
	                           " user_scores GROUP BY component_id HAVING count(*) = 1)"), 0);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(e);
	free(u);
}
END_TEST

/* check counts and names the label values the mapping does not know; --strict refuses them */
START_TEST(check_names_unrecognised_labels)
{
	char *dir = fgt_tmpdir(), *e = fgt_path(dir, "e.csv"), *u = fgt_path(dir, "users.csv");
	char *clean = fgt_path(dir, "clean.csv"), *out, *err, want[1024];

	fgt_write_file(e, "user_id,kind,value\nu1,card,c1\nu2,card,c1\nu3,device,d1\nu4,device,d1\n"
	                  "u5,card,c2\nu6,card,c2\n", (size_t)-1);
	fgt_write_file(u, "user_id,label\nu1,fraud\nu2,frod\nu3,legit\nu4,suspect\nu5,frod\nu6,\n",
	               (size_t)-1);
	fgt_write_file(clean, "user_id,label\nu1,fraud\nu2,Chargeback\nu3,legit\nu4,0\nu5,\n", (size_t)-1);
	{
		const char *args[] = { "check", "--edges", e, "--users", u, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 0);
		ck_assert_msg(strstr(out, "labels: 3 rows with an unrecognised value, kept as unknown users:"
		                          " \"frod\" (2), \"suspect\" (1)\n"), "%s", out);
		snprintf(want, sizeof(want), "  first %s:3: column 'label': value \"frod\"\n"
		         "  then  %s:5: column 'label': value \"suspect\"\n"
		         "  then  %s:6: column 'label': value \"frod\"\n", u, u, u);
		ck_assert_msg(strstr(out, want), "no\n%s\nin\n%s", want, out);
		/* the labels have their own line, not the bad-rows one */
		ck_assert_msg(!strstr(out, "bad rows, warning: unrecognised label"), "%s", out);
		ck_assert_msg(strstr(out, "users: 6 (labelled fraud 1, legit 1)"), "%s", out);
		ck_assert_msg(strstr(out, "check: nothing stored; run would accept this input"), "%s", out);
		free(out);
		free(err);
	}
	{
		const char *args[] = { "check", "--strict", "--edges", e, "--users", u, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 3);
		ck_assert_msg(strstr(out, "labels: 3 rows with an unrecognised value"), "%s", out);
		ck_assert_msg(!strstr(out, "check: nothing stored"), "%s", out);
		snprintf(want, sizeof(want), "fraudgraph: --strict: 3 unrecognised label values (first: %s:3:"
		         " column 'label': value \"frod\")", u);
		ck_assert_msg(strstr(err, want), "no\n%s\nin\n%s", want, err);
		free(out);
		free(err);
	}
	{
		/* mapped values (case-insensitive), the unknown class and empty ones are known */
		const char *args[] = { "check", "--strict", "--edges", e, "--users", clean, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 0);
		ck_assert_msg(strstr(out, "labels: every value recognised\n"), "%s", out);
		ck_assert_msg(strstr(out, "users: 6 (labelled fraud 2, legit 1)"), "%s", out);
		free(out);
		free(err);
	}
	{
		/* --label maps them: nothing left to report */
		const char *args[] = { "check", "--strict", "--label", "fraud=fraud,frod", "--label", "unknown=suspect",
		                       "--edges", e, "--users", u, NULL };
		ck_assert_int_eq(fg(&out, &err, args), 0);
		ck_assert_msg(strstr(out, "labels: every value recognised\n"), "%s", out);
		ck_assert_msg(strstr(out, "users: 6 (labelled fraud 3, legit 1)"), "%s", out);
		free(out);
		free(err);
	}
	fgt_rmtree(dir);
	free(dir);
	free(e);
	free(u);
	free(clean);
}
END_TEST

static Suite *contract_suite(void)
{
	Suite *s = suite_create("contract");
	TCase *unit = tcase_create("row_path");

	tcase_add_test(unit, values_normalised_per_kind);
	tcase_add_test(unit, placeholders_dropped);
	tcase_add_test(unit, kind_alias_options);
	tcase_add_test(unit, linkset_applies_the_row_path);
	tcase_add_test(unit, params_json_with_odd_kind_names);
	suite_add_tcase(s, unit);
	{
		TCase *cli = tcase_create("run_contract");
		tcase_set_timeout(cli, 300);
		tcase_add_test(cli, run_summary_kinds_and_placeholders);
		tcase_add_test(cli, hubs_that_swallow_the_graph);
		tcase_add_test(cli, exports_that_must_be_refused);
		tcase_add_test(cli, check_stores_nothing_and_config_file);
		tcase_add_test(cli, check_names_unrecognised_labels);
		tcase_add_test(cli, schema_v1_database_migrates);
		tcase_add_test(cli, file_size_limit_is_an_error_not_a_kill);
		tcase_add_test(cli, analysts_tables_shared_counts_and_hub_links);
		suite_add_tcase(s, cli);
	}
#if FG_FAULT_INJECTION
	{
		TCase *files = tcase_create("files_and_signals");
		tcase_set_timeout(files, 300);
		tcase_add_test(files, two_first_runs_race_on_a_new_file);
		tcase_add_test(files, term_signal_around_the_commit);
		suite_add_tcase(s, files);
	}
#endif
	return s;
}

int main(void)
{
	return fgt_run_suite(contract_suite());
}
