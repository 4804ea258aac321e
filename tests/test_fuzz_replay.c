/*
 * test_fuzz_replay: every file of every fuzz corpus (tests/fuzz/corpus/<target>/)
 * through the same entry function the libFuzzer binary calls, as an ordinary
 * Check test.  The entry aborts on a broken reader contract; under the ASan
 * build a memory error fails the test too.  Set FG_FUZZ_VERBOSE=1 to print
 * each file before it runs (to find the one an ASan report is about).
 */
#include "fg_error.h"
#include "fg_test.h"
#include "fuzz_entries.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct target {
	const char *name;
	int (*entry)(const uint8_t *data, size_t size);
	int min_files; /* the corpus must not silently shrink */
} target;

static const target targets[] = {
	{"csv_links", fg_fuzz_csv_links, 20},
	{"csv_users", fg_fuzz_csv_users, 10},
	{"sqlite_input", fg_fuzz_sqlite_input, 8},
	{"sqlite_query", fg_fuzz_sqlite_query, 15},
	{"graphalytics", fg_fuzz_graphalytics, 15},
	{"truth", fg_fuzz_truth, 10},
	{"config", fg_fuzz_config, 20},
};

static char current[4096];

static void on_fatal(int sig)
{
	static const char pre[] = "test_fuzz_replay: died on corpus file ";

	if (write(2, pre, sizeof(pre) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0) {
		/* nothing more to do */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(replay_corpus)
{
	const target *t = &targets[_i];
	char *dir, **names = NULL;
	size_t n = 0, cap = 0;
	int ok = 0, failed = 0;
	DIR *d;
	struct dirent *e;
	bool verbose = getenv("FG_FUZZ_VERBOSE") != NULL;
	char base[4096];

	snprintf(base, sizeof(base), "%s/tests/fuzz/corpus/%s", fgt_source_root(), t->name);
	dir = base;
	d = opendir(dir);
	ck_assert_msg(d != NULL, "no corpus directory %s", dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			ck_assert_ptr_nonnull(names);
		}
		names[n] = strdup(e->d_name);
		ck_assert_ptr_nonnull(names[n]);
		n++;
	}
	closedir(d);
	ck_assert_msg((int)n >= t->min_files, "corpus %s has %zu files, expected >= %d", dir, n,
	              t->min_files);
	qsort(names, n, sizeof(*names), cmp_str);
	signal(SIGABRT, on_fatal);
	signal(SIGSEGV, on_fatal);
	for (size_t i = 0; i < n; i++) {
		char *path = fgt_path(dir, names[i]);
		struct stat st;
		size_t len = 0;
		char *data;
		int rc;

		snprintf(current, sizeof(current), "%s", path);
		ck_assert_int_eq(stat(path, &st), 0);
		if (!S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		data = fgt_read_file(path, &len);
		ck_assert_ptr_nonnull(data);
		if (verbose)
			fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
		rc = t->entry((const uint8_t *)data, len);
		/* the entry already aborts on a broken contract; say it again here */
		ck_assert_msg(rc == FG_OK || (rc < 0 && fg_error_msg()[0] != '\0'),
		              "%s: code %d with message \"%s\"", path, rc, fg_error_msg());
		if (verbose)
			fprintf(stderr, "  -> %d %s\n", rc, fg_error_msg());
		if (rc == FG_OK)
			ok++;
		else
			failed++;
		free(data);
		free(path);
		free(names[i]);
	}
	fprintf(stderr, "%s: %zu inputs replayed (%d read cleanly, %d refused with a message)\n",
	        t->name, n, ok, failed);
	/* the seeds hold good inputs as well as hostile ones */
	ck_assert_int_gt(ok, 0);
	ck_assert_int_gt(failed, 0);
	free(names);
	fg_fuzz_cleanup();
}
END_TEST

/* Known inputs give known results through the entries (the replay is not vacuous). */
START_TEST(entries_report_errors)
{
	static const char good[] = "user_id,kind,value\nu1,device,d1\n";
	static const char nohdr[] = "";
	static const char badsql[] = "DELETE FROM edges";

	ck_assert_int_eq(fg_fuzz_csv_links((const uint8_t *)good, sizeof(good) - 1), FG_OK);
	ck_assert_int_eq(fg_fuzz_csv_links((const uint8_t *)nohdr, 0), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "empty file"));
	ck_assert_int_eq(fg_fuzz_sqlite_query((const uint8_t *)badsql, sizeof(badsql) - 1), FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "read-only"));
	ck_assert_int_eq(fg_fuzz_sqlite_input((const uint8_t *)good, sizeof(good) - 1), FG_EDB);
	{
		static const char conf[] = "edges e.csv\nkind-alias device=fp\n";
		static const char badconf[] = "edges e.csv\nthreads lots\n";
		ck_assert_int_eq(fg_fuzz_config((const uint8_t *)conf, sizeof(conf) - 1), FG_OK);
		ck_assert_int_eq(fg_fuzz_config((const uint8_t *)badconf, sizeof(badconf) - 1), FG_EUSAGE);
		ck_assert_ptr_nonnull(strstr(fg_error_msg(), "--config "));
		ck_assert_ptr_nonnull(strstr(fg_error_msg(), "lots"));
	}
	{
		/* found by the fuzzer: an option without its value took the next line as it,
		 * and the parser's own errors did not name the file */
		static const char swallow[] = "edges e.csv\ndb\nquiet\n";
		static const char noval[] = "edges e.csv\nmax-share\n";
		ck_assert_int_eq(fg_fuzz_config((const uint8_t *)swallow, sizeof(swallow) - 1), FG_EUSAGE);
		ck_assert_ptr_nonnull(strstr(fg_error_msg(), ":2: option --db needs a value"));
		ck_assert_int_eq(fg_fuzz_config((const uint8_t *)noval, sizeof(noval) - 1), FG_EUSAGE);
		ck_assert_msg(strstr(fg_error_msg(), "--config ") && strstr(fg_error_msg(), ":2: option --max-share"),
		              "%s", fg_error_msg());
	}
	fg_fuzz_cleanup();
}
END_TEST

static Suite *fuzz_replay_suite(void)
{
	Suite *s = suite_create("fuzz_replay");
	TCase *tc = tcase_create("corpus");

	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, replay_corpus, 0, (int)(sizeof(targets) / sizeof(targets[0])));
	tcase_add_test(tc, entries_report_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fuzz_replay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
