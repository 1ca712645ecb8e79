/* activity.h: fieldwork activities (interviews, focus groups, visits): add, edit,
 * list; and the row writers, the only code that writes the activity table (import,
 * sync and the schedule call them; callers ask the gate before they write). */
#ifndef QREL_ACTIVITY_H
#define QREL_ACTIVITY_H

#include <stdbool.h>
#include <stdint.h>

#include "qrel/voice.h"

struct db;

struct activity_row {
	int64_t id, site, facilitator;
	char uuid[40], site_code[32], source[24], held_at[32];
	char description[512], facilitator_name[128];
	int notes;			/* evidence notes taken in it (not deleted) */
	char status[8];			/* planned or done (schedule.h) */
	char reviewers[256];		/* planned reviewers, comma-separated */
};

struct activity_input {
	int64_t site;
	const char *source, *held_at, *description;
	int64_t facilitator;		/* 0: none */
	const char *status, *reviewers;	/* activity_add: NULL is done and none (schedule.h) */
	struct voice_input voice;	/* groups, participants, language (voice.h) */
};

int activity_add(struct db *db, int64_t review, const char *who, const struct activity_input *in,
		 int64_t *id);
/* Changes what is not NULL / not 0. */
int activity_edit(struct db *db, int64_t review, const char *who, int64_t id,
		  const struct activity_input *in);
/* Activities (of site, or all when 0), newest first, each with its note count; malloc'd. */
int activity_list(struct db *db, int64_t review, int64_t site, struct activity_row **out, int *n);
int activity_get(struct db *db, int64_t review, int64_t id, struct activity_row *out);
/* An activity by integer id or uuid; 0 when absent, -1 on error. */
int64_t activity_find(struct db *db, int64_t review, const char *ref);
/* The activity of who's most recent note (at site, or anywhere when 0), 0 when none. */
int64_t activity_last_used(struct db *db, int64_t review, const char *who, int64_t site);

/* ---- the row writers: no gate, no change log, no transaction (the caller's) ---- */

/* An activity row as it is stored. activity_apply_row keeps what is NULL / 0. */
struct activity_fields {
	const char *uuid;		/* insert only */
	int64_t review;			/* insert only */
	int64_t site;
	const char *source, *held_at;
	const char *description;	/* NULL: '' (insert), kept (apply) */
	int64_t facilitator;		/* 0: none (insert), kept (apply) unless set_facilitator */
	bool set_facilitator;		/* apply: facilitator 0 clears it */
	const char *status, *reviewers;	/* insert only; NULL: done, '' */
};

/* Inserts the row; *id (when not NULL) gets its row id. what names the write in
 * an error ("adding an activity"). */
int activity_insert_row(struct db *db, const struct activity_fields *f, const char *what, int64_t *id);
/* Updates row id; *changed (when not NULL) says whether any value changed. */
int activity_apply_row(struct db *db, int64_t id, const struct activity_fields *f, const char *what,
		       bool *changed);
/* A planned activity becomes done (never back); *changed false when it was not planned. */
int activity_mark_done(struct db *db, int64_t id, const char *what, bool *changed);
/* Writes who took part (voice.h): participants when > 0, language when not NULL,
 * interpreter when 1 or -1; voice_write_activity logs it. */
int activity_apply_voice(struct db *db, int64_t id, const struct voice_input *in);
/* Writes who took part exactly as v says (participants 0: none; its groups are
 * activity_set_groups'): a merged activity's voice (voice_set_activity). */
int activity_set_voice(struct db *db, int64_t id, const struct voice_activity *v);
/* Sets the activity's stakeholder groups to list: codes, comma-separated,
 * checked already (voice_parse); "" leaves none. The only writer of activity_group. */
int activity_set_groups(struct db *db, int64_t id, const char *list);
/* Forgets activity uuid of review (a hub pull, once the login no longer reads
 * it): the row and its groups, with no change log entry. One a note of the
 * copy still names stays (*gone false). */
int activity_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone);
/* The sync merge adds the bundle's new activities in one statement (?1 the review):
 * INSERT ... SELECT from bundle.activity and bundle.activity_plan. */
extern const char activity_sync_insert_sql[];

#endif
