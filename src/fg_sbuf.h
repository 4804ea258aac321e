/*
 * fg_sbuf: a growable output buffer with JSON/XML escaping.
 *
 * The tools build their whole output in an fg_sbuf and write it once at the
 * end, so an error half-way prints nothing on stdout; the run's writer builds
 * its JSON columns (runs.inputs, runs.bad_rows, rings.prev_keys) with it.
 *
 * Thread-safety: one buffer per thread.
 */
#ifndef FG_SRC_FG_SBUF_H
#define FG_SRC_FG_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A growable NUL-terminated string.  Start with `fg_sbuf b = {0};`.  An
 * allocation failure sets `nomem` and makes later appends no-ops, so callers
 * check once at the end (fg_sbuf_check).
 */
typedef struct fg_sbuf {
	char *s;      /* NULL until the first append */
	size_t len;   /* bytes used, without the NUL */
	size_t cap;
	bool nomem;
} fg_sbuf;

void fg_sbuf_printf(fg_sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void fg_sbuf_putn(fg_sbuf *b, const char *s, size_t n);
void fg_sbuf_puts(fg_sbuf *b, const char *s);
/* A JSON string literal with quotes; NULL gives `null`. */
void fg_sbuf_json_str(fg_sbuf *b, const char *s);
/*
 * v as printf's fmt would print it, fmt one conversion of strfromd's form
 * ("%.9g": an optional precision, one of a A e E f F g G): glibc's own digits, without printf's argument walk (the
 * process's printf goes down glibc's slow positional path once a library
 * registers printf hooks, as libquadmath does).
 */
void fg_sbuf_real(fg_sbuf *b, const char *fmt, double v);
/* A JSON number (%.10g, so goldens are stable); NaN/inf give `null`. */
void fg_sbuf_json_num(fg_sbuf *b, double v);
/* XML character data / attribute text: & < > " ' escaped, control bytes dropped. */
void fg_sbuf_xml(fg_sbuf *b, const char *s);
/* s, or its first max-3 bytes and "..." when longer than max (UTF-8 safe cut). */
void fg_sbuf_clip(fg_sbuf *b, const char *s, size_t max);
/* FG_OK, or FG_ENOMEM with a message if an append failed. */
int fg_sbuf_check(const fg_sbuf *b);
/* Write the buffer to f; FG_EIO on a write error. */
int fg_sbuf_write(const fg_sbuf *b, FILE *f);
void fg_sbuf_free(fg_sbuf *b);

#endif
