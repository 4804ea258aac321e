/*
 * fraudgraph explain USER: why a user is flagged, with the evidence, read
 * from the results database only (never the original inputs).
 *
 * This file parses the options and renders: the case (the user, the ring,
 * the evidence, the path) is built by engine/fg_explain.c through the
 * results reader (src/fg_results.h), one renderer per format: text (fits
 * 100 columns), json (docs/explain.md), dot, svg.
 */
#include "fg_cli.h"
#include "fg_opt.h"
#include "tool_util.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_explain.h"
#include "fg_layout.h"
#include "fg_results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEXT_VALUE_MAX 40

enum { FMT_TEXT, FMT_JSON, FMT_DOT, FMT_SVG };

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

/* UTC ISO-8601 of Unix seconds: "2026-11-20T23:15:00Z". */
static void fmt_time(char *buf, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "%lld", (long long)t);
}

/* "first .. last" of a link, or "" when the input gave no time. */
static void fmt_seen(char *buf, size_t cap, bool has_first, int64_t first, bool has_last,
                     int64_t last, bool dates)
{
	char a[24], b[24];

	buf[0] = '\0';
	if (!has_first && !has_last)
		return;
	fmt_time(a, sizeof(a), has_first ? first : last);
	fmt_time(b, sizeof(b), has_last ? last : first);
	if (dates && a[10] == 'T' && b[10] == 'T')
		a[10] = b[10] = '\0'; /* the date alone, for a table column */
	if (!strcmp(a, b))
		snprintf(buf, cap, "%s", a);
	else
		snprintf(buf, cap, "%s .. %s", a, b);
}

/*
 * Control characters in ids and values would corrupt the text, DOT and SVG
 * outputs (a newline in a user id forges a line): every string of the case
 * is rewritten with \xHH for bytes below 0x20 and 0x7f before those
 * renderers run (JSON escapes them itself).  Strings without one are kept.
 */
static bool needs_escape(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void escape(const char **sp, fg_res_arena *a, bool *nomem)
{
	const char *s = *sp;
	char *d, *w;

	if (!needs_escape(s))
		return;
	d = fg_res_alloc(a, 4 * strlen(s) + 1);
	if (!d) {
		*nomem = true;
		return;
	}
	for (w = d; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			w += sprintf(w, "\\x%02x", c);
		else
			*w++ = (char)c;
	}
	*w = '\0';
	*sp = d;
}

static void escape_vertex(fg_explain_vertex *v, fg_res_arena *a, bool *nomem)
{
	escape(&v->user_id, a, nomem);
	escape(&v->label, a, nomem);
	escape(&v->kind, a, nomem);
	escape(&v->value, a, nomem);
}

static int escape_case(fg_explain *x)
{
	fg_res_arena *a = &x->arena;
	bool nomem = false;

	escape(&x->user.user_id, a, &nomem);
	escape(&x->user.label, a, &nomem);
	escape(&x->user.nearest_seed, a, &nomem);
	for (size_t i = 0; i < x->n_reasons; i++) {
		escape(&x->reasons[i].feature, a, &nomem);
		escape(&x->reasons[i].text, a, &nomem);
	}
	escape(&x->ring.ring_key, a, &nomem);
	escape(&x->ring.prev_keys_json, a, &nomem);
	for (size_t i = 0; i < x->n_members; i++) {
		escape(&x->members[i].user.user_id, a, &nomem);
		escape(&x->members[i].user.label, a, &nomem);
	}
	for (size_t i = 0; i < x->n_ev; i++) {
		escape(&x->ev[i].e.kind, a, &nomem);
		escape(&x->ev[i].e.value, a, &nomem);
		for (size_t j = 0; j < x->ev[i].n_others; j++) {
			escape(&x->ev[i].others[j].user_id, a, &nomem);
			escape(&x->ev[i].others[j].label, a, &nomem);
		}
	}
	for (size_t i = 0; i < x->n_links; i++) {
		escape(&x->links[i].kind, a, &nomem);
		escape(&x->links[i].other.user_id, a, &nomem);
		escape(&x->links[i].other.label, a, &nomem);
	}
	for (size_t i = 0; i < x->n_path; i++)
		escape_vertex(&x->path[i], a, &nomem);
	for (size_t i = 0; i < x->n_pv; i++)
		escape_vertex(&x->pv[i], a, &nomem);
	for (size_t i = 0; i < x->n_pe; i++)
		escape(&x->pe[i].relation, a, &nomem);
	return nomem ? fg_error_set(FG_ENOMEM, "out of memory (explain)") : FG_OK;
}

/* ---- output: text ------------------------------------------------------- */

/* Append "u01 -[card c1]- u02 ..." wrapped at 100 columns with indent. */
static void path_text(fg_sbuf *o, const fg_explain *x, int indent, bool wrap)
{
	size_t col = (size_t)indent;
	fg_sbuf seg = { 0 };

	if (wrap)
		fg_sbuf_printf(o, "%*s", indent, "");
	for (size_t i = 0; i < x->n_path; i++) {
		const fg_explain_vertex *nd = &x->path[i];
		seg.len = 0;
		if (seg.s)
			seg.s[0] = '\0';
		if (!nd->is_user)
			continue;
		if (i > 0) {
			const fg_explain_vertex *prev = &x->path[i - 1];
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

static int emit_text(fg_sbuf *o, const fg_explain *x)
{
	char b1[32], b2[64], b3[32], b4[32];
	fg_table *t = NULL;
	int rc = FG_OK;

	fg_sbuf_printf(o, "User %s (run %lld", x->user.user_id, (long long)x->run.run_id);
	if (x->run.started_at)
		fg_sbuf_printf(o, ", %s", x->run.started_at);
	fg_sbuf_puts(o, ")\n");
	fmt_score(b1, sizeof(b1), x->user.score);
	fmt_score(b3, sizeof(b3), x->user.risk_norm);
	if (isnan(x->user.risk))
		snprintf(b2, sizeof(b2), "-");
	else
		snprintf(b2, sizeof(b2), "%.3g", x->user.risk);
	if (isnan(x->user.risk_pct))
		snprintf(b4, sizeof(b4), "-");
	else
		snprintf(b4, sizeof(b4), "%.1f", x->user.risk_pct);
	fg_sbuf_printf(o, "  score      %s", b1);
	if (x->model_source && !isnan(x->user.rule_score)) {
		fmt_score(b1, sizeof(b1), x->user.rule_score);
		fg_sbuf_printf(o, " (learned model, %s; hand-set rule score %s)", x->model_source, b1);
	}
	fg_sbuf_puts(o, "\n");
	fg_sbuf_printf(o, "  risk       %s (normalised %s, percentile %s)\n", b2, b3, b4);
	fg_sbuf_printf(o, "  label      %s\n", label_text(x->user.label));
	if (x->user.has_component)
		fg_sbuf_printf(o, "  component  %lld\n", (long long)x->user.component_id);
	if (x->user.has_created) {
		fmt_time(b1, sizeof(b1), x->user.created_at);
		fg_sbuf_printf(o, "  created    %s\n", b1);
	}
	if (x->ring_found)
		fg_sbuf_printf(o, "  ring       %s%s\n", x->ring.ring_key,
		               x->user_joined ? " (joined tonight)" : "");
	else
		fg_sbuf_puts(o, "  ring       none\n");
	if (x->user.has_hops && x->user.nearest_seed)
		fg_sbuf_printf(o, "  nearest known fraud  %s, %lld hops\n", x->user.nearest_seed,
		               (long long)x->user.seed_hops);
	else
		fg_sbuf_puts(o, "  nearest known fraud  none reachable\n");

	if (x->n_reasons) {
		fg_sbuf_puts(o, "\nWhy the model flags this user\n");
		for (size_t i = 0; i < x->n_reasons; i++) {
			const fg_res_reason *w = &x->reasons[i];
			char v[32], c[32];
			if (isnan(w->value))
				snprintf(v, sizeof(v), "-");
			else
				snprintf(v, sizeof(v), "%.4g", w->value);
			if (isnan(w->contribution))
				snprintf(c, sizeof(c), "-");
			else
				snprintf(c, sizeof(c), "%+.2f", w->contribution);
			fg_sbuf_printf(o, "  %lld. %s\n     (%s = %s, contribution %s to the log-odds)\n",
			               (long long)w->rank, w->text ? w->text : w->feature, w->feature, v, c);
		}
	}

	if (x->ring_found) {
		fmt_score(b1, sizeof(b1), x->ring.ring_score);
		fg_sbuf_printf(o, "\nRing %s: %s, score %s", x->ring.ring_key, x->ring.status ? x->ring.status : "?", b1);
		if (x->ring.has_first_run) {
			fg_sbuf_printf(o, ", first seen in run %lld", (long long)x->ring.first_run_id);
			if (x->ring.first_seen)
				fg_sbuf_printf(o, " (%s)", x->ring.first_seen);
		}
		fg_sbuf_puts(o, "\n");
		if (x->model_source && !isnan(x->ring.rule_score)) {
			fmt_score(b1, sizeof(b1), x->ring.rule_score);
			fg_sbuf_printf(o, "  rule score  %s (hand-set, the factors' product; the score above is learned)\n",
			               b1);
		}
		if (x->ring.prev_keys_json)
			fg_sbuf_printf(o, "  prev keys   %s\n", x->ring.prev_keys_json);
		fg_sbuf_printf(o, "  members     %lld users (seeds %lld, legit %lld)\n", (long long)x->ring.counts[0],
		               (long long)x->ring.counts[1], (long long)x->ring.counts[2]);
		fg_sbuf_printf(o, "  entities    %lld (cards %lld, devices %lld, addresses %lld, phones %lld,"
		                  " emails %lld, ips %lld, other %lld)\n",
		               (long long)x->ring.counts[3], (long long)x->ring.counts[4], (long long)x->ring.counts[5],
		               (long long)x->ring.counts[6], (long long)x->ring.counts[7], (long long)x->ring.counts[8],
		               (long long)x->ring.counts[9], (long long)x->ring.counts[10]);
		fg_sbuf_printf(o, "  user links  %lld\n", (long long)x->ring.counts[11]);
		if (fg_explain_ring_has_lineage(x)) {
			size_t shown = 0;
			fg_sbuf_printf(o, "  joined tonight  %zu", x->n_joined);
			for (size_t i = 0; i < x->n_members && shown < 10; i++) {
				const fg_res_member *m = &x->members[i];
				if (!fg_explain_member_joined(x, m))
					continue;
				fg_sbuf_puts(o, shown++ ? ", " : ": ");
				fg_sbuf_clip(o, m->user.user_id, TEXT_VALUE_MAX);
			}
			if (x->n_joined > shown)
				fg_sbuf_printf(o, " and %zu more", x->n_joined - shown);
			fg_sbuf_puts(o, "\n");
		}
		fg_sbuf_puts(o, "  score factors\n");
		{
			static const char *const hdr[] = { "factor", "value" };
			rc = fg_table_new(&t, 2, hdr, "lr", 0);
			if (rc)
				goto cleanup;
			for (int i = 0; i < FG_RES_N_RING_FACTORS; i++) {
				fmt_score(b1, sizeof(b1), x->ring.factors[i]);
				fg_table_cell(t, "%s", fg_res_ring_factor_names[i]);
				fg_table_cell(t, "%s", b1);
			}
			if (x->model_source && !isnan(x->ring.rule_score)) {
				/* the factors' product; ring_score below is then the learned one */
				fmt_score(b1, sizeof(b1), x->ring.rule_score);
				fg_table_cell(t, "rule_score");
				fg_table_cell(t, "%s", b1);
			}
			fmt_score(b1, sizeof(b1), x->ring.ring_score);
			fg_table_cell(t, "ring_score");
			fg_table_cell(t, "%s", b1);
			rc = fg_table_check(t);
			if (rc)
				goto cleanup;
			fg_table_print(o, t, 4);
			fg_table_free(&t);
		}
	} else if (x->user.has_ring) {
		fg_sbuf_printf(o, "\nRing %lld: not in the rings table of this run\n", (long long)x->user.ring_id);
	}

	fg_sbuf_printf(o, "\nEvidence: what %s shares\n", x->user.user_id);
	if (x->n_ev == 0 && x->n_links == 0)
		fg_sbuf_puts(o, "  no link stored (the user is alone in its component)\n");
	else if (x->n_ev == x->n_private)
		fg_sbuf_printf(o, "  no shared entity%s\n", x->n_links ? ", direct links only" : "");
	for (size_t i = 0; i < x->n_ev; i++) {
		const fg_explain_evidence *e = &x->ev[i];
		static const char *const hdr[] = { "user", "label", "score" };
		if (!e->shared)
			continue;
		fg_sbuf_puts(o, "  ");
		fg_sbuf_clip(o, e->e.kind, 16);
		fg_sbuf_puts(o, " ");
		fg_sbuf_clip(o, e->e.value, TEXT_VALUE_MAX);
		if (e->e.is_hub)
			fg_sbuf_printf(o, "  (hub: shared by %lld users, kept out of rings)\n", (long long)e->e.share);
		else
			fg_sbuf_printf(o, "  (shared by %lld users)\n", (long long)e->e.share);
		fmt_seen(b2, sizeof(b2), e->e.has_first, e->e.first_seen, e->e.has_last, e->e.last_seen, false);
		if (b2[0])
			fg_sbuf_printf(o, "    linked %s\n", b2);
		if (e->n_others == 0) {
			if (e->more > 0)
				fg_sbuf_printf(o, "    %lld other users, not listed\n", (long long)e->more);
			continue;
		}
		rc = fg_table_new(&t, 3, hdr, "llr", TEXT_VALUE_MAX);
		if (rc)
			goto cleanup;
		for (size_t j = 0; j < e->n_others; j++) {
			fmt_score(b1, sizeof(b1), e->others[j].score);
			fg_table_cell(t, "%s", e->others[j].user_id);
			fg_table_cell(t, "%s", label_text(e->others[j].label));
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
	if (x->n_private) {
		fg_sbuf_printf(o, "\nPrivate entities: used by %s alone\n", x->user.user_id);
		for (size_t i = 0; i < x->n_ev; i++) {
			const fg_explain_evidence *e = &x->ev[i];
			if (e->shared)
				continue;
			fg_sbuf_puts(o, "  ");
			fg_sbuf_clip(o, e->e.kind, 16);
			fg_sbuf_puts(o, " ");
			fg_sbuf_clip(o, e->e.value, TEXT_VALUE_MAX);
			fmt_seen(b2, sizeof(b2), e->e.has_first, e->e.first_seen, e->e.has_last,
			         e->e.last_seen, false);
			if (b2[0])
				fg_sbuf_printf(o, "  (linked %s)", b2);
			fg_sbuf_puts(o, "\n");
		}
	}
	if (x->n_links) {
		static const char *const hdr[] = { "link", "user", "label", "score", "seen" };
		bool times = false;
		for (size_t j = 0; j < x->n_links; j++)
			times = times || x->links[j].has_first || x->links[j].has_last;
		fg_sbuf_puts(o, "\nDirect links\n");
		rc = fg_table_new(&t, times ? 5 : 4, hdr, "lllrl", TEXT_VALUE_MAX);
		if (rc)
			goto cleanup;
		for (size_t j = 0; j < x->n_links; j++) {
			const fg_res_ulink *l = &x->links[j];
			fmt_score(b1, sizeof(b1), l->other.score);
			fg_table_cell(t, "%s", l->kind);
			fg_table_cell(t, "%s", l->other.user_id);
			fg_table_cell(t, "%s", label_text(l->other.label));
			fg_table_cell(t, "%s", b1);
			if (times) {
				fmt_seen(b2, sizeof(b2), l->has_first, l->first_seen, l->has_last, l->last_seen, true);
				fg_table_cell(t, "%s", b2);
			}
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

	if (x->n_hist) {
		static const char *const hdr[] = { "run", "date", "status", "size", "score" };
		fg_sbuf_printf(o, "\nHistory of %s (first seen in run %lld)\n", x->ring.ring_key,
		               (long long)(x->ring.has_first_run ? x->ring.first_run_id : x->hist[0].run_id));
		rc = fg_table_new(&t, 5, hdr, "rllrr", TEXT_VALUE_MAX);
		if (rc)
			goto cleanup;
		for (size_t j = 0; j < x->n_hist; j++) {
			fmt_score(b1, sizeof(b1), x->hist[j].ring_score);
			fg_table_cell(t, "%lld", (long long)x->hist[j].run_id);
			fg_table_cell(t, "%s", x->hist[j].started_at ? x->hist[j].started_at : "-");
			fg_table_cell(t, "%s", x->hist[j].status ? x->hist[j].status : "-");
			fg_table_cell(t, "%lld", (long long)x->hist[j].n_users);
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

static void json_int(fg_sbuf *o, bool has, int64_t v)
{
	if (has)
		fg_sbuf_printf(o, "%lld", (long long)v);
	else
		fg_sbuf_puts(o, "null");
}

static void emit_json(fg_sbuf *o, const fg_explain *x)
{
	fg_sbuf_printf(o, "{\"format\":\"fraudgraph.explain/1\",\"run_id\":%lld,\"run_started_at\":",
	               (long long)x->run.run_id);
	fg_sbuf_json_str(o, x->run.started_at);
	fg_sbuf_puts(o, ",\n\"user\":{\"user_id\":");
	fg_sbuf_json_str(o, x->user.user_id);
	fg_sbuf_puts(o, ",\"label\":");
	fg_sbuf_json_str(o, x->user.label);
	fg_sbuf_puts(o, ",\"score\":");
	fg_sbuf_json_num(o, x->user.score);
	fg_sbuf_puts(o, ",\"rule_score\":");
	fg_sbuf_json_num(o, x->user.rule_score);
	fg_sbuf_puts(o, ",\"model\":");
	fg_sbuf_json_str(o, x->model_source);
	fg_sbuf_puts(o, ",\"risk\":");
	fg_sbuf_json_num(o, x->user.risk);
	fg_sbuf_puts(o, ",\"risk_norm\":");
	fg_sbuf_json_num(o, x->user.risk_norm);
	fg_sbuf_puts(o, ",\"risk_pct\":");
	fg_sbuf_json_num(o, x->user.risk_pct);
	fg_sbuf_puts(o, ",\"component_id\":");
	json_int(o, x->user.has_component, x->user.component_id);
	fg_sbuf_puts(o, ",\"ring_id\":");
	json_int(o, x->user.has_ring, x->user.ring_id);
	fg_sbuf_puts(o, ",\"ring_key\":");
	fg_sbuf_json_str(o, x->ring_found ? x->ring.ring_key : NULL);
	fg_sbuf_puts(o, ",\"nearest_seed\":");
	fg_sbuf_json_str(o, x->user.nearest_seed);
	fg_sbuf_puts(o, ",\"seed_hops\":");
	json_int(o, x->user.has_hops, x->user.seed_hops);
	fg_sbuf_puts(o, ",\"created_at\":");
	json_int(o, x->user.has_created, x->user.created_at);
	fg_sbuf_puts(o, ",\"joined_ring_tonight\":");
	fg_sbuf_puts(o, fg_explain_ring_has_lineage(x) ? (x->user_joined ? "true" : "false") : "null");
	fg_sbuf_puts(o, "},\n\"features\":");
	if (!x->has_features) {
		fg_sbuf_puts(o, "null");
	} else {
		for (int i = 0; i < FG_RES_N_FEATURES; i++) {
			fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "{", fg_res_feature_names[i]);
			fg_sbuf_json_num(o, x->features.v[i]);
		}
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, ",\n\"reasons\":[");
	for (size_t i = 0; i < x->n_reasons; i++) {
		const fg_res_reason *w = &x->reasons[i];
		fg_sbuf_printf(o, "%s{\"rank\":%lld,\"feature\":", i ? "," : "", (long long)w->rank);
		fg_sbuf_json_str(o, w->feature);
		fg_sbuf_puts(o, ",\"value\":");
		fg_sbuf_json_num(o, w->value);
		fg_sbuf_puts(o, ",\"contribution\":");
		fg_sbuf_json_num(o, w->contribution);
		fg_sbuf_puts(o, ",\"text\":");
		fg_sbuf_json_str(o, w->text);
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "]");
	fg_sbuf_puts(o, ",\n\"ring\":");
	if (!x->ring_found) {
		fg_sbuf_puts(o, "null");
	} else {
		fg_sbuf_printf(o, "{\"ring_id\":%lld,\"ring_key\":", (long long)x->user.ring_id);
		fg_sbuf_json_str(o, x->ring.ring_key);
		fg_sbuf_puts(o, ",\"status\":");
		fg_sbuf_json_str(o, x->ring.status);
		fg_sbuf_puts(o, ",\"prev_keys\":");
		fg_sbuf_puts(o, x->ring.prev_keys_json ? x->ring.prev_keys_json : "null");
		fg_sbuf_puts(o, ",\"first_run_id\":");
		if (x->ring.has_first_run)
			fg_sbuf_printf(o, "%lld", (long long)x->ring.first_run_id);
		else
			fg_sbuf_puts(o, "null");
		fg_sbuf_puts(o, ",\"first_seen\":");
		fg_sbuf_json_str(o, x->ring.first_seen);
		fg_sbuf_puts(o, ",\"ring_score\":");
		fg_sbuf_json_num(o, x->ring.ring_score);
		fg_sbuf_puts(o, ",\"rule_score\":");
		fg_sbuf_json_num(o, x->ring.rule_score);
		fg_sbuf_puts(o, ",\"factors\":{");
		for (int i = 0; i < FG_RES_N_RING_FACTORS; i++) {
			fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", fg_res_ring_factor_names[i]);
			fg_sbuf_json_num(o, x->ring.factors[i]);
		}
		fg_sbuf_puts(o, "},\"counts\":{");
		for (int i = 0; i < FG_RES_N_RING_COUNTS; i++) {
			fg_sbuf_printf(o, "%s\"%s\":", i ? "," : "", fg_res_ring_count_names[i]);
			if (x->ring.count_null[i])
				fg_sbuf_puts(o, "null");
			else
				fg_sbuf_printf(o, "%lld", (long long)x->ring.counts[i]);
		}
		fg_sbuf_puts(o, "},\"joined_tonight\":");
		if (!fg_explain_ring_has_lineage(x)) {
			fg_sbuf_puts(o, "null");
		} else {
			size_t k = 0;
			fg_sbuf_puts(o, "[");
			for (size_t i = 0; i < x->n_members; i++) {
				if (!fg_explain_member_joined(x, &x->members[i]))
					continue;
				if (k++)
					fg_sbuf_puts(o, ",");
				fg_sbuf_json_str(o, x->members[i].user.user_id);
			}
			fg_sbuf_puts(o, "]");
		}
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, ",\n\"evidence\":[");
	for (size_t i = 0; i < x->n_ev; i++) {
		const fg_explain_evidence *e = &x->ev[i];
		fg_sbuf_printf(o, "%s\n {\"entity_id\":%lld,\"kind\":", i ? "," : "", (long long)e->e.entity_id);
		fg_sbuf_json_str(o, e->e.kind);
		fg_sbuf_puts(o, ",\"value\":");
		fg_sbuf_json_str(o, e->e.value);
		fg_sbuf_printf(o, ",\"share\":%lld,\"hub\":%s,\"others\":[", (long long)e->e.share,
		               e->e.is_hub ? "true" : "false");
		for (size_t j = 0; j < e->n_others; j++) {
			if (j)
				fg_sbuf_puts(o, ",");
			json_user_ref(o, e->others[j].user_id, e->others[j].label, e->others[j].score);
		}
		fg_sbuf_printf(o, "],\"more\":%lld,\"shared\":%s,\"first_seen\":", (long long)e->more,
		               e->shared ? "true" : "false");
		json_int(o, e->e.has_first, e->e.first_seen);
		fg_sbuf_puts(o, ",\"last_seen\":");
		json_int(o, e->e.has_last, e->e.last_seen);
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "],\n\"user_links\":[");
	for (size_t i = 0; i < x->n_links; i++) {
		fg_sbuf_puts(o, i ? ",\n {\"kind\":" : "\n {\"kind\":");
		fg_sbuf_json_str(o, x->links[i].kind);
		fg_sbuf_puts(o, ",\"user\":");
		json_user_ref(o, x->links[i].other.user_id, x->links[i].other.label, x->links[i].other.score);
		fg_sbuf_puts(o, ",\"first_seen\":");
		json_int(o, x->links[i].has_first, x->links[i].first_seen);
		fg_sbuf_puts(o, ",\"last_seen\":");
		json_int(o, x->links[i].has_last, x->links[i].last_seen);
		fg_sbuf_puts(o, "}");
	}
	fg_sbuf_puts(o, "],\n\"path\":");
	if (!x->n_path) {
		fg_sbuf_puts(o, "null");
	} else {
		const fg_explain_vertex *last = &x->path[x->n_path - 1];
		fg_sbuf_printf(o, "{\"hops\":%zu,\"seed\":", x->n_path - 1);
		fg_sbuf_json_str(o, last->user_id);
		fg_sbuf_puts(o, ",\"steps\":[");
		size_t k = 0;
		for (size_t i = 1; i < x->n_path; i++) {
			const fg_explain_vertex *nd = &x->path[i];
			const fg_explain_vertex *prev = &x->path[i - 1];
			if (!nd->is_user)
				continue;
			fg_sbuf_puts(o, k++ ? ",\n  {\"from\":" : "\n  {\"from\":");
			if (prev->is_user) {
				fg_sbuf_json_str(o, prev->user_id);
				fg_sbuf_puts(o, ",\"via\":{\"kind\":");
				fg_sbuf_json_str(o, nd->kind);
				fg_sbuf_puts(o, ",\"entity_id\":null,\"value\":null}");
			} else {
				fg_sbuf_json_str(o, x->path[i - 2].user_id);
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
	for (size_t i = 0; i < x->n_hist; i++) {
		fg_sbuf_printf(o, "%s\n {\"run_id\":%lld,\"started_at\":", i ? "," : "", (long long)x->hist[i].run_id);
		fg_sbuf_json_str(o, x->hist[i].started_at);
		fg_sbuf_puts(o, ",\"status\":");
		fg_sbuf_json_str(o, x->hist[i].status);
		fg_sbuf_printf(o, ",\"n_users\":%lld,\"ring_score\":", (long long)x->hist[i].n_users);
		fg_sbuf_json_num(o, x->hist[i].ring_score);
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

/* The inside of a DOT quoted string: escape " and \ (control bytes are escaped already). */
static void dot_body(fg_sbuf *o, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fg_sbuf_putn(o, "\\", 1);
		if ((unsigned char)*s >= 0x20)
			fg_sbuf_putn(o, s, 1);
	}
}

static void dot_str(fg_sbuf *o, const char *s)
{
	fg_sbuf_putn(o, "\"", 1);
	dot_body(o, s);
	fg_sbuf_putn(o, "\"", 1);
}

static bool is_seed(const fg_explain_vertex *n)
{
	return n->is_user && n->label && !strcmp(n->label, "fraud");
}

/* "User u01, score 0.820, ring R000001" (the ring only for a user in one). */
static void picture_title(fg_sbuf *o, const fg_explain *x)
{
	char b[32];

	fmt_score(b, sizeof(b), x->user.score);
	fg_sbuf_printf(o, "User %s, score %s", x->user.user_id, b);
	if (x->ring_found)
		fg_sbuf_printf(o, ", ring %s", x->ring.ring_key);
	fg_sbuf_printf(o, ", run %lld", (long long)x->run.run_id);
}

/* "nearest known fraud: u05, 4 hops (path in red)" or "no known fraud within reach". */
static void picture_subtitle(fg_sbuf *o, const fg_explain *x)
{
	if (x->n_path == 1)
		fg_sbuf_puts(o, "a known fraud seed");
	else if (x->n_path)
		fg_sbuf_printf(o, "nearest known fraud: %s, %zu hops (path in red)",
		               x->path[x->n_path - 1].user_id, x->n_path - 1);
	else
		fg_sbuf_puts(o, "no known fraud within reach");
	if (fg_explain_ring_has_lineage(x))
		fg_sbuf_printf(o, "; %zu joined the ring tonight", x->n_joined);
	if (x->picture_capped)
		fg_sbuf_printf(o, "; capped at %d vertices", FG_EXPLAIN_MAX_PICTURE);
}

static void emit_dot(fg_sbuf *o, const fg_explain *x)
{
	fg_sbuf t = { 0 };

	fg_sbuf_puts(o, "graph ");
	dot_str(o, x->picture_is_ring && x->ring.ring_key ? x->ring.ring_key : x->user.user_id);
	fg_sbuf_puts(o, " {\n  graph [overlap=false, splines=true, labelloc=t, label=\"");
	picture_title(&t, x);
	dot_body(o, t.s ? t.s : "");
	fg_sbuf_puts(o, "\\n");
	t.len = 0;
	picture_subtitle(&t, x);
	dot_body(o, t.len && t.s ? t.s : "");
	if (t.nomem)
		o->nomem = true;
	fg_sbuf_free(&t);
	fg_sbuf_puts(o, "\"];\n  node [fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t i = 0; i < x->n_pv; i++) {
		const fg_explain_vertex *n = &x->pv[i];
		fg_sbuf_printf(o, "  n%zu [", i);
		if (n->is_user) {
			fg_sbuf_printf(o, "shape=circle, style=%s, fillcolor=\"", n->joined ? "\"filled,dashed\"" : "filled");
			fg_sbuf_puts(o, label_colour(n->label));
			fg_sbuf_puts(o, "\", label=");
			dot_str(o, n->user_id);
			if (!strcmp(n->user_id, x->user.user_id))
				fg_sbuf_puts(o, ", penwidth=3");
			if (is_seed(n))
				fg_sbuf_puts(o, ", peripheries=2");
			if (n->joined)
				fg_sbuf_puts(o, ", xlabel=\"joined tonight\"");
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
		if (n->on_path)
			fg_sbuf_puts(o, ", color=\"#d62728\"");
		fg_sbuf_puts(o, "];\n");
	}
	for (size_t i = 0; i < x->n_pe; i++) {
		const fg_explain_edge *e = &x->pe[i];
		fg_sbuf_printf(o, "  n%u -- n%u", e->a, e->b);
		if (e->relation || e->on_path) {
			fg_sbuf_puts(o, " [");
			if (e->relation) {
				fg_sbuf_puts(o, "style=dashed, label=");
				dot_str(o, e->relation);
			}
			if (e->on_path)
				fg_sbuf_printf(o, "%scolor=\"#d62728\", penwidth=3", e->relation ? ", " : "");
			fg_sbuf_puts(o, "]");
		}
		fg_sbuf_puts(o, ";\n");
	}
	fg_sbuf_puts(o, "}\n");
}

/* An SVG text element with a white halo, so labels stay legible over edges. */
static void svg_label(fg_sbuf *o, double x, double y, const char *size, const char *fill,
                      bool bold, const char *s)
{
	fg_sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%s\" fill=\"%s\" stroke=\"#ffffff\""
	                  " stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"%s>",
	               x, y, size, fill, bold ? " font-weight=\"bold\"" : "");
	fg_sbuf_xml(o, s);
	fg_sbuf_puts(o, "</text>\n");
}

/*
 * The picture as a self-contained SVG: a visible title (user, score, ring key)
 * and a line on the path; users as circles by label (the explained user with
 * a thick outline, seeds with a red ring, members who joined tonight with a
 * dashed blue ring), entities as squares by kind, user-user links dashed, the
 * path to the nearest seed in thick red.  Dense pictures (over 60 vertices)
 * get a larger canvas, smaller labels, and entity labels only on the path
 * (every vertex keeps its full label as a tooltip).  Fruchterman-Reingold
 * from a fixed seed: the same picture on every call.
 */
static int emit_svg(fg_sbuf *o, const fg_explain *x)
{
	const bool dense = x->n_pv > 60;
	const double W = dense ? 1200 : 800, H = dense ? 900 : 600;
	const double M = 40, TOP = 56, LEG = 190, TXT = 170; /* TXT: room for the rightmost label */
	const char *fs = dense ? "9" : "11";
	uint32_t *from = NULL, *to = NULL;
	double *xy = NULL;
	fg_sbuf t = { 0 };
	int rc = FG_OK;

	xy = fg_mallocarray(x->n_pv ? 2 * x->n_pv : 1, sizeof(double));
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
	rc = fg_layout_fr(xy, (uint32_t)x->n_pv, from, to, (uint32_t)x->n_pe, FG_LAYOUT_SEED);
	if (rc)
		goto cleanup;
#define PX(i) (M + xy[2 * (i)] * (W - 2 * M - TXT))
#define PY(i) (TOP + M / 2 + xy[2 * (i) + 1] * (H - TOP - 1.5 * M))
	fg_sbuf_printf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\""
	                  " viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, sans-serif\""
	                  " font-size=\"11\">\n",
	               W + LEG, H, W + LEG, H);
	fg_sbuf_puts(o, "<title>");
	fg_sbuf_puts(o, "fraudgraph explain ");
	fg_sbuf_xml(o, x->user.user_id);
	if (x->picture_is_ring && x->ring.ring_key) {
		fg_sbuf_puts(o, ", ring ");
		fg_sbuf_xml(o, x->ring.ring_key);
	}
	fg_sbuf_printf(o, ", run %lld</title>\n", (long long)x->run.run_id);
	fg_sbuf_printf(o, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
	               W + LEG, H);
	/* the visible title */
	picture_title(&t, x);
	if (t.nomem)
		o->nomem = true;
	fg_sbuf_puts(o, "<text x=\"16\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"#000000\">");
	fg_sbuf_xml(o, t.s ? t.s : "");
	fg_sbuf_puts(o, "</text>\n");
	t.len = 0;
	picture_subtitle(&t, x);
	if (t.nomem)
		o->nomem = true;
	fg_sbuf_puts(o, "<text x=\"16\" y=\"44\" font-size=\"12\" fill=\"#444444\">");
	fg_sbuf_xml(o, t.len && t.s ? t.s : "");
	fg_sbuf_puts(o, "</text>\n");
	/* edges, the path's last so it stays on top */
	fg_sbuf_puts(o, "<g stroke=\"#999999\" stroke-width=\"1.2\">\n");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < x->n_pe; i++) {
			const fg_explain_edge *e = &x->pe[i];
			if (e->on_path != (pass == 1))
				continue;
			fg_sbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s%s/>\n",
			               PX(e->a), PY(e->a), PX(e->b), PY(e->b),
			               e->relation ? " stroke-dasharray=\"4 3\"" : "",
			               e->on_path ? " stroke=\"#d62728\" stroke-width=\"3.5\"" : "");
		}
	}
	fg_sbuf_puts(o, "</g>\n<g stroke=\"#333333\">\n");
	for (size_t i = 0; i < x->n_pv; i++) { /* shapes, each with its full label as a tooltip */
		const fg_explain_vertex *n = &x->pv[i];
		double cx = PX(i), cy = PY(i);
		bool me = n->is_user && !strcmp(n->user_id, x->user.user_id);
		t.len = 0;
		if (n->is_user) {
			fg_sbuf_printf(&t, "%s (%s", n->user_id, label_text(n->label));
			if (!isnan(n->score))
				fg_sbuf_printf(&t, ", score %.3f", n->score);
			fg_sbuf_printf(&t, "%s)", n->joined ? ", joined tonight" : "");
		} else {
			fg_sbuf_printf(&t, "%s %s", n->kind ? n->kind : "", n->value ? n->value : "");
		}
		if (t.nomem)
			o->nomem = true;
		fg_sbuf_puts(o, "<g><title>");
		fg_sbuf_xml(o, t.s ? t.s : "");
		fg_sbuf_puts(o, "</title>\n");
		if (n->is_user) {
			fg_sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"%s\" stroke-width=\"%s\"%s/>\n",
			               cx, cy, label_colour(n->label), me ? "3" : "1",
			               n->on_path ? " stroke=\"#d62728\"" : "");
			if (is_seed(n))
				fg_sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"13\" fill=\"none\""
				                  " stroke=\"#d62728\" stroke-width=\"2\"/>\n", cx, cy);
			if (n->joined)
				fg_sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"13\" fill=\"none\""
				                  " stroke=\"#1f77b4\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/>\n",
				               cx, cy);
		} else {
			fg_sbuf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"%s/>\n",
			               cx - 6, cy - 6, kind_colour(n->kind),
			               n->on_path ? " stroke=\"#d62728\" stroke-width=\"2\"" : "");
		}
		fg_sbuf_puts(o, "</g>\n");
	}
	fg_sbuf_puts(o, "</g>\n<g>\n");
	/* labels above every shape: entities', then users' (the ids matter most) */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < x->n_pv; i++) {
			const fg_explain_vertex *n = &x->pv[i];
			double cx = PX(i), cy = PY(i);
			bool me = n->is_user && !strcmp(n->user_id, x->user.user_id);
			if (n->is_user != (pass == 1))
				continue;
			if (n->is_user) {
				svg_label(o, cx + 12, cy + 4, me ? "12" : fs, "#000000", me, n->user_id);
			} else if (!dense || n->on_path) {
				fg_sbuf l = { 0 };
				fg_sbuf_printf(&l, "%s ", n->kind ? n->kind : "");
				fg_sbuf_clip(&l, n->value ? n->value : "", 24);
				if (l.nomem)
					o->nomem = true;
				svg_label(o, cx + 9, cy + 4, fs, "#444444", false, l.s ? l.s : "");
				fg_sbuf_free(&l);
			}
		}
	}
	fg_sbuf_puts(o, "</g>\n");
#undef PX
#undef PY
	/* legend */
	{
		static const char *const kinds[] = { "card", "device", "address", "phone", "email", "ip", "other" };
		double lx = W + 10, ly = TOP + 20;
		const struct { const char *name, *label; } users[] = {
			{ "fraud (seed)", "fraud" }, { "legit", "legit" }, { "unknown", NULL },
		};
		fg_sbuf_printf(o, "<g font-size=\"11\"><text x=\"%.0f\" y=\"%.0f\" font-weight=\"bold\">legend</text>\n",
		               lx, ly);
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
		ly += 20;
		fg_sbuf_printf(o, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"7\" fill=\"none\" stroke=\"#1f77b4\""
		                  " stroke-width=\"2\" stroke-dasharray=\"3 2\"/><text x=\"%.0f\" y=\"%.0f\">"
		                  "joined the ring tonight</text>\n", lx + 8, ly, lx + 22, ly + 4);
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
		ly += 20;
		fg_sbuf_printf(o, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#d62728\""
		                  " stroke-width=\"3.5\"/><text x=\"%.0f\" y=\"%.0f\">path to the nearest"
		                  " fraud</text>\n", lx, ly, lx + 16, ly, lx + 22, ly + 4);
		if (dense) {
			ly += 24;
			fg_sbuf_printf(o, "<text x=\"%.0f\" y=\"%.0f\">dense: entity labels on the</text>\n"
			                  "<text x=\"%.0f\" y=\"%.0f\">path only (hover for all)</text>\n",
			               lx, ly, lx, ly + 14);
		}
		fg_sbuf_puts(o, "</g>\n");
	}
	fg_sbuf_puts(o, "</svg>\n");
cleanup:
	fg_sbuf_free(&t);
	fg_free(xy);
	fg_free(from);
	fg_free(to);
	return rc;
}

/* ---- the command -------------------------------------------------------- */

static const fg_opt_spec explain_opts[] = {
	{ FG_OPT_VALUE, "db", 'd', "PATH", "results database written by `fraudgraph run` (required)", NULL },
	{ FG_OPT_VALUE, "run", 'r', "ID", "run to read", "the latest committed run" },
	{ FG_OPT_VALUE, "format", 'f', "F", "text, json (docs/explain.md), dot (Graphviz),\n"
	  "svg (self-contained picture of the ring)", "text" },
	{ FG_OPT_VALUE, "max-neighbours", 'n', "N", "users listed per shared entity (0..100000)", "10" },
	{ 0 },
};

int fg_cmd_explain(int argc, char **argv)
{
	const char *user = NULL, *db_path = NULL, *run_arg = NULL, *fmt_arg = "text";
	fg_explain_opts opts = { .max_neighbours = 10 };
	fg_results *res = NULL;
	fg_explain *x = NULL;
	fg_sbuf out = { 0 };
	fg_opt_parser p;
	int fmt = FMT_TEXT, rc = FG_OK;

	fg_opt_init(&p, "explain", explain_opts, argc, argv);
	while ((rc = fg_opt_next(&p)) > 0) {
		switch (p.id) {
		case FG_OPT_HELP:
			fg_opt_help(stdout, "usage: fraudgraph explain USER --db RESULTS.db [--run ID]"
			            " [--format text|json|dot|svg]\n"
			            "                          [--max-neighbours N]\n"
			            "       fraudgraph explain --db RESULTS.db -- USER   (a USER that starts"
			            " with '-')",
			            "Why USER is flagged, from the results database only: scores, the ring and\n"
			            "the factors of its score, who joined it tonight, the entities the user\n"
			            "shares and with whom (private ones apart), direct links, link times, the\n"
			            "path to the nearest known fraud and the ring's history over past runs.",
			            explain_opts);
			return FG_EXIT_OK;
		case 'd': db_path = p.value; break;
		case 'r': run_arg = p.value; break;
		case 'f': fmt_arg = p.value; break;
		case 'n':
			if ((rc = fg_opt_int(&opts.max_neighbours, &p, 0, 100000)) != FG_OK)
				return fg_cli_fail(rc);
			break;
		case FG_OPT_ARG:
			if (user)
				return fg_cli_fail(fg_error_set(FG_EUSAGE, "explain: one user at a time ('%s'"
				                                " and '%s')", user, p.value));
			user = p.value;
			break;
		default: break;
		}
	}
	if (rc < 0)
		return fg_cli_fail(rc);
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
	opts.evidence = fmt == FMT_TEXT || fmt == FMT_JSON;
	opts.picture = fmt == FMT_DOT || fmt == FMT_SVG;

	if ((rc = fg_results_open(&res, db_path)) != FG_OK ||
	    (rc = fg_explain_build(&x, res, run_arg, user, &opts)) != FG_OK)
		goto cleanup;
	if (fmt != FMT_JSON && (rc = escape_case(x)) != FG_OK)
		goto cleanup;
	switch (fmt) {
	case FMT_TEXT: rc = emit_text(&out, x); break;
	case FMT_JSON: emit_json(&out, x); break;
	case FMT_DOT: emit_dot(&out, x); break;
	default: rc = emit_svg(&out, x); break;
	}
	if (!rc)
		rc = fg_sbuf_check(&out);
	if (!rc)
		rc = fg_sbuf_write(&out, stdout);
cleanup:
	fg_sbuf_free(&out);
	fg_explain_free(&x);
	fg_results_close(&res);
	return rc ? fg_cli_fail(rc) : FG_EXIT_OK;
}
