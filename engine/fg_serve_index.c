/*
 * fg_serve_index: the snapshot's indexes and adjacencies, built once every
 * row is read: the open-addressing indexes on user ids, (kind, value) and
 * ring keys, the nearest seeds as user indexes, and the CSR adjacencies
 * entity -> users, user -> entities, ring -> members, user <-> user.  Then
 * the model's side (fg_serve_model.c) and the loading buffers freed.
 */
#include "fg_serve_internal.h"

#include "fg_log.h"

#include <stdlib.h>


/*
 * CSR of n rows from (row, col) pairs given by get(i) for i < m, keeping a
 * pair only if keep(col) (NULL: all); each row sorted by col, duplicates
 * removed.  *off (n + 1) and *adj malloc'd.  O(n + m log d).
 */
typedef struct csr_in {
	size_t m;
	uint32_t (*row)(const fg_snapshot *s, size_t i);
	uint32_t (*col)(const fg_snapshot *s, size_t i);
	bool (*keep)(const fg_snapshot *s, size_t i);
} csr_in;

static int build_csr(uint32_t **off_out, uint32_t **adj_out, const fg_snapshot *s, size_t n,
                     const csr_in *in)
{
	uint32_t *off = NULL, *adj = NULL, *pos = NULL;
	size_t total = 0, w = 0;
	int rc = FG_OK;

	off = fg_calloc(n + 1, sizeof(uint32_t));
	pos = fg_calloc(n + 1, sizeof(uint32_t));
	if (!off || !pos) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: out of memory for the adjacency");
		goto cleanup;
	}
	for (size_t i = 0; i < in->m; i++)
		if (!in->keep || in->keep(s, i)) {
			off[in->row(s, i) + 1]++;
			total++;
		}
	if (total >= NONE32) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: more than 2^32 links");
		goto cleanup;
	}
	for (size_t r = 0; r < n; r++)
		off[r + 1] += off[r];
	adj = fg_mallocarray(total ? total : 1, sizeof(uint32_t));
	if (!adj) {
		rc = fg_error_set(FG_ENOMEM, "snapshot: out of memory for the adjacency");
		goto cleanup;
	}
	memcpy(pos, off, (n + 1) * sizeof(uint32_t));
	for (size_t i = 0; i < in->m; i++)
		if (!in->keep || in->keep(s, i))
			adj[pos[in->row(s, i)]++] = in->col(s, i);
	/* sort and de-duplicate each row in place, compacting */
	for (size_t r = 0; r < n; r++) {
		uint32_t b = off[r], e = off[r + 1];
		bool sorted = true;

		for (uint32_t j = b + 1; j < e; j++)
			if (adj[j - 1] >= adj[j]) {
				sorted = false;
				break;
			}
		if (!sorted)
			qsort(adj + b, e - b, sizeof(uint32_t), cmp_u32);
		off[r] = (uint32_t)w;
		for (uint32_t j = b; j < e; j++)
			if (j == b || adj[j] != adj[j - 1])
				adj[w++] = adj[j];
	}
	off[n] = (uint32_t)w;
	*off_out = off;
	*adj_out = adj;
	off = adj = NULL;
cleanup:
	fg_free(off);
	fg_free(adj);
	fg_free(pos);
	return rc;
}

static uint32_t lp_user(const fg_snapshot *s, size_t i) { return s->lp[i].a; }
static uint32_t lp_ent(const fg_snapshot *s, size_t i) { return s->lp[i].b; }
static bool lp_not_hub(const fg_snapshot *s, size_t i) { return !s->e_hub[s->lp[i].b]; }
static uint32_t up_a(const fg_snapshot *s, size_t i) { return s->up[i].a; }
/* user index in the low 32 bits is enough: relation kinds go in a parallel array */
static uint32_t up_b(const fg_snapshot *s, size_t i) { return s->up[i].b; }
static uint32_t ring_row(const fg_snapshot *s, size_t i) { return (uint32_t)s->u_ring[i]; }
static uint32_t user_self(const fg_snapshot *s, size_t i) { (void)s; return (uint32_t)i; }
static bool in_ring(const fg_snapshot *s, size_t i) { return s->u_ring[i] >= 0; }

static int cmp_upair(const void *a, const void *b)
{
	const struct upair *x = a, *y = b;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

/*
 * user <-> user: pairs sorted by (user, other, kind index), one entry per
 * (user, other) keeping the smallest kind index (kinds are interned in the
 * order the rows are read: entity_id order, then links in user_id order, so
 * the choice depends on the data only).
 */
static int build_uu(fg_snapshot *s)
{
	size_t w = 0;
	int rc = FG_OK;

	if (s->n_up)
		qsort(s->up, s->n_up, sizeof(*s->up), cmp_upair);
	for (size_t i = 0; i < s->n_up; i++)
		if (i == 0 || s->up[i].a != s->up[w - 1].a || s->up[i].b != s->up[w - 1].b)
			s->up[w++] = s->up[i];
	s->n_up = w;
	{
		csr_in in = { s->n_up, up_a, up_b, NULL };

		if ((rc = build_csr(&s->uu_off, &s->uu_adj, s, s->n_users, &in)))
			return rc;
	}
	s->uu_kind = fg_mallocarray(s->n_up ? s->n_up : 1, sizeof(uint16_t));
	if (!s->uu_kind)
		return fg_error_set(FG_ENOMEM, "snapshot: out of memory for the adjacency");
	for (size_t i = 0; i < s->n_up; i++)
		s->uu_kind[i] = (uint16_t)s->up[i].k; /* same order as uu_adj: pairs sorted, unique */
	return FG_OK;
}

int fg_serve_index_users(fg_snapshot *s)
{
	int rc;

	if ((rc = htab_init(&s->u_index, s->n_users)))
		return rc;
	for (size_t u = 0; u < s->n_users; u++) {
		const char *id = S(s, s->u_id[u]);
		size_t i = hash_str(id, strlen(id), 0) & s->u_index.mask;

		while (s->u_index.slot[i])
			i = (i + 1) & s->u_index.mask;
		s->u_index.slot[i] = (uint32_t)u + 1;
	}
	return FG_OK;
}


int fg_serve_index_build(fg_snapshot *s)
{
	int rc;

	/* entities by (kind, value) */
	if ((rc = htab_init(&s->e_index, s->n_ents)))
		return rc;
	for (size_t e = 0; e < s->n_ents; e++) {
		const char *v = S(s, s->e_value[e]);
		size_t i = hash_str(v, strlen(v), (uint64_t)s->e_kind[e] + 1) & s->e_index.mask;

		while (s->e_index.slot[i])
			i = (i + 1) & s->e_index.mask;
		s->e_index.slot[i] = (uint32_t)e + 1;
	}
	/* rings by key */
	if ((rc = htab_init(&s->r_index, s->n_rings)))
		return rc;
	for (size_t r = 0; r < s->n_rings; r++) {
		const char *k = S(s, s->rings[r].key);
		size_t i = hash_str(k, strlen(k), 7) & s->r_index.mask;

		while (s->r_index.slot[i])
			i = (i + 1) & s->r_index.mask;
		s->r_index.slot[i] = (uint32_t)r + 1;
	}
	/* nearest seeds: ids to indexes */
	for (size_t u = 0; u < s->n_users; u++) {
		uint32_t off = s->u_nearest[u];

		if (off) {
			const char *id = S(s, off - 1);

			s->u_nearest[u] = find_user(s, id, strlen(id));
		} else {
			s->u_nearest[u] = NONE32;
		}
	}
	{
		csr_in eu = { s->n_lp, lp_ent, lp_user, lp_not_hub };
		csr_in ue = { s->n_lp, lp_user, lp_ent, NULL };
		csr_in rm = { s->n_users, ring_row, user_self, in_ring };

		if ((rc = build_csr(&s->eu_off, &s->eu_adj, s, s->n_ents, &eu)) ||
		    (rc = build_csr(&s->ue_off, &s->ue_adj, s, s->n_users, &ue)) ||
		    (rc = build_csr(&s->ring_off, &s->ring_users, s, s->n_rings, &rm)))
			return rc;
	}
	if ((rc = build_uu(s)))
		return rc;
	if (s->model_file) {
		double t = fg_clock(), c = cpu_seconds();

		if ((rc = fg_serve_model_build(s)))
			return rc;
		s->model_seconds = fg_clock() - t;
		s->model_cpu = cpu_seconds() - c;
		fg_free(s->model_file);
		s->model_file = NULL;
		fg_free(s->ml);
		s->ml = NULL;
		s->cap_ml = 0;
		fg_free(s->e_risk);
		s->e_risk = NULL;
	}
	fg_free(s->lp);
	s->lp = NULL;
	s->cap_lp = 0;
	fg_free(s->up);
	s->up = NULL;
	s->cap_up = 0;
	return FG_OK;
}
