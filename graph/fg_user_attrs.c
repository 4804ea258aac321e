/* fg_user_attrs: see fg_user_attrs.h. */
#include "fg_user_attrs.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_log.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Invariants: names[0..n) distinct, NUL-terminated; col[a] holds ucap
 * floats (NULL when ucap == 0); text[a] set once a non-numeric value of a
 * was seen, with example[a] its first one ("file:line: \"value\"").
 */
typedef struct attr {
	char *name;
	float *col;
	bool text;
	char example[160];
} attr;

struct fg_attrset {
	attr *a;
	uint32_t n, cap;
	uint32_t ucap;
	/* row position -> attribute of the previous row (names repeat row after row) */
	uint32_t *pos;
	uint32_t npos;
};

int fg_attrset_new(fg_attrset **out)
{
	*out = fg_calloc(1, sizeof(**out));
	return *out ? FG_OK : fg_error_set(FG_ENOMEM, "out of memory for user attributes");
}

void fg_attrset_free(fg_attrset **pas)
{
	fg_attrset *as;

	if (!pas || !*pas)
		return;
	as = *pas;
	for (uint32_t i = 0; i < as->n; i++) {
		fg_free(as->a[i].name);
		fg_free(as->a[i].col);
	}
	fg_free(as->a);
	fg_free(as->pos);
	fg_free(as);
	*pas = NULL;
}

static void fill_nan(float *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = NAN;
}

/* Every column to at least need users (doubling, NAN-filled). */
static int grow_users(fg_attrset *as, uint32_t need)
{
	uint32_t cap = as->ucap ? as->ucap : 1024;

	if (need <= as->ucap)
		return FG_OK;
	while (cap < need)
		cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
	for (uint32_t i = 0; i < as->n; i++) {
		float *c = fg_reallocarray(as->a[i].col, cap, sizeof(float));

		if (!c)
			return fg_error_set(FG_ENOMEM, "out of memory storing attributes of %u users", cap);
		fill_nan(c + as->ucap, (size_t)cap - as->ucap);
		as->a[i].col = c;
	}
	as->ucap = cap;
	return FG_OK;
}

/* The index of attribute name[0..len), added if new. */
static int find_or_add(uint32_t *out, fg_attrset *as, const char *name, size_t len)
{
	attr *x;

	for (uint32_t i = 0; i < as->n; i++)
		if (strlen(as->a[i].name) == len && memcmp(as->a[i].name, name, len) == 0) {
			*out = i;
			return FG_OK;
		}
	if (as->n == FG_MAX_ATTRS)
		return 1; /* past the cap: ignored (the readers cap each input already) */
	if (as->n == as->cap) {
		uint32_t cap = as->cap ? 2 * as->cap : 16;
		attr *p = fg_reallocarray(as->a, cap, sizeof(*p));

		if (!p)
			return fg_error_set(FG_ENOMEM, "out of memory for user attributes");
		as->a = p;
		as->cap = cap;
	}
	x = &as->a[as->n];
	memset(x, 0, sizeof(*x));
	if (!(x->name = fg_malloc(len + 1)))
		return fg_error_set(FG_ENOMEM, "out of memory for user attributes");
	memcpy(x->name, name, len);
	x->name[len] = '\0';
	if (as->ucap) {
		if (!(x->col = fg_mallocarray(as->ucap, sizeof(float)))) {
			fg_free(x->name);
			return fg_error_set(FG_ENOMEM, "out of memory for user attributes");
		}
		fill_nan(x->col, as->ucap);
	}
	*out = as->n++;
	return FG_OK;
}

int fg_attrset_add(fg_attrset *as, uint32_t u, const fg_user_row *row)
{
	int rc;

	if (!row->n_attrs)
		return FG_OK;
	if ((rc = grow_users(as, u + 1)) != FG_OK)
		return rc;
	if (row->n_attrs > as->npos) {
		uint32_t *p = fg_reallocarray(as->pos, row->n_attrs, sizeof(*p));

		if (!p)
			return fg_error_set(FG_ENOMEM, "out of memory for user attributes");
		for (uint32_t i = as->npos; i < row->n_attrs; i++)
			p[i] = UINT32_MAX;
		as->pos = p;
		as->npos = row->n_attrs;
	}
	for (uint32_t i = 0; i < row->n_attrs; i++) {
		const fg_attr_val *v = &row->attrs[i];
		uint32_t k = as->pos[i];
		attr *x;

		if (k == UINT32_MAX || strlen(as->a[k].name) != v->name.len ||
		    memcmp(as->a[k].name, v->name.ptr, v->name.len) != 0) {
			if ((rc = find_or_add(&k, as, v->name.ptr, v->name.len)) != FG_OK) {
				if (rc > 0)
					continue;
				return rc;
			}
			as->pos[i] = k;
		}
		x = &as->a[k]; /* ucap > u: x->col has a slot for u */
		if (v->state == FG_ATTR_TEXT) {
			if (!x->text) {
				char q[96];

				x->text = true;
				fg_error_quote(q, sizeof(q), v->text.ptr, v->text.len);
				snprintf(x->example, sizeof(x->example), "%s:%llu: \"%s\"", row->file,
				         (unsigned long long)row->line, q);
			}
		} else if (v->state == FG_ATTR_NUMBER) {
			float f = (float)v->num, *cur = &x->col[u];

			if (f == 0.0f)
				f = 0.0f; /* -0 and +0 are one value */
			if (isnan(*cur) || f > *cur)
				*cur = f;
		}
	}
	return FG_OK;
}

static int cmp_name(const void *a, const void *b)
{
	const attr *x = *(const attr *const *)a, *y = *(const attr *const *)b;

	return strcmp(x->name, y->name);
}

int fg_attrset_build(fg_attrset *as, fg_graph *g, const uint32_t *user_rank, uint32_t nu)
{
	const attr **keep = NULL;
	uint32_t nk = 0;
	size_t bytes = 0;
	char *w;
	int rc = FG_OK;

	g->n_attrs = 0;
	g->attr_name = NULL;
	g->user_attr = NULL;
	if (!as || !as->n)
		return FG_OK;
	if (!(keep = fg_mallocarray(as->n, sizeof(*keep))))
		return fg_error_set(FG_ENOMEM, "out of memory for user attributes");
	for (uint32_t i = 0; i < as->n; i++)
		if (!as->a[i].text) {
			keep[nk++] = &as->a[i];
			bytes += strlen(as->a[i].name) + 1;
		}
	if (!nk)
		goto cleanup;
	qsort(keep, nk, sizeof(*keep), cmp_name);
	g->attr_name = fg_malloc(nk * sizeof(char *) + bytes);
	g->user_attr = fg_mallocarray((size_t)(nu ? nu : 1) * nk, sizeof(float));
	if (!g->attr_name || !g->user_attr) {
		fg_free(g->attr_name);
		fg_free(g->user_attr);
		g->attr_name = NULL;
		g->user_attr = NULL;
		rc = fg_error_set(FG_ENOMEM, "out of memory for %u attributes of %u users", nk, nu);
		goto cleanup;
	}
	w = (char *)(g->attr_name + nk);
	for (uint32_t k = 0; k < nk; k++) {
		size_t len = strlen(keep[k]->name) + 1;

		memcpy(w, keep[k]->name, len);
		g->attr_name[k] = w;
		w += len;
	}
	for (uint32_t t = 0; t < nu; t++) {
		float *row = g->user_attr + (size_t)user_rank[t] * nk;

		for (uint32_t k = 0; k < nk; k++)
			row[k] = t < as->ucap ? keep[k]->col[t] : NAN;
	}
	g->n_attrs = nk;
cleanup:
	for (uint32_t i = 0; i < as->n; i++) {
		fg_free(as->a[i].col);
		as->a[i].col = NULL;
	}
	as->ucap = 0;
	fg_free(keep);
	return rc;
}

void fg_attrset_report(const fg_attrset *as, const fg_config *cfg)
{
	char list[1024];
	size_t w = 0;
	uint32_t nnum = 0;

	list[0] = '\0';
	for (uint32_t i = 0; as && i < as->n; i++) {
		if (as->a[i].text) {
			fg_log_warn("user attribute '%s' is not numeric (first at %s): left out",
			            as->a[i].name, as->a[i].example);
			continue;
		}
		nnum++;
		if (w < sizeof(list))
			w += (size_t)snprintf(list + w, sizeof(list) - w, "%s%s", w ? "," : "",
			                      as->a[i].name);
	}
	if (nnum)
		fg_log_info("%u numeric user attributes: %s", nnum, list);
	/* --attrs names that no users input had */
	if (cfg->input.attrs[0]) {
		const char *p = cfg->input.attrs;

		while (*p) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			bool found = false;

			for (uint32_t i = 0; as && i < as->n && !found; i++)
				found = strlen(as->a[i].name) == len && memcmp(as->a[i].name, p, len) == 0;
			if (!found)
				fg_log_warn("--attrs: no users input has a column '%.*s'", (int)len, p);
			if (!e)
				break;
			p = e + 1;
		}
	}
}
