/*
 * fg_ingest: reading link and user rows from CSV (libcsv) and SQLite.
 *
 * The reader knows no graph: it parses, validates and normalises rows and
 * hands each good row to a sink callback.  Normalisation: kind lower-cased and
 * trimmed (ASCII whitespace), user_id and value trimmed; seen_at/created_at
 * parsed with fg_parse_time (unix seconds or ISO-8601).  Links with a seen_at
 * before cfg->since are dropped (counted as filtered, not bad); rows without
 * seen_at are kept.
 *
 * Bad rows (missing field, empty value, invalid UTF-8, NUL byte, field
 * longer than cfg->max_field_len, malformed quoting; a wrong column count is
 * NOT bad: extra columns are ignored, missing trailing optional columns are
 * empty) are recorded in fg_badrows with file, line, column name and a
 * quoted, truncated value, and skipped.  Warnings keep the row: an
 * unparseable seen_at / created_at (the row is kept without the time), a
 * label no class of cfg->input.labels lists (the user is unknown).  Past cfg->max_bad_rows, or on the first one under
 * cfg->strict, reading stops with FG_EDATA and a message naming file:line,
 * column and value.  A header without a required column is FG_EDATA too.
 *
 * Columns are found by name (fg_ingest_header, shared by both readers): each
 * role's name (user_id, kind, value, seen_at for links; user_id,
 * created_at, label for users) or the one given by --column, in any order,
 * case-insensitive; a missing optional column is said once per run (a
 * warning); other columns of a links input are ignored, other columns of a
 * users input are user attributes (cfg->input.attrs, lower-cased names).
 *
 * CSV: RFC 4180 through libcsv in strict mode (quoted commas, doubled
 * quotes, quoted newlines, CRLF), a UTF-8 BOM, blank lines skipped.  A
 * malformed quote (`a,"b" c` or `a,b"c`) is a bad row (FG_BAD_QUOTE) and
 * reading resumes at the next physical line; a quote still open at the end
 * of the file is FG_EDATA; an unquoted field too long for libcsv's buffer
 * is a bad row (FG_BAD_TOO_LONG), a quoted one FG_EDATA.  Path "-" is
 * stdin.  Line numbers are the physical line where the record starts (1 is
 * the header).
 *
 * SQLite: the database is opened read-only (SQLITE_OPEN_READONLY); the query
 * must be a single read-only statement (sqlite3_stmt_readonly) and its result
 * columns are found by name like CSV headers.  The "line" of a row is its
 * 1-based row number in the result and "file" is "DB:edges" or "DB:query".
 *
 * A link row reaches the sink as the link set keeps it: its kind canonical,
 * its value normalised for the kind, and a placeholder value flagged
 * (fg_config_normalise_value), its user and value hashed for the interning
 * tables (fg_hash_str32), all on the parsing threads; the sink decides what
 * a placeholder costs (fg_linkset counts and drops it).
 *
 * Strings handed to a sink are valid only during the callback.
 * Thread-safety: a reader is used by one thread at a time.  The CSV reader
 * parses large regular files with cfg->threads worker threads (0: the OpenMP
 * default) but calls the sink only from the calling thread, in file order;
 * rows, bad rows, messages and the stopping point are the same for any
 * thread count.
 */
#ifndef FG_SRC_FG_INGEST_H
#define FG_SRC_FG_INGEST_H

#include "fg_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fg_str {
	const char *ptr;
	size_t len;
} fg_str;

/* One link row: user_id used entity (kind, value), or a user-user relation. */
typedef struct fg_link_row {
	fg_str user;
	fg_str kind;     /* readers: the canonical kind (trimmed, lower-case, alias resolved) */
	fg_str value;    /* readers: trimmed and normalised for the kind (fg_config_normalise_value) */
	int64_t seen_at; /* FG_TIME_NONE if absent or empty */
	const char *file;
	uint64_t line;
	bool placeholder; /* readers: fg_config_normalise_value said drop (the sink counts it) */
	uint32_t user_hash, value_hash; /* readers, not placeholders: fg_hash_str32 of user and value */
} fg_link_row;

typedef enum fg_label {
	FG_LABEL_UNKNOWN = 0,
	FG_LABEL_FRAUD = 1, /* known-fraud seed */
	FG_LABEL_LEGIT = 2, /* cleared by an analyst */
} fg_label;

/* One user attribute of a users row (an extra column of the users input). */
typedef enum fg_attr_state {
	FG_ATTR_MISSING = 0, /* empty field, SQL NULL */
	FG_ATTR_NUMBER,      /* num holds a finite value within float range */
	FG_ATTR_TEXT,        /* anything else: text holds it (trimmed, maybe truncated) */
} fg_attr_state;

typedef struct fg_attr_val {
	fg_str name;   /* the column's name, trimmed and lower-cased */
	fg_str text;   /* FG_ATTR_TEXT: the value (at most 64 bytes of it) */
	double num;    /* FG_ATTR_NUMBER */
	uint8_t state; /* fg_attr_state */
} fg_attr_val;

typedef struct fg_user_row {
	fg_str user;
	int64_t created_at; /* FG_TIME_NONE if absent */
	fg_label label;     /* through cfg->input.labels (see fg_config_set_label) */
	const char *file;
	uint64_t line;
	uint32_t n_attrs;          /* the input's attribute columns, same for every row of it */
	const fg_attr_val *attrs;  /* n_attrs, in column order */
	uint32_t user_hash;        /* readers: fg_hash_str32 of user (others may leave it 0) */
} fg_user_row;

/* Sinks return FG_OK to go on, or a negative code to stop reading (passed up). */
typedef int (*fg_link_sink)(void *ctx, const fg_link_row *row);
typedef int (*fg_user_sink)(void *ctx, const fg_user_row *row);

/*
 * Reasons a row is bad (skipped), then warnings (the row is kept, something
 * of it is not); both counted per reason in fg_badrows.by_reason, so
 * runs.bad_rows holds both (a warning's name starts with "warning:").
 */
typedef enum fg_bad_reason {
	FG_BAD_MISSING_FIELD = 0, /* a required column is absent in this row */
	FG_BAD_EMPTY_VALUE,       /* a required field is empty after trimming */
	FG_BAD_UTF8,              /* invalid UTF-8 or a NUL byte */
	FG_BAD_TOO_LONG,          /* field longer than max_field_len */
	FG_BAD_SELF_LINK,         /* a relation row linking a user to itself */
	FG_BAD_QUOTE,             /* malformed quoting: the rest of the line is skipped */
	FG_WARN_SEEN_AT,          /* seen_at unparseable: the link is kept without a time */
	FG_WARN_CREATED_AT,       /* created_at unparseable: the user is kept without it */
	FG_WARN_LABEL,            /* a label value no class lists: the user is unknown */
	FG_BAD_NREASONS
} fg_bad_reason;

#define FG_BAD_FIRST_WARNING FG_WARN_SEEN_AT
#define FG_BAD_EXAMPLES 3
#define FG_LABEL_NAMES 8 /* distinct unrecognised label values named in the summary */

/* Bad-row accounting across all inputs of a run (plain data). */
typedef struct fg_badrows {
	uint64_t total;         /* bad rows (reasons below FG_BAD_FIRST_WARNING) */
	uint64_t warnings;      /* warnings (reasons from FG_BAD_FIRST_WARNING) */
	uint64_t by_reason[FG_BAD_NREASONS];
	/* first FG_BAD_EXAMPLES examples per reason: "file:line: column 'c': value \"...\"" */
	char examples[FG_BAD_NREASONS][FG_BAD_EXAMPLES][256];
	uint64_t rows_read;     /* data rows seen (good + bad + filtered) */
	uint64_t rows_filtered; /* dropped by the time window */
	/* unrecognised label values, in order of first appearance, quoted */
	char label_value[FG_LABEL_NAMES][48];
	uint64_t label_count[FG_LABEL_NAMES];
	uint32_t n_label_values; /* entries of label_value in use */
	uint64_t label_others;   /* rows with other unrecognised values (table full) */
	uint32_t noted;          /* FG_COL_* bits: a missing optional column already said */
} fg_badrows;

const char *fg_bad_reason_name(fg_bad_reason r);

/*
 * Read link rows from a CSV file (path, or "-" for stdin) and pass each good
 * row to sink.  bad accumulates across calls.  Returns FG_OK, FG_EIO (cannot
 * open/read: message names the file and strerror), FG_EDATA (header, bad-row
 * limit, strict), or the sink's code.
 */
int fg_ingest_links_csv(const char *path, const fg_config *cfg, fg_badrows *bad,
                        fg_link_sink sink, void *ctx);

/*
 * Chunk size of the parallel CSV reader (regular files of at least two
 * chunks read with threads >= 2; see fg_ingest_csv.c and
 * fg_ingest_csv_pool.c).  0 (the default) means the FG_INGEST_CHUNK
 * environment variable (bytes; 0 turns the parallel reader off), else 2 MiB.  For tests and benchmarks; not
 * thread-safe with a running reader.  The output is the same for any value.
 */
void fg_ingest_csv_set_chunk(size_t bytes);

/*
 * The CSV readers split lines without a quote (and without CR, NUL, or a
 * field count other than the header's) themselves, and hand the rest to
 * libcsv (fg_ingest_csv_reader.c).  false sends every line through libcsv:
 * the reference the fast path is tested against.  Rows, messages and errors
 * are the same either way.  For tests; not thread-safe with a running reader.
 */
void fg_ingest_csv_set_fast(bool on);

/* Same for a users CSV (user_id required; created_at, label optional). */
int fg_ingest_users_csv(const char *path, const fg_config *cfg, fg_badrows *bad,
                        fg_user_sink sink, void *ctx);

/*
 * A look-ahead for a users CSV's sink: on the thread that calls the sink,
 * with the user hash (fg_hash_str32) of a row that reaches the sink later,
 * first far ahead (a few dozen rows: near false) and again a few rows before
 * it (near true).  A hint only (for prefetching: the rows and their order
 * are the same without it), given where rows arrive in parsed chunks (a
 * regular file read by 2+ threads).  fg_ingest_users_csv with a hint.
 */
typedef void (*fg_user_hint)(void *ctx, uint32_t user_hash, bool near);
int fg_ingest_users_csv_hinted(const char *path, const fg_config *cfg, fg_badrows *bad,
                               fg_user_sink sink, fg_user_hint hint, void *ctx);

/*
 * Links from SQLite: db_path opened read-only; sql NULL means
 * "SELECT * FROM edges".  Users likewise with "SELECT * FROM users"; for users,
 * a missing `users` table with sql == NULL is not an error (no users).
 * Returns FG_OK, FG_EDB (cannot open, not read-only, SQL error: message has
 * sqlite3_errmsg), FG_EDATA, or the sink's code.
 */
int fg_ingest_links_sqlite(const char *db_path, const char *sql, const fg_config *cfg,
                           fg_badrows *bad, fg_link_sink sink, void *ctx);
int fg_ingest_users_sqlite(const char *db_path, const char *sql, const fg_config *cfg,
                           fg_badrows *bad, fg_user_sink sink, void *ctx);

/* Log the per-reason summary with the first examples (fg_log_warn). */
/*
 * The readers' text rules, also serve's (a request is normalised as run
 * normalises a row): ASCII-whitespace trim of s[0..*len), returning the new
 * start and updating *len; and 1 if s[0..len) is valid UTF-8 without NUL
 * bytes, else 0.
 */
const char *fg_ingest_trim(const char *s, size_t *len);
int fg_ingest_utf8_ok(const char *s, size_t len);

void fg_badrows_report(const fg_badrows *bad);

#endif
