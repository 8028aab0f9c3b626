/* The console's screens (one file each, listed in views/registry.h) and the services some of
 * them offer to commands and actions. The contract every screen implements is tui/view_ops.h. */
#ifndef QUIESCENT_VIEWS_VIEW_H
#define QUIESCENT_VIEWS_VIEW_H

#include <stddef.h>

#include "store/store.h"
#include "tui/listw.h"
#include "tui/ui.h"
#include "tui/view_ops.h"


/* The views (one file each). */
view *vms_view_new(void);
view *detail_view_new(void);
view *tasks_view_new(void);
view *messages_view_new(void);
view *help_view_new(void);
view *plan_view_new(void);
view *snaptest_view_new(void);
view *history_view_new(void);
view *checklist_view_new(void);
/* c: the checklist of the manual steps (R01, R02, R04, R05) for the VM under the cursor. */
void checklist_view_show(ui *u);
/* :history [VM-GLOB] [kind=..] [outcome=..] [since=T] [until=T]: the timeline, filtered. */
void history_view_command(ui *u, int argc, char **argv);
/* H: the history of the VM under the cursor (every VM's when there is none). */
void history_view_show_vm(ui *u);
/* f / :fix: plans the marked VMs (else the one under the cursor) and shows the plan. */
void plan_view_show(ui *u);
/* t / :snaptest [VM]: the options dialog for the marked VMs (else the cursor's, or vm). */
void snaptest_view_show(ui *u, const char *vm);
/* Once vCenter vc has logged in (each of them, the first too): looks in its history for a fix
 * a killed quiescent left unfinished and for test snapshots it left behind, and asks about
 * them, naming the vCenter; what is done about them runs on its session (views/plan.c). */
void actions_startup_check(ui *u, unsigned vc);
/* The orphan question (views/snaptest.c): n refs of tests a crash left unfinished on vCenter
 * vc. */
void snaptest_view_offer_orphans(ui *u, unsigned vc, const store_snaptest_ref *refs, size_t n);
/* vCenter vc was replaced (:connect): what was found in the old one's history is not asked
 * about any more (a recovery or clean-up running ends as it is). */
void actions_vcenter_replaced(ui *u, unsigned vc);
void snaptest_view_forget_orphans(ui *u, unsigned vc);

/* VM list services for actions and commands. */
/* Sets the filter; NULL or "" clears it. -1 with err on a bad expression (filter kept). */
int vms_view_set_filter(view *v, ui *u, const char *expr, char *err, size_t errlen);
const char *vms_view_filter(view *v);
/* Sorts by a column name (name, power, os, tools, best, predicted, status, finding; unique
 * prefixes work); dir 1 ascending, -1 descending, 0 keep. -1 with err on a bad name. */
int vms_view_sort(view *v, ui *u, const char *column, int dir, char *err, size_t errlen);
/* :group COLUMN: the summary bar counts ready VMs per datacenter, cluster, host or folder
 * (unique prefixes work); "none" or NULL: the usual counts. -1 with err on another name. */
int vms_view_group(view *v, const char *column, char *err, size_t errlen);
/* The column names, NULL-terminated (for completion). */
const char *const *vms_view_columns(void);
/* The VM under the cursor, NULL when the list is empty. */
fleet_vm *vms_view_current(view *v, ui *u);
/* Forgets the VM under the cursor and the range anchor: morefs of another vCenter (after
 * :connect) could name other VMs. */
void vms_view_forget(view *v);
/* Marks every VM the filter shows; returns how many. */
size_t vms_view_mark_filtered(view *v, ui *u);
/* Shows this VM's detail and reads its last tests and fixes from the history (a quiet job). */
void detail_view_show(view *v, ui *u, unsigned vc, const char *moref);
/* Reads the history part again (a fix or test just ended). */
void detail_view_reload_history(view *v, ui *u);
/* A vCenter's recent tasks as its tui/taskwatch read them (a taskwatch_list, taken over; its
 * vc says whose). UI thread. */
void tasks_view_vc_tasks(ui *u, void *list);
/* The history job's answer (UI thread, through job_post_call). */
void detail_view_history_loaded(ui *u, void *data);

#endif
