/*
 * fg_config: every parameter of a run, with documented defaults.
 *
 * A plain struct (no hidden state): the CLI fills it from options, the run
 * records it as JSON in runs.params, and every module reads it.  Defaults are
 * set by fg_config_init and documented in docs/scoring.md and `run --help`.
 *
 * Kinds: entity kinds are open-ended words (device, card, address, ...).  Known
 * kinds have a weight (how strongly sharing one ties two users) and a hub cap
 * (max share before the entity counts as a hub).  Unknown kinds get
 * default_weight / default_max_share.  User relation kinds (user, referral,
 * transfer, order by default) make a row a user-user link.
 */
#ifndef FG_SRC_FG_CONFIG_H
#define FG_SRC_FG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_MAX_KINDS 64       /* distinct kinds with their own settings */
#define FG_KIND_NAME_MAX 32
#define FG_TIME_NONE INT64_MIN /* "no timestamp" for seen_at / created_at */

typedef struct fg_kind_conf {
	char name[FG_KIND_NAME_MAX]; /* lower-case */
	double weight;               /* sharing weight, > 0 */
	uint32_t max_share;          /* hub cap: share > max_share => hub */
	bool is_relation;            /* a user-user relation kind */
} fg_kind_conf;

typedef struct fg_config {
	/* kinds */
	fg_kind_conf kinds[FG_MAX_KINDS];
	int n_kinds;
	double default_weight;       /* unknown entity kinds */
	uint32_t default_max_share;  /* unknown entity kinds */
	double relation_weight;      /* weight of a direct user-user link */

	/* ingest */
	uint64_t max_bad_rows;       /* fail with exit 3 past this many */
	bool strict;                 /* fail on the first bad row */
	int64_t since;               /* keep links seen at or after (FG_TIME_NONE: all) */
	uint32_t max_field_len;      /* longer fields are bad rows */

	/* kernels */
	int threads;                 /* 0: OpenMP default */
	int lpa_max_iter;            /* ring finder sweep cap */
	double risk_damping;         /* PPR: probability of following a link */
	double risk_tol;             /* PPR: L1 stop tolerance */
	int risk_max_iter;

	/* scoring */
	double smoothing_k;          /* seed-rate smoothing (seeds + K*base)/(n + K) */

	/* output */
	int keep_runs;               /* retention: 0 keeps all */
	double holdout;              /* fraction of seeds held out (evaluate) */
	uint64_t holdout_seed;
} fg_config;

/* Fill with the documented defaults. */
void fg_config_init(fg_config *cfg);

/*
 * The settings for kind `name` (already normalised), or NULL if the kind has
 * none of its own.  O(n_kinds).
 */
const fg_kind_conf *fg_config_kind(const fg_config *cfg, const char *name);

double fg_config_kind_weight(const fg_config *cfg, const char *name);
uint32_t fg_config_kind_max_share(const fg_config *cfg, const char *name);
bool fg_config_is_relation(const fg_config *cfg, const char *name);

/*
 * Parse "KIND=N" (--max-share) or "KIND=W" (--kind-weight) and apply it,
 * adding the kind if new.  Returns FG_OK or FG_EUSAGE with a message.
 */
int fg_config_set_max_share(fg_config *cfg, const char *spec);
int fg_config_set_weight(fg_config *cfg, const char *spec);
/* Comma-separated list of relation kinds, replacing the defaults. */
int fg_config_set_relations(fg_config *cfg, const char *list);

/*
 * Parse a time: unix seconds ("1700000000"), "YYYY-MM-DD", or ISO-8601
 * "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]" (space also accepted for T).
 * Returns 0 and sets *out (unix seconds, UTC) or -1 if unparseable.
 */
int fg_parse_time(int64_t *out, const char *s, size_t len);

/*
 * Write cfg as a JSON object (the runs.params column) into a malloc'd
 * string in *out.  Returns FG_OK or FG_ENOMEM.
 */
int fg_config_to_json(char **out, const fg_config *cfg);

#endif
