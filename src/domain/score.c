/* score.c: rubric scores: role rules, locks, the logged upsert, disagreement, and the screen's reads.
 * The only module that writes the score table: import (import.c) and sync (sync.c) call
 * the row writers below (score_insert_row, score_apply_row); each caller asks the gate
 * (gate.h) before it writes. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

static const char *const kind_names[] = { "team", "self", "consensus" };

const char *
score_kind_name(enum score_kind kind)
{
	return (size_t)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "team";
}

int
score_kind_parse(const char *s, enum score_kind *kind)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(kind_names); i++) {
		if (strcasecmp(s, kind_names[i]) == 0) {
			*kind = (enum score_kind)i;
			return QREL_OK;
		}
	}
	return error(QREL_PARSE, "unknown score kind '%s' (team, self or consensus)", s ? s : "");
}

enum score_kind
score_kind_for_role(const char *role)
{
	return role && strcmp(role, "principal") == 0 ? SCORE_SELF : SCORE_TEAM;
}

/* ---- who may score ---- */

/* The gate decides (gate.h); the rater is the caller. */
static int
score_gate(struct db *db, int64_t review, const char *who, int64_t site, enum score_kind kind, int level,
	   bool insufficient, int64_t *rater)
{
	struct gate_actor a;
	int rc;

	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK)
		return rc;
	if (rater)
		*rater = a.person;
	return gate_check(db, review, &a, &(struct gate_write){ .what = GATE_SCORE, .site = site, .score_kind = kind,
			  .level = level, .insufficient = insufficient });
}

int
score_may(struct db *db, int64_t review, const char *who, int64_t site, enum score_kind kind)
{
	return score_gate(db, review, who, site, kind, SCORE_KEEP, false, NULL);
}

/* ---- writing ---- */

struct stored {
	int64_t id;
	char uuid[UUID_LEN + 1];
	char level[16];		/* "2", "NE" or "" */
	char *rationale;
	int version;		/* 0: no row */
	char updated_at[32];
};

static int
check_cluster(struct db *db, int64_t review, int64_t cluster)
{
	static const char sql[] = "SELECT count(*) FROM cluster c JOIN review r ON r.framework_id = c.framework_id "
				  "WHERE r.id = ?1 AND c.id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int found;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, cluster);
	found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return found ? QREL_OK : error(QREL_NOTFOUND, "cluster %lld is not in this review's framework",
				       (long long)cluster);
}

static int
find_stored(struct db *db, int64_t site, int64_t cluster, int64_t rater, enum score_kind kind,
	    struct stored *old)
{
	static const char sql[] = "SELECT id, uuid, CASE WHEN insufficient THEN 'NE' ELSE coalesce(level, '') END, "
				  "rationale, version, updated_at FROM score WHERE site_id = ?1 AND cluster_id = ?2 AND rater_id = ?3 AND kind = ?4";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	memset(old, 0, sizeof(*old));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, cluster);
	sqlite3_bind_int64(st, 3, rater);
	db_bind_text(st, 4, score_kind_name(kind));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		old->id = sqlite3_column_int64(st, 0);
		str_copy(old->uuid, sizeof(old->uuid), db_col_text(st, 1));
		str_copy(old->level, sizeof(old->level), db_col_text(st, 2));
		old->rationale = xstrdup(db_col_text(st, 3));
		old->version = sqlite3_column_int(st, 4);
		str_copy(old->updated_at, sizeof(old->updated_at), db_col_text(st, 5));
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading a score");
	sqlite3_reset(st);
	return rc;
}

/* What a write asks for, with the level in the change log's form. */
struct wanted {
	int64_t review, site, cluster, rater;
	enum score_kind kind;
	const char *who;
	char level[16];
	const char *rationale;
	int64_t expect;			/* SCORE_ANY_VERSION: no check */
	struct score_value *current;	/* filled on a conflict; may be NULL */
};

static void
level_text(char out[16], int level, bool insufficient, const struct stored *old)
{
	if (level == SCORE_KEEP)
		str_copy(out, 16, old->level);
	else if (insufficient)
		snprintf(out, 16, "NE");
	else if (level > 0)
		snprintf(out, 16, "%d", level);
	else
		out[0] = '\0';
}

/* ---- the row writers ---- */

static void
bind_fields(sqlite3_stmt *st, int i, const struct score_fields *f)
{
	if (f->rated)
		sqlite3_bind_int64(st, i, f->level);
	else
		sqlite3_bind_null(st, i);
	sqlite3_bind_int(st, i + 1, f->insufficient);
	db_bind_text(st, i + 2, f->rationale);
	db_bind_text(st, i + 3, f->updated_at);
	sqlite3_bind_int64(st, i + 4, f->version);
}

int
score_insert_row(struct db *db, const struct score_fields *f, const char *what)
{
	static const char sql[] = "INSERT INTO score(uuid, review_id, site_id, cluster_id, rater_id, kind, "
				  "level, insufficient, rationale, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
				  "?7, ?8, coalesce(?9, ''), ?10, ?11)";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, f->uuid);
	sqlite3_bind_int64(st, 2, f->review);
	sqlite3_bind_int64(st, 3, f->site);
	sqlite3_bind_int64(st, 4, f->cluster);
	sqlite3_bind_int64(st, 5, f->rater);
	db_bind_text(st, 6, f->kind);
	bind_fields(st, 7, f);
	return db_step_done(db, st, what);
}

int
score_apply_row(struct db *db, int64_t id, const struct score_fields *f, const char *what)
{
	static const char sql[] = "UPDATE score SET level = ?1, insufficient = ?2, rationale = coalesce(?3, rationale), "
				  "updated_at = ?4, version = max(version + 1, ?5) WHERE id = ?6";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	bind_fields(st, 1, f);
	sqlite3_bind_int64(st, 6, id);
	return db_step_done(db, st, what);
}

int
score_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone)
{
	return store_forget_row(db, "DELETE FROM score WHERE uuid = ?1 AND review_id = ?2", review, uuid, gone);
}

const char score_resolve_sql[] = "UPDATE score SET level = nullif(?1, ''), insufficient = ?2, rationale = ?3, "
				 "updated_at = ?4, version = max(version, ?5) + 1 WHERE uuid = ?6";
const char score_bump_sql[] = "UPDATE score SET version = max(version, ?1) + 1 WHERE uuid = ?2";

/* The row's level and NE from the change log's form ("2", "NE" or ""). */
static void
level_fields(struct score_fields *f, const char *level)
{
	f->rated = *level && strcmp(level, "NE") != 0;
	f->level = f->rated ? atoi(level) : 0;
	f->insufficient = strcmp(level, "NE") == 0;
}

static const char *
or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* Logs each value that changed: the level ("2", "NE" or NULL) and the rationale. */
static int
log_changes(struct db *db, const struct wanted *w, const char *uuid, const struct stored *old)
{
	int rc = QREL_OK;

	if (strcmp(old->level, w->level) != 0)
		rc = changelog_add(db, w->review, w->who, "score", uuid, "level", or_null(old->level),
				   or_null(w->level), NULL);
	if (rc == QREL_OK && w->rationale && strcmp(old->rationale ? old->rationale : "", w->rationale) != 0)
		rc = changelog_add(db, w->review, w->who, "score", uuid, "rationale", or_null(old->rationale),
				   or_null(w->rationale), NULL);
	return rc;
}

static int
insert_score(struct db *db, const struct wanted *w, const struct stored *old)
{
	char uuid[UUID_LEN + 1], now[21];
	struct score_fields f = { .uuid = uuid, .review = w->review, .site = w->site, .cluster = w->cluster,
				  .rater = w->rater, .kind = score_kind_name(w->kind), .rationale = w->rationale,
				  .updated_at = now, .version = 1 };
	int rc;

	uuid_new(uuid);
	clock_now(now);
	level_fields(&f, w->level);
	if ((rc = score_insert_row(db, &f, "saving a score")) != QREL_OK)
		return rc;	/* QREL_FULL stays itself: the screen says the disk is full */
	return log_changes(db, w, uuid, old);
}

static int
update_score(struct db *db, const struct wanted *w, const struct stored *old)
{
	struct score_fields f = { .rationale = w->rationale };
	char now[21];
	int rc;

	if (strcmp(old->level, w->level) == 0 && (!w->rationale || strcmp(old->rationale, w->rationale) == 0))
		return QREL_OK;	/* nothing changes: no new version, no log row */
	clock_now(now);
	f.updated_at = now;
	level_fields(&f, w->level);
	if ((rc = score_apply_row(db, old->id, &f, "saving a score")) != QREL_OK)
		return rc;
	return log_changes(db, w, old->uuid, old);
}

/* Who wrote the row last, from the change log; the row's own time (and no
 * name) when the log has nothing, as after some imports. */
static void
last_change(struct db *db, const struct stored *old, char *who, size_t nwho, char *at, size_t nat)
{
	static const char sql[] = "SELECT who, at FROM change_log WHERE entity = 'score' AND entity_uuid = ?1 "
				  "ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);

	snprintf(who, nwho, "someone else");
	str_copy(at, nat, old->updated_at);
	if (!st)
		return;
	db_bind_text(st, 1, old->uuid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		str_copy(who, nwho, db_col_text(st, 0));
		str_copy(at, nat, db_col_text(st, 1));
	}
	sqlite3_reset(st);
}

/* Someone wrote the row after the user started from version w->expect: refuse,
 * and hand back the row as it is now so the screen can show both. */
static int
refuse_stale(struct db *db, const struct wanted *w, const struct stored *old)
{
	char by[128], at[32];

	last_change(db, old, by, sizeof(by), at, sizeof(at));
	if (w->current) {
		score_value_free(w->current);
		score_get(db, w->site, w->cluster, w->rater, w->kind, w->current);
		str_copy(w->current->changed_by, sizeof(w->current->changed_by), by);
		str_copy(w->current->changed_at, sizeof(w->current->changed_at), at);
	}
	return error(QREL_CONFLICT, "%s changed this %s score%s%s after you started (it is at version %d, "
		     "you started from %lld): nothing was saved", by, score_kind_name(w->kind), *at ? " at " : "",
		     at, old->version, (long long)w->expect);
}

/* Does the write change anything? A stale write that asks for what is already
 * stored overwrites nobody. */
static bool
changes_row(const struct wanted *w, const struct stored *old)
{
	return !old->id || strcmp(old->level, w->level) != 0 ||
	       (w->rationale && strcmp(old->rationale, w->rationale) != 0);
}

/* Inside the transaction, so a lock set (or a score written) by someone else a
 * moment ago still holds. */
static int
write_score(struct db *db, struct wanted *w, int level, bool insufficient)
{
	struct stored old;
	int rc;

	if ((rc = score_gate(db, w->review, w->who, w->site, w->kind, level, insufficient, &w->rater)) != QREL_OK ||
	    (rc = check_cluster(db, w->review, w->cluster)) != QREL_OK ||
	    (rc = find_stored(db, w->site, w->cluster, w->rater, w->kind, &old)) != QREL_OK)
		return rc;
	level_text(w->level, level, insufficient, &old);
	if (w->expect != SCORE_ANY_VERSION && old.version != w->expect && changes_row(w, &old))
		rc = refuse_stale(db, w, &old);
	else if (!old.id && !w->level[0] && !or_null(w->rationale))
		rc = QREL_OK;	/* clearing what was never set */
	else
		rc = old.id ? update_score(db, w, &old) : insert_score(db, w, &old);
	free(old.rationale);
	return rc;
}

int
score_set(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster,
	  enum score_kind kind, int level, bool insufficient, const char *rationale)
{
	return score_set_expect(db, review, who, site, cluster, kind, level, insufficient, rationale,
				SCORE_ANY_VERSION, NULL);
}

int
score_set_expect(struct db *db, int64_t review, const char *who, int64_t site, int64_t cluster,
		 enum score_kind kind, int level, bool insufficient, const char *rationale,
		 int64_t expected_version, struct score_value *current)
{
	struct wanted w = { .review = review, .site = site, .cluster = cluster, .kind = kind,
			    .who = who, .rationale = rationale, .expect = expected_version, .current = current };
	int rc;

	if (current)
		memset(current, 0, sizeof(*current));
	/* Asked again inside the transaction, so a lock set a moment ago holds. */
	if ((rc = score_may(db, review, who, site, kind)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = write_score(db, &w, level, insufficient)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

/* ---- reading ---- */

/* The one row sql (?1 site, ?2 cluster, ?3 rater, ?4 kind) selects. */
static int
value_of(struct db *db, const char *sql, int64_t site, int64_t cluster, int64_t rater, enum score_kind kind,
	 struct score_value *out)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, cluster);
	sqlite3_bind_int64(st, 3, rater);
	db_bind_text(st, 4, score_kind_name(kind));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->exists = true;
		out->level = sqlite3_column_int(st, 0);
		out->insufficient = sqlite3_column_int(st, 1) != 0;
		out->rationale = xstrdup(db_col_text(st, 2));
		out->version = sqlite3_column_int(st, 3);
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading a score");
	sqlite3_reset(st);
	if (!out->rationale)
		out->rationale = xstrdup("");
	return rc;
}

int
score_get(struct db *db, int64_t site, int64_t cluster, int64_t rater, enum score_kind kind,
	  struct score_value *out)
{
	static const char sql[] = "SELECT coalesce(level, 0), insufficient, rationale, version FROM score "
				  "WHERE site_id = ?1 AND cluster_id = ?2 AND rater_id = ?3 AND kind = ?4";

	return value_of(db, sql, site, cluster, rater, kind, out);
}

int
score_consensus(struct db *db, int64_t site, int64_t cluster, struct score_value *out)
{
	static const char sql[] = "SELECT coalesce(level, 0), insufficient, rationale, version FROM score "
				  "WHERE site_id = ?1 AND cluster_id = ?2 AND ?3 = 0 AND kind = ?4 "
				  "ORDER BY updated_at DESC LIMIT 1";

	return value_of(db, sql, site, cluster, 0, SCORE_CONSENSUS, out);
}

int
score_consensus_level(struct db *db, int64_t site, int64_t cluster)
{
	static const char sql[] = "SELECT level FROM score WHERE site_id = ?1 AND cluster_id = ?2 AND "
				  "kind = 'consensus' AND level IS NOT NULL ORDER BY updated_at DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int level = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, cluster);
	if (sqlite3_step(st) == SQLITE_ROW)
		level = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return level > 0 ? level : 0;
}

void
score_value_free(struct score_value *v)
{
	free(v->rationale);
	v->rationale = NULL;
}

int
score_evidence(struct db *db, int64_t site, int64_t cluster, struct score_evidence *out)
{
	static const char sql[] = "SELECT coalesce(sum(notes), 0), count(*) FROM evidence_tally "
				  "WHERE cluster_id = ?1 AND site_id = ?2 AND notes > 0";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, cluster);
	sqlite3_bind_int64(st, 2, site);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->notes = sqlite3_column_int(st, 0);
		out->sources = sqlite3_column_int(st, 1);
	}
	rc = rc == SQLITE_ROW ? QREL_OK : db_fail(db, "counting evidence");
	sqlite3_reset(st);
	return rc;
}

int
score_progress(struct db *db, int64_t review, int64_t site, int64_t rater, enum score_kind kind,
	       int *scored, int *total)
{
	static const char sql[] = "SELECT count(*), count(s.id) FROM cluster c "
				  "JOIN review r ON r.framework_id = c.framework_id "
				  "LEFT JOIN score s ON s.cluster_id = c.id AND s.site_id = ?2 AND s.rater_id = ?3 "
				  "AND s.kind = ?4 AND (s.level IS NOT NULL OR s.insufficient) WHERE r.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*scored = *total = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	sqlite3_bind_int64(st, 3, rater);
	db_bind_text(st, 4, score_kind_name(kind));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*total = sqlite3_column_int(st, 0);
		*scored = sqlite3_column_int(st, 1);
	}
	rc = rc == SQLITE_ROW ? QREL_OK : db_fail(db, "counting scores");
	sqlite3_reset(st);
	return rc;
}

/* Evidence counts come from the tally the triggers keep (a few rows per site),
 * not from the site's notes. */
static const char tree_sql[] =
	"WITH ev AS (SELECT cluster_id AS cid, sum(notes) AS notes, count(*) AS sources "
	"  FROM evidence_tally WHERE site_id = ?2 AND notes > 0 GROUP BY cluster_id) "
	"SELECT d.id, d.code, d.title, c.id, c.code, c.title, coalesce(s.level, 0), coalesce(s.insufficient, 0), "
	"coalesce(ev.notes, 0), coalesce(ev.sources, 0) "
	"FROM cluster c JOIN domain d ON d.id = c.domain_id JOIN review r ON r.framework_id = c.framework_id "
	"LEFT JOIN ev ON ev.cid = c.id "
	"LEFT JOIN score s ON s.cluster_id = c.id AND s.site_id = ?2 AND s.rater_id = ?3 AND s.kind = ?4 "
	"WHERE r.id = ?1 ORDER BY d.position, c.position";

static struct score_node *
tree_add(struct score_node **nodes, int *n, int *cap)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 32;
		struct score_node *p = realloc(*nodes, (size_t)ncap * sizeof(*p));

		if (!p)
			return NULL;
		*nodes = p;
		*cap = ncap;
	}
	memset(&(*nodes)[*n], 0, sizeof(**nodes));
	return &(*nodes)[(*n)++];
}

static bool
tree_row(sqlite3_stmt *st, struct score_node **nodes, int *n, int *cap, int64_t *domain)
{
	struct score_node *d, *c;

	if (*domain != sqlite3_column_int64(st, 0)) {
		if (!(d = tree_add(nodes, n, cap)))
			return false;
		d->is_domain = true;
		d->id = *domain = sqlite3_column_int64(st, 0);
		str_copy(d->code, sizeof(d->code), db_col_text(st, 1));
		str_copy(d->title, sizeof(d->title), db_col_text(st, 2));
	}
	if (!(c = tree_add(nodes, n, cap)))
		return false;
	c->id = sqlite3_column_int64(st, 3);
	str_copy(c->code, sizeof(c->code), db_col_text(st, 4));
	str_copy(c->title, sizeof(c->title), db_col_text(st, 5));
	c->level = sqlite3_column_int(st, 6);
	c->insufficient = sqlite3_column_int(st, 7) != 0;
	c->ev.notes = sqlite3_column_int(st, 8);
	c->ev.sources = sqlite3_column_int(st, 9);
	return true;
}

int
score_tree(struct db *db, int64_t review, int64_t site, int64_t rater, enum score_kind kind,
	   struct score_node **out, int *n)
{
	sqlite3_stmt *st = db_stmt(db, tree_sql);
	int64_t domain = 0;
	int cap = 0, rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	sqlite3_bind_int64(st, 3, rater);
	db_bind_text(st, 4, score_kind_name(kind));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!tree_row(st, out, n, &cap, &domain))
			break;
	rc = rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? error(QREL_NOMEM, "out of memory")
							    : db_fail(db, "reading the rubric");
	sqlite3_reset(st);
	if (rc != QREL_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int
rubric_levels(struct db *db, int64_t cluster, struct score_rubric *r)
{
	static const char sql[] = "SELECT sl.level, sl.label, coalesce(d.text, '') FROM cluster c "
				  "JOIN scale_level sl ON sl.framework_id = c.framework_id "
				  "LEFT JOIN descriptor d ON d.cluster_id = c.id AND d.level = sl.level "
				  "WHERE c.id = ?1 ORDER BY sl.level";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, cluster);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int level = sqlite3_column_int(st, 0);

		if (level < 1 || level > SCORE_MAX_LEVELS)
			continue;
		r->label[level - 1] = xstrdup(db_col_text(st, 1));
		r->descriptor[level - 1] = xstrdup(db_col_text(st, 2));
		if (level > r->levels)
			r->levels = level;
	}
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the scale");
	sqlite3_reset(st);
	return rc;
}

int
score_rubric(struct db *db, int64_t review, int64_t cluster, struct score_rubric *out)
{
	static const char sql[] = "SELECT c.code, c.title FROM cluster c JOIN review r ON r.framework_id = c.framework_id "
				  "WHERE r.id = ?1 AND c.id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, cluster);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(out->code, sizeof(out->code), db_col_text(st, 0));
		out->title = xstrdup(db_col_text(st, 1));
	}
	rc = rc == SQLITE_ROW ? QREL_OK : rc == SQLITE_DONE
		? error(QREL_NOTFOUND, "cluster %lld is not in this review", (long long)cluster)
		: db_fail(db, "reading a cluster");
	sqlite3_reset(st);
	if (rc == QREL_OK)
		rc = rubric_levels(db, cluster, out);
	return rc;
}

void
score_rubric_free(struct score_rubric *r)
{
	free(r->title);
	for (int i = 0; i < SCORE_MAX_LEVELS; i++) {
		free(r->label[i]);
		free(r->descriptor[i]);
	}
	memset(r, 0, sizeof(*r));
}

/* ---- blind rating: what the viewer may read, by the one rule (visibility.h) ---- */

static bool
list_row(sqlite3_stmt *st, struct score_entry **out, int *n)
{
	struct score_entry *p = realloc(*out, (size_t)(*n + 1) * sizeof(*p)), *e;

	if (!p)
		return false;
	*out = p;
	e = &p[(*n)++];
	str_copy(e->rater, sizeof(e->rater), db_col_text(st, 0));
	score_kind_parse(db_col_text(st, 1), &e->kind);
	e->level = sqlite3_column_int(st, 2);
	e->insufficient = sqlite3_column_int(st, 3) != 0;
	e->rationale = xstrdup(db_col_text(st, 4));
	return true;
}

/* May v read the score in this row (columns: kind 1, rater id 5)? */
static bool
list_sees(struct db *db, const struct vis_viewer *v, sqlite3_stmt *st, int64_t site, int64_t cluster)
{
	struct vis_at at = { site, cluster, sqlite3_column_int64(st, 5) };

	return visibility_sees(db, v, visibility_score_object(db_col_text(st, 1)), &at);
}

int
score_list(struct db *db, int64_t review, const char *viewer, int64_t site, int64_t cluster,
	   struct score_entry **out, int *n)
{
	static const char sql[] = "SELECT p.name, s.kind, coalesce(s.level, 0), s.insufficient, s.rationale, p.id "
				  "FROM score s JOIN person p ON p.id = s.rater_id WHERE s.review_id = ?1 "
				  "AND s.site_id = ?2 AND s.cluster_id = ?3 "
				  "ORDER BY CASE s.kind WHEN 'consensus' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, p.name";
	struct vis_viewer v;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (visibility_viewer(db, review, viewer, &v) != QREL_OK || !(st = db_stmt(db, sql)))
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	sqlite3_bind_int64(st, 3, cluster);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (list_sees(db, &v, st, site, cluster) && !list_row(st, out, n))
			break;
	rc = rc == SQLITE_DONE ? QREL_OK : rc == SQLITE_ROW ? error(QREL_NOMEM, "out of memory")
							    : db_fail(db, "reading scores");
	sqlite3_reset(st);
	return rc;
}

void
score_list_free(struct score_entry *e, int n)
{
	for (int i = 0; i < n; i++)
		free(e[i].rationale);
	free(e);
}

/* Blind: another rater's team score in the cell is hidden from viewer. */
bool
score_blind(struct db *db, int64_t review, const char *viewer, int64_t site, int64_t cluster)
{
	struct vis_at at = { site, cluster, 0 };
	struct vis_viewer v;

	if (visibility_viewer(db, review, viewer, &v) != QREL_OK)
		return true;
	return !visibility_sees(db, &v, VIS_TEAM_SCORE, &at);
}

/* ---- disagreement ---- */

void
score_levels_of(const struct score_entry *e, int n, struct score_levels *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++) {
		if (e[i].level < 1 || e[i].insufficient)
			continue;
		if (e[i].kind == SCORE_SELF)
			out->self = e[i].level;
		else if (e[i].kind == SCORE_CONSENSUS)
			out->consensus = e[i].level;
		else if (out->nteam < SCORE_MAX_TEAM)
			out->team[out->nteam++] = e[i].level;
	}
}

int
score_spread(const struct score_levels *l)
{
	int lo = 0, hi = 0;

	for (int i = 0; i < l->nteam; i++) {
		if (!i || l->team[i] < lo)
			lo = l->team[i];
		if (!i || l->team[i] > hi)
			hi = l->team[i];
	}
	return l->nteam < 2 ? 0 : hi - lo;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

bool
score_self_differs(const struct score_levels *l)
{
	int t[SCORE_MAX_TEAM], n = l->nteam;

	if (!l->self)
		return false;
	if (l->consensus)
		return l->self != l->consensus;
	if (!n)
		return false;
	memcpy(t, l->team, (size_t)n * sizeof(*t));
	qsort(t, (size_t)n, sizeof(*t), cmp_int);
	/* An even count has two middle levels; a self level between them agrees. */
	return l->self < t[(n - 1) / 2] || l->self > t[n / 2];
}

bool
score_disagree(const struct score_levels *l)
{
	if (l->consensus)
		return false;	/* a recorded consensus settles it, everywhere at once */
	return score_spread(l) >= SCORE_DISCUSS_SPREAD || score_self_differs(l);
}

int
score_mark_disagreements(struct db *db, int64_t review, const char *viewer, int64_t site,
			 struct score_node *tree, int n)
{
	struct vis_viewer v;

	if (visibility_viewer(db, review, viewer, &v) != QREL_OK)
		return QREL_DB;
	for (int i = 0; i < n; i++) {
		struct score_entry *e;
		struct score_levels l;
		struct vis_at at = { site, tree[i].id, 0 };
		int ne, rc;

		tree[i].disagree = false;
		if (tree[i].is_domain)
			continue;
		/* A mark is a figure made from others' scores: only where v may read those. */
		if (!visibility_sees(db, &v, VIS_AGGREGATE, &at))
			continue;
		if ((rc = score_list(db, review, viewer, site, tree[i].id, &e, &ne)) != QREL_OK)
			return rc;
		score_levels_of(e, ne, &l);
		tree[i].disagree = score_disagree(&l);
		score_list_free(e, ne);
	}
	return QREL_OK;
}

int
score_sources(struct db *db, int64_t site, int64_t cluster, struct score_source *out, int max, int *n)
{
	static const char sql[] = "SELECT source, notes FROM evidence_tally "
				  "WHERE cluster_id = ?1 AND site_id = ?2 AND notes > 0 ORDER BY notes DESC, source";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, cluster);
	sqlite3_bind_int64(st, 2, site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		str_copy(out[*n].source, sizeof(out[*n].source), db_col_text(st, 0));
		out[(*n)++].notes = sqlite3_column_int(st, 1);
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "counting evidence by source");
	sqlite3_reset(st);
	return rc;
}

/* ---- locks ---- */

struct lock_target {
	const char *entity;	/* "site" or "review" */
	char uuid[UUID_LEN + 1];
	char name[48];		/* "site DO" or "the review" */
	bool locked;
};

static int
lock_find(struct db *db, int64_t review, int64_t site, struct lock_target *t)
{
	static const char site_sql[] = "SELECT uuid, 'site ' || code, locked FROM site WHERE id = ?1 AND review_id = ?2";
	static const char review_sql[] = "SELECT uuid, 'the review', locked FROM review WHERE ?1 = 0 AND id = ?2";
	sqlite3_stmt *st = db_stmt(db, site ? site_sql : review_sql);
	int rc;

	if (!st)
		return QREL_DB;
	t->entity = site ? "site" : "review";
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		str_copy(t->uuid, sizeof(t->uuid), db_col_text(st, 0));
		str_copy(t->name, sizeof(t->name), db_col_text(st, 1));
		t->locked = sqlite3_column_int(st, 2) != 0;
	}
	rc = rc == SQLITE_ROW ? QREL_OK : rc == SQLITE_DONE
		? error(QREL_NOTFOUND, "site %lld is not in this review", (long long)site)
		: db_fail(db, "reading the lock");
	sqlite3_reset(st);
	return rc;
}

static int
lock_write(struct db *db, int64_t review, int64_t site, bool lock)
{
	static const char site_sql[] = "UPDATE site SET locked = ?1 WHERE id = ?2";
	static const char review_sql[] = "UPDATE review SET locked = ?1 WHERE id = ?2";
	sqlite3_stmt *st = db_stmt(db, site ? site_sql : review_sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int(st, 1, lock);
	sqlite3_bind_int64(st, 2, site ? site : review);
	return db_step_done(db, st, lock ? "locking" : "reopening");
}

/* Inside the transaction, so two leads cannot both lock (or reopen) the same thing. */
static int
lock_change(struct db *db, int64_t review, const char *who, int64_t site, bool lock, const char *reason)
{
	struct lock_target t;
	int rc;

	if ((rc = lock_find(db, review, site, &t)) != QREL_OK)
		return rc;
	if (t.locked == lock)
		return error(QREL_CONFLICT, "%s is %s", t.name, lock ? "already locked" : "not locked");
	if ((rc = lock_write(db, review, site, lock)) != QREL_OK)
		return rc;
	return changelog_add(db, review, who, t.entity, t.uuid, "locked", lock ? "0" : "1", lock ? "1" : "0",
			     reason);
}

static int
lock_checks(struct db *db, int64_t review, const char *who, int64_t site, bool lock, const char *why)
{
	struct gate_actor a;
	int rc;

	if (db_readonly(db))
		return error(QREL_READONLY, "%s is open read-only", db_path(db));
	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK ||
	    (rc = gate_check(db, review, &a, &(struct gate_write){ .what = GATE_LOCK, .site = site,
			     .reopen = !lock })) != QREL_OK)
		return rc;
	if (!lock && !*why)
		return error(QREL_USAGE, "reopening needs a reason, which the change log keeps");
	return QREL_OK;
}

int
score_lock_site(struct db *db, int64_t review, const char *who, int64_t site, bool lock,
		const char *reason)
{
	char *copy = xstrdup(reason ? reason : ""), *why = str_trim(copy);
	int rc;

	if ((rc = lock_checks(db, review, who, site, lock, why)) == QREL_OK && (rc = db_begin(db)) == QREL_OK) {
		if ((rc = lock_change(db, review, who, site, lock, why)) != QREL_OK)
			db_rollback(db);
		else
			rc = db_commit(db);
	}
	free(copy);
	return rc;
}

int
score_lock_state(struct db *db, int64_t review, int64_t site, bool *site_locked, bool *review_locked)
{
	static const char sql[] = "SELECT coalesce(s.locked, 0), r.locked FROM review r "
				  "LEFT JOIN site s ON s.id = ?2 AND s.review_id = r.id WHERE r.id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*site_locked = *review_locked = false;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*site_locked = sqlite3_column_int(st, 0) != 0;
		*review_locked = sqlite3_column_int(st, 1) != 0;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading the locks");
	sqlite3_reset(st);
	return rc;
}

/* ---- export ---- */


/* Every row (v NULL), or those v may read by the one rule (visibility.h). */
static int
each_row(struct db *db, int64_t review, int64_t site, const char *kind, const struct vis_viewer *v,
	 score_row_fn *fn, void *ctx)
{
	static const char sql[] =
		"SELECT st.code, c.code, p.name, s.kind, CASE WHEN s.insufficient THEN 'NE' "
		"ELSE coalesce(s.level, '') END, s.rationale, s.updated_at, s.site_id, s.cluster_id, s.rater_id "
		"FROM score s JOIN site st ON st.id = s.site_id JOIN cluster c ON c.id = s.cluster_id "
		"JOIN domain d ON d.id = c.domain_id JOIN person p ON p.id = s.rater_id "
		"WHERE s.review_id = ?1 AND (?2 = 0 OR s.site_id = ?2) AND (?3 IS NULL OR s.kind = ?3) "
		"ORDER BY st.code, d.position, c.position, p.name, s.kind";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, stop = 0;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	db_bind_text(st, 3, kind);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct score_row r = { db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2),
				       db_col_text(st, 3), db_col_text(st, 4), db_col_text(st, 5),
				       db_col_text(st, 6) };
		struct vis_at at = { sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8),
				     sqlite3_column_int64(st, 9) };

		if (!v || visibility_sees(db, v, visibility_score_object(r.kind), &at))
			stop = fn(ctx, &r);
	}
	rc = stop ? stop : rc == SQLITE_DONE ? QREL_OK : db_fail(db, "reading scores");
	sqlite3_reset(st);
	return rc;
}

int
score_each(struct db *db, int64_t review, int64_t site, const char *kind, score_row_fn *fn, void *ctx)
{
	return each_row(db, review, site, kind, NULL, fn, ctx);
}

int
score_each_visible(struct db *db, int64_t review, const char *viewer, int64_t site, const char *kind,
		   score_row_fn *fn, void *ctx)
{
	struct vis_viewer v;

	if (visibility_viewer(db, review, viewer, &v) != QREL_OK)
		return QREL_DB;
	return each_row(db, review, site, kind, &v, fn, ctx);
}

long
score_level_label(struct db *db, int64_t review, const char *label)
{
	static const char sql[] = "SELECT sl.level FROM review r JOIN scale_level sl "
				  "ON sl.framework_id = r.framework_id WHERE r.id = ?1 AND sl.label = ?2 COLLATE NOCASE";
	sqlite3_stmt *st = db_stmt(db, sql);
	long level = 0;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, label);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		level = (long)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		level = (db_fail(db, "reading the scale"), -1);
	sqlite3_reset(st);
	return level;
}
