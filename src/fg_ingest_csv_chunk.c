/*
 * fg_ingest_csv_chunk: a chunk's row buffer.  A worker checks its rows
 * (fg_ingest_row_check) and stores them: per row an fg_csv_row (verdict,
 * relative line, lengths), GOOD rows' normalised strings and attribute blob
 * in the arena, bad rows' and warnings' reports (value already quoted) in
 * the reports list.  The reading thread then applies them strictly in file
 * order (fg_ingest_row_apply), so rows, messages and the stopping point are
 * those of the serial reader.  O(bytes of the chunk); no formatting per row
 * (except bad rows).  One thread at a time per chunk (the pool's hand-offs).
 */
#include "fg_ingest_csv_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <string.h>

/* p grown to hold at least need elements of sz bytes (capacity *cap,
 * doubled); NULL on failure (p unchanged). */
static void *grow(void *p, size_t *cap, size_t need, size_t sz)
{
	size_t ncap = *cap ? *cap : 1024;
	void *q;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	q = fg_reallocarray(p, ncap, sz);
	if (q)
		*cap = ncap;
	return q;
}

/* Append one report to the chunk's bads list. */
static fg_csv_report *push_bad(fg_csv_chunk *c)
{
	void *q = grow(c->bads, &c->bads_cap, c->nbads + 1, sizeof(*c->bads));

	if (!q)
		return NULL;
	c->bads = q;
	return &c->bads[c->nbads++];
}

/* The attribute blob of a checked users row: per attribute a state byte, then
 * a double (NUMBER) or a length byte and the bytes (TEXT). */
static size_t attr_blob_len(const fg_row_check *rc)
{
	size_t n = 0;

	for (uint32_t a = 0; a < rc->n_attrs; a++) {
		n++;
		if (rc->attrs[a].state == FG_ATTR_NUMBER)
			n += sizeof(double);
		else if (rc->attrs[a].state == FG_ATTR_TEXT)
			n += 1 + rc->attrs[a].text.len;
	}
	return n;
}

static void attr_blob_put(char *w, const fg_row_check *rc)
{
	for (uint32_t a = 0; a < rc->n_attrs; a++) {
		const fg_attr_val *v = &rc->attrs[a];

		*w++ = (char)v->state;
		if (v->state == FG_ATTR_NUMBER) {
			memcpy(w, &v->num, sizeof(double));
			w += sizeof(double);
		} else if (v->state == FG_ATTR_TEXT) {
			*w++ = (char)v->text.len;
			memcpy(w, v->text.ptr, v->text.len);
			w += v->text.len;
		}
	}
}

/* Decode a blob into ctx's attribute values (the reading thread). */
static void attr_blob_get(fg_ingest_ctx *ctx, const char *w)
{
	for (uint32_t a = 0; a < ctx->n_attr; a++) {
		fg_attr_val *v = &ctx->attr_val[a];

		v->name.ptr = ctx->attr_name[a];
		v->name.len = strlen(ctx->attr_name[a]);
		v->text.ptr = NULL;
		v->text.len = 0;
		v->state = (uint8_t)*w++;
		if (v->state == FG_ATTR_NUMBER) {
			memcpy(&v->num, w, sizeof(double));
			w += sizeof(double);
		} else if (v->state == FG_ATTR_TEXT) {
			size_t n = (unsigned char)*w++;

			memcpy(ctx->attr_text + (size_t)a * FG_ATTR_TEXT_MAX, w, n);
			v->text.ptr = ctx->attr_text + (size_t)a * FG_ATTR_TEXT_MAX;
			v->text.len = n;
			w += n;
		}
	}
}

int fg_csv_chunk_put_row(fg_csv_chunk *c, fg_ingest_ctx *ctx, const fg_raw_field f[FG_NROLES],
                         uint64_t line)
{
	fg_row_check rc;
	fg_csv_row *e;
	void *q;

	fg_ingest_row_check(ctx, f, &rc);
	if (!(q = grow(c->ents, &c->ents_cap, c->nents + 1, sizeof(*c->ents))))
		goto nomem;
	c->ents = q;
	e = &c->ents[c->nents];
	e->line = line;
	e->verdict = (uint8_t)rc.verdict;
	e->nwarn = 0;
	e->alen = 0;
	if (rc.verdict == FG_ROW_BAD) {
		fg_csv_report *b = push_bad(c);

		if (!b)
			goto nomem;
		b->reason = rc.reason;
		memcpy(b->col, rc.col, sizeof(b->col));
		memcpy(b->what, rc.what, sizeof(b->what));
		memcpy(b->q, rc.q, sizeof(b->q));
	} else {
		for (int w = 0; w < rc.nwarn; w++) {
			fg_csv_report *b = push_bad(c);

			if (!b)
				goto nomem;
			b->reason = rc.warn[w].reason;
			memcpy(b->col, rc.warn[w].col, sizeof(b->col));
			b->what[0] = '\0';
			memcpy(b->q, rc.warn[w].q, sizeof(b->q));
		}
		e->nwarn = (uint8_t)rc.nwarn;
	}
	if (rc.verdict == FG_ROW_GOOD) {
		size_t ul = rc.s[FG_ROLE_USER].len, kl = rc.s[FG_ROLE_KIND].len;
		size_t vl = rc.s[FG_ROLE_VALUE].len, al = attr_blob_len(&rc);
		char *a;

		if (!(q = grow(c->arena, &c->arena_cap, c->arena_len + ul + kl + vl + al + 1, 1)))
			goto nomem;
		c->arena = q;
		a = c->arena + c->arena_len;
		memcpy(a, rc.s[FG_ROLE_USER].ptr, ul);
		a += ul;
		if (kl)
			memcpy(a, rc.s[FG_ROLE_KIND].ptr, kl);
		a[kl] = '\0';
		a += kl + 1;
		if (vl)
			memcpy(a, rc.s[FG_ROLE_VALUE].ptr, vl);
		a += vl;
		if (al)
			attr_blob_put(a, &rc);
		c->arena_len += ul + kl + vl + al + 1;
		e->len[0] = (uint32_t)ul;
		e->len[1] = (uint32_t)kl;
		e->len[2] = (uint32_t)vl;
		e->alen = (uint32_t)al;
		e->t = rc.t;
		e->label = (uint8_t)rc.label;
		e->placeholder = rc.placeholder;
		e->user_hash = rc.user_hash;
		e->value_hash = rc.value_hash;
	}
	c->nents++;
	return FG_OK;

nomem:
	c->err_kind = FG_CSV_ERR_NOMEM;
	c->err_line = line;
	return FG_ENOMEM;
}

int fg_csv_chunk_put_bad(fg_csv_chunk *c, uint64_t line, fg_bad_reason reason, const char *col,
                         const char *what, const char *q)
{
	fg_csv_report *b;
	void *g = grow(c->ents, &c->ents_cap, c->nents + 1, sizeof(*c->ents));

	if (!g || !(b = push_bad(c))) {
		if (g)
			c->ents = g;
		c->err_kind = FG_CSV_ERR_NOMEM;
		c->err_line = line;
		return FG_ENOMEM;
	}
	c->ents = g;
	memset(&c->ents[c->nents], 0, sizeof(c->ents[0]));
	c->ents[c->nents].line = line;
	c->ents[c->nents].verdict = FG_ROW_BAD;
	c->nents++;
	b->reason = reason;
	memcpy(b->col, col, sizeof(b->col));
	memcpy(b->what, what, sizeof(b->what));
	memcpy(b->q, q, sizeof(b->q));
	return FG_OK;
}

/*
 * The sink's look-ahead (fg_user_hint): a row's user HINT_FAR rows before it
 * reaches the sink, and again HINT_NEAR rows before (a users table's probe
 * is two dependent cache misses, its slot then its entry).
 */
#define HINT_FAR 16
#define HINT_NEAR 4

int fg_csv_chunk_deliver(const fg_csv_reader *r, fg_ingest_ctx *ctx, const fg_csv_chunk *c,
                         uint64_t base)
{
	const char *a = c->arena;
	size_t i, nb = 0;
	int ret;

	for (i = 0; i < c->nents; i++) {
		const fg_csv_row *e = &c->ents[i];
		fg_row_check rc;

		if (ctx->user_hint) {
			if (i + HINT_FAR < c->nents && c->ents[i + HINT_FAR].verdict == FG_ROW_GOOD)
				ctx->user_hint(ctx->sink_ctx, c->ents[i + HINT_FAR].user_hash, false);
			if (i + HINT_NEAR < c->nents && c->ents[i + HINT_NEAR].verdict == FG_ROW_GOOD)
				ctx->user_hint(ctx->sink_ctx, c->ents[i + HINT_NEAR].user_hash, true);
		}

		rc.verdict = (fg_row_verdict)e->verdict;
		rc.nwarn = 0;
		rc.n_attrs = 0;
		rc.attrs = NULL;
		rc.placeholder = false;
		if (rc.verdict == FG_ROW_BAD) {
			const fg_csv_report *b = &c->bads[nb++];

			rc.reason = b->reason;
			memcpy(rc.col, b->col, sizeof(rc.col));
			memcpy(rc.what, b->what, sizeof(rc.what));
			memcpy(rc.q, b->q, sizeof(rc.q));
		} else {
			for (int w = 0; w < e->nwarn; w++) {
				const fg_csv_report *b = &c->bads[nb++];

				rc.warn[w].reason = b->reason;
				memcpy(rc.warn[w].col, b->col, sizeof(rc.warn[w].col));
				memcpy(rc.warn[w].q, b->q, sizeof(rc.warn[w].q));
			}
			rc.nwarn = e->nwarn;
		}
		if (rc.verdict == FG_ROW_GOOD) {
			rc.s[FG_ROLE_USER].ptr = a;
			rc.s[FG_ROLE_USER].len = e->len[0];
			a += e->len[0];
			rc.s[FG_ROLE_KIND].ptr = a;
			rc.s[FG_ROLE_KIND].len = e->len[1];
			a += e->len[1] + 1;
			rc.s[FG_ROLE_VALUE].ptr = a;
			rc.s[FG_ROLE_VALUE].len = e->len[2];
			a += e->len[2];
			if (ctx->n_attr) {
				attr_blob_get(ctx, a);
				rc.n_attrs = ctx->n_attr;
				rc.attrs = ctx->attr_val;
			}
			a += e->alen;
			rc.t = e->t;
			rc.label = (fg_label)e->label;
			rc.placeholder = e->placeholder;
			rc.user_hash = e->user_hash;
			rc.value_hash = e->value_hash;
		}
		if ((ret = fg_ingest_row_apply(ctx, &rc, base + e->line)) != FG_OK)
			return ret;
	}
	if (c->err) {
		char colname[FG_COL_NAME_MAX] = "";

		if (c->err_kind == FG_CSV_ERR_OPEN_QUOTE)
			fg_csv_column_name(colname, r, c->err_col);
		return fg_csv_parse_error(ctx->file, c->err_kind, c->csv_err, base + c->err_line, colname);
	}
	return FG_OK;
}

void fg_csv_chunk_clear(fg_csv_chunk *c)
{
	c->nents = c->nbads = c->arena_len = 0;
	c->err = FG_OK;
	c->err_kind = FG_CSV_ERR_NONE;
	c->end_line = 0;
	c->clean_end = false;
}

void fg_csv_chunk_free(fg_csv_chunk *c)
{
	fg_free(c->in);
	fg_free(c->ents);
	fg_free(c->arena);
	fg_free(c->bads);
	memset(c, 0, sizeof(*c));
}
