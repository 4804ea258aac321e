#include "fg_track.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct overlap {
	uint32_t p, c, cnt;
} overlap;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void fg_track_result_free(fg_track_result *r)
{
	if (!r)
		return;
	if (r->rings)
		for (uint32_t i = 0; i < r->n_rings; i++)
			fg_free(r->rings[i].prev);
	fg_free(r->rings);
	fg_free(r->dissolved);
	memset(r, 0, sizeof(*r));
}

static int significant(const overlap *o, const fg_prev_ring *prev)
{
	return o->cnt >= 2 || 2u * o->cnt >= prev[o->p].n_users;
}

const char *fg_ring_status_name(fg_ring_status st)
{
	static const char *const names[FG_RING_STATUS_N] = {
		[FG_RING_NEW] = "new", [FG_RING_STABLE] = "stable", [FG_RING_GROWN] = "grown",
		[FG_RING_SHRUNK] = "shrunk", [FG_RING_MERGED] = "merged", [FG_RING_SPLIT] = "split",
	};

	return (unsigned)st < FG_RING_STATUS_N ? names[st] : "?";
}

int fg_track_rings(fg_track_result *out, const int32_t *ring_index, uint32_t n_users,
                   uint32_t n_rings, const fg_prev_ring *prev, uint32_t n_prev,
                   const uint32_t *pair_prev, const uint32_t *pair_user, uint64_t n_pairs,
                   uint64_t next_key, int64_t run_id)
{
	uint64_t *keys = NULL, nk = 0;
	overlap *ov = NULL;
	uint64_t nov = 0;
	int64_t *best = NULL;       /* per prev: index into ov of the best match, or -1 */
	uint32_t *nsig = NULL;      /* per prev: significant overlaps */
	uint32_t *ncur = NULL;      /* per current ring: size */
	int rc = FG_OK;

	memset(out, 0, sizeof(*out));
	keys = fg_mallocarray(n_pairs ? n_pairs : 1, sizeof(*keys));
	best = fg_mallocarray(n_prev ? n_prev : 1, sizeof(*best));
	nsig = fg_calloc(n_prev ? n_prev : 1, sizeof(*nsig));
	ncur = fg_calloc(n_rings ? n_rings : 1, sizeof(*ncur));
	out->rings = fg_calloc(n_rings ? n_rings : 1, sizeof(*out->rings));
	out->dissolved = fg_mallocarray(n_prev ? n_prev : 1, sizeof(*out->dissolved));
	if (!keys || !best || !nsig || !ncur || !out->rings || !out->dissolved)
		goto nomem;
	out->n_rings = n_rings;
	for (uint32_t u = 0; u < n_users; u++)
		if (ring_index[u] >= 0)
			ncur[ring_index[u]]++;
	for (uint64_t i = 0; i < n_pairs; i++) {
		uint32_t u = pair_user[i];
		if (u < n_users && ring_index[u] >= 0)
			keys[nk++] = (uint64_t)pair_prev[i] << 32 | (uint32_t)ring_index[u];
	}
	qsort(keys, nk, sizeof(*keys), cmp_u64);
	ov = fg_mallocarray(nk ? nk : 1, sizeof(*ov));
	if (!ov)
		goto nomem;
	for (uint64_t i = 0; i < nk; i++) {
		if (i == 0 || keys[i] != keys[i - 1]) {
			ov[nov].p = (uint32_t)(keys[i] >> 32);
			ov[nov].c = (uint32_t)keys[i];
			ov[nov].cnt = 0;
			nov++;
		}
		ov[nov - 1].cnt++;
	}
	/* ov is sorted by (p, c): best match per prev ring, ties to the smallest c. */
	for (uint32_t p = 0; p < n_prev; p++)
		best[p] = -1;
	for (uint64_t i = 0; i < nov; i++) {
		overlap *o = &ov[i];
		if (!significant(o, prev))
			continue;
		nsig[o->p]++;
		if (best[o->p] < 0 || ov[best[o->p]].cnt < o->cnt)
			best[o->p] = (int64_t)i;
	}
	/* Per current ring: continuing predecessors and split-off sources. */
	/* Every ring starts "new" (FG_RING_NEW is 0) with an empty key. */
	for (uint32_t c = 0; c < n_rings; c++)
		out->rings[c].first_run_id = run_id;
	{
		/* Collect by current ring: iterate overlaps grouped by c via a second sort. */
		uint64_t *byc = fg_mallocarray(nov ? nov : 1, sizeof(*byc));
		if (!byc)
			goto nomem;
		for (uint64_t i = 0; i < nov; i++)
			byc[i] = (uint64_t)ov[i].c << 32 | (uint32_t)i;
		qsort(byc, nov, sizeof(*byc), cmp_u64);
		for (uint64_t i = 0, j; i < nov; i = j) {
			uint32_t c = (uint32_t)(byc[i] >> 32), ncont = 0, nsplit = 0;
			int64_t main_p = -1, main_cnt = -1;
			fg_ring_track *t = &out->rings[c];
			for (j = i; j < nov && (uint32_t)(byc[j] >> 32) == c; j++) {
				const overlap *o = &ov[(uint32_t)byc[j]];
				if (!significant(o, prev))
					continue;
				if (best[o->p] == (int64_t)(uint32_t)byc[j]) {
					ncont++;
					if ((int64_t)o->cnt > main_cnt ||
					    ((int64_t)o->cnt == main_cnt && strcmp(prev[o->p].key, prev[main_p].key) < 0)) {
						main_cnt = o->cnt;
						main_p = o->p;
					}
				} else {
					nsplit++;
				}
			}
			if (ncont == 0 && nsplit == 0)
				continue;
			/* prev_keys: every merged ring, or the rings a split-off came from. */
			for (uint64_t k = i; k < j; k++) {
				const overlap *o = &ov[(uint32_t)byc[k]];
				bool cont = best[o->p] == (int64_t)(uint32_t)byc[k];
				if (!significant(o, prev))
					continue;
				if ((ncont >= 2 && cont) || (ncont == 0 && !cont)) {
					uint32_t *np = fg_reallocarray(t->prev, t->n_prev + 1, sizeof(*np));
					if (!np) {
						fg_free(byc);
						goto nomem;
					}
					t->prev = np;
					t->prev[t->n_prev++] = o->p;
				}
			}
			if (ncont >= 2) {
				t->status = FG_RING_MERGED;
			} else if (ncont == 1) {
				const fg_prev_ring *p = &prev[main_p];
				if (nsig[main_p] >= 2)
					t->status = FG_RING_SPLIT;
				else if (ncur[c] > p->n_users)
					t->status = FG_RING_GROWN;
				else if (ncur[c] < p->n_users)
					t->status = FG_RING_SHRUNK;
				else
					t->status = FG_RING_STABLE;
			} else {
				t->status = FG_RING_SPLIT; /* split off another ring: new key below */
			}
			if (ncont >= 1) {
				memcpy(t->key, prev[main_p].key, FG_RING_KEY_MAX);
				t->first_run_id = prev[main_p].first_run_id;
			}
		}
		fg_free(byc);
	}
	for (uint32_t c = 0; c < n_rings; c++) {
		fg_ring_track *t = &out->rings[c];
		if (!t->key[0])
			fg_store_format_ring_key(t->key, sizeof(t->key), (int64_t)next_key++);
		switch (t->status) {
		case FG_RING_NEW: out->n_new++; break;
		case FG_RING_STABLE: out->n_stable++; break;
		case FG_RING_GROWN: out->n_grown++; break;
		case FG_RING_SHRUNK: out->n_shrunk++; break;
		case FG_RING_MERGED: out->n_merged++; break;
		default: out->n_split++; break;
		}
	}
	for (uint32_t p = 0; p < n_prev; p++)
		if (best[p] < 0)
			out->dissolved[out->n_dissolved++] = p;
	goto cleanup;
nomem:
	rc = fg_error_set(FG_ENOMEM, "out of memory tracking rings");
	fg_track_result_free(out);
cleanup:
	fg_free(keys);
	fg_free(ov);
	fg_free(best);
	fg_free(nsig);
	fg_free(ncur);
	return rc;
}
