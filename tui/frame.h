/* frame: draws the whole screen once (title, the top view's body, status and message lines). */
#ifndef QUIESCENT_TUI_FRAME_H
#define QUIESCENT_TUI_FRAME_H

#include "tui/ui.h"

/* Rows of the body: from FRAME_BODY_TOP, LINES - 3 of them. */
#define FRAME_BODY_TOP 1

/* Draws everything and refreshes the terminal. UI thread. */
void frame_draw(ui *u);

#endif
