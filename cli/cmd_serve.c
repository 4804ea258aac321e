/*
 * fraudgraph serve: answer new accounts against the latest run over HTTP
 * (docs/serve.md).  Options, start, wait for SIGTERM/SIGINT, drain, stop;
 * the snapshot and answers are engine/fg_serve*.c (fg_serve_internal.h), HTTP engine/fg_http.c.
 *
 * Signals are blocked before any thread starts (the daemon's and the
 * watcher's threads inherit the mask), and the main thread takes them with
 * sigwait: no handler runs inside a request.
 */
#include "fg_cli.h"

#include "fg_error.h"
#include "fg_http.h"
#include "fg_log.h"
#include "fg_opt.h"
#include "fg_serve.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { OPT_DB = 1, OPT_LISTEN, OPT_THREADS, OPT_RELOAD, OPT_PORT_FILE, OPT_DRAIN, OPT_QUIET, OPT_NO_MODEL };

static const fg_opt_spec opts[] = {
	{ FG_OPT_VALUE, "db", OPT_DB, "FILE", "the results database (read-only)", NULL },
	{ FG_OPT_VALUE, "listen", OPT_LISTEN, "ADDR:PORT", "address to listen on; port 0 picks a free one",
	  "127.0.0.1:8080" },
	{ FG_OPT_VALUE, "threads", OPT_THREADS, "N", "HTTP worker threads", "2" },
	{ FG_OPT_VALUE, "reload-ms", OPT_RELOAD, "MS",
	  "how often to look for a newer committed run (0: never)", "1000" },
	{ FG_OPT_VALUE, "port-file", OPT_PORT_FILE, "FILE", "write the bound port there once listening", NULL },
	{ FG_OPT_VALUE, "drain-s", OPT_DRAIN, "S", "on SIGTERM, seconds to let open connections finish", "5" },
	{ FG_OPT_SWITCH, "quiet", OPT_QUIET, NULL, "no log line per bad request", NULL },
	{ FG_OPT_SWITCH, "no-model", OPT_NO_MODEL, NULL,
	  "answer with the rule scores even where the run has a learned model", NULL },
	{ FG_OPT_END, NULL, 0, NULL, NULL, NULL },
};

static void help(FILE *f)
{
	fg_opt_help(f,
	        "usage: fraudgraph serve --db RESULTS.db [--listen 127.0.0.1:8080] [--threads N]",
	        "Load the latest committed run into memory and answer over HTTP:\n"
	        "POST /v1/score (a new account's entities and links), GET /v1/users/{id},\n"
	        "GET /v1/rings/{key}, GET /v1/entities/{kind}/{value}, GET /healthz,\n"
	        "GET /metrics.  A newer run is loaded beside the old one and swapped in.\n"
	        "SIGTERM or SIGINT drains and exits 0.  docs/serve.md has every answer.",
	        opts);
}

int fg_cmd_serve(int argc, char **argv)
{
	fg_serve_opts so = { NULL, 1000, false };
	fg_http_opts ho = { "127.0.0.1:8080", 2, false };
	const char *port_file = NULL;
	double drain_s = 5.0;
	fg_opt_parser p;
	fg_serve *sv = NULL;
	fg_http *h = NULL;
	fg_snapshot_info info;
	const fg_snapshot *s;
	sigset_t set;
	int rc, sig = 0;

	fg_opt_init(&p, "serve", opts, argc, argv);
	while ((rc = fg_opt_next(&p)) > 0) {
		switch (p.id) {
		case OPT_DB: so.db_path = p.value; break;
		case OPT_LISTEN: ho.listen = p.value; break;
		case OPT_THREADS: rc = fg_opt_int(&ho.threads, &p, 1, 1024); break;
		case OPT_RELOAD: rc = fg_opt_int(&so.reload_ms, &p, 0, 86400000); break;
		case OPT_PORT_FILE: port_file = p.value; break;
		case OPT_DRAIN: rc = fg_opt_double(&drain_s, &p, 0, 3600); break;
		case OPT_QUIET: ho.quiet = true; break;
		case OPT_NO_MODEL: so.no_model = true; break;
		case FG_OPT_HELP: help(stdout); return FG_EXIT_OK;
		default:
			rc = fg_error_set(FG_EUSAGE, "serve: unexpected argument '%s'", p.value);
			break;
		}
		if (rc < 0)
			return fg_cli_fail(rc);
	}
	if (rc < 0)
		return fg_cli_fail(rc);
	if (!so.db_path)
		return fg_cli_fail(fg_error_set(FG_EUSAGE, "serve: --db is required (see fraudgraph serve --help)"));

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = fg_serve_open(&sv, &so)))
		goto fail;
	if ((rc = fg_http_start(&h, sv, &ho)))
		goto fail;
	s = fg_serve_acquire(sv);
	fg_snapshot_get_info(&info, s);
	fg_serve_release(sv, s);
	fg_log_info("serve: listening on %s (port %u), run %lld: %llu users, %llu entities, %llu rings; "
	            "snapshot %.1f MiB, loaded in %.2f s",
	            ho.listen, fg_http_port(h), (long long)info.run_id, (unsigned long long)info.n_users,
	            (unsigned long long)info.n_entities, (unsigned long long)info.n_rings,
	            (double)info.bytes / 1048576.0, info.load_seconds);
	fg_log_info("serve: model %s", info.model_status);
	if (port_file) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		if (!(f = fopen(tmp, "w")) || fprintf(f, "%u\n", fg_http_port(h)) < 0 || fclose(f) != 0 ||
		    rename(tmp, port_file) != 0) {
			rc = fg_error_set(FG_EIO, "--port-file %s: cannot write it", port_file);
			goto fail;
		}
	}
	while (sigwait(&set, &sig) != 0)
		;
	fg_log_info("serve: %s: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	{
		unsigned left = fg_http_drain(h, drain_s);

		if (left)
			fg_log_warn("serve: %u connections still open after %.1f s, closing them", left, drain_s);
	}
	fg_http_stop(&h);
	fg_serve_close(&sv);
	fg_log_info("serve: stopped");
	return FG_EXIT_OK;
fail:
	fg_http_stop(&h);
	fg_serve_close(&sv);
	return fg_cli_fail(rc);
}
