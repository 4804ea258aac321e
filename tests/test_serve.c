/*
 * test_serve: fraudgraph serve over real HTTP on loopback.
 *
 * Each test makes a results database with the real binary (`fraudgraph run`
 * on data-samples/world), starts the server in-process on an ephemeral port
 * (127.0.0.1:0, the bound port read back), talks to it with a plain socket
 * client (so that malformed requests can be sent byte for byte), and stops
 * it.  The SIGTERM test runs the binary itself.  Every wait is a bounded
 * loop with a timeout.  The JSON checked here is the structure documented in
 * docs/serve.md.
 */
#define __STDC_WANT_IEC_60559_BFP_EXT__ 1 /* strfromd (fg_text.h) */
#include "fg_error.h"
#include "fg_http.h"
#include "fg_json_arena.h"
#include "fg_model.h"
#include "fg_serve.h"
#include "fg_serve_internal.h"
#include "fg_test.h"
#include "fg_text.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- fixtures ----------------------------------------------------------- */

static char *sample(const char *rel)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s/data-samples/%s", fgt_source_root(), rel);
	return strdup(buf);
}

/* A results database of the sample world's first night, made by the binary. */
static char *world_db(const char *dir)
{
	char *db = fgt_path(dir, "r.db"), *e = sample("world/edges.csv"), *u = sample("world/users.csv");
	char *err = NULL;
	int rc = fgt_run(NULL, &err, NULL, NULL,
	                 (const char *[]){ "run", "--db", db, "--edges", e, "--users", u, NULL });

	ck_assert_msg(rc == 0, "run failed (%d): %s", rc, err ? err : "");
	free(err);
	free(e);
	free(u);
	return db;
}

static char *q_text(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	char *out = NULL;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	out = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
	return out;
}

typedef struct server {
	fg_serve *sv;
	fg_http *h;
	uint16_t port;
} server;

static void server_start_opts(server *x, const char *db, int reload_ms, bool no_model)
{
	fg_serve_opts so = { db, reload_ms, no_model };
	fg_http_opts ho = { "127.0.0.1:0", 2, true };

	ck_assert_msg(fg_serve_open(&x->sv, &so) == FG_OK, "%s", fg_error_msg());
	ck_assert_msg(fg_http_start(&x->h, x->sv, &ho) == FG_OK, "%s", fg_error_msg());
	x->port = fg_http_port(x->h);
	ck_assert_int_gt(x->port, 0);
}

static void server_start(server *x, const char *db, int reload_ms)
{
	server_start_opts(x, db, reload_ms, false);
}

static void server_stop(server *x)
{
	ck_assert_uint_eq(fg_http_drain(x->h, 5.0), 0);
	fg_http_stop(&x->h);
	fg_serve_close(&x->sv);
}

/* ---- a small HTTP/1.1 client (Connection: close, timeouts) --------------- */

typedef struct resp {
	int status; /* -1: no answer (connection error or timeout) */
	char *head;
	char *body;
} resp;

static void resp_free(resp *r)
{
	free(r->head);
	free(r->body);
	r->head = r->body = NULL;
}

/* Send raw bytes, read the whole answer until the server closes. */
static resp http_raw(uint16_t port, const char *req, size_t len)
{
	resp r = { -1, NULL, NULL };
	struct sockaddr_in a;
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *buf = NULL, *sep;
	size_t n = 0, cap = 0, off = 0;

	if (fd < 0)
		return r;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto done;
	while (off < len) {
		ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(buf);
		}
		got = recv(fd, buf + n, cap - n, 0);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (!buf)
		goto done;
	buf[n] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.1 ", 9) != 0 || !sep)
		goto done;
	r.status = atoi(buf + 9);
	*sep = '\0';
	r.head = strdup(buf);
	r.body = strdup(sep + 4);
done:
	free(buf);
	close(fd);
	return r;
}

static resp http(uint16_t port, const char *method, const char *path, const char *body)
{
	size_t blen = body ? strlen(body) : 0, cap = blen + 512;
	char *req = malloc(cap);
	int n;
	resp r;

	ck_assert_ptr_nonnull(req);
	n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	                       "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	             method, path, blen);
	memcpy(req + n, body ? body : "", blen);
	r = http_raw(port, req, (size_t)n + blen);
	free(req);
	return r;
}

static json_t *json_of(const resp *r)
{
	json_error_t e;
	json_t *j;

	ck_assert_ptr_nonnull(r->body);
	j = json_loads(r->body, 0, &e);
	ck_assert_msg(j != NULL, "not JSON (%s): %.200s", e.text, r->body);
	return j;
}

/* ---- the documented structure (docs/serve.md) --------------------------- */

enum { T_STR = 1, T_NUM, T_INT, T_BOOL, T_ARR, T_OBJ, T_NULLABLE = 16 };

typedef struct field {
	const char *name;
	int type;
} field;

static void check_type(const json_t *v, int type, const char *where)
{
	int t = type & ~T_NULLABLE;

	if ((type & T_NULLABLE) && json_is_null(v))
		return;
	ck_assert_msg(v != NULL, "%s missing", where);
	switch (t) {
	case T_STR: ck_assert_msg(json_is_string(v), "%s not a string", where); break;
	case T_NUM: ck_assert_msg(json_is_number(v), "%s not a number", where); break;
	case T_INT: ck_assert_msg(json_is_integer(v), "%s not an integer", where); break;
	case T_BOOL: ck_assert_msg(json_is_boolean(v), "%s not a boolean", where); break;
	case T_ARR: ck_assert_msg(json_is_array(v), "%s not an array", where); break;
	case T_OBJ: ck_assert_msg(json_is_object(v), "%s not an object", where); break;
	default: ck_abort_msg("bad type"); break;
	}
}

/* Every field present with its type, and no field that is not documented. */
static void check_fields(const json_t *o, const field *f, const char *what)
{
	size_t n = 0;
	const char *key;
	json_t *v;

	ck_assert_msg(json_is_object(o), "%s is not an object", what);
	for (; f[n].name; n++) {
		char where[128];

		snprintf(where, sizeof(where), "%s.%s", what, f[n].name);
		check_type(json_object_get(o, f[n].name), f[n].type, where);
	}
	json_object_foreach((json_t *)o, key, v) {
		bool known = false;

		for (size_t i = 0; i < n; i++)
			known |= !strcmp(f[i].name, key);
		ck_assert_msg(known, "%s.%s is not documented", what, key);
	}
}

static const field score_fields[] = {
	{ "format", T_STR }, { "run_id", T_INT }, { "user_id", T_STR }, { "score", T_NUM },
	{ "rule_score", T_NUM }, { "factors", T_OBJ }, { "model", T_OBJ | T_NULLABLE },
	{ "known_user", T_OBJ | T_NULLABLE },
	{ "rings", T_ARR }, { "components", T_ARR }, { "known_fraud", T_ARR },
	{ "nearest_seed", T_OBJ | T_NULLABLE }, { "entities", T_ARR }, { "links", T_ARR },
	{ "hubs", T_ARR }, { "ignored", T_ARR }, { "reasons", T_ARR }, { "truncated", T_BOOL },
	{ NULL, 0 },
};
static const field factor_fields[] = { { "risk", T_NUM }, { "ring", T_NUM }, { NULL, 0 } };
static const field model_fields[] = {
	{ "score", T_NUM }, { "booster", T_INT }, { "reasons", T_ARR }, { NULL, 0 },
};
static const field model_reason_fields[] = {
	{ "feature", T_STR }, { "value", T_NUM | T_NULLABLE }, { "contribution", T_NUM },
	{ "text", T_STR }, { NULL, 0 },
};
static const field score_ring_fields[] = {
	{ "ring_key", T_STR }, { "ring_score", T_NUM }, { "status", T_STR }, { "n_users", T_INT },
	{ "shared_users", T_INT }, { "tie", T_NUM }, { "join_score", T_NUM }, { NULL, 0 },
};
static const field score_comp_fields[] = {
	{ "component_id", T_INT }, { "component_score", T_NUM | T_NULLABLE }, { "n_users", T_INT },
	{ "shared_users", T_INT }, { NULL, 0 },
};
static const field fraud_fields[] = {
	{ "user_id", T_STR }, { "hops", T_INT }, { "via", T_STR | T_NULLABLE }, { NULL, 0 },
};
static const field nearest_fields[] = { { "user_id", T_STR }, { "hops", T_INT }, { NULL, 0 } };
static const field entity_fields[] = {
	{ "kind", T_STR }, { "value", T_STR }, { "status", T_STR }, { "share", T_INT },
	{ "hub", T_BOOL }, { "weight", T_NUM }, { "known_fraud", T_INT }, { NULL, 0 },
};
static const field link_fields_known[] = {
	{ "kind", T_STR }, { "user_id", T_STR }, { "status", T_STR }, { "label", T_STR | T_NULLABLE },
	{ "score", T_NUM }, { NULL, 0 },
};
static const field hub_fields[] = {
	{ "kind", T_STR }, { "value", T_STR }, { "share", T_INT }, { "max_share", T_INT }, { NULL, 0 },
};
static const field ignored_fields[] = {
	{ "kind", T_STR }, { "value", T_STR }, { "reason", T_STR }, { NULL, 0 },
};
static const field user_ref_fields[] = {
	{ "user_id", T_STR }, { "label", T_STR | T_NULLABLE }, { "score", T_NUM }, { NULL, 0 },
};
static const field user_doc_fields[] = {
	{ "format", T_STR }, { "run_id", T_INT }, { "user", T_OBJ }, { "ring", T_OBJ | T_NULLABLE },
	{ "evidence", T_ARR }, { "user_links", T_ARR }, { "reasons", T_ARR }, { NULL, 0 },
};
static const field user_fields[] = {
	{ "user_id", T_STR }, { "label", T_STR | T_NULLABLE }, { "score", T_NUM }, { "risk", T_NUM },
	{ "risk_norm", T_NUM }, { "risk_pct", T_NUM }, { "component_id", T_INT | T_NULLABLE },
	{ "ring_id", T_INT | T_NULLABLE }, { "ring_key", T_STR | T_NULLABLE },
	{ "nearest_seed", T_STR | T_NULLABLE }, { "seed_hops", T_INT | T_NULLABLE },
	{ "created_at", T_INT | T_NULLABLE }, { NULL, 0 },
};
static const field ring_fields[] = {
	{ "ring_id", T_INT }, { "ring_key", T_STR }, { "status", T_STR }, { "first_run_id", T_INT | T_NULLABLE },
	{ "component_id", T_INT | T_NULLABLE }, { "ring_score", T_NUM }, { "factors", T_OBJ },
	{ "counts", T_OBJ }, { NULL, 0 },
};
static const field evidence_fields[] = {
	{ "entity_id", T_INT }, { "kind", T_STR }, { "value", T_STR }, { "share", T_INT },
	{ "hub", T_BOOL }, { "others", T_ARR }, { "more", T_INT }, { NULL, 0 },
};
static const field ring_doc_fields[] = {
	{ "format", T_STR }, { "run_id", T_INT }, { "ring", T_OBJ }, { "members", T_ARR }, { NULL, 0 },
};
static const field entity_doc_fields[] = {
	{ "format", T_STR }, { "run_id", T_INT }, { "entity", T_OBJ }, { "users", T_ARR },
	{ "more", T_INT }, { "rings", T_ARR }, { NULL, 0 },
};
static const field entity_obj_fields[] = {
	{ "entity_id", T_INT }, { "kind", T_STR }, { "value", T_STR }, { "share", T_INT },
	{ "hub", T_BOOL }, { "max_share", T_INT }, { "component_id", T_INT | T_NULLABLE }, { NULL, 0 },
};
static const field healthz_fields[] = {
	{ "status", T_STR }, { "run_id", T_INT }, { "finished_at", T_STR }, { "users", T_INT },
	{ "model", T_STR }, { NULL, 0 },
};
static const field error_doc_fields[] = { { "error", T_OBJ }, { NULL, 0 } };
static const field error_fields[] = { { "status", T_INT }, { "message", T_STR }, { NULL, 0 } };

static void check_each(const json_t *arr, const field *f, const char *what)
{
	size_t i;
	json_t *v;

	json_array_foreach((json_t *)arr, i, v)
		check_fields(v, f, what);
}

static void check_score_doc(const json_t *j)
{
	size_t i;
	json_t *v;

	check_fields(j, score_fields, "score");
	ck_assert_str_eq(json_string_value(json_object_get(j, "format")), "fraudgraph.score/1");
	check_fields(json_object_get(j, "factors"), factor_fields, "score.factors");
	if (json_is_object(json_object_get(j, "model"))) {
		const json_t *m = json_object_get(j, "model");

		check_fields(m, model_fields, "score.model");
		check_each(json_object_get(m, "reasons"), model_reason_fields, "score.model.reasons[]");
		/* with a model, the answer's score is the model's, the rule's beside it */
		ck_assert(json_number_value(json_object_get(j, "score")) ==
		          json_number_value(json_object_get(m, "score")));
	} else {
		ck_assert(json_number_value(json_object_get(j, "score")) ==
		          json_number_value(json_object_get(j, "rule_score")));
	}
	if (json_is_object(json_object_get(j, "known_user")))
		check_fields(json_object_get(j, "known_user"),
		             (const field[]){ { "user_id", T_STR }, { "label", T_STR | T_NULLABLE },
		                              { "score", T_NUM }, { "ring_key", T_STR | T_NULLABLE }, { NULL, 0 } },
		             "score.known_user");
	check_each(json_object_get(j, "rings"), score_ring_fields, "score.rings[]");
	check_each(json_object_get(j, "components"), score_comp_fields, "score.components[]");
	check_each(json_object_get(j, "known_fraud"), fraud_fields, "score.known_fraud[]");
	if (json_is_object(json_object_get(j, "nearest_seed")))
		check_fields(json_object_get(j, "nearest_seed"), nearest_fields, "score.nearest_seed");
	check_each(json_object_get(j, "entities"), entity_fields, "score.entities[]");
	json_array_foreach(json_object_get(j, "links"), i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "status")), "known"))
			check_fields(v, link_fields_known, "score.links[]");
		else
			check_fields(v, (const field[]){ { "kind", T_STR }, { "user_id", T_STR }, { "status", T_STR },
			                                 { NULL, 0 } }, "score.links[]");
	}
	check_each(json_object_get(j, "hubs"), hub_fields, "score.hubs[]");
	check_each(json_object_get(j, "ignored"), ignored_fields, "score.ignored[]");
	json_array_foreach(json_object_get(j, "reasons"), i, v)
		ck_assert(json_is_string(v));
	{
		double s = json_number_value(json_object_get(j, "score"));

		ck_assert(s >= 0.0 && s <= 1.0);
	}
}

static void check_error(const resp *r, int status)
{
	json_t *j;

	ck_assert_msg(r->status == status, "status %d, expected %d: %.200s", r->status, status,
	              r->body ? r->body : "");
	ck_assert_ptr_nonnull(strstr(r->head, "Content-Type: application/json"));
	j = json_of(r);
	check_fields(j, error_doc_fields, "error");
	check_fields(json_object_get(j, "error"), error_fields, "error.error");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "error"), "status")), status);
	ck_assert_uint_gt(strlen(json_string_value(json_object_get(json_object_get(j, "error"), "message"))), 0);
	json_decref(j);
}

/* POST /v1/score with body; asserts 200 and the structure; returns the JSON. */
static json_t *score(uint16_t port, const char *body)
{
	resp r = http(port, "POST", "/v1/score", body);
	json_t *j;

	ck_assert_msg(r.status == 200, "status %d: %.300s", r.status, r.body ? r.body : "");
	j = json_of(&r);
	resp_free(&r);
	check_score_doc(j);
	return j;
}

static double jscore(const json_t *j)
{
	return json_number_value(json_object_get(j, "score"));
}

/* A non-hub card of the ring with the highest score, and that ring's key. */
static char *top_ring_key(const char *db)
{
	return q_text(db, "SELECT ring_key FROM top_rings LIMIT 1");
}

static char *ring_card(const char *db, const char *key)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
	         "SELECT e.value FROM latest_rings g JOIN user_scores s ON s.run_id = g.run_id AND s.ring_id = g.ring_id"
	         " JOIN links l ON l.run_id = s.run_id AND l.user_id = s.user_id"
	         " JOIN entities e ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
	         " WHERE g.ring_key = '%s' AND e.kind = 'card' AND e.is_hub = 0 ORDER BY e.share DESC, e.value LIMIT 1",
	         key);
	return q_text(db, sql);
}

/* ---- tests -------------------------------------------------------------- */

/*
 * The request arena (fg_json_arena): jansson's values made between begin and
 * end come from the thread's arena, those made outside it or too large for
 * it from malloc, and an answer's text leaves the arena (the HTTP layer
 * free()s it).
 */
START_TEST(json_arena_scope)
{
	fg_serve_reply rep;
	json_t *in, *huge, *out;
	char *text = malloc(300 * 1024);

	ck_assert_ptr_nonnull(text);
	memset(text, 'x', 300 * 1024 - 1);
	text[300 * 1024 - 1] = '\0';
	fg_json_arena_install();
	out = json_object();
	ck_assert_ptr_nonnull(out);
	ck_assert(!fg_json_arena_owns(out));
	fg_json_arena_begin();
	in = json_object();
	huge = json_string(text);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(huge);
	ck_assert(fg_json_arena_owns(in));
	ck_assert(fg_json_arena_owns(huge));
	ck_assert(!fg_json_arena_owns(json_string_value(huge))); /* its text: past the arena's 256 KiB, malloc */
	ck_assert_int_eq(json_object_set_new(in, "k", json_integer(7)), 0);
	json_decref(huge);
	json_decref(out); /* made outside, freed inside: free() */
	ck_assert_int_eq(fg_serve_reply_json(&rep, 200, in, true), FG_OK);
	ck_assert(!fg_json_arena_owns(rep.body));
	ck_assert_str_eq(rep.body, "{\"k\":7}");
	fg_json_arena_end();
	free(rep.body);
	free(text);
}
END_TEST

START_TEST(ring_card_names_the_ring)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir), *key = top_ring_key(db), *card = ring_card(db, key);
	char body[1024];
	server x;
	json_t *j, *rings, *reasons;

	server_start(&x, db, 0);
	/* kind in capitals and a value with spaces around: run's normalisation applies */
	snprintf(body, sizeof(body),
	         "{\"user_id\":\"new_ring_user\",\"entities\":[{\"kind\":\" Card\",\"value\":\"  %s \"},"
	         "{\"kind\":\"device\",\"value\":\"dev_never_seen\"}],\"attributes\":{\"age_days\":0}}",
	         card);
	j = score(x.port, body);
	rings = json_object_get(j, "rings");
	ck_assert_uint_ge(json_array_size(rings), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rings, 0), "ring_key")), key);
	ck_assert_int_ge(json_integer_value(json_object_get(json_array_get(rings, 0), "shared_users")), 1);
	ck_assert(jscore(j) > 0.2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "entities"), 0),
	                                                   "status")), "shared");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "entities"), 1),
	                                                   "status")), "new");
	reasons = json_object_get(j, "reasons");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(reasons, 0)), key));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(reasons, 0)), "would join ring"));
	json_decref(j);
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(key);
	free(card);
}
END_TEST

/*
 * The /v1/score answer is printed by json-c (engine/fg_serve_score.c), the
 * other answers by jansson: the score's text is jansson's compact dump of the
 * same values at JSON_REAL_PRECISION(6) byte for byte (reals such as 0.0 and
 * 2.6e-5, non-ASCII and '/' as they are), except an escaped control
 * character's hex digits, lower case (docs/serve.md).
 */
START_TEST(score_text_as_jansson_prints_it)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir), *key = top_ring_key(db), *card = ring_card(db, key);
	char body[1024], *again;
	server x;
	resp r;
	json_t *j;

	server_start(&x, db, 0);
	snprintf(body, sizeof(body),
	         "{\"user_id\":\"new\\u001b caf\u00e9/x\",\"entities\":[{\"kind\":\"card\",\"value\":\"%s\"},"
	         "{\"kind\":\"device\",\"value\":\"dev_never_seen\"},{\"kind\":\"email\",\"value\":\"n/a\"}]}",
	         card);
	r = http(x.port, "POST", "/v1/score", body);
	ck_assert_msg(r.status == 200, "status %d: %.300s", r.status, r.body ? r.body : "");
	j = json_of(&r);
	check_score_doc(j);
	again = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	ck_assert_ptr_nonnull(again);
	ck_assert_ptr_nonnull(strstr(again, "\\u001B"));
	memcpy(strstr(again, "\\u001B"), "\\u001b", 6);
	ck_assert_str_eq(r.body, again);
	ck_assert_ptr_nonnull(strstr(r.body, "\"user_id\":\"new\\u001b caf\u00e9/x\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"weight\":0.0,")); /* the new device: a real that reads as an integer */
	ck_assert_ptr_nonnull(strstr(r.body, "\"reason\":\"placeholder value\""));
	free(again);
	json_decref(j);
	resp_free(&r);
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(key);
	free(card);
}
END_TEST

/* The served run's own --kind-alias and --ignore-value apply to requests (runs.params). */
START_TEST(run_params_apply_to_requests)
{
	char *dir = fgt_tmpdir(), *db = fgt_path(dir, "a.db"), *e = sample("world/edges.csv"),
	     *u = sample("world/users.csv"), *err = NULL, *key, *card, body[1024];
	server x;
	json_t *j;
	int rc = fgt_run(NULL, &err, NULL, NULL,
	                 (const char *[]){ "run", "--db", db, "--edges", e, "--users", u, "--kind-alias",
	                                   "card=card_fp", "--ignore-value", "device=dev_zero", NULL });

	ck_assert_msg(rc == 0, "run failed: %s", err ? err : "");
	key = top_ring_key(db);
	card = ring_card(db, key);
	server_start(&x, db, 0);
	snprintf(body, sizeof(body), "{\"user_id\":\"al\",\"entities\":[{\"kind\":\"Card_FP\",\"value\":\"%s\"},"
	                             "{\"kind\":\"device\",\"value\":\"DEV_ZERO\"}]}", card);
	j = score(x.port, body);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "entities"), 0), "kind")),
	                 "card");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "rings"), 0), "ring_key")),
	                 key);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "ignored"), 0), "reason")),
	                 "placeholder value");
	json_decref(j);
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(e);
	free(u);
	free(err);
	free(key);
	free(card);
}
END_TEST

START_TEST(clean_account_scores_low)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir);
	server x;
	json_t *j;

	server_start(&x, db, 0);
	j = score(x.port, "{\"user_id\":\"clean1\",\"entities\":[{\"kind\":\"card\",\"value\":\"card_fresh\"},"
	                  "{\"kind\":\"email\",\"value\":\"fresh@example.org\"}]}");
	ck_assert(jscore(j) < 0.05);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "rings")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "known_fraud")), 0);
	ck_assert(json_is_null(json_object_get(j, "nearest_seed")));
	json_decref(j);
	/* values normalised by kind as run does: email lower-cased, phone digits, address folded */
	j = score(x.port, "{\"user_id\":\"clean3\",\"entities\":[{\"kind\":\"email\",\"value\":\"Fresh@Example.ORG\"},"
	                  "{\"kind\":\"phone\",\"value\":\"+44 (0)20 7946-0000\"},"
	                  "{\"kind\":\"address\",\"value\":\"1  Quay   LANE\"}]}");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "entities"), 0), "value")),
	                 "fresh@example.org");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "entities"), 1), "value")),
	                 "+440207946000" "0");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "entities"), 2), "value")),
	                 "1 quay lane");
	json_decref(j);
	/* no entities at all is a valid, clean request */
	j = score(x.port, "{\"user_id\":\"clean2\"}");
	ck_assert(jscore(j) == 0.0);
	json_decref(j);
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
}
END_TEST

START_TEST(referral_to_a_seed)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir);
	char *seed = q_text(db, "SELECT user_id FROM latest_user_scores WHERE label = 'fraud' ORDER BY user_id LIMIT 1");
	char body[512];
	server x;
	json_t *j, *kf, *clean;

	server_start(&x, db, 0);
	snprintf(body, sizeof(body), "{\"user_id\":\"new_ref\",\"links\":[{\"kind\":\"referral\",\"user_id\":\"%s\"}]}", seed);
	j = score(x.port, body);
	kf = json_object_get(j, "known_fraud");
	ck_assert_uint_ge(json_array_size(kf), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(kf, 0), "user_id")), seed);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(kf, 0), "hops")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "nearest_seed"), "user_id")), seed);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "links"), 0), "label")),
	                 "fraud");
	clean = score(x.port, "{\"user_id\":\"c\",\"links\":[{\"kind\":\"referral\",\"user_id\":\"nobody_known\"}]}");
	ck_assert(jscore(j) > 0.3);
	ck_assert(jscore(j) > jscore(clean) + 0.2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(clean, "links"), 0), "status")),
	                 "unknown");
	json_decref(clean);
	json_decref(j);
	/* a relation kind given among the entities is a link, as run reads such a row */
	snprintf(body, sizeof(body), "{\"user_id\":\"new_ref\",\"entities\":[{\"kind\":\"Referral\",\"value\":\"%s\"},"
	                             "{\"kind\":\"referral\",\"value\":\"new_ref\"},{\"kind\":\"card\",\"value\":\"  \"},"
	                             "{\"kind\":\"device\",\"value\":\"N/A\"}]}", seed);
	j = score(x.port, body);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "links")), 1);
	/* self link, empty value, placeholder (run's rule: fg_config_normalise_value) */
	ck_assert_uint_eq(json_array_size(json_object_get(j, "ignored")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "ignored"), 2), "reason")),
	                 "placeholder value");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(j, "known_fraud"), 0), "hops")), 1);
	json_decref(j);
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(seed);
}
END_TEST

START_TEST(same_request_same_answer)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir), *key = top_ring_key(db), *card = ring_card(db, key);
	char a[1024], b[1024];
	server x;
	resp r1, r2, r3;
	json_t *j1, *j3;

	server_start(&x, db, 0);
	snprintf(a, sizeof(a), "{\"user_id\":\"n\",\"entities\":[{\"kind\":\"card\",\"value\":\"%s\"},"
	                       "{\"kind\":\"device\",\"value\":\"d_x\"}]}", card);
	snprintf(b, sizeof(b), "{\"entities\":[{\"kind\":\"device\",\"value\":\"d_x\"},"
	                       "{\"kind\":\"card\",\"value\":\"%s\"}],\"user_id\":\"n\"}", card);
	r1 = http(x.port, "POST", "/v1/score", a);
	r2 = http(x.port, "POST", "/v1/score", a);
	r3 = http(x.port, "POST", "/v1/score", b);
	ck_assert_int_eq(r1.status, 200);
	ck_assert_str_eq(r1.body, r2.body);
	j1 = json_of(&r1);
	j3 = json_of(&r3);
	/* entities are echoed in request order; everything else is order-free */
	ck_assert(jscore(j1) == jscore(j3));
	ck_assert(json_equal(json_object_get(j1, "rings"), json_object_get(j3, "rings")));
	ck_assert(json_equal(json_object_get(j1, "known_fraud"), json_object_get(j3, "known_fraud")));
	json_decref(j1);
	json_decref(j3);
	resp_free(&r1);
	resp_free(&r2);
	resp_free(&r3);
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(key);
	free(card);
}
END_TEST

START_TEST(every_error_status)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir);
	server x;
	resp r;
	char *big, *many;
	size_t n;

	server_start(&x, db, 0);
	r = http(x.port, "POST", "/v1/score", "{\"user_id\": ");
	check_error(&r, 400);
	resp_free(&r);
	r = http(x.port, "POST", "/v1/score", "[1,2]");
	check_error(&r, 400);
	resp_free(&r);
	r = http(x.port, "POST", "/v1/score", "{\"user_id\":7}");
	check_error(&r, 400);
	resp_free(&r);
	r = http(x.port, "POST", "/v1/score", "{\"user_id\":\"a\",\"entities\":[{\"kind\":\"card\"}]}");
	check_error(&r, 400);
	resp_free(&r);
	r = http(x.port, "POST", "/v1/score", "");
	check_error(&r, 400);
	resp_free(&r);
	r = http(x.port, "GET", "/nowhere", NULL);
	check_error(&r, 404);
	resp_free(&r);
	r = http(x.port, "GET", "/v1/users/nobody_at_all", NULL);
	check_error(&r, 404);
	resp_free(&r);
	r = http(x.port, "GET", "/v1/rings/R999999", NULL);
	check_error(&r, 404);
	resp_free(&r);
	r = http(x.port, "GET", "/v1/entities/card/never", NULL);
	check_error(&r, 404);
	resp_free(&r);
	r = http(x.port, "GET", "/v1/score", NULL);
	check_error(&r, 405);
	ck_assert_ptr_nonnull(strstr(r.head, "Allow: POST"));
	resp_free(&r);
	r = http(x.port, "DELETE", "/healthz", NULL);
	check_error(&r, 405);
	resp_free(&r);
	r = http(x.port, "POST", "/metrics", "");
	check_error(&r, 405);
	resp_free(&r);
	/* body over the limit: 413, and the server still answers afterwards */
	n = FG_SERVE_MAX_BODY + 100;
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	r = http(x.port, "POST", "/v1/score", big);
	check_error(&r, 413);
	resp_free(&r);
	/* a body of exactly the limit is answered (it arrives in several reads, each
	 * appended: more than a connection's memory in libmicrohttpd, 32 KiB) */
	n = FG_SERVE_MAX_BODY;
	memset(big, ' ', n);
	memcpy(big, "{\"user_id\":\"padded\"", strlen("{\"user_id\":\"padded\""));
	big[n - 1] = '}';
	big[n] = '\0';
	r = http(x.port, "POST", "/v1/score", big);
	ck_assert_msg(r.status == 200, "status %d: %s", r.status, r.body ? r.body : "");
	ck_assert_ptr_nonnull(strstr(r.body, "\"user_id\":\"padded\""));
	resp_free(&r);
	free(big);
	/* too many entities: 422 */
	many = malloc(64 * (FG_SERVE_MAX_ITEMS + 2) + 64);
	ck_assert_ptr_nonnull(many);
	n = (size_t)sprintf(many, "{\"user_id\":\"m\",\"entities\":[");
	for (int i = 0; i <= FG_SERVE_MAX_ITEMS; i++)
		n += (size_t)sprintf(many + n, "%s{\"kind\":\"ip\",\"value\":\"10.0.0.%d\"}", i ? "," : "", i);
	sprintf(many + n, "]}");
	r = http(x.port, "POST", "/v1/score", many);
	check_error(&r, 422);
	resp_free(&r);
	free(many);
	/* a link of a kind that is not a relation: 422 */
	r = http(x.port, "POST", "/v1/score", "{\"user_id\":\"a\",\"links\":[{\"kind\":\"card\",\"user_id\":\"b\"}]}");
	check_error(&r, 422);
	resp_free(&r);
	/* not HTTP at all: no answer needed, but no crash either */
	r = http_raw(x.port, "\x01\x02garbage\r\n\r\n", 13);
	resp_free(&r);
	r = http(x.port, "GET", "/healthz", NULL);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	/* the counters saw them */
	r = http(x.port, "GET", "/metrics", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "fraudgraph_requests_total{endpoint=\"score\",status=\"413\"} 1"));
	ck_assert_ptr_nonnull(strstr(r.body, "fraudgraph_requests_total{endpoint=\"score\",status=\"422\"} 2"));
	ck_assert_ptr_nonnull(strstr(r.body, "fraudgraph_requests_total{endpoint=\"other\",status=\"404\"} 1"));
	ck_assert_ptr_nonnull(strstr(r.body, "fraudgraph_snapshot_run_id 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "fraudgraph_request_duration_seconds_bucket{endpoint=\"score\",le=\"+Inf\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "fraudgraph_snapshot_age_seconds "));
	resp_free(&r);
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
}
END_TEST

START_TEST(get_endpoints_structure)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir), *key = top_ring_key(db), *card = ring_card(db, key);
	char *member = NULL, path[512], sql[512];
	server x;
	resp r;
	json_t *j;

	snprintf(sql, sizeof(sql), "SELECT s.user_id FROM latest_rings g JOIN user_scores s ON s.run_id = g.run_id"
	                           " AND s.ring_id = g.ring_id WHERE g.ring_key = '%s' ORDER BY s.user_id LIMIT 1", key);
	member = q_text(db, sql);
	server_start(&x, db, 0);

	snprintf(path, sizeof(path), "/v1/users/%s", member);
	r = http(x.port, "GET", path, NULL);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	check_fields(j, user_doc_fields, "user");
	check_fields(json_object_get(j, "user"), user_fields, "user.user");
	check_fields(json_object_get(j, "ring"), ring_fields, "user.ring");
	check_each(json_object_get(j, "evidence"), evidence_fields, "user.evidence[]");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "user"), "ring_key")), key);
	ck_assert_uint_gt(json_array_size(json_object_get(j, "evidence")), 0);
	ck_assert_uint_gt(json_array_size(json_object_get(j, "reasons")), 0);
	json_decref(j);
	resp_free(&r);

	snprintf(path, sizeof(path), "/v1/rings/%s", key);
	r = http(x.port, "GET", path, NULL);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	check_fields(j, ring_doc_fields, "ring");
	check_fields(json_object_get(j, "ring"), ring_fields, "ring.ring");
	check_each(json_object_get(j, "members"), user_ref_fields, "ring.members[]");
	ck_assert_int_eq((int64_t)json_array_size(json_object_get(j, "members")),
	                 json_integer_value(json_object_get(json_object_get(json_object_get(j, "ring"), "counts"), "users")));
	json_decref(j);
	resp_free(&r);

	snprintf(path, sizeof(path), "/v1/entities/CARD/%s", card);
	r = http(x.port, "GET", path, NULL);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	check_fields(j, entity_doc_fields, "entity");
	check_fields(json_object_get(j, "entity"), entity_obj_fields, "entity.entity");
	check_each(json_object_get(j, "users"), user_ref_fields, "entity.users[]");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "rings"), 0), "ring_key")), key);
	json_decref(j);
	resp_free(&r);

	r = http(x.port, "GET", "/healthz", NULL);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	check_fields(j, healthz_fields, "healthz");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "run_id")), 1);
	json_decref(j);
	resp_free(&r);

	/* an existing user scored again: known_user carries last night's numbers */
	{
		char body[512];

		snprintf(body, sizeof(body), "{\"user_id\":\"%s\"}", member);
		j = score(x.port, body);
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "known_user"), "ring_key")), key);
		json_decref(j);
	}
	server_stop(&x);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(key);
	free(card);
	free(member);
}
END_TEST

/* ---- reload under load -------------------------------------------------- */

typedef struct hammer {
	uint16_t port;
	const char *body;
	atomic_bool stop;
	atomic_ulong ok, failed, saw_run2;
	char last_error[256];
} hammer;

static void *hammer_main(void *arg)
{
	hammer *hm = arg;

	while (!atomic_load(&hm->stop)) {
		resp r = http(hm->port, "POST", "/v1/score", hm->body);

		if (r.status == 200 && r.body && strstr(r.body, "\"format\":\"fraudgraph.score/1\"")) {
			atomic_fetch_add(&hm->ok, 1);
			if (strstr(r.body, "\"run_id\":2,"))
				atomic_fetch_add(&hm->saw_run2, 1);
		} else {
			atomic_fetch_add(&hm->failed, 1);
			snprintf(hm->last_error, sizeof(hm->last_error), "%d %.200s", r.status, r.body ? r.body : "");
		}
		resp_free(&r);
	}
	return NULL;
}

START_TEST(reload_under_load_fails_nothing)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir), *key = top_ring_key(db), *card = ring_card(db, key);
	char *e = sample("world/edges.csv"), *u = sample("world/users.csv");
	char *e2 = sample("night2/edges.csv"), *u2 = sample("night2/users.csv");
	char body[512], *err = NULL;
	hammer hm;
	pthread_t th[2];
	server x;
	fg_serve_stats st;
	int rc;

	server_start(&x, db, 50);
	snprintf(body, sizeof(body), "{\"user_id\":\"h\",\"entities\":[{\"kind\":\"card\",\"value\":\"%s\"}]}", card);
	memset(&hm, 0, sizeof(hm));
	hm.port = x.port;
	hm.body = body;
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer_main, &hm), 0);
	/* the second night commits while the clients hammer */
	rc = fgt_run(NULL, &err, NULL, NULL,
	             (const char *[]){ "run", "--db", db, "--edges", e, "--users", u, "--edges", e2,
	                               "--users", u2, NULL });
	ck_assert_msg(rc == 0, "second run failed: %s", err ? err : "");
	/* bounded wait for the swap to be seen by the clients (30 s) */
	for (int i = 0; i < 3000 && atomic_load(&hm.saw_run2) < 20; i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	atomic_store(&hm.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	/* the watcher drops its reference to the old snapshot just after the swap: bounded wait */
	fg_serve_get_stats(&st, x.sv);
	for (int i = 0; i < 500 && st.live_snapshots != 1; i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
		fg_serve_get_stats(&st, x.sv);
	}
	ck_assert_msg(atomic_load(&hm.failed) == 0, "%lu failed requests, last: %s",
	              (unsigned long)atomic_load(&hm.failed), hm.last_error);
	ck_assert_uint_ge(atomic_load(&hm.saw_run2), 20);
	ck_assert_uint_gt(atomic_load(&hm.ok) - atomic_load(&hm.saw_run2), 0); /* some before the swap */
	ck_assert_uint_eq(st.reloads, 1);
	ck_assert_uint_eq(st.reload_failures, 0);
	ck_assert_uint_eq(st.live_snapshots, 1); /* the old one was freed by its last request */
	fprintf(stderr, "reload under load: %lu requests, %lu on run 2, 0 failed\n",
	        (unsigned long)atomic_load(&hm.ok), (unsigned long)atomic_load(&hm.saw_run2));
	/* the new night's ring is served */
	{
		resp r = http(x.port, "GET", "/v1/users/n2_ring3", NULL);

		ck_assert_int_eq(r.status, 200);
		resp_free(&r);
	}
	server_stop(&x);
	fgt_rmtree(dir);
	free(err);
	free(dir);
	free(db);
	free(key);
	free(card);
	free(e);
	free(u);
	free(e2);
	free(u2);
}
END_TEST

/* ---- the binary: SIGTERM drains and exits 0 ----------------------------- */

START_TEST(sigterm_drains_and_exits_0)
{
	char *dir = fgt_tmpdir(), *db = world_db(dir), *pf = fgt_path(dir, "port"), *logp = fgt_path(dir, "log");
	char *txt = NULL, *logtxt;
	int status = -1, port = 0;
	pid_t pid, w = 0;
	resp r;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(fgt_bin(), fgt_bin(), "serve", "--db", db, "--listen", "127.0.0.1:0", "--port-file", pf,
		      "--reload-ms", "100", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 2000 && !(txt = fgt_read_file(pf, NULL)); i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	ck_assert_msg(txt != NULL, "the server did not write its port within 20 s");
	port = atoi(txt);
	ck_assert_int_gt(port, 0);
	r = http((uint16_t)port, "GET", "/healthz", NULL);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	r = http((uint16_t)port, "POST", "/v1/score", "{bad");
	ck_assert_int_eq(r.status, 400);
	resp_free(&r);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	for (int i = 0; i < 1000 && (w = waitpid(pid, &status, WNOHANG)) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("serve did not stop within 10 s of SIGTERM");
	}
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	logtxt = fgt_read_file(logp, NULL);
	ck_assert_ptr_nonnull(logtxt);
	ck_assert_ptr_nonnull(strstr(logtxt, "SIGTERM: draining"));
	/* one line for the bad request, without its body */
	ck_assert_ptr_nonnull(strstr(logtxt, "400 POST /v1/score: malformed JSON"));
	ck_assert_ptr_null(strstr(logtxt, "{bad"));
	/* the port is free again: nothing listens */
	r = http((uint16_t)port, "GET", "/healthz", NULL);
	ck_assert_int_eq(r.status, -1);
	resp_free(&r);
	free(logtxt);
	free(txt);
	fgt_rmtree(dir);
	free(dir);
	free(db);
	free(pf);
	free(logp);
}
END_TEST

START_TEST(cli_errors)
{
	char *err = NULL;
	int rc;

	rc = fgt_run(NULL, &err, NULL, NULL, (const char *[]){ "serve", NULL });
	ck_assert_int_eq(rc, 2);
	ck_assert_ptr_nonnull(strstr(err, "--db is required"));
	free(err);
	rc = fgt_run(NULL, &err, NULL, NULL, (const char *[]){ "serve", "--db", "/nonexistent/r.db", NULL });
	ck_assert_int_eq(rc, 4);
	free(err);
	rc = fgt_run(NULL, &err, NULL, NULL,
	             (const char *[]){ "serve", "--db", "x.db", "--listen", "nohost", NULL });
	ck_assert_int_ne(rc, 0);
	free(err);
	{
		char *out = NULL;

		rc = fgt_run(&out, NULL, NULL, NULL, (const char *[]){ "serve", "--help", NULL });
		ck_assert_int_eq(rc, 0);
		ck_assert_ptr_nonnull(strstr(out, "--listen"));
		free(out);
	}
}
END_TEST

/* ---- the parser: unit checks and the fuzz corpus ------------------------ */

START_TEST(parser_contract)
{
	fg_serve_request *r = NULL;
	int status;
	static const char ok[] = "{\"user_id\":\" u \",\"entities\":[{\"kind\":\"CARD\",\"value\":\"c\"},"
	                         "{\"kind\":\"card\",\"value\":\" c\"}],\"links\":null}";

	ck_assert_int_eq(fg_serve_request_parse(&r, &status, NULL, ok, sizeof(ok) - 1), FG_OK);
	ck_assert_uint_eq(fg_serve_request_n_entities(r), 1); /* duplicates after normalisation merge */
	fg_serve_request_free(&r);
	ck_assert_ptr_null(r);
	ck_assert_int_ne(fg_serve_request_parse(&r, &status, NULL, "{\"user_id\":\"a\\u0000b\"}", 20), FG_OK);
	ck_assert_int_eq(status, 400);
	ck_assert_int_ne(fg_serve_request_parse(&r, &status, NULL, "{\"user_id\":\"a\",\"user_id\":\"b\"}", 29), FG_OK);
	ck_assert_int_eq(status, 400);
	ck_assert_int_ne(fg_serve_request_parse(&r, &status, NULL, NULL, 0), FG_OK);
	ck_assert_int_eq(status, 400);
	ck_assert_ptr_null(r);
}
END_TEST

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of tests/fuzz/corpus/serve_request through the fuzzed entry. */
START_TEST(fuzz_corpus_replay)
{
	char base[4096], **names = NULL;
	size_t n = 0, cap = 0;
	int good = 0, bad = 0;
	DIR *d;
	struct dirent *e;

	snprintf(base, sizeof(base), "%s/tests/fuzz/corpus/serve_request", fgt_source_root());
	d = opendir(base);
	ck_assert_msg(d != NULL, "no corpus %s", base);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			ck_assert_ptr_nonnull(names);
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	ck_assert_uint_ge(n, 12);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *p = fgt_path(base, names[i]);
		size_t len = 0;
		char *data = fgt_read_file(p, &len);
		fg_serve_request *r = NULL;
		int status = 0, rc;

		ck_assert_ptr_nonnull(data);
		rc = fg_serve_request_parse(&r, &status, NULL, data, len);
		if (rc == FG_OK) {
			ck_assert_ptr_nonnull(r);
			ck_assert_uint_le(fg_serve_request_n_entities(r), FG_SERVE_MAX_ITEMS);
			ck_assert_uint_le(fg_serve_request_n_links(r), FG_SERVE_MAX_ITEMS);
			good++;
		} else {
			ck_assert_msg(status == 400 || status == 413 || status == 422, "%s: status %d", p, status);
			ck_assert_msg(fg_error_msg()[0] != '\0', "%s: no message", p);
			ck_assert_ptr_null(r);
			bad++;
		}
		fg_serve_request_free(&r);
		free(data);
		free(p);
		free(names[i]);
	}
	free(names);
	ck_assert_int_gt(good, 0);
	ck_assert_int_gt(bad, 0);
}
END_TEST

/* ---- the learned model in the request path ----------------------------- */

/*
 * A world with enough labels to train (305 known fraudsters), made once for
 * the model tests: `fraudgraph gen --users 6000 --rings 60 --seed 3`, then
 * `fraudgraph run` (which trains the model and stores it).
 */
static char *model_dir, *model_db;

static void model_world_setup(void)
{
	char *w, *e, *u, *err = NULL, cmd[4096];
	int rc;

	model_dir = fgt_tmpdir();
	w = fgt_path(model_dir, "w");
	model_db = fgt_path(model_dir, "r.db");
	snprintf(cmd, sizeof(cmd), "'%s' gen --out '%s' --users 6000 --rings 60 --seed 3 --quiet",
	         fgt_bin(), w);
	ck_assert_int_eq(system(cmd), 0);
	e = fgt_path(w, "edges.csv");
	u = fgt_path(w, "users.csv");
	rc = fgt_run(NULL, &err, NULL, NULL,
	             (const char *[]){ "run", "--db", model_db, "--edges", e, "--users", u, "--quiet", NULL });
	ck_assert_msg(rc == 0, "run failed (%d): %s", rc, err ? err : "");
	free(err);
	free(w);
	free(e);
	free(u);
}

static void model_world_teardown(void)
{
	fgt_rmtree(model_dir);
	free(model_dir);
	free(model_db);
}

/* The request of an existing user with its stored links, and last night's score. */
typedef struct stored_user {
	char *id;
	char *body;
	double score;
} stored_user;

/*
 * Users of components of two users or more (their every link is stored), the
 * first n in user_id order, each with its stored identifiers and its direct
 * links in both directions, as a /v1/score body.
 */
static size_t stored_users(stored_user *out, size_t n, const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	size_t k = 0;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h,
	    "SELECT s.user_id, s.score, json_object('user_id', s.user_id,"
	    " 'entities', (SELECT json_group_array(json_object('kind', l.kind, 'value', e.value))"
	    "   FROM links l JOIN entities e ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
	    "   WHERE l.run_id = s.run_id AND l.user_id = s.user_id),"
	    " 'links', (SELECT json_group_array(json_object('kind', kind, 'user_id', o)) FROM"
	    "   (SELECT kind, other_user AS o FROM links WHERE run_id = s.run_id AND user_id = s.user_id"
	    "    AND other_user IS NOT NULL UNION SELECT kind, user_id FROM links"
	    "    WHERE run_id = s.run_id AND other_user = s.user_id)))"
	    " FROM user_scores s JOIN components c ON c.run_id = s.run_id AND c.component_id = s.component_id"
	    " WHERE s.run_id = (SELECT max(run_id) FROM runs) AND c.n_users >= 2"
	    " ORDER BY s.user_id LIMIT ?1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)n);
	while (sqlite3_step(s) == SQLITE_ROW && k < n) {
		out[k].id = strdup((const char *)sqlite3_column_text(s, 0));
		out[k].score = sqlite3_column_double(s, 1);
		out[k].body = strdup((const char *)sqlite3_column_text(s, 2));
		k++;
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return k;
}

static double model_score(const json_t *j)
{
	const json_t *m = json_object_get(j, "model");

	ck_assert_msg(json_is_object(m), "no model in the answer");
	return json_number_value(json_object_get(m, "score"));
}

/*
 * An existing user sent with its own stored links gets last night's learned
 * score: its row is the row the run scored it with (same graph, same
 * kernels, the booster of its fold), so the score is equal up to the 6
 * significant digits the answer prints.
 */
START_TEST(model_existing_users_match_last_night)
{
	stored_user us[300];
	size_t n = stored_users(us, 300, model_db), with_links = 0;
	server x;

	ck_assert_uint_ge(n, 300);
	server_start(&x, model_db, 0);
	for (size_t i = 0; i < n; i++) {
		json_t *j = score(x.port, us[i].body);
		double got = model_score(j);

		ck_assert_msg(fabs(got - us[i].score) <= 1e-6 * fmax(1.0, us[i].score),
		              "%s: served %.9g, last night %.9g", us[i].id, got, us[i].score);
		with_links += strstr(us[i].body, "\"links\": []") == NULL && strstr(us[i].body, "\"links\":[]") == NULL;
		json_decref(j);
		free(us[i].id);
		free(us[i].body);
	}
	ck_assert_uint_gt(with_links, 0); /* direct links (two relations to one user among them) covered */
	server_stop(&x);
}
END_TEST

/*
 * A new account on a card of the top ring scores high with the model and
 * far above a clean account with two new identifiers, which scores low; the
 * reasons are sentences in explain's words with their contributions.
 */
START_TEST(model_new_ring_account_high_clean_low)
{
	char *key = top_ring_key(model_db), *card = ring_card(model_db, key), body[1024];
	double hi = 1.0, lo = 0.0;
	int with_reasons = 0;
	server x;

	server_start(&x, model_db, 0);
	/* three ids, so that more than one booster (fold of the id) is asked */
	for (int i = 0; i < 3; i++) {
		json_t *j, *reasons;

		snprintf(body, sizeof(body),
		         "{\"user_id\":\"signup-%d\",\"entities\":[{\"kind\":\"card\",\"value\":\"%s\"},"
		         "{\"kind\":\"device\",\"value\":\"dev_never_seen\"}]}", i, card);
		j = score(x.port, body);
		hi = fmin(hi, model_score(j));
		reasons = json_object_get(json_object_get(j, "model"), "reasons");
		/* reasons as the run gives them: for a score of at least 0.2, none below */
		if (model_score(j) >= 0.2) {
			with_reasons++;
			ck_assert_uint_ge(json_array_size(reasons), 1);
			ck_assert(json_number_value(json_object_get(json_array_get(reasons, 0), "contribution")) > 0.0);
			ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(reasons, 0), "text")),
			                             ": +"));
		} else {
			ck_assert_uint_eq(json_array_size(reasons), 0);
		}
		/* the rule's reasons stay: the ring is named */
		ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(json_object_get(j, "reasons"), 0)), key));
		json_decref(j);
		snprintf(body, sizeof(body),
		         "{\"user_id\":\"clean-%d\",\"entities\":[{\"kind\":\"card\",\"value\":\"card_new_%d\"},"
		         "{\"kind\":\"device\",\"value\":\"dev_new_%d\"}]}", i, i, i);
		j = score(x.port, body);
		lo = fmax(lo, model_score(j));
		ck_assert(json_number_value(json_object_get(j, "rule_score")) == 0.0);
		ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(j, "model"), "reasons")), 0);
		json_decref(j);
	}
	ck_assert_msg(hi > 0.15, "ring-card accounts: lowest model score %.4f", hi);
	ck_assert_msg(lo < 0.01, "clean accounts: highest model score %.4f", lo);
	ck_assert(hi > 20.0 * lo);
	ck_assert_int_ge(with_reasons, 1);
	server_stop(&x);
	free(key);
	free(card);
}
END_TEST

/*
 * "explain": false skips the model's SHAP reasons and nothing else: the
 * same bytes as the default answer but for model.reasons, which is [];
 * "explain" that is not a boolean is a 400.  /healthz says the boosters'
 * own trees score and explain (what model_existing_users_match_last_night
 * then checks against the run's XGBoost scores).
 */
START_TEST(model_explain_false_skips_reasons_only)
{
	char *key = top_ring_key(model_db), *card = ring_card(model_db, key), body[1024], quiet[1100];
	int compared = 0;
	server x;
	resp r;

	server_start(&x, model_db, 0);
	r = http(x.port, "GET", "/healthz", NULL);
	ck_assert_msg(strstr(r.body, "scored and explained by its own trees") != NULL, "%s", r.body);
	resp_free(&r);
	for (int i = 0; i < 5; i++) {
		json_t *a, *b, *ra;

		snprintf(body, sizeof(body), "{\"user_id\":\"signup-%d\",\"entities\":[{\"kind\":\"card\",\"value\":\"%s\"}]", i, card);
		snprintf(quiet, sizeof(quiet), "%s,\"explain\":false}", body);
		strcat(body, "}");
		a = score(x.port, body);
		b = score(x.port, quiet);
		ra = json_object_get(json_object_get(a, "model"), "reasons");
		compared += json_array_size(ra) > 0;
		ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(b, "model"), "reasons")), 0);
		json_object_set_new(json_object_get(a, "model"), "reasons", json_array());
		ck_assert(json_equal(a, b));
		json_decref(a);
		json_decref(b);
	}
	ck_assert_int_ge(compared, 1); /* at least one default answer had reasons to skip */
	r = http(x.port, "POST", "/v1/score", "{\"user_id\":\"u\",\"explain\":\"no\"}");
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "explain"));
	resp_free(&r);
	server_stop(&x);
	free(key);
	free(card);
}
END_TEST

/* serve --no-model: the rule scores, model null, /healthz says so */
START_TEST(model_off_serves_rules)
{
	char *key = top_ring_key(model_db), *card = ring_card(model_db, key), body[1024];
	server x;
	json_t *j;
	resp r;

	server_start_opts(&x, model_db, 0, true);
	snprintf(body, sizeof(body),
	         "{\"user_id\":\"signup-0\",\"entities\":[{\"kind\":\"card\",\"value\":\"%s\"}]}", card);
	j = score(x.port, body);
	ck_assert(json_is_null(json_object_get(j, "model")));
	ck_assert(jscore(j) > 0.2);
	json_decref(j);
	r = http(x.port, "GET", "/healthz", NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"model\":\"off (--no-model)"));
	resp_free(&r);
	server_stop(&x);
	free(key);
	free(card);
}
END_TEST

typedef struct same_hammer {
	uint16_t port;
	const char *body, *want;
	int n, bad;
} same_hammer;

static void *same_main(void *arg)
{
	same_hammer *h = arg;

	for (int i = 0; i < h->n; i++) {
		resp r = http(h->port, "POST", "/v1/score", h->body);

		h->bad += r.status != 200 || !r.body || strcmp(r.body, h->want) != 0;
		resp_free(&r);
	}
	return NULL;
}

/* The boosters are shared by the worker threads: four clients at once get the same bytes. */
START_TEST(model_concurrent_requests_same_answer)
{
	char *key = top_ring_key(model_db), *card = ring_card(model_db, key), body[1024];
	same_hammer hm[4];
	pthread_t t[4];
	server x;
	resp r;

	server_start(&x, model_db, 0);
	snprintf(body, sizeof(body),
	         "{\"user_id\":\"signup-c\",\"entities\":[{\"kind\":\"card\",\"value\":\"%s\"}]}", card);
	r = http(x.port, "POST", "/v1/score", body);
	ck_assert_int_eq(r.status, 200);
	for (int i = 0; i < 4; i++) {
		hm[i] = (same_hammer){ x.port, body, r.body, 100, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, same_main, &hm[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(hm[i].bad, 0);
	}
	resp_free(&r);
	server_stop(&x);
	free(key);
	free(card);
}
END_TEST

/* ---- the reasons' text without printf ----------------------------------- */

/*
 * fg_model_reason_text as it was written with snprintf: the reference the
 * printf-free one must match byte for byte.
 */
static void reason_text_ref(char *out, size_t len, const char *name, float v, float c,
                            const fg_model_entity *e)
{
	char what[160];
	uint32_t ns = e ? e->n_seeds : 0;

	if (e && e->hub)
		snprintf(what, sizeof(what), "uses %s %.40s shared by %u users, %u of them known fraudsters",
		         e->kind, e->value, e->share, ns);
	else if (e)
		snprintf(what, sizeof(what), "shares %s %.40s with %u known fraudster%s", e->kind,
		         e->value, ns, ns == 1 ? "" : "s");
	else if (!strcmp(name, "seed_hops") && isnan(v))
		snprintf(what, sizeof(what), "no path to known fraud");
	else if (!strcmp(name, "seed_hops"))
		snprintf(what, sizeof(what), "%.0f hops from the nearest known fraudster", v);
	else if (!strcmp(name, "seeds_2hop"))
		snprintf(what, sizeof(what), "%.0f known fraudsters among its co-users", v);
	else if (!strcmp(name, "seeds_2hop_rate"))
		snprintf(what, sizeof(what), "%.0f%% of its co-users are known fraudsters", 100.0 * v);
	else if (!strcmp(name, "ring_seeds") || !strcmp(name, "ring_seed_rate"))
		snprintf(what, sizeof(what), "in a ring with known fraudsters (%s %.3g)", name, v);
	else if (!strcmp(name, "comp_seeds") || !strcmp(name, "comp_seed_rate"))
		snprintf(what, sizeof(what), "connected to known fraudsters (%s %.3g)", name, v);
	else if (!strncmp(name, "ppr", 3) || !strncmp(name, "nb_ppr", 6))
		snprintf(what, sizeof(what), "close to known fraud by the risk walk (%s %.3g)", name, v);
	else if (!strcmp(name, "nb_seed_mean") || !strcmp(name, "nb2_seed_mean"))
		snprintf(what, sizeof(what), "%.0f%% of its %s linked users are known fraudsters",
		         100.0 * v, name[2] == '2' ? "two-hop" : "directly");
	else if (!strcmp(name, "ring_multi_mates"))
		snprintf(what, sizeof(what), "reaches %.0f ring-mates through more than one identifier", v);
	else if (!strcmp(name, "ring_sharing"))
		snprintf(what, sizeof(what), "its ring shares identifiers densely (sharing %.2f)", v);
	else if (!strcmp(name, "ring_burst"))
		snprintf(what, sizeof(what), "its ring's accounts were created together (burst %.2f)", v);
	else if (!strcmp(name, "ring_size"))
		snprintf(what, sizeof(what), "in a ring of %.0f users", v);
	else if (!strcmp(name, "component_size"))
		snprintf(what, sizeof(what), "in a connected group of %.0f users", v);
	else if (!strcmp(name, "account_age_days"))
		snprintf(what, sizeof(what), "account %.0f days old", v);
	else if (!strncmp(name, "deg_", 4))
		snprintf(what, sizeof(what), "linked to %.0f %s identifiers", v, name + 4);
	else if (!strncmp(name, "attr_", 5))
		snprintf(what, sizeof(what), "attribute %.60s = %.4g", name + 5, v);
	else if (!strncmp(name, "nb_mean_", 8) || !strncmp(name, "nb2_mean_", 9) || !strncmp(name, "nb_max_", 7))
		snprintf(what, sizeof(what), "its linked users' %s %.60s = %.4g",
		         name[2] == '2' ? "two-hop mean" : name[3] == 'm' && name[4] == 'a' ? "max" : "mean",
		         strchr(strchr(name, '_') + 1, '_') + 1, v);
	else
		snprintf(what, sizeof(what), "%.60s = %.4g", name, v);
	snprintf(out, len, "%s: %+.2f", what, c);
}

/*
 * Every sentence of fg_model_reason_text (each feature family, the two
 * entity forms, NaN, infinities, signed zeros, huge and tiny values, names
 * and values past the %.40s / %.60s cuts, outputs cut short) is the
 * snprintf one's byte for byte.
 */
START_TEST(reason_text_as_snprintf_writes_it)
{
	static const char *const names[] = {
		"seed_hops", "seeds_2hop", "seeds_2hop_rate", "ring_seeds", "ring_seed_rate", "comp_seeds",
		"comp_seed_rate", "ppr", "ppr_2", "nb_ppr_max", "nb_seed_mean", "nb2_seed_mean",
		"ring_multi_mates", "ring_sharing", "ring_burst", "ring_size", "component_size",
		"account_age_days", "deg_card", "attr_country_code", "nb_mean_account_age_days",
		"nb2_mean_wdeg", "nb_max_share_min", "share_min", "wdeg",
		"attr_a_very_long_attribute_name_that_goes_on_past_the_sixty_bytes_cut_of_the_sentence",
		"a_very_long_feature_name_that_goes_on_and_on_past_the_sixty_bytes_cut_of_it_too",
	};
	static const float vals[] = { 0.0f, -0.0f, 1.0f, 0.5f, 0.125f, 0.995f, 0.9949999f, 2.5f, 3.5f,
	                              -1.25f, 449.4f, 1e-7f, 123456789.0f, 3.4e38f, -3.4e38f, 1e-40f };
	const float nan = NAN, inf = INFINITY;
	const fg_model_entity ents[] = {
		{ "card", "c1", 12, 3, false },
		{ "device", "d2", 5, 1, false },
		{ "ip", "an-ip-value-that-is-longer-than-the-forty-bytes-of-the-cut", 900, 0, true },
		{ "email", "\xc3\xa9t\xc3\xa9", 4294967295u, 4294967295u, true },
	};
	static const size_t lens[] = { 200, 64, 20, 3, 1 };
	char got[200], want[200];
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (size_t j = 0; j < sizeof(vals) / sizeof(vals[0]) + 3; j++)
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				size_t nv = sizeof(vals) / sizeof(vals[0]);
				float v = j < nv ? vals[j] : j == nv ? nan : j == nv + 1 ? inf : -inf;
				float c = j < nv ? -vals[nv - 1 - j] : j == nv ? -nan : j == nv + 1 ? -inf : 0.004999f;
				const fg_model_entity *e = j % 7 == 3 ? &ents[(i + j) % 4] : NULL;

				memset(got, 'x', sizeof(got));
				memset(want, 'y', sizeof(want));
				fg_model_reason_text(got, lens[l], names[i], v, c, e);
				reason_text_ref(want, lens[l], names[i], v, c, e);
				ck_assert_msg(!strcmp(got, want), "%s v=%.9g c=%.9g len %zu: \"%s\", snprintf \"%s\"",
				              names[i], v, c, lens[l], got, want);
				n++;
			}
	ck_assert_uint_gt(n, 2000);
}
END_TEST

/* fg_text's pieces as snprintf's conversions, and its cut at cap - 1 as snprintf's. */
START_TEST(text_as_snprintf_writes_it)
{
	static const double reals[] = { 0.0, -0.0, 0.0005, 0.0015, 0.9995, 1.0 / 3, -2.5, 1e300, -1e-300,
	                                NAN, -NAN, INFINITY, -INFINITY, 123.456 };
	static const char *const fmts[] = { "%.3f", "%.2f", "%.0f", "%.3g", "%.4g" };
	static const int64_t ints[] = { 0, 1, -1, 9, 10, 4294967295LL, INT64_MAX, INT64_MIN };
	char got[400], want[400], pf[8];

	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
			for (int plus = 0; plus < 2; plus++) {
				fg_text t = fg_text_start(got, sizeof(got));

				fg_text_real(&t, fmts[f], reals[i], plus);
				snprintf(pf, sizeof(pf), "%%%s%s", plus ? "+" : "", fmts[f] + 1);
				snprintf(want, sizeof(want), pf, reals[i]);
				ck_assert_str_eq(got, want);
				ck_assert_uint_eq(t.n, strlen(want));
			}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		fg_text t = fg_text_start(got, sizeof(got));

		fg_text_int(&t, ints[i]);
		snprintf(want, sizeof(want), "%lld", (long long)ints[i]);
		ck_assert_str_eq(got, want);
	}
	for (size_t cap = 1; cap < 24; cap++) {
		fg_text t = fg_text_start(got, cap);

		fg_text_puts(&t, "ring ");
		fg_text_putmax(&t, "r-0123456789", 6);
		fg_text_puts(&t, " (score ");
		fg_text_real(&t, "%.3f", 0.98765, 0);
		fg_text_int(&t, -42);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation" /* the cut is what is tested */
		snprintf(want, cap, "ring %.6s (score %.3f%lld", "r-0123456789", 0.98765, -42LL);
#pragma GCC diagnostic pop
		ck_assert_str_eq(got, want);
		ck_assert_uint_eq(t.n, strlen(want));
	}
}
END_TEST

static Suite *serve_suite(void)
{
	Suite *s = suite_create("serve");
	TCase *tc = tcase_create("http");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, json_arena_scope);
	tcase_add_test(tc, reason_text_as_snprintf_writes_it);
	tcase_add_test(tc, text_as_snprintf_writes_it);
	tcase_add_test(tc, ring_card_names_the_ring);
	tcase_add_test(tc, score_text_as_jansson_prints_it);
	tcase_add_test(tc, clean_account_scores_low);
	tcase_add_test(tc, run_params_apply_to_requests);
	tcase_add_test(tc, referral_to_a_seed);
	tcase_add_test(tc, same_request_same_answer);
	tcase_add_test(tc, every_error_status);
	tcase_add_test(tc, get_endpoints_structure);
	tcase_add_test(tc, reload_under_load_fails_nothing);
	tcase_add_test(tc, sigterm_drains_and_exits_0);
	tcase_add_test(tc, cli_errors);
	tcase_add_test(tc, parser_contract);
	tcase_add_test(tc, fuzz_corpus_replay);
	suite_add_tcase(s, tc);
	tc = tcase_create("model");
	tcase_set_timeout(tc, 240);
	tcase_add_unchecked_fixture(tc, model_world_setup, model_world_teardown);
	tcase_add_test(tc, model_existing_users_match_last_night);
	tcase_add_test(tc, model_new_ring_account_high_clean_low);
	tcase_add_test(tc, model_concurrent_requests_same_answer);
	tcase_add_test(tc, model_off_serves_rules);
	tcase_add_test(tc, model_explain_false_skips_reasons_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(serve_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
