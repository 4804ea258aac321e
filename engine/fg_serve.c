/*
 * fg_serve: the holder of the current snapshot and its reload.  See
 * fg_serve.h; the snapshot is read by fg_serve_load.c and indexed by
 * fg_serve_index.c, requests are answered by fg_serve_answer.c.
 */
#include "fg_serve_internal.h"

#include "fg_json_arena.h"

#include "fg_log.h"
#include "fg_store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* ---- holder and reload -------------------------------------------------- */

struct fg_serve {
	char *path;
	int reload_ms;
	bool no_model;
	pthread_mutex_t mu;        /* guards cur (the swap and the taking of a reference) */
	pthread_cond_t cv;         /* wakes the watcher to stop */
	fg_snapshot *cur;          /* holds one reference */
	fg_store *poll;            /* the watcher's connection */
	pthread_t watcher;
	bool have_watcher, stop;
	atomic_ullong reloads, failures, live;
};

static void snapshot_unref(fg_serve *sv, fg_snapshot *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		fg_snapshot_free(&s);
		atomic_fetch_sub(&sv->live, 1);
	}
}

const fg_snapshot *fg_serve_acquire(fg_serve *sv)
{
	fg_snapshot *s;

	pthread_mutex_lock(&sv->mu);
	s = sv->cur;
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&sv->mu);
	return s;
}

void fg_serve_release(fg_serve *sv, const fg_snapshot *s)
{
	snapshot_unref(sv, (fg_snapshot *)s);
}

int fg_serve_check(fg_serve *sv)
{
	fg_snapshot *s = NULL, *old;
	int64_t latest = 0, old_run;
	int rc;

	if (!sv->poll && (rc = fg_store_open(&sv->poll, sv->path, FG_STORE_READ)))
		return rc;
	if ((rc = fg_results_snapshot_latest(sv->poll, &latest))) {
		fg_store_close(&sv->poll); /* reopen next time (file replaced, disk trouble) */
		return rc;
	}
	pthread_mutex_lock(&sv->mu);
	old = sv->cur;
	pthread_mutex_unlock(&sv->mu);
	if (latest == 0 || latest == old->run_id)
		return 0;
	/* load beside the old one: requests keep being answered meanwhile */
	if ((rc = fg_snapshot_load(&s, sv->path, latest, !sv->no_model)))
		return rc;
	atomic_init(&s->refs, 1);
	atomic_fetch_add(&sv->live, 1);
	pthread_mutex_lock(&sv->mu);
	old = sv->cur;
	sv->cur = s;
	atomic_fetch_add(&sv->reloads, 1); /* with the swap: whoever sees the new run sees the count */
	pthread_mutex_unlock(&sv->mu);
	old_run = old->run_id;
	/* from here on neither old (freed by its last reference) nor s (current) is ours */
	fg_log_info("serve: run %lld loaded (%llu users, %llu entities, %.2f s); run %lld retired",
	            (long long)s->run_id, (unsigned long long)s->n_users, (unsigned long long)s->n_ents,
	            s->load_seconds, (long long)old_run);
	snapshot_unref(sv, old);
	return 1;
}

static void *watch(void *arg)
{
	fg_serve *sv = arg;

	pthread_mutex_lock(&sv->mu);
	while (!sv->stop) {
		struct timespec ts;
		int rc;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += sv->reload_ms / 1000;
		ts.tv_nsec += (long)(sv->reload_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sv->cv, &sv->mu, &ts);
		if (sv->stop)
			break;
		pthread_mutex_unlock(&sv->mu);
		rc = fg_serve_check(sv);
		if (rc < 0) {
			atomic_fetch_add(&sv->failures, 1);
			fg_log_warn("serve: reload failed, still serving the previous run: %s", fg_error_msg());
		}
		pthread_mutex_lock(&sv->mu);
	}
	pthread_mutex_unlock(&sv->mu);
	return NULL;
}

int fg_serve_open(fg_serve **out, const fg_serve_opts *o)
{
	fg_serve *sv = NULL;
	int rc;

	*out = NULL;
	/* before the reload thread and the HTTP threads: jansson's allocator is process-wide */
	fg_json_arena_install();
	if (!(sv = fg_calloc(1, sizeof(*sv))) || !(sv->path = fg_strndup(o->db_path, strlen(o->db_path)))) {
		fg_free(sv);
		return fg_error_set(FG_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&sv->mu, NULL);
	pthread_cond_init(&sv->cv, NULL);
	sv->reload_ms = o->reload_ms;
	sv->no_model = o->no_model;
	atomic_init(&sv->reloads, 0);
	atomic_init(&sv->failures, 0);
	atomic_init(&sv->live, 0);
	if ((rc = fg_snapshot_load(&sv->cur, sv->path, 0, !sv->no_model)))
		goto fail;
	atomic_init(&sv->cur->refs, 1);
	atomic_store(&sv->live, 1);
	if (sv->reload_ms > 0) {
		if (pthread_create(&sv->watcher, NULL, watch, sv) != 0) {
			rc = fg_error_set(FG_ERROR, "serve: cannot start the reload thread");
			goto fail;
		}
		sv->have_watcher = true;
	}
	*out = sv;
	return FG_OK;
fail:
	fg_serve_close(&sv);
	return rc;
}

void fg_serve_close(fg_serve **svp)
{
	fg_serve *sv;

	if (!svp || !(sv = *svp))
		return;
	if (sv->have_watcher) {
		pthread_mutex_lock(&sv->mu);
		sv->stop = true;
		pthread_cond_signal(&sv->cv);
		pthread_mutex_unlock(&sv->mu);
		pthread_join(sv->watcher, NULL);
	}
	if (sv->cur)
		snapshot_unref(sv, sv->cur);
	fg_store_close(&sv->poll);
	pthread_mutex_destroy(&sv->mu);
	pthread_cond_destroy(&sv->cv);
	fg_free(sv->path);
	fg_free(sv);
	*svp = NULL;
}

void fg_serve_get_stats(fg_serve_stats *out, fg_serve *sv)
{
	out->reloads = atomic_load(&sv->reloads);
	out->reload_failures = atomic_load(&sv->failures);
	out->live_snapshots = atomic_load(&sv->live);
}
