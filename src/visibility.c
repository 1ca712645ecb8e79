/* visibility.c: the one read rule, as a table, and the state of a row for a viewer. */
#include "qrel/qrel.h"
#include "qrel/visibility.h"
#include "qrel/db.h"
#include "qrel/store.h"

#define V VIS_VISIBLE
#define H VIS_HIDDEN
#define M VIS_MASKED

/*
 * The rule. Columns are the states: own, open, agreed, open+released,
 * agreed+released, elsewhere. "Released" matters to principals only;
 * "elsewhere" arises for principals only (another school). A change-log
 * entry about a score shows its values when the score itself is visible;
 * otherwise the score-change row says whether the entry is listed masked.
 */
static const enum vis_answer rule[VIS_ROLES][VIS_OBJECTS][VIS_STATES] = {
	[VIS_LEAD] = {
		[VIS_TEAM_SCORE] =	{ V, V, V, V, V, V },
		[VIS_SELF_SCORE] =	{ V, V, V, V, V, V },
		[VIS_CONSENSUS] =	{ V, V, V, V, V, V },
		[VIS_NOTE] =		{ V, V, V, V, V, V },
		[VIS_AGGREGATE] =	{ V, V, V, V, V, V },
		[VIS_SCORE_CHANGE] =	{ M, M, M, M, M, M },
		[VIS_SUBGROUP] =	{ V, V, V, V, V, V },
		[VIS_PLAN] =		{ V, V, V, V, V, V },
	},
	[VIS_REVIEWER] = {
		[VIS_TEAM_SCORE] =	{ V, H, V, H, V, H },
		[VIS_SELF_SCORE] =	{ V, H, V, H, V, H },
		[VIS_CONSENSUS] =	{ V, H, V, H, V, H },
		[VIS_NOTE] =		{ V, V, V, V, V, V },
		[VIS_AGGREGATE] =	{ H, H, V, H, V, H },
		[VIS_SCORE_CHANGE] =	{ M, M, M, M, M, M },
		[VIS_SUBGROUP] =	{ V, V, V, V, V, V },
		[VIS_PLAN] =		{ V, V, V, V, V, V },
	},
	[VIS_PRINCIPAL] = {
		[VIS_TEAM_SCORE] =	{ V, H, H, H, V, H },
		[VIS_SELF_SCORE] =	{ V, V, V, V, V, H },
		[VIS_CONSENSUS] =	{ V, H, H, H, V, H },
		[VIS_NOTE] =		{ V, H, H, V, V, H },
		[VIS_AGGREGATE] =	{ H, H, H, H, V, H },
		[VIS_SCORE_CHANGE] =	{ H, H, H, M, M, H },
		[VIS_SUBGROUP] =	{ V, V, V, V, V, H },
		[VIS_PLAN] =		{ V, H, H, V, V, H },
	},
	[VIS_OBSERVER] = {
		[VIS_TEAM_SCORE] =	{ H, H, V, H, V, H },
		[VIS_SELF_SCORE] =	{ H, H, V, H, V, H },
		[VIS_CONSENSUS] =	{ H, H, V, H, V, H },
		[VIS_NOTE] =		{ V, V, V, V, V, V },
		[VIS_AGGREGATE] =	{ H, H, V, H, V, H },
		[VIS_SCORE_CHANGE] =	{ M, M, M, M, M, M },
		[VIS_SUBGROUP] =	{ V, V, V, V, V, V },
		[VIS_PLAN] =		{ V, V, V, V, V, V },
	},
	[VIS_NONMEMBER] = {
		[VIS_TEAM_SCORE] =	{ H, H, H, H, H, H },
		[VIS_SELF_SCORE] =	{ H, H, H, H, H, H },
		[VIS_CONSENSUS] =	{ H, H, H, H, H, H },
		[VIS_NOTE] =		{ H, H, H, H, H, H },
		[VIS_AGGREGATE] =	{ H, H, H, H, H, H },
		[VIS_SCORE_CHANGE] =	{ H, H, H, H, H, H },
		[VIS_SUBGROUP] =	{ H, H, H, H, H, H },
		[VIS_PLAN] =		{ H, H, H, H, H, H },
	},
};

#undef V
#undef H
#undef M

static const char *const role_names[VIS_ROLES] = { "lead", "reviewer", "principal", "observer", "non-member" };
static const char *const object_names[VIS_OBJECTS] = {
	"team score", "self score", "consensus", "note", "aggregate", "score change", "subgroup", "plan",
};
static const char *const state_names[VIS_STATES] = {
	"own", "open", "agreed", "open released", "agreed released", "elsewhere",
};

enum vis_answer
visibility_rule(enum vis_role role, enum vis_object object, enum vis_state state)
{
	if ((unsigned)role >= VIS_ROLES || (unsigned)object >= VIS_OBJECTS || (unsigned)state >= VIS_STATES)
		return VIS_HIDDEN;
	return rule[role][object][state];
}

const char *
visibility_role_name(enum vis_role role)
{
	return (unsigned)role < VIS_ROLES ? role_names[role] : "?";
}

const char *
visibility_object_name(enum vis_object object)
{
	return (unsigned)object < VIS_OBJECTS ? object_names[object] : "?";
}

const char *
visibility_state_name(enum vis_state state)
{
	return (unsigned)state < VIS_STATES ? state_names[state] : "?";
}

char
visibility_answer_mark(enum vis_answer answer)
{
	return answer == VIS_VISIBLE ? 'V' : answer == VIS_MASKED ? 'M' : '-';
}

enum vis_role
visibility_role_of(const char *role)
{
	for (int r = 0; role && r < VIS_NONMEMBER; r++)
		if (strcmp(role, role_names[r]) == 0)
			return (enum vis_role)r;
	return VIS_NONMEMBER;
}

int
visibility_viewer(struct db *db, int64_t review, const char *name, struct vis_viewer *v)
{
	char role[16];

	memset(v, 0, sizeof(*v));
	v->review = review;
	v->role = VIS_NONMEMBER;
	if (!name || !*name)
		return QREL_OK;
	if ((v->person = store_member(db, review, name, role, sizeof(role), &v->home)) < 0) {
		v->person = 0;
		return QREL_DB;
	}
	if (v->person > 0)
		v->role = visibility_role_of(role);
	if (v->role != VIS_PRINCIPAL)
		v->home = 0;
	return QREL_OK;
}

/* ---- state ---- */

bool
visibility_consensus(struct db *db, int64_t site, int64_t cluster)
{
	static const char sql[] = "SELECT count(*) FROM score WHERE site_id = ?1 AND cluster_id = ?2 "
				  "AND kind = 'consensus' AND (level IS NOT NULL OR insufficient)";
	sqlite3_stmt *st = db_stmt(db, sql);
	bool found;

	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, cluster);
	found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return found;
}

bool
visibility_released(struct db *db, int64_t review, int64_t site)
{
	static const char sql[] = "SELECT r.released OR coalesce((SELECT s.released FROM site s "
				  "WHERE s.id = ?2 AND s.review_id = r.id), 0) FROM review r WHERE r.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	bool yes;

	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return yes;
}

enum vis_state
visibility_state(struct db *db, const struct vis_viewer *v, const struct vis_at *at)
{
	bool agreed, released;

	if (v->role == VIS_PRINCIPAL && at->site && at->site != v->home)
		return VIS_ELSEWHERE;
	if (v->person > 0 && at->owner == v->person)
		return VIS_OWN;
	agreed = at->cluster && visibility_consensus(db, at->site, at->cluster);
	/* Only principals wait for a release: do not ask the store for the others. */
	released = v->role == VIS_PRINCIPAL && visibility_released(db, v->review, at->site);
	if (released)
		return agreed ? VIS_AGREED_RELEASED : VIS_OPEN_RELEASED;
	return agreed ? VIS_AGREED : VIS_OPEN;
}

enum vis_answer
visibility_of(struct db *db, const struct vis_viewer *v, enum vis_object object, const struct vis_at *at)
{
	/* The lead and non-members read the same in every state: skip the queries. */
	if (v->role == VIS_LEAD || v->role == VIS_NONMEMBER)
		return visibility_rule(v->role, object, VIS_OPEN);
	return visibility_rule(v->role, object, visibility_state(db, v, at));
}

bool
visibility_sees(struct db *db, const struct vis_viewer *v, enum vis_object object, const struct vis_at *at)
{
	return visibility_of(db, v, object, at) == VIS_VISIBLE;
}

enum vis_object
visibility_score_object(const char *kind)
{
	if (kind && strcmp(kind, "self") == 0)
		return VIS_SELF_SCORE;
	if (kind && strcmp(kind, "consensus") == 0)
		return VIS_CONSENSUS;
	return VIS_TEAM_SCORE;
}

/* ---- notes ---- */

void
visibility_note_scope(struct db *db, const struct vis_viewer *v, struct vis_note_scope *out)
{
	enum vis_role r = v->role;
	enum vis_state here;

	memset(out, 0, sizeof(*out));
	/* A role that reads every note in every state reads them all, wherever. */
	out->all = true;
	for (int s = 0; s < VIS_STATES; s++)
		out->all = out->all && visibility_rule(r, VIS_NOTE, (enum vis_state)s) == VIS_VISIBLE;
	if (out->all)
		return;
	if (r != VIS_PRINCIPAL || !v->home || visibility_rule(r, VIS_NOTE, VIS_OWN) != VIS_VISIBLE) {
		out->none = true;
		return;
	}
	/* A principal: their school only; there, others' notes once released. */
	out->site = v->home;
	here = visibility_released(db, v->review, v->home) ? VIS_OPEN_RELEASED : VIS_OPEN;
	out->author = visibility_rule(r, VIS_NOTE, here) == VIS_VISIBLE ? 0 : v->person;
}

/* ---- release ---- */

static int
release_write(struct db *db, int64_t review, const char *who, int64_t site)
{
	static const char site_sql[] = "SELECT uuid, released FROM site WHERE id = ?1 AND review_id = ?2";
	static const char review_sql[] = "SELECT uuid, released FROM review WHERE ?1 = 0 AND id = ?2";
	static const char set_site[] = "UPDATE site SET released = 1 WHERE id = ?1";
	static const char set_review[] = "UPDATE review SET released = 1 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, site ? site_sql : review_sql);
	char uuid[64] = "";
	int rc, was = 0;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(uuid, sizeof(uuid), "%s", db_col_text(st, 0));
		was = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? error(QREL_NOTFOUND, "site %lld is not in this review", (long long)site)
					 : db_fail(db, "reading the release");
	if (was)
		return error(QREL_CONFLICT, "%s already released", site ? "the site's findings are" : "the review is");
	if (!(st = db_stmt(db, site ? set_site : set_review)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site ? site : review);
	if ((rc = db_step_done(db, st, "releasing the findings")) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, site ? "site" : "review", uuid, "released", "0", "1", "");
}

int
visibility_release(struct db *db, int64_t review, const char *who, int64_t site)
{
	struct vis_viewer v;
	int rc;

	if (db_readonly(db))
		return error(QREL_READONLY, "%s is open read-only", db_path(db));
	if ((rc = visibility_viewer(db, review, who, &v)) != QREL_OK)
		return rc;
	if (!v.person)
		return error(QREL_DENIED, "%s is not a member of this review", who);
	if (v.role != VIS_LEAD)
		return error(QREL_DENIED, "only the lead releases the findings, not a %s", visibility_role_name(v.role));
	if ((rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = release_write(db, review, who, site)) != QREL_OK)
		db_rollback(db);
	else
		rc = db_commit(db);
	return rc;
}
