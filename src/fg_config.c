#include "fg_config.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Defaults.  Weights follow the rarity-weighting practice of the field
 * (openbotrisk: card 3.0, email/phone 2.5, device 2.0, ip 1.0); caps follow the
 * hand-written hub cut-offs seen in practice (Neo4j's demo 10, Stripe 25,
 * openbotrisk 40), loosened for addresses and IPs that households, offices and
 * NAT legitimately share.  docs/scoring.md gives the reasoning.
 */
static const struct { const char *name; double weight; uint32_t cap; } default_kinds[] = {
	{ "card", 3.0, 20 },
	{ "bank", 3.0, 20 },
	{ "email", 2.5, 20 },
	{ "phone", 2.5, 20 },
	{ "device", 2.0, 30 },
	{ "address", 1.5, 50 },
	{ "ip", 1.0, 100 },
};

static const char *default_relations[] = { "user", "referral", "transfer", "order" };

static fg_kind_conf *add_kind(fg_config *cfg, const char *name, size_t len)
{
	fg_kind_conf *k;

	if (cfg->n_kinds >= FG_MAX_KINDS || len == 0 || len >= FG_KIND_NAME_MAX)
		return NULL;
	k = &cfg->kinds[cfg->n_kinds++];
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < len; i++)
		k->name[i] = (char)tolower((unsigned char)name[i]);
	k->weight = cfg->default_weight;
	k->max_share = cfg->default_max_share;
	return k;
}

static fg_kind_conf *find_kind(fg_config *cfg, const char *name, size_t len)
{
	for (int i = 0; i < cfg->n_kinds; i++)
		if (strlen(cfg->kinds[i].name) == len && strncasecmp(cfg->kinds[i].name, name, len) == 0)
			return &cfg->kinds[i];
	return NULL;
}

/* ---- the readers' data contract ---- */

static int split_spec(const char *spec, const char **val, size_t *klen);

static const char *const role_names[FG_COL_NROLES] = {
	"user_id", "kind", "value", "seen_at", "created_at", "label",
};

static const char *const label_class_names[FG_LABEL_NCLASSES] = { "fraud", "legit", "unknown" };

/* Documented in fg_config.h, README.md (input) and docs/operations.md. */
static const char *const label_defaults[FG_LABEL_NCLASSES] = {
	"fraud,chargeback,confirmed_fraud,1,true,yes",
	"legit,cleared",
	"0,false",
};

static void input_defaults(fg_input_conf *in)
{
	memset(in, 0, sizeof(*in));
	for (int c = 0; c < FG_LABEL_NCLASSES; c++)
		snprintf(in->labels[c], sizeof(in->labels[c]), "%s", label_defaults[c]);
}

const char *fg_config_role_name(fg_col_role role)
{
	return role >= 0 && role < FG_COL_NROLES ? role_names[role] : "?";
}

const char *fg_config_column(const fg_config *cfg, fg_col_role role)
{
	if (role < 0 || role >= FG_COL_NROLES)
		return "?";
	return cfg->input.column[role][0] ? cfg->input.column[role] : role_names[role];
}

/* s[0..len) trimmed of ASCII white space; returns the start, sets *len. */
static const char *trim_ws(const char *s, size_t *len)
{
	size_t n = *len;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

/*
 * Normalise a comma list into out (cap bytes): items trimmed, lower-cased,
 * empty ones dropped, joined by ','.  -1 if it does not fit or an item holds
 * a control character.
 */
static int norm_list(char *out, size_t cap, const char *list)
{
	size_t w = 0;
	const char *p = list;

	out[0] = '\0';
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *t = trim_ws(p, &len);

		if (len) {
			if (w + len + 2 > cap)
				return -1;
			if (w)
				out[w++] = ',';
			for (size_t i = 0; i < len; i++) {
				if ((unsigned char)t[i] < 0x20)
					return -1;
				out[w++] = (char)tolower((unsigned char)t[i]);
			}
			out[w] = '\0';
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* 1 if the normalised comma list holds s[0..len) (case-insensitive). */
static int list_has(const char *list, const char *s, size_t len)
{
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == len && strncasecmp(p, s, len) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

int fg_config_set_column(fg_config *cfg, const char *spec)
{
	const char *val;
	size_t klen, vlen;
	int r;

	if (split_spec(spec, &val, &klen) != 0)
		return fg_error_set(FG_EUSAGE, "--column expects ROLE=NAME, got '%s'", spec);
	for (r = 0; r < FG_COL_NROLES; r++)
		if (strlen(role_names[r]) == klen && strncasecmp(role_names[r], spec, klen) == 0)
			break;
	if (r == FG_COL_NROLES)
		return fg_error_set(FG_EUSAGE, "--column %s: ROLE must be one of user_id, kind, value, "
		                    "seen_at, created_at, label", spec);
	vlen = strlen(val);
	val = trim_ws(val, &vlen);
	if (vlen == 0 || vlen >= FG_COL_NAME_MAX || memchr(val, ',', vlen))
		return fg_error_set(FG_EUSAGE, "--column %s: NAME must be 1 to %d bytes", spec,
		                    FG_COL_NAME_MAX - 1);
	memcpy(cfg->input.column[r], val, vlen);
	cfg->input.column[r][vlen] = '\0';
	return FG_OK;
}

int fg_config_set_label(fg_config *cfg, const char *spec)
{
	const char *val;
	size_t klen;
	int c;

	val = strchr(spec, '=');
	if (!val || val == spec)
		return fg_error_set(FG_EUSAGE, "--label expects CLASS=V1,V2,..., got '%s'", spec);
	klen = (size_t)(val - spec);
	val++; /* may be empty: the class lists nothing */
	for (c = 0; c < FG_LABEL_NCLASSES; c++)
		if (strlen(label_class_names[c]) == klen &&
		    strncasecmp(label_class_names[c], spec, klen) == 0)
			break;
	if (c == FG_LABEL_NCLASSES)
		return fg_error_set(FG_EUSAGE, "--label %s: CLASS must be fraud, legit or unknown", spec);
	if (norm_list(cfg->input.labels[c], sizeof(cfg->input.labels[c]), val) != 0)
		return fg_error_set(FG_EUSAGE, "--label %s: list too long (at most %d bytes)", spec,
		                    FG_LABEL_LIST_MAX - 1);
	return FG_OK;
}

int fg_config_set_attrs(fg_config *cfg, const char *list)
{
	if (norm_list(cfg->input.attrs, sizeof(cfg->input.attrs), list) != 0)
		return fg_error_set(FG_EUSAGE, "--attrs: list too long (at most %d bytes)",
		                    FG_ATTRS_LIST_MAX - 1);
	if (!cfg->input.attrs[0])
		return fg_error_set(FG_EUSAGE, "--attrs needs at least one name (or use --no-attrs)");
	cfg->input.no_attrs = false;
	return FG_OK;
}

void fg_config_set_no_attrs(fg_config *cfg)
{
	cfg->input.no_attrs = true;
	cfg->input.attrs[0] = '\0';
}

int fg_config_label_class(const fg_config *cfg, const char *s, size_t len)
{
	if (len == 0)
		return FG_LABEL_CLASS_UNKNOWN;
	for (int c = 0; c < FG_LABEL_NCLASSES; c++)
		if (list_has(cfg->input.labels[c], s, len))
			return c;
	return -1;
}

int fg_config_attr_wanted(const fg_config *cfg, const char *name)
{
	if (cfg->input.no_attrs)
		return 0;
	return !cfg->input.attrs[0] || list_has(cfg->input.attrs, name, strlen(name));
}

/* Append the literal s like snprintf at offset n. */
static size_t json_lit(char *buf, size_t cap, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (n + len < cap) {
		memcpy(buf + n, s, len + 1);
	} else if (n < cap) {
		memcpy(buf + n, s, cap - n - 1);
		buf[cap - 1] = '\0';
	}
	return n + len;
}

/* A JSON string of s (names from the command line: quotes, backslashes, controls). */
static size_t json_str(char *buf, size_t cap, size_t n, const char *s)
{
#define PUTC(ch) do { if (n + 1 < cap) buf[n] = (ch); n++; } while (0)
	PUTC('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			PUTC('\\');
			PUTC((char)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			char e[8];
			snprintf(e, sizeof(e), "\\u%04x", *p);
			for (int i = 0; e[i]; i++)
				PUTC(e[i]);
		} else {
			PUTC((char)*p);
		}
	}
	PUTC('"');
#undef PUTC
	if (n < cap)
		buf[n] = '\0';
	return n;
}

size_t fg_config_input_json(char *buf, size_t cap, const fg_config *cfg)
{
	const fg_input_conf *in = &cfg->input;
	fg_input_conf def;
	size_t n = 0;
	bool any = false, first;

	input_defaults(&def);
	if (cap)
		buf[0] = '\0';
	if (memcmp(in->column, def.column, sizeof(def.column)) == 0 &&
	    memcmp(in->labels, def.labels, sizeof(def.labels)) == 0 && !in->attrs[0] && !in->no_attrs)
		return 0;
#define PUTS(str) n = json_lit(buf, cap, n, (str))
	PUTS(",\"input\":{");
	first = true;
	for (int r = 0; r < FG_COL_NROLES; r++) {
		if (!in->column[r][0])
			continue;
		PUTS(first ? "\"columns\":{" : ",");
		n = json_str(buf, cap, n, role_names[r]);
		PUTS(":");
		n = json_str(buf, cap, n, in->column[r]);
		first = false;
	}
	if (!first) {
		PUTS("}");
		any = true;
	}
	if (memcmp(in->labels, def.labels, sizeof(def.labels)) != 0) {
		PUTS(any ? ",\"labels\":{" : "\"labels\":{");
		for (int c = 0; c < FG_LABEL_NCLASSES; c++) {
			if (c)
				PUTS(",");
			n = json_str(buf, cap, n, label_class_names[c]);
			PUTS(":");
			n = json_str(buf, cap, n, in->labels[c]);
		}
		PUTS("}");
		any = true;
	}
	if (in->no_attrs || in->attrs[0]) {
		PUTS(any ? "," : "");
		if (in->no_attrs) {
			PUTS("\"no_attrs\":true");
		} else {
			PUTS("\"attrs\":");
			n = json_str(buf, cap, n, in->attrs);
		}
	}
	PUTS("}");
#undef PUTS
	return n;
}

void fg_config_init(fg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->default_weight = 1.0;
	cfg->default_max_share = 50;
	cfg->relation_weight = 2.0;
	for (size_t i = 0; i < sizeof(default_kinds) / sizeof(default_kinds[0]); i++) {
		fg_kind_conf *k = add_kind(cfg, default_kinds[i].name, strlen(default_kinds[i].name));
		k->weight = default_kinds[i].weight;
		k->max_share = default_kinds[i].cap;
	}
	for (size_t i = 0; i < sizeof(default_relations) / sizeof(default_relations[0]); i++) {
		fg_kind_conf *k = add_kind(cfg, default_relations[i], strlen(default_relations[i]));
		k->is_relation = true;
		k->weight = cfg->relation_weight;
		k->max_share = UINT32_MAX;
	}
	cfg->max_bad_rows = 1000;
	cfg->strict = false;
	cfg->since = FG_TIME_NONE;
	cfg->max_field_len = 4096;
	input_defaults(&cfg->input);
	cfg->threads = 0;
	cfg->lpa_max_iter = 30;
	cfg->risk_damping = 0.85;
	cfg->risk_tol = 1e-8;
	cfg->risk_max_iter = 200;
	cfg->smoothing_k = 10.0;
	cfg->keep_runs = 0;
	cfg->holdout = 0.0;
	cfg->holdout_seed = 1;
	cfg->hub_warn_share = 0.25;
	cfg->max_drop = 0.5;
	cfg->allow_drop = false;
}

const fg_kind_conf *fg_config_kind(const fg_config *cfg, const char *name)
{
	return find_kind((fg_config *)cfg, name, strlen(name));
}

double fg_config_kind_weight(const fg_config *cfg, const char *name)
{
	const fg_kind_conf *k = fg_config_kind(cfg, name);

	return k ? k->weight : cfg->default_weight;
}

uint32_t fg_config_kind_max_share(const fg_config *cfg, const char *name)
{
	const fg_kind_conf *k = fg_config_kind(cfg, name);

	return k ? k->max_share : cfg->default_max_share;
}

bool fg_config_is_relation(const fg_config *cfg, const char *name)
{
	const fg_kind_conf *k = fg_config_kind(cfg, name);

	return k && k->is_relation;
}

static int split_spec(const char *spec, const char **val, size_t *klen)
{
	const char *eq = strchr(spec, '=');

	if (!eq || eq == spec || eq[1] == '\0')
		return -1;
	*klen = (size_t)(eq - spec);
	*val = eq + 1;
	return 0;
}

int fg_config_set_max_share(fg_config *cfg, const char *spec)
{
	const char *val;
	size_t klen;
	char *end;
	unsigned long long n;
	fg_kind_conf *k;

	if (split_spec(spec, &val, &klen) != 0)
		return fg_error_set(FG_EUSAGE, "--max-share expects KIND=N, got '%s'", spec);
	errno = 0;
	n = strtoull(val, &end, 10);
	if (errno || *end || n < 1 || n > UINT32_MAX)
		return fg_error_set(FG_EUSAGE, "--max-share %s: N must be an integer >= 1", spec);
	k = find_kind(cfg, spec, klen);
	if (!k && !(k = add_kind(cfg, spec, klen)))
		return fg_error_set(FG_EUSAGE, "--max-share %s: bad kind or too many kinds", spec);
	k->max_share = (uint32_t)n;
	return FG_OK;
}

int fg_config_set_weight(fg_config *cfg, const char *spec)
{
	const char *val;
	size_t klen;
	char *end;
	double w;
	fg_kind_conf *k;

	if (split_spec(spec, &val, &klen) != 0)
		return fg_error_set(FG_EUSAGE, "--kind-weight expects KIND=W, got '%s'", spec);
	errno = 0;
	w = strtod(val, &end);
	if (errno || *end || !(w > 0.0) || w > 1e6)
		return fg_error_set(FG_EUSAGE, "--kind-weight %s: W must be a number > 0", spec);
	k = find_kind(cfg, spec, klen);
	if (!k && !(k = add_kind(cfg, spec, klen)))
		return fg_error_set(FG_EUSAGE, "--kind-weight %s: bad kind or too many kinds", spec);
	k->weight = w;
	return FG_OK;
}

int fg_config_set_relations(fg_config *cfg, const char *list)
{
	const char *p = list;

	for (int i = 0; i < cfg->n_kinds; i++)
		cfg->kinds[i].is_relation = false;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		fg_kind_conf *k;

		while (len && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len) {
			k = find_kind(cfg, p, len);
			if (!k && !(k = add_kind(cfg, p, len)))
				return fg_error_set(FG_EUSAGE, "--relations: bad kind in '%s'", list);
			if (!k->is_relation) {
				k->is_relation = true;
				k->weight = cfg->relation_weight;
				k->max_share = UINT32_MAX;
			}
		}
		if (!e)
			break;
		p = e + 1;
	}
	return FG_OK;
}

/* Copy name[0..len) lower-cased into out (capacity FG_KIND_NAME_MAX), trimmed; -1 if empty or too long. */
static int kind_name(char *out, const char *name, size_t len)
{
	while (len && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	if (len == 0 || len >= FG_KIND_NAME_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[len] = '\0';
	return 0;
}

static const fg_kind_alias *find_alias(const fg_config *cfg, const char *name, size_t len)
{
	for (int i = 0; i < cfg->n_aliases; i++)
		if (strlen(cfg->aliases[i].alias) == len && strncasecmp(cfg->aliases[i].alias, name, len) == 0)
			return &cfg->aliases[i];
	return NULL;
}

int fg_config_set_kind_alias(fg_config *cfg, const char *spec)
{
	char kind[FG_KIND_NAME_MAX] = "";
	const char *p = spec;

	if (!strchr(spec, '='))
		return fg_error_set(FG_EUSAGE, "--kind-alias expects KIND=ALIAS[,ALIAS...], got '%s'", spec);
	while (*p) {
		const char *e = strchr(p, ','), *eq;
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char alias[FG_KIND_NAME_MAX];
		const fg_kind_alias *old;

		eq = memchr(p, '=', len);
		if (eq) {
			if (kind_name(kind, p, (size_t)(eq - p)) != 0)
				return fg_error_set(FG_EUSAGE, "--kind-alias %s: bad kind name", spec);
			len -= (size_t)(eq + 1 - p);
			p = eq + 1;
		}
		if (!kind[0] || kind_name(alias, p, len) != 0)
			return fg_error_set(FG_EUSAGE, "--kind-alias %s: expects KIND=ALIAS[,ALIAS...] "
			                    "with names of 1 to %d characters", spec, FG_KIND_NAME_MAX - 1);
		if (strcmp(alias, kind) == 0)
			return fg_error_set(FG_EUSAGE, "--kind-alias %s: '%s' cannot be its own alias", spec, alias);
		if (find_alias(cfg, kind, strlen(kind)))
			return fg_error_set(FG_EUSAGE, "--kind-alias %s: '%s' is itself an alias", spec, kind);
		for (int i = 0; i < cfg->n_aliases; i++)
			if (strcmp(cfg->aliases[i].kind, alias) == 0)
				return fg_error_set(FG_EUSAGE, "--kind-alias %s: '%s' is already the target of "
				                    "alias '%s'", spec, alias, cfg->aliases[i].alias);
		old = find_alias(cfg, alias, strlen(alias));
		if (old && strcmp(old->kind, kind) != 0)
			return fg_error_set(FG_EUSAGE, "--kind-alias %s: '%s' is already an alias of '%s'",
			                    spec, alias, old->kind);
		if (!old) {
			if (cfg->n_aliases >= FG_MAX_ALIASES)
				return fg_error_set(FG_EUSAGE, "--kind-alias: more than %d aliases", FG_MAX_ALIASES);
			memcpy(cfg->aliases[cfg->n_aliases].alias, alias, sizeof(alias));
			memcpy(cfg->aliases[cfg->n_aliases].kind, kind, sizeof(kind));
			cfg->n_aliases++;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return FG_OK;
}

int fg_config_set_ignore_value(fg_config *cfg, const char *spec)
{
	const char *val;
	size_t klen, vlen;
	fg_ignore_value *iv;

	if (split_spec(spec, &val, &klen) != 0)
		return fg_error_set(FG_EUSAGE, "--ignore-value expects KIND=VALUE, got '%s'", spec);
	vlen = strlen(val);
	if (cfg->n_ignores >= FG_MAX_IGNORES)
		return fg_error_set(FG_EUSAGE, "--ignore-value: more than %d values", FG_MAX_IGNORES);
	iv = &cfg->ignores[cfg->n_ignores];
	if (kind_name(iv->kind, spec, klen) != 0)
		return fg_error_set(FG_EUSAGE, "--ignore-value %s: bad kind name", spec);
	if (vlen >= FG_IGNORE_VALUE_MAX)
		return fg_error_set(FG_EUSAGE, "--ignore-value %s: VALUE longer than %d bytes", spec,
		                    FG_IGNORE_VALUE_MAX - 1);
	memcpy(iv->value, val, vlen + 1);
	cfg->n_ignores++;
	return FG_OK;
}

const char *fg_config_kind_canonical(size_t *out_len, const fg_config *cfg, const char *kind,
                                     size_t len)
{
	const fg_kind_alias *a = find_alias(cfg, kind, len);

	if (!a) {
		*out_len = len;
		return kind;
	}
	*out_len = strlen(a->kind);
	return a->kind;
}

fg_value_class fg_config_value_class(const fg_config *cfg, const char *kind, size_t len)
{
	const fg_kind_conf *k = find_kind((fg_config *)cfg, kind, len);

	if (k && k->is_relation)
		return FG_VALUE_USER;
	if (len == 5 && strncmp(kind, "email", 5) == 0)
		return FG_VALUE_EMAIL;
	if (len == 5 && strncmp(kind, "phone", 5) == 0)
		return FG_VALUE_PHONE;
	if (len == 7 && strncmp(kind, "address", 7) == 0)
		return FG_VALUE_ADDRESS;
	return FG_VALUE_PLAIN;
}

void fg_config_normalise_class(char *out, size_t *out_len, fg_value_class cls, const char *value,
                               size_t len)
{
	size_t n = 0;

	switch (cls) {
	case FG_VALUE_EMAIL:
		for (size_t i = 0; i < len; i++)
			out[n++] = (char)tolower((unsigned char)value[i]);
		break;
	case FG_VALUE_PHONE:
		for (size_t i = 0; i < len; i++) {
			if (value[i] >= '0' && value[i] <= '9')
				out[n++] = value[i];
			else if (value[i] == '+' && n == 0)
				out[n++] = '+';
		}
		if (n == 1 && out[0] == '+')
			n = 0;
		break;
	case FG_VALUE_ADDRESS:
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)value[i];
			if (isspace(c)) {
				if (n && out[n - 1] != ' ')
					out[n++] = ' ';
			} else {
				out[n++] = (char)tolower(c);
			}
		}
		if (n && out[n - 1] == ' ')
			n--;
		break;
	default:
		memcpy(out, value, len);
		n = len;
		break;
	}
	out[n] = '\0';
	*out_len = n;
}

static const char *const placeholders[] = { "unknown", "null", "none", "nil", "n/a", "na", "-", "?" };

bool fg_config_is_placeholder(const fg_config *cfg, const char *kind, size_t klen,
                              const char *value, size_t len)
{
	bool zero = false, only_zero = true;

	if (len == 0)
		return true;
	if (len <= 7)
		for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
			if (strlen(placeholders[i]) == len && strncasecmp(placeholders[i], value, len) == 0)
				return true;
	for (size_t i = 0; i < len && only_zero; i++) {
		char c = value[i];
		if (c == '0')
			zero = true;
		else if (c != '-' && c != ':' && c != '.' && c != ' ')
			only_zero = false;
	}
	if (zero && only_zero)
		return true;
	for (int i = 0; i < cfg->n_ignores; i++) {
		const fg_ignore_value *iv = &cfg->ignores[i];
		size_t cl;
		const char *ck = fg_config_kind_canonical(&cl, cfg, iv->kind, strlen(iv->kind));
		if (cl == klen && memcmp(ck, kind, klen) == 0 && strlen(iv->value) == len &&
		    strncasecmp(iv->value, value, len) == 0)
			return true;
	}
	return false;
}

int fg_kind_memo_get(fg_kind_memo *m, const fg_config *cfg, const char *kind, size_t len)
{
	fg_kind_settings *e = &m->e[m->last];

	if (m->n && e->raw_len == len && memcmp(e->raw, kind, len) == 0)
		return (int)m->last;
	for (uint32_t i = 0; i < m->n; i++) {
		e = &m->e[i];
		if (e->raw_len == len && memcmp(e->raw, kind, len) == 0) {
			m->last = i;
			return (int)i;
		}
	}
	if (len >= FG_KIND_NAME_MAX || m->n == FG_KIND_MEMO_N)
		return -1;
	e = &m->e[m->n];
	memcpy(e->raw, kind, len);
	e->raw[len] = '\0';
	e->raw_len = len;
	e->is_rel = fg_config_is_relation(cfg, e->raw);
	e->canon = fg_config_kind_canonical(&e->canon_len, cfg, e->raw, len);
	e->cls = fg_config_value_class(cfg, e->canon, e->canon_len);
	m->last = m->n;
	return (int)m->n++;
}

bool fg_config_normalise_value(char *out, size_t *out_len, const char **kind_out,
                               size_t *kind_len, const fg_config *cfg, const char *kind,
                               size_t klen, const char *value, size_t vlen)
{
	*kind_out = fg_config_kind_canonical(kind_len, cfg, kind, klen);
	fg_config_normalise_class(out, out_len, fg_config_value_class(cfg, *kind_out, *kind_len),
	                          value, vlen);
	return !fg_config_is_placeholder(cfg, *kind_out, *kind_len, out, *out_len);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t fg_time_from_int(int64_t v)
{
	if (v >= FG_TIME_MS_MIN)
		return v / 1000;
	if (v <= -FG_TIME_MS_MIN)
		return -((-(v + 1)) / 1000) - 1; /* floor division for negative milliseconds */
	return v;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

int fg_parse_time(int64_t *out, const char *s, size_t len)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	size_t i;
	int64_t t;

	if (len == 0)
		return -1;
	/* an integer: unix seconds, or milliseconds from FG_TIME_MS_MIN (optionally negative) */
	i = (s[0] == '-') ? 1 : 0;
	if (i < len) {
		size_t j = i;
		while (j < len && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j == len && len - i <= 18) {
			int64_t v = 0;
			for (size_t k = i; k < len; k++)
				v = v * 10 + (s[k] - '0');
			*out = fg_time_from_int(i ? -v : v);
			return 0;
		}
	}
	if (len < 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	i = 10;
	if (i < len) {
		/* HH:MM, then optional :SS and .fff */
		if ((s[i] != 'T' && s[i] != ' ') || len < i + 6 || s[i + 3] != ':' ||
		    digits(s + i + 1, 2, &h) || digits(s + i + 4, 2, &mi))
			return -1;
		i += 6;
		if (i < len && s[i] == ':') {
			if (len < i + 3 || digits(s + i + 1, 2, &sec))
				return -1;
			i += 3;
			if (i < len && s[i] == '.') {
				i++;
				if (i >= len || s[i] < '0' || s[i] > '9')
					return -1;
				while (i < len && s[i] >= '0' && s[i] <= '9')
					i++;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	if (i < len) {
		int oh = 0, om = 0;

		if (s[i] == 'Z' && i + 1 == len) {
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			/* +HH, +HHMM, +HH:MM */
			size_t rest = len - i - 1;
			const char *z = s + i + 1;

			if (rest == 2) {
				if (digits(z, 2, &oh))
					return -1;
			} else if (rest == 4) {
				if (digits(z, 2, &oh) || digits(z + 2, 2, &om))
					return -1;
			} else if (rest == 5 && z[2] == ':') {
				if (digits(z, 2, &oh) || digits(z + 3, 2, &om))
					return -1;
			} else {
				return -1;
			}
			if (oh > 23 || om > 59)
				return -1;
			t -= (s[i] == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
			i = len;
		} else {
			return -1;
		}
	}
	*out = t;
	return 0;
}

int fg_config_to_json(char **out, const fg_config *cfg)
{
	/* every string at most 6 bytes per byte escaped, plus its keys */
	size_t cap = 4096 + (size_t)(cfg->n_kinds + 2 * cfg->n_aliases + 2 * cfg->n_ignores) * 512 +
	             6 * sizeof(fg_input_conf);
	size_t n = 0;
	char *buf;

	for (int i = 0; i < cfg->n_config_files; i++)
		cap += 6 * strlen(cfg->config_files[i]) + 8;

	if (!(buf = fg_malloc(cap)))
		return fg_error_set(FG_ENOMEM, "out of memory writing parameters");
#define PUT(...) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__)
	PUT("{\"kinds\":{");
	for (int i = 0; i < cfg->n_kinds; i++) {
		const fg_kind_conf *k = &cfg->kinds[i];
		PUT("%s", i ? "," : "");
		n = json_str(buf, cap, n, k->name);
		PUT(":{\"weight\":%.17g,", k->weight);
		if (k->is_relation)
			PUT("\"relation\":true}");
		else
			PUT("\"max_share\":%u}", k->max_share);
	}
	PUT("},\"kind_aliases\":{");
	for (int i = 0; i < cfg->n_aliases; i++) {
		PUT("%s", i ? "," : "");
		n = json_str(buf, cap, n, cfg->aliases[i].alias);
		PUT(":");
		n = json_str(buf, cap, n, cfg->aliases[i].kind);
	}
	PUT("},\"ignore_values\":[");
	for (int i = 0; i < cfg->n_ignores; i++) {
		PUT("%s[", i ? "," : "");
		n = json_str(buf, cap, n, cfg->ignores[i].kind);
		PUT(",");
		n = json_str(buf, cap, n, cfg->ignores[i].value);
		PUT("]");
	}
	PUT("],\"config\":[");
	for (int i = 0; i < cfg->n_config_files; i++) {
		PUT("%s", i ? "," : "");
		n = json_str(buf, cap, n, cfg->config_files[i]);
	}
	PUT("],\"hub_warn_share\":%.17g,\"max_drop\":%.17g,\"allow_drop\":%s", cfg->hub_warn_share,
	    cfg->max_drop, cfg->allow_drop ? "true" : "false");
	PUT(",\"default_weight\":%.17g,\"default_max_share\":%u,\"relation_weight\":%.17g,",
	    cfg->default_weight, cfg->default_max_share, cfg->relation_weight);
	PUT("\"max_bad_rows\":%llu,\"strict\":%s,", (unsigned long long)cfg->max_bad_rows,
	    cfg->strict ? "true" : "false");
	if (cfg->since == FG_TIME_NONE)
		PUT("\"since\":null,");
	else
		PUT("\"since\":%lld,", (long long)cfg->since);
	PUT("\"max_field_len\":%u,\"lpa_max_iter\":%d,\"risk_damping\":%.17g,\"risk_tol\":%.17g,"
	    "\"risk_max_iter\":%d,\"smoothing_k\":%.17g,\"keep_runs\":%d,\"holdout\":%.17g,"
	    "\"holdout_seed\":%llu",
	    cfg->max_field_len, cfg->lpa_max_iter, cfg->risk_damping, cfg->risk_tol,
	    cfg->risk_max_iter, cfg->smoothing_k, cfg->keep_runs, cfg->holdout,
	    (unsigned long long)cfg->holdout_seed);
	n += fg_config_input_json(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, cfg);
	PUT("}");
#undef PUT
	if (n >= cap) {
		fg_free(buf);
		return fg_error_set(FG_ERROR, "parameters too long for JSON buffer");
	}
	*out = buf;
	return FG_OK;
}
