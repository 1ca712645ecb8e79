/* surveys.c: survey results at the site, by item or by stakeholder group, small
 * groups withheld as in the subgroup tables, and the response rates below. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/report.h"
#include "qrel/settings.h"
#include "qrel/survey.h"
#include "qrel/tui.h"
#include "qrel/visibility.h"

#include <math.h>

#define NUM_COLS 6
#define PCT_COLS 5
#define RATE_LINES 4

static struct {
	struct survey_row *row;
	size_t n;
	struct survey_rate *rate;
	size_t nrates;
	enum survey_order order;
	int sel, top;
	int nhidden;
} sv;

static void
surveys_reload(struct app *app)
{
	struct vis_viewer v;
	int rc;

	free(sv.row);
	free(sv.rate);
	sv.row = NULL;
	sv.rate = NULL;
	sv.n = sv.nrates = 0;
	sv.nhidden = 0;
	if ((rc = visibility_viewer(app->db, app->review, app->user, &v)) == QREL_OK &&
	    (rc = survey_load(app->db, app->review, &v, app->site, sv.order, app->settings->min_display, &sv.row,
			      &sv.n)) == QREL_OK)
		rc = survey_rates(app->db, app->review, &v, app->site, &sv.rate, &sv.nrates);
	if (rc != QREL_OK)
		ui_error("%s", error_message());
	for (size_t i = 0; i < sv.n; i++)
		sv.nhidden += sv.row[i].hidden;
	if (sv.sel >= (int)sv.n)
		sv.sel = sv.n ? (int)sv.n - 1 : 0;
}

static void
surveys_leave(struct app *app)
{
	UNUSED(app);
	free(sv.row);
	free(sv.rate);
	memset(&sv, 0, sizeof(sv));
}

static int
list_height(WINDOW *win)
{
	int rates = sv.nrates < RATE_LINES ? (int)sv.nrates : RATE_LINES;
	int h = getmaxy(win) - 3 - 4 - rates;

	return h < 1 ? 1 : h;
}

/* Columns: the first text column (item or group), the second, then n and %. */
/* The first and second text columns: the item's is the wide one in either order. */
static void
widths(WINDOW *win, int *first, int *second)
{
	int rest = getmaxx(win) - NUM_COLS - PCT_COLS - 14;
	int group = rest / 3 > 24 ? rest / 3 : 24;

	*first = sv.order == SURVEY_BY_ITEM ? rest - group : group;
	*second = rest - *first;
}

static void
draw_heading(struct app *app, WINDOW *win)
{
	bool by_item = sv.order == SURVEY_BY_ITEM;
	int w1, w2;
	char text[300];

	widths(win, &w1, &w2);
	snprintf(text, sizeof(text), "Surveys at %s %s, by %s: %zu result%s", app->site_code, app->site_name,
		 by_item ? "item" : "group", sv.n, sv.n == 1 ? "" : "s");
	ui_text(win, 0, 0, getmaxx(win), text, A_BOLD);
	ui_text(win, 1, 0, w1 + 1, by_item ? "Instrument: item" : "Group, subgroup", A_BOLD);
	ui_text(win, 1, w1 + 1, w2, by_item ? "Group, subgroup" : "Instrument: item", A_BOLD);
	ui_text(win, 1, w1 + w2 + 1, NUM_COLS + 2, "     n", A_BOLD);
	ui_text(win, 1, w1 + w2 + NUM_COLS + 3, getmaxx(win) - w1 - w2 - NUM_COLS - 3, " fav.%  cluster", A_BOLD);
	ui_hline(win, 2, 0, getmaxx(win));
}

/* Row i repeats the previous row's item (by item) or group (by group). */
static bool
same_as_previous(size_t i)
{
	const struct survey_row *a, *b;

	if (i == 0)
		return false;
	a = &sv.row[i - 1];
	b = &sv.row[i];
	if (sv.order == SURVEY_BY_GROUP)
		return !strcmp(a->group, b->group) && a->site == b->site;
	return !strcmp(a->instrument, b->instrument) && !strcmp(a->item, b->item) && a->site == b->site;
}

/* The group column: the group, or its subgroup indented under it. */
static void
who_text(const struct survey_row *r, bool repeat, char *buf, size_t size)
{
	if (!*r->subgroup)
		snprintf(buf, size, "%s", repeat && sv.order == SURVEY_BY_GROUP ? "" : r->group);
	else if (repeat || sv.order == SURVEY_BY_ITEM)
		snprintf(buf, size, "  %s", r->subgroup);
	else
		snprintf(buf, size, "%s, %s", r->group, r->subgroup);
}

static void
draw_row(WINDOW *win, int y, size_t i, bool selected)
{
	const struct survey_row *r = &sv.row[i];
	attr_t attr = selected ? ui_attr(UI_SELECTED) : A_NORMAL;
	bool by_item = sv.order == SURVEY_BY_ITEM, repeat = same_as_previous(i);
	char item[400], who[200], num[16], pct[16], tail[40];
	int w1, w2;

	widths(win, &w1, &w2);
	snprintf(item, sizeof(item), "%s: %s", r->instrument, r->item);
	who_text(r, repeat, who, sizeof(who));
	snprintf(num, sizeof(num), "%6ld", r->responses);
	survey_pct_text(r, pct, sizeof(pct));
	snprintf(tail, sizeof(tail), "%5s%s  %s", pct, r->hidden || !*pct ? " " : "%", r->cluster);
	ui_text(win, y, 0, w1, by_item ? (repeat ? "" : item) : who, attr);
	ui_text(win, y, w1, 1, "", attr);
	ui_text(win, y, w1 + 1, w2, by_item ? who : item, attr);
	ui_text(win, y, w1 + w2 + 1, NUM_COLS + 2, num, attr);
	ui_text(win, y, w1 + w2 + NUM_COLS + 3, getmaxx(win) - w1 - w2 - NUM_COLS - 3, tail,
		r->hidden ? ui_attr(UI_DIM) | attr : attr);
}

/* The selected row in full: the columns cut long items and groups. */
static void
draw_selected(WINDOW *win, int y)
{
	const struct survey_row *r = sv.n ? &sv.row[sv.sel] : NULL;
	char text[800];

	if (!r) {
		ui_text(win, y, 0, getmaxx(win), "", A_NORMAL);
		return;
	}
	snprintf(text, sizeof(text), "%s: %s %s %s%s%s", r->instrument, r->item, ui_glyph("\xe2\x80\x94", "-"),
		 r->group, *r->subgroup ? ", " : "", r->subgroup);
	ui_text(win, y, 0, getmaxx(win), text, A_BOLD);
}

static void
draw_rates(struct app *app, WINDOW *win, int y)
{
	char text[400];

	ui_hline(win, y++, 0, getmaxx(win));
	draw_selected(win, y++);
	for (size_t i = 0; i < sv.nrates && i < RATE_LINES; i++) {
		report_rate_line(&sv.rate[i], text, sizeof(text));
		ui_text(win, y++, 0, getmaxx(win), text, A_NORMAL);
	}
	snprintf(text, sizeof(text), sv.nhidden ? "* withheld: fewer than %ld respondents or favourable, or would "
		 "reveal one" : "Groups under %ld respondents are withheld (*).",
		 app->settings->min_display);
	ui_text(win, y, 0, getmaxx(win), text, ui_attr(UI_DIM));
}

static void
surveys_draw(struct app *app, WINDOW *win)
{
	static const enum action acts[] = { ACT_SURVEY_VIEW, ACT_SURVEY_NOTE, ACT_SITE_NEXT };
	int rows = list_height(win);

	if (sv.sel < sv.top)
		sv.top = sv.sel;
	if (sv.sel >= sv.top + rows)
		sv.top = sv.sel - rows + 1;
	werase(win);
	draw_heading(app, win);
	for (int i = 0; i < rows && sv.top + i < (int)sv.n; i++)
		draw_row(win, 3 + i, (size_t)(sv.top + i), sv.top + i == sv.sel);
	if (!sv.n)
		ui_text(win, 3, 0, getmaxx(win), "No survey results at this site: ] shows the next one "
			"(qrel import survey FILE.csv adds results).", A_NORMAL);
	draw_rates(app, win, 3 + rows);
	ui_hint_line(win, acts, ARRAY_SIZE(acts));
}

static int
write_note(struct app *app)
{
	int64_t note;

	if (!sv.n)
		return UI_HANDLED;
	if (survey_write_note(app->db, app->review, &sv.row[sv.sel], app->user, &note) != QREL_OK) {
		ui_error("%s", error_message());
		return UI_HANDLED;
	}
	ui_message("Wrote note %lld citing the survey item.", (long long)note);
	return UI_DIRTY;
}

static int
move_selection(WINDOW *win, enum action a)
{
	int rows = list_height(win), old = sv.sel, last = sv.n ? (int)sv.n - 1 : 0;

	switch (a) {
	case ACT_UP: sv.sel--; break;
	case ACT_DOWN: sv.sel++; break;
	case ACT_PAGE_UP: sv.sel -= rows; break;
	case ACT_PAGE_DOWN: sv.sel += rows; break;
	case ACT_HOME: sv.sel = 0; break;
	case ACT_END: sv.sel = last; break;
	default: return UI_UNHANDLED;
	}
	sv.sel = sv.sel > last ? last : sv.sel < 0 ? 0 : sv.sel;
	return sv.sel == old ? UI_HANDLED : UI_DIRTY;
}

static int
surveys_key(struct app *app, WINDOW *win, enum action a, int key)
{
	UNUSED(key);
	switch (a) {
	case ACT_SURVEY_VIEW:
		sv.order = sv.order == SURVEY_BY_ITEM ? SURVEY_BY_GROUP : SURVEY_BY_ITEM;
		sv.sel = sv.top = 0;
		surveys_reload(app);
		return UI_DIRTY;
	case ACT_SURVEY_NOTE:
		return write_note(app);
	default:
		return move_selection(win, a);
	}
}

static const struct keybinding surveys_keys[] = {
	{ 'v', ACT_SURVEY_VIEW }, { 'n', ACT_SURVEY_NOTE },
};

static const char *const surveys_legend[] = {
	"fav.%: the share of favourable responses (agree, strongly agree)",
	"*: withheld as in the subgroup tables ([privacy] min_display)",
	"The line under the table gives the selected item in full.",
	NULL,
};

const struct screen_ops surveys_screen = {
	.name = "surveys",
	.keys = surveys_keys,
	.nkeys = ARRAY_SIZE(surveys_keys),
	.enter = surveys_reload,
	.leave = surveys_leave,
	.draw = surveys_draw,
	.key = surveys_key,
	.reload = surveys_reload,
	.legend = surveys_legend,
};
