/* keys.c: the global key table, action help texts and key names. */
#include "qrel/qrel.h"
#include "qrel/keys.h"
#include "qrel/tui.h"

static const char *const help_text[] = {
#define ACTION_HELP(name, help) help,
	QREL_ACTIONS(ACTION_HELP)
#undef ACTION_HELP
};

const struct keybinding keys_global[] = {
	{ KEY_UP, ACT_UP }, { 'k', ACT_UP },
	{ KEY_DOWN, ACT_DOWN }, { 'j', ACT_DOWN },
	{ KEY_PPAGE, ACT_PAGE_UP }, { KEY_NPAGE, ACT_PAGE_DOWN }, { ' ', ACT_PAGE_DOWN },
	{ KEY_HOME, ACT_HOME }, { 'g', ACT_HOME }, { KEY_END, ACT_END }, { 'G', ACT_END },
	{ KEY_LEFT, ACT_LEFT }, { 'h', ACT_LEFT }, { KEY_RIGHT, ACT_RIGHT }, { 'l', ACT_RIGHT },
	{ '\n', ACT_ENTER }, { '\r', ACT_ENTER }, { KEY_ENTER, ACT_ENTER },
	{ 'q', ACT_BACK }, { 'Q', ACT_QUIT }, { '?', ACT_HELP }, { KEY_F(1), ACT_HELP },
	{ 'L' - '@', ACT_REDRAW },
	{ 'O', ACT_SCREEN_OVERVIEW }, { 'R', ACT_SCREEN_RUBRIC }, { 'E', ACT_SCREEN_EVIDENCE },
	{ 'S', ACT_SCREEN_SUBGROUPS }, { 'P', ACT_SCREEN_REPORT }, { 'A', ACT_SCREEN_PLAN },
	{ 'C', ACT_SCREEN_CHANGES }, { 'K', ACT_SCREEN_CONFLICTS }, { 'F', ACT_SCREEN_FINDINGS },
	{ ']', ACT_SITE_NEXT }, { '[', ACT_SITE_PREV },
};

const size_t keys_global_count = ARRAY_SIZE(keys_global);

const char *
action_help(enum action a)
{
	return (size_t)a < ARRAY_SIZE(help_text) ? help_text[a] : "";
}

enum action
keys_lookup(const struct keybinding *screen, size_t n, int key)
{
	for (size_t i = 0; i < n; i++)
		if (screen[i].key == key)
			return screen[i].action;
	for (size_t i = 0; i < keys_global_count; i++)
		if (keys_global[i].key == key)
			return keys_global[i].action;
	return ACT_NONE;
}

void
keys_name(int key, char *buf, size_t size)
{
	static const struct { int key; const char *name; } names[] = {
		{ KEY_UP, "Up" }, { KEY_DOWN, "Down" }, { KEY_LEFT, "Left" }, { KEY_RIGHT, "Right" },
		{ KEY_PPAGE, "PgUp" }, { KEY_NPAGE, "PgDn" }, { KEY_HOME, "Home" }, { KEY_END, "End" },
		{ '\n', "Enter" }, { '\r', "Enter" }, { KEY_ENTER, "Enter" }, { ' ', "Space" },
		{ KEY_F(1), "F1" }, { 27, "Esc" }, { '\t', "Tab" }, { KEY_BTAB, "S-Tab" },
		{ KEY_BACKSPACE, "Bksp" }, { KEY_DC, "Del" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].key == key) {
			snprintf(buf, size, "%s", names[i].name);
			return;
		}
	}
	if (key > 0 && key < 32)
		snprintf(buf, size, "^%c", key + '@');
	else if (key < 256)
		snprintf(buf, size, "%c", key);
	else
		snprintf(buf, size, "%s", keyname(key) ? keyname(key) : "?");
}
