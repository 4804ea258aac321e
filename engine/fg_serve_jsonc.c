/*
 * fg_serve_jsonc: the json-c serializer hooks of the /v1/score answer's
 * numbers (fg_serve_score.c; bench/bench_json times them), printing them as
 * jansson prints the other answers' numbers.
 */
#define __STDC_WANT_IEC_60559_BFP_EXT__ 1 /* strfromd */
#define FG_SERVE_JSONC
#include "fg_serve_internal.h"
#include "fg_text.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * A real printed as jansson prints it at JSON_REAL_PRECISION(6)
 * (jsonp_dtostr): "%.6g" in the C locale, ".0" appended when the text
 * would read as an integer, the exponent without '+' and leading zeros
 * (1e-05 -> 1e-5).  json-c's serializer hook, so no text is allocated.
 * strfromd is printf's own "%.6g" (glibc's __printf_fp, the same digits)
 * without vfprintf: libquadmath, loaded with igraph's LAPACK, registers
 * printf hooks, which send every printf of the process down glibc's slow
 * positional path (perf: printf_positional, 5% of a score's CPU).
 */
int fg_serve_jsonc_real(struct json_object *j, struct printbuf *pb, int level, int flags)
{
	char buf[48], *e, *from;
	int n = strfromd(buf, sizeof(buf) - 3, "%.6g", json_object_get_double(j));

	(void)level;
	(void)flags;
	if (n < 0 || n >= (int)sizeof(buf) - 3)
		return -1;
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		buf[n++] = '.';
		buf[n++] = '0';
		buf[n] = '\0';
	}
	if ((e = strchr(buf, 'e'))) {
		e++;
		from = e + 1;
		if (*e == '-')
			e++;
		while (*from == '0')
			from++;
		if (from != e) {
			memmove(e, from, (size_t)(buf + n - from) + 1);
			n -= (int)(from - e);
		}
	}
	return printbuf_memappend(pb, buf, n);
}

/*
 * An integer's decimal digits, as json-c's own serializer prints it with
 * snprintf("%" PRId64), which takes printf's slow path here (fg_serve_jsonc_real).
 */
int fg_serve_jsonc_int(struct json_object *j, struct printbuf *pb, int level, int flags)
{
	char buf[FG_TEXT_INT_MAX], *p = fg_text_digits(buf, json_object_get_int64(j));

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, p, (int)(buf + FG_TEXT_INT_MAX - p));
}
