/* gate.h: the one authorisation path for every write, whatever made it (a
 * screen, a command, an import or a sync bundle). Each writer asks the gate
 * before it writes; a refusal carries its reason in error_message() and the
 * writer changes nothing. The rules live here and nowhere else:
 *
 *   - the actor must be a member of the review; observers write nothing;
 *   - people, sites, subgroup/metric/state data, consensus, locks and conflict
 *     resolution: the lead only;
 *   - a team score's rater, and a note's or activity's author, is the actor
 *     unless the actor is the lead;
 *   - self-evaluation: a principal, for their own school only; a principal
 *     writes notes and activities only at their own school;
 *   - nothing changes at a locked site or in a locked review (reopening is
 *     the one write a lock allows, and only the lead may make it);
 *   - a level lies on the framework's scale (0 clears; NE needs level 0). */
#ifndef QREL_GATE_H
#define QREL_GATE_H

#include <stdbool.h>
#include <stdint.h>

struct db;

/* Who is writing: a member row of the review, resolved once by the caller
 * (from the operating system's identity, see identity.h). */
struct gate_actor {
	int64_t person;		/* 0: not a member */
	char name[128];
	char role[16];		/* lead, reviewer, principal, observer; "" when not a member */
	int64_t home_site;	/* a principal's school; 0 otherwise */
	char login[64];		/* the process's Unix login when the review maps logins; "" otherwise */
	bool setup;		/* the review has no lead yet: whoever holds the file may add its
				 * sites and people (a new review's first imports) */
};

enum gate_what {
	GATE_SITE,		/* add or change a site */
	GATE_PERSON,		/* add or change a person, their role, site or login */
	GATE_ACTIVITY,		/* schedule or change an activity at site */
	GATE_NOTE,		/* write, edit, delete or restore an evidence note at site */
	GATE_SCORE,		/* a score of score_kind by owner at site */
	GATE_DATA,		/* metrics, subgroup rows, state rows */
	GATE_PLAN,		/* the action plan */
	GATE_LOCK,		/* lock or reopen site (0: the whole review) */
	GATE_RESOLVE,		/* resolve a sync conflict */
	GATE_FINDING,		/* draft findings and recommendations (lead and reviewers) */
	GATE_REPORT,		/* the executive summary, finalising or reopening the report (lead) */
};

struct gate_write {
	enum gate_what what;
	int64_t site;		/* the site written at; 0 when review-wide */
	int64_t owner;		/* the rater, author or facilitator row; 0: the actor */
	int score_kind;		/* GATE_SCORE: an enum score_kind */
	int level;		/* GATE_SCORE: 0..levels; SCORE_KEEP when unchanged */
	bool insufficient;	/* GATE_SCORE: NE */
	bool reopen;		/* GATE_LOCK: reopening rather than locking */
};

/* Fills actor for the member named name (actor->person 0 when not a member).
 * When the review maps logins (identity.h), the person must also be the one
 * whose login the process runs under, else actor->person is 0. */
int gate_actor(struct db *db, int64_t review, const char *name, struct gate_actor *actor);
/* The same for a member who acted elsewhere (the exporter of a sync bundle):
 * by name only, without the process's login. */
int gate_actor_remote(struct db *db, int64_t review, const char *name, struct gate_actor *actor);

/* QREL_OK when actor may make the write w; else QREL_DENIED (role, membership,
 * own school, owner), QREL_LOCKED (site or review locked) or QREL_PARSE (off
 * the scale), with the reason in error_message(). Reads only. */
int gate_check(struct db *db, int64_t review, const struct gate_actor *actor, const struct gate_write *w);

#endif
