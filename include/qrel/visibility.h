/* visibility.h: the one rule for who may read what (blind rating until
 * consensus, principals until the lead releases the findings). Every read
 * path asks it: the screens, `scores`, `agree`, `report`, the change log, the
 * evidence lists and `sync export`. The rule is one table, role x object x
 * state, printed in qrel(1) under VISIBILITY and held equal to it by
 * tests/unit/test_visibility.c. */
#ifndef QREL_VISIBILITY_H
#define QREL_VISIBILITY_H

#include <stdbool.h>
#include <stdint.h>

struct db;

enum vis_role { VIS_LEAD, VIS_REVIEWER, VIS_PRINCIPAL, VIS_OBSERVER, VIS_NONMEMBER, VIS_ROLES };

enum vis_object {
	VIS_TEAM_SCORE,		/* a team rater's level and rationale */
	VIS_SELF_SCORE,		/* a principal's self-evaluation level and rationale */
	VIS_CONSENSUS,		/* the consensus level and rationale */
	VIS_NOTE,		/* an evidence note (and the change-log entries about it) */
	VIS_AGGREGATE,		/* figures from others' scores: median, spread, agreement, gaps */
	VIS_SCORE_CHANGE,	/* a change-log entry about a score the viewer may not read */
	VIS_SUBGROUP,		/* subgroup data and findings */
	VIS_PLAN,		/* the action plan */
	VIS_OBJECTS
};

enum vis_state {
	VIS_OWN,		/* the viewer's own row: their score, note or change */
	VIS_OPEN,		/* another's, in a cell without consensus; not released */
	VIS_AGREED,		/* another's, in a cell with a consensus; not released */
	VIS_OPEN_RELEASED,	/* as VIS_OPEN, at a site whose findings the lead released */
	VIS_AGREED_RELEASED,	/* as VIS_AGREED, released */
	VIS_ELSEWHERE,		/* a principal reading about another school (principals only) */
	VIS_STATES
};

enum vis_answer {
	VIS_HIDDEN,		/* not shown, not counted */
	VIS_VISIBLE,		/* shown as it is */
	VIS_MASKED,		/* listed, with its level and text masked */
};

/* The table: what role may read of object in state. */
enum vis_answer visibility_rule(enum vis_role role, enum vis_object object, enum vis_state state);
const char *visibility_role_name(enum vis_role role);		/* "lead" ... "non-member" */
const char *visibility_object_name(enum vis_object object);	/* "team score" ... */
const char *visibility_state_name(enum vis_state state);	/* "own" ... */
char visibility_answer_mark(enum vis_answer answer);		/* 'V', '-', 'M' */
/* The role a person row holds ("lead" ...), VIS_NONMEMBER for NULL or "". */
enum vis_role visibility_role_of(const char *role);

/* Who is reading, resolved once. */
struct vis_viewer {
	int64_t review;
	int64_t person;		/* 0: not a member */
	enum vis_role role;
	int64_t home;		/* a principal's school; 0 otherwise */
};

/* Fills v for the member called name (a non-member when nobody is). QREL_DB on error. */
int visibility_viewer(struct db *db, int64_t review, const char *name, struct vis_viewer *v);

/* Where a row lies: its site (0: review-wide), its cluster (0: none, so no
 * consensus), and whose it is (rater or author; 0: nobody's). */
struct vis_at {
	int64_t site, cluster, owner;
};

/* The state of a row for v. */
enum vis_state visibility_state(struct db *db, const struct vis_viewer *v, const struct vis_at *at);
/* The rule for the row: visibility_rule(v's role, object, its state). */
enum vis_answer visibility_of(struct db *db, const struct vis_viewer *v, enum vis_object object,
			      const struct vis_at *at);
bool visibility_sees(struct db *db, const struct vis_viewer *v, enum vis_object object, const struct vis_at *at);
/* May v read object review-wide and at every site (the whole plan, say)? */
bool visibility_sees_everywhere(struct db *db, const struct vis_viewer *v, enum vis_object object);
/* The object a score of kind ("team", "self", "consensus") is. */
enum vis_object visibility_score_object(const char *kind);

/* The rule for the row of entity ("score", "note", "activity", "site", "plan"
 * ...) named by uuid, as the change log names rows. An entry about a score
 * the viewer may not read answers VIS_MASKED where the rule lists it masked. */
enum vis_answer visibility_of_entity(struct db *db, const struct vis_viewer *v, const char *entity,
				     const char *uuid);

/* Removes from the bundle attached as "bundle" (inside its write transaction)
 * the scores, notes, subgroup rows and change-log entries reader may not read
 * in full, so a bundle carries only what the person who made it may see. */
int visibility_filter_bundle(struct db *db, int64_t review, const char *reader);

/* Have the findings at site (0: the whole review) been released to principals? */
bool visibility_released(struct db *db, int64_t review, int64_t site);
/* Does (site, cluster) hold a consensus (a level or NE)? */
bool visibility_consensus(struct db *db, int64_t site, int64_t cluster);

/* The notes v may read, as a filter the evidence queries apply: every note
 * (all), none, or only at site, and there only author's unless released. */
struct vis_note_scope {
	bool all, none;
	int64_t site;		/* when neither all nor none */
	int64_t author;		/* 0: every author at site */
};

void visibility_note_scope(struct db *db, const struct vis_viewer *v, struct vis_note_scope *out);

/* Releases the findings at site (0: the whole review) to principals, as who:
 * the lead only; logged as entity "site"/"review", field "released". */
int visibility_release(struct db *db, int64_t review, const char *who, int64_t site);

#endif
