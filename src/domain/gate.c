/* gate.c: the one authorisation path for every write (see gate.h for the rules). */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/identity.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/util.h"

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* ---- who is writing ---- */

static int
has_lead(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM person WHERE review_id = ?1 AND role = 'lead')";

	return (int)store_review_int(db, review, sql);
}

static int
actor_fill(struct db *db, int64_t review, const char *name, bool local, struct gate_actor *a)
{
	struct store_member m;
	int logins = local ? identity_review_has_logins(db, review) : 0, lead = has_lead(db, review);
	int rc;

	memset(a, 0, sizeof(*a));
	str_copy(a->name, sizeof(a->name), name ? name : "");
	if (logins < 0 || lead < 0 || (rc = store_member(db, review, a->name, 0, &m)) != QREL_OK)
		return QREL_DB;
	a->setup = !lead;
	if (logins)
		str_copy(a->login, sizeof(a->login), identity_login());
	/* With logins, a name is only the caller when the OS says so. */
	if (!m.id || (logins && (!*m.login || !is(m.login, identity_login()))))
		return QREL_OK;
	a->person = m.id;
	str_copy(a->role, sizeof(a->role), m.role);
	a->home_site = is(m.role, "principal") ? m.site : 0;
	return QREL_OK;
}

int
gate_actor(struct db *db, int64_t review, const char *name, struct gate_actor *actor)
{
	return actor_fill(db, review, name, true, actor);
}

int
gate_actor_remote(struct db *db, int64_t review, const char *name, struct gate_actor *actor)
{
	return actor_fill(db, review, name, false, actor);
}

/* ---- the rules ---- */

/* What each kind of write is, in messages. */
static const struct {
	const char *doing;	/* "... cannot %s" */
	const char *things;	/* "its %s can no longer be changed" */
} words[] = {
	[GATE_SITE] = { "change the review's sites", "sites" },
	[GATE_PERSON] = { "change the review's people", "people" },
	[GATE_ACTIVITY] = { "schedule activities", "evidence" },
	[GATE_NOTE] = { "write evidence", "evidence" },
	[GATE_SCORE] = { "score", "scores" },
	[GATE_DATA] = { "change the review's data", "data" },
	[GATE_PLAN] = { "change the action plan", "plan" },
	[GATE_LOCK] = { "lock or reopen", "scores" },
	[GATE_RESOLVE] = { "resolve sync conflicts", "scores" },
	[GATE_FINDING] = { "write findings and recommendations", "findings" },
	[GATE_REPORT] = { "write the summary, finalise the report or release findings", "report" },
};

static int
not_member(const struct gate_actor *a, enum gate_what what)
{
	if (*a->login && (!*a->name || is(a->name, a->login)))
		return error(QREL_DENIED, "you are logged in as unix user %s, who is not a member of this review "
			     "(no person of it has that login): you cannot %s", a->login, words[what].doing);
	if (*a->login)
		return error(QREL_DENIED, "you are logged in as unix user %s, who is not %s in this review: "
			     "you cannot %s as %s", a->login, a->name, words[what].doing, a->name);
	return error(QREL_DENIED, "%s is not a member of this review and cannot %s", *a->name ? a->name : "nobody",
		     words[what].doing);
}

/* The review's lock and the site's (site 0: the review's only). */
static int
open_for(struct db *db, int64_t review, int64_t site, enum gate_what what)
{
	static const char sql[] = "SELECT r.locked, coalesce(s.locked, 0), s.code, s.id IS NOT NULL FROM review r "
				  "LEFT JOIN site s ON s.id = ?2 AND s.review_id = r.id WHERE r.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		rc = rc == SQLITE_DONE ? error(QREL_NOTFOUND, "review %lld not found", (long long)review)
				       : db_fail(db, "reading the locks");
	else if (site > 0 && !sqlite3_column_int(st, 3))
		rc = error(QREL_NOTFOUND, "site %lld is not in this review", (long long)site);
	else if (sqlite3_column_int(st, 0))
		rc = error(QREL_LOCKED, "the review is locked: %s%s can no longer be changed",
			   what == GATE_PLAN ? "the " : "", words[what].things);
	else if (sqlite3_column_int(st, 1))
		rc = error(QREL_LOCKED, "site %s is locked: its %s can no longer be changed", db_col_text(st, 2),
			   words[what].things);
	else
		rc = QREL_OK;
	sqlite3_reset(st);
	return rc;
}

static int
lead_only(const struct gate_actor *a, const struct gate_write *w)
{
	switch (w->what) {
	case GATE_LOCK:
		return error(QREL_DENIED, "only the lead %s scores, not a %s", w->reopen ? "reopens" : "locks",
			     a->role);
	case GATE_RESOLVE:
		return error(QREL_DENIED, "only the review's lead resolves sync conflicts; %s is a %s", a->name,
			     a->role);
	case GATE_SITE:
		return error(QREL_DENIED, "only the lead adds or changes sites, not a %s", a->role);
	case GATE_PERSON:
		return error(QREL_DENIED, "only the lead adds or changes people, their roles and logins, "
			     "not a %s (%s)", a->role, a->name);
	case GATE_REPORT:
		return error(QREL_DENIED, "%s is a %s: only the review lead writes the summary, finalises the report and releases findings",
			     a->name, a->role);
	default:
		return error(QREL_DENIED, "only the lead imports metrics, subgroup and state data, not a %s", a->role);
	}
}

static int
own_school(struct db *db, const struct gate_actor *a, int64_t home, int64_t site, const char *writes)
{
	char mine[32] = "?", there[32] = "?", name[8];

	if (home == site)
		return QREL_OK;
	if (home > 0)
		store_site_info(db, home, mine, sizeof(mine), name, sizeof(name));
	store_site_info(db, site, there, sizeof(there), name, sizeof(name));
	return error(QREL_DENIED, "%s %s only their own school (%s), not %s", a->name, writes, mine, there);
}

/* The scale: 1..levels, 0 clears, SCORE_KEEP keeps; NE only with level 0. */
static int
on_scale(struct db *db, int64_t review, const struct gate_write *w)
{
	int levels = store_levels(db, review);

	if (levels < 0)
		return QREL_DB;
	if (w->level == SCORE_KEEP)
		return QREL_OK;
	if (w->level < 0 || w->level > levels)
		return error(QREL_PARSE, "level %d is outside the scale: 1 to %d, or 0 to clear", w->level, levels);
	if (w->insufficient && w->level)
		return error(QREL_USAGE, "a score is either a level or insufficient evidence, not both");
	return QREL_OK;
}

/* The rater's role must fit the kind: team by reviewers and the lead, self
 * by a principal for their own school, consensus by the lead. */
static int
rater_fits(struct db *db, const struct gate_actor *a, const struct store_member *r, const struct gate_write *w)
{
	const char *role = r->role;

	if (w->score_kind < SCORE_TEAM || w->score_kind > SCORE_CONSENSUS)
		return error(QREL_PARSE, "unknown score kind %d", w->score_kind);
	if (is(role, "observer"))
		return error(QREL_DENIED, "%s is an observer: observers do not score", r->name);
	if (w->score_kind == SCORE_TEAM && !is(role, "reviewer") && !is(role, "lead"))
		return error(QREL_DENIED, "team scores are given by reviewers and the lead, not a %s", role);
	if (w->score_kind == SCORE_SELF && !is(role, "principal"))
		return error(QREL_DENIED, "self-evaluation scores are given by a school's principal, not a %s", role);
	if (w->score_kind == SCORE_SELF) {
		struct gate_actor as_rater = *a;

		str_copy(as_rater.name, sizeof(as_rater.name), r->name);
		return own_school(db, &as_rater, r->site, w->site, "self-evaluates");
	}
	if (w->score_kind == SCORE_CONSENSUS && !is(role, "lead"))
		return error(QREL_DENIED, "consensus scores are recorded by the lead, not a %s", role);
	return QREL_OK;
}

/* The owner of a score, note or activity is the actor, unless the actor is the lead. */
static int
owner_rules(struct db *db, int64_t review, const struct gate_actor *a, const struct gate_write *w)
{
	struct store_member r;
	int rc;

	if ((rc = store_member(db, review, NULL, w->owner ? w->owner : a->person, &r)) != QREL_OK)
		return rc;
	if (!r.id)
		return error(QREL_DENIED, "person %lld is not a member of this review", (long long)w->owner);
	if (w->what == GATE_SCORE && w->score_kind == SCORE_CONSENSUS && !is(a->role, "lead"))
		return error(QREL_DENIED, "consensus scores are recorded by the lead, not a %s", a->role);
	if (r.id != a->person && !is(a->role, "lead")) {
		if (w->what == GATE_SCORE)
			return error(QREL_DENIED, "%s may not write %s's score: raters write their own scores "
				     "(only the lead may write another's)", a->name, r.name);
		return error(QREL_DENIED, "only the note's author or the lead may change it (%s is not %s)", a->name,
			     r.name);
	}
	if (w->what == GATE_SCORE)
		return rater_fits(db, a, &r, w);
	if (is(r.role, "principal") && w->site != r.site)
		return own_school(db, a, r.site, w->site, "writes evidence for");
	return QREL_OK;
}

static int
member_rules(struct db *db, int64_t review, const struct gate_actor *a, const struct gate_write *w)
{
	if (is(a->role, "observer"))
		return error(QREL_DENIED, "%s is an observer: observers cannot %s", a->name, words[w->what].doing);
	if (is(a->role, "principal") && w->what == GATE_FINDING)
		return error(QREL_DENIED, "%s is a principal: only the lead and reviewers write findings and "
			     "recommendations", a->name);
	if (is(a->role, "principal") && (w->what == GATE_NOTE || w->what == GATE_ACTIVITY) && a->home_site != w->site)
		return error(QREL_DENIED, "a principal %s their own school only",
			     w->what == GATE_NOTE ? "writes evidence for" : "schedules activities at");
	if (w->what == GATE_NOTE || w->what == GATE_SCORE)
		return owner_rules(db, review, a, w);
	return QREL_OK;
}

static bool
needs_lead(enum gate_what what)
{
	return what == GATE_SITE || what == GATE_PERSON || what == GATE_DATA || what == GATE_LOCK ||
	       what == GATE_RESOLVE || what == GATE_REPORT;
}

int
gate_check(struct db *db, int64_t review, const struct gate_actor *actor, const struct gate_write *w)
{
	bool setting_up = actor->setup && (w->what == GATE_SITE || w->what == GATE_PERSON);
	int rc;

	if ((size_t)w->what >= ARRAY_SIZE(words) || !words[w->what].doing)
		return error(QREL_USAGE, "unknown kind of write %d", (int)w->what);
	if (db_readonly(db))
		return error(QREL_READONLY, "%s is open read-only", db_path(db));
	if (!setting_up && actor->person <= 0)
		return not_member(actor, w->what);
	if (!setting_up && needs_lead(w->what) && !is(actor->role, "lead"))
		return lead_only(actor, w);
	if (!setting_up && (rc = member_rules(db, review, actor, w)) != QREL_OK)
		return rc;
	if (w->what == GATE_SCORE && (rc = on_scale(db, review, w)) != QREL_OK)
		return rc;
	/* A lock is the one write a lock allows, and the report is written after
	 * the scores are locked; sites and people are the review's. */
	if (w->what == GATE_LOCK || w->what == GATE_REPORT)
		return QREL_OK;
	return open_for(db, review, w->what == GATE_SITE || w->what == GATE_PERSON ? 0 : w->site, w->what);
}
