/*
 * fg_truth: the truth CSV of evaluate, read with libcsv in strict mode.
 *
 * The file is read whole (a truth file holds a few bytes per user) and fed to
 * libcsv one physical line at a time, so every error knows its physical line;
 * a record spanning lines (a quoted newline) reports the line it started on.
 * Complexity: O(bytes) to parse, O(rows log rows) to merge users and number
 * rings.  Not thread-safe per object (one reader per fg_truth).
 */
#include "fg_truth.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { C_USER, C_RING, C_LABEL, C_ROLE, N_COLS };
static const char *const col_names[N_COLS] = { "user_id", "ring_id", "label", "role" };

static const char *const label_fraud[] = { "fraud", "chargeback", "confirmed_fraud", "1", "true", "yes", NULL };
static const char *const label_clear[] = { "legit", "cleared", "0", "false", "no", "", NULL };

typedef struct row {
	char *user_id;
	char *ring_id; /* NULL if empty */
	bool positive;
} row;

typedef struct reader {
	const char *q;      /* the path, quoted for messages */
	row *rows;
	size_t n, cap;
	int col[N_COLS];     /* field index of each role, -1 if absent */
	char *field[N_COLS]; /* this record's values */
	int fno;             /* field index within the record */
	bool header_done;
	size_t line;         /* physical line being fed (1-based) */
	size_t rec_line;     /* line the current record started on, 0 between records */
	int rc;
} reader;

static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static bool in_list(const char *v, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcasecmp(v, list[i]))
			return true;
	return false;
}

static void field_cb(void *s, size_t len, void *data)
{
	reader *r = data;
	const char *f = s ? s : "";
	int fno = r->fno++;

	if (!r->rec_line)
		r->rec_line = r->line;
	if (r->rc)
		return;
	trim(&f, &len);
	if (!r->header_done) {
		for (int c = 0; c < N_COLS; c++)
			if (r->col[c] < 0 && strlen(col_names[c]) == len && !strncasecmp(f, col_names[c], len))
				r->col[c] = fno;
		return;
	}
	for (int c = 0; c < N_COLS; c++) {
		if (r->col[c] != fno)
			continue;
		fg_free(r->field[c]);
		r->field[c] = fg_strndup(f, len);
		if (!r->field[c])
			r->rc = fg_error_set(FG_ENOMEM, "%s:%zu: out of memory", r->q, r->rec_line);
	}
}

static void clear_fields(reader *r)
{
	for (int c = 0; c < N_COLS; c++) {
		fg_free(r->field[c]);
		r->field[c] = NULL;
	}
}

static bool positive_of(reader *r, size_t line)
{
	const char *v;
	char q[96];

	if (r->col[C_ROLE] >= 0) {
		v = r->field[C_ROLE] ? r->field[C_ROLE] : "";
		return !strcasecmp(v, "ring") || !strcasecmp(v, "collusion");
	}
	if (r->col[C_LABEL] >= 0) {
		v = r->field[C_LABEL] ? r->field[C_LABEL] : "";
		if (in_list(v, label_fraud))
			return true;
		if (!in_list(v, label_clear)) {
			fg_error_quote(q, sizeof(q), v, strlen(v));
			r->rc = fg_error_set(FG_EDATA,
			                     "%s:%zu: column %d 'label': unknown label \"%s\" (fraud: fraud, chargeback,"
			                     " confirmed_fraud, 1, true, yes; not fraud: legit, cleared, 0, false, no,"
			                     " empty)",
			                     r->q, line, r->col[C_LABEL] + 1, q);
		}
		return false;
	}
	return r->field[C_RING] && *r->field[C_RING];
}

static void row_cb(int c, void *data)
{
	reader *r = data;
	size_t line = r->rec_line ? r->rec_line : r->line;

	(void)c;
	r->fno = 0;
	r->rec_line = 0;
	if (r->rc)
		goto done;
	if (!r->header_done) {
		r->header_done = true;
		if (r->col[C_USER] < 0)
			r->rc = fg_error_set(FG_EDATA, "%s:%zu: the header has no user_id column", r->q, line);
		else if (r->col[C_RING] < 0 && r->col[C_LABEL] < 0 && r->col[C_ROLE] < 0)
			r->rc = fg_error_set(FG_EDATA, "%s:%zu: the header needs one of ring_id, label, role",
			                     r->q, line);
		goto done;
	}
	if (!r->field[C_USER] || !*r->field[C_USER]) {
		r->rc = fg_error_set(FG_EDATA, "%s:%zu: column %d 'user_id': empty user_id", r->q, line,
		                     r->col[C_USER] + 1);
		goto done;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		row *p = fg_reallocarray(r->rows, cap, sizeof(row));
		if (!p) {
			r->rc = fg_error_set(FG_ENOMEM, "%s:%zu: out of memory", r->q, line);
			goto done;
		}
		r->rows = p;
		r->cap = cap;
	}
	{
		bool pos = positive_of(r, line);
		row *w;
		if (r->rc)
			goto done;
		w = &r->rows[r->n++];
		w->positive = pos;
		w->user_id = r->field[C_USER];
		w->ring_id = r->field[C_RING] && *r->field[C_RING] ? r->field[C_RING] : NULL;
		r->field[C_USER] = NULL;
		if (w->ring_id)
			r->field[C_RING] = NULL;
	}
done:
	clear_fields(r);
}

/*
 * The column of a strict-mode failure: libcsv stops at or just after the
 * offending byte, so take the nearest quote at or after stop - 1 on the
 * line, else the nearest before it.  1-based byte column.
 */
static size_t quote_column(const char *ln, size_t len, size_t stop)
{
	size_t from = stop ? stop - 1 : 0;

	for (size_t i = from; i < len && ln[i] != '\n'; i++)
		if (ln[i] == '"')
			return i + 1;
	for (size_t i = from < len ? from : len; i-- > 0;)
		if (ln[i] == '"')
			return i + 1;
	return from + 1;
}

static int read_all(char **out, size_t *len, const char *path, const char *q)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = FG_OK;

	*out = NULL;
	if (!f)
		return fg_error_set(errno == ENOENT ? FG_ENOTFOUND : FG_EIO, "cannot read the truth file %s: %s",
		                    q, strerror(errno));
	for (;;) {
		if (cap - n < 65536) {
			size_t c = cap ? 2 * cap : 65536;
			char *p = fg_realloc(buf, c + 1);
			if (!p) {
				rc = fg_error_set(FG_ENOMEM, "%s: out of memory", q);
				goto cleanup;
			}
			buf = p;
			cap = c;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = fg_error_set(FG_EIO, "%s: read error: %s", q, strerror(errno));
		goto cleanup;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
cleanup:
	fg_free(buf);
	fclose(f);
	return rc;
}

static int row_cmp(const void *a, const void *b)
{
	const row *x = a, *y = b;
	int c = strcmp(x->user_id, y->user_id);

	if (c)
		return c;
	/* positive rows with a ring first: they win the merge */
	if (x->positive != y->positive)
		return x->positive ? -1 : 1;
	return (y->ring_id != NULL) - (x->ring_id != NULL);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Merge the rows per user and number the rings. */
static int build(fg_truth *t, reader *r)
{
	char **names = NULL;
	size_t nn = 0;

	if (r->n > 1)
		qsort(r->rows, r->n, sizeof(row), row_cmp);
	t->users = fg_mallocarray(r->n ? r->n : 1, sizeof(fg_truth_user));
	names = fg_mallocarray(r->n ? r->n : 1, sizeof(char *));
	if (!t->users || !names) {
		fg_free(names);
		return fg_error_set(FG_ENOMEM, "%s: out of memory", r->q);
	}
	for (size_t i = 0; i < r->n; i++) {
		row *x = &r->rows[i];
		if (t->n_users && !strcmp(t->users[t->n_users - 1].user_id, x->user_id))
			continue; /* the first row of a user wins */
		fg_truth_user *u = &t->users[t->n_users++];
		u->user_id = x->user_id;
		u->positive = x->positive;
		u->ring = FG_TRUTH_NO_RING;
		x->user_id = NULL;
		if (x->positive && x->ring_id)
			names[nn++] = x->ring_id;
	}
	if (nn > 1)
		qsort(names, nn, sizeof(char *), str_cmp);
	t->ring_name = fg_mallocarray(nn ? nn : 1, sizeof(char *));
	if (!t->ring_name) {
		fg_free(names);
		return fg_error_set(FG_ENOMEM, "%s: out of memory", r->q);
	}
	for (size_t i = 0; i < nn; i++) {
		if (t->n_rings && !strcmp(t->ring_name[t->n_rings - 1], names[i]))
			continue;
		t->ring_name[t->n_rings] = fg_strndup(names[i], strlen(names[i]));
		if (!t->ring_name[t->n_rings]) {
			fg_free(names);
			return fg_error_set(FG_ENOMEM, "%s: out of memory", r->q);
		}
		t->n_rings++;
	}
	fg_free(names);
	/* the merge kept one row per user in user order: look its ring up */
	for (size_t i = 0, u = 0; i < r->n; i++) {
		row *x = &r->rows[i];
		if (x->user_id)
			continue; /* a later row of a user already taken */
		if (x->positive && x->ring_id) {
			char **hit = t->n_rings ? bsearch(&x->ring_id, t->ring_name, t->n_rings, sizeof(char *), str_cmp) : NULL;
			t->users[u].ring = hit ? (int64_t)(hit - t->ring_name) : FG_TRUTH_NO_RING;
		}
		u++;
	}
	return FG_OK;
}

int fg_truth_read(fg_truth **out, const char *path)
{
	struct csv_parser p;
	bool p_init = false;
	reader r;
	fg_truth *t = NULL;
	char *buf = NULL, q[256];
	size_t len = 0, pos = 0;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	for (int c = 0; c < N_COLS; c++)
		r.col[c] = -1;
	fg_error_quote(q, sizeof(q), path, strlen(path));
	r.q = q;
	if ((rc = read_all(&buf, &len, path, q)))
		goto cleanup;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (csv parser)");
		goto cleanup;
	}
	p_init = true;
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		pos = 3; /* UTF-8 byte order mark */
	while (pos < len && !r.rc) {
		const char *ln = buf + pos, *nl = memchr(ln, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - ln) + 1 : len - pos, done;
		r.line++;
		done = csv_parse(&p, ln, n, field_cb, row_cb, &r);
		if (done != n && !r.rc) {
			size_t col = quote_column(ln, n, done);
			char v[96];
			fg_error_quote(v, sizeof(v), ln, n - (nl ? 1 : 0));
			rc = fg_error_set(FG_EDATA, "%s:%zu:%zu: malformed quote (%s): \"%s\"", q, r.line, col,
			                  csv_strerror(csv_error(&p)), v);
			goto cleanup;
		}
		pos += n;
	}
	if (!r.rc && csv_fini(&p, field_cb, row_cb, &r) != 0) {
		rc = fg_error_set(FG_EDATA, "%s:%zu: unterminated quote: the quoted field opened on line %zu"
		                  " runs to the end of the file", q, r.line, r.rec_line ? r.rec_line : r.line);
		goto cleanup;
	}
	if ((rc = r.rc))
		goto cleanup;
	if (!r.header_done) {
		rc = fg_error_set(FG_EDATA, "%s:1: empty truth file (a header with user_id is needed)", q);
		goto cleanup;
	}
	t = fg_calloc(1, sizeof(*t));
	if (!t) {
		rc = fg_error_set(FG_ENOMEM, "%s: out of memory", q);
		goto cleanup;
	}
	t->n_rows = r.n;
	t->rule = r.col[C_ROLE] >= 0    ? "role in {ring, collusion}"
	          : r.col[C_LABEL] >= 0 ? "label in {fraud, chargeback, confirmed_fraud, 1, true, yes}"
	                                : "ring_id non-empty";
	if ((rc = build(t, &r)))
		goto cleanup;
	*out = t;
	t = NULL;
cleanup:
	if (p_init)
		csv_free(&p);
	clear_fields(&r);
	for (size_t i = 0; i < r.n; i++) {
		fg_free(r.rows[i].user_id);
		fg_free(r.rows[i].ring_id);
	}
	fg_free(r.rows);
	fg_free(buf);
	fg_truth_free(&t);
	return rc;
}

void fg_truth_free(fg_truth **t)
{
	if (!t || !*t)
		return;
	for (size_t i = 0; i < (*t)->n_users; i++)
		fg_free((*t)->users[i].user_id);
	for (size_t i = 0; i < (*t)->n_rings; i++)
		fg_free((*t)->ring_name[i]);
	fg_free((*t)->users);
	fg_free((*t)->ring_name);
	fg_free(*t);
	*t = NULL;
}
