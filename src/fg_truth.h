/*
 * fg_truth: the truth file of `evaluate` (who is really fraud, in which ring).
 *
 * A CSV with a header naming user_id and at least one of ring_id, label,
 * role (names case-insensitive, trimmed; other columns ignored; a UTF-8 BOM
 * is skipped).  Positive users (docs/operations.md, "Evaluate"):
 *   - a role column: role in {ring, collusion} (case-insensitive; victim,
 *     household and any other role are negatives);
 *   - else a label column: label in {fraud, chargeback, confirmed_fraud, 1,
 *     true, yes} is positive, {legit, cleared, 0, false, no, empty} negative
 *     (case-insensitive); any other value is an error naming it;
 *   - else: ring_id non-empty.
 * A user on several rows is positive if any row is, in the ring of its first
 * positive row that names one.  True rings: the positive users grouped by
 * non-empty ring_id.
 *
 * Quotes are strict (RFC 4180, libcsv CSV_STRICT): a quote inside an
 * unquoted field, text after a closing quote, or a quote still open at the
 * end of the file is an error with file:line:column.
 */
#ifndef FG_SRC_FG_TRUTH_H
#define FG_SRC_FG_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* fg_truth_user.ring of a user in no true ring. */
#define FG_TRUTH_NO_RING INT64_MIN

typedef struct fg_truth_user {
	char *user_id;
	bool positive;
	int64_t ring; /* 0..n_rings-1 (ring ids in byte order), or FG_TRUTH_NO_RING; only positives have one */
} fg_truth_user;

/*
 * Invariants: users sorted by user_id (strcmp), one entry per user;
 * ring_name[r] is the ring_id text of ring r, sorted, distinct.
 */
typedef struct fg_truth {
	fg_truth_user *users;
	size_t n_users;
	char **ring_name;
	size_t n_rings;
	size_t n_rows;    /* data rows read */
	const char *rule; /* the positive rule in words (static text) */
} fg_truth;

/*
 * Read path into *out (caller frees with fg_truth_free).  Errors: FG_ENOTFOUND
 * (no such file), FG_EIO, FG_ENOMEM, FG_EDATA (bad header, empty user_id,
 * unknown label, malformed quote: the message names file, line, column and
 * value).  *out is NULL on error.  O(bytes + rows log rows).
 */
int fg_truth_read(fg_truth **out, const char *path);

/* NULL-safe; clears *t. */
void fg_truth_free(fg_truth **t);

#endif
