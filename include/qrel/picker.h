/* picker.h: the one prompt every screen uses: a line of input with type-ahead
 * over a list of choices, drawn at the bottom of a window. Arrows, PgUp/PgDn and
 * Home/End move the highlight, Enter picks the highlighted row, typing narrows
 * the list, Esc cancels, ^U/^W/^K edit the input; a mark shows there is more. */
#ifndef QREL_PICKER_H
#define QREL_PICKER_H

#include <stdbool.h>
#include <stdint.h>

#include "qrel/tui.h"

#define PICKER_ROWS 8		/* choices shown above the input line */

struct picker_item {
	int64_t id;
	char value[64];		/* what Tab completes to and type-ahead matches first */
	char label[192];	/* what a person reads */
};

enum picker_result {
	PICKER_OPEN,		/* still choosing: redraw */
	PICKER_PICKED,		/* Enter: picker_choice() or picker_input() holds the answer */
	PICKER_CANCELLED,	/* Esc: the picker is closed */
};

struct picker {
	bool active;
	int tag;			/* the caller's: what is being chosen */
	bool free_text;			/* Enter with nothing matching takes what was typed */
	bool replace;			/* the input was given: the first key typed replaces it */
	char title[96];
	char input[256];
	size_t cur;			/* the input's cursor, a byte offset */
	struct picker_item *item;
	int nitem, cap;
	int *match, nmatch;		/* items that match the input, in order */
	int sel, top;			/* highlighted and first shown, indexes into match */
};

/* Opens p (closing what it held) with no choices and an empty input. */
void picker_open(struct picker *p, int tag, const char *title, bool free_text);
void picker_add(struct picker *p, int64_t id, const char *value, const char *label);
/* Gives the input a starting text, selected: typing replaces it, arrows keep it. */
void picker_set_input(struct picker *p, const char *text);
void picker_close(struct picker *p);
/* Handles one key (always: the picker owns the keyboard while open). */
enum picker_result picker_key(struct picker *p, int key);
/* The highlighted choice, or NULL when there is none (nothing matches). */
const struct picker_item *picker_choice(const struct picker *p);
const char *picker_input(const struct picker *p);
/* Draws up to PICKER_ROWS choices above the input line, on the window's last row. */
void picker_draw(const struct picker *p, WINDOW *win);

#endif
