/* evidence.c: evidence notes: a keyset-paged list with filters and ranked search, one note
 * in full, and capture with the inline editor, cluster tags, valence and drafts. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/draft.h"
#include "qrel/editor.h"
#include "qrel/external_editor.h"
#include "qrel/plan.h"
#include "qrel/evidence.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#include <ctype.h>
#include <strings.h>

#define KEY_CTRL(c) ((c) & 0x1f)
#define ESC 27
#define HEAD_ROWS 3		/* filter line, column heading, rule */
#define PROMPT_ROWS 8		/* candidates shown above a prompt */
#define DRAFT_NEW "note:new"
#define DRAFT_NEW_TAGS "note:new:tags"

enum mode { MODE_LIST, MODE_VIEW, MODE_CAPTURE };
enum prompt_kind { PR_NONE, PR_FIELD, PR_VALUE, PR_SEARCH, PR_TAG, PR_ACTIVITY };

struct prompt {
	enum prompt_kind kind;
	char title[64], field[64];
	char input[EVIDENCE_QUERY_MAX];
	struct evidence_choice *choice;
	int nchoice;
	int *match, nmatch, sel;
};

struct capture {
	struct editor *ed;
	int64_t note;			/* 0: a new note; else the note being edited */
	char draft_key[64], tags_key[64];
	struct activity_row act;	/* act.id 0: none */
	int64_t site;
	char site_code[32], source[24], valence[12];
	int64_t cluster[EVIDENCE_MAX_CLUSTERS];
	char code[EVIDENCE_MAX_CLUSTERS][16];
	size_t nclusters;
	int version;			/* the note's when editing began: the save expects it */
	bool conflict;			/* a save was refused: theirs and yours are shown */
	struct evidence_note theirs;	/* the note as the other writer left it */
};

static struct {
	enum mode mode;
	struct evidence_filter f;
	struct evidence_note *page;	/* rows + 1: the extra one says there is more */
	int npage, cap, sel;
	struct evidence_cursor *tops;	/* tops[depth]: the page starts after it */
	int depth, ntops;
	struct evidence_total total;
	unsigned long generation;	/* of the store when the list was read */
	bool stale;
	struct evidence_note view;	/* the note shown in full (view.text NULL: none) */
	int view_top;
	struct capture cap_;
	struct prompt pr;
	int64_t undo;			/* the last note deleted here */
} ev;

static const char *const filter_fields[] = { "site", "cluster", "domain", "source", "author", "valence",
	"subgroup", "from", "to", "activity", "clear all", NULL };

/* ---- paging ---- */

static int
list_rows(WINDOW *win)
{
	int h = getmaxy(win) - HEAD_ROWS - 1;

	return h < 1 ? 1 : h;
}

static void
free_page(void)
{
	evidence_notes_free(ev.page, ev.npage);
	ev.npage = 0;
}

static bool
grow_tops(void)
{
	int n = ev.ntops ? ev.ntops * 2 : 16;
	struct evidence_cursor *t;

	if (ev.depth + 1 < ev.ntops)
		return true;
	if (!(t = realloc(ev.tops, (size_t)n * sizeof(*t))))
		return false;
	memset(t + ev.ntops, 0, (size_t)(n - ev.ntops) * sizeof(*t));
	ev.tops = t;
	ev.ntops = n;
	return true;
}

/* The page now starts after row. */
static bool
push_top(const struct evidence_note *row)
{
	if (!grow_tops())
		return false;
	evidence_cursor_of(row, &ev.tops[++ev.depth]);
	return true;
}

static void
load_page(struct app *app, int rows)
{
	if (!ev.stale && ev.cap >= rows + 1)
		return;
	free_page();
	if (ev.cap < rows + 1) {
		free(ev.page);
		ev.page = calloc((size_t)rows + 1, sizeof(*ev.page));
		ev.cap = ev.page ? rows + 1 : 0;
	}
	if (!grow_tops())
		return;
	if (ev.depth == 0)
		ev.tops[0].set = false;
	if (ev.page && evidence_page(app->db, app->review, &ev.f, &ev.tops[ev.depth], rows + 1, ev.page,
				     &ev.npage) != QREL_OK)
		ui_error("%s", error_message());
	if (ev.sel >= ev.npage && ev.sel > 0)
		ev.sel = ev.npage ? (ev.npage > rows ? rows : ev.npage) - 1 : 0;
	ev.stale = false;
}

/* The list is read again; its size is counted again only if the store or the filter
 * changed (evidence_total keeps its last answer). */
static void
refresh_list(struct app *app)
{
	ev.stale = true;
	ev.generation = db_generation(app->db);
	/* Only the notes this reader may read (a release may have widened them). */
	if (evidence_filter_viewer(app->db, app->review, app->user, &ev.f) != QREL_OK ||
	    evidence_total(app->db, app->review, &ev.f, &ev.total) != QREL_OK) {
		memset(&ev.total, 0, sizeof(ev.total));
		ui_error("%s", error_message());
	}
}

static void
restart_list(struct app *app)
{
	ev.depth = 0;
	ev.sel = 0;
	refresh_list(app);
}

/* No filter at all; searches rank among the newest matches. */
static void
reset_filter(void)
{
	memset(&ev.f, 0, sizeof(ev.f));
	ev.f.rank_window = EVIDENCE_RANK_WINDOW;
}

static const struct evidence_note *
selected(WINDOW *win)
{
	return ev.sel < ev.npage && ev.sel < list_rows(win) ? &ev.page[ev.sel] : NULL;
}

/* ---- drawing helpers ---- */

static const char *
source_short(const char *s)
{
	static const char *const map[][2] = { { "interview", "intrvw" }, { "focus_group", "focus" },
		{ "document_review", "docs" }, { "site_observation", "observ" },
		{ "remote_observation", "remote" }, { "survey", "survey" }, { "self_evaluation", "self" } };

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(s, map[i][0]) == 0)
			return map[i][1];
	return s;
}

static const char *
valence_mark(const struct app *app, const char *v)
{
	if (strcmp(v, "strength") == 0)
		return "+";
	if (strcmp(v, "growth") == 0)
		return "-";
	return app->utf8 ? "\xc2\xb7" : ".";
}

/* Draws n bytes of s at (y, *x), at most width columns in all; returns the columns used. */
static int
draw_piece(WINDOW *win, int y, int x, int width, const char *s, size_t n, attr_t attr)
{
	char stack[256], *buf;
	int w;

	if (width <= 0 || !(buf = n < sizeof(stack) ? stack : malloc(n + 1)))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	w = text_width(buf);
	w = ui_text(win, y, x, w < width ? w : width, buf, attr);
	if (buf != stack)
		free(buf);
	return w;
}

/* Text from base+off, n bytes, with the note's search matches in bold reverse; pads to width. */
static void
draw_marked(WINDOW *win, int y, int x, int width, const struct evidence_note *r, size_t off, size_t n,
	    attr_t attr)
{
	size_t at = off, end = off + n;
	int used = 0;

	for (int i = 0; i < r->nspans && used < width; i++) {
		size_t s = r->span[i].start, e = r->span[i].end;

		if (e <= at || s >= end)
			continue;
		s = s < at ? at : s;
		e = e > end ? end : e;
		used += draw_piece(win, y, x + used, width - used, r->text + at, s - at, attr);
		used += draw_piece(win, y, x + used, width - used, r->text + s, e - s, attr | A_BOLD | A_REVERSE);
		at = e;
	}
	used += draw_piece(win, y, x + used, width - used, r->text + at, end - at, attr);
	if (used < width)
		ui_text(win, y, x + used, width - used, "", attr);
}

/* Only the time shows the selection: a move then repaints 2 x 12 cells, not 2 rows. The
 * rest of the row is plain text (the valence by its mark, not a colour): a line that
 * scrolls in then costs its characters and few escape sequences over a slow link. */
static void
draw_row(struct app *app, WINDOW *win, int y, const struct evidence_note *r, bool sel)
{
	attr_t attr = A_NORMAL;
	int w = getmaxx(win), x = 0;
	const char *nl = strchr(r->text, '\n');
	char when[16];

	snprintf(when, sizeof(when), "%.5s %.5s", r->created_at + (strlen(r->created_at) >= 10 ? 5 : 0),
		 strlen(r->created_at) >= 16 ? r->created_at + 11 : "");
	ui_text(win, y, x, 12, when, sel ? ui_attr(UI_SELECTED) : A_NORMAL);
	ui_text(win, y, x += 12, 5, r->site_code, attr);
	ui_text(win, y, x += 5, 7, source_short(r->source), attr);
	ui_text(win, y, x += 7, 12, r->author, attr);
	ui_text(win, y, x += 12, 1, " ", attr);
	ui_text(win, y, x += 1, 2, valence_mark(app, r->valence), attr);
	ui_text(win, y, x += 2, 11, r->clusters, attr);
	ui_text(win, y, x += 11, 1, " ", attr);
	x += 1;
	draw_marked(win, y, x, w - x, r, 0, nl ? (size_t)(nl - r->text) : strlen(r->text), attr);
}

static void
draw_hint(WINDOW *win, const char *text)
{
	ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), text, ui_attr(UI_DIM));
}

/* ---- the list ---- */

/* 76230 as "76,230". */
static void
group_digits(long long v, char *buf, size_t size)
{
	char digits[32];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%lld", v < 0 ? 0 : v), used = 0;

	for (size_t i = 0; i < n && used + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[used++] = ',';
		buf[used++] = digits[i];
	}
	buf[used] = '\0';
}

/* "12 notes", "10,000+ notes", "76,230 notes (ranked among the 2,000 newest)". */
static void
describe_total(char *buf, size_t size)
{
	char count[32], ranked[32];
	const struct evidence_total *t = &ev.total;

	group_digits(t->count, count, sizeof(count));
	group_digits(t->ranked, ranked, sizeof(ranked));
	if (*ev.f.query && t->ranked)
		snprintf(buf, size, "%s%s notes (ranked among the %s newest)", count, t->more ? "+" : "", ranked);
	else
		snprintf(buf, size, "%s%s note%s%s", count, t->more ? "+" : "", t->count == 1 && !t->more ? "" : "s",
			 *ev.f.query ? " (ranked)" : "");
}

static void
draw_list(struct app *app, WINDOW *win)
{
	int rows = list_rows(win);
	char line[800], desc[600], total[160];

	load_page(app, rows);
	evidence_filter_describe(&ev.f, desc, sizeof(desc));
	describe_total(total, sizeof(total));
	snprintf(line, sizeof(line), "Evidence: %s  %s %s", total, app->utf8 ? "\xc2\xb7" : "|", desc);
	ui_text(win, 0, 0, getmaxx(win), line, A_BOLD);
	ui_text(win, 1, 0, getmaxx(win), "When        Site Source Author        V Clusters    Text", A_BOLD);
	ui_hline(win, 2, 0, getmaxx(win));
	for (int i = 0; i < ev.npage && i < rows; i++)
		draw_row(app, win, HEAD_ROWS + i, &ev.page[i], i == ev.sel);
	if (!ev.npage)
		ui_text(win, HEAD_ROWS, 0, getmaxx(win), evidence_filter_empty(&ev.f)
			? "No notes yet: press a to capture one." : "No note matches: f changes the filter, F clears it.",
			A_NORMAL);
	draw_hint(win, "Enter open  a add  e edit  d delete  u undo  f filter  F clear  / search  r rubric");
}

/* ---- one note in full ---- */

static void
view_header(WINDOW *win, const struct evidence_note *r, int *y)
{
	char line[600];

	snprintf(line, sizeof(line), "Note %lld  %s  site %s  %s  by %s  %s", (long long)r->id, r->created_at,
		 r->site_code, r->source, r->author, r->valence);
	ui_text(win, (*y)++, 0, getmaxx(win), line, A_BOLD);
	snprintf(line, sizeof(line), "Clusters: %s%s%s", r->clusters, *r->subgroups ? "   Subgroups: " : "",
		 r->subgroups);
	ui_text(win, (*y)++, 0, getmaxx(win), line, A_NORMAL);
	ui_hline(win, (*y)++, 0, getmaxx(win));
}

static void
draw_view(WINDOW *win)
{
	const struct evidence_note *r = &ev.view;
	int y = 0, line = 0, bottom = getmaxy(win) - 1, w = getmaxx(win) - 1;
	const char *next;
	size_t len;

	view_header(win, r, &y);
	for (const char *p = r->text; p && *p && y < bottom; p = next, line++) {
		next = text_wrap(p, w, &len);
		if (line >= ev.view_top)
			draw_marked(win, y++, 0, w, r, (size_t)(p - r->text), len, A_NORMAL);
	}
	draw_hint(win, "q back  j/k scroll  e edit  d delete  r rubric for the first cluster");
}

static int
open_view(struct app *app, WINDOW *win)
{
	const struct evidence_note *r = selected(win);

	if (!r)
		return UI_HANDLED;
	free(ev.view.text);
	ev.view = *r;
	ev.view.text = xstrdup(r->text);
	ev.view_top = 0;
	ev.mode = MODE_VIEW;
	UNUSED(app);
	return UI_DIRTY;
}

static void
close_view(void)
{
	free(ev.view.text);
	ev.view.text = NULL;
	ev.mode = MODE_LIST;
}

/* The note a command acts on: the one open, else the selected one. */
static const struct evidence_note *
current(WINDOW *win)
{
	return ev.mode == MODE_VIEW && ev.view.text ? &ev.view : selected(win);
}

/* ---- capture ---- */

static struct evidence_choice *clusters;	/* the framework's clusters, for tags */
static int nclusters;

static const char *
cluster_code(int64_t id)
{
	for (int i = 0; i < nclusters; i++)
		if (clusters[i].id == id)
			return clusters[i].value;
	return "?";
}

static void
load_clusters(struct app *app)
{
	if (!clusters && evidence_choices(app->db, app->review, "cluster", &clusters, &nclusters) != QREL_OK)
		ui_error("%s", error_message());
}

static void
set_activity(struct app *app, int64_t id)
{
	struct capture *c = &ev.cap_;

	memset(&c->act, 0, sizeof(c->act));
	if (id > 0 && activity_get(app->db, app->review, id, &c->act) == QREL_OK) {
		c->site = c->act.site;
		snprintf(c->site_code, sizeof(c->site_code), "%s", c->act.site_code);
		snprintf(c->source, sizeof(c->source), "%s", c->act.source);
		return;
	}
	c->site = app->site;
	snprintf(c->site_code, sizeof(c->site_code), "%s", app->site_code);
	if (!*c->source)
		snprintf(c->source, sizeof(c->source), "site_observation");
}

static void
toggle_cluster(int64_t id)
{
	struct capture *c = &ev.cap_;

	for (size_t i = 0; i < c->nclusters; i++) {
		if (c->cluster[i] == id) {
			memmove(&c->cluster[i], &c->cluster[i + 1], (c->nclusters - i - 1) * sizeof(c->cluster[0]));
			memmove(c->code[i], c->code[i + 1], (c->nclusters - i - 1) * sizeof(c->code[0]));
			c->nclusters--;
			return;
		}
	}
	if (c->nclusters == EVIDENCE_MAX_CLUSTERS)
		return;
	c->cluster[c->nclusters] = id;
	str_copy(c->code[c->nclusters++], sizeof(c->code[0]), cluster_code(id));
}

/* The tags travel with the text in a second draft: "activity valence id,id,...".
 * False (and the status line says so) when it could not be written. */
static bool
save_draft(struct app *app)
{
	struct capture *c = &ev.cap_;
	char tags[EVIDENCE_MAX_CLUSTERS * 21 + 64];
	size_t used;

	used = (size_t)snprintf(tags, sizeof(tags), "%lld %s ", (long long)c->act.id, c->valence);
	for (size_t i = 0; i < c->nclusters && used < sizeof(tags); i++)
		used += (size_t)snprintf(tags + used, sizeof(tags) - used, "%s%lld", i ? "," : "",
					 (long long)c->cluster[i]);
	if (draft_save(app->db, c->draft_key, app->user, editor_text(c->ed)) != QREL_OK ||
	    draft_save(app->db, c->tags_key, app->user, tags) != QREL_OK) {
		ui_error("Draft not kept, your text is only on screen: %s", error_message());
		return false;
	}
	return true;
}

static void
restore_tags(struct app *app, const char *tags)
{
	struct capture *c = &ev.cap_;
	char valence[12] = "";
	long long act = 0;
	int n = 0;

	if (sscanf(tags, "%lld %11s %n", &act, valence, &n) < 2)
		return;
	set_activity(app, act);
	if (strcmp(valence, "strength") == 0 || strcmp(valence, "growth") == 0)
		snprintf(c->valence, sizeof(c->valence), "%s", valence);
	for (const char *p = tags + n; *p; p += strcspn(p, ","), p += *p == ',') {
		long long id = strtoll(p, NULL, 10);

		if (id > 0)
			toggle_cluster(id);
	}
}

static void
clear_conflict(void)
{
	free(ev.cap_.theirs.text);
	memset(&ev.cap_.theirs, 0, sizeof(ev.cap_.theirs));
	ev.cap_.conflict = false;
}

static void
reset_capture(struct app *app, int64_t activity)
{
	struct capture *c = &ev.cap_;

	editor_free(c->ed);
	c->ed = NULL;
	clear_conflict();
	c->note = 0;
	c->nclusters = 0;
	c->source[0] = '\0';
	snprintf(c->valence, sizeof(c->valence), "neutral");
	snprintf(c->draft_key, sizeof(c->draft_key), DRAFT_NEW);
	snprintf(c->tags_key, sizeof(c->tags_key), DRAFT_NEW_TAGS);
	set_activity(app, activity);
}

/* The first activity at the current site, when the user has none yet. */
static int64_t
site_activity(struct app *app)
{
	struct activity_row *rows;
	int64_t id = 0;
	int n;

	if (activity_list(app->db, app->review, app->site, &rows, &n) == QREL_OK && n > 0)
		id = rows[0].id;
	free(rows);
	return id;
}

static int
start_new(struct app *app)
{
	int64_t last = activity_last_used(app->db, app->review, app->user);
	char *text, *tags;

	if (app->readonly || app->person <= 0) {
		ui_error(app->readonly ? "The database is read-only: no note can be saved."
				       : "%s is not a member of this review: no note can be saved.", app->user);
		return UI_HANDLED;
	}
	load_clusters(app);
	reset_capture(app, last > 0 ? last : site_activity(app));
	text = draft_load(app->db, DRAFT_NEW, app->user);
	tags = draft_load(app->db, DRAFT_NEW_TAGS, app->user);
	if (tags)
		restore_tags(app, tags);
	ev.cap_.ed = editor_new(text ? text : "");
	editor_end(ev.cap_.ed);
	ev.mode = MODE_CAPTURE;
	ui_message(text && *text ? "Restored your unsaved note. ^X or F2 saves, Esc keeps it as a draft."
				 : "New note: type, ^T tags a cluster, ^G sets the valence, ^X or F2 saves.");
	free(text);
	free(tags);
	return UI_DIRTY;
}

/* Is code one of the ';'-separated codes in list? */
static bool
cluster_in(const char *list, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = list; *p; p += strcspn(p, ";"), p += *p == ';')
		if (strncmp(p, code, n) == 0 && (p[n] == ';' || p[n] == '\0'))
			return true;
	return false;
}

static int
start_edit(struct app *app, const struct evidence_note *r)
{
	struct capture *c = &ev.cap_;
	char *text, *tags;

	if (!r)
		return UI_HANDLED;
	load_clusters(app);
	reset_capture(app, r->activity);
	c->note = r->id;
	c->version = r->version;
	c->site = r->site;
	snprintf(c->site_code, sizeof(c->site_code), "%s", r->site_code);
	snprintf(c->source, sizeof(c->source), "%s", r->source);
	snprintf(c->valence, sizeof(c->valence), "%s", r->valence);
	snprintf(c->draft_key, sizeof(c->draft_key), "note:%s", r->uuid);
	snprintf(c->tags_key, sizeof(c->tags_key), "note:%s:tags", r->uuid);
	for (int i = 0; i < nclusters; i++)
		if (cluster_in(r->clusters, clusters[i].value))
			toggle_cluster(clusters[i].id);
	text = draft_load(app->db, c->draft_key, app->user);
	if ((tags = draft_load(app->db, c->tags_key, app->user))) {
		c->nclusters = 0;
		restore_tags(app, tags);
	}
	c->ed = editor_new(text ? text : r->text);
	editor_end(c->ed);
	ev.mode = MODE_CAPTURE;
	ui_message("%s note %lld: ^X or F2 saves, Esc keeps a draft.", text ? "Restored your edit of" : "Editing",
		   (long long)r->id);
	free(text);
	free(tags);
	return UI_DIRTY;
}

static void
close_capture(void)
{
	editor_free(ev.cap_.ed);
	ev.cap_.ed = NULL;
	clear_conflict();
	ev.mode = MODE_LIST;
}

static int
save_new(struct app *app)
{
	struct capture *c = &ev.cap_;
	struct note_input in = { .site = c->site, .activity = c->act.id, .source = c->source,
		.valence = c->valence, .text = editor_text(c->ed), .nclusters = c->nclusters };
	int64_t id;
	int rc;

	memcpy(in.cluster, c->cluster, c->nclusters * sizeof(c->cluster[0]));
	if ((rc = evidence_add(app->db, app->review, app->user, &in, &id)) != QREL_OK)
		return rc;
	ui_message("Saved note %lld at %s (%s). Next note:", (long long)id, c->site_code,
		   c->nclusters ? c->code[0] : "");
	draft_clear(app->db, c->draft_key, app->user);
	draft_clear(app->db, c->tags_key, app->user);
	reset_capture(app, c->act.id);
	c->ed = editor_new("");
	return QREL_OK;
}

/* "10:02" from "2026-03-02T10:02:00Z". */
static void
clock_of(const char *at, char *out, size_t size)
{
	if (strlen(at) >= 16 && at[10] == 'T')
		snprintf(out, size, "%.5s", at + 11);
	else
		snprintf(out, size, "%s", at);
}

/* Someone changed the note while the user typed: theirs stays, the user's text
 * stays in the editor and the draft, and both are shown. */
static void
hold_conflict(struct app *app, struct evidence_note *now)
{
	struct capture *c = &ev.cap_;
	bool kept = save_draft(app);
	char when[32];

	clear_conflict();
	c->conflict = true;
	c->theirs = *now;
	now->text = NULL;	/* moved, not copied */
	clock_of(c->theirs.changed_at, when, sizeof(when));
	ui_error("%s changed this note%s%s while you were typing: yours is %s; both are shown",
		 c->theirs.changed_by, *when ? " at " : "", when,
		 kept ? "kept as a draft" : "only on screen (no draft could be written)");
}

static int
save_edit(struct app *app)
{
	struct capture *c = &ev.cap_;
	struct evidence_note now;
	int rc;

	rc = evidence_edit_expect(app->db, app->review, app->user, c->note, editor_text(c->ed), c->valence,
				  c->cluster, c->nclusters, c->version, &now);
	if (rc == QREL_CONFLICT)
		hold_conflict(app, &now);
	free(now.text);
	if (rc != QREL_OK)
		return rc;
	ui_message("Note %lld saved.", (long long)c->note);
	draft_clear(app->db, c->draft_key, app->user);
	draft_clear(app->db, c->tags_key, app->user);
	close_capture();
	if (ev.view.text && ev.view.id == c->note) {
		free(ev.view.text);
		ev.view.text = NULL;
		if (evidence_get(app->db, app->review, c->note, &ev.view) == QREL_OK)
			ev.mode = MODE_VIEW;
	}
	return QREL_OK;
}

static void open_prompt(struct app *app, enum prompt_kind kind, const char *field, const char *title);

/* A refused save (a full disk, a lock): the capture stays open with the text,
 * and the draft keeps it when that can still be written; the status line says which. */
static void
keep_unsaved(struct app *app, int rc)
{
	const char *what = rc == QREL_FULL ? "Disk full: note not saved" : "Not saved";
	char *why = xstrdup(error_message());

	if (save_draft(app))
		ui_error("%s (your draft is kept): %s", what, why);
	else
		ui_error("%s, nor its draft: your text is only on screen. %s", what, why);
	free(why);
}

static int
save_capture(struct app *app)
{
	struct capture *c = &ev.cap_;
	int rc;

	if (c->nclusters == 0) {
		ui_error("Tag at least one cluster first (^T).");
		open_prompt(app, PR_TAG, "cluster", "Tag cluster");
		return UI_DIRTY;
	}
	rc = c->note ? save_edit(app) : save_new(app);
	if (rc != QREL_OK && rc != QREL_CONFLICT)
		keep_unsaved(app, rc);
	restart_list(app);
	return UI_DIRTY;
}

/* y: the user's text over theirs, knowingly (the change log keeps both). */
static int
keep_mine(struct app *app)
{
	struct capture *c = &ev.cap_;
	char who[128];

	snprintf(who, sizeof(who), "%s", c->theirs.changed_by);
	c->version = c->theirs.version;
	clear_conflict();
	save_capture(app);
	if (ev.mode != MODE_CAPTURE)
		ui_message("Your note replaced %s's; the change log keeps both.", who);
	return UI_DIRTY;
}

/* t: theirs stays, the user's draft goes. */
static int
take_theirs(struct app *app)
{
	struct capture *c = &ev.cap_;
	char who[128];

	snprintf(who, sizeof(who), "%s", c->theirs.changed_by);
	draft_clear(app->db, c->draft_key, app->user);
	draft_clear(app->db, c->tags_key, app->user);
	close_capture();
	restart_list(app);
	ui_message("Kept %s's note; your draft is discarded.", who);
	return UI_DIRTY;
}

static int
conflict_key(struct app *app, int key)
{
	switch (key) {
	case 'y': return keep_mine(app);
	case 't': return take_theirs(app);
	case 'e': case ESC:
		/* Back to the text: saving it now replaces theirs knowingly. */
		ev.cap_.version = ev.cap_.theirs.version;
		clear_conflict();
		return UI_DIRTY;
	default: return UI_HANDLED;
	}
}

static int
cycle_valence(struct app *app)
{
	struct capture *c = &ev.cap_;
	const char *next = strcmp(c->valence, "neutral") == 0 ? "strength"
			 : strcmp(c->valence, "strength") == 0 ? "growth" : "neutral";

	snprintf(c->valence, sizeof(c->valence), "%s", next);
	save_draft(app);
	return UI_DIRTY;
}

/* Ctrl-E: the note's text in $VISUAL or $EDITOR; it comes back into the
 * inline editor (and its draft), where Ctrl-X saves it as usual. */
static int
external_note(struct app *app)
{
	char *out = NULL;
	struct editor *ed;

	if (ui_external_edit(editor_text(ev.cap_.ed), &out) != QREL_OK) {
		ui_error("Note unchanged: %s.", error_message());
		return UI_DIRTY | UI_HEADER;
	}
	if ((ed = editor_new(out))) {
		editor_free(ev.cap_.ed);
		ev.cap_.ed = ed;
		editor_end(ed);
		save_draft(app);
		ui_message("Text back from %s: ^X saves the note.", external_editor_command());
	}
	free(out);
	return UI_DIRTY | UI_HEADER;	/* the whole terminal was the editor's */
}

static int
capture_key(struct app *app, enum action a, int key)
{
	if (ev.cap_.conflict)
		return conflict_key(app, key);
	switch (a) {
	case ACT_NOTE_SAVE: return save_capture(app);
	case ACT_NOTE_VALENCE: return cycle_valence(app);
	case ACT_NOTE_TAG: open_prompt(app, PR_TAG, "cluster", "Tag cluster (again to untag)"); return UI_DIRTY;
	case ACT_NOTE_ACTIVITY:
		if (ev.cap_.note) {
			ui_error("An edited note keeps its activity.");
			return UI_HANDLED;
		}
		open_prompt(app, PR_ACTIVITY, "activity", "Activity");
		return UI_DIRTY;
	default: break;
	}
	if (key == ESC) {
		save_draft(app);
		close_capture();
		ui_message("Draft kept: press %s to go on with it.", ev.cap_.note ? "e on the note" : "a");
		return UI_DIRTY;
	}
	if (key == KEY_F(1))
		return UI_UNHANDLED;	/* the help overlay */
	if (key == KEY_CTRL('E'))
		return external_note(app);
	switch (editor_key(ev.cap_.ed, key)) {
	case EDITOR_DONE: return save_capture(app);
	case EDITOR_CHANGED: save_draft(app); return UI_DIRTY;
	case EDITOR_MOVED: return UI_DIRTY;
	default: return UI_HANDLED;	/* the editor owns the keyboard */
	}
}

/* Draws text wrapped into rows rows from y; an empty text says so. */
static void
draw_block(WINDOW *win, int y, int rows, int width, const char *text)
{
	const char *next;
	size_t len;

	if (!text || !*text)
		ui_text(win, y, 2, width - 2, "(empty)", ui_attr(UI_DIM));
	for (const char *p = text; p && *p && rows > 0; p = next, rows--) {
		char line[1024];

		next = text_wrap(p, width - 2, &len);
		len = len < sizeof(line) ? len : sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		ui_text(win, y++, 2, width - 2, line, A_NORMAL);
	}
}

/* A refused save: theirs above, the user's below, with what each key does. */
static void
draw_both(WINDOW *win, int y, int height, int width)
{
	const struct capture *c = &ev.cap_;
	int half = (height - 2) / 2;
	char head[300], when[32];

	clock_of(c->theirs.changed_at, when, sizeof(when));
	snprintf(head, sizeof(head), "Theirs (saved): %s%s%s, %s", c->theirs.changed_by, *when ? " at " : "", when,
		 c->theirs.valence);
	ui_text(win, y, 0, width, head, A_BOLD);
	draw_block(win, y + 1, half - 1, width, c->theirs.text);
	ui_hline(win, y + half, 0, width);
	ui_text(win, y + half + 1, 0, width, "Yours (a draft, not saved):", A_BOLD);
	draw_block(win, y + half + 2, height - half - 2, width, editor_text(c->ed));
	draw_hint(win, "y keep yours  t take theirs  e/Esc back to your text");
}

static void
draw_capture(struct app *app, WINDOW *win)
{
	struct capture *c = &ev.cap_;
	char line[800], tags[EVIDENCE_MAX_CLUSTERS * 17] = "";
	size_t used = 0;
	int h = getmaxy(win) - HEAD_ROWS - 1;

	for (size_t i = 0; i < c->nclusters && used < sizeof(tags); i++)
		used += (size_t)snprintf(tags + used, sizeof(tags) - used, "%s%s", i ? " " : "", c->code[i]);
	if (c->note)
		snprintf(line, sizeof(line), "Editing note %lld  site %s  %s", (long long)c->note, c->site_code, c->source);
	else
		snprintf(line, sizeof(line), "New note  site %s  %s  %s  %s", c->site_code, c->source,
			 c->act.id ? c->act.held_at : "(no activity)", c->act.description);
	ui_text(win, 0, 0, getmaxx(win), line, A_BOLD);
	snprintf(line, sizeof(line), "Clusters: %s   Valence: %s %s", *tags ? tags : "(none: ^T)",
		 valence_mark(app, c->valence), c->valence);
	ui_text(win, 1, 0, getmaxx(win), line, A_NORMAL);
	ui_hline(win, 2, 0, getmaxx(win));
	if (c->conflict) {
		draw_both(win, HEAD_ROWS, h, getmaxx(win) - 1);
		return;
	}
	editor_draw(c->ed, win, HEAD_ROWS, 0, h, getmaxx(win) - 1);
	draw_hint(win, "^X/F2 save+next  ^T tag  ^G valence  ^P activity  Esc keep draft  F1 help");
}

/* ---- prompts with type-ahead ---- */

static void
close_prompt(void)
{
	free(ev.pr.choice);
	free(ev.pr.match);
	memset(&ev.pr, 0, sizeof(ev.pr));
}

/* A choice matches when its value starts with the input or its label contains it. */
static void
filter_choices(void)
{
	struct prompt *p = &ev.pr;
	size_t n = strlen(p->input);

	p->nmatch = 0;
	for (int i = 0; i < p->nchoice; i++)
		if (!n || strncasecmp(p->choice[i].value, p->input, n) == 0 || strcasestr(p->choice[i].label, p->input))
			p->match[p->nmatch++] = i;
	if (p->sel >= p->nmatch)
		p->sel = p->nmatch ? p->nmatch - 1 : 0;
}

static void
field_choices(struct prompt *p)
{
	int n = 0;

	while (filter_fields[n])
		n++;
	p->choice = calloc((size_t)n, sizeof(*p->choice));
	for (int i = 0; p->choice && i < n; i++) {
		snprintf(p->choice[i].value, sizeof(p->choice[i].value), "%s", filter_fields[i]);
		snprintf(p->choice[i].label, sizeof(p->choice[i].label), "%s", filter_fields[i]);
	}
	p->nchoice = p->choice ? n : 0;
}

static void
open_prompt(struct app *app, enum prompt_kind kind, const char *field, const char *title)
{
	struct prompt *p = &ev.pr;

	close_prompt();
	p->kind = kind;
	snprintf(p->title, sizeof(p->title), "%s", title);
	snprintf(p->field, sizeof(p->field), "%s", field ? field : "");
	if (kind == PR_FIELD)
		field_choices(p);
	else if (field && strcmp(field, "from") && strcmp(field, "to") && strcmp(field, "search") &&
		 evidence_choices(app->db, app->review, field, &p->choice, &p->nchoice) != QREL_OK)
		ui_error("%s", error_message());
	p->match = calloc((size_t)p->nchoice + 1, sizeof(*p->match));
	filter_choices();
}

static void
apply_filter(struct app *app, const char *field, const char *value)
{
	if (evidence_filter_set(app->db, app->review, &ev.f, field, value) != QREL_OK)
		ui_error("%s", error_message());
	if (ev.mode == MODE_VIEW)
		close_view();
	restart_list(app);
}

/* The chosen value: the highlighted candidate, or what was typed when nothing matches. */
static const struct evidence_choice *
prompt_pick(void)
{
	struct prompt *p = &ev.pr;

	return p->nmatch && (*p->input || p->kind == PR_FIELD) ? &p->choice[p->match[p->sel]] : NULL;
}

static void
accept_value(struct app *app, const struct evidence_choice *c)
{
	struct prompt *p = &ev.pr;
	char field[64];

	if (p->kind == PR_TAG && c) {
		toggle_cluster(c->id);
		save_draft(app);
	} else if (p->kind == PR_ACTIVITY && c) {
		set_activity(app, c->id);
		save_draft(app);
	} else if (p->kind == PR_SEARCH) {
		apply_filter(app, "search", p->input);
	} else if (p->kind == PR_VALUE) {
		snprintf(field, sizeof(field), "%s", p->field);
		apply_filter(app, field, c ? c->value : p->input);
	}
}

static int
accept_prompt(struct app *app)
{
	const struct evidence_choice *c = prompt_pick();
	char field[64], title[96];

	if (ev.pr.kind == PR_FIELD) {
		if (!c)
			return UI_HANDLED;
		if (strcmp(c->value, "clear all") == 0) {
			reset_filter();
			close_prompt();
			restart_list(app);
			return UI_DIRTY;
		}
		snprintf(field, sizeof(field), "%s", c->value);
		snprintf(title, sizeof(title), "Filter %s (empty clears)", field);
		open_prompt(app, PR_VALUE, field, title);
		return UI_DIRTY;
	}
	accept_value(app, c);
	close_prompt();
	return UI_DIRTY;
}

static void
prompt_type(int key)
{
	struct prompt *p = &ev.pr;
	unsigned c = (unsigned)key & ~(unsigned)UI_KEY_CHAR;
	size_t n = strlen(p->input);
	char buf[5] = "";

	if (c < 0x80)
		buf[0] = (char)c;
	else if (c < 0x800)
		snprintf(buf, sizeof(buf), "%c%c", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
	else if (c < 0x10000)
		snprintf(buf, sizeof(buf), "%c%c%c", 0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
	if (*buf && n + strlen(buf) < sizeof(p->input))
		memcpy(p->input + n, buf, strlen(buf) + 1);
	filter_choices();
}

static void
prompt_erase(void)
{
	size_t n = strlen(ev.pr.input);

	while (n > 0 && ((unsigned char)ev.pr.input[--n] & 0xc0) == 0x80)
		;
	ev.pr.input[n] = '\0';
	filter_choices();
}

static int
prompt_key(struct app *app, int key)
{
	struct prompt *p = &ev.pr;

	switch (key) {
	case ESC: close_prompt(); return UI_DIRTY;
	case '\r': case '\n': case KEY_ENTER: return accept_prompt(app);
	case KEY_BACKSPACE: case 127: case KEY_CTRL('H'): prompt_erase(); return UI_DIRTY;
	case KEY_UP: case KEY_CTRL('P'): p->sel -= p->sel > 0; return UI_DIRTY;
	case KEY_DOWN: case KEY_CTRL('N'): p->sel += p->sel + 1 < p->nmatch; return UI_DIRTY;
	case '\t':
		if (p->nmatch)
			snprintf(p->input, sizeof(p->input), "%s", p->choice[p->match[p->sel]].value);
		filter_choices();
		return UI_DIRTY;
	default: break;
	}
	if ((key & UI_KEY_CHAR) || (key >= 0x20 && key != 127 && (key < KEY_MIN || key > KEY_MAX)))
		prompt_type(key);
	return UI_DIRTY;
}

static void
draw_prompt(WINDOW *win)
{
	struct prompt *p = &ev.pr;
	int y = getmaxy(win) - 1, w = getmaxx(win), shown = p->nmatch < PROMPT_ROWS ? p->nmatch : PROMPT_ROWS;
	int first = p->sel >= shown ? p->sel - shown + 1 : 0;
	char line[EVIDENCE_QUERY_MAX + 80];

	for (int i = 0; i < shown; i++) {
		const struct evidence_choice *c = &p->choice[p->match[first + i]];

		ui_text(win, y - shown + i, 0, w, c->label, first + i == p->sel ? ui_attr(UI_SELECTED) : A_NORMAL);
	}
	snprintf(line, sizeof(line), "%s: %s", p->title, p->input);
	ui_text(win, y, 0, w, line, A_BOLD);
	ui_text(win, y, text_width(line) < w - 1 ? text_width(line) : w - 1, 1, " ", A_REVERSE);
}

/* ---- list and note keys ---- */

static int
move_selection(struct app *app, WINDOW *win, enum action a)
{
	int rows = list_rows(win), shown = ev.npage < rows ? ev.npage : rows;
	bool more = ev.npage > rows;

	switch (a) {
	case ACT_UP:
		if (ev.sel > 0)
			ev.sel--;
		else if (ev.depth > 0)
			ev.depth--, ev.stale = true;
		break;
	case ACT_DOWN:
		if (ev.sel + 1 < shown)
			ev.sel++;
		else if (more && push_top(&ev.page[0]))
			ev.stale = true;
		break;
	case ACT_PAGE_DOWN:
		if (more && push_top(&ev.page[rows - 1]))
			ev.stale = true;
		else
			ev.sel = shown ? shown - 1 : 0;
		break;
	case ACT_PAGE_UP:
		ev.depth = ev.depth > 0 ? ev.depth - 1 : 0;
		ev.stale = true;
		ev.sel = ev.depth ? ev.sel : 0;
		break;
	case ACT_HOME: ev.depth = 0; ev.sel = 0; ev.stale = true; break;
	case ACT_END: ev.sel = shown ? shown - 1 : 0; break;
	default: return UI_UNHANDLED;
	}
	UNUSED(app);
	return UI_DIRTY;
}

static int
delete_note(struct app *app, WINDOW *win)
{
	const struct evidence_note *r = current(win);

	if (!r)
		return UI_HANDLED;
	if (evidence_delete(app->db, app->review, app->user, r->id) != QREL_OK) {
		ui_error("Not deleted: %s", error_message());
		return UI_HANDLED;
	}
	ev.undo = r->id;
	ui_message("Deleted note %lld: u brings it back.", (long long)r->id);
	if (ev.mode == MODE_VIEW)
		close_view();
	refresh_list(app);
	return UI_DIRTY;
}

static int
undo_delete(struct app *app)
{
	if (!ev.undo) {
		ui_error("Nothing to undo.");
		return UI_HANDLED;
	}
	if (evidence_undelete(app->db, app->review, app->user, ev.undo) != QREL_OK) {
		ui_error("Not restored: %s", error_message());
		return UI_HANDLED;
	}
	ui_message("Note %lld is back.", (long long)ev.undo);
	ev.undo = 0;
	refresh_list(app);
	return UI_DIRTY;
}

/* To the rubric at the note's site, on its first cluster. */
static int
jump_rubric(struct app *app, WINDOW *win)
{
	const struct evidence_note *r = current(win);
	int64_t cluster, site;

	if (!r)
		return UI_HANDLED;
	cluster = r->first_cluster;
	site = r->site;
	if (ev.mode == MODE_VIEW)
		close_view();
	ui_set_site(app, site);
	app->focus_cluster = cluster;
	ui_switch(&rubric_screen);
	return UI_DIRTY | UI_HEADER;
}

/* A note starts an objective in the action plan, cited by its root cause. */
static int
plan_from_note(struct app *app, WINDOW *win)
{
	const struct evidence_note *r = current(win);
	int64_t objective = 0;

	if (!r)
		return UI_HANDLED;
	if (plan_objective_from_note(app->db, app->review, app->user, r->id, &objective) != QREL_OK)
		ui_error("%s", error_message());
	else
		ui_message("Objective %lld started in the action plan from this note: press A to see it.",
			   (long long)objective);
	return UI_DIRTY;
}

static int
note_key(struct app *app, WINDOW *win, enum action a)
{
	switch (a) {
	case ACT_NOTE_ADD: return start_new(app);
	case ACT_EDIT: return start_edit(app, current(win));
	case ACT_NOTE_DELETE: return delete_note(app, win);
	case ACT_NOTE_UNDO: return undo_delete(app);
	case ACT_FILTER: open_prompt(app, PR_FIELD, NULL, "Filter by"); return UI_DIRTY;
	case ACT_SEARCH:
		open_prompt(app, PR_SEARCH, "search", "Search (words, \"a phrase\", prefix*)");
		snprintf(ev.pr.input, sizeof(ev.pr.input), "%s", ev.f.query);
		return UI_DIRTY;
	case ACT_FILTER_CLEAR:
		reset_filter();
		if (ev.mode == MODE_VIEW)
			close_view();
		restart_list(app);
		return UI_DIRTY;
	case ACT_JUMP_RUBRIC: return jump_rubric(app, win);
	case ACT_PLAN_FROM_FINDING: return plan_from_note(app, win);
	default: return UI_UNHANDLED;
	}
}

static int
view_key(struct app *app, WINDOW *win, enum action a)
{
	switch (a) {
	case ACT_BACK: case ACT_ENTER: close_view(); return UI_DIRTY;
	case ACT_UP: ev.view_top -= ev.view_top > 0; return UI_DIRTY;
	case ACT_DOWN: ev.view_top++; return UI_DIRTY;
	case ACT_HOME: ev.view_top = 0; return UI_DIRTY;
	default: return note_key(app, win, a);
	}
}

static int
evidence_key(struct app *app, WINDOW *win, enum action a, int key)
{
	int r;

	if (ev.pr.kind != PR_NONE)
		return prompt_key(app, key);
	if (ev.mode == MODE_CAPTURE)
		return capture_key(app, a, key);
	if (ev.mode == MODE_VIEW)
		return view_key(app, win, a);
	if (a == ACT_ENTER)
		return open_view(app, win);
	if ((r = note_key(app, win, a)) != UI_UNHANDLED)
		return r;
	return move_selection(app, win, a);
}

/* ---- screen ---- */

static void
evidence_draw(struct app *app, WINDOW *win)
{
	/* The cursor is hidden: leave it wherever the update ends rather than sending a
	 * move back to the window's cursor after every key. */
	leaveok(win, TRUE);
	werase(win);
	if (ev.mode == MODE_CAPTURE && ev.cap_.ed)
		draw_capture(app, win);
	else if (ev.mode == MODE_VIEW && ev.view.text)
		draw_view(win);
	else
		draw_list(app, win);
	if (ev.pr.kind != PR_NONE)
		draw_prompt(win);
}

/* A site switch changes nothing here (the filter names its site); only a write does. */
static void
evidence_reload(struct app *app)
{
	if (db_generation(app->db) != ev.generation)
		refresh_list(app);
}

/* From the rubric (app->focus_cluster set): that cluster's notes at the current site. */
static void
evidence_enter(struct app *app)
{
	char *draft;

	if (!ev.f.rank_window)
		ev.f.rank_window = EVIDENCE_RANK_WINDOW;
	if (app->focus_cluster > 0) {
		reset_filter();
		evidence_filter_set(app->db, app->review, &ev.f, "site", app->site_code);
		ev.f.cluster = app->focus_cluster;
		load_clusters(app);
		str_copy(ev.f.cluster_code, sizeof(ev.f.cluster_code), cluster_code(app->focus_cluster));
		app->focus_cluster = 0;
	}
	ev.mode = MODE_LIST;
	restart_list(app);
	if ((draft = draft_load(app->db, DRAFT_NEW, app->user)) && *draft)
		ui_message("You have an unsaved note: press a to go on with it.");
	free(draft);
}

static void
evidence_leave(struct app *app)
{
	if (ev.mode == MODE_CAPTURE && ev.cap_.ed)
		save_draft(app);
	close_capture();
	close_view();
	close_prompt();
	free_page();
	free(ev.page);
	ev.page = NULL;
	ev.cap = 0;
	free(ev.tops);
	ev.tops = NULL;
	ev.ntops = ev.depth = 0;
	free(clusters);
	clusters = NULL;
	nclusters = 0;
}

static const struct keybinding evidence_keys[] = {
	{ 'a', ACT_NOTE_ADD }, { 'e', ACT_EDIT }, { 'd', ACT_NOTE_DELETE }, { 'u', ACT_NOTE_UNDO },
	{ 'f', ACT_FILTER }, { 'F', ACT_FILTER_CLEAR }, { '/', ACT_SEARCH }, { 'r', ACT_JUMP_RUBRIC },
	{ 'p', ACT_PLAN_FROM_FINDING },
	{ KEY_F(2), ACT_NOTE_SAVE }, { KEY_CTRL('X'), ACT_NOTE_SAVE }, { KEY_CTRL('T'), ACT_NOTE_TAG },
	{ KEY_CTRL('G'), ACT_NOTE_VALENCE }, { KEY_CTRL('P'), ACT_NOTE_ACTIVITY }, { KEY_CTRL('E'), ACT_EXTERNAL_EDIT },
};

const struct screen_ops evidence_screen = {
	.name = "evidence",
	.keys = evidence_keys,
	.nkeys = ARRAY_SIZE(evidence_keys),
	.enter = evidence_enter,
	.leave = evidence_leave,
	.draw = evidence_draw,
	.key = evidence_key,
	.reload = evidence_reload,
};
