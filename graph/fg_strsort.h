/*
 * fg_strsort: the byte order of the strings of an interning table, for the
 * canonical ids of the graph build (users, kinds, each kind's entity values).
 * Internal to graph/.
 *
 * An MSD radix sort over 8-byte big-endian chunks of the strings: each level
 * sorts the chunk at `depth` with the American flag sort of fg_afsort.h, then
 * recurses into each run of equal chunks.  Chunks are 0-padded past a
 * string's end and strings hold no NUL, so a string that ends is alone in
 * its run (at the front: a proper prefix sorts first) and needs no test.  A chunk shared by every string
 * of a run (a long common prefix) is taken by a loop, not by recursion, so
 * common prefixes cost no stack.
 *
 * Complexity: O(total string bytes) expected.  Thread-safety: reads the
 * table only (fg_intern_str/_len: the table must be sealed); calls on
 * disjoint work arrays may run in parallel.
 */
#ifndef FG_GRAPH_FG_STRSORT_H
#define FG_GRAPH_FG_STRSORT_H

#include "fg_intern.h"

#include <stddef.h>
#include <stdint.h>

/* A string's sort key chunk, its id and (set by the sort) its arena offset. */
typedef struct fg_strkey {
	uint64_t key;
	uint32_t id;
	uint32_t at; /* fg_intern_str(t, id) - t->arena: the chunks read no offsets array */
} fg_strkey;

/*
 * Sort a[0..n) by the byte order of the strings t names by a[i].id (distinct
 * strings, all equal on bytes [0, depth)) from byte depth on.  Only the ids
 * are meaningful afterwards.
 */
void fg_strsort_sort(fg_strkey *a, size_t n, const fg_intern *t, uint64_t depth);

/*
 * rank[id] = the position of string id in byte order, for the n ids 0..n-1
 * of t; work is n fg_strkeys of scratch.
 */
void fg_strsort_rank(uint32_t *rank, fg_strkey *work, const fg_intern *t, uint32_t n);

#endif
