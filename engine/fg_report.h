/*
 * fg_report: report's computation: one run at a glance and a drift verdict
 * against the previous committed run (docs/operations.md, "Report and drift").
 *
 * The verdict alerts on a change that matters to the engineer on call and only
 * on one.  Each check has a documented limit (fg_drift_limits_default):
 *   - PSI of user scores, ring sizes and hubs per kind, judged only when both
 *     runs hold at least min_items items in the distribution, over bins
 *     merged until each holds at least min_bin items in both runs (a PSI over
 *     a handful of rings is noise: its expected value under no change is
 *     about (B - 1)(1/n1 + 1/n2));
 *   - links and users volume: |now / before - 1| above volume_change;
 *   - rings dissolved: share of the previous run's rings above
 *     dissolved_share, and at least min_events of them;
 *   - seeds lost: share of the previous run's seeds above seeds_lost_share,
 *     and at least min_events;
 *   - hub share of links (links to hubs / all links): a move of more than
 *     hub_share_change (absolute).
 * Apart from the verdict, hub_warning says when hubs cut more than
 * hub_share_warn of the links (most users are then isolated from rings).
 */
#ifndef FG_ENGINE_FG_REPORT_H
#define FG_ENGINE_FG_REPORT_H

#include "fg_results.h"
#include "fg_results_runs.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fg_drift_limits {
	double psi;              /* PSI above this is a change (default 0.25) */
	double min_items;        /* PSI judged only with this many items in both runs (200) */
	double min_bin;          /* bins merged until each holds this many in both runs (20) */
	double volume_change;    /* links, users: relative change (0.20) */
	double dissolved_share;  /* of the previous rings (0.25) */
	double seeds_lost_share; /* of the previous seeds (0.10) */
	double min_events;       /* rings dissolved / seeds lost at least this many (3) */
	double hub_share_change; /* absolute move of the hub share of links (0.10) */
	double hub_share_warn;   /* hub_warning above this share of links (0.50) */
} fg_drift_limits;

/* The documented defaults above. */
extern const fg_drift_limits fg_drift_limits_default;

enum {
	FG_DRIFT_USER_SCORE_PSI,
	FG_DRIFT_RING_SIZE_PSI,
	FG_DRIFT_HUB_KIND_PSI,
	FG_DRIFT_LINKS,
	FG_DRIFT_USERS,
	FG_DRIFT_DISSOLVED,
	FG_DRIFT_SEEDS_LOST,
	FG_DRIFT_HUB_SHARE,
	FG_DRIFT_N_CHECKS,
};

typedef struct fg_drift_check {
	const char *name;  /* JSON key (static) */
	const char *label; /* words for the text (static) */
	double before, now; /* the two runs' figures: items (PSI), counts, or shares */
	double value;       /* PSI, relative change, share, or absolute move; NAN when not judged */
	double limit;
	bool judged;        /* enough data to judge */
	bool alert;         /* judged and above the limit */
	size_t bins;        /* PSI: bins after merging */
} fg_drift_check;

/* The PSI of one feature of user_features between the two runs. */
typedef struct fg_feature_drift {
	const char *name; /* points into fg_report's feature table */
	double psi;       /* NAN when not judged (too few users on a side, or no previous run) */
	size_t bins;      /* after merging */
} fg_feature_drift;

typedef struct fg_report {
	fg_results_run run, prev;      /* prev.run_id 0 without a previous run */
	fg_results_dist dist, prev_dist;
	fg_results_counts hub_kinds, prev_hub_kinds;
	fg_res_hub *top_hubs;          /* in hub_arena */
	size_t n_top_hubs;
	fg_res_arena hub_arena;
	fg_results_ring_row *top_rings;
	size_t n_top_rings;
	fg_results_changes changes;
	/* PSI over the unmerged bins (shown for reference; not the verdict) */
	double psi[3];                 /* user score, ring size, hubs per kind; NAN if a side is empty */
	double hub_links, hub_share, prev_hub_share; /* share NAN without links */
	bool hub_warning;
	fg_drift_check checks[FG_DRIFT_N_CHECKS];
	bool drift;                    /* a previous run exists and some check alerts */
	/*
	 * Feature drift (shown, not part of the verdict): every column of
	 * user_features, binned at the deciles of the previous run (distinct
	 * edges; NULL in a bin of its own), merged and judged like the other
	 * PSIs; sorted by PSI descending (not judged last), then name.
	 */
	fg_results_features features, prev_features;
	/* The learned model of each run (runs.model_status, models): shown, not judged. */
	fg_results_model model, prev_model;
	fg_feature_drift *feature_drift;
	size_t n_feature_drift;
} fg_report;

/*
 * Read run_id (and prev_id, 0 for none) from res and judge the drift with lim.
 * out is zeroed first; free it with fg_report_free even on error.  Errors as
 * the fg_results_* readers.  Reads one or two runs' rows of runs, user_scores
 * (grouped), rings, hubs and dissolved_rings.
 */
int fg_report_build(fg_report *out, fg_results *res, int64_t run_id, int64_t prev_id,
                    const fg_drift_limits *lim);

/*
 * The verdict alone, from the figures already in r (run, prev, dist,
 * prev_dist, hub kinds, changes): fills psi, hub shares, hub_warning,
 * checks and drift.  FG_OK or FG_ENOMEM.  O(bins + kinds).
 */
int fg_report_judge(fg_report *r, const fg_drift_limits *lim);

/*
 * The PSI of one feature: cur[0..nc) against prev[0..np) (NAN = missing),
 * binned at the distinct deciles of prev, then merged and judged as the
 * verdict's PSIs (lim->min_items, lim->min_bin).  *bins the bins after
 * merging.  NAN when not judged; FG_ENOMEM is reported as NAN with *bins 0
 * after setting the message.  O((np + nc) log np).
 */
double fg_report_feature_psi(size_t *bins, const double *cur, size_t nc, const double *prev, size_t np,
                             const fg_drift_limits *lim);

void fg_report_free(fg_report *r);

#endif
