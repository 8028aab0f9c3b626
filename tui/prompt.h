/* prompt: the `:` and `/` lines, edited by GNU readline's callback interface inside curses.
 * readline never touches the terminal: it reads bytes we feed it (rl_getc_function over a
 * small buffer), draws through our rl_redisplay_function into the bottom line, keeps no signal
 * handlers and never changes LINES/COLUMNS. Views keep updating while the operator types. */
#ifndef QUIESCENT_TUI_PROMPT_H
#define QUIESCENT_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

/* What Tab completes after the command word: given the command word and the text typed so
 * far, returns a NULL-terminated heap array of heap strings (or NULL). */
typedef char **(*prompt_complete_fn)(void *ctx, const char *command, int word_index, const char *text);
/* The line when Enter is pressed (NULL when cancelled with Esc or Ctrl-C/Ctrl-G). */
typedef void (*prompt_done_fn)(void *ctx, char prefix, const char *line);
/* Each edit of the line (live filter). */
typedef void (*prompt_change_fn)(void *ctx, char prefix, const char *line);

/* Once, before use: history file (may be NULL), callbacks. */
void prompt_setup(const char *history_path, prompt_complete_fn complete, prompt_done_fn done,
		  prompt_change_fn change, void *ctx);
/* Saves the history. */
void prompt_teardown(void);

/* Opens the line with a one-character prompt (':' or '/'), initial text may be NULL. */
void prompt_open(char prefix, const char *initial);
bool prompt_active(void);
/* Feeds one key (a keymap key: tui/keymap.h codes). */
void prompt_key(int key);
/* Draws the line in row y, width w, and places the cursor. */
void prompt_draw(int y, int w);
/* The candidates the last Tab listed while the line is open ("3 matches: a b c"), until the
 * next key; NULL when there are none. The frame shows them above the line. */
const char *prompt_matches(void);

#endif
