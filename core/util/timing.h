/* timing: opt-in phase durations for performance work. With QUIESCENT_TIMING=1 in the
 * environment, timing_mark("phase") prints "timing: phase <ms since the previous mark> ms
 * (<ms since the first>)" to stderr; without it every call is a cheap no-op. Counters
 * (timing_add) accumulate durations that happen in many small pieces (waiting for the network,
 * parsing) and are printed by timing_report. Thread-safe; never used for behaviour. */
#ifndef QUIESCENT_TIMING_H
#define QUIESCENT_TIMING_H

#include <stdbool.h>

typedef enum {
	TIMING_NET_WAIT,   /* request sent -> first response byte */
	TIMING_NET_BODY,   /* first byte -> last byte */
	TIMING_PARSE,      /* time inside the response handler that was not spent waiting */
	TIMING_PARSE_CPU,  /* the same handler's CPU time (its thread's): the wall time above
			    * also counts the time the thread waited for a core */
	TIMING_N
} timing_counter;

bool timing_enabled(void);
/* Monotonic seconds. */
double timing_now(void);
/* CPU seconds the calling thread has used (0 when timing is off: it is a system call). */
double timing_thread_cpu(void);
void timing_mark(const char *phase);
void timing_add(timing_counter c, double seconds);
/* Prints the counters (with `label`) and clears them. */
void timing_report(const char *label);

#endif
