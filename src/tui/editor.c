/* editor.c: the inline text editor: a UTF-8 buffer, wrapped lines, cursor keys. */
#include "qrel/qrel.h"
#include "qrel/editor.h"
#include "qrel/text.h"

struct ed_line {
	size_t start, len;	/* bytes; the next line starts at or after start + len */
};

struct editor {
	char *buf;
	size_t len, cap;
	size_t cur;		/* byte offset, always on a character boundary */
	int goal;		/* column Up/Down aim for; -1 when not moving vertically */
	int top;		/* first wrapped line shown */
	struct ed_line *lines;
	int nlines, lcap, cols;	/* the wrap, valid while cols > 0 */
	int width;		/* the region's width at the last draw */
};

static void
grow(struct editor *ed, size_t need)
{
	size_t cap = ed->cap ? ed->cap : 64;
	char *p;

	while (cap < need)
		cap *= 2;
	if (cap == ed->cap)
		return;
	if (!(p = realloc(ed->buf, cap)))
		abort(); /* a text a person typed does not fail to fit in memory */
	ed->buf = p;
	ed->cap = cap;
}

struct editor *
editor_new(const char *text)
{
	struct editor *ed = calloc(1, sizeof(*ed));

	if (!ed)
		abort();
	text = text ? text : "";
	ed->len = strlen(text);
	grow(ed, ed->len + 1);
	memcpy(ed->buf, text, ed->len + 1);
	ed->goal = -1;
	ed->cur = ed->len;
	return ed;
}

void
editor_free(struct editor *ed)
{
	if (!ed)
		return;
	free(ed->buf);
	free(ed->lines);
	free(ed);
}

const char *
editor_text(const struct editor *ed)
{
	return ed->buf;
}

void
editor_end(struct editor *ed)
{
	ed->cur = ed->len;
	ed->goal = -1;
}

/* ---- wrapping ---- */

static void
add_line(struct editor *ed, size_t start, size_t len)
{
	if (ed->nlines == ed->lcap) {
		int cap = ed->lcap ? ed->lcap * 2 : 16;
		struct ed_line *p = realloc(ed->lines, (size_t)cap * sizeof(*p));

		if (!p)
			abort();
		ed->lines = p;
		ed->lcap = cap;
	}
	ed->lines[ed->nlines++] = (struct ed_line){ start, len };
}

/* One column is kept free so the cursor can sit after a full line. */
static void
wrap(struct editor *ed, int width)
{
	const char *p = ed->buf, *next;
	int cols = width > 2 ? width - 1 : 1;
	size_t len;

	if (ed->cols == cols)
		return;
	ed->nlines = 0;
	while ((next = text_wrap(p, cols, &len))) {
		add_line(ed, (size_t)(p - ed->buf), len);
		p = next;
	}
	if (ed->len == 0 || ed->buf[ed->len - 1] == '\n')
		add_line(ed, ed->len, 0);
	ed->cols = cols;
}

static void
changed(struct editor *ed)
{
	ed->cols = 0;
	ed->goal = -1;
}

int
editor_lines(struct editor *ed, int width)
{
	wrap(ed, width);
	return ed->nlines;
}

/* The wrapped line holding the cursor: the last one starting at or before it. */
static int
cursor_line(const struct editor *ed)
{
	int i = 0;

	while (i + 1 < ed->nlines && ed->lines[i + 1].start <= ed->cur)
		i++;
	return i;
}

static int
width_n(const char *s, size_t n)
{
	int cols = 0;

	while (n) {
		wchar_t c;
		size_t k = text_decode(s, n, &c);

		cols += text_char_width(c);
		s += k;
		n -= k;
	}
	return cols;
}

/* Bytes of s (n available) that fit in cols columns. */
static size_t
fit_n(const char *s, size_t n, int cols)
{
	size_t used = 0;

	while (used < n) {
		wchar_t c;
		size_t k = text_decode(s + used, n - used, &c);

		if ((cols -= text_char_width(c)) < 0)
			break;
		used += k;
	}
	return used;
}

static int
cursor_col(const struct editor *ed, int line)
{
	const struct ed_line *l = &ed->lines[line];
	size_t n = ed->cur - l->start;

	return width_n(ed->buf + l->start, n < l->len ? n : l->len);
}

/* ---- editing ---- */

static size_t
next_char(const struct editor *ed, size_t at)
{
	wchar_t c;

	return at < ed->len ? at + text_decode(ed->buf + at, ed->len - at, &c) : at;
}

static size_t
prev_char(const struct editor *ed, size_t at)
{
	while (at > 0 && ((unsigned char)ed->buf[--at] & 0xc0) == 0x80)
		;
	return at;
}

static void
insert(struct editor *ed, const char *s, size_t n)
{
	grow(ed, ed->len + n + 1);
	memmove(ed->buf + ed->cur + n, ed->buf + ed->cur, ed->len - ed->cur + 1);
	memcpy(ed->buf + ed->cur, s, n);
	ed->len += n;
	ed->cur += n;
	changed(ed);
}

static int
delete_range(struct editor *ed, size_t from, size_t to)
{
	if (from >= to)
		return EDITOR_MOVED;
	memmove(ed->buf + from, ed->buf + to, ed->len - to + 1);
	ed->len -= to - from;
	ed->cur = from;
	changed(ed);
	return EDITOR_CHANGED;
}

static int
type_char(struct editor *ed, unsigned c)
{
	char s[4];

	if (c == '\t')
		c = ' ';	/* a tab has no width we could draw the same everywhere */
	if (c != '\n' && (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || !text_printable((wchar_t)c)))
		return EDITOR_MOVED;
	insert(ed, s, text_encode(c, s));
	return EDITOR_CHANGED;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\n';
}

/* Ctrl-W: the spaces before the cursor, then the word before them. */
static int
delete_word(struct editor *ed)
{
	size_t at = ed->cur;

	while (at > 0 && is_space(ed->buf[at - 1]))
		at--;
	while (at > 0 && !is_space(ed->buf[at - 1]))
		at--;
	return delete_range(ed, at, ed->cur);
}

/* Ctrl-U: back to the start of the paragraph (the last newline), as in a shell. */
static int
kill_line(struct editor *ed)
{
	size_t at = ed->cur;

	while (at > 0 && ed->buf[at - 1] != '\n')
		at--;
	return delete_range(ed, at, ed->cur);
}

/* ---- moving ---- */

static int
move_vertical(struct editor *ed, int dir)
{
	int line, target;
	const struct ed_line *l;

	if (!ed->width)
		return EDITOR_MOVED;	/* never drawn: no lines to move between */
	wrap(ed, ed->width);
	line = cursor_line(ed);
	target = line + dir;
	if (ed->goal < 0)
		ed->goal = cursor_col(ed, line);
	if (target < 0 || target >= ed->nlines)
		return EDITOR_MOVED;
	l = &ed->lines[target];
	ed->cur = l->start + fit_n(ed->buf + l->start, l->len, ed->goal);
	return EDITOR_MOVED;
}

static int
move_line_edge(struct editor *ed, bool end)
{
	const struct ed_line *l;

	ed->goal = -1;
	if (!ed->width)
		return EDITOR_MOVED;
	wrap(ed, ed->width);
	l = &ed->lines[cursor_line(ed)];
	ed->cur = end ? l->start + l->len : l->start;
	return EDITOR_MOVED;
}

static int
move_key(struct editor *ed, int key)
{
	switch (key) {
	case KEY_UP: return move_vertical(ed, -1);
	case KEY_DOWN: return move_vertical(ed, 1);
	case KEY_HOME: case KEY_CTRL('A'): return move_line_edge(ed, false);
	case KEY_END: case KEY_CTRL('E'): return move_line_edge(ed, true);
	case KEY_LEFT: ed->cur = prev_char(ed, ed->cur); break;
	case KEY_RIGHT: ed->cur = next_char(ed, ed->cur); break;
	default: return EDITOR_UNHANDLED;
	}
	ed->goal = -1;
	return EDITOR_MOVED;
}

static int
edit_key(struct editor *ed, int key)
{
	switch (key) {
	case KEY_BACKSPACE: case 127: case KEY_CTRL('H'):
		return delete_range(ed, prev_char(ed, ed->cur), ed->cur);
	case KEY_DC: case KEY_CTRL('D'):
		return delete_range(ed, ed->cur, next_char(ed, ed->cur));
	case KEY_CTRL('W'): return delete_word(ed);
	case KEY_CTRL('U'): return kill_line(ed);
	case '\r': case '\n': case KEY_ENTER: return type_char(ed, '\n');
	case ESC: return EDITOR_CANCEL;
	case KEY_CTRL('X'): case KEY_F(2): return EDITOR_DONE;
	default: return EDITOR_UNHANDLED;
	}
}

int
editor_key(struct editor *ed, int key)
{
	int r;

	if (key & EDITOR_KEY_CHAR)
		return type_char(ed, ui_key_char(key));
	if ((r = move_key(ed, key)) != EDITOR_UNHANDLED || (r = edit_key(ed, key)) != EDITOR_UNHANDLED)
		return r;
	if (!ui_key_is_text(key))
		return EDITOR_UNHANDLED;	/* a control or function key we do not use: never text */
	return type_char(ed, ui_key_char(key));
}

/* ---- drawing ---- */

static void
draw_cursor(struct editor *ed, WINDOW *win, int y, int x, int line)
{
	const struct ed_line *l = &ed->lines[line];
	char cell[8] = " ";
	int col = cursor_col(ed, line), cw = 1;

	if (ed->cur < l->start + l->len) {
		size_t k = next_char(ed, ed->cur) - ed->cur;

		memcpy(cell, ed->buf + ed->cur, k < sizeof(cell) ? k : sizeof(cell) - 1);
		cell[k < sizeof(cell) ? k : sizeof(cell) - 1] = '\0';
		cw = text_width(cell);
		cw = cw > 0 ? cw : 1;
	}
	ui_text(win, y, x + col, cw, cell, A_REVERSE);
}

/* ui_text wants a string; the line is copied out of the buffer to get one. */
static void
draw_line(struct editor *ed, WINDOW *win, int y, int x, int width, int i)
{
	char stack[256], *s = stack;
	size_t n = i < ed->nlines ? ed->lines[i].len : 0;

	if (n >= sizeof(stack) && !(s = malloc(n + 1)))
		abort();
	if (n)
		memcpy(s, ed->buf + ed->lines[i].start, n);
	s[n] = '\0';
	ui_text(win, y, x, width, s, A_NORMAL);
	if (s != stack)
		free(s);
}

void
editor_draw(struct editor *ed, WINDOW *win, int y, int x, int height, int width)
{
	int line, row;

	if (height < 1 || width < 1)
		return;
	ed->width = width;
	wrap(ed, width);
	line = cursor_line(ed);
	if (line < ed->top)
		ed->top = line;
	if (line >= ed->top + height)
		ed->top = line - height + 1;
	if (ed->top > 0 && ed->top + height > ed->nlines)
		ed->top = ed->nlines > height ? ed->nlines - height : 0;
	for (row = 0; row < height; row++)
		draw_line(ed, win, y + row, x, width, ed->top + row);
	draw_cursor(ed, win, y + line - ed->top, x, line);
}
