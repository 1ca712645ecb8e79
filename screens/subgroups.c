/* subgroups.c: one subgroup table with its rates, ratios, flags and charts; trend, sites, corrections and finding notes. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/picker.h"
#include "qrel/settings.h"
#include "qrel/plan.h"
#include "qrel/subgroup.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#include <strings.h>

#define MAX_ITEMS 64
#define BAR_TEXT 14
#define WIDE 120		/* from this width the optional columns show by default */
#define BESIDE_NAME 26		/* the group column when the chart is beside the table */
#define BESIDE_CHART 46		/* the narrowest chart put beside the table */
#define CHART_POINTS 64		/* the points a chart scales to: all that is loaded across sites */

enum view { VIEW_TABLE, VIEW_TREND, VIEW_SITES };
enum chart { CHART_RATES, CHART_SHARES, CHART_OFF, CHART_COUNT };
enum col { COL_GROUP, COL_ENROLLED, COL_COUNT, COL_RATE, COL_RATIO, COL_FLAG, COL_REF, COL_WRR, COL_OUTCOME,
	COL_SHARE, NCOLS };
enum pick { PICK_NONE, PICK_YEAR, PICK_METRIC, PICK_DIMENSION, PICK_REFERENCE };
enum optional { OPT_AUTO, OPT_SHOW, OPT_HIDE };
enum prompt { PROMPT_NONE, PROMPT_ENROLLED, PROMPT_COUNT };

static const struct { const char *title; int width; } columns[NCOLS] = {
	{ "Group", 0 }, { "Enrolled", 8 }, { "Count", 6 }, { "Rate", 7 }, { "Ratio", 9 },
	{ "Flag", 4 }, { "vs Ref", 8 }, { "WRR", 6 }, { "Out %", 7 }, { "Enr %", 7 },
};

static struct {
	struct subgroup_key key;
	struct subgroup_table t;
	bool empty;			/* no data at this site */
	size_t *order;			/* display order of t.row */
	int sel, top;
	int sort;
	bool reverse;
	enum view view;
	enum chart chart;
	struct subgroup_point *pts;
	size_t npts;
	size_t pts_max;			/* the most points across sites asked for */
	struct picker pick;		/* pick.tag: an enum pick */
	char items[MAX_ITEMS][SUBGROUP_TEXT];
	int64_t item_ids[MAX_ITEMS];
	size_t nitems;
	enum prompt prompt;
	char input[12];
	long new_enrolled;
	bool utf8;
	char reference[SUBGROUP_TEXT];	/* "" for none */
	bool reference_set;		/* taken from [subgroups] reference once */
	enum optional wrr;		/* the weighted ratio column */
	int width;			/* the window's, for the optional columns */
	int height;			/* the window's, for the sites the list shows */
	/* What sg.t was computed for: it is kept across visits and reloads, and
	 * computed again only when one of these or the store changed. A
	 * district's set of schools is suppressed together (2,000 sites at a
	 * time), which is far too slow to repeat on each visit. */
	struct {
		bool valid;
		struct subgroup_key key;
		char reference[SUBGROUP_TEXT];
		unsigned long generation;	/* db_generation: any commit, here or elsewhere */
	} made;
} sg;

/* ---- loading ---- */

static const struct subgroup_entry *
selected(void)
{
	if (sg.empty || !sg.t.n || sg.sel < 0 || (size_t)sg.sel >= sg.t.n)
		return NULL;
	return &sg.t.row[sg.order[sg.sel]];
}

static bool
value_of(const struct subgroup_entry *e, int col, double *v)
{
	struct risk_value r = { 0.0, 1 };

	switch (col) {
	case COL_ENROLLED: r.value = (double)e->enrolled; break;
	case COL_COUNT: r = (struct risk_value){ (double)e->count, !e->hidden }; break;
	case COL_RATE: r = e->stat.risk; break;
	case COL_RATIO: r = e->stat.ratio; break;
	case COL_REF: r = e->stat.reference_ratio; break;
	case COL_WRR: r = e->stat.weighted_ratio; break;
	case COL_FLAG: r.value = e->flagged; break;
	case COL_OUTCOME: r = e->stat.outcome_share; break;
	default: r = e->stat.enrolled_share; break;
	}
	*v = r.value;
	return r.defined;
}

/* Undefined and withheld values go last either way, so their place in the
 * order says nothing about them. */
static int
compare(const void *a, const void *b)
{
	const struct subgroup_entry *x = &sg.t.row[*(const size_t *)a], *y = &sg.t.row[*(const size_t *)b];
	double vx, vy;
	bool dx, dy;
	int c;

	if (sg.sort == COL_GROUP) {
		c = strcmp(x->name, y->name);
		return sg.reverse ? -c : c;
	}
	dx = value_of(x, sg.sort, &vx);
	dy = value_of(y, sg.sort, &vy);
	if (dx != dy)
		return dx ? -1 : 1;
	c = !dx || vx == vy ? 0 : vx < vy ? -1 : 1;
	if (sg.reverse)
		c = -c;
	return c ? c : (*(const size_t *)a < *(const size_t *)b ? -1 : 1);
}

/* Sorts, keeping the row with id keep (if any) selected. */
static void
sort_rows_keep(int64_t keep)
{
	for (size_t i = 0; i < sg.t.n; i++)
		sg.order[i] = i;
	if (sg.t.n > 1)
		qsort(sg.order, sg.t.n, sizeof(*sg.order), compare);
	for (size_t i = 0; keep && i < sg.t.n; i++)
		if (sg.t.row[sg.order[i]].id == keep)
			sg.sel = (int)i;
}

static void
sort_rows(void)
{
	const struct subgroup_entry *cur = selected();

	sort_rows_keep(cur ? cur->id : 0);
}

/* The user's settings with the reference group picked on this screen. */
static const struct settings *
table_settings(struct app *app, struct settings *copy)
{
	*copy = *app->settings;
	copy->reference = sg.reference;
	return copy;
}

/* May the reader see subgroup data at site (-1: at every site, as the comparison
 * across sites shows)? The rule is visibility.h's: a principal, their school only. */
static bool
subgroups_visible(const struct app *app, int64_t site)
{
	struct vis_at at = { site, 0, 0 };
	struct vis_viewer v;

	if (visibility_viewer(app->db, app->review, app->user, &v) != QREL_OK)
		return false;
	return site < 0 ? visibility_sees_everywhere(app->db, &v, VIS_SUBGROUP)
			: visibility_sees(app->db, &v, VIS_SUBGROUP, &at);
}

/* sg.t is the table of sg.key as it stands: nothing written since it was made. */
static bool
table_current(struct app *app)
{
	const struct subgroup_key *a = &sg.made.key, *b = &sg.key;

	return sg.made.valid && a->site == b->site && a->metric == b->metric && strcmp(a->year, b->year) == 0 &&
	       strcmp(a->dimension, b->dimension) == 0 && strcmp(sg.made.reference, sg.reference) == 0 &&
	       sg.made.generation == db_generation(app->db);
}

static void
forget_table(void)
{
	subgroup_table_free(&sg.t);
	free(sg.order);
	sg.order = NULL;
	sg.made.valid = false;
}

static void
load_table(struct app *app)
{
	struct settings s;
	int64_t keep = selected() ? selected()->id : 0;
	unsigned long generation = db_generation(app->db);

	sg.key.site = app->site;
	if (!subgroups_visible(app, app->site) || subgroup_key_fix(app->db, &sg.key) != QREL_OK) {
		forget_table();
		sg.empty = true;
		return;
	}
	if (!sg.empty && table_current(app))
		return;
	forget_table();
	sg.empty = subgroup_load(app->db, &sg.key, table_settings(app, &s), &sg.t) != QREL_OK;
	if (!sg.empty && !(sg.order = calloc(sg.t.n ? sg.t.n : 1, sizeof(*sg.order)))) {
		subgroup_table_free(&sg.t);
		sg.empty = true;
	}
	if (sg.empty) {
		sg.t.n = 0;
		return;
	}
	sg.made.valid = true;
	sg.made.key = sg.key;
	str_copy(sg.made.reference, sizeof(sg.made.reference), sg.reference);
	sg.made.generation = generation;
	sg.sel = sg.sel >= (int)sg.t.n ? (int)sg.t.n - 1 : sg.sel;
	sg.sel = sg.sel < 0 ? 0 : sg.sel;
	sort_rows_keep(keep);
}

/* The sites to load across sites: the chart's, or as many as the list shows
 * (draw_points) in a taller window. */
static size_t
points_wanted(void)
{
	size_t list = sg.height > 0 ? (size_t)sg.height / 2 : 0;

	return list > CHART_POINTS ? list : CHART_POINTS;
}

static void
load_points(struct app *app)
{
	const struct subgroup_entry *e = selected();
	struct settings s;
	int rc;

	free(sg.pts);
	sg.pts = NULL;
	sg.npts = 0;
	sg.pts_max = points_wanted();
	if (!e || (sg.view != VIEW_TREND && !subgroups_visible(app, -1)))
		return;
	rc = sg.view == VIEW_TREND ?
		subgroup_trend(app->db, &sg.key, e->name, table_settings(app, &s), &sg.pts, &sg.npts) :
		subgroup_across_sites(app->db, &sg.key, e->name, table_settings(app, &s), sg.pts_max, &sg.pts,
				      &sg.npts);
	if (rc != QREL_OK)
		ui_error("%s", error_message());
}

static void
subgroups_reload(struct app *app)
{
	load_table(app);
	if (sg.view != VIEW_TABLE)
		load_points(app);
}

static void
subgroups_enter(struct app *app)
{
	sg.view = VIEW_TABLE;
	picker_close(&sg.pick);
	sg.prompt = PROMPT_NONE;
	/* [subgroups] reference is where the screen starts; b changes it for the session. */
	if (!sg.reference_set && app->settings->reference)
		str_copy(sg.reference, sizeof(sg.reference), app->settings->reference);
	sg.reference_set = true;
	subgroups_reload(app);
}

static void
subgroups_leave(struct app *app)
{
	UNUSED(app);
	picker_close(&sg.pick);
	/* The table stays (sg.made): coming back costs nothing unless someone wrote. */
	free(sg.pts);
	sg.pts = NULL;
	sg.npts = 0;
}

/* ---- formatting ---- */

static void
fmt_percent(char *buf, size_t size, struct risk_value v, bool hidden)
{
	if (hidden)
		snprintf(buf, size, "*");
	else if (!v.defined)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f%%", 100.0 * v.value);
}

static void
fmt_ratio(char *buf, size_t size, const struct subgroup_entry *e)
{
	if (e->hidden)
		snprintf(buf, size, "*");
	else if (e->stat.kind == RISK_NOT_CALCULATED || !e->stat.ratio.defined)
		snprintf(buf, size, "n/c");
	else
		snprintf(buf, size, "%.2f %s", e->stat.ratio.value,
			 e->stat.kind == RISK_ALTERNATE_RATIO ? "ARR" : "RR");
}

/* A ratio the table may withhold as a whole (see subgroup.h), else "-" when undefined. */
static void
fmt_plain_ratio(char *buf, size_t size, const struct subgroup_entry *e, struct risk_value v, bool withheld)
{
	if (e->id < 0)
		snprintf(buf, size, "%s", "");	/* the total has no comparison */
	else if (e->hidden || (withheld && sg.view == VIEW_TABLE))
		snprintf(buf, size, "*");
	else if (!v.defined)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.2f", v.value);
}

static void
fmt_reference(char *buf, size_t size, const struct subgroup_entry *e)
{
	if (e->id >= 0 && !e->hidden && strcmp(e->name, sg.reference) == 0)
		snprintf(buf, size, "ref");
	else
		fmt_plain_ratio(buf, size, e, e->stat.reference_ratio, sg.t.reference_withheld);
}

static void
fmt_cell(char *buf, size_t size, const struct subgroup_entry *e, int col)
{
	switch (col) {
	case COL_ENROLLED: snprintf(buf, size, "%ld", e->enrolled); break;
	case COL_COUNT:
		if (e->hidden)
			snprintf(buf, size, "*");
		else
			snprintf(buf, size, "%ld", e->count);
		break;
	case COL_RATE: fmt_percent(buf, size, e->stat.risk, e->hidden); break;
	case COL_RATIO:
		if (e->id >= 0)
			fmt_ratio(buf, size, e);
		else
			snprintf(buf, size, "%s", "");	/* the total has no comparison */
		break;
	case COL_FLAG: snprintf(buf, size, "%s", e->flagged ? "!" : ""); break;
	case COL_REF: fmt_reference(buf, size, e); break;
	case COL_WRR: fmt_plain_ratio(buf, size, e, e->stat.weighted_ratio, sg.t.weighted_withheld); break;
	case COL_OUTCOME: fmt_percent(buf, size, e->stat.outcome_share, e->hidden); break;
	default: fmt_percent(buf, size, e->stat.enrolled_share, false); break;
	}
}

/* The reference ratio once a reference group is picked; the weighted ratio
 * on a wide terminal, or as w last set it. */
static bool
col_shown(int c)
{
	if (c == COL_REF)
		return sg.reference[0] != '\0';
	if (c == COL_WRR)
		return sg.wrr == OPT_SHOW || (sg.wrr == OPT_AUTO && sg.width >= WIDE);
	return true;
}

/* The table's width but the group's, with the selection mark's column. */
static int
fixed_cols(void)
{
	int w = 1;

	for (int c = 1; c < NCOLS; c++)
		if (col_shown(c))
			w += columns[c].width + 1;
	return w;
}

static int
name_cols(int width)
{
	int w = width - fixed_cols();

	return w < 8 ? 8 : w > 40 ? 40 : w;
}

static int
table_width(WINDOW *win)
{
	int w = getmaxx(win), fixed = fixed_cols();

	return w >= fixed + BESIDE_NAME + BESIDE_CHART ? fixed + BESIDE_NAME : w;
}

/* ---- drawing: the table ---- */

/* s, or as much of it as fits in cols with an ellipsis. */
static const char *
fit(const char *s, int cols, char *buf, size_t size)
{
	size_t n;

	if (cols < 2 || text_width(s) <= cols)
		return s;
	n = text_fit(s, cols - 1);
	snprintf(buf, size, "%.*s%s", (int)n, s, sg.utf8 ? "\xe2\x80\xa6" : "~");
	return buf;
}

/* Column c's title in cols columns: "vs White" names the reference group. */
static const char *
heading_title(int c, int cols, char *buf, size_t size)
{
	char name[SUBGROUP_TEXT + 8], cut[SUBGROUP_TEXT + 8];

	if (c != COL_REF)
		return columns[c].title;
	snprintf(name, sizeof(name), "vs %s", sg.reference);
	snprintf(buf, size, "%s", fit(name, cols, cut, sizeof(cut)));
	return buf;
}

static void
draw_heading(struct app *app, WINDOW *win, int width)
{
	int x = 1 + name_cols(width);
	char text[SUBGROUP_TEXT + 32], title[SUBGROUP_TEXT];

	ui_text(win, 1, 0, 1 + name_cols(width), " Group", A_BOLD | (sg.sort == COL_GROUP ? A_UNDERLINE : 0));
	for (int c = 1; c < NCOLS; c++) {
		const char *mark = sg.sort != c ? "" : app->utf8 ? (sg.reverse ? "\xe2\x96\xbc" : "\xe2\x96\xb2") :
			(sg.reverse ? "v" : "^");
		int room = columns[c].width - (*mark ? 1 : 0);
		const char *t = heading_title(c, room, title, sizeof(title));
		int pad = room - text_width(t);

		if (!col_shown(c))
			continue;
		/* Padded by display width: the title may end in a multi-byte ellipsis. */
		snprintf(text, sizeof(text), " %s%*s%s", mark, pad > 0 ? pad : 0, "", t);
		ui_text(win, 1, x, columns[c].width + 1, text, A_BOLD | (sg.sort == c ? A_UNDERLINE : 0));
		x += columns[c].width + 1;
	}
	ui_hline(win, 2, 0, width);
}

static void
draw_entry(WINDOW *win, int y, int width, const char *label, const struct subgroup_entry *e, attr_t attr)
{
	int x = 1 + name_cols(width);
	char text[48], cell[40], cut[400];

	ui_text(win, y, 0, 1, "", attr);
	ui_text(win, y, 1, name_cols(width), fit(label, name_cols(width), cut, sizeof(cut)),
		attr | (e->flagged ? A_BOLD : 0));
	for (int c = 1; c < NCOLS; c++) {
		attr_t a = attr;

		if (!col_shown(c))
			continue;
		fmt_cell(cell, sizeof(cell), e, c);
		snprintf(text, sizeof(text), " %*s", columns[c].width, cell);
		if (c == COL_FLAG && e->flagged && !(attr & A_REVERSE))
			a = ui_attr(UI_FLAG);
		ui_text(win, y, x, columns[c].width + 1, text, a);
		x += columns[c].width + 1;
	}
	if (x < width)
		ui_text(win, y, x, width - x, "", attr);
}

static void
draw_title(struct app *app, WINDOW *win)
{
	char text[600];
	const char *dot = app->utf8 ? " \xc2\xb7 " : " | ";

	snprintf(text, sizeof(text), "%s %s%s%s (%s)%sby %s%s%s%s", sg.t.site_code, sg.key.year, dot,
		 sg.t.metric.name, sg.t.metric.favourable ? "favourable" : "adverse", dot, sg.key.dimension,
		 *sg.reference ? dot : "", *sg.reference ? "vs " : "", sg.reference);
	ui_text(win, 0, 0, getmaxx(win), text, A_BOLD);
}

static void
draw_total(WINDOW *win, int y, int width)
{
	struct subgroup_entry all = { .id = -1, .enrolled = sg.t.enrolled, .count = sg.t.count,
				      .hidden = sg.t.count < 0 };

	all.stat.risk = (struct risk_value){ sg.t.enrolled > 0 && sg.t.count >= 0 ?
		(double)sg.t.count / (double)sg.t.enrolled : 0.0, sg.t.enrolled > 0 && sg.t.count >= 0 };
	all.stat.outcome_share = (struct risk_value){ 1.0, sg.t.count > 0 };
	all.stat.enrolled_share = (struct risk_value){ 1.0, sg.t.enrolled > 0 };
	draw_entry(win, y, width, "All students", &all, A_BOLD);
}

/* Appends piece to buf (two spaces apart) when it fits in width columns. */
static void
legend_add(char *buf, size_t size, int width, const char *piece)
{
	size_t n = strlen(buf);

	if (text_width(buf) + (n ? 2 : 0) + text_width(piece) <= width)
		snprintf(buf + n, size - n, "%s%s", n ? "  " : "", piece);
}

/* What the ratio column's kinds mean; the long wording when all of it fits. */
static void
draw_legend(struct app *app, WINDOW *win, int y, int width)
{
	const struct settings *s = app->settings;
	char text[400] = "", lng[400];
	bool wrr = col_shown(COL_WRR);

	snprintf(lng, sizeof(lng), "RR: vs all others here  ARR: vs others in the state (too few here)  "
		 "n/c: under %ld cases or %ld students%s", s->min_cell, s->min_n,
		 wrr ? "  WRR: others weighted by state enrolment" : "");
	if (text_width(lng) <= width) {
		ui_text(win, y, 0, width, lng, ui_attr(UI_DIM));
		return;
	}
	legend_add(text, sizeof(text), width, "RR vs others here");
	legend_add(text, sizeof(text), width, "ARR vs others statewide");
	snprintf(lng, sizeof(lng), "n/c under %ld cases/%ld enrolled", s->min_cell, s->min_n);
	legend_add(text, sizeof(text), width, lng);
	if (wrr)
		legend_add(text, sizeof(text), width, "WRR state-weighted");
	ui_text(win, y, 0, width, text, ui_attr(UI_DIM));
}

/* Rows that fit, keeping the selection in view. */
static int
table_rows(int avail)
{
	int rows = (int)sg.t.n < avail ? (int)sg.t.n : avail;

	if (sg.sel < sg.top)
		sg.top = sg.sel;
	if (sg.sel >= sg.top + rows)
		sg.top = sg.sel - rows + 1;
	if (sg.top > (int)sg.t.n - rows)
		sg.top = (int)sg.t.n - rows;
	sg.top = sg.top < 0 ? 0 : sg.top;
	return rows;
}

/* Draws the table from y 0; returns the first free line. */
static int
draw_table(struct app *app, WINDOW *win, int width, int avail)
{
	int rows = table_rows(avail), y = 3;
	char note[160];

	draw_title(app, win);
	draw_heading(app, win, width);
	for (int i = sg.top; i < sg.top + rows; i++, y++)
		draw_entry(win, y, width, sg.t.row[sg.order[i]].name, &sg.t.row[sg.order[i]],
			   i == sg.sel ? ui_attr(UI_SELECTED) : A_NORMAL);
	draw_total(win, y++, width);
	draw_legend(app, win, y++, width);
	if (sg.t.nhidden > 0) {
		snprintf(note, sizeof(note), "* withheld: fewer than %ld students or it would reveal one; flags (!) stay",
			 app->settings->min_display);
		ui_text(win, y++, 0, width, note, ui_attr(UI_DIM));
	}
	return y;
}

/* ---- drawing: bars ---- */

struct bar {
	const char *label;
	struct risk_value value, marker;
	const char *text;
	bool flagged, selected;
};

static void
bar_string(struct app *app, char *buf, size_t size, double frac, int width)
{
	static const char *const eighths[] = { "", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
		"\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89" };
	long units = (long)(frac * width * (app->utf8 ? 8 : 1) + 0.5);
	size_t used = 0;

	buf[0] = '\0';
	if (!app->utf8) {
		for (long i = 0; i < units && i < width && used + 1 < size; i++)
			buf[used++] = '#';
		buf[used] = '\0';
		return;
	}
	for (long i = 0; i < units / 8 && i < width && used + 4 < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "\xe2\x96\x88");
	if (units / 8 < width && used + 4 < size)
		snprintf(buf + used, size - used, "%s", eighths[units % 8]);
}

static void
draw_bar(struct app *app, WINDOW *win, int y, int x, int width, double scale, const struct bar *b)
{
	int label_w = width / 3 > 26 ? 26 : width / 3, bar_w = width - label_w - BAR_TEXT - 2;
	attr_t attr = b->selected ? A_BOLD : A_NORMAL;
	char buf[1024];

	ui_text(win, y, x, label_w, fit(b->label, label_w, buf, sizeof(buf)), attr);
	ui_text(win, y, x + label_w + 1, bar_w, "", A_NORMAL);
	if (b->value.defined && bar_w > 0) {
		bar_string(app, buf, sizeof(buf), b->value.value / scale, bar_w);
		ui_text(win, y, x + label_w + 1, bar_w, buf, b->flagged ? ui_attr(UI_FLAG) : attr);
	}
	if (b->marker.defined && bar_w > 0) {
		int m = (int)(b->marker.value / scale * bar_w);

		m = m >= bar_w ? bar_w - 1 : m;
		ui_text(win, y, x + label_w + 1 + m, 1, app->utf8 ? "\xe2\x94\x82" : "|", A_BOLD);
	}
	ui_text(win, y, x + width - BAR_TEXT, BAR_TEXT, b->text, attr);
}

static double
bar_scale(const struct bar *b, size_t n)
{
	double max = 0.0;

	for (size_t i = 0; i < n; i++) {
		if (b[i].value.defined && b[i].value.value > max)
			max = b[i].value.value;
		if (b[i].marker.defined && b[i].marker.value > max)
			max = b[i].marker.value;
	}
	return max > 0.0 ? max : 1.0;
}

/* One bar per entry: its rate against everyone else's, or its share of the
 * outcome against its share of enrolment. */
static void
entry_bar(struct bar *b, const struct subgroup_entry *e, const char *label, char *text, size_t size)
{
	b->label = label;
	b->flagged = e->flagged;
	b->text = text;
	if (sg.chart == CHART_SHARES && sg.view == VIEW_TABLE) {
		b->value = e->stat.outcome_share;
		b->marker = e->stat.enrolled_share;
		if (e->hidden || !e->stat.expected_count.defined)
			snprintf(text, size, "%s", e->hidden ? "*" : "-");
		else
			snprintf(text, size, "%ld vs %.1f", e->count, e->stat.expected_count.value);
		return;
	}
	b->value = e->stat.risk;
	b->marker = e->stat.comparison_risk;
	fmt_percent(text, size, e->stat.risk, e->hidden);
}

static void
draw_chart_title(struct app *app, WINDOW *win, int y, int x, int width)
{
	const char *mark = app->utf8 ? "\xe2\x94\x82" : "|";
	char text[200];

	if (sg.chart == CHART_SHARES && sg.view == VIEW_TABLE)
		snprintf(text, sizeof(text), "Share of the outcome (bar) vs share of enrolment (%s); actual vs "
			 "expected count", mark);
	else
		snprintf(text, sizeof(text), "Rate by %s (bar); %s marks the rate of all other students",
			 sg.view == VIEW_TABLE ? "group" : sg.view == VIEW_TREND ? "year" : "site", mark);
	ui_text(win, y, x, width, text, ui_attr(UI_DIM));
}

/* The chart of the table's rows (in display order), as many as fit around the selection. */
static void
draw_table_chart(struct app *app, WINDOW *win, int y, int x, int width, int height)
{
	struct bar *b = calloc(sg.t.n ? sg.t.n : 1, sizeof(*b));
	char (*text)[BAR_TEXT + 8] = calloc(sg.t.n ? sg.t.n : 1, sizeof(*text));
	int rows = height - 1, first;

	if (!b || !text || rows < 1) {
		free(b);
		free(text);
		return;
	}
	for (size_t i = 0; i < sg.t.n; i++) {
		entry_bar(&b[i], &sg.t.row[sg.order[i]], sg.t.row[sg.order[i]].name, text[i], sizeof(text[i]));
		b[i].selected = (int)i == sg.sel;
	}
	first = sg.sel >= rows ? sg.sel - rows + 1 : 0;
	draw_chart_title(app, win, y, x, width);
	for (int i = first; i < (int)sg.t.n && i < first + rows; i++)
		draw_bar(app, win, y + 1 + i - first, x, width, bar_scale(b, sg.t.n), &b[i]);
	free(b);
	free(text);
}

/* ---- drawing: trend and sites ---- */

static void
point_label(const struct subgroup_point *p, char *buf, size_t size)
{
	if (sg.view == VIEW_SITES)
		snprintf(buf, size, "%s %s", p->label, p->site_name);
	else
		snprintf(buf, size, "%s", p->label);
}

static void
draw_points_chart(struct app *app, WINDOW *win, int y, int width)
{
	struct bar b[CHART_POINTS];
	char text[CHART_POINTS][BAR_TEXT + 8], label[CHART_POINTS][160];
	size_t n = sg.npts < CHART_POINTS ? sg.npts : CHART_POINTS;

	for (size_t i = 0; i < n; i++) {
		point_label(&sg.pts[i], label[i], sizeof(label[i]));
		entry_bar(&b[i], &sg.pts[i].entry, label[i], text[i], sizeof(text[i]));
		b[i].selected = sg.pts[i].site == sg.key.site && strcmp(sg.pts[i].label, sg.view == VIEW_SITES ?
			sg.t.site_code : sg.key.year) == 0;
	}
	draw_chart_title(app, win, y++, 0, width);
	for (size_t i = 0; i < n && y < getmaxy(win) - 1; i++)
		draw_bar(app, win, y++, 0, width, bar_scale(b, n), &b[i]);
}

static void
draw_points(struct app *app, WINDOW *win)
{
	const struct subgroup_entry *e = selected();
	int width = getmaxx(win), y = 3;
	char text[400], label[160];

	/* A window grown taller than the sites loaded for it, when there are more. */
	if (sg.view == VIEW_SITES && sg.npts == sg.pts_max && points_wanted() > sg.pts_max)
		load_points(app);
	snprintf(text, sizeof(text), "%s: %s by %s, %s", e ? e->name : "", sg.t.metric.name,
		 sg.view == VIEW_TREND ? "year" : "site",
		 sg.view == VIEW_TREND ? sg.t.site_code : sg.key.year);
	ui_text(win, 0, 0, width, text, A_BOLD);
	draw_heading(app, win, width);
	ui_text(win, 1, 0, 1 + name_cols(width), sg.view == VIEW_TREND ? " Year" : " Site", A_BOLD);
	for (size_t i = 0; i < sg.npts && y < getmaxy(win) / 2; i++) {
		point_label(&sg.pts[i], label, sizeof(label));
		draw_entry(win, y++, width, label, &sg.pts[i].entry, A_NORMAL);
	}
	if (!sg.npts)
		ui_text(win, y++, 0, width, "No figures for this group.", A_NORMAL);
	draw_points_chart(app, win, y + 1, width);
	ui_text(win, getmaxy(win) - 1, 0, width, "q or Esc: back to the table", ui_attr(UI_DIM));
}

/* ---- drawing: the edit prompt ---- */

static void
draw_prompt(WINDOW *win)
{
	const struct subgroup_entry *e = selected();
	char cur[24], text[300];

	if (!e)
		return;
	if (sg.prompt == PROMPT_ENROLLED)
		snprintf(cur, sizeof(cur), "%ld", e->enrolled);
	else if (e->hidden)
		snprintf(cur, sizeof(cur), "* kept");
	else
		snprintf(cur, sizeof(cur), "%ld", e->count);
	snprintf(text, sizeof(text), "%s for %s [%s]: %s_   (Enter keeps, Esc cancels)",
		 sg.prompt == PROMPT_ENROLLED ? "Enrolled" : "Count", e->name, cur, sg.input);
	ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), text, A_BOLD);
}

static void
draw_hint(WINDOW *win)
{
	static const enum action acts[] = { ACT_PICK_YEAR, ACT_PICK_METRIC, ACT_PICK_DIMENSION, ACT_SORT_NEXT,
		ACT_SORT_REVERSE, ACT_PICK_REFERENCE, ACT_CHART, ACT_TREND, ACT_ACROSS_SITES, ACT_CELL_EDIT,
		ACT_NOTE_FROM_FINDING, ACT_PLAN_FROM_FINDING, ACT_WRR_TOGGLE };

	ui_hint_line(win, acts, ARRAY_SIZE(acts));
}

static void
draw_main(struct app *app, WINDOW *win)
{
	int h = getmaxy(win), tw = table_width(win), beside = tw < getmaxx(win);
	int chart_min = sg.chart == CHART_OFF || beside ? 0 : 4;
	int avail = h - 7 - chart_min - (sg.t.nhidden > 0), y;

	y = draw_table(app, win, tw, avail < 1 ? 1 : avail);
	if (sg.chart == CHART_OFF)
		return;
	if (beside)
		draw_table_chart(app, win, 2, tw + 2, getmaxx(win) - tw - 2, h - 3);
	else
		draw_table_chart(app, win, y + 1, 0, tw, h - y - 2);
}

static void
subgroups_draw(struct app *app, WINDOW *win)
{
	sg.utf8 = app->utf8;
	sg.width = getmaxx(win);
	sg.height = getmaxy(win);
	werase(win);
	if (sg.empty) {
		ui_text(win, 0, 0, getmaxx(win), "No subgroup data for this site: load it with "
			"`qrel import subgroups`; [ and ] change site.", A_NORMAL);
		return;
	}
	if (sg.view == VIEW_TABLE) {
		draw_main(app, win);
		draw_hint(win);
	} else {
		draw_points(app, win);
	}
	if (sg.prompt != PROMPT_NONE)
		draw_prompt(win);
	if (sg.pick.active)
		picker_draw(&sg.pick, win);
}

/* ---- keys: picker ---- */

/* "(none)" and the table's groups. */
static void
reference_items(void)
{
	str_copy(sg.items[0], SUBGROUP_TEXT, "(none)");
	sg.nitems = 1;
	for (size_t i = 0; i < sg.t.n && sg.nitems < MAX_ITEMS; i++)
		str_copy(sg.items[sg.nitems++], SUBGROUP_TEXT, sg.t.row[i].name);
}

/* The ratio to a reference group; the selection stays on its row. */
static void
reference_apply(struct app *app, int i)
{
	str_copy(sg.reference, sizeof(sg.reference), i == 0 ? "" : sg.items[i]);
	if (!*sg.reference && sg.sort == COL_REF)
		sg.sort = COL_GROUP;
	load_table(app);
	if (*sg.reference)
		ui_message("Ratios against %s in the vs column.", sg.reference);
}

static void
pick_open(struct app *app, enum pick what)
{
	static const char *const titles[] = { "", "School year", "Metric", "Dimension", "Reference group" };
	struct subgroup_metric m[MAX_ITEMS];
	char (*years)[SUBGROUP_YEAR] = calloc(MAX_ITEMS, SUBGROUP_YEAR);
	int rc = QREL_OK;

	sg.nitems = 0;
	if (what == PICK_YEAR && years && (rc = subgroup_years(app->db, sg.key.site, years, MAX_ITEMS,
									&sg.nitems)) == QREL_OK)
		for (size_t i = 0; i < sg.nitems; i++)
			str_copy(sg.items[i], SUBGROUP_TEXT, years[i]);
	if (what == PICK_METRIC && (rc = subgroup_metrics(app->db, sg.key.site, m, MAX_ITEMS,
							  &sg.nitems)) == QREL_OK)
		for (size_t i = 0; i < sg.nitems; i++) {
			char label[SUBGROUP_TEXT + 40];

			snprintf(label, sizeof(label), "%s (%s)", m[i].name, m[i].code);
			str_copy(sg.items[i], SUBGROUP_TEXT, label);
			sg.item_ids[i] = m[i].id;
		}
	if (what == PICK_DIMENSION)
		rc = subgroup_dimensions(app->db, sg.key.site, sg.key.metric, sg.items, MAX_ITEMS, &sg.nitems);
	if (what == PICK_REFERENCE)
		reference_items();
	free(years);
	if (rc != QREL_OK) {
		ui_error("%s", error_message());
		return;
	}
	picker_open(&sg.pick, what, titles[what], false);
	for (size_t i = 0; i < sg.nitems; i++)
		picker_add(&sg.pick, (int64_t)i, sg.items[i], NULL);
}

static void
pick_apply(struct app *app, enum pick what, int i)
{
	if (what == PICK_REFERENCE) {
		reference_apply(app, i);
		return;
	}
	if (what == PICK_YEAR)
		str_copy(sg.key.year, sizeof(sg.key.year), sg.items[i]);
	else if (what == PICK_METRIC)
		sg.key.metric = sg.item_ids[i];
	else
		str_copy(sg.key.dimension, sizeof(sg.key.dimension), sg.items[i]);
	sg.sel = 0;
	load_table(app);
}

static int
pick_key(struct app *app, int key)
{
	const struct picker_item *c;
	enum pick what = (enum pick)sg.pick.tag;

	if (picker_key(&sg.pick, key) == PICKER_PICKED && (c = picker_choice(&sg.pick))) {
		int i = (int)c->id;

		picker_close(&sg.pick);
		pick_apply(app, what, i);
	}
	return UI_DIRTY;
}

/* ---- keys: the edit prompt ---- */

static int
prompt_finish(struct app *app)
{
	const struct subgroup_entry *e = selected();
	long v = *sg.input ? atol(sg.input) : SUBGROUP_KEEP;

	if (sg.prompt == PROMPT_ENROLLED) {
		sg.new_enrolled = v;
		sg.prompt = PROMPT_COUNT;
		sg.input[0] = '\0';
		return UI_DIRTY;
	}
	sg.prompt = PROMPT_NONE;
	if (!e)
		return UI_DIRTY;
	if (subgroup_set_cell(app->db, app->review, e->id, sg.new_enrolled, v, app->user) != QREL_OK)
		ui_error("%s", error_message());
	else
		ui_message("Saved %s.", e->name);
	subgroups_reload(app);
	return UI_DIRTY;
}

static int
prompt_key(struct app *app, int key)
{
	size_t n = strlen(sg.input);

	switch (key) {
	case ESC: sg.prompt = PROMPT_NONE; break;
	case KEY_BACKSPACE: case 127: case 8:
		if (n)
			sg.input[n - 1] = '\0';
		break;
	case '\r': case '\n': case KEY_ENTER: return prompt_finish(app);
	default:
		if (key >= '0' && key <= '9' && n + 1 < sizeof(sg.input) - 2) {
			sg.input[n] = (char)key;
			sg.input[n + 1] = '\0';
		}
	}
	return UI_DIRTY;
}

/* ---- keys: the table ---- */

static bool
may_write(struct app *app, const char *what)
{
	if (app->readonly) {
		ui_error("This review is open read-only: %s cannot be saved.", what);
		return false;
	}
	if (app->person <= 0) {
		ui_error("Only a member of the review can save %s: start qrel with --as and your name.", what);
		return false;
	}
	return true;
}

static int
start_edit(struct app *app)
{
	if (!selected() || !may_write(app, "corrections"))
		return UI_HANDLED;
	sg.prompt = PROMPT_ENROLLED;
	sg.input[0] = '\0';
	return UI_DIRTY;
}

static int
write_note(struct app *app)
{
	const struct subgroup_entry *e = selected();
	int64_t note;

	if (!e)
		return UI_HANDLED;
	if (!e->flagged) {
		ui_error("Only a flagged group (marked !) makes a finding note.");
		return UI_HANDLED;
	}
	if (!may_write(app, "notes"))
		return UI_HANDLED;
	if (subgroup_write_note(app->db, app->review, &sg.t, sg.order[sg.sel], app->person, app->user,
				&note) != QREL_OK)
		ui_error("%s", error_message());
	else
		ui_message("Evidence note %lld written for %s (area for growth).", (long long)note, e->name);
	return UI_DIRTY;
}

/* A flagged group starts an objective in the action plan, with the finding linked. */
static int
plan_from_row(struct app *app)
{
	const struct subgroup_entry *e = selected();
	struct plan_subgroup_ref ref = { 0 };
	int64_t objective = 0;

	if (!e)
		return UI_HANDLED;
	if (!e->flagged) {
		ui_error("Only a flagged group (marked !) starts an objective.");
		return UI_HANDLED;
	}
	ref.site = sg.t.key.site;
	ref.metric = sg.t.key.metric;
	str_copy(ref.year, sizeof(ref.year), sg.t.key.year);
	str_copy(ref.dimension, sizeof(ref.dimension), sg.t.key.dimension);
	str_copy(ref.group, sizeof(ref.group), e->name);
	if (plan_objective_from_subgroup(app->db, app->review, app->user, &ref, &objective) != QREL_OK)
		ui_error("%s", error_message());
	else
		ui_message("Objective %lld started in the action plan for %s: press A to see it.",
			   (long long)objective, e->name);
	return UI_DIRTY;
}

/* step -1 or +1 moves the sort to the previous or next shown column; 0 reverses it. */
static int
set_sort(int step)
{
	if (step == 0)
		sg.reverse = !sg.reverse;
	else
		do
			sg.sort = (sg.sort + step + NCOLS) % NCOLS;
		while (!col_shown(sg.sort));
	sort_rows();
	return UI_DIRTY;
}

/* w: show the weighted ratio at any width, or hide it on a wide terminal. */
static int
toggle_wrr(void)
{
	sg.wrr = col_shown(COL_WRR) ? OPT_HIDE : OPT_SHOW;
	if (!col_shown(sg.sort))
		set_sort(1);
	return UI_DIRTY;
}

static int
open_view(struct app *app, enum view v)
{
	if (!selected())
		return UI_HANDLED;
	sg.view = sg.view == v ? VIEW_TABLE : v;
	if (sg.view != VIEW_TABLE)
		load_points(app);
	return UI_DIRTY;
}

static int
move_sel(enum action a, int page)
{
	int old = sg.sel, n = (int)sg.t.n;

	switch (a) {
	case ACT_UP: sg.sel--; break;
	case ACT_DOWN: sg.sel++; break;
	case ACT_PAGE_UP: sg.sel -= page; break;
	case ACT_PAGE_DOWN: sg.sel += page; break;
	case ACT_HOME: sg.sel = 0; break;
	case ACT_END: sg.sel = n - 1; break;
	default: return UI_UNHANDLED;
	}
	sg.sel = sg.sel >= n ? n - 1 : sg.sel;
	sg.sel = sg.sel < 0 ? 0 : sg.sel;
	return sg.sel == old ? UI_HANDLED : UI_DIRTY;
}

static int
table_key(struct app *app, WINDOW *win, enum action a)
{
	switch (a) {
	case ACT_PICK_YEAR: pick_open(app, PICK_YEAR); return UI_DIRTY;
	case ACT_PICK_METRIC: pick_open(app, PICK_METRIC); return UI_DIRTY;
	case ACT_PICK_DIMENSION: pick_open(app, PICK_DIMENSION); return UI_DIRTY;
	case ACT_SORT_NEXT: return set_sort(1);
	case ACT_SORT_PREV: return set_sort(-1);
	case ACT_SORT_REVERSE: return set_sort(0);
	case ACT_PICK_REFERENCE: pick_open(app, PICK_REFERENCE); return UI_DIRTY;
	case ACT_WRR_TOGGLE: return toggle_wrr();
	case ACT_CHART: sg.chart = (sg.chart + 1) % CHART_COUNT; return UI_DIRTY;
	case ACT_TREND: case ACT_ENTER: return open_view(app, VIEW_TREND);
	case ACT_ACROSS_SITES: return open_view(app, VIEW_SITES);
	case ACT_CELL_EDIT: return start_edit(app);
	case ACT_NOTE_FROM_FINDING: return write_note(app);
	case ACT_PLAN_FROM_FINDING: return plan_from_row(app);
	default: return move_sel(a, getmaxy(win) / 2);
	}
}

static int
subgroups_key(struct app *app, WINDOW *win, enum action a, int key)
{
	if (sg.pick.active)
		return pick_key(app, key);
	if (sg.prompt != PROMPT_NONE)
		return prompt_key(app, key);
	if (sg.empty)
		return UI_UNHANDLED;
	if (sg.view != VIEW_TABLE) {
		if (a == ACT_BACK || key == ESC || a == ACT_TREND || a == ACT_ACROSS_SITES) {
			sg.view = VIEW_TABLE;
			return UI_DIRTY;
		}
		return UI_UNHANDLED;
	}
	return table_key(app, win, a);
}

/* The keys the handler dispatches on, and the '?' overlay and hints list. */
static const struct keybinding subgroups_keys[] = {
	{ 'y', ACT_PICK_YEAR }, { 'm', ACT_PICK_METRIC }, { 'd', ACT_PICK_DIMENSION },
	{ 'o', ACT_SORT_NEXT }, { '>', ACT_SORT_NEXT }, { '<', ACT_SORT_PREV }, { 'r', ACT_SORT_REVERSE },
	{ 'c', ACT_CHART }, { 't', ACT_TREND }, { '\r', ACT_TREND }, { 'v', ACT_ACROSS_SITES },
	{ 'e', ACT_CELL_EDIT }, { 'n', ACT_NOTE_FROM_FINDING }, { 'p', ACT_PLAN_FROM_FINDING },
	{ 'b', ACT_PICK_REFERENCE }, { 'w', ACT_WRR_TOGGLE },
};

const struct screen_ops subgroups_screen = {
	.name = "subgroups",
	.keys = subgroups_keys,
	.nkeys = ARRAY_SIZE(subgroups_keys),
	.enter = subgroups_enter,
	.leave = subgroups_leave,
	.draw = subgroups_draw,
	.key = subgroups_key,
	.reload = subgroups_reload,
};
