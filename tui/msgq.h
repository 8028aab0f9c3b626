/* msgq: how worker threads talk to the UI thread. Workers never touch curses: they post a
 * message (ownership passes to the queue) and write one byte to a pipe; the main loop polls
 * the pipe's read end with the terminal, takes every message and applies them, then redraws once. */
#ifndef QUIESCENT_TUI_MSGQ_H
#define QUIESCENT_TUI_MSGQ_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "model/model.h"

typedef enum {
	MSG_LOG,        /* text at level */
	MSG_SCAN_DONE,  /* facts + verdicts of a whole scan (n) */
	MSG_SCAN_ROWS,  /* early rows of a running scan: facts (n), probing (n) */
	MSG_VM_UPDATE,  /* inventory facts of changed VMs (n), from the watcher */
	MSG_VM_GONE,    /* morefs of VMs that left the inventory */
	MSG_CONN,       /* connection state: conn_ok, text */
	MSG_TASK,       /* a task's progress: task fields below */
	MSG_CALL,       /* call(ui, data) on the UI thread: a job's results for its view */
} msg_kind;

struct ui;

typedef enum { LOG_INFO, LOG_WARN, LOG_ERROR, LOG_STDERR } log_level;

typedef enum { TASK_QUEUED, TASK_RUNNING, TASK_DONE, TASK_FAILED, TASK_CANCELLED } task_state;

typedef struct msg {
	struct msg *next;
	msg_kind kind;
	log_level level;
	char *text;           /* MSG_LOG, MSG_CONN: the sentence; MSG_TASK: what it does now */
	vm_facts *facts;      /* MSG_SCAN_DONE, MSG_VM_UPDATE: n facts (owned) */
	verdict *verdicts;    /* MSG_SCAN_DONE: n verdicts (owned) */
	char **morefs;        /* MSG_VM_GONE: n morefs (owned) */
	bool *probing;        /* MSG_SCAN_ROWS: n flags (owned) */
	size_t n;
	unsigned vc;          /* MSG_SCAN_*, MSG_VM_*, MSG_CONN: which vCenter (ui.more; 0: first) */
	time_t at;
	int64_t scan_id;      /* MSG_SCAN_DONE: its history row, 0 not stored */
	bool full_sync;       /* MSG_VM_UPDATE: part of the first set after (re)creating the watch */
	bool sync_first;      /* full_sync: its first piece (the set comes in pieces, in order) */
	bool sync_last;       /* full_sync: its last piece */
	bool conn_ok;         /* MSG_CONN */
	int task_id;          /* MSG_TASK */
	task_state state;
	int done, total;
	char *error;          /* MSG_TASK: why it failed */
	bool finished;        /* MSG_TASK: the job's thread ends: join it */
	/* MSG_CALL: the UI thread runs call(ui, data), which takes data over; free_data frees a
	 * data never delivered (messages left at exit). */
	void (*call)(struct ui *u, void *data);
	void *data;
	void (*free_data)(void *data);
} msg;

typedef struct {
	pthread_mutex_t lock;
	pthread_cond_t taken; /* signalled by msgq_take */
	msg *head, *tail;
	size_t facts;         /* facts in the queued messages (not yet taken) */
	int fds[2];           /* wake pipe: [0] polled by the UI, [1] written by posters */
} msgq;

int msgq_init(msgq *q);   /* 0 or -1 (errno) */
void msgq_done(msgq *q);  /* frees messages left */
msg *msg_new(msg_kind kind);
void msg_free(msg *m);    /* frees what it owns */
/* Appends m (ownership passes) and wakes the UI. Any thread. */
void msgq_post(msgq *q, msg *m);
/* Posts a MSG_LOG with a printf-formatted text. Any thread. */
void msgq_log(msgq *q, log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Takes every queued message, oldest first (a list through ->next). UI thread. */
msg *msgq_take(msgq *q);
/* Waits while the queue holds at least `limit` facts not taken by the UI, or until *stop:
 * a poster of big sets keeps at most about one piece waiting instead of piling copies up
 * (the UI takes everything each turn). Any thread but the UI's. */
void msgq_wait_facts_below(msgq *q, size_t limit, const atomic_bool *stop);
/* Writes one byte to the wake pipe: async-signal-safe (signal handlers call it). */
void msgq_wake(msgq *q);
/* Empties the pipe (the UI calls it before msgq_take). */
void msgq_drain_pipe(msgq *q);

#endif
