#include "lab_support.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *lab_binary(void)
{
	static const char *const candidates[] = { "build/quiescent-lab", "../build/quiescent-lab",
						  "../../build/quiescent-lab" };
	const char *env = getenv("QUIESCENT_LAB");
	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

static char *write_scenario(const char *json)
{
	char tmpl[] = "/tmp/quiescent-scenario-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0)
		return NULL;
	size_t n = strlen(json);
	if (write(fd, json, n) != (ssize_t)n) {
		close(fd);
		unlink(tmpl);
		return NULL;
	}
	close(fd);
	return strdup(tmpl);
}

int lab_start(lab *l, const char *scenario_json, int timeout_s)
{
	memset(l, 0, sizeof *l);
	const char *bin = lab_binary();
	if (!bin) {
		fprintf(stderr, "lab: build/quiescent-lab is not built (make build/quiescent-lab, "
			"or set QUIESCENT_LAB)\n");
		return -1;
	}
	l->scenario_path = write_scenario(scenario_json);
	if (!l->scenario_path) {
		fprintf(stderr, "lab: cannot write the scenario: %s\n", strerror(errno));
		return -1;
	}
	int out[2];
	if (pipe(out) < 0) {
		lab_stop(l);
		return -1;
	}
	const char *argv[] = { bin, "--scenario", l->scenario_path, "--listen", "127.0.0.1:0", NULL };
	pid_t pid = fork();
	if (pid < 0) {
		close(out[0]);
		close(out[1]);
		lab_stop(l);
		return -1;
	}
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	l->pid = pid;
	char buf[4096];
	size_t len = 0;
	bool ready = false;
	time_t deadline = time(NULL) + timeout_s;
	while (!ready && time(NULL) < deadline && len + 1 < sizeof buf) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = read(out[0], buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		ready = strstr(buf, "\nREADY\n") || strncmp(buf, "READY\n", 6) == 0;
	}
	close(out[0]);   /* the lab prints nothing more on stdout */
	if (!ready) {
		fprintf(stderr, "lab: no READY from %s within %d s\n", bin, timeout_s);
		lab_stop(l);
		return -1;
	}
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "URL ", 4) == 0)
			snprintf(l->url, sizeof l->url, "%s", line + 4);
		else if (strncmp(line, "THUMBPRINT ", 11) == 0)
			snprintf(l->thumbprint, sizeof l->thumbprint, "%s", line + 11);
	}
	if (!l->url[0]) {
		fprintf(stderr, "lab: no URL line\n");
		lab_stop(l);
		return -1;
	}
	return 0;
}

static void remove_scenario(lab *l)
{
	if (l->scenario_path) {
		unlink(l->scenario_path);
		free(l->scenario_path);
		l->scenario_path = NULL;
	}
}

int lab_stop(lab *l)
{
	remove_scenario(l);
	if (l->pid <= 0)
		return -1;
	kill(l->pid, SIGTERM);
	int status = 0;
	for (int i = 0; i < 100; i++) {
		pid_t r = waitpid(l->pid, &status, WNOHANG);
		if (r == l->pid) {
			l->pid = 0;
			return status;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(l->pid, SIGKILL);
	waitpid(l->pid, &status, 0);
	l->pid = 0;
	return -1;
}
