/* rubric.c: rubric entry: the cluster tree with this rater's levels, the selected
 * cluster's descriptors or the consensus view, a level on one key press, the
 * rationale edited inline or in $VISUAL, and the lead's lock and reopen. */
#include "qrel/qrel.h"
#include "qrel/edit_session.h"
#include "qrel/editor.h"
#include "qrel/external_editor.h"
#include "qrel/plan.h"
#include "qrel/protocol.h"
#include "qrel/score.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"
#include "qrel/visibility.h"
#include "qrel/voice.h"

#include <ctype.h>

#define LEFT_MIN 34
#define ROW_FIXED 17		/* a cluster row's columns besides its title */

enum prompt { PROMPT_NONE, PROMPT_LOCK, PROMPT_REOPEN, PROMPT_LEVEL };

static struct {
	struct score_node *tree;
	int n;
	int sel, top;		/* selected node (always a cluster) and first row shown */
	enum score_kind kind;
	bool kind_set;		/* the kind was chosen for this user (it follows the role) */
	struct score_rubric rub;
	struct score_value val;
	struct score_entry *others;
	int nothers;
	int scored, total, ndisagree;
	int unagreed;		/* the lock question: clusters without a consensus */
	struct editor *ed;	/* non-NULL while the rationale is edited */
	/* The rationale's draft, the version its save expects, and a save refused
	 * because someone changed the row meanwhile (both texts kept until the user
	 * keeps theirs or takes the other). */
	struct edit_session es;
	bool consensus;		/* the consensus view replaces the descriptors */
	enum score_kind kind_before;	/* the kind to go back to when it closes */
	struct score_levels levels;	/* the selected cluster's, as far as this user may see */
	bool blind;
	struct score_source src[SCORE_MAX_SOURCES];
	int nsrc;
	char heard[VOICE_LIST_MAX];	/* the stakeholder groups heard (voice.h) */
	int nheard;
	struct proto_guide guide;	/* the cluster's criteria and guiding questions */
	bool guide_shown;		/* they replace the descriptors */
	bool site_locked, review_locked;
	enum prompt prompt;
	struct editor *reason;	/* the reopen prompt's text, or the typed level's */
	struct {
		bool shown;	/* the two-pane view of a refused save is open */
		int64_t cluster;	/* whose rationale it was */
		enum score_kind kind;
	} cf;
} rb;

/* ---- data ---- */

static const struct score_node *
selected(void)
{
	return rb.sel >= 0 && rb.sel < rb.n && !rb.tree[rb.sel].is_domain ? &rb.tree[rb.sel] : NULL;
}

static bool
is_lead(const struct app *app)
{
	return strcmp(app->role, "lead") == 0;
}

static void
free_selected(void)
{
	score_rubric_free(&rb.rub);
	score_value_free(&rb.val);
	score_list_free(rb.others, rb.nothers);
	rb.others = NULL;
	rb.nothers = 0;
	rb.nsrc = 0;
	rb.heard[0] = '\0';
	rb.nheard = 0;
	proto_guide_free(&rb.guide);
}

static void
clear_conflict(void)
{
	edit_session_end_conflict(&rb.es);
	memset(&rb.cf, 0, sizeof(rb.cf));
}

/* Is a refused save pending for the cluster and kind shown? */
static bool
conflict_here(void)
{
	const struct score_node *c = selected();

	return rb.es.cf.active && c && c->id == rb.cf.cluster && rb.kind == rb.cf.kind;
}

/* The evidence counts follow the rule for the team's notes at the site
 * (visibility.h): a principal's school before release, another school, a non-member. */
static bool
notes_visible(const struct app *app)
{
	struct vis_at at = { app->site, 0, 0 };
	struct vis_viewer v;

	return visibility_viewer(app->db, app->review, app->user, &v) == QREL_OK &&
	       visibility_sees(app->db, &v, VIS_NOTE, &at);
}

static void
load_selected(struct app *app)
{
	const struct score_node *c = selected();

	free_selected();
	if (rb.es.cf.active && !conflict_here())
		clear_conflict();	/* moved on: the draft stays, e brings it back */
	if (!c)
		return;
	if (score_rubric(app->db, app->review, c->id, &rb.rub) != QREL_OK ||
	    score_get(app->db, app->site, c->id, app->person, rb.kind, &rb.val) != QREL_OK ||
	    score_list(app->db, app->review, app->user, app->site, c->id, &rb.others, &rb.nothers) != QREL_OK ||
	    (notes_visible(app) &&
	     (score_sources(app->db, app->site, c->id, rb.src, SCORE_MAX_SOURCES, &rb.nsrc) != QREL_OK ||
	      voice_heard(app->db, app->review, app->site, c->id, rb.heard, sizeof(rb.heard), &rb.nheard) != QREL_OK)) ||
	    proto_cluster_guide(app->db, c->id, &rb.guide) != QREL_OK)
		ui_error("%s", error_message());
	score_levels_of(rb.others, rb.nothers, &rb.levels);
	rb.blind = score_blind(app->db, app->review, app->user, app->site, c->id);
}

static void
count_progress(void)
{
	rb.scored = rb.total = rb.ndisagree = 0;
	for (int i = 0; i < rb.n; i++) {
		if (rb.tree[i].is_domain)
			continue;
		rb.total++;
		rb.scored += rb.tree[i].level > 0 || rb.tree[i].insufficient;
		rb.ndisagree += rb.tree[i].disagree;
	}
}

/* Keeps the selection on a cluster: the first one at or after i, else before. */
static void
select_cluster(int i)
{
	int j;

	i = i >= rb.n ? rb.n - 1 : i < 0 ? 0 : i;
	for (j = i; j < rb.n && rb.tree[j].is_domain; j++)
		;
	if (j == rb.n)
		for (j = i; j > 0 && rb.tree[j].is_domain; j--)
			;
	rb.sel = j < rb.n ? j : 0;
}

/* The next cluster from i in the direction of step, or i when there is none. */
static int
step_cluster(int i, int step)
{
	for (int j = i + step; j >= 0 && j < rb.n; j += step)
		if (!rb.tree[j].is_domain)
			return j;
	return i;
}

static void
load_tree(struct app *app)
{
	free(rb.tree);
	if (score_tree(app->db, app->review, app->site, app->person, rb.kind, &rb.tree, &rb.n) != QREL_OK ||
	    score_mark_disagreements(app->db, app->review, app->user, app->site, rb.tree, rb.n) != QREL_OK ||
	    score_lock_state(app->db, app->review, app->site, &rb.site_locked, &rb.review_locked) != QREL_OK)
		ui_error("%s", error_message());
	if (rb.tree && !notes_visible(app))
		for (int i = 0; i < rb.n; i++)
			memset(&rb.tree[i].ev, 0, sizeof(rb.tree[i].ev));
}

static void
rubric_reload(struct app *app)
{
	/* Another screen (a note's "go to its cluster") may ask for a cluster. */
	int64_t keep = app->focus_cluster > 0 ? app->focus_cluster : selected() ? selected()->id : 0;

	load_tree(app);
	for (int i = 0; keep && i < rb.n; i++)
		if (!rb.tree[i].is_domain && rb.tree[i].id == keep)
			rb.sel = i;
	app->focus_cluster = 0;
	select_cluster(rb.sel);
	count_progress();
	load_selected(app);
}

static void
rubric_enter(struct app *app)
{
	if (!rb.kind_set) {
		rb.kind = score_kind_for_role(app->role);
		rb.kind_set = true;
	}
	rubric_reload(app);
}

static void
close_prompt(void)
{
	editor_free(rb.reason);
	rb.reason = NULL;
	rb.prompt = PROMPT_NONE;
}

static void
rubric_leave(struct app *app)
{
	UNUSED(app);
	/* An open editor's text is already in its draft; it comes back next time. */
	editor_free(rb.ed);
	rb.ed = NULL;
	close_prompt();
	clear_conflict();
	if (rb.consensus)
		rb.kind = rb.kind_before;
	rb.consensus = false;
	free_selected();
	free(rb.tree);
	rb.tree = NULL;
	rb.n = 0;
}

/* ---- drawing: shared ---- */

static attr_t
level_attr(int level)
{
	if (level < 1)
		return A_NORMAL;
	return ui_attr(level >= 4 ? UI_LEVEL4 : (enum ui_color)(UI_LEVEL1 + level - 1));
}

static void
level_mark(const struct score_node *c, char out[16])
{
	if (c->insufficient)
		snprintf(out, 16, "[NE]");
	else if (c->level > 0)
		snprintf(out, 16, "[%d]", c->level);
	else
		snprintf(out, 16, "[ ]");
}

static const char *
differ_mark(const struct app *app)
{
	return app->utf8 ? "\xe2\x89\xa0" : "#";
}

/* Room for the longest title, up to 45% of the width; never below LEFT_MIN. */
static int
left_width(WINDOW *win)
{
	int want = LEFT_MIN, most = getmaxx(win) * 45 / 100;

	for (int i = 0; i < rb.n; i++)
		if (!rb.tree[i].is_domain && text_width(rb.tree[i].title) + ROW_FIXED > want)
			want = text_width(rb.tree[i].title) + ROW_FIXED;
	return want > most ? (most > LEFT_MIN ? most : LEFT_MIN) : want;
}

/* The count of clusters to discuss sits at the right end of the rule. */
static void
draw_rule(struct app *app, WINDOW *win)
{
	char text[64];
	int w = getmaxx(win), tw;

	ui_hline(win, 1, 0, w);
	if (!rb.ndisagree)
		return;
	snprintf(text, sizeof(text), " %s %d to discuss ", differ_mark(app), rb.ndisagree);
	tw = text_width(text);
	ui_text(win, 1, w - tw - 2, tw, text, ui_attr(UI_FLAG));
}

static void
draw_progress(struct app *app, WINDOW *win)
{
	const char *lock = rb.review_locked ? " REVIEW LOCKED " : rb.site_locked ? " LOCKED " : "";
	char text[400], by[160];
	int x = 0;

	snprintf(text, sizeof(text), "%s: scored %d of %d clusters at %s  %s  %s scores",
		 rb.consensus ? "Consensus" : "Rubric", rb.scored, rb.total, app->site_code,
		 app->utf8 ? "\xc2\xb7" : "|", score_kind_name(rb.kind));
	if (*lock)
		x = ui_text(win, 0, 0, (int)strlen(lock), lock, ui_attr(UI_ERROR)) + 1;
	snprintf(by, sizeof(by), " by %s", app->user);
	/* The header names the user too: the name gives way first. */
	if (text_width(text) + text_width(by) <= getmaxx(win) - x)
		strcat(text, by);
	ui_text(win, 0, x, getmaxx(win) - x, text, A_BOLD);
	draw_rule(app, win);
}

static void
draw_cluster_row(struct app *app, WINDOW *win, int y, int width, const struct score_node *c, bool sel)
{
	attr_t attr = sel ? ui_attr(UI_SELECTED) : A_NORMAL;
	int title = width - ROW_FIXED, x = 6 + title;
	char code[24], mark[16], count[16];

	snprintf(code, sizeof(code), " %-4s", c->code);
	level_mark(c, mark);
	snprintf(count, sizeof(count), " %3d", c->ev.notes);
	ui_text(win, y, 0, 6, code, attr | A_BOLD);
	ui_text(win, y, 6, title + 1, "", attr);	/* and the gap after it */
	ui_text(win, y, 6, title, c->title, attr);
	ui_text(win, y, x + 1, 4, mark, sel ? attr : level_attr(c->level) | A_BOLD);
	ui_text(win, y, x + 5, 1, c->disagree ? differ_mark(app) : " ", sel ? attr : ui_attr(UI_FLAG));
	ui_text(win, y, x + 6, 4, count, attr);
	ui_text(win, y, x + 10, 1, c->ev.sources < SCORE_TRIANGULATED ? "!" : " ", sel ? attr : ui_attr(UI_FLAG));
}

static void
draw_tree(struct app *app, WINDOW *win, int y0, int height, int width)
{
	if (rb.sel < rb.top)
		rb.top = rb.sel;
	if (rb.sel == rb.top && rb.sel > 0 && rb.tree[rb.sel - 1].is_domain)
		rb.top = rb.sel - 1;	/* a domain's first cluster shows with its heading */
	if (rb.sel >= rb.top + height)
		rb.top = rb.sel - height + 1;
	if (rb.top > 0 && rb.top + height > rb.n)
		rb.top = rb.n > height ? rb.n - height : 0;	/* a taller window shows more */
	for (int row = 0; row < height; row++) {
		int i = rb.top + row;

		if (i >= rb.n) {
			ui_text(win, y0 + row, 0, width, "", A_NORMAL);
		} else if (rb.tree[i].is_domain) {
			char text[200];

			snprintf(text, sizeof(text), "%s %s", rb.tree[i].code, rb.tree[i].title);
			ui_text(win, y0 + row, 0, width, text, ui_attr(UI_DIM) | A_BOLD);
		} else {
			draw_cluster_row(app, win, y0 + row, width, &rb.tree[i], i == rb.sel);
		}
	}
	if (!rb.n)
		ui_text(win, y0, 0, width, "This review's framework has no clusters.", A_NORMAL);
}

/* Draws s wrapped into at most max rows; returns the rows used. An ellipsis
 * ends the last row when the text goes on. */
static int
draw_wrapped(WINDOW *win, int y, int x, int width, int max, const char *s, attr_t attr)
{
	size_t len;
	int rows = 0;

	while (rows < max && s && *s) {
		const char *next = text_wrap(s, width, &len);
		char line[512];
		bool more = next && *next && rows + 1 == max;

		if (len >= sizeof(line) - 4)
			len = sizeof(line) - 5;
		memcpy(line, s, len);
		line[len] = '\0';
		if (more) {
			line[text_fit(line, width - 2)] = '\0';
			strcat(line, " \xe2\x80\xa6");
		}
		ui_text(win, y + rows++, x, width, line, attr);
		s = next;
	}
	return rows;
}

static int
wrapped_rows(const char *s, int width)
{
	size_t len;
	int rows = 0;

	while (s && *s && (s = text_wrap(s, width, &len)))
		rows++;
	return rows;
}

/* Shares avail rows: first base each (or need, when less), then the rest in
 * order as far as it goes. Returns the rows given. */
static int
share(const int *need, int *give, int n, int base, int avail)
{
	int used = 0;

	for (int i = 0; i < n; i++) {
		give[i] = need[i] < base ? need[i] : base;
		give[i] = give[i] < avail - used ? give[i] : avail - used;
		used += give[i];
	}
	for (int i = 0; i < n && used < avail; i++) {
		int more = need[i] - give[i] < avail - used ? need[i] - give[i] : avail - used;

		give[i] += more;
		used += more;
	}
	return used;
}

static void
level_text(int level, bool insufficient, char out[12])
{
	if (insufficient)
		snprintf(out, 12, "NE");
	else if (level > 0)
		snprintf(out, 12, "%d", level);
	else
		snprintf(out, 12, "-");
}

static void
score_words(char *out, size_t n)
{
	if (rb.val.insufficient)
		snprintf(out, n, "NE, insufficient evidence");
	else if (rb.val.level > 0 && rb.val.level <= rb.rub.levels)
		snprintf(out, n, "%d %s", rb.val.level, rb.rub.label[rb.val.level - 1]);
	else
		snprintf(out, n, "not rated");
}

static int
draw_title(WINDOW *win, int y, int x, int width)
{
	char text[300];

	snprintf(text, sizeof(text), "%s %s", rb.rub.code, rb.rub.title ? rb.rub.title : "");
	return draw_wrapped(win, y, x, width, 2, text, A_BOLD);
}

static int
rationale_rows(int avail, int width)
{
	int want = rb.ed ? editor_lines(rb.ed, width) + 1 : wrapped_rows(rb.val.rationale, width);

	if (rb.ed && want < 4)
		want = 4;
	if (want < 1)
		want = 1;
	if (want > avail / 2 + (rb.ed ? 2 : 0))
		want = avail / 2 + (rb.ed ? 2 : 0);
	return want + 1;	/* and its heading */
}

static void
draw_rationale(WINDOW *win, int y, int x, int width, int rows)
{
	char head[320], words[160];

	score_words(words, sizeof(words));
	snprintf(head, sizeof(head), "%c%s score %s; rationale:", toupper((unsigned char)*score_kind_name(rb.kind)),
		 score_kind_name(rb.kind) + 1, words);
	ui_text(win, y, x, width, head, A_BOLD);
	if (rb.ed)
		editor_draw(rb.ed, win, y + 1, x, rows - 1, width);
	else if (*rb.val.rationale)
		draw_wrapped(win, y + 1, x, width, rows - 1, rb.val.rationale, A_NORMAL);
	else
		ui_text(win, y + 1, x, width, "(none yet: press e to write one)", ui_attr(UI_DIM));
}

static void
draw_hint(struct app *app, WINDOW *win, int y, int x, int width)
{
	static const enum action editing[] = { ACT_SAVE, ACT_CANCEL, ACT_EXTERNAL_EDIT };
	static const enum action lead[] = { ACT_SCORE_CLEAR, ACT_SCORE_NE, ACT_EDIT, ACT_EXTERNAL_EDIT,
		ACT_CONSENSUS_VIEW, ACT_GUIDE, ACT_NEXT_DISAGREE, ACT_SCORE_KIND, ACT_LOCK };	/* the last two: the lead's */
	char text[512];
	int used;

	if (rb.ed)
		ui_hints(editing, ARRAY_SIZE(editing), width, text, sizeof(text));
	else if (rb.cf.shown)
		snprintf(text, sizeof(text), "y keep yours  t take theirs  e edit yours  Esc close");
	else if (rb.es.cf.active)
		snprintf(text, sizeof(text), "Not saved: changed meanwhile  d see both  e edit yours");
	else {
		/* The scale's size is the one part no table knows; the rest comes from the keys. */
		used = snprintf(text, sizeof(text), "1-%d %s level  ", app->levels, score_kind_name(rb.kind));
		ui_hints(lead, is_lead(app) ? ARRAY_SIZE(lead) : ARRAY_SIZE(lead) - 2, width - used, text + used,
			 sizeof(text) - (size_t)used);
	}
	ui_text(win, y, x, width, text, ui_attr(UI_DIM));
}

/* ---- drawing: the descriptors ---- */

/* Rows for each level's descriptor: one each first, then the chosen level's
 * in full, then the rest in order, as long as rows remain. */
static void
share_rows(int avail, int width, int chosen, int *give)
{
	int need[SCORE_MAX_LEVELS], k = rb.rub.levels;

	avail -= k;	/* the label lines */
	for (int i = 0; i < k; i++) {
		need[i] = wrapped_rows(rb.rub.descriptor[i], width);
		give[i] = need[i] && avail > 0 ? 1 : 0;
		avail -= give[i];
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < k && avail > 0; i++) {
			int more;

			if (pass == 0 && i != chosen - 1)
				continue;
			more = need[i] - give[i] < avail ? need[i] - give[i] : avail;
			give[i] += more;
			avail -= more;
		}
	}
}

static int
draw_levels(struct app *app, WINDOW *win, int y, int x, int width, int avail)
{
	int give[SCORE_MAX_LEVELS], chosen = rb.val.insufficient ? 0 : rb.val.level, y0 = y;

	share_rows(avail, width - 4, chosen, give);
	for (int i = 0; i < rb.rub.levels && y - y0 < avail; i++) {
		bool on = i + 1 == chosen;
		char label[200];

		snprintf(label, sizeof(label), "%s %d %s", on ? (app->utf8 ? "\xe2\x96\xb6" : ">") : " ",
			 i + 1, rb.rub.label[i] ? rb.rub.label[i] : "");
		ui_text(win, y++, x, width, label, on ? level_attr(i + 1) | A_REVERSE | A_BOLD : A_BOLD);
		y += draw_wrapped(win, y, x + 4, width - 4, give[i], rb.rub.descriptor[i],
				  on ? A_BOLD : A_NORMAL);
	}
	return y - y0;
}

static void
draw_others(WINDOW *win, int y, int x, int width)
{
	char text[512] = "Scores:";
	size_t len = strlen(text);

	for (int i = 0; i < rb.nothers && len < sizeof(text) - 1; i++) {
		const struct score_entry *e = &rb.others[i];
		char lv[12];

		level_text(e->level, e->insufficient, lv);
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %s%s %s", i ? "," : "",
			e->kind == SCORE_TEAM ? "" : e->kind == SCORE_SELF ? "self " : "consensus ", e->rater, lv);
		if (len >= sizeof(text))
			len = sizeof(text) - 1;
	}
	ui_text(win, y, x, width, text, ui_attr(UI_DIM));
}

/* Blind rating: score_list gives others' scores only when they may be seen. */
static bool
others_visible(const struct app *app)
{
	for (int i = 0; i < rb.nothers; i++)
		if (strcmp(rb.others[i].rater, app->user) != 0 || rb.others[i].kind != rb.kind)
			return true;
	return false;
}

static int
draw_heading(const struct app *app, WINDOW *win, int y, int x, int width, const struct score_node *c)
{
	char text[VOICE_LIST_MAX + 200], voice[VOICE_LIST_MAX + 64];
	int rows = draw_title(win, y, x, width);

	voice_triangulation_text(c->ev.sources, rb.nheard, rb.heard, voice, sizeof(voice));
	snprintf(text, sizeof(text), "%d note%s, %s: %s", c->ev.notes, c->ev.notes == 1 ? "" : "s", voice,
		 c->ev.sources >= SCORE_TRIANGULATED ? "triangulated" : "not triangulated");
	rows += draw_wrapped(win, y + rows, x, width, 2, text,
			     c->ev.sources >= SCORE_TRIANGULATED ? A_NORMAL : ui_attr(UI_FLAG));
	if (others_visible(app))
		draw_others(win, y + rows++, x, width);
	return rows;
}

/* The criteria, then the guiding questions, each group's marked with its code. */
static void
draw_guide(WINDOW *win, int y, int x, int width, int height)
{
	const struct proto_guide *g = &rb.guide;
	int row = 0;

	row += draw_wrapped(win, y + row, x, width, 1, g->ncriteria ? "Criteria:" : "Criteria: none in the framework",
			    A_BOLD);
	for (int i = 0; i < g->ncriteria && row < height; i++) {
		char text[1100];

		snprintf(text, sizeof(text), "- %s", g->criteria[i]);
		row += draw_wrapped(win, y + row, x, width, height - row, text, A_NORMAL);
	}
	if (row < height)
		row += draw_wrapped(win, y + row, x, width, 1,
				    g->nquestions ? "Guiding questions:" : "Guiding questions: none in the framework", A_BOLD);
	for (int i = 0; i < g->nquestions && row < height; i++) {
		char text[1100], who[64];

		str_copy(who, sizeof(who), *g->questions[i].group ? g->questions[i].group : "everyone");
		for (char *p = who; *p; p++)
			*p = *p == '_' ? ' ' : *p;
		snprintf(text, sizeof(text), "[%s] %s", who, g->questions[i].text);
		row += draw_wrapped(win, y + row, x, width, height - row, text, A_NORMAL);
	}
}

static void
draw_descriptors(struct app *app, WINDOW *win, int y, int x, int width, int height)
{
	const struct score_node *c = selected();
	int used, rat;

	used = draw_heading(app, win, y, x, width, c);
	if (rb.guide_shown) {
		draw_guide(win, y + used, x, width, height - used - 1);
		return;
	}
	rat = rationale_rows(height - used - 1, width);
	draw_levels(app, win, y + used, x, width, height - used - 1 - rat);
	draw_rationale(win, y + height - 1 - rat, x, width, rat);
}

/* ---- drawing: the consensus view ---- */

/* "Evidence: 7 notes from 3 source types: interview 3, focus group 2, ..." */
static void
sources_text(const struct score_node *c, char *out, size_t size)
{
	size_t len = (size_t)snprintf(out, size, "Evidence: %d note%s from %d source type%s%s", c->ev.notes,
				      c->ev.notes == 1 ? "" : "s", c->ev.sources, c->ev.sources == 1 ? "" : "s",
				      rb.nsrc ? ":" : "");

	for (int i = 0; i < rb.nsrc && len < size; i++) {
		char name[24];

		snprintf(name, sizeof(name), "%s", rb.src[i].source);
		for (char *p = name; *p; p++)
			*p = *p == '_' ? ' ' : *p;
		len += (size_t)snprintf(out + len, size - len, "%s %s %d", i ? "," : "", name, rb.src[i].notes);
	}
	if (len + 2 < size) {
		out[len++] = ';';
		out[len++] = ' ';
		voice_groups_text(rb.nheard, rb.heard, out + len, size - len);
	}
}

static void
spread_text(const struct app *app, char *out, size_t size)
{
	const struct score_levels *l = &rb.levels;
	const char *dot = app->utf8 ? "\xc2\xb7" : "|";
	char self[12], cons[12];
	int lo = 0, hi = 0;

	for (int i = 0; i < l->nteam; i++) {
		lo = !i || l->team[i] < lo ? l->team[i] : lo;
		hi = !i || l->team[i] > hi ? l->team[i] : hi;
	}
	level_text(l->self, false, self);
	level_text(l->consensus, false, cons);
	if (l->nteam)
		snprintf(out, size, "Spread %d (team %d to %d, %d rater%s)  %s  self %s  %s  consensus %s",
			 score_spread(l), lo, hi, l->nteam, l->nteam == 1 ? "" : "s", dot, self, dot, cons);
	else
		snprintf(out, size, "No team levels yet  %s  self %s  %s  consensus %s", dot, self, dot, cons);
}

static void
differ_text(const struct app *app, char *out, size_t size)
{
	int spread = score_spread(&rb.levels);
	bool self = score_self_differs(&rb.levels);

	snprintf(out, size, "%s %s%s%s%s", differ_mark(app),
		 spread >= SCORE_DISCUSS_SPREAD ? "team raters differ by " : "",
		 spread >= SCORE_DISCUSS_SPREAD ? (spread == 2 ? "two levels" : "three or more levels") : "",
		 spread >= SCORE_DISCUSS_SPREAD && self ? "; " : "",
		 self ? (rb.levels.consensus ? "self-evaluation differs from the consensus"
					     : "self-evaluation differs from the team's median") : "");
}

static int
draw_summary(const struct app *app, WINDOW *win, int y, int x, int width, const struct score_node *c)
{
	char text[512];
	int rows = draw_title(win, y, x, width);

	sources_text(c, text, sizeof(text));
	rows += draw_wrapped(win, y + rows, x, width, 2, text,
			     c->ev.sources >= SCORE_TRIANGULATED ? A_NORMAL : ui_attr(UI_FLAG));
	if (rb.blind) {
		return rows + draw_wrapped(win, y + rows, x, width, 2,
					   "Other ratings hidden until consensus: only your own score shows.", ui_attr(UI_DIM));
	}
	spread_text(app, text, sizeof(text));
	rows += draw_wrapped(win, y + rows, x, width, 2, text, A_BOLD);
	if (score_disagree(&rb.levels)) {
		differ_text(app, text, sizeof(text));
		rows += draw_wrapped(win, y + rows, x, width, 2, text, ui_attr(UI_FLAG));
	}
	return rows;
}

/* Columns of a rater's line: name, kind, level, then the rationale beside them
 * when there is room, else below. */
struct cols {
	int name, rat;		/* widths */
	bool side;
};

static struct cols
entry_cols(int width)
{
	struct cols c;

	c.name = width / 4 < 14 ? 14 : width / 4 > 28 ? 28 : width / 4;
	c.rat = width - c.name - 15;
	c.side = c.rat >= 30;
	if (!c.side)
		c.rat = width - 2;
	return c;
}

/* Side by side: name, kind, level in columns; stacked: the name takes what the
 * kind and level leave. */
static void
draw_entry_head(const struct app *app, WINDOW *win, int y, int x, const struct cols *c,
		const struct score_entry *e)
{
	int name = c->side ? c->name : c->rat - 12, kx = x + name + 1;
	bool mine = strcmp(e->rater, app->user) == 0;
	char lv[12];

	level_text(e->level, e->insufficient, lv);
	ui_text(win, y, x, name + 1, "", A_NORMAL);
	ui_text(win, y, x, name, e->rater, mine ? A_BOLD : A_NORMAL);
	ui_text(win, y, kx, 10, score_kind_name(e->kind), ui_attr(UI_DIM));
	ui_text(win, y, kx + 10, 3, lv, level_attr(e->insufficient ? 0 : e->level) | A_BOLD);
}

static void
draw_entry(const struct app *app, WINDOW *win, int y, int x, const struct cols *c,
	   const struct score_entry *e, int rows)
{
	int rx = c->side ? x + c->name + 15 : x + 2, ry = c->side ? y : y + 1;

	draw_entry_head(app, win, y, x, c, e);
	if (!c->side)
		rows--;
	if (*e->rationale)
		draw_wrapped(win, ry, rx, c->rat, rows, e->rationale, A_NORMAL);
	else if (c->side && rows > 0)
		ui_text(win, ry, rx, c->rat, "(no rationale)", ui_attr(UI_DIM));
}

static void
draw_entries(const struct app *app, WINDOW *win, int y, int x, int width, int avail)
{
	struct cols c = entry_cols(width);
	int need[64], give[64], n = rb.nothers < 64 ? rb.nothers : 64, shown = 0;

	if (!n) {
		ui_text(win, y, x, width, "No scores yet for this cluster here.", ui_attr(UI_DIM));
		return;
	}
	for (int i = 0; i < n; i++)
		need[i] = (c.side ? 0 : 1) + wrapped_rows(rb.others[i].rationale, c.rat);
	for (int i = 0; i < n; i++)
		need[i] = need[i] < 1 ? 1 : need[i];
	share(need, give, n, c.side ? 1 : 2, avail);
	for (int i = 0; i < n && give[i] > 0; i++, shown++) {
		draw_entry(app, win, y, x, &c, &rb.others[i], give[i]);
		y += give[i];
	}
	if (shown < rb.nothers)
		ui_text(win, y - 1, x, width, "... more raters: a taller terminal shows them", ui_attr(UI_DIM));
}

static void
draw_consensus(struct app *app, WINDOW *win, int y, int x, int width, int height)
{
	const struct score_node *c = selected();
	int used = draw_summary(app, win, y, x, width, c), rat = 0;

	if (rb.ed) {
		rat = rationale_rows(height - used - 2, width);
		draw_rationale(win, y + height - 1 - rat, x, width, rat);
	}
	ui_hline(win, y + used++, x, width);
	draw_entries(app, win, y + used, x, width, height - used - 1 - rat);
}

/* ---- drawing: a refused save, theirs above yours ---- */

/* Stacked, so each text has the detail pane's whole width even at 80 columns. */
static void
draw_conflict(WINDOW *win, int y, int x, int width, int height)
{
	char head[400];

	snprintf(head, sizeof(head), "%s %s rationale: changed while you were typing", rb.rub.code,
		 score_kind_name(rb.kind));
	ui_text(win, y, x, width, head, ui_attr(UI_FLAG) | A_BOLD);
	edit_session_draw(&rb.es, win, y + 1, x, width, height - 2);
}

/* ---- drawing: the whole screen ---- */

static void
draw_detail(struct app *app, WINDOW *win, int y, int x, int width, int height)
{
	if (!selected() || !rb.rub.title)
		return;
	if (rb.cf.shown)
		draw_conflict(win, y, x, width, height);
	else if (rb.consensus)
		draw_consensus(app, win, y, x, width, height);
	else
		draw_descriptors(app, win, y, x, width, height);
	draw_hint(app, win, y + height - 1, x, width);
}

static void
draw_separator(struct app *app, WINDOW *win, int y0, int x, int height)
{
	for (int y = y0; y < y0 + height; y++)
		ui_text(win, y, x, 1, app->utf8 ? "\xe2\x94\x82" : "|", ui_attr(UI_DIM));
}

/* The lock question or the reopen reason, over the last row. */
static void
draw_prompt(struct app *app, WINDOW *win)
{
	int y = getmaxy(win) - 1, w = getmaxx(win), x;
	char text[200];

	if (rb.prompt == PROMPT_LOCK && (rb.unagreed || rb.ndisagree)) {
		snprintf(text, sizeof(text), "Lock %s? %d of %d clusters without a consensus, %d to discuss. y locks "
			 "anyway; n keeps open", app->site_code, rb.unagreed, rb.total, rb.ndisagree);
		ui_text(win, y, 0, w, text, ui_attr(UI_ERROR));
		return;
	}
	if (rb.prompt == PROMPT_LOCK) {
		snprintf(text, sizeof(text), "Lock site %s? y/n  (its scores become read-only for everyone "
			 "until the lead reopens it)", app->site_code);
		ui_text(win, y, 0, w, text, A_BOLD | A_REVERSE);
		return;
	}
	if (rb.prompt == PROMPT_LEVEL)
		snprintf(text, sizeof(text), "Level (a label of the scale or 1-%d; Enter sets, Esc cancels): ",
			 app->levels);
	else
		snprintf(text, sizeof(text), "Reason to reopen %s (Enter saves, Esc cancels): ", app->site_code);
	x = ui_text(win, y, 0, w, text, A_BOLD);
	editor_draw(rb.reason, win, y, x, 1, w - x);
}

static void
rubric_draw(struct app *app, WINDOW *win)
{
	int lw = left_width(win), h = getmaxy(win) - 2;

	werase(win);
	draw_progress(app, win);
	draw_tree(app, win, 2, h, lw);
	draw_separator(app, win, 2, lw, h);
	draw_detail(app, win, 2, lw + 2, getmaxx(win) - lw - 2, h);
	if (rb.prompt != PROMPT_NONE)
		draw_prompt(app, win);
}

/* ---- keys: levels, kinds and views ---- */

static int
set_level(struct app *app, int level, bool insufficient)
{
	const struct score_node *c = selected();
	char words[160];

	if (!c)
		return UI_HANDLED;
	if (score_set(app->db, app->review, app->user, app->site, c->id, rb.kind, level, insufficient,
		      NULL) != QREL_OK) {
		ui_error("Not saved: %s.", error_message());
		return UI_HANDLED;
	}
	rubric_reload(app);
	score_words(words, sizeof(words));
	ui_message("%s at %s: %s score %s.", rb.rub.code, app->site_code, score_kind_name(rb.kind), words);
	return UI_DIRTY;
}

static int
toggle_kind(struct app *app)
{
	if (!is_lead(app)) {
		ui_error("Only the lead records consensus scores.");
		return UI_HANDLED;
	}
	rb.kind = rb.kind == SCORE_CONSENSUS ? SCORE_TEAM : SCORE_CONSENSUS;
	rubric_reload(app);
	ui_message("Now entering %s scores.", score_kind_name(rb.kind));
	return UI_DIRTY;
}

/* The lead opens the view to record consensus, so digits there set it. */
static int
toggle_view(struct app *app)
{
	rb.consensus = !rb.consensus;
	if (rb.consensus && is_lead(app)) {
		rb.kind_before = rb.kind;
		rb.kind = SCORE_CONSENSUS;
	} else if (!rb.consensus && is_lead(app)) {
		rb.kind = rb.kind_before;
	}
	rubric_reload(app);
	if (rb.consensus)
		ui_message("Consensus view%s; v goes back.", is_lead(app) ? ": digits and e record the consensus" : "");
	return UI_DIRTY;
}

static int
toggle_guide(void)
{
	rb.guide_shown = !rb.guide_shown;
	if (rb.guide_shown)
		ui_message("Criteria and guiding questions; i goes back to the descriptors.");
	return UI_DIRTY;
}

/* n and N: the next cluster (wrapping) whose visible ratings differ. */
static int
jump_differ(struct app *app, int step)
{
	for (int k = 1; k <= rb.n; k++) {
		int i = ((rb.sel + step * k) % rb.n + rb.n) % rb.n;

		if (rb.tree[i].is_domain || !rb.tree[i].disagree)
			continue;
		if ((step > 0) != (i > rb.sel))
			ui_message("Wrapped around: %d cluster%s at %s to discuss.", rb.ndisagree,
				   rb.ndisagree == 1 ? "" : "s", app->site_code);
		rb.sel = i;
		load_selected(app);
		return UI_DIRTY;
	}
	ui_message("No cluster at %s where the ratings you can see differ.", app->site_code);
	return UI_HANDLED;
}

/* ---- keys: the rationale ---- */

static bool
may_write(struct app *app, const char *what)
{
	if (app->readonly) {
		ui_error("The database is read-only: no %s can be saved.", what);
		return false;
	}
	if (score_may(app->db, app->review, app->user, app->site, rb.kind) != QREL_OK) {
		ui_error("Cannot write a %s: %s.", what, error_message());
		return false;
	}
	return true;
}

/* The version a save will expect: the row as shown when editing begins, or
 * after a refused save the row that refused it (saving again then replaces it
 * knowingly). */
static int
start_version(void)
{
	return conflict_here() ? rb.es.cf.version : rb.val.version;
}

/* The cluster's rationale for this kind at this site, from the version start_version() gives. */
static void
begin_session(const struct app *app, const struct score_node *c)
{
	char key[EDIT_SESSION_KEY];

	snprintf(key, sizeof(key), "rationale:%lld:%lld:%s", (long long)app->site, (long long)c->id,
		 score_kind_name(rb.kind));
	edit_session_begin(&rb.es, key, NULL, start_version());
}

static int
start_edit(struct app *app)
{
	const struct score_node *c = selected();
	char *draft;

	if (!c || !may_write(app, "rationale"))
		return UI_HANDLED;
	begin_session(app, c);
	rb.cf.shown = false;
	draft = edit_session_restore(&rb.es, app->db, app->user, NULL);
	rb.ed = editor_new(draft ? draft : conflict_here() ? rb.es.cf.mine : rb.val.rationale);
	if (conflict_here())
		ui_message("Your text again: saving it replaces %s's.", rb.es.cf.by);
	else if (draft && strcmp(draft, rb.val.rationale) != 0)
		ui_message("Restored your unsaved draft of this rationale; Esc or ^X saves it.");
	else
		ui_message("Editing the rationale of %s; Esc or ^X saves it.", rb.rub.code);
	free(draft);
	return UI_DIRTY;
}

/* The text as saved: no carriage returns or tabs, and no trailing blank lines
 * or spaces (an editor ends a file with a newline). Changes t in place. */
static char *
tidy_text(char *t)
{
	size_t n = 0;

	for (char *p = t; *p; p++)
		if (*p != '\r')
			t[n++] = *p == '\t' ? ' ' : *p;
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\n'))
		n--;
	t[n] = '\0';
	return t;
}

/* Someone changed the row while the user typed: theirs stays, the user's text
 * becomes the draft (and stays in memory), and the status line says who and when. */
static void
hold_conflict(struct app *app, int64_t cluster, const char *text, struct score_value *now)
{
	bool kept = edit_session_keep(&rb.es, app->db, app->user, text, NULL) == QREL_OK;
	char lv[12], detail[20];

	clear_conflict();
	level_text(now->level, now->insufficient, lv);
	snprintf(detail, sizeof(detail), "level %s", lv);
	edit_session_hold(&rb.es, text, &now->rationale, now->changed_by, now->changed_at, now->version, detail);
	rb.cf.cluster = cluster;
	rb.cf.kind = rb.kind;
	editor_free(rb.ed);
	rb.ed = NULL;
	rubric_reload(app);
	edit_session_say_held(&rb.es, "rationale", kept, "press d to see both");
}

/* Any other refusal (a full disk, a lock): the text stays in the open editor,
 * and in the draft when that can still be written; the status line says which. */
static void
keep_unsaved(struct app *app, int rc, const char *text)
{
	char *why = xstrdup(error_message());

	if (!rb.ed || strcmp(editor_text(rb.ed), text) != 0) {
		editor_free(rb.ed);	/* $VISUAL's text, back on screen */
		rb.ed = editor_new(text);
		editor_end(rb.ed);
	}
	edit_session_say_unsaved(rc, "rationale", edit_session_keep(&rb.es, app->db, app->user, text, NULL) == QREL_OK,
				 why);
	free(why);
}

/* Saves text as the rationale if the row is still as it was when editing
 * began; a refusal never loses the text. */
static bool
save_text(struct app *app, const char *text)
{
	const struct score_node *c = selected();
	struct score_value now;
	int rc;

	if (!c)
		return false;
	rc = score_set_expect(app->db, app->review, app->user, app->site, c->id, rb.kind, SCORE_KEEP, false,
			      text, rb.es.version, &now);
	if (rc == QREL_CONFLICT)
		hold_conflict(app, c->id, text, &now);
	else if (rc != QREL_OK)
		keep_unsaved(app, rc, text);
	score_value_free(&now);
	if (rc != QREL_OK)
		return false;
	edit_session_discard(&rb.es, app->db, app->user);
	editor_free(rb.ed);
	rb.ed = NULL;
	clear_conflict();
	rubric_reload(app);
	return true;
}

/* y in the two-pane view: the user's text over theirs, knowingly. */
static int
keep_mine(struct app *app)
{
	char *mine = xstrdup(rb.es.cf.mine), who[128];

	str_copy(who, sizeof(who), rb.es.cf.by);
	rb.es.version = rb.es.cf.version;	/* the conflict stays until the save passes */
	if (save_text(app, mine))
		ui_message("Your rationale replaced %s's; the change log keeps both.", who);
	free(mine);
	return UI_DIRTY;
}

/* t in the two-pane view: theirs stays and the user's draft goes. */
static int
take_theirs(struct app *app)
{
	char who[128];

	str_copy(who, sizeof(who), rb.es.cf.by);
	if (edit_session_discard(&rb.es, app->db, app->user) != QREL_OK)
		ui_error("%s", error_message());
	clear_conflict();
	rubric_reload(app);
	ui_message("Kept %s's rationale; your draft is discarded.", who);
	return UI_DIRTY;
}

static int
conflict_key(struct app *app, int key)
{
	switch (key) {
	case 'y': return keep_mine(app);
	case 't': return take_theirs(app);
	case 'e': return start_edit(app);
	case 'd': case 'q': case ESC:
		rb.cf.shown = false;
		return UI_DIRTY;
	default: return UI_UNHANDLED;	/* help, quit and the screen keys still work */
	}
}

static int
save_edit(struct app *app)
{
	char *text = tidy_text(xstrdup(editor_text(rb.ed)));

	if (save_text(app, text))
		ui_message("Rationale saved for %s at %s.", rb.rub.code, app->site_code);
	free(text);
	return UI_DIRTY;
}

/* What the external editor starts from: the open editor's text, else the draft,
 * else the stored rationale. */
static char *
current_text(struct app *app)
{
	char *draft;

	if (rb.ed)
		return xstrdup(editor_text(rb.ed));
	draft = edit_session_restore(&rb.es, app->db, app->user, NULL);
	return draft ? draft : xstrdup(rb.val.rationale);
}

/* Ctrl-E: the rationale in $VISUAL or $EDITOR, with curses set aside meanwhile. */
static int
external_rationale(struct app *app)
{
	const struct score_node *c = selected();
	char *text, *out = NULL;
	int rc;

	if (!c || (!rb.ed && !may_write(app, "rationale")))
		return UI_HANDLED;
	if (!rb.ed) {
		begin_session(app, c);
	}
	text = current_text(app);
	rc = ui_external_edit(text, &out);
	free(text);
	if (rc != QREL_OK)
		ui_error("Rationale unchanged: %s.", error_message());
	else if (save_text(app, tidy_text(out)))
		ui_message("Rationale saved from %s for %s at %s.", external_editor_command(), rb.rub.code,
			   app->site_code);
	free(out);
	return UI_DIRTY | UI_HEADER;	/* the whole terminal was the editor's */
}

/* Esc: the editor closes, its text kept as a draft (as in the note editor). */
static int
keep_draft(struct app *app)
{
	if (edit_session_keep(&rb.es, app->db, app->user, editor_text(rb.ed), NULL) != QREL_OK) {
		ui_error("Draft not kept, your text is still open: %s", error_message());
		return UI_DIRTY;
	}
	editor_free(rb.ed);
	rb.ed = NULL;
	ui_message("Rationale not saved; draft kept: e goes on with it, ^X saves.");
	return UI_DIRTY;
}

static int
edit_key(struct app *app, int key)
{
	if (key == KEY_CTRL('E'))
		return external_rationale(app);
	switch (editor_key(rb.ed, key)) {
	case EDITOR_DONE:
		return save_edit(app);
	case EDITOR_CANCEL:
		return keep_draft(app);
	case EDITOR_CHANGED:
		/* Every keystroke is kept, so a dropped link loses nothing typed. */
		if (edit_session_keep(&rb.es, app->db, app->user, editor_text(rb.ed), NULL) != QREL_OK)
			ui_error("Draft not kept, your text is only on screen: %s", error_message());
		return UI_DIRTY;
	case EDITOR_MOVED:
		return UI_DIRTY;
	default:
		return UI_HANDLED;	/* the editor owns the keyboard until it is closed */
	}
}

/* ---- keys: lock and reopen ---- */

static int
start_lock(struct app *app)
{
	if (!is_lead(app)) {
		ui_error("Only the lead locks or reopens a site.");
		return UI_HANDLED;
	}
	if (app->readonly) {
		ui_error("The database is read-only: the site cannot be locked or reopened.");
		return UI_HANDLED;
	}
	rb.prompt = rb.site_locked ? PROMPT_REOPEN : PROMPT_LOCK;
	if (rb.prompt == PROMPT_LOCK) {	/* whichever view is open, locking settles the consensus */
		int agreed = 0, total = 0;

		score_progress(app->db, app->review, app->site, app->person, SCORE_CONSENSUS, &agreed, &total);
		rb.unagreed = total - agreed;
	}
	if (rb.prompt == PROMPT_REOPEN)
		rb.reason = editor_new("");
	return UI_DIRTY;
}

static int
change_lock(struct app *app, bool lock, const char *reason)
{
	if (score_lock_site(app->db, app->review, app->user, app->site, lock, reason) != QREL_OK) {
		ui_error("Not %s: %s.", lock ? "locked" : "reopened", error_message());
		return UI_DIRTY;
	}
	close_prompt();
	rubric_reload(app);
	if (lock)
		ui_message("Site %s locked: its scores are read-only until the lead reopens it.", app->site_code);
	else
		ui_message("Site %s reopened; the change log keeps the reason.", app->site_code);
	return UI_DIRTY;
}

static int
submit_reason(struct app *app)
{
	char *text = tidy_text(xstrdup(editor_text(rb.reason)));
	int r;

	if (!*text) {
		ui_error("Type the reason to reopen %s: the change log keeps it.", app->site_code);
		r = UI_DIRTY;
	} else {
		r = change_lock(app, false, text);
	}
	free(text);
	return r;
}

/* The typed level: a number of the scale or its label, as `qrel score --level` takes it. */
static int
submit_level(struct app *app)
{
	char *text = tidy_text(xstrdup(editor_text(rb.reason)));
	long n = 0;

	if (*text && !str_to_long(text, &n))
		n = score_level_label(app->db, app->review, text);
	if (n < 1 || n > app->levels) {
		ui_error("'%s' is not a level of the scale: a label (%s...) or 1 to %d.", text,
			 rb.rub.label[0] ? rb.rub.label[0] : "", app->levels);
		free(text);
		return UI_DIRTY;
	}
	free(text);
	close_prompt();
	return set_level(app, (int)n, false);
}

static int
start_level(void)
{
	if (!selected())
		return UI_HANDLED;
	rb.prompt = PROMPT_LEVEL;
	rb.reason = editor_new("");
	return UI_DIRTY;
}

static int
prompt_key(struct app *app, int key)
{
	int r;

	if (rb.prompt == PROMPT_LOCK) {
		if (key == 'y' || key == 'Y')
			return change_lock(app, true, NULL);
		close_prompt();
		ui_message("Site %s stays open.", app->site_code);
		return UI_DIRTY;
	}
	if (key == '\r' || key == '\n' || key == KEY_ENTER)
		return rb.prompt == PROMPT_LEVEL ? submit_level(app) : submit_reason(app);
	r = editor_key(rb.reason, key);
	if (r == EDITOR_DONE)
		return rb.prompt == PROMPT_LEVEL ? submit_level(app) : submit_reason(app);
	if (r == EDITOR_CANCEL) {
		if (rb.prompt == PROMPT_REOPEN)
			ui_message("Site %s stays locked.", app->site_code);
		close_prompt();
	}
	return UI_DIRTY;
}

/* ---- keys: dispatch ---- */

static int
move_selection(struct app *app, WINDOW *win, enum action a)
{
	int old = rb.sel, page = getmaxy(win) - 3;

	switch (a) {
	case ACT_UP: rb.sel = step_cluster(rb.sel, -1); break;
	case ACT_DOWN: rb.sel = step_cluster(rb.sel, 1); break;
	case ACT_PAGE_UP: select_cluster(rb.sel - page); break;
	case ACT_PAGE_DOWN: select_cluster(rb.sel + page); break;
	case ACT_HOME: select_cluster(0); break;
	case ACT_END: select_cluster(rb.n - 1); break;
	default: return UI_UNHANDLED;
	}
	if (rb.sel == old)
		return UI_HANDLED;
	load_selected(app);
	return UI_DIRTY;
}

static int
level_key(struct app *app, int key)
{
	if (key - '0' <= app->levels)
		return set_level(app, key - '0', false);
	ui_error("The scale has %d levels: press 1 to %d, 0 to clear, x for NE.", app->levels, app->levels);
	return UI_HANDLED;
}

/* A low-scored cluster starts an objective in the action plan, the cluster linked. */
static int
plan_from_cluster(struct app *app)
{
	int64_t objective = 0;

	if (!selected())
		return UI_HANDLED;
	if (plan_objective_from_cluster(app->db, app->review, app->user, app->site, selected()->id,
					&objective) != QREL_OK)
		ui_error("%s", error_message());
	else
		ui_message("Objective %lld started in the action plan for %s at %s: press A to see it.",
			   (long long)objective, selected()->code, app->site_code);
	return UI_DIRTY;
}

static int
rubric_key(struct app *app, WINDOW *win, enum action a, int key)
{
	if (rb.prompt != PROMPT_NONE)
		return prompt_key(app, key);
	if (rb.ed)
		return edit_key(app, key);
	if (rb.cf.shown)
		return conflict_key(app, key);
	if (key == 'd' && rb.es.cf.active) {
		rb.cf.shown = true;
		return UI_DIRTY;
	}
	if (a == ACT_SCREEN_EVIDENCE && selected())
		app->focus_cluster = selected()->id; /* the evidence screen opens on it */
	switch (a) {
	case ACT_SCORE_LEVEL: return level_key(app, key);
	case ACT_SCORE_CLEAR: return set_level(app, 0, false);
	case ACT_SCORE_NE: return set_level(app, 0, true);
	case ACT_SCORE_LABEL: return start_level();
	case ACT_SCORE_KIND: return toggle_kind(app);
	case ACT_EDIT: case ACT_ENTER: return start_edit(app);
	case ACT_CONSENSUS_VIEW: return toggle_view(app);
	case ACT_GUIDE: return toggle_guide();
	case ACT_NEXT_DISAGREE: return jump_differ(app, 1);
	case ACT_PREV_DISAGREE: return jump_differ(app, -1);
	case ACT_LOCK: return start_lock(app);
	case ACT_PLAN_FROM_FINDING: return plan_from_cluster(app);
	case ACT_EXTERNAL_EDIT: return external_rationale(app);
	default: return move_selection(app, win, a);
	}
}

/* The keys the handler dispatches on, and the '?' overlay and hints list. */
static const struct keybinding rubric_keys[] = {
	{ '1', ACT_SCORE_LEVEL }, { '2', ACT_SCORE_LEVEL }, { '3', ACT_SCORE_LEVEL }, { '4', ACT_SCORE_LEVEL },
	{ '5', ACT_SCORE_LEVEL }, { '6', ACT_SCORE_LEVEL }, { '7', ACT_SCORE_LEVEL }, { '8', ACT_SCORE_LEVEL },
	{ '9', ACT_SCORE_LEVEL },
	{ '0', ACT_SCORE_CLEAR }, { 'x', ACT_SCORE_NE }, { 'l', ACT_SCORE_LABEL }, { 'c', ACT_SCORE_KIND },
	{ 'e', ACT_EDIT }, { '\r', ACT_EDIT }, { 'p', ACT_PLAN_FROM_FINDING },
	{ KEY_CTRL('E'), ACT_EXTERNAL_EDIT }, { 'v', ACT_CONSENSUS_VIEW }, { 'i', ACT_GUIDE },
	{ 'n', ACT_NEXT_DISAGREE }, { 'N', ACT_PREV_DISAGREE }, { 'L', ACT_LOCK },
	{ KEY_CTRL('X'), ACT_SAVE }, { KEY_F(2), ACT_SAVE }, { ESC, ACT_CANCEL },
};

const struct screen_ops rubric_screen = {
	.name = "rubric",
	.keys = rubric_keys,
	.nkeys = ARRAY_SIZE(rubric_keys),
	.enter = rubric_enter,
	.leave = rubric_leave,
	.draw = rubric_draw,
	.key = rubric_key,
	.reload = rubric_reload,
};
