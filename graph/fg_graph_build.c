/*
 * fg_graph_build: the canonical graph of fg_graph.h from a filled fg_linkset.
 *
 * Phases (the table in fg_graph_build, in order):
 *   consume   the last batch is interned, the interning indexes dropped;
 *   start     the graph and its string pool;
 *   kinds     kinds ranked by name, with their settings;
 *   rank      users and entities ranked by string order (fg_strsort: an MSD
 *             radix sort over 8-byte chunks); entities are bucketed by kind
 *             rank first, and the users and each kind's entities are
 *             independent tasks run in parallel; the sorted orders are kept;
 *   el sort   the entity-link records renumbered in place to canonical ids,
 *             sorted by the 64-bit key (fg_afsort, top level split across
 *             threads) and merged; the entity ranks are freed, before the
 *             vertices phase's peak;
 *   vertices  the per-user and per-entity arrays; the strings are copied
 *             into the graph's pools in canonical order (pack_ordered,
 *             walking the orders: sequential writes);
 *   rel sort  the same for each relation kind's records;
 *   merge     the sorted buffers merged (k-way; a tie on a user pair is
 *             ordered by kind rank) into the struct-of-arrays links, in
 *             pieces cut at keys and merged in parallel, the times written
 *             as 32-bit offsets when their range allows;
 *   shares    shares, hubs and rarity weights in one pass over the links;
 *   csr       the hub-free CSR built directly from the sorted links (no
 *             copy of the arcs; entity degrees from the shares);
 *   digest    the placeholder counts and the input digest.
 * Each phase frees what no later phase needs, which sets the peak below.
 * Every parallel step either computes element-wise, sorts disjoint ranges
 * or writes disjoint ranges in a fixed order, so the result is the same for
 * any thread count; temporary ids never reach the result, so it is the same
 * for any row order.  The random reads and writes of the passes over the
 * links and strings are prefetched a few items ahead.
 *
 * Memory, bytes (L distinct links, U users, E entities, S string bytes):
 * peak: records 24 L + strings + vertex arrays + the orders 4 (U + E) + user
 * ranks 4 U (the vertices phase holds one table's strings twice while it
 * packs them), or records 24 L + links 18 L in the merge (26 L where the times need 64
 * bits), or, later, the graph + the CSR 8 L + 8 (U + E); the graph keeps
 * links 18 L (26 L), CSR 8 L + 8 (U + E), users 17 U, entities 23 E and
 * S + U + E of strings.
 *
 * Complexity: O(L + U + E + total string bytes) expected.
 * Thread-safety: uses OpenMP internally (no igraph call); one build per
 * linkset.
 */
#include "fg_graph_internal.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_prefetch.h"
#include "fg_strsort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#ifdef FG_GRAPH_TIMING
#include <stdio.h>
#endif

/* One sorted, de-duplicated buffer feeding the k-way merge. */
typedef struct head {
	const fg_recbuf *b;
	size_t i;
	uint16_t kind; /* canonical kind (relations); entity links take the entity's */
	int is_rel;
} head;

/*
 * The state passed from phase to phase.  Invariants: g owns p once start has
 * run; a rank array is valid from the phase that fills it until the one that
 * frees it (NULL afterwards); everything NULL is freed by fg_graph_build.
 */
typedef struct build {
	fg_linkset *ls;
	const fg_config *cfg;
	fg_graph *g;
	fg_graph_pool *p;
	uint32_t nu, ne, nk;
	uint32_t *kind_rank; /* temporary kind id -> canonical kind */
	uint32_t *user_rank; /* temporary user id -> canonical user (until rel sort) */
	uint32_t *ent_rank;  /* temporary entity id -> canonical entity (rank to el sort) */
	uint32_t *user_order; /* canonical user -> temporary id (rank to vertices) */
	uint32_t *ent_order;  /* canonical entity -> temporary id (rank to vertices) */
	uint64_t *kstart;     /* kind rank k's entities: [kstart[k], kstart[k + 1]) (rank to vertices) */
	head *heads;         /* the sorted buffers (rel sort, merge) */
	bool with_digest;    /* the input digest as the last step (else the caller's) */
	uint32_t nheads;
	uint64_t nl;         /* distinct links */
} build;

static int nomem(const char *what)
{
	return fg_error_set(FG_ENOMEM, "out of memory building the graph (%s)", what);
}


uint32_t fg_graph_class_cap = FG_GRAPH_CLASS_MAX;
uint64_t fg_graph_value_cap = UINT32_MAX;

/* Strings per block of pack_ordered (a fixed split: the offsets are sums). */
#define PACK_BLOCK ((uint32_t)1 << 15) /* a multiple of FG_VALUE_RUN */
#define PACK_AHEAD 16 /* strings between an entry's prefetch and its copy */
#define SCATTER_AHEAD 16 /* links between a random slot's prefetch and its use */

/* The length of the common prefix of a[0..la) and b[0..lb), at most FG_VALUE_LCP_MAX. */
static uint32_t lcp_of(const char *a, uint32_t la, const char *b, uint32_t lb)
{
	uint32_t m = la < lb ? la : lb, l = 0;

	m = m < FG_VALUE_LCP_MAX ? m : FG_VALUE_LCP_MAX;
	while (l < m && a[l] == b[l])
		l++;
	return l;
}

/*
 * The strings of sealed table t copied into one new block in canonical order
 * (order[r] = the temporary id of canonical id r); t's arena is freed.
 * Layouts:
 * - plain: NUL-terminated and back to back, found by *pstr[r], a pointer
 *   each, or where idx is not NULL and the block is at most
 *   fg_graph_value_cap bytes by their offsets (*idx)[r] (*pstr left NULL);
 * - front-coded (front, idx not NULL, the coded block at most
 *   fg_graph_value_cap bytes): runs of FG_VALUE_RUN strings, each string an
 *   entry (the length of its common prefix with the string before it in the
 *   run, one byte, 0 for a run's first; the rest of it, NUL-terminated), and
 *   (*idx)[i] the offset of run i (fg_graph.h; *pstr left NULL); past the
 *   bound, plain with pointers.
 * Later walks by canonical id (the digest, the write-back) read the block in
 * order instead of jumping through the interning arena.  It is written in
 * blocks of PACK_BLOCK strings (whole runs) in parallel, each starting at the
 * sum of the sizes before it: the same bytes for any thread count; only the
 * interning table is read at random, prefetched a few strings ahead.  *bytes
 * is the block's size.
 */
static int pack_ordered(char **out, const char ***pstr, uint32_t **idx, bool front,
                        uint64_t *bytes, fg_intern *t, const uint32_t *order, uint32_t n)
{
	const int64_t nb = ((int64_t)n + PACK_BLOCK - 1) / PACK_BLOCK;
	const char **str = NULL;
	uint32_t *off = NULL;
	uint64_t *bplain = fg_mallocarray((size_t)nb + 1, sizeof(*bplain));
	uint64_t *bfront = fg_mallocarray((size_t)nb + 1, sizeof(*bfront));
	uint64_t *bstart, tplain = 0, tfront = 0, total;
	bool coded, small;
	char *a = NULL;
	int64_t k;

	if (!bplain || !bfront) {
		fg_free(bplain);
		fg_free(bfront);
		return nomem("strings");
	}
	#pragma omp parallel for schedule(static) if (nb > 1)
	for (k = 0; k < nb; k++) {
		uint32_t r0 = (uint32_t)k * PACK_BLOCK, r1 = n - r0 > PACK_BLOCK ? r0 + PACK_BLOCK : n;
		uint64_t sp = 0, sf = 0;
		const char *prev = NULL;
		uint32_t plen = 0;
		for (uint32_t r = r0; r < r1; r++) {
			uint32_t len = fg_intern_len(t, order[r]);
			const char *cur = front ? fg_intern_str(t, order[r]) : NULL;
			if (r + PACK_AHEAD < r1) {
				FG_PREFETCH(&t->off[order[r + PACK_AHEAD]]);
				if (front && r + PACK_AHEAD / 2 < r1)
					FG_PREFETCH(fg_intern_str(t, order[r + PACK_AHEAD / 2]));
			}
			sp += (uint64_t)len + 1;
			if (front)
				sf += 2 + (uint64_t)len -
				      (r % FG_VALUE_RUN ? lcp_of(prev, plen, cur, len) : 0);
			prev = cur;
			plen = len;
		}
		bplain[k] = sp;
		bfront[k] = sf;
	}
	for (k = 0; k < nb; k++) {
		uint64_t lp = bplain[k], lf = bfront[k];
		bplain[k] = tplain;
		bfront[k] = tfront;
		tplain += lp;
		tfront += lf;
	}
	coded = front && idx && tfront <= fg_graph_value_cap;
	small = !front && idx && tplain <= fg_graph_value_cap; /* plain, by offsets */
	bstart = coded ? bfront : bplain;
	total = coded ? tfront : tplain;
	if (coded || small)
		off = fg_mallocarray(coded ? (size_t)n / FG_VALUE_RUN + 1 : (size_t)(n ? n : 1),
		                     sizeof(*off));
	else
		str = fg_mallocarray(n ? n : 1, sizeof(*str));
	if ((!off && !str) || !(a = fg_malloc(total ? (size_t)total : 1))) {
		fg_free(bplain);
		fg_free(bfront);
		fg_free(off);
		fg_free(str);
		return nomem("strings");
	}
	#pragma omp parallel for schedule(static) if (nb > 1)
	for (k = 0; k < nb; k++) {
		uint32_t r0 = (uint32_t)k * PACK_BLOCK, r1 = n - r0 > PACK_BLOCK ? r0 + PACK_BLOCK : n;
		char *w = a + bstart[k];
		const char *prev = NULL;
		uint32_t plen = 0;
		for (uint32_t r = r0; r < r1; r++) {
			uint32_t id = order[r], len = fg_intern_len(t, id);
			const char *cur = fg_intern_str(t, id);
			if (r + 2 * PACK_AHEAD < r1)
				FG_PREFETCH(&t->off[order[r + 2 * PACK_AHEAD]]);
			if (r + PACK_AHEAD < r1)
				FG_PREFETCH(fg_intern_str(t, order[r + PACK_AHEAD]));
			if (coded) {
				uint32_t l = r % FG_VALUE_RUN ? lcp_of(prev, plen, cur, len) : 0;
				if (r % FG_VALUE_RUN == 0)
					off[r / FG_VALUE_RUN] = (uint32_t)(w - a);
				*w++ = (char)(unsigned char)l;
				memcpy(w, cur + l, (size_t)(len - l) + 1);
				w += len - l + 1;
			} else {
				memcpy(w, cur, (size_t)len + 1);
				if (small)
					off[r] = (uint32_t)(w - a);
				else
					str[r] = w;
				w += len + 1;
			}
			prev = cur;
			plen = len;
		}
	}
	fg_free(bplain);
	fg_free(bfront);
	fg_free(t->arena);
	t->arena = NULL;
	t->arena_len = t->arena_cap = 0;
	*out = a;
	*pstr = str;
	if (idx)
		*idx = off;
	*bytes = total;
	return FG_OK;
}

/* Move the arena of t out, shrunk to its size (strings stay NUL-terminated). */
static char *take_arena(fg_intern *t)
{
	char *a = t->arena, *s;

	if (!a)
		return NULL;
	s = t->arena_len ? fg_realloc(a, (size_t)t->arena_len) : NULL;
	if (s)
		a = s;
	t->arena = NULL;
	t->arena_cap = 0;
	return a;
}

/* The last batch interned; the set is consumed and its lookup indexes dropped. */
static int consume(build *b)
{
	fg_linkset *ls = b->ls;
	int rc;

	if ((rc = fg_linkset_check_open(ls)) != FG_OK || (rc = fg_linkset_flush(ls)) != FG_OK)
		return rc;
	ls->consumed = 1;
	fg_linkset_free_batch(ls);
	fg_intern_drop_index(&ls->users);
	fg_intern_drop_index(&ls->ents);
	fg_intern_drop_index(&ls->kinds);
	b->nu = ls->users.n;
	b->ne = ls->ents.n;
	b->nk = ls->kinds.n;
	return FG_OK;
}

static int start(build *b)
{
	if ((uint64_t)b->nu + b->ne >= UINT32_MAX)
		return fg_error_set(FG_EDATA, "too many vertices: %u users + %u entities", b->nu, b->ne);
	b->g = fg_calloc(1, sizeof(*b->g));
	if (b->g)
		b->g->pool = b->p = fg_calloc(1, sizeof(*b->p)); /* owned by g from here on */
	b->kind_rank = fg_mallocarray(b->nk ? b->nk : 1, sizeof(*b->kind_rank));
	if (!b->g || !b->p || !b->kind_rank)
		return nomem("start");
	return FG_OK;
}

/* Kinds: ranks, names, settings.  kind_rank[tmp] = canonical kind. */
static int rank_kinds(build *b)
{
	fg_linkset *ls = b->ls;
	fg_graph *g = b->g;
	uint32_t nk = b->nk;
	fg_strkey *work = fg_mallocarray(nk ? nk : 1, sizeof(*work));

	if (!work || fg_intern_seal(&ls->kinds) != FG_OK) {
		fg_free(work);
		return nomem("kinds");
	}
	fg_strsort_rank(b->kind_rank, work, &ls->kinds, nk);
	fg_free(work);
	g->n_kinds = nk;
	g->kind_name = fg_calloc(nk ? nk : 1, sizeof(*g->kind_name));
	g->kind_weight = fg_calloc(nk ? nk : 1, sizeof(*g->kind_weight));
	g->kind_max_share = fg_calloc(nk ? nk : 1, sizeof(*g->kind_max_share));
	g->kind_is_relation = fg_calloc(nk ? nk : 1, sizeof(*g->kind_is_relation));
	if (!g->kind_name || !g->kind_weight || !g->kind_max_share || !g->kind_is_relation)
		return nomem("kinds");
	b->p->kinds = take_arena(&ls->kinds);
	for (uint32_t k = 0; k < nk; k++) {
		uint32_t r = b->kind_rank[k];
		const char *name = b->p->kinds + ls->kinds.off[k];
		g->kind_name[r] = (char *)name;
		g->kind_weight[r] = fg_config_kind_weight(b->cfg, name);
		g->kind_max_share[r] = fg_config_kind_max_share(b->cfg, name);
		g->kind_is_relation[r] = ls->kind_rel[k] != 0;
	}
	b->p->bytes += ls->kinds.arena_len;
	return FG_OK;
}

/*
 * The sort's work array turned into the order (canonical id -> temporary id)
 * in place and shrunk to it; rank[order[r]] = r.  Returns the order (the
 * work array's block, or, if shrinking fails, the same block unshrunk).
 */
static uint32_t *order_of(fg_strkey *work, uint32_t *rank, uint32_t n)
{
	uint32_t *order = (uint32_t *)(void *)work, *s;
	int64_t r;

	/* the random scatter on the threads, then the orders packed in place */
	#pragma omp parallel for schedule(static)
	for (r = 0; r < (int64_t)n; r++) {
		if (r + SCATTER_AHEAD < (int64_t)n)
			FG_PREFETCH(&rank[work[r + SCATTER_AHEAD].id]);
		rank[work[r].id] = (uint32_t)r;
	}
	/* order[r] is written after work[0..r] were read: r * 4 < r * 16 + 8 */
	for (uint32_t q = 0; q < n; q++)
		order[q] = work[q].id;
	s = n ? fg_reallocarray(order, n, sizeof(*order)) : NULL;
	return s ? s : order;
}

/* The first of block q's ids when [0, n) is cut into nb blocks (q = nb: n). */
static inline uint32_t block_start(uint32_t n, int64_t q, int nb)
{
	return (uint32_t)((uint64_t)n * (uint64_t)q / (uint64_t)nb);
}

/*
 * Canonical user and entity ids: string ranks, both sorts at once.
 * Entities are ordered by (kind, value): bucket them by kind rank, then sort
 * each kind's values; users and the kinds are independent tasks (users
 * first: the largest), each sorted serially.  The orders and the kinds'
 * buckets are kept for fill_vertices.
 */
static int rank_vertices(build *b)
{
	fg_linkset *ls = b->ls;
	const uint32_t nu = b->nu, ne = b->ne, nk = b->nk;
	fg_strkey *uwork = NULL, *ework = NULL;
	uint64_t *kstart = NULL, *bcount = NULL; /* bcount: per block and kind rank */
	int64_t task;
	int nb = 1, seal_rc[2];

	/* the two tables' offsets: one walk of its arena each, side by side */
	#pragma omp parallel for schedule(dynamic, 1)
	for (task = 0; task < 2; task++)
		seal_rc[task] = fg_intern_seal(task ? &ls->ents : &ls->users);
	if (seal_rc[0] != FG_OK || seal_rc[1] != FG_OK) /* its message is the thread's: say it here */
		return nomem("the interned strings' offsets");
#if FG_HAVE_OPENMP
	nb = omp_get_max_threads();
	nb = nb < 1 ? 1 : nb > 64 ? 64 : nb;
#endif
	b->user_rank = fg_mallocarray(nu ? nu : 1, sizeof(*b->user_rank));
	b->ent_rank = fg_mallocarray(ne ? ne : 1, sizeof(*b->ent_rank));
	uwork = fg_mallocarray(nu ? nu : 1, sizeof(*uwork));
	ework = fg_mallocarray(ne ? ne : 1, sizeof(*ework));
	if (!b->user_rank || !b->ent_rank || !uwork || !ework ||
	    !(kstart = b->kstart = fg_calloc((size_t)nk + 2, sizeof(*kstart))) ||
	    !(bcount = fg_calloc((size_t)nb * (nk + 1), sizeof(*bcount)))) {
		fg_free(uwork);
		fg_free(ework);
		return nomem("ranks");
	}
	/*
	 * The entities bucketed by kind rank, ids increasing in each bucket (a
	 * counting sort): nb blocks of ids counted and placed side by side, each
	 * block's part of a bucket after the earlier blocks' parts, so the
	 * buckets are those of one pass for any nb.
	 */
	#pragma omp parallel for schedule(static, 1) if (nb > 1 && ne >= 65536)
	for (task = 0; task < nb; task++) {
		uint64_t *c = bcount + (size_t)task * (nk + 1);
		for (uint32_t t = block_start(ne, task, nb); t < block_start(ne, task + 1, nb); t++)
			c[b->kind_rank[fg_intern_tag(&ls->ents, t)]]++;
	}
	for (uint32_t k = 0; k < nk; k++)
		for (int q = 0; q < nb; q++) {
			uint64_t *c = bcount + (size_t)q * (nk + 1) + k, n = *c;
			*c = kstart[k + 1]; /* the block's cursor in bucket k */
			kstart[k + 1] += n;
			kstart[k + 2] = kstart[k + 1];
		}
	#pragma omp parallel for schedule(static, 1) if (nb > 1 && ne >= 65536)
	for (task = 0; task < nb; task++) {
		uint64_t *c = bcount + (size_t)task * (nk + 1);
		for (uint32_t t = block_start(ne, task, nb); t < block_start(ne, task + 1, nb); t++)
			ework[c[b->kind_rank[fg_intern_tag(&ls->ents, t)]]++].id = t;
	}
	fg_free(bcount);
	for (uint32_t t = 0; t < nu; t++)
		uwork[t].id = t;
	/* now kstart[k] .. kstart[k + 1] is kind rank k */
	#pragma omp parallel for schedule(dynamic, 1)
	for (task = -1; task < (int64_t)nk; task++) {
		if (task < 0)
			fg_strsort_sort(uwork, nu, &ls->users, 0);
		else
			fg_strsort_sort(ework + kstart[task], kstart[task + 1] - kstart[task], &ls->ents, 0);
	}
	b->user_order = order_of(uwork, b->user_rank, nu);
	b->ent_order = order_of(ework, b->ent_rank, ne);
	return FG_OK;
}

/* Users and entities in canonical order; the interning tables are released. */
static int fill_vertices(build *b)
{
	fg_linkset *ls = b->ls;
	fg_graph *g = b->g;
	fg_graph_pool *p = b->p;
	const uint32_t nu = b->nu, ne = b->ne;
	int64_t tlo = INT64_MAX, thi = INT64_MIN;
	uint64_t bytes;
	int rc;

	g->n_users = nu;
	g->relation_weight = b->cfg->relation_weight;
	g->n_entities = ne;
	/* creation times as 32-bit offsets when their range allows (fg_graph.h) */
	for (uint32_t t = 0; t < nu; t++) {
		int64_t c = ls->user_created[t];
		if (c == FG_TIME_NONE)
			continue;
		tlo = c < tlo ? c : tlo;
		thi = c > thi ? c : thi;
	}
	if (tlo > thi)
		tlo = thi = 0;
	g->user_label = fg_mallocarray(nu ? nu : 1, sizeof(*g->user_label));
	if ((uint64_t)thi - (uint64_t)tlo < FG_TIME32_NONE) {
		g->user_time_base = tlo;
		g->user_created32 = fg_mallocarray(nu ? nu : 1, sizeof(*g->user_created32));
	} else {
		g->user_created = fg_mallocarray(nu ? nu : 1, sizeof(*g->user_created));
	}
	g->ent_kind = fg_mallocarray(ne ? ne : 1, sizeof(*g->ent_kind));
	if (!g->user_label || (!g->user_created && !g->user_created32) || !g->ent_kind)
		return nomem("vertices");
	for (uint32_t k = 0; k < b->nk; k++)
		for (uint64_t q = b->kstart[k]; q < b->kstart[k + 1]; q++)
			g->ent_kind[q] = (uint16_t)k;
	fg_free(b->kstart);
	b->kstart = NULL;
	for (uint32_t r = 0; r < nu; r++) {
		uint32_t t = b->user_order[r];
		if (r + SCATTER_AHEAD < nu) {
			FG_PREFETCH(&ls->user_label[b->user_order[r + SCATTER_AHEAD]]);
			FG_PREFETCH(&ls->user_created[b->user_order[r + SCATTER_AHEAD]]);
		}
		g->user_label[r] = ls->user_label[t] & FG_LS_LABEL_MASK;
		if (g->user_created32)
			g->user_created32[r] = ls->user_created[t] == FG_TIME_NONE
			                           ? FG_TIME32_NONE
			                           : (uint32_t)((uint64_t)ls->user_created[t] -
			                                        (uint64_t)g->user_time_base);
		else
			g->user_created[r] = ls->user_created[t];
		if (g->user_label[r] == FG_LABEL_FRAUD)
			g->n_seeds++;
		else if (g->user_label[r] == FG_LABEL_LEGIT)
			g->n_legit++;
	}
	fg_free(ls->user_label);
	ls->user_label = NULL;
	fg_free(ls->user_created);
	ls->user_created = NULL;
	/* each table freed once packed: the strings are held twice one table at a time */
	if ((rc = pack_ordered(&p->users, &g->user_id, &g->user_id_off, false, &bytes,
	                       &ls->users, b->user_order, nu)) != FG_OK)
		return rc;
	g->user_id_base = p->users;
	p->bytes += bytes;
	fg_intern_free(&ls->users);
	fg_free(b->user_order);
	b->user_order = NULL;
	if ((rc = pack_ordered(&p->ents, &g->ent_value, &g->ent_value_run, true, &bytes,
	                       &ls->ents, b->ent_order, ne)) != FG_OK)
		return rc;
	g->ent_value_base = p->ents;
	p->bytes += bytes;
	fg_intern_free(&ls->ents);
	fg_free(b->ent_order);
	b->ent_order = NULL;
	if ((rc = fg_attrset_build(ls->attrs, g, b->user_rank, nu)) != FG_OK)
		return rc;
	fg_attrset_free(&ls->attrs);
	return FG_OK;
}

/* The entity links renumbered in place, then sorted and merged. */
static int sort_entity_links(build *b)
{
	fg_recbuf *el = &b->ls->el;
	fg_linkrec *a = el->a;
	int64_t i;

	#pragma omp parallel for schedule(static)
	for (i = 0; i < (int64_t)el->n; i++) {
		uint64_t key = a[i].key;
		if (i + SCATTER_AHEAD < (int64_t)el->n) {
			uint64_t ka = a[i + SCATTER_AHEAD].key;
			FG_PREFETCH(&b->user_rank[ka >> 32]);
			FG_PREFETCH(&b->ent_rank[(uint32_t)ka]);
		}
		a[i].key = (uint64_t)b->user_rank[key >> 32] << 32 |
		           (uint64_t)(b->nu + b->ent_rank[(uint32_t)key]);
	}
	el->clean = 0;
	fg_recbuf_compact(el);
	b->nl += el->n;
	fg_free(b->ent_rank);
	b->ent_rank = NULL;
	return FG_OK;
}

/*
 * Each relation kind's records renumbered (smaller user first), sorted and
 * merged; the merge heads: relations by kind rank (so a tie on the pair
 * takes the smaller kind), then the entity links.
 */
static int sort_relations(build *b)
{
	fg_linkset *ls = b->ls;
	head *heads;
	int64_t i;

	if (!(heads = b->heads = fg_calloc((size_t)b->nk + 1, sizeof(*heads))))
		return nomem("merge");
	for (uint32_t k = 0; k < b->nk; k++) {
		fg_recbuf *rb = &ls->rel[k];
		fg_linkrec *a = rb->a;
		if (!ls->kind_rel[k])
			continue;
		#pragma omp parallel for schedule(static)
		for (i = 0; i < (int64_t)rb->n; i++) {
			uint32_t x = b->user_rank[a[i].key >> 32], y = b->user_rank[(uint32_t)a[i].key];
			a[i].key = x < y ? (uint64_t)x << 32 | y : (uint64_t)y << 32 | x;
		}
		rb->clean = 0;
		fg_recbuf_compact(rb);
		b->nl += rb->n;
		heads[b->nheads].b = rb;
		heads[b->nheads].kind = (uint16_t)b->kind_rank[k];
		heads[b->nheads].is_rel = 1;
		b->nheads++;
	}
	fg_free(b->user_rank);
	b->user_rank = NULL;
	for (uint32_t a = 1; a < b->nheads; a++) {
		head x = heads[a];
		uint32_t j = a;
		while (j > 0 && heads[j - 1].kind > x.kind) {
			heads[j] = heads[j - 1];
			j--;
		}
		heads[j] = x;
	}
	heads[b->nheads].b = &ls->el;
	heads[b->nheads].is_rel = 0;
	b->nheads++;
	return FG_OK;
}

/*
 * The time range of the records (FG_TIME_NONE aside): an integer min/max
 * reduction, the same for any thread count.  *lo > *hi when there is none.
 */
static void time_range(const build *b, int64_t *plo, int64_t *phi)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	for (uint32_t h = 0; h < b->nheads; h++) {
		const fg_linkrec *a = b->heads[h].b->a;
		int64_t i, n = (int64_t)b->heads[h].b->n;
		#pragma omp parallel for schedule(static) reduction(min:lo) reduction(max:hi) if (n >= 65536)
		for (i = 0; i < n; i++) {
			int64_t f = a[i].first, l = a[i].last;
			if (f != FG_TIME_NONE) {
				lo = f < lo ? f : lo;
				hi = f > hi ? f : hi;
			}
			if (l != FG_TIME_NONE) {
				lo = l < lo ? l : lo;
				hi = l > hi ? l : hi;
			}
		}
	}
	*plo = lo;
	*phi = hi;
}

/* The first index of head h's records with key >= key (binary search). */
static size_t head_lower(const head *h, uint64_t key)
{
	size_t lo = 0, hi = h->b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->b->a[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Merge pieces: at most this many, each about MERGE_PIECE_MIN links or more. */
#define MERGE_PIECES 64
#define MERGE_PIECE_MIN ((uint64_t)1 << 16)

/*
 * k-way merge into the link arrays: (user, target, kind) order; the records
 * are released.  The times go straight into the 32-bit offsets from the
 * smallest (FG_TIME32_NONE stays "none") when every time is within
 * 2^32 - 1 seconds of it: 8 B a link less (2M world: 70 MiB for the whole
 * run) and no 64-bit copy to narrow.  Otherwise, or when the narrow arrays
 * do not fit in memory, 64-bit arrays: the values read back
 * (fg_graph_link_first/last) are the same either way.
 *
 * The output is cut into pieces at keys of the largest head: piece c takes,
 * from every head, the records with key in [cut[c], cut[c + 1]) (binary
 * searches), so equal keys (a user pair in two relation kinds) stay in one
 * piece, taken in head order (kind rank), and the pieces are merged by
 * separate threads into disjoint ranges: the arrays are the serial merge's
 * for any thread count.
 */
static int merge_links(build *b)
{
	fg_graph *g = b->g;
	const uint64_t nl = b->nl;
	const uint32_t nu = b->nu, nh = b->nheads;
	const head *big = &b->heads[0];
	uint64_t n_user_links = 0;
	int64_t lo, hi, c;
	size_t *at = NULL; /* (pieces + 1) x nh: piece c starts at at[c * nh + h] in head h */
	size_t *cur = NULL; /* pieces x nh: the pieces' cursors */
	uint64_t *wstart = NULL;
	uint32_t np;
	int narrow;

	time_range(b, &lo, &hi);
	if (lo > hi)
		lo = hi = 0; /* no times at all */
	narrow = (uint64_t)hi - (uint64_t)lo < FG_TIME32_NONE;
	g->n_links = nl;
	g->link_user = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_user));
	g->link_target = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_target));
	g->link_kind = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_kind));
	if (narrow) {
		g->link_first32 = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_first32));
		g->link_last32 = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_last32));
		if (!g->link_first32 || !g->link_last32) {
			fg_free(g->link_first32);
			fg_free(g->link_last32);
			g->link_first32 = g->link_last32 = NULL;
			narrow = 0;
		}
	}
	if (narrow) {
		g->link_time_base = lo;
	} else {
		g->link_first = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_first));
		g->link_last = fg_mallocarray(nl ? nl : 1, sizeof(*g->link_last));
	}
	for (uint32_t h = 1; h < nh; h++)
		if (b->heads[h].b->n > big->b->n)
			big = &b->heads[h];
	np = (uint32_t)(nl / MERGE_PIECE_MIN);
	np = np < 1 ? 1 : np > MERGE_PIECES ? MERGE_PIECES : np;
	at = fg_mallocarray(((size_t)np + 1) * nh, sizeof(*at));
	cur = fg_mallocarray((size_t)np * nh, sizeof(*cur));
	wstart = fg_mallocarray((size_t)np + 1, sizeof(*wstart));
	if (!g->link_user || !g->link_target || !g->link_kind || (!narrow && (!g->link_first || !g->link_last)) ||
	    !at || !cur || !wstart) {
		fg_free(at);
		fg_free(cur);
		fg_free(wstart);
		return nomem("links");
	}
	/* cut c at the key of big's record c * n / np (keys distinct in big: the cuts increase) */
	for (uint32_t p = 0; p <= np; p++) {
		uint64_t w = 0;
		for (uint32_t h = 0; h < nh; h++) {
			size_t i;
			if (p == 0)
				i = 0;
			else if (p == np)
				i = b->heads[h].b->n;
			else
				i = head_lower(&b->heads[h], big->b->a[(uint64_t)big->b->n * p / np].key);
			at[(size_t)p * nh + h] = i;
			w += i;
		}
		wstart[p] = w;
	}
	memcpy(cur, at, (size_t)np * nh * sizeof(*cur));
	#pragma omp parallel for schedule(dynamic, 1) reduction(+:n_user_links) if (np > 1)
	for (c = 0; c < (int64_t)np; c++) {
		size_t *pcur = cur + (size_t)c * nh;
		const size_t *end = at + ((size_t)c + 1) * nh;
		uint64_t w = wstart[c], wend = wstart[c + 1];

		for (; w < wend; w++) {
			const head *best = NULL;
			uint64_t bk = UINT64_MAX; /* keys are below: ids < UINT32_MAX */
			uint32_t bh = 0;
			const fg_linkrec *r;
			for (uint32_t h = 0; h < nh; h++) {
				if (pcur[h] < end[h] && b->heads[h].b->a[pcur[h]].key < bk) {
					bk = b->heads[h].b->a[pcur[h]].key;
					bh = h;
				}
			}
			best = &b->heads[bh];
			r = &best->b->a[pcur[bh]++];
			if (!best->is_rel && pcur[bh] + SCATTER_AHEAD < end[bh])
				FG_PREFETCH(&g->ent_kind[(uint32_t)best->b->a[pcur[bh] + SCATTER_AHEAD].key - nu]);
			g->link_user[w] = (uint32_t)(r->key >> 32);
			g->link_target[w] = (uint32_t)r->key;
			g->link_kind[w] = best->is_rel ? best->kind : g->ent_kind[(uint32_t)r->key - nu];
			if (narrow) {
				g->link_first32[w] = r->first == FG_TIME_NONE ? FG_TIME32_NONE
				                                              : (uint32_t)((uint64_t)r->first - (uint64_t)lo);
				g->link_last32[w] = r->last == FG_TIME_NONE ? FG_TIME32_NONE
				                                            : (uint32_t)((uint64_t)r->last - (uint64_t)lo);
			} else {
				g->link_first[w] = r->first;
				g->link_last[w] = r->last;
			}
			if (best->is_rel)
				n_user_links++;
		}
	}
	g->n_user_links = n_user_links;
	fg_free(at);
	fg_free(cur);
	fg_free(wstart);
	/* the relations' kinds kept, in link order; a link to an entity has its entity's */
	g->rel_link = fg_mallocarray(n_user_links ? n_user_links : 1, sizeof(*g->rel_link));
	g->rel_kind = fg_mallocarray(n_user_links ? n_user_links : 1, sizeof(*g->rel_kind));
	if (!g->rel_link || !g->rel_kind)
		return nomem("links");
	for (uint64_t w = 0, j = 0; w < nl; w++)
		if (g->link_target[w] < nu) {
			g->rel_link[j] = w;
			g->rel_kind[j++] = g->link_kind[w];
		}
	fg_free(g->link_kind);
	g->link_kind = NULL;
	b->ls->n_built = nl;
	fg_recbuf_free(&b->ls->el);
	for (uint32_t k = 0; k < b->ls->kind_cap; k++)
		fg_recbuf_free(&b->ls->rel[k]);
	return FG_OK;
}

/* Shares and hubs (the wide arrays, until narrow_entities). */
static int count_shares(build *b)
{
	fg_graph *g = b->g;
	const uint32_t nu = b->nu, ne = b->ne;

	g->ent_share = fg_calloc(ne ? ne : 1, sizeof(*g->ent_share));
	g->ent_hub = fg_calloc(ne ? ne : 1, sizeof(*g->ent_hub));
	if (!g->ent_share || !g->ent_hub)
		return nomem("entities");
	/* Links are unique per (user, entity): a count is the number of distinct
	 * users.  Random increments, atomic on the threads (integers: any order). */
	#pragma omp parallel for schedule(static)
	for (int64_t w = 0; w < (int64_t)b->nl; w++) {
		uint32_t t = g->link_target[w];
		if (w + SCATTER_AHEAD < (int64_t)b->nl && g->link_target[w + SCATTER_AHEAD] >= nu)
			FG_PREFETCH(&g->ent_share[g->link_target[w + SCATTER_AHEAD] - nu]);
		if (t >= nu) {
			#pragma omp atomic
			g->ent_share[t - nu]++;
		}
	}
	for (uint32_t e = 0; e < ne; e++) {
		g->ent_hub[e] = g->ent_share[e] > g->kind_max_share[g->ent_kind[e]];
		if (g->ent_hub[e]) {
			g->n_hubs++;
			g->n_hub_links += g->ent_share[e];
		}
	}
	return FG_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* An entity's weight, the one expression of both forms. */
static double ent_weight_of(const fg_graph *g, uint32_t kind, uint32_t share)
{
	return fg_entity_weight(g->kind_weight[kind], share);
}

/*
 * The entities' narrow form (fg_graph.h): the distinct (kind, share) pairs
 * numbered in that order, each entity given its pair's number, and the wide
 * arrays freed.  Entities are numbered in kind order, so one kind's pairs
 * are the distinct shares of one range: marked in slot[share] (shares are at
 * most n_users), sorted, numbered, then looked up for each entity of the
 * range.  More than fg_graph_class_cap pairs: the wide form stays, with a
 * weight per entity.  O(entities + users + pairs log pairs).
 */
static int narrow_entities(build *b)
{
	fg_graph *g = b->g;
	const uint32_t ne = b->ne, none = UINT32_MAX;
	uint32_t max_share = 0, n = 0, nd, cap = 0, *slot = NULL, *ds = NULL;
	fg_ent_class *cls = NULL;
	int rc = FG_OK;

	/* the kinds' id ranges (both forms) */
	if (!(g->ent_kind_start = fg_mallocarray((size_t)g->n_kinds + 1, sizeof(uint32_t))))
		return nomem("entity kinds");
	for (uint32_t k = 0, e = 0; k <= g->n_kinds; k++) {
		while (e < ne && g->ent_kind[e] < k)
			e++;
		g->ent_kind_start[k] = e;
	}
	for (uint32_t e = 0; e < ne; e++)
		max_share = g->ent_share[e] > max_share ? g->ent_share[e] : max_share;
	slot = fg_mallocarray((size_t)max_share + 1, sizeof(*slot));
	g->ent_class = fg_mallocarray(ne ? ne : 1, sizeof(*g->ent_class));
	if (!slot || !g->ent_class) {
		rc = nomem("entity classes");
		goto cleanup;
	}
	for (uint32_t s = 0; s <= max_share; s++)
		slot[s] = none;
	for (uint32_t e0 = 0, e1; e0 < ne && n <= fg_graph_class_cap; e0 = e1) {
		const uint16_t k = g->ent_kind[e0];
		nd = 0;
		for (e1 = e0; e1 < ne && g->ent_kind[e1] == k; e1++) {
			uint32_t sh = g->ent_share[e1];
			if (slot[sh] != none)
				continue;
			if (nd == cap) {
				uint32_t *d = fg_reallocarray(ds, cap ? 2 * (size_t)cap : 64, sizeof(*ds));
				if (!d) {
					rc = nomem("entity classes");
					goto cleanup;
				}
				ds = d;
				cap = cap ? 2 * cap : 64;
			}
			slot[sh] = 0;
			ds[nd++] = sh;
		}
		if ((uint64_t)n + nd > fg_graph_class_cap) {
			n = fg_graph_class_cap + 1;
			break;
		}
		qsort(ds, nd, sizeof(*ds), cmp_u32);
		if (!(cls = fg_reallocarray(g->ent_cls, (size_t)n + nd, sizeof(*cls)))) {
			rc = nomem("entity classes");
			goto cleanup;
		}
		g->ent_cls = cls;
		for (uint32_t i = 0; i < nd; i++) {
			slot[ds[i]] = n + i;
			cls[n + i] = (fg_ent_class){ .weight = ent_weight_of(g, k, ds[i]), .share = ds[i],
			                             .kind = k, .hub = ds[i] > g->kind_max_share[k] };
		}
		for (uint32_t e = e0; e < e1; e++)
			g->ent_class[e] = (uint16_t)slot[g->ent_share[e]];
		for (uint32_t i = 0; i < nd; i++)
			slot[ds[i]] = none;
		n += nd;
	}
	if (n > fg_graph_class_cap) {
		/* the wide form */
		fg_free(g->ent_class);
		fg_free(g->ent_cls);
		g->ent_class = NULL;
		g->ent_cls = NULL;
		if (!(g->ent_weight = fg_mallocarray(ne ? ne : 1, sizeof(*g->ent_weight)))) {
			rc = nomem("entities");
			goto cleanup;
		}
		for (uint32_t e = 0; e < ne; e++)
			g->ent_weight[e] = ent_weight_of(g, g->ent_kind[e], g->ent_share[e]);
		goto cleanup;
	}
	g->n_ent_cls = n;
	fg_free(g->ent_kind);
	fg_free(g->ent_share);
	fg_free(g->ent_hub);
	g->ent_kind = NULL;
	g->ent_share = NULL;
	g->ent_hub = NULL;

cleanup:
	fg_free(slot);
	fg_free(ds);
	return rc;
}

/*
 * The hub-free CSR of the links, directly: the links are sorted by (user,
 * target), unique but for a user pair linked by several relation kinds
 * (consecutive: one arc each way), and user < target (entities come after the users, a user
 * pair is stored smaller id first), so a scatter in link order yields sorted
 * lists: vertex x first receives the arcs from smaller sources, in source
 * order, then its own arcs to larger targets, in target order (what
 * fg_csr_from_arcs's sorted fast path builds from the same arcs, without its
 * check pass, its hub copy of the targets or the entities' degree counts:
 * an entity's degree is its share, 0 for a hub).  The scatter is split in
 * tasks, each over all the links: one writes the arcs landing in the users'
 * lists, one per thread those landing in a range of entities' lists; each
 * list is written by one task in link order, so the CSR is the serial one
 * for any thread count.
 */
static int build_csr(build *b)
{
	fg_graph *g = b->g;
	const uint32_t nu = b->nu, ne = b->ne, n = nu + ne;
	const uint64_t nl = b->nl;
	const uint32_t *lu = g->link_user, *lt = g->link_target;
	const uint8_t *hub = g->ent_hub;
	uint64_t *off = fg_calloc((size_t)n + 2, sizeof(*off));
	uint32_t *adj = NULL;
	uint64_t total;
	int task, ntasks = 1; /* entity ranges: one a thread (the CSR is the same for any count) */

#if FG_HAVE_OPENMP
	ntasks = omp_get_max_threads();
	ntasks = ntasks < 1 ? 1 : ntasks > 8 ? 8 : ntasks;
#endif
	if (!off)
		return nomem("csr");
	/* degrees into off[v + 2] (the scatter's cursor is off[v + 1]) */
	for (uint64_t w = 0; w < nl; w++) {
		uint32_t u = lu[w], t = lt[w];
		if (w + SCATTER_AHEAD < nl && lt[w + SCATTER_AHEAD] >= nu)
			FG_PREFETCH(&hub[lt[w + SCATTER_AHEAD] - nu]);
		if (t >= nu) {
			if (!hub[t - nu])
				off[u + 2]++;
		} else if (u != t && !(w > 0 && lu[w - 1] == u && lt[w - 1] == t)) {
			off[u + 2]++;
			off[t + 2]++;
		}
	}
	for (uint32_t e = 0; e < ne; e++)
		off[(uint64_t)nu + e + 2] = hub[e] ? 0 : g->ent_share[e];
	for (uint64_t v = 2; v <= (uint64_t)n + 1; v++)
		off[v] += off[v - 1];
	total = off[(uint64_t)n + 1];
	if (!(adj = fg_mallocarray(total ? total : 1, sizeof(*adj)))) {
		fg_free(off);
		return nomem("csr");
	}
	#pragma omp parallel for schedule(dynamic, 1) if (nl >= 65536)
	for (task = 0; task <= ntasks; task++) {
		if (task == 0) {
			for (uint64_t w = 0; w < nl; w++) {
				uint32_t u = lu[w], t = lt[w];
				if (t >= nu) {
					if (!hub[t - nu])
						adj[off[u + 1]++] = t;
				} else if (u != t && !(w > 0 && lu[w - 1] == u && lt[w - 1] == t)) {
					adj[off[u + 1]++] = t;
					adj[off[t + 1]++] = u;
				}
			}
		} else {
			/* the transpose into the lists of entities [lo, hi): the one
			 * scatter at random, its cursor and slot prefetched (addresses
			 * only: a cursor read early may move before its turn, which
			 * costs a miss, not a result) */
			const uint32_t lo = nu + (uint32_t)((uint64_t)ne * (uint64_t)(task - 1) / (uint64_t)ntasks);
			const uint32_t hi = nu + (uint32_t)((uint64_t)ne * (uint64_t)task / (uint64_t)ntasks);
			for (uint64_t w = 0; w < nl; w++) {
				uint32_t u = lu[w], t = lt[w];
				if (w + 2 * SCATTER_AHEAD < nl) {
					uint32_t tb = lt[w + 2 * SCATTER_AHEAD];
					if (tb >= lo && tb < hi)
						FG_PREFETCH(&off[tb + 1]);
				}
				if (w + SCATTER_AHEAD < nl) {
					uint32_t ta = lt[w + SCATTER_AHEAD];
					if (ta >= lo && ta < hi) {
						FG_PREFETCH(&adj[off[ta + 1]]);
						FG_PREFETCH(&hub[ta - nu]);
					}
				}
				if (t >= lo && t < hi && !hub[t - nu])
					adj[off[t + 1]++] = u;
			}
		}
	}
	/* off[v + 1] now ends v's list: off[0..n] are the offsets */
	g->g.n = n;
	g->g.m = total;
	g->g.off = off;
	g->g.adj = adj;
	return FG_OK;
}

static int placeholders(build *b)
{
	b->g->placeholders = b->ls->drops;
	return FG_OK;
}

static int digest(build *b)
{
	return b->with_digest ? fg_graph_input_digest(b->g) : FG_OK;
}

static int build_graph(fg_graph **out, fg_linkset *ls, const fg_config *cfg, bool with_digest)
{
	static const struct phase {
		const char *name; /* for -DFG_GRAPH_TIMING (benchmarks only) */
		int (*run)(build *b);
	} phases[] = {
		{ "consume", consume },
		{ "start", start },
		{ "kinds", rank_kinds },
		{ "rank", rank_vertices },
		{ "el sort", sort_entity_links }, /* before vertices: ent_rank is gone at its peak */
		{ "vertices", fill_vertices },
		{ "rel sort", sort_relations },
		{ "merge", merge_links },
		{ "shares", count_shares },
		{ "csr", build_csr },
		{ "classes", narrow_entities },
		{ "drops", placeholders },
		{ "digest", digest },
	};
	build b = { .ls = ls, .cfg = cfg, .with_digest = with_digest };
	int rc = FG_OK;

	*out = NULL;
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]) && rc == FG_OK; i++) {
#ifdef FG_GRAPH_TIMING
		double t0 = fg_clock(), c0 = fg_cpu_clock();
#endif
		rc = phases[i].run(&b);
#ifdef FG_GRAPH_TIMING
		fprintf(stderr, "  graph build: %-8s %.3f s, cpu %.3f s, peak %.1f MiB\n", phases[i].name,
		        fg_clock() - t0, fg_cpu_clock() - c0, (double)fg_peak_rss() / (1 << 20));
#endif
	}
	if (rc == FG_OK) {
		*out = b.g;
		b.g = NULL;
	}
	fg_graph_free(&b.g);
	fg_free(b.kind_rank);
	fg_free(b.user_rank);
	fg_free(b.ent_rank);
	fg_free(b.user_order);
	fg_free(b.ent_order);
	fg_free(b.kstart);
	fg_free(b.heads);
	return rc;
}

int fg_graph_build(fg_graph **out, fg_linkset *ls, const fg_config *cfg)
{
	return build_graph(out, ls, cfg, true);
}

int fg_graph_build_deferred(fg_graph **out, fg_linkset *ls, const fg_config *cfg)
{
	return build_graph(out, ls, cfg, false);
}
