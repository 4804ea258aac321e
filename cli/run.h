/*
 * The state of one `fraudgraph run`, shared by cmd_run.c (options and
 * phases) and run_write.c (the write-back of every table).
 */
#ifndef FG_CLI_RUN_H
#define FG_CLI_RUN_H

#include "fg_config.h"
#include "fg_graph.h"
#include "fg_ingest.h"
#include "fg_score.h"
#include "fg_store.h"
#include "fg_track.h"

#define FG_RUN_MAX_INPUTS 64

enum {
	PH_INGEST, PH_BUILD, PH_COMPONENTS, PH_RINGS, PH_RISK, PH_EVIDENCE, PH_SCORING, PH_WRITE,
	PH_N
};

typedef struct fg_run {
	fg_config cfg;
	const char *db_path;
	const char *edges[FG_RUN_MAX_INPUTS];
	int n_edges;
	const char *users[FG_RUN_MAX_INPUTS];
	int n_users_files;
	const char *input_db;
	const char *edges_sql;
	const char *users_sql;
	int top;

	fg_store *store;
	int64_t run_id;
	fg_badrows bad;
	fg_graph *g;
	uint8_t *holdout;      /* per user: 1 if a seed held out of the kernels */
	uint32_t *seeds;       /* seed users given to the kernels */
	uint32_t n_seeds;
	uint32_t *comp;        /* per vertex */
	uint32_t *ring;        /* per user */
	double *risk;          /* per vertex */
	uint32_t *dist;        /* per vertex, hops to nearest seed */
	uint32_t *nearest;     /* per vertex, nearest seed */
	fg_scores *scores;
	fg_track_result track;
	fg_prev_ring *prev_rings; /* the previous run's rings (tracking, dissolved) */
	uint32_t n_prev_rings;
	int64_t prev_run_id;      /* 0 if none */
	int lpa_iterations, risk_iterations;
	double t[PH_N];
	char output_digest[33];
} fg_run;

/* Write every result table of the run (inside the open run transaction). */
int fg_run_write(fg_run *r);

/* Load the previous run's rings and match tonight's to them (r->track). */
int fg_run_track(fg_run *r);

#endif
