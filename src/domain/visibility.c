/* visibility.c: the one read rule, as a table, and the state of a row for a viewer. */
#include "qrel/qrel.h"
#include "qrel/visibility.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/store.h"
#include "qrel/util.h"

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
	struct gate_actor a;
	int rc;

	memset(v, 0, sizeof(*v));
	v->review = review;
	v->role = VIS_NONMEMBER;
	if (!name || !*name)
		return QREL_OK;
	/* The member the gate would see: with logins, only the one the OS says. */
	if ((rc = gate_actor(db, review, name, &a)) != QREL_OK)
		return rc;
	v->person = a.person;
	if (v->person > 0)
		v->role = visibility_role_of(a.role);
	if (v->role == VIS_PRINCIPAL)
		v->home = a.home_site;
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

bool
visibility_sees_everywhere(struct db *db, const struct vis_viewer *v, enum vis_object object)
{
	static const char sql[] = "SELECT id FROM site WHERE review_id = ?1";
	struct vis_at at = { 0, 0, 0 };
	sqlite3_stmt *st;
	bool yes = visibility_sees(db, v, object, &at);

	if (!yes || !(st = db_stmt(db, sql)))
		return false;
	sqlite3_bind_int64(st, 1, v->review);
	while (yes && sqlite3_step(st) == SQLITE_ROW) {
		at.site = sqlite3_column_int64(st, 0);
		yes = visibility_sees(db, v, object, &at);
	}
	sqlite3_reset(st);
	return yes;
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

/* ---- rows named by entity and uuid (the change log, bundles) ---- */

/* Where an entity's row lies: site, cluster, owner, and a score's kind. */
static const struct {
	const char *entity;
	enum vis_object object;
	const char *sql;
} entities[] = {
	{ "score", VIS_TEAM_SCORE, "SELECT site_id, cluster_id, rater_id, kind FROM main.score WHERE uuid = ?1" },
	{ "note", VIS_NOTE, "SELECT site_id, 0, author_id, '' FROM main.note WHERE uuid = ?1" },
	{ "activity", VIS_NOTE, "SELECT site_id, 0, coalesce(facilitator_id, 0), '' FROM main.activity WHERE uuid = ?1" },
	{ "subgroup_row", VIS_SUBGROUP, "SELECT site_id, 0, 0, '' FROM main.subgroup_row WHERE uuid = ?1" },
	{ "site", VIS_SUBGROUP, "SELECT id, 0, 0, '' FROM main.site WHERE uuid = ?1" },
	{ "person", VIS_SUBGROUP, "SELECT coalesce(site_id, 0), 0, id, '' FROM main.person WHERE uuid = ?1" },
	{ "document", VIS_NOTE, "SELECT coalesce(site_id, 0), 0, 0, '' FROM main.document WHERE uuid = ?1" },
	{ "survey_item", VIS_SUBGROUP, "SELECT site_id, 0, 0, '' FROM main.survey_item WHERE uuid = ?1" },
	{ "survey_rate", VIS_SUBGROUP, "SELECT site_id, 0, 0, '' FROM main.survey_rate WHERE uuid = ?1" },
	{ "plan", VIS_PLAN, "SELECT coalesce(site_id, 0), 0, 0, '' FROM main.plan WHERE uuid = ?1" },
	{ "objective", VIS_PLAN, "SELECT coalesce(p.site_id, 0), 0, 0, '' FROM main.objective o "
				 "JOIN main.plan p ON p.id = o.plan_id WHERE o.uuid = ?1" },
	{ "root_cause", VIS_PLAN, "SELECT coalesce(p.site_id, 0), 0, 0, '' FROM main.root_cause r "
				  "JOIN main.objective o ON o.id = r.objective_id JOIN main.plan p ON p.id = o.plan_id "
				  "WHERE r.uuid = ?1" },
	{ "step", VIS_PLAN, "SELECT coalesce(p.site_id, 0), 0, 0, '' FROM main.step s "
			    "JOIN main.objective o ON o.id = s.objective_id JOIN main.plan p ON p.id = o.plan_id "
			    "WHERE s.uuid = ?1" },
};

/* A row no longer there lies nowhere in particular (site 0), and the rule still
 * applies; an entity not in the table (the review, links, targets) is review data. */
enum vis_answer
visibility_of_entity(struct db *db, const struct vis_viewer *v, const char *entity, const char *uuid)
{
	enum vis_object object = VIS_SUBGROUP;
	struct vis_at at = { 0, 0, 0 };
	enum vis_answer a;

	for (size_t i = 0; i < ARRAY_SIZE(entities); i++) {
		sqlite3_stmt *st;

		if (strcmp(entity, entities[i].entity) != 0)
			continue;
		object = entities[i].object;
		if (!(st = db_stmt(db, entities[i].sql)))
			return VIS_HIDDEN;
		db_bind_text(st, 1, uuid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			at = (struct vis_at){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					      sqlite3_column_int64(st, 2) };
			if (object == VIS_TEAM_SCORE)
				object = visibility_score_object(db_col_text(st, 3));
		}
		sqlite3_reset(st);
		break;
	}
	a = visibility_of(db, v, object, &at);
	if (a == VIS_HIDDEN && !strcmp(entity, "score"))
		a = visibility_of(db, v, VIS_SCORE_CHANGE, &at);
	return a;
}

/* The rows of one bundle table, by the entity its rows are: select gives each
 * row's uuid and the entity it is (the log's rows name another). */
static const struct {
	const char *select, *remove;
} bundle_tables[] = {
	{ "SELECT uuid, 'score', uuid FROM bundle.score", "DELETE FROM bundle.score WHERE uuid = ?1" },
	{ "SELECT uuid, 'note', uuid FROM bundle.note", "DELETE FROM bundle.note WHERE uuid = ?1" },
	{ "SELECT uuid, 'subgroup_row', uuid FROM bundle.subgroup_row",
	  "DELETE FROM bundle.subgroup_row WHERE uuid = ?1" },
	{ "SELECT uuid, 'document', uuid FROM bundle.document", "DELETE FROM bundle.document WHERE uuid = ?1" },
	{ "SELECT uuid, 'survey_item', uuid FROM bundle.survey_item", "DELETE FROM bundle.survey_item WHERE uuid = ?1" },
	{ "SELECT uuid, 'survey_rate', uuid FROM bundle.survey_rate", "DELETE FROM bundle.survey_rate WHERE uuid = ?1" },
	{ "SELECT uuid, entity, entity_uuid FROM bundle.change_log", "DELETE FROM bundle.change_log WHERE uuid = ?1" },
};

static int
bundle_prep(struct db *db, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(db_handle(db), sql, -1, st, NULL) == SQLITE_OK ? QREL_OK
		: db_fail(db, "filtering the bundle");
}

/* The uuids of table t's rows v may not read in full. */
static int
bundle_hidden(struct db *db, const struct vis_viewer *v, size_t t, char ***out, size_t *n)
{
	sqlite3_stmt *st;
	int rc = bundle_prep(db, bundle_tables[t].select, &st), step;

	while (rc == QREL_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		char **grown;

		if (visibility_of_entity(db, v, db_col_text(st, 1), db_col_text(st, 2)) == VIS_VISIBLE)
			continue;
		if (!(grown = realloc(*out, (*n + 1) * sizeof(*grown))))
			rc = error(QREL_NOMEM, "out of memory");
		else
			*out = grown, grown[(*n)++] = xstrdup(db_col_text(st, 0));
	}
	if (rc == QREL_OK && step != SQLITE_DONE)
		rc = db_fail(db, "filtering the bundle");
	sqlite3_finalize(st);
	return rc;
}

static int
bundle_remove(struct db *db, size_t t, char **uuid, size_t n)
{
	sqlite3_stmt *st;
	int rc = bundle_prep(db, bundle_tables[t].remove, &st);

	for (size_t i = 0; rc == QREL_OK && i < n; i++) {
		db_bind_text(st, 1, uuid[i]);
		rc = sqlite3_step(st) == SQLITE_DONE ? QREL_OK : db_fail(db, "filtering the bundle");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int
visibility_filter_bundle(struct db *db, int64_t review, const char *reader)
{
	struct vis_viewer v;
	int rc = visibility_viewer(db, review, reader, &v);

	for (size_t t = 0; rc == QREL_OK && t < ARRAY_SIZE(bundle_tables); t++) {
		char **uuid = NULL;
		size_t n = 0;

		if ((rc = bundle_hidden(db, &v, t, &uuid, &n)) == QREL_OK)
			rc = bundle_remove(db, t, uuid, n);
		for (size_t i = 0; i < n; i++)
			free(uuid[i]);
		free(uuid);
	}
	return rc;
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
	struct gate_actor a;
	int rc;

	/* Releasing is the lead's, like the report's status (gate.h). */
	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK ||
	    (rc = gate_check(db, review, &a, &(struct gate_write){ .what = GATE_REPORT, .site = site })) != QREL_OK)
		return rc;
	if ((rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = release_write(db, review, who, site)) != QREL_OK)
		db_rollback(db);
	else
		rc = db_commit(db);
	return rc;
}
