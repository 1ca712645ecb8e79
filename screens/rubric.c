/* rubric.c: rubric entry: the cluster tree with this rater's levels, the selected
 * cluster's descriptors, a level on one key press, and the rationale edited inline. */
#include "qrel/qrel.h"
#include "qrel/draft.h"
#include "qrel/editor.h"
#include "qrel/score.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#include <ctype.h>

#define LEFT_MIN 34
#define LEFT_MAX 60
#define KEY_CTRL(c) ((c) & 0x1f)

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
	int scored, total;
	struct editor *ed;	/* non-NULL while the rationale is edited */
	char draft_key[96];
} rb;

/* ---- data ---- */

static const struct score_node *
selected(void)
{
	return rb.sel >= 0 && rb.sel < rb.n && !rb.tree[rb.sel].is_domain ? &rb.tree[rb.sel] : NULL;
}

static void
free_selected(void)
{
	score_rubric_free(&rb.rub);
	score_value_free(&rb.val);
	score_list_free(rb.others, rb.nothers);
	rb.others = NULL;
	rb.nothers = 0;
}

static void
load_selected(struct app *app)
{
	const struct score_node *c = selected();

	free_selected();
	if (!c)
		return;
	if (score_rubric(app->db, app->review, c->id, &rb.rub) != QREL_OK ||
	    score_get(app->db, app->site, c->id, app->person, rb.kind, &rb.val) != QREL_OK ||
	    score_list(app->db, app->review, app->user, app->site, c->id, &rb.others, &rb.nothers) != QREL_OK)
		ui_error("%s", error_message());
}

static void
count_progress(void)
{
	rb.scored = rb.total = 0;
	for (int i = 0; i < rb.n; i++) {
		if (rb.tree[i].is_domain)
			continue;
		rb.total++;
		rb.scored += rb.tree[i].level > 0 || rb.tree[i].insufficient;
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
rubric_reload(struct app *app)
{
	int64_t keep = selected() ? selected()->id : 0;

	free(rb.tree);
	if (score_tree(app->db, app->review, app->site, app->person, rb.kind, &rb.tree, &rb.n) != QREL_OK)
		ui_error("%s", error_message());
	for (int i = 0; keep && i < rb.n; i++)
		if (!rb.tree[i].is_domain && rb.tree[i].id == keep)
			rb.sel = i;
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
rubric_leave(struct app *app)
{
	UNUSED(app);
	/* An open editor's text is already in its draft; it comes back next time. */
	editor_free(rb.ed);
	rb.ed = NULL;
	free_selected();
	free(rb.tree);
	rb.tree = NULL;
	rb.n = 0;
}

/* ---- drawing ---- */

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

static int
left_width(WINDOW *win)
{
	int w = getmaxx(win) * 42 / 100;

	return w < LEFT_MIN ? LEFT_MIN : w > LEFT_MAX ? LEFT_MAX : w;
}

static void
draw_progress(struct app *app, WINDOW *win)
{
	char text[320];

	snprintf(text, sizeof(text), "Rubric: scored %d of %d clusters at %s  %s  %s scores by %s",
		 rb.scored, rb.total, app->site_code, app->utf8 ? "\xc2\xb7" : "|",
		 score_kind_name(rb.kind), app->user);
	ui_text(win, 0, 0, getmaxx(win), text, A_BOLD);
	ui_hline(win, 1, 0, getmaxx(win));
}

static void
draw_cluster_row(WINDOW *win, int y, int width, const struct score_node *c, bool sel)
{
	attr_t attr = sel ? ui_attr(UI_SELECTED) : A_NORMAL;
	int tail = 9, title = width - 6 - tail;
	char code[24], mark[16], count[16];

	snprintf(code, sizeof(code), " %-4s", c->code);
	level_mark(c, mark);
	snprintf(count, sizeof(count), "%3d", c->ev.notes);
	ui_text(win, y, 0, 6, code, attr | A_BOLD);
	ui_text(win, y, 6, title, c->title, attr);
	ui_text(win, y, 6 + title, 5, mark, sel ? attr : level_attr(c->level) | A_BOLD);
	ui_text(win, y, 11 + title, 3, count, attr);
	ui_text(win, y, 14 + title, 1, c->ev.sources < SCORE_TRIANGULATED ? "!" : " ",
		sel ? attr : ui_attr(UI_FLAG));
}

static void
draw_tree(WINDOW *win, int y0, int height, int width)
{
	if (rb.sel < rb.top)
		rb.top = rb.sel;
	if (rb.sel == rb.top && rb.sel > 0 && rb.tree[rb.sel - 1].is_domain)
		rb.top = rb.sel - 1;	/* a domain's first cluster shows with its heading */
	if (rb.sel >= rb.top + height)
		rb.top = rb.sel - height + 1;
	for (int row = 0; row < height; row++) {
		int i = rb.top + row;

		if (i >= rb.n) {
			ui_text(win, y0 + row, 0, width, "", A_NORMAL);
		} else if (rb.tree[i].is_domain) {
			char text[200];

			snprintf(text, sizeof(text), "%s %s", rb.tree[i].code, rb.tree[i].title);
			ui_text(win, y0 + row, 0, width, text, ui_attr(UI_DIM) | A_BOLD);
		} else {
			draw_cluster_row(win, y0 + row, width, &rb.tree[i], i == rb.sel);
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
score_words(char *out, size_t n)
{
	if (rb.val.insufficient)
		snprintf(out, n, "NE, insufficient evidence");
	else if (rb.val.level > 0 && rb.val.level <= rb.rub.levels)
		snprintf(out, n, "%d %s", rb.val.level, rb.rub.label[rb.val.level - 1]);
	else
		snprintf(out, n, "not rated");
}

static void
draw_others(WINDOW *win, int y, int x, int width)
{
	char text[512] = "Scores:";
	size_t len = strlen(text);

	for (int i = 0; i < rb.nothers && len < sizeof(text) - 1; i++) {
		const struct score_entry *e = &rb.others[i];
		char lv[8] = "-";

		if (e->insufficient)
			snprintf(lv, sizeof(lv), "NE");
		else if (e->level)
			snprintf(lv, sizeof(lv), "%d", e->level);
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
	char text[300];
	int rows;

	snprintf(text, sizeof(text), "%s %s", rb.rub.code, rb.rub.title ? rb.rub.title : "");
	rows = draw_wrapped(win, y, x, width, 2, text, A_BOLD);
	snprintf(text, sizeof(text), "%d note%s, %d source type%s: %s", c->ev.notes,
		 c->ev.notes == 1 ? "" : "s", c->ev.sources, c->ev.sources == 1 ? "" : "s",
		 c->ev.sources >= SCORE_TRIANGULATED ? "triangulated" : "not triangulated");
	ui_text(win, y + rows++, x, width, text,
		c->ev.sources >= SCORE_TRIANGULATED ? A_NORMAL : ui_attr(UI_FLAG));
	if (others_visible(app))
		draw_others(win, y + rows++, x, width);
	return rows;
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
	char text[200];

	if (rb.ed)
		snprintf(text, sizeof(text), "Esc/^X save  arrows move  ^W word  ^U line");
	else
		snprintf(text, sizeof(text), "1-%d level  0 clear  x NE  e rationale%s", app->levels,
			 strcmp(app->role, "lead") == 0 ? "  c consensus" : "");
	ui_text(win, y, x, width, text, ui_attr(UI_DIM));
}

static void
draw_detail(struct app *app, WINDOW *win, int y, int x, int width, int height)
{
	const struct score_node *c = selected();
	int used, rat;

	if (!c || !rb.rub.title)
		return;
	used = draw_heading(app, win, y, x, width, c);
	rat = rationale_rows(height - used - 1, width);
	used += draw_levels(app, win, y + used, x, width, height - used - 1 - rat);
	draw_rationale(win, y + height - 1 - rat, x, width, rat);
	draw_hint(app, win, y + height - 1, x, width);
}

static void
draw_separator(struct app *app, WINDOW *win, int y0, int x, int height)
{
	for (int y = y0; y < y0 + height; y++)
		ui_text(win, y, x, 1, app->utf8 ? "\xe2\x94\x82" : "|", ui_attr(UI_DIM));
}

static void
rubric_draw(struct app *app, WINDOW *win)
{
	int lw = left_width(win), h = getmaxy(win) - 2;

	werase(win);
	draw_progress(app, win);
	draw_tree(win, 2, h, lw);
	draw_separator(app, win, 2, lw, h);
	draw_detail(app, win, 2, lw + 2, getmaxx(win) - lw - 2, h);
}

/* ---- keys ---- */

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
	if (strcmp(app->role, "lead") != 0) {
		ui_error("Only the lead records consensus scores.");
		return UI_HANDLED;
	}
	rb.kind = rb.kind == SCORE_CONSENSUS ? SCORE_TEAM : SCORE_CONSENSUS;
	rubric_reload(app);
	ui_message("Now entering %s scores.", score_kind_name(rb.kind));
	return UI_DIRTY;
}

static int
start_edit(struct app *app)
{
	const struct score_node *c = selected();
	char *draft;

	if (!c)
		return UI_HANDLED;
	if (app->readonly) {
		ui_error("The database is read-only: no rationale can be saved.");
		return UI_HANDLED;
	}
	if (score_may(app->db, app->review, app->user, app->site, rb.kind) != QREL_OK) {
		ui_error("Cannot write a rationale: %s.", error_message());
		return UI_HANDLED;
	}
	snprintf(rb.draft_key, sizeof(rb.draft_key), "rationale:%lld:%lld:%s", (long long)app->site,
		 (long long)c->id, score_kind_name(rb.kind));
	draft = draft_load(app->db, rb.draft_key, app->user);
	rb.ed = editor_new(draft ? draft : rb.val.rationale);
	if (draft && strcmp(draft, rb.val.rationale) != 0)
		ui_message("Restored your unsaved draft of this rationale; Esc or ^X saves it.");
	else
		ui_message("Editing the rationale of %s; Esc or ^X saves it.", rb.rub.code);
	free(draft);
	return UI_DIRTY;
}

/* The text as saved: trailing blank lines and spaces are not part of it. */
static char *
trimmed_text(void)
{
	char *t = xstrdup(editor_text(rb.ed));
	size_t n = strlen(t);

	while (n && (t[n - 1] == ' ' || t[n - 1] == '\n'))
		t[--n] = '\0';
	return t;
}

static int
save_edit(struct app *app)
{
	const struct score_node *c = selected();
	char *text = trimmed_text();
	int rc = c ? score_set(app->db, app->review, app->user, app->site, c->id, rb.kind, SCORE_KEEP, false,
			       text) : QREL_OK;

	free(text);
	if (rc != QREL_OK) {
		ui_error("Rationale not saved (your draft is kept): %s.", error_message());
		return UI_DIRTY;
	}
	draft_clear(app->db, rb.draft_key, app->user);
	editor_free(rb.ed);
	rb.ed = NULL;
	rubric_reload(app);
	ui_message("Rationale saved for %s at %s.", rb.rub.code, app->site_code);
	return UI_DIRTY;
}

static int
edit_key(struct app *app, int key)
{
	switch (editor_key(rb.ed, key)) {
	case EDITOR_DONE:
		return save_edit(app);
	case EDITOR_CHANGED:
		/* Every keystroke is kept, so a dropped link loses nothing typed. */
		if (draft_save(app->db, rb.draft_key, app->user, editor_text(rb.ed)) != QREL_OK)
			ui_error("Draft not kept: %s", error_message());
		return UI_DIRTY;
	case EDITOR_MOVED:
		return UI_DIRTY;
	default:
		return UI_HANDLED;	/* the editor owns the keyboard until it is closed */
	}
}

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
rubric_key(struct app *app, WINDOW *win, enum action a, int key)
{
	if (rb.ed)
		return edit_key(app, key);
	if (key >= '1' && key <= '9') {
		if (key - '0' <= app->levels)
			return set_level(app, key - '0', false);
		ui_error("The scale has %d levels: press 1 to %d, 0 to clear, x for NE.", app->levels, app->levels);
		return UI_HANDLED;
	}
	switch (key) {
	case '0': return set_level(app, 0, false);
	case 'x': return set_level(app, 0, true);
	case 'c': return toggle_kind(app);
	case 'e': return start_edit(app);
	default: break;
	}
	if (a == ACT_ENTER)
		return start_edit(app);
	return move_selection(app, win, a);
}

/* The handler reads raw keys; this table names them for the '?' overlay. */
static const struct keybinding rubric_keys[] = {
	{ '1', ACT_SCORE_LEVEL }, { '2', ACT_SCORE_LEVEL }, { '3', ACT_SCORE_LEVEL },
	{ '0', ACT_SCORE_CLEAR }, { 'x', ACT_SCORE_NE }, { 'c', ACT_SCORE_KIND },
	{ 'e', ACT_EDIT }, { '\r', ACT_EDIT },
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
