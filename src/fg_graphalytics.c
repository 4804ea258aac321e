/*
 * Graphalytics reader: line-oriented parsing with getline, ids checked for
 * digits and overflow, then a sort of (id, line) pairs that yields the dense
 * ids and finds duplicates, and a binary search per edge endpoint.
 */
#include "fg_graphalytics.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUOTE_CAP 48

struct vline {
	uint64_t id;
	uint32_t line; /* 0-based index among the vertex lines */
	uint32_t fileline;
};

static int cmp_vline(const void *a, const void *b)
{
	const struct vline *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->line > y->line) - (x->line < y->line);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Parse a decimal id in s[0..len) (<= INT64_MAX). */
static bool parse_id(uint64_t *out, const char *s, size_t len)
{
	uint64_t x = 0;

	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > (uint64_t)INT64_MAX)
		return false;
	*out = x;
	return true;
}

/* Split line into up to max whitespace-separated tokens; returns the count (max + 1 if more). */
static int tokens(const char *line, const char **tok, size_t *tlen, int max)
{
	int k = 0;
	const char *p = line;

	for (;;) {
		while (*p && is_space(*p))
			p++;
		if (!*p)
			return k;
		if (k == max)
			return max + 1;
		tok[k] = p;
		while (*p && !is_space(*p))
			p++;
		tlen[k] = (size_t)(p - tok[k]);
		k++;
	}
}

static int open_file(FILE **out, const char *path)
{
	*out = fopen(path, "r");
	if (!*out)
		return fg_error_set(FG_EIO, "%s: cannot open: %s", path, strerror(errno));
	return FG_OK;
}

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = fg_malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

static char *trim(char *s)
{
	size_t len;

	while (*s && is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_space(s[len - 1]))
		s[--len] = '\0';
	return s;
}

static int read_props(fg_ga_graph *g, const char *path)
{
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int lineno = 0, rc;

	rc = open_file(&f, path);
	if (rc < 0)
		return rc;
	while ((got = getline(&line, &cap, f)) >= 0) {
		char *s = trim(line), *sep, *key, *val;
		fg_ga_prop *grown;
		lineno++;
		if (!*s || *s == '#' || *s == '!')
			continue;
		sep = strpbrk(s, "=:");
		if (!sep) {
			char q[QUOTE_CAP];
			rc = fg_error_set(FG_EDATA, "%s:%d: expected 'key = value', got '%s'", path,
			                  lineno, fg_error_quote(q, sizeof(q), s, strlen(s)));
			goto cleanup;
		}
		*sep = '\0';
		key = trim(s);
		val = trim(sep + 1);
		grown = fg_reallocarray(g->props, (size_t)g->nprops + 1, sizeof(*grown));
		if (!grown)
			goto nomem;
		g->props = grown;
		grown[g->nprops].key = fg_strndup(key, strlen(key));
		grown[g->nprops].value = fg_strndup(val, strlen(val));
		grown[g->nprops].line = lineno;
		g->nprops++;
		if (!grown[g->nprops - 1].key || !grown[g->nprops - 1].value)
			goto nomem;
	}
	if (ferror(f)) {
		rc = fg_error_set(FG_EIO, "%s: read error: %s", path, strerror(errno));
		goto cleanup;
	}
	rc = FG_OK;
	goto cleanup;
nomem:
	rc = fg_error_set(FG_ENOMEM, "out of memory reading %s", path);
cleanup:
	free(line); /* getline's buffer comes from libc */
	fclose(f);
	return rc;
}

static int read_vertices(fg_ga_graph *g, const char *path)
{
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, vcap = 0;
	struct vline *vl = NULL;
	uint32_t nv = 0;
	ssize_t got;
	uint32_t lineno = 0;
	int rc;

	rc = open_file(&f, path);
	if (rc < 0)
		return rc;
	while ((got = getline(&line, &cap, f)) >= 0) {
		const char *tok[2];
		size_t tlen[2];
		int k;
		uint64_t id;
		char q[QUOTE_CAP];
		lineno++;
		k = tokens(line, tok, tlen, 1);
		if (k == 0)
			continue;
		if (k > 1 || !parse_id(&id, tok[0], tlen[0])) {
			size_t l = strlen(line);
			while (l > 0 && is_space(line[l - 1]))
				l--;
			rc = fg_error_set(FG_EDATA, "%s:%u: bad vertex id '%s'", path, lineno,
			                  fg_error_quote(q, sizeof(q), line, l));
			goto cleanup;
		}
		if (nv == UINT32_MAX - 1) {
			rc = fg_error_set(FG_EDATA, "%s:%u: more than %u vertices", path, lineno, nv);
			goto cleanup;
		}
		if (nv == vcap) {
			size_t nc = vcap ? 2 * vcap : 1024;
			struct vline *grown = fg_reallocarray(vl, nc, sizeof(*vl));
			if (!grown)
				goto nomem;
			vl = grown;
			vcap = nc;
		}
		vl[nv].id = id;
		vl[nv].line = nv;
		vl[nv].fileline = lineno;
		nv++;
	}
	if (ferror(f)) {
		rc = fg_error_set(FG_EIO, "%s: read error: %s", path, strerror(errno));
		goto cleanup;
	}
	if (nv > 0)
		qsort(vl, nv, sizeof(*vl), cmp_vline);
	for (uint32_t i = 1; i < nv; i++) {
		if (vl[i].id == vl[i - 1].id) {
			rc = fg_error_set(FG_EDATA, "%s:%u: duplicate vertex id '%llu'", path,
			                  vl[i].fileline, (unsigned long long)vl[i].id);
			goto cleanup;
		}
	}
	g->ids = fg_mallocarray(nv ? nv : 1, sizeof(*g->ids));
	g->vdense = fg_mallocarray(nv ? nv : 1, sizeof(*g->vdense));
	if (!g->ids || !g->vdense)
		goto nomem;
	for (uint32_t i = 0; i < nv; i++) {
		g->ids[i] = vl[i].id;
		g->vdense[vl[i].line] = i;
	}
	g->nv = nv;
	rc = FG_OK;
	goto cleanup;
nomem:
	rc = fg_error_set(FG_ENOMEM, "out of memory reading %s", path);
cleanup:
	free(line);
	fg_free(vl);
	fclose(f);
	return rc;
}

int64_t fg_graphalytics_dense(const fg_ga_graph *g, uint64_t x)
{
	return fg_find_u64(g->ids, g->nv, x);
}

static int read_edges(fg_ga_graph *g, const char *path)
{
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	uint64_t ecap = 0, ne = 0;
	ssize_t got;
	uint64_t lineno = 0;
	int rc;

	rc = open_file(&f, path);
	if (rc < 0)
		return rc;
	while ((got = getline(&line, &cap, f)) >= 0) {
		const char *tok[3];
		size_t tlen[3];
		uint64_t id[2];
		int64_t d[2];
		char q[QUOTE_CAP];
		int k;
		lineno++;
		k = tokens(line, tok, tlen, 3);
		if (k == 0)
			continue;
		if (k < 2 || k > 3) {
			size_t l = strlen(line);
			while (l > 0 && is_space(line[l - 1]))
				l--;
			rc = fg_error_set(FG_EDATA, "%s:%llu: expected 'src dst [weight]', got '%s'",
			                  path, (unsigned long long)lineno,
			                  fg_error_quote(q, sizeof(q), line, l));
			goto cleanup;
		}
		if (k == 3) {
			char *end;
			char wbuf[64];
			size_t wl = tlen[2] < sizeof(wbuf) - 1 ? tlen[2] : sizeof(wbuf) - 1;
			memcpy(wbuf, tok[2], wl);
			wbuf[wl] = '\0';
			strtod(wbuf, &end);
			if (wl != tlen[2] || end != wbuf + wl) {
				rc = fg_error_set(FG_EDATA, "%s:%llu: column 3: bad weight '%s'", path,
				                  (unsigned long long)lineno,
				                  fg_error_quote(q, sizeof(q), tok[2], tlen[2]));
				goto cleanup;
			}
		}
		for (int c = 0; c < 2; c++) {
			if (!parse_id(&id[c], tok[c], tlen[c])) {
				rc = fg_error_set(FG_EDATA, "%s:%llu: column %d: bad vertex id '%s'", path,
				                  (unsigned long long)lineno, c + 1,
				                  fg_error_quote(q, sizeof(q), tok[c], tlen[c]));
				goto cleanup;
			}
			d[c] = fg_graphalytics_dense(g, id[c]);
			if (d[c] < 0) {
				rc = fg_error_set(FG_EDATA, "%s:%llu: column %d: vertex '%llu' is not in the "
				                  "vertex file", path, (unsigned long long)lineno, c + 1,
				                  (unsigned long long)id[c]);
				goto cleanup;
			}
		}
		if (ne == ecap) {
			uint64_t nc = ecap ? 2 * ecap : 1024;
			uint32_t *s2 = fg_reallocarray(g->src, nc, sizeof(*s2));
			if (!s2)
				goto nomem;
			g->src = s2;
			uint32_t *d2 = fg_reallocarray(g->dst, nc, sizeof(*d2));
			if (!d2)
				goto nomem;
			g->dst = d2;
			ecap = nc;
		}
		g->src[ne] = (uint32_t)d[0];
		g->dst[ne] = (uint32_t)d[1];
		ne++;
	}
	if (ferror(f)) {
		rc = fg_error_set(FG_EIO, "%s: read error: %s", path, strerror(errno));
		goto cleanup;
	}
	g->ne = ne;
	rc = FG_OK;
	goto cleanup;
nomem:
	rc = fg_error_set(FG_ENOMEM, "out of memory reading %s", path);
cleanup:
	free(line);
	fclose(f);
	return rc;
}

const fg_ga_prop *fg_graphalytics_prop(const fg_ga_graph *g, const char *suffix)
{
	size_t ln = strlen(g->name), ls = strlen(suffix);

	/* The last definition wins, as in java.util.Properties. */
	for (uint32_t i = g->nprops; i-- > 0;) {
		const char *k = g->props[i].key;
		if (strlen(k) == 6 + ln + 1 + ls && !strncmp(k, "graph.", 6) &&
		    !strncmp(k + 6, g->name, ln) && k[6 + ln] == '.' && !strcmp(k + 7 + ln, suffix))
			return &g->props[i];
	}
	return NULL;
}

static int bad_prop(const fg_ga_graph *g, const fg_ga_prop *p)
{
	char q[QUOTE_CAP];

	return fg_error_set(FG_EDATA, "%s:%d: %s: bad value '%s'", g->prop_path, p->line, p->key,
	                    fg_error_quote(q, sizeof(q), p->value, strlen(p->value)));
}

static int missing_prop(const fg_ga_graph *g, const char *suffix)
{
	return fg_error_set(FG_EDATA, "%s: no property 'graph.%s.%s'", g->prop_path, g->name,
	                    suffix);
}

int fg_graphalytics_prop_i64(int64_t *out, const fg_ga_graph *g, const char *suffix)
{
	const fg_ga_prop *p = fg_graphalytics_prop(g, suffix);
	char *end;
	long long x;

	if (!p)
		return missing_prop(g, suffix);
	errno = 0;
	x = strtoll(p->value, &end, 10);
	if (!p->value[0] || *end || errno)
		return bad_prop(g, p);
	*out = x;
	return FG_OK;
}

int fg_graphalytics_prop_double(double *out, const fg_ga_graph *g, const char *suffix)
{
	const fg_ga_prop *p = fg_graphalytics_prop(g, suffix);
	char *end;
	double x;

	if (!p)
		return missing_prop(g, suffix);
	errno = 0;
	x = strtod(p->value, &end);
	if (!p->value[0] || *end || errno)
		return bad_prop(g, p);
	*out = x;
	return FG_OK;
}

int fg_graphalytics_read(fg_ga_graph *out, const char *prefix)
{
	fg_ga_graph g = { 0 };
	char *vpath = NULL, *epath = NULL;
	const char *slash = strrchr(prefix, '/');
	const fg_ga_prop *dp;
	int rc;

	memset(out, 0, sizeof(*out));
	g.name = concat(slash ? slash + 1 : prefix, "");
	g.prop_path = concat(prefix, ".properties");
	vpath = concat(prefix, ".v");
	epath = concat(prefix, ".e");
	if (!g.name || !g.prop_path || !vpath || !epath) {
		rc = fg_error_set(FG_ENOMEM, "out of memory reading %s", prefix);
		goto cleanup;
	}
	if (!g.name[0]) {
		rc = fg_error_set(FG_EUSAGE, "'%s': expected DIR/NAME", prefix);
		goto cleanup;
	}
	rc = read_props(&g, g.prop_path);
	if (rc < 0)
		goto cleanup;
	dp = fg_graphalytics_prop(&g, "directed");
	if (!dp) {
		rc = fg_error_set(FG_EDATA, "%s: no property 'graph.%s.directed'", g.prop_path, g.name);
		goto cleanup;
	}
	if (!strcmp(dp->value, "true")) {
		g.directed = true;
	} else if (!strcmp(dp->value, "false")) {
		g.directed = false;
	} else {
		rc = bad_prop(&g, dp);
		goto cleanup;
	}
	rc = read_vertices(&g, vpath);
	if (rc < 0)
		goto cleanup;
	rc = read_edges(&g, epath);
	if (rc < 0)
		goto cleanup;
	*out = g;
	memset(&g, 0, sizeof(g));
cleanup:
	fg_graphalytics_free(&g);
	fg_free(vpath);
	fg_free(epath);
	return rc;
}

void fg_graphalytics_free(fg_ga_graph *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->nprops; i++) {
		fg_free(g->props[i].key);
		fg_free(g->props[i].value);
	}
	fg_free(g->props);
	fg_free(g->name);
	fg_free(g->prop_path);
	fg_free(g->ids);
	fg_free(g->vdense);
	fg_free(g->src);
	fg_free(g->dst);
	memset(g, 0, sizeof(*g));
}
