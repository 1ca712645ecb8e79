/* tui.h: the curses shell: the app state screens may read, the screen ops
 * table each screen fills in, and the drawing services the core gives them. */
#ifndef QREL_TUI_H
#define QREL_TUI_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "qrel/keys.h"

struct db;
struct settings;

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24

struct app {
	struct db *db;
	int64_t review;
	char review_title[160];
	int levels;			/* size of the framework's scale */
	char user[128];
	int64_t person;			/* 0 when the user is not a member of the review */
	char role[16];			/* lead, reviewer, principal, observer; "" if none */
	int64_t home_site;		/* a principal's own school */
	int64_t site;			/* the site being worked on */
	char site_code[32];
	char site_name[128];
	const struct settings *settings;
	bool utf8;			/* draw Unicode; otherwise ASCII stand-ins */
	bool color;
	bool readonly;
	int64_t focus_cluster;		/* a cluster one screen asks the next to select; 0: none */
};

/* What a key handler tells the core; the core decides what to repaint. */
enum ui_result {
	UI_UNHANDLED = 0,
	UI_HANDLED = 1 << 0,
	UI_DIRTY = 1 << 1,	/* the screen's window must be drawn again */
	UI_HEADER = 1 << 2,	/* the header changed (site, title) */
	UI_QUIT = 1 << 3,
};

struct screen_ops {
	const char *name;
	const struct keybinding *keys;	/* this screen's own keys, shown by '?' */
	size_t nkeys;
	void (*enter)(struct app *app);
	void (*leave)(struct app *app);
	/* Draws the whole body into win (erase first); curses sends only what changed. */
	void (*draw)(struct app *app, WINDOW *win);
	int (*key)(struct app *app, WINDOW *win, enum action action, int key);
	/* The site changed or others changed the data: reload what is shown. */
	void (*reload)(struct app *app);
	/* Called from the main loop about once a second and after each key (NULL:
	 * none): work the screen waits on without blocking; UI_DIRTY to redraw. */
	int (*poll)(struct app *app);
	/* Lines the '?' overlay shows under the keys (marks and what they mean); NULL-ended. */
	const char *const *legend;
};

extern const struct screen_ops overview_screen;
extern const struct screen_ops rubric_screen;
extern const struct screen_ops subgroups_screen;
extern const struct screen_ops evidence_screen;
extern const struct screen_ops plan_screen;
extern const struct screen_ops findings_screen;
extern const struct screen_ops report_screen;
extern const struct screen_ops changes_screen;
extern const struct screen_ops conflicts_screen;
extern const struct screen_ops surveys_screen;

/* wget_wch gives characters and function keys in one number space: the characters
 * from U+0101 up share numbers with KEY_MIN..KEY_MAX and the terminal's extended
 * keys (Ctrl-Left ...); keys handed to screens carry this bit when they are
 * characters at or above KEY_MIN. Anything else at or above KEY_MIN is a key. */
#define UI_KEY_CHAR 0x01000000
/* Esc followed at once by a character: Alt and that character; bound to nothing. */
#define UI_KEY_ALT 0x02000000
/* An escape sequence the terminal description does not name: bound to nothing. */
#define UI_KEY_UNKNOWN 0x04000000

/* Is key a character to insert as text (not a control, not a function key)? */
static inline bool
ui_key_is_text(int key)
{
	if (key & UI_KEY_CHAR)
		return true;
	return key >= 0x20 && key != 0x7f && key < KEY_MIN;
}

/* The character of a key ui_key_is_text accepts. */
static inline unsigned
ui_key_char(int key)
{
	return (unsigned)key & ~(unsigned)UI_KEY_CHAR;
}

enum ui_color {
	UI_NORMAL, UI_SELECTED, UI_TITLE, UI_DIM, UI_ERROR,
	UI_LEVEL1, UI_LEVEL2, UI_LEVEL3, UI_LEVEL4, UI_FLAG,
};

int tui_run(struct app *app);
void ui_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Switches to screen; the previous one is left (its leave() runs). */
void ui_switch(const struct screen_ops *screen);
/* Sets the current site and tells the screen to reload. */
void ui_set_site(struct app *app, int64_t site);
attr_t ui_attr(enum ui_color c);
/* Edits text in $VISUAL/$EDITOR with curses set aside meanwhile; *out gets the
 * result (malloc'd). The caller marks the whole screen dirty. */
int ui_external_edit(const char *text, char **out);
/* Draws UTF-8 text at (y, x) within width columns, padded with spaces,
 * control characters as visible marks. Returns the columns used by text. */
int ui_text(WINDOW *w, int y, int x, int width, const char *s, attr_t attr);
/* The window's last row: a hint line generated from the current screen's key
 * table for the actions listed (what does not fit is left to '?'). */
void ui_hint_line(WINDOW *win, const enum action *acts, size_t n);
/* The same hint text into buf, for a hint drawn elsewhere. */
void ui_hints(const enum action *acts, size_t n, int width, char *buf, size_t size);
/* utf8 when the terminal draws Unicode, else the ASCII stand-in. */
const char *ui_glyph(const char *utf8, const char *ascii);
/* A horizontal rule or box character that degrades to ASCII. */
void ui_hline(WINDOW *w, int y, int x, int width);

#endif
