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
#define FG_MAX_ALIASES 64     /* --kind-alias entries */
#define FG_MAX_IGNORES 64     /* --ignore-value entries */
#define FG_IGNORE_VALUE_MAX 64

/* The earlier of two timestamps, FG_TIME_NONE counting as unknown, not as earliest. */
static inline int64_t fg_time_min(int64_t a, int64_t b)
{
	if (a == FG_TIME_NONE)
		return b;
	if (b == FG_TIME_NONE)
		return a;
	return a < b ? a : b;
}

/* The input roles a header column can take (--column ROLE=NAME). */
typedef enum fg_col_role {
	FG_COL_USER_ID, FG_COL_KIND, FG_COL_VALUE, FG_COL_SEEN_AT, FG_COL_CREATED_AT, FG_COL_LABEL,
	FG_COL_NROLES
} fg_col_role;
#define FG_COL_NAME_MAX 64    /* a --column header name, bytes with the NUL */
#define FG_LABEL_LIST_MAX 512 /* a --label list, bytes with the NUL */
#define FG_ATTRS_LIST_MAX 2048 /* the --attrs list, bytes with the NUL */
#define FG_MAX_ATTRS 256      /* user attributes kept per run (more: ignored, said once) */

/* Label classes of the --label mapping, in order of precedence. */
enum { FG_LABEL_CLASS_FRAUD, FG_LABEL_CLASS_LEGIT, FG_LABEL_CLASS_UNKNOWN, FG_LABEL_NCLASSES };

/*
 * The readers' data contract (fg_config_set_column, _set_label, _set_attrs):
 * plain arrays, so a copied fg_config keeps them.  column[r] is the header
 * name of role r ("" = the role's own name); labels[c] is a comma list of
 * lower-case values of class c; attrs is the comma list of user attributes to
 * keep, lower-case ("" = every numeric extra column), no_attrs keeps none.
 */
typedef struct fg_input_conf {
	char column[FG_COL_NROLES][FG_COL_NAME_MAX];
	char labels[FG_LABEL_NCLASSES][FG_LABEL_LIST_MAX];
	char attrs[FG_ATTRS_LIST_MAX];
	bool no_attrs;
} fg_input_conf;

typedef struct fg_kind_conf {
	char name[FG_KIND_NAME_MAX]; /* lower-case */
	double weight;               /* sharing weight, > 0 */
	uint32_t max_share;          /* hub cap: share > max_share => hub */
	bool is_relation;            /* a user-user relation kind */
} fg_kind_conf;

/* --kind-alias: rows of kind `alias` are read as kind `kind`. */
typedef struct fg_kind_alias {
	char alias[FG_KIND_NAME_MAX]; /* lower-case */
	char kind[FG_KIND_NAME_MAX];  /* lower-case, never itself an alias */
} fg_kind_alias;

/* --ignore-value: one more placeholder value for one kind. */
typedef struct fg_ignore_value {
	char kind[FG_KIND_NAME_MAX];      /* lower-case; an alias is resolved when matching */
	char value[FG_IGNORE_VALUE_MAX];  /* compared case-insensitively with the normalised value */
} fg_ignore_value;

/*
 * How a kind's values are normalised (fg_config_normalise_value).  The class
 * follows the canonical kind name: email, phone, address; relation kinds keep
 * their values (user ids) as they are; every other kind is plain (trimmed by
 * the reader, otherwise unchanged).
 */
typedef enum fg_value_class {
	FG_VALUE_PLAIN = 0,
	FG_VALUE_EMAIL,    /* ASCII letters lower-cased */
	FG_VALUE_PHONE,    /* digits only; a leading '+' kept */
	FG_VALUE_ADDRESS,  /* ASCII letters lower-cased, white space runs folded to one space */
	FG_VALUE_USER,     /* a relation's other user: unchanged */
} fg_value_class;

typedef struct fg_config {
	/* kinds */
	fg_kind_conf kinds[FG_MAX_KINDS];
	int n_kinds;
	double default_weight;       /* unknown entity kinds */
	uint32_t default_max_share;  /* unknown entity kinds */
	double relation_weight;      /* weight of a direct user-user link */
	fg_kind_alias aliases[FG_MAX_ALIASES];
	int n_aliases;
	fg_ignore_value ignores[FG_MAX_IGNORES];
	int n_ignores;
	double hub_warn_share;       /* warn when hubs cut more than this share of the links */
	double max_drop;             /* refuse a run whose links or users fell by more than this share */
	bool allow_drop;             /* accept such a run (with a warning) */
	const char *const *config_files; /* --config files read (borrowed; recorded in params) */
	int n_config_files;

	/* ingest */
	uint64_t max_bad_rows;       /* fail with exit 3 past this many */
	bool strict;                 /* fail on the first bad row */
	int64_t since;               /* keep links seen at or after (FG_TIME_NONE: all) */
	uint32_t max_field_len;      /* longer fields are bad rows */
	fg_input_conf input;         /* column names, label mapping, attributes */

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
 * --kind-alias "KIND=ALIAS[,ALIAS...][,KIND2=ALIAS...]": rows whose kind is
 * ALIAS are read as KIND (names case-insensitive).  An alias can name only one
 * kind, and a kind that is an alias cannot be a target (no chains).
 * Returns FG_OK or FG_EUSAGE with a message.
 */
int fg_config_set_kind_alias(fg_config *cfg, const char *spec);

/*
 * --ignore-value "KIND=VALUE": VALUE of KIND (or of its alias target) is a
 * placeholder too.  Returns FG_OK or FG_EUSAGE.
 */
int fg_config_set_ignore_value(fg_config *cfg, const char *spec);

/*
 * The canonical kind of `kind` (as the readers hand it: trimmed, lower-case):
 * the alias target if kind is an alias, else kind itself.  *out_len receives
 * its length.  The result points into cfg or into kind.  O(n_aliases).
 */
const char *fg_config_kind_canonical(size_t *out_len, const fg_config *cfg, const char *kind,
                                     size_t len);

/* The normalisation class of a canonical kind (fg_value_class).  O(n_kinds). */
fg_value_class fg_config_value_class(const fg_config *cfg, const char *kind, size_t len);

/*
 * The settings of the kinds met so far, by spelling: the row path
 * (fg_config_normalise_value) meets the same few kinds row after row,
 * interleaved, and asks cfg about each spelling once.  Zero it to start; one
 * thread at a time.  fg_kind_memo_get gives the index of kind[0..len) (any
 * spelling the caller hands, not NUL-terminated), adding it on first sight,
 * or -1 for a kind of FG_KIND_NAME_MAX bytes or more or past FG_KIND_MEMO_N
 * kinds (the caller then asks cfg itself).  O(kinds met).
 */
#define FG_KIND_MEMO_N 32
typedef struct fg_kind_settings {
	char raw[FG_KIND_NAME_MAX]; /* the spelling, NUL-terminated */
	size_t raw_len;
	const char *canon;          /* the canonical kind: into cfg, or raw */
	size_t canon_len;
	fg_value_class cls;         /* of canon */
	bool is_rel;                /* fg_config_is_relation of the spelling */
} fg_kind_settings;

typedef struct fg_kind_memo {
	fg_kind_settings e[FG_KIND_MEMO_N];
	uint32_t n, last; /* entries in use; the last one found */
} fg_kind_memo;

int fg_kind_memo_get(fg_kind_memo *m, const fg_config *cfg, const char *kind, size_t len);

/*
 * Normalise value[0..len) of class cls into out (capacity >= len + 1; the
 * result is never longer than the input), NUL-terminated; *out_len receives
 * its length (0 when nothing is left, e.g. a phone without digits).  O(len).
 */
void fg_config_normalise_class(char *out, size_t *out_len, fg_value_class cls, const char *value,
                               size_t len);

/*
 * Whether value[0..len) (already normalised) of canonical kind `kind` is a
 * placeholder to drop: empty after normalisation; one of unknown, null,
 * none, nil, n/a, na, -, ? (case-insensitive); zeros with separators only
 * ("0", "0000", "0.0.0.0", "00000000-0000-0000-0000-000000000000"); or a
 * value given with --ignore-value for this kind.  O(len + n_ignores).
 */
bool fg_config_is_placeholder(const fg_config *cfg, const char *kind, size_t klen,
                              const char *value, size_t len);

/*
 * The row path before interning, in one call: what `run` does to each link
 * row's (kind, value), for anything that must match what run stored (serve's
 * requests).  kind as the readers hand it (trimmed, lower-case), value
 * trimmed.  *kind_out and *kind_len receive the canonical kind (alias resolved;
 * points into cfg or kind), out (capacity >= vlen + 1) the normalised value
 * and *out_len its length.  Returns true to keep the row, false when the
 * value is a placeholder (run drops the row and counts it per kind).
 * O(vlen + n_aliases + n_kinds + n_ignores).  Thread-safe (reads cfg only).
 */
bool fg_config_normalise_value(char *out, size_t *out_len, const char **kind_out,
                               size_t *kind_len, const fg_config *cfg, const char *kind,
                               size_t klen, const char *value, size_t vlen);

/*
 * The readers' data contract, each the parser of one run option; FG_OK or
 * FG_EUSAGE with a message.
 * - set_column "ROLE=NAME" (--column): role one of user_id, kind, value,
 *   seen_at, created_at, label; NAME the header (CSV) or result column (SQL)
 *   that holds it, matched case-insensitively.
 * - set_label "CLASS=V1,V2,..." (--label): CLASS fraud, legit or unknown; the
 *   list replaces that class's values (case-insensitive).  Defaults: fraud =
 *   fraud,chargeback,confirmed_fraud,1,true,yes; legit = legit,cleared;
 *   unknown = 0,false (an empty label is always unknown).
 * - set_attrs "a,b,c" (--attrs): keep only these user attributes;
 *   fg_config_set_no_attrs (--no-attrs) keeps none.
 */
int fg_config_set_column(fg_config *cfg, const char *spec);
int fg_config_set_label(fg_config *cfg, const char *spec);
int fg_config_set_attrs(fg_config *cfg, const char *list);
void fg_config_set_no_attrs(fg_config *cfg);

/* The role's name ("user_id", ...) and the header name in force for it. */
const char *fg_config_role_name(fg_col_role role);
const char *fg_config_column(const fg_config *cfg, fg_col_role role);

/*
 * The label class (FG_LABEL_CLASS_*) of s[0..len) (already trimmed) under
 * cfg's mapping, or -1 if no class lists it.  Empty is UNKNOWN.  O(list).
 */
int fg_config_label_class(const fg_config *cfg, const char *s, size_t len);

/* 1 if the lower-case attribute name is kept by --attrs / --no-attrs. */
int fg_config_attr_wanted(const fg_config *cfg, const char *name);

/*
 * The data-contract settings that differ from the defaults as one JSON
 * member `,"input":{...}` written into buf (cap bytes) like snprintf: returns
 * the length it needs.  Nothing (0) when everything is default, so the
 * runs.params of an ordinary run are unchanged.
 */
size_t fg_config_input_json(char *buf, size_t cap, const fg_config *cfg);

/*
 * Parse a time.  Accepted: an integer, unix seconds, or unix milliseconds
 * when its absolute value is at least FG_TIME_MS_MIN (1e11: seconds that
 * large are past the year 5000, milliseconds that small are before March
 * 1973), milliseconds rounded down to the second; "YYYY-MM-DD" (midnight
 * UTC); "YYYY-MM-DD[T| ]HH:MM[:SS[.fff]]" followed by nothing (UTC), "Z",
 * or an offset "+HH", "+HHMM" or "+HH:MM" (or "-"; PostgreSQL prints
 * "+00", strftime %z "+0100").  Calendar dates only (2024-02-30 and
 * second 60 are refused, not shifted).  Returns 0 and sets *out (unix
 * seconds, UTC) or -1 if unparseable.
 */
#define FG_TIME_MS_MIN 100000000000LL
int64_t fg_time_from_int(int64_t v);
int fg_parse_time(int64_t *out, const char *s, size_t len);

/*
 * Write cfg as a JSON object (the runs.params column) into a malloc'd
 * string in *out.  Returns FG_OK or FG_ENOMEM.
 */
int fg_config_to_json(char **out, const fg_config *cfg);

#endif
