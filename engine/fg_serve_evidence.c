/*
 * fg_serve_evidence: what a request's identifiers and links reach in the
 * snapshot: the tied users and their weights, the rings it would join, the
 * known fraud within two user-to-user steps.  Bounded (MAX_NEIGHBOURS,
 * MAX_EXPAND); every list ends in a total, data-only order.
 */
#include "fg_serve_internal.h"

#include "fg_config.h"
#include "fg_search.h"

#include <stdlib.h>

#define MAX_EXPAND 200000      /* adjacency entries visited per request (second step) */
#define MAX_NEIGHBOURS 100000  /* (user, item) pairs gathered per request */

static int cmp_nb(const void *a, const void *b)
{
	const nb *x = a, *y = b;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return (x->item > y->item) - (x->item < y->item);
}

static int cmp_seed_by_hops(const void *a, const void *b)
{
	const seedhit *x = a, *y = b;

	if (x->hops != y->hops)
		return x->hops < y->hops ? -1 : 1;
	return (x->seed > y->seed) - (x->seed < y->seed);
}

static int cmp_ringhit(const void *a, const void *b)
{
	const ringhit *x = a, *y = b;

	if (x->part != y->part)
		return x->part > y->part ? -1 : 1;
	return (x->ring > y->ring) - (x->ring < y->ring);
}


/* Users of entity e in the snapshot's adjacency (non-hub entities only). */
static void ent_users(const fg_snapshot *s, uint32_t e, const uint32_t **p, size_t *n)
{
	*p = s->eu_adj + s->eu_off[e];
	*n = s->eu_off[e + 1] - s->eu_off[e];
}

static bool list_has(const uint32_t *p, size_t n, uint32_t x)
{
	return fg_find_u32(p, n, x) >= 0;
}

void fg_serve_scratch_free(scratch *x)
{
	fg_free(x->evs);
	fg_free(x->nbs);
	fg_free(x->td);
	fg_free(x->sh);
	fg_free(x->set);
	fg_free(x->rh);
}

/*
 * Record seed reached in `hops` through `via`, keeping per seed the fewest
 * hops, then the smallest via (a total order: the answer does not depend on
 * the order of the expansion).  A small open-addressing set of seed indexes
 * (slot = position in x->sh + 1) de-duplicates as it goes: a ring's seeds are
 * reached through every member, so the raw hit list is many times longer.
 */
static int add_seed(scratch *x, uint32_t seed, uint32_t hops, uint32_t via)
{
	size_t i;

	if (2 * (x->n_sh + 1) > x->set_cap) {
		size_t cap = x->set_cap ? x->set_cap * 2 : 64;
		uint32_t *set = fg_calloc(cap, sizeof(uint32_t));

		if (!set)
			return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
		for (size_t k = 0; k < x->n_sh; k++) {
			size_t j = (x->sh[k].seed * 0x9E3779B1u) & (cap - 1);

			while (set[j])
				j = (j + 1) & (cap - 1);
			set[j] = (uint32_t)k + 1;
		}
		fg_free(x->set);
		x->set = set;
		x->set_cap = cap;
	}
	for (i = (seed * 0x9E3779B1u) & (x->set_cap - 1); x->set[i]; i = (i + 1) & (x->set_cap - 1)) {
		seedhit *h = &x->sh[x->set[i] - 1];

		if (h->seed == seed) {
			if (hops < h->hops || (hops == h->hops && via < h->via)) {
				h->hops = hops;
				h->via = via;
			}
			return FG_OK;
		}
	}
	if (x->n_sh == x->cap_sh) {
		size_t cap = x->cap_sh ? x->cap_sh * 2 : 64;
		seedhit *p = fg_reallocarray(x->sh, cap, sizeof(*p));

		if (!p)
			return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
		x->sh = p;
		x->cap_sh = cap;
	}
	x->set[i] = (uint32_t)x->n_sh + 1;
	x->sh[x->n_sh++] = (seedhit){ seed, via, hops };
	return FG_OK;
}

/* Evidence items: every entity and link of the request looked up. */
int fg_serve_gather(scratch *x, const fg_snapshot *s, const fg_serve_request *r, uint32_t self)
{
	size_t n_items = r->n_ent + r->n_link, cap_nb = 0;

	x->evs = fg_calloc(n_items ? n_items : 1, sizeof(ev));
	if (!x->evs)
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	for (size_t i = 0; i < n_items; i++) {
		ev *v = &x->evs[x->n_evs++];
		const uint32_t *us = NULL;
		size_t nu = 0;

		v->is_link = i >= r->n_ent;
		v->it = v->is_link ? &r->link[i - r->n_ent] : &r->ent[i];
		v->target = NONE32;
		if (v->is_link) {
			uint32_t o = find_user(s, v->it->value, strlen(v->it->value));

			v->status = o == NONE32 ? EV_UNKNOWN_USER : EV_KNOWN_USER;
			v->target = o;
			if (o == NONE32)
				continue;
			v->w = s->cfg.relation_weight;
			v->n_fraud = s->u_label[o] == LBL_FRAUD;
			us = &v->target;
			nu = 1;
		} else {
			uint32_t e = find_entity(s, v->it->kind, v->it->value, strlen(v->it->value));
			uint32_t share1;

			v->cap = fg_config_kind_max_share(&s->cfg, v->it->kind);
			v->target = e;
			if (e == NONE32) {
				v->status = EV_NEW;
				continue;
			}
			v->share = s->e_share[e];
			if (s->e_hub[e]) {
				v->status = EV_HUB;
				continue;
			}
			ent_users(s, e, &us, &nu);
			share1 = v->share + (self != NONE32 && list_has(us, nu, self) ? 0 : 1);
			if (share1 > v->cap) {
				v->status = EV_WOULD_HUB;
				continue;
			}
			v->status = EV_SHARED;
			v->w = fg_entity_weight(fg_config_kind_weight(&s->cfg, v->it->kind), share1);
			for (size_t j = 0; j < nu; j++)
				v->n_fraud += s->u_label[us[j]] == LBL_FRAUD;
		}
		for (size_t j = 0; j < nu; j++) {
			if (us[j] == self)
				continue;
			if (x->n_nbs >= MAX_NEIGHBOURS) {
				x->truncated = true;
				break;
			}
			if (x->n_nbs == cap_nb) {
				size_t cap = cap_nb ? cap_nb * 2 : 64;
				nb *p = fg_reallocarray(x->nbs, cap, sizeof(nb));

				if (!p)
					return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
				x->nbs = p;
				cap_nb = cap;
			}
			x->nbs[x->n_nbs++] = (nb){ us[j], (uint32_t)i, v->w, (uint8_t)(v->is_link ? 1 : 2) };
		}
	}
	/* merge per user: tie = sum of weights, hop = the closest, via = the heaviest item */
	if (x->n_nbs)
		qsort(x->nbs, x->n_nbs, sizeof(nb), cmp_nb);
	x->td = fg_mallocarray(x->n_nbs ? x->n_nbs : 1, sizeof(tied));
	if (!x->td)
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	for (size_t i = 0; i < x->n_nbs; i++) {
		const nb *b = &x->nbs[i];

		if (x->n_td && x->td[x->n_td - 1].user == b->user) {
			tied *t = &x->td[x->n_td - 1];

			t->tie += b->w;
			if (b->hop < t->hop)
				t->hop = b->hop;
			if (b->w > t->viaw) {
				t->via = b->item;
				t->viaw = b->w;
			}
		} else {
			x->td[x->n_td++] = (tied){ b->user, b->item, b->w, b->w, b->hop };
		}
	}
	return FG_OK;
}

/* Rings the account would join: tie of a ring = the items touching its members, each once. */
int fg_serve_rings_joined(scratch *x, const fg_snapshot *s)
{
	/* (ring, item) pairs from the merged neighbours' items; few: sort and fold */
	size_t n = 0;
	nb *pairs = fg_mallocarray(x->n_nbs ? x->n_nbs : 1, sizeof(nb));

	if (!pairs)
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	for (size_t i = 0; i < x->n_nbs; i++) {
		int32_t g = s->u_ring[x->nbs[i].user];

		if (g >= 0)
			pairs[n++] = (nb){ (uint32_t)g, x->nbs[i].item, x->nbs[i].w, 0 };
	}
	if (n)
		qsort(pairs, n, sizeof(nb), cmp_nb);
	x->rh = fg_calloc(n ? n : 1, sizeof(ringhit));
	if (!x->rh) {
		fg_free(pairs);
		return fg_error_set(FG_ENOMEM, "out of memory scoring a request");
	}
	for (size_t i = 0; i < n; i++) {
		bool new_ring = i == 0 || pairs[i].user != pairs[i - 1].user;
		bool new_item = new_ring || pairs[i].item != pairs[i - 1].item;
		ringhit *h;

		if (new_ring) {
			h = &x->rh[x->n_rh++];
			h->ring = pairs[i].user;
			h->first_item = pairs[i].item;
		}
		h = &x->rh[x->n_rh - 1];
		if (new_item) {
			h->tie += pairs[i].w;
			h->n_items++;
		}
	}
	for (size_t i = 0; i < x->n_td; i++) {
		int32_t g = s->u_ring[x->td[i].user];

		for (size_t j = 0; g >= 0 && j < x->n_rh; j++)
			if (x->rh[j].ring == (uint32_t)g)
				x->rh[j].users++;
	}
	for (size_t j = 0; j < x->n_rh; j++) {
		double rs = s->rings[x->rh[j].ring].score;

		x->rh[j].part = (isfinite(rs) ? rs : 0.0) * saturate(x->rh[j].tie);
	}
	if (x->n_rh)
		qsort(x->rh, x->n_rh, sizeof(ringhit), cmp_ringhit);
	fg_free(pairs);
	return FG_OK;
}

/* Known fraud within two user-to-user steps: the tied users, then their neighbours. */
int fg_serve_seeds_near(scratch *x, const fg_snapshot *s, uint32_t self)
{
	size_t budget = MAX_EXPAND;
	int rc;

	for (size_t i = 0; i < x->n_td; i++) {
		const tied *t = &x->td[i];

		if (s->u_label[t->user] == LBL_FRAUD && (rc = add_seed(x, t->user, t->hop, NONE32)))
			return rc;
		for (uint32_t a = s->ue_off[t->user]; a < s->ue_off[t->user + 1]; a++) {
			uint32_t e = s->ue_adj[a];

			if (s->e_hub[e])
				continue;
			for (uint32_t b = s->eu_off[e]; b < s->eu_off[e + 1]; b++) {
				uint32_t v = s->eu_adj[b];

				if (!budget--) {
					x->truncated = true;
					goto done;
				}
				if (v != self && v != t->user && s->u_label[v] == LBL_FRAUD &&
				    (rc = add_seed(x, v, t->hop + 2u, t->user)))
					return rc;
			}
		}
		for (uint32_t b = s->uu_off[t->user]; b < s->uu_off[t->user + 1]; b++) {
			uint32_t v = s->uu_adj[b];

			if (!budget--) {
				x->truncated = true;
				goto done;
			}
			if (v != self && s->u_label[v] == LBL_FRAUD && (rc = add_seed(x, v, t->hop + 1u, t->user)))
				return rc;
		}
	}
done:
	if (x->n_sh)
		qsort(x->sh, x->n_sh, sizeof(seedhit), cmp_seed_by_hops);
	return FG_OK;
}

