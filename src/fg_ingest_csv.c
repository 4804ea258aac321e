/*
 * fg_ingest_csv: link and user rows from CSV files through libcsv.
 *
 * Algorithm: the file is read in 1 MiB blocks and fed to libcsv (RFC 4180:
 * quoted commas, doubled quotes, quoted newlines, CRLF).  libcsv calls
 * field_cb per field and record_cb per record end; with CSV_REPALL_NL it also
 * reports every newline outside a record, which is how blank lines and the
 * LF of a CRLF are counted.  Newlines inside quoted fields are counted from
 * the field bytes, so `line` is always the physical line where a record
 * starts (header = 1).
 *
 * Layout: the header maps column index -> role (user_id, kind, ...; -1 for
 * ignored columns).  Fields of used roles are copied into one buffer per role
 * of max_field_len + 1 bytes (longer fields keep a prefix and their real
 * length, and become FG_BAD_TOO_LONG rows); ignored columns are not copied.
 * libcsv itself buffers the current field; its allocations go through a
 * capped realloc (max(4 MiB, 4 * max_field_len)) so a runaway field (an
 * unterminated quote) fails with FG_EDATA instead of eating memory.
 *
 * Parallel chunks (regular files of at least two chunks, threads >= 2; stdin
 * and pipes stay serial).  The calling thread parses the header (byte by byte,
 * up to the first LF after it), then reads the rest in chunks of about
 * `chunk` bytes (2 MiB; FG_INGEST_CHUNK or fg_ingest_csv_set_chunk) cut after
 * the last LF preceded by an even number of '"' since the chunk start (RFC
 * 4180: a record boundary; doubled quotes count twice).  Worker threads
 * (pthreads, cfg->threads - 1 of them; the calling thread parses the next
 * untaken chunk rather than wait for one) parse chunks with their own
 * libcsv parser and csv_reader starting at relative line 0, check rows with
 * fg_ingest_row_check and store them (normalised strings, verdicts, bad-row
 * values already quoted, a deferred parse error) in the chunk's row buffer.
 * The calling thread applies the buffers strictly in chunk order
 * (fg_ingest_row_apply: rows_read, bad rows with strict / max_bad_rows, the
 * sink), adding the chunk's first line: rows, messages, line numbers and the
 * stopping point are those of the serial reader, for any thread count.
 * Exactness on malformed quoting (libcsv in non-strict mode may disagree with
 * quote parity, e.g. `"a"b` or `a"b`): a chunk's rows are applied only if its
 * parser ended between records (libcsv ROW_NOT_BEGUN after its last LF), or
 * it is the last chunk; by induction every applied chunk was parsed from the
 * serial reader's state.  Otherwise, or when no boundary is found within
 * max(4 chunks, 1 MiB) (CR-only line ends, a huge quoted field), the serial
 * reader re-reads the file from that chunk's start.  Chunks are read with
 * pread (the bytes after a cut are read again for the next chunk).  At most 2
 * chunks per thread are in flight (memory about 2 x threads x 2.5 x chunk).
 *
 * Complexity: O(bytes); no allocation or formatting per row (except bad rows).
 * Thread-safety: one reader per thread (the realloc cap is thread-local); the
 * sink is called only from the calling thread.
 */
#include "fg_ingest.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_ingest_internal.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define BLOCK_SIZE (1u << 20)
#define CHUNK_DEFAULT ((size_t)2 << 20)
#define CHUNK_GROW_MAX 4 /* no boundary within 4 chunks: serial from there */
#define MAX_WORKERS 64
#define LIBCSV_ROW_NOT_BEGUN 0 /* libcsv.c's pstate between records */
#define FIELD_CAP_MIN ((size_t)4 << 20) /* libcsv field buffer cap, at least */

/*
 * Invariants: colrole[0..ncols) is valid once have_header; field_idx counts
 * fields of the current record; in_record is true between its first field
 * and its end; rec_line is the line of the current record's first byte.
 * Once err != FG_OK every callback is a no-op.
 */
struct chunk;

typedef struct csv_reader {
	fg_ingest_ctx *ctx;
	struct chunk *out; /* non-NULL: store rows there (worker) instead of applying them */
	int err;
	bool have_header;
	bool in_record;
	bool prev_cr;  /* the last thing seen was a CR ending a line */
	bool skip_line; /* after a malformed row: drop bytes up to the next line end */
	int *colrole;  /* column -> role, FG_COL_ATTR + attribute, or -1 (fg_ingest_header) */
	size_t ncols, colcap;
	char **hname;  /* the header's names (colcap slots; NULL in workers) */
	char *abuf;    /* the current row's attribute bytes, back to back */
	size_t abuf_len, abuf_cap;
	size_t *aoff;  /* per attribute: its offset in abuf */
	size_t field_idx;
	uint64_t line;
	uint64_t rec_line;
	char *buf[FG_NROLES];
	fg_raw_field f[FG_NROLES];
} csv_reader;

/* One checked row in a chunk's buffer; GOOD rows' strings are in the arena
 * in order user, kind (+ NUL), value. */
typedef struct row_ent {
	uint64_t line; /* relative to the chunk's first line */
	int64_t t;
	uint32_t len[3]; /* user, kind, value */
	uint32_t alen;   /* users: bytes of the attribute blob after the value */
	uint8_t verdict; /* fg_row_verdict */
	uint8_t label;
	uint8_t nwarn;   /* GOOD / FILTERED: its warnings, next in the bads list */
} row_ent;

/* A bad row's or a warning's report, formatted by the worker (no file or line in it). */
typedef struct bad_ent {
	fg_bad_reason reason;
	char col[FG_COL_NAME_MAX];
	char what[64];
	char q[96];
} bad_ent;

/* Why a worker stopped inside a chunk (formatted later by the reading thread). */
enum { ERR_NONE, ERR_NOMEM, ERR_TOOBIG, ERR_CSV, ERR_OPEN_QUOTE };

/*
 * One chunk in flight.  Input (in, in_len, off, last) is written by the
 * reading thread before the chunk is published; output (the rest) by one
 * worker before it marks the chunk done (done_seq = index + 1); both under
 * pool.mu hand-offs.  in[in_len..) may hold the start of the next chunk,
 * which the reading thread copies from there.
 */
typedef struct chunk {
	char *in;
	size_t in_len, in_cap;
	off_t off; /* file offset of in[0] */
	bool last; /* ends at EOF */
	row_ent *ents;
	size_t nents, ents_cap;
	char *arena;
	size_t arena_len, arena_cap;
	bad_ent *bads;
	size_t nbads, bads_cap;
	uint64_t end_line; /* relative line after the last byte */
	bool clean_end;    /* the parser ended between records */
	int err;           /* FG_OK, or the code that stopped the worker after nents rows */
	int err_kind;      /* ERR_* */
	int csv_err;       /* libcsv's code for ERR_CSV */
	uint64_t err_line; /* relative */
	size_t err_col;    /* ERR_OPEN_QUOTE: the column */
	uint64_t done_seq;
} chunk;

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
static void header_field(csv_reader *r, const char *s, size_t n)
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
static void attr_field(csv_reader *r, uint32_t a, const char *s, size_t n)
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
static void record_clear(csv_reader *r)
{
	int role;

	for (role = 0; role < FG_NROLES; role++)
		r->f[role].present = false;
	for (uint32_t a = 0; a < r->ctx->n_attr; a++)
		r->ctx->attr_f[a].present = false;
	r->abuf_len = 0;
}

static void field_cb(void *data, size_t n, void *arg)
{
	csv_reader *r = arg;
	const char *s = data ? data : "";
	size_t col;

	if (r->err)
		return;
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
	r->line += count_breaks(s, n);
}

/* Per-reader attribute offsets for ctx's attributes. */
static int reader_attrs_init(csv_reader *r)
{
	fg_free(r->aoff);
	r->aoff = fg_calloc(r->ctx->n_attr ? r->ctx->n_attr : 1, sizeof(*r->aoff));
	return r->aoff ? FG_OK : fg_error_set(FG_ENOMEM, "%s: out of memory", r->ctx->file);
}

/* The header's names -> roles and attributes (fg_ingest_header). */
static int check_header(csv_reader *r)
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
		rc = reader_attrs_init(r);
	return rc;
}

/* The name of column col for messages ("column 12" past the header). */
static void column_name(char *out, const csv_reader *r, size_t col)
{
	if (r->hname && col < r->ncols) {
		size_t len = strlen(r->hname[col]);
		const char *t = fg_ingest_trim(r->hname[col], &len);

		fg_error_quote(out, FG_COL_NAME_MAX, t, len);
	} else {
		snprintf(out, FG_COL_NAME_MAX, "column %zu", col + 1);
	}
}

/* p grown to hold at least need elements of sz bytes (capacity *cap,
 * doubled); NULL on failure (p unchanged). */
static void *grow(void *p, size_t *cap, size_t need, size_t sz)
{
	size_t ncap = *cap ? *cap : 1024;
	void *q;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	q = fg_reallocarray(p, ncap, sz);
	if (q)
		*cap = ncap;
	return q;
}

/* Append one report to the chunk's bads list. */
static bad_ent *push_bad(chunk *c)
{
	void *q = grow(c->bads, &c->bads_cap, c->nbads + 1, sizeof(*c->bads));

	if (!q)
		return NULL;
	c->bads = q;
	return &c->bads[c->nbads++];
}

/* The attribute blob of a checked users row: per attribute a state byte, then
 * a double (NUMBER) or a length byte and the bytes (TEXT). */
static size_t attr_blob_len(const fg_row_check *rc)
{
	size_t n = 0;

	for (uint32_t a = 0; a < rc->n_attrs; a++) {
		n++;
		if (rc->attrs[a].state == FG_ATTR_NUMBER)
			n += sizeof(double);
		else if (rc->attrs[a].state == FG_ATTR_TEXT)
			n += 1 + rc->attrs[a].text.len;
	}
	return n;
}

static void attr_blob_put(char *w, const fg_row_check *rc)
{
	for (uint32_t a = 0; a < rc->n_attrs; a++) {
		const fg_attr_val *v = &rc->attrs[a];

		*w++ = (char)v->state;
		if (v->state == FG_ATTR_NUMBER) {
			memcpy(w, &v->num, sizeof(double));
			w += sizeof(double);
		} else if (v->state == FG_ATTR_TEXT) {
			*w++ = (char)v->text.len;
			memcpy(w, v->text.ptr, v->text.len);
			w += v->text.len;
		}
	}
}

/* Decode a blob into ctx's attribute values (the reading thread). */
static void attr_blob_get(fg_ingest_ctx *ctx, const char *w)
{
	for (uint32_t a = 0; a < ctx->n_attr; a++) {
		fg_attr_val *v = &ctx->attr_val[a];

		v->name.ptr = ctx->attr_name[a];
		v->name.len = strlen(ctx->attr_name[a]);
		v->text.ptr = NULL;
		v->text.len = 0;
		v->state = (uint8_t)*w++;
		if (v->state == FG_ATTR_NUMBER) {
			memcpy(&v->num, w, sizeof(double));
			w += sizeof(double);
		} else if (v->state == FG_ATTR_TEXT) {
			size_t n = (unsigned char)*w++;

			memcpy(ctx->attr_text + (size_t)a * FG_ATTR_TEXT_MAX, w, n);
			v->text.ptr = ctx->attr_text + (size_t)a * FG_ATTR_TEXT_MAX;
			v->text.len = n;
			w += n;
		}
	}
}

/* Worker side of record_cb: check the row and append it to the chunk. */
static int emit_row(csv_reader *r)
{
	struct chunk *c = r->out;
	fg_row_check rc;
	row_ent *e;
	void *q;

	fg_ingest_row_check(r->ctx, r->f, &rc);
	if (!(q = grow(c->ents, &c->ents_cap, c->nents + 1, sizeof(*c->ents))))
		goto nomem;
	c->ents = q;
	e = &c->ents[c->nents];
	e->line = r->rec_line;
	e->verdict = (uint8_t)rc.verdict;
	e->nwarn = 0;
	e->alen = 0;
	if (rc.verdict == FG_ROW_BAD) {
		bad_ent *b = push_bad(c);

		if (!b)
			goto nomem;
		b->reason = rc.reason;
		memcpy(b->col, rc.col, sizeof(b->col));
		memcpy(b->what, rc.what, sizeof(b->what));
		memcpy(b->q, rc.q, sizeof(b->q));
	} else {
		for (int w = 0; w < rc.nwarn; w++) {
			bad_ent *b = push_bad(c);

			if (!b)
				goto nomem;
			b->reason = rc.warn[w].reason;
			memcpy(b->col, rc.warn[w].col, sizeof(b->col));
			b->what[0] = '\0';
			memcpy(b->q, rc.warn[w].q, sizeof(b->q));
		}
		e->nwarn = (uint8_t)rc.nwarn;
	}
	if (rc.verdict == FG_ROW_GOOD) {
		size_t ul = rc.s[FG_ROLE_USER].len, kl = rc.s[FG_ROLE_KIND].len;
		size_t vl = rc.s[FG_ROLE_VALUE].len, al = attr_blob_len(&rc);
		char *a;

		if (!(q = grow(c->arena, &c->arena_cap, c->arena_len + ul + kl + vl + al + 1, 1)))
			goto nomem;
		c->arena = q;
		a = c->arena + c->arena_len;
		memcpy(a, rc.s[FG_ROLE_USER].ptr, ul);
		a += ul;
		if (kl)
			memcpy(a, rc.s[FG_ROLE_KIND].ptr, kl);
		a[kl] = '\0';
		a += kl + 1;
		if (vl)
			memcpy(a, rc.s[FG_ROLE_VALUE].ptr, vl);
		a += vl;
		if (al)
			attr_blob_put(a, &rc);
		c->arena_len += ul + kl + vl + al + 1;
		e->len[0] = (uint32_t)ul;
		e->len[1] = (uint32_t)kl;
		e->len[2] = (uint32_t)vl;
		e->alen = (uint32_t)al;
		e->t = rc.t;
		e->label = (uint8_t)rc.label;
	}
	c->nents++;
	return FG_OK;

nomem:
	c->err_kind = ERR_NOMEM;
	c->err_line = r->rec_line;
	return FG_ENOMEM;
}

/* Point the row's attribute fields at abuf (stable once the record ended). */
static void attrs_fix(csv_reader *r)
{
	for (uint32_t a = 0; a < r->ctx->n_attr; a++)
		if (r->ctx->attr_f[a].present)
			r->ctx->attr_f[a].ptr = r->abuf + r->aoff[a];
}

static void record_cb(int c, void *arg)
{
	csv_reader *r = arg;
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
		r->err = r->out ? emit_row(r) : fg_ingest_row(r->ctx, r->f, r->rec_line);
		record_clear(r);
	}
	r->in_record = false;
	if (brk) {
		r->line++;
		r->prev_cr = (c == '\r');
	}
}

/* Set the message of a parse error (ERR_*) at `line`; returns its code. */
static int parse_error(const char *file, int kind, int csv_err, uint64_t line, const char *col)
{
	switch (kind) {
	case ERR_NOMEM:
		return fg_error_set(FG_ENOMEM, "%s:%llu: out of memory", file, (unsigned long long)line);
	case ERR_TOOBIG:
		return fg_error_set(FG_EDATA, "%s:%llu: field longer than %zu bytes (unterminated quote?)",
		                    file, (unsigned long long)line, csv_alloc_cap);
	case ERR_OPEN_QUOTE:
		return fg_error_set(FG_EDATA, "%s:%llu: column '%s': unterminated quote: the quoted "
		                    "field opened here runs to the end of the file", file,
		                    (unsigned long long)line, col);
	default:
		return fg_error_set(FG_EDATA, "%s:%llu: %s", file, (unsigned long long)line,
		                    csv_strerror(csv_err));
	}
}

static int parser_init(struct csv_parser *p);

/*
 * libcsv stopped at rest[0] on a row it cannot take (a malformed quote, or
 * an unquoted field past the buffer cap): count the row as bad, naming its
 * line, column and value, drop what was parsed of it, restart the parser and
 * skip to the next physical line.  FG_OK, or the code that stops reading
 * (strict, max_bad_rows, out of memory).
 */
static int bad_line(csv_reader *r, struct csv_parser *p, const char *rest, size_t n, bool quote)
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
	column_name(colname, r, col);
	if (quote)
		snprintf(what, sizeof(what), "malformed quote");
	else
		snprintf(what, sizeof(what), "unquoted field longer than %zu bytes", csv_alloc_cap);
	r->line += count_breaks((const char *)p->entry_buf, p->entry_pos);
	if (r->out) {
		chunk *c = r->out;
		bad_ent *b;
		void *g = grow(c->ents, &c->ents_cap, c->nents + 1, sizeof(*c->ents));

		if (!g || !(b = push_bad(c))) {
			if (g)
				c->ents = g;
			c->err_kind = ERR_NOMEM;
			c->err_line = line;
			return FG_ENOMEM;
		}
		c->ents = g;
		memset(&c->ents[c->nents], 0, sizeof(c->ents[0]));
		c->ents[c->nents].line = line;
		c->ents[c->nents].verdict = FG_ROW_BAD;
		c->nents++;
		b->reason = reason;
		memcpy(b->col, colname, sizeof(b->col));
		memcpy(b->what, what, sizeof(b->what));
		memcpy(b->q, q, sizeof(b->q));
	} else {
		r->ctx->bad->rows_read++;
		rc = fg_ingest_bad_quoted(r->ctx, reason, colname, line, what, q);
	}
	record_clear(r);
	r->in_record = false;
	r->field_idx = 0;
	r->skip_line = true;
	csv_free(p);
	csv_cap_hit = false;
	if (parser_init(p) != FG_OK) {
		if (r->out) {
			r->out->err_kind = ERR_NOMEM;
			r->out->err_line = line;
		}
		return fg_error_set(FG_ENOMEM, "%s:%llu: out of memory", r->ctx->file,
		                    (unsigned long long)line);
	}
	return rc;
}

/*
 * Feed one chunk of bytes; FG_OK or the first error.  Bad lines (bad_line)
 * are skipped up to their line end, which may be in a later chunk.
 */
static int reader_feed(csv_reader *r, struct csv_parser *p, const char *buf, size_t n)
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
			int kind = ERR_CSV;

			if (e == CSV_ENOMEM && !csv_cap_hit)
				kind = ERR_NOMEM;
			else if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
				kind = ERR_TOOBIG;
			if (r->out) { /* worker: the reading thread formats it in order */
				r->out->err_kind = kind;
				r->out->csv_err = e;
				r->out->err_line = line;
				r->err = kind == ERR_NOMEM ? FG_ENOMEM : FG_EDATA;
			} else if (e == CSV_EPARSE) {
				r->err = fg_error_set(FG_EDATA, "%s:%llu: malformed quote in the header",
				                      r->ctx->file, (unsigned long long)line);
			} else {
				r->err = parse_error(r->ctx->file, kind, e, line, "");
			}
		}
	}
	return r->err;
}

/*
 * End of input: csv_fini in strict mode; a quoted field still open is
 * FG_EDATA (worker: recorded for the reading thread).
 */
static int reader_fini(csv_reader *r, struct csv_parser *p)
{
	if (r->err)
		return r->err;
	if (csv_fini(p, field_cb, record_cb, r) != 0 && !r->err) {
		uint64_t line = r->in_record ? r->rec_line : r->line;
		size_t col = r->in_record ? r->field_idx : 0;
		char colname[FG_COL_NAME_MAX];

		if (r->out) {
			r->out->err_kind = ERR_OPEN_QUOTE;
			r->out->err_line = line;
			r->out->err_col = col;
			r->err = FG_EDATA;
		} else if (!r->have_header) {
			r->err = fg_error_set(FG_EDATA, "%s:%llu: unterminated quote in the header",
			                      r->ctx->file, (unsigned long long)line);
		} else {
			column_name(colname, r, col);
			r->err = parse_error(r->ctx->file, ERR_OPEN_QUOTE, 0, line, colname);
		}
	}
	return r->err;
}

static int reader_init(csv_reader *r, fg_ingest_ctx *ctx, uint64_t first_line)
{
	int role;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->line = first_line;
	for (role = 0; role < FG_NROLES; role++) {
		if (!fg_ingest_role_used(ctx->mode, role))
			continue;
		r->buf[role] = fg_malloc((size_t)ctx->cfg->max_field_len + 1);
		if (!r->buf[role])
			return fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
	}
	return FG_OK;
}

static void reader_free(csv_reader *r)
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
}

/* Read into buf until it holds want bytes or EOF; returns bytes or -1 (errno). */
static ssize_t read_full(int fd, char *buf, size_t want)
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

/* csv_init with the reader's settings; FG_OK or FG_ENOMEM (message set by caller). */
static int parser_init(struct csv_parser *p)
{
	if (csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0)
		return FG_ENOMEM;
	/* libcsv grows its field buffer linearly by blk_size (128 by default):
	 * a 1 MB field would cost thousands of reallocs */
	csv_set_blk_size(p, (size_t)64 << 10);
	csv_set_realloc_func(p, capped_realloc);
	csv_set_free_func(p, fg_free);
	return FG_OK;
}

static void set_alloc_cap(const fg_config *cfg)
{
	csv_alloc_cap = (size_t)cfg->max_field_len * 4;
	if (csv_alloc_cap < FIELD_CAP_MIN)
		csv_alloc_cap = FIELD_CAP_MIN;
	csv_cap_hit = false;
}

/* Put r back between records at `line` (the header stays). */
static void reader_reset(csv_reader *r, uint64_t line)
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
static int feed_rest(csv_reader *r, struct csv_parser *p, int fd, char *block, bool first)
{
	const char *name = r->ctx->file;
	int ret;

	for (;;) {
		ssize_t n = first ? read_full(fd, block, BLOCK_SIZE) : read(fd, block, BLOCK_SIZE);
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
		ret = reader_feed(r, p, s, (size_t)n);
		if (ret)
			return ret;
	}
	return reader_fini(r, p);
}

/* ---- parallel chunks ---- */

static size_t chunk_forced; /* fg_ingest_csv_set_chunk; 0: FG_INGEST_CHUNK or default */

void fg_ingest_csv_set_chunk(size_t bytes)
{
	chunk_forced = bytes;
}

/* Chunk size; 0 disables the parallel reader (FG_INGEST_CHUNK=0). */
static size_t chunk_size(void)
{
	const char *e;

	if (chunk_forced)
		return chunk_forced;
	e = getenv("FG_INGEST_CHUNK");
	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);

		if (*end == '\0')
			return (size_t)v;
	}
	return CHUNK_DEFAULT;
}

static int reader_threads(const fg_config *cfg)
{
	int n = cfg->threads;

	if (n <= 0) {
#ifdef _OPENMP
		n = omp_get_max_threads();
#else
		long k = sysconf(_SC_NPROCESSORS_ONLN);

		n = k > 0 ? (int)k : 1;
#endif
	}
	return n < MAX_WORKERS ? n : MAX_WORKERS;
}

/* 1 or 0: the parity of the number of '"' bytes in s[0..n). */
static unsigned quote_parity(const char *s, size_t n)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
	uint64_t acc = 0;
	unsigned par = 0;
	size_t i = 0;

	/* sparse quotes: memchr; dense ones (past 1 per 256 bytes): the word loop */
	for (;;) {
		const char *q = memchr(s + i, '"', n - i);

		if (!q)
			return par;
		par ^= 1;
		i = (size_t)(q - s) + 1;
		if (++acc > (i >> 8) + 16)
			break;
	}
	acc = 0;
	/* exact per-byte zero test of w ^ '"' (no carries across bytes): 0x80 in
	 * each quote byte; XOR of the masks keeps the parity of their count */
	for (; i + 8 <= n; i += 8) {
		uint64_t w, x, t;

		memcpy(&w, s + i, 8);
		x = w ^ 0x2222222222222222ull;
		t = (x & lo7) + lo7;
		acc ^= ~(t | x | lo7);
	}
	par ^= (unsigned)__builtin_parityll(acc);
	for (; i < n; i++)
		par ^= (s[i] == '"');
	return par;
}

/* Length of the longest prefix of s[0..n) ending with an LF preceded by an
 * even number of quotes (a record boundary when s starts at one); 0 if none. */
static size_t find_boundary(const char *s, size_t n)
{
	unsigned par = quote_parity(s, n);
	size_t end = n;

	while (end > 0) {
		size_t j = end;

		while (j > 0 && s[j - 1] != '\n')
			j--;
		if (j == 0)
			return 0;
		/* s[j - 1] is an LF; quotes in s[j..end) leave the parity of s[0..j) */
		par ^= quote_parity(s + j, end - j);
		if (!par)
			return j;
		end = j - 1;
	}
	return 0;
}

enum { STOP_NONE, STOP_SERIAL, STOP_READ, STOP_NOMEM };

typedef struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* a chunk was published, or stop */
	pthread_cond_t done_cv; /* a chunk was parsed */
	chunk *slots;
	size_t nslots;
	uint64_t n_ready; /* chunks [0, n_ready) are published */
	uint64_t n_taken; /* the next chunk for a worker */
	bool stop;
	const csv_reader *head; /* the header (colrole, ncols), read-only */
	fg_ingest_mode mode;
	const fg_config *cfg;
	const char *file;
} pool;

/* Parse one chunk into its row buffer (worker thread). */
static void parse_chunk(chunk *c, csv_reader *r, bool setup_ok)
{
	struct csv_parser p;

	c->nents = c->nbads = c->arena_len = 0;
	c->err = FG_OK;
	c->err_kind = ERR_NONE;
	c->end_line = 0;
	c->clean_end = false;
	if (!setup_ok || parser_init(&p) != FG_OK) {
		c->err = FG_ENOMEM;
		c->err_kind = ERR_NOMEM;
		c->err_line = 0;
		return;
	}
	csv_cap_hit = false;
	reader_reset(r, 0);
	r->out = c;
	if (reader_feed(r, &p, c->in, c->in_len) == FG_OK && c->last)
		reader_fini(r, &p);
	c->err = r->err;
	c->end_line = r->line;
	c->clean_end = !r->in_record && !r->skip_line && p.pstate == LIBCSV_ROW_NOT_BEGUN;
	csv_free(&p);
}

/* A parsing thread's own state: check context and reader (header shared). */
typedef struct helper {
	fg_ingest_ctx ctx;
	csv_reader r;
	bool inited, ok;
} helper;

static void helper_init(helper *h, const pool *P)
{
	memset(h, 0, sizeof(*h));
	h->inited = true;
	h->ok = fg_ingest_ctx_init(&h->ctx, P->mode, P->cfg, NULL, NULL, NULL, NULL, P->file) ==
	                FG_OK &&
	        reader_init(&h->r, &h->ctx, 0) == FG_OK &&
	        fg_ingest_ctx_share_attrs(&h->ctx, P->head->ctx) == FG_OK &&
	        reader_attrs_init(&h->r) == FG_OK;
	h->r.have_header = true;
	h->r.colrole = P->head->colrole; /* shared, read-only; not freed here */
	h->r.hname = P->head->hname;     /* likewise */
	h->r.ncols = P->head->ncols;
}

static void helper_free(helper *h)
{
	if (!h->inited)
		return;
	h->r.colrole = NULL;
	h->r.hname = NULL;
	reader_free(&h->r);
	fg_ingest_ctx_free(&h->ctx);
	h->inited = false;
}

/* Parse chunk k (taken by the caller) and mark it done. */
static void run_chunk(pool *P, helper *h, uint64_t k)
{
	chunk *c = &P->slots[k % P->nslots];

	parse_chunk(c, &h->r, h->ok);
	pthread_mutex_lock(&P->mu);
	c->done_seq = k + 1;
	pthread_cond_broadcast(&P->done_cv);
	pthread_mutex_unlock(&P->mu);
}

static void *worker_main(void *arg)
{
	pool *P = arg;
	helper h;

	set_alloc_cap(P->cfg);
	helper_init(&h, P);
	for (;;) {
		uint64_t k;

		pthread_mutex_lock(&P->mu);
		while (!P->stop && P->n_taken >= P->n_ready)
			pthread_cond_wait(&P->work_cv, &P->mu);
		if (P->stop) {
			pthread_mutex_unlock(&P->mu);
			break;
		}
		k = P->n_taken++;
		pthread_mutex_unlock(&P->mu);
		run_chunk(P, &h, k);
	}
	helper_free(&h);
	return NULL;
}

/*
 * Fill chunk c from file offset *next_off: about `size` bytes (pread, so the
 * bytes after the cut are simply read again for the next chunk), cut at the
 * last boundary; *next_off moves to the cut.  Without a boundary the chunk
 * grows (doubling) up to max(CHUNK_GROW_MAX * size, BLOCK_SIZE).  Returns
 * STOP_NONE, or STOP_SERIAL (no boundary within that), STOP_READ (*err_no
 * set), STOP_NOMEM.
 */
static int fill_chunk(chunk *c, int fd, off_t *next_off, size_t size, int *err_no)
{
	size_t len = 0, target = size, cap_max = CHUNK_GROW_MAX * size;

	if (cap_max < BLOCK_SIZE)
		cap_max = BLOCK_SIZE;
	c->off = *next_off;
	c->last = false;
	for (;;) {
		bool eof = false;
		size_t b;

		if (target > c->in_cap) {
			char *q = fg_realloc(c->in, target);

			if (!q)
				return STOP_NOMEM;
			c->in = q;
			c->in_cap = target;
		}
		while (len < target) {
			ssize_t k = pread(fd, c->in + len, target - len, c->off + (off_t)len);

			if (k < 0) {
				if (errno == EINTR)
					continue;
				*err_no = errno;
				return STOP_READ;
			}
			if (k == 0) {
				eof = true;
				break;
			}
			len += (size_t)k;
		}
		if (eof) {
			c->in_len = len;
			c->last = true;
			*next_off = c->off + (off_t)len;
			return STOP_NONE;
		}
		b = find_boundary(c->in, len);
		if (b) {
			c->in_len = b;
			*next_off = c->off + (off_t)b;
			return STOP_NONE;
		}
		if (target >= cap_max)
			return STOP_SERIAL;
		target = target * 2 < cap_max ? target * 2 : cap_max;
	}
}

/* Apply chunk c's rows in order, lines offset by base; then its error.
 * r: the reading thread's reader (header names for messages). */
static int deliver(const csv_reader *r, fg_ingest_ctx *ctx, const chunk *c, uint64_t base)
{
	const char *a = c->arena;
	size_t i, nb = 0;
	int ret;

	for (i = 0; i < c->nents; i++) {
		const row_ent *e = &c->ents[i];
		fg_row_check rc;

		rc.verdict = (fg_row_verdict)e->verdict;
		rc.nwarn = 0;
		rc.n_attrs = 0;
		rc.attrs = NULL;
		if (rc.verdict == FG_ROW_BAD) {
			const bad_ent *b = &c->bads[nb++];

			rc.reason = b->reason;
			memcpy(rc.col, b->col, sizeof(rc.col));
			memcpy(rc.what, b->what, sizeof(rc.what));
			memcpy(rc.q, b->q, sizeof(rc.q));
		} else {
			for (int w = 0; w < e->nwarn; w++) {
				const bad_ent *b = &c->bads[nb++];

				rc.warn[w].reason = b->reason;
				memcpy(rc.warn[w].col, b->col, sizeof(rc.warn[w].col));
				memcpy(rc.warn[w].q, b->q, sizeof(rc.warn[w].q));
			}
			rc.nwarn = e->nwarn;
		}
		if (rc.verdict == FG_ROW_GOOD) {
			rc.s[FG_ROLE_USER].ptr = a;
			rc.s[FG_ROLE_USER].len = e->len[0];
			a += e->len[0];
			rc.s[FG_ROLE_KIND].ptr = a;
			rc.s[FG_ROLE_KIND].len = e->len[1];
			a += e->len[1] + 1;
			rc.s[FG_ROLE_VALUE].ptr = a;
			rc.s[FG_ROLE_VALUE].len = e->len[2];
			a += e->len[2];
			if (ctx->n_attr) {
				attr_blob_get(ctx, a);
				rc.n_attrs = ctx->n_attr;
				rc.attrs = ctx->attr_val;
			}
			a += e->alen;
			rc.t = e->t;
			rc.label = (fg_label)e->label;
		}
		if ((ret = fg_ingest_row_apply(ctx, &rc, base + e->line)) != FG_OK)
			return ret;
	}
	if (c->err) {
		char colname[FG_COL_NAME_MAX] = "";

		if (c->err_kind == ERR_OPEN_QUOTE)
			column_name(colname, r, c->err_col);
		return parse_error(ctx->file, c->err_kind, c->csv_err, base + c->err_line, colname);
	}
	return FG_OK;
}

/*
 * The header, byte by byte up to the LF that ends it (so the chunks start at
 * a record boundary in the serial reader's state).  Returns FG_OK with *pos
 * after that LF, 1 when the file does not suit (no such LF in the first
 * block: serial from the start; nothing was applied), or the header's error.
 */
static int read_header(csv_reader *r, struct csv_parser *p, const char *s, size_t n, size_t *pos)
{
	size_t i = 0;
	int ret;

	while (i < n) {
		if ((ret = reader_feed(r, p, s + i, 1)) != FG_OK)
			return ret;
		i++;
		if (!r->have_header)
			continue;
		if (p->pstate != LIBCSV_ROW_NOT_BEGUN)
			return 1;
		if (s[i - 1] == '\n') {
			*pos = i;
			return FG_OK;
		}
		if (!(s[i - 1] == '\r' && i < n && s[i] == '\n'))
			return 1;
	}
	return 1;
}

/*
 * The parallel reader (see the file comment).  r and p: the calling
 * thread's reader and parser, fresh; block: BLOCK_SIZE bytes.  Returns
 * FG_OK, an error, or 1 (nothing done: read serially from the start).
 */
static int ingest_parallel(csv_reader *r, struct csv_parser *p, int fd, char *block,
                           size_t size, int nthreads)
{
	fg_ingest_ctx *ctx = r->ctx;
	pool P;
	helper help;
	pthread_t tid[MAX_WORKERS];
	int nt = 0, i, ret, stop = STOP_NONE, err_no = 0;
	bool pool_ok = false;
	ssize_t n;
	size_t skip = 0, pos = 0;
	off_t next_off, stop_off = 0;
	uint64_t k_read = 0, k_cons = 0, base;

	memset(&P, 0, sizeof(P));
	memset(&help, 0, sizeof(help));
	n = read_full(fd, block, BLOCK_SIZE);
	if (n < 0)
		return 1; /* the serial reader reports it */
	if (n >= 3 && memcmp(block, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	ret = read_header(r, p, block + skip, (size_t)n - skip, &pos);
	if (ret)
		return ret;
	base = r->line;
	next_off = (off_t)(skip + pos);

	P.nslots = 2 * (size_t)nthreads;
	P.slots = fg_calloc(P.nslots, sizeof(*P.slots));
	if (!P.slots) {
		ret = fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
		goto cleanup;
	}
	P.head = r;
	P.mode = ctx->mode;
	P.cfg = ctx->cfg;
	P.file = ctx->file;
	if (pthread_mutex_init(&P.mu, NULL) != 0)
		goto serial_all;
	if (pthread_cond_init(&P.work_cv, NULL) != 0) {
		pthread_mutex_destroy(&P.mu);
		goto serial_all;
	}
	if (pthread_cond_init(&P.done_cv, NULL) != 0) {
		pthread_cond_destroy(&P.work_cv);
		pthread_mutex_destroy(&P.mu);
		goto serial_all;
	}
	pool_ok = true;
	for (i = 0; i < nthreads - 1; i++) {
		if (pthread_create(&tid[nt], NULL, worker_main, &P) != 0)
			break;
		nt++;
	}
	if (nt == 0)
		goto serial_all;

	ret = FG_OK;
	for (;;) {
		chunk *c;

		/* read ahead while slots are free */
		while (stop == STOP_NONE && k_read - k_cons < P.nslots &&
		       (k_read == 0 || !P.slots[(k_read - 1) % P.nslots].last)) {
			c = &P.slots[k_read % P.nslots];
			stop = fill_chunk(c, fd, &next_off, size, &err_no);
			if (stop != STOP_NONE) {
				stop_off = c->off;
				break;
			}
			pthread_mutex_lock(&P.mu);
			P.n_ready = ++k_read;
			pthread_cond_signal(&P.work_cv);
			pthread_mutex_unlock(&P.mu);
		}
		if (k_cons == k_read)
			break;
		c = &P.slots[k_cons % P.nslots];
		pthread_mutex_lock(&P.mu);
		while (c->done_seq != k_cons + 1) {
			/* rather than wait, parse a chunk no worker has taken yet */
			if (P.n_taken < P.n_ready) {
				uint64_t k = P.n_taken++;

				pthread_mutex_unlock(&P.mu);
				if (!help.inited)
					helper_init(&help, &P);
				run_chunk(&P, &help, k);
				pthread_mutex_lock(&P.mu);
				continue;
			}
			pthread_cond_wait(&P.done_cv, &P.mu);
		}
		pthread_mutex_unlock(&P.mu);
		if (!c->err && !c->last && !c->clean_end) {
			/* quoting that libcsv reads differently from the parity: the next
			 * chunk started mid-record; re-read from this chunk on */
			stop = STOP_SERIAL;
			stop_off = c->off;
			break;
		}
		if ((ret = deliver(r, ctx, c, base)) != FG_OK)
			break;
		base += c->end_line;
		k_cons++;
	}

	pthread_mutex_lock(&P.mu);
	P.stop = true;
	pthread_cond_broadcast(&P.work_cv);
	pthread_mutex_unlock(&P.mu);
	for (i = 0; i < nt; i++)
		pthread_join(tid[i], NULL);
	nt = 0;
	if (ret)
		goto cleanup;
	if (stop == STOP_READ) {
		ret = fg_error_set(FG_EIO, "%s: read error: %s", ctx->file, strerror(err_no));
		goto cleanup;
	}
	if (stop == STOP_NOMEM) {
		ret = fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
		goto cleanup;
	}
	if (stop == STOP_NONE)
		goto cleanup;
	goto serial_rest;

serial_all:
	/* no threads: the rest of the file serially, from the first chunk */
	stop_off = (off_t)(skip + pos);
	base = r->line;
serial_rest:
	/* the serial reader from stop_off, in the state of a record boundary */
	if (lseek(fd, stop_off, SEEK_SET) < 0) {
		ret = fg_error_set(FG_EIO, "%s: seek error: %s", ctx->file, strerror(errno));
		goto cleanup;
	}
	csv_free(p);
	if (parser_init(p) != FG_OK) {
		ret = fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
		goto cleanup;
	}
	reader_reset(r, base);
	set_alloc_cap(ctx->cfg); /* a chunk parsed here may have hit the cap */
	ret = feed_rest(r, p, fd, block, false);

cleanup:
	helper_free(&help);
	if (pool_ok) {
		pthread_cond_destroy(&P.done_cv);
		pthread_cond_destroy(&P.work_cv);
		pthread_mutex_destroy(&P.mu);
	}
	if (P.slots) {
		size_t j;

		for (j = 0; j < P.nslots; j++) {
			fg_free(P.slots[j].in);
			fg_free(P.slots[j].ents);
			fg_free(P.slots[j].arena);
			fg_free(P.slots[j].bads);
		}
		fg_free(P.slots);
	}
	return ret;
}

static int ingest_csv(const char *path, fg_ingest_mode mode, const fg_config *cfg,
                      fg_badrows *bad, fg_link_sink lsink, fg_user_sink usink, void *sink_ctx)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	fg_ingest_ctx ctx;
	csv_reader r;
	struct csv_parser p;
	bool parser_ok = false;
	char *block = NULL;
	int fd = -1, ret, nthreads = reader_threads(cfg);
	size_t size = chunk_size();
	struct stat st;

	assert(path && cfg && bad && (lsink || usink));
	memset(&r, 0, sizeof(r));
	ret = fg_ingest_ctx_init(&ctx, mode, cfg, bad, lsink, usink, sink_ctx, name);
	if (ret)
		goto cleanup;
	ret = reader_init(&r, &ctx, 1);
	if (ret)
		goto cleanup;
	block = fg_malloc(BLOCK_SIZE);
	if (!block) {
		ret = fg_error_set(FG_ENOMEM, "%s: out of memory", name);
		goto cleanup;
	}
	if (parser_init(&p) != FG_OK) {
		ret = fg_error_set(FG_ENOMEM, "%s: out of memory", name);
		goto cleanup;
	}
	parser_ok = true;
	set_alloc_cap(cfg);

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
	if (fd < 0) {
		ret = fg_error_set(FG_EIO, "%s: cannot open: %s", name, strerror(errno));
		goto cleanup;
	}
	if (!is_stdin && nthreads >= 2 && size > 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= 2 * (uint64_t)size) {
		ret = ingest_parallel(&r, &p, fd, block, size, nthreads);
		if (ret != 1)
			goto cleanup;
		/* unsuitable, nothing applied: serially from the start */
		if (lseek(fd, 0, SEEK_SET) < 0) {
			ret = fg_error_set(FG_EIO, "%s: seek error: %s", name, strerror(errno));
			goto cleanup;
		}
		csv_free(&p);
		parser_ok = false;
		reader_free(&r);
		memset(&r, 0, sizeof(r));
		if ((ret = reader_init(&r, &ctx, 1)) != FG_OK)
			goto cleanup;
		if (parser_init(&p) != FG_OK) {
			ret = fg_error_set(FG_ENOMEM, "%s: out of memory", name);
			goto cleanup;
		}
		parser_ok = true;
	}
	ret = feed_rest(&r, &p, fd, block, true);
	if (ret)
		goto cleanup;
	if (!r.have_header)
		ret = fg_error_set(FG_EDATA, "%s:1: empty file (no header row)", name);

cleanup:
	if (fd >= 0 && !is_stdin)
		close(fd);
	if (parser_ok)
		csv_free(&p);
	fg_free(block);
	reader_free(&r);
	fg_ingest_ctx_free(&ctx);
	return ret;
}

int fg_ingest_links_csv(const char *path, const fg_config *cfg, fg_badrows *bad,
                        fg_link_sink sink, void *ctx)
{
	return ingest_csv(path, FG_INGEST_LINKS, cfg, bad, sink, NULL, ctx);
}

int fg_ingest_users_csv(const char *path, const fg_config *cfg, fg_badrows *bad,
                        fg_user_sink sink, void *ctx)
{
	return ingest_csv(path, FG_INGEST_USERS, cfg, bad, NULL, sink, ctx);
}
