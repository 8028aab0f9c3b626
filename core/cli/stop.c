/* One safe way of being stopped for fix and snaptest: see stop.h. */
#include "cli/stop.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Set by the handlers and by any thread that lost its output, read by every worker: atomics,
 * not volatile sig_atomic_t, which is safe only within one thread (TSan: a data race between
 * on_signal and fix's workers). A lock-free atomic int may be used in a handler. */
static atomic_int level;
static atomic_int why;
static int wake[2] = { -1, -1 };
static pthread_t reporter;
static bool reporter_running;
static cli_stop_messages msgs;

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_STOP_SIGNALS (sizeof stop_signals / sizeof stop_signals[0])
static struct sigaction saved[N_STOP_SIGNALS];
static bool installed[N_STOP_SIGNALS];

static void raise_level(int to, cli_stop_reason r)
{
	/* Never lowered: a Ctrl-C (1) racing a lost output (2) on another thread keeps 2. */
	int now = atomic_load(&level);
	while (now < to && !atomic_compare_exchange_weak(&level, &now, to))
		;
	if (atomic_load(&why) == CLI_STOP_NONE || r != CLI_STOP_SIGINT)
		atomic_store(&why, (int)r);
	if (wake[1] >= 0) {
		char b = 's';
		ssize_t n = write(wake[1], &b, 1);   /* full pipe: the reporter is behind anyway */
		(void)n;
	}
}

static void on_signal(int sig)
{
	int saved_errno = errno;
	if (sig == SIGINT) {
		int now = atomic_load(&level);
		raise_level(now < 2 ? now + 1 : 2, CLI_STOP_SIGINT);
	} else
		raise_level(2, sig == SIGTERM ? CLI_STOP_SIGTERM : CLI_STOP_SIGHUP);
	errno = saved_errno;
}

static void *report(void *arg)
{
	(void)arg;
	int said = 0;
	for (;;) {
		char b;
		ssize_t n = read(wake[0], &b, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || b == 'q')
			return NULL;
		int now = atomic_load(&level);
		if (now <= said)
			continue;
		said = now;
		const char *m = now >= 2 ? msgs.at_level2 : msgs.at_level1;
		if (m) {
			int w = fprintf(stderr, "\n%s: %s: %s\n", msgs.cmd, cli_stop_reason_name(cli_stop_why()), m);
			cli_stop_check_write(stderr, w < 0);
		}
	}
}

void cli_stop_ignore_sigpipe(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

void cli_stop_install(const cli_stop_messages *m)
{
	msgs = *m;
	atomic_store(&level, 0);
	atomic_store(&why, (int)CLI_STOP_NONE);
	cli_stop_ignore_sigpipe();
	if (pipe(wake) == 0) {
		for (int i = 0; i < 2; i++)
			fcntl(wake[i], F_SETFD, FD_CLOEXEC);
		fcntl(wake[1], F_SETFL, O_NONBLOCK);
		reporter_running = pthread_create(&reporter, NULL, report, NULL) == 0;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a question waiting on the terminal gives up on a stop. */
	for (size_t i = 0; i < N_STOP_SIGNALS; i++) {
		installed[i] = false;
		if (sigaction(stop_signals[i], NULL, &saved[i]) < 0 || saved[i].sa_handler == SIG_IGN)
			continue;   /* nohup: a hang-up is not a stop */
		installed[i] = sigaction(stop_signals[i], &sa, NULL) == 0;
	}
}

void cli_stop_uninstall(void)
{
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		if (installed[i])
			sigaction(stop_signals[i], &saved[i], NULL);
	if (reporter_running) {
		char b = 'q';
		ssize_t n = write(wake[1], &b, 1);
		(void)n;
		pthread_join(reporter, NULL);
		reporter_running = false;
	}
	for (int i = 0; i < 2; i++) {
		if (wake[i] >= 0)
			close(wake[i]);
		wake[i] = -1;
	}
}

atomic_int *cli_stop_level(void)
{
	return &level;
}

cli_stop_reason cli_stop_why(void)
{
	return (cli_stop_reason)atomic_load(&why);
}

const char *cli_stop_reason_name(cli_stop_reason r)
{
	switch (r) {
	case CLI_STOP_SIGINT: return "Ctrl-C";
	case CLI_STOP_SIGTERM: return "SIGTERM";
	case CLI_STOP_SIGHUP: return "SIGHUP (the terminal went away)";
	case CLI_STOP_OUTPUT_LOST: return "the output was closed";
	default: return "not stopped";
	}
}

int cli_stop_check_write(FILE *f, int failed)
{
	if (failed && (errno == EPIPE || errno == EIO)) {
		clearerr(f);
		raise_level(2, CLI_STOP_OUTPUT_LOST);
	}
	return failed;
}
