/*
 * fg_serve_request: a POST /v1/score body parsed (jansson) and normalised
 * as run reads its rows: the fuzzed entry point (tests/fuzz/).
 */
#include "fg_serve_internal.h"

#include <stdio.h>

size_t fg_serve_request_n_entities(const fg_serve_request *r) { return r->n_ent; }
size_t fg_serve_request_n_links(const fg_serve_request *r) { return r->n_link; }

static void items_free(item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fg_free(it[i].kind);
		fg_free(it[i].value);
	}
	fg_free(it);
}

void fg_serve_request_free(fg_serve_request **rp)
{
	fg_serve_request *r;

	if (!rp || !(r = *rp))
		return;
	fg_free(r->user_id);
	items_free(r->ent, r->n_ent);
	items_free(r->link, r->n_link);
	items_free(r->dropped, r->n_dropped);
	for (size_t i = 0; i < r->n_num; i++)
		fg_free(r->attr_name[i]);
	fg_free(r->attr_name);
	fg_free(r->attr_val);
	fg_free(r);
	*rp = NULL;
}

int fg_serve_normalise(char **kind_out, char **value_out, const char **why, const fg_config *cfg,
                       const char *kind, size_t kind_len, const char *value, size_t value_len)
{
	char q[64];
	char *k = NULL, *v = NULL;

	*kind_out = *value_out = NULL;
	*why = NULL;
	if (!fg_ingest_utf8_ok(kind, kind_len) || !fg_ingest_utf8_ok(value, value_len))
		return fg_error_set(FG_EDATA, "invalid UTF-8 or NUL byte in kind '%s'",
		                    fg_error_quote(q, sizeof(q), kind, kind_len));
	if (kind_len > cfg->max_field_len || value_len > cfg->max_field_len)
		return fg_error_set(FG_EDATA, "field of %zu bytes longer than %u (kind '%s')",
		                    kind_len > value_len ? kind_len : value_len, cfg->max_field_len,
		                    fg_error_quote(q, sizeof(q), kind, kind_len));
	kind = fg_ingest_trim(kind, &kind_len);
	value = fg_ingest_trim(value, &value_len);
	if (kind_len == 0 || value_len == 0) {
		*why = kind_len == 0 ? "empty kind" : "empty value";
		return 0;
	}
	/*
	 * Run's row path: the readers trim and lower-case the kind, then
	 * fg_config_normalise_value resolves the kind alias, normalises the value
	 * by its kind's class (email, phone, address) and says whether it is a
	 * placeholder, with the served run's own --kind-alias / --ignore-value.
	 */
	{
		char *lk = fg_strndup(kind, kind_len);
		const char *canon;
		size_t clen, vlen;

		if (!lk || !(v = fg_malloc(value_len + 1))) {
			fg_free(lk);
			return fg_error_set(FG_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < kind_len; i++)
			if (lk[i] >= 'A' && lk[i] <= 'Z')
				lk[i] = (char)(lk[i] + ('a' - 'A'));
		if (!fg_config_normalise_value(v, &vlen, &canon, &clen, cfg, lk, kind_len, value, value_len)) {
			fg_free(lk);
			fg_free(v);
			*why = "placeholder value";
			return 0;
		}
		v[vlen] = '\0';
		k = fg_strndup(canon, clen);
		fg_free(lk);
		if (!k) {
			fg_free(v);
			return fg_error_set(FG_ENOMEM, "out of memory");
		}
	}
	*kind_out = k;
	*value_out = v;
	return 1;
}

static int push_item(item **arr, size_t *n, char *kind, char *value, const char *why)
{
	item *p = fg_reallocarray(*arr, *n + 1, sizeof(item));

	if (!p) {
		fg_free(kind);
		fg_free(value);
		return fg_error_set(FG_ENOMEM, "out of memory");
	}
	*arr = p;
	p[*n].kind = kind;
	p[*n].value = value;
	p[*n].why = why;
	(*n)++;
	return FG_OK;
}

static bool has_item(const item *arr, size_t n, const char *kind, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(arr[i].kind, kind) && !strcmp(arr[i].value, value))
			return true;
	return false;
}

#define PARSE_FAIL(st, ...)                                     \
	do {                                                    \
		*status = (st);                                 \
		rc = fg_error_set((st) == 422 ? FG_EDATA : FG_EUSAGE, __VA_ARGS__); \
		goto cleanup;                                   \
	} while (0)

/*
 * One element of "entities" ({"kind","value"}) or "links" ({"kind","user_id"}):
 * normalised, then filed as an entity, a link (a relation kind, wherever it
 * was given: run reads such a row as a user-user link), or dropped.
 */
static int add_element(fg_serve_request *r, int *status, const fg_config *cfg, json_t *el,
                       bool is_link, size_t idx)
{
	const char *field = is_link ? "user_id" : "value", *list = is_link ? "links" : "entities";
	json_t *jk = json_object_get(el, "kind"), *jv = json_object_get(el, field);
	char *kind = NULL, *value = NULL;
	const char *why;
	int rc, kept;

	if (!json_is_object(el))
		PARSE_FAIL(400, "%s[%zu] is not an object", list, idx);
	if (!json_is_string(jk))
		PARSE_FAIL(400, "%s[%zu].kind is missing or not a string", list, idx);
	if (!json_is_string(jv))
		PARSE_FAIL(400, "%s[%zu].%s is missing or not a string", list, idx, field);
	kept = fg_serve_normalise(&kind, &value, &why, cfg, json_string_value(jk), json_string_length(jk),
	                          json_string_value(jv), json_string_length(jv));
	if (kept < 0) {
		*status = kept == FG_ENOMEM ? 500 : 422;
		rc = kept;
		goto cleanup;
	}
	if (kept == 0) {
		char *k = fg_strndup(json_string_value(jk), json_string_length(jk));
		char *v = fg_strndup(json_string_value(jv), json_string_length(jv));

		if (!k || !v) {
			fg_free(k);
			fg_free(v);
			*status = 500;
			rc = fg_error_set(FG_ENOMEM, "out of memory");
			goto cleanup;
		}
		rc = push_item(&r->dropped, &r->n_dropped, k, v, why);
		goto cleanup;
	}
	if (fg_config_is_relation(cfg, kind)) {
		if (!strcmp(value, r->user_id)) {
			rc = push_item(&r->dropped, &r->n_dropped, kind, value, "self link");
			kind = value = NULL;
		} else if (has_item(r->link, r->n_link, kind, value)) {
			rc = FG_OK; /* a duplicate, as run de-duplicates rows */
		} else {
			rc = push_item(&r->link, &r->n_link, kind, value, NULL);
			kind = value = NULL;
		}
	} else if (is_link) {
		PARSE_FAIL(422, "links[%zu].kind '%.40s' is not a user relation kind of this run", idx, kind);
	} else if (has_item(r->ent, r->n_ent, kind, value)) {
		rc = FG_OK;
	} else {
		rc = push_item(&r->ent, &r->n_ent, kind, value, NULL);
		kind = value = NULL;
	}
	if (rc)
		*status = 500;
cleanup:
	fg_free(kind);
	fg_free(value);
	return rc;
}

int fg_serve_request_parse(fg_serve_request **out, int *status, const fg_config *cfg,
                           const char *body, size_t len)
{
	fg_serve_request *r = NULL;
	fg_config defaults;
	json_error_t jerr;
	json_t *root = NULL, *uid, *ents, *links, *attrs, *explain;
	char q[64];
	int rc = FG_OK;

	*out = NULL;
	*status = 200;
	if (!cfg) {
		fg_config_init(&defaults);
		cfg = &defaults;
	}
	if (len > FG_SERVE_MAX_BODY)
		PARSE_FAIL(413, "request body of %zu bytes over the limit of %u", len, FG_SERVE_MAX_BODY);
	root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson's text may quote the input ("near 'x'"): cut it, logs never show the body */
		char *near = strstr(jerr.text, " near ");

		if (near)
			*near = '\0';
		PARSE_FAIL(400, "malformed JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(root))
		PARSE_FAIL(400, "the request is not a JSON object");
	uid = json_object_get(root, "user_id");
	if (!json_is_string(uid))
		PARSE_FAIL(400, "user_id is missing or not a string");
	ents = json_object_get(root, "entities");
	links = json_object_get(root, "links");
	attrs = json_object_get(root, "attributes");
	if (ents && !json_is_array(ents) && !json_is_null(ents))
		PARSE_FAIL(400, "entities is not an array");
	if (links && !json_is_array(links) && !json_is_null(links))
		PARSE_FAIL(400, "links is not an array");
	if (attrs && !json_is_object(attrs) && !json_is_null(attrs))
		PARSE_FAIL(400, "attributes is not an object");
	explain = json_object_get(root, "explain");
	if (explain && !json_is_boolean(explain))
		PARSE_FAIL(400, "explain is not true or false");
	if (json_array_size(ents) > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu entities in one request, the limit is %d", json_array_size(ents),
		           FG_SERVE_MAX_ITEMS);
	if (json_array_size(links) > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu links in one request, the limit is %d", json_array_size(links),
		           FG_SERVE_MAX_ITEMS);
	if (!(r = fg_calloc(1, sizeof(*r)))) {
		*status = 500;
		rc = fg_error_set(FG_ENOMEM, "out of memory");
		goto cleanup;
	}
	r->explain = !json_is_false(explain);
	{
		size_t n = json_string_length(uid);
		const char *p = json_string_value(uid);

		if (n > cfg->max_field_len)
			PARSE_FAIL(422, "user_id of %zu bytes longer than %u", n, cfg->max_field_len);
		p = fg_ingest_trim(p, &n);
		if (n == 0)
			PARSE_FAIL(400, "user_id is empty");
		if (!fg_ingest_utf8_ok(p, n))
			PARSE_FAIL(422, "user_id '%s' holds a NUL byte", fg_error_quote(q, sizeof(q), p, n));
		if (!(r->user_id = fg_strndup(p, n))) {
			*status = 500;
			rc = fg_error_set(FG_ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	for (size_t i = 0; i < json_array_size(ents); i++)
		if ((rc = add_element(r, status, cfg, json_array_get(ents, i), false, i)))
			goto cleanup;
	for (size_t i = 0; i < json_array_size(links); i++)
		if ((rc = add_element(r, status, cfg, json_array_get(links, i), true, i)))
			goto cleanup;
	if (r->n_link > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu links in one request (with the entities of relation kinds), the limit is %d",
		           r->n_link, FG_SERVE_MAX_ITEMS);
	r->n_attrs = json_object_size(attrs);
	if (r->n_attrs > FG_SERVE_MAX_ITEMS)
		PARSE_FAIL(422, "%zu attributes in one request, the limit is %d", r->n_attrs, FG_SERVE_MAX_ITEMS);
	if (r->n_attrs) {
		const char *key;
		json_t *val;

		r->attr_name = fg_calloc(r->n_attrs, sizeof(char *));
		r->attr_val = fg_calloc(r->n_attrs, sizeof(double));
		if (!r->attr_name || !r->attr_val) {
			*status = 500;
			rc = fg_error_set(FG_ENOMEM, "out of memory");
			goto cleanup;
		}
		/* numbers only: the model's attributes are the users input's numeric columns */
		json_object_foreach(attrs, key, val) {
			if (!json_is_number(val))
				continue;
			if (!(r->attr_name[r->n_num] = fg_strndup(key, strlen(key)))) {
				*status = 500;
				rc = fg_error_set(FG_ENOMEM, "out of memory");
				goto cleanup;
			}
			r->attr_val[r->n_num++] = json_number_value(val);
		}
	}
	*out = r;
	r = NULL;
cleanup:
	json_decref(root);
	fg_serve_request_free(&r);
	return rc;
}

