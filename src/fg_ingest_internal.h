/*
 * fg_ingest_internal: what the CSV and SQLite readers share (private to src/).
 *
 * A reader turns its input into raw fields per role (user, kind, value, time,
 * label) and hands them to fg_ingest_row, which validates, normalises,
 * records bad rows and calls the sink.  One fg_ingest_ctx per reader call;
 * used by one thread.
 */
#ifndef FG_SRC_FG_INGEST_INTERNAL_H
#define FG_SRC_FG_INGEST_INTERNAL_H

#include "fg_ingest.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FG_ROLE_USER, FG_ROLE_KIND, FG_ROLE_VALUE, FG_ROLE_TIME, FG_ROLE_LABEL, FG_NROLES };

/* fg_ingest_header's column map: a role, FG_COL_ATTR + a (attribute a), or -1. */
#define FG_COL_ATTR FG_NROLES
#define FG_ATTR_TEXT_MAX 64 /* bytes of a non-numeric attribute value kept */

typedef enum fg_ingest_mode { FG_INGEST_LINKS, FG_INGEST_USERS } fg_ingest_mode;

/* One raw field of the current row. */
typedef struct fg_raw_field {
	const char *ptr; /* bytes (not NUL-terminated); may be a prefix if full_len > len */
	size_t len;      /* bytes at ptr */
	size_t full_len; /* the field's real length (> max_field_len: too long) */
	int64_t ival;    /* FG_ROLE_TIME given as an integer (is_int) */
	double num;      /* an attribute given as a number (is_num; SQLite) */
	bool present;    /* false: the row has no such column (or SQL NULL) */
	bool is_int;
	bool is_num;
} fg_raw_field;

typedef struct fg_ingest_ctx {
	const fg_config *cfg;
	fg_badrows *bad;
	fg_ingest_mode mode;
	fg_link_sink link_sink;
	fg_user_sink user_sink;
	fg_user_hint user_hint; /* NULL, or the sink's look-ahead (fg_csv_chunk_deliver) */
	void *sink_ctx;
	const char *file; /* display name: path, "<stdin>", "DB:edges", ... */
	char *kind_buf;   /* max_field_len + 1 bytes: the lower-cased kind, NUL-terminated */
	char *value_buf;  /* max_field_len + 1 bytes: the normalised value */
	fg_kind_memo kinds; /* the lower-cased kinds met, with their settings */
	/* users: the attribute columns of this input (fg_ingest_header) */
	uint32_t n_attr;
	char **attr_name;        /* n_attr lower-case names (owned unless attr_borrowed) */
	bool attr_borrowed;
	fg_raw_field *attr_f;    /* n_attr: the current row's raw fields (the reader fills) */
	fg_attr_val *attr_val;   /* n_attr: their checked values */
	char *attr_text;         /* n_attr * FG_ATTR_TEXT_MAX: FG_ATTR_TEXT bytes */
} fg_ingest_ctx;

/* The column name of a role in this mode (cfg's --column or the role's own
 * name; NULL if the mode has no such role), and whether the mode requires it. */
const char *fg_ingest_role_name(const fg_ingest_ctx *ctx, int role);
bool fg_ingest_role_used(fg_ingest_mode mode, int role);
bool fg_ingest_role_required(fg_ingest_mode mode, int role);

/*
 * The header-to-role mapping, shared by the CSV and SQLite readers: names[i]
 * (ncols of them, raw) -> colrole[i] (a role, FG_COL_ATTR + a, or -1; first
 * column of a name wins).  Users mode: columns of no role whose lower-cased
 * name fg_config_attr_wanted keeps become ctx's attributes (at most
 * FG_MAX_ATTRS).  A missing required column is FG_EDATA "<where>: missing
 * required column 'c' (<what>: a,b,c)"; a missing optional one is a warning
 * logged once per run (bad->noted).  Returns FG_OK, FG_EDATA or FG_ENOMEM.
 */
int fg_ingest_header(fg_ingest_ctx *ctx, const fg_str *names, size_t ncols, int *colrole,
                     const char *where, const char *what);

/* Give dst (another thread's ctx of the same input) src's attribute columns:
 * names borrowed, own row buffers.  FG_OK or FG_ENOMEM. */
int fg_ingest_ctx_share_attrs(fg_ingest_ctx *dst, const fg_ingest_ctx *src);

/* Set up ctx (allocates kind_buf).  Returns FG_OK or FG_ENOMEM. */
int fg_ingest_ctx_init(fg_ingest_ctx *ctx, fg_ingest_mode mode, const fg_config *cfg,
                       fg_badrows *bad, fg_link_sink lsink, fg_user_sink usink, void *sink_ctx,
                       const char *file);
void fg_ingest_ctx_free(fg_ingest_ctx *ctx);

/* Verdict of fg_ingest_row_check on one row. */
typedef enum fg_row_verdict { FG_ROW_GOOD, FG_ROW_BAD, FG_ROW_FILTERED } fg_row_verdict;

/*
 * What fg_ingest_row_check found, without side effects on the bad-row counts
 * or the sink (so a worker thread can check rows and the reading thread apply
 * them later, in file order).  GOOD: s[] (trimmed; s[FG_ROLE_KIND] lower-cased
 * in ctx->kind_buf, NUL-terminated), t (seen_at / created_at), label (users).
 * BAD: reason, role, what (the problem), q (the value quoted and truncated).
 */
typedef struct fg_row_warn {
	fg_bad_reason reason;
	char col[FG_COL_NAME_MAX];
	char q[96];
} fg_row_warn;

typedef struct fg_row_check {
	fg_row_verdict verdict;
	fg_str s[FG_NROLES];
	int64_t t;
	fg_label label;
	fg_bad_reason reason;
	char col[FG_COL_NAME_MAX]; /* BAD: the column's name */
	char what[64];
	char q[96];
	int nwarn;                 /* GOOD or FILTERED: warnings of the row */
	fg_row_warn warn[2];
	uint32_t n_attrs;          /* users: ctx->attr_val */
	const fg_attr_val *attrs;
	bool placeholder;          /* links, GOOD: the normalised value is a placeholder */
	uint32_t user_hash, value_hash; /* GOOD, no placeholder: fg_hash_str32 (users: user_hash) */
} fg_row_check;

/* Validate and normalise one row (f[] and ctx->attr_f) into *out.  Pure but
 * for ctx's buffers and relation cache: one ctx per thread. */
void fg_ingest_row_check(fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES], fg_row_check *out);

/*
 * Account for a checked row found at `line`: rows_read, bad rows (examples,
 * strict, max_bad_rows), filtered rows, else the sink.  Returns FG_OK,
 * FG_EDATA or the sink's code.  Not thread-safe (ctx->bad, the sink).
 */
int fg_ingest_row_apply(fg_ingest_ctx *ctx, const fg_row_check *c, uint64_t line);

/* Count a bad row whose value is already quoted (q); FG_EDATA under strict or
 * past max_bad_rows, with a message naming file:line, column and value. */
int fg_ingest_bad_quoted(fg_ingest_ctx *ctx, fg_bad_reason reason, const char *col,
                         uint64_t line, const char *what, const char *q);

/*
 * Validate and normalise one data row (fields indexed by role) found at
 * `line`, then pass it to the sink, or record it as bad / filtered
 * (fg_ingest_row_check + fg_ingest_row_apply).  Returns
 * FG_OK, FG_EDATA (strict, too many bad rows) or the sink's code.
 */
int fg_ingest_row(fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES], uint64_t line);

#endif
