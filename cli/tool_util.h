/*
 * tool_util: what the read-only tools (explain, report, evaluate) share:
 * the output buffer (src/fg_sbuf.h, included here), aligned text tables,
 * nothing else.  The results database is read through src/fg_results.h
 * (fg_results_open, fg_results_run_pick) and src/fg_results_runs.h.
 *
 * The tools build their whole output in an fg_sbuf and write it once at the
 * end, so an error half-way prints nothing on stdout (only the message on
 * stderr).
 *
 * Thread-safety: none needed (the tools are single-threaded).
 */
#ifndef FG_CLI_TOOL_UTIL_H
#define FG_CLI_TOOL_UTIL_H

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

#endif
