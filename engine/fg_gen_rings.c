/*
 * The `rings` shape (the default world): ordinary users, households,
 * offices, public hubs (freight forwarders, emulator device ids, carrier
 * NAT), fraud rings (with stolen-card victims, hub routing and optional
 * camouflage links to ordinary users) and buyer-seller collusion groups.
 * What it plants and at which rates: data-samples/README.md.
 *
 * Layout of the plan: per user u, kind[u] (structure type, bit 0x80 = victim
 * of a stolen card), pos[u] (position inside its structure) and grp[u] (index
 * into the group table).  Groups hold their members in one flat array so that
 * relation rows (orders, referrals) can name other members.  Structure
 * members are drawn at random indices (rejection sampling against the plan),
 * so a ring's rows are scattered through the file, and user ids are a keyed
 * bijection of the index so that byte order says nothing about structure.
 *
 * The variety parameters (ring sizes, camouflage, victims per ring, burst
 * width) draw nothing from any stream at their defaults, so the default world
 * stays byte-identical to the one data-samples/world and the tests pin.
 */
#include "fg_gen_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DAY FG_GEN_DAY
#define USER_RESERVE 32768 /* edges bytes reserved per user: far above the longest user */

enum { K_ORD = 0, K_RING, K_HH, K_OFFICE, K_COL };
#define K_VICTIM 0x80

/* hash domains: entity values of different roles never coincide */
enum {
	T_CARD = 1, T_DEV, T_ADDR, T_IP, T_EMAIL, T_PHONE,
	T_RCARD, T_RDEV, T_RADDR, T_RPHONE, T_REMAIL, T_RIP,
	T_HADDR, T_HDEV, T_HCARD, T_HIP, T_OADDR, T_ODEV, T_OIP,
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
	uint32_t user, ring, slot; /* slot: which of the ring's cards is this victim's */
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
	double camouflage;
} plan;


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

static void link_addr(emit *em, uint64_t h, int64_t seen)
{
	row_tail(em, put_addr(row_head(em, "address"), h), seen);
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
	const plan *pl = em->plan;

	return pl->start + (int64_t)rbelow(&em->r, (uint64_t)(pl->end - pl->start - 30 * DAY));
}

/* Private devices, cards, email, ip: entities unique to this user. */
static void private_items(emit *em, int64_t created, int ndev, int ncard, double p_ip,
                          double p_email, double p_phone)
{
	const plan *pl = em->plan;

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
	const plan *pl = em->plan;

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

static const vict *victim_of(const plan *pl, uint64_t idx)
{
	vict k = { (uint32_t)idx, 0, 0 };

	return bsearch(&k, pl->victims, pl->nvictims, sizeof(vict), cmp_victim);
}

static void gen_ordinary(emit *em, double p_legit)
{
	const plan *pl = em->plan;
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
	const plan *pl = em->plan;
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
	const plan *pl = em->plan;
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
 * Camouflage: 1-3 links from a ring member to ordinary users, each an order
 * placed with them, their device or their home address (a ring using an
 * ordinary user's home as a drop).  The ordinary user is drawn from the
 * member's own stream; unplanted users are at least half, so 64 tries fail
 * only in worlds too small to hold one.
 */
static void camouflage(emit *em, int64_t created)
{
	const plan *pl = em->plan;

	for (int c = 1 + (int)rbelow(&em->r, 3); c > 0; c--) {
		uint64_t other = UINT64_MAX;
		for (int tries = 0; tries < 64 && other == UINT64_MAX; tries++) {
			uint64_t o = rbelow(&em->r, pl->n);
			if (pl->kind[o] == K_ORD)
				other = o;
		}
		if (other == UINT64_MAX)
			return;
		switch (rbelow(&em->r, 3)) {
		case 0:
			link_user(em, "order", other, after(em, created, 60));
			break;
		case 1:
			link_hex(em, "device", "dev_", hash3(pl->key, T_DEV, other, 0),
			         after(em, created, 60));
			break;
		default:
			link_addr(em, hash3(pl->key, T_ADDR, other, 0), after(em, created, 60));
			break;
		}
	}
}

/*
 * A ring member.  Pools: nc cards then nd devices form P = nc + nd items;
 * member k always takes items k % P and (k + 1) % P, so consecutive members
 * share an item and the whole ring is connected without relying on drop
 * addresses, victims or hubs.  Further picks bring each kind to 1-3.
 */
static void gen_ring(emit *em, const group *g, unsigned k, const char *label)
{
	const plan *pl = em->plan;
	uint32_t gi = (uint32_t)(g - pl->groups);
	int64_t created = g->t0 + (int64_t)rbelow(&em->r, (uint64_t)g->width);
	unsigned P = g->nc + g->nd, a = k % P, b = (k + 1) % P;
	bool use[32] = { false };
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
	if (pl->camouflage > 0 && rchance(&em->r, pl->camouflage))
		camouflage(em, created);
}

static void gen_collusion(emit *em, const group *g, unsigned k, const char *label)
{
	const plan *pl = em->plan;
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
	const plan *pl = em->plan;
	uint64_t idx = em->idx;
	unsigned kind = pl->kind[idx] & 0x7f, k = pl->pos[idx];
	const group *g = kind == K_ORD ? NULL : &pl->groups[pl->grp[idx]];
	bool victim = (pl->kind[idx] & K_VICTIM) != 0;

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
		const vict *v = victim_of(pl, idx);
		const group *ring = &pl->groups[v->ring];
		int64_t t = ring->t0 - (int64_t)rbelow(&em->r, (uint64_t)(200 * DAY)) - DAY;
		if (t < pl->start)
			t = pl->start;
		link_hex(em, "card", "card_", hash3(pl->key, T_RCARD, v->ring, v->slot), t);
		truth_row(em, "ring-", ring->local, "victim");
	}
}

/* ---- the plan ---- */

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
static int plan_build(plan *pl, const fg_gen_params *p, uint64_t key)
{
	uint64_t n = p->users, planted = 0, budget = n / 2;
	uint32_t R, ncol, noff, nhh, ng = 0, nm = 0;
	uint32_t *sizes = NULL;
	rng r;
	int rc = FG_OK;

	memset(pl, 0, sizeof(*pl));
	pl->n = n;
	pl->key = key;
	pl->start = p->start;
	pl->end = p->start + FG_GEN_SPAN;
	pl->label_rate = p->label_rate;
	pl->camouflage = p->camouflage;
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
		uint64_t s = p->ring_min + (uint64_t)((double)(p->ring_max - p->ring_min) * u * u * u);
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
	/* victims are drawn from the unplanted users: leave them room */
	if ((uint64_t)R * p->victims > (n - planted) / 2) {
		rc = fg_error_set(FG_EUSAGE,
		                  "--victims %u: %llu possible victims do not fit in %llu users",
		                  p->victims, (unsigned long long)R * p->victims,
		                  (unsigned long long)n);
		goto cleanup;
	}

	pl->kind = fg_calloc(n, 1);
	pl->pos = fg_calloc(n, 1);
	pl->grp = fg_mallocarray(n, sizeof(uint32_t));
	pl->groups = fg_calloc(ng + 1, sizeof(group));
	pl->members = fg_mallocarray(planted + 1, sizeof(uint32_t));
	pl->victims = fg_mallocarray((size_t)R * p->victims + 1, sizeof(vict));
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
			/* pools grow with rings over 40 so that no pool entity passes its cap */
			g->nc = (uint8_t)clampu(2 + s / 8 + (uint32_t)rbelow(&r, 2), 2, s > 40 ? 12 : 6);
			g->nd = (uint8_t)clampu(2 + s / 10 + (uint32_t)rbelow(&r, 2), 2, s > 40 ? 9 : 5);
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
			burst(g, &r, pl, (int64_t)p->burst_days * DAY);
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
		for (uint32_t j = 0; j < p->victims; j++, u = UINT64_MAX) {
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
			pl->victims[pl->nvictims].slot = j % pl->groups[gi].nc;
			pl->victims[pl->nvictims++].ring = gi;
		}
	}
	qsort(pl->victims, pl->nvictims, sizeof(vict), cmp_victim);

cleanup:
	fg_free(sizes);
	if (rc != FG_OK)
		plan_free(pl);
	return rc;
}


/* ---- the shape ---- */

static int rings_plan(void **out, const fg_gen_params *p, uint64_t key)
{
	plan *pl = fg_calloc(1, sizeof(plan));
	int rc;

	if (!pl)
		return fg_error_set(FG_ENOMEM, "gen: out of memory");
	if (p->ring_min < 2 || p->ring_min > p->ring_max || p->ring_max > FG_GEN_RING_SIZE_MAX) {
		fg_free(pl);
		return fg_error_set(FG_EUSAGE, "--ring-size: expected 2 <= MIN <= MAX <= %d, got %u-%u",
		                    FG_GEN_RING_SIZE_MAX, p->ring_min, p->ring_max);
	}
	rc = plan_build(pl, p, key);
	if (rc != FG_OK) {
		fg_free(pl);
		return rc;
	}
	*out = pl;
	return FG_OK;
}

static void rings_stats(fg_gen_stats *out, const void *vp)
{
	const plan *pl = vp;

	out->rings = pl->nrings;
	out->households = pl->nhh;
	out->offices = pl->noffice;
	out->collusions = pl->ncol;
	out->victims = pl->nvictims;
	out->fraudsters = 0;
	for (uint32_t gi = 0; gi < pl->nrings + pl->ncol; gi++)
		out->fraudsters += pl->groups[gi].size;
}

static void rings_free(void *vp)
{
	plan *pl = vp;

	if (!pl)
		return;
	plan_free(pl);
	fg_free(pl);
}

const fg_gen_shape_impl fg_gen_rings_shape = {
	.name = "rings",
	.headers = { "user_id,kind,value,seen_at\n", "user_id,created_at,label\n",
	             "user_id,ring_id,role\n" },
	.user_reserve = USER_RESERVE,
	.plan = rings_plan,
	.user = gen_user,
	.stats = rings_stats,
	.free = rings_free,
};
