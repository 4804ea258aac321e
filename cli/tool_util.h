/*
 * tool_util: what the read-only tools (explain, report, evaluate) share:
 * the output buffer (src/fg_sbuf.h, included here), aligned text tables,
 * option parsing, and the results database opened read-only with the run
 * resolved from --run.
 *
 * The tools build their whole output in an fg_sbuf and write it once at the
 * end, so an error half-way prints nothing on stdout (only the message on
 * stderr).  Every SQL value is bound, never pasted.
 *
 * Thread-safety: none needed (the tools are single-threaded).
 */
#ifndef FG_CLI_TOOL_UTIL_H
#define FG_CLI_TOOL_UTIL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fg_sbuf.h"

/* ---- text tables -------------------------------------------------------- */

/*
 * Aligned columns: cells are added row by row (a row ends after ncols
 * cells), widths are computed at print time.  align: one char per column,
 * 'l' or 'r'.  Cells are clipped to max_width bytes ("..." at the end).
 */
typedef struct fg_table fg_table;

int fg_table_new(fg_table **out, int ncols, const char *const *headers, const char *align,
                 size_t max_width);
void fg_table_cell(fg_table *t, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Print with `indent` leading spaces, two spaces between columns. */
void fg_table_print(fg_sbuf *out, const fg_table *t, int indent);
/* FG_OK or FG_ENOMEM (a cell could not be stored). */
int fg_table_check(const fg_table *t);
size_t fg_table_rows(const fg_table *t);
void fg_table_free(fg_table **t);

/* ---- options ------------------------------------------------------------ */

/*
 * If argv[*i] is `--name VALUE` or `--name=VALUE`, set *val, advance *i past
 * the value and return 1; 0 if argv[*i] is another option; FG_EUSAGE (message
 * set) if the value is missing.
 */
int fg_tool_opt(const char **val, int argc, char **argv, int *i, const char *name);

/* Parse a whole decimal int64 / finite double; FG_EUSAGE naming opt if bad. */
int fg_tool_parse_i64(int64_t *out, const char *s, const char *opt);
int fg_tool_parse_double(double *out, const char *s, const char *opt);

/* ---- database ----------------------------------------------------------- */

/*
 * Open the results database read-only: fg_results_open_db (src/fg_results.h),
 * the reader's own checks.  FG_ENOTFOUND if the file does not exist, FG_EDB
 * if it is not a fraudgraph results database (no `runs` table), has a newer
 * schema than this build, or cannot be read.  *out is NULL on error.
 */
int fg_tool_db_open(sqlite3 **out, const char *path);

/* Prepare sql (fg_results_db_prepare: plan under FG_QUERY_PLAN); FG_EDB on failure. */
int fg_tool_prepare(sqlite3_stmt **out, sqlite3 *db, const char *sql);

/* FG_EDB "what: <sqlite message>". */
int fg_tool_db_error(sqlite3 *db, const char *what);

/*
 * The run to read: arg NULL or "latest" -> the newest run with status 'ok';
 * else a run id that must exist with status 'ok'.  FG_ENOTFOUND ("run 7 is
 * not in PATH" / "PATH holds no committed run"), FG_EUSAGE for a bad number.
 */
int fg_tool_run_resolve(int64_t *out, sqlite3 *db, const char *arg, const char *path);

/* The newest committed run older than run_id, or 0 if none. */
int fg_tool_run_previous(int64_t *out, sqlite3 *db, int64_t run_id);

/* Column text or "" for NULL (never NULL). */
const char *fg_tool_text(sqlite3_stmt *st, int col);

/* fg_strndup of column text; NULL for SQL NULL.  *nomem set if the copy failed. */
char *fg_tool_dup(sqlite3_stmt *st, int col, bool *nomem);

#endif
