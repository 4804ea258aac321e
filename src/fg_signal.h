/*
 * fg_signal: the process's signal contract around the results' commit point.
 *
 * Exit codes 128+N mean "killed by signal N, nothing of this run stored".  A
 * signal that arrives while the run commits would make that untrue (the
 * commit is on disk, the exit says it is not), so the termination signals a
 * process can catch (SIGTERM, SIGINT, SIGHUP, SIGQUIT) are held from just
 * before the COMMIT (noted by a handler): if the commit fails a noted one is
 * raised again (128+N, nothing stored: true); if it succeeds they are ignored
 * from then on and the run exits 0.  SIGKILL cannot be held: a `kill -9` after the commit
 * point exits 137 with the run stored (docs/operations.md says how to tell).
 *
 * SIGXFSZ (a write past RLIMIT_FSIZE) is ignored from the start, so that the
 * write fails with EFBIG and the run reports a disk-full/file-size error with
 * exit 1 instead of dying silently.
 *
 * Process-wide state: call from the main thread, outside OpenMP regions.
 */
#ifndef FG_SRC_FG_SIGNAL_H
#define FG_SRC_FG_SIGNAL_H

#include <stdbool.h>

/* At start-up: SIGXFSZ ignored. */
void fg_signal_init(void);

/* Just before the commit: hold the catchable termination signals (any thread). */
void fg_signal_commit_enter(void);

/*
 * After the commit: committed -> those signals are ignored for the rest of
 * the process (a noted one is dropped); else their dispositions are restored
 * and a noted one is raised again (the process ends with 128+N).
 */
void fg_signal_commit_leave(bool committed);

#endif
