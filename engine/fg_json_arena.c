/*
 * fg_json_arena: see fg_json_arena.h.
 *
 * Each thread's arena is one block of ARENA_SIZE bytes, handed out in
 * 16-byte steps from `used`; live counts the arena's allocations not yet
 * freed (jansson frees each value once), so that _end can check that none
 * outlives the request.  The block goes with the thread (a pthread key's
 * destructor).
 */
#include "fg_json_arena.h"

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define ARENA_SIZE (256u * 1024u)

typedef struct arena {
	char *base;
	size_t used;
	size_t live;   /* allocations from base not yet freed */
	bool on;       /* inside begin .. end */
} arena;

static _Thread_local arena *mine;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool installed;

static void *arena_malloc(size_t n)
{
	arena *a = mine;

	if (a && a->on) {
		size_t step = (n + 15) & ~(size_t)15;

		if (step >= n && step <= ARENA_SIZE - a->used) {
			void *p = a->base + a->used;

			a->used += step;
			a->live++;
			return p;
		}
	}
	return malloc(n);
}

static void arena_free(void *p)
{
	arena *a = mine;

	if (a && (const char *)p >= a->base && (const char *)p < a->base + ARENA_SIZE) {
		assert(a->live > 0);
		a->live--;
		return;
	}
	free(p);
}

static void drop(void *p)
{
	arena *a = p;

	free(a->base);
	free(a);
}

static void install(void)
{
	if (pthread_key_create(&key, drop) != 0)
		return;
	json_set_alloc_funcs(arena_malloc, arena_free);
	installed = true;
}

void fg_json_arena_install(void)
{
	pthread_once(&once, install);
}

void fg_json_arena_begin(void)
{
	arena *a = mine;

	if (!installed)
		return;
	if (!a) {
		if (!(a = calloc(1, sizeof(*a))))
			return;
		if (!(a->base = malloc(ARENA_SIZE)) || pthread_setspecific(key, a) != 0) {
			free(a->base);
			free(a);
			return;
		}
		mine = a;
	}
	assert(a->live == 0);
	a->used = 0;
	a->on = true;
}

void fg_json_arena_end(void)
{
	arena *a = mine;

	if (!a)
		return;
	/* a value made in the request and still held would be handed out again by the next one */
	assert(a->live == 0);
	a->on = false;
}

bool fg_json_arena_owns(const void *p)
{
	const arena *a = mine;

	return a && (const char *)p >= a->base && (const char *)p < a->base + ARENA_SIZE;
}
