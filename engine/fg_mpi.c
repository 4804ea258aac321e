/*
 * fg_mpi: the nightly run across MPI ranks, first stage (see fg_mpi.h).
 *
 * Records routed between ranks (one byte array per destination):
 *   'L' flags(u8: 1 relation, 2 placeholder) ulen klen vlen (u32) first last
 *       (i64) bytes: the canonical kind and normalised value (route_link)
 *   'U' label(u8) ulen (u32) created (i64) bytes
 *   'A' a user row with attributes: as 'U', then line (u64) flen nattr (u32),
 *       the user id, the file name (only when a value is text: the warning
 *       names it), then per attribute nlen (u32) state (u8) num (f64) tlen
 *       (u32) name text, as the reader gave them
 * A user row with attributes is never merged by its owner: rank 0's link
 * set merges it as one process does (the largest value of an attribute,
 * text if any value is), so the graph's attribute matrix is one process's.
 * A relation row is stored as (smaller user, larger user), the way the
 * graph stores it.  Owners keep what they receive, sort it by (kind, value,
 * user) and (user) and merge equal keys: first = min, last = max of seen_at
 * (FG_TIME_NONE ignored), labels fraud > legit > unknown, created = min; a
 * placeholder row is never merged (the link set counts its drops per row).
 * The merged rows go to rank 0 as rows the link set merges the same way (a
 * link seen over a span as two rows, first and last), so rank 0's link set is
 * the one a single process builds.
 */
#include "fg_mpi.h"

#include "fg_alloc.h"
#include "fg_cc_dist.h"
#include "fg_config.h"
#include "fg_error.h"
#include "fg_features.h"
#include "fg_hash.h"
#include "fg_ingest_split.h"
#include "fg_kinds.h"
#include "fg_log.h"
#include "fg_pack.h"
#include "fg_par.h"
#include "fg_bfs_dist.h"
#include "fg_cc.h"
#include "fg_rings.h"
#include "fg_score.h"
#include "fg_search.h"
#include "fg_risk_dist.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { CMD_INGEST = 1, CMD_COMPONENTS = 2, CMD_DONE = 3, CMD_RISK = 4, CMD_EVIDENCE = 5,
       CMD_RINGS = 6 };

typedef struct bytes {
	char *p;
	size_t len, cap;
} bytes;

/* Frees an array of n buffers and the array (NULL: nothing). */
static void bytes_free(bytes *b, size_t n)
{
	for (size_t i = 0; b && i < n; i++)
		fg_free(b[i].p);
	fg_free(b);
}

/* A merged link owned by this rank (strings point into the owner's arena). */
typedef struct rec {
	const char *u, *k, *v;
	uint32_t ul, kl, vl;
	uint8_t rel;   /* a relation (stored smaller user first) */
	uint8_t ph;    /* a placeholder: never merged, counted or numbered; to rank 0 as it came */
	uint8_t label; /* users */
	int64_t first, last; /* users: created in first */
	const char *raw; /* an 'A' record: its bytes (raw_len), forwarded as they came */
	size_t raw_len;
} rec;

typedef struct ccpass ccpass;

/*
 * Process state.  Invariants: active implies MPI_Init succeeded; the owned
 * arrays are valid from the end of ingest until fg_mpi_finalize; links and
 * users are sorted and merged (unique keys) after ingest.
 */
static struct {
	bool active, session, done_sent;
	int rank, size;
	const fg_config *cfg;
	const fg_run_opts *opts;
	bytes *out;          /* per destination */
	bytes arena;         /* what this rank received, for good */
	bytes nbuf;          /* route_link's normalised value */
	size_t *lrec, *urec; /* offsets into arena of received 'L' / 'U' records */
	size_t n_lrec, n_urec, cap_lrec, cap_urec;
	rec *links, *users;
	size_t n_links, n_users;
	uint64_t *ent_id;    /* after components: the graph's id of the j-th owned entity */
	size_t *ent_link;    /* its first link in links (its links: up to entity_end) */
	size_t n_ent;
	uint64_t *ebase;     /* size + 1: rank r numbered entity ids ebase[r] .. ebase[r + 1] - 1 */
	ccpass *cc;          /* from components to evidence: this rank's pass (users' ids,
	                        labels, hubs) for the closure's parts; NULL elsewhen */
	uint64_t sent_others;/* bytes this rank handed to a2a for other ranks (all phases) */
	uint64_t phase_bytes; /* sent by this rank in the current phase */
	fg_attr_val *vals;    /* rank 0: scratch for the attributes of one 'A' record */
	uint32_t n_vals;
	fg_group_score *ring_links, *comp_links; /* rank 0, from the evidence BFS to the
	                               scoring: the ranks' ring and component scores, by
	                               canonical id (ranks_scored: they were found) */
	uint32_t n_ring_links, n_comp_links;
	bool ranks_scored;
	struct feat_rec *feat;  /* rank 0, from the evidence BFS to the end of the model: the */
	uint32_t n_feat;        /* ranks' rows of their packed users (checked columns), by id */
	bool ranks_featured;
	uint32_t feat_at[25];   /* rank 0, after the check: f's column of each feat_col, and */
	uint32_t feat_nc;       /* f's count (0: the ranks' rows not checked, not to be used) */
	uint32_t hub_at[4 + 8 + 4]; /* rank 0, after the check: f's column of each hub_col,
	                           then of each part_col, then of each share_col */
	struct hub_rec *hubl;   /* rank 0, with feat: the hub owners' links (user, class), by */
	size_t n_hubl;          /* user then class (hub_links_all) */
	float (*hubv)[4 + 8 + 4]; /* rank 0, after the check: the hub-link columns the
	                           owners' links give of S.feat[i]'s user (hub_col's order),
	                           then its degrees, the rank's part plus the owners'
	                           (part_col's), then its shares the same way (share_col's) */
	uint32_t seed_at[6];    /* rank 0, after the check: f's column of each seed_col */
	float (*seedv)[5][6];   /* rank 0, after the check: S.feat[i]'s seed columns in its
	                           row s (feat_rec's order), seed_col's order */
	fg_graph *kg;         /* from the rings to the evidence BFS: this rank's graph of its */
	uint64_t *kucan;      /* packed components, its users' canonical ids, their rings */
	uint32_t *kring, *kcomp; /* (local ids) and fg_cc's components of it; NULL elsewhen */
} S;

/* ---- basics ---- */

bool fg_mpi_init(int *argc, char ***argv)
{
	int prov;

	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
		return false;
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &prov) != MPI_SUCCESS)
		return false;
	/* a rank that fails an MPI call, or dies, takes the job down */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
	MPI_Comm_rank(MPI_COMM_WORLD, &S.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &S.size);
	S.active = true;
	return true;
}

bool fg_mpi_active(void) { return S.active; }
int fg_mpi_rank(void) { return S.rank; }
int fg_mpi_size(void) { return S.active ? S.size : 1; }
void fg_mpi_session_begin(void) { S.session = S.active; }

static void cc_drop(void);

static void kept_drop(void);

static void rank_graph_drop(void)
{
	fg_graph_free(&S.kg);
	fg_free(S.kucan);
	fg_free(S.kring);
	fg_free(S.kcomp);
	S.kucan = NULL;
	S.kring = S.kcomp = NULL;
}

static void free_state(void)
{
	bytes_free(S.out, (size_t)S.size);
	fg_free(S.arena.p);
	fg_free(S.nbuf.p);
	fg_free(S.lrec);
	fg_free(S.urec);
	fg_free(S.links);
	fg_free(S.users);
	fg_free(S.ent_id);
	fg_free(S.ent_link);
	fg_free(S.ebase);
	cc_drop();
	kept_drop();
	rank_graph_drop();
	fg_mpi_drop_features();
	fg_free(S.vals);
	fg_free(S.ring_links);
	fg_free(S.comp_links);
	memset(&S.out, 0, sizeof(S) - offsetof(__typeof__(S), out));
}

/* Wait for rank 0's broadcast without spinning a core (rank 0 works meanwhile). */
static void bcast_wait(void *buf, int n, MPI_Datatype t)
{
	MPI_Request req;
	int flag = 0;
	struct timespec ts = { 0, 1000000 };

	MPI_Ibcast(buf, n, t, 0, MPI_COMM_WORLD, &req);
	while (MPI_Test(&req, &flag, MPI_STATUS_IGNORE), !flag)
		nanosleep(&ts, NULL);
}

static void send_cmd(int cmd, int arg)
{
	int m[2] = { cmd, arg };

	bcast_wait(m, 2, MPI_INT);
}

void fg_mpi_finalize(int exit_code)
{
	if (!S.active)
		return;
	if (S.rank == 0 && S.session && !S.done_sent) {
		S.done_sent = true;
		send_cmd(CMD_DONE, exit_code);
	}
	free_state();
	MPI_Finalize();
	S.active = false;
}

/*
 * The first failing rank's code and message on every rank.  rc: this rank's
 * outcome (its message set if non-zero).  Collective.
 */
static int agree(int rc)
{
	int me = rc ? S.rank : S.size, first = S.size;
	struct {
		int code;
		char msg[1024];
	} e;

	MPI_Allreduce(&me, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	if (first == S.size)
		return FG_OK;
	if (S.rank == first) {
		e.code = rc;
		snprintf(e.msg, sizeof(e.msg), "%s", fg_error_msg());
	}
	MPI_Bcast(&e, (int)sizeof(e), MPI_BYTE, first, MPI_COMM_WORLD);
	if (S.rank != first)
		fg_error_set(e.code, "%s", e.msg);
	return e.code;
}

/* Append n bytes of p (p may be NULL when n is 0: an absent file name or text). */
static int put(bytes *b, const void *p, size_t n)
{
	if (n == 0)
		return FG_OK;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *q;

		while (cap < b->len + n)
			cap *= 2;
		if (!(q = fg_realloc(b->p, cap)))
			return fg_error_set(FG_ENOMEM, "out of memory routing rows (%zu bytes)", cap);
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return FG_OK;
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int owner_of(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (int)(h % (uint64_t)S.size);
}

static int user_owner(const char *u, size_t n)
{
	return owner_of(hash_bytes(0x75ull * 1099511628211ull, u, n));
}

static int entity_owner(const char *k, size_t kl, const char *v, size_t vl)
{
	uint64_t h = hash_bytes(1469598103934665603ull, k, kl);

	h = (h ^ 0xffu) * 1099511628211ull;
	return owner_of(hash_bytes(h, v, vl));
}

/* Byte order of strings, as the graph numbers users and entities. */
static int cmp_str(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c)
		return c;
	return (al > bl) - (al < bl);
}

/* ---- routing sinks ---- */

/*
 * A link row to its owner, as the link set will see it (fg_config's row path:
 * fg_config_normalise_value): the canonical kind (alias resolved), the
 * normalised value, so that every row of one graph entity reaches one owner
 * whatever its spelling, and the owner's shares, hubs and entity ids are the
 * graph's.  A placeholder row is routed flagged (2): the link set drops and
 * counts it; owners neither merge nor count it.  Normalising twice is
 * normalising once (rank 0's link set does it again).
 */
static int route_link(void *ctx, const fg_link_row *row)
{
	const char *u = row->user.ptr, *v = row->value.ptr, *k = row->kind.ptr;
	uint32_t ul = (uint32_t)row->user.len, vl = (uint32_t)row->value.len;
	uint32_t kl = (uint32_t)row->kind.len;
	char kind[FG_KIND_NAME_MAX + 1];
	uint8_t rel = 0;
	int dest, rc;
	bytes *b;
	char tag = 'L';

	(void)ctx;
	if (kl <= FG_KIND_NAME_MAX) {
		size_t ckl, nvl;

		if (row->value.len + 1 > S.nbuf.cap) {
			size_t cap = row->value.len + 1 > 256 ? row->value.len + 1 : 256;
			char *q = fg_realloc(S.nbuf.p, cap);

			if (!q)
				return fg_error_set(FG_ENOMEM, "out of memory normalising a value (%zu bytes)",
				                    cap);
			S.nbuf.p = q;
			S.nbuf.cap = cap;
		}
		if (!fg_config_normalise_value(S.nbuf.p, &nvl, &k, &ckl, S.cfg, row->kind.ptr, kl, v,
		                               row->value.len))
			rel = 2;
		v = S.nbuf.p;
		vl = (uint32_t)nvl;
		kl = (uint32_t)ckl;
		memcpy(kind, k, kl);
		kind[kl] = '\0';
		if (!rel)
			rel = fg_config_is_relation(S.cfg, kind);
	}
	if (rel == 1 && cmp_str(v, vl, u, ul) < 0) {
		const char *t = u;
		uint32_t tl = ul;

		u = v;
		ul = vl;
		v = t;
		vl = tl;
	}
	dest = rel == 1 ? user_owner(u, ul) : entity_owner(k, kl, v, vl);
	b = &S.out[dest];
	if ((rc = put(b, &tag, 1)) || (rc = put(b, &rel, 1)) || (rc = put(b, &ul, 4)) ||
	    (rc = put(b, &kl, 4)) || (rc = put(b, &vl, 4)) || (rc = put(b, &row->seen_at, 8)) ||
	    (rc = put(b, &row->seen_at, 8)) || (rc = put(b, u, ul)) || (rc = put(b, k, kl)) ||
	    (rc = put(b, v, vl)))
		return rc;
	return FG_OK;
}

/* A user row with attributes as an 'A' record (above). */
static int route_user_attrs(bytes *b, const fg_user_row *row)
{
	uint32_t ul = (uint32_t)row->user.len, flen = 0, na = row->n_attrs;
	uint8_t label = (uint8_t)row->label;
	uint64_t line = row->line;
	char tag = 'A';
	int rc;

	for (uint32_t i = 0; i < na; i++)
		if (row->attrs[i].state == FG_ATTR_TEXT && row->file)
			flen = (uint32_t)strlen(row->file);
	if ((rc = put(b, &tag, 1)) || (rc = put(b, &label, 1)) || (rc = put(b, &ul, 4)) ||
	    (rc = put(b, &row->created_at, 8)) || (rc = put(b, &line, 8)) ||
	    (rc = put(b, &flen, 4)) || (rc = put(b, &na, 4)) || (rc = put(b, row->user.ptr, ul)) ||
	    (rc = put(b, row->file, flen)))
		return rc;
	for (uint32_t i = 0; i < na; i++) {
		const fg_attr_val *v = &row->attrs[i];
		uint32_t nl = (uint32_t)v->name.len, tl = (uint32_t)v->text.len;

		if ((rc = put(b, &nl, 4)) || (rc = put(b, &v->state, 1)) || (rc = put(b, &v->num, 8)) ||
		    (rc = put(b, &tl, 4)) || (rc = put(b, v->name.ptr, nl)) ||
		    (rc = put(b, v->text.ptr, tl)))
			return rc;
	}
	return FG_OK;
}

/* The length of the record at a (any tag). */
static size_t rec_len(const char *a)
{
	uint32_t ul, kl, vl, flen, na;
	size_t n;

	memcpy(&ul, a + 2, 4);
	if (a[0] == 'L') {
		memcpy(&kl, a + 6, 4);
		memcpy(&vl, a + 10, 4);
		return 30 + (size_t)ul + kl + vl;
	}
	if (a[0] == 'U')
		return 14 + (size_t)ul;
	memcpy(&flen, a + 22, 4);
	memcpy(&na, a + 26, 4);
	n = 30 + (size_t)ul + flen;
	for (uint32_t i = 0; i < na; i++) {
		uint32_t nl, tl;

		memcpy(&nl, a + n, 4);
		memcpy(&tl, a + n + 13, 4);
		n += 17 + (size_t)nl + tl;
	}
	return n;
}

static int route_user(void *ctx, const fg_user_row *row)
{
	uint32_t ul = (uint32_t)row->user.len;
	uint8_t label = (uint8_t)row->label;
	bytes *b = &S.out[user_owner(row->user.ptr, ul)];
	char tag = 'U';
	int rc;

	(void)ctx;
	if (row->n_attrs > 0)
		return route_user_attrs(b, row);
	if ((rc = put(b, &tag, 1)) || (rc = put(b, &label, 1)) || (rc = put(b, &ul, 4)) ||
	    (rc = put(b, &row->created_at, 8)) || (rc = put(b, row->user.ptr, ul)))
		return rc;
	return FG_OK;
}

static int null_link(void *ctx, const fg_link_row *row) { (void)ctx; (void)row; return FG_OK; }
static int null_user(void *ctx, const fg_user_row *row) { (void)ctx; (void)row; return FG_OK; }

/* ---- the exchange ---- */

/* The variable-size all-to-all: every S.out[r] to rank r, appended to S.arena.  Collective. */
static int exchange(void)
{
	int n = S.size, rc = FG_OK;
	int *sc = fg_calloc((size_t)n * 4, sizeof(int));
	int *sd = sc ? sc + n : NULL, *rcv = sc ? sc + 2 * n : NULL, *rd = sc ? sc + 3 * n : NULL;
	char *sbuf = NULL;
	size_t total = 0, rtotal = 0, base;

	if (!sc)
		rc = fg_error_set(FG_ENOMEM, "out of memory for the exchange");
	for (int r = 0; !rc && r < n; r++)
		total += S.out[r].len;
	if (!rc && total > (size_t)INT_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %zu bytes to route in one exchange (at most %d "
		                  "in this stage: more ranks)", S.rank, total, INT_MAX);
	if (!rc && !(sbuf = fg_malloc(total ? total : 1)))
		rc = fg_error_set(FG_ENOMEM, "out of memory for the exchange (%zu bytes)", total);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	total = 0;
	for (int r = 0; r < n; r++) {
		if (S.out[r].len) /* an empty buffer may have no storage */
			memcpy(sbuf + total, S.out[r].p, S.out[r].len);
		sc[r] = (int)S.out[r].len;
		sd[r] = (int)total;
		total += S.out[r].len;
		S.out[r].len = 0;
	}
	MPI_Alltoall(sc, 1, MPI_INT, rcv, 1, MPI_INT, MPI_COMM_WORLD);
	for (int r = 0; r < n; r++) {
		rd[r] = (int)rtotal;
		rtotal += (size_t)rcv[r];
	}
	base = S.arena.len;
	if (rtotal > (size_t)INT_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %zu bytes to receive in one exchange", S.rank,
		                  rtotal);
	else if (S.arena.len + rtotal >= S.arena.cap) { /* >=: never a NULL arena */
		char *q = fg_realloc(S.arena.p, S.arena.len + rtotal + 1);

		if (!q)
			rc = fg_error_set(FG_ENOMEM, "out of memory receiving rows (%zu bytes)", rtotal);
		else {
			S.arena.p = q;
			S.arena.cap = S.arena.len + rtotal + 1;
		}
	}
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, S.arena.p + base, rcv, rd, MPI_BYTE, MPI_COMM_WORLD);
	S.arena.len += rtotal;
	S.phase_bytes += total;
cleanup:
	fg_free(sc);
	fg_free(sbuf);
	return rc;
}

/* ---- bad rows across ranks ---- */

/* dst += src, the examples in order (src's rows come after dst's). */
static void badrows_add(fg_badrows *dst, const fg_badrows *src)
{
	for (int k = 0; k < FG_BAD_NREASONS; k++) {
		uint64_t have = dst->by_reason[k];

		for (uint64_t j = 0; j < src->by_reason[k] && j < FG_BAD_EXAMPLES; j++)
			if (have + j < FG_BAD_EXAMPLES)
				memcpy(dst->examples[k][have + j], src->examples[k][j],
				       sizeof(dst->examples[k][0]));
		dst->by_reason[k] += src->by_reason[k];
	}
	dst->total += src->total;
	dst->rows_read += src->rows_read;
	dst->rows_filtered += src->rows_filtered;
}

/* One rank's outcome on one file. */
typedef struct outcome {
	int rc;
	int clean;
	uint64_t count; /* bad rows it counted */
	uint64_t lines, breaks;
	uint64_t end;
} outcome;

/*
 * A whole input read by rank 0 (SQLite, stdin, a file that cannot be split,
 * malformed quoting): with the run's own bad-row state, so exact.
 */
static int read_whole(int type, const char *path, const fg_run_opts *o, fg_badrows *bad)
{
	int rc = FG_OK;

	if (S.rank == 0) {
		switch (type) {
		case 0: rc = fg_ingest_links_csv(path, &o->cfg, bad, route_link, NULL); break;
		case 1: rc = fg_ingest_users_csv(path, &o->cfg, bad, route_user, NULL); break;
		case 2: rc = fg_ingest_links_sqlite(path, o->edges_sql, &o->cfg, bad, route_link, NULL); break;
		default: rc = fg_ingest_users_sqlite(path, o->users_sql, &o->cfg, bad, route_user, NULL); break;
		}
	}
	return agree(rc);
}

static int read_range(bool users, const char *path, const fg_config *cfg, fg_badrows *bad,
                      bool sink, uint64_t b, uint64_t e, uint64_t line, fg_csv_range_end *end)
{
	if (users)
		return fg_ingest_users_csv_range(path, cfg, bad, sink ? route_user : null_user, NULL, b,
		                                 e, line, end);
	return fg_ingest_links_csv_range(path, cfg, bad, sink ? route_link : null_link, NULL, b, e,
	                                 line, end);
}

/*
 * One CSV file, split (fg_ingest_split.h).  bad: the run's state on rank 0,
 * NULL elsewhere.  Collective; the outcome is agreed.
 */
static int read_csv(bool users, const char *path, const fg_run_opts *o, fg_badrows *bad)
{
	uint64_t hdr[4] = { 0, 0, 0, 0 }; /* split, data_off, data_line, size */
	uint64_t nom_lo, nom_hi, start, end, breaks = 0, lines_before = 0, total_before;
	uint64_t *starts = NULL;
	unsigned par = 0, par_before = 0;
	fg_badrows lb, saved;
	fg_config lcfg = o->cfg;
	fg_csv_range_end re = { 0, false };
	outcome me, *all = NULL;
	size_t *mark = NULL;
	int rc = FG_OK, decisive = -1;
	uint64_t remaining, p = 0;

	if (S.rank == 0) {
		hdr[0] = fg_ingest_csv_probe(path, users, &hdr[1], &hdr[2], &hdr[3]) == FG_OK;
		total_before = bad->total;
	}
	MPI_Bcast(hdr, 4, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	if (!hdr[0])
		return read_whole(users, path, o, bad);
	MPI_Bcast(&total_before, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);

	/* nominal ranges, then the real starts by the quote parity */
	nom_lo = hdr[1] + (hdr[3] - hdr[1]) * (uint64_t)S.rank / (uint64_t)S.size;
	nom_hi = hdr[1] + (hdr[3] - hdr[1]) * (uint64_t)(S.rank + 1) / (uint64_t)S.size;
	rc = agree(fg_csv_scan(path, nom_lo, nom_hi, &par, &breaks));
	if (rc)
		return rc;
	MPI_Exscan(&par, &par_before, 1, MPI_UNSIGNED, MPI_BXOR, MPI_COMM_WORLD);
	start = hdr[1];
	if (S.rank > 0)
		rc = fg_csv_next_boundary(&start, path, nom_lo, par_before & 1u, hdr[3]);
	if ((rc = agree(rc)) != FG_OK)
		return rc;
	starts = fg_mallocarray((size_t)S.size + 1, sizeof(*starts));
	mark = fg_mallocarray((size_t)S.size, sizeof(*mark));
	all = fg_mallocarray((size_t)S.size, sizeof(*all));
	if ((rc = agree(starts && mark && all ? FG_OK :
	                fg_error_set(FG_ENOMEM, "out of memory splitting %s", path))) != FG_OK)
		goto cleanup;
	MPI_Allgather(&start, 1, MPI_UINT64_T, starts, 1, MPI_UINT64_T, MPI_COMM_WORLD);
	end = S.rank + 1 < S.size ? starts[S.rank + 1] : hdr[3];
	rc = agree(fg_csv_scan(path, start, end, &par, &breaks));
	if (rc)
		goto cleanup;
	MPI_Exscan(&breaks, &lines_before, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	if (S.rank == 0)
		lines_before = 0;

	/* parse: rank 0 against the run's state, the others against a local budget */
	for (int r = 0; r < S.size; r++)
		mark[r] = S.out[r].len;
	memset(&lb, 0, sizeof(lb));
	remaining = o->cfg.max_bad_rows - total_before;
	if (S.rank == 0) {
		saved = *bad;
		rc = read_range(users, path, &o->cfg, bad, true, start, end, hdr[2], &re);
		me.count = bad->total - total_before;
	} else {
		lcfg.max_bad_rows = remaining;
		rc = read_range(users, path, &lcfg, &lb, true, start, end, hdr[2] + lines_before, &re);
		me.count = lb.total;
	}
	me.rc = rc;
	me.clean = re.clean || end >= hdr[3];
	me.lines = re.lines;
	me.breaks = breaks;
	me.end = end;
	MPI_Allgather(&me, (int)sizeof(me), MPI_BYTE, all, (int)sizeof(me), MPI_BYTE,
	              MPI_COMM_WORLD);

	/* malformed quoting: libcsv disagrees with the parity somewhere: read it whole */
	for (int r = 0; r < S.size; r++) {
		if (all[r].rc == FG_OK && (!all[r].clean || all[r].lines != all[r].breaks)) {
			for (int d = 0; d < S.size; d++)
				S.out[d].len = mark[d];
			if (S.rank == 0) {
				*bad = saved;
				fg_log_warn("%s: quoting that cannot be split at record boundaries near "
				            "byte %llu; rank 0 reads the file whole", path,
				            (unsigned long long)all[r].end);
			}
			fg_error_clear();
			rc = read_whole(users, path, o, bad);
			goto cleanup;
		}
	}

	/* the first stopping row in file order: the budget crossed, or an error */
	for (int r = 0; r < S.size && decisive < 0; r++) {
		if (p + all[r].count > (o->cfg.strict ? 0 : remaining) || all[r].rc != FG_OK)
			decisive = r;
		else
			p += all[r].count;
	}
	if (decisive > 0 && S.rank == decisive && p + all[decisive].count >
	                                              (o->cfg.strict ? 0 : remaining)) {
		/* the budget crossed here: read again with the global count for the message */
		memset(&lb, 0, sizeof(lb));
		lb.total = total_before + p;
		rc = read_range(users, path, &o->cfg, &lb, false, start, end, hdr[2] + lines_before,
		                &re);
		lb.total -= total_before + p;
	}
	/* the others' bad rows to rank 0, in rank order, up to the decisive rank */
	{
		fg_badrows *gath = NULL;
		int ok = 1;

		if (S.rank == 0 && !(gath = fg_mallocarray((size_t)S.size, sizeof(*gath))))
			ok = 0;
		MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
		if (!ok) {
			rc = agree(S.rank == 0 ? fg_error_set(FG_ENOMEM, "out of memory") : FG_OK);
			goto cleanup;
		}
		MPI_Gather(&lb, (int)sizeof(lb), MPI_BYTE, gath, (int)sizeof(lb), MPI_BYTE, 0,
		           MPI_COMM_WORLD);
		if (S.rank == 0)
			for (int r = 1; r < S.size && (decisive < 0 || r <= decisive); r++)
				badrows_add(bad, &gath[r]);
		fg_free(gath);
	}
	if (decisive >= 0) {
		/* only the decisive rank's message counts */
		rc = agree(S.rank == decisive ? (rc ? rc : FG_ERROR) : FG_OK);
	} else {
		rc = FG_OK;
	}
cleanup:
	fg_free(starts);
	fg_free(mark);
	fg_free(all);
	return rc;
}

/* ---- merging what this rank owns ---- */

static int cmp_link(const void *a, const void *b)
{
	const rec *x = a, *y = b;
	int c = cmp_str(x->k, x->kl, y->k, y->kl);

	if (!c)
		c = cmp_str(x->v, x->vl, y->v, y->vl);
	if (!c)
		c = cmp_str(x->u, x->ul, y->u, y->ul);
	return c;
}

static int cmp_user(const void *a, const void *b)
{
	const rec *x = a, *y = b;

	return cmp_str(x->u, x->ul, y->u, y->ul);
}

static int label_rank(uint8_t l)
{
	return l == FG_LABEL_FRAUD ? 2 : l == FG_LABEL_LEGIT ? 1 : 0;
}

/* Parse the arena into records, sort and merge equal keys. */
static int merge_owned(void)
{
	size_t nl = 0, nu = 0, off = 0, w;
	const char *a = S.arena.p;

	while (off < S.arena.len) {
		if (a[off] == 'L')
			nl++;
		else
			nu++;
		off += rec_len(a + off);
	}
	S.links = fg_mallocarray(nl ? nl : 1, sizeof(rec));
	S.users = fg_mallocarray(nu ? nu : 1, sizeof(rec));
	if (!S.links || !S.users)
		return fg_error_set(FG_ENOMEM, "out of memory merging %zu rows", nl + nu);
	nl = nu = 0;
	for (off = 0; off < S.arena.len;) {
		rec r;

		memset(&r, 0, sizeof(r));
		if (a[off] == 'L') {
			r.rel = (uint8_t)a[off + 1] & 1u;
			r.ph = (uint8_t)a[off + 1] >> 1 & 1u;
			memcpy(&r.ul, a + off + 2, 4);
			memcpy(&r.kl, a + off + 6, 4);
			memcpy(&r.vl, a + off + 10, 4);
			memcpy(&r.first, a + off + 14, 8);
			memcpy(&r.last, a + off + 22, 8);
			r.u = a + off + 30;
			r.k = r.u + r.ul;
			r.v = r.k + r.kl;
			off += 30 + (size_t)r.ul + r.kl + r.vl;
			S.links[nl++] = r;
		} else {
			r.label = (uint8_t)a[off + 1];
			memcpy(&r.ul, a + off + 2, 4);
			memcpy(&r.first, a + off + 6, 8);
			r.u = a + off + (a[off] == 'A' ? 30 : 14);
			if (a[off] == 'A') {
				r.raw = a + off;
				r.raw_len = rec_len(a + off);
			}
			off += rec_len(a + off);
			S.users[nu++] = r;
		}
	}
	qsort(S.links, nl, sizeof(rec), cmp_link);
	for (size_t i = w = 0; i < nl; i++) {
		/* a placeholder row is dropped and counted per row by rank 0's link set */
		if (w && !S.links[i].ph && cmp_link(&S.links[w - 1], &S.links[i]) == 0) {
			rec *m = &S.links[w - 1];

			m->first = fg_time_min(m->first, S.links[i].first);
			m->last = m->last > S.links[i].last ? m->last : S.links[i].last;
		} else {
			S.links[w++] = S.links[i];
		}
	}
	S.n_links = w;
	qsort(S.users, nu, sizeof(rec), cmp_user);
	for (size_t i = w = 0; i < nu; i++) {
		if (w && !S.users[w - 1].raw && !S.users[i].raw &&
		    cmp_user(&S.users[w - 1], &S.users[i]) == 0) {
			rec *m = &S.users[w - 1];

			if (label_rank(S.users[i].label) > label_rank(m->label))
				m->label = S.users[i].label;
			m->first = fg_time_min(m->first, S.users[i].first);
		} else {
			S.users[w++] = S.users[i];
		}
	}
	S.n_users = w;
	return FG_OK;
}

/* ---- streaming the merged rows to rank 0 ---- */

static int emit_row(bytes *b, const rec *r, int64_t t)
{
	char tag = 'L';
	int rc;

	if ((rc = put(b, &tag, 1)) || (rc = put(b, &r->ul, 4)) || (rc = put(b, &r->kl, 4)) ||
	    (rc = put(b, &r->vl, 4)) || (rc = put(b, &t, 8)) || (rc = put(b, r->u, r->ul)) ||
	    (rc = put(b, r->k, r->kl)) || (rc = put(b, r->v, r->vl)))
		return rc;
	return FG_OK;
}

/*
 * An 'A' record's user, line, file and attributes into row (pointing into
 * the record and into scratch storage of this file, valid until the next
 * call).
 */
static int unpack_attrs(fg_user_row *row, const char *a)
{
	static char file[4096];
	uint32_t ul, flen, na;
	size_t n;

	memcpy(&ul, a + 2, 4);
	memcpy(&row->line, a + 14, 8);
	memcpy(&flen, a + 22, 4);
	memcpy(&na, a + 26, 4);
	row->user = (fg_str){ a + 30, ul };
	if (flen) {
		snprintf(file, sizeof(file), "%.*s", (int)flen, a + 30 + ul);
		row->file = file;
	}
	if (na > S.n_vals) {
		fg_attr_val *v = fg_reallocarray(S.vals, na, sizeof(*v));

		if (!v)
			return fg_error_set(FG_ENOMEM, "out of memory for %u user attributes", na);
		S.vals = v;
		S.n_vals = na;
	}
	n = 30 + (size_t)ul + flen;
	for (uint32_t i = 0; i < na; i++) {
		uint32_t nl, tl;

		memcpy(&nl, a + n, 4);
		S.vals[i].state = (uint8_t)a[n + 4];
		memcpy(&S.vals[i].num, a + n + 5, 8);
		memcpy(&tl, a + n + 13, 4);
		S.vals[i].name = (fg_str){ a + n + 17, nl };
		S.vals[i].text = (fg_str){ a + n + 17 + nl, tl };
		n += 17 + (size_t)nl + tl;
	}
	row->n_attrs = na;
	row->attrs = S.vals;
	return FG_OK;
}

/* Rank 0: feed one received piece into the link set. */
static int feed(fg_linkset *ls, const char *a, size_t n)
{
	size_t off = 0;
	int rc;

	while (off < n) {
		if (a[off] == 'L') {
			fg_link_row row;
			uint32_t ul, kl, vl;

			memcpy(&ul, a + off + 1, 4);
			memcpy(&kl, a + off + 5, 4);
			memcpy(&vl, a + off + 9, 4);
			memcpy(&row.seen_at, a + off + 13, 8);
			row.user = (fg_str){ a + off + 21, ul };
			row.kind = (fg_str){ a + off + 21 + ul, kl };
			row.value = (fg_str){ a + off + 21 + ul + kl, vl };
			row.file = "mpi";
			row.line = 0;
			if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
				return rc;
			off += 21 + (size_t)ul + kl + vl;
		} else {
			fg_user_row row;
			uint32_t ul;

			memcpy(&ul, a + off + 2, 4);
			memcpy(&row.created_at, a + off + 6, 8);
			row.label = (fg_label)(uint8_t)a[off + 1];
			row.user = (fg_str){ a + off + 14, ul };
			row.file = "mpi";
			row.line = 0;
			row.n_attrs = 0;
			row.attrs = NULL;
			if (a[off] == 'A' && (rc = unpack_attrs(&row, a + off)) != FG_OK)
				return rc;
			if ((rc = fg_linkset_user_sink(ls, &row)) != FG_OK)
				return rc;
			off += rec_len(a + off);
		}
	}
	return FG_OK;
}

/*
 * The merged rows to rank 0 in rounds of at most FG_MPI_STREAM bytes per
 * rank (MPI_Gatherv), rank 0 feeding ls as they come.  Collective.
 */
static int gather_rows(fg_linkset *ls)
{
	size_t li = 0, ui = 0;
	bytes b = { NULL, 0, 0 };
	int *cnt = NULL, *disp = NULL, rc = FG_OK;
	char *rbuf = NULL;

	if (S.rank == 0) {
		cnt = fg_calloc((size_t)S.size * 2, sizeof(int));
		rbuf = fg_malloc(((size_t)S.size) * (FG_MPI_STREAM + 4096));
		if (!cnt || !rbuf)
			rc = fg_error_set(FG_ENOMEM, "out of memory for the gather");
		else
			disp = cnt + S.size;
	}
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	for (;;) {
		int more = 0, any = 0, n;

		b.len = 0;
		while (!rc && b.len < FG_MPI_STREAM && li < S.n_links) {
			const rec *r = &S.links[li++];

			rc = emit_row(&b, r, r->first);
			if (!rc && r->first != FG_TIME_NONE && r->last != r->first)
				rc = emit_row(&b, r, r->last);
		}
		while (!rc && b.len < FG_MPI_STREAM && li == S.n_links && ui < S.n_users) {
			const rec *r = &S.users[ui++];
			char tag = 'U';

			if (r->raw)
				rc = put(&b, r->raw, r->raw_len);
			else if (!(rc = put(&b, &tag, 1)) && !(rc = put(&b, &r->label, 1)) &&
			         !(rc = put(&b, &r->ul, 4)) && !(rc = put(&b, &r->first, 8)))
				rc = put(&b, r->u, r->ul);
		}
		if ((rc = agree(rc)) != FG_OK)
			goto cleanup;
		more = li < S.n_links || ui < S.n_users;
		n = (int)b.len;
		MPI_Gather(&n, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
		if (S.rank == 0) {
			size_t t = 0;

			for (int r = 0; r < S.size; r++) {
				disp[r] = (int)t;
				t += (size_t)cnt[r];
			}
		}
		MPI_Gatherv(b.p, n, MPI_BYTE, rbuf, cnt, disp, MPI_BYTE, 0, MPI_COMM_WORLD);
		if (S.rank != 0)
			S.phase_bytes += b.len;
		if (S.rank == 0)
			for (int r = 0; r < S.size && !rc; r++)
				rc = feed(ls, rbuf + disp[r], (size_t)cnt[r]);
		if ((rc = agree(rc)) != FG_OK)
			goto cleanup;
		MPI_Allreduce(&more, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
		if (!any)
			break;
	}
cleanup:
	fg_free(b.p);
	fg_free(cnt);
	fg_free(rbuf);
	return rc;
}

/* ---- phases ---- */

/*
 * The slowest rank's wall and CPU time, bytes exchanged, peak memory per
 * rank: one line on rank 0.  t0, c0: fg_clock and cpu_clock at the start.
 */
static void phase_report(const char *name, double t0, double c0, uint64_t n_links)
{
	double t = fg_clock() - t0, tmax = 0, c = fg_cpu_clock() - c0, cmax = 0;
	uint64_t by = S.phase_bytes, bsum = 0, rss = fg_peak_rss(), rmax = 0, rsum = 0;

	MPI_Reduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	MPI_Reduce(&c, &cmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	MPI_Reduce(&by, &bsum, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
	MPI_Reduce(&rss, &rmax, 1, MPI_UINT64_T, MPI_MAX, 0, MPI_COMM_WORLD);
	MPI_Reduce(&rss, &rsum, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
	S.phase_bytes = 0;
	if (S.rank == 0)
		fg_log_info("mpi %-10s %d ranks, slowest %.2f s (%.2f s CPU), %.1f MB exchanged (%.1f "
		            "bytes per link), peak memory per rank %.0f MiB max, %.0f MiB mean", name,
		            S.size, tmax, cmax, (double)bsum / 1e6, n_links ? (double)bsum / (double)n_links : 0.0,
		            (double)rmax / 1048576.0, (double)rsum / 1048576.0 / S.size);
}

static int ingest_all(fg_linkset *ls, fg_badrows *bad, const fg_run_opts *o)
{
	double t0 = fg_clock(), c0 = fg_cpu_clock();
	uint64_t nl = 0, nl_all = 0;
	int rc = FG_OK;

	S.cfg = &o->cfg;
	S.opts = o;
	S.out = fg_calloc((size_t)S.size, sizeof(*S.out));
	if ((rc = agree(S.out ? FG_OK : fg_error_set(FG_ENOMEM, "out of memory"))) != FG_OK)
		return rc;
	for (int i = 0; i < o->n_edges && !rc; i++)
		if (!(rc = read_csv(false, o->edges[i], o, bad)))
			rc = exchange();
	for (int i = 0; i < o->n_users_files && !rc; i++)
		if (!(rc = read_csv(true, o->users[i], o, bad)))
			rc = exchange();
	if (!rc && o->input_db) {
		if (!(rc = read_whole(2, o->input_db, o, bad)) && !(rc = exchange()) &&
		    !(rc = read_whole(3, o->input_db, o, bad)))
			rc = exchange();
	}
	if (rc)
		return rc;
	if ((rc = agree(merge_owned())) != FG_OK)
		return rc;
	nl = S.n_links;
	MPI_Allreduce(&nl, &nl_all, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	phase_report("ingest", t0, c0, nl_all);
	t0 = fg_clock();
	c0 = fg_cpu_clock();
	rc = gather_rows(ls);
	phase_report("gather", t0, c0, nl_all);
	fg_fault_point("mpi-after-gather");
	return rc;
}

int fg_mpi_ingest(fg_linkset *ls, fg_badrows *bad, const fg_run_opts *o)
{
	send_cmd(CMD_INGEST, 0);
	return ingest_all(ls, bad, o);
}

/* ---- components ---- */

/* A generic all-to-all of byte arrays: out[r] to rank r (then emptied, its
 * memory freed); *rbuf (malloc'd) gets what every rank sent, rcnt[r]/rdisp[r]
 * where rank r's part lies.  Collective. */
static int a2a(bytes *out, char **rbuf, int *rcnt, int *rdisp)
{
	int n = S.size, rc = FG_OK;
	int *sc = fg_calloc((size_t)n * 2, sizeof(int)), *sd = sc ? sc + n : NULL;
	char *sbuf = NULL;
	size_t total = 0;

	*rbuf = NULL;
	for (int r = 0; r < n; r++)
		total += out[r].len;
	if (!sc || total > (size_t)INT_MAX || !(sbuf = fg_malloc(total ? total : 1)))
		rc = fg_error_set(FG_ENOMEM, "rank %d: cannot stage %zu bytes for an exchange", S.rank,
		                  total);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	total = 0;
	for (int r = 0; r < n; r++) { /* staged: out[r] is handed back (empty, reusable) */
		if (out[r].len)
			memcpy(sbuf + total, out[r].p, out[r].len);
		sc[r] = (int)out[r].len;
		sd[r] = (int)total;
		total += out[r].len;
		S.sent_others += r == S.rank ? 0 : out[r].len;
		fg_free(out[r].p);
		out[r] = (bytes){ NULL, 0, 0 };
	}
	MPI_Alltoall(sc, 1, MPI_INT, rcnt, 1, MPI_INT, MPI_COMM_WORLD);
	total = 0;
	for (int r = 0; r < n; r++) {
		rdisp[r] = (int)total;
		total += (size_t)rcnt[r];
	}
	if (total > (size_t)INT_MAX || !(*rbuf = fg_malloc(total ? total : 1)))
		rc = fg_error_set(FG_ENOMEM, "rank %d: cannot receive %zu bytes", S.rank, total);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Alltoallv(sbuf, sc, sd, MPI_BYTE, *rbuf, rcnt, rdisp, MPI_BYTE, MPI_COMM_WORLD);
	S.phase_bytes += total;
cleanup:
	fg_free(sc);
	fg_free(sbuf);
	return rc;
}

/*
 * A string being ranked: its first 8 bytes big-endian (0-padded) as the key,
 * so that most comparisons touch nothing but the array; idx is the caller's.
 */
typedef struct skey {
	uint64_t key;
	const char *p;
	uint32_t len;
	uint32_t idx;
} skey;

static skey skey_of(const char *p, uint32_t len, uint32_t idx)
{
	unsigned char b[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	uint64_t k = 0;

	memcpy(b, p, len < 8 ? len : 8);
	for (int j = 0; j < 8; j++)
		k = k << 8 | b[j];
	return (skey){ k, p, len, idx };
}

/* Byte order (cmp_str's), the key first. */
static int cmp_skey(const void *a, const void *b)
{
	const skey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->len <= 8 || y->len <= 8) /* the shorter is a prefix of the other */
		return (x->len > y->len) - (x->len < y->len);
	return cmp_str(x->p + 8, x->len - 8, y->p + 8, y->len - 8);
}

/*
 * Sort a[0..n) and keep one of each string; of[a[i].idx] = its new position.
 * Returns the count.  Input already in order (an owner's entities) skips the
 * sort: one pass.
 */
static size_t sort_unique(skey *a, size_t n, uint32_t *of)
{
	size_t w = 0, sorted = 1;

	while (sorted < n && cmp_skey(&a[sorted - 1], &a[sorted]) <= 0)
		sorted++;
	if (sorted < n)
		qsort(a, n, sizeof(*a), cmp_skey);
	for (size_t i = 0; i < n; i++) {
		uint32_t idx = a[i].idx;

		if (!w || cmp_skey(&a[w - 1], &a[i]) != 0)
			a[w++] = a[i];
		of[idx] = (uint32_t)(w - 1);
	}
	return w;
}

/* Strings packed as (u32 length, bytes) in b[0..n): into a[] (idx = position); returns the count. */
static size_t unpack_strings(skey *a, const char *b, size_t n, uint32_t idx0)
{
	size_t k = 0;

	for (size_t off = 0; off < n;) {
		uint32_t len;

		memcpy(&len, b + off, 4);
		a[k] = skey_of(b + off + 4, len, idx0 + (uint32_t)k);
		k++;
		off += 4 + (size_t)len;
	}
	return k;
}

/*
 * The size - 1 splitters of the users' sample sort, the same on every rank:
 * up to 64 evenly spaced ids of each rank's sorted distinct ids, gathered
 * and sorted; splitter k (1 <= k < size) is the sample at k / size of them.
 * *spl[k - 1] and *pool (fg_malloc'd) hold them.  Collective.
 */
static int choose_splitters(skey **spl, char **pool, const skey *uq, size_t n_uq)
{
	int n = S.size, rc = FG_OK, mine = 0;
	size_t ns = n_uq < 64 ? n_uq : 64, total = 0, n_samp;
	bytes b = { NULL, 0, 0 };
	int *cnt = fg_calloc((size_t)n * 2, sizeof(int)), *disp = cnt ? cnt + n : NULL;
	skey *samp = NULL;

	*spl = NULL;
	*pool = NULL;
	for (size_t j = 0; j < ns && !rc; j++) {
		const skey *s = &uq[j * n_uq / ns];

		if (!(rc = put(&b, &s->len, 4)))
			rc = put(&b, s->p, s->len);
	}
	if (!rc && !cnt)
		rc = fg_error_set(FG_ENOMEM, "out of memory for the sample sort");
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	mine = (int)b.len;
	MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, MPI_COMM_WORLD);
	for (int r = 0; r < n; r++) {
		disp[r] = (int)total;
		total += (size_t)cnt[r];
	}
	*pool = fg_malloc(total + 1);
	samp = fg_mallocarray(64 * (size_t)n + 1, sizeof(*samp));
	*spl = fg_mallocarray((size_t)n, sizeof(**spl));
	rc = !*pool || !samp || !*spl ? fg_error_set(FG_ENOMEM, "out of memory for the sample sort")
	                              : FG_OK;
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Allgatherv(b.p ? b.p : "", mine, MPI_BYTE, *pool, cnt, disp, MPI_BYTE, MPI_COMM_WORLD);
	n_samp = unpack_strings(samp, *pool, total, 0);
	qsort(samp, n_samp, sizeof(*samp), cmp_skey);
	for (int k = 1; k < n; k++)
		(*spl)[k - 1] = n_samp ? samp[(size_t)k * n_samp / (size_t)n] : skey_of("", 0, 0);
cleanup:
	fg_free(b.p);
	fg_free(cnt);
	fg_free(samp);
	return rc;
}

/*
 * A sample sort's outcome on one rank (rank_strings): gid[k] is the global
 * rank of the asker's k-th string; this rank numbered the range
 * [base, base + mine), names[i] being the string of rank base + i (pointing
 * into names_buf).  Every field starts NULL/zero; ranked_free frees them.
 */
typedef struct ranked {
	uint64_t *gid, base, mine;
	skey *names;
	char *names_buf;
} ranked;

static void ranked_free(ranked *rk)
{
	fg_free(rk->gid);
	fg_free(rk->names);
	fg_free(rk->names_buf);
	memset(rk, 0, sizeof(*rk));
}

/*
 * Every rank: the global rank of each of its strings uq[0..n_uq) (sorted and
 * distinct, sort_unique's output; the same string may be on several ranks)
 * in byte order of the union of all ranks' strings, one process's numbering
 * of them (users by user_id, entities by their keys), into *rk (zeroed
 * first; ranked_free it, also on failure).  A sample sort: the ranks choose
 * the same splitters (choose_splitters), each string goes to the rank of its
 * splitter range, which merges what it gets, numbers its range from the count
 * of the lower ranges (MPI_Exscan) and answers in the order asked: the
 * asker's sorted order, since the ranges ascend with the ranks.  what names
 * the strings in messages.  Costs two all-to-alls: every string once (4 + its
 * length bytes), 8 bytes back.  Collective; the outcome agreed.
 */
static int rank_strings(ranked *rk, const skey *uq, size_t n_uq, const char *what)
{
	int n = S.size, rc = FG_OK;
	bytes *out = fg_calloc((size_t)n * 2, sizeof(bytes)), *resp = out ? out + n : NULL;
	int *rcnt = fg_calloc((size_t)n * 2, sizeof(int)), *rdisp = rcnt ? rcnt + n : NULL;
	char *rbuf = NULL, *abuf = NULL, *pool = NULL;
	skey *got = NULL, *spl = NULL;
	uint32_t *got_of = NULL;
	size_t n_got = 0;
	uint64_t base = 0, mine = 0;

	memset(rk, 0, sizeof(*rk));
	if ((rc = agree(out && rcnt ? FG_OK
	                            : fg_error_set(FG_ENOMEM, "out of memory ranking %s", what))) !=
	    FG_OK)
		goto cleanup;
	if ((rc = choose_splitters(&spl, &pool, uq, n_uq)) != FG_OK)
		goto cleanup;
	/* each distinct string to the rank of its range (the ranges ascend with the ranks) */
	for (size_t i = 0, d = 0; i < n_uq && !rc; i++) {
		while (d + 1 < (size_t)n && cmp_skey(&uq[i], &spl[d]) >= 0)
			d++;
		if (!(rc = put(&out[d], &uq[i].len, 4)))
			rc = put(&out[d], uq[i].p, uq[i].len);
	}
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(out, &rbuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	{
		size_t len = (size_t)rdisp[n - 1] + (size_t)rcnt[n - 1], k = 0;

		for (size_t off = 0; off < len; k++) {
			uint32_t l;

			memcpy(&l, rbuf + off, 4);
			off += 4 + (size_t)l;
		}
		if (k >= UINT32_MAX)
			rc = fg_error_set(FG_ERROR, "rank %d: %zu %s in its range (at most 2^32 in this "
			                  "stage: more ranks)", S.rank, k, what);
		else if (!(got = fg_mallocarray(k + 1, sizeof(*got))) ||
		         !(got_of = fg_mallocarray(k + 1, sizeof(*got_of))))
			rc = fg_error_set(FG_ENOMEM, "out of memory ranking %zu %s", k, what);
		if ((rc = agree(rc)) != FG_OK)
			goto cleanup;
		n_got = unpack_strings(got, rbuf, len, 0);
	}
	mine = sort_unique(got, n_got, got_of);
	MPI_Exscan(&mine, &base, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	if (S.rank == 0)
		base = 0;
	/* the answers, in the order asked: rank r's strings are the r-th run of rbuf */
	{
		size_t pos = 0;

		for (int r = 0; r < n && !rc; r++) {
			size_t end = (size_t)rdisp[r] + (size_t)rcnt[r];

			for (size_t off = (size_t)rdisp[r]; off < end && !rc; pos++) {
				uint32_t l;
				uint64_t id = base + got_of[pos];

				memcpy(&l, rbuf + off, 4);
				off += 4 + (size_t)l;
				rc = put(&resp[r], &id, 8);
			}
		}
	}
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(resp, &abuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	if ((size_t)rdisp[n - 1] + (size_t)rcnt[n - 1] != n_uq * 8)
		rc = fg_error_set(FG_ERROR, "rank %d: %zu %s asked, %zu answered", S.rank, n_uq, what,
		                  ((size_t)rdisp[n - 1] + (size_t)rcnt[n - 1]) / 8);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	rk->gid = (uint64_t *)(void *)abuf; /* fg_malloc'd: aligned */
	rk->base = base;
	rk->mine = mine;
	rk->names = got;
	rk->names_buf = rbuf;
	abuf = rbuf = NULL;
	got = NULL;
cleanup:
	bytes_free(out, 2 * (size_t)n);
	fg_free(rcnt);
	fg_free(rbuf);
	fg_free(abuf);
	fg_free(pool);
	fg_free(got);
	fg_free(spl);
	fg_free(got_of);
	return rc;
}

/* The end of the entity whose first owned link is i (not a relation): its links are i .. end - 1. */
static size_t entity_end(size_t i)
{
	const rec *l = &S.links[i];
	size_t j = i + 1;

	while (j < S.n_links && !S.links[j].rel && cmp_str(S.links[j].k, S.links[j].kl, l->k, l->kl) == 0 &&
	       cmp_str(S.links[j].v, S.links[j].vl, l->v, l->vl) == 0)
		j++;
	return j;
}

/*
 * The components pass on one rank.  Invariants after components_local: the
 * ranks' ranges ascend, rank r's users being [first[r], first[r + 1]);
 * lab[i] is the label of user base + i (i < n_own), names[i] its user id;
 * gid[k] is the id of the k-th distinct user this rank refers to (byte
 * order, k < n_uq); uq_of[2 i] is link i's user's k (uq_of[2 i + 1] the
 * other user of a relation); hub[i] says link i's entity is a hub; n_ent and
 * n_rel count the owned entities (entities_local's) and relations (links
 * with rel, not placeholders).  After budget_check, elab[j] is the label of
 * the j-th owned entity's users (UINT64_MAX for a hub) and rlab[r] that of
 * the r-th relation's users, both in link order, and urlab[i] that of the
 * user of user row i (its seed flag, label and time go to its component's
 * rank with the links, ship_components): kept from the scan that
 * sizes the components (which asks every referred user's label), so the
 * closure's parts (parts_own) read them in order, not by a random read of a
 * label per entity.  sizes[0 .. n_sizes) are the components of 2+ users
 * whose labels this rank's range holds, by label ascending (budget_check's
 * sums), for the packing of the per-component stage (rings_all).
 */
typedef struct ccpass {
	uint64_t *lab, *first, *gid, *elab, *rlab, *urlab, base, n_own, n_uq, hubs, n_ent, n_rel;
	struct csize *sizes;
	size_t n_sizes;
	uint32_t *uq_of;
	uint8_t *hub;
	skey *names;
	char *names_buf;
	int rounds;
} ccpass;

static void ccpass_free(ccpass *c)
{
	if (!c)
		return;
	fg_free(c->lab);
	fg_free(c->first);
	fg_free(c->gid);
	fg_free(c->elab);
	fg_free(c->rlab);
	fg_free(c->urlab);
	fg_free(c->sizes);
	fg_free(c->uq_of);
	fg_free(c->hub);
	fg_free(c->names);
	fg_free(c->names_buf);
	memset(c, 0, sizeof(*c));
}

static void cc_drop(void)
{
	ccpass_free(S.cc);
	fg_free(S.cc);
	S.cc = NULL;
}

/*
 * Every rank: canonical user ids, the users' edges, the distributed pass,
 * into *c (zeroed first; ccpass_free it, also on failure).
 *
 * Canonical ids are one process's (users numbered in byte order of user_id,
 * fg_graph.h): each rank sorts the distinct user ids it refers to (its
 * links' users, placeholder rows' excepted, and its owned user rows) and
 * ranks them across the ranks (rank_strings).
 *
 * Edges: the users of a non-hub entity (held together by its owner, sorted)
 * are joined as a star around the first; a relation row joins its users.
 * The components of users are those of the user-entity graph without hubs,
 * and fg_cc labels a component by its smallest vertex, a user (users come
 * before entities), so the pass's labels are one process's component ids.
 */
static int components_local(ccpass *c)
{
	int n = S.size, rc = FG_OK;
	size_t n_ref = 0, n_uq = 0, n_edges = 0;
	skey *ref = NULL;
	uint32_t *uq_of = NULL;
	uint8_t *hub = NULL;
	uint64_t *gid = NULL, *edges = NULL, *lab = NULL, *first = NULL, base = 0, mine = 0;
	fg_cc_dist_stats st;
	ranked rk;

	memset(c, 0, sizeof(*c));
	memset(&rk, 0, sizeof(rk));
	if (2 * S.n_links + S.n_users >= UINT32_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %zu links and %zu users on one rank (at most "
		                  "2^31 in this stage: more ranks)", S.rank, S.n_links, S.n_users);
	else if (!(ref = fg_mallocarray(2 * S.n_links + S.n_users + 1, sizeof(*ref))) ||
	         !(uq_of = fg_mallocarray(2 * S.n_links + S.n_users + 1, sizeof(*uq_of))) ||
	         !(hub = fg_calloc(S.n_links + 1, 1)))
		rc = fg_error_set(FG_ENOMEM, "out of memory for the components pass");
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	/* shares and hubs of the owned entities (links sorted by kind, value, user) */
	for (size_t i = 0; i < S.n_links;) {
		size_t j;
		char kind[FG_KIND_NAME_MAX + 1];

		if (S.links[i].rel || S.links[i].ph) {
			c->n_rel += S.links[i].rel && !S.links[i].ph;
			i++;
			continue;
		}
		j = entity_end(i);
		c->n_ent++;
		snprintf(kind, sizeof(kind), "%.*s", (int)S.links[i].kl, S.links[i].k);
		if (j - i > fg_config_kind_max_share(S.cfg, kind)) {
			c->hubs++;
			memset(hub + i, 1, j - i);
		}
		i = j;
	}
	/* the distinct users this rank refers to: link i's at 2i (and 2i + 1), user rows after */
	for (size_t i = 0; i < S.n_links; i++) {
		const rec *l = &S.links[i];

		if (l->ph) /* the graph never sees its user through it */
			continue;
		ref[n_ref++] = skey_of(l->u, l->ul, (uint32_t)(2 * i));
		if (l->rel)
			ref[n_ref++] = skey_of(l->v, l->vl, (uint32_t)(2 * i + 1));
	}
	for (size_t i = 0; i < S.n_users; i++)
		ref[n_ref++] = skey_of(S.users[i].u, S.users[i].ul, (uint32_t)(2 * S.n_links + i));
	n_uq = sort_unique(ref, n_ref, uq_of);
	if ((rc = rank_strings(&rk, ref, n_uq, "user ids")) != FG_OK)
		goto cleanup;
	gid = rk.gid;
	mine = rk.mine;
	base = rk.base;

	/* the users' edges */
	edges = fg_mallocarray(2 * S.n_links + 1, sizeof(*edges));
	first = fg_mallocarray((size_t)n + 1, sizeof(*first));
	lab = fg_mallocarray(mine + 1, sizeof(*lab));
	if ((rc = agree(edges && first && lab ? FG_OK
	                                      : fg_error_set(FG_ENOMEM, "out of memory"))) != FG_OK)
		goto cleanup;
	for (size_t i = 0; i < S.n_links;) {
		size_t j;

		if (S.links[i].rel || S.links[i].ph) {
			if (S.links[i].rel) {
				edges[2 * n_edges] = gid[uq_of[2 * i]];
				edges[2 * n_edges++ + 1] = gid[uq_of[2 * i + 1]];
			}
			i++;
			continue;
		}
		j = entity_end(i);
		for (size_t k = i + 1; k < j && !hub[i]; k++) { /* a star around the first user */
			edges[2 * n_edges] = gid[uq_of[2 * i]];
			edges[2 * n_edges++ + 1] = gid[uq_of[2 * k]];
		}
		i = j;
	}
	MPI_Allgather(&base, 1, MPI_UINT64_T, first, 1, MPI_UINT64_T, MPI_COMM_WORLD);
	MPI_Allreduce(&mine, &first[n], 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	if (fg_cc_dist(lab, first, edges, n_edges, MPI_COMM_WORLD, &st) != 0) {
		rc = agree(fg_error_set(FG_ERROR, "rank %d: the distributed components pass failed",
		                        S.rank));
		goto cleanup;
	}
	S.phase_bytes += st.bytes_sent;
	c->rounds = st.rounds;
	c->n_own = mine;
	c->base = base;
	c->n_uq = n_uq;
	c->lab = lab;
	c->first = first;
	c->gid = gid;
	c->uq_of = uq_of;
	c->hub = hub;
	c->names = rk.names;
	c->names_buf = rk.names_buf;
	memset(&rk, 0, sizeof(rk)); /* its arrays are c's now */
	lab = first = NULL;
	uq_of = NULL;
	hub = NULL;
cleanup:
	ranked_free(&rk);
	fg_free(ref);
	fg_free(uq_of);
	fg_free(hub);
	fg_free(edges);
	fg_free(lab);
	fg_free(first);
	return rc;
}

/*
 * Rank 0: the pass's labels all[u] (u in the graph's canonical user order)
 * are fg_cc's component ids, and the owners found the graph's hubs.
 */
static int check_components(const fg_graph *g, const uint32_t *comp, const uint64_t *all,
                            uint64_t total, uint64_t hubs)
{
	uint64_t n_comp = 0;

	if (total != g->n_users)
		return fg_error_set(FG_ERROR, "mpi components: the ranks own %llu users, the graph has %u",
		                    (unsigned long long)total, g->n_users);
	if (hubs != g->n_hubs)
		return fg_error_set(FG_ERROR, "mpi components: the owners found %llu hubs, the graph %u",
		                    (unsigned long long)hubs, g->n_hubs);
	for (uint32_t u = 0; u < g->n_users; u++) {
		if (all[u] != comp[u])
			return fg_error_set(FG_ERROR, "mpi components: user '%s' has component %llu "
			                    "across the ranks, %u by fg_cc", fg_graph_user_id(g, u),
			                    (unsigned long long)all[u], comp[u]);
		n_comp += all[u] == u;
	}
	fg_log_info("mpi components: the distributed pass matches fg_cc (%llu user components, "
	            "%llu hubs)", (unsigned long long)n_comp, (unsigned long long)hubs);
	return FG_OK;
}

/*
 * For each distinct user this rank refers to (c->gid[k], k < c->n_uq) with
 * need[k] (need NULL: all): (*val)[k] (fg_malloc'd, n_uq entries; the others
 * undefined) gets what its range's owner holds for it, mine[i] for the
 * owner's i-th user (8 bytes each way).  Collective; the outcome agreed.
 */
static int ask_users(uint64_t **val, const ccpass *c, const uint64_t *mine, const uint8_t *need)
{
	int n = S.size, rc = FG_OK, *rcnt = fg_calloc((size_t)n * 2, sizeof(int));
	int *rdisp = rcnt ? rcnt + n : NULL;
	bytes *out = fg_calloc((size_t)n * 2, sizeof(bytes)), *resp = out ? out + n : NULL;
	char *rbuf = NULL, *abuf = NULL;

	*val = NULL;
	if (!rcnt || !out)
		rc = fg_error_set(FG_ENOMEM, "out of memory asking for %llu users",
		                  (unsigned long long)c->n_uq);
	for (size_t k = 0; k < c->n_uq && !rc; k++)
		if (!need || need[k])
			rc = put(&out[fg_cc_dist_owner(c->first, n, c->gid[k])], &c->gid[k], 8);
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(out, &rbuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	for (int r = 0; r < n && !rc; r++)
		for (size_t off = (size_t)rdisp[r]; off < (size_t)rdisp[r] + (size_t)rcnt[r] && !rc;
		     off += 8) {
			uint64_t v;

			memcpy(&v, rbuf + off, 8);
			rc = put(&resp[r], &mine[v - c->base], 8);
		}
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(resp, &abuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	if (!need) {
		*val = (uint64_t *)(void *)abuf; /* in the order asked: byte order of the users */
		abuf = NULL;
	} else if (!(*val = fg_mallocarray(c->n_uq + 1, sizeof(**val)))) {
		rc = fg_error_set(FG_ENOMEM, "out of memory");
	} else {
		for (size_t k = 0; k < c->n_uq; k++) /* the answers of a rank come in order */
			if (need[k]) {
				int r = fg_cc_dist_owner(c->first, n, c->gid[k]);

				memcpy(&(*val)[k], abuf + rdisp[r], 8);
				rdisp[r] += 8;
			}
	}
	rc = agree(rc);
cleanup:
	bytes_free(out, 2 * (size_t)n);
	fg_free(rcnt);
	fg_free(rbuf);
	fg_free(abuf);
	return rc;
}

/*
 * A rank's memory for one component in the per-component stage, estimated
 * from one process's measured peak (2M-user world: 1242 MiB for 2.0 M users
 * and 9.1 M links, docs/scale.md): 100 bytes per user and 115 per link.
 */
#define COMPONENT_BYTES_PER_USER 100
#define COMPONENT_BYTES_PER_LINK 115

/* A component's size: users and non-hub links, summed by label. */
typedef struct csize {
	uint64_t label, users, links;
} csize;

static int cmp_csize(const void *a, const void *b)
{
	const csize *x = a, *y = b;

	return (x->label > y->label) - (x->label < y->label);
}

/* Sort a[0..n) by label and sum equal labels; returns the count left. */
static size_t merge_sizes(csize *a, size_t n)
{
	size_t w = 0;

	qsort(a, n, sizeof(*a), cmp_csize);
	for (size_t i = 0; i < n; i++) {
		if (w && a[w - 1].label == a[i].label) {
			a[w - 1].users += a[i].users;
			a[w - 1].links += a[i].links;
		} else {
			a[w++] = a[i];
		}
	}
	return w;
}

static uint64_t component_bytes(const csize *c)
{
	return c->users * COMPONENT_BYTES_PER_USER + c->links * COMPONENT_BYTES_PER_LINK;
}

/* The rank budget in bytes: --rank-memory, else this node's memory over its ranks. */
static uint64_t rank_budget(void)
{
	const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t ranks = local && atoi(local) > 0 ? (uint64_t)atoi(local) : 1;

	if (S.opts->rank_memory_mib)
		return S.opts->rank_memory_mib << 20;
	if (pages <= 0 || page <= 0)
		return UINT64_MAX;
	return (uint64_t)pages * (uint64_t)page / ranks;
}

/* An entity of the over-budget component, for the message. */
typedef struct bigent {
	uint64_t share;
	const char *k, *v;
	uint32_t kl, vl;
} bigent;

/* Most shared first, then byte order of (kind, value): the same for any rank count. */
static int cmp_bigent(const void *a, const void *b)
{
	const bigent *x = a, *y = b;
	int c;

	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	if ((c = cmp_str(x->k, x->kl, y->k, y->kl)) != 0)
		return c;
	return cmp_str(x->v, x->vl, y->v, y->vl);
}

#define BIG_ENTITIES 3 /* kinds named in the message, their most shared entity each */
#define BIG_KINDS 16    /* kinds a rank reports */

/*
 * Rank 0: the message for component w, with the name of its smallest user
 * and the candidates gathered from the ranks (packed bigents), the most
 * shared first.
 */
static int over_budget(const csize *w, uint64_t budget, const char *name, uint32_t name_len,
                       const char *buf, size_t len)
{
	bigent e[BIG_KINDS * 16];
	size_t n = 0, shown = 0;
	char caps[1024] = "";
	size_t used = 0;

	for (size_t off = 0; off < len && n < sizeof(e) / sizeof(e[0]);) {
		memcpy(&e[n].share, buf + off, 8);
		memcpy(&e[n].kl, buf + off + 8, 4);
		memcpy(&e[n].vl, buf + off + 12, 4);
		e[n].k = buf + off + 16;
		e[n].v = e[n].k + e[n].kl;
		off += 16 + (size_t)e[n].kl + e[n].vl;
		n++;
	}
	qsort(e, n, sizeof(*e), cmp_bigent);
	for (size_t i = 0; i < n && shown < BIG_ENTITIES && used < sizeof(caps); i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++) /* one per kind: its most shared came first */
			seen |= !cmp_str(e[j].k, e[j].kl, e[i].k, e[i].kl);
		if (seen)
			continue;
		used += (size_t)snprintf(caps + used, sizeof(caps) - used,
		                         "%s--max-share %.*s=%llu (%.*s '%.*s' is shared by %llu users)",
		                         shown++ ? ", " : "", (int)e[i].kl, e[i].k,
		                         (unsigned long long)e[i].share - 1, (int)e[i].kl, e[i].k,
		                         (int)(e[i].vl > 64 ? 64 : e[i].vl), e[i].v,
		                         (unsigned long long)e[i].share);
	}
	return fg_error_set(FG_EDATA, "the component of user '%.*s' has %llu users and %llu links, "
	                    "about %llu MiB for one rank, over the budget of %llu MiB (--rank-memory): "
	                    "%s%s; or give each rank more memory (--rank-memory, fewer ranks per node)",
	                    (int)(name_len > 64 ? 64 : name_len), name,
	                    (unsigned long long)w->users, (unsigned long long)w->links,
	                    (unsigned long long)((component_bytes(w) + (1u << 20) - 1) >> 20),
	                    (unsigned long long)(budget >> 20),
	                    n ? "lower hub caps would cut it: " : "it has no shared entity to cut (user-user links only)",
	                    caps);
}

/*
 * Every rank: the size of every component (users by the owner of their
 * range, links by the owner of their entity, summed at the owner of the
 * label), and the largest against the budget.  Over it: FG_EDATA on every
 * rank, rank 0's message naming the component by its smallest user, its
 * size, and the hub caps that would make its most shared entities hubs.
 * Collective.
 */
static int budget_check(ccpass *c)
{
	int n = S.size, rc = FG_OK, *rcnt = fg_calloc((size_t)n * 2, sizeof(int));
	int *rdisp = rcnt ? rcnt + n : NULL;
	bytes *out = fg_calloc((size_t)n * 2, sizeof(bytes));
	char *rbuf = NULL, *gbuf = NULL;
	csize *cs = NULL, worst = { UINT64_MAX, 0, 0 }, *all = NULL;
	const uint64_t *ulab = NULL;
	uint64_t *ul = NULL;
	size_t n_cs = 0;
	uint64_t budget = rank_budget(), wb = 0;

	cs = fg_mallocarray(c->n_own + S.n_links + 1, sizeof(*cs));
	all = fg_mallocarray((size_t)n, sizeof(*all));
	c->elab = fg_mallocarray(c->n_ent + 1, sizeof(*c->elab));
	c->rlab = fg_mallocarray(c->n_rel + 1, sizeof(*c->rlab));
	if (!rcnt || !out || !cs || !all || !c->elab || !c->rlab)
		rc = fg_error_set(FG_ENOMEM, "out of memory sizing the components");
	/* the labels of the users this rank refers to, from their ranges' owners */
	if ((rc = agree(rc)) != FG_OK || (rc = ask_users(&ul, c, c->lab, NULL)) != FG_OK)
		goto cleanup;
	ulab = ul; /* freed at the end: elab and rlab keep what the closure's parts need */
	if (!(c->urlab = fg_mallocarray(S.n_users + 1, sizeof(*c->urlab))))
		rc = fg_error_set(FG_ENOMEM, "out of memory for the labels of %zu user rows", S.n_users);
	for (size_t i = 0; !rc && i < S.n_users; i++)
		c->urlab[i] = ulab[c->uq_of[2 * S.n_links + i]];
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	/*
	 * sizes: this rank's users and non-hub links, then summed at the label's
	 * owner.  An entity's users are one component (joined as a star), so its
	 * first user's label stands for all its links: one random read of ulab
	 * per entity, kept (elab, rlab) for the closure's parts.
	 */
	for (size_t i = 0; i < c->n_own; i++)
		cs[n_cs++] = (csize){ c->lab[i], 1, 0 };
	for (size_t i = 0, e = 0, r = 0; i < S.n_links;) {
		uint64_t l, nl = 0;
		size_t j;

		if (S.links[i].ph) {
			i++;
			continue;
		}
		l = ulab[c->uq_of[2 * i]];
		if (S.links[i].rel) {
			c->rlab[r++] = l;
			cs[n_cs++] = (csize){ l, 0, 1 };
			i++;
			continue;
		}
		j = entity_end(i);
		c->elab[e++] = c->hub[i] ? UINT64_MAX : l;
		for (size_t k = i; k < j && !c->hub[i]; k++)
			nl += !S.links[k].ph;
		if (nl)
			cs[n_cs++] = (csize){ l, 0, nl };
		i = j;
	}
	n_cs = merge_sizes(cs, n_cs);
	for (int r = 0; r < 2 * n; r++)
		out[r].len = 0;
	for (size_t i = 0; i < n_cs && !rc; i++)
		rc = put(&out[fg_cc_dist_owner(c->first, n, cs[i].label)], &cs[i], sizeof(cs[i]));
	fg_free(rbuf);
	rbuf = NULL;
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(out, &rbuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	fg_free(cs);
	cs = (csize *)(void *)rbuf; /* fg_malloc'd: aligned */
	rbuf = NULL;
	n_cs = merge_sizes(cs, ((size_t)rdisp[n - 1] + (size_t)rcnt[n - 1]) / sizeof(csize));
	/* the components of 2+ users kept for the packing (rings_all): most are a user alone */
	{
		size_t nk = 0;

		for (size_t i = 0; i < n_cs; i++)
			nk += cs[i].users >= 2;
		fg_free(c->sizes);
		c->n_sizes = 0;
		if (!(c->sizes = fg_mallocarray(nk + 1, sizeof(*c->sizes))))
			rc = fg_error_set(FG_ENOMEM, "out of memory keeping %zu component sizes", nk);
		for (size_t i = 0; c->sizes && i < n_cs; i++)
			if (cs[i].users >= 2)
				c->sizes[c->n_sizes++] = cs[i];
		if ((rc = agree(rc)) != FG_OK)
			goto cleanup;
	}
	/* the largest, by bytes, then the smallest label: the same on every rank */
	for (size_t i = 0; i < n_cs; i++) {
		uint64_t b = component_bytes(&cs[i]);

		if (b > wb || (b == wb && cs[i].label < worst.label)) {
			wb = b;
			worst = cs[i];
		}
	}
	MPI_Allgather(&worst, (int)sizeof(worst), MPI_BYTE, all, (int)sizeof(worst), MPI_BYTE,
	              MPI_COMM_WORLD);
	wb = 0;
	worst.label = UINT64_MAX;
	for (int r = 0; r < n; r++) {
		uint64_t b = component_bytes(&all[r]);

		if (all[r].label != UINT64_MAX && (b > wb || (b == wb && all[r].label < worst.label))) {
			wb = b;
			worst = all[r];
		}
	}
	if (S.rank == 0 && worst.label != UINT64_MAX)
		fg_log_info("mpi components: the largest has %llu users and %llu links, about %llu MiB "
		            "for one rank (budget %llu MiB)", (unsigned long long)worst.users,
		            (unsigned long long)worst.links,
		            (unsigned long long)((wb + (1u << 20) - 1) >> 20),
		            (unsigned long long)(budget >> 20));
	if (wb <= budget)
		goto cleanup;
	/* over: this rank's most shared entities in it, and its name from its owner */
	{
		bigent top[BIG_KINDS + 1];
		size_t nt = 0;
		bytes b = { NULL, 0, 0 };
		int *cnt = NULL, *disp = NULL, len, name_owner = fg_cc_dist_owner(c->first, n, worst.label);
		uint32_t name_len = 0;
		const char *name = "";

		for (size_t i = 0; i < S.n_links;) {
			size_t j;

			if (S.links[i].rel || S.links[i].ph || c->hub[i]) {
				i++;
				continue;
			}
			j = entity_end(i);
			if (j - i > 1 && ulab[c->uq_of[2 * i]] == worst.label) {
				/* the most shared of each kind (the links come kind by kind) */
				bigent e = { j - i, S.links[i].k, S.links[i].v, S.links[i].kl, S.links[i].vl };

				if (nt && !cmp_str(top[nt - 1].k, top[nt - 1].kl, e.k, e.kl)) {
					if (cmp_bigent(&e, &top[nt - 1]) < 0)
						top[nt - 1] = e;
				} else if (nt < BIG_KINDS) {
					top[nt++] = e;
				}
			}
			i = j;
		}
		for (size_t i = 0; i < nt && !rc; i++) {
			if (!(rc = put(&b, &top[i].share, 8)) && !(rc = put(&b, &top[i].kl, 4)) &&
			    !(rc = put(&b, &top[i].vl, 4)) && !(rc = put(&b, top[i].k, top[i].kl)))
				rc = put(&b, top[i].v, top[i].vl);
		}
		if (S.rank == 0 && !(cnt = fg_calloc((size_t)n * 2, sizeof(int))))
			rc = fg_error_set(FG_ENOMEM, "out of memory");
		if ((rc = agree(rc)) != FG_OK) {
			fg_free(b.p);
			fg_free(cnt);
			goto cleanup;
		}
		len = (int)b.len;
		MPI_Gather(&len, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
		if (S.rank == 0) {
			size_t t = 0;

			disp = cnt + n;
			for (int r = 0; r < n; r++) {
				disp[r] = (int)t;
				t += (size_t)cnt[r];
			}
			gbuf = fg_malloc(t + 1);
			rc = gbuf ? FG_OK : fg_error_set(FG_ENOMEM, "out of memory");
		}
		if ((rc = agree(rc)) == FG_OK) {
			char nbuf[65];

			MPI_Gatherv(b.p ? b.p : nbuf, len, MPI_BYTE, gbuf, cnt, disp, MPI_BYTE, 0,
			            MPI_COMM_WORLD);
			/* the smallest user's id, from the owner of its range */
			if (S.rank == name_owner) {
				const skey *nm = &c->names[worst.label - c->base];

				name_len = nm->len > 64 ? 64 : nm->len;
				memcpy(nbuf, nm->p, name_len);
			}
			MPI_Bcast(&name_len, 1, MPI_UINT32_T, name_owner, MPI_COMM_WORLD);
			MPI_Bcast(nbuf, (int)name_len, MPI_BYTE, name_owner, MPI_COMM_WORLD);
			name = nbuf;
			rc = agree(S.rank == 0 ? over_budget(&worst, budget, name, name_len, gbuf,
			                                     (size_t)disp[n - 1] + (size_t)cnt[n - 1])
			                       : FG_OK);
		}
		fg_free(b.p);
		fg_free(cnt);
	}
cleanup:
	bytes_free(out, 2 * (size_t)n);
	fg_free(rcnt);
	fg_free(rbuf);
	fg_free(gbuf);
	fg_free(cs);
	fg_free(all);
	fg_free(ul);
	return rc;
}

/* ---- canonical entity ids ---- */

#define FNV_OFFSET 1469598103934665603ull

/*
 * An entity's key: kind, NUL, value.  Kind names hold no NUL and readers
 * refuse one in a value, so the byte order of keys (cmp_skey) is the
 * graph's order of entities: by kind name, then value (fg_graph.h).
 */
static uint64_t key_digest(uint64_t h, const char *k, size_t kl, const char *v, size_t vl)
{
	uint32_t len = (uint32_t)(kl + 1 + vl);

	h = hash_bytes(h, (const char *)&len, 4);
	h = hash_bytes(h, k, kl);
	h = hash_bytes(h, "", 1);
	return hash_bytes(h, v, vl);
}

/* An owned entity's term of the owners' sum: its id, key, share and hub flag. */
static uint64_t entity_term(uint64_t id, const char *k, size_t kl, const char *v, size_t vl,
                            uint32_t share, uint8_t hub)
{
	uint64_t h = hash_bytes(FNV_OFFSET, (const char *)&id, 8);

	h = key_digest(h, k, kl, v, vl);
	h = hash_bytes(h, (const char *)&share, 4);
	return fg_hash_mix64(hash_bytes(h, (const char *)&hub, 1));
}

/*
 * What one rank tells rank 0 of the entity ids (check_entities): the range
 * of ids it numbered and the digest of their keys in id order; the entities
 * it owns and the sum (mod 2^64) of their entity_terms.
 */
typedef struct entcheck {
	uint64_t base, mine, range_digest, n_ent, owner_sum;
} entcheck;

/*
 * Rank 0: the ranks' entity ids (one entcheck per rank, in rank order)
 * against the graph's: the ranges tile 0 .. n_entities - 1 in rank order,
 * each range's keys in id order are the graph's ent_kind/ent_value there,
 * and the owners hold every entity once with the graph's id, share and hub
 * flag (the sum of entity_terms).  Returns FG_OK, FG_ENOMEM (a value's
 * buffer) or FG_ERROR (an internal error: the first mismatch).  O(entities + their string bytes).
 */
static int check_entities(const fg_graph *g, const entcheck *all, int n)
{
	uint64_t owned = 0, sum = 0, next = 0, want = 0;
	double t0 = fg_clock();
	fg_values vr = { 0 };
	int rc = FG_OK;

	for (int r = 0; r < n && rc == FG_OK; r++) {
		uint64_t h = FNV_OFFSET;

		if (all[r].base != next || all[r].mine > g->n_entities - next) {
			rc = fg_error_set(FG_ERROR, "mpi entities: rank %d numbered entity ids %llu .. "
			                  "%llu, after %llu of the graph's %u", r,
			                  (unsigned long long)all[r].base,
			                  (unsigned long long)(all[r].base + all[r].mine),
			                  (unsigned long long)next, g->n_entities);
			break;
		}
		for (uint64_t e = all[r].base; e < all[r].base + all[r].mine; e++) {
			const char *k = g->kind_name[fg_graph_ent_kind(g, (uint32_t)e)];
			const char *v = fg_graph_ent_value(g, (uint32_t)e, &vr);

			if (!v) {
				rc = FG_ENOMEM;
				goto cleanup;
			}
			h = key_digest(h, k, strlen(k), v, strlen(v));
		}
		if (h != all[r].range_digest && all[r].mine) {
			uint32_t e = (uint32_t)all[r].base;
			const char *v = fg_graph_ent_value(g, e, &vr);

			rc = fg_error_set(FG_ERROR, "mpi entities: rank %d's entity ids %llu .. %llu are "
			                  "not the graph's (from %s '%.64s')", r,
			                  (unsigned long long)e, (unsigned long long)(e + all[r].mine - 1),
			                  g->kind_name[fg_graph_ent_kind(g, e)], v ? v : "?");
			break;
		}
		next += all[r].mine;
		owned += all[r].n_ent;
		sum += all[r].owner_sum;
	}
	if (rc != FG_OK)
		goto cleanup;
	if (next != g->n_entities) {
		rc = fg_error_set(FG_ERROR, "mpi entities: the ranks numbered %llu entities, the graph "
		                  "has %u", (unsigned long long)next, g->n_entities);
		goto cleanup;
	}
	if (owned != g->n_entities) {
		rc = fg_error_set(FG_ERROR, "mpi entities: the owners hold %llu entities, the graph "
		                  "has %u", (unsigned long long)owned, g->n_entities);
		goto cleanup;
	}
	for (uint32_t e = 0; e < g->n_entities; e++) {
		const char *k = g->kind_name[fg_graph_ent_kind(g, e)], *v = fg_graph_ent_value(g, e, &vr);

		if (!v) {
			rc = FG_ENOMEM;
			goto cleanup;
		}
		want += entity_term(e, k, strlen(k), v, strlen(v), fg_graph_ent_share(g, e),
		                    fg_graph_ent_hub(g, e));
	}
	if (want != sum) {
		rc = fg_error_set(FG_ERROR, "mpi entities: the owners' entity ids, shares or hubs are "
		                  "not the graph's (%llu entities)", (unsigned long long)owned);
		goto cleanup;
	}
	fg_log_info("mpi entities: the ranks' entity ids match the graph (%u entities, %u hubs, "
	            "numbered over %d ranks; checked in %.2f s on rank 0)", g->n_entities, g->n_hubs,
	            n, fg_clock() - t0);
cleanup:
	fg_graph_values_free(&vr);
	return rc;
}

/*
 * Every rank: the graph's id of each entity it owns, into S.ent_id[j] (the
 * j-th owned entity in link order, its links S.links[S.ent_link[j] ..]), and
 * what rank 0 checks into *ck.  An entity is what the graph numbers: the
 * links of one (canonical kind, normalised value) that is not a relation
 * and not a placeholder (every such row reaches one owner, route_link),
 * hubs included; its id is the rank of its key (key_digest) among all
 * ranks' keys (rank_strings: as for the users).  c: this rank's components
 * pass (its hub flags).  Collective; the outcome agreed.
 */
static int entities_local(entcheck *ck, const ccpass *c)
{
	size_t n_ent = 0, bytes_k = 0, n_uq;
	char *keys = NULL;
	skey *sk = NULL;
	uint32_t *of = NULL;
	ranked rk;
	int rc = FG_OK;

	memset(ck, 0, sizeof(*ck));
	memset(&rk, 0, sizeof(rk));
	for (size_t i = 0; i < S.n_links;) {
		if (S.links[i].rel || S.links[i].ph) {
			i++;
			continue;
		}
		n_ent++;
		bytes_k += (size_t)S.links[i].kl + 1 + S.links[i].vl;
		i = entity_end(i);
	}
	if (n_ent != c->n_ent) /* elab is indexed as ent_id */
		rc = fg_error_set(FG_ERROR, "rank %d: %zu entities numbered, %llu sized", S.rank, n_ent,
		                  (unsigned long long)c->n_ent);
	else if (n_ent >= UINT32_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %zu entities on one rank (at most 2^32 in this "
		                  "stage: more ranks)", S.rank, n_ent);
	else if (!(keys = fg_malloc(bytes_k + 1)) || !(sk = fg_mallocarray(n_ent + 1, sizeof(*sk))) ||
	         !(of = fg_mallocarray(n_ent + 1, sizeof(*of))) ||
	         !(S.ent_id = fg_mallocarray(n_ent + 1, sizeof(*S.ent_id))) ||
	         !(S.ent_link = fg_mallocarray(n_ent + 1, sizeof(*S.ent_link))))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory numbering %zu entities", S.rank,
		                  n_ent);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	S.n_ent = n_ent;
	bytes_k = 0;
	for (size_t i = 0, j = 0; i < S.n_links;) {
		const rec *l = &S.links[i];
		uint32_t len = l->kl + 1 + l->vl;

		if (l->rel || l->ph) {
			i++;
			continue;
		}
		memcpy(keys + bytes_k, l->k, l->kl);
		keys[bytes_k + l->kl] = '\0';
		memcpy(keys + bytes_k + l->kl + 1, l->v, l->vl);
		sk[j] = skey_of(keys + bytes_k, len, (uint32_t)j);
		S.ent_link[j++] = i;
		bytes_k += len;
		i = entity_end(i);
	}
	n_uq = sort_unique(sk, n_ent, of);
	if ((rc = rank_strings(&rk, sk, n_uq, "entities")) != FG_OK)
		goto cleanup;
	fg_free(sk); /* the keys are the links' again from here */
	fg_free(keys);
	sk = NULL;
	keys = NULL;
	for (size_t j = 0; j < n_ent; j++)
		S.ent_id[j] = rk.gid[of[j]];
	if ((rc = agree((S.ebase = fg_mallocarray((size_t)S.size + 1, sizeof(*S.ebase))) ? FG_OK
	                : fg_error_set(FG_ENOMEM, "out of memory"))) != FG_OK)
		goto cleanup;
	MPI_Allgather(&rk.base, 1, MPI_UINT64_T, S.ebase, 1, MPI_UINT64_T, MPI_COMM_WORLD);
	MPI_Allreduce(&rk.mine, &S.ebase[S.size], 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	if (fg_fault_fails("mpi-entity-id") && n_ent) /* tests: one owner learns a wrong id */
		S.ent_id[0] ^= 1;
	ck->base = rk.base;
	ck->mine = rk.mine;
	ck->n_ent = n_ent;
	ck->range_digest = FNV_OFFSET;
	for (uint64_t i = 0; i < rk.mine; i++) {
		/* tests: a range numbered out of order (its first two keys swapped) */
		uint64_t x = rk.mine > 1 && i < 2 && fg_fault_fails("mpi-entity-order") ? 1 - i : i;
		const skey *nm = &rk.names[x];
		const char *nul = memchr(nm->p, '\0', nm->len);
		size_t kl = (size_t)(nul - nm->p);

		ck->range_digest = key_digest(ck->range_digest, nm->p, kl, nul + 1, nm->len - kl - 1);
	}
	for (size_t j = 0; j < n_ent; j++) {
		const rec *l = &S.links[S.ent_link[j]];
		size_t end = entity_end(S.ent_link[j]);

		ck->owner_sum += entity_term(S.ent_id[j], l->k, l->kl, l->v, l->vl,
		                             (uint32_t)(end - S.ent_link[j]), c->hub[S.ent_link[j]]);
	}
cleanup:
	ranked_free(&rk);
	fg_free(keys);
	fg_free(sk);
	fg_free(of);
	return rc;
}

/*
 * Every rank: the entity ids (entities_local), checked on rank 0 against g
 * (check_entities: a mismatch fails the run on every rank), and the phase's
 * line.  Rank 0 passes g; the others NULL.  Collective.
 */
static int entities_all(const fg_graph *g, const ccpass *c, uint64_t nl_all)
{
	double t0 = fg_clock(), c0 = fg_cpu_clock();
	entcheck ck, *all = NULL;
	int rc;

	if ((rc = entities_local(&ck, c)) != FG_OK)
		return rc;
	if (S.rank == 0 && !(all = fg_mallocarray((size_t)S.size, sizeof(*all))))
		rc = fg_error_set(FG_ENOMEM, "out of memory");
	if ((rc = agree(rc)) != FG_OK)
		return rc;
	MPI_Gather(&ck, (int)sizeof(ck), MPI_BYTE, all, (int)sizeof(ck), MPI_BYTE, 0,
	           MPI_COMM_WORLD);
	S.phase_bytes += S.rank ? sizeof(ck) : 0;
	rc = agree(S.rank == 0 ? check_entities(g, all, S.size) : FG_OK);
	if (!rc)
		phase_report("entities", t0, c0, nl_all);
	fg_free(all);
	return rc;
}

static int components_all(const fg_graph *g, const uint32_t *comp)
{
	double t0 = fg_clock(), c0 = fg_cpu_clock();
	uint64_t *all = NULL, hubs_all = 0, nl = S.n_links, nl_all = 0, total = 0;
	int rc, n_int, *cnt = NULL, *disp = NULL;
	ccpass c;

	if ((rc = components_local(&c)) != FG_OK) {
		ccpass_free(&c);
		return rc;
	}
	MPI_Reduce(&c.hubs, &hubs_all, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
	MPI_Allreduce(&nl, &nl_all, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	n_int = (int)c.n_own;
	if (S.rank == 0) {
		cnt = fg_calloc((size_t)S.size * 2, sizeof(int));
		if (cnt)
			disp = cnt + S.size;
	}
	rc = agree(S.rank == 0 && !cnt ? fg_error_set(FG_ENOMEM, "out of memory") : FG_OK);
	if (!rc) {
		MPI_Gather(&n_int, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
		if (S.rank == 0) {
			size_t t = 0;

			for (int r = 0; r < S.size; r++) {
				disp[r] = (int)t;
				t += (size_t)cnt[r];
			}
			total = t;
			all = fg_mallocarray(t + 1, sizeof(*all));
		}
		rc = agree(S.rank == 0 && !all ? fg_error_set(FG_ENOMEM, "out of memory") : FG_OK);
	}
	if (!rc) {
		/* in rank order: the ranks' ranges ascend, so all[u] is user u's label */
		MPI_Gatherv(c.lab, n_int, MPI_UINT64_T, all, cnt, disp, MPI_UINT64_T, 0, MPI_COMM_WORLD);
		S.phase_bytes += S.rank ? c.n_own * 8 : 0;
		rc = agree(S.rank == 0 ? check_components(g, comp, all, total, hubs_all) : FG_OK);
	}
	if (!rc && S.rank == 0)
		fg_log_info("mpi components: %d FastSV iterations", c.rounds);
	if (!rc)
		rc = budget_check(&c);
	if (!rc)
		phase_report("components", t0, c0, nl_all);
	if (!rc)
		rc = entities_all(g, &c, nl_all);
	if (!rc && (S.cc = fg_malloc(sizeof(*S.cc))) != NULL) {
		/* kept for the closure's parts (parts_own); the names are not needed */
		fg_free(c.names);
		fg_free(c.names_buf);
		c.names = NULL;
		c.names_buf = NULL;
		*S.cc = c;
		memset(&c, 0, sizeof(c));
	}
	rc = agree(!rc && !S.cc ? fg_error_set(FG_ENOMEM, "out of memory") : rc);
	ccpass_free(&c);
	fg_free(all);
	fg_free(cnt);
	return rc;
}

int fg_mpi_components(const fg_graph *g, const uint32_t *comp)
{
	send_cmd(CMD_COMPONENTS, 0);
	return components_all(g, comp);
}

/* ---- the risk walk ---- */

/* The walk's parameters, rank 0's, on every rank. */
typedef struct risk_params {
	double damping, tol;
	int max_iter;
	uint32_t ns, n_users;
	uint64_t na;
} risk_params;

/* This rank's part with room for m arcs (fg_risk_dist_part's layout, to be received). */
static int part_alloc(fg_risk_part *pt, const risk_params *rp, uint64_t k0, uint64_t k1,
                      uint64_t m)
{
	uint64_t nv = k1 - k0;

	memset(pt, 0, sizeof(*pt));
	pt->vid = fg_mallocarray(nv + 1, sizeof(*pt->vid));
	pt->off = fg_mallocarray(nv + 1, sizeof(*pt->off));
	pt->adj = fg_mallocarray(m + 1, sizeof(*pt->adj));
	pt->wt = fg_mallocarray(nv + 1, sizeof(*pt->wt));
	if (!pt->vid || !pt->off || !pt->adj || !pt->wt || nv + 1 > INT_MAX || m > INT_MAX) {
		fg_risk_dist_part_free(pt);
		return fg_error_set(FG_ENOMEM, "rank %d: no room for its part of the risk walk (%llu "
		                    "vertices, %llu arcs; at most 2^31 each)", S.rank,
		                    (unsigned long long)nv, (unsigned long long)m);
	}
	pt->na = rp->na;
	pt->k0 = k0;
	pt->k1 = k1;
	pt->n_users = rp->n_users;
	return FG_OK;
}

/* ---- the closure's parts from the ranks' own links ---- */

/*
 * A closure vertex to the rank whose run holds its position pos: its id x
 * and its weight as a neighbour (an arc travels as pos << 32 | target).
 */
typedef struct prec {
	uint32_t pos, x; /* positions and vertex ids are below 2^32 */
	double wt;
} prec;

static int cmp_prec(const void *a, const void *b)
{
	const prec *p = a, *q = b;

	return (p->pos > q->pos) - (p->pos < q->pos);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The seeds' labels as a set: open addressing in a power of two of slots at
 * least twice their count, UINT64_MAX empty (never a label: labels are user
 * ids).  parts_own asks it once per owned user, entity and relation; a
 * binary search there cost more than the rest of building the parts (its
 * branches mispredicted at every step), a lookup here mostly stops at its
 * first slot, in a table of a few KiB.
 */
typedef struct labset {
	uint64_t *slot, mask;
} labset;

/* *s = the set of lab[0 .. n) (duplicates allowed); free s->slot.  FG_OK or FG_ENOMEM. */
static int labset_init(labset *s, const uint64_t *lab, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	s->mask = cap - 1;
	if (!(s->slot = fg_mallocarray(cap, sizeof(*s->slot))))
		return fg_error_set(FG_ENOMEM, "out of memory for %zu labels", n);
	memset(s->slot, 0xff, cap * sizeof(*s->slot));
	for (size_t i = 0; i < n; i++) {
		uint64_t h = fg_hash_mix64(lab[i]) & s->mask;

		while (s->slot[h] != UINT64_MAX && s->slot[h] != lab[i])
			h = (h + 1) & s->mask;
		s->slot[h] = lab[i];
	}
	return FG_OK;
}

static bool labset_has(const labset *s, uint64_t x)
{
	uint64_t h = fg_hash_mix64(x) & s->mask;

	if (x == UINT64_MAX)
		return false;
	while (s->slot[h] != UINT64_MAX) {
		if (s->slot[h] == x)
			return true;
		h = (h + 1) & s->mask;
	}
	return false;
}

/* A part's digest: each vertex's id, weight bits, degree and row, in list order. */
static uint64_t part_digest(uint64_t h, uint32_t v, double wt, const uint32_t *row, uint64_t d)
{
	h = hash_bytes(h, (const char *)&v, 4);
	h = hash_bytes(h, (const char *)&wt, 8);
	h = hash_bytes(h, (const char *)&d, 8);
	return hash_bytes(h, (const char *)row, d * 4);
}

/* A vertex (to hv) or an arc pos -> x (to av) for the rank whose run holds pos. */
static int put_vertex(bytes *hv, const uint64_t *first, uint64_t pos, uint32_t x, double wt)
{
	prec r = { (uint32_t)pos, x, wt };

	return put(&hv[fg_cc_dist_owner(first, S.size, pos)], &r, sizeof(r));
}

static int put_arc(bytes *av, const uint64_t *first, uint64_t pos, uint32_t x)
{
	uint64_t a = pos << 32 | x;

	return put(&av[fg_cc_dist_owner(first, S.size, pos)], &a, 8);
}

/* The phase's progress line on rank 0, over every rank's links.  Collective. */
static void closure_report(const char *phase, double t0, double c0)
{
	uint64_t nl = S.n_links, nl_all = 0;

	MPI_Allreduce(&nl, &nl_all, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	phase_report(phase, t0, c0, nl_all);
}

/*
 * This rank's view of the seeds' closure (closure_find), what parts_own
 * needs to build the parts.  Invariants after closure_find: upos[i] is the
 * position of owned user base + i (UINT64_MAX off the closure), uposk[k]
 * that of the k-th user this rank refers to wherever a closure link of this
 * rank names it, eact[j] says owned entity j is in the closure and epos[j]
 * is then its position; rarc[0 .. n_rarc) are the arcs of this rank's
 * closure relations (pos << 32 | target, both directions, self-loops left
 * out), sorted and distinct.  Every field starts NULL/zero; cpos_free frees.
 */
typedef struct cpos {
	labset ls;
	uint64_t *upos, *uposk, *epos, *rarc;
	uint8_t *eact;
	size_t n_rarc;
	uint64_t nu_act, ne_act;
} cpos;

static void cpos_free(cpos *cp)
{
	fg_free(cp->ls.slot);
	fg_free(cp->upos);
	fg_free(cp->uposk);
	fg_free(cp->epos);
	fg_free(cp->rarc);
	fg_free(cp->eact);
	memset(cp, 0, sizeof(*cp));
}

/* An entity's weight as fg_graph_build gives it: kind weight / log2(1 + share). */
static double entity_weight(size_t l, size_t end)
{
	char kind[FG_KIND_NAME_MAX + 1];

	snprintf(kind, sizeof(kind), "%.*s", (int)S.links[l].kl, S.links[l].k);
	return fg_entity_weight(fg_config_kind_weight(S.cfg, kind), end - l);
}

/*
 * Every rank: the seeds' closure from its own links, without the graph.
 * The closure is the seeds' components (S.cc's labels), its users
 * ascending, then its entities ascending (the non-hub entities of those
 * users, by their canonical ids S.ent_id), as fg_risk_active lists them; a
 * user's position from its range's owner (MPI_Exscan of the active users
 * per range), an entity's from the owner of its id's range.  Then each
 * position's arcs (its CSR degree) are counted where they are known, into
 * the blocks of FG_PAR_BLOCK positions: an entity's (its non-hub share) and
 * one for each of its users' arcs to it, by the entity's owner; a user's
 * arcs to other users by the owner of the relations (the owner of the
 * smaller user id holds every relation of a pair, so one arc per pair there
 * is build_csr's one).  The block counts are integers summed by
 * MPI_Allreduce (any order is exact), and every rank cuts the same split
 * (fg_risk_dist_split_blocks).  *na, first (size + 1) and arcs (size) on
 * every rank.  Collective; the outcome agreed.
 */
static int closure_find(cpos *cp, uint64_t *na, uint64_t *first, uint64_t *arcs,
                        const uint32_t *sd, uint32_t ns)
{
	const ccpass *c = S.cc;
	int n = S.size, rc = FG_OK, *cnt = fg_calloc((size_t)n * 4, sizeof(int));
	int *disp = cnt ? cnt + n : NULL, *rcnt = cnt ? cnt + 2 * n : NULL;
	int *rdisp = cnt ? cnt + 3 * n : NULL;
	bytes *out = fg_calloc((size_t)n * 2, sizeof(bytes)), *resp = out ? out + n : NULL;
	uint64_t *lab = NULL, *pre = NULL, *blk = NULL, nb = 0;
	uint8_t *need = NULL;
	uint64_t n_lab = 0, cnt_u = 0, ub = 0, cnt_e = 0, eb = 0;
	uint64_t me_lo = S.ebase ? S.ebase[S.rank] : 0, me_n = S.ebase ? S.ebase[S.rank + 1] - me_lo : 0;
	char *rbuf = NULL, *abuf = NULL;
	size_t *cur = NULL;

	memset(cp, 0, sizeof(*cp));
	if (!cnt || !out || !c || !S.ebase || !c->elab)
		rc = fg_error_set(FG_ENOMEM, "out of memory for the closure");
	/* the seeds' labels, on every rank */
	for (uint32_t i = 0; !rc && i < ns; i++)
		if (sd[i] >= c->base && sd[i] < c->base + c->n_own)
			rc = put(&out[0], &c->lab[sd[i] - c->base], 8);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	{
		int mine = (int)out[0].len;
		size_t t = 0;

		MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, MPI_COMM_WORLD);
		for (int r = 0; r < n; r++) {
			disp[r] = (int)t;
			t += (size_t)cnt[r];
		}
		rc = (lab = fg_malloc(t + 8)) ? FG_OK : fg_error_set(FG_ENOMEM, "out of memory");
		if ((rc = agree(rc)) != FG_OK)
			goto cleanup;
		MPI_Allgatherv(out[0].p ? out[0].p : "", mine, MPI_BYTE, lab, cnt, disp, MPI_BYTE,
		               MPI_COMM_WORLD);
		out[0].len = 0;
		n_lab = t / 8;
		if ((rc = agree(labset_init(&cp->ls, lab, n_lab))) != FG_OK)
			goto cleanup;
	}
	/* the active users: positions 0 .. nu_act - 1 in user order */
	if ((rc = agree((cp->upos = fg_mallocarray(c->n_own + 1, 8)) ? FG_OK
	                : fg_error_set(FG_ENOMEM, "out of memory"))) != FG_OK)
		goto cleanup;
	for (uint64_t i = 0; i < c->n_own; i++)
		cp->upos[i] = labset_has(&cp->ls, c->lab[i]) ? cnt_u++ : UINT64_MAX;
	MPI_Exscan(&cnt_u, &ub, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	if (S.rank == 0)
		ub = 0;
	MPI_Allreduce(&cnt_u, &cp->nu_act, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	for (uint64_t i = 0; i < c->n_own; i++)
		cp->upos[i] += cp->upos[i] == UINT64_MAX ? 0 : ub;
	/* the active entities: their ids to the owners of the ids' ranges, positions back */
	cp->eact = fg_calloc(S.n_ent + 1, 1);
	need = fg_calloc(c->n_uq + 1, 1);
	cp->epos = fg_mallocarray(S.n_ent + 1, 8);
	cur = fg_calloc((size_t)n, sizeof(*cur));
	pre = fg_mallocarray(me_n + 1, 8);
	rc = cp->eact && need && cp->epos && cur && pre ? FG_OK
	                                                : fg_error_set(FG_ENOMEM, "out of memory");
	for (size_t j = 0; j < S.n_ent && !rc; j++) {
		size_t l = S.ent_link[j], end;

		if (!labset_has(&cp->ls, c->elab[j])) /* not active, or a hub (UINT64_MAX) */
			continue;
		cp->eact[j] = 1;
		for (end = entity_end(l); l < end; l++)
			need[c->uq_of[2 * l]] = 1;
		rc = put(&out[fg_cc_dist_owner(S.ebase, n, S.ent_id[j])], &S.ent_id[j], 8);
	}
	for (size_t i = 0, r = 0; i < S.n_links; i++)
		if (S.links[i].rel && !S.links[i].ph && labset_has(&cp->ls, c->rlab[r++]))
			need[c->uq_of[2 * i]] = need[c->uq_of[2 * i + 1]] = 1;
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(out, &rbuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	memset(pre, 0, (me_n + 1) * 8);
	for (size_t off = 0; off < (size_t)rdisp[n - 1] + (size_t)rcnt[n - 1]; off += 8) {
		uint64_t id;

		memcpy(&id, rbuf + off, 8);
		pre[id - me_lo] = 1;
	}
	for (uint64_t i = 0; i < me_n; i++) { /* pre[i]: the active ids of the range before i */
		uint64_t a = pre[i];

		pre[i] = cnt_e;
		cnt_e += a;
	}
	MPI_Exscan(&cnt_e, &eb, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	if (S.rank == 0)
		eb = 0;
	MPI_Allreduce(&cnt_e, &cp->ne_act, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	for (int r = 0; r < n && !rc; r++)
		for (size_t off = (size_t)rdisp[r]; off < (size_t)rdisp[r] + (size_t)rcnt[r] && !rc;
		     off += 8) {
			uint64_t id, pos;

			memcpy(&id, rbuf + off, 8);
			pos = cp->nu_act + eb + pre[id - me_lo];
			rc = put(&resp[r], &pos, 8);
		}
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(resp, &abuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	for (size_t j = 0; j < S.n_ent; j++) {
		int r;

		if (!cp->eact[j])
			continue;
		r = fg_cc_dist_owner(S.ebase, n, S.ent_id[j]);
		memcpy(&cp->epos[j], abuf + rdisp[r] + 8 * cur[r]++, 8);
	}
	if ((rc = ask_users(&cp->uposk, c, cp->upos, need)) != FG_OK) /* the closure's users' positions */
		goto cleanup;
	*na = cp->nu_act + cp->ne_act;
	/* the relations' arcs, one per (position, target) */
	{
		size_t m = 0, w = 0;

		for (size_t i = 0, r = 0; i < S.n_links; i++)
			if (S.links[i].rel && !S.links[i].ph && labset_has(&cp->ls, c->rlab[r++]) &&
			    c->gid[c->uq_of[2 * i]] != c->gid[c->uq_of[2 * i + 1]])
				m += 2;
		if ((cp->rarc = fg_mallocarray(m + 1, 8)) == NULL)
			rc = fg_error_set(FG_ENOMEM, "out of memory for %zu relation arcs", m);
		for (size_t i = 0, r = 0; i < S.n_links && !rc; i++) {
			uint32_t ka = c->uq_of[2 * i], kb = c->uq_of[2 * i + 1];

			if (!S.links[i].rel || S.links[i].ph || !labset_has(&cp->ls, c->rlab[r++]) ||
			    c->gid[ka] == c->gid[kb])
				continue;
			cp->rarc[w++] = cp->uposk[ka] << 32 | (uint32_t)c->gid[kb];
			cp->rarc[w++] = cp->uposk[kb] << 32 | (uint32_t)c->gid[ka];
		}
		if (!rc) {
			qsort(cp->rarc, w, 8, cmp_u64);
			m = w;
			w = 0;
			for (size_t i = 0; i < m; i++)
				if (!w || cp->rarc[w - 1] != cp->rarc[i])
					cp->rarc[w++] = cp->rarc[i];
			cp->n_rarc = w;
		}
	}
	/* each position's arcs into its block, summed over the ranks */
	nb = (*na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;
	if (!rc && (nb > INT_MAX || !(blk = fg_calloc((size_t)nb + 1, sizeof(*blk)))))
		rc = fg_error_set(FG_ENOMEM, "out of memory for the arcs of %llu closure blocks",
		                  (unsigned long long)nb);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	for (size_t j = 0; j < S.n_ent; j++) {
		size_t l = S.ent_link[j], end;

		if (!cp->eact[j])
			continue;
		end = entity_end(l);
		blk[cp->epos[j] / FG_PAR_BLOCK] += end - l;
		for (; l < end; l++)
			blk[cp->uposk[c->uq_of[2 * l]] / FG_PAR_BLOCK]++;
	}
	for (size_t i = 0; i < cp->n_rarc; i++)
		blk[(cp->rarc[i] >> 32) / FG_PAR_BLOCK]++;
	if (fg_fault_fails("mpi-closure-arc") && S.rank == n - 1 && nb) /* tests: a wrong count */
		blk[0]++;
	MPI_Allreduce(MPI_IN_PLACE, blk, (int)nb, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	S.phase_bytes += nb * 8;
	fg_risk_dist_split_blocks(first, arcs, blk, *na, n);
cleanup:
	if (rc)
		cpos_free(cp);
	bytes_free(out, 2 * (size_t)n);
	fg_free(cnt);
	fg_free(lab);
	fg_free(need);
	fg_free(pre);
	fg_free(blk);
	fg_free(rbuf);
	fg_free(abuf);
	fg_free(cur);
	return rc;
}

/*
 * Every rank: its part of the seeds' closure (fg_risk_part, positions
 * first[rank] .. first[rank + 1] of the closure closure_find found, *cp),
 * from its own links.  Each vertex and arc goes to the rank of its source's
 * position: a user by its range's owner, an entity and both arcs of each of
 * its links by its owner, the relations' arcs by their owner; the receiver
 * sorts them into rows in ascending target order, one arc per user pair
 * (build_csr's rows).  An entity's weight is fg_graph_build's (kind weight /
 * log2(1 + share)).  A part whose arcs are not arcs[rank] (closure_find's
 * count) is an internal error.  Collective; the outcome agreed.
 */
static int parts_own(fg_risk_part *pt, const risk_params *rp, const uint64_t *first,
                     const uint64_t *arcs, const cpos *cp)
{
	const ccpass *c = S.cc;
	int n = S.size, rc = FG_OK, *cnt = fg_calloc((size_t)n * 2, sizeof(int));
	int *rcnt = cnt, *rdisp = cnt ? cnt + n : NULL;
	bytes *out = fg_calloc((size_t)n, sizeof(bytes)), *av = fg_calloc((size_t)n, sizeof(bytes));
	uint64_t *arc = NULL, m = 0;
	char *hbuf = NULL, *rbuf = NULL;
	prec *pr = NULL;
	size_t n_pr = 0;

	memset(pt, 0, sizeof(*pt));
	if (!cnt || !out || !av)
		rc = fg_error_set(FG_ENOMEM, "out of memory for the closure's parts");
	/* the vertices and arcs to the ranks of their positions */
	for (uint64_t i = 0; i < c->n_own && !rc; i++)
		if (cp->upos[i] != UINT64_MAX)
			rc = put_vertex(out, first, cp->upos[i], (uint32_t)(c->base + i),
			                S.cfg->relation_weight);
	for (size_t j = 0; j < S.n_ent && !rc; j++) {
		size_t l = S.ent_link[j], end;
		uint32_t vx = rp->n_users + (uint32_t)S.ent_id[j];

		if (!cp->eact[j])
			continue;
		end = entity_end(l);
		rc = put_vertex(out, first, cp->epos[j], vx, entity_weight(l, end));
		for (size_t i = l; i < end && !rc; i++) {
			uint32_t k = c->uq_of[2 * i];

			if (!(rc = put_arc(av, first, cp->epos[j], (uint32_t)c->gid[k])))
				rc = put_arc(av, first, cp->uposk[k], vx);
		}
	}
	for (size_t i = 0; i < cp->n_rarc && !rc; i++)
		rc = put(&av[fg_cc_dist_owner(first, n, cp->rarc[i] >> 32)], &cp->rarc[i], 8);
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(out, &hbuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	pr = (prec *)(void *)hbuf; /* fg_malloc'd: aligned */
	n_pr = ((size_t)rdisp[n - 1] + (size_t)rcnt[n - 1]) / sizeof(prec);
	qsort(pr, n_pr, sizeof(*pr), cmp_prec);
	if ((rc = a2a(av, &rbuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	/* the rows: sorted, one arc per user pair (several relation kinds) */
	arc = (uint64_t *)(void *)rbuf;
	rbuf = NULL;
	m = ((size_t)rdisp[n - 1] + (size_t)rcnt[n - 1]) / 8;
	qsort(arc, m, 8, cmp_u64);
	{
		size_t w = 0;

		for (size_t i = 0; i < m; i++)
			if (!w || arc[w - 1] != arc[i])
				arc[w++] = arc[i];
		m = w;
	}
	if ((rc = agree(part_alloc(pt, rp, first[S.rank], first[S.rank + 1], m))) != FG_OK)
		goto cleanup;
	{
		uint64_t nv = pt->k1 - pt->k0, a = 0;

		if (n_pr != nv)
			rc = fg_error_set(FG_ERROR, "mpi parts: rank %d got %zu vertices for its %llu "
			                  "closure positions", S.rank, n_pr, (unsigned long long)nv);
		else if (m != arcs[S.rank])
			rc = fg_error_set(FG_ERROR, "mpi parts: rank %d got %llu arcs for its closure "
			                  "positions, the ranks counted %llu", S.rank,
			                  (unsigned long long)m, (unsigned long long)arcs[S.rank]);
		for (uint64_t v = 0; v < nv && !rc; v++) {
			if (pr[v].pos != pt->k0 + v) {
				rc = fg_error_set(FG_ERROR, "mpi parts: rank %d got closure position %llu "
				                  "where %llu was due", S.rank, (unsigned long long)pr[v].pos,
				                  (unsigned long long)(pt->k0 + v));
				break;
			}
			pt->vid[v] = (uint32_t)pr[v].x;
			pt->wt[v] = pr[v].wt;
			pt->off[v] = a;
			for (; a < m && arc[a] >> 32 == pt->k0 + v; a++)
				pt->adj[a] = (uint32_t)arc[a];
		}
		pt->off[nv] = a;
		if (fg_fault_fails("mpi-part-arc") && m) /* tests: a part with a wrong arc */
			pt->adj[0] ^= 1;
		if (!rc && a != m)
			rc = fg_error_set(FG_ERROR, "mpi parts: rank %d got arcs of closure positions it "
			                  "does not hold", S.rank);
	}
	rc = agree(rc);
cleanup:
	if (rc)
		fg_risk_dist_part_free(pt);
	bytes_free(out, (size_t)n);
	bytes_free(av, (size_t)n);
	fg_free(cnt);
	fg_free(arc);
	fg_free(hbuf);
	fg_free(rbuf);
	return rc;
}

/*
 * Rank 0: every rank's part (their digests, rank order) is the one rank 0
 * cuts from g (fg_risk_dist_part's content).  Returns FG_OK or FG_ERROR.
 */
static int check_parts(const fg_graph *g, const uint32_t *act, const uint64_t *first,
                       const uint64_t *dig, int n)
{
	for (int r = 0; r < n; r++) {
		uint64_t h = FNV_OFFSET;

		for (uint64_t k = first[r]; k < first[r + 1]; k++) {
			uint32_t v = act[k];
			double wt = v < g->n_users ? g->relation_weight
			                           : fg_graph_ent_weight(g, v - g->n_users);

			h = part_digest(h, v, wt, g->g.adj + g->g.off[v], g->g.off[v + 1] - g->g.off[v]);
		}
		if (h != dig[r])
			return fg_error_set(FG_ERROR, "mpi parts: rank %d's part of the closure (positions "
			                    "%llu .. %llu) is not the one rank 0 cuts from its graph", r,
			                    (unsigned long long)first[r],
			                    (unsigned long long)first[r + 1]);
	}
	return FG_OK;
}

#define CLOSURE_DIFFERS "mpi closure: the ranks' closure is not the one rank 0 finds in its graph: "

/*
 * Rank 0: the closure's size na and split (first, arcs: closure_find's, the
 * ranks') are the ones rank 0 finds in g: fg_risk_active's list (into
 * *act, for check_parts) and fg_risk_dist_split's cut of it.  Returns FG_OK, or FG_ERROR naming the
 * first difference, or FG_ENOMEM.  O(g's vertices).
 */
static int check_closure(uint32_t **act, const fg_graph *g, const uint32_t *seeds, uint32_t ns,
                         uint64_t na, const uint64_t *first, const uint64_t *arcs, int n)
{
	uint64_t na0 = 0, *first0 = fg_mallocarray(2 * (size_t)n + 1, sizeof(*first0));
	uint64_t *arcs0 = first0 ? first0 + n + 1 : NULL;
	int rc = FG_OK;

	*act = fg_mallocarray((size_t)g->g.n + 1, sizeof(**act));
	if (!*act || !first0 || fg_risk_active(*act, &na0, g, seeds, ns) != FG_OK)
		rc = fg_error_set(FG_ENOMEM, "risk: out of memory for the active list of %llu "
		                  "vertices", (unsigned long long)g->g.n);
	else if (na0 != na)
		rc = fg_error_set(FG_ERROR, CLOSURE_DIFFERS "the ranks found %llu vertices, rank 0 %llu",
		                  (unsigned long long)na, (unsigned long long)na0);
	else
		rc = fg_risk_dist_split(first0, arcs0, g, *act, na0, n);
	for (int r = 0; r < n && !rc; r++)
		if (first[r] != first0[r])
			rc = fg_error_set(FG_ERROR, CLOSURE_DIFFERS "rank %d's run starts at position %llu "
			                  "by the ranks' arc counts, at %llu by rank 0's", r,
			                  (unsigned long long)first[r], (unsigned long long)first0[r]);
		else if (arcs[r] != arcs0[r])
			rc = fg_error_set(FG_ERROR, CLOSURE_DIFFERS "rank %d's run (positions %llu .. %llu) "
			                  "has %llu arcs by the ranks' count, %llu by rank 0's", r,
			                  (unsigned long long)first[r], (unsigned long long)first[r + 1],
			                  (unsigned long long)arcs[r], (unsigned long long)arcs0[r]);
	fg_free(first0);
	return rc;
}

/*
 * Every rank: the seeds' closure and its split from the ranks' own links
 * (closure_find), checked on rank 0 against its graph (check_closure: a
 * mismatch fails the run), then every rank's part, built from its own
 * links (parts_own) and checked on rank 0 against the cut of its graph
 * (check_parts).  rp->na, first (size + 1) and arcs (size) on every rank.
 * Rank 0's graph serves the checks only: its active list is freed here.
 * Collective; the outcome agreed.
 */
static int risk_parts(fg_risk_part *pt, risk_params *rp, uint64_t *first, uint64_t *arcs,
                      const fg_graph *g, const uint32_t *seeds)
{
	int n = S.size, rc = FG_OK;
	uint32_t *act = NULL;
	uint64_t sent0 = S.sent_others, bytes0 = S.phase_bytes, tot = 0;
	double t0 = fg_clock(), c0 = fg_cpu_clock(), tc = 0;
	cpos cp;

	memset(&cp, 0, sizeof(cp));
	for (uint32_t i = 0; S.rank == 0 && i < rp->ns && !rc; i++)
		if (seeds[i] >= g->n_users)
			rc = fg_error_set(FG_EUSAGE, "risk: seed %u is not a user (%u users)",
			                  (unsigned)seeds[i], (unsigned)g->n_users);
	if ((rc = agree(rc)) != FG_OK)
		return rc;
	/* the closure's own line counts its bytes; the phase's line, all of them */
	S.phase_bytes = 0;
	if ((rc = closure_find(&cp, &rp->na, first, arcs, seeds, rp->ns)) != FG_OK)
		goto cleanup;
	if (S.rank == 0) {
		tc = fg_clock();
		rc = check_closure(&act, g, seeds, rp->ns, rp->na, first, arcs, n);
		tc = fg_clock() - tc;
	}
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	for (int r = 0; r < n; r++)
		tot += arcs[r];
	if (S.rank == 0)
		fg_log_info("mpi closure: %llu vertices (%llu users, %llu entities) in %llu blocks, "
		            "%llu arcs, found and split over %d ranks from their own links; the same "
		            "as rank 0's graph (checked in %.3f s on rank 0)",
		            (unsigned long long)rp->na, (unsigned long long)cp.nu_act,
		            (unsigned long long)cp.ne_act,
		            (unsigned long long)((rp->na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK),
		            (unsigned long long)tot, n, tc);
	bytes0 += S.phase_bytes;
	closure_report("closure", t0, c0);
	rc = parts_own(pt, rp, first, arcs, &cp);
	cpos_free(&cp);
	if (rc != FG_OK)
		goto cleanup;
	/* checked against rank 0's cut, which no longer travels */
	{
		uint64_t h = FNV_OFFSET, *dig = NULL;

		for (uint64_t i = 0; i < pt->k1 - pt->k0; i++)
			h = part_digest(h, pt->vid[i], pt->wt[i], pt->adj + pt->off[i],
			                pt->off[i + 1] - pt->off[i]);
		if (S.rank == 0 && !(dig = fg_mallocarray((size_t)n, sizeof(*dig))))
			rc = fg_error_set(FG_ENOMEM, "out of memory");
		if ((rc = agree(rc)) != FG_OK)
			goto cleanup;
		MPI_Gather(&h, 1, MPI_UINT64_T, dig, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
		if (S.rank == 0 && !(rc = check_parts(g, act, first, dig, n))) {
			uint64_t cut = 0; /* what rank 0's cut sent (part_move) */

			for (int r = 1; r < n; r++)
				cut += (first[r + 1] - first[r]) * 16 + 8 + arcs[r] * 4;
			fg_log_info("mpi parts: %llu closure vertices, each rank's part built from its own "
			            "links and checked against rank 0's cut; rank 0 sent %llu bytes to the "
			            "other ranks for them (its cut would have sent %llu)",
			            (unsigned long long)rp->na,
			            (unsigned long long)(S.sent_others - sent0),
			            (unsigned long long)cut);
		}
		fg_free(dig);
	}
	rc = agree(rc);
cleanup:
	cpos_free(&cp);
	fg_free(act);
	S.phase_bytes += bytes0;
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Every rank: the run's seeds from the ranks' own user rows, without the
 * graph: the users whose rows' best label is fraud (fraud > legit >
 * unknown, the link set's rule), less those held out (fg_run_held_out:
 * --holdout), as graph user ids ascending (the order fg_run gives the
 * kernels).  All of a user's rows are at its owner (routing), which knows
 * the user's id from the components pass (S.cc).  *out (fg_malloc'd, *ns
 * entries) and *held (the fraud users held out) on every rank.
 * Collective; the outcome agreed.
 */
static int seeds_find(uint32_t **out, uint32_t *ns, uint64_t *held)
{
	const ccpass *c = S.cc;
	int n = S.size, rc = FG_OK, *cnt = fg_calloc(2 * (size_t)n, sizeof(int));
	int *disp = cnt ? cnt + n : NULL, m = 0;
	uint32_t *mine = fg_mallocarray(S.n_users + 1, sizeof(*mine));
	uint64_t h = 0, total = 0;

	*out = NULL;
	*ns = 0;
	if (!cnt || !mine || !c)
		rc = fg_error_set(FG_ENOMEM, "out of memory for the seeds of %zu user rows", S.n_users);
	for (size_t i = 0, j; i < S.n_users && !rc; i = j) {
		uint8_t best = S.users[i].label;

		/* rows of one user are adjacent (sorted); rows with attributes are not merged */
		for (j = i + 1; j < S.n_users && cmp_user(&S.users[i], &S.users[j]) == 0; j++)
			if (label_rank(S.users[j].label) > label_rank(best))
				best = S.users[j].label;
		if (best != FG_LABEL_FRAUD)
			continue;
		if (fg_run_held_out(S.cfg, S.users[i].u, S.users[i].ul))
			h++;
		else
			mine[m++] = (uint32_t)c->gid[c->uq_of[2 * S.n_links + i]];
	}
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Allgather(&m, 1, MPI_INT, cnt, 1, MPI_INT, MPI_COMM_WORLD);
	for (int r = 0; r < n; r++) {
		disp[r] = (int)total;
		total += (uint64_t)cnt[r];
	}
	if (total >= INT_MAX || !(*out = fg_mallocarray(total + 1, sizeof(**out))))
		rc = fg_error_set(FG_ENOMEM, "out of memory for %llu seeds", (unsigned long long)total);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Allgatherv(mine, m, MPI_UINT32_T, *out, cnt, disp, MPI_UINT32_T, MPI_COMM_WORLD);
	S.phase_bytes += (uint64_t)m * 4 * (uint64_t)(n - 1);
	qsort(*out, total, sizeof(**out), cmp_u32);
	if (fg_fault_fails("mpi-seed") && total) /* tests: the ranks miss their last seed */
		total--;
	*ns = (uint32_t)total;
	MPI_Allreduce(&h, held, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
cleanup:
	if (rc) {
		fg_free(*out);
		*out = NULL;
	}
	fg_free(cnt);
	fg_free(mine);
	return rc;
}

/*
 * Rank 0: the ranks' seeds sd[0 .. ns) are its own, seeds[0 .. ns0) (from
 * its graph's labels).  Returns FG_OK or FG_ERROR naming the first
 * difference.
 */
static int check_seeds(const uint32_t *sd, uint32_t ns, const uint32_t *seeds, uint32_t ns0)
{
	if (ns != ns0)
		return fg_error_set(FG_ERROR, "mpi seeds: the ranks' seeds are not rank 0's: the ranks "
		                    "found %u, rank 0 %u", (unsigned)ns, (unsigned)ns0);
	for (uint32_t i = 0; i < ns; i++)
		if (sd[i] != seeds[i])
			return fg_error_set(FG_ERROR, "mpi seeds: the ranks' seeds are not rank 0's: the "
			                    "ranks' seed %u is user %u, rank 0's user %u", (unsigned)i,
			                    (unsigned)sd[i], (unsigned)seeds[i]);
	return FG_OK;
}

/*
 * What the risk walk and the evidence BFS share: rank 0's parameters on
 * every rank, the ranks' seeds (seeds_find), the parts of the seeds'
 * closure (risk_parts), and the counts and displacements of gathering one
 * value per active vertex in rank order (cnt, disp).  Every field starts
 * NULL/zero; closure_close frees what is held.
 */
typedef struct closure {
	risk_params p;       /* rank 0's, on every rank (ns: the ranks' count) */
	const uint32_t *sd;  /* the seeds: sd_copy, this rank's own */
	uint32_t *sd_copy;
	uint64_t *first, *arcs;
	uint32_t *vid;       /* rank 0: the closure's vertex ids in list order (the parts') */
	int *cnt, *disp;
	fg_risk_part pt;
	double *risk, *W;    /* after the walk: its values and link weights of the part's vertices */
} closure;

static void closure_close(closure *c)
{
	fg_risk_dist_part_free(&c->pt);
	fg_free(c->sd_copy);
	fg_free(c->first);
	fg_free(c->arcs);
	fg_free(c->vid);
	fg_free(c->cnt);
	fg_free(c->risk);
	fg_free(c->W);
	memset(c, 0, sizeof(*c));
}

/* Collective; the outcome agreed.  Rank 0 passes g, seeds and rp; the others NULLs. */
static int closure_open(closure *c, const fg_graph *g, const uint32_t *seeds, const risk_params *rp)
{
	int n = S.size, rc;

	uint64_t held = 0;

	memset(c, 0, sizeof(*c));
	if (S.rank == 0)
		c->p = *rp;
	MPI_Bcast(&c->p, (int)sizeof(c->p), MPI_BYTE, 0, MPI_COMM_WORLD);
	c->first = fg_mallocarray((size_t)n + 1, sizeof(*c->first));
	c->arcs = fg_mallocarray((size_t)n, sizeof(*c->arcs));
	c->cnt = fg_calloc(2 * (size_t)n, sizeof(int));
	if ((rc = agree(c->first && c->arcs && c->cnt ? FG_OK
	                                              : fg_error_set(FG_ENOMEM, "out of memory"))) !=
	    FG_OK)
		return rc;
	c->disp = c->cnt + n;
	/* the ranks' own seeds, rank 0's (from its graph) the check */
	if ((rc = seeds_find(&c->sd_copy, &c->p.ns, &held)) != FG_OK)
		return rc;
	c->sd = c->sd_copy;
	if (S.rank == 0 && !(rc = check_seeds(c->sd, c->p.ns, seeds, rp->ns)))
		fg_log_info("mpi seeds: %u seeds (%llu fraud users held out) found by the ranks from "
		            "their own user rows; the same as rank 0's", (unsigned)c->p.ns,
		            (unsigned long long)held);
	if ((rc = agree(rc)) != FG_OK)
		return rc;
	if ((rc = risk_parts(&c->pt, &c->p, c->first, c->arcs, g, c->sd)) != FG_OK)
		return rc;
	/* the ranks' runs of the list ascend: gathered in rank order, value k is position k's */
	for (int r = 0; r < n; r++) {
		c->cnt[r] = (int)(c->first[r + 1] - c->first[r]);
		c->disp[r] = (int)c->first[r];
	}
	/* the parts' vertex ids: rank 0 scatters what the kernels gather by them, not by its list */
	if (S.rank == 0 && !(c->vid = fg_mallocarray(c->p.na + 1, sizeof(*c->vid))))
		rc = fg_error_set(FG_ENOMEM, "out of memory for %llu closure vertex ids",
		                  (unsigned long long)c->p.na);
	if ((rc = agree(rc)) != FG_OK)
		return rc;
	MPI_Gatherv(c->pt.vid, c->cnt[S.rank], MPI_UINT32_T, c->vid, c->cnt, c->disp, MPI_UINT32_T,
	            0, MPI_COMM_WORLD);
	S.phase_bytes += S.rank ? (uint64_t)c->cnt[S.rank] * sizeof(uint32_t) : 0;
	return FG_OK;
}

/*
 * The closure of the last risk walk, kept for the evidence BFS (the run's
 * next phase, over the same seeds): building and checking the parts costs
 * more than either kernel.  Invariant: kept_open implies kept holds a
 * closure whose seeds are its own copy on every rank.
 */
static closure kept;
static bool kept_open;

static void kept_drop(void)
{
	closure_close(&kept);
	kept_open = false;
}

/* Keep *c (taken: *c zeroed) for the next phase (its seeds are its own: seeds_find's). */
static void keep_closure(closure *c)
{
	kept_drop();
	kept = *c;
	kept_open = true;
	memset(c, 0, sizeof(*c));
}

/*
 * The kept closure into *c when rank 0 finds it is of these seeds (the
 * decision broadcast), else a new one (closure_open).  Collective.
 */
static int closure_reuse(closure *c, const fg_graph *g, const uint32_t *seeds, const risk_params *rp)
{
	int reuse = 0;

	if (S.rank == 0)
		reuse = kept_open && kept.p.ns == rp->ns && kept.p.n_users == rp->n_users &&
		        (!rp->ns || !memcmp(kept.sd, seeds, (size_t)rp->ns * sizeof(*seeds)));
	MPI_Bcast(&reuse, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (!reuse) {
		kept_drop();
		return closure_open(c, g, seeds, rp);
	}
	assert(kept_open); /* every rank keeps the closure of each walk that succeeds */
	*c = kept;
	memset(&kept, 0, sizeof(kept));
	kept_open = false;
	if (S.rank == 0)
		fg_log_info("mpi parts: the risk walk's parts reused (the same %u seeds)",
		            (unsigned)c->p.ns);
	return FG_OK;
}

/*
 * Every rank: fg_risk_dist over the parts of the seeds' closure (closure_open), the
 * values gathered into risk (rank 0: g->g.n entries; 0 off the active list).
 * Rank 0 passes g, seeds and the parameters in *rp; the others NULLs.
 * Collective.
 */
static int risk_all(double *risk, const fg_graph *g, const uint32_t *seeds, const risk_params *rp,
                    fg_risk_dist_stats *st)
{
	double t0 = fg_clock(), c0 = fg_cpu_clock(), *mine = NULL, *all = NULL;
	closure c;
	int rc;

	kept_drop();
	if ((rc = closure_open(&c, g, seeds, rp)) != FG_OK)
		goto cleanup;
	mine = fg_mallocarray(c.pt.k1 - c.pt.k0 + 1, sizeof(*mine));
	c.W = fg_calloc(c.pt.k1 - c.pt.k0 + 1, sizeof(*c.W));
	if (S.rank == 0)
		all = fg_mallocarray(c.p.na + 1, sizeof(*all));
	if ((rc = agree(mine && c.W && (S.rank || all) ? FG_OK
	                                        : fg_error_set(FG_ENOMEM, "out of memory"))) != FG_OK)
		goto cleanup;
	/* the values and weights kept with the closure: the ranks' scores read them (scores_all) */
	if ((rc = agree(fg_risk_dist_w(mine, c.W, &c.pt, c.sd, c.p.ns, c.p.damping, c.p.tol,
	                               c.p.max_iter, MPI_COMM_WORLD, st))) != FG_OK)
		goto cleanup;
	S.phase_bytes += st->bytes_sent;
	MPI_Gatherv(mine, c.cnt[S.rank], MPI_DOUBLE, all, c.cnt, c.disp, MPI_DOUBLE, 0, MPI_COMM_WORLD);
	S.phase_bytes += S.rank ? (uint64_t)c.cnt[S.rank] * sizeof(double) : 0;
	if (S.rank == 0) {
		memset(risk, 0, (size_t)g->g.n * sizeof(*risk));
		for (uint64_t k = 0; k < c.p.na; k++)
			risk[c.vid[k]] = all[k];
		fg_log_info("mpi risk: %llu active vertices in %llu blocks over %d ranks (%llu ghost "
		            "values on rank 0), %d iterations", (unsigned long long)c.p.na,
		            (unsigned long long)((c.p.na + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK), S.size,
		            (unsigned long long)st->ghosts, st->walk.iterations);
	}
	closure_report("risk", t0, c0);
	c.risk = mine;
	mine = NULL;
	keep_closure(&c); /* for the evidence BFS and the scores */
cleanup:
	closure_close(&c);
	fg_free(mine);
	fg_free(all);
	return rc;
}

int fg_mpi_risk(double *risk, const fg_graph *g, const uint32_t *seeds, uint32_t ns,
                double damping, double tol, int max_iter, fg_risk_stats *stats)
{
	risk_params rp = { damping, tol, max_iter, ns, g->n_users, 0 };
	fg_risk_dist_stats st;
	int rc;

	memset(&st, 0, sizeof(st));
	send_cmd(CMD_RISK, 0);
	rc = risk_all(risk, g, seeds, &rp, &st);
	*stats = st.walk;
	return rc;
}

/* ---- the evidence BFS ---- */

static int scores_all(const closure *c, const fg_graph *g0);

/*
 * Rank 0: the gathered hops and nearest seeds (list order: all[k] and all[na + k]
 * are vertex vid[k]'s) into dist, nearest (n each).
 */
static void evidence_scatter(uint32_t *dist, uint32_t *nearest, const uint32_t *all,
                             const uint32_t *vid, uint64_t na, uint64_t n)
{
	for (uint64_t v = 0; v < n; v++)
		dist[v] = nearest[v] = FG_BFS_UNREACHED;
	for (uint64_t k = 0; k < na; k++) {
		dist[vid[k]] = all[k];
		nearest[vid[k]] = all[na + k];
	}
}

/*
 * Every rank: fg_bfs_dist over the parts of the seeds' closure, as for the
 * risk walk (closure_open), the hops and nearest seeds
 * gathered into dist and nearest on rank 0 (g->g.n entries each).  Rank 0
 * passes g and the seeds (rp: their count and n_users); the others NULLs.
 * Collective.
 */
static int evidence_all(uint32_t *dist, uint32_t *nearest, const fg_graph *g,
                        const uint32_t *seeds, const risk_params *rp)
{
	double t0 = fg_clock(), c0 = fg_cpu_clock();
	uint32_t *got = NULL, *all = NULL;
	uint64_t mine;
	fg_bfs_dist_stats st;
	closure c;
	int rc;

	if ((rc = closure_reuse(&c, g, seeds, rp)) != FG_OK)
		goto cleanup;
	mine = c.pt.k1 - c.pt.k0;
	got = fg_mallocarray(2 * mine + 1, sizeof(*got));
	if (S.rank == 0)
		all = fg_mallocarray(2 * c.p.na + 1, sizeof(*all));
	if ((rc = agree(got && (S.rank || all) ? FG_OK
	                                       : fg_error_set(FG_ENOMEM, "out of memory"))) != FG_OK)
		goto cleanup;
	if ((rc = agree(fg_bfs_dist(got, got + mine, &c.pt, c.sd, c.p.ns, MPI_COMM_WORLD, &st))) !=
	    FG_OK)
		goto cleanup;
	S.phase_bytes += st.bytes_sent;
	/* all[k] and all[na + k] are vid[k]'s */
	MPI_Gatherv(got, (int)mine, MPI_UINT32_T, all, c.cnt, c.disp, MPI_UINT32_T, 0, MPI_COMM_WORLD);
	MPI_Gatherv(got + mine, (int)mine, MPI_UINT32_T, all ? all + c.p.na : NULL, c.cnt, c.disp,
	            MPI_UINT32_T, 0, MPI_COMM_WORLD);
	S.phase_bytes += S.rank ? 2 * mine * sizeof(uint32_t) : 0;
	if (S.rank == 0) {
		evidence_scatter(dist, nearest, all, c.vid, c.p.na, g->g.n);
		fg_log_info("mpi evidence: %llu vertices reached from %u seeds in %u levels over %d "
		            "ranks", (unsigned long long)st.reached, (unsigned)c.p.ns, st.levels, S.size);
	}
	closure_report("evidence", t0, c0);
	rc = scores_all(&c, g); /* the last phase that holds the walk's values and the seeds */
cleanup:
	rank_graph_drop();
	cc_drop(); /* the last phase that builds parts: the pass's arrays go before rank 0's peak */
	closure_close(&c);
	fg_free(got);
	fg_free(all);
	return rc;
}

int fg_mpi_evidence(uint32_t *dist, uint32_t *nearest, const fg_graph *g, const uint32_t *seeds,
                    uint32_t ns)
{
	risk_params rp = { 0.0, 0.0, 0, ns, g->n_users, 0 };

	send_cmd(CMD_EVIDENCE, 0);
	return evidence_all(dist, nearest, g, seeds, &rp);
}

/* ---- the ring finder on the ranks, per component (first step of the per-component stage) ---- */

/*
 * A link shipped to its component's rank: 'K' flags (u8: 1 relation) ugid
 * tgid (u64: the user's canonical id, the entity's canonical id or the
 * other user's) ul kl vl (u32) first last (i64: the owner's merged times,
 * FG_TIME_NONE if none) bytes: user, canonical kind, normalised value (the
 * other user's id for a relation), as the link set takes them.  The times
 * go to the link set as the gather gives them (a row seen at first, and one
 * at last if that differs: its merge takes the min and the max), so the
 * rank's graph holds one process's link times (activity_span_days).
 */
#define SHIP_HEAD 46

/*
 * A user row shipped to its user's component's rank, so that the rank's
 * graph has one process's labels and creation times (the link set's merge:
 * label priority, earliest time, commutative): 'U' label (u8) ugid (u64)
 * created (i64) ul (u32) bytes (the user id).  Attributes are not shipped
 * (no group score reads them).
 */
#define USHIP_HEAD 22

/*
 * The components of 2+ users (kept by budget_check at the owners of their
 * labels), allgathered: *out by label ascending.  Collective.
 */
static int packed_components(csize **out, size_t *n_out, const ccpass *c)
{
	int n = S.size, rc = FG_OK, *cnt = fg_calloc((size_t)n * 2, sizeof(int));
	int *disp = cnt ? cnt + n : NULL, mine;
	csize *all = NULL;
	size_t total = 0;

	*out = NULL;
	*n_out = 0;
	if (!cnt)
		rc = fg_error_set(FG_ENOMEM, "out of memory packing the components");
	else if (c->n_sizes * sizeof(csize) > (size_t)INT_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %zu components of 2+ users to share (at most "
		                  "%zu in this stage)", S.rank, c->n_sizes, (size_t)INT_MAX / sizeof(csize));
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	mine = (int)(c->n_sizes * sizeof(csize));
	MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, MPI_COMM_WORLD);
	for (int r = 0; r < n; r++) {
		disp[r] = (int)total;
		total += (size_t)cnt[r];
	}
	if (total > (size_t)INT_MAX || !(all = fg_malloc(total + 1)))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for %zu components", S.rank,
		                  total / sizeof(csize));
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	/* the owners' label ranges ascend with the ranks, each sorted: the whole is sorted */
	MPI_Allgatherv(c->sizes, mine, MPI_BYTE, all, cnt, disp, MPI_BYTE, MPI_COMM_WORLD);
	S.phase_bytes += total;
	*out = all;
	*n_out = total / sizeof(csize);
	all = NULL;
cleanup:
	fg_free(cnt);
	fg_free(all);
	return rc;
}

/* The index of label l in comp[0 .. n) (sorted), or n. */
static size_t find_label(const csize *comp, size_t n, uint64_t l)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (comp[mid].label < l)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && comp[lo].label == l ? lo : n;
}

static int ship_link(bytes *b, const rec *l, uint64_t ug, uint64_t tg)
{
	char tag = 'K';
	uint8_t fl = l->rel;
	int rc;

	if ((rc = put(b, &tag, 1)) || (rc = put(b, &fl, 1)) || (rc = put(b, &ug, 8)) ||
	    (rc = put(b, &tg, 8)) || (rc = put(b, &l->ul, 4)) || (rc = put(b, &l->kl, 4)) ||
	    (rc = put(b, &l->vl, 4)) || (rc = put(b, &l->first, 8)) || (rc = put(b, &l->last, 8)) ||
	    (rc = put(b, l->u, l->ul)) || (rc = put(b, l->k, l->kl)))
		return rc;
	return put(b, l->v, l->vl);
}

static int ship_user(bytes *b, const rec *r, uint64_t ug)
{
	char tag = 'U';
	uint8_t lab = r->label;
	int rc;

	if ((rc = put(b, &tag, 1)) || (rc = put(b, &lab, 1)) || (rc = put(b, &ug, 8)) ||
	    (rc = put(b, &r->first, 8)) || (rc = put(b, &r->ul, 4)))
		return rc;
	return put(b, r->u, r->ul);
}

/* The length of a shipped record at b ('K' or 'U'). */
static size_t ship_len(const char *b)
{
	uint32_t ul, kl, vl;

	if (b[0] == 'U') {
		memcpy(&ul, b + 18, 4);
		return USHIP_HEAD + (size_t)ul;
	}
	memcpy(&ul, b + 18, 4);
	memcpy(&kl, b + 22, 4);
	memcpy(&vl, b + 26, 4);
	return SHIP_HEAD + (size_t)ul + kl + vl;
}

/*
 * Every rank: each owned link of a component of 2+ users (user-entity rows
 * of non-hub entities, relations) and each owned user row of its users
 * (labels and times) to the rank its component is packed on (dest[i] for
 * comp[i]); *rbuf what this rank got (len bytes).  Collective.
 */
static int ship_components(char **rbuf, size_t *len, const ccpass *c, const csize *comp,
                           size_t nc, const int *dest)
{
	int n = S.size, rc = FG_OK, *rcnt = fg_calloc((size_t)n * 2, sizeof(int));
	int *rdisp = rcnt ? rcnt + n : NULL;
	bytes *out = fg_calloc((size_t)n, sizeof(bytes));
	uint64_t *lab = fg_mallocarray(nc + 1, sizeof(*lab));
	labset set = { NULL, 0 };

	*rbuf = NULL;
	*len = 0;
	if (!rcnt || !out || !lab)
		rc = fg_error_set(FG_ENOMEM, "out of memory shipping the components");
	/*
	 * Most entities are in no packed component (their user alone): the
	 * packed labels as a hash set first, then the binary search for those
	 * that are (a search per entity was most of the phase: 0.15 of 0.24 s
	 * CPU on the 500k world at -np 1, its branches unpredictable).
	 */
	for (size_t i = 0; !rc && i < nc; i++)
		lab[i] = comp[i].label;
	if (!rc)
		rc = labset_init(&set, lab, nc);
	/* relations: a scan of the flags; entities: by their first links, the end only if shipped */
	for (size_t i = 0, r = 0, k; !rc && i < S.n_links; i++)
		if (S.links[i].rel && !S.links[i].ph && labset_has(&set, c->rlab[r++]) &&
		    (k = find_label(comp, nc, c->rlab[r - 1])) < nc)
			rc = ship_link(&out[dest[k]], &S.links[i], c->gid[c->uq_of[2 * i]],
			               c->gid[c->uq_of[2 * i + 1]]);
	for (size_t e = 0, k; !rc && e < S.n_ent; e++) {
		size_t i = S.ent_link[e], j;

		if (c->hub[i] || !labset_has(&set, c->elab[e]) ||
		    (k = find_label(comp, nc, c->elab[e])) == nc)
			continue;
		j = entity_end(i);
		for (size_t x = i; x < j && !rc; x++)
			if (!S.links[x].ph)
				rc = ship_link(&out[dest[k]], &S.links[x], c->gid[c->uq_of[2 * x]], S.ent_id[e]);
	}
	for (size_t i = 0, k; !rc && i < S.n_users; i++)
		if (labset_has(&set, c->urlab[i]) && (k = find_label(comp, nc, c->urlab[i])) < nc)
			rc = ship_user(&out[dest[k]], &S.users[i], c->gid[c->uq_of[2 * S.n_links + i]]);
	if ((rc = agree(rc)) == FG_OK && (rc = a2a(out, rbuf, rcnt, rdisp)) == FG_OK)
		*len = (size_t)rdisp[n - 1] + (size_t)rcnt[n - 1];
	bytes_free(out, (size_t)n);
	fg_free(rcnt);
	fg_free(lab);
	fg_free(set.slot);
	return rc;
}

/* Sort a[0..n) and drop repeats; returns the count left. */
static size_t unique_u64(uint64_t *a, size_t n)
{
	size_t w = 0;

	qsort(a, n, sizeof(*a), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (!w || a[w - 1] != a[i])
			a[w++] = a[i];
	return w;
}

/*
 * One rank's graph of the components it got: the shipped rows through the
 * link set into fg_graph_build, as one process builds its graph, so local
 * ids are in the same byte order of the same strings as the canonical
 * ones: the local user u is the u-th smallest canonical id shipped here
 * (*ucan), entity e the e-th smallest (*ecan); checked by the counts.
 */
static int rank_graph(fg_graph **out, uint64_t **ucan, uint64_t **ecan, const char *b, size_t len)
{
	fg_linkset *ls = NULL;
	size_t nr = 0, nu = 0, ne = 0;
	uint64_t *ug = NULL, *eg = NULL;
	int rc;

	*out = NULL;
	*ucan = *ecan = NULL;
	for (size_t off = 0; off < len; off += ship_len(b + off))
		nr += b[off] == 'K';
	if (!(ug = fg_mallocarray(2 * nr + 1, sizeof(*ug))) ||
	    !(eg = fg_mallocarray(nr + 1, sizeof(*eg)))) {
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for %zu component links", S.rank, nr);
		goto cleanup;
	}
	if ((rc = fg_linkset_new(&ls, S.cfg)) != FG_OK)
		goto cleanup;
	for (size_t off = 0; off < len;) {
		fg_link_row row;
		uint64_t u, t;
		int64_t first, last;
		uint32_t ul, kl, vl;

		if (b[off] == 'U') {
			fg_user_row ur;
			uint8_t lab;

			memset(&ur, 0, sizeof(ur));
			lab = (uint8_t)b[off + 1];
			memcpy(&ur.created_at, b + off + 10, 8);
			memcpy(&ul, b + off + 18, 4);
			ur.label = (fg_label)lab;
			ur.user = (fg_str){ b + off + USHIP_HEAD, ul };
			ur.file = "mpi";
			if ((rc = fg_linkset_user_sink(ls, &ur)) != FG_OK)
				goto cleanup;
			off += ship_len(b + off);
			continue;
		}
		memset(&row, 0, sizeof(row));
		memcpy(&u, b + off + 2, 8);
		memcpy(&t, b + off + 10, 8);
		memcpy(&ul, b + off + 18, 4);
		memcpy(&kl, b + off + 22, 4);
		memcpy(&vl, b + off + 26, 4);
		memcpy(&first, b + off + 30, 8);
		memcpy(&last, b + off + 38, 8);
		row.user = (fg_str){ b + off + SHIP_HEAD, ul };
		row.kind = (fg_str){ b + off + SHIP_HEAD + ul, kl };
		row.value = (fg_str){ b + off + SHIP_HEAD + ul + kl, vl };
		row.seen_at = first;
		row.file = "mpi";
		ug[nu++] = u;
		if (b[off + 1] & 1)
			ug[nu++] = t;
		else
			eg[ne++] = t;
		if ((rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
			goto cleanup;
		row.seen_at = last;
		if (last != first && (rc = fg_linkset_link_sink(ls, &row)) != FG_OK)
			goto cleanup;
		off += SHIP_HEAD + (size_t)ul + kl + vl;
	}
	nu = unique_u64(ug, nu);
	ne = unique_u64(eg, ne);
	if ((rc = fg_graph_build_deferred(out, ls, S.cfg)) != FG_OK)
		goto cleanup;
	if ((*out)->n_users != nu || (*out)->n_entities != ne || (*out)->n_hubs) {
		rc = fg_error_set(FG_ERROR, "rank %d: the graph of its components has %u users, %u "
		                  "entities and %u hubs; %zu users and %zu entities were shipped",
		                  S.rank, (*out)->n_users, (*out)->n_entities, (*out)->n_hubs, nu, ne);
		goto cleanup;
	}
	*ucan = ug;
	*ecan = eg;
	ug = eg = NULL;
cleanup:
	fg_linkset_free(&ls);
	fg_free(ug);
	fg_free(eg);
	if (rc)
		fg_graph_free(out);
	return rc;
}

/* What rank 0 learns of one rank's rings. */
typedef struct ringsum {
	uint64_t comps, users, links, bytes;
	int32_t sweeps, capped;
} ringsum;

#define RINGS_DIFFER "mpi rings: the ranks' rings are not rank 0's: "

/*
 * Rank 0: the run's ring[0 .. nu) from pairs[0 .. np) of (canonical user,
 * canonical ring id) the ranks found: every user of a packed component
 * reported once, every other user alone (ring[u] == u).  The canonical user
 * ids are g's (the components pass checks them), so no map is needed.
 */
static int rings_place(uint32_t *ring, uint32_t nu, const uint64_t *pairs, size_t np,
                       uint64_t n_packed)
{
	if (np != n_packed)
		return fg_error_set(FG_ERROR, RINGS_DIFFER "%zu users came back, the packed "
		                    "components have %llu", np, (unsigned long long)n_packed);
	for (uint32_t u = 0; u < nu; u++)
		ring[u] = UINT32_MAX;
	for (size_t i = 0; i < np; i++) {
		uint64_t u = pairs[2 * i], l = pairs[2 * i + 1];

		if (u >= nu || l >= nu || ring[u] != UINT32_MAX)
			return fg_error_set(FG_ERROR, RINGS_DIFFER "user %llu (ring %llu) reported %s",
			                    (unsigned long long)u, (unsigned long long)l,
			                    u < nu && l < nu ? "twice" : "out of range");
		ring[u] = (uint32_t)l;
	}
	for (uint32_t u = 0; u < nu; u++)
		if (ring[u] == UINT32_MAX)
			ring[u] = u;
	return FG_OK;
}

/*
 * Rank 0: the ranks' rings (ring, as placed) against check (its own
 * fg_rings on g), user by user; the first user that differs is named.
 */
static int check_rings(const fg_graph *g, const uint32_t *ring, const uint32_t *check)
{
	for (uint32_t u = 0; u < g->n_users; u++)
		if (ring[u] != check[u]) {
			char a[65];

			snprintf(a, sizeof(a), "%s", fg_graph_user_id(g, ring[u]));
			return fg_error_set(FG_ERROR, RINGS_DIFFER "user '%.64s' is in the ring of '%s' "
			                    "on its rank, of '%.64s' in rank 0's graph",
			                    fg_graph_user_id(g, u), a, fg_graph_user_id(g, check[u]));
		}
	return FG_OK;
}

static int cmp_group_id(const void *a, const void *b)
{
	uint32_t x = ((const fg_group_score *)a)->id, y = ((const fg_group_score *)b)->id;

	return (x > y) - (x < y);
}

/*
 * Every rank's nbytes at p (items of size bytes, what naming them in the
 * errors), concatenated in rank order into *out on rank 0: fg_malloc'ed,
 * *total bytes (NULL and 0 on the other ranks and on an error).  The bytes
 * other ranks send are counted in S.phase_bytes.  Collective.
 */
static int gather_bytes(void **out, size_t *total, const void *p, size_t nbytes, size_t size,
                        const char *what)
{
	int n = S.size, mine = (int)nbytes, *cnt = NULL, *disp = NULL, rc = FG_OK;
	size_t t = 0;

	*out = NULL;
	*total = 0;
	if (nbytes > (size_t)INT_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %zu %s to report (at most 2 GiB in this stage)",
		                  S.rank, nbytes / size, what);
	if (S.rank == 0 && !rc && !(cnt = fg_calloc((size_t)n * 2, sizeof(int))))
		rc = fg_error_set(FG_ENOMEM, "out of memory gathering the %s", what);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (S.rank == 0) {
		disp = cnt + n;
		for (int r = 0; r < n; r++) {
			disp[r] = (int)t;
			t += (size_t)cnt[r];
		}
		if (t > (size_t)INT_MAX || !(*out = fg_malloc(t + 1)))
			rc = fg_error_set(FG_ENOMEM, "out of memory gathering %zu %s", t / size, what);
	}
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Gatherv(p, mine, MPI_BYTE, *out, cnt, disp, MPI_BYTE, 0, MPI_COMM_WORLD);
	S.phase_bytes += S.rank ? (uint64_t)mine : 0;
	*total = t;
cleanup:
	if (rc) {
		fg_free(*out);
		*out = NULL;
	}
	fg_free(cnt);
	return rc;
}

/*
 * Every rank: its groups' scores (fg_score_groups, ids canonical) to rank 0, which keeps them sorted by id in *out (n_out of
 * them) for the check when it scores (fg_mpi_ring_scores).  Collective.
 */
static int gather_groups(fg_group_score **out, uint32_t *n_out, const fg_group_score *lsc,
                              uint32_t nsc)
{
	void *all;
	size_t t;
	int rc;

	fg_free(*out);
	*out = NULL;
	*n_out = 0;
	rc = gather_bytes(&all, &t, lsc, (size_t)nsc * sizeof(*lsc), sizeof(*lsc), "groups' scores");
	if (rc == FG_OK && S.rank == 0) {
		*out = all;
		*n_out = (uint32_t)(t / sizeof(*lsc));
		qsort(*out, *n_out, sizeof(**out), cmp_group_id);
	}
	return rc;
}

#define SCORES_DIFFER "mpi scores: the ranks' %s scores are not rank 0's: "

/* The first field in which x and y differ (integers equal, doubles bit for bit), or NULL. */
static const char *group_differs(const fg_group_score *x, const fg_group_score *y)
{
#define DIFF_D(f) if (memcmp(&x->f, &y->f, sizeof(double))) return #f
	if (x->id != y->id)
		return "id";
	if (x->component_id != y->component_id)
		return "component_id";
	if (x->n_users != y->n_users)
		return "n_users";
	if (x->n_seeds != y->n_seeds)
		return "n_seeds";
	if (x->n_legit != y->n_legit)
		return "n_legit";
	if (x->n_entities != y->n_entities)
		return "n_entities";
	if (x->n_shared != y->n_shared || memcmp(x->n_by_class, y->n_by_class, sizeof(x->n_by_class)))
		return "n_shared";
	if (x->n_user_links != y->n_user_links)
		return "n_user_links";
	if (x->n_rings != y->n_rings)
		return "n_rings";
	DIFF_D(seed_rate);
	DIFF_D(seed_evidence);
	DIFF_D(risk_mean);
	DIFF_D(risk_max);
	DIFF_D(sharing);
	DIFF_D(burst);
	DIFF_D(size_factor);
	DIFF_D(dampener);
	DIFF_D(score);
#undef DIFF_D
	return NULL;
}

/* Rank 0: the ranks' groups a[0 .. na) against fg_score's b[0 .. nb), every field. */
static int check_groups(const fg_graph *g, const char *kind, const fg_group_score *a,
                        uint32_t na, const fg_group_score *b, uint32_t nb)
{
	if (na != nb)
		return fg_error_set(FG_ERROR, SCORES_DIFFER "%u %ss of 2+ users on the ranks, %u in "
		                    "rank 0's fg_score", kind, na, kind, nb);
	for (uint32_t k = 0; k < na; k++) {
		const fg_group_score *x = &a[k], *y = &b[k];
		const char *what = group_differs(x, y);

		if (what) {
			char id[65];

			snprintf(id, sizeof(id), "%s", fg_graph_user_id(g, x->id < g->n_users ? x->id : 0));
			return fg_error_set(FG_ERROR, SCORES_DIFFER "%s %u by id ('%s' on its rank, "
			                    "'%.64s' in rank 0's) differs in %s (score %.17g, %.17g; "
			                    "risk_mean %.17g, %.17g; sharing %.17g, %.17g)",
			                    kind, kind, k, id, fg_graph_user_id(g, y->id), what,
			                    x->score, y->score, x->risk_mean, y->risk_mean, x->sharing,
			                    y->sharing);
		}
	}
	return FG_OK;
}

int fg_mpi_ring_scores(fg_scores *s, const fg_graph *g, const uint32_t *comp,
                       const uint32_t *ring)
{
	double t0 = fg_clock();
	int rc;

	if (!S.active)
		return FG_OK;
	if (!S.ranks_scored)
		rc = fg_error_set(FG_ERROR, "mpi scores: the ranks found no ring scores (the rings, the "
		                  "risk walk and the evidence BFS run before the scoring)");
	else
		rc = check_groups(g, "ring", S.ring_links, S.n_ring_links, s->rings, s->n_rings);
	if (!rc)
		rc = check_groups(g, "component", S.comp_links, S.n_comp_links, s->comps, s->n_comps);
	/* the run uses the ranks' scores: rank 0's own were the check */
	if (!rc)
		rc = fg_score_use_groups(s, g, comp, ring, &S.ring_links, S.n_ring_links,
		                         &S.comp_links, S.n_comp_links);
	if (!rc)
		fg_log_info("mpi scores: %u ring and %u component scores (links, seeds, labels, "
		            "times, risk) found on the ranks' graphs; bit for bit rank 0's fg_score "
		            "(checked in %.3f s); the run uses the ranks' scores", s->n_rings,
		            s->n_comps, fg_clock() - t0);
	fg_free(S.ring_links);
	fg_free(S.comp_links);
	S.ring_links = S.comp_links = NULL;
	S.n_ring_links = S.n_comp_links = 0;
	S.ranks_scored = false;
	return rc;
}

/* Is x in the sorted a[0 .. n)?  A 64-bit key above UINT32_MAX never is. */
static bool has_u32(const uint32_t *a, uint32_t n, uint64_t x)
{
	return x <= UINT32_MAX && fg_find_u32(a, n, (uint32_t)x) >= 0;
}

/* The rank whose part's run of users bnd[3r + 1 .. 3r + 2] holds user x (bnd[3r]: its count), or n. */
static int part_rank(const uint64_t *bnd, int n, uint64_t x)
{
	int r;

	for (r = 0; r < n; r++)
		if (bnd[3 * r] && bnd[3 * r + 1] <= x && x <= bnd[3 * r + 2])
			break;
	return r;
}

/*
 * Every rank, at the end of the evidence BFS (the closure c still held: the
 * seeds, the walk's values and weights by part): the whole ring and
 * component scores of its graph of packed components (kept from the rings,
 * S.kg; its labels and creation times came with the links), to rank 0 in
 * canonical ids (S.ring_links, S.comp_links) for the check when it scores.
 *
 * The inputs, each as one process's fg_score_compute reads them:
 * - seed flags: the seeds (sorted, every rank's) searched by canonical id;
 * - risk_norm's reference, the mean over the seeds of risk / W summed in
 *   seed order: each part's seeds' terms (its values and W, fg_risk_dist_w)
 *   allgathered in rank order, which is seed order (the parts' runs ascend
 *   and the list's users come first, ascending), then added in that order;
 * - each member's risk: asked of the part that holds it (its users are a
 *   run of canonical ids, their bounds allgathered), for the components
 *   with a seed (the closure is the seeds' components); 0 elsewhere, as the
 *   walk leaves it;
 * - W of each member: fg_graph_weight on the rank's graph (a member's CSR
 *   row is the whole graph's, in the same order, the same weights);
 * - base rate: the seeds over the users (rank 0's count, with the walk's
 *   parameters).
 * Collective.
 */
static int features_all(const fg_graph *lg, const uint64_t *ucan, const uint8_t *lseed,
                        const double *lrisk, const fg_graph *g0, const uint32_t *sd,
                        uint32_t ns);

static int scores_all(const closure *c, const fg_graph *g0)
{
	double t0 = fg_clock(), c0 = fg_cpu_clock();
	const fg_graph *lg = S.kg;
	const uint64_t *ucan = S.kucan;
	int n = S.size, rc = FG_OK, *cnt = fg_calloc((size_t)n * 2, sizeof(int)), *disp;
	uint64_t nv = c->pt.k1 - c->pt.k0, mu = 0, *bnd = NULL, mybnd[3] = { 0, 0, 0 };
	uint32_t nu = lg ? lg->n_users : 0, ns = c->p.ns, nrs = 0, ncs = 0;
	uint8_t *lseed = NULL, *has = NULL;
	double *terms = NULL, *all = NULL, *lrisk = NULL, *rnorm = NULL, ref = 0.0;
	bytes *out = fg_calloc((size_t)n * 2, sizeof(bytes)), *resp = out ? out + n : NULL;
	char *rbuf = NULL, *abuf = NULL;
	int *rcnt = fg_calloc((size_t)n * 2, sizeof(int)), *rdisp = rcnt ? rcnt + n : NULL, mt = 0;
	fg_group_score *rs = NULL, *cs = NULL;
	size_t tt = 0;

	S.ranks_scored = false;
	disp = cnt ? cnt + n : NULL;
	if (!lg || !c->risk || !c->W)
		rc = fg_error_set(FG_ERROR, "rank %d: the scores without the rings' graph or the walk's "
		                  "values", S.rank);
	else if (!cnt || !out || !rcnt || !(lseed = fg_calloc((size_t)nu + 1, 1)) ||
	         !(has = fg_calloc((size_t)nu + 1, 1)) ||
	         !(lrisk = fg_calloc((size_t)nu + 1, sizeof(*lrisk))) ||
	         !(rnorm = fg_calloc((size_t)nu + 1, sizeof(*rnorm))) ||
	         !(terms = fg_mallocarray(nv + 1, sizeof(*terms))) ||
	         !(bnd = fg_mallocarray(3 * (size_t)n, sizeof(*bnd))))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for the scores", S.rank);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	/* the part's users (a prefix: the list's users come first) and its seeds' terms */
	while (mu < nv && c->pt.vid[mu] < c->pt.n_users)
		mu++;
	for (uint64_t k = 0; k < mu; k++)
		if (has_u32(c->sd, ns, c->pt.vid[k]))
			terms[mt++] = fg_score_risk_term(c->risk[k], c->W[k]);
	MPI_Allgather(&mt, 1, MPI_INT, cnt, 1, MPI_INT, MPI_COMM_WORLD);
	for (int r = 0; r < n; r++) {
		disp[r] = (int)tt;
		tt += (size_t)cnt[r];
	}
	if (tt != ns)
		rc = fg_error_set(FG_ERROR, "rank %d: the parts hold %zu seeds, the run has %u", S.rank,
		                  tt, ns);
	else if (!(all = fg_mallocarray(tt + 1, sizeof(*all))))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for %zu seeds' terms", S.rank, tt);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Allgatherv(terms, mt, MPI_DOUBLE, all, cnt, disp, MPI_DOUBLE, MPI_COMM_WORLD);
	S.phase_bytes += (uint64_t)mt * 8 * (uint64_t)(n - 1);
	for (size_t i = 0; i < tt; i++) /* compute_risk_norm's sum: in seed order */
		ref += all[i];
	ref = tt ? ref / (double)tt : 0.0;
	/* each part's run of users, for the requests */
	mybnd[0] = mu;
	mybnd[1] = mu ? c->pt.vid[0] : 0;
	mybnd[2] = mu ? c->pt.vid[mu - 1] : 0;
	MPI_Allgather(mybnd, 3, MPI_UINT64_T, bnd, 3, MPI_UINT64_T, MPI_COMM_WORLD);
	for (uint32_t u = 0; u < nu; u++)
		lseed[u] = has_u32(c->sd, ns, ucan[u]);
	for (uint32_t u = 0; u < nu; u++)
		has[S.kcomp[u]] |= lseed[u];
	for (uint32_t u = 0; u < nu && !rc; u++) {
		int r;

		if (!has[S.kcomp[u]])
			continue;
		if ((r = part_rank(bnd, n, ucan[u])) == n)
			rc = fg_error_set(FG_ERROR, "rank %d: user %llu of a seed's component is in no "
			                  "part of the closure", S.rank, (unsigned long long)ucan[u]);
		else
			rc = put(&out[r], &ucan[u], 8);
	}
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(out, &rbuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	for (int r = 0; r < n && !rc; r++)
		for (size_t off = (size_t)rdisp[r]; off < (size_t)rdisp[r] + (size_t)rcnt[r] && !rc;
		     off += 8) {
			uint64_t v, lo = 0, hi = mu;

			memcpy(&v, rbuf + off, 8);
			while (lo < hi) {
				uint64_t mid = lo + (hi - lo) / 2;

				if (c->pt.vid[mid] < v)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == mu || c->pt.vid[lo] != v)
				rc = fg_error_set(FG_ERROR, "rank %d: user %llu asked of its part is not in it",
				                  S.rank, (unsigned long long)v);
			else
				rc = put(&resp[r], &c->risk[lo], 8);
		}
	if ((rc = agree(rc)) != FG_OK || (rc = a2a(resp, &abuf, rcnt, rdisp)) != FG_OK)
		goto cleanup;
	for (uint32_t u = 0; u < nu; u++) { /* a rank's answers come in the order asked */
		int r;

		if (!has[S.kcomp[u]])
			continue;
		r = part_rank(bnd, n, ucan[u]);
		memcpy(&lrisk[u], abuf + rdisp[r], 8);
		rdisp[r] += 8;
	}
	fg_score_risk_norm(rnorm, lg, lrisk, ref);
	/* tests: the first member with risk_norm inside (0, 1) got a risk 0.1% low */
	if (fg_fault_fails("mpi-ring-risk") && S.rank == n - 1)
		for (uint32_t u = 0; u < nu; u++)
			if (rnorm[u] > 0.0 && rnorm[u] < 1.0) {
				lrisk[u] *= 0.999;
				fg_score_risk_norm(rnorm, lg, lrisk, ref);
				break;
			}
	{
		fg_score_users in = { S.cfg, S.kcomp, lseed, rnorm,
		                      c->p.n_users ? (double)ns / c->p.n_users : 0.0 };

		if ((rc = fg_score_groups(&rs, &nrs, lg, S.kring, &in)) == FG_OK)
			rc = fg_score_groups(&cs, &ncs, lg, S.kcomp, &in);
	}
	/* a component's rings (fg_score_compute's count), then canonical ids (the order kept) */
	for (uint32_t k = 0; !rc && k < nrs; k++) {
		uint32_t lo = 0, hi = ncs, cid = rs[k].component_id;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (cs[mid].id < cid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < ncs && cs[lo].id == cid)
			cs[lo].n_rings++;
	}
	for (uint32_t k = 0; !rc && k < nrs; k++) {
		rs[k].id = (uint32_t)ucan[rs[k].id];
		rs[k].component_id = (uint32_t)ucan[rs[k].component_id];
	}
	for (uint32_t k = 0; !rc && k < ncs; k++) {
		cs[k].id = (uint32_t)ucan[cs[k].id];
		cs[k].component_id = (uint32_t)ucan[cs[k].component_id];
	}
	if (!rc && fg_fault_fails("mpi-ring-share") && S.rank == n - 1 && nrs) /* tests: one ulp */
		rs[0].sharing = nextafter(rs[0].sharing, 2.0);
	if (!rc && (uint64_t)(nrs > ncs ? nrs : ncs) * sizeof(*rs) > (uint64_t)INT_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %u rings' and %u components' scores to report "
		                  "(at most 2 GiB each in this stage)", S.rank, nrs, ncs);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	if ((rc = gather_groups(&S.ring_links, &S.n_ring_links, rs, nrs)) != FG_OK ||
	    (rc = gather_groups(&S.comp_links, &S.n_comp_links, cs, ncs)) != FG_OK)
		goto cleanup;
	S.ranks_scored = true;
	closure_report("scores", t0, c0);
	rc = features_all(lg, ucan, lseed, lrisk, g0, c->sd, ns);
cleanup:
	bytes_free(out, 2 * (size_t)n);
	fg_free(cnt);
	fg_free(rcnt);
	fg_free(rbuf);
	fg_free(abuf);
	fg_free(bnd);
	fg_free(lseed);
	fg_free(has);
	fg_free(lrisk);
	fg_free(rnorm);
	fg_free(terms);
	fg_free(all);
	fg_free(rs);
	fg_free(cs);
	return rc;
}

/*
 * The model's feature columns the ranks compute for their packed users: the
 * ones whose inputs are the user's component, its rings, its CSR links (hubs
 * are not in the rank's graph: the CSR has none either) and the per-user
 * inputs the ranks hold (links, labels, creation times, seeds).  Left out:
 * the columns of the links with hubs (deg_total and per class, shares,
 * hub_seeds, the seeds per entity class, entity_seeds_max,
 * activity_span_days: a hub's users span components and its links are not
 * shipped; hub_links and per class are counted from the hub owners' links
 * and checked apart, hub_links_all, and so are deg_total and per class from
 * the rank's part and the owners', part_col, and the seed columns from the
 * rank's part and the owners' seeds per hub and fold, seed_col), the fold
 * walks' (ppr, ppr_norm, nb_ppr_norm_*: each fold's walk restarts over all
 * its seeds and stops at the whole graph's L1 change, a collective walk per
 * fold), the attributes and their aggregates (not shipped), and the
 * aggregates of deg_total.
 */
static const char *const feat_col[] = {
	"deg_user", "co_users", "wdeg", "component_size", "ring_size", "ring_sharing",
	"ring_burst", "ring_size_factor", "ring_multi_mates", "account_age_days", "seed_hops",
	"seeds_2hop", "seeds_2hop_rate", "ring_seeds", "ring_seed_rate", "comp_seeds",
	"comp_seed_rate", "nb_seed_mean", "nb2_seed_mean", "nb_mean_co_users", "nb_max_co_users",
	"nb2_mean_co_users", "nb_mean_account_age_days", "nb_max_account_age_days",
	"nb2_mean_account_age_days",
};
#define N_FEAT_COL (sizeof(feat_col) / sizeof(feat_col[0]))
_Static_assert(N_FEAT_COL == sizeof(S.feat_at) / sizeof(S.feat_at[0]), "feat_at holds feat_col");

/*
 * One packed user's checked columns (feat_col's order), its canonical id:
 * row 0 its scoring row (its own fold j excluded), row s = 1..4 its
 * training row for the booster of fold k, the s-th fold other than j in
 * ascending order (folds j and k excluded: fg_model_train's masks).
 */
struct feat_rec {
	uint64_t id;
	float v[FG_FEAT_FOLDS][N_FEAT_COL];
	/* the rank's part of the user's degrees (its graph has no hub: the hub
	 * owners count the rest, hub_links_all): deg[0] its links (deg_total),
	 * deg[1 + c] those to entities of class c; the same in every row */
	uint32_t deg[1 + FG_KC_N];
	/* the rank's part of the seed columns of row s (seed_col's order, its
	 * graph's non-hub entities: the owners count the hubs', hub_rec's sd):
	 * seeds_card, seeds_device, seeds_address, seeds_other (phone, email, ip
	 * and other summed), entity_seeds_max; hub_seeds is all the owners' */
	uint32_t seeds[FG_FEAT_FOLDS][5];
	/* the rank's part of the share columns (its graph's entity links, no hub:
	 * the owners send the hubs' shares, hub_rec's share): the integer sum of
	 * the shares, their count, smallest and largest (0 if none); the same in
	 * every row */
	uint64_t ssum;
	uint32_t sn, smin, smax;
	/* the rank's part of activity_span_days: the first and last times of the
	 * user's links in its graph (no hub: the owners send the hub links'),
	 * FG_TIME_NONE if none; the same in every row */
	int64_t tfirst, tlast;
};

/* The mask of row s of a user of fold j (feat_rec's order). */
static unsigned feat_mask(unsigned j, unsigned s)
{
	unsigned k = s - 1 < j ? s - 1 : s;

	return s == 0 ? 1u << j : 1u << j | 1u << k;
}

/* The row of a user of fold j that mask is, or FG_FEAT_FOLDS if none. */
static unsigned feat_slot(unsigned j, unsigned mask)
{
	for (unsigned s = 0; s < FG_FEAT_FOLDS; s++)
		if (feat_mask(j, s) == mask)
			return s;
	return FG_FEAT_FOLDS;
}

static int cmp_feat_rec(const void *a, const void *b)
{
	const struct feat_rec *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* col[0..nn): the columns of f named names[0..nn), or FG_ERROR naming one it lacks. */
static int cols_of(uint32_t *col, const char *const *names, size_t nn, const fg_features *f)
{
	for (size_t j = 0; j < nn; j++) {
		uint32_t k = 0, n = fg_features_count(f);

		while (k < n && strcmp(fg_features_name(f, k), names[j]))
			k++;
		if (k == n)
			return fg_error_set(FG_ERROR, "mpi features: no column '%s'", names[j]);
		col[j] = k;
	}
	return FG_OK;
}

/*
 * Every rank, after its scores (scores_all): fg_features_open on its graph
 * of packed components (fg_score_compute there for the per-user degrees,
 * rings and components the features read: the groups are the ones just
 * checked), with the ranks' seeds of its users (local ids, ascending) and
 * the account-age reference of the whole graph (a maximum over every
 * user's creation time and every link's last time, of which the rank's
 * graph holds only its own: MPI_Allreduce(MAX) over the owners' merged rows,
 * owned_t_ref, checked equal to rank 0's fg_features_t_ref); each packed
 * user's scoring row (its own fold excluded) and four training rows (its
 * fold and one other excluded: feat_rec), feat_col's columns, to rank 0 in
 * canonical ids (S.feat), checked when it opens its features
 * (fg_mpi_check_features).  Collective.
 */
/*
 * This rank's part of the account-age reference (fg_features_t_ref): the
 * latest creation time of its merged user rows and last time of its merged
 * links, placeholders excepted (the link set drops them), FG_TIME_NONE if
 * none.  The graph's users and links are the owners' merged rows, each on
 * one rank, with the same times (created = min, last = max), so the maximum
 * over the ranks is the whole graph's.  O(owned rows).
 */
static int64_t owned_t_ref(void)
{
	int64_t t = FG_TIME_NONE;

	for (size_t i = 0; i < S.n_users; i++)
		t = S.users[i].first > t ? S.users[i].first : t;
	for (size_t i = 0; i < S.n_links; i++)
		if (!S.links[i].ph)
			t = S.links[i].last > t ? S.links[i].last : t;
	return t;
}

/*
 * The hub-link columns (hub_links, hub_card, hub_device, hub_address): one
 * record per owned link of a hub entity (placeholders excepted, as the link
 * set drops them), its user's canonical id and its kind's class, from the
 * hub's owner to rank 0 (S.hubl, sorted), which counts them per packed user
 * and compares the counts with its rows (fg_mpi_check_features).  Integer
 * counts: the same for any order of the records.  Once checked, the counts
 * (S.hubv) are the ones the model uses for the packed users
 * (fg_mpi_use_features).  With the ranks' parts (feat_rec's deg) the
 * records also give the user's degrees, part_col: checked and used the same
 * way (S.hubv after the hub-link columns).  Each record also carries its
 * hub's seeds per fold (the run's seeds, which every rank holds in
 * canonical ids, among the hub's users, each of the fold
 * fg_features_fold_of gives its id string, as fg_features' ent_cnt counts
 * them): with the ranks' parts (feat_rec's seeds) they give seed_col,
 * checked for every row; and its hub's share (its users: the owner's link
 * rows of it, the count entities_local's owner sum states), which with the
 * ranks' parts (feat_rec's ssum .. smax) gives share_col; and the link's
 * first and last times, which with the ranks' parts (feat_rec's tfirst,
 * tlast) give activity_span_days.
 */
struct hub_rec {
	uint64_t id;
	uint32_t kc;
	uint32_t sd[FG_FEAT_FOLDS]; /* the hub's seeds (the run's, S.sd) of each fold */
	uint32_t share;             /* the hub's share (its users) */
	int64_t first, last;        /* the link's merged times (FG_TIME_NONE: none) */
};

static int cmp_hub_rec(const void *a, const void *b)
{
	const struct hub_rec *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->kc > y->kc) - (x->kc < y->kc);
}

/*
 * Every rank, while the components pass (S.cc) is kept, with the run's
 * seeds sd[0..ns) (canonical ids, ascending; seeds_find's, on every rank):
 * S.hubl on rank 0.  Collective.
 */
static int hub_links_all(const uint32_t *sd, uint32_t ns)
{
	const ccpass *c = S.cc;
	struct hub_rec *hr = NULL;
	size_t nh = 0, t = 0, ucap = 0;
	void *all;
	int rc = FG_OK, has, last;
	char kbuf[256], *ubuf = NULL;

	fg_free(S.hubl);
	S.hubl = NULL;
	S.n_hubl = 0;
	for (size_t e = 0; c && e < S.n_ent; e++)
		if (c->hub[S.ent_link[e]])
			nh += entity_end(S.ent_link[e]) - S.ent_link[e];
	if (!c || !(hr = fg_mallocarray(2 * nh + 1, sizeof(*hr))))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for the hub links", S.rank);
	nh = 0;
	for (size_t e = 0; !rc && e < S.n_ent; e++) {
		size_t i = S.ent_link[e], j;
		const rec *l = &S.links[i];
		uint32_t kc = FG_KC_OTHER; /* a kind this long is in no class's mapping */
		uint32_t cnt[FG_FEAT_FOLDS] = { 0 };
		size_t h0 = nh;

		if (!c->hub[i])
			continue;
		if (l->kl < sizeof(kbuf)) {
			memcpy(kbuf, l->k, l->kl);
			kbuf[l->kl] = '\0';
			kc = (uint32_t)fg_kind_class_of(kbuf);
		}
		j = entity_end(i);
		for (size_t x = i; x < j && !rc; x++) {
			const rec *lx = &S.links[x];
			uint64_t u;

			if (lx->ph)
				continue;
			u = c->gid[c->uq_of[2 * x]];
			hr[nh++] = (struct hub_rec){ .id = u, .kc = kc, .share = (uint32_t)(j - i),
			                             .first = lx->first, .last = lx->last };
			if (!has_u32(sd, ns, u)) /* a canonical id among the seeds (ascending)? */
				continue;
			if (lx->ul >= ucap) { /* the fold is of the id string: NUL-terminated */
				char *b = fg_realloc(ubuf, (size_t)lx->ul + 64);

				if (!b) {
					rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for a user id",
					                  S.rank);
					break;
				}
				ubuf = b;
				ucap = (size_t)lx->ul + 64;
			}
			memcpy(ubuf, lx->u, lx->ul);
			ubuf[lx->ul] = '\0';
			cnt[fg_features_fold_of(ubuf)]++;
		}
		for (size_t x = h0; x < nh; x++)
			memcpy(hr[x].sd, cnt, sizeof(cnt));
	}
	/* tests: one seed more of every fold in every hub's counts, on every rank */
	if (!rc && fg_fault_fails("mpi-hub-seeds"))
		for (size_t x = 0; x < nh; x++)
			for (unsigned k = 0; k < FG_FEAT_FOLDS; k++)
				hr[x].sd[k]++;
	/* tests: every hub's share one more, on every rank */
	if (!rc && fg_fault_fails("mpi-hub-share"))
		for (size_t x = 0; x < nh; x++)
			hr[x].share++;
	/* tests: every hub link first seen a year earlier, on every rank */
	if (!rc && fg_fault_fails("mpi-hub-times"))
		for (size_t x = 0; x < nh; x++)
			if (hr[x].first != FG_TIME_NONE)
				hr[x].first -= 365 * 86400;
	/* tests: every hub link of the last rank with hub links counted twice */
	has = nh ? S.rank : -1;
	MPI_Allreduce(&has, &last, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (!rc && nh && fg_fault_fails("mpi-hub-links") && S.rank == last) {
		memcpy(hr + nh, hr, nh * sizeof(*hr));
		nh *= 2;
	}
	if ((rc = agree(rc)) != FG_OK ||
	    (rc = gather_bytes(&all, &t, hr, nh * sizeof(*hr), sizeof(*hr), "hub links")) != FG_OK)
		goto cleanup;
	S.hubl = all;
	if (S.rank == 0) {
		S.n_hubl = t / sizeof(*hr);
		qsort(S.hubl, S.n_hubl, sizeof(*S.hubl), cmp_hub_rec);
	}
cleanup:
	fg_free(hr);
	fg_free(ubuf);
	return rc;
}

/* The rank's part of the seed columns (feat_rec's seeds), in that order. */
static const char *const seed_part_col[] = {
	"seeds_card", "seeds_device", "seeds_address", "seeds_other", "entity_seeds_max",
};
#define N_SEED_PART (sizeof(seed_part_col) / sizeof(seed_part_col[0]))
_Static_assert(N_SEED_PART == sizeof(((struct feat_rec *)0)->seeds[0]) / sizeof(uint32_t),
               "feat_rec's seeds hold seed_part_col");

static int features_all(const fg_graph *lg, const uint64_t *ucan, const uint8_t *lseed,
                        const double *lrisk, const fg_graph *g0, const uint32_t *sd,
                        uint32_t ns)
{
	double t0 = fg_clock(), c0 = fg_cpu_clock();
	uint32_t nu = lg ? lg->n_users : 0, nls = 0, col[N_FEAT_COL], scol[N_SEED_PART], ncols;
	int64_t t_ref = owned_t_ref();
	uint32_t *lsd = NULL;
	uint8_t *seed = NULL;
	double *risk = NULL;
	float *rows = NULL;
	fg_scores *ks = NULL;
	fg_features *kf = NULL;
	struct feat_rec *frec = NULL;
	unsigned *masks = NULL;
	uint32_t *users = NULL;
	int n = S.size, rc = FG_OK, last;
	size_t t = 0;
	void *all;

	fg_mpi_drop_features();
	/* FG_TIME_NONE is INT64_MIN: the maximum ignores it, as fg_features_t_ref does */
	MPI_Allreduce(MPI_IN_PLACE, &t_ref, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
	S.phase_bytes += 8 * (uint64_t)(n - 1);
	if (fg_fault_fails("mpi-t-ref") && t_ref != FG_TIME_NONE) /* tests: one second early */
		t_ref--;
	if (S.rank == 0 && g0 && t_ref != fg_features_t_ref(g0))
		rc = fg_error_set(FG_ERROR, "mpi features: the account-age reference of the owners' "
		                  "rows is %lld, rank 0's graph's %lld", (long long)t_ref,
		                  (long long)fg_features_t_ref(g0));
	if ((rc = agree(rc)) != FG_OK || (rc = hub_links_all(sd, ns)) != FG_OK)
		goto cleanup;
	if (!(lsd = fg_mallocarray((size_t)nu + 1, sizeof(*lsd))) ||
	    !(seed = fg_calloc((size_t)nu + 1, 1)) ||
	    !(risk = fg_calloc((size_t)(lg ? lg->g.n : 0) + 1, sizeof(*risk))) ||
	    !(frec = fg_calloc((size_t)nu + 1, sizeof(*frec))) ||
	    !(masks = fg_calloc((size_t)nu + 1, sizeof(*masks))) ||
	    !(users = fg_mallocarray((size_t)nu + 1, sizeof(*users))))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for the features", S.rank);
	for (uint32_t u = 0; !rc && u < nu; u++) {
		seed[u] = lseed[u];
		risk[u] = lrisk[u];
		if (lseed[u])
			lsd[nls++] = u;
	}
	if (!rc && nu) {
		fg_features_params fp = {
			.use_attrs = false, .attrs = NULL, .damping = S.cfg->risk_damping,
			.tol = S.cfg->risk_tol, .max_iter = S.cfg->risk_max_iter,
			.t_ref_given = true, .t_ref = t_ref,
		};

		if ((rc = fg_score_compute(&ks, lg, S.cfg, seed, nls, S.kcomp, S.kring, risk)) == FG_OK &&
		    (rc = fg_features_open(&kf, lg, ks, S.kcomp, lsd, nls, &fp)) == FG_OK &&
		    (rc = cols_of(col, feat_col, N_FEAT_COL, kf)) == FG_OK &&
		    (rc = cols_of(scol, seed_part_col, N_SEED_PART, kf)) == FG_OK) {
			ncols = fg_features_count(kf);
			for (uint32_t u = 0; u < nu; u++) {
				users[u] = u;
				frec[u].id = ucan[u];
				frec[u].deg[0] = ks->deg_total[u];
				for (int kc = 0; kc < FG_KC_N; kc++)
					frec[u].deg[1 + kc] = ks->deg_class[(size_t)u * FG_KC_N + kc];
			}
			/* the shares of the user's entity links: the graph's, all of a non-hub
			 * entity's users being in its component, so on this rank */
			for (uint32_t u = 0; u < nu; u++)
				frec[u].tfirst = frec[u].tlast = FG_TIME_NONE;
			for (uint64_t i = 0; i < lg->n_links; i++) {
				uint32_t u = lg->link_user[i], tg = lg->link_target[i], sh;
				struct feat_rec *x = &frec[u];
				int64_t lf = fg_graph_link_first(lg, i), ll = fg_graph_link_last(lg, i);

				/* every link of the user, relations included, as fg_features_row */
				x->tfirst = fg_time_min(x->tfirst, lf);
				x->tlast = ll > x->tlast ? ll : x->tlast; /* FG_TIME_NONE is INT64_MIN */
				if (tg < nu)
					continue;
				sh = fg_graph_ent_share(lg, tg - nu);
				x->smin = x->sn == 0 || sh < x->smin ? sh : x->smin;
				x->smax = sh > x->smax ? sh : x->smax;
				x->ssum += sh;
				x->sn++;
			}
			if (!(rows = fg_mallocarray((size_t)nu * ncols, sizeof(*rows))))
				rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for %u feature rows",
				                  S.rank, nu);
			/* the scoring rows, then the four training rows: one block of rows at a time */
			for (unsigned r = 0; !rc && r < FG_FEAT_FOLDS; r++) {
				for (uint32_t u = 0; u < nu; u++)
					masks[u] = feat_mask(fg_features_fold(kf, u), r);
				rc = fg_features_rows(rows, kf, users, nu, masks, 0);
				for (uint32_t u = 0; !rc && u < nu; u++) {
					for (size_t j = 0; j < N_FEAT_COL; j++)
						frec[u].v[r][j] = rows[(size_t)u * ncols + col[j]];
					/* counts below 2^24: the float is exact, and so is this */
					for (size_t j = 0; j < N_SEED_PART; j++)
						frec[u].seeds[r][j] = (uint32_t)rows[(size_t)u * ncols + scol[j]];
				}
			}
		}
	}
	/* tests: one ulp on the first user's co_users mean, on the last rank with users */
	last = nu ? S.rank : -1;
	MPI_Allreduce(MPI_IN_PLACE, &last, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (!rc && nu && fg_fault_fails("mpi-features") && S.rank == last)
		frec[0].v[0][19] = nextafterf(frec[0].v[0][19], INFINITY);
	/* tests: one ulp on the last user's training row for the last fold booster but its own */
	if (!rc && nu && fg_fault_fails("mpi-features-train") && S.rank == last)
		frec[nu - 1].v[FG_FEAT_FOLDS - 1][19] =
			nextafterf(frec[nu - 1].v[FG_FEAT_FOLDS - 1][19], INFINITY);
	/* tests: the first user's deg_total part one link too many */
	if (!rc && nu && fg_fault_fails("mpi-deg-part") && S.rank == last)
		frec[0].deg[0]++;
	/* tests: the last user's seeds_card part one seed too many in its last training row */
	if (!rc && nu && fg_fault_fails("mpi-seeds-part") && S.rank == last)
		frec[nu - 1].seeds[FG_FEAT_FOLDS - 1][0]++;
	/* tests: the last user's part of its last link time one day later */
	if (!rc && nu && fg_fault_fails("mpi-span-part") && S.rank == last &&
	    frec[nu - 1].tlast != FG_TIME_NONE)
		frec[nu - 1].tlast += 86400;
	/* tests: the share sum of the first user with an entity link one more */
	if (!rc && nu && fg_fault_fails("mpi-share-part") && S.rank == last)
		for (uint32_t u = 0; u < nu; u++)
			if (frec[u].sn) {
				frec[u].ssum++;
				break;
			}
	if ((rc = agree(rc)) != FG_OK ||
	    (rc = gather_bytes(&all, &t, frec, (size_t)nu * sizeof(*frec), sizeof(*frec),
	                       "users' features")) != FG_OK)
		goto cleanup;
	S.feat = all;
	if (S.rank == 0) {
		S.n_feat = (uint32_t)(t / sizeof(*frec));
		qsort(S.feat, S.n_feat, sizeof(*S.feat), cmp_feat_rec);
	}
	S.ranks_featured = true;
	closure_report("features", t0, c0);
cleanup:
	fg_features_close(&kf);
	fg_scores_free(&ks);
	fg_free(lsd);
	fg_free(seed);
	fg_free(risk);
	fg_free(rows);
	fg_free(frec);
	fg_free(masks);
	fg_free(users);
	return rc;
}

/* The hub-link columns the owners' records give (hub_links_all), in hub_col's order. */
static const char *const hub_col[] = { "hub_links", "hub_card", "hub_device", "hub_address" };
#define N_HUB_COL (sizeof(hub_col) / sizeof(hub_col[0]))

/*
 * The degrees of a packed user (fg_score's, hubs included), the rank's part
 * (its graph: no hub) plus the hub owners' (hub_links_all), in part_col's
 * order: deg_total, then deg_card .. deg_other (class j - 1).  Integer sums:
 * the same for any order of the records.  Checked, then used by the model
 * (S.hubv[i][N_HUB_COL + j]).
 */
static const char *const part_col[] = {
	"deg_total", "deg_card", "deg_device", "deg_address", "deg_phone", "deg_email", "deg_ip",
	"deg_other",
};
#define N_PART_COL (sizeof(part_col) / sizeof(part_col[0]))
_Static_assert(N_PART_COL == 1 + FG_KC_N, "part_col: deg_total, then one per class");
_Static_assert(FG_KC_CARD == 0 && FG_KC_DEVICE == 1 && FG_KC_ADDRESS == 2 && FG_KC_PHONE == 3 &&
               FG_KC_EMAIL == 4 && FG_KC_IP == 5 && FG_KC_OTHER == 6, "part_col's classes");

/*
 * The share columns of a packed user (fg_features_row's, over all its
 * entity links, hubs included): the smallest, the mean and the largest
 * share, the rank's part (feat_rec's ssum .. smax) with the owners' (each
 * hub record's share).  fg_features_row sums the shares in a double in link
 * order; they are integers, so that sum is exact below 2^53 in any order
 * and equals the integer sum here, divided in double by the count as
 * there.  Then activity_span_days, the days from the first to the last
 * time of all the user's links, relations included: the earliest and the
 * latest of the rank's part (its graph's links, whose times are shipped:
 * ship_link) and the owners' (each hub record's times), as one process's
 * minimum and maximum in any order.  Mask-free, checked in every row, then
 * used by the model (S.hubv[i][N_HUB_COL + N_PART_COL + j]).
 */
static const char *const share_col[] = { "share_min", "share_mean", "share_max",
	                                      "activity_span_days" };
#define N_SHARE_COL (sizeof(share_col) / sizeof(share_col[0]))
#define N_SHARES 3 /* share_col's shares; then activity_span_days */
#define N_OWN_COL (N_HUB_COL + N_PART_COL + N_SHARE_COL)
_Static_assert(N_OWN_COL == sizeof(S.hub_at) / sizeof(S.hub_at[0]),
               "hub_at: hub_col, part_col, share_col");
_Static_assert(N_OWN_COL == sizeof(*S.hubv) / sizeof(**S.hubv),
               "hubv: hub_col, part_col, share_col");

/* One user's hub links as the owners' records give them. */
typedef struct hub_sum {
	uint32_t n, cls[FG_KC_N];
	uint32_t smin, smax; /* their hubs' smallest and largest share (0 if none) */
	uint64_t ssum;       /* and the sum of their shares */
	int64_t first, last; /* their links' first and last times (FG_TIME_NONE: none) */
} hub_sum;

/* Rank 0: the first of user u's records in S.hubl (sorted by id); its run follows. */
static size_t hubl_first(uint32_t u)
{
	size_t lo = 0, hi = S.n_hubl;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (S.hubl[mid].id < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Rank 0: user u's records in S.hubl (hubl_first, then the run of its id). */
static hub_sum hub_sum_of(uint32_t u)
{
	size_t lo = hubl_first(u);
	hub_sum h = { .first = FG_TIME_NONE, .last = FG_TIME_NONE };

	for (; lo < S.n_hubl && S.hubl[lo].id == u; lo++) {
		uint32_t sh = S.hubl[lo].share;

		h.smin = h.n == 0 || sh < h.smin ? sh : h.smin;
		h.smax = sh > h.smax ? sh : h.smax;
		h.ssum += sh;
		h.first = fg_time_min(h.first, S.hubl[lo].first);
		h.last = S.hubl[lo].last > h.last ? S.hubl[lo].last : h.last;
		h.n++;
		h.cls[S.hubl[lo].kc < FG_KC_N ? S.hubl[lo].kc : FG_KC_OTHER]++;
	}
	return h;
}

/*
 * Rank 0: user u's hub-link columns in row (its scoring row) against the
 * owners' records h; out[0..N_HUB_COL) the owners' counts as floats (exact
 * below 2^24), the values the model uses once the check passed.
 */
static int check_hub_links(float *out, const fg_graph *g, uint32_t u, const hub_sum *h,
                           const float *row, const uint32_t *hcol)
{
	const uint32_t k[N_HUB_COL] = { h->n, h->cls[FG_KC_CARD], h->cls[FG_KC_DEVICE],
	                                h->cls[FG_KC_ADDRESS] };

	for (size_t j = 0; j < N_HUB_COL; j++) {
		float v = out[j] = (float)k[j];

		if (memcmp(&v, &row[hcol[j]], sizeof(float)))
			return fg_error_set(FG_ERROR, "mpi features: the hub owners' links are not rank "
			                    "0's: user '%s' differs in %s (%u from the owners, %.9g in rank "
			                    "0's scoring row)", fg_graph_user_id(g, u), hub_col[j], k[j],
			                    (double)row[hcol[j]]);
	}
	return FG_OK;
}

/*
 * Rank 0: user u's part_col columns in row (its scoring row) against the
 * rank's part x plus the owners' h, as floats (exact below 2^24), written
 * to out[0..N_PART_COL): the values the model uses once the check passed.
 */
static int check_hub_parts(float *out, const fg_graph *g, uint32_t u, const struct feat_rec *x,
                           const hub_sum *h, const float *row, const uint32_t *pcol)
{
	uint32_t k[N_PART_COL];

	k[0] = x->deg[0] + h->n;
	for (int kc = 0; kc < FG_KC_N; kc++)
		k[1 + kc] = x->deg[1 + kc] + h->cls[kc];
	for (size_t j = 0; j < N_PART_COL; j++) {
		float v = out[j] = (float)k[j];

		if (memcmp(&v, &row[pcol[j]], sizeof(float)))
			return fg_error_set(FG_ERROR, "mpi features: the ranks' and hub owners' links are "
			                    "not rank 0's: user '%s' differs in %s (%u from the rank and "
			                    "owners, %.9g in rank 0's scoring row)", fg_graph_user_id(g, u),
			                    part_col[j], k[j], (double)row[pcol[j]]);
	}
	return FG_OK;
}

/*
 * Rank 0: user u's share_col columns from the rank's part x and the owners'
 * h, as fg_features_row's emit_row writes them (NAN without an entity
 * link), to out[0..N_SHARE_COL).
 */
static void share_cols(float *out, const struct feat_rec *x, const hub_sum *h)
{
	uint32_t n = x->sn + h->n;
	uint32_t mn = !x->sn ? h->smin : !h->n ? x->smin : x->smin < h->smin ? x->smin : h->smin;
	uint32_t mx = x->smax > h->smax ? x->smax : h->smax;
	int64_t first = fg_time_min(x->tfirst, h->first);
	int64_t last = x->tlast > h->last ? x->tlast : h->last;

	out[0] = n ? (float)mn : NAN;
	out[1] = n ? (float)((double)(x->ssum + h->ssum) / n) : NAN;
	out[2] = n ? (float)mx : NAN;
	/* fg_features_row's expression (its DAY) */
	out[3] = first != FG_TIME_NONE && last != FG_TIME_NONE ? (float)((double)(last - first) /
	                                                                 86400.0) : NAN;
}

/* Rank 0: the share columns v (share_cols) against row (its row s, folds mask). */
static int check_share_cols(const float *v, const fg_graph *g, uint32_t u, unsigned s,
                            unsigned mask, const float *row, const uint32_t *scol)
{
	for (size_t j = 0; j < N_SHARE_COL; j++)
		if (memcmp(&v[j], &row[scol[j]], sizeof(float)))
			return fg_error_set(FG_ERROR, "mpi features: the ranks' and hub owners' %s "
			                    "are not rank 0's: user '%s' differs in %s (%.9g from the rank "
			                    "and owners, %.9g in rank 0's; its %s row, folds mask 0x%x)",
			                    j < N_SHARES ? "shares" : "link times",
			                    fg_graph_user_id(g, u), share_col[j], (double)v[j],
			                    (double)row[scol[j]], s ? "training" : "scoring", mask);
	return FG_OK;
}

/*
 * The seed columns of a packed user's row (fg_features' per-entity seed
 * counts, the mask's folds excluded, over all its links, hubs included):
 * the rank's part (feat_rec's seeds: its graph's entities, no hub) plus the
 * hub owners' (each hub record's seeds of the folds not in the mask),
 * hub_seeds the owners' alone, entity_seeds_max the larger of the two
 * maxima.  Integer sums and maxima: the same for any order of the records.
 */
static const char *const seed_col[] = {
	"hub_seeds", "seeds_card", "seeds_device", "seeds_address", "seeds_other",
	"entity_seeds_max",
};
#define N_SEED_COL (sizeof(seed_col) / sizeof(seed_col[0]))
_Static_assert(N_SEED_COL == sizeof(S.seed_at) / sizeof(S.seed_at[0]), "seed_at holds seed_col");
_Static_assert(N_SEED_COL == sizeof(**S.seedv) / sizeof(***S.seedv) &&
               FG_FEAT_FOLDS == sizeof(*S.seedv) / sizeof(**S.seedv), "seedv: rows, seed_col");

/*
 * Rank 0: user u's seed_col columns in row (its row s, folds mask) against
 * the rank's part x->seeds[s] plus the owners' records of u, as floats
 * (exact below 2^24), written to out[0..N_SEED_COL): the values the model
 * uses once the check passed.
 */
static int check_seed_cols(float *out, const fg_graph *g, uint32_t u, const struct feat_rec *x,
                           unsigned s, unsigned mask, const float *row, const uint32_t *dcol)
{
	size_t lo = hubl_first(u);
	uint32_t hs = 0, cls[FG_KC_N] = { 0 }, mx = x->seeds[s][4], k[N_SEED_COL];

	for (; lo < S.n_hubl && S.hubl[lo].id == u; lo++) {
		uint32_t se = 0;

		for (unsigned j = 0; j < FG_FEAT_FOLDS; j++)
			se += mask & 1u << j ? 0 : S.hubl[lo].sd[j];
		hs += se;
		cls[S.hubl[lo].kc < FG_KC_N ? S.hubl[lo].kc : FG_KC_OTHER] += se;
		mx = se > mx ? se : mx;
	}
	k[0] = hs;
	k[1] = x->seeds[s][0] + cls[FG_KC_CARD];
	k[2] = x->seeds[s][1] + cls[FG_KC_DEVICE];
	k[3] = x->seeds[s][2] + cls[FG_KC_ADDRESS];
	k[4] = x->seeds[s][3] + cls[FG_KC_PHONE] + cls[FG_KC_EMAIL] + cls[FG_KC_IP] +
	       cls[FG_KC_OTHER];
	k[5] = mx;
	for (size_t j = 0; j < N_SEED_COL; j++) {
		float v = out[j] = (float)k[j];

		if (memcmp(&v, &row[dcol[j]], sizeof(float)))
			return fg_error_set(FG_ERROR, "mpi features: the ranks' and hub owners' seeds are "
			                    "not rank 0's: user '%s' differs in %s (%u from the rank and "
			                    "owners, %.9g in rank 0's; its %s row, folds mask 0x%x)",
			                    fg_graph_user_id(g, u), seed_col[j], k[j],
			                    (double)row[dcol[j]], s ? "training" : "scoring", mask);
	}
	return FG_OK;
}

int fg_mpi_check_features(const fg_features *f, const fg_graph *g, const fg_scores *s)
{
	double t0 = fg_clock();
	uint32_t col[N_FEAT_COL], hcol[N_HUB_COL], pcol[N_PART_COL], dcol[N_SEED_COL];
	uint32_t scol[N_SHARE_COL];
	uint32_t nc = fg_features_count(f);
	uint32_t packed = 0;
	uint64_t hub_total = 0;
	float *row = NULL;
	double *scratch = NULL;
	int rc;

	if (!S.active)
		return FG_OK;
	if (!S.ranks_featured) {
		rc = fg_error_set(FG_ERROR, "mpi features: the ranks found no features (they run "
		                  "after the evidence BFS)");
		goto cleanup;
	}
	if ((rc = cols_of(col, feat_col, N_FEAT_COL, f)) != FG_OK ||
	    (rc = cols_of(hcol, hub_col, N_HUB_COL, f)) != FG_OK ||
	    (rc = cols_of(pcol, part_col, N_PART_COL, f)) != FG_OK ||
	    (rc = cols_of(dcol, seed_col, N_SEED_COL, f)) != FG_OK ||
	    (rc = cols_of(scol, share_col, N_SHARE_COL, f)) != FG_OK)
		goto cleanup;
	for (uint32_t u = 0; u < g->n_users; u++)
		packed += s->comp_size[u] >= 2;
	for (uint32_t e = 0; e < g->n_entities; e++)
		hub_total += fg_graph_ent_hub(g, e) ? fg_graph_ent_share(g, e) : 0;
	if (packed != S.n_feat) {
		rc = fg_error_set(FG_ERROR, "mpi features: the ranks sent %u users' rows, rank 0 has "
		                  "%u users in components of 2+", S.n_feat, packed);
		goto cleanup;
	}
	row = fg_mallocarray(nc ? nc : 1, sizeof(*row));
	scratch = fg_mallocarray(fg_features_scratch(f), sizeof(*scratch));
	fg_free(S.hubv);
	S.hubv = fg_mallocarray((size_t)S.n_feat + 1, sizeof(*S.hubv));
	fg_free(S.seedv);
	S.seedv = fg_mallocarray((size_t)S.n_feat + 1, sizeof(*S.seedv));
	if (!row || !scratch || !S.hubv || !S.seedv) {
		rc = fg_error_set(FG_ENOMEM, "out of memory checking the ranks' features");
		goto cleanup;
	}
	for (uint32_t i = 0; i < S.n_feat && !rc; i++) {
		const struct feat_rec *x = &S.feat[i];
		uint32_t u = (uint32_t)x->id;

		if (x->id >= g->n_users || s->comp_size[u] < 2 || (i && x->id == S.feat[i - 1].id)) {
			rc = fg_error_set(FG_ERROR, "mpi features: the ranks sent a row for user %llu, "
			                  "not once one of rank 0's packed users",
			                  (unsigned long long)x->id);
			break;
		}
		for (unsigned r = 0; r < FG_FEAT_FOLDS && !rc; r++) {
			unsigned fu = fg_features_fold(f, u), mask = feat_mask(fu, r);

			fg_features_row(row, f, u, mask, scratch);
			if (r == 0) { /* the columns of all its links do not depend on the mask */
				hub_sum h = hub_sum_of(u);

				if ((rc = check_hub_links(S.hubv[i], g, u, &h, row, hcol)) == FG_OK)
					rc = check_hub_parts(S.hubv[i] + N_HUB_COL, g, u, x, &h, row,
					                     pcol);
				share_cols(S.hubv[i] + N_HUB_COL + N_PART_COL, x, &h);
			}
			/* mask-free, but compared with each of the five rows rank 0 builds */
			if (!rc)
				rc = check_share_cols(S.hubv[i] + N_HUB_COL + N_PART_COL, g, u, r, mask,
				                      row, scol);
			if (!rc)
				rc = check_seed_cols(S.seedv[i][r], g, u, x, r, mask, row, dcol);
			for (size_t j = 0; !rc && j < N_FEAT_COL; j++)
				if (memcmp(&x->v[r][j], &row[col[j]], sizeof(float))) {
					rc = fg_error_set(FG_ERROR, "mpi features: the ranks' features are not "
					                  "rank 0's: user '%s' differs in %s (%.9g on its rank, "
					                  "%.9g in rank 0's; its %s row, folds mask 0x%x)",
					                  fg_graph_user_id(g, u), feat_col[j], (double)x->v[r][j],
					                  (double)row[col[j]], r ? "training" : "scoring", mask);
					break;
				}
		}
	}
	if (!rc && hub_total != S.n_hubl)
		rc = fg_error_set(FG_ERROR, "mpi features: the hub owners sent %zu hub links, rank 0's "
		                  "graph has %llu", S.n_hubl, (unsigned long long)hub_total);
	if (!rc) { /* what was checked and is used, one line a column group */
		fg_log_info("mpi features: hub_links, hub_card, hub_device and hub_address of %u packed "
		            "users from the hub owners' %zu links; bit for bit rank 0's, used by the "
		            "model", S.n_feat, S.n_hubl);
		fg_log_info("mpi features: deg_total and deg_card .. deg_other of %u packed users from "
		            "the ranks' links and the hub owners'; bit for bit rank 0's, used by the "
		            "model", S.n_feat);
		fg_log_info("mpi features: hub_seeds, seeds_card .. seeds_other and entity_seeds_max "
		            "of %u packed users from the ranks' links and the hub owners'; bit for bit "
		            "rank 0's in the scoring and 4 training rows, used by the model", S.n_feat);
		fg_log_info("mpi features: share_min, share_mean and share_max of %u packed users "
		            "from the ranks' links and the hub owners' shares; bit for bit rank 0's in "
		            "the scoring and 4 training rows, used by the model", S.n_feat);
		fg_log_info("mpi features: activity_span_days of %u packed users from the ranks' "
		            "links and the hub owners' link times; bit for bit rank 0's in the scoring "
		            "and 4 training rows, used by the model", S.n_feat);
		fg_log_info("mpi features: %zu columns of %u packed users' rows found on the ranks' "
		            "graphs; bit for bit rank 0's fg_features (the scoring and 4 training rows "
		            "each, checked in %.3f s); the model trains and scores with the ranks' "
		            "columns", N_FEAT_COL, S.n_feat, fg_clock() - t0);
	}
	/* tests: after the check, every column of every packed user's scoring row (or of its
	 * training rows) doubled and one added */
	if (!rc && fg_fault_fails("mpi-features-used"))
		for (uint32_t i = 0; i < S.n_feat; i++)
			for (size_t j = 0; j < N_FEAT_COL; j++)
				S.feat[i].v[0][j] = 2.0f * S.feat[i].v[0][j] + 1.0f;
	if (!rc && fg_fault_fails("mpi-features-used-train"))
		for (uint32_t i = 0; i < S.n_feat; i++)
			for (unsigned r = 1; r < FG_FEAT_FOLDS; r++)
				for (size_t j = 0; j < N_FEAT_COL; j++)
					S.feat[i].v[r][j] = 2.0f * S.feat[i].v[r][j] + 1.0f;
	/* tests: after the check, the four hub-link columns of every packed user the same way */
	if (!rc && fg_fault_fails("mpi-hub-links-used"))
		for (uint32_t i = 0; i < S.n_feat; i++)
			for (size_t j = 0; j < N_HUB_COL; j++)
				S.hubv[i][j] = 2.0f * S.hubv[i][j] + 1.0f;
	/* tests: after the check, the six seed columns of every packed user's five rows */
	if (!rc && fg_fault_fails("mpi-seeds-used"))
		for (uint32_t i = 0; i < S.n_feat; i++)
			for (unsigned r = 0; r < FG_FEAT_FOLDS; r++)
				for (size_t j = 0; j < N_SEED_COL; j++)
					S.seedv[i][r][j] = 2.0f * S.seedv[i][r][j] + 1.0f;
	/* tests: after the check, the eight degree columns of every packed user the same way */
	if (!rc && fg_fault_fails("mpi-deg-used"))
		for (uint32_t i = 0; i < S.n_feat; i++)
			for (size_t j = N_HUB_COL; j < N_HUB_COL + N_PART_COL; j++)
				S.hubv[i][j] = 2.0f * S.hubv[i][j] + 1.0f;
	/* tests: after the check, the three share columns of every packed user the same way */
	if (!rc && fg_fault_fails("mpi-share-used"))
		for (uint32_t i = 0; i < S.n_feat; i++)
			for (size_t j = N_HUB_COL + N_PART_COL; j < N_HUB_COL + N_PART_COL + N_SHARES; j++)
				S.hubv[i][j] = 2.0f * S.hubv[i][j] + 1.0f;
	/* tests: after the check, activity_span_days of every packed user the same way */
	if (!rc && fg_fault_fails("mpi-span-used"))
		for (uint32_t i = 0; i < S.n_feat; i++)
			S.hubv[i][N_OWN_COL - 1] = 2.0f * S.hubv[i][N_OWN_COL - 1] + 1.0f;
	if (!rc) {
		memcpy(S.feat_at, col, sizeof(col));
		memcpy(S.hub_at, hcol, sizeof(hcol));
		memcpy(S.hub_at + N_HUB_COL, pcol, sizeof(pcol));
		memcpy(S.hub_at + N_HUB_COL + N_PART_COL, scol, sizeof(scol));
		memcpy(S.seed_at, dcol, sizeof(dcol));
		S.feat_nc = nc;
		/* the counts are in S.hubv now: the records are not read again */
		fg_free(S.hubl);
		S.hubl = NULL;
		S.n_hubl = 0;
	}
cleanup:
	fg_free(row);
	fg_free(scratch);
	if (rc)
		fg_mpi_drop_features();
	return rc;
}

void fg_mpi_use_features(float *rows, const fg_features *f, const uint32_t *users, uint32_t n,
                         unsigned mask)
{
	if (!S.active || !S.ranks_featured || !S.feat_nc)
		return;
	assert(fg_features_count(f) == S.feat_nc);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lo = 0, hi = S.n_feat, u = users[i];
		float *row = rows + (size_t)i * S.feat_nc;
		unsigned r = feat_slot(fg_features_fold(f, u), mask);

		if (r == FG_FEAT_FOLDS)
			continue; /* the ranks built the scoring and training rows only */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (S.feat[mid].id < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == S.n_feat || S.feat[lo].id != u)
			continue; /* alone in its component: rank 0's row */
		for (size_t j = 0; j < N_FEAT_COL; j++)
			row[S.feat_at[j]] = S.feat[lo].v[r][j];
		for (size_t j = 0; j < N_OWN_COL; j++)
			row[S.hub_at[j]] = S.hubv[lo][j];
		for (size_t j = 0; j < N_SEED_COL; j++)
			row[S.seed_at[j]] = S.seedv[lo][r][j];
	}
}

void fg_mpi_drop_features(void)
{
	fg_free(S.feat);
	S.feat = NULL;
	S.n_feat = 0;
	fg_free(S.hubl);
	S.hubl = NULL;
	S.n_hubl = 0;
	fg_free(S.hubv);
	S.hubv = NULL;
	fg_free(S.seedv);
	S.seedv = NULL;
	S.feat_nc = 0;
	S.ranks_featured = false;
}

/*
 * Every rank: the components of 2+ users packed onto the ranks (fg_pack,
 * from the sizes at their labels' owners), their links shipped there (one
 * all-to-all), a graph per rank built by fg_graph_build, fg_rings on it, the
 * (user, ring) pairs in canonical ids to rank 0, which places them into the
 * run's ring[] and its sweeps into *stats (the whole graph's: its slowest
 * component's, below) and checks both against check and *check_st (its own
 * fg_rings on the whole graph g; all NULL elsewhere).  fg_rings' labels
 * depend on vertex ids only through their order within a component (initial
 * label = own id, the smallest label of a tie, the colouring in id order,
 * sums in CSR order) and rings never cross components, so a graph of whole
 * components numbered in the same byte order gives the same rings.
 * Collective.
 */
static int rings_all(uint32_t *ring, fg_rings_stats *stats, const fg_graph *g,
                     const uint32_t *check, const fg_rings_stats *check_st)
{
	rank_graph_drop();
	double t0 = fg_clock(), c0 = fg_cpu_clock(), tc = 0;
	const ccpass *c = S.cc;
	csize *comp = NULL;
	fg_pack_item *items = NULL;
	int *dest = NULL, *cnt = NULL, *disp = NULL, rc = FG_OK, n = S.size, mine;
	size_t nc = 0, len = 0;
	char *rbuf = NULL;
	fg_graph *lg = NULL;
	uint64_t *ucan = NULL, *ecan = NULL, *pairs = NULL, *all = NULL, nl = S.n_links, nl_all = 0;
	uint32_t *lring = NULL, *lcomp = NULL;
	ringsum me = { 0, 0, 0, 0, 0, 0 }, *sums = NULL;
	fg_rings_stats st = { 0, 1, 0 };

	if (!c)
		return agree(fg_error_set(FG_ERROR, "rank %d: the rings before the components", S.rank));
	MPI_Allreduce(&nl, &nl_all, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	if ((rc = packed_components(&comp, &nc, c)) != FG_OK)
		goto cleanup;
	items = fg_mallocarray(nc + 1, sizeof(*items));
	dest = fg_mallocarray(nc + 1, sizeof(*dest));
	if (!items || !dest)
		rc = fg_error_set(FG_ENOMEM, "out of memory packing %zu components", nc);
	for (size_t i = 0; !rc && i < nc; i++)
		items[i] = (fg_pack_item){ comp[i].label, component_bytes(&comp[i]) };
	if (!rc)
		rc = fg_pack_components(dest, items, nc, n);
	for (size_t i = 0; !rc && i < nc; i++)
		if (dest[i] == S.rank) {
			me.comps++;
			me.users += comp[i].users;
			me.links += comp[i].links;
			me.bytes += items[i].weight;
		}
	if ((rc = agree(rc)) != FG_OK || (rc = ship_components(&rbuf, &len, c, comp, nc, dest)) != FG_OK)
		goto cleanup;
	if ((rc = agree(rank_graph(&lg, &ucan, &ecan, rbuf, len))) != FG_OK)
		goto cleanup;
	fg_free(rbuf);
	rbuf = NULL;
	if (lg->n_users != me.users)
		rc = fg_error_set(FG_ERROR, "rank %d: %u users shipped to it, %llu packed", S.rank,
		                  lg->n_users, (unsigned long long)me.users);
	else if (!(lring = fg_mallocarray((size_t)lg->n_users + 1, sizeof(*lring))) ||
	         !(pairs = fg_mallocarray(2 * (size_t)lg->n_users + 1, sizeof(*pairs))))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for the rings", S.rank);
	else
		rc = fg_rings(lring, lg, S.cfg->lpa_max_iter, &st);
	if (!rc && fg_fault_fails("mpi-rings") && S.rank == n - 1) /* tests: one user leaves its ring */
		for (uint32_t u = 0; u < lg->n_users; u++)
			if (lring[u] != u) {
				lring[u] = u;
				break;
			}
	for (uint32_t u = 0; !rc && u < lg->n_users; u++) {
		pairs[2 * u] = ucan[u];
		pairs[2 * u + 1] = ucan[lring[u]];
	}
	/*
	 * The graph's components, for the components' scores (scores_all, after
	 * the risk walk: the graph is kept until then).  fg_cc's label is the
	 * smallest vertex, a user (users come first), so the local component ids
	 * map to canonical ones as the rings' do.
	 */
	if (!rc && !(lcomp = fg_mallocarray((size_t)lg->g.n + 1, sizeof(*lcomp))))
		rc = fg_error_set(FG_ENOMEM, "rank %d: out of memory for the components' scores", S.rank);
	if (!rc)
		rc = fg_cc(lcomp, &lg->g);
	me.sweeps = st.iterations;
	if (fg_fault_fails("mpi-rings-sweep") && S.rank == n - 1) /* tests: a sweep count not the graph's */
		me.sweeps = 99;
	me.capped = lg && lg->n_users && !st.converged;
	if (S.rank == 0 && !rc) {
		if (!(cnt = fg_calloc((size_t)n * 2, sizeof(int))) ||
		    !(sums = fg_mallocarray((size_t)n, sizeof(*sums))))
			rc = fg_error_set(FG_ENOMEM, "out of memory gathering the rings");
		else
			disp = cnt + n;
	}
	if (!rc && lg && 2 * (uint64_t)lg->n_users > (uint64_t)INT_MAX)
		rc = fg_error_set(FG_ERROR, "rank %d: %u users of its components to report (at most "
		                  "2^30 in this stage)", S.rank, lg->n_users);
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	mine = (int)(2 * lg->n_users);
	MPI_Gather(&me, (int)sizeof(me), MPI_BYTE, sums, (int)sizeof(me), MPI_BYTE, 0, MPI_COMM_WORLD);
	MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (S.rank == 0) {
		size_t t = 0;

		for (int r = 0; r < n; r++) {
			disp[r] = (int)t;
			t += (size_t)cnt[r];
		}
		if (t > (size_t)INT_MAX || !(all = fg_mallocarray(t + 1, sizeof(*all))))
			rc = fg_error_set(FG_ENOMEM, "out of memory gathering %zu ring ids", t / 2);
	}
	if ((rc = agree(rc)) != FG_OK)
		goto cleanup;
	MPI_Gatherv(pairs, mine, MPI_UINT64_T, all, cnt, disp, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	S.phase_bytes += S.rank ? (uint64_t)mine * 8 + sizeof(me) : 0;
	if (S.rank == 0) {
		uint64_t packed = 0, users = 0, links = 0, worst = 0, wu = 0, wl = 0, rings2 = 0;
		int sweeps = 0, capped = 0;
		double tk = fg_clock();

		for (size_t i = 0; i < nc; i++) {
			users += comp[i].users;
			links += comp[i].links;
		}
		for (int r = 0; r < n; r++) {
			packed += sums[r].users;
			if (sums[r].bytes > worst || r == 0) {
				worst = sums[r].bytes;
				wu = sums[r].users;
				wl = sums[r].links;
			}
			sweeps = sums[r].sweeps > sweeps ? sums[r].sweeps : sweeps;
			capped |= sums[r].capped;
		}
		/*
		 * The whole graph's sweeps: a component's labels change in a prefix
		 * of the sweeps and a sweep without a change ends the run, so one
		 * graph sweeps as often as its slowest component, and at least once
		 * (no change) when it has users and a cap above 0; it stops at the
		 * cap when a rank did, or when the cap runs no sweep at all.
		 */
		if (!sweeps && g->n_users && S.cfg->lpa_max_iter > 0)
			sweeps = 1;
		stats->iterations = sweeps;
		stats->converged = !capped && (!g->n_users || S.cfg->lpa_max_iter > 0);
		stats->changes_last = 0; /* the run reads the sweeps and convergence only */
		rc = rings_place(ring, g->n_users, all, ((size_t)disp[n - 1] + (size_t)cnt[n - 1]) / 2,
		                 packed);
		if (!rc)
			rc = check_rings(g, ring, check);
		if (!rc && (stats->iterations != check_st->iterations ||
		            stats->converged != check_st->converged))
			rc = fg_error_set(FG_ERROR, RINGS_DIFFER "%d sweeps (%s) by the ranks, %d (%s) on "
			                  "rank 0's graph", stats->iterations,
			                  stats->converged ? "converged" : "capped", check_st->iterations,
			                  check_st->converged ? "converged" : "capped");
		tc = fg_clock() - tk;
		if (!rc) {
			/* rings of 2+ users: the ring ids some other user carries */
			uint8_t *seen = fg_calloc((size_t)g->n_users + 1, 1);

			for (uint32_t u = 0; seen && u < g->n_users; u++)
				if (ring[u] != u && !seen[ring[u]]) {
					seen[ring[u]] = 1;
					rings2++;
				}
			fg_free(seen);
			fg_log_info("mpi rings: %zu components of 2+ users (%llu users, %llu links) packed "
			            "onto %d ranks (the heaviest %llu users, %llu links, about %llu MiB), "
			            "their links shipped and fg_rings run on one graph per rank: the rings "
			            "are rank 0's (%llu of 2+ users; at most %d sweeps on a rank%s, %d on "
			            "rank 0's graph; checked in %.3f s on rank 0); the run uses the "
			            "ranks' rings", nc,
			            (unsigned long long)users, (unsigned long long)links, n,
			            (unsigned long long)wu, (unsigned long long)wl,
			            (unsigned long long)((worst + (1u << 20) - 1) >> 20),
			            (unsigned long long)rings2, sweeps, capped ? ", capped" : "",
			            check_st->iterations, tc);
		}
	}
	if ((rc = agree(rc)) == FG_OK) {
		phase_report("rings", t0, c0, nl_all);
		/* kept for the scores (scores_all, at the end of the evidence BFS) */
		rank_graph_drop();
		S.kg = lg;
		S.kucan = ucan;
		S.kring = lring;
		S.kcomp = lcomp;
		lg = NULL;
		ucan = NULL;
		lring = lcomp = NULL;
	}
cleanup:
	fg_free(comp);
	fg_free(items);
	fg_free(dest);
	fg_free(cnt);
	fg_free(rbuf);
	fg_graph_free(&lg);
	fg_free(ucan);
	fg_free(ecan);
	fg_free(pairs);
	fg_free(all);
	fg_free(lring);
	fg_free(sums);
	fg_free(lcomp);
	return rc;
}

int fg_mpi_rings(uint32_t *ring, fg_rings_stats *stats, const fg_graph *g, const uint32_t *check,
                 const fg_rings_stats *check_st)
{
	send_cmd(CMD_RINGS, 0);
	return rings_all(ring, stats, g, check, check_st);
}

int fg_mpi_worker(const fg_run_opts *o)
{
	fg_badrows none;
	int rc = FG_OK;

	memset(&none, 0, sizeof(none));
	for (;;) {
		int m[2] = { 0, 0 };

		bcast_wait(m, 2, MPI_INT);
		if (m[0] == CMD_DONE) {
			S.done_sent = true;
			return m[1];
		}
		if (rc != FG_OK)
			continue; /* rank 0 knows the failure and ends the run */
		if (m[0] == CMD_INGEST) {
			rc = ingest_all(NULL, NULL, o);
			fg_error_clear();
		} else if (m[0] == CMD_COMPONENTS) {
			rc = components_all(NULL, NULL);
			fg_error_clear();
		} else if (m[0] == CMD_RISK) {
			fg_risk_dist_stats st;

			rc = risk_all(NULL, NULL, NULL, NULL, &st);
			fg_error_clear();
		} else if (m[0] == CMD_RINGS) {
			rc = rings_all(NULL, NULL, NULL, NULL, NULL);
			fg_error_clear();
		} else if (m[0] == CMD_EVIDENCE) {
			rc = evidence_all(NULL, NULL, NULL, NULL, NULL);
			fg_error_clear();
		}
	}
}
