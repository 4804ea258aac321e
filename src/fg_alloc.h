/*
 * fg_alloc: the allocator every module uses, and the fault hooks.
 *
 * fg_malloc and friends return NULL on failure like their libc twins; callers
 * turn that into FG_ENOMEM.  In builds with -Dfault_injection=true:
 *   - FG_FAIL_ALLOC=N makes the Nth allocation (1-based) and every later one
 *     fail, so tests can show that each failure path reports and frees;
 *   - fg_fault_point("name") raises SIGKILL when FG_FAULT_KILL_AT equals name,
 *     so tests can kill a run at a chosen point of the write-back;
 *   - fg_fault_fails("name") is true when FG_FAULT_FAIL_AT equals name, so
 *     tests can make a step return an error (one that has no allocation or
 *     SQLite call to fail on demand, e.g. on the write-back's thread);
 *   - with FG_FAULT_SLEEP_AT=name:seconds it prints "fraudgraph: fault
 *     injection: pid P sleeping S s at name" on stderr and sleeps there until
 *     the seconds are up or SIGUSR1 arrives (concurrency tests hold a run at
 *     a known point, act, then let it go on).
 * In production builds both are compiled out.
 */
#ifndef FG_SRC_FG_ALLOC_H
#define FG_SRC_FG_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *fg_malloc(size_t size);
void *fg_calloc(size_t n, size_t size);
void *fg_realloc(void *p, size_t size);
void fg_free(void *p);

/* malloc(n * size) with overflow check. */
void *fg_mallocarray(size_t n, size_t size);
/* realloc(p, n * size) with overflow check; p unchanged on failure. */
void *fg_reallocarray(void *p, size_t n, size_t size);
/* strndup through fg_malloc. */
char *fg_strndup(const char *s, size_t len);

/* Kill at (FG_FAULT_KILL_AT) or pause at (FG_FAULT_SLEEP_AT) this point; see above. */
void fg_fault_point(const char *name);
/* True if FG_FAULT_FAIL_AT equals name (fault-injection builds; else always false). */
bool fg_fault_fails(const char *name);

#endif
