/* src/fg_ingest: CSV (libcsv) and SQLite readers, bad rows, windowing, line numbers. */
#include "fg_test.h"

#include "fg_config.h"
#include "fg_error.h"
#include "fg_hash.h"
#include "fg_ingest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

/* Collecting sink: one "user|kind|value|seen_at|line" line per row. */
typedef struct sink_buf {
	char *s;
	size_t len, cap;
	size_t rows;
	int fail_at; /* return FG_ERROR at this row (1-based), 0: never */
} sink_buf;

static void sb_append(sink_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void sb_append(sink_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		ck_assert_ptr_nonnull(b->s);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static int link_sink(void *ctx, const fg_link_row *r)
{
	sink_buf *b = ctx;

	b->rows++;
	if (b->fail_at && b->rows == (size_t)b->fail_at)
		return fg_error_set(FG_ERROR, "sink stop");
	if (r->seen_at == FG_TIME_NONE)
		sb_append(b, "%.*s|%.*s|%.*s|-|%llu%s\n", (int)r->user.len, r->user.ptr,
		          (int)r->kind.len, r->kind.ptr, (int)r->value.len, r->value.ptr,
		          (unsigned long long)r->line, r->placeholder ? "|placeholder" : "");
	else
		sb_append(b, "%.*s|%.*s|%.*s|%lld|%llu%s\n", (int)r->user.len, r->user.ptr,
		          (int)r->kind.len, r->kind.ptr, (int)r->value.len, r->value.ptr,
		          (long long)r->seen_at, (unsigned long long)r->line,
		          r->placeholder ? "|placeholder" : "");
	return FG_OK;
}

/* "user|created_at|label|line" and, per attribute, "|name=" then -, the number or 'text'. */
static int user_sink(void *ctx, const fg_user_row *r)
{
	sink_buf *b = ctx;

	/* every reader hands the user's hash with the row (fg_linkset_reader_user_sink) */
	ck_assert_uint_eq(r->user_hash, fg_hash_str32(r->user.ptr, r->user.len));
	b->rows++;
	if (r->created_at == FG_TIME_NONE)
		sb_append(b, "%.*s|-|%d|%llu", (int)r->user.len, r->user.ptr, (int)r->label,
		          (unsigned long long)r->line);
	else
		sb_append(b, "%.*s|%lld|%d|%llu", (int)r->user.len, r->user.ptr,
		          (long long)r->created_at, (int)r->label, (unsigned long long)r->line);
	for (uint32_t a = 0; a < r->n_attrs; a++) {
		const fg_attr_val *v = &r->attrs[a];

		sb_append(b, "|%.*s=", (int)v->name.len, v->name.ptr);
		if (v->state == FG_ATTR_NUMBER)
			sb_append(b, "%g", v->num);
		else if (v->state == FG_ATTR_TEXT)
			sb_append(b, "'%.*s'", (int)v->text.len, v->text.ptr);
		else
			sb_append(b, "-");
	}
	sb_append(b, "\n");
	return FG_OK;
}

static const char *sb_str(sink_buf *b)
{
	return b->s ? b->s : "";
}

static char *tmp_dir;
static fg_config cfg;
static fg_badrows bad;
static sink_buf out;

/* Check forks each test: chdir into a fresh directory so messages say "edges.csv". */
static void setup(void)
{
	tmp_dir = fgt_tmpdir();
	ck_assert_int_eq(chdir(tmp_dir), 0);
	fg_config_init(&cfg);
	memset(&bad, 0, sizeof(bad));
	memset(&out, 0, sizeof(out));
	fg_error_clear();
}

static void teardown(void)
{
	fgt_rmtree(tmp_dir);
	free(tmp_dir);
	free(out.s);
}

/*
 * The parallel CSV reader must give what the serial one gives: rows (with
 * line numbers), bad-row counts and examples, return code and message, the
 * stopping point.  ingest_cmp runs the serial reader (threads 1) into the
 * fixture's bad / out, then the parallel reader with several thread counts
 * and chunk sizes (tiny ones put quoted newlines, CRLF, bad rows and the
 * stopping row across chunk boundaries) from the same starting state, and
 * compares.  Before that, the serial reader with every line through libcsv
 * (fg_ingest_csv_set_fast(false)) is the reference of the fast path for
 * quote-free lines: the same rows, bad rows, code and message.  Returns the
 * serial reader's code (its message is current).
 */
static int ingest_once(bool users, const char *path, const fg_config *c, fg_badrows *b,
                       sink_buf *o)
{
	return users ? fg_ingest_users_csv(path, c, b, user_sink, o)
	             : fg_ingest_links_csv(path, c, b, link_sink, o);
}

/* The reader with every line through libcsv against the fast path, both
 * serial, from the fixture's state; the fast path's result is left in the
 * fixture (bad, out, the message) and its code returned. */
static int fast_cmp(bool users, const char *path, const fg_config *c)
{
	fg_badrows bref = bad;
	sink_buf oref = out;
	char *msg;
	int rref, rc;

	oref.s = out.len ? strndup(out.s, out.len) : NULL;
	oref.cap = oref.len;
	fg_ingest_csv_set_fast(false);
	fg_error_clear();
	rref = ingest_once(users, path, c, &bref, &oref);
	fg_ingest_csv_set_fast(true);
	msg = strdup(fg_error_msg());
	fg_error_clear();
	rc = ingest_once(users, path, c, &bad, &out);
	ck_assert_msg(rc == rref, "fast path: rc %d, libcsv %d (%s / %s)", rc, rref, fg_error_msg(), msg);
	if (rc != FG_OK)
		ck_assert_str_eq(fg_error_msg(), msg);
	ck_assert_uint_eq(out.rows, oref.rows);
	ck_assert_uint_eq(out.len, oref.len);
	ck_assert_msg(out.len == 0 || memcmp(out.s, oref.s, out.len) == 0, "fast path: rows differ");
	ck_assert_msg(memcmp(&bad, &bref, sizeof(bad)) == 0, "fast path: bad rows differ");
	free(oref.s);
	free(msg);
	return rc;
}

static int ingest_cmp(bool users, const char *path, size_t len)
{
	static const int threads[] = {2, 3, 8};
	static const size_t small_chunks[] = {1, 2, 3, 5, 7, 16, 64, 4096};
	static const size_t big_chunks[] = {4096, 65536, 300000};
	const size_t *chunks = len < 65536 ? small_chunks : big_chunks;
	size_t nchunks = len < 65536 ? sizeof(small_chunks) / sizeof(small_chunks[0])
	                             : sizeof(big_chunks) / sizeof(big_chunks[0]);
	fg_badrows bad0 = bad;
	sink_buf out0 = out;
	fg_config c1 = cfg;
	char *msg;
	size_t ti, ci;
	int rc;

	out0.s = out.len ? strndup(out.s, out.len) : NULL;
	c1.threads = 1;
	rc = fast_cmp(users, path, &c1);
	msg = strdup(fg_error_msg());
	for (ti = 0; ti < sizeof(threads) / sizeof(threads[0]); ti++) {
		for (ci = 0; ci < nchunks; ci++) {
			fg_config cp = cfg;
			fg_badrows bp = bad0;
			sink_buf op = out0;
			int rp;

			op.s = out0.len ? strndup(out0.s, out0.len) : NULL;
			op.cap = op.len;
			cp.threads = threads[ti];
			fg_ingest_csv_set_chunk(chunks[ci]);
			fg_error_clear();
			rp = ingest_once(users, path, &cp, &bp, &op);
			fg_ingest_csv_set_chunk(0);
			ck_assert_msg(rp == rc, "threads %d chunk %zu: rc %d, serial %d (%s)", threads[ti],
			              chunks[ci], rp, rc, fg_error_msg());
			if (rc != FG_OK)
				ck_assert_str_eq(fg_error_msg(), msg);
			ck_assert_uint_eq(op.rows, out.rows);
			ck_assert_uint_eq(op.len, out.len);
			ck_assert_msg(op.len == 0 || memcmp(op.s, out.s, op.len) == 0,
			              "threads %d chunk %zu: rows differ", threads[ti], chunks[ci]);
			ck_assert_msg(memcmp(&bp, &bad, sizeof(bad)) == 0,
			              "threads %d chunk %zu: bad rows differ", threads[ti], chunks[ci]);
			free(op.s);
		}
	}
	fg_error_set(rc, "%s", msg); /* as the serial reader left it */
	if (rc == FG_OK)
		fg_error_clear();
	free(msg);
	free(out0.s);
	return rc;
}

static int links_n(const char *data, size_t len)
{
	fgt_write_file("edges.csv", data, len);
	return ingest_cmp(false, "edges.csv", len);
}

static int links(const char *data)
{
	return links_n(data, strlen(data));
}

START_TEST(basic_order_extra_columns_normalisation)
{
	ck_assert_int_eq(links("Extra, VALUE ,seen_at,KIND,user_id,more\n"
	                       "x, d1 ,1700000000, Device ,u1 ,y\n"
	                       "x,c9,2023-11-14T22:13:20Z,CARD,u2,y\n"
	                       "x,a1,,address,u3,y\n"
	                       "x,a5,,email,u5\n"
	                       "x,\" A6\t\",,\"\tEmail\",\" u6 \",y,z,z,z\n"),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|1700000000|2\n"
	                               "u2|card|c9|1700000000|3\n"
	                               "u3|address|a1|-|4\n"
	                               "u5|email|a5|-|5\n"
	                               "u6|email|a6|-|6\n"); /* the sink gets emails normalised */
	ck_assert_uint_eq(bad.rows_read, 5);
	ck_assert_uint_eq(bad.total, 0);
}
END_TEST

/*
 * Link rows reach the sink as the link set keeps them, on the parsing threads
 * too (ingest_cmp: every thread count and chunk size): the kind's alias
 * resolved, the value normalised for its kind, a placeholder flagged, not
 * dropped (the sink counts it).  A kind past the cache's name length takes
 * fg_config's own path.
 */
START_TEST(links_arrive_normalised)
{
	fg_config saved = cfg;
	char row[512];
	sink_buf long_kind = { 0 };
	int n;

	ck_assert_int_eq(fg_config_set_kind_alias(&cfg, "email=mail,e-mail"), FG_OK);
	ck_assert_int_eq(links("user_id,kind,value\n"
	                       "u1,Mail,Ann.Smith@Example.COM\n"
	                       "u2,phone,+1 (555) 010-9999\n"
	                       "u3,address,\"  12  Main\tSt \"\n"
	                       "u4,e-mail,unknown\n"
	                       "u5,device,0000\n"
	                       "u6,device,D6\n"
	                       "u7,phone,n/a\n"
	                       "u8,referral,u1\n"),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|email|ann.smith@example.com|-|2\n"
	                               "u2|phone|+15550109999|-|3\n"
	                               "u3|address|12 main st|-|4\n"
	                               "u4|email|unknown|-|5|placeholder\n"
	                               "u5|device|0000|-|6|placeholder\n"
	                               "u6|device|D6|-|7\n"
	                               "u7|phone||-|8|placeholder\n"
	                               "u8|referral|u1|-|9\n");
	n = snprintf(row, sizeof(row), "user_id,kind,value\nu1,%0*d,Ann@X.COM\nu2,%0*d,N/A\n",
	             FG_KIND_NAME_MAX + 4, 7, FG_KIND_NAME_MAX + 4, 7);
	ck_assert_int_gt(n, 0);
	free(out.s);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(links(row), FG_OK);
	sb_append(&long_kind, "u1|%0*d|Ann@X.COM|-|2\nu2|%0*d|N/A|-|3|placeholder\n",
	          FG_KIND_NAME_MAX + 4, 7, FG_KIND_NAME_MAX + 4, 7);
	ck_assert_str_eq(sb_str(&out), sb_str(&long_kind));
	free(long_kind.s);
	/* past the reader's kind cache: 40 kinds, then the alias and email again */
	{
		sink_buf in = { 0 }, want = { 0 };

		sb_append(&in, "user_id,kind,value\n");
		for (int i = 0; i < 40; i++) {
			sb_append(&in, "u%d,k%02d,V%d\n", i, i, i);
			sb_append(&want, "u%d|k%02d|V%d|-|%d\n", i, i, i, i + 2);
		}
		sb_append(&in, "u1,MAIL,B@Y.Org\nu2,email,-\nu3,k39,V\n");
		sb_append(&want, "u1|email|b@y.org|-|42\nu2|email|-|-|43|placeholder\nu3|k39|V|-|44\n");
		free(out.s);
		memset(&out, 0, sizeof(out));
		ck_assert_int_eq(links(sb_str(&in)), FG_OK);
		ck_assert_str_eq(sb_str(&out), sb_str(&want));
		free(in.s);
		free(want.s);
	}
	cfg = saved;
}
END_TEST

START_TEST(quotes_newlines_crlf_blank_lines_line_numbers)
{
	ck_assert_int_eq(links("user_id,kind,value\r\n"
	                       "\r\n"
	                       "u1,note,\"1 Main St, Apt 2\"\r\n"
	                       "u2,note,\"say \"\"hi\"\"\"\r\n"
	                       "u3,note,\"line one\r\nline two\nline three\"\r\n"
	                       "\n"
	                       "\n"
	                       "u4,device,d4\r\n"
	                       "u5,device,d5\r"
	                       "u6,device,d6\r"
	                       "\r"
	                       "u7,device,d7"),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|note|1 Main St, Apt 2|-|3\n"
	                               "u2|note|say \"hi\"|-|4\n"
	                               "u3|note|line one\r\nline two\nline three|-|5\n"
	                               "u4|device|d4|-|10\n"
	                               "u5|device|d5|-|11\n"
	                               "u6|device|d6|-|12\n"
	                               "u7|device|d7|-|14\n");
}
END_TEST

START_TEST(line_numbers_of_bad_rows_after_quoted_newlines)
{
	ck_assert_int_eq(links("user_id,kind,value,seen_at\n"
	                       "u1,note,\"a\nb\nc\",1\n"
	                       "\n"
	                       "u2,device,d,yesterday\n"),
	                 FG_OK);
	ck_assert_uint_eq(bad.by_reason[FG_WARN_SEEN_AT], 1);
	ck_assert_uint_eq(bad.total, 0);
	ck_assert_str_eq(bad.examples[FG_WARN_SEEN_AT][0],
	                 "edges.csv:6: column 'seen_at': value \"yesterday\"");
}
END_TEST

START_TEST(bom_is_stripped)
{
	ck_assert_int_eq(links("\xEF\xBB\xBFuser_id,kind,value\nu1,device,d1\n"), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|-|2\n");
	/* and before a quoted header field */
	free(out.s);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(links("\xEF\xBB\xBF\"user_id\",kind,value\r\nu1,device,d1\r\n"), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|-|2\n");
}
END_TEST

START_TEST(header_only_and_empty_file)
{
	ck_assert_int_eq(links("user_id,kind,value\n"), FG_OK);
	ck_assert_uint_eq(out.rows, 0);
	ck_assert_int_eq(links("user_id,kind,value"), FG_OK);
	ck_assert_uint_eq(out.rows, 0);
	ck_assert_int_eq(links(""), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(), "edges.csv:1: empty file (no header row)");
	ck_assert_int_eq(links("\n\r\n\n"), FG_EDATA);
}
END_TEST

START_TEST(missing_required_column)
{
	ck_assert_int_eq(links("user_id,value\nu1,d1\n"), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(),
	                 "edges.csv:1: missing required column 'kind' (header: user_id,value)");
	ck_assert_uint_eq(out.rows, 0);
	ck_assert_int_eq(links("\n\nuser_id,kind\n"), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(),
	                 "edges.csv:3: missing required column 'value' (header: user_id,kind)");
}
END_TEST

START_TEST(bad_row_reasons_with_file_line_column)
{
	static const char nul_row[] = "u6,device,a\0b\n";
	char *data = NULL, *big;
	size_t len, biglen = 1000000;
	const char *head = "user_id,kind,value,seen_at\n"
	                   "u1,device\n"              /* 2: missing value */
	                   "  ,device,d1\n"            /* 3: empty user_id */
	                   "u3,device,d3,yesterday\n"  /* 4: time: a warning, kept */
	                   "u4,device,caf\xc3,1\n"     /* 5: invalid UTF-8 */
	                   "u5,user,u5\n";             /* 6: self link */
	const char *tail = "u8,device,ok\n";

	big = malloc(biglen);
	memset(big, 'x', biglen);
	len = strlen(head) + sizeof(nul_row) - 1 + 10 + biglen + 1 + strlen(tail);
	data = malloc(len);
	len = 0;
	memcpy(data + len, head, strlen(head));
	len += strlen(head);
	memcpy(data + len, nul_row, sizeof(nul_row) - 1); /* 7: NUL byte */
	len += sizeof(nul_row) - 1;
	memcpy(data + len, "u7,device,", 10); /* 8: a million characters */
	len += 10;
	memcpy(data + len, big, biglen);
	len += biglen;
	data[len++] = '\n';
	memcpy(data + len, tail, strlen(tail)); /* 9: good */
	len += strlen(tail);

	ck_assert_int_eq(links_n(data, len), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u3|device|d3|-|4\nu8|device|ok|-|9\n");
	ck_assert_uint_eq(bad.total, 6);
	ck_assert_uint_eq(bad.warnings, 1);
	ck_assert_uint_eq(bad.rows_read, 8);
	ck_assert_str_eq(bad.examples[FG_BAD_MISSING_FIELD][0],
	                 "edges.csv:2: column 'value': value \"\"");
	ck_assert_str_eq(bad.examples[FG_BAD_EMPTY_VALUE][0],
	                 "edges.csv:3: column 'user_id': value \"\"");
	ck_assert_str_eq(bad.examples[FG_WARN_SEEN_AT][0],
	                 "edges.csv:4: column 'seen_at': value \"yesterday\"");
	ck_assert_str_eq(bad.examples[FG_BAD_UTF8][0],
	                 "edges.csv:5: column 'value': value \"caf\\xc3\"");
	ck_assert_str_eq(bad.examples[FG_BAD_SELF_LINK][0],
	                 "edges.csv:6: column 'value': value \"u5\"");
	ck_assert_str_eq(bad.examples[FG_BAD_UTF8][1],
	                 "edges.csv:7: column 'value': value \"a\\x00b\"");
	ck_assert_uint_eq(bad.by_reason[FG_BAD_UTF8], 2);
	ck_assert_uint_eq(bad.by_reason[FG_BAD_TOO_LONG], 1);
	ck_assert_ptr_nonnull(strstr(bad.examples[FG_BAD_TOO_LONG][0],
	                             "edges.csv:8: column 'value': value \"xxxx"));
	ck_assert_ptr_nonnull(strstr(bad.examples[FG_BAD_TOO_LONG][0], "...\""));
	ck_assert_uint_lt(strlen(bad.examples[FG_BAD_TOO_LONG][0]), 200);
	/* a self link is bad only for relation kinds */
	ck_assert_int_eq(links("user_id,kind,value\nu1,device,u1\nu2,REFERRAL,u2\n"), FG_OK);
	ck_assert_uint_eq(bad.by_reason[FG_BAD_SELF_LINK], 2);
	free(data);
	free(big);
}
END_TEST

START_TEST(strict_fails_on_first_bad_row)
{
	cfg.strict = true;
	ck_assert_int_eq(links("user_id,kind,value,seen_at\nu1,device,d1,1\nu2,,d2,yesterday\n"
	                       "u3,device,d3,2\n"),
	                 FG_EDATA);
	ck_assert_str_eq(fg_error_msg(), "edges.csv:3: column 'kind': empty value \"\"");
	ck_assert_uint_eq(out.rows, 1);
	ck_assert_uint_eq(bad.total, 1);
}
END_TEST

START_TEST(max_bad_rows_limit)
{
	cfg.max_bad_rows = 2;
	ck_assert_int_eq(links("user_id,kind,value,seen_at\n"
	                       "u1,device,,1\n"
	                       "u2,device,d2,1\n"
	                       "u3,,d3,1\n"
	                       "u4,device,\"d4\" x,yesterday\n"
	                       "u5,device,d5,1\n"),
	                 FG_EDATA);
	ck_assert_str_eq(fg_error_msg(),
	                 "edges.csv:5: too many bad rows (3 > --max-bad-rows 2); "
	                 "last: column 'value': malformed quote \"d4\\x22 x\"");
	ck_assert_uint_eq(out.rows, 1);
	/* exactly at the limit is fine */
	memset(&bad, 0, sizeof(bad));
	ck_assert_int_eq(links("user_id,kind,value\nu1,device,\nu2,device,d2\nu3,,d3\n"), FG_OK);
	ck_assert_uint_eq(bad.total, 2);
	/* the count accumulates across files */
	ck_assert_int_eq(links("user_id,kind,value\nu1,device,\n"), FG_EDATA);
}
END_TEST

START_TEST(examples_kept_for_first_three_per_reason)
{
	ck_assert_int_eq(links("user_id,kind,value\nu1,d,\nu2,d,\nu3,d,\nu4,d,\n"), FG_OK);
	ck_assert_uint_eq(bad.by_reason[FG_BAD_EMPTY_VALUE], 4);
	ck_assert_str_eq(bad.examples[FG_BAD_EMPTY_VALUE][2], "edges.csv:4: column 'value': value \"\"");
	ck_assert_str_eq(fg_bad_reason_name(FG_BAD_QUOTE), "malformed quote");
}
END_TEST

START_TEST(time_window_filters_old_links)
{
	cfg.since = 1700000000;
	ck_assert_int_eq(links("user_id,kind,value,seen_at\n"
	                       "u1,device,d1,1699999999\n"
	                       "u2,device,d2,1700000000\n"
	                       "u3,device,d3,\n"
	                       "u4,device,d4,2023-01-01\n"
	                       "u5,device,d5,2024-01-01\n"),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "u2|device|d2|1700000000|3\n"
	                               "u3|device|d3|-|4\n"
	                               "u5|device|d5|1704067200|6\n");
	ck_assert_uint_eq(bad.rows_filtered, 2);
	ck_assert_uint_eq(bad.rows_read, 5);
	ck_assert_uint_eq(bad.total, 0);
}
END_TEST

START_TEST(stdin_dash)
{
	pid_t pid;
	int status;

	fgt_write_file("in.csv", "kind,user_id,value\ndevice,u1,d1\ncard,u2,c2\n", (size_t)-1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open("in.csv", O_RDONLY);
		int rc;

		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(10);
		rc = fg_ingest_links_csv("-", &cfg, &bad, link_sink, &out);
		if (rc != FG_OK)
			_exit(11);
		_exit(strcmp(sb_str(&out), "u1|device|d1|-|2\nu2|card|c2|-|3\n") == 0 ? 0 : 12);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(ten_thousand_columns)
{
	size_t ncol = 10000, i;
	char *data = malloc(ncol * 16 + 64), *p = data;

	for (i = 0; i < ncol; i++)
		p += sprintf(p, "%sc%zu", i ? "," : "", i);
	p += sprintf(p, ",user_id,kind,value\n");
	for (i = 0; i < ncol; i++)
		p += sprintf(p, "%zu,", i);
	p += sprintf(p, "u1,device,d1\n");
	ck_assert_int_eq(links_n(data, (size_t)(p - data)), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|-|2\n");
	free(data);
}
END_TEST

START_TEST(runaway_quoted_field_is_bounded)
{
	size_t n = (size_t)6 << 20; /* past the 4 MiB cap on libcsv's field buffer */
	char *data = malloc(n);
	const char *head = "user_id,kind,value\nu1,device,d1\nu2,\"a\nb\",\"";

	memset(data, 'q', n);
	memcpy(data, head, strlen(head));
	ck_assert_int_eq(links_n(data, n), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "edges.csv:3: field longer than"));
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "unterminated quote"));
	ck_assert_uint_eq(out.rows, 1);
	free(data);
}
END_TEST

START_TEST(badrows_report_runs)
{
	ck_assert_int_eq(links("user_id,kind,value\nu1,d,\nu2,d,x\n"), FG_OK);
	fg_badrows_report(&bad); /* logs to stderr; must not crash on partial examples */
	ck_assert_uint_eq(bad.total, 1);
}
END_TEST

/* tests/data/ingest/messy_edges.csv: BOM, CRLF, quoted CRLF, blank line, bad rows. */
START_TEST(golden_messy_file)
{
	char *dir = fgt_path(fgt_source_root(), "tests/data/ingest");
	char *in = fgt_path(dir, "messy_edges.csv");
	char *exp = fgt_path(dir, "messy_edges.expected");
	char *want = fgt_read_file(exp, NULL);

	ck_assert_ptr_nonnull(want);
	ck_assert_int_eq(ingest_cmp(false, in, 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), want);
	ck_assert_uint_eq(bad.total, 1);
	ck_assert_uint_eq(bad.by_reason[FG_BAD_SELF_LINK], 1);
	ck_assert_uint_eq(bad.by_reason[FG_WARN_SEEN_AT], 1);
	ck_assert_ptr_nonnull(strstr(bad.examples[FG_WARN_SEEN_AT][0], "messy_edges.csv:7: column 'seen_at'"));
	free(want);
	free(exp);
	free(in);
	free(dir);
}
END_TEST

START_TEST(unreadable_file_is_eio)
{
	ck_assert_int_eq(fg_ingest_links_csv("no/such.csv", &cfg, &bad, link_sink, &out), FG_EIO);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "no/such.csv"));
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "No such file or directory"));
}
END_TEST

START_TEST(sink_error_is_passed_up)
{
	out.fail_at = 2;
	ck_assert_int_eq(links("user_id,kind,value\nu1,d,1\nu2,d,2\nu3,d,3\n"), FG_ERROR);
	ck_assert_str_eq(fg_error_msg(), "sink stop");
	ck_assert_uint_eq(out.rows, 2);
}
END_TEST

START_TEST(users_csv_labels)
{
	fgt_write_file("users.csv",
	               "label,User_Id,created_at,x\n"
	               "FRAUD, u1 ,1700000000,\n"
	               "legit,u2,,\n"
	               "maybe,u3\n"
	               ",u4,2023-11-14T22:13:20Z,\n"
	               "fraud,,1,\n"
	               "fraud,u6,soon,\n",
	               (size_t)-1);
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|1700000000|1|2|x=-\n"
	                               "u2|-|2|3|x=-\n"
	                               "u3|-|0|4|x=-\n"
	                               "u4|1700000000|0|5|x=-\n"
	                               "u6|-|1|7|x=-\n");
	ck_assert_str_eq(bad.examples[FG_BAD_EMPTY_VALUE][0], "users.csv:6: column 'user_id': value \"\"");
	ck_assert_str_eq(bad.examples[FG_WARN_CREATED_AT][0], "users.csv:7: column 'created_at': value \"soon\"");
	fgt_write_file("users.csv", "label,created_at\nfraud,1\n", (size_t)-1);
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(),
	                 "users.csv:1: missing required column 'user_id' (header: label,created_at)");
}
END_TEST

/* Quoting that libcsv (non-strict) reads differently from the quote parity,
 * CR-only line ends, many chunks: the parallel reader must fall back. */
START_TEST(parallel_equals_serial_on_malformed_quotes)
{
	static const char *const cases[] = {
		"user_id,kind,value\nu1,dev\"ice,d1\nu2,device,d2\nu3,device,d3\n",
		"user_id,kind,value\nu1,device,\"d1\"x,y\nu2,device,d2\nu3,device,\"d3\n\nu4\"\n",
		"user_id,kind,value\nu1,device,\"a\"\"\nb\"\nu2,device,\"\"\"\"\nu3,device,d3\n",
		"user_id,kind,value\ru1,device,d1\ru2,device,d2\r\ru3,device,d3\r",
		"user_id,kind,value\r\nu1,device,d1\ru2,device,d2\r\n\ru3,\"dev\rice\",d3\n\r\n",
		"user_id,kind,value\nu1,device,\"unterminated\nu2,device,d2\nu3,device,d3\n",
		"\"user_id\",\"kind\",\"value\"\n\"u1\",\"device\",\"d\n1\"\n\"u2\" ,\"device\",\" d2\"\n",
		"user_id,kind,value\n\n\n\"u1\",device,d1\n,,\nu2,device\n\"\"\"\"\n",
		/* a literal quote makes the parity even inside a quoted first field */
		"user_id,kind,value\nu0,dev\"ice,d0\n\"u1\nz\",device,d1\nu2,device,d2\n",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&bad, 0, sizeof(bad));
		free(out.s);
		memset(&out, 0, sizeof(out));
		links(cases[i]);
	}
	/* strict and a bad-row limit stop at the same row whatever the chunking */
	cfg.max_bad_rows = 3;
	for (i = 0; i < 3; i++) {
		char data[4096], *p = data;
		int k;

		memset(&bad, 0, sizeof(bad));
		cfg.strict = i == 1;
		p += sprintf(p, "user_id,kind,value,seen_at\r\n");
		for (k = 0; k < 60; k++)
			p += sprintf(p, "u%d,device,\"d\r\n%d\",%s\r\n", k, k,
			             k % (7 + (int)i) == 3 ? "\"never\"x" : "1");
		ck_assert_int_eq(links_n(data, (size_t)(p - data)), FG_EDATA);
	}
}
END_TEST

/* The full row stream of real files, threads 1, 2, 3, 8 (ingest_cmp). */
/*
 * The fast path for quote-free lines against libcsv on generated inputs:
 * fields drawn from plain words, empty ones, spaces and tabs around them,
 * quoted ones (with commas, doubled quotes, newlines), stray quotes, long
 * fields (past max_field_len and past libcsv's first buffer), NUL bytes;
 * lines with too few or too many fields, a trailing comma, blank and
 * whitespace-only lines, LF / CRLF / lone CR ends, a BOM, no final newline;
 * under strict, a small max_bad_rows, a short max_field, and the users
 * reader with attribute columns.  Each input is read with every line
 * through libcsv and with the fast path (serial), then in parallel chunks.
 */
static uint64_t gen_rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

static void gen_field(sink_buf *b, uint64_t *st)
{
	static const char *const words[] = {"u1", "device", "card", "ip", "1700000000",
	                                    "2023-11-14T22:13:20Z", "fraud", "legit", "3.5", "x y"};
	uint64_t r = gen_rnd(st) % 100;

	if (r < 8)
		return; /* empty */
	if (r < 14)
		sb_append(b, "%s", gen_rnd(st) % 2 ? " " : "\t");
	if (r < 55) {
		sb_append(b, "%s", words[gen_rnd(st) % 10]);
	} else if (r < 65) {
		sb_append(b, "\"%s%s\"", words[gen_rnd(st) % 10],
		          (const char *const[]){",a", "\"\"q", "\nz", "\r\nw", ""}[gen_rnd(st) % 5]);
	} else if (r < 70) {
		sb_append(b, "a\"b"); /* a stray quote: a bad row in strict libcsv */
	} else if (r < 74) {
		size_t n = gen_rnd(st) % 3 ? 40 + gen_rnd(st) % 100 : 70000;
		char *w = malloc(n + 1);

		ck_assert_ptr_nonnull(w);
		memset(w, 'a' + (int)(gen_rnd(st) % 26), n);
		w[n] = '\0';
		sb_append(b, "%s", w);
		free(w);
	} else if (r < 76) {
		if (b->len + 3 > b->cap) {
			b->cap = (b->len + 3) * 2;
			b->s = realloc(b->s, b->cap);
			ck_assert_ptr_nonnull(b->s);
		}
		memcpy(b->s + b->len, "n\0m", 3); /* an embedded NUL */
		b->len += 3;
	} else {
		sb_append(b, "v%llu", (unsigned long long)(gen_rnd(st) % 50));
	}
	if (gen_rnd(st) % 9 == 0)
		sb_append(b, "%s", gen_rnd(st) % 2 ? "  " : " \t");
}

static void gen_input(sink_buf *b, uint64_t *st, bool users)
{
	const int ncols = users ? 5 : 4;
	const int nlines = 1 + (int)(gen_rnd(st) % 40);

	if (gen_rnd(st) % 8 == 0)
		sb_append(b, "\xEF\xBB\xBF");
	sb_append(b, "%s", users ? "user_id,created_at,label,age,score" : "user_id,kind,value,seen_at");
	for (int l = 0; l < nlines; l++) {
		uint64_t r = gen_rnd(st) % 100;
		int nf = r < 8 ? ncols - 1 : r < 14 ? ncols + 1 : ncols;

		sb_append(b, "%s", (const char *const[]){"\n", "\n", "\n", "\n", "\n", "\r\n", "\r"}[gen_rnd(st) % 7]);
		if (r >= 14 && r < 18)
			continue; /* a blank line */
		if (r >= 18 && r < 20) {
			sb_append(b, " \t ");
			continue;
		}
		for (int f = 0; f < nf; f++) {
			if (f)
				sb_append(b, ",");
			gen_field(b, st);
		}
		if (r >= 20 && r < 24)
			sb_append(b, ",");
	}
	if (gen_rnd(st) % 4)
		sb_append(b, "\n");
}

START_TEST(fast_path_equals_libcsv_on_generated_inputs)
{
	uint64_t st = 0x9e3779b97f4a7c15ull;
	size_t ntake = 0, nbad = 0;

	for (int i = 0; i < 400; i++) {
		bool users = i % 4 == 3;
		sink_buf in = {0};
		fg_config c;
		int rc;

		gen_input(&in, &st, users);
		fgt_write_file("in.csv", in.s, in.len);
		fg_config_init(&c);
		c.strict = i % 7 == 1;
		c.max_bad_rows = i % 5 == 2 ? 2 : c.max_bad_rows;
		c.max_field_len = i % 6 == 4 ? 64 : c.max_field_len;
		c.threads = 1;
		memset(&bad, 0, sizeof(bad));
		free(out.s);
		memset(&out, 0, sizeof(out));
		rc = fast_cmp(users, "in.csv", &c);
		/* and the parallel reader (fast path in its chunks) gives the same */
		{
			fg_badrows bp = {0};
			sink_buf op = {0};
			char *msg = strdup(fg_error_msg());
			int rp;

			c.threads = 2;
			fg_ingest_csv_set_chunk(1 + (size_t)(gen_rnd(&st) % 200));
			fg_error_clear();
			rp = ingest_once(users, "in.csv", &c, &bp, &op);
			fg_ingest_csv_set_chunk(0);
			ck_assert_int_eq(rp, rc);
			if (rc != FG_OK)
				ck_assert_str_eq(fg_error_msg(), msg);
			ck_assert_uint_eq(op.len, out.len);
			ck_assert(op.len == 0 || memcmp(op.s, out.s, op.len) == 0);
			ck_assert(memcmp(&bp, &bad, sizeof(bad)) == 0);
			free(op.s);
			free(msg);
		}
		ntake += out.rows;
		nbad += bad.total;
		free(in.s);
	}
	/* the inputs reach both good rows and bad ones */
	ck_assert_uint_gt(ntake, 1000);
	ck_assert_uint_gt(nbad, 100);
}
END_TEST

START_TEST(parallel_equals_serial_on_worlds)
{
	static const char *const files[] = {
		"data-samples/world/edges.csv", "data-samples/world/users.csv",
		"data-samples/csv-edge-cases/edges.csv", "data-samples/csv-edge-cases/users.csv",
		"gen/edges.csv", "gen/users.csv",
	};
	const char *const gen[] = {"gen", "--out", "gen", "--users", "20000", "--seed", "5",
	                           "--quiet", NULL};
	size_t i;

	ck_assert_int_eq(fgt_run(NULL, NULL, NULL, NULL, gen), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = strncmp(files[i], "gen/", 4) == 0
		                     ? strdup(files[i])
		                     : fgt_path(fgt_source_root(), files[i]);
		size_t len = 0;
		char *data = fgt_read_file(path, &len);

		ck_assert_ptr_nonnull(data);
		memset(&bad, 0, sizeof(bad));
		free(out.s);
		memset(&out, 0, sizeof(out));
		ck_assert_int_eq(ingest_cmp(strstr(files[i], "users") != NULL, path, len), FG_OK);
		ck_assert_uint_gt(out.rows, 0);
		free(data);
		free(path);
	}
}
END_TEST

/* ---- SQLite ---- */

static void make_db(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		ck_abort_msg("sqlite: %s", err);
	sqlite3_close(db);
}

static int db_count(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static const char *const edges_db_sql =
	"CREATE TABLE edges(value TEXT, Kind TEXT, user_id, seen_at, other BLOB);"
	"INSERT INTO edges VALUES(' d1 ', 'Device', 'u1', 1700000000, x'00');"
	"INSERT INTO edges VALUES('c2', 'card', 42, '2023-11-14T22:13:20Z', NULL);"
	"INSERT INTO edges VALUES('a3', 'address', 'u3', NULL, NULL);"
	"INSERT INTO edges VALUES('a4', NULL, 'u4', NULL, NULL);"
	"INSERT INTO edges VALUES('u5', 'transfer', 'u5', NULL, NULL);"
	"INSERT INTO edges VALUES('d6', 'device', 'u6', 'yesterday', NULL);";

START_TEST(sqlite_default_query)
{
	make_db("source.db", edges_db_sql);
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db", NULL, &cfg, &bad, link_sink, &out),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|1700000000|1\n"
	                               "42|card|c2|1700000000|2\n"
	                               "u3|address|a3|-|3\n"
	                               "u6|device|d6|-|6\n");
	ck_assert_uint_eq(bad.total, 2);
	ck_assert_uint_eq(bad.warnings, 1);
	ck_assert_str_eq(bad.examples[FG_BAD_MISSING_FIELD][0],
	                 "source.db:edges:4: column 'kind': value \"\"");
	ck_assert_str_eq(bad.examples[FG_BAD_SELF_LINK][0],
	                 "source.db:edges:5: column 'value': value \"u5\"");
	ck_assert_str_eq(bad.examples[FG_WARN_SEEN_AT][0],
	                 "source.db:edges:6: column 'seen_at': value \"yesterday\"");
	/* no users table and no query: no users, no error */
	ck_assert_int_eq(fg_ingest_users_sqlite("source.db", NULL, &cfg, &bad, user_sink, &out),
	                 FG_OK);
}
END_TEST

START_TEST(sqlite_custom_query_and_strict)
{
	make_db("source.db", edges_db_sql);
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db",
	                                        "SELECT value AS VALUE, kind, user_id AS user_id "
	                                        "FROM edges WHERE kind = 'card';  ",
	                                        &cfg, &bad, link_sink, &out),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "42|card|c2|-|1\n");
	cfg.strict = true;
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db",
	                                        "SELECT value, kind, ' ' AS user_id FROM edges "
	                                        "WHERE user_id = 'u6'",
	                                        &cfg, &bad, link_sink, &out),
	                 FG_EDATA);
	ck_assert_str_eq(fg_error_msg(),
	                 "source.db:query:1: column 'user_id': empty value \" \"");
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db", "SELECT user_id, value FROM edges",
	                                        &cfg, &bad, link_sink, &out),
	                 FG_EDATA);
	ck_assert_str_eq(fg_error_msg(), "source.db:query: missing required column 'kind' "
	                                 "(columns: user_id,value)");
}
END_TEST

START_TEST(sqlite_rejects_writes_and_multiple_statements)
{
	make_db("source.db", edges_db_sql);
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db", "DELETE FROM edges", &cfg, &bad,
	                                        link_sink, &out),
	                 FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "read-only"));
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db",
	                                        "INSERT INTO edges VALUES('x','y','z',1,NULL)",
	                                        &cfg, &bad, link_sink, &out),
	                 FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "read-only"));
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db",
	                                        "SELECT * FROM edges; DELETE FROM edges",
	                                        &cfg, &bad, link_sink, &out),
	                 FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "one SQL statement"));
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db",
	                                        "SELECT * FROM edges;SELECT * FROM edges",
	                                        &cfg, &bad, link_sink, &out),
	                 FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "one SQL statement"));
	ck_assert_int_eq(out.rows, 0);
	/* trailing semicolons, whitespace and comments are not a second statement */
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db",
	                                        "SELECT * FROM edges WHERE kind = 'card' ; ;\n"
	                                        "-- only cards\n/* done */",
	                                        &cfg, &bad, link_sink, &out),
	                 FG_OK);
	ck_assert_int_eq(out.rows, 1);
	out.rows = 0;
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db", "SELECT * FROM nope", &cfg, &bad,
	                                        link_sink, &out),
	                 FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "no such table"));
	ck_assert_int_eq(out.rows, 0);
	ck_assert_int_eq(db_count("source.db", "SELECT count(*) FROM edges"), 6);
	ck_assert_int_eq(fg_ingest_links_sqlite("missing.db", NULL, &cfg, &bad, link_sink, &out),
	                 FG_EDB);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "missing.db"));
	ck_assert_int_eq(access("missing.db", F_OK), -1); /* read-only open creates nothing */
}
END_TEST

START_TEST(sqlite_users)
{
	make_db("source.db", "CREATE TABLE users(user_id INTEGER, label TEXT, created_at);"
	                     "INSERT INTO users VALUES(7, 'Fraud', 1700000000);"
	                     "INSERT INTO users VALUES(8, 'legit', '2023-11-14');"
	                     "INSERT INTO users VALUES(9, NULL, NULL);"
	                     "INSERT INTO users VALUES(10, 'LEGIT ', 1700000000.75);");
	ck_assert_int_eq(fg_ingest_users_sqlite("source.db", NULL, &cfg, &bad, user_sink, &out),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "7|1700000000|1|1\n8|1699920000|2|2\n9|-|0|3\n10|1700000000|2|4\n");
	/* a given query on a missing table is an error */
	make_db("empty.db", "CREATE TABLE t(x);");
	ck_assert_int_eq(fg_ingest_users_sqlite("empty.db", "SELECT * FROM users", &cfg, &bad,
	                                        user_sink, &out),
	                 FG_EDB);
}
END_TEST


/* What a hinted users read saw: each row's hash, and the hints given before each row. */
typedef struct hint_log {
	uint32_t *row_hash; /* per row, in delivery order */
	int64_t *far, *near; /* per row k: the hash hinted just before it (far, near), or -1 */
	int64_t pend_far, pend_near;
	size_t n, cap;
} hint_log;

static void hint_rec(void *ctx, uint32_t h, bool near)
{
	hint_log *lg = ctx;

	if (near)
		lg->pend_near = h;
	else
		lg->pend_far = h;
}

static int hint_sink(void *ctx, const fg_user_row *r)
{
	hint_log *lg = ctx;

	ck_assert(lg->n < lg->cap);
	lg->row_hash[lg->n] = r->user_hash;
	lg->far[lg->n] = lg->pend_far;
	lg->near[lg->n] = lg->pend_near;
	lg->pend_far = lg->pend_near = -1;
	lg->n++;
	return FG_OK;
}

/*
 * The users CSV's look-ahead (fg_user_hint): read in chunks by two threads,
 * row k comes after a far hint naming row k + 16 and a near hint naming row
 * k + 4 (in its chunk); the rows are those of the unhinted read.
 */
START_TEST(users_hint_ahead)
{
	enum { N = 3000 };
	char *data = malloc(N * 40 + 64), *p = data;
	hint_log lg = { 0 };
	fg_config c = cfg;
	fg_badrows b = { 0 };
	size_t n_far = 0, n_near = 0;

	p += sprintf(p, "user_id,label\n");
	for (int i = 0; i < N; i++)
		p += sprintf(p, "user-%07d,%s\n", (i * 7919) % 100003, i % 5 ? "" : "fraud");
	fgt_write_file("users.csv", data, (size_t)(p - data));
	lg.cap = N;
	lg.row_hash = malloc(N * sizeof(*lg.row_hash));
	lg.far = malloc(N * sizeof(*lg.far));
	lg.near = malloc(N * sizeof(*lg.near));
	lg.pend_far = lg.pend_near = -1;
	c.threads = 2;
	fg_ingest_csv_set_chunk(4096);
	ck_assert_int_eq(fg_ingest_users_csv_hinted("users.csv", &c, &b, hint_sink, hint_rec, &lg),
	                 FG_OK);
	fg_ingest_csv_set_chunk(0);
	ck_assert_uint_eq(lg.n, N);
	for (size_t k = 0; k < lg.n; k++) {
		if (lg.far[k] >= 0) {
			ck_assert_msg(k + 16 < lg.n && lg.far[k] == lg.row_hash[k + 16],
			              "far hint before row %zu", k);
			n_far++;
		}
		if (lg.near[k] >= 0) {
			ck_assert_msg(k + 4 < lg.n && lg.near[k] == lg.row_hash[k + 4],
			              "near hint before row %zu", k);
			n_near++;
		}
	}
	/* chunks of 4 KiB hold ~200 rows: all but their last 16 (4) rows are hinted */
	ck_assert_uint_gt(n_far, N / 2);
	ck_assert_uint_gt(n_near, N * 3 / 4);
	free(lg.row_hash);
	free(lg.far);
	free(lg.near);
	free(data);
}
END_TEST

/* User attributes through the CSV reader: every thread count and chunk size. */
START_TEST(users_attributes_parallel_equals_serial)
{
	char *data = malloc(300 * 80 + 128), *p = data;

	p += sprintf(p, "Age,user_id,\"Score\",label,city,age,ignored name\n");
	for (int i = 0; i < 300; i++) {
		switch (i % 7) {
		case 0: p += sprintf(p, "%d,u%d,%d.5,fraud,\"Oslo, N\",9,x\n", i, i, i); break;
		case 1: p += sprintf(p, ",u%d, -1e3 ,,,,\n", i); break;
		case 2: p += sprintf(p, "%d,u%d,0x1f,legit,\"a\nb\",1\n", i, i); break;
		case 3: p += sprintf(p, "%d,u%d,\"\"\"7\"\"\",\n", i, i); break;
		case 4: p += sprintf(p, "%d,u%d,\"3\" x,,\n", i, i); break; /* malformed: bad row */
		default: p += sprintf(p, "%d,u%d,%d,,Paris\r\n", i, i, -i); break;
		}
	}
	fgt_write_file("users.csv", data, (size_t)(p - data));
	ck_assert_int_eq(ingest_cmp(true, "users.csv", (size_t)(p - data)), FG_OK);
	ck_assert_uint_eq(bad.by_reason[FG_BAD_QUOTE], 43);
	ck_assert_ptr_nonnull(strstr(sb_str(&out), "u0|-|1|2|age=0|score=0.5|city='Oslo, N'|ignored name='x'\n"));
	ck_assert_ptr_nonnull(strstr(sb_str(&out), "u1|-|0|3|age=-|score=-1000|city=-|ignored name=-\n"));
	ck_assert_ptr_nonnull(strstr(sb_str(&out), "u2|-|2|4|age=2|score='0x1f'|city='a\nb'|ignored name=-\n"));
	ck_assert_ptr_nonnull(strstr(sb_str(&out), "u3|-|0|6|age=3|score='\"7\"'|city=-|ignored name=-\n"));
	ck_assert_ptr_nonnull(strstr(sb_str(&out), "u5|-|0|8|age=5|score=-5|city='Paris'|ignored name=-\n"));
	/* --attrs and --no-attrs choose before reading */
	free(out.s);
	memset(&out, 0, sizeof(out));
	memset(&bad, 0, sizeof(bad));
	ck_assert_int_eq(fg_config_set_attrs(&cfg, "score"), FG_OK);
	fgt_write_file("users.csv", "user_id,age,score\nu1,3,4\n", (size_t)-1);
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|-|0|2|score=4\n");
	free(out.s);
	memset(&out, 0, sizeof(out));
	fg_config_set_no_attrs(&cfg);
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|-|0|2\n");
	free(data);
}
END_TEST

/* ---- the data contract (issue 11): quotes, times, column names, labels ---- */

/* A stray quote is one bad row; the next physical line parses as usual. */
START_TEST(malformed_quote_is_a_bad_row_and_reading_resumes)
{
	ck_assert_int_eq(links("user_id,kind,value\n"
	                       "a1,device,\"Apt 4\" rear\n"
	                       "a2,device,d2\n"
	                       "a3,dev\"ice,d3\n"
	                       "a4,device,\"q\"\"ok\"\r\n"
	                       "a5,\"x\ny\" z,d5\n"
	                       "a6,device,d6\n"),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "a2|device|d2|-|3\n"
	                               "a4|device|q\"ok|-|5\n"
	                               "a6|device|d6|-|8\n");
	ck_assert_uint_eq(bad.total, 3);
	ck_assert_uint_eq(bad.by_reason[FG_BAD_QUOTE], 3);
	ck_assert_uint_eq(bad.rows_read, 6);
	ck_assert_str_eq(bad.examples[FG_BAD_QUOTE][0],
	                 "edges.csv:2: column 'value': value \"Apt 4\\x22 rear\"");
	ck_assert_str_eq(bad.examples[FG_BAD_QUOTE][1],
	                 "edges.csv:4: column 'kind': value \"dev\\x22ice\"");
	ck_assert_str_eq(bad.examples[FG_BAD_QUOTE][2],
	                 "edges.csv:6: column 'kind': value \"x\\x0ay\\x22 z\"");
	/* the 201-row file of the issue: 200 rows kept, 1 bad */
	{
		char *data = malloc(201 * 32 + 64), *p = data;

		p += sprintf(p, "user_id,kind,value\n");
		p += sprintf(p, "a0,device,\"Apt 4\" rear\n");
		for (int i = 1; i < 201; i++)
			p += sprintf(p, "a%d,device,d%d\n", i, i);
		memset(&bad, 0, sizeof(bad));
		free(out.s);
		memset(&out, 0, sizeof(out));
		ck_assert_int_eq(links_n(data, (size_t)(p - data)), FG_OK);
		ck_assert_uint_eq(out.rows, 200);
		ck_assert_uint_eq(bad.total, 1);
		free(data);
	}
	/* strict: the first malformed quote stops, with file:line, column and value */
	cfg.strict = true;
	ck_assert_int_eq(links("user_id,kind,value\nu1,d,x\nu2,d,\"v\"w\n"), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(), "edges.csv:3: column 'value': malformed quote \"v\\x22w\"");
}
END_TEST

/* An open quote at the end of the file is an error, not one huge value. */
START_TEST(unterminated_quote_at_eof_is_an_error)
{
	ck_assert_int_eq(links("user_id,kind,value\nu1,device,d1\nu2,device,\"open\nu3,device,d3\n"),
	                 FG_EDATA);
	ck_assert_str_eq(fg_error_msg(),
	                 "edges.csv:3: column 'value': unterminated quote: the quoted field opened "
	                 "here runs to the end of the file");
	ck_assert_int_eq(links("user_id,kind,\"value\n"), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(), "edges.csv:1: unterminated quote in the header");
	fgt_write_file("users.csv", "user_id,label\nu1,\"fraud\n", (size_t)-1);
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_EDATA);
	ck_assert_ptr_nonnull(strstr(fg_error_msg(), "users.csv:2: column 'label': unterminated"));
}
END_TEST

/* Malformed quotes across chunk boundaries: parallel == serial (ingest_cmp). */
START_TEST(parallel_equals_serial_on_bad_quotes)
{
	char *data = malloc(400 * 48 + 64), *p = data;

	p += sprintf(p, "user_id,kind,value,seen_at\n");
	for (int i = 0; i < 400; i++) {
		switch (i % 23) {
		case 3: p += sprintf(p, "u%d,device,\"Apt %d\" rear,1\n", i, i); break;
		case 7: p += sprintf(p, "u%d,dev\"ice,d%d,1\n", i, i); break;
		case 11: p += sprintf(p, "u%d,address,\"a\n%d\" x,1\n", i, i); break;
		case 13: p += sprintf(p, "u%d,address,\"a, \"\"b\"\"\n%d\",1\r\n", i, i); break;
		case 17: p += sprintf(p, "u%d,device,d%d,2024-02-30\n", i, i); break;
		default: p += sprintf(p, "u%d,device,d%d,%d\n", i, i, i); break;
		}
	}
	ck_assert_int_eq(links_n(data, (size_t)(p - data)), FG_OK);
	ck_assert_uint_eq(bad.by_reason[FG_BAD_QUOTE], 3 * 18 - 1);
	ck_assert_uint_eq(bad.by_reason[FG_WARN_SEEN_AT], 17);
	ck_assert_uint_eq(out.rows, 400 - bad.total);
	free(data);
}
END_TEST

/* An unquoted field past libcsv's buffer cap is a bad row, not the end of the file. */
START_TEST(unquoted_field_over_the_cap_is_a_bad_row)
{
	size_t n = (size_t)5 << 20;
	const char *head = "user_id,kind,value\nu1,device,d1\nu2,device,";
	const char *tail = "\nu3,device,d3\n";
	char *data = malloc(n + 64);
	size_t len = 0;

	memcpy(data, head, strlen(head));
	len = strlen(head);
	memset(data + len, 'x', n);
	len += n;
	memcpy(data + len, tail, strlen(tail));
	len += strlen(tail);
	fgt_write_file("edges.csv", data, len);
	cfg.threads = 1;
	ck_assert_int_eq(fg_ingest_links_csv("edges.csv", &cfg, &bad, link_sink, &out), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|-|2\nu3|device|d3|-|4\n");
	ck_assert_uint_eq(bad.by_reason[FG_BAD_TOO_LONG], 1);
	ck_assert_ptr_nonnull(strstr(bad.examples[FG_BAD_TOO_LONG][0],
	                             "edges.csv:3: column 'value': value \"xxx"));
	free(data);
}
END_TEST

/* Optional times: kept without the time, a warning per reason; exporters' formats. */
START_TEST(unparseable_optional_times_keep_the_row)
{
	ck_assert_int_eq(links("user_id,kind,value,seen_at\n"
	                       "u1,device,d1,2024-02-30\n"
	                       "u2,device,d2,2023-11-14T00:00:60Z\n"
	                       "u3,device,d3,2023-11-14 22:13:20+00\n"
	                       "u4,device,d4,2023-11-14T23:13:20+0100\n"
	                       "u5,device,d5,2023-11-14 22:13\n"
	                       "u6,device,d6,1700000000123\n"
	                       "u7,device,d7,2023-11-14\n"),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|-|2\n"
	                               "u2|device|d2|-|3\n"
	                               "u3|device|d3|1700000000|4\n"
	                               "u4|device|d4|1700000000|5\n"
	                               "u5|device|d5|1699999980|6\n"
	                               "u6|device|d6|1700000000|7\n"
	                               "u7|device|d7|1699920000|8\n");
	ck_assert_uint_eq(bad.total, 0);
	ck_assert_uint_eq(bad.warnings, 2);
	ck_assert_uint_eq(bad.by_reason[FG_WARN_SEEN_AT], 2);
	ck_assert_str_eq(bad.examples[FG_WARN_SEEN_AT][0],
	                 "edges.csv:2: column 'seen_at': value \"2024-02-30\"");
	/* the time window still applies to the parsed ones; strict does not stop on a warning */
	cfg.strict = true;
	fgt_write_file("users.csv", "user_id,created_at\nu1,soon\nu2,1700000000000\n", (size_t)-1);
	free(out.s);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|-|0|2\nu2|1700000000|0|3\n");
	ck_assert_uint_eq(bad.by_reason[FG_WARN_CREATED_AT], 1);
}
END_TEST

/* --column names any role; the SQLite reader maps the same way. */
START_TEST(column_names_for_any_role)
{
	ck_assert_int_eq(fg_config_set_column(&cfg, "user_id=account"), FG_OK);
	ck_assert_int_eq(fg_config_set_column(&cfg, "kind=Type"), FG_OK);
	ck_assert_int_eq(fg_config_set_column(&cfg, "value=ident"), FG_OK);
	ck_assert_int_eq(fg_config_set_column(&cfg, "seen_at= observed_at "), FG_OK);
	ck_assert_int_eq(fg_config_set_column(&cfg, "created_at=signup_time"), FG_OK);
	ck_assert_int_eq(fg_config_set_column(&cfg, "label=status"), FG_OK);
	ck_assert_int_eq(fg_config_set_column(&cfg, "colour=x"), FG_EUSAGE);
	ck_assert_int_eq(fg_config_set_column(&cfg, "label="), FG_EUSAGE);
	ck_assert_int_eq(links("ACCOUNT,type,ident,observed_at,user_id\nu1,device,d1,1700000000,zz\n"),
	                 FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|device|d1|1700000000|2\n");
	/* messages name the file's column */
	ck_assert_int_eq(links("account,type,ident\nu1,,d1\n"), FG_OK);
	ck_assert_str_eq(bad.examples[FG_BAD_EMPTY_VALUE][0], "edges.csv:2: column 'Type': value \"\"");
	ck_assert_int_eq(links("user_id,kind,value\nu1,device,d1\n"), FG_EDATA);
	ck_assert_str_eq(fg_error_msg(), "edges.csv:1: missing required column 'account' "
	                                 "(header: user_id,kind,value)");
	fgt_write_file("users.csv", "account,signup_time,status\nu1,1700000000,Chargeback\n",
	               (size_t)-1);
	free(out.s);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|1700000000|1|2\n");
	make_db("source.db", "CREATE TABLE edges(account, type, ident);"
	                     "INSERT INTO edges VALUES('u9', 'card', 'c9');");
	free(out.s);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(fg_ingest_links_sqlite("source.db", NULL, &cfg, &bad, link_sink, &out), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u9|card|c9|-|1\n");
}
END_TEST

/* The documented label mapping, --label, unrecognised values named. */
START_TEST(label_mapping_default_and_custom)
{
	fgt_write_file("users.csv",
	               "user_id,label\n"
	               "u1,fraud\nu2,CHARGEBACK\nu3,confirmed_fraud\nu4,1\nu5,True\nu6,yes\n"
	               "u7,legit\nu8,Cleared\nu9,0\nu10,false\nu11,\nu12,maybe\nu13,MAYBE\nu14,fraud?\n",
	               (size_t)-1);
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|-|1|2\nu2|-|1|3\nu3|-|1|4\nu4|-|1|5\nu5|-|1|6\nu6|-|1|7\n"
	                               "u7|-|2|8\nu8|-|2|9\nu9|-|0|10\nu10|-|0|11\nu11|-|0|12\n"
	                               "u12|-|0|13\nu13|-|0|14\nu14|-|0|15\n");
	ck_assert_uint_eq(bad.by_reason[FG_WARN_LABEL], 3);
	ck_assert_uint_eq(bad.n_label_values, 3);
	ck_assert_str_eq(bad.label_value[0], "maybe");
	ck_assert_uint_eq(bad.label_count[0], 1);
	ck_assert_str_eq(bad.label_value[1], "MAYBE");
	ck_assert_str_eq(bad.label_value[2], "fraud?");
	/* --label replaces a class's list */
	memset(&bad, 0, sizeof(bad));
	free(out.s);
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(fg_config_set_label(&cfg, "fraud=Maybe, fraud?"), FG_OK);
	ck_assert_int_eq(fg_config_set_label(&cfg, "legit=0"), FG_OK);
	ck_assert_int_eq(fg_config_set_label(&cfg, "suspect=x"), FG_EUSAGE);
	ck_assert_int_eq(ingest_cmp(true, "users.csv", 0), FG_OK);
	ck_assert_str_eq(sb_str(&out), "u1|-|0|2\nu2|-|0|3\nu3|-|0|4\nu4|-|0|5\nu5|-|0|6\nu6|-|0|7\n"
	                               "u7|-|0|8\nu8|-|0|9\nu9|-|2|10\nu10|-|0|11\nu11|-|0|12\n"
	                               "u12|-|1|13\nu13|-|1|14\nu14|-|1|15\n");
	ck_assert_uint_eq(bad.by_reason[FG_WARN_LABEL], 8);
}
END_TEST

/* Through the binary: warnings in runs.bad_rows, --column, --label, attributes. */
START_TEST(cli_data_contract)
{
	char *err = NULL;
	const char *const args1[] = { "run", "--db", "r.db", "--edges", "e.csv", "--users", "u.csv",
	                              "--top", "0", NULL };
	const char *const args2[] = { "run", "--db", "r.db", "--edges", "e.csv", "--users", "u.csv",
	                              "--top", "0", "--column", "created_at=signup_time",
	                              "--label", "fraud=suspect", "--no-attrs", NULL };
	const char *const args3[] = { "run", "--db", "r.db", "--edges", "e.csv", "--users", "u.csv",
	                              "--column", "flavour=x", NULL };
	const char *const args4[] = { "run", "--db", "r.db", "--edges", "e.csv", "--users", "u.csv",
	                              "--users", "u2.csv", "--top", "0", NULL };

	fgt_write_file("e.csv", "user_id,kind,value,seen_at\n"
	                        "a,card,c1,2024-02-30\nb,card,c1,1700000000\nc,device,\"x\" y,1\n",
	               (size_t)-1);
	fgt_write_file("u.csv", "user_id,signup_time,label,age\na,1700000000,suspect,31\n"
	                        "b,1700000001,chargeback,x\n",
	               (size_t)-1);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, args1), 0);
	ck_assert_ptr_nonnull(strstr(err, "no column 'created_at'"));
	ck_assert_ptr_nonnull(strstr(err, "--column created_at=NAME"));
	ck_assert_ptr_nonnull(strstr(err, "unrecognised labels, counted as unknown: \"suspect\" (1)"));
	ck_assert_ptr_nonnull(strstr(err, "user attribute 'age' is not numeric (first at u.csv:3"));
	ck_assert_ptr_nonnull(strstr(err, "e.csv:4: column 'value': value \"x\\x22 y\""));
	free(err);
	err = NULL;
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, args2), 0);
	ck_assert_ptr_null(strstr(err, "no column 'created_at'"));
	free(err);
	err = NULL;
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, args3), 2);
	ck_assert_ptr_nonnull(strstr(err, "--column flavour=x: ROLE must be one of"));
	free(err);
	err = NULL;
	/* two users files without created_at: said once; b fraud in one, legit in the other */
	fgt_write_file("u2.csv", "user_id,label\nb,Cleared\n", (size_t)-1);
	ck_assert_int_eq(fgt_run(NULL, &err, NULL, NULL, args4), 0);
	{
		const char *p = strstr(err, "no column 'created_at'");

		ck_assert_ptr_nonnull(p);
		ck_assert_ptr_null(strstr(p + 1, "no column 'created_at'"));
	}
	ck_assert_ptr_nonnull(strstr(err, "1 users labelled both fraud and legit (e.g. \"b\"): "
	                                  "fraud wins"));
	free(err);
	ck_assert_int_eq(db_count("r.db", "SELECT n_seeds FROM runs WHERE run_id = 3"), 1);
	/* run 1: a and b kept (a without its time), c bad; b a seed (chargeback) */
	ck_assert_int_eq(db_count("r.db", "SELECT n_bad_rows FROM runs WHERE run_id = 1"), 1);
	ck_assert_int_eq(db_count("r.db", "SELECT n_users FROM runs WHERE run_id = 1"), 2);
	ck_assert_int_eq(db_count("r.db", "SELECT n_seeds FROM runs WHERE run_id = 1"), 1);
	ck_assert_int_eq(db_count("r.db", "SELECT json_extract(bad_rows, '$.\"warning: unparseable "
	                                  "seen_at (link kept without time)\".count') FROM runs "
	                                  "WHERE run_id = 1"), 1);
	ck_assert_int_eq(db_count("r.db", "SELECT json_extract(bad_rows, '$.\"malformed quote\".count')"
	                                  " FROM runs WHERE run_id = 1"), 1);
	/* run 2: a is the seed (suspect), b unknown; the mapping is in runs.params */
	ck_assert_int_eq(db_count("r.db", "SELECT n_seeds FROM runs WHERE run_id = 2"), 1);
	ck_assert_int_eq(db_count("r.db", "SELECT json_extract(params, '$.input.columns.created_at') "
	                                  "= 'signup_time' AND json_extract(params, '$.input.no_attrs') "
	                                  "FROM runs WHERE run_id = 2"), 1);
	ck_assert_int_eq(db_count("r.db", "SELECT json_type(params, '$.input') IS NULL FROM runs "
	                                  "WHERE run_id = 1"), 1);
}
END_TEST

static Suite *ingest_suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("csv");
	TCase *tq = tcase_create("sqlite");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, basic_order_extra_columns_normalisation);
	tcase_add_test(tc, links_arrive_normalised);
	tcase_add_test(tc, users_hint_ahead);
	tcase_add_test(tc, quotes_newlines_crlf_blank_lines_line_numbers);
	tcase_add_test(tc, line_numbers_of_bad_rows_after_quoted_newlines);
	tcase_add_test(tc, bom_is_stripped);
	tcase_add_test(tc, header_only_and_empty_file);
	tcase_add_test(tc, missing_required_column);
	tcase_add_test(tc, bad_row_reasons_with_file_line_column);
	tcase_add_test(tc, strict_fails_on_first_bad_row);
	tcase_add_test(tc, max_bad_rows_limit);
	tcase_add_test(tc, examples_kept_for_first_three_per_reason);
	tcase_add_test(tc, time_window_filters_old_links);
	tcase_add_test(tc, stdin_dash);
	tcase_add_test(tc, ten_thousand_columns);
	tcase_add_test(tc, runaway_quoted_field_is_bounded);
	tcase_add_test(tc, badrows_report_runs);
	tcase_add_test(tc, golden_messy_file);
	tcase_add_test(tc, unreadable_file_is_eio);
	tcase_add_test(tc, sink_error_is_passed_up);
	tcase_add_test(tc, users_csv_labels);
	tcase_add_test(tc, parallel_equals_serial_on_malformed_quotes);
	tcase_add_test(tc, parallel_equals_serial_on_worlds);
	tcase_add_test(tc, fast_path_equals_libcsv_on_generated_inputs);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tq, setup, teardown);
	tcase_add_test(tq, sqlite_default_query);
	tcase_add_test(tq, sqlite_custom_query_and_strict);
	tcase_add_test(tq, sqlite_rejects_writes_and_multiple_statements);
	tcase_add_test(tq, sqlite_users);
	tcase_add_test(tq, malformed_quote_is_a_bad_row_and_reading_resumes);
	tcase_add_test(tq, unterminated_quote_at_eof_is_an_error);
	tcase_add_test(tq, parallel_equals_serial_on_bad_quotes);
	tcase_add_test(tq, unquoted_field_over_the_cap_is_a_bad_row);
	tcase_add_test(tq, unparseable_optional_times_keep_the_row);
	tcase_add_test(tq, column_names_for_any_role);
	tcase_add_test(tq, label_mapping_default_and_custom);
	tcase_add_test(tq, cli_data_contract);
	tcase_add_test(tq, users_attributes_parallel_equals_serial);
	suite_add_tcase(s, tq);
	return s;
}

int main(void)
{
	return fgt_run_suite(ingest_suite());
}
