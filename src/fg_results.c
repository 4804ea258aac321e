/*
 * fg_results: the reader of the results database (contract in fg_results.h).
 *
 * Every statement is in the table below, prepared on first use and kept for
 * the handle's life.  Without ANALYZE statistics SQLite's planner may prefer
 * an index that serves ORDER BY or an IS NOT NULL range over the equality
 * one (a scan of the whole run), so the statements disqualify those terms
 * with unary '+'.  User-user links are stored once per pair (user_id <
 * other_user), so a user's direct links are its own rows plus the rows naming
 * it as other_user; the second lookup is indexed by links(run_id, other_user)
 * where the database has it, and otherwise runs only for users whose
 * user_features.deg_user is not 0 (a constant test SQLite evaluates before
 * its loop).
 */
#include "fg_results.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_schema.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- arena ---------------------------------------------------------------- */

struct fg_res_chunk {
	struct fg_res_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

#define CHUNK_MIN 8192

void *fg_res_alloc(fg_res_arena *a, size_t n)
{
	struct fg_res_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;

	if (!c || c->cap - c->used < need) {
		size_t cap = need > CHUNK_MIN ? need : CHUNK_MIN;
		c = fg_malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	c->used += need;
	return c->data + c->used - need;
}

char *fg_res_strdup(fg_res_arena *a, const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s);
	d = fg_res_alloc(a, n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}

void fg_res_arena_free(fg_res_arena *a)
{
	while (a->head) {
		struct fg_res_chunk *c = a->head;
		a->head = c->next;
		fg_free(c);
	}
}

/* ---- statements ----------------------------------------------------------- */

enum {
	Q_RUN_LATEST,
	Q_RUN_GET,
	Q_RUN_PREV,
	Q_USER,
	Q_USER_RULE,
	Q_REASONS,
	Q_FEATURES,
	Q_USER_ENTITIES,
	Q_ENTITY_TOP,
	Q_ENTITY_USERS,
	Q_LINKS_FWD,
	Q_LINKS_REV,
	Q_RING,
	Q_RING_BY_KEY,
	Q_RING_RULE,
	Q_RING_MEMBERS,
	Q_RING_HISTORY,
	Q_HUBS,
	Q_COUNT
};

#define RING_COLUMNS                                                                          \
	"r.run_id, r.ring_id, r.ring_key, r.status,"                                            \
	" CASE WHEN json_valid(r.prev_keys) THEN json(r.prev_keys) END,"                        \
	" r.first_run_id, (SELECT started_at FROM runs f WHERE f.run_id = r.first_run_id),"     \
	" r.component_id,"                                                                      \
	" r.n_users, r.n_seeds, r.n_legit, r.n_entities, r.n_cards, r.n_devices,"               \
	" r.n_addresses, r.n_phones, r.n_emails, r.n_ips, r.n_other_entities,"                  \
	" r.n_user_links, r.seed_rate, r.seed_evidence, r.risk_mean, r.risk_max,"               \
	" r.sharing, r.burst, r.size_factor, r.dampener, r.ring_score"

static const char *const sql_text[Q_COUNT] = {
	[Q_RUN_LATEST] = "SELECT max(run_id) FROM runs WHERE status = 'ok'",
	[Q_RUN_GET] = "SELECT run_id, started_at, status FROM runs WHERE run_id = ?1",
	[Q_RUN_PREV] = "SELECT max(run_id) FROM runs WHERE status = 'ok' AND run_id < ?1",
	[Q_USER] = "SELECT user_id, label, component_id, ring_id, risk, risk_norm, risk_pct, score,"
	           " nearest_seed, seed_hops, created_at"
	           " FROM user_scores WHERE run_id = ?1 AND user_id = ?2",
	[Q_USER_RULE] = "SELECT rule_score FROM user_scores WHERE run_id = ?1 AND user_id = ?2",
	[Q_REASONS] = "SELECT rank, feature, value, contribution, text FROM user_reasons"
	              " WHERE run_id = ?1 AND user_id = ?2 ORDER BY rank",
	[Q_FEATURES] = "SELECT deg_total, deg_card, deg_device, deg_address, deg_ip, deg_email,"
	               " deg_phone, deg_other, deg_user, co_users, component_size, ring_size,"
	               " max_entity_share, seed_hops, seeds_2hop, risk, ring_score"
	               " FROM user_features WHERE run_id = ?1 AND user_id = ?2",
	/* (user, entity) pairs are unique in links: the run de-duplicates them */
	[Q_USER_ENTITIES] = "SELECT DISTINCT l.entity_id, coalesce(e.kind, l.kind), coalesce(e.value, ''),"
	                    " coalesce(e.share, 0), coalesce(e.is_hub, 0),"
	                    " l.first_seen, l.last_seen, e.entity_id IS NOT NULL"
	                    " FROM links l LEFT JOIN entities e"
	                    " ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
	                    " WHERE l.run_id = ?1 AND l.user_id = ?2 AND +l.entity_id IS NOT NULL"
	                    " ORDER BY 5, 2, 3, 1",
	[Q_ENTITY_TOP] = "SELECT sub.user_id, s.label, s.score FROM"
	                 " (SELECT l.user_id AS user_id FROM entity_links l"
	                 "  WHERE l.run_id = ?1 AND l.entity_id = ?2 AND +l.user_id <> ?3"
	                 "  LIMIT ?5) sub"
	                 " LEFT JOIN user_scores s ON s.run_id = ?1 AND s.user_id = sub.user_id"
	                 " ORDER BY coalesce(s.label = 'fraud', 0) DESC, coalesce(s.score, -1) DESC,"
	                 " sub.user_id LIMIT ?4",
	[Q_ENTITY_USERS] = "SELECT DISTINCT l.user_id, s.label, s.score FROM entity_links l"
	                   " LEFT JOIN user_scores s ON s.run_id = l.run_id AND s.user_id = l.user_id"
	                   " WHERE l.run_id = ?1 AND l.entity_id = ?2 ORDER BY +l.user_id",
	[Q_LINKS_FWD] = "SELECT l.other_user, l.kind, s.label, s.score, l.first_seen, l.last_seen"
	                " FROM links l"
	                " LEFT JOIN user_scores s ON s.run_id = l.run_id AND s.user_id = l.other_user"
	                " WHERE l.run_id = ?1 AND l.user_id = ?2 AND +l.other_user IS NOT NULL"
	                " ORDER BY +l.other_user, l.kind",
	[Q_LINKS_REV] = "SELECT l.user_id, l.kind, s.label, s.score, l.first_seen, l.last_seen"
	                " FROM links l"
	                " LEFT JOIN user_scores s ON s.run_id = l.run_id AND s.user_id = l.user_id"
	                " WHERE l.run_id = ?1 AND l.other_user = ?2 AND coalesce((SELECT f.deg_user"
	                " FROM user_features f WHERE f.run_id = ?1 AND f.user_id = ?2), 1) > 0"
	                " ORDER BY +l.user_id, l.kind",
	[Q_RING] = "SELECT " RING_COLUMNS " FROM rings r WHERE r.run_id = ?1 AND r.ring_id = ?2",
	[Q_RING_BY_KEY] = "SELECT " RING_COLUMNS " FROM rings r WHERE r.ring_key = ?2 AND r.run_id = ?1",
	[Q_RING_RULE] = "SELECT rule_score FROM rings WHERE run_id = ?1 AND ring_id = ?2",
	[Q_RING_MEMBERS] = "SELECT s.user_id, s.label, s.score, s.created_at,"
	                   " (SELECT g.ring_key FROM user_scores p JOIN rings g"
	                   "  ON g.run_id = p.run_id AND g.ring_id = p.ring_id"
	                   "  WHERE p.run_id = ?3 AND p.user_id = s.user_id)"
	                   " FROM user_scores s WHERE s.run_id = ?1 AND s.ring_id = ?2"
	                   " ORDER BY +s.user_id",
	[Q_RING_HISTORY] = "SELECT r.run_id, u.started_at, r.status, r.n_users, r.ring_score"
	                   " FROM rings r JOIN runs u ON u.run_id = r.run_id"
	                   " WHERE r.ring_key = ?1 AND r.run_id <= ?2 AND u.status = 'ok'"
	                   " ORDER BY r.run_id",
	[Q_HUBS] = "SELECT kind, value, share, max_share, reason FROM hubs WHERE run_id = ?1"
	           " ORDER BY share DESC, kind, value LIMIT ?2",
};

/* Invariants: db is open read-only and passed the checks of open_checked. */
struct fg_results {
	sqlite3 *db;
	char *path;
	int schema_version;
	bool has_features;         /* user_features exists (always in schema 1) */
	bool has_model;            /* schema >= 3: user_reasons, user_scores.rule_score */
	sqlite3_stmt *q[Q_COUNT];
};

static int db_error(sqlite3 *db, const char *what)
{
	return fg_error_set(FG_EDB, "%s: %s", what, db ? sqlite3_errmsg(db) : "no database");
}

/* FG_QUERY_PLAN=1: print SQLite's plan of a statement to stderr (tests, tuning). */
static void print_plan(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t n = strlen(sql);
	char *q = fg_malloc(n + 32);

	if (!q)
		return;
	memcpy(q, "EXPLAIN QUERY PLAN ", 19);
	memcpy(q + 19, sql, n + 1);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
		fprintf(stderr, "query: %.70s\n", sql);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *d = sqlite3_column_text(st, 3);
			fprintf(stderr, "plan: %s\n", d ? (const char *)d : "");
		}
	}
	sqlite3_finalize(st);
	fg_free(q);
}

int fg_results_db_prepare(sqlite3_stmt **out, sqlite3 *db, const char *sql)
{
	const char *env = getenv("FG_QUERY_PLAN");

	if (env && *env && strcmp(env, "0"))
		print_plan(db, sql);
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return db_error(db, "preparing a query");
	}
	return FG_OK;
}

int fg_results_prepare(sqlite3_stmt **out, fg_results *r, const char *sql)
{
	return fg_results_db_prepare(out, r->db, sql);
}

/* The cached statement `which`, reset and unbound. */
static int stmt(sqlite3_stmt **out, fg_results *r, int which)
{
	int rc;

	if (!r->q[which] && (rc = fg_results_db_prepare(&r->q[which], r->db, sql_text[which])) != FG_OK)
		return rc;
	sqlite3_reset(r->q[which]);
	sqlite3_clear_bindings(r->q[which]);
	*out = r->q[which];
	return FG_OK;
}

/* ---- open ------------------------------------------------------------------ */

static int query_i64(int64_t *out, bool *is_null, sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int s;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		if (is_null)
			*is_null = sqlite3_column_type(st, 0) == SQLITE_NULL;
		*out = sqlite3_column_int64(st, 0);
		s = SQLITE_OK;
	} else if (s == SQLITE_DONE) {
		if (is_null)
			*is_null = true;
		*out = 0;
		s = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return s;
}

/*
 * A database at rest in WAL mode whose -wal file is gone (a copy, a restore
 * by hand) cannot be opened read-only by a reader that cannot create the
 * -wal: say so instead of SQLite's "unable to open database file".
 */
static int open_failure(sqlite3 *db, const char *q)
{
	int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;

	if (code == SQLITE_NOMEM)
		return fg_error_set(FG_ENOMEM, "out of memory opening '%s'", q);
	if (code == SQLITE_CANTOPEN || code == SQLITE_READONLY || code == SQLITE_PERM)
		return fg_error_set(FG_EDB, "cannot read '%s': %s (a database left in WAL mode without"
		                    " its -wal file needs one `fraudgraph run`, or a reader that may"
		                    " create files in its directory)", q, sqlite3_errmsg(db));
	return fg_error_set(FG_EDB, "cannot read '%s': %s", q, sqlite3_errmsg(db));
}

/*
 * A database in WAL mode (header bytes 18-19 = 2) needs its -wal and -shm.
 * The writer keeps them (persistent WAL, fg_store.c); if they are gone (a
 * copy, a restore by hand, a file from an older build), SQLite would create
 * them for this reader, owned by this account: harmless for the file's owner
 * and for root (SQLite gives root's files to the owner), fatal for the next
 * run when another account does it.  So another account is refused, clearly,
 * and creates nothing.
 */
static int check_wal_files(const char *path, const char *q, const struct stat *sb)
{
	unsigned char hdr[20];
	size_t n = strlen(path);
	char *side = NULL;
	struct stat ss;
	bool missing = false;
	FILE *f;

	if (geteuid() == 0 || geteuid() == sb->st_uid)
		return FG_OK;
	f = fopen(path, "rb");
	if (!f)
		return FG_OK; /* SQLite reports the open error */
	n = fread(hdr, 1, sizeof(hdr), f);
	fclose(f);
	if (n < sizeof(hdr) || hdr[18] != 2 || hdr[19] != 2)
		return FG_OK;
	n = strlen(path);
	side = fg_malloc(n + 8);
	if (!side)
		return fg_error_set(FG_ENOMEM, "out of memory opening '%s'", q);
	memcpy(side, path, n);
	memcpy(side + n, "-wal", 5);
	missing = stat(side, &ss) != 0;
	memcpy(side + n, "-shm", 5);
	missing = missing || stat(side, &ss) != 0;
	fg_free(side);
	if (!missing)
		return FG_OK;
	return fg_error_set(FG_EDB, "'%s' is in WAL mode without its -wal/-shm files; reading it"
	                    " from this account would create them, owned by this account, and the"
	                    " next run could not write them: let the next `fraudgraph run` (as the"
	                    " owner, uid %lld) recreate them", q, (long long)sb->st_uid);
}

int fg_results_open_db(sqlite3 **out, const char *path)
{
	const int current = fg_schema_migrations[fg_schema_n_migrations - 1].version;
	sqlite3 *db = NULL;
	struct stat sb;
	char q[256];
	int64_t app_id = 0, uv = 0, has_runs = 0;
	int rc = FG_OK;

	*out = NULL;
	fg_error_quote(q, sizeof(q), path, strlen(path));
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return fg_error_set(FG_ENOTFOUND, "results database '%s' does not exist", q);
		return fg_error_set(FG_EIO, "results database '%s': %s", q, strerror(errno));
	}
	if ((rc = check_wal_files(path, q, &sb)) != FG_OK)
		return rc;
	/* Read-only, never immutable or nolock: a run may be writing the file. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = open_failure(db, q);
		goto cleanup;
	}
	sqlite3_extended_result_codes(db, 0);
	/* WAL readers never wait for the writer; the timeout covers WAL recovery. */
	sqlite3_busy_timeout(db, 5000);
	if (query_i64(&has_runs, NULL, db, "SELECT count(*) FROM sqlite_master"
	                                   " WHERE type = 'table' AND name = 'runs'") != SQLITE_OK) {
		if (sqlite3_errcode(db) == SQLITE_NOTADB)
			rc = fg_error_set(FG_EDB, "'%s' is not a fraudgraph results database: %s", q,
			                  sqlite3_errmsg(db));
		else
			rc = open_failure(db, q);
		goto cleanup;
	}
	if (query_i64(&app_id, NULL, db, "PRAGMA application_id") != SQLITE_OK ||
	    query_i64(&uv, NULL, db, "PRAGMA user_version") != SQLITE_OK) {
		rc = open_failure(db, q);
		goto cleanup;
	}
	if (!has_runs || (app_id != FG_SCHEMA_APPLICATION_ID && app_id != 0)) {
		rc = fg_error_set(FG_EDB, "'%s' is not a fraudgraph results database (%s)", q,
		                  has_runs ? "another application's file" : "no runs table");
		goto cleanup;
	}
	if (uv > current) {
		rc = fg_error_set(FG_EDB, "'%s' has schema version %lld, newer than this fraudgraph's"
		                  " %d; read it with a newer fraudgraph", q, (long long)uv, current);
		goto cleanup;
	}
	*out = db;
	db = NULL;
cleanup:
	sqlite3_close(db);
	return rc;
}

int fg_results_open(fg_results **out, const char *path)
{
	fg_results *r = NULL;
	int64_t v = 0;
	int rc;

	*out = NULL;
	r = fg_calloc(1, sizeof(*r));
	if (!r || !(r->path = fg_strndup(path, strlen(path)))) {
		fg_free(r);
		return fg_error_set(FG_ENOMEM, "out of memory opening a results database");
	}
	if ((rc = fg_results_open_db(&r->db, path)) != FG_OK) {
		fg_results_close(&r);
		return rc;
	}
	if (query_i64(&v, NULL, r->db, "PRAGMA user_version") == SQLITE_OK)
		r->schema_version = (int)v;
	if (query_i64(&v, NULL, r->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	                                " AND name = 'user_features'") == SQLITE_OK)
		r->has_features = v > 0;
	if (query_i64(&v, NULL, r->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	                                " AND name = 'user_reasons'") == SQLITE_OK)
		r->has_model = v > 0;
	*out = r;
	return FG_OK;
}

void fg_results_close(fg_results **rp)
{
	fg_results *r = rp ? *rp : NULL;

	if (!r)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(r->q[i]);
	sqlite3_close(r->db);
	fg_free(r->path);
	fg_free(r);
	*rp = NULL;
}

const char *fg_results_path(const fg_results *r)
{
	return r->path;
}

int fg_results_schema_version(const fg_results *r)
{
	return r->schema_version;
}

sqlite3 *fg_results_db(fg_results *r)
{
	return r->db;
}

/* ---- column helpers --------------------------------------------------------- */

static const char *col_str(fg_res_arena *a, sqlite3_stmt *st, int col, bool *nomem)
{
	const unsigned char *s;
	char *d;
	int n;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(st, col);
	n = sqlite3_column_bytes(st, col);
	d = s ? fg_res_alloc(a, (size_t)n + 1) : NULL;
	if (!d) {
		*nomem = true;
		return NULL;
	}
	memcpy(d, s, (size_t)n);
	d[n] = '\0';
	return d;
}

static double col_dbl(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static bool col_i64(int64_t *out, sqlite3_stmt *st, int col)
{
	*out = sqlite3_column_int64(st, col);
	return sqlite3_column_type(st, col) != SQLITE_NULL;
}

static void quote(char *buf, size_t cap, const char *s)
{
	fg_error_quote(buf, cap, s, strlen(s));
}

/*
 * A growable array of elements of size sz, copied into the arena when done
 * (so the caller frees one arena).
 */
typedef struct vec {
	unsigned char *v;
	size_t n, cap, sz;
} vec;

static void *vec_push(vec *x)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		void *p = fg_reallocarray(x->v, cap, x->sz);
		if (!p)
			return NULL;
		x->v = p;
		x->cap = cap;
	}
	memset(x->v + x->n * x->sz, 0, x->sz);
	return x->v + x->sz * x->n++;
}

/* Move x into the arena: *out (NULL when empty), *n; x is freed. */
static int vec_finish(void *out, size_t *n, fg_res_arena *a, vec *x, int rc)
{
	void *p = NULL;

	if (rc == FG_OK && x->n) {
		p = fg_res_alloc(a, x->n * x->sz);
		if (!p)
			rc = fg_error_set(FG_ENOMEM, "out of memory reading the results");
		else
			memcpy(p, x->v, x->n * x->sz);
	}
	fg_free(x->v);
	*(void **)out = rc == FG_OK ? p : NULL;
	*n = rc == FG_OK ? x->n : 0;
	return rc;
}

static int nomem(void)
{
	return fg_error_set(FG_ENOMEM, "out of memory reading the results");
}

/* Fill one element (zeroed) from the current row of st; strings into a; set *oom on a failed copy. */
typedef void row_fill(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom);

/*
 * Step st (prepared and bound) to its end, one element of x per row, filled
 * by fill; then reset st.  FG_OK, FG_ENOMEM, or FG_EDB "reading <table>".
 * The loop every multi-row getter shares.
 */
static int read_rows(vec *x, fg_res_arena *a, fg_results *r, sqlite3_stmt *st, row_fill *fill,
                     const char *table)
{
	bool oom = false;
	int rc = FG_OK, s = SQLITE_DONE;

	while (!oom && (s = sqlite3_step(st)) == SQLITE_ROW) {
		void *e = vec_push(x);
		if (!e) {
			oom = true;
			break;
		}
		fill(e, a, st, &oom);
	}
	if (oom)
		rc = nomem();
	else if (s != SQLITE_DONE)
		rc = fg_error_set(FG_EDB, "reading %s: %s", table, sqlite3_errmsg(r->db));
	sqlite3_reset(st);
	return rc;
}

/* ---- runs ------------------------------------------------------------------- */

int fg_results_run_get(fg_res_run *out, fg_res_arena *a, fg_results *r, int64_t run_id)
{
	sqlite3_stmt *st;
	char q[256];
	bool oom = false;
	int rc, s;

	memset(out, 0, sizeof(*out));
	if ((rc = stmt(&st, r, Q_RUN_GET)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		quote(q, sizeof(q), r->path);
		return fg_error_set(FG_ENOTFOUND, "run %lld is not in %s", (long long)run_id, q);
	}
	if (s != SQLITE_ROW)
		return db_error(r->db, "reading runs");
	out->run_id = sqlite3_column_int64(st, 0);
	out->started_at = col_str(a, st, 1, &oom);
	out->status = col_str(a, st, 2, &oom);
	sqlite3_reset(st);
	return oom ? nomem() : FG_OK;
}

int fg_results_run_pick(fg_res_run *out, fg_res_arena *a, fg_results *r, const char *arg)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	char q[256];
	int rc, s;

	memset(out, 0, sizeof(*out));
	quote(q, sizeof(q), r->path);
	if (!arg || !strcmp(arg, "latest")) {
		if ((rc = stmt(&st, r, Q_RUN_LATEST)) != FG_OK)
			return rc;
		s = sqlite3_step(st);
		if (s != SQLITE_ROW)
			return db_error(r->db, "reading runs");
		if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
			sqlite3_reset(st);
			return fg_error_set(FG_ENOTFOUND, "%s holds no committed run", q);
		}
		id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	} else {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(arg, &end, 10);
		if (!*arg || *end || errno) {
			char qa[128];
			quote(qa, sizeof(qa), arg);
			return fg_error_set(FG_EUSAGE, "--run: '%s' is not a whole number", qa);
		}
		id = v;
	}
	rc = fg_results_run_get(out, a, r, id);
	if (rc == FG_ENOTFOUND || (rc == FG_OK && (!out->status || strcmp(out->status, "ok"))))
		return fg_error_set(FG_ENOTFOUND, "run %lld is not in %s (no committed run with that id)",
		                    (long long)id, q);
	return rc;
}

int fg_results_run_previous(int64_t *out, fg_results *r, int64_t run_id)
{
	sqlite3_stmt *st;
	int rc, s;

	*out = 0;
	if ((rc = stmt(&st, r, Q_RUN_PREV)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW)
		return db_error(r->db, "reading runs");
	*out = sqlite3_column_int64(st, 0); /* NULL reads as 0 */
	sqlite3_reset(st);
	return FG_OK;
}

/* ---- a user ----------------------------------------------------------------- */

int fg_results_user(fg_res_user *out, fg_res_arena *a, fg_results *r, int64_t run_id,
                    const char *user_id)
{
	sqlite3_stmt *st;
	char qu[256], qp[256];
	bool oom = false;
	int rc, s;

	memset(out, 0, sizeof(*out));
	if ((rc = stmt(&st, r, Q_USER)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, user_id, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		quote(qu, sizeof(qu), user_id);
		quote(qp, sizeof(qp), r->path);
		return fg_error_set(FG_ENOTFOUND, "user '%s' is not in run %lld of %s", qu,
		                    (long long)run_id, qp);
	}
	if (s != SQLITE_ROW)
		return db_error(r->db, "reading user_scores");
	out->user_id = col_str(a, st, 0, &oom);
	out->label = col_str(a, st, 1, &oom);
	out->has_component = col_i64(&out->component_id, st, 2);
	out->has_ring = col_i64(&out->ring_id, st, 3);
	out->risk = col_dbl(st, 4);
	out->risk_norm = col_dbl(st, 5);
	out->risk_pct = col_dbl(st, 6);
	out->score = col_dbl(st, 7);
	out->nearest_seed = col_str(a, st, 8, &oom);
	out->has_hops = col_i64(&out->seed_hops, st, 9);
	out->has_created = col_i64(&out->created_at, st, 10);
	sqlite3_reset(st);
	out->rule_score = NAN;
	if (oom)
		return nomem();
	if (!r->has_model)
		return FG_OK;
	if ((rc = stmt(&st, r, Q_USER_RULE)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, user_id, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		out->rule_score = col_dbl(st, 0);
	else if (s != SQLITE_DONE)
		return db_error(r->db, "reading user_scores.rule_score");
	sqlite3_reset(st);
	return FG_OK;
}

static void fill_reason(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom)
{
	fg_res_reason *w = elem;

	col_i64(&w->rank, st, 0);
	w->feature = col_str(a, st, 1, oom);
	w->value = col_dbl(st, 2);
	w->contribution = col_dbl(st, 3);
	w->text = col_str(a, st, 4, oom);
}

int fg_results_user_reasons(fg_res_reason **out, size_t *n, fg_res_arena *a, fg_results *r,
                            int64_t run_id, const char *user_id)
{
	vec x = { .sz = sizeof(fg_res_reason) };
	sqlite3_stmt *st;
	int rc;

	if (!r->has_model)
		return vec_finish(out, n, a, &x, FG_OK);
	if ((rc = stmt(&st, r, Q_REASONS)) != FG_OK)
		return vec_finish(out, n, a, &x, rc);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, user_id, -1, SQLITE_STATIC);
	rc = read_rows(&x, a, r, st, fill_reason, "user_reasons");
	return vec_finish(out, n, a, &x, rc);
}

const char *const fg_res_feature_names[FG_RES_N_FEATURES] = {
	"deg_total", "deg_card", "deg_device", "deg_address", "deg_ip", "deg_email", "deg_phone",
	"deg_other", "deg_user", "co_users", "component_size", "ring_size", "max_entity_share",
	"seed_hops", "seeds_2hop", "risk", "ring_score",
};

int fg_results_user_features(fg_res_features *out, bool *found, fg_results *r, int64_t run_id,
                             const char *user_id)
{
	sqlite3_stmt *st;
	int rc, s;

	*found = false;
	for (int i = 0; i < FG_RES_N_FEATURES; i++)
		out->v[i] = NAN;
	if (!r->has_features)
		return FG_OK;
	if ((rc = stmt(&st, r, Q_FEATURES)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, user_id, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*found = true;
		for (int i = 0; i < FG_RES_N_FEATURES; i++)
			out->v[i] = col_dbl(st, i);
	} else if (s != SQLITE_DONE) {
		return db_error(r->db, "reading user_features");
	}
	sqlite3_reset(st);
	return FG_OK;
}

/* ---- entities and links ----------------------------------------------------- */

static void fill_entity(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom)
{
	fg_res_entity *e = elem;

	e->entity_id = sqlite3_column_int64(st, 0);
	e->kind = col_str(a, st, 1, oom);
	e->value = col_str(a, st, 2, oom);
	e->share = sqlite3_column_int64(st, 3);
	e->is_hub = sqlite3_column_int64(st, 4) != 0;
	e->has_first = col_i64(&e->first_seen, st, 5);
	e->has_last = col_i64(&e->last_seen, st, 6);
	e->known = sqlite3_column_int(st, 7) != 0;
}

int fg_results_user_entities(fg_res_entity **out, size_t *n, fg_res_arena *a, fg_results *r,
                             int64_t run_id, const char *user_id)
{
	vec x = { .sz = sizeof(fg_res_entity) };
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(&st, r, Q_USER_ENTITIES)) != FG_OK)
		return vec_finish(out, n, a, &x, rc);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, user_id, -1, SQLITE_STATIC);
	rc = read_rows(&x, a, r, st, fill_entity, "links");
	return vec_finish(out, n, a, &x, rc);
}

static void fill_uref(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom)
{
	fg_res_uref *u = elem;

	u->user_id = col_str(a, st, 0, oom);
	u->label = col_str(a, st, 1, oom);
	u->score = col_dbl(st, 2);
}

/* Rows of (user_id, label, score) from st into a vector of fg_res_uref. */
static int read_urefs(fg_res_uref **out, size_t *n, fg_res_arena *a, fg_results *r,
                      sqlite3_stmt *st)
{
	vec x = { .sz = sizeof(fg_res_uref) };

	return vec_finish(out, n, a, &x, read_rows(&x, a, r, st, fill_uref, "links"));
}

int fg_results_entity_top_users(fg_res_uref **out, size_t *n, fg_res_arena *a, fg_results *r,
                                int64_t run_id, int64_t entity_id, const char *exclude,
                                int limit)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = stmt(&st, r, Q_ENTITY_TOP)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, entity_id);
	sqlite3_bind_text(st, 3, exclude ? exclude : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, limit);
	sqlite3_bind_int(st, 5, FG_RES_MAX_EXAMINED);
	return read_urefs(out, n, a, r, st);
}

int fg_results_entity_users(fg_res_uref **out, size_t *n, fg_res_arena *a, fg_results *r,
                            int64_t run_id, int64_t entity_id)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = stmt(&st, r, Q_ENTITY_USERS)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, entity_id);
	return read_urefs(out, n, a, r, st);
}

static void fill_ulink(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom)
{
	fg_res_ulink *l = elem;

	l->other.user_id = col_str(a, st, 0, oom);
	l->kind = col_str(a, st, 1, oom);
	l->other.label = col_str(a, st, 2, oom);
	l->other.score = col_dbl(st, 3);
	l->has_first = col_i64(&l->first_seen, st, 4);
	l->has_last = col_i64(&l->last_seen, st, 5);
	if (!l->other.user_id && !*oom)
		l->other.user_id = ""; /* never NULL: other_user IS NOT NULL */
}

static int ulink_cmp(const void *p, const void *q)
{
	const fg_res_ulink *x = p, *y = q;
	int c = strcmp(x->other.user_id, y->other.user_id);

	return c ? c : strcmp(x->kind ? x->kind : "", y->kind ? y->kind : "");
}

int fg_results_user_links(fg_res_ulink **out, size_t *n, fg_res_arena *a, fg_results *r,
                          int64_t run_id, const char *user_id)
{
	vec x = { .sz = sizeof(fg_res_ulink) };
	int rc = FG_OK;

	for (int pass = 0; pass < 2 && rc == FG_OK; pass++) {
		sqlite3_stmt *st;
		if ((rc = stmt(&st, r, pass ? Q_LINKS_REV : Q_LINKS_FWD)) != FG_OK)
			break;
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, user_id, -1, SQLITE_STATIC);
		rc = read_rows(&x, a, r, st, fill_ulink, "links");
	}
	if (rc == FG_OK && x.n) {
		/* a link stored both ways shows once; times are merged */
		fg_res_ulink *v = (fg_res_ulink *)x.v;
		size_t w = 1;
		qsort(v, x.n, sizeof(*v), ulink_cmp);
		for (size_t i = 1; i < x.n; i++) {
			if (ulink_cmp(&v[i], &v[w - 1])) {
				v[w++] = v[i];
				continue;
			}
			if (v[i].has_first && (!v[w - 1].has_first || v[i].first_seen < v[w - 1].first_seen)) {
				v[w - 1].has_first = true;
				v[w - 1].first_seen = v[i].first_seen;
			}
			if (v[i].has_last && (!v[w - 1].has_last || v[i].last_seen > v[w - 1].last_seen)) {
				v[w - 1].has_last = true;
				v[w - 1].last_seen = v[i].last_seen;
			}
		}
		x.n = w;
	}
	return vec_finish(out, n, a, &x, rc);
}

/* ---- rings ------------------------------------------------------------------ */

const char *const fg_res_ring_count_names[FG_RES_N_RING_COUNTS] = {
	"users", "seeds", "legit", "entities", "cards", "devices", "addresses",
	"phones", "emails", "ips", "other_entities", "user_links",
};
const char *const fg_res_ring_factor_names[FG_RES_N_RING_FACTORS] = {
	"seed_rate", "seed_evidence", "risk_mean", "risk_max", "sharing", "burst",
	"size_factor", "dampener",
};

static int read_ring(fg_res_ring *out, fg_res_arena *a, fg_results *r, sqlite3_stmt *st,
                     const char *missing)
{
	bool oom = false;
	char qp[256];
	int rc, s = sqlite3_step(st);

	if (s == SQLITE_DONE) {
		quote(qp, sizeof(qp), r->path);
		sqlite3_reset(st);
		return fg_error_set(FG_ENOTFOUND, "%s of %s", missing, qp);
	}
	if (s != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_error(r->db, "reading rings");
	}
	out->run_id = sqlite3_column_int64(st, 0);
	out->ring_id = sqlite3_column_int64(st, 1);
	out->ring_key = col_str(a, st, 2, &oom);
	out->status = col_str(a, st, 3, &oom);
	out->prev_keys_json = col_str(a, st, 4, &oom);
	out->has_first_run = col_i64(&out->first_run_id, st, 5);
	out->first_seen = col_str(a, st, 6, &oom);
	out->has_component = col_i64(&out->component_id, st, 7);
	for (int i = 0; i < FG_RES_N_RING_COUNTS; i++)
		out->count_null[i] = !col_i64(&out->counts[i], st, 8 + i);
	for (int i = 0; i < FG_RES_N_RING_FACTORS; i++)
		out->factors[i] = col_dbl(st, 8 + FG_RES_N_RING_COUNTS + i);
	out->ring_score = col_dbl(st, 8 + FG_RES_N_RING_COUNTS + FG_RES_N_RING_FACTORS);
	sqlite3_reset(st);
	out->rule_score = NAN;
	if (oom)
		return nomem();
	if (!r->has_model)
		return FG_OK;
	if ((rc = stmt(&st, r, Q_RING_RULE)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, out->run_id);
	sqlite3_bind_int64(st, 2, out->ring_id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		out->rule_score = col_dbl(st, 0);
	else if (s != SQLITE_DONE)
		return db_error(r->db, "reading rings.rule_score");
	sqlite3_reset(st);
	return FG_OK;
}

int fg_results_ring(fg_res_ring *out, fg_res_arena *a, fg_results *r, int64_t run_id,
                    int64_t ring_id)
{
	sqlite3_stmt *st;
	char what[96];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = stmt(&st, r, Q_RING)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, ring_id);
	snprintf(what, sizeof(what), "ring %lld is not in run %lld", (long long)ring_id,
	         (long long)run_id);
	return read_ring(out, a, r, st, what);
}

int fg_results_ring_by_key(fg_res_ring *out, fg_res_arena *a, fg_results *r, int64_t run_id,
                           const char *ring_key)
{
	sqlite3_stmt *st;
	char what[200], qk[96];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = stmt(&st, r, Q_RING_BY_KEY)) != FG_OK)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, ring_key, -1, SQLITE_STATIC);
	quote(qk, sizeof(qk), ring_key);
	snprintf(what, sizeof(what), "ring '%s' is not in run %lld", qk, (long long)run_id);
	return read_ring(out, a, r, st, what);
}

static void fill_member(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom)
{
	fg_res_member *m = elem;

	m->user.user_id = col_str(a, st, 0, oom);
	m->user.label = col_str(a, st, 1, oom);
	m->user.score = col_dbl(st, 2);
	m->has_created = col_i64(&m->created_at, st, 3);
	m->prev_ring_key = col_str(a, st, 4, oom);
}

int fg_results_ring_members(fg_res_member **out, size_t *n, fg_res_arena *a, fg_results *r,
                            int64_t run_id, int64_t ring_id, int64_t prev_run_id)
{
	vec x = { .sz = sizeof(fg_res_member) };
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(&st, r, Q_RING_MEMBERS)) != FG_OK)
		return vec_finish(out, n, a, &x, rc);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, ring_id);
	sqlite3_bind_int64(st, 3, prev_run_id);
	rc = read_rows(&x, a, r, st, fill_member, "user_scores");
	return vec_finish(out, n, a, &x, rc);
}

static void fill_ring_hist(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom)
{
	fg_res_ring_hist *h = elem;

	h->run_id = sqlite3_column_int64(st, 0);
	h->started_at = col_str(a, st, 1, oom);
	h->status = col_str(a, st, 2, oom);
	h->n_users = sqlite3_column_int64(st, 3);
	h->ring_score = col_dbl(st, 4);
}

int fg_results_ring_history(fg_res_ring_hist **out, size_t *n, fg_res_arena *a, fg_results *r,
                            const char *ring_key, int64_t up_to_run)
{
	vec x = { .sz = sizeof(fg_res_ring_hist) };
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(&st, r, Q_RING_HISTORY)) != FG_OK)
		return vec_finish(out, n, a, &x, rc);
	sqlite3_bind_text(st, 1, ring_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, up_to_run);
	rc = read_rows(&x, a, r, st, fill_ring_hist, "rings");
	return vec_finish(out, n, a, &x, rc);
}

/* ---- hubs ------------------------------------------------------------------- */

static void fill_hub(void *elem, fg_res_arena *a, sqlite3_stmt *st, bool *oom)
{
	fg_res_hub *h = elem;

	h->kind = col_str(a, st, 0, oom);
	h->value = col_str(a, st, 1, oom);
	h->share = sqlite3_column_int64(st, 2);
	if (!col_i64(&h->max_share, st, 3))
		h->max_share = -1;
	h->reason = col_str(a, st, 4, oom);
}

int fg_results_hubs(fg_res_hub **out, size_t *n, fg_res_arena *a, fg_results *r, int64_t run_id,
                    int limit)
{
	vec x = { .sz = sizeof(fg_res_hub) };
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(&st, r, Q_HUBS)) != FG_OK)
		return vec_finish(out, n, a, &x, rc);
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	rc = read_rows(&x, a, r, st, fill_hub, "hubs");
	return vec_finish(out, n, a, &x, rc);
}
