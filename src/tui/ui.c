/* ui.c: the curses shell: windows, the key loop, header, status line, help overlay, signals. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/external_editor.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/text.h"
#include "qrel/tui.h"
#include "qrel/util.h"

#include <ctype.h>
#include <signal.h>
#include <unistd.h>

#define UI_POLL_MS 1000
/* A key code for the sequences of keys no screen binds (Shift-F1 ...). */
#define UI_KEY_IGNORED 0x7f00

static volatile sig_atomic_t stop_signal;

static struct {
	struct app *app;
	WINDOW *header, *body, *status;
	const struct screen_ops *screen;
	char message[256];
	bool message_error;
	bool dirty, header_dirty, status_dirty;
	bool help;		/* the help overlay is open */
	int help_top;
	bool too_small;
	long long data_version;	/* as last seen; a change means another process wrote */
	int bench_fd;		/* QREL_BENCH_FD: told when a key's screen is complete */
} ui;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal wakes the blocked read so the loop can stop. */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
init_colors(struct app *app)
{
	if (app->color && !has_colors())
		app->color = false;
	if (!app->color)
		return;
	start_color();
	use_default_colors();
	init_pair(UI_SELECTED, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(UI_DIM, COLOR_BLUE, -1);
	init_pair(UI_ERROR, COLOR_WHITE, COLOR_RED);
	init_pair(UI_LEVEL1, COLOR_RED, -1);
	init_pair(UI_LEVEL2, COLOR_YELLOW, -1);
	init_pair(UI_LEVEL3, COLOR_GREEN, -1);
	init_pair(UI_LEVEL4, COLOR_CYAN, -1);
	init_pair(UI_FLAG, COLOR_RED, -1);
}

attr_t
ui_attr(enum ui_color c)
{
	static const attr_t mono[] = {
		[UI_NORMAL] = A_NORMAL, [UI_SELECTED] = A_REVERSE, [UI_TITLE] = A_REVERSE,
		[UI_DIM] = A_DIM, [UI_ERROR] = A_REVERSE | A_BOLD, [UI_LEVEL1] = A_NORMAL,
		[UI_LEVEL2] = A_NORMAL, [UI_LEVEL3] = A_BOLD, [UI_LEVEL4] = A_BOLD, [UI_FLAG] = A_BOLD,
	};

	if (!ui.app || !ui.app->color || c == UI_NORMAL)
		return mono[c];
	return COLOR_PAIR(c) | (c == UI_FLAG || c == UI_ERROR ? A_BOLD : 0);
}

static void
put_char(WINDOW *w, wchar_t c, attr_t attr)
{
	wchar_t s[2] = { c, 0 };
	cchar_t cc;

	setcchar(&cc, s, attr, PAIR_NUMBER(attr), NULL);
	wadd_wch(w, &cc);
}

/* The printable ASCII at the start of s, at most max bytes (one column each). */
static size_t
ascii_run(const char *s, size_t n, size_t max)
{
	size_t k = 0;

	while (k < n && k < max && s[k] >= 0x20 && s[k] < 0x7f)
		k++;
	return k;
}

/* n columns of ASCII in one call: far cheaper than a wide character at a time
 * (a page of the evidence list at 200x60 is 10,000 of them). */
static void
put_ascii(WINDOW *w, const char *s, size_t n, attr_t attr)
{
	wattr_set(w, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
	waddnstr(w, s, (int)n);
	wattr_set(w, A_NORMAL, 0, NULL);
}

/* One character of s that is not printable ASCII, if it fits in room columns:
 * its columns (-1: it does not fit), its bytes in *k. */
static int
put_other(WINDOW *w, const char *s, size_t n, int room, attr_t attr, size_t *k)
{
	wchar_t c;
	int cw;

	*k = text_decode(s, n, &c);
	cw = text_char_width(c);
	if (cw > room)
		return -1;
	if (!text_printable(c)) {
		char mark[3];

		text_control_mark(c, mark);
		put_char(w, (wchar_t)mark[0], attr | A_REVERSE);
		put_char(w, (wchar_t)mark[1], attr | A_REVERSE);
	} else if (ui.app->utf8) {
		put_char(w, c, attr);
	} else {	/* ASCII only: its stand-in in each of its columns ("?" "??" for CJK) */
		for (int i = 0; i < cw; i++)
			put_char(w, (wchar_t)text_ascii_of(c), attr);
	}
	return cw;
}
int
ui_text(WINDOW *w, int y, int x, int width, const char *s, attr_t attr)
{
	static const char blanks[] = "                                ";
	const int nblanks = (int)sizeof(blanks) - 1;
	size_t n = s ? strlen(s) : 0;
	int used = 0;

	wmove(w, y, x);
	while (n && used < width) {
		size_t k = ascii_run(s, n, (size_t)(width - used));
		int cw = (int)k;

		if (k)
			put_ascii(w, s, k, attr);
		else if ((cw = put_other(w, s, n, width - used, attr, &k)) < 0)
			break;
		used += cw;
		s += k;
		n -= k;
	}
	for (int i = used; i < width; i += nblanks)
		put_ascii(w, blanks, (size_t)(width - i < nblanks ? width - i : nblanks), attr);
	return used;
}

int
ui_external_edit(const char *text, char **out)
{
	int rc;

	def_prog_mode();
	endwin();
	rc = external_edit(text, out);
	reset_prog_mode();
	refresh();
	curs_set(0);
	ui.header_dirty = ui.status_dirty = true;
	return rc;
}

const char *
ui_glyph(const char *utf8, const char *ascii)
{
	return ui.app && ui.app->utf8 ? utf8 : ascii;
}

void
ui_hline(WINDOW *w, int y, int x, int width)
{
	wmove(w, y, x);
	for (int i = 0; i < width; i++)
		put_char(w, ui.app->utf8 ? 0x2500 : '-', ui_attr(UI_DIM));
}

static void
set_message(bool is_error, const char *fmt, va_list ap)
{
	vsnprintf(ui.message, sizeof(ui.message), fmt, ap);
	ui.message_error = is_error;
	ui.status_dirty = true;
}

void
ui_message(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(false, fmt, ap);
	va_end(ap);
}

void
ui_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(true, fmt, ap);
	va_end(ap);
	beep();
}

void
ui_switch(const struct screen_ops *screen)
{
	if (ui.screen == screen)
		return;
	if (ui.screen && ui.screen->leave)
		ui.screen->leave(ui.app);
	ui.screen = screen;
	if (screen->enter)
		screen->enter(ui.app);
	ui.dirty = ui.header_dirty = true;
}

void
ui_set_site(struct app *app, int64_t site)
{
	if (site <= 0 || store_site_info(app->db, site, app->site_code, sizeof(app->site_code),
					 app->site_name, sizeof(app->site_name)) != QREL_OK)
		return;
	app->site = site;
	if (ui.screen && ui.screen->reload)
		ui.screen->reload(app);
	ui.dirty = ui.header_dirty = true;
}

/* The right part of the header, richest first: the screen's name goes first,
 * then the role, so the review's name and year always fit. */
static void
header_right(int room, char *out, size_t size)
{
	struct app *app = ui.app;
	const char *ro = app->readonly ? "[read-only]  " : "", *role = *app->role ? app->role : "not a member";

	snprintf(out, size, " %s%s  site %s  %s (%s) ", ro, ui.screen ? ui.screen->name : "", app->site_code,
		 app->user, role);
	if (text_width(out) <= room)
		return;
	snprintf(out, size, " %ssite %s  %s (%s) ", ro, app->site_code, app->user, role);
	if (text_width(out) <= room)
		return;
	snprintf(out, size, " %s%s  %s ", ro, app->site_code, app->user);
}

static void
draw_header(void)
{
	struct app *app = ui.app;
	char left[512], right[320];
	int lw, rw;

	snprintf(left, sizeof(left), " qrel %s %s", app->utf8 ? "\xc2\xb7" : "|", app->review_title);
	lw = text_width(left);
	header_right(COLS - lw, right, sizeof(right));
	rw = text_width(right);
	/* Only when even the shortest form does not fit does the title give way. */
	if (rw > COLS - 24)
		rw = COLS - 24;
	ui_text(ui.header, 0, 0, COLS - rw, left, ui_attr(UI_TITLE));
	ui_text(ui.header, 0, COLS - rw, rw, right, ui_attr(app->readonly ? UI_ERROR : UI_TITLE));
	wnoutrefresh(ui.header);
	ui.header_dirty = false;
}

void
ui_hints(const enum action *acts, size_t n, int width, char *buf, size_t size)
{
	keys_hints(ui.screen ? ui.screen->keys : NULL, ui.screen && ui.screen->keys ? ui.screen->nkeys : 0, acts, n,
		   width, buf, size);
}

void
ui_hint_line(WINDOW *win, const enum action *acts, size_t n)
{
	char text[512];

	ui_hints(acts, n, getmaxx(win), text, sizeof(text));
	ui_text(win, getmaxy(win) - 1, 0, getmaxx(win), text, ui_attr(UI_DIM));
}

static void
draw_status(void)
{
	static const enum action global[] = { ACT_HELP, ACT_SCREEN_OVERVIEW, ACT_SCREEN_RUBRIC, ACT_SCREEN_EVIDENCE,
		ACT_SCREEN_SUBGROUPS, ACT_SCREEN_PLAN, ACT_SCREEN_REPORT, ACT_SCREEN_CHANGES, ACT_SCREEN_CONFLICTS,
		ACT_SITE_NEXT, ACT_BACK };
	char hint[512];
	const char *text = ui.message[0] ? ui.message : hint;

	keys_hints(NULL, 0, global, ARRAY_SIZE(global), COLS, hint, sizeof(hint));

	ui_text(ui.status, 0, 0, COLS, text, ui.message_error ? ui_attr(UI_ERROR) :
		ui.message[0] ? A_BOLD : ui_attr(UI_DIM));
	wnoutrefresh(ui.status);
	ui.status_dirty = false;
}

/* The help overlay: one line per action, this screen's first, each with all its keys. */
#define HELP_KEY_COLS 16	/* an action's keys, after two blanks */
#define HELP_TEXT_COL (2 + HELP_KEY_COLS + 1)	/* where its text starts */
static int
help_collect(enum action *order)
{
	const struct keybinding *tables[2] = { ui.screen->keys, keys_global };
	size_t sizes[2] = { ui.screen->keys ? ui.screen->nkeys : 0, keys_global_count };
	bool seen[ACT_COUNT] = { false };
	int n = 0;

	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizes[t]; i++) {
			enum action a = tables[t][i].action;

			if (!seen[a] && a != ACT_NONE)
				order[n++] = a;
			seen[a] = true;
		}
	}
	return n;
}

/* A run of three or more digit keys in a help list becomes one range: "1 2 3 4 5"
 * is "1-5", so the keys fit their column. */
static void
digit_ranges(char *buf, size_t size)
{
	char out[128];
	size_t o = 0;

	out[0] = '\0';
	for (const char *p = buf; *p;) {
		size_t len = strcspn(p, " ");
		const char *q = p;
		int run = 1;

		while (len == 1 && isdigit((unsigned char)*p) && q[1] == ' ' && q[2] == q[0] + 1 &&
		       (q[3] == ' ' || q[3] == '\0')) {
			q += 2;
			run++;
		}
		if (run >= 3)
			o += (size_t)snprintf(out + o, o < sizeof(out) ? sizeof(out) - o : 0, "%s%c-%c", o ? " " : "",
					      *p, *q);
		else
			o += (size_t)snprintf(out + o, o < sizeof(out) ? sizeof(out) - o : 0, "%s%.*s", o ? " " : "",
					      (int)len, p);
		p = run >= 3 ? q + 1 : p + len;
		while (*p == ' ')
			p++;
	}
	str_copy(buf, size, out);
}

static void
help_keys(enum action a, char *buf, size_t size)
{
	const struct keybinding *tables[2] = { ui.screen->keys, keys_global };
	size_t sizes[2] = { ui.screen->keys ? ui.screen->nkeys : 0, keys_global_count }, used = 0;

	buf[0] = '\0';
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizes[t]; i++) {
			char name[32];

			if (tables[t][i].action != a)
				continue;
			keys_name(tables[t][i].key, name, sizeof(name));
			/* A key both tables bind, or a name two codes share (Enter is \n and \r), once. */
			if (str_list_has(buf, ' ', name))
				continue;
			used += (size_t)snprintf(buf + used, size > used ? size - used : 0, "%s%s",
						 used ? " " : "", name);
		}
	}
	digit_ranges(buf, size);
}

static void
draw_help(void)
{
	enum action order[ACT_COUNT];
	int n = help_collect(order), height = getmaxy(ui.body), width = getmaxx(ui.body) - 2;

	if (ui.help_top > n - 1)
		ui.help_top = n > 0 ? n - 1 : 0;
	werase(ui.body);
	box(ui.body, 0, 0);
	ui_text(ui.body, 1, 1, width, "  Keys on this screen (any key closes; j/k scroll)", A_BOLD);
	int y = 2;

	/* What the screen's marks mean comes first: it does not scroll away. */
	for (int k = 0; ui.screen->legend && ui.screen->legend[k] && y < height - 1; k++) {
		char line[256];

		snprintf(line, sizeof(line), "  %s", ui.screen->legend[k]);
		ui_text(ui.body, y++, 1, width, line, ui_attr(UI_DIM));
	}
	/* Each action's text wraps under itself: nothing is cut at 80 columns. */
	for (int i = ui.help_top; i < n && y < height - 1; i++) {
		const char *s = action_help(order[i]), *next;
		char keys[64], line[256];
		size_t len = 0;

		help_keys(order[i], keys, sizeof(keys));
		do {
			next = text_wrap(s, width - HELP_TEXT_COL, &len);
			snprintf(line, sizeof(line), "  %-*s %.*s", HELP_KEY_COLS, keys, next ? (int)len : 0, s);
			ui_text(ui.body, y++, 1, width, line, A_NORMAL);
			keys[0] = '\0';
			s = next;
		} while (s && *s && y < height - 1);
	}
	wnoutrefresh(ui.body);
}

static void
draw_too_small(void)
{
	char msg[128];

	werase(stdscr);
	snprintf(msg, sizeof(msg), "qrel needs a terminal of at least %dx%d; this one is %dx%d.",
		 UI_MIN_COLS, UI_MIN_LINES, COLS, LINES);
	mvaddnstr(LINES / 2, 0, msg, COLS);
	mvaddnstr(LINES / 2 + 1, 0, "Enlarge the window, or press q to quit.", COLS);
	wnoutrefresh(stdscr);
}

static void
draw(void)
{
	if (ui.too_small) {
		draw_too_small();
		doupdate();
		return;
	}
	if (ui.header_dirty)
		draw_header();
	if (ui.help && ui.dirty) {
		draw_help();
	} else if (ui.dirty && ui.screen) {
		ui.screen->draw(ui.app, ui.body);
		wnoutrefresh(ui.body);
	}
	if (ui.status_dirty)
		draw_status();
	ui.dirty = false;
	doupdate();
}

static void
layout(void)
{
	ui.too_small = COLS < UI_MIN_COLS || LINES < UI_MIN_LINES;
	if (ui.header) {
		delwin(ui.header);
		delwin(ui.body);
		delwin(ui.status);
		ui.header = ui.body = ui.status = NULL;
	}
	if (ui.too_small)
		return;
	ui.header = newwin(1, COLS, 0, 0);
	ui.body = newwin(LINES - 2, COLS, 1, 0);
	ui.status = newwin(1, COLS, LINES - 1, 0);
	keypad(ui.body, TRUE);
	/* Lets curses scroll a list by one line with the terminal's own scrolling
	 * instead of repainting every row: far fewer bytes over a slow link. */
	idlok(ui.body, TRUE);
	/* The cursor is hidden: not moving it back after each update saves bytes. */
	leaveok(ui.body, TRUE);
	wtimeout(ui.body, UI_POLL_MS);
	ui.dirty = ui.header_dirty = ui.status_dirty = true;
}

/* Screens by the action that opens them; those still to come are NULL. */
static const struct screen_ops *
screen_for(enum action a)
{
	switch (a) {
	case ACT_SCREEN_OVERVIEW: return &overview_screen;
	case ACT_SCREEN_REPORT: return &report_screen;
	case ACT_SCREEN_RUBRIC: return &rubric_screen;
	case ACT_SCREEN_SUBGROUPS: return &subgroups_screen;
	case ACT_SCREEN_EVIDENCE: return &evidence_screen;
	case ACT_SCREEN_PLAN: return &plan_screen;
	case ACT_SCREEN_FINDINGS: return &findings_screen;
	case ACT_SCREEN_CHANGES: return &changes_screen;
	case ACT_SCREEN_CONFLICTS: return &conflicts_screen;
	case ACT_SCREEN_SURVEYS: return &surveys_screen;
	default: return NULL;
	}
}

static int
global_key(enum action a)
{
	const struct screen_ops *next;

	switch (a) {
	case ACT_QUIT:
		return UI_QUIT;
	case ACT_BACK:
		if (ui.screen == &overview_screen)
			return UI_QUIT;
		ui_switch(&overview_screen);
		return UI_HANDLED;
	case ACT_HELP:
		ui.help = true;
		ui.help_top = 0;
		return UI_DIRTY;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		ui.header_dirty = ui.status_dirty = true;
		return UI_DIRTY;
	case ACT_SITE_NEXT:
	case ACT_SITE_PREV:
		ui_set_site(ui.app, store_site_step(ui.app->db, ui.app->review, ui.app->site,
						    a == ACT_SITE_NEXT ? 1 : -1));
		return UI_HANDLED;
	default:
		break;
	}
	if ((next = screen_for(a))) {
		ui_switch(next);
		return UI_HANDLED;
	}
	if (a >= ACT_SCREEN_OVERVIEW && a <= ACT_SCREEN_CONFLICTS) {
		ui_error("The %s screen is not in this build yet.", action_help(a));
		return UI_HANDLED;
	}
	return UI_UNHANDLED;
}

static int
help_key(int key)
{
	enum action a = keys_lookup(NULL, 0, key);

	if (a == ACT_DOWN || a == ACT_PAGE_DOWN)
		ui.help_top += a == ACT_DOWN ? 1 : getmaxy(ui.body) - 3;
	else if (a == ACT_UP || a == ACT_PAGE_UP)
		ui.help_top -= a == ACT_UP ? 1 : getmaxy(ui.body) - 3;
	else
		ui.help = false;
	if (ui.help_top < 0)
		ui.help_top = 0;
	return UI_DIRTY;
}

static int
handle_key(int key)
{
	enum action a;
	int r;

	if (key == KEY_RESIZE) {
		layout();
		return UI_DIRTY;
	}
	if (ui.too_small)
		return key == 'q' || key == 'Q' ? UI_QUIT : UI_HANDLED;
	if (ui.help)
		return help_key(key);
	if (ui.message[0]) {
		ui.message[0] = '\0';
		ui.status_dirty = true;
	}
	a = keys_lookup(ui.screen->keys, ui.screen->keys ? ui.screen->nkeys : 0, key);
	r = ui.screen->key(ui.app, ui.body, a, key);
	if (r == UI_UNHANDLED)
		r = global_key(a);
	return r;
}

/* ---- keys: every key through the terminal's key definitions ---- */

/* A modified key (Ctrl/Alt/Shift with an arrow, Home, End ...) acts as the key itself. */
static int
base_key(int code)
{
	static const struct { const char *prefix; int key; } ext[] = {
		{ "kUP", KEY_UP }, { "kDN", KEY_DOWN }, { "kLFT", KEY_LEFT }, { "kRIT", KEY_RIGHT },
		{ "kHOM", KEY_HOME }, { "kEND", KEY_END }, { "kPRV", KEY_PPAGE }, { "kNXT", KEY_NPAGE },
		{ "kDC", KEY_DC }, { "kIC", KEY_IC },
	};
	static const int shifted[][2] = {
		{ KEY_SR, KEY_UP }, { KEY_SF, KEY_DOWN }, { KEY_SLEFT, KEY_LEFT }, { KEY_SRIGHT, KEY_RIGHT },
		{ KEY_SHOME, KEY_HOME }, { KEY_SEND, KEY_END }, { KEY_SPREVIOUS, KEY_PPAGE },
		{ KEY_SNEXT, KEY_NPAGE }, { KEY_SDC, KEY_DC }, { KEY_SIC, KEY_IC },
	};
	const char *name;

	for (size_t i = 0; i < ARRAY_SIZE(shifted); i++)
		if (shifted[i][0] == code)
			return shifted[i][1];
	if (code <= KEY_MAX)
		return code;
	name = keyname(code);
	for (size_t i = 0; name && i < ARRAY_SIZE(ext); i++)
		if (strncmp(name, ext[i].prefix, strlen(ext[i].prefix)) == 0)
			return ext[i].key;
	return UI_KEY_UNKNOWN;	/* bound to nothing */
}

static void
define_once(const char *seq, int code)
{
	if (key_defined(seq) == 0)
		define_key(seq, code);
}

/* What xterm, tmux, screen and rxvt send, whatever TERM says: a Home read as Esc
 * then "[1~" would leave an editor and type text. Modified keys act as the key. */
static void
define_keys(void)
{
	static const struct { const char *seq; int key; } plain[] = {
		{ "\033[A", KEY_UP }, { "\033[B", KEY_DOWN }, { "\033[C", KEY_RIGHT }, { "\033[D", KEY_LEFT },
		{ "\033OA", KEY_UP }, { "\033OB", KEY_DOWN }, { "\033OC", KEY_RIGHT }, { "\033OD", KEY_LEFT },
		{ "\033[H", KEY_HOME }, { "\033[F", KEY_END }, { "\033OH", KEY_HOME }, { "\033OF", KEY_END },
		{ "\033[1~", KEY_HOME }, { "\033[4~", KEY_END }, { "\033[7~", KEY_HOME }, { "\033[8~", KEY_END },
		{ "\033[2~", KEY_IC }, { "\033[3~", KEY_DC }, { "\033[5~", KEY_PPAGE }, { "\033[6~", KEY_NPAGE },
		{ "\033OP", KEY_F(1) }, { "\033OQ", KEY_F(2) }, { "\033OR", KEY_F(3) }, { "\033OS", KEY_F(4) },
		{ "\033[11~", KEY_F(1) }, { "\033[12~", KEY_F(2) }, { "\033[13~", KEY_F(3) }, { "\033[14~", KEY_F(4) },
		{ "\033[15~", KEY_F(5) }, { "\033[17~", KEY_F(6) }, { "\033[18~", KEY_F(7) }, { "\033[19~", KEY_F(8) },
		{ "\033[20~", KEY_F(9) }, { "\033[21~", KEY_F(10) }, { "\033[23~", KEY_F(11) }, { "\033[24~", KEY_F(12) },
		{ "\033[Z", KEY_BTAB },
	};
	static const struct { char final; int key; } letter[] = {
		{ 'A', KEY_UP }, { 'B', KEY_DOWN }, { 'C', KEY_RIGHT }, { 'D', KEY_LEFT }, { 'H', KEY_HOME },
		{ 'F', KEY_END }, { 'P', UI_KEY_IGNORED }, { 'Q', UI_KEY_IGNORED }, { 'R', UI_KEY_IGNORED },
		{ 'S', UI_KEY_IGNORED },
	};
	static const struct { int n; int key; } tilde[] = {
		{ 1, KEY_HOME }, { 2, KEY_IC }, { 3, KEY_DC }, { 4, KEY_END }, { 5, KEY_PPAGE }, { 6, KEY_NPAGE },
		{ 15, UI_KEY_IGNORED }, { 17, UI_KEY_IGNORED }, { 18, UI_KEY_IGNORED }, { 19, UI_KEY_IGNORED },
		{ 20, UI_KEY_IGNORED }, { 21, UI_KEY_IGNORED }, { 23, UI_KEY_IGNORED }, { 24, UI_KEY_IGNORED },
	};
	char seq[16];

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		define_once(plain[i].seq, plain[i].key);
	for (int m = 2; m <= 8; m++) {
		for (size_t i = 0; i < ARRAY_SIZE(letter); i++) {
			snprintf(seq, sizeof(seq), "\033[1;%d%c", m, letter[i].final);
			define_once(seq, letter[i].key);
		}
		for (size_t i = 0; i < ARRAY_SIZE(tilde); i++) {
			snprintf(seq, sizeof(seq), "\033[%d;%d~", tilde[i].n, m);
			define_once(seq, tilde[i].key);
		}
	}
}

/* In a locale that is not UTF-8 curses gives bytes: a UTF-8 character is put
 * together here (accepted), anything else is refused with a message. */
static int
read_utf8_rest(WINDOW *w, int first)
{
	char buf[4] = { (char)first };
	size_t need = (first & 0xe0) == 0xc0 ? 2 : (first & 0xf0) == 0xe0 ? 3 : (first & 0xf8) == 0xf0 ? 4 : 0;
	wchar_t c = 0xfffd;
	size_t n = 1;

	wtimeout(w, 0);
	while (n < need) {
		int b = wgetch(w);

		if (b == ERR || b < 0x80 || b > 0xff)
			break;
		buf[n++] = (char)b;
	}
	wtimeout(w, UI_POLL_MS);
	if (need && n == need && text_decode(buf, n, &c) == n && c != 0xfffd)
		return c >= KEY_MIN ? (int)c | UI_KEY_CHAR : (int)c;
	ui_error("That key sent bytes that are not UTF-8 (terminal and LANG disagree): nothing typed.");
	return UI_KEY_UNKNOWN;
}

/* Esc alone, or Esc then more at once: Alt with a key, or a sequence the
 * terminal description does not name; neither is typed nor acts as Esc. */
static int
after_escape(WINDOW *w)
{
	int c, first;

	wtimeout(w, 0);
	first = c = wgetch(w);
	if (c == '[' || c == 'O') {
		/* CSI: parameters and intermediates, then one final byte. */
		do
			c = wgetch(w);
		while (c != ERR && first == '[' && c >= 0x20 && c < 0x40);
	} else if (first >= 0x80 && first <= 0xff) {
		while (wgetch(w) != ERR)
			;	/* the rest of Alt with a UTF-8 character: never typed */
	}
	wtimeout(w, UI_POLL_MS);
	if (first == ERR)
		return ESC;
	return first == '[' || first == 'O' ? UI_KEY_UNKNOWN : UI_KEY_ALT | (first & 0xffff);
}

static int
read_key(void)
{
	WINDOW *w = ui.body ? ui.body : stdscr;
	wint_t ch;
	int rc;

	if (MB_CUR_MAX == 1) {
		/* Not a UTF-8 locale: wget_wch would wait for a character that never completes. */
		rc = wgetch(w);
		if (rc == ESC)
			return after_escape(w);
		if (rc >= 0x80 && rc <= 0xff)
			return read_utf8_rest(w, rc);
		return rc >= KEY_MIN ? base_key(rc) : rc;
	}
	rc = wget_wch(w, &ch);
	if (rc == ERR)
		return ERR;
	if (rc == KEY_CODE_YES)
		return base_key((int)ch);
	if (ch == ESC)
		return after_escape(w);
	return ch >= KEY_MIN ? (int)ch | UI_KEY_CHAR : (int)ch;
}

/* Others' writes (another qrel on the same file) bump data_version; reload
 * then, so what they add appears within a poll interval without a keypress. */
static void
poll_others(void)
{
	long long now = db_int(ui.app->db, "PRAGMA data_version");

	if (now >= 0 && ui.data_version >= 0 && now != ui.data_version && ui.screen && ui.screen->reload) {
		ui.screen->reload(ui.app);
		ui.dirty = true;
	}
	ui.data_version = now;
}

/* The benchmark measures key-to-screen time: one byte on its pipe after the
 * update that follows each key (and the first screen). */
static void
bench_mark(void)
{
	if (ui.bench_fd >= 0 && write(ui.bench_fd, "k", 1) < 0)
		ui.bench_fd = -1;
}

static void
loop(void)
{
	bool answered = false;

	while (!stop_signal) {
		int key, r;

		draw();
		if (!answered)
			bench_mark();
		answered = true;
		key = read_key();
		poll_others();
		if (ui.screen && ui.screen->poll && (ui.screen->poll(ui.app) & UI_DIRTY))
			ui.dirty = true;
		if (key == ERR)
			continue;
		answered = false;
		r = handle_key(key);
		if (r & UI_QUIT)
			break;
		if (r & UI_DIRTY)
			ui.dirty = true;
		if (r & UI_HEADER)
			ui.header_dirty = true;
	}
}

static void
start_curses(struct app *app)
{
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay((int)app->settings->escape_delay);
	define_keys();
	wtimeout(stdscr, UI_POLL_MS);
	init_colors(app);
}

int
tui_run(struct app *app)
{
	const char *bench = getenv("QREL_BENCH_FD");

	ui.app = app;
	ui.bench_fd = bench && *bench ? atoi(bench) : -1;
	install_signals();
	start_curses(app);
	layout();
	ui.data_version = -1;
	poll_others();
	ui_switch(&overview_screen);
	if (app->readonly)
		ui_error("%s is read-only: you can look, but no change can be saved.", db_path(app->db));
	loop();
	if (ui.screen && ui.screen->leave)
		ui.screen->leave(app);
	if (ui.header) {
		delwin(ui.header);
		delwin(ui.body);
		delwin(ui.status);
	}
	endwin();
	return stop_signal ? 128 + stop_signal : 0;
}
