/*
 * fg_serve: the online half of fraudgraph.  An in-memory snapshot of one
 * committed run, the scoring of a new account against it, the JSON answers of
 * every endpoint of `fraudgraph serve`, and the holder that reloads the
 * snapshot when a new run commits (docs/serve.md).
 *
 * Snapshot (fg_snapshot): what a request needs from the run, indexed: users
 * by id (score, label, ring, component, nearest seed), entities of components
 * of two users or more and hubs by (kind, value) (share, hub, component),
 * rings by key and by id, components, and the stored links as three CSR
 * adjacencies (entity -> users, user -> entities, user <-> user).  The run's
 * parameters (kind weights, hub caps, relation kinds) come from runs.params,
 * so a request is weighed as the run weighed its rows.  Where the run has a
 * learned model, the snapshot also holds its boosters and last night's graph
 * rebuilt from the stored links with the feature kernels on it, so that a
 * request's feature row is computed as the run computed its users' rows and
 * scored by the run's model (docs/serve.md, "Score with the learned model").
 * Immutable once loaded: any number of threads read it without locks.
 *
 * Holder (fg_serve): the current snapshot, reference-counted.  A request
 * takes a reference (fg_serve_acquire), answers from that snapshot only and
 * drops it (fg_serve_release).  A watcher thread polls the latest committed
 * run id every reload_ms; when it changes it loads the new run beside the old
 * one and swaps the pointer under a mutex held for the swap only.  Requests in
 * flight keep their reference to the old snapshot, which is freed by the last
 * release.  A failed load (database busy, disk, memory) is logged and retried
 * at the next tick; the old snapshot keeps serving.
 *
 * Request parsing and answers are pure functions of (snapshot, request):
 * thread-safe, no global state, deterministic (every list has a total order).
 */
#ifndef FG_ENGINE_FG_SERVE_H
#define FG_ENGINE_FG_SERVE_H

#include "fg_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Documented limits (docs/serve.md). */
#define FG_SERVE_MAX_BODY (64u * 1024u) /* bytes of a request body: above, 413 */
#define FG_SERVE_MAX_ITEMS 100          /* entities, and links, in one request: above, 422 */
#define FG_SERVE_MAX_LIST 50            /* users listed per entity or ring in GET answers */

typedef struct fg_snapshot fg_snapshot;
typedef struct fg_serve fg_serve;

/* ---- snapshot ----------------------------------------------------------- */

/*
 * Load run `run_id` (0: the newest committed run) of the results database at
 * path into *out, with the run's learned model when it has one and with_model
 * is set (the model's graph and kernels, docs/serve.md).  Returns FG_OK, FG_ENOTFOUND (no such file or run), FG_EDB,
 * FG_ENOMEM.  Cost: one pass over the run's users, rings, components,
 * entities and links, O(rows) time; memory in docs/serve.md (bytes per user
 * and per entity).  The caller owns *out (fg_snapshot_free).
 */
int fg_snapshot_load(fg_snapshot **out, const char *path, int64_t run_id, bool with_model);

/* NULL-safe; clears the pointer.  Only for a snapshot no fg_serve holds. */
void fg_snapshot_free(fg_snapshot **s);

typedef struct fg_snapshot_info {
	int64_t run_id;
	const char *started_at;  /* of the run, ISO-8601 UTC */
	const char *finished_at; /* of the run (commit), ISO-8601 UTC, may be "" */
	double finished_unix;    /* finished_at as Unix seconds, NAN if unknown */
	uint64_t n_users, n_entities, n_rings, n_components, n_links, n_user_links;
	uint64_t bytes;          /* heap bytes held by the snapshot */
	double load_seconds;     /* wall time of fg_snapshot_load */
	const char *model_status;/* "served: ...", "none: ...", "not served: <why>" */
	uint64_t model_bytes;    /* of bytes: the model's graph and kernels */
} fg_snapshot_info;

void fg_snapshot_get_info(fg_snapshot_info *out, const fg_snapshot *s);

/* ---- requests ----------------------------------------------------------- */

/*
 * One answer: an HTTP status and a JSON body (malloc'd, NUL-terminated, the
 * caller frees it with free()).  Errors are {"error":{"status":N,"message":"..."}}.
 */
typedef struct fg_serve_reply {
	int status;
	char *body;
	size_t len;
	const char *allow; /* 405: the methods of the path (an Allow header), else NULL */
} fg_serve_reply;

/* A parsed and normalised POST /v1/score request (opaque). */
typedef struct fg_serve_request fg_serve_request;

/*
 * Parse a /v1/score body of len bytes against cfg's kinds (NULL: the
 * defaults of fg_config_init).  Values get run's rules (fg_serve_normalise).
 * Returns FG_OK with *out set (fg_serve_request_free), or an error with
 * *status set: 400 (not JSON, not the documented structure), 413 (over
 * FG_SERVE_MAX_BODY), 422 (more than FG_SERVE_MAX_ITEMS entities or links,
 * a value longer than the run's max_field_len, a link of a kind that is not
 * a relation), and a one-line message (fg_error_msg) that never quotes more
 * than a truncated value.  Never crashes on any input: this is the fuzzed
 * entry point (tests/fuzz/fuzz_serve_request.c).
 */
int fg_serve_request_parse(fg_serve_request **out, int *status, const fg_config *cfg,
                           const char *body, size_t len);
void fg_serve_request_free(fg_serve_request **r);
/* Entities and links kept after normalisation (for tests and the fuzzer). */
size_t fg_serve_request_n_entities(const fg_serve_request *r);
size_t fg_serve_request_n_links(const fg_serve_request *r);

/*
 * Normalise one (kind, value) as `run` does before interning: surrounding
 * white space trimmed, kind lower-cased, UTF-8 and length checked
 * (cfg->max_field_len).  kind_out / value_out get malloc'd copies.  Returns
 * 1 if kept, 0 if dropped (empty after trimming: *why says so), or FG_EDATA
 * (invalid UTF-8, NUL byte, too long: message set).  This is the one call
 * where run's kind aliases and placeholder values will apply once src/
 * exports them (docs/serve.md).
 */
int fg_serve_normalise(char **kind_out, char **value_out, const char **why, const fg_config *cfg,
                       const char *kind, size_t kind_len, const char *value, size_t value_len);

/*
 * Answer one request on snapshot s: route (method, url) to an endpoint and
 * fill *out.  Endpoints: POST /v1/score (body), GET /v1/users/{id},
 * GET /v1/rings/{key}, GET /v1/entities/{kind}/{value}, GET /healthz.
 * Statuses: 200, 400, 404 (unknown path or object), 405 (known path, wrong
 * method), 413, 422; *endpoint receives the route's index (FG_SERVE_EP_*)
 * for metrics.  /metrics is the HTTP layer's (it owns the counters).
 * Returns FG_OK, or FG_ENOMEM with out->status 500.
 */
enum {
	FG_SERVE_EP_SCORE, FG_SERVE_EP_USER, FG_SERVE_EP_RING, FG_SERVE_EP_ENTITY,
	FG_SERVE_EP_HEALTHZ, FG_SERVE_EP_METRICS, FG_SERVE_EP_OTHER, FG_SERVE_N_EP
};
extern const char *const fg_serve_ep_names[FG_SERVE_N_EP];

int fg_serve_answer(fg_serve_reply *out, int *endpoint, const fg_snapshot *s, const char *method,
                    const char *url, const char *body, size_t len);

/* An error reply {"error":{"status":status,"message":msg}}. */
int fg_serve_error_reply(fg_serve_reply *out, int status, const char *msg);

/* ---- holder and reload -------------------------------------------------- */

typedef struct fg_serve_opts {
	const char *db_path;
	int reload_ms; /* poll interval of the watcher; 0: no watcher */
	bool no_model; /* serve the rule scores even where the run has a model */
} fg_serve_opts;

/*
 * Load the newest committed run of o->db_path and start the watcher.
 * Returns FG_OK, or the load's error (nothing started).
 */
int fg_serve_open(fg_serve **out, const fg_serve_opts *o);

/* Stop the watcher, drop the current snapshot (the last reference frees it). */
void fg_serve_close(fg_serve **sv);

/* A reference to the current snapshot; never NULL after fg_serve_open. */
const fg_snapshot *fg_serve_acquire(fg_serve *sv);
void fg_serve_release(fg_serve *sv, const fg_snapshot *s);

/*
 * Check the database now and reload if a newer run committed (what the
 * watcher does each tick).  1 if a new snapshot was swapped in, 0 if none
 * was needed, or an error code (the old snapshot stays).
 */
int fg_serve_check(fg_serve *sv);

typedef struct fg_serve_stats {
	uint64_t reloads;          /* snapshots swapped in after the first */
	uint64_t reload_failures;
	uint64_t live_snapshots;   /* snapshots not yet freed (current + old in use) */
} fg_serve_stats;

void fg_serve_get_stats(fg_serve_stats *out, fg_serve *sv);

#endif
