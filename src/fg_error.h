/*
 * fg_error: error codes, process exit codes and the per-thread error message.
 *
 * Functions that can fail return an int: 0 (FG_OK) or a negative FG_E* code,
 * and set a one-line message with context (file, line, column, the offending
 * value, truncated).  Callers pass the code up without rewording the message
 * (libgit2 docs/error-handling.md).  The message lives in thread-local storage,
 * so an OpenMP worker can record an error that the master then reports.
 */
#ifndef FG_SRC_FG_ERROR_H
#define FG_SRC_FG_ERROR_H

#include <stddef.h>

/* Error codes returned by library functions. */
enum {
	FG_OK = 0,
	FG_ERROR = -1,     /* generic runtime failure */
	FG_ENOMEM = -2,    /* an allocation failed */
	FG_EIO = -3,       /* a file could not be read or written */
	FG_EUSAGE = -4,    /* bad command line or parameter */
	FG_EDATA = -5,     /* bad input data (exit 3) */
	FG_EDB = -6,       /* SQLite failure */
	FG_ENOTFOUND = -7, /* a user, run or object that does not exist */
	FG_EBUSY = -8,     /* another run holds the results database */
	FG_EIGRAPH = -9,   /* igraph reported an error */
	FG_EDRIFT = -10,   /* report: drift above the --fail-on-drift threshold */
	FG_EDROP = -11,    /* run: links or users dropped past --max-drop against the last run */
};

/*
 * Process exit codes: documented in `fraudgraph --help` and docs/operations.md.
 * Stable: cron jobs and alerting depend on them.  One table: the enum below
 * and the text every --help prints (fg_cli_exit_codes) are both generated
 * from it, so they cannot disagree.  X(name, value, meaning)
 */
#define FG_EXIT_CODES(X) \
	X(FG_EXIT_OK, 0, "done") \
	X(FG_EXIT_RUNTIME, 1, "runtime failure (I/O, memory, database); nothing of this run stored") \
	X(FG_EXIT_USAGE, 2, "usage error (bad command line)") \
	X(FG_EXIT_DATA, 3, "input data error (bad rows past the limit, bad header); nothing stored") \
	X(FG_EXIT_NOTFOUND, 4, "not found (unknown user or run)") \
	X(FG_EXIT_DRIFT, 5, "drift above --fail-on-drift (report)") \
	X(FG_EXIT_BUSY, 6, "the results database is being written by another run") \
	X(FG_EXIT_DROP, 7, "export refused: links or users dropped past --max-drop; nothing stored")

enum {
#define FG_EXIT_ENUM_(name, value, text) name = value,
	FG_EXIT_CODES(FG_EXIT_ENUM_)
#undef FG_EXIT_ENUM_
};
/* 128+N: killed by signal N; see docs/operations.md for a kill after the commit point. */

/* Record a message for the current thread and return `code` (printf format). */
int fg_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* The current thread's last message ("" if none). Never NULL. */
const char *fg_error_msg(void);

/* The code passed with the last fg_error_set on this thread (FG_OK if none). */
int fg_error_code(void);

void fg_error_clear(void);

/* Map an FG_E* code to a process exit code. */
int fg_error_exit_code(int code);

/* Short name of a code ("input data error"). */
const char *fg_error_name(int code);

/*
 * Write a printable, truncated copy of s[0..len) into out (capacity cap >= 8):
 * control bytes, quotes and non-UTF-8 bytes become \xHH escapes, and values
 * longer than fit end in "...".  Used to quote offending values in messages.
 * Returns out.
 */
char *fg_error_quote(char *out, size_t cap, const char *s, size_t len);

#endif
