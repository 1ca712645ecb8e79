/* conflicts.c: sync conflicts between offline copies, both values side by side; the lead picks one. */
#include "qrel/qrel.h"
#include "qrel/changes.h"
#include "qrel/sync.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#define HEAD_ROWS 3		/* title, column heading, rule */
#define MAX_LIST 6		/* conflict lines above the detail pane */

struct item {
	long long id;
	char entity[16], what[192], detected_at[32], resolved_at[32], resolution[16];
	char copy[40], by[128], resolved_by[128];
	char *local, *remote;	/* sync values, malloc'd */
};

static struct {
	struct item *items;
	int n, cap, sel, top;
	bool all;
	long long confirm;	/* a conflict waiting for y/n; 0: none */
	bool confirm_remote;
} kc;

/* ---- loading ---- */

static void
free_items(void)
{
	for (int i = 0; i < kc.n; i++) {
		free(kc.items[i].local);
		free(kc.items[i].remote);
	}
	kc.n = 0;
}

/* ctx: the reader (visibility.h); values they may not read are masked. */
static int
add_item(void *ctx, const struct sync_conflict_row *c)
{
	struct app *app = ctx;
	struct vis_viewer v;
	bool shown = visibility_viewer(app->db, app->review, app->user, &v) == QREL_OK &&
		     visibility_of_entity(app->db, &v, c->entity, c->uuid) == VIS_VISIBLE;
	struct item *it;

	if (kc.n == kc.cap) {
		int cap = kc.cap ? kc.cap * 2 : 16;
		struct item *p = realloc(kc.items, (size_t)cap * sizeof(*p));

		if (!p)
			return error(QREL_NOMEM, "out of memory");
		kc.items = p;
		kc.cap = cap;
	}
	it = memset(&kc.items[kc.n++], 0, sizeof(*it));
	it->id = c->id;
	str_copy(it->entity, sizeof(it->entity), c->entity);
	str_copy(it->what, sizeof(it->what), c->what && *c->what ? c->what : c->uuid);
	str_copy(it->detected_at, sizeof(it->detected_at), c->detected_at);
	str_copy(it->resolved_at, sizeof(it->resolved_at), c->resolved_at ? c->resolved_at : "");
	str_copy(it->resolution, sizeof(it->resolution), c->resolution ? c->resolution : "");
	it->local = xstrdup(shown ? c->local : "(hidden until consensus)");
	it->remote = xstrdup(shown ? c->remote : "(hidden until consensus)");
	return QREL_OK;
}

static void
load(struct app *app)
{
	free_items();
	if (sync_conflict_each(app->db, app->review, kc.all, add_item, app) != QREL_OK)
		ui_error("%s", error_message());
	for (int i = 0; i < kc.n; i++) {
		struct item *it = &kc.items[i];

		if (changes_conflict_origin(app->db, it->id, it->copy, sizeof(it->copy), it->by, sizeof(it->by),
					    it->resolved_by, sizeof(it->resolved_by)) != QREL_OK)
			ui_error("%s", error_message());
	}
	if (kc.sel >= kc.n)
		kc.sel = kc.n ? kc.n - 1 : 0;
}

static bool
is_lead(const struct app *app)
{
	return !strcmp(app->role, "lead");
}

/* ---- drawing ---- */

static int
list_height(WINDOW *win)
{
	int h = kc.n < MAX_LIST ? kc.n : MAX_LIST, room = getmaxy(win) - HEAD_ROWS - 8;

	h = h < room ? h : room;
	return h < 1 ? 1 : h;
}

static void
draw_item(WINDOW *win, int y, const struct item *it, bool sel)
{
	attr_t attr = sel ? ui_attr(UI_SELECTED) : *it->resolved_at ? ui_attr(UI_DIM) : A_NORMAL;
	int w = getmaxx(win);
	char line[512], when[24];

	snprintf(when, sizeof(when), "%.10s %.5s", it->detected_at,
		 strlen(it->detected_at) >= 16 ? it->detected_at + 11 : "");
	snprintf(line, sizeof(line), "#%-3lld %-5s %s", it->id, it->entity, it->what);
	ui_text(win, y, 0, w - 28, line, attr);
	snprintf(line, sizeof(line), " %s %.8s", when, it->copy);
	ui_text(win, y, w - 28, 28, line, attr);
}

static void
draw_heading(WINDOW *win)
{
	char line[160];
	int open = 0;

	for (int i = 0; i < kc.n; i++)
		open += !*kc.items[i].resolved_at;
	snprintf(line, sizeof(line), "Sync conflicts: %d open%s%s", open, kc.all ? ", " : "",
		 kc.all ? "resolved ones dimmed (a: open only)" : "  (a: show resolved too)");
	ui_text(win, 0, 0, getmaxx(win), line, A_BOLD);
	ui_text(win, 1, 0, getmaxx(win) - 28, "#    Kind  What", A_BOLD);
	ui_text(win, 1, getmaxx(win) - 28, 28, " Detected         From copy", A_BOLD);
	ui_hline(win, 2, 0, getmaxx(win));
}

/* One side of the detail pane: a heading, then the value wrapped in its column;
 * returns the line below it. */
static int
draw_side(WINDOW *win, int y, int x, int w, const char *head, const char *entity, const char *value)
{
	char words[4096], piece[1024];
	int bottom = getmaxy(win) - 1;
	size_t len;

	ui_text(win, y++, x, w, head, A_BOLD);
	changes_sync_value(entity, value, words, sizeof(words));
	for (const char *p = words, *next; p && *p && y < bottom; p = next) {
		next = text_wrap(p, w, &len);
		snprintf(piece, sizeof(piece), "%.*s", (int)len, p);
		ui_text(win, y++, x, w, piece, A_NORMAL);
	}
	return y;
}

static void
draw_origin(WINDOW *win, int y, const struct item *it)
{
	char line[400], when[24];

	snprintf(when, sizeof(when), "%.10s %.5s", it->detected_at,
		 strlen(it->detected_at) >= 16 ? it->detected_at + 11 : "");
	if (*it->resolved_at)
		snprintf(line, sizeof(line), "Resolved %s: kept %s value (%s)", it->resolved_at,
			 !strcmp(it->resolution, "remote") ? "the other copy's" : "this copy's", it->resolved_by);
	else
		snprintf(line, sizeof(line), "Detected %s from copy %.8s%s%s", when, it->copy,
			 *it->by ? ", imported by " : "", it->by);
	ui_text(win, y, 0, getmaxx(win), line, A_NORMAL);
}

static void
draw_detail(const struct app *app, WINDOW *win, int y, const struct item *it)
{
	int w = getmaxx(win), half = (w - 3) / 2, left, right;
	char head[256];

	ui_hline(win, y++, 0, w);
	snprintf(head, sizeof(head), "#%lld %s", it->id, it->what);
	ui_text(win, y++, 0, w, head, A_BOLD);
	draw_origin(win, y++, it);
	left = draw_side(win, y, 0, half, "This copy", it->entity, it->local);
	snprintf(head, sizeof(head), "Other copy (%.8s)", it->copy);
	right = draw_side(win, y, half + 3, w - half - 3, head, it->entity, it->remote);
	for (int i = y; i < (left > right ? left : right); i++)
		ui_text(win, i, half + 1, 1, app->utf8 ? "\xe2\x94\x82" : "|", ui_attr(UI_DIM));
}

static void
draw_hint(const struct app *app, WINDOW *win)
{
	static const enum action lead[] = { ACT_KEEP_LOCAL, ACT_KEEP_REMOTE, ACT_SHOW_ALL, ACT_BACK, ACT_HELP };
	static const enum action others[] = { ACT_SHOW_ALL, ACT_BACK, ACT_HELP };
	char line[512];

	if (kc.confirm) {
		snprintf(line, sizeof(line), "Conflict #%lld: %s? y/n", kc.confirm,
			 kc.confirm_remote ? "take the other copy's value" : "keep this copy's value");
		ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), line, A_BOLD | A_REVERSE);
		return;
	}
	if (is_lead(app)) {
		ui_hint_line(win, lead, ARRAY_SIZE(lead));
		return;
	}
	snprintf(line, sizeof(line), "Read-only: only the review's lead resolves conflicts.  ");
	ui_hints(others, ARRAY_SIZE(others), getmaxx(win) - (int)strlen(line), line + strlen(line),
		 sizeof(line) - strlen(line));
	ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), line, ui_attr(UI_DIM));
}

static void
conflicts_draw(struct app *app, WINDOW *win)
{
	int rows = list_height(win);

	if (kc.sel < kc.top)
		kc.top = kc.sel;
	if (kc.sel >= kc.top + rows)
		kc.top = kc.sel - rows + 1;
	werase(win);
	draw_heading(win);
	for (int i = 0; i < rows && kc.top + i < kc.n; i++)
		draw_item(win, HEAD_ROWS + i, &kc.items[kc.top + i], kc.top + i == kc.sel);
	if (!kc.n)
		ui_text(win, HEAD_ROWS, 0, getmaxx(win), kc.all ? "No sync conflicts have been recorded."
			: "No open conflicts: every change from other copies merged cleanly.", A_NORMAL);
	else
		draw_detail(app, win, HEAD_ROWS + rows, &kc.items[kc.sel]);
	draw_hint(app, win);
}

/* ---- keys ---- */

static int
ask(struct app *app, bool remote)
{
	const struct item *it = kc.n ? &kc.items[kc.sel] : NULL;

	if (!it)
		return UI_HANDLED;
	if (!is_lead(app)) {
		ui_error("Only the review's lead resolves sync conflicts; you are %s.", *app->role ? app->role
			 : "not a member");
		return UI_HANDLED;
	}
	if (app->readonly) {
		ui_error("The database is read-only: nothing can be resolved here.");
		return UI_HANDLED;
	}
	if (*it->resolved_at) {
		ui_error("Conflict #%lld is already resolved.", it->id);
		return UI_HANDLED;
	}
	kc.confirm = it->id;
	kc.confirm_remote = remote;
	return UI_DIRTY;
}

static int
confirm_key(struct app *app, int key)
{
	long long id = kc.confirm;

	kc.confirm = 0;
	if (key != 'y' && key != 'Y') {
		ui_message("Nothing changed.");
		return UI_DIRTY;
	}
	if (sync_resolve(app->db, app->review, app->user, id, kc.confirm_remote) != QREL_OK) {
		ui_error("Not resolved: %s", error_message());
		return UI_DIRTY;
	}
	ui_message("Conflict #%lld resolved: kept %s value (sent with the next export).", id,
		   kc.confirm_remote ? "the other copy's" : "this copy's");
	load(app);
	return UI_DIRTY;
}

static int
move_selection(enum action a)
{
	int old = kc.sel;

	switch (a) {
	case ACT_UP: kc.sel--; break;
	case ACT_DOWN: kc.sel++; break;
	case ACT_PAGE_UP: kc.sel -= MAX_LIST; break;
	case ACT_PAGE_DOWN: kc.sel += MAX_LIST; break;
	case ACT_HOME: kc.sel = 0; break;
	case ACT_END: kc.sel = kc.n - 1; break;
	default: return UI_UNHANDLED;
	}
	if (kc.sel >= kc.n)
		kc.sel = kc.n - 1;
	if (kc.sel < 0)
		kc.sel = 0;
	return kc.sel == old ? UI_HANDLED : UI_DIRTY;
}

static int
conflicts_key(struct app *app, WINDOW *win, enum action a, int key)
{
	UNUSED(win);
	if (kc.confirm)
		return confirm_key(app, key);
	switch (a) {
	case ACT_KEEP_LOCAL: return ask(app, false);
	case ACT_KEEP_REMOTE: return ask(app, true);
	case ACT_SHOW_ALL:
		kc.all = !kc.all;
		load(app);
		return UI_DIRTY;
	default: return move_selection(a);
	}
}

/* ---- screen ---- */

static void
conflicts_enter(struct app *app)
{
	kc.confirm = 0;
	kc.sel = kc.top = 0;
	load(app);
	if (!is_lead(app) && kc.n)
		ui_message("Read-only: only the review's lead resolves conflicts.");
}

static void
conflicts_reload(struct app *app)
{
	load(app);
}

static void
conflicts_leave(struct app *app)
{
	UNUSED(app);
	free_items();
	free(kc.items);
	kc.items = NULL;
	kc.cap = 0;
	kc.confirm = 0;
}

static const struct keybinding conflicts_keys[] = {
	{ 'l', ACT_KEEP_LOCAL }, { 'r', ACT_KEEP_REMOTE }, { 'a', ACT_SHOW_ALL },
};

const struct screen_ops conflicts_screen = {
	.name = "conflicts",
	.keys = conflicts_keys,
	.nkeys = ARRAY_SIZE(conflicts_keys),
	.enter = conflicts_enter,
	.leave = conflicts_leave,
	.draw = conflicts_draw,
	.key = conflicts_key,
	.reload = conflicts_reload,
};
