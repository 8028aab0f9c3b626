#include "tui/msgq.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int msgq_init(msgq *q)
{
	q->head = q->tail = NULL;
	if (pipe(q->fds) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(q->fds[i], F_SETFL, fcntl(q->fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(q->fds[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->taken, NULL);
	q->facts = 0;
	return 0;
}

void msgq_done(msgq *q)
{
	msg *m = msgq_take(q);
	while (m) {
		msg *next = m->next;
		msg_free(m);
		m = next;
	}
	close(q->fds[0]);
	close(q->fds[1]);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->taken);
}

msg *msg_new(msg_kind kind)
{
	msg *m = xcalloc(1, sizeof *m);
	m->kind = kind;
	m->at = time(NULL);
	return m;
}

void msg_free(msg *m)
{
	if (!m)
		return;
	free(m->text);
	free(m->error);
	if (m->data && m->free_data)
		m->free_data(m->data);
	if (m->facts) {
		for (size_t i = 0; i < m->n; i++)
			model_vm_facts_done(&m->facts[i]);
		free(m->facts);
	}
	if (m->verdicts) {
		for (size_t i = 0; i < m->n; i++)
			model_verdict_done(&m->verdicts[i]);
		free(m->verdicts);
	}
	if (m->morefs) {
		for (size_t i = 0; i < m->n; i++)
			free(m->morefs[i]);
		free(m->morefs);
	}
	free(m->probing);
	free(m);
}

void msgq_wake(msgq *q)
{
	int saved = errno;
	ssize_t w = write(q->fds[1], "x", 1);
	(void)w; /* a full pipe already wakes the UI */
	errno = saved;
}

void msgq_post(msgq *q, msg *m)
{
	m->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	if (m->facts)
		q->facts += m->n;
	pthread_mutex_unlock(&q->lock);
	msgq_wake(q);
}

void msgq_log(msgq *q, log_level level, const char *fmt, ...)
{
	msg *m = msg_new(MSG_LOG);
	m->level = level;
	va_list ap;
	va_start(ap, fmt);
	m->text = xvasprintf(fmt, ap);
	va_end(ap);
	msgq_post(q, m);
}

msg *msgq_take(msgq *q)
{
	pthread_mutex_lock(&q->lock);
	msg *m = q->head;
	q->head = q->tail = NULL;
	q->facts = 0;
	pthread_cond_broadcast(&q->taken);
	pthread_mutex_unlock(&q->lock);
	return m;
}

void msgq_wait_facts_below(msgq *q, size_t limit, const atomic_bool *stop)
{
	pthread_mutex_lock(&q->lock);
	while (q->facts >= limit && !atomic_load(stop)) {
		/* woken by a take; a tenth of a second at most, to see *stop */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q->taken, &q->lock, &until);
	}
	pthread_mutex_unlock(&q->lock);
}

void msgq_drain_pipe(msgq *q)
{
	char buf[256];
	while (read(q->fds[0], buf, sizeof buf) > 0)
		;
}
