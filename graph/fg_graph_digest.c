/*
 * fg_graph_digest: the graph's input digest (fg_graph.h), a 128-bit hash of
 * its canonical content: kinds, users with label and created_at, entities,
 * links in (user, target, kind) order, then the user attributes when there
 * are some.  Canonical ids make it independent of row order and thread
 * count.  Pinned for data-samples/world by tests/test_engine.c: the stream
 * below must never change.  O(links + users + entities + string bytes).
 */
#include "fg_graph_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_hash.h"

#include <math.h>
#include <string.h>

/*
 * The digest's byte stream is assembled in a local block and hashed in large
 * updates; the framing (fixed-width little-endian integers, u64 length before
 * each string) is that of the fg_hash128_u32/_u64/_str helpers.
 */
typedef struct dstream {
	fg_hash128 st;
	size_t w;
	unsigned char buf[8192];
} dstream;

static void ds_bytes(dstream *d, const void *p, size_t len)
{
	if (d->w + len > sizeof(d->buf)) {
		fg_hash128_update(&d->st, d->buf, d->w);
		d->w = 0;
		if (len > sizeof(d->buf)) {
			fg_hash128_update(&d->st, p, len);
			return;
		}
	}
	memcpy(d->buf + d->w, p, len);
	d->w += len;
}

static void ds_uint(dstream *d, uint64_t x, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(x >> (8 * i));
	ds_bytes(d, b, (size_t)bytes);
}

static void ds_str(dstream *d, const char *s)
{
	size_t len = strlen(s);

	ds_uint(d, len, 8);
	ds_bytes(d, s, len);
}

/* Any row order, any thread count give the same digest. */
int fg_graph_input_digest(fg_graph *g)
{
	dstream *d = fg_malloc(sizeof(*d));
	dstream local;
	fg_values vr = { 0 };

	/* the digest cannot fail: fall back to a stack block (and smaller updates) */
	if (!d)
		d = &local;
	fg_hash128_init(&d->st);
	d->w = 0;
	ds_uint(d, 18, 8);
	ds_bytes(d, "fraudgraph-input-1", 18);
	ds_uint(d, g->n_kinds, 8);
	ds_uint(d, g->n_users, 8);
	ds_uint(d, g->n_entities, 8);
	ds_uint(d, g->n_links, 8);
	for (uint32_t k = 0; k < g->n_kinds; k++)
		ds_str(d, g->kind_name[k]);
	for (uint32_t u = 0; u < g->n_users; u++) {
		ds_str(d, fg_graph_user_id(g, u));
		ds_uint(d, g->user_label[u], 1);
		ds_uint(d, (uint64_t)fg_graph_user_created(g, u), 8);
	}
	for (uint32_t e = 0; e < g->n_entities; e++) {
		const char *v = fg_graph_ent_value(g, e, &vr);
		if (!v) {
			fg_graph_values_free(&vr);
			if (d != &local)
				fg_free(d);
			return FG_ENOMEM;
		}
		ds_uint(d, fg_graph_ent_kind(g, e), 4);
		ds_str(d, v);
	}
	fg_graph_values_free(&vr);
	for (uint64_t i = 0; i < g->n_links; i++) {
		unsigned char b[26];
		uint64_t f = (uint64_t)fg_graph_link_first(g, i), l = (uint64_t)fg_graph_link_last(g, i);
		for (int j = 0; j < 4; j++) {
			b[j] = (unsigned char)(g->link_user[i] >> (8 * j));
			b[4 + j] = (unsigned char)(g->link_target[i] >> (8 * j));
		}
		uint32_t k = fg_graph_link_kind(g, i);
		b[8] = (unsigned char)k;
		b[9] = (unsigned char)(k >> 8);
		for (int j = 0; j < 8; j++) {
			b[10 + j] = (unsigned char)(f >> (8 * j));
			b[18 + j] = (unsigned char)(l >> (8 * j));
		}
		ds_bytes(d, b, sizeof(b));
	}
	/* user attributes, like the other user columns; only when there are some,
	 * so the digests of inputs without extra columns stay what they were */
	if (g->n_attrs) {
		ds_uint(d, g->n_attrs, 8);
		for (uint32_t a = 0; a < g->n_attrs; a++)
			ds_str(d, g->attr_name[a]);
		for (uint64_t i = 0; i < (uint64_t)g->n_users * g->n_attrs; i++) {
			uint32_t bits;
			float v = g->user_attr[i];

			if (isnan(v))
				bits = 0x7fc00000u; /* one NAN */
			else
				memcpy(&bits, &v, sizeof(bits));
			ds_uint(d, bits, 4);
		}
	}
	fg_hash128_update(&d->st, d->buf, d->w);
	fg_hash128_final(&d->st, g->input_digest);
	if (d != &local)
		fg_free(d);
	return FG_OK;
}
