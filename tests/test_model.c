/*
 * Suite "model": the leak-free features (algorithms/fg_features) and the
 * cross-fitted XGBoost model (engine/fg_model), in process on worlds made by
 * `fraudgraph gen` or written here, and through the real `fraudgraph run`.
 */
#include "fg_test.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_bfs.h"
#include "fg_cc.h"
#include "fg_config.h"
#include "fg_error.h"
#include "fg_features.h"
#include "fg_graph.h"
#include "fg_ingest.h"
#include "fg_model.h"
#include "fg_model_trees.h"
#include "fg_par.h"
#include "fg_rings.h"
#include "fg_risk.h"
#include "fg_score.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One run's kernels, in process: what the model phase reads. */
typedef struct world {
	fg_config cfg;
	fg_graph *g;
	uint32_t *comp, *ring, *seeds, n_seeds;
	uint8_t *seed;
	double *risk;
	fg_scores *s;
	fg_features *f;
} world;

static void world_kernels(world *w, const fg_features_params *fp)
{
	fg_graph *g = w->g;
	size_t nv = (size_t)g->n_users + g->n_entities;

	fg_scores_free(&w->s);
	fg_features_close(&w->f);
	fg_free(w->comp);
	fg_free(w->ring);
	fg_free(w->risk);
	fg_free(w->seeds);
	fg_free(w->seed);
	w->seed = fg_calloc(g->n_users + 1, 1);
	w->comp = fg_mallocarray(nv + 1, sizeof(uint32_t));
	w->ring = fg_mallocarray(g->n_users + 1, sizeof(uint32_t));
	w->risk = fg_calloc(nv + 1, sizeof(double));
	w->seeds = fg_mallocarray(g->n_users + 1, sizeof(uint32_t));
	ck_assert(w->comp && w->ring && w->risk && w->seeds);
	w->n_seeds = 0;
	for (uint32_t u = 0; u < g->n_users; u++)
		if (g->user_label[u] == FG_LABEL_FRAUD) {
			w->seeds[w->n_seeds++] = u;
			w->seed[u] = 1;
		}
	ck_assert_int_eq(fg_cc(w->comp, &g->g), FG_OK);
	ck_assert_int_eq(fg_rings(w->ring, g, w->cfg.lpa_max_iter, NULL), FG_OK);
	ck_assert_int_eq(fg_risk(w->risk, g, w->seeds, w->n_seeds, w->cfg.risk_damping, w->cfg.risk_tol,
	                         w->cfg.risk_max_iter, NULL), FG_OK);
	ck_assert_int_eq(fg_score_compute(&w->s, g, &w->cfg, w->seed, w->n_seeds, w->comp, w->ring, w->risk), FG_OK);
	ck_assert_int_eq(fg_features_open(&w->f, g, w->s, w->comp, w->seeds, w->n_seeds, fp), FG_OK);
}

static fg_features_params default_fp(void)
{
	fg_features_params fp = { .use_attrs = true, .attrs = NULL, .damping = 0.85, .tol = 1e-8,
	                          .max_iter = 200 };
	return fp;
}

static void world_load(world *w, const char *edges, const char *users)
{
	fg_linkset *ls = NULL;
	fg_badrows bad;
	fg_features_params fp = default_fp();

	memset(w, 0, sizeof(*w));
	memset(&bad, 0, sizeof(bad));
	fg_config_init(&w->cfg);
	ck_assert_int_eq(fg_linkset_new(&ls, &w->cfg), FG_OK);
	ck_assert_int_eq(fg_ingest_links_csv(edges, &w->cfg, &bad, fg_linkset_link_sink, ls), FG_OK);
	ck_assert_int_eq(fg_ingest_users_csv(users, &w->cfg, &bad, fg_linkset_user_sink, ls), FG_OK);
	ck_assert_int_eq(fg_graph_build(&w->g, ls, &w->cfg), FG_OK);
	fg_linkset_free(&ls);
	world_kernels(w, &fp);
}

static void world_free(world *w)
{
	fg_features_close(&w->f);
	fg_scores_free(&w->s);
	fg_free(w->comp);
	fg_free(w->ring);
	fg_free(w->risk);
	fg_free(w->seeds);
	fg_free(w->seed);
	fg_graph_free(&w->g);
}

/* The directory of gen_world or tiny_world removed, and its three names freed. */
static void files_free(char *dir, char *edges, char *users)
{
	fgt_rmtree(dir);
	free(dir);
	free(edges);
	free(users);
}

static void gen_world(char **dir, char **edges, char **users, int n_users, int seed)
{
	char cmd[1024];

	*dir = fgt_tmpdir();
	snprintf(cmd, sizeof(cmd), "'%s' gen --out '%s/w' --users %d --rings %d --seed %d --quiet", fgt_bin(),
	         *dir, n_users, n_users / 100, seed);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/w/edges.csv", *dir);
	*edges = strdup(cmd);
	snprintf(cmd, sizeof(cmd), "%s/w/users.csv", *dir);
	*users = strdup(cmd);
}

/* Train and score; returns the scores (malloc'd) and the model in *mo (may be NULL). */
static float *train_score(fg_model **mo, world *w, int threads, char *why, size_t why_len)
{
	fg_model_params p;
	fg_model *m = NULL;
	float *sc = fg_mallocarray(w->g->n_users + 1, sizeof(float));

	ck_assert_ptr_nonnull(sc);
	fg_model_params_default(&p);
	p.threads = threads;
	ck_assert_int_eq(fg_model_train(&m, why, why_len, w->f, w->g, w->seed, &p, NULL), FG_OK);
	if (m) {
		int rc = fg_model_score(sc, m, w->f, w->g, w->seed, NULL, NULL, NULL);
		ck_assert_msg(rc == FG_OK, "score: %s", fg_error_msg());
	}
	if (mo)
		*mo = m;
	else
		fg_model_close(&m);
	return sc;
}

/* What fg_model_score's progress calls said: n increasing, [0, n) equal to the final scores. */
typedef struct scored_log {
	const float *want, *got;
	uint32_t last;
	int calls, bad;
} scored_log;

static void scored_check(void *arg, uint32_t n)
{
	scored_log *lg = arg;

	lg->calls++;
	if (n <= lg->last && !(n == 0 && lg->last == 0))
		lg->bad++;
	for (uint32_t u = lg->last; u < n; u++)
		lg->bad += memcmp(&lg->want[u], &lg->got[u], sizeof(float)) != 0;
	lg->last = n;
}

static float *row_of(world *w, uint32_t u)
{
	uint32_t nc = fg_features_count(w->f);
	float *row = fg_mallocarray(nc, sizeof(float));
	double *scr = fg_mallocarray(fg_features_scratch(w->f), sizeof(double));

	fg_features_row(row, w->f, u, 1u << fg_features_fold(w->f, u), scr);
	fg_free(scr);
	return row;
}

/*
 * The leakage property: flipping one user's label (fraud <-> unknown) leaves
 * its feature row and its score bit-identical, on a generated world.
 */
START_TEST(test_leakage_flip)
{
	char *dir, *edges, *users, why[200];
	world w;
	float *sc0, *sc1;
	uint32_t flipped = 0, checked_unknown = 0;

	gen_world(&dir, &edges, &users, 6000, 11);
	world_load(&w, edges, users);
	fg_par_set_threads(2);
	sc0 = train_score(NULL, &w, 2, why, sizeof(why));
	ck_assert_msg(why[0] == '\0', "no model: %s", why);

	/* three seeds in rings and one unlabelled ring member, flipped one at a time */
	for (uint32_t u = 0; u < w.g->n_users && (flipped < 3 || checked_unknown < 1); u++) {
		uint8_t lab = w.g->user_label[u];
		fg_features_params fp = default_fp();
		float *r0, *r1;
		uint32_t nc = fg_features_count(w.f);
		if (w.s->ring_index[u] < 0 || lab == FG_LABEL_LEGIT)
			continue;
		if (lab == FG_LABEL_FRAUD ? flipped >= 3 : checked_unknown >= 1)
			continue;
		r0 = row_of(&w, u);
		w.g->user_label[u] = lab == FG_LABEL_FRAUD ? FG_LABEL_UNKNOWN : FG_LABEL_FRAUD;
		world_kernels(&w, &fp);
		r1 = row_of(&w, u);
		sc1 = train_score(NULL, &w, 2, why, sizeof(why));
		ck_assert(why[0] == '\0');
		ck_assert_msg(memcmp(r0, r1, nc * sizeof(float)) == 0, "row of %s changed when its label flipped",
		              fg_graph_user_id(w.g, u));
		ck_assert_msg(memcmp(&sc0[u], &sc1[u], sizeof(float)) == 0,
		              "score of %s changed when its label flipped: %.9g -> %.9g",
		              fg_graph_user_id(w.g, u),
		              sc0[u], sc1[u]);
		/* and the flip is not a no-op: some other user's score moved */
		{
			uint32_t moved = 0;
			for (uint32_t v = 0; v < w.g->n_users; v++)
				moved += sc0[v] != sc1[v];
			ck_assert_uint_gt(moved, 0);
		}
		w.g->user_label[u] = lab;
		world_kernels(&w, &fp);
		fg_free(r0);
		fg_free(r1);
		fg_free(sc1);
		if (lab == FG_LABEL_FRAUD)
			flipped++;
		else
			checked_unknown++;
	}
	ck_assert_uint_eq(flipped, 3);
	ck_assert_uint_eq(checked_unknown, 1);
	fg_free(sc0);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

/* Rows and scores are the same bits for 1, 2 and 3 threads. */
START_TEST(test_threads_in_process)
{
	char *dir, *edges, *users, why[200];
	world w;
	float *sc[3];
	fg_features_params fp = default_fp();

	gen_world(&dir, &edges, &users, 5000, 4);
	world_load(&w, edges, users);
	fg_par_set_min_ns(0); /* every loop with work forks: the parallel paths on a small world */
	for (int t = 1; t <= 3; t++) {
		fg_par_set_threads(t);
		world_kernels(&w, &fp);
		sc[t - 1] = train_score(NULL, &w, t, why, sizeof(why));
		ck_assert_msg(why[0] == '\0', "no model: %s", why);
	}
	fg_par_set_min_ns(FG_PAR_MIN_NS);
	ck_assert(memcmp(sc[0], sc[1], w.g->n_users * sizeof(float)) == 0);
	ck_assert(memcmp(sc[0], sc[2], w.g->n_users * sizeof(float)) == 0);
	for (int t = 0; t < 3; t++)
		fg_free(sc[t]);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

/*
 * A tiny hand-made world: 8 rings of 4 fraud seeds sharing a card and a
 * device, 150 ordinary users, 20 households of 3 on one address.  User x
 * shares two cards with three seeds; household member h0 shares an address.
 */
static void tiny_world(char **dir, char **edges, char **users, int n_rings)
{
	FILE *e, *u;

	*dir = fgt_tmpdir();
	*edges = fgt_path(*dir, "edges.csv");
	*users = fgt_path(*dir, "users.csv");
	e = fopen(*edges, "w");
	u = fopen(*users, "w");
	ck_assert(e && u);
	fprintf(e, "user_id,kind,value\n");
	fprintf(u, "user_id,created_at,label\n");
	for (int r = 0; r < n_rings; r++)
		for (int i = 0; i < 4; i++) {
			fprintf(e, "r%02d_%d,card,rc%02d\nr%02d_%d,device,rd%02d\nr%02d_%d,card,rc%02d_%d\n",
			        r, i, r, r, i, r, r, i, r, i % 2);
			fprintf(u, "r%02d_%d,2024-01-0%dT00:00:00Z,fraud\n", r, i, 1 + i);
		}
	/* x: two cards shared with three seeds of ring 0 */
	fprintf(e, "x,card,rc00\nx,card,rc00_1\n");
	fprintf(u, "x,2024-01-02T00:00:00Z,\n");
	for (int i = 0; i < 150; i++) {
		fprintf(e, "o%03d,card,oc%03d\no%03d,device,od%03d\no%03d,address,oa%03d\n", i, i, i, i, i, i);
		fprintf(u, "o%03d,2022-0%d-01T00:00:00Z,\n", i, 1 + i % 9);
	}
	for (int h = 0; h < 20; h++)
		for (int i = 0; i < 3; i++) {
			fprintf(e, "h%02d_%d,address,ha%02d\nh%02d_%d,card,hc%02d_%d\n", h, i, h, h, i, h, i);
			fprintf(u, "h%02d_%d,2021-0%d-01T00:00:00Z,%s\n", h, i, 1 + i, h < 5 ? "legit" : "");
		}
	fclose(e);
	fclose(u);
}

START_TEST(test_tiny_world_ranking)
{
	char *dir, *edges, *users, why[200];
	world w;
	float *sc;
	int64_t x, h;

	tiny_world(&dir, &edges, &users, 8);
	world_load(&w, edges, users);
	fg_par_set_threads(1);
	sc = train_score(NULL, &w, 1, why, sizeof(why));
	ck_assert_msg(why[0] == '\0', "no model: %s", why);
	x = fg_graph_find_user(w.g, "x");
	h = fg_graph_find_user(w.g, "h07_0");
	ck_assert(x >= 0 && h >= 0);
	ck_assert_msg(sc[x] > sc[h], "x %.4f should outrank household member %.4f", sc[x], sc[h]);
	/* x also outranks every ordinary user */
	for (uint32_t u = 0; u < w.g->n_users; u++)
		if (fg_graph_user_id(w.g, u)[0] == 'o')
			ck_assert_msg(sc[x] > sc[u], "x %.4f vs %s %.4f", sc[x], fg_graph_user_id(w.g, u), sc[u]);
	fg_free(sc);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

/* Fewer labels than the minimum: no model, and why. */
START_TEST(test_too_few_labels)
{
	char *dir, *edges, *users, why[200];
	world w;
	fg_model *m = NULL;
	float *sc;

	tiny_world(&dir, &edges, &users, 4); /* 16 seeds < 20 */
	world_load(&w, edges, users);
	sc = train_score(&m, &w, 1, why, sizeof(why));
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(why, "16 users labelled fraud") != NULL, "why: %s", why);
	fg_free(sc);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

/* Attributes with missing values: NAN in the row, aggregates over the present ones. */
START_TEST(test_missing_attributes)
{
	char *dir, *edges, *users, why[200];
	world w;
	fg_features_params fp = default_fp();
	float *sc, *row;
	uint32_t nc, j_attr = UINT32_MAX, j_nb = UINT32_MAX;
	int64_t x;

	tiny_world(&dir, &edges, &users, 8);
	world_load(&w, edges, users);
	/* two attributes: "amount" (missing for every third user), "zeta" (always missing) */
	w.g->n_attrs = 2;
	/* the graph's layout: one allocation, the pointers then the names */
	w.g->attr_name = fg_malloc(2 * sizeof(char *) + sizeof("amount") + sizeof("zeta"));
	w.g->attr_name[0] = (char *)(w.g->attr_name + 2);
	memcpy(w.g->attr_name[0], "amount", sizeof("amount"));
	w.g->attr_name[1] = w.g->attr_name[0] + sizeof("amount");
	memcpy(w.g->attr_name[1], "zeta", sizeof("zeta"));
	w.g->user_attr = fg_mallocarray((size_t)w.g->n_users * 2, sizeof(float));
	for (uint32_t u = 0; u < w.g->n_users; u++) {
		w.g->user_attr[u * 2] = u % 3 == 0 ? NAN : (float)(u % 7);
		w.g->user_attr[u * 2 + 1] = NAN;
	}
	world_kernels(&w, &fp);
	nc = fg_features_count(w.f);
	for (uint32_t j = 0; j < nc; j++) {
		if (!strcmp(fg_features_name(w.f, j), "attr_amount"))
			j_attr = j;
		if (!strcmp(fg_features_name(w.f, j), "nb_mean_attr_amount"))
			j_nb = j;
	}
	ck_assert(j_attr != UINT32_MAX && j_nb != UINT32_MAX);
	x = fg_graph_find_user(w.g, "x");
	row = row_of(&w, (uint32_t)x);
	if (x % 3 == 0)
		ck_assert(isnan(row[j_attr]));
	else
		ck_assert_float_eq(row[j_attr], (float)(x % 7));
	fg_free(row);
	/* zeta: missing everywhere, so NAN in the row and in every aggregate */
	for (uint32_t j = 0; j < nc; j++)
		if (strstr(fg_features_name(w.f, j), "zeta")) {
			float *r = row_of(&w, (uint32_t)x);
			ck_assert_msg(isnan(r[j]), "%s should be missing", fg_features_name(w.f, j));
			fg_free(r);
		}
	/* the model trains and scores with missing values */
	sc = train_score(NULL, &w, 1, why, sizeof(why));
	ck_assert_msg(why[0] == '\0', "no model: %s", why);
	for (uint32_t u = 0; u < w.g->n_users; u++)
		ck_assert(sc[u] >= 0.0f && sc[u] <= 1.0f);
	/* --attrs naming an unknown attribute is a usage error */
	{
		fg_features *f2 = NULL;
		fg_features_params bad = fp;
		bad.attrs = "amount,nosuch";
		ck_assert_int_eq(fg_features_open(&f2, w.g, w.s, w.comp, w.seeds, w.n_seeds, &bad), FG_EUSAGE);
		ck_assert_ptr_null(f2);
	}
	fg_free(sc);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

/* Saved and loaded model: the same scores, bit for bit; reasons for flagged users. */
START_TEST(test_save_load_reasons)
{
	char *dir, *edges, *users, why[200], *file = NULL;
	size_t len = 0;
	world w;
	fg_model *m = NULL, *m2 = NULL;
	fg_model_params p;
	float *sc, *sc2;
	fg_model_reason *rs = NULL;
	uint32_t nr = 0;
	int64_t x;
	bool x_has = false;

	tiny_world(&dir, &edges, &users, 8);
	world_load(&w, edges, users);
	sc = train_score(&m, &w, 1, why, sizeof(why));
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(fg_model_save(&file, &len, m), FG_OK);
	fg_model_params_default(&p);
	ck_assert_int_eq(fg_model_load(&m2, file, len, "test.model", w.f, &p), FG_OK);
	sc2 = fg_mallocarray(w.g->n_users, sizeof(float));
	for (uint32_t u = 0; u < w.g->n_users; u++)
		sc2[u] = NAN;
	{
		/* each call's users [0, n) are final then: a consumer may read them */
		scored_log lg = { .want = sc, .got = sc2, .last = 0, .calls = 0, .bad = 0 };
		ck_assert_int_eq(fg_model_score(sc2, m2, w.f, w.g, w.seed, NULL, scored_check, &lg),
		                 FG_OK);
		ck_assert_int_ge(lg.calls, 1);
		ck_assert_uint_eq(lg.last, w.g->n_users);
		ck_assert_msg(lg.bad == 0, "%d calls gave a score of [0, n) not yet final", lg.bad);
	}
	ck_assert(memcmp(sc, sc2, w.g->n_users * sizeof(float)) == 0);
	/* a corrupt file is refused with its line */
	{
		fg_model *m3 = NULL;
		ck_assert_int_eq(fg_model_load(&m3, "nonsense\n", 9, "bad.model", w.f, &p), FG_EUSAGE);
		ck_assert_ptr_null(m3);
		ck_assert(strstr(fg_error_msg(), "bad.model:1") != NULL);
	}

	ck_assert_int_eq(fg_model_explain(&rs, &nr, m, w.f, w.g, sc), FG_OK);
	x = fg_graph_find_user(w.g, "x");
	for (uint32_t i = 0; i < nr; i++) {
		ck_assert(sc[rs[i].user] >= FG_MODEL_REASON_MIN);
		ck_assert(rs[i].contribution > 0.0f);
		if (rs[i].user == (uint32_t)x)
			x_has = true;
	}
	if (sc[x] >= FG_MODEL_REASON_MIN)
		ck_assert(x_has);
	ck_assert_uint_gt(nr, 0);
	fg_free(rs);
	fg_free(file);
	fg_free(sc);
	fg_free(sc2);
	fg_model_close(&m);
	fg_model_close(&m2);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

/*
 * The boosters' own trees (fg_model_fast_predict, what serve scores and
 * explains a row with): on a generated world, every user's row, and the row
 * again with a third of its values missing, gets XGBoost's probability and
 * SHAP values bit for bit, not only the rows the trees were checked on.
 */
START_TEST(test_own_trees_match_xgboost)
{
	char *dir, *edges, *users, why[200], shap_why[200];
	world w;
	fg_model *m = NULL;
	float *sc, *rows, *want, *phi_want;
	uint32_t nu, nc, n_check = 50;
	uint32_t *us;
	unsigned *masks;

	gen_world(&dir, &edges, &users, 3000, 5);
	world_load(&w, edges, users);
	sc = train_score(&m, &w, 1, why, sizeof(why));
	ck_assert_msg(m != NULL, "no model: %s", why);
	nu = w.g->n_users;
	nc = fg_features_count(w.f);
	rows = fg_mallocarray((size_t)2 * nu * nc, sizeof(float));
	want = fg_mallocarray((size_t)2 * nu, sizeof(float));
	ck_assert_uint_lt(nc, 256);
	phi_want = fg_mallocarray((size_t)2 * nu * (nc + 1), sizeof(float));
	us = fg_mallocarray(nu, sizeof(uint32_t));
	masks = fg_mallocarray(nu, sizeof(unsigned));
	ck_assert(rows && want && phi_want && us && masks);
	for (uint32_t u = 0; u < nu; u++) {
		us[u] = u;
		masks[u] = 1u << fg_features_fold(w.f, u);
	}
	ck_assert_int_eq(fg_features_rows(rows, w.f, us, nu, masks, 0), FG_OK);
	for (uint32_t u = 0; u < nu; u++)
		for (uint32_t j = 0; j < nc; j++)
			rows[((size_t)nu + u) * nc + j] = (j * 7 + u) % 3 == 1 ? NAN : rows[(size_t)u * nc + j];
	/* XGBoost's own answers first (the trees are not in use yet): scores, and SHAP values */
	for (uint32_t i = 0; i < 2 * nu; i++) {
		ck_assert_int_eq(fg_model_predict_row(&want[i], NULL, m, fg_features_fold(w.f, i % nu),
		                                      rows + (size_t)i * nc), FG_OK);
		ck_assert_int_eq(fg_model_contributions(phi_want + (size_t)i * (nc + 1), m,
		                                        fg_features_fold(w.f, i % nu), rows + (size_t)i * nc), FG_OK);
	}
	ck_assert_msg(fg_model_fast_predict(m, rows, n_check, why, sizeof(why), shap_why, sizeof(shap_why)) == 1,
	              "not in use: %s", why);
	ck_assert_msg(shap_why[0] == '\0', "own SHAP not in use: %s", shap_why);
	for (uint32_t i = 0; i < 2 * nu; i++) {
		float got, phi[256];

		ck_assert_int_eq(fg_model_predict_row(&got, NULL, m, fg_features_fold(w.f, i % nu),
		                                      rows + (size_t)i * nc), FG_OK);
		ck_assert_msg(memcmp(&got, &want[i], sizeof(float)) == 0, "row %u: %.9g, XGBoost %.9g", i,
		              (double)got, (double)want[i]);
		ck_assert_int_eq(fg_model_contributions(phi, m, fg_features_fold(w.f, i % nu), rows + (size_t)i * nc),
		                 FG_OK);
		for (uint32_t j = 0; j <= nc; j++)
			ck_assert_msg(memcmp(&phi[j], &phi_want[(size_t)i * (nc + 1) + j], sizeof(float)) == 0,
			              "row %u, SHAP %u: %.9g, XGBoost %.9g", i, j, (double)phi[j],
			              (double)phi_want[(size_t)i * (nc + 1) + j]);
	}
	/* the run's own scores are XGBoost's too */
	for (uint32_t u = 0; u < nu; u++)
		ck_assert(memcmp(&sc[u], &want[u], sizeof(float)) == 0);
	fg_free(rows);
	fg_free(want);
	fg_free(phi_want);
	fg_free(us);
	fg_free(masks);
	fg_free(sc);
	fg_model_close(&m);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

/* splitmix64 */
static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A one-tree model's JSON from node arrays (n nodes, children after parents). */
static char *tree_json(int n, const int *left, const int *right, const int *feat, const double *cond,
                       const int *dleft, const double *cover)
{
	size_t cap = 256 + (size_t)n * 120, len = 0;
	char *s = malloc(cap);
	const char *names[] = { "left_children", "right_children", "split_indices", "split_conditions",
	                        "default_left", "split_type", "sum_hessian" };

	ck_assert_ptr_nonnull(s);
	len += (size_t)snprintf(s + len, cap - len,
	                        "{\"learner\":{\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{"
	                        "\"gbtree_model_param\":{\"num_parallel_tree\":\"1\",\"num_trees\":\"1\"},"
	                        "\"tree_info\":[0],\"trees\":[{");
	for (int a = 0; a < 7; a++) {
		len += (size_t)snprintf(s + len, cap - len, "\"%s\":[", names[a]);
		for (int i = 0; i < n; i++) {
			const char *sep = i ? "," : "";

			if (a == 0 || a == 1 || a == 2 || a == 4 || a == 5)
				len += (size_t)snprintf(s + len, cap - len, "%s%d", sep,
				                        a == 0 ? left[i] : a == 1 ? right[i] : a == 2 ? feat[i] : a == 4 ? dleft[i] : 0);
			else
				len += (size_t)snprintf(s + len, cap - len, "%s%.9g", sep, a == 3 ? cond[i] : cover[i]);
		}
		len += (size_t)snprintf(s + len, cap - len, "],");
	}
	snprintf(s + len, cap - len, "\"categories\":[]}]}},\"learner_model_param\":{\"base_score\":\"5E-1\"},"
	                             "\"objective\":{\"name\":\"binary:logistic\"}}}");
	return s;
}

/* The tree's expected value at node i with the features in mask known (TreeSHAP's v(S)). */
static double expect(int i, const int *left, const int *right, const int *feat, const double *cond,
                     const int *dleft, const double *cover, const float *x, unsigned mask)
{
	if (left[i] < 0)
		return cond[i];
	if (mask >> feat[i] & 1) {
		float v = x[feat[i]];
		int go = isnan(v) ? (dleft[i] ? left[i] : right[i]) : v < (float)cond[i] ? left[i] : right[i];

		return expect(go, left, right, feat, cond, dleft, cover, x, mask);
	}
	return (cover[left[i]] * expect(left[i], left, right, feat, cond, dleft, cover, x, mask) +
	        cover[right[i]] * expect(right[i], left, right, feat, cond, dleft, cover, x, mask)) /
	       cover[i];
}

/*
 * TreeSHAP against the Shapley values by their definition (every subset of
 * the features, v(S) the cover-weighted expectation: no code shared with
 * fg_model_trees), on a random full tree of depth 6 over 8 features with
 * repeats (the leaf tables serve it), and the efficiency property (the
 * values add up to the margin) on a chain of depth 22 over 22 features,
 * past the tables' size (TreeSHAP's recursion serves it).
 */
START_TEST(test_trees_shap_definition)
{
	enum { D = 6, N = (1 << (D + 1)) - 1, NF = 8, CD = 22, CN = 2 * CD + 1 };
	int left[CN > N ? CN : N], right[CN > N ? CN : N], feat[CN > N ? CN : N], dleft[CN > N ? CN : N];
	double cond[CN > N ? CN : N], cover[CN > N ? CN : N], fact[NF + 1];
	uint64_t seed = 11;
	fg_trees *t = NULL;
	char *js;

	for (int i = 0; i < N; i++) {
		bool leaf = i >= N / 2;

		left[i] = leaf ? -1 : 2 * i + 1;
		right[i] = leaf ? -1 : 2 * i + 2;
		feat[i] = leaf ? 0 : (int)(rng(&seed) % NF);
		cond[i] = leaf ? (double)(rng(&seed) % 2001) / 1000.0 - 1.0 : (double)(rng(&seed) % 100) / 100.0;
		dleft[i] = (int)(rng(&seed) % 2);
	}
	for (int i = N; i-- > 0;)
		cover[i] = left[i] < 0 ? 1.0 + (double)(rng(&seed) % 50) : cover[left[i]] + cover[right[i]];
	fact[0] = 1.0;
	for (int i = 1; i <= NF; i++)
		fact[i] = fact[i - 1] * i;
	js = tree_json(N, left, right, feat, cond, dleft, cover);
	ck_assert_int_eq(fg_trees_from_json(&t, js, strlen(js), NF), FG_OK);
	free(js);
	for (int r = 0; r < 40; r++) {
		float x[NF], phi[NF + 1];

		for (int j = 0; j < NF; j++)
			x[j] = rng(&seed) % 7 == 0 ? NAN : (float)(rng(&seed) % 100) / 100.0f;
		ck_assert_int_eq(fg_trees_contributions(phi, t, x), FG_OK);
		for (int j = 0; j < NF; j++) {
			double want = 0.0;

			for (unsigned m = 0; m < (1u << NF); m++) {
				int k = __builtin_popcount(m);

				if (m >> j & 1)
					continue;
				want += fact[k] * fact[NF - k - 1] / fact[NF] *
				        (expect(0, left, right, feat, cond, dleft, cover, x, m | 1u << j) -
				         expect(0, left, right, feat, cond, dleft, cover, x, m));
			}
			ck_assert_msg(fabs(phi[j] - want) < 1e-5, "row %d feature %d: %.9g, by definition %.9g", r, j,
			              (double)phi[j], want);
		}
		ck_assert(fabs(phi[NF] - expect(0, left, right, feat, cond, dleft, cover, x, 0)) < 1e-5);
	}
	fg_trees_free(&t);
	/* the chain: node 2i splits on feature i, its left child a leaf, its right the next split */
	for (int i = 0; i < CN; i++) {
		bool leaf = i % 2 == 1 || i == CN - 1;

		left[i] = leaf ? -1 : i + 1;
		right[i] = leaf ? -1 : i + 2;
		feat[i] = leaf ? 0 : i / 2;
		cond[i] = leaf ? 0.1 * (i % 7) - 0.3 : 0.5;
		dleft[i] = i / 2 % 2;
	}
	for (int i = CN; i-- > 0;)
		cover[i] = left[i] < 0 ? 1.0 + i % 5 : cover[left[i]] + cover[right[i]];
	js = tree_json(CN, left, right, feat, cond, dleft, cover);
	ck_assert_int_eq(fg_trees_from_json(&t, js, strlen(js), CD), FG_OK);
	free(js);
	for (int r = 0; r < 20; r++) {
		float x[CD], phi[CD + 1], sum = 0.0f, p;

		for (int j = 0; j < CD; j++)
			x[j] = rng(&seed) % 9 == 0 ? NAN : (float)(rng(&seed) % 100) / 100.0f;
		ck_assert_int_eq(fg_trees_contributions(phi, t, x), FG_OK);
		for (int j = 0; j <= CD; j++)
			sum += phi[j];
		p = fg_trees_predict(t, x);
		ck_assert_msg(fabs(sum - logf(p / (1.0f - p))) < 1e-4, "row %d: values add to %.9g, margin %.9g", r,
		              (double)sum, (double)logf(p / (1.0f - p)));
	}
	ck_assert_uint_gt(fg_trees_bytes(t), 0);
	fg_trees_free(&t);
}
END_TEST

/* One hand-made tree: the split, the default side of a missing value, and what is refused. */
START_TEST(test_trees_from_json)
{
	static const char *const good =
	    "{\"learner\":{\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{"
	    "\"gbtree_model_param\":{\"num_parallel_tree\":\"1\",\"num_trees\":\"1\"},\"tree_info\":[0],"
	    "\"trees\":[{\"left_children\":[1,-1,-1],\"right_children\":[2,-1,-1],\"split_indices\":[1,0,0],"
	    "\"split_conditions\":[0.5,1.5,-0.25],\"default_left\":[1,0,0],\"split_type\":[0,0,0],"
	    "\"sum_hessian\":[4,3,1],"
	    "\"categories\":[]}]}},\"learner_model_param\":{\"base_score\":\"5E-1\"},"
	    "\"objective\":{\"name\":\"binary:logistic\"}}}";
	/* what is refused: each a change of one part of the good model */
	static const char *const from_to[][2] = {
		{ "binary:logistic", "reg:squarederror" },          /* another objective */
		{ "\"categories\":[]", "\"categories\":[3]" },      /* a categorical split */
		{ "\"left_children\":[1,", "\"left_children\":[0," }, /* a loop */
		{ "\"split_type\":[0,", "\"split_type\":[1," },       /* not numerical */
		{ "\"num_parallel_tree\":\"1\"", "\"num_parallel_tree\":\"2\"" },
	};
	fg_trees *t = NULL;
	float lo[2] = { 9.0f, 0.2f }, hi[2] = { 0.0f, 0.7f }, miss[2] = { 0.0f, NAN };

	ck_assert_int_eq(fg_trees_from_json(&t, good, strlen(good), 2), FG_OK);
	ck_assert(fabs(fg_trees_predict(t, lo) - 1.0 / (1.0 + exp(-1.5))) < 1e-7);
	ck_assert(fabs(fg_trees_predict(t, hi) - 1.0 / (1.0 + exp(0.25))) < 1e-7);
	ck_assert(fabs(fg_trees_predict(t, miss) - 1.0 / (1.0 + exp(-1.5))) < 1e-7);
	/* SHAP: the expected value (1.5 x 3 - 0.25 x 1) / 4 = 1.0625 is the bias, feature 1 the rest */
	{
		float phi[3];

		ck_assert_int_eq(fg_trees_contributions(phi, t, lo), FG_OK);
		ck_assert(phi[0] == 0.0f && fabs(phi[1] - 0.4375) < 1e-6 && fabs(phi[2] - 1.0625) < 1e-6);
		ck_assert_int_eq(fg_trees_contributions(phi, t, hi), FG_OK);
		ck_assert(phi[0] == 0.0f && fabs(phi[1] + 1.3125) < 1e-6 && fabs(phi[2] - 1.0625) < 1e-6);
		ck_assert_int_eq(fg_trees_contributions(phi, t, miss), FG_OK);
		ck_assert(fabs(phi[1] - 0.4375) < 1e-6);
	}
	fg_trees_free(&t);
	ck_assert_ptr_null(t);
	/* a split on a feature past the row */
	ck_assert_int_eq(fg_trees_from_json(&t, good, strlen(good), 1), FG_EDATA);
	ck_assert_ptr_null(t);
	for (size_t i = 0; i < sizeof(from_to) / sizeof(from_to[0]); i++) {
		const char *at = strstr(good, from_to[i][0]);
		char s[2048];

		ck_assert_ptr_nonnull(at);
		snprintf(s, sizeof(s), "%.*s%s%s", (int)(at - good), good, from_to[i][1], at + strlen(from_to[i][0]));
		ck_assert_msg(fg_trees_from_json(&t, s, strlen(s), 2) == FG_EDATA, "case %zu accepted", i);
		ck_assert_ptr_null(t);
	}
}
END_TEST

/* The per-fold walks and hops against fg_risk and fg_bfs_multi (independent kernels). */
START_TEST(test_fold_kernels_vs_risk)
{
	char *dir, *edges, *users;
	world w;
	const fg_graph *g;
	size_t nv;
	double *risk;
	uint32_t *dist, *fs, checked = 0;

	gen_world(&dir, &edges, &users, 4000, 9);
	world_load(&w, edges, users);
	g = w.g;
	nv = (size_t)g->n_users + g->n_entities;
	risk = fg_mallocarray(nv, sizeof(double));
	dist = fg_mallocarray(nv, sizeof(uint32_t));
	fs = fg_mallocarray(w.n_seeds + 1, sizeof(uint32_t));
	for (unsigned k = 0; k < FG_FEAT_FOLDS; k++) {
		uint32_t nk = 0;
		for (uint32_t i = 0; i < w.n_seeds; i++)
			if (fg_features_fold(w.f, w.seeds[i]) == k)
				fs[nk++] = w.seeds[i];
		ck_assert_uint_eq(nk, fg_features_fold_seeds(w.f, k));
		if (!nk)
			continue;
		ck_assert_int_eq(fg_risk(risk, g, fs, nk, 0.85, 1e-12, 500, NULL), FG_OK);
		ck_assert_int_eq(fg_bfs_multi(dist, NULL, NULL, &g->g, fs, nk), FG_OK);
		for (uint32_t u = 0; u < g->n_users; u++) {
			double q = fg_features_fold_ppr(w.f, u, k);
			/* features ran to tol 1e-8: within a few 1e-9 of the converged walk */
			ck_assert_msg(fabs(q - risk[u]) <= 1e-8 + 1e-6 * risk[u], "fold %u user %u: %.12g vs %.12g",
			              k, u, q, risk[u]);
			ck_assert_uint_eq(fg_features_fold_hops(w.f, u, k), dist[u]);
			checked += risk[u] > 0.0;
		}
	}
	ck_assert_uint_gt(checked, 50);
	fg_free(risk);
	fg_free(dist);
	fg_free(fs);
	world_free(&w);
	files_free(dir, edges, users);
}
END_TEST

static int64_t q_int(const char *dbpath, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *q_text(const char *dbpath, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void run_ok(const char *const *args)
{
	char *err = NULL;
	int rc = fgt_run(NULL, &err, NULL, NULL, args);

	ck_assert_msg(rc == 0, "exit %d: %s", rc, err ? err : "");
	free(err);
}

/*
 * Through the binary on a generated world where the model trains: the same
 * output digest for 1, 2 and 3 threads and for reversed input rows; the
 * hand-set scores kept in rule_score are exactly a --no-model run's; an
 * exported model scores the same (--model round trip); flagged users have
 * reasons; the models row holds the metrics.
 */
START_TEST(test_cli_run_model)
{
	char *dir, *edges, *users, cmd[2048];
	char *db[6], *rev_e, *rev_u, *mfile, *d0;
	const char *names[6] = { "t1.db", "t2.db", "t3.db", "rev.db", "nomodel.db", "loaded.db" };

	gen_world(&dir, &edges, &users, 6000, 21);
	for (int i = 0; i < 6; i++)
		db[i] = fgt_path(dir, names[i]);
	rev_e = fgt_path(dir, "rev_edges.csv");
	rev_u = fgt_path(dir, "rev_users.csv");
	mfile = fgt_path(dir, "m.model");
	snprintf(cmd, sizeof(cmd), "(head -1 '%s'; tail -n +2 '%s' | tac) > '%s' && "
	         "(head -1 '%s'; tail -n +2 '%s' | tac) > '%s'", edges, edges, rev_e, users, users, rev_u);
	ck_assert_int_eq(fgt_sh(cmd), 0);
	{
		const char *a1[] = { "run", "--db", db[0], "--edges", edges, "--users", users, "--threads", "1", "--quiet", NULL };
		const char *a2[] = { "run", "--db", db[1], "--edges", edges, "--users", users, "--threads", "2", "--quiet", NULL };
		const char *a3[] = { "run", "--db", db[2], "--edges", edges, "--users", users, "--threads", "3", "--quiet", NULL };
		const char *a4[] = { "run", "--db", db[3], "--edges", rev_e, "--users", rev_u, "--threads", "2", "--quiet", NULL };
		const char *a5[] = { "run", "--db", db[4], "--edges", edges, "--users", users, "--no-model", "--quiet", NULL };
		run_ok(a1);
		run_ok(a2);
		/* 3 threads with every loop forking (FG_PAR_MIN_NS=0): the parallel paths
		 * end to end, which this small world does not pay for otherwise */
		ck_assert_int_eq(setenv("FG_PAR_MIN_NS", "0", 1), 0);
		run_ok(a3);
		unsetenv("FG_PAR_MIN_NS");
		run_ok(a4);
		run_ok(a5);
	}
	ck_assert_int_eq(q_int(db[0], "SELECT count(*) FROM models"), 1);
	d0 = q_text(db[0], "SELECT output_digest FROM runs");
	ck_assert_ptr_nonnull(d0);
	for (int i = 1; i < 4; i++) {
		char *d = q_text(db[i], "SELECT output_digest FROM runs");
		ck_assert_msg(d && !strcmp(d, d0), "%s: digest %s, 1 thread %s", names[i], d, d0);
		free(d);
	}
	/* the model changes the scores; the hand-set ones are a --no-model run's, bit for bit */
	{
		char *dn = q_text(db[4], "SELECT output_digest FROM runs");
		ck_assert_str_ne(dn, d0);
		free(dn);
		char att[1200];
		snprintf(att, sizeof(att), "sqlite3 '%s' \"ATTACH '%s' AS nm; SELECT count(*) FROM user_scores a "
		         "JOIN nm.user_scores b USING (user_id) WHERE a.rule_score IS NOT b.score OR "
		         "b.rule_score IS NOT b.score;\" | grep -qx 0", db[0], db[4]);
		ck_assert_msg(fgt_sh(att) == 0, "rule_score differs from the --no-model score");
		snprintf(att, sizeof(att), "sqlite3 '%s' \"ATTACH '%s' AS nm; SELECT count(*) FROM rings a "
		         "JOIN nm.rings b USING (ring_id) WHERE a.rule_score IS NOT b.ring_score;\" | grep -qx 0",
		         db[0], db[4]);
		ck_assert_msg(fgt_sh(att) == 0, "rings.rule_score differs from the --no-model ring_score");
		ck_assert_int_eq(q_int(db[4], "SELECT count(*) FROM models"), 0);
	}
	/* export, then score with the file: the same scores */
	{
		const char *ex[] = { "model", "export", "--db", db[0], "--out", mfile, NULL };
		const char *ld[] = { "run", "--db", db[5], "--edges", edges, "--users", users, "--model", mfile,
		                     "--quiet", NULL };
		char *d;
		run_ok(ex);
		run_ok(ld);
		d = q_text(db[5], "SELECT output_digest FROM runs");
		ck_assert_str_eq(d, d0);
		free(d);
		ck_assert_int_eq(q_int(db[5], "SELECT count(*) FROM models WHERE source LIKE '%m.model'"), 1);
	}
	/* reasons: the top-scored unlabelled user has them, in words, positive */
	{
		char *u = q_text(db[0], "SELECT user_id FROM user_scores WHERE label IS NULL "
		                        "ORDER BY score DESC, user_id LIMIT 1");
		char q[512];
		ck_assert_ptr_nonnull(u);
		snprintf(q, sizeof(q), "SELECT count(*) FROM user_reasons WHERE user_id = '%s' AND "
		         "contribution > 0 AND text LIKE '%%: +%%'", u);
		ck_assert_int_ge(q_int(db[0], q), 1);
		snprintf(q, sizeof(q), "SELECT count(*) FROM user_model_features WHERE user_id = '%s' AND "
		         "json_extract(features, '$.ppr') IS NOT NULL", u);
		ck_assert_int_eq(q_int(db[0], q), 1);
		free(u);
		ck_assert_int_gt(q_int(db[0], "SELECT count(*) FROM models WHERE auc > 0.9 AND k > 0"), 0);
		ck_assert_int_gt(q_int(db[0], "SELECT count(*) FROM runs WHERE t_model >= 0 AND "
		                              "model_status LIKE 'trained:%'"), 0);
	}
	/*
	 * A stolen card's victims reach the ring through one card: on average they
	 * score below the ring's unlabelled members (the truth file of gen).
	 */
	{
		char sql[1400];
		snprintf(sql, sizeof(sql),
		         "printf '%%s\\n' 'CREATE TEMP TABLE t(user_id TEXT, ring_id TEXT, role TEXT);' "
		         "'.mode csv' '.import --skip 1 %s/w/truth.csv t' '.mode list' "
		         "'SELECT (SELECT avg(u.score) FROM user_scores u JOIN t USING (user_id) WHERE t.role = \"victim\") "
		         "< (SELECT avg(u.score) FROM user_scores u JOIN t USING (user_id) WHERE t.role = \"ring\" "
		         "AND u.label IS NULL);' | sqlite3 '%s' | grep -qx 1", dir, db[0]);
		ck_assert_msg(fgt_sh(sql) == 0, "victims should score below the ring's unlabelled members");
	}
	free(d0);
	for (int i = 0; i < 6; i++)
		free(db[i]);
	free(rev_e);
	free(rev_u);
	free(mfile);
	files_free(dir, edges, users);
}
END_TEST

#if FG_FAULT_INJECTION
/*
 * A run that trains, with its Nth allocation failing (every 23rd N up to the
 * run's last): exit 1 with "out of memory", nothing stored, no crash.  The
 * model phase's allocations are among them (XGBoost's own are not ours).
 */
/*
 * The writer thread writes user_scores as the model's scores come: a model
 * that fails before its last range is final leaves the writer waiting; it
 * stops, the model's error is the run's, and nothing of the run is stored.
 */
START_TEST(test_model_fails_while_scores_wait)
{
	char *dir, *edges, *users, *db, *err = NULL;
	const char *envv[] = { "FG_FAULT_FAIL_AT=model-scores", NULL };
	int rc;

	gen_world(&dir, &edges, &users, 3000, 2);
	db = fgt_path(dir, "r.db");
	const char *a[] = { "run", "--db", db, "--edges", edges, "--users", users, "--threads", "2",
		"--quiet", NULL };
	run_ok(a);
	rc = fgt_run(NULL, &err, NULL, envv, a);
	ck_assert_msg(rc == 1 && err && strstr(err, "fault injection: failure at model-scores") &&
	              !strstr(err, "user_scores not written"), "exit %d: %s", rc, err ? err : "");
	free(err);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(DISTINCT run_id) FROM user_scores"), 1);
	ck_assert_int_eq(q_int(db, "SELECT count(DISTINCT run_id) FROM user_features"), 1);
	run_ok(a);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), 2);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM user_scores WHERE run_id = "
	                           "(SELECT max(run_id) FROM runs)"),
	                 q_int(db, "SELECT count(*) FROM user_scores WHERE run_id = "
	                           "(SELECT min(run_id) FROM runs)"));
	free(db);
	files_free(dir, edges, users);
}
END_TEST

START_TEST(test_alloc_failures_in_model_run)
{
	char *dir, *edges, *users, *db;
	int failures = 0;
	bool succeeded = false;

	gen_world(&dir, &edges, &users, 3000, 2);
	db = fgt_path(dir, "r.db");
	{
		const char *a[] = { "run", "--db", db, "--edges", edges, "--users", users, "--quiet", NULL };
		run_ok(a);
	}
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM models"), 1);
	for (long n = 1; n <= 5000 && !succeeded; n += 23) {
		char env[40], *err = NULL;
		const char *envv[] = { env, NULL };
		const char *a[] = { "run", "--db", db, "--edges", edges, "--users", users, "--quiet", NULL };
		int rc;
		snprintf(env, sizeof(env), "FG_FAIL_ALLOC=%ld", n);
		rc = fgt_run(NULL, &err, NULL, envv, a);
		if (rc == 0) {
			succeeded = true;
		} else {
			ck_assert_msg(rc == 1 && err && strstr(err, "out of memory"), "FG_FAIL_ALLOC=%ld: exit %d: %s",
			              n, rc, err ? err : "");
			failures++;
		}
		free(err);
	}
	ck_assert(succeeded);
	ck_assert_int_gt(failures, 20);
	/* the first run and the last (successful) one only */
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), 2);
	ck_assert_int_eq(q_int(db, "SELECT count(*) FROM models"), 2);
	free(db);
	files_free(dir, edges, users);
}
END_TEST
#endif

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_fold_kernels_vs_risk);
	tcase_add_test(tc, test_leakage_flip);
	tcase_add_test(tc, test_threads_in_process);
	tcase_add_test(tc, test_tiny_world_ranking);
	tcase_add_test(tc, test_too_few_labels);
	tcase_add_test(tc, test_missing_attributes);
	tcase_add_test(tc, test_save_load_reasons);
	tcase_add_test(tc, test_cli_run_model);
	tcase_add_test(tc, test_own_trees_match_xgboost);
	tcase_add_test(tc, test_trees_from_json);
	tcase_add_test(tc, test_trees_shap_definition);
#if FG_FAULT_INJECTION
	tcase_add_test(tc, test_alloc_failures_in_model_run);
	tcase_add_test(tc, test_model_fails_while_scores_wait);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
