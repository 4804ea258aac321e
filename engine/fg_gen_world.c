/*
 * fg_gen_world: the driver of the world generator (see fg_gen_world.h for
 * the contract).  It resolves the parameters, asks the shape for its plan,
 * then formats users in chunks of CHUNK_USERS in parallel and writes the
 * chunks in index order; what each shape plants is in fg_gen_rings.c,
 * fg_gen_social.c (dense, coreview) and fg_gen_items.c (reviews, payments).
 */
#include "fg_gen_world.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_gen_internal.h"
#include "fg_log.h"
#include "fg_par.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#define CHUNK_USERS 8192

static const fg_gen_shape_impl *const shapes[FG_GEN_NSHAPES] = {
	[FG_GEN_SHAPE_RINGS] = &fg_gen_rings_shape,
	[FG_GEN_SHAPE_DENSE] = &fg_gen_dense_shape,
	[FG_GEN_SHAPE_COREVIEW] = &fg_gen_coreview_shape,
	[FG_GEN_SHAPE_REVIEWS] = &fg_gen_reviews_shape,
	[FG_GEN_SHAPE_PAYMENTS] = &fg_gen_payments_shape,
};

void fg_gen_params_init(fg_gen_params *p)
{
	memset(p, 0, sizeof(*p));
	p->shape = FG_GEN_SHAPE_RINGS;
	p->users = 10000;
	p->seed = 1;
	p->label_rate = -1;
	p->start = 1698796800; /* 2023-11-01T00:00:00Z */
	p->rings = FG_GEN_RINGS_DEFAULT;
	p->ring_min = 5;
	p->ring_max = 40;
	p->camouflage = 0;
	p->victims = 1;
	p->burst_days = 4;
}

int fg_gen_shape_parse(fg_gen_shape *out, const char *name)
{
	for (int i = 0; i < FG_GEN_NSHAPES; i++)
		if (name && !strcmp(name, shapes[i]->name)) {
			*out = (fg_gen_shape)i;
			return FG_OK;
		}
	return fg_error_set(FG_EUSAGE,
	                    "--shape: unknown shape '%.64s' (rings, dense, coreview, reviews, payments)",
	                    name ? name : "");
}

const char *fg_gen_shape_name(fg_gen_shape shape)
{
	assert(shape >= 0 && shape < FG_GEN_NSHAPES);
	return shapes[shape]->name;
}

/* ---- writing ---- */

typedef struct gbuf {
	char *p;
	size_t len, cap;
} gbuf;

static int gbuf_reserve(gbuf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= extra)
		return 0;
	cap = b->cap ? b->cap : 1 << 20;
	while (cap - b->len < extra)
		cap *= 2;
	p = fg_realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

typedef struct chunk_out {
	gbuf e, u, t;
	uint64_t links, truth, fraud, legit;
} chunk_out;

typedef struct world {
	const fg_gen_shape_impl *shape;
	const void *plan;
	uint64_t key;
	int64_t end;
} world;

/* Format users [lo, hi) into c (buffers reset first).  Returns 0 or -1 (memory). */
static int gen_chunk(chunk_out *c, const world *w, uint64_t lo, uint64_t hi)
{
	emit em;

	c->e.len = c->u.len = c->t.len = 0;
	c->links = c->truth = c->fraud = c->legit = 0;
	memset(&em, 0, sizeof(em));
	em.plan = w->plan;
	em.key = w->key;
	em.end = w->end;
	for (uint64_t i = lo; i < hi; i++) {
		char *t0;
		if (gbuf_reserve(&c->e, w->shape->user_reserve) ||
		    gbuf_reserve(&c->u, FG_GEN_ROW_RESERVE) || gbuf_reserve(&c->t, FG_GEN_ROW_RESERVE))
			return -1;
		em.idx = i;
		em.e = c->e.p + c->e.len;
		em.u = c->u.p + c->u.len;
		em.t = t0 = c->t.p + c->t.len;
		em.links = 0;
		put_uid(em.uid, w->key, i);
		em.r.s = hash3(w->key, T_USER, i, 0);
		w->shape->user(&em);
		assert((size_t)(em.e - (c->e.p + c->e.len)) <= w->shape->user_reserve);
		c->e.len = (size_t)(em.e - c->e.p);
		c->u.len = (size_t)(em.u - c->u.p);
		c->t.len = (size_t)(em.t - c->t.p);
		c->links += em.links;
		c->truth += em.t != t0;
	}
	c->fraud = em.fraud;
	c->legit = em.legit;
	return 0;
}

typedef struct outfile {
	const char *name;
	char *path;
	FILE *f;
} outfile;

int fg_gen_world(fg_gen_stats *out, const fg_gen_params *params, const char *dir)
{
	outfile files[3] = { { "edges.csv", NULL, NULL }, { "users.csv", NULL, NULL },
	                     { "truth.csv", NULL, NULL } };
	fg_gen_params p;
	world w;
	void *plan = NULL;
	chunk_out *bufs = NULL;
	int T = 0, rc = FG_OK, fail = 0, fail_errno = 0, fail_file = 0;
	uint64_t nchunks;
	fg_gen_stats st;

	assert(out && params && dir);
	assert(params->shape >= 0 && params->shape < FG_GEN_NSHAPES);
	memset(&st, 0, sizeof(st));
	p = *params;
	if (p.users < 1 || p.users > FG_GEN_MAX_USERS)
		return fg_error_set(FG_EUSAGE, "--users must be between 1 and %llu",
		                    (unsigned long long)FG_GEN_MAX_USERS);
	if (p.label_rate < 0)
		p.label_rate = p.shape == FG_GEN_SHAPE_RINGS ? 0.3 : 1.0;
	if (p.label_rate > 1)
		return fg_error_set(FG_EUSAGE, "--label-rate must be in [0, 1]");
	w.shape = shapes[p.shape];
	w.key = mix64(p.seed ^ 0x5eed5eed5eed5eedull);
	w.end = p.start + FG_GEN_SPAN;
	rc = w.shape->plan(&plan, &p, w.key);
	if (rc != FG_OK)
		return rc;
	w.plan = plan;
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(dir) + strlen(files[i].name) + 2;
		files[i].path = fg_malloc(len);
		if (!files[i].path) {
			rc = fg_error_set(FG_ENOMEM, "gen: out of memory");
			goto cleanup;
		}
		snprintf(files[i].path, len, "%s/%s", dir, files[i].name);
		files[i].f = fopen(files[i].path, "wb");
		if (!files[i].f || fputs(w.shape->headers[i], files[i].f) < 0) {
			rc = fg_error_set(FG_EIO, "cannot write %s: %s", files[i].path, strerror(errno));
			goto cleanup;
		}
		st.bytes += strlen(w.shape->headers[i]);
	}

	fg_par_set_threads(p.threads);
	T = fg_par_threads();
	bufs = fg_calloc((size_t)T, sizeof(chunk_out));
	if (!bufs) {
		rc = fg_error_set(FG_ENOMEM, "gen: out of memory");
		goto cleanup;
	}
	nchunks = (p.users + CHUNK_USERS - 1) / CHUNK_USERS;
	/*
	 * Each thread formats a chunk into its own buffers; the ordered section
	 * writes chunks in index order while other threads format later ones.
	 * Errors are recorded in the ordered section (serial) and reported after
	 * the region, on the calling thread, since messages are thread-local.
	 */
#if FG_HAVE_OPENMP
#pragma omp parallel for ordered schedule(static, 1) num_threads(T)
#endif
	for (uint64_t c = 0; c < nchunks; c++) {
#if FG_HAVE_OPENMP
		chunk_out *b = &bufs[omp_get_thread_num()];
#else
		chunk_out *b = &bufs[0];
#endif
		uint64_t lo = c * CHUNK_USERS, hi = lo + CHUNK_USERS < p.users ? lo + CHUNK_USERS : p.users;
		int grc = gen_chunk(b, &w, lo, hi);

#if FG_HAVE_OPENMP
#pragma omp ordered
#endif
		{
			if (!fail && grc != 0)
				fail = FG_ENOMEM;
			if (!fail) {
				gbuf *g[3] = { &b->e, &b->u, &b->t };
				for (int i = 0; i < 3 && !fail; i++) {
					if (g[i]->len && fwrite(g[i]->p, 1, g[i]->len, files[i].f) != g[i]->len) {
						fail = FG_EIO;
						fail_errno = errno;
						fail_file = i;
					}
					st.bytes += g[i]->len;
				}
				st.links += b->links;
				st.truth_rows += b->truth;
				st.labelled_fraud += b->fraud;
				st.labelled_legit += b->legit;
				fg_log_progress("gen users", hi, p.users);
			}
		}
	}
	fg_log_progress_end();
	if (fail == FG_ENOMEM) {
		rc = fg_error_set(FG_ENOMEM, "gen: out of memory formatting rows");
		goto cleanup;
	}
	if (fail == FG_EIO) {
		rc = fg_error_set(FG_EIO, "cannot write %s: %s", files[fail_file].path,
		                  strerror(fail_errno));
		goto cleanup;
	}
	for (int i = 0; i < 3; i++) {
		FILE *f = files[i].f;
		files[i].f = NULL;
		if (fclose(f) != 0 && rc == FG_OK)
			rc = fg_error_set(FG_EIO, "cannot write %s: %s", files[i].path, strerror(errno));
	}
	if (rc != FG_OK)
		goto cleanup;
	w.shape->stats(&st, plan);
	st.users = p.users;
	*out = st;

cleanup:
	for (int i = 0; i < 3; i++) {
		if (files[i].f)
			fclose(files[i].f);
		fg_free(files[i].path);
	}
	for (int i = 0; bufs && i < T; i++) {
		fg_free(bufs[i].e.p);
		fg_free(bufs[i].u.p);
		fg_free(bufs[i].t.p);
	}
	fg_free(bufs);
	w.shape->free(plan);
	return rc;
}
