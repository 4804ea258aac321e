/*
 * fg_schema: the results database schema as SQL text, and the list of
 * migrations keyed by PRAGMA user_version.
 *
 * Migration i (1-based) takes a database from user_version i-1 to i; a new
 * database starts at 0 and runs them all.  To change the schema, append a
 * migration (never edit a released one), bump FG_STORE_SCHEMA_VERSION in
 * fg_store.h, and document the change in docs/schema.md.  The list is data,
 * so tests can pass a longer list (a test-only version 2) to
 * fg_store_open_schema and show that an old database is migrated.
 *
 * Thread-safety: constant data only.
 */
#ifndef FG_SRC_FG_SCHEMA_H
#define FG_SRC_FG_SCHEMA_H

/* PRAGMA application_id of every fraudgraph database ("FGRH"). */
#define FG_SCHEMA_APPLICATION_ID 0x46475248

typedef struct fg_schema_migration {
	int version;     /* user_version after this step: 1, 2, ... in order */
	const char *sql; /* statements run inside the migration transaction */
} fg_schema_migration;

/* This build's migrations: fg_schema_migrations[i].version == i + 1. */
extern const fg_schema_migration fg_schema_migrations[];
extern const int fg_schema_n_migrations;

/* CREATE INDEX IF NOT EXISTS statements run by fg_store_build_indexes. */
extern const char fg_schema_indexes_sql[];

/* The same statements by table (fg_store_build_indexes_on), in that order. */
typedef struct fg_schema_index {
	const char *table;
	const char *sql; /* that table's CREATE INDEX IF NOT EXISTS statements */
} fg_schema_index;
extern const fg_schema_index fg_schema_indexes[];
extern const int fg_schema_n_indexes;

/*
 * The planner statistics written at each commit (fg_store_run_commit) into
 * sqlite_stat1, one entry per index whose first column is run_id (and the
 * runs table's row count).  Without statistics SQLite assumes that
 * `run_id = ?` matches about 10 rows, so a run's primary-key range (a
 * covering scan of millions of rows in a WITHOUT ROWID table) looks cheaper
 * than a secondary index on (run_id, x) followed by a key lookup.  The
 * store writes "T R n2 n3 ...": R rows of the new run in the index, T = R x
 * the committed runs, then `rest` (rows per value of each further key
 * column, capped at R; measured on the 2M world, rounded).
 */
typedef struct fg_schema_stat {
	const char *table;
	const char *index; /* the table's own name: the key of a WITHOUT ROWID table; NULL: row count */
	const char *where; /* a partial index's condition, NULL for a full index */
	const char *rest;  /* e.g. "1": one row per (run_id, user_id) */
} fg_schema_stat;

/* This build's statistics, terminated by an entry with table NULL. */
extern const fg_schema_stat fg_schema_stats[];

/*
 * The runs columns fg_store_run_set_* may write (everything but run_id,
 * status, started_at, finished_at, version, params, threads, which the store
 * sets itself), NULL-terminated.
 */
extern const char *const fg_schema_runs_settable[];

#endif
