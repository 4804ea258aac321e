/*
 * fraudgraph explain USER: why a user is flagged, with the evidence, read
 * from the results database only (never the original inputs).
 *
 * What it shows: the user's scores and labels; the ring with every factor of
 * its score and its counts per kind; the entities the user shares, and with
 * whom (capped per entity, "and N more"); direct user-user links; the path to
 * the nearest known-fraud seed; the ring's history over past runs.
 * Formats: text (fits 100 columns), json (docs/explain.md), dot, svg.
 *
 * Queries: only indexed lookups (user_scores PK, rings PK and ring_key index,
 * links by (run_id, user_id) and (run_id, entity_id), entities PK), so one
 * user costs O(evidence) and never a scan of the run.  Without ANALYZE
 * statistics SQLite's planner may prefer an index that serves ORDER BY or an
 * IS NOT NULL range over the equality one (a scan of the whole run), so the
 * queries disqualify those terms with unary '+'; FG_QUERY_PLAN=1 prints each
 * plan to stderr and the tests check that none scans.  User-user links are
 * read from the user's own rows: the run writes them in both directions.
 *
 * Path: breadth-first search over the stored links of the user's component,
 * hubs excluded (they are cut from the graph the run used), a hop per
 * user-entity or user-user link (user -> entity -> user is 2 hops, as in
 * user_scores.seed_hops).  Each level is expanded in a fixed order (users by
 * id in byte order, then entities by id; neighbours in that order too) and a
 * vertex keeps the first parent that reaches it, so the path is the same on
 * every call.  Among the seeds at the smallest distance the one the run named
 * (nearest_seed) is preferred, else the smallest id.  Bounded by seed_hops
 * (or 8 hops when the run recorded none) and 50000 vertices.
 */
#include "fg_cli.h"
#include "tool_util.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BFS_NODES 50000
#define MAX_PICTURE 200
#define TEXT_VALUE_MAX 40
#define MAX_EXAMINED_STR "10000" /* users of one entity ranked for the evidence list */

enum { FMT_TEXT, FMT_JSON, FMT_DOT, FMT_SVG };

/*
 * A user-user link is stored once (user_id < other_user, as the graph keeps
 * it), so a user's direct links are its rows plus the rows naming it as
 * other_user.  The second lookup is indexed when the database has
 * links(run_id, other_user); without it, it runs only for users whose
 * user_features.deg_user is not 0 (a constant test SQLite evaluates before
 * its loop), which keeps explain fast for the many users with no such link.
 */
#define SQL_UU_FWD                                                                          \
	"SELECT l.other_user, l.kind, s.label, s.score FROM links l"                        \
	" LEFT JOIN user_scores s ON s.run_id = l.run_id AND s.user_id = l.other_user"      \
	" WHERE l.run_id = ?1 AND l.user_id = ?2 AND +l.other_user IS NOT NULL"             \
	" ORDER BY +l.other_user, l.kind"
#define SQL_UU_REV                                                                          \
	"SELECT l.user_id, l.kind, s.label, s.score FROM links l"                           \
	" LEFT JOIN user_scores s ON s.run_id = l.run_id AND s.user_id = l.user_id"         \
	" WHERE l.run_id = ?1 AND l.other_user = ?2 AND coalesce((SELECT f.deg_user"        \
	" FROM user_features f WHERE f.run_id = ?1 AND f.user_id = ?2), 1) > 0"             \
	" ORDER BY +l.user_id, l.kind"

typedef struct other {
	char *user_id;
	char *label;
	double score; /* NAN if NULL */
} other;

typedef struct evid {
	int64_t entity_id;
	char *kind;
	char *value;
	int64_t share;
	bool hub;
	other *o;
	size_t n_o;
	int64_t more;
} evid;

typedef struct ulink {
	char *kind;
	char *user_id;
	char *label;
	double score;
} ulink;

typedef struct hist {
	int64_t run_id;
	char *date;
	char *status;
	int64_t n_users;
	double score;
} hist;

/* A vertex of the BFS or of the picture: a user ("u") or an entity ("e"). */
typedef struct node {
	bool is_user;
	char *user_id;     /* users */
	char *label;       /* users: 'fraud' / 'legit' / NULL */
	double score;      /* users */
	int64_t entity_id; /* entities */
	char *kind;        /* entities: kind; users: kind of the user-user link from parent */
	char *value;       /* entities */
	bool hub;
	int32_t parent;    /* BFS parent, -1 for the root */
	int32_t depth;
} node;

/* Open-addressing map from "u:<id>" / "e:<id>" to a node index. */
typedef struct nmap {
	char **key;
	int32_t *val;
	size_t cap, n;
} nmap;

typedef struct gedge {
	uint32_t a, b;
	char *kind; /* user-user links: the relation; else NULL */
} gedge;

static const char *const count_names[] = {
	"users", "seeds", "legit", "entities", "cards", "devices", "addresses",
	"phones", "emails", "ips", "other_entities", "user_links",
};
#define N_COUNTS 12
static const char *const factor_names[] = {
	"seed_rate", "seed_evidence", "risk_mean", "risk_max", "sharing", "burst",
	"size_factor", "dampener",
};
#define N_FACTORS 8

typedef struct explain {
	sqlite3 *db;
	int64_t run_id;
	int max_nb;
	bool nomem;

	/* strings owned by the explain, freed at the end */
	char **pool;
	size_t n_pool, cap_pool;

	char *run_date;
	char *user_id, *label, *nearest_seed;
	int64_t component_id, ring_id, seed_hops, created_at;
	bool has_component, has_ring, has_hops, has_created;
	double risk, risk_norm, risk_pct, score;

	bool ring_found;
	char *ring_key, *ring_status, *prev_keys_json, *first_date;
	int64_t first_run_id;
	bool has_first_run;
	int64_t counts[N_COUNTS];
	bool count_null[N_COUNTS];
	double factors[N_FACTORS];
	double ring_score;

	evid *ev;
	size_t n_ev;
	ulink *ul;
	size_t n_ul;
	hist *h;
	size_t n_h;

	/* path: node indices from the user to the seed, in bfs nodes */
	node *bn;
	size_t n_bn, cap_bn;
	nmap bmap;
	int32_t *path;
	size_t n_path;

	/* picture */
	node *pn;
	size_t n_pn, cap_pn;
	nmap pmap;
	gedge *pe;
	size_t n_pe, cap_pe;
	bool picture_capped;
	bool picture_is_ring;
} explain;

/* ---- small helpers ------------------------------------------------------ */

static char *keep(explain *x, char *s)
{
	if (!s)
		return NULL;
	if (x->n_pool == x->cap_pool) {
		size_t cap = x->cap_pool ? 2 * x->cap_pool : 256;
		char **p = fg_reallocarray(x->pool, cap, sizeof(char *));
		if (!p) {
			fg_free(s);
			x->nomem = true;
			return NULL;
		}
		x->pool = p;
		x->cap_pool = cap;
	}
	x->pool[x->n_pool++] = s;
	return s;
}

static char *dupcol(explain *x, sqlite3_stmt *st, int col)
{
	return keep(x, fg_tool_dup(st, col, &x->nomem));
}

static char *dupstr(explain *x, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = fg_strndup(s, strlen(s));
	if (!d)
		x->nomem = true;
	return keep(x, d);
}

static double dblcol(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

/* Grow *arr (element size sz) to hold one more; false on failure. */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t c;
	void *p;

	if (n < *cap)
		return true;
	c = *cap ? 2 * *cap : 16;
	p = fg_reallocarray(*arr, c, sz);
	if (!p)
		return false;
	*arr = p;
	*cap = c;
	return true;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int32_t nmap_get(const nmap *m, const char *key)
{
	if (!m->cap)
		return -1;
	for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->key[i])
			return -1;
		if (!strcmp(m->key[i], key))
			return m->val[i];
	}
}

/* key is copied; false on allocation failure. */
static bool nmap_put(nmap *m, const char *key, int32_t val)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		char **k = fg_calloc(cap, sizeof(char *));
		int32_t *v = fg_calloc(cap, sizeof(int32_t));
		if (!k || !v) {
			fg_free(k);
			fg_free(v);
			return false;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->key[i])
				continue;
			size_t j = hash_str(m->key[i]) & (cap - 1);
			while (k[j])
				j = (j + 1) & (cap - 1);
			k[j] = m->key[i];
			v[j] = m->val[i];
		}
		fg_free(m->key);
		fg_free(m->val);
		m->key = k;
		m->val = v;
		m->cap = cap;
	}
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->key[i])
		i = (i + 1) & (m->cap - 1);
	m->key[i] = fg_strndup(key, strlen(key));
	if (!m->key[i])
		return false;
	m->val[i] = val;
	m->n++;
	return true;
}

static void nmap_free(nmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		fg_free(m->key[i]);
	fg_free(m->key);
	fg_free(m->val);
	memset(m, 0, sizeof(*m));
}

static void node_key(char *buf, size_t cap, const node *n)
{
	if (n->is_user)
		snprintf(buf, cap, "u:%s", n->user_id);
	else
		snprintf(buf, cap, "e:%lld", (long long)n->entity_id);
}

/* Users by id (byte order) first, then entities by id. */
static int node_cmp(const node *a, const node *b)
{
	if (a->is_user != b->is_user)
		return a->is_user ? -1 : 1;
	if (a->is_user)
		return strcmp(a->user_id, b->user_id);
	return (a->entity_id > b->entity_id) - (a->entity_id < b->entity_id);
}

static const char *label_text(const char *label)
{
	return label && *label ? label : "unknown";
}

static void fmt_score(char *buf, size_t cap, double v)
{
	if (isnan(v))
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%.3f", v);
}

/* ---- reading ------------------------------------------------------------ */

static int read_user(explain *x, const char *user, const char *path)
{
	sqlite3_stmt *st = NULL;
	char q[256], p[256];
	int rc = FG_OK, s;

	rc = fg_tool_prepare(&st, x->db,
	                     "SELECT label, component_id, ring_id, risk, risk_norm, risk_pct, score,"
	                     " nearest_seed, seed_hops, created_at,"
	                     " (SELECT started_at FROM runs WHERE run_id = ?1)"
	                     " FROM user_scores WHERE run_id = ?1 AND user_id = ?2");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, x->run_id);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		fg_error_quote(q, sizeof(q), user, strlen(user));
		fg_error_quote(p, sizeof(p), path, strlen(path));
		rc = fg_error_set(FG_ENOTFOUND, "user '%s' is not in run %lld of %s", q,
		                  (long long)x->run_id, p);
		goto cleanup;
	}
	if (s != SQLITE_ROW) {
		rc = fg_tool_db_error(x->db, "reading user_scores");
		goto cleanup;
	}
	x->user_id = dupstr(x, user);
	x->label = dupcol(x, st, 0);
	x->has_component = sqlite3_column_type(st, 1) != SQLITE_NULL;
	x->component_id = sqlite3_column_int64(st, 1);
	x->has_ring = sqlite3_column_type(st, 2) != SQLITE_NULL;
	x->ring_id = sqlite3_column_int64(st, 2);
	x->risk = dblcol(st, 3);
	x->risk_norm = dblcol(st, 4);
	x->risk_pct = dblcol(st, 5);
	x->score = dblcol(st, 6);
	x->nearest_seed = dupcol(x, st, 7);
	x->has_hops = sqlite3_column_type(st, 8) != SQLITE_NULL;
	x->seed_hops = sqlite3_column_int64(st, 8);
	x->has_created = sqlite3_column_type(st, 9) != SQLITE_NULL;
	x->created_at = sqlite3_column_int64(st, 9);
	x->run_date = dupcol(x, st, 10);
cleanup:
	sqlite3_finalize(st);
	return rc;
}

static int read_ring(explain *x)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	if (!x->has_ring)
		return FG_OK;
	rc = fg_tool_prepare(&st, x->db,
	                     "SELECT r.ring_key, r.status,"
	                     " CASE WHEN json_valid(r.prev_keys) THEN json(r.prev_keys) END,"
	                     " r.first_run_id, (SELECT started_at FROM runs f WHERE f.run_id = r.first_run_id),"
	                     " r.n_users, r.n_seeds, r.n_legit, r.n_entities, r.n_cards, r.n_devices,"
	                     " r.n_addresses, r.n_phones, r.n_emails, r.n_ips, r.n_other_entities,"
	                     " r.n_user_links, r.seed_rate, r.seed_evidence, r.risk_mean, r.risk_max,"
	                     " r.sharing, r.burst, r.size_factor, r.dampener, r.ring_score"
	                     " FROM rings r WHERE r.run_id = ? AND r.ring_id = ?");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, x->run_id);
	sqlite3_bind_int64(st, 2, x->ring_id);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		x->ring_found = true;
		x->ring_key = dupcol(x, st, 0);
		x->ring_status = dupcol(x, st, 1);
		x->prev_keys_json = dupcol(x, st, 2);
		x->has_first_run = sqlite3_column_type(st, 3) != SQLITE_NULL;
		x->first_run_id = sqlite3_column_int64(st, 3);
		x->first_date = dupcol(x, st, 4);
		for (int i = 0; i < N_COUNTS; i++) {
			x->count_null[i] = sqlite3_column_type(st, 5 + i) == SQLITE_NULL;
			x->counts[i] = sqlite3_column_int64(st, 5 + i);
		}
		for (int i = 0; i < N_FACTORS; i++)
			x->factors[i] = dblcol(st, 5 + N_COUNTS + i);
		x->ring_score = dblcol(st, 5 + N_COUNTS + N_FACTORS);
	} else if (s != SQLITE_DONE) {
		rc = fg_tool_db_error(x->db, "reading rings");
	}
	sqlite3_finalize(st);
	return rc;
}

static int read_evidence(explain *x)
{
	sqlite3_stmt *st = NULL, *ot = NULL;
	int rc, s;

	rc = fg_tool_prepare(&st, x->db,
	                     "SELECT DISTINCT l.entity_id, coalesce(e.kind, l.kind), coalesce(e.value, ''),"
	                     " coalesce(e.share, 0), coalesce(e.is_hub, 0)"
	                     " FROM links l LEFT JOIN entities e"
	                     " ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
	                     " WHERE l.run_id = ? AND l.user_id = ? AND +l.entity_id IS NOT NULL"
	                     " ORDER BY 5, 2, 3, 1");
	if (rc)
		goto cleanup;
	/*
	 * A hub may have a million stored links: rank at most MAX_EXAMINED of
	 * them (in storage order, deterministic for a given database), so one
	 * user never costs more than that per entity.  (user, entity) pairs are
	 * unique in links: the run de-duplicates them.
	 */
	rc = fg_tool_prepare(&ot, x->db,
	                     "SELECT sub.user_id, s.label, s.score FROM"
	                     " (SELECT l.user_id AS user_id FROM links l"
	                     "  WHERE l.run_id = ?1 AND l.entity_id = ?2 AND +l.user_id <> ?3"
	                     "  LIMIT " MAX_EXAMINED_STR ") sub"
	                     " LEFT JOIN user_scores s ON s.run_id = ?1 AND s.user_id = sub.user_id"
	                     " ORDER BY coalesce(s.label = 'fraud', 0) DESC, coalesce(s.score, -1) DESC,"
	                     " sub.user_id LIMIT ?4");
	if (rc)
		goto cleanup;
	sqlite3_bind_int64(st, 1, x->run_id);
	sqlite3_bind_text(st, 2, x->user_id, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		evid *e, *p = fg_reallocarray(x->ev, x->n_ev + 1, sizeof(evid));
		if (!p) {
			x->nomem = true;
			break;
		}
		x->ev = p;
		e = &x->ev[x->n_ev++];
		memset(e, 0, sizeof(*e));
		e->entity_id = sqlite3_column_int64(st, 0);
		e->kind = dupcol(x, st, 1);
		e->value = dupcol(x, st, 2);
		e->share = sqlite3_column_int64(st, 3);
		e->hub = sqlite3_column_int64(st, 4) != 0;
		sqlite3_reset(ot);
		sqlite3_bind_int64(ot, 1, x->run_id);
		sqlite3_bind_int64(ot, 2, e->entity_id);
		sqlite3_bind_text(ot, 3, x->user_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(ot, 4, x->max_nb);
		while ((s = sqlite3_step(ot)) == SQLITE_ROW) {
			other *op = fg_reallocarray(e->o, e->n_o + 1, sizeof(other));
			if (!op) {
				x->nomem = true;
				break;
			}
			e->o = op;
			op[e->n_o].user_id = dupcol(x, ot, 0);
			op[e->n_o].label = dupcol(x, ot, 1);
			op[e->n_o].score = dblcol(ot, 2);
			e->n_o++;
		}
		if (s != SQLITE_DONE && !x->nomem) {
			rc = fg_tool_db_error(x->db, "reading links");
			goto cleanup;
		}
		/* share counts every distinct user of the entity, the user included */
		e->more = e->share - 1 - (int64_t)e->n_o;
		if (e->more < 0)
			e->more = 0;
	}
	if (s != SQLITE_DONE && !x->nomem)
		rc = fg_tool_db_error(x->db, "reading links");
cleanup:
	sqlite3_finalize(st);
	sqlite3_finalize(ot);
	return rc;
}

static int ulink_cmp(const void *a, const void *b)
{
	const ulink *x = a, *y = b;
	int c = strcmp(x->user_id, y->user_id);

	return c ? c : strcmp(x->kind ? x->kind : "", y->kind ? y->kind : "");
}

static int read_user_links(explain *x)
{
	static const char *const sql[2] = { SQL_UU_FWD, SQL_UU_REV };
	sqlite3_stmt *st = NULL;
	int rc = FG_OK, s = SQLITE_DONE;

	for (int pass = 0; pass < 2 && !rc && !x->nomem; pass++) {
		rc = fg_tool_prepare(&st, x->db, sql[pass]);
		if (rc)
			return rc;
		sqlite3_bind_int64(st, 1, x->run_id);
		sqlite3_bind_text(st, 2, x->user_id, -1, SQLITE_STATIC);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			ulink *p = fg_reallocarray(x->ul, x->n_ul + 1, sizeof(ulink));
			if (!p) {
				x->nomem = true;
				break;
			}
			x->ul = p;
			p[x->n_ul].user_id = dupcol(x, st, 0);
			p[x->n_ul].kind = dupcol(x, st, 1);
			p[x->n_ul].label = dupcol(x, st, 2);
			p[x->n_ul].score = dblcol(st, 3);
			x->n_ul++;
		}
		if (s != SQLITE_DONE && !x->nomem)
			rc = fg_tool_db_error(x->db, "reading links");
		sqlite3_finalize(st);
		st = NULL;
	}
	if (x->nomem)
		return fg_error_set(FG_ENOMEM, "out of memory (explain)");
	if (!rc && x->n_ul) {
		size_t w = 1;
		qsort(x->ul, x->n_ul, sizeof(ulink), ulink_cmp);
		for (size_t i = 1; i < x->n_ul; i++) /* a link stored both ways shows once */
			if (ulink_cmp(&x->ul[i], &x->ul[w - 1]))
				x->ul[w++] = x->ul[i];
		x->n_ul = w;
	}
	return rc;
}

static int read_history(explain *x)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	if (!x->ring_found || !x->ring_key)
		return FG_OK;
	rc = fg_tool_prepare(&st, x->db,
	                     "SELECT r.run_id, u.started_at, r.status, r.n_users, r.ring_score"
	                     " FROM rings r JOIN runs u ON u.run_id = r.run_id"
	                     " WHERE r.ring_key = ? AND r.run_id <= ? AND u.status = 'ok'"
	                     " ORDER BY r.run_id");
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, x->ring_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, x->run_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		hist *p = fg_reallocarray(x->h, x->n_h + 1, sizeof(hist));
		if (!p) {
			x->nomem = true;
			break;
		}
		x->h = p;
		p[x->n_h].run_id = sqlite3_column_int64(st, 0);
		p[x->n_h].date = dupcol(x, st, 1);
		p[x->n_h].status = dupcol(x, st, 2);
		p[x->n_h].n_users = sqlite3_column_int64(st, 3);
		p[x->n_h].score = dblcol(st, 4);
		x->n_h++;
	}
	if (s != SQLITE_DONE && !x->nomem)
		rc = fg_tool_db_error(x->db, "reading rings");
	sqlite3_finalize(st);
	return rc;
}

/* ---- neighbourhoods (path and picture) ---------------------------------- */

typedef struct nbq {
	sqlite3_stmt *user_ent;  /* a user's non-hub entities, by entity id */
	sqlite3_stmt *user_user; /* a user's direct links, stored from its side */
	sqlite3_stmt *user_rev;  /* ... and from the other user's side */
	sqlite3_stmt *ent_users; /* an entity's users, by user id */
} nbq;

static int nbq_open(nbq *q, sqlite3 *db)
{
	int rc;

	memset(q, 0, sizeof(*q));
	rc = fg_tool_prepare(&q->user_ent, db,
	                     "SELECT DISTINCT l.entity_id, e.kind, e.value FROM links l"
	                     " JOIN entities e ON e.run_id = l.run_id AND e.entity_id = l.entity_id"
	                     " WHERE l.run_id = ? AND l.user_id = ? AND +l.entity_id IS NOT NULL"
	                     " AND coalesce(e.is_hub, 0) = 0 ORDER BY +l.entity_id");
	if (!rc)
		rc = fg_tool_prepare(&q->user_user, db, SQL_UU_FWD);
	if (!rc)
		rc = fg_tool_prepare(&q->user_rev, db, SQL_UU_REV);
	if (!rc)
		rc = fg_tool_prepare(&q->ent_users, db,
		                     "SELECT DISTINCT l.user_id, s.label, s.score FROM links l"
		                     " LEFT JOIN user_scores s ON s.run_id = l.run_id AND s.user_id = l.user_id"
		                     " WHERE l.run_id = ? AND l.entity_id = ? ORDER BY +l.user_id");
	return rc;
}

static void nbq_close(nbq *q)
{
	sqlite3_finalize(q->user_ent);
	sqlite3_finalize(q->user_user);
	sqlite3_finalize(q->user_rev);
	sqlite3_finalize(q->ent_users);
}

/*
 * Add a node to (arr, map) unless present; *idx receives its index and
 * *added whether it is new.
 */
static int add_node(explain *x, node **arr, size_t *n, size_t *cap, nmap *map, const node *nd,
                    int32_t *idx, bool *added)
{
	char key[512];
	int32_t i;

	node_key(key, sizeof(key), nd);
	i = nmap_get(map, key);
	*added = false;
	if (i >= 0) {
		*idx = i;
		return FG_OK;
	}
	if (!grow((void **)arr, cap, *n, sizeof(node)) || !nmap_put(map, key, (int32_t)*n)) {
		x->nomem = true;
		return fg_error_set(FG_ENOMEM, "out of memory (explain)");
	}
	(*arr)[*n] = *nd;
	*idx = (int32_t)(*n)++;
	*added = true;
	return FG_OK;
}

/*
 * add_node, except that a node not yet present is refused (*idx = -1, *capped
 * set) once arr holds `limit` nodes.
 */
static int admit_node(explain *x, node **arr, size_t *n, size_t *cap, nmap *map, const node *nd,
                      size_t limit, bool *capped, int32_t *idx)
{
	char key[512];
	bool added;

	node_key(key, sizeof(key), nd);
	if (nmap_get(map, key) < 0 && *n >= limit) {
		if (capped)
			*capped = true;
		*idx = -1;
		return FG_OK;
	}
	return add_node(x, arr, n, cap, map, nd, idx, &added);
}

/*
 * The neighbours of node v of arr, in the fixed order, each passed to
 * add_node with parent v; new ones appended to arr.  For the picture
 * (edges != NULL) every edge to a node of arr is recorded once as well,
 * and no new node is added past `limit` nodes.
 */
static int expand(explain *x, nbq *q, node **arr, size_t *n, size_t *cap, nmap *map, int32_t v,
                  size_t limit, bool *capped)
{
	node cur = (*arr)[v];
	int rc = FG_OK, s;

	if (cur.is_user) {
		sqlite3_stmt *const stmts[3] = { q->user_ent, q->user_user, q->user_rev };
		for (int pass = 0; pass < 3 && !rc; pass++) {
			sqlite3_stmt *st = stmts[pass];
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, x->run_id);
			sqlite3_bind_text(st, 2, cur.user_id, -1, SQLITE_TRANSIENT);
			while ((s = sqlite3_step(st)) == SQLITE_ROW) {
				node nd = { 0 };
				int32_t idx;
				nd.parent = v;
				nd.depth = cur.depth + 1;
				if (pass == 0) {
					nd.is_user = false;
					nd.entity_id = sqlite3_column_int64(st, 0);
					nd.kind = dupcol(x, st, 1);
					nd.value = dupcol(x, st, 2);
				} else {
					nd.is_user = true;
					nd.user_id = dupcol(x, st, 0);
					nd.kind = dupcol(x, st, 1);
					nd.label = dupcol(x, st, 2);
					nd.score = dblcol(st, 3);
				}
				if (x->nomem)
					return fg_error_set(FG_ENOMEM, "out of memory (explain)");
				if ((rc = admit_node(x, arr, n, cap, map, &nd, limit, capped, &idx)) != FG_OK)
					return rc;
				if (idx < 0)
					continue;
				if (capped && idx != v) { /* picture: record the edge */
					gedge *e;
					if (!grow((void **)&x->pe, &x->cap_pe, x->n_pe, sizeof(gedge)))
						return fg_error_set(FG_ENOMEM, "out of memory (explain)");
					e = &x->pe[x->n_pe++];
					e->a = (uint32_t)v;
					e->b = (uint32_t)idx;
					e->kind = pass > 0 ? nd.kind : NULL;
				}
			}
			if (s != SQLITE_DONE)
				return fg_tool_db_error(x->db, "reading links");
		}
	} else {
		sqlite3_stmt *st = q->ent_users;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, x->run_id);
		sqlite3_bind_int64(st, 2, cur.entity_id);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			node nd = { 0 };
			int32_t idx;
			nd.is_user = true;
			nd.parent = v;
			nd.depth = cur.depth + 1;
			nd.user_id = dupcol(x, st, 0);
			nd.label = dupcol(x, st, 1);
			nd.score = dblcol(st, 2);
			if (x->nomem)
				return fg_error_set(FG_ENOMEM, "out of memory (explain)");
			if ((rc = admit_node(x, arr, n, cap, map, &nd, limit, capped, &idx)) != FG_OK)
				return rc;
		}
		if (s != SQLITE_DONE)
			return fg_tool_db_error(x->db, "reading links");
	}
	return rc;
}

/* qsort has no context argument: the node array being sorted (single-threaded tool). */
static node *sort_base;

static int idx_cmp(const void *a, const void *b)
{
	int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;

	return node_cmp(&sort_base[i], &sort_base[j]);
}

static int find_path(explain *x)
{
	nbq q;
	int32_t *level = NULL, root;
	size_t lo = 0, hi, max_depth;
	int32_t target = -1;
	bool added;
	node start = { 0 };
	int rc;

	max_depth = x->has_hops ? (size_t)(x->seed_hops < 0 ? 0 : x->seed_hops) : 8;
	rc = nbq_open(&q, x->db);
	if (rc)
		goto cleanup;
	start.is_user = true;
	start.user_id = x->user_id;
	start.label = x->label;
	start.score = x->score;
	start.parent = -1;
	rc = add_node(x, &x->bn, &x->n_bn, &x->cap_bn, &x->bmap, &start, &root, &added);
	if (rc)
		goto cleanup;
	if (x->label && !strcmp(x->label, "fraud"))
		target = root;
	hi = x->n_bn;
	for (size_t depth = 0; target < 0 && depth < max_depth && lo < hi; depth++) {
		/* expand level [lo, hi) in node order; new nodes land at [hi, n) */
		size_t nl = hi - lo;
		level = fg_mallocarray(nl, sizeof(int32_t));
		if (!level) {
			rc = fg_error_set(FG_ENOMEM, "out of memory (explain)");
			goto cleanup;
		}
		for (size_t i = 0; i < nl; i++)
			level[i] = (int32_t)(lo + i);
		sort_base = x->bn;
		qsort(level, nl, sizeof(int32_t), idx_cmp);
		for (size_t i = 0; i < nl; i++) {
			rc = expand(x, &q, &x->bn, &x->n_bn, &x->cap_bn, &x->bmap, level[i],
			            MAX_BFS_NODES, NULL);
			if (rc)
				goto cleanup;
		}
		fg_free(level);
		level = NULL;
		lo = hi;
		hi = x->n_bn;
		for (size_t i = lo; i < hi; i++) {
			const node *nd = &x->bn[i];
			if (!nd->is_user || !nd->label || strcmp(nd->label, "fraud"))
				continue;
			if (target < 0 || (x->nearest_seed && !strcmp(nd->user_id, x->nearest_seed)) ||
			    ((!x->nearest_seed || strcmp(x->bn[target].user_id, x->nearest_seed)) &&
			     strcmp(nd->user_id, x->bn[target].user_id) < 0))
				target = (int32_t)i;
		}
	}
	if (target >= 0) {
		size_t len = 0;
		for (int32_t v = target; v >= 0; v = x->bn[v].parent)
			len++;
		x->path = fg_mallocarray(len, sizeof(int32_t));
		if (!x->path) {
			rc = fg_error_set(FG_ENOMEM, "out of memory (explain)");
			goto cleanup;
		}
		x->n_path = len;
		for (int32_t v = target; v >= 0; v = x->bn[v].parent)
			x->path[--len] = v;
	}
cleanup:
	fg_free(level);
	nbq_close(&q);
	return rc;
}

/* ---- picture: the ring (or capped component part) ----------------------- */

static int gedge_cmp(const void *p, const void *q)
{
	const gedge *a = p, *b = q;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	/* a relation and an entity edge never share a pair; kinds for stability */
	return strcmp(a->kind ? a->kind : "", b->kind ? b->kind : "");
}

static int build_picture(explain *x)
{
	nbq q;
	int rc;
	int32_t idx;
	bool added;

	rc = nbq_open(&q, x->db);
	if (rc)
		goto cleanup;
	if (x->ring_found) {
		/* members first, then entities shared by >= 2 members */
		sqlite3_stmt *st = NULL;
		int s;
		x->picture_is_ring = true;
		rc = fg_tool_prepare(&st, x->db,
		                     "SELECT user_id, label, score FROM user_scores"
		                     " WHERE run_id = ? AND ring_id = ? ORDER BY +user_id");
		if (rc)
			goto cleanup;
		sqlite3_bind_int64(st, 1, x->run_id);
		sqlite3_bind_int64(st, 2, x->ring_id);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			node nd = { 0 };
			if (x->n_pn >= MAX_PICTURE / 2) {
				x->picture_capped = true;
				continue;
			}
			nd.is_user = true;
			nd.user_id = dupcol(x, st, 0);
			nd.label = dupcol(x, st, 1);
			nd.score = dblcol(st, 2);
			nd.parent = -1;
			if (x->nomem) {
				s = SQLITE_NOMEM;
				break;
			}
			rc = add_node(x, &x->pn, &x->n_pn, &x->cap_pn, &x->pmap, &nd, &idx, &added);
			if (rc)
				break;
		}
		sqlite3_finalize(st);
		if (rc)
			goto cleanup;
		if (s != SQLITE_DONE) {
			rc = x->nomem ? fg_error_set(FG_ENOMEM, "out of memory (explain)")
			              : fg_tool_db_error(x->db, "reading user_scores");
			goto cleanup;
		}
		/* the explained user is a member, unless capped away: keep it in */
		{
			node nd = { 0 };
			nd.is_user = true;
			nd.user_id = x->user_id;
			nd.label = x->label;
			nd.score = x->score;
			nd.parent = -1;
			rc = add_node(x, &x->pn, &x->n_pn, &x->cap_pn, &x->pmap, &nd, &idx, &added);
			if (rc)
				goto cleanup;
		}
		{
			size_t members = x->n_pn;
			/* expand every member, then keep entities touched by >= 2 members */
			for (size_t i = 0; i < members; i++) {
				rc = expand(x, &q, &x->pn, &x->n_pn, &x->cap_pn, &x->pmap, (int32_t)i,
				            (size_t)1 << 30, &x->picture_capped);
				if (rc)
					goto cleanup;
			}
			/* filter: entity nodes with < 2 member edges, user nodes outside the ring */
			uint32_t *deg = fg_calloc(x->n_pn, sizeof(uint32_t));
			int32_t *remap = fg_mallocarray(x->n_pn, sizeof(int32_t));
			size_t nn = 0, ne = 0;
			if (!deg || !remap) {
				fg_free(deg);
				fg_free(remap);
				rc = fg_error_set(FG_ENOMEM, "out of memory (explain)");
				goto cleanup;
			}
			for (size_t i = 0; i < x->n_pe; i++)
				if (x->pe[i].b >= members)
					deg[x->pe[i].b]++;
			for (size_t i = 0; i < x->n_pn; i++) {
				bool keepit = i < members ||
				              (!x->pn[i].is_user && deg[i] >= 2 && nn < MAX_PICTURE);
				if (i >= members && !x->pn[i].is_user && deg[i] >= 2 && nn >= MAX_PICTURE)
					x->picture_capped = true;
				remap[i] = keepit ? (int32_t)nn : -1;
				if (keepit)
					x->pn[nn++] = x->pn[i];
			}
			for (size_t i = 0; i < x->n_pe; i++) {
				gedge e = x->pe[i];
				int32_t a = remap[e.a], b = remap[e.b];
				if (a < 0 || b < 0)
					continue;
				e.a = (uint32_t)a;
				e.b = (uint32_t)b;
				x->pe[ne++] = e;
			}
			x->n_pn = nn;
			x->n_pe = ne;
			fg_free(deg);
			fg_free(remap);
		}
	} else {
		/* breadth-first from the user over its component, capped */
		node nd = { 0 };
		nd.is_user = true;
		nd.user_id = x->user_id;
		nd.label = x->label;
		nd.score = x->score;
		nd.parent = -1;
		rc = add_node(x, &x->pn, &x->n_pn, &x->cap_pn, &x->pmap, &nd, &idx, &added);
		if (rc)
			goto cleanup;
		for (size_t i = 0; i < x->n_pn; i++) {
			rc = expand(x, &q, &x->pn, &x->n_pn, &x->cap_pn, &x->pmap, (int32_t)i, MAX_PICTURE,
			            &x->picture_capped);
			if (rc)
				goto cleanup;
		}
	}
	/* edges were recorded from both ends: one per pair, in (a, b) order */
	for (size_t i = 0; i < x->n_pe; i++) {
		if (x->pe[i].a > x->pe[i].b) {
			uint32_t t = x->pe[i].a;
			x->pe[i].a = x->pe[i].b;
			x->pe[i].b = t;
		}
	}
	if (x->n_pe) {
		size_t ne = 1;
		qsort(x->pe, x->n_pe, sizeof(gedge), gedge_cmp);
		for (size_t i = 1; i < x->n_pe; i++)
			if (x->pe[i].a != x->pe[ne - 1].a || x->pe[i].b != x->pe[ne - 1].b)
				x->pe[ne++] = x->pe[i];
		x->n_pe = ne;
	}
cleanup:
	nbq_close(&q);
	return rc;
}

/* ---- output: text ------------------------------------------------------- */

/* Append "u01 -[card c1]- u02 ..." wrapped at 100 columns with indent. */
static void path_text(fg_sbuf *o, const explain *x, int indent, bool wrap)
{
	size_t col = (size_t)indent;
	fg_sbuf seg = { 0 };

	if (wrap)
		fg_sbuf_printf(o, "%*s", indent, "");
	for (size_t i = 0; i < x->n_path; i++) {
		const node *nd = &x->bn[x->path[i]];
		seg.len = 0;
		if (seg.s)
			seg.s[0] = '\0';
		if (!nd->is_user)
			continue;
		if (i > 0) {
			const node *prev = &x->bn[x->path[i - 1]];
			if (prev->is_user) {
				fg_sbuf_printf(&seg, " -[%s]- ", nd->kind ? nd->kind : "link");
			} else {
				fg_sbuf_printf(&seg, " -[%s ", prev->kind ? prev->kind : "?");
				fg_sbuf_clip(&seg, prev->value ? prev->value : "", TEXT_VALUE_MAX);
				fg_sbuf_puts(&seg, "]- ");
			}
		}
		fg_sbuf_puts(&seg, nd->user_id);
		if (nd->label && !strcmp(nd->label, "fraud"))
			fg_sbuf_puts(&seg, " (fraud)");
		if (seg.nomem) {
			o->nomem = true;
			break;
		}
		if (wrap && col > (size_t)indent && col + seg.len > 100) {
			fg_sbuf_printf(o, "\n%*s", indent + 2, "");
			col = (size_t)indent + 2;
			/* drop the leading blank of the segment on a new line */
			fg_sbuf_puts(o, seg.s[0] == ' ' ? seg.s + 1 : seg.s);
			col += seg.len;
		} else {
			fg_sbuf_puts(o, seg.s);
			col += seg.len;
		}
	}
	if (wrap)
		fg_sbuf_puts(o, "\n");
	fg_sbuf_free(&seg);
}

static int emit_text(fg_sbuf *o, explain *x)
{
	char b1[32], b2[32], b3[32], b4[32];
	fg_table *t = NULL;
	int rc = FG_OK;

	fg_sbuf_printf(o, "User %s (run %lld", x->user_id, (long long)x->run_id);
	if (x->run_date)
		fg_sbuf_printf(o, ", %s", x->run_date);
	fg_sbuf_puts(o, ")\n");
	fmt_score(b1, sizeof(b1), x->score);
	fmt_score(b3, sizeof(b3), x->risk_norm);
	if (isnan(x->risk))
		snprintf(b2, sizeof(b2), "-");
	else
		snprintf(b2, sizeof(b2), "%.3g", x->risk);
	if (isnan(x->risk_pct))
		snprintf(b4, sizeof(b4), "-");
	else
		snprintf(b4, sizeof(b4), "%.1f", x->risk_pct);
	fg_sbuf_printf(o, "  score      %s\n", b1);
	fg_sbuf_printf(o, "  risk       %s (normalised %s, percentile %s)\n", b2, b3, b4);
	fg_sbuf_printf(o, "  label      %s\n", label_text(x->label));
	if (x->has_component)
		fg_sbuf_printf(o, "  component  %lld\n", (long long)x->component_id);
	if (x->ring_found)
		fg_sbuf_printf(o, "  ring       %s\n", x->ring_key);
	else
		fg_sbuf_puts(o, "  ring       none\n");
	if (x->has_hops && x->nearest_seed)
		fg_sbuf_printf(o, "  nearest known fraud  %s, %lld hops\n", x->nearest_seed,
		               (long long)x->seed_hops);
	else
		fg_sbuf_puts(o, "  nearest known fraud  none reachable\n");

	if (x->ring_found) {
		fmt_score(b1, sizeof(b1), x->ring_score);
		fg_sbuf_printf(o, "\nRing %s: %s, score %s", x->ring_key, x->ring_status ? x->ring_status : "?", b1);
		if (x->has_first_run) {
			fg_sbuf_printf(o, ", first seen in run %lld", (long long)x->first_run_id);
			if (x->first_date)
				fg_sbuf_printf(o, " (%s)", x->first_date);
		}
		fg_sbuf_puts(o, "\n");
		if (x->prev_keys_json)
			fg_sbuf_printf(o, "  prev keys   %s\n", x->prev_keys_json);
		fg_sbuf_printf(o, "  members     %lld users (seeds %lld, legit %lld)\n", (long long)x->counts[0],
		               (long long)x->counts[1], (long long)x->counts[2]);
		fg_sbuf_printf(o, "  entities    %lld (cards %lld, devices %lld, addresses %lld, phones %lld,"
		                  " emails %lld, ips %lld, other %lld)\n",
		               (long long)x->counts[3], (long long)x->counts[4], (long long)x->counts[5],
		               (long long)x->counts[6], (long long)x->counts[7], (long long)x->counts[8],
		               (long long)x->counts[9], (long long)x->counts[10]);
		fg_sbuf_printf(o, "  user links  %lld\n", (long long)x->counts[11]);
		fg_sbuf_puts(o, "  score factors\n");
		{
			static const char *const hdr[] = { "factor", "value" };
			rc = fg_table_new(&t, 2, hdr, "lr", 0);
			if (rc)
				goto cleanup;
			for (int i = 0; i < N_FACTORS; i++) {
				fmt_score(b1, sizeof(b1), x->factors[i]);
				fg_table_cell(t, "%s", factor_names[i]);
				fg_table_cell(t, "%s", b1);
			}
			fmt_score(b1, sizeof(b1), x->ring_score);
			fg_table_cell(t, "ring_score");
			fg_table_cell(t, "%s", b1);
			rc = fg_table_check(t);
			if (rc)
				goto cleanup;
			fg_table_print(o, t, 4);
			fg_table_free(&t);
		}
	} else if (x->has_ring) {
		fg_sbuf_printf(o, "\nRing %lld: not in the rings table of this run\n", (long long)x->ring_id);
	}

	fg_sbuf_printf(o, "\nEvidence: what %s shares\n", x->user_id);
	if (x->n_ev == 0 && x->n_ul == 0)
		fg_sbuf_puts(o, "  no link stored (the user is alone in its component)\n");
	else if (x->n_ev == 0)
		fg_sbuf_puts(o, "  no shared entity, direct links only\n");
	for (size_t i = 0; i < x->n_ev; i++) {
		const evid *e = &x->ev[i];
		static const char *const hdr[] = { "user", "label", "score" };
		fg_sbuf_puts(o, "  ");
		fg_sbuf_clip(o, e->kind, 16);
		fg_sbuf_puts(o, " ");
		fg_sbuf_clip(o, e->value, TEXT_VALUE_MAX);
		if (e->hub)
			fg_sbuf_printf(o, "  (hub: shared by %lld users, kept out of rings)\n", (long long)e->share);
		else
			fg_sbuf_printf(o, "  (shared by %lld users)\n", (long long)e->share);
		if (e->n_o == 0) {
			if (e->more > 0)
				fg_sbuf_printf(o, "    %lld other users, not listed\n", (long long)e->more);
			continue;
		}
		rc = fg_table_new(&t, 3, hdr, "llr", TEXT_VALUE_MAX);
		if (rc)
			goto cleanup;
		for (size_t j = 0; j < e->n_o; j++) {
			fmt_score(b1, sizeof(b1), e->o[j].score);
			fg_table_cell(t, "%s", e->o[j].user_id);
			fg_table_cell(t, "%s", label_text(e->o[j].label));
			fg_table_cell(t, "%s", b1);
		}
		rc = fg_table_check(t);
		if (rc)
			goto cleanup;
		fg_table_print(o, t, 4);
		fg_table_free(&t);
		if (e->more > 0)
			fg_sbuf_printf(o, "    and %lld more\n", (long long)e->more);
	}
	if (x->n_ul) {
		static const char *const hdr[] = { "link", "user", "label", "score" };
		fg_sbuf_puts(o, "\nDirect links\n");
		rc = fg_table_new(&t, 4, hdr, "lllr", TEXT_VALUE_MAX);
		if (rc)
			goto cleanup;
		for (size_t j = 0; j < x->n_ul; j++) {
			fmt_score(b1, sizeof(b1), x->ul[j].score);
			fg_table_cell(t, "%s", x->ul[j].kind);
			fg_table_cell(t, "%s", x->ul[j].user_id);
			fg_table_cell(t, "%s", label_text(x->ul[j].label));
			fg_table_cell(t, "%s", b1);
		}
		rc = fg_table_check(t);
		if (rc)
			goto cleanup;
		fg_table_print(o, t, 2);
		fg_table_free(&t);
	}

	if (x->n_path) {
		fg_sbuf_printf(o, "\nPath to the nearest known fraud (%zu hops)\n", x->n_path - 1);
		path_text(o, x, 2, true);
	} else {
		fg_sbuf_puts(o, "\nPath to the nearest known fraud\n  none found in the user's component\n");
	}

	if (x->n_h) {
		static const char *const hdr[] = { "run", "date", "status", "size", "score" };
		fg_sbuf_printf(o, "\nHistory of %s (first seen in run %lld)\n", x->ring_key,
		               (long long)(x->has_first_run ? x->first_run_id : x->h[0].run_id));
		rc = fg_table_new(&t, 5, hdr, "rllrr", TEXT_VALUE_MAX);
		if (rc)
			goto cleanup;
		for (size_t j = 0; j < x->n_h; j++) {
			fmt_score(b1, sizeof(b1), x->h[j].score);
			fg_table_cell(t, "%lld", (long long)x->h[j].run_id);
			fg_table_cell(t, "%s", x->h[j].date ? x->h[j].date : "-");
			fg_table_cell(t, "%s", x->h[j].status ? x->h[j].status : "-");
			fg_table_cell(t, "%lld", (long long)x->h[j].n_users);
			fg_table_cell(t, "%s", b1);
		}
		rc = fg_table_check(t);
		if (rc)
			goto cleanup;
		fg_table_print(o, t, 2);
	}
cleanup:
	fg_table_free(&t);
	return rc;
}

/* ---- output: json ------------------------------------------------------- */

static void json_user_ref(fg_sbuf *o, const char *id, const char *label, double score)
{
	fg_sbuf_puts(o, "{\"user_id\":");
	fg_sbuf_json_str(o, id);
	fg_sbuf_puts(o, ",\"label\":");
	fg_sbuf_json_str(o, label);
	fg_sbuf_puts(o, ",\"score\":");
	fg_sbuf_json_num(o, score);
	fg_sbuf_puts(o, "}");
}

static void emit_json(fg_sbuf *o, const explain *x)
{
	fg_sbuf_printf(o, "{\"format\":\"fraudgraph.explain/1\",\"run_id\":%lld,\"run_started_at\":",
	               (long long)x->run_id);
	fg_sbuf_json_str(o, x->run_date);
	fg_sbuf_puts(o, ",\n\"user\":{\"user_id\":");
	fg_sbuf_json_str(o, x->user_id);
	fg_sbuf_puts(o, ",\"label\":");
	fg_sbuf_json_str(o, x->label);
	fg_sbuf_puts(o, ",\"score\":");
	fg_sbuf_json_num(o, x->score);
	fg_sbuf_puts(o, ",\"risk\":");
	fg_sbuf_json_num(o, x->risk);
	fg_sbuf_puts(o, ",\"risk_norm\":");
	fg_sbuf_json_num(o, x->risk_norm);
	fg_sbuf_puts(o, ",\"risk_pct\":");
	fg_sbuf_json_num(o, x->risk_pct);
	fg_sbuf_puts(o, ",\"component_id\":");
	if (x->has_component)
		fg_sbuf_printf(o, "%lld", (long long)x->component_id);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, ",\"ring_id\":");
	if (x->has_ring)
		fg_sbuf_printf(o, "%lld", (long long)x->ring_id);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, ",\"ring_key\":");
	fg_sbuf_json_str(o, x->ring_found ? x->ring_key : NULL);
	fg_sbuf_puts(o, ",\"nearest_seed\":");
	fg_sbuf_json_str(o, x->nearest_seed);
	fg_sbuf_puts(o, ",\"seed_hops\":");
	if (x->has_hops)
		fg_sbuf_printf(o, "%lld", (long long)x->seed_hops);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, ",\"created_at\":");
	if (x->has_created)
		fg_sbuf_printf(o, "%lld", (long long)x->created_at);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, "},\n\"ring\":");
	if (!x->ring_found) {
		fg_sbuf_puts(o, "null");
	} else {
		fg_sbuf_printf(o, "{\"ring_id\":%lld,\"ring_key\":", (long long)x->ring_id);
		fg_sbuf_json_str(o, x->ring_key);
		fg_sbuf_puts(o, ",\"status\":");
		fg_sbuf_json_str(o, x->ring_status);
		fg_sbuf_puts(o, ",\"prev_keys\":");
		fg_sbuf_puts(o, x->prev_keys_json ? x->prev_keys_json : "null");
		fg_sbuf_puts(o, ",\"first_run_id\":");
		if (x->has_first_run)
			fg_sbuf_printf(o, "%lld", (long long)x->first_run_id);
		else
			fg_sbuf_puts(o, "null");
		fg_sbuf_puts(o, ",\"first_seen\":");
		fg_sbuf_json_str(o, x->first_date);
		fg_sbuf_puts(o, ",\"ring_score\":");
		fg_sbuf_json_num(o, x->ring_score);
		fg_sbuf_puts(o, ",\"factors\":{");
		for (int i = 0; i < N_FACTORS; i++) {
			fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", factor_names[i]);
			fg_sbuf_json_num(o, x->factors[i]);
		}
		fg_sbuf_puts(o, "},\"counts\":{");
		for (int i = 0; i < N_COUNTS; i++) {
			fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", count_names[i]);
			if (x->count_null[i])
				fg_sbuf_puts(o, "null");
			else
				fg_sbuf_printf(o, "%lld", (long long)x->counts[i]);
		}
		fg_sbuf_puts(o, "}}");
	}
	fg_sbuf_puts(o, ",\n\"evidence\":[");
	for (size_t i = 0; i < x->n_ev; i++) {
		const evid *e = &x->ev[i];
		fg_sbuf_printf(o, "%s\n {\"entity_id\":%lld,\"kind\":", i ? "," : "", (long long)e->entity_id);
		fg_sbuf_json_str(o, e->kind);
		fg_sbuf_puts(o, ",\"value\":");
		fg_sbuf_json_str(o, e->value);
		fg_sbuf_printf(o, ",\"share\":%lld,\"hub\":%s,\"others\":[", (long long)e->share,
		               e->hub ? "true" : "false");
		for (size_t j = 0; j < e->n_o; j++) {
			if (j)
				fg_sbuf_puts(o, ",");
			json_user_ref(o, e->o[j].user_id, e->o[j].label, e->o[j].score);
		}
		fg_sbuf_printf(o, "],\"more\":%lld}", (long long)e->more);
	}
	fg_sbuf_puts(o, "],\n\"user_links\":[");
	for (size_t i = 0; i < x->n_ul; i++) {
		fg_sbuf_puts(o, i ? ",\n {\"kind\":" : "\n {\"kind\":");
		fg_sbuf_json_str(o, x->ul[i].kind);
		fg_sbuf_puts(o, ",\"user\":");
		json_user_ref(o, x->ul[i].user_id, x->ul[i].label, x->ul[i].score);
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "],\n\"path\":");
	if (!x->n_path) {
		fg_sbuf_puts(o, "null");
	} else {
		const node *last = &x->bn[x->path[x->n_path - 1]];
		fg_sbuf_printf(o, "{\"hops\":%zu,\"seed\":", x->n_path - 1);
		fg_sbuf_json_str(o, last->user_id);
		fg_sbuf_puts(o, ",\"steps\":[");
		size_t k = 0;
		for (size_t i = 1; i < x->n_path; i++) {
			const node *nd = &x->bn[x->path[i]];
			const node *prev = &x->bn[x->path[i - 1]];
			if (!nd->is_user)
				continue;
			fg_sbuf_puts(o, k++ ? ",\n  {\"from\":" : "\n  {\"from\":");
			if (prev->is_user) {
				fg_sbuf_json_str(o, prev->user_id);
				fg_sbuf_puts(o, ",\"via\":{\"kind\":");
				fg_sbuf_json_str(o, nd->kind);
				fg_sbuf_puts(o, ",\"entity_id\":null,\"value\":null}");
			} else {
				fg_sbuf_json_str(o, x->bn[x->path[i - 2]].user_id);
				fg_sbuf_puts(o, ",\"via\":{\"kind\":");
				fg_sbuf_json_str(o, prev->kind);
				fg_sbuf_printf(o, ",\"entity_id\":%lld,\"value\":", (long long)prev->entity_id);
				fg_sbuf_json_str(o, prev->value);
				fg_sbuf_puts(o, "}");
			}
			fg_sbuf_puts(o, ",\"to\":");
			json_user_ref(o, nd->user_id, nd->label, nd->score);
			fg_sbuf_puts(o, "}");
		}
		fg_sbuf_puts(o, "],\"text\":");
		{
			fg_sbuf t = { 0 };
			path_text(&t, x, 0, false);
			if (t.nomem)
				o->nomem = true;
			fg_sbuf_json_str(o, t.s ? t.s : "");
			fg_sbuf_free(&t);
		}
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, ",\n\"history\":[");
	for (size_t i = 0; i < x->n_h; i++) {
		fg_sbuf_printf(o, "%s\n {\"run_id\":%lld,\"started_at\":", i ? "," : "", (long long)x->h[i].run_id);
		fg_sbuf_json_str(o, x->h[i].date);
		fg_sbuf_puts(o, ",\"status\":");
		fg_sbuf_json_str(o, x->h[i].status);
		fg_sbuf_printf(o, ",\"n_users\":%lld,\"ring_score\":", (long long)x->h[i].n_users);
		fg_sbuf_json_num(o, x->h[i].score);
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "]}\n");
}

/* ---- output: dot and svg ------------------------------------------------ */

static const char *label_colour(const char *label)
{
	if (label && !strcmp(label, "fraud"))
		return "#d62728";
	if (label && !strcmp(label, "legit"))
		return "#2ca02c";
	return "#9e9e9e";
}

static const char *kind_colour(const char *kind)
{
	static const struct { const char *k, *c; } t[] = {
		{ "card", "#ff7f0e" }, { "device", "#1f77b4" }, { "address", "#8c564b" },
		{ "phone", "#9467bd" }, { "email", "#e377c2" }, { "ip", "#17becf" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (kind && !strcmp(kind, t[i].k))
			return t[i].c;
	return "#bcbd22";
}

/* DOT quoted string: escape " and \ (newlines dropped). */
static void dot_str(fg_sbuf *o, const char *s)
{
	fg_sbuf_putn(o, "\"", 1);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fg_sbuf_putn(o, "\\", 1);
		if ((unsigned char)*s >= 0x20)
			fg_sbuf_putn(o, s, 1);
	}
	fg_sbuf_putn(o, "\"", 1);
}

static bool is_seed(const node *n)
{
	return n->is_user && n->label && !strcmp(n->label, "fraud");
}

static void emit_dot(fg_sbuf *o, const explain *x)
{
	fg_sbuf_puts(o, "graph ");
	dot_str(o, x->picture_is_ring && x->ring_key ? x->ring_key : x->user_id);
	fg_sbuf_puts(o, " {\n  graph [overlap=false, splines=true");
	if (x->picture_capped)
		fg_sbuf_puts(o, ", label=\"capped: part of the graph only\"");
	fg_sbuf_puts(o, "];\n  node [fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t i = 0; i < x->n_pn; i++) {
		const node *n = &x->pn[i];
		fg_sbuf_printf(o, "  n%zu [", i);
		if (n->is_user) {
			fg_sbuf_puts(o, "shape=circle, style=filled, fillcolor=\"");
			fg_sbuf_puts(o, label_colour(n->label));
			fg_sbuf_puts(o, "\", label=");
			dot_str(o, n->user_id);
			if (!strcmp(n->user_id, x->user_id))
				fg_sbuf_puts(o, ", penwidth=3");
			if (is_seed(n))
				fg_sbuf_puts(o, ", peripheries=2");
		} else {
			fg_sbuf_puts(o, "shape=square, style=filled, fillcolor=\"");
			fg_sbuf_puts(o, kind_colour(n->kind));
			fg_sbuf_puts(o, "\", label=");
			{
				fg_sbuf l = { 0 };
				fg_sbuf_printf(&l, "%s ", n->kind ? n->kind : "");
				fg_sbuf_clip(&l, n->value ? n->value : "", TEXT_VALUE_MAX);
				if (l.nomem)
					o->nomem = true;
				dot_str(o, l.s ? l.s : "");
				fg_sbuf_free(&l);
			}
		}
		fg_sbuf_puts(o, "];\n");
	}
	for (size_t i = 0; i < x->n_pe; i++) {
		fg_sbuf_printf(o, "  n%u -- n%u", x->pe[i].a, x->pe[i].b);
		if (x->pe[i].kind) {
			fg_sbuf_puts(o, " [style=dashed, label=");
			dot_str(o, x->pe[i].kind);
			fg_sbuf_puts(o, "]");
		}
		fg_sbuf_puts(o, ";\n");
	}
	fg_sbuf_puts(o, "}\n");
}

static int emit_svg(fg_sbuf *o, const explain *x)
{
	/* TXT: room right of the rightmost vertex for its label */
	const double W = 800, H = 600, M = 40, LEG = 170, TXT = 120;
	uint32_t *from = NULL, *to = NULL;
	double *xy = NULL;
	int rc = FG_OK;

	xy = fg_mallocarray(x->n_pn ? 2 * x->n_pn : 1, sizeof(double));
	from = fg_mallocarray(x->n_pe ? x->n_pe : 1, sizeof(uint32_t));
	to = fg_mallocarray(x->n_pe ? x->n_pe : 1, sizeof(uint32_t));
	if (!xy || !from || !to) {
		rc = fg_error_set(FG_ENOMEM, "out of memory (svg)");
		goto cleanup;
	}
	for (size_t i = 0; i < x->n_pe; i++) {
		from[i] = x->pe[i].a;
		to[i] = x->pe[i].b;
	}
	rc = fg_layout_fr(xy, (uint32_t)x->n_pn, from, to, (uint32_t)x->n_pe, FG_LAYOUT_SEED);
	if (rc)
		goto cleanup;
	fg_sbuf_printf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\""
	                  " viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, sans-serif\""
	                  " font-size=\"11\">\n",
	               W + LEG, H, W + LEG, H);
	fg_sbuf_puts(o, "<title>");
	fg_sbuf_puts(o, "fraudgraph explain ");
	fg_sbuf_xml(o, x->user_id);
	if (x->picture_is_ring && x->ring_key) {
		fg_sbuf_puts(o, ", ring ");
		fg_sbuf_xml(o, x->ring_key);
	}
	fg_sbuf_printf(o, ", run %lld</title>\n", (long long)x->run_id);
	fg_sbuf_printf(o, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
	               W + LEG, H);
	fg_sbuf_puts(o, "<g stroke=\"#999999\" stroke-width=\"1.2\">\n");
	for (size_t i = 0; i < x->n_pe; i++) {
		double ax = M + xy[2 * x->pe[i].a] * (W - 2 * M - TXT), ay = M + xy[2 * x->pe[i].a + 1] * (H - 2 * M);
		double bx = M + xy[2 * x->pe[i].b] * (W - 2 * M - TXT), by = M + xy[2 * x->pe[i].b + 1] * (H - 2 * M);
		fg_sbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s/>\n", ax, ay, bx, by,
		               x->pe[i].kind ? " stroke-dasharray=\"4 3\"" : "");
	}
	fg_sbuf_puts(o, "</g>\n<g stroke=\"#333333\">\n");
	for (size_t i = 0; i < x->n_pn; i++) {
		const node *n = &x->pn[i];
		double cx = M + xy[2 * i] * (W - 2 * M - TXT), cy = M + xy[2 * i + 1] * (H - 2 * M);
		bool me = n->is_user && !strcmp(n->user_id, x->user_id);
		if (n->is_user) {
			fg_sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"%s\" stroke-width=\"%s\"/>\n",
			               cx, cy, label_colour(n->label), me ? "3" : "1");
			if (is_seed(n))
				fg_sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"13\" fill=\"none\""
				                  " stroke=\"#d62728\" stroke-width=\"2\"/>\n", cx, cy);
			fg_sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" stroke=\"none\" fill=\"#000000\"%s>",
			               cx + 12, cy + 4, me ? " font-weight=\"bold\"" : "");
			fg_sbuf_xml(o, n->user_id);
		} else {
			fg_sbuf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			               cx - 6, cy - 6, kind_colour(n->kind));
			fg_sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" stroke=\"none\" fill=\"#444444\">",
			               cx + 9, cy + 4);
			fg_sbuf_xml(o, n->kind ? n->kind : "");
			fg_sbuf_puts(o, " ");
			{
				fg_sbuf l = { 0 };
				fg_sbuf_clip(&l, n->value ? n->value : "", 24);
				if (l.nomem)
					o->nomem = true;
				fg_sbuf_xml(o, l.s ? l.s : "");
				fg_sbuf_free(&l);
			}
		}
		fg_sbuf_puts(o, "</text>\n");
	}
	fg_sbuf_puts(o, "</g>\n");
	/* legend */
	{
		static const char *const kinds[] = { "card", "device", "address", "phone", "email", "ip", "other" };
		double lx = W + 10, ly = 30;
		fg_sbuf_printf(o, "<g font-size=\"11\"><text x=\"%.0f\" y=\"%.0f\" font-weight=\"bold\">legend</text>\n",
		               lx, ly);
		const struct { const char *name, *label; } users[] = {
			{ "fraud (seed)", "fraud" }, { "legit", "legit" }, { "unknown", NULL },
		};
		for (size_t i = 0; i < 3; i++) {
			ly += 20;
			fg_sbuf_printf(o, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"7\" fill=\"%s\" stroke=\"#333333\"/>"
			                  "<text x=\"%.0f\" y=\"%.0f\">user: %s</text>\n",
			               lx + 8, ly, label_colour(users[i].label), lx + 22, ly + 4, users[i].name);
		}
		ly += 20;
		fg_sbuf_printf(o, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"7\" fill=\"#ffffff\" stroke=\"#333333\""
		                  " stroke-width=\"3\"/><text x=\"%.0f\" y=\"%.0f\">explained user</text>\n",
		               lx + 8, ly, lx + 22, ly + 4);
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			ly += 20;
			fg_sbuf_printf(o, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\""
			                  " stroke=\"#333333\"/><text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
			               lx + 2, ly - 6, kind_colour(kinds[i]), lx + 22, ly + 4, kinds[i]);
		}
		ly += 20;
		fg_sbuf_printf(o, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#999999\""
		                  " stroke-dasharray=\"4 3\"/><text x=\"%.0f\" y=\"%.0f\">user-user link</text>\n",
		               lx, ly, lx + 16, ly, lx + 22, ly + 4);
		if (x->picture_capped) {
			ly += 24;
			fg_sbuf_printf(o, "<text x=\"%.0f\" y=\"%.0f\">capped at %d vertices</text>\n", lx, ly,
			               MAX_PICTURE);
		}
		fg_sbuf_puts(o, "</g>\n");
	}
	fg_sbuf_puts(o, "</svg>\n");
cleanup:
	fg_free(xy);
	fg_free(from);
	fg_free(to);
	return rc;
}

/* ---- the command -------------------------------------------------------- */

static void help(void)
{
	printf("usage: fraudgraph explain USER --db RESULTS.db [--run ID] [--format text|json|dot|svg]\n"
	       "                          [--max-neighbours N]\n\n"
	       "Why USER is flagged, from the results database only: scores, the ring and the\n"
	       "factors of its score, the entities the user shares and with whom, direct links,\n"
	       "the path to the nearest known fraud and the ring's history over past runs.\n\n"
	       "Options:\n"
	       "  --db PATH             results database written by `fraudgraph run` (required)\n"
	       "  --run ID              run to read (default: the latest committed run)\n"
	       "  --format F            text (default), json (docs/explain.md), dot (Graphviz),\n"
	       "                        svg (self-contained picture of the ring)\n"
	       "  --max-neighbours N    users listed per shared entity (default 10)\n"
	       "  --help                this text\n\n%s",
	       fg_cli_exit_codes);
}

static void explain_free(explain *x)
{
	for (size_t i = 0; i < x->n_pool; i++)
		fg_free(x->pool[i]);
	fg_free(x->pool);
	for (size_t i = 0; i < x->n_ev; i++)
		fg_free(x->ev[i].o);
	fg_free(x->ev);
	fg_free(x->ul);
	fg_free(x->h);
	fg_free(x->bn);
	nmap_free(&x->bmap);
	fg_free(x->path);
	fg_free(x->pn);
	nmap_free(&x->pmap);
	fg_free(x->pe);
}

int fg_cmd_explain(int argc, char **argv)
{
	const char *user = NULL, *db_path = NULL, *run_arg = NULL, *fmt_arg = "text", *nb_arg = NULL;
	explain x;
	fg_sbuf out = { 0 };
	int fmt = FMT_TEXT, rc = FG_OK;

	memset(&x, 0, sizeof(x));
	x.max_nb = 10;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			help();
			return FG_EXIT_OK;
		}
		if ((m = fg_tool_opt(&db_path, argc, argv, &i, "--db")) ||
		    (m = fg_tool_opt(&run_arg, argc, argv, &i, "--run")) ||
		    (m = fg_tool_opt(&fmt_arg, argc, argv, &i, "--format")) ||
		    (m = fg_tool_opt(&nb_arg, argc, argv, &i, "--max-neighbours"))) {
			if (m < 0)
				return fg_cli_fail(m);
			continue;
		}
		if (a[0] == '-' && a[1]) {
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "explain: unknown option '%s' (see --help)", a));
		}
		if (user)
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "explain: one user at a time ('%s' and '%s')",
			                                user, a));
		user = a;
	}
	if (!user || !db_path)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "explain: usage: fraudgraph explain USER --db "
		                                           "RESULTS.db (see --help)"));
	if (!strcmp(fmt_arg, "text"))
		fmt = FMT_TEXT;
	else if (!strcmp(fmt_arg, "json"))
		fmt = FMT_JSON;
	else if (!strcmp(fmt_arg, "dot"))
		fmt = FMT_DOT;
	else if (!strcmp(fmt_arg, "svg"))
		fmt = FMT_SVG;
	else
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "--format: '%s' is not text, json, dot or svg",
		                                fmt_arg));
	if (nb_arg) {
		int64_t v;
		rc = fg_tool_parse_i64(&v, nb_arg, "--max-neighbours");
		if (rc)
			return fg_cli_fail(rc);
		if (v < 0 || v > 100000)
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "--max-neighbours: %lld is out of 0..100000",
			                                (long long)v));
		x.max_nb = (int)v;
	}

	rc = fg_tool_db_open(&x.db, db_path);
	if (!rc)
		rc = fg_tool_run_resolve(&x.run_id, x.db, run_arg, db_path);
	if (!rc)
		rc = read_user(&x, user, db_path);
	if (!rc)
		rc = read_ring(&x);
	if (!rc && (fmt == FMT_TEXT || fmt == FMT_JSON)) {
		rc = read_evidence(&x);
		if (!rc)
			rc = read_user_links(&x);
		if (!rc)
			rc = find_path(&x);
		if (!rc)
			rc = read_history(&x);
	}
	if (!rc && (fmt == FMT_DOT || fmt == FMT_SVG))
		rc = build_picture(&x);
	if (!rc && x.nomem)
		rc = fg_error_set(FG_ENOMEM, "out of memory (explain)");
	if (rc)
		goto cleanup;
	switch (fmt) {
	case FMT_TEXT: rc = emit_text(&out, &x); break;
	case FMT_JSON: emit_json(&out, &x); break;
	case FMT_DOT: emit_dot(&out, &x); break;
	default: rc = emit_svg(&out, &x); break;
	}
	if (!rc)
		rc = fg_sbuf_check(&out);
	if (!rc)
		rc = fg_sbuf_write(&out, stdout);
cleanup:
	fg_sbuf_free(&out);
	explain_free(&x);
	sqlite3_close(x.db);
	return rc ? fg_cli_fail(rc) : FG_EXIT_OK;
}
