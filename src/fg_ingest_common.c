/*
 * fg_ingest_common: row validation, normalisation and bad-row accounting
 * shared by the CSV and SQLite readers.
 *
 * Per row, for each used role in order user, kind, value, time, label: a
 * missing column, a field longer than max_field_len, invalid UTF-8 / NUL, an
 * empty required field, an unparseable time; then a relation kind linking a
 * user to itself.  The first failing check is the row's one reason.  Cost:
 * O(row bytes) per row, no allocation, no formatting unless the row is bad.
 */
#include "fg_ingest_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_hash.h"
#include "fg_log.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The fg_config column role of each reader role, per mode (-1: unused). */
static const int link_cols[FG_NROLES] = {FG_COL_USER_ID, FG_COL_KIND, FG_COL_VALUE,
                                         FG_COL_SEEN_AT, -1};
static const int user_cols[FG_NROLES] = {FG_COL_USER_ID, -1, -1, FG_COL_CREATED_AT, FG_COL_LABEL};

static const bool link_required[FG_NROLES] = {true, true, true, false, false};
static const bool user_required[FG_NROLES] = {true, false, false, false, false};

static int col_of(fg_ingest_mode mode, int role)
{
	assert(role >= 0 && role < FG_NROLES);
	return mode == FG_INGEST_LINKS ? link_cols[role] : user_cols[role];
}

const char *fg_ingest_role_name(const fg_ingest_ctx *ctx, int role)
{
	int c = col_of(ctx->mode, role);

	return c < 0 ? NULL : fg_config_column(ctx->cfg, (fg_col_role)c);
}

bool fg_ingest_role_used(fg_ingest_mode mode, int role)
{
	return col_of(mode, role) >= 0;
}

bool fg_ingest_role_required(fg_ingest_mode mode, int role)
{
	assert(role >= 0 && role < FG_NROLES);
	return mode == FG_INGEST_LINKS ? link_required[role] : user_required[role];
}

const char *fg_bad_reason_name(fg_bad_reason r)
{
	switch (r) {
	case FG_BAD_MISSING_FIELD: return "missing field";
	case FG_BAD_EMPTY_VALUE: return "empty value";
	case FG_BAD_UTF8: return "invalid UTF-8 or NUL byte";
	case FG_BAD_TOO_LONG: return "field too long";
	case FG_BAD_SELF_LINK: return "self link";
	case FG_BAD_QUOTE: return "malformed quote";
	case FG_WARN_SEEN_AT: return "warning: unparseable seen_at (link kept without time)";
	case FG_WARN_CREATED_AT: return "warning: unparseable created_at (user kept without it)";
	case FG_WARN_LABEL: return "warning: unrecognised label (user kept as unknown)";
	default: return "unknown";
	}
}

int fg_ingest_ctx_init(fg_ingest_ctx *ctx, fg_ingest_mode mode, const fg_config *cfg,
                       fg_badrows *bad, fg_link_sink lsink, fg_user_sink usink, void *sink_ctx,
                       const char *file)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->bad = bad;
	ctx->mode = mode;
	ctx->link_sink = lsink;
	ctx->user_sink = usink;
	ctx->sink_ctx = sink_ctx;
	ctx->file = file;
	ctx->kind_buf = fg_malloc((size_t)cfg->max_field_len + 1);
	ctx->value_buf = fg_malloc((size_t)cfg->max_field_len + 1);
	if (!ctx->kind_buf || !ctx->value_buf) {
		fg_ingest_ctx_free(ctx);
		return fg_error_set(FG_ENOMEM, "%s: out of memory", file);
	}
	return FG_OK;
}

static void attrs_free(fg_ingest_ctx *ctx)
{
	if (ctx->attr_name && !ctx->attr_borrowed)
		for (uint32_t a = 0; a < ctx->n_attr; a++)
			fg_free(ctx->attr_name[a]);
	if (!ctx->attr_borrowed)
		fg_free(ctx->attr_name);
	fg_free(ctx->attr_f);
	fg_free(ctx->attr_val);
	fg_free(ctx->attr_text);
	ctx->attr_name = NULL;
	ctx->attr_f = NULL;
	ctx->attr_val = NULL;
	ctx->attr_text = NULL;
	ctx->n_attr = 0;
	ctx->attr_borrowed = false;
}

void fg_ingest_ctx_free(fg_ingest_ctx *ctx)
{
	fg_free(ctx->kind_buf);
	fg_free(ctx->value_buf);
	ctx->kind_buf = ctx->value_buf = NULL;
	attrs_free(ctx);
}

/* The per-row buffers for n attributes (names set by the caller). */
static int attrs_alloc(fg_ingest_ctx *ctx, uint32_t n)
{
	size_t k = n ? n : 1;

	ctx->attr_f = fg_calloc(k, sizeof(*ctx->attr_f));
	ctx->attr_val = fg_calloc(k, sizeof(*ctx->attr_val));
	ctx->attr_text = fg_malloc(k * FG_ATTR_TEXT_MAX);
	if (!ctx->attr_f || !ctx->attr_val || !ctx->attr_text)
		return fg_error_set(FG_ENOMEM, "%s: out of memory for %u attributes", ctx->file, n);
	return FG_OK;
}

int fg_ingest_ctx_share_attrs(fg_ingest_ctx *dst, const fg_ingest_ctx *src)
{
	attrs_free(dst);
	if (!src->n_attr)
		return FG_OK;
	dst->attr_name = src->attr_name;
	dst->attr_borrowed = true;
	dst->n_attr = src->n_attr;
	return attrs_alloc(dst, src->n_attr);
}

/* "a,b,c" of the header for messages (quoted, truncated to about 200 bytes). */
static void header_summary(char *out, size_t cap, const fg_str *names, size_t ncols)
{
	size_t w = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ncols; i++) {
		char q[80];
		size_t len = names[i].len, ql;
		const char *t = fg_ingest_trim(names[i].ptr ? names[i].ptr : "", &len);

		fg_error_quote(q, sizeof(q), t, len < 64 ? len : 64);
		ql = strlen(q);
		if (w + ql + 5 > cap) {
			snprintf(out + w, cap - w, "...");
			return;
		}
		if (i)
			out[w++] = ',';
		memcpy(out + w, q, ql + 1);
		w += ql;
	}
}

/* What a missing optional column costs, for the note (fg_ingest_header). */
static const char *missing_cost(int col)
{
	switch (col) {
	case FG_COL_SEEN_AT: return "links have no time, so --since / --window keep them all";
	case FG_COL_CREATED_AT: return "account ages and the creation-burst factor are unknown";
	case FG_COL_LABEL: return "no user of this input is a seed or cleared";
	default: return "";
	}
}

int fg_ingest_header(fg_ingest_ctx *ctx, const fg_str *names, size_t ncols, int *colrole,
                     const char *where, const char *what)
{
	int rolecol[FG_NROLES];
	char summary[220];
	char **an = NULL;
	uint32_t na = 0, skipped = 0;
	int role, rc = FG_OK;

	attrs_free(ctx);
	for (role = 0; role < FG_NROLES; role++)
		rolecol[role] = -1;
	for (size_t i = 0; i < ncols; i++) {
		size_t len = names[i].len;
		const char *t = fg_ingest_trim(names[i].ptr ? names[i].ptr : "", &len);

		colrole[i] = -1;
		for (role = 0; role < FG_NROLES; role++) {
			const char *want = fg_ingest_role_name(ctx, role);

			if (want && strlen(want) == len && strncasecmp(want, t, len) == 0)
				break;
		}
		if (role < FG_NROLES) {
			if (rolecol[role] < 0) {
				rolecol[role] = (int)i;
				colrole[i] = role;
			}
			continue;
		}
		if (ctx->mode != FG_INGEST_USERS || len == 0 || len >= FG_COL_NAME_MAX ||
		    !fg_ingest_utf8_ok(t, len))
			continue;
		{
			char nm[FG_COL_NAME_MAX];
			uint32_t a;

			for (size_t k = 0; k < len; k++)
				nm[k] = (t[k] >= 'A' && t[k] <= 'Z') ? (char)(t[k] + ('a' - 'A')) : t[k];
			nm[len] = '\0';
			if (!fg_config_attr_wanted(ctx->cfg, nm))
				continue;
			for (a = 0; a < na && strcmp(an[a], nm) != 0; a++)
				;
			if (a < na)
				continue; /* a repeated name: the first column wins */
			if (na == FG_MAX_ATTRS) {
				skipped++;
				continue;
			}
			if (!an && !(an = fg_calloc(FG_MAX_ATTRS, sizeof(*an)))) {
				rc = fg_error_set(FG_ENOMEM, "%s: out of memory reading the header", where);
				goto cleanup;
			}
			if (!(an[na] = fg_malloc(len + 1))) {
				rc = fg_error_set(FG_ENOMEM, "%s: out of memory reading the header", where);
				goto cleanup;
			}
			memcpy(an[na], nm, len + 1);
			colrole[i] = FG_COL_ATTR + (int)na;
			na++;
		}
	}
	for (role = 0; role < FG_NROLES; role++) {
		int col = col_of(ctx->mode, role);

		if (col < 0 || rolecol[role] >= 0)
			continue;
		if (fg_ingest_role_required(ctx->mode, role)) {
			header_summary(summary, sizeof(summary), names, ncols);
			rc = fg_error_set(FG_EDATA, "%s: missing required column '%s' (%s: %s)", where,
			                  fg_ingest_role_name(ctx, role), what, summary);
			goto cleanup;
		}
		/* seen_at is used only by the time window; created_at and label always */
		if (col == FG_COL_SEEN_AT && ctx->cfg->since == FG_TIME_NONE)
			continue;
		if (ctx->bad && !(ctx->bad->noted & (1u << col))) {
			ctx->bad->noted |= 1u << col;
			header_summary(summary, sizeof(summary), names, ncols);
			fg_log_warn("%s: no column '%s' (%s: %s): %s; name it with --column %s=NAME",
			            ctx->file, fg_ingest_role_name(ctx, role), what, summary,
			            missing_cost(col), fg_config_role_name((fg_col_role)col));
		}
	}
	if (skipped)
		fg_log_warn("%s: %u attribute columns past the first %d ignored", ctx->file, skipped,
		            FG_MAX_ATTRS);
	if (na) {
		ctx->attr_name = an;
		ctx->n_attr = na;
		an = NULL;
		rc = attrs_alloc(ctx, na);
	}
cleanup:
	if (an) {
		for (uint32_t a = 0; a < na; a++)
			fg_free(an[a]);
		fg_free(an);
	}
	return rc;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *fg_ingest_trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n && is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && is_ws((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

int fg_ingest_utf8_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c;

		/* ASCII fast path, 8 bytes at a time: no high bit and no zero byte */
		while (i + 8 <= len) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if (((w | ((w - 0x0101010101010101ull) & ~w)) & 0x8080808080808080ull) != 0)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		c = p[i];
		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		if (c == 0)
			return 0;
		if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= len || (p[i + 1] & 0xc0) != 0x80)
				return 0;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (i + 2 >= len || (p[i + 1] & 0xc0) != 0x80 || (p[i + 2] & 0xc0) != 0x80)
				return 0;
			if (c == 0xe0 && p[i + 1] < 0xa0) /* overlong */
				return 0;
			if (c == 0xed && p[i + 1] >= 0xa0) /* surrogates */
				return 0;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (i + 3 >= len || (p[i + 1] & 0xc0) != 0x80 || (p[i + 2] & 0xc0) != 0x80 ||
			    (p[i + 3] & 0xc0) != 0x80)
				return 0;
			if (c == 0xf0 && p[i + 1] < 0x90) /* overlong */
				return 0;
			if (c == 0xf4 && p[i + 1] >= 0x90) /* > U+10FFFF */
				return 0;
			i += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

/* Record one example of reason r (the first FG_BAD_EXAMPLES are kept). */
static void add_example(fg_badrows *bad, fg_bad_reason reason, const char *file, uint64_t line,
                        const char *col, const char *q)
{
	uint64_t k = bad->by_reason[reason]++;

	if (k < FG_BAD_EXAMPLES)
		snprintf(bad->examples[reason][k], sizeof(bad->examples[reason][k]),
		         "%s:%llu: column '%s': value \"%s\"", file, (unsigned long long)line, col, q);
}

/* Count a warning of a kept row; unrecognised labels are also named. */
static void add_warning(fg_ingest_ctx *ctx, const fg_row_warn *w, uint64_t line)
{
	fg_badrows *bad = ctx->bad;

	bad->warnings++;
	add_example(bad, w->reason, ctx->file, line, w->col, w->q);
	if (w->reason == FG_WARN_LABEL) {
		uint32_t i, n = bad->n_label_values < FG_LABEL_NAMES ? bad->n_label_values
		                                                     : FG_LABEL_NAMES;

		for (i = 0; i < n; i++)
			if (strcmp(bad->label_value[i], w->q) == 0)
				break;
		if (i < n) {
			bad->label_count[i]++;
		} else if (n < FG_LABEL_NAMES) {
			snprintf(bad->label_value[n], sizeof(bad->label_value[n]), "%s", w->q);
			bad->label_count[n] = 1;
			bad->n_label_values++;
		} else {
			bad->label_others++;
		}
	}
}

int fg_ingest_bad_quoted(fg_ingest_ctx *ctx, fg_bad_reason reason, const char *col,
                         uint64_t line, const char *what, const char *q)
{
	fg_badrows *bad = ctx->bad;

	bad->total++;
	add_example(bad, reason, ctx->file, line, col, q);
	if (ctx->cfg->strict)
		return fg_error_set(FG_EDATA, "%s:%llu: column '%s': %s \"%s\"", ctx->file,
		                    (unsigned long long)line, col, what, q);
	if (bad->total > ctx->cfg->max_bad_rows)
		return fg_error_set(FG_EDATA,
		                    "%s:%llu: too many bad rows (%llu > --max-bad-rows %llu); "
		                    "last: column '%s': %s \"%s\"",
		                    ctx->file, (unsigned long long)line,
		                    (unsigned long long)bad->total,
		                    (unsigned long long)ctx->cfg->max_bad_rows, col, what, q);
	return FG_OK;
}

/* The settings of the lower-cased kind[0..len), or NULL where ctx's memo
 * does not hold it (the caller asks fg_config itself). */
static const fg_kind_settings *kind_settings(fg_ingest_ctx *ctx, const char *kind, size_t len)
{
	int i = fg_kind_memo_get(&ctx->kinds, ctx->cfg, kind, len);

	return i >= 0 ? &ctx->kinds.e[i] : NULL;
}

/* kind: lower-cased, NUL-terminated */
static bool kind_is_relation(fg_ingest_ctx *ctx, const char *kind, size_t len)
{
	const fg_kind_settings *e = kind_settings(ctx, kind, len);

	return e ? e->is_rel : fg_config_is_relation(ctx->cfg, kind);
}

/*
 * A good link row's kind and value as the link set keeps them
 * (fg_config_normalise_value, with the kind's settings cached): the kind
 * becomes its canonical kind, the value its normalised form in ctx's buffer,
 * out->placeholder says whether the row is to be dropped, and a row kept
 * gets the interning tables' hashes of its user and value.
 */
static void normalise_link(fg_ingest_ctx *ctx, fg_row_check *out)
{
	const fg_config *cfg = ctx->cfg;
	fg_str *k = &out->s[FG_ROLE_KIND], *v = &out->s[FG_ROLE_VALUE];
	const fg_kind_settings *e = kind_settings(ctx, k->ptr, k->len);
	size_t vl;

	if (!e) {
		const char *ck;
		size_t ckl;

		out->placeholder = !fg_config_normalise_value(ctx->value_buf, &vl, &ck, &ckl, cfg,
		                                              k->ptr, k->len, v->ptr, v->len);
		*k = (fg_str){ ck, ckl };
		*v = (fg_str){ ctx->value_buf, vl };
	} else {
		*k = (fg_str){ e->canon, e->canon_len };
		if (e->cls != FG_VALUE_PLAIN && e->cls != FG_VALUE_USER) {
			fg_config_normalise_class(ctx->value_buf, &vl, e->cls, v->ptr, v->len);
			*v = (fg_str){ ctx->value_buf, vl };
		}
		out->placeholder = fg_config_is_placeholder(cfg, k->ptr, k->len, v->ptr, v->len);
	}
	if (!out->placeholder) {
		out->user_hash = fg_hash_str32(out->s[FG_ROLE_USER].ptr, out->s[FG_ROLE_USER].len);
		out->value_hash = fg_hash_str32(v->ptr, v->len);
	}
}

/* The column name of role in ctx (copied, truncated). */
static void col_name(char *out, const fg_ingest_ctx *ctx, int role)
{
	const char *n = fg_ingest_role_name(ctx, role);

	snprintf(out, FG_COL_NAME_MAX, "%s", n ? n : "?");
}

/* Record a bad-row verdict in *out (the value quoted and truncated). */
static void set_bad(const fg_ingest_ctx *ctx, fg_row_check *out, fg_bad_reason reason, int role,
                    const char *what, const char *val, size_t len)
{
	out->verdict = FG_ROW_BAD;
	out->reason = reason;
	col_name(out->col, ctx, role);
	if (what != out->what)
		snprintf(out->what, sizeof(out->what), "%s", what);
	fg_error_quote(out->q, sizeof(out->q), val ? val : "", val ? len : 0);
}

/* Add a warning to a kept row. */
static void set_warn(const fg_ingest_ctx *ctx, fg_row_check *out, fg_bad_reason reason, int role,
                     const char *val, size_t len)
{
	fg_row_warn *w;

	assert(out->nwarn < 2);
	w = &out->warn[out->nwarn++];
	w->reason = reason;
	col_name(w->col, ctx, role);
	fg_error_quote(w->q, sizeof(w->q), val, len);
}

/*
 * 1 if s[0..len) is a decimal number ([+-] digits [. digits] [e [+-] digits],
 * at least one digit before the exponent) and *out its value, finite and
 * within float range; else 0 (hex, inf, nan, "1,5" and the rest are text).
 */
static int parse_number(double *out, const char *s, size_t len)
{
	char buf[72];
	size_t i = 0, nd = 0;
	char *end;
	double v;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		i++;
		nd++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			nd++;
		}
	}
	if (nd == 0)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t ne = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			ne++;
		}
		if (ne == 0)
			return 0;
	}
	if (i != len)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end); /* the C locale: the CLI never calls setlocale */
	if (end != buf + len || !isfinite(v) || fabs(v) > FLT_MAX)
		return 0;
	*out = v;
	return 1;
}

/* The users row's attributes: ctx->attr_f -> ctx->attr_val. */
static void check_attrs(fg_ingest_ctx *ctx, fg_row_check *out)
{
	for (uint32_t a = 0; a < ctx->n_attr; a++) {
		const fg_raw_field *f = &ctx->attr_f[a];
		fg_attr_val *v = &ctx->attr_val[a];
		const char *p = f->ptr;
		size_t n = f->len;

		v->name.ptr = ctx->attr_name[a];
		v->name.len = strlen(ctx->attr_name[a]);
		v->text.ptr = NULL;
		v->text.len = 0;
		v->state = FG_ATTR_MISSING;
		if (!f->present)
			continue;
		if (f->is_num) {
			v->num = f->num;
			v->state = FG_ATTR_NUMBER;
			continue;
		}
		if (n)
			p = fg_ingest_trim(p, &n);
		if (n == 0 && f->full_len <= ctx->cfg->max_field_len)
			continue;
		if (f->full_len <= ctx->cfg->max_field_len && parse_number(&v->num, p, n)) {
			v->state = FG_ATTR_NUMBER;
			continue;
		}
		v->state = FG_ATTR_TEXT;
		if (n > FG_ATTR_TEXT_MAX)
			n = FG_ATTR_TEXT_MAX;
		memcpy(ctx->attr_text + (size_t)a * FG_ATTR_TEXT_MAX, p, n);
		v->text.ptr = ctx->attr_text + (size_t)a * FG_ATTR_TEXT_MAX;
		v->text.len = n;
	}
	out->n_attrs = ctx->n_attr;
	out->attrs = ctx->attr_val;
}

void fg_ingest_row_check(fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES], fg_row_check *out)
{
	const fg_config *cfg = ctx->cfg;
	fg_str *s = out->s;
	const bool *required = ctx->mode == FG_INGEST_LINKS ? link_required : user_required;
	int64_t t = FG_TIME_NONE;
	int role;

	memset(s, 0, sizeof(out->s));
	out->placeholder = false;
	out->user_hash = out->value_hash = 0;
	out->nwarn = 0;
	out->n_attrs = 0;
	out->attrs = NULL;
	for (role = 0; role < FG_NROLES; role++) {
		bool req = required[role];
		const char *p;
		size_t n;

		if (!fg_ingest_role_used(ctx->mode, role))
			continue;
		if (!f[role].present) {
			if (req) {
				set_bad(ctx, out, FG_BAD_MISSING_FIELD, role, "missing field", NULL, 0);
				return;
			}
			continue;
		}
		if (role == FG_ROLE_TIME && f[role].is_int) {
			t = fg_time_from_int(f[role].ival);
			continue;
		}
		if (f[role].full_len > cfg->max_field_len) {
			snprintf(out->what, sizeof(out->what), "field of %zu bytes longer than %u",
			         f[role].full_len, cfg->max_field_len);
			set_bad(ctx, out, FG_BAD_TOO_LONG, role, out->what, f[role].ptr, f[role].len);
			return;
		}
		if (!fg_ingest_utf8_ok(f[role].ptr, f[role].len)) {
			set_bad(ctx, out, FG_BAD_UTF8, role,
			        memchr(f[role].ptr, 0, f[role].len) ? "NUL byte" : "invalid UTF-8",
			        f[role].ptr, f[role].len);
			return;
		}
		n = f[role].len;
		p = f[role].ptr;
		if (n && (is_ws((unsigned char)p[0]) || is_ws((unsigned char)p[n - 1])))
			p = fg_ingest_trim(p, &n);
		if (n == 0) {
			if (req) {
				set_bad(ctx, out, FG_BAD_EMPTY_VALUE, role, "empty value", f[role].ptr,
				        f[role].len);
				return;
			}
			continue;
		}
		if (role == FG_ROLE_TIME && fg_parse_time(&t, p, n) != 0) {
			/* an optional column: keep the row without the time */
			set_warn(ctx, out,
			         ctx->mode == FG_INGEST_LINKS ? FG_WARN_SEEN_AT : FG_WARN_CREATED_AT, role,
			         p, n);
			t = FG_TIME_NONE;
			continue;
		}
		s[role].ptr = p;
		s[role].len = n;
	}
	out->t = t;

	if (ctx->mode == FG_INGEST_USERS) {
		int c = fg_config_label_class(cfg, s[FG_ROLE_LABEL].ptr, s[FG_ROLE_LABEL].len);

		out->label = c == FG_LABEL_CLASS_FRAUD   ? FG_LABEL_FRAUD
		             : c == FG_LABEL_CLASS_LEGIT ? FG_LABEL_LEGIT
		                                         : FG_LABEL_UNKNOWN;
		if (c < 0)
			set_warn(ctx, out, FG_WARN_LABEL, FG_ROLE_LABEL, s[FG_ROLE_LABEL].ptr,
			         s[FG_ROLE_LABEL].len);
		check_attrs(ctx, out);
		out->user_hash = fg_hash_str32(s[FG_ROLE_USER].ptr, s[FG_ROLE_USER].len);
		out->verdict = FG_ROW_GOOD;
		return;
	}

	{
		size_t i, n = s[FG_ROLE_KIND].len;

		for (i = 0; i < n; i++) {
			char c = s[FG_ROLE_KIND].ptr[i];

			ctx->kind_buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
		}
		ctx->kind_buf[n] = '\0';
		s[FG_ROLE_KIND].ptr = ctx->kind_buf;
		if (s[FG_ROLE_USER].len == s[FG_ROLE_VALUE].len &&
		    memcmp(s[FG_ROLE_USER].ptr, s[FG_ROLE_VALUE].ptr, s[FG_ROLE_USER].len) == 0 &&
		    kind_is_relation(ctx, ctx->kind_buf, n)) {
			set_bad(ctx, out, FG_BAD_SELF_LINK, FG_ROLE_VALUE, "relation links a user to itself",
			        s[FG_ROLE_VALUE].ptr, s[FG_ROLE_VALUE].len);
			return;
		}
		if (t != FG_TIME_NONE && cfg->since != FG_TIME_NONE && t < cfg->since) {
			out->verdict = FG_ROW_FILTERED;
			return;
		}
		normalise_link(ctx, out);
		out->verdict = FG_ROW_GOOD;
	}
}

int fg_ingest_row_apply(fg_ingest_ctx *ctx, const fg_row_check *c, uint64_t line)
{
	ctx->bad->rows_read++;
	if (c->verdict == FG_ROW_BAD)
		return fg_ingest_bad_quoted(ctx, c->reason, c->col, line, c->what, c->q);
	for (int w = 0; w < c->nwarn; w++)
		add_warning(ctx, &c->warn[w], line);
	switch (c->verdict) {
	case FG_ROW_FILTERED:
		ctx->bad->rows_filtered++;
		return FG_OK;
	case FG_ROW_GOOD:
	default:
		break;
	}
	if (ctx->mode == FG_INGEST_USERS) {
		fg_user_row u;

		u.user = c->s[FG_ROLE_USER];
		u.created_at = c->t;
		u.label = c->label;
		u.file = ctx->file;
		u.line = line;
		u.n_attrs = c->n_attrs;
		u.attrs = c->attrs;
		u.user_hash = c->user_hash;
		return ctx->user_sink(ctx->sink_ctx, &u);
	} else {
		fg_link_row r;

		r.user = c->s[FG_ROLE_USER];
		r.kind = c->s[FG_ROLE_KIND];
		r.value = c->s[FG_ROLE_VALUE];
		r.seen_at = c->t;
		r.file = ctx->file;
		r.line = line;
		r.placeholder = c->placeholder;
		r.user_hash = c->user_hash;
		r.value_hash = c->value_hash;
		return ctx->link_sink(ctx->sink_ctx, &r);
	}
}

int fg_ingest_row(fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES], uint64_t line)
{
	fg_row_check c;

	fg_ingest_row_check(ctx, f, &c);
	return fg_ingest_row_apply(ctx, &c, line);
}

/* The reasons [lo, hi) with their counts and first examples. */
static void report_reasons(const fg_badrows *bad, int lo, int hi)
{
	for (int r = lo; r < hi; r++) {
		if (!bad->by_reason[r])
			continue;
		fg_log_warn("  %s: %llu", fg_bad_reason_name((fg_bad_reason)r),
		            (unsigned long long)bad->by_reason[r]);
		for (int k = 0; k < FG_BAD_EXAMPLES && (uint64_t)k < bad->by_reason[r]; k++)
			fg_log_warn("    %s", bad->examples[r][k]);
	}
}

void fg_badrows_report(const fg_badrows *bad)
{
	if (bad->rows_filtered)
		fg_log_info("%llu of %llu rows dropped by the time window",
		            (unsigned long long)bad->rows_filtered, (unsigned long long)bad->rows_read);
	if (bad->total) {
		fg_log_warn("%llu bad rows skipped of %llu read", (unsigned long long)bad->total,
		            (unsigned long long)bad->rows_read);
		report_reasons(bad, 0, FG_BAD_FIRST_WARNING);
	}
	if (bad->warnings) {
		fg_log_warn("%llu warnings on rows kept", (unsigned long long)bad->warnings);
		report_reasons(bad, FG_BAD_FIRST_WARNING, FG_BAD_NREASONS);
	}
	if (bad->n_label_values) {
		char list[FG_LABEL_NAMES * 64];
		size_t w = 0;

		list[0] = '\0';
		for (uint32_t i = 0; i < bad->n_label_values && w < sizeof(list); i++)
			w += (size_t)snprintf(list + w, sizeof(list) - w, "%s\"%s\" (%llu)", i ? ", " : "",
			                      bad->label_value[i], (unsigned long long)bad->label_count[i]);
		if (bad->label_others && w < sizeof(list))
			snprintf(list + w, sizeof(list) - w, ", others (%llu)",
			         (unsigned long long)bad->label_others);
		fg_log_warn("unrecognised labels, counted as unknown: %s; map them with "
		            "--label fraud=V,... or --label legit=V,...", list);
	}
}
