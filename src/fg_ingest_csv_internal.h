/*
 * fg_ingest_csv_internal: what the CSV reader's files share (private to src/).
 *
 *   fg_ingest_csv_reader.c  the serial reader: libcsv callbacks, the header,
 *                           bad lines, feeding blocks, the end of input;
 *   fg_ingest_csv_chunk.c   a chunk's row buffer: rows checked by a worker,
 *                           stored, then applied in order by the reading thread;
 *   fg_ingest_csv_pool.c    the parallel reader: chunk boundaries, the worker
 *                           pool, the hand-over to the serial reader;
 *   fg_ingest_csv.c         the entry points (fg_ingest.h, fg_ingest_split.h).
 * The algorithm, its exactness argument and its memory are in
 * fg_ingest_csv.c's file comment.
 */
#ifndef FG_SRC_FG_INGEST_CSV_INTERNAL_H
#define FG_SRC_FG_INGEST_CSV_INTERNAL_H

#include "fg_ingest_internal.h"

#include <csv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FG_CSV_BLOCK (1u << 20)     /* bytes read at a time */
#define FG_CSV_ROW_NOT_BEGUN 0      /* libcsv.c's pstate between records */
/* libcsv's field buffer grows by this much (its first size); the fast path
 * takes only lines shorter than it */
#define FG_CSV_LIBCSV_BLK ((size_t)64 << 10)

typedef struct fg_csv_chunk fg_csv_chunk;

/*
 * Invariants: colrole[0..ncols) is valid once have_header; field_idx counts
 * fields of the current record; in_record is true between its first field
 * and its end; rec_line is the line of the current record's first byte.
 * Once err != FG_OK every callback is a no-op.
 */
typedef struct fg_csv_reader {
	fg_ingest_ctx *ctx;
	fg_csv_chunk *out; /* non-NULL: store rows there (worker) instead of applying them */
	int err;
	bool have_header;
	bool in_record;
	bool prev_cr;  /* the last thing seen was a CR ending a line */
	bool skip_line; /* after a malformed row: drop bytes up to the next line end */
	int *colrole;  /* column -> role, FG_COL_ATTR + attribute, or -1 (fg_ingest_header) */
	size_t ncols, colcap;
	char **hname;  /* the header's names (colcap slots; borrowed in workers) */
	char *abuf;    /* the current row's attribute bytes, back to back */
	size_t abuf_len, abuf_cap;
	size_t *aoff;  /* per attribute: its offset in abuf */
	size_t field_idx;
	bool fast;     /* quote-free lines split without libcsv (fg_ingest_csv_reader.c) */
	fg_str *span;  /* the fast path's fields of one line (span_cap slots) */
	size_t span_cap;
	uint64_t line;
	uint64_t rec_line;
	char *buf[FG_NROLES];
	fg_raw_field f[FG_NROLES];
} fg_csv_reader;

/* One checked row in a chunk's buffer; GOOD rows' strings are in the arena
 * in order user, kind (+ NUL), value. */
typedef struct fg_csv_row {
	uint64_t line; /* relative to the chunk's first line */
	int64_t t;
	uint32_t len[3]; /* user, kind, value */
	uint32_t alen;   /* users: bytes of the attribute blob after the value */
	uint8_t verdict; /* fg_row_verdict */
	uint8_t label;
	uint8_t nwarn;   /* GOOD / FILTERED: its warnings, next in the reports list */
	uint8_t placeholder; /* links, GOOD: fg_row_check.placeholder */
	uint32_t user_hash, value_hash; /* GOOD: fg_row_check's (users: user_hash only) */
} fg_csv_row;

/* A bad row's or a warning's report, formatted by the worker (no file or line in it). */
typedef struct fg_csv_report {
	fg_bad_reason reason;
	char col[FG_COL_NAME_MAX];
	char what[64];
	char q[96];
} fg_csv_report;

/* Why a worker stopped inside a chunk (formatted later by the reading thread). */
enum { FG_CSV_ERR_NONE, FG_CSV_ERR_NOMEM, FG_CSV_ERR_TOOBIG, FG_CSV_ERR_CSV, FG_CSV_ERR_OPEN_QUOTE };

/*
 * One chunk in flight.  Input (in, in_len, off, last) is written by the
 * reading thread before the chunk is published; output (the rest) by one
 * worker before it marks the chunk done (done_seq = index + 1); both under
 * the pool's mutex hand-offs.  in[in_len..) may hold the start of the next
 * chunk, which the reading thread reads again for it.
 */
struct fg_csv_chunk {
	char *in;
	size_t in_len, in_cap;
	off_t off; /* file offset of in[0] */
	bool last; /* ends at EOF */
	fg_csv_row *ents;
	size_t nents, ents_cap;
	char *arena;
	size_t arena_len, arena_cap;
	fg_csv_report *bads;
	size_t nbads, bads_cap;
	uint64_t end_line; /* relative line after the last byte */
	bool clean_end;    /* the parser ended between records */
	int err;           /* FG_OK, or the code that stopped the worker after nents rows */
	int err_kind;      /* FG_CSV_ERR_* */
	int csv_err;       /* libcsv's code for FG_CSV_ERR_CSV */
	uint64_t err_line; /* relative */
	size_t err_col;    /* FG_CSV_ERR_OPEN_QUOTE: the column */
	uint64_t done_seq;
};

/* ---- the serial reader (fg_ingest_csv_reader.c) ---- */

/* A reader for ctx starting at line first_line (buffers of max_field_len + 1
 * per used role).  FG_OK or FG_ENOMEM; r is safe to free either way. */
int fg_csv_reader_init(fg_csv_reader *r, fg_ingest_ctx *ctx, uint64_t first_line);
void fg_csv_reader_free(fg_csv_reader *r);
/* Per-reader attribute offsets for ctx's attributes.  FG_OK or FG_ENOMEM. */
int fg_csv_reader_attrs_init(fg_csv_reader *r);
/* Put r back between records at `line` (the header stays). */
void fg_csv_reader_reset(fg_csv_reader *r, uint64_t line);
/* Feed bytes; FG_OK or the first error.  Bad lines are skipped up to their
 * line end, which may be in a later call. */
int fg_csv_reader_feed(fg_csv_reader *r, struct csv_parser *p, const char *buf, size_t n);
/* End of input: csv_fini in strict mode; a quoted field still open is
 * FG_EDATA (worker: recorded in r->out for the reading thread). */
int fg_csv_reader_fini(fg_csv_reader *r, struct csv_parser *p);
/* End of a byte range: the last record, without the open-quote check of
 * fg_csv_reader_fini.  Returns r->err. */
int fg_csv_reader_flush(fg_csv_reader *r, struct csv_parser *p);

/* csv_init with the reader's settings (strict, every newline reported, the
 * capped allocator); clears the cap's flag.  FG_OK or FG_ENOMEM (no message). */
int fg_csv_parser_init(struct csv_parser *p);
/* This thread's cap on libcsv's field buffer: max(4 MiB, 4 * max_field_len). */
void fg_csv_set_alloc_cap(const fg_config *cfg);

/* Read into buf until it holds want bytes or EOF; returns bytes or -1 (errno). */
ssize_t fg_csv_read_full(int fd, char *buf, size_t want);
/* Feed fd from its current offset to EOF (first: the file's first block,
 * whose BOM is skipped), then fg_csv_reader_fini.  FG_OK or the first error. */
int fg_csv_feed_rest(fg_csv_reader *r, struct csv_parser *p, int fd, char *block, bool first);
/*
 * The header from the start of fd (a BOM skipped), fed byte by byte up to
 * the LF that ends it, so that what follows starts at a record boundary in
 * the serial reader's state.  FG_OK with *data_off the byte after that LF;
 * *splits false (FG_OK, nothing applied) when the first block holds no such
 * LF; FG_EIO when the block cannot be read; or the header's error.
 */
int fg_csv_read_header(uint64_t *data_off, bool *splits, fg_csv_reader *r,
                       struct csv_parser *p, int fd, char *block);

/* The name of column col for messages ("column 12" past the header). */
void fg_csv_column_name(char *out, const fg_csv_reader *r, size_t col);
/* Set the message of a parse error (FG_CSV_ERR_*) at `line`; returns its code. */
int fg_csv_parse_error(const char *file, int kind, int csv_err, uint64_t line, const char *col);

/* ---- a chunk's row buffer (fg_ingest_csv_chunk.c) ---- */

/* Empty c's output (its input stays). */
void fg_csv_chunk_clear(fg_csv_chunk *c);
void fg_csv_chunk_free(fg_csv_chunk *c);
/* Worker: check the row f[] (and ctx's attribute fields) found at `line` and
 * store it.  FG_OK, or FG_ENOMEM recorded in c (err_kind, err_line). */
int fg_csv_chunk_put_row(fg_csv_chunk *c, fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES],
                         uint64_t line);
/* Worker: store a bad row already reported (reason, column, what, value
 * quoted).  FG_OK, or FG_ENOMEM recorded in c. */
int fg_csv_chunk_put_bad(fg_csv_chunk *c, uint64_t line, fg_bad_reason reason, const char *col,
                         const char *what, const char *q);
/* Reading thread: apply c's rows in order, lines offset by base, then its
 * error.  r: the reading thread's reader (header names for messages). */
int fg_csv_chunk_deliver(const fg_csv_reader *r, fg_ingest_ctx *ctx, const fg_csv_chunk *c,
                         uint64_t base);

/* ---- the parallel reader (fg_ingest_csv_pool.c) ---- */

/* Chunk size in bytes; 0 disables the parallel reader (FG_INGEST_CHUNK=0). */
size_t fg_csv_chunk_size(void);
/* Reading threads for cfg (cfg->threads, or all; at most the pool's limit). */
int fg_csv_threads(const fg_config *cfg);
/*
 * The parallel reader over regular file fd (see fg_ingest_csv.c).  r and p:
 * the calling thread's reader and parser, fresh; block: FG_CSV_BLOCK bytes.
 * Returns FG_OK or an error; *from_start true (FG_OK) when the file does
 * not suit and nothing was done: the caller reads it serially from the start.
 */
int fg_csv_parallel(bool *from_start, fg_csv_reader *r, struct csv_parser *p, int fd,
                    char *block, size_t size, int nthreads);

#endif
