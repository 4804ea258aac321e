#include "fg_alloc.h"

#include "fg_build_config.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if FG_FAULT_INJECTION
#include <stdatomic.h>
#include <unistd.h>

static atomic_long alloc_count;
static long fail_at = -1; /* -1: not read yet, 0: never */

static int should_fail(void)
{
	if (fail_at < 0) {
		const char *e = getenv("FG_FAIL_ALLOC");
		fail_at = e ? atol(e) : 0;
		if (fail_at < 0)
			fail_at = 0;
	}
	if (fail_at == 0)
		return 0;
	return atomic_fetch_add(&alloc_count, 1) + 1 >= fail_at;
}
#else
#define should_fail() 0
#endif

void *fg_malloc(size_t size)
{
	if (should_fail())
		return NULL;
	return malloc(size ? size : 1);
}

void *fg_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	if (n == 0 || size == 0)
		return calloc(1, 1);
	return calloc(n, size);
}

void *fg_realloc(void *p, size_t size)
{
	if (should_fail())
		return NULL;
	return realloc(p, size ? size : 1);
}

void fg_free(void *p)
{
	free(p);
}

void *fg_mallocarray(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return fg_malloc(n * size);
}

void *fg_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return fg_realloc(p, n * size);
}

char *fg_strndup(const char *s, size_t len)
{
	char *d = fg_malloc(len + 1);

	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void fg_fault_point(const char *name)
{
#if FG_FAULT_INJECTION
	const char *at = getenv("FG_FAULT_KILL_AT");

	if (at && strcmp(at, name) == 0)
		raise(SIGKILL);
#else
	(void)name;
#endif
}
