/*
 * Helpers shared by the Check suites: temporary directories, files, and
 * running the real fraudgraph binary (FG_BIN) with captured output.
 */
#ifndef FG_TESTS_FG_TEST_H
#define FG_TESTS_FG_TEST_H

#include <check.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A fresh directory under $TMPDIR (or /tmp); malloc'd path. Aborts the test on failure. */
char *fgt_tmpdir(void);

/* Remove a directory tree (best effort). */
void fgt_rmtree(const char *path);

/* malloc'd "dir/name". */
char *fgt_path(const char *dir, const char *name);

/* Write len bytes (len == (size_t)-1: strlen) to path; aborts the test on failure. */
void fgt_write_file(const char *path, const char *data, size_t len);

/* Read a whole file (NUL-terminated, malloc'd), *len if non-NULL; NULL if unreadable. */
char *fgt_read_file(const char *path, size_t *len);

/* The source tree root (FG_SOURCE_ROOT) and the fraudgraph binary (FG_BIN). */
const char *fgt_source_root(void);
const char *fgt_bin(void);

/*
 * Run the fraudgraph binary with args (NULL-terminated, without argv[0]),
 * stdin from stdin_path (NULL: /dev/null).  Returns the exit code (or 128 +
 * signal); *out and *err (if non-NULL) receive malloc'd stdout and stderr.
 * extra_env: NULL-terminated "NAME=value" strings added to the environment.
 */
int fgt_run(char **out, char **err, const char *stdin_path, const char *const *extra_env,
            const char *const *args);

/* Run a shell command line; returns its exit status (or 128 + signal). */
int fgt_sh(const char *cmdline);

/* malloc'd "<source root>/data-samples/<rel>". */
char *fgt_sample(const char *rel);

/*
 * Start the binary in the background with args (NULL-terminated, without
 * argv[0]), stdin and stdout on /dev/null, stderr to errpath, extra_env
 * added; returns its pid.  gate (a pipe, or NULL): the child waits until the
 * pipe's write end closes before it executes, so that several children start
 * at the same moment.
 */
pid_t fgt_start(const char *errpath, const char *const *extra_env, const char *const *args,
                const int *gate);

/* Wait for pid; its exit code, or 128 + signal. */
int fgt_wait(pid_t pid);

/* Wait (up to 120 s) until errpath holds `line`; fails the test if pid ends first. */
void fgt_wait_for_line(pid_t pid, const char *errpath, const char *line);

/* Run every test of s (the runner frees s); EXIT_SUCCESS or EXIT_FAILURE, for main. */
int fgt_run_suite(Suite *s);

/* ---- the results database, read-only ---- */

/* Open path read-only (busy timeout 10 s); fails the test if it cannot. */
sqlite3 *fgt_db_ro(const char *path);

/* The first column of the first row of sql: it must prepare and give a row. */
int64_t fgt_q_int(sqlite3 *db, const char *sql);
double fgt_q_dbl(sqlite3 *db, const char *sql);
/* malloc'd text ("" for NULL). */
char *fgt_q_text(sqlite3 *db, const char *sql);
/* The same, "" also when sql gives no row (it must still prepare and run). */
char *fgt_q_text_opt(sqlite3 *db, const char *sql);
/* Opens path read-only for one query: column 0 of its first row as malloc'd text, NULL for
 * no row or a NULL value (the caller asserts what it expects). */
char *fgt_file_q_text(const char *path, const char *sql);

#endif
