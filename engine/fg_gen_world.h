/*
 * fg_gen_world: the synthetic worlds behind `fraudgraph gen`, as a library
 * that the CLI, the tests and the benchmarks link.
 *
 * Writes DIR/edges.csv (user_id,kind,value,seen_at), DIR/users.csv
 * (user_id,created_at,label[,a01..aNN]) and DIR/truth.csv for one of five
 * shapes (data-samples/README.md documents what each plants, what carries the
 * signal and the base rate):
 *   - rings (the default, today's world): ordinary users, households,
 *     offices, public hubs, fraud rings sharing cards, devices and addresses
 *     (stolen-card victims, hub routing, optional camouflage links) and
 *     buyer-seller collusion; truth user_id,ring_id,role;
 *   - dense: a dense user-user transfer graph with low homophily and 10
 *     numeric attributes, a few weakly informative;
 *   - coreview: a user-user co-review graph whose 25 attributes carry the
 *     signal while the structure carries little;
 *   - reviews: user-product reviews with popular products shared by hundreds
 *     and fraud campaigns hitting a set of products together;
 *   - payments: customer-terminal payments where degree itself is signal
 *     (fraudulent customers touch unusually many terminals, gangs share
 *     compromised terminals), with skewed degrees.
 * The four attribute shapes write truth user_id,label,ring_id: one row per
 * planted fraudster (label `fraud`, ring_id its campaign or gang where there
 * is one); every other user is not fraud.  Attribute cells may be empty
 * (missing).
 *
 * Determinism: a serial plan (who is what, the shared tables) is drawn from
 * one PRNG seeded by the seed; every user's rows are then drawn from its own
 * splitmix64 stream seeded from (seed, user index), and entity values are
 * hashes of (seed, structure, slot).  Output is therefore byte-identical for a
 * seed and shape whatever the thread count or chunking.  Chunks of users are
 * formatted in parallel (OpenMP) and written in chunk order.
 *
 * Memory: a few bytes per user for the plan, the shape's tables (O(users)),
 * plus per-thread chunk buffers.  Time: O(users + links); output is formatted
 * by hand (no printf per field).
 */
#ifndef FG_ENGINE_FG_GEN_WORLD_H
#define FG_ENGINE_FG_GEN_WORLD_H

#include <stdint.h>

#define FG_GEN_RINGS_DEFAULT UINT32_MAX
#define FG_GEN_MAX_USERS 1000000000ull
#define FG_GEN_RING_SIZE_MAX 60 /* largest ring --ring-size accepts */

typedef enum fg_gen_shape {
	FG_GEN_SHAPE_RINGS = 0,
	FG_GEN_SHAPE_DENSE,
	FG_GEN_SHAPE_COREVIEW,
	FG_GEN_SHAPE_REVIEWS,
	FG_GEN_SHAPE_PAYMENTS,
	FG_GEN_NSHAPES
} fg_gen_shape;

typedef struct fg_gen_params {
	fg_gen_shape shape;
	uint64_t users;     /* 1 .. FG_GEN_MAX_USERS */
	uint64_t seed;
	double label_rate;  /* fraction of planted fraudsters labelled fraud, [0, 1];
	                       < 0: the shape's default (rings 0.3, the others 1.0) */
	int64_t start;      /* unix seconds of the earliest account; the world spans 3 years */
	int threads;        /* <= 0: OpenMP default */
	/* rings only (the defaults give today's world, byte for byte) */
	uint32_t rings;     /* FG_GEN_RINGS_DEFAULT: max(1, users / 2000) (0 below 20 users) */
	uint32_t ring_min, ring_max; /* ring sizes, skewed towards ring_min; 5 and 40 */
	double camouflage;  /* chance that a ring member also links to ordinary users; 0 */
	uint32_t victims;   /* stolen-card victims per ring that uses a stolen card; 1 */
	uint32_t burst_days; /* ring accounts are created within 1 hour .. this many days; 4 */
} fg_gen_params;

typedef struct fg_gen_stats {
	uint64_t users, links, truth_rows, labelled_fraud, labelled_legit;
	uint64_t bytes;     /* all three files */
	uint64_t fraudsters; /* planted fraud users (rings: ring and collusion members) */
	uint32_t rings, households, offices, collusions, victims; /* rings shape */
	uint32_t groups;    /* other shapes: campaigns (reviews) or gangs (payments) */
	uint32_t attrs;     /* attribute columns in users.csv */
} fg_gen_stats;

/* Defaults: rings shape, 10000 users, default rings, seed 1, the shape's label rate,
 * start 2023-11-01, ring sizes 5-40, no camouflage, 1 victim, 4-day bursts. */
void fg_gen_params_init(fg_gen_params *p);

/* The shape named name (rings, dense, coreview, reviews, payments): FG_OK and *out,
 * or FG_EUSAGE with a message that lists the names. */
int fg_gen_shape_parse(fg_gen_shape *out, const char *name);

/* The name of a shape ("rings", ...). */
const char *fg_gen_shape_name(fg_gen_shape shape);

/*
 * Generate the world described by p into directory dir (which must exist).
 * Returns FG_OK and fills *out, FG_EUSAGE (parameters that cannot be planted,
 * e.g. more ring members than half the users), FG_EIO (a file cannot be
 * written: message names it), or FG_ENOMEM.
 */
int fg_gen_world(fg_gen_stats *out, const fg_gen_params *p, const char *dir);

#endif
