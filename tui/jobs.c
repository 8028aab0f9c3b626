#include "tui/jobs.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
	pthread_t thread;
	int id;
	msgq *q;
	vs_session *session;
	vs_conn *conn;
	atomic_bool cancel;
	unsigned flags;
	atomic_int stop;              /* JOB_SOFT_CANCEL: 0, 1, 2; read by the job's workers */
	bool failed;
	job_fn fn;
	void *arg;
	void (*free_arg)(void *);
	int done, total;
};

static void post_task(job *j, task_state st, const char *what, const char *error, bool finished)
{
	msg *m = msg_new(MSG_TASK);
	m->task_id = j->id;
	m->state = st;
	m->done = j->done;
	m->total = j->total;
	m->text = xstrdup(what);
	m->error = xstrdup(error);
	m->finished = finished;
	msgq_post(j->q, m);
}

static void *run(void *p)
{
	job *j = p;
	j->fn(j, j->arg);
	task_state st = atomic_load(&j->cancel) ? TASK_CANCELLED : j->failed ? TASK_FAILED : TASK_DONE;
	vs_conn_free(j->conn);
	j->conn = NULL;
	if (j->free_arg)
		j->free_arg(j->arg);
	post_task(j, st, NULL, NULL, true);
	return NULL;
}

int job_start(ui *u, const char *title, const char *vm, job_fn fn, void *arg, void (*free_arg)(void *))
{
	return job_start_flags(u, title, vm, 0, fn, arg, free_arg);
}

int ui_task_add(ui *u, const char *title, const char *vm, task_state st)
{
	u->tasks = xgrow(u->tasks, &u->cap_tasks, u->n_tasks + 1, sizeof *u->tasks);
	ui_task *t = &u->tasks[u->n_tasks++];
	memset(t, 0, sizeof *t);
	t->id = ++u->next_task_id;
	t->title = xstrdup(title);
	t->vm = xstrdup(vm);
	t->state = st;
	t->started = time(NULL);
	u->dirty = true;
	return t->id;
}

int job_start_flags(ui *u, const char *title, const char *vm, unsigned flags, job_fn fn, void *arg,
		    void (*free_arg)(void *))
{
	return job_start_on(u, u->session, title, vm, flags, fn, arg, free_arg);
}

int job_start_on(ui *u, vs_session *session, const char *title, const char *vm, unsigned flags,
		 job_fn fn, void *arg, void (*free_arg)(void *))
{
	if (!session && !(flags & JOB_QUIET)) {
		ui_message(u, LOG_ERROR, "%s: not connected (try :connect)", title);
		if (free_arg)
			free_arg(arg);
		return -1;
	}
	job *j = xcalloc(1, sizeof *j);
	j->id = ++u->next_task_id;
	j->q = &u->q;
	j->session = session;
	j->fn = fn;
	j->arg = arg;
	j->free_arg = free_arg;
	j->flags = flags;
	atomic_init(&j->cancel, false);
	atomic_init(&j->stop, 0);
	u->tasks = xgrow(u->tasks, &u->cap_tasks, u->n_tasks + 1, sizeof *u->tasks);
	ui_task *t = &u->tasks[u->n_tasks++];
	memset(t, 0, sizeof *t);
	t->id = j->id;
	t->title = xstrdup(title);
	t->vm = xstrdup(vm);
	t->state = TASK_RUNNING;
	t->started = time(NULL);
	t->job = j;
	t->quiet = flags & JOB_QUIET;
	if (pthread_create(&j->thread, NULL, run, j) != 0) {
		t->state = TASK_FAILED;
		t->error = xstrdup("could not start a thread");
		t->job = NULL;
		t->ended = time(NULL);
		if (free_arg)
			free_arg(arg);
		free(j);
		ui_message(u, LOG_ERROR, "%s: could not start a thread", title);
		return -1;
	}
	return t->id;
}

void job_cancel(ui *u, job *j)
{
	atomic_store(&j->cancel, true);
	if (j->flags & JOB_SOFT_CANCEL) {
		if (j->stop < 2)
			j->stop = j->stop + 1;
		return;
	}
	if (j->session)
		vs_session_cancel(j->session);
}

bool job_changes_vms(const job *j)
{
	return j->flags & JOB_SOFT_CANCEL;
}

void job_stop_safely(job *j)
{
	atomic_store(&j->cancel, true);
	j->stop = 2;
}

atomic_int *job_stop_flag(job *j)
{
	return &j->stop;
}

void job_post_task(job *j, int task_id, task_state st, int done, int total, const char *what,
		   const char *error, bool finished)
{
	msg *m = msg_new(MSG_TASK);
	m->task_id = task_id;
	m->state = st;
	m->done = done;
	m->total = total;
	m->text = xstrdup(what);
	m->error = xstrdup(error);
	msgq_post(j->q, m);
	if (finished) { /* the UI takes only the state from a finished message */
		m = msg_new(MSG_TASK);
		m->task_id = task_id;
		m->state = st;
		m->finished = true;
		msgq_post(j->q, m);
	}
}

void job_post_call(job *j, void (*call)(ui *u, void *data), void *data, void (*free_data)(void *))
{
	msg *m = msg_new(MSG_CALL);
	m->call = call;
	m->data = data;
	m->free_data = free_data;
	msgq_post(j->q, m);
}

void job_reap(job *j)
{
	pthread_join(j->thread, NULL);
	free(j);
}

vs_conn *job_conn(job *j)
{
	if (!j->session) {
		job_fail(j, "not connected");
		return NULL;
	}
	if (!j->conn) {
		vs_error err;
		vs_error_clear(&err);
		j->conn = vs_conn_new(j->session, &err);
		if (!j->conn)
			job_fail(j, "no connection: %s", err.message);
	}
	return j->conn;
}

vs_session *job_session(job *j) { return j->session; }
msgq *job_queue(job *j) { return j->q; }
bool job_cancelled(const job *j) { return atomic_load(&((job *)j)->cancel); }

void job_progress(job *j, int done, int total, const char *fmt, ...)
{
	j->done = done;
	j->total = total;
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	post_task(j, TASK_RUNNING, what, NULL, false);
}

void job_log(job *j, log_level level, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	msgq_log(j->q, level, "%s", text);
}

void job_fail(job *j, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	j->failed = true;
	post_task(j, TASK_FAILED, NULL, text, false);
	if (!atomic_load(&j->cancel))
		msgq_log(j->q, LOG_ERROR, "%s", text);
}
