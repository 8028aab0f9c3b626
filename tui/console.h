/* console: `quiescent` without a sub-command. Options, the prompts that must happen before
 * curses (password, certificate trust), then the main loop. Returns the exit code. */
#ifndef QUIESCENT_TUI_CONSOLE_H
#define QUIESCENT_TUI_CONSOLE_H

int console_main(int argc, char **argv);

#endif
