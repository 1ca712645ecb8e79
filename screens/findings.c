/* findings.c: the review's deliverable: the executive summary, findings by domain and cluster with
 * their key evidence, the recommendations; add and edit with the shared editor and drafts; the lead
 * finalises the report or reopens it with a reason. */
#include "qrel/qrel.h"
#include "qrel/dashboard.h"
#include "qrel/draft.h"
#include "qrel/editor.h"
#include "qrel/findings.h"
#include "qrel/picker.h"
#include "qrel/store.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#define EDIT_LINES 6

enum row_kind { ROW_SUMMARY, ROW_DOMAIN, ROW_FINDING, ROW_CITE, ROW_RECS, ROW_REC };

struct row {
	enum row_kind kind;
	int idx, sub;
};

/* What the open prompt collects; the multi-line ones keep a draft. A new
 * finding's place is picked first (cluster or domain, then site) in the picker. */
enum pick { PICK_PLACE, PICK_SITE };

enum ask {
	ASK_NONE, ASK_KIND, ASK_TEXT, ASK_EDIT_FINDING, ASK_SUMMARY, ASK_CITE_NOTE, ASK_CITE_WHO,
	ASK_REC_TITLE, ASK_EDIT_REC, ASK_REOPEN,
};

static struct {
	struct findings_doc doc;
	struct dash_frame frame;
	struct row *rows;
	int nrows, sel, top;
	enum ask ask;
	struct picker pr;
	struct editor *ed;
	char draft_key[64];
	struct {
		int64_t id, cluster, domain, site;
		enum finding_kind kind;
		char note[64];
	} in;
} fs;

static bool
multiline(enum ask a)
{
	return a == ASK_TEXT || a == ASK_EDIT_FINDING || a == ASK_SUMMARY;
}

/* ---- data ---- */

static void
add_row(enum row_kind kind, int idx, int sub)
{
	struct row *grown = realloc(fs.rows, (size_t)(fs.nrows + 1) * sizeof(*fs.rows));

	if (!grown)
		return;
	fs.rows = grown;
	fs.rows[fs.nrows++] = (struct row){ kind, idx, sub };
}

static void
add_findings_of(int64_t domain)
{
	for (int i = 0; i < fs.doc.nf; i++) {
		if (fs.doc.f[i].domain != domain)
			continue;
		add_row(ROW_FINDING, i, 0);
		for (int c = 0; c < fs.doc.f[i].ncites; c++)
			add_row(ROW_CITE, i, c);
	}
}

static void
build_rows(void)
{
	fs.nrows = 0;
	add_row(ROW_SUMMARY, 0, 0);
	for (int d = 0; d < fs.frame.ndom; d++) {
		add_row(ROW_DOMAIN, d, 0);
		add_findings_of(fs.frame.dom[d].id);
	}
	add_row(ROW_RECS, 0, 0);
	for (int i = 0; i < fs.doc.nrec; i++)
		add_row(ROW_REC, i, 0);
}

static int64_t
row_id(const struct row *r)
{
	if (r->kind == ROW_FINDING || r->kind == ROW_CITE)
		return fs.doc.f[r->idx].id;
	return r->kind == ROW_REC ? fs.doc.rec[r->idx].id : r->idx;
}

static void
select_row(enum row_kind kind, int64_t id)
{
	for (int i = 0; i < fs.nrows; i++)
		if (fs.rows[i].kind == kind && row_id(&fs.rows[i]) == id)
			fs.sel = i;
}

static void
findings_reload(struct app *app)
{
	enum row_kind kind = ROW_SUMMARY;
	int64_t keep = -1;

	if (fs.sel < fs.nrows) {
		kind = fs.rows[fs.sel].kind;
		keep = row_id(&fs.rows[fs.sel]);
	}
	findings_doc_free(&fs.doc);
	if (!fs.frame.ndom && dash_frame_load(app->db, app->review, &fs.frame) != QREL_OK)
		ui_error("%s", error_message());
	if (findings_load(app->db, app->review, 0, &fs.doc) != QREL_OK)
		ui_error("%s", error_message());
	build_rows();
	if (keep >= 0)
		select_row(kind, keep);
	if (fs.sel >= fs.nrows)
		fs.sel = fs.nrows ? fs.nrows - 1 : 0;
}

static void
findings_enter(struct app *app)
{
	findings_reload(app);
}

static void
close_prompt(void)
{
	picker_close(&fs.pr);
	editor_free(fs.ed);
	fs.ed = NULL;
	fs.ask = ASK_NONE;
}

static void
findings_leave(struct app *app)
{
	UNUSED(app);
	close_prompt();
	findings_doc_free(&fs.doc);
	dash_frame_free(&fs.frame);
	memset(&fs.frame, 0, sizeof(fs.frame));
	free(fs.rows);
	fs.rows = NULL;
	fs.nrows = 0;
}

/* ---- drawing ---- */

static const struct finding *
current_finding(void)
{
	const struct row *r = fs.sel < fs.nrows ? &fs.rows[fs.sel] : NULL;

	return r && (r->kind == ROW_FINDING || r->kind == ROW_CITE) ? &fs.doc.f[r->idx] : NULL;
}

static const struct recommendation *
current_rec(void)
{
	const struct row *r = fs.sel < fs.nrows ? &fs.rows[fs.sel] : NULL;

	return r && r->kind == ROW_REC ? &fs.doc.rec[r->idx] : NULL;
}

/* The first line of s, for a one-line row. */
static void
first_line(const char *s, char *out, size_t n)
{
	const char *nl = strchr(s, '\n');

	snprintf(out, n, "%.*s", nl ? (int)(nl - s) : (int)strlen(s), s);
}

static attr_t
row_text(const struct row *r, char *buf, size_t n)
{
	char line[600], who[200];

	switch (r->kind) {
	case ROW_SUMMARY:
		first_line(fs.doc.summary ? fs.doc.summary : "", line, sizeof(line));
		snprintf(buf, n, "Executive summary: %s", *line ? line : "(not written yet: the lead presses e)");
		return A_BOLD;
	case ROW_DOMAIN:
		snprintf(buf, n, "Domain %s: %s", fs.frame.dom[r->idx].code, fs.frame.dom[r->idx].title);
		return A_BOLD;
	case ROW_FINDING: {
		const struct finding *f = &fs.doc.f[r->idx];

		first_line(f->text, line, sizeof(line));
		snprintf(buf, n, "  %s %-5s %s%s%s", f->kind == FINDING_GROWTH ? "growth  " : "strength",
			 *f->cluster_code ? f->cluster_code : "all", *f->site_code ? f->site_code : "",
			 *f->site_code ? " " : "", line);
		return A_NORMAL;
	}
	case ROW_CITE:
		findings_attribution(&fs.doc.f[r->idx].cite[r->sub], who, sizeof(who));
		first_line(fs.doc.f[r->idx].cite[r->sub].text, line, sizeof(line));
		snprintf(buf, n, "      %s: \"%s\"", who, line);
		return ui_attr(UI_DIM);
	case ROW_RECS:
		snprintf(buf, n, "Recommendations");
		return A_BOLD;
	default: {
		const struct recommendation *k = &fs.doc.rec[r->idx];
		char obj[48] = "";

		if (k->objective)
			snprintf(obj, sizeof(obj), "  -> objective %d", k->objective_position);
		snprintf(buf, n, "  %d. [%s] %s (answers %d)%s", k->number, rec_priority_name(k->priority), k->title,
			 k->nfindings, obj);
		return A_NORMAL;
	}
	}
}

static void
draw_rows(WINDOW *win, int y0, int height)
{
	char buf[1024];

	if (fs.sel < fs.top)
		fs.top = fs.sel;
	if (fs.sel >= fs.top + height)
		fs.top = fs.sel - height + 1;
	for (int i = fs.top; i < fs.nrows && i < fs.top + height; i++) {
		attr_t a = row_text(&fs.rows[i], buf, sizeof(buf));

		ui_text(win, y0 + i - fs.top, 0, getmaxx(win), buf, i == fs.sel ? ui_attr(UI_SELECTED) : a);
	}
}

static const char *
ask_label(void)
{
	switch (fs.ask) {
	case ASK_KIND: return "Strength or growth (s/g): ";
	case ASK_TEXT: return "The finding (Esc or ^X saves):";
	case ASK_EDIT_FINDING: return "Edit the finding (Esc or ^X saves):";
	case ASK_SUMMARY: return "Executive summary (Esc or ^X saves; a blank line starts a paragraph):";
	case ASK_CITE_NOTE: return "Cite note (number or uuid): ";
	case ASK_CITE_WHO: return "Stakeholder group it speaks for (Enter: none): ";
	case ASK_REC_TITLE: return "Recommendation answering this finding: ";
	case ASK_EDIT_REC: return "Recommendation title: ";
	case ASK_REOPEN: return "Reason for reopening the final report: ";
	default: return "";
	}
}

static void
draw_footer(WINDOW *win)
{
	int y = getmaxy(win) - 1, lw;

	if (fs.ask == ASK_NONE) {
		ui_text(win, y, 0, getmaxx(win),
			"a finding  e edit  c cite  r recommend  o objective  d delete  f finalise  ? keys",
			ui_attr(UI_DIM));
		return;
	}
	if (multiline(fs.ask)) {
		int top = getmaxy(win) - EDIT_LINES - 1;

		ui_text(win, top, 0, getmaxx(win), ask_label(), A_BOLD);
		editor_draw(fs.ed, win, top + 1, 0, EDIT_LINES, getmaxx(win));
		return;
	}
	lw = ui_text(win, y, 0, text_width(ask_label()), ask_label(), A_BOLD);
	editor_draw(fs.ed, win, y, lw, 1, getmaxx(win) - lw);
}

static void
findings_draw(struct app *app, WINDOW *win)
{
	int reserve = multiline(fs.ask) ? EDIT_LINES + 2 : 2;
	char head[200];

	UNUSED(app);
	werase(win);
	snprintf(head, sizeof(head), "Findings and recommendations: the report is %s (%d findings, %d recommendations)",
		 fs.doc.final ? "FINAL" : "a DRAFT", fs.doc.nf, fs.doc.nrec);
	ui_text(win, 0, 0, getmaxx(win), head, ui_attr(UI_TITLE));
	draw_rows(win, 1, getmaxy(win) - reserve);
	draw_footer(win);
	if (fs.pr.active)
		picker_draw(&fs.pr, win);
}

/* ---- prompts ---- */

/* Opens a prompt with text, or with the draft saved under draft (when one is). */
static int
ask(struct app *app, enum ask what, const char *text, const char *draft)
{
	char *saved = NULL;

	str_copy(fs.draft_key, sizeof(fs.draft_key), draft ? draft : "");
	if (*fs.draft_key && (saved = draft_load(app->db, fs.draft_key, app->user)))
		ui_message("Your unsaved draft is back.");
	editor_free(fs.ed);
	fs.ed = editor_new(saved ? saved : text ? text : "");
	editor_end(fs.ed);
	free(saved);
	fs.ask = what;
	return UI_DIRTY;
}

static void
answer(char *out, size_t n)
{
	char *t = xstrdup(editor_text(fs.ed));

	str_copy(out, n, t ? str_trim(t) : "");
	free(t);
}

static int
saved(struct app *app, int rc, enum row_kind kind, int64_t id, const char *what)
{
	if (rc != QREL_OK) {
		ui_error("Not saved: %s.", error_message());
		return UI_DIRTY;
	}
	if (*fs.draft_key)
		draft_clear(app->db, fs.draft_key, app->user);
	close_prompt();
	findings_reload(app);
	if (id)
		select_row(kind, id);
	ui_message("%s", what);
	return UI_DIRTY;
}

/* The sites to pick from: all of them (review-wide) first, then each; keep: the one highlighted. */
static void
pick_site(struct app *app, int64_t keep)
{
	int n = store_site_count(app->db, app->review), got = 0;
	struct dash_site *s = n > 0 ? calloc((size_t)n, sizeof(*s)) : NULL;
	char label[192];

	picker_open(&fs.pr, PICK_SITE, "Site the finding is about (Enter: all sites, review-wide)", false);
	picker_add(&fs.pr, 0, "all", "All sites: a review-wide finding");
	if (s && dash_sites(app->db, app->review, 0, n, s, &got) != QREL_OK)
		ui_error("%s", error_message());
	for (int i = 0; i < got; i++) {
		snprintf(label, sizeof(label), "%s  %s", s[i].code, s[i].name);
		picker_add(&fs.pr, s[i].id, s[i].code, label);
		if (s[i].id == keep)
			fs.pr.sel = i + 1;
	}
	free(s);
}

static int
accept_place(struct app *app, const char *text)
{
	fs.in.cluster = store_cluster_id(app->db, app->review, text);
	fs.in.domain = fs.in.cluster > 0 ? 0 : findings_domain_id(app->db, app->review, text);
	if (fs.in.cluster <= 0 && fs.in.domain <= 0) {
		ui_error("No cluster or domain '%s' in this review.", text);
		return UI_DIRTY;
	}
	pick_site(app, fs.in.site);
	return UI_DIRTY;
}

/* Enter in the picker: the place, then the site, then strength or growth and the text. */
static int
picker_answer(struct app *app, int key)
{
	const struct picker_item *c;
	char value[64];

	switch (picker_key(&fs.pr, key)) {
	case PICKER_CANCELLED:
		ui_message("Cancelled: nothing was saved.");
		return UI_DIRTY;
	case PICKER_OPEN:
		return UI_DIRTY;
	default:
		break;
	}
	c = picker_choice(&fs.pr);
	for (int i = 0; fs.pr.sel == 0 && i < fs.pr.nitem; i++)	/* a code typed in full, not moved from: that code */
		if (strcasecmp(fs.pr.item[i].value, picker_input(&fs.pr)) == 0)
			c = &fs.pr.item[i];
	str_copy(value, sizeof(value), c ? c->value : picker_input(&fs.pr));
	if (fs.pr.tag == PICK_PLACE)
		return accept_place(app, str_trim(value));
	fs.in.site = c ? c->id : 0;
	picker_close(&fs.pr);
	return ask(app, ASK_KIND, NULL, NULL);
}

static int
accept_kind(struct app *app, const char *text)
{
	if (strcmp(text, "s") == 0 || strcmp(text, "g") == 0)
		fs.in.kind = *text == 's' ? FINDING_STRENGTH : FINDING_GROWTH;
	else if (finding_kind_parse(text, &fs.in.kind) != QREL_OK) {
		ui_error("Type s for a strength or g for an area for growth.");
		return UI_DIRTY;
	}
	return ask(app, ASK_TEXT, NULL, "finding:new");
}

static int
accept_text(struct app *app, const char *text)
{
	struct finding_input in = { .site = fs.in.site, .cluster = fs.in.cluster > 0 ? fs.in.cluster : 0,
				    .domain = fs.in.domain, .kind = fs.in.kind, .text = text };
	int64_t id = 0;
	int rc = finding_add(app->db, app->review, app->user, &in, &id);

	return saved(app, rc, ROW_FINDING, id, "Finding added: c cites its key evidence, r recommends.");
}

static int
accept_cite(struct app *app, const char *who)
{
	int64_t note = findings_ref(app->db, app->review, true, fs.in.note);

	if (note <= 0)
		return saved(app, QREL_NOTFOUND, ROW_FINDING, 0, "");
	return saved(app, finding_cite_note(app->db, app->review, app->user, fs.in.id, note, who), ROW_FINDING,
		     fs.in.id, "Note cited as key evidence.");
}

static int
accept_rec(struct app *app, const char *title)
{
	struct rec_input in = { .title = title, .priority = REC_MEDIUM };
	int64_t id = 0;
	int rc = rec_add(app->db, app->review, app->user, &in, &id);

	if (rc == QREL_OK)
		rc = rec_link_finding(app->db, app->review, app->user, id, fs.in.id);
	return saved(app, rc, ROW_REC, id, "Recommendation added; o makes it a plan objective.");
}

static int
prompt_accept(struct app *app)
{
	char text[8192];

	answer(text, sizeof(text));
	switch (fs.ask) {
	case ASK_KIND: return accept_kind(app, text);
	case ASK_TEXT: return accept_text(app, text);
	case ASK_EDIT_FINDING:
		return saved(app, finding_edit(app->db, app->review, app->user, fs.in.id, "text", text), ROW_FINDING,
			     fs.in.id, "Finding saved.");
	case ASK_SUMMARY:
		return saved(app, findings_summary_set(app->db, app->review, app->user, text), ROW_SUMMARY, 0,
			     "Summary saved.");
	case ASK_CITE_NOTE:
		str_copy(fs.in.note, sizeof(fs.in.note), text);
		return ask(app, ASK_CITE_WHO, NULL, NULL);
	case ASK_CITE_WHO: return accept_cite(app, text);
	case ASK_REC_TITLE: return accept_rec(app, text);
	case ASK_EDIT_REC:
		return saved(app, rec_edit(app->db, app->review, app->user, fs.in.id, "title", text), ROW_REC, fs.in.id,
			     "Recommendation saved.");
	case ASK_REOPEN:
		return saved(app, findings_reopen(app->db, app->review, app->user, text), ROW_SUMMARY, 0,
			     "The report is a draft again.");
	default: return UI_DIRTY;
	}
}

static int
prompt_key(struct app *app, int key)
{
	int r;

	if (!multiline(fs.ask)) {
		if (key == ESC) {
			close_prompt();
			ui_message("Cancelled: nothing was saved.");
			return UI_DIRTY;
		}
		if (key == '\r' || key == '\n' || key == KEY_ENTER)
			return prompt_accept(app);
	}
	r = editor_key(fs.ed, key);
	if (r == EDITOR_DONE)
		return prompt_accept(app);
	if (r == EDITOR_CHANGED && *fs.draft_key && draft_save(app->db, fs.draft_key, app->user, editor_text(fs.ed)) != QREL_OK)
		ui_error("The draft could not be kept: %s", error_message());
	return r == EDITOR_UNHANDLED ? UI_HANDLED : UI_DIRTY;
}

/* ---- actions ---- */

/* The gate's answer before a prompt opens, so no one types what cannot be saved. */
static bool
may(struct app *app, bool lead_only)
{
	if (app->readonly) {
		ui_error("The database is read-only.");
		return false;
	}
	if (findings_may(app->db, app->review, app->user, lead_only) != QREL_OK) {
		ui_error("%s", error_message());
		return false;
	}
	return true;
}

/* The framework's domains, each followed by its clusters; place (a code) typed in already. */
static void
pick_place(const char *place)
{
	char label[192];

	picker_open(&fs.pr, PICK_PLACE, "Cluster or domain code (1.2 or 1)", false);
	for (int d = 0; d < fs.frame.ndom; d++) {
		const struct dash_domain *dom = &fs.frame.dom[d];

		snprintf(label, sizeof(label), "Domain %.15s: %.140s (the whole domain)", dom->code, dom->title);
		picker_add(&fs.pr, dom->id, dom->code, label);
		for (int c = dom->first; c < dom->first + dom->n; c++) {
			snprintf(label, sizeof(label), "  %.15s %.160s", fs.frame.cl[c].code, fs.frame.cl[c].title);
			picker_add(&fs.pr, fs.frame.cl[c].id, fs.frame.cl[c].code, label);
		}
	}
	if (*place)
		picker_set_input(&fs.pr, place);
}

static int
start_finding(struct app *app)
{
	const struct finding *f = current_finding();
	const struct row *r = fs.sel < fs.nrows ? &fs.rows[fs.sel] : NULL;
	const char *place = f ? (*f->cluster_code ? f->cluster_code : f->domain_code) :
			    r && r->kind == ROW_DOMAIN ? fs.frame.dom[r->idx].code : "";

	if (!may(app, false))
		return UI_HANDLED;
	memset(&fs.in, 0, sizeof(fs.in));
	fs.in.site = f ? f->site : 0;
	pick_place(place);
	return UI_DIRTY;
}

static int
start_edit(struct app *app)
{
	const struct finding *f = current_finding();
	const struct recommendation *k = current_rec();
	char key[64];

	if (fs.sel < fs.nrows && fs.rows[fs.sel].kind == ROW_SUMMARY)
		return may(app, true) ? ask(app, ASK_SUMMARY, fs.doc.summary, "summary") : UI_HANDLED;
	if (!f && !k) {
		ui_error("Select a finding, a recommendation or the summary to edit.");
		return UI_HANDLED;
	}
	if (!may(app, false))
		return UI_HANDLED;
	fs.in.id = f ? f->id : k->id;
	if (k)
		return ask(app, ASK_EDIT_REC, k->title, NULL);
	snprintf(key, sizeof(key), "finding:%s", f->uuid);
	return ask(app, ASK_EDIT_FINDING, f->text, key);
}

/* For c and r: the selected finding, or an error. */
static int
on_finding(struct app *app, enum ask what)
{
	const struct finding *f = current_finding();

	if (!f) {
		ui_error("Select a finding first (a adds one).");
		return UI_HANDLED;
	}
	if (!may(app, false))
		return UI_HANDLED;
	fs.in.id = f->id;
	return ask(app, what, NULL, NULL);
}

static int
to_objective(struct app *app)
{
	const struct recommendation *k = current_rec();
	int64_t obj = 0;
	int rc;

	if (!k) {
		ui_error("Select a recommendation first.");
		return UI_HANDLED;
	}
	if (!may(app, false))
		return UI_HANDLED;
	rc = rec_to_objective(app->db, app->review, app->user, k->id, &obj);
	return saved(app, rc, ROW_REC, k->id, "The recommendation is now an objective of the action plan (A).");
}

static int
delete_selected(struct app *app)
{
	const struct finding *f = current_finding();
	const struct recommendation *k = current_rec();

	if (!f && !k)
		return UI_HANDLED;
	if (!may(app, false))
		return UI_HANDLED;
	if (f)
		return saved(app, finding_delete(app->db, app->review, app->user, f->id), ROW_SUMMARY, 0,
			     "Finding deleted (the change log keeps its text).");
	return saved(app, rec_delete(app->db, app->review, app->user, k->id), ROW_RECS, 0,
		     "Recommendation deleted (the change log keeps its title).");
}

static int
finalise(struct app *app)
{
	if (app->readonly || strcmp(app->role, "lead") != 0) {
		ui_error("Only the review lead finalises or reopens the report.");
		return UI_HANDLED;
	}
	if (fs.doc.final)
		return ask(app, ASK_REOPEN, NULL, NULL);
	return saved(app, findings_finalise(app->db, app->review, app->user), ROW_SUMMARY, 0,
		     "The report is final: it says FINAL on every page.");
}

static int
move_sel(enum action a, int page)
{
	int old = fs.sel;

	switch (a) {
	case ACT_UP: fs.sel--; break;
	case ACT_DOWN: fs.sel++; break;
	case ACT_PAGE_UP: fs.sel -= page; break;
	case ACT_PAGE_DOWN: fs.sel += page; break;
	case ACT_HOME: fs.sel = 0; break;
	case ACT_END: fs.sel = fs.nrows - 1; break;
	default: return UI_UNHANDLED;
	}
	if (fs.sel >= fs.nrows)
		fs.sel = fs.nrows - 1;
	if (fs.sel < 0)
		fs.sel = 0;
	return fs.sel == old ? UI_HANDLED : UI_DIRTY;
}

static int
findings_key(struct app *app, WINDOW *win, enum action a, int key)
{
	if (fs.pr.active)
		return picker_answer(app, key);
	if (fs.ask != ASK_NONE)
		return prompt_key(app, key);
	switch (a) {
	case ACT_FINDING_ADD: return start_finding(app);
	case ACT_EDIT: return start_edit(app);
	case ACT_FINDING_CITE: return on_finding(app, ASK_CITE_NOTE);
	case ACT_REC_ADD: return on_finding(app, ASK_REC_TITLE);
	case ACT_REC_OBJECTIVE: return to_objective(app);
	case ACT_FINDING_DELETE: return delete_selected(app);
	case ACT_FINALISE: return finalise(app);
	default: return move_sel(a, getmaxy(win) - 4);
	}
}

static const struct keybinding findings_keys[] = {
	{ 'a', ACT_FINDING_ADD }, { 'e', ACT_EDIT }, { 'c', ACT_FINDING_CITE }, { 'r', ACT_REC_ADD },
	{ 'o', ACT_REC_OBJECTIVE }, { 'd', ACT_FINDING_DELETE }, { 'f', ACT_FINALISE },
};

const struct screen_ops findings_screen = {
	.name = "findings",
	.keys = findings_keys,
	.nkeys = ARRAY_SIZE(findings_keys),
	.enter = findings_enter,
	.leave = findings_leave,
	.draw = findings_draw,
	.key = findings_key,
	.reload = findings_reload,
};
