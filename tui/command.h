/* command: the `:` command line's table, word splitting and name resolution (pure).
 * COMMANDS_LIST(X): X(id, name, args, completes, help); `completes` says what the words after
 * the name complete to on Tab. Running a command is tui/commands.c's business. */
#ifndef QUIESCENT_TUI_COMMAND_H
#define QUIESCENT_TUI_COMMAND_H

#include <stddef.h>

typedef enum { CC_NONE, CC_VM, CC_COLUMN, CC_KEYMAP, CC_VIEW_KEYS, CC_GROUP, CC_RULE } command_completes;

#define COMMANDS_LIST(X)                                                                           \
	X(SCAN, "scan", "", CC_NONE, "scan again: inventory, guest probe, rules")                  \
	X(FILTER, "filter", "[EXPR]", CC_VM, "filter the VM list (no EXPR: show all); see /")      \
	X(SORT, "sort", "COLUMN [asc|desc]", CC_COLUMN, "sort the VM list by a column")             \
	X(GROUP, "group", "datacenter|cluster|host|folder|none", CC_GROUP,                         \
	  "count ready VMs per datacenter, cluster, host or folder in the summary bar")           \
	X(MARK, "mark", "all|none|filtered|GLOB...", CC_VM, "mark VMs by name glob; none clears")   \
	X(UNMARK, "unmark", "GLOB...", CC_VM, "unmark VMs by name glob")                           \
	X(OPEN, "open", "VM", CC_VM, "show a VM's detail")                                         \
	X(CONNECT, "connect", "[SERVER [THUMBPRINT]]", CC_NONE,                                    \
	  "log in again, or to another server with the same user and password")                   \
	X(KEYMAP, "keymap", "NAME|PATH", CC_KEYMAP, "load a keymap: default, vi, or a file")       \
	X(BIND, "bind", "VIEW KEYS ACTION", CC_VIEW_KEYS, "bind keys to an action (as in .keys files)") \
	X(UNBIND, "unbind", "VIEW KEYS", CC_VIEW_KEYS, "remove a binding")                         \
	X(MESSAGES, "messages", "", CC_NONE, "show the message log")                               \
	X(TASKS, "tasks", "", CC_NONE, "show the tasks of this session")                           \
	X(HELP, "help", "", CC_NONE, "show the keys and commands")                                 \
	X(FIX, "fix", "", CC_NONE, "plan and run fixes for the marked VMs (else the cursor's)")    \
	X(SNAPTEST, "snaptest", "[VM]", CC_VM, "quiesced test snapshot of VM (else marked VMs, else the cursor's)")       \
	X(HISTORY, "history", "[VM] [kind=K] [outcome=O] [since=T] [until=T]", CC_VM,             \
	  "the history timeline (of a VM); T: 2026-11-22, 7d, 12h")                                 \
	X(RULES, "rules", "RULE", CC_RULE, "what a rule means and what to do (R07; quiescent rules lists all)") \
	X(QUIT, "quit", "", CC_NONE, "quit the console")

typedef enum {
	CMD_NONE = 0,
#define COMMANDS_ENUM(id, ...) CMD_##id,
	COMMANDS_LIST(COMMANDS_ENUM)
#undef COMMANDS_ENUM
	CMD_COUNT
} command_id;

typedef struct {
	command_id id;
	const char *name;
	const char *args;
	command_completes completes;
	const char *help;
} command_info;

const command_info *command_get(command_id id);

/* Resolves a command name: exact, else unique prefix. CMD_NONE with err filled when unknown or
 * ambiguous ("ambiguous command 's': scan, snaptest, sort"). */
command_id command_resolve(const char *word, char *err, size_t errlen);

/* Splits a command line into words: whitespace separates, '...' and "..." quote, \ escapes.
 * Returns the number of words (argv gets heap copies, free with command_free_words), or -1
 * with err on an unterminated quote. At most max words (the rest is an error too). */
int command_split(const char *line, char **argv, int max, char *err, size_t errlen);
void command_free_words(char **argv, int argc);

#endif
