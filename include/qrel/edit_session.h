/* edit_session.h: one text edited against its stored version, shared by the note
 * editor and the rubric's rationale: the draft (kept on every change, so a dropped
 * link loses nothing, with an optional second draft beside it) and a save refused
 * because someone saved meanwhile (theirs and yours both kept until the user keeps
 * theirs or takes the other). The drafts live in the draft table (draft.h). */
#ifndef QREL_EDIT_SESSION_H
#define QREL_EDIT_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "qrel/tui.h"

struct db;

#define EDIT_SESSION_KEY 96

struct edit_session {
	char key[EDIT_SESSION_KEY];	/* the text's draft, e.g. "note:<uuid>" */
	char side_key[EDIT_SESSION_KEY];	/* a second draft beside it (a note's tags); "": none */
	int version;			/* the stored row's when editing began: the save expects it */
	/* A save refused because the row changed meanwhile. */
	struct {
		bool active;
		char *mine;		/* the user's text when it was refused */
		char *theirs;		/* the text saved meanwhile */
		char by[128];		/* who saved it */
		char at[32];		/* when ("10:02"; "" when not known) */
		char detail[64];	/* what else theirs says ("level 2", "strength") */
		int version;		/* theirs: a save over it knowingly expects this */
	} cf;
};

/* Names the drafts (side_key NULL: none) and the version a save expects; a held
 * conflict stays. */
void edit_session_begin(struct edit_session *s, const char *key, const char *side_key, int version);
/* Keeps text (and side, when there is a side draft) as the user's draft. */
int edit_session_keep(const struct edit_session *s, struct db *db, const char *who, const char *text,
		      const char *side);
/* The user's draft (malloc'd), or NULL when there is none; *side (when side is not
 * NULL) gets the side draft the same way. */
char *edit_session_restore(const struct edit_session *s, struct db *db, const char *who, char **side);
/* Drops both drafts (the text was saved, or theirs taken); the first failure's code. */
int edit_session_discard(const struct edit_session *s, struct db *db, const char *who);

/* A save was refused: holds the user's text and theirs (*theirs is moved, then
 * NULL); by and at may be NULL. A conflict held before is dropped. */
void edit_session_hold(struct edit_session *s, const char *mine, char **theirs, const char *by, const char *at,
		       int version, const char *detail);
/* y or e: the next save replaces theirs knowingly; the conflict view closes. */
void edit_session_take_mine(struct edit_session *s);
void edit_session_end_conflict(struct edit_session *s);

/* "10:02" from "2026-03-02T10:02:00Z"; at itself when it has no time; "" for NULL. */
void edit_session_clock(const char *at, char *out, size_t size);

/* The status line after a refused save: what is "note" or "rationale", kept says
 * whether the draft could be written, and next what to do now. */
void edit_session_say_held(const struct edit_session *s, const char *what, bool kept, const char *next);
/* Any other refusal (rc QREL_FULL: the disk is full): what was not saved, whether
 * the draft was kept, and why (error_message() before the draft was tried). */
void edit_session_say_unsaved(int rc, const char *what, bool kept, const char *why);

/* Theirs above, the user's held text below, in height rows from y. */
void edit_session_draw(const struct edit_session *s, WINDOW *win, int y, int x, int width, int height);

#endif
