/*
 * fg_serve_model: the learned model's side of a snapshot (docs/serve.md,
 * "Score with the learned model"): the boosters, last night's graph rebuilt
 * from the stored links, and the run's kernels on it.
 */
#include "fg_serve_internal.h"

#include "fg_cc.h"
#include "fg_log.h"

#include <stdio.h>

void fg_serve_model_free(serve_model **pm)
{
	serve_model *m;

	if (!pm || !(m = *pm))
		return;
	fg_model_close(&m->m);
	fg_features_close(&m->f);
	fg_scores_free(&m->sc);
	fg_graph_free(&m->g);
	fg_free(m->comp);
	fg_free(m->ring);
	fg_free(m->seeds);
	fg_free(m->seed);
	fg_free(m->risk);
	fg_free(m->user_g);
	fg_free(m->ent_g);
	fg_free(m);
	*pm = NULL;
}

/* Feed the stored links and their users to a linkset, as run's readers would. */
static int model_rows(fg_linkset *ls, const fg_snapshot *s)
{
	uint8_t *need = fg_calloc(s->n_users ? s->n_users : 1, 1);
	size_t newest = NONE32;
	int rc = FG_OK;

	if (!need)
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory for the model's graph");
	for (size_t i = 0; i < s->n_ml; i++) {
		const struct mlink *l = &s->ml[i];
		const char *kind = S(s, s->kind[l->k]);
		const char *val = l->user ? S(s, s->u_id[l->t]) : S(s, s->e_value[l->t]);
		fg_link_row row = { { S(s, s->u_id[l->u]), strlen(S(s, s->u_id[l->u])) },
		                    { kind, strlen(kind) }, { val, strlen(val) }, l->first, "snapshot", i + 1,
		                    false, 0, 0 };

		need[l->u] = 1;
		if (l->user)
			need[l->t] = 1;
		if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
			goto cleanup;
		if (l->last != l->first) {
			row.seen_at = l->last;
			if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
				goto cleanup;
		}
	}
	/* seeds alone in their component count in their fold; the newest account sets the age reference */
	for (size_t u = 0; u < s->n_users; u++) {
		if (s->u_label[u] == LBL_FRAUD)
			need[u] = 1;
		if (s->u_created[u] != FG_TIME_NONE &&
		    (newest == NONE32 || s->u_created[u] > s->u_created[newest]))
			newest = u;
	}
	if (newest != NONE32)
		need[newest] = 1;
	for (size_t u = 0; u < s->n_users; u++) {
		const char *id = S(s, s->u_id[u]);
		fg_user_row row = { { id, strlen(id) }, s->u_created[u],
		                    s->u_label[u] == LBL_FRAUD ? FG_LABEL_FRAUD
		                    : s->u_label[u] == LBL_LEGIT ? FG_LABEL_LEGIT : FG_LABEL_UNKNOWN,
		                    "snapshot", u + 1, 0, NULL, 0 };

		if (need[u] && (rc = fg_linkset_user_sink(ls, &row)) != FG_OK)
			goto cleanup;
	}
cleanup:
	fg_free(need);
	return rc;
}

/*
 * Score requests with the boosters' own trees (fg_model_fast_predict) once
 * they give XGBoost's bits on the rows of up to FAST_CHECK_ROWS users of the
 * model's graph, spread over it, each with a booster's fold excluded as the
 * run scores it, and explain them with the trees' own SHAP values once
 * those give XGBoost's bits too.  *why: what scores and explains, and why
 * XGBoost does where it does (the answers are the same either way; only
 * the cost differs).
 */
#define FAST_CHECK_ROWS 1000

static int fast_predict(serve_model *m, char *why, size_t why_len)
{
	const uint32_t nu = m->g->n_users, n = nu < FAST_CHECK_ROWS ? nu : FAST_CHECK_ROWS;
	const uint32_t nc = fg_features_count(m->f);
	uint32_t *users = fg_mallocarray(n ? n : 1, sizeof(uint32_t));
	unsigned *masks = fg_mallocarray(n ? n : 1, sizeof(unsigned));
	float *rows = fg_mallocarray((size_t)(n ? n : 1) * nc, sizeof(float));
	char shap_why[200];
	int rc;

	if (!users || !masks || !rows) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: out of memory checking the model's trees");
		goto cleanup;
	}
	for (uint32_t i = 0; i < n; i++) {
		users[i] = (uint32_t)((uint64_t)i * nu / n);
		masks[i] = 1u << (i % FG_FEAT_FOLDS);
	}
	if ((rc = fg_features_rows(rows, m->f, users, n, masks, 0)))
		goto cleanup;
	rc = fg_model_fast_predict(m->m, rows, n, why, why_len, shap_why, sizeof(shap_why));
	if (rc == 1) {
		if (shap_why[0]) {
			snprintf(why, why_len, "scored by its own trees, SHAP by XGBoost (%.140s)", shap_why);
			fg_log_warn("serve: the model's own SHAP values are not used: %s", shap_why);
		} else {
			snprintf(why, why_len, "scored and explained by its own trees");
		}
		rc = FG_OK;
	} else if (rc == 0) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%s", why);
		snprintf(why, why_len, "XGBoost scores (its trees not used: %.150s)", msg);
		fg_log_warn("serve: the model's own trees are not used: %s", msg);
	}
cleanup:
	fg_free(users);
	fg_free(masks);
	fg_free(rows);
	return rc;
}

/*
 * The run's account-age reference (its latest input time, which the stored
 * links alone may miss: a lone user's links are not stored): the integer t
 * with (float)((t - c) / 86400) == a for every stored row's (created_at c,
 * account_age_days a), the first such t near the first row's.  false if no t
 * fits them all (then the stored links' latest time stands).
 */
static bool age_reference(int64_t *t_ref, const fg_snapshot *s)
{
	if (!s->n_ages)
		return false;
	int64_t t0 = s->age_created[0] + llround(s->age_days[0] * 86400.0);
	for (int64_t t = t0 - 64; t <= t0 + 64; t++) {
		bool all = true;
		for (size_t i = 0; i < s->n_ages && all; i++)
			all = (float)((double)(t - s->age_created[i]) / 86400.0) == (float)s->age_days[i];
		if (all) {
			*t_ref = t;
			return true;
		}
	}
	return false;
}

/*
 * Build the model's side of snapshot s from its stored links and model
 * file.  FG_OK with s->model set, FG_OK with s->model NULL and
 * s->model_status saying why (a model file this build cannot read, feature
 * names it does not build), or FG_ENOMEM.
 */
int fg_serve_model_build(fg_snapshot *s)
{
	serve_model *m = fg_calloc(1, sizeof(*m));
	fg_linkset *ls = NULL;
	fg_model_params mp;
	fg_features_params fp = { .use_attrs = true, .attrs = NULL, .damping = s->cfg.risk_damping,
	                          .tol = s->cfg.risk_tol, .max_iter = s->cfg.risk_max_iter };
	fg_graph *g;
	fg_values vr = { 0 };
	uint32_t nu, nv, *ring_min = NULL;
	char tree_why[200];
	double t0 = fg_clock(), t_graph = 0.0;
	int rc;

	if (!m)
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory for the model");
	fp.t_ref_given = age_reference(&fp.t_ref, s);
	fg_model_params_default(&mp);
	mp.threads = 1; /* one request, one thread: the pool serves requests in parallel */
	if ((rc = fg_model_load_file(&m->m, s->model_file, s->model_len, "models.model_file", &mp)) ||
	    (rc = fg_linkset_new(&ls, &s->cfg)) || (rc = model_rows(ls, s)) ||
	    (rc = fg_graph_build(&m->g, ls, &s->cfg)))
		goto cleanup;
	fg_linkset_free(&ls);
	t_graph = fg_clock() - t0;
	g = m->g;
	nu = g->n_users;
	nv = nu + g->n_entities;
	m->comp = fg_mallocarray(nv ? nv : 1, sizeof(uint32_t));
	m->ring = fg_mallocarray(nu ? nu : 1, sizeof(uint32_t));
	m->risk = fg_calloc(nv ? nv : 1, sizeof(double));
	m->seed = fg_calloc(nu ? nu : 1, 1);
	m->seeds = fg_mallocarray(nu ? nu : 1, sizeof(uint32_t));
	m->user_g = fg_mallocarray(s->n_users ? s->n_users : 1, sizeof(int32_t));
	m->ent_g = fg_mallocarray(s->n_ents ? s->n_ents : 1, sizeof(int64_t));
	ring_min = fg_mallocarray(s->n_rings ? s->n_rings : 1, sizeof(uint32_t));
	if (!m->comp || !m->ring || !m->risk || !m->seed || !m->seeds || !m->user_g || !m->ent_g ||
	    !ring_min) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: out of memory for the model");
		goto cleanup;
	}
	for (size_t u = 0; u < s->n_users; u++)
		m->user_g[u] = -1;
	for (size_t e = 0; e < s->n_ents; e++)
		m->ent_g[e] = -1;
	for (size_t r = 0; r < s->n_rings; r++)
		ring_min[r] = NONE32;
	/* users of g (id order, a subset of the snapshot's): rings by their smallest member, as fg_rings */
	for (uint32_t u = 0; u < nu; u++) {
		uint32_t su = find_user(s, fg_graph_user_id(g, u), strlen(fg_graph_user_id(g, u)));
		int32_t r;

		if (su == NONE32) {
			rc = fg_error_set(FG_EDATA, "user %.40s of the model's graph is not in the run",
			                  fg_graph_user_id(g, u));
			goto cleanup;
		}
		m->user_g[su] = (int32_t)u;
		m->risk[u] = s->u_risk[su];
		if (g->user_label[u] == FG_LABEL_FRAUD) {
			m->seed[u] = 1;
			m->seeds[m->n_seeds++] = u;
		}
		r = s->u_ring[su];
		if (r >= 0 && ring_min[r] == NONE32)
			ring_min[r] = u;
		m->ring[u] = r >= 0 ? ring_min[r] : u;
	}
	for (uint32_t e = 0; e < g->n_entities; e++) {
		const char *v = fg_graph_ent_value(g, e, &vr);
		uint32_t se;

		if (!v) {
			rc = FG_ENOMEM;
			goto cleanup;
		}
		se = find_entity(s, g->kind_name[fg_graph_ent_kind(g, e)], v, strlen(v));

		if (se == NONE32) {
			rc = fg_error_set(FG_EDATA, "entity %.40s of the model's graph is not in the run", v);
			goto cleanup;
		}
		m->ent_g[se] = (int64_t)nu + e;
		m->risk[nu + e] = s->e_risk ? s->e_risk[se] : 0.0;
	}
	if ((rc = fg_cc(m->comp, &g->g)) ||
	    (rc = fg_score_compute(&m->sc, g, &s->cfg, m->seed, m->n_seeds, m->comp, m->ring, m->risk)) ||
	    (rc = fg_features_open(&m->f, g, m->sc, m->comp, m->seeds, m->n_seeds, &fp)))
		goto cleanup;
	if (fg_model_n_features(m->m) != fg_features_count(m->f)) {
		rc = fg_error_set(FG_EDATA, "the model has %u features, the snapshot builds %u",
		                  fg_model_n_features(m->m), fg_features_count(m->f));
		goto cleanup;
	}
	for (uint32_t j = 0; j < fg_features_count(m->f); j++)
		if (strcmp(fg_model_feature_name(m->m, j), fg_features_name(m->f, j))) {
			rc = fg_error_set(FG_EDATA, "model feature %u is '%.60s', the snapshot builds '%.60s'", j,
			                  fg_model_feature_name(m->m, j), fg_features_name(m->f, j));
			goto cleanup;
		}
	m->attr0 = fg_features_count(m->f);
	for (uint32_t j = 0; j < fg_features_count(m->f); j++)
		if (!strncmp(fg_features_name(m->f, j), "attr_", 5)) {
			m->attr0 = j;
			break;
		}
	if ((rc = fast_predict(m, tree_why, sizeof(tree_why))))
		goto cleanup;
	m->bytes = fg_graph_bytes(g) + (uint64_t)nv * (sizeof(uint32_t) + sizeof(double)) +
	           (uint64_t)nu * (2 * sizeof(uint32_t) + 1) + (uint64_t)s->n_users * sizeof(int32_t) +
	           (uint64_t)s->n_ents * sizeof(int64_t) + fg_model_trees_bytes(m->m);
	snprintf(s->model_status, sizeof(s->model_status),
	         "served: %u features on the graph of the stored links (%u users, %u entities); "
	         "graph %.2f s, kernels %.2f s; %s", fg_features_count(m->f), nu, g->n_entities, t_graph,
	         fg_clock() - t0 - t_graph, tree_why);
	s->model = m;
	m = NULL;
cleanup:
	fg_graph_values_free(&vr);
	fg_free(ring_min);
	fg_linkset_free(&ls);
	fg_serve_model_free(&m);
	if (rc != FG_OK && rc != FG_ENOMEM) {
		snprintf(s->model_status, sizeof(s->model_status), "not served: %s", fg_error_msg());
		fg_log_warn("serve: the run's model is not served (rule scores instead): %s", fg_error_msg());
		fg_error_clear();
		rc = FG_OK;
	}
	return rc;
}

