/*
 * fg_store: the results database (contract in fg_store.h, schema in
 * fg_schema.c, columns documented in docs/schema.md).
 *
 * Connection settings (writer):
 *   journal_mode=WAL      readers see the last committed run while a run writes;
 *   synchronous=FULL      the WAL is fsynced at COMMIT, so a run reported 'ok'
 *                         survives a power loss.  A run is one transaction, so
 *                         this costs one fsync per night: NORMAL would save
 *                         nothing worth the risk of losing the last run;
 *   journal_size_limit    the WAL of a large run is truncated to 64 MiB after
 *                         its checkpoint instead of staying at GBs on disk;
 *   busy_timeout=0        a second writer fails at once with FG_EBUSY instead
 *                         of waiting behind a run that takes minutes;
 *   foreign_keys=OFF      no foreign keys are declared; retention deletes by
 *                         run_id in every table that has the column.
 * Readers open SQLITE_OPEN_READONLY with a short busy timeout (WAL readers
 * never wait for the writer; the timeout only covers WAL recovery).
 *
 * page_size=16384        set on a new file before its first table (and before
 *                         WAL mode): a run is hundreds of MB of new pages, and
 *                         each WAL frame is one write call; commit of the 200 k
 *                         world 0.19 s (4 KiB) -> 0.11 s (16 KiB) -> 0.04 s
 *                         (64 KiB), at 2 M users 1.19 / 1.16 / 0.98 s (noisy,
 *                         loaded box); 64 KiB made the inserts of later runs
 *                         into the middle of index pages 10% costlier.
 *
 * Bulk load: rows are buffered (values plus a text arena) and flushed with one
 * prepared multi-row INSERT of R rows (R = min(256, 32766 / ncols)), text
 * bound SQLITE_STATIC from the arena; the remainder uses a shorter statement
 * prepared once at the end.  Bindings survive sqlite3_reset, so a number or
 * NULL equal to the one already bound at that parameter of the full
 * statement is not bound again (run_id, zero degrees, NULL seeds: most of a
 * user_features row): bind calls fell from 35% to 10% of its load.
 * Measured (CPU time, 1 M user_scores rows of 12 columns, one transaction,
 * fresh file): 16 rows/statement 0.74 M rows/s, 64: 0.97 M, 256: 1.06 M,
 * 1024: 1.09 M, 4096: 0.98 M.  Rows in primary-key order load about 4x faster
 * than rows in random user order (B-tree inserts at random leaves);
 * temp_store=MEMORY keeps the statement journal of each multi-row INSERT off
 * the disk (it cost 1.3 M pwrite calls per 300 k rows).  SQLite's memory
 * statistics are switched off (see fg_store_open_schema).  No writes ever
 * happen outside a run transaction (except schema migration, in its own
 * transaction).
 *
 * Thread-safety: one thread at a time per fg_store (the run's write-back hands
 * it to a writer thread and back: engine/fg_run_write.c).
 */
#include "fg_store.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_schema.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_WRITTEN 32
#define FG_STORE_CACHE_KIB 131072 /* the writer's page cache: 128 MiB */

/*
 * Invariants: db is open; run_id > 0 exactly while a run transaction is open
 * (BEGIN IMMEDIATE done, runs row inserted); mode READ never opens a run.
 * written[0..n_written): rows bulk-inserted per table in the open run, for
 * the planner statistics of the commit (a table past MAX_WRITTEN or with a
 * longer name is not counted and keeps its previous statistics).
 */
struct fg_store {
	sqlite3 *db;
	char *path;
	fg_store_mode mode;
	int64_t run_id;
	struct {
		char table[48];
		int64_t rows;
	} written[MAX_WRITTEN];
	int n_written;
};

#define BULK_MAX_ROWS 256
#define BULK_MAX_VARS 32766

enum { V_NULL, V_INT, V_DOUBLE, V_TEXT, V_NONE };

typedef struct bulk_val {
	int type;
	int len; /* V_TEXT: bytes */
	union {
		int64_t i;
		double d;
		size_t off; /* V_TEXT: offset in the arena */
	} u;
} bulk_val;

/*
 * Invariants: vals holds nrows complete rows plus col values of the row being
 * built; nrows < rows_per_stmt between calls; err is the first error, after
 * which appends are ignored.
 */
struct fg_bulk {
	fg_store *st;
	char *table;
	int64_t *written; /* the store's row count of this table, or NULL */
	char *insert_head; /* "INSERT INTO "t" ("a","b") VALUES " */
	int ncols;
	int rows_per_stmt;
	sqlite3_stmt *full;
	bulk_val *vals;
	bulk_val *bound; /* what full holds bound, per parameter (type V_NONE: nothing yet) */
	int nrows;
	int col;
	char *arena;
	size_t arena_len, arena_cap;
	int err;
};

static int db_error(sqlite3 *db, const char *path, const char *what)
{
	int rc = sqlite3_errcode(db);

	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return fg_error_set(FG_EBUSY,
		                    "%s is being written by another fraudgraph run (pid unknown); "
		                    "try again later",
		                    path);
	if (rc == SQLITE_NOMEM)
		return fg_error_set(FG_ENOMEM, "%s: out of memory (%s)", path, what);
	if (rc == SQLITE_IOERR || rc == SQLITE_FULL) {
		int e = sqlite3_system_errno(db), x = sqlite3_extended_errcode(db);
		if (e == EFBIG || e == ENOSPC || rc == SQLITE_FULL || x == SQLITE_IOERR_WRITE ||
		    x == SQLITE_IOERR_FSYNC || x == SQLITE_IOERR_TRUNCATE)
			return fg_error_set(FG_EIO, "%s: %s: %s (%s)", path, what, sqlite3_errmsg(db),
			                    e == EFBIG ? "file too large: the file size limit (ulimit -f) is reached"
			                    : e == ENOSPC ? "no space left on the device"
			                    : "a write failed: disk full or file size limit reached?");
	}
	if (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_CANTOPEN ||
	    rc == SQLITE_READONLY || rc == SQLITE_PERM)
		return fg_error_set(FG_EIO, "%s: %s: %s", path, what, sqlite3_errmsg(db));
	return fg_error_set(FG_EDB, "%s: %s: %s", path, what, sqlite3_errmsg(db));
}

static int exec(fg_store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(st->db, st->path, what);
	return FG_OK;
}

/* One integer from a single-row query; *out = 0 if no row or NULL. */
static int query_int(fg_store *st, int64_t *out, const char *sql, int64_t arg, bool has_arg)
{
	sqlite3_stmt *s = NULL;
	int rc = FG_OK, src;

	*out = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare");
		goto cleanup;
	}
	if (has_arg)
		sqlite3_bind_int64(s, 1, arg);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (src != SQLITE_DONE)
		rc = db_error(st->db, st->path, "query");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

/* The open run's row count of table (added if new and add), or NULL. */
static int64_t *written_count(fg_store *st, const char *table, bool add)
{
	int i;

	for (i = 0; i < st->n_written; i++)
		if (strcmp(st->written[i].table, table) == 0)
			return &st->written[i].rows;
	if (!add || i == MAX_WRITTEN || strlen(table) >= sizeof(st->written[i].table))
		return NULL;
	strcpy(st->written[i].table, table);
	st->written[i].rows = 0;
	st->n_written++;
	return &st->written[i].rows;
}

/*
 * application_id, user_version and the number of schema objects from one
 * snapshot: read one by one, another process creating the file between two
 * of the reads looks like a foreign database (id 0 with tables).
 */
static int read_ids(fg_store *st, int64_t *app_id, int64_t *uv, int64_t *nobj)
{
	int rc;
	bool tx = sqlite3_get_autocommit(st->db) != 0;

	if (tx && (rc = exec(st, "BEGIN", "read the schema version")) != FG_OK)
		return rc;
	if ((rc = query_int(st, app_id, "PRAGMA application_id", 0, false)) == FG_OK &&
	    (rc = query_int(st, uv, "PRAGMA user_version", 0, false)) == FG_OK)
		rc = query_int(st, nobj, "SELECT count(*) FROM sqlite_master", 0, false);
	if (tx)
		sqlite3_exec(st->db, rc == FG_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* After another connection migrated: the version it left must be ours. */
static int check_version(fg_store *st, int64_t uv, int target)
{
	if (uv > target)
		return fg_error_set(FG_EDB, "%s has schema version %" PRId64 ", newer than this "
		                    "fraudgraph's %d; use a newer fraudgraph", st->path, uv, target);
	return FG_OK;
}

static int write_stats(fg_store *st, bool seed);

/* Apply migrations above the current user_version, in one transaction. */
static int migrate(fg_store *st, const fg_schema_migration *migs, int n)
{
	int64_t app_id, uv, nobj;
	int target = migs[n - 1].version;
	int rc, i;
	bool in_tx = false;

	/*
	 * Two first runs on a new file both find it unmigrated: one migrates, and
	 * the other must neither fail nor wait for the first one's whole run (it
	 * then fails at once at fg_store_run_begin, exit 6, as documented).  So
	 * the write lock is tried without waiting, and while another connection
	 * holds it the version is re-read (a WAL read does not block) until the
	 * other migration shows, for up to 5 s.
	 */
	sqlite3_busy_timeout(st->db, 0);
	for (int tries = 0;; tries++) {
		struct timespec d = { 0, 10 * 1000 * 1000 };

		if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
			break;
		if (sqlite3_errcode(st->db) != SQLITE_BUSY || tries >= 500)
			return db_error(st->db, st->path, "schema migration");
		if ((rc = query_int(st, &uv, "PRAGMA user_version", 0, false)) != FG_OK)
			return rc;
		if (uv >= target)
			return check_version(st, uv, target);
		nanosleep(&d, NULL);
	}
	in_tx = true;
	/* Re-read under the write lock: another process may have migrated. */
	if ((rc = query_int(st, &app_id, "PRAGMA application_id", 0, false)) ||
	    (rc = query_int(st, &uv, "PRAGMA user_version", 0, false)) ||
	    (rc = query_int(st, &nobj, "SELECT count(*) FROM sqlite_master", 0, false)))
		goto cleanup;
	if (app_id == 0 && uv == 0 && nobj == 0) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", FG_SCHEMA_APPLICATION_ID);
		if ((rc = exec(st, sql, "set application_id")) != FG_OK)
			goto cleanup;
	} else if (app_id != FG_SCHEMA_APPLICATION_ID) {
		rc = fg_error_set(FG_EDB, "%s is not a fraudgraph database (application_id %" PRId64
		                  "); refusing to add tables to it", st->path, app_id);
		goto cleanup;
	}
	if (uv > target) {
		rc = fg_error_set(FG_EDB, "%s has schema version %" PRId64 ", newer than this "
		                  "fraudgraph's %d; use a newer fraudgraph", st->path, uv, target);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		char sql[64];

		assert(migs[i].version == i + 1);
		if (migs[i].version <= uv)
			continue;
		if (sqlite3_exec(st->db, migs[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
			rc = fg_error_set(FG_EDB, "%s: migration to schema version %d failed: %s",
			                  st->path, migs[i].version, sqlite3_errmsg(st->db));
			goto cleanup;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", migs[i].version);
		if ((rc = exec(st, sql, "set user_version")) != FG_OK)
			goto cleanup;
	}
	/*
	 * A step may rebuild a table, and its indexes go with it.  A database
	 * with runs gets them back at once, so readers keep their plans; a new
	 * one gets them after its first run's load (fg_store_build_indexes).
	 */
	if (uv > 0 && (rc = exec(st, fg_schema_indexes_sql, "rebuild the indexes")) != FG_OK)
		goto cleanup;
	if ((rc = write_stats(st, true)) != FG_OK)
		goto cleanup;
	rc = exec(st, "COMMIT", "commit schema migration");
	in_tx = rc != FG_OK;
cleanup:
	if (in_tx)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* READ and WRITE: check application_id and user_version; WRITE migrates. */
static int check_schema(fg_store *st, const fg_schema_migration *migs, int n)
{
	int64_t app_id, uv, nobj;
	int target = migs[n - 1].version;
	int rc;

	if ((rc = read_ids(st, &app_id, &uv, &nobj)) != FG_OK)
		return rc;
	if (app_id != FG_SCHEMA_APPLICATION_ID && !(app_id == 0 && uv == 0 && nobj == 0))
		return fg_error_set(FG_EDB, "%s is not a fraudgraph database (application_id %" PRId64
		                    "); refusing to %s it", st->path, app_id,
		                    st->mode == FG_STORE_WRITE ? "add tables to" : "read");
	if (uv > target)
		return fg_error_set(FG_EDB, "%s has schema version %" PRId64 ", newer than this "
		                    "fraudgraph's %d; use a newer fraudgraph", st->path, uv, target);
	if (uv == target)
		return FG_OK;
	if (st->mode == FG_STORE_READ) {
		if (app_id == 0)
			return fg_error_set(FG_EDB, "%s is an empty database, not a fraudgraph "
			                    "database", st->path);
		return fg_error_set(FG_EDB, "%s has schema version %" PRId64 ", older than this "
		                    "fraudgraph's %d; the next `fraudgraph run` migrates it",
		                    st->path, uv, target);
	}
	return migrate(st, migs, n);
}

int fg_store_open_schema(fg_store **out, const char *path, fg_store_mode mode,
                         const fg_schema_migration *migrations, int n)
{
	fg_store *st = NULL;
	struct stat sb;
	int rc = FG_OK, flags;

	assert(out && path && migrations && n > 0);
	*out = NULL;
	if (!(st = fg_calloc(1, sizeof(*st))) || !(st->path = fg_strndup(path, strlen(path)))) {
		rc = fg_error_set(FG_ENOMEM, "%s: out of memory opening the database", path);
		goto cleanup;
	}
	st->mode = mode;
	if (mode == FG_STORE_READ) {
		if (stat(path, &sb) != 0) {
			rc = errno == ENOENT
				? fg_error_set(FG_ENOTFOUND, "%s: no such results database", path)
				: fg_error_set(FG_EIO, "%s: %s", path, strerror(errno));
			goto cleanup;
		}
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	} else {
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	}
	/*
	 * No memory statistics: with them every sqlite3_malloc takes a global
	 * mutex (about 7% of the bulk load).  Process-wide and only possible
	 * before SQLite initialises; later calls fail harmlessly (SQLITE_MISUSE).
	 * Nothing here uses sqlite3_memory_used or a soft heap limit.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		if (!st->db) {
			rc = fg_error_set(FG_ENOMEM, "%s: out of memory opening the database", path);
		} else {
			rc = fg_error_set(FG_EIO, "%s: cannot open the results database (is its "
			                  "directory missing or not writable?): %s",
			                  path, sqlite3_errmsg(st->db));
		}
		goto cleanup;
	}
	sqlite3_extended_result_codes(st->db, 0);
	if (mode == FG_STORE_READ) {
		sqlite3_busy_timeout(st->db, 5000);
		if ((rc = check_schema(st, migrations, n)) != FG_OK)
			goto cleanup;
	} else {
		int64_t app_id, nobj, uv0;

		/*
		 * Setting up (journal mode, schema) waits a moment for another
		 * process doing the same on a new file; the run's own lock
		 * (fg_store_run_begin) never waits.
		 */
		sqlite3_busy_timeout(st->db, 5000);
		/*
		 * Persistent WAL: closing checkpoints and truncates the -wal but keeps
		 * it and the -shm, owned by the writer's account.  Otherwise the last
		 * close deletes them and the next reader, in WAL mode, creates them
		 * itself: owned by the analyst's account, they stop every later run
		 * ("attempt to write a readonly database"), and a reader that may not
		 * write the directory cannot read at all.  With the files present a
		 * reader of another account opens them read-only (SQLite >= 3.22) and
		 * creates nothing (fg_results.h).
		 */
		{
			int persist = 1;
			sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		}
		/* SQLite silently opens a file it may not write read-only. */
		if (sqlite3_db_readonly(st->db, "main") == 1) {
			rc = fg_error_set(FG_EIO, "%s: the results database is not writable", path);
			goto cleanup;
		}
		/* Refuse a foreign file before changing anything in it (journal mode). */
		if ((rc = read_ids(st, &app_id, &uv0, &nobj)) != FG_OK)
			goto cleanup;
		if (app_id != FG_SCHEMA_APPLICATION_ID && !(app_id == 0 && nobj == 0)) {
			rc = fg_error_set(FG_EDB, "%s is not a fraudgraph database (application_id "
			                  "%" PRId64 "); refusing to add tables to it", path, app_id);
			goto cleanup;
		}
		/* Page size only takes on a file without tables, before WAL mode. */
		if (nobj == 0 && (rc = exec(st, "PRAGMA page_size = 16384", "set page_size")))
			goto cleanup;
		if ((rc = exec(st, "PRAGMA journal_mode = WAL", "set WAL mode")) ||
		    (rc = exec(st, "PRAGMA synchronous = FULL", "set synchronous")) ||
		    (rc = exec(st, "PRAGMA foreign_keys = OFF", "set foreign_keys")) ||
		    (rc = exec(st, "PRAGMA journal_size_limit = 67108864", "set journal_size_limit")) ||
		    /* 128 MiB page cache: a night's load spills dirty pages to the WAL beyond it */
		    (rc = fg_store_cache_limit(st, 0)) ||
		    (rc = exec(st, "PRAGMA temp_store = MEMORY", "set temp_store")))
			goto cleanup;
		if ((rc = check_schema(st, migrations, n)) != FG_OK)
			goto cleanup;
		sqlite3_busy_timeout(st->db, 0);
	}
	*out = st;
	st = NULL;
cleanup:
	fg_store_close(&st);
	return rc;
}

int fg_store_open(fg_store **out, const char *path, fg_store_mode mode)
{
	return fg_store_open_schema(out, path, mode, fg_schema_migrations, fg_schema_n_migrations);
}

void fg_store_close(fg_store **pst)
{
	fg_store *st;

	if (!pst || !*pst)
		return;
	st = *pst;
	if (st->db) {
		if (st->run_id > 0 || !sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close_v2(st->db);
	}
	fg_free(st->path);
	fg_free(st);
	*pst = NULL;
}

sqlite3 *fg_store_db(fg_store *st)
{
	return st->db;
}

int64_t fg_store_current_run(const fg_store *st)
{
	return st->run_id;
}

int fg_store_schema_version(fg_store *st, int *out)
{
	int64_t v;
	int rc = query_int(st, &v, "PRAGMA user_version", 0, false);

	*out = (int)v;
	return rc;
}

int fg_store_run_begin(fg_store *st, int64_t *run_id, const char *params_json, int threads)
{
	sqlite3_stmt *s = NULL;
	int rc;

	assert(st && run_id);
	*run_id = 0;
	if (st->mode != FG_STORE_WRITE)
		return fg_error_set(FG_EUSAGE, "%s: opened read-only, cannot start a run", st->path);
	if (st->run_id > 0)
		return fg_error_set(FG_EUSAGE, "%s: run %" PRId64 " is already open", st->path,
		                    st->run_id);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		int code = sqlite3_errcode(st->db);

		if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
			return fg_error_set(FG_EBUSY, "%s is being written by another fraudgraph run "
			                    "(pid unknown); try again later", st->path);
		return db_error(st->db, st->path, "begin the run");
	}
	if (sqlite3_prepare_v2(st->db,
	                       "INSERT INTO runs (started_at, status, version, params, threads) "
	                       "VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'running', ?1, ?2, ?3)",
	                       -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare the runs row");
		goto cleanup;
	}
	sqlite3_bind_text(s, 1, FG_VERSION, -1, SQLITE_STATIC);
	if (params_json)
		sqlite3_bind_text(s, 2, params_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, threads);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_error(st->db, st->path, "insert the runs row");
		goto cleanup;
	}
	st->run_id = sqlite3_last_insert_rowid(st->db);
	st->n_written = 0;
	*run_id = st->run_id;
	rc = FG_OK;
cleanup:
	sqlite3_finalize(s);
	if (rc != FG_OK)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int run_set(fg_store *st, const char *column, int type, int64_t i, double d,
                   const char *t)
{
	sqlite3_stmt *s = NULL;
	char sql[128];
	int rc = FG_OK, k;

	assert(st && column);
	if (st->run_id <= 0)
		return fg_error_set(FG_EUSAGE, "%s: no run open to set %s", st->path, column);
	for (k = 0; fg_schema_runs_settable[k]; k++)
		if (strcmp(fg_schema_runs_settable[k], column) == 0)
			break;
	if (!fg_schema_runs_settable[k]) {
		char q[64];

		return fg_error_set(FG_EUSAGE, "runs has no settable column \"%s\"",
		                    fg_error_quote(q, sizeof(q), column, strlen(column)));
	}
	/* column is one of the fixed names above, safe to paste. */
	snprintf(sql, sizeof(sql), "UPDATE runs SET %s = ?1 WHERE run_id = ?2",
	         fg_schema_runs_settable[k]);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare runs update");
		goto cleanup;
	}
	if (type == V_INT)
		sqlite3_bind_int64(s, 1, i);
	else if (type == V_DOUBLE)
		sqlite3_bind_double(s, 1, d);
	else if (t)
		sqlite3_bind_text(s, 1, t, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, st->run_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_error(st->db, st->path, "update runs");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

int fg_store_run_set_int(fg_store *st, const char *column, int64_t v)
{
	return run_set(st, column, V_INT, v, 0, NULL);
}

int fg_store_run_set_double(fg_store *st, const char *column, double v)
{
	return run_set(st, column, V_DOUBLE, 0, v, NULL);
}

int fg_store_run_set_text(fg_store *st, const char *column, const char *v)
{
	return run_set(st, column, V_TEXT, 0, 0, v);
}

/* Delete every row of runs older than the newest keep_runs committed ones. */
static int retention(fg_store *st, int keep_runs)
{
	sqlite3_stmt *tables = NULL, *del = NULL;
	int64_t cutoff;
	int rc, src;

	rc = query_int(st, &cutoff,
	               "SELECT run_id FROM runs WHERE status = 'ok' ORDER BY run_id DESC "
	               "LIMIT 1 OFFSET ?1",
	               keep_runs - 1, true);
	if (rc != FG_OK || cutoff <= 0)
		return rc;
	/* Every table with a run_id column, runs last, so new tables are covered. */
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' "
	                       "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p "
	                       "WHERE p.name = 'run_id') ORDER BY m.name = 'runs', m.name",
	                       -1, &tables, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "list tables for retention");
		goto cleanup;
	}
	while ((src = sqlite3_step(tables)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		char *sql = sqlite3_mprintf("DELETE FROM \"%w\" WHERE run_id < ?1", name);

		if (!sql) {
			rc = fg_error_set(FG_ENOMEM, "%s: out of memory in retention", st->path);
			goto cleanup;
		}
		src = sqlite3_prepare_v2(st->db, sql, -1, &del, NULL);
		sqlite3_free(sql);
		if (src != SQLITE_OK) {
			rc = db_error(st->db, st->path, "prepare retention");
			goto cleanup;
		}
		sqlite3_bind_int64(del, 1, cutoff);
		if (sqlite3_step(del) != SQLITE_DONE) {
			rc = db_error(st->db, st->path, "retention");
			goto cleanup;
		}
		sqlite3_finalize(del);
		del = NULL;
	}
	if (src != SQLITE_DONE)
		rc = db_error(st->db, st->path, "list tables for retention");
cleanup:
	sqlite3_finalize(del);
	sqlite3_finalize(tables);
	return rc;
}

/* Rows of the open run in the partial index e, or -1 if the index is missing. */
static int partial_rows(fg_store *st, const fg_schema_stat *e, int64_t *out)
{
	char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\" INDEXED BY \"%w\" "
	                            "WHERE run_id = ?1 AND (%s)", e->table, e->index, e->where);
	sqlite3_stmt *s = NULL;
	int rc = FG_OK;

	*out = -1;
	if (!sql)
		return fg_error_set(FG_ENOMEM, "%s: out of memory for statistics", st->path);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, st->run_id);
		if (sqlite3_step(s) == SQLITE_ROW)
			*out = sqlite3_column_int64(s, 0);
		else
			rc = db_error(st->db, st->path, "count for statistics");
	} else if (sqlite3_errcode(st->db) != SQLITE_ERROR) {
		/* SQLITE_ERROR: no such index (dropped by hand): no statistics for it */
		rc = db_error(st->db, st->path, "count for statistics");
	}
	sqlite3_finalize(s);
	sqlite3_free(sql);
	return rc;
}

/* Rows per run assumed by the statistics of a database no run has committed to yet. */
#define SEED_ROWS 1000000

/*
 * sqlite_stat1 for the planner (fg_schema_stats has why and the format).
 * At a commit (seed false): from the open run's row counts, so it costs no
 * scan; an index whose table got no row this run keeps its previous line.
 * Part of the run's transaction, like everything else.  After a migration
 * (seed true): a line of SEED_ROWS rows per run for every index without
 * one, so a new or migrated file is planned as a large one until its next
 * commit.
 */
static int write_stats(fg_store *st, bool seed)
{
	sqlite3_stmt *del = NULL, *ins = NULL, *have = NULL;
	int64_t k, has;
	int rc;

	if ((rc = query_int(st, &k, "SELECT count(*) FROM runs WHERE status = 'ok'", 0, false)) ||
	    (rc = query_int(st, &has, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'",
	                    0, false)))
		return rc;
	if (!has && (rc = exec(st, "ANALYZE sqlite_master", "create sqlite_stat1")) != FG_OK)
		return rc;
	if (seed)
		k = 1;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM sqlite_stat1 WHERE tbl = ?1 AND idx IS ?2", -1,
	                       &del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_stat1 WHERE tbl = ?1 AND idx IS ?2", -1,
	                       &have, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?1, ?2, ?3)",
	                       -1, &ins, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare statistics");
		goto cleanup;
	}
	for (const fg_schema_stat *e = fg_schema_stats; e->table && rc == FG_OK; e++) {
		char stat[160];
		int64_t r = 0, *w;
		size_t len;

		if (seed) {
			bool exists;

			sqlite3_bind_text(have, 1, e->table, -1, SQLITE_STATIC);
			sqlite3_bind_text(have, 2, e->index, -1, SQLITE_STATIC);
			exists = sqlite3_step(have) == SQLITE_ROW;
			sqlite3_reset(have);
			if (exists)
				continue;
		}
		if (!e->index)
			rc = query_int(st, &r, "SELECT count(*) FROM runs", 0, false);
		else if (seed)
			r = SEED_ROWS;
		else if (e->where)
			rc = partial_rows(st, e, &r);
		else if ((w = written_count(st, e->table, false)))
			r = *w;
		if (rc != FG_OK || r <= 0)
			continue;
		len = (size_t)snprintf(stat, sizeof(stat), "%" PRId64, e->index ? r * (k > 0 ? k : 1) : r);
		if (e->index)
			len += (size_t)snprintf(stat + len, sizeof(stat) - len, " %" PRId64, r);
		for (const char *p = e->rest; p && *p && len < sizeof(stat);) {
			char *end;
			long long n = strtoll(p, &end, 10);

			if (end == p)
				break;
			len += (size_t)snprintf(stat + len, sizeof(stat) - len, " %lld", n < r ? n : (long long)r);
			p = end;
		}
		sqlite3_bind_text(del, 1, e->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(del, 2, e->index, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 1, e->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, e->index, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, stat, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(del) != SQLITE_DONE || sqlite3_step(ins) != SQLITE_DONE)
			rc = db_error(st->db, st->path, "write statistics");
		sqlite3_reset(del);
		sqlite3_reset(ins);
	}
cleanup:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	sqlite3_finalize(have);
	return rc;
}

int fg_store_run_commit(fg_store *st, int keep_runs)
{
	sqlite3_stmt *s = NULL;
	int rc;

	assert(st);
	if (st->run_id <= 0)
		return fg_error_set(FG_EUSAGE, "%s: no run open to commit", st->path);
	if (sqlite3_prepare_v2(st->db,
	                       "UPDATE runs SET status = 'ok', "
	                       "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
	                       "WHERE run_id = ?1",
	                       -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare commit");
		goto cleanup;
	}
	sqlite3_bind_int64(s, 1, st->run_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_error(st->db, st->path, "mark the run ok");
		goto cleanup;
	}
	sqlite3_finalize(s);
	s = NULL;
	/* Remember the largest ring key before retention can delete it. */
	if (sqlite3_prepare_v2(st->db,
	                       "UPDATE store_meta SET value = max(value, coalesce((SELECT "
	                       "max(CAST(substr(ring_key, 2) AS INTEGER)) FROM rings "
	                       "WHERE run_id = ?1), 0)) WHERE name = 'max_ring_key'",
	                       -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare ring key update");
		goto cleanup;
	}
	sqlite3_bind_int64(s, 1, st->run_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = db_error(st->db, st->path, "update ring keys");
		goto cleanup;
	}
	if (keep_runs > 0 && (rc = retention(st, keep_runs)) != FG_OK)
		goto cleanup;
	if ((rc = write_stats(st, false)) != FG_OK)
		goto cleanup;
	fg_fault_point("store_before_commit");
	if ((rc = exec(st, "COMMIT", "commit the run")) != FG_OK)
		goto cleanup;
	st->run_id = 0;
cleanup:
	sqlite3_finalize(s);
	if (rc != FG_OK && st->run_id > 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		st->run_id = 0;
	}
	return rc;
}

int fg_store_run_rollback(fg_store *st)
{
	assert(st);
	if (st->run_id <= 0)
		return FG_OK;
	st->run_id = 0;
	if (sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK &&
	    !sqlite3_get_autocommit(st->db))
		return db_error(st->db, st->path, "roll back the run");
	return FG_OK;
}

static bool is_ident(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* "INSERT INTO t (cols) VALUES (?,?),(?,?)..." for nrows rows. */
static char *insert_sql(const fg_bulk *b, int nrows)
{
	size_t head = strlen(b->insert_head);
	size_t row = (size_t)b->ncols * 2 + 2; /* "(?,?)," */
	size_t cap = head + row * (size_t)nrows + 1, len = head;
	char *sql = fg_malloc(cap);
	int r, c;

	if (!sql)
		return NULL;
	memcpy(sql, b->insert_head, head);
	for (r = 0; r < nrows; r++) {
		if (r)
			sql[len++] = ',';
		sql[len++] = '(';
		for (c = 0; c < b->ncols; c++) {
			if (c)
				sql[len++] = ',';
			sql[len++] = '?';
		}
		sql[len++] = ')';
	}
	sql[len] = '\0';
	return sql;
}

int fg_store_bulk_begin(fg_bulk **out, fg_store *st, const char *table,
                        const char *const *columns, int ncols)
{
	fg_bulk *b = NULL;
	char *sql = NULL;
	size_t cap, len;
	int rc = FG_OK, c;

	assert(out && st && table && columns && ncols > 0);
	*out = NULL;
	if (st->run_id <= 0)
		return fg_error_set(FG_EUSAGE, "%s: bulk insert into %s outside a run", st->path,
		                    table);
	if (!is_ident(table))
		return fg_error_set(FG_EUSAGE, "bad table name for bulk insert");
	cap = strlen(table) + 32;
	for (c = 0; c < ncols; c++) {
		if (!is_ident(columns[c]))
			return fg_error_set(FG_EUSAGE, "bad column name for bulk insert into %s", table);
		cap += strlen(columns[c]) + 3;
	}
	if (!(b = fg_calloc(1, sizeof(*b)))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for bulk insert into %s", table);
		goto cleanup;
	}
	b->st = st;
	b->ncols = ncols;
	b->rows_per_stmt = BULK_MAX_VARS / ncols;
	if (b->rows_per_stmt > BULK_MAX_ROWS)
		b->rows_per_stmt = BULK_MAX_ROWS;
	if (b->rows_per_stmt > sqlite3_limit(st->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1) / ncols)
		b->rows_per_stmt = sqlite3_limit(st->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1) / ncols;
	if (b->rows_per_stmt < 1) {
		rc = fg_error_set(FG_EUSAGE, "bulk insert into %s: too many columns (%d)", table,
		                  ncols);
		goto cleanup;
	}
	b->table = fg_strndup(table, strlen(table));
	b->written = written_count(st, table, true);
	b->insert_head = fg_malloc(cap);
	b->vals = fg_mallocarray((size_t)b->rows_per_stmt * (size_t)ncols, sizeof(*b->vals));
	b->bound = fg_mallocarray((size_t)b->rows_per_stmt * (size_t)ncols, sizeof(*b->bound));
	b->arena_cap = 4096;
	b->arena = fg_malloc(b->arena_cap);
	if (!b->table || !b->insert_head || !b->vals || !b->bound || !b->arena) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for bulk insert into %s", table);
		goto cleanup;
	}
	for (size_t k = 0; k < (size_t)b->rows_per_stmt * (size_t)ncols; k++)
		b->bound[k].type = V_NONE;
	len = (size_t)snprintf(b->insert_head, cap, "INSERT INTO \"%s\" (", table);
	for (c = 0; c < ncols; c++)
		len += (size_t)snprintf(b->insert_head + len, cap - len, "%s\"%s\"", c ? "," : "",
		                        columns[c]);
	snprintf(b->insert_head + len, cap - len, ") VALUES ");
	if (!(sql = insert_sql(b, b->rows_per_stmt))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for bulk insert into %s", table);
		goto cleanup;
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, &b->full, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, table);
		goto cleanup;
	}
	*out = b;
	b = NULL;
cleanup:
	fg_free(sql);
	if (b) {
		b->err = FG_ERROR; /* nothing buffered: end only frees */
		fg_store_bulk_end(&b);
	}
	return rc;
}

static bulk_val *next_val(fg_bulk *b)
{
	if (b->err)
		return NULL;
	if (b->col >= b->ncols) {
		b->err = fg_error_set(FG_EUSAGE, "bulk insert into %s: more than %d values in a row",
		                      b->table, b->ncols);
		return NULL;
	}
	return &b->vals[(size_t)b->nrows * (size_t)b->ncols + (size_t)b->col++];
}

void fg_bulk_int(fg_bulk *b, int64_t v)
{
	bulk_val *x = next_val(b);

	if (x) {
		x->type = V_INT;
		x->u.i = v;
	}
}

void fg_bulk_double(fg_bulk *b, double v)
{
	bulk_val *x = next_val(b);

	if (x) {
		x->type = V_DOUBLE;
		x->u.d = v;
	}
}

void fg_bulk_null(fg_bulk *b)
{
	bulk_val *x = next_val(b);

	if (x)
		x->type = V_NULL;
}

void fg_bulk_text(fg_bulk *b, const char *v)
{
	bulk_val *x;
	size_t n;

	if (!v) {
		fg_bulk_null(b);
		return;
	}
	if (!(x = next_val(b)))
		return;
	n = strlen(v);
	if (n > INT32_MAX) {
		b->err = fg_error_set(FG_EDATA, "bulk insert into %s: text value too long", b->table);
		return;
	}
	if (b->arena_len + n > b->arena_cap) {
		size_t cap = b->arena_cap * 2;
		char *p;

		while (cap < b->arena_len + n)
			cap *= 2;
		if (!(p = fg_realloc(b->arena, cap))) {
			b->err = fg_error_set(FG_ENOMEM, "out of memory for bulk insert into %s",
			                      b->table);
			return;
		}
		b->arena = p;
		b->arena_cap = cap;
	}
	memcpy(b->arena + b->arena_len, v, n);
	x->type = V_TEXT;
	x->len = (int)n;
	x->u.off = b->arena_len;
	b->arena_len += n;
}

/*
 * Bind the buffered rows to s (which has exactly nrows rows) and run it.
 * bound (NULL or one entry per parameter of s) mirrors what s holds: bindings
 * survive sqlite3_reset, so a number or NULL equal (bit for bit) to the one
 * already bound at that parameter is not bound again.  Most values of a
 * wide row repeat at the same position from one statement to the next
 * (run_id, zero degrees, NULL seeds), and a bind call costs more than the
 * compare.  Text is always bound (its arena bytes change between batches).
 */
static int flush(fg_bulk *b, sqlite3_stmt *s, bulk_val *bound)
{
	size_t k, nv = (size_t)b->nrows * (size_t)b->ncols;
	int rc = FG_OK;

	for (k = 0; k < nv; k++) {
		const bulk_val *x = &b->vals[k];
		int p = (int)k + 1;

		if (bound) {
			if (x->type != V_TEXT && bound[k].type == x->type &&
			    (x->type == V_NULL || bound[k].u.i == x->u.i))
				continue;
			bound[k] = *x;
		}
		switch (x->type) {
		case V_INT: sqlite3_bind_int64(s, p, x->u.i); break;
		case V_DOUBLE: sqlite3_bind_double(s, p, x->u.d); break;
		case V_TEXT:
			sqlite3_bind_text(s, p, b->arena + x->u.off, x->len, SQLITE_STATIC);
			break;
		default: sqlite3_bind_null(s, p); break;
		}
	}
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_error(b->st->db, b->st->path, b->table);
	else if (b->written)
		*b->written += b->nrows;
	sqlite3_reset(s);
	b->nrows = 0;
	b->arena_len = 0;
	return rc;
}

int fg_bulk_row(fg_bulk *b)
{
	if (b->err)
		return b->err;
	if (b->col != b->ncols)
		return b->err = fg_error_set(FG_EUSAGE, "bulk insert into %s: row of %d values, "
		                             "expected %d", b->table, b->col, b->ncols);
	b->col = 0;
	if (++b->nrows == b->rows_per_stmt)
		b->err = flush(b, b->full, b->bound);
	return b->err;
}

int fg_store_bulk_end(fg_bulk **pb)
{
	fg_bulk *b;
	sqlite3_stmt *s = NULL;
	char *sql = NULL;
	int rc;

	if (!pb || !*pb)
		return FG_OK;
	b = *pb;
	rc = b->err;
	if (rc == FG_OK && b->col != 0)
		rc = fg_error_set(FG_EUSAGE, "bulk insert into %s: last row incomplete", b->table);
	if (rc == FG_OK && b->nrows > 0) {
		if (!(sql = insert_sql(b, b->nrows)))
			rc = fg_error_set(FG_ENOMEM, "out of memory for bulk insert into %s", b->table);
		else if (sqlite3_prepare_v2(b->st->db, sql, -1, &s, NULL) != SQLITE_OK)
			rc = db_error(b->st->db, b->st->path, b->table);
		else
			rc = flush(b, s, NULL);
	}
	sqlite3_finalize(s);
	fg_free(sql);
	sqlite3_finalize(b->full);
	fg_free(b->table);
	fg_free(b->insert_head);
	fg_free(b->vals);
	fg_free(b->bound);
	fg_free(b->arena);
	fg_free(b);
	*pb = NULL;
	return rc;
}

int fg_store_cache_limit(fg_store *st, int kib)
{
	char sql[64];

	assert(st && kib >= 0);
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib ? kib : FG_STORE_CACHE_KIB);
	return exec(st, sql, "set cache_size");
}

int fg_store_cache_release(fg_store *st)
{
	assert(st);
	if (sqlite3_db_cacheflush(st->db) != SQLITE_OK)
		return db_error(st->db, st->path, "write the page cache");
	sqlite3_db_release_memory(st->db);
	return FG_OK;
}

int fg_store_build_indexes(fg_store *st)
{
	assert(st);
	if (st->run_id <= 0)
		return fg_error_set(FG_EUSAGE, "%s: build indexes outside a run", st->path);
	return exec(st, fg_schema_indexes_sql, "build indexes");
}

int fg_store_build_indexes_on(fg_store *st, const char *table)
{
	assert(st && table);
	if (st->run_id <= 0)
		return fg_error_set(FG_EUSAGE, "%s: build indexes outside a run", st->path);
	for (int i = 0; i < fg_schema_n_indexes; i++)
		if (strcmp(fg_schema_indexes[i].table, table) == 0)
			return exec(st, fg_schema_indexes[i].sql, "build indexes");
	return fg_error_set(FG_EUSAGE, "%s: no indexes on table %s", st->path, table);
}

int fg_store_latest_run(fg_store *st, int64_t *run_id)
{
	return query_int(st, run_id, "SELECT MAX(run_id) FROM runs WHERE status = 'ok'", 0, false);
}

int fg_store_model_file(fg_store *st, int64_t run_id, int64_t *run_out, char **out, size_t *len)
{
	sqlite3_stmt *s = NULL;
	int rc = FG_OK, src;

	assert(st && out && len);
	*out = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT m.run_id, m.model_file FROM models m JOIN runs r ON r.run_id = m.run_id "
	                       "WHERE r.status = 'ok' AND (?1 = 0 OR m.run_id = ?1) "
	                       "ORDER BY m.run_id DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare model read");
		goto cleanup;
	}
	sqlite3_bind_int64(s, 1, run_id);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 1);
		size_t n = (size_t)sqlite3_column_bytes(s, 1);
		if (run_out)
			*run_out = sqlite3_column_int64(s, 0);
		if (!t || !(*out = fg_strndup(t, n))) {
			rc = t ? fg_error_set(FG_ENOMEM, "%s: out of memory reading the model", st->path)
			       : fg_error_set(FG_ENOTFOUND, "%s: run %lld stored no model file", st->path,
			                      (long long)sqlite3_column_int64(s, 0));
			goto cleanup;
		}
		*len = n;
	} else if (src == SQLITE_DONE) {
		rc = run_id ? fg_error_set(FG_ENOTFOUND, "%s: run %lld has no model (not trained, or not a "
		                           "committed run)", st->path, (long long)run_id)
		            : fg_error_set(FG_ENOTFOUND, "%s: no committed run has a model", st->path);
	} else {
		rc = db_error(st->db, st->path, "read model");
	}
cleanup:
	sqlite3_finalize(s);
	return rc;
}

int fg_store_prev_ring_members(fg_store *st, int64_t prev_run_id, fg_store_ring_member_fn fn,
                               void *ctx)
{
	sqlite3_stmt *s = NULL;
	int rc = FG_OK, src;

	assert(st && fn);
	if (sqlite3_prepare_v2(st->db,
	                       "SELECT r.ring_id, r.ring_key, u.user_id FROM rings r "
	                       "JOIN user_scores u ON u.run_id = r.run_id AND u.ring_id = r.ring_id "
	                       "WHERE r.run_id = ?1 ORDER BY r.ring_id, u.user_id",
	                       -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare previous rings");
		goto cleanup;
	}
	sqlite3_bind_int64(s, 1, prev_run_id);
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		rc = fn(ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
		        (const char *)sqlite3_column_text(s, 2));
		if (rc != 0)
			goto cleanup;
	}
	if (src != SQLITE_DONE)
		rc = db_error(st->db, st->path, "read previous rings");
cleanup:
	sqlite3_finalize(s);
	return rc;
}

int fg_store_max_ring_key(fg_store *st, int64_t *out)
{
	return query_int(st, out,
	                 "SELECT max(coalesce((SELECT value FROM store_meta "
	                 "WHERE name = 'max_ring_key'), 0), coalesce((SELECT "
	                 "max(CAST(substr(ring_key, 2) AS INTEGER)) FROM rings), 0))",
	                 0, false);
}

char *fg_store_format_ring_key(char *out, size_t cap, int64_t n)
{
	snprintf(out, cap, "R%06" PRId64, n);
	return out;
}

int fg_store_run_volume(fg_store *st, int64_t run_id, int64_t *n_links, int64_t *n_users)
{
	sqlite3_stmt *s = NULL;
	int rc = FG_OK, src;

	*n_links = *n_users = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(n_links, 0), coalesce(n_users, 0) FROM runs "
	                       "WHERE run_id = ?1 AND status = 'ok'", -1, &s, NULL) != SQLITE_OK) {
		rc = db_error(st->db, st->path, "prepare");
		goto cleanup;
	}
	sqlite3_bind_int64(s, 1, run_id);
	src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		*n_links = sqlite3_column_int64(s, 0);
		*n_users = sqlite3_column_int64(s, 1);
	} else if (src == SQLITE_DONE) {
		rc = fg_error_set(FG_ENOTFOUND, "%s: no committed run %" PRId64, st->path, run_id);
	} else {
		rc = db_error(st->db, st->path, "read a run's volume");
	}
cleanup:
	sqlite3_finalize(s);
	return rc;
}
