/* picker.c: the shared prompt: an input line with type-ahead over choices. */
#include "qrel/qrel.h"
#include "qrel/picker.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <strings.h>

void
picker_close(struct picker *p)
{
	free(p->item);
	free(p->match);
	memset(p, 0, sizeof(*p));
}

void
picker_open(struct picker *p, int tag, const char *title, bool free_text)
{
	picker_close(p);
	p->active = true;
	p->tag = tag;
	p->free_text = free_text;
	str_copy(p->title, sizeof(p->title), title);
}

/* A choice matches when its value starts with the input or its label contains it. */
static bool
matches(const struct picker_item *it, const char *input)
{
	size_t n = strlen(input);

	return !n || strncasecmp(it->value, input, n) == 0 || strcasestr(it->label, input);
}

static void
refilter(struct picker *p)
{
	p->nmatch = 0;
	for (int i = 0; i < p->nitem; i++)
		if (matches(&p->item[i], p->replace ? "" : p->input))
			p->match[p->nmatch++] = i;
	p->sel = p->top = 0;
}

void
picker_add(struct picker *p, int64_t id, const char *value, const char *label)
{
	struct picker_item *it;

	if (p->nitem == p->cap) {
		int cap = p->cap ? p->cap * 2 : 16;
		struct picker_item *items = realloc(p->item, (size_t)cap * sizeof(*items));
		int *match = realloc(p->match, (size_t)cap * sizeof(*match));

		if (!items || !match)
			abort(); /* a list of choices a person scrolls does not fail to fit */
		p->item = items;
		p->match = match;
		p->cap = cap;
	}
	it = &p->item[p->nitem++];
	it->id = id;
	str_copy(it->value, sizeof(it->value), value);
	str_copy(it->label, sizeof(it->label), label ? label : value);
	if (matches(it, p->replace ? "" : p->input))
		p->match[p->nmatch++] = p->nitem - 1;
}

void
picker_set_input(struct picker *p, const char *text)
{
	str_copy(p->input, sizeof(p->input), text);
	p->cur = strlen(p->input);
	p->replace = *p->input != '\0';
	refilter(p);
}

const struct picker_item *
picker_choice(const struct picker *p)
{
	return p->sel >= 0 && p->sel < p->nmatch ? &p->item[p->match[p->sel]] : NULL;
}

const char *
picker_input(const struct picker *p)
{
	return p->input;
}

/* ---- the input line ---- */

static size_t
prev_char(const char *s, size_t at)
{
	while (at > 0 && ((unsigned char)s[--at] & 0xc0) == 0x80)
		;
	return at;
}

static size_t
next_char(const char *s, size_t at)
{
	wchar_t c;
	size_t n = strlen(s);

	return at < n ? at + text_decode(s + at, n - at, &c) : at;
}

static void
cut(struct picker *p, size_t from, size_t to)
{
	if (from >= to)
		return;
	memmove(p->input + from, p->input + to, strlen(p->input + to) + 1);
	p->cur = from;
	refilter(p);
}

static void
insert(struct picker *p, unsigned c)
{
	char s[4];
	size_t k, n = strlen(p->input);

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || !text_printable((wchar_t)c))
		return;
	k = text_encode(c, s);
	if (n + k >= sizeof(p->input))
		return;
	memmove(p->input + p->cur + k, p->input + p->cur, n - p->cur + 1);
	memcpy(p->input + p->cur, s, k);
	p->cur += k;
	refilter(p);
}

/* ^W: the spaces before the cursor, then the word before them. */
static size_t
word_start(const char *s, size_t at)
{
	while (at > 0 && s[at - 1] == ' ')
		at--;
	while (at > 0 && s[at - 1] != ' ')
		at--;
	return at;
}

static bool
edit_key(struct picker *p, int key)
{
	size_t n = strlen(p->input);

	switch (key) {
	case KEY_BACKSPACE: case 127: case KEY_CTRL('H'): cut(p, prev_char(p->input, p->cur), p->cur); break;
	case KEY_DC: case KEY_CTRL('D'): cut(p, p->cur, next_char(p->input, p->cur)); break;
	case KEY_CTRL('U'): cut(p, 0, p->cur); break;
	case KEY_CTRL('W'): cut(p, word_start(p->input, p->cur), p->cur); break;
	case KEY_CTRL('K'): cut(p, p->cur, n); break;
	case KEY_LEFT: case KEY_CTRL('B'): p->cur = prev_char(p->input, p->cur); break;
	case KEY_RIGHT: case KEY_CTRL('F'): p->cur = next_char(p->input, p->cur); break;
	case KEY_CTRL('A'): p->cur = 0; break;
	case KEY_CTRL('E'): p->cur = n; break;
	default: return false;
	}
	return true;
}

/* ---- the list ---- */

static void
move_to(struct picker *p, int sel)
{
	p->sel = sel >= p->nmatch ? p->nmatch - 1 : sel;
	p->sel = p->sel < 0 ? 0 : p->sel;
	if (p->sel < p->top)
		p->top = p->sel;
	if (p->sel >= p->top + PICKER_ROWS)
		p->top = p->sel - PICKER_ROWS + 1;
}

static bool
list_key(struct picker *p, int key)
{
	switch (key) {
	case KEY_UP: case KEY_CTRL('P'): move_to(p, p->sel - 1); break;
	case KEY_DOWN: case KEY_CTRL('N'): move_to(p, p->sel + 1); break;
	case KEY_PPAGE: move_to(p, p->sel - PICKER_ROWS); break;
	case KEY_NPAGE: move_to(p, p->sel + PICKER_ROWS); break;
	case KEY_HOME: move_to(p, 0); break;
	case KEY_END: move_to(p, p->nmatch - 1); break;
	case '\t':
		if (picker_choice(p)) {
			str_copy(p->input, sizeof(p->input), picker_choice(p)->value);
			p->cur = strlen(p->input);
			refilter(p);
		}
		break;
	default: return false;
	}
	return true;
}

/* Home and End move in the input when there is no list to move in. */
static int
input_alias(const struct picker *p, int key)
{
	if (p->nitem)
		return key;
	return key == KEY_HOME ? KEY_CTRL('A') : key == KEY_END ? KEY_CTRL('E') : key;
}

static enum picker_result
enter(struct picker *p)
{
	if (!picker_choice(p) && !p->free_text) {
		ui_error(p->nitem ? "Nothing matches \"%s\": ^U clears, Esc cancels." : "Nothing to choose from.",
			 p->input);
		return PICKER_OPEN;
	}
	return PICKER_PICKED;
}

static bool
erase_key(int key)
{
	return key == KEY_BACKSPACE || key == 127 || key == KEY_CTRL('H') || key == KEY_CTRL('U') ||
	       key == KEY_CTRL('W') || key == KEY_CTRL('K') || key == KEY_DC;
}

/* A given input goes as a whole with the first key that types or erases. */
static bool
replace_given(struct picker *p, int key)
{
	bool erase = erase_key(key);

	p->replace = false;
	if (erase || ui_key_is_text(key)) {
		p->input[0] = '\0';
		p->cur = 0;
	}
	refilter(p);
	return erase;
}

enum picker_result
picker_key(struct picker *p, int key)
{
	key = input_alias(p, key);
	if (key == ESC) {
		picker_close(p);
		return PICKER_CANCELLED;
	}
	if (key == '\r' || key == '\n' || key == KEY_ENTER)
		return enter(p);
	if (p->replace && replace_given(p, key))
		return PICKER_OPEN;
	if (list_key(p, key))
		return PICKER_OPEN;
	if (ui_key_is_text(key))
		insert(p, ui_key_char(key));
	else
		edit_key(p, key);	/* any other key does nothing */
	return PICKER_OPEN;
}

/* ---- drawing ---- */

static void
draw_input(const struct picker *p, WINDOW *win, int y, int w)
{
	char head[160], count[48] = "";
	int x;

	if (p->nitem && p->nmatch > PICKER_ROWS)
		snprintf(count, sizeof(count), " (%d/%d)", p->sel + 1, p->nmatch);
	else if (p->nitem && !p->nmatch)
		snprintf(count, sizeof(count), " (%s)", p->free_text ? "no match: Enter takes the text" : "nothing matches");
	snprintf(head, sizeof(head), "%s: ", p->title);
	if (*count && text_width(count) < w / 3) {
		w -= text_width(count);
		ui_text(win, y, w, text_width(count), count, ui_attr(UI_DIM));
	}
	x = ui_text(win, y, 0, w, head, A_BOLD);
	if (p->replace) {
		ui_text(win, y, x, w - x, p->input, A_REVERSE);
		return;
	}
	if (x < w)
		ui_text(win, y, x, w - x, p->input, A_BOLD);
	x += text_width(p->input) - text_width(p->input + p->cur);
	if (x < w) {
		char cell[8] = " ";
		size_t k = next_char(p->input, p->cur) - p->cur;

		if (k && k < sizeof(cell)) {
			memcpy(cell, p->input + p->cur, k);
			cell[k] = '\0';
		}
		ui_text(win, y, x, 1, cell, A_REVERSE);
	}
}

void
picker_draw(const struct picker *p, WINDOW *win)
{
	int y = getmaxy(win) - 1, w = getmaxx(win);
	int shown = p->nmatch - p->top < PICKER_ROWS ? p->nmatch - p->top : PICKER_ROWS;

	for (int i = 0; i < shown; i++) {
		const struct picker_item *it = &p->item[p->match[p->top + i]];
		bool sel = p->top + i == p->sel;
		const char *mark = i == 0 && p->top > 0 ? ui_glyph("\xe2\x96\xb2", "^")
				 : i == shown - 1 && p->top + shown < p->nmatch ? ui_glyph("\xe2\x96\xbc", "v") : " ";

		ui_text(win, y - shown + i, 0, w - 2, it->label, sel ? ui_attr(UI_SELECTED) : A_NORMAL);
		ui_text(win, y - shown + i, w - 2, 2, mark, A_BOLD);
	}
	draw_input(p, win, y, w);
}
