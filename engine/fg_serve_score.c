/*
 * fg_serve_score: the answer of POST /v1/score: the rule score from the
 * request's evidence (fg_serve_evidence.c), the learned model's score and
 * SHAP reasons where the snapshot holds a model, and the JSON answer
 * (docs/serve.md).
 */
#include "fg_serve_internal.h"

#include "fg_kinds.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const ev_status[] = { "new", "shared", "hub", "hub", "known", "unknown" };

static uint32_t model_items(fg_features_item *items, const fg_snapshot *s, const scratch *x)
{
	const serve_model *m = s->model;
	uint32_t n = 0;

	for (size_t i = 0; i < x->n_evs; i++) {
		const ev *v = &x->evs[i];

		if (v->is_link) {
			/* a link to a user the run does not know, or one without stored links: no neighbour */
			if (v->target != NONE32 && m->user_g[v->target] >= 0)
				items[n++] = (fg_features_item){ m->user_g[v->target], 0, 0.0, 0 };
		} else if (v->target != NONE32 && m->ent_g[v->target] >= 0) {
			items[n++] = (fg_features_item){ m->ent_g[v->target], 0, 0.0, 0 };
		} else {
			items[n++] = (fg_features_item){ -1, (int)fg_kind_class_of(v->it->kind),
			                                 fg_config_kind_weight(&s->cfg, v->it->kind),
			                                 fg_config_kind_max_share(&s->cfg, v->it->kind) };
		}
	}
	return n;
}

/*
 * The entity a reason of feature `name` names: among the request's entities
 * of the feature's classes (hubs for hub_seeds), the one with the most known
 * fraud (folds in mask excluded), ties by the run's entity order; none
 * without known fraud, as fg_features_top_entity.
 */
static bool model_reason_entity(fg_model_entity *out, const fg_snapshot *s, const scratch *x,
                                const char *name, unsigned mask)
{
	const serve_model *m = s->model;
	const fg_graph *g = m->g;
	int kcs[FG_KC_N], nk = fg_model_reason_classes(kcs, name);
	int64_t best = -1;
	uint32_t bn = 0;
	const ev *bv = NULL;

	for (size_t i = 0; nk && i < x->n_evs; i++) {
		const ev *v = &x->evs[i];
		int64_t gv;
		uint32_t e, ns;
		bool match = false, hub;

		if (v->is_link || v->target == NONE32 || (gv = m->ent_g[v->target]) < 0)
			continue;
		e = (uint32_t)(gv - g->n_users);
		hub = fg_graph_ent_hub(g, e) || v->status == EV_WOULD_HUB;
		for (int c = 0; c < nk && !match; c++)
			match = kcs[c] < 0 ? hub : (int)fg_kind_class_of(v->it->kind) == kcs[c];
		if (!match || !(ns = fg_features_entity_seeds(m->f, e, mask)))
			continue;
		if (ns > bn || (ns == bn && gv < best)) {
			bn = ns;
			best = gv;
			bv = v;
		}
	}
	if (!bv)
		return false;
	*out = (fg_model_entity){ bv->it->kind, bv->it->value,
	                          fg_graph_ent_share(g, best - g->n_users), bn,
	                          fg_graph_ent_hub(g, best - g->n_users) || bv->status == EV_WOULD_HUB };
	return true;
}

/*
 * The learned score of a request: its row on last night's graph
 * (fg_features_row_new; an existing user's own row when it sends its stored
 * links), the booster of its fold (the fold of its id, as the run scored
 * users), the top SHAP contributions as reasons in explain's words.
 * *out: the answer's "model" object; *score: the probability.
 */
static int model_answer(json_t **out, double *score, const fg_snapshot *s,
                        const fg_serve_request *r, const scratch *x, uint32_t self)
{
	const serve_model *m = s->model;
	const uint32_t nc = fg_features_count(m->f), na = fg_features_n_attrs(m->f);
	fg_features_item *items = fg_mallocarray(x->n_evs ? x->n_evs : 1, sizeof(*items));
	float *row = fg_mallocarray(nc, sizeof(float)), *contrib = fg_mallocarray((size_t)nc + 1, sizeof(float));
	float *attrs = NULL, p = 0.0f;
	unsigned k = fg_features_fold_of(r->user_id), mask = 1u << k;
	int64_t gself = self != NONE32 ? m->user_g[self] : -1;
	uint32_t top[FG_MODEL_REASONS], n;
	json_t *o = json_object(), *rs = json_array();
	bool ok = o && rs, explain;
	int rc = FG_OK, nt;

	*out = NULL;
	if (!items || !row || !contrib || !ok || (na && r->n_num && !(attrs = fg_mallocarray(na, sizeof(float))))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request with the model");
		goto cleanup;
	}
	n = model_items(items, s, x);
	for (uint32_t a = 0; attrs && a < na; a++) {
		const char *name = fg_features_name(m->f, m->attr0 + a) + 5; /* after "attr_" */
		attrs[a] = NAN;
		for (size_t i = 0; i < r->n_num; i++)
			if (!strcmp(r->attr_name[i], name))
				attrs[a] = (float)r->attr_val[i];
	}
	if ((rc = fg_features_row_new(row, m->f, items, n, gself, attrs, mask)) ||
	    (rc = fg_model_predict_row(&p, NULL, m->m, k, row)))
		goto cleanup;
	/*
	 * Reasons as the run gives them: for a score of at least
	 * FG_MODEL_REASON_MIN, unless the request says "explain": false
	 * (TreeSHAP is most of a request's CPU; docs/serve.md).
	 */
	explain = r->explain && p >= FG_MODEL_REASON_MIN;
	if (explain && (rc = fg_model_contributions(contrib, m->m, k, row)))
		goto cleanup;
	*score = p;
	jset(&ok, o, "score", jnum(p));
	jset(&ok, o, "booster", json_integer(k));
	nt = explain ? fg_model_top_contributions(top, contrib, nc, FG_MODEL_REASONS) : 0;
	for (int i = 0; i < nt; i++) {
		const char *name = fg_features_name(m->f, top[i]);
		fg_model_entity e;
		char text[200];
		json_t *ro = json_object();
		bool has_e = model_reason_entity(&e, s, x, name, mask);

		fg_model_reason_text(text, sizeof(text), name, row[top[i]], contrib[top[i]], has_e ? &e : NULL);
		if (ro) {
			jset(&ok, ro, "feature", json_string(name));
			jset(&ok, ro, "value", isnan(row[top[i]]) ? json_null() : jnum(row[top[i]]));
			jset(&ok, ro, "contribution", jnum(contrib[top[i]]));
			jset(&ok, ro, "text", jstr(text));
		}
		jpush(&ok, rs, ro);
	}
	jset(&ok, o, "reasons", rs);
	rs = NULL;
	if (!ok) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request with the model");
		goto cleanup;
	}
	*out = o;
	o = NULL;
cleanup:
	json_decref(o);
	json_decref(rs);
	fg_free(items);
	fg_free(row);
	fg_free(contrib);
	fg_free(attrs);
	return rc;
}

int fg_serve_score_request(fg_serve_reply *out, const fg_snapshot *s, const fg_serve_request *r)
{
	scratch x;
	json_t *root = json_object(), *arr, *o, *reasons = json_array();
	uint32_t self = find_user(s, r->user_id, strlen(r->user_id));
	double risk_part = 0.0, ring_part = 0.0, score, model_score = 0.0;
	json_t *mo = NULL;
	uint32_t nearest = NONE32, nearest_hops = UINT32_MAX;
	char v1[96], v2[96];
	bool ok = root && reasons;
	int rc;

	memset(&x, 0, sizeof(x));
	if (!ok) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request");
		goto fail;
	}
	if ((rc = fg_serve_gather(&x, s, r, self)) || (rc = fg_serve_rings_joined(&x, s)) || (rc = fg_serve_seeds_near(&x, s, self)))
		goto fail;

	for (size_t i = 0; i < x.n_td; i++) {
		const tied *t = &x.td[i];
		double base = s->u_label[t->user] == LBL_FRAUD ? 1.0 : s->u_risk_norm[t->user];
		double p = base * saturate(t->tie);

		if (p > risk_part)
			risk_part = p;
		if (s->u_hops[t->user] >= 0) {
			uint32_t h = t->hop + (uint32_t)s->u_hops[t->user];
			uint32_t sd = s->u_label[t->user] == LBL_FRAUD ? t->user : s->u_nearest[t->user];

			if (sd != NONE32 && sd != self &&
			    (h < nearest_hops || (h == nearest_hops && sd < nearest))) {
				nearest_hops = h;
				nearest = sd;
			}
		}
	}
	if (x.n_rh)
		ring_part = x.rh[0].part;
	score = 1.0 - (1.0 - risk_part) * (1.0 - ring_part);
	if (score < 0)
		score = 0;
	if (score > 1)
		score = 1;

	if (s->model && (rc = model_answer(&mo, &model_score, s, r, &x, self)))
		goto fail;
	jset(&ok, root, "format", json_string("fraudgraph.score/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, root, "user_id", jstr(r->user_id));
	jset(&ok, root, "score", jnum(mo ? model_score : score));
	jset(&ok, root, "rule_score", jnum(score));
	o = json_object();
	if (o) {
		jset(&ok, o, "risk", jnum(risk_part));
		jset(&ok, o, "ring", jnum(ring_part));
	}
	jset(&ok, root, "factors", o);
	jset(&ok, root, "model", mo ? mo : json_null());
	mo = NULL;
	if (self != NONE32) {
		o = user_ref(s, self);
		if (o && s->u_ring[self] >= 0)
			jset(&ok, o, "ring_key", jstr(S(s, s->rings[s->u_ring[self]].key)));
		else if (o)
			jset(&ok, o, "ring_key", json_null());
		jset(&ok, root, "known_user", o);
	} else {
		jset(&ok, root, "known_user", json_null());
	}

	/* rings */
	arr = json_array();
	for (size_t j = 0; arr && j < x.n_rh; j++) {
		const ring_rec *g = &s->rings[x.rh[j].ring];

		o = json_object();
		if (o) {
			jset(&ok, o, "ring_key", jstr(S(s, g->key)));
			jset(&ok, o, "ring_score", jnum(g->score));
			jset(&ok, o, "status", jstr(S(s, g->status)));
			jset(&ok, o, "n_users", json_integer(g->counts[0]));
			jset(&ok, o, "shared_users", json_integer(x.rh[j].users));
			jset(&ok, o, "tie", jnum(x.rh[j].tie));
			jset(&ok, o, "join_score", jnum(x.rh[j].part));
		}
		jpush(&ok, arr, o);
	}
	jset(&ok, root, "rings", arr);

	/* components, in component_id order */
	arr = json_array();
	if (arr && s->n_comps) {
		uint32_t *cs = fg_mallocarray(x.n_td ? x.n_td : 1, sizeof(uint32_t));
		size_t nc = 0;

		if (!cs) {
			json_decref(arr);
			rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request");
			goto fail;
		}
		for (size_t i = 0; i < x.n_td; i++)
			if (s->u_comp[x.td[i].user] >= 0)
				cs[nc++] = (uint32_t)s->u_comp[x.td[i].user];
		if (nc)
			qsort(cs, nc, sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < nc; i++) {
			size_t k = i;
			const comp_rec *c = &s->comps[cs[i]];

			while (k + 1 < nc && cs[k + 1] == cs[i])
				k++;
			o = json_object();
			if (o) {
				jset(&ok, o, "component_id", json_integer(c->component_id));
				jset(&ok, o, "component_score", jnum(c->score));
				jset(&ok, o, "n_users", json_integer(c->n_users));
				jset(&ok, o, "shared_users", json_integer((json_int_t)(k - i + 1)));
			}
			jpush(&ok, arr, o);
			i = k;
		}
		fg_free(cs);
	}
	jset(&ok, root, "components", arr);

	/* known fraud */
	arr = json_array();
	for (size_t i = 0; arr && i < x.n_sh; i++) {
		o = json_object();
		if (o) {
			jset(&ok, o, "user_id", jstr(S(s, s->u_id[x.sh[i].seed])));
			jset(&ok, o, "hops", json_integer(x.sh[i].hops));
			jset(&ok, o, "via", x.sh[i].via == NONE32 ? json_null() : jstr(S(s, s->u_id[x.sh[i].via])));
		}
		jpush(&ok, arr, o);
	}
	jset(&ok, root, "known_fraud", arr);
	if (nearest != NONE32) {
		o = json_object();
		if (o) {
			jset(&ok, o, "user_id", jstr(S(s, s->u_id[nearest])));
			jset(&ok, o, "hops", json_integer(nearest_hops));
		}
		jset(&ok, root, "nearest_seed", o);
	} else {
		jset(&ok, root, "nearest_seed", json_null());
	}

	/* entities, links, hubs as given */
	{
		json_t *ents = json_array(), *links = json_array(), *hubs = json_array(), *drop = json_array();

		for (size_t i = 0; i < x.n_evs; i++) {
			const ev *v = &x.evs[i];

			o = json_object();
			if (!o) {
				ok = false;
				continue;
			}
			jset(&ok, o, "kind", jstr(v->it->kind));
			jset(&ok, o, v->is_link ? "user_id" : "value", jstr(v->it->value));
			jset(&ok, o, "status", json_string(ev_status[v->status]));
			if (v->is_link) {
				if (v->target != NONE32) {
					jset(&ok, o, "label", label_name(s->u_label[v->target])
					                       ? json_string(label_name(s->u_label[v->target])) : json_null());
					jset(&ok, o, "score", jnum(s->u_score[v->target]));
				}
				jpush(&ok, links, o);
				continue;
			}
			jset(&ok, o, "share", json_integer(v->share));
			jset(&ok, o, "hub", json_boolean(v->status == EV_HUB || v->status == EV_WOULD_HUB));
			jset(&ok, o, "weight", jnum(v->w));
			jset(&ok, o, "known_fraud", json_integer(v->n_fraud));
			jpush(&ok, ents, o);
			if (v->status == EV_HUB || v->status == EV_WOULD_HUB) {
				json_t *h = json_object();

				if (h) {
					jset(&ok, h, "kind", jstr(v->it->kind));
					jset(&ok, h, "value", jstr(v->it->value));
					jset(&ok, h, "share", json_integer(v->share));
					jset(&ok, h, "max_share", json_integer(v->cap));
				}
				jpush(&ok, hubs, h);
			}
		}
		for (size_t i = 0; drop && i < r->n_dropped; i++) {
			o = json_object();
			if (o) {
				jset(&ok, o, "kind", jstr(r->dropped[i].kind));
				jset(&ok, o, "value", jstr(r->dropped[i].value));
				jset(&ok, o, "reason", json_string(r->dropped[i].why));
			}
			jpush(&ok, drop, o);
		}
		jset(&ok, root, "entities", ents);
		jset(&ok, root, "links", links);
		jset(&ok, root, "hubs", hubs);
		jset(&ok, root, "ignored", drop);
	}

	/* reasons: rings, nearest fraud, shared entities, direct links, hubs (explain's words) */
	for (size_t j = 0; j < x.n_rh; j++) {
		const ring_rec *g = &s->rings[x.rh[j].ring];
		const ev *v = &x.evs[x.rh[j].first_item];

		clip(v1, sizeof(v1), v->it->value, 40);
		if (v->is_link)
			fg_serve_add_reason(&ok, reasons, "would join ring %s (score %.3f, %lld users): %s to %s, one of its members%s",
			           S(s, g->key), g->score, (long long)g->counts[0], v->it->kind, v1,
			           x.rh[j].n_items > 1 ? ", and more" : "");
		else
			fg_serve_add_reason(&ok, reasons, "would join ring %s (score %.3f, %lld users): %s %s%s shared with %u of its members",
			           S(s, g->key), g->score, (long long)g->counts[0], v->it->kind, v1,
			           x.rh[j].n_items > 1 ? " and more" : "", x.rh[j].users);
	}
	if (nearest != NONE32) {
		clip(v1, sizeof(v1), S(s, s->u_id[nearest]), 40);
		fg_serve_add_reason(&ok, reasons, "nearest known fraud %s, %u hops", v1, nearest_hops);
	}
	for (size_t i = 0; i < x.n_evs; i++) {
		const ev *v = &x.evs[i];

		clip(v1, sizeof(v1), v->it->value, 40);
		if (v->status == EV_SHARED) {
			if (v->n_fraud)
				fg_serve_add_reason(&ok, reasons, "%s %s (shared by %u users, %u known fraud)", v->it->kind,
				           v1, v->share, v->n_fraud);
			else
				fg_serve_add_reason(&ok, reasons, "%s %s (shared by %u users)", v->it->kind, v1, v->share);
		} else if (v->status == EV_KNOWN_USER) {
			const char *lb = label_name(s->u_label[v->target]);

			fg_serve_add_reason(&ok, reasons, "%s to %s (%s, score %.3f)", v->it->kind, v1, lb ? lb : "unknown",
			           s->u_score[v->target]);
		}
	}
	for (size_t i = 0; i < x.n_evs; i++) {
		const ev *v = &x.evs[i];

		clip(v1, sizeof(v1), v->it->value, 40);
		if (v->status == EV_HUB)
			fg_serve_add_reason(&ok, reasons, "%s %s (hub: shared by %u users, kept out of rings)", v->it->kind,
			           v1, v->share);
		else if (v->status == EV_WOULD_HUB)
			fg_serve_add_reason(&ok, reasons, "%s %s (hub: shared by %u users with this account, above %u, kept out of rings)",
			           v->it->kind, v1, v->share + 1, v->cap);
	}
	if (x.n_td == 0) {
		clip(v2, sizeof(v2), r->user_id, 40);
		fg_serve_add_reason(&ok, reasons, "no identifier or user of %s is shared with a user of run %lld", v2,
		           (long long)s->run_id);
	}
	jset(&ok, root, "reasons", reasons);
	reasons = NULL;
	jset(&ok, root, "truncated", json_boolean(x.truncated));
	fg_serve_scratch_free(&x);
	return fg_serve_reply_json(out, 200, root, ok);
fail:
	fg_serve_scratch_free(&x);
	json_decref(root);
	json_decref(reasons);
	json_decref(mo);
	return rc;
}

