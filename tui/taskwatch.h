/* taskwatch: vCenter's recent tasks (every user's, TaskManager.recentTask) for the Tasks view.
 * One thread with its own connection reads them every TASKWATCH_PERIOD_S seconds while the view
 * is shown, and at once when it opens; each read goes to the UI whole, as a taskwatch_list
 * handed to on_list on the UI thread (MSG_CALL). Polling rather than a PropertyFilter: the
 * list is short, only wanted while someone looks, and a poll cannot leave a filter behind. */
#ifndef QUIESCENT_TUI_TASKWATCH_H
#define QUIESCENT_TUI_TASKWATCH_H

#include <stdbool.h>
#include <time.h>

#include "tui/msgq.h"
#include "vsphere/session.h"
#include "vsphere/task.h"

#define TASKWATCH_PERIOD_S 2

typedef struct {
	unsigned vc;             /* whose tasks: the vCenter the taskwatch was started for */
	vs_task_result *tasks;   /* NULL with error set when the read failed */
	size_t n;
	time_t at;
	char *error;
} taskwatch_list;

void taskwatch_list_free(void *list);   /* a taskwatch_list *; NULL is fine */

typedef struct taskwatch taskwatch;

/* Starts the thread for vCenter vc's session s; on_list takes the list over. NULL when it
 * could not start. */
taskwatch *taskwatch_start(vs_session *s, unsigned vc, msgq *q, void (*on_list)(struct ui *u, void *list));
/* Whether the Tasks view is shown: reads run only then (turning on reads at once). UI thread. */
void taskwatch_set_active(taskwatch *tw, bool active);
/* Stops and joins it. NULL is fine. */
void taskwatch_stop(taskwatch *tw);

#endif
