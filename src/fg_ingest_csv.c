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
 * The parse state (csv_reader) starts at a given line number and can be fed
 * any byte chunk that starts at a record boundary: the seam for a later
 * chunked parallel reader.
 *
 * Complexity: O(bytes); no allocation or formatting per row (except bad rows).
 * Thread-safety: one reader per thread (the realloc cap is thread-local).
 */
#include "fg_ingest.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_ingest_internal.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define BLOCK_SIZE (1u << 20)
#define HEADER_SUMMARY_MAX 200
#define FIELD_CAP_MIN ((size_t)4 << 20) /* libcsv field buffer cap, at least */

/*
 * Invariants: colrole[0..ncols) is valid once have_header; field_idx counts
 * fields of the current record; in_record is true between its first field
 * and its end; rec_line is the line of the current record's first byte.
 * Once err != FG_OK every callback is a no-op.
 */
typedef struct csv_reader {
	fg_ingest_ctx *ctx;
	int err;
	bool have_header;
	bool in_record;
	bool prev_cr;  /* the last thing seen was a CR ending a line */
	int *colrole;  /* column -> role or -1 */
	size_t ncols, colcap;
	int rolecol[FG_NROLES]; /* role -> first column with that name, or -1 */
	char header[HEADER_SUMMARY_MAX + 8]; /* "user_id,value" for messages */
	size_t header_len;
	size_t field_idx;
	uint64_t line;
	uint64_t rec_line;
	char *buf[FG_NROLES];
	fg_raw_field f[FG_NROLES];
} csv_reader;

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

static void header_field(csv_reader *r, const char *s, size_t n)
{
	size_t col = r->field_idx, len = n;
	const char *name = fg_ingest_trim(s, &len);
	int role, found = -1;

	if (col == r->colcap) {
		size_t cap = r->colcap ? 2 * r->colcap : 64;
		int *p = fg_reallocarray(r->colrole, cap, sizeof(*p));

		if (!p) {
			r->err = fg_error_set(FG_ENOMEM, "%s:%llu: out of memory reading the header",
			                      r->ctx->file, (unsigned long long)r->rec_line);
			return;
		}
		r->colrole = p;
		r->colcap = cap;
	}
	for (role = 0; role < FG_NROLES; role++) {
		const char *want = fg_ingest_role_name(r->ctx->mode, role);

		if (want && strlen(want) == len && strncasecmp(want, name, len) == 0) {
			if (r->rolecol[role] < 0) {
				r->rolecol[role] = (int)col;
				found = role;
			}
			break;
		}
	}
	r->colrole[col] = found;
	r->ncols = col + 1;
	if (r->header_len < HEADER_SUMMARY_MAX) {
		char q[HEADER_SUMMARY_MAX];
		size_t ql;

		fg_error_quote(q, sizeof(q), name, len < 64 ? len : 64);
		ql = strlen(q);
		if (r->header_len + ql + 1 > HEADER_SUMMARY_MAX) {
			memcpy(r->header + r->header_len, "...", 4);
			r->header_len = HEADER_SUMMARY_MAX;
			return;
		}
		if (r->header_len)
			r->header[r->header_len++] = ',';
		memcpy(r->header + r->header_len, q, ql + 1);
		r->header_len += ql;
	}
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

static int check_header(csv_reader *r)
{
	int role;

	for (role = 0; role < FG_NROLES; role++)
		if (fg_ingest_role_required(r->ctx->mode, role) && r->rolecol[role] < 0)
			return fg_error_set(FG_EDATA, "%s:%llu: missing required column '%s' (header: %s)",
			                    r->ctx->file, (unsigned long long)r->rec_line,
			                    fg_ingest_role_name(r->ctx->mode, role), r->header);
	return FG_OK;
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
		int role;

		r->err = fg_ingest_row(r->ctx, r->f, r->rec_line);
		for (role = 0; role < FG_NROLES; role++)
			r->f[role].present = false;
	}
	r->in_record = false;
	if (brk) {
		r->line++;
		r->prev_cr = (c == '\r');
	}
}

/* Feed one chunk of bytes; FG_OK or the first error. */
static int reader_feed(csv_reader *r, struct csv_parser *p, const char *buf, size_t n)
{
	if (csv_parse(p, buf, n, field_cb, record_cb, r) != n && !r->err) {
		/* the record being parsed when libcsv gave up */
		uint64_t line = r->in_record ? r->rec_line : r->line;

		if (csv_error(p) == CSV_ENOMEM && !csv_cap_hit)
			r->err = fg_error_set(FG_ENOMEM, "%s:%llu: out of memory", r->ctx->file,
			                      (unsigned long long)line);
		else if (csv_error(p) == CSV_ENOMEM || csv_error(p) == CSV_ETOOBIG)
			r->err = fg_error_set(FG_EDATA,
			                      "%s:%llu: field longer than %zu bytes (unterminated quote?)",
			                      r->ctx->file, (unsigned long long)line, csv_alloc_cap);
		else
			r->err = fg_error_set(FG_EDATA, "%s:%llu: %s", r->ctx->file,
			                      (unsigned long long)line, csv_strerror(csv_error(p)));
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
		r->rolecol[role] = -1;
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

static int ingest_csv(const char *path, fg_ingest_mode mode, const fg_config *cfg,
                      fg_badrows *bad, fg_link_sink lsink, fg_user_sink usink, void *sink_ctx)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	fg_ingest_ctx ctx;
	csv_reader r;
	struct csv_parser p;
	bool parser_ok = false, first = true;
	char *block = NULL;
	int fd = -1, ret;

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
	if (csv_init(&p, CSV_REPALL_NL) != 0) {
		ret = fg_error_set(FG_ENOMEM, "%s: out of memory", name);
		goto cleanup;
	}
	parser_ok = true;
	csv_alloc_cap = (size_t)cfg->max_field_len * 4;
	if (csv_alloc_cap < FIELD_CAP_MIN)
		csv_alloc_cap = FIELD_CAP_MIN;
	csv_cap_hit = false;
	/* libcsv grows its field buffer linearly by blk_size (128 by default):
	 * a 1 MB field would cost thousands of reallocs */
	csv_set_blk_size(&p, (size_t)64 << 10);
	csv_set_realloc_func(&p, capped_realloc);
	csv_set_free_func(&p, fg_free);

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
	if (fd < 0) {
		ret = fg_error_set(FG_EIO, "%s: cannot open: %s", name, strerror(errno));
		goto cleanup;
	}
	for (;;) {
		ssize_t n = first ? read_full(fd, block, BLOCK_SIZE) : read(fd, block, BLOCK_SIZE);
		const char *s = block;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = fg_error_set(FG_EIO, "%s: read error: %s", name, strerror(errno));
			goto cleanup;
		}
		if (n == 0)
			break;
		if (first && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
		first = false;
		ret = reader_feed(&r, &p, s, (size_t)n);
		if (ret)
			goto cleanup;
	}
	csv_fini(&p, field_cb, record_cb, &r);
	ret = r.err;
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
