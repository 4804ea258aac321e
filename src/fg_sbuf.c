#define __STDC_WANT_IEC_60559_BFP_EXT__ 1 /* strfromd */
#include "fg_sbuf.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static bool sbuf_reserve(fg_sbuf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->nomem)
		return false;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = fg_realloc(b->s, cap);
	if (!p) {
		b->nomem = true;
		return false;
	}
	b->s = p;
	b->cap = cap;
	return true;
}

void fg_sbuf_putn(fg_sbuf *b, const char *s, size_t n)
{
	if (!sbuf_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void fg_sbuf_puts(fg_sbuf *b, const char *s)
{
	fg_sbuf_putn(b, s, strlen(s));
}

/*
 * Formatted once into the free space (at least 64 bytes of it), a second
 * time only when the text does not fit: most calls print a number, and
 * glibc's conversion of a double is the cost.
 */
void fg_sbuf_printf(fg_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (!sbuf_reserve(b, 64))
		return;
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->s[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		if (!sbuf_reserve(b, (size_t)n)) {
			b->s[b->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void fg_sbuf_json_str(fg_sbuf *b, const char *s)
{
	if (!s) {
		fg_sbuf_puts(b, "null");
		return;
	}
	fg_sbuf_putn(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fg_sbuf_puts(b, "\\\""); break;
		case '\\': fg_sbuf_puts(b, "\\\\"); break;
		case '\n': fg_sbuf_puts(b, "\\n"); break;
		case '\r': fg_sbuf_puts(b, "\\r"); break;
		case '\t': fg_sbuf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fg_sbuf_printf(b, "\\u%04x", *p);
			else
				fg_sbuf_putn(b, (const char *)p, 1);
		}
	}
	fg_sbuf_putn(b, "\"", 1);
}

void fg_sbuf_real(fg_sbuf *b, const char *fmt, double v)
{
	char buf[64];
	int n = strfromd(buf, sizeof(buf), fmt, v);

	assert(n >= 0); /* strfromd fails only on a format outside its form */
	if (n < 0)
		return;
	if ((size_t)n < sizeof(buf)) {
		fg_sbuf_putn(b, buf, (size_t)n);
		return;
	}
	if (!sbuf_reserve(b, (size_t)n))
		return;
	strfromd(b->s + b->len, (size_t)n + 1, fmt, v);
	b->len += (size_t)n;
}

void fg_sbuf_json_num(fg_sbuf *b, double v)
{
	if (!isfinite(v))
		fg_sbuf_puts(b, "null");
	else
		fg_sbuf_real(b, "%.10g", v == 0 ? 0.0 : v); /* no "-0" */
}

void fg_sbuf_xml(fg_sbuf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fg_sbuf_puts(b, "&amp;"); break;
		case '<': fg_sbuf_puts(b, "&lt;"); break;
		case '>': fg_sbuf_puts(b, "&gt;"); break;
		case '"': fg_sbuf_puts(b, "&quot;"); break;
		case '\'': fg_sbuf_puts(b, "&apos;"); break;
		default:
			/* XML 1.0 forbids most control characters, even escaped */
			if (*p >= 0x20 || *p == '\t' || *p == '\n')
				fg_sbuf_putn(b, (const char *)p, 1);
		}
	}
}

void fg_sbuf_clip(fg_sbuf *b, const char *s, size_t max)
{
	size_t n = strlen(s), cut;

	if (n <= max || max < 4) {
		fg_sbuf_putn(b, s, n);
		return;
	}
	cut = max - 3;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--; /* do not split a UTF-8 sequence */
	fg_sbuf_putn(b, s, cut);
	fg_sbuf_puts(b, "...");
}

int fg_sbuf_check(const fg_sbuf *b)
{
	if (b->nomem)
		return fg_error_set(FG_ENOMEM, "out of memory while formatting the output");
	return FG_OK;
}

int fg_sbuf_write(const fg_sbuf *b, FILE *f)
{
	if (b->len && fwrite(b->s, 1, b->len, f) != b->len)
		return fg_error_set(FG_EIO, "writing the output: %s", strerror(errno));
	if (fflush(f) != 0)
		return fg_error_set(FG_EIO, "writing the output: %s", strerror(errno));
	return FG_OK;
}

void fg_sbuf_free(fg_sbuf *b)
{
	fg_free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->nomem = false;
}
