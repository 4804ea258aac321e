#include "fg_test.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *fgt_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = malloc(4096);

	ck_assert_ptr_nonnull(t);
	snprintf(t, 4096, "%s/fgtest.XXXXXX", base && *base ? base : "/tmp");
	ck_assert_msg(mkdtemp(t) != NULL, "mkdtemp: %s", strerror(errno));
	return t;
}

void fgt_rmtree(const char *path)
{
	char cmd[4200];

	if (!path)
		return;
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", path, path);
	if (system(cmd) != 0) {
		/* best effort */
	}
}

char *fgt_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

void fgt_write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	if (len == (size_t)-1)
		len = strlen(data);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

char *fgt_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t r;
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

const char *fgt_source_root(void)
{
	const char *s = getenv("FG_SOURCE_ROOT");

	return s ? s : ".";
}

const char *fgt_bin(void)
{
	const char *s = getenv("FG_BIN");

	return s ? s : "fraudgraph";
}

int fgt_run(char **out, char **err, const char *stdin_path, const char *const *extra_env,
            const char *const *args)
{
	char *dir = fgt_tmpdir();
	char *outp = fgt_path(dir, "out"), *errp = fgt_path(dir, "err");
	const char *argv[256];
	int n = 0, status, rc;
	pid_t pid;

	argv[n++] = fgt_bin();
	for (int i = 0; args[i]; i++) {
		ck_assert_int_lt(n, 254);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || o < 0 || e < 0)
			_exit(127);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		for (int i = 0; extra_env && extra_env[i]; i++)
			putenv((char *)extra_env[i]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (out)
		*out = fgt_read_file(outp, NULL);
	if (err)
		*err = fgt_read_file(errp, NULL);
	fgt_rmtree(dir);
	free(outp);
	free(errp);
	free(dir);
	return rc;
}

int fgt_sh(const char *cmdline)
{
	int status = system(cmdline);

	if (status == -1)
		return 127;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *fgt_sample(const char *rel)
{
	char *p = malloc(strlen(fgt_source_root()) + strlen(rel) + 32);

	ck_assert_ptr_nonnull(p);
	sprintf(p, "%s/data-samples/%s", fgt_source_root(), rel);
	return p;
}

pid_t fgt_start(const char *errpath, const char *const *extra_env, const char *const *args,
                const int *gate)
{
	const char *argv[64];
	int n = 0;
	pid_t pid;

	argv[n++] = fgt_bin();
	for (int i = 0; args[i]; i++) {
		ck_assert_int_lt(n, 63);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDWR);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || e < 0)
			_exit(127);
		dup2(in, 0);
		dup2(in, 1);
		dup2(e, 2);
		for (int i = 0; extra_env && extra_env[i]; i++)
			putenv((char *)extra_env[i]);
		if (gate) {
			char c;
			close(gate[1]);
			while (read(gate[0], &c, 1) > 0) {
			}
			close(gate[0]);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int fgt_wait(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void fgt_wait_for_line(pid_t pid, const char *errpath, const char *line)
{
	for (int i = 0; i < 120 * 100; i++) {
		char *t = fgt_read_file(errpath, NULL);
		bool found = t && strstr(t, line);
		int status;

		free(t);
		if (found)
			return;
		ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "the run ended before '%s'", line);
		usleep(10000);
	}
	ck_abort_msg("no '%s' from the run within 120 s", line);
}

sqlite3 *fgt_db_ro(const char *path)
{
	sqlite3 *db = NULL;

	ck_assert_msg(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
	              "open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/* sql prepared and stepped to its first row; NULL (optional) when it has none.
 * The test fails if it does not prepare, or has no row and one is required. */
static sqlite3_stmt *first_row(sqlite3 *db, const char *sql, bool optional)
{
	sqlite3_stmt *st = NULL;
	int s;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
	              sqlite3_errmsg(db));
	s = sqlite3_step(st);
	ck_assert_msg(s == SQLITE_ROW || (optional && s == SQLITE_DONE), "no row: %s (%s)", sql,
	              sqlite3_errmsg(db));
	if (s == SQLITE_DONE) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int64_t fgt_q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = first_row(db, sql, false);
	int64_t v = sqlite3_column_int64(st, 0);

	sqlite3_finalize(st);
	return v;
}

double fgt_q_dbl(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = first_row(db, sql, false);
	double v = sqlite3_column_double(st, 0);

	sqlite3_finalize(st);
	return v;
}

static char *q_text(sqlite3 *db, const char *sql, bool optional)
{
	sqlite3_stmt *st = first_row(db, sql, optional);
	const unsigned char *t = st ? sqlite3_column_text(st, 0) : NULL;
	char *v = strdup(t ? (const char *)t : "");

	ck_assert_ptr_nonnull(v);
	sqlite3_finalize(st);
	return v;
}

char *fgt_q_text(sqlite3 *db, const char *sql)
{
	return q_text(db, sql, false);
}

char *fgt_q_text_opt(sqlite3 *db, const char *sql)
{
	return q_text(db, sql, true);
}

int fgt_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *fgt_file_q_text(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}
