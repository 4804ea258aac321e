/*
 * The state of one run, shared by the engine's run files only: fg_run.c
 * (phases), fg_run_write.c (the write-back) and fg_run_track.c (ring
 * tracking's glue to the store).  Not installed, not for cli/.
 */
#ifndef FG_ENGINE_FG_RUN_INTERNAL_H
#define FG_ENGINE_FG_RUN_INTERNAL_H

#include "fg_hash.h"
#include "fg_run.h"
#include "fg_store.h"

#include <pthread.h>

#define FG_RUN_MAX_PHASES 16

/*
 * A per-element array held sparse while phases that do not read it run:
 * elements [from, n) of *arr that differ from dflt (compared bytewise) as
 * (index, value) pairs; *arr is then shrunk to its first from elements (NULL
 * if from == 0).  Given back bit for bit.
 */
typedef struct fg_run_held {
	void **arr;
	size_t from, n, width;
	unsigned char dflt[8];
	uint32_t *at;
	void *val;
	size_t n_val;
} fg_run_held;

#define FG_RUN_MAX_HELD 8

/*
 * Invariants: store is open with the run's transaction begun (run_id > 0)
 * from open until commit or close; every per-vertex array has
 * n_users + n_entities entries (at least 1) until evidence shrinks dist and
 * nearest to n_users; between phases run by fg_run_all, arrays no phase
 * until the write reads may be held sparse (held[], see fg_run.c), and are
 * whole again when fg_run_write starts; seed[u] == 1 exactly for the users in seeds[0..n_seeds),
 * which are label fraud and not held out (holdout[u] == 1); the graph is
 * never written to except by fg_graph_release_csr and release_links in
 * write, and g->input_digest by the digest's thread.
 */
struct fg_run {
	fg_run_opts o;
	double t_start;

	fg_store *store;
	int64_t run_id;
	bool committed;
	fg_badrows bad;
	fg_linkset *ls;        /* from ingest until build */
	fg_graph *g;
	uint8_t *seed;         /* per user: 1 if a seed given to the kernels */
	uint8_t *holdout;      /* per user: 1 if a seed held out of the kernels */
	uint32_t *seeds;       /* the seed users, increasing */
	uint32_t n_seeds;
	uint32_t *comp;        /* per vertex */
	uint32_t *ring;        /* per user */
	double *risk;          /* per vertex */
	uint32_t *dist;        /* per vertex, hops to nearest seed (per user after evidence) */
	uint32_t *nearest;     /* per vertex, nearest seed (per user after evidence) */
	fg_scores *scores;
	fg_track_result track;
	fg_prev_ring *prev_rings; /* the previous run's rings (tracking, dissolved) */
	uint32_t n_prev_rings;
	int64_t prev_run_id;      /* 0 if none */
	struct {                  /* the previous run as read from the store (fg_run_track_load) */
		bool loaded;
		int64_t max_key;      /* largest ring key number ever committed */
		uint32_t *pair_prev, *pair_user; /* memberships: prev_rings index, tonight's user */
		uint64_t n_pairs;
	} prev;
	struct fg_run_writer *writer; /* the write-back thread (graph tables, then the early ones): owns store until joined */
	fg_store_flusher *flusher;    /* the kernel's write-out of the run's pages, from the first table to the commit */
	struct fg_run_digest *digest; /* the input digest's thread (fg_run.c): g's links stay until joined */
	bool graph_written;       /* hubs, links, entity_links are in the run */
	bool entities_written;    /* entities is in the run (the writer thread wrote it) */
	bool early_written;       /* user_features, components, entities are in the run */
	/* what the write-back reads of the links, taken before they go (fg_run_write_links_done) */
	double *hub_risk;         /* per hub, in entity order: the sum of its users' risk */
	char *kinds_json;         /* runs.kinds */
	int lpa_iterations, risk_iterations;

	/* the learned model (fg_run_model.c); all NULL / 0 when none scored the run */
	float *model_score;        /* per user */
	double *ring_model_score;  /* per ring */
	struct fg_model_reason *reasons;
	uint32_t n_reasons;
	uint32_t *feat_users;      /* users whose feature rows are stored, increasing */
	uint32_t n_feat_users;
	float *feat_rows;          /* n_feat_users * n_feat */
	char **feat_names;
	uint32_t n_feat;
	char *model_file;          /* the model as a file (fg_model_save) */
	char *model_importance;    /* JSON */
	char *model_params;        /* JSON */
	const char *model_source;  /* "trained" or the --model path */
	double model_auc, model_ap, model_p_at_k;
	uint32_t model_k, model_pos, model_neg;
	double model_neg_rate;
	char model_status[300];
	double t[FG_RUN_MAX_PHASES]; /* seconds per phase, indexed like the phase table */
	char note[512];              /* the last phase's summary */
	char output_digest[33];
	fg_run_volume_check volume;  /* against the previous run (build; zero without a store) */
	fg_run_held held[FG_RUN_MAX_HELD]; /* held[0..n_held): given back in reverse order */
	int n_held;
	/*
	 * The users' scores as the model phase makes them final, for the writer
	 * thread's user_scores (fg_run_write.c): state FG_RUN_SCORED_*, and with
	 * _MODEL users [0, upto) final in model_score.  Under mu; cv on change.
	 */
	struct {
		pthread_mutex_t mu;
		pthread_cond_t cv;
		int state;
		uint32_t upto;
	} scored;
	bool scores_written;   /* user_scores is in the run (written by the writer thread) */
	fg_hash128 scores_dg;  /* then: the output digest over its rows, for the rings' to follow */
};

enum {
	FG_RUN_SCORED_WAIT,   /* nothing known yet */
	FG_RUN_SCORED_MODEL,  /* the model's scores, final for users [0, upto) */
	FG_RUN_SCORED_HAND,   /* no model scored the run: the hand-set scores, all final */
	FG_RUN_SCORED_CANCEL, /* the run failed: no more scores come */
};

/* One phase: its progress name, function, and the runs column of its time. */
typedef struct fg_run_phase {
	const char *name;
	int (*fn)(fg_run *r);
	const char *t_column;  /* runs column for its seconds, or NULL */
} fg_run_phase;

/* The phase table, in order (fg_run.c); n in *n. */
const fg_run_phase *fg_run_phases(int *n);

/* Write the model's tables (models, user_reasons, user_model_features); no-op without a model. */
int fg_run_write_model(fg_run *r);
/* Free the model phase's state. */
void fg_run_model_free(fg_run *r);

/*
 * With FG_MEM_PROFILE set in the environment: one line on stderr with the
 * process's resident and peak memory and glibc's heap in use at this point
 * (where: a label).  Nothing otherwise.  For docs/performance.md's memory
 * breakdown; O(1) plus reading /proc/self/status.
 */
void fg_run_mem_profile(const char *where);

/* Load the previous run's rings and match tonight's to them (r->track). */
int fg_run_track(fg_run *r);
/* Only the load: the previous rings and memberships (r->prev), once. */
int fg_run_track_load(fg_run *r);
/* Free what the load holds until the match. */
void fg_run_track_free(fg_run *r);

/*
 * The write-back on a second thread (--threads >= 2, a store): after
 * components, start a thread that writes the tables that depend only on the
 * graph and the components (hubs, links, entity_links) into the open run
 * while the main thread goes on; the previous run's rings are read first,
 * since the thread owns the store until fg_run_write_join (called by
 * fg_run_write, and by fg_run_close on a failed run).  Start: FG_OK without
 * starting anything when one thread or no store.  Join: the thread's
 * result (its error message set on this thread); FG_OK if none ran.
 */
int fg_run_write_start(fg_run *r);
int fg_run_write_join(fg_run *r);
/*
 * True while the writer thread runs its task (started and not yet through
 * its last step); false with no thread.  Lock-free, from the main thread.
 */
bool fg_run_write_busy(const fg_run *r);
/*
 * The same thread for user_features, components and entities during the
 * model phase (engine/fg_run.c model_phase, after its holds: the thread
 * reads risk, hops and ring_score through the held pairs, and the graph and
 * the scores' counts, which the model only reads).  Joins the graph tables'
 * thread first; FG_OK without starting anything as above, and fg_run_write
 * then writes these tables itself.
 */
int fg_run_write_features_start(fg_run *r);
/*
 * The same thread for entities during scoring (engine/fg_run.c score_phase,
 * after its holds: the thread reads the entities' risk through the held
 * pairs and the users' risk whole, which scoring only reads); joined before
 * the model phase holds the users' risk.  As above without a thread.
 */
int fg_run_write_entities_start(fg_run *r);

/*
 * The scores for that thread.  fg_run_scored_init / _fini: the state's
 * mutex and condition (fg_run_open, fg_run_close).  fg_run_write_scored
 * (an fg_model_scored_fn, arg the run): users [0, n) have their final model
 * score.  fg_run_write_scores_final: the model phase is over; ok, the
 * model's scores are all final or, with none, the hand-set ones are; not
 * ok, none come (the thread stops with an error; fg_run_write_join also
 * says so before it joins a thread that still waits).  fg_run_write_cancel:
 * that, then the thread joined and its error dropped (the caller's comes
 * first); before the model's scores are freed on a failure.
 */
void fg_run_scored_init(fg_run *r);
void fg_run_scored_fini(fg_run *r);
void fg_run_write_scored(void *run, uint32_t n);
void fg_run_write_scores_final(fg_run *r, bool ok);
void fg_run_write_cancel(fg_run *r);

/*
 * The phase table's write-back (engine/fg_run.c write_phase), in steps:
 * fg_run_write_graph writes hubs, links and entity_links unless the writer
 * thread did (nothing else of the run's outputs is read, so the held arrays
 * may still wait); fg_run_write_links_done, once r->risk is whole, takes
 * what the later tables read of the links (the hubs' risk, runs.kinds) and
 * hands the link list back (fg_graph_release_links); fg_run_write then
 * writes the rest.  FG_OK or an error code.
 */
int fg_run_write_graph(fg_run *r);
int fg_run_write_links_done(fg_run *r);

/*
 * Wait for the input digest's thread (fg_run_build starts it with 2+
 * threads and a store), so that g->input_digest is set and the links may
 * go; FG_OK without one.  Its error, if any.
 */
int fg_run_digest_join(fg_run *r);

#endif
