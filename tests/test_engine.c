/*
 * The engine's nightly run through the library (engine/fg_run.h), not the
 * binary: data-samples/world into a temporary SQLite file, with the results
 * read back by SQL.  Pins the input and output digests of data-samples/world
 * (graph/fg_hash.h: they must never change; a deliberate change of the
 * output updates the pin in its own commit), checks the library and the
 * binary agree, runs the phases one by one, and checks that held-out seeds
 * reach the kernels through the seed mask while the graph stays as built.
 */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_kinds.h"
#include "fg_log.h"
#include "fg_run.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Pinned with the binary of main before the engine existed (commit 1cdba99); the input
 * digest changed with h/contract (addresses case-folded, white space folded: issue 11).
 */
#define WORLD_INPUT_DIGEST "13f08111938b684c9766ab201e167af3"
#define WORLD_OUTPUT_DIGEST "8d04dad2c2b4b66e91eff03e91abd905"
#define WORLD_HOLDOUT_OUTPUT_DIGEST "d9fc65c46636484a93bbf789b465e55e" /* --holdout 0.3 */

static char *tmp, *edges, *users;

static void setup(void)
{
	char buf[4096];

	fg_log_set_quiet(true);
	tmp = fgt_tmpdir();
	snprintf(buf, sizeof(buf), "%s/data-samples/world/edges.csv", fgt_source_root());
	edges = strdup(buf);
	snprintf(buf, sizeof(buf), "%s/data-samples/world/users.csv", fgt_source_root());
	users = strdup(buf);
}

static void teardown(void)
{
	fgt_rmtree(tmp);
	free(tmp);
	free(edges);
	free(users);
}

static void world_opts(fg_run_opts *o, const char *db)
{
	fg_run_opts_init(o);
	o->db_path = db;
	o->edges[o->n_edges++] = edges;
	o->users[o->n_users_files++] = users;
}

static void assert_text(sqlite3 *db, const char *sql, const char *want)
{
	char *got = fgt_q_text(db, sql);

	ck_assert_str_eq(got, want);
	free(got);
}

/* The whole run through fg_run_all; returns the run's exit code (FG_OK expected). */
static int run_lib(const fg_run_opts *o, char digest[33])
{
	fg_run *r = NULL;
	int rc = fg_run_open(&r, o);

	if (rc == FG_OK)
		rc = fg_run_all(r);
	if (rc == FG_OK && digest)
		snprintf(digest, 33, "%s", fg_run_output_digest(r));
	ck_assert(!fg_run_close(&r) || rc != FG_OK); /* a committed run is not rolled back */
	ck_assert_ptr_null(r);
	return rc;
}

START_TEST(world_through_the_library_pins_the_digests)
{
	char *db = fgt_path(tmp, "r.db"), digest[33];
	fg_run_opts o;
	sqlite3 *h;

	world_opts(&o, db);
	ck_assert_int_eq(run_lib(&o, digest), FG_OK);
	ck_assert_str_eq(digest, WORLD_OUTPUT_DIGEST);
	h = fgt_db_ro(db);
	assert_text(h, "SELECT input_digest FROM runs", WORLD_INPUT_DIGEST);
	assert_text(h, "SELECT output_digest FROM runs", WORLD_OUTPUT_DIGEST);
	assert_text(h, "SELECT status FROM runs", "ok");
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM runs"), 1200);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_entities FROM runs"), 5279);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_links FROM runs"), 6111);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_hubs FROM runs"), 7);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_seeds FROM runs"), 12);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_rings FROM runs"), 22);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores"), 1200);
	/*
	 * The top ring of the README's world: 21 users, 6 seeds; of the entities shared by two
	 * members or more (issue 11), 5 cards, 4 devices, 1 address.
	 */
	assert_text(h, "SELECT ring_key FROM rings ORDER BY ring_score DESC LIMIT 1", "R000007");
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM rings WHERE ring_key = 'R000007'"), 21);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_seeds FROM rings WHERE ring_key = 'R000007'"), 6);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_cards FROM rings WHERE ring_key = 'R000007'"), 5);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_devices FROM rings WHERE ring_key = 'R000007'"), 4);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_addresses FROM rings WHERE ring_key = 'R000007'"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores u JOIN rings g "
	                          "ON g.run_id = u.run_id AND g.ring_id = u.ring_id "
	                          "WHERE g.ring_key = 'R000007' AND u.user_id = 'u144333db'"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings WHERE status <> 'new'"), 0);
	sqlite3_close(h);
	free(db);
}
END_TEST

START_TEST(library_and_binary_agree)
{
	char *lib = fgt_path(tmp, "lib.db"), *bin = fgt_path(tmp, "bin.db"), digest[33];
	const char *argv[] = { "run", "--quiet", "--top", "0", "--db", bin, "--edges", edges,
	                       "--users", users, "--holdout", "0.3", NULL };
	fg_run_opts o;
	sqlite3 *h;

	world_opts(&o, lib);
	o.cfg.holdout = 0.3;
	ck_assert_int_eq(run_lib(&o, digest), FG_OK);
	ck_assert_str_eq(digest, WORLD_HOLDOUT_OUTPUT_DIGEST);
	ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, argv), 0);
	h = fgt_db_ro(bin);
	assert_text(h, "SELECT output_digest FROM runs", digest);
	assert_text(h, "SELECT input_digest FROM runs", WORLD_INPUT_DIGEST);
	sqlite3_close(h);
	free(lib);
	free(bin);
}
END_TEST

START_TEST(phases_one_by_one)
{
	char *db = fgt_path(tmp, "p.db");
	const fg_graph *g;
	const uint32_t *comp, *ring, *seeds;
	const uint8_t *mask, *held;
	uint32_t n_seeds, rings_of_seeds = 0;
	fg_run_opts o;
	fg_run *r = NULL;
	sqlite3 *h;

	world_opts(&o, db);
	ck_assert_int_eq(fg_run_open(&r, &o), FG_OK);
	ck_assert_int_eq(fg_run_id(r), 1);
	ck_assert_int_eq(fg_run_ingest(r), FG_OK);
	ck_assert_uint_eq(fg_run_bad_rows(r)->rows_read, 7378);
	ck_assert_uint_eq(fg_run_bad_rows(r)->total, 0);
	ck_assert_int_eq(fg_run_build(r), FG_OK);
	g = fg_run_graph(r);
	ck_assert_uint_eq(g->n_users, 1200);
	ck_assert_uint_eq(g->n_hubs, 7);
	seeds = fg_run_seeds(r, &n_seeds, &mask, &held);
	ck_assert_uint_eq(n_seeds, 12);
	for (uint32_t i = 0; i < n_seeds; i++) {
		ck_assert(mask[seeds[i]]);
		ck_assert(!held[seeds[i]]);
		ck_assert(i == 0 || seeds[i - 1] < seeds[i]);
	}
	ck_assert_int_eq(fg_run_components(r), FG_OK);
	comp = fg_run_components_of(r);
	for (uint32_t u = 0; u < g->n_users; u++)
		ck_assert_uint_le(comp[u], u); /* canonical: the smallest member */
	ck_assert_int_eq(fg_run_rings(r), FG_OK);
	ck_assert_str_eq(fg_run_note(r), "3 sweeps, converged");
	ring = fg_run_rings_of(r);
	for (uint32_t i = 0; i < n_seeds; i++)
		rings_of_seeds += ring[seeds[i]] != seeds[i];
	ck_assert_uint_gt(rings_of_seeds, 0);
	ck_assert_int_eq(fg_run_risk(r), FG_OK);
	for (uint32_t i = 0; i < n_seeds; i++)
		ck_assert(fg_run_risk_of(r)[seeds[i]] > 0.0);
	ck_assert_int_eq(fg_run_evidence(r), FG_OK);
	ck_assert_int_eq(fg_run_score(r), FG_OK);
	ck_assert_uint_eq(fg_run_scores(r)->n_rings, 22);
	ck_assert_uint_eq(fg_run_tracking(r)->n_new, 22);
	ck_assert_str_eq(fg_run_output_digest(r), "");
	ck_assert_int_eq(fg_run_write(r), FG_OK);
	ck_assert_str_eq(fg_run_output_digest(r), WORLD_OUTPUT_DIGEST);
	ck_assert_ptr_null(fg_run_graph(r)->g.off); /* the CSR went back before the write */
	ck_assert_int_eq(fg_run_commit(r), FG_OK);
	ck_assert(!fg_run_close(&r));
	h = fgt_db_ro(db);
	assert_text(h, "SELECT output_digest FROM runs", WORLD_OUTPUT_DIGEST);
	sqlite3_close(h);
	free(db);
}
END_TEST

/*
 * fg_run_all holds outputs that the scoring and model phases do not read
 * sparse and gives them back before the write-back (fg_run.c): after it,
 * every element must be the bits that the phases one by one (which hold
 * nothing) leave.
 */
START_TEST(held_results_come_back_bit_for_bit)
{
	char *da = fgt_path(tmp, "all.db"), *db = fgt_path(tmp, "one.db");
	int (*const steps[])(fg_run *) = {
		fg_run_ingest, fg_run_build, fg_run_components, fg_run_rings, fg_run_risk,
		fg_run_evidence, fg_run_score, fg_run_model, fg_run_write, fg_run_commit,
	};
	static const char *const same[] = {
		"SELECT kinds FROM runs",
		"SELECT group_concat(entity_id || ':' || printf('%!.17g', risk), ' ') FROM entities WHERE is_hub",
		"SELECT count(*) || ' ' || total(entity_id) || ' ' || total(first_seen) FROM links",
		"SELECT count(*) || ' ' || total(entity_id) FROM entity_links",
	};
	fg_run_opts oa, ob;
	fg_run *a = NULL, *b = NULL;
	const fg_scores *sa, *sb;
	size_t nu, nv, zeros = 0;

	world_opts(&oa, da);
	world_opts(&ob, db);
	ck_assert_int_eq(fg_run_open(&a, &oa), FG_OK);
	ck_assert_int_eq(fg_run_all(a), FG_OK);
	ck_assert_int_eq(fg_run_open(&b, &ob), FG_OK);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		ck_assert_int_eq(steps[i](b), FG_OK);
	nu = fg_run_graph(a)->n_users;
	nv = nu + fg_run_graph(a)->n_entities;
	ck_assert_uint_eq(fg_run_graph(b)->n_users, nu);
	for (size_t v = 0; v < nv; v++)
		zeros += fg_run_risk_of(a)[v] == 0.0;
	ck_assert_uint_gt(zeros, 0);  /* both kinds of element were held */
	ck_assert_uint_lt(zeros, nv);
	ck_assert_int_eq(memcmp(fg_run_risk_of(a), fg_run_risk_of(b), nv * sizeof(double)), 0);
	sa = fg_run_scores(a);
	sb = fg_run_scores(b);
	ck_assert_int_eq(memcmp(sa->risk_norm, sb->risk_norm, nu * sizeof(double)), 0);
	ck_assert_int_eq(memcmp(sa->risk_pct, sb->risk_pct, nu * sizeof(double)), 0);
	ck_assert_int_eq(memcmp(sa->score, sb->score, nu * sizeof(double)), 0);
	ck_assert_int_eq(memcmp(sa->ring_score, sb->ring_score, nu * sizeof(double)), 0);
	ck_assert_str_eq(fg_run_output_digest(a), fg_run_output_digest(b));
	/* the phase table's write-back handed the link list back, the public one kept it */
	ck_assert_ptr_null(fg_run_graph(a)->link_target);
	ck_assert_ptr_nonnull(fg_run_graph(b)->link_target);
	ck_assert(!fg_run_close(&a));
	ck_assert(!fg_run_close(&b));
	/* and what both read of the links before that is the same: hub risk, kinds, links */
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		char *x = fgt_file_q_text(da, same[i]), *y = fgt_file_q_text(db, same[i]);
		ck_assert_str_eq(x, y);
		free(x);
		free(y);
	}
	free(da);
	free(db);
}
END_TEST

START_TEST(holdout_is_a_seed_mask_and_leaves_the_graph_alone)
{
	char *db = fgt_path(tmp, "h.db");
	const fg_graph *g;
	const uint32_t *seeds;
	const uint8_t *mask, *held;
	uint32_t n_seeds, n_fraud = 0, n_held = 0, n_mask = 0;
	fg_run_opts o;
	fg_run *r = NULL;
	sqlite3 *h;

	world_opts(&o, db);
	o.cfg.holdout = 0.3;
	ck_assert_int_eq(fg_run_open(&r, &o), FG_OK);
	ck_assert_int_eq(fg_run_ingest(r), FG_OK);
	ck_assert_int_eq(fg_run_build(r), FG_OK);
	g = fg_run_graph(r);
	seeds = fg_run_seeds(r, &n_seeds, &mask, &held);
	for (uint32_t u = 0; u < g->n_users; u++) {
		bool fraud = g->user_label[u] == FG_LABEL_FRAUD;
		n_fraud += fraud;
		n_held += held[u];
		n_mask += mask[u];
		ck_assert(!(held[u] && mask[u]));
		ck_assert(fraud == (held[u] || mask[u])); /* every fraud label is kept or held */
	}
	ck_assert_uint_eq(n_fraud, 12);      /* the graph still has every label... */
	ck_assert_uint_eq(g->n_seeds, 12);   /* ...and its count */
	ck_assert_uint_eq(n_held, 6);
	ck_assert_uint_eq(n_mask, n_seeds);
	ck_assert_uint_eq(n_seeds, 6);
	for (uint32_t i = 0; i < n_seeds; i++)
		ck_assert(mask[seeds[i]]);
	for (int i = 0; i < 6; i++) {
		static int (*const rest[])(fg_run *) = {
			fg_run_components, fg_run_rings, fg_run_risk, fg_run_evidence, fg_run_score,
			fg_run_write,
		};
		ck_assert_int_eq(rest[i](r), FG_OK);
	}
	ck_assert_int_eq(fg_run_commit(r), FG_OK);
	n_fraud = 0;
	for (uint32_t u = 0; u < g->n_users; u++)
		n_fraud += g->user_label[u] == FG_LABEL_FRAUD;
	ck_assert_uint_eq(n_fraud, 12);
	ck_assert_str_eq(fg_run_output_digest(r), WORLD_HOLDOUT_OUTPUT_DIGEST);
	fg_run_close(&r);
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_seeds FROM runs"), 6);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE label = 'holdout'"), 6);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE label = 'fraud'"), 6);
	/* A held-out user is never anyone's nearest seed. */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores u JOIN user_scores s "
	                          "ON s.run_id = u.run_id AND s.user_id = u.nearest_seed "
	                          "WHERE s.label <> 'fraud'"), 0);
	sqlite3_close(h);
	free(db);
}
END_TEST

START_TEST(close_before_commit_stores_nothing)
{
	char *db = fgt_path(tmp, "c.db"), digest[33];
	fg_run_opts o;
	fg_run *r = NULL;
	sqlite3 *h;

	world_opts(&o, db);
	ck_assert_int_eq(run_lib(&o, digest), FG_OK);
	ck_assert_int_eq(fg_run_open(&r, &o), FG_OK);
	ck_assert_int_eq(fg_run_id(r), 2);
	ck_assert_int_eq(fg_run_ingest(r), FG_OK);
	ck_assert_int_eq(fg_run_build(r), FG_OK);
	ck_assert(fg_run_close(&r)); /* rolled back */
	ck_assert_ptr_null(r);
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores WHERE run_id <> 1"), 0);
	assert_text(h, "SELECT output_digest FROM runs", WORLD_OUTPUT_DIGEST);
	sqlite3_close(h);
	free(db);
}
END_TEST

START_TEST(kind_classes_match_the_schema)
{
	char *db = fgt_path(tmp, "k.db"), sql[256];
	fg_run_opts o;
	sqlite3 *h;

	ck_assert_int_eq(fg_kind_class_of("card"), FG_KC_CARD);
	ck_assert_int_eq(fg_kind_class_of("bank"), FG_KC_CARD);
	ck_assert_int_eq(fg_kind_class_of("device"), FG_KC_DEVICE);
	ck_assert_int_eq(fg_kind_class_of("ip"), FG_KC_IP);
	ck_assert_int_eq(fg_kind_class_of("iban"), FG_KC_OTHER);
	ck_assert_int_eq(fg_kind_class_of("Card"), FG_KC_OTHER); /* exact names only */
	world_opts(&o, db);
	ck_assert_int_eq(run_lib(&o, NULL), FG_OK);
	h = fgt_db_ro(db);
	for (int c = 0; c < FG_KC_N; c++) {
		ck_assert_ptr_nonnull(fg_kind_classes[c].name);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info('rings') WHERE name = '%s'",
		         fg_kind_classes[c].ring_column);
		ck_assert_int_eq(fgt_q_int(h, sql), 1);
		snprintf(sql, sizeof(sql),
		         "SELECT count(*) FROM pragma_table_info('user_features') WHERE name = '%s'",
		         fg_kind_classes[c].feature_column);
		ck_assert_int_eq(fgt_q_int(h, sql), 1);
	}
	/* The class columns add up to the ring's distinct entities. */
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM rings WHERE n_entities <> n_cards + n_devices "
	                          "+ n_addresses + n_phones + n_emails + n_ips + n_other_entities"), 0);
	sqlite3_close(h);
	free(db);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, world_through_the_library_pins_the_digests);
	tcase_add_test(tc, library_and_binary_agree);
	tcase_add_test(tc, phases_one_by_one);
	tcase_add_test(tc, held_results_come_back_bit_for_bit);
	tcase_add_test(tc, holdout_is_a_seed_mask_and_leaves_the_graph_alone);
	tcase_add_test(tc, close_before_commit_stores_nothing);
	tcase_add_test(tc, kind_classes_match_the_schema);
	suite_add_tcase(s, tc);
	return fgt_run_suite(s);
}
