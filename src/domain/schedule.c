/* schedule.c: activities planned ahead and marked done. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/schedule.h"
#include "qrel/store.h"
#include "qrel/util.h"

int
schedule_check_reviewers(struct db *db, int64_t review, const char *list)
{
	char *copy = xstrdup(list ? list : ""), *save = NULL;
	int rc = QREL_OK;

	for (char *name = strtok_r(copy, ",", &save); name && rc == QREL_OK; name = strtok_r(NULL, ",", &save)) {
		int64_t id;

		name = str_trim(name);
		if (*name && (id = store_person_id(db, review, name)) <= 0)
			rc = id < 0 ? QREL_DB : error(QREL_NOTFOUND, "no member '%s' to plan as a reviewer", name);
	}
	free(copy);
	return rc;
}

static int
mark_done(struct db *db, int64_t review, const char *who, int64_t id, const char *uuid)
{
	bool changed = false;
	int rc;

	if ((rc = activity_mark_done(db, id, "marking an activity done", &changed)) != QREL_OK)
		return rc;
	if (!changed)
		return error(QREL_CONFLICT, "activity %lld is already done", (long long)id);
	return changelog_add(db, review, who, "activity", uuid, "status", "planned", "done", "");
}

int
schedule_done(struct db *db, int64_t review, const char *who, int64_t id)
{
	static const char sql[] = "SELECT site_id, uuid FROM activity WHERE id = ?1 AND review_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	char uuid[UUID_LEN + 1] = "";
	struct gate_actor a;
	int64_t site = 0;
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, review);
	if (sqlite3_step(st) == SQLITE_ROW) {
		site = sqlite3_column_int64(st, 0);
		str_copy(uuid, sizeof(uuid), db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (!site)
		return error(QREL_NOTFOUND, "no activity %lld in this review", (long long)id);
	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK ||
	    (rc = gate_check(db, review, &a, &(struct gate_write){ .what = GATE_ACTIVITY, .site = site })) != QREL_OK ||
	    (rc = db_begin(db)) != QREL_OK)
		return rc;
	if ((rc = mark_done(db, review, who, id, uuid)) != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}

int
schedule_counts(struct db *db, int64_t review, int64_t site, int *planned, int *done)
{
	static const char sql[] = "SELECT coalesce(sum(status = 'planned'), 0), coalesce(sum(status = 'done'), 0) "
				  "FROM activity WHERE review_id = ?1 AND site_id = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	*planned = *done = 0;
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, review);
	sqlite3_bind_int64(st, 2, site);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*planned = sqlite3_column_int(st, 0);
		*done = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? QREL_OK : db_fail(db, "counting activities");
}
