#include "tool_util.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_results.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- text tables -------------------------------------------------------- */

/* Invariant: cells holds n_cells strings, row-major, ncols per row. */
struct fg_table {
	int ncols;
	char **headers;
	char *align;
	size_t max_width;
	char **cells;
	size_t n_cells, cap_cells;
	bool nomem;
};

int fg_table_new(fg_table **out, int ncols, const char *const *headers, const char *align,
                 size_t max_width)
{
	fg_table *t;

	*out = NULL;
	t = fg_calloc(1, sizeof(*t));
	if (!t)
		return fg_error_set(FG_ENOMEM, "out of memory (table)");
	t->ncols = ncols;
	t->max_width = max_width;
	t->headers = fg_calloc((size_t)ncols, sizeof(char *));
	t->align = fg_strndup(align, strlen(align));
	if (!t->headers || !t->align) {
		fg_table_free(&t);
		return fg_error_set(FG_ENOMEM, "out of memory (table)");
	}
	for (int c = 0; c < ncols; c++) {
		t->headers[c] = fg_strndup(headers[c], strlen(headers[c]));
		if (!t->headers[c]) {
			fg_table_free(&t);
			return fg_error_set(FG_ENOMEM, "out of memory (table)");
		}
	}
	*out = t;
	return FG_OK;
}

void fg_table_cell(fg_table *t, const char *fmt, ...)
{
	fg_sbuf b = { 0 };
	va_list ap;
	int n;
	char *s;

	if (t->nomem)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = n >= 0 ? fg_malloc((size_t)n + 1) : NULL;
	if (!s) {
		t->nomem = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (t->max_width && (size_t)n > t->max_width) {
		fg_sbuf_clip(&b, s, t->max_width);
		fg_free(s);
		if (b.nomem) {
			fg_sbuf_free(&b);
			t->nomem = true;
			return;
		}
		s = b.s;
	}
	if (t->n_cells == t->cap_cells) {
		size_t cap = t->cap_cells ? 2 * t->cap_cells : 64;
		char **p = fg_reallocarray(t->cells, cap, sizeof(char *));
		if (!p) {
			fg_free(s);
			t->nomem = true;
			return;
		}
		t->cells = p;
		t->cap_cells = cap;
	}
	t->cells[t->n_cells++] = s;
}

/* Display width: UTF-8 code points (good enough for ids and values). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

void fg_table_print(fg_sbuf *out, const fg_table *t, int indent)
{
	size_t w[32] = { 0 };
	int nc = t->ncols < 32 ? t->ncols : 32;
	size_t rows = t->n_cells / (size_t)t->ncols;

	for (int c = 0; c < nc; c++)
		w[c] = width(t->headers[c]);
	for (size_t i = 0; i < rows * (size_t)t->ncols; i++) {
		int c = (int)(i % (size_t)t->ncols);
		size_t cw = width(t->cells[i]);
		if (c < nc && cw > w[c])
			w[c] = cw;
	}
	for (size_t r = 0; r <= rows; r++) {
		size_t linestart = out->len;
		fg_sbuf_printf(out, "%*s", indent, "");
		for (int c = 0; c < nc; c++) {
			const char *s = r == 0 ? t->headers[c] : t->cells[(r - 1) * (size_t)t->ncols + (size_t)c];
			size_t pad = w[c] - width(s);
			if (c)
				fg_sbuf_puts(out, "  ");
			if (t->align[c] == 'r')
				fg_sbuf_printf(out, "%*s", (int)pad, "");
			fg_sbuf_puts(out, s);
			if (t->align[c] != 'r' && c + 1 < nc)
				fg_sbuf_printf(out, "%*s", (int)pad, "");
		}
		/* no trailing blanks */
		while (!out->nomem && out->len > linestart && out->s[out->len - 1] == ' ')
			out->s[--out->len] = '\0';
		fg_sbuf_putn(out, "\n", 1);
	}
}

int fg_table_check(const fg_table *t)
{
	if (t->nomem)
		return fg_error_set(FG_ENOMEM, "out of memory (table)");
	return FG_OK;
}

size_t fg_table_rows(const fg_table *t)
{
	return t->n_cells / (size_t)t->ncols;
}

void fg_table_free(fg_table **tp)
{
	fg_table *t = tp ? *tp : NULL;

	if (!t)
		return;
	if (t->headers)
		for (int c = 0; c < t->ncols; c++)
			fg_free(t->headers[c]);
	fg_free(t->headers);
	fg_free(t->align);
	for (size_t i = 0; i < t->n_cells; i++)
		fg_free(t->cells[i]);
	fg_free(t->cells);
	fg_free(t);
	*tp = NULL;
}
