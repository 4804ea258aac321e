/*
 * gen_world: the synthetic world behind `fraudgraph gen`.
 *
 * Writes DIR/edges.csv (user_id,kind,value,seen_at), DIR/users.csv
 * (user_id,created_at,label) and DIR/truth.csv (user_id,ring_id,role) for a
 * world of ordinary users, households, offices, public hubs (freight
 * forwarders, emulator device ids, carrier NAT), fraud rings (with stolen-card
 * victims and hub routing) and buyer-seller collusion groups.  The shapes and
 * their rates are documented in data-samples/README.md.
 *
 * Determinism: a serial plan (who belongs to which structure) is drawn from
 * one PRNG seeded by the seed; every user's rows are then drawn from its own
 * splitmix64 stream seeded from (seed, user index), and entity values are
 * hashes of (seed, structure, slot).  Output is therefore byte-identical for a
 * seed whatever the thread count or chunking.  Chunks of users are formatted
 * in parallel (OpenMP) and written in chunk order.
 *
 * Memory: 6 bytes per user for the plan plus per-thread chunk buffers.
 * Time: O(users + links); output is formatted by hand (no printf per field).
 */
#ifndef FG_CLI_GEN_WORLD_H
#define FG_CLI_GEN_WORLD_H

#include <stdint.h>

#define FG_GEN_RINGS_DEFAULT UINT32_MAX
#define FG_GEN_MAX_USERS 1000000000ull

typedef struct fg_gen_params {
	uint64_t users;     /* 1 .. FG_GEN_MAX_USERS */
	uint32_t rings;     /* FG_GEN_RINGS_DEFAULT: max(1, users / 2000) (0 below 20 users) */
	uint64_t seed;
	double label_rate;  /* fraction of ring members labelled fraud, [0, 1] */
	int64_t start;      /* unix seconds of the earliest account; the world spans 3 years */
	int threads;        /* <= 0: OpenMP default */
} fg_gen_params;

typedef struct fg_gen_stats {
	uint64_t users, links, truth_rows, labelled_fraud, labelled_legit;
	uint64_t bytes;     /* all three files */
	uint32_t rings, households, offices, collusions, victims;
} fg_gen_stats;

/* Defaults: 10000 users, default rings, seed 1, label rate 0.3, start 2023-11-01. */
void fg_gen_params_init(fg_gen_params *p);

/*
 * Generate the world described by p into directory dir (which must exist).
 * Returns FG_OK and fills *out, FG_EUSAGE (parameters that cannot be planted,
 * e.g. more ring members than half the users), FG_EIO (a file cannot be
 * written: message names it), or FG_ENOMEM.
 */
int fg_gen_world(fg_gen_stats *out, const fg_gen_params *p, const char *dir);

#endif
