/*
 * fg_store_flush: the kernel's write-out of a run's pages started early.
 *
 * A run is one transaction of hundreds of MB (2.5 GB at 20 M users).  Its
 * pages reach the WAL as SQLite's cache spills them and at COMMIT, then the
 * checkpoint copies them into the database file; with synchronous=FULL both
 * end in an fsync.  The kernel starts writing dirty pages only past
 * dirty_background_ratio (10% of RAM: 2.4 GB here) or after 30 s, so each
 * fsync writes nearly everything it covers while the process waits: on the
 * 2M world 0.16 s for the WAL and 0.10 s for the database, a third of the
 * commit, with both cores idle.
 *
 * The flusher thread asks for that write-out as the pages come: every
 * FLUSH_MS, sync_file_range(SYNC_FILE_RANGE_WRITE) over the whole WAL and
 * database files, which starts the write of the pages dirty now and waits for
 * none of it.  It changes no byte of either file and no guarantee: SQLite's
 * own fsyncs still decide when the run is durable; they find less to do.
 * The files are opened read-only and by name, as a reader would open them;
 * one that cannot be opened is left to SQLite's fsync as before.
 */
#define _GNU_SOURCE /* sync_file_range */
#include "fg_store.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_MS 20

struct fg_store_flusher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop; /* under mu */
	char *path, *wal; /* the database file, its WAL */
};

static void flush_file(const char *path, int *fd)
{
	if (*fd < 0)
		*fd = open(path, O_RDONLY | O_CLOEXEC);
#if defined(__linux__)
	if (*fd >= 0)
		(void)sync_file_range(*fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
}

static void *flusher_main(void *arg)
{
	fg_store_flusher *f = arg;
	int fd_db = -1, fd_wal = -1;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		struct timespec until;

		pthread_mutex_unlock(&f->mu);
		flush_file(f->wal, &fd_wal);
		flush_file(f->path, &fd_db);
		pthread_mutex_lock(&f->mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += FLUSH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&f->mu);
	if (fd_wal >= 0)
		close(fd_wal);
	if (fd_db >= 0)
		close(fd_db);
	return NULL;
}

int fg_store_flusher_start(fg_store_flusher **out, const char *path)
{
	fg_store_flusher *f;
	pthread_condattr_t ca;
	sigset_t all, old;
	size_t n = strlen(path);
	int rc;

	*out = NULL;
	if (!(f = fg_calloc(1, sizeof(*f))) || !(f->path = fg_strndup(path, n)) ||
	    !(f->wal = fg_malloc(n + 5))) {
		if (f)
			fg_free(f->path);
		fg_free(f);
		return fg_error_set(FG_ENOMEM, "out of memory starting the write-out thread");
	}
	memcpy(f->wal, path, n);
	memcpy(f->wal + n, "-wal", 5);
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* signals go to the main thread, as with the writer thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&f->thread, NULL, flusher_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		/* no thread: SQLite's fsyncs write everything, as before */
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		fg_free(f->path);
		fg_free(f->wal);
		fg_free(f);
		return FG_OK;
	}
	*out = f;
	return FG_OK;
}

void fg_store_flusher_stop(fg_store_flusher **pf)
{
	fg_store_flusher *f = *pf;

	if (!f)
		return;
	*pf = NULL;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	fg_free(f->path);
	fg_free(f->wal);
	fg_free(f);
}
