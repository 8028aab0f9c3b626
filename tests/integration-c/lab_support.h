/* lab_support: starting the lab (build/quiescent-lab) for integration tests.
 *
 * lab_start runs the lab with a scenario on 127.0.0.1:0, reads its stdout contract
 * (`URL ...`, `THUMBPRINT ...`, `READY`) and returns once it is ready; lab_stop sends SIGTERM
 * and reaps it. QUIESCENT_LAB overrides the binary's path. A test program starts one lab in its
 * group set-up: when it cannot, the group fails. */
#ifndef QUIESCENT_TEST_LAB_SUPPORT_H
#define QUIESCENT_TEST_LAB_SUPPORT_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct {
	pid_t pid;
	char url[256];
	char thumbprint[128];
	char *scenario_path;  /* the scenario file written for it (removed by lab_stop) */
} lab;

/* Writes `scenario_json` to a temp file and starts the lab on it; waits at most timeout_s for
 * READY. 0, or -1 with the reason on stderr (the lab not built is a failure, never a skip). */
int lab_start(lab *l, const char *scenario_json, int timeout_s);
/* SIGTERM, then waits (SIGKILL after 10 s); removes the scenario file. The exit status or -1. */
int lab_stop(lab *l);

#endif
