/*
 * test_reliability: hostile input, faults, concurrency and resources.
 *
 * Hostile inputs go through the readers (in a forked child, so the peak RSS
 * of just that work is measured with wait4) and through the real binary.
 * Big inputs (a million rows) are generated at test time in a temp dir.
 */
#include "fg_test.h"

#include "fg_build_config.h"
#include "fg_config.h"
#include "fg_error.h"
#include "fg_ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define RSS_LIMIT_KB (1024L * 1024L) /* 1 GiB: no hostile input may need more */

#if defined(__SANITIZE_ADDRESS__)
#define FG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FG_ASAN 1
#endif
#endif
#ifndef FG_ASAN
#define FG_ASAN 0
#endif

/* ---- helpers -------------------------------------------------------------- */

typedef struct counts {
	uint64_t rows;
	uint64_t bytes;
	uint64_t max_user_len, max_value_len;
	uint64_t last_line;
} counts;

static int count_links(void *ctx, const fg_link_row *r)
{
	counts *c = ctx;

	c->rows++;
	c->last_line = r->line;
	c->bytes += r->user.len + r->kind.len + r->value.len;
	if (r->user.len > c->max_user_len)
		c->max_user_len = r->user.len;
	if (r->value.len > c->max_value_len)
		c->max_value_len = r->value.len;
	return FG_OK;
}

static int count_users(void *ctx, const fg_user_row *r)
{
	counts *c = ctx;

	c->rows++;
	c->bytes += r->user.len;
	return FG_OK;
}

/* What a reader did in the child, sent back through a pipe. */
typedef struct ingest_result {
	int rc;
	counts c;
	fg_badrows bad;
	char msg[512];
	long maxrss_kb; /* filled by the parent from wait4 */
} ingest_result;

/*
 * Read `path` as links (users == false) or users with cfg in a forked child;
 * the child's peak RSS comes from wait4, so earlier tests do not count.
 */
static void ingest_in_child(ingest_result *out, const char *path, bool users,
                            const fg_config *cfg)
{
	int fds[2], status;
	struct rusage ru;
	pid_t pid;
	size_t got = 0;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		ingest_result r;
		size_t done = 0;

		memset(&r, 0, sizeof(r));
		close(fds[0]);
		r.rc = users ? fg_ingest_users_csv(path, cfg, &r.bad, count_users, &r.c)
		             : fg_ingest_links_csv(path, cfg, &r.bad, count_links, &r.c);
		snprintf(r.msg, sizeof(r.msg), "%s", fg_error_msg());
		while (done < sizeof(r)) {
			ssize_t k = write(fds[1], (char *)&r + done, sizeof(r) - done);
			if (k <= 0)
				_exit(2);
			done += (size_t)k;
		}
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(*out)) {
		ssize_t k = read(fds[0], (char *)out + got, sizeof(*out) - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fds[0]);
	ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "reader child died (status 0x%x) on %s", status, path);
	ck_assert_uint_eq(got, sizeof(*out));
	out->maxrss_kb = ru.ru_maxrss;
	ck_assert_msg(out->maxrss_kb < RSS_LIMIT_KB, "peak RSS %ld kB reading %s", out->maxrss_kb,
	              path);
}

/* Result of running the binary. */
typedef struct bin_result {
	int rc;         /* exit code, or 128 + signal */
	long maxrss_kb; /* child's peak RSS */
	char *out, *err;
} bin_result;

static void bin_result_free(bin_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/*
 * Run the fraudgraph binary with args, extra "NAME=value" env, and (if
 * fsize_limit > 0) RLIMIT_FSIZE with SIGXFSZ ignored, so writes past the
 * limit fail with EFBIG like on a full disk.  Captures stdout/stderr.
 */
static void run_bin(bin_result *r, const char *const *env, long fsize_limit,
                    const char *const *args)
{
	char *dir = fgt_tmpdir();
	char *outp = fgt_path(dir, "out"), *errp = fgt_path(dir, "err");
	const char *argv[64];
	int n = 0, status;
	struct rusage ru;
	pid_t pid;

	argv[n++] = fgt_bin();
	for (int i = 0; args[i]; i++) {
		ck_assert_int_lt(n, 62);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || o < 0 || e < 0)
			_exit(127);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		for (int i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		if (fsize_limit > 0) {
			struct rlimit rl = {(rlim_t)fsize_limit, (rlim_t)fsize_limit};

			signal(SIGXFSZ, SIG_IGN);
			if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
				_exit(126);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
	r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->maxrss_kb = ru.ru_maxrss;
	r->out = fgt_read_file(outp, NULL);
	r->err = fgt_read_file(errp, NULL);
	ck_assert_ptr_nonnull(r->out);
	ck_assert_ptr_nonnull(r->err);
	fgt_rmtree(dir);
	free(outp);
	free(errp);
	free(dir);
}

/* A file written with fprintf in a loop; aborts the test on failure. */
static FILE *open_w(const char *path)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	return f;
}

static void close_w(FILE *f)
{
	ck_assert_int_eq(ferror(f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- hostile input through the readers ------------------------------------ */

START_TEST(field_of_a_million_characters)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv");
	FILE *f = open_w(p);
	ingest_result r;
	fg_config cfg;

	fprintf(f, "user_id,kind,value\nu1,device,d1\nu2,device,");
	for (int i = 0; i < 1000000; i++)
		fputc('x', f);
	fprintf(f, "\n\"u3\",device,\"");
	for (int i = 0; i < 1000000; i++)
		fputc(i % 100 == 99 ? '\n' : 'y', f); /* a quoted million-byte field with newlines */
	fprintf(f, "\"\nu4,card,c1\n");
	close_w(f);

	fg_config_init(&cfg);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 2); /* u1 and u4 */
	ck_assert_uint_eq(r.bad.by_reason[FG_BAD_TOO_LONG], 2);
	ck_assert_ptr_nonnull(strstr(r.bad.examples[FG_BAD_TOO_LONG][0], ":3: column 'value'"));
	/* u4's line counts the 10000 newlines inside u3's field (u3 starts on line 4) */
	ck_assert_uint_eq(r.bad.rows_read, 4);
	ck_assert_uint_eq(r.c.last_line, 10005);

	/* a user id of a million bytes: same, in the user column of a users file */
	f = open_w(p);
	fprintf(f, "user_id\nok\n");
	for (int i = 0; i < 1000000; i++)
		fputc('u', f);
	fprintf(f, "\nok2\n");
	close_w(f);
	ingest_in_child(&r, p, true, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 2);
	ck_assert_uint_eq(r.bad.by_reason[FG_BAD_TOO_LONG], 1);

	/* an unterminated quote running to the end of a 20 MB file: bounded, clean error */
	f = open_w(p);
	fprintf(f, "user_id,kind,value\nu1,device,\"");
	for (int i = 0; i < 20 * 1000 * 1000; i++)
		fputc('z', f);
	close_w(f);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_int_eq(r.rc, FG_EDATA);
	ck_assert_msg(strstr(r.msg, p) != NULL, "message names the file: %s", r.msg);
	ck_assert_msg(r.maxrss_kb < 256 * 1024, "runaway field used %ld kB", r.maxrss_kb);
	fgt_rmtree(dir);
	free(p);
	free(dir);
}
END_TEST

START_TEST(ten_thousand_columns_and_wide_rows)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv");
	FILE *f = open_w(p);
	ingest_result r;
	fg_config cfg;

	for (int i = 0; i < 10000; i++)
		fprintf(f, "col%d,", i);
	fprintf(f, "value,kind,user_id\n");
	for (int row = 0; row < 50; row++) {
		for (int i = 0; i < 10000; i++)
			fprintf(f, "%d,", i);
		fprintf(f, "v%d,card,u%d\n", row % 7, row);
	}
	/* a row with 10000 more fields than the header: extra columns are ignored */
	for (int i = 0; i < 20003; i++)
		fprintf(f, "%s,", i == 10000 ? "vx" : i == 10001 ? "card" : i == 10002 ? "ux" : "0");
	fprintf(f, "\n");
	close_w(f);
	fg_config_init(&cfg);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 51);
	ck_assert_uint_eq(r.bad.total, 0);
	fgt_rmtree(dir);
	free(p);
	free(dir);
}
END_TEST

START_TEST(invalid_utf8_and_nul_bytes_are_bad_rows)
{
	static const char data[] = "user_id,kind,value\n"
	                           "u1,device,\xff\xfe\n"          /* not UTF-8 */
	                           "u2,device,\xc0\xaf\n"          /* overlong '/' */
	                           "u3,device,\xed\xa0\x80\n"      /* surrogate */
	                           "u4,dev\xe2\x82,d\n"            /* truncated sequence */
	                           "u5,device,a\0b\n"              /* NUL inside */
	                           "\0,device,d\n"                 /* NUL user */
	                           "u7,device,caf\xc3\xa9\n"       /* good: café */
	                           "u8,device,\xf0\x9f\x92\xb3\n"; /* good: emoji */
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv");
	ingest_result r;
	fg_config cfg;

	fgt_write_file(p, data, sizeof(data) - 1);
	fg_config_init(&cfg);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 2);
	ck_assert_uint_eq(r.bad.by_reason[FG_BAD_UTF8], 6);
	ck_assert_uint_eq(r.bad.total, 6);
	/* examples quote the bytes escaped, never raw */
	ck_assert_ptr_nonnull(strstr(r.bad.examples[FG_BAD_UTF8][0], "\\xff\\xfe"));

	cfg.strict = true;
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_int_eq(r.rc, FG_EDATA);
	ck_assert_msg(strstr(r.msg, ":2:") && strstr(r.msg, "invalid UTF-8"), "%s", r.msg);
	fgt_rmtree(dir);
	free(p);
	free(dir);
}
END_TEST

START_TEST(header_only_empty_file_and_garbage)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv");
	ingest_result r;
	fg_config cfg;

	fg_config_init(&cfg);
	fgt_write_file(p, "user_id,kind,value,seen_at\n", (size_t)-1);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 0);

	fgt_write_file(p, "", 0);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_int_eq(r.rc, FG_EDATA);
	ck_assert_ptr_nonnull(strstr(r.msg, "empty file"));

	/* binary garbage: no header with the required columns */
	{
		char junk[4096];
		uint32_t x = 12345;

		for (size_t i = 0; i < sizeof(junk); i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = (char)(x >> 16);
		}
		fgt_write_file(p, junk, sizeof(junk));
	}
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_int_eq(r.rc, FG_EDATA);
	ck_assert(r.msg[0] != '\0');
	ck_assert_ptr_null(strchr(r.msg, '\n')); /* one line, bytes escaped */
	fgt_rmtree(dir);
	free(p);
	free(dir);
}
END_TEST

START_TEST(self_link_relation_is_a_bad_row)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv");
	ingest_result r;
	fg_config cfg;

	fgt_write_file(p,
	               "user_id,kind,value\n"
	               "u1,user,u1\n"       /* self link: bad */
	               "u2, Referral , u2 \n" /* self link after trimming and lower-casing */
	               "u3,user,u4\n"       /* a relation: good */
	               "u5,device,u5\n",    /* a device named like the user: not a relation */
	               (size_t)-1);
	fg_config_init(&cfg);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 2);
	ck_assert_uint_eq(r.bad.by_reason[FG_BAD_SELF_LINK], 2);
	ck_assert_ptr_nonnull(strstr(r.bad.examples[FG_BAD_SELF_LINK][0], ":2: column 'value'"));
	fgt_rmtree(dir);
	free(p);
	free(dir);
}
END_TEST

/* ~1M rows of one user linked to a million devices, and of a million users on one device. */
static void write_star(const char *path, bool hub)
{
	FILE *f = open_w(path);

	fprintf(f, "user_id,kind,value\n");
	for (int i = 0; i < 1000000; i++) {
		if (hub)
			fprintf(f, "u%d,device,hub\n", i);
		else
			fprintf(f, "whale,device,d%d\n", i);
	}
	close_w(f);
}

START_TEST(million_row_stars_read_in_bounded_memory)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv");
	ingest_result r;
	fg_config cfg;

	fg_config_init(&cfg);
	write_star(p, false);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 1000000);
	/*
	 * streaming: the reader holds no row after its callback (the 21 MB file is never
	 * held whole); under ASan freed chunk buffers wait in its quarantine, so allow more.
	 */
	ck_assert_msg(r.maxrss_kb < (FG_ASAN ? 192 : 64) * 1024, "reader peak RSS %ld kB", r.maxrss_kb);
	write_star(p, true);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 1000000);
	fgt_rmtree(dir);
	free(p);
	free(dir);
}
END_TEST


/* ---- the real binary on the results database ----------------------------- */

#define BIN_RSS_LIMIT_KB (FG_ASAN ? 3L * 1024 * 1024 : RSS_LIMIT_KB)

/* fgt_q_text_opt into out ("" for NULL or no row). */
static void q_text(char *out, size_t cap, sqlite3 *db, const char *sql)
{
	char *t = fgt_q_text_opt(db, sql);

	snprintf(out, cap, "%s", t);
	free(t);
}

#define MAX_TABLES 40

/* What a reader sees in the results database: every table's row count, the runs. */
typedef struct db_state {
	int ntables;
	char table[MAX_TABLES][64];
	int64_t rows[MAX_TABLES];
	int64_t runs, last_run;
	char last_digest[128];
} db_state;

/* Read the state through a fresh read-only connection; asserts integrity_check == ok. */
static void db_state_read(db_state *s, const char *path)
{
	sqlite3 *db = fgt_db_ro(path);
	sqlite3_stmt *st = NULL;
	char buf[256];

	memset(s, 0, sizeof(*s));
	q_text(buf, sizeof(buf), db, "PRAGMA integrity_check");
	ck_assert_msg(strcmp(buf, "ok") == 0, "integrity_check of %s: %s", path, buf);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
	                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ck_assert_int_lt(s->ntables, MAX_TABLES);
		snprintf(s->table[s->ntables], sizeof(s->table[0]), "%s",
		         (const char *)sqlite3_column_text(st, 0));
		s->ntables++;
	}
	sqlite3_finalize(st);
	for (int i = 0; i < s->ntables; i++) {
		char sql[160];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", s->table[i]);
		s->rows[i] = fgt_q_int(db, sql);
	}
	s->runs = fgt_q_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'");
	s->last_run = fgt_q_int(db, "SELECT coalesce(max(run_id), 0) FROM runs WHERE status = 'ok'");
	q_text(s->last_digest, sizeof(s->last_digest), db,
	       "SELECT output_digest FROM runs WHERE status = 'ok' ORDER BY run_id DESC LIMIT 1");
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static void db_state_assert_eq(const db_state *a, const db_state *b, const char *what)
{
	ck_assert_msg(a->ntables == b->ntables, "%s: %d tables, then %d", what, a->ntables,
	              b->ntables);
	for (int i = 0; i < a->ntables; i++) {
		ck_assert_str_eq(a->table[i], b->table[i]);
		ck_assert_msg(a->rows[i] == b->rows[i], "%s: table %s had %lld rows, now %lld", what,
		              a->table[i], (long long)a->rows[i], (long long)b->rows[i]);
	}
	ck_assert_int_eq(a->runs, b->runs);
	ck_assert_int_eq(a->last_run, b->last_run);
	ck_assert_str_eq(a->last_digest, b->last_digest);
}

#if FG_FAULT_INJECTION
/* No row of a run newer than last_run in any table that has a run_id column. */
static void assert_no_rows_after(const char *path, int64_t last_run)
{
	sqlite3 *db = fgt_db_ro(path);
	db_state s;

	db_state_read(&s, path);
	for (int i = 0; i < s.ntables; i++) {
		char sql[200];
		sqlite3_stmt *st = NULL;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\" WHERE run_id > %lld", s.table[i],
		         (long long)last_run);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			sqlite3_finalize(st); /* no run_id column */
			continue;
		}
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_msg(sqlite3_column_int64(st, 0) == 0, "table %s has rows of run > %lld",
		              s.table[i], (long long)last_run);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}
#endif

/* `fraudgraph run --quiet --top 0 --db DB --edges E [--users U] [extra...]` */
static void run_on(bin_result *r, const char *db, const char *edges, const char *users,
                   const char *const *env, long fsize, const char *const *extra)
{
	const char *args[48];
	int n = 0;

	args[n++] = "run";
	args[n++] = "--quiet";
	args[n++] = "--top";
	args[n++] = "0";
	args[n++] = "--db";
	args[n++] = db;
	if (edges) {
		args[n++] = "--edges";
		args[n++] = edges;
	}
	if (users) {
		args[n++] = "--users";
		args[n++] = users;
	}
	for (int i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	run_bin(r, env, fsize, args);
}

static void run_world(bin_result *r, const char *db, const char *const *env, long fsize)
{
	char *e = fgt_sample("world/edges.csv"), *u = fgt_sample("world/users.csv");

	run_on(r, db, e, u, env, fsize, NULL);
	free(e);
	free(u);
}

static void expect_ok(bin_result *r, const char *what)
{
	ck_assert_msg(r->rc == 0, "%s: exit %d, stderr: %s", what, r->rc, r->err);
}

/* A non-zero exit that is not a crash, with a "fraudgraph: " message naming `needle`. */
static void expect_fail(bin_result *r, int code, const char *needle, const char *what)
{
	ck_assert_msg(r->rc == code, "%s: exit %d (want %d), stderr: %s", what, r->rc, code, r->err);
	ck_assert_msg(strstr(r->err, "fraudgraph: ") != NULL, "%s: no message: %s", what, r->err);
	if (needle)
		ck_assert_msg(strstr(r->err, needle) != NULL, "%s: message does not name '%s': %s",
		              what, needle, r->err);
}


#if FG_FAULT_INJECTION /* the hooks exist only in -Dfault_injection=true builds */
static const char *const fault_points[] = {
	"write-graph", "write-start", "write-user-scores", "write-rings", "write-links",
	"write-indexes", "before-commit", "after-commit",
};

START_TEST(killed_run_leaves_earlier_run_intact)
{
	char *dir, *db, first_digest[128];
	bin_result r;
	db_state before, after;
	int64_t first_run;

	dir = fgt_tmpdir();
	db = fgt_path(dir, "results.db");
	{
		/* the very first run killed before its commit: an empty, sound database */
		const char *envv[] = {"FG_FAULT_KILL_AT=before-commit", NULL};

		run_world(&r, db, envv, 0);
		ck_assert_msg(r.rc == 128 + SIGKILL, "first run killed: exit %d, %s", r.rc, r.err);
		bin_result_free(&r);
		db_state_read(&before, db);
		ck_assert_int_eq(before.runs, 0);
		for (int t = 0; t < before.ntables; t++)
			ck_assert_msg(strcmp(before.table[t], "runs") != 0 || before.rows[t] == 0,
			              "a killed first run left a runs row");
	}
	run_world(&r, db, NULL, 0);
	expect_ok(&r, "first run");
	bin_result_free(&r);
	db_state_read(&before, db);
	ck_assert_int_eq(before.runs, 1);
	first_run = before.last_run;
	snprintf(first_digest, sizeof(first_digest), "%s", before.last_digest);
	ck_assert(first_digest[0] != '\0');
	for (size_t i = 0; i < sizeof(fault_points) / sizeof(fault_points[0]); i++) {
		char env[80];
		const char *envv[] = {env, NULL};

		snprintf(env, sizeof(env), "FG_FAULT_KILL_AT=%s", fault_points[i]);
		run_world(&r, db, envv, 0);
		ck_assert_msg(r.rc == 128 + SIGKILL, "killed at %s: exit %d, stderr: %s",
		              fault_points[i], r.rc, r.err);
		bin_result_free(&r);
		db_state_read(&after, db); /* integrity_check == ok */
		if (strcmp(fault_points[i], "after-commit") == 0) {
			/* committed before the kill: the run is there, whole */
			static const char *const per_run[] = {"user_scores", "rings", "components",
			                                      "links", "entities", "hubs",
			                                      "user_features"};
			sqlite3 *h = fgt_db_ro(db);

			ck_assert_int_eq(after.runs, before.runs + 1);
			/* same input as the first run: same output, every table as full */
			ck_assert_str_eq(after.last_digest, first_digest);
			for (size_t t = 0; t < sizeof(per_run) / sizeof(per_run[0]); t++) {
				char sql[160];
				int64_t a, b;

				snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = %lld",
				         per_run[t], (long long)first_run);
				a = fgt_q_int(h, sql);
				snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = %lld",
				         per_run[t], (long long)after.last_run);
				b = fgt_q_int(h, sql);
				ck_assert_msg(a == b && a > 0, "%s: first run %lld rows, committed run %lld",
				              per_run[t], (long long)a, (long long)b);
			}
			sqlite3_close(h);
		} else {
			db_state_assert_eq(&before, &after, fault_points[i]);
			assert_no_rows_after(db, before.last_run);
		}
		before = after;
	}
	/* the next normal run succeeds and adds exactly one run */
	run_world(&r, db, NULL, 0);
	expect_ok(&r, "run after the crashes");
	bin_result_free(&r);
	db_state_read(&after, db);
	ck_assert_int_eq(after.runs, before.runs + 1);
	{
		/* the first run's output is as it was written */
		sqlite3 *h = fgt_db_ro(db);
		char sql[128], digest[128];

		snprintf(sql, sizeof(sql), "SELECT output_digest FROM runs WHERE run_id = %lld",
		         (long long)first_run);
		q_text(digest, sizeof(digest), h, sql);
		ck_assert_str_eq(digest, first_digest);
		sqlite3_close(h);
	}
	fgt_rmtree(dir);
	free(db);
	free(dir);
}
END_TEST

/*
 * The write-back's second thread (--threads 2: hubs, links and entity_links
 * written while the kernels run): a failure on it (an error, or the process
 * killed while it writes), and a failure of the main thread while it is
 * still writing, each roll the run back with nothing stored; the next run
 * commits every table, with the output of one thread.
 */
START_TEST(writer_thread_failure_rolls_back)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "results.db"), *db1 = fgt_path(dir, "one.db");
	char *e = fgt_sample("world/edges.csv"), *u = fgt_sample("world/users.csv");
	const char *two[] = { "--threads", "2", NULL }, *one[] = { "--threads", "1", NULL };
	const char *bad_model[] = { "--threads", "2", "--model", "/nonexistent/model.json", NULL };
	const char *fail_env[] = { "FG_FAULT_FAIL_AT=write-graph", NULL };
	const char *kill_env[] = { "FG_FAULT_KILL_AT=write-graph", NULL };
	/* the writer held at its fault point while the main thread fails in the model phase */
	const char *hold_env[] = { "FG_FAULT_SLEEP_AT=write-graph:2", NULL };
	static const char *const per_run[] = { "user_scores", "rings", "components", "links",
		"entity_links", "entities", "hubs", "user_features" };
	bin_result r;
	db_state before, after;

	run_on(&r, db, e, u, NULL, 0, two);
	expect_ok(&r, "first run, two threads");
	bin_result_free(&r);
	db_state_read(&before, db);
	run_on(&r, db, e, u, fail_env, 0, two);
	expect_fail(&r, 1, "fault injection: failure at write-graph", "error on the writer thread");
	ck_assert_msg(strstr(r.err, "nothing of this run was stored") != NULL, "%s", r.err);
	bin_result_free(&r);
	db_state_read(&after, db);
	db_state_assert_eq(&before, &after, "error on the writer thread");
	assert_no_rows_after(db, before.last_run);
	run_on(&r, db, e, u, fail_env, 0, one);
	expect_fail(&r, 1, "fault injection: failure at write-graph", "the same error, one thread");
	bin_result_free(&r);
	run_on(&r, db, e, u, kill_env, 0, two);
	ck_assert_msg(r.rc == 128 + SIGKILL, "killed on the writer thread: exit %d, %s", r.rc, r.err);
	bin_result_free(&r);
	db_state_read(&after, db);
	db_state_assert_eq(&before, &after, "killed on the writer thread");
	assert_no_rows_after(db, before.last_run);
	run_on(&r, db, e, u, hold_env, 0, bad_model);
	expect_fail(&r, 1, "/nonexistent/model.json", "main thread fails while the writer writes");
#if FG_HAVE_OPENMP
	ck_assert_msg(strstr(r.err, "sleeping 2 s at write-graph") != NULL, "writer not held: %s", r.err);
#else
	/* one thread whatever --threads says: the graph tables come after the model, never reached */
	ck_assert_msg(strstr(r.err, "sleeping 2 s at write-graph") == NULL, "a writer thread: %s", r.err);
#endif
	bin_result_free(&r);
	db_state_read(&after, db);
	db_state_assert_eq(&before, &after, "main thread failed, writer in flight");
	assert_no_rows_after(db, before.last_run);
	/* the next run commits, every table as full as the first run's and as one thread's */
	run_on(&r, db, e, u, NULL, 0, two);
	expect_ok(&r, "run after the failures");
	bin_result_free(&r);
	run_on(&r, db1, e, u, NULL, 0, one);
	expect_ok(&r, "one thread");
	bin_result_free(&r);
	db_state_read(&after, db);
	ck_assert_int_eq(after.runs, before.runs + 1);
	ck_assert_str_eq(after.last_digest, before.last_digest);
	{
		sqlite3 *h = fgt_db_ro(db), *h1 = fgt_db_ro(db1);

		for (size_t t = 0; t < sizeof(per_run) / sizeof(per_run[0]); t++) {
			char sql[160];
			int64_t a, b, c;

			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = %lld", per_run[t],
			         (long long)before.last_run);
			a = fgt_q_int(h, sql);
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE run_id = %lld", per_run[t],
			         (long long)after.last_run);
			b = fgt_q_int(h, sql);
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", per_run[t]);
			c = fgt_q_int(h1, sql);
			ck_assert_msg(a == b && b == c && a > 0, "%s: first run %lld rows, last %lld, "
			              "one thread %lld", per_run[t], (long long)a, (long long)b, (long long)c);
		}
		sqlite3_close(h);
		sqlite3_close(h1);
	}
	fgt_rmtree(dir);
	free(db);
	free(db1);
	free(e);
	free(u);
	free(dir);
}
END_TEST

START_TEST(concurrent_run_reader_and_explain)
{
	char *dir, *db, *errp, *e, *u;
	bin_result r;
	db_state before, during, after;
	sqlite3 *held;
	pid_t pid;
	int rc;
	char user[256];

	dir = fgt_tmpdir();
	db = fgt_path(dir, "results.db");
	errp = fgt_path(dir, "first.err");
	e = fgt_sample("world/edges.csv");
	u = fgt_sample("world/users.csv");
	run_world(&r, db, NULL, 0);
	expect_ok(&r, "first run");
	bin_result_free(&r);
	db_state_read(&before, db);

	/* a reader holding a read transaction from before the second run */
	held = fgt_db_ro(db);
	ck_assert_int_eq(sqlite3_exec(held, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(fgt_q_int(held, "SELECT count(*) FROM runs WHERE status = 'ok'"), before.runs);
	q_text(user, sizeof(user), held, "SELECT user_id FROM user_scores ORDER BY user_id LIMIT 1");
	ck_assert(user[0] != '\0');

	{
		const char *env[] = {"FG_FAULT_SLEEP_AT=before-commit:60", NULL};
		const char *args[] = {"run", "--top", "0", "--db", db, "--edges", e, "--users", u, NULL};

		pid = fgt_start(errp, env, args, NULL);
	}
	fgt_wait_for_line(pid, errp, "sleeping 60 s at before-commit");

	/* everything written, not committed: readers see the previous complete run */
	db_state_read(&during, db);
	db_state_assert_eq(&before, &during, "reader during the write");

	/* a second run on the same database fails at once, clearly, and changes nothing */
	run_world(&r, db, NULL, 0);
	expect_fail(&r, 6, NULL, "second concurrent run");
	bin_result_free(&r);

	/* explain works during a run (reads the last committed run) */
	{
		const char *args[] = {"explain", "--db", db, user, NULL};

		run_bin(&r, NULL, 0, args);
		if (strstr(r.err, "not built yet"))
			fprintf(stderr, "note: explain not built yet: concurrent explain not checked\n");
		else
			ck_assert_msg(r.rc == 0 && r.out[0], "explain during a run: exit %d, %s", r.rc,
			              r.err);
		bin_result_free(&r);
	}

	/* so does report, and it reports the last committed run */
	{
		const char *args[] = {"report", "--db", db, "--json", NULL};
		char want[64];

		run_bin(&r, NULL, 0, args);
		ck_assert_msg(r.rc == 0, "report during a run: exit %d, %s", r.rc, r.err);
		snprintf(want, sizeof(want), "\"run_id\": %lld", (long long)before.last_run);
		if (!strstr(r.out, want))
			snprintf(want, sizeof(want), "\"run_id\":%lld", (long long)before.last_run);
		ck_assert_msg(strstr(r.out, want) != NULL, "report during a run: %.300s", r.out);
		bin_result_free(&r);
	}

	/* let the first run commit */
	ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	rc = fgt_wait(pid);
	{
		char *t = fgt_read_file(errp, NULL);

		ck_assert_msg(rc == 0, "held run: exit %d, stderr: %s", rc, t);
		free(t);
	}
	/* the old read transaction still sees its snapshot; a new one sees the new run */
	ck_assert_int_eq(fgt_q_int(held, "SELECT count(*) FROM runs WHERE status = 'ok'"), before.runs);
	ck_assert_int_eq(sqlite3_exec(held, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(fgt_q_int(held, "SELECT count(*) FROM runs WHERE status = 'ok'"),
	                 before.runs + 1);
	sqlite3_close(held);
	db_state_read(&after, db);
	ck_assert_int_eq(after.runs, before.runs + 1);
	fgt_rmtree(dir);
	free(db);
	free(errp);
	free(e);
	free(u);
	free(dir);
}
END_TEST
#endif

START_TEST(unusable_paths_fail_clearly)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "results.db");
	char *afile = fgt_path(dir, "afile"), *under_file = fgt_path(afile, "r.db");
	char *missing = fgt_path(dir, "no-such-dir/r.db");
	char *nocsv = fgt_path(dir, "missing.csv");
	char *e = fgt_sample("collusion/edges.csv");
	bin_result r;
	db_state before, after;

	run_on(&r, db, e, NULL, NULL, 0, NULL);
	expect_ok(&r, "first run");
	bin_result_free(&r);
	db_state_read(&before, db);

	run_on(&r, missing, e, NULL, NULL, 0, NULL);
	expect_fail(&r, 1, "no-such-dir/r.db", "DB in a missing directory");
	bin_result_free(&r);

	fgt_write_file(afile, "not a directory\n", (size_t)-1);
	run_on(&r, under_file, e, NULL, NULL, 0, NULL);
	expect_fail(&r, 1, "afile/r.db", "DB under a regular file");
	bin_result_free(&r);

	if (geteuid() == 0) {
		fprintf(stderr, "note: running as root: the read-only directory case is skipped "
		                "(permission bits do not stop root)\n");
	} else {
		char *ro = fgt_path(dir, "ro"), *rodb = fgt_path(ro, "r.db");

		ck_assert_int_eq(mkdir(ro, 0755), 0);
		ck_assert_int_eq(chmod(ro, 0555), 0);
		run_on(&r, rodb, e, NULL, NULL, 0, NULL);
		expect_fail(&r, 1, "ro/r.db", "DB in a read-only directory");
		bin_result_free(&r);
		chmod(ro, 0755);
		free(rodb);
		free(ro);
	}

	/* unreadable inputs: a directory, a missing file; nothing stored */
	run_on(&r, db, dir, NULL, NULL, 0, NULL);
	expect_fail(&r, 1, dir, "a directory as --edges");
	bin_result_free(&r);
	run_on(&r, db, nocsv, NULL, NULL, 0, NULL);
	expect_fail(&r, 1, "missing.csv", "a missing --edges");
	bin_result_free(&r);
	{
		const char *extra[] = {"--users", nocsv, NULL};

		run_on(&r, db, e, NULL, NULL, 0, extra);
		expect_fail(&r, 1, "missing.csv", "a missing --users");
		bin_result_free(&r);
	}
	db_state_read(&after, db);
	db_state_assert_eq(&before, &after, "failed runs");
	fgt_rmtree(dir);
	free(db);
	free(afile);
	free(under_file);
	free(missing);
	free(nocsv);
	free(e);
	free(dir);
}
END_TEST

START_TEST(disk_full_fails_cleanly)
{
	char *dir = fgt_tmpdir(), *fresh = fgt_path(dir, "fresh.db"), *db = fgt_path(dir, "r.db");
	bin_result r;
	db_state before, after;
	struct stat st;

	/* a fresh database that cannot grow past 48 KiB (the schema does not fit) or
	 * 160 KiB (the run does not): a clear error, and no committed run in the file */
	for (int k = 0; k < 2; k++) {
		long limit = k ? 160 * 1024 : 48 * 1024;

		unlink(fresh);
		run_world(&r, fresh, NULL, limit);
		ck_assert_msg(r.rc == 1, "fresh DB, %ld bytes: exit %d, stderr: %s", limit, r.rc, r.err);
		ck_assert_ptr_nonnull(strstr(r.err, "fraudgraph: "));
		ck_assert_ptr_nonnull(strstr(r.err, "fresh.db"));
		bin_result_free(&r);
		if (stat(fresh, &st) == 0 && st.st_size > 0) {
			sqlite3 *h = fgt_db_ro(fresh);
			char buf[64];
			int64_t n = 0;

			q_text(buf, sizeof(buf), h, "PRAGMA integrity_check");
			ck_assert_str_eq(buf, "ok");
			if (fgt_q_int(h, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"))
				n = fgt_q_int(h, "SELECT count(*) FROM runs");
			ck_assert_int_eq(n, 0);
			sqlite3_close(h);
		}
	}

	/* a database with a good run: the next run hits the limit; the first stays whole */
	run_world(&r, db, NULL, 0);
	expect_ok(&r, "first run");
	bin_result_free(&r);
	db_state_read(&before, db);
	ck_assert_int_eq(stat(db, &st), 0);
	run_world(&r, db, NULL, 64 * 1024);
	ck_assert_msg(r.rc == 1, "disk full: exit %d, stderr: %s", r.rc, r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "fraudgraph: "));
	bin_result_free(&r);
	db_state_read(&after, db);
	db_state_assert_eq(&before, &after, "disk full");
	/* and with room again, the next run succeeds */
	run_world(&r, db, NULL, 0);
	expect_ok(&r, "run after disk full");
	bin_result_free(&r);
	fgt_rmtree(dir);
	free(fresh);
	free(db);
	free(dir);
}
END_TEST

#if FG_FAULT_INJECTION /* the hooks exist only in -Dfault_injection=true builds */
START_TEST(every_nth_allocation_failing)
{
	char *dir, *db, *e, *u;
	bin_result r;
	db_state before, after;
	/* every allocation of a small run (~250 through fg_malloc) fails once; under
	 * ASan every 4th, to keep the suite fast */
	int failures = 0, step = FG_ASAN ? 4 : 1;
	long n;
	bool succeeded = false;

	dir = fgt_tmpdir();
	db = fgt_path(dir, "results.db");
	e = fgt_sample("hub/edges.csv"); /* users, hubs cut, a ring: most write paths */
	u = fgt_sample("hub/users.csv");
	run_on(&r, db, e, u, NULL, 0, NULL);
	expect_ok(&r, "first run");
	bin_result_free(&r);
	db_state_read(&before, db);
	for (n = 1; n <= 2000 && !succeeded; n += step) {
		char env[40];
		const char *envv[] = {env, NULL};

		snprintf(env, sizeof(env), "FG_FAIL_ALLOC=%ld", n);
		run_on(&r, db, e, u, envv, 0, NULL);
		if (r.rc == 0) {
			succeeded = true; /* past the run's last allocation: every later N passes too */
		} else {
			ck_assert_msg(r.rc == 1, "FG_FAIL_ALLOC=%ld: exit %d, stderr: %s", n, r.rc, r.err);
			ck_assert_msg(strstr(r.err, "out of memory") != NULL,
			              "FG_FAIL_ALLOC=%ld: no 'out of memory' in: %s", n, r.err);
			failures++;
		}
		bin_result_free(&r);
		if (!succeeded && failures % 16 == 1) {
			db_state_read(&after, db);
			db_state_assert_eq(&before, &after, env);
		}
	}
	fprintf(stderr, "allocation failures: %d runs failed cleanly (N = 1..%ld step %d)%s\n",
	        failures, n - step, step, succeeded ? ", then a run passed its last allocation" : "");
	ck_assert_int_gt(failures, 150 / step);
	db_state_read(&after, db);
	ck_assert_int_eq(after.runs, before.runs + (succeeded ? 1 : 0));
	fgt_rmtree(dir);
	free(db);
	free(e);
	free(u);
	free(dir);
}
END_TEST
#endif

/* A small source database for --input. */
static void make_source_db(const char *path)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	                              "CREATE TABLE edges(user_id TEXT, kind TEXT, value TEXT, seen_at);"
	                              "INSERT INTO edges VALUES ('a','card','c1',1700000000),"
	                              " ('b','card','c1',1700000000), ('b','device','d1',NULL),"
	                              " ('c','device','d1',NULL), ('c','user','a',NULL);"
	                              "CREATE TABLE users(user_id TEXT, created_at, label);"
	                              "INSERT INTO users VALUES ('a',NULL,'fraud'), ('b',NULL,NULL);",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

START_TEST(user_queries_cannot_write)
{
	static const char *const bad_sql[] = {
		"DELETE FROM edges",
		"INSERT INTO edges VALUES ('x','card','y',1)",
		"UPDATE edges SET value = 'x'",
		"DROP TABLE edges",
		"CREATE TABLE t(x)",
		"SELECT * FROM edges; DELETE FROM edges",
		"SELECT * FROM edges; SELECT * FROM edges",
		"PRAGMA journal_mode=DELETE",
		"VACUUM",
	};
	char *dir = fgt_tmpdir(), *src = fgt_path(dir, "source.db"), *db = fgt_path(dir, "r.db");
	char *other = fgt_path(dir, "other.db"), *copy = fgt_path(dir, "copy.db");
	char attach[4300], vacuum[4300];
	const char *special[] = {attach, vacuum};
	size_t len0, len1;
	char *bytes0, *bytes1;
	bin_result r;
	db_state before, after;

	make_source_db(src);
	bytes0 = fgt_read_file(src, &len0);
	ck_assert_ptr_nonnull(bytes0);
	{
		const char *extra[] = {"--input", src, NULL};

		run_on(&r, db, NULL, NULL, NULL, 0, extra);
		expect_ok(&r, "--input with the default queries");
		bin_result_free(&r);
	}
	db_state_read(&before, db);
	snprintf(attach, sizeof(attach), "ATTACH '%s' AS o", other);
	snprintf(vacuum, sizeof(vacuum), "VACUUM INTO '%s'", copy);
	for (size_t i = 0; i < sizeof(bad_sql) / sizeof(bad_sql[0]) + 2; i++) {
		const char *sql = i < sizeof(bad_sql) / sizeof(bad_sql[0])
		                      ? bad_sql[i]
		                      : special[i - sizeof(bad_sql) / sizeof(bad_sql[0])];

		for (int users = 0; users < 2; users++) {
			const char *extra[] = {"--input", src, users ? "--users-sql" : "--edges-sql", sql,
			                       NULL};

			run_on(&r, db, NULL, NULL, NULL, 0, extra);
			ck_assert_msg(r.rc != 0 && r.rc < 128, "%s: exit %d, stderr: %s", sql, r.rc, r.err);
			ck_assert_msg(strstr(r.err, "read-only") || strstr(r.err, "one SQL statement") ||
			                  strstr(r.err, "ATTACH"),
			              "%s: refusal does not say why: %s", sql, r.err);
			bin_result_free(&r);
		}
	}
	bytes1 = fgt_read_file(src, &len1);
	ck_assert_ptr_nonnull(bytes1);
	ck_assert(len0 == len1 && memcmp(bytes0, bytes1, len0) == 0);
	ck_assert_int_ne(access(other, F_OK), 0);
	ck_assert_int_ne(access(copy, F_OK), 0);
	db_state_read(&after, db);
	db_state_assert_eq(&before, &after, "refused queries");
	{
		const char *extra[] = {"--input", src, "--edges-sql",
		                       "SELECT user_id, kind, value FROM edges WHERE kind <> 'user'", NULL};

		run_on(&r, db, NULL, NULL, NULL, 0, extra);
		expect_ok(&r, "a read-only query");
		bin_result_free(&r);
	}
	free(bytes0);
	free(bytes1);
	fgt_rmtree(dir);
	free(src);
	free(db);
	free(other);
	free(copy);
	free(dir);
}
END_TEST

/* ---- hostile input through the binary ------------------------------------- */

START_TEST(hub_of_a_million_users_is_cut_and_recorded)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv"), *db = fgt_path(dir, "r.db");
	FILE *f = open_w(p);
	bin_result r;
	sqlite3 *h;

	fprintf(f, "user_id,kind,value\n");
	for (int i = 0; i < 1000000; i++)
		fprintf(f, "u%d,device,hub\n", i);
	fprintf(f, "u1,card,c1\nu2,card,c1\nu3,card,c1\n");
	close_w(f);
	run_on(&r, db, p, NULL, NULL, 0, NULL);
	expect_ok(&r, "hub of a million users");
	fprintf(stderr, "hub of a million users: peak RSS %ld kB\n", r.maxrss_kb);
	ck_assert_msg(r.maxrss_kb < BIN_RSS_LIMIT_KB, "peak RSS %ld kB", r.maxrss_kb);
	bin_result_free(&r);
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM hubs WHERE kind = 'device'"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT share FROM hubs WHERE kind = 'device'"), 1000000);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_hubs FROM runs"), 1);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM runs"), 1000000);
	/* cut: the hub ties nobody together; the card does */
	ck_assert_int_eq(fgt_q_int(h, "SELECT max(n_users) FROM components"), 3);
	sqlite3_close(h);
	fgt_rmtree(dir);
	free(p);
	free(db);
	free(dir);
}
END_TEST

START_TEST(user_with_a_million_entities)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv"), *db = fgt_path(dir, "r.db");
	FILE *f = open_w(p);
	bin_result r;
	sqlite3 *h;

	fprintf(f, "user_id,kind,value\n");
	for (int i = 0; i < 1000000; i++)
		fprintf(f, "whale,device,d%d\n", i);
	fprintf(f, "minnow,device,d7\n");
	close_w(f);
	run_on(&r, db, p, NULL, NULL, 0, NULL);
	expect_ok(&r, "a user with a million devices");
	fprintf(stderr, "a user with a million devices: peak RSS %ld kB\n", r.maxrss_kb);
	ck_assert_msg(r.maxrss_kb < BIN_RSS_LIMIT_KB, "peak RSS %ld kB", r.maxrss_kb);
	bin_result_free(&r);
	h = fgt_db_ro(db);
	ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM runs"), 2);
	ck_assert_int_eq(fgt_q_int(h, "SELECT max(n_users) FROM components"), 2);
	sqlite3_close(h);
	fgt_rmtree(dir);
	free(p);
	free(db);
	free(dir);
}
END_TEST

START_TEST(empty_worlds_and_hostile_files_through_run)
{
	char *dir = fgt_tmpdir(), *p = fgt_path(dir, "e.csv"), *db = fgt_path(dir, "r.db");
	bin_result r;
	FILE *f;

	/* header only: an empty world is a correct (empty) result or a clear data error */
	fgt_write_file(p, "user_id,kind,value\n", (size_t)-1);
	run_on(&r, db, p, NULL, NULL, 0, NULL);
	ck_assert_msg(r.rc == 0 || r.rc == 3, "header only: exit %d, stderr: %s", r.rc, r.err);
	if (r.rc == 0) {
		sqlite3 *h = fgt_db_ro(db);

		ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM runs ORDER BY run_id DESC LIMIT 1"), 0);
		ck_assert_int_eq(fgt_q_int(h, "SELECT count(*) FROM user_scores"), 0);
		sqlite3_close(h);
	} else {
		ck_assert_ptr_nonnull(strstr(r.err, "fraudgraph: "));
	}
	bin_result_free(&r);

	/* an empty file: exit 3 naming it */
	fgt_write_file(p, "", 0);
	run_on(&r, db, p, NULL, NULL, 0, NULL);
	expect_fail(&r, 3, "e.csv", "empty edges file");
	bin_result_free(&r);

	/* endless inputs: a stream of NUL bytes, random bytes: exit 3, bounded */
	run_on(&r, db, "/dev/zero", NULL, NULL, 0, NULL);
	expect_fail(&r, 3, "/dev/zero", "/dev/zero as --edges");
	ck_assert_msg(r.maxrss_kb < (FG_ASAN ? 1024 : 256) * 1024L, "/dev/zero: peak RSS %ld kB",
	              r.maxrss_kb);
	bin_result_free(&r);
	run_on(&r, db, "/dev/urandom", NULL, NULL, 0, NULL);
	expect_fail(&r, 3, "/dev/urandom", "/dev/urandom as --edges");
	bin_result_free(&r);

	/* only bad rows: all self links, invalid UTF-8, NUL bytes, a million-byte field */
	f = open_w(p);
	fprintf(f, "user_id,kind,value\nu1,user,u1\nu2,device,\xff\nu3,card,a");
	fputc(0, f);
	fprintf(f, "b\nu4,device,");
	for (int i = 0; i < 1000000; i++)
		fputc('x', f);
	fprintf(f, "\nu5,card,c\nu6,card,c\n");
	close_w(f);
	run_on(&r, db, p, NULL, NULL, 0, NULL);
	expect_ok(&r, "bad rows under the limit");
	bin_result_free(&r);
	{
		sqlite3 *h = fgt_db_ro(db);

		ck_assert_int_eq(fgt_q_int(h, "SELECT n_bad_rows FROM runs ORDER BY run_id DESC LIMIT 1"), 4);
		ck_assert_int_eq(fgt_q_int(h, "SELECT n_users FROM runs ORDER BY run_id DESC LIMIT 1"), 2);
		sqlite3_close(h);
	}
	{
		const char *extra[] = {"--strict", NULL};

		run_on(&r, db, p, NULL, NULL, 0, extra);
		expect_fail(&r, 3, "e.csv:2", "strict");
		bin_result_free(&r);
	}
	fgt_rmtree(dir);
	free(p);
	free(db);
	free(dir);
}
END_TEST

/* ---- suite ---------------------------------------------------------------- */

static Suite *reliability_suite(void)
{
	Suite *s = suite_create("reliability");
	TCase *hostile = tcase_create("hostile"), *faults;

	tcase_set_timeout(hostile, 240);
	tcase_add_test(hostile, field_of_a_million_characters);
	tcase_add_test(hostile, ten_thousand_columns_and_wide_rows);
	tcase_add_test(hostile, invalid_utf8_and_nul_bytes_are_bad_rows);
	tcase_add_test(hostile, header_only_empty_file_and_garbage);
	tcase_add_test(hostile, self_link_relation_is_a_bad_row);
	tcase_add_test(hostile, million_row_stars_read_in_bounded_memory);
	tcase_add_test(hostile, hub_of_a_million_users_is_cut_and_recorded);
	tcase_add_test(hostile, user_with_a_million_entities);
	tcase_add_test(hostile, empty_worlds_and_hostile_files_through_run);
	suite_add_tcase(s, hostile);

	faults = tcase_create("faults");
	tcase_set_timeout(faults, 300);
#if FG_FAULT_INJECTION
	tcase_add_test(faults, killed_run_leaves_earlier_run_intact);
	tcase_add_test(faults, writer_thread_failure_rolls_back);
#endif
#if FG_FAULT_INJECTION
	tcase_add_test(faults, concurrent_run_reader_and_explain);
#endif
	tcase_add_test(faults, unusable_paths_fail_clearly);
	tcase_add_test(faults, disk_full_fails_cleanly);
#if FG_FAULT_INJECTION
	tcase_add_test(faults, every_nth_allocation_failing);
#endif
	tcase_add_test(faults, user_queries_cannot_write);
	suite_add_tcase(s, faults);
	return s;
}

int main(void)
{
	return fgt_run_suite(reliability_suite());
}
