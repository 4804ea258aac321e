/*
 * Suite mpi: the real binary under a real mpirun (engine/fg_mpi.h).
 *
 * Registered only when the build has MPI (-Dmpi).  Every case needs mpirun:
 * when it is missing the case fails and says so (never passes by skipping).
 * -np 1..4 on this 2-core machine: oversubscribed, shared-memory transport
 * only (btl self,vader), no network.  Root (CI) needs OMPI_ALLOW_RUN_AS_ROOT.
 */
#include "fg_test.h"

#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_pack.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *tmp;

static void setup(void)
{
	tmp = fgt_tmpdir();
}

static void teardown(void)
{
	fgt_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

/* mpirun on PATH, or the case fails with what to do. */
static void need_mpirun(void)
{
	ck_assert_msg(fgt_sh("command -v mpirun >/dev/null 2>&1") == 0,
	              "MPI was enabled at build time (-Dmpi) but mpirun is not on PATH: install "
	              "openmpi-bin (.ci/deps installs it), or build with -Dmpi=disabled");
}

/* A shell command line into a malloc'd string (aborts on overflow). */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = malloc(8192);
	int n;

	va_start(ap, f);
	n = vsnprintf(s, 8192, f, ap);
	va_end(ap);
	ck_assert_int_lt(n, 8192);
	return s;
}

#define MPIRUN "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " \
	"OMPI_MCA_rmaps_base_oversubscribe=1 mpirun --oversubscribe --mca btl self,vader"

/* fraudgraph run ARGS on one process (np 0) or under mpirun -np np; exit status. */
static int run(int np, const char *args, const char *log)
{
	char *cmd;
	int rc;

	if (np == 0)
		cmd = fmt("'%s' run %s --top 0 >/dev/null 2>'%s'", fgt_bin(), args, log);
	else
		cmd = fmt(MPIRUN " -np %d '%s' run %s --top 0 >/dev/null 2>'%s'", np, fgt_bin(), args,
		          log);
	rc = fgt_sh(cmd);
	free(cmd);
	return rc;
}

static char *world(const char *name)
{
	return fmt("%s/data-samples/world/%s", fgt_source_root(), name);
}

/*
 * The run's digests on one process, then -np 1..4: the same output digest
 * (and input digest); the distributed components pass said it matches.
 */
static void same_digests(const char *inputs, const char *expect_digest)
{
	char *db = fgt_path(tmp, "one.db"), *log = fgt_path(tmp, "one.log");
	char *args = fmt("--db '%s' %s", db, inputs), *one, *one_in;

	ck_assert_int_eq(run(0, args, log), 0);
	one = fgt_file_q_text(db, "SELECT output_digest FROM runs");
	one_in = fgt_file_q_text(db, "SELECT input_digest FROM runs");
	ck_assert_ptr_nonnull(one);
	if (expect_digest)
		ck_assert_str_eq(one, expect_digest);
	for (int np = 1; np <= 4; np++) {
		char name[32], *mdb, *mlog, *margs, *d, *din, *err;

		snprintf(name, sizeof(name), "np%d.db", np);
		mdb = fgt_path(tmp, name);
		snprintf(name, sizeof(name), "np%d.log", np);
		mlog = fgt_path(tmp, name);
		margs = fmt("--db '%s' %s", mdb, inputs);
		ck_assert_msg(run(np, margs, mlog) == 0, "mpirun -np %d failed: %s", np,
		              fgt_read_file(mlog, NULL));
		d = fgt_file_q_text(mdb, "SELECT output_digest FROM runs");
		din = fgt_file_q_text(mdb, "SELECT input_digest FROM runs");
		ck_assert_msg(d && !strcmp(d, one), "-np %d: output digest %s, one process %s", np,
		              d ? d : "(none)", one);
		ck_assert_str_eq(din, one_in);
		err = fgt_read_file(mlog, NULL);
		ck_assert_msg(strstr(err, "the distributed pass matches fg_cc"), "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi entities: the ranks' entity ids match the graph") &&
		              strstr(err, "mpi entities   "), "-np %d: entity ids not checked: %s",
		              np, err);
		ck_assert_msg(strstr(err, "each rank's part built from its own links and checked "
		                          "against rank 0's cut"), "-np %d: parts not built: %s", np, err);
		ck_assert_msg(strstr(err, "mpi parts: the risk walk's parts reused"),
		              "-np %d: the BFS built its own parts again: %s", np, err);
		ck_assert_msg(strstr(err, "mpi ingest "), "-np %d: no per-phase line: %s", np, err);
		ck_assert_msg(strstr(err, "fg_rings run on one graph per rank: the rings are rank 0's") &&
		              strstr(err, "the run uses the ranks' rings") &&
		              strstr(err, "component scores (links, seeds, labels, times, risk) found "
		                          "on the ranks' graphs; bit for bit rank 0's fg_score") &&
		              strstr(err, "the run uses the ranks' scores") &&
		              strstr(err, "mpi scores     ") &&
		              strstr(err, "mpi rings      "), "-np %d: the rings not on the ranks: %s",
		              np, err);
		ck_assert_msg(strstr(err, "mpi risk: "), "-np %d: the walk not across the ranks: %s",
		              np, err);
		ck_assert_msg(strstr(err, "mpi evidence: "), "-np %d: the BFS not across the ranks: %s",
		              np, err);
		free(err);
		free(d);
		free(din);
		free(mdb);
		free(mlog);
		free(margs);
	}
	free(one);
	free(one_in);
	free(db);
	free(log);
	free(args);
}

START_TEST(world_digests)
{
	char *e = world("edges.csv"), *u = world("users.csv");
	char *in = fmt("--edges '%s' --users '%s'", e, u);

	need_mpirun();
	/* the value test_engine pins for the sample world */
	same_digests(in, "8d04dad2c2b4b66e91eff03e91abd905");
	free(in);
	/*
	 * The ring finder stopped at its cap (1 sweep; it converges in 3): the
	 * one global thing in fg_rings, which the ranks' graphs of whole
	 * components must reproduce (23 rings instead of 22: another digest).
	 */
	in = fmt("--edges '%s' --users '%s' --lpa-max-iter 1", e, u);
	teardown(); /* new databases: same_digests reads each one's first run */
	setup();
	same_digests(in, NULL);
	{
		char *db = fgt_path(tmp, "one.db"), *d = fgt_file_q_text(db, "SELECT output_digest FROM runs");
		char *log = fgt_path(tmp, "np3.log"), *err = fgt_read_file(log, NULL);

		ck_assert_str_ne(d, "8d04dad2c2b4b66e91eff03e91abd905");
		ck_assert_msg(strstr(err, "at most 1 sweeps on a rank, capped, 1 on rank 0's graph"),
		              "-np 3: %s", err);
		free(err);
		free(log);
		free(d);
		free(db);
	}
	free(in);
	free(e);
	free(u);
}
END_TEST

START_TEST(generated_world_digests)
{
	char *dir = fgt_path(tmp, "gen"), *cmd, *in, *db, *v;

	need_mpirun();
	cmd = fmt("'%s' gen --out '%s' --users 20000 --seed 7 --quiet", fgt_bin(), dir);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	in = fmt("--edges '%s/edges.csv' --users '%s/users.csv' --holdout 0.3", dir, dir);
	same_digests(in, NULL);
	/* the world has what the case is about: hubs, user-user links, held-out seeds */
	db = fgt_path(tmp, "one.db");
	v = fgt_file_q_text(db, "SELECT n_hubs > 0 AND n_user_links > 0 FROM runs");
	ck_assert_str_eq(v, "1");
	free(v);
	v = fgt_file_q_text(db, "SELECT count(*) > 0 FROM user_scores WHERE label = 'holdout'");
	ck_assert_str_eq(v, "1");
	free(v);
	free(db);
	free(cmd);
	free(in);
	free(dir);
}
END_TEST

/* A run's counts that the entity ids rest on, as text. */
static char *run_counts(const char *db)
{
	return fgt_file_q_text(db, "SELECT n_entities || ' ' || n_hubs || ' ' || n_user_links || ' ' "
	                           "|| n_placeholders || ' ' || n_links FROM runs");
}

/* The world of canonical_entity_ids: spellings, aliases, placeholders, hubs, relations. */
static void write_spellings(const char *edges, const char *users)
{
	FILE *f = fopen(edges, "w"), *u = fopen(users, "w");

	ck_assert(f && u);
	fprintf(f, "user_id,kind,value,seen_at\n");
	for (int i = 0; i < 600; i++) {
		/* eight users an email, half of them in capitals or through the alias: hubs over 5 */
		fprintf(f, "u%03d,%s,%s%d@Mail.example,2024-01-%02d\n", i, i % 3 ? "email" : "mail",
		        i % 2 ? "USER" : "user", i / 8, 1 + i % 28);
		/* three users a phone, written three ways */
		fprintf(f, "u%03d,phone,%s%04d,2024-02-01\n", i,
		        i % 3 == 0 ? "+1 (555) " : i % 3 == 1 ? "+1-555-" : "+1555", i / 3);
		/* a device through its alias or its own name; addresses with extra spaces */
		fprintf(f, "u%03d,%s,dev%d,2024-03-01\n", i, i % 2 ? "device" : "device_id", i / 2);
		fprintf(f, "u%03d,address,%d  Main   St%s,2024-03-02\n", i, i / 4, i % 4 ? "" : " ");
		/* kinds whose names are prefixes of each other */
		fprintf(f, "u%03d,ip,10.0.%d.1,2024-03-03\nu%03d,ipv6,fe80::%d,2024-03-03\n", i, i / 5,
		        i, i / 5);
		/* placeholders, twice each (counted per row), and a value --ignore-value drops */
		fprintf(f, "u%03d,device,unknown,2024-04-01\nu%03d,device,unknown,2024-04-01\n", i, i);
		fprintf(f, "u%03d,ip,0.0.0.0,2024-04-02\nu%03d,card,N/A,2024-04-03\n", i, i);
		fprintf(f, "u%03d,card,TEST-CARD,2024-04-04\n", i);
		/* a relation through its alias, either direction */
		if (i % 7 == 0)
			fprintf(f, "u%03d,ref,u%03d,2024-05-01\n", i, (i * 13 + 5) % 600);
	}
	fprintf(u, "user_id,created_at,label\n");
	for (int i = 0; i < 600; i++)
		fprintf(u, "u%03d,1700000000,%s\n", i, i % 37 == 3 ? "fraud" : i % 41 == 1 ? "legit" : "");
	fclose(f);
	fclose(u);
}

/*
 * Canonical entity ids (engine/fg_mpi.c entities_local): rows reach their
 * entity's owner under its canonical kind and normalised value, so an
 * entity spelt several ways (email case, an alias, phone and address
 * formats) is one entity, a hub by its whole share, and placeholder rows
 * are neither numbered nor merged (counted per row).  -np 1..4 give one
 * process's digests and counts, the ranks' ids checked against the graph.
 */
START_TEST(canonical_entity_ids)
{
	char *edges = fgt_path(tmp, "spell.csv"), *users = fgt_path(tmp, "spell-users.csv");
	char *in = fmt("--edges '%s' --users '%s' --kind-alias email=mail --kind-alias "
	               "device=device_id --kind-alias referral=ref --max-share email=5 "
	               "--ignore-value card=test-card", edges, users);
	char *db = fgt_path(tmp, "one.db"), *one, *v;

	need_mpirun();
	write_spellings(edges, users);
	same_digests(in, NULL);
	one = run_counts(db);
	/*
	 * 75 emails (all hubs: 8 users each), 200 phones, 300 devices, 150
	 * addresses, 120 ip and 120 ipv6; 86 referrals; 5 placeholder rows a user
	 */
	ck_assert_str_eq(one, "965 75 86 3000 3686");
	for (int np = 1; np <= 4; np++) {
		char name[32], *mdb;

		snprintf(name, sizeof(name), "np%d.db", np);
		mdb = fgt_path(tmp, name);
		v = run_counts(mdb);
		ck_assert_msg(!strcmp(v, one), "-np %d: %s, one process %s", np, v, one);
		free(v);
		free(mdb);
	}
	free(one);
	free(db);
	free(in);
	free(edges);
	free(users);
}
END_TEST

#if FG_FAULT_INJECTION
/*
 * The checks of the entity ids, of the seeds, of the closure's split and of
 * the ranks' own parts can fail: one owner learns a wrong id
 * (FG_FAULT_FAIL_AT=mpi-entity-id), a range is numbered out of order
 * (mpi-entity-order), the ranks miss the last of the 12 seeds their user
 * rows give (mpi-seed), the last rank counts one arc too many in the
 * closure's first block (mpi-closure-arc: the ranks' split then differs
 * from rank 0's by that arc), a part has a wrong arc (mpi-part-arc), the
 * last rank takes a user of its components out of its ring (mpi-rings) or
 * reports 99 sweeps (mpi-rings-sweep: the run would store the ranks' count)
 * or one ring's sharing one ulp above its own (mpi-ring-share), or a member's
 * risk value 0.1% low as it reaches its component's rank (mpi-ring-risk:
 * the ranks' whole ring and component scores, compared bit for bit when
 * rank 0 scores, field by field: risk_mean is the first that differs):
 * the run fails on rank 0 with the check's message and stores nothing.
 */
START_TEST(entity_id_check_fails)
{
	static const char *const faults[] = { "mpi-entity-id", "mpi-entity-order", "mpi-seed",
	                                      "mpi-closure-arc", "mpi-part-arc", "mpi-rings",
	                                      "mpi-rings-sweep", "mpi-ring-share", "mpi-ring-risk" };
	static const char *const says[] = { "mpi entities: the owners' entity ids, shares or hubs "
	                                    "are not the graph's (5279 entities)",
	                                    "mpi entities: rank 0's entity ids 0 .. ",
	                                    "mpi seeds: the ranks' seeds are not rank 0's: the ranks "
	                                    "found 11, rank 0 12",
	                                    "mpi closure: the ranks' closure is not the one rank 0 "
	                                    "finds in its graph: rank 0's run (positions 0 .. 150) "
	                                    "has 467 arcs by the ranks' count, 466 by rank 0's",
	                                    "mpi parts: rank 0's part of the closure (positions 0 .. "
	                                    "150) is not the one rank 0 cuts from its graph",
	                                    "mpi rings: the ranks' rings are not rank 0's: user 'u",
	                                    "mpi rings: the ranks' rings are not rank 0's: 99 sweeps "
	                                    "(converged) by the ranks, 3 (converged) on rank 0's graph",
	                                    "mpi scores: the ranks' ring scores are not rank 0's: ring ",
	                                    "' in rank 0's) differs in risk_mean (score " };
	char *e = world("edges.csv"), *u = world("users.csv"), *db = fgt_path(tmp, "f.db");
	char *log = fgt_path(tmp, "f.log"), *args = fmt("--db '%s' --edges '%s' --users '%s'", db, e, u);

	need_mpirun();
	ck_assert_int_eq(run(0, args, log), 0);
	for (int np = 2; np <= 3; np++) {
		for (int f = 0; f < 9; f++) {
			char *cmd = fmt("FG_FAULT_FAIL_AT=%s " MPIRUN " -np %d '%s' run %s --top 0 "
			                ">/dev/null 2>'%s'", faults[f], np, fgt_bin(), args, log);
			char *err, *n;

			ck_assert_int_ne(fgt_sh(cmd), 0);
			err = fgt_read_file(log, NULL);
			ck_assert_msg(strstr(err, says[f]) && strstr(err, "nothing of this run was stored"),
			              "-np %d %s: %s", np, faults[f], err);
			n = fgt_file_q_text(db, "SELECT count(*) FROM runs");
			ck_assert_str_eq(n, "1");
			free(n);
			free(err);
			free(cmd);
		}
	}
	free(args);
	free(log);
	free(db);
	free(e);
	free(u);
}
END_TEST
#endif

/*
 * The risk walk in the run, on more than one rank: the seeds' components of
 * the generated worlds fit in one block of the active list (a few hundred
 * vertices), so this world is one long component: 6000 users in a chain of
 * devices shared by two, every tenth five sharing a card, five fraud seeds
 * along it (12598 active vertices, 4 blocks).  Same digests at -np
 * 1..4, and the walk ran on 4 blocks with ghost values on rank 0; the
 * evidence BFS ran across the ranks too, reaching every active vertex over
 * paths hundreds of levels long.
 */
START_TEST(risk_walk_digests)
{
	char *edges = fgt_path(tmp, "rchain.csv"), *users = fgt_path(tmp, "rusers.csv");
	char *in = fmt("--edges '%s' --users '%s'", edges, users), *log, *err;
	FILE *f = fopen(edges, "w"), *u = fopen(users, "w");

	need_mpirun();
	ck_assert(f && u);
	fprintf(f, "user_id,kind,value,seen_at\n");
	for (int i = 0; i < 5999; i++)
		fprintf(f, "u%05d,device,d%05d,2024-01-01\nu%05d,device,d%05d,2024-01-02\n", i, i,
		        i + 1, i);
	for (int i = 0; i < 5990; i += 10)
		for (int j = 0; j < 5; j++)
			fprintf(f, "u%05d,card,c%05d,2024-01-03\n", i + j, i);
	fprintf(u, "user_id,created_at,label\n");
	for (int i = 0; i < 6000; i++)
		fprintf(u, "u%05d,1700000000,%s\n", i, i % 1200 == 17 ? "fraud" : "");
	fclose(f);
	fclose(u);
	same_digests(in, NULL);
	log = fgt_path(tmp, "np4.log");
	err = fgt_read_file(log, NULL);
	ck_assert_msg(strstr(err, "active vertices in 4 blocks over 4 ranks") &&
	              !strstr(err, "(0 ghost values on rank 0)"), "%s", err);
	ck_assert_msg(strstr(err, "mpi evidence: 12598 vertices reached from 5 seeds in ") &&
	              strstr(err, "levels over 4 ranks") && strstr(err, "mpi evidence   4 ranks"),
	              "%s", err);
	free(err);
	free(log);
	free(in);
	free(edges);
	free(users);
}
END_TEST

/*
 * The kernel alone (tests/mpi_cc_check.c): fg_cc_dist against a serial BFS
 * at -np 1..4, on a shuffled path (diameter 2999: FastSV's pointer jumping
 * must finish it in few iterations), random sparse edges, stars around the
 * largest ids, and no edges.
 */
START_TEST(cc_dist_against_bfs)
{
	static const char *const shapes[] = { "path", "random", "stars", "none" };
	const char *check = getenv("FG_MPI_CC_CHECK");
	char *log = fgt_path(tmp, "cc.log");

	need_mpirun();
	ck_assert_msg(check != NULL, "FG_MPI_CC_CHECK not set (tests/meson.build sets it)");
	for (int np = 1; np <= 4; np++) {
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
			char *cmd = fmt(MPIRUN " -np %d '%s' %s 3000 %d >'%s' 2>&1", np, check, shapes[s],
			                np * 10 + (int)s, log);
			int rc = fgt_sh(cmd);
			char *out = fgt_read_file(log, NULL);

			ck_assert_msg(rc == 0 && strstr(out, "ok: 3000 vertices"), "-np %d %s: %s", np,
			              shapes[s], out);
			if (!strcmp(shapes[s], "path")) {
				int it = atoi(strstr(out, "components, ") + strlen("components, "));

				ck_assert_msg(strstr(out, " 1 components,") && it <= 40,
				              "-np %d path: %s (min-label propagation would take 3000)", np, out);
			}
			free(out);
			free(cmd);
		}
	}
	free(log);
}
END_TEST

/*
 * The risk walk alone (tests/mpi_risk_check.c): fg_risk_dist against fg_risk
 * at -np 1..4, every vertex's risk compared by memcmp, and the iteration
 * count and last L1 change, on the balanced split, an uneven one (rank 1
 * without a block at -np 3 and 4) and all on rank 0, on 24000 vertices:
 * seeds in one component (about 20000 active vertices, 6 blocks), many
 * components with dangling seeds and a seed listed twice (2 blocks), hubs
 * removed, no seeds.
 */
START_TEST(risk_dist_bit_exact)
{
	static const char *const shapes[] = { "one", "many", "hubs", "none" };
	const char *check = getenv("FG_MPI_RISK_CHECK");
	char *log = fgt_path(tmp, "risk.log");

	need_mpirun();
	ck_assert_msg(check != NULL, "FG_MPI_RISK_CHECK not set (tests/meson.build sets it)");
	for (int np = 1; np <= 4; np++) {
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
			char *cmd = fmt(MPIRUN " -np %d '%s' %s 12000 %d >'%s' 2>&1", np, check, shapes[s],
			                np * 10 + (int)s, log);
			int rc = fgt_sh(cmd);
			char *out = fgt_read_file(log, NULL);

			ck_assert_msg(rc == 0 && strstr(out, "ok: 24000 vertices"), "-np %d %s: %s", np,
			              shapes[s], out);
			/* the shapes are what they claim: several blocks, or nothing active */
			ck_assert_msg(strcmp(shapes[s], "none") ? !strstr(out, " 0 active") &&
			                                          !strstr(out, " 1 blocks")
			                                        : strstr(out, " 0 active") != NULL,
			              "-np %d %s: %s", np, shapes[s], out);
			free(out);
			free(cmd);
		}
	}
	free(log);
}
END_TEST

/*
 * The packing of the per-component stage (fg_pack_components) against a
 * reference that knows nothing of it: a selection of the next item (the
 * heaviest, the smallest label of equal weights) and a scan for the
 * lightest rank (the first of equal loads), O(n^2 + n N).  Random sets with
 * many equal weights for 1..9 ranks and 0..60 items (fewer items than
 * ranks: empty ranks), each in two orders (the same packing), and the LPT
 * bound (the heaviest rank at most the mean plus the largest item); then
 * the cases by hand: one rank, ties, empty ranks, no items, no ranks.
 */
static void ref_pack(int *out, const fg_pack_item *it, size_t n, int nr)
{
	uint64_t load[16] = { 0 };
	char done[64] = { 0 };

	for (size_t k = 0; k < n; k++) {
		size_t b = n;
		int r = 0;

		for (size_t i = 0; i < n; i++)
			if (!done[i] && (b == n || it[i].weight > it[b].weight ||
			                 (it[i].weight == it[b].weight && it[i].label < it[b].label)))
				b = i;
		for (int q = 1; q < nr; q++)
			if (load[q] < load[r])
				r = q;
		done[b] = 1;
		out[b] = r;
		load[r] += it[b].weight;
	}
}

START_TEST(pack_components)
{
	fg_pack_item it[64], sh[64];
	int got[64], ref[64], got2[64];
	uint64_t seed = 42;

	for (int nr = 1; nr <= 9; nr++) {
		for (size_t n = 0; n <= 60; n += 1 + n / 8) {
			uint64_t load[16] = { 0 }, total = 0, big = 0, worst = 0;

			for (size_t i = 0; i < n; i++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				/* distinct labels, weights from a few values: ties everywhere */
				it[i] = (fg_pack_item){ (seed >> 40) * 64 + i, 100 + ((seed >> 20) % 5) * 115 };
			}
			ck_assert_int_eq(fg_pack_components(got, it, n, nr), FG_OK);
			ref_pack(ref, it, n, nr);
			for (size_t i = 0; i < n; i++) {
				ck_assert_msg(got[i] == ref[i], "%d ranks, %zu items: item %zu on rank %d, "
				              "the reference's %d", nr, n, i, got[i], ref[i]);
				load[got[i]] += it[i].weight;
				total += it[i].weight;
				big = it[i].weight > big ? it[i].weight : big;
			}
			for (int r = 0; r < nr; r++)
				worst = load[r] > worst ? load[r] : worst;
			ck_assert_uint_le(worst * (uint64_t)nr, total + big * (uint64_t)nr);
			/* reversed input: the same rank for each label */
			for (size_t i = 0; i < n; i++)
				sh[i] = it[n - 1 - i];
			ck_assert_int_eq(fg_pack_components(got2, sh, n, nr), FG_OK);
			for (size_t i = 0; i < n; i++)
				ck_assert_int_eq(got2[n - 1 - i], got[i]);
		}
	}
	{
		/* one rank: all on 0 */
		fg_pack_item a[3] = { { 5, 10 }, { 1, 30 }, { 9, 20 } };

		ck_assert_int_eq(fg_pack_components(got, a, 3, 1), FG_OK);
		ck_assert(got[0] == 0 && got[1] == 0 && got[2] == 0);
		/* three ranks: the heaviest first, one each */
		ck_assert_int_eq(fg_pack_components(got, a, 3, 3), FG_OK);
		ck_assert(got[1] == 0 && got[2] == 1 && got[0] == 2);
		/* two ranks: 30 | 20, then 10 to the lighter */
		ck_assert_int_eq(fg_pack_components(got, a, 3, 2), FG_OK);
		ck_assert(got[1] == 0 && got[2] == 1 && got[0] == 1);
	}
	{
		/* ties: equal weights by the smaller label, equal loads to the smaller rank */
		fg_pack_item a[4] = { { 7, 5 }, { 3, 5 }, { 4, 5 }, { 1, 2 } };

		ck_assert_int_eq(fg_pack_components(got, a, 4, 2), FG_OK);
		ck_assert(got[1] == 0 && got[2] == 1 && got[0] == 0 && got[3] == 1);
		/* more ranks than items: the last two ranks stay empty */
		ck_assert_int_eq(fg_pack_components(got, a, 4, 6), FG_OK);
		ck_assert(got[1] == 0 && got[2] == 1 && got[0] == 2 && got[3] == 3);
	}
	ck_assert_int_eq(fg_pack_components(got, it, 0, 4), FG_OK);
	ck_assert_int_eq(fg_pack_components(got, it, 3, 0), FG_EUSAGE);
}
END_TEST

/*
 * fg_bfs_dist against fg_bfs_multi (tests/mpi_bfs_check.c): every vertex's
 * hops and nearest seed at -np 1..4 over four splits of the list (balanced,
 * uneven, all on rank 0, runs not cut at blocks), on 24000 vertices: one
 * component, many components with seeds without links, no seeds, every
 * seed listed twice, and a seed every 7 users (ties between seeds at equal
 * distance and between parents).
 */
START_TEST(bfs_dist_exact)
{
	static const char *const shapes[] = { "one", "many", "none", "twice", "ties" };
	const char *check = getenv("FG_MPI_BFS_CHECK");
	char *log = fgt_path(tmp, "bfs.log");

	need_mpirun();
	ck_assert_msg(check != NULL, "FG_MPI_BFS_CHECK not set (tests/meson.build sets it)");
	for (int np = 1; np <= 4; np++) {
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
			char *cmd = fmt(MPIRUN " -np %d '%s' %s 12000 %d >'%s' 2>&1", np, check, shapes[s],
			                np * 10 + (int)s, log);
			int rc = fgt_sh(cmd);
			char *out = fgt_read_file(log, NULL);

			ck_assert_msg(rc == 0 && strstr(out, "ok: 24000 vertices"), "-np %d %s: %s", np,
			              shapes[s], out);
			/* the shapes are what they claim: paths several levels long, or nothing reached */
			ck_assert_msg(strcmp(shapes[s], "none") ? !strstr(out, " 0 reached") &&
			                                          !strstr(out, " 1 levels")
			                                        : strstr(out, " 0 reached") != NULL,
			              "-np %d %s: %s", np, shapes[s], out);
			free(out);
			free(cmd);
		}
	}
	free(log);
}
END_TEST

/*
 * A component over a rank's budget (--rank-memory): 5000 users in a chain
 * of devices shared by two, every tenth five sharing a card.  Under mpirun
 * with a 1 MiB budget: exit 3, the component named by its smallest user
 * with its size and the caps that would cut it, the previous run intact;
 * with 64 MiB the run is one process's.
 */
START_TEST(component_over_budget)
{
	char *edges = fgt_path(tmp, "chain.csv"), *db = fgt_path(tmp, "c.db");
	char *log = fgt_path(tmp, "c.log"), *args, *before, *after, *err, *d, *one;
	FILE *f = fopen(edges, "w");

	need_mpirun();
	ck_assert_ptr_nonnull(f);
	fprintf(f, "user_id,kind,value,seen_at\n");
	for (int i = 0; i < 4999; i++)
		fprintf(f, "u%05d,device,d%05d,2024-01-01\nu%05d,device,d%05d,2024-01-02\n", i, i,
		        i + 1, i);
	for (int i = 0; i < 4990; i += 10)
		for (int j = 0; j < 5; j++)
			fprintf(f, "u%05d,card,c%05d,2024-01-03\n", i + j, i);
	for (int i = 0; i < 100; i++)
		fprintf(f, "x%03d,card,c%d,2024-01-01\n", i, i / 2);
	fclose(f);
	args = fmt("--db '%s' --edges '%s'", db, edges);
	ck_assert_int_eq(run(0, args, log), 0);
	one = fgt_file_q_text(db, "SELECT output_digest FROM runs");
	before = fgt_file_q_text(db, "SELECT group_concat(run_id || ':' || output_digest) FROM runs");
	free(args);
	args = fmt("--db '%s' --edges '%s' --rank-memory 1", db, edges);
	for (int np = 1; np <= 3; np++) {
		ck_assert_int_eq(run(np, args, log), 3);
		err = fgt_read_file(log, NULL);
		ck_assert_msg(strstr(err, "the component of user 'u00000' has 5000 users and 12493 links") &&
		              strstr(err, "over the budget of 1 MiB (--rank-memory)") &&
		              strstr(err, "--max-share card=4 (card 'c00000' is shared by 5 users), "
		                          "--max-share device=1 (device 'd00000' is shared by 2 users)"),
		              "-np %d: %s", np, err);
		after = fgt_file_q_text(db, "SELECT group_concat(run_id || ':' || output_digest) FROM runs");
		ck_assert_str_eq(after, before);
		free(after);
		free(err);
	}
	free(args);
	args = fmt("--db '%s' --edges '%s' --rank-memory 64", db, edges);
	ck_assert_int_eq(run(2, args, log), 0);
	d = fgt_file_q_text(db, "SELECT output_digest FROM runs ORDER BY run_id DESC LIMIT 1");
	ck_assert_str_eq(d, one);
	err = fgt_read_file(log, NULL);
	ck_assert_msg(strstr(err, "the largest has 5000 users and 12493 links"), "%s", err);
	free(err);
	free(d);
	free(one);
	free(before);
	free(args);
	free(edges);
	free(db);
	free(log);
}
END_TEST

/*
 * User attributes routed to the users' owners (engine/fg_mpi.c 'A' records):
 * a generated world with 10 attributes (shape dense), a learned model, and
 * a second users file that gives some users again with other values, a
 * missing one and a text column: one process's digest at -np 1..4, the model
 * trained, the text column left out with a real file:line.
 */
START_TEST(attributes_and_model_digests)
{
	char *dir = fgt_path(tmp, "dense"), *more = fgt_path(tmp, "more-users.csv"), *cmd, *in;
	char *db, *v, *log, *err;
	FILE *f;

	need_mpirun();
	cmd = fmt("'%s' gen --out '%s' --users 8000 --shape dense --seed 11 --quiet", fgt_bin(), dir);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	free(cmd);
	/* the first 300 users again: a01 larger for some, smaller for others, a02 missing */
	cmd = fmt("head -n 301 '%s/users.csv' | tail -n 300 | cut -d, -f1 >'%s.ids'", dir, more);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	free(cmd);
	{
		char *ids_path = fmt("%s.ids", more), *ids = fgt_read_file(ids_path, NULL), *save = NULL;
		int i = 0;

		f = fopen(more, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "user_id,a01,a02,note\n");
		for (char *id = strtok_r(ids, "\n", &save); id; id = strtok_r(NULL, "\n", &save), i++)
			fprintf(f, "%s,%s,,%s\n", id, i % 2 ? "1e6" : "-1e6", i == 7 ? "vip" : "");
		fclose(f);
		free(ids);
		free(ids_path);
	}
	in = fmt("--edges '%s/edges.csv' --users '%s/users.csv' --users '%s'", dir, dir, more);
	same_digests(in, NULL);
	db = fgt_path(tmp, "one.db");
	v = fgt_file_q_text(db, "SELECT substr(model_status, 1, 8) FROM runs");
	ck_assert_str_eq(v, "trained:");
	free(v);
	/* the text column is named with the line of its value, under mpirun too */
	log = fgt_path(tmp, "np3.log");
	err = fgt_read_file(log, NULL);
	ck_assert_msg(strstr(err, "user attribute 'note' is not numeric (first at ") &&
	              strstr(err, "more-users.csv:9: \"vip\""), "%s", err);
	free(err);
	free(log);
	free(db);
	free(in);
	free(more);
	free(dir);
}
END_TEST

#if FG_FAULT_INJECTION
/*
 * The run of margs at -np np with fault set fails; its log (at log) holds
 * each of the NULL-terminated needles and "nothing of this run was
 * stored", and mdb still holds its one earlier run.
 */
static void fault_fails(const char *fault, int np, const char *margs, const char *log,
                        const char *mdb, ...)
{
	char *cmd = fmt("FG_FAULT_FAIL_AT=%s " MPIRUN " -np %d '%s' run %s --top 0 >/dev/null "
	                "2>'%s'", fault, np, fgt_bin(), margs, log);
	char *err, *n;
	const char *needle;
	va_list ap;

	ck_assert_int_ne(fgt_sh(cmd), 0);
	err = fgt_read_file(log, NULL);
	ck_assert_ptr_nonnull(err);
	va_start(ap, mdb);
	while ((needle = va_arg(ap, const char *)))
		ck_assert_msg(strstr(err, needle), "-np %d, %s: no '%s' in: %s", np, fault, needle, err);
	va_end(ap);
	ck_assert_msg(strstr(err, "nothing of this run was stored"), "-np %d, %s: %s", np, fault, err);
	n = fgt_file_q_text(mdb, "SELECT count(*) FROM runs");
	ck_assert_str_eq(n, "1");
	free(n);
	free(err);
	free(cmd);
}

/*
 * Under fault (a change of the ranks' used columns after rank 0's check) the
 * run commits and its digest is not one process's: a wrong used column shows.
 */
static void fault_moves_digest(const char *fault, int np, const char *margs, const char *log,
                               const char *mdb, const char *one)
{
	char *cmd = fmt("FG_FAULT_FAIL_AT=%s " MPIRUN " -np %d '%s' run %s --top 0 >/dev/null "
	                "2>'%s'", fault, np, fgt_bin(), margs, log);
	char *d;

	ck_assert_int_eq(fgt_sh(cmd), 0);
	d = fgt_file_q_text(mdb, "SELECT output_digest FROM runs ORDER BY run_id DESC LIMIT 1");
	ck_assert_msg(strcmp(d, one) != 0, "-np %d, %s: the digest is one process's", np, fault);
	free(d);
	free(cmd);
}

/*
 * The model's features on the ranks (issue 15, fourth step): a generated
 * world whose model trains (every planted fraudster labelled, 26 seeds) and
 * whose 340 users of components of 2+ are packed over the ranks.  At -np 2
 * and 3 the ranks' rows of those users (the columns fg_mpi.c's feat_col
 * lists) are rank 0's bit for bit and the digest is one process's; with one
 * ulp on one user's nb_mean_co_users on the last rank with users
 * (mpi-features) the run fails naming the user and the column and stores
 * nothing.  Fifth step: the account-age reference is the ranks' maximum over
 * their owned rows, one second early on every rank (mpi-t-ref) fails the run
 * against rank 0's; the model scores with the ranks' columns, so with every
 * packed user's columns changed on rank 0 after the check passed, in its
 * scoring row (mpi-features-used) or in its training rows
 * (mpi-features-used-train), the run stores a digest that is not one
 * process's; one ulp in one user's training row (mpi-features-train) fails
 * the check naming the training row.  Sixth step: the hub-link columns
 * (hub_links and per class) counted from the hub owners' links are rank 0's
 * for every packed user; with every hub link of the last rank holding hub
 * links counted twice (mpi-hub-links) the run fails naming the user and
 * hub_links and stores nothing.  Seventh step: the model uses those counts
 * (hub_links_used, on a world whose model splits on them: this one's does
 * not); the degrees, deg_total and deg_card .. deg_other, are the ranks'
 * part plus the hub owners' for every packed user, bit for bit; with the
 * first packed user of the last rank given one link too many (mpi-deg-part)
 * the run fails naming deg_total and stores nothing.  Eighth step: the
 * model uses the degrees too (hub_links_used, mpi-deg-used); the seed
 * columns (hub_seeds, seeds_card .. seeds_other, entity_seeds_max: the
 * ranks' part plus the hub owners' seeds per fold) are rank 0's in every
 * packed user's five rows; with one seed more of every fold in every hub's
 * counts (mpi-hub-seeds) the run fails naming hub_seeds, with one more in
 * the last user's seeds_card part of its last training row on the last rank
 * (mpi-seeds-part) naming seeds_card and the training row; neither stores
 * anything.  Ninth step: the share columns (share_min, share_mean,
 * share_max: the rank's part, the minimum, integer sum, maximum and count
 * of its entity links' shares, with the hub owners' shares) are rank 0's in
 * every packed user's five rows; with every hub's share one more
 * (mpi-hub-share) or one more in the share sum of the last rank's first
 * user with an entity link (mpi-share-part) the run fails naming
 * share_mean and stores nothing.  So is activity_span_days (the earliest
 * and latest time of the rank's links, shipped with them, and of the hub
 * owners' links); with every hub link first seen a year earlier
 * (mpi-hub-times: this world's 8 packed users with a hub link have it
 * within the span of their other links) or the last rank's last user's last link a day later
 * (mpi-span-part) the run fails naming activity_span_days.
 */
START_TEST(features_on_the_ranks)
{
	char *dir = fgt_path(tmp, "featw"), *cmd, *in, *db, *log, *args, *one;

	need_mpirun();
	cmd = fmt("'%s' gen --out '%s' --users 8000 --seed 11 --label-rate 1 --quiet", fgt_bin(), dir);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	free(cmd);
	in = fmt("--edges '%s/edges.csv' --users '%s/users.csv'", dir, dir);
	db = fgt_path(tmp, "feat.db");
	log = fgt_path(tmp, "feat.log");
	args = fmt("--db '%s' %s", db, in);
	ck_assert_int_eq(run(0, args, log), 0);
	one = fgt_file_q_text(db, "SELECT output_digest FROM runs");
	for (int np = 2; np <= 3; np++) {
		char *mdb = fgt_path(tmp, np == 2 ? "feat2.db" : "feat3.db");
		char *margs = fmt("--db '%s' %s", mdb, in), *err, *d;

		ck_assert_int_eq(run(np, margs, log), 0);
		err = fgt_read_file(log, NULL);
		ck_assert_msg(strstr(err, "mpi features: 25 columns of 340 packed users' rows found on "
		                     "the ranks' graphs; bit for bit rank 0's fg_features"), "-np %d: %s",
		              np, err);
		ck_assert_msg(strstr(err, "mpi features: hub_links, hub_card, hub_device and "
		                     "hub_address of 340 packed users from the hub owners' 632 links; "
		                     "bit for bit rank 0's, used by the model"), "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi features: deg_total and deg_card .. deg_other of 340 "
		                     "packed users from the ranks' links and the hub owners'; bit for "
		                     "bit rank 0's, used by the model"),
		              "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi features: hub_seeds, seeds_card .. seeds_other and "
		                     "entity_seeds_max of 340 packed users from the ranks' links and the "
		                     "hub owners'; bit for bit rank 0's in the scoring and 4 training "
		                     "rows"), "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi features: share_min, share_mean and share_max of 340 "
		                     "packed users from the ranks' links and the hub owners' shares; "
		                     "bit for bit rank 0's in the scoring and 4 training rows, used by "
		                     "the model"), "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi features: activity_span_days of 340 packed users from "
		                     "the ranks' links and the hub owners' link times; bit for bit rank "
		                     "0's in the scoring and 4 training rows, used by the model"),
		              "-np %d: %s", np, err);
		free(err);
		d = fgt_file_q_text(mdb, "SELECT output_digest FROM runs");
		ck_assert_str_eq(d, one);
		free(d);
		fault_fails("mpi-hub-times", np, margs, log, mdb, "mpi features: the ranks' and hub "
		            "owners' link times are not rank 0's: user 'u", "' differs in "
		            "activity_span_days (", NULL);
		fault_fails("mpi-span-part", np, margs, log, mdb, "mpi features: the ranks' and hub "
		            "owners' link times are not rank 0's: user 'u", "' differs in "
		            "activity_span_days (", NULL);
		fault_fails("mpi-hub-seeds", np, margs, log, mdb, "mpi features: the ranks' and hub "
		            "owners' seeds are not rank 0's: user 'u", "' differs in hub_seeds (", NULL);
		fault_fails("mpi-seeds-part", np, margs, log, mdb, "mpi features: the ranks' and hub "
		            "owners' seeds are not rank 0's: user 'u", "' differs in seeds_card (",
		            "; its training row, folds mask 0x", NULL);
		fault_fails("mpi-hub-share", np, margs, log, mdb, "mpi features: the ranks' and hub "
		            "owners' shares are not rank 0's: user 'u", "' differs in share_mean (",
		            NULL);
		fault_fails("mpi-share-part", np, margs, log, mdb, "mpi features: the ranks' and hub "
		            "owners' shares are not rank 0's: user 'u", "' differs in share_mean (",
		            NULL);
		fault_fails("mpi-hub-links", np, margs, log, mdb, "mpi features: the hub owners' links "
		            "are not rank 0's: user 'u", "' differs in hub_links (", NULL);
		fault_fails("mpi-features", np, margs, log, mdb, "mpi features: the ranks' features are "
		            "not rank 0's: user 'u", "' differs in nb_mean_co_users (", NULL);
		fault_fails("mpi-deg-part", np, margs, log, mdb, "mpi features: the ranks' and hub "
		            "owners' links are not rank 0's: user 'u", "' differs in deg_total (", NULL);
		fault_fails("mpi-t-ref", np, margs, log, mdb, "mpi features: the account-age reference "
		            "of the owners' rows is ", NULL);
		fault_fails("mpi-features-train", np, margs, log, mdb, "mpi features: the ranks' "
		            "features are not rank 0's: user 'u", "' differs in nb_mean_co_users (",
		            "; its training row, folds mask 0x", NULL);
		fault_moves_digest("mpi-features-used", np, margs, log, mdb, one);
		fault_moves_digest("mpi-features-used-train", np, margs, log, mdb, one);
		free(margs);
		free(mdb);
	}
	free(one);
	free(args);
	free(log);
	free(db);
	free(in);
	free(dir);
}
END_TEST

/*
 * The hub-link columns used from the hub owners (issue 15, seventh step): a
 * generated reviews world (hubs are the popular products; its model splits
 * on hub_links and hub_seeds, where the rings world's splits on neither),
 * 1175 packed users and 43,397 hub links.  At -np 2 and 3 the digest is one
 * process's and the log says the counts are used; with the four hub-link
 * columns of every packed user changed on rank 0 after the check passed
 * (mpi-hub-links-used: 2v+1, in every row the model trains on, scores and
 * stores) the run stores a digest that is not one process's, so a wrong used
 * count reaches the output.  Eighth step: the degrees (deg_total, deg_card
 * .. deg_other, the rank's part plus the owners') are used the same way
 * (this world's model splits on deg_total, importance 491 of its gain, the
 * rings world's on it too but barely, 0.5); with the eight of every packed
 * user changed after the check (mpi-deg-used, 2v+1) the digest is not one
 * process's either; and so are the seed columns (hub_seeds, seeds_card ..
 * seeds_other, entity_seeds_max, in each of the five rows: the model splits
 * on seeds_other, entity_seeds_max and hub_seeds), changed the same way
 * after the check (mpi-seeds-used).  Ninth step: the share columns
 * (share_min, share_mean, share_max: the rank's part with the hub owners'
 * shares) are used too: this world's model splits on all three (importance
 * 1254, 953 and 386 of its gain; the rings world's on share_mean alone,
 * 0.4); with the three of every packed user changed after the check
 * (mpi-share-used, 2v+1) the digest is not one process's; and
 * activity_span_days (importance 1648), the same way (mpi-span-used).
 */
START_TEST(hub_links_used)
{
	char *dir = fgt_path(tmp, "hubw"), *cmd, *in, *db, *log, *args, *one;

	need_mpirun();
	cmd = fmt("'%s' gen --out '%s' --users 8000 --seed 11 --shape reviews --quiet", fgt_bin(),
	          dir);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	free(cmd);
	in = fmt("--edges '%s/edges.csv' --users '%s/users.csv'", dir, dir);
	db = fgt_path(tmp, "hub.db");
	log = fgt_path(tmp, "hub.log");
	args = fmt("--db '%s' %s", db, in);
	ck_assert_int_eq(run(0, args, log), 0);
	one = fgt_file_q_text(db, "SELECT output_digest FROM runs");
	for (int np = 2; np <= 3; np++) {
		char *mdb = fgt_path(tmp, np == 2 ? "hub2.db" : "hub3.db");
		char *margs = fmt("--db '%s' %s", mdb, in), *err, *d;

		ck_assert_int_eq(run(np, margs, log), 0);
		err = fgt_read_file(log, NULL);
		ck_assert_msg(strstr(err, "mpi features: hub_links, hub_card, hub_device and "
		                     "hub_address of 1175 packed users from the hub owners' 43397 "
		                     "links; bit for bit rank 0's, used by the model"), "-np %d: %s",
		              np, err);
		ck_assert_msg(strstr(err, "mpi features: deg_total and deg_card .. deg_other of 1175 "
		                     "packed users from the ranks' links and the hub owners'; bit for "
		                     "bit rank 0's, used by the model"), "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi features: hub_seeds, seeds_card .. seeds_other and "
		                     "entity_seeds_max of 1175 packed users from the ranks' links and "
		                     "the hub owners'; bit for bit rank 0's in the scoring and 4 "
		                     "training rows, used by the model"), "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi features: share_min, share_mean and share_max of 1175 "
		                     "packed users from the ranks' links and the hub owners' shares; "
		                     "bit for bit rank 0's in the scoring and 4 training rows, used by "
		                     "the model"), "-np %d: %s", np, err);
		ck_assert_msg(strstr(err, "mpi features: activity_span_days of 1175 packed users from "
		                     "the ranks' links and the hub owners' link times; bit for bit rank "
		                     "0's in the scoring and 4 training rows, used by the model"),
		              "-np %d: %s", np, err);
		free(err);
		d = fgt_file_q_text(mdb, "SELECT output_digest FROM runs");
		ck_assert_str_eq(d, one);
		free(d);
		{
			static const char *const used[] = { "mpi-hub-links-used", "mpi-deg-used",
			                                    "mpi-seeds-used", "mpi-share-used",
			                                    "mpi-span-used" };

			for (size_t k = 0; k < sizeof(used) / sizeof(used[0]); k++)
				fault_moves_digest(used[k], np, margs, log, mdb, one);
		}
		free(margs);
		free(mdb);
	}
	free(one);
	free(args);
	free(log);
	free(db);
	free(in);
	free(dir);
}
END_TEST
#endif

/* The sample world's links with bad rows and quoted newlines spread over the file. */
static char *bad_file(void)
{
	char *src = world("edges.csv"), *path = fgt_path(tmp, "bad.csv");
	char *text = fgt_read_file(src, NULL), *line, *save = NULL;
	FILE *f = fopen(path, "w");
	int i = 0;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		fprintf(f, "%s\r\n", line);
		if (i % 700 == 351)
			fprintf(f, "ubad%d,device,,2024-01-01\r\n", i);
		if (i % 900 == 11)
			fprintf(f, "\"uq%d\",\"device\",\"multi\nline\r\nvalue\",2024-01-01\r\n", i);
		if (i % 1100 == 501)
			fprintf(f, "u1,user,u1,\r\n");
	}
	fclose(f);
	free(text);
	free(src);
	return path;
}

/* The lines of a log that name an input's file:line (the reports and the error). */
static char *file_lines(const char *log)
{
	char *t = fgt_read_file(log, NULL), *out = calloc(1, strlen(t) + 1), *line, *save = NULL;

	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "bad.csv:") || strstr(line, "bad rows skipped")) {
			strcat(out, line);
			strcat(out, "\n");
		}
	free(t);
	return out;
}

START_TEST(bad_rows_as_one_process)
{
	static const int codes[] = { 0, 3, 3, 3 };
	char *bad = bad_file(), *u = world("users.csv"), *more = fgt_path(tmp, "more-bad.csv");
	char *copy = fmt("cp '%s' '%s'", bad, more);
	/* the last: a second file, the budget crossed in it (15 bad rows per file) */
	char *modes[] = { "", "--max-bad-rows 5", "--strict", NULL };

	ck_assert_int_eq(fgt_sh(copy), 0);
	modes[3] = fmt("--edges '%s' --max-bad-rows 20", more);
	need_mpirun();
	for (int m = 0; m < 4; m++) {
		char *db = fgt_path(tmp, "b.db"), *log = fgt_path(tmp, "b.log"), *args, *want;

		unlink(db);
		args = fmt("--db '%s' --edges '%s' --users '%s' %s", db, bad, u, modes[m]);
		ck_assert_int_eq(run(0, args, log), codes[m]);
		want = file_lines(log);
		ck_assert_msg(strstr(want, "bad.csv:"), "no bad rows reported: %s", want);
		for (int np = 2; np <= 4; np++) {
			char *got;

			unlink(db);
			ck_assert_int_eq(run(np, args, log), codes[m]);
			got = file_lines(log);
			ck_assert_msg(!strcmp(got, want), "%s, -np %d:\n%s\none process:\n%s", modes[m], np,
			              got, want);
			free(got);
		}
		/* the stop with --max-bad-rows 5 lies past the first quarter (not rank 0's range) */
		if (m == 1)
			ck_assert_msg(strstr(want, "bad.csv:2467: too many bad rows (6 > --max-bad-rows 5)"),
			              "%s", want);
		if (m == 3)
			ck_assert_msg(strstr(want, "more-bad.csv:") && strstr(want, "(21 > --max-bad-rows 20)"),
			              "%s", want);
		free(want);
		free(args);
		free(db);
		free(log);
	}
	free(modes[3]);
	free(copy);
	free(more);
	free(bad);
	free(u);
}

/* SQLite input (read by rank 0, routed like CSV rows) and stdin: one process's digest. */
START_TEST(sqlite_and_stdin_inputs)
{
	char *e = world("edges.csv"), *u = world("users.csv"), *src = fgt_path(tmp, "in.db");
	char *cmd = fmt("sqlite3 '%s' '.import --csv %s edges' '.import --csv %s users'", src, e, u);
	char *in;

	need_mpirun();
	ck_assert_int_eq(fgt_sh(cmd), 0);
	in = fmt("--input '%s'", src);
	same_digests(in, "8d04dad2c2b4b66e91eff03e91abd905");
	free(in);
	free(cmd);
	/* links from stdin (rank 0 reads it whole), users from a file split over the ranks */
	{
		char *db1 = fgt_path(tmp, "s1.db"), *db3 = fgt_path(tmp, "s3.db"), *log = fgt_path(tmp, "s.log");
		char *d1, *d3;

		cmd = fmt("'%s' run --db '%s' --edges - --users '%s' --top 0 <'%s' >/dev/null 2>'%s'",
		          fgt_bin(), db1, u, e, log);
		ck_assert_int_eq(fgt_sh(cmd), 0);
		free(cmd);
		cmd = fmt(MPIRUN " -np 3 '%s' run --db '%s' --edges - --users '%s' --top 0 <'%s' "
		          ">/dev/null 2>'%s'", fgt_bin(), db3, u, e, log);
		ck_assert_int_eq(fgt_sh(cmd), 0);
		free(cmd);
		d1 = fgt_file_q_text(db1, "SELECT output_digest FROM runs");
		d3 = fgt_file_q_text(db3, "SELECT output_digest FROM runs");
		ck_assert_str_eq(d1, "8d04dad2c2b4b66e91eff03e91abd905");
		ck_assert_str_eq(d3, d1);
		free(d1);
		free(d3);
		free(db1);
		free(db3);
		free(log);
	}
	free(src);
	free(e);
	free(u);
}
END_TEST

#if FG_FAULT_INJECTION
START_TEST(killed_rank_stores_nothing)
{
	char *db = fgt_path(tmp, "k.db"), *log = fgt_path(tmp, "k.log");
	char *e = world("edges.csv"), *u = world("users.csv"), *args, *cmd, *before, *after;

	need_mpirun();
	args = fmt("run --db '%s' --edges '%s' --users '%s' --top 0", db, e, u);
	cmd = fmt("'%s' %s 2>/dev/null >/dev/null", fgt_bin(), args);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	free(cmd);
	before = fgt_file_q_text(db, "SELECT group_concat(run_id || ':' || status || ':' || output_digest) "
	                   "FROM runs");
	/* rank 1 dies (SIGKILL) after the gather, while rank 0 holds the run's transaction */
	cmd = fmt(MPIRUN " -np 1 '%s' %s : -np 1 env FG_FAULT_KILL_AT=mpi-after-gather '%s' %s "
	          ">/dev/null 2>'%s'", fgt_bin(), args, fgt_bin(), args, log);
	ck_assert_int_ne(fgt_sh(cmd), 0);
	free(cmd);
	after = fgt_file_q_text(db, "SELECT group_concat(run_id || ':' || status || ':' || output_digest) "
	                  "FROM runs");
	ck_assert_str_eq(after, before);
	free(after);
	/* and the database takes the next run */
	cmd = fmt(MPIRUN " -np 2 '%s' %s >/dev/null 2>'%s'", fgt_bin(), args, log);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	free(cmd);
	after = fgt_file_q_text(db, "SELECT count(*) || ':' || count(DISTINCT output_digest) FROM runs "
	                  "WHERE status = 'ok'");
	ck_assert_str_eq(after, "2:1");
	free(after);
	free(before);
	free(args);
	free(db);
	free(log);
	free(e);
	free(u);
}
END_TEST
#endif

/*
 * Three cases, each its own meson test (tests/meson.build passes the case's
 * name), so that two run side by side: under the sanitizers every rank's
 * MPI_Init costs ~0.5 CPU-s of stack unwinding and a case keeps about one
 * and a half cores busy.  Each case's tests still run one after the other.
 */
static TCase *mpi_case(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	return tc;
}

static Suite *mpi_suite(void)
{
	Suite *s = suite_create("mpi");
	TCase *kernels = mpi_case("kernels");   /* the distributed kernels against serial ones */
	TCase *digests = mpi_case("digests");   /* whole runs: -np 1..4 give one process's digest */
	TCase *inputs = mpi_case("inputs");     /* bad rows, other inputs, budget, a killed rank */

	tcase_add_test(kernels, pack_components);
	tcase_add_test(kernels, cc_dist_against_bfs);
	tcase_add_test(kernels, risk_dist_bit_exact);
	tcase_add_test(kernels, bfs_dist_exact);
	tcase_add_test(digests, attributes_and_model_digests);
	tcase_add_test(digests, world_digests);
	tcase_add_test(digests, generated_world_digests);
	tcase_add_test(digests, risk_walk_digests);
	tcase_add_test(digests, canonical_entity_ids);
#if FG_FAULT_INJECTION
	tcase_add_test(digests, entity_id_check_fails);
	tcase_add_test(digests, features_on_the_ranks);
	tcase_add_test(digests, hub_links_used);
#endif
	tcase_add_test(inputs, component_over_budget);
	tcase_add_test(inputs, bad_rows_as_one_process);
	tcase_add_test(inputs, sqlite_and_stdin_inputs);
#if FG_FAULT_INJECTION
	tcase_add_test(inputs, killed_rank_stores_nothing);
#endif
	suite_add_tcase(s, kernels);
	suite_add_tcase(s, digests);
	suite_add_tcase(s, inputs);
	return s;
}

/* test_mpi [CASE]: the one case (meson runs each as its own test), or all three. */
int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(mpi_suite());
	int failed, ran;

	srunner_run(sr, NULL, argc > 1 ? argv[1] : NULL, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	ran = srunner_ntests_run(sr);
	srunner_free(sr);
	if (ran == 0) {
		/* a misspelt case name must not pass as an empty run */
		fprintf(stderr, "test_mpi: no test ran (case %s)\n", argc > 1 ? argv[1] : "(all)");
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
