/*
 * fg_results_snapshot: bulk reads of one run for serve's snapshot.  See the
 * header.  Each table is one SELECT over its (run_id, ...) primary key or
 * index, so the cost is one B-tree range scan per table.
 */
#include "fg_results_snapshot.h"

#include "fg_error.h"

#include <assert.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

const char *const fg_snap_ring_factor_names[FG_SNAP_RING_NFACTORS] = {
	"seed_rate", "seed_evidence", "risk_mean", "risk_max",
	"sharing", "burst", "size_factor", "dampener",
};

const char *const fg_snap_ring_count_names[FG_SNAP_RING_NCOUNTS] = {
	"users", "seeds", "legit", "entities", "cards", "devices",
	"addresses", "phones", "emails", "ips", "other_entities", "user_links",
};

static int db_fail(sqlite3 *db, const char *path, const char *what)
{
	return fg_error_set(FG_EDB, "%s: reading %s for the snapshot: %s", path, what,
	                    sqlite3_errmsg(db));
}

static int64_t col_int(sqlite3_stmt *s, int i, int64_t if_null)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? if_null : sqlite3_column_int64(s, i);
}

static double col_real(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Prepare sql with ?1 = run_id; FG_EDB naming `what` on failure. */
static int prepare(sqlite3_stmt **out, sqlite3 *db, const char *path, const char *what,
                   const char *sql, int64_t run_id)
{
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK)
		return db_fail(db, path, what);
	sqlite3_bind_int64(*out, 1, run_id);
	return FG_OK;
}

static int read_components(sqlite3 *db, const char *path, int64_t run_id,
                           const fg_snap_sink *sink, void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc, src;

	rc = prepare(&s, db, path, "components",
	             "SELECT component_id, n_users, n_entities, n_seeds, n_rings, risk_max,"
	             " component_score FROM components WHERE run_id = ?1 ORDER BY component_id",
	             run_id);
	if (rc)
		goto cleanup;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		fg_snap_component_row r;

		r.component_id = sqlite3_column_int64(s, 0);
		r.n_users = col_int(s, 1, 0);
		r.n_entities = col_int(s, 2, 0);
		r.n_seeds = col_int(s, 3, 0);
		r.n_rings = col_int(s, 4, 0);
		r.risk_max = col_real(s, 5);
		r.component_score = col_real(s, 6);
		if ((rc = sink->component(ctx, &r)) != FG_OK)
			goto cleanup;
	}
	if (src != SQLITE_DONE)
		rc = db_fail(db, path, "components");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

static int read_rings(sqlite3 *db, const char *path, int64_t run_id, const fg_snap_sink *sink,
                      void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc, src;

	rc = prepare(&s, db, path, "rings",
	             "SELECT ring_id, ring_key, status, first_run_id, component_id,"
	             " seed_rate, seed_evidence, risk_mean, risk_max, sharing, burst, size_factor,"
	             " dampener, ring_score, n_users, n_seeds, n_legit, n_entities, n_cards,"
	             " n_devices, n_addresses, n_phones, n_emails, n_ips, n_other_entities,"
	             " n_user_links FROM rings WHERE run_id = ?1 ORDER BY ring_id",
	             run_id);
	if (rc)
		goto cleanup;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		fg_snap_ring_row r;
		int c = 5;

		r.ring_id = sqlite3_column_int64(s, 0);
		r.ring_key = col_text(s, 1);
		r.status = col_text(s, 2);
		r.first_run_id = col_int(s, 3, -1);
		r.component_id = col_int(s, 4, -1);
		for (int i = 0; i < FG_SNAP_RING_NFACTORS; i++)
			r.factors[i] = col_real(s, c++);
		r.ring_score = col_real(s, c++);
		for (int i = 0; i < FG_SNAP_RING_NCOUNTS; i++)
			r.counts[i] = col_int(s, c++, 0);
		if (!r.ring_key)
			r.ring_key = "";
		if ((rc = sink->ring(ctx, &r)) != FG_OK)
			goto cleanup;
	}
	if (src != SQLITE_DONE)
		rc = db_fail(db, path, "rings");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

static int read_users(sqlite3 *db, const char *path, int64_t run_id, const fg_snap_sink *sink,
                      void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc, src;

	rc = prepare(&s, db, path, "user_scores",
	             "SELECT user_id, label, component_id, ring_id, risk, risk_norm, risk_pct,"
	             " score, nearest_seed, seed_hops, created_at FROM user_scores"
	             " WHERE run_id = ?1 ORDER BY user_id",
	             run_id);
	if (rc)
		goto cleanup;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		fg_snap_user_row r;

		r.user_id = col_text(s, 0);
		r.user_len = (size_t)sqlite3_column_bytes(s, 0);
		if (!r.user_id)
			continue; /* NOT NULL in the schema; a NULL row names nobody */
		r.label = col_text(s, 1);
		r.component_id = col_int(s, 2, -1);
		r.ring_id = col_int(s, 3, -1);
		r.risk = col_real(s, 4);
		r.risk_norm = col_real(s, 5);
		r.risk_pct = col_real(s, 6);
		r.score = col_real(s, 7);
		r.nearest_seed = col_text(s, 8);
		r.seed_hops = col_int(s, 9, -1);
		r.created_at = col_int(s, 10, INT64_MIN);
		if ((rc = sink->user(ctx, &r)) != FG_OK)
			goto cleanup;
	}
	if (src != SQLITE_DONE)
		rc = db_fail(db, path, "user_scores");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

static int read_entities(sqlite3 *db, const char *path, int64_t run_id,
                         const fg_snap_sink *sink, void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc, src;

	rc = prepare(&s, db, path, "entities",
	             "SELECT entity_id, kind, value, share, is_hub, component_id, risk FROM entities"
	             " WHERE run_id = ?1 ORDER BY entity_id",
	             run_id);
	if (rc)
		goto cleanup;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		fg_snap_entity_row r;

		r.entity_id = sqlite3_column_int64(s, 0);
		r.kind = col_text(s, 1);
		r.value = col_text(s, 2);
		r.value_len = (size_t)sqlite3_column_bytes(s, 2);
		if (!r.kind || !r.value)
			continue;
		r.share = col_int(s, 3, 0);
		r.is_hub = col_int(s, 4, 0) != 0;
		r.component_id = col_int(s, 5, -1);
		r.risk = col_real(s, 6);
		if ((rc = sink->entity(ctx, &r)) != FG_OK)
			goto cleanup;
	}
	if (src != SQLITE_DONE)
		rc = db_fail(db, path, "entities");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

static int read_links(sqlite3 *db, const char *path, int64_t run_id, const fg_snap_sink *sink,
                      void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc, src;

	/* The (run_id, user_id) index: the run's links without a scan of other runs. */
	rc = prepare(&s, db, path, "links",
	             "SELECT user_id, kind, entity_id, other_user, first_seen, last_seen FROM links"
	             " WHERE run_id = ?1 ORDER BY user_id",
	             run_id);
	if (rc)
		goto cleanup;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		fg_snap_link_row r;

		r.user_id = col_text(s, 0);
		r.user_len = (size_t)sqlite3_column_bytes(s, 0);
		r.kind = col_text(s, 1);
		r.entity_id = col_int(s, 2, -1);
		r.other_user = col_text(s, 3);
		r.other_len = r.other_user ? (size_t)sqlite3_column_bytes(s, 3) : 0;
		r.first_seen = col_int(s, 4, INT64_MIN);
		r.last_seen = col_int(s, 5, INT64_MIN);
		if (!r.user_id || !r.kind || (r.entity_id < 0 && !r.other_user))
			continue;
		if ((rc = sink->link(ctx, &r)) != FG_OK)
			goto cleanup;
	}
	if (src != SQLITE_DONE)
		rc = db_fail(db, path, "links");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

/* (created_at, account_age_days) of the first stored feature rows with both. */
static int read_ages(sqlite3 *db, const char *path, int64_t run_id, int64_t *created, double *days,
                     size_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc, src;

	*n = 0;
	rc = prepare(&s, db, path, "user_model_features",
	             "SELECT u.created_at, json_extract(f.features, '$.account_age_days')"
	             " FROM user_model_features f JOIN user_scores u"
	             " ON u.run_id = f.run_id AND u.user_id = f.user_id"
	             " WHERE f.run_id = ?1 AND u.created_at IS NOT NULL"
	             " AND json_extract(f.features, '$.account_age_days') IS NOT NULL LIMIT 64",
	             run_id);
	if (rc)
		goto cleanup;
	while ((src = sqlite3_step(s)) == SQLITE_ROW && *n < FG_SNAP_AGES) {
		created[*n] = sqlite3_column_int64(s, 0);
		days[*n] = sqlite3_column_double(s, 1);
		(*n)++;
	}
	if (src != SQLITE_DONE && src != SQLITE_ROW)
		rc = db_fail(db, path, "user_model_features");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

/* The run's models row, if any (a run the model did not score has none). */
static int read_model(sqlite3 *db, const char *path, int64_t run_id, const fg_snap_sink *sink,
                      void *ctx)
{
	sqlite3_stmt *s = NULL;
	int64_t created[FG_SNAP_AGES];
	double days[FG_SNAP_AGES];
	int rc = FG_OK, src;

	/* a database written before schema version 3 has no models table: no model */
	if (sqlite3_prepare_v2(db, "SELECT source, model_file, n_features FROM models WHERE run_id = ?1",
	                       -1, &s, NULL) != SQLITE_OK)
		return strstr(sqlite3_errmsg(db), "no such table") ? FG_OK : db_fail(db, path, "models");
	sqlite3_bind_int64(s, 1, run_id);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		fg_snap_model_row r;

		r.source = col_text(s, 0);
		r.model_file = col_text(s, 1);
		r.model_len = (size_t)sqlite3_column_bytes(s, 1);
		r.n_features = col_int(s, 2, 0);
		r.n_ages = 0;
		r.age_created = created;
		r.age_days = days;
		if ((rc = read_ages(db, path, run_id, created, days, &r.n_ages)) == FG_OK && r.model_file)
			rc = sink->model(ctx, &r);
	} else if (src != SQLITE_DONE) {
		rc = db_fail(db, path, "models");
	}
	sqlite3_finalize(s);
	return rc;
}

static int read_run(sqlite3 *db, const char *path, int64_t *run_id, const fg_snap_sink *sink,
                    void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc, src;

	rc = prepare(&s, db, path, "runs",
	             "SELECT run_id, started_at, finished_at, params, output_digest, n_users,"
	             " n_entities, n_links, n_user_links, n_hubs, n_seeds, n_rings, n_components"
	             " FROM runs WHERE status = 'ok' AND (?1 = 0 OR run_id = ?1)"
	             " ORDER BY run_id DESC LIMIT 1",
	             *run_id);
	if (rc)
		goto cleanup;
	src = sqlite3_step(s);
	if (src == SQLITE_DONE) {
		rc = *run_id ? fg_error_set(FG_ENOTFOUND, "%s: no run %lld", path, (long long)*run_id)
		             : fg_error_set(FG_ENOTFOUND, "%s: no committed run", path);
		goto cleanup;
	}
	if (src != SQLITE_ROW) {
		rc = db_fail(db, path, "runs");
		goto cleanup;
	}
	{
		fg_snap_run_row r;

		r.run_id = sqlite3_column_int64(s, 0);
		r.started_at = col_text(s, 1);
		r.finished_at = col_text(s, 2);
		r.params = col_text(s, 3);
		r.output_digest = col_text(s, 4);
		r.n_users = col_int(s, 5, 0);
		r.n_entities = col_int(s, 6, 0);
		r.n_links = col_int(s, 7, 0);
		r.n_user_links = col_int(s, 8, 0);
		r.n_hubs = col_int(s, 9, 0);
		r.n_seeds = col_int(s, 10, 0);
		r.n_rings = col_int(s, 11, 0);
		r.n_components = col_int(s, 12, 0);
		*run_id = r.run_id;
		if (sink->run)
			rc = sink->run(ctx, &r);
	}
cleanup:
	sqlite3_finalize(s);
	return rc;
}

int fg_results_snapshot_read(fg_store *st, const char *path, int64_t run_id,
                             const fg_snap_sink *sink, void *ctx)
{
	sqlite3 *db = fg_store_db(st);
	int rc;

	assert(st && sink && run_id >= 0);
	/* One read transaction: every table of the same committed state. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, path, "(begin)");
	if ((rc = read_run(db, path, &run_id, sink, ctx)) != FG_OK)
		goto cleanup;
	if (sink->model && (rc = read_model(db, path, run_id, sink, ctx)) != FG_OK)
		goto cleanup;
	if (sink->component && (rc = read_components(db, path, run_id, sink, ctx)) != FG_OK)
		goto cleanup;
	if (sink->ring && (rc = read_rings(db, path, run_id, sink, ctx)) != FG_OK)
		goto cleanup;
	if (sink->user && (rc = read_users(db, path, run_id, sink, ctx)) != FG_OK)
		goto cleanup;
	if (sink->entity && (rc = read_entities(db, path, run_id, sink, ctx)) != FG_OK)
		goto cleanup;
	if (sink->link && (rc = read_links(db, path, run_id, sink, ctx)) != FG_OK)
		goto cleanup;
cleanup:
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int fg_results_snapshot_latest(fg_store *st, int64_t *out)
{
	return fg_store_latest_run(st, out);
}
