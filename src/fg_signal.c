#include "fg_signal.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>

static const int term_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
#define N_TERM ((int)(sizeof(term_signals) / sizeof(term_signals[0])))

/*
 * Held with a handler that notes the signal, not with sigprocmask: the mask
 * is per thread, and a process-directed signal would go to an OpenMP worker
 * that does not block it.  Dispositions are process-wide.
 */
static volatile sig_atomic_t pending;
static struct sigaction saved[N_TERM];
static int holding;

static void note_signal(int sig)
{
	if (!pending)
		pending = sig;
}

void fg_signal_init(void)
{
	signal(SIGXFSZ, SIG_IGN);
}

void fg_signal_commit_enter(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = note_signal;
	sigemptyset(&sa.sa_mask);
	pending = 0;
	for (int i = 0; i < N_TERM; i++)
		sigaction(term_signals[i], &sa, &saved[i]);
	holding = 1;
}

void fg_signal_commit_leave(bool committed)
{
	int sig = pending;

	if (!holding)
		return;
	holding = 0;
	if (committed) {
		/* the run is stored: a termination request from now on changes nothing */
		for (int i = 0; i < N_TERM; i++)
			signal(term_signals[i], SIG_IGN);
		return;
	}
	for (int i = 0; i < N_TERM; i++)
		sigaction(term_signals[i], &saved[i], NULL);
	if (sig)
		raise(sig); /* as if it had arrived now: 128+N, nothing stored */
}
