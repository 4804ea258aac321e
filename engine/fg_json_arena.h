/*
 * fg_json_arena: jansson's allocations during one request in a bump arena
 * of the thread answering it.
 *
 * Why: a /v1/score answer is some 25 JSON objects and arrays and 60 values,
 * and jansson mallocs each value, each object's hash table and key, and
 * each step of its dump buffer, then frees them all when the request ends:
 * malloc and free were ~15% of the request's CPU (docs/serve.md, "Speed").
 * In an arena they are a pointer bump and nothing.
 *
 * jansson's allocator is process-wide (json_set_alloc_funcs), so the
 * functions installed serve every thread: a thread inside
 * fg_json_arena_begin .. _end allocates from its arena (malloc past its
 * size), every other thread, and every thread outside a request, from
 * malloc; a pointer is returned to the arena (a no-op) only when it lies in
 * the freeing thread's arena, otherwise to free().  Hence the rule, checked
 * by an assertion at _end: every jansson value made inside a request is
 * freed inside it (the answer's text is copied out, fg_serve_reply_json).
 */
#ifndef FG_ENGINE_FG_JSON_ARENA_H
#define FG_ENGINE_FG_JSON_ARENA_H

#include <stdbool.h>

/* Install the allocator (once; call before the threads that use jansson start). */
void fg_json_arena_install(void);

/* This thread's jansson allocations go to its arena (made on first use, 256 KiB) until
 * fg_json_arena_end; without an arena (out of memory, or not installed) they go to malloc. */
void fg_json_arena_begin(void);

/* Back to malloc; the arena is reused by the thread's next request. */
void fg_json_arena_end(void);

/* True if p lies in this thread's arena. */
bool fg_json_arena_owns(const void *p);

#endif
