/* keys.h: every action a key can trigger, with its help text, in one table. */
#ifndef QREL_KEYS_H
#define QREL_KEYS_H

/* Raw key codes the screens and widgets read beside curses' KEY_ names. */
#define ESC 27
#define KEY_CTRL(c) ((c) & 0x1f)

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
	_(SCREEN_PLAN, "action plan") \
	_(SCREEN_FINDINGS, "findings, recommendations and the executive summary") \
	_(SCREEN_CHANGES, "change log: who changed what, old and new") \
	_(SCREEN_CONFLICTS, "sync conflicts between offline copies") \
	_(SCREEN_SURVEYS, "survey results and response rates") \
	_(SITE_NEXT, "next site") \
	_(SITE_PREV, "previous site") \
	_(SCORE_LEVEL, "set the level (1..K)") \
	_(SCORE_CLEAR, "clear the score") \
	_(SCORE_NE, "mark insufficient evidence") \
	_(SCORE_LABEL, "type the level: its label on the scale (Developing) or number") \
	_(SCORE_KIND, "switch team / consensus scores (lead)") \
	_(EDIT, "edit the rationale or note") \
	_(EXTERNAL_EDIT, "edit the rationale in $VISUAL or $EDITOR") \
	_(CONSENSUS_VIEW, "consensus view: every rater side by side (toggle)") \
	_(GUIDE, "the cluster's criteria and guiding questions per stakeholder group (toggle)") \
	_(NEXT_DISAGREE, "next cluster where ratings differ") \
	_(PREV_DISAGREE, "previous cluster where ratings differ") \
	_(LOCK, "lock (finalise) or reopen the site (lead)") \
	_(NOTE_ADD, "capture a new note: your last activity, or the filtered list's cluster and site (where you may write)") \
	_(NOTE_DELETE, "delete the note (u undoes)") \
	_(NOTE_UNDO, "undo the last delete") \
	_(NOTE_SAVE, "save the note and start the next one") \
	_(NOTE_TAG, "tag or untag a cluster (type-ahead on code or title)") \
	_(NOTE_VALENCE, "set the valence: neutral, strength, growth") \
	_(NOTE_ACTIVITY, "choose the activity the note comes from (its site and source), or add one") \
	_(NOTE_CLEAR, "clear the note's tags and valence (the next note keeps them otherwise)") \
	_(NOTE_GROUPS, "whose voice the note carries: pick a stakeholder group (again to drop it)") \
	_(FILTER, "filter by site, cluster, domain, source, author, valence, subgroup, date") \
	_(FILTER_CLEAR, "clear every filter and the search") \
	_(SEARCH, "full-text search: words, \"a phrase\", prefix*") \
	_(SEARCH_ORDER, "order a search's matches: latest added first, or best match first (slower on a large review)") \
	_(JUMP_RUBRIC, "go to the note's first cluster in the rubric") \
	_(PLAN_ADD_OBJECTIVE, "add an objective (title, then if ... then ...)") \
	_(PLAN_ADD_CAUSE, "add a root cause to the objective") \
	_(PLAN_ADD_STEP, "add an action step (lead, start, due date)") \
	_(PLAN_EDIT, "edit the selected objective's title, cause or step") \
	_(PLAN_STATUS, "step status: 1 planned 2 in progress 3 done 4 dropped") \
	_(PLAN_SORT, "sort the step list by due date, lead or status") \
	_(PLAN_VIEW, "switch between the plan tree and the step list") \
	_(CHANGES_FILTER, "filter the change log by person, from/to date, site, cluster") \
	_(KEEP_LOCAL, "conflict: keep this copy's value (lead)") \
	_(KEEP_REMOTE, "conflict: take the other copy's value (lead)") \
	_(SHOW_ALL, "show resolved conflicts too (toggle)") \
	_(PLAN_FROM_FINDING, "start an action-plan objective from what is selected (note, cluster or subgroup row)") \
	_(PICK_YEAR, "choose the school year (type-ahead)") \
	_(PICK_METRIC, "choose the metric (type-ahead)") \
	_(PICK_DIMENSION, "choose the dimension (type-ahead)") \
	_(SORT_NEXT, "sort by the next column") \
	_(SORT_PREV, "sort by the previous column") \
	_(SORT_REVERSE, "reverse the sort") \
	_(CHART, "chart: rates, shares against enrolment, or none") \
	_(TREND, "the group's trend across years") \
	_(ACROSS_SITES, "the group across sites") \
	_(CELL_EDIT, "correct the row's enrolled and count") \
	_(NOTE_FROM_FINDING, "write an evidence note from the flagged finding") \
	_(PICK_REFERENCE, "choose the reference group for the 'vs' column (or none)") \
	_(WRR_TOGGLE, "show or hide the weighted risk ratio column") \
	_(FINDING_ADD, "write a finding: domain or cluster, a site or all, strength or growth, then its text") \
	_(FINDING_CITE, "cite an evidence note as the finding's key evidence") \
	_(FINDING_DELETE, "delete the selected finding or recommendation") \
	_(REC_ADD, "write a recommendation answering the selected finding") \
	_(REC_OBJECTIVE, "turn the recommendation into an action-plan objective") \
	_(FINALISE, "finalise the report, or reopen it with a reason (lead)") \
	_(EXPORT, "export the report: HTML, Markdown, CSV or JSON") \
	_(DASH_MINE, "show the consensus levels or your own (toggle)") \
	_(DASH_LISTS, "what needs attention, in full (toggle)") \
	_(DASH_PORTFOLIO, "the review among the hub's others: fetch the portfolio ([hub] url)") \
	_(SAVE, "save the text being edited (^X or F2 in every editor)") \
	_(CANCEL, "close the editor, keeping the text as a draft (Esc in every editor)") \
	_(SURVEY_VIEW, "survey results by item or by stakeholder group (toggle)") \
	_(SURVEY_NOTE, "write an evidence note citing the selected survey item")

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
/* A key as a person would read it: "j", "PgDn", "Enter", "^L", "F2". */
void keys_name(int key, char *buf, size_t size);
/* The word an action goes by in a hint line ("add"); "" when it has none. */
const char *action_hint(enum action a);
/* A hint line from the key tables: "a add  e edit ..." for each action in acts,
 * named by its first key in screen's table (n entries) or the global one. What
 * does not fit in width columns is left to the '?' overlay, which "? more" names. */
void keys_hints(const struct keybinding *screen, size_t n, const enum action *acts, size_t nacts, int width,
		char *buf, size_t size);

#endif
