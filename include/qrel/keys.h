/* keys.h: every action a key can trigger, with its help text, in one table. */
#ifndef QREL_KEYS_H
#define QREL_KEYS_H

#define QREL_ACTIONS(_) \
	_(NONE, "") \
	_(UP, "move up") \
	_(DOWN, "move down") \
	_(PAGE_UP, "page up") \
	_(PAGE_DOWN, "page down") \
	_(HOME, "go to the first line") \
	_(END, "go to the last line") \
	_(LEFT, "move left") \
	_(RIGHT, "move right") \
	_(ENTER, "open the selected line") \
	_(BACK, "go back; quit from the overview") \
	_(QUIT, "quit qrel") \
	_(HELP, "show the keys of this screen") \
	_(REDRAW, "repaint the whole terminal") \
	_(SCREEN_OVERVIEW, "review overview") \
	_(SCREEN_RUBRIC, "rubric entry") \
	_(SCREEN_EVIDENCE, "evidence notes") \
	_(SCREEN_SUBGROUPS, "subgroup tables") \
	_(SCREEN_REPORT, "report and dashboard") \
	_(SITE_NEXT, "next site") \
	_(SITE_PREV, "previous site") \
	_(SCORE_LEVEL, "set the level (1..K)") \
	_(SCORE_CLEAR, "clear the score") \
	_(SCORE_NE, "mark insufficient evidence") \
	_(SCORE_KIND, "switch team / consensus scores (lead)") \
	_(EDIT, "edit the rationale or note")

enum action {
#define ACTION_ENUM(name, help) ACT_##name,
	QREL_ACTIONS(ACTION_ENUM)
#undef ACTION_ENUM
	ACT_COUNT
};

struct keybinding {
	int key;		/* a curses key code or a character */
	enum action action;
};

/* Bindings every screen shares; a screen's own table is searched first. */
extern const struct keybinding keys_global[];
extern const size_t keys_global_count;

const char *action_help(enum action a);
enum action keys_lookup(const struct keybinding *screen, size_t n, int key);
/* A key as a person would read it: "j", "PgDn", "Enter", "^L". */
void keys_name(int key, char *buf, size_t size);

#endif
