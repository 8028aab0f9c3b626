#include "util/timing.h"
#include "util/monoclock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool enabled;
static double first, last;
static double counters[TIMING_N];

static void init_once(void)
{
	const char *v = getenv("QUIESCENT_TIMING");
	enabled = v && *v && strcmp(v, "0") != 0;
}

bool timing_enabled(void)
{
	pthread_once(&once, init_once);
	return enabled;
}

double timing_now(void)
{
	return monoclock_now();
}

double timing_thread_cpu(void)
{
	struct timespec ts;
	if (!timing_enabled() || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void timing_mark(const char *phase)
{
	if (!timing_enabled())
		return;
	double now = timing_now();
	pthread_mutex_lock(&mu);
	if (first == 0)
		first = last = now;
	fprintf(stderr, "timing: %-22s %8.1f ms (%8.1f)\n", phase, (now - last) * 1e3,
		(now - first) * 1e3);
	last = now;
	pthread_mutex_unlock(&mu);
}

void timing_add(timing_counter c, double seconds)
{
	if (!timing_enabled())
		return;
	pthread_mutex_lock(&mu);
	counters[c] += seconds;
	pthread_mutex_unlock(&mu);
}

void timing_report(const char *label)
{
	if (!timing_enabled())
		return;
	static const char *const names[TIMING_N] = { "net wait", "net body", "parse",
							 "parse cpu" };
	pthread_mutex_lock(&mu);
	for (int i = 0; i < TIMING_N; i++) {
		fprintf(stderr, "timing:   %s %-12s %8.1f ms\n", label, names[i], counters[i] * 1e3);
		counters[i] = 0;
	}
	pthread_mutex_unlock(&mu);
}
