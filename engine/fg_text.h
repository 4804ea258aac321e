/*
 * fg_text: a sentence built in a fixed buffer as snprintf would build it,
 * without printf.  The reasons' sentences (fg_model_reason_text, serve's
 * rule reasons) are made on every scored request; libquadmath, loaded with
 * igraph's LAPACK, registers printf hooks, and with a hook registered glibc
 * sends every printf of the process down its slow positional path
 * (docs/serve.md "Speed").  Reals go through strfromd, printf's own digits
 * (glibc's __printf_fp), so the bytes are snprintf's.
 *
 * Like snprintf, the text is cut at cap - 1 bytes (a byte cut, not a UTF-8
 * one) and always NUL-terminated (cap > 0).  Thread-safety: one per thread.
 */
#ifndef FG_ENGINE_FG_TEXT_H
#define FG_ENGINE_FG_TEXT_H

/* strfromd: the including file defines this before its first include. */
#ifndef __STDC_WANT_IEC_60559_BFP_EXT__
#error "define __STDC_WANT_IEC_60559_BFP_EXT__ before the first include to use fg_text.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Invariant: n < cap and s[n] == '\0'. */
typedef struct fg_text {
	char *s;
	size_t n, cap;
} fg_text;

/* An empty text in out[0..cap), cap > 0. */
static inline fg_text fg_text_start(char *out, size_t cap)
{
	out[0] = '\0';
	return (fg_text){ out, 0, cap };
}

/* The first len bytes of p (as many as fit). */
static inline void fg_text_putn(fg_text *t, const char *p, size_t len)
{
	size_t room = t->cap - 1 - t->n;

	if (len > room)
		len = room;
	memcpy(t->s + t->n, p, len);
	t->n += len;
	t->s[t->n] = '\0';
}

/* p, as "%s". */
static inline void fg_text_puts(fg_text *t, const char *p)
{
	fg_text_putn(t, p, strlen(p));
}

/* At most max bytes of p, as "%.<max>s". */
static inline void fg_text_putmax(fg_text *t, const char *p, size_t max)
{
	const char *z = memchr(p, '\0', max);

	fg_text_putn(t, p, z ? (size_t)(z - p) : max);
}

/* v in decimal, as "%lld" prints it, at the end of buf[0..FG_TEXT_INT_MAX):
 * returns where the digits start. */
#define FG_TEXT_INT_MAX 24
static inline char *fg_text_digits(char buf[FG_TEXT_INT_MAX], int64_t v)
{
	char *p = buf + FG_TEXT_INT_MAX;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	return p;
}

/* v in decimal, as "%lld" (and "%u" for an unsigned value). */
static inline void fg_text_int(fg_text *t, int64_t v)
{
	char buf[FG_TEXT_INT_MAX], *p = fg_text_digits(buf, v);

	fg_text_putn(t, p, (size_t)(buf + FG_TEXT_INT_MAX - p));
}

/*
 * v as printf's fmt prints it, fmt one conversion strfromd takes ("%.3f",
 * "%.4g"); plus: '+' before a value printed without a sign, as printf's
 * "%+" flag (which strfromd does not take) does, "+nan" included.
 */
static inline void fg_text_real(fg_text *t, const char *fmt, double v, int plus)
{
	char buf[352]; /* "%.3f" of DBL_MAX: 309 digits and the point and decimals */
	int n = strfromd(buf + 1, sizeof(buf) - 1, fmt, v);
	char *p = buf + 1;

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	if (plus && *p != '-') {
		*--p = '+';
		n++;
	}
	fg_text_putn(t, p, (size_t)n);
}

#endif
