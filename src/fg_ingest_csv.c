/*
 * fg_ingest_csv: link and user rows from CSV files through libcsv; the entry
 * points (fg_ingest.h, and the byte ranges of fg_ingest_split.h).  The
 * serial reader is fg_ingest_csv_reader.c, a chunk's row buffer
 * fg_ingest_csv_chunk.c, the parallel reader fg_ingest_csv_pool.c.
 *
 * Algorithm: the file is read in 1 MiB blocks and fed to libcsv (RFC 4180:
 * quoted commas, doubled quotes, quoted newlines, CRLF).  libcsv calls
 * field_cb per field and record_cb per record end; with CSV_REPALL_NL it also
 * reports every newline outside a record, which is how blank lines and the
 * LF of a CRLF are counted.  Newlines inside quoted fields are counted from
 * the field bytes, so `line` is always the physical line where a record
 * starts (header = 1).  Lines without a quote, CR or NUL, with the header's
 * number of fields, are split with memchr instead and handed to the same
 * callbacks (fg_ingest_csv_reader.c: the fast path, and why it is exact).
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
 * `chunk` bytes (256 KiB; FG_INGEST_CHUNK or fg_ingest_csv_set_chunk) cut after
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
 * pread (the bytes after a cut are read again for the next chunk).  At most
 * max(32, 2 x threads) chunks are in flight (memory about 2.5 x chunk each:
 * 20 MiB at the defaults).
 *
 * Complexity: O(bytes); no allocation or formatting per row (except bad rows).
 * Thread-safety: one reader per thread (the realloc cap is thread-local); the
 * sink is called only from the calling thread.
 */
#include "fg_ingest.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_ingest_csv_internal.h"
#include "fg_ingest_split.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * What every entry point reads with: the check context, the reader, a block
 * buffer, the parser, the file.  Invariants: ctx is set up (safe to free)
 * once input_open has run; parser_ok says p needs csv_free; fd >= 0 is
 * closed by input_close unless it is stdin.
 */
typedef struct input {
	fg_ingest_ctx ctx;
	fg_csv_reader r;
	struct csv_parser p;
	bool parser_ok;
	char *block;
	int fd;
	bool is_stdin;
	struct stat st;
} input;

/*
 * Set up in and open path ("-": stdin, named `name` in messages).  FG_OK,
 * FG_ENOMEM or FG_EIO (cannot open, or fstat fails), message set; in must
 * be closed with input_close either way.
 */
static int input_open(input *in, const char *path, const char *name, fg_ingest_mode mode,
                      const fg_config *cfg, fg_badrows *bad, fg_link_sink lsink,
                      fg_user_sink usink, void *sink_ctx)
{
	int rc;

	memset(&in->r, 0, sizeof(in->r));
	in->parser_ok = false;
	in->block = NULL;
	in->fd = -1;
	in->is_stdin = strcmp(path, "-") == 0;
	if ((rc = fg_ingest_ctx_init(&in->ctx, mode, cfg, bad, lsink, usink, sink_ctx, name)) != FG_OK ||
	    (rc = fg_csv_reader_init(&in->r, &in->ctx, 1)) != FG_OK)
		return rc;
	if (!(in->block = fg_malloc(FG_CSV_BLOCK)) || fg_csv_parser_init(&in->p) != FG_OK)
		return fg_error_set(FG_ENOMEM, "%s: out of memory", name);
	in->parser_ok = true;
	fg_csv_set_alloc_cap(cfg);
	in->fd = in->is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
	if (in->fd < 0 || fstat(in->fd, &in->st) != 0)
		return fg_error_set(FG_EIO, "%s: cannot open: %s", name, strerror(errno));
	return FG_OK;
}

static void input_close(input *in)
{
	if (in->fd >= 0 && !in->is_stdin)
		close(in->fd);
	if (in->parser_ok)
		csv_free(&in->p);
	fg_free(in->block);
	fg_csv_reader_free(&in->r);
	fg_ingest_ctx_free(&in->ctx);
}

/* Back to the start of the file with a fresh reader and parser (nothing applied yet). */
static int input_rewind(input *in)
{
	const char *name = in->ctx.file;
	int rc;

	if (lseek(in->fd, 0, SEEK_SET) < 0)
		return fg_error_set(FG_EIO, "%s: seek error: %s", name, strerror(errno));
	csv_free(&in->p);
	in->parser_ok = false;
	fg_csv_reader_free(&in->r);
	memset(&in->r, 0, sizeof(in->r));
	if ((rc = fg_csv_reader_init(&in->r, &in->ctx, 1)) != FG_OK)
		return rc;
	if (fg_csv_parser_init(&in->p) != FG_OK)
		return fg_error_set(FG_ENOMEM, "%s: out of memory", name);
	in->parser_ok = true;
	return FG_OK;
}

static int ingest_csv(const char *path, fg_ingest_mode mode, const fg_config *cfg,
                      fg_badrows *bad, fg_link_sink lsink, fg_user_sink usink,
                      fg_user_hint hint, void *sink_ctx)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	int nthreads = fg_csv_threads(cfg), rc;
	size_t size = fg_csv_chunk_size();
	bool from_start = true;
	input in;

	assert(path && cfg && bad && (lsink || usink));
	if ((rc = input_open(&in, path, name, mode, cfg, bad, lsink, usink, sink_ctx)) != FG_OK)
		goto cleanup;
	in.ctx.user_hint = hint;
	if (!in.is_stdin && nthreads >= 2 && size > 0 && S_ISREG(in.st.st_mode) &&
	    (uint64_t)in.st.st_size >= 2 * (uint64_t)size) {
		rc = fg_csv_parallel(&from_start, &in.r, &in.p, in.fd, in.block, size, nthreads);
		/* unsuitable, nothing applied: serially from the start */
		if (rc != FG_OK || !from_start || (rc = input_rewind(&in)) != FG_OK)
			goto cleanup;
	}
	if ((rc = fg_csv_feed_rest(&in.r, &in.p, in.fd, in.block, true)) != FG_OK)
		goto cleanup;
	if (!in.r.have_header)
		rc = fg_error_set(FG_EDATA, "%s:1: empty file (no header row)", name);

cleanup:
	input_close(&in);
	return rc;
}

int fg_ingest_links_csv(const char *path, const fg_config *cfg, fg_badrows *bad,
                        fg_link_sink sink, void *ctx)
{
	return ingest_csv(path, FG_INGEST_LINKS, cfg, bad, sink, NULL, NULL, ctx);
}

int fg_ingest_users_csv(const char *path, const fg_config *cfg, fg_badrows *bad,
                        fg_user_sink sink, void *ctx)
{
	return ingest_csv(path, FG_INGEST_USERS, cfg, bad, NULL, sink, NULL, ctx);
}

int fg_ingest_users_csv_hinted(const char *path, const fg_config *cfg, fg_badrows *bad,
                               fg_user_sink sink, fg_user_hint hint, void *ctx)
{
	return ingest_csv(path, FG_INGEST_USERS, cfg, bad, NULL, sink, hint, ctx);
}

/* ---- byte ranges, for a reader split across processes (fg_ingest_split.h) ---- */

int fg_ingest_csv_probe(const char *path, bool users, uint64_t *data_off, uint64_t *data_line,
                        uint64_t *size)
{
	fg_config cfg;
	fg_badrows bad;
	input in;
	uint64_t off = 0;
	bool splits = false;
	int rc = 1; /* fg_ingest_split.h: 1 = cannot be split */

	fg_config_init(&cfg);
	memset(&bad, 0, sizeof(bad));
	if (strcmp(path, "-") == 0)
		return 1;
	if (input_open(&in, path, path, users ? FG_INGEST_USERS : FG_INGEST_LINKS, &cfg, &bad, NULL,
	               NULL, NULL) != FG_OK || !S_ISREG(in.st.st_mode))
		goto cleanup;
	if (fg_csv_read_header(&off, &splits, &in.r, &in.p, in.fd, in.block) != FG_OK || !splits)
		goto cleanup;
	*data_off = off;
	*data_line = in.r.line;
	*size = (uint64_t)in.st.st_size;
	rc = FG_OK;

cleanup:
	input_close(&in);
	fg_error_clear();
	return rc;
}

static int ingest_csv_range(const char *path, fg_ingest_mode mode, const fg_config *cfg,
                            fg_badrows *bad, fg_link_sink lsink, fg_user_sink usink,
                            void *sink_ctx, uint64_t begin, uint64_t end, uint64_t line,
                            fg_csv_range_end *out)
{
	input in;
	uint64_t off, data_off;
	bool splits;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = input_open(&in, path, path, mode, cfg, bad, lsink, usink, sink_ctx)) != FG_OK)
		goto cleanup;
	/* the header again (every range needs the column roles) */
	if ((rc = fg_csv_read_header(&data_off, &splits, &in.r, &in.p, in.fd, in.block)) != FG_OK)
		goto cleanup;
	if (!splits) {
		rc = fg_error_set(FG_EDATA, "%s:1: the header cannot be split off", path);
		goto cleanup;
	}
	csv_free(&in.p);
	in.parser_ok = false;
	if (fg_csv_parser_init(&in.p) != FG_OK) {
		rc = fg_error_set(FG_ENOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	in.parser_ok = true;
	fg_csv_reader_reset(&in.r, line);
	for (off = begin; off < end;) {
		size_t want = end - off < FG_CSV_BLOCK ? (size_t)(end - off) : FG_CSV_BLOCK;
		ssize_t k = pread(in.fd, in.block, want, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = fg_error_set(FG_EIO, "%s: read error: %s", path, strerror(errno));
			goto cleanup;
		}
		if (k == 0)
			break;
		if ((rc = fg_csv_reader_feed(&in.r, &in.p, in.block, (size_t)k)) != FG_OK)
			goto cleanup;
		off += (uint64_t)k;
	}
	out->clean = !in.r.in_record && in.p.pstate == FG_CSV_ROW_NOT_BEGUN;
	if (end >= (uint64_t)in.st.st_size && (rc = fg_csv_reader_flush(&in.r, &in.p)) != FG_OK)
		goto cleanup;
	out->lines = in.r.line - line;
	rc = FG_OK;

cleanup:
	input_close(&in);
	return rc;
}

int fg_ingest_links_csv_range(const char *path, const fg_config *cfg, fg_badrows *bad,
                              fg_link_sink sink, void *ctx, uint64_t begin, uint64_t end,
                              uint64_t line, fg_csv_range_end *out)
{
	return ingest_csv_range(path, FG_INGEST_LINKS, cfg, bad, sink, NULL, ctx, begin, end, line,
	                        out);
}

int fg_ingest_users_csv_range(const char *path, const fg_config *cfg, fg_badrows *bad,
                              fg_user_sink sink, void *ctx, uint64_t begin, uint64_t end,
                              uint64_t line, fg_csv_range_end *out)
{
	return ingest_csv_range(path, FG_INGEST_USERS, cfg, bad, NULL, sink, ctx, begin, end, line,
	                        out);
}
