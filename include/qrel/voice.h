/* voice.h: whose voice evidence carries: the framework's stakeholder groups,
 * an activity's groups, participants and language, a note's own groups (else
 * its activity's), and the groups heard per site and cluster (triangulation). */
#ifndef QREL_VOICE_H
#define QREL_VOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

#define VOICE_MAX_GROUPS 16
#define VOICE_LIST_MAX 512	/* a comma-separated list of group codes */
#define VOICE_LANGUAGE_MAX 35	/* a language tag ("es", "pt-BR") */

/* The groups a note carries, comma-separated: its own, else its activity's
 * (n is the note's alias in the query). NULL when it carries none. */
#define VOICE_NOTE_GROUPS_SQL \
	"coalesce((SELECT group_concat(grp, ',') FROM note_group WHERE note_id = n.id), " \
	"(SELECT group_concat(grp, ',') FROM activity_group WHERE activity_id = n.activity_id))"

struct voice_group {
	char code[48];
	char title[96];
};

/* The review's framework's stakeholder groups in framework order; malloc'd. */
int voice_groups(struct db *db, int64_t review, struct voice_group **out, int *n);
/* Index of code in groups, -1 when absent. */
int voice_group_index(const struct voice_group *groups, int n, const char *code);

/* What an activity says about voice. Zero means "not given": on add nothing is
 * stored, on edit the stored value stays. */
struct voice_input {
	const char *groups;	/* comma- or ';'-separated group codes; "" clears on edit */
	int participants;	/* > 0: how many took part */
	const char *language;	/* a language tag; "" clears on edit */
	int interpreter;	/* 1: through an interpreter, -1: without one */
};

/* Checks list against the review's groups and writes it normalised ("a,b" in
 * framework order, each once) to out. QREL_PARSE naming the known groups when
 * one is unknown. */
int voice_parse(struct db *db, int64_t review, const char *list, char *out, size_t size);
/* QREL_PARSE when a field of in is off (unknown group, negative count, a
 * language that is not a tag). */
int voice_check(struct db *db, int64_t review, const struct voice_input *in);

/* Inside the caller's transaction, after the gate: store what in gives for the
 * activity / the note's groups, logging each change as who. */
int voice_write_activity(struct db *db, int64_t review, const char *who, int64_t activity,
			 const struct voice_input *in);
int voice_write_note(struct db *db, int64_t review, const char *who, int64_t note, const char *groups);

/* Changes a note's own groups ("" clears them: the note then carries its
 * activity's) in a transaction of its own, through the gate (author or lead). */
int voice_edit_note(struct db *db, int64_t review, const char *who, int64_t note, const char *groups);

struct voice_activity {
	char groups[VOICE_LIST_MAX];	/* framework order, comma-separated */
	int participants;		/* 0: not recorded */
	char language[VOICE_LANGUAGE_MAX + 1];
	bool interpreter;
};

int voice_activity_get(struct db *db, int64_t activity, struct voice_activity *out);
/* The note's own groups ("" when it has none). */
int voice_note_groups(struct db *db, int64_t note, char *out, size_t size);
/* The groups the note carries: its own, else its activity's; *own says which. */
int voice_note_carries(struct db *db, int64_t note, char *out, size_t size, bool *own);

/* Inside the caller's transaction, after the gate: an activity's voice, or a
 * note's own groups, set to exactly what a sync bundle carries (checked as
 * voice_check does; no change-log entry: the caller logs). */
int voice_set_activity(struct db *db, int64_t review, int64_t activity, const struct voice_activity *v);
int voice_set_note(struct db *db, int64_t review, int64_t note, const char *groups);

/* The groups heard at site about cluster: distinct groups of its live notes,
 * in framework order, comma-separated into out; *n how many. */
int voice_heard(struct db *db, int64_t review, int64_t site, int64_t cluster, char *out, size_t size, int *n);

/* "2 stakeholder groups: students, families", or "no stakeholder group". */
void voice_groups_text(int ngroups, const char *groups, char *out, size_t size);
/* "3 source types, 2 stakeholder groups: students, families" ("no stakeholder
 * group" when none); groups comma-separated as voice_heard gives them. */
void voice_triangulation_text(int sources, int ngroups, const char *groups, char *out, size_t size);

#endif
