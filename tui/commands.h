/* commands: the generic actions and the `:` commands (ui_action and ui_command of tui/ui.h are
 * here), Tab completion and the prompt's callbacks. UI thread. */
#ifndef QUIESCENT_TUI_COMMANDS_H
#define QUIESCENT_TUI_COMMANDS_H

#include "tui/ui.h"

/* Sets the `:` and `/` lines up (readline; history_path may be NULL) with this console's
 * completion and callbacks. */
void commands_prompt_setup(ui *u, const char *history_path);

#endif
