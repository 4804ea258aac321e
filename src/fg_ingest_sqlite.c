/*
 * fg_ingest_sqlite: link and user rows from a SQLite database.
 *
 * The database is opened with SQLITE_OPEN_READONLY; the query must be one
 * statement (only whitespace or ';' after it) for which sqlite3_stmt_readonly
 * holds, so an --edges-sql cannot change the source.  Result columns are
 * found by name (case-insensitive, trimmed) by fg_ingest_header, as CSV
 * headers are; other columns of a users query are attributes (INTEGER and
 * REAL are numbers, TEXT is parsed, NULL is missing).  TEXT (and any
 * other type, through sqlite3_column_text) goes through the same validation
 * as CSV; an INTEGER (or REAL) seen_at / created_at is unix seconds; NULL counts as a
 * missing field.  Row numbers (1-based) serve as line numbers; the file in
 * messages is "DB:edges" / "DB:users" for the default queries and
 * "DB:query" for a given one.
 *
 * Complexity: O(rows x used columns) plus the query's own cost.
 * Thread-safety: one call per thread (own connection).
 */
#include "fg_ingest.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_ingest_internal.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * 1 if the text after the first statement holds no further statement (only
 * whitespace, ';' and comments: sqlite3_prepare_v2 yields no statement for
 * them), else 0.
 */
static int tail_is_empty(sqlite3 *db, const char *tail)
{
	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;
		int rc = sqlite3_prepare_v2(db, tail, -1, &st, &next);

		sqlite3_finalize(st);
		if (rc != SQLITE_OK || st)
			return 0;
		if (!next || next == tail)
			break;
		tail = next;
	}
	return 1;
}

/*
 * Authorizer: refuse ATTACH and DETACH.  sqlite3_stmt_readonly holds for them
 * (they change the connection, not a file), but an ATTACH reaches another
 * file and is never part of a query that reads links.  *arg records the try
 * so the message can say why.
 */
static int deny_attach(void *arg, int action, const char *a, const char *b, const char *c,
                       const char *d)
{
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH) {
		*(int *)arg = 1;
		return SQLITE_DENY;
	}
	return SQLITE_OK;
}

static int table_exists(sqlite3 *db, const char *table, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db,
	                        "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') "
	                        "AND name = ?1",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*out = (rc == SQLITE_ROW);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

static int ingest_sqlite(const char *db_path, const char *sql, fg_ingest_mode mode,
                         const fg_config *cfg, fg_badrows *bad, fg_link_sink lsink,
                         fg_user_sink usink, void *sink_ctx)
{
	const char *table = mode == FG_INGEST_LINKS ? "edges" : "users";
	char defsql[32], *name = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	fg_ingest_ctx ctx;
	int rolecol[FG_NROLES];
	fg_str *names = NULL;
	int *colrole = NULL;
	uint64_t rowno = 0;
	int ret = FG_OK, rc, ncol, i, role, attach_tried = 0;

	assert(db_path && cfg && bad && (lsink || usink));
	memset(&ctx, 0, sizeof(ctx));
	{
		size_t nl = strlen(db_path) + 16;

		name = fg_malloc(nl);
		if (!name) {
			ret = fg_error_set(FG_ENOMEM, "%s: out of memory", db_path);
			goto cleanup;
		}
		snprintf(name, nl, "%s:%s", db_path, sql ? "query" : table);
	}
	ret = fg_ingest_ctx_init(&ctx, mode, cfg, bad, lsink, usink, sink_ctx, name);
	if (ret)
		goto cleanup;

	rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		ret = fg_error_set(FG_EDB, "%s: cannot open read-only: %s", db_path,
		                   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto cleanup;
	}
	sqlite3_busy_timeout(db, 5000);
	if (!sql) {
		int exists = 0;

		rc = table_exists(db, table, &exists);
		if (rc != SQLITE_OK) {
			ret = fg_error_set(FG_EDB, "%s: %s", db_path, sqlite3_errmsg(db));
			goto cleanup;
		}
		if (!exists) {
			if (mode == FG_INGEST_USERS)
				goto cleanup; /* no users table: no users */
			ret = fg_error_set(FG_EDB, "%s: no table '%s'", db_path, table);
			goto cleanup;
		}
		snprintf(defsql, sizeof(defsql), "SELECT * FROM %s", table);
		sql = defsql;
	}
	sqlite3_set_authorizer(db, deny_attach, &attach_tried);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
	if (rc != SQLITE_OK && attach_tried) {
		ret = fg_error_set(FG_EDB, "%s: ATTACH and DETACH are refused: the query must be one "
		                   "read-only SELECT on this database, got \"%.60s\"", name, sql);
		goto cleanup;
	}
	if (rc != SQLITE_OK) {
		ret = fg_error_set(FG_EDB, "%s: %s", name, sqlite3_errmsg(db));
		goto cleanup;
	}
	if (!st) {
		ret = fg_error_set(FG_EUSAGE, "%s: empty query", name);
		goto cleanup;
	}
	if (!tail_is_empty(db, tail)) {
		ret = fg_error_set(FG_EDB, "%s: only one SQL statement is allowed (extra text after "
		                   "the first: starts \"%.40s\")", name, tail);
		goto cleanup;
	}
	if (!sqlite3_stmt_readonly(st)) {
		ret = fg_error_set(FG_EDB, "%s: the query must be read-only (a SELECT), got \"%.60s\"",
		                   name, sql);
		goto cleanup;
	}

	ncol = sqlite3_column_count(st);
	names = fg_calloc(ncol ? (size_t)ncol : 1, sizeof(*names));
	colrole = fg_calloc(ncol ? (size_t)ncol : 1, sizeof(*colrole));
	if (!names || !colrole) {
		ret = fg_error_set(FG_ENOMEM, "%s: out of memory", name);
		goto cleanup;
	}
	for (i = 0; i < ncol; i++) {
		const char *cn = sqlite3_column_name(st, i);

		names[i].ptr = cn ? cn : "";
		names[i].len = strlen(names[i].ptr);
	}
	ret = fg_ingest_header(&ctx, names, (size_t)ncol, colrole, name, "columns");
	if (ret)
		goto cleanup;
	for (role = 0; role < FG_NROLES; role++)
		rolecol[role] = -1;
	for (i = 0; i < ncol; i++)
		if (colrole[i] >= 0 && colrole[i] < FG_COL_ATTR)
			rolecol[colrole[i]] = i;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fg_raw_field f[FG_NROLES];

		rowno++;
		memset(f, 0, sizeof(f));
		for (role = 0; role < FG_NROLES; role++) {
			int c = rolecol[role], type;

			if (c < 0)
				continue;
			type = sqlite3_column_type(st, c);
			if (type == SQLITE_NULL)
				continue;
			f[role].present = true;
			if (role == FG_ROLE_TIME && type == SQLITE_INTEGER) {
				f[role].is_int = true;
				f[role].ival = sqlite3_column_int64(st, c);
				continue;
			}
			if (role == FG_ROLE_TIME && type == SQLITE_FLOAT) {
				double d = sqlite3_column_double(st, c);

				/* fractional unix seconds: whole seconds, like ISO ".fff" */
				if (d > -9.2e18 && d < 9.2e18) {
					f[role].is_int = true;
					f[role].ival = (int64_t)floor(d);
					continue;
				}
			}
			f[role].ptr = (const char *)sqlite3_column_text(st, c);
			f[role].len = (size_t)sqlite3_column_bytes(st, c);
			f[role].full_len = f[role].len;
			if (!f[role].ptr) {
				ret = fg_error_set(FG_ENOMEM, "%s:%llu: out of memory", name,
				                   (unsigned long long)rowno);
				goto cleanup;
			}
		}
		for (i = 0; i < ncol; i++) {
			fg_raw_field *af;
			int type;

			if (colrole[i] < FG_COL_ATTR)
				continue;
			af = &ctx.attr_f[colrole[i] - FG_COL_ATTR];
			memset(af, 0, sizeof(*af));
			type = sqlite3_column_type(st, i);
			if (type == SQLITE_NULL)
				continue;
			af->present = true;
			if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
				double d = sqlite3_column_double(st, i);

				if (isfinite(d) && fabs(d) <= FLT_MAX) {
					af->is_num = true;
					af->num = d;
					continue;
				}
			}
			af->ptr = (const char *)sqlite3_column_text(st, i);
			af->len = (size_t)sqlite3_column_bytes(st, i);
			af->full_len = af->len;
			if (!af->ptr)
				af->present = false;
		}
		ret = fg_ingest_row(&ctx, f, rowno);
		if (ret)
			goto cleanup;
	}
	if (rc != SQLITE_DONE)
		ret = fg_error_set(FG_EDB, "%s:%llu: %s", name, (unsigned long long)rowno,
		                   sqlite3_errmsg(db));

cleanup:
	sqlite3_finalize(st);
	sqlite3_close(db);
	fg_ingest_ctx_free(&ctx);
	fg_free(names);
	fg_free(colrole);
	fg_free(name);
	return ret;
}

int fg_ingest_links_sqlite(const char *db_path, const char *sql, const fg_config *cfg,
                           fg_badrows *bad, fg_link_sink sink, void *ctx)
{
	return ingest_sqlite(db_path, sql, FG_INGEST_LINKS, cfg, bad, sink, NULL, ctx);
}

int fg_ingest_users_sqlite(const char *db_path, const char *sql, const fg_config *cfg,
                           fg_badrows *bad, fg_user_sink sink, void *ctx)
{
	return ingest_sqlite(db_path, sql, FG_INGEST_USERS, cfg, bad, NULL, sink, ctx);
}
