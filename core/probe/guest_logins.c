#include "probe/guest_logins.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/secret.h"
#include "util/xalloc.h"

extern char **environ;

#define MAX_SECRET_OUTPUT 4096   /* what a password command may print */

typedef struct {
	char *match;      /* name glob, or a folder path starting with '/' */
	char *user;
	char *source;     /* "env:NAME", "prompt", "command:PROGRAM ARGS" */
	char *password;   /* secret memory once resolved */
	int line;
} rule;

struct guest_logins {
	rule *rules;
	size_t n;
	char *path;
};

/* Next whitespace-separated word of *p (in place), or NULL. */
static char *word(char **p)
{
	char *s = *p + strspn(*p, " \t");
	if (!*s)
		return NULL;
	char *e = s + strcspn(s, " \t");
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static bool known_source(const char *s)
{
	return (!strncmp(s, "env:", 4) && s[4]) || !strcmp(s, "prompt") ||
	       (!strncmp(s, "command:", 8) && s[8 + strspn(s + 8, " \t")]);
}

guest_logins *guest_logins_load(const char *path, char *msg, size_t n)
{
	msg[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			snprintf(msg, n, "cannot read the guest logins file %s: %s", path, strerror(errno));
		return NULL;
	}
	guest_logins *m = xcalloc(1, sizeof *m);
	m->path = xstrdup(path);
	size_t cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	int no = 0;
	bool bad = false;
	while (!bad && getline(&line, &lcap, f) >= 0) {
		no++;
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line;
		char *match = word(&p);
		if (!match || *match == '#')
			continue;
		char *user = word(&p);
		char *rest = p + strspn(p, " \t");
		/* Trailing blanks are not part of a command. */
		size_t len = strlen(rest);
		while (len && isspace((unsigned char)rest[len - 1]))
			rest[--len] = '\0';
		if (!user || !*rest) {
			snprintf(msg, n, "%s line %d: write MATCH USER PASSWORD-FROM (env:NAME, prompt or "
				 "command:PROGRAM ARGS)", path, no);
			bad = true;
		} else if (!known_source(rest)) {
			/* Whatever it is, it is not repeated: it may be a password typed in by mistake. */
			snprintf(msg, n, "%s line %d: the password must come from env:NAME, prompt or "
				 "command:PROGRAM ARGS, never from this file", path, no);
			bad = true;
		} else {
			m->rules = xgrow(m->rules, &cap, m->n + 1, sizeof *m->rules);
			m->rules[m->n++] = (rule){ .match = xstrdup(match), .user = xstrdup(user),
						   .source = xstrdup(rest), .line = no };
		}
	}
	if (line)
		explicit_bzero(line, lcap);
	free(line);
	if (!bad && ferror(f)) {
		snprintf(msg, n, "cannot read the guest logins file %s", path);
		bad = true;
	}
	fclose(f);
	if (bad) {
		guest_logins_free(m);
		return NULL;
	}
	return m;
}

/* Runs argv (no shell) with stdin from /dev/null and returns the first line it printed, in
 * secret memory; NULL with msg. */
static char *run_command(char *cmdline, const char *path, int line, char *msg, size_t n)
{
	char *argv[32];
	int argc = 0;
	char *p = cmdline;
	char *w;
	while (argc < 31 && (w = word(&p)))
		argv[argc++] = w;
	argv[argc] = NULL;
	if (!argc) {
		snprintf(msg, n, "%s line %d: command: names no program", path, line);
		return NULL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(msg, n, "%s line %d: cannot run %s: %s", path, line, argv[0], strerror(errno));
		return NULL;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		snprintf(msg, n, "%s line %d: cannot run %s: %s", path, line, argv[0], strerror(rc));
		return NULL;
	}
	secret *out = secret_new(MAX_SECRET_OUTPUT);
	char *buf = secret_data(out);
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fds[0], buf + got, MAX_SECRET_OUTPUT - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == MAX_SECRET_OUTPUT) {
			char sink[256];   /* the rest is drained so the child never blocks */
			while (read(fds[0], sink, sizeof sink) > 0)
				;
			explicit_bzero(sink, sizeof sink);
			break;
		}
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[got < MAX_SECRET_OUTPUT ? got : MAX_SECRET_OUTPUT - 1] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !*buf) {
		snprintf(msg, n, "%s line %d: %s %s", path, line, argv[0],
			 !WIFEXITED(status) || WEXITSTATUS(status) != 0 ? "failed (no password read)"
									: "printed no password");
		secret_release(out);
		return NULL;
	}
	char *pw = secret_dup(buf);
	secret_release(out);
	return pw;
}

int guest_logins_resolve(guest_logins *m, char *msg, size_t n)
{
	for (size_t i = 0; i < m->n; i++) {
		rule *r = &m->rules[i];
		if (r->password)
			continue;
		/* One source read once: the same source on several lines gives the same password. */
		for (size_t k = 0; k < i && !r->password; k++)
			if (!strcmp(m->rules[k].source, r->source) && m->rules[k].password)
				r->password = secret_dup(m->rules[k].password);
		if (r->password)
			continue;
		if (!strncmp(r->source, "env:", 4)) {
			r->password = secret_from_env(r->source + 4);
			if (!r->password) {
				snprintf(msg, n, "%s line %d: %s is not set", m->path, r->line, r->source + 4);
				return -1;
			}
		} else if (!strcmp(r->source, "prompt")) {
			char prompt[300];
			snprintf(prompt, sizeof prompt, "Guest password for %s (%s): ", r->user, r->match);
			r->password = secret_prompt(prompt);
			if (!r->password) {
				snprintf(msg, n, "%s line %d: no terminal to ask the password of %s on",
					 m->path, r->line, r->user);
				return -1;
			}
		} else {
			char *cmd = xstrdup(r->source + 8);
			r->password = run_command(cmd, m->path, r->line, msg, n);
			free(cmd);
			if (!r->password)
				return -1;
		}
	}
	return 0;
}

static bool folder_matches(const char *pattern, const char *folder)
{
	if (!folder)
		return false;
	size_t n = strlen(pattern);
	while (n > 1 && pattern[n - 1] == '/')
		n--;
	char *pat = xstrndup(pattern, n);
	/* The folder itself or anything below it. */
	bool ok = fnmatch(pat, folder, 0) == 0;
	if (!ok) {
		char *below = xasprintf("%s/*", pat);
		ok = fnmatch(below, folder, 0) == 0;
		free(below);
	}
	free(pat);
	return ok;
}

const char *guest_logins_for(const guest_logins *m, const vm_facts *f, const char **password)
{
	for (size_t i = 0; m && i < m->n; i++) {
		const rule *r = &m->rules[i];
		bool hit = r->match[0] == '/' ? folder_matches(r->match, f->folder)
					      : f->name && fnmatch(r->match, f->name, 0) == 0;
		if (hit && r->password) {
			*password = r->password;
			return r->user;
		}
	}
	return NULL;
}

size_t guest_logins_count(const guest_logins *m)
{
	return m ? m->n : 0;
}

void guest_logins_free(guest_logins *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->rules[i].match);
		free(m->rules[i].user);
		free(m->rules[i].source);
		secret_free(m->rules[i].password);
	}
	free(m->rules);
	free(m->path);
	free(m);
}
