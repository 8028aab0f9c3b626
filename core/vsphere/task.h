/* task: waiting for vSphere tasks.
 *
 * vs_task_wait polls Task.info with RetrievePropertiesEx (propcol's vs_retrieve_object), every
 * 250 ms at first, backing off to 2 s. Why not a PropertyFilter + WaitForUpdatesEx: that needs a
 * collector of its own per waiter (three extra round trips per task, and filters leaking when a
 * worker dies), while our tasks last seconds to minutes and are few; polling is one request per
 * step, cannot lose a change that matters (only the final state does), and copes with a
 * re-login in the middle for free. */
#ifndef QUIESCENT_VS_TASK_H
#define QUIESCENT_VS_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "vsphere/session.h"

typedef enum { VS_TASK_QUEUED, VS_TASK_RUNNING, VS_TASK_SUCCESS, VS_TASK_ERROR } vs_task_state;

typedef struct {
	char task[128];            /* the task's moref */
	vs_task_state state;
	int progress;              /* 0..100, -1 when the server gives none */
	char description_id[128];  /* "VirtualMachine.createSnapshot" */
	char entity[128];          /* moref of the object it works on, "" when none */
	char entity_name[128];
	char user[128];            /* who started it (info.reason.userName), "" when not a user */
	time_t queued_at, started_at, ended_at;   /* 0 when the server gives none */
	bool cancelled;            /* the task was cancelled (by anyone) */
	char result_type[64];      /* xsi:type of info.result, "" when none */
	char result_moref[128];    /* info.result when it is a ManagedObjectReference */
	char *result_text;         /* other results as text (malloc'ed; vs_task_result_done) */
	char fault[64];            /* info.error's fault type on VS_TASK_ERROR */
	char message[512];         /* info.error.localizedMessage */
} vs_task_result;

void vs_task_result_done(vs_task_result *r);   /* frees result_text; NULL is fine */

/* Called on every change of state or progress (never with the same values twice). */
typedef void (*vs_task_progress_fn)(const vs_task_result *now, void *ctx);

/* Waits until the task succeeds (0) or fails (-1: err kind FAULT with the task's fault type,
 * and the sentence "<what> failed: <localizedMessage>"), or timeout_s passes (-1, TIMEOUT: the
 * task goes on in vCenter), or vs_session_cancel (-1, CANCELLED: idem). timeout_s <= 0 waits
 * without bound. out (may be NULL) holds the last info seen in every case. */
int vs_task_wait(vs_conn *c, const char *task_moref, int timeout_s, vs_task_progress_fn cb,
		 void *ctx, vs_task_result *out, vs_error *err);

/* The same, but a network failure (or a request that timed out) reading the task is retried
 * with backoff for up to grace_s seconds in a row before it counts. */
int vs_task_wait_grace(vs_conn *c, const char *task_moref, int timeout_s, int grace_s,
		       vs_task_progress_fn cb, void *ctx, vs_task_result *out, vs_error *err);
/* A failure that may pass: the network (connect, reset, 5xx) or a request that timed out. */
bool vs_error_transient(const vs_error *e);

/* CancelTask. The task ends in error (RequestCanceled) if it could still be cancelled. */
int vs_task_cancel(vs_conn *c, const char *task_moref, vs_error *err);

/* Reads one Task.info (used by vs_task_wait; exposed for views listing recent tasks). */
int vs_task_info(vs_conn *c, const char *task_moref, vs_task_result *out, vs_error *err);

/* vCenter's recent tasks (TaskManager.recentTask: every user's, about the last ten minutes,
 * running or not), in the server's order. A task that ends and vanishes between the listing
 * and the read is simply not in the list. Free with vs_task_results_free. */
int vs_recent_tasks(vs_conn *c, vs_task_result **out, size_t *n, vs_error *err);
void vs_task_results_free(vs_task_result *t, size_t n);

/* Parses a TaskInfo <val> at the reader (test seam; the reader is left on its last node). */
#include <libxml/xmlreader.h>
int vs_task_parse_info(xmlTextReaderPtr r, vs_task_result *out, vs_error *err);

#endif
