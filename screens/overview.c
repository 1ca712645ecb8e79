/* overview.c: the review at a glance: sites by domains, clusters scored and notes. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/document.h"
#include "qrel/schedule.h"
#include "qrel/store.h"
#include "qrel/summary.h"
#include "qrel/tui.h"
#include "qrel/visibility.h"

#define NAME_COLS 22
#define CODE_COLS 6
#define ACT_COLS 10	/* activities done and planned */

static struct {
	struct summary_domain dom[SUMMARY_MAX_DOMAINS];
	int ndom;
	int nsites;
	int top, sel;		/* first row shown, selected row (site order) */
	struct summary_row *page;
	int npage, page_top, page_cap;
	int (*acts)[2];		/* per page row: activities planned, done */
	int docs_requested, docs_received;	/* documents outstanding */
	struct document_row *docs;	/* the outstanding ones, oldest request first */
	size_t ndocs;
	bool stale;
	unsigned long generation;	/* of the store when the page was read */
} ov;

static int
list_height(WINDOW *win)
{
	int h = getmaxy(win) - 6 - ov.ndom;

	return h < 1 ? 1 : h;
}

/* The documents the user may read that are not yet reviewed, by status. */
static void
count_documents(struct app *app)
{
	struct document_row *docs = NULL;
	struct vis_viewer v;
	size_t n = 0;

	ov.docs_requested = ov.docs_received = 0;
	if (visibility_viewer(app->db, app->review, app->user, &v) != QREL_OK ||
	    document_list(app->db, app->review, &v, true, &docs, &n) != QREL_OK)
		ui_error("%s", error_message());
	for (size_t i = 0; i < n; i++)
		*(strcmp(docs[i].status, "requested") ? &ov.docs_received : &ov.docs_requested) += 1;
	free(ov.docs);
	ov.docs = docs;
	ov.ndocs = n;
}

/* The outstanding documents in the rows the sites leave free, from y to before end. */
static void
draw_documents(WINDOW *win, int y, int end)
{
	char text[600];

	if (!ov.ndocs || y + 1 >= end)
		return;
	ui_text(win, y++, 0, getmaxx(win), "Documents outstanding (qrel document list --outstanding)", A_BOLD);
	for (size_t i = 0; i < ov.ndocs && y < end; i++, y++) {
		const struct document_row *d = &ov.docs[i];

		snprintf(text, sizeof(text), "%-9s %-10s %-4s %s%s%s", d->status, d->requested,
			 *d->site_code ? d->site_code : "all", d->title, *d->owner ? ui_glyph(" \xc2\xb7 ", " - ") : "", d->owner);
		ui_text(win, y, 0, getmaxx(win), text, A_NORMAL);
	}
}

static void
overview_reload(struct app *app)
{
	ov.ndom = summary_domains(app->db, app->review, ov.dom);
	ov.nsites = store_site_count(app->db, app->review);
	if (ov.ndom < 0 || ov.nsites < 0) {
		ui_error("%s", error_message());
		ov.ndom = ov.nsites = 0;
	}
	if (ov.sel >= ov.nsites)
		ov.sel = ov.nsites ? ov.nsites - 1 : 0;
	count_documents(app);
	/* A site switch calls this too; only a write anywhere makes the counts stale. */
	if (!ov.page || db_generation(app->db) != ov.generation)
		ov.stale = true;
}

/* Coming back to the overview costs nothing unless someone wrote meanwhile. */
static void
overview_enter(struct app *app)
{
	overview_reload(app);
}

/* A site's cells from the page shown before, if it was on it. */
static bool
reuse(const struct summary_row *old, int nold, struct summary_row *row)
{
	for (int i = 0; i < nold; i++) {
		if (old[i].site == row->site) {
			memcpy(row->cell, old[i].cell, sizeof(row->cell));
			return true;
		}
	}
	return false;
}

/* Reads only the rows on screen; scrolling by a line queries one new site. */
static void
load_page(struct app *app, int rows)
{
	struct summary_row *page;
	int (*acts)[2];
	int n;

	if (!ov.stale && ov.page_top == ov.top && ov.npage && ov.page_cap >= rows)
		return;
	acts = calloc((size_t)rows, sizeof(*acts));
	if (!(page = calloc((size_t)rows, sizeof(*page))) || !acts ||
	    summary_sites(app->db, app->review, ov.top, rows, page, &n) != QREL_OK) {
		free(page);
		free(acts);
		ui_error("%s", error_message());
		return;
	}
	for (int i = 0; i < n; i++)
		if (schedule_counts(app->db, app->review, page[i].site, &acts[i][0], &acts[i][1]) != QREL_OK)
			ui_error("%s", error_message());
	free(ov.acts);
	ov.acts = acts;
	for (int i = 0; i < n; i++)
		if ((ov.stale || !reuse(ov.page, ov.npage, &page[i])) &&
		    summary_fill(app->db, app->review, app->user, &page[i]) != QREL_OK)
			ui_error("%s", error_message());
	free(ov.page);
	ov.page = page;
	ov.npage = n;
	ov.page_cap = rows;
	ov.page_top = ov.top;
	ov.stale = false;
	ov.generation = db_generation(app->db);
}

static int
cell_cols(WINDOW *win)
{
	int w = getmaxx(win) - CODE_COLS - NAME_COLS - 2 - ACT_COLS;

	return ov.ndom ? w / ov.ndom : w;
}

static void
draw_heading(WINDOW *win)
{
	int cw = cell_cols(win), x = CODE_COLS + NAME_COLS + 2 + ACT_COLS;
	char text[64];

	snprintf(text, sizeof(text), "Review overview: %d site%s", ov.nsites, ov.nsites == 1 ? "" : "s");
	ui_text(win, 0, 0, getmaxx(win), text, A_BOLD);
	ui_text(win, 1, 0, CODE_COLS, "Site", A_BOLD);
	ui_text(win, 1, CODE_COLS, NAME_COLS + 2, "Name", A_BOLD);
	ui_text(win, 1, CODE_COLS + NAME_COLS + 2, ACT_COLS, "Done Plan", A_BOLD);
	for (int d = 0; d < ov.ndom; d++) {
		snprintf(text, sizeof(text), "Domain %s", ov.dom[d].code);
		ui_text(win, 1, x + d * cw, cw, text, A_BOLD);
	}
	ui_hline(win, 2, 0, getmaxx(win));
}

/* Only the site's name shows the selection, in one attribute (the code stays
 * bold in every row): a move then repaints 2 x 23 cells and three attribute
 * changes, under 100 bytes, which matters over a slow link. */
static void
draw_row(WINDOW *win, int y, const struct summary_row *r, const int acts[2], bool selected)
{
	int cw = cell_cols(win), x = CODE_COLS + NAME_COLS + 2 + ACT_COLS;
	char text[64];

	ui_text(win, y, 0, CODE_COLS, r->code, A_BOLD);
	ui_text(win, y, CODE_COLS, NAME_COLS + 1, r->name, selected ? ui_attr(UI_SELECTED) : A_NORMAL);
	ui_text(win, y, CODE_COLS + NAME_COLS + 1, 1, "", A_NORMAL);
	snprintf(text, sizeof(text), "%4d %4d", acts[1], acts[0]);
	ui_text(win, y, CODE_COLS + NAME_COLS + 2, ACT_COLS, text, acts[0] ? A_BOLD : A_NORMAL);
	for (int d = 0; d < ov.ndom; d++) {
		const struct summary_cell *c = &r->cell[d];

		snprintf(text, sizeof(text), "%2d/%-2d %4d", c->scored, c->clusters, c->notes);
		ui_text(win, y, x + d * cw, cw, text, c->clusters && c->scored == c->clusters ? A_BOLD : 0);
	}
	ui_text(win, y, x + ov.ndom * cw, getmaxx(win) - x - ov.ndom * cw, "", A_NORMAL);
}

static void
draw_legend(WINDOW *win, int y)
{
	char text[200];

	ui_hline(win, y++, 0, getmaxx(win));
	ui_text(win, y++, 0, getmaxx(win),
		"Done/Plan: activities; per domain: clusters scored/total, notes.  Enter: rubric",
		ui_attr(UI_DIM));
	snprintf(text, sizeof(text), "Documents outstanding: %d requested, %d received not yet reviewed",
		 ov.docs_requested, ov.docs_received);
	ui_text(win, y++, 0, getmaxx(win), text, ov.docs_requested ? A_BOLD : ui_attr(UI_DIM));
	for (int d = 0; d < ov.ndom; d++) {
		snprintf(text, sizeof(text), "D%s  %s", ov.dom[d].code, ov.dom[d].title);
		ui_text(win, y++, 0, getmaxx(win), text, ui_attr(UI_DIM));
	}
}

static void
overview_draw(struct app *app, WINDOW *win)
{
	int rows = list_height(win);

	if (ov.sel < ov.top)
		ov.top = ov.sel;
	if (ov.sel >= ov.top + rows)
		ov.top = ov.sel - rows + 1;
	load_page(app, rows);
	werase(win);
	draw_heading(win);
	for (int i = 0; i < ov.npage; i++)
		draw_row(win, 3 + i, &ov.page[i], ov.acts[i], ov.top + i == ov.sel);
	if (!ov.nsites)
		ui_text(win, 3, 0, getmaxx(win), "No sites yet: import them with `qrel import sites`.", A_NORMAL);
	else
		draw_documents(win, 3 + ov.npage + 1, 3 + rows);
	draw_legend(win, 3 + rows);
}

static int
move_selection(WINDOW *win, enum action a)
{
	int rows = list_height(win), old = ov.sel;

	switch (a) {
	case ACT_UP: ov.sel--; break;
	case ACT_DOWN: ov.sel++; break;
	case ACT_PAGE_UP: ov.sel -= rows; break;
	case ACT_PAGE_DOWN: ov.sel += rows; break;
	case ACT_HOME: ov.sel = 0; break;
	case ACT_END: ov.sel = ov.nsites - 1; break;
	default: return UI_UNHANDLED;
	}
	if (ov.sel >= ov.nsites)
		ov.sel = ov.nsites - 1;
	if (ov.sel < 0)
		ov.sel = 0;
	return ov.sel == old ? UI_HANDLED : UI_DIRTY;
}

static int
overview_key(struct app *app, WINDOW *win, enum action a, int key)
{
	UNUSED(key);
	if (a == ACT_ENTER && ov.npage && ov.sel - ov.top < ov.npage) {
		ui_set_site(app, ov.page[ov.sel - ov.top].site);
		ui_message("Working on %s (%s).", app->site_code, app->site_name);
		ui_switch(&rubric_screen);
		return UI_DIRTY | UI_HEADER;
	}
	return move_selection(win, a);
}

static const struct keybinding overview_keys[] = {
	{ '\r', ACT_ENTER }, { ']', ACT_SITE_NEXT }, { 'R', ACT_SCREEN_RUBRIC },
};

const struct screen_ops overview_screen = {
	.name = "overview",
	.keys = overview_keys,
	.nkeys = ARRAY_SIZE(overview_keys),
	.enter = overview_enter,
	.draw = overview_draw,
	.key = overview_key,
	.reload = overview_reload,
};
