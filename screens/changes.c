/* changes.c: the change log, newest first, keyset-paged, with combinable filters and one change in full. */
#include "qrel/qrel.h"
#include "qrel/changes.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/picker.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#include <strings.h>

#define HEAD_ROWS 3		/* filter line, column heading, rule */
#define ROW_LINES 2		/* a change takes two lines: what, then old -> new */
#define WHEN_COLS 17
#define WHO_COLS 16
#define ENTITY_COLS 13
#define INDENT 4

enum prompt_kind { PR_NONE, PR_FIELD, PR_VALUE };

static struct {
	struct changes_filter f;
	struct change_row *page;	/* rows + 1: the extra one says there is more */
	int npage, cap, sel;
	struct changes_cursor *tops;	/* tops[depth]: the page starts after it */
	int depth, ntops;
	bool stale, viewing;
	unsigned long generation;
	int view_top;
	struct picker pr;		/* pr.tag: an enum prompt_kind */
	char pr_field[16];		/* the field a PR_VALUE prompt sets */
} cl;

static const char *const pick_fields[] = { "person", "from", "to", "site", "cluster", "clear all", NULL };

/* ---- paging ---- */

static int
list_rows(WINDOW *win)
{
	int h = (getmaxy(win) - HEAD_ROWS - 1) / ROW_LINES;

	return h < 1 ? 1 : h;
}

static bool
grow_tops(void)
{
	int n = cl.ntops ? cl.ntops * 2 : 16;
	struct changes_cursor *t;

	if (cl.depth + 1 < cl.ntops)
		return true;
	if (!(t = realloc(cl.tops, (size_t)n * sizeof(*t))))
		return false;
	memset(t + cl.ntops, 0, (size_t)(n - cl.ntops) * sizeof(*t));
	cl.tops = t;
	cl.ntops = n;
	return true;
}

/* The page now starts after row. */
static bool
push_top(const struct change_row *row)
{
	if (!grow_tops())
		return false;
	changes_cursor_of(row, &cl.tops[++cl.depth]);
	return true;
}

static bool
ensure_page(int rows)
{
	if (cl.cap >= rows + 1)
		return true;
	changes_rows_free(cl.page, cl.npage);
	cl.npage = 0;
	free(cl.page);
	cl.page = calloc((size_t)rows + 1, sizeof(*cl.page));
	cl.cap = cl.page ? rows + 1 : 0;
	return cl.page != NULL;
}

/* Reads one page (and one row more) only when something moved or someone wrote. */
static void
load_page(struct app *app, int rows)
{
	if (!cl.stale && cl.cap >= rows + 1 && cl.generation == db_generation(app->db))
		return;
	if (!ensure_page(rows) || !grow_tops())
		return;
	changes_rows_free(cl.page, cl.npage);
	if (cl.depth == 0)
		cl.tops[0].set = false;
	if (changes_page(app->db, app->review, app->user, &cl.f, &cl.tops[cl.depth], rows + 1, cl.page, &cl.npage) != QREL_OK)
		ui_error("%s", error_message());
	if (cl.sel >= cl.npage || cl.sel >= rows)
		cl.sel = cl.npage ? (cl.npage > rows ? rows : cl.npage) - 1 : 0;
	cl.stale = false;
	cl.generation = db_generation(app->db);
}

static void
restart_list(void)
{
	cl.depth = 0;
	cl.sel = 0;
	cl.viewing = false;
	cl.stale = true;
}

static const struct change_row *
selected(WINDOW *win)
{
	return cl.sel < cl.npage && cl.sel < list_rows(win) ? &cl.page[cl.sel] : NULL;
}

/* ---- text helpers ---- */

/* s on one line (whitespace runs as one space), cut to cols columns with an ellipsis (cols < 0: whole). */
static void
one_line(const struct app *app, const char *s, int cols, char *buf, size_t size)
{
	size_t n = 0, fit;
	bool space = false;

	for (; *s && n + 1 < size; s++) {
		bool sp = *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r';

		if (!sp || !space)
			buf[n++] = sp ? ' ' : *s;
		space = sp;
	}
	buf[n] = '\0';
	if (cols < 0 || text_width(buf) <= cols)
		return;
	fit = text_fit(buf, cols > 1 ? cols - 1 : 0);
	snprintf(buf + fit, size - fit, "%s", app->utf8 ? "\xe2\x80\xa6" : "~");
}

/* A logged value as shown: NULL is a dash; sync values ("3|0|text") in words. */
static void
shown_value(const struct app *app, const struct change_row *r, const char *v, char *buf, size_t size)
{
	if (!v)
		str_copy(buf, size, app->utf8 ? "\xe2\x80\x94" : "-");
	else if (!strncmp(r->field, "sync ", 5))
		changes_sync_value(r->entity, v, buf, size);
	else
		str_copy(buf, size, v);
}

static const char *
arrow(const struct app *app)
{
	return app->utf8 ? " \xe2\x86\x92 " : " -> ";
}

/* ---- the list ---- */

static void
draw_what(const struct app *app, WINDOW *win, int y, const struct change_row *r, attr_t attr)
{
	int w = getmaxx(win), x = 0;
	char when[24], about[256];

	snprintf(when, sizeof(when), "%.10s %.5s", r->at, strlen(r->at) >= 16 ? r->at + 11 : "");
	ui_text(win, y, x, WHEN_COLS, when, attr);
	one_line(app, r->who, WHO_COLS - 1, about, sizeof(about));
	ui_text(win, y, x += WHEN_COLS, WHO_COLS, about, attr);
	ui_text(win, y, x += WHO_COLS, ENTITY_COLS, r->entity, attr | A_BOLD);
	x += ENTITY_COLS;
	one_line(app, r->about, w - x, about, sizeof(about));
	ui_text(win, y, x, w - x, about, attr);
}

/* Columns for the old and new values: both whole when they fit, else the
 * shorter whole (up to half) and the longer the rest. */
static void
split_room(int room, int ow, int nw, int *oc, int *nc)
{
	int half = room / 2;

	if (ow + nw <= room) {
		*oc = ow;
		*nc = nw;
	} else if (ow <= half || nw <= half) {
		*oc = ow <= half ? ow : room - nw;
		*nc = room - *oc;
	} else {
		*oc = half;
		*nc = room - half;
	}
}

/* "(reason)" in what is left of the line, when there is room enough to read it. */
static void
draw_reason(const struct app *app, WINDOW *win, int y, int x, const char *reason, attr_t attr)
{
	int room = getmaxx(win) - x - 4;
	char buf[512];

	if (!*reason || room < 8)
		return;
	buf[0] = '(';
	one_line(app, reason, room, buf + 1, sizeof(buf) - 2);
	strcat(buf, ")");
	ui_text(win, y, x + 2, getmaxx(win) - x - 2, buf, attr | ui_attr(UI_DIM));
}

/* "field: old -> new (reason)": the values first, the reason in what is left. */
static void
draw_values(const struct app *app, WINDOW *win, int y, const struct change_row *r, attr_t attr)
{
	char oldv[1024], newv[1024], ocut[1024], ncut[1024], line[2400];
	int oc, nc, room;

	shown_value(app, r, r->old_value, oldv, sizeof(oldv));
	shown_value(app, r, r->new_value, newv, sizeof(newv));
	one_line(app, oldv, -1, ocut, sizeof(ocut));
	one_line(app, newv, -1, ncut, sizeof(ncut));
	snprintf(line, sizeof(line), "%s: ", r->field);
	room = getmaxx(win) - INDENT - text_width(line) - text_width(arrow(app));
	split_room(room, text_width(ocut), text_width(ncut), &oc, &nc);
	one_line(app, oldv, oc, ocut, sizeof(ocut));
	one_line(app, newv, nc, ncut, sizeof(ncut));
	snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s%s", ocut, arrow(app), ncut);
	ui_text(win, y, 0, getmaxx(win), "", attr);
	room = getmaxx(win) - INDENT;
	ui_text(win, y, INDENT, text_width(line) < room ? text_width(line) : room, line, attr);
	draw_reason(app, win, y, INDENT + text_width(line), r->reason, attr);
}

static const enum action list_hints[] = { ACT_ENTER, ACT_CHANGES_FILTER, ACT_FILTER_CLEAR, ACT_HOME, ACT_BACK };

static void
draw_hint(WINDOW *win, const char *text)
{
	ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), text, ui_attr(UI_DIM));
}

static void
draw_list(struct app *app, WINDOW *win)
{
	int rows = list_rows(win);
	char line[600], desc[400];

	load_page(app, rows);
	changes_filter_describe(&cl.f, desc, sizeof(desc));
	snprintf(line, sizeof(line), "Change log, newest first %s %s%s", app->utf8 ? "\xc2\xb7" : "|", desc,
		 cl.depth ? "  (older pages: g goes to the newest)" : "");
	ui_text(win, 0, 0, getmaxx(win), line, A_BOLD);
	ui_text(win, 1, 0, getmaxx(win), "When             Who             Entity       About", A_BOLD);
	ui_hline(win, 2, 0, getmaxx(win));
	for (int i = 0; i < cl.npage && i < rows; i++) {
		attr_t attr = i == cl.sel ? ui_attr(UI_SELECTED) : A_NORMAL;

		draw_what(app, win, HEAD_ROWS + i * ROW_LINES, &cl.page[i], attr);
		draw_values(app, win, HEAD_ROWS + i * ROW_LINES + 1, &cl.page[i], attr);
	}
	if (!cl.npage)
		ui_text(win, HEAD_ROWS, 0, getmaxx(win), changes_filter_empty(&cl.f) ? "The change log is empty."
			: "No change matches: f changes the filter, F clears it.", A_NORMAL);
	ui_hint_line(win, list_hints, ARRAY_SIZE(list_hints));
}

/* ---- one change in full ---- */

/* Draws text wrapped to the window's width from virtual line *line on; lines above
 * view_top are skipped, so the view scrolls. */
static void
draw_wrapped(WINDOW *win, int *y, int *line, const char *text, attr_t attr)
{
	int bottom = getmaxy(win) - 1, w = getmaxx(win) - INDENT;
	size_t len;

	for (const char *p = text, *next; p && *p && *y < bottom; p = next, (*line)++) {
		const char *nl = strchr(p, '\n');
		char piece[1024];

		next = text_wrap(p, w, &len);
		if (nl && nl < p + len) {
			len = (size_t)(nl - p);
			next = nl + 1;
		}
		snprintf(piece, sizeof(piece), "%.*s", (int)len, p);
		if (*line >= cl.view_top)
			ui_text(win, (*y)++, INDENT, w, piece, attr);
	}
}

static void
draw_labelled(WINDOW *win, int *y, int *line, const char *label, const char *text)
{
	if (*line >= cl.view_top && *y < getmaxy(win) - 1)
		ui_text(win, (*y)++, 0, getmaxx(win), label, A_BOLD);
	(*line)++;
	draw_wrapped(win, y, line, text, A_NORMAL);
}

static void
draw_view(struct app *app, WINDOW *win)
{
	const struct change_row *r = selected(win);
	char head[512], oldv[4096], newv[4096];
	int y = 0, line = 0;

	if (!r) {
		cl.viewing = false;
		draw_list(app, win);
		return;
	}
	snprintf(head, sizeof(head), "Change %lld  %s  by %s", (long long)r->id, r->at, r->who);
	ui_text(win, y++, 0, getmaxx(win), head, A_BOLD);
	snprintf(head, sizeof(head), "%s %s  %s field: %s", r->entity, r->about, app->utf8 ? "\xc2\xb7" : "|",
		 r->field);
	ui_text(win, y++, 0, getmaxx(win), head, A_NORMAL);
	ui_hline(win, y++, 0, getmaxx(win));
	shown_value(app, r, r->old_value, oldv, sizeof(oldv));
	shown_value(app, r, r->new_value, newv, sizeof(newv));
	draw_labelled(win, &y, &line, "Old:", r->old_value ? oldv : "(none)");
	draw_labelled(win, &y, &line, "New:", r->new_value ? newv : "(none)");
	if (*r->reason)
		draw_labelled(win, &y, &line, "Reason:", r->reason);
	draw_hint(win, "q/Enter back to the list  j/k scroll");
}

/* ---- the filter prompt: a field, then a value, in the shared picker ---- */

static void
close_prompt(void)
{
	picker_close(&cl.pr);
}

/* The values a field can take; dates are typed. */
static void
value_choices(struct app *app, const char *field)
{
	const char *source = !strcmp(field, "person") ? "author" : field;
	struct evidence_choice *c = NULL;
	int n = 0;

	if (!strcmp(field, "from") || !strcmp(field, "to"))
		return;
	if (evidence_choices(app->db, app->review, source, &c, &n) != QREL_OK)
		ui_error("%s", error_message());
	for (int i = 0; i < n; i++)
		picker_add(&cl.pr, c[i].id, c[i].value, c[i].label);
	free(c);
}

static void
open_prompt(struct app *app, enum prompt_kind kind, const char *field, const char *title)
{
	picker_open(&cl.pr, kind, title, kind == PR_VALUE);
	str_copy(cl.pr_field, sizeof(cl.pr_field), field ? field : "");
	if (kind == PR_FIELD) {
		for (size_t i = 0; pick_fields[i]; i++)
			picker_add(&cl.pr, 0, pick_fields[i], NULL);
		return;
	}
	picker_add(&cl.pr, 0, "", "(any: clear this filter)");
	value_choices(app, field);
}

static void
apply_filter(struct app *app, const char *field, const char *value)
{
	if (changes_filter_set(app->db, app->review, &cl.f, field, value) != QREL_OK)
		ui_error("%s", error_message());
	restart_list();
}

static int
accept_field(struct app *app, const char *field)
{
	char title[64];

	if (!strcmp(field, "clear all")) {
		memset(&cl.f, 0, sizeof(cl.f));
		close_prompt();
		restart_list();
		return UI_DIRTY;
	}
	snprintf(title, sizeof(title), "Filter %.16s%s", field,
		 !strcmp(field, "from") || !strcmp(field, "to") ? " YYYY-MM-DD (empty clears)" : "");
	open_prompt(app, PR_VALUE, field, title);
	return UI_DIRTY;
}

/* Enter: the highlighted choice, or what was typed when nothing matches. */
static int
accept_prompt(struct app *app)
{
	const struct picker_item *c = picker_choice(&cl.pr);
	char field[16], value[256];

	str_copy(field, sizeof(field), cl.pr_field);
	str_copy(value, sizeof(value), c ? c->value : picker_input(&cl.pr));
	if (cl.pr.tag == PR_FIELD)
		return accept_field(app, value);
	close_prompt();
	apply_filter(app, field, str_trim(value));
	return UI_DIRTY;
}

static int
prompt_key(struct app *app, int key)
{
	if (picker_key(&cl.pr, key) == PICKER_PICKED)
		return accept_prompt(app);
	return UI_DIRTY;
}

/* ---- keys ---- */

static int
move_down(WINDOW *win, enum action a)
{
	int rows = list_rows(win), shown = cl.npage < rows ? cl.npage : rows;
	bool more = cl.npage > rows;

	if (a == ACT_DOWN && cl.sel + 1 < shown)
		cl.sel++;
	else if (a == ACT_DOWN && more && push_top(&cl.page[0]))
		cl.stale = true;
	else if (a == ACT_PAGE_DOWN && more && push_top(&cl.page[rows - 1]))
		cl.stale = true;
	else if (a == ACT_PAGE_DOWN || a == ACT_END)
		cl.sel = shown ? shown - 1 : 0;
	return UI_DIRTY;
}

static int
move_selection(WINDOW *win, enum action a)
{
	switch (a) {
	case ACT_UP:
		if (cl.sel > 0)
			cl.sel--;
		else if (cl.depth > 0)
			cl.depth--, cl.stale = true;
		return UI_DIRTY;
	case ACT_PAGE_UP:
		cl.sel = cl.depth ? cl.sel : 0;
		cl.depth -= cl.depth > 0;
		cl.stale = true;
		return UI_DIRTY;
	case ACT_HOME:
		restart_list();
		return UI_DIRTY;
	case ACT_DOWN: case ACT_PAGE_DOWN: case ACT_END:
		return move_down(win, a);
	default:
		return UI_UNHANDLED;
	}
}

static int
view_key(enum action a)
{
	switch (a) {
	case ACT_BACK: case ACT_ENTER: cl.viewing = false; return UI_DIRTY;
	case ACT_UP: cl.view_top -= cl.view_top > 0; return UI_DIRTY;
	case ACT_DOWN: cl.view_top++; return UI_DIRTY;
	case ACT_HOME: cl.view_top = 0; return UI_DIRTY;
	default: return UI_UNHANDLED;
	}
}

static int
changes_key(struct app *app, WINDOW *win, enum action a, int key)
{
	if (cl.pr.active)
		return prompt_key(app, key);
	if (cl.viewing)
		return view_key(a);
	switch (a) {
	case ACT_ENTER:
		cl.viewing = selected(win) != NULL;
		cl.view_top = 0;
		return UI_DIRTY;
	case ACT_CHANGES_FILTER: open_prompt(app, PR_FIELD, NULL, "Filter by"); return UI_DIRTY;
	case ACT_FILTER_CLEAR:
		memset(&cl.f, 0, sizeof(cl.f));
		restart_list();
		return UI_DIRTY;
	default: return move_selection(win, a);
	}
}

/* ---- screen ---- */

static void
changes_draw(struct app *app, WINDOW *win)
{
	werase(win);
	if (cl.viewing)
		draw_view(app, win);
	else
		draw_list(app, win);
	if (cl.pr.active)
		picker_draw(&cl.pr, win);
}

/* Another process wrote: read the page again (where it starts stays put). */
static void
changes_reload(struct app *app)
{
	UNUSED(app);
	cl.stale = true;
}

static void
changes_enter(struct app *app)
{
	UNUSED(app);
	restart_list();
}

static void
changes_leave(struct app *app)
{
	UNUSED(app);
	close_prompt();
	changes_rows_free(cl.page, cl.npage);
	free(cl.page);
	free(cl.tops);
	cl.page = NULL;
	cl.tops = NULL;
	cl.npage = cl.cap = cl.ntops = cl.depth = 0;
}

static const struct keybinding changes_keys[] = {
	{ 'f', ACT_CHANGES_FILTER }, { 'F', ACT_FILTER_CLEAR },
};

const struct screen_ops changes_screen = {
	.name = "changes",
	.keys = changes_keys,
	.nkeys = ARRAY_SIZE(changes_keys),
	.enter = changes_enter,
	.leave = changes_leave,
	.draw = changes_draw,
	.key = changes_key,
	.reload = changes_reload,
};
