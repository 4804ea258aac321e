/*
 * fg_log: progress and timings on stderr.
 *
 * One line per phase with counts, sizes and seconds; a live progress line
 * (carriage return, no newline) only when stderr is a terminal; nothing at all
 * but errors and warnings under --quiet.  Results never go through here: they
 * go to stdout or the database.
 */
#ifndef FG_SRC_FG_LOG_H
#define FG_SRC_FG_LOG_H

#include <stdbool.h>
#include <stdint.h>

void fg_log_set_quiet(bool quiet);
bool fg_log_quiet(void);

/* Informational line on stderr (suppressed by --quiet). A newline is added. */
void fg_log_info(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Warning on stderr, shown even under --quiet: "fraudgraph: warning: ...". */
void fg_log_warn(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Error on stderr, always shown: "fraudgraph: <message>". */
void fg_log_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Monotonic clock in seconds. */
double fg_clock(void);

/* CPU time of this process (all threads, user + system), in seconds. */
double fg_cpu_clock(void);

/* Peak resident set size of this process, in bytes (0 if unknown). */
uint64_t fg_peak_rss(void);

/*
 * Live progress for a long phase: "phase: done/total" redrawn in place, at most
 * ten times a second, only if stderr is a terminal and not quiet. total may be
 * 0 (unknown). fg_log_progress_end clears the line. Call from one thread only.
 */
void fg_log_progress(const char *phase, uint64_t done, uint64_t total);
void fg_log_progress_end(void);

#endif
