/* lab_support: starting the lab (build/quiescent-lab) for integration tests.
 *
 * lab_start runs the lab with a scenario file on 127.0.0.1:0, reads its stdout contract
 * (`URL ...`, `THUMBPRINT ...`, `READY`) and returns once it is ready; lab_stop sends SIGTERM
 * and reaps it. QUIESCENT_LAB overrides the binary's path (a stock-vcsim stand-in during
 * development). */
#ifndef QUIESCENT_TEST_LAB_SUPPORT_H
#define QUIESCENT_TEST_LAB_SUPPORT_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
	pid_t pid;
	char url[256];
	char thumbprint[128];
} lab;

/* The lab binary's path, or NULL (with the reason printed once) when it is not built. */
const char *lab_binary(void);
/* Starts the lab on `scenario_path` (extra args may be NULL-terminated list or NULL). Waits at
 * most timeout_s for READY. 0, or -1 with the reason on stderr. */
int lab_start(lab *l, const char *scenario_path, const char *const *extra_args, int timeout_s);
/* SIGTERM, then waits (SIGKILL after 10 s). Returns the exit status or -1. */
int lab_stop(lab *l);
/* Writes `json` to a fresh temp file; returns its malloc'ed path (unlink + free it). */
char *lab_write_scenario(const char *json);

#endif
