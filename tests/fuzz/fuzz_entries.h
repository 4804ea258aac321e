/*
 * fuzz_entries: the code each fuzz target runs on one input, shared by the
 * libFuzzer binaries (tests/fuzz/fuzz_*.c, built with -Dfuzzing=true under
 * clang) and the corpus replay suite (tests/test_fuzz_replay.c, an ordinary
 * Check test in every build, so the ASan/UBSan CI build replays the corpus).
 *
 * Each entry writes the input where the reader expects it (a temp file under
 * /dev/shm, or $TMPDIR when /dev/shm is missing: the readers take a path and
 * the API gains nothing for fuzzing), runs the reader under two configs (the
 * defaults, and a tight one: 8-byte fields, 3 bad rows, a time window), and
 * checks the contract of every row handed to the sink (trimmed, non-empty,
 * valid UTF-8 without NUL, within max_field_len, lower-case kind, no relation
 * self link, inside the time window) and of the result (FG_OK, or an FG_E*
 * code with a non-empty message).  The CSV entries read each input twice,
 * with the fast path for quote-free lines and with every line through libcsv
 * (fg_ingest_csv_set_fast), and require the same code, message, rows and bad
 * rows.  A broken contract calls abort(), which
 * libFuzzer reports as a crash and the replay suite as a failed test.
 *
 * Return: FG_OK or the last reader's negative code (informational).
 * Thread-safety: none (one temp file per process and target).
 */
#ifndef FG_TESTS_FUZZ_FUZZ_ENTRIES_H
#define FG_TESTS_FUZZ_FUZZ_ENTRIES_H

#include "fg_error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken contract: say which and abort (libFuzzer's crash, the replay's failed test). */
#define FUZZ_CHECK(cond)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz contract broken: %s (%s:%d); last error: %s\n", \
			        #cond, __FILE__, __LINE__, fg_error_msg());              \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* bytes = a links CSV (user_id,kind,value[,seen_at]) */
int fg_fuzz_csv_links(const uint8_t *data, size_t size);
/* bytes = a users CSV (user_id[,created_at,label]) */
int fg_fuzz_csv_users(const uint8_t *data, size_t size);
/* bytes = a SQLite database file, read with the default edges / users queries */
int fg_fuzz_sqlite_input(const uint8_t *data, size_t size);
/*
 * bytes = the SQL text of --edges-sql / --users-sql against a fixed small
 * valid database; aborts if the database file changes (queries must never write).
 */
int fg_fuzz_sqlite_query(const uint8_t *data, size_t size);

/*
 * bytes = an LDBC Graphalytics graph g: g.properties, "@@\n", g.v, "@@\n", g.e
 * (fewer separators: the later files are missing).
 */
int fg_fuzz_graphalytics(const uint8_t *data, size_t size);

/* bytes = an evaluate truth CSV (user_id and ring_id, label or role) */
int fg_fuzz_truth(const uint8_t *data, size_t size);

/*
 * bytes = a `run --config FILE` file (cli/run_args.c); the entry is in
 * fuzz_config_entry.c, which links the CLI's option parser (the other
 * targets link src/ only).
 */
int fg_fuzz_config(const uint8_t *data, size_t size);
/* Write bytes to this process's temp config file and return its path. */
const char *fg_fuzz_config_file(const uint8_t *data, size_t size);

/* Remove the temp files of this process (the replay suite calls it at the end). */
void fg_fuzz_cleanup(void);

#endif
