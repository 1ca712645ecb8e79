/* evidence.c: evidence notes: a keyset-paged list with filters and ranked search, one note
 * in full, and capture with the inline editor, cluster tags, valence and drafts. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/document.h"
#include "qrel/db.h"
#include "qrel/edit_session.h"
#include "qrel/editor.h"
#include "qrel/external_editor.h"
#include "qrel/gate.h"
#include "qrel/picker.h"
#include "qrel/plan.h"
#include "qrel/evidence.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#include <ctype.h>
#include <strings.h>

#define HEAD_ROWS 3		/* filter line, column heading, rule */
#define DRAFT_NEW "note:new"
#define DRAFT_NEW_TAGS "note:new:tags"

enum mode { MODE_LIST, MODE_VIEW, MODE_CAPTURE };
enum prompt_kind { PR_NONE, PR_FIELD, PR_VALUE, PR_SEARCH, PR_TAG, PR_ACTIVITY, PR_NEW_SOURCE, PR_NEW_ACTIVITY, PR_GROUP, PR_ACT_GROUP };

struct capture {
	struct editor *ed;
	int64_t note;			/* 0: a new note; else the note being edited */
	struct edit_session es;		/* the drafts (text, tags) and a refused save */
	struct activity_row act;	/* act.id 0: none */
	int64_t site;
	char site_code[32], source[24], valence[12];
	int64_t cluster[EVIDENCE_MAX_CLUSTERS];
	char code[EVIDENCE_MAX_CLUSTERS][16];
	size_t nclusters;
	char voices[VOICE_LIST_MAX];	/* the note's own stakeholder groups; "": its activity's */
	char voices_was[VOICE_LIST_MAX];	/* an edited note's, when editing began */
	char act_voices[VOICE_LIST_MAX];	/* the activity's groups */
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
	char view_docs[400];		/* the documents it cites (document_cited_by) */
	int view_top;
	struct capture cap_;
	struct picker pr;		/* pr.tag: an enum prompt_kind */
	char pr_field[64];		/* the filter field a PR_VALUE prompt sets */
	int64_t undo;
	int64_t focus;			/* a note the list selects when it is read next */
	/* What the next new note starts with: the last saved note's tags and valence. */
	struct {
		char valence[12];
		int64_t cluster[EVIDENCE_MAX_CLUSTERS];
		size_t n;
	} carry;			/* the last note deleted here */
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
	for (int i = 0; ev.focus && i < ev.npage && i < rows; i++)
		if (ev.page[i].id == ev.focus)
			ev.sel = i;
	ev.focus = 0;
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

/* No filter at all. */
static void
reset_filter(void)
{
	memset(&ev.f, 0, sizeof(ev.f));
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

/* Hint lines come from the key table: a key that changes changes its hint. */
static const enum action list_hints[] = { ACT_ENTER, ACT_NOTE_ADD, ACT_EDIT, ACT_NOTE_DELETE, ACT_NOTE_UNDO,
	ACT_FILTER, ACT_FILTER_CLEAR, ACT_SEARCH, ACT_SEARCH_ORDER, ACT_JUMP_RUBRIC, ACT_PLAN_FROM_FINDING };
static const enum action view_hints[] = { ACT_BACK, ACT_EDIT, ACT_NOTE_DELETE, ACT_JUMP_RUBRIC,
	ACT_PLAN_FROM_FINDING };
/* '?' types text here: the rest (^E $EDITOR, F1 help) is in the opening message and F1. */
static const enum action capture_hints[] = { ACT_NOTE_SAVE, ACT_NOTE_TAG, ACT_NOTE_VALENCE, ACT_NOTE_ACTIVITY,
	ACT_NOTE_GROUPS, ACT_NOTE_CLEAR, ACT_CANCEL };

static void
draw_hint(WINDOW *win, const enum action *acts, size_t n)
{
	ui_hint_line(win, acts, n);
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

/* "12 notes", "2,000+ notes", "2,000+ notes, latest added first": a search's order. */
static void
describe_total(char *buf, size_t size)
{
	char count[32];
	const struct evidence_total *t = &ev.total;

	group_digits(t->count, count, sizeof(count));
	snprintf(buf, size, "%s%s note%s%s", count, t->more ? "+" : "", t->count == 1 && !t->more ? "" : "s",
		 !*ev.f.query ? "" : ev.f.by_relevance ? ", best match first" : ", latest added first");
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
	draw_hint(win, list_hints, ARRAY_SIZE(list_hints));
}

/* ---- one note in full ---- */

static char view_voices[VOICE_LIST_MAX + 32];	/* whose voice the note shown carries */

static void
load_view_voices(struct app *app)
{
	char list[VOICE_LIST_MAX];
	bool own;

	view_voices[0] = '\0';
	if (voice_note_carries(app->db, ev.view.id, list, sizeof(list), &own) == QREL_OK && *list)
		snprintf(view_voices, sizeof(view_voices), "%s%s", list, own ? "" : " (the activity's)");
}

static void
view_header(WINDOW *win, const struct evidence_note *r, int *y)
{
	char line[1400];

	snprintf(line, sizeof(line), "Note %lld  %s  site %s  %s  by %s  %s", (long long)r->id, r->created_at,
		 r->site_code, r->source, r->author, r->valence);
	ui_text(win, (*y)++, 0, getmaxx(win), line, A_BOLD);
	snprintf(line, sizeof(line), "Clusters: %s%s%s   Voices: %s", r->clusters, *r->subgroups ? "   Subgroups: " : "",
		 r->subgroups, *view_voices ? view_voices : "none recorded");
	ui_text(win, (*y)++, 0, getmaxx(win), line, A_NORMAL);
	if (*ev.view_docs) {
		snprintf(line, sizeof(line), "Documents: %s", ev.view_docs);
		ui_text(win, (*y)++, 0, getmaxx(win), line, A_NORMAL);
	}
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
	draw_hint(win, view_hints, ARRAY_SIZE(view_hints));
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
	load_view_voices(app);
	if (document_cited_by(app->db, r->id, ev.view_docs, sizeof(ev.view_docs)) != QREL_OK)
		ui_error("%s", error_message());
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

	struct voice_activity va;

	memset(&c->act, 0, sizeof(c->act));
	c->act_voices[0] = '\0';
	if (id > 0 && voice_activity_get(app->db, id, &va) == QREL_OK)
		str_copy(c->act_voices, sizeof(c->act_voices), va.groups);
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

/* The tags travel with the text in a second draft: "activity valence id,id,...
 * voices=group,group" (drafts kept before groups were added end after the ids).
 * False (and the status line says so) when it could not be written. */
static bool
save_draft(struct app *app)
{
	struct capture *c = &ev.cap_;
	char tags[EVIDENCE_MAX_CLUSTERS * 21 + 64 + VOICE_LIST_MAX];
	size_t used;

	used = (size_t)snprintf(tags, sizeof(tags), "%lld %s ", (long long)c->act.id, c->valence);
	for (size_t i = 0; i < c->nclusters && used < sizeof(tags); i++)
		used += (size_t)snprintf(tags + used, sizeof(tags) - used, "%s%lld", i ? "," : "",
					 (long long)c->cluster[i]);
	if (used < sizeof(tags))
		snprintf(tags + used, sizeof(tags) - used, " voices=%s", c->voices);
	if (edit_session_keep(&c->es, app->db, app->user, editor_text(c->ed), tags) != QREL_OK) {
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
	const char *ids, *voices;

	if (sscanf(tags, "%lld %11s %n", &act, valence, &n) < 2)
		return;
	set_activity(app, act);
	if (strcmp(valence, "strength") == 0 || strcmp(valence, "growth") == 0)
		snprintf(c->valence, sizeof(c->valence), "%s", valence);
	ids = tags + n;
	for (const char *p = ids; isdigit((unsigned char)*p); p += strcspn(p, ", "), p += *p == ',') {
		long long id = strtoll(p, NULL, 10);

		if (id > 0)
			toggle_cluster(id);
	}
	if ((voices = strstr(tags, " voices=")))
		str_copy(c->voices, sizeof(c->voices), voices + strlen(" voices="));
}

static void
clear_conflict(void)
{
	edit_session_end_conflict(&ev.cap_.es);
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
	c->voices[0] = c->voices_was[0] = '\0';
	snprintf(c->valence, sizeof(c->valence), "neutral");
	edit_session_begin(&c->es, DRAFT_NEW, DRAFT_NEW_TAGS, 0);
	set_activity(app, activity);
}

/* The site of a list filtered to one where the user may write a note (the gate's
 * rule, read only), else 0. */
static int64_t
filter_site_writable(struct app *app)
{
	struct gate_actor actor;
	struct gate_write w = { .what = GATE_NOTE, .site = ev.f.site };

	if (ev.f.site <= 0 || gate_actor(app->db, app->review, app->user, &actor) != QREL_OK ||
	    gate_check(app->db, app->review, &actor, &w) != QREL_OK)
		return 0;
	return ev.f.site;
}

/* The activity a new note starts from: the user's last one, or the newest at the
 * screen's site when they have none. In a list filtered to a site where the user
 * may write, the user's last one there, else the site's newest, else none and the
 * note is at that site (*site). */
static int64_t
new_note_activity(struct app *app, int64_t *site)
{
	int64_t id = activity_last_used(app->db, app->review, app->user, (*site = filter_site_writable(app)));
	struct activity_row *rows;
	int n;

	if (id > 0)
		return id;
	id = 0;
	if (activity_list(app->db, app->review, *site ? *site : app->site, &rows, &n) == QREL_OK && n > 0)
		id = rows[0].id;
	free(rows);
	return id;
}

/* Is the note being captured tagged with the cluster? */
static bool
capture_has_cluster(int64_t id)
{
	for (size_t i = 0; i < ev.cap_.nclusters; i++)
		if (ev.cap_.cluster[i] == id)
			return true;
	return false;
}

/* The next note keeps the last one's tags and valence (^R clears them). */
static void
apply_carry(struct app *app)
{
	struct capture *c = &ev.cap_;

	UNUSED(app);
	if (*ev.carry.valence)
		str_copy(c->valence, sizeof(c->valence), ev.carry.valence);
	c->nclusters = 0;
	for (size_t i = 0; i < ev.carry.n; i++)
		toggle_cluster(ev.carry.cluster[i]);
}

/* A note begun in a list filtered to a cluster is tagged with it, so it is
 * listed where it was typed. True when that added a tag. */
static bool
tag_filter_cluster(void)
{
	if (ev.f.cluster <= 0 || capture_has_cluster(ev.f.cluster))
		return false;
	toggle_cluster(ev.f.cluster);
	return capture_has_cluster(ev.f.cluster);
}

static void
keep_carry(void)
{
	const struct capture *c = &ev.cap_;

	str_copy(ev.carry.valence, sizeof(ev.carry.valence), c->valence);
	memcpy(ev.carry.cluster, c->cluster, sizeof(c->cluster));
	ev.carry.n = c->nclusters;
}

/* ^R: this note starts bare again: no tags, neutral (the activity stays). */
static int
clear_tags(struct app *app)
{
	ev.cap_.nclusters = 0;
	str_copy(ev.cap_.valence, sizeof(ev.cap_.valence), "neutral");
	memset(&ev.carry, 0, sizeof(ev.carry));
	save_draft(app);
	ui_message("Tags and valence cleared; the activity stays (^P changes it).");
	return UI_DIRTY;
}

static int
start_new(struct app *app)
{
	char *text, *tags;
	int64_t site;
	bool from_filter;

	if (app->readonly || app->person <= 0) {
		ui_error(app->readonly ? "The database is read-only: no note can be saved."
				       : "%s is not a member of this review: no note can be saved.", app->user);
		return UI_HANDLED;
	}
	load_clusters(app);
	reset_capture(app, new_note_activity(app, &site));
	if (!ev.cap_.act.id && site > 0) {
		ev.cap_.site = site;
		str_copy(ev.cap_.site_code, sizeof(ev.cap_.site_code), ev.f.site_code);
	}
	apply_carry(app);
	text = edit_session_restore(&ev.cap_.es, app->db, app->user, &tags);
	/* A draft without text is no note: the new one starts as above. */
	if (tags && text && *text) {
		ev.cap_.nclusters = 0;
		restore_tags(app, tags);
	}
	from_filter = !(text && *text) && tag_filter_cluster();
	ev.cap_.ed = editor_new(text ? text : "");
	editor_end(ev.cap_.ed);
	ev.mode = MODE_CAPTURE;
	if (text && *text)
		ui_message("Restored your unsaved note. ^X or F2 saves, Esc keeps it as a draft.");
	else if (from_filter)
		ui_message("New note, tagged %s as the list is: type, ^T changes tags, ^X or F2 saves, F1 lists keys.",
			   ev.f.cluster_code);
	else
		ui_message("New note: type, ^T tags a cluster, ^G sets the valence, ^X or F2 saves, F1 lists keys.");
	free(text);
	free(tags);
	return UI_DIRTY;
}

/* Is code one of the ';'-separated codes in list? */
static bool
cluster_in(const char *list, const char *code)
{
	return str_list_has(list, ';', code);
}

static int
start_edit(struct app *app, const struct evidence_note *r)
{
	struct capture *c = &ev.cap_;
	char *text, *tags, key[EDIT_SESSION_KEY], tags_key[EDIT_SESSION_KEY];

	if (!r)
		return UI_HANDLED;
	load_clusters(app);
	reset_capture(app, r->activity);
	c->note = r->id;
	c->site = r->site;
	snprintf(c->site_code, sizeof(c->site_code), "%s", r->site_code);
	snprintf(c->source, sizeof(c->source), "%s", r->source);
	snprintf(c->valence, sizeof(c->valence), "%s", r->valence);
	snprintf(key, sizeof(key), "note:%s", r->uuid);
	snprintf(tags_key, sizeof(tags_key), "note:%s:tags", r->uuid);
	edit_session_begin(&c->es, key, tags_key, r->version);
	if (voice_note_groups(app->db, r->id, c->voices, sizeof(c->voices)) != QREL_OK)
		ui_error("%s", error_message());
	str_copy(c->voices_was, sizeof(c->voices_was), c->voices);
	for (int i = 0; i < nclusters; i++)
		if (cluster_in(r->clusters, clusters[i].value))
			toggle_cluster(clusters[i].id);
	text = edit_session_restore(&c->es, app->db, app->user, &tags);
	if (tags) {
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
		.valence = c->valence, .text = editor_text(c->ed), .nclusters = c->nclusters,
		.voices = *c->voices ? c->voices : NULL };
	int64_t id;
	int rc;

	memcpy(in.cluster, c->cluster, c->nclusters * sizeof(c->cluster[0]));
	if ((rc = evidence_add(app->db, app->review, app->user, &in, &id)) != QREL_OK)
		return rc;
	ui_message("Saved note %lld at %s. The next keeps its activity, tags and valence (^R clears them).",
		   (long long)id, c->site_code);
	edit_session_discard(&c->es, app->db, app->user);
	keep_carry();
	editor_free(c->ed);
	c->ed = editor_new("");
	ev.focus = id;
	return QREL_OK;
}

/* Someone changed the note while the user typed: theirs stays, the user's text
 * stays in the editor and the draft, and both are shown. */
static void
hold_conflict(struct app *app, struct evidence_note *now)
{
	struct capture *c = &ev.cap_;
	bool kept = save_draft(app);

	edit_session_hold(&c->es, editor_text(c->ed), &now->text, now->changed_by, now->changed_at, now->version,
			  now->valence);
	edit_session_say_held(&c->es, "note", kept, "both are shown");
}

static int
save_edit(struct app *app)
{
	struct capture *c = &ev.cap_;
	struct evidence_note now;
	int rc;

	rc = evidence_edit_expect(app->db, app->review, app->user, c->note, editor_text(c->ed), c->valence,
				  c->cluster, c->nclusters, c->es.version, &now);
	if (rc == QREL_CONFLICT)
		hold_conflict(app, &now);
	free(now.text);
	if (rc == QREL_OK && strcmp(c->voices, c->voices_was) != 0)
		rc = voice_edit_note(app->db, app->review, app->user, c->note, c->voices);
	if (rc != QREL_OK)
		return rc;
	ui_message("Note %lld saved.", (long long)c->note);
	ev.focus = c->note;
	edit_session_discard(&c->es, app->db, app->user);
	close_capture();
	if (ev.view.text && ev.view.id == c->note) {
		free(ev.view.text);
		ev.view.text = NULL;
		if (evidence_get(app->db, app->review, c->note, &ev.view) == QREL_OK) {
			ev.mode = MODE_VIEW;
			load_view_voices(app);
		}
	}
	return QREL_OK;
}

static void open_prompt(struct app *app, enum prompt_kind kind, const char *field, const char *title);

/* A refused save (a full disk, a lock): the capture stays open with the text,
 * and the draft keeps it when that can still be written; the status line says which. */
static void
keep_unsaved(struct app *app, int rc)
{
	char *why = xstrdup(error_message());

	edit_session_say_unsaved(rc, "note", save_draft(app), why);
	free(why);
}

/* A saved note the list's filter hides would look lost: say so, and how to see it. */
static void
say_hidden(struct app *app)
{
	char desc[600];

	UNUSED(app);
	evidence_filter_describe(&ev.f, desc, sizeof(desc));
	ui_error("Saved at %s, but hidden by the list's filter (Esc, F clears it): %s", ev.cap_.site_code, desc);
}

static int
save_capture(struct app *app)
{
	struct capture *c = &ev.cap_;
	long long before;
	bool edit;
	int rc;

	if (c->nclusters == 0) {
		ui_error("Tag at least one cluster first (^T).");
		open_prompt(app, PR_TAG, "cluster", "Tag cluster");
		return UI_DIRTY;
	}
	edit = c->note != 0;
	before = ev.total.count;
	rc = edit ? save_edit(app) : save_new(app);
	if (rc != QREL_OK && rc != QREL_CONFLICT)
		keep_unsaved(app, rc);
	if (edit) {
		refresh_list(app);	/* the selection stays on the row edited */
		return UI_DIRTY;
	}
	restart_list(app);
	if (rc == QREL_OK && !evidence_filter_empty(&ev.f) && ev.total.count <= before && !ev.total.more)
		say_hidden(app);
	return UI_DIRTY;
}

/* y: the user's text over theirs, knowingly (the change log keeps both). */
static int
keep_mine(struct app *app)
{
	struct capture *c = &ev.cap_;
	char who[128];

	str_copy(who, sizeof(who), c->es.cf.by);
	edit_session_take_mine(&c->es);
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

	str_copy(who, sizeof(who), c->es.cf.by);
	edit_session_discard(&c->es, app->db, app->user);
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
		edit_session_take_mine(&ev.cap_.es);
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
	if (ev.cap_.es.cf.active)
		return conflict_key(app, key);
	switch (a) {
	case ACT_NOTE_SAVE: return save_capture(app);
	case ACT_NOTE_VALENCE: return cycle_valence(app);
	case ACT_NOTE_CLEAR: return clear_tags(app);
	case ACT_NOTE_TAG: open_prompt(app, PR_TAG, "cluster", "Tag cluster (again to untag)"); return UI_DIRTY;
	case ACT_NOTE_GROUPS:
		open_prompt(app, PR_GROUP, NULL, "Whose voice (Enter picks, again to drop)");
		return UI_DIRTY;
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
		/* A new note with no text is nothing to keep: its tags go with it. */
		bool empty = !ev.cap_.note && !*editor_text(ev.cap_.ed);

		if (empty)
			edit_session_discard(&ev.cap_.es, app->db, app->user);
		else
			save_draft(app);
		close_capture();
		if (empty)
			ui_message("Closed: nothing was typed, so no draft was kept.");
		else
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

static void
draw_capture(struct app *app, WINDOW *win)
{
	struct capture *c = &ev.cap_;
	char line[800], tags[EVIDENCE_MAX_CLUSTERS * 17] = "";
	size_t used = 0;
	int h = getmaxy(win) - HEAD_ROWS - 1;

	for (size_t i = 0; i < c->nclusters && used < sizeof(tags); i++)
		used += (size_t)snprintf(tags + used, sizeof(tags) - used, "%s%s", i ? " " : "", c->code[i]);
	char where[96];
	bool elsewhere = c->site != app->site;

	if (elsewhere)
		snprintf(where, sizeof(where), "site %s (not the screen's %s)", c->site_code, app->site_code);
	else
		snprintf(where, sizeof(where), "site %s", c->site_code);
	if (c->note)
		snprintf(line, sizeof(line), "Editing note %lld  %s  %s", (long long)c->note, where, c->source);
	else
		snprintf(line, sizeof(line), "New note  %s  %s  %s  %s", where, c->source,
			 c->act.id ? c->act.held_at : "(no activity: ^P)", c->act.description);
	ui_text(win, 0, 0, getmaxx(win), line, elsewhere ? ui_attr(UI_ERROR) : A_BOLD);
	snprintf(line, sizeof(line), "Clusters: %s   Valence: %s %s   Voices: %s%s", *tags ? tags : "(none: ^T)",
		 valence_mark(app, c->valence), c->valence, *c->voices ? c->voices : *c->act_voices ? c->act_voices : "(none: ^K)",
		 !*c->voices && *c->act_voices ? " (the activity's)" : "");
	ui_text(win, 1, 0, getmaxx(win), line, A_NORMAL);
	ui_hline(win, 2, 0, getmaxx(win));
	if (c->es.cf.active) {
		edit_session_draw(&c->es, win, HEAD_ROWS, 0, getmaxx(win) - 1, h);
		ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), "y keep yours  t take theirs  e/Esc back to your text",
			ui_attr(UI_DIM));
		return;
	}
	editor_draw(c->ed, win, HEAD_ROWS, 0, h, getmaxx(win) - 1);
	draw_hint(win, capture_hints, ARRAY_SIZE(capture_hints));
}

/* ---- prompts: the shared picker ---- */

static void
close_prompt(void)
{
	picker_close(&ev.pr);
}

/* Dates and searches are typed; every other field offers its values. */
static void
add_value_choices(struct app *app, const char *field)
{
	struct evidence_choice *c = NULL;
	int n = 0;

	if (!strcmp(field, "from") || !strcmp(field, "to") || !strcmp(field, "search"))
		return;
	if (evidence_choices(app->db, app->review, field, &c, &n) != QREL_OK)
		ui_error("%s", error_message());
	for (int i = 0; i < n; i++)
		picker_add(&ev.pr, c[i].id, c[i].value, c[i].label);
	free(c);
}

/* Is code in the comma-separated list? */
static bool
voice_in(const char *list, const char *code)
{
	return str_list_has(list, ',', code);
}

/* The framework's groups, those in picked marked. */
static void
add_group_choices(struct app *app, const char *picked)
{
	struct voice_group *g;
	int n;

	if (voice_groups(app->db, app->review, &g, &n) != QREL_OK) {
		ui_error("%s", error_message());
		return;
	}
	if (n == 0)
		ui_error("The review's framework defines no stakeholder groups.");
	for (int i = 0; i < n; i++) {
		char label[160];

		snprintf(label, sizeof(label), "%s%s", g[i].title, voice_in(picked, g[i].code) ? "  (picked)" : "");
		picker_add(&ev.pr, i, g[i].code, label);
	}
	free(g);
}

/* Adds or drops code in a comma-separated list; true when it was there. */
static bool
toggle_code(char *list, size_t size, const char *code)
{
	char out[VOICE_LIST_MAX] = "";
	size_t used = 0, n = strlen(code);
	bool had = voice_in(list, code);

	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',') {
		size_t k = strcspn(p, ",");

		if (k == n && strncmp(p, code, n) == 0)
			continue;
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%.*s", used ? "," : "", (int)k, p);
	}
	if (!had && used + n + 2 < sizeof(out))
		snprintf(out + used, sizeof(out) - used, "%s%s", used ? "," : "", code);
	str_copy(list, size, out);
	return had;
}

static void
toggle_group(const char *code)
{
	struct capture *c = &ev.cap_;
	bool had = toggle_code(c->voices, sizeof(c->voices), code);

	ui_message("%s %s: the note carries %s.", had ? "Dropped" : "Picked", code,
		   *c->voices ? c->voices : *c->act_voices ? "its activity's groups" : "no group");
}

/* The new activity's groups, picked one at a time until "done". */
static int
toggle_activity_group(struct app *app, int64_t id, const char *code)
{
	struct capture *c = &ev.cap_;
	char list[VOICE_LIST_MAX];
	struct activity_input in = { 0 };

	if (id < 0) {
		ui_message("The activity carries %s.", *c->act_voices ? c->act_voices : "no stakeholder group");
		return UI_DIRTY;
	}
	str_copy(list, sizeof(list), c->act_voices);
	toggle_code(list, sizeof(list), code);
	in.voice.groups = list;
	if (activity_edit(app->db, app->review, app->user, c->act.id, &in) != QREL_OK) {
		ui_error("Groups not saved: %s", error_message());
		return UI_DIRTY;
	}
	set_activity(app, c->act.id);
	open_prompt(app, PR_ACT_GROUP, NULL, "Who took part (Enter adds or drops a group, done ends)");
	return UI_DIRTY;
}

static void
open_prompt(struct app *app, enum prompt_kind kind, const char *field, const char *title)
{
	picker_open(&ev.pr, kind, title, kind == PR_VALUE || kind == PR_SEARCH || kind == PR_NEW_ACTIVITY);
	str_copy(ev.pr_field, sizeof(ev.pr_field), field ? field : "");
	if (kind == PR_FIELD) {
		for (int i = 0; filter_fields[i]; i++)
			picker_add(&ev.pr, 0, filter_fields[i], NULL);
		return;
	}
	if (kind == PR_VALUE)
		picker_add(&ev.pr, 0, "", "(any: clear this filter)");
	if (field)
		add_value_choices(app, field);
	if (kind == PR_ACT_GROUP)
		picker_add(&ev.pr, -1, "done", "done: these groups took part");
	if (kind == PR_GROUP || kind == PR_ACT_GROUP)
		add_group_choices(app, kind == PR_GROUP ? ev.cap_.voices : ev.cap_.act_voices);
	if (kind == PR_ACTIVITY) {
		char label[160];

		snprintf(label, sizeof(label), "+ new activity at %s (then its source and a description)",
			 app->site_code);
		picker_add(&ev.pr, -1, "+", label);
	}
}

/* An activity made from the screen: at the screen's site, now, with the source
 * chosen and the description typed; the note goes on from it. */
static void
add_activity(struct app *app, const char *source, const char *description)
{
	char now[21], at[17];
	struct activity_input in = { .site = app->site, .source = source, .held_at = at,
		.description = description };
	int64_t id = 0;

	clock_now(now);
	snprintf(at, sizeof(at), "%.16s", now);
	if (!*description) {
		ui_error("An activity needs a description: ^P and + again.");
		return;
	}
	if (activity_add(app->db, app->review, app->user, &in, &id) != QREL_OK) {
		ui_error("Activity not added: %s", error_message());
		return;
	}
	set_activity(app, id);
	save_draft(app);
	ui_message("Activity added at %s: %s. This note comes from it.", app->site_code, description);
	open_prompt(app, PR_ACT_GROUP, NULL, "Who took part (Enter adds or drops a group, done ends)");
}

/* Activity prompt: a row picked, or "+" starts a new one (source, then description). */
static int
accept_activity(struct app *app, enum prompt_kind kind, int64_t id, const char *value)
{
	char source[64];

	if (kind == PR_ACTIVITY && id < 0) {
		open_prompt(app, PR_NEW_SOURCE, "source", "Source of the new activity");
		return UI_DIRTY;
	}
	if (kind == PR_NEW_SOURCE) {
		str_copy(source, sizeof(source), value);
		open_prompt(app, PR_NEW_ACTIVITY, NULL, "Describe the activity (Enter adds it)");
		str_copy(ev.pr_field, sizeof(ev.pr_field), source);
		return UI_DIRTY;
	}
	close_prompt();
	if (kind == PR_NEW_ACTIVITY) {
		add_activity(app, ev.pr_field, value);
		return UI_DIRTY;
	}
	set_activity(app, id);
	save_draft(app);
	return UI_DIRTY;
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

static int
accept_field(struct app *app, const char *field)
{
	char title[320];

	if (strcmp(field, "clear all") == 0) {
		reset_filter();
		close_prompt();
		restart_list(app);
		return UI_DIRTY;
	}
	snprintf(title, sizeof(title), "Filter %s%s", field,
		 !strcmp(field, "from") || !strcmp(field, "to") ? " (YYYY-MM-DD, empty clears)" : "");
	open_prompt(app, PR_VALUE, field, title);
	return UI_DIRTY;
}

/* Enter: the highlighted choice, or what was typed when nothing matches. */
static int
accept_prompt(struct app *app)
{
	const struct picker_item *c = picker_choice(&ev.pr);
	enum prompt_kind kind = (enum prompt_kind)ev.pr.tag;
	char field[64], value[256];
	int64_t id = c ? c->id : 0;

	str_copy(field, sizeof(field), ev.pr_field);
	str_copy(value, sizeof(value), c ? c->value : picker_input(&ev.pr));
	if (kind == PR_FIELD)
		return accept_field(app, value);
	if (kind == PR_ACTIVITY || kind == PR_NEW_SOURCE || kind == PR_NEW_ACTIVITY)
		return accept_activity(app, kind, id, str_trim(value));
	close_prompt();
	if (kind == PR_ACT_GROUP)
		return toggle_activity_group(app, c ? id : -1, value);
	if (kind == PR_GROUP && c) {
		toggle_group(value);
		save_draft(app);
	} else if (kind == PR_TAG) {
		toggle_cluster(id);
		save_draft(app);
	} else if (kind != PR_GROUP) {
		apply_filter(app, kind == PR_SEARCH ? "search" : field, str_trim(value));
	}
	return UI_DIRTY;
}

static int
prompt_key(struct app *app, int key)
{
	if (picker_key(&ev.pr, key) == PICKER_PICKED)
		return accept_prompt(app);
	return UI_DIRTY;
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
		picker_set_input(&ev.pr, ev.f.query);	/* typing replaces it */
		return UI_DIRTY;
	case ACT_SEARCH_ORDER:
		ev.f.by_relevance = !ev.f.by_relevance;
		if (!*ev.f.query)
			ui_message("A search will list %s: press / to search.",
				   ev.f.by_relevance ? "the best match first" : "the latest added first");
		restart_list(app);
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

	if (ev.pr.active)
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
	if (ev.pr.active)
		picker_draw(&ev.pr, win);
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
	edit_session_begin(&ev.cap_.es, DRAFT_NEW, DRAFT_NEW_TAGS, 0);
	if ((draft = edit_session_restore(&ev.cap_.es, app->db, app->user, NULL)) && *draft)
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
	{ 'p', ACT_PLAN_FROM_FINDING }, { 'o', ACT_SEARCH_ORDER },
	{ KEY_CTRL('X'), ACT_NOTE_SAVE }, { KEY_F(2), ACT_NOTE_SAVE }, { ESC, ACT_CANCEL }, { KEY_CTRL('T'), ACT_NOTE_TAG },
	{ KEY_CTRL('G'), ACT_NOTE_VALENCE }, { KEY_CTRL('R'), ACT_NOTE_CLEAR }, { KEY_CTRL('P'), ACT_NOTE_ACTIVITY }, { KEY_CTRL('E'), ACT_EXTERNAL_EDIT },
	{ KEY_CTRL('K'), ACT_NOTE_GROUPS },
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
