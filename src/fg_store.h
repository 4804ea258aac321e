/*
 * fg_store: the results database (SQLite).
 *
 * One file holds every run: tables keyed by run_id (docs/schema.md documents
 * each column), views for the latest run, indexes for the analysts' questions.
 * The schema is versioned with PRAGMA user_version and migrated forward on
 * open.  Journal mode WAL, so analysts read while the nightly job writes and
 * always see the last committed run.
 *
 * A run is one write transaction: fg_store_run_begin takes the write lock at
 * once (BEGIN IMMEDIATE, no waiting): if another run holds it, FG_EBUSY with a
 * clear message.  Everything written between begin and fg_store_run_commit is
 * invisible to readers and vanishes on fg_store_run_rollback, on a crash or on
 * close without commit.  Every value is bound, never pasted into SQL.
 *
 * Thread-safety: one thread at a time per fg_store (it may be handed between
 * threads, as the run's write-back does: engine/fg_run_write.c).
 */
#ifndef FG_SRC_FG_STORE_H
#define FG_SRC_FG_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_STORE_SCHEMA_VERSION 5

typedef struct fg_store fg_store;

typedef enum fg_store_mode {
	FG_STORE_READ = 0,  /* existing database, read-only (explain, report, evaluate) */
	FG_STORE_WRITE = 1, /* create if missing, migrate, WAL */
} fg_store_mode;

/*
 * Open path.  READ: FG_ENOTFOUND if the file does not exist, FG_EDB if it is
 * not a fraudgraph database or is newer than this build.  WRITE: creates the
 * file and schema if missing (the directory must exist and be writable:
 * FG_EIO otherwise, naming the path), migrates older schemas (FG_EBUSY if a
 * migration is needed while another run writes; no lock is taken otherwise),
 * refuses a SQLite file of another application (FG_EDB, file untouched).
 * WRITE connections use WAL, synchronous=FULL, busy_timeout 0; a new file
 * gets 16 KiB pages.
 */
int fg_store_open(fg_store **out, const char *path, fg_store_mode mode);

/* NULL-safe; rolls back an open run. */
void fg_store_close(fg_store **st);

/* The connection, for reads by the tools and tests. */
sqlite3 *fg_store_db(fg_store *st);

/*
 * Start a run: BEGIN IMMEDIATE, then insert a `runs` row with status
 * 'running', started_at (UTC ISO-8601), version, params_json, threads.
 * *run_id receives the new id.  FG_EBUSY if another writer holds the database.
 */
int fg_store_run_begin(fg_store *st, int64_t *run_id, const char *params_json, int threads);

/*
 * Set a column of this run's `runs` row (counts, times, digests): name must be
 * one of the runs columns (checked against the schema, never pasted unchecked).
 */
int fg_store_run_set_int(fg_store *st, const char *column, int64_t v);
int fg_store_run_set_double(fg_store *st, const char *column, double v);
int fg_store_run_set_text(fg_store *st, const char *column, const char *v);

/*
 * Finish: status 'ok', finished_at, then retention (keep_runs > 0: delete
 * runs older than the newest keep_runs, and their rows in every table), the
 * planner statistics (sqlite_stat1, from the rows bulk-inserted in this run:
 * fg_schema_stats), then COMMIT.  After commit the run is visible atomically.
 */
int fg_store_run_commit(fg_store *st, int keep_runs);

/* Abandon the run: ROLLBACK.  Nothing of it remains. */
int fg_store_run_rollback(fg_store *st);

/*
 * Bulk insert into one table inside the open run: prepared multi-row INSERT
 * statements (many rows per statement), values bound.  Usage:
 *   fg_bulk *b; fg_store_bulk_begin(&b, st, "user_scores", cols, ncols);
 *   for each row: fg_bulk_int(b, ...); fg_bulk_text(b, ...); ...; fg_bulk_row(b);
 *   fg_store_bulk_end(&b);   (flushes; returns the first error)
 * Columns are named explicitly; values are appended in that order.  Only
 * inside an open run (FG_EUSAGE otherwise).  Table and column names must be
 * identifiers ([A-Za-z0-9_]); an unknown one is FG_EDB at begin.  A row with
 * the wrong number of values is FG_EUSAGE.  Speed: about 1 M rows/s for
 * user_scores rows given in primary-key order (run_id, user_id byte order),
 * about 4x slower in random order: write rows sorted by user_id where you can.
 */
typedef struct fg_bulk fg_bulk;
int fg_store_bulk_begin(fg_bulk **out, fg_store *st, const char *table,
                        const char *const *columns, int ncols);
void fg_bulk_int(fg_bulk *b, int64_t v);
void fg_bulk_double(fg_bulk *b, double v);
void fg_bulk_text(fg_bulk *b, const char *v);   /* NULL -> SQL NULL; copied/bound transient */
void fg_bulk_null(fg_bulk *b);
int fg_bulk_row(fg_bulk *b);                    /* end of row; may execute a batch */
int fg_store_bulk_end(fg_bulk **b);

/*
 * The writer's page cache cap in KiB (0: the default, 128 MiB).  Dirty pages
 * beyond it spill to the WAL inside the run's transaction, so a smaller cap
 * costs no extra writes, only memory kept free: the run lowers it while it
 * writes beside the model phase, its peak of memory (engine/fg_run_write.c).
 */
int fg_store_cache_limit(fg_store *st, int kib);

/*
 * Inside the run's transaction: write the dirty pages of the page cache to
 * the WAL now (uncommitted frames, as a cache spill writes them) and free
 * the cache's clean pages, so the commit has less left to write and the
 * cache's memory is free while the run goes on.  FG_OK or FG_EDB.
 */
int fg_store_cache_release(fg_store *st);

/*
 * The write-out thread (fg_store_flush.c): from start to stop, every 20 ms,
 * the kernel is asked to start writing the dirty pages of the database file
 * at path and of its WAL, so that the commit's and the checkpoint's fsyncs
 * find less to write.  No byte and no guarantee changes.  Start gives FG_OK
 * and NULL where no thread can be started (the fsyncs then do it all, as
 * before), FG_ENOMEM else; stop joins and frees, NULL a no-op.
 */
typedef struct fg_store_flusher fg_store_flusher;
int fg_store_flusher_start(fg_store_flusher **out, const char *path);
void fg_store_flusher_stop(fg_store_flusher **f);

/*
 * Create the secondary indexes (after the bulk load, as a fast load wants),
 * IF NOT EXISTS.  Called by the run before commit.
 */
int fg_store_build_indexes(fg_store *st);

/*
 * The same for one table's indexes only (fg_schema_indexes), as soon as
 * the run has written that table, or before it writes a table whose index
 * holds few of its rows: the run builds them beside its kernels instead of
 * at its end (engine/fg_run_write.c).  FG_EUSAGE for a table without any.
 */
int fg_store_build_indexes_on(fg_store *st, const char *table);

/* The newest committed run with status 'ok', or 0 if none (FG_OK either way). */
int fg_store_latest_run(fg_store *st, int64_t *run_id);

/*
 * Like fg_store_open, with an explicit migration list (fg_schema.h): the
 * schema version of this open is migrations[n - 1].version.  fg_store_open
 * passes this build's list; tests pass a longer one to show that an old
 * database is migrated.  migrations[i].version must be i + 1.
 */
struct fg_schema_migration;
int fg_store_open_schema(fg_store **out, const char *path, fg_store_mode mode,
                         const struct fg_schema_migration *migrations, int n);

/* The schema version of the open database (PRAGMA user_version). */
int fg_store_schema_version(fg_store *st, int *out);

/*
 * Ring tracking across runs.
 *
 * fg_store_prev_ring_members calls fn(ctx, ring_id, ring_key, user_id) for
 * every user of every ring of run prev_run_id (user_scores joined with rings
 * on ring_id), ordered by ring_id then user_id (byte order), so the caller
 * sees each ring's members contiguously and deterministically.  Rings of one
 * user are included (the caller filters by size).  The strings are valid only
 * during the call.  fn returns 0 to go on; a nonzero return stops the scan and
 * is returned.  Use fg_store_latest_run for prev_run_id: inside an open run
 * it is the previous committed run (the current one is still 'running').
 * Returns FG_OK (also when the run has no rings), FG_EDB.
 */
typedef int (*fg_store_ring_member_fn)(void *ctx, int64_t ring_id, const char *ring_key,
                                       const char *user_id);
int fg_store_prev_ring_members(fg_store *st, int64_t prev_run_id, fg_store_ring_member_fn fn,
                               void *ctx);

/*
 * *out = the largest ring key number ever committed (or written in the open
 * run), 0 if none: new rings take keys *out + 1, *out + 2, ...  Kept in
 * store_meta as well as read from rings, so keys are never reused after
 * retention deleted the rings that held them.  Ring keys are
 * fg_store_format_ring_key(n): "R" followed by n in at least 6 digits.
 */
int fg_store_max_ring_key(fg_store *st, int64_t *out);

/* Write "R%06lld" of n (n >= 0) into out (cap >= 24); returns out. */
char *fg_store_format_ring_key(char *out, size_t cap, int64_t n);

/*
 * The volume of committed run run_id: its n_links and n_users (0 when NULL).
 * FG_ENOTFOUND if there is no such committed run, FG_EDB.
 */
int fg_store_run_volume(fg_store *st, int64_t run_id, int64_t *n_links, int64_t *n_users);

/* The run open on st (0 if none). */
int64_t fg_store_current_run(const fg_store *st);

/*
 * The model file (models.model_file) of committed run run_id, or of the
 * latest committed run with a model when run_id is 0; *run_out (may be NULL)
 * gets its run.  *out (fg_free) holds *len bytes.  FG_ENOTFOUND when none.
 */
int fg_store_model_file(fg_store *st, int64_t run_id, int64_t *run_out, char **out, size_t *len);

#endif
