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
#include "fg_log.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const link_names[FG_NROLES] = {"user_id", "kind", "value", "seen_at", NULL};
static const char *const user_names[FG_NROLES] = {"user_id", NULL, NULL, "created_at", "label"};

static const bool link_required[FG_NROLES] = {true, true, true, false, false};
static const bool user_required[FG_NROLES] = {true, false, false, false, false};

const char *fg_ingest_role_name(fg_ingest_mode mode, int role)
{
	assert(role >= 0 && role < FG_NROLES);
	return mode == FG_INGEST_LINKS ? link_names[role] : user_names[role];
}

bool fg_ingest_role_used(fg_ingest_mode mode, int role)
{
	return fg_ingest_role_name(mode, role) != NULL;
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
	case FG_BAD_TIME: return "unparseable time";
	case FG_BAD_UTF8: return "invalid UTF-8 or NUL byte";
	case FG_BAD_TOO_LONG: return "field too long";
	case FG_BAD_SELF_LINK: return "self link";
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
	if (!ctx->kind_buf)
		return fg_error_set(FG_ENOMEM, "%s: out of memory", file);
	return FG_OK;
}

void fg_ingest_ctx_free(fg_ingest_ctx *ctx)
{
	fg_free(ctx->kind_buf);
	ctx->kind_buf = NULL;
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

int fg_ingest_bad_quoted(fg_ingest_ctx *ctx, fg_bad_reason reason, int role, uint64_t line,
                         const char *what, const char *q)
{
	fg_badrows *bad = ctx->bad;
	const char *col = fg_ingest_role_name(ctx->mode, role);
	uint64_t k;

	bad->total++;
	k = bad->by_reason[reason]++;
	if (k < FG_BAD_EXAMPLES)
		snprintf(bad->examples[reason][k], sizeof(bad->examples[reason][k]),
		         "%s:%llu: column '%s': value \"%s\"", ctx->file, (unsigned long long)line,
		         col, q);
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

static bool kind_is_relation(fg_ingest_ctx *ctx, const char *kind, size_t len)
{
	if (len >= FG_KIND_NAME_MAX)
		return fg_config_is_relation(ctx->cfg, kind);
	if (ctx->last_kind_valid && memcmp(ctx->last_kind, kind, len + 1) == 0)
		return ctx->last_is_rel;
	memcpy(ctx->last_kind, kind, len + 1);
	ctx->last_kind_valid = true;
	ctx->last_is_rel = fg_config_is_relation(ctx->cfg, kind);
	return ctx->last_is_rel;
}

static fg_label parse_label(const char *s, size_t len)
{
	if (len == 5 && strncasecmp(s, "fraud", 5) == 0)
		return FG_LABEL_FRAUD;
	if (len == 5 && strncasecmp(s, "legit", 5) == 0)
		return FG_LABEL_LEGIT;
	return FG_LABEL_UNKNOWN;
}

/* Record a bad-row verdict in *out (the value quoted and truncated). */
static void set_bad(fg_row_check *out, fg_bad_reason reason, int role, const char *what,
                    const char *val, size_t len)
{
	out->verdict = FG_ROW_BAD;
	out->reason = reason;
	out->role = role;
	if (what != out->what)
		snprintf(out->what, sizeof(out->what), "%s", what);
	fg_error_quote(out->q, sizeof(out->q), val ? val : "", val ? len : 0);
}

void fg_ingest_row_check(fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES], fg_row_check *out)
{
	const fg_config *cfg = ctx->cfg;
	fg_str *s = out->s;
	const char *const *names = ctx->mode == FG_INGEST_LINKS ? link_names : user_names;
	const bool *required = ctx->mode == FG_INGEST_LINKS ? link_required : user_required;
	int64_t t = FG_TIME_NONE;
	int role;

	memset(s, 0, sizeof(out->s));
	for (role = 0; role < FG_NROLES; role++) {
		bool req = required[role];
		const char *p;
		size_t n;

		if (!names[role])
			continue;
		if (!f[role].present) {
			if (req) {
				set_bad(out, FG_BAD_MISSING_FIELD, role, "missing field", NULL, 0);
				return;
			}
			continue;
		}
		if (role == FG_ROLE_TIME && f[role].is_int) {
			t = f[role].ival;
			continue;
		}
		if (f[role].full_len > cfg->max_field_len) {
			snprintf(out->what, sizeof(out->what), "field of %zu bytes longer than %u",
			         f[role].full_len, cfg->max_field_len);
			set_bad(out, FG_BAD_TOO_LONG, role, out->what, f[role].ptr, f[role].len);
			return;
		}
		if (!fg_ingest_utf8_ok(f[role].ptr, f[role].len)) {
			set_bad(out, FG_BAD_UTF8, role,
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
				set_bad(out, FG_BAD_EMPTY_VALUE, role, "empty value", f[role].ptr,
				        f[role].len);
				return;
			}
			continue;
		}
		if (role == FG_ROLE_TIME && fg_parse_time(&t, p, n) != 0) {
			set_bad(out, FG_BAD_TIME, role, "unparseable time", p, n);
			return;
		}
		s[role].ptr = p;
		s[role].len = n;
	}
	out->t = t;

	if (ctx->mode == FG_INGEST_USERS) {
		out->label = parse_label(s[FG_ROLE_LABEL].ptr, s[FG_ROLE_LABEL].len);
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
			set_bad(out, FG_BAD_SELF_LINK, FG_ROLE_VALUE, "relation links a user to itself",
			        s[FG_ROLE_VALUE].ptr, s[FG_ROLE_VALUE].len);
			return;
		}
		if (t != FG_TIME_NONE && cfg->since != FG_TIME_NONE && t < cfg->since) {
			out->verdict = FG_ROW_FILTERED;
			return;
		}
		out->verdict = FG_ROW_GOOD;
	}
}

int fg_ingest_row_apply(fg_ingest_ctx *ctx, const fg_row_check *c, uint64_t line)
{
	ctx->bad->rows_read++;
	switch (c->verdict) {
	case FG_ROW_BAD:
		return fg_ingest_bad_quoted(ctx, c->reason, c->role, line, c->what, c->q);
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
		return ctx->user_sink(ctx->sink_ctx, &u);
	} else {
		fg_link_row r;

		r.user = c->s[FG_ROLE_USER];
		r.kind = c->s[FG_ROLE_KIND];
		r.value = c->s[FG_ROLE_VALUE];
		r.seen_at = c->t;
		r.file = ctx->file;
		r.line = line;
		return ctx->link_sink(ctx->sink_ctx, &r);
	}
}

int fg_ingest_row(fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES], uint64_t line)
{
	fg_row_check c;

	fg_ingest_row_check(ctx, f, &c);
	return fg_ingest_row_apply(ctx, &c, line);
}

void fg_badrows_report(const fg_badrows *bad)
{
	int r, k;

	if (bad->rows_filtered)
		fg_log_info("%llu of %llu rows dropped by the time window",
		            (unsigned long long)bad->rows_filtered, (unsigned long long)bad->rows_read);
	if (!bad->total)
		return;
	fg_log_warn("%llu bad rows skipped of %llu read", (unsigned long long)bad->total,
	            (unsigned long long)bad->rows_read);
	for (r = 0; r < FG_BAD_NREASONS; r++) {
		if (!bad->by_reason[r])
			continue;
		fg_log_warn("  %s: %llu", fg_bad_reason_name((fg_bad_reason)r),
		            (unsigned long long)bad->by_reason[r]);
		for (k = 0; k < FG_BAD_EXAMPLES && (uint64_t)k < bad->by_reason[r]; k++)
			fg_log_warn("    %s", bad->examples[r][k]);
	}
}
