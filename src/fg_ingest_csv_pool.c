/*
 * fg_ingest_csv_pool: the parallel CSV reader (the algorithm and why it is
 * exact: fg_ingest_csv.c's file comment).  The reading thread cuts the file
 * into chunks at record boundaries by quote parity (find_boundary), worker
 * threads parse and check them into their row buffers (fg_ingest_csv_chunk.c),
 * and the reading thread applies the buffers in chunk order; where a chunk
 * cannot be trusted, the serial reader takes over from its start.
 *
 * Thread-safety: the pool's state is under its mutex; a chunk belongs to the
 * reading thread until published, to one parser until done, then back.
 */
#include "fg_ingest_csv_internal.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/*
 * Small chunks and a deep queue: the reading thread applies chunks in order
 * (interning their rows) and publishes new ones only between two of them, so
 * the workers need enough parsed-ahead work to stay busy meanwhile, and the
 * reading thread's own parsing (while it waits) takes little.  32 chunks of
 * 256 KiB hold the bytes 4 of 2 MiB held (the reader's memory bound, test
 * million_row_stars_read_in_bounded_memory).  2M world, 2 threads, beside
 * another job (load ~2): ingest 7.7-8.0 s with 4 slots of 2 MiB, 5.6 s with
 * 32 of 256 KiB, 4.7-5.4 s with 32 of 512 KiB (which doubles the bytes).
 */
#define CHUNK_DEFAULT ((size_t)256 << 10)
#define SLOTS_MIN 32
#define CHUNK_GROW_MAX 4 /* no boundary within 4 chunks: serial from there */
#define MAX_WORKERS 64

static size_t chunk_forced; /* fg_ingest_csv_set_chunk; 0: FG_INGEST_CHUNK or default */

void fg_ingest_csv_set_chunk(size_t bytes)
{
	chunk_forced = bytes;
}

size_t fg_csv_chunk_size(void)
{
	const char *e;

	if (chunk_forced)
		return chunk_forced;
	e = getenv("FG_INGEST_CHUNK");
	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);

		if (*end == '\0')
			return (size_t)v;
	}
	return CHUNK_DEFAULT;
}

int fg_csv_threads(const fg_config *cfg)
{
	int n = cfg->threads;

	if (n <= 0) {
#ifdef _OPENMP
		n = omp_get_max_threads();
#else
		long k = sysconf(_SC_NPROCESSORS_ONLN);

		n = k > 0 ? (int)k : 1;
#endif
	}
	return n < MAX_WORKERS ? n : MAX_WORKERS;
}

/* 1 or 0: the parity of the number of '"' bytes in s[0..n). */
static unsigned quote_parity(const char *s, size_t n)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
	uint64_t acc = 0;
	unsigned par = 0;
	size_t i = 0;

	/* sparse quotes: memchr; dense ones (past 1 per 256 bytes): the word loop */
	for (;;) {
		const char *q = memchr(s + i, '"', n - i);

		if (!q)
			return par;
		par ^= 1;
		i = (size_t)(q - s) + 1;
		if (++acc > (i >> 8) + 16)
			break;
	}
	acc = 0;
	/* exact per-byte zero test of w ^ '"' (no carries across bytes): 0x80 in
	 * each quote byte; XOR of the masks keeps the parity of their count */
	for (; i + 8 <= n; i += 8) {
		uint64_t w, x, t;

		memcpy(&w, s + i, 8);
		x = w ^ 0x2222222222222222ull;
		t = (x & lo7) + lo7;
		acc ^= ~(t | x | lo7);
	}
	par ^= (unsigned)__builtin_parityll(acc);
	for (; i < n; i++)
		par ^= (s[i] == '"');
	return par;
}

/* Length of the longest prefix of s[0..n) ending with an LF preceded by an
 * even number of quotes (a record boundary when s starts at one); 0 if none. */
static size_t find_boundary(const char *s, size_t n)
{
	unsigned par = quote_parity(s, n);
	size_t end = n;

	while (end > 0) {
		size_t j = end;

		while (j > 0 && s[j - 1] != '\n')
			j--;
		if (j == 0)
			return 0;
		/* s[j - 1] is an LF; quotes in s[j..end) leave the parity of s[0..j) */
		par ^= quote_parity(s + j, end - j);
		if (!par)
			return j;
		end = j - 1;
	}
	return 0;
}

/* How fill_chunk ended the read-ahead. */
enum { STOP_NONE, STOP_SERIAL, STOP_READ, STOP_NOMEM };

/* A parsing thread's own state: check context and reader (header shared). */
typedef struct helper {
	fg_ingest_ctx ctx;
	fg_csv_reader r;
	bool inited, ok;
} helper;

/*
 * The chunks in flight and the workers.  Invariants: n_taken <= n_ready;
 * chunk k is in slots[k % nslots], and the reading thread publishes chunk k
 * only once chunk k - nslots is applied; the mutex and conditions are valid
 * iff sync_ok; tid[0..nt) run until pool_close joins them.
 */
typedef struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* a chunk was published, or stop */
	pthread_cond_t done_cv; /* a chunk was parsed */
	bool sync_ok;
	fg_csv_chunk *slots;
	size_t nslots;
	uint64_t n_ready; /* chunks [0, n_ready) are published */
	uint64_t n_taken; /* the next chunk for a worker */
	bool stop;
	const fg_csv_reader *head; /* the header (colrole, ncols), read-only */
	fg_ingest_mode mode;
	const fg_config *cfg;
	const char *file;
	pthread_t tid[MAX_WORKERS];
	int nt;
	helper help; /* the reading thread's parser state, once it parses a chunk */
} pool;

/* Parse one chunk into its row buffer (worker thread). */
static void parse_chunk(fg_csv_chunk *c, fg_csv_reader *r, bool setup_ok)
{
	struct csv_parser p;

	fg_csv_chunk_clear(c);
	if (!setup_ok || fg_csv_parser_init(&p) != FG_OK) {
		c->err = FG_ENOMEM;
		c->err_kind = FG_CSV_ERR_NOMEM;
		c->err_line = 0;
		return;
	}
	fg_csv_reader_reset(r, 0);
	r->out = c;
	if (fg_csv_reader_feed(r, &p, c->in, c->in_len) == FG_OK && c->last)
		fg_csv_reader_fini(r, &p);
	c->err = r->err;
	c->end_line = r->line;
	c->clean_end = !r->in_record && !r->skip_line && p.pstate == FG_CSV_ROW_NOT_BEGUN;
	csv_free(&p);
}


static void helper_init(helper *h, const pool *P)
{
	memset(h, 0, sizeof(*h));
	h->inited = true;
	h->ok = fg_ingest_ctx_init(&h->ctx, P->mode, P->cfg, NULL, NULL, NULL, NULL, P->file) ==
	                FG_OK &&
	        fg_csv_reader_init(&h->r, &h->ctx, 0) == FG_OK &&
	        fg_ingest_ctx_share_attrs(&h->ctx, P->head->ctx) == FG_OK &&
	        fg_csv_reader_attrs_init(&h->r) == FG_OK;
	h->r.have_header = true;
	h->r.colrole = P->head->colrole; /* shared, read-only; not freed here */
	h->r.hname = P->head->hname;     /* likewise */
	h->r.ncols = P->head->ncols;
}

static void helper_free(helper *h)
{
	if (!h->inited)
		return;
	h->r.colrole = NULL;
	h->r.hname = NULL;
	fg_csv_reader_free(&h->r);
	fg_ingest_ctx_free(&h->ctx);
	h->inited = false;
}

/* Parse chunk k (taken by the caller) and mark it done. */
static void run_chunk(pool *P, helper *h, uint64_t k)
{
	fg_csv_chunk *c = &P->slots[k % P->nslots];

	parse_chunk(c, &h->r, h->ok);
	pthread_mutex_lock(&P->mu);
	c->done_seq = k + 1;
	pthread_cond_broadcast(&P->done_cv);
	pthread_mutex_unlock(&P->mu);
}

static void *worker_main(void *arg)
{
	pool *P = arg;
	helper h;

	fg_csv_set_alloc_cap(P->cfg);
	helper_init(&h, P);
	for (;;) {
		uint64_t k;

		pthread_mutex_lock(&P->mu);
		while (!P->stop && P->n_taken >= P->n_ready)
			pthread_cond_wait(&P->work_cv, &P->mu);
		if (P->stop) {
			pthread_mutex_unlock(&P->mu);
			break;
		}
		k = P->n_taken++;
		pthread_mutex_unlock(&P->mu);
		run_chunk(P, &h, k);
	}
	helper_free(&h);
	return NULL;
}

/*
 * Fill chunk c from file offset *next_off: about `size` bytes (pread, so the
 * bytes after the cut are simply read again for the next chunk), cut at the
 * last boundary; *next_off moves to the cut.  Without a boundary the chunk
 * grows (doubling) up to max(CHUNK_GROW_MAX * size, FG_CSV_BLOCK).  Returns
 * STOP_NONE, or STOP_SERIAL (no boundary within that), STOP_READ (*err_no
 * set), STOP_NOMEM.
 */
static int fill_chunk(fg_csv_chunk *c, int fd, off_t *next_off, size_t size, int *err_no)
{
	size_t len = 0, target = size, cap_max = CHUNK_GROW_MAX * size;

	if (cap_max < FG_CSV_BLOCK)
		cap_max = FG_CSV_BLOCK;
	c->off = *next_off;
	c->last = false;
	for (;;) {
		bool eof = false;
		size_t b;

		if (target > c->in_cap) {
			char *q = fg_realloc(c->in, target);

			if (!q)
				return STOP_NOMEM;
			c->in = q;
			c->in_cap = target;
		}
		while (len < target) {
			ssize_t k = pread(fd, c->in + len, target - len, c->off + (off_t)len);

			if (k < 0) {
				if (errno == EINTR)
					continue;
				*err_no = errno;
				return STOP_READ;
			}
			if (k == 0) {
				eof = true;
				break;
			}
			len += (size_t)k;
		}
		if (eof) {
			c->in_len = len;
			c->last = true;
			*next_off = c->off + (off_t)len;
			return STOP_NONE;
		}
		b = find_boundary(c->in, len);
		if (b) {
			c->in_len = b;
			*next_off = c->off + (off_t)b;
			return STOP_NONE;
		}
		if (target >= cap_max)
			return STOP_SERIAL;
		target = target * 2 < cap_max ? target * 2 : cap_max;
	}
}

/* Where the serial reader takes over: at byte off, physical line `line`
 * (a record boundary), or not at all. */
typedef struct resume {
	bool serial;
	off_t off;
	uint64_t line;
} resume;

/* The pool for nthreads - 1 workers.  FG_OK with P->nt == 0 when no thread
 * could be started (the caller reads serially); FG_ENOMEM. */
static int pool_open(pool *P, const fg_csv_reader *r, int nthreads)
{
	fg_ingest_ctx *ctx = r->ctx;

	P->nslots = 2 * (size_t)nthreads > SLOTS_MIN ? 2 * (size_t)nthreads : SLOTS_MIN;
	if (!(P->slots = fg_calloc(P->nslots, sizeof(*P->slots))))
		return fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
	P->head = r;
	P->mode = ctx->mode;
	P->cfg = ctx->cfg;
	P->file = ctx->file;
	if (pthread_mutex_init(&P->mu, NULL) != 0)
		return FG_OK;
	if (pthread_cond_init(&P->work_cv, NULL) != 0) {
		pthread_mutex_destroy(&P->mu);
		return FG_OK;
	}
	if (pthread_cond_init(&P->done_cv, NULL) != 0) {
		pthread_cond_destroy(&P->work_cv);
		pthread_mutex_destroy(&P->mu);
		return FG_OK;
	}
	P->sync_ok = true;
	for (int i = 0; i < nthreads - 1; i++) {
		if (pthread_create(&P->tid[P->nt], NULL, worker_main, P) != 0)
			break;
		P->nt++;
	}
	return FG_OK;
}

/* Stop and join the workers, free everything; a zeroed pool is fine; idempotent. */
static void pool_close(pool *P)
{
	if (P->nt) {
		pthread_mutex_lock(&P->mu);
		P->stop = true;
		pthread_cond_broadcast(&P->work_cv);
		pthread_mutex_unlock(&P->mu);
		for (int i = 0; i < P->nt; i++)
			pthread_join(P->tid[i], NULL);
		P->nt = 0;
	}
	helper_free(&P->help);
	if (P->sync_ok) {
		pthread_cond_destroy(&P->done_cv);
		pthread_cond_destroy(&P->work_cv);
		pthread_mutex_destroy(&P->mu);
		P->sync_ok = false;
	}
	if (P->slots) {
		for (size_t j = 0; j < P->nslots; j++)
			fg_csv_chunk_free(&P->slots[j]);
		fg_free(P->slots);
		P->slots = NULL;
	}
}

/* Wait until chunk k is parsed, parsing untaken chunks meanwhile rather than
 * wait (a failure to set up for that is recorded in the chunk it parses). */
static void wait_chunk(pool *P, uint64_t k)
{
	const fg_csv_chunk *c = &P->slots[k % P->nslots];

	pthread_mutex_lock(&P->mu);
	while (c->done_seq != k + 1) {
		if (P->n_taken < P->n_ready) {
			uint64_t t = P->n_taken++;

			pthread_mutex_unlock(&P->mu);
			if (!P->help.inited)
				helper_init(&P->help, P);
			run_chunk(P, &P->help, t);
			pthread_mutex_lock(&P->mu);
			continue;
		}
		pthread_cond_wait(&P->done_cv, &P->mu);
	}
	pthread_mutex_unlock(&P->mu);
}

/*
 * The chunks in file order from at->off (line at->line): read ahead while
 * slots are free, wait for each in turn, apply it.  FG_OK with *at where
 * the serial reader must go on (at->serial false: the whole file is done),
 * or the first error (of a chunk, in file order, or of the reading).
 */
static int pool_run(pool *P, fg_csv_reader *r, int fd, size_t size, resume *at)
{
	fg_ingest_ctx *ctx = r->ctx;
	off_t next_off = at->off;
	uint64_t k_read = 0, k_cons = 0;
	int stop = STOP_NONE, err_no = 0, rc;

	for (;;) {
		fg_csv_chunk *c;

		while (stop == STOP_NONE && k_read - k_cons < P->nslots &&
		       (k_read == 0 || !P->slots[(k_read - 1) % P->nslots].last)) {
			c = &P->slots[k_read % P->nslots];
			stop = fill_chunk(c, fd, &next_off, size, &err_no);
			if (stop != STOP_NONE) {
				at->off = c->off;
				break;
			}
			pthread_mutex_lock(&P->mu);
			P->n_ready = ++k_read;
			pthread_cond_signal(&P->work_cv);
			pthread_mutex_unlock(&P->mu);
		}
		if (k_cons == k_read)
			break;
		wait_chunk(P, k_cons);
		c = &P->slots[k_cons % P->nslots];
		if (!c->err && !c->last && !c->clean_end) {
			/* quoting that libcsv reads differently from the parity: the next
			 * chunk started mid-record; re-read from this chunk on */
			stop = STOP_SERIAL;
			at->off = c->off;
			break;
		}
		if ((rc = fg_csv_chunk_deliver(r, ctx, c, at->line)) != FG_OK)
			return rc;
		at->line += c->end_line;
		k_cons++;
	}
	switch (stop) {
	case STOP_READ:
		return fg_error_set(FG_EIO, "%s: read error: %s", ctx->file, strerror(err_no));
	case STOP_NOMEM:
		return fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
	default:
		at->serial = stop == STOP_SERIAL;
		return FG_OK;
	}
}

/* The serial reader from at, in the state of a record boundary. */
static int serial_from(fg_csv_reader *r, struct csv_parser *p, int fd, char *block,
                       const resume *at)
{
	fg_ingest_ctx *ctx = r->ctx;

	if (lseek(fd, at->off, SEEK_SET) < 0)
		return fg_error_set(FG_EIO, "%s: seek error: %s", ctx->file, strerror(errno));
	csv_free(p);
	if (fg_csv_parser_init(p) != FG_OK)
		return fg_error_set(FG_ENOMEM, "%s: out of memory", ctx->file);
	fg_csv_reader_reset(r, at->line);
	fg_csv_set_alloc_cap(ctx->cfg); /* a chunk parsed here may have hit the cap */
	return fg_csv_feed_rest(r, p, fd, block, false);
}

int fg_csv_parallel(bool *from_start, fg_csv_reader *r, struct csv_parser *p, int fd,
                    char *block, size_t size, int nthreads)
{
	pool P;
	resume at = { .serial = true };
	uint64_t data_off = 0;
	bool splits;
	int rc;

	*from_start = false;
	memset(&P, 0, sizeof(P));
	rc = fg_csv_read_header(&data_off, &splits, r, p, fd, block);
	if (rc == FG_EIO || (rc == FG_OK && !splits)) {
		/* nothing applied: the serial reader reads it (and reports a read error) */
		*from_start = true;
		return FG_OK;
	}
	if (rc != FG_OK)
		return rc;
	at.off = (off_t)data_off;
	at.line = r->line;
	if ((rc = pool_open(&P, r, nthreads)) != FG_OK)
		goto cleanup;
	/* no worker could start: the rest serially, from the first chunk */
	if (P.nt > 0 && (rc = pool_run(&P, r, fd, size, &at)) != FG_OK)
		goto cleanup;
	pool_close(&P); /* the chunks' memory back before a serial read */
	if (at.serial)
		rc = serial_from(r, p, fd, block, &at);

cleanup:
	pool_close(&P);
	return rc;
}
