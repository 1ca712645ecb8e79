/* score.h: rubric scores: who may give which, the one-transaction write with its
 * change log, blind reading for consensus, disagreement, locks, the reads the
 * rubric screen draws, and the row writers (the only code that writes scores). */
#ifndef QREL_SCORE_H
#define QREL_SCORE_H

#include <stdbool.h>
#include <stdint.h>

struct db;

enum score_kind { SCORE_TEAM, SCORE_SELF, SCORE_CONSENSUS };

#define SCORE_MAX_LEVELS 9	/* the schema's bound on a framework's scale */
#define SCORE_KEEP (-1)		/* score_set: leave the level as it is */
#define SCORE_TRIANGULATED 3	/* distinct source types that make a score triangulated */
#define SCORE_DISCUSS_SPREAD 2	/* team levels this far apart need discussion */
#define SCORE_MAX_TEAM 64	/* team raters counted for one cluster at one site */
#define SCORE_MAX_SOURCES 16

const char *score_kind_name(enum score_kind kind);
/* "team", "self" or "consensus"; QREL_PARSE otherwise. */
int score_kind_parse(const char *s, enum score_kind *kind);
/* The level the review's framework names label on its scale ("Developing"),
 * without case; 0 when no level has that label, -1 on a database error. */
long score_level_label(struct db *db, int64_t review, const char *label);
/* The kind a role gives by default: self for a principal, team for everyone else. */
enum score_kind score_kind_for_role(const char *role);

/* May the member named who give a score of kind at site? QREL_OK, or QREL_DENIED
 * (not a member, observer, wrong role, a principal at another school) or
 * QREL_LOCKED (site or review locked), with the reason in error_message(). */
int score_may(struct db *db, int64_t review, const char *who, int64_t site, enum score_kind kind);

/* Sets who's score of kind for (site, cluster) in one transaction, logging each
 * changed value. level: 1..K, 0 clears, SCORE_KEEP keeps it (insufficient is
 * then ignored); insufficient marks NE and needs level 0. rationale: NULL keeps
 * the stored one. Refusals change nothing and say why. */
int score_set(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster,
	      enum score_kind kind, int level, bool insufficient, const char *rationale);

struct score_value {
	bool exists;
	int level;		/* 0: not rated */
	bool insufficient;
	char *rationale;	/* malloc'd; "" when there is none */
	int version;		/* 0 when there is no row */
	/* Set by score_set_expect on a conflict: who changed the row last, and when
	 * (from the change log); "" otherwise. */
	char changed_by[128];
	char changed_at[32];
};

#define SCORE_ANY_VERSION (-1)	/* score_set_expect: no check (as score_set) */

/* As score_set, but only when the stored row is still at expected_version, the
 * version the screen showed when the user started (0: there was no row then).
 * Otherwise nothing is written and it returns QREL_CONFLICT, error_message()
 * naming who changed it and when; current (when not NULL) then gets the row as
 * it is now, with changed_by and changed_at. Free current with score_value_free. */
int score_set_expect(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster,
		     enum score_kind kind, int level, bool insufficient, const char *rationale,
		     int64_t expected_version, struct score_value *current);

/* The rater's score of kind for (site, cluster); out->exists is false when none. */
int score_get(struct db *db, int64_t site, int64_t cluster, int64_t rater, enum score_kind kind,
	      struct score_value *out);
void score_value_free(struct score_value *v);
/* The latest consensus row for (site, cluster), whoever recorded it: level 0
 * when insufficient; out->exists is false when none. */
int score_consensus(struct db *db, int64_t site, int64_t cluster, struct score_value *out);
/* The latest consensus level agreed for (site, cluster); 0 when none yet. */
int score_consensus_level(struct db *db, int64_t site, int64_t cluster);

struct score_evidence {
	int notes;		/* live notes at the site tagged to the cluster */
	int sources;		/* distinct source types among them */
};

int score_evidence(struct db *db, int64_t site, int64_t cluster, struct score_evidence *out);
/* Clusters the rater has scored (a level or NE) at site, of all the framework's. */
int score_progress(struct db *db, int64_t review, int64_t site, int64_t rater, enum score_kind kind,
		   int *scored, int *total);

/* The rubric as a tree: each domain followed by its clusters, in framework order,
 * with the rater's score of kind and the evidence at site for each cluster. */
struct score_node {
	bool is_domain;
	int64_t id;		/* the domain's or the cluster's row */
	char code[16];
	char title[160];
	int level;		/* clusters only: 0 when not rated */
	bool insufficient;
	struct score_evidence ev;
	bool disagree;		/* set by score_mark_disagreements */
};

int score_tree(struct db *db, int64_t review, int64_t site, int64_t rater, enum score_kind kind,
	       struct score_node **out, int *n);

/* One cluster's text: its title, and per level the scale label and descriptor. */
struct score_rubric {
	int levels;
	char code[16];
	char *title;
	char *label[SCORE_MAX_LEVELS];		/* [0] is level 1 */
	char *descriptor[SCORE_MAX_LEVELS];
};

int score_rubric(struct db *db, int64_t review, int64_t cluster, struct score_rubric *out);
void score_rubric_free(struct score_rubric *r);

struct score_entry {
	char rater[128];
	enum score_kind kind;
	int level;
	bool insufficient;
	char *rationale;
};

/* The scores for (site, cluster) the viewer may see, by the one read rule
 * (visibility.h): rating is blind, so others' scores only for the lead, or once
 * a consensus exists; a principal's after the lead's release; else only the
 * viewer's own. */
int score_list(struct db *db, int64_t review, const char *viewer, int64_t site, int64_t cluster,
	       struct score_entry **out, int *n);
void score_list_free(struct score_entry *e, int n);
/* Are others' team scores for (site, cluster) hidden from viewer (visibility.h)? */
bool score_blind(struct db *db, int64_t review, const char *viewer, int64_t site, int64_t cluster);

/* ---- disagreement ---- */

/* The levels given for one cluster at one site (NE and unrated left out). */
struct score_levels {
	int team[SCORE_MAX_TEAM];
	int nteam;
	int self;		/* 0: none */
	int consensus;		/* 0: none */
};

void score_levels_of(const struct score_entry *e, int n, struct score_levels *out);
/* Highest minus lowest team level; 0 with fewer than two. */
int score_spread(const struct score_levels *l);
/* Does the self-evaluation differ from the team's view: the consensus when there
 * is one, else the median (with an even count, outside the two middle levels)? */
bool score_self_differs(const struct score_levels *l);
/* To discuss: no consensus recorded yet, and a spread of SCORE_DISCUSS_SPREAD or
 * more or self differing from the team. The one predicate every screen reads. */
bool score_disagree(const struct score_levels *l);
/* Sets each cluster node's disagree from the scores viewer may see at site, so
 * marks never reveal what blind rating hides. */
int score_mark_disagreements(struct db *db, int64_t review, const char *viewer, int64_t site,
			     struct score_node *tree, int n);

/* Live evidence notes at site for cluster, by source type, most first. */
struct score_source {
	char source[24];	/* as stored: "focus_group" */
	int notes;
};

int score_sources(struct db *db, int64_t site, int64_t cluster, struct score_source *out, int max, int *n);

/* ---- locks ---- */

/* Locks (finalises) or reopens site, or the whole review when site is 0, as who:
 * the lead only. Reopening needs a reason. The change log keeps entity "site" or
 * "review", field "locked", old and new ("0"/"1") and the reason. */
int score_lock_site(struct db *db, int64_t review, const char *who, int64_t site, bool lock,
		    const char *reason);
int score_lock_state(struct db *db, int64_t review, int64_t site, bool *site_locked, bool *review_locked);

/* A score as exported: level is "2", "NE" or "" (not rated). */
struct score_row {
	const char *site, *cluster, *rater, *kind, *level, *rationale, *updated_at;
};

typedef int score_row_fn(void *ctx, const struct score_row *r);

/* Every score (at site, of kind, when given) by site, cluster, rater and kind.
 * fn returning non-zero stops and is returned. */
int score_each(struct db *db, int64_t review, int64_t site, const char *kind, score_row_fn *fn, void *ctx);
/* As score_each, but only the rows viewer may read (visibility.h): what every
 * listing a person reads must use. */
int score_each_visible(struct db *db, int64_t review, const char *viewer, int64_t site, const char *kind,
		       score_row_fn *fn, void *ctx);

/* ---- the row writers: no gate, no change log, no transaction (the caller's) ---- */

/* A score row as it is stored: score_set, import (import.c) and sync (sync.c) all
 * write scores through these. */
struct score_fields {
	const char *uuid;		/* insert only */
	int64_t review, site, cluster, rater;	/* insert only */
	const char *kind;		/* insert only */
	bool rated;			/* level holds a level; false: not rated (NULL) */
	int64_t level;
	bool insufficient;		/* NE */
	const char *rationale;		/* NULL: '' (insert), kept (apply) */
	const char *updated_at;
	int64_t version;		/* insert: the row's; apply: at least this (0: one up) */
};

/* Inserts the row; what names the write in an error ("saving a score"). */
int score_insert_row(struct db *db, const struct score_fields *f, const char *what);
/* Writes level, insufficient, rationale and updated_at into row id; its version
 * goes up by one, or to f->version when that is higher (a merged score). */
int score_apply_row(struct db *db, int64_t id, const struct score_fields *f, const char *what);
/* Forgets score uuid of review (a hub pull, once the login no longer reads
 * it), with no change log entry: forgetting is not an edit. */
int score_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone);
/* Resolving a sync conflict (sync.c binds them): the score's value "level|ne|rationale"
 * written by uuid (?1 level or '', ?2 ne, ?3 rationale, ?4 now, ?5 the other copy's
 * version, ?6 uuid); and only its version moved past ?1 (?2 uuid). */
extern const char score_resolve_sql[], score_bump_sql[];

#endif
