/*
 * fg_explain: explain's case file (contract and the path argument in
 * fg_explain.h).
 *
 * Neighbourhoods (the ball for the path, the pictures) are grown with the
 * reader's indexed getters: a user's non-hub entities by entity_id and its
 * direct links by other user id; an entity's users by user id.  Vertices are
 * found again through an open-addressing table of indices into the vertex
 * array (compared by content, so any id length is exact).  Edges are kept as
 * (a < b) pairs, sorted and made unique at the end.
 */
#include "fg_explain.h"

#include "fg_results_runs.h"

#include "fg_alloc.h"
#include "fg_bfs.h"
#include "fg_csr.h"
#include "fg_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int oom(void)
{
	return fg_error_set(FG_ENOMEM, "out of memory (explain)");
}

/* ---- a growing graph of users and entities --------------------------------- */

/*
 * Invariants: v[0..n) distinct vertices, depth[i] the BFS depth at which v[i]
 * was added, slot a power-of-two table of indices + 1 (0 empty) at most half
 * full; e[0..ne) edges between vertices of v.
 */
typedef struct graph {
	fg_explain_vertex *v;
	int32_t *depth;
	size_t n, cap;
	uint32_t *slot;
	size_t nslot;
	fg_explain_edge *e;
	size_t ne, cap_e;
} graph;

static uint64_t hash_vertex(const fg_explain_vertex *v)
{
	uint64_t h = 1469598103934665603ULL;

	if (!v->is_user)
		return (uint64_t)v->entity_id * 0x9E3779B97F4A7C15ULL ^ 0x5bd1e995;
	for (const char *s = v->user_id; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool same_vertex(const fg_explain_vertex *a, const fg_explain_vertex *b)
{
	if (a->is_user != b->is_user)
		return false;
	return a->is_user ? !strcmp(a->user_id, b->user_id) : a->entity_id == b->entity_id;
}

/* Users by id (byte order) first, then entities by id: the run's vertex order. */
static int vertex_cmp(const fg_explain_vertex *a, const fg_explain_vertex *b)
{
	if (a->is_user != b->is_user)
		return a->is_user ? -1 : 1;
	if (a->is_user)
		return strcmp(a->user_id, b->user_id);
	return (a->entity_id > b->entity_id) - (a->entity_id < b->entity_id);
}

static int32_t graph_find(const graph *g, const fg_explain_vertex *v)
{
	if (!g->nslot)
		return -1;
	for (size_t i = hash_vertex(v) & (g->nslot - 1);; i = (i + 1) & (g->nslot - 1)) {
		if (!g->slot[i])
			return -1;
		if (same_vertex(&g->v[g->slot[i] - 1], v))
			return (int32_t)(g->slot[i] - 1);
	}
}

static bool graph_rehash(graph *g, size_t nslot)
{
	uint32_t *s = fg_calloc(nslot, sizeof(*s));

	if (!s)
		return false;
	for (size_t k = 0; k < g->n; k++) {
		size_t i = hash_vertex(&g->v[k]) & (nslot - 1);
		while (s[i])
			i = (i + 1) & (nslot - 1);
		s[i] = (uint32_t)k + 1;
	}
	fg_free(g->slot);
	g->slot = s;
	g->nslot = nslot;
	return true;
}

/*
 * *idx = the index of v, added at depth if new and fewer than limit vertices
 * are held (else -1 and *capped set).  The strings of v must outlive g.
 */
static int graph_admit(int32_t *idx, graph *g, const fg_explain_vertex *v, int32_t depth,
                       size_t limit, bool *capped)
{
	int32_t i = graph_find(g, v);

	*idx = i;
	if (i >= 0)
		return FG_OK;
	if (g->n >= limit) {
		if (capped)
			*capped = true;
		return FG_OK;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		fg_explain_vertex *nv = fg_reallocarray(g->v, cap, sizeof(*nv));
		if (!nv)
			return oom();
		g->v = nv;
		int32_t *nd = fg_reallocarray(g->depth, cap, sizeof(*nd));
		if (!nd)
			return oom();
		g->depth = nd;
		g->cap = cap;
	}
	g->v[g->n] = *v;
	g->depth[g->n] = depth;
	*idx = (int32_t)g->n++;
	if (2 * g->n > g->nslot) {
		if (!graph_rehash(g, g->nslot ? 2 * g->nslot : 128))
			return oom();
	} else {
		size_t k = hash_vertex(v) & (g->nslot - 1);
		while (g->slot[k])
			k = (k + 1) & (g->nslot - 1);
		g->slot[k] = (uint32_t)*idx + 1;
	}
	return FG_OK;
}

static int graph_edge(graph *g, int32_t a, int32_t b, const char *relation)
{
	if (a == b)
		return FG_OK;
	if (g->ne == g->cap_e) {
		size_t cap = g->cap_e ? 2 * g->cap_e : 64;
		fg_explain_edge *p = fg_reallocarray(g->e, cap, sizeof(*p));
		if (!p)
			return oom();
		g->e = p;
		g->cap_e = cap;
	}
	g->e[g->ne].a = (uint32_t)(a < b ? a : b);
	g->e[g->ne].b = (uint32_t)(a < b ? b : a);
	g->e[g->ne].relation = relation;
	g->e[g->ne].on_path = false;
	g->ne++;
	return FG_OK;
}

static int edge_cmp(const void *p, const void *q)
{
	const fg_explain_edge *a = p, *b = q;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	/* a relation and an entity edge never share a pair; kinds for stability */
	return strcmp(a->relation ? a->relation : "", b->relation ? b->relation : "");
}

/* One edge per vertex pair (the smallest relation kind), sorted by (a, b). */
static void graph_unique_edges(graph *g)
{
	size_t w = 1;

	if (!g->ne)
		return;
	qsort(g->e, g->ne, sizeof(*g->e), edge_cmp);
	for (size_t i = 1; i < g->ne; i++)
		if (g->e[i].a != g->e[w - 1].a || g->e[i].b != g->e[w - 1].b)
			g->e[w++] = g->e[i];
	g->ne = w;
}

static void graph_free(graph *g)
{
	fg_free(g->v);
	fg_free(g->depth);
	fg_free(g->slot);
	fg_free(g->e);
	memset(g, 0, sizeof(*g));
}

static int entity_id_cmp(const void *p, const void *q)
{
	const fg_res_entity *a = p, *b = q;

	return (a->entity_id > b->entity_id) - (a->entity_id < b->entity_id);
}

/*
 * Add the neighbours of vertex v (depth + 1) and the edges to them: a user's
 * non-hub entities by entity_id, then its direct links; an entity's users.
 * No vertex is added past limit (*capped set); edges only join held vertices.
 */
static int expand(graph *g, fg_explain *x, fg_results *r, int32_t v, size_t limit, bool *capped)
{
	fg_explain_vertex cur = g->v[v];
	int32_t d = g->depth[v] + 1, idx;
	int rc;

	if (cur.is_user) {
		fg_res_entity *ent;
		fg_res_ulink *ul;
		size_t ne, nl;
		if ((rc = fg_results_user_entities(&ent, &ne, &x->arena, r, x->run.run_id,
		                                   cur.user_id)) != FG_OK)
			return rc;
		if (ne)
			qsort(ent, ne, sizeof(*ent), entity_id_cmp);
		for (size_t i = 0; i < ne; i++) {
			fg_explain_vertex nv = { 0 };
			if (ent[i].is_hub || !ent[i].known) /* hubs are cut from the run's graph */
				continue;
			nv.entity_id = ent[i].entity_id;
			nv.kind = ent[i].kind;
			nv.value = ent[i].value;
			nv.score = NAN;
			if ((rc = graph_admit(&idx, g, &nv, d, limit, capped)) != FG_OK)
				return rc;
			if (idx >= 0 && (rc = graph_edge(g, v, idx, NULL)) != FG_OK)
				return rc;
		}
		if ((rc = fg_results_user_links(&ul, &nl, &x->arena, r, x->run.run_id, cur.user_id)) != FG_OK)
			return rc;
		for (size_t i = 0; i < nl; i++) {
			fg_explain_vertex nv = { 0 };
			nv.is_user = true;
			nv.user_id = ul[i].other.user_id;
			nv.label = ul[i].other.label;
			nv.score = ul[i].other.score;
			nv.kind = ul[i].kind;
			if ((rc = graph_admit(&idx, g, &nv, d, limit, capped)) != FG_OK)
				return rc;
			if (idx >= 0 && (rc = graph_edge(g, v, idx, ul[i].kind)) != FG_OK)
				return rc;
		}
	} else {
		fg_res_uref *u;
		size_t nu;
		if ((rc = fg_results_entity_users(&u, &nu, &x->arena, r, x->run.run_id,
		                                  cur.entity_id)) != FG_OK)
			return rc;
		for (size_t i = 0; i < nu; i++) {
			fg_explain_vertex nv = { 0 };
			nv.is_user = true;
			nv.user_id = u[i].user_id;
			nv.label = u[i].label;
			nv.score = u[i].score;
			if ((rc = graph_admit(&idx, g, &nv, d, limit, capped)) != FG_OK)
				return rc;
			if (idx >= 0 && (rc = graph_edge(g, v, idx, NULL)) != FG_OK)
				return rc;
		}
	}
	return FG_OK;
}

static fg_explain_vertex user_vertex(const fg_explain *x)
{
	fg_explain_vertex v = { 0 };

	v.is_user = true;
	v.user_id = x->user.user_id;
	v.label = x->user.label;
	v.score = x->user.score;
	return v;
}

static bool is_seed(const fg_explain_vertex *v)
{
	return v->is_user && v->label && !strcmp(v->label, "fraud");
}

/* ---- the path --------------------------------------------------------------- */

/* qsort has no context argument: the vertices being ordered (one thread per case). */
static const fg_explain_vertex *order_base;

static int order_cmp(const void *p, const void *q)
{
	return vertex_cmp(&order_base[*(const uint32_t *)p], &order_base[*(const uint32_t *)q]);
}

/*
 * The ball of radius hops around the user, numbered in the run's order, and
 * fg_bfs_multi from its seeds: the user's parent chain is the path.
 */
static int find_path(fg_explain *x, fg_results *r)
{
	graph g = { 0 };
	fg_csr csr = { 0 };
	uint32_t *order = NULL, *canon = NULL, *src = NULL, *dst = NULL, *seeds = NULL;
	uint32_t *dist = NULL, *parent = NULL, ns = 0;
	fg_explain_vertex me = user_vertex(x);
	int64_t hops;
	int32_t root;
	size_t len;
	int rc;

	if (is_seed(&me))
		hops = 0;
	else if (x->user.has_hops && x->user.seed_hops >= 0)
		hops = x->user.seed_hops;
	else
		return FG_OK; /* the run reached no seed from this user */
	if ((rc = graph_admit(&root, &g, &me, 0, 1, NULL)) != FG_OK)
		goto cleanup;
	for (size_t i = 0; i < g.n; i++) {
		if (g.depth[i] >= hops)
			continue;
		if ((rc = expand(&g, x, r, (int32_t)i, FG_EXPLAIN_MAX_BALL, &x->path_cut)) != FG_OK)
			goto cleanup;
	}
	order = fg_mallocarray(g.n, sizeof(*order));
	canon = fg_mallocarray(g.n, sizeof(*canon));
	src = fg_mallocarray(g.ne ? g.ne : 1, sizeof(*src));
	dst = fg_mallocarray(g.ne ? g.ne : 1, sizeof(*dst));
	seeds = fg_mallocarray(g.n, sizeof(*seeds));
	dist = fg_mallocarray(g.n, sizeof(*dist));
	parent = fg_mallocarray(g.n, sizeof(*parent));
	if (!order || !canon || !src || !dst || !seeds || !dist || !parent) {
		rc = oom();
		goto cleanup;
	}
	for (uint32_t i = 0; i < g.n; i++)
		order[i] = i;
	order_base = g.v;
	qsort(order, g.n, sizeof(*order), order_cmp);
	for (uint32_t k = 0; k < g.n; k++)
		canon[order[k]] = k;
	for (size_t i = 0; i < g.ne; i++) {
		src[i] = canon[g.e[i].a];
		dst[i] = canon[g.e[i].b];
	}
	for (uint32_t k = 0; k < g.n; k++)
		if (is_seed(&g.v[order[k]]))
			seeds[ns++] = k; /* ascending: k runs in order */
	if ((rc = fg_csr_from_arcs(&csr, (uint32_t)g.n, g.ne, src, dst, true, true, true)) != FG_OK ||
	    (rc = fg_bfs_multi(dist, parent, NULL, &csr, seeds, ns)) != FG_OK)
		goto cleanup;
	if (dist[canon[root]] == FG_BFS_UNREACHED)
		goto cleanup; /* only if the database disagrees with itself */
	len = (size_t)dist[canon[root]] + 1;
	x->path = fg_res_alloc(&x->arena, len * sizeof(*x->path));
	if (!x->path) {
		rc = oom();
		goto cleanup;
	}
	for (uint32_t k = canon[root], i = 0, prev = 0;; prev = k, k = parent[k], i++) {
		fg_explain_vertex pv = g.v[order[k]];
		pv.on_path = true;
		pv.kind = pv.is_user ? NULL : pv.kind;
		if (pv.is_user && i > 0 && x->path[i - 1].is_user) {
			/* the relation of the user-user step (the smallest kind if several) */
			uint32_t a = order[prev], b = order[k];
			for (size_t j = 0; j < g.ne; j++) {
				const fg_explain_edge *e = &g.e[j];
				if (e->relation && ((e->a == a && e->b == b) || (e->a == b && e->b == a)) &&
				    (!pv.kind || strcmp(e->relation, pv.kind) < 0))
					pv.kind = e->relation;
			}
		}
		x->path[i] = pv;
		if (parent[k] == k)
			break;
	}
	x->n_path = len;
cleanup:
	fg_csr_free(&csr);
	fg_free(order);
	fg_free(canon);
	fg_free(src);
	fg_free(dst);
	fg_free(seeds);
	fg_free(dist);
	fg_free(parent);
	graph_free(&g);
	return rc;
}

/* ---- the picture ------------------------------------------------------------ */

/*
 * The path's vertices and edges, added to the picture (a seed outside the
 * ring is drawn too), and marked on_path.  Call before graph_unique_edges.
 */
static int picture_add_path(graph *g, const fg_explain *x)
{
	int32_t prev = -1, idx;
	int rc;

	for (size_t i = 0; i < x->n_path; i++) {
		if ((rc = graph_admit(&idx, g, &x->path[i], 0, (size_t)-1, NULL)) != FG_OK)
			return rc;
		g->v[idx].on_path = true;
		if (prev >= 0 && (rc = graph_edge(g, prev, idx, x->path[i].is_user &&
		                                  x->path[i - 1].is_user ? x->path[i].kind : NULL)) != FG_OK)
			return rc;
		prev = idx;
	}
	return FG_OK;
}

/* Mark the (unique) edges between consecutive path vertices. */
static void picture_mark_path(graph *g, const fg_explain *x)
{
	for (size_t i = 1; i < x->n_path; i++) {
		int32_t a = graph_find(g, &x->path[i - 1]), b = graph_find(g, &x->path[i]);
		uint32_t lo = (uint32_t)(a < b ? a : b), hi = (uint32_t)(a < b ? b : a);
		if (a < 0 || b < 0)
			continue;
		for (size_t j = 0; j < g->ne; j++)
			if (g->e[j].a == lo && g->e[j].b == hi)
				g->e[j].on_path = true;
	}
}

static int build_picture(fg_explain *x, fg_results *r)
{
	graph g = { 0 };
	fg_explain_vertex me = user_vertex(x);
	int32_t idx;
	int rc = FG_OK;

	if (x->ring_found) {
		size_t members;
		uint32_t *deg = NULL;
		int32_t *remap = NULL;
		size_t nn = 0;
		x->picture_is_ring = true;
		for (size_t i = 0; i < x->n_members; i++) {
			fg_explain_vertex v = { 0 };
			if (g.n >= FG_EXPLAIN_MAX_PICTURE / 2) {
				x->picture_capped = true;
				break;
			}
			v.is_user = true;
			v.user_id = x->members[i].user.user_id;
			v.label = x->members[i].user.label;
			v.score = x->members[i].user.score;
			if ((rc = graph_admit(&idx, &g, &v, 0, (size_t)-1, NULL)) != FG_OK)
				goto cleanup;
		}
		/* the explained user is a member, unless capped away: keep it in */
		if ((rc = graph_admit(&idx, &g, &me, 0, (size_t)-1, NULL)) != FG_OK)
			goto cleanup;
		members = g.n;
		for (size_t i = 0; i < members; i++)
			if ((rc = expand(&g, x, r, (int32_t)i, (size_t)1 << 30, &x->picture_capped)) != FG_OK)
				goto cleanup;
		graph_unique_edges(&g);
		/* keep the members and the entities shared by two of them or more */
		deg = fg_calloc(g.n ? g.n : 1, sizeof(*deg));
		remap = fg_mallocarray(g.n ? g.n : 1, sizeof(*remap));
		if (!deg || !remap) {
			fg_free(deg);
			fg_free(remap);
			rc = oom();
			goto cleanup;
		}
		for (size_t i = 0; i < g.ne; i++)
			if (g.e[i].a < members && g.e[i].b >= members)
				deg[g.e[i].b]++;
		for (size_t i = 0; i < g.n; i++) {
			bool shared = i >= members && !g.v[i].is_user && deg[i] >= 2;
			bool keep = i < members || (shared && nn < FG_EXPLAIN_MAX_PICTURE);
			if (shared && !keep)
				x->picture_capped = true;
			remap[i] = keep ? (int32_t)nn : -1;
			if (keep) {
				g.v[nn] = g.v[i];
				g.depth[nn] = g.depth[i];
				nn++;
			}
		}
		{
			size_t ne = 0;
			for (size_t i = 0; i < g.ne; i++) {
				fg_explain_edge e = g.e[i];
				if (remap[e.a] < 0 || remap[e.b] < 0)
					continue;
				e.a = (uint32_t)remap[e.a];
				e.b = (uint32_t)remap[e.b];
				g.e[ne++] = e;
			}
			g.ne = ne;
		}
		g.n = nn;
		fg_free(deg);
		fg_free(remap);
		if (!graph_rehash(&g, g.nslot ? g.nslot : 128)) {
			rc = oom();
			goto cleanup;
		}
	} else {
		/* breadth-first from the user over its component, capped */
		if ((rc = graph_admit(&idx, &g, &me, 0, 1, NULL)) != FG_OK)
			goto cleanup;
		for (size_t i = 0; i < g.n; i++)
			if ((rc = expand(&g, x, r, (int32_t)i, FG_EXPLAIN_MAX_PICTURE,
			                 &x->picture_capped)) != FG_OK)
				goto cleanup;
		graph_unique_edges(&g);
	}
	if ((rc = picture_add_path(&g, x)) != FG_OK)
		goto cleanup;
	graph_unique_edges(&g);
	picture_mark_path(&g, x);
	x->pv = fg_res_alloc(&x->arena, (g.n ? g.n : 1) * sizeof(*x->pv));
	x->pe = fg_res_alloc(&x->arena, (g.ne ? g.ne : 1) * sizeof(*x->pe));
	if (!x->pv || !x->pe) {
		rc = oom();
		goto cleanup;
	}
	if (g.n)
		memcpy(x->pv, g.v, g.n * sizeof(*x->pv));
	if (g.ne)
		memcpy(x->pe, g.e, g.ne * sizeof(*x->pe));
	x->n_pv = g.n;
	x->n_pe = g.ne;
cleanup:
	graph_free(&g);
	return rc;
}

/* ---- lineage: who joined the ring tonight ------------------------------------ */

bool fg_explain_ring_has_lineage(const fg_explain *x)
{
	return x->ring_found && x->prev_run_id > 0 && x->ring.status &&
	       strcmp(x->ring.status, "new") != 0;
}

/* Is key the ring's own key or one of its prev_keys (a JSON list of strings)? */
static bool in_lineage(const fg_explain *x, const char *key)
{
	const char *p = x->ring.prev_keys_json;
	size_t n = strlen(key);

	if (x->ring.ring_key && !strcmp(key, x->ring.ring_key))
		return true;
	while (p && (p = strchr(p, '"')) != NULL) {
		const char *end = strchr(p + 1, '"');
		if (!end)
			break;
		if ((size_t)(end - p - 1) == n && !strncmp(p + 1, key, n))
			return true;
		p = end + 1;
	}
	return false;
}

bool fg_explain_member_joined(const fg_explain *x, const fg_res_member *m)
{
	return fg_explain_ring_has_lineage(x) && (!m->prev_ring_key || !in_lineage(x, m->prev_ring_key));
}

static void mark_joined(fg_explain *x)
{
	for (size_t i = 0; i < x->n_members; i++) {
		if (!fg_explain_member_joined(x, &x->members[i]))
			continue;
		x->n_joined++;
		if (!strcmp(x->members[i].user.user_id, x->user.user_id))
			x->user_joined = true;
	}
}

/* A member's joined flag, for the picture's vertices. */
static bool member_joined(const fg_explain *x, const char *user_id)
{
	for (size_t i = 0; i < x->n_members; i++)
		if (!strcmp(x->members[i].user.user_id, user_id))
			return fg_explain_member_joined(x, &x->members[i]);
	return false;
}

/* ---- evidence ------------------------------------------------------------------ */

static int read_evidence(fg_explain *x, fg_results *r, int max_nb)
{
	fg_res_entity *ent;
	size_t ne;
	int rc;

	if ((rc = fg_results_user_entities(&ent, &ne, &x->arena, r, x->run.run_id,
	                                   x->user.user_id)) != FG_OK)
		return rc;
	x->ev = fg_res_alloc(&x->arena, (ne ? ne : 1) * sizeof(*x->ev));
	if (!x->ev)
		return oom();
	for (size_t i = 0; i < ne; i++) {
		fg_explain_evidence *e = &x->ev[i];
		memset(e, 0, sizeof(*e));
		e->e = ent[i];
		e->shared = ent[i].share >= 2;
		if (!e->shared)
			x->n_private++;
		if ((rc = fg_results_entity_top_users(&e->others, &e->n_others, &x->arena, r,
		                                      x->run.run_id, ent[i].entity_id, x->user.user_id,
		                                      max_nb)) != FG_OK)
			return rc;
		/* share counts every distinct user of the entity, the user included */
		e->more = ent[i].share - 1 - (int64_t)e->n_others;
		if (e->more < 0)
			e->more = 0;
	}
	x->n_ev = ne;
	return fg_results_user_links(&x->links, &x->n_links, &x->arena, r, x->run.run_id,
	                             x->user.user_id);
}

/* ---- the case ---------------------------------------------------------------- */

int fg_explain_build(fg_explain **out, fg_results *r, const char *run_arg, const char *user_id,
                     const fg_explain_opts *opts)
{
	fg_explain *x;
	int rc;

	*out = NULL;
	x = fg_calloc(1, sizeof(*x));
	if (!x)
		return oom();
	x->db_path = fg_results_path(r);
	if ((rc = fg_results_run_pick(&x->run, &x->arena, r, run_arg)) != FG_OK ||
	    (rc = fg_results_run_previous(&x->prev_run_id, r, x->run.run_id)) != FG_OK ||
	    (rc = fg_results_user(&x->user, &x->arena, r, x->run.run_id, user_id)) != FG_OK ||
	    (rc = fg_results_user_features(&x->features, &x->has_features, r, x->run.run_id,
	                                   user_id)) != FG_OK ||
	    (rc = fg_results_user_reasons(&x->reasons, &x->n_reasons, &x->arena, r, x->run.run_id,
	                                  user_id)) != FG_OK)
		goto cleanup;
	{
		fg_results_model m;
		if ((rc = fg_results_model_read(&m, fg_results_db(r), x->run.run_id)) != FG_OK)
			goto cleanup;
		if (m.found && m.source && !(x->model_source = fg_res_strdup(&x->arena, m.source)))
			rc = oom();
		fg_results_model_free(&m);
		if (rc)
			goto cleanup;
	}
	if (x->user.has_ring) {
		rc = fg_results_ring(&x->ring, &x->arena, r, x->run.run_id, x->user.ring_id);
		if (rc == FG_ENOTFOUND) {
			fg_error_clear(); /* shown as "not in the rings table of this run" */
			rc = FG_OK;
		} else if (rc != FG_OK) {
			goto cleanup;
		} else {
			x->ring_found = true;
			if ((rc = fg_results_ring_members(&x->members, &x->n_members, &x->arena, r,
			                                  x->run.run_id, x->user.ring_id,
			                                  x->prev_run_id)) != FG_OK)
				goto cleanup;
			mark_joined(x);
		}
	}
	if (opts->evidence) {
		if ((rc = read_evidence(x, r, opts->max_neighbours)) != FG_OK)
			goto cleanup;
		if (x->ring_found && x->ring.ring_key &&
		    (rc = fg_results_ring_history(&x->hist, &x->n_hist, &x->arena, r, x->ring.ring_key,
		                                  x->run.run_id)) != FG_OK)
			goto cleanup;
	}
	if ((opts->evidence || opts->picture) && (rc = find_path(x, r)) != FG_OK)
		goto cleanup;
	if (opts->picture) {
		if ((rc = build_picture(x, r)) != FG_OK)
			goto cleanup;
		for (size_t i = 0; i < x->n_pv; i++)
			if (x->pv[i].is_user)
				x->pv[i].joined = member_joined(x, x->pv[i].user_id);
	}
	*out = x;
	x = NULL;
cleanup:
	fg_explain_free(&x);
	return rc;
}

void fg_explain_free(fg_explain **xp)
{
	fg_explain *x = xp ? *xp : NULL;

	if (!x)
		return;
	fg_res_arena_free(&x->arena);
	fg_free(x);
	*xp = NULL;
}
