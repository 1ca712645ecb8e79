/* editor.h: an inline multi-line text editor for a region of a curses window:
 * a UTF-8 buffer edited by character, word-wrapped to the region's width. */
#ifndef QREL_EDITOR_H
#define QREL_EDITOR_H

#include <stdbool.h>

#include "qrel/tui.h"

/* A key with this bit is a character, never a function key (see tui.h). */
#define EDITOR_KEY_CHAR UI_KEY_CHAR

enum editor_result {
	EDITOR_UNHANDLED,	/* not an editing key */
	EDITOR_MOVED,		/* only the cursor moved: redraw */
	EDITOR_CHANGED,		/* the text changed: redraw and keep a draft */
	EDITOR_DONE,		/* Ctrl-X or F2, the one save key: the caller saves and closes */
	EDITOR_CANCEL,		/* Esc: the caller closes, keeping the text as a draft */
};

struct editor;

struct editor *editor_new(const char *text);
void editor_free(struct editor *ed);
/* The text, NUL-terminated, valid until the next edit. */
const char *editor_text(const struct editor *ed);
/* Moves the cursor to the end of the text. */
void editor_end(struct editor *ed);
int editor_key(struct editor *ed, int key);
/* Draws the text into height x width cells at (y, x) of win, scrolled so the
 * cursor (a reverse-video cell) shows. */
void editor_draw(struct editor *ed, WINDOW *win, int y, int x, int height, int width);
/* The number of wrapped lines the text takes at width (for sizing a region). */
int editor_lines(struct editor *ed, int width);

#endif
