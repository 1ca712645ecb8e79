/* plan.c: the action plan: objectives with their causes, evidence, metrics and steps as a tree; a sortable step list; prompts to add and to change status. */
#include "qrel/qrel.h"
#include "qrel/editor.h"
#include "qrel/plan.h"
#include "qrel/settings.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#define MATCHES 6
#define BAR 10

enum row_kind { ROW_OBJECTIVE, ROW_THEORY, ROW_CAUSE, ROW_LINK, ROW_METRIC, ROW_STEP };

/* One line of the tree: indexes into the loaded plan. */
struct row {
	enum row_kind kind;
	int obj, idx, sub;
};

/* What the chain of prompts is collecting. */
enum ask {
	ASK_NONE, ASK_OBJ_TITLE, ASK_OBJ_IF, ASK_OBJ_THEN, ASK_CAUSE, ASK_STEP_TEXT, ASK_STEP_LEAD,
	ASK_STEP_START, ASK_STEP_DUE, ASK_STATUS_NOTE, ASK_EDIT,
};

static struct {
	struct plan_doc doc;
	struct row *rows;
	int nrows, sel, top;
	bool steps_view;
	enum plan_sort sort;
	struct plan_step *page;		/* the step list rows on screen */
	int npage, page_cap, ssel, stop;
	long long nsteps;
	bool page_stale;
	char *detail;			/* the evidence overlay's text, when open */
	int detail_top;
	enum ask ask;			/* the open prompt */
	struct editor *ed;
	char matches[MATCHES][128];
	int nmatches;
	struct {			/* answers collected so far */
		int64_t objective, step, cause;
		enum plan_status status;
		enum row_kind edit_kind;
		char title[512], theory_if[512], text[512], lead[128], start[16];
	} in;
} pl;

static long
min_display(const struct app *app)
{
	return app->settings ? app->settings->min_display : 10;
}

/* ---- data ---- */

static void
add_row(enum row_kind kind, int obj, int idx, int sub)
{
	struct row *grown = realloc(pl.rows, (size_t)(pl.nrows + 1) * sizeof(*pl.rows));

	if (!grown)
		return;
	pl.rows = grown;
	pl.rows[pl.nrows++] = (struct row){ kind, obj, idx, sub };
}

static void
build_rows(void)
{
	pl.nrows = 0;
	for (int o = 0; o < pl.doc.n; o++) {
		const struct plan_objective *ob = &pl.doc.obj[o];

		add_row(ROW_OBJECTIVE, o, 0, 0);
		if (*ob->theory_if || *ob->theory_then)
			add_row(ROW_THEORY, o, 0, 0);
		for (int c = 0; c < ob->ncauses; c++) {
			add_row(ROW_CAUSE, o, c, 0);
			for (int l = 0; l < ob->cause[c].nlinks; l++)
				add_row(ROW_LINK, o, c, l);
		}
		for (int m = 0; m < ob->nmetrics; m++)
			add_row(ROW_METRIC, o, m, 0);
		for (int s = 0; s < ob->nsteps; s++)
			add_row(ROW_STEP, o, s, 0);
	}
}

/* The row's own id, so the selection survives a reload. */
static int64_t
row_id(const struct row *r)
{
	const struct plan_objective *o = &pl.doc.obj[r->obj];

	switch (r->kind) {
	case ROW_CAUSE: return o->cause[r->idx].id;
	case ROW_LINK: return o->cause[r->idx].link[r->sub].id;
	case ROW_METRIC: return o->metric[r->idx].id;
	case ROW_STEP: return o->step[r->idx].id;
	default: return o->id;
	}
}

/* The plan covers every site: only a reader of every site's plan reads it (visibility.h). */
static bool
plan_readable(const struct app *app)
{
	struct vis_viewer v;

	return visibility_viewer(app->db, app->review, app->user, &v) == QREL_OK &&
	       visibility_sees_everywhere(app->db, &v, VIS_PLAN);
}

static void
plan_reload(struct app *app)
{
	enum row_kind kind = ROW_OBJECTIVE;
	int64_t keep = 0;

	if (pl.sel < pl.nrows) {
		kind = pl.rows[pl.sel].kind;
		keep = row_id(&pl.rows[pl.sel]);
	}
	plan_doc_free(&pl.doc);
	if (!plan_readable(app))
		ui_error("The action plan is not released to %s.", app->user);
	else if (plan_load(app->db, app->review, min_display(app), &pl.doc) != QREL_OK)
		ui_error("%s", error_message());
	build_rows();
	for (int i = 0; keep && i < pl.nrows; i++)
		if (pl.rows[i].kind == kind && row_id(&pl.rows[i]) == keep)
			pl.sel = i;
	if (pl.sel >= pl.nrows)
		pl.sel = pl.nrows ? pl.nrows - 1 : 0;
	pl.nsteps = plan_readable(app) ? plan_steps_count(app->db, app->review, NULL) : 0;
	pl.page_stale = true;
}

/* Selects the row of kind with id (after adding it). */
static void
select_row(enum row_kind kind, int64_t id)
{
	for (int i = 0; i < pl.nrows; i++)
		if (pl.rows[i].kind == kind && row_id(&pl.rows[i]) == id)
			pl.sel = i;
}

static void
close_prompt(void)
{
	editor_free(pl.ed);
	pl.ed = NULL;
	pl.ask = ASK_NONE;
	pl.nmatches = 0;
}

static void
plan_enter(struct app *app)
{
	plan_reload(app);
}

static void
plan_leave(struct app *app)
{
	UNUSED(app);
	close_prompt();
	plan_doc_free(&pl.doc);
	free(pl.rows);
	free(pl.page);
	free(pl.detail);
	pl.rows = NULL;
	pl.page = NULL;
	pl.detail = NULL;
	pl.nrows = pl.page_cap = pl.npage = 0;
}

/* The step list reads only the rows on screen, again when scrolled or changed. */
static void
load_page(struct app *app, int rows)
{
	if (!pl.page_stale && pl.page_cap >= rows)
		return;
	if (pl.page_cap < rows) {
		free(pl.page);
		pl.page = calloc((size_t)rows, sizeof(*pl.page));
		pl.page_cap = pl.page ? rows : 0;
	}
	if (!pl.page || plan_steps_page(app->db, app->review, NULL, pl.sort, pl.stop, rows, pl.page,
					 &pl.npage) != QREL_OK) {
		pl.npage = 0;
		ui_error("%s", error_message());
	}
	pl.page_stale = false;
}

/* ---- drawing ---- */

static void
bar(const struct app *app, double p, char *out, size_t n)
{
	int full = p < 0 ? 0 : (int)(p * BAR + 0.5);
	size_t used = 0;

	for (int i = 0; i < BAR && used + 4 < n; i++) {
		const char *cell = app->utf8 ? (i < full ? "\xe2\x96\x88" : "\xe2\x96\x91") : (i < full ? "#" : ".");

		used += (size_t)snprintf(out + used, n - used, "%s", cell);
	}
	if (p < 0)
		str_copy(out, n, app->utf8 ? "\xe2\x80\x94" : "-");
}

static const char *
status_mark(enum plan_status s)
{
	static const char *const marks[] = { "[ ]", "[~]", "[x]", "[-]" };

	return (unsigned)s < PLAN_STATUS_COUNT ? marks[s] : "[?]";
}

/* The right-hand part of an objective's row: its steps done and overdue. */
static void
objective_tail(const struct app *app, const struct plan_objective *o, char *buf, size_t n)
{
	char b[64];

	bar(app, o->steps_live ? (double)o->steps_done / o->steps_live : 0.0, b, sizeof(b));
	snprintf(buf, n, "%s%.0d%s steps %d/%d %s", o->overdue ? "! " : "", o->overdue, o->overdue ? " overdue " : "",
		 o->steps_done, o->steps_live, b);
}

/* The right-hand part of a metric's row: baseline, target, latest and progress. */
static void
metric_tail(const struct app *app, const struct plan_metric *m, char *buf, size_t n)
{
	char base[32], target[32], latest[32], b[64];

	if (m->is_cluster) {
		snprintf(base, sizeof(base), m->baseline_level ? "level %d" : "none", m->baseline_level);
		snprintf(target, sizeof(target), "level %d", m->target_level);
		snprintf(latest, sizeof(latest), m->latest_level ? "level %d" : "none", m->latest_level);
	} else {
		plan_rate_text(&m->baseline, base, sizeof(base));
		snprintf(target, sizeof(target), "%.1f%%", m->target * 100.0);
		if (m->latest.defined)
			plan_rate_text(&m->latest, latest, sizeof(latest));
		else
			snprintf(latest, sizeof(latest), "-");
	}
	bar(app, plan_metric_progress(m), b, sizeof(b));
	snprintf(buf, n, "%s %s %s, now %s %s", base, app->utf8 ? "\xe2\x86\x92" : "->", target, latest, b);
}

/* s cut or padded to exactly cols terminal columns (names are UTF-8, not bytes). */
static const char *
column(const char *s, int cols, char *out, size_t n)
{
	size_t len = text_fit(s, cols);
	int w;

	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	for (w = text_width(out); w < cols && len + 1 < n; w++)
		out[len++] = ' ';
	out[len] = '\0';
	return out;
}

static void
step_text(const struct plan_step *s, char *buf, size_t n)
{
	char lead[200];

	snprintf(buf, n, "   %s %s due %-10s  %s  %s", status_mark(s->status), s->overdue ? "!" : " ",
		 *s->due ? s->due : "-", column(*s->lead ? s->lead : "(no lead)", 16, lead, sizeof(lead)),
		 s->description);
}

/* A row as text, with a part drawn flush right (tail, "" for none). */
static attr_t
row_text(const struct app *app, const struct row *r, char *buf, char *tail, size_t n)
{
	const struct plan_objective *o = &pl.doc.obj[r->obj];

	*tail = '\0';
	switch (r->kind) {
	case ROW_OBJECTIVE:
		snprintf(buf, n, "%d. %s (%s)", o->position, o->title, o->scope);
		objective_tail(app, o, tail, n);
		return A_BOLD | (o->overdue ? ui_attr(UI_FLAG) : 0);
	case ROW_THEORY:
		snprintf(buf, n, "   If %s, then %s", *o->theory_if ? o->theory_if : "...",
			 *o->theory_then ? o->theory_then : "...");
		return A_NORMAL;
	case ROW_CAUSE:
		snprintf(buf, n, "   Cause: %s", o->cause[r->idx].text);
		return A_NORMAL;
	case ROW_LINK:
		snprintf(buf, n, "      %s %s", app->utf8 ? "\xe2\x86\xb3" : "<-", o->cause[r->idx].link[r->sub].label);
		return ui_attr(UI_DIM);
	case ROW_METRIC:
		snprintf(buf, n, "   Metric: %s", o->metric[r->idx].label);
		metric_tail(app, &o->metric[r->idx], tail, n);
		return A_NORMAL;
	default:
		step_text(&o->step[r->idx], buf, n);
		return o->step[r->idx].overdue ? ui_attr(UI_FLAG) : A_NORMAL;
	}
}

static void
draw_summary(const struct app *app, WINDOW *win)
{
	int done = 0, live = 0, overdue = 0;
	char text[256];

	for (int i = 0; i < pl.doc.n; i++) {
		done += pl.doc.obj[i].steps_done;
		live += pl.doc.obj[i].steps_live;
		overdue += pl.doc.obj[i].overdue;
	}
	if (pl.steps_view)
		snprintf(text, sizeof(text), "Action steps: %lld, sorted by %s  %s  o: sort  Tab: plan tree", pl.nsteps,
			 plan_sort_name(pl.sort), app->utf8 ? "\xc2\xb7" : "|");
	else
		snprintf(text, sizeof(text), "Action plan: %d objective%s, %d of %d steps done, %d overdue  %s  Tab: step list",
			 pl.doc.n, pl.doc.n == 1 ? "" : "s", done, live, overdue, app->utf8 ? "\xc2\xb7" : "|");
	ui_text(win, 0, 0, getmaxx(win), text, A_BOLD);
	ui_hline(win, 1, 0, getmaxx(win));
}

static void
draw_tree(const struct app *app, WINDOW *win, int y0, int height)
{
	int width = getmaxx(win);

	if (pl.sel < pl.top)
		pl.top = pl.sel;
	if (pl.sel >= pl.top + height)
		pl.top = pl.sel - height + 1;
	for (int row = 0; row < height && pl.top + row < pl.nrows; row++) {
		const struct row *r = &pl.rows[pl.top + row];
		char text[1024], tail[1024];
		attr_t attr = row_text(app, r, text, tail, sizeof(text));
		int tw = *tail ? text_width(tail) + 2 : 0;

		if (pl.top + row == pl.sel)
			attr = ui_attr(UI_SELECTED);
		/* The figures stay in view; a long title gives way. */
		ui_text(win, y0 + row, 0, width - tw, text, attr);
		if (tw)
			ui_text(win, y0 + row, width - tw + 2, tw - 2, tail, attr);
		if (tw)
			ui_text(win, y0 + row, width - tw, 2, "", attr);
	}
	if (!pl.nrows)
		ui_text(win, y0, 0, width, "No objectives yet: press a to add one, or start one from a finding.",
			A_NORMAL);
}

static void
draw_steps(struct app *app, WINDOW *win, int y0, int height)
{
	int width = getmaxx(win);

	if (pl.ssel >= pl.nsteps)
		pl.ssel = pl.nsteps > 0 ? (int)pl.nsteps - 1 : 0;
	if (pl.ssel < pl.stop || pl.ssel >= pl.stop + height - 1) {
		pl.stop = pl.ssel < pl.stop ? pl.ssel : pl.ssel - height + 2;
		pl.page_stale = true;
	}
	ui_text(win, y0, 0, width, "Obj       Due         Lead              Step", A_BOLD);
	load_page(app, height - 1);
	for (int i = 0; i < pl.npage; i++) {
		const struct plan_step *s = &pl.page[i];
		char text[1024], lead[200];
		attr_t attr = s->overdue ? ui_attr(UI_FLAG) : A_NORMAL;

		snprintf(text, sizeof(text), "%-3d %s %s %-10s  %s  %s (%s)", s->objective_position,
			 status_mark(s->status), s->overdue ? "!" : " ", *s->due ? s->due : "-",
			 column(*s->lead ? s->lead : "(no lead)", 16, lead, sizeof(lead)), s->description,
			 plan_status_label(s->status));
		ui_text(win, y0 + 1 + i, 0, width, text, pl.stop + i == pl.ssel ? ui_attr(UI_SELECTED) : attr);
	}
	if (!pl.nsteps)
		ui_text(win, y0 + 1, 0, width, "No steps yet: select an objective in the tree (Tab) and press s.",
			A_NORMAL);
}

static const char *
ask_label(void)
{
	switch (pl.ask) {
	case ASK_OBJ_TITLE: return "New objective, title: ";
	case ASK_OBJ_IF: return "Theory of action, if: ";
	case ASK_OBJ_THEN: return "then: ";
	case ASK_CAUSE: return "Root cause: ";
	case ASK_STEP_TEXT: return "New step: ";
	case ASK_STEP_LEAD: return "Lead (Tab completes): ";
	case ASK_STEP_START: return "Start (YYYY-MM-DD): ";
	case ASK_STEP_DUE: return "Due (YYYY-MM-DD): ";
	case ASK_STATUS_NOTE: return "Note: ";
	default: return "Edit: ";
	}
}

static void
draw_matches(WINDOW *win, int y)
{
	char text[512] = "Matches:";
	size_t used = strlen(text);

	for (int i = 0; i < pl.nmatches && used < sizeof(text) - 1; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s", i ? "," : "", pl.matches[i]);
	if (!pl.nmatches)
		snprintf(text, sizeof(text), "No one matches: Enter leaves the step without a lead only when empty.");
	ui_text(win, y, 0, getmaxx(win), text, ui_attr(UI_DIM));
}

static void
draw_footer(WINDOW *win)
{
	int y = getmaxy(win) - 1, lw;
	const char *label = ask_label();

	if (pl.ask == ASK_NONE) {
		static const enum action steps[] = { ACT_PLAN_STATUS, ACT_PLAN_SORT, ACT_PLAN_VIEW, ACT_HELP };
		static const enum action tree[] = { ACT_PLAN_ADD_OBJECTIVE, ACT_PLAN_ADD_CAUSE, ACT_PLAN_ADD_STEP,
			ACT_PLAN_STATUS, ACT_PLAN_EDIT, ACT_PLAN_VIEW, ACT_HELP };

		if (pl.steps_view)
			ui_hint_line(win, steps, ARRAY_SIZE(steps));
		else
			ui_hint_line(win, tree, ARRAY_SIZE(tree));
		return;
	}
	if (pl.ask == ASK_STATUS_NOTE) {
		static char status_label[64];

		snprintf(status_label, sizeof(status_label), "Note (%s): ", plan_status_label(pl.in.status));
		label = status_label;
	}
	if (pl.ask == ASK_STEP_LEAD)
		draw_matches(win, y - 1);
	lw = ui_text(win, y, 0, text_width(label), label, A_BOLD);
	editor_draw(pl.ed, win, y, lw, 1, getmaxx(win) - lw);
}

/* One paragraph of the overlay, wrapped; rows above *skip are scrolled away. */
static int
draw_paragraph(WINDOW *win, int y, int height, const char *s, int *skip)
{
	int width = getmaxx(win);

	do {
		size_t len = 0;
		const char *next = *s ? text_wrap(s, width, &len) : NULL;
		char line[1024];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, s, len);
		line[len] = '\0';
		if ((*skip)-- <= 0 && y < height)
			ui_text(win, y++, 0, width, line, A_NORMAL);
		s = next;
	} while (s && *s);
	return y;
}

static void
draw_detail(WINDOW *win)
{
	int height = getmaxy(win), y = 0, skip = pl.detail_top;
	const char *s = pl.detail;

	werase(win);
	ui_text(win, y++, 0, getmaxx(win), "Evidence and data (j/k scroll; any other key closes)", A_BOLD);
	while (s && *s && y < height) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *para = strndup(s, len);

		if (para)
			y = draw_paragraph(win, y, height, para, &skip);
		free(para);
		s = nl ? nl + 1 : NULL;
	}
}

static void
plan_draw(struct app *app, WINDOW *win)
{
	int height = getmaxy(win) - 3 - (pl.ask == ASK_STEP_LEAD);

	if (pl.detail) {
		draw_detail(win);
		return;
	}
	werase(win);
	draw_summary(app, win);
	if (pl.steps_view)
		draw_steps(app, win, 2, height);
	else
		draw_tree(app, win, 2, height);
	draw_footer(win);
}

/* ---- prompts ---- */

/* Copies what fits: answers are cut to the field they go in. */
static void
put(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int
ask(enum ask what, const char *text)
{
	editor_free(pl.ed);
	pl.ed = editor_new(text ? text : "");
	editor_end(pl.ed);
	pl.ask = what;
	pl.nmatches = 0;
	return UI_DIRTY;
}

/* The prompt's text, on one line, trimmed. */
static void
answer(char *out, size_t n)
{
	char *t = xstrdup(editor_text(pl.ed));

	for (char *p = t; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	str_copy(out, n, str_trim(t));
	free(t);
}

static const struct plan_objective *
current_objective(void)
{
	if (pl.steps_view) {
		for (int i = 0; i < pl.npage; i++)
			if (pl.stop + i == pl.ssel)
				for (int o = 0; o < pl.doc.n; o++)
					if (pl.doc.obj[o].id == pl.page[i].objective)
						return &pl.doc.obj[o];
		return NULL;
	}
	return pl.sel < pl.nrows ? &pl.doc.obj[pl.rows[pl.sel].obj] : NULL;
}

static const struct plan_step *
current_step(void)
{
	if (pl.steps_view) {
		int i = pl.ssel - pl.stop;

		return i >= 0 && i < pl.npage ? &pl.page[i] : NULL;
	}
	if (pl.sel >= pl.nrows || pl.rows[pl.sel].kind != ROW_STEP)
		return NULL;
	return &pl.doc.obj[pl.rows[pl.sel].obj].step[pl.rows[pl.sel].idx];
}

static int
saved(struct app *app, int rc, enum row_kind kind, int64_t id, const char *what)
{
	close_prompt();
	if (rc != QREL_OK) {
		ui_error("Not saved: %s.", error_message());
		return UI_DIRTY;
	}
	plan_reload(app);
	if (id)
		select_row(kind, id);
	ui_message("%s", what);
	return UI_DIRTY;
}

static int
finish_objective(struct app *app, const char *then)
{
	struct plan_objective_input in = { .title = pl.in.title, .theory_if = pl.in.theory_if, .theory_then = then };
	int64_t id = 0;
	int rc = plan_objective_add(app->db, app->review, app->user, &in, &id);

	return saved(app, rc, ROW_OBJECTIVE, id, "Objective added. s adds a step, c a root cause.");
}

/* The person the lead prompt names: exact, or the only match. */
static bool
resolve_lead(struct app *app, char *name, size_t n)
{
	if (!*name)
		return true;
	plan_people_match(app->db, app->review, name, pl.matches, MATCHES, &pl.nmatches);
	for (int i = 0; i < pl.nmatches; i++) {
		if (strcmp(pl.matches[i], name) == 0 || pl.nmatches == 1) {
			str_copy(name, n, pl.matches[i]);
			return true;
		}
	}
	ui_error(pl.nmatches ? "Several people match: type more or press Tab." : "No one in this review is named that.");
	return false;
}

static int
finish_step(struct app *app, const char *due)
{
	struct plan_step_input in = { .description = pl.in.text, .lead = pl.in.lead, .starts = pl.in.start,
				      .due = due };
	int64_t id = 0;
	int rc = plan_step_add(app->db, app->review, app->user, pl.in.objective, &in, &id);

	return saved(app, rc, ROW_STEP, id, "Step added. 1-4 set its status.");
}

static int
date_or_error(const char *text)
{
	if (!*text || plan_date_valid(text))
		return QREL_OK;
	ui_error("'%s' is not a date: type YYYY-MM-DD, or leave it empty.", text);
	return QREL_PARSE;
}

static int
finish_edit(struct app *app, const char *text)
{
	int rc;

	if (pl.in.edit_kind == ROW_CAUSE)
		rc = plan_cause_edit(app->db, app->review, app->user, pl.in.cause, text);
	else if (pl.in.edit_kind == ROW_STEP)
		rc = plan_step_edit(app->db, app->review, app->user, pl.in.step, "description", text);
	else
		rc = plan_objective_edit(app->db, app->review, app->user, pl.in.objective, "title", text);
	return saved(app, rc, ROW_OBJECTIVE, 0, "Saved.");
}

static int
prompt_accept(struct app *app)
{
	char text[512];
	int64_t id = 0;

	answer(text, sizeof(text));
	switch (pl.ask) {
	case ASK_OBJ_TITLE:
		if (!*text)
			return saved(app, error(QREL_PARSE, "an objective needs a title"), ROW_OBJECTIVE, 0, "");
		put(pl.in.title, sizeof(pl.in.title), text);
		return ask(ASK_OBJ_IF, NULL);
	case ASK_OBJ_IF:
		put(pl.in.theory_if, sizeof(pl.in.theory_if), text);
		return ask(ASK_OBJ_THEN, NULL);
	case ASK_OBJ_THEN:
		return finish_objective(app, text);
	case ASK_CAUSE:
		return saved(app, plan_cause_add(app->db, app->review, app->user, pl.in.objective, text, &id),
			     ROW_CAUSE, id, "Root cause added.");
	case ASK_STEP_TEXT:
		put(pl.in.text, sizeof(pl.in.text), text);
		return *text ? ask(ASK_STEP_LEAD, NULL) : saved(app, error(QREL_PARSE, "a step needs a description"),
								 ROW_STEP, 0, "");
	case ASK_STEP_LEAD:
		if (!resolve_lead(app, text, sizeof(text)))
			return UI_DIRTY;
		put(pl.in.lead, sizeof(pl.in.lead), text);
		plan_today(pl.in.start);
		return ask(ASK_STEP_START, pl.in.start);
	case ASK_STEP_START:
		if (date_or_error(text) != QREL_OK)
			return UI_DIRTY;
		put(pl.in.start, sizeof(pl.in.start), text);
		return ask(ASK_STEP_DUE, NULL);
	case ASK_STEP_DUE:
		return date_or_error(text) == QREL_OK ? finish_step(app, text) : UI_DIRTY;
	case ASK_STATUS_NOTE:
		return saved(app, plan_step_set_status(app->db, app->review, app->user, pl.in.step, pl.in.status, text),
			     ROW_STEP, pl.in.step, "Status changed.");
	default:
		return finish_edit(app, text);
	}
}

static void
update_matches(struct app *app)
{
	char text[128];

	answer(text, sizeof(text));
	plan_people_match(app->db, app->review, text, pl.matches, MATCHES, &pl.nmatches);
}

static int
prompt_key(struct app *app, int key)
{
	if (key == ESC) {
		close_prompt();
		ui_message("Cancelled: nothing was saved.");
		return UI_DIRTY;
	}
	if (key == '\r' || key == '\n' || key == KEY_ENTER)
		return prompt_accept(app);
	if (key == '\t' && pl.ask == ASK_STEP_LEAD && pl.nmatches) {
		editor_free(pl.ed);
		pl.ed = editor_new(pl.matches[0]);
		editor_end(pl.ed);
	} else {
		int r = editor_key(pl.ed, key);

		if (r == EDITOR_DONE)
			return prompt_accept(app);	/* ^X/F2 save, as in every editor */
		if (r == EDITOR_UNHANDLED)
			return UI_HANDLED;
	}
	if (pl.ask == ASK_STEP_LEAD)
		update_matches(app);
	return UI_DIRTY;
}

/* ---- keys ---- */

static bool
writable(const struct app *app)
{
	if (app->readonly)
		ui_error("The database is read-only: the plan cannot be changed.");
	else if (!app->person || strcmp(app->role, "observer") == 0)
		ui_error("Only members of the review (not observers) change the plan.");
	return !app->readonly && app->person && strcmp(app->role, "observer") != 0;
}

static int
start_objective(struct app *app)
{
	if (!writable(app))
		return UI_HANDLED;
	memset(&pl.in, 0, sizeof(pl.in));
	return ask(ASK_OBJ_TITLE, NULL);
}

static int
start_under_objective(struct app *app, enum ask what)
{
	const struct plan_objective *o = current_objective();

	if (!writable(app))
		return UI_HANDLED;
	if (!o) {
		ui_error("Select an objective first (a adds one).");
		return UI_HANDLED;
	}
	memset(&pl.in, 0, sizeof(pl.in));
	pl.in.objective = o->id;
	return ask(what, NULL);
}

static int
start_status(struct app *app, int key)
{
	const struct plan_step *s = current_step();

	if (!writable(app))
		return UI_HANDLED;
	if (!s) {
		ui_error("Select a step to change its status.");
		return UI_HANDLED;
	}
	memset(&pl.in, 0, sizeof(pl.in));
	pl.in.step = s->id;
	pl.in.status = (enum plan_status)(key - '1');
	return ask(ASK_STATUS_NOTE, NULL);
}

static int
start_edit(struct app *app)
{
	const struct row *r = pl.sel < pl.nrows && !pl.steps_view ? &pl.rows[pl.sel] : NULL;
	const struct plan_objective *o = r ? &pl.doc.obj[r->obj] : NULL;

	if (!writable(app) || !r)
		return UI_HANDLED;
	memset(&pl.in, 0, sizeof(pl.in));
	pl.in.objective = o->id;
	pl.in.edit_kind = r->kind == ROW_CAUSE || r->kind == ROW_STEP ? r->kind : ROW_OBJECTIVE;
	if (r->kind == ROW_CAUSE) {
		pl.in.cause = o->cause[r->idx].id;
		return ask(ASK_EDIT, o->cause[r->idx].text);
	}
	if (r->kind == ROW_STEP) {
		pl.in.step = o->step[r->idx].id;
		return ask(ASK_EDIT, o->step[r->idx].description);
	}
	return ask(ASK_EDIT, o->title);
}

/* Appends s to the growing detail text. */
static void
detail_add(char **buf, const char *s)
{
	size_t a = *buf ? strlen(*buf) : 0, b = strlen(s);
	char *grown = realloc(*buf, a + b + 1);

	if (!grown)
		return;
	memcpy(grown + a, s, b + 1);
	*buf = grown;
}

static void
cause_detail(struct app *app, const struct plan_cause *c, char **out)
{
	detail_add(out, "Root cause: ");
	detail_add(out, c->text);
	detail_add(out, "\n\n");
	if (!c->nlinks)
		detail_add(out, "(No evidence or data linked to this cause yet.)\n\n");
	for (int l = 0; l < c->nlinks; l++) {
		char *t = plan_link_detail(app->db, app->review, c->link[l].id, min_display(app));

		detail_add(out, t ? t : error_message());
		detail_add(out, "\n\n");
		free(t);
	}
}

static void
history_detail(struct app *app, const struct plan_step *s, char **out)
{
	struct plan_status_entry *h = NULL;
	char line[1024];
	int n = 0;

	snprintf(line, sizeof(line), "Step: %s\nLead: %s  Start: %s  Due: %s%s\n\nStatus history:\n", s->description,
		 *s->lead ? s->lead : "none", *s->starts ? s->starts : "-", *s->due ? s->due : "-",
		 s->overdue ? "  (overdue)" : "");
	detail_add(out, line);
	plan_step_history(app->db, s->id, &h, &n);
	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%s  %-11s  %s%s%s\n", h[i].at, plan_status_label(h[i].status), h[i].who,
			 *h[i].note ? ": " : "", h[i].note);
		detail_add(out, line);
	}
	free(h);
}

static int
open_detail(struct app *app)
{
	const struct row *r = pl.sel < pl.nrows ? &pl.rows[pl.sel] : NULL;
	const struct plan_step *s = current_step();
	char *out = NULL;

	if (s) {
		history_detail(app, s, &out);
	} else if (r && !pl.steps_view) {
		const struct plan_objective *o = &pl.doc.obj[r->obj];

		/* A cause or link shows its own evidence; anything else all the objective's. */
		for (int c = 0; c < o->ncauses; c++)
			if ((r->kind != ROW_CAUSE && r->kind != ROW_LINK) || c == r->idx)
				cause_detail(app, &o->cause[c], &out);
		if (!o->ncauses)
			detail_add(&out, "No root causes yet: press c to add one.\n");
	}
	if (!out)
		return UI_HANDLED;
	free(pl.detail);
	pl.detail = out;
	pl.detail_top = 0;
	return UI_DIRTY;
}

static int
detail_key(enum action a)
{
	if (a == ACT_DOWN || a == ACT_PAGE_DOWN)
		pl.detail_top += a == ACT_DOWN ? 1 : 10;
	else if ((a == ACT_UP || a == ACT_PAGE_UP) && pl.detail_top > 0)
		pl.detail_top -= a == ACT_UP || pl.detail_top < 10 ? 1 : 10;
	else if (a != ACT_UP && a != ACT_PAGE_UP) {
		free(pl.detail);
		pl.detail = NULL;
	}
	return UI_DIRTY;
}

static int
move_sel(int *sel, int n, int page, enum action a)
{
	int old = *sel;

	switch (a) {
	case ACT_UP: (*sel)--; break;
	case ACT_DOWN: (*sel)++; break;
	case ACT_PAGE_UP: *sel -= page; break;
	case ACT_PAGE_DOWN: *sel += page; break;
	case ACT_HOME: *sel = 0; break;
	case ACT_END: *sel = n - 1; break;
	default: return UI_UNHANDLED;
	}
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < 0)
		*sel = 0;
	return *sel == old ? UI_HANDLED : UI_DIRTY;
}

static int
toggle_view(void)
{
	pl.steps_view = !pl.steps_view;
	pl.page_stale = true;
	return UI_DIRTY;
}

static int
cycle_sort(void)
{
	pl.sort = (enum plan_sort)((pl.sort + 1) % PLAN_SORT_COUNT);
	pl.steps_view = true;
	pl.page_stale = true;
	ui_message("Steps sorted by %s.", plan_sort_name(pl.sort));
	return UI_DIRTY;
}

static int
plan_key(struct app *app, WINDOW *win, enum action a, int key)
{
	int page = getmaxy(win) - 5;

	if (pl.detail)
		return detail_key(a);
	if (pl.ask != ASK_NONE)
		return prompt_key(app, key);
	switch (a) {
	case ACT_PLAN_ADD_OBJECTIVE: return start_objective(app);
	case ACT_PLAN_ADD_CAUSE: return start_under_objective(app, ASK_CAUSE);
	case ACT_PLAN_ADD_STEP: return start_under_objective(app, ASK_STEP_TEXT);
	case ACT_PLAN_STATUS: return start_status(app, key);
	case ACT_PLAN_SORT: return cycle_sort();
	case ACT_PLAN_VIEW: return toggle_view();
	case ACT_PLAN_EDIT: return start_edit(app);
	case ACT_ENTER: return open_detail(app);
	default: break;
	}
	if (pl.steps_view)
		return move_sel(&pl.ssel, (int)pl.nsteps, page, a);
	return move_sel(&pl.sel, pl.nrows, page, a);
}

static const struct keybinding plan_keys[] = {
	{ 'a', ACT_PLAN_ADD_OBJECTIVE }, { 'c', ACT_PLAN_ADD_CAUSE }, { 's', ACT_PLAN_ADD_STEP },
	{ '1', ACT_PLAN_STATUS }, { '2', ACT_PLAN_STATUS }, { '3', ACT_PLAN_STATUS }, { '4', ACT_PLAN_STATUS },
	{ 'o', ACT_PLAN_SORT }, { '\t', ACT_PLAN_VIEW }, { 'e', ACT_PLAN_EDIT },
};

const struct screen_ops plan_screen = {
	.name = "plan",
	.keys = plan_keys,
	.nkeys = ARRAY_SIZE(plan_keys),
	.enter = plan_enter,
	.leave = plan_leave,
	.draw = plan_draw,
	.key = plan_key,
	.reload = plan_reload,
};
