/*
 * fg_graphalytics: reader for the LDBC Graphalytics graph format.
 *
 * A graph is three files next to each other: NAME.properties (Java-style
 * `key = value` lines, `#` comments), NAME.v (one vertex id per line) and
 * NAME.e (`src dst [weight]` per line, space or tab separated).  Vertex ids
 * are non-negative integers up to 2^63-1; the reader also maps them to dense
 * ids 0..nv-1 in ascending order of the external id, so the smallest dense id
 * is the smallest external id.  Knows nothing about graphs beyond arrays.
 */
#ifndef FG_SRC_FG_GRAPHALYTICS_H
#define FG_SRC_FG_GRAPHALYTICS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct fg_ga_prop {
	char *key;   /* full key, e.g. "graph.example-directed.directed" */
	char *value; /* trimmed value */
	int line;    /* line in NAME.properties */
} fg_ga_prop;

/*
 * A loaded graph.  Invariants: ids[0..nv) strictly ascending; vdense[i] is the
 * dense id of the i-th line of NAME.v (so ids[vdense[i]] is that vertex);
 * src/dst[0..ne) are dense ids < nv, in the order of NAME.e.
 */
typedef struct fg_ga_graph {
	char *name;        /* NAME: the last path component of the prefix */
	char *prop_path;   /* "PREFIX.properties", for error messages */
	bool directed;     /* graph.NAME.directed */
	uint32_t nv;
	uint64_t *ids;     /* nv external ids, ascending */
	uint32_t *vdense;  /* nv: dense id of each NAME.v line, in file order */
	uint64_t ne;
	uint32_t *src, *dst;
	uint32_t nprops;
	fg_ga_prop *props;
} fg_ga_graph;

/*
 * Read PREFIX.properties, PREFIX.v and PREFIX.e (PREFIX = "DIR/NAME").
 * On success *out owns everything (free with fg_graphalytics_free).  Errors:
 * FG_EIO (a file cannot be opened or read), FG_EDATA with "file:line: ..."
 * and the offending value (a malformed id, a duplicate vertex, an edge to an
 * unknown vertex, a missing or bad `directed` property), FG_ENOMEM.  On
 * failure *out is zeroed.  O((nv + ne) log nv) time, O(nv + ne) memory.
 */
int fg_graphalytics_read(fg_ga_graph *out, const char *prefix);

/* Free *g and zero it; NULL-safe. */
void fg_graphalytics_free(fg_ga_graph *g);

/* The property "graph.NAME.<suffix>", or NULL if absent. */
const fg_ga_prop *fg_graphalytics_prop(const fg_ga_graph *g, const char *suffix);

/*
 * Parse property "graph.NAME.<suffix>" as an integer / a double.  Returns
 * FG_OK, or FG_EDATA if absent (the message names file and key) or malformed
 * ("file:line: key: bad value 'x'").
 */
int fg_graphalytics_prop_i64(int64_t *out, const fg_ga_graph *g, const char *suffix);
int fg_graphalytics_prop_double(double *out, const fg_ga_graph *g, const char *suffix);

/* The dense id of external id x, or -1 if x is not a vertex.  O(log nv). */
int64_t fg_graphalytics_dense(const fg_ga_graph *g, uint64_t x);

#endif
