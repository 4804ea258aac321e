/*
 * fg_ingest_csv_reader: the serial CSV reader over libcsv (RFC 4180: quoted
 * commas, doubled quotes, quoted newlines, CRLF).
 *
 * libcsv calls field_cb per field and record_cb per record end; with
 * CSV_REPALL_NL it also reports every newline outside a record, which is how
 * blank lines and the LF of a CRLF are counted.  Newlines inside quoted
 * fields are counted from the field bytes, so `line` is always the physical
 * line where a record starts (header = 1).  The header maps column index ->
 * role (fg_ingest_header); fields of used roles are copied into one buffer
 * per role of max_field_len + 1 bytes (longer fields keep a prefix and their
 * real length, and become FG_BAD_TOO_LONG rows); ignored columns are not
 * copied.  libcsv buffers the current field itself; its allocations go
 * through a capped realloc (max(4 MiB, 4 * max_field_len)) so a runaway
 * field (an unterminated quote) fails with FG_EDATA instead of eating memory.
 * A row libcsv cannot take (a malformed quote, an unquoted field past the
 * cap) is a bad row and reading resumes at the next physical line.
 *
 * Lines without a quote (nor CR, NUL, a field count other than the
 * header's) skip libcsv: fg_csv_reader_feed splits them itself and calls
 * the same field and record callbacks (the fast path, below: same rows,
 * lines and messages; tested against libcsv by test_ingest and the CSV fuzz
 * targets).  A reader with r->out set (a worker of fg_ingest_csv_pool.c)
 * stores its checked rows in that chunk instead of applying them.
 *
 * Complexity: O(bytes); no allocation or formatting per row (except bad rows).
 * Thread-safety: one reader per thread (the realloc cap is thread-local).
 */
#include "fg_ingest_csv_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FIELD_CAP_MIN ((size_t)4 << 20) /* libcsv field buffer cap, at least */

static _Thread_local size_t csv_alloc_cap;
static _Thread_local bool csv_cap_hit; /* a libcsv realloc was refused by the cap */

static void *capped_realloc(void *p, size_t n)
{
	if (n > csv_alloc_cap) {
		csv_cap_hit = true;
		return NULL;
	}
	return fg_realloc(p, n);
}

/* Line breaks inside a field: LF, or CR not followed by LF. */
static uint64_t count_breaks(const char *s, size_t n)
{
	uint64_t k = 0;
	size_t i = 0;

	/* fast path, 8 bytes at a time: no byte equal to LF or CR (haszero trick) */
	for (; i + 8 <= n; i += 8) {
		uint64_t w, a, b;

		memcpy(&w, s + i, 8);
		a = w ^ 0x0a0a0a0a0a0a0a0aull;
		b = w ^ 0x0d0d0d0d0d0d0d0dull;
		if (((a - 0x0101010101010101ull) & ~a & 0x8080808080808080ull) ||
		    ((b - 0x0101010101010101ull) & ~b & 0x8080808080808080ull))
			break;
	}
	for (; i < n && s[i] != '\n' && s[i] != '\r'; i++)
		;
	if (i == n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n')))
			k++;
	return k;
}

/* Keep the header's field col (libcsv reuses its buffer). */
static void header_field(fg_csv_reader *r, const char *s, size_t n)
{
	size_t col = r->field_idx;

	if (col == r->colcap) {
		size_t cap = r->colcap ? 2 * r->colcap : 64;
		int *p = fg_reallocarray(r->colrole, cap, sizeof(*p));
		char **h = p ? fg_reallocarray(r->hname, cap, sizeof(*h)) : NULL;

		if (p)
			r->colrole = p;
		if (!h) {
			r->err = fg_error_set(FG_ENOMEM, "%s:%llu: out of memory reading the header",
			                      r->ctx->file, (unsigned long long)r->rec_line);
			return;
		}
		r->hname = h;
		r->colcap = cap;
	}
	r->colrole[col] = -1;
	r->hname[col] = fg_malloc(n + 1);
	r->ncols = col + 1;
	if (!r->hname[col]) {
		r->err = fg_error_set(FG_ENOMEM, "%s:%llu: out of memory reading the header",
		                      r->ctx->file, (unsigned long long)r->rec_line);
		return;
	}
	if (n)
		memcpy(r->hname[col], s, n);
	r->hname[col][n] = '\0';
}

/* Append an attribute field to the row's abuf (a prefix of an over-long one). */
static void attr_field(fg_csv_reader *r, uint32_t a, const char *s, size_t n)
{
	size_t cap = r->ctx->cfg->max_field_len + (size_t)1;
	size_t keep = n < cap ? n : cap;
	fg_raw_field *f = &r->ctx->attr_f[a];

	if (r->abuf_len + keep > r->abuf_cap) {
		size_t nc = r->abuf_cap ? r->abuf_cap : 256;
		char *q;

		while (nc < r->abuf_len + keep)
			nc *= 2;
		if (!(q = fg_realloc(r->abuf, nc))) {
			r->err = fg_error_set(FG_ENOMEM, "%s:%llu: out of memory", r->ctx->file,
			                      (unsigned long long)r->rec_line);
			return;
		}
		r->abuf = q;
		r->abuf_cap = nc;
	}
	if (keep)
		memcpy(r->abuf + r->abuf_len, s, keep);
	r->aoff[a] = r->abuf_len;
	r->abuf_len += keep;
	f->len = keep;
	f->full_len = n;
	f->present = true;
	f->is_num = false;
}

/* Forget the current record's fields (after it was checked or dropped). */
static void record_clear(fg_csv_reader *r)
{
	int role;

	for (role = 0; role < FG_NROLES; role++)
		r->f[role].present = false;
	for (uint32_t a = 0; a < r->ctx->n_attr; a++)
		r->ctx->attr_f[a].present = false;
	r->abuf_len = 0;
}

/* One field of the current record, s[0..n) as libcsv would hand it over. */
static void field_put(fg_csv_reader *r, const char *s, size_t n)
{
	size_t col;

	if (!r->in_record) {
		r->in_record = true;
		r->rec_line = r->line;
		r->field_idx = 0;
	}
	r->prev_cr = false;
	col = r->field_idx;
	if (!r->have_header) {
		header_field(r, s, n);
	} else if (col < r->ncols && r->colrole[col] >= FG_COL_ATTR) {
		attr_field(r, (uint32_t)(r->colrole[col] - FG_COL_ATTR), s, n);
	} else if (col < r->ncols && r->colrole[col] >= 0) {
		int role = r->colrole[col];
		size_t cap = r->ctx->cfg->max_field_len + (size_t)1;
		size_t keep = n < cap ? n : cap;

		memcpy(r->buf[role], s, keep);
		r->f[role].ptr = r->buf[role];
		r->f[role].len = keep;
		r->f[role].full_len = n;
		r->f[role].present = true;
	}
	r->field_idx++;
}

static void field_cb(void *data, size_t n, void *arg)
{
	fg_csv_reader *r = arg;
	const char *s = data ? data : "";

	if (r->err)
		return;
	field_put(r, s, n);
	r->line += count_breaks(s, n);
}

/* Per-reader attribute offsets for ctx's attributes. */
int fg_csv_reader_attrs_init(fg_csv_reader *r)
{
	fg_free(r->aoff);
	r->aoff = fg_calloc(r->ctx->n_attr ? r->ctx->n_attr : 1, sizeof(*r->aoff));
	return r->aoff ? FG_OK : fg_error_set(FG_ENOMEM, "%s: out of memory", r->ctx->file);
}

/* The header's names -> roles and attributes (fg_ingest_header). */
static int check_header(fg_csv_reader *r)
{
	fg_str *names = fg_calloc(r->ncols ? r->ncols : 1, sizeof(*names));
	char where[4200];
	int rc;

	if (!names)
		return fg_error_set(FG_ENOMEM, "%s: out of memory reading the header", r->ctx->file);
	for (size_t i = 0; i < r->ncols; i++) {
		names[i].ptr = r->hname[i];
		names[i].len = strlen(r->hname[i]);
	}
	snprintf(where, sizeof(where), "%s:%llu", r->ctx->file, (unsigned long long)r->rec_line);
	rc = fg_ingest_header(r->ctx, names, r->ncols, r->colrole, where, "header");
	fg_free(names);
	if (rc == FG_OK)
		rc = fg_csv_reader_attrs_init(r);
	return rc;
}

/* The name of column col for messages ("column 12" past the header). */
void fg_csv_column_name(char *out, const fg_csv_reader *r, size_t col)
{
	if (r->hname && col < r->ncols) {
		size_t len = strlen(r->hname[col]);
		const char *t = fg_ingest_trim(r->hname[col], &len);

		fg_error_quote(out, FG_COL_NAME_MAX, t, len);
	} else {
		snprintf(out, FG_COL_NAME_MAX, "column %zu", col + 1);
	}
}

/* Point the row's attribute fields at abuf (stable once the record ended). */
static void attrs_fix(fg_csv_reader *r)
{
	for (uint32_t a = 0; a < r->ctx->n_attr; a++)
		if (r->ctx->attr_f[a].present)
			r->ctx->attr_f[a].ptr = r->abuf + r->aoff[a];
}

static void record_cb(int c, void *arg)
{
	fg_csv_reader *r = arg;
	bool brk = (c == '\r' || c == '\n');

	if (r->err)
		return;
	if (!r->in_record) {
		/* a newline outside a record: a blank line or the LF of a CRLF */
		if (c == '\n' && r->prev_cr)
			r->prev_cr = false;
		else if (brk) {
			r->line++;
			r->prev_cr = (c == '\r');
		}
		return;
	}
	if (!r->have_header) {
		r->have_header = true;
		r->err = check_header(r);
	} else {
		attrs_fix(r);
		r->err = r->out ? fg_csv_chunk_put_row(r->out, r->ctx, r->f, r->rec_line)
		                : fg_ingest_row(r->ctx, r->f, r->rec_line);
		record_clear(r);
	}
	r->in_record = false;
	if (brk) {
		r->line++;
		r->prev_cr = (c == '\r');
	}
}

/* Set the message of a parse error (ERR_*) at `line`; returns its code. */
int fg_csv_parse_error(const char *file, int kind, int csv_err, uint64_t line, const char *col)
{
	switch (kind) {
	case FG_CSV_ERR_NOMEM:
		return fg_error_set(FG_ENOMEM, "%s:%llu: out of memory", file, (unsigned long long)line);
	case FG_CSV_ERR_TOOBIG:
		return fg_error_set(FG_EDATA, "%s:%llu: field longer than %zu bytes (unterminated quote?)",
		                    file, (unsigned long long)line, csv_alloc_cap);
	case FG_CSV_ERR_OPEN_QUOTE:
		return fg_error_set(FG_EDATA, "%s:%llu: column '%s': unterminated quote: the quoted "
		                    "field opened here runs to the end of the file", file,
		                    (unsigned long long)line, col);
	default:
		return fg_error_set(FG_EDATA, "%s:%llu: %s", file, (unsigned long long)line,
		                    csv_strerror(csv_err));
	}
}
/*
 * libcsv stopped at rest[0] on a row it cannot take (a malformed quote, or
 * an unquoted field past the buffer cap): count the row as bad, naming its
 * line, column and value, drop what was parsed of it, restart the parser and
 * skip to the next physical line.  FG_OK, or the code that stops reading
 * (strict, max_bad_rows, out of memory).
 */
static int bad_line(fg_csv_reader *r, struct csv_parser *p, const char *rest, size_t n, bool quote)
{
	uint64_t line = r->in_record ? r->rec_line : r->line;
	size_t col = r->in_record ? r->field_idx : 0, k, w;
	fg_bad_reason reason = quote ? FG_BAD_QUOTE : FG_BAD_TOO_LONG;
	char val[96], colname[FG_COL_NAME_MAX], what[64], q[96];
	int rc = FG_OK;

	/* the field so far, then the rest of it as written (to a comma or the line end) */
	w = p->entry_pos < 64 ? p->entry_pos : 64;
	memcpy(val, p->entry_buf, w);
	for (k = 0; k < n && w < sizeof(val) && rest[k] != '\n' && rest[k] != '\r' && rest[k] != ',';
	     k++)
		val[w++] = rest[k];
	fg_error_quote(q, sizeof(q), val, w);
	fg_csv_column_name(colname, r, col);
	if (quote)
		snprintf(what, sizeof(what), "malformed quote");
	else
		snprintf(what, sizeof(what), "unquoted field longer than %zu bytes", csv_alloc_cap);
	r->line += count_breaks((const char *)p->entry_buf, p->entry_pos);
	if (r->out) {
		if (fg_csv_chunk_put_bad(r->out, line, reason, colname, what, q) != FG_OK)
			return FG_ENOMEM;
	} else {
		r->ctx->bad->rows_read++;
		rc = fg_ingest_bad_quoted(r->ctx, reason, colname, line, what, q);
	}
	record_clear(r);
	r->in_record = false;
	r->field_idx = 0;
	r->skip_line = true;
	csv_free(p);
	if (fg_csv_parser_init(p) != FG_OK) {
		if (r->out) {
			r->out->err_kind = FG_CSV_ERR_NOMEM;
			r->out->err_line = line;
		}
		return fg_error_set(FG_ENOMEM, "%s:%llu: out of memory", r->ctx->file,
		                    (unsigned long long)line);
	}
	return rc;
}

/*
 * Feed bytes to libcsv; FG_OK or the first error.  Bad lines (bad_line)
 * are skipped up to their line end, which may be in a later call.
 */
static int libcsv_feed(fg_csv_reader *r, struct csv_parser *p, const char *buf, size_t n)
{
	while (n && !r->err) {
		size_t k;
		int e;

		if (r->skip_line) {
			for (k = 0; k < n && buf[k] != '\n' && buf[k] != '\r'; k++)
				;
			if (k == n)
				return FG_OK;
			r->skip_line = false;
			r->line++;
			r->prev_cr = buf[k] == '\r';
			buf += k + 1;
			n -= k + 1;
			continue;
		}
		k = csv_parse(p, buf, n, field_cb, record_cb, r);
		if (k == n || r->err)
			break;
		e = csv_error(p);
		if (r->have_header && (e == CSV_EPARSE || (e == CSV_ENOMEM && csv_cap_hit && !p->quoted))) {
			r->err = bad_line(r, p, buf + k, n - k, e == CSV_EPARSE);
			buf += k;
			n -= k;
			continue;
		}
		{
			/* the record being parsed when libcsv gave up */
			uint64_t line = r->in_record ? r->rec_line : r->line;
			int kind = FG_CSV_ERR_CSV;

			if (e == CSV_ENOMEM && !csv_cap_hit)
				kind = FG_CSV_ERR_NOMEM;
			else if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
				kind = FG_CSV_ERR_TOOBIG;
			if (r->out) { /* worker: the reading thread formats it in order */
				r->out->err_kind = kind;
				r->out->csv_err = e;
				r->out->err_line = line;
				r->err = kind == FG_CSV_ERR_NOMEM ? FG_ENOMEM : FG_EDATA;
			} else if (e == CSV_EPARSE) {
				r->err = fg_error_set(FG_EDATA, "%s:%llu: malformed quote in the header",
				                      r->ctx->file, (unsigned long long)line);
			} else {
				r->err = fg_csv_parse_error(r->ctx->file, kind, e, line, "");
			}
		}
	}
	return r->err;
}

/*
 * The fast path: a line that libcsv would read as plain comma-separated
 * fields is split here (memchr) and handed to the same field_put and
 * record_cb, so rows, lines and messages are those of libcsv.  A line takes
 * it when the reader is between records (libcsv in ROW_NOT_BEGUN, no record
 * begun, no bad line being skipped), the header is read, and the line
 *   - ends with an LF inside the bytes at hand (a partial line: libcsv),
 *   - holds no '"', no CR and no NUL byte,
 *   - is shorter than libcsv's first field buffer (FG_CSV_LIBCSV_BLK), so
 *     no field of it could have grown that buffer towards its cap,
 *   - has exactly ncols fields and is not blank (spaces and tabs only: libcsv
 *     reports no field for it).
 * Fields are trimmed of spaces and tabs at both ends, as libcsv trims
 * unquoted fields.  Any other line, and the rest of a record libcsv has
 * begun, goes to libcsv up to the next LF.
 */
static bool fast_off; /* fg_ingest_csv_set_fast(false) */

void fg_ingest_csv_set_fast(bool on)
{
	fast_off = !on;
}

/* Where the next '"', CR and NUL are in the bytes at hand (end: none;
 * NULL: not looked for yet). */
typedef struct fast_scan {
	const char *end, *at[3];
} fast_scan;

static const char *next_special(fast_scan *sc, const char *from)
{
	static const char special[3] = { '"', '\r', '\0' };
	const char *first = sc->end;

	for (int i = 0; i < 3; i++) {
		if (!sc->at[i] || sc->at[i] < from) {
			sc->at[i] = memchr(from, special[i], (size_t)(sc->end - from));
			if (!sc->at[i])
				sc->at[i] = sc->end;
		}
		if (sc->at[i] < first)
			first = sc->at[i];
	}
	return first;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split line s[0..len) (no LF) and deliver it as one record; false (nothing
 * delivered) if it does not have ncols fields or is blank. */
static bool fast_line(fg_csv_reader *r, const char *s, size_t len)
{
	const char *p = s, *e = s + len;
	size_t nf = 0;

	if (r->span_cap < r->ncols) {
		fg_str *q = fg_reallocarray(r->span, r->ncols, sizeof(*q));

		if (!q)
			return false; /* libcsv needs no such array */
		r->span = q;
		r->span_cap = r->ncols;
	}
	for (;;) {
		const char *c = memchr(p, ',', (size_t)(e - p)), *fe = c ? c : e;

		if (nf == r->ncols)
			return false;
		while (p < fe && is_blank(*p))
			p++;
		while (fe > p && is_blank(fe[-1]))
			fe--;
		r->span[nf].ptr = p;
		r->span[nf].len = (size_t)(fe - p);
		nf++;
		if (!c)
			break;
		p = c + 1;
	}
	if (nf != r->ncols || (nf == 1 && r->span[0].len == 0))
		return false;
	for (size_t i = 0; i < nf; i++)
		field_put(r, r->span[i].ptr, r->span[i].len);
	record_cb('\n', r);
	return true;
}

/* Deliver the fast lines at the start of buf[0..n); the bytes they took. */
static size_t fast_lines(fg_csv_reader *r, fast_scan *sc, const char *buf, size_t n)
{
	const char *s = buf, *end = buf + n;

	while (s < end && !r->err) {
		const char *lf = memchr(s, '\n', (size_t)(end - s));

		if (!lf || (size_t)(lf - s) >= FG_CSV_LIBCSV_BLK || next_special(sc, s) < lf ||
		    !fast_line(r, s, (size_t)(lf - s)))
			break;
		s = lf + 1;
	}
	return (size_t)(s - buf);
}

int fg_csv_reader_feed(fg_csv_reader *r, struct csv_parser *p, const char *buf, size_t n)
{
	fast_scan sc = { .end = buf + n, .at = { NULL, NULL, NULL } };

	if (!r->fast)
		return libcsv_feed(r, p, buf, n);
	while (n && !r->err) {
		size_t k = 0;

		if (r->have_header && !r->in_record && !r->skip_line && p->pstate == FG_CSV_ROW_NOT_BEGUN)
			k = fast_lines(r, &sc, buf, n);
		if (k == 0) {
			const char *lf = memchr(buf, '\n', n);

			k = lf ? (size_t)(lf - buf) + 1 : n;
			libcsv_feed(r, p, buf, k);
		}
		buf += k;
		n -= k;
	}
	return r->err;
}

/*
 * End of input: csv_fini in strict mode; a quoted field still open is
 * FG_EDATA (worker: recorded for the reading thread).
 */
int fg_csv_reader_fini(fg_csv_reader *r, struct csv_parser *p)
{
	if (r->err)
		return r->err;
	if (csv_fini(p, field_cb, record_cb, r) != 0 && !r->err) {
		uint64_t line = r->in_record ? r->rec_line : r->line;
		size_t col = r->in_record ? r->field_idx : 0;
		char colname[FG_COL_NAME_MAX];

		if (r->out) {
			r->out->err_kind = FG_CSV_ERR_OPEN_QUOTE;
			r->out->err_line = line;
			r->out->err_col = col;
			r->err = FG_EDATA;
		} else if (!r->have_header) {
			r->err = fg_error_set(FG_EDATA, "%s:%llu: unterminated quote in the header",
			                      r->ctx->file, (unsigned long long)line);
		} else {
			fg_csv_column_name(colname, r, col);
			r->err = fg_csv_parse_error(r->ctx->file, FG_CSV_ERR_OPEN_QUOTE, 0, line, colname);
		}
	}
	return r->err;
}

int fg_csv_reader_init(fg_csv_reader *r, fg_ingest_ctx *ctx, uint64_t first_line)
{
	int role;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->line = first_line;
	r->fast = !fast_off;
	for (role = 0; role < FG_NROLES; role++) {
		if (!fg_ingest_role_used(ctx->mode, role))
			continue;
		r->buf[role] = fg_malloc((size_t)ctx->cfg->max_field_len + 1);
		if (!r->buf[role])
			return fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
	}
	return FG_OK;
}

void fg_csv_reader_free(fg_csv_reader *r)
{
	int role;

	for (role = 0; role < FG_NROLES; role++)
		fg_free(r->buf[role]);
	fg_free(r->colrole);
	if (r->hname)
		for (size_t i = 0; i < r->ncols; i++)
			fg_free(r->hname[i]);
	fg_free(r->hname);
	fg_free(r->abuf);
	fg_free(r->aoff);
	fg_free(r->span);
}

/* Read into buf until it holds want bytes or EOF; returns bytes or -1 (errno). */
ssize_t fg_csv_read_full(int fd, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		ssize_t k = read(fd, buf + got, want - got);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* csv_init with the reader's settings (fg_ingest_csv_internal.h). */
int fg_csv_parser_init(struct csv_parser *p)
{
	if (csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0)
		return FG_ENOMEM;
	/* libcsv grows its field buffer linearly by blk_size (128 by default):
	 * a 1 MB field would cost thousands of reallocs */
	csv_set_blk_size(p, FG_CSV_LIBCSV_BLK);
	csv_set_realloc_func(p, capped_realloc);
	csv_set_free_func(p, fg_free);
	csv_cap_hit = false;
	return FG_OK;
}

void fg_csv_set_alloc_cap(const fg_config *cfg)
{
	csv_alloc_cap = (size_t)cfg->max_field_len * 4;
	if (csv_alloc_cap < FIELD_CAP_MIN)
		csv_alloc_cap = FIELD_CAP_MIN;
	csv_cap_hit = false;
}

/* Put r back between records at `line` (the header stays). */
void fg_csv_reader_reset(fg_csv_reader *r, uint64_t line)
{
	int role;

	r->err = FG_OK;
	r->in_record = false;
	r->prev_cr = false;
	r->skip_line = false;
	r->field_idx = 0;
	r->line = line;
	for (role = 0; role < FG_NROLES; role++)
		r->f[role].present = false;
	if (r->aoff)
		record_clear(r);
}

/*
 * Serial reading: feed fd from its current offset to EOF (first: the file's
 * first block, whose BOM is skipped), then csv_fini.  FG_OK or the first error.
 */
int fg_csv_feed_rest(fg_csv_reader *r, struct csv_parser *p, int fd, char *block, bool first)
{
	const char *name = r->ctx->file;
	int ret;

	for (;;) {
		ssize_t n = first ? fg_csv_read_full(fd, block, FG_CSV_BLOCK) : read(fd, block, FG_CSV_BLOCK);
		const char *s = block;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fg_error_set(FG_EIO, "%s: read error: %s", name, strerror(errno));
		}
		if (n == 0)
			break;
		if (first && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
		first = false;
		ret = fg_csv_reader_feed(r, p, s, (size_t)n);
		if (ret)
			return ret;
	}
	return fg_csv_reader_fini(r, p);
}

int fg_csv_reader_flush(fg_csv_reader *r, struct csv_parser *p)
{
	csv_fini(p, field_cb, record_cb, r);
	return r->err;
}

int fg_csv_read_header(uint64_t *data_off, bool *splits, fg_csv_reader *r,
                       struct csv_parser *p, int fd, char *block)
{
	ssize_t n = fg_csv_read_full(fd, block, FG_CSV_BLOCK);
	size_t skip = 0, i = 0;
	int ret;

	*splits = false;
	if (n < 0)
		return fg_error_set(FG_EIO, "%s: read error: %s", r->ctx->file, strerror(errno));
	if (n >= 3 && memcmp(block, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	while (skip + i < (size_t)n) {
		const char *s = block + skip;

		if ((ret = fg_csv_reader_feed(r, p, s + i, 1)) != FG_OK)
			return ret;
		i++;
		if (!r->have_header)
			continue;
		if (p->pstate != FG_CSV_ROW_NOT_BEGUN)
			return FG_OK;
		if (s[i - 1] == '\n') {
			*data_off = skip + i;
			*splits = true;
			return FG_OK;
		}
		if (!(s[i - 1] == '\r' && skip + i < (size_t)n && s[i] == '\n'))
			return FG_OK;
	}
	return FG_OK;
}
