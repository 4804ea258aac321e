/*
 * fg_track: rings that keep their identity across nights.
 *
 * Tonight's rings are matched to the previous run's rings by member overlap
 * (users are matched by their user_id string).  For a previous ring P, its
 * best match is the current ring holding most of P's members (ties: the
 * smallest ring id); an overlap is significant when it is >= 2 users or at
 * least half of P.  Then, for a current ring C:
 *   - two or more previous rings whose best match is C: "merged", C keeps the
 *     key of the one it overlaps most (ties: smallest key), prev_keys lists all;
 *   - one such ring P: C keeps P's key; "split" if P also overlaps another
 *     current ring significantly, else "grown" / "shrunk" / "stable" by size;
 *   - none, but significant overlap with a ring whose best match is another:
 *     a split-off: a new key, "split", prev_keys names the ring it came from;
 *   - otherwise "new" with a new key.
 * A previous ring with no significant overlap with any current ring has
 * dissolved.  New keys are numbered in ring-id order, so the assignment is
 * deterministic.
 */
#ifndef FG_ALGORITHMS_FG_TRACK_H
#define FG_ALGORITHMS_FG_TRACK_H

#include <stdint.h>

#define FG_RING_KEY_MAX 24

typedef struct fg_prev_ring {
	char key[FG_RING_KEY_MAX];
	int64_t ring_id;
	int64_t first_run_id;
	uint32_t n_users;
} fg_prev_ring;

/* A ring's status against the previous run; names in fg_ring_status_name. */
typedef enum fg_ring_status {
	FG_RING_NEW = 0,
	FG_RING_STABLE,
	FG_RING_GROWN,
	FG_RING_SHRUNK,
	FG_RING_MERGED,
	FG_RING_SPLIT,
	FG_RING_STATUS_N
} fg_ring_status;

/* The stored name of a status ("new", "stable", ...): rings.status. */
const char *fg_ring_status_name(fg_ring_status s);

typedef struct fg_ring_track {
	char key[FG_RING_KEY_MAX];
	fg_ring_status status;
	/*
	 * The previous rings this one came from (indices into prev, in increasing
	 * order): every ring merged into it, or the rings a split-off left; NULL
	 * and 0 otherwise.  Owned.  The writer stores their keys (rings.prev_keys).
	 */
	uint32_t *prev;
	uint32_t n_prev;
	int64_t first_run_id;
} fg_ring_track;

typedef struct fg_track_result {
	uint32_t n_rings;
	fg_ring_track *rings;   /* per current ring */
	uint32_t n_dissolved;
	uint32_t *dissolved;    /* indices into prev */
	uint32_t n_new, n_stable, n_grown, n_shrunk, n_merged, n_split;
} fg_track_result;

/*
 * ring_index[u] (u < n_users): the user's current ring index or -1;
 * n_rings current rings.  prev[0..n_prev): the previous run's rings;
 * pair_prev/pair_user[0..n_pairs): previous memberships mapped to current user
 * ids (users gone tonight omitted).  next_key: the number for the first new
 * key (fg_store_format_ring_key).  run_id: tonight's run (first_run_id of new rings).
 * Returns FG_OK or FG_ENOMEM.
 */
int fg_track_rings(fg_track_result *out, const int32_t *ring_index, uint32_t n_users,
                   uint32_t n_rings, const fg_prev_ring *prev, uint32_t n_prev,
                   const uint32_t *pair_prev, const uint32_t *pair_user, uint64_t n_pairs,
                   uint64_t next_key, int64_t run_id);

void fg_track_result_free(fg_track_result *r);

#endif
