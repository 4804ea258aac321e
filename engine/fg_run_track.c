/*
 * Ring tracking's glue: the previous run's rings and memberships read from
 * the store and mapped to tonight's user ids, then handed to fg_track_rings
 * (algorithms/fg_track.c), which knows nothing of the store.
 */
#include "fg_run_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static int db_fail(sqlite3 *db, const char *what)
{
	return fg_error_set(FG_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

/* Collects the previous run's memberships, mapped to tonight's user ids. */
typedef struct member_ctx {
	fg_run *r;
	uint32_t *pair_prev, *pair_user;
	uint64_t n, cap;
} member_ctx;

static int take_member(void *vctx, int64_t ring_id, const char *ring_key, const char *user_id)
{
	member_ctx *m = vctx;
	fg_run *r = m->r;
	uint32_t lo = 0, hi = r->n_prev_rings;
	int64_t u;

	(void)ring_key;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (r->prev_rings[mid].ring_id < ring_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= r->n_prev_rings || r->prev_rings[lo].ring_id != ring_id || !user_id)
		return FG_OK;
	u = fg_graph_find_user(r->g, user_id);
	if (u < 0)
		return FG_OK; /* gone tonight */
	if (m->n == m->cap) {
		uint64_t cap = m->cap ? m->cap * 2 : 4096;
		uint32_t *a = fg_reallocarray(m->pair_prev, cap, sizeof(*a));
		if (a)
			m->pair_prev = a;
		uint32_t *b = fg_reallocarray(m->pair_user, cap, sizeof(*b));
		if (b)
			m->pair_user = b;
		if (!a || !b)
			return fg_error_set(FG_ENOMEM, "out of memory reading the previous ring members");
		m->cap = cap;
	}
	m->pair_prev[m->n] = lo;
	m->pair_user[m->n] = (uint32_t)u;
	m->n++;
	return FG_OK;
}

int fg_run_track_load(fg_run *r)
{
	sqlite3 *db = fg_store_db(r->store);
	sqlite3_stmt *st = NULL;
	member_ctx m = { .r = r };
	int rc = FG_OK, s;

	if (r->prev.loaded)
		return FG_OK;
	if ((rc = fg_store_latest_run(r->store, &r->prev_run_id)) != FG_OK ||
	    (rc = fg_store_max_ring_key(r->store, &r->prev.max_key)) != FG_OK)
		return rc;
	if (r->prev_run_id > 0) {
		uint32_t cap_r = 0;
		if (sqlite3_prepare_v2(db, "SELECT ring_id, ring_key, first_run_id, n_users FROM rings "
		                       "WHERE run_id = ? ORDER BY ring_id", -1, &st, NULL) != SQLITE_OK)
			return db_fail(db, "reading the previous rings");
		sqlite3_bind_int64(st, 1, r->prev_run_id);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			fg_prev_ring *p;
			const unsigned char *key = sqlite3_column_text(st, 1);
			if (r->n_prev_rings == cap_r) {
				fg_prev_ring *n2;
				cap_r = cap_r ? cap_r * 2 : 1024;
				n2 = fg_reallocarray(r->prev_rings, cap_r, sizeof(*n2));
				if (!n2) {
					rc = fg_error_set(FG_ENOMEM, "out of memory reading the previous rings");
					goto cleanup;
				}
				r->prev_rings = n2;
			}
			p = &r->prev_rings[r->n_prev_rings++];
			memset(p, 0, sizeof(*p));
			p->ring_id = sqlite3_column_int64(st, 0);
			snprintf(p->key, sizeof(p->key), "%s", key ? (const char *)key : "");
			p->first_run_id = sqlite3_column_int64(st, 2);
			p->n_users = (uint32_t)sqlite3_column_int64(st, 3);
		}
		if (s != SQLITE_DONE) {
			rc = db_fail(db, "reading the previous rings");
			goto cleanup;
		}
		if ((rc = fg_store_prev_ring_members(r->store, r->prev_run_id, take_member, &m)) != FG_OK)
			goto cleanup;
	}
	r->prev.pair_prev = m.pair_prev;
	r->prev.pair_user = m.pair_user;
	r->prev.n_pairs = m.n;
	r->prev.loaded = true;
	m.pair_prev = m.pair_user = NULL;
cleanup:
	sqlite3_finalize(st);
	fg_free(m.pair_prev);
	fg_free(m.pair_user);
	return rc;
}

void fg_run_track_free(fg_run *r)
{
	fg_free(r->prev.pair_prev);
	fg_free(r->prev.pair_user);
	r->prev.pair_prev = r->prev.pair_user = NULL;
	r->prev.n_pairs = 0;
}

int fg_run_track(fg_run *r)
{
	int rc;

	if ((rc = fg_run_track_load(r)) != FG_OK)
		return rc;
	rc = fg_track_rings(&r->track, r->scores->ring_index, r->g->n_users, r->scores->n_rings,
	                    r->prev_rings, r->n_prev_rings, r->prev.pair_prev, r->prev.pair_user,
	                    r->prev.n_pairs, (uint64_t)r->prev.max_key + 1, r->run_id);
	fg_run_track_free(r);
	return rc;
}
