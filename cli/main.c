/*
 * fraudgraph: finds fraud rings and collusion in user/account graphs.
 * The command table; each command lives in cmd_<name>.c.
 */
#include "fg_cli.h"

#include "fg_build_config.h"
#include "fg_error.h"
#include "fg_igraph.h"
#include "fg_log.h"
#include "fg_signal.h"
#if FG_HAVE_MPI
#include "fg_mpi.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if FG_HAVE_OPENMP
/*
 * OpenMP threads wait passively (sleep in the kernel) between and at the end
 * of parallel regions, unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT.
 * libgomp's default spins for ~3 ms before sleeping; on a shared machine the
 * spinning thread burns the job's own share of the CPU (each engineer's or
 * service's processes form one scheduling group) while the other thread
 * works: measured on the 500k world at load 10, 2 threads took 17.2 CPU-s
 * and 36.9 s against 11.7 CPU-s and 30.7 s at 1 thread; passive: 14.9 CPU-s
 * and 29.0 s (docs/performance.md).  The loops fork only for >= 20 ms of
 * work (fg_par_pays), so a sleeping thread's wake-up (~0.1 ms) is noise.
 * libgomp reads its environment in its own constructor, before main and
 * before the executable's constructors; the executable's .preinit_array
 * runs before any shared library's initialisers (ELF gABI), hence this.
 */
static void omp_wait_passive(void)
{
	if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT"))
		setenv("OMP_WAIT_POLICY", "passive", 0);
}
__attribute__((section(".preinit_array"), used)) static void (*const fg_preinit)(void) =
	omp_wait_passive;
#endif

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", fg_cmd_run, "the nightly job: ingest, rings, risk, scores, write-back" },
	{ "check", fg_cmd_check, "read the inputs as run would and summarise them; stores nothing" },
	{ "explain", fg_cmd_explain, "why a user is flagged, with the evidence" },
	{ "report", fg_cmd_report, "a run at a glance, and drift against the previous run" },
	{ "evaluate", fg_cmd_evaluate, "detection quality against a truth file" },
	{ "serve", fg_cmd_serve, "answer new accounts against the latest run over HTTP" },
	{ "model", fg_cmd_model, "export a run's learned model (for run --model)" },
	{ "gen", fg_cmd_gen, "generate a synthetic world (edges, users, truth)" },
	{ "graphalytics", fg_cmd_graphalytics, "run a kernel on an LDBC Graphalytics graph" },
};

int fg_cli_fail(int code)
{
	const char *msg = fg_error_msg();

	fg_log_error("%s", msg[0] ? msg : fg_error_name(code));
	return fg_error_exit_code(code);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fraudgraph <command> [options]\n\n"
	           "fraudgraph finds fraud rings and collusion in user/account link graphs.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-13s %s\n", "help", "this text, or `help <command>`");
	fprintf(f, "\n`fraudgraph <command> --help` describes each command.\n"
	           "fraudgraph --version prints the version.\n\n%s", fg_cli_exit_codes);
}

static int main_command(int argc, char **argv);

int main(int argc, char **argv)
{
#if FG_HAVE_MPI
	/* MPI only when launched by mpirun; finalized after the command */
	if (fg_mpi_init(&argc, &argv)) {
		int code = main_command(argc, argv);

		fg_mpi_finalize(code);
		return code;
	}
#endif
	return main_command(argc, argv);
}

static int main_command(int argc, char **argv)
{
	const char *name;

	fg_signal_init();
	if (argc < 2) {
		usage(stderr);
		return FG_EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("fraudgraph %s (OpenMP %s)\n", FG_VERSION, FG_HAVE_OPENMP ? "on" : "off");
		return FG_EXIT_OK;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		if (!strcmp(name, "help") && argc >= 3) {
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
				if (!strcmp(commands[i].name, argv[2])) {
					char *hargv[] = { argv[2], "--help", NULL };
					return commands[i].fn(2, hargv);
				}
			}
			fprintf(stderr, "fraudgraph: unknown command '%s'\n", argv[2]);
			return FG_EXIT_USAGE;
		}
		usage(stdout);
		return FG_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(commands[i].name, name)) {
			fg_igraph_init();
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "fraudgraph: unknown command '%s' (see fraudgraph --help)\n", name);
	return FG_EXIT_USAGE;
}
