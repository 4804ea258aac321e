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
#include "tool_util.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_explain.h"
#include "fg_layout.h"
#include "fg_results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	char b1[32], b2[32], b3[32], b4[32];
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
	fg_sbuf_printf(o, "  score      %s\n", b1);
	fg_sbuf_printf(o, "  risk       %s (normalised %s, percentile %s)\n", b2, b3, b4);
	fg_sbuf_printf(o, "  label      %s\n", label_text(x->user.label));
	if (x->user.has_component)
		fg_sbuf_printf(o, "  component  %lld\n", (long long)x->user.component_id);
	if (x->ring_found)
		fg_sbuf_printf(o, "  ring       %s\n", x->ring.ring_key);
	else
		fg_sbuf_puts(o, "  ring       none\n");
	if (x->user.has_hops && x->user.nearest_seed)
		fg_sbuf_printf(o, "  nearest known fraud  %s, %lld hops\n", x->user.nearest_seed,
		               (long long)x->user.seed_hops);
	else
		fg_sbuf_puts(o, "  nearest known fraud  none reachable\n");

	if (x->ring_found) {
		fmt_score(b1, sizeof(b1), x->ring.ring_score);
		fg_sbuf_printf(o, "\nRing %s: %s, score %s", x->ring.ring_key, x->ring.status ? x->ring.status : "?", b1);
		if (x->ring.has_first_run) {
			fg_sbuf_printf(o, ", first seen in run %lld", (long long)x->ring.first_run_id);
			if (x->ring.first_seen)
				fg_sbuf_printf(o, " (%s)", x->ring.first_seen);
		}
		fg_sbuf_puts(o, "\n");
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
	else if (x->n_ev == 0)
		fg_sbuf_puts(o, "  no shared entity, direct links only\n");
	for (size_t i = 0; i < x->n_ev; i++) {
		const fg_explain_evidence *e = &x->ev[i];
		static const char *const hdr[] = { "user", "label", "score" };
		fg_sbuf_puts(o, "  ");
		fg_sbuf_clip(o, e->e.kind, 16);
		fg_sbuf_puts(o, " ");
		fg_sbuf_clip(o, e->e.value, TEXT_VALUE_MAX);
		if (e->e.is_hub)
			fg_sbuf_printf(o, "  (hub: shared by %lld users, kept out of rings)\n", (long long)e->e.share);
		else
			fg_sbuf_printf(o, "  (shared by %lld users)\n", (long long)e->e.share);
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
	if (x->n_links) {
		static const char *const hdr[] = { "link", "user", "label", "score" };
		fg_sbuf_puts(o, "\nDirect links\n");
		rc = fg_table_new(&t, 4, hdr, "lllr", TEXT_VALUE_MAX);
		if (rc)
			goto cleanup;
		for (size_t j = 0; j < x->n_links; j++) {
			fmt_score(b1, sizeof(b1), x->links[j].other.score);
			fg_table_cell(t, "%s", x->links[j].kind);
			fg_table_cell(t, "%s", x->links[j].other.user_id);
			fg_table_cell(t, "%s", label_text(x->links[j].other.label));
			fg_table_cell(t, "%s", b1);
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
	fg_sbuf_puts(o, ",\"risk\":");
	fg_sbuf_json_num(o, x->user.risk);
	fg_sbuf_puts(o, ",\"risk_norm\":");
	fg_sbuf_json_num(o, x->user.risk_norm);
	fg_sbuf_puts(o, ",\"risk_pct\":");
	fg_sbuf_json_num(o, x->user.risk_pct);
	fg_sbuf_puts(o, ",\"component_id\":");
	if (x->user.has_component)
		fg_sbuf_printf(o, "%lld", (long long)x->user.component_id);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, ",\"ring_id\":");
	if (x->user.has_ring)
		fg_sbuf_printf(o, "%lld", (long long)x->user.ring_id);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, ",\"ring_key\":");
	fg_sbuf_json_str(o, x->ring_found ? x->ring.ring_key : NULL);
	fg_sbuf_puts(o, ",\"nearest_seed\":");
	fg_sbuf_json_str(o, x->user.nearest_seed);
	fg_sbuf_puts(o, ",\"seed_hops\":");
	if (x->user.has_hops)
		fg_sbuf_printf(o, "%lld", (long long)x->user.seed_hops);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, ",\"created_at\":");
	if (x->user.has_created)
		fg_sbuf_printf(o, "%lld", (long long)x->user.created_at);
	else
		fg_sbuf_puts(o, "null");
	fg_sbuf_puts(o, "},\n\"ring\":");
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
		fg_sbuf_puts(o, "}}");
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
		fg_sbuf_printf(o, "],\"more\":%lld}", (long long)e->more);
	}
	fg_sbuf_puts(o, "],\n\"user_links\":[");
	for (size_t i = 0; i < x->n_links; i++) {
		fg_sbuf_puts(o, i ? ",\n {\"kind\":" : "\n {\"kind\":");
		fg_sbuf_json_str(o, x->links[i].kind);
		fg_sbuf_puts(o, ",\"user\":");
		json_user_ref(o, x->links[i].other.user_id, x->links[i].other.label, x->links[i].other.score);
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

/* DOT quoted string: escape " and \ (newlines dropped). */
static void dot_str(fg_sbuf *o, const char *s)
{
	fg_sbuf_putn(o, "\"", 1);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fg_sbuf_putn(o, "\\", 1);
		if ((unsigned char)*s >= 0x20)
			fg_sbuf_putn(o, s, 1);
	}
	fg_sbuf_putn(o, "\"", 1);
}

static bool is_seed(const fg_explain_vertex *n)
{
	return n->is_user && n->label && !strcmp(n->label, "fraud");
}

static void emit_dot(fg_sbuf *o, const fg_explain *x)
{
	fg_sbuf_puts(o, "graph ");
	dot_str(o, x->picture_is_ring && x->ring.ring_key ? x->ring.ring_key : x->user.user_id);
	fg_sbuf_puts(o, " {\n  graph [overlap=false, splines=true");
	if (x->picture_capped)
		fg_sbuf_puts(o, ", label=\"capped: part of the graph only\"");
	fg_sbuf_puts(o, "];\n  node [fontname=\"Helvetica\", fontsize=10];\n");
	for (size_t i = 0; i < x->n_pv; i++) {
		const fg_explain_vertex *n = &x->pv[i];
		fg_sbuf_printf(o, "  n%zu [", i);
		if (n->is_user) {
			fg_sbuf_puts(o, "shape=circle, style=filled, fillcolor=\"");
			fg_sbuf_puts(o, label_colour(n->label));
			fg_sbuf_puts(o, "\", label=");
			dot_str(o, n->user_id);
			if (!strcmp(n->user_id, x->user.user_id))
				fg_sbuf_puts(o, ", penwidth=3");
			if (is_seed(n))
				fg_sbuf_puts(o, ", peripheries=2");
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
		fg_sbuf_puts(o, "];\n");
	}
	for (size_t i = 0; i < x->n_pe; i++) {
		fg_sbuf_printf(o, "  n%u -- n%u", x->pe[i].a, x->pe[i].b);
		if (x->pe[i].relation) {
			fg_sbuf_puts(o, " [style=dashed, label=");
			dot_str(o, x->pe[i].relation);
			fg_sbuf_puts(o, "]");
		}
		fg_sbuf_puts(o, ";\n");
	}
	fg_sbuf_puts(o, "}\n");
}

static int emit_svg(fg_sbuf *o, const fg_explain *x)
{
	/* TXT: room right of the rightmost vertex for its label */
	const double W = 800, H = 600, M = 40, LEG = 170, TXT = 120;
	uint32_t *from = NULL, *to = NULL;
	double *xy = NULL;
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
	fg_sbuf_puts(o, "<g stroke=\"#999999\" stroke-width=\"1.2\">\n");
	for (size_t i = 0; i < x->n_pe; i++) {
		double ax = M + xy[2 * x->pe[i].a] * (W - 2 * M - TXT), ay = M + xy[2 * x->pe[i].a + 1] * (H - 2 * M);
		double bx = M + xy[2 * x->pe[i].b] * (W - 2 * M - TXT), by = M + xy[2 * x->pe[i].b + 1] * (H - 2 * M);
		fg_sbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s/>\n", ax, ay, bx, by,
		               x->pe[i].relation ? " stroke-dasharray=\"4 3\"" : "");
	}
	fg_sbuf_puts(o, "</g>\n<g stroke=\"#333333\">\n");
	for (size_t i = 0; i < x->n_pv; i++) {
		const fg_explain_vertex *n = &x->pv[i];
		double cx = M + xy[2 * i] * (W - 2 * M - TXT), cy = M + xy[2 * i + 1] * (H - 2 * M);
		bool me = n->is_user && !strcmp(n->user_id, x->user.user_id);
		if (n->is_user) {
			fg_sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"%s\" stroke-width=\"%s\"/>\n",
			               cx, cy, label_colour(n->label), me ? "3" : "1");
			if (is_seed(n))
				fg_sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"13\" fill=\"none\""
				                  " stroke=\"#d62728\" stroke-width=\"2\"/>\n", cx, cy);
			fg_sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" stroke=\"none\" fill=\"#000000\"%s>",
			               cx + 12, cy + 4, me ? " font-weight=\"bold\"" : "");
			fg_sbuf_xml(o, n->user_id);
		} else {
			fg_sbuf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			               cx - 6, cy - 6, kind_colour(n->kind));
			fg_sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" stroke=\"none\" fill=\"#444444\">",
			               cx + 9, cy + 4);
			fg_sbuf_xml(o, n->kind ? n->kind : "");
			fg_sbuf_puts(o, " ");
			{
				fg_sbuf l = { 0 };
				fg_sbuf_clip(&l, n->value ? n->value : "", 24);
				if (l.nomem)
					o->nomem = true;
				fg_sbuf_xml(o, l.s ? l.s : "");
				fg_sbuf_free(&l);
			}
		}
		fg_sbuf_puts(o, "</text>\n");
	}
	fg_sbuf_puts(o, "</g>\n");
	/* legend */
	{
		static const char *const kinds[] = { "card", "device", "address", "phone", "email", "ip", "other" };
		double lx = W + 10, ly = 30;
		fg_sbuf_printf(o, "<g font-size=\"11\"><text x=\"%.0f\" y=\"%.0f\" font-weight=\"bold\">legend</text>\n",
		               lx, ly);
		const struct { const char *name, *label; } users[] = {
			{ "fraud (seed)", "fraud" }, { "legit", "legit" }, { "unknown", NULL },
		};
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
		if (x->picture_capped) {
			ly += 24;
			fg_sbuf_printf(o, "<text x=\"%.0f\" y=\"%.0f\">capped at %d vertices</text>\n", lx, ly,
			               FG_EXPLAIN_MAX_PICTURE);
		}
		fg_sbuf_puts(o, "</g>\n");
	}
	fg_sbuf_puts(o, "</svg>\n");
cleanup:
	fg_free(xy);
	fg_free(from);
	fg_free(to);
	return rc;
}

/* ---- the command -------------------------------------------------------- */

static void help(void)
{
	printf("usage: fraudgraph explain USER --db RESULTS.db [--run ID] [--format text|json|dot|svg]\n"
	       "                          [--max-neighbours N]\n\n"
	       "Why USER is flagged, from the results database only: scores, the ring and the\n"
	       "factors of its score, the entities the user shares and with whom, direct links,\n"
	       "the path to the nearest known fraud and the ring's history over past runs.\n\n"
	       "Options:\n"
	       "  --db PATH             results database written by `fraudgraph run` (required)\n"
	       "  --run ID              run to read (default: the latest committed run)\n"
	       "  --format F            text (default), json (docs/explain.md), dot (Graphviz),\n"
	       "                        svg (self-contained picture of the ring)\n"
	       "  --max-neighbours N    users listed per shared entity (default 10)\n"
	       "  --help                this text\n"
	       "  --                    end of options (a USER that starts with '-')\n\n%s",
	       fg_cli_exit_codes);
}

int fg_cmd_explain(int argc, char **argv)
{
	const char *user = NULL, *db_path = NULL, *run_arg = NULL, *fmt_arg = "text", *nb_arg = NULL;
	fg_explain_opts opts = { .max_neighbours = 10 };
	fg_results *res = NULL;
	fg_explain *x = NULL;
	fg_sbuf out = { 0 };
	bool options = true;
	int fmt = FMT_TEXT, rc = FG_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;
		if (options && !strcmp(a, "--")) {
			options = false;
			continue;
		}
		if (options && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			help();
			return FG_EXIT_OK;
		}
		if (options && ((m = fg_tool_opt(&db_path, argc, argv, &i, "--db")) ||
		                (m = fg_tool_opt(&run_arg, argc, argv, &i, "--run")) ||
		                (m = fg_tool_opt(&fmt_arg, argc, argv, &i, "--format")) ||
		                (m = fg_tool_opt(&nb_arg, argc, argv, &i, "--max-neighbours")))) {
			if (m < 0)
				return fg_cli_fail(m);
			continue;
		}
		if (options && a[0] == '-' && a[1])
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "explain: unknown option '%s' (see --help;"
			                                " `--` before a USER that starts with '-')", a));
		if (user)
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "explain: one user at a time ('%s' and '%s')",
			                                user, a));
		user = a;
	}
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
	if (nb_arg) {
		int64_t v;
		rc = fg_tool_parse_i64(&v, nb_arg, "--max-neighbours");
		if (rc)
			return fg_cli_fail(rc);
		if (v < 0 || v > 100000)
			return fg_cli_fail(fg_error_set(FG_EUSAGE, "--max-neighbours: %lld is out of 0..100000",
			                                (long long)v));
		opts.max_neighbours = (int)v;
	}
	opts.evidence = fmt == FMT_TEXT || fmt == FMT_JSON;
	opts.picture = fmt == FMT_DOT || fmt == FMT_SVG;

	if ((rc = fg_results_open(&res, db_path)) != FG_OK ||
	    (rc = fg_explain_build(&x, res, run_arg, user, &opts)) != FG_OK)
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
