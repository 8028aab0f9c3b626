/* reprobe: the background re-probe by facts age (see reprobe.h). */
#include "tui/reprobe.h"

#include "tui/jobs.h"
#include "util/timefmt.h"

static bool changing_vms(const ui *u)
{
	for (size_t i = 0; i < u->n_tasks; i++)
		if (u->tasks[i].job && job_changes_vms(u->tasks[i].job))
			return true;
	return false;
}

static bool has_guest_credentials(const ui *u)
{
	return (u->conn->guest_user && u->conn->guest_password) ||
	       guest_logins_count(u->conn->guest_logins);
}

void reprobe_tick(ui *u, time_t now)
{
	int age = u->reprobe_age_s;
	if (age <= 0 || !u->probe || !u->session || u->scan_task || !has_guest_credentials(u))
		return;
	/* half the age between two: facts that cannot be refreshed (a guest that refuses the
	 * login) do not start one scan after another */
	time_t gap = age / 2 > 0 ? age / 2 : 1;
	if (u->scan_started_at && now - u->scan_started_at < gap)
		return;
	size_t old = fleet_count_probed_before(&u->fl, now - age);
	if (!old || changing_vms(u))
		return;
	char age_text[48];
	ui_message(u, LOG_INFO, "probing again in the background: %zu VM%s with guest facts older than "
		   "%s (--reprobe-age)", old, old == 1 ? "" : "s",
		   time_age_text(age, age_text, sizeof age_text));
	ui_start_scan_aged(u, age);
}
