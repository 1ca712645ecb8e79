/* draft.h: text being typed, saved as it is typed so a dropped link loses nothing. */
#ifndef QREL_DRAFT_H
#define QREL_DRAFT_H

struct db;

/* Keys name what the text will become, e.g. "rationale:<site>:<cluster>:<kind>";
 * who is the person typing, so people sharing a file keep their own drafts. */
int draft_save(struct db *db, const char *key, const char *who, const char *text);
/* The saved text (malloc'd), or NULL when there is none (or on error, with error() set). */
char *draft_load(struct db *db, const char *key, const char *who);
int draft_clear(struct db *db, const char *key, const char *who);

#endif
