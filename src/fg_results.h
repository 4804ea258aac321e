/*
 * fg_results: the one reader of the results database (schema in fg_schema.c,
 * columns in docs/schema.md).  Typed getters: structs out, no SQL outside
 * src/.  explain, serve and the tools read through it; run and distribution
 * getters live beside it in fg_results_runs.{c,h}, on the same handle.
 *
 * Opening: SQLITE_OPEN_READONLY, never `immutable` or `nolock` (a run may be
 * writing).  A reader creates no file next to the database when the writer
 * left it at rest (fg_store ends every run in rollback-journal mode, so a
 * database at rest has no -wal/-shm); while a run writes, the -wal/-shm are
 * the writer's and a reader that cannot write them reads them read-only
 * (SQLite >= 3.22).  So a reader run by another account, or one that cannot
 * write the directory, never leaves files the writer cannot open
 * (docs/operations.md, "Accounts").  A database of a newer schema
 * (user_version above this build's) is refused; an older one is read (a
 * getter of a table it lacks returns nothing).
 *
 * Queries are indexed lookups only (primary keys and the indexes of
 * fg_schema_indexes_sql): one user costs O(its evidence), never a scan of
 * the run.  FG_QUERY_PLAN=1 prints each statement's plan to stderr once.
 * Statements are prepared once per handle and reused.
 *
 * Ownership: every string and array a getter returns lives in the caller's
 * fg_res_arena and stays valid until fg_res_arena_free; the handle keeps
 * nothing of a result.  Errors: FG_ENOTFOUND (exit 4) for an unknown run,
 * user or ring, with a message naming it and the file; FG_EDB for SQLite
 * failures; FG_ENOMEM.
 *
 * Thread-safety: one thread per handle (open one handle per thread).
 */
#ifndef FG_SRC_FG_RESULTS_H
#define FG_SRC_FG_RESULTS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fg_results fg_results;

/* ---- arena: owns what the getters return -------------------------------- */

/* Start with `fg_res_arena a = {0};`, free with fg_res_arena_free(&a). */
typedef struct fg_res_arena {
	struct fg_res_chunk *head;
} fg_res_arena;

/* n bytes aligned for any type, or NULL (out of memory). */
void *fg_res_alloc(fg_res_arena *a, size_t n);
/* A copy of s in a (NULL for NULL, and NULL on out of memory: check s). */
char *fg_res_strdup(fg_res_arena *a, const char *s);
void fg_res_arena_free(fg_res_arena *a);

/* ---- the handle ---------------------------------------------------------- */

/*
 * Open path read-only and check it: FG_ENOTFOUND if the file does not exist,
 * FG_EDB if it is not a fraudgraph results database or has a newer schema.
 * *out is NULL on error.
 */
int fg_results_open(fg_results **out, const char *path);

/* NULL-safe; clears *r. */
void fg_results_close(fg_results **r);

/* The path given to fg_results_open. */
const char *fg_results_path(const fg_results *r);

/* PRAGMA user_version of the file (<= this build's schema version). */
int fg_results_schema_version(const fg_results *r);

/*
 * For src/ readers beside this one (fg_results_runs.c) only: the connection,
 * and the statement cache's prepare (plan printed under FG_QUERY_PLAN, FG_EDB
 * with SQLite's message).  The statement belongs to the caller.
 */
sqlite3 *fg_results_db(fg_results *r);
int fg_results_prepare(sqlite3_stmt **out, fg_results *r, const char *sql);
/* The same on a bare connection (fg_results_runs.c's statements). */
int fg_results_db_prepare(sqlite3_stmt **out, sqlite3 *db, const char *sql);

/*
 * The connection-level checks of fg_results_open for a caller that wants a
 * bare connection (tests; report and evaluate use fg_results_open and fg_results_db):
 * read-only open, fraudgraph database, schema not newer.  *out NULL on error.
 */
int fg_results_open_db(sqlite3 **out, const char *path);

/* ---- runs ---------------------------------------------------------------- */

typedef struct fg_res_run {
	int64_t run_id;
	const char *started_at; /* UTC ISO-8601 */
	const char *status;     /* "ok" for every run a getter picks */
} fg_res_run;

/*
 * The run to read: arg NULL or "latest": the newest run with status 'ok'
 * ("PATH holds no committed run": FG_ENOTFOUND); else a decimal run id that
 * must exist with status 'ok' ("run 7 is not in PATH": FG_ENOTFOUND; a bad
 * number: FG_EUSAGE naming --run).
 */
int fg_results_run_pick(fg_res_run *out, fg_res_arena *a, fg_results *r, const char *arg);

/* The run_id's row (FG_ENOTFOUND if absent). */
int fg_results_run_get(fg_res_run *out, fg_res_arena *a, fg_results *r, int64_t run_id);

/* The newest committed run older than run_id, or 0 if none. */
int fg_results_run_previous(int64_t *out, fg_results *r, int64_t run_id);

/* ---- a user -------------------------------------------------------------- */

/* A user_scores row.  has_* false where the column is NULL; doubles NAN if NULL. */
typedef struct fg_res_user {
	const char *user_id;
	const char *label;        /* "fraud", "legit", "holdout" or NULL */
	bool has_component, has_ring, has_hops, has_created;
	int64_t component_id, ring_id, seed_hops, created_at;
	double risk, risk_norm, risk_pct, score;
	double rule_score;        /* the hand-set score (schema 3); NAN without a model or column */
	const char *nearest_seed; /* NULL if none reachable */
} fg_res_user;

/* FG_ENOTFOUND "user 'x' is not in run N of PATH". */
int fg_results_user(fg_res_user *out, fg_res_arena *a, fg_results *r, int64_t run_id,
                    const char *user_id);

/* A user_reasons row: one of the model's top contributions to the user's score. */
typedef struct fg_res_reason {
	int64_t rank;        /* 1 = the largest contribution */
	const char *feature; /* the model's feature name */
	double value;        /* the feature's value (NAN if NULL) */
	double contribution; /* its SHAP contribution to the log-odds (NAN if NULL) */
	const char *text;    /* the stored sentence, NULL if none */
} fg_res_reason;

/*
 * The user's reasons by rank (the run stores them for users scoring at least
 * the model's reason threshold, docs/scoring.md).  *n 0 (FG_OK) when the
 * database has no user_reasons table (schema < 3) or the user has no rows.
 */
int fg_results_user_reasons(fg_res_reason **out, size_t *n, fg_res_arena *a, fg_results *r,
                            int64_t run_id, const char *user_id);

/* The user_features row (docs/schema.md), in column order. */
#define FG_RES_N_FEATURES 17
extern const char *const fg_res_feature_names[FG_RES_N_FEATURES];
typedef struct fg_res_features {
	double v[FG_RES_N_FEATURES]; /* NAN where NULL (seed_hops of an unreached user) */
} fg_res_features;

/* *found false (FG_OK) when the run stored no features for the user. */
int fg_results_user_features(fg_res_features *out, bool *found, fg_results *r, int64_t run_id,
                             const char *user_id);

/* ---- entities and links -------------------------------------------------- */

/* An entity the user is linked to, with the link's times. */
typedef struct fg_res_entity {
	int64_t entity_id;
	const char *kind, *value;
	int64_t share;          /* distinct users of the entity, the user included */
	bool is_hub;
	bool known;             /* the entities table has its row (always, for a real run) */
	bool has_first, has_last;
	int64_t first_seen, last_seen; /* of the user's link (Unix seconds) */
} fg_res_entity;

/* The user's entities, non-hubs first, then by kind, value and entity_id. */
int fg_results_user_entities(fg_res_entity **out, size_t *n, fg_res_arena *a, fg_results *r,
                             int64_t run_id, const char *user_id);

/* A user named by a link or an entity, with its scores. */
typedef struct fg_res_uref {
	const char *user_id;
	const char *label;
	double score;       /* NAN if the user has no user_scores row */
} fg_res_uref;

/*
 * Up to limit other users of the entity (not `exclude`), confirmed fraud
 * first, then by score descending and id.  At most 10000 stored links of the
 * entity are ranked (in storage order: a hub may have millions), so one call
 * costs at most that.
 */
#define FG_RES_MAX_EXAMINED 10000
int fg_results_entity_top_users(fg_res_uref **out, size_t *n, fg_res_arena *a, fg_results *r,
                                int64_t run_id, int64_t entity_id, const char *exclude,
                                int limit);

/* Every user of the entity, by user id (byte order). */
int fg_results_entity_users(fg_res_uref **out, size_t *n, fg_res_arena *a, fg_results *r,
                            int64_t run_id, int64_t entity_id);

/* A direct user-user link (order, referral, transfer...). */
typedef struct fg_res_ulink {
	const char *kind;
	fg_res_uref other;
	bool has_first, has_last;
	int64_t first_seen, last_seen;
} fg_res_ulink;

/*
 * The user's direct links, whichever side stored them, one per (other user,
 * kind), by other user id then kind.
 */
int fg_results_user_links(fg_res_ulink **out, size_t *n, fg_res_arena *a, fg_results *r,
                          int64_t run_id, const char *user_id);

/* ---- rings ---------------------------------------------------------------- */

#define FG_RES_N_RING_COUNTS 12
#define FG_RES_N_RING_FACTORS 8
/* "users", "seeds", "legit", "entities", "cards", ..., "user_links" */
extern const char *const fg_res_ring_count_names[FG_RES_N_RING_COUNTS];
/* "seed_rate", "seed_evidence", ..., "dampener" */
extern const char *const fg_res_ring_factor_names[FG_RES_N_RING_FACTORS];

typedef struct fg_res_ring {
	int64_t run_id, ring_id;
	const char *ring_key, *status;
	const char *prev_keys_json; /* a JSON list, NULL if none or not valid JSON */
	bool has_first_run, has_component;
	int64_t first_run_id, component_id;
	const char *first_seen;     /* started_at of first_run_id, NULL if unknown */
	int64_t counts[FG_RES_N_RING_COUNTS];
	bool count_null[FG_RES_N_RING_COUNTS];
	double factors[FG_RES_N_RING_FACTORS]; /* NAN if NULL */
	double ring_score;
	double rule_score;          /* the hand-set ring score (schema 3); NAN without the column */
} fg_res_ring;

/* FG_ENOTFOUND "ring N is not in run M of PATH". */
int fg_results_ring(fg_res_ring *out, fg_res_arena *a, fg_results *r, int64_t run_id,
                    int64_t ring_id);
/* FG_ENOTFOUND "ring 'K' is not in run M of PATH". */
int fg_results_ring_by_key(fg_res_ring *out, fg_res_arena *a, fg_results *r, int64_t run_id,
                           const char *ring_key);

/* A ring member, and the ring it was in at the previous committed run. */
typedef struct fg_res_member {
	fg_res_uref user;
	bool has_created;
	int64_t created_at;
	const char *prev_ring_key; /* NULL: in no ring then, or no previous run */
} fg_res_member;

/* Members by user id; prev_run_id 0 for no previous run. */
int fg_results_ring_members(fg_res_member **out, size_t *n, fg_res_arena *a, fg_results *r,
                            int64_t run_id, int64_t ring_id, int64_t prev_run_id);

/* The ring's row in one committed run. */
typedef struct fg_res_ring_hist {
	int64_t run_id;
	const char *started_at, *status;
	int64_t n_users;
	double ring_score;
} fg_res_ring_hist;

/* Every committed run up to up_to_run that holds ring_key, by run. */
int fg_results_ring_history(fg_res_ring_hist **out, size_t *n, fg_res_arena *a, fg_results *r,
                            const char *ring_key, int64_t up_to_run);

/* ---- hubs ----------------------------------------------------------------- */

typedef struct fg_res_hub {
	const char *kind, *value, *reason; /* reason NULL if none was stored */
	int64_t share, max_share;          /* max_share -1 for NULL */
} fg_res_hub;

/* The run's hubs, largest share first (ties: kind, value); limit 0: all.
 * explain's and report's one read of the hubs table. */
int fg_results_hubs(fg_res_hub **out, size_t *n, fg_res_arena *a, fg_results *r, int64_t run_id,
                    int limit);

#endif
