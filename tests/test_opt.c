/*
 * The option parser (cli/fg_opt.c): every accepted form, `--` ending the
 * options, and the errors a user sees.
 */
#include "fg_test.h"

#include "fg_error.h"
#include "fg_opt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_DB = 1, O_QUIET, O_N };

static const fg_opt_spec specs[] = {
	{ FG_OPT_SECTION, "Inputs:", 0, NULL, NULL, NULL },
	{ FG_OPT_VALUE, "db", O_DB, "FILE", "the results database", NULL },
	{ FG_OPT_SWITCH, "quiet", O_QUIET, NULL, "no progress\nat all", NULL },
	{ FG_OPT_VALUE, "n", O_N, "N", "a count", "10" },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

/* Parse argv; the sequence of "id=value" items (or the error) into out. */
static int parse(char *out, size_t cap, int argc, char **argv)
{
	fg_opt_parser p;
	int rc;
	size_t len = 0;

	out[0] = 0;
	fg_opt_init(&p, "test", specs, argc, argv);
	while ((rc = fg_opt_next(&p)) > 0)
		len += (size_t)snprintf(out + len, cap - len, "%d=%s;", p.id, p.value ? p.value : "-");
	return rc;
}

START_TEST(forms)
{
	char out[256];
	char *argv[] = { "test", "--db", "a.db", "--n=3", "x", "--quiet", "-", "--db=", NULL };

	ck_assert_int_eq(parse(out, sizeof(out), 8, argv), 0);
	ck_assert_str_eq(out, "1=a.db;3=3;-1000=x;2=-;-1000=-;1=;");
}
END_TEST

START_TEST(double_dash_ends_options)
{
	char out[256];
	char *argv[] = { "test", "--quiet", "--", "-1234", "--db", NULL };

	ck_assert_int_eq(parse(out, sizeof(out), 5, argv), 0);
	ck_assert_str_eq(out, "2=-;-1000=-1234;-1000=--db;");
}
END_TEST

START_TEST(value_is_next_argument_whatever_it_is)
{
	char out[256];
	char *argv[] = { "test", "--db", "--quiet", NULL };

	ck_assert_int_eq(parse(out, sizeof(out), 3, argv), 0);
	ck_assert_str_eq(out, "1=--quiet;");
}
END_TEST

START_TEST(help)
{
	char out[256];
	char *argv[] = { "test", "-h", "--help", NULL };

	ck_assert_int_eq(parse(out, sizeof(out), 3, argv), 0);
	ck_assert_str_eq(out, "-999=-;-999=-;");
}
END_TEST

START_TEST(errors)
{
	char out[256];
	char *a1[] = { "test", "--nope", NULL };
	char *a2[] = { "test", "--db", NULL };
	char *a3[] = { "test", "--quiet=yes", NULL };
	char *a4[] = { "test", "-x", NULL };
	char *a5[] = { "test", "--dbx=1", NULL };

	ck_assert_int_eq(parse(out, sizeof(out), 2, a1), FG_EUSAGE);
	ck_assert_str_eq(fg_error_msg(), "unknown option '--nope' (see fraudgraph test --help)");
	ck_assert_int_eq(parse(out, sizeof(out), 2, a2), FG_EUSAGE);
	ck_assert_str_eq(fg_error_msg(), "option --db needs a value (FILE)");
	ck_assert_int_eq(parse(out, sizeof(out), 2, a3), FG_EUSAGE);
	ck_assert_str_eq(fg_error_msg(), "option --quiet takes no value, got 'yes'");
	ck_assert_int_eq(parse(out, sizeof(out), 2, a4), FG_EUSAGE);
	ck_assert_str_eq(fg_error_msg(), "unknown option '-x' (see fraudgraph test --help)");
	ck_assert_int_eq(parse(out, sizeof(out), 2, a5), FG_EUSAGE);
	ck_assert_str_eq(fg_error_msg(), "unknown option '--dbx' (see fraudgraph test --help)");
}
END_TEST

START_TEST(numbers)
{
	fg_opt_parser p;
	uint64_t u = 0;
	int i = 0;
	double d = 0;
	char *argv[] = { "test", "--n", "12", NULL };

	fg_opt_init(&p, "test", specs, 3, argv);
	ck_assert_int_eq(fg_opt_next(&p), 1);
	ck_assert_int_eq(fg_opt_u64(&u, &p, 0, 100), FG_OK);
	ck_assert_uint_eq(u, 12);
	ck_assert_int_eq(fg_opt_int(&i, &p, 0, 100), FG_OK);
	ck_assert_int_eq(i, 12);
	ck_assert_int_eq(fg_opt_u64(&u, &p, 13, 100), FG_EUSAGE);
	ck_assert_str_eq(fg_error_msg(), "--n expects an integer in [13, 100], got '12'");
	ck_assert_int_eq(fg_opt_double(&d, &p, 0.0, 1.0), FG_EUSAGE);
	ck_assert_str_eq(fg_error_msg(), "--n expects a number in [0, 1], got '12'");
	p.value = "-3";
	ck_assert_int_eq(fg_opt_u64(&u, &p, 0, 100), FG_EUSAGE);
	p.value = "0.25";
	ck_assert_int_eq(fg_opt_double(&d, &p, 0.0, 1.0), FG_OK);
	ck_assert(d == 0.25);
	p.value = "";
	ck_assert_int_eq(fg_opt_double(&d, &p, 0.0, 1.0), FG_EUSAGE);
}
END_TEST

START_TEST(help_text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fg_opt_help(f, "usage: fraudgraph test", "About.", specs);
	fclose(f);
	ck_assert_msg(strstr(buf, "usage: fraudgraph test\n\nAbout.\n\nInputs:\n") == buf, "%s", buf);
	ck_assert_msg(strstr(buf, "  --db FILE  the results database\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "  --quiet    no progress\n             at all\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "  --n N      a count (default 10)\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "  --help     this text\n\nExit codes:\n  0  done\n"), "%s", buf);
	ck_assert_msg(strstr(buf, "  6  the results database is being written by another run\n"), "%s", buf);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("opt");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, forms);
	tcase_add_test(tc, double_dash_ends_options);
	tcase_add_test(tc, value_is_next_argument_whatever_it_is);
	tcase_add_test(tc, help);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, help_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
