#include "tui/taskwatch.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct taskwatch {
	pthread_t thread;
	vs_session *s;
	unsigned vc;
	msgq *q;
	void (*on_list)(struct ui *u, void *list);
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, active, now;   /* under lock; `now`: read at once (the view just opened) */
};

void taskwatch_list_free(void *p)
{
	taskwatch_list *l = p;
	if (!l)
		return;
	vs_task_results_free(l->tasks, l->n);
	free(l->error);
	free(l);
}

/* Waits until a read is due: asked for now (the view just opened), or a period passed while
 * the view is shown. false: stop. */
static bool wait_turn(taskwatch *tw)
{
	pthread_mutex_lock(&tw->lock);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += TASKWATCH_PERIOD_S;
	bool go = false;
	while (!tw->stop && !go) {
		if (tw->now)
			go = true;
		else if (!tw->active)
			pthread_cond_wait(&tw->wake, &tw->lock);
		else if (pthread_cond_timedwait(&tw->wake, &tw->lock, &until) != 0)
			go = tw->active;
	}
	tw->now = false;
	go = !tw->stop;
	pthread_mutex_unlock(&tw->lock);
	return go;
}

static void *run(void *p)
{
	taskwatch *tw = p;
	vs_conn *c = NULL;
	while (wait_turn(tw)) {
		vs_error err;
		vs_error_clear(&err);
		taskwatch_list *l = xcalloc(1, sizeof *l);
		l->vc = tw->vc;
		l->at = time(NULL);
		bool read = (c || (c = vs_conn_new(tw->s, &err))) &&
			    vs_recent_tasks(c, &l->tasks, &l->n, &err) == 0;
		if (!read && err.kind == VS_ERR_CANCELLED) {
			taskwatch_list_free(l);   /* Ctrl-C aimed at another operation: read next time */
			continue;
		}
		if (!read)
			l->error = xstrdup(err.message);
		msg *m = msg_new(MSG_CALL);
		m->call = tw->on_list;
		m->data = l;
		m->free_data = taskwatch_list_free;
		msgq_post(tw->q, m);
	}
	vs_conn_free(c);
	return NULL;
}

taskwatch *taskwatch_start(vs_session *s, unsigned vc, msgq *q, void (*on_list)(struct ui *u, void *list))
{
	taskwatch *tw = xcalloc(1, sizeof *tw);
	tw->s = s;
	tw->vc = vc;
	tw->q = q;
	tw->on_list = on_list;
	pthread_mutex_init(&tw->lock, NULL);
	pthread_cond_init(&tw->wake, NULL);
	if (pthread_create(&tw->thread, NULL, run, tw) != 0) {
		pthread_cond_destroy(&tw->wake);
		pthread_mutex_destroy(&tw->lock);
		free(tw);
		return NULL;
	}
	return tw;
}

void taskwatch_set_active(taskwatch *tw, bool active)
{
	if (!tw)
		return;
	pthread_mutex_lock(&tw->lock);
	if (active && !tw->active) {
		tw->now = true;
		pthread_cond_signal(&tw->wake);
	}
	tw->active = active;
	pthread_mutex_unlock(&tw->lock);
}

void taskwatch_stop(taskwatch *tw)
{
	if (!tw)
		return;
	pthread_mutex_lock(&tw->lock);
	tw->stop = true;
	pthread_cond_signal(&tw->wake);
	pthread_mutex_unlock(&tw->lock);
	/* a read in flight ends with the session's cancel, which the watcher's stop sends too */
	vs_session_cancel(tw->s);
	pthread_join(tw->thread, NULL);
	pthread_cond_destroy(&tw->wake);
	pthread_mutex_destroy(&tw->lock);
	free(tw);
}
