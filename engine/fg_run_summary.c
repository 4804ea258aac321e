/*
 * The run's data contract after the graph build, shared by `run` and `check`:
 * the input summary (every kind with its settings and counts, placeholder
 * values dropped, hubs that swallow the graph), the refusal of an empty
 * input, and the volume check against the previous committed run
 * (--max-drop / --allow-drop).
 */
#include "fg_run.h"
#include "fg_run_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_log.h"
#include "fg_sbuf.h"

#include <stdio.h>
#include <string.h>

/* Placeholder rows of the kind named `name` (0 if none). */
static uint64_t drops_of(const fg_placeholder_counts *d, const char *name)
{
	for (int i = 0; i < d->n_kinds; i++)
		if (strcmp(d->kind[i], name) == 0)
			return d->n[i];
	return 0;
}

static bool has_settings(const fg_config *cfg, const char *name)
{
	return fg_config_kind(cfg, name) != NULL;
}

int fg_run_summary(const fg_graph *g, const fg_config *cfg, fg_run_line_fn fn, void *ctx)
{
	const fg_placeholder_counts *d = &g->placeholders;
	uint64_t *links = fg_mallocarray(g->n_kinds ? g->n_kinds : 1, sizeof(*links));
	uint64_t *hlinks = fg_mallocarray(g->n_kinds ? g->n_kinds : 1, sizeof(*hlinks));
	uint32_t *hubs = fg_mallocarray(g->n_kinds ? g->n_kinds : 1, sizeof(*hubs));
	double cut = fg_graph_hub_cut_share(g);
	char line[512];
	int rc = FG_OK;

	if (!links || !hlinks || !hubs) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the kind summary");
		goto cleanup;
	}
	fg_graph_kind_counts(links, hlinks, hubs, g);
	fn(ctx, false, "kinds        weight   cap     links      hubs   hub links  placeholders");
	for (uint32_t k = 0; k < g->n_kinds; k++) {
		const char *name = g->kind_name[k];
		char cap[24];
		bool dflt = !g->kind_is_relation[k] && !has_settings(cfg, name);
		if (g->kind_is_relation[k])
			snprintf(cap, sizeof(cap), "relation");
		else
			snprintf(cap, sizeof(cap), "%u", g->kind_max_share[k]);
		snprintf(line, sizeof(line), "  %-10.40s %6g  %-8s %8llu  %8u  %10llu  %12llu%s", name,
		         g->kind_weight[k], cap, (unsigned long long)links[k], hubs[k],
		         (unsigned long long)hlinks[k], (unsigned long long)drops_of(d, name),
		         dflt ? "  (default settings)" : "");
		fn(ctx, false, line);
	}
	/* kinds whose every row was a placeholder have no links, but were seen */
	for (int i = 0; i < d->n_kinds; i++) {
		bool in_graph = false;
		for (uint32_t k = 0; k < g->n_kinds && !in_graph; k++)
			in_graph = strcmp(g->kind_name[k], d->kind[i]) == 0;
		if (!in_graph) {
			snprintf(line, sizeof(line), "  %-10.40s %6s  %-8s %8d  %8d  %10d  %12llu", d->kind[i],
			         "-", "-", 0, 0, 0, (unsigned long long)d->n[i]);
			fn(ctx, false, line);
		}
	}
	for (uint32_t k = 0; k < g->n_kinds; k++) {
		if (g->kind_is_relation[k] || has_settings(cfg, g->kind_name[k]))
			continue;
		snprintf(line, sizeof(line), "kind '%.40s' (%llu links) has no settings of its own: "
		         "default weight %g, hub cap %u; name it with --kind-alias KIND=%.40s or set "
		         "--kind-weight / --max-share", g->kind_name[k], (unsigned long long)links[k],
		         cfg->default_weight, cfg->default_max_share, g->kind_name[k]);
		fn(ctx, true, line);
	}
	if (d->total) {
		fg_sbuf b = { 0 };
		fg_sbuf_printf(&b, "placeholder values dropped: %llu rows (", (unsigned long long)d->total);
		for (int i = 0; i < d->n_kinds; i++)
			fg_sbuf_printf(&b, "%s%s %llu", i ? ", " : "", d->kind[i], (unsigned long long)d->n[i]);
		if (d->n_other)
			fg_sbuf_printf(&b, "%sother kinds %llu", d->n_kinds ? ", " : "",
			               (unsigned long long)d->n_other);
		fg_sbuf_puts(&b, ")");
		if ((rc = fg_sbuf_check(&b)) == FG_OK)
			fn(ctx, false, b.s);
		fg_sbuf_free(&b);
		if (rc != FG_OK)
			goto cleanup;
	}
	if (g->n_links && cut > cfg->hub_warn_share) {
		fg_sbuf b = { 0 };
		fg_sbuf_printf(&b, "HUBS SWALLOW THE GRAPH: %u hubs cut %.1f%% of the links (%llu of %llu; "
		               "warning above %.0f%%, --hub-warn-share); by kind:", g->n_hubs, 100.0 * cut,
		               (unsigned long long)g->n_hub_links, (unsigned long long)g->n_links,
		               100.0 * cfg->hub_warn_share);
		for (uint32_t k = 0; k < g->n_kinds; k++)
			if (hlinks[k])
				fg_sbuf_printf(&b, " %s %llu of %llu (cap %u)", g->kind_name[k],
				               (unsigned long long)hlinks[k], (unsigned long long)links[k],
				               g->kind_max_share[k]);
		fg_sbuf_puts(&b, "; raise --max-share for those kinds if their entities are not noise");
		if ((rc = fg_sbuf_check(&b)) == FG_OK)
			fn(ctx, true, b.s);
		fg_sbuf_free(&b);
	}
cleanup:
	fg_free(links);
	fg_free(hlinks);
	fg_free(hubs);
	return rc;
}

int fg_run_kinds_json(fg_sbuf *o, const fg_graph *g, const fg_config *cfg)
{
	uint64_t *links = fg_mallocarray(g->n_kinds ? g->n_kinds : 1, sizeof(*links));
	uint64_t *hlinks = fg_mallocarray(g->n_kinds ? g->n_kinds : 1, sizeof(*hlinks));
	uint32_t *hubs = fg_mallocarray(g->n_kinds ? g->n_kinds : 1, sizeof(*hubs));
	int rc = FG_OK;

	if (!links || !hlinks || !hubs) {
		rc = fg_error_set(FG_ENOMEM, "out of memory for the kind summary");
		goto cleanup;
	}
	fg_graph_kind_counts(links, hlinks, hubs, g);
	fg_sbuf_puts(o, "{");
	for (uint32_t k = 0; k < g->n_kinds; k++) {
		fg_sbuf_puts(o, k ? "," : "");
		fg_sbuf_json_str(o, g->kind_name[k]);
		fg_sbuf_puts(o, ":{\"weight\":");
		fg_sbuf_json_num(o, g->kind_weight[k]);
		if (g->kind_is_relation[k])
			fg_sbuf_puts(o, ",\"relation\":true");
		else
			fg_sbuf_printf(o, ",\"max_share\":%u", g->kind_max_share[k]);
		fg_sbuf_printf(o, ",\"links\":%llu,\"hubs\":%u,\"hub_links\":%llu,\"placeholders\":%llu,"
		               "\"default\":%s}", (unsigned long long)links[k], hubs[k],
		               (unsigned long long)hlinks[k],
		               (unsigned long long)drops_of(&g->placeholders, g->kind_name[k]),
		               !g->kind_is_relation[k] && !has_settings(cfg, g->kind_name[k]) ? "true"
		                                                                              : "false");
	}
	fg_sbuf_puts(o, "}");
cleanup:
	fg_free(links);
	fg_free(hlinks);
	fg_free(hubs);
	return rc;
}

void fg_run_placeholders_json(fg_sbuf *o, const fg_placeholder_counts *d)
{
	fg_sbuf_puts(o, "{");
	for (int i = 0; i < d->n_kinds; i++) {
		fg_sbuf_puts(o, i ? "," : "");
		fg_sbuf_json_str(o, d->kind[i]);
		fg_sbuf_printf(o, ":%llu", (unsigned long long)d->n[i]);
	}
	if (d->n_other)
		fg_sbuf_printf(o, "%s\"(other)\":%llu", d->n_kinds ? "," : "", (unsigned long long)d->n_other);
	fg_sbuf_puts(o, "}");
}

int fg_run_refuse_empty(const fg_graph *g, const fg_badrows *bad)
{
	if (g->n_links > 0)
		return FG_OK;
	return fg_error_set(FG_EDATA, "no links in the input (%llu rows read: %llu bad, %llu outside "
	                    "the window, %llu placeholder values): refusing to store an empty run, which "
	                    "would end every ring's history", (unsigned long long)bad->rows_read,
	                    (unsigned long long)bad->total, (unsigned long long)bad->rows_filtered,
	                    (unsigned long long)g->placeholders.total);
}

static double drop_of(int64_t before, int64_t now)
{
	return before > 0 && now < before ? (double)(before - now) / (double)before : 0.0;
}

int fg_run_volume(fg_run_volume_check *out, fg_store *st, const fg_graph *g, const fg_config *cfg)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->links = (int64_t)g->n_links;
	out->users = (int64_t)g->n_users;
	if ((rc = fg_store_latest_run(st, &out->prev_run_id)) != FG_OK)
		return rc;
	if (out->prev_run_id == 0)
		return FG_OK;
	if ((rc = fg_store_run_volume(st, out->prev_run_id, &out->prev_links, &out->prev_users)) != FG_OK)
		return rc;
	out->links_drop = drop_of(out->prev_links, out->links);
	out->users_drop = drop_of(out->prev_users, out->users);
	out->over = out->links_drop > cfg->max_drop || out->users_drop > cfg->max_drop;
	if (!out->over)
		return FG_OK;
	snprintf(out->message, sizeof(out->message),
	         "links %lld against %lld in run %lld (-%.1f%%), users %lld against %lld (-%.1f%%): "
	         "more than --max-drop %.0f%% fewer",
	         (long long)out->links, (long long)out->prev_links, (long long)out->prev_run_id,
	         100.0 * out->links_drop, (long long)out->users, (long long)out->prev_users,
	         100.0 * out->users_drop, 100.0 * cfg->max_drop);
	if (cfg->allow_drop)
		return FG_OK;
	return fg_error_set(FG_EDROP, "export refused: %s; nothing stored (a truncated export?). "
	                    "Rerun with --allow-drop if the drop is real", out->message);
}
