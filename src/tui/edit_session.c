/* edit_session.c: the draft and refused-save session of an edited text, one for the
 * note editor and the rubric's rationale (edit_session.h). */
#include "qrel/qrel.h"
#include "qrel/draft.h"
#include "qrel/edit_session.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <ctype.h>

void
edit_session_begin(struct edit_session *s, const char *key, const char *side_key, int version)
{
	str_copy(s->key, sizeof(s->key), key ? key : "");
	str_copy(s->side_key, sizeof(s->side_key), side_key ? side_key : "");
	s->version = version;
}

int
edit_session_keep(const struct edit_session *s, struct db *db, const char *who, const char *text, const char *side)
{
	int rc = draft_save(db, s->key, who, text);

	if (rc == QREL_OK && *s->side_key)
		rc = draft_save(db, s->side_key, who, side);
	return rc;
}

char *
edit_session_restore(const struct edit_session *s, struct db *db, const char *who, char **side)
{
	if (side)
		*side = *s->side_key ? draft_load(db, s->side_key, who) : NULL;
	return draft_load(db, s->key, who);
}

int
edit_session_discard(const struct edit_session *s, struct db *db, const char *who)
{
	int rc = draft_clear(db, s->key, who), rc2 = QREL_OK;

	if (*s->side_key)
		rc2 = draft_clear(db, s->side_key, who);
	return rc != QREL_OK ? rc : rc2;
}

void
edit_session_end_conflict(struct edit_session *s)
{
	free(s->cf.mine);
	free(s->cf.theirs);
	memset(&s->cf, 0, sizeof(s->cf));
}

void
edit_session_hold(struct edit_session *s, const char *mine, char **theirs, const char *by, const char *at,
		  int version, const char *detail)
{
	edit_session_end_conflict(s);
	s->cf.active = true;
	s->cf.mine = xstrdup(mine ? mine : "");
	if (theirs) {
		s->cf.theirs = *theirs;
		*theirs = NULL;	/* moved, not copied */
	}
	str_copy(s->cf.by, sizeof(s->cf.by), by ? by : "");
	edit_session_clock(at, s->cf.at, sizeof(s->cf.at));
	str_copy(s->cf.detail, sizeof(s->cf.detail), detail ? detail : "");
	s->cf.version = version;
}

void
edit_session_take_mine(struct edit_session *s)
{
	if (s->cf.active)
		s->version = s->cf.version;
	edit_session_end_conflict(s);
}

void
edit_session_clock(const char *at, char *out, size_t size)
{
	if (at && strlen(at) >= 16 && at[10] == 'T')
		snprintf(out, size, "%.5s", at + 11);
	else
		snprintf(out, size, "%s", at ? at : "");
}

void
edit_session_say_held(const struct edit_session *s, const char *what, bool kept, const char *next)
{
	ui_error("%s changed this %s%s%s while you were typing: yours is %s; %s", s->cf.by, what,
		 *s->cf.at ? " at " : "", s->cf.at, kept ? "kept as a draft" : "held here only (no draft could be written)",
		 next);
}

void
edit_session_say_unsaved(int rc, const char *what, bool kept, const char *why)
{
	char head[64];

	if (rc == QREL_FULL)
		snprintf(head, sizeof(head), "Disk full: %s not saved", what);
	else
		snprintf(head, sizeof(head), "%c%s not saved", toupper((unsigned char)*what), what + 1);
	if (kept)
		ui_error("%s (your draft is kept): %s", head, why);
	else
		ui_error("%s, nor its draft: your text is only on screen. %s", head, why);
}

/* Draws s wrapped into at most max rows from y; an ellipsis ends the last row
 * when the text goes on, and an empty text says so. */
static void
draw_text(WINDOW *win, int y, int x, int width, int max, const char *s)
{
	size_t len;

	if ((!s || !*s) && max > 0)
		ui_text(win, y, x, width, "(empty)", ui_attr(UI_DIM));
	for (int rows = 0; rows < max && s && *s; rows++) {
		const char *next = text_wrap(s, width, &len);
		char line[512];

		if (len >= sizeof(line) - 4)
			len = sizeof(line) - 5;
		memcpy(line, s, len);
		line[len] = '\0';
		if (next && *next && rows + 1 == max) {
			line[text_fit(line, width - 2)] = '\0';
			strcat(line, " \xe2\x80\xa6");
		}
		ui_text(win, y + rows, x, width, line, A_NORMAL);
		s = next;
	}
}

void
edit_session_draw(const struct edit_session *s, WINDOW *win, int y, int x, int width, int height)
{
	int half = (height - 2) / 2;
	char head[300];

	snprintf(head, sizeof(head), "Theirs (saved): %s%s%s%s%s", s->cf.by, *s->cf.at ? " at " : "", s->cf.at,
		 *s->cf.detail ? ", " : "", s->cf.detail);
	ui_text(win, y, x, width, head, A_BOLD);
	draw_text(win, y + 1, x + 2, width - 2, half - 1, s->cf.theirs);
	ui_hline(win, y + half, x, width);
	ui_text(win, y + half + 1, x, width, "Yours (a draft, not saved):", A_BOLD);
	draw_text(win, y + half + 2, x + 2, width - 2, height - half - 2, s->cf.mine);
}
