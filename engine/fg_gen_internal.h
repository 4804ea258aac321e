/*
 * What the world generator's shapes share: the PRNG, the hand-written
 * formatters, the per-user emitter and the shape table.  Internal to engine/
 * (fg_gen_world.c drives, fg_gen_rings.c, fg_gen_social.c and
 * fg_gen_items.c plant).
 *
 * Every user is formatted by the shape's user function into three cursors
 * (edges, users, truth) from its own stream em->r; the driver reserves
 * shape->user_reserve bytes of edges and 1 KiB of users and truth per user
 * before the call, so a shape bounds its rows per user accordingly.
 */
#ifndef FG_ENGINE_FG_GEN_INTERNAL_H
#define FG_ENGINE_FG_GEN_INTERNAL_H

#include "fg_gen_world.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FG_GEN_SPAN (3 * 365 * 86400LL)
#define FG_GEN_DAY 86400LL
#define FG_GEN_ROW_RESERVE 1024 /* users.csv and truth.csv bytes reserved per user */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* hash domains shared by every shape (rings keeps its own after these) */
enum { T_USER = 20, T_PLAN = 21, T_ATTR = 40, T_ITEM, T_LABEL };

/* ---- randomness ---- */

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t hash3(uint64_t key, uint64_t tag, uint64_t a, uint64_t b)
{
	uint64_t h = mix64(key + tag * 0x9e3779b97f4a7c15ull);

	h = mix64(h ^ (a + 0x632be59bd9b4e019ull));
	return mix64(h ^ (b + 0x85157af5ull));
}

typedef struct rng {
	uint64_t s;
} rng;

static inline uint64_t rnext(rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return mix64(r->s);
}

static inline double runif(rng *r)
{
	return (double)(rnext(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* uniform in [0, n), n < 2^32 */
static inline uint64_t rbelow(rng *r, uint64_t n)
{
	return ((rnext(r) >> 32) * n) >> 32;
}

static inline bool rchance(rng *r, double p)
{
	return runif(r) < p;
}

/* A standard normal from 12 uniforms (Irwin-Hall): arithmetic only, so the
 * same bits on every platform; tails end at +-6, which is all a world needs. */
static inline double rnorm(rng *r)
{
	double s = 0;

	for (int i = 0; i < 12; i++)
		s += runif(r);
	return s - 6.0;
}

/* user index -> 32-bit id: a keyed bijection, so ids are unique and unordered */
static inline uint32_t uid_of(uint64_t key, uint64_t idx)
{
	uint32_t x = (uint32_t)idx ^ (uint32_t)key;

	x *= 0x9e3779b1u;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x + (uint32_t)(key >> 32);
}

/* ---- formatting ---- */

static inline char *put_s(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static inline char *put_hex(char *p, uint64_t v, int digits)
{
	static const char hexd[] = "0123456789abcdef";

	for (int i = digits - 1; i >= 0; i--)
		p[i] = hexd[v & 15], v >>= 4;
	return p + digits;
}

static inline char *put_u64(char *p, uint64_t v)
{
	char t[24];
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10), v /= 10;
	while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static inline char *put_2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ" (civil_from_days, H. Hinnant); t >= 0 */
static inline char *put_iso(char *p, int64_t t)
{
	int64_t days = t / FG_GEN_DAY, sec = t % FG_GEN_DAY;
	int64_t z = days + 719468, era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;

	y += m <= 2;
	p = put_2(p, (unsigned)(y / 100));
	p = put_2(p, (unsigned)(y % 100));
	*p++ = '-';
	p = put_2(p, m);
	*p++ = '-';
	p = put_2(p, d);
	*p++ = 'T';
	p = put_2(p, (unsigned)(sec / 3600));
	*p++ = ':';
	p = put_2(p, (unsigned)(sec / 60 % 60));
	*p++ = ':';
	p = put_2(p, (unsigned)(sec % 60));
	*p++ = 'Z';
	return p;
}

static inline char *put_uid(char *p, uint64_t key, uint64_t idx)
{
	*p++ = 'u';
	return put_hex(p, uid_of(key, idx), 8);
}

/* v with dec (<= 6) decimals, rounded half away from zero; |v| < 1e12 */
static inline char *put_fixed(char *p, double v, int dec)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
	uint64_t s = pow10[dec], x;
	bool neg = v < 0;

	x = (uint64_t)((neg ? -v : v) * (double)s + 0.5);
	if (neg && x)
		*p++ = '-';
	p = put_u64(p, x / s);
	if (dec) {
		uint64_t f = x % s;
		*p++ = '.';
		for (int i = dec - 1; i >= 0; i--)
			p[i] = (char)('0' + f % 10), f /= 10;
		p += dec;
	}
	return p;
}

/* ---- the per-user emitter ---- */

typedef struct emit {
	const void *plan;  /* the shape's plan */
	uint64_t key;      /* the world's key, a hash of the seed */
	int64_t end;       /* last second of the world */
	char *e, *u, *t;   /* write cursors into the edges, users, truth buffers */
	uint64_t idx;
	char uid[9];
	rng r;
	uint64_t links, fraud, legit;
} emit;

/* A seen_at: mostly ISO, some unix seconds, a few empty. */
static inline char *put_seen(emit *em, char *p, int64_t t)
{
	uint64_t x = rbelow(&em->r, 100);

	if (t > em->end)
		t = em->end;
	if (x < 3)
		return p;
	if (x < 23)
		return put_u64(p, (uint64_t)t);
	return put_iso(p, t);
}

static inline char *row_head(emit *em, const char *kind)
{
	char *p = em->e;

	memcpy(p, em->uid, 9);
	p += 9;
	*p++ = ',';
	p = put_s(p, kind);
	*p++ = ',';
	return p;
}

static inline void row_tail(emit *em, char *p, int64_t seen)
{
	*p++ = ',';
	p = put_seen(em, p, seen);
	*p++ = '\n';
	em->e = p;
	em->links++;
}

static inline void link_hex(emit *em, const char *kind, const char *prefix, uint64_t h,
                            int64_t seen)
{
	row_tail(em, put_hex(put_s(row_head(em, kind), prefix), h, 16), seen);
}

static inline void link_str(emit *em, const char *kind, const char *value, int64_t seen)
{
	row_tail(em, put_s(row_head(em, kind), value), seen);
}

static inline void link_user(emit *em, const char *kind, uint64_t other, int64_t seen)
{
	row_tail(em, put_uid(row_head(em, kind), em->key, other), seen);
}

/* a time in [t0, t0 + days), kept before the end of the world */
static inline int64_t after(emit *em, int64_t t0, int64_t days)
{
	int64_t span = days * FG_GEN_DAY;

	if (span > em->end - t0)
		span = em->end - t0;
	return span > 0 ? t0 + (int64_t)rbelow(&em->r, (uint64_t)span) : t0;
}

/* "uid,created_at,label" without the newline: attribute cells may follow. */
static inline void user_row_open(emit *em, int64_t created, const char *label)
{
	char *p = em->u;
	uint64_t x = rbelow(&em->r, 100);

	memcpy(p, em->uid, 9);
	p += 9;
	*p++ = ',';
	if (x >= 1)
		p = x < 86 ? put_u64(p, (uint64_t)created) : put_iso(p, created);
	*p++ = ',';
	p = put_s(p, label);
	em->u = p;
	em->fraud += label[0] == 'f';
	em->legit += label[0] == 'l';
}

/* One attribute cell: ",v" with 4 decimals, or "," (missing) with chance p_missing. */
static inline void user_attr(emit *em, double v, double p_missing)
{
	*em->u++ = ',';
	if (p_missing > 0 && rchance(&em->r, p_missing))
		return;
	em->u = put_fixed(em->u, v, 4);
}

/* One integer attribute cell, never missing. */
static inline void user_attr_count(emit *em, uint64_t v)
{
	*em->u++ = ',';
	em->u = put_u64(em->u, v);
}

static inline void user_row_close(emit *em)
{
	*em->u++ = '\n';
}

static inline void user_row(emit *em, int64_t created, const char *label)
{
	user_row_open(em, created, label);
	user_row_close(em);
}

/* ---- helpers of the attribute shapes (fg_gen_social.c, fg_gen_items.c) ---- */

static inline double gen_logistic(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

static inline double gen_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* median * exp(sigma z), rounded, within [lo, hi] */
static inline unsigned lognormal_count(rng *r, double median, double sigma, unsigned lo,
                                       unsigned hi)
{
	double x = median * exp(sigma * rnorm(r));

	return x < lo ? lo : x > hi ? hi : (unsigned)(x + 0.5);
}

/*
 * A user's label from its own stream (so the label rate moves no other
 * byte): a fraudster is labelled fraud with chance label_rate, any other
 * user legit with chance 0.5%.
 */
static inline const char *label_of(const emit *em, double label_rate, bool fraud)
{
	rng lr = { hash3(em->key, T_LABEL, em->idx, 0) };

	if (fraud)
		return runif(&lr) < label_rate ? "fraud" : "";
	return runif(&lr) < 0.005 ? "legit" : "";
}

/* truth row "uid,fraud,<prefix><group>"; group 0: no ring_id */
static inline void truth_fraud(emit *em, const char *prefix, uint32_t group)
{
	char *p = em->t;

	memcpy(p, em->uid, 9);
	p = put_s(p + 9, ",fraud,");
	if (group)
		p = put_u64(put_s(p, prefix), group);
	*p++ = '\n';
	em->t = p;
}

/* an account created uniformly in [start, end - 30 days) */
static inline int64_t created_uniform(emit *em, int64_t start)
{
	return start + (int64_t)rbelow(&em->r, (uint64_t)(em->end - start - 30 * FG_GEN_DAY));
}

/* ---- shapes ---- */

typedef struct fg_gen_shape_impl {
	const char *name;
	const char *headers[3];  /* edges, users, truth */
	size_t user_reserve;     /* edges bytes one user can take, at most */
	/* Draw the plan for p (label_rate resolved); FG_OK, FG_EUSAGE or FG_ENOMEM. */
	int (*plan)(void **out, const fg_gen_params *p, uint64_t key);
	/* Format user em->idx (em->uid and em->r are set). */
	void (*user)(emit *em);
	/* Counts of the plan into out (users, links, bytes and labels are the driver's). */
	void (*stats)(fg_gen_stats *out, const void *plan);
	void (*free)(void *plan); /* NULL-safe */
} fg_gen_shape_impl;

extern const fg_gen_shape_impl fg_gen_rings_shape;
extern const fg_gen_shape_impl fg_gen_dense_shape;
extern const fg_gen_shape_impl fg_gen_coreview_shape;
extern const fg_gen_shape_impl fg_gen_reviews_shape;
extern const fg_gen_shape_impl fg_gen_payments_shape;

#endif
