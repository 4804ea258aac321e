/*
 * gen_world: see gen_world.h for the contract.
 *
 * Layout of the plan: per user u, kind[u] (structure type, bit 0x80 = victim
 * of a stolen card), pos[u] (position inside its structure) and grp[u] (index
 * into the group table).  Groups hold their members in one flat array so that
 * relation rows (orders, referrals) can name other members.  Structure
 * members are drawn at random indices (rejection sampling against the plan),
 * so a ring's rows are scattered through the file, and user ids are a keyed
 * bijection of the index so that byte order says nothing about structure.
 */
#include "gen_world.h"

#include "fg_alloc.h"
#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_par.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#define SPAN_SECONDS (3 * 365 * 86400LL)
#define DAY 86400LL
#define CHUNK_USERS 8192
#define USER_RESERVE 32768 /* bytes reserved per user and file: far above the longest user */

enum { K_ORD = 0, K_RING, K_HH, K_OFFICE, K_COL };
#define K_VICTIM 0x80

/* hash domains: entity values of different roles never coincide */
enum {
	T_CARD = 1, T_DEV, T_ADDR, T_IP, T_EMAIL, T_PHONE,
	T_RCARD, T_RDEV, T_RADDR, T_RPHONE, T_REMAIL, T_RIP,
	T_HADDR, T_HDEV, T_HCARD, T_HIP, T_OADDR, T_ODEV, T_OIP, T_USER, T_PLAN,
};

typedef struct group {
	uint8_t type;
	uint8_t nc, nd, na, nphone, nemail, nip; /* ring pools / shared items */
	bool labelled, stolen, hubroute, referral, has_dev, has_card, has_ip;
	uint32_t local;      /* number printed in truth (ring-<local>) */
	uint32_t first, size; /* members[first .. first+size) */
	uint32_t hub;        /* freight hub a ring routes through */
	int64_t t0, width;   /* creation burst */
	double label_p;
} group;

typedef struct vict {
	uint32_t user, ring;
} vict;

typedef struct plan {
	uint64_t n, key;
	int64_t start, end;
	uint8_t *kind, *pos;
	uint32_t *grp;
	group *groups;
	uint32_t ngroups, nrings, nhh, noffice, ncol;
	uint32_t *members;
	vict *victims;
	uint32_t nvictims;
	uint32_t nfreight, nemu, nnat;
	double p_freight, p_emu, p_nat;
	double label_rate;
} plan;

typedef struct gbuf {
	char *p;
	size_t len, cap;
} gbuf;

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

/* user index -> 32-bit id: a keyed bijection, so ids are unique and unordered */
static inline uint32_t uid_of(const plan *pl, uint64_t idx)
{
	uint32_t x = (uint32_t)idx ^ (uint32_t)pl->key;

	x *= 0x9e3779b1u;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x + (uint32_t)(pl->key >> 32);
}

/* ---- formatting ---- */

static const char hexd[] = "0123456789abcdef";

static inline char *put_s(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static inline char *put_hex(char *p, uint64_t v, int digits)
{
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
static char *put_iso(char *p, int64_t t)
{
	int64_t days = t / DAY, sec = t % DAY;
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

static inline char *put_uid(char *p, const plan *pl, uint64_t idx)
{
	*p++ = 'u';
	return put_hex(p, uid_of(pl, idx), 8);
}

static const char *const streets[] = {
	"Elm", "Oak", "Maple", "Cedar", "Pine", "Birch", "Willow", "Ash", "Chestnut", "Walnut",
	"Main", "High", "Church", "Mill", "Station", "Park", "Victoria", "King", "Queen", "Bridge",
	"Harbour", "Orchard", "Meadow", "Spring",
};
static const char *const suffixes[] = { "Street", "Road", "Avenue", "Lane", "Drive", "Way" };
static const char *const cities[] = {
	"Springfield", "Riverton", "Fairview", "Lakeside", "Greenville", "Bristol", "Salem",
	"Madison", "Georgetown", "Ashland", "Clinton", "Franklin", "Oxford", "Dover", "Milton",
	"Newport",
};
static const char *const names[] = {
	"Old Mill", "Lighthouse", "Red Barn", "Corner", "Rose", "Ivy",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * An address from hash h: mostly "addr_<hex>", one in eight street-like with
 * commas (quoted CSV), a sixteenth of those with doubled quotes.
 */
static char *put_addr(char *p, uint64_t h)
{
	if ((h >> 61) != 0)
		return put_hex(put_s(p, "addr_"), h, 16);
	*p++ = '"';
	if (((h >> 57) & 15) == 0) {
		p = put_s(p, "The \"\"");
		p = put_s(p, names[(h >> 20) % NELEM(names)]);
		p = put_s(p, "\"\" House, ");
	}
	p = put_u64(p, 1 + (h & 0x3ff) % 999);
	*p++ = ' ';
	p = put_s(p, streets[(h >> 10) % NELEM(streets)]);
	*p++ = ' ';
	p = put_s(p, suffixes[(h >> 16) % NELEM(suffixes)]);
	p = put_s(p, ", Apt ");
	p = put_u64(p, 1 + (h >> 24) % 400);
	p = put_s(p, ", ");
	p = put_s(p, cities[(h >> 34) % NELEM(cities)]);
	*p++ = ' ';
	p = put_u64(p, 10000 + (h >> 38) % 90000);
	*p++ = '"';
	return p;
}

static char *put_ip10(char *p, uint64_t h)
{
	p = put_s(p, "10.");
	p = put_u64(p, h & 255);
	*p++ = '.';
	p = put_u64(p, (h >> 8) & 255);
	*p++ = '.';
	return put_u64(p, 1 + ((h >> 16) % 254));
}

/* ordinary users' addresses: public-looking, 32 bits, avoiding 10/8 and 100.64/10 */
static char *put_ip_public(char *p, uint64_t h)
{
	p = put_u64(p, 11 + (h & 0xff) % 88); /* 11 .. 98 */
	*p++ = '.';
	p = put_u64(p, (h >> 8) & 255);
	*p++ = '.';
	p = put_u64(p, (h >> 16) & 255);
	*p++ = '.';
	return put_u64(p, 1 + ((h >> 24) % 254));
}

static char *put_email(char *p, uint64_t h)
{
	static const char *const first[] = { "alex", "sam", "kim", "lee", "jo", "max", "ana", "noor" };
	static const char *const dom[] = { "mail.example", "inbox.test", "post.example" };

	p = put_s(p, first[h % NELEM(first)]);
	*p++ = '.';
	p = put_hex(p, h >> 8, 10);
	*p++ = '@';
	return put_s(p, dom[(h >> 4) % NELEM(dom)]);
}

static char *put_phone(char *p, uint64_t h)
{
	return put_u64(put_s(p, "+1555"), 1000000000ull + h % 9000000000ull);
}

static const char *const freight[] = {
	"\"Suite 100, 8200 NW 25th Street, Doral 33122\"",
	"\"Unit 7, 2 Cargo Way, Wilmington 19801\"",
	"\"Dock 4, 15 Harbour Road, Newport 02840\"",
	"\"Bay 12, 900 Logistics Parkway, Dover 19901\"",
	"\"Warehouse B, 41 Station Road, Bristol 06010\"",
	"\"Suite 3, 77 Export Drive, Madison 53703\"",
};
static const char *const emulators[] = {
	"dev_emulator_generic_x86_64", "dev_0000000000000000", "dev_sdk_gphone_x86",
	"dev_ffffffffffffffff",
};
static const char *const nats[] = { "100.64.0.1", "100.64.12.7", "100.72.3.1", "100.80.0.9" };

/* ---- rows ---- */

typedef struct emit {
	const plan *pl;
	char *e, *u, *t; /* write cursors into the edges, users, truth buffers */
	uint64_t idx;
	char uid[9];
	rng r;
	uint64_t links, fraud, legit;
} emit;

/* A seen_at: mostly ISO, some unix seconds, a few empty. */
static char *put_seen(emit *em, char *p, int64_t t)
{
	uint64_t x = rbelow(&em->r, 100);

	if (t > em->pl->end)
		t = em->pl->end;
	if (x < 3)
		return p;
	if (x < 23)
		return put_u64(p, (uint64_t)t);
	return put_iso(p, t);
}

static char *row_head(emit *em, const char *kind)
{
	char *p = em->e;

	memcpy(p, em->uid, 9);
	p += 9;
	*p++ = ',';
	p = put_s(p, kind);
	*p++ = ',';
	return p;
}

static void row_tail(emit *em, char *p, int64_t seen)
{
	*p++ = ',';
	p = put_seen(em, p, seen);
	*p++ = '\n';
	em->e = p;
	em->links++;
}

static void link_hex(emit *em, const char *kind, const char *prefix, uint64_t h, int64_t seen)
{
	row_tail(em, put_hex(put_s(row_head(em, kind), prefix), h, 16), seen);
}

static void link_str(emit *em, const char *kind, const char *value, int64_t seen)
{
	row_tail(em, put_s(row_head(em, kind), value), seen);
}

static void link_addr(emit *em, uint64_t h, int64_t seen)
{
	row_tail(em, put_addr(row_head(em, "address"), h), seen);
}

static void link_user(emit *em, const char *kind, uint64_t other, int64_t seen)
{
	row_tail(em, put_uid(row_head(em, kind), em->pl, other), seen);
}

/* a time after t0 within days (uniform, seconds resolution) */
/* a time in [t0, t0 + days), kept before the end of the world */
static int64_t after(emit *em, int64_t t0, int64_t days)
{
	int64_t span = days * DAY;

	if (span > em->pl->end - t0)
		span = em->pl->end - t0;
	return span > 0 ? t0 + (int64_t)rbelow(&em->r, (uint64_t)span) : t0;
}

static void user_row(emit *em, int64_t created, const char *label)
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
	*p++ = '\n';
	em->u = p;
	em->fraud += label[0] == 'f';
	em->legit += label[0] == 'l';
}

static void truth_row(emit *em, const char *prefix, uint32_t local, const char *role)
{
	char *p = em->t;

	memcpy(p, em->uid, 9);
	p += 9;
	*p++ = ',';
	p = put_s(p, prefix);
	p = put_u64(p, local);
	*p++ = ',';
	p = put_s(p, role);
	*p++ = '\n';
	em->t = p;
}

static int64_t ordinary_created(emit *em)
{
	const plan *pl = em->pl;

	return pl->start + (int64_t)rbelow(&em->r, (uint64_t)(pl->end - pl->start - 30 * DAY));
}

/* Private devices, cards, email, ip: entities unique to this user. */
static void private_items(emit *em, int64_t created, int ndev, int ncard, double p_ip,
                          double p_email, double p_phone)
{
	const plan *pl = em->pl;

	for (int j = 0; j < ndev; j++)
		link_hex(em, "device", "dev_", hash3(pl->key, T_DEV, em->idx, (uint64_t)j),
		         after(em, created, 300));
	for (int j = 0; j < ncard; j++)
		link_hex(em, "card", "card_", hash3(pl->key, T_CARD, em->idx, (uint64_t)j),
		         after(em, created, 300));
	if (rchance(&em->r, p_ip))
		row_tail(em, put_ip_public(row_head(em, "ip"), hash3(pl->key, T_IP, em->idx, 0)),
		         after(em, created, 300));
	if (rchance(&em->r, p_email))
		row_tail(em, put_email(row_head(em, "email"), hash3(pl->key, T_EMAIL, em->idx, 0)),
		         after(em, created, 30));
	if (rchance(&em->r, p_phone))
		row_tail(em, put_phone(row_head(em, "phone"), hash3(pl->key, T_PHONE, em->idx, 0)),
		         after(em, created, 30));
}

/* Public hubs an ordinary user may touch. */
static void hub_items(emit *em, int64_t created)
{
	const plan *pl = em->pl;

	for (uint32_t j = 0; j < pl->nfreight; j++)
		if (rchance(&em->r, pl->p_freight))
			link_str(em, "address", freight[j], after(em, created, 300));
	for (uint32_t j = 0; j < pl->nemu; j++)
		if (rchance(&em->r, pl->p_emu))
			link_str(em, "device", emulators[j], after(em, created, 300));
	for (uint32_t j = 0; j < pl->nnat; j++)
		if (rchance(&em->r, pl->p_nat))
			link_str(em, "ip", nats[j], after(em, created, 300));
}

static int cmp_victim(const void *a, const void *b)
{
	const vict *x = a, *y = b;

	return (x->user > y->user) - (x->user < y->user);
}

static const group *victim_ring(const plan *pl, uint64_t idx)
{
	vict k = { (uint32_t)idx, 0 };
	const vict *v = bsearch(&k, pl->victims, pl->nvictims, sizeof(vict), cmp_victim);

	if (!v)
		return NULL;
	return &pl->groups[v->ring];
}

static void gen_ordinary(emit *em, double p_legit)
{
	const plan *pl = em->pl;
	int64_t created = ordinary_created(em);
	int ndev = 1 + rchance(&em->r, 0.3), ncard = 1 + rchance(&em->r, 0.3);

	user_row(em, created, rchance(&em->r, p_legit) ? "legit" : "");
	link_addr(em, hash3(pl->key, T_ADDR, em->idx, 0), after(em, created, 60));
	private_items(em, created, ndev, ncard, 0.4, 0.45, 0.1);
	hub_items(em, created);
	if (rchance(&em->r, 0.05)) /* the same device seen again: a duplicate link */
		link_hex(em, "device", "dev_", hash3(pl->key, T_DEV, em->idx, 0),
		         after(em, created, 600));
	if (pl->n > 1 && rchance(&em->r, 0.005)) { /* an ordinary marketplace order */
		uint64_t other = rbelow(&em->r, pl->n - 1);
		if (other >= em->idx)
			other++;
		link_user(em, "order", other, after(em, created, 300));
	}
}

/* A household member; a victim's truth row says victim instead (one row per user). */
static void gen_household(emit *em, const group *g, unsigned k, bool victim)
{
	const plan *pl = em->pl;
	int64_t created = ordinary_created(em);
	uint32_t gi = (uint32_t)(g - pl->groups);

	user_row(em, created, rchance(&em->r, victim ? 0.3 : 0.01) ? "legit" : "");
	if (!victim)
		truth_row(em, "hh-", g->local, "household");
	link_addr(em, hash3(pl->key, T_HADDR, gi, 0), after(em, created, 60));
	if (g->has_dev && (k < 2 || rchance(&em->r, 0.6)))
		link_hex(em, "device", "dev_", hash3(pl->key, T_HDEV, gi, 0), after(em, created, 300));
	if (g->has_card && (k < 2 || rchance(&em->r, 0.6)))
		link_hex(em, "card", "card_", hash3(pl->key, T_HCARD, gi, 0), after(em, created, 300));
	if (g->has_ip && rchance(&em->r, 0.6))
		row_tail(em, put_ip10(row_head(em, "ip"), hash3(pl->key, T_HIP, gi, 0)),
		         after(em, created, 300));
	private_items(em, created, rchance(&em->r, 0.7), 1, 0.2, 0.5, 0.1);
}

static void gen_office(emit *em, const group *g, unsigned k)
{
	const plan *pl = em->pl;
	int64_t created = ordinary_created(em);
	uint32_t gi = (uint32_t)(g - pl->groups);

	user_row(em, created, rchance(&em->r, 0.05) ? "legit" : "");
	truth_row(em, "office-", g->local, "office");
	link_addr(em, hash3(pl->key, T_OADDR, gi, 0), after(em, created, 60));
	link_hex(em, "device", "dev_", hash3(pl->key, T_ODEV, gi, k % g->nd), after(em, created, 300));
	if (g->nd > 1 && rchance(&em->r, 0.3))
		link_hex(em, "device", "dev_", hash3(pl->key, T_ODEV, gi, (k + 1) % g->nd),
		         after(em, created, 300));
	if (rchance(&em->r, 0.7))
		row_tail(em, put_ip10(row_head(em, "ip"), hash3(pl->key, T_OIP, gi, 0)),
		         after(em, created, 300));
	private_items(em, created, rchance(&em->r, 0.5), 1 + rchance(&em->r, 0.3), 0.1, 0.6, 0.05);
}

/*
 * A ring member.  Pools: nc cards then nd devices form P = nc + nd items;
 * member k always takes items k % P and (k + 1) % P, so consecutive members
 * share an item and the whole ring is connected without relying on drop
 * addresses, victims or hubs.  Further picks bring each kind to 1-3.
 */
static void gen_ring(emit *em, const group *g, unsigned k, const char *label)
{
	const plan *pl = em->pl;
	uint32_t gi = (uint32_t)(g - pl->groups);
	int64_t created = g->t0 + (int64_t)rbelow(&em->r, (uint64_t)g->width);
	unsigned P = g->nc + g->nd, a = k % P, b = (k + 1) % P;
	bool use[12] = { false };
	unsigned have_c = 0, have_d = 0, want_c, want_d;

	user_row(em, created, label);
	truth_row(em, "ring-", g->local, "ring");
	use[a] = use[b] = true;
	for (unsigned i = 0; i < P; i++)
		if (use[i] && i < g->nc)
			have_c++;
		else if (use[i])
			have_d++;
	want_c = 1 + rchance(&em->r, 0.45) + rchance(&em->r, 0.15);
	want_d = 1 + rchance(&em->r, 0.4) + rchance(&em->r, 0.1);
	while (have_c < want_c && have_c < g->nc) {
		unsigned i = (unsigned)rbelow(&em->r, g->nc);
		if (!use[i])
			use[i] = true, have_c++;
	}
	while (have_d < want_d && have_d < g->nd) {
		unsigned i = g->nc + (unsigned)rbelow(&em->r, g->nd);
		if (!use[i])
			use[i] = true, have_d++;
	}
	for (unsigned i = 0; i < P; i++) {
		if (!use[i])
			continue;
		if (i < g->nc)
			link_hex(em, "card", "card_", hash3(pl->key, T_RCARD, gi, i), after(em, created, 20));
		else
			link_hex(em, "device", "dev_", hash3(pl->key, T_RDEV, gi, i - g->nc),
			         after(em, created, 20));
	}
	link_addr(em, hash3(pl->key, T_RADDR, gi, rbelow(&em->r, g->na)), after(em, created, 20));
	if (g->na > 1 && rchance(&em->r, 0.25))
		link_addr(em, hash3(pl->key, T_RADDR, gi, rbelow(&em->r, g->na)),
		          after(em, created, 20));
	if (g->nphone && rchance(&em->r, 0.5))
		row_tail(em, put_phone(row_head(em, "phone"),
		                       hash3(pl->key, T_RPHONE, gi, rbelow(&em->r, g->nphone))),
		         after(em, created, 20));
	if (g->nemail && rchance(&em->r, 0.4))
		row_tail(em, put_email(row_head(em, "email"),
		                       hash3(pl->key, T_REMAIL, gi, rbelow(&em->r, g->nemail))),
		         after(em, created, 20));
	else if (rchance(&em->r, 0.7))
		row_tail(em, put_email(row_head(em, "email"), hash3(pl->key, T_EMAIL, em->idx, 0)),
		         after(em, created, 2));
	if (g->nip && rchance(&em->r, 0.6))
		row_tail(em, put_ip10(row_head(em, "ip"),
		                      hash3(pl->key, T_RIP, gi, rbelow(&em->r, g->nip))),
		         after(em, created, 20));
	if (g->hubroute && rchance(&em->r, 0.3))
		link_str(em, "address", freight[g->hub], after(em, created, 20));
	if (g->referral && k > 0 && rchance(&em->r, 0.7))
		link_user(em, "referral", pl->members[g->first + k - 1], after(em, created, 5));
}

static void gen_collusion(emit *em, const group *g, unsigned k, const char *label)
{
	const plan *pl = em->pl;
	int64_t created = g->t0 + (int64_t)rbelow(&em->r, (uint64_t)g->width);
	const uint32_t *m = pl->members + g->first;

	user_row(em, created, label);
	truth_row(em, "col-", g->local, "collusion");
	link_addr(em, hash3(pl->key, T_ADDR, em->idx, 0), after(em, created, 30));
	private_items(em, created, 1, 1, 0.3, 0.5, 0.1);
	if (k == 0) { /* the seller: kickbacks and refunds to buyers */
		for (unsigned j = 1; j < g->size; j++)
			if (rchance(&em->r, 0.5))
				link_user(em, "transfer", m[j], after(em, created, 40));
		return;
	}
	for (int o = 1 + (int)rbelow(&em->r, 4); o > 0; o--) /* repeated fake orders */
		link_user(em, "order", m[0], after(em, created, 40));
	if (k >= 2 && rchance(&em->r, 0.4))
		link_user(em, "referral", m[k - 1], after(em, created, 10));
}

static void gen_user(emit *em)
{
	const plan *pl = em->pl;
	uint64_t idx = em->idx;
	unsigned kind = pl->kind[idx] & 0x7f, k = pl->pos[idx];
	const group *g = kind == K_ORD ? NULL : &pl->groups[pl->grp[idx]];
	bool victim = (pl->kind[idx] & K_VICTIM) != 0;
	char *p = em->uid;

	put_uid(p, pl, idx);
	em->r.s = hash3(pl->key, T_USER, idx, 0);
	switch (kind) {
	case K_RING:
	case K_COL: {
		/* label decided from its own stream so that it does not shift the rows */
		rng lr = { hash3(pl->key, T_USER, idx, 1) };
		bool fraud = g->labelled && (runif(&lr) < g->label_p);
		if (g->labelled && pl->label_rate > 0 && pl->label_rate < 1 && g->size > 1) {
			if (k == 0)
				fraud = true;
			else if (k == g->size - 1)
				fraud = false;
		}
		if (kind == K_RING)
			gen_ring(em, g, k, fraud ? "fraud" : "");
		else
			gen_collusion(em, g, k, fraud ? "fraud" : "");
		break;
	}
	case K_HH:
		gen_household(em, g, k, victim);
		break;
	case K_OFFICE:
		gen_office(em, g, k);
		break;
	default:
		gen_ordinary(em, victim ? 0.3 : 0.002);
		break;
	}
	if (victim) { /* the stolen card, used by its owner long before the ring */
		const group *ring = victim_ring(pl, idx);
		int64_t t = ring->t0 - (int64_t)rbelow(&em->r, (uint64_t)(200 * DAY)) - DAY;
		uint32_t gi = (uint32_t)(ring - pl->groups);
		if (t < pl->start)
			t = pl->start;
		link_hex(em, "card", "card_", hash3(pl->key, T_RCARD, gi, 0), t);
		truth_row(em, "ring-", ring->local, "victim");
	}
}

/* ---- the plan ---- */

void fg_gen_params_init(fg_gen_params *p)
{
	memset(p, 0, sizeof(*p));
	p->users = 10000;
	p->rings = FG_GEN_RINGS_DEFAULT;
	p->seed = 1;
	p->label_rate = 0.3;
	p->start = 1698796800; /* 2023-11-01T00:00:00Z */
}

static void plan_free(plan *pl)
{
	fg_free(pl->kind);
	fg_free(pl->pos);
	fg_free(pl->grp);
	fg_free(pl->groups);
	fg_free(pl->members);
	fg_free(pl->victims);
	memset(pl, 0, sizeof(*pl));
}

static uint32_t clampu(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* an unplanted user index, by rejection (at most half the users are planted) */
static uint64_t pick_free(const plan *pl, rng *r)
{
	uint64_t u;

	do
		u = rbelow(r, pl->n);
	while (pl->kind[u] != 0);
	return u;
}

static void burst(group *g, rng *r, const plan *pl, int64_t max_width)
{
	g->t0 = pl->end - 330 * DAY + (int64_t)rbelow(r, 305 * DAY);
	g->width = 3600 + (int64_t)rbelow(r, (uint64_t)max_width);
}

/*
 * Draw the structures and their members.  Serial and cheap: O(planted users)
 * plus the three per-user arrays.
 */
static int plan_build(plan *pl, const fg_gen_params *p)
{
	uint64_t n = p->users, planted = 0, budget = n / 2;
	uint32_t R, ncol, noff, nhh, ng = 0, nm = 0;
	uint32_t *sizes = NULL;
	rng r;
	int rc = FG_OK;

	memset(pl, 0, sizeof(*pl));
	pl->n = n;
	pl->key = mix64(p->seed ^ 0x5eed5eed5eed5eedull);
	pl->start = p->start;
	pl->end = p->start + SPAN_SECONDS;
	pl->label_rate = p->label_rate;
	r.s = hash3(pl->key, T_PLAN, 0, 0);

	if (p->rings == FG_GEN_RINGS_DEFAULT)
		R = n < 20 ? 0 : (uint32_t)(n / 2000 > 0 ? n / 2000 : 1);
	else
		R = p->rings;
	ncol = n >= 500 ? (uint32_t)(n / 10000 > 2 ? n / 10000 : 2) : 0;
	noff = n >= 200 ? (uint32_t)(n / 10000 > 1 ? n / 10000 : 1) : 0;
	nhh = (uint32_t)((double)n * 0.03 / 3.5 + 0.5);
	pl->nfreight = n >= 1000 ? 3u + (n >= 1000000) + (n >= 10000000) : 0;
	pl->nemu = n >= 1000 ? 2u + (n >= 10000000) : 0;
	pl->nnat = n >= 1000 ? 2u : 0;
	pl->p_freight = n ? (double)(n / 500 > 90 ? n / 500 : 90) / (double)n : 0;
	pl->p_emu = n ? (double)(n / 1000 > 60 ? n / 1000 : 60) / (double)n : 0;
	pl->p_nat = n ? (double)(n / 2000 > 150 ? n / 2000 : 150) / (double)n : 0;

	sizes = fg_mallocarray((size_t)R + ncol + noff + nhh + 1, sizeof(uint32_t));
	if (!sizes) {
		rc = fg_error_set(FG_ENOMEM, "gen: out of memory planning %u rings", R);
		goto cleanup;
	}
	/* ring sizes 5-40, skewed towards small (5 + 35 u^3, mean ~14) */
	for (uint32_t i = 0; i < R; i++) {
		double u = runif(&r);
		uint64_t s = 5 + (uint64_t)(35.0 * u * u * u);
		if (s > n / 2)
			s = n / 2;
		sizes[ng++] = (uint32_t)s;
		planted += s;
	}
	if (R > 0 && (planted > budget || n / 2 < 5)) {
		rc = fg_error_set(FG_EUSAGE,
		                  "--rings %u: %llu ring members do not fit in %llu users "
		                  "(at most half are planted; use more --users or fewer --rings)",
		                  R, (unsigned long long)planted, (unsigned long long)n);
		goto cleanup;
	}
	pl->nrings = R;
	/* the benign structures take what is left of the budget */
	for (uint32_t i = 0; i < ncol && planted + 8 <= budget; i++, pl->ncol++)
		planted += sizes[ng++] = 3 + (uint32_t)rbelow(&r, 6);
	for (uint32_t i = 0; i < noff && planted + 10 <= budget; i++, pl->noffice++)
		planted += sizes[ng++] = 3 + (uint32_t)rbelow(&r, 8);
	for (uint32_t i = 0; i < nhh && planted + 5 <= budget; i++, pl->nhh++)
		planted += sizes[ng++] = 2 + (uint32_t)rbelow(&r, 4);
	pl->ngroups = ng;

	pl->kind = fg_calloc(n, 1);
	pl->pos = fg_calloc(n, 1);
	pl->grp = fg_mallocarray(n, sizeof(uint32_t));
	pl->groups = fg_calloc(ng + 1, sizeof(group));
	pl->members = fg_mallocarray(planted + 1, sizeof(uint32_t));
	pl->victims = fg_mallocarray((size_t)R + 1, sizeof(vict));
	if (!pl->kind || !pl->pos || !pl->grp || !pl->groups || !pl->members || !pl->victims) {
		rc = fg_error_set(FG_ENOMEM, "gen: out of memory planning %llu users",
		                  (unsigned long long)n);
		goto cleanup;
	}
	for (uint32_t gi = 0; gi < ng; gi++) {
		group *g = &pl->groups[gi];
		uint32_t s = sizes[gi];

		g->size = s;
		g->first = nm;
		if (gi < pl->nrings) {
			g->type = K_RING;
			g->local = gi + 1;
			g->nc = (uint8_t)clampu(2 + s / 8 + (uint32_t)rbelow(&r, 2), 2, 6);
			g->nd = (uint8_t)clampu(2 + s / 10 + (uint32_t)rbelow(&r, 2), 2, 5);
			g->na = (uint8_t)(1 + rbelow(&r, 3));
			g->nphone = (uint8_t)(rchance(&r, 0.5) ? 1 + s / 15 : 0);
			g->nemail = (uint8_t)(rchance(&r, 0.3) ? 1 + s / 15 : 0);
			g->nip = (uint8_t)(rchance(&r, 0.5) ? 1 + rbelow(&r, 2) : 0);
			g->labelled = p->label_rate > 0 && rchance(&r, 0.8);
			g->label_p = p->label_rate / 0.8 < 1 ? p->label_rate / 0.8 : 1;
			g->stolen = rchance(&r, 0.4);
			g->hubroute = pl->nfreight > 0 && rchance(&r, 0.25);
			g->hub = pl->nfreight ? (uint32_t)rbelow(&r, pl->nfreight) : 0;
			g->referral = rchance(&r, 0.2);
			burst(g, &r, pl, 4 * DAY);
		} else if (gi < pl->nrings + pl->ncol) {
			g->type = K_COL;
			g->local = gi - pl->nrings + 1;
			g->labelled = p->label_rate > 0 && rchance(&r, 0.5);
			g->label_p = 0.2;
			burst(g, &r, pl, 2 * DAY);
		} else if (gi < pl->nrings + pl->ncol + pl->noffice) {
			g->type = K_OFFICE;
			g->local = gi - pl->nrings - pl->ncol + 1;
			g->nd = (uint8_t)(1 + rbelow(&r, 2));
		} else {
			g->type = K_HH;
			g->local = gi - pl->nrings - pl->ncol - pl->noffice + 1;
			g->has_dev = rchance(&r, 0.4);
			g->has_card = rchance(&r, 0.3);
			g->has_ip = rchance(&r, 0.5);
		}
		for (uint32_t k = 0; k < s; k++) {
			uint64_t u = pick_free(pl, &r);
			pl->kind[u] = g->type;
			pl->pos[u] = (uint8_t)k;
			pl->grp[u] = gi;
			pl->members[nm++] = (uint32_t)u;
		}
	}
	/* stolen cards: the owner is a household member (half the time) or an ordinary user */
	for (uint32_t gi = 0; gi < pl->nrings; gi++) {
		uint64_t u = UINT64_MAX;

		if (!pl->groups[gi].stolen)
			continue;
		if (pl->nhh > 0 && rchance(&r, 0.5)) {
			const group *h = &pl->groups[pl->nrings + pl->ncol + pl->noffice +
			                             rbelow(&r, pl->nhh)];
			u = pl->members[h->first];
			if (pl->kind[u] & K_VICTIM)
				u = UINT64_MAX;
		}
		if (u == UINT64_MAX)
			u = pick_free(pl, &r);
		pl->kind[u] |= K_VICTIM;
		pl->victims[pl->nvictims].user = (uint32_t)u;
		pl->victims[pl->nvictims++].ring = gi;
	}
	qsort(pl->victims, pl->nvictims, sizeof(vict), cmp_victim);

cleanup:
	fg_free(sizes);
	if (rc != FG_OK)
		plan_free(pl);
	return rc;
}

/* ---- writing ---- */

static int gbuf_reserve(gbuf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= extra)
		return 0;
	cap = b->cap ? b->cap : 1 << 20;
	while (cap - b->len < extra)
		cap *= 2;
	p = fg_realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

typedef struct chunk_out {
	gbuf e, u, t;
	uint64_t links, truth, fraud, legit;
} chunk_out;

/* Format users [lo, hi) into c (buffers reset first).  Returns 0 or -1 (memory). */
static int gen_chunk(chunk_out *c, const plan *pl, uint64_t lo, uint64_t hi)
{
	emit em;

	c->e.len = c->u.len = c->t.len = 0;
	c->links = c->truth = c->fraud = c->legit = 0;
	memset(&em, 0, sizeof(em));
	em.pl = pl;
	for (uint64_t i = lo; i < hi; i++) {
		char *t0;
		if (gbuf_reserve(&c->e, USER_RESERVE) || gbuf_reserve(&c->u, 256) ||
		    gbuf_reserve(&c->t, 256))
			return -1;
		em.idx = i;
		em.e = c->e.p + c->e.len;
		em.u = c->u.p + c->u.len;
		em.t = t0 = c->t.p + c->t.len;
		em.links = 0;
		gen_user(&em);
		c->e.len = (size_t)(em.e - c->e.p);
		c->u.len = (size_t)(em.u - c->u.p);
		c->t.len = (size_t)(em.t - c->t.p);
		c->links += em.links;
		c->truth += em.t != t0;
	}
	c->fraud = em.fraud;
	c->legit = em.legit;
	return 0;
}

typedef struct outfile {
	const char *name;
	char *path;
	FILE *f;
} outfile;

int fg_gen_world(fg_gen_stats *out, const fg_gen_params *p, const char *dir)
{
	static const char *const headers[3] = {
		"user_id,kind,value,seen_at\n", "user_id,created_at,label\n", "user_id,ring_id,role\n",
	};
	outfile files[3] = { { "edges.csv", NULL, NULL }, { "users.csv", NULL, NULL },
	                     { "truth.csv", NULL, NULL } };
	plan pl;
	chunk_out *bufs = NULL;
	int T, rc = FG_OK, fail = 0, fail_errno = 0, fail_file = 0;
	uint64_t nchunks;
	fg_gen_stats st;

	assert(out && p && dir);
	memset(&st, 0, sizeof(st));
	memset(&pl, 0, sizeof(pl));
	if (p->users < 1 || p->users > FG_GEN_MAX_USERS)
		return fg_error_set(FG_EUSAGE, "--users must be between 1 and %llu",
		                    (unsigned long long)FG_GEN_MAX_USERS);
	rc = plan_build(&pl, p);
	if (rc != FG_OK)
		return rc;
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(dir) + strlen(files[i].name) + 2;
		files[i].path = fg_malloc(len);
		if (!files[i].path) {
			rc = fg_error_set(FG_ENOMEM, "gen: out of memory");
			goto cleanup;
		}
		snprintf(files[i].path, len, "%s/%s", dir, files[i].name);
		files[i].f = fopen(files[i].path, "wb");
		if (!files[i].f || fputs(headers[i], files[i].f) < 0) {
			rc = fg_error_set(FG_EIO, "cannot write %s: %s", files[i].path, strerror(errno));
			goto cleanup;
		}
		st.bytes += strlen(headers[i]);
	}

	fg_par_set_threads(p->threads);
	T = fg_par_threads();
	bufs = fg_calloc((size_t)T, sizeof(chunk_out));
	if (!bufs) {
		rc = fg_error_set(FG_ENOMEM, "gen: out of memory");
		goto cleanup;
	}
	nchunks = (pl.n + CHUNK_USERS - 1) / CHUNK_USERS;
	/*
	 * Each thread formats a chunk into its own buffers; the ordered section
	 * writes chunks in index order while other threads format later ones.
	 * Errors are recorded in the ordered section (serial) and reported after
	 * the region, on the calling thread, since messages are thread-local.
	 */
#if FG_HAVE_OPENMP
#pragma omp parallel for ordered schedule(static, 1) num_threads(T)
#endif
	for (uint64_t c = 0; c < nchunks; c++) {
#if FG_HAVE_OPENMP
		chunk_out *b = &bufs[omp_get_thread_num()];
#else
		chunk_out *b = &bufs[0];
#endif
		uint64_t lo = c * CHUNK_USERS, hi = lo + CHUNK_USERS < pl.n ? lo + CHUNK_USERS : pl.n;
		int grc = gen_chunk(b, &pl, lo, hi);

#if FG_HAVE_OPENMP
#pragma omp ordered
#endif
		{
			if (!fail && grc != 0)
				fail = FG_ENOMEM;
			if (!fail) {
				gbuf *g[3] = { &b->e, &b->u, &b->t };
				for (int i = 0; i < 3 && !fail; i++) {
					if (g[i]->len && fwrite(g[i]->p, 1, g[i]->len, files[i].f) != g[i]->len) {
						fail = FG_EIO;
						fail_errno = errno;
						fail_file = i;
					}
					st.bytes += g[i]->len;
				}
				st.links += b->links;
				st.truth_rows += b->truth;
				st.labelled_fraud += b->fraud;
				st.labelled_legit += b->legit;
				fg_log_progress("gen users", hi, pl.n);
			}
		}
	}
	fg_log_progress_end();
	if (fail == FG_ENOMEM) {
		rc = fg_error_set(FG_ENOMEM, "gen: out of memory formatting rows");
		goto cleanup;
	}
	if (fail == FG_EIO) {
		rc = fg_error_set(FG_EIO, "cannot write %s: %s", files[fail_file].path,
		                  strerror(fail_errno));
		goto cleanup;
	}
	for (int i = 0; i < 3; i++) {
		FILE *f = files[i].f;
		files[i].f = NULL;
		if (fclose(f) != 0 && rc == FG_OK)
			rc = fg_error_set(FG_EIO, "cannot write %s: %s", files[i].path, strerror(errno));
	}
	if (rc != FG_OK)
		goto cleanup;
	st.users = pl.n;
	st.rings = pl.nrings;
	st.households = pl.nhh;
	st.offices = pl.noffice;
	st.collusions = pl.ncol;
	st.victims = pl.nvictims;
	*out = st;

cleanup:
	for (int i = 0; i < 3; i++) {
		if (files[i].f)
			fclose(files[i].f);
		fg_free(files[i].path);
	}
	for (int i = 0; bufs && i < T; i++) {
		fg_free(bufs[i].e.p);
		fg_free(bufs[i].u.p);
		fg_free(bufs[i].t.p);
	}
	fg_free(bufs);
	plan_free(&pl);
	return rc;
}
