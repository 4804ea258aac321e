/*
 * fg_http: libmicrohttpd daemon, metrics, drain.  See fg_http.h and
 * docs/serve.md.
 *
 * A connection's request goes through the access handler several times:
 * first with the headers (a request context is allocated and the clock
 * started), then once per chunk of body (appended up to FG_SERVE_MAX_BODY;
 * beyond it the rest is read and discarded, so the client still gets its
 * 413), then once more to answer.  The latency recorded is the server's own:
 * first call to the queued response.
 */
#include "fg_http.h"

#include "fg_alloc.h"
#include "fg_error.h"
#include "fg_log.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Status codes counted per endpoint; anything else counts as 500. */
static const int statuses[] = { 200, 400, 404, 405, 413, 422, 500, 503 };
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]))

/* Latency histogram bounds, seconds (Prometheus `le`). */
/* fine below 2.5 ms: the target is a p99 under 2 ms, and the server's own share of it is told apart */
static const double buckets[] = { 0.00005, 0.0001, 0.00015, 0.00025, 0.0005, 0.001, 0.002, 0.0025,
                                  0.005, 0.01, 0.05, 0.25, 1.0 };
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct fg_http {
	struct MHD_Daemon *d;
	fg_serve *sv;
	uint16_t port;
	bool quiet;
	atomic_bool draining;
	atomic_uint open_conns;
	atomic_ullong requests[FG_SERVE_N_EP][N_STATUS];
	atomic_ullong hist[FG_SERVE_N_EP][N_BUCKETS + 1]; /* last: +Inf */
	atomic_ullong lat_ns[FG_SERVE_N_EP];
	double started;
};

typedef struct req {
	double t0;
	char *body;
	size_t len, cap;
	bool too_large;
	size_t seen; /* bytes of body received, kept or not */
} req;

static int status_slot(int status)
{
	for (size_t i = 0; i < N_STATUS; i++)
		if (statuses[i] == status)
			return (int)i;
	return 6; /* 500 */
}

static void record(fg_http *h, int ep, int status, double secs)
{
	size_t b = 0;

	while (b < N_BUCKETS && secs > buckets[b])
		b++;
	atomic_fetch_add(&h->requests[ep][status_slot(status)], 1);
	atomic_fetch_add(&h->hist[ep][b], 1);
	atomic_fetch_add(&h->lat_ns[ep], (unsigned long long)(secs * 1e9));
}

static void metrics_text(fg_http *h, char **out, size_t *len)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);
	const fg_snapshot *s;
	fg_snapshot_info info;
	fg_serve_stats st;
	double now = (double)time(NULL);

	*out = NULL;
	*len = 0;
	if (!f)
		return;
	fprintf(f, "# HELP fraudgraph_requests_total Requests answered, by endpoint and status.\n"
	           "# TYPE fraudgraph_requests_total counter\n");
	for (int e = 0; e < FG_SERVE_N_EP; e++)
		for (size_t i = 0; i < N_STATUS; i++) {
			unsigned long long n = atomic_load(&h->requests[e][i]);

			if (n)
				fprintf(f, "fraudgraph_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n",
				        fg_serve_ep_names[e], statuses[i], n);
		}
	fprintf(f, "# HELP fraudgraph_request_duration_seconds Server time per request, first byte read to answer queued.\n"
	           "# TYPE fraudgraph_request_duration_seconds histogram\n");
	for (int e = 0; e < FG_SERVE_N_EP; e++) {
		unsigned long long cum = 0;

		for (size_t b = 0; b <= N_BUCKETS; b++) {
			cum += atomic_load(&h->hist[e][b]);
			if (b < N_BUCKETS)
				fprintf(f, "fraudgraph_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
				        fg_serve_ep_names[e], buckets[b], cum);
			else
				fprintf(f, "fraudgraph_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
				        fg_serve_ep_names[e], cum);
		}
		fprintf(f, "fraudgraph_request_duration_seconds_sum{endpoint=\"%s\"} %.9f\n",
		        fg_serve_ep_names[e], (double)atomic_load(&h->lat_ns[e]) / 1e9);
		fprintf(f, "fraudgraph_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
		        fg_serve_ep_names[e], cum);
	}
	s = fg_serve_acquire(h->sv);
	fg_snapshot_get_info(&info, s);
	fg_serve_release(h->sv, s);
	fg_serve_get_stats(&st, h->sv);
	fprintf(f, "# HELP fraudgraph_snapshot_run_id Run the answers come from.\n"
	           "# TYPE fraudgraph_snapshot_run_id gauge\nfraudgraph_snapshot_run_id %lld\n",
	        (long long)info.run_id);
	fprintf(f, "# HELP fraudgraph_snapshot_age_seconds Seconds since that run committed.\n"
	           "# TYPE fraudgraph_snapshot_age_seconds gauge\nfraudgraph_snapshot_age_seconds %.0f\n",
	        isnan(info.finished_unix) ? -1.0 : now - info.finished_unix);
	fprintf(f, "# TYPE fraudgraph_snapshot_load_seconds gauge\nfraudgraph_snapshot_load_seconds %.3f\n",
	        info.load_seconds);
	fprintf(f, "# TYPE fraudgraph_snapshot_users gauge\nfraudgraph_snapshot_users %llu\n",
	        (unsigned long long)info.n_users);
	fprintf(f, "# TYPE fraudgraph_snapshot_entities gauge\nfraudgraph_snapshot_entities %llu\n",
	        (unsigned long long)info.n_entities);
	fprintf(f, "# TYPE fraudgraph_snapshot_bytes gauge\nfraudgraph_snapshot_bytes %llu\n",
	        (unsigned long long)info.bytes);
	fprintf(f, "# TYPE fraudgraph_reloads_total counter\nfraudgraph_reloads_total %llu\n",
	        (unsigned long long)st.reloads);
	fprintf(f, "# TYPE fraudgraph_reload_failures_total counter\nfraudgraph_reload_failures_total %llu\n",
	        (unsigned long long)st.reload_failures);
	fprintf(f, "# TYPE fraudgraph_uptime_seconds gauge\nfraudgraph_uptime_seconds %.0f\n",
	        fg_clock() - h->started);
	if (fclose(f) != 0) {
		free(buf);
		return;
	}
	*out = buf;
	*len = sz;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, fg_http *h, int status, char *body,
                                  size_t len, const char *ctype, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	if (allow)
		MHD_add_response_header(resp, "Allow", allow);
	if (atomic_load(&h->draining))
		MHD_add_response_header(resp, "Connection", "close");
	r = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
	fg_http *h = cls;
	req *r = *con_cls;
	fg_serve_reply rep;
	int ep = FG_SERVE_EP_OTHER;
	const fg_snapshot *s;
	enum MHD_Result res;

	(void)version;
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->t0 = fg_clock();
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		r->seen += n;
		if (!r->too_large && r->len + n > FG_SERVE_MAX_BODY) {
			r->too_large = true;
			free(r->body);
			r->body = NULL;
			r->len = r->cap = 0;
		}
		if (!r->too_large) {
			if (r->len + n > r->cap) {
				size_t cap = r->cap ? r->cap : 1024;
				char *p;

				while (cap < r->len + n)
					cap *= 2;
				if (!(p = realloc(r->body, cap)))
					return MHD_NO;
				r->body = p;
				r->cap = cap;
			}
			memcpy(r->body + r->len, upload, n);
			r->len += n;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/metrics")) {
		char *body;
		size_t len;

		ep = FG_SERVE_EP_METRICS;
		if (strcmp(method, "GET") != 0) {
			fg_serve_error_reply(&rep, 405, "method not allowed; use GET");
			rep.allow = "GET";
		} else {
			metrics_text(h, &body, &len);
			if (body) {
				res = send_reply(c, h, 200, body, len, "text/plain; version=0.0.4", NULL);
				record(h, ep, 200, fg_clock() - r->t0);
				return res;
			}
			fg_serve_error_reply(&rep, 500, "out of memory");
		}
	} else if (r->too_large) {
		char msg[96];

		ep = !strcmp(url, "/v1/score") ? FG_SERVE_EP_SCORE : FG_SERVE_EP_OTHER;
		snprintf(msg, sizeof(msg), "request body of %zu bytes over the limit of %u", r->seen,
		         FG_SERVE_MAX_BODY);
		fg_serve_error_reply(&rep, 413, msg);
	} else {
		s = fg_serve_acquire(h->sv);
		fg_serve_answer(&rep, &ep, s, method, url, r->body, r->len);
		fg_serve_release(h->sv, s);
	}
	if (rep.status >= 400 && !h->quiet) {
		/* one line per error: method, path (truncated), status, message; never the body */
		char q[96];
		const char *msg = "";
		if (rep.body) {
			const char *m = strstr(rep.body, "\"message\":\"");

			msg = m ? m + 11 : "";
		}
		fg_log_warn("serve: %d %s %s: %.*s", rep.status, method,
		            fg_error_quote(q, sizeof(q), url, strlen(url)),
		            (int)(strcspn(msg, "\"") < 200 ? strcspn(msg, "\"") : 200), msg);
	}
	if (!rep.body) {
		record(h, ep, 500, fg_clock() - r->t0);
		return MHD_NO;
	}
	res = send_reply(c, h, rep.status, rep.body, rep.len, "application/json", rep.allow);
	record(h, ep, rep.status, fg_clock() - r->t0);
	return res;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_ctx,
                        enum MHD_ConnectionNotificationCode toe)
{
	fg_http *h = cls;

	(void)c;
	(void)socket_ctx;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&h->open_conns, 1);
	else
		atomic_fetch_sub(&h->open_conns, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	fg_http *h = cls;
	char buf[256];

	if (h->quiet)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	fg_log_warn("serve: libmicrohttpd: %s", buf);
}

/* "A.B.C.D:PORT" or "[v6]:PORT" into a socket address. */
static int parse_listen(struct sockaddr_storage *ss, socklen_t *sl, const char *spec)
{
	char host[128];
	const char *colon, *port;
	char *end;
	unsigned long p;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - spec - 1) >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, (size_t)(rb - spec - 1));
		host[rb - spec - 1] = '\0';
		port = rb + 2;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= sizeof(host))
			goto bad;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535)
		goto bad;
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	{
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = htons((uint16_t)p);
			*sl = sizeof(*a4);
			return FG_OK;
		}
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((uint16_t)p);
			*sl = sizeof(*a6);
			return FG_OK;
		}
	}
bad:
	return fg_error_set(FG_EUSAGE, "--listen '%.80s': expected ADDRESS:PORT with a numeric address "
	                    "(127.0.0.1:8080, [::1]:8080, localhost:8080)", spec);
}

int fg_http_start(fg_http **out, fg_serve *sv, const fg_http_opts *o)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	fg_http *h;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	int rc;

	*out = NULL;
	if ((rc = parse_listen(&ss, &sl, o->listen)))
		return rc;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (!(h = fg_calloc(1, sizeof(*h))))
		return fg_error_set(FG_ENOMEM, "out of memory");
	h->sv = sv;
	h->quiet = o->quiet;
	h->started = fg_clock();
	atomic_init(&h->draining, false);
	atomic_init(&h->open_conns, 0);
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, h,
	                        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 0 ? o->threads : 1),
	                        MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	                        MHD_OPTION_NOTIFY_CONNECTION, conn_notify, h,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
	                        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	                        MHD_OPTION_END);
	if (!h->d) {
		fg_free(h);
		return fg_error_set(FG_EIO, "--listen %.80s: cannot listen there (address in use or not local?)",
		                    o->listen);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	*out = h;
	return FG_OK;
}

uint16_t fg_http_port(const fg_http *h)
{
	return h->port;
}

unsigned fg_http_drain(fg_http *h, double timeout_s)
{
	MHD_socket ls;
	double t0 = fg_clock();

	atomic_store(&h->draining, true);
	ls = MHD_quiesce_daemon(h->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	while (atomic_load(&h->open_conns) > 0 && fg_clock() - t0 < timeout_s) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	return atomic_load(&h->open_conns);
}

void fg_http_stop(fg_http **hp)
{
	fg_http *h;

	if (!hp || !(h = *hp))
		return;
	MHD_stop_daemon(h->d);
	fg_free(h);
	*hp = NULL;
}
