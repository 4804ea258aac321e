/*
 * fg_serve_answer: routing a request to its endpoint, the GET answers
 * (users, rings, entities, healthz) and the JSON replies and errors.
 */
#include "fg_serve_internal.h"

#include "fg_json_arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *const fg_serve_ep_names[FG_SERVE_N_EP] = {
	"score", "user", "ring", "entity", "healthz", "metrics", "other",
};

int fg_serve_reply_json(fg_serve_reply *out, int status, json_t *root, bool ok)
{
	char *body = ok ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	size_t len = body ? strlen(body) : 0;

	json_decref(root);
	if (body && fg_json_arena_owns(body)) {
		/* the text outlives the request (the HTTP layer frees it): out of the arena */
		char *copy = malloc(len + 1);
		json_free_t arena_free;

		if (copy)
			memcpy(copy, body, len + 1);
		json_get_alloc_funcs(NULL, &arena_free);
		arena_free(body);
		body = copy;
	}
	if (!body) {
		out->status = 500;
		out->body = NULL;
		out->len = 0;
		out->allow = NULL;
		return fg_error_set(FG_ENOMEM, "out of memory building the answer");
	}
	out->status = status;
	out->body = body;
	out->len = len;
	out->allow = NULL;
	return FG_OK;
}

int fg_serve_error_reply(fg_serve_reply *out, int status, const char *msg)
{
	json_t *root = json_object(), *e = json_object();
	bool ok = root && e;

	if (ok) {
		jset(&ok, e, "status", json_integer(status));
		jset(&ok, e, "message", jstr(msg));
		jset(&ok, root, "error", e);
	} else {
		json_decref(e);
	}
	if (fg_serve_reply_json(out, status, root, ok) == FG_OK)
		return FG_OK;
	/* out of memory: a static answer, still JSON */
	out->body = strdup("{\"error\":{\"status\":500,\"message\":\"out of memory\"}}");
	out->status = 500;
	out->len = out->body ? strlen(out->body) : 0;
	return FG_ENOMEM;
}

void fg_serve_add_reason(bool *ok, json_t *reasons, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	jpush(ok, reasons, jstr(buf));
}


/* ---- GET answers -------------------------------------------------------- */

static json_t *ring_json(const fg_snapshot *s, uint32_t gi, bool *ok)
{
	const ring_rec *g = &s->rings[gi];
	json_t *o = json_object(), *f = json_object(), *c = json_object();

	if (!o || !f || !c) {
		json_decref(o);
		json_decref(f);
		json_decref(c);
		*ok = false;
		return NULL;
	}
	jset(ok, o, "ring_id", json_integer(g->ring_id));
	jset(ok, o, "ring_key", jstr(S(s, g->key)));
	jset(ok, o, "status", jstr(S(s, g->status)));
	jset(ok, o, "first_run_id", g->first_run_id >= 0 ? json_integer(g->first_run_id) : json_null());
	jset(ok, o, "component_id", g->comp >= 0 ? json_integer(s->comps[g->comp].component_id) : json_null());
	jset(ok, o, "ring_score", jnum(g->score));
	for (int i = 0; i < FG_SNAP_RING_NFACTORS; i++)
		jset(ok, f, fg_snap_ring_factor_names[i], jnum(g->factors[i]));
	for (int i = 0; i < FG_SNAP_RING_NCOUNTS; i++)
		jset(ok, c, fg_snap_ring_count_names[i], json_integer(g->counts[i]));
	jset(ok, o, "factors", f);
	jset(ok, o, "counts", c);
	return o;
}

static int answer_user(fg_serve_reply *out, const fg_snapshot *s, const char *id)
{
	uint32_t u = find_user(s, id, strlen(id));
	json_t *root, *o, *arr, *reasons;
	bool ok = true;
	char msg[160], v1[96];

	if (u == NONE32) {
		clip(v1, sizeof(v1), id, 60);
		snprintf(msg, sizeof(msg), "user '%s' is not in run %lld", v1, (long long)s->run_id);
		return fg_serve_error_reply(out, 404, msg);
	}
	root = json_object();
	o = user_ref(s, u);
	reasons = json_array();
	if (!root || !o || !reasons) {
		json_decref(o);
		json_decref(reasons);
		return fg_serve_reply_json(out, 500, root, false);
	}
	jset(&ok, root, "format", json_string("fraudgraph.user/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, o, "risk", jnum(s->u_risk[u]));
	jset(&ok, o, "risk_norm", jnum(s->u_risk_norm[u]));
	jset(&ok, o, "risk_pct", jnum(s->u_risk_pct[u]));
	jset(&ok, o, "component_id", s->u_comp[u] >= 0 ? json_integer(s->comps[s->u_comp[u]].component_id) : json_null());
	jset(&ok, o, "ring_id", s->u_ring[u] >= 0 ? json_integer(s->rings[s->u_ring[u]].ring_id) : json_null());
	jset(&ok, o, "ring_key", s->u_ring[u] >= 0 ? jstr(S(s, s->rings[s->u_ring[u]].key)) : json_null());
	jset(&ok, o, "nearest_seed", s->u_nearest[u] != NONE32 ? jstr(S(s, s->u_id[s->u_nearest[u]])) : json_null());
	jset(&ok, o, "seed_hops", s->u_hops[u] >= 0 ? json_integer(s->u_hops[u]) : json_null());
	jset(&ok, o, "created_at", s->u_created[u] != INT64_MIN ? json_integer(s->u_created[u]) : json_null());
	jset(&ok, root, "user", o);
	jset(&ok, root, "ring", s->u_ring[u] >= 0 ? ring_json(s, (uint32_t)s->u_ring[u], &ok) : json_null());
	if (s->u_ring[u] >= 0) {
		const ring_rec *g = &s->rings[s->u_ring[u]];

		fg_serve_add_reason(&ok, reasons, "ring %s (score %.3f, %lld users, %lld known fraud)", S(s, g->key),
		           g->score, (long long)g->counts[0], (long long)g->counts[1]);
	}
	if (s->u_nearest[u] != NONE32 && s->u_hops[u] >= 0) {
		clip(v1, sizeof(v1), S(s, s->u_id[s->u_nearest[u]]), 40);
		fg_serve_add_reason(&ok, reasons, "nearest known fraud %s, %d hops", v1, s->u_hops[u]);
	}
	arr = json_array();
	for (uint32_t a = s->ue_off[u]; arr && a < s->ue_off[u + 1]; a++) {
		uint32_t e = s->ue_adj[a];
		json_t *evj = json_object(), *others = json_array();
		size_t listed = 0, total = 0;

		if (!evj || !others) {
			json_decref(evj);
			json_decref(others);
			ok = false;
			break;
		}
		jset(&ok, evj, "entity_id", json_integer(s->e_eid[e]));
		jset(&ok, evj, "kind", jstr(kind_of_entity(s, e)));
		jset(&ok, evj, "value", jstr(S(s, s->e_value[e])));
		jset(&ok, evj, "share", json_integer(s->e_share[e]));
		jset(&ok, evj, "hub", json_boolean(s->e_hub[e]));
		for (uint32_t b = s->eu_off[e]; b < s->eu_off[e + 1]; b++) {
			if (s->eu_adj[b] == u)
				continue;
			total++;
			if (listed < FG_SERVE_MAX_LIST) {
				jpush(&ok, others, user_ref(s, s->eu_adj[b]));
				listed++;
			}
		}
		jset(&ok, evj, "others", others);
		jset(&ok, evj, "more", json_integer(s->e_hub[e] ? (json_int_t)s->e_share[e] - 1 : (json_int_t)(total - listed)));
		jpush(&ok, arr, evj);
		clip(v1, sizeof(v1), S(s, s->e_value[e]), 40);
		if (s->e_hub[e])
			fg_serve_add_reason(&ok, reasons, "%s %s (hub: shared by %u users, kept out of rings)",
			           kind_of_entity(s, e), v1, s->e_share[e]);
		else if (s->e_share[e] >= 2)
			fg_serve_add_reason(&ok, reasons, "%s %s (shared by %u users)", kind_of_entity(s, e), v1, s->e_share[e]);
	}
	jset(&ok, root, "evidence", arr);
	arr = json_array();
	for (uint32_t b = s->uu_off[u]; arr && b < s->uu_off[u + 1]; b++) {
		json_t *l = json_object();

		if (l) {
			jset(&ok, l, "kind", jstr(S(s, s->kind[s->uu_kind[b]])));
			jset(&ok, l, "user", user_ref(s, s->uu_adj[b]));
		}
		jpush(&ok, arr, l);
	}
	jset(&ok, root, "user_links", arr);
	jset(&ok, root, "reasons", reasons);
	return fg_serve_reply_json(out, 200, root, ok);
}

static int answer_ring(fg_serve_reply *out, const fg_snapshot *s, const char *key)
{
	uint32_t g = find_ring_key(s, key, strlen(key));
	json_t *root, *arr;
	bool ok = true;
	char msg[160], v1[96];
	uint32_t *m = NULL;
	size_t n;

	if (g == NONE32) {
		clip(v1, sizeof(v1), key, 60);
		snprintf(msg, sizeof(msg), "ring '%s' is not in run %lld", v1, (long long)s->run_id);
		return fg_serve_error_reply(out, 404, msg);
	}
	root = json_object();
	arr = json_array();
	if (!root || !arr) {
		json_decref(arr);
		return fg_serve_reply_json(out, 500, root, false);
	}
	jset(&ok, root, "format", json_string("fraudgraph.ring/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, root, "ring", ring_json(s, g, &ok));
	/* members by score, highest first (ties: user id) */
	n = s->ring_off[g + 1] - s->ring_off[g];
	m = fg_mallocarray(n ? n : 1, sizeof(uint32_t));
	if (!m) {
		json_decref(arr);
		return fg_serve_reply_json(out, 500, root, false);
	}
	memcpy(m, s->ring_users + s->ring_off[g], n * sizeof(uint32_t));
	for (size_t i = 1; i < n; i++) { /* insertion sort: rings are small, and it is stable */
		uint32_t x = m[i];
		size_t j = i;

		while (j > 0 && s->u_score[m[j - 1]] < s->u_score[x]) {
			m[j] = m[j - 1];
			j--;
		}
		m[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		jpush(&ok, arr, user_ref(s, m[i]));
	fg_free(m);
	jset(&ok, root, "members", arr);
	return fg_serve_reply_json(out, 200, root, ok);
}

static int answer_entity(fg_serve_reply *out, const fg_snapshot *s, const char *path)
{
	const char *slash = strchr(path, '/'), *why;
	char *kind = NULL, *value = NULL;
	char msg[200], v1[96];
	uint32_t e;
	json_t *root, *o, *users, *rings;
	bool ok = true;
	int kept;

	if (!slash || slash == path || !slash[1])
		return fg_serve_error_reply(out, 404, "expected /v1/entities/{kind}/{value}");
	kept = fg_serve_normalise(&kind, &value, &why, &s->cfg, path, (size_t)(slash - path), slash + 1,
	                          strlen(slash + 1));
	if (kept < 0)
		return fg_serve_error_reply(out, kept == FG_ENOMEM ? 500 : 422, fg_error_msg());
	if (kept == 0)
		return fg_serve_error_reply(out, 404, why);
	e = find_entity(s, kind, value, strlen(value));
	if (e == NONE32) {
		clip(v1, sizeof(v1), value, 60);
		snprintf(msg, sizeof(msg), "%.32s '%s' is not in run %lld (entities of lone users are not stored)",
		         kind, v1, (long long)s->run_id);
		fg_free(kind);
		fg_free(value);
		return fg_serve_error_reply(out, 404, msg);
	}
	fg_free(kind);
	fg_free(value);
	root = json_object();
	o = json_object();
	users = json_array();
	rings = json_array();
	if (!root || !o || !users || !rings) {
		json_decref(o);
		json_decref(users);
		json_decref(rings);
		return fg_serve_reply_json(out, 500, root, false);
	}
	jset(&ok, root, "format", json_string("fraudgraph.entity/1"));
	jset(&ok, root, "run_id", json_integer(s->run_id));
	jset(&ok, o, "entity_id", json_integer(s->e_eid[e]));
	jset(&ok, o, "kind", jstr(kind_of_entity(s, e)));
	jset(&ok, o, "value", jstr(S(s, s->e_value[e])));
	jset(&ok, o, "share", json_integer(s->e_share[e]));
	jset(&ok, o, "hub", json_boolean(s->e_hub[e]));
	jset(&ok, o, "max_share", json_integer(fg_config_kind_max_share(&s->cfg, kind_of_entity(s, e))));
	jset(&ok, o, "component_id", s->e_comp[e] >= 0 ? json_integer(s->comps[s->e_comp[e]].component_id) : json_null());
	jset(&ok, root, "entity", o);
	{
		size_t listed = 0, total = 0;
		uint32_t seen[16];
		size_t n_seen = 0;

		for (uint32_t b = s->eu_off[e]; b < s->eu_off[e + 1]; b++) {
			uint32_t u = s->eu_adj[b];
			int32_t g = s->u_ring[u];

			total++;
			if (listed < FG_SERVE_MAX_LIST) {
				jpush(&ok, users, user_ref(s, u));
				listed++;
			}
			if (g >= 0) {
				bool dup = false;

				for (size_t k = 0; k < n_seen; k++)
					dup |= seen[k] == (uint32_t)g;
				if (!dup && n_seen < 16) {
					json_t *r = json_object();

					seen[n_seen++] = (uint32_t)g;
					if (r) {
						jset(&ok, r, "ring_key", jstr(S(s, s->rings[g].key)));
						jset(&ok, r, "ring_score", jnum(s->rings[g].score));
					}
					jpush(&ok, rings, r);
				}
			}
		}
		jset(&ok, root, "users", users);
		jset(&ok, root, "more", json_integer(s->e_hub[e] ? (json_int_t)s->e_share[e] : (json_int_t)(total - listed)));
		jset(&ok, root, "rings", rings);
	}
	return fg_serve_reply_json(out, 200, root, ok);
}

static int answer_healthz(fg_serve_reply *out, const fg_snapshot *s)
{
	json_t *root = json_object();
	bool ok = root != NULL;

	if (ok) {
		jset(&ok, root, "status", json_string("ok"));
		jset(&ok, root, "run_id", json_integer(s->run_id));
		jset(&ok, root, "finished_at", jstr(s->finished_at));
		jset(&ok, root, "users", json_integer((json_int_t)s->n_users));
		jset(&ok, root, "model", jstr(s->model_status));
	}
	return fg_serve_reply_json(out, 200, root, ok);
}

static int method_not_allowed(fg_serve_reply *out, const char *allow)
{
	char msg[80];
	int rc;

	snprintf(msg, sizeof(msg), "method not allowed; use %s", allow);
	rc = fg_serve_error_reply(out, 405, msg);
	out->allow = allow;
	return rc;
}

static const char *after_prefix(const char *url, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(url, prefix, n) == 0 ? url + n : NULL;
}

static int route(fg_serve_reply *out, int *endpoint, const fg_snapshot *s, const char *method,
                 const char *url, const char *body, size_t len)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	const char *rest;

	memset(out, 0, sizeof(*out));
	if (!strcmp(url, "/v1/score")) {
		fg_serve_request *r = NULL;
		int status, rc;

		*endpoint = FG_SERVE_EP_SCORE;
		if (!post)
			return method_not_allowed(out, "POST");
		rc = fg_serve_request_parse(&r, &status, &s->cfg, body, len);
		if (rc) {
			if (rc == FG_ENOMEM)
				status = 500;
			return fg_serve_error_reply(out, status, fg_error_msg());
		}
		rc = fg_serve_score_request(out, s, r);
		fg_serve_request_free(&r);
		if (rc)
			return fg_serve_error_reply(out, 500, fg_error_msg());
		return FG_OK;
	}
	if (!strcmp(url, "/healthz")) {
		*endpoint = FG_SERVE_EP_HEALTHZ;
		return get ? answer_healthz(out, s) : method_not_allowed(out, "GET");
	}
	if ((rest = after_prefix(url, "/v1/users/")) && *rest) {
		*endpoint = FG_SERVE_EP_USER;
		return get ? answer_user(out, s, rest) : method_not_allowed(out, "GET");
	}
	if ((rest = after_prefix(url, "/v1/rings/")) && *rest) {
		*endpoint = FG_SERVE_EP_RING;
		return get ? answer_ring(out, s, rest) : method_not_allowed(out, "GET");
	}
	if ((rest = after_prefix(url, "/v1/entities/")) && *rest) {
		*endpoint = FG_SERVE_EP_ENTITY;
		return get ? answer_entity(out, s, rest) : method_not_allowed(out, "GET");
	}
	*endpoint = FG_SERVE_EP_OTHER;
	return fg_serve_error_reply(out, 404, "no such path (see docs/serve.md)");
}


int fg_serve_answer(fg_serve_reply *out, int *endpoint, const fg_snapshot *s, const char *method,
                    const char *url, const char *body, size_t len)
{
	int rc;

	fg_json_arena_begin();
	rc = route(out, endpoint, s, method, url, body, len);
	fg_json_arena_end();
	return rc;
}
