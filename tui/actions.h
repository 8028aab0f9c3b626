/* actions: everything a key can do in the console, in one X-macro list.
 *
 * ACTIONS_LIST generates the action enum, the name table the keymap files use, the help screen
 * (views/help.c) and the key table of docs/console.md, so none of them can drift from the code.
 * X(id, name, group, flags, help)
 *   flags: ACTF_CHANGES_VMS for actions that change a VM (refused under --readonly). Showing a
 *   fix plan or the test options changes nothing: only running them (apply) is refused. */
#ifndef QUIESCENT_TUI_ACTIONS_H
#define QUIESCENT_TUI_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define ACTF_NONE 0u
#define ACTF_CHANGES_VMS 1u

#define ACTIONS_LIST(X)                                                                           \
	X(MOVE_UP, "move-up", "Move", ACTF_NONE, "Move the cursor up one line")                   \
	X(MOVE_DOWN, "move-down", "Move", ACTF_NONE, "Move the cursor down one line")             \
	X(PAGE_UP, "page-up", "Move", ACTF_NONE, "Move up one page")                              \
	X(PAGE_DOWN, "page-down", "Move", ACTF_NONE, "Move down one page")                        \
	X(HALF_PAGE_UP, "half-page-up", "Move", ACTF_NONE, "Move up half a page")                 \
	X(HALF_PAGE_DOWN, "half-page-down", "Move", ACTF_NONE, "Move down half a page")           \
	X(FIRST, "first", "Move", ACTF_NONE, "Go to the first line")                              \
	X(LAST, "last", "Move", ACTF_NONE, "Go to the last line")                                 \
	X(NEXT_PROBLEM, "next-problem", "Move", ACTF_NONE,                                        \
	  "Go to the next VM that is not ready (fixable, manual or unknown)")                     \
	X(PREV_PROBLEM, "prev-problem", "Move", ACTF_NONE,                                        \
	  "Go to the previous VM that is not ready")                                              \
	X(OPEN, "open", "Views", ACTF_NONE, "Open the item under the cursor (VM detail)")         \
	X(BACK, "back", "Views", ACTF_NONE, "Close this view and go back")                        \
	X(VIEW_VMS, "view-vms", "Views", ACTF_NONE, "Show the VM list")                           \
	X(VIEW_TASKS, "view-tasks", "Views", ACTF_NONE, "Show the tasks of this session")         \
	X(VIEW_MESSAGES, "view-messages", "Views", ACTF_NONE, "Show the message log")             \
	X(HELP, "help", "Views", ACTF_NONE, "Show this help")                                     \
	X(FILTER, "filter", "List", ACTF_NONE,                                                    \
	  "Filter the list: words match name, OS, status or rule id (R07, !ready, re:^sql)")      \
	X(FILTER_CLEAR, "filter-clear", "List", ACTF_NONE, "Remove the filter")                   \
	X(SORT_NEXT, "sort-next", "List", ACTF_NONE, "Sort by the next column")                   \
	X(SORT_PREV, "sort-prev", "List", ACTF_NONE, "Sort by the previous column")               \
	X(SORT_REVERSE, "sort-reverse", "List", ACTF_NONE, "Reverse the sort order")              \
	X(MARK, "mark", "Marks", ACTF_NONE, "Mark or unmark the VM under the cursor, move down")  \
	X(MARK_RANGE, "mark-range", "Marks", ACTF_NONE,                                           \
	  "Mark every VM between the last marked one and the cursor")                             \
	X(MARK_ALL, "mark-all", "Marks", ACTF_NONE, "Mark every VM the filter shows")             \
	X(MARK_CLEAR, "mark-clear", "Marks", ACTF_NONE, "Clear all marks")                        \
	X(PROMPT, "prompt", "Commands", ACTF_NONE, "Open the : command line")                     \
	X(RESCAN, "scan", "Commands", ACTF_NONE, "Scan again: inventory, guest probe, rules")     \
	X(CANCEL, "cancel", "Commands", ACTF_NONE, "Cancel the running operation (not the app)")   \
	X(REDRAW, "redraw", "Commands", ACTF_NONE, "Redraw the screen")                           \
	X(FIX, "fix", "VMs", ACTF_NONE, "Plan and run the fixes for the marked VMs")              \
	X(SNAPTEST, "snaptest", "VMs", ACTF_NONE,                                                 \
	  "Take a quiesced test snapshot of the VM under the cursor")                             \
	X(HISTORY, "history", "VMs", ACTF_NONE, "Show the history of the VM under the cursor")    \
	X(GUIDE, "guide", "VMs", ACTF_NONE,                                                       \
	  "Checklist of the manual steps for R01, R02, R04, R05 on the VM under the cursor")      \
	X(RECHECK, "recheck", "VMs", ACTF_NONE,                                                   \
	  "Checklist: the steps are done; scan again and tick off what the scan shows done")      \
	X(MOUNT_INSTALLER, "mount-installer", "VMs", ACTF_CHANGES_VMS,                            \
	  "Checklist (R01): mount the VMware Tools installer on the VM, as Install VMware Tools does") \
	X(COMPARE, "compare", "History", ACTF_NONE,                                               \
	  "History: compare the marked scan with the one under the cursor (else the last two)")   \
	X(TRENDS, "trends", "History", ACTF_NONE, "History: readiness counts per scan")           \
	X(NEXT_KIND, "next-kind", "History", ACTF_NONE,                                           \
	  "History: show everything, scans, fixes or test snapshots only")                        \
	X(APPLY, "apply", "Fix and test", ACTF_CHANGES_VMS,                                       \
	  "Run it: the fix plan shown (asks first), or the test with the options shown")          \
	X(YES, "yes", "Fix and test", ACTF_NONE, "Answer yes to the question shown")              \
	X(NO, "no", "Fix and test", ACTF_NONE, "Answer no to the question shown")                 \
	X(OPT_HARD_POWER_OFF, "toggle-hard-power-off", "Fix and test", ACTF_NONE,                 \
	  "Fix plan: allow or forbid a hard power-off (Tools down, shutdown timeout)")            \
	X(OPT_TOOLS_METHOD, "next-tools-method", "Fix and test", ACTF_NONE,                       \
	  "Fix plan: Tools modify by upgrade, through the guest, or by hand")                     \
	X(OPT_MORE, "more", "Fix and test", ACTF_NONE,                                            \
	  "More: fix concurrency, or test timeout (+5 minutes)")                                  \
	X(OPT_LESS, "less", "Fix and test", ACTF_NONE,                                            \
	  "Less: fix concurrency, or test timeout (-5 minutes)")                                  \
	X(OPT_CONTEXT, "next-context", "Fix and test", ACTF_NONE,                                 \
	  "Test: VSS context auto, backup or file_share_backup")                                  \
	X(OPT_BACKUP_TYPE, "next-backup-type", "Fix and test", ACTF_NONE,                         \
	  "Test: VSS backup type copy, full, incremental, differential or log")                   \
	X(OPT_KEEP, "toggle-keep", "Fix and test", ACTF_NONE, "Test: keep the test snapshot or remove it") \
	X(QUIT, "quit", "Commands", ACTF_NONE, "Quit the console")

typedef enum {
	ACTION_NONE = 0,
#define ACTIONS_ENUM(id, ...) ACTION_##id,
	ACTIONS_LIST(ACTIONS_ENUM)
#undef ACTIONS_ENUM
	ACTION_COUNT
} action;

typedef struct {
	action id;
	const char *name;   /* "move-up": the name keymap files and :bind use */
	const char *group;  /* help screen section */
	unsigned flags;
	const char *help;
} action_info;

/* Information on one action; NULL for ACTION_NONE or out of range. Static storage. */
const action_info *action_get(action a);
/* The action named `name` (exact match), ACTION_NONE when there is none. */
action action_by_name(const char *name);
/* Whether --readonly refuses it. */
bool action_changes_vms(action a);

#endif
