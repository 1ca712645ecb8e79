/* report.c: the review dashboard: a heat map of sites x clusters, agreement per cluster, what needs discussion, and the report export. */
#include "qrel/qrel.h"
#include "qrel/dashboard.h"
#include "qrel/db.h"
#include "qrel/report.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/visibility.h"

#include <time.h>

#define CODE_COLS 6
#define FIXED_LINES 11		/* title, header, agreement, rule, 3 detail, 3 lists, hint */
#define MAX_ROWS 200

enum prompt { PROMPT_NONE, PROMPT_FORMAT, PROMPT_PATH };

static struct {
	struct dash_frame f;
	bool loaded, stale, mine, lists;
	int nsites, top, sel, col, left;	/* sites: first shown, selected; cluster: selected, first shown */
	struct dash_site site[MAX_ROWS];
	struct dash_cell *cell;			/* rows shown x f.ncl */
	int nrows;
	struct agree_result *agree;		/* per cluster, over every site */
	unsigned long generation;
	enum prompt prompt;
	enum report_format fmt;
	char input[1024];
	struct vis_viewer viewer;	/* who reads: what the cells may show */
} rp;

static int
rows_shown(WINDOW *win)
{
	int h = getmaxy(win) - FIXED_LINES;

	return h < 1 ? 1 : h > MAX_ROWS ? MAX_ROWS : h;
}

/* Four columns a cell: " 2!~" under " 1.3"; more clusters than fit scroll sideways. */
static int
cell_cols(WINDOW *win)
{
	UNUSED(win);
	return 4;
}

static int
cols_shown(WINDOW *win)
{
	int n = (getmaxx(win) - CODE_COLS) / cell_cols(win);

	return n < 1 ? 1 : n;
}

/* ---- loading ---- */

static void
load_frame(struct app *app)
{
	dash_frame_free(&rp.f);
	free(rp.agree);
	rp.agree = NULL;
	if (visibility_viewer(app->db, app->review, app->user, &rp.viewer) != QREL_OK ||
	    dash_frame_load(app->db, app->review, &rp.f) != QREL_OK ||
	    !(rp.agree = calloc((size_t)rp.f.ncl + 1, sizeof(*rp.agree))) ||
	    dash_cluster_agreement(app->db, app->review, &rp.f, &rp.viewer, rp.agree) != QREL_OK)
		ui_error("%s", error_message());
	rp.nsites = store_site_count(app->db, app->review);
	rp.nsites = rp.nsites < 0 ? 0 : rp.nsites;
	rp.loaded = true;
	rp.generation = db_generation(app->db);
}

/* Reads the sites on screen and their cells: one site's queries per row. */
static void
load_page(struct app *app, int rows)
{
	struct dash_cell *cells;

	if (!rp.stale && rp.nrows)
		return;
	cells = calloc((size_t)rows * (size_t)rp.f.ncl + 1, sizeof(*cells));
	if (!cells || dash_sites(app->db, app->review, rp.top, rows, rp.site, &rp.nrows) != QREL_OK ||
	    dash_fill(app->db, app->review, &rp.f, rp.site, rp.nrows, rp.mine ? app->person : 0, &rp.viewer,
			      cells) != QREL_OK) {
		ui_error("%s", error_message());
		rp.nrows = 0;
	}
	free(rp.cell);
	rp.cell = cells;
	rp.stale = false;
}

static void
report_reload(struct app *app)
{
	if (!rp.loaded || db_generation(app->db) != rp.generation)
		load_frame(app);
	rp.stale = true;
}

static void
report_enter(struct app *app)
{
	rp.prompt = PROMPT_NONE;
	report_reload(app);
}

static void
report_leave(struct app *app)
{
	UNUSED(app);
	free(rp.cell);
	rp.cell = NULL;
	rp.nrows = 0;
}

static const struct dash_cell *
cell_at(int row, int c)
{
	return rp.cell && row < rp.nrows ? &rp.cell[(size_t)row * (size_t)rp.f.ncl + (size_t)c] : NULL;
}

/* ---- drawing ---- */

static attr_t
level_attr(struct app *app, int level)
{
	enum ui_color c = level >= 4 ? UI_LEVEL4 : level == 3 ? UI_LEVEL3 : level == 2 ? UI_LEVEL2 : UI_LEVEL1;

	if (level <= 0)
		return level == DASH_NE ? ui_attr(UI_DIM) : A_NORMAL;
	/* Reverse video turns the level's colour into a block: a heat map. */
	return ui_attr(c) | (app->color ? A_REVERSE : 0);
}

/* "2!~": the level (or NE, or . for none), ! to discuss (a spread of two, no consensus), ~ untriangulated. */
static void
cell_text(const struct dash_cell *c, char *buf, size_t size)
{
	int level = rp.mine ? c->mine : c->consensus;
	char lv[8];

	report_level_text(level, lv, sizeof(lv));
	snprintf(buf, size, "%s%s%s", *lv ? lv : ".", dash_to_discuss(c) ? "!" : "",
		 dash_triangulated(c) ? "" : "~");
}

static void
draw_header(WINDOW *win)
{
	int cw = cell_cols(win), n = cols_shown(win);
	char text[160];

	snprintf(text, sizeof(text), "Dashboard: %s, sites %d-%d of %d%s", rp.mine ? "your levels" :
		 "consensus levels", rp.nsites ? rp.top + 1 : 0, rp.top + rp.nrows, rp.nsites,
		 rp.f.ncl > n ? "  (h/l scroll clusters)" : "");
	ui_text(win, 0, 0, getmaxx(win), text, A_BOLD);
	ui_text(win, 1, 0, CODE_COLS, "Site", A_BOLD);
	for (int i = 0; i < n; i++) {
		int c = rp.left + i;

		snprintf(text, sizeof(text), " %s", c < rp.f.ncl ? rp.f.cl[c].code : "");
		ui_text(win, 1, CODE_COLS + i * cw, cw, text, c == rp.col ? A_BOLD | A_UNDERLINE : A_BOLD);
	}
}

static void
draw_row(struct app *app, WINDOW *win, int y, int row)
{
	int cw = cell_cols(win), n = cols_shown(win);
	char text[16];

	ui_text(win, y, 0, CODE_COLS, rp.site[row].code,
		rp.top + row == rp.sel ? ui_attr(UI_SELECTED) : A_BOLD);
	for (int i = 0; i < n && rp.left + i < rp.f.ncl; i++) {
		const struct dash_cell *c = cell_at(row, rp.left + i);
		bool sel = rp.top + row == rp.sel && rp.left + i == rp.col;
		char show[16];

		cell_text(c, text, sizeof(text));
		snprintf(show, sizeof(show), " %-*.*s", cw - 1, cw - 1, text);
		ui_text(win, y, CODE_COLS + i * cw, cw, show,
			sel ? ui_attr(UI_SELECTED) | A_BOLD : level_attr(app, rp.mine ? c->mine : c->consensus));
	}
}

static void
draw_agreement(WINDOW *win, int y)
{
	int cw = cell_cols(win), n = cols_shown(win);
	char text[16];

	ui_text(win, y, 0, CODE_COLS, "agr%", ui_attr(UI_DIM));
	for (int i = 0; i < n && rp.left + i < rp.f.ncl; i++) {
		const struct agree_value *v = rp.agree ? &rp.agree[rp.left + i].exact : NULL;

		if (v && v->defined)
			snprintf(text, sizeof(text), "%3d", (int)(v->value * 100.0 + 0.5));
		else
			snprintf(text, sizeof(text), " --");
		ui_text(win, y, CODE_COLS + i * cw, cw, text, ui_attr(UI_DIM));
	}
}

static void
draw_detail(WINDOW *win, int y)
{
	const struct dash_cell *c = cell_at(rp.sel - rp.top, rp.col);
	const struct agree_result *a = rp.agree && rp.col < rp.f.ncl ? &rp.agree[rp.col] : NULL;
	char lv[8], self[8], med[8], text[VOICE_LIST_MAX + 400], ex[16], adj[16], al[16], voice[VOICE_LIST_MAX + 64];

	if (!c || !a)
		return;
	dash_voice_text(&rp.f, c, voice, sizeof(voice));
	report_level_text(c->consensus, lv, sizeof(lv));
	report_level_text(c->self, self, sizeof(self));
	report_median_text(dash_team_median(c), med, sizeof(med));
	snprintf(text, sizeof(text), "%s %s, at %s", rp.f.cl[rp.col].code, rp.f.cl[rp.col].title,
		 rp.site[rp.sel - rp.top].code);
	ui_text(win, y, 0, getmaxx(win), text, A_BOLD);
	snprintf(text, sizeof(text), "consensus %s, self %s, team median %s (%d raters, spread %d); %d notes, "
		 "%s%s", *lv ? lv : "-", *self ? self : "-", *med ? med : "-", dash_team_n(c),
		 dash_team_spread(c) < 0 ? 0 : dash_team_spread(c), c->notes, voice,
		 dash_triangulated(c) ? "" : " (not triangulated)");
	ui_text(win, y + 1, 0, getmaxx(win), text, A_NORMAL);
	report_stat_text(&a->exact, ex, sizeof(ex));
	report_stat_text(&a->adjacent, adj, sizeof(adj));
	report_stat_text(&a->alpha_ordinal, al, sizeof(al));
	snprintf(text, sizeof(text), "Agreement on %s, all sites: exact %s, adjacent %s, ordinal alpha %s%s%s",
		 rp.f.cl[rp.col].code, ex, adj, al, a->alpha_ordinal.defined ? "" : " - ",
		 a->alpha_ordinal.defined ? "" : a->alpha_ordinal.why);
	ui_text(win, y + 2, 0, getmaxx(win), text, ui_attr(UI_DIM));
}

/* Appends "1.3@RHS" (and extra) to buf when want says the cell belongs to list k. */
static bool
list_wants(int k, const struct dash_cell *c, char *extra, size_t size)
{
	double gap;

	extra[0] = '\0';
	if (k == 0)
		return dash_to_discuss(c);
	if (k == 1 && dash_self_gap(c, &gap) && (gap >= 1.0 || gap <= -1.0)) {
		char m[8];

		report_median_text(gap < 0 ? -gap : gap, m, sizeof(m));
		snprintf(extra, size, "(%c%s)", gap < 0 ? '-' : '+', m);
		return true;
	}
	return k == 2 && (dash_team_n(c) || c->consensus) && !dash_triangulated(c);
}

static int
list_collect(int k, char *buf, size_t size)
{
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	for (int r = 0; r < rp.nrows; r++) {
		for (int c = 0; c < rp.f.ncl; c++) {
			char extra[16];

			if (!list_wants(k, cell_at(r, c), extra, sizeof(extra)))
				continue;
			n++;
			if (used + 40 < size)
				used += (size_t)snprintf(buf + used, size - used, " %s@%s%s", rp.f.cl[c].code,
							 rp.site[r].code, extra);
		}
	}
	return n;
}

/* Draws text wrapped at the window's width from line y; returns the next free line. */
static int
draw_wrapped(WINDOW *win, int y, int height, const char *text)
{
	char line[512];

	for (const char *s = text; s && *s && y < height; y++) {
		size_t len;
		const char *next = text_wrap(s, getmaxx(win), &len);

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), s);
		ui_text(win, y, 0, getmaxx(win), line, A_NORMAL);
		s = next;
	}
	return y;
}

static const char *const list_titles[] = {
	"Discuss (raters 2 apart)", "Self/team gaps", "Scored, not triangulated",
};

static void
draw_lists(WINDOW *win, int y, int height)
{
	static char items[8192];
	char text[8400];

	for (int k = 0; k < 3; k++) {
		int n = list_collect(k, items, sizeof(items));

		snprintf(text, sizeof(text), "%s, this page (%d):%s", list_titles[k], n, n ? items : " none");
		if (!rp.lists) {
			ui_text(win, y + k, 0, getmaxx(win), text, k == 0 && n ? A_BOLD : A_NORMAL);
			continue;
		}
		y = draw_wrapped(win, y, height, text);
		y++;
	}
}

static void
draw_prompt(WINDOW *win)
{
	char text[1200];

	if (rp.prompt == PROMPT_FORMAT)
		snprintf(text, sizeof(text), "Export the report as (h)tml, (m)arkdown, (c)sv or (j)son?  Esc cancels");
	else
		snprintf(text, sizeof(text), "Save the %s report to: %s_   (Enter writes, Esc cancels)",
			 report_format_name(rp.fmt), rp.input);
	ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), text, A_BOLD);
}

static void
draw_hint(WINDOW *win)
{
	static const enum action acts[] = { ACT_ENTER, ACT_DASH_MINE, ACT_DASH_LISTS, ACT_EXPORT, ACT_HELP };

	ui_hint_line(win, acts, ARRAY_SIZE(acts));
}

static void
clamp_view(WINDOW *win, int rows)
{
	int n = cols_shown(win);

	if (rp.sel < rp.top || rp.sel >= rp.top + rows) {
		rp.top = rp.sel < rp.top ? rp.sel : rp.sel - rows + 1;
		rp.stale = true;
	}
	if (rp.col < rp.left)
		rp.left = rp.col;
	if (rp.col >= rp.left + n)
		rp.left = rp.col - n + 1;
}

static void
report_draw(struct app *app, WINDOW *win)
{
	int rows = rows_shown(win), h = getmaxy(win);

	clamp_view(win, rows);
	load_page(app, rows);
	werase(win);
	if (rp.lists) {
		ui_text(win, 0, 0, getmaxx(win), "Needs attention (sites on this page of the heat map)", A_BOLD);
		draw_lists(win, 1, h - 1);
	} else {
		draw_header(win);
		for (int i = 0; i < rp.nrows; i++)
			draw_row(app, win, 2 + i, i);
		if (!rp.nsites)
			ui_text(win, 2, 0, getmaxx(win), "No sites yet: import them with `qrel import sites`.", A_NORMAL);
		draw_agreement(win, 2 + rows);
		ui_hline(win, 3 + rows, 0, getmaxx(win));
		draw_detail(win, 4 + rows);
		draw_lists(win, 7 + rows, h - 1);
	}
	if (rp.prompt != PROMPT_NONE)
		draw_prompt(win);
	else
		draw_hint(win);
}

/* ---- export ---- */

static void
default_path(void)
{
	const char *dir = getenv("XDG_DOCUMENTS_DIR");

	if (dir && *dir)
		snprintf(rp.input, sizeof(rp.input), "%s/qrel-report%s", dir, report_format_ext(rp.fmt));
	else
		snprintf(rp.input, sizeof(rp.input), "qrel-report%s", report_format_ext(rp.fmt));
}

static void
export(struct app *app)
{
	struct report_options o = { .quotes = REPORT_QUOTES, .settings = app->settings, .viewer = app->user };
	struct report r;
	int rc = report_build(app->db, app->review, &o, &r);

	if (rc == QREL_OK) {
		rc = report_save(&r, rp.fmt, rp.input);
		report_free(&r);
	}
	if (rc != QREL_OK)
		ui_error("Report not written: %s", error_message());
	else
		ui_message("Report (%s) written to %s", report_format_name(rp.fmt), rp.input);
}

static int
format_key(int key)
{
	static const char keys[] = "hmcj";
	const char *k = key > 0 && key < 128 ? strchr(keys, key) : NULL;

	if (key == ESC) {
		rp.prompt = PROMPT_NONE;
		return UI_DIRTY;
	}
	if (!k || !*k)
		return UI_HANDLED;
	rp.fmt = (enum report_format)(k - keys);
	rp.prompt = PROMPT_PATH;
	default_path();
	return UI_DIRTY;
}

/* Appends the character (a wide character from curses) as UTF-8. */
static void
input_add(int key)
{
	size_t n = strlen(rp.input);
	char enc[4];
	int len;

	key &= ~UI_KEY_CHAR;
	if (key < 0x20 || key == 0x7f || key > 0xffff)
		return;
	if (key < 0x80)
		len = (enc[0] = (char)key, 1);
	else if (key < 0x800)
		len = (enc[0] = (char)(0xc0 | key >> 6), enc[1] = (char)(0x80 | (key & 0x3f)), 2);
	else
		len = (enc[0] = (char)(0xe0 | key >> 12), enc[1] = (char)(0x80 | ((key >> 6) & 0x3f)),
		       enc[2] = (char)(0x80 | (key & 0x3f)), 3);
	if (n + (size_t)len < sizeof(rp.input)) {
		memcpy(rp.input + n, enc, (size_t)len);
		rp.input[n + (size_t)len] = '\0';
	}
}

static void
input_back(void)
{
	size_t n = strlen(rp.input);

	while (n > 0 && ((unsigned char)rp.input[n - 1] & 0xc0) == 0x80)
		n--;
	rp.input[n ? n - 1 : 0] = '\0';
}

static int
path_key(struct app *app, int key)
{
	switch (key) {
	case ESC: rp.prompt = PROMPT_NONE; break;
	case KEY_BACKSPACE: case 127: case 8: input_back(); break;
	case '\r': case '\n': case KEY_ENTER:
		rp.prompt = PROMPT_NONE;
		if (*rp.input)
			export(app);
		break;
	default:
		if (key < KEY_MIN || (key & UI_KEY_CHAR))
			input_add(key);
	}
	return UI_DIRTY;
}

/* ---- keys ---- */

static int
move_sel(WINDOW *win, enum action a)
{
	int rows = rows_shown(win), sel = rp.sel, col = rp.col;

	switch (a) {
	case ACT_UP: rp.sel--; break;
	case ACT_DOWN: rp.sel++; break;
	case ACT_PAGE_UP: rp.sel -= rows; break;
	case ACT_PAGE_DOWN: rp.sel += rows; break;
	case ACT_HOME: rp.sel = 0; break;
	case ACT_END: rp.sel = rp.nsites - 1; break;
	case ACT_LEFT: rp.col--; break;
	case ACT_RIGHT: rp.col++; break;
	default: return UI_UNHANDLED;
	}
	rp.sel = rp.sel >= rp.nsites ? rp.nsites - 1 : rp.sel;
	rp.sel = rp.sel < 0 ? 0 : rp.sel;
	rp.col = rp.col >= rp.f.ncl ? rp.f.ncl - 1 : rp.col;
	rp.col = rp.col < 0 ? 0 : rp.col;
	return rp.sel == sel && rp.col == col ? UI_HANDLED : UI_DIRTY;
}

static int
open_rubric(struct app *app)
{
	int row = rp.sel - rp.top;

	if (row < 0 || row >= rp.nrows)
		return UI_HANDLED;
	ui_set_site(app, rp.site[row].id);
	ui_switch(&rubric_screen);
	ui_message("Rubric for %s; the dashboard cell was %s.", app->site_code, rp.f.cl[rp.col].code);
	return UI_DIRTY | UI_HEADER;
}

static int
toggle_mine(struct app *app)
{
	if (!rp.mine && app->person <= 0) {
		ui_error("Only a member of the review has levels of their own: start qrel with --as and your name.");
		return UI_HANDLED;
	}
	rp.mine = !rp.mine;
	rp.stale = true;
	return UI_DIRTY;
}

static int
report_key(struct app *app, WINDOW *win, enum action a, int key)
{
	if (rp.prompt == PROMPT_FORMAT)
		return format_key(key);
	if (rp.prompt == PROMPT_PATH)
		return path_key(app, key);
	switch (a) {
	case ACT_EXPORT: rp.prompt = PROMPT_FORMAT; return UI_DIRTY;
	case ACT_DASH_MINE: return toggle_mine(app);
	case ACT_DASH_LISTS: rp.lists = !rp.lists; return UI_DIRTY;
	default: break;
	}
	if (a == ACT_ENTER)
		return open_rubric(app);
	if (rp.lists && a == ACT_BACK) {
		rp.lists = false;
		return UI_DIRTY;
	}
	return move_sel(win, a);
}

static const struct keybinding report_keys[] = {
	{ '\r', ACT_ENTER }, { 'v', ACT_DASH_MINE }, { '\t', ACT_DASH_LISTS }, { 'x', ACT_EXPORT },
};

static const char *const report_legend[] = {
	"Cells: the level (NE: insufficient evidence), . none yet,",
	"  ! to discuss (team raters two levels apart, no consensus yet),",
	"  ~ not triangulated (fewer than three source types in the notes).",
	NULL,
};

const struct screen_ops report_screen = {
	.name = "dashboard",
	.keys = report_keys,
	.nkeys = ARRAY_SIZE(report_keys),
	.legend = report_legend,
	.enter = report_enter,
	.leave = report_leave,
	.draw = report_draw,
	.key = report_key,
	.reload = report_reload,
};
