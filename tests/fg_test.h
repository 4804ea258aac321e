/*
 * Helpers shared by the Check suites: temporary directories, files, and
 * running the real fraudgraph binary (FG_BIN) with captured output.
 */
#ifndef FG_TESTS_FG_TEST_H
#define FG_TESTS_FG_TEST_H

#include <check.h>
#include <stddef.h>

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

#endif
