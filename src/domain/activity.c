/* activity.c: fieldwork activities: add, edit, list, and the row writers.
 * The only module that writes the activity table: evidence screens and commands,
 * import (import.c), sync (sync.c) and the schedule (schedule.c) all call the
 * writers below; each caller asks the gate (gate.h) before it writes. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/gate.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/voice.h"

/* ---- reads ---- */

#define ACTIVITY_COLS \
	"a.id, a.uuid, a.site_id, s.code, a.source, a.held_at, a.description, " \
	"coalesce(a.facilitator_id, 0), coalesce(p.name, ''), (SELECT count(*) FROM note n " \
	"WHERE n.activity_id = a.id AND n.deleted_at IS NULL), a.status, a.reviewers"
#define ACTIVITY_FROM "activity a JOIN site s ON s.id = a.site_id LEFT JOIN person p ON p.id = a.facilitator_id"

static void
read_activity(sqlite3_stmt *st, struct activity_row *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	str_copy(a->uuid, sizeof(a->uuid), db_col_text(st, 1));
	a->site = sqlite3_column_int64(st, 2);
	str_copy(a->site_code, sizeof(a->site_code), db_col_text(st, 3));
	str_copy(a->source, sizeof(a->source), db_col_text(st, 4));
	str_copy(a->held_at, sizeof(a->held_at), db_col_text(st, 5));
	str_copy(a->description, sizeof(a->description), db_col_text(st, 6));
	a->facilitator = sqlite3_column_int64(st, 7);
	str_copy(a->facilitator_name, sizeof(a->facilitator_name), db_col_text(st, 8));
	a->notes = sqlite3_column_int(st, 9);
	str_copy(a->status, sizeof(a->status), db_col_text(st, 10));
	str_copy(a->reviewers, sizeof(a->reviewers), db_col_text(st, 11));
}

int
activity_get(struct db *db, int64_t review, int64_t id, struct activity_row *out)
{
	static const char sql[] = "SELECT " ACTIVITY_COLS " FROM " ACTIVITY_FROM
				  " WHERE a.id = ?1 AND a.review_id = ?2";
	sqlite3_stmt *st;
	int rc = store_review_row(db, sql, id, review, "activity", &st);

	if (rc == QREL_OK) {
		read_activity(st, out);
		sqlite3_reset(st);
	}
	return rc;
}

int
activity_list(struct db *db, int64_t review, int64_t site, struct activity_row **out, int *n)
{
	static const char sql[] = "SELECT " ACTIVITY_COLS " FROM " ACTIVITY_FROM
				  " WHERE a.review_id = ?1 AND (?2 IS NULL OR a.site_id = ?2)"
				  " ORDER BY a.held_at DESC, a.id DESC";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	db_bind_id(st, 2, site);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct activity_row *a = realloc(*out, (size_t)(cap = cap ? cap * 2 : 16) * sizeof(*a));

			if (!a) {
				rc = SQLITE_NOMEM;
				break;
			}
			*out = a;
		}
		read_activity(st, &(*out)[(*n)++]);
	}
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing activities");
	sqlite3_reset(st);
	return rc;
}

int64_t
activity_find(struct db *db, int64_t review, const char *ref)
{
	static const char sql[] = "SELECT id FROM activity WHERE review_id = ?1 AND "
				  "(uuid = lower(?2) OR (?2 GLOB '[0-9]*' AND id = CAST(?2 AS INTEGER)))";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t id = -1;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, ref);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		id = 0;
	else
		db_fail(db, "looking up an activity");
	sqlite3_reset(st);
	return id;
}

int64_t
activity_last_used(struct db *db, int64_t review, const char *who, int64_t site)
{
	static const char sql[] = "SELECT n.activity_id FROM note n JOIN person p ON p.id = n.author_id "
				  "WHERE n.review_id = ?1 AND p.name = ?2 AND n.activity_id IS NOT NULL "
				  "AND (?3 = 0 OR n.site_id = ?3) ORDER BY n.created_at DESC, n.id DESC LIMIT 1";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t id = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, who);
	sqlite3_bind_int64(st, 3, site);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* ---- the row writers ---- */

int
activity_insert_row(struct db *db, const struct activity_fields *f, const char *what, int64_t *id)
{
	static const char sql[] = "INSERT INTO activity(uuid, review_id, site_id, source, held_at, description, "
				  "facilitator_id, status, reviewers) VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, ''), ?7, "
				  "coalesce(?8, 'done'), coalesce(?9, ''))";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, f->uuid);
	sqlite3_bind_int64(st, 2, f->review);
	sqlite3_bind_int64(st, 3, f->site);
	db_bind_text(st, 4, f->source);
	db_bind_text(st, 5, f->held_at);
	db_bind_text(st, 6, f->description);
	db_bind_id(st, 7, f->facilitator);
	db_bind_text(st, 8, f->status);
	db_bind_text(st, 9, f->reviewers);
	if ((rc = db_step_done(db, st, what)) == QREL_OK && id)
		*id = sqlite3_last_insert_rowid(db_handle(db));
	return rc;
}

int
activity_apply_row(struct db *db, int64_t id, const struct activity_fields *f, const char *what, bool *changed)
{
	static const char sql[] = "UPDATE activity SET site_id = coalesce(?2, site_id), source = coalesce(?3, source), "
				  "held_at = coalesce(?4, held_at), description = coalesce(?5, description), "
				  "facilitator_id = iif(?7, ?6, coalesce(?6, facilitator_id)) WHERE id = ?1 AND NOT "
				  "(site_id IS coalesce(?2, site_id) AND source IS coalesce(?3, source) AND "
				  "held_at IS coalesce(?4, held_at) AND description IS coalesce(?5, description) AND "
				  "facilitator_id IS iif(?7, ?6, coalesce(?6, facilitator_id)))";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	db_bind_id(st, 2, f->site);
	db_bind_text(st, 3, f->source);
	db_bind_text(st, 4, f->held_at);
	db_bind_text(st, 5, f->description);
	db_bind_id(st, 6, f->facilitator);
	sqlite3_bind_int(st, 7, f->set_facilitator);
	if ((rc = db_step_done(db, st, what)) == QREL_OK && changed)
		*changed = sqlite3_changes(db_handle(db)) > 0;
	return rc;
}

int
activity_mark_done(struct db *db, int64_t id, const char *what, bool *changed)
{
	static const char sql[] = "UPDATE activity SET status = 'done' WHERE id = ?1 AND status = 'planned'";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = db_step_done(db, st, what)) == QREL_OK && changed)
		*changed = sqlite3_changes(db_handle(db)) > 0;
	return rc;
}

int
activity_apply_voice(struct db *db, int64_t id, const struct voice_input *in)
{
	static const char sql[] = "UPDATE activity SET participants = CASE WHEN ?2 > 0 THEN ?2 ELSE participants END, "
				  "language = coalesce(?3, language), "
				  "interpreter = CASE ?4 WHEN 1 THEN 1 WHEN -1 THEN 0 ELSE interpreter END WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, in->participants);
	db_bind_text(st, 3, in->language);
	sqlite3_bind_int(st, 4, in->interpreter);
	return db_step_done(db, st, "recording who took part");
}

int
activity_set_voice(struct db *db, int64_t id, const struct voice_activity *v)
{
	static const char sql[] = "UPDATE activity SET participants = nullif(?2, 0), language = ?3, interpreter = ?4 "
				  "WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, v->participants);
	db_bind_text(st, 3, v->language);
	sqlite3_bind_int(st, 4, v->interpreter);
	return db_step_done(db, st, "recording who took part");
}

int
activity_set_groups(struct db *db, int64_t id, const char *list)
{
	return db_replace_list(db, "DELETE FROM activity_group WHERE activity_id = ?1",
			       "INSERT INTO activity_group(activity_id, grp) VALUES (?1, ?2)", id, list,
			       "recording an activity's stakeholder group");
}

const char activity_sync_insert_sql[] =
	"INSERT INTO activity(uuid, review_id, site_id, source, held_at, description, facilitator_id, status, reviewers) "
	"SELECT b.uuid, ?1, (SELECT id FROM site WHERE review_id = ?1 AND code = b.site COLLATE NOCASE), b.source, "
	"b.held_at, coalesce(b.description, ''), (SELECT id FROM person WHERE review_id = ?1 AND name = b.facilitator), "
	"coalesce(p.status, 'done'), coalesce(p.reviewers, '') "
	"FROM bundle.activity b LEFT JOIN bundle.activity_plan p ON p.uuid = b.uuid "
	"WHERE NOT EXISTS (SELECT 1 FROM activity a WHERE a.uuid = b.uuid)";

/* ---- add and edit (gate, change log, transaction) ---- */

static int
check_activity_input(const struct activity_input *in, bool all)
{
	if ((all || in->source) && !evidence_source_valid(in->source))
		return error(QREL_PARSE, "unknown source type '%s'", in->source ? in->source : "");
	if ((all || in->held_at) && (!in->held_at || !date_valid(in->held_at)))
		return error(QREL_PARSE, "'%s' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
			     in->held_at ? in->held_at : "");
	return QREL_OK;
}

static int
may_schedule(struct db *db, int64_t review, const char *who, int64_t site)
{
	struct gate_actor a;
	int rc;

	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK)
		return rc;
	return gate_check(db, review, &a, &(struct gate_write){ .what = GATE_ACTIVITY, .site = site });
}

int
activity_add(struct db *db, int64_t review, const char *who, const struct activity_input *in, int64_t *id)
{
	char uuid[UUID_LEN + 1];
	int64_t row = 0;
	int rc;

	if ((rc = check_activity_input(in, true)) != QREL_OK || (rc = may_schedule(db, review, who, in->site)) != QREL_OK ||
	    (rc = voice_check(db, review, &in->voice)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	uuid_new(uuid);
	rc = activity_insert_row(db, &(struct activity_fields){ .uuid = uuid, .review = review, .site = in->site,
		.source = in->source, .held_at = in->held_at, .description = in->description,
		.facilitator = in->facilitator, .status = in->status, .reviewers = in->reviewers },
		"adding an activity", &row);
	if (rc == QREL_OK && id)
		*id = row;
	if (rc != QREL_OK ||
	    (rc = changelog_add(db, review, who, "activity", uuid, "create", NULL, in->description, "")) != QREL_OK ||
	    (rc = voice_write_activity(db, review, who, row, &in->voice)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

int
activity_edit(struct db *db, int64_t review, const char *who, int64_t id, const struct activity_input *in)
{
	struct activity_fields f = { .site = in->site, .source = in->source, .held_at = in->held_at,
				     .description = in->description, .facilitator = in->facilitator };
	struct activity_row old;
	int rc;

	if ((rc = activity_get(db, review, id, &old)) != QREL_OK || (rc = check_activity_input(in, false)) != QREL_OK ||
	    (rc = may_schedule(db, review, who, old.site)) != QREL_OK ||	/* from where it was ... */
	    (in->site && (rc = may_schedule(db, review, who, in->site)) != QREL_OK) ||	/* ... to where it goes */
	    (rc = voice_check(db, review, &in->voice)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = activity_apply_row(db, id, &f, "changing an activity", NULL)) != QREL_OK ||
	    (rc = voice_write_activity(db, review, who, id, &in->voice)) != QREL_OK ||
	    (in->description && (rc = changelog_add(db, review, who, "activity", old.uuid, "description",
						    old.description, in->description, "")) != QREL_OK) ||
	    (in->held_at && (rc = changelog_add(db, review, who, "activity", old.uuid, "held_at",
						old.held_at, in->held_at, "")) != QREL_OK)) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

int
activity_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone)
{
	static const char sql[] = "DELETE FROM activity WHERE uuid = ?1 AND review_id = ?2 "
				  "AND id NOT IN (SELECT activity_id FROM note WHERE activity_id IS NOT NULL)";

	return store_forget_row(db, sql, review, uuid, gone);
}
