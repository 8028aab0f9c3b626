/* registry: the console's screens in one list. It generates the keymap tables (tui/keymap.h:
 * KMV_*), the ui's view slots (tui/ui.h: VIEW_*, u->v_NAME) and their construction and release
 * (tui/ui.c), so adding a screen is one line here plus its file. Macros only: tui headers
 * include it without depending on any view.
 * X(ID, field, "keymap name", constructor) */
#ifndef QUIESCENT_VIEWS_REGISTRY_H
#define QUIESCENT_VIEWS_REGISTRY_H

#define VIEWS_LIST(X)                                          \
	X(VMS, vms, "vms", vms_view_new)                       \
	X(DETAIL, detail, "detail", detail_view_new)           \
	X(TASKS, tasks, "tasks", tasks_view_new)               \
	X(MESSAGES, messages, "messages", messages_view_new)   \
	X(HELP, help, "help", help_view_new)                   \
	X(FIX, fix, "fix", plan_view_new)                      \
	X(SNAPTEST, snaptest, "snaptest", snaptest_view_new)   \
	X(HISTORY, history, "history", history_view_new)       \
	X(CHECKLIST, checklist, "checklist", checklist_view_new)

#endif
