#include "fg_alloc.h"

#include "fg_build_config.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if FG_FAULT_INJECTION
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
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

#if FG_FAULT_INJECTION
static volatile sig_atomic_t fault_wake;

static void fault_wake_handler(int sig)
{
	(void)sig;
	fault_wake = 1;
}

/*
 * FG_FAULT_SLEEP_AT=name:seconds: announce the pause on stderr, then sleep
 * until the time is up or SIGUSR1 arrives, so a test can act while a run is
 * held at a known point and then let it go on (no timing in the test).
 */
static void fault_sleep(const char *name)
{
	const char *at = getenv("FG_FAULT_SLEEP_AT");
	size_t n = strlen(name);
	struct sigaction sa;
	struct timespec end, now;
	char msg[160];
	int len;
	long secs;

	if (!at || strncmp(at, name, n) != 0 || at[n] != ':')
		return;
	secs = atol(at + n + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fault_wake_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	len = snprintf(msg, sizeof(msg), "fraudgraph: fault injection: pid %ld sleeping %ld s at %s\n",
	               (long)getpid(), secs, name);
	if (len > 0 && write(STDERR_FILENO, msg, (size_t)len) < 0) {
		/* the test will time out waiting for the line */
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	while (!fault_wake) {
		struct timespec d = {0, 10 * 1000 * 1000};

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		nanosleep(&d, NULL);
	}
	fault_wake = 0;
}
#endif

void fg_fault_point(const char *name)
{
#if FG_FAULT_INJECTION
	const char *at = getenv("FG_FAULT_KILL_AT");

	if (at && strcmp(at, name) == 0)
		raise(SIGKILL);
	fault_sleep(name);
#else
	(void)name;
#endif
}

bool fg_fault_fails(const char *name)
{
#if FG_FAULT_INJECTION
	const char *at = getenv("FG_FAULT_FAIL_AT");

	return at && strcmp(at, name) == 0;
#else
	(void)name;
	return false;
#endif
}
