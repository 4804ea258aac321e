/*
 * fuzz_entries: one input through a reader, with its contract checked.
 * See fuzz_entries.h.  SQLite connections opened by the readers get, through
 * sqlite3_auto_extension, a progress handler (a hostile query such as an
 * endless recursive CTE is interrupted after ~500k VM steps and must come back
 * as a clean FG_EDB) and a 1 MB string limit; the whole process gets a 256 MB
 * SQLite heap limit.  Neither changes what the reader does with its rows.
 */
#include "fuzz_entries.h"

#include "fg_config.h"
#include "fg_error.h"
#include "fg_graphalytics.h"
#include "fg_ingest.h"
#include "fg_truth.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define ROW_CAP 20000 /* the sink stops a reader after this many rows */
#define PROGRESS_STEPS 1000
#define PROGRESS_CAP 500 /* x PROGRESS_STEPS VM steps per connection */

enum { TMP_CSV, TMP_DB, TMP_QDB, TMP_GA, TMP_CONF, TMP_N };
static char tmp_paths[TMP_N][512];

typedef struct sink_ctx {
	const fg_config *cfg;
	uint64_t rows;
	uint64_t sum; /* touches every byte handed over, so ASan sees each access */
} sink_ctx;

static const char *tmp_path(int which)
{
	static const char *const suffix[TMP_N] = {"in.csv", "in.db", "query.db", "ga", "in.conf"};

	if (!tmp_paths[which][0]) {
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

		snprintf(tmp_paths[which], sizeof(tmp_paths[which]), "%s/fgfuzz-%ld-%s",
		         dir && *dir ? dir : "/tmp", (long)getpid(), suffix[which]);
	}
	return tmp_paths[which];
}

static void remove_db_files(const char *path)
{
	static const char *const ext[] = {"", "-journal", "-wal", "-shm"};
	char p[600];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, ext[i]);
		unlink(p);
	}
}

static void remove_ga_files(void);
static void forget_fixed_db(void);

void fg_fuzz_cleanup(void)
{
	forget_fixed_db();
	for (int i = 0; i < TMP_N; i++)
		if (tmp_paths[i][0] && i != TMP_GA)
			remove_db_files(tmp_paths[i]);
	if (tmp_paths[TMP_GA][0])
		remove_ga_files();
}

static void write_input(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t done = 0;

	FUZZ_CHECK(fd >= 0);
	while (done < size) {
		ssize_t k = write(fd, data + done, size - done);

		FUZZ_CHECK(k > 0);
		done += (size_t)k;
	}
	FUZZ_CHECK(close(fd) == 0);
}

const char *fg_fuzz_config_file(const uint8_t *data, size_t size)
{
	write_input(tmp_path(TMP_CONF), data, size);
	return tmp_path(TMP_CONF);
}

static int progress_cb(void *arg)
{
	unsigned long *n = arg;

	return ++*n > PROGRESS_CAP;
}

static int auto_ext(sqlite3 *db, const char **err, const void *api)
{
	/* the readers hold one connection at a time, so one counter suffices */
	static unsigned long steps;

	(void)err;
	(void)api;
	steps = 0;
	sqlite3_progress_handler(db, PROGRESS_STEPS, progress_cb, &steps);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1000000);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1000000);
	return SQLITE_OK;
}

static void sqlite_setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	sqlite3_hard_heap_limit64((sqlite3_int64)256 << 20);
	sqlite3_auto_extension((void (*)(void))auto_ext);
}

/* Independent strict UTF-8 check (no NUL, no overlong, no surrogate, <= U+10FFFF). */
static bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		int n;

		if (p[i] < 0x80) {
			if (p[i] == 0)
				return false;
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = p[i] & 0x07;
		} else {
			return false;
		}
		if (len - i <= (size_t)n)
			return false;
		for (int k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
			return false;
		if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += (size_t)n + 1;
	}
	return true;
}

static bool ascii_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void check_field(const sink_ctx *c, fg_str s, bool lower)
{
	FUZZ_CHECK(s.ptr != NULL);
	FUZZ_CHECK(s.len > 0);
	FUZZ_CHECK(s.len <= c->cfg->max_field_len);
	FUZZ_CHECK(!ascii_ws(s.ptr[0]) && !ascii_ws(s.ptr[s.len - 1]));
	FUZZ_CHECK(utf8_valid(s.ptr, s.len));
	if (lower)
		for (size_t i = 0; i < s.len; i++)
			FUZZ_CHECK(!(s.ptr[i] >= 'A' && s.ptr[i] <= 'Z'));
}

static uint64_t touch(uint64_t h, fg_str s)
{
	for (size_t i = 0; i < s.len; i++)
		h = h * 1099511628211ull ^ (unsigned char)s.ptr[i];
	return h;
}

static int cap_rows(sink_ctx *c)
{
	if (++c->rows > ROW_CAP)
		return fg_error_set(FG_ERROR, "fuzz: row cap of %d reached", ROW_CAP);
	return FG_OK;
}

static int link_sink(void *ctx, const fg_link_row *r)
{
	sink_ctx *c = ctx;
	char kind[FG_KIND_NAME_MAX + 1];

	check_field(c, r->user, false);
	check_field(c, r->kind, true);
	check_field(c, r->value, false);
	FUZZ_CHECK(r->kind.ptr[r->kind.len] == '\0'); /* kind is NUL-terminated (kind_buf) */
	FUZZ_CHECK(r->file && r->line >= 1);
	if (r->seen_at != FG_TIME_NONE && c->cfg->since != FG_TIME_NONE)
		FUZZ_CHECK(r->seen_at >= c->cfg->since);
	if (r->kind.len < sizeof(kind)) {
		memcpy(kind, r->kind.ptr, r->kind.len);
		kind[r->kind.len] = '\0';
		if (fg_config_is_relation(c->cfg, kind))
			FUZZ_CHECK(r->user.len != r->value.len ||
			           memcmp(r->user.ptr, r->value.ptr, r->user.len) != 0);
	}
	c->sum = touch(touch(touch(c->sum, r->user), r->kind), r->value) + (uint64_t)r->seen_at;
	return cap_rows(c);
}

static int user_sink(void *ctx, const fg_user_row *r)
{
	sink_ctx *c = ctx;

	check_field(c, r->user, false);
	FUZZ_CHECK(r->label == FG_LABEL_UNKNOWN || r->label == FG_LABEL_FRAUD ||
	           r->label == FG_LABEL_LEGIT);
	FUZZ_CHECK(r->file && r->line >= 1);
	FUZZ_CHECK(r->n_attrs <= FG_MAX_ATTRS && (r->n_attrs == 0 || r->attrs));
	for (uint32_t a = 0; a < r->n_attrs; a++) {
		const fg_attr_val *v = &r->attrs[a];

		FUZZ_CHECK(v->name.len > 0 && v->state <= FG_ATTR_TEXT);
		FUZZ_CHECK(v->state != FG_ATTR_NUMBER || isfinite(v->num));
		FUZZ_CHECK(v->state != FG_ATTR_TEXT || v->text.len <= 64);
		c->sum = touch(c->sum, v->name);
	}
	c->sum = touch(c->sum, r->user) + (uint64_t)r->created_at;
	return cap_rows(c);
}

/* The result contract: FG_OK, or an FG_E* code with a non-empty message. */
static void check_result(int rc, const fg_badrows *bad, const sink_ctx *c)
{
	uint64_t sum = 0;

	FUZZ_CHECK(rc <= 0 && rc >= FG_EDRIFT);
	if (rc != FG_OK) {
		FUZZ_CHECK(fg_error_msg()[0] != '\0');
		FUZZ_CHECK(fg_error_code() == rc);
	}
	for (int r = 0; r < FG_BAD_NREASONS; r++) {
		sum += bad->by_reason[r];
		for (int k = 0; k < FG_BAD_EXAMPLES; k++)
			FUZZ_CHECK(memchr(bad->examples[r][k], 0, sizeof(bad->examples[r][k])));
	}
	FUZZ_CHECK(sum == bad->total + bad->warnings);
	/* every row the reader validated is good (sink), bad or filtered */
	FUZZ_CHECK(bad->rows_read == c->rows + bad->total + bad->rows_filtered);
	if (rc == FG_OK && bad->total > 0)
		FUZZ_CHECK(!c->cfg->strict && bad->total <= c->cfg->max_bad_rows);
}

/* The configurations every input is read under. */
enum { NCONFIGS = 4 };

static void config_variant(fg_config *cfg, int v)
{
	fg_config_init(cfg);
	if (v == 1) { /* tight: short fields, few bad rows, a time window */
		cfg->max_field_len = 8;
		cfg->max_bad_rows = 3;
		cfg->since = 1600000000;
	} else if (v == 2) { /* strict, with an extra relation kind */
		cfg->strict = true;
		if (fg_config_set_relations(cfg, "user,referral,device") != FG_OK)
			abort();
	} else if (v == 3) { /* the data contract: renamed columns, labels, chosen attributes */
		if (fg_config_set_column(cfg, "created_at=label") != FG_OK ||
		    fg_config_set_column(cfg, "label=kind") != FG_OK ||
		    fg_config_set_column(cfg, "seen_at=value") != FG_OK ||
		    fg_config_set_label(cfg, "fraud=a,B,\xc3\xa9") != FG_OK ||
		    fg_config_set_label(cfg, "unknown=") != FG_OK ||
		    fg_config_set_attrs(cfg, "age,score,x") != FG_OK)
			abort();
	}
}

typedef int (*run_fn)(const char *path, const char *sql, const fg_config *cfg, fg_badrows *bad,
                      sink_ctx *c);

static int run_links_csv(const char *path, const char *sql, const fg_config *cfg,
                         fg_badrows *bad, sink_ctx *c)
{
	(void)sql;
	return fg_ingest_links_csv(path, cfg, bad, link_sink, c);
}

static int run_users_csv(const char *path, const char *sql, const fg_config *cfg,
                         fg_badrows *bad, sink_ctx *c)
{
	(void)sql;
	return fg_ingest_users_csv(path, cfg, bad, user_sink, c);
}

static int run_links_sqlite(const char *path, const char *sql, const fg_config *cfg,
                            fg_badrows *bad, sink_ctx *c)
{
	return fg_ingest_links_sqlite(path, sql, cfg, bad, link_sink, c);
}

static int run_users_sqlite(const char *path, const char *sql, const fg_config *cfg,
                            fg_badrows *bad, sink_ctx *c)
{
	return fg_ingest_users_sqlite(path, sql, cfg, bad, user_sink, c);
}

/* The last failure of the current entry call, handed back by finish(). */
static int fail_rc;
static char fail_msg[1024];

static int finish(void)
{
	int rc = fail_rc;

	fail_rc = FG_OK;
	if (rc != FG_OK)
		return fg_error_set(rc, "%s", fail_msg);
	fg_error_clear();
	return FG_OK;
}

/*
 * fn under every configuration.  csv: each run again with every line through
 * libcsv (fg_ingest_csv_set_fast(false)), which must give what the fast path
 * gave: the code, the message, the rows (their digest) and the bad rows.
 */
static void run_all(run_fn fn, const char *path, const char *sql, bool csv)
{
	static fg_badrows bad, bad_ref; /* ~4.6 kB each: kept off the fuzzer's stack */
	static char msg[1024];

	for (int v = 0; v < NCONFIGS; v++) {
		fg_config cfg;
		sink_ctx c, cref;
		int rc, rref;

		config_variant(&cfg, v);
		memset(&bad, 0, sizeof(bad));
		memset(&c, 0, sizeof(c));
		c.cfg = &cfg;
		fg_error_clear();
		rc = fn(path, sql, &cfg, &bad, &c);
		check_result(rc, &bad, &c);
		if (rc != FG_OK) {
			fail_rc = rc;
			snprintf(fail_msg, sizeof(fail_msg), "%s", fg_error_msg());
		}
		if (!csv)
			continue;
		snprintf(msg, sizeof(msg), "%s", fg_error_msg());
		memset(&bad_ref, 0, sizeof(bad_ref));
		memset(&cref, 0, sizeof(cref));
		cref.cfg = &cfg;
		fg_ingest_csv_set_fast(false);
		fg_error_clear();
		rref = fn(path, sql, &cfg, &bad_ref, &cref);
		fg_ingest_csv_set_fast(true);
		FUZZ_CHECK(rref == rc);
		FUZZ_CHECK(rc == FG_OK || strcmp(fg_error_msg(), msg) == 0);
		FUZZ_CHECK(cref.rows == c.rows && cref.sum == c.sum);
		FUZZ_CHECK(memcmp(&bad_ref, &bad, sizeof(bad)) == 0);
	}
}

int fg_fuzz_csv_links(const uint8_t *data, size_t size)
{
	const char *p = tmp_path(TMP_CSV);

	write_input(p, data, size);
	run_all(run_links_csv, p, NULL, true);
	return finish();
}

int fg_fuzz_csv_users(const uint8_t *data, size_t size)
{
	const char *p = tmp_path(TMP_CSV);

	write_input(p, data, size);
	run_all(run_users_csv, p, NULL, true);
	return finish();
}

/*
 * The truth reader's contract: FG_OK with users in strict user_id order, each
 * id non-empty, a ring only on a positive and within n_rings, ring names
 * strictly sorted; or an error code with a message and no object.
 */
int fg_fuzz_truth(const uint8_t *data, size_t size)
{
	const char *p = tmp_path(TMP_CSV);
	fg_truth *t = NULL;
	int rc;

	write_input(p, data, size);
	rc = fg_truth_read(&t, p);
	if (rc != FG_OK) {
		FUZZ_CHECK(rc < 0 && t == NULL && fg_error_msg()[0] != '\0');
		return rc;
	}
	FUZZ_CHECK(t != NULL && t->rule != NULL && t->n_users <= t->n_rows);
	for (size_t i = 0; i < t->n_users; i++) {
		const fg_truth_user *u = &t->users[i];
		FUZZ_CHECK(u->user_id && u->user_id[0]);
		FUZZ_CHECK(i == 0 || strcmp(t->users[i - 1].user_id, u->user_id) < 0);
		FUZZ_CHECK(u->ring == FG_TRUTH_NO_RING || (u->positive && u->ring >= 0 && (size_t)u->ring < t->n_rings));
	}
	for (size_t r = 1; r < t->n_rings; r++)
		FUZZ_CHECK(strcmp(t->ring_name[r - 1], t->ring_name[r]) < 0);
	fg_truth_free(&t);
	FUZZ_CHECK(t == NULL);
	return FG_OK;
}

int fg_fuzz_sqlite_input(const uint8_t *data, size_t size)
{
	const char *p = tmp_path(TMP_DB);

	sqlite_setup();
	remove_db_files(p);
	write_input(p, data, size);
	run_all(run_users_sqlite, p, NULL, false);
	run_all(run_links_sqlite, p, NULL, false);
	remove_db_files(p);
	return finish();
}

/* The fixed database the query target reads; every kind of cell a query can meet. */
static const char fixed_db_sql[] =
	"PRAGMA journal_mode=DELETE;"
	"CREATE TABLE edges(user_id TEXT, kind TEXT, value TEXT, seen_at);"
	"INSERT INTO edges VALUES"
	" ('u1','device','d1',1700000000), ('u2','Device ',' d1','2023-11-14T22:13:20Z'),"
	" ('u3','card','c1',1700000000.5), ('u1','user','u2',NULL), ('u4','user','u4',1),"
	" ('u5',NULL,'x',2), ('','card','c2',3), ('u6','card',x'00ff',4),"
	" ('u7','address','Ünïcødé straße',-5), (x'75',7,8.5,'yesterday');"
	"CREATE TABLE users(user_id, created_at, label);"
	"INSERT INTO users VALUES ('u1',1700000000,'fraud'), ('u2','2023-01-01','LEGIT'),"
	" ('u3',NULL,NULL), (NULL,1,'fraud'), (4,2.5,'x');"
	"CREATE TABLE other(a INTEGER PRIMARY KEY, b TEXT);"
	"INSERT INTO other(b) VALUES ('p'),('q'),('r');"
	"CREATE INDEX edges_user ON edges(user_id);"
	"CREATE VIEW v_edges AS SELECT user_id, kind, value FROM edges WHERE kind IS NOT NULL;";

static unsigned char *fixed_db_bytes;
static size_t fixed_db_len;

static void forget_fixed_db(void)
{
	free(fixed_db_bytes);
	fixed_db_bytes = NULL;
	fixed_db_len = 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	FUZZ_CHECK(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	FUZZ_CHECK(buf != NULL);
	FUZZ_CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char *fixed_db(void)
{
	const char *p = tmp_path(TMP_QDB);

	if (!fixed_db_bytes) {
		sqlite3 *db = NULL;

		remove_db_files(p);
		FUZZ_CHECK(sqlite3_open(p, &db) == SQLITE_OK);
		FUZZ_CHECK(sqlite3_exec(db, fixed_db_sql, NULL, NULL, NULL) == SQLITE_OK);
		FUZZ_CHECK(sqlite3_close(db) == SQLITE_OK);
		fixed_db_bytes = slurp(p, &fixed_db_len);
	}
	return p;
}

int fg_fuzz_sqlite_query(const uint8_t *data, size_t size)
{
	const char *p;
	char *sql, side[600];
	unsigned char *now;
	size_t now_len;

	sqlite_setup();
	p = fixed_db();
	sql = malloc(size + 1);
	FUZZ_CHECK(sql != NULL);
	memcpy(sql, data, size);
	sql[size] = '\0';
	run_all(run_users_sqlite, p, sql, false);
	run_all(run_links_sqlite, p, sql, false);
	free(sql);
	/* the source database is byte for byte what it was, with no journal left */
	now = slurp(p, &now_len);
	FUZZ_CHECK(now_len == fixed_db_len && memcmp(now, fixed_db_bytes, now_len) == 0);
	free(now);
	snprintf(side, sizeof(side), "%s-journal", p);
	FUZZ_CHECK(access(side, F_OK) != 0);
	snprintf(side, sizeof(side), "%s-wal", p);
	FUZZ_CHECK(access(side, F_OK) != 0);
	return finish();
}

/* ---- Graphalytics: bytes = NAME.properties "@@\n" NAME.v "@@\n" NAME.e (NAME = g) */

#define GA_SEP "@@\n"

static const char *const ga_ext[3] = {"properties", "v", "e"};

static void remove_ga_files(void)
{
	char p[600];

	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/g.%s", tmp_paths[TMP_GA], ga_ext[i]);
		unlink(p);
	}
	rmdir(tmp_paths[TMP_GA]);
}

static const uint8_t *find_sep(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (memcmp(p + i, GA_SEP, 3) == 0)
			return p + i;
	return NULL;
}

/* The reader's contract on a graph it returned. */
static void check_ga(const fg_ga_graph *g)
{
	FUZZ_CHECK(g->name && strcmp(g->name, "g") == 0);
	FUZZ_CHECK(g->prop_path != NULL);
	FUZZ_CHECK(g->nv == 0 || (g->ids && g->vdense));
	FUZZ_CHECK(g->ne == 0 || (g->src && g->dst));
	for (uint32_t i = 0; i < g->nv; i++) {
		FUZZ_CHECK(i == 0 || g->ids[i - 1] < g->ids[i]);
		FUZZ_CHECK(g->ids[i] <= (uint64_t)INT64_MAX);
		FUZZ_CHECK(fg_graphalytics_dense(g, g->ids[i]) == (int64_t)i);
		FUZZ_CHECK(g->vdense[i] < g->nv);
	}
	{
		/* vdense is a permutation */
		uint8_t *seen = calloc(g->nv ? g->nv : 1, 1);

		FUZZ_CHECK(seen != NULL);
		for (uint32_t i = 0; i < g->nv; i++) {
			FUZZ_CHECK(!seen[g->vdense[i]]);
			seen[g->vdense[i]] = 1;
		}
		free(seen);
	}
	for (uint64_t k = 0; k < g->ne; k++)
		FUZZ_CHECK(g->src[k] < g->nv && g->dst[k] < g->nv);
	for (uint32_t k = 0; k < g->nprops; k++)
		FUZZ_CHECK(g->props[k].key && g->props[k].value && g->props[k].line >= 1);
	{
		static const char *const keys[] = {"bfs.source-vertex", "cdlp.max-iterations",
		                                   "pr.damping-factor", "pr.num-iterations",
		                                   "meta.vertices", "directed"};
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			int64_t iv;
			double dv;
			int rc = fg_graphalytics_prop_i64(&iv, g, keys[i]);

			FUZZ_CHECK(rc == FG_OK || (rc == FG_EDATA && fg_error_msg()[0]));
			rc = fg_graphalytics_prop_double(&dv, g, keys[i]);
			FUZZ_CHECK(rc == FG_OK || (rc == FG_EDATA && fg_error_msg()[0]));
		}
	}
}

int fg_fuzz_graphalytics(const uint8_t *data, size_t size)
{
	const char *dir = tmp_path(TMP_GA);
	const uint8_t *part = data, *end = data + size;
	char prefix[600], p[600];
	fg_ga_graph g;
	int rc;

	remove_ga_files();
	FUZZ_CHECK(mkdir(dir, 0700) == 0);
	/* up to three parts; a missing part is a missing file */
	for (int i = 0; i < 3 && part; i++) {
		const uint8_t *sep = find_sep(part, (size_t)(end - part));
		size_t n = sep ? (size_t)(sep - part) : (size_t)(end - part);

		snprintf(p, sizeof(p), "%s/g.%s", dir, ga_ext[i]);
		write_input(p, part, n);
		part = sep ? sep + 3 : NULL;
	}
	snprintf(prefix, sizeof(prefix), "%s/g", dir);
	memset(&g, 0xa5, sizeof(g)); /* the reader must set every field */
	fg_error_clear();
	rc = fg_graphalytics_read(&g, prefix);
	FUZZ_CHECK(rc <= 0 && rc >= FG_EDRIFT);
	if (rc == FG_OK) {
		check_ga(&g);
	} else {
		static const fg_ga_graph zero;

		FUZZ_CHECK(fg_error_msg()[0] != '\0');
		FUZZ_CHECK(rc == FG_EDATA || rc == FG_EIO || rc == FG_ENOMEM);
		FUZZ_CHECK(memcmp(&g, &zero, sizeof(g)) == 0);
		snprintf(fail_msg, sizeof(fail_msg), "%s", fg_error_msg());
		fail_rc = rc;
	}
	fg_graphalytics_free(&g);
	FUZZ_CHECK(g.ids == NULL && g.src == NULL && g.props == NULL && g.name == NULL);
	fg_graphalytics_free(&g); /* NULL-safe twice */
	remove_ga_files();
	return finish();
}
