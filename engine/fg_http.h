/*
 * fg_http: the HTTP face of fraudgraph serve, on libmicrohttpd (thread pool,
 * epoll, internal polling threads).  Requests are routed to fg_serve_answer
 * on a reference to the current snapshot; this layer owns the body limit
 * (413), the per-endpoint counters and latency histogram of /metrics, the
 * one log line per error (never the body), and the drain on shutdown.
 *
 * Thread-safety: fg_http_start / fg_http_drain / fg_http_stop from one
 * thread; the daemon's threads run the handlers.
 */
#ifndef FG_ENGINE_FG_HTTP_H
#define FG_ENGINE_FG_HTTP_H

#include "fg_serve.h"

#include <stdint.h>

typedef struct fg_http fg_http;

typedef struct fg_http_opts {
	const char *listen; /* "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6); port 0: any free port */
	int threads;        /* thread pool size, >= 1 */
	bool quiet;         /* no error lines on stderr (tests of bad input) */
} fg_http_opts;

/*
 * Parse o->listen and start serving sv (which must outlive the daemon).
 * FG_EUSAGE for a bad address, FG_EIO if the address cannot be bound.
 */
int fg_http_start(fg_http **out, fg_serve *sv, const fg_http_opts *o);

/* The bound port (the real one when listen asked for port 0). */
uint16_t fg_http_port(const fg_http *h);

/*
 * Stop accepting connections and wait until the open ones are done (answers
 * in flight are sent; idle keep-alive connections get up to timeout_s).
 * Returns the connections still open at the timeout (0: drained).
 */
unsigned fg_http_drain(fg_http *h, double timeout_s);

/* Stop the daemon (closing whatever is left) and free; NULL-safe. */
void fg_http_stop(fg_http **h);

#endif
