/* q while work that changes VMs runs: see quitguard.h. */
#include "tui/quitguard.h"

#include "tui/jobs.h"

static enum { QG_NONE, QG_ASKED, QG_STOPPING } state;

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
			   "(VMs powered back on, test snapshots removed) and quits when it is safe; "
			   "Esc keeps working", n, n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
		return false;
	}
	if (state == QG_ASKED) {
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

void quitguard_other(ui *u)
{
	if (state == QG_ASKED) {
		state = QG_NONE;
		ui_message(u, LOG_INFO, "keeping on: the work goes on");
	}
}

bool quitguard_ready(ui *u)
{
	return state == QG_STOPPING && !changing(u);
}
