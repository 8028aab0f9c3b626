#include "util/secret.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <stddef.h>
#include <termios.h>
#include <unistd.h>

struct secret {
	size_t map_len;   /* whole mapping, header included */
	size_t cap;       /* usable bytes, one kept for the NUL */
	size_t len;
	char data[];
};

static pthread_mutex_t dump_mu = PTHREAD_MUTEX_INITIALIZER;
static int live_secrets;
static int saved_dumpable = -1;

static void dump_guard(int delta)
{
	pthread_mutex_lock(&dump_mu);
	if (delta > 0 && live_secrets++ == 0) {
		saved_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	} else if (delta < 0 && --live_secrets == 0 && saved_dumpable > 0) {
		prctl(PR_SET_DUMPABLE, saved_dumpable, 0, 0, 0);
	}
	pthread_mutex_unlock(&dump_mu);
}

secret *secret_new(size_t cap)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;
	size_t need = sizeof(secret) + cap + 1;
	size_t map_len = (need + ps - 1) / ps * ps;
	void *p = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fputs("quiescent: out of memory\n", stderr);
		abort();
	}
	/* Best effort: an unprivileged RLIMIT_MEMLOCK of 64 KiB still fits a few passwords. */
	(void)mlock(p, map_len);
#ifdef MADV_DONTDUMP
	(void)madvise(p, map_len, MADV_DONTDUMP);
#endif
	secret *sec = p;
	sec->map_len = map_len;
	sec->cap = map_len - sizeof(secret) - 1;
	sec->len = 0;
	dump_guard(1);
	return sec;
}

secret *secret_copy(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	secret *sec = secret_new(n);
	if (n)
		memcpy(sec->data, s, n);
	sec->len = n;
	sec->data[n] = '\0';
	return sec;
}

void secret_release(secret *sec)
{
	if (!sec)
		return;
	size_t map_len = sec->map_len;
	explicit_bzero(sec, map_len);
	munlock(sec, map_len);
	munmap(sec, map_len);
	dump_guard(-1);
}

char *secret_data(secret *sec)
{
	return sec->data;
}

size_t secret_len(const secret *sec)
{
	return sec->len;
}

size_t secret_cap(const secret *sec)
{
	return sec->cap;
}

int secret_add(secret *sec, const char *s)
{
	size_t n = strlen(s);
	if (n > sec->cap - sec->len)
		return -1;
	memcpy(sec->data + sec->len, s, n);
	sec->len += n;
	sec->data[sec->len] = '\0';
	return 0;
}

void secret_truncate(secret *sec, size_t len)
{
	if (len >= sec->len)
		return;
	explicit_bzero(sec->data + len, sec->len - len);
	sec->len = len;
}

static const char *xml_entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&apos;";
	}
	return NULL;
}

size_t secret_xml_escaped_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++) {
		const char *e = xml_entity(*s);
		n += e ? strlen(e) : 1;
	}
	return n;
}

int secret_add_xml(secret *sec, const char *s)
{
	if (secret_xml_escaped_len(s) > sec->cap - sec->len)
		return -1;
	for (; *s; s++) {
		const char *e = xml_entity(*s);
		if (e) {
			size_t n = strlen(e);
			memcpy(sec->data + sec->len, e, n);
			sec->len += n;
		} else {
			sec->data[sec->len++] = *s;
		}
	}
	sec->data[sec->len] = '\0';
	return 0;
}

char *secret_dup(const char *s)
{
	return s ? secret_copy(s)->data : NULL;
}

void secret_free(char *s)
{
	if (s)
		secret_release((secret *)(s - offsetof(secret, data)));
}

/* Echo is off while the prompt waits: Ctrl-C (or a hang-up) then must not leave the terminal
 * silent. The handler puts back the settings from before the prompt, then lets the signal do
 * what it would have done. */
static volatile sig_atomic_t asking_fd = -1;
static struct termios asking_saved;
static const int asking_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
#define N_ASKING_SIGNALS (sizeof asking_signals / sizeof asking_signals[0])

static void restore_then_die(int sig)
{
	if (asking_fd >= 0)
		tcsetattr(asking_fd, TCSANOW, &asking_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

char *secret_prompt(const char *prompt)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct termios old, quiet;
	bool restore = tcgetattr(fd, &old) == 0;
	struct sigaction saved[N_ASKING_SIGNALS];
	bool caught[N_ASKING_SIGNALS] = { false };
	if (restore) {
		asking_saved = old;
		asking_fd = fd;
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = restore_then_die;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < N_ASKING_SIGNALS; i++)   /* one ignored (nohup) stays ignored */
			caught[i] = sigaction(asking_signals[i], NULL, &saved[i]) == 0 &&
				    saved[i].sa_handler != SIG_IGN &&
				    sigaction(asking_signals[i], &sa, NULL) == 0;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy; reading still works */
	}
	char line[1024];
	size_t len = 0;
	bool ok = false;
	while (len < sizeof line - 1) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r <= 0)
			break;
		if (c == '\n' || c == '\r') {
			ok = true;
			break;
		}
		line[len++] = c;
	}
	line[len] = '\0';
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		for (size_t i = 0; i < N_ASKING_SIGNALS; i++)
			if (caught[i])
				sigaction(asking_signals[i], &saved[i], NULL);
		asking_fd = -1;
	}
	if (write(fd, "\n", 1) < 0) {
		/* ignore */
	}
	close(fd);
	char *out = ok ? secret_dup(line) : NULL;
	explicit_bzero(line, sizeof line);
	return out;
}

char *secret_from_env(const char *name)
{
	char *v = getenv(name);
	if (!v)
		return NULL;
	char *out = secret_dup(v);
	explicit_bzero(v, strlen(v));
	unsetenv(name);
	return out;
}
