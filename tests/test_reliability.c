/*
 * test_reliability: hostile input, faults, concurrency and resources.
 *
 * Hostile inputs go through the readers (in a forked child, so the peak RSS
 * of just that work is measured with wait4) and through the real binary.
 * Big inputs (a million rows) are generated at test time in a temp dir.
 */
#include "fg_test.h"

#include "fg_config.h"
#include "fg_error.h"
#include "fg_ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
	/* streaming: the reader holds no row after its callback */
	ck_assert_msg(r.maxrss_kb < 64 * 1024, "reader peak RSS %ld kB", r.maxrss_kb);
	write_star(p, true);
	ingest_in_child(&r, p, false, &cfg);
	ck_assert_msg(r.rc == FG_OK, "%s", r.msg);
	ck_assert_uint_eq(r.c.rows, 1000000);
	fgt_rmtree(dir);
	free(p);
	free(dir);
}
END_TEST

/* ---- suite ---------------------------------------------------------------- */

static Suite *reliability_suite(void)
{
	Suite *s = suite_create("reliability");
	TCase *hostile = tcase_create("hostile");

	tcase_set_timeout(hostile, 240);
	tcase_add_test(hostile, field_of_a_million_characters);
	tcase_add_test(hostile, ten_thousand_columns_and_wide_rows);
	tcase_add_test(hostile, invalid_utf8_and_nul_bytes_are_bad_rows);
	tcase_add_test(hostile, header_only_empty_file_and_garbage);
	tcase_add_test(hostile, self_link_relation_is_a_bad_row);
	tcase_add_test(hostile, million_row_stars_read_in_bounded_memory);
	suite_add_tcase(s, hostile);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reliability_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
