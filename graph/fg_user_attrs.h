/*
 * fg_user_attrs: the users input's numeric attributes, from the readers'
 * rows to the graph's user_attr matrix (private to graph/).
 *
 * Accumulation: one column of floats per attribute name (NAN = missing),
 * indexed by the linkset's temporary user id and grown on demand.  A name
 * is "text" as soon as one non-empty value of it does not parse as a finite
 * number (fg_attr_val.state FG_ATTR_TEXT); text attributes are reported and
 * left out of the graph.  A user given several values of one attribute
 * (several rows or files) keeps the largest, so the result does not depend
 * on row order; -0 is stored as +0 for the same reason.
 *
 * Build: names sorted in byte order, text ones dropped, columns copied into
 * the row-major n_users x n_attrs matrix in canonical user order.
 *
 * Memory: 4 bytes per (temporary user, attribute) while accumulating; the
 * graph's matrix 4 bytes per (user, kept attribute).
 * Thread-safety: one thread (the linkset's).
 */
#ifndef FG_GRAPH_FG_USER_ATTRS_H
#define FG_GRAPH_FG_USER_ATTRS_H

#include "fg_config.h"
#include "fg_graph.h"
#include "fg_ingest.h"

#include <stdint.h>

typedef struct fg_attrset fg_attrset;

/* A new, empty set (*out NULL on failure).  FG_OK or FG_ENOMEM. */
int fg_attrset_new(fg_attrset **out);
void fg_attrset_free(fg_attrset **as);

/* Take the attributes of one users row of temporary user u.  FG_OK or FG_ENOMEM. */
int fg_attrset_add(fg_attrset *as, uint32_t u, const fg_user_row *row);

/*
 * Fill g->n_attrs, g->attr_name (one allocation: the pointers, then the
 * strings) and g->user_attr from the columns: user_rank[t] is temporary user
 * t's canonical id, nu the users.  The columns are released.  FG_OK or
 * FG_ENOMEM.  O(nu x attributes).
 */
int fg_attrset_build(fg_attrset *as, fg_graph *g, const uint32_t *user_rank, uint32_t nu);

/* Log the attributes kept, the text ones left out (with their first value)
 * and the --attrs names no input had.  Once per run. */
void fg_attrset_report(const fg_attrset *as, const fg_config *cfg);

#endif
