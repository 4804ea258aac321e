/*
 * Suite split: a CSV file read as byte ranges (src/fg_ingest_split.h) gives
 * the rows, lines and bad rows of the whole-file reader, for every cut.
 * No MPI here: the ranges' parities and line offsets are summed the way
 * engine/fg_mpi.c's MPI_Exscan sums them.
 */
#include "fg_test.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_ingest.h"
#include "fg_ingest_split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every row a sink sees, as "line|user|kind|value|seen\n". */
typedef struct trace {
	char *s;
	size_t len, cap;
} trace;

static int trace_sink(void *ctx, const fg_link_row *row)
{
	trace *t = ctx;
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%llu|%.*s|%.*s|%.*s|%lld\n",
	                 (unsigned long long)row->line, (int)row->user.len, row->user.ptr,
	                 (int)row->kind.len, row->kind.ptr, (int)row->value.len, row->value.ptr,
	                 (long long)row->seen_at);

	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, buf, (size_t)n + 1);
	t->len += (size_t)n;
	return FG_OK;
}

static const char csv[] =
	"\xEF\xBB\xBFuser_id,kind,value,seen_at\r\n"
	"u1,device,d1,2024-01-01\r\n"
	"\"u2\",\"device\",\"multi\nline \"\"quoted\"\"\r\nvalue\",1700000000\r\n"
	"\r\n"
	"u3,card,,2024-01-01\n"          /* bad: empty value */
	"u4,card,c\"x,2024-01-02\n"       /* a quote inside an unquoted field */
	"u5,user,u5,\n"                  /* bad: self link */
	"u6,address,\"a,b\",\n"
	"u7,ip,10.0.0.1,2024-13-01\n"    /* bad: time */
	"u8,email,e@x,2024-01-03";       /* no final newline */

/* The ranges that a rank count would cut at the nominal positions cuts[]. */
static void read_split(trace *t, fg_badrows *bad, const char *path, const uint64_t *cuts, int n)
{
	uint64_t off, line, size, starts[16], breaks, before = 0;
	unsigned par, par_acc = 0;
	fg_config cfg;

	fg_config_init(&cfg);
	ck_assert_int_eq(fg_ingest_csv_probe(path, false, &off, &line, &size), FG_OK);
	ck_assert_int_le(n, 15);
	starts[0] = off;
	for (int r = 1; r < n; r++) {
		uint64_t lo = cuts[r - 1] < off ? off : cuts[r - 1], nom = cuts[r] < off ? off : cuts[r];

		if (r == 1)
			lo = off;
		ck_assert_int_eq(fg_csv_scan(path, lo, nom, &par, &breaks), FG_OK);
		par_acc ^= par;
		ck_assert_int_eq(fg_csv_next_boundary(&starts[r], path, nom, par_acc, size), FG_OK);
		ck_assert(starts[r] >= starts[r - 1]);
	}
	starts[n] = size;
	for (int r = 0; r < n; r++) {
		fg_csv_range_end e;

		ck_assert_int_eq(fg_csv_scan(path, starts[r], starts[r + 1], &par, &breaks), FG_OK);
		ck_assert_int_eq(fg_ingest_links_csv_range(path, &cfg, bad, trace_sink, t, starts[r],
		                                           starts[r + 1], line + before, &e), FG_OK);
		ck_assert_int_eq(e.lines, breaks);
		ck_assert(e.clean || starts[r + 1] == size);
		before += breaks;
	}
}

START_TEST(every_cut_reads_as_the_whole_file)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "e.csv");
	trace whole = { NULL, 0, 0 };
	fg_badrows wb;
	fg_config cfg;
	size_t n = sizeof(csv) - 1;

	fgt_write_file(path, csv, n);
	fg_config_init(&cfg);
	memset(&wb, 0, sizeof(wb));
	ck_assert_int_eq(fg_ingest_links_csv(path, &cfg, &wb, trace_sink, &whole), FG_OK);
	ck_assert_uint_eq(wb.total, 3);
	ck_assert_ptr_nonnull(strstr(whole.s, "|multi\nline \"quoted\"\r\nvalue|"));
	/* two ranges cut at every byte, and three at every byte and every fifth after it */
	for (uint64_t a = 0; a <= n; a++) {
		for (uint64_t b = a; b <= n; b += (b == a ? 1 : 5)) {
			trace t = { NULL, 0, 0 };
			fg_badrows bad;
			uint64_t cuts3[4] = { 0, a, b, n }, cuts2[3] = { 0, a, n };

			memset(&bad, 0, sizeof(bad));
			if (b == a)
				read_split(&t, &bad, path, cuts2, 2);
			else
				read_split(&t, &bad, path, cuts3, 3);
			ck_assert_msg(t.s && !strcmp(t.s, whole.s), "cut at %llu, %llu:\n%s\nwhole:\n%s",
			              (unsigned long long)a, (unsigned long long)b, t.s ? t.s : "",
			              whole.s);
			ck_assert_uint_eq(bad.total, wb.total);
			ck_assert_int_eq(memcmp(bad.examples, wb.examples, sizeof(wb.examples)), 0);
			free(t.s);
		}
	}
	free(whole.s);
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(unsplittable_inputs)
{
	char *dir = fgt_tmpdir(), *path = fgt_path(dir, "x.csv");
	uint64_t off, line, size;

	ck_assert_int_eq(fg_ingest_csv_probe("-", false, &off, &line, &size), 1);
	ck_assert_int_eq(fg_ingest_csv_probe(path, false, &off, &line, &size), 1); /* missing */
	fgt_write_file(path, "", 0);
	ck_assert_int_eq(fg_ingest_csv_probe(path, false, &off, &line, &size), 1); /* empty */
	fgt_write_file(path, "user_id,kind,value", (size_t)-1);
	ck_assert_int_eq(fg_ingest_csv_probe(path, false, &off, &line, &size), 1); /* no LF */
	fgt_write_file(path, "user_id,kind,value,\"note\nx\"\nu,k,v,n\n", (size_t)-1);
	ck_assert_int_eq(fg_ingest_csv_probe(path, false, &off, &line, &size), FG_OK);
	ck_assert_uint_eq(off, 28);
	ck_assert_uint_eq(line, 3);
	ck_assert_str_eq(fg_error_msg(), "");
	fgt_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("split");
	TCase *tc = tcase_create("split");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_cut_reads_as_the_whole_file);
	tcase_add_test(tc, unsplittable_inputs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
