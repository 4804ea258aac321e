/*
 * fg_serve_score: the answer of POST /v1/score: the rule score from the
 * request's evidence (fg_serve_evidence.c), the learned model's score and
 * SHAP reasons where the snapshot holds a model, and the JSON answer
 * (docs/serve.md).
 *
 * The answer is built and printed with json-c, not jansson as the rest of
 * serve: for this answer (some 25 objects and arrays, 60 values) jansson's
 * building and dump were about half the request's CPU, json-c's take about
 * half of that (bench/bench_json, docs/serve.md "Speed").  The text is
 * jansson's byte for byte (compact, reals as JSON_REAL_PRECISION(6):
 * fg_serve_jsonc_real) except the hex digits of an escaped control character,
 * which json-c writes in lower case (\u001b, jansson \u001B).  json-c has
 * no allocator hook, so these values come from malloc, not the request's
 * arena (fg_json_arena only serves jansson).
 */
#define __STDC_WANT_IEC_60559_BFP_EXT__ 1 /* strfromd (fg_text.h) */
#define FG_SERVE_JSONC
#include "fg_serve_internal.h"

#include "fg_kinds.h"
#include "fg_text.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct json_object jo;

/*
 * Value makers: NULL is JSON null to json-c, so an allocation that fails
 * clears *ok instead (the answer becomes a 500).
 */
static jo *cnum(bool *ok, double v)
{
	jo *j;

	if (!isfinite(v))
		return NULL;
	if (!(j = json_object_new_double(v))) {
		*ok = false;
		return NULL;
	}
	json_object_set_serializer(j, fg_serve_jsonc_real, NULL, NULL);
	return j;
}

static jo *cint(bool *ok, int64_t v)
{
	jo *j = json_object_new_int64(v);

	if (!j) {
		*ok = false;
		return NULL;
	}
	json_object_set_serializer(j, fg_serve_jsonc_int, NULL, NULL);
	return j;
}

static jo *cbool(bool *ok, bool v)
{
	jo *j = json_object_new_boolean(v);

	*ok &= j != NULL;
	return j;
}

/* A string as jstr: as is if valid UTF-8, else with bytes escaped; NULL s: null. */
static jo *cstr(bool *ok, const char *s)
{
	char buf[256];
	size_t n;
	jo *j;

	if (!s)
		return NULL;
	n = strlen(s);
	if (!fg_ingest_utf8_ok(s, n)) {
		s = fg_error_quote(buf, sizeof(buf), s, n);
		n = strlen(s);
	}
	j = json_object_new_string_len(s, (int)n);
	*ok &= j != NULL;
	return j;
}

static jo *cobj(bool *ok)
{
	jo *j = json_object_new_object();

	*ok &= j != NULL;
	return j;
}

static jo *carr(bool *ok)
{
	jo *j = json_object_new_array();

	*ok &= j != NULL;
	return j;
}

/* o[k] = v (v consumed; NULL: null).  k must outlive o (a literal) and be new in o. */
static void cset(bool *ok, jo *o, const char *k, jo *v)
{
	if (!o || json_object_object_add_ex(o, k, v, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)) {
		json_object_put(v);
		*ok = false;
	}
}

static void cpush(bool *ok, jo *a, jo *v)
{
	if (!a || json_object_array_add(a, v)) {
		json_object_put(v);
		*ok = false;
	}
}

/*
 * A reason (at most 511 bytes, as fg_serve_add_reason's vsnprintf) appended
 * to reasons.  The rule's sentences are built with fg_text, not printf (its
 * slow path in this process: fg_text.h); each case below gives the printf
 * form whose bytes it makes.
 */
static void push_text(bool *ok, jo *reasons, const fg_text *t)
{
	cpush(ok, reasons, cstr(ok, t->s));
}

/*
 * The reply: root's compact text (root consumed), copied out of json-c's
 * buffer for the HTTP layer (which frees it); 500 with FG_ENOMEM if !ok.
 */
static int reply(fg_serve_reply *out, jo *root, bool ok)
{
	size_t len = 0;
	const char *text = ok && root ? json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN |
	                                JSON_C_TO_STRING_NOSLASHESCAPE, &len) : NULL;
	char *body = text ? malloc(len + 1) : NULL;

	if (body)
		memcpy(body, text, len + 1);
	json_object_put(root);
	out->allow = NULL;
	if (!body) {
		out->status = 500;
		out->body = NULL;
		out->len = 0;
		return fg_error_set(FG_ENOMEM, "out of memory building the answer");
	}
	out->status = 200;
	out->body = body;
	out->len = len;
	return FG_OK;
}

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
static int model_answer(jo **out, double *score, const fg_snapshot *s,
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
	bool ok = true, explain;
	jo *o = cobj(&ok), *rs = carr(&ok);
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
	cset(&ok, o, "score", cnum(&ok, p));
	cset(&ok, o, "booster", cint(&ok, k));
	nt = explain ? fg_model_top_contributions(top, contrib, nc, FG_MODEL_REASONS) : 0;
	for (int i = 0; i < nt; i++) {
		const char *name = fg_features_name(m->f, top[i]);
		fg_model_entity e;
		char text[200];
		jo *ro = cobj(&ok);
		bool has_e = model_reason_entity(&e, s, x, name, mask);

		fg_model_reason_text(text, sizeof(text), name, row[top[i]], contrib[top[i]], has_e ? &e : NULL);
		cset(&ok, ro, "feature", cstr(&ok, name));
		cset(&ok, ro, "value", isnan(row[top[i]]) ? NULL : cnum(&ok, row[top[i]]));
		cset(&ok, ro, "contribution", cnum(&ok, contrib[top[i]]));
		cset(&ok, ro, "text", cstr(&ok, text));
		cpush(&ok, rs, ro);
	}
	cset(&ok, o, "reasons", rs);
	rs = NULL;
	if (!ok) {
		rc = fg_error_set(FG_ENOMEM, "out of memory scoring a request with the model");
		goto cleanup;
	}
	*out = o;
	o = NULL;
cleanup:
	json_object_put(o);
	json_object_put(rs);
	fg_free(items);
	fg_free(row);
	fg_free(contrib);
	fg_free(attrs);
	return rc;
}

int fg_serve_score_request(fg_serve_reply *out, const fg_snapshot *s, const fg_serve_request *r)
{
	scratch x;
	bool ok = true;
	jo *root = cobj(&ok), *arr, *o, *reasons = carr(&ok);
	uint32_t self = find_user(s, r->user_id, strlen(r->user_id));
	double risk_part = 0.0, ring_part = 0.0, score, model_score = 0.0;
	jo *mo = NULL;
	uint32_t nearest = NONE32, nearest_hops = UINT32_MAX;
	char v1[96], v2[96], text[512];
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
	cset(&ok, root, "format", cstr(&ok, "fraudgraph.score/1"));
	cset(&ok, root, "run_id", cint(&ok, s->run_id));
	cset(&ok, root, "user_id", cstr(&ok, r->user_id));
	cset(&ok, root, "score", cnum(&ok, mo ? model_score : score));
	cset(&ok, root, "rule_score", cnum(&ok, score));
	o = cobj(&ok);
	cset(&ok, o, "risk", cnum(&ok, risk_part));
	cset(&ok, o, "ring", cnum(&ok, ring_part));
	cset(&ok, root, "factors", o);
	cset(&ok, root, "model", mo); /* NULL without a model: null */
	mo = NULL;
	if (self != NONE32) {
		o = cobj(&ok);
		cset(&ok, o, "user_id", cstr(&ok, S(s, s->u_id[self])));
		cset(&ok, o, "label", label_name(s->u_label[self]) ? cstr(&ok, label_name(s->u_label[self])) : NULL);
		cset(&ok, o, "score", cnum(&ok, s->u_score[self]));
		cset(&ok, o, "ring_key", s->u_ring[self] >= 0 ? cstr(&ok, S(s, s->rings[s->u_ring[self]].key)) : NULL);
		cset(&ok, root, "known_user", o);
	} else {
		cset(&ok, root, "known_user", NULL);
	}

	/* rings */
	arr = carr(&ok);
	for (size_t j = 0; arr && j < x.n_rh; j++) {
		const ring_rec *g = &s->rings[x.rh[j].ring];

		o = cobj(&ok);
		cset(&ok, o, "ring_key", cstr(&ok, S(s, g->key)));
		cset(&ok, o, "ring_score", cnum(&ok, g->score));
		cset(&ok, o, "status", cstr(&ok, S(s, g->status)));
		cset(&ok, o, "n_users", cint(&ok, g->counts[0]));
		cset(&ok, o, "shared_users", cint(&ok, x.rh[j].users));
		cset(&ok, o, "tie", cnum(&ok, x.rh[j].tie));
		cset(&ok, o, "join_score", cnum(&ok, x.rh[j].part));
		cpush(&ok, arr, o);
	}
	cset(&ok, root, "rings", arr);

	/* components, in component_id order */
	arr = carr(&ok);
	if (arr && s->n_comps) {
		uint32_t *cs = fg_mallocarray(x.n_td ? x.n_td : 1, sizeof(uint32_t));
		size_t nc = 0;

		if (!cs) {
			json_object_put(arr);
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
			o = cobj(&ok);
			cset(&ok, o, "component_id", cint(&ok, c->component_id));
			cset(&ok, o, "component_score", cnum(&ok, c->score));
			cset(&ok, o, "n_users", cint(&ok, c->n_users));
			cset(&ok, o, "shared_users", cint(&ok, (int64_t)(k - i + 1)));
			cpush(&ok, arr, o);
			i = k;
		}
		fg_free(cs);
	}
	cset(&ok, root, "components", arr);

	/* known fraud */
	arr = carr(&ok);
	for (size_t i = 0; arr && i < x.n_sh; i++) {
		o = cobj(&ok);
		cset(&ok, o, "user_id", cstr(&ok, S(s, s->u_id[x.sh[i].seed])));
		cset(&ok, o, "hops", cint(&ok, x.sh[i].hops));
		cset(&ok, o, "via", x.sh[i].via == NONE32 ? NULL : cstr(&ok, S(s, s->u_id[x.sh[i].via])));
		cpush(&ok, arr, o);
	}
	cset(&ok, root, "known_fraud", arr);
	if (nearest != NONE32) {
		o = cobj(&ok);
		cset(&ok, o, "user_id", cstr(&ok, S(s, s->u_id[nearest])));
		cset(&ok, o, "hops", cint(&ok, nearest_hops));
		cset(&ok, root, "nearest_seed", o);
	} else {
		cset(&ok, root, "nearest_seed", NULL);
	}

	/* entities, links, hubs as given */
	{
		jo *ents = carr(&ok), *links = carr(&ok), *hubs = carr(&ok), *drop = carr(&ok);

		for (size_t i = 0; ok && i < x.n_evs; i++) {
			const ev *v = &x.evs[i];

			o = cobj(&ok);
			cset(&ok, o, "kind", cstr(&ok, v->it->kind));
			cset(&ok, o, v->is_link ? "user_id" : "value", cstr(&ok, v->it->value));
			cset(&ok, o, "status", cstr(&ok, ev_status[v->status]));
			if (v->is_link) {
				if (v->target != NONE32) {
					cset(&ok, o, "label", label_name(s->u_label[v->target])
					                       ? cstr(&ok, label_name(s->u_label[v->target])) : NULL);
					cset(&ok, o, "score", cnum(&ok, s->u_score[v->target]));
				}
				cpush(&ok, links, o);
				continue;
			}
			cset(&ok, o, "share", cint(&ok, v->share));
			cset(&ok, o, "hub", cbool(&ok, v->status == EV_HUB || v->status == EV_WOULD_HUB));
			cset(&ok, o, "weight", cnum(&ok, v->w));
			cset(&ok, o, "known_fraud", cint(&ok, v->n_fraud));
			cpush(&ok, ents, o);
			if (v->status == EV_HUB || v->status == EV_WOULD_HUB) {
				jo *h = cobj(&ok);

				cset(&ok, h, "kind", cstr(&ok, v->it->kind));
				cset(&ok, h, "value", cstr(&ok, v->it->value));
				cset(&ok, h, "share", cint(&ok, v->share));
				cset(&ok, h, "max_share", cint(&ok, v->cap));
				cpush(&ok, hubs, h);
			}
		}
		for (size_t i = 0; ok && i < r->n_dropped; i++) {
			o = cobj(&ok);
			cset(&ok, o, "kind", cstr(&ok, r->dropped[i].kind));
			cset(&ok, o, "value", cstr(&ok, r->dropped[i].value));
			cset(&ok, o, "reason", cstr(&ok, r->dropped[i].why));
			cpush(&ok, drop, o);
		}
		cset(&ok, root, "entities", ents);
		cset(&ok, root, "links", links);
		cset(&ok, root, "hubs", hubs);
		cset(&ok, root, "ignored", drop);
	}

	/* reasons: rings, nearest fraud, shared entities, direct links, hubs (explain's words) */
	for (size_t j = 0; j < x.n_rh; j++) {
		const ring_rec *g = &s->rings[x.rh[j].ring];
		const ev *v = &x.evs[x.rh[j].first_item];
		fg_text t = fg_text_start(text, sizeof(text));

		/*
		 * "would join ring %s (score %.3f, %lld users): %s to %s, one of its members%s"
		 * (a link), "would join ring %s (score %.3f, %lld users): %s %s%s shared with
		 * %u of its members" (an entity)
		 */
		clip(v1, sizeof(v1), v->it->value, 40);
		fg_text_puts(&t, "would join ring ");
		fg_text_puts(&t, S(s, g->key));
		fg_text_puts(&t, " (score ");
		fg_text_real(&t, "%.3f", g->score, 0);
		fg_text_puts(&t, ", ");
		fg_text_int(&t, g->counts[0]);
		fg_text_puts(&t, " users): ");
		fg_text_puts(&t, v->it->kind);
		fg_text_puts(&t, v->is_link ? " to " : " ");
		fg_text_puts(&t, v1);
		if (v->is_link) {
			fg_text_puts(&t, ", one of its members");
			fg_text_puts(&t, x.rh[j].n_items > 1 ? ", and more" : "");
		} else {
			fg_text_puts(&t, x.rh[j].n_items > 1 ? " and more" : "");
			fg_text_puts(&t, " shared with ");
			fg_text_int(&t, x.rh[j].users);
			fg_text_puts(&t, " of its members");
		}
		push_text(&ok, reasons, &t);
	}
	if (nearest != NONE32) { /* "nearest known fraud %s, %u hops" */
		fg_text t = fg_text_start(text, sizeof(text));

		clip(v1, sizeof(v1), S(s, s->u_id[nearest]), 40);
		fg_text_puts(&t, "nearest known fraud ");
		fg_text_puts(&t, v1);
		fg_text_puts(&t, ", ");
		fg_text_int(&t, nearest_hops);
		fg_text_puts(&t, " hops");
		push_text(&ok, reasons, &t);
	}
	for (size_t i = 0; i < x.n_evs; i++) {
		const ev *v = &x.evs[i];
		fg_text t = fg_text_start(text, sizeof(text));

		if (v->status != EV_SHARED && v->status != EV_KNOWN_USER)
			continue;
		clip(v1, sizeof(v1), v->it->value, 40);
		fg_text_puts(&t, v->it->kind);
		if (v->status == EV_SHARED) {
			/* "%s %s (shared by %u users, %u known fraud)", "%s %s (shared by %u users)" */
			fg_text_puts(&t, " ");
			fg_text_puts(&t, v1);
			fg_text_puts(&t, " (shared by ");
			fg_text_int(&t, v->share);
			fg_text_puts(&t, " users");
			if (v->n_fraud) {
				fg_text_puts(&t, ", ");
				fg_text_int(&t, v->n_fraud);
				fg_text_puts(&t, " known fraud");
			}
			fg_text_puts(&t, ")");
		} else { /* "%s to %s (%s, score %.3f)" */
			const char *lb = label_name(s->u_label[v->target]);

			fg_text_puts(&t, " to ");
			fg_text_puts(&t, v1);
			fg_text_puts(&t, " (");
			fg_text_puts(&t, lb ? lb : "unknown");
			fg_text_puts(&t, ", score ");
			fg_text_real(&t, "%.3f", s->u_score[v->target], 0);
			fg_text_puts(&t, ")");
		}
		push_text(&ok, reasons, &t);
	}
	for (size_t i = 0; i < x.n_evs; i++) {
		const ev *v = &x.evs[i];
		fg_text t = fg_text_start(text, sizeof(text));

		if (v->status != EV_HUB && v->status != EV_WOULD_HUB)
			continue;
		/*
		 * "%s %s (hub: shared by %u users, kept out of rings)", "%s %s (hub: shared by
		 * %u users with this account, above %u, kept out of rings)"
		 */
		clip(v1, sizeof(v1), v->it->value, 40);
		fg_text_puts(&t, v->it->kind);
		fg_text_puts(&t, " ");
		fg_text_puts(&t, v1);
		fg_text_puts(&t, " (hub: shared by ");
		if (v->status == EV_HUB) {
			fg_text_int(&t, v->share);
			fg_text_puts(&t, " users");
		} else {
			fg_text_int(&t, (unsigned)(v->share + 1));
			fg_text_puts(&t, " users with this account, above ");
			fg_text_int(&t, v->cap);
		}
		fg_text_puts(&t, ", kept out of rings)");
		push_text(&ok, reasons, &t);
	}
	if (x.n_td == 0) { /* "no identifier or user of %s is shared with a user of run %lld" */
		fg_text t = fg_text_start(text, sizeof(text));

		clip(v2, sizeof(v2), r->user_id, 40);
		fg_text_puts(&t, "no identifier or user of ");
		fg_text_puts(&t, v2);
		fg_text_puts(&t, " is shared with a user of run ");
		fg_text_int(&t, s->run_id);
		push_text(&ok, reasons, &t);
	}
	cset(&ok, root, "reasons", reasons);
	reasons = NULL;
	cset(&ok, root, "truncated", cbool(&ok, x.truncated));
	fg_serve_scratch_free(&x);
	return reply(out, root, ok);
fail:
	fg_serve_scratch_free(&x);
	json_object_put(root);
	json_object_put(reasons);
	json_object_put(mo);
	return rc;
}

