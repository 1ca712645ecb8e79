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
	{ 'U', ACT_SCREEN_SURVEYS },
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

/* Short words for hint lines; an action without one is only in the '?' overlay. */
static const char *const hint_text[ACT_COUNT] = {
	[ACT_ENTER] = "open", [ACT_HOME] = "top", [ACT_BACK] = "back", [ACT_QUIT] = "quit", [ACT_HELP] = "help",
	[ACT_SCREEN_OVERVIEW] = "overview", [ACT_SCREEN_RUBRIC] = "rubric", [ACT_SCREEN_EVIDENCE] = "evidence",
	[ACT_SCREEN_SUBGROUPS] = "subgroups", [ACT_SCREEN_REPORT] = "report", [ACT_SCREEN_PLAN] = "plan",
	[ACT_SCREEN_CHANGES] = "changes", [ACT_SCREEN_CONFLICTS] = "conflicts", [ACT_SITE_NEXT] = "site",
	[ACT_SCORE_LEVEL] = "level", [ACT_SCORE_CLEAR] = "clear", [ACT_SCORE_NE] = "NE", [ACT_SCORE_LABEL] = "label", [ACT_SCORE_KIND] = "kind",
	[ACT_EDIT] = "edit", [ACT_EXTERNAL_EDIT] = "$EDITOR", [ACT_CONSENSUS_VIEW] = "consensus", [ACT_GUIDE] = "criteria",
	[ACT_NEXT_DISAGREE] = "next to discuss", [ACT_LOCK] = "lock", [ACT_NOTE_ADD] = "add",
	[ACT_NOTE_DELETE] = "delete", [ACT_NOTE_UNDO] = "undo", [ACT_NOTE_SAVE] = "save+next", [ACT_NOTE_TAG] = "tag", [ACT_NOTE_GROUPS] = "voices",
	[ACT_NOTE_VALENCE] = "valence", [ACT_NOTE_ACTIVITY] = "activity", [ACT_NOTE_CLEAR] = "clear tags",
	[ACT_FILTER] = "filter", [ACT_FILTER_CLEAR] = "clear", [ACT_SEARCH] = "search", [ACT_SEARCH_ORDER] = "order", [ACT_JUMP_RUBRIC] = "rubric",
	[ACT_PLAN_ADD_OBJECTIVE] = "objective", [ACT_PLAN_ADD_CAUSE] = "cause", [ACT_PLAN_ADD_STEP] = "step",
	[ACT_PLAN_EDIT] = "edit", [ACT_PLAN_STATUS] = "status", [ACT_PLAN_SORT] = "sort", [ACT_PLAN_VIEW] = "view",
	[ACT_CHANGES_FILTER] = "filter", [ACT_KEEP_LOCAL] = "keep this", [ACT_KEEP_REMOTE] = "take other",
	[ACT_SHOW_ALL] = "all/open", [ACT_PLAN_FROM_FINDING] = "plan", [ACT_PICK_YEAR] = "year",
	[ACT_PICK_METRIC] = "metric", [ACT_PICK_DIMENSION] = "dimension", [ACT_SORT_NEXT] = "sort",
	[ACT_SORT_REVERSE] = "reverse", [ACT_CHART] = "chart", [ACT_TREND] = "trend", [ACT_ACROSS_SITES] = "sites",
	[ACT_CELL_EDIT] = "edit", [ACT_NOTE_FROM_FINDING] = "note", [ACT_PICK_REFERENCE] = "ref",
	[ACT_WRR_TOGGLE] = "WRR", [ACT_EXPORT] = "export", [ACT_DASH_MINE] = "consensus/yours",
	[ACT_DASH_LISTS] = "lists", [ACT_DASH_PORTFOLIO] = "portfolio", [ACT_SAVE] = "save", [ACT_CANCEL] = "keep draft",
	[ACT_SCREEN_SURVEYS] = "surveys", [ACT_SURVEY_VIEW] = "by item/group", [ACT_SURVEY_NOTE] = "note",
};

const char *
action_hint(enum action a)
{
	return (size_t)a < ARRAY_SIZE(hint_text) && hint_text[a] ? hint_text[a] : "";
}

/* The first key bound to a in screen's table, else the global one; 0 when none. */
static int
key_of(const struct keybinding *screen, size_t n, enum action a)
{
	for (size_t i = 0; i < n; i++)
		if (screen[i].action == a)
			return screen[i].key;
	for (size_t i = 0; i < keys_global_count; i++)
		if (keys_global[i].action == a)
			return keys_global[i].key;
	return 0;
}

void
keys_hints(const struct keybinding *screen, size_t n, const enum action *acts, size_t nacts, int width,
	   char *buf, size_t size)
{
	static const char more[] = "  ? more";
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nacts; i++) {
		char name[32], item[96];
		int key = key_of(screen, n, acts[i]);
		int w;

		if (!key || !*action_hint(acts[i]))
			continue;
		keys_name(key, name, sizeof(name));
		w = snprintf(item, sizeof(item), "%s%s %s", used ? "  " : "", name, action_hint(acts[i]));
		/* Room for "? more" stays unless this is the last item. */
		if ((int)used + w + (i + 1 < nacts ? (int)sizeof(more) - 1 : 0) > width ||
		    used + (size_t)w >= size) {
			snprintf(buf + used, size - used, "%s", used + sizeof(more) < size ? more : "");
			return;
		}
		memcpy(buf + used, item, (size_t)w + 1);
		used += (size_t)w;
	}
}

void
keys_name(int key, char *buf, size_t size)
{
	static const struct { int key; const char *name; } names[] = {
		{ KEY_UP, "Up" }, { KEY_DOWN, "Down" }, { KEY_LEFT, "Left" }, { KEY_RIGHT, "Right" },
		{ KEY_PPAGE, "PgUp" }, { KEY_NPAGE, "PgDn" }, { KEY_HOME, "Home" }, { KEY_END, "End" },
		{ '\n', "Enter" }, { '\r', "Enter" }, { KEY_ENTER, "Enter" }, { ' ', "Space" },
		{ KEY_F(1), "F1" }, { ESC, "Esc" }, { '\t', "Tab" }, { KEY_BTAB, "S-Tab" },
		{ KEY_BACKSPACE, "Bksp" }, { KEY_DC, "Del" }, { KEY_IC, "Ins" }, { 127, "Bksp" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].key == key) {
			snprintf(buf, size, "%s", names[i].name);
			return;
		}
	}
	if (key >= KEY_F(1) && key <= KEY_F(63))
		snprintf(buf, size, "F%d", key - KEY_F0);
	else if (key > 0 && key < 32)
		snprintf(buf, size, "^%c", key + '@');
	else if (key < 256)
		snprintf(buf, size, "%c", key);
	else
		snprintf(buf, size, "key %d", key);	/* never a curses name like KEY_F(2) */
}
