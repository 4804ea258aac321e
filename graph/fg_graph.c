/*
 * fg_graph: the built graph's accessors and its release (fg_graph.h).  The
 * rows are accumulated by fg_linkset.c, the graph is built by
 * fg_graph_build.c, its input digest computed by fg_graph_digest.c.
 */
#include "fg_graph_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_search.h"

#include <assert.h>
#include <string.h>

void fg_graph_release_csr(fg_graph *g)
{
	fg_csr_free(&g->g);
}

void fg_graph_release_links(fg_graph *g)
{
	fg_free(g->link_user);
	fg_free(g->link_target);
	fg_free(g->link_kind);
	fg_free(g->rel_link);
	fg_free(g->rel_kind);
	fg_free(g->link_first);
	fg_free(g->link_last);
	fg_free(g->link_first32);
	fg_free(g->link_last32);
	g->link_user = g->link_target = NULL;
	g->link_kind = g->rel_kind = NULL;
	g->rel_link = NULL;
	g->link_first = g->link_last = NULL;
	g->link_first32 = g->link_last32 = NULL;
}

void fg_graph_free(fg_graph **pg)
{
	fg_graph *g;
	fg_graph_pool *p;

	if (!pg || !*pg)
		return;
	g = *pg;
	fg_free(g->kind_name);
	fg_free(g->kind_weight);
	fg_free(g->kind_max_share);
	fg_free(g->kind_is_relation);
	fg_free((void *)g->user_id);
	fg_free(g->user_id_off);
	fg_free(g->user_created32);
	fg_free(g->user_label);
	fg_free(g->user_created);
	fg_free(g->attr_name);
	fg_free(g->user_attr);
	fg_free(g->ent_class);
	fg_free(g->ent_cls);
	fg_free(g->ent_kind_start);
	fg_free(g->ent_value_run);
	fg_free(g->ent_kind);
	fg_free((void *)g->ent_value);
	fg_free(g->ent_share);
	fg_free(g->ent_hub);
	fg_free(g->ent_weight);
	fg_free(g->link_user);
	fg_free(g->link_target);
	fg_free(g->link_kind);
	fg_free(g->rel_link);
	fg_free(g->rel_kind);
	fg_free(g->link_first);
	fg_free(g->link_last);
	fg_free(g->link_first32);
	fg_free(g->link_last32);
	fg_csr_free(&g->g);
	p = g->pool;
	if (p) {
		fg_free(p->users);
		fg_free(p->ents);
		fg_free(p->kinds);
		fg_free(p);
	}
	fg_free(g);
	*pg = NULL;
}

/* Decode the entry at p into vr->buf, which holds the value before it.  NULL: out of memory. */
static const char *decode_entry(fg_values *vr, const char *p)
{
	size_t l = (unsigned char)*p++, n = strlen(p);

	vr->buf.len = l; /* the prefix the entry takes from the value before it */
	fg_sbuf_putn(&vr->buf, p, n);
	if (vr->buf.nomem) {
		fg_error_set(FG_ENOMEM, "out of memory for an entity value of %zu bytes", l + n);
		return NULL;
	}
	return p + n + 1;
}

uint32_t fg_graph_rel_kind(const fg_graph *g, uint64_t i)
{
	size_t j = fg_lower_bound_u64(g->rel_link, 0, g->n_user_links, i);

	assert(j < g->n_user_links && g->rel_link[j] == i);
	return g->rel_kind[j];
}

const char *fg_graph_ent_value(const fg_graph *g, uint32_t e, fg_values *vr)
{
	const char *p;
	uint32_t e0;

	if (!g->ent_value_run)
		return g->ent_value[e];
	if (vr->g == g && vr->next && e == vr->e)
		return vr->buf.s;
	if (vr->g == g && vr->next && e == vr->e + 1 && e % FG_VALUE_RUN) {
		p = vr->next;
		e0 = e;
	} else {
		e0 = e - e % FG_VALUE_RUN;
		p = g->ent_value_base + g->ent_value_run[e / FG_VALUE_RUN];
	}
	vr->g = g;
	vr->next = NULL;
	for (uint32_t i = e0; i <= e; i++)
		if (!(p = decode_entry(vr, p)))
			return NULL;
	vr->e = e;
	vr->next = p;
	return vr->buf.s;
}

void fg_graph_values_free(fg_values *vr)
{
	if (!vr)
		return;
	fg_sbuf_free(&vr->buf);
	memset(vr, 0, sizeof(*vr));
}

/* Byte order, a proper prefix first (the order of the canonical user ids). */
static int cmp_id(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c)
		return c;
	return (la > lb) - (la < lb);
}

double fg_graph_weight(const fg_graph *g, uint32_t v)
{
	const uint32_t nu = g->n_users;
	const uint64_t *off = g->g.off;
	double s = 0.0;

	if (v >= nu)
		return (double)(off[v + 1] - off[v]) * fg_graph_ent_weight(g, v - nu);
	for (uint64_t a = off[v]; a < off[v + 1]; a++) {
		uint32_t y = g->g.adj[a];
		s += y < nu ? g->relation_weight : fg_graph_ent_weight(g, y - nu);
	}
	return s;
}

int64_t fg_graph_find_user(const fg_graph *g, const char *user_id)
{
	uint32_t lo = 0, hi = g->n_users;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmp_id(fg_graph_user_id(g, mid), user_id);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

double fg_graph_hub_cut_share(const fg_graph *g)
{
	return g->n_links ? (double)g->n_hub_links / (double)g->n_links : 0.0;
}

/*
 * A link to an entity has its entity's kind, and an entity's share is its
 * number of links (fg_graph_build counts it so): the entities' classes and
 * the relations' kinds give every count without reading the links, whose
 * kinds are a random read of each target's class (0.3 s on 9 M links).
 * Graphs made by hand with every link's kind are counted link by link.
 */
void fg_graph_kind_counts(uint64_t *links, uint64_t *hub_links, uint32_t *hubs, const fg_graph *g)
{
	memset(links, 0, g->n_kinds * sizeof(*links));
	memset(hub_links, 0, g->n_kinds * sizeof(*hub_links));
	memset(hubs, 0, g->n_kinds * sizeof(*hubs));
	if (g->link_kind) {
		for (uint64_t i = 0; i < g->n_links; i++) {
			uint32_t t = g->link_target[i];
			uint32_t k = g->link_kind[i];
			links[k]++;
			if (t >= g->n_users && fg_graph_ent_hub(g, t - g->n_users))
				hub_links[k]++;
		}
		for (uint32_t e = 0; e < g->n_entities; e++)
			if (fg_graph_ent_hub(g, e))
				hubs[fg_graph_ent_kind(g, e)]++;
		return;
	}
	for (uint64_t j = 0; j < g->n_user_links; j++)
		links[g->rel_kind[j]]++;
	if (g->ent_class) {
		uint64_t *in = fg_calloc(g->n_ent_cls ? g->n_ent_cls : 1, sizeof(*in));
		if (in) {
			for (uint32_t e = 0; e < g->n_entities; e++)
				in[g->ent_class[e]]++;
			for (uint32_t c = 0; c < g->n_ent_cls; c++) {
				const fg_ent_class *x = &g->ent_cls[c];
				links[x->kind] += in[c] * x->share;
				if (x->hub) {
					hub_links[x->kind] += in[c] * x->share;
					hubs[x->kind] += (uint32_t)in[c];
				}
			}
			fg_free(in);
			return;
		}
		/* out of memory for the histogram: entity by entity below */
	}
	for (uint32_t e = 0; e < g->n_entities; e++) {
		uint32_t k = fg_graph_ent_kind(g, e), sh = fg_graph_ent_share(g, e);
		links[k] += sh;
		if (fg_graph_ent_hub(g, e)) {
			hub_links[k] += sh;
			hubs[k]++;
		}
	}
}

uint64_t fg_graph_bytes(const fg_graph *g)
{
	const fg_graph_pool *p = g->pool;
	uint64_t b = 0;

	b += (uint64_t)g->n_kinds * (sizeof(char *) + sizeof(double) + sizeof(uint32_t) + sizeof(bool));
	b += (uint64_t)g->n_users * ((g->user_id_off ? sizeof(uint32_t) : sizeof(char *)) +
	                             sizeof(uint8_t) +
	                             (g->user_created32 ? sizeof(uint32_t) : sizeof(int64_t)));
	b += (uint64_t)g->n_users * g->n_attrs * sizeof(float);
	if (g->ent_class)
		b += (uint64_t)g->n_entities * sizeof(uint16_t) + (uint64_t)g->n_ent_cls * sizeof(fg_ent_class);
	if (g->ent_kind_start)
		b += ((uint64_t)g->n_kinds + 1) * sizeof(uint32_t);
	else
		b += (uint64_t)g->n_entities *
		     (sizeof(uint16_t) + sizeof(uint32_t) + sizeof(uint8_t) + sizeof(double));
	b += g->ent_value_run ? ((uint64_t)g->n_entities / FG_VALUE_RUN + 1) * sizeof(uint32_t)
	                      : (uint64_t)g->n_entities * sizeof(char *);
	b += g->n_links * (2 * sizeof(uint32_t) + (g->link_kind ? sizeof(uint16_t) : 0) +
	                   (g->link_first ? 2 * sizeof(int64_t) : 2 * sizeof(uint32_t)));
	if (g->rel_link)
		b += g->n_user_links * (sizeof(uint64_t) + sizeof(uint16_t));
	b += ((uint64_t)g->g.n + 1) * sizeof(uint64_t) + g->g.m * sizeof(uint32_t);
	if (p)
		b += p->bytes;
	return b;
}
