/*
 * fg_results_snapshot: the SQL that reads one committed run in bulk, for the
 * in-memory snapshot of `fraudgraph serve` (engine/fg_serve_load.c).
 *
 * Where explain's reader looks one user up by index, this one streams whole
 * tables of a run, each in primary-key order, into callbacks: the run row,
 * then components, rings, users, entities, links.  Everything is read inside
 * one read transaction, so a run committed (or deleted by retention) while
 * the snapshot loads is not seen half: WAL gives this reader the database as
 * it was at the first SELECT, and the writer never waits for it.
 *
 * The connection comes from fg_store_open(FG_STORE_READ) (SQLITE_OPEN_READONLY:
 * no -wal/-shm files the writer cannot use, no write ever).
 *
 * Row pointers (strings) are valid during the callback only.  A callback
 * returns FG_OK or an FG_E* code, which stops the read and is returned.
 * Thread-safety: one thread per fg_store, as fg_store.
 */
#ifndef FG_SRC_FG_RESULTS_SNAPSHOT_H
#define FG_SRC_FG_RESULTS_SNAPSHOT_H

#include "fg_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fg_snap_run_row {
	int64_t run_id;
	const char *started_at;  /* ISO-8601 UTC */
	const char *finished_at; /* ISO-8601 UTC, NULL if unknown */
	const char *params;      /* runs.params JSON */
	const char *output_digest;
	int64_t n_users, n_entities, n_links, n_user_links, n_hubs, n_seeds, n_rings;
	int64_t n_components;
} fg_snap_run_row;

typedef struct fg_snap_component_row {
	int64_t component_id;
	int64_t n_users, n_entities, n_seeds, n_rings;
	double risk_max, component_score;
} fg_snap_component_row;

#define FG_SNAP_RING_NFACTORS 8
#define FG_SNAP_RING_NCOUNTS 12
/* Names of the factor and count columns, in the order of the arrays below. */
extern const char *const fg_snap_ring_factor_names[FG_SNAP_RING_NFACTORS];
extern const char *const fg_snap_ring_count_names[FG_SNAP_RING_NCOUNTS];

typedef struct fg_snap_ring_row {
	int64_t ring_id;
	const char *ring_key;
	const char *status;
	int64_t first_run_id;     /* -1 if NULL */
	int64_t component_id;     /* -1 if NULL */
	/* seed_rate, seed_evidence, risk_mean, risk_max, sharing, burst, size_factor, dampener */
	double factors[FG_SNAP_RING_NFACTORS];
	double ring_score;
	/* n_users, n_seeds, n_legit, n_entities, n_cards, n_devices, n_addresses, n_phones,
	 * n_emails, n_ips, n_other_entities, n_user_links */
	int64_t counts[FG_SNAP_RING_NCOUNTS];
} fg_snap_ring_row;

typedef struct fg_snap_user_row {
	const char *user_id;
	size_t user_len;
	const char *label;        /* "fraud", "legit", "holdout" or NULL */
	int64_t component_id;     /* -1 if NULL */
	int64_t ring_id;          /* -1 if NULL */
	double risk, risk_norm, risk_pct, score; /* NAN if NULL */
	const char *nearest_seed; /* NULL if none */
	int64_t seed_hops;        /* -1 if NULL */
	int64_t created_at;       /* INT64_MIN if NULL */
} fg_snap_user_row;

typedef struct fg_snap_entity_row {
	int64_t entity_id;
	const char *kind;
	const char *value;
	size_t value_len;
	int64_t share;
	bool is_hub;
	int64_t component_id; /* -1 if NULL (hubs) */
	double risk;          /* the walk's probability at the entity, NAN if NULL */
} fg_snap_entity_row;

typedef struct fg_snap_link_row {
	const char *user_id;
	size_t user_len;
	const char *kind;
	int64_t entity_id;      /* -1 for a user-user link */
	const char *other_user; /* NULL for a user-entity link */
	size_t other_len;
	int64_t first_seen, last_seen; /* INT64_MIN if NULL */
} fg_snap_link_row;

/* The run's model (models), if a model scored it. */
typedef struct fg_snap_model_row {
	const char *source;     /* "trained" or the --model path */
	const char *model_file; /* the fraudgraph-model file (fg_model_save) */
	size_t model_len;
	int64_t n_features;
	/* (created_at, account_age_days) of up to FG_SNAP_AGES stored feature rows
	 * (user_model_features): the run's account-age reference follows from them */
	size_t n_ages;
	const int64_t *age_created;
	const double *age_days;
} fg_snap_model_row;

#define FG_SNAP_AGES 64

/* Callbacks; any may be NULL (that table is then not read). */
typedef struct fg_snap_sink {
	int (*run)(void *ctx, const fg_snap_run_row *r);
	int (*component)(void *ctx, const fg_snap_component_row *r);
	int (*ring)(void *ctx, const fg_snap_ring_row *r);
	int (*user)(void *ctx, const fg_snap_user_row *r);
	int (*entity)(void *ctx, const fg_snap_entity_row *r);
	int (*link)(void *ctx, const fg_snap_link_row *r);
	int (*model)(void *ctx, const fg_snap_model_row *r); /* called only if the run has one */
} fg_snap_sink;

/*
 * Read run `run_id` (0: the newest run with status 'ok') of st into sink, in
 * one read transaction: the run row first, then its model (if any), then
 * each table in primary-key order (links in user_id order).  Returns FG_OK, FG_ENOTFOUND if the run does
 * not exist or the database holds no run ("no committed run in PATH"),
 * FG_EDB on a SQLite error (message names the table), or a callback's code.
 * Cost: one pass over the run's rows of each table, O(rows).
 */
int fg_results_snapshot_read(fg_store *st, const char *path, int64_t run_id,
                             const fg_snap_sink *sink, void *ctx);

/*
 * The newest committed run id (0 if none) without a transaction left open:
 * cheap enough to poll every few hundred milliseconds.  FG_EDB on error.
 */
int fg_results_snapshot_latest(fg_store *st, int64_t *out);

#endif
