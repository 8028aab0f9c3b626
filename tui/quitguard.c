/* q while work that changes VMs runs: see quitguard.h. */
#include "tui/quitguard.h"

#include "tui/jobs.h"

#include <stdio.h>
#include <unistd.h>

static enum { QG_NONE, QG_ASKED, QG_WAITING, QG_STOPPING, QG_LEAVING } state;

static size_t changing(const ui *u)
{
	size_t n = 0;
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].job && job_changes_vms(u->tasks[i].job))
			n++;
	return n;
}

bool quitguard_quit(ui *u)
{
	size_t n = changing(u);
	if (!n)
		return true;
	if (state == QG_NONE) {
		state = QG_ASKED;
		ui_message(u, LOG_WARN, "%zu fix or test snapshot job%s running: q again stops %s safely "
			   "and quits when it is safe; w waits for %s to end; L leaves %s running in "
			   "vCenter and quits now; Esc keeps working", n, n == 1 ? " is" : "s are",
			   n == 1 ? "it" : "them", n == 1 ? "it" : "them", n == 1 ? "it" : "them");
		return false;
	}
	if (state == QG_ASKED || state == QG_WAITING) {
		state = QG_STOPPING;
		for (size_t i = 0; i < u->n_tasks; i++)
			if (u->tasks[i].job && job_changes_vms(u->tasks[i].job))
				job_stop_safely(u->tasks[i].job);
		ui_push(u, u->v_tasks);
		ui_message(u, LOG_WARN, "stopping safely: quiescent quits when every VM is back and "
			   "every test snapshot removed");
	}
	return false;
}

bool quitguard_key(ui *u, int key)
{
	if (state != QG_ASKED)
		return false;
	if (key == 'w') {
		state = QG_WAITING;
		ui_push(u, u->v_tasks);
		ui_message(u, LOG_INFO, "waiting: quiescent quits when the work has ended (q: stop it "
			   "safely now, Esc: keep working)");
		return true;
	}
	if (key == 'L') {
		state = QG_LEAVING;
		u->quit = true;
		return true;
	}
	return false;
}

void quitguard_leave_if_asked(ui *u)
{
	if (state != QG_LEAVING)
		return;
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].job && job_changes_vms(u->tasks[i].job))
			fprintf(stderr, "quiescent: left running in vCenter: %s; quiescent recover brings "
				"back VMs it leaves off, quiescent snaptest --cleanup-orphans removes its "
				"test snapshots\n", u->tasks[i].title ? u->tasks[i].title : "a job");
	fflush(stderr);
	_exit(0);   /* as a kill would: the journal and the run locks say the rest */
}

void quitguard_other(ui *u, action a)
{
	/* While waiting, only Esc gives up on quitting: the Tasks view may be scrolled. */
	if (state == QG_ASKED || (state == QG_WAITING && a == ACTION_BACK)) {
		state = QG_NONE;
		ui_message(u, LOG_INFO, "keeping on: the work goes on");
	}
}

bool quitguard_ready(ui *u)
{
	return (state == QG_STOPPING || state == QG_WAITING) && !changing(u);
}
