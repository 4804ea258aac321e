#include "fg_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static bool quiet;
static double last_progress;
static bool progress_shown;

void fg_log_set_quiet(bool q)
{
	quiet = q;
}

bool fg_log_quiet(void)
{
	return quiet;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	if (progress_shown)
		fg_log_progress_end();
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fg_log_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void fg_log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fraudgraph: warning: ", fmt, ap);
	va_end(ap);
}

void fg_log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fraudgraph: ", fmt, ap);
	va_end(ap);
}

double fg_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double fg_cpu_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t fg_peak_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}

void fg_log_progress(const char *phase, uint64_t done, uint64_t total)
{
	double now;

	if (quiet || !isatty(STDERR_FILENO))
		return;
	now = fg_clock();
	if (now - last_progress < 0.1)
		return;
	last_progress = now;
	if (total)
		fprintf(stderr, "\r%s: %llu/%llu (%.0f%%)\033[K", phase,
		        (unsigned long long)done, (unsigned long long)total,
		        100.0 * (double)done / (double)total);
	else
		fprintf(stderr, "\r%s: %llu\033[K", phase, (unsigned long long)done);
	progress_shown = true;
}

void fg_log_progress_end(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = false;
	}
}
