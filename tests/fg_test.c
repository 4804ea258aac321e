#include "fg_test.h"

#include <errno.h>
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
