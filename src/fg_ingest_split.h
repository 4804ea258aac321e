/*
 * fg_ingest_split: reading one CSV file as byte ranges, one per process
 * (engine/fg_mpi.c cuts them; the MPI choreography lives there, not here).
 *
 * Cutting rule (the one the chunked reader in fg_ingest_csv_pool.c uses): a range
 * starts right after an LF preceded by an even number of '"' bytes since the
 * end of the header (RFC 4180: a record boundary; doubled quotes count twice).
 * A process that owns the nominal range [a, b) learns the parity of [data_off,
 * a) from the others (an exclusive scan of fg_csv_scan's parities), then
 * fg_csv_next_boundary finds its real start.  Physical line numbers: a range's
 * first line is data_line plus the line breaks (LF, or CR not followed by LF,
 * the reader's own count) of every earlier range (fg_csv_scan again).
 *
 * Exactness: a range is parsed from a fresh parser at a record boundary; its
 * rows equal the serial reader's when every earlier range ended between
 * records (fg_csv_range_end.clean) and consumed as many lines as the byte
 * count said.  Malformed quoting that libcsv reads differently from the
 * parity shows up as a range that is not clean, and the caller reads that
 * file whole instead.
 *
 * Thread-safety: none needed; each call opens the file itself.
 */
#ifndef FG_SRC_FG_INGEST_SPLIT_H
#define FG_SRC_FG_INGEST_SPLIT_H

#include "fg_ingest.h"

#include <stdbool.h>
#include <stdint.h>

/* How a range's parse ended. */
typedef struct fg_csv_range_end {
	uint64_t lines; /* physical lines consumed (the reader's count) */
	bool clean;     /* the parser ended between records */
} fg_csv_range_end;

/*
 * Whether path (a regular file, not "-") can be split: its header ends with
 * an LF within the first MiB.  Sets *data_off (the byte after that LF, past
 * a BOM), *data_line (the line of that byte) and *size.  Returns FG_OK, or 1
 * when it cannot be split (not regular, unreadable, empty, no such header;
 * the whole-file reader reports any error exactly).  No message is left set.
 */
int fg_ingest_csv_probe(const char *path, bool users, uint64_t *data_off, uint64_t *data_line,
                        uint64_t *size);

/*
 * Over the bytes [begin, end) of path: *parity gets the parity of their '"'
 * count and *breaks their line breaks (LF, or CR not followed by LF; a CR at
 * end - 1 counts as a break unless the byte at end is LF).  FG_OK or FG_EIO.
 * O(end - begin).
 */
int fg_csv_scan(const char *path, uint64_t begin, uint64_t end, unsigned *parity,
                uint64_t *breaks);

/*
 * The first record boundary at or after `from`: the smallest p > from such
 * that byte p - 1 is an LF and the '"' parity of [data_off, p) is even, given
 * parity_before (the parity of [data_off, from)).  *out = p, or size if none.
 * FG_OK or FG_EIO.  O(p - from).
 */
int fg_csv_next_boundary(uint64_t *out, const char *path, uint64_t from, unsigned parity_before,
                         uint64_t size);

/*
 * The CSV reader over [begin, end) only, the header read first from the
 * file's start, the first byte at physical line `line`.  Like
 * fg_ingest_links_csv / fg_ingest_users_csv otherwise (bad rows, strict,
 * max_bad_rows against *bad, the sink).  A range ending at the file's size is
 * finished (a last record without a newline).  *out: lines consumed, clean.
 */
int fg_ingest_links_csv_range(const char *path, const fg_config *cfg, fg_badrows *bad,
                              fg_link_sink sink, void *ctx, uint64_t begin, uint64_t end,
                              uint64_t line, fg_csv_range_end *out);
int fg_ingest_users_csv_range(const char *path, const fg_config *cfg, fg_badrows *bad,
                              fg_user_sink sink, void *ctx, uint64_t begin, uint64_t end,
                              uint64_t line, fg_csv_range_end *out);

#endif
